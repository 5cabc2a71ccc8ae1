/* SPDX-License-Identifier: MIT */
/*
 * export_util.c: helpers of the tool exports (export_util.h): JSON arrays
 * written one element at a time, the input fields of the final cases, gold
 * answers by question and response, and simple `when` conditions.
 */
#include "export_util.h"
#include "sha256.h"

#include <string.h>

#include "json_out.h"
#include "model.h"
#include "output.h"
#include "utf8.h"
#include "when.h"

/* ---- JSON ------------------------------------------------------------ */

/* Elements are written to the file in runs of about this many bytes. */
#define FLUSH_AT 65536

int cb_export__array_open(cb_xarray *a, cb_ctx *ctx, const char *path) {
  memset(a, 0, sizeof *a);
  return cb_output__open(&a->f, ctx, path,
                         CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME);
}

cb_json_writer *cb_export__array_next(cb_xarray *a) {
  cb_buf_append(&a->text, a->n ? ",\n  " : "[\n  ", 4);
  cb_json__writer_init(&a->w, &a->text, 2, 1);
  return &a->w;
}

int cb_export__array_add(cb_xarray *a, cb_ctx *ctx) {
  if (a->text.failed)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  a->n++;
  if (a->text.len < FLUSH_AT)
    return 0;
  int err = cb_output__write(a->f, a->text.data, a->text.len);
  cb_buf_reset(&a->text);
  return err;
}

int cb_export__array_close(cb_xarray *a) {
  const char *end = a->n ? "\n]\n" : "[]\n";
  int err = a->text.len ? cb_output__write(a->f, a->text.data, a->text.len)
                        : 0;
  if (err == 0)
    err = cb_output__write(a->f, end, strlen(end));
  if (err == 0)
    err = cb_output__commit(a->f);
  else
    cb_output__discard(a->f);
  a->f = NULL;
  cb_buf_free(&a->text);
  return err;
}

void cb_export__array_discard(cb_xarray *a) {
  cb_output__discard(a->f);
  a->f = NULL;
  cb_buf_free(&a->text);
}

/* ---- Input fields ---------------------------------------------------- */

static const char *response_name(const cb_input *in) {
  return in->name ? in->name : "";
}

int cb_export__shown_name(const char *resp) {
  return resp && *resp && strcmp(resp, CB_UNNAMED_RESPONSE) != 0;
}

int cb_export__case_has(const cb_case *c, const cb_xfield *f) {
  for (size_t i = 0; i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    switch (f->kind) {
    case CB_XF_SYSTEM:
      if (in->kind == CB_IN_SYSTEM)
        return 1;
      break;
    case CB_XF_CONTEXT:
      if (in->kind == CB_IN_CONTEXT)
        return 1;
      break;
    case CB_XF_PROMPT:
      if (in->kind == CB_IN_PROMPT)
        return 1;
      break;
    case CB_XF_DIALOGUE:
      if (in->kind == CB_IN_USER || in->kind == CB_IN_ASSISTANT ||
          in->kind == CB_IN_PROMPT)
        return 1;
      break;
    case CB_XF_RESPONSE:
      if (in->kind == CB_IN_RESPONSE &&
          strcmp(response_name(in), f->response) == 0)
        return 1;
      break;
    }
  }
  return 0;
}

int cb_export__case_text(cb_buf *out, const cb_case *c, const cb_xfield *f) {
  cb_input_kind kind;
  switch (f->kind) {
  case CB_XF_SYSTEM:
    kind = CB_IN_SYSTEM;
    break;
  case CB_XF_CONTEXT:
    kind = CB_IN_CONTEXT;
    break;
  case CB_XF_PROMPT:
    kind = CB_IN_PROMPT;
    break;
  case CB_XF_RESPONSE:
    kind = CB_IN_RESPONSE;
    break;
  default:
    return 0;
  }
  cb_buf_reset(out);
  int found = 0;
  for (size_t i = 0; i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    if (in->kind != kind)
      continue;
    if (kind == CB_IN_RESPONSE && strcmp(response_name(in), f->response) != 0)
      continue;
    if (found)
      cb_buf_puts(out, "\n\n");
    cb_buf_append(out, in->text ? in->text : "", in->text ? in->len : 0);
    found = 1;
    if (kind == CB_IN_RESPONSE)
      break; /* a response name is unique in a case (a rule checks it) */
  }
  cb_buf_cstr(out);
  return found;
}

