/* SPDX-License-Identifier: MIT */
/*
 * test_agree.c: the agreement and accuracy figures of agree.c against
 * published worked examples (Krippendorff 2011, Fleiss 1971, a textbook
 * Cohen's kappa), against hand computations (weighted kappa, Kendall's
 * tau-b, MASI), and Krippendorff's alpha against a second implementation
 * written here straight from the definition (pairs of values, no
 * coincidence matrix) on random data with missing values. Then what the
 * accumulator promises: merging shards equals accumulating the whole,
 * the bootstrap is reproducible from its seed, data without variation
 * gives an undefined alpha, and a failed allocation anywhere is an error
 * that leaves everything as it was.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "agree.h"
#include "alloc.h"
#include "casebook/errors.h"
#include "testlib.h"

/* |a - b| <= eps (false on NaN). */
static int near(double a, double b, double eps) { return fabs(a - b) <= eps; }

#define CHECK_NEAR(got, want, eps)                                             \
  do {                                                                         \
    double g_ = (got), w_ = (want);                                            \
    if (near(g_, w_, (eps))) {                                                 \
      test_passed_++;                                                          \
    } else {                                                                   \
      test_failed_++;                                                          \
      fprintf(stderr, "%s:%d: FAILED: %s ~ %s (got %.12g, want %.12g)\n",      \
              __FILE__, __LINE__, #got, #want, g_, w_);                        \
    }                                                                          \
  } while (0)

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Published examples                                                 */
/* ------------------------------------------------------------------ */

#define MISSING 0
/* Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability",
 * section E: 4 observers, 12 units, values 1..5, 0 here for missing. */
static const int kripp_data[4][12] = {
    {1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0},
    {1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3},
    {0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0},
    {1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0},
};

/* The values of unit u as codes 0..4, missing ones left out; returns
 * how many. */
static size_t kripp_unit(int u, uint32_t codes[4]) {
  size_t n = 0;
  for (int o = 0; o < 4; o++)
    if (kripp_data[o][u] != MISSING)
      codes[n++] = (uint32_t)(kripp_data[o][u] - 1);
  return n;
}

static int add_kripp(cb_agree_alpha *a) {
  for (int u = 0; u < 12; u++) {
    uint32_t codes[4];
    int err = cb_agree__alpha_add(a, codes, kripp_unit(u, codes));
    if (err < 0)
      return err;
  }
  return 0;
}

static const double one_to_five[5] = {1, 2, 3, 4, 5};

static void test_krippendorff_2011(void) {
  cb_agree_alpha *a;
  CHECK_INT(cb_agree__alpha_new(&a, 5, 1), 0);
  CHECK_INT(add_kripp(a), 0);
  static const struct {
    cb_agree_level level;
    double alpha;
  } published[] = {{CB_AGREE_NOMINAL, 0.743},
                   {CB_AGREE_ORDINAL, 0.815},
                   {CB_AGREE_INTERVAL, 0.849},
                   {CB_AGREE_RATIO, 0.797}};
  for (size_t i = 0; i < 4; i++) {
    cb_agree_metric m = {published[i].level, one_to_five, NULL};
    cb_agree_alpha_result r;
    CHECK_INT(cb_agree__alpha_compute(&r, a, &m), 0);
    CHECK(r.defined);
    CHECK_NEAR(r.alpha, published[i].alpha, 0.0005);
    CHECK_INT(r.n_items, 11);
    CHECK_INT(r.n_pairable, 40); /* Krippendorff's n = 40 */
    CHECK_INT(r.n_unpaired, 1);  /* unit 12: one value */
  }
  /* the coincidences the paper tabulates: o_11 = 7, o_12 = 4/3, o_22 =
   * 10, and the marginals n_1..n_5 = 9, 13, 10, 5, 3 */
  CHECK_NEAR(cb_agree__alpha_coincidence(a, 0, 0), 7, 1e-12);
  CHECK_NEAR(cb_agree__alpha_coincidence(a, 0, 1), 4.0 / 3, 1e-12);
  CHECK_NEAR(cb_agree__alpha_coincidence(a, 1, 1), 10, 1e-12);
  static const double marginals[5] = {9, 13, 10, 5, 3};
  for (uint32_t c = 0; c < 5; c++)
    CHECK_NEAR(cb_agree__alpha_marginal(a, c), marginals[c], 0);
  /* percent agreement is 1 - D_o of the nominal alpha: the diagonal
   * 7 + 10 + 8 + 4 + 3 over 40 */
  cb_agree_figure pa = cb_agree__alpha_percent(a);
  CHECK(pa.defined);
  CHECK_NEAR(pa.value, 32.0 / 40, 1e-12);
  /* the numbers are the codes plus one: without them (NULL), interval
   * alpha is the same (differences do not move), ratio is not */
  cb_agree_metric plain = {CB_AGREE_INTERVAL, NULL, NULL};
  cb_agree_alpha_result r;
  CHECK_INT(cb_agree__alpha_compute(&r, a, &plain), 0);
  CHECK_NEAR(r.alpha, 0.849, 0.0005);
  cb_agree__alpha_free(a);
}

/* Fleiss (1971) as reproduced in many textbooks (and Wikipedia's
 * "Fleiss' kappa" worked example): 10 subjects, 14 raters, 5 categories;
 * P = 0.378, P_e = 0.213, kappa = 0.210. */
static const uint32_t fleiss_table[10][5] = {
    {0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0},
    {2, 2, 8, 1, 1},  {7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2},
    {6, 5, 2, 1, 0},  {0, 2, 2, 3, 7},
};

static void test_fleiss_1971(void) {
  cb_agree_alpha *a;
  CHECK_INT(cb_agree__alpha_new(&a, 5, 0), 0);
  for (int i = 0; i < 10; i++)
    CHECK_INT(cb_agree__alpha_add_counts(a, fleiss_table[i]), 0);
  cb_agree_kappa k = cb_agree__alpha_fleiss(a, 14);
  CHECK(k.defined);
  CHECK_NEAR(k.kappa, 0.210, 0.0005);
  CHECK_NEAR(k.p_o, 0.378, 0.0005);
  CHECK_NEAR(k.p_e, 0.213, 0.0005);
  CHECK_INT(k.n_items, 10);
  CHECK_INT(k.n_excluded, 0);
  /* an item with another number of ratings is left out, and said so */
  static const uint32_t three[5] = {1, 1, 1, 0, 0};
  static const uint32_t three_more[5] = {0, 0, 3, 0, 0};
  CHECK_INT(cb_agree__alpha_add_counts(a, three), 0);
  CHECK_INT(cb_agree__alpha_add_counts(a, three_more), 0);
  cb_agree_kappa k2 = cb_agree__alpha_fleiss(a, 0); /* the most common: 14 */
  CHECK(k2.defined);
  CHECK(k2.kappa == k.kappa);
  CHECK_INT(k2.n_items, 10);
  CHECK_INT(k2.n_excluded, 2);
  cb_agree_kappa k3 = cb_agree__alpha_fleiss(a, 3);
  CHECK_INT(k3.n_items, 2);
  CHECK_INT(k3.n_excluded, 10);
  cb_agree_kappa k4 = cb_agree__alpha_fleiss(a, 7); /* no such item */
  CHECK(!k4.defined && isnan(k4.kappa));
  cb_agree__alpha_free(a);
}

/* A textbook Cohen's kappa: 50 items rated yes/no by two raters, 20 both
 * yes, 5 yes/no, 10 no/yes, 15 both no: p_o = 0.7, p_e = 0.5, kappa =
 * 0.4. */
static void test_cohen(void) {
  cb_agree_confusion *c;
  CHECK_INT(cb_agree__confusion_new(&c, 2), 0);
  static const uint32_t cells[4][3] = {
      {0, 0, 20}, {0, 1, 5}, {1, 0, 10}, {1, 1, 15}};
  for (int i = 0; i < 4; i++)
    for (uint32_t n = 0; n < cells[i][2]; n++)
      CHECK_INT(cb_agree__confusion_add(c, cells[i][0], cells[i][1]), 0);
  cb_agree_kappa k = cb_agree__cohen(c, CB_AGREE_UNWEIGHTED, NULL);
  CHECK(k.defined);
  CHECK_NEAR(k.kappa, 0.4, 1e-12);
  CHECK_NEAR(k.p_o, 0.7, 1e-12);
  CHECK_NEAR(k.p_e, 0.5, 1e-12);
  CHECK_INT(k.n_items, 50);
  CHECK_INT(cb_agree__confusion_add(c, 2, 0), CB_EUSAGE);
  /* accuracy helpers on the same table, rows as gold */
  CHECK_NEAR(cb_agree__confusion_accuracy(c).value, 0.7, 1e-12);
  CHECK_NEAR(cb_agree__confusion_precision(c, 0).value, 20.0 / 30, 1e-12);
  CHECK_NEAR(cb_agree__confusion_recall(c, 0).value, 20.0 / 25, 1e-12);
  CHECK_NEAR(cb_agree__confusion_precision(c, 1).value, 15.0 / 20, 1e-12);
  CHECK_NEAR(cb_agree__confusion_recall(c, 1).value, 15.0 / 25, 1e-12);
  cb_agree__confusion_free(c);

  /* one category only: chance agreement is 1, kappa undefined */
  CHECK_INT(cb_agree__confusion_new(&c, 3), 0);
  for (int i = 0; i < 5; i++)
    cb_agree__confusion_add(c, 1, 1);
  k = cb_agree__cohen(c, CB_AGREE_UNWEIGHTED, NULL);
  CHECK(!k.defined && isnan(k.kappa));
  CHECK(!cb_agree__confusion_precision(c, 0).defined);
  cb_agree__confusion_free(c);
  CHECK_INT(cb_agree__confusion_new(&c, 0), CB_EUSAGE);
  CHECK(c == NULL);
}

/* Weighted kappa by hand: two raters, 10 items on a 0..3 scale,
 *   a = 0 1 2 3 1 2 0 3 2 1,  b = 0 2 2 3 1 1 1 3 3 1.
 * Four disagreements, each of one point: sum w O = 4 with quadratic and
 * with linear weights. The marginals are 2 3 3 2 (a) and 1 4 2 3 (b), so
 * sum w E = sum_ij w_ij r_i c_j / 10 = 210/10 = 21 (quadratic) and
 * 114/10 (linear): kappa 1 - 4/21 = 17/21 and 1 - 40/114 = 37/57.
 * Checked with exact fractions, and the quadratic one against the
 * identity of Fleiss and Cohen (1973) below. */
static void test_weighted_kappa(void) {
  static const int32_t a[10] = {0, 1, 2, 3, 1, 2, 0, 3, 2, 1};
  static const int32_t b[10] = {0, 2, 2, 3, 1, 1, 1, 3, 3, 1};
  cb_agree_confusion *c;
  CHECK_INT(cb_agree__confusion_new(&c, 4), 0);
  CHECK_INT(cb_agree__confusion_add_pairs(c, a, b, 10), 0);
  cb_agree_kappa q = cb_agree__cohen(c, CB_AGREE_QUADRATIC, NULL);
  CHECK(q.defined);
  CHECK_NEAR(q.kappa, 17.0 / 21, 1e-12);
  cb_agree_kappa l = cb_agree__cohen(c, CB_AGREE_LINEAR, NULL);
  CHECK_NEAR(l.kappa, 37.0 / 57, 1e-12);
  /* a scale's numbers: -2..2 spaced by 2 gives the same quadratic kappa
   * (weights scale together) */
  static const double spaced[4] = {-2, 0, 2, 4};
  CHECK_NEAR(cb_agree__cohen(c, CB_AGREE_QUADRATIC, spaced).kappa, 17.0 / 21,
             1e-12);
  cb_agree__confusion_free(c);

  /* missing labels (-1) leave the item out of the pair's shared items */
  static const int32_t a2[4] = {0, -1, 1, 1};
  static const int32_t b2[4] = {0, 1, -1, 1};
  CHECK_INT(cb_agree__confusion_new(&c, 2), 0);
  CHECK_INT(cb_agree__confusion_add_pairs(c, a2, b2, 4), 0);
  CHECK_INT(c->total, 2);
  static const int32_t bad[1] = {5};
  CHECK_INT(cb_agree__confusion_add_pairs(c, bad, b2, 1), CB_EUSAGE);
  CHECK_INT(c->total, 2);
  cb_agree__confusion_free(c);

  /* Fleiss and Cohen (1973): quadratic kappa = 2 cov(a, b) / (var a +
   * var b + (mean a - mean b)^2), population moments: an independent
   * computation on random pairs */
  test_rng_seed(99);
  int bad_q = 0;
  for (int t = 0; t < 200; t++) {
    int k = 2 + (int)test_rnd(6), n = 2 + (int)test_rnd(60);
    int32_t x[64], y[64];
    CHECK_INT(cb_agree__confusion_new(&c, (size_t)k), 0);
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) {
      x[i] = (int32_t)test_rnd((uint32_t)k);
      y[i] = test_rnd(3) ? x[i] : (int32_t)test_rnd((uint32_t)k);
      mx += x[i];
      my += y[i];
    }
    cb_agree__confusion_add_pairs(c, x, y, (size_t)n);
    mx /= n;
    my /= n;
    double cov = 0, vx = 0, vy = 0;
    for (int i = 0; i < n; i++) {
      cov += (x[i] - mx) * (y[i] - my);
      vx += (x[i] - mx) * (x[i] - mx);
      vy += (y[i] - my) * (y[i] - my);
    }
    double den = vx / n + vy / n + (mx - my) * (mx - my);
    cb_agree_kappa kq = cb_agree__cohen(c, CB_AGREE_QUADRATIC, NULL);
    if (den > 0)
      bad_q += !kq.defined || !near(kq.kappa, 2 * cov / n / den, 1e-9);
    else
      bad_q += kq.defined;
    cb_agree__confusion_free(c);
  }
  CHECK_INT(bad_q, 0);
}

