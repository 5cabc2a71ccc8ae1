/*
 * lua_when.h: `when` expressions of questions, compiled and evaluated
 * for the rules (casebook.eval_when and casebook.compile_when).
 *
 * A when is compiled once per distinct text as `return (<expression>)`
 * and runs in an environment holding the answers of one case (and of one
 * response). A question that is not answered stops it: the when is then
 * false. Results for the model's cases are remembered, so every rule
 * asking the same thing pays once. docs/rules.md "What a `when` sees"
 * says the same for rule authors.
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

/* casebook.compile_when(question): true; nil and a message; or nil, a
 * message and "name" when it names something that is not a question. */
int cb_lua_when__compile(lua_State *L);

#endif
