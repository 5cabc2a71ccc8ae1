/*
 * lua_when.c: compiling and evaluating `when` expressions (see
 * lua_when.h).
 */
#include "lua_when.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "casebook/casebook.h"
#include "lua_model.h"
#include "sandbox.h"

/* Registry keys (their addresses). */
static char WHEN_CACHE_KEY, WHEN_MEMO_KEY, WHEN_NAMES_KEY, WHEN_LIB_KEY,
    WHEN_MT_KEY, UNANSWERED_KEY, WHEN_FREE_KEY;

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Pushes the compiled `when` of the question at q: a function, or nil and
 * a message. Compiled once per distinct text. */
static int push_when(lua_State *L, int q) {
  if (lua_getfield(L, q, "when") != LUA_TSTRING) {
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_pushliteral(L, "the question has no when");
    return 2;
  }
  int text = lua_gettop(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_CACHE_KEY);
  int cache = lua_gettop(L);
  lua_pushvalue(L, text);
  int t = lua_rawget(L, cache);
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    size_t len;
    const char *w = lua_tolstring(L, text, &len);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "return (");
    luaL_addlstring(&b, w, len);
    luaL_addstring(&b, "\n)");
    luaL_pushresult(&b);
    size_t slen;
    const char *src = lua_tolstring(L, -1, &slen);
    if (luaL_loadbufferx(L, src, slen, "=when", "t") != LUA_OK) {
      /* the message of the expression as written reads better than one
       * about the parentheses around it */
      lua_pop(L, 1);
      luaL_buffinit(L, &b);
      luaL_addstring(&b, "return ");
      luaL_addlstring(&b, w, len);
      luaL_pushresult(&b);
      const char *plain = lua_tolstring(L, -1, &slen);
      if (luaL_loadbufferx(L, plain, slen, "=when", "t") == LUA_OK) {
        lua_pop(L, 1);
        lua_pushliteral(L, "when:1: not a single expression");
      }
      lua_remove(L, -2);
      const char *msg = lua_tostring(L, -1);
      if (msg && strncmp(msg, "when:", 5) == 0) {
        const char *p = strchr(msg + 5, ':');
        if (p)
          lua_pushstring(L, p[1] == ' ' ? p + 2 : p + 1);
        else
          lua_pushvalue(L, -1);
      } else {
        lua_pushstring(L, msg ? msg : "does not compile");
      }
      lua_remove(L, -2);
    }
    lua_remove(L, -2); /* the source */
    lua_pushvalue(L, text);
    lua_pushvalue(L, -2);
    lua_rawset(L, cache);
    t = lua_type(L, -1);
  }
  lua_replace(L, text);
  lua_settop(L, text);
  if (t == LUA_TFUNCTION)
    return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

/* The value a when expression sees for the answer at a. Pushes it. */
static void push_when_value(lua_State *L, int a) {
  const char *kind = "";
  if (lua_getfield(L, a, "kind") == LUA_TSTRING)
    kind = lua_tostring(L, -1);
  lua_pop(L, 1);
  int has_error = lua_getfield(L, a, "error") != LUA_TNIL;
  lua_pop(L, 1);
  if (!has_error && (strcmp(kind, "option") == 0 ||
                     strcmp(kind, "pairwise") == 0)) {
    lua_getfield(L, a, "items");
    lua_geti(L, -1, 1);
    lua_remove(L, -2);
    return;
  }
  if (!has_error && strcmp(kind, "number") == 0) {
    lua_getfield(L, a, "number");
    return;
  }
  if (!has_error &&
      (strcmp(kind, "options") == 0 || strcmp(kind, "rank") == 0)) {
    /* a fresh list that is also a set: issues[1], issues.tone */
    lua_getfield(L, a, "items");
    int items = lua_gettop(L);
    lua_Integer n = luaL_len(L, items);
    lua_createtable(L, (int)n, (int)n);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, items, i);
      lua_pushvalue(L, -1);
      lua_rawseti(L, -3, i);
      lua_pushboolean(L, 1);
      lua_rawset(L, -3);
    }
    lua_remove(L, items);
    return;
  }
  lua_getfield(L, a, "raw");
}

