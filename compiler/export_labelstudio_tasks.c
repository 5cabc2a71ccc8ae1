/* SPDX-License-Identifier: MIT */
/*
 * export_labelstudio_tasks.c: tasks.json of each set and shape of the
 * Label Studio export (docs/label-studio.md): the inputs of each case as
 * data; in the training set, the gold answers as a ground-truth
 * annotation and the rationale; in the exam and honeypot sets, nothing
 * that tells the case or its answer: an opaque id, no title, no gold, no
 * rationale, no source position.
 */
#include <string.h>

#include "export_labelstudio.h"
#include "json_out.h"
#include "model_json.h"

#define RULE "export-labelstudio"
#define TOOL "Label Studio"

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
