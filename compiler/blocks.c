/* SPDX-License-Identifier: MIT */
/*
 * blocks.c: the data blocks of an element. A property list is the first
 * bullet list whose items are all `key: value` and that names a question
 * or a reserved key; options come from the first table headed Option,
 * Label, Value or Score; per-response answers from the first table headed
 * Response; inputs from fenced blocks whose info string names an input
 * kind, taken byte for byte from the source.
 */
#include "blocks.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "parse.h"

/* ---- property lists --------------------------------------------------- */

/* The reserved keys are model.c's (cb_model__question_keys, ...): the
 * rules read the same lists. */

static int in_list(const char *const *list, const char *key) {
  for (; *list; list++)
    if (strcmp(*list, key) == 0)
      return 1;
  return 0;
}

static int is_known_key(chapter_state *s, el_kind kind, const char *key) {
  switch (kind) {
  case EL_QUESTION: return in_list(cb_model__question_keys, key);
  case EL_CRITERION: return in_list(cb_model__criterion_keys, key);
  case EL_CASE:
    return in_list(cb_model__case_keys, key) ||
           cb_strmap_get(&s->b->question_ids, key, NULL);
  default: return 0;
  }
}

typedef struct kv_item {
  const char *key; /* normalized, NULL when the item is not key: value */
  const char *raw_key;
  const char *value;
  const char *text;
  cb_loc key_loc, value_loc;
} kv_item;

/* Splits a list item "key: value" (a single paragraph). */
static kv_item parse_item(chapter_state *s, cmark_node *item) {
  kv_item r = {0};
  cmark_node *para = cmark_node_first_child(item);
  r.key_loc = cb_node__loc(s, item);
  r.text = cb_node__node_text(s->b, item);
  if (!para || cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH ||
      cmark_node_next(para))
    return r;
  r.key_loc = cb_node__loc(s, para);
  cb_loc whole = r.key_loc;
  const char *t = r.text;
  if (!t)
    return r;
  const char *colon = strchr(t, ':');
  if (!colon)
    return r;
  size_t klen = (size_t)(colon - t);
  while (klen && cb_node__is_space((unsigned char)t[klen - 1]))
    klen--;
  char *key = cb_node__norm_key(s->b->ctx->arena, t, klen);
  if (!key || !cb_node__valid_id(key, strlen(key)))
    return r;
  r.key = key;
  r.raw_key = cb_arena_strndup(s->b->ctx->arena, t, klen);
  r.value = cb_node__trimmed(s->b, colon + 1, strlen(colon + 1));
  /* The value's column: the first non-space after the first ':' of the
   * item's first source line. The key's range ends before the ':' (and
   * its spaces); the value's runs to the end of the item. */
  size_t len;
  const char *line = cb_node__src_line(s, r.key_loc.line, &len);
  r.value_loc = r.key_loc;
  for (size_t i = r.key_loc.col - 1; i < len; i++) {
    if (line[i] == ':') {
      size_t k = i;
      while (k > r.key_loc.col - 1 &&
             cb_node__is_space((unsigned char)line[k - 1]))
        k--;
      r.key_loc.end_line = r.key_loc.line;
      r.key_loc.end_col = k > r.key_loc.col - 1 ? (uint32_t)k : r.key_loc.col;
      i++;
      while (i < len && cb_node__is_space((unsigned char)line[i]))
        i++;
      r.value_loc.col = (uint32_t)i + 1;
      if (whole.end_line > r.value_loc.line ||
          (whole.end_line == r.value_loc.line &&
           whole.end_col >= r.value_loc.col)) {
        r.value_loc.end_line = whole.end_line;
        r.value_loc.end_col = whole.end_col;
      } else {
        r.value_loc.end_line = 0; /* an empty value: its start only */
        r.value_loc.end_col = 0;
      }
      break;
    }
  }
  return r;
}

