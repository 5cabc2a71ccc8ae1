/* SPDX-License-Identifier: MIT */
/*
 * lua_pattern.h: Lua's pattern functions (string.find, match, gmatch,
 * gsub) with a step budget, for the sandbox.
 *
 * The library's matcher backtracks without bound inside one C call:
 * string.find(("a"):rep(3e4), ("a*"):rep(30) .. "b") would run for days
 * without reaching the count hook. This matcher implements the patterns
 * of the Lua 5.4 reference manual (classes, sets, the four quantifiers,
 * captures and position captures, back references, %b, %f, anchors) with
 * the same results and messages, and charges every step (a pattern item
 * tried, a character scanned) to the sandbox's budget, so the budget,
 * the deadline and the watchdog stop it like any other code. A plain
 * find runs in time linear in the subject.
 */
#ifndef CB_LUA_PATTERN_H
#define CB_LUA_PATTERN_H

#include <lua.h>

/* Replaces find, match, gmatch and gsub in the string table of L (the
 * global table is at the top of the stack). Raises when out of memory. */
void cb_lua_pattern__install(lua_State *L);

#endif
