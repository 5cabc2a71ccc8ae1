/* SPDX-License-Identifier: MIT */
/*
 * lua_pattern.c: the pattern functions of the sandbox (see lua_pattern.h).
 *
 * A pattern is read item by item as the matcher reaches it, never parsed
 * ahead: a malformed part that the matcher never reaches is not an error,
 * as in the reference implementation, and reaching it always is. An item
 * is a single-character class with an optional quantifier, a capture
 * opening or closing, %b, %f, a back reference or the closing '$'.
 *
 * The matcher backtracks: it recurses where a choice is left to retry (a
 * quantifier, '?', a capture) and loops over the items in between. The
 * recursion is limited to MAX_DEPTH levels ("pattern too complex"), the
 * same limit Lua uses. Each call of the matcher and each character it
 * scans is a step; every STEP steps are charged to the sandbox, which
 * raises once the budget or the deadline is spent, unwinding the matcher
 * (it holds nothing but the C stack).
 */
#define _GNU_SOURCE /* memmem: a linear-time plain find */
#include "lua_pattern.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "lua_bounded.h"
#include "lua_budget.h"

#define MAX_CAPTURES 32 /* as LUA_MAXCAPTURES */
#define MAX_DEPTH 200   /* as Lua's MAXCCALLS for patterns */
#define STEP 1024       /* steps between two charges */
#define CAP_OPEN (-1)   /* a capture not closed yet */
#define CAP_POSITION (-2)

typedef struct capture {
  const char *at;
  ptrdiff_t len; /* or CAP_OPEN, CAP_POSITION */
} capture;

typedef struct matcher {
  lua_State *L;
  const char *src, *end; /* the subject */
  const char *pat;
  size_t plen;
  int depth_left;
  int level; /* captures in use */
  capture cap[MAX_CAPTURES];
  unsigned steps; /* not charged yet */
} matcher;

enum kind {
  K_SINGLE,    /* one character of a class, maybe quantified */
  K_OPEN,      /* ( */
  K_POSITION,  /* () */
  K_CLOSE,     /* ) */
  K_END,       /* $ as the last character of the pattern */
  K_BALANCE,   /* %bxy */
  K_FRONTIER,  /* %f[set] */
  K_BACKREF    /* %1 .. %9 (and %0, an error when reached) */
};

typedef struct item {
  enum kind kind;
  size_t at;     /* K_SINGLE: the class; K_FRONTIER: the '[' of the set */
  size_t close;  /* K_SINGLE with a set, K_FRONTIER: the set's ']' */
  char quant;    /* K_SINGLE: '*', '+', '-', '?' or 0 */
  size_t next;   /* the item after this one */
} item;

static void charge(matcher *m, unsigned n) {
  m->steps += n;
  if (m->steps >= STEP) {
    long long units = m->steps;
    m->steps = 0;
    cb_lua_budget__charge(m->L, units);
  }
}

/* ---- reading the pattern ---------------------------------------------- */

/* The offset past the set whose '[' is at k. Its first member (after an
 * optional '^') may be ']' itself; "%]" is an escaped member. */
static size_t set_end(matcher *m, size_t k) {
  size_t p = k + 1;
  if (p < m->plen && m->pat[p] == '^')
    p++;
  for (;;) {
    if (p >= m->plen)
      luaL_error(m->L, "malformed pattern (missing ']')");
    char c = m->pat[p++];
    if (c == '%' && p < m->plen)
      p++;
    if (p < m->plen && m->pat[p] == ']')
      return p + 1;
  }
}

static int is_quantifier(char c) {
  return c == '*' || c == '+' || c == '-' || c == '?';
}