static void push_prop(chapter_state *s, const kv_item *it) {
  element *el = &s->el;
  cb_prop p = {it->key, it->raw_key, it->value, it->key_loc, it->value_loc};
  if (CB_VEC_PUSH(el->props, el->n_props, el->cap_props, p) < 0)
    s->b->failed = 1;
}

static void push_answer(chapter_state *s, const char *key, const char *raw,
                        const char *response, cb_loc key_loc,
                        cb_loc value_loc) {
  element *el = &s->el;
  cb_answer a = {0};
  a.key = key;
  a.raw = raw;
  a.response = response;
  a.question = -1;
  a.key_loc = key_loc;
  a.value_loc = value_loc;
  if (CB_VEC_PUSH(el->answers, el->n_answers, el->cap_answers, a) < 0)
    s->b->failed = 1;
}

/* A bullet list in an element: the property list, a suspect list, or
 * prose. Returns 1 when the list was consumed as data. */
int cb_blocks__list(chapter_state *s, cmark_node *list) {
  element *el = &s->el;
  if (cmark_node_get_list_type(list) != CMARK_BULLET_LIST)
    return 0;
  size_t n = 0, n_kv = 0, n_known = 0;
  for (cmark_node *it = cmark_node_first_child(list); it;
       it = cmark_node_next(it))
    n++;
  kv_item *items = cb_calloc(n, sizeof *items);
  if (!items) {
    s->b->failed = 1;
    return 0;
  }
  size_t i = 0;
  for (cmark_node *it = cmark_node_first_child(list); it;
       it = cmark_node_next(it), i++) {
    items[i] = parse_item(s, it);
    if (items[i].key) {
      n_kv++;
      if (is_known_key(s, el->kind, items[i].key))
        n_known++;
    }
  }
  int consumed = 0;
  int unclaimed = n_known == 0 && n_kv == n;
  if (n_known == 0 && !unclaimed)
    goto done; /* prose: "- Note: the tone is off", "- see also: x" */
  if (n_kv == n && !el->have_props && !unclaimed) {
    el->have_props = 1;
    consumed = 1;
    for (i = 0; i < n; i++) {
      push_prop(s, &items[i]);
      if (el->kind == EL_CASE && !in_list(cb_model__case_keys, items[i].key))
        push_answer(s, items[i].key, items[i].value, NULL, items[i].key_loc,
                    items[i].value_loc);
    }
    goto done;
  }
  /* A suspect list: recorded for the rules; mixed lists stay in prose too
   * so that nothing the author wrote is lost from the page. */
  cb_list l = {0};
  l.issue = unclaimed   ? CB_LIST_UNCLAIMED
            : n_kv == n ? CB_LIST_SECOND
                        : CB_LIST_MIXED;
  l.loc = cb_node__loc(s, list);
  l.items = cb_arena_calloc(s->b->ctx->arena, n, sizeof *l.items);
  if (!l.items) {
    s->b->failed = 1;
    goto done;
  }
  for (i = 0; i < n; i++) {
    l.items[i].key = items[i].key;
    l.items[i].text = items[i].text;
    l.items[i].loc = items[i].key_loc;
  }
  l.n_items = n;
  if (CB_VEC_PUSH(el->lists, el->n_lists, el->cap_lists, l) < 0)
    s->b->failed = 1;
done:
  cb_free(items);
  return consumed;
}

/* ---- tables ---------------------------------------------------------- */

static cmark_node *table_header(cmark_node *table) {
  cmark_node *row = cmark_node_first_child(table);
  return row && cb_parse__kind(row) == CB_NK_HEADER_ROW ? row : NULL;
}

const char *cb_blocks__first_header(chapter_state *s, cmark_node *table) {
  cmark_node *hdr = table_header(table);
  cmark_node *cell = hdr ? cmark_node_first_child(hdr) : NULL;
  return cell ? cb_node__node_text(s->b, cell) : NULL;
}

