/* SPDX-License-Identifier: MIT */
/*
 * extract.c: from a chapter's cmark-gfm tree to the model (FORMAT.md).
 *
 * One pass over the top-level blocks of the document. A keyword heading
 * opens an element whose section runs to the next heading of the same or
 * a higher level; inside it, bullet lists, tables and fenced blocks carry
 * data, and the rest is prose, rendered to HTML right away so that the
 * tree can be freed before the next chapter is parsed. Links are recorded
 * in the book's link table and their hrefs replaced by "cb-link:N".
 */
#include "extract.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blocks.h"
#include "parse.h"
#include "utf8.h"

/* ---- small helpers --------------------------------------------------- */

void cb_extract__init(cb_builder *b, cb_ctx *ctx, const cb_manifest *m) {
  memset(b, 0, sizeof *b);
  b->ctx = ctx;
  b->manifest = m;
}

char *cb_extract__norm_key(cb_arena *a, const char *key, size_t len) {
  char *k = cb_arena_strndup(a, key, len);
  if (!k)
    return NULL;
  for (char *p = k; *p; p++) {
    if (*p == ' ' || *p == '_' || *p == '\t')
      *p = '-';
    else if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p + 32);
  }
  return k;
}

/* ASCII letters and digits (isalnum's table lookup is a call per byte) */
static int is_ascii_alnum(int c) {
  return (c >= '0' && c <= '9') || ((unsigned)c | 0x20) - 'a' < 26;
}
static int is_id_char(int c) {
  return is_ascii_alnum(c) || c == '.' || c == '_' || c == '-';
}

/* Is s (len) a valid normalized key / id? */
int cb_extract__valid_id(const char *s, size_t len) {
  if (!len || len > 128 || !is_ascii_alnum((unsigned char)s[0]))
    return 0;
  for (size_t i = 1; i < len; i++)
    if (!is_id_char((unsigned char)s[i]))
      return 0;
  return 1;
}

int cb_extract__is_space(int c) { return c == ' ' || c == '\t'; }

/* Punctuation (multi-byte) that GitHub drops from slugs. */
static size_t unicode_punct(const unsigned char *p) {
  static const char *const punct[] = {
      "\xE2\x80\x94", "\xE2\x80\x93", "\xE2\x80\x98", "\xE2\x80\x99",
      "\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\xA6", "\xE3\x80\x81",
      "\xE3\x80\x82", "\xEF\xBC\x8C", "\xEF\xBC\x9A", "\xEF\xBC\x88",
      "\xEF\xBC\x89", "\xEF\xBC\x9F", "\xEF\xBC\x81", "\xE3\x80\x8C",
      "\xE3\x80\x8D", "\xC2\xAB",     "\xC2\xBB",     "\xC2\xA0"};
  for (size_t i = 0; i < sizeof punct / sizeof *punct; i++) {
    size_t n = strlen(punct[i]);
    if (strncmp((const char *)p, punct[i], n) == 0)
      return n;
  }
  return 0;
}

char *cb_extract__slug(cb_arena *a, const char *text) {
  size_t len = strlen(text);
  char *out = cb_arena_alloc(a, len + 1);
  if (!out)
    return NULL;
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)text; *p;) {
    if (*p >= 0x80) {
      size_t n = unicode_punct(p);
      uint32_t cp;
      if (!n && (n = cb_utf8__decode(p, strlen((const char *)p), &cp)) &&
          (cp == CB_UTF8_INVALID || !cb_utf8__hidden(cp)))
        n = 0; /* kept; invisible characters are dropped, as punctuation */
      if (n) {
        p += n;
        continue;
      }
      out[o++] = (char)*p++;
    } else if (is_ascii_alnum(*p) || *p == '-' || *p == '_') {
      out[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
      p++;
    } else if (*p == ' ') {
      out[o++] = '-';
      p++;
    } else {
      p++;
    }
  }
  out[o] = '\0';
  return out;
}

struct chapter_state;
static void record_link(struct chapter_state *s, cmark_node *n);

/* Appends the plain text of node's subtree (inline literals, code, breaks
 * as spaces, blocks separated by newlines). With s, also records every
 * link and image in the book's link table (one pass for both). */
