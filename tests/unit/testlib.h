/*
 * testlib.h: the few macros the unit tests share.
 *
 * Each test file includes this header, calls CHECK() (or CHECK_STR /
 * CHECK_INT, which print both sides on failure) as often as it likes, and
 * ends main() with `return test_report("NAME");`, which prints exactly
 *
 *   unit NAME: N passed, M failed
 *
 * and returns nonzero when anything failed. tests/run.sh reads that line.
 * The counters are static: each test is one translation unit.
 */
#ifndef CASEBOOK_TESTLIB_H
#define CASEBOOK_TESTLIB_H

#include <stdio.h>
#include <string.h>

static int test_passed_;
static int test_failed_;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (cond) {                                                            \
      test_passed_++;                                                      \
    } else {                                                               \
      test_failed_++;                                                      \
      fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                      \
  } while (0)

/* Compares two strings (either may be NULL) and shows both on failure. */
#define CHECK_STR(got, want)                                               \
  do {                                                                     \
    const char *g_ = (got), *w_ = (want);                                  \
    if ((g_ == NULL && w_ == NULL) ||                                      \
        (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0)) {               \
      test_passed_++;                                                      \
    } else {                                                               \
      test_failed_++;                                                      \
      fprintf(stderr, "%s:%d: FAILED: %s == %s\n  got:  %s\n  want: %s\n", \
              __FILE__, __LINE__, #got, #want, g_ ? g_ : "(null)",         \
              w_ ? w_ : "(null)");                                         \
    }                                                                      \
  } while (0)

/* Compares two integers and shows both on failure. */
#define CHECK_INT(got, want)                                               \
  do {                                                                     \
    long long g_ = (long long)(got), w_ = (long long)(want);               \
    if (g_ == w_) {                                                        \
      test_passed_++;                                                      \
    } else {                                                               \
      test_failed_++;                                                      \
      fprintf(stderr, "%s:%d: FAILED: %s == %s (got %lld, want %lld)\n",   \
              __FILE__, __LINE__, #got, #want, g_, w_);                    \
    }                                                                      \
  } while (0)

/* Prints the summary line and returns the exit status for main(). */
static inline int test_report(const char *name) {
  printf("unit %s: %d passed, %d failed\n", name, test_passed_,
         test_failed_);
  return test_failed_ ? 1 : 0;
}

#endif