void cb_export__case_origin(cb_json_writer *w, const cb_book *book,
                            const cb_case *c, const char *file_key) {
  cb_json__key(w, "case");
  cb_json__put_cstr(w, c->id);
  cb_json__key(w, file_key);
  cb_json__put_cstr(w, c->loc.file < book->n_files
                           ? book->files[c->loc.file].path
                           : NULL);
  cb_json__key(w, "line");
  cb_json__put_int(w, c->loc.line);
}

int cb_export__layout(cb_xlayout *out, cb_ctx *ctx, const cb_book *book) {
  memset(out, 0, sizeof *out);
  int has[2] = {0, 0}, prompt = 0;
  size_t n_resp = 0, cap = 8;
  const char **names = cb_arena_alloc(ctx->arena, cap * sizeof *names);
  size_t *counts = cb_arena_calloc(ctx->arena, cap, sizeof *counts);
  if (!names || !counts)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  for (size_t i = 0; i < book->n_cases; i++) {
    const cb_case *c = &book->cases[i];
    if (c->status != CB_STATUS_FINAL)
      continue;
    out->n_final++;
    for (size_t k = 0; k < c->n_inputs; k++) {
      const cb_input *in = &c->inputs[k];
      if (in->kind == CB_IN_SYSTEM)
        has[0] = 1;
      else if (in->kind == CB_IN_CONTEXT)
        has[1] = 1;
      else if (in->kind == CB_IN_PROMPT)
        prompt = 1;
      else if (in->kind == CB_IN_USER || in->kind == CB_IN_ASSISTANT)
        out->has_dialogue = 1;
      if (in->kind != CB_IN_RESPONSE)
        continue;
      const char *name = response_name(in);
      size_t j = 0;
      while (j < n_resp && strcmp(names[j], name) != 0)
        j++;
      if (j == n_resp) {
        if (n_resp == cap) {
          size_t ncap = cap * 2;
          const char **nn = cb_arena_alloc(ctx->arena, ncap * sizeof *nn);
          size_t *nc = cb_arena_calloc(ctx->arena, ncap, sizeof *nc);
          if (!nn || !nc)
            return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
          memcpy(nn, names, n_resp * sizeof *nn);
          memcpy(nc, counts, n_resp * sizeof *nc);
          names = nn;
          counts = nc;
          cap = ncap;
        }
        names[n_resp++] = name;
      }
      /* count a case once per response name */
      int earlier = 0;
      for (size_t e = 0; e < k && !earlier; e++)
        earlier = c->inputs[e].kind == CB_IN_RESPONSE &&
                  strcmp(response_name(&c->inputs[e]), name) == 0;
      if (!earlier)
        counts[j]++;
    }
  }
  size_t n = (size_t)has[0] + (size_t)has[1] +
             (size_t)(prompt || out->has_dialogue) + n_resp;
  out->fields = cb_arena_calloc(ctx->arena, n ? n : 1, sizeof *out->fields);
  if (!out->fields)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  if (has[0])
    out->fields[out->n_fields++].kind = CB_XF_SYSTEM;
  if (has[1])
    out->fields[out->n_fields++].kind = CB_XF_CONTEXT;
  if (out->has_dialogue)
    out->fields[out->n_fields++].kind = CB_XF_DIALOGUE;
  else if (prompt)
    out->fields[out->n_fields++].kind = CB_XF_PROMPT;
  for (size_t j = 0; j < n_resp; j++) {
    cb_xfield *f = &out->fields[out->n_fields++];
    f->kind = CB_XF_RESPONSE;
    f->response = names[j];
    f->n_cases = counts[j];
  }
  /* how many final cases have each of the other fields */
  for (size_t i = 0; i < book->n_cases; i++) {
    const cb_case *c = &book->cases[i];
    if (c->status != CB_STATUS_FINAL)
      continue;
    for (size_t j = 0; j < out->n_fields; j++)
      if (out->fields[j].kind != CB_XF_RESPONSE &&
          cb_export__case_has(c, &out->fields[j]))
        out->fields[j].n_cases++;
  }
  return 0;
}

/* 1 when final cases with exactly two responses name response field f:
 * where a pairwise question without `responses` applies. */
