/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h: the Lua sandbox shared by the manifest and the rules.
 *
 * A sandbox is one lua_State made with our allocator (a byte cap: past it
 * the allocator returns NULL and Lua raises a memory error, the process
 * is never at risk) and only the base, table, string, math and utf8
 * libraries. dofile, loadfile, require, collectgarbage and string.dump are
 * gone, load accepts text chunks only, setmetatable refuses finalizers
 * (__gc) and print keeps a bounded, escaped copy of what it is given
 * (cb_sandbox__printed), never writing anything itself. A count hook
 * charges an instruction budget; once it is spent the hook fires on every
 * instruction and raises each time, so a pcall inside the sandboxed code
 * cannot swallow it.
 *
 * Work done inside one C call does not pass through the hook, so the
 * library functions that can loop without allocating are replaced by
 * bounded versions (lua_bounded.h, lua_pattern.h) that charge the budget
 * themselves (cb_lua_budget__charge), and no single block may exceed
 * CB_SANDBOX_MAX_BLOCK, which bounds the time of any call that is linear
 * in its input. The wall-clock deadline is kept by a watchdog thread: at
 * the deadline it sets an abort flag, which those functions check, and
 * turns the count hook on (lua_sethook may be called asynchronously), so
 * the run ends even where the hook was suspended or a C call was under
 * way. docs/limits.md lists every function the sandbox opens and what
 * bounds it.
 *
 * Chunk names map back to project paths: "@rules/x.lua", "@casebook.lua",
 * so an error turns into path:line (cb_sandbox__call fills a
 * cb_sandbox_error).
 */
#ifndef CB_SANDBOX_H
#define CB_SANDBOX_H

#include <stddef.h>

#include <lua.h>

/* The state (cb_sandbox) and the instruction budget lie beneath, where
 * the bounded library functions charge it without calling back here. */
#include "lua_budget.h"

/* No single block (a string, the array or hash part of a table) may be
 * larger than this: it bounds the time of every call whose work is linear
 * in the size of its arguments or result (string.upper, a comparison of
 * two strings, tonumber, compiling a chunk) to a fraction of a second. */
#define CB_SANDBOX_MAX_BLOCK ((size_t)64 << 20)

/* What went wrong in a load or call. path is "" and line 0 when unknown;
 * message has the "path:line: " prefix removed. */
typedef struct cb_sandbox_error {
  int status; /* LUA_OK, LUA_ERRRUN, LUA_ERRSYNTAX, LUA_ERRMEM, LUA_ERRERR */
  cb_sandbox_limit limit;
  char path[256];
  int line;
  char message[1024];
} cb_sandbox_error;

/* Creates a sandbox whose state may hold at most mem_cap bytes (SIZE_MAX
 * for no cap). *out is the caller's, freed with cb_sandbox__free. The
 * budget starts at zero: call cb_sandbox__limit before running code.
 * Returns 0 or CB_ENOMEM. */
int cb_sandbox__new(cb_sandbox **out, size_t mem_cap);

/* Closes the state and frees the sandbox. NULL is fine. */
void cb_sandbox__free(cb_sandbox *sb);

/* Resets the limits: a fresh budget of instructions, a deadline seconds
 * from now (<= 0: none) kept by the watchdog, and a memory cap of
 * mem_growth bytes above what the state holds now (SIZE_MAX: no cap).
 * Also clears what print kept. */
void cb_sandbox__limit(cb_sandbox *sb, long long instructions, double seconds,
                       size_t mem_growth);

/* Stops charging instructions until cb_sandbox__resume: for trusted code
 * (the built-in rules), which a count hook would slow down several times
 * over, since Lua then stops at every instruction. Code they run for the
 * user (a question's `when`) is run between resume and suspend, so it is
 * charged and stopped as usual. Memory stays capped and the deadline
 * holds (the watchdog turns the hook back on); once a limit is spent the
 * hook stays on. cb_sandbox__limit ends the suspension. */
void cb_sandbox__suspend(cb_sandbox *sb);

/* Charges instructions again, from what is left of the budget. Returns
 * whether the sandbox was suspended (pass it to cb_sandbox__restore). */
int cb_sandbox__resume(cb_sandbox *sb);

/* Suspends again if was_suspended (what cb_sandbox__resume returned). */
void cb_sandbox__restore(cb_sandbox *sb, int was_suspended);

/* Compiles a text chunk named chunkname ("@rules/x.lua"). On success
 * pushes the function and returns 0; otherwise pushes nothing, fills err
 * and returns -1. */
int cb_sandbox__load(cb_sandbox *sb, const char *text, size_t len,
                     const char *chunkname, cb_sandbox_error *err);

/* Calls the function below nargs arguments on the stack, with a message
 * handler that records where the error was raised. On success leaves
 * nresults values and returns 0; otherwise leaves nothing, fills err and
 * returns -1. err may be NULL. */
int cb_sandbox__call(cb_sandbox *sb, int nargs, int nresults,
                     cb_sandbox_error *err);

/* Pushes a fresh global environment: a copy of the state's globals in
 * which each library table (string, table, ...) is itself a copy, _G
 * points to the copy and load defaults to it. Code run in one such
 * environment cannot change what code in another sees. */
void cb_sandbox__push_env(cb_sandbox *sb);

/* Sets the environment (_ENV, first upvalue) of the function at fidx to
 * the table on top of the stack, which is popped. */
void cb_sandbox__set_env(lua_State *L, int fidx);

/* Splits a Lua error message "path:LINE: text" into its parts: returns
 * the line and points *text past the prefix, or returns 0 when the
 * message has no such prefix. path (size n) receives the path. */
int cb_sandbox__split_where(const char *msg, char *path, size_t n,
                            const char **text);

/* What print was given since the last cb_sandbox__limit, escaped (no
 * control character, no bidi control, no invalid UTF-8) and cut at
 * CB_SANDBOX_PRINT_MAX bytes; *lost gets the bytes beyond the cap. */
const char *cb_sandbox__printed(const cb_sandbox *sb, size_t *lost);

#endif
