/* SPDX-License-Identifier: MIT */
/*
 * agree.c: agreement between annotators and accuracy against gold, the
 * statistics core of `casebook grade` (agree.h says what each figure
 * is). Krippendorff's alpha is built on its coincidence matrix, a sum
 * over items, so that shards of a large annotation set can be counted
 * apart and merged; Fleiss' kappa and the percent agreement come from
 * the same accumulator, Cohen's kappa from a confusion matrix.
 */
#include "agree.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "casebook/errors.h"

/* ------------------------------------------------------------------ */
/* splitmix64                                                         */
/* ------------------------------------------------------------------ */

/* splitmix64 (Steele, Lea and Flood 2014): a 64-bit counter through a
 * mixing function; small, fast and the same on every platform. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* A uniform index in [0, n), n >= 1: draws past the largest multiple of
 * n are drawn again, so that no index is favoured. */
static size_t random_below(uint64_t *state, size_t n) {
  uint64_t bound = (uint64_t)n;
  uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t r;
  do
    r = next_random(state);
  while (r >= limit);
  return (size_t)(r % bound);
}

/* A uniform double in (0, 1): 53 random bits, never 0. */
static double random_unit(uint64_t *state) {
  return ((double)(next_random(state) >> 11) + 0.5) / 9007199254740992.0;
}

/* A Poisson(mu) draw, mu > 0. Small means multiply uniforms until their
 * product falls below exp(-mu) (Knuth 1969); larger ones use the
 * transformed rejection of Hormann (1993), "The transformed rejection
 * method for generating Poisson random variables" (PTRS), whose cost does
 * not grow with mu. */
static uint64_t random_poisson(uint64_t *state, double mu) {
  if (mu < 10) {
    double limit = exp(-mu), p = 1;
    uint64_t k = 0;
    for (;;) {
      p *= random_unit(state);
      if (p <= limit)
        return k;
      k++;
    }
  }
  double smu = sqrt(mu), log_mu = log(mu);
  double b = 0.931 + 2.53 * smu;
  double a = -0.059 + 0.02483 * b;
  double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  double v_r = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    double u = random_unit(state) - 0.5, v = random_unit(state);
    double us = 0.5 - fabs(u);
    double k = floor((2 * a / us + b) * u + mu + 0.43);
    if (us >= 0.07 && v <= v_r)
      return (uint64_t)k;
    if (k < 0 || (us < 0.013 && v > us))
      continue;
    if (log(v) + log(inv_alpha) - log(a / (us * us) + b) <=
        -mu + k * log_mu - lgamma(k + 1))
      return (uint64_t)k;
  }
}

/* ------------------------------------------------------------------ */
/* The alpha accumulator                                              */
/* ------------------------------------------------------------------ */

/* One distinct value of an item and how many annotators gave it. */
typedef struct value_count {
  uint32_t code, count;
} value_count;

struct cb_agree_alpha {
  size_t k;
  double *o;      /* k * k: the coincidence matrix */
  uint64_t *n_c;  /* k: its marginals, the pairable values per code */
  uint64_t n;     /* pairable values */
  size_t n_items; /* items with at least 2 values */
  size_t n_unpaired;
  /* Fleiss' counts, one row of k + 3 per number of values m seen:
   * [0] m, [1] items, [2] sum_j n_ij (n_ij - 1), [3 + j] sum_i n_ij. */
  uint64_t *fleiss;
  size_t n_fleiss;   /* rows */
  size_t cap_fleiss; /* entries allocated */
  /* With keep_items: item i's distinct values are
   * values[item_end[i - 1] .. item_end[i]) (from 0 for the first). */
  int keep_items;
  value_count *values;
  size_t n_values, cap_values;
  size_t *item_end;
  size_t cap_items;
  /* one item's values while it is added */
  value_count *scratch;
  size_t cap_scratch;
};

#define FLEISS_ROW(a, r) ((a)->fleiss + (r) * ((a)->k + 3))

/* n * size would overflow size_t. */
static int too_many(size_t n, size_t size) {
  return size != 0 && n > SIZE_MAX / size;
}

/* Grows *p (elements of size bytes, capacity *cap) to hold need. */
static int reserve(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap)
    return 0;
  size_t cap2 = *cap ? *cap : 8;
  while (cap2 < need)
    cap2 = cap2 > SIZE_MAX / 2 ? need : cap2 * 2;
  if (too_many(cap2, size))
    return CB_ENOMEM;
  void *q = cb_realloc(*p, cap2 * size);
  if (!q)
    return CB_ENOMEM;
  *p = q;
  *cap = cap2;
  return 0;
}

