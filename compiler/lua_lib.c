/*
 * lua_lib.c: the casebook helpers written in C (see lua_lib.h).
 */
#include "lua_lib.h"

#include <stdint.h>

#include <lauxlib.h>

#include "casebook/casebook.h"
#include "lua_when.h"

/* casebook.suggest(word, candidates): the closest candidate or nil. */
static int l_suggest(lua_State *L) {
  const char *word = luaL_checkstring(L, 1);
  luaL_checkany(L, 2);
  lua_Integer n = luaL_len(L, 2);
  if (n <= 0) {
    lua_pushnil(L);
    return 1;
  }
  if (n > 1000000)
    n = 1000000;
  /* copy the candidates into a plain table: they stay alive there */
  lua_createtable(L, (int)n, 0);
  int keep = lua_gettop(L);
  const char **items =
      lua_newuserdatauv(L, (size_t)n * sizeof *items, 0);
  size_t k = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_geti(L, 2, i);
    if (lua_type(L, -1) == LUA_TSTRING) {
      lua_pushvalue(L, -1);
      lua_rawseti(L, keep, (lua_Integer)k + 1);
      items[k++] = lua_tostring(L, -1);
    }
    lua_pop(L, 1);
  }
  const char *best = cb_suggest(word, items, k);
  if (best)
    lua_pushstring(L, best);
  else
    lua_pushnil(L);
  return 1;
}

/* casebook.hash(s): 64-bit FNV-1a as 16 hex digits. */
static int l_hash(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  char hex[17];
  for (int i = 15; i >= 0; i--) {
    hex[i] = "0123456789abcdef"[h & 15];
    h >>= 4;
  }
  lua_pushlstring(L, hex, 16);
  return 1;
}


int cb_lua_lib__open(lua_State *L) {
  void *book = lua_touserdata(L, 1);
  lua_pushcfunction(L, cb_lua_when__init);
  lua_pushlightuserdata(L, book);
  lua_call(L, 1, 0);
  lua_newtable(L);
  static const luaL_Reg fns[] = {{"suggest", l_suggest},
                                 {"hash", l_hash},
                                 {"eval_when", cb_lua_when__eval},
                                 {"compile_when", cb_lua_when__compile},
                                 {NULL, NULL}};
  lua_pushlightuserdata(L, book);
  luaL_setfuncs(L, fns, 1);
  return 1;
}
