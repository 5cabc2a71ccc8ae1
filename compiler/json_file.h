/* SPDX-License-Identifier: MIT */
/*
 * json_file.h: whole JSON files of a build, written atomically
 * (json_file.c, over json_out.h and output.h).
 */
#ifndef CB_JSON_FILE_H
#define CB_JSON_FILE_H

#include <jansson.h>

#include "alloc.h"
#include "ctx.h"

/* Writes the JSON text in text and a newline to path atomically,
 * fsync'ed, and left alone when it already holds these bytes; frees
 * text's memory. A text whose failed flag is set is out of memory.
 * Returns 0 or a negative code with ctx's error set. */
int cb_json_file__write_text(cb_ctx *ctx, const char *path, cb_buf *text);

/* Writes root as cb_json__dump with an indent of 2 does, through
 * cb_json_file__write_text (every whole JSON file of a build built as a
 * jansson tree). Returns 0 or a negative code with ctx's error set (a
 * NULL path or root is out of memory). */
int cb_json_file__write(cb_ctx *ctx, const char *path, const json_t *root);

#endif
