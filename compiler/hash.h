/* SPDX-License-Identifier: MIT */
/*
 * hash.h: 64-bit FNV-1a, the one non-cryptographic hash casebook uses for
 * values that are saved or compared across runs (SARIF fingerprints, the
 * history's field hashes, diff signatures, casebook.hash in the rules)
 * and for its hash map. The values must never change: they are kept in
 * files and in the reports CI tools compare from one run to the next.
 */
#ifndef CB_HASH_H
#define CB_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a's 64-bit offset basis: the state of a hash of nothing. */
#define CB_FNV1A_START 14695981039346656037ULL

/* The 64-bit FNV-1a hash of p[0..n). */
uint64_t cb_hash__fnv1a(const void *p, size_t n);

/* Continues the hash h (CB_FNV1A_START, a caller's own seed, or the
 * result of an earlier call) over p[0..n): hashing "ab" then "c" equals
 * hashing "abc", so a caller that hashes in pieces adds its own
 * separators. */
uint64_t cb_hash__fnv1a_more(uint64_t h, const void *p, size_t n);

/* Continues the hash h over the bytes of s up to its NUL (not included). */
uint64_t cb_hash__fnv1a_str(uint64_t h, const char *s);

#endif
