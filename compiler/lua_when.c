/* SPDX-License-Identifier: MIT */
/*
 * lua_when.c: casebook.eval_when and casebook.compile_when (see
 * lua_when.h) on the parser and evaluator of when.c.
 */
#include "lua_when.h"

#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "alloc.h"
#include "casebook/casebook.h"
#include "lua_model.h"
#include "model.h"
#include "when.h"

/* Registry key (its address): text -> compiled userdata. */
static char WHEN_CACHE_KEY;

/* A `when` text as parsed for the book, in one userdata: this header,
 * then the cb_when block (when status is 0), then one memo byte per case
 * of the book (0: not known, 1: false, 2: true). */
typedef struct compiled {
  int status;   /* 0, or NOT_A_WHEN, or NOT_A_QUESTION */
  uint32_t pos; /* of the problem, 0-based */
  char msg[sizeof(((cb_when_error *)0)->msg)];
  size_t n_cases;
  size_t when_off, memo_off; /* from the start of the header */
} compiled;

enum { NOT_A_WHEN = 1, NOT_A_QUESTION = 2 };

#define ALIGN_UP(n) (((n) + 15) & ~(size_t)15)

static const cb_when *when_of(const compiled *cp) {
  return (const cb_when *)((const char *)cp + cp->when_off);
}

static unsigned char *memo_of(compiled *cp) {
  return (unsigned char *)cp + cp->memo_off;
}

/* lua_CFunction: a userdata of argument 1 bytes. */
static int new_block(lua_State *L) {
  lua_newuserdatauv(L, (size_t)lua_tointeger(L, 1), 0);
  return 1;
}

/* The compiled form of the when text at index text (a string), parsed
 * and resolved against bk once per text. */
static compiled *get_compiled(lua_State *L, int text, const cb_book *bk) {
  text = lua_absindex(L, text);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_CACHE_KEY);
  lua_pushvalue(L, text);
  if (lua_rawget(L, -2) == LUA_TUSERDATA) {
    compiled *cp = lua_touserdata(L, -1);
    lua_pop(L, 2);
    return cp;
  }
  lua_pop(L, 1);
  size_t len;
  const char *s = lua_tolstring(L, text, &len);
  cb_when *w = NULL;
  cb_when_error err;
  int status = 0;
  int rc = cb_when_parse(&w, s, len, &err);
  if (rc == 0) {
    rc = cb_when_resolve(w, bk, &err);
    if (rc == CB_ERROR)
      status = NOT_A_QUESTION;
  } else if (rc == CB_ERROR) {
    status = NOT_A_WHEN;
  }
  if (rc == CB_ENOMEM) {
    cb_free(w);
    luaL_error(L, "not enough memory");
    return NULL;
  }
  size_t n_cases = bk && !status ? bk->n_cases : 0;
  size_t when_off = ALIGN_UP(sizeof(compiled));
  size_t memo_off = when_off + (status ? 0 : ALIGN_UP(w->size));
  /* the userdata is made in a protected call: a memory error there must
   * not lose w */
  lua_pushcfunction(L, new_block);
  lua_pushinteger(L, (lua_Integer)(memo_off + n_cases));
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    cb_free(w);
    lua_error(L);
    return NULL;
  }
  compiled *cp = lua_touserdata(L, -1);
  memset(cp, 0, memo_off + n_cases);
  cp->status = status;
  cp->pos = err.pos;
  memcpy(cp->msg, err.msg, sizeof cp->msg);
  cp->n_cases = n_cases;
  cp->when_off = when_off;
  cp->memo_off = memo_off;
  if (!status)
    memcpy((char *)cp + when_off, w, w->size);
  cb_free(w);
  lua_pushvalue(L, text);
  lua_pushvalue(L, -2);
  lua_rawset(L, -4);
  lua_pop(L, 2);
  return cp;
}

/* The model's case behind the table at idx (a case table or its
 * read-only view), or NULL for any other table. */
