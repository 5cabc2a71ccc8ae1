/*
 * output.h: writing output files atomically.
 *
 * Every file of a build is written to a temporary file in its final
 * directory (".NAME.tmp-PID-N"), then renamed over the final name, so a
 * reader never sees a half-written file and an interrupted build leaves
 * either the old file or the new one. On any failure the temporary file
 * is removed and the function returns CB_EIO with ctx's error set.
 *
 * Files opened with CB_OUTPUT_SYNC are also fsync'ed before the rename,
 * so that they survive a crash of the machine (the rubric files); the HTML
 * pages are not, because thousands of fsyncs would cost more than the
 * whole compilation and a lost preview page is rebuilt by the next build.
 */
#ifndef CB_OUTPUT_H
#define CB_OUTPUT_H

#include <stddef.h>

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
 * that this one did not write. Returns 0 or CB_EIO. */
int cb_output__prune(cb_ctx *ctx, const char *dir, const char *suffix,
                     int (*keep)(const char *name, void *data), void *data);

#endif