static cb_loc cell_loc(chapter_state *s, cmark_node *cell) {
  cmark_node *c = cmark_node_first_child(cell);
  return cb_node__loc(s, c ? c : cell);
}

/* Renders a table cell's inline content (without the <td> wrapper). */
static char *cell_html(chapter_state *s, cmark_node *cell) {
  cb_buf buf = {0};
  cb_node__render_block(s, cell, &buf);
  const char *h = cb_buf_cstr(&buf);
  size_t len = buf.len;
  if (len && strncmp(h, "<t", 2) == 0) {
    const char *gt = strchr(h, '>');
    if (gt) {
      len -= (size_t)(gt + 1 - h);
      h = gt + 1;
    }
  }
  while (len && (h[len - 1] == '\n'))
    len--;
  if (len >= 5 && (strncmp(h + len - 5, "</td>", 5) == 0 ||
                   strncmp(h + len - 5, "</th>", 5) == 0))
    len -= 5;
  char *r = buf.failed ? NULL : cb_arena_strndup(s->b->ctx->arena, h, len);
  cb_buf_free(&buf);
  if (!r)
    s->b->failed = 1;
  return r;
}

void cb_blocks__option_table(chapter_state *s, cmark_node *table) {
  element *el = &s->el;
  cb_arena *a = s->b->ctx->arena;
  el->have_options = 1;
  el->options_loc = cb_node__loc(s, table);
  const char *headers[64];
  size_t n_headers = 0;
  cmark_node *hdr = table_header(table);
  for (cmark_node *c = hdr ? cmark_node_first_child(hdr) : NULL;
       c && n_headers < 64; c = cmark_node_next(c))
    headers[n_headers++] = cb_node__node_text(s->b, c);
  for (cmark_node *row = hdr ? cmark_node_next(hdr) : NULL; row;
       row = cmark_node_next(row)) {
    cb_option o = {0};
    cmark_node *cell = cmark_node_first_child(row);
    if (!cell)
      continue;
    o.id = cb_node__node_text(s->b, cell);
    o.loc = cell_loc(s, cell);
    o.value = atoi(o.id ? o.id : "0");
    cmark_node *meaning = cmark_node_next(cell);
    o.meaning_html = meaning ? cell_html(s, meaning) : "";
    o.meaning_text = meaning ? cb_node__node_text(s->b, meaning) : "";
    size_t n_attrs = 0;
    for (cmark_node *c = meaning ? cmark_node_next(meaning) : NULL; c;
         c = cmark_node_next(c))
      n_attrs++;
    if (n_attrs) {
      o.attrs = cb_arena_calloc(a, n_attrs, sizeof *o.attrs);
      if (!o.attrs) {
        s->b->failed = 1;
        return;
      }
      size_t col = 2;
      for (cmark_node *c = cmark_node_next(meaning); c;
           c = cmark_node_next(c), col++) {
        const char *h = col < n_headers && headers[col] ? headers[col] : "";
        o.attrs[o.n_attrs].key = cb_node__norm_key(a, h, strlen(h));
        o.attrs[o.n_attrs].value = cb_node__node_text(s->b, c);
        o.n_attrs++;
      }
    }
    if (!o.id || !o.meaning_html || !o.meaning_text)
      s->b->failed = 1;
    else if (cb_node__hidden_id(s, o.loc, "option id", o.id))
      continue; /* refused: never reaches an output */
    else if (*o.id && CB_VEC_PUSH(el->options, el->n_options, el->cap_options,
                                  o) < 0)
      s->b->failed = 1;
  }
}

