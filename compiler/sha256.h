/* SPDX-License-Identifier: MIT */
/*
 * sha256.h: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for the
 * build cache's authentication (docs/cache.md). Small and dependency
 * free; not meant to be fast. Both work incrementally (init, any number
 * of updates, final) or in one call. Nothing is allocated.
 */
#ifndef CB_SHA256_H
#define CB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define CB_SHA256_LEN 32
#define CB_SHA256_BLOCK 64

typedef struct cb_sha256 {
  uint32_t h[8];
  uint64_t bytes; /* hashed so far */
  unsigned char buf[CB_SHA256_BLOCK];
  size_t n_buf;
} cb_sha256;

void cb_sha256_init(cb_sha256 *s);
void cb_sha256_update(cb_sha256 *s, const void *data, size_t n);
/* Writes the digest and leaves s to be initialised again. */
void cb_sha256_final(cb_sha256 *s, unsigned char out[CB_SHA256_LEN]);
void cb_sha256_digest(unsigned char out[CB_SHA256_LEN], const void *data,
                      size_t n);

typedef struct cb_hmac {
  cb_sha256 inner;
  unsigned char outer_key[CB_SHA256_BLOCK]; /* key ^ opad */
} cb_hmac;

/* A key of any length (longer than a block: hashed first, as RFC 2104
 * says). */
void cb_hmac_init(cb_hmac *m, const void *key, size_t key_len);
void cb_hmac_update(cb_hmac *m, const void *data, size_t n);
/* Writes the MAC and wipes m. */
void cb_hmac_final(cb_hmac *m, unsigned char out[CB_SHA256_LEN]);
void cb_hmac_sha256(unsigned char out[CB_SHA256_LEN], const void *key,
                    size_t key_len, const void *data, size_t n);

/* 1 when the n bytes of a and b are equal, in a time that does not
 * depend on where they differ (for comparing MACs). */
int cb_sha256_equal(const void *a, const void *b, size_t n);

#endif
