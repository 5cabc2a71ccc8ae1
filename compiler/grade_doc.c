/* SPDX-License-Identifier: MIT */
/*
 * grade_doc.c: the parts of grade.json besides the agreement: gold figures
 * and confusion matrices per question, the most confused options, the
 * sections that need work, the annotators with their feedback pages, and
 * the gates.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade_impl.h"
#include "model.h"
#include "model_json.h"

#define MAX_CONFUSED 3
#define MAX_NEEDS_WORK 10

/* ---- Finishing: the document --------------------------------------------- */

static json_t *confusion_json(const cb_question *q, const cb_agree_confusion *c) {
  if (!c)
    return json_null();
  json_t *labels = json_array(), *rows = json_array();
  for (size_t i = 0; i < c->k; i++) {
    json_array_append_new(labels, json_string(q->options[i].id));
    json_t *row = json_array();
    for (size_t j = 0; j < c->k; j++)
      json_array_append_new(row,
                            json_integer((json_int_t)c->counts[i * c->k + j]));
    json_array_append_new(rows, row);
  }
  return cb_grade__object_of("labels", labels, "counts", rows, NULL);
}

json_t *cb_grade__question_gold(finish *f, size_t qi) {
  const cb_question *q = &f->g->book->questions[qi];
  const q_stat *s = &f->qs[qi];
  json_t *o = json_object();
  int num = q->type == CB_Q_SCALE || q->type == CB_Q_PAIRWISE;
  json_object_set_new(o, "items", json_integer((json_int_t)s->gold_items));
  json_object_set_new(o, "answers", json_integer((json_int_t)s->answers));
  json_object_set_new(o, "correct", json_integer((json_int_t)s->correct));
  json_object_set_new(o, "accuracy", cb_grade__ratio(s->correct, s->answers));
  json_object_set_new(o, "mae", num ? cb_grade__figure(cb_agree__error_mae(&s->err))
                                    : json_null());
  json_object_set_new(o, "rmse", num ? cb_grade__figure(cb_agree__error_rmse(&s->err))
                                     : json_null());
  json_t *jac = json_null(), *per = json_null();
  if (q->type == CB_Q_MULTI && s->sets.n) {
    json_decref(jac);
    json_decref(per);
    jac = cb_grade__figure(cb_agree__sets_jaccard(&s->sets));
    per = json_object();
    for (size_t i = 0; i < q->n_options && i < CB_AGREE_MAX_OPTIONS; i++)
      json_object_set_new(
          per, q->options[i].id,
          cb_grade__object_of("precision",
                    cb_grade__figure(cb_agree__sets_precision(&s->sets, i)), "recall",
                    cb_grade__figure(cb_agree__sets_recall(&s->sets, i)), NULL));
  }
  json_object_set_new(o, "jaccard", jac);
  json_object_set_new(o, "per_option", per);
  json_object_set_new(o, "kendall_tau",
                      q->type == CB_Q_RANK
                          ? cb_grade__fig(s->tau_n ? s->tau_sum / (double)s->tau_n : 0,
                                s->tau_n != 0)
                          : json_null());
  json_object_set_new(o, "confusion", confusion_json(q, s->conf));
  return o;
}

/* The most confused pairs of options of a choice question. */
json_t *cb_grade__confused(finish *f, size_t qi) {
  cb_grade *g = f->g;
  const cb_question *q = &g->book->questions[qi];
  const cb_agree_confusion *c = f->qs[qi].conf;
  json_t *a = json_array();
  if (!c)
    return a;
  unsigned char *used = cb_calloc(c->k * c->k + 1, 1);
  for (int n = 0; used && n < MAX_CONFUSED; n++) {
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < c->k * c->k; i++)
      if (i / c->k != i % c->k && !used[i] && c->counts[i] &&
          (best == SIZE_MAX || c->counts[i] > c->counts[best]))
        best = i;
    if (best == SIZE_MAX)
      break;
    used[best] = 1;
    const char *go = q->options[best / c->k].id, *an = q->options[best % c->k].id;
    const char *gu = cb_grade__option_url(g, q, go), *au = cb_grade__option_url(g, q, an);
    json_array_append_new(
        a, json_pack("{s:s,s:s,s:I,s:s?,s:s?}", "gold", go, "answer", an,
                     "count", (json_int_t)c->counts[best], "gold_url", gu,
                     "answer_url", au));
  }
  cb_free(used);
  return a;
}

typedef struct work {
  const char *question, *option, *url;
  double disagreement;
  uint64_t answers;
} work;