void cb_blocks__response_table(chapter_state *s, cmark_node *table) {
  element *el = &s->el;
  el->have_resp_table = 1;
  el->resp_loc = cb_node__loc(s, table);
  const char *keys[64];
  cb_loc key_locs[64];
  size_t n_keys = 0;
  cmark_node *hdr = table_header(table);
  for (cmark_node *c = hdr ? cmark_node_first_child(hdr) : NULL;
       c && n_keys < 64; c = cmark_node_next(c)) {
    const char *t = cb_node__node_text(s->b, c);
    keys[n_keys] = t ? cb_node__norm_key(s->b->ctx->arena, t, strlen(t))
                     : NULL;
    key_locs[n_keys++] = cell_loc(s, c);
  }
  size_t n_rows = 0;
  for (cmark_node *row = hdr ? cmark_node_next(hdr) : NULL; row;
       row = cmark_node_next(row))
    n_rows++;
  cb_strlist *rows = &el->table_rows;
  rows->items = cb_arena_calloc(s->b->ctx->arena, n_rows + 1,
                                sizeof *rows->items);
  rows->locs = cb_arena_calloc(s->b->ctx->arena, n_rows + 1,
                               sizeof *rows->locs);
  if (!rows->items || !rows->locs) {
    s->b->failed = 1;
    return;
  }
  for (cmark_node *row = hdr ? cmark_node_next(hdr) : NULL; row;
       row = cmark_node_next(row)) {
    cmark_node *first = cmark_node_first_child(row);
    if (!first)
      continue;
    const char *name = cb_node__node_text(s->b, first);
    if (!name)
      return;
    rows->items[rows->n] = name;
    rows->locs[rows->n++] = cell_loc(s, first);
    size_t col = 1;
    for (cmark_node *c = cmark_node_next(first); c && col < n_keys;
         c = cmark_node_next(c), col++) {
      const char *v = cb_node__node_text(s->b, c);
      if (!v || !*v || !keys[col] || !*keys[col])
        continue; /* an empty cell is "not answered" */
      push_answer(s, keys[col], v, name, key_locs[col], cell_loc(s, c));
    }
  }
}

/* ---- inputs ---------------------------------------------------------- */

static int input_kind(const char *word, size_t len, cb_input_kind *out) {
  static const struct {
    const char *name;
    cb_input_kind kind;
  } kinds[] = {{"prompt", CB_IN_PROMPT},       {"response", CB_IN_RESPONSE},
               {"system", CB_IN_SYSTEM},       {"context", CB_IN_CONTEXT},
               {"user", CB_IN_USER},           {"assistant", CB_IN_ASSISTANT}};
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (strlen(kinds[i].name) == len &&
        strncasecmp(kinds[i].name, word, len) == 0) {
      *out = kinds[i].kind;
      return 1;
    }
  return 0;
}

/* Is source line l a closing fence for a fence of fch x flen? */
static int is_closing_fence(chapter_state *s, uint32_t l, char fch,
                            int flen) {
  size_t len;
  const char *p = cb_node__src_line(s, l, &len);
  size_t i = 0;
  while (i < len && i < 3 && p[i] == ' ')
    i++;
  int n = 0;
  while (i < len && p[i] == fch) {
    i++;
    n++;
  }
  if (n < flen)
    return 0;
  while (i < len && cb_node__is_space((unsigned char)p[i]))
    i++;
  return i == len;
}

/* The content of a top-level fenced block, byte for byte from the source:
 * each line with up to `indent` leading spaces removed, line ends kept. */