/* Reads the item at k (< plen), raising if it is malformed. */
static void read_item(matcher *m, size_t k, item *it) {
  const char *pat = m->pat;
  size_t n = m->plen;
  memset(it, 0, sizeof *it);
  it->at = k;
  switch (pat[k]) {
  case '(':
    if (k + 1 < n && pat[k + 1] == ')') {
      it->kind = K_POSITION;
      it->next = k + 2;
    } else {
      it->kind = K_OPEN;
      it->next = k + 1;
    }
    return;
  case ')':
    it->kind = K_CLOSE;
    it->next = k + 1;
    return;
  case '$':
    if (k + 1 == n) {
      it->kind = K_END;
      it->next = n;
      return;
    }
    break;
  case '%':
    if (k + 1 >= n)
      luaL_error(m->L, "malformed pattern (ends with '%%')");
    if (pat[k + 1] == 'b') {
      if (k + 3 >= n)
        luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
      it->kind = K_BALANCE;
      it->at = k + 2;
      it->next = k + 4;
      return;
    }
    if (pat[k + 1] == 'f') {
      if (k + 2 >= n || pat[k + 2] != '[')
        luaL_error(m->L, "missing '[' after '%%f' in pattern");
      it->kind = K_FRONTIER;
      it->at = k + 2;
      it->next = set_end(m, k + 2);
      it->close = it->next - 1;
      return;
    }
    if (pat[k + 1] >= '0' && pat[k + 1] <= '9') {
      it->kind = K_BACKREF;
      it->at = k + 1;
      it->next = k + 2;
      return;
    }
    break;
  default:
    break;
  }
  it->kind = K_SINGLE;
  size_t e;
  if (pat[k] == '%')
    e = k + 2;
  else if (pat[k] == '[') {
    e = set_end(m, k);
    it->close = e - 1;
  } else
    e = k + 1;
  if (e < n && is_quantifier(pat[e])) {
    it->quant = pat[e];
    e++;
  }
  it->next = e;
}

/* ---- classes ------------------------------------------------------------ */

/* Does c belong to the class %cl? A letter that names no class stands
 * for itself; an upper-case class is the complement of the lower-case
 * one. */
static int in_class(int c, int cl) {
  int r;
  switch (tolower(cl)) {
  case 'a': r = isalpha(c); break;
  case 'c': r = iscntrl(c); break;
  case 'd': r = isdigit(c); break;
  case 'g': r = isgraph(c); break;
  case 'l': r = islower(c); break;
  case 'p': r = ispunct(c); break;
  case 's': r = isspace(c); break;
  case 'u': r = isupper(c); break;
  case 'w': r = isalnum(c); break;
  case 'x': r = isxdigit(c); break;
  case 'z': r = c == 0; break; /* NUL: no longer in the manual, still kept */
  default: return cl == c;
  }
  r = r != 0;
  return isupper(cl) ? !r : r;
}

/* Does c belong to the set between pat[open] ('[') and pat[close] (']')? */
static int in_set(const matcher *m, int c, size_t open, size_t close) {
  const unsigned char *pat = (const unsigned char *)m->pat;
  int yes = 1;
  size_t p = open + 1;
  if (pat[p] == '^') {
    yes = 0;
    p++;
  }
  for (; p < close; p++) {
    if (pat[p] == '%') {
      p++;
      if (in_class(c, pat[p]))
        return yes;
    } else if (p + 2 < close && pat[p + 1] == '-') {
      if (pat[p] <= c && c <= pat[p + 2])
        return yes;
      p += 2;
    } else if (pat[p] == c) {
      return yes;
    }
  }
  return !yes;
}

/* Does the character at s match the single-character item it? */
static int single(const matcher *m, const char *s, const item *it) {
  if (s >= m->end)
    return 0;
  int c = (unsigned char)*s;
  const char *p = m->pat + it->at;
  switch (*p) {
  case '.': return 1;
  case '%': return in_class(c, (unsigned char)p[1]);
  case '[': return in_set(m, c, it->at, it->close);
  default: return (unsigned char)*p == c;
  }
}

/* ---- matching ------------------------------------------------------------ */

static const char *match(matcher *m, const char *s, size_t k);

/* As many as possible, then fewer until the rest matches. */
static const char *greedy(matcher *m, const char *s, const item *it) {
  size_t i = 0;
  while (single(m, s + i, it)) {
    i++;
    charge(m, 1);
  }
  for (;;) {
    const char *r = match(m, s + i, it->next);
    if (r)
      return r;
    if (i == 0)
      return NULL;
    i--;
  }
}

/* As few as possible, then more until the rest matches. */
static const char *lazy(matcher *m, const char *s, const item *it) {
  for (;;) {
    const char *r = match(m, s, it->next);
    if (r)
      return r;
    if (!single(m, s, it))
      return NULL;
    s++;
  }
}