static void scan_text(struct chapter_state *s, cmark_node *node, cb_buf *out) {
  cmark_iter *it = cmark_iter_new(node);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *n = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(n);
    if (ev == CMARK_EVENT_ENTER) {
      switch (t) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
      case CMARK_NODE_CODE_BLOCK:
        cb_buf_puts(out, cmark_node_get_literal(n));
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        cb_buf_putc(out, ' ');
        break;
      case CMARK_NODE_LINK:
      case CMARK_NODE_IMAGE:
        if (s)
          record_link(s, n);
        break;
      default:
        break;
      }
    } else if (ev == CMARK_EVENT_EXIT && n != node &&
               (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING ||
                t == CMARK_NODE_ITEM)) {
      if (out->len && out->data[out->len - 1] != '\n')
        cb_buf_putc(out, '\n');
    } else if (ev == CMARK_EVENT_EXIT) {
      cb_node_kind k = cb_parse__kind(n);
      if (k == CB_NK_CELL)
        cb_buf_putc(out, ' ');
      else if (k == CB_NK_ROW || k == CB_NK_HEADER_ROW)
        cb_buf_putc(out, '\n');
    }
  }
  cmark_iter_free(it);
}

static void plain_text(cmark_node *node, cb_buf *out) {
  scan_text(NULL, node, out);
}

/* The one literal of node's subtree when it is a chain of only children
 * ending in text or code (a cell, an item, a heading, a link of plain
 * text), else NULL. Its plain text is then that literal, trimmed: what
 * the containers add around it is white space. */
static const char *lone_literal(cmark_node *node) {
  cmark_node *child;
  while ((child = cmark_node_first_child(node))) {
    if (child != cmark_node_last_child(node))
      return NULL;
    node = child;
  }
  cmark_node_type t = cmark_node_get_type(node);
  if (t != CMARK_NODE_TEXT && t != CMARK_NODE_CODE &&
      t != CMARK_NODE_CODE_BLOCK)
    return NULL;
  return cmark_node_get_literal(node);
}

/* Plain text of node, cb_extract__trimmed, in the arena. */
char *cb_extract__node_text(cb_builder *b, cmark_node *node) {
  const char *lit = lone_literal(node);
  if (lit)
    return cb_extract__trimmed(b, lit, strlen(lit));
  cb_buf buf = {0};
  plain_text(node, &buf);
  const char *s = cb_buf_cstr(&buf);
  size_t len = buf.len;
  while (len && isspace((unsigned char)s[len - 1]))
    len--;
  size_t start = 0;
  while (start < len && isspace((unsigned char)s[start]))
    start++;
  char *r = buf.failed ? NULL
                       : cb_arena_strndup(b->ctx->arena, s + start, len - start);
  cb_buf_free(&buf);
  if (!r)
    b->failed = 1;
  return r;
}

char *cb_extract__trimmed(cb_builder *b, const char *s, size_t len) {
  while (len && isspace((unsigned char)s[len - 1]))
    len--;
  while (len && isspace((unsigned char)*s)) {
    s++;
    len--;
  }
  char *r = cb_arena_strndup(b->ctx->arena, s, len);
  if (!r)
    b->failed = 1;
  return r;
}


static cb_loc loc_at(chapter_state *s, int line, int col) {
  cb_loc l = {s->ch->file, line > 0 ? (uint32_t)line : 0,
              col > 0 ? (uint32_t)col : 1};
  return l;
}

cb_loc cb_extract__loc(chapter_state *s, cmark_node *n) {
  return loc_at(s, cmark_node_get_start_line(n),
                cmark_node_get_start_column(n));
}

/* The bytes of source line (1-based) without its end. */
const char *cb_extract__src_line(chapter_state *s, uint32_t line, size_t *len) {
  if (line == 0 || line > s->n_lines) {
    *len = 0;
    return "";
  }
  size_t a = s->line_start[line], e = line < s->n_lines
                                          ? s->line_start[line + 1]
                                          : s->file->len;
  const char *p = s->file->text + a;
  size_t n = e - a;
  if (n && p[n - 1] == '\n')
    n--;
  if (n && p[n - 1] == '\r')
    n--;
  *len = n;
  return p;
}

