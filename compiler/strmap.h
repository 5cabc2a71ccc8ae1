/* SPDX-License-Identifier: MIT */
/*
 * strmap.h: a small open-addressing hash map from strings to indexes, for
 * id lookups. Keys are borrowed (they must outlive the map).
 */
#ifndef CB_STRMAP_H
#define CB_STRMAP_H

#include <stddef.h>

typedef struct cb_strmap {
  const char **keys;
  size_t *values;
  size_t n, cap;
} cb_strmap;

/* Sets key to value unless key is present. Returns 1 if inserted, 0 if
 * the key was present (*existing gets its value when not NULL), -1 when
 * out of memory. */
int cb_strmap_put(cb_strmap *m, const char *key, size_t value,
                  size_t *existing);
/* Makes room for n keys in all, so that adding up to that many does not
 * grow the map again. Returns 0 or -1 when out of memory. */
int cb_strmap_reserve(cb_strmap *m, size_t n);
/* Returns 1 and sets *value when key is present, else 0. */
int cb_strmap_get(const cb_strmap *m, const char *key, size_t *value);
void cb_strmap_free(cb_strmap *m);

#endif