/* Sets name = value in the table at t, and its alias with '-' and '.'
 * read as '_' (so `over_refusal` names question over-refusal). Pops the
 * value. */
static void set_name(lua_State *L, int t, const char *name) {
  lua_pushvalue(L, -1);
  lua_setfield(L, t, name);
  if (strpbrk(name, "-.")) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const char *p = name; *p; p++)
      luaL_addchar(&b, *p == '-' || *p == '.' ? '_' : *p);
    luaL_pushresult(&b);
    lua_insert(L, -2);
    lua_settable(L, t);
  } else {
    lua_pop(L, 1);
  }
}

static int when_readonly(lua_State *L) {
  return luaL_error(L, "a when expression cannot assign");
}

/* Pushes the environment a when expression sees for the case table at c
 * (answers read through Lua, for tables that are not the model's own):
 * the case-level answers, then those of the response named at r. */
static void push_lua_env(lua_State *L, int c, int r) {
  lua_newtable(L);
  int env = lua_gettop(L);
  lua_getfield(L, c, "answers");
  int answers = lua_gettop(L);
  lua_Integer n = lua_type(L, answers) == LUA_TNIL ? 0 : luaL_len(L, answers);
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1 && lua_isnil(L, r))
      break;
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, answers, i);
      int a = lua_gettop(L);
      lua_getfield(L, a, "response");
      int take = pass == 0 ? lua_isnil(L, -1)
                           : !lua_isnil(L, -1) && lua_rawequal(L, -1, r);
      lua_pop(L, 1);
      if (take) {
        if (lua_getfield(L, a, "question") != LUA_TSTRING) {
          lua_pop(L, 1);
          lua_getfield(L, a, "key");
        }
        if (lua_type(L, -1) == LUA_TSTRING) {
          const char *name = lua_tostring(L, -1);
          push_when_value(L, a);
          set_name(L, env, name);
        }
      }
      lua_settop(L, a - 1);
    }
  }
  lua_settop(L, env);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_MT_KEY);
  lua_setmetatable(L, env);
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
        lua_getfield(L, idx, "id") == LUA_TSTRING &&
        bk->cases[i - 1].id &&
        strcmp(lua_tostring(L, -1), bk->cases[i - 1].id) == 0)
      c = &bk->cases[i - 1];
  }
  lua_settop(L, top);
  return c;
}

/* The name of a case's only response, or NULL unless it has one. */
static const char *only_response(const cb_case *c) {
  const char *name = NULL;
  size_t n = 0;
  for (size_t i = 0; i < c->n_inputs; i++)
    if (c->inputs[i].kind == CB_IN_RESPONSE) {
      name = c->inputs[i].name ? c->inputs[i].name : "";
      n++;
    }
  return n == 1 ? name : NULL;
}

static int answer_taken(const cb_answer *a, int pass, const char *resp) {
  if (pass == 0)
    return a->response == NULL;
  return a->response && strcmp(a->response, resp) == 0;
}

static const char *answer_name(const cb_book *bk, const cb_answer *a) {
  if (a->question >= 0 && (size_t)a->question < bk->n_questions)
    return bk->questions[a->question].id;
  return a->key;
}

/* Does a when whose free names are the set at free read the answer named
 * name, by the name or its alias (- and . read as _)? A name too long to
 * alias counts as read. */
static int reads_name(lua_State *L, int free, const char *name) {
  char alias[128];
  size_t n = strlen(name);
  if (n >= sizeof alias)
    return 1;
  for (size_t k = 0; k <= n; k++)
    alias[k] = name[k] == '-' || name[k] == '.' ? '_' : name[k];
  lua_pushlstring(L, alias, n);
  int read = lua_rawget(L, free) != LUA_TNIL;
  lua_pop(L, 1);
  if (!read && strcmp(alias, name) != 0) {
    lua_pushlstring(L, name, n);
    read = lua_rawget(L, free) != LUA_TNIL;
    lua_pop(L, 1);
  }
  return read;
}

/* Pushes the signature of what a when sees in case c (for resp): two
 * cases with the same signature give every when the same result. Only
 * the answers named by one of the when's free names (the set at free, or
 * all of them when free is 0) count: `harm ~= "safe"` then has as many
 * signatures as harm has values, however many cases there are. reads
 * says it per question of bk (see push_free_names). */
