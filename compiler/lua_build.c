/* SPDX-License-Identifier: MIT */
/*
 * lua_build.c: the primitives that write model data into Lua tables:
 * fields by prepared key, positions, string lists, properties and
 * suspect lists. See lua_build.h.
 */
#include "lua_build.h"

#include <stdint.h>
#include <string.h>

#define KEY_NAME(name, s) s,
const char *const cb_lua_build__key_names[] = {MODEL_KEYS(KEY_NAME)};
#undef KEY_NAME

/* Pushes the field name k. */
void cb_lua_build__key(cb_lua_builder *b, int k) {
  if (b->key0)
    lua_pushvalue(b->L, b->key0 + k);
  else
    lua_pushstring(b->L, cb_lua_build__key_names[k]);
}

/* Sets field k of the table below the value on top to that value (pops
 * it). */
void cb_lua_build__set_top(cb_lua_builder *b, int k) {
  cb_lua_build__key(b, k);
  lua_insert(b->L, -2);
  lua_rawset(b->L, -3);
}

void cb_lua_build__set_str(cb_lua_builder *b, int k, const char *v) {
  if (!v)
    return;
  cb_lua_build__key(b, k);
  /* lua_pushlstring skips Lua's pointer-keyed string cache, which would
   * only thrash for strings each seen once */
  lua_pushlstring(b->L, v, strlen(v));
  lua_rawset(b->L, -3);
}

/* Sets field k to values[v] (one of the names above), or to the string
 * s when not building (lazy fields). */
void cb_lua_build__set_value(cb_lua_builder *b, int k, int v, const char *s) {
  cb_lua_build__key(b, k);
  if (b->values)
    lua_rawgeti(b->L, b->values, v + 1);
  else
    lua_pushstring(b->L, s);
  lua_rawset(b->L, -3);
}

void cb_lua_build__set_int(cb_lua_builder *b, int k, lua_Integer v) {
  cb_lua_build__key(b, k);
  lua_pushinteger(b->L, v);
  lua_rawset(b->L, -3);
}

void cb_lua_build__set_bool(cb_lua_builder *b, int k, int v) {
  cb_lua_build__key(b, k);
  lua_pushboolean(b->L, v);
  lua_rawset(b->L, -3);
}

/* Sets file, line, col of the table on top (or only line_key/col_key). */
void cb_lua_build__set_loc(cb_lua_builder *b, cb_loc loc, int line_key,
                           int col_key) {
  lua_State *L = b->L;
  if (line_key < 0) {
    if (loc.file < b->book->n_files) {
      cb_lua_build__key(b, K_FILE);
      lua_rawgeti(L, b->files, (lua_Integer)loc.file + 1);
      lua_rawset(L, -3);
    }
    line_key = K_LINE;
    col_key = K_COL;
  }
  cb_lua_build__set_int(b, line_key, loc.line);
  cb_lua_build__set_int(b, col_key, loc.col);
}

/* Pushes a position table { file, line, col }. */
void cb_lua_build__pos(cb_lua_builder *b, cb_loc loc) {
  lua_createtable(b->L, 0, 3);
  cb_lua_build__set_loc(b, loc, POS);
}

void cb_lua_build__empty(cb_lua_builder *b) { lua_pushvalue(b->L, b->empty); }

