/* SPDX-License-Identifier: MIT */
/*
 * export_argilla.c: the Argilla v2 export of `build`, in OUT/argilla/, in
 * the layout of the Argilla SDK's Dataset.to_disk (docs/argilla.md is
 * the mapping):
 *
 *   settings.json  guidelines (the chapters' Markdown, raw HTML made text
 *                  unless the manifest sets unsafe_html), fields (text, and
 *                  a chat field for conversations), questions
 *                  (label_selection, multi_label_selection, rating,
 *                  ranking, text);
 *   records.json   one record per final case, its gold answers as
 *                  suggestions (agent "casebook-gold");
 *   dataset.json   the dataset's name and distribution.
 *
 * Argilla names match ^[a-z0-9_-]+$: ids are lowered and every other
 * character becomes '_'; two elements that end up with one name are an
 * error naming both [export-argilla], and the second is left out.
 */
#include <string.h>

#include "export.h"
#include "export_argilla_impl.h"
#include "export_guidelines.h"
#include "export_util.h"
#include "json_file.h"
#include "json_out.h"
#include "model.h"
#include "model_json.h"
#include "output.h"
#include "strmap.h"

#define RULE "export-argilla"
#define TOOL "Argilla"
#define AGENT "casebook-gold"
/* Argilla's rating questions take values from 0 to 10. */
#define RATING_MIN 0
#define RATING_MAX 10

static void report(ag *a, cb_loc loc, const char *element, const char *msg) {
  cb_diag_report(a->ctx, CB_DIAG_ERROR, RULE, loc, element, NULL, "%s: %s",
                 TOOL, msg);
}

/* Claims name for owner (a description: "question 'harm'"). Returns 1
 * when it is free, 0 when another element has it (reported at loc), -1
 * when out of memory. */
static int claim(ag *a, const char *name, const char *owner, cb_loc loc,
                 const char *element) {
  size_t earlier;
  int r = cb_strmap_put(&a->names, name, a->n_owners, &earlier);
  if (r < 0)
    return -1;
  if (r == 0) {
    char *msg = cb_arena_printf(
        a->ctx->arena,
        "%s and %s both become the name '%s' (names are lower case, "
        "[a-z0-9_-]); %s is left out",
        a->owners[earlier], owner, name, owner);
    if (!msg)
      return -1;
    report(a, loc, element, msg);
    return 0;
  }
  if (CB_VEC_PUSH(a->owners, a->n_owners, a->cap_owners, owner) < 0)
    return -1;
  return 1;
}

/* A name in Argilla's alphabet. */
static char *norm(ag *a, const char *s) {
  return cb_export__name(a->ctx, s, CB_XNAME_LOWER | CB_XNAME_DASH);
}

/* ---- Fields ------------------------------------------------------------ */

static const char *field_base(const cb_xfield *f) {
  switch (f->kind) {
  case CB_XF_SYSTEM:
    return "system";
  case CB_XF_CONTEXT:
    return "context";
  case CB_XF_PROMPT:
    return "prompt";
  case CB_XF_DIALOGUE:
    return "conversation";
  case CB_XF_RESPONSE:
    break;
  }
  return "response";
}

/* Where a response field first appears, for its diagnostics. */
static cb_loc field_loc(const ag *a, const cb_xfield *f) {
  cb_loc none = {UINT32_MAX, 0, 0, 0, 0};
  for (size_t i = 0; i < a->book->n_cases; i++) {
    const cb_case *c = &a->book->cases[i];
    if (c->status == CB_STATUS_FINAL && cb_export__case_has(c, f))
      return c->loc;
  }
  return none;
}

