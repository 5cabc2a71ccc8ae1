/* SPDX-License-Identifier: MIT */
/*
 * lua_view.h: read-only views of the model for project rules.
 *
 * A view is an empty proxy table, made on first access, whose shared
 * metatable reads through to the model's table and whose __newindex
 * raises. `#`, ipairs, pairs and next work on views; rawset refuses them;
 * getmetatable says "read-only". The built-in rules, our own code, read
 * the model's tables directly.
 */
#ifndef CB_LUA_VIEW_H
#define CB_LUA_VIEW_H

#include <lua.h>

/* Sets up the views' metatable and replaces next, rawset, rawget and
 * rawlen of the state's globals by versions that know views. Call before
 * any rule environment is made (cb_sandbox__push_env copies globals). */
void cb_lua_view__init(lua_State *L);

/* Pushes the read-only view of the value at idx (the value itself unless
 * it is a table). One view per table: the same table gives the same
 * view. */
void cb_lua_view__push(lua_State *L, int idx);

#endif
