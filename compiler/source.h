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
 */
#ifndef CB_SOURCE_H
#define CB_SOURCE_H

#include <stddef.h>

#include "ctx.h"
#include "git.h"

typedef struct cb_source cb_source;

/* Opens the working tree at root. Returns 0, or CB_ENOTFOUND/CB_EIO with
 * ctx's error set when root is not a readable directory. *out is the
 * caller's, released with cb_source__free. */
int cb_source__open_fs(cb_source **out, cb_ctx *ctx, const char *root);

/* Opens a set of files given in memory (copied into ctx's arena). */
int cb_source__open_files(cb_source **out, cb_ctx *ctx,
                          const cb_source_file *files, size_t n);

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
 * '_'. The array and strings live in ctx's arena. A git source reports
 * the entries it cannot read as files (submodules, symbolic links) as
 * warnings and leaves them out. */
int cb_source__list(cb_source *src, const char ***out, size_t *n);

/* The files directly in the directory dir (relative, no trailing '/'),
 * names only, those starting with '.' left out, in byte order; no such
 * directory gives *n = 0. The array and strings live in ctx's arena. */
int cb_source__list_dir_in(cb_source *src, cb_ctx *ctx, const char *dir,
                           const char ***out, size_t *n);

/* The bytes of path (relative), NUL-terminated, in ctx's arena. Returns 0,
 * CB_ENOTFOUND when there is no such file, CB_EIO when it cannot be read
 * (ctx's error set). */
int cb_source__read(cb_source *src, const char *path, const char **out,
                    size_t *len);

/* The same in ctx, failing with CB_EIO when the file is larger than max
 * (max 0: no limit). CB_ENOTFOUND sets no error. */
int cb_source__read_in(cb_source *src, cb_ctx *ctx, const char *path,
                       size_t max, const char **out, size_t *len);

/* The blob id of path in a git source (0), CB_ENOTFOUND otherwise. */
int cb_source__blob_id(cb_source *src, const char *path, git_oid *out);

#endif