static int name_fields(ag *a) {
  cb_ctx *ctx = a->ctx;
  a->field_names =
      cb_arena_calloc(ctx->arena, a->layout.n_fields + 1, sizeof(char *));
  if (!a->field_names)
    return -1;
  for (size_t i = 0; i < a->layout.n_fields; i++) {
    const cb_xfield *f = &a->layout.fields[i];
    const char *name, *owner;
    if (f->kind == CB_XF_RESPONSE && cb_export__shown_name(f->response)) {
      const char *r = norm(a, f->response);
      name = r ? cb_arena_printf(ctx->arena, "response_%s", r) : NULL;
      owner = cb_arena_printf(ctx->arena, "response '%s'", f->response);
    } else {
      name = field_base(f);
      owner = cb_arena_printf(ctx->arena, "the %s field", name);
    }
    if (!name || !owner)
      return -1;
    int r = claim(a, name, owner, field_loc(a, f), NULL);
    if (r < 0)
      return -1;
    a->field_names[i] = r ? name : NULL;
  }
  return 0;
}

/* ---- Questions --------------------------------------------------------- */

static int add_question(ag *a, const aq *q, size_t *cap) {
  if (a->n_questions == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    aq *n = cb_arena_calloc(a->ctx->arena, ncap, sizeof *n);
    if (!n)
      return -1;
    if (a->n_questions)
      memcpy(n, a->questions, a->n_questions * sizeof *n);
    a->questions = n;
    *cap = ncap;
  }
  a->questions[a->n_questions++] = *q;
  return 0;
}

/* Plans question qi: checks Argilla can hold it, names it (once per
 * response field for a per-response question). Returns 0 or -1 (out of
 * memory). */
static int plan_question(ag *a, size_t qi, size_t *cap) {
  cb_ctx *ctx = a->ctx;
  const cb_question *q = &a->book->questions[qi];
  aq entry;
  memset(&entry, 0, sizeof entry);
  entry.q = q;
  entry.qi = qi;
  char *msg = NULL;
  int bad = 0;
  if ((q->type == CB_Q_CHOICE || q->type == CB_Q_MULTI) && !q->n_options &&
      cb_model__type_misread(q)) {
    return 0; /* left out: its type is bad-property's to report */
  } else if ((q->type == CB_Q_CHOICE || q->type == CB_Q_MULTI) &&
             !q->n_options) {
    bad = 1;
    msg = cb_arena_printf(ctx->arena,
                          "question '%s' has no options, and a %s question "
                          "needs at least one; it is left out",
                          q->id,
                          q->type == CB_Q_MULTI ? "multi_label_selection"
                                                : "label_selection");
  } else if (q->type == CB_Q_SCALE &&
             (q->scale_min < RATING_MIN || q->scale_max > RATING_MAX ||
              q->scale_min > q->scale_max)) {
    bad = 1;
    msg = cb_arena_printf(ctx->arena,
                          "scale %d-%d of question '%s' does not fit a rating "
                          "question, whose values are %d to %d; it is left "
                          "out",
                          q->scale_min, q->scale_max, q->id, RATING_MIN,
                          RATING_MAX);
  } else if (q->type == CB_Q_PAIRWISE || q->type == CB_Q_RANK) {
    size_t n =
        cb_export__compared(&entry.compared, ctx, a->book, &a->layout, q);
    if (n == (size_t)-1)
      return -1;
    entry.n_compared = n;
    if (q->type == CB_Q_PAIRWISE && n != 2) {
      bad = 1;
      msg = cb_arena_printf(
          ctx->arena,
          "pairwise question '%s' compares %zu named response fields, and "
          "its label_selection stands for a choice between two (name them "
          "with 'responses: A, B'); it is left out",
          q->id, n);
    } else if (q->type == CB_Q_RANK && n < 2) {
      bad = 1;
      msg = cb_arena_printf(ctx->arena,
                            "rank question '%s' has %zu named response "
                            "fields to order, and a ranking question needs "
                            "two; it is left out",
                            q->id, n);
    }
  }
  if (bad) {
    if (!msg)
      return -1;
    report(a, q->loc, q->id, msg);
    return 0;
  }
  const char *base = norm(a, q->id);
  if (!base)
    return -1;
  int per_response = q->scope == CB_SCOPE_RESPONSE &&
                     q->type != CB_Q_PAIRWISE && q->type != CB_Q_RANK;
  if (!per_response) {
    const char *owner = cb_arena_printf(ctx->arena, "question '%s'", q->id);
    if (!owner)
      return -1;
    int r = claim(a, base, owner, q->loc, q->id);
    if (r <= 0)
      return r;
    entry.name = base;
    return add_question(a, &entry, cap);
  }
  for (size_t i = 0; i < a->layout.n_fields; i++) {
    const cb_xfield *f = &a->layout.fields[i];
    if (f->kind != CB_XF_RESPONSE || !a->field_names[i])
      continue;
    aq r = entry;
    r.field = f;
    r.name = cb_arena_printf(ctx->arena, "%s_%s", base, a->field_names[i]);
    const char *owner = cb_arena_printf(
        ctx->arena, "question '%s' for response '%s'", q->id, f->response);
    if (!r.name || !owner)
      return -1;
    int c = claim(a, r.name, owner, q->loc, q->id);
    if (c < 0)
      return -1;
    if (c && add_question(a, &r, cap) < 0)
      return -1;
  }
  return 0;
}

