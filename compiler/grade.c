/* SPDX-License-Identifier: MIT */
/*
 * grade.c: grading annotations against a book (docs/grade.md).
 *
 * The readers (grade_read.c) hand over annotations one at a time; each
 * answer becomes a cell: its annotator, question, a code of its value and
 * where it was read. Cells are kept per row, a row being an item (a case
 * or a task of the tool) and, for per-response questions, a response.
 * Nothing else of an annotation is kept, so memory follows items x
 * questions x annotators per item, whatever the size of the files.
 *
 * cb_grade_finish then does everything at once, in a fixed order (rows
 * sorted by item and response, cells by question and annotator), so the
 * same annotations give the same bytes whatever order they came in:
 *
 *   versions   answers made under an older version of the guideline are
 *              checked against the semantic diff since that version;
 *              those whose question, option or gold changed are set
 *              apart for re-review;
 *   gold       every answer on a gold item against the case's answer:
 *              exact match, confusion, errors, sets, Kendall's tau;
 *   agreement  Krippendorff's alpha at the levels of the question's type,
 *              with a bootstrap interval, Fleiss' and Cohen's kappas;
 *   consensus  Dawid-Skene on every choice question.
 *
 * The document built is grade.json; the report pages are drawn from it
 * (grade_html.c). This file holds the state, what the readers call and
 * the values; the figures are in grade_finish.c, grade_agreement.c and
 * grade_doc.c, the files and partial grades in grade_out.c
 * (grade_impl.h is what they share). A partial grade is the rows themselves, with values
 * written as gold.jsonl answers, so that merging re-reads them through
 * the same code as the annotations (and options are matched by id).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_util.h"
#include "grade_impl.h"
#include "model.h"
#include "model_json.h"

#define DEFAULT_RESAMPLES 1000

cb_ctx *cb_grade__ctx(const cb_grade *g) { return g->ctx; }
const cb_book *cb_grade__book(const cb_grade *g) { return g->book; }

int cb_grade__oom(cb_grade *g) {
  return cb_ctx__fail(g->ctx, CB_ENOMEM, "out of memory");
}

static char *astr(cb_grade *g, const char *s) {
  return cb_arena_strdup(g->ctx->arena, s);
}

/* ---- Interning --------------------------------------------------------- */

/* The index of s (with mask) in t, added when new; -1 out of memory. */
static long intern(cb_grade *g, gintern *t, const char *s, uint64_t mask) {
  size_t i;
  if (cb_strmap_get(&t->map, s, &i))
    return (long)i;
  const char *copy = astr(g, s);
  if (!copy || cb_vec_grow((void **)&t->strs, &t->cap, t->n + 1,
                           sizeof *t->strs) < 0)
    return -1;
  size_t cap = t->cap;
  uint64_t *m = cb_realloc(t->masks, cap * sizeof *m);
  if (!m)
    return -1;
  t->masks = m;
  if (cb_strmap_put(&t->map, copy, t->n, NULL) < 0)
    return -1;
  t->strs[t->n] = copy;
  t->masks[t->n] = mask;
  return (long)t->n++;
}

static void intern_free(gintern *t) {
  cb_strmap_free(&t->map);
  cb_free(t->strs);
  cb_free(t->masks);
}

/* ---- Creation ---------------------------------------------------------- */

static int map_targets(cb_strmap *m, const char ***names,
                       const cb_export_target *t, size_t n) {
  *names = cb_calloc(n + 1, sizeof **names);
  if (!*names)
    return -1;
  for (size_t i = 0; i < n; i++) {
    (*names)[i] = t[i].name;
    if (cb_strmap_put(m, t[i].name, i, NULL) < 0)
      return -1;
  }
  return 0;
}