static void push_signature(lua_State *L, const cb_book *bk, const cb_case *c,
                           const char *resp, int free,
                           const unsigned char *reads) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int pass = 0; pass < (resp ? 2 : 1); pass++) {
    for (size_t i = 0; i < c->n_answers; i++) {
      const cb_answer *a = &c->answers[i];
      const char *name = answer_name(bk, a);
      if (!name || !answer_taken(a, pass, resp))
        continue;
      if (free && !(a->question >= 0 && (size_t)a->question < bk->n_questions
                        ? reads[a->question]
                        : reads_name(L, free, name)))
        continue;
      luaL_addstring(&b, name);
      luaL_addchar(&b, '\x1f');
      luaL_addstring(&b, a->raw ? a->raw : "");
      luaL_addchar(&b, a->error ? '\x1c' : '\x1e');
    }
    luaL_addchar(&b, '\x1d');
  }
  luaL_pushresult(&b);
}

/* Pushes the environment of a when for case c, from the C model. */
static void push_c_env(lua_State *L, const cb_book *bk, const cb_case *c,
                       const char *resp) {
  lua_createtable(L, 0, (int)c->n_answers * 2);
  int env = lua_gettop(L);
  for (int pass = 0; pass < (resp ? 2 : 1); pass++) {
    for (size_t i = 0; i < c->n_answers; i++) {
      const cb_answer *a = &c->answers[i];
      const char *name = answer_name(bk, a);
      if (!name || !answer_taken(a, pass, resp))
        continue;
      if (a->error || a->kind == CB_V_NONE || a->kind == CB_V_TEXT ||
          a->n_items == 0) {
        if (!a->error && a->kind == CB_V_OPTIONS)
          lua_newtable(L); /* multi "none" */
        else if (!a->error && a->kind == CB_V_NUMBER)
          lua_pushinteger(L, (lua_Integer)a->number);
        else
          lua_pushstring(L, a->raw ? a->raw : "");
      } else if (a->kind == CB_V_NUMBER) {
        lua_pushinteger(L, (lua_Integer)a->number);
      } else if (a->kind == CB_V_OPTION || a->kind == CB_V_PAIRWISE) {
        lua_pushstring(L, a->items[0] ? a->items[0] : "");
      } else {
        /* multi and rank: a list that is also a set */
        lua_createtable(L, (int)a->n_items, (int)a->n_items);
        for (size_t k = 0; k < a->n_items; k++) {
          lua_pushstring(L, a->items[k] ? a->items[k] : "");
          lua_pushvalue(L, -1);
          lua_rawseti(L, -3, (lua_Integer)k + 1);
          lua_pushboolean(L, 1);
          lua_rawset(L, -3);
        }
      }
      set_name(L, env, name);
    }
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_MT_KEY);
  lua_setmetatable(L, env);
}

/* Pushes "'name' is not a question (did you mean 'x'?)". */
static void push_not_a_question(lua_State *L, const char *name) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_NAMES_KEY);
  int names = lua_gettop(L);
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, names)) {
    n++;
    lua_pop(L, 1);
  }
  const char **cands = lua_newuserdatauv(L, (n ? n : 1) * sizeof *cands, 0);
  size_t k = 0;
  lua_pushnil(L);
  while (lua_next(L, names)) {
    if (lua_type(L, -2) == LUA_TSTRING && k < n)
      cands[k++] = lua_tostring(L, -2);
    lua_pop(L, 1);
  }
  /* sorted, so the answer does not depend on the table's order */
  qsort(cands, k, sizeof *cands, cmp_name);
  const char *best = cb_suggest(name, cands, k);
  if (best)
    lua_pushfstring(L, "'%s' is not a question (did you mean '%s'?)", name,
                    best);
  else
    lua_pushfstring(L, "'%s' is not a question", name);
  lua_replace(L, names);
  lua_settop(L, names);
}

