/* SPDX-License-Identifier: MIT */
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
 * The counters are static: each test is one translation unit. The sweep
 * helper below runs the out-of-memory sweeps whole or sampled.
 */
#ifndef CASEBOOK_TESTLIB_H
#define CASEBOOK_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
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

/*
 * Out-of-memory sweeps. A sweep fails the n-th allocation of some work
 * (cb_alloc_fail_after) for n = from, from + step, from + 2 * step, ...
 * until the loop's own condition ends it. A whole sweep runs the work
 * once per allocation, which makes it the slow part of the unit tests, so
 * it runs whole only when the environment variable CASEBOOK_TEST_SWEEPS
 * is set to something other than "" or "0" (.ci/run does, and `make test
 * SWEEPS=1`). Otherwise the sweep keeps a sample: the first three points
 * and every 64th after them, enough to keep each failure path exercised.
 *
 *   for (test_sweep s = test_sweep_start(1, 1); s.n < 400;
 *        test_sweep_next(&s)) {
 *     cb_alloc_fail_after(s.n);
 *     ...
 *     failures += s.weight * (err != 0);
 *   }
 *
 * s.weight is how many points of the whole sweep this run stands for (1
 * when whole), so that a count of failing points checked against a floor
 * means the same whether the sweep is whole or sampled.
 */
#define TEST_SWEEP_HEAD 3   /* points always run at the start */
#define TEST_SWEEP_EVERY 64 /* then one point in this many */

typedef struct {
  long n;      /* the allocation to fail in this run */
  long weight; /* the points of the whole sweep this run stands for */
  long index;  /* of n among the points of the whole sweep, from 0 */
  long from, step;
} test_sweep;

/* Nonzero when sweeps run whole (read once). */
static inline int test_sweeps_whole(void) {
  static int whole = -1;
  if (whole < 0) {
    const char *v = getenv("CASEBOOK_TEST_SWEEPS");
    whole = v != NULL && *v != '\0' && strcmp(v, "0") != 0;
  }
  return whole;
}

/* The index of the point run after the one at index i. */
static inline long test_sweep_after_(long i) {
  if (test_sweeps_whole() || i + 1 < TEST_SWEEP_HEAD)
    return i + 1;
  return (i / TEST_SWEEP_EVERY + 1) * TEST_SWEEP_EVERY;
}

static inline void test_sweep_at_(test_sweep *s, long index) {
  s->index = index;
  s->n = s->from + index * s->step;
  s->weight = test_sweep_after_(index) - index;
}

static inline test_sweep test_sweep_start(long from, long step) {
  test_sweep s;
  s.from = from;
  s.step = step;
  test_sweep_at_(&s, 0);
  return s;
}

static inline void test_sweep_next(test_sweep *s) {
  test_sweep_at_(s, test_sweep_after_(s->index));
}

/* Prints the summary line and returns the exit status for main(). */
/* A seeded generator for random test data (a 64-bit LCG, Knuth's MMIX
 * constants): the same seed gives the same data on every machine.
 * test_rnd(n) is in [0, n), test_rnd_unit() in [0, 1). */
static inline uint64_t *test_rng_(void) {
  static uint64_t state;
  return &state;
}
static inline void test_rng_seed(uint64_t seed) { *test_rng_() = seed; }
static inline uint32_t test_rnd(uint32_t n) {
  uint64_t *s = test_rng_();
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)((*s >> 33) % n);
}
static inline double test_rnd_unit(void) {
  return test_rnd(1u << 30) / (double)(1u << 30);
}

static inline int test_report(const char *name) {
  printf("unit %s: %d passed, %d failed\n", name, test_passed_,
         test_failed_);
  return test_failed_ ? 1 : 0;
}

#endif