int cb_agree__alpha_new(cb_agree_alpha **out, size_t n_codes, int keep_items) {
  *out = NULL;
  if (n_codes == 0 || n_codes > UINT32_MAX || too_many(n_codes, n_codes) ||
      too_many(n_codes * n_codes, sizeof(double)))
    return CB_EUSAGE;
  cb_agree_alpha *a = cb_calloc(1, sizeof *a);
  if (!a)
    return CB_ENOMEM;
  a->k = n_codes;
  a->keep_items = keep_items != 0;
  a->o = cb_calloc(n_codes * n_codes, sizeof *a->o);
  a->n_c = cb_calloc(n_codes, sizeof *a->n_c);
  if (!a->o || !a->n_c) {
    cb_agree__alpha_free(a);
    return CB_ENOMEM;
  }
  *out = a;
  return 0;
}

void cb_agree__alpha_free(cb_agree_alpha *a) {
  if (!a)
    return;
  cb_free(a->o);
  cb_free(a->n_c);
  cb_free(a->fleiss);
  cb_free(a->values);
  cb_free(a->item_end);
  cb_free(a->scratch);
  cb_free(a);
}

size_t cb_agree__alpha_codes(const cb_agree_alpha *a) { return a->k; }

double cb_agree__alpha_coincidence(const cb_agree_alpha *a, uint32_t c,
                                   uint32_t k) {
  assert(c < a->k && k < a->k);
  return a->o[(size_t)c * a->k + k];
}

double cb_agree__alpha_marginal(const cb_agree_alpha *a, uint32_t c) {
  assert(c < a->k);
  return (double)a->n_c[c];
}

/* The row of Fleiss' counts for items of m values, or n_fleiss. */
static size_t fleiss_row(const cb_agree_alpha *a, uint64_t m) {
  size_t r = 0;
  while (r < a->n_fleiss && FLEISS_ROW(a, r)[0] != m)
    r++;
  return r;
}

/* Adds one item's coincidences, o[c][k] += n_uc (n_uk - [c == k]) /
 * (m_u - 1) (Krippendorff 2011), and marginals to o and n_c (k codes),
 * times over (an item the bootstrap drew that many times): its d
 * distinct values v with their counts, m values in all (m >= 2). */
static void add_coincidences_times(double *o, uint64_t *n_c, size_t k,
                                   const value_count *v, size_t d, uint64_t m,
                                   uint64_t times) {
  double share = (double)times / (double)(m - 1);
  for (size_t i = 0; i < d; i++) {
    double ci = v[i].count;
    n_c[v[i].code] += times * v[i].count;
    for (size_t j = 0; j < d; j++) {
      double pairs = i == j ? ci * (ci - 1) : ci * v[j].count;
      o[(size_t)v[i].code * k + v[j].code] += pairs * share;
    }
  }
}

/* Adds the item whose d distinct values are in a->scratch (codes in
 * range, counts > 0): everything that can fail is reserved before a
 * changes. */
static int add_item(cb_agree_alpha *a, size_t d) {
  const value_count *v = a->scratch;
  uint64_t m = 0, agree_pairs = 0;
  for (size_t i = 0; i < d; i++) {
    m += v[i].count;
    agree_pairs += (uint64_t)v[i].count * (v[i].count - 1);
  }
  if (m < 2) {
    a->n_unpaired++;
    return 0;
  }
  size_t r = fleiss_row(a, m);
  size_t row_len = a->k + 3;
  if (r == a->n_fleiss) {
    if (too_many(a->n_fleiss + 1, row_len) ||
        reserve((void **)&a->fleiss, &a->cap_fleiss,
                (a->n_fleiss + 1) * row_len, sizeof *a->fleiss) < 0)
      return CB_ENOMEM;
  }
  if (a->keep_items) {
    if (reserve((void **)&a->values, &a->cap_values, a->n_values + d,
                sizeof *a->values) < 0 ||
        reserve((void **)&a->item_end, &a->cap_items, a->n_items + 1,
                sizeof *a->item_end) < 0)
      return CB_ENOMEM;
    memcpy(a->values + a->n_values, v, d * sizeof *v);
    a->n_values += d;
    a->item_end[a->n_items] = a->n_values;
  }
  if (r == a->n_fleiss) {
    memset(FLEISS_ROW(a, r), 0, row_len * sizeof *a->fleiss);
    FLEISS_ROW(a, r)[0] = m;
    a->n_fleiss++;
  }
  uint64_t *row = FLEISS_ROW(a, r);
  row[1]++;
  row[2] += agree_pairs;
  for (size_t i = 0; i < d; i++)
    row[3 + v[i].code] += v[i].count;
  add_coincidences_times(a->o, a->n_c, a->k, v, d, m, 1);
  a->n += m;
  a->n_items++;
  return 0;
}