/* __index of a when's answers. A question that is not answered stops the
 * expression: it raises the UNANSWERED sentinel, which run_when turns into
 * "does not apply" (annotation tools hide a conditional question until the
 * question its condition reads is answered). The few library names read
 * as themselves;
 * anything else is an error (a misspelt question id would otherwise read
 * as unanswered silently). */
static int when_fallback(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_NAMES_KEY);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL) {
    lua_pushlightuserdata(L, &UNANSWERED_KEY);
    return lua_error(L);
  }
  lua_pop(L, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_LIB_KEY);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL)
    return 1;
  if (lua_type(L, 2) != LUA_TSTRING)
    return luaL_error(L, "unknown name");
  push_not_a_question(L, lua_tostring(L, 2));
  return lua_error(L);
}

/* has(x, v): x equals v, or x is a list/set holding v. */
static int l_has(lua_State *L) {
  luaL_checkany(L, 2);
  if (lua_type(L, 1) == LUA_TTABLE) {
    lua_pushvalue(L, 2);
    if (lua_gettable(L, 1) == LUA_TBOOLEAN && lua_toboolean(L, -1)) {
      lua_pushboolean(L, 1);
      return 1;
    }
    lua_Integer n = luaL_len(L, 1);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, 1, i);
      if (lua_compare(L, -1, 2, LUA_OPEQ)) {
        lua_pushboolean(L, 1);
        return 1;
      }
      lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPEQ));
  return 1;
}

/* Runs the compiled when (below its environment on the stack: fn, env)
 * and pushes true/false, or nil and a message. Returns the number of
 * values pushed. */
static int run_when(lua_State *L, int fn) {
  if (!lua_setupvalue(L, fn, 1))
    lua_pop(L, 1);
  lua_pushvalue(L, fn);
  /* the expression is the user's code: charged even inside a built-in
   * rule */
  cb_sandbox *sb = cb_sandbox__of(L);
  int was_suspended = cb_sandbox__resume(sb);
  int rc = lua_pcall(L, 0, 1, 0);
  cb_sandbox__restore(sb, was_suspended);
  if (rc != LUA_OK) {
    if (lua_touserdata(L, -1) == &UNANSWERED_KEY) {
      lua_pop(L, 1);
      lua_pushboolean(L, 0);
      return 1;
    }
    lua_pushnil(L);
    if (lua_type(L, -2) == LUA_TSTRING) {
      const char *msg = lua_tostring(L, -2);
      const char *p = strncmp(msg, "when:", 5) == 0 ? strchr(msg + 5, ':')
                                                     : NULL;
      if (p)
        lua_pushstring(L, p[1] == ' ' ? p + 2 : p + 1);
      else
        lua_pushvalue(L, -2);
    } else {
      lua_pushliteral(L, "the expression raised a non-string error");
    }
    lua_remove(L, -3);
    return 2;
  }
  lua_pushboolean(L, lua_toboolean(L, -1));
  lua_remove(L, -2);
  return 1;
}

/* Is s (length n) a Lua keyword? */
static int is_keyword(const char *s, size_t n) {
  static const char *const kw[] = {
      "and",   "break", "do",     "else", "elseif", "end",   "false",
      "for",   "function", "goto", "if",  "in",     "local", "nil",
      "not",   "or",    "repeat", "return", "then", "true",  "until",
      "while", NULL};
  for (const char *const *k = kw; *k; k++)
    if (strlen(*k) == n && memcmp(*k, s, n) == 0)
      return 1;
  return 0;
}

/* The first free name of the when text w (length len) that is neither a
 * question nor a library name: pushes it and returns 1, or returns 0.
 * A free name is an identifier that is not a keyword, not a field (after
 * '.' or ':'), not a key of a table constructor (before '=') and not a
 * parameter of a function in the expression. Read statically, so a name
 * behind a short-circuit (`extent > 1 and hram == 1`) is found too. */
static int scan_names(lua_State *L, const char *w, size_t len, int collect);

static int push_unknown_name(lua_State *L, const char *w, size_t len) {
  return scan_names(L, w, len, 0);
}

/* With collect, scan_names instead adds every free name of w to the
 * table on top of the stack (name -> true) and returns 1 if w reads its
 * environment some other way (_ENV), else 0. */
