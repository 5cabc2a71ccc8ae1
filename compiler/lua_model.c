/* SPDX-License-Identifier: MIT */
/*
 * lua_model.c: builds the Lua view of the model (cb_book) that the rules
 * read; see lua_model.h.
 */
#include "lua_model.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "casebook/casebook.h"
#include "lua_build.h"
#include "model.h"

static const char *const qtype_names[] = {"choice", "multi",    "scale",
                                          "rank",   "pairwise", "text"};
static const char *const input_names[] = {"prompt",  "response", "system",
                                          "context", "user",     "assistant"};
static const char *const value_names[] = {
    "none", "option", "options", "number", "rank", "pairwise", "text"};
static const char *const link_names[] = {"external", "relative",  "case",
                                         "question", "criterion", "option",
                                         "unsafe"};
static const char *const status_names[] = {"final", "draft", "disputed"};

static char PATHS_KEY, QUESTIONS_KEY, CASES_KEY;

/* next(t, k) on a plain table (the iterator of __pairs). */
static int safe_next_raw(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  if (lua_next(L, 1))
    return 2;
  lua_pushnil(L);
  return 1;
}

/* ---- building the model ------------------------------------------------ */

/* The model is built eagerly where every rule looks (ids, kinds,
 * inputs, answers) and lazily elsewhere: a case's props, tags, rationale,
 * position ..., an input's position and text, a link's all but its kind
 * and href, and a chapter's headings and prose are made the first time a
 * rule reads them, by the __index of a metatable shared by all cases (all
 * inputs, links, chapters), and then stored in the table. pairs() on such
 * a table first makes all of them. Empty lists are one shared empty
 * table. All of this keeps a ten-thousand-case book cheap to expose.
 * (Answers stay plain tables: rules read their absent fields, error and
 * response, all the time, and each such read would call __index.) */

static char LAZY_CASE_KEY, LAZY_CHAPTER_KEY, LAZY_INPUT_KEY, LAZY_LINK_KEY,
    EMPTY_KEY, FILES_KEY, CHAPTERS_KEY;

/* The kinds of table with lazy fields, their metatables' registry keys,
 * and the lists (below) of their lazy fields. */
enum { LAZY_CHAPTER, LAZY_CASE, LAZY_INPUT, LAZY_LINK, N_LAZY };
static char *const lazy_mt_keys[N_LAZY] = {&LAZY_CHAPTER_KEY, &LAZY_CASE_KEY,
                                           &LAZY_INPUT_KEY, &LAZY_LINK_KEY};

static void set_chapter(cb_lua_builder *b, uint32_t chapter) {
  if (chapter < b->book->n_chapters) {
    cb_lua_build__key(b, K_CHAPTER);
    lua_rawgeti(b->L, b->chapters, (lua_Integer)chapter + 1);
    lua_rawset(b->L, -3);
  }
}

static void push_question(cb_lua_builder *b, size_t index) {
  lua_State *L = b->L;
  const cb_question *q = &b->book->questions[index];
  lua_createtable(L, 0, 32);
  cb_lua_build__set_value(b, K_KIND, V_QUESTION_KIND, "question");
  cb_lua_build__set_int(b, K_INDEX, (lua_Integer)index + 1);
  cb_lua_build__set_str(b, K_ID, q->id);
  cb_lua_build__set_str(b, K_TITLE, q->title);
  cb_lua_build__set_loc(b, q->loc, POS);
  set_chapter(b, q->chapter);
  cb_lua_build__set_value(
      b, K_TYPE, V_QTYPE + ((unsigned)q->type < 6 ? (int)q->type : 0),
      (unsigned)q->type < 6 ? qtype_names[q->type] : "choice");
  cb_lua_build__set_str(b, K_TYPE_RAW, q->type_raw);
  cb_lua_build__set_bool(b, K_TYPE_MISREAD, cb_model__type_misread(q));
  if (q->type == CB_Q_SCALE) {
    cb_lua_build__set_int(b, K_SCALE_MIN, q->scale_min);
    cb_lua_build__set_int(b, K_SCALE_MAX, q->scale_max);
  }
  cb_lua_build__set_bool(b, K_REQUIRED, q->required);
  if (q->when) {
    cb_lua_build__set_str(b, K_WHEN, q->when);
    cb_lua_build__set_loc(b, q->when_loc, K_WHEN_LINE, K_WHEN_COL);
  }
  cb_lua_build__set_str(b, K_HINT, q->hint);
  cb_lua_build__strings(b, q->responses.items, q->responses.n);
  cb_lua_build__set_top(b, K_RESPONSES);
  cb_lua_build__locs(b, &q->responses);
  cb_lua_build__set_top(b, K_RESPONSES_LOCS);
  if (q->scope == CB_SCOPE_RESPONSE)
    cb_lua_build__set_value(b, K_SCOPE, V_RESPONSE_SCOPE, "response");
  else
    cb_lua_build__set_value(b, K_SCOPE, V_CASE_KIND, "case");
  if (q->min_replies)
    cb_lua_build__set_int(b, K_MIN_REPLIES, q->min_replies);
  lua_createtable(L, (int)q->n_options, 0); /* options */
  lua_createtable(L, 0, (int)q->n_options); /* options_by_id */
  for (size_t i = 0; i < q->n_options; i++) {
    const cb_option *o = &q->options[i];
    lua_createtable(L, 0, 11);
    cb_lua_build__set_str(b, K_KIND, "option");
    cb_lua_build__set_str(b, K_ID, o->id);
    cb_lua_build__set_int(b, K_VALUE, o->value);
    cb_lua_build__set_str(b, K_MEANING, o->meaning_text);
    cb_lua_build__set_str(b, K_MEANING_HTML, o->meaning_html);
    cb_lua_build__set_str(b, K_QUESTION, q->id);
    cb_lua_build__set_str(b, K_ELEMENT, q->id);
    cb_lua_build__set_loc(b, o->loc, POS);
    cb_lua_build__key(b, K_ATTRS);
    lua_createtable(L, 0, (int)o->n_attrs);
    for (size_t k = 0; k < o->n_attrs; k++)
      if (o->attrs[k].key && o->attrs[k].value) {
        lua_pushstring(L, o->attrs[k].key);
        lua_pushstring(L, o->attrs[k].value);
        lua_rawset(L, -3);
      }
    lua_rawset(L, -3);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -4, (lua_Integer)i + 1);
    lua_pushstring(L, o->id ? o->id : "");
    if (lua_rawget(L, -3) == LUA_TNIL && o->id) {
      lua_pop(L, 1);
      lua_pushstring(L, o->id);
      lua_insert(L, -2);
      lua_rawset(L, -3);
    } else {
      lua_pop(L, 2);
    }
  }
  cb_lua_build__key(b, K_OPTIONS_BY_ID);
  lua_insert(L, -2);
  lua_rawset(L, -4);
  cb_lua_build__set_top(b, K_OPTIONS);
  if (q->options_loc.line)
    cb_lua_build__set_loc(b, q->options_loc, K_OPTIONS_LINE, K_OPTIONS_COL);
  cb_lua_build__props(b, q->props, q->n_props, q->id);
  cb_lua_build__set_top(b, K_PROPS);
  cb_lua_build__set_str(b, K_GUIDANCE,
                        q->guidance.text ? q->guidance.text : "");
  cb_lua_build__lists(b, q->lists, q->n_lists, q->id, -1);
  cb_lua_build__set_top(b, K_LISTS);
  /* filled while the cases are built */
  lua_createtable(L, (int)b->n_question_answers[index], 0);
  lua_pushvalue(L, -1);
  lua_rawseti(L, b->question_answers, (lua_Integer)index + 1);
  cb_lua_build__set_top(b, K_ANSWERS);
  b->n_question_answers[index] = 0;
}