/* The first code point of s that an id may not hold (cb_utf8__hidden),
 * with its byte offset in *at and length in *n; 0 when there is none. */
static uint32_t first_hidden(const char *s, size_t *at, size_t *n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t len = strlen(s);
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t k = cb_utf8__decode(p + i, len - i, &cp);
    if (cp != CB_UTF8_INVALID && cb_utf8__hidden(cp)) {
      *at = i;
      *n = k;
      return cp;
    }
    i += k;
  }
  return 0;
}

int cb_extract__hidden_id(chapter_state *s, cb_loc loc, const char *what,
                          const char *id) {
  size_t at, n;
  uint32_t cp = first_hidden(id, &at, &n);
  if (!cp)
    return 0;
  /* pointed at the character itself on the id's line, where it is */
  size_t len;
  const char *line = cb_extract__src_line(s, loc.line, &len);
  for (size_t i = loc.col ? loc.col - 1 : 0; i + n <= len; i++)
    if (memcmp(line + i, id + at, n) == 0) {
      loc.col = (uint32_t)i + 1;
      break;
    }
  cb_diag_report(s->b->ctx, CB_DIAG_ERROR, "hidden-character", loc, NULL,
                 NULL,
                 "%s '%s' holds U+%04X, %s; an id may not hold invisible "
                 "characters",
                 what, id, (unsigned)cp,
                 cb_utf8__bidi(cp) ? "a bidirectional control, which "
                                     "reorders the text shown around it"
                                   : "an invisible character");
  return 1;
}

static void report(chapter_state *s, cb_diag_level lvl, const char *rule,
                   cb_loc loc, const char *id, const char *msg) {
  cb_diag_report(s->b->ctx, lvl, rule, loc, id, NULL, "%s", msg);
}

/* ---- links ----------------------------------------------------------- */

static int has_prefix_ci(const char *s, const char *prefix) {
  size_t n = strlen(prefix);
  return strncasecmp(s, prefix, n) == 0;
}

static cb_link_kind classify_url(const char *url, int is_image) {
  while (*url && isspace((unsigned char)*url))
    url++;
  if (has_prefix_ci(url, "case:"))
    return CB_LINK_CASE;
  if (has_prefix_ci(url, "question:"))
    return CB_LINK_QUESTION;
  if (has_prefix_ci(url, "criterion:"))
    return CB_LINK_CRITERION;
  if (has_prefix_ci(url, "option:"))
    return CB_LINK_OPTION;
  if (has_prefix_ci(url, "javascript:") || has_prefix_ci(url, "vbscript:") ||
      has_prefix_ci(url, "file:") ||
      (has_prefix_ci(url, "data:") &&
       !(is_image && (has_prefix_ci(url, "data:image/png") ||
                      has_prefix_ci(url, "data:image/gif") ||
                      has_prefix_ci(url, "data:image/jpeg") ||
                      has_prefix_ci(url, "data:image/webp")))))
    return CB_LINK_UNSAFE;
  const char *p = url;
  if (isalpha((unsigned char)*p)) {
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
      p++;
    if (*p == ':')
      return CB_LINK_EXTERNAL;
  }
  if (url[0] == '/' && url[1] == '/')
    return CB_LINK_EXTERNAL;
  return CB_LINK_RELATIVE;
}

/* Records a link or image in the book's link table and points its URL
 * at the entry, so the emitter can resolve it. */
