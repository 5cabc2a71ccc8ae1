/* SPDX-License-Identifier: MIT */
/*
 * consensus.c: majority vote and Dawid-Skene's EM over annotators'
 * nominal labels (consensus.h). Deterministic by construction: the
 * labels are sorted before anything is summed, every loop runs in index
 * order and ties go to the lowest class.
 */
#include "consensus.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agree.h"
#include "alloc.h"
#include "casebook/errors.h"

cb_consensus_options cb_consensus__defaults(void) {
  cb_consensus_options o;
  o.max_iterations = 1000;
  o.tolerance = 1e-6;
  o.smoothing = 0.01;
  return o;
}

void cb_consensus__free(cb_consensus *c) {
  if (!c)
    return;
  cb_free(c->posterior);
  cb_free(c->label);
  cb_free(c->votes);
  cb_free(c->confusion);
  cb_free(c->labelled);
  cb_free(c->prior);
  cb_free(c);
}

double cb_consensus__accuracy(const cb_consensus *c, size_t annotator) {
  size_t k = c->n_classes;
  const double *pi = c->confusion + annotator * k * k;
  double acc = 0;
  for (size_t j = 0; j < k; j++)
    acc += c->prior[j] * pi[j * k + j];
  return acc;
}

static int compare_labels(const void *pa, const void *pb) {
  const cb_consensus_label *a = pa, *b = pb;
  if (a->item != b->item)
    return a->item < b->item ? -1 : 1;
  if (a->annotator != b->annotator)
    return a->annotator < b->annotator ? -1 : 1;
  return a->label < b->label ? -1 : a->label > b->label;
}

/* What one run works on besides the result. */
typedef struct run_state {
  cb_consensus_label *labels; /* sorted copy */
  size_t n_labels;
  size_t *item_start;    /* n_items + 1: item i's labels from here */
  double *log_confusion; /* n_annotators * k * k */
  double *next;          /* n_items * k: the E-step's posteriors */
} run_state;

/* n * size would overflow. */
static int too_many(size_t n, size_t size) {
  return size != 0 && n > SIZE_MAX / size;
}

/* The M-step: the prior and every annotator's confusion matrix from the
 * posteriors (Dawid and Skene 1979), with additive smoothing s. */
static void m_step(cb_consensus *r, const run_state *st, double s) {
  size_t k = r->n_classes, n_labelled_items = 0;
  for (size_t c = 0; c < k; c++)
    r->prior[c] = 0;
  for (size_t i = 0; i < r->n_items; i++) {
    if (!r->votes[i])
      continue;
    n_labelled_items++;
    for (size_t c = 0; c < k; c++)
      r->prior[c] += r->posterior[i * k + c];
  }
  for (size_t c = 0; c < k; c++)
    r->prior[c] =
        (r->prior[c] + s) / ((double)n_labelled_items + (double)k * s);

  size_t cells = r->n_annotators * k * k;
  for (size_t x = 0; x < cells; x++)
    r->confusion[x] = 0;
  for (size_t x = 0; x < st->n_labels; x++) {
    const cb_consensus_label *lb = &st->labels[x];
    double *pi = r->confusion + (size_t)lb->annotator * k * k;
    const double *t = r->posterior + (size_t)lb->item * k;
    for (size_t c = 0; c < k; c++)
      pi[c * k + lb->label] += t[c];
  }
  for (size_t row = 0; row < r->n_annotators * k; row++) {
    double *pi = r->confusion + row * k, mass = 0;
    for (size_t l = 0; l < k; l++)
      mass += pi[l];
    for (size_t l = 0; l < k; l++)
      pi[l] = (pi[l] + s) / (mass + (double)k * s);
  }
  for (size_t x = 0; x < cells; x++)
    st->log_confusion[x] = log(r->confusion[x]);
}

/* The E-step into st->next: each labelled item's posterior given the
 * parameters (Dawid and Skene 1979), in logarithms. Returns the
 * largest change of a posterior and sets the log-likelihood. */
static double e_step(cb_consensus *r, const run_state *st) {
  size_t k = r->n_classes;
  double largest = 0, ll = 0;
  double *lp = st->next; /* each item's row is its own scratch */
  for (size_t i = 0; i < r->n_items; i++) {
    double *row = lp + i * k;
    if (!r->votes[i]) {
      memcpy(row, r->posterior + i * k, k * sizeof *row);
      continue;
    }
    for (size_t c = 0; c < k; c++)
      row[c] = log(r->prior[c]);
    for (size_t x = st->item_start[i]; x < st->item_start[i + 1]; x++) {
      const cb_consensus_label *lb = &st->labels[x];
      const double *lpi = st->log_confusion + (size_t)lb->annotator * k * k;
      for (size_t c = 0; c < k; c++)
        row[c] += lpi[c * k + lb->label];
    }
    double top = row[0], sum = 0;
    for (size_t c = 1; c < k; c++)
      if (row[c] > top)
        top = row[c];
    for (size_t c = 0; c < k; c++) {
      row[c] = exp(row[c] - top);
      sum += row[c];
    }
    ll += top + log(sum);
    for (size_t c = 0; c < k; c++) {
      row[c] /= sum;
      double d = fabs(row[c] - r->posterior[i * k + c]);
      if (d > largest)
        largest = d;
    }
  }
  r->log_likelihood = ll;
  return largest;
}

