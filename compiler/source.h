/*
 * source.h: where the project's files come from. The rest of the compiler
 * asks for a sorted list of paths and for the bytes of one path, and does
 * not know whether they come from the disk or (later) a git tree.
 */
#ifndef CB_SOURCE_H
#define CB_SOURCE_H

#include <stddef.h>

#include "ctx.h"

typedef struct cb_source cb_source;

/* Opens the working tree at root. Returns 0, or CB_ENOTFOUND/CB_EIO with
 * ctx's error set when root is not a readable directory. *out is the
 * caller's, released with cb_source__free. */
int cb_source__open_fs(cb_source **out, cb_ctx *ctx, const char *root);
void cb_source__free(cb_source *src);

/* Opens a set of files given in memory (copied into ctx's arena). */
int cb_source__open_files(cb_source **out, cb_ctx *ctx,
                          const cb_source_file *files, size_t n);

/* Every regular file below the root, as '/'-separated relative paths in
 * byte order, skipping directories whose name starts with '.' or '_'.
 * The array and strings live in ctx's arena. */
int cb_source__list(cb_source *src, const char ***out, size_t *n);

/* The bytes of path (relative), NUL-terminated, in ctx's arena. Returns 0,
 * CB_ENOTFOUND when there is no such file, CB_EIO when it cannot be read
 * (ctx's error set). */
int cb_source__read(cb_source *src, const char *path, const char **out,
                    size_t *len);

#endif
