/* SPDX-License-Identifier: MIT */
/*
 * source.h: where the project's files come from. The rest of the compiler
 * asks for a sorted list of paths and for the bytes of one path, and does
 * not know whether they come from the disk, from memory or from a git
 * tree. A cb_source is a small vtable with three backends.
 *
 * The _in variants take the context to allocate in and to report to, so
 * that other threads (with contexts of their own) can read through a
 * source opened by the loading context; the others use the context the
 * source was opened with.
 *
 * A project is untrusted (anyone who can commit writes it): no backend
 * follows a symbolic link, and the listing is the gate of the project
 * (see cb_source__list).
 */
#ifndef CB_SOURCE_H
#define CB_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"
#include "git.h"

/* The limits on a project's files (docs/limits.md): one file, and all
 * the listed files together. Above the first a file is an error
 * diagnostic and is not read; above the second the project is not
 * read. */
#define CB_SOURCE_FILE_MAX ((uint64_t)128 << 20)
#define CB_SOURCE_TOTAL_MAX ((uint64_t)1 << 30)

typedef struct cb_source cb_source;

/* Opens the working tree at root. Returns 0, or CB_ENOTFOUND/CB_EIO with
 * ctx's error set when root is not a readable directory. *out is the
 * caller's, released with cb_source__free. */
int cb_source__open_fs(cb_source **out, cb_ctx *ctx, const char *root);

/* Leaves the directory (dev, ino) out of a working tree: not listed, not
 * read, wherever it lies in the project (the output directory of the
 * build). Directories that hold a build's lock file (CB_OUTPUT_LOCK_NAME)
 * are left out as well. Returns 0, or CB_EUSAGE with ctx's error set
 * when it is the project directory itself. Other sources ignore it. */
int cb_source__exclude_dir(cb_source *src, dev_t dev, ino_t ino);

/* Opens a set of files given in memory (copied into ctx's arena). */
int cb_source__open_files(cb_source **out, cb_ctx *ctx,
                          const cb_source_file *files, size_t n);

/* Lays files given in memory (copied into the arena of the context src
 * was opened with) over a working tree opened by cb_source__open_fs: a
 * path among them reads as they say, whatever the disk holds, and is
 * listed even when the disk has no such file (an editor's unsaved
 * buffers). Once, before the first listing. Returns 0 or CB_ENOMEM. */
int cb_source__overlay(cb_source *src, const cb_source_file *files,
                       size_t n);

/* Opens the project directory of git (cb_git__prefix) at revision rev
 * (NULL: HEAD), read from the object database: no checkout, no
 * temporary file, no lock. git is borrowed and must outlive the source.
 * *commit_out, when not NULL, receives the resolved commit (NULL for a
 * tree spec), the caller's to git_commit_free. Errors as cb_git__resolve
 * (an unknown revision, a revision without the project directory). */
int cb_source__open_git(cb_source **out, cb_ctx *ctx, cb_git *git,
                        const char *rev, git_commit **commit_out);

void cb_source__free(cb_source *src);

/* Every file below the root, as '/'-separated relative paths in byte
 * order, skipping directories and files whose name starts with '.' or
 * '_'. The array and strings live in ctx's arena. Left out, each with a
 * diagnostic: symbolic links (warning "symlink", in a working tree as in
 * a revision; a link to a directory is not entered), files larger than
 * CB_SOURCE_FILE_MAX (error "file-too-large", measured from a blob's
 * header without inflating it), submodules (warning "git-submodule").
 * The output directory of cb_source__exclude_dir is left out silently.
 * Files that total more than CB_SOURCE_TOTAL_MAX: CB_EIO, ctx's error
 * set. A path the listing could show but does not is not read afterwards
 * (CB_ENOTFOUND). */
int cb_source__list(cb_source *src, const char ***out, size_t *n);

/* The files directly in the directory dir (relative, no trailing '/'),
 * names only, those starting with '.' left out, links left out, in byte
 * order; no such directory (or a link to one) gives *n = 0. The array and
 * strings live in ctx's arena. */
int cb_source__list_dir_in(cb_source *src, cb_ctx *ctx, const char *dir,
                           const char ***out, size_t *n);

/* The bytes of path (relative), NUL-terminated, in ctx's arena. Returns 0,
 * CB_ENOTFOUND when there is no such file (or the listing left it out),
 * CB_EIO when it cannot be read: a symbolic link in any of its
 * components, not a regular file, larger than CB_SOURCE_FILE_MAX (ctx's
 * error set). */
int cb_source__read(cb_source *src, const char *path, const char **out,
                    size_t *len);

/* The same in ctx, failing with CB_EIO when the file is larger than max
 * (max 0: CB_SOURCE_FILE_MAX). CB_ENOTFOUND sets no error. */
int cb_source__read_in(cb_source *src, cb_ctx *ctx, const char *path,
                       size_t max, const char **out, size_t *len);

/* The blob id of path in a git source (0), CB_ENOTFOUND otherwise. */
int cb_source__blob_id(cb_source *src, const char *path, git_oid *out);

#endif
