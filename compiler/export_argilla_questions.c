/* SPDX-License-Identifier: MIT */
/*
 * export_argilla_questions.c: what the Argilla export says of a question
 * beyond its type (docs/argilla.md, Questions): whether it is required,
 * which Argilla can only say for a question asked on every record, and a
 * description that carries the question's guidance and, in words, when
 * it must be answered.
 */
#include <string.h>

#include "export_argilla_impl.h"
#include "export_guidelines.h"
#include "model.h"

/* Does case c have what entry e asks about: its response field, the
 * responses a pairwise question compares (and no third), or those of a
 * ranking? */
static int applies(const ag *a, const aq *e, const cb_case *c) {
  if (e->field)
    return cb_export__case_has(c, e->field);
  if (e->q->type != CB_Q_PAIRWISE && e->q->type != CB_Q_RANK)
    return 1;
  for (size_t k = 0; k < e->n_compared; k++)
    if (!cb_export__case_has(c, e->compared[k]))
      return 0;
  if (e->q->type == CB_Q_PAIRWISE) {
    size_t n_responses = 0;
    for (size_t i = 0; i < a->layout.n_fields; i++)
      n_responses += a->layout.fields[i].kind == CB_XF_RESPONSE &&
                     cb_export__case_has(c, &a->layout.fields[i]);
    return n_responses == 2;
  }
  return 1;
}

/* 1 when entry e applies to every record of set s. */
static int applies_to_all(const ag *a, const aq *e, const aset *s) {
  for (size_t i = 0; i < s->n; i++)
    if (!applies(a, e, s->cases[i]))
      return 0;
  return 1;
}

int cb_export_argilla__required(const ag *a, const aq *e, const aset *s) {
  return e->q->required && !e->q->when && applies_to_all(a, e, s);
}

/* What a question needs that Argilla cannot say: when it is asked. */
static void condition_note(ag *a, cb_buf *b, const aq *e, const aset *s) {
  const cb_question *q = e->q;
  if (q->when) {
    cb_buf_puts(b, "Answer only when ");
    if (cb_export__when_words(b, a->ctx, a->book, q) < 0)
      b->failed = 1;
    cb_buf_puts(b, q->required ? "; it is required then."
                               : "; it is optional then.");
    cb_buf_puts(b, " Argilla shows every question on every record: leave "
                   "this one empty otherwise.");
  } else if (q->required && !cb_export_argilla__required(a, e, s)) {
    cb_buf_puts(b, "Required for the records that have ");
    if (e->field) {
      cb_buf f = {0};
      cb_buf_puts(b, cb_export__field_title(&f, e->field));
      if (f.failed)
        b->failed = 1;
      cb_buf_free(&f);
    } else {
      for (size_t k = 0; k < e->n_compared; k++) {
        if (k)
          cb_buf_puts(b, k + 1 == e->n_compared ? " and " : ", ");
        cb_buf_puts(b, "response ");
        cb_buf_puts(b, e->compared[k]->response);
      }
      if (q->type == CB_Q_PAIRWISE)
        cb_buf_puts(b, " and no other response");
    }
    cb_buf_puts(b, "; leave it empty on the others.");
  }
}

void cb_export_argilla__description(ag *a, cb_json_writer *w, const aq *e,
                                    const aset *s) {
  const cb_question *q = e->q;
  cb_buf b = {0};
  if (q->hint && q->hint[0] && (!q->title || strcmp(q->hint, q->title) != 0))
    cb_buf_puts(&b, q->hint);
  if (q->guidance.text && q->guidance.text[0]) {
    if (b.len)
      cb_buf_puts(&b, "\n\n");
    cb_buf_puts(&b, q->guidance.text);
  }
  if (q->type == CB_Q_SCALE)
    for (size_t k = 0; k < q->n_options; k++) {
      cb_buf_printf(&b, "%s%d: %s", b.len ? "\n" : "", q->options[k].value,
                    q->options[k].meaning_text ? q->options[k].meaning_text
                                               : "");
    }
  size_t before = b.len;
  if (b.len)
    cb_buf_puts(&b, "\n\n");
  condition_note(a, &b, e, s);
  if (b.len == before + (before ? 2 : 0))
    b.len = before; /* no note */
  if (b.len)
    cb_json__put_string(w, cb_buf_cstr(&b), b.len);
  else
    cb_json__put_null(w);
  if (b.failed)
    w->out->failed = 1;
  cb_buf_free(&b);
}
