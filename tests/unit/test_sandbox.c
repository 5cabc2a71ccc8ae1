/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox.c: the Lua sandbox: what is gone, what stays, the limits
 * (instructions, pcall that tries to swallow them, memory, time), chunk
 * names mapped back to path:line, isolated environments, and allocation
 * failures while the sandbox starts; the library functions that could
 * work without end in one C call (each attack ends with its limit, in
 * time), the watchdog's deadline inside C and with the hook suspended,
 * and print's bounded, escaped copy.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "casebook/casebook.h"
#include "sandbox.h"
#include "testlib.h"

/* Runs text as chunk name, with the given limits; returns 0 or -1 and
 * fills err. Leaves one result on the stack on success. */
static int run(cb_sandbox *sb, const char *name, const char *text,
               long long budget, size_t mem, cb_sandbox_error *err) {
  /* the deadline is the watchdog's, in wall time: generous, so that a
   * loaded machine (sanitizers, parallel builds) does not turn a test of
   * the budget or of memory into one of time */
  cb_sandbox__limit(sb, budget, 30.0, mem);
  sb->focus = name;
  if (cb_sandbox__load(sb, text, strlen(text), name, err) < 0)
    return -1;
  return cb_sandbox__call(sb, 0, 1, err);
}

/* Runs text and returns its result as a string (static buffer). */
static const char *eval(cb_sandbox *sb, const char *text) {
  static char out[1100];
  cb_sandbox_error err;
  if (run(sb, "@test.lua", text, 1000000, SIZE_MAX, &err) < 0) {
    snprintf(out, sizeof out, "ERROR %s", err.message);
    return out;
  }
  const char *s = lua_tostring(sb->L, -1);
  snprintf(out, sizeof out, "%s", s ? s : "(not a string)");
  lua_pop(sb->L, 1);
  return out;
}

static void test_libraries(void) {
  cb_sandbox *sb = NULL;
  CHECK(cb_sandbox__new(&sb, SIZE_MAX) == 0);
  if (!sb)
    return;
  CHECK_STR(eval(sb, "return tostring(io) .. tostring(os) .. "
                     "tostring(require) .. tostring(dofile) .. "
                     "tostring(loadfile) .. tostring(collectgarbage) .. "
                     "tostring(debug) .. tostring(package) .. "
                     "tostring(coroutine) .. tostring(string.dump)"),
            "nilnilnilnilnilnilnilnilnilnil");
  CHECK_STR(eval(sb, "return string.upper('a') .. table.concat({1, 2}) .. "
                     "math.floor(2.5) .. utf8.char(233)"),
            "A122\xc3\xa9");
  /* load: text only */
  CHECK_STR(eval(sb, "local f = load('return 1 + 1'); return tostring(f())"),
            "2");
  CHECK_STR(eval(sb, "local f, e = load('\\27Lua'); return tostring(e)"),
            "attempt to load a binary chunk (mode is 't')");
  CHECK_STR(eval(sb, "local f, e = load('\\27Lua', 'x', 'b'); "
                     "return tostring(e)"),
            "attempt to load a binary chunk (mode is 't')");
  /* finalizers refused, the string metatable hidden */
  CHECK_STR(eval(sb, "local ok, e = pcall(setmetatable, {}, {__gc = print}); "
                     "return tostring(ok)"),
            "false");
  CHECK_STR(eval(sb, "return tostring(getmetatable(''))"), "false");
  CHECK_STR(eval(sb, "return tostring(setmetatable({}, {__index = "
                     "function() return 7 end}).x)"),
            "7");
  cb_sandbox__free(sb);
}