static int raw_fence_text(chapter_state *s, cmark_node *code, const char **out,
                          size_t *out_len) {
  int flen = 0, offset = 0;
  char fch = 0;
  cmark_node_get_fenced(code, &flen, &offset, &fch);
  uint32_t first = (uint32_t)cmark_node_get_start_line(code) + 1;
  uint32_t last = (uint32_t)cmark_node_get_end_line(code);
  if (last >= first && is_closing_fence(s, last, fch, flen))
    last--;
  if (last > s->n_lines)
    last = (uint32_t)s->n_lines;
  if (first > last) {
    *out = "";
    *out_len = 0;
    return 0;
  }
  if (offset == 0) {
    /* nothing to remove: the text is a slice of the source, no copy */
    size_t a = s->line_start[first];
    size_t e = last < s->n_lines ? s->line_start[last + 1] : s->file->len;
    *out = s->file->text + a;
    *out_len = e - a;
    return 0;
  }
  cb_buf buf = {0};
  for (uint32_t l = first; l <= last; l++) {
    size_t a = s->line_start[l];
    size_t e = l < s->n_lines ? s->line_start[l + 1] : s->file->len;
    const char *p = s->file->text + a;
    size_t n = e - a;
    for (int k = 0; k < offset && n && *p == ' '; k++) {
      p++;
      n--;
    }
    cb_buf_append(&buf, p, n);
  }
  if (buf.failed) {
    cb_buf_free(&buf);
    return -1;
  }
  *out = cb_arena_strndup(s->b->ctx->arena, buf.data ? buf.data : "", buf.len);
  *out_len = buf.len;
  cb_buf_free(&buf);
  return *out ? 0 : -1;
}

/* A fenced block inside a case: an input when its info string names an
 * input kind. Returns 1 when consumed. */
int cb_blocks__case_input(chapter_state *s, cmark_node *code) {
  int flen = 0, offset = 0;
  char fch = 0;
  if (!cmark_node_get_fenced(code, &flen, &offset, &fch))
    return 0;
  const char *info = cmark_node_get_fence_info(code);
  if (!info)
    return 0;
  const char *w = info;
  while (*w && !isspace((unsigned char)*w))
    w++;
  cb_input_kind kind;
  if (!input_kind(info, (size_t)(w - info), &kind))
    return 0;
  cb_input in = {0};
  in.kind = kind;
  in.info = cb_arena_strdup(s->b->ctx->arena, info);
  in.fence = fch == '~' ? '~' : '`';
  in.loc = cb_node__loc(s, code);
  if (kind == CB_IN_RESPONSE) {
    while (isspace((unsigned char)*w))
      w++;
    const char *e = w;
    while (*e && !isspace((unsigned char)*e))
      e++;
    in.unnamed = e == w;
    in.name = in.unnamed ? CB_UNNAMED_RESPONSE
                         : cb_arena_strndup(s->b->ctx->arena, w,
                                            (size_t)(e - w));
  }
  int top = cmark_node_get_type(cmark_node_parent(code)) == CMARK_NODE_DOCUMENT;
  if (top) {
    if (raw_fence_text(s, code, &in.text, &in.len) < 0)
      s->b->failed = 1;
  } else {
    const char *lit = cmark_node_get_literal(code);
    in.text = cb_arena_strdup(s->b->ctx->arena, lit ? lit : "");
    in.len = lit ? strlen(lit) : 0;
  }
  if (!in.info || (kind == CB_IN_RESPONSE && !in.name) || !in.text ||
      CB_VEC_PUSH(s->el.inputs, s->el.n_inputs, s->el.cap_inputs, in) < 0)
    s->b->failed = 1;
  return 1;
}

/* ---- elements -------------------------------------------------------- */


/* Splits a comma-separated value into a list with per-item positions. */
static cb_strlist split_list(cb_builder *b, const char *value, cb_loc loc) {
  cb_strlist l = {0};
  if (!value)
    return l;
  size_t n = 1;
  for (const char *p = value; *p; p++)
    n += *p == ',';
  l.items = cb_arena_calloc(b->ctx->arena, n, sizeof *l.items);
  l.locs = cb_arena_calloc(b->ctx->arena, n, sizeof *l.locs);
  if (!l.items || !l.locs) {
    b->failed = 1;
    return l;
  }
  const char *p = value;
  while (1) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    size_t lead = 0;
    while (lead < len && isspace((unsigned char)p[lead]))
      lead++;
    char *item = cb_node__trimmed(b, p, len);
    if (item && *item) {
      l.items[l.n] = item;
      l.locs[l.n] = loc;
      l.locs[l.n].col = loc.col + (uint32_t)(p - value + (long)lead);
      /* the item's range, when the value sits on one line */
      if (loc.end_line == loc.line) {
        l.locs[l.n].end_line = loc.line;
        l.locs[l.n].end_col = l.locs[l.n].col + (uint32_t)strlen(item) - 1;
      } else {
        l.locs[l.n].end_line = l.locs[l.n].end_col = 0;
      }
      l.n++;
    }
    if (!e)
      break;
    p = e + 1;
  }
  return l;
}

