/* SPDX-License-Identifier: MIT */
/*
 * json_out.h: JSON text byte for byte as jansson writes it (json_dump
 * with JSON_INDENT(n) | JSON_PRESERVE_ORDER), without its per-character
 * cost, from jansson values or written value by value with no tree
 * (json_out.c).
 */
#ifndef CB_JSON_OUT_H
#define CB_JSON_OUT_H

#include <jansson.h>
#include <stddef.h>

#include "alloc.h"

/* Appends s[0..len) as a JSON string: invalid UTF-8 replaced by U+FFFD
 * (one per maximal ill-formed subpart, as cb_utf8__text_fix does), '"',
 * '\\' and control characters escaped as jansson escapes them (\b \f \n
 * \r \t, else \u00XX), every other byte as it is. s may hold NUL. */
void cb_json__string(cb_buf *out, const char *s, size_t len);

/* Writes n in decimal into buf, NUL-terminated, as "%lld" would.
 * Returns its length. */
size_t cb_json__digits(char buf[24], long long n);

/* A JSON text written value by value into out, with the bytes
 * cb_json__dump writes for the same tree. Open containers with
 * cb_json__begin_object/array, give each member of an object its key
 * first, and close them in order; every function appends to out, whose
 * failed flag tells the caller at the end whether memory ran out. */
typedef struct cb_json_writer {
  cb_buf *out;
  int indent; /* spaces per level, >= 1 */
  int depth;  /* containers open around the next value */
  int first;  /* the innermost container has no element yet */
  int keyed;  /* the next value follows a key (or starts the text) */
} cb_json_writer;

/* Starts a writer of one value at nesting depth depth: its contents are
 * indented as they would be inside depth containers (0 for a whole file;
 * 1 for an element of a file written one element at a time). */
void cb_json__writer_init(cb_json_writer *w, cb_buf *out, int indent,
                          int depth);

void cb_json__begin_object(cb_json_writer *w);
void cb_json__end_object(cb_json_writer *w);
void cb_json__begin_array(cb_json_writer *w);
void cb_json__end_array(cb_json_writer *w);

/* The key of the next member of the open object, cleaned and escaped as
 * a string (a NUL-terminated key, as jansson's are). */
void cb_json__key(cb_json_writer *w, const char *key);

/* Values. put_string writes s[0..len) as cb_json__string does; put_cstr
 * the same for a NUL-terminated s, and null when s is NULL. */
void cb_json__put_string(cb_json_writer *w, const char *s, size_t len);
void cb_json__put_cstr(cb_json_writer *w, const char *s);
void cb_json__put_int(cb_json_writer *w, long long n);
void cb_json__put_bool(cb_json_writer *w, int b);
void cb_json__put_null(cb_json_writer *w);
/* A jansson value (a NULL v is out of memory: out->failed is set). */
void cb_json__put_value(cb_json_writer *w, const json_t *v);

/* Appends v as json_dump_callback(v, JSON_INDENT(indent) |
 * JSON_PRESERVE_ORDER) writes it (indent >= 1), objects in insertion
 * order. Returns 0, or -1 when out of memory (out->failed set). */
int cb_json__dump(cb_buf *out, const json_t *v, int indent);

#endif