int cb_grade_new(cb_grade **out, cb_ctx *ctx, const cb_book *book,
                 const cb_grade_options *opts) {
  *out = NULL;
  cb_grade *g = cb_calloc(1, sizeof *g);
  if (!g)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  g->ctx = ctx;
  g->book = book;
  if (opts)
    g->opts = *opts;
  if (!g->opts.resamples)
    g->opts.resamples = DEFAULT_RESAMPLES;
  if (!g->opts.seed)
    g->opts.seed = 1;
  if (!g->opts.site_prefix)
    g->opts.site_prefix = "../";
  int err = 0;
  if (book->n_questions > UINT16_MAX) {
    cb_grade_free(g);
    return cb_ctx__fail(ctx, CB_EUSAGE, "a book of more than %d questions "
                        "cannot be graded", UINT16_MAX);
  }
  if (cb_ctx_new(&g->plan_ctx, NULL) < 0 ||
      cb_export_labelstudio__targets(&g->ls, &g->n_ls, g->plan_ctx, book) <
          0 ||
      cb_export_argilla__targets(&g->ag, &g->n_ag, g->plan_ctx, book) < 0 ||
      map_targets(&g->ls_map, &g->ls_names, g->ls, g->n_ls) < 0 ||
      map_targets(&g->ag_map, &g->ag_names, g->ag, g->n_ag) < 0)
    err = CB_ENOMEM;
  g->pairs = err ? NULL : cb_calloc(book->n_questions + 1, sizeof *g->pairs);
  if (!g->pairs)
    err = CB_ENOMEM;
  for (size_t i = 0; !err && i < g->n_ls + g->n_ag; i++) {
    const cb_export_target *t = i < g->n_ls ? &g->ls[i] : &g->ag[i - g->n_ls];
    if (book->questions[t->qi].type == CB_Q_PAIRWISE && t->n_compared == 2 &&
        !g->pairs[t->qi][0]) {
      g->pairs[t->qi][0] = t->compared[0];
      g->pairs[t->qi][1] = t->compared[1];
    }
  }
  for (size_t i = 0; !err && i < book->n_questions; i++)
    if (cb_strmap_put(&g->question_map, book->questions[i].id, i, NULL) < 0)
      err = CB_ENOMEM;
  for (size_t i = 0; !err && i < book->n_cases; i++)
    if (book->cases[i].status == CB_STATUS_FINAL) {
      const char *task = cb_export__task_id(ctx, &book->cases[i]);
      if (!task || cb_strmap_put(&g->case_map, book->cases[i].id, i, NULL) < 0 ||
          cb_strmap_put(&g->task_map, task, i, NULL) < 0)
        err = CB_ENOMEM;
    }
  gversion cur = {NULL, book, NULL, 0};
  if (!err && CB_VEC_PUSH(g->versions, g->n_versions, g->cap_versions, cur) < 0)
    err = CB_ENOMEM;
  if (err) {
    cb_grade_free(g);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  *out = g;
  return 0;
}

void cb_grade_free(cb_grade *g) {
  if (!g)
    return;
  for (size_t i = 0; i < g->n_rows; i++)
    cb_free(g->rows[i].cells);
  cb_free(g->rows);
  cb_free(g->items);
  cb_free(g->anns);
  cb_free(g->ann_annotations);
  cb_free(g->versions);
  cb_free(g->inputs);
  cb_free(g->pairs);
  cb_free(g->ls_names);
  cb_free(g->ag_names);
  cb_strmap_free(&g->ls_map);
  cb_strmap_free(&g->ag_map);
  cb_strmap_free(&g->item_map);
  cb_strmap_free(&g->case_map);
  cb_strmap_free(&g->task_map);
  cb_strmap_free(&g->question_map);
  cb_strmap_free(&g->row_map);
  cb_strmap_free(&g->ann_map);
  cb_strmap_free(&g->version_map);
  intern_free(&g->sets);
  intern_free(&g->ranks);
  cb_buf_free(&g->key);
  cb_buf_free(&g->consensus);
  json_decref(g->doc);
  cb_ctx_free(g->plan_ctx);
  cb_free(g);
}

/* ---- What the readers call --------------------------------------------- */

long cb_grade__input(cb_grade *g, const char *path, const char *format) {
  if (g->n_inputs >= UINT16_MAX) {
    cb_ctx__fail(g->ctx, CB_EUSAGE, "more than %d annotation files",
                 UINT16_MAX - 1);
    return -1;
  }
  cb_grade_input in;
  memset(&in, 0, sizeof in);
  in.path = astr(g, path);
  in.format = format;
  if (!in.path ||
      CB_VEC_PUSH(g->inputs, g->n_inputs, g->cap_inputs, in) < 0) {
    cb_grade__oom(g);
    return -1;
  }
  return (long)g->n_inputs - 1;
}

cb_grade_input *cb_grade__inputs(cb_grade *g, size_t *n) {
  *n = g->n_inputs;
  return g->inputs;
}

long cb_grade__question(const cb_grade *g, const char *id) {
  size_t i;
  return cb_strmap_get(&g->question_map, id, &i) ? (long)i : -1;
}

const cb_export_target *cb_grade__ls_target(cb_grade *g, const char *name) {
  size_t i;
  return cb_strmap_get(&g->ls_map, name, &i) ? &g->ls[i] : NULL;
}

const cb_export_target *cb_grade__argilla_target(cb_grade *g,
                                                 const char *name) {
  size_t i;
  return cb_strmap_get(&g->ag_map, name, &i) ? &g->ag[i] : NULL;
}

const char **cb_grade__target_names(cb_grade *g, int argilla, size_t *n) {
  *n = argilla ? g->n_ag : g->n_ls;
  return argilla ? g->ag_names : g->ls_names;
}

void cb_grade__report(cb_grade *g, const cb_grade_pos *pos,
                      cb_diag_level level, int count, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *path = "";
  if (pos && pos->input < g->n_inputs) {
    cb_grade_input *in = &g->inputs[pos->input];
    path = in->path;
    if (count)
      in->invalid++;
  }
  if (pos && pos->task) {
    char full[1200];
    snprintf(full, sizeof full, "task %u: %s", pos->task, msg);
    cb_diag__report_file(g->ctx, level, RULE_INPUT, path, pos->line, 0,
                         full);
    return;
  }
  cb_diag__report_file(g->ctx, level, RULE_INPUT, path, pos ? pos->line : 0,
                       0, msg);
}

/* The index of name in map (names, n, cap), added when new; -1 out of
 * memory. */
long cb_grade__name_index(cb_grade *g, cb_strmap *map, const char ***names,
                       size_t *n, size_t *cap, const char *name) {
  size_t i;
  if (cb_strmap_get(map, name, &i))
    return (long)i;
  const char *copy = astr(g, name);
  if (!copy || cb_vec_grow((void **)names, cap, *n + 1, sizeof **names) < 0 ||
      cb_strmap_put(map, copy, *n, NULL) < 0)
    return -1;
  (*names)[*n] = copy;
  return (long)(*n)++;
}

static long item_index(cb_grade *g, const char *id) {
  size_t i;
  /* an exam or honeypot task names its case by an opaque id */
  if (cb_strmap_get(&g->task_map, id, &i))
    id = g->book->cases[i].id;
  if (cb_strmap_get(&g->item_map, id, &i))
    return (long)i;
  gitem it;
  it.id = astr(g, id);
  size_t ci;
  it.case_idx = cb_strmap_get(&g->case_map, id, &ci) ? (int32_t)ci : -1;
  if (!it.id || CB_VEC_PUSH(g->items, g->n_items, g->cap_items, it) < 0 ||
      cb_strmap_put(&g->item_map, it.id, g->n_items - 1, NULL) < 0)
    return -1;
  return (long)g->n_items - 1;
}

static long version_index(cb_grade *g, const char *version) {
  const cb_stamp *s = &g->book->stamp;
  if (!version || !*version || (s->commit && !strcmp(version, s->commit)) ||
      (s->describe && !strcmp(version, s->describe)))
    return 0;
  if (!s->commit && s->version && !strcmp(version, s->version))
    return 0;
  size_t i;
  if (cb_strmap_get(&g->version_map, version, &i))
    return (long)i;
  if (g->n_versions >= UINT16_MAX)
    return 0; /* beyond: graded against the current book */
  gversion v = {astr(g, version), NULL, NULL, 0};
  if (!v.name ||
      CB_VEC_PUSH(g->versions, g->n_versions, g->cap_versions, v) < 0 ||
      cb_strmap_put(&g->version_map, v.name, g->n_versions - 1, NULL) < 0)
    return -1;
  return (long)g->n_versions - 1;
}

int cb_grade__begin(cb_grade *g, const char *item, const char *annotator,
                    const char *version, const cb_grade_pos *pos) {
  (void)pos;
  long it = item_index(g, item);
  long an = cb_grade__name_index(g, &g->ann_map, &g->anns, &g->n_anns, &g->cap_anns,
                       annotator);
  long ve = version_index(g, version);
  if (it < 0 || an < 0 || ve < 0)
    return cb_grade__oom(g);
  if ((size_t)an >= g->cap_ann_annotations) {
    size_t cap = g->cap_ann_annotations ? g->cap_ann_annotations * 2 : 16;
    while (cap <= (size_t)an)
      cap *= 2;
    size_t *n = cb_realloc(g->ann_annotations, cap * sizeof *n);
    if (!n)
      return cb_grade__oom(g);
    memset(n + g->cap_ann_annotations, 0,
           (cap - g->cap_ann_annotations) * sizeof *n);
    g->ann_annotations = n;
    g->cap_ann_annotations = cap;
  }
  g->cur_item = (uint32_t)it;
  g->cur_ann = (uint32_t)an;
  g->cur_version = (uint16_t)ve;
  g->cur_open = 1;
  g->cur_answers = 0;
  return 0;
}

int cb_grade__end(cb_grade *g) {
  int counted = g->cur_open && g->cur_answers;
  if (counted)
    g->ann_annotations[g->cur_ann]++;
  g->cur_open = 0;
  return counted;
}

/* The row of (item, response), added when new; NULL out of memory. */
static grow *row_for(cb_grade *g, uint32_t item, const char *response) {
  /* an annotation's answers to one response come one after another */
  if (g->last_row) {
    grow *last = &g->rows[g->last_row - 1];
    if (last->item == item && !last->response == !response &&
        (!response || !strcmp(last->response, response)))
      return last;
  }
  cb_buf *k = &g->key;
  cb_buf_reset(k);
  cb_buf_puts(k, g->items[item].id);
  cb_buf_putc(k, '\x1f');
  if (response) {
    cb_buf_putc(k, 'r');
    cb_buf_puts(k, response);
  }
  if (k->failed)
    return NULL;
  size_t i;
  if (cb_strmap_get(&g->row_map, cb_buf_cstr(k), &i)) {
    g->last_row = i + 1;
    return &g->rows[i];
  }
  const char *key = astr(g, cb_buf_cstr(k));
  grow r;
  memset(&r, 0, sizeof r);
  r.item = item;
  r.response = response ? astr(g, response) : NULL;
  if (!key || (response && !r.response) ||
      CB_VEC_PUSH(g->rows, g->n_rows, g->cap_rows, r) < 0 ||
      cb_strmap_put(&g->row_map, key, g->n_rows - 1, NULL) < 0)
    return NULL;
  g->last_row = g->n_rows;
  return &g->rows[g->n_rows - 1];
}

/* ---- Values ------------------------------------------------------------ */

static const char *value_kind(const cb_question *q) {
  switch (q->type) {
  case CB_Q_CHOICE: return "an option id (a string)";
  case CB_Q_MULTI: return "a list of option ids";
  case CB_Q_SCALE: return "an integer";
  case CB_Q_RANK: return "a list of response names, best first";
  case CB_Q_PAIRWISE: return "{\"preferred\": NAME or \"tie\", \"strength\": 0-2}";
  case CB_Q_TEXT: return "a string";
  }
  return "a value";
}

static int option_index(const cb_question *q, const char *id) {
  for (size_t i = 0; i < q->n_options; i++)
    if (!strcmp(q->options[i].id, id))
      return (int)i;
  return -1;
}

/* Why s is no option of q, with a suggestion, into msg. */
static void no_option(char *msg, size_t size, const cb_question *q,
                      const char *s) {
  const char *cands[64];
  size_t n = q->n_options < 64 ? q->n_options : 64;
  for (size_t i = 0; i < n; i++)
    cands[i] = q->options[i].id;
  const char *near = cb_suggest(s, cands, n);
  snprintf(msg, size, "'%.100s' is not an option of question '%s'%s%s%s", s,
           q->id, near ? " (did you mean '" : "", near ? near : "",
           near ? "'?)" : "");
}

/* Appends a response name to a canonical ranking: names with '\x1e'
 * between places and '\x1d' between tied names. */
static int rank_key(cb_buf *k, const json_t *v) {
  if (!json_is_array(v) || !json_array_size(v))
    return -1;
  size_t i;
  json_t *e;
  json_array_foreach(v, i, e) {
    if (i)
      cb_buf_putc(k, '\x1e');
    if (json_is_string(e)) {
      if (!json_string_length(e) && json_array_size(v) < 2)
        return -1;
      cb_buf_puts(k, json_string_value(e));
      continue;
    }
    if (!json_is_array(e) || !json_array_size(e))
      return -1;
    size_t j;
    json_t *t;
    json_array_foreach(e, j, t) {
      if (!json_is_string(t))
        return -1;
      if (j)
        cb_buf_putc(k, '\x1d');
      cb_buf_puts(k, json_string_value(t));
    }
  }
  return 0;
}

/* Encodes value (a gold.jsonl answer) for question qi into *v. Returns
 * NULL, or why it does not fit (in msg), or "" when out of memory. */
const char *cb_grade__encode(cb_grade *g, size_t qi, const json_t *value,
                          uint32_t *v, char *msg, size_t size) {
  const cb_question *q = &g->book->questions[qi];
  switch (q->type) {
  case CB_Q_CHOICE: {
    if (!json_is_string(value))
      break;
    int o = option_index(q, json_string_value(value));
    if (o < 0) {
      no_option(msg, size, q, json_string_value(value));
      return msg;
    }
    *v = (uint32_t)o;
    return NULL;
  }
  case CB_Q_MULTI: {
    if (!json_is_array(value))
      break;
    if (q->n_options > CB_AGREE_MAX_OPTIONS) {
      snprintf(msg, size, "question '%s' has more than %d options, more "
               "than grade compares", q->id, CB_AGREE_MAX_OPTIONS);
      return msg;
    }
    uint64_t mask = 0;
    size_t i;
    json_t *e;
    json_array_foreach(value, i, e) {
      if (!json_is_string(e)) {
        snprintf(msg, size, "question '%s' takes %s", q->id, value_kind(q));
        return msg;
      }
      int o = option_index(q, json_string_value(e));
      if (o < 0) {
        no_option(msg, size, q, json_string_value(e));
        return msg;
      }
      mask |= (uint64_t)1 << o;
    }
    char key[24];
    snprintf(key, sizeof key, "%llx", (unsigned long long)mask);
    long k = intern(g, &g->sets, key, mask);
    if (k < 0)
      return "";
    *v = (uint32_t)k;
    return NULL;
  }
  case CB_Q_SCALE: {
    json_int_t n;
    if (json_is_integer(value))
      n = json_integer_value(value);
    else if (json_is_real(value) &&
             json_real_value(value) == floor(json_real_value(value)) &&
             fabs(json_real_value(value)) < 1e9)
      n = (json_int_t)json_real_value(value);
    else
      break;
    if (n < q->scale_min || n > q->scale_max) {
      snprintf(msg, size, "%lld is outside the scale %d-%d of question '%s'",
               (long long)n, q->scale_min, q->scale_max, q->id);
      return msg;
    }
    *v = (uint32_t)(int32_t)n;
    return NULL;
  }
  case CB_Q_PAIRWISE: {
    const char *const *pair = g->pairs[qi];
    if (!pair[0]) {
      snprintf(msg, size, "pairwise question '%s' does not compare two "
               "named responses (name them with 'responses: A, B'): it "
               "cannot be graded", q->id);
      return msg;
    }
    json_t *p = json_object_get(value, "preferred");
    json_t *s = json_object_get(value, "strength");
    if (!json_is_object(value) || !json_is_string(p) ||
        (s && !json_is_integer(s)))
      break;
    long long st = s ? json_integer_value(s) : 1;
    const char *pref = json_string_value(p);
    if (st < 0 || st > 2) {
      snprintf(msg, size, "strength %lld of question '%s' is not 0, 1 or 2",
               st, q->id);
      return msg;
    }
    int side = !strcmp(pref, "tie")     ? 0
               : !strcmp(pref, pair[0]) ? 1
               : !strcmp(pref, pair[1]) ? -1
                                        : 2;
    if (side == 2) {
      snprintf(msg, size, "'%.100s' is not one of the responses '%s' and "
               "'%s' that question '%s' compares", pref, pair[0], pair[1],
               q->id);
      return msg;
    }
    if (!side || !st)
      st = 0;
    *v = (uint32_t)(2 + side * st);
    return NULL;
  }
  case CB_Q_RANK: {
    cb_buf k = {0};
    if (rank_key(&k, value) < 0) {
      cb_buf_free(&k);
      break;
    }
    long r = k.failed ? -1 : intern(g, &g->ranks, cb_buf_cstr(&k), 0);
    cb_buf_free(&k);
    if (r < 0)
      return "";
    *v = (uint32_t)r;
    return NULL;
  }
  case CB_Q_TEXT:
    if (!json_is_string(value))
      break;
    *v = 0;
    return NULL;
  }
  snprintf(msg, size, "question '%s' takes %s", q->id, value_kind(q));
  return msg;
}

/* The gold.jsonl value of code v of question qi (a new reference; NULL
 * out of memory, json null for a text). */
json_t *cb_grade__decode(const cb_grade *g, size_t qi, uint32_t v) {
  const cb_question *q = &g->book->questions[qi];
  switch (q->type) {
  case CB_Q_CHOICE:
    return json_string(v < q->n_options ? q->options[v].id : "");
  case CB_Q_MULTI: {
    json_t *a = json_array();
    uint64_t mask = v < g->sets.n ? g->sets.masks[v] : 0;
    for (size_t i = 0; a && i < q->n_options && i < 64; i++)
      if (mask & ((uint64_t)1 << i))
        json_array_append_new(a, json_string(q->options[i].id));
    return a;
  }
  case CB_Q_SCALE:
    return json_integer((int32_t)v);
  case CB_Q_PAIRWISE: {
    int s = (int)v - 2;
    const char *const *pair = g->pairs[qi];
    const char *pref = s > 0 ? pair[0] : s < 0 ? pair[1] : "tie";
    return json_pack("{s:s,s:i}", "preferred", pref ? pref : "tie",
                     "strength", s < 0 ? -s : s);
  }
  case CB_Q_RANK: {
    json_t *a = json_array();
    const char *s = v < g->ranks.n ? g->ranks.strs[v] : "";
    while (a && *s) {
      const char *end = strchr(s, '\x1e');
      size_t len = end ? (size_t)(end - s) : strlen(s);
      if (memchr(s, '\x1d', len)) {
        json_t *tie = json_array();
        const char *p = s;
        while (tie && p < s + len) {
          const char *e = memchr(p, '\x1d', (size_t)(s + len - p));
          size_t l = e ? (size_t)(e - p) : (size_t)(s + len - p);
          json_array_append_new(tie, json_stringn(p, l));
          p += l + (e ? 1 : 0);
        }
        json_array_append_new(a, tie);
      } else {
        json_array_append_new(a, json_stringn(s, len));
      }
      s += len + (end ? 1 : 0);
    }
    return a;
  }
  case CB_Q_TEXT:
    return json_string(""); /* the text is not kept */
  }
  return json_null();
}

int cb_grade__answer(cb_grade *g, size_t qi, const char *response,
                     const json_t *value, const cb_grade_pos *pos) {
  const cb_question *q = &g->book->questions[qi];
  const gitem *it = &g->items[g->cur_item];
  if (q->scope == CB_SCOPE_RESPONSE && q->type != CB_Q_PAIRWISE &&
      q->type != CB_Q_RANK) {
    if (!response && it->case_idx >= 0)
      response = cb_model__only_response(&g->book->cases[it->case_idx]);
    if (!response) {
      cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                       "question '%s' is asked of each response, and the "
                       "answer of '%s' on item '%s' names no response; it "
                       "is left out",
                       q->id, g->anns[g->cur_ann], it->id);
      return 0;
    }
  } else if (response) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                     "question '%s' is asked of the whole item, not of "
                     "response '%s'; the answer of '%s' on item '%s' is "
                     "left out",
                     q->id, response, g->anns[g->cur_ann], it->id);
    return 0;
  }
  if (json_is_null(value))
    return 0; /* not answered */
  char msg[512];
  uint32_t v = 0;
  const char *why = cb_grade__encode(g, qi, value, &v, msg, sizeof msg);
  if (why && !*why)
    return cb_grade__oom(g);
  if (why) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1, "%s; the answer of '%s' "
                     "on item '%s' is left out", why, g->anns[g->cur_ann],
                     it->id);
    return 0;
  }
  grow *r = row_for(g, g->cur_item, response);
  if (!r)
    return cb_grade__oom(g);
  /* where: the task in a list of tasks, else the line */
  gcell c = {v, g->cur_ann, pos ? (pos->task ? pos->task : pos->line) : 0,
             (uint16_t)qi, (uint16_t)(pos ? pos->input : 0), g->cur_version,
             0};
  if (r->n == r->cap) {
    uint32_t cap = r->cap ? r->cap * 2 : 8;
    gcell *n = cb_realloc(r->cells, (size_t)cap * sizeof *n);
    if (!n)
      return cb_grade__oom(g);
    r->cells = n;
    r->cap = cap;
  }
  r->cells[r->n++] = c;
  g->cur_answers++;
  return 0;
}

