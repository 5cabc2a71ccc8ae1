/* SPDX-License-Identifier: MIT */
/*
 * agree.h: the statistics of annotation quality behind `casebook grade`:
 * agreement between annotators (Krippendorff's alpha, Fleiss' kappa,
 * Cohen's kappa, percent agreement) and accuracy against gold (exact
 * match, mean absolute error, precision, recall and Jaccard of sets,
 * Kendall's tau-b, a confusion matrix). Math only: no file and no
 * command line. The consensus of several annotators (Dawid-Skene) is in
 * consensus.h.
 *
 * Values are small integer codes 0..K-1 (a choice's options; a scale's
 * points, each with a number; a multi-choice answer's distinct sets,
 * each with its bit mask of options). Missing values are the normal
 * case: an item simply passes the values it has.
 *
 * Figures are doubles. A figure that can be undefined (0/0: no
 * variation, no item) says so in a `defined` flag next to it, and its
 * value is then NaN: never a silent 0 or 1.
 *
 * Functions that can fail return 0 or a negative CB_E* code
 * (casebook/errors.h): CB_ENOMEM when an allocation fails (nothing is
 * then changed, and what was allocated is released), CB_EUSAGE for
 * arguments out of range (a code >= K, accumulators of different K).
 */
#ifndef CB_AGREE_H
#define CB_AGREE_H

#include <stddef.h>
#include <stdint.h>

/* A figure and whether it is defined; value is NaN when it is not. */
typedef struct cb_agree_figure {
  double value;
  int defined;
} cb_agree_figure;

/* ------------------------------------------------------------------ */
/* Krippendorff's alpha                                               */
/* ------------------------------------------------------------------ */

/* The level of measurement: which difference function delta^2(c, k)
 * alpha uses (Krippendorff 2011, "Computing Krippendorff's
 * Alpha-Reliability", section C):
 *   NOMINAL   0 when c == k, else 1;
 *   ORDINAL   (sum of n_g for the ranks g from c to k, minus
 *             (n_c + n_k) / 2)^2, n_g the pairable values of rank g:
 *             the codes are ranked by their numbers (codes with equal
 *             numbers are one rank);
 *   INTERVAL  (v_c - v_k)^2;
 *   RATIO     ((v_c - v_k) / (v_c + v_k))^2, 0 when both are 0;
 *   MASI      1 - MASI(A_c, A_k), the set distance of Passonneau (2006)
 *             (cb_agree__masi_distance), not squared, as Passonneau used
 *             it in alpha. */
typedef enum cb_agree_level {
  CB_AGREE_NOMINAL,
  CB_AGREE_ORDINAL,
  CB_AGREE_INTERVAL,
  CB_AGREE_RATIO,
  CB_AGREE_MASI
} cb_agree_level;

/* How a level reads the codes. values[c] is code c's number (ORDINAL,
 * INTERVAL, RATIO; NULL: the code itself); sets[c] its set of options as
 * a bit mask, option i being bit i (MASI; required). Both arrays, when
 * given, have one entry per code of the accumulator. Borrowed. */
typedef struct cb_agree_metric {
  cb_agree_level level;
  const double *values;
  const uint64_t *sets;
} cb_agree_metric;

/* The accumulator of alpha: the coincidence matrix o[c][k] of
 * Krippendorff (2011), the sum over items u of
 * n_uc * (n_uk - [c == k]) / (m_u - 1), where n_uc counts the values c
 * of item u and m_u its values, and the marginals n_c (its row sums).
 * Both are sums over items, so an accumulator is a mergeable sufficient
 * statistic: shards accumulated apart and merged give alpha, Fleiss'
 * kappa and the percent agreement of the whole. It also keeps, per
 * number of values m, the counts Fleiss' kappa needs, and, when created
 * with keep_items, each item's counts for the bootstrap. Only items
 * with at least 2 values count (pairable values): the others are
 * counted in n_unpaired and left out. Released with
 * cb_agree__alpha_free. */
typedef struct cb_agree_alpha cb_agree_alpha;

/* Creates an empty accumulator over the codes 0..n_codes-1 (n_codes >=
 * 1). With keep_items, each item's counts are kept too (about 8 bytes
 * per distinct value of an item), which cb_agree__alpha_bootstrap
 * needs. Returns 0, CB_EUSAGE or CB_ENOMEM; *out belongs to the
 * caller. */
