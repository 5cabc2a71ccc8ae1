/* SPDX-License-Identifier: MIT */
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

/* Formats of cb_diag_print. The CI formats (docs/ci.md) give paths
 * relative to the root of the git repository holding the project when
 * there is one, and columns in code points except rdjson (bytes). */
typedef enum cb_diag_format {
  CB_FMT_GCC = 0, /* path:line:col: level: message [rule], source, caret */
  CB_FMT_JSON,    /* {"diagnostics": [...], "summary": {...}} */
  CB_FMT_SARIF,   /* SARIF 2.1.0: one run, every rule with its help,
                     partialFingerprints from element ids, fixes */
  CB_FMT_GITHUB,  /* GitHub workflow commands (::error file=...::), at
                     most 10 per level; with $GITHUB_STEP_SUMMARY set, a
                     Markdown table of all is appended to that file */
  CB_FMT_JUNIT,   /* JUnit XML: a testsuite per chapter, a testcase per
                     case and per chapter, a failure per error; warnings
                     and notes in system-out */
  CB_FMT_RDJSON   /* reviewdog's rdjson (DiagnosticResult), suggestions
                     with the range they replace */
} cb_diag_format;

/* Prints the sorted diagnostics and, for gcc, a summary line. color: 0/1. */
int cb_diag_print(FILE *fp, cb_ctx *ctx, cb_diag_format fmt, int color);

/* Prints text from a casebook or a repository (NULL: nothing) to fp as
 * the gcc format prints messages: control characters as their Control
 * Pictures (ESC as U+241B), bidirectional controls as "<U+202E>", the
 * '[' of "##[" as "<U+005B>", invalid UTF-8 as U+FFFD; so that it cannot
 * drive a terminal, reorder a line or be read as a CI workflow command
 * (docs/limits.md). */
void cb_print_text(FILE *fp, const char *s);

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

/* ---- Versions -------------------------------------------------------- */

/* cb_book_load reads cb_options.rev from its git repository (found from
 * dir upwards; dir may be any subdirectory of a working tree, or a bare
 * repository) straight from the object database, and fills book->stamp
 * (docs/versions.md). */

/* Fills history.last_commit, last_date and last_label of every question,
 * option, criterion and case of ctx's book: the last commit that changed
 * it, found by one first-parent walk from the commit the book was read
 * at. Nothing is done outside git. Returns 0 or a negative code with
 * cb_ctx_error() set when the repository cannot be read; a history cut
 * short (a shallow clone) ends the walk with a note. */
int cb_book_load_history(cb_ctx *ctx, const cb_book *book);

/* A field of an element that a commit changed. */
typedef struct cb_log_field {
  const char *name;   /* "gold quality", "type", "meaning", "title"... */
  const char *before; /* the old value, NULL when it is not shown (a long
                         text: only "changed" is said) or did not exist */
  const char *after;  /* the new value, likewise */
} cb_log_field;

/* A commit that changed an element. */
typedef struct cb_log_entry {
  const char *commit;   /* full id */
  const char *short_id; /* 7 hex digits */
  const char *date;     /* author date, ISO 8601 with offset */
  const char *author;   /* author name */
  const char *email;
  const char *subject;  /* first line of the message */
  const char *what;     /* "case", "question", "option", "criterion" */
  const char *id;       /* the element id (QUESTION.OPTION for options) */
  const char *change;   /* "added", "removed" or "changed" */
  cb_log_field *fields; /* for "changed": what changed */
  size_t n_fields;
} cb_log_entry;

/* The commits that changed the element id (a case, question, criterion,
 * or an option as QUESTION.OPTION), newest first, from the commit ctx's
 * book was read at, following first parents. *out is an array of *n
 * entries in ctx's arena. Returns 0; CB_ENOTFOUND when no element of
 * that id is in the book or its history (cb_ctx_error() says so, with a
 * "did you mean") or the book is not in git; another negative code when
 * the repository cannot be read. */
int cb_book_log(const cb_log_entry **out, size_t *n, cb_ctx *ctx,
                const cb_book *book, const char *id);

/* ---- Diff ------------------------------------------------------------ */