static void push_criterion(cb_lua_builder *b, size_t index) {
  lua_State *L = b->L;
  const cb_criterion *c = &b->book->criteria[index];
  lua_createtable(L, 0, 18);
  cb_lua_build__set_str(b, K_KIND, "criterion");
  cb_lua_build__set_int(b, K_INDEX, (lua_Integer)index + 1);
  cb_lua_build__set_str(b, K_ID, c->id);
  cb_lua_build__set_str(b, K_TITLE, c->title);
  cb_lua_build__set_loc(b, c->loc, POS);
  set_chapter(b, c->chapter);
  cb_lua_build__strings(b, c->applies_to.items, c->applies_to.n);
  cb_lua_build__set_top(b, K_APPLIES_TO);
  cb_lua_build__locs(b, &c->applies_to);
  cb_lua_build__set_top(b, K_APPLIES_TO_LOCS);
  cb_lua_build__set_str(b, K_SEVERITY, c->severity);
  cb_lua_build__set_str(b, K_POINTS, c->points);
  cb_lua_build__props(b, c->props, c->n_props, c->id);
  cb_lua_build__set_top(b, K_PROPS);
  cb_lua_build__set_str(b, K_PROSE, c->prose.text ? c->prose.text : "");
  cb_lua_build__lists(b, c->lists, c->n_lists, c->id, -1);
  cb_lua_build__set_top(b, K_LISTS);
  (void)L;
}

/* Pushes the items of an answer. A list of one item is shared by every
 * answer with that item (rules only read it; project rules get a
 * read-only view), which saves a table per answer. */
static void push_items(cb_lua_builder *b, const cb_answer *a) {
  lua_State *L = b->L;
  if (a->n_items != 1 || !b->single) {
    cb_lua_build__strings(b, a->items, a->n_items);
    return;
  }
  const char *s = a->items[0] ? a->items[0] : "";
  lua_pushlstring(L, s, strlen(s));
  lua_pushvalue(L, -1);
  if (lua_rawget(L, b->single) == LUA_TTABLE) {
    lua_remove(L, -2);
    return;
  }
  lua_pop(L, 1);
  lua_createtable(L, 1, 0);
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, 1);
  lua_pushvalue(L, -2); /* item, list, item */
  lua_pushvalue(L, -2);
  lua_rawset(L, b->single);
  lua_remove(L, -2);
}

/* Pushes an answer of the case at case_idx and adds it to its question's
 * answers (or the book's unknown_answers). */