int cb_agree__alpha_new(cb_agree_alpha **out, size_t n_codes, int keep_items);
/* Releases a; NULL is fine. */
void cb_agree__alpha_free(cb_agree_alpha *a);

/* Adds one item from the n values its annotators gave (codes[0..n), in
 * any order; a code may repeat). Returns 0, CB_EUSAGE (a code >=
 * n_codes) or CB_ENOMEM; on an error a is unchanged. */
int cb_agree__alpha_add(cb_agree_alpha *a, const uint32_t *codes, size_t n);
/* The same from counts[c], how many annotators gave code c, for the
 * n_codes codes of a. */
int cb_agree__alpha_add_counts(cb_agree_alpha *a, const uint32_t *counts);
/* Adds everything src accumulated to dst (same n_codes, else
 * CB_EUSAGE). dst keeps items only if both did. Returns 0, CB_EUSAGE or
 * CB_ENOMEM; on an error dst is unchanged. */
int cb_agree__alpha_merge(cb_agree_alpha *dst, const cb_agree_alpha *src);

/* The codes of a. */
size_t cb_agree__alpha_codes(const cb_agree_alpha *a);
/* o[c][k] and the marginal n_c, for a report or a --partial file; codes
 * out of range are asserted. */
double cb_agree__alpha_coincidence(const cb_agree_alpha *a, uint32_t c,
                                   uint32_t k);
double cb_agree__alpha_marginal(const cb_agree_alpha *a, uint32_t c);

/* Alpha and what it is made of. alpha = 1 - D_o / D_e, with
 *   D_o = 1/n * sum_c sum_k o[c][k] delta^2(c, k),
 *   D_e = 1/(n (n - 1)) * sum_c sum_k n_c n_k delta^2(c, k)
 * (Krippendorff 2011). defined is 0, and alpha NaN, when D_e == 0:
 * fewer than 2 pairable values, or no variation at all (every value the
 * same, or at distance 0): Krippendorff's alpha is then undefined (0/0),
 * not 1. */
typedef struct cb_agree_alpha_result {
  double alpha;
  int defined;
  double d_o, d_e;
  size_t n_items;    /* items with at least 2 values */
  size_t n_pairable; /* n: the values of those items */
  size_t n_unpaired; /* items left out: fewer than 2 values */
} cb_agree_alpha_result;

/* Computes alpha of a at metric m into *out. Returns 0, CB_EUSAGE (MASI
 * without sets) or CB_ENOMEM (ORDINAL ranks its codes in a buffer). */
int cb_agree__alpha_compute(cb_agree_alpha_result *out, const cb_agree_alpha *a,
                            const cb_agree_metric *m);

/* A bootstrap interval; defined is 0 (lo and hi NaN) when fewer than 2
 * resamples had a defined alpha. */
typedef struct cb_agree_interval {
  double lo, hi;
  int defined;
  size_t n_defined; /* resamples whose alpha was defined */
} cb_agree_interval;

/* The 95% percentile bootstrap interval of alpha (Efron and Tibshirani
 * 1993): n_resamples times, as many items as a holds are drawn from its
 * items with replacement (units resampled, the coincidence matrix
 * rebuilt from them, the ordinal ranks from its marginals), and alpha
 * computed; resamples with alpha undefined are left out; lo and hi are
 * the 2.5% and 97.5% quantiles of the rest, linearly interpolated
 * between order statistics (Hyndman and Fan 1996, type 7). The draws
 * come from splitmix64 (Steele, Lea and Flood 2014) seeded with seed and
 * are reduced to an index without bias by rejection, so the same
 * accumulator, metric, count and seed give the same bytes on every
 * platform. (Hayes and Krippendorff 2007 resample pairable values
 * instead; resampling units keeps the dependence between an item's
 * values.) Needs an accumulator created with keep_items (else
 * CB_EUSAGE). Returns 0, CB_EUSAGE or CB_ENOMEM.
 *
 * Items with the same values are grouped, and a resample adds a group
 * once, times the items drawn from it. Past CB_AGREE_POISSON_ITEMS items,
 * drawing every item costs more than the rest of a grade, and the
 * Poisson bootstrap is used instead: each item is drawn Poisson(1) times
 * (a group of m like items Poisson(m) times, one draw per group, Hormann
 * 1993), which is the multinomial resampling in the limit of many items
 * (Hanley and MacGibbon 2006; Chamandy et al. 2012, used at scale for
 * the same reason) and costs the number of groups, not of items. */
