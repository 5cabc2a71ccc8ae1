/* SPDX-License-Identifier: MIT */
/*
 * lua_lib.h: the C half of the `casebook` library every rule sees
 * (suggest, suggester, hash, eval_when, compile_when); the Lua half is
 * rules/_casebook.lua.
 */
#ifndef CB_LUA_LIB_H
#define CB_LUA_LIB_H

#include <lua.h>

/* lua_CFunction: sets up `when` for the book given as light userdata in
 * argument 1 (may be NULL) and returns the casebook table holding the C
 * helpers. Call it protected (it raises when out of memory). */
int cb_lua_lib__open(lua_State *L);

#endif
