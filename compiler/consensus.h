/* SPDX-License-Identifier: MIT */
/*
 * consensus.h: one label per item from several annotators' nominal
 * labels, for `casebook grade`: majority vote, and Dawid-Skene (1979),
 * which weighs each annotator by an estimated confusion matrix and gives
 * each item a posterior over the classes. agree.h has the agreement
 * figures.
 */
#ifndef CB_CONSENSUS_H
#define CB_CONSENSUS_H

#include <stddef.h>
#include <stdint.h>

/* One annotator's label of one item. Items, annotators and classes are
 * indexes from 0. An annotator labels an item at most once (a second
 * label of the same item counts as another vote). */
typedef struct cb_consensus_label {
  uint32_t item, annotator, label;
} cb_consensus_label;

/* The EM's knobs. It stops after max_iterations, or as soon as no
 * posterior moved by more than tolerance in an iteration. smoothing is
 * the pseudo-count added to every cell of every confusion matrix and to
 * every class of the prior (additive smoothing), so that no probability
 * is 0 and no log(0) is taken. */
typedef struct cb_consensus_options {
  size_t max_iterations;
  double tolerance;
  double smoothing;
} cb_consensus_options;

/* At most 1000 iterations, tolerance 1e-6, smoothing 0.01. EM creeps
 * near its fixed point: on 500 items and 5 annotators it takes a few
 * hundred iterations to move no posterior by 1e-6 (each a pass over the
 * labels), though the labels rarely change after the first 50. */
cb_consensus_options cb_consensus__defaults(void);

/* A consensus. Released with cb_consensus__free. */
typedef struct cb_consensus {
  size_t n_items, n_annotators, n_classes;
  /* n_items * n_classes: item i's probability of class c at
   * [i * n_classes + c]. Items nobody labelled get the class prior. */
  double *posterior;
  /* n_items: the most probable class of each item (the lowest class on a
   * tie). */
  uint32_t *label;
  /* n_items: the labels each item got. */
  uint32_t *votes;
  /* n_annotators * n_classes * n_classes: annotator a's probability of
   * answering l when the true class is c, at
   * [(a * n_classes + c) * n_classes + l]; each row sums to 1. */
  double *confusion;
  /* n_annotators: the labels each annotator gave. */
  uint32_t *labelled;
  /* n_classes: the estimated share of each class. */
  double *prior;
  size_t iterations; /* EM iterations run */
  int converged;     /* stopped by the tolerance, not max_iterations */
  /* The log-likelihood of the labels under the final parameters (0 for
   * the majority vote). */
  double log_likelihood;
} cb_consensus;

/* Majority vote: each item's posterior is its share of votes per class,
 * its label the class with most votes (the lowest class on a tie); the
 * confusion matrices and prior are estimated once from those shares, as
 * in Dawid-Skene's M-step. Returns 0, CB_EUSAGE (an index out of range,
 * n_classes 0) or CB_ENOMEM; *out belongs to the caller. */
int cb_consensus__majority(cb_consensus **out, const cb_consensus_label *labels,
                           size_t n_labels, size_t n_items, size_t n_annotators,
                           size_t n_classes,
                           const cb_consensus_options *options);

/* Dawid and Skene (1979), "Maximum likelihood estimation of observer
 * error-rates using the EM algorithm": starts from the majority vote's
 * shares (their initialisation), then alternates
 *   M: prior_c = (sum_i T_ic + s) / (N' + K s) over the N' items with a
 *      label, and pi_a[c][l] = (sum of T_ic over a's labels l + s) /
 *      (sum of T_ic over a's labels + K s), s the smoothing;
 *   E: T_ic proportional to prior_c * prod over item i's labels (a, l) of
 *      pi_a[c][l], in logarithms, normalised by log-sum-exp;
 * until the tolerance or max_iterations. The labels are sorted first (by
 * item, annotator, label) and every sum runs in a fixed order, so the
 * result does not depend on the order of labels and is the same bytes
 * from run to run. Annotators who labelled few items: a row of their
 * matrix with no mass is uniform (s / (K s)), never 0/0, and the others
 * are shrunk toward uniform by K s over the row's mass; with the small
 * default s a lone label is taken nearly at face value, and a larger s
 * (1: Laplace) shrinks such annotators harder. smoothing must be > 0 and
 * tolerance >= 0 (else CB_EUSAGE). Returns as cb_consensus__majority. */
int cb_consensus__dawid_skene(cb_consensus **out,
                              const cb_consensus_label *labels, size_t n_labels,
                              size_t n_items, size_t n_annotators,
                              size_t n_classes,
                              const cb_consensus_options *options);

/* Annotator a's estimated accuracy: the diagonal mass of its confusion
 * matrix weighted by the prior, sum_c prior_c pi_a[c][c]. */
double cb_consensus__accuracy(const cb_consensus *c, size_t annotator);

/* Releases c; NULL is fine. */
void cb_consensus__free(cb_consensus *c);

#endif
