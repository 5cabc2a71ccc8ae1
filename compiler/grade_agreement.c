/* SPDX-License-Identifier: MIT */
/*
 * grade_agreement.c: agreement on one question of a grade: Krippendorff's alpha
 * at the levels of its type with bootstrap intervals, Fleiss' kappa,
 * Cohen's kappa for every pair of annotators, and the Dawid-Skene
 * consensus of a choice question (docs/grade.md, "What it computes").
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consensus.h"
#include "grade_impl.h"
#include "model_json.h"

#define MIN_COHEN_ITEMS 10

/* ---- Finishing: agreement ------------------------------------------------ */

/* The bootstrap is bounded: resamples x items at most this many draws
 * per level, the resamples never fewer than MIN_RESAMPLES (docs/grade.md). */
#define BOOTSTRAP_BUDGET 20000000.0
#define MIN_RESAMPLES 200
#define MAX_PAIR_ANNOTATORS 2048
#define MAX_SCALE_CODES 1000

/* alpha at level m into *alpha and its interval into *ci. */
static int alpha_level(finish *f, const cb_agree_alpha *acc,
                       const cb_agree_metric *m, json_t **alpha, json_t **ci,
                       cb_agree_alpha_result *res, size_t *resamples) {
  cb_agree_alpha_result r;
  if (cb_agree__alpha_compute(&r, acc, m) < 0)
    return -1;
  *alpha = cb_grade__fig(r.alpha, r.defined);
  if (res)
    *res = r;
  if (!ci)
    return 0;
  *ci = json_null();
  if (!r.defined)
    return 0;
  size_t n = f->g->opts.resamples;
  if ((double)n * (double)r.n_items > BOOTSTRAP_BUDGET)
    n = (size_t)(BOOTSTRAP_BUDGET / (double)r.n_items);
  if (n < MIN_RESAMPLES)
    n = MIN_RESAMPLES;
  *resamples = n;
  cb_agree_interval iv;
  if (cb_agree__alpha_bootstrap(&iv, acc, m, n, f->g->opts.seed) < 0) {
    json_decref(*alpha);
    json_decref(*ci);
    *alpha = *ci = NULL;
    return -1;
  }
  if (iv.defined) {
    json_decref(*ci);
    *ci = json_array();
    json_array_append_new(*ci, cb_grade__fig(iv.lo, 1));
    json_array_append_new(*ci, cb_grade__fig(iv.hi, 1));
  }
  return 0;
}

typedef struct pairs {
  size_t n_anns;
  int32_t *index; /* n_anns * n_anns: a pair's matrix + 1, 0 none */
  cb_agree_confusion **conf;
  uint32_t *a, *b;
  size_t n, cap;
} pairs;

static int pair_add(pairs *p, uint32_t a, uint32_t b, uint32_t ca,
                    uint32_t cb_, size_t k) {
  int32_t *slot = &p->index[(size_t)a * p->n_anns + b];
  if (!*slot) {
    if (cb_vec_grow((void **)&p->conf, &p->cap, p->n + 1, sizeof *p->conf) <
        0)
      return -1;
    uint32_t *na = cb_realloc(p->a, p->cap * sizeof *na);
    if (!na)
      return -1;
    p->a = na;
    uint32_t *nb = cb_realloc(p->b, p->cap * sizeof *nb);
    if (!nb)
      return -1;
    p->b = nb;
    if (cb_agree__confusion_new(&p->conf[p->n], k) < 0)
      return -1;
    p->a[p->n] = a;
    p->b[p->n] = b;
    *slot = (int32_t)++p->n;
  }
  return cb_agree__confusion_add(p->conf[*slot - 1], ca, cb_);
}

static void pairs_free(pairs *p) {
  for (size_t i = 0; i < p->n; i++)
    cb_agree__confusion_free(p->conf[i]);
  cb_free(p->conf);
  cb_free(p->a);
  cb_free(p->b);
  cb_free(p->index);
}