static void record_link(chapter_state *s, cmark_node *n) {
  cb_builder *b = s->b;
  cb_arena *a = b->ctx->arena;
  if (b->failed)
    return;
  const char *url = cmark_node_get_url(n);
  cb_link l = {0};
  l.is_image = cmark_node_get_type(n) == CMARK_NODE_IMAGE;
  l.url = cb_arena_strdup(a, url ? url : "");
  l.text = cb_extract__node_text(b, n);
  l.chapter = s->chapter;
  l.loc = cb_extract__loc(s, n);
  if (!l.url || !l.text) {
    b->failed = 1;
    return;
  }
  l.kind = classify_url(l.url, l.is_image);
  const char *colon = strchr(l.url, ':');
  if (l.kind >= CB_LINK_CASE && l.kind <= CB_LINK_OPTION && colon) {
    l.target = cb_extract__trimmed(b, colon + 1, strlen(colon + 1));
  } else if (l.kind == CB_LINK_RELATIVE) {
    const char *hash = strchr(l.url, '#');
    l.target = cb_arena_strndup(a, l.url,
                                hash ? (size_t)(hash - l.url) : strlen(l.url));
    l.anchor = hash ? cb_arena_strdup(a, hash + 1) : NULL;
  } else {
    l.target = l.url;
  }
  /* "cb-link:N", without snprintf's cost on tens of thousands of links */
  char digits[24], href[32] = "cb-link:";
  size_t nd = 0;
  for (size_t v = b->n_links; nd == 0 || v; v /= 10)
    digits[nd++] = (char)('0' + v % 10);
  for (size_t k = 0; k < nd; k++)
    href[8 + k] = digits[nd - 1 - k];
  href[8 + nd] = '\0';
  if (CB_VEC_PUSH(b->links, b->n_links, b->cap_links, l) < 0 ||
      !cmark_node_set_url(n, href))
    b->failed = 1;
}

/* Records every link and image under node. */
static void record_links(chapter_state *s, cmark_node *node) {
  cmark_iter *it = cmark_iter_new(node);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *n = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(n);
    if (ev == CMARK_EVENT_ENTER &&
        (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE))
      record_link(s, n);
  }
  cmark_iter_free(it);
}

/* Renders a block as HTML into out, links recorded first. */
void cb_extract__render_block(chapter_state *s, cmark_node *node, cb_buf *out) {
  record_links(s, node);
  if (cb_parse__render_html(out, s->doc, node, s->unsafe_html) < 0)
    s->b->failed = 1;
}

/* Prose blocks are moved into a batch and rendered together: one render
 * and one pass over the text per run of prose, not one per block. */
static void batch_add(chapter_state *s, cmark_node *node) {
  if (!s->batch &&
      !(s->batch = cb_parse__new_node(s->doc, CMARK_NODE_DOCUMENT))) {
    s->b->failed = 1;
    return;
  }
  if (!cmark_node_append_child(s->batch, node))
    s->b->failed = 1;
}

/* Renders the waiting prose into html and its plain text into text. */
static void batch_flush(chapter_state *s, cb_buf *html, cb_buf *text) {
  cmark_node *first = s->batch ? cmark_node_first_child(s->batch) : NULL;
  if (!first)
    return;
  if (text->len && text->data[text->len - 1] != '\n')
    cb_buf_putc(text, '\n');
  scan_text(s, s->batch, text);
  if (cb_parse__render_html(html, s->doc, s->batch, s->unsafe_html) < 0)
    s->b->failed = 1;
  cmark_node *c;
  while ((c = cmark_node_first_child(s->batch)))
    cb_parse__drop(s->doc, c);
}

/* ---- headings -------------------------------------------------------- */

static void add_heading(chapter_state *s, cmark_node *node, const char *text,
                        int level, const char **slug_out) {
  cb_arena *a = s->b->ctx->arena;
  char *base = cb_extract__slug(a, text);
  if (!base) {
    s->b->failed = 1;
    return;
  }
  char *slug = base;
  for (int i = 1; cb_strmap_get(&s->slugs, slug, NULL); i++)
    slug = cb_arena_printf(a, "%s-%d", base, i);
  cb_heading h = {level, text, slug, cb_extract__loc(s, node)};
  if (!slug || cb_strmap_put(&s->slugs, slug, s->n_headings, NULL) < 0 ||
      CB_VEC_PUSH(s->headings, s->n_headings, s->cap_headings, h) < 0) {
    s->b->failed = 1;
    return;
  }
  if (slug_out)
    *slug_out = slug;
}

/* Does text begin with one of the keywords followed by white space (or
 * the end)? Returns the length of the keyword, or 0. */
static size_t match_keyword(const char *text, const cb_strlist *kws,
                            const char *fallback) {
  size_t nk = kws->n ? kws->n : 1;
  for (size_t i = 0; i < nk; i++) {
    const char *kw = kws->n ? kws->items[i] : fallback;
    size_t n = strlen(kw);
    if (n && strncasecmp(text, kw, n) == 0 &&
        (text[n] == '\0' || cb_extract__is_space((unsigned char)text[n]) ||
         text[n] == ':' || strncmp(text + n, "\xEF\xBC\x9A", 3) == 0))
      return n;
  }
  return 0;
}