/* Kendall's tau-b by hand: x = 1 2 2 3 4, y = 1 3 2 2 4. Of the 10
 * pairs, (2,3) is tied in x only, (3,4) in y only, (2,4) is discordant
 * (x up, y down) and the other 7 are concordant: (7 - 1) / sqrt((10 -
 * 1)(10 - 1)) = 6/9. */
static void test_kendall(void) {
  static const double x[5] = {1, 2, 2, 3, 4}, y[5] = {1, 3, 2, 2, 4};
  cb_agree_figure t = cb_agree__kendall_tau_b(x, y, 5);
  CHECK(t.defined);
  CHECK_NEAR(t.value, 6.0 / 9, 1e-15);
  static const double up[5] = {1, 2, 3, 4, 5}, down[5] = {5, 4, 3, 2, 1};
  CHECK_NEAR(cb_agree__kendall_tau_b(up, down, 5).value, -1, 1e-15);
  CHECK_NEAR(cb_agree__kendall_tau_b(up, up, 5).value, 1, 1e-15);
  /* ties in both: x = 1 1 2 2, y = 1 2 1 2: pairs (1,2) tied in x, (3,4)
   * tied in x, (1,3) and (2,4) tied in y, (1,4) concordant, (2,3)
   * discordant: 0 / sqrt(4 * 4) = 0 */
  static const double tx[4] = {1, 1, 2, 2}, ty[4] = {1, 2, 1, 2};
  CHECK_NEAR(cb_agree__kendall_tau_b(tx, ty, 4).value, 0, 0);
  static const double flat[3] = {2, 2, 2};
  CHECK(!cb_agree__kendall_tau_b(flat, up, 3).defined);
  CHECK(isnan(cb_agree__kendall_tau_b(flat, up, 3).value));
  CHECK(!cb_agree__kendall_tau_b(up, up, 1).defined);
}

