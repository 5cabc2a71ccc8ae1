/* SPDX-License-Identifier: MIT */
/*
 * model_json.c: the pieces of the model every JSON output writes the same
 * way: a string from the casebook (cleaned of invalid UTF-8), an object
 * key, the version stamp, and a gold answer's typed value, with the
 * compact line writer gold.jsonl is written with. The rubric and gold
 * writers (emit_json.c), the exporters and the printers use these, so an
 * answer or a stamp looks alike in every file.
 */
#include "model_json.h"

#include <assert.h>
#include <string.h>

#include "json_out.h"
#include "utf8.h"

json_t *cb_model_json__str(cb_buf *tmp, const char *s, size_t len) {
  if (cb_utf8__text_ok(s, len, CB_TEXT_JSON))
    return json_stringn_nocheck(s, len);
  cb_buf own = {0};
  cb_buf *b = tmp ? tmp : &own;
  cb_buf_reset(b);
  cb_utf8__text_fix(b, s, len, CB_TEXT_JSON);
  json_t *v = b->failed ? NULL : json_stringn_nocheck(cb_buf_cstr(b), b->len);
  cb_buf_free(&own);
  return v;
}

int cb_model_json__set(json_t *obj, const char *key, json_t *value) {
  if (!obj || !value) {
    json_decref(value);
    return -1;
  }
  size_t len = strlen(key);
  if (cb_utf8__text_ok(key, len, CB_TEXT_JSON))
    return json_object_set_new_nocheck(obj, key, value) < 0 ? -1 : 0;
  cb_buf b = {0};
  cb_utf8__text_fix(&b, key, len, CB_TEXT_JSON);
  int err =
      b.failed ? -1 : json_object_set_new_nocheck(obj, cb_buf_cstr(&b), value);
  if (b.failed)
    json_decref(value);
  cb_buf_free(&b);
  return err < 0 ? -1 : 0;
}

/* A JSON string of s, cleaned, or null when s is NULL; NULL when out of
 * memory. */
static json_t *str_or_null(cb_buf *tmp, const char *s) {
  if (!s)
    return json_null();
  return cb_model_json__str(tmp, s, strlen(s));
}