static int in_a_pair(const cb_book *book, const cb_xfield *f) {
  for (size_t i = 0; i < book->n_cases; i++) {
    const cb_case *c = &book->cases[i];
    if (c->status != CB_STATUS_FINAL)
      continue;
    size_t n = 0;
    for (size_t k = 0; k < c->n_inputs; k++)
      n += c->inputs[k].kind == CB_IN_RESPONSE;
    if (n == 2 && cb_export__case_has(c, f))
      return 1;
  }
  return 0;
}

size_t cb_export__compared(const cb_xfield ***out, cb_ctx *ctx,
                           const cb_book *book, const cb_xlayout *layout,
                           const cb_question *q) {
  const cb_xfield **list =
      cb_arena_calloc(ctx->arena, layout->n_fields + 1, sizeof *list);
  if (!list)
    return (size_t)-1;
  size_t n = 0;
  if (q->responses.n > 0) {
    for (size_t i = 0; i < q->responses.n; i++)
      for (size_t j = 0; j < layout->n_fields; j++) {
        const cb_xfield *f = &layout->fields[j];
        if (f->kind == CB_XF_RESPONSE &&
            strcmp(f->response, q->responses.items[i]) == 0) {
          int dup = 0;
          for (size_t k = 0; k < n; k++)
            dup |= list[k] == f;
          if (!dup)
            list[n++] = f;
        }
      }
    *out = list;
    return n;
  }
  if (q->type == CB_Q_PAIRWISE)
    for (size_t j = 0; j < layout->n_fields; j++) {
      const cb_xfield *f = &layout->fields[j];
      if (f->kind == CB_XF_RESPONSE && in_a_pair(book, f))
        list[n++] = f;
    }
  if (n == 0)
    for (size_t j = 0; j < layout->n_fields; j++) {
      const cb_xfield *f = &layout->fields[j];
      if (f->kind == CB_XF_RESPONSE && cb_export__shown_name(f->response))
        list[n++] = f;
    }
  *out = list;
  return n;
}

/* ---- Gold answers ---------------------------------------------------- */

const cb_answer *cb_export__answer(const cb_book *book, const cb_case *c,
                                   size_t qi, const char *resp) {
  const cb_answer *found = NULL;
  if (qi >= book->n_questions)
    return NULL;
  const cb_question *q = &book->questions[qi];
  for (size_t i = 0; i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    if (a->question < 0 || (size_t)a->question != qi || a->kind == CB_V_NONE)
      continue;
    const char *r = a->response;
    if (!r && q->scope == CB_SCOPE_RESPONSE)
      r = cb_model__only_response(c);
    if (r == resp || (r && resp && strcmp(r, resp) == 0))
      found = a;
  }
  return found;
}

int cb_export__fits(const cb_question *q, const cb_answer *a) {
  switch (a->kind) {
  case CB_V_OPTION:
  case CB_V_OPTIONS:
    for (size_t i = 0; i < a->n_items; i++)
      if (!cb_question_option(q, a->items[i]))
        return 0;
    return a->kind == CB_V_OPTIONS || a->n_items == 1;
  case CB_V_NUMBER:
    return q->type == CB_Q_SCALE && a->number >= q->scale_min &&
           a->number <= q->scale_max;
  case CB_V_RANK:
  case CB_V_PAIRWISE:
  case CB_V_TEXT:
    return 1;
  case CB_V_NONE:
    break;
  }
  return 0;
}

/* ---- `when` ---------------------------------------------------------- */

/* What one disjunct of a `when` says about question *on: the options it
 * selects (flags in sel, of the first question seen) and whether it was
 * written with ~= (neg). Returns 1, or 0 when it is not such a term. */