#define CB_AGREE_POISSON_ITEMS 10000
int cb_agree__alpha_bootstrap(cb_agree_interval *out, const cb_agree_alpha *a,
                              const cb_agree_metric *m, size_t n_resamples,
                              uint64_t seed);

/* Percent agreement over pairable values: sum_c o[c][c] / n, the share
 * of an average pairable value's pairings that agree (1 - D_o of the
 * nominal alpha): each pairable value weighs the same whatever the
 * number of values in its item. Undefined with no pairable value. */
cb_agree_figure cb_agree__alpha_percent(const cb_agree_alpha *a);

/* The MASI distance of two sets (Passonneau 2006): 1 - J * M, J the
 * Jaccard index |A & B| / |A | B| and M 1 when A == B, 2/3 when one
 * holds the other, 1/3 when they only overlap, 0 when disjoint. Two
 * empty sets are equal (distance 0). */
double cb_agree__masi_distance(uint64_t a, uint64_t b);

/* ------------------------------------------------------------------ */
/* Kappas                                                             */
/* ------------------------------------------------------------------ */

/* A kappa: (p_o - p_e) / (1 - p_e), weighted kappas as
 * 1 - sum w O / sum w E. defined is 0, kappa NaN, when the expected
 * disagreement is 0 (p_e == 1: one category only) or no item counts. */
typedef struct cb_agree_kappa {
  double kappa;
  int defined;
  double p_o, p_e;   /* observed and chance agreement (unweighted) */
  size_t n_items;    /* items counted */
  size_t n_excluded; /* items left out (Fleiss: another rater count) */
} cb_agree_kappa;

/* Fleiss' kappa (Fleiss 1971) of the items accumulated in a (nominal:
 * codes are categories). Fleiss defined it for a constant number of
 * ratings per item, and the common implementations keep to it (R irr's
 * kappam.fleiss leaves out the items with a missing rating,
 * statsmodels' fleiss_kappa assumes the count is constant). So does
 * this: only the items with exactly n_raters values count, the others
 * are reported in n_excluded; n_raters == 0 takes the most common
 * number of values among the items (the larger on a tie). For data with
 * missing values Krippendorff's alpha is the measure that uses them
 * all. */
cb_agree_kappa cb_agree__alpha_fleiss(const cb_agree_alpha *a, size_t n_raters);

/* A confusion matrix of counts over codes 0..K-1: rows are the first
 * side (gold, or annotator A), columns the second (the answer, or
 * annotator B). Released with cb_agree__confusion_free. */
typedef struct cb_agree_confusion {
  size_t k;
  uint64_t *counts; /* k * k, row-major: counts[row * k + col] */
  uint64_t *rows;   /* k: the row sums (in the same allocation) */
  uint64_t *cols;   /* k: the column sums */
  uint64_t total;
} cb_agree_confusion;

/* Creates an empty k x k matrix (k >= 1). Returns 0, CB_EUSAGE or
 * CB_ENOMEM; *out belongs to the caller. */
int cb_agree__confusion_new(cb_agree_confusion **out, size_t k);
void cb_agree__confusion_free(cb_agree_confusion *c);
/* Counts one pair. Returns 0 or CB_EUSAGE (a code >= k). */
int cb_agree__confusion_add(cb_agree_confusion *c, uint32_t row, uint32_t col);
/* Counts the pairs (a[i], b[i]) where both are >= 0: two annotators'
 * labels of the same n items, -1 where one did not label the item (the
 * shared items of the pair only). Returns 0 or CB_EUSAGE; on an error
 * nothing is counted. */
int cb_agree__confusion_add_pairs(cb_agree_confusion *c, const int32_t *a,
                                  const int32_t *b, size_t n);
/* Adds src to dst (same k, else CB_EUSAGE). */
int cb_agree__confusion_merge(cb_agree_confusion *dst,
                              const cb_agree_confusion *src);

/* Exact match rate: the diagonal over the total. */
cb_agree_figure cb_agree__confusion_accuracy(const cb_agree_confusion *c);
/* Precision of code k (the diagonal over its column: of the answers k,
 * how many were right) and its recall (the diagonal over its row);
 * undefined when the column, or the row, is empty. */
