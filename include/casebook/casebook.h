/* SPDX-License-Identifier: MIT */
/*
 * casebook/casebook.h: the public API of libcasebook, every header of
 * include/casebook/ at once.
 *
 * A compilation goes through one cb_ctx (context.h): it owns the arena
 * that holds the model (model.h), the diagnostics sink (diag.h) and the
 * options. The pipeline is
 *
 *   cb_book_load   source -> parse -> extract -> model (+ manifest)
 *                                                           (load.h)
 *   cb_book_check  Lua rules over the model -> diagnostics  (check.h)
 *   cb_book_emit   html/, rubric.json, gold.jsonl           (emit.h)
 *
 * beside which sit the versions of a book in git (history.h, diff.h),
 * the incremental build cache (cache.h), project scaffolding
 * (project.h), the Markdown renderer (markdown.h), the preview server
 * and the project watcher of `casebook serve` (serve.h) and the
 * library's version (version.h).
 *
 * Errors (errors.h): functions that can fail return 0 or a negative CB_E*
 * code and leave a message in cb_ctx_error(). Problems in the user's
 * casebook are never errors of this kind: they are diagnostics, collected
 * in the context, and the compilation goes on.
 *
 * Threads. Contexts are independent: any function may be called from
 * several threads at once as long as each thread works with contexts of
 * its own (the process-wide set-up of libgit2, libxml2 and the Markdown
 * extensions is done once, whichever thread comes first, and the locks
 * of the output directories are shared under a mutex). One context is
 * not to be used by two threads at the same time: the caller serializes
 * every call that takes the same cb_ctx, including the ones that only
 * report or read diagnostics. A loaded book is read-only: the lookups of
 * model.h, cb_book_diff (which writes only into its own ctx) and plain
 * reads of the model may run on any number of threads while nothing
 * changes the book (cb_book_load_history and cb_book_set_base change it;
 * cb_ctx_free of the context that loaded it ends it). The functions that
 * take no context (cb_version, the *_name functions, cb_suggest,
 * cb_print_text, cb_markdown_to_html) may be called from any thread.
 * cb_book_check_and_emit and cb_book_emit start threads of their own,
 * each with a context of its own, and are done with them when they
 * return. The library reads a few environment variables (docs/api.md)
 * and does not change them; a program that calls setenv() while a
 * compilation runs on another thread is on its own.
 */
#ifndef CASEBOOK_CASEBOOK_H
#define CASEBOOK_CASEBOOK_H

#include "casebook/common.h"
#include "casebook/version.h"
#include "casebook/errors.h"
#include "casebook/context.h"
#include "casebook/model.h"
#include "casebook/diag.h"
#include "casebook/load.h"
#include "casebook/check.h"
#include "casebook/emit.h"
#include "casebook/diff.h"
#include "casebook/history.h"
#include "casebook/cache.h"
#include "casebook/grade.h"
#include "casebook/project.h"
#include "casebook/markdown.h"
#include "casebook/serve.h"
#include "casebook/lsp.h"

#endif