int cb_agree__alpha_add(cb_agree_alpha *a, const uint32_t *codes, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (codes[i] >= a->k)
      return CB_EUSAGE;
  if (reserve((void **)&a->scratch, &a->cap_scratch, n ? n : 1,
              sizeof *a->scratch) < 0)
    return CB_ENOMEM;
  /* the distinct codes in increasing order, so that an item is kept the
   * same whatever order its values came in */
  size_t d = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    while (j < d && a->scratch[j].code < codes[i])
      j++;
    if (j < d && a->scratch[j].code == codes[i]) {
      a->scratch[j].count++;
      continue;
    }
    memmove(a->scratch + j + 1, a->scratch + j, (d - j) * sizeof *a->scratch);
    a->scratch[j].code = codes[i];
    a->scratch[j].count = 1;
    d++;
  }
  return add_item(a, d);
}

int cb_agree__alpha_add_counts(cb_agree_alpha *a, const uint32_t *counts) {
  if (reserve((void **)&a->scratch, &a->cap_scratch, a->k, sizeof *a->scratch) <
      0)
    return CB_ENOMEM;
  size_t d = 0;
  for (size_t c = 0; c < a->k; c++)
    if (counts[c]) {
      a->scratch[d].code = (uint32_t)c;
      a->scratch[d].count = counts[c];
      d++;
    }
  return add_item(a, d);
}

