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
 * (grade_html.c). A partial grade is the rows themselves, with values
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

#include "agree.h"
#include "consensus.h"
#include "export_util.h"
#include "grade_core.h"
#include "grade_html.h"
#include "json_file.h"
#include "json_out.h"
#include "model.h"
#include "model_json.h"
#include "output.h"
#include "strmap.h"

#define RULE_INPUT "grade-input"
#define RULE_GATE "grade-gate"
#define MIN_COHEN_ITEMS 10
#define DEFAULT_RESAMPLES 1000
#define MAX_CONFUSED 3
#define MAX_NEEDS_WORK 10
#define PARTIAL_FORMAT "casebook-grade-partial"

/* ---- State ------------------------------------------------------------- */

/* One answer. v is the code of the value: an option's index (choice), the
 * value (scale, as int32), the preference + 2 (pairwise: 0 is "second
 * much better" .. 4 "first much better"), an index into the interned
 * sets (multi) or rankings (rank), 0 (text). */
typedef struct gcell {
  uint32_t v;
  uint32_t ann;
  uint32_t line;
  uint16_t q;
  uint16_t input;
  uint16_t version; /* 0: the current book, else versions[version] */
  uint16_t flags;
} gcell;

enum { CELL_REREVIEW = 1, CELL_DUPLICATE = 2 };

typedef struct grow {
  uint32_t item;        /* index into items */
  const char *response; /* NULL: case level */
  gcell *cells;         /* cb_malloc'd */
  uint32_t n, cap;
} grow;

typedef struct gitem {
  const char *id;
  int32_t case_idx; /* a final case of the book, else -1 */
} gitem;

typedef struct gversion {
  const char *name;
  const cb_book *book; /* NULL: could not be read */
  const cb_change *changes;
  size_t n_changes;
} gversion;

/* An interned string (a set of options as a mask, a ranking). */
typedef struct gintern {
  cb_strmap map;
  const char **strs;
  uint64_t *masks;
  size_t n, cap;
} gintern;

struct cb_grade {
  cb_ctx *ctx;
  const cb_book *book;
  cb_grade_options opts;
  cb_ctx *plan_ctx; /* the export plans, their diagnostics apart */
  cb_export_target *ls, *ag;
  size_t n_ls, n_ag;
  cb_strmap ls_map, ag_map;
  const char **ls_names, **ag_names;
  /* per question: the pair a pairwise question compares */
  const char *(*pairs)[2];

  cb_grade_input *inputs;
  size_t n_inputs, cap_inputs;

  cb_strmap case_map; /* final case id -> index in book->cases */
  cb_strmap question_map; /* question id -> index in book->questions */
  cb_strmap item_map;
  gitem *items;
  size_t n_items, cap_items;
  cb_strmap row_map;
  grow *rows;
  size_t n_rows, cap_rows;
  cb_strmap ann_map;
  const char **anns;
  size_t n_anns, cap_anns;
  size_t *ann_annotations;
  size_t cap_ann_annotations;
  cb_strmap version_map;
  gversion *versions; /* [0] is the current book */
  size_t n_versions, cap_versions;
  gintern sets, ranks;
  cb_buf key; /* scratch */

  /* the annotation being read */
  size_t last_row; /* the row of the last answer + 1, 0 none */
  uint32_t cur_item, cur_ann;
  uint16_t cur_version;
  int cur_open, cur_answers;

  json_t *doc;      /* grade.json, after finish */
  cb_buf consensus; /* consensus.jsonl, after finish */
  int passed;
  int finished;
};

cb_ctx *cb_grade__ctx(const cb_grade *g) { return g->ctx; }
const cb_book *cb_grade__book(const cb_grade *g) { return g->book; }

