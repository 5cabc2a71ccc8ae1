/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of sha256.c: the SHA-256 examples of FIPS 180-4 (and the
 * empty message, and a million 'a'), fed whole and in pieces of every
 * size so that the buffering across blocks is exercised; the HMAC-SHA256
 * test cases 1 to 7 of RFC 4231.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "testlib.h"

static void hex(char out[2 * CB_SHA256_LEN + 1], const unsigned char *d,
                size_t n) {
  for (size_t i = 0; i < n; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
  out[2 * n] = '\0';
}

static void check_sha(const char *msg, size_t n, const char *want) {
  unsigned char d[CB_SHA256_LEN];
  char got[2 * CB_SHA256_LEN + 1];
  cb_sha256_digest(d, msg, n);
  hex(got, d, sizeof d);
  CHECK_STR(got, want);
  /* the same in pieces of every size up to 130 bytes */
  for (size_t piece = 1; piece <= 130 && piece <= n; piece++) {
    cb_sha256 s;
    cb_sha256_init(&s);
    for (size_t at = 0; at < n; at += piece)
      cb_sha256_update(&s, msg + at, n - at < piece ? n - at : piece);
    cb_sha256_final(&s, d);
    hex(got, d, sizeof d);
    if (strcmp(got, want) != 0) {
      CHECK_STR(got, want);
      break;
    }
  }
}

static void test_sha256(void) {
  check_sha("abc", 3,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  check_sha(two, strlen(two),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  check_sha("", 0,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  char *million = malloc(1000000);
  memset(million, 'a', 1000000);
  unsigned char d[CB_SHA256_LEN];
  char got[2 * CB_SHA256_LEN + 1];
  cb_sha256_digest(d, million, 1000000);
  hex(got, d, sizeof d);
  CHECK_STR(got,
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(million);
  /* 55, 56 and 64 bytes: the padding's edge cases (checked against
   * sha256sum) */
  check_sha("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 55,
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  check_sha("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 56,
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  check_sha("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            64,
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

static void check_hmac(const unsigned char *key, size_t key_len,
                       const char *data, size_t n, const char *want) {
  unsigned char mac[CB_SHA256_LEN];
  char got[2 * CB_SHA256_LEN + 1];
  cb_hmac_sha256(mac, key, key_len, data, n);
  hex(got, mac, sizeof mac);
  got[strlen(want)] = '\0'; /* test case 5 is truncated to 128 bits */
  CHECK_STR(got, want);
  /* incrementally, one byte at a time */
  cb_hmac m;
  cb_hmac_init(&m, key, key_len);
  for (size_t i = 0; i < n; i++)
    cb_hmac_update(&m, data + i, 1);
  cb_hmac_final(&m, mac);
  hex(got, mac, sizeof mac);
  got[strlen(want)] = '\0';
  CHECK_STR(got, want);
}

static void test_hmac(void) {
  unsigned char key[131];
  char data[50];
  memset(key, 0x0b, 20);
  check_hmac(key, 20, "Hi There", 8,
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  check_hmac((const unsigned char *)"Jefe", 4, "what do ya want for nothing?",
             28,
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  memset(key, 0xaa, 20);
  memset(data, 0xdd, 50);
  check_hmac(key, 20, data, 50,
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  for (int i = 0; i < 25; i++)
    key[i] = (unsigned char)(i + 1);
  memset(data, 0xcd, 50);
  check_hmac(key, 25, data, 50,
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  memset(key, 0x0c, 20);
  check_hmac(key, 20, "Test With Truncation", 20,
             "a3b6167473100ee06e0c796c2955552b");
  memset(key, 0xaa, 131);
  const char *six = "Test Using Larger Than Block-Size Key - Hash Key First";
  check_hmac(key, 131, six, strlen(six),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  const char *seven =
      "This is a test using a larger than block-size key and a larger than "
      "block-size data. The key needs to be hashed before being used by the "
      "HMAC algorithm.";
  check_hmac(key, 131, seven, strlen(seven),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void test_equal(void) {
  CHECK(cb_sha256_equal("abcd", "abcd", 4));
  CHECK(!cb_sha256_equal("abcd", "abce", 4));
  CHECK(!cb_sha256_equal("xbcd", "abcd", 4));
  CHECK(cb_sha256_equal("", "", 0));
}

int main(void) {
  test_sha256();
  test_hmac();
  test_equal();
  return test_report("sha256");
}
