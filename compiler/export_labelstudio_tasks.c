/* SPDX-License-Identifier: MIT */
/*
 * export_labelstudio_tasks.c: the task shapes of the Label Studio export
 * (the final cases of one use with the same inputs, and the controls that
 * apply to them) and the tasks.json of each (docs/label-studio.md, "Sets"
 * and "Shapes"): the inputs of each case as
 * data; in the training set, the gold answers as a ground-truth
 * annotation and the rationale; in the exam and honeypot sets, nothing
 * that tells the case or its answer: an opaque id, no title, no gold, no
 * rationale, no source position.
 */
#include <stdio.h>
#include <string.h>

#include "export_labelstudio.h"
#include "json_out.h"
#include "model_json.h"

#define RULE "export-labelstudio"
#define TOOL "Label Studio"

void cb_export_labelstudio__report(ls *x, cb_diag_level level, cb_loc loc,
                                  const char *element, const char *msg) {
  cb_diag_report(x->ctx, level, RULE, loc, element, NULL, "%s: %s", TOOL, msg);
}

/* ---- Names ------------------------------------------------------------- */

/* The data key of a layout field: what `$key` in the config reads. Label
 * Studio's variables are [A-Za-z0-9_.] and a dot walks into objects, so
 * response names are cleaned to [A-Za-z0-9_]. */
const char *cb_export_labelstudio__field_key(ls *x, const cb_xfield *f) {
  switch (f->kind) {
  case CB_XF_SYSTEM:
    return "system";
  case CB_XF_CONTEXT:
    return "context";
  case CB_XF_PROMPT:
    return "prompt";
  case CB_XF_DIALOGUE:
    return "dialogue";
  case CB_XF_RESPONSE:
    break;
  }
  if (!cb_export__shown_name(f->response))
    return "response";
  const char *name = cb_export__name(x->ctx, f->response, 0);
  return name ? cb_arena_printf(x->ctx->arena, "response_%s", name) : NULL;
}

/* The data key of the response field of name resp, NULL if none. */
const char *cb_export_labelstudio__response_key(const ls *x,
                                               const char *resp) {
  for (size_t i = 0; i < x->layout.n_fields; i++) {
    const cb_xfield *f = &x->layout.fields[i];
    if (f->kind == CB_XF_RESPONSE && strcmp(f->response, resp) == 0)
      return x->keys[i];
  }
  return NULL;
}

/* ---- Task shapes ------------------------------------------------------- */

static int case_chat(const cb_case *cs) {
  for (size_t i = 0; i < cs->n_inputs; i++)
    if (cs->inputs[i].kind == CB_IN_USER ||
        cs->inputs[i].kind == CB_IN_ASSISTANT)
      return 1;
  return 0;
}

/* The inputs case cs has, in config order, into fields (room for the
 * layout's fields and one more); returns their count. Responses whose
 * data key was left out (a clash of names) are left out here too. */
static size_t case_fields(const ls *x, const cb_case *cs, int chat,
                          cb_xfield *fields) {
  size_t n = 0;
  static const cb_xfield_kind before[] = {CB_XF_SYSTEM, CB_XF_CONTEXT};
  for (size_t k = 0; k < 2; k++) {
    cb_xfield f = {before[k], NULL, 0};
    if (cb_export__case_has(cs, &f))
      fields[n++] = f;
  }
  cb_xfield req = {chat ? CB_XF_DIALOGUE : CB_XF_PROMPT, NULL, 0};
  if (chat || cb_export__case_has(cs, &req))
    fields[n++] = req;
  for (size_t i = 0; i < x->layout.n_fields; i++) {
    const cb_xfield *f = &x->layout.fields[i];
    if (f->kind == CB_XF_RESPONSE && x->keys[i] && cb_export__case_has(cs, f))
      fields[n++] = *f;
  }
  return n;
}

static int same_fields(const ls_shape *s, const cb_xfield *fields, size_t n) {
  if (s->n_fields != n)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (s->fields[i].kind != fields[i].kind ||
        (fields[i].kind == CB_XF_RESPONSE &&
         strcmp(s->fields[i].response, fields[i].response) != 0))
      return 0;
  return 1;
}

/* Is the control c of the book's plan asked in shape s? Per-response
 * controls need their response; pairwise and rank questions need the
 * responses they compare (FORMAT.md "Where a question applies") and
 * min-replies; a control shown `when` another is shown needs that one. */
