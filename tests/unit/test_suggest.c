/* SPDX-License-Identifier: MIT */
/*
 * test_suggest.c: the did-you-mean of suggest.c: its edit distance
 * (neighbouring letters swapped count as one edit) equals a plain full
 * matrix one on random words (near misses, swaps, long words, case
 * folded letters), and cb_suggest picks the closest
 * candidate within the distance a word's length allows. That the rules'
 * casebook.suggest agrees with it is tested in test_check.c.
 */
#include <stdint.h>
#include <string.h>

#include "casebook/casebook.h"
#include "suggest.h"
#include "testlib.h"

/* The plain optimal string alignment distance (full matrix, ASCII case
 * folded), capped as cb_suggest__distance is: the reference. */
static size_t plain_distance(const char *a, size_t la, const char *b,
                             size_t lb) {
  size_t cap = la <= 3 ? 1 : la <= 6 ? 2 : 3;
  if (la > 64 || lb > 64)
    return SIZE_MAX;
  size_t m[65][65];
  for (size_t i = 0; i <= la; i++)
    for (size_t j = 0; j <= lb; j++) {
      if (i == 0 || j == 0) {
        m[i][j] = i + j;
        continue;
      }
      int x = a[i - 1], y = b[j - 1];
      x = x >= 'A' && x <= 'Z' ? x + 32 : x;
      y = y >= 'A' && y <= 'Z' ? y + 32 : y;
      size_t v = m[i - 1][j - 1] + (x != y);
      if (m[i - 1][j] + 1 < v)
        v = m[i - 1][j] + 1;
      if (m[i][j - 1] + 1 < v)
        v = m[i][j - 1] + 1;
      if (i > 1 && j > 1) {
        int pa = a[i - 2], pb = b[j - 2];
        pa = pa >= 'A' && pa <= 'Z' ? pa + 32 : pa;
        pb = pb >= 'A' && pb <= 'Z' ? pb + 32 : pb;
        if (x == pb && pa == y && m[i - 2][j - 2] + 1 < v)
          v = m[i - 2][j - 2] + 1;
      }
      m[i][j] = v;
    }
  return m[la][lb] <= cap ? m[la][lb] : SIZE_MAX;
}

static void test_distance(void) {
  unsigned long long r = 12345;
  char a[70], b[70];
  int differ = 0;
  for (int t = 0; t < 200000; t++) {
    r = r * 6364136223846793005ULL + 1442695040888963407ULL;
    size_t la = (r >> 33) % 12, lb = (r >> 40) % 12;
    if (t % 10 == 0)
      la = (r >> 20) % 66, lb = la + (r >> 50) % 5 >= 2 ? la + (r >> 50) % 5 - 2 : 0;
    if (lb > 66)
      lb = 0;
    const char *alpha = t % 2 ? "abAB" : "abcdefgh";
    size_t na = strlen(alpha);
    for (size_t i = 0; i < la; i++) {
      r = r * 6364136223846793005ULL + 1;
      a[i] = alpha[(r >> 33) % na];
    }
    for (size_t i = 0; i < lb; i++) {
      r = r * 6364136223846793005ULL + 1;
      b[i] = t % 3 == 0 && i < la ? a[i] : alpha[(r >> 33) % na];
    }
    if (t % 3 == 0 && lb > 0) { /* a near miss */
      r = r * 6364136223846793005ULL + 1;
      b[(r >> 33) % lb] = alpha[(r >> 40) % na];
    }
    if (t % 5 == 0 && lb > 1) { /* two neighbours swapped */
      r = r * 6364136223846793005ULL + 1;
      size_t k = (r >> 33) % (lb - 1);
      char c = b[k];
      b[k] = b[k + 1];
      b[k + 1] = c;
    }
    if (plain_distance(a, la, b, lb) != cb_suggest__distance(a, la, b, lb))
      differ++;
  }
  CHECK_INT(differ, 0);
}

static void test_suggest(void) {
  static const char *const opts[] = {"harmful", "harmless", "safe",
                                     "borderline", "Harmful", "harm", NULL};
  CHECK_STR(cb_suggest("harmfull", opts, 6), "harmful");
  CHECK_STR(cb_suggest("sfe", opts, 6), "safe");
  /* short words: two letters swapped are one edit */
  static const char *const yes_no[] = {"yes", "no", NULL};
  CHECK_STR(cb_suggest("yse", yes_no, 2), "yes");
  CHECK_STR(cb_suggest("on", yes_no, 2), "no");
  CHECK(cb_suggest("xyz", opts, 6) == NULL);
  /* the word itself is not suggested; case folded, it is the closest */
  CHECK(cb_suggest("harm", opts, 6) == NULL);
  CHECK_STR(cb_suggest("HARM", opts, 6), "harm");
}

int main(void) {
  test_distance();
  test_suggest();
  return test_report("suggest");
}
