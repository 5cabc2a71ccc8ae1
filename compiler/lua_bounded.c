/* SPDX-License-Identifier: MIT */
/*
 * lua_bounded.c: the bounded library functions of the sandbox (see
 * lua_bounded.h).
 *
 * The own versions follow the Lua 5.4 reference manual function by
 * function, with the same argument checks and messages, and charge
 * ELEMENT_UNITS per element they touch (plus one per CB_BYTES_PER_UNIT
 * bytes copied) every STEP elements, so that the budget, the deadline and the
 * abort flag of the watchdog are seen as they go. The wrappers charge
 * the bytes of their arguments before calling the library's function
 * (whose work is linear in them) and the bytes of its results after.
 */
#include "lua_bounded.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "lua_budget.h"

#define STEP 1024 /* elements between two charges */
/* Units an element read or written costs: a lua_geti or lua_seti may call
 * a metamethod, a function call's worth of work. */
#define ELEMENT_UNITS 8

/* ---- errors of wrapped functions -------------------------------------- */

int cb_lua_bounded__rethrow(lua_State *L) {
  const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                    : NULL;
  static const char head[] = "bad argument #";
  int arg = 0;
  const char *p = msg;
  if (p && strncmp(p, head, sizeof head - 1) == 0) {
    p += sizeof head - 1;
    while (*p >= '0' && *p <= '9' && arg < 1000000)
      arg = arg * 10 + (*p++ - '0');
    if (arg > 0 && strncmp(p, " to '?' (", 9) == 0) {
      p += 9;
      size_t n = strlen(p);
      if (n && p[n - 1] == ')') {
        /* the text in parentheses, kept on the stack while it is used */
        lua_pushlstring(L, p, n - 1);
        return luaL_argerror(L, arg, lua_tostring(L, -1));
      }
    }
  }
  return lua_error(L);
}

/* ---- wrappers ---------------------------------------------------------- */

/* Units of work for the strings among the values at first..last. */
static long long string_units(lua_State *L, int first, int last) {
  long long units = 0;
  for (int i = first; i <= last; i++)
    if (lua_type(L, i) == LUA_TSTRING)
      units += (long long)(lua_rawlen(L, i) / CB_BYTES_PER_UNIT);
  return units;
}

/* Calls upvalue 1 (the library's function) with the arguments, charging
 * one unit per argument plus their bytes before, the bytes of the results
 * after. */
static int charged(lua_State *L) {
  int n = lua_gettop(L);
  cb_lua_budget__charge(L, 1 + n + string_units(L, 1, n));
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  if (lua_pcall(L, n, LUA_MULTRET, 0) != LUA_OK)
    return cb_lua_bounded__rethrow(L);
  int r = lua_gettop(L);
  cb_lua_budget__charge(L, string_units(L, 1, r));
  return r;
}

/* Bits of n: about log2(n) + 1. */
static long long bits(long long n) {
  long long b = 0;
  while (n > 0) {
    b++;
    n >>= 1;
  }
  return b;
}

/* table.sort(list [, comp]): the library's quicksort (the order of equal
 * elements stays what rules have always seen), charged n log n of the
 * length it will sort before it starts: with a comparison or metamethods
 * written in C it would otherwise sort 2^31 elements in one call. */
static int sort_charged(lua_State *L) {
  long long units = 1;
  if (lua_type(L, 1) == LUA_TTABLE || lua_getmetatable(L, 1)) {
    if (lua_type(L, 1) != LUA_TTABLE)
      lua_pop(L, 1);
    int top = lua_gettop(L);
    lua_len(L, 1);
    int ok = 0;
    lua_Integer len = lua_tointegerx(L, -1, &ok);
    lua_settop(L, top);
    if (ok && len > 1)
      units = (long long)len * bits((long long)len);
  }
  cb_lua_budget__charge(L, units);
  return charged(L);
}

/* ---- string.rep -------------------------------------------------------- */

