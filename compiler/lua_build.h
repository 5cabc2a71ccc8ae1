/* SPDX-License-Identifier: MIT */
/*
 * lua_build.h: writing the model into Lua tables. The field names and the
 * few values every table repeats are Lua strings made once (the builder
 * keeps them on the stack), so setting a field is a lua_rawset; these are
 * the primitives lua_model.c builds the book's tables with.
 */
#ifndef CB_LUA_BUILD_H
#define CB_LUA_BUILD_H

#include <lua.h>

#include "casebook/model.h"

/* The field names and the few string values every table repeats are
 * made once and kept on the stack while the model is built (key0 is the
 * first of them): setting a field is then a lua_rawset with a key that
 * is already a Lua string, not a lookup of the name each time. Lazy
 * fields, made one at a time, name their keys the plain way (key0 0). */
/* clang-format off */
#define MODEL_KEYS(X)                                                          \
  X(KIND, "kind")                                                              \
  X(INDEX, "index")                                                            \
  X(ID, "id")                                                                  \
  X(TITLE, "title")                                                            \
  X(FILE, "file")                                                              \
  X(LINE, "line")                                                              \
  X(COL, "col")                                                                \
  X(CHAPTER, "chapter")                                                        \
  X(TYPE, "type")                                                              \
  X(TYPE_RAW, "type_raw")                                                      \
  X(TYPE_MISREAD, "type_misread")                                              \
  X(SCALE_MIN, "scale_min")                                                    \
  X(SCALE_MAX, "scale_max")                                                    \
  X(REQUIRED, "required")                                                      \
  X(WHEN, "when")                                                              \
  X(WHEN_LINE, "when_line")                                                    \
  X(WHEN_COL, "when_col")                                                      \
  X(HINT, "hint")                                                              \
  X(RESPONSES, "responses")                                                    \
  X(RESPONSES_LOCS, "responses_locs")                                          \
  X(SCOPE, "scope")                                                            \
  X(MIN_REPLIES, "min_replies")                                                \
  X(OPTIONS, "options")                                                        \
  X(OPTIONS_BY_ID, "options_by_id")                                            \
  X(OPTIONS_LINE, "options_line")                                              \
  X(OPTIONS_COL, "options_col")                                                \
  X(PROPS, "props")                                                            \
  X(GUIDANCE, "guidance")                                                      \
  X(LISTS, "lists")                                                            \
  X(ANSWERS, "answers")                                                        \
  X(VALUE, "value")                                                            \
  X(MEANING, "meaning")                                                        \
  X(MEANING_HTML, "meaning_html")                                              \
  X(ATTRS, "attrs")                                                            \
  X(QUESTION, "question")                                                      \
  X(ELEMENT, "element")                                                        \
  X(APPLIES_TO, "applies_to")                                                  \
  X(APPLIES_TO_LOCS, "applies_to_locs")                                        \
  X(SEVERITY, "severity")                                                      \
  X(POINTS, "points")                                                          \
  X(PROSE, "prose")                                                            \
  X(CASE, "case")                                                              \
  X(KEY, "key")                                                                \
  X(RAW, "raw")                                                                \
  X(RESPONSE, "response")                                                      \
  X(ITEMS, "items")                                                            \
  X(TIED, "tied")                                                              \
  X(NUMBER, "number")                                                          \
  X(STRENGTH, "strength")                                                      \
  X(ERROR, "error")                                                            \
  X(VALUE_LINE, "value_line")                                                  \
  X(VALUE_COL, "value_col")                                                    \
  X(RAW_KEY, "raw_key")                                                        \
  X(ISSUE, "issue")                                                            \
  X(OWNER, "owner")                                                            \
  X(TEXT, "text")                                                              \
  X(NAME, "name")                                                              \
  X(UNNAMED, "unnamed")                                                        \
  X(STATUS, "status")                                                          \
  X(CRITERIA, "criteria")                                                      \
  X(INPUTS, "inputs")                                                          \
  X(HREF, "href")                                                              \
  X(PATH, "path")                                                              \
  X(SLUG, "slug")                                                              \
  X(LINKS, "links")                                                            \
  X(LEVEL, "level")
