/* SPDX-License-Identifier: MIT */
/*
 * suggest.c: "did you mean": the closest of a list of names to a word
 * that is not one of them, by an edit distance bounded for the word's
 * length. The diagnostics of every stage, the `rules` command and the
 * rules' casebook.suggest measure with it, so they all suggest the same.
 */
#include "suggest.h"

#include <stdint.h>
#include <string.h>

#include "casebook/casebook.h"

static int fold(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Only the cells within cap of the diagonal can hold a distance of at
 * most cap (each step off the diagonal costs one), so a row is computed
 * over that band only, and the search stops as soon as a whole band
 * exceeds cap: O(la * cap), whatever lb is. */
size_t cb_suggest__distance(const char *a, size_t la, const char *b,
                            size_t lb) {
  size_t cap = la <= 3 ? 1 : la <= 6 ? 2 : 3;
  if (la > 64 || lb > 64)
    return SIZE_MAX;
  if ((la > lb ? la - lb : lb - la) > cap)
    return SIZE_MAX;
  const size_t far = cap + 1; /* any value past cap: "too far" */
  size_t row[65];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j <= cap ? j : far;
  for (size_t i = 1; i <= la; i++) {
    size_t lo = i > cap ? i - cap : 1, hi = i + cap < lb ? i + cap : lb;
    /* row[lo - 1] holds the previous row's cell left of the band: the
     * diagonal neighbour of the band's first cell */
    size_t diag = row[lo - 1];
    size_t best = far;
    row[lo - 1] = lo - 1 == 0 && i <= cap ? i : far;
    if (lo - 1 == 0 && i <= cap)
      best = i;
    for (size_t j = lo; j <= hi; j++) {
      size_t up = row[j];
      size_t v = diag + (fold((unsigned char)a[i - 1]) !=
                         fold((unsigned char)b[j - 1]));
      if (up + 1 < v)
        v = up + 1;
      if (row[j - 1] + 1 < v)
        v = row[j - 1] + 1;
      if (v > far)
        v = far;
      row[j] = v;
      diag = up;
      if (v < best)
        best = v;
    }
    if (hi < lb)
      row[hi + 1] = far; /* the cell right of the band, read next row */
    if (best > cap) /* no later row has a smaller one */
      return SIZE_MAX;
  }
  return row[lb] <= cap ? row[lb] : SIZE_MAX;
}

/* Compares at most this many candidates: one suggestion takes a bounded
 * time however long the list (only candidates within the allowed
 * distance in length are compared at all, so on any ordinary list every
 * one that could win is). */
#define SUGGEST_MAX_COMPARED 2000

const char *cb_suggest(const char *word, const char *const *candidates,
                       size_t n) {
  size_t len = strlen(word);
  size_t cap = len <= 3 ? 1 : len <= 6 ? 2 : 3;
  const char *best = NULL;
  size_t best_d = SIZE_MAX, compared = 0;
  if (len > 64)
    return NULL;
  for (size_t i = 0; i < n && compared < SUGGEST_MAX_COMPARED; i++) {
    const char *c = candidates[i];
    if (!c)
      continue;
    size_t lc = strnlen(c, 65);
    if (lc > 64 || (lc > len ? lc - len : len - lc) > cap ||
        strcmp(c, word) == 0)
      continue;
    compared++;
    size_t d = cb_suggest__distance(word, len, c, lc);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}
