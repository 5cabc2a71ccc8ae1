/* SPDX-License-Identifier: MIT */
/*
 * lsp.h: the language server (`casebook lsp`, casebook/lsp.h) as its
 * files share it. lsp.c reads and writes the messages (JSON-RPC over
 * stdio with Content-Length framing), keeps the open documents and
 * publishes the diagnostics (lsp_state.c holds what is kept between
 * messages); lsp_features.c answers the requests about a
 * place in a document (definition, hover, completion, symbols, code
 * actions); lsp_text.c turns positions and URIs between the protocol's
 * and the model's.
 *
 * The server holds one loaded book at a time, from the project on disk
 * with the open documents laid over it (cb_book_load_overlay); a change
 * marks it stale and the next quiet moment (no message waiting) or the
 * next request loads it again and runs the rules; once the client has
 * been quiet for LSP_QUIET_MS the exports' checks run too (they take
 * several times as long as the rest).
 */
#ifndef CB_LSP_H
#define CB_LSP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

/* An open document, as the client last sent it. */
typedef struct lsp_doc {
  char *uri;  /* as the client wrote it */
  char *path; /* relative to the project root, NULL when outside it;
                 without a project, the absolute path without its '/' */
  char *text; /* cb_malloc'd, len bytes (NUL-terminated) */
  size_t len;
} lsp_doc;

typedef struct cb_lsp {
  int in_fd, out_fd;
  FILE *log; /* messages for people (stderr), or NULL */
  /* input not yet taken as messages */
  char *in;
  size_t in_len, in_cap;
  int eof;
  char *root;     /* the project directory, NULL until known */
  lsp_doc *docs;
  size_t n_docs, cap_docs;
  /* the last load: its context (diagnostics) and book; stale when a
   * document changed since */
  cb_ctx *ctx;
  const cb_book *book;
  int stale;
  /* the book was checked by the rules alone: every check (the exports'
   * too) is to run once the client has been quiet a while */
  int full_pending;
  /* the URIs given diagnostics by the last publication, so that the next
   * one clears those that have none left */
  char **published;
  size_t n_published;
  int initialized, shutdown, done;
  int exit_code;
} cb_lsp;

/* How long the client must be quiet before the whole check runs. */
#define LSP_QUIET_MS 300

/* JSON-RPC's and the protocol's error codes. */
enum {
  LSP_PARSE_ERROR = -32700,
  LSP_INVALID_REQUEST = -32600,
  LSP_METHOD_NOT_FOUND = -32601,
  LSP_INVALID_PARAMS = -32602,
  LSP_INTERNAL_ERROR = -32603,
  LSP_NOT_INITIALIZED = -32002,
  LSP_REQUEST_FAILED = -32803
};

/* ---- lsp_state.c ----------------------------------------------------- */

/* Says something on the log (printf-style), when there is one. */
void cb_lsp__say(cb_lsp *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Sets the project directory (made absolute and free of links when it
 * exists; never "/"). dir is cb_malloc'd and taken (NULL: nothing). */
void cb_lsp__set_root(cb_lsp *s, char *dir);

/* The workspace folder the client names: the project when it holds a
 * casebook.lua (a home directory is not loaded whole). dir is
 * cb_malloc'd and taken. */
void cb_lsp__set_workspace(cb_lsp *s, char *dir);

/* The protocol's Diagnostic of g, whose file holds text[0..len) (NULL:
 * unknown, the columns taken as they are): its range in UTF-16, its
 * severity, rule (code) and message. NULL when memory ran out. */
json_t *cb_lsp__diag_json(const cb_diag *g, const char *text, size_t len);

/* The notifications about documents: textDocument/didOpen (the nearest
 * directory above the document with a casebook.lua becomes the project;
 * without a project the open documents are checked alone, in memory),
 * didChange (full or
 * incremental), didClose. Each marks the book stale. */
void cb_lsp__did_open(cb_lsp *s, json_t *params);
void cb_lsp__did_change(cb_lsp *s, json_t *params);
void cb_lsp__did_close(cb_lsp *s, json_t *params);

/* Finds the document's project path from its URI again (the root may
 * have become known since it was opened). */
void cb_lsp__doc_locate(cb_lsp *s, lsp_doc *d);

/* Frees what d holds (not d). */
void cb_lsp__doc_free(lsp_doc *d);

/* Writes msg (stolen) as one framed message. Returns 0, or -1 when the
 * client is gone (the server then stops). */
int cb_lsp__send(cb_lsp *s, json_t *msg);

/* Makes sure s->book is the book of the current texts: when stale, loads
 * it and runs the rules (the fast part of a check), publishes the
 * diagnostics and sets full_pending. Returns 0, or a negative CB_E* code
 * when the project could not be read at all (s->book NULL). */
int cb_lsp__fresh(cb_lsp *s);

/* Loads the book again and makes every check of `casebook check` (the
 * rules and the exports), then publishes the diagnostics. Returns as
 * cb_lsp__fresh. */
int cb_lsp__full_check(cb_lsp *s);

/* The open document at uri, or NULL. */
lsp_doc *cb_lsp__doc(cb_lsp *s, const char *uri);

/* The index in s->book->files of the project-relative path, or
 * UINT32_MAX. */
uint32_t cb_lsp__file_index(const cb_lsp *s, const char *path);

/* The URI of the project-relative path: the open document's when one
 * has it, else built from the root. In ctx's arena; NULL when memory
 * ran out. */
const char *cb_lsp__uri_of(cb_lsp *s, const char *path);

/* ---- lsp_text.c ------------------------------------------------------ */

/* The byte offset in text[0..len) of the start of 0-based line, or
 * SIZE_MAX when text has fewer lines. */
size_t cb_lsp__line_start(const char *text, size_t len, uint32_t line);

/* The UTF-16 code units of text[line_start..at): a code point above
 * U+FFFF counts two, an ill-formed sequence one (its U+FFFD). */
uint32_t cb_lsp__units(const char *text, size_t from, size_t at);

/* The byte offset of {line, character} (0-based, UTF-16 units) in
 * text[0..len): past the end of its line, the line's end; a line past
 * the end, len; in the middle of a code point, that code point's start. */
size_t cb_lsp__offset(const char *text, size_t len, uint32_t line,
                      uint32_t character);

/* The protocol position {line, character} of the byte offset at. */
json_t *cb_lsp__position(const char *text, size_t len, size_t at);

/* A protocol range of the byte offsets [from, to). */
json_t *cb_lsp__range(const char *text, size_t len, size_t from, size_t to);

/* The byte offset of the model's 1-based line and byte column (clamped
 * to the line); SIZE_MAX when there is no such line. */
size_t cb_lsp__loc_offset(const char *text, size_t len, uint32_t line,
                          uint32_t col);

/* The path of a file:// URI, percent-decoded, cb_malloc'd; NULL for
 * another scheme, an invalid escape or a NUL. */
char *cb_lsp__uri_path(const char *uri);

/* The file:// URI of an absolute path, percent-encoded, appended to b. */
void cb_lsp__path_uri(cb_buf *b, const char *path);

/* JSON of text made valid UTF-8 (U+FFFD for ill-formed sequences), or
 * NULL when memory ran out. */
json_t *cb_lsp__string(const char *text, size_t len);

/* ---- lsp_features.c -------------------------------------------------- */

/* The result of the request method (one of those the server
 * advertises) with params, in *result (new reference; json null for "no
 * result"). Returns 0, 1 when the method is not one of them, or an
 * error code of the protocol with *message set (static). */
int cb_lsp__request(cb_lsp *s, const char *method, json_t *params,
                    json_t **result, const char **message);

#endif