static void test_budget(void) {
  cb_sandbox *sb = NULL;
  cb_sandbox_error err;
  CHECK(cb_sandbox__new(&sb, SIZE_MAX) == 0);
  if (!sb)
    return;
  CHECK(run(sb, "@rules/loop.lua", "local n = 0\nwhile true do n = n + 1 end",
            100000, SIZE_MAX, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_INSTRUCTIONS);
  CHECK_STR(err.path, "rules/loop.lua");
  CHECK_INT(err.line, 2);

  /* pcall cannot swallow the budget: the outer loop fails too */
  CHECK(run(sb, "@rules/swallow.lua",
            "while true do\n"
            "  pcall(function() while true do end end)\n"
            "end\n",
            100000, SIZE_MAX, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_INSTRUCTIONS);
  CHECK(run(sb, "@rules/swallow2.lua",
            "local n = 0\n"
            "while true do\n"
            "  local ok = pcall(error, 'x')\n"
            "  n = n + 1\n"
            "end\n",
            100000, SIZE_MAX, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_INSTRUCTIONS);
  /* xpcall with a Lua handler neither */
  CHECK(run(sb, "@rules/x.lua",
            "while true do xpcall(function() while true do end end, "
            "function(e) return e end) end",
            100000, SIZE_MAX, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_INSTRUCTIONS);

  /* a fresh budget: the state works again */
  CHECK_STR(eval(sb, "return 'alive'"), "alive");

  /* the wall clock: a huge budget, a tiny deadline */
  cb_sandbox__limit(sb, 1LL << 60, 0.05, SIZE_MAX);
  CHECK(cb_sandbox__load(sb, "while true do end", 17, "@t.lua", &err) == 0);
  CHECK(cb_sandbox__call(sb, 0, 0, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_TIME);
  cb_sandbox__free(sb);
}

static void test_memory(void) {
  cb_sandbox *sb = NULL;
  cb_sandbox_error err;
  CHECK(cb_sandbox__new(&sb, SIZE_MAX) == 0);
  if (!sb)
    return;
  CHECK(run(sb, "@rules/mem.lua",
            "local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('x', 100) .. i "
            "end",
            1LL << 40, (size_t)4 << 20, &err) < 0);
  CHECK_INT(err.status, LUA_ERRMEM);
  CHECK_INT(err.limit, CB_LIMIT_MEMORY);
  CHECK(run(sb, "@rules/big.lua", "return string.rep('x', 1 << 28)",
            1LL << 40, (size_t)4 << 20, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_MEMORY);
  /* swallowed memory errors still cannot grow past the cap */
  lua_gc(sb->L, LUA_GCCOLLECT);
  int rc = run(sb, "@rules/mem2.lua",
               "local t = {}\n"
               "for i = 1, 200 do pcall(function() t[#t + 1] = "
               "string.rep('y', 1 << 20) end) end\n"
               "return #t",
               1LL << 40, (size_t)8 << 20, &err);
  CHECK_INT(rc, 0);
  if (rc == 0) {
    lua_Integer n = lua_tointeger(sb->L, -1);
    CHECK(n > 0 && n < 9);
    lua_pop(sb->L, 1);
  }
  CHECK(sb->mem_used <= sb->mem_cap);
  CHECK_STR(eval(sb, "return 'alive'"), "alive");
  cb_sandbox__free(sb);
}

static void test_errors(void) {
  cb_sandbox *sb = NULL;
  cb_sandbox_error err;
  CHECK(cb_sandbox__new(&sb, SIZE_MAX) == 0);
  if (!sb)
    return;
  CHECK(run(sb, "@rules/x.lua", "local a = 1\n\nerror('broken here')", 1000000,
            SIZE_MAX, &err) < 0);
  CHECK_STR(err.path, "rules/x.lua");
  CHECK_INT(err.line, 3);
  CHECK_STR(err.message, "broken here");

  CHECK(run(sb, "@casebook.lua", "title = 'x'\nos.execute('true')", 1000000,
            SIZE_MAX, &err) < 0);
  CHECK_STR(err.path, "casebook.lua");
  CHECK_INT(err.line, 2);
  CHECK_STR(err.message, "attempt to index a nil value (global 'os')");

  CHECK(run(sb, "@rules/t.lua", "\nerror({})", 1000000, SIZE_MAX, &err) < 0);
  CHECK_INT(err.line, 2);
  CHECK_STR(err.message, "(error object is a table value)");
  CHECK(run(sb, "@rules/n.lua", "error(nil)", 1000000, SIZE_MAX, &err) < 0);
  CHECK_STR(err.message, "(error object is a nil value)");

  /* error(msg, 2) names the caller */
  CHECK(run(sb, "@rules/lvl.lua",
            "local function check(x)\n"
            "  if not x then error('need x', 2) end\n"
            "end\n"
            "check(nil)\n",
            1000000, SIZE_MAX, &err) < 0);
  CHECK_INT(err.line, 4);
  CHECK_STR(err.message, "need x");

  CHECK(run(sb, "@rules/s.lua", "local x = = 1", 1000000, SIZE_MAX, &err) < 0);
  CHECK_INT(err.status, LUA_ERRSYNTAX);
  CHECK_STR(err.path, "rules/s.lua");
  CHECK_INT(err.line, 1);
  CHECK_STR(err.message, "unexpected symbol near '='");

  char path[64];
  const char *text = NULL;
  CHECK_INT(cb_sandbox__split_where("rules/a.lua:12: oops", path, sizeof path,
                                    &text),
            12);
  CHECK_STR(path, "rules/a.lua");
  CHECK_STR(text, "oops");
  CHECK_INT(cb_sandbox__split_where("no position: here", path, sizeof path,
                                    &text),
            0);
  cb_sandbox__free(sb);
}

static void test_envs(void) {
  cb_sandbox *sb = NULL;
  cb_sandbox_error err;
  CHECK(cb_sandbox__new(&sb, SIZE_MAX) == 0);
  if (!sb)
    return;
  lua_State *L = sb->L;
  cb_sandbox__limit(sb, 1000000, 5.0, SIZE_MAX);
  const char *spoil = "string.upper = nil; x = 1; load('y = 2')(); "
                      "return tostring(y)";
  CHECK(cb_sandbox__load(sb, spoil, strlen(spoil), "@a.lua", &err) == 0);
  cb_sandbox__push_env(sb);
  cb_sandbox__set_env(L, -2);
  CHECK(cb_sandbox__call(sb, 0, 1, &err) == 0);
  CHECK_STR(lua_tostring(L, -1), "2"); /* load defaults to its own env */
  lua_pop(L, 1);
  const char *look = "return tostring(string.upper) ~= 'nil' and x == nil "
                     "and y == nil and ('a'):upper() == 'A'";
  CHECK(cb_sandbox__load(sb, look, strlen(look), "@b.lua", &err) == 0);
  cb_sandbox__push_env(sb);
  cb_sandbox__set_env(L, -2);
  CHECK(cb_sandbox__call(sb, 0, 1, &err) == 0);
  CHECK(lua_toboolean(L, -1));
  lua_pop(L, 1);
  cb_sandbox__free(sb);
}


static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs text with a budget, a deadline and no memory cap, suspended (as
 * a built-in rule) or not. Returns the call's result. */
static int run_for(cb_sandbox *sb, const char *text, long long budget,
                   double secs, int suspended, cb_sandbox_error *err) {
  cb_sandbox__limit(sb, budget, secs, SIZE_MAX);
  if (suspended)
    cb_sandbox__suspend(sb);
  sb->focus = "@rules/w.lua";
  if (cb_sandbox__load(sb, text, strlen(text), "@rules/w.lua", err) < 0)
    return -1;
  return cb_sandbox__call(sb, 0, 0, err);
}

/* The work one C call could do without end: each attack ends with its
 * limit, in time. */
static void test_bounded_calls(void) {
  cb_sandbox *sb = NULL;
  cb_sandbox_error err;
  CHECK(cb_sandbox__new(&sb, SIZE_MAX) == 0);
  if (!sb)
    return;
  static const struct {
    const char *text;
    cb_sandbox_limit limit; /* under a budget of 5 million */
  } attacks[] = {
      {"assert(string.rep('', 2^50) == '') "
       "assert(('x'):rep(0) == '' and ('ab'):rep(3, ',') == 'ab,ab,ab') "
       "assert(string.rep('', 2^40, '') == '') error('done')",
       CB_LIMIT_NONE},
      {"table.move({}, 1, 2^50, 2)", CB_LIMIT_INSTRUCTIONS},
      {"table.move({}, 1, 2^50, 2, {})", CB_LIMIT_INSTRUCTIONS},
      {"local t = setmetatable({}, {__len = function() return 2^50 end}) "
       "table.insert(t, 1, 'x')",
       CB_LIMIT_INSTRUCTIONS},
      {"local t = setmetatable({}, {__len = function() return 2^50 end}) "
       "table.remove(t, 1)",
       CB_LIMIT_INSTRUCTIONS},
      {"local t = setmetatable({}, {__index = table.concat}) "
       "table.concat(t, '', 1, 2^50)",
       CB_LIMIT_INSTRUCTIONS},
      {"local t = setmetatable({}, {__len = function() return 2^31 - 2 end, "
       "__index = rawlen, __newindex = rawequal}) table.sort(t)",
       CB_LIMIT_INSTRUCTIONS},
      {"local s = ('x'):rep(1 << 22) local t = {} "
       "for i = 1, 100000 do t[i] = s end "
       "string.format(('%.0s'):rep(100000), table.unpack(t))",
       CB_LIMIT_INSTRUCTIONS},
      {"local s = ('-'):rep(1 << 25) "
       "while true do load(s) end",
       CB_LIMIT_INSTRUCTIONS},
  };
  for (size_t i = 0; i < sizeof attacks / sizeof *attacks; i++) {
    double t0 = seconds();
    CHECK(run_for(sb, attacks[i].text, 5000000, 10, 0, &err) < 0);
    if (attacks[i].limit == CB_LIMIT_NONE)
      CHECK_STR(err.message, "done");
    CHECK_INT(err.limit, attacks[i].limit);
    CHECK(seconds() - t0 < 10);
    if (err.limit != attacks[i].limit || seconds() - t0 >= 10)
      fprintf(stderr, "  attack %zu: %s (%.1f s)\n", i, err.message,
              seconds() - t0);
  }
  /* the library's own messages, naming the function called */
  CHECK_STR(eval(sb, "return select(2, pcall(function() "
                     "return ('%d'):format('x') end))"),
            "test.lua:1: bad argument #1 to 'format' (number expected, got "
            "string)");
  CHECK_STR(eval(sb, "return select(2, pcall(function() "
                     "return string.format('%d', 'x') end))"),
            "test.lua:1: bad argument #2 to 'format' (number expected, got "
            "string)");
  CHECK_STR(eval(sb, "return select(2, pcall(table.move, {}, 1, 2))"),
            "bad argument #4 to 'table.move' (number expected, got no "
            "value)");
  CHECK_STR(eval(sb, "return select(2, pcall(table.concat, {1, {}, 3}))"),
            "invalid value (at index 2) in table for 'concat'");
  CHECK_STR(eval(sb, "local t = {1, 2, 3} table.insert(t, 2, 9) "
                     "table.insert(t, 0) local r = table.remove(t, 1) "
                     "return r .. ':' .. table.concat(t, ',') .. ':' .. "
                     "table.concat(table.move({1, 2, 3}, 1, 3, 2), ',') .. "
                     "':' .. ('%5.1f'):format(2.25) .. utf8.len('\xc3\xa9t\xc3\xa9')"),
            "1:9,2,3,0:1,1,2,3:  2.23");
  /* no single block of more than CB_SANDBOX_MAX_BLOCK, cap or no cap */
  CHECK(run_for(sb, "local s = ('x'):rep(65 << 20)", 1LL << 50, 10, 0,
                &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_MEMORY);
  cb_sandbox__free(sb);
}

/* The watchdog: the deadline holds with the count hook suspended (a
 * built-in rule) and inside one long C call, and pcall cannot swallow
 * it. */
static void test_watchdog(void) {
  cb_sandbox *sb = NULL;
  cb_sandbox_error err;
  CHECK(cb_sandbox__new(&sb, SIZE_MAX) == 0);
  if (!sb)
    return;
  static const char *const loops[] = {
      "while true do end",
      "while true do pcall(function() while true do end end) end",
      "string.find(('a'):rep(3e4), ('a*'):rep(30) .. 'b')",
      "table.move({}, 1, 2^50, 2)",
  };
  for (size_t i = 0; i < sizeof loops / sizeof *loops; i++) {
    for (int suspended = 0; suspended < 2; suspended++) {
      double t0 = seconds();
      CHECK(run_for(sb, loops[i], 1LL << 60, 0.2, suspended, &err) < 0);
      CHECK_INT(err.limit, CB_LIMIT_TIME);
      CHECK_STR(err.message, "time limit exceeded");
      CHECK(seconds() - t0 < 1.2);
    }
  }
  /* a spent deadline stays spent through resume and suspend (what a
   * built-in rule does around a `when`) */
  cb_sandbox__limit(sb, 1LL << 60, 0.1, SIZE_MAX);
  cb_sandbox__suspend(sb);
  const char *twice = "pcall(function() while true do end end) "
                      "while true do end";
  CHECK(cb_sandbox__load(sb, twice, strlen(twice), "@t.lua", &err) == 0);
  int was = cb_sandbox__resume(sb);
  cb_sandbox__restore(sb, was);
  CHECK(cb_sandbox__call(sb, 0, 0, &err) < 0);
  CHECK_INT(err.limit, CB_LIMIT_TIME);
  /* a new limit starts afresh */
  CHECK_STR(eval(sb, "return 'alive'"), "alive");
  cb_sandbox__free(sb);
}

/* print writes nothing: it keeps a bounded, escaped copy. */
static void test_print(void) {
  cb_sandbox *sb = NULL;
  cb_sandbox_error err;
  size_t lost = 0;
  CHECK(cb_sandbox__new(&sb, SIZE_MAX) == 0);
  if (!sb)
    return;
  CHECK(run_for(sb, "print('a', 1, nil) print('::stop-commands::x\\n"
                    "::error file=a::b\\27[2J\\\\ \\u{202E}\\xff \\u{e9}')",
                1000000, 5, 0, &err) == 0);
  CHECK_STR(cb_sandbox__printed(sb, &lost),
            "a\\t1\\tnil\\n::stop-commands::x\\n::error file=a::b\\x1B[2J"
            "\\\\ \\u{202E}\\xFF \xc3\xa9\\n");
  CHECK_INT(lost, 0);
  CHECK(run_for(sb, "for i = 1, 1e4 do print(('x'):rep(1000)) end", 1LL << 40,
                5, 0, &err) == 0);
  CHECK_INT(strlen(cb_sandbox__printed(sb, &lost)), CB_SANDBOX_PRINT_MAX);
  CHECK(lost > (size_t)9000000);
  /* a new limit clears it */
  cb_sandbox__limit(sb, 1000, 1, SIZE_MAX);
  CHECK_STR(cb_sandbox__printed(sb, &lost), "");
  CHECK_INT(lost, 0);
  cb_sandbox__free(sb);
}

static void test_alloc_failures(void) {
  /* every allocation of starting a sandbox and running a chunk may fail:
   * the result is an error, never a crash */
  int ok = 0;
  for (test_sweep s = test_sweep_start(1, 1); s.n < 400;
       test_sweep_next(&s)) {
    cb_sandbox *sb = NULL;
    cb_alloc_fail_after(s.n);
    int rc = cb_sandbox__new(&sb, SIZE_MAX);
    if (rc == 0) {
      cb_sandbox_error err;
      run(sb, "@f.lua", "local t = {} for i = 1, 100 do t[i] = {i} end "
                        "return #t",
          1000000, SIZE_MAX, &err);
      ok++;
    } else {
      CHECK(sb == NULL && rc == CB_ENOMEM);
    }
    cb_alloc_fail_after(0);
    cb_sandbox__free(sb);
  }
  CHECK(ok > 0);
}

int main(void) {
  test_libraries();
  test_budget();
  test_memory();
  test_errors();
  test_envs();
  test_bounded_calls();
  test_watchdog();
  test_print();
  test_alloc_failures();
  return test_report("sandbox");
}