typedef struct heading_parse {
  el_kind kind;
  const char *id;
  const char *title;
  int bad;
  const char *why;
  const char *hidden_id; /* bad: the id with the invisible characters in
                            and around it (cb_extract__hidden_id) */
} heading_parse;

/* The length of the code point at p when an id may not hold it. */
static size_t hidden_at(const char *p) {
  uint32_t cp;
  size_t n = (unsigned char)*p >= 0x80
                 ? cb_utf8__decode((const unsigned char *)p, strlen(p), &cp)
                 : 0;
  return n && cp != CB_UTF8_INVALID && cb_utf8__hidden(cp) ? n : 0;
}

/* Parses "Keyword id[: title]" (FORMAT.md, keyword headings). */
static heading_parse parse_keyword_heading(chapter_state *s,
                                           const char *text) {
  heading_parse r = {EL_NONE, NULL, NULL, 0, NULL, NULL};
  const cb_manifest *m = s->b->manifest;
  size_t kw;
  if ((kw = match_keyword(text, &m->kw_question, "Question")))
    r.kind = EL_QUESTION;
  else if ((kw = match_keyword(text, &m->kw_criterion, "Criterion")))
    r.kind = EL_CRITERION;
  else if ((kw = match_keyword(text, &m->kw_case, "Case")))
    r.kind = EL_CASE;
  else
    return r;
  const char *p = text + kw;
  while (cb_extract__is_space((unsigned char)*p))
    p++;
  const char *id = p;
  while (is_id_char((unsigned char)*p))
    p++;
  size_t id_len = (size_t)(p - id);
  if (hidden_at(p)) {
    /* the id with what hides in it: "harm" U+202E "evil" */
    const char *e = id;
    for (size_t k; *e; e += k)
      if (!(k = is_id_char((unsigned char)*e) ? 1 : hidden_at(e)))
        break;
    r.bad = 1;
    r.why = "has an id holding an invisible character";
    r.hidden_id = cb_arena_strndup(s->b->ctx->arena, id, (size_t)(e - id));
    if (!r.hidden_id)
      s->b->failed = 1;
    return r;
  }
  if (!id_len || !is_ascii_alnum((unsigned char)id[0])) {
    r.bad = 1;
    r.why = "has no valid id (an id is letters, digits, '.', '_' and '-', "
            "starting with a letter or digit)";
    return r;
  }
  const char *rest = p;
  while (cb_extract__is_space((unsigned char)*rest))
    rest++;
  const char *title = NULL;
  if (*rest == '\0') {
    title = "";
  } else if (*rest == ':') {
    title = rest + 1;
  } else if (strncmp(rest, "\xEF\xBC\x9A", 3) == 0) {
    title = rest + 3;
  } else if (rest > p && *rest == '-' && (cb_extract__is_space((unsigned char)rest[1]))) {
    title = rest + 1;
  } else if (rest > p && (strncmp(rest, "\xE2\x80\x94", 3) == 0 ||
                          strncmp(rest, "\xE2\x80\x93", 3) == 0)) {
    title = rest + 3;
  } else {
    r.bad = 1;
    r.why = "has an id that is not followed by ':', ' - ' or the end of the "
            "heading";
    return r;
  }
  r.id = cb_arena_strndup(s->b->ctx->arena, id, id_len);
  r.title = cb_extract__trimmed(s->b, title, strlen(title));
  if (!r.id)
    s->b->failed = 1;
  return r;
}

void *cb_extract__to_arena(cb_builder *b, void *vec, size_t n, size_t elem) {
  void *r = NULL;
  if (n) {
    r = cb_arena_alloc(b->ctx->arena, n * elem);
    if (r)
      memcpy(r, vec, n * elem);
    else
      b->failed = 1;
  }
  cb_free(vec);
  return r;
}

