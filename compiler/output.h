/* SPDX-License-Identifier: MIT */
/*
 * output.h: writing output files atomically.
 *
 * Every file of a build is written to a temporary file in its final
 * directory (".NAME.tmp-PID-N"), then renamed over the final name, so a
 * reader never sees a half-written file and an interrupted build leaves
 * either the old file or the new one. On any failure the temporary file
 * is removed and the function returns CB_EIO with ctx's error set.
 *
 * The output directory of a build is opened once (cb_output__begin):
 * it is locked for the length of the build, and every file, directory
 * and removal below it is made relative to it, one component at a time,
 * so that nothing is ever written or removed through a symbolic link
 * planted in the output tree (a committed `_build/html/assets/x ->
 * ~/.ssh`): such a link is an error naming it. The temporary files of a
 * killed build are removed by the next one.
 *
 * A context with no_output set (ctx.h) writes nothing: mkdirs, open,
 * write, commit, file, prune and remove succeed without touching the
 * file system, and what is written is dropped as it comes. `check` runs
 * the exporters so, for their diagnostics.
 *
 * Files opened with CB_OUTPUT_SYNC are also fsync'ed before the rename,
 * so that they survive a crash of the machine (the rubric files); the HTML
 * pages are not, because thousands of fsyncs would cost more than the
 * whole compilation and a lost preview page is rebuilt by the next build.
 */
#ifndef CB_OUTPUT_H
#define CB_OUTPUT_H

#include <stddef.h>
#include <sys/types.h>

#include "ctx.h"

enum {
  CB_OUTPUT_SYNC = 1, /* fsync before the rename */
  /* Leave the file alone when it already holds exactly these bytes: the
   * bytes written are compared with the existing file as they come, and
   * the temporary file is only created at the first difference (starting
   * with the part that matched). A rebuild then rewrites only files that
   * changed: on ext4 every rename over an existing file forces the new
   * data to disk (auto_da_alloc) and new inodes are slow to allocate
   * after many deletions, which made rewriting an unchanged 2,000-page
   * site cost seconds. */
  CB_OUTPUT_KEEP_SAME = 2
};

typedef struct cb_output cb_output;

/* The lock file of an output directory (flock'ed by a build). A directory
 * holding one is an output directory, never read as part of a project. */
#define CB_OUTPUT_LOCK_NAME ".casebook-lock"

/* Opens outdir as the output directory of a build of ctx: creates it
 * (and its missing parents, as named), refuses it when it is itself a
 * symbolic link, locks it (another build into it holds the lock: says so
 * once on stderr unless quiet, and waits), and removes the temporary
 * files of killed builds below it (regular files named as
 * cb_output__is_tmp_name, links not followed). From then on, until
 * cb_output__end(ctx), every function below given a path under outdir
 * (outdir joined with '/' and a relative path, from any context or
 * thread) resolves it relative to the open directory and refuses a link
 * in any component. Again with the same ctx and outdir: 0, nothing done;
 * the same directory by another name is added under that name too. A
 * directory another context of this process holds (its lock would never
 * be released while this one waited): CB_EIO. Returns 0, CB_ENOMEM or
 * CB_EIO (ctx's error set). */
int cb_output__begin(cb_ctx *ctx, const char *outdir);

/* Releases the output directories ctx opened (closing them, which
 * releases their locks). cb_ctx_free calls it. */
void cb_output__end(const cb_ctx *ctx);

/* The device and inode of the (first) output directory ctx opened: 0, or
 * CB_ENOTFOUND when it opened none. */
int cb_output__root_id(const cb_ctx *ctx, dev_t *dev, ino_t *ino);

/* 1 when name has the form of our temporary files, ".NAME.tmp-PID-N". */
int cb_output__is_tmp_name(const char *name);

/* Creates directory path and its missing parents (mode 0777 & ~umask).
 * Returns 0, or CB_EIO with ctx's error set. */
int cb_output__mkdirs(cb_ctx *ctx, const char *path);

/* Opens a temporary file next to path for writing. *out is the caller's:
 * it must be finished with cb_output__commit or cb_output__discard, which
 * free it. Returns 0, CB_ENOMEM or CB_EIO (ctx's error set). */
int cb_output__open(cb_output **out, cb_ctx *ctx, const char *path, int flags);

/* Appends len bytes (buffered). Returns 0 or CB_EIO; after a failure the
 * file can only be discarded. */
int cb_output__write(cb_output *f, const void *data, size_t len);

/* Flushes, fsyncs when asked, closes and renames the temporary file to its
 * final path, then frees f. On failure the temporary file is removed.
 * Returns 0 or CB_EIO (ctx's error set). */
int cb_output__commit(cb_output *f);

/* Closes and removes the temporary file and frees f. NULL is ok. */
void cb_output__discard(cb_output *f);

/* Writes a whole file atomically: open, write, commit. */
int cb_output__file(cb_ctx *ctx, const char *path, const void *data, size_t len,
                    int flags);

/* Removes the regular files of directory dir whose name ends with suffix
 * and for which keep(name, data) returns 0: the pages of an earlier build
 * that this one did not write. Links, directories and anything else are
 * left alone, and a dir reached through a link is an error. Returns 0 or
 * CB_EIO. */
int cb_output__prune(cb_ctx *ctx, const char *dir, const char *suffix,
                     int (*keep)(const char *name, void *data), void *data);

/* Opens the file at path for reading, under an output directory without
 * following any link (elsewhere, a link as the last component is
 * refused): the descriptor, CB_ENOTFOUND (no such file, no error set),
 * or CB_EIO (ctx's error set). For the build cache's own files. */
int cb_output__read_fd(cb_ctx *ctx, const char *path);

/* Removes the regular file at path (nothing else: not a link, not a
 * directory), under an output directory without following any link.
 * Returns 0 (also when there is no such file) or CB_EIO. */
int cb_output__remove(cb_ctx *ctx, const char *path);

#endif
