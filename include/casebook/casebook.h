/*
 * casebook/casebook.h: the public API of libcasebook.
 *
 * A compilation goes through one cb_ctx: it owns the arena that holds the
 * model, the diagnostics sink and the options. The pipeline is
 *
 *   cb_book_load   source -> parse -> extract -> model (+ manifest)
 *   cb_book_check  Lua rules over the model -> diagnostics
 *   cb_book_emit   html/, rubric.json, gold.jsonl
 *
 * Errors: functions that can fail return 0 or a negative CB_E* code and
 * leave a message in cb_ctx_error(). Problems in the user's casebook are
 * never errors of this kind: they are diagnostics, collected in the
 * context, and the compilation goes on.
 */
#ifndef CASEBOOK_CASEBOOK_H
#define CASEBOOK_CASEBOOK_H

#include <stdio.h>

#include "casebook/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CB_VERSION "0.1.0"
#define CB_FORMAT_VERSION 1

enum {
  CB_OK = 0,
  CB_ERROR = -1,    /* generic failure, see cb_ctx_error() */
  CB_ENOMEM = -2,   /* out of memory */
  CB_EIO = -3,      /* a file or directory could not be read or written */
  CB_EUSAGE = -4,   /* bad arguments */
  CB_ENOTFOUND = -5 /* no such file, revision or element */
};

typedef struct cb_ctx cb_ctx;

typedef struct cb_options {
  const char *rev; /* git revision to read, NULL for the working tree */
  int quiet;
  int verbose;
} cb_options;

/* Creates a compilation context. *out is the caller's, released with
 * cb_ctx_free. opts may be NULL. Returns 0 or CB_ENOMEM. */
int cb_ctx_new(cb_ctx **out, const cb_options *opts);

/* Frees the context, its arena, its model and its diagnostics. NULL ok. */
void cb_ctx_free(cb_ctx *ctx);

/* The message of the last environment error, or "" (borrowed). */
const char *cb_ctx_error(const cb_ctx *ctx);

/* ---- Loading --------------------------------------------------------- */

/* Reads the project in dir (working tree, or ctx's rev), runs the manifest,
 * parses and extracts every chapter, and resolves links. The book is
 * borrowed from ctx. Problems in the casebook become diagnostics; the
 * return value is negative only when the project cannot be read at all. */
int cb_book_load(const cb_book **out, cb_ctx *ctx, const char *dir);

/* A file given in memory, for cb_book_load_files. */
typedef struct cb_source_file {
  const char *path; /* project-relative, '/' separated */
  const char *text;
  size_t len;
} cb_source_file;

/* Like cb_book_load, from files in memory instead of a directory (an
 * editor's unsaved buffers, a test, a fuzzer). The texts are copied. The
 * project has no directory: no project rules or templates are read. */
int cb_book_load_files(const cb_book **out, cb_ctx *ctx,
                       const cb_source_file *files, size_t n);

/* Finds an element by id; NULL if none (borrowed). */
const cb_question *cb_book_question(const cb_book *book, const char *id);
const cb_criterion *cb_book_criterion(const cb_book *book, const char *id);
const cb_case *cb_book_case(const cb_book *book, const char *id);
/* The option of a question by id, NULL if none. */
const cb_option *cb_question_option(const cb_question *q, const char *id);

/* Names used in outputs. Static strings. */
const char *cb_qtype_name(cb_qtype t);
const char *cb_input_kind_name(cb_input_kind k);
const char *cb_status_name(cb_status s);

/* ---- Checking -------------------------------------------------------- */

/* Runs the built-in rules and the project's rules/ *.lua over the book.
 * Findings are added to ctx's diagnostics. Returns 0, or a negative code
 * when Lua itself cannot be started. */
int cb_book_check(cb_ctx *ctx, const cb_book *book);

