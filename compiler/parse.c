/* SPDX-License-Identifier: MIT */
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
#include <assert.h>
#include <pthread.h>
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
 * context pointer, so each thread has a current arena: the one of the
 * document it is parsing, or extracting and rendering. */

#define BLOCK_HDR 16
#define CHUNK_SIZE (256u << 10) /* a chapter's tree takes ~130 KiB */

typedef struct pchunk {
  struct pchunk *next;
  size_t cap;
  max_align_t data[];
} pchunk;

typedef struct parena {
  pchunk *chunks;  /* current chunk first */
  char *cur, *end; /* the unused end of the current chunk */
  char *last;      /* the last block of the current chunk, or NULL */
  pchunk *spare;   /* one emptied chunk kept for the next chapter */
  cmark_node *doc; /* the document that lives in it, if any */
  struct parena *next_free;
  cb_parse_queue *queue; /* the queue it returns to, NULL for the solo one */
} parena;

static _Thread_local parena *cur_arena;
static _Thread_local parena solo_arena;

static int new_chunk(parena *a, size_t need) {
  size_t cap = need > CHUNK_SIZE ? need : CHUNK_SIZE;
  pchunk *c = NULL;
  if (a->spare && a->spare->cap >= cap) {
    c = a->spare;
    a->spare = NULL;
  } else {
    c = malloc(sizeof *c + cap);
    if (!c)
      return -1;
    c->cap = cap;
  }
  c->next = a->chunks;
  a->chunks = c;
  a->cur = (char *)c->data;
  a->end = a->cur + cap;
  a->last = NULL;
  return 0;
}

/* The bytes a block of n takes, its header included. */
static size_t block_size(size_t n) {
  return (BLOCK_HDR + n + 15) & ~(size_t)15;
}

static void *arena_alloc(size_t n, int zero) {
  parena *a = cur_arena;
  size_t need = block_size(n);
  if (!a || n > SIZE_MAX / 2 ||
      ((size_t)(a->end - a->cur) < need && new_chunk(a, need) < 0))
    return NULL;
  char *p = a->cur + BLOCK_HDR;
  *(size_t *)a->cur = n;
  a->cur += need;
  a->last = p;
  return zero ? memset(p, 0, n) : p;
}

static void *arena_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size)
    return NULL;
  return arena_alloc(count * size, 1);
}