static void close_element(chapter_state *s) {
  element *el = &s->el;
  cb_builder *b = s->b;
  if (el->kind == EL_NONE)
    return;
  batch_flush(s, &el->html, &el->text);
  if (el->html.failed || el->text.failed)
    b->failed = 1;
  /* trim the trailing newline of the plain text */
  while (el->text.len && el->text.data[el->text.len - 1] == '\n')
    el->text.data[--el->text.len] = '\0';
  switch (el->kind) {
  case EL_QUESTION: cb_blocks__finish_question(s, &b->questions[el->index], el); break;
  case EL_CRITERION: cb_blocks__finish_criterion(s, &b->criteria[el->index], el); break;
  case EL_CASE: cb_blocks__finish_case(s, &b->cases[el->index], el); break;
  default: break;
  }
  cb_buf_free(&el->html);
  cb_buf_free(&el->text);
  memset(el, 0, sizeof *el);
}

static void flush_prose(chapter_state *s) {
  batch_flush(s, &s->prose, &s->chapter_text);
  if (!s->prose.len)
    return;
  cb_item it = {CB_ITEM_PROSE, 0, NULL};
  it.html = cb_arena_strndup(s->b->ctx->arena, s->prose.data, s->prose.len);
  if (!it.html || CB_VEC_PUSH(s->items, s->n_items, s->cap_items, it) < 0)
    s->b->failed = 1;
  cb_buf_reset(&s->prose);
}

static void push_item(chapter_state *s, cb_item_kind kind, size_t index) {
  flush_prose(s);
  cb_item it = {kind, index, NULL};
  if (CB_VEC_PUSH(s->items, s->n_items, s->cap_items, it) < 0)
    s->b->failed = 1;
}

static void open_element(chapter_state *s, const heading_parse *hp,
                         cmark_node *heading, int level) {
  cb_builder *b = s->b;
  element *el = &s->el;
  el->kind = hp->kind;
  el->level = level;
  cb_loc loc = cb_extract__loc(s, heading);
  int rc = 0;
  if (hp->kind == EL_QUESTION) {
    cb_question q = {0};
    q.id = hp->id;
    q.title = hp->title;
    q.loc = loc;
    q.chapter = s->chapter;
    el->index = b->n_questions;
    rc = CB_VEC_PUSH(b->questions, b->n_questions, b->cap_questions, q);
    if (rc == 0 && cb_strmap_put(&b->question_ids, hp->id, el->index, NULL) < 0)
      rc = -1;
    push_item(s, CB_ITEM_QUESTION, el->index);
  } else if (hp->kind == EL_CRITERION) {
    cb_criterion c = {0};
    c.id = hp->id;
    c.title = hp->title;
    c.loc = loc;
    c.chapter = s->chapter;
    el->index = b->n_criteria;
    rc = CB_VEC_PUSH(b->criteria, b->n_criteria, b->cap_criteria, c);
    push_item(s, CB_ITEM_CRITERION, el->index);
  } else {
    cb_case c = {0};
    c.id = hp->id;
    c.title = hp->title;
    c.loc = loc;
    c.chapter = s->chapter;
    el->index = b->n_cases;
    rc = CB_VEC_PUSH(b->cases, b->n_cases, b->cap_cases, c);
    push_item(s, CB_ITEM_CASE, el->index);
  }
  if (rc < 0) {
    b->failed = 1;
    el->kind = EL_NONE; /* not in b's arrays: nothing to finish */
  }
}

/* Appends a prose block to the current element's HTML and text. */
static void element_prose(chapter_state *s, cmark_node *node) {
  batch_add(s, node);
}

/* A sub-heading inside an element: rendered with its slug as id. */
static void element_heading(chapter_state *s, cmark_node *node,
                            const char *slug) {
  batch_flush(s, &s->el.html, &s->el.text);
  cb_buf h = {0};
  cb_extract__render_block(s, node, &h);
  const char *html = cb_buf_cstr(&h);
  if (slug && strncmp(html, "<h", 2) == 0 && html[2] && html[3] == '>') {
    cb_buf_append(&s->el.html, html, 3);
    cb_buf_printf(&s->el.html, " id=\"%s\">", slug);
    cb_buf_puts(&s->el.html, html + 4);
  } else {
    cb_buf_puts(&s->el.html, html);
  }
  cb_buf_free(&h);
  if (s->el.text.len)
    cb_buf_putc(&s->el.text, '\n');
  plain_text(node, &s->el.text);
}