static void push_answer(cb_lua_builder *b, const cb_answer *a, int case_idx) {
  lua_State *L = b->L;
  int known = a->question >= 0 && (size_t)a->question < b->book->n_questions;
  case_idx = lua_absindex(L, case_idx);
  lua_createtable(L, 0, 16);
  cb_lua_build__key(b, K_CASE);
  lua_pushvalue(L, case_idx);
  lua_rawset(L, -3);
  cb_lua_build__set_str(b, K_KEY, a->key);
  cb_lua_build__set_str(b, K_RAW, a->raw);
  cb_lua_build__set_str(b, K_RESPONSE, a->response);
  if (known) {
    cb_lua_build__key(b, K_QUESTION);
    lua_rawgeti(L, b->values, V_COUNT + a->question + 1);
    lua_rawset(L, -3);
  }
  unsigned vk = (unsigned)a->kind < 7 ? (unsigned)a->kind : 0;
  cb_lua_build__set_value(b, K_KIND, V_VALUE + (int)vk, value_names[vk]);
  cb_lua_build__key(b, K_ITEMS);
  push_items(b, a);
  lua_rawset(L, -3);
  if (a->kind == CB_V_RANK && a->tied) {
    cb_lua_build__key(b, K_TIED);
    lua_createtable(L, (int)a->n_items, 0);
    for (size_t i = 0; i < a->n_items; i++) {
      lua_pushboolean(L, a->tied[i]);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_rawset(L, -3);
  }
  if (a->kind == CB_V_NUMBER)
    cb_lua_build__set_int(b, K_NUMBER, (lua_Integer)a->number);
  if (a->kind == CB_V_PAIRWISE)
    cb_lua_build__set_int(b, K_STRENGTH, a->strength);
  cb_lua_build__set_str(b, K_ERROR, a->error);
  cb_lua_build__set_loc(b, a->key_loc, POS);
  cb_lua_build__set_loc(b, a->value_loc, K_VALUE_LINE, K_VALUE_COL);
  if (known) {
    lua_rawgeti(L, b->question_answers, (lua_Integer)a->question + 1);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, ++b->n_question_answers[a->question]);
    lua_pop(L, 1);
  } else if (b->unknown_answers) {
    lua_pushvalue(L, -1);
    lua_rawseti(L, b->unknown_answers, ++b->n_unknown_answers);
  }
}

/* Pushes the field key of an element at loc in chapter (its chapter
 * table, file, line or col) and returns 1, or returns 0 for any other key,
 * an unknown file or no chapter. */
static int push_place_field(cb_lua_builder *b, uint32_t chapter, cb_loc loc,
                            const char *key) {
  lua_State *L = b->L;
  if (strcmp(key, "chapter") == 0) {
    if (chapter >= b->book->n_chapters)
      return 0;
    lua_rawgeti(L, b->chapters, (lua_Integer)chapter + 1);
    return 1;
  }
  if (strcmp(key, "file") == 0) {
    if (loc.file >= b->book->n_files)
      return 0;
    lua_rawgeti(L, b->files, (lua_Integer)loc.file + 1);
    return 1;
  }
  if (strcmp(key, "line") == 0 || strcmp(key, "col") == 0) {
    lua_pushinteger(L, key[0] == 'l' ? loc.line : loc.col);
    return 1;
  }
  return 0;
}

/* The fields of a case made on first use. Pushes the value of key and
 * returns 1, or returns 0 when key is not one of them. */
static const char *const lazy_case_keys[] = {
    "title",           "props",      "tags",       "tags_locs",
    "criteria_locs",   "rationale",  "source",     "status_raw",
    "responses_table", "inputs_key", "table_rows", "file",
    "line",            "col",        "chapter",    NULL};

static int push_lazy_case(cb_lua_builder *b, const cb_case *c,
                          const char *key) {
  lua_State *L = b->L;
  switch (key[0]) {
  case 't':
    if (strcmp(key, "title") == 0) {
      lua_pushstring(L, c->title ? c->title : "");
      return 1;
    }
    if (strcmp(key, "tags") == 0) {
      cb_lua_build__strings(b, c->tags.items, c->tags.n);
      return 1;
    }
    if (strcmp(key, "tags_locs") == 0) {
      cb_lua_build__locs(b, &c->tags);
      return 1;
    }
    if (strcmp(key, "table_rows") == 0) {
      cb_lua_build__rows(b, &c->table_rows);
      return 1;
    }
    return 0;
  case 'p':
    if (strcmp(key, "props") == 0) {
      cb_lua_build__props(b, c->props, c->n_props, c->id);
      return 1;
    }
    return 0;
  case 'c':
    if (strcmp(key, "criteria_locs") == 0) {
      cb_lua_build__locs(b, &c->criteria);
      return 1;
    }
    return push_place_field(b, c->chapter, c->loc, key);
  case 'r':
    if (strcmp(key, "rationale") == 0) {
      lua_pushstring(L, c->rationale.text ? c->rationale.text : "");
      return 1;
    }
    if (strcmp(key, "responses_table") == 0) {
      if (!c->responses_table_loc.line)
        return 0;
      cb_lua_build__pos(b, c->responses_table_loc);
      return 1;
    }
    return 0;
  case 's':
    if (strcmp(key, "source") == 0 && c->source) {
      lua_pushstring(L, c->source);
      return 1;
    }
    if (strcmp(key, "status_raw") == 0 && c->status_raw) {
      lua_pushstring(L, c->status_raw);
      return 1;
    }
    return 0;
  case 'i':
    if (strcmp(key, "inputs_key") == 0) {
      cb_lua_build__inputs_key(L, c);
      return 1;
    }
    return 0;
  default:
    return push_place_field(b, c->chapter, c->loc, key);
  }
}

/* Cases are built in three passes over all of them (the tables, then the
 * answers, then the inputs) so that what the rules walk together lies
 * together in memory: a pass over a question's answers then reads
 * consecutive memory instead of jumping over every case's input texts. */