/* string.rep(s, n [, sep]): n copies of s separated by sep. An empty
 * result is returned at once (the library's loop would run n times
 * copying nothing: 2^50 times for rep("", 2^50)); any other result is
 * allocated first, so its size is bounded by the memory caps, and
 * charged by its bytes. */
static int l_rep(lua_State *L) {
  size_t len, lsep;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_Integer n = luaL_checkinteger(L, 2);
  const char *sep = luaL_optlstring(L, 3, "", &lsep);
  if (n <= 0 || len + lsep == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  if (len + lsep < len ||
      (uint64_t)n > (uint64_t)(SIZE_MAX / 2) / (len + lsep))
    return luaL_error(L, "resulting string too large");
  size_t count = (size_t)n;
  size_t total = len * count + lsep * (count - 1);
  cb_lua_budget__charge(L, (long long)(total / CB_BYTES_PER_UNIT));
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, total);
  /* one period (s and sep), then the filled part doubled: the result
   * repeats with that period, so a copy of its start continues it */
  size_t period = len + lsep, filled = period < total ? period : total;
  memcpy(p, s, len < filled ? len : filled);
  if (filled > len)
    memcpy(p + len, sep, filled - len);
  while (filled < total) {
    size_t more = filled < total - filled ? filled : total - filled;
    memcpy(p + filled, p, more);
    filled += more;
  }
  luaL_pushresultsize(&b, total);
  return 1;
}

/* ---- the table library ------------------------------------------------- */

#define TAB_R 1 /* read */
#define TAB_W 2 /* write */
#define TAB_L 4 /* length */

/* Raises unless the value at arg is a table, or has the metamethods the
 * operations what need (as the table library accepts). */
static void check_table(lua_State *L, int arg, int what) {
  if (lua_type(L, arg) == LUA_TTABLE)
    return;
  int top = lua_gettop(L);
  int ok = lua_getmetatable(L, arg);
  static const char *const events[] = {"__index", "__newindex", "__len"};
  for (int i = 0; ok && i < 3; i++) {
    if (!(what & (1 << i)))
      continue;
    lua_pushstring(L, events[i]);
    ok = lua_rawget(L, top + 1) != LUA_TNIL;
  }
  lua_settop(L, top);
  if (!ok)
    luaL_checktype(L, arg, LUA_TTABLE); /* raises */
}

/* Counts one element moved or read; charges every STEP. */
static void tick(lua_State *L, unsigned *step) {
  if (++*step == STEP) {
    *step = 0;
    cb_lua_budget__charge(L, (long long)STEP * ELEMENT_UNITS);
  }
}

/* table.concat(list [, sep [, i [, j]]]) */
static int l_concat(lua_State *L) {
  check_table(L, 1, TAB_R | TAB_L);
  lua_Integer last = luaL_len(L, 1);
  size_t lsep;
  const char *sep = luaL_optlstring(L, 2, "", &lsep);
  lua_Integer i = luaL_optinteger(L, 3, 1);
  last = luaL_optinteger(L, 4, last);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  unsigned step = 0;
  size_t bytes = 0;
  for (; i <= last; i++) {
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1))
      return luaL_error(L, "invalid value (at index %I) in table for "
                           "'concat'",
                        (LUAI_UACINT)i);
    bytes += lua_rawlen(L, -1) + lsep;
    luaL_addvalue(&b);
    if (i < last)
      luaL_addlstring(&b, sep, lsep);
    tick(L, &step);
    if (bytes >= (size_t)STEP * CB_BYTES_PER_UNIT) {
      cb_lua_budget__charge(L, (long long)(bytes / CB_BYTES_PER_UNIT));
      bytes = 0;
    }
    if (i == LUA_MAXINTEGER)
      break;
  }
  luaL_pushresult(&b);
  return 1;
}