/* MASI (Passonneau 2006) and the set and number accuracy helpers. */
static void test_sets_and_errors(void) {
  /* {a,b} {a,b}: 0; {a} in {a,b}: J 1/2, M 2/3: 1 - 1/3; {a,b} {b,c}:
   * J 1/3, M 1/3: 1 - 1/9; disjoint: 1; empty and empty: 0 */
  CHECK_NEAR(cb_agree__masi_distance(3, 3), 0, 0);
  CHECK_NEAR(cb_agree__masi_distance(1, 3), 2.0 / 3, 1e-15);
  CHECK_NEAR(cb_agree__masi_distance(3, 6), 8.0 / 9, 1e-15);
  CHECK_NEAR(cb_agree__masi_distance(1, 2), 1, 0);
  CHECK_NEAR(cb_agree__masi_distance(0, 0), 0, 0);
  CHECK_NEAR(cb_agree__masi_distance(0, 4), 1, 0);

  cb_agree_sets s, s2;
  cb_agree__sets_init(&s, 4);
  cb_agree__sets_init(&s2, 4);
  /* gold {0,1} answer {0}; gold {2} answer {1,2}; gold {} answer {} */
  cb_agree__sets_add(&s, 3, 1);
  cb_agree__sets_add(&s, 4, 6);
  cb_agree__sets_add(&s2, 0, 0);
  cb_agree__sets_merge(&s, &s2);
  CHECK_NEAR(cb_agree__sets_jaccard(&s).value, (0.5 + 0.5 + 1) / 3, 1e-15);
  CHECK_NEAR(cb_agree__sets_exact(&s).value, 1.0 / 3, 1e-15);
  CHECK_NEAR(cb_agree__sets_precision(&s, 0).value, 1, 0);
  CHECK_NEAR(cb_agree__sets_recall(&s, 1).value, 0, 0);
  CHECK_NEAR(cb_agree__sets_precision(&s, 1).value, 0, 0); /* fp 1, tp 0 */
  CHECK_NEAR(cb_agree__sets_precision(&s, 2).value, 1, 0);
  CHECK(!cb_agree__sets_precision(&s, 3).defined); /* never answered */
  CHECK(!cb_agree__sets_recall(&s, 3).defined);    /* never in gold */
  cb_agree__sets_init(&s2, 3);
  CHECK(!cb_agree__sets_jaccard(&s2).defined);

  cb_agree_error e = {0, 0, 0, 0}, e2 = {0, 0, 0, 0};
  cb_agree__error_add(&e, 1, 2);
  cb_agree__error_add(&e, 3, 3);
  cb_agree__error_add(&e2, -2, 0);
  cb_agree__error_merge(&e, &e2);
  CHECK_NEAR(cb_agree__error_mae(&e).value, 1, 1e-15);
  CHECK_NEAR(cb_agree__error_rmse(&e).value, sqrt(5.0 / 3), 1e-15);
  CHECK_NEAR(cb_agree__error_exact(&e).value, 1.0 / 3, 1e-15);
  cb_agree_error none = {0, 0, 0, 0};
  CHECK(!cb_agree__error_mae(&none).defined);
}