static int oom(cb_grade *g) {
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
    if (book->cases[i].status == CB_STATUS_FINAL &&
        cb_strmap_put(&g->case_map, book->cases[i].id, i, NULL) < 0)
      err = CB_ENOMEM;
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
    oom(g);
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
static long name_index(cb_grade *g, cb_strmap *map, const char ***names,
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
  long an = name_index(g, &g->ann_map, &g->anns, &g->n_anns, &g->cap_anns,
                       annotator);
  long ve = version_index(g, version);
  if (it < 0 || an < 0 || ve < 0)
    return oom(g);
  if ((size_t)an >= g->cap_ann_annotations) {
    size_t cap = g->cap_ann_annotations ? g->cap_ann_annotations * 2 : 16;
    while (cap <= (size_t)an)
      cap *= 2;
    size_t *n = cb_realloc(g->ann_annotations, cap * sizeof *n);
    if (!n)
      return oom(g);
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
static const char *encode(cb_grade *g, size_t qi, const json_t *value,
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
static json_t *decode(const cb_grade *g, size_t qi, uint32_t v) {
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
  const char *why = encode(g, qi, value, &v, msg, sizeof msg);
  if (why && !*why)
    return oom(g);
  if (why) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1, "%s; the answer of '%s' "
                     "on item '%s' is left out", why, g->anns[g->cur_ann],
                     it->id);
    return 0;
  }
  grow *r = row_for(g, g->cur_item, response);
  if (!r)
    return oom(g);
  /* where: the task in a list of tasks, else the line */
  gcell c = {v, g->cur_ann, pos ? (pos->task ? pos->task : pos->line) : 0,
             (uint16_t)qi, (uint16_t)(pos ? pos->input : 0), g->cur_version,
             0};
  if (r->n == r->cap) {
    uint32_t cap = r->cap ? r->cap * 2 : 8;
    gcell *n = cb_realloc(r->cells, (size_t)cap * sizeof *n);
    if (!n)
      return oom(g);
    r->cells = n;
    r->cap = cap;
  }
  r->cells[r->n++] = c;
  g->cur_answers++;
  return 0;
}

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
  const char *why = encode(g, (size_t)(q - g->book->questions), j, v, msg,
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

/* ---- Finishing: figures -------------------------------------------------- */

/* A figure for grade.json: rounded to 6 decimals, null when undefined. */
static json_t *fig(double x, int defined) {
  if (!defined || isnan(x) || isinf(x))
    return json_null();
  double r = round(x * 1e6) / 1e6;
  return json_real(r == 0 ? 0 : r);
}

static json_t *figure(cb_agree_figure f) { return fig(f.value, f.defined); }

static json_t *ratio(uint64_t num, uint64_t den) {
  return fig(den ? (double)num / (double)den : 0, den != 0);
}

/* An object of the (key, value) pairs that follow, ended by a NULL key.
 * Every value is taken, also when something fails (json_pack would keep
 * those it had not reached yet), so nothing leaks when memory runs out;
 * a NULL value fails the object. */
static json_t *object_of(const char *key, ...) {
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

static json_t *str_or_null(const char *s) {
  return s ? json_string(s) : json_null();
}

static json_t *count(uint64_t n) { return json_integer((json_int_t)n); }

/* Per annotator and question. */
typedef struct aq_stat {
  uint64_t answers, correct;
  cb_agree_confusion *conf; /* choice */
} aq_stat;

typedef struct a_stat {
  uint64_t gold_answers, correct, misses, rereview, gold_items;
  uint32_t last_item; /* for gold_items: the last gold item counted + 1 */
} a_stat;

/* Per question. */
typedef struct q_stat {
  uint64_t items, answers, correct, rereview, gold_items;
  uint32_t last_item;
  cb_agree_error err;
  cb_agree_sets sets;
  double tau_sum;
  uint64_t tau_n;
  cb_agree_confusion *conf; /* choice */
} q_stat;

typedef struct finish {
  cb_grade *g;
  q_stat *qs;
  a_stat *as;
  aq_stat *aqs; /* n_anns * n_questions */
  json_t *misses, *rereview;
  json_t *cases; /* the cases misses and re-reviews name, once each */
  int failed;
} finish;

static aq_stat *aq_of(finish *f, uint32_t ann, uint16_t q) {
  return &f->aqs[(size_t)ann * f->g->book->n_questions + q];
}

/* The site url of an element of chapter ch with anchor prefix-id. */
static const char *site_url(cb_grade *g, uint32_t ch, const char *prefix,
                            const char *id) {
  if (ch >= g->book->n_chapters)
    return NULL;
  return cb_arena_printf(g->ctx->arena, "html/%s.html#%s%s",
                         g->book->chapters[ch].slug, prefix, id);
}

static const char *option_url(cb_grade *g, const cb_question *q,
                              const char *opt) {
  return site_url(g, q->chapter, "option-",
                  cb_arena_printf(g->ctx->arena, "%s-%s", q->id, opt));
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
    const char *u = cr ? site_url(g, cr->chapter, "criterion-", cr->id) : NULL;
    json_array_append_new(
        crit, object_of("id", json_string(cs->criteria.items[i]), "title",
                        cr ? cb_model_json__str(&tmp, cr->title,
                                                strlen(cr->title))
                           : json_null(),
                        "url", str_or_null(u), NULL));
  }
  json_t *e = object_of(
      "title", cb_model_json__str(&tmp, cs->title, strlen(cs->title)),
      "rationale", cb_model_json__str(&tmp, rat, strlen(rat)), "criteria",
      crit, "url", str_or_null(site_url(g, cs->chapter, "case-", cs->id)),
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
  json_object_set_new(o, "answer", decode(g, c->q, c->v));
  json_object_set_new(o, "gold", has_gold ? decode(g, c->q, gold) : json_null());
  const char *url = cs ? site_url(g, cs->chapter, "case-", cs->id) : NULL;
  json_object_set_new(o, "url", url ? json_string(url) : json_null());
  if (cs && !json_object_get(f->cases, cs->id))
    json_object_set_new(f->cases, cs->id, case_entry(f, cs));
  const char *qu = site_url(g, q->chapter, "question-", q->id);
  json_object_set_new(o, "question_url", qu ? json_string(qu) : json_null());
  if (q->type == CB_Q_CHOICE) {
    const char *au = option_url(g, q, q->options[c->v].id);
    const char *gu = has_gold ? option_url(g, q, q->options[gold].id) : NULL;
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
          object_of("kind", json_string(why->kind), "category",
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
      aq_stat *a = aq_of(f, c->ann, c->q);
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
  *alpha = fig(r.alpha, r.defined);
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
    json_array_append_new(*ci, fig(iv.lo, 1));
    json_array_append_new(*ci, fig(iv.hi, 1));
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
static json_t *agreement(finish *f, size_t qi, json_t **cons) {
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
      fleiss = fig(fk.kappa, fk.defined);
    }
  }
  json_object_set_new(o, "items", json_integer((json_int_t)items));
  json_object_set_new(o, "pairable_values", json_integer((json_int_t)pairable));
  json_object_set_new(o, "percent", acc ? figure(cb_agree__alpha_percent(acc))
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
        w = fig(wk.kappa, wk.defined);
      }
      json_array_append_new(
          kappas, object_of("a", json_string(g->anns[pr.a[i]]), "b",
                            json_string(g->anns[pr.b[i]]), "items",
                            count(c->total), "kappa",
                            fig(kk.kappa, kk.defined), "weighted_kappa", w,
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
    *cons = object_of("items", count(n_units), "iterations",
                      count(ds->iterations), "converged",
                      json_boolean(ds->converged), "changed_from_majority",
                      count(changed), NULL);
    for (size_t a = 0; a < g->n_anns; a++)
      if (ds->labelled[a]) {
        aq_stat *s = aq_of(f, (uint32_t)a, (uint16_t)qi);
        (void)s;
        json_t *ann = json_object_get(f->g->doc, "annotators");
        json_t *me = ann ? json_object_get(ann, g->anns[a]) : NULL;
        json_t *qq = me ? json_object_get(json_object_get(me, "questions"),
                                          q->id)
                        : NULL;
        if (qq)
          json_object_set_new(qq, "estimated_accuracy",
                              fig(cb_consensus__accuracy(ds, a), 1));
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
  return object_of("labels", labels, "counts", rows, NULL);
}

static json_t *question_gold(finish *f, size_t qi) {
  const cb_question *q = &f->g->book->questions[qi];
  const q_stat *s = &f->qs[qi];
  json_t *o = json_object();
  int num = q->type == CB_Q_SCALE || q->type == CB_Q_PAIRWISE;
  json_object_set_new(o, "items", json_integer((json_int_t)s->gold_items));
  json_object_set_new(o, "answers", json_integer((json_int_t)s->answers));
  json_object_set_new(o, "correct", json_integer((json_int_t)s->correct));
  json_object_set_new(o, "accuracy", ratio(s->correct, s->answers));
  json_object_set_new(o, "mae", num ? figure(cb_agree__error_mae(&s->err))
                                    : json_null());
  json_object_set_new(o, "rmse", num ? figure(cb_agree__error_rmse(&s->err))
                                     : json_null());
  json_t *jac = json_null(), *per = json_null();
  if (q->type == CB_Q_MULTI && s->sets.n) {
    json_decref(jac);
    json_decref(per);
    jac = figure(cb_agree__sets_jaccard(&s->sets));
    per = json_object();
    for (size_t i = 0; i < q->n_options && i < CB_AGREE_MAX_OPTIONS; i++)
      json_object_set_new(
          per, q->options[i].id,
          object_of("precision",
                    figure(cb_agree__sets_precision(&s->sets, i)), "recall",
                    figure(cb_agree__sets_recall(&s->sets, i)), NULL));
  }
  json_object_set_new(o, "jaccard", jac);
  json_object_set_new(o, "per_option", per);
  json_object_set_new(o, "kendall_tau",
                      q->type == CB_Q_RANK
                          ? fig(s->tau_n ? s->tau_sum / (double)s->tau_n : 0,
                                s->tau_n != 0)
                          : json_null());
  json_object_set_new(o, "confusion", confusion_json(q, s->conf));
  return o;
}

/* The most confused pairs of options of a choice question. */
static json_t *confused(finish *f, size_t qi) {
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
    const char *gu = option_url(g, q, go), *au = option_url(g, q, an);
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
static json_t *needs_work(finish *f, json_t *questions) {
  cb_grade *g = f->g;
  work *w = NULL;
  size_t n = 0, cap = 0;
  for (size_t qi = 0; qi < g->book->n_questions; qi++) {
    const cb_question *q = &g->book->questions[qi];
    const q_stat *s = &f->qs[qi];
    work e = {q->id, NULL, site_url(g, q->chapter, "question-", q->id), 0, 0};
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
      work oe = {q->id, q->options[o].id, option_url(g, q, q->options[o].id),
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
        a, object_of("question", json_string(w[i].question), "option",
                     str_or_null(w[i].option), "disagreement",
                     fig(w[i].disagreement, 1), "answers",
                     count(w[i].answers), "url", str_or_null(w[i].url),
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

static json_t *annotators(finish *f) {
  cb_grade *g = f->g;
  json_t *o = json_object();
  cb_strmap taken = {0};
  for (size_t a = 0; a < g->n_anns; a++) {
    const a_stat *s = &f->as[a];
    json_t *qs = json_object();
    for (size_t qi = 0; qi < g->book->n_questions; qi++) {
      const aq_stat *x = aq_of(f, (uint32_t)a, (uint16_t)qi);
      if (!x->answers)
        continue;
      json_object_set_new(
          qs, g->book->questions[qi].id,
          object_of("answers", count(x->answers), "correct",
                    count(x->correct), "accuracy",
                    ratio(x->correct, x->answers), "confusion",
                    confusion_json(&g->book->questions[qi], x->conf), NULL));
    }
    const char *page = page_name(g, a, &taken);
    if (!page)
      f->failed = 1;
    json_t *e = object_of(
        "page", str_or_null(page), "annotations",
        count(g->ann_annotations[a]), "gold_items", count(s->gold_items),
        "gold_answers", count(s->gold_answers), "correct", count(s->correct),
        "accuracy", ratio(s->correct, s->gold_answers), "misses",
        count(s->misses), "rereview", count(s->rereview), "questions", qs,
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
static json_t *headline_alpha(json_t *question) {
  json_t *ag = json_object_get(question, "agreement");
  json_t *ka = json_object_get(ag, "krippendorff_alpha");
  const char *type = json_string_value(json_object_get(question, "type"));
  if (!type)
    return NULL;
  if (!strcmp(type, "choice"))
    return json_object_get(ka, "nominal");
  if (!strcmp(type, "scale"))
    return json_object_get(ka, "interval");
  if (!strcmp(type, "pairwise"))
    return json_object_get(ka, "ordinal");
  if (!strcmp(type, "multi"))
    return json_object_get(ag, "alpha_masi");
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
      out, object_of("gate", json_string(name), "question",
                     str_or_null(gt->question), "threshold",
                     fig(gt->threshold, 1), "value", fig(v, defined),
                     "passed", json_boolean(passed), "where",
                     str_or_null(what), NULL));
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

static json_t *gates(cb_grade *g, json_t *questions, json_t *totals) {
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
                      ? headline_alpha(jq)
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

int cb_grade_finish(cb_grade *g) {
  if (g->finished)
    return cb_ctx__fail(g->ctx, CB_EUSAGE, "the grade is finished already");
  g->finished = 1;
  /* every allocation that fails while the document is built is an out
   * of memory, also where jansson's builders just leave a value out */
  unsigned long failures = cb_alloc_failures();
  const cb_book *book = g->book;
  if (order_annotators(g) < 0)
    return oom(g);
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
    return oom(g);
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
  json_object_set_new(d, "annotators", annotators(&f));

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
    json_t *ag = agreement(&f, qi, &cons);
    if (!ag) {
      json_decref(cons);
      break;
    }
    json_t *opts = json_array();
    for (size_t o = 0; o < q->n_options && q->type != CB_Q_SCALE; o++) {
      const cb_option *op = &q->options[o];
      json_array_append_new(
          opts, object_of("id", json_string(op->id), "url",
                          str_or_null(option_url(g, q, op->id)), "meaning",
                          cb_model_json__str(&tmp, op->meaning_text,
                                             strlen(op->meaning_text)),
                          NULL));
    }
    const char *qt = q->title && *q->title ? q->title : q->id;
    json_t *e = object_of(
        "title", cb_model_json__str(&tmp, qt, strlen(qt)), "type",
        json_string(cb_qtype_name(q->type)), "scope",
        json_string(q->scope == CB_SCOPE_RESPONSE ? "response" : "case"),
        "url", str_or_null(site_url(g, q->chapter, "question-", q->id)),
        "options", opts, "agreement", ag, "gold", question_gold(&f, qi),
        "confused", confused(&f, qi), "consensus", cons, "rereview",
        count(f.qs[qi].rereview), NULL);
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
  json_object_set_new(totals, "accuracy", ratio(correct, gold_answers));
  json_object_set_new(totals, "misses",
                      json_integer((json_int_t)json_array_size(f.misses)));
  json_object_set_new(totals, "rereview", json_integer((json_int_t)rereview));
  json_object_set_new(d, "needs_work", needs_work(&f, questions));
  json_object_set_new(d, "misses", f.misses);
  json_object_set_new(d, "rereview", f.rereview);
  json_object_set_new(d, "cases", f.cases);
  json_object_set_new(d, "consensus_file", json_string("consensus.jsonl"));
  json_object_set_new(d, "gates", gates(g, questions, totals));
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
    return oom(g);
  return 0;
}

int cb_grade_passed(const cb_grade *g) { return g->finished && g->passed; }

/* ---- Output ---------------------------------------------------------------- */

static void md_text(cb_buf *b, const char *s) {
  /* table cells: no newline, no pipe, no markup that changes the table */
  for (; *s; s++) {
    if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' || *s == '_' ||
        *s == '<' || *s == '>' || *s == '[' || *s == ']')
      cb_buf_putc(b, '\\');
    cb_buf_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
  }
}

static void md_fig(cb_buf *b, const json_t *v) {
  if (json_is_number(v))
    cb_buf_printf(b, "%.3f", json_number_value(v));
  else
    cb_buf_puts(b, "—");
}

static int summary(cb_grade *g, cb_buf *b) {
  json_t *d = g->doc, *t = json_object_get(d, "totals");
  cb_buf_puts(b, "### Annotation quality: ");
  md_text(b, json_string_value(json_object_get(d, "title")));
  cb_buf_puts(b, "\n\n");
  cb_buf_printf(b,
                "%lld annotations by %lld annotators on %lld items (%lld "
                "gold); accuracy against gold ",
                (long long)json_integer_value(json_object_get(t, "annotations")),
                (long long)json_integer_value(json_object_get(t, "annotators")),
                (long long)json_integer_value(json_object_get(t, "items")),
                (long long)json_integer_value(json_object_get(t, "gold_items")));
  md_fig(b, json_object_get(t, "accuracy"));
  cb_buf_printf(b, ", %lld misses, %lld answers to review again.\n\n",
                (long long)json_integer_value(json_object_get(t, "misses")),
                (long long)json_integer_value(json_object_get(t, "rereview")));
  cb_buf_puts(b, "| question | type | items | alpha | 95% interval | "
                 "accuracy |\n|---|---|---:|---:|---|---:|\n");
  const char *key;
  json_t *q;
  json_object_foreach(json_object_get(d, "questions"), key, q) {
    cb_buf_puts(b, "| ");
    md_text(b, key);
    cb_buf_printf(b, " | %s | %lld | ",
                  json_string_value(json_object_get(q, "type")),
                  (long long)json_integer_value(json_object_get(
                      json_object_get(q, "agreement"), "items")));
    md_fig(b, headline_alpha(q));
    cb_buf_puts(b, " | ");
    json_t *ci = NULL;
    const char *type = json_string_value(json_object_get(q, "type"));
    json_t *ag = json_object_get(q, "agreement");
    json_t *cis = json_object_get(ag, "alpha_ci95");
    if (!strcmp(type, "choice"))
      ci = json_object_get(cis, "nominal");
    else if (!strcmp(type, "scale"))
      ci = json_object_get(cis, "interval");
    else if (!strcmp(type, "pairwise"))
      ci = json_object_get(cis, "ordinal");
    else if (!strcmp(type, "multi"))
      ci = json_object_get(ag, "alpha_masi_ci95");
    if (json_is_array(ci)) {
      md_fig(b, json_array_get(ci, 0));
      cb_buf_puts(b, " – ");
      md_fig(b, json_array_get(ci, 1));
    } else {
      cb_buf_puts(b, "—");
    }
    cb_buf_puts(b, " | ");
    md_fig(b, json_object_get(json_object_get(q, "gold"), "accuracy"));
    cb_buf_puts(b, " |\n");
  }
  json_t *gs = json_object_get(d, "gates");
  if (json_array_size(gs)) {
    cb_buf_puts(b, "\n");
    size_t i;
    json_t *e;
    json_array_foreach(gs, i, e) {
      cb_buf_printf(b, "- %s %s ",
                    json_is_true(json_object_get(e, "passed")) ? "✅" : "❌",
                    json_string_value(json_object_get(e, "gate")));
      md_text(b, json_string_value(json_object_get(e, "where")));
      cb_buf_puts(b, ": ");
      md_fig(b, json_object_get(e, "value"));
      cb_buf_puts(b, " (at least ");
      md_fig(b, json_object_get(e, "threshold"));
      cb_buf_puts(b, ")\n");
    }
  }
  json_t *nw = json_object_get(d, "needs_work");
  if (json_array_size(nw)) {
    cb_buf_puts(b, "\n**Sections that need work**\n\n");
    size_t i;
    json_t *e;
    json_array_foreach(nw, i, e) {
      if (i == 5)
        break;
      cb_buf_puts(b, "- ");
      md_text(b, json_string_value(json_object_get(e, "question")));
      if (json_is_string(json_object_get(e, "option"))) {
        cb_buf_puts(b, " / ");
        md_text(b, json_string_value(json_object_get(e, "option")));
      }
      cb_buf_puts(b, ": ");
      md_fig(b, json_object_get(e, "disagreement"));
      cb_buf_puts(b, " disagreement\n");
    }
  }
  return b->failed ? -1 : 0;
}

int cb_grade_print_summary(cb_grade *g, FILE *fp) {
  cb_buf b = {0};
  int r = summary(g, &b);
  if (r == 0 && fwrite(b.data, 1, b.len, fp) != b.len)
    r = cb_ctx__fail(g->ctx, CB_EIO, "cannot write the summary");
  cb_buf_free(&b);
  return r < 0 && r != CB_EIO ? oom(g) : r;
}

int cb_grade_print_json(cb_grade *g, FILE *fp) {
  cb_buf b = {0};
  if (cb_json__dump(&b, g->doc, 2) < 0) {
    cb_buf_free(&b);
    return oom(g);
  }
  cb_buf_putc(&b, '\n');
  int r = b.failed ? oom(g) : 0;
  if (!r && fwrite(b.data, 1, b.len, fp) != b.len)
    r = cb_ctx__fail(g->ctx, CB_EIO, "cannot write grade.json");
  cb_buf_free(&b);
  return r;
}

int cb_grade_write(cb_grade *g, const char *outdir) {
  cb_ctx *ctx = g->ctx;
  int err = cb_output__begin(ctx, outdir);
  if (err < 0)
    return err;
  cb_buf md = {0};
  const char *p_json = cb_arena_printf(ctx->arena, "%s/grade.json", outdir);
  const char *p_cons = cb_arena_printf(ctx->arena, "%s/consensus.jsonl", outdir);
  const char *p_md = cb_arena_printf(ctx->arena, "%s/summary.md", outdir);
  if (!p_json || !p_cons || !p_md || summary(g, &md) < 0)
    err = oom(g);
  if (!err)
    err = cb_json_file__write(ctx, p_json, g->doc);
  if (!err)
    err = cb_output__file(ctx, p_cons, g->consensus.data ? g->consensus.data : "",
                          g->consensus.len, CB_OUTPUT_SYNC);
  if (!err)
    err = cb_output__file(ctx, p_md, md.data ? md.data : "", md.len, 0);
  if (!err)
    err = cb_grade_html__write(ctx, g->doc, outdir, g->opts.site_prefix);
  cb_buf_free(&md);
  cb_output__end(ctx);
  return err;
}

/* ---- Partial grades --------------------------------------------------------- */

int cb_grade_write_partial(cb_grade *g, const char *path) {
  unsigned long failures = cb_alloc_failures();
  json_t *d = json_object(), *anns = json_array(), *vers = json_array(),
         *ins = json_array(), *rows = json_array();
  for (size_t i = 0; i < g->n_anns; i++)
    json_array_append_new(anns, json_string(g->anns[i]));
  for (size_t i = 1; i < g->n_versions; i++)
    json_array_append_new(vers, json_string(g->versions[i].name));
  for (size_t i = 0; i < g->n_inputs; i++) {
    const cb_grade_input *in = &g->inputs[i];
    json_array_append_new(
        ins, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "file", in->path,
                       "format", in->format, "records", (json_int_t)in->records,
                       "annotations", (json_int_t)in->annotations, "cancelled",
                       (json_int_t)in->cancelled, "ground_truth",
                       (json_int_t)in->ground_truth, "not_submitted",
                       (json_int_t)in->not_submitted, "invalid",
                       (json_int_t)in->invalid));
  }
  json_t *counts = json_array();
  for (size_t i = 0; i < g->n_anns; i++)
    json_array_append_new(counts,
                          json_integer((json_int_t)g->ann_annotations[i]));
  for (size_t r = 0; r < g->n_rows; r++) {
    const grow *row = &g->rows[r];
    json_t *cells = json_array();
    for (uint32_t i = 0; i < row->n; i++) {
      const gcell *c = &row->cells[i];
      json_t *cell = json_array();
      json_array_append_new(cell, json_string(g->book->questions[c->q].id));
      json_array_append_new(cell, count(c->ann));
      json_array_append_new(cell, decode(g, c->q, c->v));
      json_array_append_new(cell, count(c->input));
      json_array_append_new(cell, count(c->line));
      json_array_append_new(cell, count(c->version));
      json_array_append_new(cells, cell);
    }
    json_t *jr = json_array();
    json_array_append_new(jr, json_string(g->items[row->item].id));
    json_array_append_new(jr, str_or_null(row->response));
    json_array_append_new(jr, cells);
    json_array_append_new(rows, jr);
  }
  json_object_set_new(d, "format", json_string(PARTIAL_FORMAT));
  json_object_set_new(d, "version", json_integer(1));
  json_object_set_new(d, "book", cb_model_json__stamp(g->book));
  json_object_set_new(d, "annotators", anns);
  json_object_set_new(d, "annotations", counts);
  json_object_set_new(d, "versions", vers);
  json_object_set_new(d, "inputs", ins);
  json_object_set_new(d, "rows", rows);
  /* written beside its final name and renamed over it, so a reader
   * never sees half a file; not through output.c, whose directories are
   * build outputs (locked, never read as a project) */
  char *text = failures == cb_alloc_failures() ? json_dumps(d, JSON_COMPACT)
                                                : NULL;
  json_decref(d);
  if (!text)
    return oom(g);
  char *tmp = cb_arena_printf(g->ctx->arena, "%s.tmp-%ld", path, (long)getpid());
  int err = 0;
  FILE *fp = tmp ? fopen(tmp, "wb") : NULL;
  if (!tmp) {
    err = oom(g);
  } else if (!fp) {
    err = cb_ctx__fail(g->ctx, CB_EIO, "cannot write %s: %s", tmp,
                       strerror(errno));
  } else {
    size_t len = strlen(text);
    int bad = fwrite(text, 1, len, fp) != len || fputc('\n', fp) == EOF;
    bad |= fflush(fp) != 0 || fsync(fileno(fp)) != 0;
    bad |= fclose(fp) != 0;
    if (bad || rename(tmp, path) != 0) {
      err = cb_ctx__fail(g->ctx, CB_EIO, "cannot write %s: %s", path,
                         strerror(errno));
      remove(tmp);
    }
  }
  void (*release)(void *) = NULL;
  json_get_alloc_funcs(NULL, &release);
  release(text);
  return err;
}

int cb_grade_merge(cb_grade *g, const char *path) {
  json_error_t je;
  unsigned long failures = cb_alloc_failures();
  json_t *d = json_load_file(path, 0, &je);
  if (!d && (failures != cb_alloc_failures() ||
             json_error_code(&je) == json_error_out_of_memory))
    return oom(g);
  if (!d) {
    cb_diag__report_file(g->ctx, CB_DIAG_ERROR, RULE_INPUT, path, (uint32_t)je.line,
                         (uint32_t)je.column,
                         cb_arena_printf(g->ctx->arena,
                                         "not a partial grade: %s", je.text));
    return 0;
  }
  const char *fmt = json_string_value(json_object_get(d, "format"));
  if (!fmt || strcmp(fmt, PARTIAL_FORMAT) != 0) {
    cb_diag__report_file(g->ctx, CB_DIAG_ERROR, RULE_INPUT, path, 1, 1,
                         "not a partial grade written by 'casebook grade "
                         "--partial'");
    json_decref(d);
    return 0;
  }
  int err = 0;
  json_t *anns = json_object_get(d, "annotators");
  json_t *counts = json_object_get(d, "annotations");
  json_t *vers = json_object_get(d, "versions");
  size_t base = g->n_inputs, i;
  json_t *e;
  json_array_foreach(json_object_get(d, "inputs"), i, e) {
    const char *file = json_string_value(json_object_get(e, "file"));
    const char *format = json_string_value(json_object_get(e, "format"));
    long k = cb_grade__input(g, file ? file : path, format ? format : "jsonl");
    if (k < 0) {
      json_decref(d);
      return oom(g);
    }
    cb_grade_input *in = &g->inputs[k];
    /* the format string must outlive d */
    in->format = !strcmp(in->format, "labelstudio") ? "labelstudio"
                 : !strcmp(in->format, "argilla")   ? "argilla"
                                                    : "jsonl";
    in->records = (size_t)json_integer_value(json_object_get(e, "records"));
    in->annotations =
        (size_t)json_integer_value(json_object_get(e, "annotations"));
    in->cancelled = (size_t)json_integer_value(json_object_get(e, "cancelled"));
    in->ground_truth =
        (size_t)json_integer_value(json_object_get(e, "ground_truth"));
    in->not_submitted =
        (size_t)json_integer_value(json_object_get(e, "not_submitted"));
    in->invalid = (size_t)json_integer_value(json_object_get(e, "invalid"));
  }
  size_t r;
  json_t *row;
  json_array_foreach(json_object_get(d, "rows"), r, row) {
    const char *item = json_string_value(json_array_get(row, 0));
    json_t *resp = json_array_get(row, 1);
    json_t *cells = json_array_get(row, 2);
    if (!item || !json_is_array(cells))
      continue;
    size_t c;
    json_t *cell;
    json_array_foreach(cells, c, cell) {
      const char *qid = json_string_value(json_array_get(cell, 0));
      size_t ann = (size_t)json_integer_value(json_array_get(cell, 1));
      size_t ver = (size_t)json_integer_value(json_array_get(cell, 5));
      const char *aname = json_string_value(json_array_get(anns, ann));
      const cb_question *q = qid ? cb_book_question(g->book, qid) : NULL;
      cb_grade_pos pos = {(uint32_t)(base + (size_t)json_integer_value(
                                                json_array_get(cell, 3))),
                          0, 0};
      if (pos.input < g->n_inputs &&
          strcmp(g->inputs[pos.input].format, "jsonl"))
        pos.task = (uint32_t)json_integer_value(json_array_get(cell, 4));
      else
        pos.line = (uint32_t)json_integer_value(json_array_get(cell, 4));
      if (pos.input >= g->n_inputs)
        pos.input = 0;
      if (!aname || !q) {
        cb_diag__report_file(
            g->ctx, CB_DIAG_WARNING, RULE_INPUT, path, 0, 0,
            cb_arena_printf(g->ctx->arena,
                            "an answer of item '%s' names %s '%s' that %s; "
                            "it is left out",
                            item, q ? "annotator" : "question",
                            q ? "#" : (qid ? qid : "?"),
                            q ? "the partial grade does not list"
                              : "the book does not have"));
        continue;
      }
      const char *vname = ver ? json_string_value(json_array_get(vers, ver - 1))
                              : NULL;
      if ((err = cb_grade__begin(g, item, aname, vname, &pos)) < 0 ||
          (err = cb_grade__answer(g, (size_t)(q - g->book->questions),
                                  json_is_string(resp) ? json_string_value(resp)
                                                       : NULL,
                                  json_array_get(cell, 2), &pos)) < 0)
        break;
      g->cur_open = 0; /* annotations are counted from the partial's own */
    }
    if (err)
      break;
  }
  json_array_foreach(anns, i, e) {
    if (err || !json_is_string(e))
      break;
    long a = name_index(g, &g->ann_map, &g->anns, &g->n_anns, &g->cap_anns,
                        json_string_value(e));
    if (a < 0 || cb_grade__begin(g, "", json_string_value(e), NULL, NULL) < 0) {
      err = oom(g);
      break;
    }
    g->cur_open = 0;
    g->ann_annotations[a] += (size_t)json_integer_value(json_array_get(counts, i));
  }
  json_decref(d);
  return err;
}
