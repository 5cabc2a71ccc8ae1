/* SPDX-License-Identifier: MIT */
/*
 * emit_json.h: the machine-readable outputs of `casebook build`:
 * rubric.json (the questions, options, criteria and chapters, with the
 * version stamp) and gold.jsonl (one line per final case).
 */
#ifndef CB_EMIT_JSON_H
#define CB_EMIT_JSON_H

#include <jansson.h>

#include "ctx.h"

/* A JSON string of s[0..len) as every JSON output writes text: invalid
 * UTF-8 replaced by U+FFFD, every other byte kept (cb_utf8__text_fix).
 * tmp is scratch space for the cleaned copy (reset here; NULL: a buffer
 * of its own). Returns a new value, NULL only when out of memory. */
json_t *cb_emit_json__str(cb_buf *tmp, const char *s, size_t len);

/* obj[key] = value, stealing value (released on failure too), with a key
 * from the casebook cleaned as cb_emit_json__str cleans text. Returns 0,
 * or -1 when obj or value is NULL or out of memory. */
int cb_emit_json__set(json_t *obj, const char *key, json_t *value);

/* The version stamp of book as a new JSON object (version, commit,
 * describe, date, dirty), for every output that records it; NULL when out
 * of memory. */
json_t *cb_emit_json__stamp(const cb_book *book);

/* The typed value of a gold answer as gold.jsonl writes it (an option id,
 * an array of ids, a rank with tied names in nested arrays, a number, a
 * pairwise preference object, a text), as a new JSON value; NULL when
 * the answer has none, or when out of memory, with *failed then set. */
json_t *cb_emit_json__answer(const cb_answer *a, int *failed);

/* The response a property-list answer of a per-response question belongs
 * to: the case's only response ("" when it is unnamed), or NULL when it
 * has none or several. Borrowed from the model. */
const char *cb_emit_json__only_response(const cb_case *c);

/* Writes rubric.json at path (atomically, fsync'ed). Returns 0 or a
 * negative code with ctx's error set. */
int cb_emit_json__rubric(cb_ctx *ctx, const cb_book *book, const char *path);

/* Writes gold.jsonl at path (atomically, fsync'ed), and next to it the
 * sidecar gold.meta.json (format, record count, version stamp). Returns 0
 * or a negative code with ctx's error set. */
int cb_emit_json__gold(cb_ctx *ctx, const cb_book *book, const char *path);

#endif