static const char *open_capture(matcher *m, const char *s, size_t next,
                                ptrdiff_t what) {
  if (m->level >= MAX_CAPTURES)
    luaL_error(m->L, "too many captures");
  m->cap[m->level].at = s;
  m->cap[m->level].len = what;
  m->level++;
  const char *r = match(m, s, next);
  if (!r)
    m->level--;
  return r;
}

static const char *close_capture(matcher *m, const char *s, size_t next) {
  int l = m->level - 1;
  while (l >= 0 && m->cap[l].len != CAP_OPEN)
    l--;
  if (l < 0)
    luaL_error(m->L, "invalid pattern capture");
  m->cap[l].len = s - m->cap[l].at;
  const char *r = match(m, s, next);
  if (!r)
    m->cap[l].len = CAP_OPEN;
  return r;
}

static const char *balance(matcher *m, const char *s, const item *it) {
  char open = m->pat[it->at], close = m->pat[it->at + 1];
  if (s >= m->end || *s != open)
    return NULL;
  int depth = 1;
  while (++s < m->end) {
    charge(m, 1);
    if (*s == close) {
      if (--depth == 0)
        return s + 1;
    } else if (*s == open) {
      depth++;
    }
  }
  return NULL;
}

/* The capture a back reference %d (digit d) names, raising if there is
 * none closed. */
static int capture_index(matcher *m, int d) {
  int l = d - '1';
  if (l < 0 || l >= m->level || m->cap[l].len == CAP_OPEN)
    luaL_error(m->L, "invalid capture index %%%d", l + 1);
  return l;
}

static const char *backref(matcher *m, const char *s, const item *it) {
  int l = capture_index(m, (unsigned char)m->pat[it->at]);
  ptrdiff_t len = m->cap[l].len;
  if (len < 0 || (size_t)(m->end - s) < (size_t)len)
    return NULL;
  charge(m, (unsigned)((size_t)len / CB_BYTES_PER_UNIT));
  return memcmp(m->cap[l].at, s, (size_t)len) == 0 ? s + len : NULL;
}

/* Matches the pattern from item k against the subject from s: the end of
 * the match, or NULL. */
static const char *match(matcher *m, const char *s, size_t k) {
  if (m->depth_left-- == 0)
    luaL_error(m->L, "pattern too complex");
  charge(m, 1);
  item it;
  while (s && k < m->plen) {
    read_item(m, k, &it);
    switch (it.kind) {
    case K_OPEN:
    case K_POSITION:
      s = open_capture(m, s, it.next,
                       it.kind == K_OPEN ? CAP_OPEN : CAP_POSITION);
      goto done;
    case K_CLOSE:
      s = close_capture(m, s, it.next);
      goto done;
    case K_END:
      if (s != m->end)
        s = NULL;
      goto done;
    case K_BALANCE:
      s = balance(m, s, &it);
      break;
    case K_FRONTIER: {
      int before = s == m->src ? 0 : (unsigned char)s[-1];
      int here = s < m->end ? (unsigned char)*s : 0;
      if (in_set(m, before, it.at, it.close) ||
          !in_set(m, here, it.at, it.close))
        s = NULL;
      break;
    }
    case K_BACKREF:
      s = backref(m, s, &it);
      break;
    case K_SINGLE:
      if (!single(m, s, &it)) {
        if (it.quant != '*' && it.quant != '?' && it.quant != '-')
          s = NULL;
        break; /* an empty match, where the quantifier allows it */
      }
      switch (it.quant) {
      case '?': {
        const char *r = match(m, s + 1, it.next);
        if (r) {
          s = r;
          goto done;
        }
        break; /* without it */
      }
      case '+':
        s = greedy(m, s + 1, &it);
        goto done;
      case '*':
        s = greedy(m, s, &it);
        goto done;
      case '-':
        s = lazy(m, s, &it);
        goto done;
      default:
        s++;
      }
      break;
    }
    k = it.next;
  }
done:
  m->depth_left++;
  return s;
}

/* ---- captures ----------------------------------------------------------- */

static void start(matcher *m, lua_State *L, const char *s, size_t ls,
                  const char *p, size_t lp) {
  m->L = L;
  m->src = s;
  m->end = s + ls;
  m->pat = p;
  m->plen = lp;
  m->steps = 0;
}

static void restart(matcher *m) {
  m->level = 0;
  m->depth_left = MAX_DEPTH;
}