static int scan_names(lua_State *L, const char *w, size_t len, int collect) {
  int out = lua_gettop(L);
  int dynamic = 0;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_NAMES_KEY);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_LIB_KEY);
  lua_newtable(L); /* parameters */
  int names = lua_gettop(L) - 2, lib = names + 1, params = names + 2;
  char prev = 0; /* the last significant character before the token */
  int in_params = 0;
  size_t i = 0;
  while (i < len) {
    unsigned char ch = (unsigned char)w[i];
    if (ch == '-' && i + 1 < len && w[i + 1] == '-') { /* comment */
      i += 2;
      if (i < len && w[i] == '[') {
        size_t k = i + 1, eq = 0;
        while (k < len && w[k] == '=')
          k++, eq++;
        if (k < len && w[k] == '[') {
          for (i = k + 1; i < len; i++)
            if (w[i] == ']' && i + eq + 1 < len + 0 &&
                strspn(w + i + 1, "=") >= eq && w[i + 1 + eq] == ']') {
              i += eq + 2;
              break;
            }
          continue;
        }
      }
      while (i < len && w[i] != '\n')
        i++;
      continue;
    }
    if (ch == '"' || ch == '\'') { /* short string */
      for (i++; i < len && w[i] != (char)ch && w[i] != '\n'; i++)
        if (w[i] == '\\')
          i++;
      i++;
      prev = 's';
      continue;
    }
    if (ch == '[' && i + 1 < len && (w[i + 1] == '[' || w[i + 1] == '=')) {
      size_t k = i + 1, eq = 0;
      while (k < len && w[k] == '=')
        k++, eq++;
      if (k < len && w[k] == '[') { /* long string */
        for (i = k + 1; i < len; i++)
          if (w[i] == ']' && strspn(w + i + 1, "=") >= eq &&
              i + 1 + eq < len && w[i + 1 + eq] == ']') {
            i += eq + 2;
            break;
          }
        prev = 's';
        continue;
      }
    }
    if (ch >= '0' && ch <= '9') { /* number, with exponent and hex digits */
      while (i < len && (isalnum((unsigned char)w[i]) || w[i] == '.' ||
                         ((w[i] == '+' || w[i] == '-') &&
                          strchr("eEpP", w[i - 1]))))
        i++;
      prev = '0';
      continue;
    }
    if (isalpha(ch) || ch == '_') {
      size_t start = i;
      while (i < len && (isalnum((unsigned char)w[i]) || w[i] == '_'))
        i++;
      size_t n = i - start;
      size_t k = i;
      while (k < len && isspace((unsigned char)w[k]))
        k++;
      int is_key = k < len && w[k] == '=' && !(k + 1 < len && w[k + 1] == '=');
      if (collect && n == 4 && memcmp(w + start, "_ENV", 4) == 0)
        dynamic = 1;
      if (n == 8 && memcmp(w + start, "function", 8) == 0) {
        in_params = 1;
      } else if (collect && !is_keyword(w + start, n) && prev != '.' &&
                 prev != ':' && !is_key &&
                 !(n == 4 && memcmp(w + start, "_ENV", 4) == 0)) {
        lua_pushlstring(L, w + start, n);
        lua_pushboolean(L, 1);
        lua_rawset(L, in_params ? params : out);
      } else if (!is_keyword(w + start, n) && prev != '.' && prev != ':' &&
                 !is_key && !(n == 4 && memcmp(w + start, "_ENV", 4) == 0)) {
        lua_pushlstring(L, w + start, n);
        if (in_params) {
          lua_pushboolean(L, 1);
          lua_rawset(L, params);
        } else if (lua_pushvalue(L, -1), lua_rawget(L, names) == LUA_TNIL &&
                   (lua_pop(L, 1), lua_pushvalue(L, -1),
                    lua_rawget(L, lib) == LUA_TNIL) &&
                   (lua_pop(L, 1), lua_pushvalue(L, -1),
                    lua_rawget(L, params) == LUA_TNIL)) {
          lua_pop(L, 1);
          lua_replace(L, names);
          lua_settop(L, names);
          return 1;
        } else {
          lua_pop(L, 2);
        }
      }
      prev = 'a';
      continue;
    }
    if (!isspace(ch)) {
      if (ch == ')' && in_params)
        in_params = 0;
      /* ".." is concatenation, not a field access */
      prev = ch == '.' && i + 1 < len && w[i + 1] == '.' ? '+' : (char)ch;
      if (ch == '.' && i + 1 < len && w[i + 1] == '.')
        i++;
    }
    i++;
  }
  lua_settop(L, names - 1);
  return dynamic;
}