/* The five options of a pairwise question between x and y. */
static const char *pair_value(ag *a, const aq *e, int k) {
  const char *x = e->compared[0]->response, *y = e->compared[1]->response;
  switch (k) {
  case 0:
    return cb_arena_printf(a->ctx->arena, "%s>>%s", x, y);
  case 1:
    return cb_arena_printf(a->ctx->arena, "%s>%s", x, y);
  case 2:
    return "tie";
  case 3:
    return cb_arena_printf(a->ctx->arena, "%s>%s", y, x);
  default:
    return cb_arena_printf(a->ctx->arena, "%s>>%s", y, x);
  }
}

static const char *pair_text(ag *a, const aq *e, int k) {
  const char *x = e->compared[0]->response, *y = e->compared[1]->response;
  switch (k) {
  case 0:
    return cb_arena_printf(a->ctx->arena, "%s is much better", x);
  case 1:
    return cb_arena_printf(a->ctx->arena, "%s is better", x);
  case 2:
    return "Tie";
  case 3:
    return cb_arena_printf(a->ctx->arena, "%s is better", y);
  default:
    return cb_arena_printf(a->ctx->arena, "%s is much better", y);
  }
}

static void option(cb_json_writer *w, const char *value, const char *text,
                   const char *description) {
  cb_json__begin_object(w);
  cb_json__key(w, "value");
  cb_json__put_cstr(w, value);
  cb_json__key(w, "text");
  cb_json__put_cstr(w, text);
  cb_json__key(w, "description");
  cb_json__put_cstr(w, description && description[0] ? description : NULL);
  cb_json__end_object(w);
}

