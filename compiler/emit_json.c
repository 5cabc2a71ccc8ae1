/* SPDX-License-Identifier: MIT */
/*
 * emit_json.c: rubric.json and gold.jsonl, and the small JSON values the
 * other exports share (strings, the version stamp, gold answers).
 *
 * Both files follow the model's order (chapters, then elements in source
 * order) and use no clock, so the same book gives the same bytes. They
 * are written value by value with no jansson tree (rubric.json through
 * cb_json_writer, gold.jsonl compact, a line at a time), with the bytes
 * jansson would write. Every string is cleaned: invalid UTF-8 becomes
 * U+FFFD (jansson refuses it; the loader reports it as a diagnostic).
 * Case inputs keep every other byte, NUL included (written \u0000).
 *
 * Out of memory: a failure is remembered (jw.failed, the text buffer's
 * failed flag), the functions go on with what they can, and the file is
 * discarded at the end.
 */
#include "emit_json.h"

#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "links.h"
#include "model.h"
#include "output.h"
#include "utf8.h"

typedef struct jw {
  cb_ctx *ctx;
  const cb_book *book;
  cb_buf tmp; /* scratch for cleaned text and rewritten HTML */
  int failed;
} jw;

json_t *cb_emit_json__str(cb_buf *tmp, const char *s, size_t len) {
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

int cb_emit_json__set(json_t *obj, const char *key, json_t *value) {
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

/* A JSON string of s[0..len), cleaned; NULL only when out of memory. */
static json_t *jstrn(jw *w, const char *s, size_t len) {
  json_t *v = cb_emit_json__str(&w->tmp, s, len);
  if (!v)
    w->failed = 1;
  return v;
}

/* A JSON string of s, or null when s is NULL. */
static json_t *jstr(jw *w, const char *s) {
  if (!s)
    return json_null();
  return jstrn(w, s, strlen(s));
}

static json_t *jint(jw *w, long long n) {
  json_t *v = json_integer((json_int_t)n);
  if (!v)
    w->failed = 1;
  return v;
}

/* Sets obj[key] = value, stealing value; a NULL value or object is
 * recorded as a failure (jansson releases value in every case). */
static void set(jw *w, json_t *obj, const char *key, json_t *value) {
  if (json_object_set_new_nocheck(obj, key, value) < 0)
    w->failed = 1;
}

/* key as it can stand in JSON: itself, or a cleaned copy in the arena
 * (rare: only keys with invalid UTF-8). */
static const char *key_of(jw *w, const char *key) {
  if (!key)
    return "";
  size_t len = strlen(key);
  if (cb_utf8__text_ok(key, len, CB_TEXT_JSON))
    return key;
  cb_buf_reset(&w->tmp);
  cb_utf8__text_fix(&w->tmp, key, len, CB_TEXT_JSON);
  char *copy = w->tmp.failed
                   ? NULL
                   : cb_arena_strdup(w->ctx->arena, cb_buf_cstr(&w->tmp));
  if (!copy) {
    w->failed = 1;
    return "";
  }
  return copy;
}

static json_t *jobj(jw *w) {
  json_t *v = json_object();
  if (!v)
    w->failed = 1;
  return v;
}

/* ---- rubric.json ----------------------------------------------------- */

static json_t *stamp(jw *w) {
  json_t *o = cb_emit_json__stamp(w->book);
  if (!o)
    w->failed = 1;
  return o;
}

json_t *cb_emit_json__stamp(const cb_book *book) {
  const cb_stamp *s = &book->stamp;
  jw w = {NULL, book, {0}, 0};
  json_t *o = json_object();
  if (!o)
    return NULL;
  set(&w, o, "version",
      jstr(&w, s->version ? s->version : book->manifest.version));
  set(&w, o, "commit", jstr(&w, s->commit));
  set(&w, o, "describe", jstr(&w, s->describe));
  set(&w, o, "date", jstr(&w, s->date));
  set(&w, o, "dirty", json_boolean(s->dirty));
  cb_buf_free(&w.tmp);
  if (w.failed) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* rubric.json is written value by value (cb_json_writer), with no tree:
 * the same bytes as the jansson tree it describes, written by
 * cb_json__write_file. */

/* "key": s, null when s is NULL. */
static void r_str(cb_json_writer *j, const char *key, const char *s) {
  cb_json__key(j, key);
  cb_json__put_cstr(j, s);
}

static void r_int(cb_json_writer *j, const char *key, long long n) {
  cb_json__key(j, key);
  cb_json__put_int(j, n);
}

/* "key": a pre-rendered HTML fragment with its links resolved (null if
 * NULL). */
static void r_html(jw *w, cb_json_writer *j, const char *key,
                   const char *html) {
  cb_json__key(j, key);
  if (!html) {
    cb_json__put_null(j);
    return;
  }
  cb_buf_reset(&w->tmp);
  cb_links__html(&w->tmp, w->book, html);
  if (w->tmp.failed)
    w->failed = 1;
  cb_json__put_string(j, cb_buf_cstr(&w->tmp), w->tmp.len);
}

static void r_strlist(cb_json_writer *j, const char *key, const cb_strlist *l) {
  cb_json__key(j, key);
  cb_json__begin_array(j);
  for (size_t i = 0; i < l->n; i++)
    cb_json__put_cstr(j, l->items[i]);
  cb_json__end_array(j);
}

/* "chapter": path, "source": {"file": path, "line": n} */
static void r_source(jw *w, cb_json_writer *j, uint32_t chapter, cb_loc loc) {
  const cb_book *b = w->book;
  r_str(j, "chapter",
        chapter < b->n_chapters ? b->chapters[chapter].path : NULL);
  cb_json__key(j, "source");
  cb_json__begin_object(j);
  r_str(j, "file", loc.file < b->n_files ? b->files[loc.file].path : NULL);
  r_int(j, "line", loc.line);
  cb_json__end_object(j);
}

/* The attrs of an option as a JSON object holds them: a key given twice
 * (after cleaning) keeps its first place and takes its last value. */
static void r_attrs(jw *w, cb_json_writer *j, const cb_option *opt) {
  cb_json__key(j, "attrs");
  cb_json__begin_object(j);
  for (size_t i = 0; i < opt->n_attrs; i++) {
    const char *key = key_of(w, opt->attrs[i].key);
    size_t last = i;
    int seen = 0;
    for (size_t k = 0; k < opt->n_attrs && !seen; k++) {
      if (k == i || strcmp(key_of(w, opt->attrs[k].key), key) != 0)
        continue;
      if (k < i)
        seen = 1;
      else
        last = k;
    }
    if (!seen)
      r_str(j, key, opt->attrs[last].value);
  }
  cb_json__end_object(j);
}

static void option(jw *w, cb_json_writer *j, const cb_question *q,
                   const cb_option *opt) {
  cb_json__begin_object(j);
  r_str(j, "id", opt->id);
  cb_json__key(j, "value");
  if (q->type == CB_Q_SCALE)
    cb_json__put_int(j, opt->value);
  else
    cb_json__put_null(j);
  r_html(w, j, "meaning", opt->meaning_html);
  r_str(j, "meaning_text", opt->meaning_text);
  r_attrs(w, j, opt);
  cb_json__end_object(j);
}

static void question(jw *w, cb_json_writer *j, const cb_question *q) {
  cb_json__begin_object(j);
  r_str(j, "id", q->id);
  r_str(j, "title", q->title ? q->title : "");
  r_str(j, "type", cb_qtype_name(q->type));
  cb_json__key(j, "scale");
  if (q->type == CB_Q_SCALE) {
    cb_json__begin_object(j);
    r_int(j, "min", q->scale_min);
    r_int(j, "max", q->scale_max);
    cb_json__end_object(j);
  } else {
    cb_json__put_null(j);
  }
  cb_json__key(j, "required");
  cb_json__put_bool(j, q->required);
  r_str(j, "when", q->when);
  r_str(j, "hint", q->hint ? q->hint : q->title);
  r_str(j, "scope", q->scope == CB_SCOPE_RESPONSE ? "response" : "case");
  r_strlist(j, "responses", &q->responses);
  cb_json__key(j, "options");
  cb_json__begin_array(j);
  for (size_t i = 0; i < q->n_options; i++)
    option(w, j, q, &q->options[i]);
  cb_json__end_array(j);
  r_html(w, j, "guidance", q->guidance.html);
  r_str(j, "guidance_text", q->guidance.text);
  r_source(w, j, q->chapter, q->loc);
  cb_json__end_object(j);
}

/* "points": a number when written as an integer, else as written. */
static void r_points(cb_json_writer *j, const char *s) {
  char *end = NULL;
  long long n = s ? strtoll(s, &end, 10) : 0;
  if (s && end != s && *end == '\0' && (*s == '-' || (*s >= '0' && *s <= '9')))
    r_int(j, "points", n);
  else
    r_str(j, "points", s);
}

static void criterion(jw *w, cb_json_writer *j, const cb_criterion *c) {
  cb_json__begin_object(j);
  r_str(j, "id", c->id);
  r_str(j, "title", c->title ? c->title : "");
  r_strlist(j, "applies_to", &c->applies_to);
  r_str(j, "severity", c->severity);
  r_points(j, c->points);
  r_str(j, "text", c->prose.text);
  r_html(w, j, "html", c->prose.html);
  r_source(w, j, c->chapter, c->loc);
  cb_json__end_object(j);
}

static void chapter(jw *w, cb_json_writer *j, const cb_chapter *ch) {
  cb_json__begin_object(j);
  r_str(j, "path", ch->path);
  r_str(j, "title", ch->title);
  char *page = cb_arena_printf(w->ctx->arena, "%s.html", ch->slug);
  if (!page)
    w->failed = 1;
  r_str(j, "page", page);
  cb_json__key(j, "headings");
  cb_json__begin_array(j);
  for (size_t i = 0; i < ch->n_headings; i++) {
    const cb_heading *h = &ch->headings[i];
    cb_json__begin_object(j);
    r_int(j, "level", h->level);
    r_str(j, "text", h->text);
    r_str(j, "slug", h->slug);
    cb_json__end_object(j);
  }
  cb_json__end_array(j);
  cb_json__end_object(j);
}

/* The files are streamed (gold.jsonl is about the size of all the inputs)
 * and compared with the previous build's as they go: an unchanged file is
 * not rewritten. */
#define JSON_OUTPUT (CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME)

int cb_emit_json__rubric(cb_ctx *ctx, const cb_book *book, const char *path) {
  jw w = {ctx, book, {0}, 0};
  const cb_book *b = book;
  cb_buf text = {0};
  cb_json_writer j;
  cb_json__writer_init(&j, &text, 2, 0);

  cb_json__begin_object(&j);
  r_int(&j, "format", CB_FORMAT_VERSION);
  r_str(&j, "casebook_version", CB_VERSION);
  r_str(&j, "title", cb_model__title(b));
  json_t *version = cb_emit_json__stamp(b);
  cb_json__key(&j, "version");
  cb_json__put_value(&j, version);
  json_decref(version);
  cb_json__key(&j, "questions");
  cb_json__begin_array(&j);
  for (size_t i = 0; i < b->n_questions; i++)
    question(&w, &j, &b->questions[i]);
  cb_json__end_array(&j);
  cb_json__key(&j, "criteria");
  cb_json__begin_array(&j);
  for (size_t i = 0; i < b->n_criteria; i++)
    criterion(&w, &j, &b->criteria[i]);
  cb_json__end_array(&j);
  cb_json__key(&j, "chapters");
  cb_json__begin_array(&j);
  for (size_t i = 0; i < b->n_chapters; i++)
    chapter(&w, &j, &b->chapters[i]);
  cb_json__end_array(&j);
  cb_json__end_object(&j);
  cb_buf_free(&w.tmp);
  if (w.failed)
    text.failed = 1;
  return cb_json__write_text(ctx, path, &text);
}

/* ---- gold.jsonl ------------------------------------------------------ */

const char *cb_emit_json__only_response(const cb_case *c) {
  const char *name = NULL;
  for (size_t i = 0; i < c->n_inputs; i++) {
    if (c->inputs[i].kind != CB_IN_RESPONSE)
      continue;
    if (name)
      return NULL;
    name = c->inputs[i].name ? c->inputs[i].name : "";
  }
  return name;
}

/* gold.jsonl is written a line at a time, compact, with no tree: the
 * punctuation of its objects and arrays here, every key and string value
 * by cb_json__string (cleaned and escaped as jansson would). A tree of
 * json_t per case costs most of its time in jansson's containers (a cycle
 * check, a hash table and a free each), not in the text. */
typedef struct gw {
  jw *w;
  cb_buf *line;
  unsigned char first[8]; /* per open container: no comma needed yet */
  int depth;
} gw;

static void g_comma(gw *g) {
  if (g->depth > 0 && !g->first[g->depth - 1])
    cb_buf_putc(g->line, ',');
  if (g->depth > 0)
    g->first[g->depth - 1] = 0;
}

static void g_open(gw *g, char c) {
  g_comma(g);
  cb_buf_putc(g->line, c);
  assert(g->depth < (int)sizeof g->first);
  g->first[g->depth++] = 1;
}

static void g_close(gw *g, char c) {
  g->depth--;
  cb_buf_putc(g->line, c);
}

/* A string value (cleaned as every output string is). */
static void g_strn(gw *g, const char *s, size_t len) {
  g_comma(g);
  cb_json__string(g->line, s, len);
}

static void g_str(gw *g, const char *s) {
  if (!s) {
    g_comma(g);
    cb_buf_puts(g->line, "null");
    return;
  }
  g_strn(g, s, strlen(s));
}

static void g_int(gw *g, long long n) {
  char num[24];
  g_comma(g);
  cb_buf_append(g->line, num, cb_json__digits(num, n));
}

/* "key": (the key cleaned and escaped like a value; NULL as "") */
static void g_key(gw *g, const char *key) {
  g_str(g, key ? key : "");
  cb_buf_putc(g->line, ':');
  g->first[g->depth - 1] = 1; /* the value follows without a comma */
}

/* "key": for the record's own keys, constants that need no escaping. */
static void g_field(gw *g, const char *key) {
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
static void g_const(gw *g, const char *s) {
  g_comma(g);
  cb_buf_putc(g->line, '"');
  cb_buf_puts(g->line, s);
  cb_buf_putc(g->line, '"');
}

/* Rank: best first; a group of tied names is a nested array. */
static void g_rank(gw *g, const cb_answer *a) {
  g_open(g, '[');
  size_t i = 0;
  while (i < a->n_items) {
    size_t j = i + 1;
    while (j < a->n_items && a->tied && a->tied[j])
      j++;
    if (j - i == 1) {
      g_str(g, a->items[i]);
    } else {
      g_open(g, '[');
      for (size_t k = i; k < j; k++)
        g_str(g, a->items[k]);
      g_close(g, ']');
    }
    i = j;
  }
  g_close(g, ']');
}

/* The typed value of an answer (of a kind other than CB_V_NONE). */
static void g_answer_value(gw *g, const cb_answer *a) {
  switch (a->kind) {
  case CB_V_OPTION:
    g_str(g, a->n_items ? a->items[0] : a->raw);
    break;
  case CB_V_OPTIONS:
    g_open(g, '[');
    for (size_t i = 0; i < a->n_items; i++)
      g_str(g, a->items[i]);
    g_close(g, ']');
    break;
  case CB_V_NUMBER:
    g_int(g, a->number);
    break;
  case CB_V_RANK:
    g_rank(g, a);
    break;
  case CB_V_PAIRWISE:
    g_open(g, '{');
    g_field(g, "preferred");
    g_str(g, a->strength == 0 || !a->n_items ? "tie" : a->items[0]);
    g_field(g, "strength");
    g_int(g, a->strength);
    g_close(g, '}');
    break;
  case CB_V_TEXT:
    g_str(g, a->raw ? a->raw : "");
    break;
  case CB_V_NONE:
    assert(0);
    break;
  }
}

/* The value is written as in gold.jsonl and read back, so that one
 * function says how an answer looks in every output. */
json_t *cb_emit_json__answer(const cb_answer *a, int *failed) {
  if (a->kind == CB_V_NONE)
    return NULL;
  cb_buf text = {0};
  gw g = {NULL, &text, {0}, 0};
  g_answer_value(&g, a);
  json_t *v = text.failed ? NULL
                          : json_loadb(text.data, text.len,
                                       JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  cb_buf_free(&text);
  if (!v)
    *failed = 1;
  return v;
}

static void g_strlist(gw *g, const cb_strlist *l) {
  g_open(g, '[');
  for (size_t i = 0; i < l->n; i++)
    g_str(g, l->items[i]);
  g_close(g, ']');
}

/* The response an answer belongs to (NULL: the case itself), as the
 * answers are grouped in the record. */
static const char *answer_response(const cb_book *b, const cb_case *c,
                                   const cb_answer *a) {
  const cb_question *q = &b->questions[a->question];
  if (!a->response && q->scope == CB_SCOPE_RESPONSE)
    return cb_emit_json__only_response(c);
  return a->response;
}

static int typed(const cb_book *b, const cb_answer *a) {
  return a->question >= 0 && (size_t)a->question < b->n_questions &&
         a->kind != CB_V_NONE;
}

static int same_response(const char *x, const char *y) {
  return x == y || (x && y && strcmp(x, y) == 0);
}

/* The answers of response resp (NULL: of the case), each question once
 * in the order it first appears, with the value given last. */
static void g_answers(gw *g, const cb_case *c, const char *resp) {
  const cb_book *b = g->w->book;
  g_open(g, '{');
  for (size_t i = 0; i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    if (!typed(b, a) || !same_response(answer_response(b, c, a), resp))
      continue;
    int seen = 0, last = 1;
    for (size_t k = 0; k < c->n_answers && !seen; k++) {
      const cb_answer *o = &c->answers[k];
      if (k == i || !typed(b, o) || o->question != a->question ||
          !same_response(answer_response(b, c, o), resp))
        continue;
      if (k < i)
        seen = 1;
      else
        last = 0;
    }
    if (seen)
      continue;
    const cb_answer *v = a;
    if (!last)
      for (size_t k = i + 1; k < c->n_answers; k++) {
        const cb_answer *o = &c->answers[k];
        if (typed(b, o) && o->question == a->question &&
            same_response(answer_response(b, c, o), resp))
          v = o;
      }
    g_key(g, b->questions[a->question].id);
    g_answer_value(g, v);
  }
  g_close(g, '}');
}

static void gold_case(gw *g, const cb_case *c) {
  const cb_book *b = g->w->book;
  g_open(g, '{');
  g_field(g, "id");
  g_str(g, c->id);
  g_field(g, "title");
  g_str(g, c->title ? c->title : "");

  g_field(g, "inputs");
  g_open(g, '[');
  for (size_t i = 0; i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    g_open(g, '{');
    g_field(g, "kind");
    g_const(g, cb_input_kind_name(in->kind));
    g_field(g, "name");
    g_str(g, in->kind == CB_IN_RESPONSE ? (in->name ? in->name : "") : NULL);
    g_field(g, "text");
    g_strn(g, in->text ? in->text : "", in->text ? in->len : 0);
    g_close(g, '}');
  }
  g_close(g, ']');

  g_field(g, "answers");
  g_answers(g, c, NULL);
  g_field(g, "per_response");
  g_open(g, '{');
  for (size_t i = 0; i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    if (!typed(b, a))
      continue;
    const char *resp = answer_response(b, c, a);
    if (!resp)
      continue;
    int seen = 0; /* each response once, where it first appears */
    for (size_t k = 0; k < i && !seen; k++)
      seen = typed(b, &c->answers[k]) &&
             same_response(answer_response(b, c, &c->answers[k]), resp);
    if (seen)
      continue;
    g_key(g, resp);
    g_answers(g, c, resp);
  }
  g_close(g, '}');
  g_field(g, "criteria");
  g_strlist(g, &c->criteria);
  g_field(g, "tags");
  g_strlist(g, &c->tags);
  g_field(g, "origin");
  g_str(g, c->source);
  g_field(g, "source");
  g_open(g, '{');
  g_field(g, "file");
  g_str(g, c->loc.file < b->n_files ? b->files[c->loc.file].path : NULL);
  g_field(g, "line");
  g_int(g, c->loc.line);
  g_close(g, '}');
  g_field(g, "chapter");
  g_str(g, c->chapter < b->n_chapters ? b->chapters[c->chapter].path : NULL);
  g_close(g, '}');
}

/* Writes gold.meta.json next to the gold file at path (NAME.jsonl gives
 * NAME.meta.json): the format, the file it describes, its number of
 * records and the version stamp, so that every line of gold.jsonl stays
 * a case record. Returns 0 or a negative code with ctx's error set. */
static int gold_meta(cb_ctx *ctx, const cb_book *book, const char *path,
                     size_t records) {
  jw w = {ctx, book, {0}, 0};
  int err = 0;
  size_t n = strlen(path);
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *meta =
      n > 6 && strcmp(path + n - 6, ".jsonl") == 0
          ? cb_arena_printf(ctx->arena, "%.*s.meta.json", (int)(n - 6), path)
          : cb_arena_printf(ctx->arena, "%s.meta.json", path);
  json_t *root = jobj(&w);
  set(&w, root, "format", jint(&w, CB_FORMAT_VERSION));
  set(&w, root, "file", jstr(&w, base));
  set(&w, root, "records", jint(&w, (long long)records));
  set(&w, root, "version", stamp(&w));
  if (w.failed || !meta) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  err = cb_json__write_file(ctx, meta, root);
done:
  json_decref(root);
  cb_buf_free(&w.tmp);
  return err;
}

int cb_emit_json__gold(cb_ctx *ctx, const cb_book *book, const char *path) {
  int err = 0;
  jw w = {ctx, book, {0}, 0};
  cb_buf line = {0};
  gw g = {&w, &line, {0}, 0};
  cb_output *f = NULL;
  size_t records = 0;

  if ((err = cb_output__open(&f, ctx, path, JSON_OUTPUT)) < 0)
    goto done;
  for (size_t i = 0; i < book->n_cases; i++) {
    const cb_case *c = &book->cases[i];
    if (c->status != CB_STATUS_FINAL)
      continue;
    cb_buf_reset(&line);
    gold_case(&g, c);
    cb_buf_putc(&line, '\n');
    if (w.failed || line.failed) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    if ((err = cb_output__write(f, line.data, line.len)) < 0)
      goto done;
    records++;
  }
  err = cb_output__commit(f);
  f = NULL;
  if (err == 0)
    err = gold_meta(ctx, book, path, records);
done:
  cb_output__discard(f);
  cb_buf_free(&line);
  cb_buf_free(&w.tmp);
  return err;
}