static int when_term(const cb_when *w, uint32_t x, const cb_book *book,
                     const cb_question **on, int *neg, cb_ctx *ctx,
                     unsigned char **sel) {
  const cb_when_node *n = &w->nodes[x];
  const cb_when_node *a = &w->nodes[n->a], *b = &w->nodes[n->b];
  uint32_t answer = 0;
  /* the option literals of the term: one node, or a set's chain */
  uint32_t first = 0;
  int single = 1;
  /* == and ~= and in {...} read a choice (a string); m.a a multi (a
   * list); "a" in x and has(x, "a") either */
  enum { CHOICE_ONLY, MULTI_ONLY, EITHER } form = CHOICE_ONLY;
  if (n->kind == CB_WN_CMP && (n->op == CB_WR_EQ || n->op == CB_WR_NE)) {
    if (a->kind == CB_WN_ANSWER && b->kind == CB_WN_STR)
      answer = n->a, first = n->b;
    else if (b->kind == CB_WN_ANSWER && a->kind == CB_WN_STR)
      answer = n->b, first = n->a;
    else
      return 0;
    *neg = n->op == CB_WR_NE;
  } else if (n->kind == CB_WN_IN && b->kind == CB_WN_SET &&
             a->kind == CB_WN_ANSWER) {
    answer = n->a, first = b->a, single = 0;
  } else if (n->kind == CB_WN_IN && b->kind == CB_WN_ANSWER &&
             a->kind == CB_WN_STR) {
    answer = n->b, first = n->a, form = EITHER;
  } else if (n->kind == CB_WN_MEMBER && a->kind == CB_WN_ANSWER) {
    answer = n->a, first = x, form = MULTI_ONLY;
  } else {
    return 0;
  }
  const cb_question *q = &book->questions[w->nodes[answer].question];
  if ((q->type != CB_Q_CHOICE && q->type != CB_Q_MULTI) || !q->n_options ||
      (form == CHOICE_ONLY && q->type != CB_Q_CHOICE) ||
      (form == MULTI_ONLY && q->type != CB_Q_MULTI))
    return 0;
  if (!*on) {
    *on = q;
    if (!(*sel = cb_arena_calloc(ctx->arena, q->n_options, 1)))
      return -1;
  } else if (*on != q) {
    return 0;
  }
  for (uint32_t k = first; k; k = single ? 0 : w->nodes[k].b) {
    const cb_when_node *v = &w->nodes[k];
    if (v->kind != CB_WN_STR && v->kind != CB_WN_MEMBER)
      return 0;
    const char *s = cb_when_str(w, v->str);
    size_t i = 0;
    while (i < q->n_options && !(strlen(q->options[i].id) == v->str_len &&
                                 memcmp(q->options[i].id, s, v->str_len) == 0))
      i++;
    if (i == q->n_options)
      return 0; /* not an option: another rule reports it */
    (*sel)[i] = 1;
  }
  return 1;
}

int cb_export__when(cb_xwhen *out, cb_ctx *ctx, const cb_book *book,
                    const cb_question *q) {
  memset(out, 0, sizeof *out);
  if (!q->when)
    return 0;
  cb_when *w = NULL;
  cb_when_error err;
  int rc = cb_when_parse(&w, q->when, strlen(q->when), &err);
  if (rc == 0)
    rc = cb_when_resolve(w, book, &err);
  if (rc < 0) {
    cb_free(w);
    return rc == CB_ENOMEM ? -1 : 0;
  }
  const cb_question *on = NULL;
  /* at most one value per option: the selected ones, in option order */
  unsigned char *selected = NULL;
  int result = 0, neg = 0;
  size_t n_terms = 0;
  /* the disjuncts: an `or` chain leans right, and its left side may be
   * an `or` in parentheses */
  uint32_t stack[CB_WHEN_MAX_DEPTH + 2];
  size_t depth = 0;
  stack[depth++] = w->root;
  while (depth) {
    uint32_t x = stack[--depth];
    if (w->nodes[x].kind == CB_WN_OR) {
      if (depth + 2 > sizeof stack / sizeof *stack)
        goto done;
      stack[depth++] = w->nodes[x].b;
      stack[depth++] = w->nodes[x].a;
      continue;
    }
    int term_neg = 0;
    int r = when_term(w, x, book, &on, &term_neg, ctx, &selected);
    if (r < 0) {
      result = -1;
      goto done;
    }
    if (r == 0 || (n_terms && (term_neg || neg)))
      goto done; /* ~= only alone: "not a or not b" is not a selection */
    neg = term_neg;
    n_terms++;
  }
  if (on == q)
    goto done;
  if (neg) {
    if (on->type != CB_Q_CHOICE)
      goto done; /* "not this option" of a multi is not "one of the rest" */
    for (size_t k = 0; k < on->n_options; k++)
      selected[k] = !selected[k];
  }
  out->values = cb_arena_calloc(ctx->arena, on->n_options, sizeof *out->values);
  if (!out->values) {
    result = -1;
    goto done;
  }
  for (size_t k = 0; k < on->n_options; k++)
    if (selected[k]) {
      if (strchr(on->options[k].id, ','))
        goto done; /* the tools separate values with commas */
      out->values[out->n_values++] = on->options[k].id;
    }
  if (out->n_values) {
    out->on = on;
    result = 1;
  }
done:
  if (result != 1)
    memset(out, 0, sizeof *out);
  cb_free(w);
  return result;
}

