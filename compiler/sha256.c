/* SPDX-License-Identifier: MIT */
/*
 * sha256.c: SHA-256 as FIPS 180-4 section 6.2 describes it, and HMAC over
 * it (RFC 2104). Used to authenticate the build cache with a key of the
 * user's (cache.c), so the compiler needs no crypto library. The test
 * vectors of FIPS 180-4 and RFC 4231 are in tests/unit/test_sha256.c.
 */
#include "sha256.h"

#include <string.h>

/* The first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes (FIPS 180-4, 4.2.2). */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void block(cb_sha256 *s, const unsigned char *p) {
  uint32_t w[64];
  for (int t = 0; t < 16; t++)
    w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
           (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
  uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
  for (int t = 0; t < 64; t++) {
    uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
                  ((e & f) ^ (~e & g)) + K[t] + w[t];
    uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
                  ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  s->h[0] += a;
  s->h[1] += b;
  s->h[2] += c;
  s->h[3] += d;
  s->h[4] += e;
  s->h[5] += f;
  s->h[6] += g;
  s->h[7] += h;
}

void cb_sha256_init(cb_sha256 *s) {
  static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                 0xa54ff53a, 0x510e527f, 0x9b05688c,
                                 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, h0, sizeof h0);
  s->bytes = 0;
  s->n_buf = 0;
}

void cb_sha256_update(cb_sha256 *s, const void *data, size_t n) {
  const unsigned char *p = data;
  s->bytes += n;
  if (s->n_buf) {
    size_t take = CB_SHA256_BLOCK - s->n_buf;
    if (take > n)
      take = n;
    memcpy(s->buf + s->n_buf, p, take);
    s->n_buf += take;
    p += take;
    n -= take;
    if (s->n_buf < CB_SHA256_BLOCK)
      return;
    block(s, s->buf);
    s->n_buf = 0;
  }
  for (; n >= CB_SHA256_BLOCK; p += CB_SHA256_BLOCK, n -= CB_SHA256_BLOCK)
    block(s, p);
  if (n)
    memcpy(s->buf, p, n);
  s->n_buf = n;
}

void cb_sha256_final(cb_sha256 *s, unsigned char out[CB_SHA256_LEN]) {
  uint64_t bits = s->bytes * 8;
  unsigned char pad[CB_SHA256_BLOCK + 8] = {0x80};
  /* 0x80, zeros up to 56 mod 64, then the length in bits, big-endian */
  size_t n_pad = (s->n_buf < 56 ? 56 : 120) - s->n_buf;
  for (int i = 0; i < 8; i++)
    pad[n_pad + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
  cb_sha256_update(s, pad, n_pad + 8);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(s->h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
    out[4 * i + 3] = (unsigned char)s->h[i];
  }
  memset(s, 0, sizeof *s);
}

void cb_sha256_digest(unsigned char out[CB_SHA256_LEN], const void *data,
                      size_t n) {
  cb_sha256 s;
  cb_sha256_init(&s);
  cb_sha256_update(&s, data, n);
  cb_sha256_final(&s, out);
}

void cb_hmac_init(cb_hmac *m, const void *key, size_t key_len) {
  unsigned char k[CB_SHA256_BLOCK] = {0}, ipad[CB_SHA256_BLOCK];
  if (key_len > CB_SHA256_BLOCK)
    cb_sha256_digest(k, key, key_len);
  else if (key_len)
    memcpy(k, key, key_len);
  for (int i = 0; i < CB_SHA256_BLOCK; i++) {
    ipad[i] = k[i] ^ 0x36;
    m->outer_key[i] = k[i] ^ 0x5c;
  }
  cb_sha256_init(&m->inner);
  cb_sha256_update(&m->inner, ipad, sizeof ipad);
  memset(k, 0, sizeof k);
  memset(ipad, 0, sizeof ipad);
}

void cb_hmac_update(cb_hmac *m, const void *data, size_t n) {
  cb_sha256_update(&m->inner, data, n);
}

void cb_hmac_final(cb_hmac *m, unsigned char out[CB_SHA256_LEN]) {
  unsigned char inner[CB_SHA256_LEN];
  cb_sha256 outer;
  cb_sha256_final(&m->inner, inner);
  cb_sha256_init(&outer);
  cb_sha256_update(&outer, m->outer_key, sizeof m->outer_key);
  cb_sha256_update(&outer, inner, sizeof inner);
  cb_sha256_final(&outer, out);
  memset(m, 0, sizeof *m);
  memset(inner, 0, sizeof inner);
}

void cb_hmac_sha256(unsigned char out[CB_SHA256_LEN], const void *key,
                    size_t key_len, const void *data, size_t n) {
  cb_hmac m;
  cb_hmac_init(&m, key, key_len);
  cb_hmac_update(&m, data, n);
  cb_hmac_final(&m, out);
}

int cb_sha256_equal(const void *a, const void *b, size_t n) {
  const volatile unsigned char *x = a, *y = b;
  unsigned char diff = 0;
  for (size_t i = 0; i < n; i++)
    diff |= (unsigned char)(x[i] ^ y[i]);
  return diff == 0;
}