/* Pushes capture i of the match s..e (the whole match when there are no
 * captures and i is 0). */
static void push_capture(matcher *m, int i, const char *s, const char *e) {
  if (i >= m->level) {
    if (i != 0)
      luaL_error(m->L, "invalid capture index %%%d", i + 1);
    lua_pushlstring(m->L, s, (size_t)(e - s));
    return;
  }
  ptrdiff_t len = m->cap[i].len;
  if (len == CAP_OPEN)
    luaL_error(m->L, "unfinished capture");
  if (len == CAP_POSITION)
    lua_pushinteger(m->L, (lua_Integer)(m->cap[i].at - m->src) + 1);
  else
    lua_pushlstring(m->L, m->cap[i].at, (size_t)len);
}

/* Pushes the captures (the whole match when there are none and s is not
 * NULL); returns how many. */
static int push_captures(matcher *m, const char *s, const char *e) {
  int n = m->level == 0 && s ? 1 : m->level;
  luaL_checkstack(m->L, n, "too many captures");
  for (int i = 0; i < n; i++)
    push_capture(m, i, s, e);
  return n;
}

/* ---- the functions ------------------------------------------------------ */

/* A 1-based position, counted from the end when negative, as an offset. */
static size_t offset_of(lua_Integer pos, size_t len) {
  if (pos > 0)
    return (size_t)pos - 1;
  if (pos == 0 || pos < -(lua_Integer)len)
    return 0;
  return len - (size_t)(-pos);
}

/* Has the pattern no character with a meaning? (A find of it is plain.) */
static int plain_pattern(const char *p, size_t lp) {
  for (size_t i = 0; i < lp; i++)
    if (strchr("^$*+?.([%-", p[i]) && p[i] != '\0')
      return 0;
  return 1;
}

static int find_or_match(lua_State *L, int find) {
  size_t ls, lp;
  const char *s = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  size_t init = offset_of(luaL_optinteger(L, 3, 1), ls);
  if (init > ls) {
    lua_pushnil(L);
    return 1;
  }
  if (find && (lua_toboolean(L, 4) || plain_pattern(p, lp))) {
    cb_lua_budget__charge(L, (long long)((ls - init + lp) / CB_BYTES_PER_UNIT));
    const char *at = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);
    if (!at) {
      lua_pushnil(L);
      return 1;
    }
    lua_pushinteger(L, (lua_Integer)(at - s) + 1);
    lua_pushinteger(L, (lua_Integer)(at - s + (ptrdiff_t)lp));
    return 2;
  }
  matcher m;
  int anchored = lp > 0 && *p == '^';
  if (anchored) {
    p++;
    lp--;
  }
  start(&m, L, s, ls, p, lp);
  const char *from = s + init;
  do {
    restart(&m);
    const char *e = match(&m, from, 0);
    if (e) {
      if (find) {
        lua_pushinteger(L, (lua_Integer)(from - s) + 1);
        lua_pushinteger(L, (lua_Integer)(e - s));
        return push_captures(&m, NULL, NULL) + 2;
      }
      return push_captures(&m, from, e);
    }
  } while (from++ < m.end && !anchored);
  lua_pushnil(L);
  return 1;
}

static int l_find(lua_State *L) { return find_or_match(L, 1); }
static int l_match(lua_State *L) { return find_or_match(L, 0); }

/* The state of one gmatch loop, a userdata upvalue of its iterator. */
typedef struct gmatch_state {
  matcher m;
  const char *at;        /* where the next search starts */
  const char *last_end;  /* the end of the last match: no empty match there */
} gmatch_state;

static int gmatch_next(lua_State *L) {
  gmatch_state *g = lua_touserdata(L, lua_upvalueindex(3));
  g->m.L = L;
  for (const char *s = g->at; s <= g->m.end; s++) {
    restart(&g->m);
    const char *e = match(&g->m, s, 0);
    if (e && e != g->last_end) {
      g->at = g->last_end = e;
      return push_captures(&g->m, s, e);
    }
  }
  return 0;
}