/* ---- Markdown -------------------------------------------------------- */

/* (export_util.h) */
void cb_export__fenced(cb_buf *out, const char *info, const char *s,
                       size_t len) {
  cb_buf clean = {0};
  if (!cb_utf8__text_ok(s, len, CB_TEXT_HTML)) {
    cb_utf8__text_fix(&clean, s, len, CB_TEXT_HTML);
    s = clean.data ? clean.data : "";
    len = clean.len;
  }
  size_t longest = 0, run = 0;
  for (size_t i = 0; i < len; i++) {
    run = s[i] == '`' ? run + 1 : 0;
    if (run > longest)
      longest = run;
  }
  size_t fence = longest + 1 > 3 ? longest + 1 : 3;
  for (size_t i = 0; i < fence; i++)
    cb_buf_putc(out, '`');
  cb_buf_puts(out, info);
  cb_buf_putc(out, '\n');
  cb_buf_append(out, s, len);
  if (len && s[len - 1] != '\n')
    cb_buf_putc(out, '\n');
  for (size_t i = 0; i < fence; i++)
    cb_buf_putc(out, '`');
  cb_buf_puts(out, "\n\n");
  if (clean.failed)
    out->failed = 1;
  cb_buf_free(&clean);
}

/* ---- Names ----------------------------------------------------------- */

char *cb_export__name(cb_ctx *ctx, const char *s, int flags) {
  size_t len = strlen(s);
  char *out = cb_arena_strndup(ctx->arena, len ? s : "_", len ? len : 1);
  if (!out)
    return NULL;
  for (char *p = out; *p; p++) {
    char c = *p;
    if ((flags & CB_XNAME_LOWER) && c >= 'A' && c <= 'Z')
      *p = (char)(c - 'A' + 'a');
    else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == '_' ||
               (c == '-' && (flags & CB_XNAME_DASH))))
      *p = '_';
  }
  return out;
}

const char *cb_export__field_title(cb_buf *b, const cb_xfield *f) {
  cb_buf_reset(b);
  switch (f->kind) {
  case CB_XF_SYSTEM:
    cb_buf_puts(b, "System prompt");
    break;
  case CB_XF_CONTEXT:
    cb_buf_puts(b, "Context");
    break;
  case CB_XF_PROMPT:
    cb_buf_puts(b, "Prompt");
    break;
  case CB_XF_DIALOGUE:
    cb_buf_puts(b, "Conversation");
    break;
  case CB_XF_RESPONSE:
    cb_buf_puts(b, "Response");
    if (cb_export__shown_name(f->response)) {
      cb_buf_putc(b, ' ');
      cb_buf_puts(b, f->response);
    }
    break;
  }
  return cb_buf_cstr(b);
}

/* (export_util.h) */
void cb_export__stamp_line(cb_buf *out, const cb_book *book) {
  const cb_stamp *s = &book->stamp;
  const char *version = s->version ? s->version : book->manifest.version;
  cb_buf_puts(out, " casebook " CB_VERSION " export; version ");
  cb_buf_puts(out, version ? version : "-");
  cb_buf_puts(out, ", commit ");
  cb_buf_puts(out, s->commit ? s->commit : "-");
  cb_buf_puts(out, ", describe ");
  cb_buf_puts(out, s->describe ? s->describe : "-");
  cb_buf_puts(out, ", date ");
  cb_buf_puts(out, s->date ? s->date : "-");
  cb_buf_puts(out, s->dirty ? ", dirty " : ", clean ");
}

const char *cb_export__task_id(cb_ctx *ctx, const cb_case *c) {
  static const char hex[] = "0123456789abcdef";
  static const char salt[] = "casebook task\n";
  unsigned char digest[CB_SHA256_LEN];
  cb_sha256 h;
  cb_sha256_init(&h);
  cb_sha256_update(&h, salt, sizeof salt - 1);
  cb_sha256_update(&h, c->id, strlen(c->id));
  cb_sha256_final(&h, digest);
  char id[18];
  id[0] = 't';
  for (size_t i = 0; i < 8; i++) {
    id[1 + 2 * i] = hex[digest[i] >> 4];
    id[2 + 2 * i] = hex[digest[i] & 15];
  }
  id[17] = '\0';
  return cb_arena_strdup(ctx->arena, id);
}