/* ------------------------------------------------------------------ */
/* Alpha from the definition                                          */
/* ------------------------------------------------------------------ */

#define MAX_UNITS 40
#define MAX_CODERS 6
#define MAX_CODES 7

/* A reliability data matrix: units x coders, -1 for a missing value. */
typedef struct dataset {
  int units, coders, k;
  int v[MAX_UNITS][MAX_CODERS];
  double values[MAX_CODES];
  uint64_t sets[MAX_CODES];
} dataset;

static void random_dataset(dataset *d) {
  d->units = 1 + (int)test_rnd(MAX_UNITS);
  d->coders = 2 + (int)test_rnd(MAX_CODERS - 1);
  d->k = 1 + (int)test_rnd(MAX_CODES);
  double missing = test_rnd_unit() * 0.6, noise = test_rnd_unit();
  /* distinct positive numbers in a random order, distinct sets */
  int perm[MAX_CODES];
  for (int c = 0; c < d->k; c++)
    perm[c] = c;
  for (int c = d->k - 1; c > 0; c--) {
    int j = (int)test_rnd((uint32_t)c + 1), t = perm[c];
    perm[c] = perm[j];
    perm[j] = t;
  }
  for (int c = 0; c < d->k; c++) {
    d->values[c] = 0.5 + perm[c] * 1.25 + test_rnd_unit() * 0.5;
    d->sets[c] = (uint64_t)perm[c] ^ 5; /* distinct masks, 0 included */
  }
  for (int u = 0; u < d->units; u++) {
    int truth = (int)test_rnd((uint32_t)d->k);
    for (int o = 0; o < d->coders; o++) {
      if (test_rnd_unit() < missing)
        d->v[u][o] = -1;
      else
        d->v[u][o] = test_rnd_unit() < noise ? (int)test_rnd((uint32_t)d->k) : truth;
    }
  }
}

/* The pairable values' counts per code (for the ordinal difference). */
static void direct_marginals(const dataset *d, double *n_c) {
  for (int c = 0; c < d->k; c++)
    n_c[c] = 0;
  for (int u = 0; u < d->units; u++) {
    int m = 0;
    for (int o = 0; o < d->coders; o++)
      m += d->v[u][o] >= 0;
    if (m >= 2)
      for (int o = 0; o < d->coders; o++)
        if (d->v[u][o] >= 0)
          n_c[d->v[u][o]] += 1;
  }
}

/* delta^2 as Krippendorff (2011) writes each metric; the ordinal one sums
 * n_g over the codes whose number lies between those of c and k. */
static double direct_delta(const dataset *d, cb_agree_level level,
                           const double *n_c, int c, int k) {
  double vc = d->values[c], vk = d->values[k];
  switch (level) {
  case CB_AGREE_NOMINAL:
    return c != k;
  case CB_AGREE_ORDINAL: {
    if (c == k)
      return 0;
    double lo = vc < vk ? vc : vk, hi = vc < vk ? vk : vc, sum = 0;
    for (int g = 0; g < d->k; g++)
      if (d->values[g] >= lo && d->values[g] <= hi)
        sum += n_c[g];
    sum -= (n_c[c] + n_c[k]) / 2;
    return sum * sum;
  }
  case CB_AGREE_INTERVAL:
    return (vc - vk) * (vc - vk);
  case CB_AGREE_RATIO:
    return ((vc - vk) / (vc + vk)) * ((vc - vk) / (vc + vk));
  case CB_AGREE_MASI:
    return cb_agree__masi_distance(d->sets[c], d->sets[k]);
  }
  return 0;
}

