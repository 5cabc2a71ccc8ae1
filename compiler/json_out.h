/*
 * json_out.h: JSON text from jansson values, byte for byte as jansson
 * writes it, without its per-character cost (json_out.c).
 */
#ifndef CB_JSON_OUT_H
#define CB_JSON_OUT_H

#include <jansson.h>
#include <stddef.h>

#include "alloc.h"
#include "ctx.h"

/* Appends s[0..len) as a JSON string: '"', '\\' and control characters
 * escaped as jansson escapes them (\b \f \n \r \t, else \u00XX), every
 * other byte as it is. s must be valid UTF-8 (it may hold NUL). */
void cb_json__string(cb_buf *out, const char *s, size_t len);

/* Appends v as json_dump_callback(v, JSON_INDENT(indent) |
 * JSON_PRESERVE_ORDER) writes it (indent >= 1), objects in insertion
 * order. Returns 0, or -1 when out of memory (out->failed set). */
int cb_json__dump(cb_buf *out, const json_t *v, int indent);

/* As cb_json__dump for a value written at nesting depth depth: its
 * contents are indented as they would be inside depth containers (for a
 * file written one array element at a time). */
int cb_json__dump_at(cb_buf *out, const json_t *v, int indent, int depth);

/* Writes root and a newline, as cb_json__dump with an indent of 2, to path
 * atomically, fsync'ed, and left alone when it already holds these bytes
 * (every whole JSON file of a build). Returns 0 or a negative code with
 * ctx's error set (a NULL path or root is out of memory). */
int cb_json__write_file(cb_ctx *ctx, const char *path, const json_t *root);

#endif
