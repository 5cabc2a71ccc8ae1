/* SPDX-License-Identifier: MIT */
/*
 * hash.c: 64-bit FNV-1a (hash.h): each byte XORed into the state, then
 * the state multiplied by the FNV prime, modulo 2^64.
 */
#include "hash.h"

#define FNV1A_PRIME 1099511628211ULL /* 2^40 + 2^8 + 0xb3 */

uint64_t cb_hash__fnv1a_more(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= FNV1A_PRIME;
  }
  return h;
}

uint64_t cb_hash__fnv1a(const void *p, size_t n) {
  return cb_hash__fnv1a_more(CB_FNV1A_START, p, n);
}

uint64_t cb_hash__fnv1a_str(uint64_t h, const char *s) {
  for (const unsigned char *b = (const unsigned char *)s; *b; b++) {
    h ^= *b;
    h *= FNV1A_PRIME;
  }
  return h;
}