cb_agree_figure cb_agree__confusion_precision(const cb_agree_confusion *c,
                                              uint32_t k);
cb_agree_figure cb_agree__confusion_recall(const cb_agree_confusion *c,
                                           uint32_t k);

/* The weights of a weighted kappa (Cohen 1968), as disagreement weights
 * w(i, j) from the codes' numbers v: NONE 1 off the diagonal (Cohen's
 * kappa, Cohen 1960), LINEAR |v_i - v_j|, QUADRATIC (v_i - v_j)^2. */
typedef enum cb_agree_weights {
  CB_AGREE_UNWEIGHTED,
  CB_AGREE_LINEAR,
  CB_AGREE_QUADRATIC
} cb_agree_weights;

/* Cohen's kappa of two annotators from their confusion matrix c (their
 * shared items), weighted by w with values[i] code i's number (NULL: the
 * code itself). The chance counts are E(i, j) = row_i * col_j / N, each
 * annotator's own marginals (Cohen 1960). */
cb_agree_kappa cb_agree__cohen(const cb_agree_confusion *c, cb_agree_weights w,
                               const double *values);

/* ------------------------------------------------------------------ */
/* Accuracy against gold                                              */
/* ------------------------------------------------------------------ */

/* Numeric answers against gold numbers. Zero-initialise; no allocation,
 * nothing to release. */
typedef struct cb_agree_error {
  uint64_t n, exact;
  double sum_abs, sum_sq;
} cb_agree_error;

void cb_agree__error_add(cb_agree_error *e, double gold, double answer);
void cb_agree__error_merge(cb_agree_error *dst, const cb_agree_error *src);
/* Mean absolute error, root mean square error, exact match rate;
 * undefined with no pair. */
cb_agree_figure cb_agree__error_mae(const cb_agree_error *e);
cb_agree_figure cb_agree__error_rmse(const cb_agree_error *e);
cb_agree_figure cb_agree__error_exact(const cb_agree_error *e);

/* Set answers (multi-choice, up to 64 options, as bit masks) against
 * gold sets: per option the true positives, false positives and false
 * negatives (each option a 0/1 question of its own), the exact matches
 * and the sum of the items' Jaccard indexes. Initialise with
 * cb_agree__sets_init; no allocation, nothing to release. */
#define CB_AGREE_MAX_OPTIONS 64
typedef struct cb_agree_sets {
  size_t n_options;
  uint64_t n, exact;
  double jaccard_sum;
  uint64_t tp[CB_AGREE_MAX_OPTIONS], fp[CB_AGREE_MAX_OPTIONS],
      fn[CB_AGREE_MAX_OPTIONS];
} cb_agree_sets;

/* n_options <= CB_AGREE_MAX_OPTIONS (asserted). */
void cb_agree__sets_init(cb_agree_sets *s, size_t n_options);
/* Counts one item; bits at or above n_options are ignored. */
void cb_agree__sets_add(cb_agree_sets *s, uint64_t gold, uint64_t answer);
/* Adds src to dst (same n_options, asserted). */
void cb_agree__sets_merge(cb_agree_sets *dst, const cb_agree_sets *src);
/* Option i's precision tp / (tp + fp) and recall tp / (tp + fn);
 * undefined when the denominator is 0. */
cb_agree_figure cb_agree__sets_precision(const cb_agree_sets *s, size_t i);
cb_agree_figure cb_agree__sets_recall(const cb_agree_sets *s, size_t i);
/* The mean over items of |G & A| / |G | A| (1 when both are empty), and
 * the exact match rate; undefined with no item. */
cb_agree_figure cb_agree__sets_jaccard(const cb_agree_sets *s);
cb_agree_figure cb_agree__sets_exact(const cb_agree_sets *s);

/* Kendall's tau-b of two rankings x[0..n), y[0..n) (Kendall 1945):
 * (C - D) / sqrt((n0 - n1) (n0 - n2)), C and D the concordant and
 * discordant pairs, n0 = n (n - 1) / 2, n1 and n2 the pairs tied in x
 * and in y. Ties allowed (equal doubles); NaN is not. Undefined when
 * n < 2 or either side is all ties. O(n^2): rankings are short. */
cb_agree_figure cb_agree__kendall_tau_b(const double *x, const double *y,
                                        size_t n);

#endif
