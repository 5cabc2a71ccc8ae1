/* SPDX-License-Identifier: MIT */
/*
 * lua_view.c: read-only views of the model (see lua_view.h). Views and
 * their tables are found through two weak-keyed maps in the registry.
 */
#include "lua_view.h"

#include <lauxlib.h>

#include "lua_model.h"

static char RO_MT_KEY, RO_DATA_KEY, RO_PROXY_KEY;

/* Is the value at idx a read-only proxy? Pushes its data table if so. */
static int ro_data(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
    return 0;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_MT_KEY);
  int is = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  if (!is)
    return 0;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_DATA_KEY);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  if (lua_type(L, -1) != LUA_TTABLE) {
    lua_pop(L, 1);
    return 0;
  }
  return 1;
}

/* Pushes the read-only view of the value at idx (itself unless a table). */
void cb_lua_view__push(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE) {
    lua_pushvalue(L, idx);
    return;
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_PROXY_KEY);
  lua_pushvalue(L, idx);
  if (lua_rawget(L, -2) == LUA_TTABLE) {
    lua_remove(L, -2);
    return;
  }
  lua_pop(L, 1);
  lua_newtable(L); /* the proxy */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_MT_KEY);
  lua_setmetatable(L, -2);
  lua_pushvalue(L, idx);
  lua_pushvalue(L, -2);
  lua_rawset(L, -4); /* proxies[data] = proxy */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_DATA_KEY);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, idx);
  lua_rawset(L, -3); /* data[proxy] = data */
  lua_pop(L, 1);
  lua_remove(L, -2);
}

static int ro_index(lua_State *L) {
  if (!ro_data(L, 1))
    return 0;
  lua_pushvalue(L, 2);
  lua_gettable(L, -2);
  cb_lua_view__push(L, -1);
  return 1;
}

static int ro_newindex(lua_State *L) {
  return luaL_error(L, "the book is read-only");
}

static int ro_len(lua_State *L) {
  if (!ro_data(L, 1))
    return 0;
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
  return 1;
}

static int ro_next(lua_State *L) {
  if (!ro_data(L, 1))
    return luaL_error(L, "next: not a read-only table");
  lua_pushvalue(L, 2);
  if (!lua_next(L, -2)) {
    lua_pushnil(L);
    return 1;
  }
  cb_lua_view__push(L, -1);
  lua_remove(L, -2);
  return 2;
}

static int ro_pairs(lua_State *L) {
  if (ro_data(L, 1)) {
    cb_lua_model__materialize(L, -1);
    lua_pop(L, 1);
  }
  lua_settop(L, 1);
  lua_pushcfunction(L, ro_next);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

/* next(t, k) that walks read-only views too. */
static int safe_next(lua_State *L) {
  lua_settop(L, 2);
  if (lua_type(L, 1) == LUA_TTABLE && lua_getmetatable(L, 1)) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_MT_KEY);
    int is = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (is)
      return ro_next(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  if (lua_next(L, 1))
    return 2;
  lua_pushnil(L);
  return 1;
}

static int safe_rawset(lua_State *L) {
  if (ro_data(L, 1))
    return luaL_error(L, "the book is read-only");
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

static int safe_rawget(lua_State *L) {
  if (ro_data(L, 1)) {
    /* not raw on the model's table: its lazy fields are fields too */
    lua_pushvalue(L, 2);
    lua_gettable(L, -2);
    cb_lua_view__push(L, -1);
    return 1;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

static int safe_rawlen(lua_State *L) {
  if (ro_data(L, 1)) {
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
  }
  int t = lua_type(L, 1);
  luaL_argexpected(L, t == LUA_TTABLE || t == LUA_TSTRING, 1,
                   "table or string");
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
  return 1;
}

/* Sets up the shared metatable of views and the two weak maps. */
void cb_lua_view__init(lua_State *L) {
  lua_createtable(L, 0, 5);
  lua_pushcfunction(L, ro_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ro_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, ro_len);
  lua_setfield(L, -2, "__len");
  lua_pushcfunction(L, ro_pairs);
  lua_setfield(L, -2, "__pairs");
  lua_pushliteral(L, "read-only");
  lua_setfield(L, -2, "__metatable");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &RO_MT_KEY);
  for (int i = 0; i < 2; i++) {
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, i == 0 ? &RO_DATA_KEY : &RO_PROXY_KEY);
  }
  lua_pushglobaltable(L);
  static const luaL_Reg safe[] = {{"next", safe_next},
                                  {"rawset", safe_rawset},
                                  {"rawget", safe_rawget},
                                  {"rawlen", safe_rawlen},
                                  {NULL, NULL}};
  luaL_setfuncs(L, safe, 0);
  lua_pop(L, 1);
}

