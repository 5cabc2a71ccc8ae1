/*
 * export_util.h: what the Label Studio and Argilla exports share: the
 * input fields a project's final cases have, the gold answer of a question
 * for a case or one of its responses, a reading of simple `when`
 * expressions as "question is one of these options", and JSON built with
 * jansson from untrusted text (cleaned to valid UTF-8) and written
 * atomically.
 */
#ifndef CB_EXPORT_UTIL_H
#define CB_EXPORT_UTIL_H

#include <jansson.h>

#include "ctx.h"

/* ---- JSON ------------------------------------------------------------ */

/* A JSON builder: a NULL from jansson sets failed, and the functions go on
 * (jansson ignores NULL values); the caller checks failed at the end. */
typedef struct cb_xjson {
  cb_ctx *ctx;
  cb_buf tmp; /* scratch for cleaned text */
  int failed;
} cb_xjson;

/* A JSON string of s[0..len) with invalid UTF-8 replaced by U+FFFD. */
json_t *cb_export__strn(cb_xjson *w, const char *s, size_t len);
/* The same for a NUL-terminated s; JSON null when s is NULL. */
json_t *cb_export__str(cb_xjson *w, const char *s);
json_t *cb_export__int(cb_xjson *w, long long n);
json_t *cb_export__real(cb_xjson *w, double x);
json_t *cb_export__obj(cb_xjson *w);
json_t *cb_export__arr(cb_xjson *w);
/* obj[key] = value (value stolen; key cleaned like a string). */
void cb_export__set(cb_xjson *w, json_t *obj, const char *key, json_t *value);
/* arr += value (stolen). */
void cb_export__push(cb_xjson *w, json_t *arr, json_t *value);

/* A JSON array written to its file one element at a time, with the bytes
 * cb_json__write_file would write for the whole array: the file of a
 * large book's tasks or records never has to be held in memory, as a tree
 * or as text. */
typedef struct cb_xarray {
  struct cb_output *f;
  cb_buf text; /* one element's text */
  size_t n;    /* elements written */
} cb_xarray;

/* Opens path (atomic, fsync'ed, left alone when unchanged). Returns 0 or a
 * negative code with ctx's error set; on failure a is already discarded. */
int cb_export__array_open(cb_xarray *a, cb_ctx *ctx, const char *path);

/* Writes item (stolen; NULL is an out-of-memory failure). Returns 0 or a
 * negative code with ctx's error set. */
int cb_export__array_add(cb_xarray *a, cb_ctx *ctx, json_t *item);

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
  const char *response; /* CB_XF_RESPONSE: the response name ("" unnamed) */
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

/* The text of field f in case c (system, context, prompt: the inputs of
 * that kind joined by a blank line; a response: its text) into out
 * (reset first). Returns 0 when the case has no such input. */
int cb_export__case_text(cb_buf *out, const cb_case *c, const cb_xfield *f);

/* The response fields a pairwise or rank question compares: the
 * question's `responses` when given; else, for pairwise, the responses of
 * the final cases that have exactly two; else every response field with a
 * name. *out is in ctx's arena (pointers into layout). Returns the
 * count, or (size_t)-1 when out of memory. */
size_t cb_export__compared(const cb_xfield ***out, cb_ctx *ctx,
                           const cb_book *book, const cb_xlayout *layout,
                           const cb_question *q);

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

#endif
