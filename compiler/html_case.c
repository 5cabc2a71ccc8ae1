/* SPDX-License-Identifier: MIT */
/*
 * html_case.c: the case cards of the annotator site. See html_case.h.
 */
#include "html_case.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json_out.h"

/* Inputs longer than this are shown collapsed (<details>). */
#define LONG_INPUT_LINES 40
#define LONG_INPUT_BYTES 4000

/* Line count of an input, for the collapsed label. */
static size_t count_lines(const char *s, size_t len) {
  size_t n = 0;
  const char *end = s + len, *p = s;
  while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    n++;
    p++;
  }
  if (len && s[len - 1] != '\n')
    n++;
  return n;
}

/* The site's word for an input kind. */
static cb_ui input_word(cb_input_kind kind) {
  switch (kind) {
  case CB_IN_PROMPT: return CB_UI_PROMPT;
  case CB_IN_RESPONSE: return CB_UI_RESPONSE;
  case CB_IN_SYSTEM: return CB_UI_SYSTEM;
  case CB_IN_CONTEXT: return CB_UI_CONTEXT;
  case CB_IN_USER: return CB_UI_USER;
  default: return CB_UI_ASSISTANT;
  }
}

static void input_block(cb_html_page *p, const cb_input *in) {
  cb_html *o = &p->out;
  const char *kind = cb_input_kind_name(in->kind);
  size_t lines = count_lines(in->text ? in->text : "", in->len);
  int is_long = lines > LONG_INPUT_LINES || in->len > LONG_INPUT_BYTES;
  cb_buf_reset(&p->href);
  cb_buf_puts(&p->href, "input input-");
  cb_buf_puts(&p->href, kind);
  cb_html__open(o, is_long ? CB_TAG_DETAILS : CB_TAG_DIV,
                cb_buf_cstr(&p->href));
  cb_html__open(o, is_long ? CB_TAG_SUMMARY : CB_TAG_DIV, "label");
  cb_html__puts(o, CB_UI(p, input_word(in->kind)));
  if (in->kind == CB_IN_RESPONSE && in->name && *in->name) {
    cb_html__puts(o, " ");
    cb_html__leaf(o, CB_TAG_SPAN, "name", in->name);
  }
  if (is_long) {
    cb_html__puts(o, " ");
    cb_html__leaf(o, CB_TAG_SPAN, "size",
                  cb_html_page__count(p, lines, CB_UI_N_LINE, CB_UI_N_LINES));
  }
  cb_html__close(o); /* the label */
  cb_html__open(o, CB_TAG_PRE, NULL);
  if (in->text)
    cb_html__text(o, in->text, in->len);
  cb_html__close(o); /* pre */
  cb_html__close(o); /* the box */
}

/* 1 for a turn of a conversation. */
static int is_turn(const cb_input *in) {
  return in->kind == CB_IN_USER || in->kind == CB_IN_ASSISTANT;
}

/* The inputs in source order, with the runs that belong together
 * grouped: consecutive user and assistant turns as a dialogue, and
 * consecutive responses side by side (two of them: a pair to compare). */
static void inputs(cb_html_page *p, const cb_case *c) {
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_DIV, "inputs");
  for (size_t i = 0; i < c->n_inputs;) {
    const cb_input *in = &c->inputs[i];
    size_t j = i + 1;
    if (is_turn(in)) {
      while (j < c->n_inputs && is_turn(&c->inputs[j]))
        j++;
      cb_html__open(o, CB_TAG_DIV, "dialogue");
      cb_html__attr(o, "role", "group");
      cb_html__attr(o, "aria-label", CB_UI(p, CB_UI_CONVERSATION));
    } else if (in->kind == CB_IN_RESPONSE) {
      while (j < c->n_inputs && c->inputs[j].kind == CB_IN_RESPONSE)
        j++;
      if (j - i < 2) {
        input_block(p, in);
        i = j;
        continue;
      }
      cb_html__open(o, CB_TAG_DIV, j - i == 2 ? "responses pair" : "responses");
    } else {
      input_block(p, in);
      i = j;
      continue;
    }
    for (; i < j; i++)
      input_block(p, &c->inputs[i]);
    cb_html__close(o);
  }
  cb_html__close(o);
}

/* The other response of a pairwise answer, or NULL. */
static const char *other_response(const cb_case *c, const cb_question *q,
                                  const char *name) {
  if (q->responses.n == 2) {
    for (size_t i = 0; i < 2; i++)
      if (q->responses.items[i] && strcmp(q->responses.items[i], name) != 0)
        return q->responses.items[i];
    return NULL;
  }
  const char *found = NULL;
  size_t n = 0;
  for (size_t i = 0; i < c->n_inputs; i++)
    if (c->inputs[i].kind == CB_IN_RESPONSE) {
      n++;
      if (c->inputs[i].name && strcmp(c->inputs[i].name, name) != 0)
        found = c->inputs[i].name;
    }
  return n == 2 ? found : NULL;
}

