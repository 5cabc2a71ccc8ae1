/*
 * parse.c: the cmark-gfm side of the compiler. Every chapter is parsed
 * with the same extensions (table, strikethrough, autolink, tagfilter,
 * tasklist) and source positions; prose is rendered with the same list of
 * extensions so tables and task lists come out as GitHub shows them.
 */
#include "parse.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <stdlib.h>
#include <string.h>

static const char *const ext_names[] = {"table", "strikethrough", "autolink",
                                        "tagfilter", "tasklist"};
#define N_EXT (sizeof ext_names / sizeof *ext_names)

static cmark_syntax_extension *exts[N_EXT];
static cmark_llist *ext_list;

static int init_extensions(void) {
  if (ext_list)
    return 0;
  cmark_gfm_core_extensions_ensure_registered();
  cmark_mem *mem = cmark_get_default_mem_allocator();
  for (size_t i = 0; i < N_EXT; i++) {
    exts[i] = cmark_find_syntax_extension(ext_names[i]);
    if (!exts[i])
      return -1;
    ext_list = cmark_llist_append(mem, ext_list, exts[i]);
  }
  return 0;
}

cmark_node *cb_parse__document(const char *text, size_t len) {
  if (init_extensions() < 0)
    return NULL;
  cmark_parser *p = cmark_parser_new(CMARK_OPT_SOURCEPOS);
  if (!p)
    return NULL;
  for (size_t i = 0; i < N_EXT; i++)
    cmark_parser_attach_syntax_extension(p, exts[i]);
  cmark_parser_feed(p, text, len);
  cmark_node *doc = cmark_parser_finish(p);
  cmark_parser_free(p);
  return doc;
}

char *cb_parse__render_html(cmark_node *node, int unsafe_html) {
  if (init_extensions() < 0)
    return NULL;
  int opts = unsafe_html ? CMARK_OPT_UNSAFE : CMARK_OPT_DEFAULT;
  return cmark_render_html(node, opts, ext_list);
}

int cb_parse__is(cmark_node *node, const char *type_name) {
  return strcmp(cmark_node_get_type_string(node), type_name) == 0;
}

int cb_markdown_to_html(char **out, const char *md, size_t len,
                        int unsafe_html) {
  *out = NULL;
  cmark_node *doc = cb_parse__document(md, len);
  if (!doc)
    return CB_ENOMEM;
  *out = cb_parse__render_html(doc, unsafe_html);
  cmark_node_free(doc);
  return *out ? 0 : CB_ENOMEM;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
  unsigned char c = p[0];
  size_t n;
  unsigned min;
  unsigned cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if ((size_t)(end - p) < n)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

#define MAX_BYTE_DIAGS 20

void cb_parse__check_bytes(cb_ctx *ctx, uint32_t file, const char *text,
                           size_t len) {
  const unsigned char *p = (const unsigned char *)text, *end = p + len;
  const unsigned char *line_start = p;
  uint32_t line = 1;
  size_t n_bad = 0, n_nul = 0;
  while (p < end) {
    /* fast path over ASCII without NUL */
    unsigned char c = *p;
    if (c == '\n') {
      line++;
      line_start = ++p;
      continue;
    }
    if (c >= 0x01 && c < 0x80) {
      p++;
      continue;
    }
    cb_loc loc = {file, line, (uint32_t)(p - line_start) + 1};
    if (c == 0) {
      if (n_nul++ < MAX_BYTE_DIAGS)
        cb_diag_report(ctx, CB_DIAG_ERROR, "nul-byte", loc, NULL, NULL,
                       "NUL byte in the text; it is shown as U+FFFD");
      p++;
      continue;
    }
    size_t n = utf8_seq(p, end);
    if (n) {
      p += n;
      continue;
    }
    if (n_bad++ < MAX_BYTE_DIAGS)
      cb_diag_report(ctx, CB_DIAG_ERROR, "invalid-utf8", loc, NULL, NULL,
                     "invalid UTF-8 byte 0x%02X; the file must be UTF-8 "
                     "(it is shown as U+FFFD)",
                     c);
    p++;
  }
  cb_loc whole = {file, 0, 0};
  if (n_bad > MAX_BYTE_DIAGS)
    cb_diag_report(ctx, CB_DIAG_ERROR, "invalid-utf8", whole, NULL, NULL,
                   "%zu more invalid UTF-8 bytes in this file",
                   n_bad - MAX_BYTE_DIAGS);
  if (n_nul > MAX_BYTE_DIAGS)
    cb_diag_report(ctx, CB_DIAG_ERROR, "nul-byte", whole, NULL, NULL,
                   "%zu more NUL bytes in this file", n_nul - MAX_BYTE_DIAGS);
}