/* table.move(a1, f, e, t [, a2]) */
static int l_move(lua_State *L) {
  lua_Integer f = luaL_checkinteger(L, 2);
  lua_Integer e = luaL_checkinteger(L, 3);
  lua_Integer t = luaL_checkinteger(L, 4);
  int to = lua_isnoneornil(L, 5) ? 1 : 5;
  check_table(L, 1, TAB_R);
  check_table(L, to, TAB_W);
  if (e >= f) {
    luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3,
                  "too many elements to move");
    lua_Integer n = e - f + 1;
    luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4,
                  "destination wrap around");
    unsigned step = 0;
    /* overlapping ranges of one table are copied from the end */
    int forward = t > e || t <= f || (to != 1 && !lua_compare(L, 1, to,
                                                              LUA_OPEQ));
    for (lua_Integer k = 0; k < n; k++) {
      lua_Integer i = forward ? k : n - 1 - k;
      lua_geti(L, 1, f + i);
      lua_seti(L, to, t + i);
      tick(L, &step);
    }
  }
  lua_pushvalue(L, to);
  return 1;
}

/* table.insert(list, [pos,] value) */
static int l_insert(lua_State *L) {
  check_table(L, 1, TAB_R | TAB_W | TAB_L);
  lua_Integer end = luaL_len(L, 1);
  end = (lua_Integer)((lua_Unsigned)end + 1u); /* the first empty slot */
  lua_Integer pos = end;
  switch (lua_gettop(L)) {
  case 2:
    break;
  case 3: {
    pos = luaL_checkinteger(L, 2);
    luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)end, 2,
                  "position out of bounds");
    unsigned step = 0;
    for (lua_Integer i = end; i > pos; i--) {
      lua_geti(L, 1, i - 1);
      lua_seti(L, 1, i);
      tick(L, &step);
    }
    break;
  }
  default:
    return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, pos);
  return 0;
}

/* table.remove(list [, pos]) */
static int l_remove(lua_State *L) {
  check_table(L, 1, TAB_R | TAB_W | TAB_L);
  lua_Integer size = luaL_len(L, 1);
  lua_Integer pos = luaL_optinteger(L, 2, size);
  if (pos != size)
    luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
                  "position out of bounds");
  lua_geti(L, 1, pos);
  unsigned step = 0;
  for (; pos < size; pos++) {
    lua_geti(L, 1, pos + 1);
    lua_seti(L, 1, pos);
    tick(L, &step);
  }
  lua_pushnil(L);
  lua_seti(L, 1, pos);
  return 1;
}

/* ---- installing -------------------------------------------------------- */

/* Replaces lib.name (lib at the top of the stack) by fn, or by a charged
 * closure of the library's function when fn is NULL (wrap picks which). */
static void replace(lua_State *L, const char *name, lua_CFunction fn,
                    lua_CFunction wrap) {
  if (fn) {
    lua_pushcfunction(L, fn);
  } else {
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, wrap, 1);
  }
  lua_setfield(L, -2, name);
}

void cb_lua_bounded__install(lua_State *L) {
  static const char *const string_wrapped[] = {
      "format", "byte", "char", "upper", "lower", "reverse", "sub",
      "pack", "unpack", "packsize", NULL};
  static const char *const utf8_wrapped[] = {"len", "offset", "codepoint",
                                             "char", NULL};
  lua_getfield(L, -1, "string");
  replace(L, "rep", l_rep, NULL);
  for (const char *const *n = string_wrapped; *n; n++)
    replace(L, *n, NULL, charged);
  lua_pop(L, 1);

  lua_getfield(L, -1, "table");
  replace(L, "concat", l_concat, NULL);
  replace(L, "move", l_move, NULL);
  replace(L, "insert", l_insert, NULL);
  replace(L, "remove", l_remove, NULL);
  replace(L, "unpack", NULL, charged);
  replace(L, "sort", NULL, sort_charged);
  lua_pop(L, 1);

  lua_getfield(L, -1, "utf8");
  for (const char *const *n = utf8_wrapped; *n; n++)
    replace(L, *n, NULL, charged);
  lua_pop(L, 1);

  replace(L, "tonumber", NULL, charged);
}