static int run(cb_consensus **out, const cb_consensus_label *labels,
               size_t n_labels, size_t n_items, size_t n_annotators,
               size_t n_classes, const cb_consensus_options *options, int em) {
  int err = CB_ENOMEM;
  size_t k = n_classes;
  cb_consensus *r = NULL;
  run_state st;
  memset(&st, 0, sizeof st);
  *out = NULL;
  if (k == 0 || !(options->smoothing > 0) || !(options->tolerance >= 0) ||
      too_many(n_items, k) || too_many(n_items * k, sizeof(double)) ||
      too_many(n_annotators, k * k) ||
      too_many(n_annotators * k * k, sizeof(double)) ||
      too_many(n_labels, sizeof *labels) || n_items == SIZE_MAX ||
      too_many(n_items + 1, sizeof(size_t)) || n_labels > UINT32_MAX)
    return CB_EUSAGE;
  for (size_t x = 0; x < n_labels; x++)
    if (labels[x].item >= n_items || labels[x].annotator >= n_annotators ||
        labels[x].label >= k)
      return CB_EUSAGE;

  r = cb_calloc(1, sizeof *r);
  if (!r)
    goto done;
  r->n_items = n_items;
  r->n_annotators = n_annotators;
  r->n_classes = k;
  /* calloc(0, ...) may give NULL: ask for at least one element */
  r->posterior = cb_calloc(n_items * k + 1, sizeof *r->posterior);
  r->label = cb_calloc(n_items + 1, sizeof *r->label);
  r->votes = cb_calloc(n_items + 1, sizeof *r->votes);
  r->confusion = cb_calloc(n_annotators * k * k + 1, sizeof *r->confusion);
  r->labelled = cb_calloc(n_annotators + 1, sizeof *r->labelled);
  r->prior = cb_calloc(k, sizeof *r->prior);
  st.labels = cb_malloc((n_labels + 1) * sizeof *st.labels);
  st.item_start = cb_calloc(n_items + 1, sizeof *st.item_start);
  st.log_confusion =
      cb_calloc(n_annotators * k * k + 1, sizeof *st.log_confusion);
  st.next = cb_calloc(n_items * k + 1, sizeof *st.next);
  if (!r->posterior || !r->label || !r->votes || !r->confusion ||
      !r->labelled || !r->prior || !st.labels || !st.item_start ||
      !st.log_confusion || !st.next)
    goto done;

  if (n_labels)
    memcpy(st.labels, labels, n_labels * sizeof *labels);
  st.n_labels = n_labels;
  qsort(st.labels, n_labels, sizeof *st.labels, compare_labels);
  for (size_t x = 0; x < n_labels; x++) {
    r->votes[st.labels[x].item]++;
    r->labelled[st.labels[x].annotator]++;
  }
  for (size_t i = 0; i < n_items; i++)
    st.item_start[i + 1] = st.item_start[i] + r->votes[i];

  /* the majority vote's shares: Dawid and Skene's starting point */
  for (size_t x = 0; x < n_labels; x++) {
    const cb_consensus_label *lb = &st.labels[x];
    r->posterior[(size_t)lb->item * k + lb->label] += 1.0 / r->votes[lb->item];
  }
  m_step(r, &st, options->smoothing);
  if (em) {
    for (size_t it = 0; it < options->max_iterations; it++) {
      if (it > 0)
        m_step(r, &st, options->smoothing);
      double moved = e_step(r, &st);
      double *swap = r->posterior;
      r->posterior = st.next;
      st.next = swap;
      r->iterations++;
      if (moved <= options->tolerance) {
        r->converged = 1;
        break;
      }
    }
  }

  for (size_t i = 0; i < n_items; i++) {
    double *row = r->posterior + i * k;
    if (!r->votes[i])
      memcpy(row, r->prior, k * sizeof *row);
    uint32_t best = 0;
    for (size_t c = 1; c < k; c++)
      if (row[c] > row[best])
        best = (uint32_t)c;
    r->label[i] = best;
  }
  *out = r;
  r = NULL;
  err = 0;
done:
  cb_consensus__free(r);
  cb_free(st.labels);
  cb_free(st.item_start);
  cb_free(st.log_confusion);
  cb_free(st.next);
  return err;
}

int cb_consensus__majority(cb_consensus **out, const cb_consensus_label *labels,
                           size_t n_labels, size_t n_items, size_t n_annotators,
                           size_t n_classes,
                           const cb_consensus_options *options) {
  return run(out, labels, n_labels, n_items, n_annotators, n_classes, options,
             0);
}

int cb_consensus__dawid_skene(cb_consensus **out,
                              const cb_consensus_label *labels, size_t n_labels,
                              size_t n_items, size_t n_annotators,
                              size_t n_classes,
                              const cb_consensus_options *options) {
  return run(out, labels, n_labels, n_items, n_annotators, n_classes, options,
             1);
}