static const cb_prop *find_prop(const cb_prop *props, size_t n,
                                const char *key) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(props[i].key, key) == 0)
      return &props[i];
  return NULL;
}

/* Parses "scale A-B" into the question; returns 0 if malformed. */
static int parse_scale(const char *v, int *lo, int *hi) {
  if (strncasecmp(v, "scale", 5) != 0)
    return 0;
  const char *p = v + 5;
  char *end;
  while (isspace((unsigned char)*p))
    p++;
  long a = strtol(p, &end, 10);
  if (end == p)
    return 0;
  p = end;
  while (isspace((unsigned char)*p))
    p++;
  if (*p != '-' && strncmp(p, "..", 2) != 0 &&
      strncmp(p, "\xE2\x80\x93", 3) != 0)
    return 0;
  p += *p == '-' ? 1 : *p == '.' ? 2 : 3;
  while (isspace((unsigned char)*p))
    p++;
  long bnum = strtol(p, &end, 10);
  if (end == p)
    return 0;
  p = end;
  while (isspace((unsigned char)*p))
    p++;
  if (*p || a > bnum || a < -1000000 || bnum > 1000000)
    return 0;
  *lo = (int)a;
  *hi = (int)bnum;
  return 1;
}

void cb_blocks__finish_question(chapter_state *s, cb_question *q, element *el) {
  cb_builder *b = s->b;
  q->props = cb_node__to_arena(b, el->props, el->n_props, sizeof *el->props);
  q->n_props = el->n_props;
  q->options = cb_node__to_arena(b, el->options, el->n_options, sizeof *el->options);
  q->n_options = el->n_options;
  q->options_loc = el->options_loc;
  q->lists = cb_node__to_arena(b, el->lists, el->n_lists, sizeof *el->lists);
  q->n_lists = el->n_lists;
  q->type = CB_Q_CHOICE;
  q->required = 1;
  q->scope = CB_SCOPE_CASE;
  q->hint = q->title;
  const cb_prop *p;
  if ((p = find_prop(q->props, q->n_props, "type"))) {
    const char *v = p->value;
    q->type_raw = v;
    if (strcasecmp(v, "choice") == 0)
      q->type = CB_Q_CHOICE;
    else if (strcasecmp(v, "multi") == 0)
      q->type = CB_Q_MULTI;
    else if (strcasecmp(v, "rank") == 0)
      q->type = CB_Q_RANK;
    else if (strcasecmp(v, "pairwise") == 0)
      q->type = CB_Q_PAIRWISE;
    else if (strcasecmp(v, "text") == 0)
      q->type = CB_Q_TEXT;
    else if (parse_scale(v, &q->scale_min, &q->scale_max))
      q->type = CB_Q_SCALE;
    /* anything else keeps the default; the bad-property rule reports it */
  }
  if ((p = find_prop(q->props, q->n_props, "required")))
    q->required = !(strcasecmp(p->value, "no") == 0 ||
                     strcasecmp(p->value, "false") == 0);
  if ((p = find_prop(q->props, q->n_props, "when")) && *p->value) {
    q->when = p->value;
    q->when_loc = p->value_loc;
  }
  if ((p = find_prop(q->props, q->n_props, "hint")) && *p->value)
    q->hint = p->value;
  if ((p = find_prop(q->props, q->n_props, "responses")))
    q->responses = split_list(b, p->value, p->value_loc);
  if ((p = find_prop(q->props, q->n_props, "scope")) &&
      strcasecmp(p->value, "response") == 0)
    q->scope = CB_SCOPE_RESPONSE;
  if ((p = find_prop(q->props, q->n_props, "min-replies"))) {
    /* a whole number 2..1000; anything else is left at 0 and reported
     * by the bad-property rule */
    long n = 0;
    const char *v = p->value;
    size_t len = strlen(v);
    for (size_t i = 0; i < len && i < 5 && isdigit((unsigned char)v[i]); i++)
      n = n * 10 + (v[i] - '0');
    if (len && len < 5 && strspn(v, "0123456789") == len && n >= 2 &&
        n <= 1000)
      q->min_replies = (int)n;
  }
  q->guidance.html = cb_arena_strdup(b->ctx->arena, cb_buf_cstr(&el->html));
  q->guidance.text = cb_arena_strdup(b->ctx->arena, cb_buf_cstr(&el->text));
}

