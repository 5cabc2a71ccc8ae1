/* SPDX-License-Identifier: MIT */
/*
 * lua_model.h: the model (cb_book) as Lua tables for the rules.
 *
 * The book table and everything under it are built in the state's own
 * memory; what rules read often is built at once, the rest on first
 * access (see lua_model.c). The field names are documented for rule
 * authors in docs/rules.md. The tables are the built-in rules' to read,
 * never to write; project rules see them through read-only views
 * (lua_view.h).
 *
 *   book.questions, book.criteria, book.cases, book.chapters, book.links
 *   book.questions_by_id, book.criteria_by_id, book.cases_by_id
 *   book.manifest, book.root, book.files
 *   book.previous, book.changes (with check --against only: the model at
 *     REV, the changes from it; cb_lua_model__push_with_previous)
 *   question: kind="question", index, id, title, file, line, col,
 *     chapter (the chapter table), type ("choice", "multi", "scale",
 *     "rank", "pairwise", "text"), type_raw, scale_min, scale_max,
 *     required (boolean), when, when_line, when_col, hint, responses
 *     (list), responses_locs, scope ("case"|"response"), options (list),
 *     options_by_id, options_line, options_col, props, guidance (text),
 *     lists
 *   option: kind="option", id, value, meaning, meaning_html, attrs (map),
 *     question (id), element, file, line, col
 *   criterion: kind="criterion", index, id, title, file, line, col,
 *     chapter, applies_to, applies_to_locs, severity, points, props,
 *     prose (text), lists
 *   case: kind="case", index, id, title, file, line, col, chapter,
 *     inputs, responses (names of the response inputs), answers,
 *     criteria, criteria_locs, tags, tags_locs, status, status_raw,
 *     source, props, responses_table (a position or nil), table_rows
 *     ({name, file, line, col} per row of that table), rationale
 *     (text), lists
 *   input: kind ("prompt", "response", ...), name, info, fence ("```" or
 *     "~~~"), text, element, file, line, col
 *   answer: key, raw, response, question (id or nil), kind ("none",
 *     "option", "options", "number", "rank", "pairwise", "text"), items,
 *     tied, number, strength, error, element, file, line, col (the key),
 *     value_line, value_col
 *   prop: key, raw_key, value, element, file, line, col, value_line,
 *     value_col
 *   list: issue ("mixed"|"second"|"unclaimed"), items ({key, text, file, line, col}),
 *     element, file, line, col
 *   chapter: kind="chapter", index, path, file, line, col, title, slug,
 *     headings ({level, text, slug, file, line, col}), links, prose
 *   link: kind ("external", "relative", "case", "question", "criterion",
 *     "option", "unsafe"), url, target, anchor, text, image, href (nil
 *     when unresolved), chapter, file, line, col
 */
#ifndef CB_LUA_MODEL_H
#define CB_LUA_MODEL_H

#include <lua.h>

#include "casebook/model.h"

/* Builds the Lua model of book and pushes the book table. Runs protected:
 * returns 0, or CB_ENOMEM with nothing pushed. book must outlive the
 * state (lazy fields read it). */
int cb_lua_model__push(lua_State *L, const cb_book *book);

/* Like cb_lua_model__push, with book.previous the model of previous (same
 * shape) and book.changes the list of changes (category, kind, what,
 * element, message, before, after, file, line, col: the position in
 * book) when previous is not NULL. The registry's lookups are book's. */
int cb_lua_model__push_with_previous(lua_State *L, const cb_book *book,
                                     const cb_book *previous,
                                     const cb_change *changes, size_t n);

/* Pushes the map path -> file index (0-based) of the model built last,
 * or nil before one is built. */
void cb_lua_model__push_paths(lua_State *L);

/* Makes every lazy field of the model table at t, so that next() sees
 * them all (for pairs). Does nothing to any other table. */
void cb_lua_model__materialize(lua_State *L, int t);

/* The 0-based index of the model's own question (cases 0) or case
 * (cases 1) table at idx, found by identity, or -1 for any other value
 * (a read-only view too). Cheap: for helpers the rules call per case. */
lua_Integer cb_lua_model__index(lua_State *L, int idx, int cases);

#endif
