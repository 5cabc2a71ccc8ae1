/* SPDX-License-Identifier: MIT */
/*
 * suggest.h: the edit distance behind every "did you mean" (suggest.c);
 * cb_suggest, the closest candidate, is declared in the public API.
 */
#ifndef CB_SUGGEST_H
#define CB_SUGGEST_H

#include <stddef.h>

/* The edit distance (Levenshtein, ASCII letters case folded) from a (la
 * bytes) to b (lb bytes) when it is within what a did-you-mean allows
 * for a word of a's length (1 up to 3 bytes, 2 up to 6, else 3); SIZE_MAX
 * when it is not, or when either is longer than 64 bytes. cb_suggest
 * and the fix spans of the CI formats measure with it. */
size_t cb_suggest__distance(const char *a, size_t la, const char *b,
                            size_t lb);

#endif