static void question_json(ag *a, cb_json_writer *w, const aq *e,
                          const aset *s) {
  const cb_question *q = e->q;
  cb_buf title = {0};
  cb_buf_puts(&title, q->title && q->title[0] ? q->title : q->id);
  if (e->field) {
    cb_buf_puts(&title, " (");
    cb_buf f = {0};
    cb_buf_puts(&title, cb_export__field_title(&f, e->field));
    cb_buf_free(&f);
    cb_buf_putc(&title, ')');
  }
  cb_json__begin_object(w);
  cb_json__key(w, "name");
  cb_json__put_cstr(w, e->name);
  cb_json__key(w, "title");
  cb_json__put_string(w, cb_buf_cstr(&title), title.len);
  if (title.failed)
    w->out->failed = 1;
  cb_buf_free(&title);
  cb_json__key(w, "description");
  cb_export_argilla__description(a, w, e, s);
  cb_json__key(w, "required");
  cb_json__put_bool(w, cb_export_argilla__required(a, e, s));
  cb_json__key(w, "settings");
  cb_json__begin_object(w);
  cb_json__key(w, "type");
  size_t n_options = 0; /* of a selection */
  switch (q->type) {
  case CB_Q_CHOICE:
  case CB_Q_MULTI:
    cb_json__put_cstr(w, q->type == CB_Q_CHOICE ? "label_selection"
                                                : "multi_label_selection");
    cb_json__key(w, "options");
    cb_json__begin_array(w);
    for (size_t k = 0; k < q->n_options; k++)
      option(w, q->options[k].id, q->options[k].id, q->options[k].meaning_text);
    cb_json__end_array(w);
    n_options = q->n_options;
    break;
  case CB_Q_PAIRWISE:
    cb_json__put_cstr(w, "label_selection");
    cb_json__key(w, "options");
    cb_json__begin_array(w);
    for (int k = 0; k < 5; k++) {
      const char *v = pair_value(a, e, k), *t = pair_text(a, e, k);
      if (!v || !t)
        w->out->failed = 1;
      else
        option(w, v, t, NULL);
    }
    cb_json__end_array(w);
    n_options = 5;
    break;
  case CB_Q_SCALE:
    cb_json__put_cstr(w, "rating");
    cb_json__key(w, "options");
    cb_json__begin_array(w);
    for (int v = q->scale_min; v <= q->scale_max; v++) {
      cb_json__begin_object(w);
      cb_json__key(w, "value");
      cb_json__put_int(w, v);
      cb_json__end_object(w);
    }
    cb_json__end_array(w);
    break;
  case CB_Q_RANK:
    cb_json__put_cstr(w, "ranking");
    cb_json__key(w, "options");
    cb_json__begin_array(w);
    for (size_t k = 0; k < e->n_compared; k++) {
      cb_buf t = {0};
      option(w, e->compared[k]->response,
             cb_export__field_title(&t, e->compared[k]), NULL);
      if (t.failed)
        w->out->failed = 1;
      cb_buf_free(&t);
    }
    cb_json__end_array(w);
    break;
  case CB_Q_TEXT:
    cb_json__put_cstr(w, "text");
    break;
  }
  if (q->type == CB_Q_CHOICE || q->type == CB_Q_MULTI ||
      q->type == CB_Q_PAIRWISE) {
    cb_json__key(w, "visible_options");
    if (n_options >= 3)
      cb_json__put_int(w, (long long)n_options);
    else
      cb_json__put_null(w);
  }
  if (q->type == CB_Q_MULTI) {
    cb_json__key(w, "options_order");
    cb_json__put_cstr(w, "natural");
  }
  if (q->type == CB_Q_TEXT) {
    cb_json__key(w, "use_markdown");
    cb_json__put_bool(w, 0);
  }
  cb_json__end_object(w);
  cb_json__end_object(w);
}

/* ---- settings.json and dataset.json ------------------------------------ */

static void distribution(cb_json_writer *w) {
  cb_json__begin_object(w);
  cb_json__key(w, "strategy");
  cb_json__put_cstr(w, "overlap");
  cb_json__key(w, "min_submitted");
  cb_json__put_int(w, 1);
  cb_json__end_object(w);
}

/* settings.json of a dataset of set s. guidelines: the Markdown
 * (cb_export__guidelines). */