static void answer_value(cb_html_page *p, const cb_html_index *ix,
                         const cb_case *c, const cb_answer *a) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  if (a->question < 0 || (size_t)a->question >= b->n_questions ||
      a->kind == CB_V_NONE) {
    cb_html__leaf(o, CB_TAG_SPAN, "unparsed", a->raw);
    return;
  }
  const cb_question *q = &b->questions[a->question];
  switch (a->kind) {
  case CB_V_OPTION:
  case CB_V_OPTIONS:
    if (a->n_items == 0)
      cb_html__leaf(o, CB_TAG_EM, NULL, CB_UI(p, CB_UI_NONE));
    for (size_t i = 0; i < a->n_items; i++) {
      if (i)
        cb_html__puts(o, ", ");
      cb_html_element__option_ref(
          p, ix, q, cb_html_element__option_index(q, a->items[i]), a->items[i]);
    }
    break;
  case CB_V_NUMBER: {
    char num[24];
    cb_json__digits(num, a->number);
    size_t k = cb_html_element__label_index(q, a->number);
    if (k == SIZE_MAX)
      cb_html__puts(o, num);
    else
      cb_html_element__option_ref(p, ix, q, k, num);
    break;
  }
  case CB_V_RANK:
    for (size_t i = 0; i < a->n_items; i++) {
      if (i)
        cb_html__puts(o, a->tied && a->tied[i] ? " = " : " > ");
      cb_html__puts(o, a->items[i]);
    }
    break;
  case CB_V_PAIRWISE: {
    if (a->strength == 0 || a->n_items == 0) {
      cb_html__puts(o, CB_UI(p, CB_UI_TIE));
      break;
    }
    cb_html__puts(o, a->items[0]);
    const char *other = other_response(c, q, a->items[0]);
    if (other) {
      cb_html__puts(o, a->strength >= 2 ? " \xE2\x89\xAB " : " > ");
      cb_html__puts(o, other);
    } else {
      cb_html__puts(o, " ");
      cb_html__puts(o, CB_UI(p, a->strength >= 2 ? CB_UI_STRONGLY_PREFERRED
                                                 : CB_UI_PREFERRED));
    }
    break;
  }
  case CB_V_TEXT:
    cb_html__puts(o, a->raw);
    break;
  case CB_V_NONE:
    break;
  }
}

/* The question name of an answer: linked when the question is known. */
static void answer_key(cb_html_page *p, const cb_html_index *ix,
                       const cb_answer *a) {
  const cb_book *b = p->book;
  if (a->question < 0 || (size_t)a->question >= b->n_questions) {
    cb_html__leaf(&p->out, CB_TAG_SPAN, "unknown", a->key);
    return;
  }
  cb_html_element__question_ref(p, ix, &b->questions[a->question]);
}

/* The answers given per response: a row per response, a column per
 * question. */
static void per_response_table(cb_html_page *p, const cb_html_index *ix,
                               const cb_case *c) {
  cb_html *o = &p->out;
  p->n_rows = p->n_cols = 0;
  for (size_t i = 0; i < c->n_inputs; i++)
    if (c->inputs[i].kind == CB_IN_RESPONSE &&
        CB_VEC_PUSH(p->rows, p->n_rows, p->cap_rows,
                    c->inputs[i].name ? c->inputs[i].name : "") < 0)
      p->failed = 1;
  for (size_t i = 0; i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    if (!a->response)
      continue;
    size_t r = 0, col = 0;
    while (r < p->n_rows && strcmp(p->rows[r], a->response) != 0)
      r++;
    if (r == p->n_rows &&
        CB_VEC_PUSH(p->rows, p->n_rows, p->cap_rows, a->response) < 0)
      p->failed = 1;
    while (
        col < p->n_cols && p->cols[col] != i &&
        !(a->question >= 0 &&
          c->answers[p->cols[col]].question == a->question) &&
        !(a->question < 0 && strcmp(c->answers[p->cols[col]].key, a->key) == 0))
      col++;
    if (col == p->n_cols && CB_VEC_PUSH(p->cols, p->n_cols, p->cap_cols, i) < 0)
      p->failed = 1;
  }
  if (p->n_cols == 0)
    return;
  cb_html_page__table_open(p, "per-response", CB_UI(p, CB_UI_RESPONSES));
  cb_html__open(o, CB_TAG_THEAD, NULL);
  cb_html__open(o, CB_TAG_TR, NULL);
  cb_html__leaf(o, CB_TAG_TH, NULL, CB_UI(p, CB_UI_RESPONSE));
  for (size_t col = 0; col < p->n_cols; col++) {
    cb_html__open(o, CB_TAG_TH, NULL);
    answer_key(p, ix, &c->answers[p->cols[col]]);
    cb_html__close(o);
  }
  cb_html__close(o); /* tr */
  cb_html__close(o); /* thead */
  cb_html__open(o, CB_TAG_TBODY, NULL);
  for (size_t r = 0; r < p->n_rows; r++) {
    cb_html__open(o, CB_TAG_TR, NULL);
    /* the one unnamed response of a case */
    if (*p->rows[r])
      cb_html__leaf(o, CB_TAG_TH, NULL, p->rows[r]);
    else
      cb_html__leaf(o, CB_TAG_TH, "unnamed", CB_UI(p, CB_UI_RESPONSE));
    for (size_t col = 0; col < p->n_cols; col++) {
      const cb_answer *head = &c->answers[p->cols[col]];
      const cb_answer *cell = NULL;
      for (size_t i = 0; i < c->n_answers; i++) {
        const cb_answer *a = &c->answers[i];
        if (a->response && strcmp(a->response, p->rows[r]) == 0 &&
            (head->question >= 0 ? a->question == head->question
                                 : strcmp(a->key, head->key) == 0))
          cell = a;
      }
      cb_html__open(o, CB_TAG_TD, NULL);
      if (cell)
        answer_value(p, ix, c, cell);
      cb_html__close(o);
    }
    cb_html__close(o); /* tr */
  }
  cb_html__close(o); /* tbody */
  cb_html_page__table_close(p);
}