static const cb_case *model_case(lua_State *L, const cb_book *bk, int idx) {
  const cb_case *c = NULL;
  if (!bk)
    return NULL;
  lua_Integer fast = cb_lua_model__index(L, idx, 1);
  if (fast >= 0 && (size_t)fast < bk->n_cases)
    return &bk->cases[fast];
  int top = lua_gettop(L);
  if (lua_getfield(L, idx, "kind") == LUA_TSTRING &&
      strcmp(lua_tostring(L, -1), "case") == 0 &&
      lua_getfield(L, idx, "index") == LUA_TNUMBER) {
    lua_Integer i = lua_tointeger(L, -1);
    if (i >= 1 && (size_t)i <= bk->n_cases &&
        lua_getfield(L, idx, "id") == LUA_TSTRING && bk->cases[i - 1].id &&
        strcmp(lua_tostring(L, -1), bk->cases[i - 1].id) == 0)
      c = &bk->cases[i - 1];
  }
  lua_settop(L, top);
  return c;
}

/* ---- answers read from Lua tables ------------------------------------ */

/* For a case table that is not one of the model's (a rule's own): its
 * answers list at index answers, the response name at resp (or nil),
 * and a table at anchor that keeps every string and list read alive
 * while the when runs. */
typedef struct lua_reader {
  lua_State *L;
  const cb_book *bk;
  int answers, resp, anchor;
} lua_reader;

/* Keeps the value on top of the stack alive (pops it). */
static void anchor(lua_State *L, int t) {
  lua_rawseti(L, t, (lua_Integer)lua_rawlen(L, t) + 1);
}

/* The value a when sees for the answer table at a (as the model gives
 * it: kind, error, items, number, raw). Returns 0 when it has none. */
static int lua_answer_value(lua_reader *r, int a, cb_when_value *out) {
  lua_State *L = r->L;
  memset(out, 0, sizeof *out);
  const char *kind = "";
  if (lua_getfield(L, a, "kind") == LUA_TSTRING)
    kind = lua_tostring(L, -1);
  int has_error = lua_getfield(L, a, "error") != LUA_TNIL;
  int ok = 0;
  if (!has_error &&
      (strcmp(kind, "option") == 0 || strcmp(kind, "pairwise") == 0)) {
    if (lua_getfield(L, a, "items") == LUA_TTABLE)
      lua_geti(L, -1, 1);
    else
      lua_pushnil(L);
  } else if (!has_error && strcmp(kind, "number") == 0) {
    lua_getfield(L, a, "number");
  } else if (!has_error &&
             (strcmp(kind, "options") == 0 || strcmp(kind, "rank") == 0)) {
    int items = lua_getfield(L, a, "items") == LUA_TTABLE ? lua_gettop(L) : 0;
    lua_Integer n = items ? luaL_len(L, items) : 0;
    if (n < 0 || n > (lua_Integer)(SIZE_MAX / sizeof(char *)) / 2)
      n = 0;
    const char **list =
        lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *list, 0);
    size_t k = 0;
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, items, i);
      if (lua_type(L, -1) == LUA_TSTRING) {
        list[k++] = lua_tostring(L, -1);
        anchor(L, r->anchor);
      } else {
        lua_pop(L, 1);
      }
    }
    out->kind = CB_WV_LIST;
    out->items = list;
    out->n_items = k;
    out->list_id = list;
    anchor(L, r->anchor);
    lua_settop(L, a);
    return 1;
  } else {
    lua_getfield(L, a, "raw");
  }
  if (lua_type(L, -1) == LUA_TNUMBER) {
    out->kind = CB_WV_NUM;
    out->num = lua_tonumber(L, -1);
    ok = 1;
  } else if (lua_type(L, -1) == LUA_TSTRING) {
    out->kind = CB_WV_STR;
    out->str = lua_tolstring(L, -1, &out->len);
    lua_pushvalue(L, -1);
    anchor(L, r->anchor);
    ok = 1;
  }
  lua_settop(L, a);
  return ok;
}

/* cb_when_reader over Lua tables: the case's own answers, then those of
 * the response; the one given last wins. */