static void settings_json(ag *a, cb_json_writer *w, const json_t *stamp,
                          const cb_buf *guidelines, const aset *s) {
  cb_json__begin_object(w);
  cb_json__key(w, "guidelines");
  /* a NUL byte of a chapter is U+FFFD by now (cmark) */
  cb_json__put_string(w, guidelines->data ? guidelines->data : "",
                      guidelines->len);
  cb_json__key(w, "allow_extra_metadata");
  cb_json__put_bool(w, 1);
  cb_json__key(w, "distribution");
  distribution(w);
  cb_json__key(w, "fields");
  cb_json__begin_array(w);
  for (size_t i = 0; i < a->layout.n_fields; i++) {
    const cb_xfield *f = &a->layout.fields[i];
    if (!a->field_names[i])
      continue;
    cb_buf t = {0};
    cb_json__begin_object(w);
    cb_json__key(w, "name");
    cb_json__put_cstr(w, a->field_names[i]);
    cb_json__key(w, "title");
    cb_json__put_cstr(w, cb_export__field_title(&t, f));
    if (t.failed)
      w->out->failed = 1;
    cb_buf_free(&t);
    cb_json__key(w, "description");
    cb_json__put_null(w);
    size_t n_with = 0;
    for (size_t k = 0; k < s->n; k++)
      n_with += (size_t)cb_export__case_has(s->cases[k], f);
    cb_json__key(w, "required");
    cb_json__put_bool(w, s->n && n_with == s->n);
    cb_json__key(w, "settings");
    cb_json__begin_object(w);
    cb_json__key(w, "type");
    cb_json__put_cstr(w, f->kind == CB_XF_DIALOGUE ? "chat" : "text");
    /* inputs are verbatim text, not Markdown */
    cb_json__key(w, "use_markdown");
    cb_json__put_bool(w, 0);
    cb_json__end_object(w);
    cb_json__end_object(w);
  }
  cb_json__end_array(w);
  cb_json__key(w, "questions");
  cb_json__begin_array(w);
  for (size_t i = 0; i < a->n_questions; i++)
    question_json(a, w, &a->questions[i], s);
  cb_json__end_array(w);
  cb_json__key(w, "metadata");
  cb_json__begin_array(w);
  cb_json__end_array(w);
  cb_json__key(w, "vectors");
  cb_json__begin_array(w);
  cb_json__end_array(w);
  cb_json__key(w, "mapping");
  cb_json__put_null(w);
  cb_json__key(w, "casebook");
  cb_json__put_value(w, stamp);
  cb_json__end_object(w);
}

/* dataset.json: the dataset model Dataset.from_disk reads, named name. */
static void dataset_json(cb_json_writer *w, const json_t *stamp,
                         const char *name) {
  cb_json__begin_object(w);
  cb_json__key(w, "id");
  cb_json__put_null(w);
  cb_json__key(w, "name");
  cb_json__put_cstr(w, name);
  cb_json__key(w, "status");
  cb_json__put_cstr(w, "draft");
  /* the guidelines are in settings.json, once */
  cb_json__key(w, "guidelines");
  cb_json__put_null(w);
  cb_json__key(w, "allow_extra_metadata");
  cb_json__put_bool(w, 1);
  cb_json__key(w, "distribution");
  distribution(w);
  cb_json__key(w, "workspace_id");
  cb_json__put_null(w);
  cb_json__key(w, "casebook");
  cb_json__put_value(w, stamp);
  cb_json__end_object(w);
}

/* ---- records.json ------------------------------------------------------ */

/* The option of pairwise entry e that answer ans (a preference) selects;
 * NULL when it prefers a response e does not compare (reported) or when
 * out of memory (w->out->failed set). */
static const char *pair_choice(ag *a, cb_json_writer *w, const aq *e,
                               const cb_case *c, const cb_answer *ans) {
  int first = strcmp(ans->items[0], e->compared[0]->response) == 0;
  int second = strcmp(ans->items[0], e->compared[1]->response) == 0;
  if (!first && !second) {
    char *msg = cb_arena_printf(
        a->ctx->arena,
        "case '%s' prefers response '%s', which is not one of the two "
        "responses question '%s' compares; its answer is left out",
        c->id, ans->items[0], e->q->id);
    if (msg)
      report(a, ans->value_loc.line ? ans->value_loc : c->loc, c->id, msg);
    else
      w->out->failed = 1;
    return NULL;
  }
  const char *v = pair_value(a, e,
                             first ? (ans->strength == 2 ? 0 : 1)
                                   : (ans->strength == 2 ? 4 : 3));
  if (!v)
    w->out->failed = 1;
  return v;
}

/* Writes the gold answer of entry e in case c as a member of the open
 * suggestions object, its value as Argilla holds it; nothing when the
 * case has none (or "none" of a multi: Argilla has no empty selection). */