static int cmp_work(const void *x, const void *y) {
  const work *a = x, *b = y;
  if (a->disagreement != b->disagreement)
    return a->disagreement > b->disagreement ? -1 : 1;
  if (a->answers != b->answers)
    return a->answers > b->answers ? -1 : 1;
  int c = strcmp(a->question, b->question);
  if (c)
    return c;
  return strcmp(a->option ? a->option : "", b->option ? b->option : "");
}

/* Questions and options ranked by disagreement with gold (else with one
 * another): the sections that need work. */
json_t *cb_grade__needs_work(finish *f, json_t *questions) {
  cb_grade *g = f->g;
  work *w = NULL;
  size_t n = 0, cap = 0;
  for (size_t qi = 0; qi < g->book->n_questions; qi++) {
    const cb_question *q = &g->book->questions[qi];
    const q_stat *s = &f->qs[qi];
    work e = {q->id, NULL, cb_grade__site_url(g, q->chapter, "question-", q->id), 0, 0};
    if (s->answers) {
      e.disagreement = 1 - (double)s->correct / (double)s->answers;
      e.answers = s->answers;
    } else {
      json_t *ag = json_object_get(json_object_get(questions, q->id),
                                   "agreement");
      json_t *p = json_object_get(ag, "percent");
      if (!json_is_number(p))
        continue;
      e.disagreement = 1 - json_number_value(p);
      e.answers = (uint64_t)json_integer_value(
          json_object_get(ag, "pairable_values"));
    }
    if (e.disagreement > 0 && CB_VEC_PUSH(w, n, cap, e) < 0)
      f->failed = 1;
    const cb_agree_confusion *c = s->conf;
    for (size_t o = 0; c && o < c->k; o++) {
      if (!c->rows[o])
        continue;
      work oe = {q->id, q->options[o].id, cb_grade__option_url(g, q, q->options[o].id),
                 1 - (double)c->counts[o * c->k + o] / (double)c->rows[o],
                 c->rows[o]};
      if (oe.disagreement > 0 && CB_VEC_PUSH(w, n, cap, oe) < 0)
        f->failed = 1;
    }
  }
  if (n > 1)
    qsort(w, n, sizeof *w, cmp_work);
  json_t *a = json_array();
  for (size_t i = 0; i < n && i < MAX_NEEDS_WORK; i++)
    json_array_append_new(
        a, cb_grade__object_of("question", json_string(w[i].question), "option",
                     cb_grade__str_or_null(w[i].option), "disagreement",
                     cb_grade__fig(w[i].disagreement, 1), "answers",
                     cb_grade__count(w[i].answers), "url", cb_grade__str_or_null(w[i].url),
                     NULL));
  cb_free(w);
  return a;
}

/* An annotator's page name: annotators/NAME.html with NAME made of
 * [A-Za-z0-9._-] (others as '_', at most 60 bytes) and a number added
 * when two names clean to the same. */
static const char *page_name(cb_grade *g, size_t a, cb_strmap *taken) {
  char base[64];
  size_t n = 0;
  for (const char *s = g->anns[a]; *s && n < 60; s++) {
    unsigned char c = (unsigned char)*s;
    int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               (c == '.' && n);
    base[n++] = keep ? (char)c : '_';
  }
  base[n] = 0;
  if (!n)
    strcpy(base, "annotator");
  for (int k = 1;; k++) {
    char *name = k == 1 ? cb_arena_printf(g->ctx->arena, "annotators/%s.html",
                                          base)
                        : cb_arena_printf(g->ctx->arena,
                                          "annotators/%s-%d.html", base, k);
    if (!name)
      return NULL;
    int r = cb_strmap_put(taken, name, a, NULL);
    if (r < 0)
      return NULL;
    if (r == 1)
      return name;
  }
}

