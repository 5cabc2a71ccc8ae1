/* SPDX-License-Identifier: MIT */
/*
 * when.h: the `when` expression language of questions: one parser, one
 * evaluator, used by the rules (lua_when.c), the JSON Schema translation
 * (export_schema.c) and the tools' conditions (export_util.c).
 *
 * A `when` is a closed language: it reads answers and compares them with
 * literals, and nothing else. It cannot call a function, index anything
 * but an answer, compute, assign or reach a library, so evaluating one
 * takes time proportional to its length. The grammar (docs/format.md
 * "The `when` language" says the same for authors):
 *
 *   when     = or
 *   or       = and { "or" and }
 *   and      = unary { "and" unary }
 *   unary    = "not" negated | test
 *   negated  = "not" negated | primary          (a comparison after it is
 *                                                refused: `not a == b`)
 *   test     = primary [ relop primary | "in" set | "in" answer ]
 *   primary  = "(" or ")" | value
 *   value    = answer | "#" answer | literal
 *            | "has" "(" value "," value ")"    (the same as v in x)
 *   answer   = ref [ "." option | "[" integer "]" | "[" string "]" ]
 *   ref      = name | "_ENV" "[" string "]"
 *   set      = "{" literal { "," literal } [ "," ] "}"
 *   literal  = string | number | "-" number | "true" | "false"
 *   relop    = "==" | "~=" | "!=" | "<" | "<=" | ">" | ">="
 *
 * A name is a letter or '_' followed by letters, digits, '_' and '-'; it
 * reads the question of that id, or else the question whose id has '-'
 * or '.' where the name has '_' (over_refusal reads over-refusal). An
 * option after '.' may also start with a digit. Strings are in "..." or
 * '...' with the escapes \\ \" \' \n \t; numbers are decimal, with an
 * optional fraction and exponent. Comparisons do not chain; the operands
 * of a comparison are values, not conditions.
 *
 * Values (the same as the Lua the rules used to run): a choice or
 * pairwise answer is a string, a scale answer a number, a multi or rank
 * answer a list (x.opt is true when x holds opt, x[1] its first item,
 * #x its length), text and answers that did not parse their text.
 * Reading a question that is not answered makes the whole `when` false.
 *
 * Limits: CB_WHEN_MAX_LEN bytes and CB_WHEN_MAX_DEPTH levels of nesting
 * (parentheses and `not`); anything past them is refused when parsed.
 */
#ifndef CB_WHEN_H
#define CB_WHEN_H

#include <stddef.h>
#include <stdint.h>

#include "casebook/model.h"

#define CB_WHEN_MAX_LEN 4096
#define CB_WHEN_MAX_DEPTH 32

typedef enum cb_when_kind {
  CB_WN_NONE = 0, /* node 0: "no node" */
  CB_WN_TRUE,     /* literals */
  CB_WN_FALSE,
  CB_WN_NUM,    /* num */
  CB_WN_STR,    /* str, str_len */
  CB_WN_ANSWER, /* a question: name (str, str_len), question */
  CB_WN_MEMBER, /* a.(str): a list answer holds str */
  CB_WN_ITEM,   /* a[num] */
  CB_WN_COUNT,  /* #a */
  CB_WN_SET,    /* {a, ...}: the literals, linked by their b */
  CB_WN_CMP,    /* a op b */
  CB_WN_IN,     /* a in b (b a set or an answer); op 1: written has(b, a) */
  CB_WN_NOT,    /* not a */
  CB_WN_AND,    /* a and b (chains lean right: b may be another AND) */
  CB_WN_OR      /* a or b */
} cb_when_kind;

typedef enum cb_when_relop {
  CB_WR_EQ = 0,
  CB_WR_NE,
  CB_WR_LT,
  CB_WR_LE,
  CB_WR_GT,
  CB_WR_GE
} cb_when_relop;

/* One node. Children are node indices (0: none), so a parsed `when` is
 * one block that can be copied as it is. */