void cb_blocks__finish_criterion(chapter_state *s, cb_criterion *c, element *el) {
  cb_builder *b = s->b;
  c->props = cb_node__to_arena(b, el->props, el->n_props, sizeof *el->props);
  c->n_props = el->n_props;
  c->lists = cb_node__to_arena(b, el->lists, el->n_lists, sizeof *el->lists);
  c->n_lists = el->n_lists;
  cb_free(el->options);
  const cb_prop *p;
  if ((p = find_prop(c->props, c->n_props, "applies-to")))
    c->applies_to = split_list(b, p->value, p->value_loc);
  if ((p = find_prop(c->props, c->n_props, "severity")))
    c->severity = p->value;
  if ((p = find_prop(c->props, c->n_props, "points")))
    c->points = p->value;
  c->prose.html = cb_arena_strdup(b->ctx->arena, cb_buf_cstr(&el->html));
  c->prose.text = cb_arena_strdup(b->ctx->arena, cb_buf_cstr(&el->text));
}

void cb_blocks__finish_case(chapter_state *s, cb_case *c, element *el) {
  cb_builder *b = s->b;
  c->props = cb_node__to_arena(b, el->props, el->n_props, sizeof *el->props);
  c->n_props = el->n_props;
  c->inputs = cb_node__to_arena(b, el->inputs, el->n_inputs, sizeof *el->inputs);
  c->n_inputs = el->n_inputs;
  c->answers = cb_node__to_arena(b, el->answers, el->n_answers, sizeof *el->answers);
  c->n_answers = el->n_answers;
  c->lists = cb_node__to_arena(b, el->lists, el->n_lists, sizeof *el->lists);
  c->n_lists = el->n_lists;
  c->responses_table_loc = el->resp_loc;
  c->table_rows = el->table_rows;
  cb_free(el->options);
  const cb_prop *p;
  if ((p = find_prop(c->props, c->n_props, "criteria")))
    c->criteria = split_list(b, p->value, p->value_loc);
  if ((p = find_prop(c->props, c->n_props, "tags")))
    c->tags = split_list(b, p->value, p->value_loc);
  c->status = CB_STATUS_FINAL;
  if ((p = find_prop(c->props, c->n_props, "status"))) {
    c->status_raw = p->value;
    if (strcasecmp(p->value, "draft") == 0)
      c->status = CB_STATUS_DRAFT;
    else if (strcasecmp(p->value, "disputed") == 0)
      c->status = CB_STATUS_DISPUTED;
  }
  if ((p = find_prop(c->props, c->n_props, "source")))
    c->source = p->value;
  c->rationale.html = cb_arena_strdup(b->ctx->arena, cb_buf_cstr(&el->html));
  c->rationale.text = cb_arena_strdup(b->ctx->arena, cb_buf_cstr(&el->text));
}
