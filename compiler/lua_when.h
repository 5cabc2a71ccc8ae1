/* SPDX-License-Identifier: MIT */
/*
 * lua_when.h: `when` expressions of questions for the rules
 * (casebook.eval_when and casebook.compile_when), a thin layer on the
 * `when` parser and evaluator of when.h: no Lua runs for a `when`.
 *
 * A when is parsed and its names resolved once per distinct text; the
 * parsed block lives in a Lua userdata, so it counts against the
 * sandbox's memory cap. For the model's own cases the result is kept per
 * case, so every rule asking the same thing pays once. docs/rules.md
 * "What a `when` sees" says the same for rule authors.
 */
#ifndef CB_LUA_WHEN_H
#define CB_LUA_WHEN_H

#include <lua.h>

/* lua_CFunction: sets up the registry state of `when` for the book given
 * as light userdata in argument 1 (may be NULL). Call it protected. */
int cb_lua_when__init(lua_State *L);

/* casebook.eval_when(question, case [, response]): true or false, or nil
 * and a message. Upvalue 1: the book (light userdata, may be NULL). */
int cb_lua_when__eval(lua_State *L);

/* casebook.compile_when(question): true; nil, a message, nil and the
 * 1-based byte of the text where the problem is; or nil, a message,
 * "name" and that byte when it names something that is not a question. */
int cb_lua_when__compile(lua_State *L);

#endif
