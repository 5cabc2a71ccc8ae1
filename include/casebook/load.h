/* SPDX-License-Identifier: MIT */
/*
 * casebook/load.h: reading a project into the model.
 *
 * cb_book_load runs source -> parse -> extract -> resolve (+ the
 * manifest) and leaves the book in the context's arena.
 */
#ifndef CASEBOOK_LOAD_H
#define CASEBOOK_LOAD_H

#include <stddef.h>

#include "casebook/common.h"
#include "casebook/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the project in dir (working tree, or ctx's rev), runs the manifest,
 * parses and extracts every chapter, and resolves links. The book is
 * borrowed from ctx. Problems in the casebook become diagnostics; the
 * return value is negative only when the project cannot be read at all.
 *
 * cb_book_load reads cb_options.rev from its git repository (found from
 * dir upwards; dir may be any subdirectory of a working tree, or a bare
 * repository) straight from the object database, and fills book->stamp
 * (docs/versions.md). */
CB_EXTERN int cb_book_load(const cb_book **out, cb_ctx *ctx, const char *dir);

/* A file given in memory, for cb_book_load_files. */
typedef struct cb_source_file {
  const char *path; /* project-relative, '/' separated */
  const char *text;
  size_t len;
} cb_source_file;

/* Like cb_book_load, from files in memory instead of a directory (an
 * editor's unsaved buffers, a test, a fuzzer). The texts are copied. The
 * project has no directory: no project rules or templates are read. */
CB_EXTERN int cb_book_load_files(const cb_book **out, cb_ctx *ctx,
                                 const cb_source_file *files, size_t n);

/* Like cb_book_load of the working tree dir, with files (an editor's
 * unsaved buffers, paths relative to dir) read in place of what the disk
 * holds at their paths, and listed when the disk has no such file. The
 * project's rules and templates come from the same overlay. The texts
 * are copied. No git repository is opened: the book has no stamp and
 * cb_options.rev is not read. */
CB_EXTERN int cb_book_load_overlay(const cb_book **out, cb_ctx *ctx,
                                   const char *dir,
                                   const cb_source_file *files, size_t n);

#ifdef __cplusplus
}
#endif
#endif
