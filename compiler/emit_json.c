/* SPDX-License-Identifier: MIT */
/*
 * emit_json.c: rubric.json and gold.jsonl. The JSON values the other
 * outputs share (strings, the version stamp, gold answers) are in
 * model_json.c.
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

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "json_file.h"
#include "json_out.h"
#include "links.h"
#include "model.h"
#include "model_json.h"
#include "output.h"
#include "utf8.h"

typedef struct jw {
  cb_ctx *ctx;
  const cb_book *book;
  cb_buf tmp; /* scratch for cleaned text and rewritten HTML */
  int failed;
} jw;

/* A JSON string of s[0..len), cleaned; NULL only when out of memory. */
static json_t *jstrn(jw *w, const char *s, size_t len) {
  json_t *v = cb_model_json__str(&w->tmp, s, len);
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
  json_t *o = cb_model_json__stamp(w->book);
  if (!o)
    w->failed = 1;
  return o;
}

/* rubric.json is written value by value (cb_json_writer), with no tree:
 * the same bytes as the jansson tree it describes, written by
 * cb_json_file__write. */

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
  cb_json__key(j, "min_replies");
  if (q->min_replies)
    cb_json__put_int(j, q->min_replies);
  else
    cb_json__put_null(j);
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
  json_t *version = cb_model_json__stamp(b);
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
  return cb_json_file__write_text(ctx, path, &text);
}

/* ---- gold.jsonl ------------------------------------------------------ */

/* gold.jsonl is written a line at a time, compact, with no tree: the
 * punctuation of its objects and arrays by the line writer of
 * model_json.c (which writes answers for the exporters too), every key
 * and string value by cb_json__string (cleaned and escaped as jansson would). A
 * tree of json_t per case costs most of its time in jansson's containers (a
 * cycle check, a hash table and a free each), not in the text. */
static void g_strlist(cb_json_line *g, const cb_strlist *l) {
  cb_model_json__line_open(g, '[');
  for (size_t i = 0; i < l->n; i++)
    cb_model_json__line_str(g, l->items[i]);
  cb_model_json__line_close(g, ']');
}

/* The response an answer belongs to (NULL: the case itself), as the
 * answers are grouped in the record. */
static const char *answer_response(const cb_book *b, const cb_case *c,
                                   const cb_answer *a) {
  const cb_question *q = &b->questions[a->question];
  if (!a->response && q->scope == CB_SCOPE_RESPONSE)
    return cb_model__only_response(c);
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
static void g_answers(cb_json_line *g, const cb_case *c, const char *resp) {
  const cb_book *b = g->book;
  cb_model_json__line_open(g, '{');
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
    cb_model_json__line_key(g, b->questions[a->question].id);
    cb_model_json__line_answer(g, v);
  }
  cb_model_json__line_close(g, '}');
}

static void gold_case(cb_json_line *g, const cb_case *c) {
  const cb_book *b = g->book;
  cb_model_json__line_open(g, '{');
  cb_model_json__line_field(g, "id");
  cb_model_json__line_str(g, c->id);
  cb_model_json__line_field(g, "title");
  cb_model_json__line_str(g, c->title ? c->title : "");

  cb_model_json__line_field(g, "inputs");
  cb_model_json__line_open(g, '[');
  for (size_t i = 0; i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    cb_model_json__line_open(g, '{');
    cb_model_json__line_field(g, "kind");
    cb_model_json__line_const(g, cb_input_kind_name(in->kind));
    cb_model_json__line_field(g, "name");
    cb_model_json__line_str(
        g, in->kind == CB_IN_RESPONSE ? (in->name ? in->name : "") : NULL);
    cb_model_json__line_field(g, "text");
    cb_model_json__line_strn(g, in->text ? in->text : "",
                             in->text ? in->len : 0);
    cb_model_json__line_close(g, '}');
  }
  cb_model_json__line_close(g, ']');

  cb_model_json__line_field(g, "answers");
  g_answers(g, c, NULL);
  cb_model_json__line_field(g, "per_response");
  cb_model_json__line_open(g, '{');
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
    cb_model_json__line_key(g, resp);
    g_answers(g, c, resp);
  }
  cb_model_json__line_close(g, '}');
  cb_model_json__line_field(g, "criteria");
  g_strlist(g, &c->criteria);
  cb_model_json__line_field(g, "tags");
  g_strlist(g, &c->tags);
  cb_model_json__line_field(g, "origin");
  cb_model_json__line_str(g, c->source);
  cb_model_json__line_field(g, "source");
  cb_model_json__line_open(g, '{');
  cb_model_json__line_field(g, "file");
  cb_model_json__line_str(
      g, c->loc.file < b->n_files ? b->files[c->loc.file].path : NULL);
  cb_model_json__line_field(g, "line");
  cb_model_json__line_int(g, c->loc.line);
  cb_model_json__line_close(g, '}');
  cb_model_json__line_field(g, "chapter");
  cb_model_json__line_str(
      g, c->chapter < b->n_chapters ? b->chapters[c->chapter].path : NULL);
  cb_model_json__line_field(g, "use");
  cb_model_json__line_str(g, cb_use_name(cb_case_use(b, c)));
  cb_model_json__line_close(g, '}');
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
  err = cb_json_file__write(ctx, meta, root);
done:
  json_decref(root);
  cb_buf_free(&w.tmp);
  return err;
}

int cb_emit_json__gold(cb_ctx *ctx, const cb_book *book, const char *path) {
  int err = 0;
  cb_buf line = {0};
  cb_json_line g = {book, &line, {0}, 0};
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
    if (line.failed) {
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
  return err;
}