/* D_o = 1/n sum_u 1/(m_u - 1) sum over ordered pairs of different values
 * of u of delta; D_e = 1/(n (n - 1)) sum over ordered pairs of different
 * pairable values anywhere of delta; alpha = 1 - D_o / D_e. */
static int direct_alpha(const dataset *d, cb_agree_level level, double *alpha,
                        double *d_o, double *d_e) {
  double n_c[MAX_CODES];
  direct_marginals(d, n_c);
  static int all[MAX_UNITS * MAX_CODERS];
  int n = 0;
  double observed = 0;
  for (int u = 0; u < d->units; u++) {
    int vals[MAX_CODERS], m = 0;
    for (int o = 0; o < d->coders; o++)
      if (d->v[u][o] >= 0)
        vals[m++] = d->v[u][o];
    if (m < 2)
      continue;
    double sum = 0;
    for (int i = 0; i < m; i++)
      for (int j = 0; j < m; j++)
        if (i != j)
          sum += direct_delta(d, level, n_c, vals[i], vals[j]);
    observed += sum / (m - 1);
    for (int i = 0; i < m; i++)
      all[n++] = vals[i];
  }
  double expected = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      if (i != j)
        expected += direct_delta(d, level, n_c, all[i], all[j]);
  if (n < 2 || expected == 0)
    return 0;
  *d_o = observed / n;
  *d_e = expected / ((double)n * (n - 1));
  *alpha = 1 - *d_o / *d_e;
  return 1;
}

static int accumulate(cb_agree_alpha *a, const dataset *d, int from, int to) {
  for (int u = from; u < to; u++) {
    uint32_t codes[MAX_CODERS];
    size_t m = 0;
    for (int o = 0; o < d->coders; o++)
      if (d->v[u][o] >= 0)
        codes[m++] = (uint32_t)d->v[u][o];
    int err = cb_agree__alpha_add(a, codes, m);
    if (err < 0)
      return err;
  }
  return 0;
}

static const cb_agree_level all_levels[5] = {CB_AGREE_NOMINAL, CB_AGREE_ORDINAL,
                                             CB_AGREE_INTERVAL, CB_AGREE_RATIO,
                                             CB_AGREE_MASI};

static void test_alpha_against_definition(void) {
  test_rng_seed(2011);
  int wrong = 0, compared = 0, undefined = 0;
  for (int t = 0; t < 400; t++) {
    dataset d;
    random_dataset(&d);
    cb_agree_alpha *a;
    if (cb_agree__alpha_new(&a, (size_t)d.k, 0) < 0 ||
        accumulate(a, &d, 0, d.units) < 0) {
      wrong++;
      cb_agree__alpha_free(a);
      continue;
    }
    for (int l = 0; l < 5; l++) {
      cb_agree_metric m = {all_levels[l], d.values, d.sets};
      cb_agree_alpha_result r;
      double alpha = 0, d_o = 0, d_e = 0;
      int defined = direct_alpha(&d, all_levels[l], &alpha, &d_o, &d_e);
      if (cb_agree__alpha_compute(&r, a, &m) < 0 || r.defined != defined) {
        wrong++;
        continue;
      }
      if (!defined) {
        undefined++;
        wrong += !isnan(r.alpha);
        continue;
      }
      compared++;
      if (!near(r.alpha, alpha, 1e-9) || !near(r.d_o, d_o, 1e-9 * (1 + d_o)) ||
          !near(r.d_e, d_e, 1e-9 * (1 + d_e))) {
        wrong++;
        fprintf(stderr,
                "dataset %d level %d: alpha %.15g, by definition %.15g\n", t, l,
                r.alpha, alpha);
      }
    }
    cb_agree__alpha_free(a);
  }
  CHECK_INT(wrong, 0);
  CHECK(compared > 1500); /* most datasets have a defined alpha */
  CHECK(undefined > 0);   /* and a few have none: both sides agree */
}

/* Shards merged equal the whole: the coincidences, every figure, and the
 * bootstrap (the merged items come in the same order). */