static int shape_asks(const ls_shape *s, const control *c, size_t *n_cmp) {
  const cb_question *q = c->q;
  *n_cmp = 0;
  if (c->response) {
    for (size_t i = 0; i < s->n_fields; i++)
      if (s->fields[i].kind == CB_XF_RESPONSE &&
          strcmp(s->fields[i].response, c->response) == 0)
        goto when;
    return 0;
  }
  if (c->kind == CTL_PAIRWISE || c->kind == CTL_RANKER) {
    size_t n = 0; /* the responses of the shape q compares */
    for (size_t i = 0; i < s->n_fields; i++) {
      const cb_xfield *f = &s->fields[i];
      if (f->kind != CB_XF_RESPONSE)
        continue;
      int listed = q->responses.n == 0;
      for (size_t k = 0; k < q->responses.n && !listed; k++)
        listed = strcmp(q->responses.items[k], f->response) == 0;
      n += listed;
    }
    size_t in = 0; /* of the plan's compared fields, those present */
    for (size_t k = 0; k < c->n_compared; k++)
      for (size_t i = 0; i < s->n_fields; i++)
        if (s->fields[i].kind == CB_XF_RESPONSE &&
            strcmp(s->fields[i].response, c->compared[k]->response) == 0) {
          in++;
          break;
        }
    if ((int)n < q->min_replies)
      return 0;
    if (c->kind == CTL_PAIRWISE && (n != 2 || in != 2))
      return 0;
    if (c->kind == CTL_RANKER && in < 2)
      return 0;
    *n_cmp = in;
  }
when:
  if (c->when.on) {
    for (size_t k = 0; k < s->n_controls; k++)
      if (strcmp(s->controls[k].name, c->when_tag) == 0)
        return 1;
    return 0; /* what it depends on is not asked: nor is it */
  }
  return 1;
}

/* Fills the controls of shape s from the book's plan. */
static int shape_controls(ls *x, ls_shape *s) {
  cb_ctx *ctx = x->ctx;
  s->controls = cb_arena_calloc(ctx->arena, x->n_controls + 1,
                                sizeof *s->controls);
  if (!s->controls)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  for (size_t k = 0; k < x->n_controls; k++) {
    const control *c = &x->controls[k];
    size_t n_cmp;
    if (!shape_asks(s, c, &n_cmp))
      continue;
    control d = *c;
    if (!c->response && c->kind != CTL_PAIRWISE && c->kind != CTL_RANKER)
      d.to_name = s->main_object;
    if (c->kind == CTL_RANKER) { /* only the responses the shape has */
      d.compared = cb_arena_calloc(ctx->arena, n_cmp + 1, sizeof *d.compared);
      if (!d.compared)
        return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      d.n_compared = 0;
      for (size_t j = 0; j < c->n_compared; j++)
        for (size_t i = 0; i < s->n_fields; i++)
          if (s->fields[i].kind == CB_XF_RESPONSE &&
              strcmp(s->fields[i].response, c->compared[j]->response) == 0) {
            d.compared[d.n_compared++] = c->compared[j];
            break;
          }
    }
    s->controls[s->n_controls++] = d;
  }
  return 0;
}

/* Names shape s: "one-reply", "two-replies", "N-replies" ("no-reply"
 * without one), "chat-" before when it has turns; "-2", "-3"... after
 * when another shape of its set already has that name. */
static const char *shape_name(ls *x, const ls_shape *s) {
  char count[32];
  if (s->n_responses == 0)
    snprintf(count, sizeof count, "no-reply");
  else if (s->n_responses == 1)
    snprintf(count, sizeof count, "one-reply");
  else if (s->n_responses == 2)
    snprintf(count, sizeof count, "two-replies");
  else
    snprintf(count, sizeof count, "%zu-replies", s->n_responses);
  const char *base =
      cb_arena_printf(x->ctx->arena, "%s%s", s->chat ? "chat-" : "", count);
  const char *name = base;
  for (int k = 2; name; k++) {
    int taken = 0;
    for (size_t i = 0; i < x->n_shapes && !taken; i++)
      taken = x->shapes[i].use == s->use && x->shapes[i].name &&
              strcmp(x->shapes[i].name, name) == 0;
    if (!taken)
      return name;
    name = cb_arena_printf(x->ctx->arena, "%s-%d", base, k);
  }
  return NULL;
}