static void *arena_realloc(void *p, size_t n) {
  if (!p)
    return arena_alloc(n, 0);
  parena *a = cur_arena;
  char *hdr = (char *)p - BLOCK_HDR;
  size_t old = *(size_t *)hdr;
  if (a && p == a->last) {
    if (n <= SIZE_MAX / 2 && (size_t)(a->end - hdr) >= block_size(n)) {
      a->cur = hdr + block_size(n);
      *(size_t *)hdr = n;
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
  parena *a = cur_arena;
  if (p && a && p == a->last) {
    a->cur = (char *)p - BLOCK_HDR;
    a->last = NULL;
  }
}

/* Empties a, keeping one chunk for the next chapter. */
static void arena_reset(parena *a) {
  while (a->chunks) {
    pchunk *next = a->chunks->next;
    if (!a->spare && a->chunks->cap == CHUNK_SIZE)
      a->spare = a->chunks;
    else
      free(a->chunks);
    a->chunks = next;
  }
  a->cur = a->end = a->last = NULL;
  a->doc = NULL;
}

static void arena_destroy(parena *a) {
  arena_reset(a);
  free(a->spare);
  a->spare = NULL;
}

static cmark_mem parse_arena = {arena_calloc, arena_realloc, arena_free};

static cmark_mem *mem_of(cmark_node *doc) {
  return doc && cur_arena && cur_arena->doc == doc
             ? &parse_arena
             : cmark_get_default_mem_allocator();
}

/* The extensions are registered once per process, whichever thread
 * parses first (the chapters are parsed on two threads, and a library
 * user may load books on several). */
static pthread_once_t ext_once = PTHREAD_ONCE_INIT;
static int ext_state; /* 0 ready, -1 an extension is missing */

static void init_extensions_once(void) {
  cmark_gfm_core_extensions_ensure_registered();
  cmark_mem *mem = cmark_get_default_mem_allocator();
  for (size_t i = 0; i < N_EXT; i++) {
    exts[i] = cmark_find_syntax_extension(ext_names[i]);
    if (!exts[i]) {
      ext_state = -1;
      return;
    }
    ext_list = cmark_llist_append(mem, ext_list, exts[i]);
  }
}

static int init_extensions(void) {
  pthread_once(&ext_once, init_extensions_once);
  return ext_state;
}

/* Parses text in arena a (NULL: with malloc). */
static cmark_node *parse_in(parena *a, const char *text, size_t len) {
  cmark_mem *mem = a ? &parse_arena : cmark_get_default_mem_allocator();
  parena *saved = cur_arena;
  cur_arena = a;
  cmark_parser *p = cmark_parser_new_with_mem(CMARK_OPT_SOURCEPOS, mem);
  cmark_node *doc = NULL;
  if (p) {
    for (size_t i = 0; i < N_EXT; i++)
      cmark_parser_attach_syntax_extension(p, exts[i]);
    cmark_parser_feed(p, text, len);
    doc = cmark_parser_finish(p);
    cmark_parser_free(p);
  }
  if (a)
    a->doc = doc;
  cur_arena = saved;
  return doc;
}

static int arena_fits(size_t len) { return USE_ARENA && len <= ARENA_MAX_INPUT; }

cmark_node *cb_parse__document(const char *text, size_t len) {
  if (init_extensions() < 0)
    return NULL;
  parena *a = arena_fits(len) && !solo_arena.doc && cur_arena == NULL
                  ? &solo_arena
                  : NULL;
  cmark_node *doc = parse_in(a, text, len);
  if (a && doc)
    cur_arena = a;
  return doc;
}

cmark_node *cb_parse__new_node(cmark_node *doc, cmark_node_type type) {
  return cmark_node_new_with_mem(type, mem_of(doc));
}

void cb_parse__drop(cmark_node *doc, cmark_node *node) {
  if (mem_of(doc) == &parse_arena)
    cmark_node_unlink(node); /* its memory goes with the arena */
  else
    cmark_node_free(node);
}

static void queue_give_back(cb_parse_queue *q, parena *a);

void cb_parse__release(cmark_node *doc) {
  if (!doc)
    return;
  parena *a = cur_arena && cur_arena->doc == doc ? cur_arena : NULL;
  if (!a) {
    cmark_node_free(doc);
    return;
  }
  /* everything of the tree is in the arena: no walk to free it node by
   * node */
  cur_arena = NULL;
  arena_reset(a);
  if (a->queue)
    queue_give_back(a->queue, a);
}

/* ---- parsing ahead ------------------------------------------------------
 * The chapters are parsed on two threads: a helper parses them in order
 * while the caller extracts the ones already parsed, and the caller,
 * rather than wait for a document, parses the next chapter nobody has
 * taken yet (the one it waits for, or one ahead). Parsing is most of the
 * work of loading; this way neither thread idles while the other has
 * chapters left. The helper may start before every file is read: it
 * parses the chapters cb_parse__avail has made available. Each document
 * lives in its own arena, taken from a small pool; releasing a document
 * returns its arena. cmark's parser keeps no state shared with rendering
 * and tree walking, which is all the caller does meanwhile, and parsing
 * allocates with malloc only (never cb_malloc), so the allocations a test
 * makes fail are the same whichever thread parses. */

/* Documents parsed and not yet released: enough for the helper to work
 * ahead while the caller reads the other chapters' files. */
#define POOL 32

struct cb_parse_queue {
  const cb_file *files; /* the chapters' files */
  const uint32_t *order; /* file index of each chapter */
  size_t n;
  size_t n_avail;       /* chapters whose files are there */
  size_t claimed;       /* chapters taken by a thread for parsing */
  cmark_node **docs;    /* docs[i] once parsed */
  parena **arenas;      /* the arena of docs[i], or NULL */
  unsigned char *ready; /* docs[i] is there (NULL means out of memory) */
  size_t next;          /* the next chapter the caller takes */
  parena pool[POOL];
  parena *free_list;
  int stop;
  int threaded;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t changed;
};

static void queue_give_back(cb_parse_queue *q, parena *a) {
  pthread_mutex_lock(&q->lock);
  a->next_free = q->free_list;
  q->free_list = a;
  pthread_cond_broadcast(&q->changed);
  pthread_mutex_unlock(&q->lock);
}

/* Takes the first chapter nobody parses yet, with an arena when it needs
 * one, into *i and *a; 0 when there is none to take now. Called with the
 * lock held. */
static int claim(cb_parse_queue *q, size_t *i, parena **a) {
  if (q->stop || q->claimed >= q->n_avail)
    return 0;
  *a = NULL;
  if (arena_fits(q->files[q->order[q->claimed]].len)) {
    if (!q->free_list)
      return 0;
    *a = q->free_list;
    q->free_list = (*a)->next_free;
  }
  *i = q->claimed++;
  return 1;
}

/* Parses claimed chapter i in a (NULL: with malloc), without the lock,
 * and hands the document over. Returns with the lock held. */
static void parse_claimed(cb_parse_queue *q, size_t i, parena *a) {
  const cb_file *f = &q->files[q->order[i]];
  pthread_mutex_unlock(&q->lock);
  cmark_node *doc = parse_in(a, f->text, f->len);
  pthread_mutex_lock(&q->lock);
  if (!doc && a) {
    a->next_free = q->free_list;
    q->free_list = a;
    a = NULL;
  }
  q->docs[i] = doc;
  q->arenas[i] = a;
  q->ready[i] = 1;
  pthread_cond_broadcast(&q->changed);
}

static void *parse_ahead(void *arg) {
  cb_parse_queue *q = arg;
  size_t i;
  parena *a;
  pthread_mutex_lock(&q->lock);
  while (!q->stop && q->claimed < q->n) {
    if (claim(q, &i, &a))
      parse_claimed(q, i, a);
    else
      pthread_cond_wait(&q->changed, &q->lock);
  }
  pthread_mutex_unlock(&q->lock);
  return NULL;
}

int cb_parse__start(cb_parse_queue **out, const cb_file *files,
                    const uint32_t *order, size_t n) {
  *out = NULL;
  if (init_extensions() < 0)
    return CB_ENOMEM;
  cb_parse_queue *q = cb_calloc(1, sizeof *q);
  if (!q)
    return CB_ENOMEM;
  q->docs = cb_calloc(n + 1, sizeof *q->docs);
  q->arenas = cb_calloc(n + 1, sizeof *q->arenas);
  q->ready = cb_calloc(n + 1, 1);
  if (!q->docs || !q->arenas || !q->ready) {
    cb_free(q->docs);
    cb_free(q->arenas);
    cb_free(q->ready);
    cb_free(q);
    return CB_ENOMEM;
  }
  q->files = files;
  q->order = order;
  q->n = n;
  for (size_t i = 0; i < POOL; i++) {
    q->pool[i].queue = q;
    q->pool[i].next_free = q->free_list;
    q->free_list = &q->pool[i];
  }
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->changed, NULL);
  /* one chapter is nothing to overlap with */
  q->threaded = n > 1 &&
                pthread_create(&q->thread, NULL, parse_ahead, q) == 0;
  *out = q;
  return 0;
}

void cb_parse__avail(cb_parse_queue *q, size_t n_avail) {
  pthread_mutex_lock(&q->lock);
  if (q->claimed == q->n_avail) /* a thread may wait for a chapter */
    pthread_cond_broadcast(&q->changed);
  q->n_avail = n_avail < q->n ? n_avail : q->n;
  pthread_mutex_unlock(&q->lock);
}

cmark_node *cb_parse__next(cb_parse_queue *q) {
  size_t i = q->next++, j;
  parena *a;
  if (i >= q->n)
    return NULL;
  assert(i < q->n_avail);
  pthread_mutex_lock(&q->lock);
  /* chapter i itself when nobody has taken it, else one further on */
  while (!q->ready[i]) {
    if (claim(q, &j, &a))
      parse_claimed(q, j, a);
    else
      pthread_cond_wait(&q->changed, &q->lock);
  }
  pthread_mutex_unlock(&q->lock);
  cur_arena = q->arenas[i];
  return q->docs[i];
}

void cb_parse__stop(cb_parse_queue *q) {
  if (!q)
    return;
  pthread_mutex_lock(&q->lock);
  q->stop = 1;
  pthread_cond_broadcast(&q->changed);
  pthread_mutex_unlock(&q->lock);
  if (q->threaded)
    pthread_join(q->thread, NULL);
  /* documents parsed ahead and never taken */
  for (size_t i = q->next; i < q->n; i++) {
    if (!q->ready[i] || !q->docs[i])
      continue;
    parena *saved = cur_arena;
    cur_arena = q->arenas[i];
    cmark_node_free(q->docs[i]);
    cur_arena = saved;
  }
  if (cur_arena && cur_arena->queue == q)
    cur_arena = NULL;
  for (size_t i = 0; i < POOL; i++)
    arena_destroy(&q->pool[i]);
  pthread_mutex_destroy(&q->lock);
  pthread_cond_destroy(&q->changed);
  cb_free(q->docs);
  cb_free(q->arenas);
  cb_free(q->ready);
  cb_free(q);
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

int cb_parse__render_markdown(cb_buf *out, cmark_node *doc) {
  if (init_extensions() < 0)
    return -1;
  cmark_mem *mem = mem_of(doc);
  char *md = cmark_render_commonmark_with_mem(doc, CMARK_OPT_DEFAULT, 0, mem);
  if (!md)
    return -1;
  cb_buf_puts(out, md);
  mem->free(md);
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
static uint64_t word_suspect(uint64_t w) {
  return ((w - 0x0101010101010101ULL) | w) & 0x8080808080808080ULL;
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
  cb_loc loc = {file, lt->line, (uint32_t)(pos - lt->line_start) + 1, 0, 0};
  return loc;
}

void cb_parse__check_bytes(cb_ctx *ctx, uint32_t file, const char *text,
                           size_t len) {
  const unsigned char *t = (const unsigned char *)text;
  line_tracker lt = {text, 0, 0, 1};
  size_t n_bad = 0, n_nul = 0, i = 0;
  while (i < len) {
    /* 32 clean bytes at a time (most text is ASCII), then 8 */
    while (i + 32 <= len) {
      uint64_t w[4];
      memcpy(w, t + i, 32);
      if (word_suspect(w[0]) | word_suspect(w[1]) | word_suspect(w[2]) |
          word_suspect(w[3]))
        break;
      i += 32;
    }
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
  cb_loc whole = {file, 0, 0, 0, 0};
  if (n_bad > MAX_BYTE_DIAGS)
    cb_diag_report(ctx, CB_DIAG_ERROR, "invalid-utf8", whole, NULL, NULL,
                   "%zu more invalid UTF-8 bytes in this file",
                   n_bad - MAX_BYTE_DIAGS);
  if (n_nul > MAX_BYTE_DIAGS)
    cb_diag_report(ctx, CB_DIAG_ERROR, "nul-byte", whole, NULL, NULL,
                   "%zu more NUL bytes in this file", n_nul - MAX_BYTE_DIAGS);
}
