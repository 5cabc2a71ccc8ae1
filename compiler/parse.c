/*
 * parse.c: the cmark-gfm side of the compiler. Every chapter is parsed
 * with the same extensions (table, strikethrough, autolink, tagfilter,
 * tasklist) and source positions; prose is rendered with the same list of
 * extensions so tables and task lists come out as GitHub shows them.
 */
#include "parse.h"
#include "utf8.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const ext_names[] = {"table", "strikethrough", "autolink",
                                        "tagfilter", "tasklist"};
#define N_EXT (sizeof ext_names / sizeof *ext_names)

static cmark_syntax_extension *exts[N_EXT];
static cmark_llist *ext_list;

/* The table extension's node types: exported by libcmark-gfm-extensions
 * and set when the extensions are registered. */
extern cmark_node_type CMARK_NODE_TABLE, CMARK_NODE_TABLE_ROW,
    CMARK_NODE_TABLE_CELL;

/* Chapters up to this size are parsed in cmark's arena (no free() per
 * node); a larger one uses malloc so its memory is returned as it goes. */
#define ARENA_MAX_INPUT (8u << 20)

#if defined(__SANITIZE_ADDRESS__)
#define USE_ARENA 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define USE_ARENA 0
#endif
#endif
#ifndef USE_ARENA
#define USE_ARENA 1
#endif

/* ---- the parse arena ----------------------------------------------------
 * cmark allocates a node, a buffer or a string at a time and frees them
 * one by one; for a chapter that is about to be dropped whole, a bump
 * allocator is much cheaper. Each block has a header with its size so
 * realloc can copy; the last block of a chunk grows and shrinks in
 * place (cmark's buffers mostly grow at the end). cmark_mem carries no
 * context pointer, so the arena is a file-level singleton: one chapter is
 * parsed at a time. */

#define BLOCK_HDR 16
#define CHUNK_SIZE (1u << 20)

typedef struct pchunk {
  struct pchunk *next;
  size_t used, cap;
  size_t last; /* offset of the last block's header, or SIZE_MAX */
  max_align_t data[];
} pchunk;

static pchunk *chunks; /* current chunk first */
static pchunk *spare;  /* one emptied chunk kept for the next chapter */

static pchunk *new_chunk(size_t need) {
  size_t cap = need > CHUNK_SIZE ? need : CHUNK_SIZE;
  pchunk *c = NULL;
  if (spare && spare->cap >= cap) {
    c = spare;
    spare = NULL;
  } else {
    c = malloc(sizeof *c + cap);
    if (!c)
      return NULL;
    c->cap = cap;
  }
  c->used = 0;
  c->last = SIZE_MAX;
  c->next = chunks;
  chunks = c;
  return c;
}

static void *arena_alloc(size_t n, int zero) {
  size_t need = (BLOCK_HDR + n + 15) & ~(size_t)15;
  if (n > SIZE_MAX / 2)
    return NULL;
  pchunk *c = chunks;
  if (!c || c->cap - c->used < need)
    if (!(c = new_chunk(need)))
      return NULL;
  char *base = (char *)c->data + c->used;
  *(size_t *)base = n;
  c->last = c->used;
  c->used += need;
  if (zero)
    memset(base + BLOCK_HDR, 0, n);
  return base + BLOCK_HDR;
}

static void *arena_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size)
    return NULL;
  return arena_alloc(count * size, 1);
}

static int is_last(pchunk *c, void *p) {
  return c && c->last != SIZE_MAX &&
         (char *)c->data + c->last + BLOCK_HDR == (char *)p;
}

static void *arena_realloc(void *p, size_t n) {
  if (!p)
    return arena_alloc(n, 0);
  size_t old = *(size_t *)((char *)p - BLOCK_HDR);
  pchunk *c = chunks;
  if (is_last(c, p)) {
    size_t need = (BLOCK_HDR + n + 15) & ~(size_t)15;
    if (n <= SIZE_MAX / 2 && c->cap - c->last >= need) {
      c->used = c->last + need;
      *(size_t *)((char *)p - BLOCK_HDR) = n;
      return p;
    }
  } else if (n <= old) {
    return p;
  }
  void *q = arena_alloc(n, 0);
  if (q)
    memcpy(q, p, old < n ? old : n);
  return q;
}

static void arena_free(void *p) {
  pchunk *c = chunks;
  if (p && is_last(c, p)) {
    c->used = c->last;
    c->last = SIZE_MAX;
  }
}

static void arena_reset(void) {
  while (chunks) {
    pchunk *next = chunks->next;
    if (!spare && chunks->cap == CHUNK_SIZE)
      spare = chunks;
    else
      free(chunks);
    chunks = next;
  }
}

static cmark_mem parse_arena = {arena_calloc, arena_realloc, arena_free};

static cmark_node *arena_doc; /* the document parsed in the arena, if any */