json_t *cb_model_json__stamp(const cb_book *book) {
  const cb_stamp *s = &book->stamp;
  cb_buf tmp = {0};
  int failed = 0;
  json_t *o = json_object();
  if (!o)
    return NULL;
  /* jansson releases the value when it cannot set it (a NULL value too) */
  failed |= json_object_set_new_nocheck(
                o, "version",
                str_or_null(&tmp, s->version ? s->version
                                             : book->manifest.version)) < 0;
  failed |= json_object_set_new_nocheck(o, "commit",
                                        str_or_null(&tmp, s->commit)) < 0;
  failed |= json_object_set_new_nocheck(o, "describe",
                                        str_or_null(&tmp, s->describe)) < 0;
  failed |=
      json_object_set_new_nocheck(o, "date", str_or_null(&tmp, s->date)) < 0;
  failed |= json_object_set_new_nocheck(o, "dirty", json_boolean(s->dirty)) < 0;
  cb_buf_free(&tmp);
  if (failed) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* ---- one line of compact JSON ----------------------------------------- */

static void g_comma(cb_json_line *g) {
  if (g->depth > 0 && !g->first[g->depth - 1])
    cb_buf_putc(g->line, ',');
  if (g->depth > 0)
    g->first[g->depth - 1] = 0;
}

void cb_model_json__line_open(cb_json_line *g, char c) {
  g_comma(g);
  cb_buf_putc(g->line, c);
  assert(g->depth < (int)sizeof g->first);
  g->first[g->depth++] = 1;
}

void cb_model_json__line_close(cb_json_line *g, char c) {
  g->depth--;
  cb_buf_putc(g->line, c);
}

/* A string value (cleaned as every output string is). */
void cb_model_json__line_strn(cb_json_line *g, const char *s, size_t len) {
  g_comma(g);
  cb_json__string(g->line, s, len);
}

void cb_model_json__line_str(cb_json_line *g, const char *s) {
  if (!s) {
    g_comma(g);
    cb_buf_puts(g->line, "null");
    return;
  }
  cb_model_json__line_strn(g, s, strlen(s));
}

void cb_model_json__line_int(cb_json_line *g, long long n) {
  char num[24];
  g_comma(g);
  cb_buf_append(g->line, num, cb_json__digits(num, n));
}

/* "key": (the key cleaned and escaped like a value; NULL as "") */
void cb_model_json__line_key(cb_json_line *g, const char *key) {
  cb_model_json__line_str(g, key ? key : "");
  cb_buf_putc(g->line, ':');
  g->first[g->depth - 1] = 1; /* the value follows without a comma */
}

/* "key": for the record's own keys, constants that need no escaping. */
void cb_model_json__line_field(cb_json_line *g, const char *key) {
  char tok[24]; /* the comma, the quoted key and the colon: one append */
  size_t n = strlen(key), at = 0;
  assert(n + 4 <= sizeof tok);
  if (!g->first[g->depth - 1])
    tok[at++] = ',';
  tok[at++] = '"';
  memcpy(tok + at, key, n);
  at += n;
  tok[at++] = '"';
  tok[at++] = ':';
  cb_buf_append(g->line, tok, at);
  g->first[g->depth - 1] = 1;
}

/* A constant string value that needs no escaping (an input kind). */
void cb_model_json__line_const(cb_json_line *g, const char *s) {
  g_comma(g);
  cb_buf_putc(g->line, '"');
  cb_buf_puts(g->line, s);
  cb_buf_putc(g->line, '"');
}

/* Rank: best first; a group of tied names is a nested array. */
static void g_rank(cb_json_line *g, const cb_answer *a) {
  cb_model_json__line_open(g, '[');
  size_t i = 0;
  while (i < a->n_items) {
    size_t j = i + 1;
    while (j < a->n_items && a->tied && a->tied[j])
      j++;
    if (j - i == 1) {
      cb_model_json__line_str(g, a->items[i]);
    } else {
      cb_model_json__line_open(g, '[');
      for (size_t k = i; k < j; k++)
        cb_model_json__line_str(g, a->items[k]);
      cb_model_json__line_close(g, ']');
    }
    i = j;
  }
  cb_model_json__line_close(g, ']');
}

/* The typed value of an answer (of a kind other than CB_V_NONE). */
void cb_model_json__line_answer(cb_json_line *g, const cb_answer *a) {
  switch (a->kind) {
  case CB_V_OPTION:
    cb_model_json__line_str(g, a->n_items ? a->items[0] : a->raw);
    break;
  case CB_V_OPTIONS:
    cb_model_json__line_open(g, '[');
    for (size_t i = 0; i < a->n_items; i++)
      cb_model_json__line_str(g, a->items[i]);
    cb_model_json__line_close(g, ']');
    break;
  case CB_V_NUMBER:
    cb_model_json__line_int(g, a->number);
    break;
  case CB_V_RANK:
    g_rank(g, a);
    break;
  case CB_V_PAIRWISE:
    cb_model_json__line_open(g, '{');
    cb_model_json__line_field(g, "preferred");
    cb_model_json__line_str(g, a->strength == 0 || !a->n_items ? "tie"
                                                               : a->items[0]);
    cb_model_json__line_field(g, "strength");
    cb_model_json__line_int(g, a->strength);
    cb_model_json__line_close(g, '}');
    break;
  case CB_V_TEXT:
    cb_model_json__line_str(g, a->raw ? a->raw : "");
    break;
  case CB_V_NONE:
    assert(0);
    break;
  }
}

/* The value is written as in gold.jsonl and read back, so that one
 * function says how an answer looks in every output. */
json_t *cb_model_json__answer(const cb_answer *a, int *failed) {
  if (a->kind == CB_V_NONE)
    return NULL;
  cb_buf text = {0};
  cb_json_line g = {NULL, &text, {0}, 0};
  cb_model_json__line_answer(&g, a);
  json_t *v = text.failed ? NULL
                          : json_loadb(text.data, text.len,
                                       JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  cb_buf_free(&text);
  if (!v)
    *failed = 1;
  return v;
}