static void test_merge(void) {
  test_rng_seed(77);
  int wrong = 0;
  for (int t = 0; t < 100; t++) {
    dataset d;
    random_dataset(&d);
    int cut = (int)test_rnd((uint32_t)d.units + 1);
    cb_agree_alpha *whole, *left, *right;
    CHECK_INT(cb_agree__alpha_new(&whole, (size_t)d.k, 1), 0);
    CHECK_INT(cb_agree__alpha_new(&left, (size_t)d.k, 1), 0);
    CHECK_INT(cb_agree__alpha_new(&right, (size_t)d.k, 1), 0);
    accumulate(whole, &d, 0, d.units);
    accumulate(left, &d, 0, cut);
    accumulate(right, &d, cut, d.units);
    CHECK_INT(cb_agree__alpha_merge(left, right), 0);
    for (uint32_t c = 0; c < (uint32_t)d.k; c++) {
      wrong += cb_agree__alpha_marginal(left, c) !=
               cb_agree__alpha_marginal(whole, c);
      for (uint32_t k = 0; k < (uint32_t)d.k; k++)
        wrong += !near(cb_agree__alpha_coincidence(left, c, k),
                       cb_agree__alpha_coincidence(whole, c, k), 1e-12);
    }
    for (int l = 0; l < 5; l++) {
      cb_agree_metric m = {all_levels[l], d.values, d.sets};
      cb_agree_alpha_result r1, r2;
      cb_agree__alpha_compute(&r1, left, &m);
      cb_agree__alpha_compute(&r2, whole, &m);
      wrong += r1.defined != r2.defined || r1.n_items != r2.n_items ||
               r1.n_pairable != r2.n_pairable || r1.n_unpaired != r2.n_unpaired;
      if (r1.defined && r2.defined)
        wrong += !near(r1.alpha, r2.alpha, 1e-12);
      if (l == 1) {
        cb_agree_interval i1, i2;
        cb_agree__alpha_bootstrap(&i1, left, &m, 50, 5);
        cb_agree__alpha_bootstrap(&i2, whole, &m, 50, 5);
        wrong += i1.defined != i2.defined || i1.n_defined != i2.n_defined;
        if (i1.defined && i2.defined)
          wrong += !near(i1.lo, i2.lo, 1e-12) || !near(i1.hi, i2.hi, 1e-12);
      }
    }
    cb_agree_kappa f1 = cb_agree__alpha_fleiss(left, 0);
    cb_agree_kappa f2 = cb_agree__alpha_fleiss(whole, 0);
    wrong += f1.defined != f2.defined || f1.n_items != f2.n_items ||
             f1.n_excluded != f2.n_excluded;
    if (f1.defined && f2.defined)
      wrong += !near(f1.kappa, f2.kappa, 1e-12);
    cb_agree_figure p1 = cb_agree__alpha_percent(left);
    cb_agree_figure p2 = cb_agree__alpha_percent(whole);
    wrong += p1.defined != p2.defined ||
             (p1.defined && !near(p1.value, p2.value, 1e-12));
    cb_agree__alpha_free(whole);
    cb_agree__alpha_free(left);
    cb_agree__alpha_free(right);
  }
  CHECK_INT(wrong, 0);

  /* different codes do not merge; a shard without items makes the merge
   * lose them (the bootstrap then refuses) */
  cb_agree_alpha *a, *b, *c;
  CHECK_INT(cb_agree__alpha_new(&a, 3, 1), 0);
  CHECK_INT(cb_agree__alpha_new(&b, 4, 1), 0);
  CHECK_INT(cb_agree__alpha_new(&c, 3, 0), 0);
  CHECK_INT(cb_agree__alpha_merge(a, b), CB_EUSAGE);
  static const uint32_t item[3] = {0, 1, 1};
  CHECK_INT(cb_agree__alpha_add(a, item, 3), 0);
  CHECK_INT(cb_agree__alpha_add(c, item, 3), 0);
  CHECK_INT(cb_agree__alpha_merge(a, c), 0);
  cb_agree_metric nominal = {CB_AGREE_NOMINAL, NULL, NULL};
  cb_agree_interval iv;
  CHECK_INT(cb_agree__alpha_bootstrap(&iv, a, &nominal, 10, 1), CB_EUSAGE);
  cb_agree_alpha_result r;
  CHECK_INT(cb_agree__alpha_compute(&r, a, &nominal), 0);
  CHECK_INT(r.n_items, 2);
  static const uint32_t out_of_range[2] = {0, 3};
  CHECK_INT(cb_agree__alpha_add(a, out_of_range, 2), CB_EUSAGE);
  CHECK_INT(cb_agree__alpha_compute(&r, a, &nominal), 0);
  CHECK_INT(r.n_items, 2);
  cb_agree_metric masi_without_sets = {CB_AGREE_MASI, NULL, NULL};
  CHECK_INT(cb_agree__alpha_compute(&r, a, &masi_without_sets), CB_EUSAGE);
  cb_agree__alpha_free(a);
  cb_agree__alpha_free(b);
  cb_agree__alpha_free(c);
  CHECK_INT(cb_agree__alpha_new(&a, 0, 0), CB_EUSAGE);
  CHECK(a == NULL);
}

/* A dataset with real but imperfect agreement: 200 units, 4 coders, 5
 * ordered codes, a true code per unit, noise one time in five, 20%
 * missing. */
static cb_agree_alpha *noisy_accumulator(void) {
  cb_agree_alpha *a;
  if (cb_agree__alpha_new(&a, 5, 1) < 0)
    return NULL;
  test_rng_seed(31337);
  for (int u = 0; u < 200; u++) {
    uint32_t truth = test_rnd(5), codes[4];
    size_t m = 0;
    for (int o = 0; o < 4; o++) {
      if (test_rnd(5) == 0)
        continue;
      codes[m++] = test_rnd(5) == 0 ? test_rnd(5) : truth;
    }
    if (cb_agree__alpha_add(a, codes, m) < 0) {
      cb_agree__alpha_free(a);
      return NULL;
    }
  }
  return a;
}