static void suggestion(ag *a, cb_json_writer *w, const aq *e,
                       const cb_case *c) {
  const cb_answer *ans = cb_export__answer(
      a->book, c, e->qi, e->field ? e->field->response : NULL);
  if (!ans || !cb_export__fits(e->q, ans))
    return;
  const char *pair = "tie";
  switch (ans->kind) {
  case CB_V_OPTION:
  case CB_V_OPTIONS:
    if (!ans->n_items)
      return;
    break;
  case CB_V_PAIRWISE:
    if (ans->strength != 0 && ans->n_items &&
        !(pair = pair_choice(a, w, e, c, ans)))
      return;
    break;
  case CB_V_NUMBER:
  case CB_V_RANK:
  case CB_V_TEXT:
    break;
  case CB_V_NONE:
    return;
  }
  cb_json__key(w, e->name);
  cb_json__begin_object(w);
  cb_json__key(w, "value");
  switch (ans->kind) {
  case CB_V_OPTION:
    cb_json__put_cstr(w, ans->items[0]);
    break;
  case CB_V_OPTIONS:
  case CB_V_RANK: /* a rank: best first, tied responses in the order
                     written */
    cb_json__begin_array(w);
    for (size_t k = 0; k < ans->n_items; k++)
      cb_json__put_cstr(w, ans->items[k]);
    cb_json__end_array(w);
    break;
  case CB_V_NUMBER:
    cb_json__put_int(w, ans->number);
    break;
  case CB_V_PAIRWISE:
    cb_json__put_cstr(w, pair);
    break;
  case CB_V_TEXT:
    cb_json__put_cstr(w, ans->raw ? ans->raw : "");
    break;
  case CB_V_NONE:
    break;
  }
  cb_json__key(w, "score");
  cb_json__put_null(w);
  cb_json__key(w, "agent");
  cb_json__put_cstr(w, AGENT);
  cb_json__end_object(w);
}

static void chat(cb_json_writer *w, const cb_case *c) {
  cb_json__begin_array(w);
  for (size_t i = 0; i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    if (in->kind != CB_IN_USER && in->kind != CB_IN_ASSISTANT &&
        in->kind != CB_IN_PROMPT)
      continue;
    cb_json__begin_object(w);
    cb_json__key(w, "role");
    cb_json__put_cstr(w, in->kind == CB_IN_ASSISTANT ? "assistant" : "user");
    cb_json__key(w, "content");
    cb_json__put_string(w, in->text ? in->text : "", in->text ? in->len : 0);
    cb_json__end_object(w);
  }
  cb_json__end_array(w);
}

/* Writes the record of case c; text is scratch. */
static void record(ag *a, cb_json_writer *w, const cb_case *c,
                   const char *version, cb_buf *text) {
  int training = a->use == CB_USE_TRAINING;
  /* an exam or honeypot record must not tell its case */
  const char *id = training ? c->id : cb_export__task_id(a->ctx, c);
  if (!id) {
    w->out->failed = 1;
    return;
  }
  cb_json__begin_object(w);
  cb_json__key(w, "id");
  cb_json__put_cstr(w, id);
  cb_json__key(w, "fields");
  cb_json__begin_object(w);
  for (size_t i = 0; i < a->layout.n_fields; i++) {
    const cb_xfield *f = &a->layout.fields[i];
    if (!a->field_names[i] || !cb_export__case_has(c, f))
      continue;
    cb_json__key(w, a->field_names[i]);
    if (f->kind == CB_XF_DIALOGUE) {
      chat(w, c);
      continue;
    }
    cb_export__case_text(text, c, f);
    cb_json__put_string(w, cb_buf_cstr(text), text->len);
  }
  cb_json__end_object(w);
  if (text->failed)
    w->out->failed = 1;
  cb_json__key(w, "metadata");
  cb_json__begin_object(w);
  if (training)
    cb_export__case_origin(w, a->book, c, "source");
  cb_json__key(w, "casebook_version");
  cb_json__put_cstr(w, version);
  cb_json__end_object(w);
  cb_json__key(w, "suggestions");
  cb_json__begin_object(w);
  /* the gold as suggestions, which Argilla shows pre-filled: only where
   * the annotator is to learn from it */
  for (size_t i = 0; training && i < a->n_questions; i++) {
    const aq *e = &a->questions[i];
    if (e->field && !cb_export__case_has(c, e->field))
      continue;
    suggestion(a, w, e, c);
  }
  cb_json__end_object(w);
  cb_json__key(w, "responses");
  cb_json__begin_object(w);
  cb_json__end_object(w);
  cb_json__key(w, "vectors");
  cb_json__begin_object(w);
  cb_json__end_object(w);
  cb_json__key(w, "_server_id");
  cb_json__put_null(w);
  cb_json__end_object(w);
}