/* casebook.compile_when(question): true; or nil and the compiler's
 * message; or nil, a message and "name" when the expression names
 * something that is not a question (read without running it). */
int cb_lua_when__compile(lua_State *L) {
  luaL_checkany(L, 1);
  if (lua_type(L, 1) == LUA_TTABLE) {
    int t = lua_getfield(L, 1, "when");
    lua_pop(L, 1);
    if (t == LUA_TNIL) {
      lua_pushboolean(L, 1);
      return 1;
    }
  }
  if (push_when(L, 1) == 2)
    return 2;
  lua_getfield(L, 1, "when");
  size_t len;
  const char *w = lua_tolstring(L, -1, &len);
  if (w && push_unknown_name(L, w, len)) {
    const char *name = lua_tostring(L, -1);
    lua_pushnil(L);
    push_not_a_question(L, name);
    lua_pushliteral(L, "name");
    return 3;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* Pushes the set of free names of the when text at w (made once per
 * text) and returns its index, or pushes false and returns 0 when the
 * text reads its environment through _ENV. With the set, *reads is which
 * questions of bk it reads (reads_name of each id, made once per set and
 * kept in the registry, keyed by the set). */
static int push_free_names(lua_State *L, int w, const cb_book *bk,
                           const unsigned char **reads) {
  w = lua_absindex(L, w);
  *reads = NULL;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_FREE_KEY);
  lua_pushvalue(L, w);
  int t = lua_rawget(L, -2);
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    size_t len;
    const char *text = lua_tolstring(L, w, &len);
    lua_newtable(L);
    if (scan_names(L, text, len, 1)) {
      lua_pop(L, 1);
      lua_pushboolean(L, 0);
    }
    lua_pushvalue(L, w);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
    t = lua_type(L, -1);
  }
  if (t != LUA_TTABLE) {
    lua_remove(L, -2);
    return 0;
  }
  int set = lua_gettop(L);
  lua_pushvalue(L, set);
  if (lua_rawget(L, set - 1) != LUA_TUSERDATA) {
    lua_pop(L, 1);
    unsigned char *flags =
        lua_newuserdatauv(L, bk->n_questions ? bk->n_questions : 1, 0);
    for (size_t i = 0; i < bk->n_questions; i++)
      flags[i] = bk->questions[i].id &&
                 reads_name(L, set, bk->questions[i].id);
    lua_pushvalue(L, set);
    lua_pushvalue(L, -2);
    lua_rawset(L, set - 1);
  }
  *reads = lua_touserdata(L, -1);
  lua_pop(L, 1);
  lua_remove(L, set - 1);
  return lua_gettop(L);
}

/* casebook.eval_when(question, case [, response]): true or false, or nil
 * and a message when the expression does not compile or fails. For the
 * model's own cases the result is remembered per `when` text and per
 * signature of the answers it sees. Upvalue: the book (or NULL). */
