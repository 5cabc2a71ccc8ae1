/* SPDX-License-Identifier: MIT */
/*
 * strmap.c: string -> index hash map (FNV-1a, linear probing).
 */
#include "strmap.h"

#include <string.h>

#include "alloc.h"
#include "hash.h"

/* FNV-1a cut to size_t: where size_t is narrower than 64 bits, the low
 * bits of the 64-bit hash are those of the same hash computed in size_t,
 * since the low bits of a product depend only on the low bits of its
 * factors. */
static size_t hash(const char *s) {
  return (size_t)cb_hash__fnv1a_str(CB_FNV1A_START, s);
}

/* Moves the keys into a table of ncap slots (a power of two). */
static int rehash(cb_strmap *m, size_t ncap) {
  const char **keys = cb_calloc(ncap, sizeof *keys);
  size_t *values = cb_calloc(ncap, sizeof *values);
  if (!keys || !values) {
    cb_free(keys);
    cb_free(values);
    return -1;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i])
      continue;
    size_t j = hash(m->keys[i]) & (ncap - 1);
    while (keys[j])
      j = (j + 1) & (ncap - 1);
    keys[j] = m->keys[i];
    values[j] = m->values[i];
  }
  cb_free(m->keys);
  cb_free(m->values);
  m->keys = keys;
  m->values = values;
  m->cap = ncap;
  return 0;
}

int cb_strmap_reserve(cb_strmap *m, size_t n) {
  if (!n)
    return 0;
  size_t ncap = m->cap ? m->cap : 64;
  while ((n + 1) * 2 > ncap)
    ncap *= 2;
  return ncap > m->cap ? rehash(m, ncap) : 0;
}

int cb_strmap_put(cb_strmap *m, const char *key, size_t value,
                  size_t *existing) {
  if ((m->n + 1) * 2 > m->cap && rehash(m, m->cap ? m->cap * 2 : 64) < 0)
    return -1;
  size_t j = hash(key) & (m->cap - 1);
  while (m->keys[j]) {
    if (strcmp(m->keys[j], key) == 0) {
      if (existing)
        *existing = m->values[j];
      return 0;
    }
    j = (j + 1) & (m->cap - 1);
  }
  m->keys[j] = key;
  m->values[j] = value;
  m->n++;
  return 1;
}

int cb_strmap_get(const cb_strmap *m, const char *key, size_t *value) {
  if (!m->cap)
    return 0;
  size_t j = hash(key) & (m->cap - 1);
  while (m->keys[j]) {
    if (strcmp(m->keys[j], key) == 0) {
      if (value)
        *value = m->values[j];
      return 1;
    }
    j = (j + 1) & (m->cap - 1);
  }
  return 0;
}

void cb_strmap_free(cb_strmap *m) {
  cb_free(m->keys);
  cb_free(m->values);
  memset(m, 0, sizeof *m);
}