/* ---- The exporter ------------------------------------------------------ */

/* records.json, one record at a time, written as it is made: no tree. */
static int write_records(ag *a, const char *path, const char *version,
                         const aset *s) {
  cb_xarray records;
  cb_buf text = {0};
  int err = cb_export__array_open(&records, a->ctx, path);
  for (size_t i = 0; i < s->n && err == 0; i++) {
    record(a, cb_export__array_next(&records), s->cases[i], version, &text);
    err = cb_export__array_add(&records, a->ctx);
  }
  cb_buf_free(&text);
  if (err == 0)
    return cb_export__array_close(&records);
  if (records.f)
    cb_export__array_discard(&records);
  return err;
}

/* Writes one dataset, in the layout Dataset.from_disk reads:
 * dir/.argilla/settings.json, dir/.argilla/dataset.json and
 * dir/records.json, the records of the n cases (final ones), the dataset
 * named name ([a-z0-9_-]). The questions' and fields' required follow the
 * records given. guidelines is the Markdown of the settings, stamp the
 * version object of both files, version the one of every record. The two
 * small files are made before anything is written: out of memory, nothing
 * is. Returns 0 or a negative code with ctx's error set. */
static int write_dataset(ag *a, const char *dir, const char *name,
                         const cb_case *const *cases, size_t n,
                         const cb_buf *guidelines, const json_t *stamp,
                         const char *version) {
  cb_ctx *ctx = a->ctx;
  aset s = {cases, n};
  cb_buf settings = {0}, dataset = {0};
  int err = 0;
  const char *conf = cb_arena_printf(ctx->arena, "%s/.argilla", dir);
  const char *p_settings =
      cb_arena_printf(ctx->arena, "%s/settings.json", conf);
  const char *p_dataset = cb_arena_printf(ctx->arena, "%s/dataset.json", conf);
  const char *p_records = cb_arena_printf(ctx->arena, "%s/records.json", dir);
  cb_json_writer w;
  cb_json__writer_init(&w, &settings, 2, 0);
  settings_json(a, &w, stamp, guidelines, &s);
  cb_json__writer_init(&w, &dataset, 2, 0);
  dataset_json(&w, stamp, name);
  if (!conf || !p_settings || !p_dataset || !p_records || settings.failed ||
      dataset.failed) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  if ((err = cb_output__mkdirs(ctx, conf)) < 0 ||
      (err = cb_json_file__write_text(ctx, p_settings, &settings)) < 0 ||
      (err = write_records(a, p_records, version, &s)) < 0 ||
      (err = cb_json_file__write_text(ctx, p_dataset, &dataset)) < 0)
    goto done;
done:
  cb_buf_free(&settings);
  cb_buf_free(&dataset);
  return err;
}