static int cmp_pair(const void *x, const void *y, const pairs *p) {
  size_t i = *(const size_t *)x, j = *(const size_t *)y;
  if (p->a[i] != p->a[j])
    return p->a[i] < p->a[j] ? -1 : 1;
  return p->b[i] < p->b[j] ? -1 : p->b[i] > p->b[j];
}

static const pairs *sort_pairs;
static int cmp_pair_q(const void *x, const void *y) {
  return cmp_pair(x, y, sort_pairs);
}

/* The cells of question qi in row r that count (not repeated, not set
 * apart for re-review): their range in the sorted cells. */
static uint32_t q_cells(const grow *r, uint16_t qi, uint32_t *from) {
  uint32_t lo = 0, hi = r->n; /* the first cell of question qi or later */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (r->cells[mid].q < qi)
      lo = mid + 1;
    else
      hi = mid;
  }
  uint32_t i = lo;
  *from = i;
  uint32_t n = 0;
  while (i + n < r->n && r->cells[i + n].q == qi)
    n++;
  return n;
}

static int counts(const gcell *c) {
  return !(c->flags & (CELL_DUPLICATE | CELL_REREVIEW));
}

/* The agreement object of question qi; consensus lines of a choice
 * question go to g->consensus and its summary to *cons. */
json_t *cb_grade__agreement(finish *f, size_t qi, json_t **cons) {
  cb_grade *g = f->g;
  const cb_question *q = &g->book->questions[qi];
  json_t *o = json_object();
  json_t *ka = json_object(), *ci = json_object(), *kappas = json_array();
  json_t *masi = json_null(), *per_option = json_null(), *fleiss = json_null();
  json_object_set_new(ka, "nominal", json_null());
  json_object_set_new(ka, "ordinal", json_null());
  json_object_set_new(ka, "interval", json_null());
  json_object_set_new(ci, "nominal", json_null());
  json_object_set_new(ci, "ordinal", json_null());
  json_object_set_new(ci, "interval", json_null());
  *cons = json_null();

  size_t k = 0;
  double *values = NULL;
  int offset = 0;
  switch (q->type) {
  case CB_Q_CHOICE: k = q->n_options; break;
  case CB_Q_SCALE:
    if (q->scale_max >= q->scale_min &&
        (long long)q->scale_max - q->scale_min < MAX_SCALE_CODES) {
      k = (size_t)(q->scale_max - q->scale_min + 1);
      offset = q->scale_min;
    }
    break;
  case CB_Q_PAIRWISE: k = 5; offset = 0; break;
  case CB_Q_MULTI: k = g->sets.n ? g->sets.n : 1; break;
  case CB_Q_RANK:
  case CB_Q_TEXT: break;
  }

  cb_agree_alpha *acc = NULL, **opt = NULL;
  size_t n_opt = q->type == CB_Q_MULTI ? q->n_options : 0;
  uint32_t *codes = NULL;
  size_t cap_codes = 0;
  pairs pr;
  memset(&pr, 0, sizeof pr);
  int want_pairs = (q->type == CB_Q_CHOICE || q->type == CB_Q_SCALE ||
                    q->type == CB_Q_PAIRWISE) &&
                   g->n_anns <= MAX_PAIR_ANNOTATORS;
  cb_consensus_label *labels = NULL;
  size_t n_labels = 0, cap_labels = 0, n_units = 0;
  uint32_t *unit_row = NULL;
  size_t cap_unit_row = 0;
  size_t items = 0, pairable = 0, resamples = 0;
  cb_agree_alpha_result prim;
  memset(&prim, 0, sizeof prim);

  if (k) {
    if (cb_agree__alpha_new(&acc, k, 1) < 0)
      goto oom;
    if (n_opt) {
      opt = cb_calloc(n_opt, sizeof *opt);
      if (!opt)
        goto oom;
      for (size_t i = 0; i < n_opt; i++)
        if (cb_agree__alpha_new(&opt[i], 2, 0) < 0)
          goto oom;
    }
    if (want_pairs && g->n_anns) {
      pr.n_anns = g->n_anns;
      pr.index = cb_calloc(g->n_anns * g->n_anns, sizeof *pr.index);
      if (!pr.index)
        goto oom;
    }
  }
  for (size_t r = 0; k && r < g->n_rows; r++) {
    const grow *row = &g->rows[r];
    uint32_t from, n = q_cells(row, (uint16_t)qi, &from);
    if (!n)
      continue;
    if (cb_vec_grow((void **)&codes, &cap_codes, n, sizeof *codes) < 0)
      goto oom;
    size_t m = 0;
    const gcell *cs = row->cells + from;
    for (uint32_t i = 0; i < n; i++)
      if (counts(&cs[i]))
        codes[m++] = (uint32_t)((int32_t)cs[i].v - offset);
    if (!m)
      continue;
    if (cb_agree__alpha_add(acc, codes, m) < 0)
      goto oom;
    for (size_t o2 = 0; o2 < n_opt; o2++) {
      uint32_t bits[64];
      size_t mm = m < 64 ? m : 64;
      for (size_t i = 0; i < mm; i++)
        bits[i] = (uint32_t)((g->sets.masks[codes[i]] >> o2) & 1);
      if (cb_agree__alpha_add(opt[o2], bits, mm) < 0)
        goto oom;
    }
    for (uint32_t a = 0; pr.index && a < n; a++) {
      if (!counts(&cs[a]))
        continue;
      for (uint32_t b = a + 1; b < n; b++)
        if (counts(&cs[b]) &&
            pair_add(&pr, cs[a].ann, cs[b].ann,
                     (uint32_t)((int32_t)cs[a].v - offset),
                     (uint32_t)((int32_t)cs[b].v - offset), k) < 0)
          goto oom;
    }
    if (q->type == CB_Q_CHOICE) {
      for (uint32_t i = 0; i < n; i++) {
        if (!counts(&cs[i]))
          continue;
        cb_consensus_label l = {(uint32_t)n_units, cs[i].ann, cs[i].v};
        if (CB_VEC_PUSH(labels, n_labels, cap_labels, l) < 0)
          goto oom;
      }
      uint32_t ru = (uint32_t)r;
      if (cb_vec_grow((void **)&unit_row, &cap_unit_row, n_units + 1,
                      sizeof *unit_row) < 0)
        goto oom;
      unit_row[n_units++] = ru;
    }
  }

  if (k) {
    cb_agree_metric m = {CB_AGREE_NOMINAL, NULL, NULL};
    json_t *a = NULL, *c = NULL;
    switch (q->type) {
    case CB_Q_CHOICE:
      if (alpha_level(f, acc, &m, &a, &c, &prim, &resamples) < 0)
        goto oom;
      json_object_set_new(ka, "nominal", a);
      json_object_set_new(ci, "nominal", c);
      break;
    case CB_Q_SCALE:
    case CB_Q_PAIRWISE: {
      values = cb_calloc(k, sizeof *values);
      if (!values)
        goto oom;
      for (size_t i = 0; i < k; i++)
        values[i] = (double)((int)i + (q->type == CB_Q_SCALE ? offset : -2));
      m.values = values;
      m.level = CB_AGREE_ORDINAL;
      if (alpha_level(f, acc, &m, &a, &c, &prim, &resamples) < 0)
        goto oom;
      json_object_set_new(ka, "ordinal", a);
      json_object_set_new(ci, "ordinal", c);
      if (q->type == CB_Q_SCALE) {
        m.level = CB_AGREE_INTERVAL;
        if (alpha_level(f, acc, &m, &a, &c, &prim, &resamples) < 0)
          goto oom;
        json_object_set_new(ka, "interval", a);
        json_object_set_new(ci, "interval", c);
      }
      break;
    }
    case CB_Q_MULTI: {
      m.level = CB_AGREE_MASI;
      m.sets = g->sets.masks;
      json_t *mci = NULL;
      if (!g->sets.n) {
        masi = json_null();
        break;
      }
      json_decref(masi);
      if (alpha_level(f, acc, &m, &masi, &mci, &prim, &resamples) < 0)
        goto oom;
      json_object_set_new(o, "alpha_masi_ci95", mci);
      json_decref(per_option);
      per_option = json_object();
      cb_agree_metric nom = {CB_AGREE_NOMINAL, NULL, NULL};
      for (size_t i = 0; i < n_opt; i++) {
        json_t *pa = NULL;
        if (alpha_level(f, opt[i], &nom, &pa, NULL, NULL, NULL) < 0)
          goto oom;
        json_object_set_new(per_option, q->options[i].id, pa);
      }
      break;
    }
    case CB_Q_RANK:
    case CB_Q_TEXT: break;
    }
    items = prim.n_items;
    pairable = prim.n_pairable;
    if (q->type == CB_Q_CHOICE) {
      cb_agree_kappa fk = cb_agree__alpha_fleiss(acc, 0);
      json_decref(fleiss);
      fleiss = cb_grade__fig(fk.kappa, fk.defined);
    }
  }
  json_object_set_new(o, "items", json_integer((json_int_t)items));
  json_object_set_new(o, "pairable_values", json_integer((json_int_t)pairable));
  json_object_set_new(o, "percent", acc ? cb_grade__figure(cb_agree__alpha_percent(acc))
                                        : json_null());
  json_object_set_new(o, "krippendorff_alpha", ka);
  json_object_set_new(o, "alpha_ci95", ci);
  json_object_set_new(o, "alpha_masi", masi);
  json_object_set_new(o, "alpha_per_option", per_option);
  json_object_set_new(o, "fleiss_kappa", fleiss);
  json_object_set_new(o, "resamples", json_integer((json_int_t)resamples));
  /* o owns them now */
  ka = ci = masi = per_option = fleiss = NULL;

  /* Cohen's kappa of every pair with enough shared items */
  if (pr.n) {
    size_t *idx = cb_calloc(pr.n, sizeof *idx);
    if (!idx)
      goto oom;
    for (size_t i = 0; i < pr.n; i++)
      idx[i] = i;
    sort_pairs = &pr;
    qsort(idx, pr.n, sizeof *idx, cmp_pair_q);
    /* cells are sorted by annotator: every pair was read as (a, b) with
     * a < b */
    for (size_t j = 0; j < pr.n; j++) {
      size_t i = idx[j];
      cb_agree_confusion *c = pr.conf[i];
      if (c->total < MIN_COHEN_ITEMS)
        continue;
      cb_agree_kappa kk = cb_agree__cohen(c, CB_AGREE_UNWEIGHTED, NULL);
      json_t *w = json_null();
      if (q->type == CB_Q_SCALE || q->type == CB_Q_PAIRWISE) {
        cb_agree_kappa wk = cb_agree__cohen(c, CB_AGREE_QUADRATIC, values);
        json_decref(w);
        w = cb_grade__fig(wk.kappa, wk.defined);
      }
      json_array_append_new(
          kappas, cb_grade__object_of("a", json_string(g->anns[pr.a[i]]), "b",
                            json_string(g->anns[pr.b[i]]), "items",
                            cb_grade__count(c->total), "kappa",
                            cb_grade__fig(kk.kappa, kk.defined), "weighted_kappa", w,
                            NULL));
    }
    cb_free(idx);
  }
  json_object_set_new(o, "cohen_kappa", kappas);
  kappas = NULL;

  const char *undefined = NULL;
  if (q->type == CB_Q_RANK || q->type == CB_Q_TEXT)
    undefined = "agreement is not measured for this type of question";
  else if (!items)
    undefined = "no item has answers from two annotators";
  else if (!prim.defined)
    undefined = "every answer is the same, so there is no variation to "
                "measure: alpha and kappa are undefined (not 1)";
  json_object_set_new(o, "undefined",
                      undefined ? json_string(undefined) : json_null());

  /* consensus of a choice question */
  if (q->type == CB_Q_CHOICE && n_units && k) {
    cb_consensus *ds = NULL, *mv = NULL;
    cb_consensus_options co = cb_consensus__defaults();
    if (cb_consensus__dawid_skene(&ds, labels, n_labels, n_units, g->n_anns,
                                  k, &co) < 0 ||
        cb_consensus__majority(&mv, labels, n_labels, n_units, g->n_anns, k,
                               &co) < 0) {
      cb_consensus__free(ds);
      cb_consensus__free(mv);
      goto oom;
    }
    size_t changed = 0;
    cb_json_line line = {g->book, &g->consensus, {0}, 0};
    for (size_t u = 0; u < n_units; u++) {
      const grow *row = &g->rows[unit_row[u]];
      changed += ds->label[u] != mv->label[u];
      cb_model_json__line_open(&line, '{');
      cb_model_json__line_field(&line, "item");
      cb_model_json__line_str(&line, g->items[row->item].id);
      cb_model_json__line_field(&line, "question");
      cb_model_json__line_str(&line, q->id);
      cb_model_json__line_field(&line, "response");
      cb_model_json__line_str(&line, row->response);
      cb_model_json__line_field(&line, "label");
      cb_model_json__line_str(&line, q->options[ds->label[u]].id);
      cb_model_json__line_field(&line, "posterior");
      char num[32];
      snprintf(num, sizeof num, "%.6f",
               ds->posterior[u * k + ds->label[u]]);
      cb_buf_puts(&g->consensus, num);
      line.first[line.depth - 1] = 0;
      cb_model_json__line_field(&line, "majority");
      cb_model_json__line_str(&line, q->options[mv->label[u]].id);
      cb_model_json__line_field(&line, "votes");
      cb_model_json__line_int(&line, ds->votes[u]);
      cb_model_json__line_close(&line, '}');
      cb_buf_putc(&g->consensus, '\n');
    }
    json_decref(*cons);
    *cons = cb_grade__object_of("items", cb_grade__count(n_units), "iterations",
                      cb_grade__count(ds->iterations), "converged",
                      json_boolean(ds->converged), "changed_from_majority",
                      cb_grade__count(changed), NULL);
    for (size_t a = 0; a < g->n_anns; a++)
      if (ds->labelled[a]) {
        aq_stat *s = cb_grade__aq_of(f, (uint32_t)a, (uint16_t)qi);
        (void)s;
        json_t *ann = json_object_get(f->g->doc, "annotators");
        json_t *me = ann ? json_object_get(ann, g->anns[a]) : NULL;
        json_t *qq = me ? json_object_get(json_object_get(me, "questions"),
                                          q->id)
                        : NULL;
        if (qq)
          json_object_set_new(qq, "estimated_accuracy",
                              cb_grade__fig(cb_consensus__accuracy(ds, a), 1));
      }
    cb_consensus__free(ds);
    cb_consensus__free(mv);
  }

  goto done;
oom:
  f->failed = 1;
  json_decref(ka);
  json_decref(ci);
  json_decref(kappas);
  json_decref(masi);
  json_decref(per_option);
  json_decref(fleiss);
  json_decref(o);
  o = NULL;
done:
  cb_agree__alpha_free(acc);
  for (size_t i = 0; opt && i < n_opt; i++)
    cb_agree__alpha_free(opt[i]);
  cb_free(opt);
  cb_free(codes);
  cb_free(values);
  cb_free(labels);
  cb_free(unit_row);
  pairs_free(&pr);
  return o;
}
