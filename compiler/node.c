/* SPDX-License-Identifier: MIT */
/*
 * node.c: what extract.c and blocks.c both read from a chapter's nodes
 * (node.h): positions and source lines, plain text, ids, links recorded
 * in the book's link table, blocks rendered to HTML.
 */
#include "node.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "utf8.h"

char *cb_node__norm_key(cb_arena *a, const char *key, size_t len) {
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

/* Is s (len) a valid normalized key / id? */
int cb_node__valid_id(const char *s, size_t len) {
  if (!len || len > 128 || !cb_node__is_alnum((unsigned char)s[0]))
    return 0;
  for (size_t i = 1; i < len; i++)
    if (!cb_node__is_id_char((unsigned char)s[i]))
      return 0;
  return 1;
}

int cb_node__is_space(int c) { return c == ' ' || c == '\t'; }

static void record_link(chapter_state *s, cmark_node *n);

void cb_node__scan_text(chapter_state *s, cmark_node *node, cb_buf *out) {
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
  cb_node__scan_text(NULL, node, out);
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

/* Plain text of node, cb_node__trimmed, in the arena. */
char *cb_node__node_text(cb_builder *b, cmark_node *node) {
  const char *lit = lone_literal(node);
  if (lit)
    return cb_node__trimmed(b, lit, strlen(lit));
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

char *cb_node__trimmed(cb_builder *b, const char *s, size_t len) {
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
              col > 0 ? (uint32_t)col : 1, 0, 0};
  return l;
}

cb_loc cb_node__loc(chapter_state *s, cmark_node *n) {
  cb_loc l = loc_at(s, cmark_node_get_start_line(n),
                    cmark_node_get_start_column(n));
  int el = cmark_node_get_end_line(n), ec = cmark_node_get_end_column(n);
  /* cmark-gfm leaves some ends unset (0) or before the start (an empty
   * block): only a start then */
  if (!l.line || el <= 0 || ec <= 0)
    return l;
  uint32_t end_line = (uint32_t)el, end_col = (uint32_t)ec;
  if (end_line > l.line || (end_line == l.line && end_col >= l.col)) {
    l.end_line = end_line;
    l.end_col = end_col;
  }
  return l;
}

/* The bytes of source line (1-based) without its end. */
const char *cb_node__src_line(chapter_state *s, uint32_t line, size_t *len) {
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

int cb_node__hidden_id(chapter_state *s, cb_loc loc, const char *what,
                          const char *id) {
  size_t at, n;
  uint32_t cp = first_hidden(id, &at, &n);
  if (!cp)
    return 0;
  /* pointed at the character itself on the id's line, where it is */
  size_t len;
  const char *line = cb_node__src_line(s, loc.line, &len);
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
  l.text = cb_node__node_text(b, n);
  l.chapter = s->chapter;
  l.loc = cb_node__loc(s, n);
  if (!l.url || !l.text) {
    b->failed = 1;
    return;
  }
  l.kind = classify_url(l.url, l.is_image);
  const char *colon = strchr(l.url, ':');
  if (l.kind >= CB_LINK_CASE && l.kind <= CB_LINK_OPTION && colon) {
    l.target = cb_node__trimmed(b, colon + 1, strlen(colon + 1));
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

void cb_node__record_links(chapter_state *s, cmark_node *node) {
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
void cb_node__render_block(chapter_state *s, cmark_node *node, cb_buf *out) {
  cb_node__record_links(s, node);
  if (cb_parse__render_html(out, s->doc, node, s->unsafe_html) < 0)
    s->b->failed = 1;
}

void *cb_node__to_arena(cb_builder *b, void *vec, size_t n, size_t elem) {
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