/* gmatch(s, pattern [, init]): a '^' is an ordinary character here. */
static int l_gmatch(lua_State *L) {
  size_t ls, lp;
  const char *s = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  size_t init = offset_of(luaL_optinteger(L, 3, 1), ls);
  lua_settop(L, 2); /* the strings stay alive as upvalues */
  gmatch_state *g = lua_newuserdatauv(L, sizeof *g, 0);
  if (init > ls)
    init = ls + 1;
  start(&g->m, L, s, ls, p, lp);
  g->at = s + init;
  g->last_end = NULL;
  lua_pushcclosure(L, gmatch_next, 3);
  return 1;
}

/* Appends the replacement string (argument 3) for the match s..e:
 * %0 the match, %1..%9 a capture, %% a percent sign. */
static void add_string(matcher *m, luaL_Buffer *b, const char *s,
                       const char *e) {
  lua_State *L = m->L;
  size_t n;
  const char *r = lua_tolstring(L, 3, &n);
  const char *end = r + n;
  while (r < end) {
    const char *pct = memchr(r, '%', (size_t)(end - r));
    if (!pct) {
      luaL_addlstring(b, r, (size_t)(end - r));
      break;
    }
    luaL_addlstring(b, r, (size_t)(pct - r));
    char c = pct + 1 < end ? pct[1] : '\0';
    if (c == '%') {
      luaL_addchar(b, '%');
    } else if (c == '0') {
      luaL_addlstring(b, s, (size_t)(e - s));
    } else if (c >= '1' && c <= '9') {
      push_capture(m, c - '1', s, e);
      /* a position capture is a number: tostring'd by addvalue */
      lua_tostring(L, -1);
      luaL_addvalue(b);
    } else {
      luaL_error(L, "invalid use of '%c' in replacement string", '%');
    }
    r = pct + 2;
  }
  charge(m, (unsigned)(n / CB_BYTES_PER_UNIT));
}

/* Appends the replacement of the match s..e; returns whether the text
 * changed (a function or table that gives false or nil keeps it). */
static int add_value(matcher *m, luaL_Buffer *b, const char *s,
                     const char *e, int type) {
  lua_State *L = m->L;
  if (type == LUA_TFUNCTION) {
    lua_pushvalue(L, 3);
    int n = push_captures(m, s, e);
    lua_call(L, n, 1);
  } else if (type == LUA_TTABLE) {
    push_capture(m, 0, s, e);
    lua_gettable(L, 3);
  } else {
    add_string(m, b, s, e);
    return 1;
  }
  if (!lua_toboolean(L, -1)) {
    lua_pop(L, 1);
    luaL_addlstring(b, s, (size_t)(e - s));
    return 0;
  }
  if (!lua_isstring(L, -1))
    return luaL_error(L, "invalid replacement value (a %s)",
                      luaL_typename(L, -1));
  luaL_addvalue(b);
  return 1;
}

/* gsub(s, pattern, repl [, n]) */
static int l_gsub(lua_State *L) {
  size_t ls, lp;
  const char *src = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  int type = lua_type(L, 3);
  lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
  luaL_argexpected(L,
                   type == LUA_TNUMBER || type == LUA_TSTRING ||
                       type == LUA_TFUNCTION || type == LUA_TTABLE,
                   3, "string/function/table");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  int anchored = lp > 0 && *p == '^';
  if (anchored) {
    p++;
    lp--;
  }
  matcher m;
  start(&m, L, src, ls, p, lp);
  const char *s = src, *last_end = NULL;
  lua_Integer n = 0;
  int changed = 0;
  while (n < max) {
    restart(&m);
    const char *e = match(&m, s, 0);
    if (e && e != last_end) {
      n++;
      changed |= add_value(&m, &b, s, e, type);
      s = last_end = e;
    } else if (s < m.end) {
      luaL_addchar(&b, *s++);
    } else {
      break;
    }
    if (anchored)
      break;
  }
  if (!changed) {
    lua_pushvalue(L, 1);
  } else {
    luaL_addlstring(&b, s, (size_t)(m.end - s));
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, n);
  return 2;
}

void cb_lua_pattern__install(lua_State *L) {
  static const luaL_Reg fns[] = {{"find", l_find},
                                 {"match", l_match},
                                 {"gmatch", l_gmatch},
                                 {"gsub", l_gsub},
                                 {NULL, NULL}};
  lua_getfield(L, -1, "string");
  luaL_setfuncs(L, fns, 0);
  lua_pop(L, 1);
}