/* Pushes a list of strings. */
void cb_lua_build__strings(cb_lua_builder *b, const char *const *items,
                           size_t n) {
  lua_State *L = b->L;
  if (n == 0) {
    cb_lua_build__empty(b);
    return;
  }
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    const char *s = items[i] ? items[i] : "";
    lua_pushlstring(L, s, strlen(s));
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* Pushes the positions of a string list (empty when unknown). */
void cb_lua_build__locs(cb_lua_builder *b, const cb_strlist *l) {
  lua_State *L = b->L;
  if (l->n == 0 || !l->locs) {
    cb_lua_build__empty(b);
    return;
  }
  lua_createtable(L, (int)l->n, 0);
  for (size_t i = 0; i < l->n; i++) {
    cb_lua_build__pos(b, l->locs[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* Pushes the rows of a Response table: { name, file, line, col }. */
void cb_lua_build__rows(cb_lua_builder *b, const cb_strlist *l) {
  lua_State *L = b->L;
  if (l->n == 0) {
    cb_lua_build__empty(b);
    return;
  }
  lua_createtable(L, (int)l->n, 0);
  for (size_t i = 0; i < l->n; i++) {
    lua_createtable(L, 0, 4);
    cb_lua_build__set_str(b, K_NAME, l->items[i] ? l->items[i] : "");
    if (l->locs)
      cb_lua_build__set_loc(b, l->locs[i], POS);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

void cb_lua_build__props(cb_lua_builder *b, const cb_prop *props, size_t n,
                         const char *element) {
  lua_State *L = b->L;
  if (n == 0) {
    cb_lua_build__empty(b);
    return;
  }
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    const cb_prop *p = &props[i];
    lua_createtable(L, 0, 9);
    cb_lua_build__set_str(b, K_KEY, p->key);
    cb_lua_build__set_str(b, K_RAW_KEY, p->raw_key);
    cb_lua_build__set_str(b, K_VALUE, p->value);
    cb_lua_build__set_str(b, K_ELEMENT, element);
    cb_lua_build__set_loc(b, p->key_loc, POS);
    cb_lua_build__set_loc(b, p->value_loc, K_VALUE_LINE, K_VALUE_COL);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* Pushes the suspect lists of an element (the table at owner) and adds
 * them to book.lists. */
void cb_lua_build__lists(cb_lua_builder *b, const cb_list *lists, size_t n,
                         const char *element, int owner) {
  lua_State *L = b->L;
  if (n == 0) {
    cb_lua_build__empty(b);
    return;
  }
  owner = lua_absindex(L, owner);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    const cb_list *l = &lists[i];
    lua_createtable(L, 0, 6);
    cb_lua_build__set_str(b, K_ISSUE,
                          l->issue == CB_LIST_MIXED    ? "mixed"
                          : l->issue == CB_LIST_SECOND ? "second"
                                                       : "unclaimed");
    cb_lua_build__set_str(b, K_ELEMENT, element);
    cb_lua_build__set_loc(b, l->loc, POS);
    cb_lua_build__key(b, K_ITEMS);
    lua_createtable(L, (int)l->n_items, 0);
    for (size_t k = 0; k < l->n_items; k++) {
      lua_createtable(L, 0, 5);
      cb_lua_build__set_str(b, K_KEY, l->items[k].key);
      cb_lua_build__set_str(b, K_TEXT, l->items[k].text);
      cb_lua_build__set_loc(b, l->items[k].loc, POS);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_rawset(L, -3);
    cb_lua_build__key(b, K_OWNER);
    lua_pushvalue(L, owner);
    lua_rawset(L, -3);
    if (b->all_lists) {
      lua_pushvalue(L, -1);
      lua_rawseti(L, b->all_lists, ++b->n_all_lists);
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* A 64-bit hash over the case's inputs (kind, name, length, text), eight
 * bytes at a time: two cases with identical inputs have the same key
 * (contradiction then compares the inputs themselves). */
static uint64_t mix(uint64_t h, uint64_t w) {
  h ^= w;
  h *= 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 29);
}

static uint64_t hash_bytes(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  size_t len = n;
  uint64_t w;
  for (; n >= 8; p += 8, n -= 8) {
    memcpy(&w, p, 8);
    h = mix(h, w);
  }
  w = 0;
  memcpy(&w, p, n);
  /* the length ends each part, so "ab"+"c" differs from "a"+"bc" */
  return mix(mix(h, w), 0x1e00 + (uint64_t)len);
}

void cb_lua_build__inputs_key(lua_State *L, const cb_case *c) {
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    uint64_t head[2] = {(uint64_t)in->kind, in->text ? (uint64_t)in->len : 0};
    h = hash_bytes(h, head, sizeof head);
    h = hash_bytes(h, in->name ? in->name : "",
                   in->name ? strlen(in->name) : 0);
    h = hash_bytes(h, in->text ? in->text : "", in->text ? in->len : 0);
  }
  /* "<number of inputs>:<hash>" in hex, without the cost of printf */
  char hex[40];
  size_t n = sizeof hex, k = 16;
  char *end = hex + sizeof hex;
  for (char *p = end - 1; k-- > 0; h >>= 4)
    *p-- = "0123456789abcdef"[h & 15];
  n -= 16;
  hex[--n] = ':';
  size_t count = c->n_inputs;
  do {
    hex[--n] = "0123456789abcdef"[count & 15];
    count >>= 4;
  } while (count && n > 0);
  lua_pushlstring(L, hex + n, sizeof hex - n);
}