static cmark_mem *mem_of(cmark_node *doc) {
  return doc && doc == arena_doc ? &parse_arena
                                 : cmark_get_default_mem_allocator();
}

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
  int arena = USE_ARENA && len <= ARENA_MAX_INPUT && !arena_doc;
  cmark_mem *mem = arena ? &parse_arena : cmark_get_default_mem_allocator();
  cmark_parser *p = cmark_parser_new_with_mem(CMARK_OPT_SOURCEPOS, mem);
  if (!p)
    return NULL;
  for (size_t i = 0; i < N_EXT; i++)
    cmark_parser_attach_syntax_extension(p, exts[i]);
  cmark_parser_feed(p, text, len);
  cmark_node *doc = cmark_parser_finish(p);
  cmark_parser_free(p);
  if (arena)
    arena_doc = doc;
  return doc;
}

cmark_node *cb_parse__new_node(cmark_node *doc, cmark_node_type type) {
  return cmark_node_new_with_mem(type, mem_of(doc));
}

void cb_parse__release(cmark_node *doc) {
  if (!doc)
    return;
  int arena = doc == arena_doc;
  cmark_node_free(doc);
  if (arena) {
    arena_reset();
    arena_doc = NULL;
  }
}

int cb_parse__render_html(cb_buf *out, cmark_node *doc, cmark_node *node,
                          int unsafe_html) {
  if (init_extensions() < 0)
    return -1;
  int opts = unsafe_html ? CMARK_OPT_UNSAFE : CMARK_OPT_DEFAULT;
  cmark_mem *mem = mem_of(doc);
  char *html = cmark_render_html_with_mem(node, opts, ext_list, mem);
  if (!html)
    return -1;
  cb_buf_puts(out, html);
  mem->free(html);
  return out->failed ? -1 : 0;
}

cb_node_kind cb_parse__kind(cmark_node *node) {
  cmark_node_type t = cmark_node_get_type(node);
  if (t == CMARK_NODE_TABLE)
    return CB_NK_TABLE;
  if (t == CMARK_NODE_TABLE_ROW)
    return cmark_gfm_extensions_get_table_row_is_header(node)
               ? CB_NK_HEADER_ROW
               : CB_NK_ROW;
  if (t == CMARK_NODE_TABLE_CELL)
    return CB_NK_CELL;
  return CB_NK_OTHER;
}

int cb_markdown_to_html(char **out, const char *md, size_t len,
                        int unsafe_html) {
  *out = NULL;
  cmark_node *doc = cb_parse__document(md, len);
  if (!doc)
    return CB_ENOMEM;
  cb_buf buf = {0};
  int rc = cb_parse__render_html(&buf, doc, doc, unsafe_html);
  cb_parse__release(doc);
  if (rc < 0) {
    cb_buf_free(&buf);
    return CB_ENOMEM;
  }
  /* the caller frees with free(): hand over a malloc'd copy */
  *out = malloc(buf.len + 1);
  if (*out)
    memcpy(*out, cb_buf_cstr(&buf), buf.len + 1);
  cb_buf_free(&buf);
  return *out ? 0 : CB_ENOMEM;
}

#define MAX_BYTE_DIAGS 20

/* Nonzero when one of the 8 bytes of w is NUL or has its high bit set
 * (may flag a clean byte next to such a byte, never misses one). */
static int word_suspect(uint64_t w) {
  return (((w - 0x0101010101010101ULL) | w) & 0x8080808080808080ULL) != 0;
}

typedef struct line_tracker {
  const char *text;
  size_t counted; /* newlines are counted up to here */
  size_t line_start;
  uint32_t line;
} line_tracker;

/* The 1-based line and column of byte offset pos (pos only grows). */
static cb_loc locate(line_tracker *lt, uint32_t file, size_t pos) {
  const char *p = lt->text + lt->counted, *end = lt->text + pos;
  while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
    lt->line++;
    lt->line_start = (size_t)(++p - lt->text);
  }
  lt->counted = pos;
  cb_loc loc = {file, lt->line, (uint32_t)(pos - lt->line_start) + 1};
  return loc;
}

void cb_parse__check_bytes(cb_ctx *ctx, uint32_t file, const char *text,
                           size_t len) {
  const unsigned char *t = (const unsigned char *)text;
  line_tracker lt = {text, 0, 0, 1};
  size_t n_bad = 0, n_nul = 0, i = 0;
  while (i < len) {
    while (i + 8 <= len) {
      uint64_t w;
      memcpy(&w, t + i, 8);
      if (word_suspect(w))
        break;
      i += 8;
    }
    size_t stop = i + 8 < len ? i + 8 : len;
    while (i < stop) {
      unsigned char c = t[i];
      if (c >= 0x01 && c < 0x80) {
        i++;
        continue;
      }
      if (c == 0) {
        if (n_nul++ < MAX_BYTE_DIAGS)
          cb_diag_report(ctx, CB_DIAG_ERROR, "nul-byte", locate(&lt, file, i),
                         NULL, NULL,
                         "NUL byte in the text; it is shown as U+FFFD");
        i++;
        continue;
      }
      uint32_t cp;
      size_t n = cb_utf8__seq(t + i, t + len, &cp);
      if (n) {
        i += n;
        continue;
      }
      if (n_bad++ < MAX_BYTE_DIAGS)
        cb_diag_report(ctx, CB_DIAG_ERROR, "invalid-utf8",
                       locate(&lt, file, i), NULL, NULL,
                       "invalid UTF-8 byte 0x%02X; the file must be UTF-8 "
                       "(it is shown as U+FFFD)",
                       c);
      i++;
    }
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