static void push_case(cb_lua_builder *b, size_t index) {
  lua_State *L = b->L;
  const cb_case *c = &b->book->cases[index];
  /* room for the lazy fields too (the position and chapter among them:
   * rules read those of the few cases they report on): growing the table
   * later rehashes it */
  lua_createtable(L, 0, 24);
  cb_lua_build__set_value(b, K_KIND, V_CASE_KIND, "case");
  cb_lua_build__set_int(b, K_INDEX, (lua_Integer)index + 1);
  cb_lua_build__set_str(b, K_ID, c->id);
  unsigned st = (unsigned)c->status < 3 ? (unsigned)c->status : 0;
  cb_lua_build__set_value(b, K_STATUS, V_STATUS + (int)st, status_names[st]);
  size_t n_resp = 0;
  for (size_t i = 0; i < c->n_inputs; i++)
    n_resp += c->inputs[i].kind == CB_IN_RESPONSE;
  cb_lua_build__key(b, K_RESPONSES);
  if (n_resp == 0) {
    cb_lua_build__empty(b);
  } else {
    lua_createtable(L, (int)n_resp, 0);
    for (size_t i = 0, k = 0; i < c->n_inputs; i++)
      if (c->inputs[i].kind == CB_IN_RESPONSE) {
        const char *s = c->inputs[i].name ? c->inputs[i].name : "";
        lua_pushlstring(L, s, strlen(s));
        lua_rawseti(L, -2, (lua_Integer)++k);
      }
  }
  lua_rawset(L, -3);
  cb_lua_build__key(b, K_CRITERIA);
  cb_lua_build__strings(b, c->criteria.items, c->criteria.n);
  lua_rawset(L, -3);
  cb_lua_build__key(b, K_LISTS);
  cb_lua_build__lists(b, c->lists, c->n_lists, c->id, -2);
  lua_rawset(L, -3);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &LAZY_CASE_KEY);
  lua_setmetatable(L, -2);
}

/* Sets the answers of the case table on top. */
static void set_case_answers(cb_lua_builder *b, const cb_case *c) {
  lua_State *L = b->L;
  cb_lua_build__key(b, K_ANSWERS);
  if (c->n_answers == 0) {
    cb_lua_build__empty(b);
  } else {
    lua_createtable(L, (int)c->n_answers, 0);
    for (size_t i = 0; i < c->n_answers; i++) {
      push_answer(b, &c->answers[i], -3);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
  }
  lua_rawset(L, -3);
}

/* Sets the inputs of the case table on top. */
static void set_case_inputs(cb_lua_builder *b, const cb_case *c) {
  lua_State *L = b->L;
  int case_t = lua_gettop(L);
  cb_lua_build__key(b, K_INPUTS);
  if (c->n_inputs == 0) {
    cb_lua_build__empty(b);
  } else {
    lua_createtable(L, (int)c->n_inputs, 0);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &LAZY_INPUT_KEY);
    for (size_t i = 0; i < c->n_inputs; i++) {
      const cb_input *in = &c->inputs[i];
      /* file, line, col and the text are made on first use */
      lua_createtable(L, 0, 4);
      unsigned ik = (unsigned)in->kind < 6 ? (unsigned)in->kind : 0;
      cb_lua_build__set_value(b, K_KIND, V_INPUT + (int)ik, input_names[ik]);
      cb_lua_build__set_str(b, K_NAME, in->name);
      if (in->unnamed)
        cb_lua_build__set_bool(b, K_UNNAMED, 1);
      cb_lua_build__key(b, K_CASE);
      lua_pushvalue(L, case_t);
      lua_rawset(L, -3);
      cb_lua_build__set_int(b, K_INDEX, (lua_Integer)i + 1);
      lua_pushvalue(L, -2);
      lua_setmetatable(L, -2);
      lua_rawseti(L, -3, (lua_Integer)i + 1);
    }
    lua_pop(L, 1);
  }
  lua_rawset(L, -3);
}

static const char *const lazy_chapter_keys[] = {"headings", "prose", NULL};

static int push_lazy_chapter(cb_lua_builder *b, const cb_chapter *ch,
                             const char *key) {
  lua_State *L = b->L;
  if (strcmp(key, "prose") == 0) {
    lua_pushstring(L, ch->prose.text ? ch->prose.text : "");
    return 1;
  }
  if (strcmp(key, "headings") != 0)
    return 0;
  if (ch->n_headings == 0) {
    cb_lua_build__empty(b);
    return 1;
  }
  lua_createtable(L, (int)ch->n_headings, 0);
  for (size_t i = 0; i < ch->n_headings; i++) {
    const cb_heading *h = &ch->headings[i];
    lua_createtable(L, 0, 6);
    cb_lua_build__set_int(b, K_LEVEL, h->level);
    cb_lua_build__set_str(b, K_TEXT, h->text);
    cb_lua_build__set_str(b, K_SLUG, h->slug);
    cb_lua_build__set_loc(b, h->loc, POS);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static void push_chapter(cb_lua_builder *b, size_t index) {
  lua_State *L = b->L;
  const cb_chapter *ch = &b->book->chapters[index];
  lua_createtable(L, 0, 12);
  cb_lua_build__set_str(b, K_KIND, "chapter");
  cb_lua_build__set_int(b, K_INDEX, (lua_Integer)index + 1);
  cb_lua_build__set_str(b, K_PATH, ch->path);
  cb_loc top = {ch->file, 1, 1, 0, 0};
  cb_lua_build__set_loc(b, top, POS);
  cb_lua_build__set_str(b, K_TITLE, ch->title);
  cb_lua_build__set_str(b, K_SLUG, ch->slug);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &LAZY_CHAPTER_KEY);
  lua_setmetatable(L, -2);
}

/* A link is made with its kind and href, what the broken-link rule reads
 * of every link; the rest on first use (push_lazy_link), found through
 * the map link table -> index at b->link_index. */
static void push_link(cb_lua_builder *b, size_t index) {
  lua_State *L = b->L;
  const cb_link *l = &b->book->links[index];
  lua_createtable(L, 0, 2);
  unsigned lk = (unsigned)l->kind < 7 ? (unsigned)l->kind : 0;
  cb_lua_build__set_value(b, K_KIND, V_LINK + (int)lk, link_names[lk]);
  cb_lua_build__set_str(b, K_HREF, l->href);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &LAZY_LINK_KEY);
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_pushinteger(L, (lua_Integer)index);
  lua_rawset(L, b->link_index);
}