/* A new shape for the inputs fields[0..n) of the cases of one use. */
static int shape_new(ls *x, cb_use use, int chat, const cb_xfield *fields,
                     size_t n) {
  cb_ctx *ctx = x->ctx;
  if (x->n_shapes == x->cap_shapes) {
    size_t cap = x->cap_shapes ? x->cap_shapes * 2 : 8;
    ls_shape *grown = cb_arena_calloc(ctx->arena, cap, sizeof *grown);
    if (!grown)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    if (x->n_shapes)
      memcpy(grown, x->shapes, x->n_shapes * sizeof *grown);
    x->shapes = grown;
    x->cap_shapes = cap;
  }
  ls_shape s;
  memset(&s, 0, sizeof s);
  s.use = use;
  s.chat = chat;
  s.n_fields = n;
  s.fields = cb_arena_calloc(ctx->arena, n + 1, sizeof *s.fields);
  s.keys = cb_arena_calloc(ctx->arena, n + 1, sizeof *s.keys);
  if (!s.fields || !s.keys)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  memcpy(s.fields, fields, n * sizeof *fields);
  for (size_t i = 0; i < n; i++) {
    s.keys[i] = s.fields[i].kind == CB_XF_RESPONSE
                    ? cb_export_labelstudio__response_key(x, s.fields[i].response)
                    : cb_export_labelstudio__field_key(x, &s.fields[i]);
    s.n_responses += s.fields[i].kind == CB_XF_RESPONSE;
  }
  /* case-level questions label the conversation or the prompt, else the
   * first input there is */
  s.main_object = n ? s.keys[0] : "case";
  for (size_t i = 0; i < n; i++)
    if (s.fields[i].kind == CB_XF_DIALOGUE || s.fields[i].kind == CB_XF_PROMPT)
      s.main_object = s.keys[i];
  s.name = shape_name(x, &s);
  if (!s.name)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  int err = shape_controls(x, &s);
  if (err < 0)
    return err;
  x->shapes[x->n_shapes++] = s;
  return 0;
}

