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

/* The optimal string alignment distance (Levenshtein's, with the swap
 * of two neighbouring letters counting as one edit, Damerau 1964), case
 * folded: "yse" is one edit from "yes", as a typist sees it. Bounded by
 * cap for the word's length; SIZE_MAX past it. The rows are at most 65
 * cells and the search stops as soon as a whole row exceeds cap. */
size_t cb_suggest__distance(const char *a, size_t la, const char *b,
                            size_t lb) {
  size_t cap = la <= 3 ? 1 : la <= 6 ? 2 : 3;
  if (la > 64 || lb > 64)
    return SIZE_MAX;
  if ((la > lb ? la - lb : lb - la) > cap)
    return SIZE_MAX;
  size_t rows[3][65];
  size_t *prev2 = rows[0], *prev = rows[1], *row = rows[2];
  for (size_t j = 0; j <= lb; j++)
    prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    int ca = fold((unsigned char)a[i - 1]);
    row[0] = i;
    size_t best = row[0];
    for (size_t j = 1; j <= lb; j++) {
      int cb = fold((unsigned char)b[j - 1]);
      size_t v = prev[j - 1] + (ca != cb);
      if (prev[j] + 1 < v)
        v = prev[j] + 1;
      if (row[j - 1] + 1 < v)
        v = row[j - 1] + 1;
      if (i > 1 && j > 1 && ca == fold((unsigned char)b[j - 2]) &&
          fold((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < v)
        v = prev2[j - 2] + 1;
      row[j] = v;
      if (v < best)
        best = v;
    }
    if (best > cap) /* no later row has a smaller one */
      return SIZE_MAX;
    size_t *t = prev2;
    prev2 = prev;
    prev = row;
    row = t;
  }
  return prev[lb] <= cap ? prev[lb] : SIZE_MAX;
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