/* t[k] = v for the table on top, v a string or NULL (the manifest, built
 * once, names its fields the plain way). */
static void field_str(lua_State *L, const char *k, const char *v) {
  if (!v)
    return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

static void field_bool(lua_State *L, const char *k, int v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, k);
}

static void push_manifest(cb_lua_builder *b) {
  lua_State *L = b->L;
  const cb_manifest *m = &b->book->manifest;
  lua_createtable(L, 0, 12);
  field_bool(L, "present", m->present);
  field_str(L, "title", m->title);
  field_str(L, "version", m->version);
  cb_lua_build__strings(b, m->chapters.items, m->chapters.n);
  lua_setfield(L, -2, "chapters");
  cb_lua_build__strings(b, m->exclude.items, m->exclude.n);
  lua_setfield(L, -2, "exclude");
  cb_lua_build__strings(b, m->outputs.items, m->outputs.n);
  lua_setfield(L, -2, "outputs");
  field_bool(L, "unsafe_html", m->unsafe_html);
  lua_createtable(L, 0, 3);
  cb_lua_build__strings(b, m->kw_question.items, m->kw_question.n);
  lua_setfield(L, -2, "question");
  cb_lua_build__strings(b, m->kw_criterion.items, m->kw_criterion.n);
  lua_setfield(L, -2, "criterion");
  cb_lua_build__strings(b, m->kw_case.items, m->kw_case.n);
  lua_setfield(L, -2, "case");
  lua_setfield(L, -2, "keywords");
  lua_createtable(L, (int)m->n_fields, 0);
  for (size_t i = 0; i < m->n_fields; i++) {
    lua_createtable(L, 0, 3);
    field_str(L, "name", m->fields[i].name);
    field_str(L, "kind", m->fields[i].kind);
    field_str(L, "label", m->fields[i].label);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "fields");
  lua_createtable(L, 0, (int)m->n_rules);
  for (size_t i = 0; i < m->n_rules; i++) {
    static const char *const sev[] = {"note", "warning", "error", "off",
                                      "default"};
    unsigned s = (unsigned)m->rules[i].severity;
    if (m->rules[i].id)
      field_str(L, m->rules[i].id, s < 5 ? sev[s] : "default");
  }
  lua_setfield(L, -2, "rules");
  /* changes = { breaking = "error", ... }: only the categories set */
  lua_createtable(L, 0, 5);
  for (int i = 0; i < 5; i++) {
    static const char *const sev[] = {"note", "warning", "error", "off"};
    unsigned s = (unsigned)m->change_levels[i];
    if (s < 4)
      field_str(L, cb_change_category_name((cb_change_category)i), sev[s]);
  }
  lua_setfield(L, -2, "changes");
}

/* Pushes a map id -> first element of the list at list (a stack index). */
static void push_by_id(lua_State *L, int list) {
  lua_Integer n = (lua_Integer)lua_rawlen(L, list);
  lua_createtable(L, 0, (int)n);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, list, i);
    lua_pushliteral(L, "id");
    if (lua_rawget(L, -2) == LUA_TSTRING) {
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -4) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_insert(L, -2); /* id, element */
        lua_rawset(L, -3);
        continue;
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
  }
}

/* The upvalues of lazy_index (see init_lazy). */
enum {
  UP_BOOK = 1,
  UP_KIND,
  UP_LISTS, /* { files, chapters, link_index } of this book (book.previous
             * has its own) */
  UP_EMPTY,
  UP_INDEX, /* the string "index" */
  N_UP = UP_INDEX
};

/* A builder for lazy fields: pushes the book's lists it needs. */
static cb_lua_builder lazy_builder(lua_State *L) {
  cb_lua_builder b = {0};
  b.L = L;
  b.book = lua_touserdata(L, lua_upvalueindex(UP_BOOK));
  lua_rawgeti(L, lua_upvalueindex(UP_LISTS), 1);
  b.files = lua_gettop(L);
  lua_rawgeti(L, lua_upvalueindex(UP_LISTS), 2);
  b.chapters = lua_gettop(L);
  lua_rawgeti(L, lua_upvalueindex(UP_LISTS), 3);
  b.link_index = lua_gettop(L);
  b.empty = lua_upvalueindex(UP_EMPTY);
  return b;
}

/* The 0-based index of the model table at t (its `index` field), or -1.
 * Only for lazy_index and what it calls (the key is its upvalue). */
static lua_Integer raw_index(lua_State *L, int t, size_t n) {
  lua_pushvalue(L, lua_upvalueindex(UP_INDEX));
  lua_rawget(L, t);
  int ok = 0;
  lua_Integer i = lua_tointegerx(L, -1, &ok);
  lua_pop(L, 1);
  return ok && i >= 1 && (size_t)i <= n ? i - 1 : -1;
}

static const char *const lazy_input_keys[] = {"text", "info", "fence", "file",
                                              "line", "col",  NULL};

static const char *const lazy_link_keys[] = {
    "url",     "target", "anchor", "text", "image",
    "chapter", "file",   "line",   "col",  NULL};