int cb_agree__alpha_merge(cb_agree_alpha *dst, const cb_agree_alpha *src) {
  if (dst->k != src->k)
    return CB_EUSAGE;
  size_t row_len = dst->k + 3, n_new = 0;
  for (size_t r = 0; r < src->n_fleiss; r++)
    n_new += fleiss_row(dst, FLEISS_ROW(src, r)[0]) == dst->n_fleiss;
  if (n_new) {
    if (too_many(dst->n_fleiss + n_new, row_len) ||
        reserve((void **)&dst->fleiss, &dst->cap_fleiss,
                (dst->n_fleiss + n_new) * row_len, sizeof *dst->fleiss) < 0)
      return CB_ENOMEM;
  }
  int keep = dst->keep_items && src->keep_items;
  if (keep &&
      (reserve((void **)&dst->values, &dst->cap_values,
               dst->n_values + src->n_values, sizeof *dst->values) < 0 ||
       reserve((void **)&dst->item_end, &dst->cap_items,
               dst->n_items + src->n_items, sizeof *dst->item_end) < 0))
    return CB_ENOMEM;
  /* nothing fails from here on */
  if (keep) {
    if (src->n_values) /* else both pointers may be NULL */
      memcpy(dst->values + dst->n_values, src->values,
             src->n_values * sizeof *src->values);
    for (size_t i = 0; i < src->n_items; i++)
      dst->item_end[dst->n_items + i] = dst->n_values + src->item_end[i];
    dst->n_values += src->n_values;
  } else if (dst->keep_items) {
    cb_free(dst->values);
    cb_free(dst->item_end);
    dst->values = NULL;
    dst->item_end = NULL;
    dst->n_values = dst->cap_values = dst->cap_items = 0;
    dst->keep_items = 0;
  }
  for (size_t r = 0; r < src->n_fleiss; r++) {
    const uint64_t *from = FLEISS_ROW(src, r);
    size_t t = fleiss_row(dst, from[0]);
    if (t == dst->n_fleiss) {
      memcpy(FLEISS_ROW(dst, t), from, row_len * sizeof *from);
      dst->n_fleiss++;
      continue;
    }
    uint64_t *to = FLEISS_ROW(dst, t);
    for (size_t j = 1; j < row_len; j++)
      to[j] += from[j];
  }
  for (size_t i = 0; i < dst->k * dst->k; i++)
    dst->o[i] += src->o[i];
  for (size_t c = 0; c < dst->k; c++)
    dst->n_c[c] += src->n_c[c];
  dst->n += src->n;
  dst->n_items += src->n_items;
  dst->n_unpaired += src->n_unpaired;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Alpha from the coincidence matrix                                  */
/* ------------------------------------------------------------------ */

double cb_agree__masi_distance(uint64_t a, uint64_t b) {
  if (a == b)
    return 0;
  /* popcount without a builtin: clear the lowest bit until none is left */
  size_t both = 0, either = 0;
  for (uint64_t x = a & b; x; x &= x - 1)
    both++;
  for (uint64_t x = a | b; x; x &= x - 1)
    either++;
  double monotonicity = both == 0                      ? 0
                        : (a & b) == a || (a & b) == b ? 2.0 / 3
                                                       : 1.0 / 3;
  return 1 - (double)both / (double)either * monotonicity;
}

/* A code and its number, to rank the codes of an ordinal metric. */
typedef struct ranked {
  double value;
  size_t code;
} ranked;

static int compare_ranked(const void *pa, const void *pb) {
  const ranked *a = pa, *b = pb;
  if (a->value != b->value)
    return a->value < b->value ? -1 : 1;
  return a->code < b->code ? -1 : a->code > b->code;
}

/* Scratch of one alpha computation: the codes ranked and each code's
 * mid-rank (ORDINAL only). */
typedef struct alpha_scratch {
  ranked *ranks;
  double *mid;
} alpha_scratch;

static int scratch_new(alpha_scratch *s, size_t k, const cb_agree_metric *m) {
  s->ranks = NULL;
  s->mid = NULL;
  if (m->level != CB_AGREE_ORDINAL)
    return 0;
  s->ranks = cb_malloc(k * sizeof *s->ranks);
  s->mid = cb_malloc(k * sizeof *s->mid);
  if (!s->ranks || !s->mid) {
    cb_free(s->ranks);
    cb_free(s->mid);
    return CB_ENOMEM;
  }
  return 0;
}

static void scratch_free(alpha_scratch *s) {
  cb_free(s->ranks);
  cb_free(s->mid);
}

static double code_value(const cb_agree_metric *m, size_t c) {
  return m->values ? m->values[c] : (double)c;
}

/* Krippendorff's ordinal difference, (sum_{g=c..k} n_g - (n_c + n_k)/2)^2,
 * is the squared difference of mid-ranks: with mid(g) the values ranked
 * below g plus half of g's own, the sum minus the two halves is
 * mid(k) - mid(c). So each code gets its mid-rank once, from the ranks of
 * the codes by number and the marginals; codes of equal numbers are one
 * rank and share it. */
static void mid_ranks(alpha_scratch *s, size_t k, const uint64_t *n_c,
                      const cb_agree_metric *m) {
  for (size_t c = 0; c < k; c++) {
    s->ranks[c].value = code_value(m, c);
    s->ranks[c].code = c;
  }
  qsort(s->ranks, k, sizeof *s->ranks, compare_ranked);
  double below = 0;
  for (size_t i = 0; i < k;) {
    size_t j = i;
    double in_rank = 0;
    while (j < k && s->ranks[j].value == s->ranks[i].value)
      in_rank += (double)n_c[s->ranks[j++].code];
    for (size_t g = i; g < j; g++)
      s->mid[s->ranks[g].code] = below + in_rank / 2;
    below += in_rank;
    i = j;
  }
}

/* delta^2(c, k) of the metric (agree.h), after mid_ranks for ORDINAL. */
static double difference(const cb_agree_metric *m, const alpha_scratch *s,
                         size_t c, size_t k) {
  if (c == k)
    return 0;
  switch (m->level) {
  case CB_AGREE_NOMINAL:
    return 1;
  case CB_AGREE_ORDINAL: {
    double d = s->mid[c] - s->mid[k];
    return d * d;
  }
  case CB_AGREE_INTERVAL: {
    double d = code_value(m, c) - code_value(m, k);
    return d * d;
  }
  case CB_AGREE_RATIO: {
    double vc = code_value(m, c), vk = code_value(m, k);
    if (vc + vk == 0)
      return 0;
    double d = (vc - vk) / (vc + vk);
    return d * d;
  }
  case CB_AGREE_MASI:
    return cb_agree__masi_distance(m->sets[c], m->sets[k]);
  }
  return 0;
}

/* alpha = 1 - (n - 1) sum o_ck delta_ck / sum n_c n_k delta_ck, the
 * computational form of Krippendorff (2011), from a coincidence matrix o
 * and its marginals n_c over k codes and n pairable values. */
static void alpha_from(cb_agree_alpha_result *out, size_t k, const double *o,
                       const uint64_t *n_c, uint64_t n,
                       const cb_agree_metric *m, alpha_scratch *s) {
  if (m->level == CB_AGREE_ORDINAL)
    mid_ranks(s, k, n_c, m);
  double observed = 0, expected = 0;
  for (size_t c = 0; c < k; c++)
    for (size_t j = 0; j < k; j++) {
      if (c == j)
        continue;
      double d = difference(m, s, c, j);
      observed += o[c * k + j] * d;
      expected += (double)n_c[c] * (double)n_c[j] * d;
    }
  out->n_pairable = (size_t)n;
  if (n < 2 || !(expected > 0)) {
    out->alpha = NAN;
    out->defined = 0;
    out->d_o = n ? observed / (double)n : 0;
    out->d_e = 0;
    return;
  }
  double nd = (double)n;
  out->d_o = observed / nd;
  out->d_e = expected / (nd * (nd - 1));
  out->alpha = 1 - (nd - 1) * observed / expected;
  out->defined = 1;
}

static int check_metric(const cb_agree_metric *m) {
  if (m->level == CB_AGREE_MASI && !m->sets)
    return CB_EUSAGE;
  if ((unsigned)m->level > CB_AGREE_MASI)
    return CB_EUSAGE;
  return 0;
}

int cb_agree__alpha_compute(cb_agree_alpha_result *out, const cb_agree_alpha *a,
                            const cb_agree_metric *m) {
  int err;
  alpha_scratch s;
  memset(out, 0, sizeof *out);
  out->alpha = NAN;
  if ((err = check_metric(m)) < 0)
    return err;
  if ((err = scratch_new(&s, a->k, m)) < 0)
    return err;
  alpha_from(out, a->k, a->o, a->n_c, a->n, m, &s);
  out->n_items = a->n_items;
  out->n_unpaired = a->n_unpaired;
  scratch_free(&s);
  return 0;
}

static int compare_double(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return a < b ? -1 : a > b;
}

/* The q-quantile of sorted[0..n), n >= 1, interpolated linearly between
 * the order statistics around (n - 1) q (Hyndman and Fan 1996, type 7). */
static double quantile(const double *sorted, size_t n, double q) {
  double h = (double)(n - 1) * q;
  size_t lo = (size_t)h;
  if (lo + 1 >= n)
    return sorted[n - 1];
  return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

/* The items of a grouped by their values (kept in increasing code
 * order, so equal items have equal lists): pattern[i] is item i's group,
 * first[g] the first item of group g. Many items share a few patterns
 * (three annotators agreeing on one of five options), so a resample adds
 * each group once, times the items drawn from it, instead of adding every
 * item drawn. Returns the number of groups, or 0 out of memory. */
static size_t group_items(const cb_agree_alpha *a, uint32_t *pattern,
                          size_t *first) {
  size_t cap = 16;
  while (cap < a->n_items * 2)
    cap *= 2;
  size_t *slots = cb_malloc(cap * sizeof *slots); /* group + 1, 0 empty */
  if (!slots)
    return 0;
  memset(slots, 0, cap * sizeof *slots);
  size_t n_groups = 0;
  for (size_t i = 0; i < a->n_items; i++) {
    size_t from = i ? a->item_end[i - 1] : 0, to = a->item_end[i];
    uint64_t h = 1469598103934665603ULL;
    for (size_t v = from; v < to; v++) {
      h = (h ^ a->values[v].code) * 1099511628211ULL;
      h = (h ^ a->values[v].count) * 1099511628211ULL;
    }
    size_t at = (size_t)h & (cap - 1);
    for (;; at = (at + 1) & (cap - 1)) {
      if (!slots[at]) {
        first[n_groups] = i;
        slots[at] = ++n_groups;
        pattern[i] = (uint32_t)(n_groups - 1);
        break;
      }
      size_t g = first[slots[at] - 1];
      size_t gf = g ? a->item_end[g - 1] : 0, gt = a->item_end[g];
      if (gt - gf == to - from &&
          !memcmp(a->values + gf, a->values + from,
                  (to - from) * sizeof *a->values)) {
        pattern[i] = (uint32_t)(slots[at] - 1);
        break;
      }
    }
  }
  cb_free(slots);
  return n_groups;
}

int cb_agree__alpha_bootstrap(cb_agree_interval *out, const cb_agree_alpha *a,
                              const cb_agree_metric *m, size_t n_resamples,
                              uint64_t seed) {
  int err;
  size_t k = a->k;
  double *o = NULL, *alphas = NULL;
  uint64_t *n_c = NULL;
  alpha_scratch s = {NULL, NULL};
  out->lo = out->hi = NAN;
  out->defined = 0;
  out->n_defined = 0;
  if ((err = check_metric(m)) < 0)
    return err;
  if (!a->keep_items)
    return CB_EUSAGE;
  if (a->n_items == 0 || n_resamples == 0)
    return 0;
  if (too_many(n_resamples, sizeof *alphas))
    return CB_ENOMEM;
  if ((err = scratch_new(&s, k, m)) < 0)
    return err;
  o = cb_malloc(k * k * sizeof *o);
  n_c = cb_malloc(k * sizeof *n_c);
  alphas = cb_malloc(n_resamples * sizeof *alphas);
  uint32_t *pattern = NULL;
  size_t *first = NULL, *drawn = NULL, n_groups = 0;
  uint64_t *g_m = NULL;
  if (!too_many(a->n_items, sizeof *first)) {
    pattern = cb_malloc(a->n_items * sizeof *pattern);
    first = cb_malloc(a->n_items * sizeof *first);
  }
  if (pattern && first)
    n_groups = group_items(a, pattern, first);
  if (n_groups) {
    g_m = cb_calloc(n_groups, sizeof *g_m);
    drawn = cb_calloc(n_groups, sizeof *drawn);
  }
  if (!o || !n_c || !alphas || !g_m || !drawn) {
    cb_free(pattern);
    cb_free(first);
    cb_free(g_m);
    cb_free(drawn);
    err = CB_ENOMEM;
    goto done;
  }
  for (size_t g = 0; g < n_groups; g++) {
    size_t u = first[g];
    size_t from = u ? a->item_end[u - 1] : 0, to = a->item_end[u];
    for (size_t v = from; v < to; v++)
      g_m[g] += a->values[v].count;
  }
  /* the items of each group, for the Poisson bootstrap */
  for (size_t i = 0; a->n_items > CB_AGREE_POISSON_ITEMS && i < a->n_items;
       i++)
    g_m[pattern[i]] += (uint64_t)1 << 32;
  uint64_t state = seed;
  size_t n_defined = 0;
  for (size_t b = 0; b < n_resamples; b++) {
    memset(o, 0, k * k * sizeof *o);
    memset(n_c, 0, k * sizeof *n_c);
    memset(drawn, 0, n_groups * sizeof *drawn);
    uint64_t n = 0;
    if (a->n_items > CB_AGREE_POISSON_ITEMS) {
      /* each item drawn Poisson(1) times: a group of m like items
       * Poisson(m) times, one draw per group */
      for (size_t g = 0; g < n_groups; g++)
        drawn[g] = random_poisson(&state, (double)(g_m[g] >> 32));
    } else {
      for (size_t i = 0; i < a->n_items; i++)
        drawn[pattern[random_below(&state, a->n_items)]]++;
    }
    for (size_t g = 0; g < n_groups; g++) {
      if (!drawn[g])
        continue;
      size_t u = first[g];
      size_t from = u ? a->item_end[u - 1] : 0, to = a->item_end[u];
      uint64_t m_g = g_m[g] & 0xffffffffu; /* the group's values per item */
      add_coincidences_times(o, n_c, k, a->values + from, to - from, m_g,
                             drawn[g]);
      n += drawn[g] * m_g;
    }
    cb_agree_alpha_result r;
    alpha_from(&r, k, o, n_c, n, m, &s);
    if (r.defined)
      alphas[n_defined++] = r.alpha;
  }
  cb_free(pattern);
  cb_free(first);
  cb_free(g_m);
  cb_free(drawn);
  out->n_defined = n_defined;
  if (n_defined >= 2) {
    qsort(alphas, n_defined, sizeof *alphas, compare_double);
    out->lo = quantile(alphas, n_defined, 0.025);
    out->hi = quantile(alphas, n_defined, 0.975);
    out->defined = 1;
  }
  err = 0;
done:
  scratch_free(&s);
  cb_free(o);
  cb_free(n_c);
  cb_free(alphas);
  return err;
}

static cb_agree_figure figure(double num, double den) {
  cb_agree_figure f;
  f.defined = den > 0;
  f.value = f.defined ? num / den : NAN;
  return f;
}

cb_agree_figure cb_agree__alpha_percent(const cb_agree_alpha *a) {
  double agree = 0;
  for (size_t c = 0; c < a->k; c++)
    agree += a->o[c * a->k + c];
  return figure(agree, (double)a->n);
}

/* ------------------------------------------------------------------ */
/* Kappas                                                             */
/* ------------------------------------------------------------------ */

static cb_agree_kappa kappa_undefined(void) {
  cb_agree_kappa kp;
  kp.kappa = kp.p_o = kp.p_e = NAN;
  kp.defined = 0;
  kp.n_items = kp.n_excluded = 0;
  return kp;
}

/* Fleiss (1971): with N items rated m times each and n_ij the ratings
 * of item i in category j, P_i = sum_j n_ij (n_ij - 1) / (m (m - 1)),
 * P = mean of P_i, p_j = sum_i n_ij / (N m), P_e = sum_j p_j^2 and
 * kappa = (P - P_e) / (1 - P_e). */
cb_agree_kappa cb_agree__alpha_fleiss(const cb_agree_alpha *a,
                                      size_t n_raters) {
  cb_agree_kappa kp = kappa_undefined();
  size_t r = a->n_fleiss;
  if (n_raters == 0) {
    for (size_t i = 0; i < a->n_fleiss; i++) {
      const uint64_t *row = FLEISS_ROW(a, i);
      if (r == a->n_fleiss || row[1] > FLEISS_ROW(a, r)[1] ||
          (row[1] == FLEISS_ROW(a, r)[1] && row[0] > FLEISS_ROW(a, r)[0]))
        r = i;
    }
  } else {
    r = fleiss_row(a, n_raters);
  }
  kp.n_excluded = a->n_items + a->n_unpaired;
  if (r == a->n_fleiss)
    return kp;
  const uint64_t *row = FLEISS_ROW(a, r);
  double m = (double)row[0], items = (double)row[1];
  kp.n_items = (size_t)row[1];
  kp.n_excluded -= kp.n_items;
  kp.p_o = (double)row[2] / (items * m * (m - 1));
  double p_e = 0;
  for (size_t j = 0; j < a->k; j++) {
    double p = (double)row[3 + j] / (items * m);
    p_e += p * p;
  }
  kp.p_e = p_e;
  if (!(1 - p_e > 0))
    return kp;
  kp.kappa = (kp.p_o - p_e) / (1 - p_e);
  kp.defined = 1;
  return kp;
}

int cb_agree__confusion_new(cb_agree_confusion **out, size_t k) {
  *out = NULL;
  if (k == 0 || k > UINT32_MAX || too_many(k, k) || k * k > SIZE_MAX - 2 * k ||
      too_many(k * k + 2 * k, sizeof(uint64_t)))
    return CB_EUSAGE;
  cb_agree_confusion *c = cb_malloc(sizeof *c);
  if (!c)
    return CB_ENOMEM;
  c->counts = cb_calloc(k * k + 2 * k, sizeof *c->counts);
  if (!c->counts) {
    cb_free(c);
    return CB_ENOMEM;
  }
  c->rows = c->counts + k * k;
  c->cols = c->rows + k;
  c->k = k;
  c->total = 0;
  *out = c;
  return 0;
}

void cb_agree__confusion_free(cb_agree_confusion *c) {
  if (!c)
    return;
  cb_free(c->counts);
  cb_free(c);
}

int cb_agree__confusion_add(cb_agree_confusion *c, uint32_t row, uint32_t col) {
  if (row >= c->k || col >= c->k)
    return CB_EUSAGE;
  c->counts[(size_t)row * c->k + col]++;
  c->rows[row]++;
  c->cols[col]++;
  c->total++;
  return 0;
}

int cb_agree__confusion_add_pairs(cb_agree_confusion *c, const int32_t *a,
                                  const int32_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((a[i] >= 0 && (uint32_t)a[i] >= c->k) ||
        (b[i] >= 0 && (uint32_t)b[i] >= c->k))
      return CB_EUSAGE;
  for (size_t i = 0; i < n; i++)
    if (a[i] >= 0 && b[i] >= 0)
      cb_agree__confusion_add(c, (uint32_t)a[i], (uint32_t)b[i]);
  return 0;
}

int cb_agree__confusion_merge(cb_agree_confusion *dst,
                              const cb_agree_confusion *src) {
  if (dst->k != src->k)
    return CB_EUSAGE;
  for (size_t i = 0; i < dst->k * dst->k + 2 * dst->k; i++)
    dst->counts[i] += src->counts[i]; /* the rows and columns too */
  dst->total += src->total;
  return 0;
}

cb_agree_figure cb_agree__confusion_accuracy(const cb_agree_confusion *c) {
  uint64_t diag = 0;
  for (size_t i = 0; i < c->k; i++)
    diag += c->counts[i * c->k + i];
  return figure((double)diag, (double)c->total);
}

cb_agree_figure cb_agree__confusion_precision(const cb_agree_confusion *c,
                                              uint32_t k) {
  assert(k < c->k);
  return figure((double)c->counts[(size_t)k * c->k + k], (double)c->cols[k]);
}

cb_agree_figure cb_agree__confusion_recall(const cb_agree_confusion *c,
                                           uint32_t k) {
  assert(k < c->k);
  return figure((double)c->counts[(size_t)k * c->k + k], (double)c->rows[k]);
}

/* Cohen (1960), weighted as in Cohen (1968): kappa_w = 1 - sum w_ij O_ij
 * / sum w_ij E_ij with E_ij = row_i col_j / N. Unweighted (w = 1 off the
 * diagonal) it is (p_o - p_e) / (1 - p_e). */
cb_agree_kappa cb_agree__cohen(const cb_agree_confusion *c, cb_agree_weights w,
                               const double *values) {
  cb_agree_kappa kp = kappa_undefined();
  size_t k = c->k;
  if (c->total == 0)
    return kp;
  double n = (double)c->total;
  double observed = 0, expected = 0, diag = 0, chance = 0;
  for (size_t i = 0; i < k; i++) {
    diag += (double)c->counts[i * k + i];
    chance += (double)c->rows[i] * (double)c->cols[i];
    for (size_t j = 0; j < k; j++) {
      if (i == j)
        continue;
      double d = values ? values[i] - values[j] : (double)i - (double)j;
      double weight = w == CB_AGREE_UNWEIGHTED ? 1
                      : w == CB_AGREE_LINEAR   ? fabs(d)
                                               : d * d;
      observed += weight * (double)c->counts[i * k + j];
      expected += weight * (double)c->rows[i] * (double)c->cols[j] / n;
    }
  }
  kp.n_items = (size_t)c->total;
  kp.p_o = diag / n;
  kp.p_e = chance / (n * n);
  if (!(expected > 0))
    return kp;
  kp.kappa = 1 - observed / expected;
  kp.defined = 1;
  return kp;
}

/* ------------------------------------------------------------------ */
/* Accuracy against gold                                              */
/* ------------------------------------------------------------------ */

void cb_agree__error_add(cb_agree_error *e, double gold, double answer) {
  double d = answer - gold;
  e->n++;
  e->exact += d == 0;
  e->sum_abs += fabs(d);
  e->sum_sq += d * d;
}

void cb_agree__error_merge(cb_agree_error *dst, const cb_agree_error *src) {
  dst->n += src->n;
  dst->exact += src->exact;
  dst->sum_abs += src->sum_abs;
  dst->sum_sq += src->sum_sq;
}

cb_agree_figure cb_agree__error_mae(const cb_agree_error *e) {
  return figure(e->sum_abs, (double)e->n);
}

cb_agree_figure cb_agree__error_rmse(const cb_agree_error *e) {
  cb_agree_figure f = figure(e->sum_sq, (double)e->n);
  if (f.defined)
    f.value = sqrt(f.value);
  return f;
}

cb_agree_figure cb_agree__error_exact(const cb_agree_error *e) {
  return figure((double)e->exact, (double)e->n);
}

void cb_agree__sets_init(cb_agree_sets *s, size_t n_options) {
  assert(n_options <= CB_AGREE_MAX_OPTIONS);
  memset(s, 0, sizeof *s);
  s->n_options = n_options;
}

static uint64_t option_mask(size_t n_options) {
  return n_options >= 64 ? UINT64_MAX : ((uint64_t)1 << n_options) - 1;
}

void cb_agree__sets_add(cb_agree_sets *s, uint64_t gold, uint64_t answer) {
  uint64_t mask = option_mask(s->n_options);
  gold &= mask;
  answer &= mask;
  size_t both = 0, either = 0;
  for (size_t i = 0; i < s->n_options; i++) {
    int g = (gold >> i) & 1, a = (answer >> i) & 1;
    s->tp[i] += g && a;
    s->fp[i] += !g && a;
    s->fn[i] += g && !a;
    both += g && a;
    either += g || a;
  }
  s->n++;
  s->exact += gold == answer;
  s->jaccard_sum += either ? (double)both / (double)either : 1;
}

void cb_agree__sets_merge(cb_agree_sets *dst, const cb_agree_sets *src) {
  assert(dst->n_options == src->n_options);
  for (size_t i = 0; i < dst->n_options; i++) {
    dst->tp[i] += src->tp[i];
    dst->fp[i] += src->fp[i];
    dst->fn[i] += src->fn[i];
  }
  dst->n += src->n;
  dst->exact += src->exact;
  dst->jaccard_sum += src->jaccard_sum;
}

cb_agree_figure cb_agree__sets_precision(const cb_agree_sets *s, size_t i) {
  assert(i < s->n_options);
  return figure((double)s->tp[i], (double)(s->tp[i] + s->fp[i]));
}

cb_agree_figure cb_agree__sets_recall(const cb_agree_sets *s, size_t i) {
  assert(i < s->n_options);
  return figure((double)s->tp[i], (double)(s->tp[i] + s->fn[i]));
}

cb_agree_figure cb_agree__sets_jaccard(const cb_agree_sets *s) {
  return figure(s->jaccard_sum, (double)s->n);
}

cb_agree_figure cb_agree__sets_exact(const cb_agree_sets *s) {
  return figure((double)s->exact, (double)s->n);
}

/* Kendall (1945) tau-b: every pair once, concordant when both sides
 * order it the same way, discordant when opposite, tied in x or in y
 * (a pair tied in both counts in both n1 and n2). */
cb_agree_figure cb_agree__kendall_tau_b(const double *x, const double *y,
                                        size_t n) {
  double concordant = 0, discordant = 0, tied_x = 0, tied_y = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      assert(!isnan(x[i]) && !isnan(y[i]) && !isnan(x[j]) && !isnan(y[j]));
      int sx = (x[i] < x[j]) - (x[i] > x[j]);
      int sy = (y[i] < y[j]) - (y[i] > y[j]);
      tied_x += sx == 0;
      tied_y += sy == 0;
      if (sx * sy > 0)
        concordant++;
      else if (sx * sy < 0)
        discordant++;
    }
  double n0 = (double)n * ((double)n - 1) / 2;
  double den = (n0 - tied_x) * (n0 - tied_y);
  cb_agree_figure f = figure(concordant - discordant, den);
  if (f.defined)
    f.value = (concordant - discordant) / sqrt(den);
  return f;
}
