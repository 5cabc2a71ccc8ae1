/* SPDX-License-Identifier: MIT */
/*
 * fix.h: the fixes the diagnostics suggest, as edits (fix.c). `check
 * --fix` (cb_book_fix) applies them to the files; an editor (lsp.c)
 * offers them as code actions. Either way an edit is the diagnostic's
 * "did you mean" replacing the word it is about, found by the search
 * SARIF's fixes use (cb_diag_format__fix_span).
 */
#ifndef CB_FIX_H
#define CB_FIX_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

/* One replacement on one line of a book file. */
typedef struct cb_fix_edit {
  uint32_t file, line; /* book file index, 1-based line */
  uint32_t start, end; /* 1-based byte columns, end exclusive */
  size_t at;           /* offset of start in the file */
  const char *text;    /* the replacement (borrowed from the diagnostic) */
  const cb_diag *diag; /* the diagnostic that suggests it (ctx's) */
} cb_fix_edit;

/* The edits the diagnostics of ctx suggest for book's files, silenced
 * findings left out, sorted by file and offset; without overlapping, an
 * edit that overlaps the one before it is dropped (what one --fix run
 * applies). *out is cb_malloc'd, the caller's to cb_free; its diag
 * pointers live until ctx's diagnostics change. Returns 0 or CB_ENOMEM
 * (ctx's error set). */
int cb_fix__edits(cb_ctx *ctx, const cb_book *book, int overlapping,
                  cb_fix_edit **out, size_t *n);

#endif