/* The lazy fields of the link at t. */
static int push_lazy_link(cb_lua_builder *b, int t, const char *key) {
  lua_State *L = b->L;
  lua_pushvalue(L, t);
  int ok = 0;
  lua_Integer i = lua_rawget(L, b->link_index) == LUA_TNUMBER
                      ? lua_tointegerx(L, -1, &ok)
                      : 0;
  lua_pop(L, 1);
  if (!ok || i < 0 || (size_t)i >= b->book->n_links)
    return 0;
  const cb_link *l = &b->book->links[i];
  const char *s = strcmp(key, "url") == 0      ? l->url
                  : strcmp(key, "target") == 0 ? l->target
                  : strcmp(key, "anchor") == 0 ? l->anchor
                  : strcmp(key, "text") == 0   ? l->text
                                               : NULL;
  if (s) {
    lua_pushstring(L, s);
    return 1;
  }
  if (strcmp(key, "image") == 0) {
    lua_pushboolean(L, l->is_image);
    return 1;
  }
  return push_place_field(b, l->chapter, l->loc, key);
}

/* The lazy fields of an input (its case table is at case_t). */
static int push_lazy_input(cb_lua_builder *b, int t, const char *key) {
  lua_State *L = b->L;
  lua_pushliteral(L, "case");
  if (lua_rawget(L, t) != LUA_TTABLE)
    return 0;
  lua_Integer ci = raw_index(L, lua_gettop(L), b->book->n_cases);
  lua_pop(L, 1);
  if (ci < 0)
    return 0;
  const cb_case *c = &b->book->cases[ci];
  lua_Integer ii = raw_index(L, t, c->n_inputs);
  if (ii < 0)
    return 0;
  const cb_input *in = &c->inputs[ii];
  if (strcmp(key, "text") == 0) {
    lua_pushlstring(L, in->text ? in->text : "", in->text ? in->len : 0);
    return 1;
  }
  if (strcmp(key, "info") == 0) {
    lua_pushstring(L, in->info ? in->info : "");
    return 1;
  }
  if (strcmp(key, "fence") == 0) { /* as written: ``` or ~~~ */
    lua_pushstring(L, in->fence == '~' ? "~~~" : "```");
    return 1;
  }
  return push_place_field(b, UINT32_MAX, in->loc, key);
}

static const char *const *const lazy_keys[N_LAZY] = {
    lazy_chapter_keys, lazy_case_keys, lazy_input_keys, lazy_link_keys};

/* Is key one of keys? (First letters first: most lookups that end up
 * here are for fields a table does not have.) */
static int has_key(const char *const *keys, const char *key) {
  for (; *keys; keys++)
    if ((*keys)[0] == key[0] && strcmp(*keys, key) == 0)
      return 1;
  return 0;
}

/* __index of cases, chapters, inputs and links: makes a lazy field and
 * stores it. Upvalues: see UP_BOOK ... */
static int lazy_index(lua_State *L) {
  int kind = (int)lua_tointeger(L, lua_upvalueindex(UP_KIND));
  if (lua_type(L, 2) != LUA_TSTRING)
    return 0;
  const char *key = lua_tostring(L, 2);
  if (!has_key(lazy_keys[kind], key))
    return 0;
  cb_lua_builder b = lazy_builder(L);
  int got = 0;
  if (kind == LAZY_INPUT) {
    got = push_lazy_input(&b, 1, key);
  } else if (kind == LAZY_LINK) {
    got = push_lazy_link(&b, 1, key);
  } else {
    lua_Integer i = raw_index(
        L, 1, kind == LAZY_CASE ? b.book->n_cases : b.book->n_chapters);
    if (i < 0)
      return 0;
    got = kind == LAZY_CASE ? push_lazy_case(&b, &b.book->cases[i], key)
                            : push_lazy_chapter(&b, &b.book->chapters[i], key);
  }
  if (!got)
    return 0;
  lua_pushvalue(L, 2);
  lua_pushvalue(L, -2);
  lua_rawset(L, 1);
  return 1;
}

/* Makes every lazy field of the table at t (for pairs). */
void cb_lua_model__materialize(lua_State *L, int t) {
  t = lua_absindex(L, t);
  if (!lua_getmetatable(L, t))
    return;
  const char *const *keys = NULL;
  for (int kind = 0; kind < N_LAZY; kind++) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, lazy_mt_keys[kind]);
    if (lua_rawequal(L, -1, -2))
      keys = lazy_keys[kind];
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  for (; keys && *keys; keys++) {
    lua_getfield(L, t, *keys);
    lua_pop(L, 1);
  }
}

/* __pairs of the tables with lazy fields. */
static int lazy_pairs(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  cb_lua_model__materialize(L, 1);
  lua_pushcfunction(L, safe_next_raw);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

/* Registers the shared metatables of the tables with lazy fields and the
 * empty table. */
static void init_lazy(lua_State *L, const cb_book *book) {
  lua_createtable(L, 3, 0); /* filled by build_book */
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, book);
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &EMPTY_KEY);
  for (int kind = 0; kind < N_LAZY; kind++) {
    lua_createtable(L, 0, 2);
    lua_pushlightuserdata(L, (void *)book);
    lua_pushinteger(L, kind);
    lua_pushvalue(L, -5);
    lua_pushvalue(L, -5);
    lua_pushliteral(L, "index");
    lua_pushcclosure(L, lazy_index, N_UP);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lazy_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_rawsetp(L, LUA_REGISTRYINDEX, lazy_mt_keys[kind]);
  }
  lua_pop(L, 2);
}

/* Builds the book table (a protected call: argument 1 is the builder)
 * and returns it. Also fills the registry's path -> file index map. */
