/*
 * lua_model.h: the model (cb_book) as Lua tables for the rules.
 *
 * The book table and everything under it are built in the state's own
 * memory; what rules read often is built at once, the rest on first
 * access (see lua_model.c). The field names are documented for rule
 * authors in docs/rules.md. The tables are the built-in rules' to read,
 * never to write; project rules see them through read-only views
 * (lua_view.h).
 */
#ifndef CB_LUA_MODEL_H
#define CB_LUA_MODEL_H

#include <lua.h>

#include "casebook/model.h"

/* Builds the Lua model of book and pushes the book table. Runs protected:
 * returns 0, or CB_ENOMEM with nothing pushed. book must outlive the
 * state (lazy fields read it). */
int cb_lua_model__push(lua_State *L, const cb_book *book);

/* Pushes the map path -> file index (0-based) of the model built last,
 * or nil before one is built. */
void cb_lua_model__push_paths(lua_State *L);

/* Makes every lazy field of the model table at t, so that next() sees
 * them all (for pairs). Does nothing to any other table. */
void cb_lua_model__materialize(lua_State *L, int t);

/* The 0-based index of the model's own question (cases 0) or case
 * (cases 1) table at idx, found by identity, or -1 for any other value
 * (a read-only view too). Cheap: for helpers the rules call per case. */
lua_Integer cb_lua_model__index(lua_State *L, int idx, int cases);

#endif