typedef struct cb_when_node {
  uint8_t kind;          /* cb_when_kind */
  uint8_t op;            /* CMP: cb_when_relop; IN: 1 when written has() */
  uint32_t pos, end;     /* the bytes [pos, end) of the text */
  uint32_t a, b;         /* children */
  int32_t question;      /* ANSWER: index in the book, -1 if unresolved */
  uint32_t str, str_len; /* STR, MEMBER, ANSWER: offset in the pool */
  double num;            /* NUM, ITEM */
} cb_when_node;

/* A parsed `when`: one cb_malloc'd block, position-independent (copy it
 * with memcpy, size bytes). */
typedef struct cb_when {
  uint32_t size;    /* bytes of the whole block */
  uint32_t n_nodes; /* nodes[0] is the empty node */
  uint32_t root;
  uint32_t pool;     /* offset of the string pool from the block's start */
  uint32_t text_len; /* of the text parsed */
  cb_when_node nodes[];
} cb_when;

/* A problem in a `when`: a message saying what is not allowed, and the
 * byte offset (0-based) in the text where it is. */
typedef struct cb_when_error {
  uint32_t pos;
  char msg[256];
} cb_when_error;

/* The bytes at offset off of w's pool (a node's str; not NUL-terminated:
 * use the node's str_len). The text parsed is at offset 0. */
static inline const char *cb_when_str(const cb_when *w, uint32_t off) {
  return (const char *)w + w->pool + off;
}

/* Parses text (len bytes, NUL bytes refused). Returns 0 and *out (free
 * with cb_free); CB_ERROR (err filled, *out NULL) when the text is not
 * a `when`; CB_ENOMEM. Names are not resolved yet (cb_when_resolve). */
int cb_when_parse(cb_when **out, const char *text, size_t len,
                  cb_when_error *err);

/* The question a name reads in book: the id itself, else the first
 * question whose id has '-' or '.' where the name has '_'. -1 if none. */
int cb_when_find_question(const cb_book *book, const char *name, size_t len);

/* Resolves every answer of w against book (which may be NULL: then
 * every name is unknown). Returns 0, or CB_ERROR with err saying which
 * name is not a question, with a did-you-mean among the book's ids and
 * their '_' forms, or which string is tested against a choice or multi
 * answer (== ~= in, .x, ["x"]) and is none of its question's options (a
 * test true or false for every case), with a did-you-mean among them;
 * CB_ENOMEM. */
int cb_when_resolve(cb_when *w, const cb_book *book, cb_when_error *err);

/* Does text parse and resolve against book? 1 yes, 0 no (the bad-when
 * rule says why), CB_ENOMEM. A tool export keeps quiet about a `when`
 * that is not one. */
int cb_when_valid(const cb_book *book, const char *text);

/* ---- evaluation ------------------------------------------------------ */

typedef enum cb_when_vkind {
  CB_WV_NIL = 0,
  CB_WV_BOOL,
  CB_WV_NUM,
  CB_WV_STR,
  CB_WV_LIST
} cb_when_vkind;

/* A value a `when` sees. Strings and items are borrowed. */
typedef struct cb_when_value {
  cb_when_vkind kind;
  int boolean;
  double num;
  const char *str;
  size_t len;
  const char *const *items; /* LIST: n_items strings */
  size_t n_items;
  const void *list_id; /* LIST: two lists are equal when these are */
} cb_when_value;

/* Reads the answer to question (an index in the book) for the case being
 * evaluated: returns 1 and fills *out, or 0 when it is not answered. */
typedef int (*cb_when_reader)(void *ud, int question, cb_when_value *out);

/* The value of answer a as a `when` sees it. */
void cb_when_answer_value(const cb_answer *a, cb_when_value *out);

/* Evaluates the resolved w. Returns 1 (true), 0 (false: also when it
 * reads a question that is not answered), or -1 when it fails for these
 * answers (comparing a string with a number...), with the reason in msg
 * (msg_size bytes, may be 0). */
int cb_when_eval(const cb_when *w, cb_when_reader read, void *ud, char *msg,
                 size_t msg_size);

/* cb_when_eval over the answers of case c of book: the case's own, then
 * those of response resp (NULL: the case's answers only); the answer
 * given last wins. */
int cb_when_eval_case(const cb_when *w, const cb_book *book, const cb_case *c,
                      const char *resp, char *msg, size_t msg_size);

#endif