int cb_export_argilla__targets(cb_export_target **out, size_t *n, cb_ctx *ctx,
                               const cb_book *book) {
  ag a;
  memset(&a, 0, sizeof a);
  a.ctx = ctx;
  a.book = book;
  *out = NULL;
  *n = 0;
  int err = cb_export__layout(&a.layout, ctx, book);
  size_t cap = 0;
  if (err == 0 && name_fields(&a) < 0)
    err = CB_ENOMEM;
  for (size_t qi = 0; err == 0 && qi < book->n_questions; qi++)
    if (plan_question(&a, qi, &cap) < 0)
      err = CB_ENOMEM;
  cb_export_target *t =
      err ? NULL : cb_arena_calloc(ctx->arena, a.n_questions + 1, sizeof *t);
  for (size_t i = 0; t && i < a.n_questions; i++) {
    const aq *e = &a.questions[i];
    t[i].name = e->name;
    t[i].qi = e->qi;
    t[i].response = e->field ? e->field->response : NULL;
    t[i].n_compared = e->n_compared;
    for (size_t k = 0; k < e->n_compared && k < 2; k++)
      t[i].compared[k] = e->compared[k]->response;
  }
  cb_strmap_free(&a.names);
  cb_free(a.owners);
  if (!t)
    return err == CB_ENOMEM || err == 0
               ? cb_ctx__fail(ctx, CB_ENOMEM, "out of memory")
               : err;
  *out = t;
  *n = a.n_questions;
  return 0;
}

int cb_export_argilla__run(cb_ctx *ctx, const cb_book *book,
                           const char *outdir) {
  ag a;
  memset(&a, 0, sizeof a);
  a.ctx = ctx;
  a.book = book;
  int err = 0;
  json_t *stamp = NULL;
  cb_buf guidelines = {0};
  const cb_case **cases = NULL;
  unsigned char *hide = NULL;
  size_t n_cases = 0, cap_cases = 0;
  const char *name = norm(&a, cb_model__title(book));
  if (!name)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  if ((err = cb_export__layout(&a.layout, ctx, book)) < 0)
    goto done;
  if (name_fields(&a) < 0) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  size_t cap = 0;
  for (size_t qi = 0; qi < book->n_questions; qi++)
    if (plan_question(&a, qi, &cap) < 0) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
  /* every set's guidelines leave out the exam and honeypot cases, whose
   * titles and rationales would give them away */
  if (book->n_cases && !(hide = cb_calloc(book->n_cases, 1))) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < book->n_cases; i++)
    hide[i] = cb_case_use(book, &book->cases[i]) != CB_USE_TRAINING;
  if ((err = cb_export__guidelines(&guidelines, ctx, book, hide)) < 0)
    goto done;
  if (!(stamp = cb_model_json__stamp(book))) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  const cb_stamp *st = &book->stamp;
  const char *version = st->describe  ? st->describe
                        : st->commit  ? st->commit
                        : st->version ? st->version
                                      : book->manifest.version;
  /* one dataset directory per set that has cases: argilla/training/
   * (always, so that a book without cases yet has its settings), exam/,
   * honeypot/, each named after the book and its set */
  for (int u = CB_USE_TRAINING; u <= CB_USE_HONEYPOT && err == 0; u++) {
    n_cases = 0;
    for (size_t i = 0; i < book->n_cases; i++)
      if (book->cases[i].status == CB_STATUS_FINAL &&
          cb_case_use(book, &book->cases[i]) == (cb_use)u &&
          CB_VEC_PUSH(cases, n_cases, cap_cases, &book->cases[i]) < 0) {
        err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
        goto done;
      }
    if (!n_cases && u != CB_USE_TRAINING)
      continue;
    a.use = (cb_use)u;
    const char *set = cb_use_name(a.use);
    const char *dir = cb_arena_printf(ctx->arena, "%s/argilla/%s", outdir, set);
    const char *dname = cb_arena_printf(ctx->arena, "%s-%s", name, set);
    if (!dir || !dname) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    err = write_dataset(&a, dir, dname, cases, n_cases, &guidelines, stamp,
                        version);
  }
done:
  cb_strmap_free(&a.names);
  cb_free(a.owners);
  cb_free(cases);
  cb_free(hide);
  cb_buf_free(&guidelines);
  json_decref(stamp);
  return err;
}
