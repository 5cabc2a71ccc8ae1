/* SPDX-License-Identifier: MIT */
/*
 * lua_lib.c: the casebook helpers written in C (see lua_lib.h).
 *
 * The suggestions (did you mean) take a bounded time each: only
 * candidates within the allowed edit distance in length are compared,
 * at most SUGGEST_MAX_COMPARED of them, with the banded distance of
 * suggest.c. casebook.suggester indexes a list once for many words.
 */
#include "lua_lib.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "casebook/casebook.h"
#include "suggest.h"
#include "hash.h"
#include "lua_budget.h"
#include "lua_when.h"
#include "model.h"

/* At most this many candidates are compared for one suggestion, nearest
 * in length first: the time of a suggestion does not grow with the list
 * (a question of 4,000 options, an answer naming 4,000 unknown ones). On
 * an ordinary list every candidate close enough to win is compared. */
#define SUGGEST_MAX_COMPARED 200

/* The distance a word of len bytes may be from a suggestion. */
static size_t suggest_cap(size_t len) {
  return len <= 3 ? 1 : len <= 6 ? 2 : 3;
}

/* The best so far: the smallest distance, then the earliest in the list. */
typedef struct best {
  size_t d, order;
  const char *s;
  size_t len;
} best;

static void consider(best *b, const char *word, size_t len, const char *c,
                     size_t lc, size_t order) {
  if (lc == len && memcmp(c, word, len) == 0)
    return;
  size_t d = cb_suggest__distance(word, len, c, lc);
  if (d != SIZE_MAX && (d < b->d || (d == b->d && order < b->order))) {
    b->d = d;
    b->order = order;
    b->s = c;
    b->len = lc;
  }
}

static int push_best(lua_State *L, const best *b) {
  if (b->s)
    lua_pushlstring(L, b->s, b->len);
  else
    lua_pushnil(L);
  return 1;
}

/* casebook.suggest(word, candidates): the closest candidate or nil. Reads
 * the list once without copying it; compares at most
 * SUGGEST_MAX_COMPARED of the candidates close enough in length. */
static int l_suggest(lua_State *L) {
  size_t len;
  const char *word = luaL_checklstring(L, 1, &len);
  luaL_checkany(L, 2);
  lua_Integer n = luaL_len(L, 2);
  best b = {SIZE_MAX, SIZE_MAX, NULL, 0};
  if (len > 64 || n <= 0)
    return push_best(L, &b);
  size_t cap = suggest_cap(len), compared = 0;
  lua_settop(L, 2);
  lua_pushnil(L); /* slot 3 keeps the best candidate alive */
  for (lua_Integer i = 1; i <= n && compared < SUGGEST_MAX_COMPARED; i++) {
    if (lua_geti(L, 2, i) == LUA_TSTRING) {
      size_t lc;
      const char *c = lua_tolstring(L, -1, &lc);
      if ((lc > len ? lc - len : len - lc) <= cap) {
        compared++;
        consider(&b, word, len, c, lc, (size_t)i);
        if (b.s == c) {
          lua_pushvalue(L, -1);
          lua_replace(L, 3);
        }
      }
    }
    lua_pop(L, 1);
    if ((i & 1023) == 0)
      cb_lua_budget__charge(L, 1024);
  }
  return push_best(L, &b);
}

/* An index of a candidate list for casebook.suggester: the strings sorted
 * by length (then list order), so that a suggestion looks only at those
 * within the allowed distance in length. The strings stay alive in the
 * userdata's user value, a table. */
typedef struct entry {
  const char *s;
  size_t len, order;
} entry;

typedef struct suggest_index {
  size_t n;
  entry items[];
} suggest_index;