/* Sorts the final cases into shapes, in book order. */
int cb_export_labelstudio__shapes(ls *x) {
  cb_ctx *ctx = x->ctx;
  cb_xfield *fields =
      cb_arena_calloc(ctx->arena, x->layout.n_fields + 4, sizeof *fields);
  if (!fields)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  for (size_t c = 0; c < x->book->n_cases; c++) {
    const cb_case *cs = &x->book->cases[c];
    if (cs->status != CB_STATUS_FINAL)
      continue;
    cb_use use = cb_case_use(x->book, cs);
    int chat = case_chat(cs);
    size_t n = case_fields(x, cs, chat, fields);
    size_t i = 0;
    while (i < x->n_shapes &&
           !(x->shapes[i].use == use && x->shapes[i].chat == chat &&
             same_fields(&x->shapes[i], fields, n)))
      i++;
    int err;
    if (i == x->n_shapes && (err = shape_new(x, use, chat, fields, n)) < 0)
      return err;
    ls_shape *s = &x->shapes[i];
    if (CB_VEC_PUSH(s->cases, s->n_cases, s->cap_cases, cs) < 0)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  return 0;
}

void cb_export_labelstudio__free_shapes(ls *x) {
  for (size_t i = 0; i < x->n_shapes; i++)
    cb_free(x->shapes[i].cases);
}


/* ---- tasks.json -------------------------------------------------------- */

/* Opens a result {"id", "from_name", "to_name", "type", "value": {key: and
 * leaves the value of key to the caller, who closes with end_result. */
static void begin_result(cb_json_writer *w, size_t *n, const char *from,
                         const char *to, const char *type, const char *key) {
  char id[32] = "gold-";
  cb_json__digits(id + 5, (long long)++*n);
  cb_json__begin_object(w);
  cb_json__key(w, "id");
  cb_json__put_cstr(w, id);
  cb_json__key(w, "from_name");
  cb_json__put_cstr(w, from);
  cb_json__key(w, "to_name");
  cb_json__put_cstr(w, to);
  cb_json__key(w, "type");
  cb_json__put_cstr(w, type);
  cb_json__key(w, "value");
  cb_json__begin_object(w);
  cb_json__key(w, key);
}

static void end_result(cb_json_writer *w) {
  cb_json__end_object(w);
  cb_json__end_object(w);
}

/* A result whose value is a list of one string. */
static void one_item_result(cb_json_writer *w, size_t *n, const char *from,
                            const char *to, const char *type, const char *key,
                            const char *item) {
  begin_result(w, n, from, to, type, key);
  cb_json__begin_array(w);
  cb_json__put_cstr(w, item);
  cb_json__end_array(w);
  end_result(w);
}

/* The data key of a compared field (rank items use response names). */
static int compared_index(const control *c, const char *name) {
  for (size_t k = 0; k < c->n_compared; k++)
    if (strcmp(c->compared[k]->response, name) == 0)
      return (int)k;
  return -1;
}

/* Writes the gold results of control c for case cs as elements of the
 * open result array; *n counts the results of the task. */
static void gold_results(ls *x, cb_json_writer *w, size_t *n,
                         const cb_case *cs, const control *c) {
  const cb_answer *a = cb_export__answer(x->book, cs, c->qi, c->response);
  if (!a || !cb_export__fits(c->q, a))
    return;
  const cb_question *q = c->q;
  char num[32];
  switch (c->kind) {
  case CTL_CHOICES:
    if (a->kind == CB_V_NUMBER) {
      cb_json__digits(num, a->number);
      one_item_result(w, n, c->name, c->to_name, "choices", "choices", num);
      return;
    }
    /* "none" of a multi: Label Studio has no empty selection */
    if ((a->kind != CB_V_OPTION && a->kind != CB_V_OPTIONS) || !a->n_items)
      return;
    begin_result(w, n, c->name, c->to_name, "choices", "choices");
    cb_json__begin_array(w);
    for (size_t k = 0; k < a->n_items; k++)
      cb_json__put_cstr(w, a->items[k]);
    cb_json__end_array(w);
    end_result(w);
    return;
  case CTL_RATING:
    if (a->kind != CB_V_NUMBER || a->number < 1 || a->number > q->scale_max)
      return;
    begin_result(w, n, c->name, c->to_name, "rating", "rating");
    cb_json__put_int(w, a->number);
    end_result(w);
    return;
  case CTL_TEXTAREA:
    if (a->kind != CB_V_TEXT)
      return;
    one_item_result(w, n, c->name, c->to_name, "textarea", "text",
                    a->raw ? a->raw : "");
    return;
  case CTL_PAIRWISE: {
    if (a->kind != CB_V_PAIRWISE)
      return;
    const char *strength = a->strength == 0   ? "tie"
                           : a->strength == 1 ? "better"
                                              : "much-better";
    if (a->strength != 0 && a->n_items) {
      int side = compared_index(c, a->items[0]);
      if (side < 0) {
        char *msg = cb_arena_printf(
            x->ctx->arena,
            "case '%s' prefers response '%s', which is not one of the two "
            "responses the Pairwise tag of question '%s' compares; its "
            "answer is left out",
            cs->id, a->items[0], q->id);
        if (msg)
          cb_export_labelstudio__report(x, CB_DIAG_ERROR, a->value_loc.line ? a->value_loc : cs->loc,
                 cs->id, msg);
        return;
      }
      begin_result(w, n, c->name, c->name, "pairwise", "selected");
      cb_json__put_cstr(w, side == 0 ? "left" : "right");
      end_result(w);
    }
    one_item_result(w, n, c->strength_name, c->strength_to, "choices",
                    "choices", strength);
    return;
  }
  case CTL_RANKER: {
    if (a->kind != CB_V_RANK)
      return;
    begin_result(w, n, c->name, c->list_name, "ranker", "ranker");
    cb_json__begin_object(w);
    size_t i = 0;
    while (i < a->n_items) {
      size_t j = i + 1;
      while (j < a->n_items && a->tied && a->tied[j])
        j++;
      memcpy(num, "rank_", 5);
      cb_json__digits(num + 5, (long long)(i + 1));
      cb_json__key(w, num);
      cb_json__begin_array(w);
      for (size_t k = i; k < j; k++)
        cb_json__put_cstr(w, a->items[k]);
      cb_json__end_array(w);
      i = j;
    }
    cb_json__end_object(w);
    end_result(w);
    return;
  }
  }
}

/* One turn of a conversation: {"author", "text"}. */
static void turn(cb_json_writer *w, const char *author, const char *text,
                 size_t len) {
  cb_json__begin_object(w);
  cb_json__key(w, "author");
  cb_json__put_cstr(w, author);
  cb_json__key(w, "text");
  cb_json__put_string(w, text, len);
  cb_json__end_object(w);
}

/* The turns of the case as Paragraphs data: [{"author", "text"}]. */
static void dialogue(cb_json_writer *w, const cb_case *cs) {
  size_t n = 0;
  cb_json__begin_array(w);
  for (size_t i = 0; i < cs->n_inputs; i++) {
    const cb_input *in = &cs->inputs[i];
    if (in->kind != CB_IN_USER && in->kind != CB_IN_ASSISTANT &&
        in->kind != CB_IN_PROMPT)
      continue;
    turn(w, in->kind == CB_IN_ASSISTANT ? "assistant" : "user",
         in->text ? in->text : "", in->text ? in->len : 0);
    n++;
  }
  if (n == 0) /* Paragraphs refuses an empty list: one empty turn stands
                 for none */
    turn(w, "", "", 0);
  cb_json__end_array(w);
}

/* Writes the task of case cs of shape sh; text is scratch. A training
 * task carries the case id, its gold answers as a ground-truth
 * annotation, its rationale and its source position; an exam or honeypot
 * task only an opaque id, its inputs and the version stamp, so that it
 * looks like any task of production. */
static void task(ls *x, const ls_shape *sh, cb_json_writer *w,
                 const cb_case *cs, const json_t *stamp, cb_buf *text) {
  int training = sh->use == CB_USE_TRAINING;
  const char *id = training ? cs->id : cb_export__task_id(x->ctx, cs);
  if (!id) {
    w->out->failed = 1;
    return;
  }
  cb_json__begin_object(w);
  cb_json__key(w, "data");
  cb_json__begin_object(w);
  cb_json__key(w, "case_id");
  cb_json__put_cstr(w, id);
  for (size_t i = 0; i < sh->n_fields; i++) {
    const cb_xfield *f = &sh->fields[i];
    cb_json__key(w, sh->keys[i]);
    if (f->kind == CB_XF_DIALOGUE) {
      dialogue(w, cs);
      continue;
    }
    cb_export__case_text(text, cs, f);
    cb_json__put_string(w, cb_buf_cstr(text), text->len);
  }
  for (size_t k = 0; k < sh->n_controls; k++) {
    const control *c = &sh->controls[k];
    if (c->kind != CTL_RANKER)
      continue;
    cb_json__key(w, c->list_key);
    cb_json__begin_array(w);
    for (size_t j = 0; j < c->n_compared; j++) {
      const cb_xfield *f = c->compared[j];
      cb_json__begin_object(w);
      cb_json__key(w, "id");
      cb_json__put_cstr(w, f->response);
      cb_json__key(w, "title");
      cb_json__put_cstr(w, cb_export__field_title(&x->title, f));
      cb_json__key(w, "body");
      cb_export__case_text(text, cs, f);
      cb_json__put_string(w, cb_buf_cstr(text), text->len);
      cb_json__end_object(w);
    }
    cb_json__end_array(w);
  }
  if (training) {
    cb_json__key(w, "rationale");
    cb_json__put_cstr(w, cs->rationale.text ? cs->rationale.text : "");
  }
  cb_json__end_object(w);

  if (training) {
    cb_json__key(w, "annotations");
    cb_json__begin_array(w);
    cb_json__begin_object(w);
    cb_json__key(w, "ground_truth");
    cb_json__put_bool(w, 1);
    cb_json__key(w, "result");
    cb_json__begin_array(w);
    size_t n = 0;
    for (size_t k = 0; k < sh->n_controls; k++)
      gold_results(x, w, &n, cs, &sh->controls[k]);
    cb_json__end_array(w);
    cb_json__end_object(w);
    cb_json__end_array(w);
  }

  cb_json__key(w, "meta");
  cb_json__begin_object(w);
  if (training)
    cb_export__case_origin(w, x->book, cs, "file");
  cb_json__key(w, "casebook");
  cb_json__put_value(w, stamp);
  cb_json__end_object(w);
  cb_json__end_object(w);
  if (text->failed || x->title.failed)
    w->out->failed = 1;
}

int cb_export_labelstudio__tasks(ls *x, const ls_shape *sh, const char *path) {
  cb_xarray tasks;
  cb_buf text = {0};
  json_t *stamp = cb_model_json__stamp(x->book);
  int err = stamp ? cb_export__array_open(&tasks, x->ctx, path)
                  : cb_ctx__fail(x->ctx, CB_ENOMEM, "out of memory");
  if (err < 0) {
    json_decref(stamp);
    return err;
  }
  /* one task at a time, written as it is made: no tree */
  for (size_t i = 0; i < sh->n_cases && err == 0; i++) {
    task(x, sh, cb_export__array_next(&tasks), sh->cases[i], stamp, &text);
    err = cb_export__array_add(&tasks, x->ctx);
  }
  if (err == 0)
    err = cb_export__array_close(&tasks);
  else
    cb_export__array_discard(&tasks);
  json_decref(stamp);
  cb_buf_free(&text);
  return err;
}
