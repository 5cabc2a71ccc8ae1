/*
 * test_sandbox.c: the Lua sandbox: what is gone, what stays, the limits
 * (instructions, pcall that tries to swallow them, memory, time), chunk
 * names mapped back to path:line, isolated environments, and allocation
 * failures while the sandbox starts.
 */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "casebook/casebook.h"
#include "sandbox.h"
#include "testlib.h"

/* Runs text as chunk name, with the given limits; returns 0 or -1 and
 * fills err. Leaves one result on the stack on success. */
static int run(cb_sandbox *sb, const char *name, const char *text,
               long long budget, size_t mem, cb_sandbox_error *err) {
  cb_sandbox__limit(sb, budget, 5.0, mem);
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
  CHECK(run(sb, "@rules/mem2.lua",
            "local t = {}\n"
            "for i = 1, 200 do pcall(function() t[#t + 1] = "
            "string.rep('y', 1 << 20) end) end\n"
            "return #t",
            1LL << 40, (size_t)8 << 20, &err) == 0);
  lua_Integer n = lua_tointeger(sb->L, -1);
  CHECK(n > 0 && n < 9);
  lua_pop(sb->L, 1);
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

static void test_alloc_failures(void) {
  /* every allocation of starting a sandbox and running a chunk may fail:
   * the result is an error, never a crash */
  int ok = 0;
  for (long n = 1; n < 400; n++) {
    cb_sandbox *sb = NULL;
    cb_alloc_fail_after(n);
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
  test_alloc_failures();
  return test_report("sandbox");
}
