/* SPDX-License-Identifier: MIT */
/*
 * export_util.h: what the Label Studio and Argilla exports share: the
 * input fields a project's final cases have, the gold answer of a question
 * for a case or one of its responses, a reading of simple `when`
 * expressions as "question is one of these options", and JSON arrays
 * written to their file one element at a time.
 */
#ifndef CB_EXPORT_UTIL_H
#define CB_EXPORT_UTIL_H

#include "ctx.h"
#include "json_out.h"

/* ---- JSON ------------------------------------------------------------ */

/* A JSON array written to its file one element at a time, with the bytes
 * cb_json_file__write would write for the whole array: the file of a
 * large book's tasks or records never has to be held in memory, as a tree
 * or as text, and no element is ever a tree (cb_json_writer). */
typedef struct cb_xarray {
  struct cb_output *f;
  cb_buf text;      /* elements not yet written to f */
  cb_json_writer w; /* writes the element being added */
  size_t n;         /* elements added */
} cb_xarray;

/* Opens path (atomic, fsync'ed, left alone when unchanged). Returns 0 or a
 * negative code with ctx's error set; on failure a is already discarded. */
int cb_export__array_open(cb_xarray *a, cb_ctx *ctx, const char *path);

/* Starts the next element: returns the writer (borrowed from a) to write
 * it with, as one value. A caller whose own allocation fails meanwhile
 * sets the writer's out->failed. */
cb_json_writer *cb_export__array_next(cb_xarray *a);

/* Ends the element started by cb_export__array_next. Returns 0 or a
 * negative code with ctx's error set (CB_ENOMEM when its text failed). */
int cb_export__array_add(cb_xarray *a, cb_ctx *ctx);

/* Ends the array and commits the file. Returns 0 or a negative code. */
int cb_export__array_close(cb_xarray *a);

/* Abandons the file (after a failure). */
void cb_export__array_discard(cb_xarray *a);

/* ---- Input fields ---------------------------------------------------- */

typedef enum cb_xfield_kind {
  CB_XF_SYSTEM = 0,
  CB_XF_CONTEXT,
  CB_XF_PROMPT,   /* only when no case has conversation turns */
  CB_XF_DIALOGUE, /* user/assistant turns, the prompt folded in as a user
                     turn: present when some case has turns */
  CB_XF_RESPONSE
} cb_xfield_kind;

typedef struct cb_xfield {
  cb_xfield_kind kind;
  const char *response; /* CB_XF_RESPONSE: the response name
                           (CB_UNNAMED_RESPONSE for an unnamed one) */
  size_t n_cases;       /* final cases that have it */
} cb_xfield;

/* The fields of the final cases of a book, in a fixed order: system,
 * context, prompt or dialogue, then the responses in order of first
 * appearance. Arrays in ctx's arena. */
typedef struct cb_xlayout {
  cb_xfield *fields;
  size_t n_fields;
  size_t n_final;   /* final cases */
  int has_dialogue; /* some final case has user/assistant turns */
} cb_xlayout;

/* Fills out from book. Returns 0 or CB_ENOMEM (ctx's error set). */
int cb_export__layout(cb_xlayout *out, cb_ctx *ctx, const cb_book *book);

/* 1 when the case has an input for field f. */
int cb_export__case_has(const cb_case *c, const cb_xfield *f);

/* 1 when the response name resp is worth showing next to the word
 * "Response" in a title or a field key: not NULL, "" nor the name of an
 * unnamed response (CB_UNNAMED_RESPONSE), which the word alone says. */
int cb_export__shown_name(const char *resp);

/* The text of field f in case c (system, context, prompt: the inputs of
 * that kind joined by a blank line; a response: its text) into out
 * (reset first). Returns 0 when the case has no such input. */
int cb_export__case_text(cb_buf *out, const cb_case *c, const cb_xfield *f);

/* Writes the keys that trace case c back to its source, into the object
 * w is in: "case" (its id), file_key (its file's path, null when
 * unknown) and "line". */
void cb_export__case_origin(cb_json_writer *w, const cb_book *book,
                            const cb_case *c, const char *file_key);

/* The response fields a pairwise or rank question compares: the
 * question's `responses` when given; else, for pairwise, the responses of
 * the final cases that have exactly two; else every response field with a
 * name. *out is in ctx's arena (pointers into layout). Returns the
 * count, or (size_t)-1 when out of memory. */
size_t cb_export__compared(const cb_xfield ***out, cb_ctx *ctx,
                           const cb_book *book, const cb_xlayout *layout,
                           const cb_question *q);

/* The id a task or record of case c carries where the case must not be
 * recognised (exam and honeypot sets): "t" and 16 hex digits of a
 * SHA-256 of the case id, the same in every build; `grade` maps it back.
 * In ctx's arena; NULL when out of memory. */
const char *cb_export__task_id(cb_ctx *ctx, const cb_case *c);

/* ---- Gold answers ---------------------------------------------------- */

/* The gold answer of question qi in case c for response resp (NULL: the
 * case itself), as gold.jsonl has it: the value given last; NULL when
 * none. A per-response answer given in the property list of a case with
 * one response belongs to that response. */
const cb_answer *cb_export__answer(const cb_book *book, const cb_case *c,
                                   size_t qi, const char *resp);

/* 1 when answer a fits question q: its options are options of q, its
 * number is in q's scale. An answer that does not is an error a rule
 * reports; the exports leave it out rather than write a value the tool
 * would refuse. */
int cb_export__fits(const cb_question *q, const cb_answer *a);

/* ---- `when` ---------------------------------------------------------- */

/* A `when` read as "question `on` has one of `values`", the only kind of
 * condition the tools can show: `q == "a"`, `q ~= "a"` (every other
 * option), and several `==` of one question joined by `or`. */
typedef struct cb_xwhen {
  const cb_question *on; /* a choice or multi question */
  const char **values;   /* option ids, in the question's order */
  size_t n_values;
} cb_xwhen;

/* Reads q->when. Returns 1 and fills out (arrays in ctx's arena) when it
 * has that form, 0 when it has not (or q has no when), -1 when out of
 * memory. */
int cb_export__when(cb_xwhen *out, cb_ctx *ctx, const cb_book *book,
                    const cb_question *q);

/* ---- Markdown -------------------------------------------------------- */

/* Appends s (len bytes) as a fenced code block with info string info,
 * then a blank line: the fence is longer than any run of backticks in s
 * (at least three), so nothing in it can end the block. The text is
 * cleaned first: invalid UTF-8 and control characters are made visible,
 * as in HTML (cb_utf8__text_fix). */
void cb_export__fenced(cb_buf *out, const char *info, const char *s,
                       size_t len);

/* ---- Names ----------------------------------------------------------- */

enum {
  CB_XNAME_LOWER = 1, /* ASCII upper case to lower case */
  CB_XNAME_DASH = 2   /* keep '-' */
};

/* s with every byte outside [A-Za-z0-9_] (and '-' with CB_XNAME_DASH)
 * replaced by '_', in ctx's arena; "_" for an empty s; NULL when out of
 * memory. */
char *cb_export__name(cb_ctx *ctx, const char *s, int flags);

/* The title a tool shows for field f ("Prompt", "Response A"...), in b
 * (reset first). Returns b's text. */
const char *cb_export__field_title(cb_buf *b, const cb_xfield *f);

/* Appends the build's version stamp as one line of text (" casebook X
 * export; version V, commit C, describe D, date T, clean "), for the
 * comments of the Label Studio files. */
void cb_export__stamp_line(cb_buf *out, const cb_book *book);

#endif