/* clang-format on */
#define KEY_ENUM(name, s) K_##name,
enum { MODEL_KEYS(KEY_ENUM) K_COUNT };
#undef KEY_ENUM
extern const char *const cb_lua_build__key_names[];

/* The state of one build of the model (see lua_model.c). */
typedef struct cb_lua_builder {
  lua_State *L;
  const cb_book *book;
  int key0;     /* stack index of the first key (K_KIND), or 0 */
  int values;   /* stack index: interned values (below), or 0 */
  int files;    /* stack index: list of file paths */
  int chapters; /* stack index: list of chapter tables */
  int empty;    /* stack index: the shared empty table */
  int single;   /* stack index: item -> shared one-item list, or 0 */
  int link_index; /* stack index: link table -> its index in book */
  /* while building: per question the list of its answers, the answers
   * to no question, every suspect list (stack indexes), and counts */
  int question_answers, unknown_answers, all_lists;
  lua_Integer *n_question_answers, n_unknown_answers, n_all_lists;
} cb_lua_builder;

/* The values kept in builder.values, after the question ids: the names
 * of types, input kinds, answer kinds, link kinds and statuses. */
enum {
  V_QTYPE = 0,   /* 6 */
  V_INPUT = 6,   /* 6 */
  V_VALUE = 12,  /* 7 */
  V_LINK = 19,   /* 7 */
  V_STATUS = 26, /* 3 */
  V_QUESTION_KIND = 29,
  V_CASE_KIND = 30,
  V_RESPONSE_SCOPE = 31,
  V_COUNT = 32
};

#define POS -1, -1

/* Pushes the field name k. */
void cb_lua_build__key(cb_lua_builder *b, int k);

/* Sets field k of the table below the value on top to that value (pops
 * it). */
void cb_lua_build__set_top(cb_lua_builder *b, int k);

void cb_lua_build__set_str(cb_lua_builder *b, int k, const char *v);

/* Sets field k to values[v] (one of the names above), or to the string
 * s when not building (lazy fields). */
void cb_lua_build__set_value(cb_lua_builder *b, int k, int v, const char *s);

void cb_lua_build__set_int(cb_lua_builder *b, int k, lua_Integer v);

void cb_lua_build__set_bool(cb_lua_builder *b, int k, int v);

/* Sets file, line, col of the table on top (or only line_key/col_key). */
void cb_lua_build__set_loc(cb_lua_builder *b, cb_loc loc, int line_key,
                           int col_key);

/* Pushes a position table { file, line, col }. */
void cb_lua_build__pos(cb_lua_builder *b, cb_loc loc);

/* Pushes the one empty table every empty list shares. */
void cb_lua_build__empty(cb_lua_builder *b);

/* Pushes a list of strings. */
void cb_lua_build__strings(cb_lua_builder *b, const char *const *items,
                           size_t n);

/* Pushes the positions of a string list (empty when unknown). */
void cb_lua_build__locs(cb_lua_builder *b, const cb_strlist *l);

/* Pushes the rows of a Response table: { name, file, line, col }. */
void cb_lua_build__rows(cb_lua_builder *b, const cb_strlist *l);

/* Pushes the property list of an element: { key, raw_key, value,
 * positions } each. */
void cb_lua_build__props(cb_lua_builder *b, const cb_prop *props, size_t n,
                         const char *element);

/* Pushes the suspect lists of an element (the table at owner) and adds
 * them to book.lists. */
void cb_lua_build__lists(cb_lua_builder *b, const cb_list *lists, size_t n,
                         const char *element, int owner);

/* Pushes the key the contradiction rule groups cases by: a hash of the
 * inputs (kinds, names, lengths, texts), equal for cases whose inputs are
 * equal; the rule then compares the inputs themselves. */
void cb_lua_build__inputs_key(lua_State *L, const cb_case *c);

#endif
