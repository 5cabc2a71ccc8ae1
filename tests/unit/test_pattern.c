/* SPDX-License-Identifier: MIT */
/*
 * test_pattern.c: the sandbox's pattern functions (lua_pattern.c) give
 * what Lua's own string library gives, result for result and message for
 * message, on many random patterns and subjects: a plain luaL_newstate
 * with luaL_openlibs holds the real functions, a sandbox holds ours, and
 * the same probe runs in both. Then the cases the library cannot bound:
 * a backtracking pattern stopped by the budget, and by the deadline
 * where there is no budget (a built-in rule).
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

#include "casebook/casebook.h"
#include "sandbox.h"
#include "testlib.h"

/* Every function of a pattern, and the other arguments they take, on
 * (s, p): one line per call, "ok,results" or "err,message". */
static const char probe[] =
    "local s, p = ...\n"
    "local out = {}\n"
    "local function show(ok, ...)\n"
    "  local t = { ok and 'ok' or 'err' }\n"
    "  for i = 1, select('#', ...) do\n"
    "    local v = select(i, ...)\n"
    "    t[#t + 1] = type(v) .. ':' .. tostring(v)\n"
    "  end\n"
    "  out[#out + 1] = table.concat(t, ',')\n"
    "end\n"
    "local function try(f, ...) show(pcall(f, ...)) end\n"
    "local function each(init)\n"
    "  return function()\n"
    "    local r = {}\n"
    "    for a, b in string.gmatch(s, p, init) do\n"
    "      r[#r + 1] = tostring(a) .. '|' .. tostring(b)\n"
    "      if #r > 40 then break end\n"
    "    end\n"
    "    return table.concat(r, ';')\n"
    "  end\n"
    "end\n"
    "try(string.find, s, p)\n"
    "try(string.find, s, p, 3)\n"
    "try(string.find, s, p, -2)\n"
    "try(string.find, s, p, 40)\n"
    "try(string.find, s, p, 1, true)\n"
    "try(string.match, s, p)\n"
    "try(string.match, s, p, 2)\n"
    "try(string.match, s, p, -3)\n"
    "try(each(nil))\n"
    "try(each(3))\n"
    "try(each(-2))\n"
    "try(string.gsub, s, p, '<%0>')\n"
    "try(string.gsub, s, p, '[%1]')\n"
    "try(string.gsub, s, p, '%%x%2')\n"
    "try(string.gsub, s, p, 'x%')\n"
    "try(string.gsub, s, p, '-', 2)\n"
    "try(string.gsub, s, p, { a = 'A', b = false, ab = 7, [''] = 'E' })\n"
    "try(string.gsub, s, p, function(...)\n"
    "  local n = select('#', ...)\n"
    "  if ... == 'b' then return false end\n"
    "  if ... == 'c' then return {} end\n"
    "  local t = {}\n"
    "  for i = 1, n do t[i] = tostring((select(i, ...))) end\n"
    "  return '(' .. table.concat(t, ',') .. ')'\n"
    "end)\n"
    "return table.concat(out, '\\n')\n";

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned pick(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

/* A random pattern: mostly well formed, sometimes not. */
static void random_pattern(char *out, size_t cap) {
  static const char *const atoms[] = {
      "a", "b", "c", ".", "%a", "%d", "%s", "%w", "%A", "%p", "%%", "%.",
      "[ab]", "[^a]", "[a-c]", "[%d_]", "[]a]", "[^]]", "[a-]", "[%a-z]",
      "(", ")", "()", "%1", "%2", "%0", "%b()", "%bab", "%f[%w]", "%f[%W]",
      "%f[a]", "$", "^", "x", " ", "1", "\\0"};
  static const char *const broken[] = {"%", "[", "[a", "%b", "%ba", "%f",
                                       "%fa", "[%", "[^"};
  static const char *const quant[] = {"", "", "", "*", "+", "-", "?"};
  size_t n = 0;
  out[0] = '\0';
  if (pick(5) == 0)
    out[n++] = '^';
  unsigned items = 1 + pick(6);
  for (unsigned i = 0; i < items; i++) {
    const char *a = atoms[pick(sizeof atoms / sizeof *atoms)];
    if (strcmp(a, "\\0") == 0)
      a = "z"; /* a NUL is tested separately */
    const char *q = quant[pick(7)];
    if (n + strlen(a) + strlen(q) + 8 >= cap)
      break;
    memcpy(out + n, a, strlen(a));
    n += strlen(a);
    if (a[0] != '(' && a[0] != ')' && !(a[0] == '%' && strchr("bf0123", a[1]))) {
      memcpy(out + n, q, strlen(q));
      n += strlen(q);
    }
  }
  if (pick(12) == 0) {
    const char *b = broken[pick(sizeof broken / sizeof *broken)];
    memcpy(out + n, b, strlen(b));
    n += strlen(b);
  } else if (pick(6) == 0) {
    out[n++] = '$';
  }
  out[n] = '\0';
}

static void random_subject(char *out, size_t cap) {
  static const char alphabet[] = "aabbc()1 _x.ab]";
  size_t n = pick(14);
  if (n >= cap)
    n = cap - 1;
  for (size_t i = 0; i < n; i++)
    out[i] = alphabet[pick(sizeof alphabet - 1)];
  out[n] = '\0';
}

/* Runs the probe on (s, p) in L (with a message handler-free pcall); the
 * result string is copied to out. */
static void run_probe(lua_State *L, const char *s, size_t ls, const char *p,
                      size_t lp, char *out, size_t n) {
  if (luaL_loadbufferx(L, probe, sizeof probe - 1, "=probe", "t") != LUA_OK) {
    snprintf(out, n, "load: %s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pushlstring(L, s, ls);
  lua_pushlstring(L, p, lp);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
    snprintf(out, n, "probe failed: %s", lua_tostring(L, -1));
  } else {
    snprintf(out, n, "%s", lua_tostring(L, -1));
  }
  lua_pop(L, 1);
}

static int same(lua_State *real, cb_sandbox *sb, const char *s, size_t ls,
                const char *p, size_t lp) {
  static char want[16384], got[16384];
  run_probe(real, s, ls, p, lp, want, sizeof want);
  cb_sandbox__limit(sb, 1LL << 40, 0, SIZE_MAX);
  run_probe(sb->L, s, ls, p, lp, got, sizeof got);
  if (strcmp(want, got) == 0)
    return 1;
  fprintf(stderr, "pattern differs: subject \"%.*s\" pattern \"%.*s\"\n",
          (int)ls, s, (int)lp, p);
  /* the first differing line */
  const char *w = want, *g = got;
  while (*w && *w == *g)
    w++, g++;
  while (w > want && w[-1] != '\n')
    w--, g--;
  fprintf(stderr, "  want: %.*s\n  got:  %.*s\n",
          (int)strcspn(w, "\n"), w, (int)strcspn(g, "\n"), g);
  return 0;
}

static void test_differential(void) {
  lua_State *real = luaL_newstate();
  luaL_openlibs(real);
  cb_sandbox *sb = NULL;
  CHECK(cb_sandbox__new(&sb, SIZE_MAX) == 0);
  if (!sb || !real)
    return;
  /* chosen cases first: the corners of the manual */
  static const char *const fixed[][2] = {
      {"hello world", "o w"},       {"hello", "l+"},
      {"hello", "(h)(e)"},          {"hello", "()ll()"},
      {"THE (quick) fox", "%((%a+)%)"}, {"[[x]]", "%b[]"},
      {"THE (quick) fox", "%f[%a]%a+"}, {"abcabc", "(abc)%1"},
      {"key = value", "(%w+)%s*=%s*(%w+)"}, {"", ""},
      {"abc", ""},                  {"abc", "^"},
      {"abc", "$"},                 {"abc", "^$"},
      {"a$b", "$b"},                {"aaa", "a-"},
      {"aaa", "a-$"},               {"aaa", "^a?a?a?a?$"},
      {"x", "%"},                   {"x", "["},
      {"x", "[]"},                  {"x", "%b"},
      {"x", "%f"},                  {"x", "(()"},
      {"x", "x)"},                  {"x", "%1"},
      {"x", "(x)%2"},               {"]", "[]]"},
      {"-", "[a-]"},                {"%", "[%%]"},
      {"abc", "((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))"},
      {"hello", "(l)(l)"},          {"a.b", "%."},
      {"a,b,,c", "[^,]*"},          {"  trim  ", "^%s*(.-)%s*$"},
      {"f(a(b)c)d", "%b()"},        {"aXb", "%u"},
      {"a\tb", "%c"},               {"x", "(x)()(x?)"},
  };
  int ok = 1;
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
    ok &= same(real, sb, fixed[i][0], strlen(fixed[i][0]), fixed[i][1],
               strlen(fixed[i][1]));
  /* NUL bytes in subject and pattern */
  ok &= same(real, sb, "a\0b\0c", 5, "%z", 2);
  ok &= same(real, sb, "a\0b\0c", 5, "\0b", 2);
  ok &= same(real, sb, "a\0b\0c", 5, "[\0]", 3);
  ok &= same(real, sb, "a\0b", 3, "%f[\0]", 5);
  CHECK(ok);

  char p[64], s[32];
  int differ = 0, runs = 0;
  for (int i = 0; i < 6000 && differ < 5; i++, runs++) {
    random_pattern(p, sizeof p);
    random_subject(s, sizeof s);
    if (!same(real, sb, s, strlen(s), p, strlen(p)))
      differ++;
  }
  CHECK_INT(differ, 0);
  CHECK_INT(runs, 6000);
  /* a pattern deeper than the matcher's recursion limit */
  char deep[1200];
  for (int i = 0; i < 300; i++)
    memcpy(deep + 2 * i, "a?", 2);
  deep[600] = '\0';
  CHECK(same(real, sb, "aaaa", 4, deep, 600));
  cb_sandbox__free(sb);
  lua_close(real);
}

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs text with a budget and a deadline (seconds), optionally suspended
 * (as a built-in rule); fills err and returns the call's result. */
static int run_limited(cb_sandbox *sb, const char *text, long long budget,
                       double secs, int suspended, cb_sandbox_error *err) {
  cb_sandbox__limit(sb, budget, secs, SIZE_MAX);
  if (suspended)
    cb_sandbox__suspend(sb);
  if (cb_sandbox__load(sb, text, strlen(text), "@rules/p.lua", err) < 0)
    return -1;
  return cb_sandbox__call(sb, 0, 0, err);
}

static void test_bounded(void) {
  cb_sandbox *sb = NULL;
  cb_sandbox_error err;
  CHECK(cb_sandbox__new(&sb, SIZE_MAX) == 0);
  if (!sb)
    return;
  static const char attack[] =
      "string.find(('a'):rep(3e4), ('a*'):rep(30) .. 'b')";
  /* the budget of a project rule stops it */
  double t0 = seconds();
  CHECK(run_limited(sb, attack, 5000000, 10, 0, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_INSTRUCTIONS);
  CHECK(seconds() - t0 < 10);
  /* so does the deadline, with no budget to speak of (suspended) */
  t0 = seconds();
  CHECK(run_limited(sb, attack, 5000000, 0.3, 1, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_TIME);
  CHECK(seconds() - t0 < 1.3);
  /* gsub and gmatch too, and pcall cannot swallow it */
  t0 = seconds();
  CHECK(run_limited(sb,
                    "while true do pcall(string.gsub, ('a'):rep(3e4), "
                    "('a*'):rep(30) .. 'b', 'x') end",
                    1LL << 50, 0.3, 0, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_TIME);
  CHECK(seconds() - t0 < 1.3);
  t0 = seconds();
  CHECK(run_limited(sb,
                    "for x in ('a'):rep(3e4):gmatch(('a*'):rep(30) .. 'b') "
                    "do end",
                    5000000, 10, 0, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_INSTRUCTIONS);
  CHECK(seconds() - t0 < 10);
  /* a plain find is linear: a long needle of a's over a long haystack */
  t0 = seconds();
  CHECK(run_limited(sb,
                    "local s = ('a'):rep(1 << 24) "
                    "local n = ('a'):rep(1 << 23) .. 'b' "
                    "assert(s:find(n, 1, true) == nil)",
                    50000000, 10, 0, &err) == 0);
  CHECK(seconds() - t0 < 10);
  cb_sandbox__free(sb);
}

int main(void) {
  test_differential();
  test_bounded();
  return test_report("pattern");
}