int cb_lua_when__eval(lua_State *L) {
  const cb_book *bk = lua_touserdata(L, lua_upvalueindex(1));
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 3);
  if (lua_type(L, 3) != LUA_TNIL && lua_type(L, 3) != LUA_TSTRING)
    return luaL_argerror(L, 3, "a response name or nil");
  int t = lua_getfield(L, 1, "when");
  lua_pop(L, 1);
  if (t == LUA_TNIL) {
    lua_pushboolean(L, 1);
    return 1;
  }
  const cb_case *c = model_case(L, bk, 2);
  if (!c) {
    if (lua_isnil(L, 3)) {
      /* a case with one response: its answers are the case's answers */
      if (lua_getfield(L, 2, "responses") == LUA_TTABLE &&
          luaL_len(L, -1) == 1) {
        lua_geti(L, -1, 1);
        lua_replace(L, 3);
      }
      lua_settop(L, 3);
    }
    if (push_when(L, 1) == 2)
      return 2;
    int fn = lua_gettop(L);
    push_lua_env(L, 2, 3);
    return run_when(L, fn);
  }

  const char *resp = lua_isnil(L, 3) ? only_response(c) : lua_tostring(L, 3);
  int explicit = !lua_isnil(L, 3) && resp != only_response(c);
  /* memo[when] = { [case index] = result, ["index\0response"] = result,
   *                [signature] = result } */
  lua_getfield(L, 1, "when"); /* 4: the text */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_MEMO_KEY);
  lua_pushvalue(L, 4);
  if (lua_rawget(L, -2) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, 4);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
  }
  int memo = lua_gettop(L);
  lua_Integer idx = (lua_Integer)(c - bk->cases) + 1;
  if (explicit)
    lua_pushfstring(L, "%I\x1f%s", idx, resp);
  else
    lua_pushinteger(L, idx);
  int key = lua_gettop(L);
  for (int round = 0; round < 2; round++) {
    if (round == 1) {
      const unsigned char *reads;
      int free = push_free_names(L, 4, bk, &reads);
      push_signature(L, bk, c, resp, free, reads);
    }
    lua_pushvalue(L, -1);
    switch (lua_rawget(L, memo)) {
    case LUA_TBOOLEAN:
      if (round == 1) {
        lua_pushvalue(L, key);
        lua_pushvalue(L, -2);
        lua_rawset(L, memo);
      }
      return 1;
    case LUA_TSTRING:
      lua_pushnil(L);
      lua_insert(L, -2);
      return 2;
    default:
      lua_pop(L, 1);
    }
  }
  int sig = lua_gettop(L);
  if (push_when(L, 1) == 2)
    return 2;
  int fn = lua_gettop(L);
  push_c_env(L, bk, c, resp);
  int n = run_when(L, fn);
  cb_sandbox *sb = cb_sandbox__of(L);
  if (sb->exhausted == CB_LIMIT_NONE && !sb->mem_refused) {
    lua_pushvalue(L, sig);
    lua_pushvalue(L, -2); /* the result, or the message */
    lua_rawset(L, memo);
    lua_pushvalue(L, key);
    lua_pushvalue(L, -2);
    lua_rawset(L, memo);
  }
  return n;
}

/* Registry state for `when`: compiled cache, per-case environments, the
 * names that are questions, the library a when may use. */
int cb_lua_when__init(lua_State *L) {
  const cb_book *bk = lua_touserdata(L, 1);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_CACHE_KEY);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_MEMO_KEY);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_FREE_KEY);

  lua_newtable(L);
  int names = lua_gettop(L);
  for (size_t i = 0; bk && i < bk->n_questions; i++) {
    if (!bk->questions[i].id)
      continue;
    lua_pushboolean(L, 1);
    set_name(L, names, bk->questions[i].id);
  }
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_NAMES_KEY);

  /* the library: has, and read-only views of string and math */
  lua_newtable(L);
  int lib = lua_gettop(L);
  lua_pushcfunction(L, l_has);
  lua_setfield(L, lib, "has");
  lua_pushglobaltable(L);
  static const char *const copied[] = {"tonumber", "tostring", "type",
                                       "ipairs", "pairs", "select", NULL};
  for (const char *const *c = copied; *c; c++) {
    lua_getfield(L, -1, *c);
    lua_setfield(L, lib, *c);
  }
  static const char *const libs[] = {"string", "math", "utf8", NULL};
  for (const char *const *c = libs; *c; c++) {
    lua_newtable(L);
    lua_getfield(L, -2, *c);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, -3)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -4);
    }
    lua_remove(L, -2);
    lua_createtable(L, 0, 2);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, when_readonly);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
    lua_setfield(L, lib, *c);
  }
  lua_pop(L, 1);
  lua_pushvalue(L, lib);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_LIB_KEY);
  lua_pop(L, 1);

  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, when_fallback);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, when_readonly);
  lua_setfield(L, -2, "__newindex");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_MT_KEY);
  return 0;
}

