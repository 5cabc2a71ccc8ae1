/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of hash.c: 64-bit FNV-1a against the published values of
 * the algorithm ("", "a", "foobar"), hashing in pieces the same as
 * hashing whole, a seed of the caller's own, and the NUL-ended form. The
 * values are saved in SARIF fingerprints, the history and caches, so any
 * change here is a change of every saved value.
 */
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "testlib.h"

static const char *hex(uint64_t h) {
  static char buf[17];
  snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
  return buf;
}

static void test_vectors(void) {
  CHECK_STR(hex(cb_hash__fnv1a("", 0)), "cbf29ce484222325");
  CHECK_STR(hex(CB_FNV1A_START), "cbf29ce484222325");
  CHECK_STR(hex(cb_hash__fnv1a("a", 1)), "af63dc4c8601ec8c");
  CHECK_STR(hex(cb_hash__fnv1a("foobar", 6)), "85944171f73967e8");
  /* bytes above 0x7f are hashed unsigned */
  CHECK_STR(hex(cb_hash__fnv1a("\xff", 1)),
            hex(cb_hash__fnv1a_more(CB_FNV1A_START, "\xff", 1)));
}

static void test_pieces(void) {
  const char *s = "casebook/v1";
  uint64_t whole = cb_hash__fnv1a(s, strlen(s));
  CHECK_STR(hex(whole), "a223f8eb3c8eb99c");
  for (size_t cut = 0; cut <= strlen(s); cut++) {
    uint64_t h = cb_hash__fnv1a_more(CB_FNV1A_START, s, cut);
    h = cb_hash__fnv1a_more(h, s + cut, strlen(s) - cut);
    CHECK_STR(hex(h), hex(whole));
  }
  CHECK_STR(hex(cb_hash__fnv1a_str(CB_FNV1A_START, s)), hex(whole));
  CHECK_STR(hex(cb_hash__fnv1a_str(CB_FNV1A_START, "")), "cbf29ce484222325");
  /* a seed of the caller's own (the second half of a SARIF fingerprint) */
  CHECK_STR(hex(cb_hash__fnv1a_more(0x84222325cbf29ce4ULL, "abc", 3)),
            "7bab84f7414251ac");
}

int main(void) {
  test_vectors();
  test_pieces();
  return test_report("hash");
}