static void test_bootstrap(void) {
  cb_agree_alpha *a = noisy_accumulator();
  CHECK(a != NULL);
  if (!a)
    return;
  for (int l = 0; l < 4; l++) {
    cb_agree_metric m = {all_levels[l], one_to_five, NULL};
    cb_agree_alpha_result r;
    cb_agree_interval i1, i2, i3;
    CHECK_INT(cb_agree__alpha_compute(&r, a, &m), 0);
    CHECK_INT(cb_agree__alpha_bootstrap(&i1, a, &m, 1000, 42), 0);
    CHECK_INT(cb_agree__alpha_bootstrap(&i2, a, &m, 1000, 42), 0);
    CHECK_INT(cb_agree__alpha_bootstrap(&i3, a, &m, 1000, 43), 0);
    CHECK(memcmp(&i1.lo, &i2.lo, sizeof i1.lo) == 0);
    CHECK(memcmp(&i1.hi, &i2.hi, sizeof i1.hi) == 0);
    CHECK(i1.lo != i3.lo || i1.hi != i3.hi);
    CHECK(i1.defined);
    CHECK_INT(i1.n_defined, 1000);
    CHECK(i1.lo < r.alpha && r.alpha < i1.hi);
    /* a 95% interval on 200 units is neither a point nor everything */
    CHECK(i1.hi - i1.lo > 0.01 && i1.hi - i1.lo < 0.3);
  }
  cb_agree__alpha_free(a);

  /* the published example: 11 pairable units are enough for an interval
   * around 0.743 */
  CHECK_INT(cb_agree__alpha_new(&a, 5, 1), 0);
  add_kripp(a);
  cb_agree_metric nominal = {CB_AGREE_NOMINAL, NULL, NULL};
  cb_agree_interval iv;
  CHECK_INT(cb_agree__alpha_bootstrap(&iv, a, &nominal, 1000, 1), 0);
  CHECK(iv.defined && iv.lo < 0.743 && 0.743 < iv.hi && iv.hi <= 1);
  cb_agree__alpha_free(a);
}

/* Past CB_AGREE_POISSON_ITEMS items the bootstrap draws each group of
 * like items by Poisson: its interval must be the one of the plain
 * resampling of items, which the test does itself on the same data
 * (drawing items into a fresh accumulator, 300 times). */
static void test_poisson_bootstrap(void) {
  const size_t n_items = CB_AGREE_POISSON_ITEMS * 2;
  uint32_t(*items)[3] = calloc(n_items, sizeof *items);
  size_t *sizes = calloc(n_items, sizeof *sizes);
  cb_agree_alpha *a = NULL;
  CHECK(items && sizes && cb_agree__alpha_new(&a, 5, 1) == 0);
  if (!items || !sizes || !a) {
    free(items);
    free(sizes);
    cb_agree__alpha_free(a);
    return;
  }
  test_rng_seed(2012);
  int added = 0;
  for (size_t i = 0; i < n_items; i++) {
    uint32_t truth = test_rnd(5);
    sizes[i] = 2 + test_rnd(2); /* two or three annotators */
    for (size_t j = 0; j < sizes[i]; j++)
      items[i][j] = test_rnd_unit() < 0.7 ? truth : test_rnd(5);
    added += cb_agree__alpha_add(a, items[i], sizes[i]) == 0;
  }
  CHECK_INT(added, (long)n_items);
  cb_agree_metric m = {CB_AGREE_NOMINAL, NULL, NULL};
  cb_agree_alpha_result r;
  cb_agree_interval iv, iv2;
  CHECK_INT(cb_agree__alpha_compute(&r, a, &m), 0);
  CHECK_INT(cb_agree__alpha_bootstrap(&iv, a, &m, 1000, 7), 0);
  CHECK_INT(cb_agree__alpha_bootstrap(&iv2, a, &m, 1000, 7), 0);
  CHECK(iv.defined && iv.lo == iv2.lo && iv.hi == iv2.hi);
  CHECK(iv.lo < r.alpha && r.alpha < iv.hi);

  enum { RESAMPLES = 300 };
  double *alphas = calloc(RESAMPLES, sizeof *alphas);
  size_t n = 0;
  for (int b = 0; alphas && b < RESAMPLES; b++) {
    cb_agree_alpha *s = NULL;
    if (cb_agree__alpha_new(&s, 5, 0) < 0)
      break;
    for (size_t i = 0; i < n_items; i++) {
      size_t u = test_rnd((uint32_t)n_items);
      cb_agree__alpha_add(s, items[u], sizes[u]);
    }
    cb_agree_alpha_result rs;
    if (cb_agree__alpha_compute(&rs, s, &m) == 0 && rs.defined)
      alphas[n++] = rs.alpha;
    cb_agree__alpha_free(s);
  }
  CHECK_INT(n, RESAMPLES);
  for (size_t i = 1; i < n; i++) /* insertion sort: a few hundred */
    for (size_t j = i; j > 0 && alphas[j - 1] > alphas[j]; j--) {
      double t = alphas[j];
      alphas[j] = alphas[j - 1];
      alphas[j - 1] = t;
    }
  double lo = alphas[(size_t)(0.025 * (n - 1))];
  double hi = alphas[(size_t)(0.975 * (n - 1))];
  /* the half-width here is about 0.01; the two intervals agree to a
   * fraction of it (the Monte Carlo error of 300 resamples included) */
  CHECK(fabs(iv.lo - lo) < 0.004);
  CHECK(fabs(iv.hi - hi) < 0.004);
  CHECK(fabs((iv.hi - iv.lo) - (hi - lo)) < 0.004);
  free(alphas);
  free(items);
  free(sizes);
  cb_agree__alpha_free(a);
}

/* No variation: every pairable value the same. D_e = 0, so alpha is
 * undefined (Krippendorff: 0/0), reported as defined = 0 and NaN, with
 * no division by zero; the same for the bootstrap and the kappas. Items
 * unanimous among themselves but different from each other are perfect
 * agreement: alpha = 1. */