static int cmp_entry(const void *x, const void *y) {
  const entry *a = x, *b = y;
  if (a->len != b->len)
    return a->len < b->len ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

/* The first entry of length at least len. */
static size_t first_of_length(const suggest_index *ix, size_t len) {
  size_t lo = 0, hi = ix->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ix->items[mid].len < len)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The suggester's closure: suggest(word). Compares the candidates of the
 * word's length first, then one shorter, one longer, ... up to the
 * allowed distance, at most SUGGEST_MAX_COMPARED of them. */
static int l_suggest_in(lua_State *L) {
  size_t len;
  const char *word = luaL_checklstring(L, 1, &len);
  const suggest_index *ix = lua_touserdata(L, lua_upvalueindex(1));
  best b = {SIZE_MAX, SIZE_MAX, NULL, 0};
  if (len > 64)
    return push_best(L, &b);
  size_t cap = suggest_cap(len), compared = 0;
  for (size_t off = 0; off <= 2 * cap && compared < SUGGEST_MAX_COMPARED;
       off++) {
    /* len, len - 1, len + 1, len - 2, ... */
    size_t delta = (off + 1) / 2;
    if (off % 2 == 1 && delta > len)
      continue;
    size_t want = off % 2 == 1 ? len - delta : len + delta;
    for (size_t i = first_of_length(ix, want);
         i < ix->n && ix->items[i].len == want &&
         compared < SUGGEST_MAX_COMPARED;
         i++, compared++)
      consider(&b, word, len, ix->items[i].s, want, ix->items[i].order);
  }
  return push_best(L, &b);
}

/* casebook.suggester(candidates): a function suggest(word) that gives
 * what casebook.suggest(word, candidates) gives, in time independent of
 * the number of candidates. The list is read once, here. */
static int l_suggester(lua_State *L) {
  luaL_checkany(L, 1);
  lua_Integer n = luaL_len(L, 1);
  if (n < 0)
    n = 0;
  if ((uint64_t)n > (SIZE_MAX - sizeof(suggest_index)) / sizeof(entry))
    return luaL_error(L, "too many candidates");
  suggest_index *ix = lua_newuserdatauv(
      L, sizeof *ix + (size_t)n * sizeof(entry), 1);
  ix->n = 0;
  lua_createtable(L, 0, 0);
  int keep = lua_gettop(L);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_geti(L, 1, i) == LUA_TSTRING) {
      size_t lc;
      const char *c = lua_tolstring(L, -1, &lc);
      if (lc <= 64) {
        entry *e = &ix->items[ix->n++];
        e->s = c;
        e->len = lc;
        e->order = (size_t)i;
        lua_pushvalue(L, -1);
        lua_rawseti(L, keep, (lua_Integer)ix->n);
      }
    }
    lua_pop(L, 1);
    if ((i & 1023) == 0)
      cb_lua_budget__charge(L, 1024);
  }
  lua_setiuservalue(L, -2, 1);
  qsort(ix->items, ix->n, sizeof *ix->items, cmp_entry);
  lua_pushcclosure(L, l_suggest_in, 1);
  return 1;
}

/* casebook.hash(s): 64-bit FNV-1a as 16 hex digits. */
static int l_hash(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  uint64_t h = cb_hash__fnv1a(s, len);
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
                                 {"suggester", l_suggester},
                                 {"hash", l_hash},
                                 {"eval_when", cb_lua_when__eval},
                                 {"compile_when", cb_lua_when__compile},
                                 {NULL, NULL}};
  lua_pushlightuserdata(L, book);
  luaL_setfuncs(L, fns, 1);
  /* casebook.property_keys.question (criterion, case): the reserved keys */
  static const struct {
    const char *kind;
    const char *const *keys;
  } reserved[] = {{"question", cb_model__question_keys},
                  {"criterion", cb_model__criterion_keys},
                  {"case", cb_model__case_keys}};
  lua_createtable(L, 0, 3);
  for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++) {
    lua_newtable(L);
    for (int k = 0; reserved[i].keys[k]; k++) {
      lua_pushstring(L, reserved[i].keys[k]);
      lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, reserved[i].kind);
  }
  lua_setfield(L, -2, "property_keys");
  return 1;
}