static void element_block(chapter_state *s, cmark_node *node) {
  element *el = &s->el;
  cmark_node_type t = cmark_node_get_type(node);
  if (t == CMARK_NODE_LIST && cb_blocks__list(s, node))
    return;
  if (cb_parse__kind(node) == CB_NK_TABLE) {
    const char *h = cb_blocks__first_header(s, node);
    if (h && el->kind == EL_QUESTION && !el->have_options &&
        (strcasecmp(h, "option") == 0 || strcasecmp(h, "label") == 0 ||
         strcasecmp(h, "value") == 0 || strcasecmp(h, "score") == 0)) {
      cb_blocks__option_table(s, node);
      return;
    }
    if (h && el->kind == EL_CASE && !el->have_resp_table &&
        strcasecmp(h, "response") == 0) {
      cb_blocks__response_table(s, node);
      return;
    }
  }
  if (t == CMARK_NODE_CODE_BLOCK && el->kind == EL_CASE && cb_blocks__case_input(s, node))
    return;
  element_prose(s, node);
}

/* ---- the chapter ----------------------------------------------------- */

static int index_lines(chapter_state *s, size_t **out) {
  const char *t = s->file->text;
  size_t len = s->file->len, n = 1;
  for (const char *p = t; (p = memchr(p, '\n', (size_t)(t + len - p)));) {
    p++;
    n++;
  }
  size_t *ls = cb_malloc((n + 2) * sizeof *ls);
  if (!ls)
    return -1;
  size_t i = 1;
  ls[0] = 0;
  ls[i++] = 0;
  for (const char *p = t; (p = memchr(p, '\n', (size_t)(t + len - p)));) {
    p++;
    ls[i++] = (size_t)(p - t);
  }
  s->n_lines = n;
  *out = ls;
  return 0;
}

int cb_extract__chapter(cb_builder *b, cb_chapter *ch, uint32_t chapter,
                        const cb_file *file, cmark_node *doc) {
  chapter_state s = {0};
  size_t *lines = NULL;
  s.b = b;
  s.doc = doc;
  s.ch = ch;
  s.chapter = chapter;
  s.file = file;
  s.unsafe_html = b->manifest->unsafe_html;
  if (index_lines(&s, &lines) < 0)
    return CB_ENOMEM;
  s.line_start = lines;
  ch->first_link = b->n_links;
  /* the page of the chapter is named after its path (its slug) */
  cb_loc whole = {ch->file, 0, 0};
  cb_extract__hidden_id(&s, whole, "chapter file name", file->path);

  cmark_node *next;
  for (cmark_node *node = cmark_node_first_child(doc); node && !b->failed;
       node = next) {
    next = cmark_node_next(node); /* prose is moved into the batch */
    cmark_node_type t = cmark_node_get_type(node);
    if (t == CMARK_NODE_HEADING) {
      int level = cmark_node_get_heading_level(node);
      const char *text = cb_extract__node_text(b, node);
      if (!text)
        break;
      const char *slug = NULL;
      add_heading(&s, node, text, level, &slug);
      if (!ch->title && *text)
        ch->title = text;
      if (s.el.kind != EL_NONE && level <= s.el.level)
        close_element(&s);
      heading_parse hp = parse_keyword_heading(&s, text);
      if (hp.bad && hp.hidden_id) {
        static const char *const what[] = {"", "question id", "criterion id",
                                           "case id"};
        cb_extract__hidden_id(&s, cb_extract__loc(&s, node),
                              hp.kind < 4 ? what[hp.kind] : "id",
                              hp.hidden_id);
      } else if (hp.bad) {
        char *msg = cb_arena_printf(b->ctx->arena,
                                    "heading '%s' starts with a keyword but %s",
                                    text, hp.why);
        report(&s, CB_DIAG_ERROR, "bad-element-heading", cb_extract__loc(&s, node),
               NULL, msg ? msg : "bad element heading");
      }
      if (hp.kind != EL_NONE && !hp.bad && hp.id) {
        close_element(&s);
        open_element(&s, &hp, node, level);
        s.headings[s.n_headings - 1].text = text;
        cb_buf_puts(&s.chapter_text, text);
        cb_buf_putc(&s.chapter_text, '\n');
        continue;
      }
      if (s.el.kind != EL_NONE) {
        element_heading(&s, node, slug);
        continue;
      }
      record_links(&s, node);
      push_item(&s, CB_ITEM_HEADING, s.n_headings - 1);
      cb_buf_puts(&s.chapter_text, text);
      cb_buf_putc(&s.chapter_text, '\n');
      continue;
    }
    if (s.el.kind != EL_NONE) {
      element_block(&s, node);
      continue;
    }
    batch_add(&s, node);
  }
  close_element(&s);
  flush_prose(&s);
  if (s.batch)
    cmark_node_free(s.batch);

  cb_arena *a = b->ctx->arena;
  ch->items = cb_extract__to_arena(b, s.items, s.n_items, sizeof *s.items);
  ch->n_items = s.n_items;
  ch->headings = cb_extract__to_arena(b, s.headings, s.n_headings, sizeof *s.headings);
  ch->n_headings = s.n_headings;
  ch->n_links = b->n_links - ch->first_link;
  ch->prose.html = "";
  ch->prose.text = cb_arena_strdup(a, cb_buf_cstr(&s.chapter_text));
  if (s.prose.failed || s.chapter_text.failed || !ch->prose.text)
    b->failed = 1;
  cb_buf_free(&s.prose);
  cb_buf_free(&s.chapter_text);
  cb_strmap_free(&s.slugs);
  cb_free(lines);
  return b->failed ? CB_ENOMEM : 0;
}