/* Compares two books (loaded by any contexts, e.g. two revisions) model
 * to model and sets *out to an array of *n changes from old_book to
 * new_book, in a deterministic order (docs/diff.md lists every kind and
 * its category). The array and its strings live in ctx's arena; each
 * change's loc is in new_book (line 0 for a removed element: the file of
 * its chapter when new_book still has it, else UINT32_MAX). Returns 0 or
 * CB_ENOMEM / CB_EUSAGE with cb_ctx_error() set. */
int cb_book_diff(const cb_change **out, size_t *n, cb_ctx *ctx,
                 const cb_book *old_book, const cb_book *new_book);

/* "breaking", "gold", "semantic", "additive", "cosmetic" or "trust"
 * (static). */
const char *cb_change_category_name(cb_change_category c);

typedef enum cb_diff_format {
  CB_DIFF_TEXT = 0, /* for a terminal; color adds ANSI colours */
  CB_DIFF_MARKDOWN, /* for a pull-request comment */
  CB_DIFF_JSON      /* schemas/diff.schema.json */
} cb_diff_format;

/* Prints n changes of old_book -> new_book (labels: how the two sides are
 * named, e.g. the revisions as given) to fp. Untrusted text is cleaned or
 * escaped for the format. Returns 0, or CB_ENOMEM / CB_EIO with ctx's
 * error set. */
int cb_diff_print(FILE *fp, cb_ctx *ctx, const cb_change *changes, size_t n,
                  const cb_book *old_book, const char *old_label,
                  const cb_book *new_book, const char *new_label,
                  cb_diff_format fmt, int color);

/* Fills the history of ctx's book against base (the book at revision
 * since, shown as label): book->since, since_label, changes (the diff
 * base -> book) and each question's, option's, criterion's and case's
 * history.state (added, or changed other than cosmetically). Call after
 * cb_book_load and before emitting. Returns 0 or a negative code. */
int cb_book_set_base(cb_ctx *ctx, const cb_book *base, const char *since,
                     const char *label);

/* Like cb_book_check, with previous (the book at the revision of
 * `check --against`, NULL for none) given to the rules as book.previous
 * and the changes previous -> book as book.changes. */
int cb_book_check_against(cb_ctx *ctx, const cb_book *book,
                          const cb_book *previous);

/* The most recent tag reachable from the first parent of rev (NULL: HEAD)
 * in the git repository holding dir: the default base of the changed
 * markers. *out is malloc'd (free()), NULL when there is none or dir is
 * not in a repository. Returns 0, or a negative code for a revision that
 * does not exist. */
int cb_project_previous_tag(char **out, cb_ctx *ctx, const char *dir,
                            const char *rev);

/* ---- The output directory ---------------------------------------------- */

/* Opens and locks outdir for a build of the project in dir (checked to
 * exist first, outside --rev) with ctx, until cb_ctx_free: created
 * when missing, refused when it is a symbolic link; a second build into
 * it waits (saying so once on stderr unless quiet) for the first to end.
 * Temporary files left by a killed build are removed, nothing below it is
 * ever written or removed through a symbolic link, and a project holding
 * it does not read it. Call it before cb_build_cache_open and
 * cb_book_load; cb_book_emit takes it itself when it was not taken.
 * Returns 0 or a negative code with cb_ctx_error() set. */
int cb_build_lock(cb_ctx *ctx, const char *dir, const char *outdir);

/* ---- The incremental build cache (docs/cache.md) ------------------------ */

/* Makes the next cb_book_load of ctx use the cache of a build into outdir
 * (kept in outdir/.cache): chapters that did not change are not parsed
 * again; when nothing at all changed since the last build into outdir,
 * cb_book_load replays that build's diagnostics into ctx and gives a NULL
 * book (nothing is to be written then). options names, as text, every
 * other choice that changes the outputs (say "--since=v1.2"), NULL if
 * none. Returns 0 or CB_ENOMEM; a cache that cannot be read or written
 * only makes the build slower. */
int cb_build_cache_open(cb_ctx *ctx, const char *outdir, const char *options);

/* Records the build of book just written into the cache's outdir (call
 * it only when cb_book_check_and_emit succeeded). */
void cb_build_cache_save(cb_ctx *ctx, const cb_book *book);

/* What the cache gave the last cb_book_load of ctx: the book's chapters
 * and how many of them came from the cache (0 and 0 without a cache). */
void cb_build_cache_counts(const cb_ctx *ctx, size_t *chapters,
                           size_t *cached);

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