void cb_html_case__card(cb_html_page *p, const cb_html_index *ix, size_t ci,
                        const cb_heading *h) {
  const cb_book *b = p->book;
  const cb_case *c = &b->cases[ci];
  cb_html *o = &p->out;
  const char *status = cb_status_name(c->status);
  cb_buf_reset(&p->href);
  cb_buf_puts(&p->href, "element case status-");
  cb_buf_puts(&p->href, status);
  cb_html__open(o, CB_TAG_ARTICLE, cb_buf_cstr(&p->href));
  cb_html_page__set_id(p, cb_html_page__anchor(p, "case", c->id, NULL),
                       CB_HTML_OWNER(c));
  cb_html_element__heading(p, h, CB_UI(p, CB_UI_CASE), "case", c->id,
                           c->title);
  cb_html_element__history(p, &c->history);
  if (c->status != CB_STATUS_FINAL)
    cb_html__leaf(o, CB_TAG_P, "status", status);

  if (c->n_inputs)
    inputs(p, c);

  int dl = 0;
  for (size_t i = 0; i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    if (a->response)
      continue;
    if (!dl) {
      cb_html__open(o, CB_TAG_DL, "answers");
      dl = 1;
    }
    cb_html__open(o, CB_TAG_DIV, NULL);
    cb_html__open(o, CB_TAG_DT, NULL);
    answer_key(p, ix, a);
    cb_html__close(o);
    cb_html__open(o, CB_TAG_DD, NULL);
    answer_value(p, ix, c, a);
    cb_html__close(o);
    cb_html__close(o); /* div */
  }
  if (dl)
    cb_html__close(o);
  per_response_table(p, ix, c);

  if (c->criteria.n) {
    cb_html__open(o, CB_TAG_P, "criteria");
    cb_html__leaf(o, CB_TAG_SPAN, "k", CB_UI(p, CB_UI_CRITERIA));
    cb_html__puts(o, " ");
    for (size_t i = 0; i < c->criteria.n; i++) {
      const char *id = c->criteria.items[i];
      const cb_criterion *cr = cb_html_element__criterion_by_id(ix, b, id);
      if (i)
        cb_html__puts(o, ", ");
      if (cr) /* its id is id */
        cb_html_element__criterion_ref(p, ix, cr);
      else
        cb_html__leaf(o, CB_TAG_SPAN, "unknown", id);
    }
    cb_html__close(o);
  }
  if (c->tags.n) {
    cb_html__open(o, CB_TAG_P, "tags");
    cb_html__leaf(o, CB_TAG_SPAN, "k", CB_UI(p, CB_UI_TAGS));
    cb_html__puts(o, " ");
    for (size_t i = 0; i < c->tags.n; i++) {
      const char *page = cb_html_element__tag_page(ix, c->tags.items[i]);
      if (i)
        cb_html__puts(o, " ");
      if (page) {
        cb_buf_reset(&p->scratch);
        cb_buf_puts(&p->scratch, page);
        cb_buf_puts(&p->scratch, ".html");
        cb_html__link(o, cb_buf_cstr(&p->scratch), "tag", c->tags.items[i]);
      } else {
        cb_html__leaf(o, CB_TAG_SPAN, "tag", c->tags.items[i]);
      }
    }
    cb_html__close(o);
  }
  if (c->source) {
    cb_html__open(o, CB_TAG_P, "origin");
    cb_html__leaf(o, CB_TAG_SPAN, "k", CB_UI(p, CB_UI_SOURCE));
    cb_html__puts(o, " ");
    cb_html__puts(o, c->source);
    cb_html__close(o);
  }
  if (c->rationale.html && *c->rationale.html) {
    cb_html__open(o, CB_TAG_DIV, "rationale");
    cb_html__fragment(o, b, c->rationale.html);
    cb_html__close(o);
  }
  cb_html_element__last_changed(p, &c->history);
  cb_html__close(o); /* article */
}