/* ---- prescan --------------------------------------------------------- */

void cb_extract__prescan(cb_builder *b, const char *text, size_t len) {
  const cb_strlist *kws = &b->manifest->kw_question;
  const char *p = text, *end = text + len;
  /* from one '#' to the next rather than line by line: a heading is a
   * '#' after at most three spaces at the start of a line */
  while (p < end && !b->failed) {
    const char *q = memchr(p, '#', (size_t)(end - p));
    if (!q)
      break;
    const char *start = q;
    while (start > text && start[-1] == ' ' && q - start < 3)
      start--;
    if (start > text && start[-1] != '\n') {
      p = q + 1;
      continue;
    }
    const char *nl = memchr(q, '\n', (size_t)(end - q));
    const char *e = nl ? nl : end;
    int hashes = 0;
    while (q < e && *q == '#') {
      q++;
      hashes++;
    }
    if (hashes <= 6 && q < e && cb_extract__is_space((unsigned char)*q)) {
      while (q < e && cb_extract__is_space((unsigned char)*q))
        q++;
      char line[256];
      size_t n = (size_t)(e - q) < sizeof line - 1 ? (size_t)(e - q)
                                                    : sizeof line - 1;
      memcpy(line, q, n);
      line[n] = '\0';
      size_t kw = match_keyword(line, kws, "Question");
      if (kw) {
        const char *id = line + kw;
        while (cb_extract__is_space((unsigned char)*id) || *id == '`')
          id++;
        const char *ie = id;
        while (is_id_char((unsigned char)*ie))
          ie++;
        if (ie > id && is_ascii_alnum((unsigned char)*id)) {
          char *s = cb_arena_strndup(b->ctx->arena, id, (size_t)(ie - id));
          if (!s || cb_strmap_put(&b->question_ids, s, (size_t)-1, NULL) < 0)
            b->failed = 1;
        }
      }
    }
    p = nl ? nl + 1 : end;
  }
}

int cb_extract__finish(cb_builder *b, cb_book *book) {
  book->questions = cb_extract__to_arena(b, b->questions, b->n_questions,
                             sizeof *b->questions);
  book->n_questions = b->n_questions;
  book->criteria = cb_extract__to_arena(b, b->criteria, b->n_criteria, sizeof *b->criteria);
  book->n_criteria = b->n_criteria;
  book->cases = cb_extract__to_arena(b, b->cases, b->n_cases, sizeof *b->cases);
  book->n_cases = b->n_cases;
  book->links = cb_extract__to_arena(b, b->links, b->n_links, sizeof *b->links);
  book->n_links = b->n_links;
  cb_strmap_free(&b->question_ids);
  int failed = b->failed;
  memset(b, 0, sizeof *b);
  return failed ? CB_ENOMEM : 0;
}
