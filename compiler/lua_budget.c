/* SPDX-License-Identifier: MIT */
/*
 * lua_budget.c: the instruction budget of a sandbox (see lua_budget.h).
 *
 * The count hook fires every HOOK_STEP instructions; once the budget is
 * spent, or the watchdog has seen the deadline pass, it fires on every
 * instruction and raises each time, so a pcall cannot swallow the limit
 * (sandbox.c says more). The library functions that work inside one C
 * call charge the same budget through cb_lua_budget__charge.
 */
#include "lua_budget.h"

#include <stdatomic.h>
#include <time.h>

#define HOOK_STEP 1000
#define CLOCK_EVERY 16 /* hook calls between two looks at the clock */

double cb_lua_budget__now(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0;
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

cb_sandbox *cb_lua_budget__of(lua_State *L) {
  void *ud = NULL;
  lua_getallocf(L, &ud);
  return ud;
}

void cb_lua_budget__apply_hook(cb_sandbox *sb) {
  if (sb->exhausted != CB_LIMIT_NONE || atomic_load(&sb->aborted))
    lua_sethook(sb->L, cb_lua_budget__count_hook, LUA_MASKCOUNT, 1);
  else if (sb->suspended)
    lua_sethook(sb->L, NULL, 0, 0);
  else
    lua_sethook(sb->L, cb_lua_budget__count_hook, LUA_MASKCOUNT, HOOK_STEP);
}

void cb_lua_budget__update_hook(cb_sandbox *sb) {
  pthread_mutex_lock(&sb->dog_mu);
  cb_lua_budget__apply_hook(sb);
  pthread_mutex_unlock(&sb->dog_mu);
}

/* Marks the sandbox stopped by the first limit found spent (budget,
 * watchdog, clock) and returns 1, or returns 0 when none is. */
static int spent(cb_sandbox *sb, long long units) {
  if (sb->exhausted != CB_LIMIT_NONE)
    return 1;
  if (atomic_load(&sb->aborted))
    sb->exhausted = CB_LIMIT_TIME;
  else if (!sb->suspended && units > 0 && (sb->budget -= units) <= 0)
    sb->exhausted = CB_LIMIT_INSTRUCTIONS;
  else if (!sb->suspended && units > 0 && sb->deadline > 0 &&
           ++sb->hook_calls % CLOCK_EVERY == 0 &&
           cb_lua_budget__now() > sb->deadline)
    sb->exhausted = CB_LIMIT_TIME;
  else
    return 0;
  /* from now on, fire on every instruction */
  cb_lua_budget__update_hook(sb);
  return 1;
}

static int raise_limit(lua_State *L, const cb_sandbox *sb) {
  lua_pushstring(L, sb->exhausted == CB_LIMIT_TIME
                        ? "time limit exceeded"
                        : "instruction budget exhausted");
  return lua_error(L);
}

void cb_lua_budget__count_hook(lua_State *L, lua_Debug *ar) {
  cb_sandbox *sb = cb_lua_budget__of(L);
  (void)ar;
  if (spent(sb, sb->suspended ? 0 : HOOK_STEP))
    raise_limit(L, sb);
}

void cb_lua_budget__charge(lua_State *L, long long units) {
  cb_sandbox *sb = cb_lua_budget__of(L);
  if (spent(sb, units))
    raise_limit(L, sb);
}