/* ---- Values of grade.json --------------------------------------------- */

/* A figure for grade.json: rounded to 6 decimals, null when undefined. */
json_t *cb_grade__fig(double x, int defined) {
  if (!defined || isnan(x) || isinf(x))
    return json_null();
  double r = round(x * 1e6) / 1e6;
  return json_real(r == 0 ? 0 : r);
}

json_t *cb_grade__figure(cb_agree_figure f) { return cb_grade__fig(f.value, f.defined); }

json_t *cb_grade__ratio(uint64_t num, uint64_t den) {
  return cb_grade__fig(den ? (double)num / (double)den : 0, den != 0);
}

/* An object of the (key, value) pairs that follow, ended by a NULL key.
 * Every value is taken, also when something fails (json_pack would keep
 * those it had not reached yet), so nothing leaks when memory runs out;
 * a NULL value fails the object. */
json_t *cb_grade__object_of(const char *key, ...) {
  json_t *o = json_object();
  int bad = !o;
  va_list ap;
  va_start(ap, key);
  for (const char *k = key; k; k = va_arg(ap, const char *)) {
    json_t *v = va_arg(ap, json_t *);
    bad |= !v || json_object_set_new(o, k, v) < 0;
  }
  va_end(ap);
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

json_t *cb_grade__str_or_null(const char *s) {
  return s ? json_string(s) : json_null();
}

json_t *cb_grade__count(uint64_t n) { return json_integer((json_int_t)n); }

/* The site url of an element of chapter ch with anchor prefix-id. */
const char *cb_grade__site_url(cb_grade *g, uint32_t ch, const char *prefix,
                            const char *id) {
  if (ch >= g->book->n_chapters)
    return NULL;
  return cb_arena_printf(g->ctx->arena, "html/%s.html#%s%s",
                         g->book->chapters[ch].slug, prefix, id);
}

const char *cb_grade__option_url(cb_grade *g, const cb_question *q,
                              const char *opt) {
  return cb_grade__site_url(g, q->chapter, "option-",
                  cb_arena_printf(g->ctx->arena, "%s-%s", q->id, opt));
}
