/*
 * emit_json.c: rubric.json and gold.jsonl, through jansson.
 *
 * Both follow the model's order (chapters, then elements in source order)
 * and use no clock, so the same book gives the same bytes. Strings go
 * through jstr(), which replaces invalid UTF-8 by U+FFFD (jansson refuses
 * it; the loader reports it as a diagnostic). Case inputs keep every other
 * byte, NUL included (json_stringn writes it as \u0000).
 *
 * Out of memory: a NULL from jansson is remembered in jw.failed, the
 * functions go on with what they can (jansson ignores NULL values), and the
 * file is discarded at the end.
 */
#include "emit_json.h"

#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "json_out.h"
#include "output.h"

typedef struct jw {
  cb_ctx *ctx;
  const cb_book *book;
  cb_buf tmp; /* scratch for cleaned text and rewritten HTML */
  int failed;
} jw;

json_t *cb_emit_json__str(cb_buf *tmp, const char *s, size_t len) {
  if (cb_emit__text_ok(s, len, CB_TEXT_JSON))
    return json_stringn_nocheck(s, len);
  cb_buf own = {0};
  cb_buf *b = tmp ? tmp : &own;
  cb_buf_reset(b);
  cb_emit__text_fix(b, s, len, CB_TEXT_JSON);
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
  if (cb_emit__text_ok(key, len, CB_TEXT_JSON))
    return json_object_set_new_nocheck(obj, key, value) < 0 ? -1 : 0;
  cb_buf b = {0};
  cb_emit__text_fix(&b, key, len, CB_TEXT_JSON);
  int err = b.failed ? -1 : json_object_set_new_nocheck(obj, cb_buf_cstr(&b),
                                                        value);
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

/* A pre-rendered HTML fragment with its links resolved (null if NULL). */
static json_t *jhtml(jw *w, const char *html) {
  if (!html)
    return json_null();
  cb_buf links = {0};
  cb_emit__links(&links, w->book, html);
  json_t *v = NULL;
  if (!links.failed)
    v = jstrn(w, cb_buf_cstr(&links), links.len);
  else
    w->failed = 1;
  cb_buf_free(&links);
  return v;
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
  if (cb_emit__text_ok(key, len, CB_TEXT_JSON))
    return key;
  cb_buf_reset(&w->tmp);
  cb_emit__text_fix(&w->tmp, key, len, CB_TEXT_JSON);
  char *copy = w->tmp.failed
                   ? NULL
                   : cb_arena_strdup(w->ctx->arena, cb_buf_cstr(&w->tmp));
  if (!copy) {
    w->failed = 1;
    return "";
  }
  return copy;
}

static void push(jw *w, json_t *arr, json_t *value) {
  if (json_array_append_new(arr, value) < 0)
    w->failed = 1;
}

static json_t *jobj(jw *w) {
  json_t *v = json_object();
  if (!v)
    w->failed = 1;
  return v;
}

static json_t *jarr(jw *w) {
  json_t *v = json_array();
  if (!v)
    w->failed = 1;
  return v;
}

static json_t *strlist(jw *w, const cb_strlist *l) {
  json_t *a = jarr(w);
  for (size_t i = 0; i < l->n; i++)
    push(w, a, jstr(w, l->items[i]));
  return a;
}

/* {"file": path, "line": n} */
static json_t *source(jw *w, cb_loc loc) {
  json_t *o = jobj(w);
  const char *path =
      loc.file < w->book->n_files ? w->book->files[loc.file].path : NULL;
  set(w, o, "file", jstr(w, path));
  set(w, o, "line", jint(w, loc.line));
  return o;
}

static json_t *chapter_path(jw *w, uint32_t chapter) {
  if (chapter >= w->book->n_chapters)
    return json_null();
  return jstr(w, w->book->chapters[chapter].path);
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
  set(&w, o, "version", jstr(&w, s->version ? s->version : book->manifest.version));
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

static json_t *option(jw *w, const cb_question *q, const cb_option *opt) {
  json_t *o = jobj(w);
  set(w, o, "id", jstr(w, opt->id));
  set(w, o, "value", q->type == CB_Q_SCALE ? jint(w, opt->value) : json_null());
  set(w, o, "meaning", jhtml(w, opt->meaning_html));
  set(w, o, "meaning_text", jstr(w, opt->meaning_text));
  json_t *attrs = jobj(w);
  for (size_t i = 0; i < opt->n_attrs; i++)
    set(w, attrs, key_of(w, opt->attrs[i].key), jstr(w, opt->attrs[i].value));
  set(w, o, "attrs", attrs);
  return o;
}

static json_t *question(jw *w, const cb_question *q) {
  json_t *o = jobj(w);
  set(w, o, "id", jstr(w, q->id));
  set(w, o, "title", jstr(w, q->title ? q->title : ""));
  set(w, o, "type", jstr(w, cb_qtype_name(q->type)));
  if (q->type == CB_Q_SCALE) {
    json_t *scale = jobj(w);
    set(w, scale, "min", jint(w, q->scale_min));
    set(w, scale, "max", jint(w, q->scale_max));
    set(w, o, "scale", scale);
  } else {
    set(w, o, "scale", json_null());
  }
  set(w, o, "required", json_boolean(q->required));
  set(w, o, "when", jstr(w, q->when));
  set(w, o, "hint", jstr(w, q->hint ? q->hint : q->title));
  set(w, o, "scope",
      jstr(w, q->scope == CB_SCOPE_RESPONSE ? "response" : "case"));
  set(w, o, "responses", strlist(w, &q->responses));
  json_t *opts = jarr(w);
  for (size_t i = 0; i < q->n_options; i++)
    push(w, opts, option(w, q, &q->options[i]));
  set(w, o, "options", opts);
  set(w, o, "guidance", jhtml(w, q->guidance.html));
  set(w, o, "guidance_text", jstr(w, q->guidance.text));
  set(w, o, "chapter", chapter_path(w, q->chapter));
  set(w, o, "source", source(w, q->loc));
  return o;
}

/* Points as a number when written as an integer, else as written. */
static json_t *points(jw *w, const char *s) {
  if (!s)
    return json_null();
  char *end = NULL;
  long long n = strtoll(s, &end, 10);
  if (end != s && *end == '\0' && (*s == '-' || (*s >= '0' && *s <= '9')))
    return jint(w, n);
  return jstr(w, s);
}

static json_t *criterion(jw *w, const cb_criterion *c) {
  json_t *o = jobj(w);
  set(w, o, "id", jstr(w, c->id));
  set(w, o, "title", jstr(w, c->title ? c->title : ""));
  set(w, o, "applies_to", strlist(w, &c->applies_to));
  set(w, o, "severity", jstr(w, c->severity));
  set(w, o, "points", points(w, c->points));
  set(w, o, "text", jstr(w, c->prose.text));
  set(w, o, "html", jhtml(w, c->prose.html));
  set(w, o, "chapter", chapter_path(w, c->chapter));
  set(w, o, "source", source(w, c->loc));
  return o;
}

static json_t *chapter(jw *w, const cb_chapter *ch) {
  json_t *o = jobj(w);
  set(w, o, "path", jstr(w, ch->path));
  set(w, o, "title", jstr(w, ch->title));
  char *page = cb_arena_printf(w->ctx->arena, "%s.html", ch->slug);
  if (!page)
    w->failed = 1;
  set(w, o, "page", page ? jstr(w, page) : NULL);
  json_t *hs = jarr(w);
  for (size_t i = 0; i < ch->n_headings; i++) {
    const cb_heading *h = &ch->headings[i];
    json_t *ho = jobj(w);
    set(w, ho, "level", jint(w, h->level));
    set(w, ho, "text", jstr(w, h->text));
    set(w, ho, "slug", jstr(w, h->slug));
    push(w, hs, ho);
  }
  set(w, o, "headings", hs);
  return o;
}

/* jansson hands its output over in many small pieces (a quote, a
 * comma): they are gathered in a buffer, which goes to the file once per
 * value. */
static int dump_cb(const char *buffer, size_t size, void *data) {
  cb_buf *b = data;
  if (b->len + size < b->cap) {
    memcpy(b->data + b->len, buffer, size);
    b->len += size;
  } else {
    cb_buf_append(b, buffer, size);
  }
  return b->failed ? -1 : 0;
}


/* The files are streamed (gold.jsonl is about the size of all the inputs)
 * and compared with the previous build's as they go: an unchanged file is
 * not rewritten. */
#define JSON_OUTPUT (CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME)

int cb_emit_json__rubric(cb_ctx *ctx, const cb_book *book, const char *path) {
  int err = 0;
  jw w = {ctx, book, {0}, 0};
  const cb_book *b = book;

  json_t *root = jobj(&w);
  set(&w, root, "format", jint(&w, CB_FORMAT_VERSION));
  set(&w, root, "casebook_version", jstr(&w, CB_VERSION));
  set(&w, root, "title", jstr(&w, cb_emit__title(b)));
  set(&w, root, "version", stamp(&w));
  json_t *qs = jarr(&w);
  for (size_t i = 0; i < b->n_questions; i++)
    push(&w, qs, question(&w, &b->questions[i]));
  set(&w, root, "questions", qs);
  json_t *cs = jarr(&w);
  for (size_t i = 0; i < b->n_criteria; i++)
    push(&w, cs, criterion(&w, &b->criteria[i]));
  set(&w, root, "criteria", cs);
  json_t *chs = jarr(&w);
  for (size_t i = 0; i < b->n_chapters; i++)
    push(&w, chs, chapter(&w, &b->chapters[i]));
  set(&w, root, "chapters", chs);
  if (w.failed) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }

  err = cb_json__write_file(ctx, path, root);
done:
  json_decref(root);
  cb_buf_free(&w.tmp);
  return err;
}

/* ---- gold.jsonl ------------------------------------------------------ */

/* Rank: best first; a group of tied names is a nested array. */
static json_t *rank(jw *w, const cb_answer *a) {
  json_t *arr = jarr(w);
  size_t i = 0;
  while (i < a->n_items) {
    size_t j = i + 1;
    while (j < a->n_items && a->tied && a->tied[j])
      j++;
    if (j - i == 1) {
      push(w, arr, jstr(w, a->items[i]));
    } else {
      json_t *group = jarr(w);
      for (size_t k = i; k < j; k++)
        push(w, group, jstr(w, a->items[k]));
      push(w, arr, group);
    }
    i = j;
  }
  return arr;
}

/* The typed value of an answer, NULL when it has none. */
static json_t *answer_value(jw *w, const cb_answer *a) {
  switch (a->kind) {
  case CB_V_OPTION:
    return jstr(w, a->n_items ? a->items[0] : a->raw);
  case CB_V_OPTIONS: {
    json_t *arr = jarr(w);
    for (size_t i = 0; i < a->n_items; i++)
      push(w, arr, jstr(w, a->items[i]));
    return arr;
  }
  case CB_V_NUMBER:
    return jint(w, a->number);
  case CB_V_RANK:
    return rank(w, a);
  case CB_V_PAIRWISE: {
    json_t *o = jobj(w);
    const char *pref = a->strength == 0 || !a->n_items ? "tie" : a->items[0];
    set(w, o, "preferred", jstr(w, pref));
    set(w, o, "strength", jint(w, a->strength));
    return o;
  }
  case CB_V_TEXT:
    return jstr(w, a->raw ? a->raw : "");
  case CB_V_NONE:
    break;
  }
  return NULL;
}

json_t *cb_emit_json__answer(const cb_answer *a, int *failed) {
  jw w;
  memset(&w, 0, sizeof w);
  json_t *v = answer_value(&w, a);
  cb_buf_free(&w.tmp);
  if (w.failed) {
    json_decref(v);
    *failed = 1;
    return NULL;
  }
  return v;
}

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

/* gold.jsonl is written a line at a time: the punctuation of its objects
 * and arrays here, every key and value (the escaping) by jansson. A tree
 * of json_t per case costs most of its time in jansson's containers (a
 * cycle check, a hash table and a free each), not in the text. */
typedef struct gw {
  jw *w;
  cb_buf *line;
  unsigned char first[8]; /* per open container: no comma needed yet */
  int depth;
} gw;

/* Dumps v (any JSON value) into the line. */
static void g_dump(gw *g, json_t *v) {
  if (!v || json_dump_callback(v, dump_cb, g->line,
                               JSON_ENCODE_ANY | JSON_COMPACT) < 0)
    g->w->failed = 1;
}

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
  cb_buf *tmp = &g->w->tmp;
  if (!cb_emit__text_ok(s, len, CB_TEXT_JSON)) {
    cb_buf_reset(tmp);
    cb_emit__text_fix(tmp, s, len, CB_TEXT_JSON);
    if (tmp->failed) {
      g->w->failed = 1;
      return;
    }
    s = cb_buf_cstr(tmp);
    len = tmp->len;
  }
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

/* "key": (the key cleaned and escaped like a value) */
static void g_key(gw *g, const char *key) {
  g_str(g, key_of(g->w, key));
  cb_buf_putc(g->line, ':');
  g->first[g->depth - 1] = 1; /* the value follows without a comma */
}

/* "key": for the record's own keys, constants that need no escaping. */
static void g_field(gw *g, const char *key) {
  g_comma(g);
  cb_buf_putc(g->line, '"');
  cb_buf_puts(g->line, key);
  cb_buf_puts(g->line, "\":");
  g->first[g->depth - 1] = 1;
}

/* A constant string value that needs no escaping (an input kind). */
static void g_const(gw *g, const char *s) {
  g_comma(g);
  cb_buf_putc(g->line, '"');
  cb_buf_puts(g->line, s);
  cb_buf_putc(g->line, '"');
}

/* A value built as a json_t (rank, pairwise), stolen. */
static void g_value(gw *g, json_t *v) {
  g_comma(g);
  g_dump(g, v);
  json_decref(v);
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
    g_value(g, answer_value(g->w, v));
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
  g_comma(g);
  cb_buf_printf(g->line, "%u", c->loc.line);
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