static int build_book(lua_State *L) {
  cb_lua_builder *b = lua_touserdata(L, 1);
  const cb_book *bk = b->book;
  b->L = L;
  luaL_checkstack(L, 40 + K_COUNT, "building the book");
  init_lazy(L, bk);
  b->key0 = lua_gettop(L) + 1;
  for (int k = 0; k < K_COUNT; k++)
    lua_pushstring(L, cb_lua_build__key_names[k]);
  lua_createtable(L, V_COUNT + (int)bk->n_questions, 0);
  b->values = lua_gettop(L);
  static const char *const *const groups[] = {
      qtype_names, input_names, value_names, link_names, status_names};
  static const int group_n[] = {6, 6, 7, 7, 3};
  int v = 0;
  for (int g = 0; g < 5; g++)
    for (int i = 0; i < group_n[g]; i++) {
      lua_pushstring(L, groups[g][i]);
      lua_rawseti(L, b->values, ++v);
    }
  static const char *const more[] = {"question", "case", "response"};
  for (int i = 0; i < 3; i++) {
    lua_pushstring(L, more[i]);
    lua_rawseti(L, b->values, ++v);
  }
  assert(v == V_COUNT);
  for (size_t i = 0; i < bk->n_questions; i++) {
    if (bk->questions[i].id)
      lua_pushstring(L, bk->questions[i].id);
    else
      lua_pushnil(L);
    lua_rawseti(L, b->values, V_COUNT + (lua_Integer)i + 1);
  }
  lua_newtable(L);
  b->single = lua_gettop(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &EMPTY_KEY);
  b->empty = lua_gettop(L);
  lua_createtable(L, 0, 14);
  int book = lua_gettop(L);

  lua_createtable(L, (int)bk->n_files, 0);
  b->files = lua_gettop(L);
  lua_createtable(L, 0, (int)bk->n_files); /* path -> index */
  for (size_t i = 0; i < bk->n_files; i++) {
    lua_pushstring(L, bk->files[i].path ? bk->files[i].path : "");
    lua_pushvalue(L, -1);
    lua_rawseti(L, b->files, (lua_Integer)i + 1);
    lua_pushinteger(L, (lua_Integer)i);
    lua_rawset(L, -3);
  }
  lua_rawsetp(L, LUA_REGISTRYINDEX, &PATHS_KEY);
  lua_pushvalue(L, b->files);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &FILES_KEY);
  lua_pushvalue(L, b->files);
  lua_setfield(L, book, "files");

  lua_createtable(L, (int)bk->n_chapters, 0);
  b->chapters = lua_gettop(L);
  for (size_t i = 0; i < bk->n_chapters; i++) {
    push_chapter(b, i);
    lua_rawseti(L, b->chapters, (lua_Integer)i + 1);
  }
  lua_pushvalue(L, b->chapters);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &CHAPTERS_KEY);
  lua_createtable(L, 0, (int)bk->n_links);
  b->link_index = lua_gettop(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, bk); /* the lists of lazy_index */
  lua_pushvalue(L, b->files);
  lua_rawseti(L, -2, 1);
  lua_pushvalue(L, b->chapters);
  lua_rawseti(L, -2, 2);
  lua_pushvalue(L, b->link_index);
  lua_rawseti(L, -2, 3);
  lua_pop(L, 1);

  /* links, and each chapter's slice of them */
  lua_createtable(L, (int)bk->n_links, 0);
  int links = lua_gettop(L);
  for (size_t i = 0; i < bk->n_links; i++) {
    push_link(b, i);
    lua_rawseti(L, links, (lua_Integer)i + 1);
  }
  for (size_t c = 0; c < bk->n_chapters; c++) {
    const cb_chapter *ch = &bk->chapters[c];
    lua_rawgeti(L, b->chapters, (lua_Integer)c + 1);
    if (ch->n_links == 0 || ch->first_link >= bk->n_links) {
      cb_lua_build__empty(b);
    } else {
      lua_createtable(L, (int)ch->n_links, 0);
      for (size_t i = 0; i < ch->n_links; i++) {
        if (ch->first_link + i >= bk->n_links)
          break;
        lua_rawgeti(L, links, (lua_Integer)(ch->first_link + i) + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
    }
    lua_setfield(L, -2, "links");
    lua_pop(L, 1);
  }

  /* answers per question: counted first to size the lists */
  b->n_question_answers = lua_newuserdatauv(
      L, (bk->n_questions + 1) * sizeof *b->n_question_answers, 0);
  memset(b->n_question_answers, 0,
         (bk->n_questions + 1) * sizeof *b->n_question_answers);
  size_t n_unknown = 0;
  for (size_t i = 0; i < bk->n_cases; i++)
    for (size_t k = 0; k < bk->cases[i].n_answers; k++) {
      int q = bk->cases[i].answers[k].question;
      if (q >= 0 && (size_t)q < bk->n_questions)
        b->n_question_answers[q]++;
      else
        n_unknown++;
    }
  lua_createtable(L, (int)bk->n_questions, 0);
  b->question_answers = lua_gettop(L);
  lua_createtable(L, (int)n_unknown, 0);
  b->unknown_answers = lua_gettop(L);
  lua_newtable(L);
  b->all_lists = lua_gettop(L);

  lua_createtable(L, (int)bk->n_questions, 0);
  int questions = lua_gettop(L);
  for (size_t i = 0; i < bk->n_questions; i++) {
    push_question(b, i);
    lua_rawseti(L, questions, (lua_Integer)i + 1);
  }
  lua_createtable(L, (int)bk->n_criteria, 0);
  int criteria = lua_gettop(L);
  for (size_t i = 0; i < bk->n_criteria; i++) {
    push_criterion(b, i);
    lua_rawseti(L, criteria, (lua_Integer)i + 1);
  }
  lua_createtable(L, (int)bk->n_cases, 0);
  int cases = lua_gettop(L);
  for (size_t i = 0; i < bk->n_cases; i++) {
    push_case(b, i);
    lua_rawseti(L, cases, (lua_Integer)i + 1);
  }
  for (size_t i = 0; i < bk->n_cases; i++) {
    lua_rawgeti(L, cases, (lua_Integer)i + 1);
    set_case_answers(b, &bk->cases[i]);
    lua_pop(L, 1);
  }
  for (size_t i = 0; i < bk->n_cases; i++) {
    lua_rawgeti(L, cases, (lua_Integer)i + 1);
    set_case_inputs(b, &bk->cases[i]);
    lua_pop(L, 1);
  }

  lua_pushvalue(L, b->unknown_answers);
  lua_setfield(L, book, "unknown_answers");
  lua_pushvalue(L, b->all_lists);
  lua_setfield(L, book, "lists");
  b->question_answers = b->unknown_answers = b->all_lists = 0;
  lua_pushvalue(L, b->chapters);
  lua_setfield(L, book, "chapters");
  lua_pushvalue(L, links);
  lua_setfield(L, book, "links");
  lua_pushvalue(L, questions);
  lua_setfield(L, book, "questions");
  lua_pushvalue(L, criteria);
  lua_setfield(L, book, "criteria");
  lua_pushvalue(L, cases);
  lua_setfield(L, book, "cases");
  lua_pushvalue(L, questions);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &QUESTIONS_KEY);
  lua_pushvalue(L, cases);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &CASES_KEY);
  push_by_id(L, questions);
  lua_setfield(L, book, "questions_by_id");
  push_by_id(L, criteria);
  lua_setfield(L, book, "criteria_by_id");
  push_by_id(L, cases);
  lua_setfield(L, book, "cases_by_id");
  lua_settop(L, book);
  push_manifest(b);
  lua_setfield(L, book, "manifest");
  field_str(L, "root", bk->root);
  return 1;
}