static int read_lua(void *ud, int q, cb_when_value *out) {
  lua_reader *r = ud;
  lua_State *L = r->L;
  int top = lua_gettop(L);
  lua_Integer n =
      lua_type(L, r->answers) == LUA_TTABLE ? luaL_len(L, r->answers) : 0;
  int found = 0;
  for (int pass = 0; pass < 2 && !found; pass++) {
    if (pass == 0 && lua_isnil(L, r->resp))
      continue;
    for (lua_Integer i = n; i >= 1 && !found; i--) {
      lua_geti(L, r->answers, i);
      int a = lua_gettop(L);
      if (lua_type(L, a) == LUA_TTABLE) {
        lua_getfield(L, a, "response");
        int take = pass == 1
                       ? lua_isnil(L, -1)
                       : !lua_isnil(L, -1) && lua_rawequal(L, -1, r->resp);
        lua_pop(L, 1);
        if (take) {
          if (lua_getfield(L, a, "question") != LUA_TSTRING) {
            lua_pop(L, 1);
            lua_getfield(L, a, "key");
          }
          size_t len;
          const char *name = lua_type(L, -1) == LUA_TSTRING
                                 ? lua_tolstring(L, -1, &len)
                                 : NULL;
          if (name && cb_when_find_question(r->bk, name, len) == q) {
            lua_pop(L, 1);
            found = 1;
            if (!lua_answer_value(r, a, out))
              found = -1; /* answered with nothing a when can read */
          }
        }
      }
      lua_settop(L, top);
    }
  }
  return found == 1;
}

/* ---- the library functions ------------------------------------------- */

/* casebook.eval_when(question, case [, response]). */
int cb_lua_when__eval(lua_State *L) {
  const cb_book *bk = lua_touserdata(L, lua_upvalueindex(1));
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 3);
  if (lua_type(L, 3) != LUA_TNIL && lua_type(L, 3) != LUA_TSTRING)
    return luaL_argerror(L, 3, "a response name or nil");
  int t = lua_getfield(L, 1, "when"); /* 4 */
  if (t == LUA_TNIL) {
    lua_pushboolean(L, 1);
    return 1;
  }
  if (t != LUA_TSTRING) {
    lua_pushnil(L);
    lua_pushliteral(L, "the question has no when");
    return 2;
  }
  compiled *cp = get_compiled(L, 4, bk);
  if (cp->status) {
    lua_pushnil(L);
    lua_pushstring(L, cp->msg);
    return 2;
  }
  char msg[sizeof cp->msg];
  int r;
  const cb_case *c = model_case(L, bk, 2);
  if (c) {
    const char *only = cb_model__only_response(c);
    const char *resp = lua_isnil(L, 3) ? only : lua_tostring(L, 3);
    /* the result for the case's own answers (and those of its only
     * response) is kept per case */
    size_t idx = (size_t)(c - bk->cases);
    int memo = idx < cp->n_cases &&
               (resp == only || (resp && only && strcmp(resp, only) == 0));
    if (memo && memo_of(cp)[idx]) {
      lua_pushboolean(L, memo_of(cp)[idx] == 2);
      return 1;
    }
    r = cb_when_eval_case(when_of(cp), bk, c, resp, msg, sizeof msg);
    if (memo && r >= 0)
      memo_of(cp)[idx] = (unsigned char)(r ? 2 : 1);
  } else {
    if (lua_isnil(L, 3)) {
      /* a case with one response: its answers are the case's answers */
      if (lua_getfield(L, 2, "responses") == LUA_TTABLE &&
          luaL_len(L, -1) == 1) {
        lua_geti(L, -1, 1);
        lua_replace(L, 3);
      }
      lua_settop(L, 4);
    }
    lua_getfield(L, 2, "answers"); /* 5 */
    lua_newtable(L);               /* 6: the anchor */
    lua_reader rd = {L, bk, 5, 3, 6};
    r = cb_when_eval(when_of(cp), read_lua, &rd, msg, sizeof msg);
  }
  if (r < 0) {
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
  }
  lua_pushboolean(L, r);
  return 1;
}

/* casebook.compile_when(question). */
int cb_lua_when__compile(lua_State *L) {
  const cb_book *bk = lua_touserdata(L, lua_upvalueindex(1));
  luaL_checkany(L, 1);
  int t = lua_getfield(L, 1, "when");
  if (t == LUA_TNIL) {
    lua_pushboolean(L, 1);
    return 1;
  }
  if (t != LUA_TSTRING) {
    lua_pushnil(L);
    lua_pushliteral(L, "the question has no when");
    return 2;
  }
  compiled *cp = get_compiled(L, -1, bk);
  if (!cp->status) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  lua_pushstring(L, cp->msg);
  if (cp->status == NOT_A_QUESTION)
    lua_pushliteral(L, "name");
  else
    lua_pushnil(L);
  lua_pushinteger(L, (lua_Integer)cp->pos + 1);
  return 4;
}

/* Registry state for `when`: the compiled texts. */
int cb_lua_when__init(lua_State *L) {
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_CACHE_KEY);
  return 0;
}
