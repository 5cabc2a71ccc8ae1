/* SPDX-License-Identifier: MIT */
/*
 * lua_bounded.h: the library functions of the sandbox that could work
 * without end inside one C call, replaced by versions that charge their
 * work to the sandbox's budget and stop at its deadline
 * (cb_lua_budget__charge).
 *
 * Own versions: string.rep (an empty result is made at once, however
 * many copies are asked for), table.concat, table.move, table.insert and
 * table.remove (charged per element as they go, since __len can claim a
 * table of 2^62 elements). Charged before and after the library's own
 * code: string.format, byte, char, upper, lower, reverse, sub, pack,
 * unpack, packsize, utf8.len, offset, codepoint, char, table.unpack,
 * tonumber (by the bytes they read and write) and table.sort (n log n of
 * the length it sorts). The pattern functions are lua_pattern.h.
 * docs/limits.md lists every function the sandbox opens and what bounds
 * it.
 */
#ifndef CB_LUA_BOUNDED_H
#define CB_LUA_BOUNDED_H

#include <lua.h>

/* Bytes of work counted as one instruction of the budget. */
#define CB_BYTES_PER_UNIT 64

/* Replaces the functions above in the global string, table and utf8
 * tables and the global tonumber of L (the table at the top of the stack
 * is the global table). Raises when out of memory. */
void cb_lua_bounded__install(lua_State *L);

/* Re-raises the error on top of the stack, which a library function
 * called from C raised: "bad argument #N to '?' (...)" is raised again as
 * an argument error of the calling function, so the message names it
 * ("bad argument #2 to 'format'"). Never returns. */
int cb_lua_bounded__rethrow(lua_State *L);

#endif