/* A rule as the registry knows it (for `casebook rules`). */
typedef struct cb_rule_info {
  const char *id;
  const char *severity; /* default: "error", "warning" or "note" */
  const char *summary;
  const char *rationale;
  const char *example; /* a small casebook excerpt that triggers it */
  const char *file;    /* "rules/NAME.lua" (built-in) or project path */
} cb_rule_info;

/* Lists the built-in rules, and the project's when book is not NULL.
 * *out is an array of *n entries owned by ctx. */
int cb_rules_list(const cb_rule_info **out, size_t *n, cb_ctx *ctx,
                  const cb_book *book);

/* ---- Diagnostics ----------------------------------------------------- */

typedef enum cb_diag_level {
  CB_DIAG_NOTE = 0,
  CB_DIAG_WARNING = 1,
  CB_DIAG_ERROR = 2
} cb_diag_level;

typedef struct cb_diag {
  cb_diag_level level;
  const char *rule;       /* rule id, e.g. "unknown-option" */
  const char *message;
  const char *suggestion; /* replacement text for "did you mean", or NULL */
  const char *path;       /* file path as shown, or NULL (no position) */
  uint32_t file;          /* index in book files, UINT32_MAX if none */
  uint32_t line, col;     /* 1-based, 0 if unknown */
  const char *element;    /* id of the element concerned, or NULL */
} cb_diag;

/* Sorts the diagnostics (file, line, column, then order of report) and
 * returns them: an array of *n entries owned by ctx. */
const cb_diag *cb_ctx_diags(cb_ctx *ctx, size_t *n);

/* Counts of diagnostics per level. */
void cb_ctx_diag_counts(const cb_ctx *ctx, size_t *errors, size_t *warnings,
                        size_t *notes);

/* Reports a diagnostic at loc (loc.line == 0 for "no line"). The strings
 * are copied. The manifest's rule settings apply: a rule turned "off" is
 * dropped, a configured severity replaces level. */
void cb_diag_report(cb_ctx *ctx, cb_diag_level level, const char *rule,
                    cb_loc loc, const char *element, const char *suggestion,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

typedef enum cb_diag_format { CB_FMT_GCC = 0, CB_FMT_JSON } cb_diag_format;

/* Prints the sorted diagnostics and, for gcc, a summary line. color: 0/1. */
int cb_diag_print(FILE *fp, cb_ctx *ctx, cb_diag_format fmt, int color);

/* The closest candidate to word by edit distance, or NULL when none is
 * close enough to suggest (borrowed from candidates). */
const char *cb_suggest(const char *word, const char *const *candidates,
                       size_t n);

/* ---- Emitting -------------------------------------------------------- */

/* Writes html/, rubric.json and gold.jsonl under outdir, each file
 * atomically (temporary file, then rename). Returns 0 or a negative code
 * with cb_ctx_error() set. */
int cb_book_emit(cb_ctx *ctx, const cb_book *book, const char *outdir);

/* Checks the book and writes its outputs: the same result as
 * cb_book_check then cb_book_emit, with the two running at once on two
 * threads (the rules only read the model). Diagnostics land in ctx as
 * with cb_book_check. Returns 0 or the first negative code (emit's
 * before check's). */
int cb_book_check_and_emit(cb_ctx *ctx, const cb_book *book,
                           const char *outdir);

/* ---- Project scaffolding --------------------------------------------- */

/* Creates a small working project in dir (which must not exist or be
 * empty). Returns 0 or a negative code with cb_ctx_error() set. */
int cb_project_init(cb_ctx *ctx, const char *dir);

/* ---- Markdown -------------------------------------------------------- */

/* Renders GFM Markdown to HTML as casebook renders prose (tables,
 * strikethrough, autolinks, task lists, tag filter unless unsafe_html).
 * *out is malloc'd, the caller frees it with free(). Returns 0 or
 * CB_ENOMEM. Used by the spec tests. */
int cb_markdown_to_html(char **out, const char *md, size_t len,
                        int unsafe_html);

#ifdef __cplusplus
}
#endif
#endif