json_t *cb_grade__annotators(finish *f) {
  cb_grade *g = f->g;
  json_t *o = json_object();
  cb_strmap taken = {0};
  for (size_t a = 0; a < g->n_anns; a++) {
    const a_stat *s = &f->as[a];
    json_t *qs = json_object();
    for (size_t qi = 0; qi < g->book->n_questions; qi++) {
      const aq_stat *x = cb_grade__aq_of(f, (uint32_t)a, (uint16_t)qi);
      if (!x->answers)
        continue;
      json_object_set_new(
          qs, g->book->questions[qi].id,
          cb_grade__object_of("answers", cb_grade__count(x->answers), "correct",
                    cb_grade__count(x->correct), "accuracy",
                    cb_grade__ratio(x->correct, x->answers), "confusion",
                    confusion_json(&g->book->questions[qi], x->conf), NULL));
    }
    const char *page = page_name(g, a, &taken);
    if (!page)
      f->failed = 1;
    json_t *e = cb_grade__object_of(
        "page", cb_grade__str_or_null(page), "annotations",
        cb_grade__count(g->ann_annotations[a]), "gold_items", cb_grade__count(s->gold_items),
        "gold_answers", cb_grade__count(s->gold_answers), "correct", cb_grade__count(s->correct),
        "accuracy", cb_grade__ratio(s->correct, s->gold_answers), "misses",
        cb_grade__count(s->misses), "rereview", cb_grade__count(s->rereview), "questions", qs,
        NULL);
    cb_buf tmp = {0};
    if (!e || cb_model_json__set(o, g->anns[a], e) < 0)
      f->failed = 1;
    cb_buf_free(&tmp);
  }
  cb_strmap_free(&taken);
  return o;
}

/* The headline alpha of a question: nominal for choice, interval for
 * scale, ordinal for pairwise, MASI for multi. */
json_t *cb_grade__headline_alpha(json_t *question, json_t **ci95) {
  json_t *ag = json_object_get(question, "agreement");
  const char *type = json_string_value(json_object_get(question, "type"));
  const char *level = !type                       ? NULL
                      : !strcmp(type, "choice")   ? "nominal"
                      : !strcmp(type, "scale")    ? "interval"
                      : !strcmp(type, "pairwise") ? "ordinal"
                                                  : NULL;
  if (ci95)
    *ci95 = NULL;
  if (level) {
    if (ci95)
      *ci95 = json_object_get(json_object_get(ag, "alpha_ci95"), level);
    return json_object_get(json_object_get(ag, "krippendorff_alpha"), level);
  }
  if (type && !strcmp(type, "multi")) {
    if (ci95)
      *ci95 = json_object_get(ag, "alpha_masi_ci95");
    return json_object_get(ag, "alpha_masi");
  }
  return NULL;
}

static void gate_one(cb_grade *g, json_t *out, const cb_grade_gate *gt,
                     const cb_question *q, json_t *value, const char *what) {
  const char *name = gt->kind == CB_GATE_MIN_ALPHA ? "min-alpha"
                                                   : "min-accuracy";
  int defined = json_is_number(value);
  double v = defined ? json_number_value(value) : 0;
  int passed = !defined || v >= gt->threshold;
  json_array_append_new(
      out, cb_grade__object_of("gate", json_string(name), "question",
                     cb_grade__str_or_null(gt->question), "threshold",
                     cb_grade__fig(gt->threshold, 1), "value", cb_grade__fig(v, defined),
                     "passed", json_boolean(passed), "where",
                     cb_grade__str_or_null(what), NULL));
  if (passed)
    return;
  g->passed = 0;
  cb_loc none = {UINT32_MAX, 0, 0, 0, 0};
  cb_diag_report(g->ctx, CB_DIAG_ERROR, RULE_GATE, q ? q->loc : none,
                 q ? q->id : NULL, NULL,
                 "%s %s is %.3f, below the %s gate of %.3f",
                 gt->kind == CB_GATE_MIN_ALPHA ? "Krippendorff's alpha of"
                                               : "the accuracy against gold of",
                 what, v, name, gt->threshold);
}

json_t *cb_grade__gates(cb_grade *g, json_t *questions, json_t *totals) {
  json_t *out = json_array();
  g->passed = 1;
  for (size_t i = 0; i < g->opts.n_gates; i++) {
    const cb_grade_gate *gt = &g->opts.gates[i];
    for (size_t qi = 0; qi < g->book->n_questions; qi++) {
      const cb_question *q = &g->book->questions[qi];
      if (gt->question && strcmp(gt->question, q->id))
        continue;
      if (!gt->question && gt->kind == CB_GATE_MIN_ACCURACY)
        break;
      json_t *jq = json_object_get(questions, q->id);
      json_t *v = gt->kind == CB_GATE_MIN_ALPHA
                      ? cb_grade__headline_alpha(jq, NULL)
                      : json_object_get(json_object_get(jq, "gold"),
                                        "accuracy");
      if (!gt->question && !json_is_number(v))
        continue;
      gate_one(g, out, gt, q, v, cb_arena_printf(g->ctx->arena,
                                                 "question '%s'", q->id));
    }
    if (!gt->question && gt->kind == CB_GATE_MIN_ACCURACY)
      gate_one(g, out, gt, NULL, json_object_get(totals, "accuracy"),
               "all annotators");
  }
  return out;
}