int cb_lua_model__push(lua_State *L, const cb_book *book) {
  cb_lua_builder b = {0};
  b.book = book;
  lua_pushcfunction(L, build_book);
  lua_pushlightuserdata(L, &b);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    lua_pop(L, 1);
    return CB_ENOMEM;
  }
  return 0;
}

/* Pushes the list of changes (argument 1 of a protected call, a
 * previous_args) as tables whose position is in the new book. */
typedef struct previous_args {
  const cb_book *book, *previous;
  const cb_change *changes;
  size_t n;
} previous_args;

static int build_changes(lua_State *L) {
  previous_args *p = lua_touserdata(L, 1);
  lua_createtable(L, (int)p->n, 0);
  for (size_t i = 0; i < p->n; i++) {
    const cb_change *c = &p->changes[i];
    lua_createtable(L, 0, 12);
    field_str(L, "category", cb_change_category_name(c->category));
    field_str(L, "kind", c->kind);
    field_str(L, "what", c->what);
    field_str(L, "element", c->element);
    field_str(L, "message", c->message);
    field_str(L, "before", c->before);
    field_str(L, "after", c->after);
    if (c->loc.file < p->book->n_files) {
      field_str(L, "file", p->book->files[c->loc.file].path);
      lua_pushinteger(L, c->loc.line);
      lua_setfield(L, -2, "line");
      lua_pushinteger(L, c->loc.col);
      lua_setfield(L, -2, "col");
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

int cb_lua_model__push_with_previous(lua_State *L, const cb_book *book,
                                     const cb_book *previous,
                                     const cb_change *changes, size_t n) {
  if (!previous)
    return cb_lua_model__push(L, book);
  /* the previous book first: the registry's lookups (paths, questions,
   * cases) then belong to the book the rules report on */
  if (cb_lua_model__push(L, previous) < 0)
    return CB_ENOMEM;
  if (cb_lua_model__push(L, book) < 0) {
    lua_pop(L, 1);
    return CB_ENOMEM;
  }
  previous_args args = {book, previous, changes, n};
  lua_pushcfunction(L, build_changes);
  lua_pushlightuserdata(L, &args);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    lua_pop(L, 3);
    return CB_ENOMEM;
  }
  /* previous, book, changes: book.changes, book.previous */
  if (!lua_checkstack(L, 4)) {
    lua_pop(L, 3);
    return CB_ENOMEM;
  }
  lua_pushliteral(L, "changes");
  lua_insert(L, -2);
  lua_rawset(L, -3);
  lua_pushliteral(L, "previous");
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_remove(L, -2);
  return 0;
}

void cb_lua_model__push_paths(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &PATHS_KEY);
}

lua_Integer cb_lua_model__index(lua_State *L, int idx, int cases) {
  if (lua_type(L, idx) != LUA_TTABLE)
    return -1;
  idx = lua_absindex(L, idx);
  int top = lua_gettop(L);
  lua_Integer found = -1;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, cases ? &CASES_KEY : &QUESTIONS_KEY) ==
      LUA_TTABLE) {
    lua_pushliteral(L, "index");
    int ok = 0;
    lua_Integer i =
        lua_rawget(L, idx) == LUA_TNUMBER ? lua_tointegerx(L, -1, &ok) : 0;
    if (ok && i >= 1 && lua_rawgeti(L, top + 1, i) == LUA_TTABLE &&
        lua_rawequal(L, -1, idx))
      found = i - 1;
  }
  lua_settop(L, top);
  return found;
}
