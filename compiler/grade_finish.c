/* SPDX-License-Identifier: MIT */
/*
 * grade_finish.c: the figures of a grade (cb_grade_finish): the annotators
 * numbered by name, rows and cells in a fixed order, the answers made
 * under an older version set apart for re-review, every answer on a gold
 * item compared with its gold, then grade.json put together from the
 * agreement (grade_agreement.c) and its other parts (grade_doc.c).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consensus.h"
#include "export_util.h"
#include "grade_impl.h"
#include "model.h"
#include "model_json.h"

/* ---- Finishing: order ---------------------------------------------------- */

static const cb_grade *sort_g; /* qsort has no context argument */

static int cmp_rows(const void *a, const void *b) {
  const grow *x = a, *y = b;
  int c = strcmp(sort_g->items[x->item].id, sort_g->items[y->item].id);
  if (c)
    return c;
  if (!x->response || !y->response)
    return !!x->response - !!y->response;
  return strcmp(x->response, y->response);
}

static int cmp_cells(const void *a, const void *b) {
  const gcell *x = a, *y = b;
  if (x->q != y->q)
    return x->q < y->q ? -1 : 1;
  if (x->ann != y->ann)
    return x->ann < y->ann ? -1 : 1;
  if (x->input != y->input)
    return x->input < y->input ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_names(const void *a, const void *b) {
  const char *const *x = a, *const *y = b;
  return strcmp(*x, *y);
}

/* Numbers the annotators in the order of their names, whatever order
 * they were read in. Returns 0 or -1 out of memory. */
static int order_annotators(cb_grade *g) {
  size_t n = g->n_anns;
  const char **sorted = cb_calloc(n + 1, sizeof *sorted);
  uint32_t *to = cb_calloc(n + 1, sizeof *to);
  size_t *counts = cb_calloc(n + 1, sizeof *counts);
  if (!sorted || !to || !counts) {
    cb_free(sorted);
    cb_free(to);
    cb_free(counts);
    return -1;
  }
  memcpy(sorted, g->anns, n * sizeof *sorted);
  if (n > 1)
    qsort(sorted, n, sizeof *sorted, cmp_names);
  for (size_t i = 0; i < n; i++) {
    size_t old = 0;
    cb_strmap_get(&g->ann_map, sorted[i], &old);
    to[old] = (uint32_t)i;
    counts[i] = g->ann_annotations[old];
  }
  cb_strmap_free(&g->ann_map);
  memset(&g->ann_map, 0, sizeof g->ann_map);
  int err = 0;
  for (size_t i = 0; i < n && !err; i++)
    err = cb_strmap_put(&g->ann_map, sorted[i], i, NULL) < 0;
  memcpy(g->anns, sorted, n * sizeof *sorted);
  memcpy(g->ann_annotations, counts, n * sizeof *counts);
  for (size_t r = 0; r < g->n_rows; r++)
    for (uint32_t i = 0; i < g->rows[r].n; i++)
      g->rows[r].cells[i].ann = to[g->rows[r].cells[i].ann];
  cb_free(sorted);
  cb_free(to);
  cb_free(counts);
  return err ? -1 : 0;
}

/* Sorts rows and cells; an annotator's repeated answer to one question
 * of one row: the one read last counts, the others are marked. */
static void order(cb_grade *g) {
  sort_g = g;
  if (g->n_rows > 1)
    qsort(g->rows, g->n_rows, sizeof *g->rows, cmp_rows);
  size_t dups = 0;
  const char *example = NULL;
  for (size_t r = 0; r < g->n_rows; r++) {
    grow *row = &g->rows[r];
    if (row->n > 1)
      qsort(row->cells, row->n, sizeof *row->cells, cmp_cells);
    for (uint32_t i = 0; i + 1 < row->n; i++)
      if (row->cells[i].q == row->cells[i + 1].q &&
          row->cells[i].ann == row->cells[i + 1].ann) {
        row->cells[i].flags |= CELL_DUPLICATE;
        if (!dups++)
          example = g->items[row->item].id;
      }
  }
  if (dups)
    cb_diag__report_file(
        g->ctx, CB_DIAG_WARNING, RULE_INPUT, "", 0, 0,
        cb_arena_printf(g->ctx->arena,
                        "%zu answer%s given again by the same annotator to "
                        "the same question of the same item (first on item "
                        "'%s'): the one read last counts",
                        dups, dups == 1 ? " was" : "s were", example));
}

/* ---- Finishing: versions ------------------------------------------------- */

static void load_versions(cb_grade *g) {
  for (size_t i = 1; i < g->n_versions; i++) {
    gversion *v = &g->versions[i];
    if (g->opts.load_version)
      v->book = g->opts.load_version(g->opts.load_data, v->name);
    if (!v->book) {
      cb_diag__report_file(
          g->ctx, CB_DIAG_WARNING, RULE_INPUT, "", 0, 0,
          cb_arena_printf(g->ctx->arena,
                          "version '%s' of the guideline, which some "
                          "annotations were made under, cannot be read; "
                          "they are graded against the current book",
                          v->name));
      continue;
    }
    if (cb_book_diff(&v->changes, &v->n_changes, g->ctx, v->book, g->book) <
        0) {
      v->book = NULL;
      v->n_changes = 0;
    }
  }
}

/* The gold code of question qi for response resp in case c of book, into
 * *v; 1 when there is one, 0 when none, -1 out of memory. The book may
 * be an older version: its answer is read by question id and encoded
 * for the current question. */
static int gold_code(cb_grade *g, const cb_book *book, const cb_case *c,
                     const cb_question *q, const char *resp, uint32_t *v) {
  const cb_question *bq = cb_book_question(book, q->id);
  if (!bq || !c)
    return 0;
  const cb_answer *a =
      cb_export__answer(book, c, (size_t)(bq - book->questions), resp);
  if (!a || a->kind == CB_V_NONE || !cb_export__fits(bq, a))
    return 0;
  int failed = 0;
  json_t *j = cb_model_json__answer(a, &failed);
  if (!j)
    return failed ? -1 : 0;
  char msg[256];
  const char *why = cb_grade__encode(g, (size_t)(q - g->book->questions), j, v, msg,
                           sizeof msg);
  json_decref(j);
  if (why && !*why)
    return -1;
  return why ? 0 : 1;
}

/* Why cell c of row r, made under an older version, must be reviewed
 * again: the change that invalidates it, or NULL. */
static const cb_change *rereview_reason(cb_grade *g, const grow *r,
                                        const gcell *c, int *failed) {
  const gversion *v = &g->versions[c->version];
  if (!c->version || !v->book)
    return NULL;
  const cb_question *q = &g->book->questions[c->q];
  size_t qlen = strlen(q->id);
  const gitem *it = &g->items[r->item];
  const cb_case *cs = it->case_idx >= 0 ? &g->book->cases[it->case_idx] : NULL;
  for (size_t i = 0; i < v->n_changes; i++) {
    const cb_change *ch = &v->changes[i];
    if (ch->category != CB_CHANGE_BREAKING && ch->category != CB_CHANGE_GOLD)
      continue;
    if (!ch->element || !ch->what)
      continue;
    if (!strcmp(ch->what, "question") && !strcmp(ch->element, q->id))
      return ch;
    if (!strcmp(ch->what, "option") && !strncmp(ch->element, q->id, qlen) &&
        ch->element[qlen] == '/')
      return ch;
    if (!cs || strcmp(ch->what, "case") || strcmp(ch->element, cs->id))
      continue;
    if (strcmp(ch->kind, "gold-changed"))
      return ch; /* the inputs changed, the case was renamed ... */
    uint32_t now = 0, then = 0;
    int a = gold_code(g, g->book, cs, q, r->response, &now);
    int b = gold_code(g, v->book, cb_book_case(v->book, cs->id), q,
                      r->response, &then);
    if (a < 0 || b < 0) {
      *failed = 1;
      return NULL;
    }
    if (a != b || (a && now != then))
      return ch;
  }
  return NULL;
}


/* Rank places: the place of each name (tied names share the first
 * place of their group) for Kendall's tau; n names at most max. */
static size_t rank_places(const char *s, const char **names, double *place,
                          size_t max, size_t *lens) {
  size_t n = 0;
  double p = 0;
  const char *c = s;
  while (*c && n < max) {
    const char *start = c;
    while (*c && *c != '\x1e' && *c != '\x1d')
      c++;
    names[n] = start;
    lens[n] = (size_t)(c - start);
    place[n++] = p;
    if (*c == '\x1e')
      p = (double)n;
    if (*c)
      c++;
  }
  return n;
}

/* Kendall's tau-b of two rankings (interned strings) over the names of
 * the gold ranking; undefined when they share fewer than two names. */
static cb_agree_figure rank_tau(const char *gold, const char *ans) {
  enum { MAX = 64 };
  const char *gn[MAX], *an[MAX];
  size_t gl[MAX], al[MAX];
  double gp[MAX], ap[MAX], x[MAX], y[MAX];
  size_t ng = rank_places(gold, gn, gp, MAX, gl);
  size_t na = rank_places(ans, an, ap, MAX, al);
  size_t n = 0;
  for (size_t i = 0; i < ng; i++)
    for (size_t j = 0; j < na; j++)
      if (gl[i] == al[j] && !memcmp(gn[i], an[j], gl[i])) {
        x[n] = gp[i];
        y[n++] = ap[j];
        break;
      }
  return cb_agree__kendall_tau_b(x, y, n);
}



/* What the report says of a case a miss names: its title, rationale,
 * criteria and place in the site (grade.json's `cases`). */
static json_t *case_entry(finish *f, const cb_case *cs) {
  cb_grade *g = f->g;
  cb_buf tmp = {0};
  const char *rat = cs->rationale.text ? cs->rationale.text : "";
  json_t *crit = json_array();
  for (size_t i = 0; i < cs->criteria.n; i++) {
    const cb_criterion *cr = cb_book_criterion(g->book, cs->criteria.items[i]);
    const char *u = cr ? cb_grade__site_url(g, cr->chapter, "criterion-", cr->id) : NULL;
    json_array_append_new(
        crit, cb_grade__object_of("id", json_string(cs->criteria.items[i]), "title",
                        cr ? cb_model_json__str(&tmp, cr->title,
                                                strlen(cr->title))
                           : json_null(),
                        "url", cb_grade__str_or_null(u), NULL));
  }
  json_t *e = cb_grade__object_of(
      "title", cb_model_json__str(&tmp, cs->title, strlen(cs->title)),
      "rationale", cb_model_json__str(&tmp, rat, strlen(rat)), "criteria",
      crit, "url", cb_grade__str_or_null(cb_grade__site_url(g, cs->chapter, "case-", cs->id)),
      NULL);
  cb_buf_free(&tmp);
  return e;
}

/* A miss or a re-review entry. */
static json_t *answer_entry(finish *f, const grow *r, const gcell *c,
                            uint32_t gold, int has_gold) {
  cb_grade *g = f->g;
  const cb_question *q = &g->book->questions[c->q];
  const gitem *it = &g->items[r->item];
  const cb_case *cs =
      it->case_idx >= 0 ? &g->book->cases[it->case_idx] : NULL;
  json_t *o = json_object();
  cb_buf tmp = {0};
  json_object_set_new(o, "annotator", json_string(g->anns[c->ann]));
  json_object_set_new(o, "item", json_string(it->id));
  json_object_set_new(o, "case", cs ? json_string(cs->id) : json_null());
  json_object_set_new(o, "question", json_string(q->id));
  json_object_set_new(o, "response",
                      r->response ? cb_model_json__str(&tmp, r->response,
                                                       strlen(r->response))
                                  : json_null());
  json_object_set_new(o, "answer", cb_grade__decode(g, c->q, c->v));
  json_object_set_new(o, "gold", has_gold ? cb_grade__decode(g, c->q, gold) : json_null());
  const char *url = cs ? cb_grade__site_url(g, cs->chapter, "case-", cs->id) : NULL;
  json_object_set_new(o, "url", url ? json_string(url) : json_null());
  if (cs && !json_object_get(f->cases, cs->id))
    json_object_set_new(f->cases, cs->id, case_entry(f, cs));
  const char *qu = cb_grade__site_url(g, q->chapter, "question-", q->id);
  json_object_set_new(o, "question_url", qu ? json_string(qu) : json_null());
  if (q->type == CB_Q_CHOICE) {
    const char *au = cb_grade__option_url(g, q, q->options[c->v].id);
    const char *gu = has_gold ? cb_grade__option_url(g, q, q->options[gold].id) : NULL;
    json_object_set_new(o, "answer_url", au ? json_string(au) : json_null());
    json_object_set_new(o, "gold_url", gu ? json_string(gu) : json_null());
  }
  const cb_grade_input *in = &g->inputs[c->input];
  json_t *where = json_object();
  json_object_set_new(where, "file", json_string(in->path));
  json_object_set_new(where, strcmp(in->format, "jsonl") ? "task" : "line",
                      json_integer(c->line));
  json_object_set_new(o, "input", where);
  if (tmp.failed)
    f->failed = 1;
  cb_buf_free(&tmp);
  return o;
}

/* Sets apart the answers made under an older version that a change
 * since invalidates, listing each with the change. */
static void mark_rereview(finish *f) {
  cb_grade *g = f->g;
  for (size_t r = 0; r < g->n_rows && !f->failed; r++) {
    grow *row = &g->rows[r];
    const gitem *it = &g->items[row->item];
    const cb_case *cs = it->case_idx >= 0 ? &g->book->cases[it->case_idx]
                                          : NULL;
    for (uint32_t i = 0; i < row->n && !f->failed; i++) {
      gcell *c = &row->cells[i];
      if (!c->version || (c->flags & CELL_DUPLICATE))
        continue;
      const cb_change *why = rereview_reason(g, row, c, &f->failed);
      if (!why)
        continue;
      const cb_question *q = &g->book->questions[c->q];
      uint32_t gold = 0;
      int has = cs ? gold_code(g, g->book, cs, q, row->response, &gold) : 0;
      json_t *e = answer_entry(f, row, c, gold, has > 0);
      cb_buf tmp = {0};
      json_object_set_new(e, "version",
                          json_string(g->versions[c->version].name));
      json_t *changes = json_array();
      json_array_append_new(
          changes,
          cb_grade__object_of("kind", json_string(why->kind), "category",
                    json_string(cb_change_category_name(why->category)),
                    "message",
                    cb_model_json__str(&tmp, why->message,
                                       strlen(why->message)),
                    NULL));
      json_object_set_new(e, "changes", changes);
      cb_buf_free(&tmp);
      json_array_append_new(f->rereview, e);
      c->flags |= CELL_REREVIEW;
      f->qs[c->q].rereview++;
      f->as[c->ann].rereview++;
    }
  }
}

/* Compares every answer on a gold item with the gold. */
static void grade_gold(finish *f) {
  cb_grade *g = f->g;
  const cb_book *book = g->book;
  for (size_t r = 0; r < g->n_rows && !f->failed; r++) {
    grow *row = &g->rows[r];
    const gitem *it = &g->items[row->item];
    if (it->case_idx < 0)
      continue;
    const cb_case *cs = &book->cases[it->case_idx];
    for (uint32_t i = 0; i < row->n; i++) {
      const gcell *c = &row->cells[i];
      if (c->flags & CELL_DUPLICATE)
        continue;
      const cb_question *q = &book->questions[c->q];
      if (q->type == CB_Q_TEXT)
        continue;
      uint32_t gold = 0;
      int has = gold_code(g, book, cs, q, row->response, &gold);
      if (has < 0) {
        f->failed = 1;
        return;
      }
      q_stat *qs = &f->qs[c->q];
      a_stat *as = &f->as[c->ann];
      if (c->flags & CELL_REREVIEW)
        continue;
      if (!has)
        continue;
      int ok = c->v == gold;
      qs->answers++;
      qs->correct += (uint64_t)ok;
      as->gold_answers++;
      as->correct += (uint64_t)ok;
      aq_stat *a = cb_grade__aq_of(f, c->ann, c->q);
      a->answers++;
      a->correct += (uint64_t)ok;
      if (qs->last_item != row->item + 1) {
        qs->last_item = row->item + 1;
        qs->gold_items++;
      }
      if (as->last_item != row->item + 1) {
        as->last_item = row->item + 1;
        as->gold_items++;
      }
      switch (q->type) {
      case CB_Q_CHOICE:
        if (!qs->conf &&
            cb_agree__confusion_new(&qs->conf, q->n_options) < 0)
          f->failed = 1;
        if (!a->conf && cb_agree__confusion_new(&a->conf, q->n_options) < 0)
          f->failed = 1;
        if (f->failed)
          return;
        cb_agree__confusion_add(qs->conf, gold, c->v);
        cb_agree__confusion_add(a->conf, gold, c->v);
        break;
      case CB_Q_SCALE:
        cb_agree__error_add(&qs->err, (int32_t)gold, (int32_t)c->v);
        break;
      case CB_Q_PAIRWISE:
        cb_agree__error_add(&qs->err, (double)gold - 2, (double)c->v - 2);
        break;
      case CB_Q_MULTI:
        if (!qs->sets.n_options)
          cb_agree__sets_init(&qs->sets, q->n_options);
        cb_agree__sets_add(&qs->sets, g->sets.masks[gold],
                           g->sets.masks[c->v]);
        break;
      case CB_Q_RANK: {
        cb_agree_figure t =
            rank_tau(g->ranks.strs[gold], g->ranks.strs[c->v]);
        if (t.defined) {
          qs->tau_sum += t.value;
          qs->tau_n++;
        }
        break;
      }
      case CB_Q_TEXT:
        break;
      }
      if (!ok) {
        as->misses++;
        json_array_append_new(f->misses, answer_entry(f, row, c, gold, has));
      }
    }
  }
}


int cb_grade_finish(cb_grade *g) {
  if (g->finished)
    return cb_ctx__fail(g->ctx, CB_EUSAGE, "the grade is finished already");
  g->finished = 1;
  /* every allocation that fails while the document is built is an out
   * of memory, also where jansson's builders just leave a value out */
  unsigned long failures = cb_alloc_failures();
  const cb_book *book = g->book;
  if (order_annotators(g) < 0)
    return cb_grade__oom(g);
  order(g);
  load_versions(g);
  finish f;
  memset(&f, 0, sizeof f);
  f.g = g;
  f.qs = cb_calloc(book->n_questions + 1, sizeof *f.qs);
  f.as = cb_calloc(g->n_anns + 1, sizeof *f.as);
  f.aqs = cb_calloc(g->n_anns * book->n_questions + 1, sizeof *f.aqs);
  f.misses = json_array();
  f.rereview = json_array();
  f.cases = json_object();
  g->doc = json_object();
  if (!f.qs || !f.as || !f.aqs || !f.misses || !f.rereview || !f.cases ||
      !g->doc) {
    json_decref(f.misses);
    json_decref(f.rereview);
    json_decref(f.cases);
    cb_free(f.qs);
    cb_free(f.as);
    cb_free(f.aqs);
    return cb_grade__oom(g);
  }
  mark_rereview(&f);
  if (!f.failed)
    grade_gold(&f);

  json_t *d = g->doc, *questions = json_object();
  json_object_set_new(d, "format", json_integer(1));
  json_object_set_new(d, "casebook_version", json_string(cb_version()));
  cb_buf tmp = {0};
  const char *title = cb_model__title(book);
  json_object_set_new(d, "title", cb_model_json__str(&tmp, title, strlen(title)));
  json_object_set_new(d, "version", cb_model_json__stamp(book));
  json_object_set_new(d, "seed", json_integer((json_int_t)g->opts.seed));
  json_object_set_new(d, "resamples",
                      json_integer((json_int_t)g->opts.resamples));
  json_t *inputs = json_array();
  size_t total_annotations = 0;
  for (size_t i = 0; i < g->n_inputs; i++) {
    const cb_grade_input *in = &g->inputs[i];
    total_annotations += in->annotations;
    json_array_append_new(
        inputs,
        json_pack("{s:s,s:s,s:I,s:I,s:{s:I,s:I,s:I,s:I}}", "file", in->path,
                  "format", in->format, "records", (json_int_t)in->records,
                  "annotations", (json_int_t)in->annotations, "skipped",
                  "cancelled", (json_int_t)in->cancelled, "ground_truth",
                  (json_int_t)in->ground_truth, "not_submitted",
                  (json_int_t)in->not_submitted, "invalid",
                  (json_int_t)in->invalid));
  }
  json_object_set_new(d, "inputs", inputs);
  json_t *totals = json_object();
  json_object_set_new(d, "totals", totals);
  /* annotators first: the consensus adds its estimates to them */
  json_object_set_new(d, "annotators", cb_grade__annotators(&f));

  uint64_t answers = 0, gold_answers = 0, correct = 0, gold_items = 0;
  size_t rereview = json_array_size(f.rereview);
  for (size_t r = 0; r < g->n_rows; r++)
    for (uint32_t i = 0; i < g->rows[r].n; i++)
      answers += !(g->rows[r].cells[i].flags & CELL_DUPLICATE);
  /* items answered: rows are sorted by item */
  size_t items = 0;
  for (size_t r = 0; r < g->n_rows; r++) {
    if (r && g->rows[r].item == g->rows[r - 1].item)
      continue;
    items++;
    gold_items += g->items[g->rows[r].item].case_idx >= 0;
  }
  for (size_t qi = 0; qi < book->n_questions && !f.failed; qi++) {
    const cb_question *q = &book->questions[qi];
    gold_answers += f.qs[qi].answers;
    correct += f.qs[qi].correct;
    json_t *cons = NULL;
    json_t *ag = cb_grade__agreement(&f, qi, &cons);
    if (!ag) {
      json_decref(cons);
      break;
    }
    json_t *opts = json_array();
    for (size_t o = 0; o < q->n_options && q->type != CB_Q_SCALE; o++) {
      const cb_option *op = &q->options[o];
      json_array_append_new(
          opts, cb_grade__object_of("id", json_string(op->id), "url",
                          cb_grade__str_or_null(cb_grade__option_url(g, q, op->id)), "meaning",
                          cb_model_json__str(&tmp, op->meaning_text,
                                             strlen(op->meaning_text)),
                          NULL));
    }
    const char *qt = q->title && *q->title ? q->title : q->id;
    json_t *e = cb_grade__object_of(
        "title", cb_model_json__str(&tmp, qt, strlen(qt)), "type",
        json_string(cb_qtype_name(q->type)), "scope",
        json_string(q->scope == CB_SCOPE_RESPONSE ? "response" : "case"),
        "url", cb_grade__str_or_null(cb_grade__site_url(g, q->chapter, "question-", q->id)),
        "options", opts, "agreement", ag, "gold", cb_grade__question_gold(&f, qi),
        "confused", cb_grade__confused(&f, qi), "consensus", cons, "rereview",
        cb_grade__count(f.qs[qi].rereview), NULL);
    if (!e || json_object_set_new(questions, q->id, e) < 0)
      f.failed = 1;
  }
  json_object_set_new(d, "questions", questions);
  json_object_set_new(totals, "items", json_integer((json_int_t)items));
  json_object_set_new(totals, "gold_items", json_integer((json_int_t)gold_items));
  json_object_set_new(totals, "annotators", json_integer((json_int_t)g->n_anns));
  json_object_set_new(totals, "annotations",
                      json_integer((json_int_t)total_annotations));
  json_object_set_new(totals, "answers", json_integer((json_int_t)answers));
  json_object_set_new(totals, "gold_answers",
                      json_integer((json_int_t)gold_answers));
  json_object_set_new(totals, "correct", json_integer((json_int_t)correct));
  json_object_set_new(totals, "accuracy", cb_grade__ratio(correct, gold_answers));
  json_object_set_new(totals, "misses",
                      json_integer((json_int_t)json_array_size(f.misses)));
  json_object_set_new(totals, "rereview", json_integer((json_int_t)rereview));
  json_object_set_new(d, "needs_work", cb_grade__needs_work(&f, questions));
  json_object_set_new(d, "misses", f.misses);
  json_object_set_new(d, "rereview", f.rereview);
  json_object_set_new(d, "cases", f.cases);
  json_object_set_new(d, "consensus_file", json_string("consensus.jsonl"));
  json_object_set_new(d, "gates", cb_grade__gates(g, questions, totals));
  json_object_set_new(d, "passed", json_boolean(g->passed));
  if (tmp.failed || g->consensus.failed)
    f.failed = 1;
  cb_buf_free(&tmp);
  for (size_t i = 0; f.aqs && i < g->n_anns * book->n_questions; i++)
    cb_agree__confusion_free(f.aqs[i].conf);
  for (size_t i = 0; f.qs && i < book->n_questions; i++)
    cb_agree__confusion_free(f.qs[i].conf);
  cb_free(f.qs);
  cb_free(f.as);
  cb_free(f.aqs);
  if (f.failed || failures != cb_alloc_failures())
    return cb_grade__oom(g);
  return 0;
}

int cb_grade_passed(const cb_grade *g) { return g->finished && g->passed; }
