/* SPDX-License-Identifier: MIT */
/*
 * model_json.h: the model's values as every JSON output writes them
 * (model_json.c): cleaned strings and keys, the version stamp, a gold
 * answer's typed value, and the compact line writer of gold.jsonl.
 */
#ifndef CB_MODEL_JSON_H
#define CB_MODEL_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "ctx.h"

/* A JSON string of s[0..len) as every JSON output writes text: invalid
 * UTF-8 replaced by U+FFFD, every other byte kept (cb_utf8__text_fix).
 * tmp is scratch space for the cleaned copy (reset here; NULL: a buffer
 * of its own). Returns a new value, NULL only when out of memory. */
json_t *cb_model_json__str(cb_buf *tmp, const char *s, size_t len);

/* obj[key] = value, stealing value (released on failure too), with a key
 * from the casebook cleaned as cb_model_json__str cleans text. Returns 0,
 * or -1 when obj or value is NULL or out of memory. */
int cb_model_json__set(json_t *obj, const char *key, json_t *value);

/* The version stamp of book as a new JSON object (version, commit,
 * describe, date, dirty), for every output that records it; NULL when out
 * of memory. */
json_t *cb_model_json__stamp(const cb_book *book);

/* The typed value of a gold answer as gold.jsonl writes it (an option id,
 * an array of ids, a rank with tied names in nested arrays, a number, a
 * pairwise preference object, a text), as a new JSON value; NULL when
 * the answer has none, or when out of memory, with *failed then set. */
json_t *cb_model_json__answer(const cb_answer *a, int *failed);

/* One line of compact JSON written value by value, with the bytes jansson
 * would write (gold.jsonl's records, an answer's value): the writer puts
 * the commas and brackets, each value is cleaned and escaped by
 * cb_json__string. Start it as {book, &line, {0}, 0}; failures show in
 * line's failed flag. */
typedef struct cb_json_line {
  const cb_book *book; /* the book the values come from, for the caller */
  cb_buf *line;
  unsigned char first[8]; /* per open container: no comma needed yet */
  int depth;
} cb_json_line;

/* Opens an object ('{') or an array ('['), at most eight deep; closes
 * it. */
void cb_model_json__line_open(cb_json_line *g, char c);
void cb_model_json__line_close(cb_json_line *g, char c);

/* A string value s[0..len), or s (null when NULL); a number. */
void cb_model_json__line_strn(cb_json_line *g, const char *s, size_t len);
void cb_model_json__line_str(cb_json_line *g, const char *s);
void cb_model_json__line_int(cb_json_line *g, long long n);

/* "key": with key from the casebook (cleaned and escaped like a value;
 * NULL as ""), or with a constant key that needs no escaping (field). */
void cb_model_json__line_key(cb_json_line *g, const char *key);
void cb_model_json__line_field(cb_json_line *g, const char *key);

/* A constant string value that needs no escaping (an input kind). */
void cb_model_json__line_const(cb_json_line *g, const char *s);

/* The typed value of answer a, whose kind is not CB_V_NONE, as
 * cb_model_json__answer describes it. */
void cb_model_json__line_answer(cb_json_line *g, const cb_answer *a);

#endif