static void test_no_variation(void) {
  cb_agree_alpha *a;
  CHECK_INT(cb_agree__alpha_new(&a, 3, 1), 0);
  static const uint32_t same[4] = {2, 2, 2, 2};
  for (int i = 0; i < 5; i++)
    CHECK_INT(cb_agree__alpha_add(a, same, 2 + (size_t)(i % 3)), 0);
  for (int l = 0; l < 4; l++) {
    cb_agree_metric m = {all_levels[l], NULL, NULL};
    cb_agree_alpha_result r;
    CHECK_INT(cb_agree__alpha_compute(&r, a, &m), 0);
    CHECK(!r.defined);
    CHECK(isnan(r.alpha));
    CHECK(r.d_o == 0 && r.d_e == 0);
    CHECK_INT(r.n_items, 5);
    cb_agree_interval iv;
    CHECK_INT(cb_agree__alpha_bootstrap(&iv, a, &m, 100, 9), 0);
    CHECK(!iv.defined && iv.n_defined == 0 && isnan(iv.lo));
  }
  CHECK_NEAR(cb_agree__alpha_percent(a).value, 1, 0);
  cb_agree_kappa k = cb_agree__alpha_fleiss(a, 0);
  CHECK(!k.defined && isnan(k.kappa));
  static const uint32_t zero[2] = {0, 0};
  CHECK_INT(cb_agree__alpha_add(a, zero, 2), 0);
  cb_agree_metric m = {CB_AGREE_NOMINAL, NULL, NULL};
  cb_agree_alpha_result r;
  CHECK_INT(cb_agree__alpha_compute(&r, a, &m), 0);
  CHECK(r.defined);
  CHECK_NEAR(r.alpha, 1, 0);
  cb_agree__alpha_free(a);

  /* nothing at all, and only lone values */
  CHECK_INT(cb_agree__alpha_new(&a, 2, 1), 0);
  CHECK_INT(cb_agree__alpha_add(a, zero, 1), 0);
  CHECK_INT(cb_agree__alpha_add(a, NULL, 0), 0);
  CHECK_INT(cb_agree__alpha_compute(&r, a, &m), 0);
  CHECK(!r.defined && r.n_items == 0 && r.n_pairable == 0);
  CHECK_INT(r.n_unpaired, 2);
  CHECK(!cb_agree__alpha_percent(a).defined);
  cb_agree__alpha_free(a);
}

/* ------------------------------------------------------------------ */
/* Out of memory                                                      */
/* ------------------------------------------------------------------ */

/* Runs one step again while it fails for want of memory: the sweep fails
 * one allocation only, so the retry must succeed, and must find things as
 * they were before the failed call. Counts the failures. */
#define RETRY(call)                                                            \
  do {                                                                         \
    while ((err = (call)) == CB_ENOMEM)                                        \
      (*failures)++;                                                           \
    if (err < 0)                                                               \
      goto done;                                                               \
  } while (0)

/* Every allocating function once, with the results written to out[]. */
static int oom_work(double *out, int *failures) {
  int err = 0;
  cb_agree_alpha *a = NULL, *b = NULL;
  cb_agree_confusion *c = NULL;
  RETRY(cb_agree__alpha_new(&a, 5, 1));
  RETRY(cb_agree__alpha_new(&b, 5, 1));
  for (int u = 0; u < 12; u++) {
    uint32_t codes[4];
    size_t n = kripp_unit(u, codes);
    RETRY(cb_agree__alpha_add(u % 2 ? a : b, codes, n));
  }
  for (int i = 0; i < 10; i++)
    RETRY(cb_agree__alpha_add_counts(b, fleiss_table[i]));
  RETRY(cb_agree__alpha_merge(a, b));
  cb_agree_metric m = {CB_AGREE_ORDINAL, one_to_five, NULL};
  cb_agree_alpha_result r;
  RETRY(cb_agree__alpha_compute(&r, a, &m));
  out[0] = r.alpha;
  cb_agree_interval iv;
  RETRY(cb_agree__alpha_bootstrap(&iv, a, &m, 30, 3));
  out[1] = iv.lo;
  out[2] = iv.hi;
  out[3] = cb_agree__alpha_fleiss(a, 0).kappa;
  RETRY(cb_agree__confusion_new(&c, 3));
  cb_agree__confusion_add(c, 1, 2);
  out[4] = (double)c->total;
done:
  cb_agree__alpha_free(a);
  cb_agree__alpha_free(b);
  cb_agree__confusion_free(c);
  return err;
}

static void test_out_of_memory(void) {
  double want[5], got[5];
  int failures = 0;
  CHECK_INT(oom_work(want, &failures), 0);
  CHECK_INT(failures, 0);
  long total = 0, wrong = 0, successes = 0;
  for (test_sweep s = test_sweep_start(1, 1); successes < 3 && s.n < 10000;
       test_sweep_next(&s)) {
    int failed = 0;
    cb_alloc_fail_after(s.n);
    int err = oom_work(got, &failed);
    cb_alloc_fail_after(0);
    wrong += err != 0 || memcmp(got, want, sizeof want) != 0;
    total += s.weight * failed;
    successes = failed ? 0 : successes + 1;
  }
  CHECK_INT(wrong, 0);
  CHECK(total >= 3);
}

int main(void) {
  test_krippendorff_2011();
  test_fleiss_1971();
  test_cohen();
  test_weighted_kappa();
  test_kendall();
  test_sets_and_errors();
  test_alpha_against_definition();
  test_merge();
  test_bootstrap();
  test_poisson_bootstrap();
  test_no_variation();
  test_out_of_memory();
  return test_report("agree");
}
