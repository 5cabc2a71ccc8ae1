/*
 * check.c: runs the Lua rules (built-in and the project's rules/ *.lua)
 * over the model and turns their findings into diagnostics.
 *
 * One sandbox (sandbox.h) per check. The model is built once as plain Lua
 * tables (build_book below); the built-in rules, which are our own code
 * and never write to it, read those tables directly, which is what keeps
 * them fast on a book of ten thousand cases. Project rules get read-only
 * views: an empty proxy table per model table, created on first access,
 * whose shared metatable reads through to the real table and whose
 * __newindex raises. `#`, ipairs, pairs and next work on them; rawset
 * refuses them; getmetatable says "read-only". Every rule file runs in an
 * environment of its own (cb_sandbox__push_env), so a rule cannot change
 * the libraries another rule sees.
 *
 * The Lua API (docs/rules.md says the same for rule authors):
 *
 *   A rule file returns a rule table, or a list of them:
 *     { id = "my-rule", severity = "error"|"warning"|"note",
 *       summary = "...", rationale = "...", example = "...",
 *       check = function(book, report, options) ... end }
 *   options is the table the manifest gives (rules = { ["my-rule"] =
 *   { severity = "warning", max = 3 } }), or an empty table.
 *
 *   report{ at = ELEMENT_OR_POSITION, message = "...", suggestion = "...",
 *           severity = "warning", element = "id" }
 *   report(at, message [, suggestion])
 *     at is any model table with file/line/col (an element, an answer, an
 *     option, a link ...) or a position { file = PATH, line = L, col = C },
 *     or nil for a finding without a position.
 *
 *   book.questions, book.criteria, book.cases, book.chapters, book.links
 *   book.questions_by_id, book.criteria_by_id, book.cases_by_id
 *   book.manifest, book.root, book.files
 *   question: kind="question", index, id, title, file, line, col,
 *     chapter (the chapter table), type ("choice", "multi", "scale",
 *     "rank", "pairwise", "text"), type_raw, scale_min, scale_max,
 *     required (boolean), when, when_line, when_col, hint, responses
 *     (list), responses_locs, scope ("case"|"response"), options (list),
 *     options_by_id, options_line, options_col, props, guidance (text),
 *     lists
 *   option: kind="option", id, value, meaning, meaning_html, attrs (map),
 *     question (id), element, file, line, col
 *   criterion: kind="criterion", index, id, title, file, line, col,
 *     chapter, applies_to, applies_to_locs, severity, points, props,
 *     prose (text), lists
 *   case: kind="case", index, id, title, file, line, col, chapter,
 *     inputs, responses (names of the response inputs), answers,
 *     criteria, criteria_locs, tags, tags_locs, status, status_raw,
 *     source, props, responses_table (a position or nil), rationale
 *     (text), lists
 *   input: kind ("prompt", "response", ...), name, info, text, element,
 *     file, line, col
 *   answer: key, raw, response, question (id or nil), kind ("none",
 *     "option", "options", "number", "rank", "pairwise", "text"), items,
 *     tied, number, strength, error, element, file, line, col (the key),
 *     value_line, value_col
 *   prop: key, raw_key, value, element, file, line, col, value_line,
 *     value_col
 *   list: issue ("mixed"|"second"), items ({key, text, file, line, col}),
 *     element, file, line, col
 *   chapter: kind="chapter", index, path, file, line, col, title, slug,
 *     headings ({level, text, slug, file, line, col}), links, prose
 *   link: kind ("external", "relative", "case", "question", "criterion",
 *     "option", "unsafe"), url, target, anchor, text, image, href (nil
 *     when unresolved), chapter, file, line, col
 *
 *   casebook.suggest(word, candidates)   closest candidate or nil
 *   casebook.eval_when(question, case [, response])
 *                                        true/false, or nil and a message
 *   casebook.compile_when(question)      true, or nil and a message
 *   casebook.hash(s)                     64-bit FNV-1a of s, as hex
 *   and the Lua helpers of rules/_casebook.lua (applies, compared, ...).
 */
#include "check.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "embed.h"
#include "manifest.h"
#include "sandbox.h"

#define HELPERS_FILE "rules/_casebook.lua"
#define LOAD_INSTRUCTIONS 10000000LL
#define MAX_MESSAGE 4000
#define GARBAGE_LIMIT ((size_t)128 << 20)

typedef struct rule {
  const char *id;
  const char *severity; /* "error", "warning" or "note" */
  const char *summary, *rationale, *example;
  const char *file;  /* "rules/x.lua" */
  const char *chunk; /* "@rules/x.lua" */
  int builtin;
  int skip; /* replaced by a project rule of the same id */
  int check_ref;
  int line; /* where check is defined */
  cb_diag_level level;
  size_t n_reports;
} rule;

typedef struct checker {
  cb_ctx *ctx;
  const cb_book *book;
  cb_sandbox *sb;
  int report; /* report problems as diagnostics (0 when only listing) */
  rule *rules;
  size_t n_rules, cap_rules;
  rule *current;
  int book_ref, ro_book_ref, options_ref;
} checker;

static const char *const qtype_names[] = {"choice",   "multi",    "scale",
                                          "rank",     "pairwise", "text"};
static const char *const input_names[] = {"prompt",  "response", "system",
                                          "context", "user",     "assistant"};
static const char *const value_names[] = {"none", "option",   "options",
                                          "number", "rank",   "pairwise",
                                          "text"};
static const char *const link_names[] = {"external", "relative", "case",
                                         "question", "criterion", "option",
                                         "unsafe"};
static const char *const status_names[] = {"final", "draft", "disputed"};
static const char *const level_names[] = {"note", "warning", "error"};

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Registry keys (their addresses). */
static char RO_MT_KEY, RO_DATA_KEY, RO_PROXY_KEY, WHEN_CACHE_KEY,
    WHEN_MEMO_KEY, WHEN_NAMES_KEY, WHEN_LIB_KEY, WHEN_MT_KEY, PATHS_KEY;

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

/* The model is built eagerly where every rule looks (ids, positions,
 * inputs, answers) and lazily elsewhere: a case's props, lists, tags,
 * rationale ... and a chapter's headings and prose are made the first
 * time a rule reads them, by the __index of a metatable shared by all
 * cases (all chapters), and then stored in the table. pairs() on such a
 * table first makes all of them. Empty lists are one shared empty table.
 * All of this keeps a ten-thousand-case book cheap to expose. */

typedef struct builder {
  lua_State *L;
  const cb_book *book;
  int files;    /* stack index: list of file paths */
  int chapters; /* stack index: list of chapter tables */
  int empty;    /* stack index: the shared empty table */
  /* while building: per question the list of its answers, the answers
   * to no question, every suspect list (stack indexes), and counts */
  int question_answers, unknown_answers, all_lists;
  lua_Integer *n_question_answers, n_unknown_answers, n_all_lists;
} builder;

static char LAZY_CASE_KEY, LAZY_CHAPTER_KEY, LAZY_INPUT_KEY, EMPTY_KEY,
    FILES_KEY, CHAPTERS_KEY;

static void set_str(lua_State *L, const char *k, const char *v) {
  if (!v)
    return;
  /* lua_pushlstring skips Lua's pointer-keyed string cache, leaving it
   * to the field names (literals) that lua_setfield looks up */
  lua_pushlstring(L, v, strlen(v));
  lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

static void set_bool(lua_State *L, const char *k, int v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, k);
}

/* Sets file, line, col of the table on top (or only line_key/col_key). */
static void set_loc(builder *b, cb_loc loc, const char *line_key,
                    const char *col_key) {
  lua_State *L = b->L;
  if (!line_key) {
    if (loc.file < b->book->n_files) {
      lua_rawgeti(L, b->files, (lua_Integer)loc.file + 1);
      lua_setfield(L, -2, "file");
    }
    line_key = "line";
    col_key = "col";
  }
  set_int(L, line_key, loc.line);
  set_int(L, col_key, loc.col);
}

/* Pushes a position table { file, line, col }. */
static void push_pos(builder *b, cb_loc loc) {
  lua_createtable(b->L, 0, 3);
  set_loc(b, loc, NULL, NULL);
}

static void push_empty(builder *b) { lua_pushvalue(b->L, b->empty); }

/* Pushes a list of strings. */
static void push_strings(builder *b, const char *const *items, size_t n) {
  lua_State *L = b->L;
  if (n == 0) {
    push_empty(b);
    return;
  }
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushstring(L, items[i] ? items[i] : "");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* Pushes the positions of a string list (empty when unknown). */
static void push_locs(builder *b, const cb_strlist *l) {
  lua_State *L = b->L;
  if (l->n == 0 || !l->locs) {
    push_empty(b);
    return;
  }
  lua_createtable(L, (int)l->n, 0);
  for (size_t i = 0; i < l->n; i++) {
    push_pos(b, l->locs[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

static void push_props(builder *b, const cb_prop *props, size_t n,
                       const char *element) {
  lua_State *L = b->L;
  if (n == 0) {
    push_empty(b);
    return;
  }
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    const cb_prop *p = &props[i];
    lua_createtable(L, 0, 9);
    set_str(L, "key", p->key);
    set_str(L, "raw_key", p->raw_key);
    set_str(L, "value", p->value);
    set_str(L, "element", element);
    set_loc(b, p->key_loc, NULL, NULL);
    set_loc(b, p->value_loc, "value_line", "value_col");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* Pushes the suspect lists of an element (the table at owner) and adds
 * them to book.lists. */
static void push_lists(builder *b, const cb_list *lists, size_t n,
                       const char *element, int owner) {
  lua_State *L = b->L;
  if (n == 0) {
    push_empty(b);
    return;
  }
  owner = lua_absindex(L, owner);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    const cb_list *l = &lists[i];
    lua_createtable(L, 0, 6);
    set_str(L, "issue", l->issue == CB_LIST_MIXED ? "mixed" : "second");
    set_str(L, "element", element);
    set_loc(b, l->loc, NULL, NULL);
    lua_createtable(L, (int)l->n_items, 0);
    for (size_t k = 0; k < l->n_items; k++) {
      lua_createtable(L, 0, 5);
      set_str(L, "key", l->items[k].key);
      set_str(L, "text", l->items[k].text);
      set_loc(b, l->items[k].loc, NULL, NULL);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "items");
    lua_pushvalue(L, owner);
    lua_setfield(L, -2, "owner");
    if (b->all_lists) {
      lua_pushvalue(L, -1);
      lua_rawseti(L, b->all_lists, ++b->n_all_lists);
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

static void set_chapter(builder *b, uint32_t chapter) {
  if (chapter < b->book->n_chapters) {
    lua_rawgeti(b->L, b->chapters, (lua_Integer)chapter + 1);
    lua_setfield(b->L, -2, "chapter");
  }
}

static void push_question(builder *b, size_t index) {
  lua_State *L = b->L;
  const cb_question *q = &b->book->questions[index];
  lua_createtable(L, 0, 32);
  set_str(L, "kind", "question");
  set_int(L, "index", (lua_Integer)index + 1);
  set_str(L, "id", q->id);
  set_str(L, "title", q->title);
  set_loc(b, q->loc, NULL, NULL);
  set_chapter(b, q->chapter);
  set_str(L, "type", (unsigned)q->type < 6 ? qtype_names[q->type] : "choice");
  set_str(L, "type_raw", q->type_raw);
  if (q->type == CB_Q_SCALE) {
    set_int(L, "scale_min", q->scale_min);
    set_int(L, "scale_max", q->scale_max);
  }
  set_bool(L, "required", q->required);
  if (q->when) {
    set_str(L, "when", q->when);
    set_loc(b, q->when_loc, "when_line", "when_col");
  }
  set_str(L, "hint", q->hint);
  push_strings(b, q->responses.items, q->responses.n);
  lua_setfield(L, -2, "responses");
  push_locs(b, &q->responses);
  lua_setfield(L, -2, "responses_locs");
  set_str(L, "scope", q->scope == CB_SCOPE_RESPONSE ? "response" : "case");
  lua_createtable(L, (int)q->n_options, 0); /* options */
  lua_createtable(L, 0, (int)q->n_options); /* options_by_id */
  for (size_t i = 0; i < q->n_options; i++) {
    const cb_option *o = &q->options[i];
    lua_createtable(L, 0, 11);
    set_str(L, "kind", "option");
    set_str(L, "id", o->id);
    set_int(L, "value", o->value);
    set_str(L, "meaning", o->meaning_text);
    set_str(L, "meaning_html", o->meaning_html);
    set_str(L, "question", q->id);
    set_str(L, "element", q->id);
    set_loc(b, o->loc, NULL, NULL);
    lua_createtable(L, 0, (int)o->n_attrs);
    for (size_t k = 0; k < o->n_attrs; k++)
      if (o->attrs[k].key && o->attrs[k].value)
        set_str(L, o->attrs[k].key, o->attrs[k].value);
    lua_setfield(L, -2, "attrs");
    lua_pushvalue(L, -1);
    lua_rawseti(L, -4, (lua_Integer)i + 1);
    lua_getfield(L, -2, o->id ? o->id : "");
    if (lua_isnil(L, -1) && o->id) {
      lua_pop(L, 1);
      lua_setfield(L, -2, o->id);
    } else {
      lua_pop(L, 2);
    }
  }
  lua_setfield(L, -3, "options_by_id");
  lua_setfield(L, -2, "options");
  if (q->options_loc.line)
    set_loc(b, q->options_loc, "options_line", "options_col");
  push_props(b, q->props, q->n_props, q->id);
  lua_setfield(L, -2, "props");
  set_str(L, "guidance", q->guidance.text ? q->guidance.text : "");
  push_lists(b, q->lists, q->n_lists, q->id, -1);
  lua_setfield(L, -2, "lists");
  /* filled while the cases are built */
  lua_createtable(L, (int)b->n_question_answers[index], 0);
  lua_pushvalue(L, -1);
  lua_rawseti(L, b->question_answers, (lua_Integer)index + 1);
  lua_setfield(L, -2, "answers");
  b->n_question_answers[index] = 0;
}

static void push_criterion(builder *b, size_t index) {
  lua_State *L = b->L;
  const cb_criterion *c = &b->book->criteria[index];
  lua_createtable(L, 0, 18);
  set_str(L, "kind", "criterion");
  set_int(L, "index", (lua_Integer)index + 1);
  set_str(L, "id", c->id);
  set_str(L, "title", c->title);
  set_loc(b, c->loc, NULL, NULL);
  set_chapter(b, c->chapter);
  push_strings(b, c->applies_to.items, c->applies_to.n);
  lua_setfield(L, -2, "applies_to");
  push_locs(b, &c->applies_to);
  lua_setfield(L, -2, "applies_to_locs");
  set_str(L, "severity", c->severity);
  set_str(L, "points", c->points);
  push_props(b, c->props, c->n_props, c->id);
  lua_setfield(L, -2, "props");
  set_str(L, "prose", c->prose.text ? c->prose.text : "");
  push_lists(b, c->lists, c->n_lists, c->id, -1);
  lua_setfield(L, -2, "lists");
}

/* Pushes an answer of the case at case_idx and adds it to its question's
 * answers (or the book's unknown_answers). */
static void push_answer(builder *b, const cb_answer *a, int case_idx) {
  lua_State *L = b->L;
  case_idx = lua_absindex(L, case_idx);
  lua_createtable(L, 0, 14);
  lua_pushvalue(L, case_idx);
  lua_setfield(L, -2, "case");
  set_str(L, "key", a->key);
  set_str(L, "raw", a->raw);
  set_str(L, "response", a->response);
  if (a->question >= 0 && (size_t)a->question < b->book->n_questions)
    set_str(L, "question", b->book->questions[a->question].id);
  set_str(L, "kind", (unsigned)a->kind < 7 ? value_names[a->kind] : "none");
  push_strings(b, a->items, a->n_items);
  lua_setfield(L, -2, "items");
  if (a->kind == CB_V_RANK && a->tied) {
    lua_createtable(L, (int)a->n_items, 0);
    for (size_t i = 0; i < a->n_items; i++) {
      lua_pushboolean(L, a->tied[i]);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "tied");
  }
  if (a->kind == CB_V_NUMBER)
    set_int(L, "number", (lua_Integer)a->number);
  if (a->kind == CB_V_PAIRWISE)
    set_int(L, "strength", a->strength);
  set_str(L, "error", a->error);
  set_loc(b, a->key_loc, NULL, NULL);
  set_loc(b, a->value_loc, "value_line", "value_col");
  if (a->question >= 0 && (size_t)a->question < b->book->n_questions) {
    lua_rawgeti(L, b->question_answers, (lua_Integer)a->question + 1);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, ++b->n_question_answers[a->question]);
    lua_pop(L, 1);
  } else if (b->unknown_answers) {
    lua_pushvalue(L, -1);
    lua_rawseti(L, b->unknown_answers, ++b->n_unknown_answers);
  }
}

/* 64-bit FNV-1a over the case's inputs (kind, name, length, text): two
 * cases with identical inputs have the same key. */
static void push_inputs_key(lua_State *L, const cb_case *c) {
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    char head[64];
    int n = snprintf(head, sizeof head, "%d\x1f%zu\x1f", (int)in->kind,
                     in->text ? in->len : 0);
    const char *parts[3] = {head, in->name ? in->name : "", in->text};
    size_t lens[3] = {n > 0 ? (size_t)n : 0, in->name ? strlen(in->name) : 0,
                      in->text ? in->len : 0};
    for (int p = 0; p < 3; p++) {
      for (size_t k = 0; k < lens[p]; k++) {
        h ^= (unsigned char)parts[p][k];
        h *= 1099511628211ULL;
      }
      h ^= 0x1e;
      h *= 1099511628211ULL;
    }
  }
  char hex[24];
  snprintf(hex, sizeof hex, "%zx:%016llx", c->n_inputs, (unsigned long long)h);
  lua_pushstring(L, hex);
}

/* The fields of a case made on first use. Pushes the value of key and
 * returns 1, or returns 0 when key is not one of them. */
static const char *const lazy_case_keys[] = {
    "title",  "props",      "tags",            "tags_locs",
    "criteria_locs", "rationale", "source", "status_raw", "responses_table",
    "inputs_key", NULL};

static int push_lazy_case(builder *b, const cb_case *c, const char *key) {
  lua_State *L = b->L;
  switch (key[0]) {
  case 't':
    if (strcmp(key, "title") == 0) {
      lua_pushstring(L, c->title ? c->title : "");
      return 1;
    }
    if (strcmp(key, "tags") == 0) {
      push_strings(b, c->tags.items, c->tags.n);
      return 1;
    }
    if (strcmp(key, "tags_locs") == 0) {
      push_locs(b, &c->tags);
      return 1;
    }
    return 0;
  case 'p':
    if (strcmp(key, "props") == 0) {
      push_props(b, c->props, c->n_props, c->id);
      return 1;
    }
    return 0;
  case 'c':
    if (strcmp(key, "criteria_locs") == 0) {
      push_locs(b, &c->criteria);
      return 1;
    }
    return 0;
  case 'r':
    if (strcmp(key, "rationale") == 0) {
      lua_pushstring(L, c->rationale.text ? c->rationale.text : "");
      return 1;
    }
    if (strcmp(key, "responses_table") == 0) {
      if (!c->responses_table_loc.line)
        return 0;
      push_pos(b, c->responses_table_loc);
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
      push_inputs_key(L, c);
      return 1;
    }
    return 0;
  default:
    return 0;
  }
}

/* Cases are built in three passes over all of them (the tables, then the
 * answers, then the inputs) so that what the rules walk together lies
 * together in memory: a pass over a question's answers then reads
 * consecutive memory instead of jumping over every case's input texts. */

static void push_case(builder *b, size_t index) {
  lua_State *L = b->L;
  const cb_case *c = &b->book->cases[index];
  lua_createtable(L, 0, 14);
  set_str(L, "kind", "case");
  set_int(L, "index", (lua_Integer)index + 1);
  set_str(L, "id", c->id);
  set_loc(b, c->loc, NULL, NULL);
  set_chapter(b, c->chapter);
  set_str(L, "status",
          (unsigned)c->status < 3 ? status_names[c->status] : "final");
  size_t n_resp = 0;
  for (size_t i = 0; i < c->n_inputs; i++)
    n_resp += c->inputs[i].kind == CB_IN_RESPONSE;
  if (n_resp == 0) {
    push_empty(b);
  } else {
    lua_createtable(L, (int)n_resp, 0);
    for (size_t i = 0, k = 0; i < c->n_inputs; i++)
      if (c->inputs[i].kind == CB_IN_RESPONSE) {
        lua_pushstring(L, c->inputs[i].name ? c->inputs[i].name : "");
        lua_rawseti(L, -2, (lua_Integer)++k);
      }
  }
  lua_setfield(L, -2, "responses");
  push_strings(b, c->criteria.items, c->criteria.n);
  lua_setfield(L, -2, "criteria");
  push_lists(b, c->lists, c->n_lists, c->id, -1);
  lua_setfield(L, -2, "lists");
  lua_rawgetp(L, LUA_REGISTRYINDEX, &LAZY_CASE_KEY);
  lua_setmetatable(L, -2);
}

/* Sets the answers of the case table on top. */
static void set_case_answers(builder *b, const cb_case *c) {
  lua_State *L = b->L;
  if (c->n_answers == 0) {
    push_empty(b);
  } else {
    lua_createtable(L, (int)c->n_answers, 0);
    for (size_t i = 0; i < c->n_answers; i++) {
      push_answer(b, &c->answers[i], -2);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
  }
  lua_setfield(L, -2, "answers");
}

/* Sets the inputs of the case table on top. */
static void set_case_inputs(builder *b, const cb_case *c) {
  lua_State *L = b->L;
  if (c->n_inputs == 0) {
    push_empty(b);
  } else {
    lua_createtable(L, (int)c->n_inputs, 0);
    for (size_t i = 0; i < c->n_inputs; i++) {
      const cb_input *in = &c->inputs[i];
      lua_createtable(L, 0, 9);
      set_str(L, "kind",
              (unsigned)in->kind < 6 ? input_names[in->kind] : "prompt");
      set_str(L, "name", in->name);
      lua_pushvalue(L, -3);
      lua_setfield(L, -2, "case");
      set_int(L, "index", (lua_Integer)i + 1);
      set_loc(b, in->loc, NULL, NULL);
      lua_rawgetp(L, LUA_REGISTRYINDEX, &LAZY_INPUT_KEY);
      lua_setmetatable(L, -2);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
  }
  lua_setfield(L, -2, "inputs");
}

static const char *const lazy_chapter_keys[] = {"headings", "prose", NULL};

static int push_lazy_chapter(builder *b, const cb_chapter *ch,
                             const char *key) {
  lua_State *L = b->L;
  if (strcmp(key, "prose") == 0) {
    lua_pushstring(L, ch->prose.text ? ch->prose.text : "");
    return 1;
  }
  if (strcmp(key, "headings") != 0)
    return 0;
  if (ch->n_headings == 0) {
    push_empty(b);
    return 1;
  }
  lua_createtable(L, (int)ch->n_headings, 0);
  for (size_t i = 0; i < ch->n_headings; i++) {
    const cb_heading *h = &ch->headings[i];
    lua_createtable(L, 0, 6);
    set_int(L, "level", h->level);
    set_str(L, "text", h->text);
    set_str(L, "slug", h->slug);
    set_loc(b, h->loc, NULL, NULL);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static void push_chapter(builder *b, size_t index) {
  lua_State *L = b->L;
  const cb_chapter *ch = &b->book->chapters[index];
  lua_createtable(L, 0, 12);
  set_str(L, "kind", "chapter");
  set_int(L, "index", (lua_Integer)index + 1);
  set_str(L, "path", ch->path);
  cb_loc top = {ch->file, 1, 1};
  set_loc(b, top, NULL, NULL);
  set_str(L, "title", ch->title);
  set_str(L, "slug", ch->slug);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &LAZY_CHAPTER_KEY);
  lua_setmetatable(L, -2);
}

static void push_link(builder *b, size_t index) {
  lua_State *L = b->L;
  const cb_link *l = &b->book->links[index];
  lua_createtable(L, 0, 13);
  set_str(L, "kind", (unsigned)l->kind < 7 ? link_names[l->kind] : "external");
  set_str(L, "url", l->url);
  set_str(L, "target", l->target);
  set_str(L, "anchor", l->anchor);
  set_str(L, "text", l->text);
  set_bool(L, "image", l->is_image);
  set_str(L, "href", l->href);
  set_chapter(b, l->chapter);
  set_loc(b, l->loc, NULL, NULL);
}

static void push_manifest(builder *b) {
  lua_State *L = b->L;
  const cb_manifest *m = &b->book->manifest;
  lua_createtable(L, 0, 12);
  set_bool(L, "present", m->present);
  set_str(L, "title", m->title);
  set_str(L, "version", m->version);
  push_strings(b, m->chapters.items, m->chapters.n);
  lua_setfield(L, -2, "chapters");
  push_strings(b, m->exclude.items, m->exclude.n);
  lua_setfield(L, -2, "exclude");
  push_strings(b, m->outputs.items, m->outputs.n);
  lua_setfield(L, -2, "outputs");
  set_bool(L, "unsafe_html", m->unsafe_html);
  lua_createtable(L, 0, 3);
  push_strings(b, m->kw_question.items, m->kw_question.n);
  lua_setfield(L, -2, "question");
  push_strings(b, m->kw_criterion.items, m->kw_criterion.n);
  lua_setfield(L, -2, "criterion");
  push_strings(b, m->kw_case.items, m->kw_case.n);
  lua_setfield(L, -2, "case");
  lua_setfield(L, -2, "keywords");
  lua_createtable(L, (int)m->n_fields, 0);
  for (size_t i = 0; i < m->n_fields; i++) {
    lua_createtable(L, 0, 3);
    set_str(L, "name", m->fields[i].name);
    set_str(L, "kind", m->fields[i].kind);
    set_str(L, "label", m->fields[i].label);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "fields");
  lua_createtable(L, 0, (int)m->n_rules);
  for (size_t i = 0; i < m->n_rules; i++) {
    static const char *const sev[] = {"note", "warning", "error", "off",
                                      "default"};
    unsigned s = (unsigned)m->rules[i].severity;
    if (m->rules[i].id)
      set_str(L, m->rules[i].id, s < 5 ? sev[s] : "default");
  }
  lua_setfield(L, -2, "rules");
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

/* A builder for lazy fields: pushes the registry's lists it needs. */
static builder lazy_builder(lua_State *L) {
  builder b = {0};
  b.L = L;
  b.book = lua_touserdata(L, lua_upvalueindex(1));
  lua_rawgetp(L, LUA_REGISTRYINDEX, &FILES_KEY);
  b.files = lua_gettop(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &CHAPTERS_KEY);
  b.chapters = lua_gettop(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &EMPTY_KEY);
  b.empty = lua_gettop(L);
  return b;
}

/* The 0-based index of the model table at t (its `index` field), or -1. */
static lua_Integer raw_index(lua_State *L, int t, size_t n) {
  lua_pushliteral(L, "index");
  lua_rawget(L, t);
  int ok = 0;
  lua_Integer i = lua_tointegerx(L, -1, &ok);
  lua_pop(L, 1);
  return ok && i >= 1 && (size_t)i <= n ? i - 1 : -1;
}

static const char *const lazy_input_keys[] = {"text", "info", NULL};

/* The lazy fields of an input (its case table is at case_t). */
static int push_lazy_input(builder *b, int t, const char *key) {
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
  return 0;
}

/* __index of cases, chapters and inputs: makes a lazy field and stores
 * it. Upvalues: the book, the kind of table (0 chapter, 1 case, 2
 * input). */
static int lazy_index(lua_State *L) {
  int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
  if (lua_type(L, 2) != LUA_TSTRING)
    return 0;
  builder b = lazy_builder(L);
  const char *key = lua_tostring(L, 2);
  int got = 0;
  if (kind == 2) {
    got = push_lazy_input(&b, 1, key);
  } else {
    lua_Integer i = raw_index(L, 1, kind == 1 ? b.book->n_cases
                                              : b.book->n_chapters);
    if (i < 0)
      return 0;
    got = kind == 1 ? push_lazy_case(&b, &b.book->cases[i], key)
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
static void materialize(lua_State *L, int t) {
  t = lua_absindex(L, t);
  if (!lua_getmetatable(L, t))
    return;
  const char *const *keys = NULL;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &LAZY_CASE_KEY);
  if (lua_rawequal(L, -1, -2))
    keys = lazy_case_keys;
  lua_pop(L, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &LAZY_CHAPTER_KEY);
  if (lua_rawequal(L, -1, -2))
    keys = lazy_chapter_keys;
  lua_pop(L, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &LAZY_INPUT_KEY);
  if (lua_rawequal(L, -1, -2))
    keys = lazy_input_keys;
  lua_pop(L, 2);
  for (; keys && *keys; keys++) {
    lua_getfield(L, t, *keys);
    lua_pop(L, 1);
  }
}

/* __pairs of cases and chapters. */
static int lazy_pairs(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  materialize(L, 1);
  lua_pushcfunction(L, safe_next_raw);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

/* Registers the shared metatables of cases and chapters and the empty
 * table. */
static void init_lazy(lua_State *L, const cb_book *book) {
  static char *const keys[] = {&LAZY_CHAPTER_KEY, &LAZY_CASE_KEY,
                               &LAZY_INPUT_KEY};
  for (int kind = 0; kind < 3; kind++) {
    lua_createtable(L, 0, 2);
    lua_pushlightuserdata(L, (void *)book);
    lua_pushinteger(L, kind);
    lua_pushcclosure(L, lazy_index, 2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lazy_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_rawsetp(L, LUA_REGISTRYINDEX, keys[kind]);
  }
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &EMPTY_KEY);
}

/* Builds the book table (a protected call: argument 1 is the builder)
 * and returns it. Also fills the registry's path -> file index map. */
static int build_book(lua_State *L) {
  builder *b = lua_touserdata(L, 1);
  const cb_book *bk = b->book;
  b->L = L;
  luaL_checkstack(L, 40, "building the book");
  init_lazy(L, bk);
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
      push_empty(b);
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
  push_by_id(L, questions);
  lua_setfield(L, book, "questions_by_id");
  push_by_id(L, criteria);
  lua_setfield(L, book, "criteria_by_id");
  push_by_id(L, cases);
  lua_setfield(L, book, "cases_by_id");
  lua_settop(L, book);
  push_manifest(b);
  lua_setfield(L, book, "manifest");
  set_str(L, "root", bk->root);
  return 1;
}

/* ---- read-only views ---------------------------------------------------- */

/* Is the value at idx a read-only proxy? Pushes its data table if so. */
static int ro_data(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
    return 0;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_MT_KEY);
  int is = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  if (!is)
    return 0;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_DATA_KEY);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  if (lua_type(L, -1) != LUA_TTABLE) {
    lua_pop(L, 1);
    return 0;
  }
  return 1;
}

/* Pushes the read-only view of the value at idx (itself unless a table). */
static void push_ro(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE) {
    lua_pushvalue(L, idx);
    return;
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_PROXY_KEY);
  lua_pushvalue(L, idx);
  if (lua_rawget(L, -2) == LUA_TTABLE) {
    lua_remove(L, -2);
    return;
  }
  lua_pop(L, 1);
  lua_newtable(L); /* the proxy */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_MT_KEY);
  lua_setmetatable(L, -2);
  lua_pushvalue(L, idx);
  lua_pushvalue(L, -2);
  lua_rawset(L, -4); /* proxies[data] = proxy */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_DATA_KEY);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, idx);
  lua_rawset(L, -3); /* data[proxy] = data */
  lua_pop(L, 1);
  lua_remove(L, -2);
}

static int ro_index(lua_State *L) {
  if (!ro_data(L, 1))
    return 0;
  lua_pushvalue(L, 2);
  lua_gettable(L, -2);
  push_ro(L, -1);
  return 1;
}

static int ro_newindex(lua_State *L) {
  return luaL_error(L, "the book is read-only");
}

static int ro_len(lua_State *L) {
  if (!ro_data(L, 1))
    return 0;
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
  return 1;
}

static int ro_next(lua_State *L) {
  if (!ro_data(L, 1))
    return luaL_error(L, "next: not a read-only table");
  lua_pushvalue(L, 2);
  if (!lua_next(L, -2)) {
    lua_pushnil(L);
    return 1;
  }
  push_ro(L, -1);
  lua_remove(L, -2);
  return 2;
}

static int ro_pairs(lua_State *L) {
  if (ro_data(L, 1)) {
    materialize(L, -1);
    lua_pop(L, 1);
  }
  lua_settop(L, 1);
  lua_pushcfunction(L, ro_next);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

/* next(t, k) that walks read-only views too. */
static int safe_next(lua_State *L) {
  lua_settop(L, 2);
  if (lua_type(L, 1) == LUA_TTABLE && lua_getmetatable(L, 1)) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &RO_MT_KEY);
    int is = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (is)
      return ro_next(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  if (lua_next(L, 1))
    return 2;
  lua_pushnil(L);
  return 1;
}

static int safe_rawset(lua_State *L) {
  if (ro_data(L, 1))
    return luaL_error(L, "the book is read-only");
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

static int safe_rawget(lua_State *L) {
  if (ro_data(L, 1)) {
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    push_ro(L, -1);
    return 1;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

static int safe_rawlen(lua_State *L) {
  if (ro_data(L, 1)) {
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
  }
  int t = lua_type(L, 1);
  luaL_argexpected(L, t == LUA_TTABLE || t == LUA_TSTRING, 1,
                   "table or string");
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
  return 1;
}

/* Sets up the shared metatable of views and the two weak maps. */
static void init_ro(lua_State *L) {
  lua_createtable(L, 0, 5);
  lua_pushcfunction(L, ro_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ro_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, ro_len);
  lua_setfield(L, -2, "__len");
  lua_pushcfunction(L, ro_pairs);
  lua_setfield(L, -2, "__pairs");
  lua_pushliteral(L, "read-only");
  lua_setfield(L, -2, "__metatable");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &RO_MT_KEY);
  for (int i = 0; i < 2; i++) {
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, i == 0 ? &RO_DATA_KEY : &RO_PROXY_KEY);
  }
  lua_pushglobaltable(L);
  static const luaL_Reg safe[] = {{"next", safe_next},
                                  {"rawset", safe_rawset},
                                  {"rawget", safe_rawget},
                                  {"rawlen", safe_rawlen},
                                  {NULL, NULL}};
  luaL_setfuncs(L, safe, 0);
  lua_pop(L, 1);
}

/* ---- the casebook helper library ---------------------------------------- */

/* casebook.suggest(word, candidates): the closest candidate or nil. */
static int l_suggest(lua_State *L) {
  const char *word = luaL_checkstring(L, 1);
  luaL_checkany(L, 2);
  lua_Integer n = luaL_len(L, 2);
  if (n <= 0) {
    lua_pushnil(L);
    return 1;
  }
  if (n > 1000000)
    n = 1000000;
  /* copy the candidates into a plain table: they stay alive there */
  lua_createtable(L, (int)n, 0);
  int keep = lua_gettop(L);
  const char **items =
      lua_newuserdatauv(L, (size_t)n * sizeof *items, 0);
  size_t k = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_geti(L, 2, i);
    if (lua_type(L, -1) == LUA_TSTRING) {
      lua_pushvalue(L, -1);
      lua_rawseti(L, keep, (lua_Integer)k + 1);
      items[k++] = lua_tostring(L, -1);
    }
    lua_pop(L, 1);
  }
  const char *best = cb_suggest(word, items, k);
  if (best)
    lua_pushstring(L, best);
  else
    lua_pushnil(L);
  return 1;
}

/* casebook.hash(s): 64-bit FNV-1a as 16 hex digits. */
static int l_hash(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  char hex[17];
  for (int i = 15; i >= 0; i--) {
    hex[i] = "0123456789abcdef"[h & 15];
    h >>= 4;
  }
  lua_pushlstring(L, hex, 16);
  return 1;
}

/* Pushes the compiled `when` of the question at q: a function, or nil and
 * a message. Compiled once per distinct text. */
static int push_when(lua_State *L, int q) {
  if (lua_getfield(L, q, "when") != LUA_TSTRING) {
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_pushliteral(L, "the question has no when");
    return 2;
  }
  int text = lua_gettop(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_CACHE_KEY);
  int cache = lua_gettop(L);
  lua_pushvalue(L, text);
  int t = lua_rawget(L, cache);
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    size_t len;
    const char *w = lua_tolstring(L, text, &len);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "return (");
    luaL_addlstring(&b, w, len);
    luaL_addstring(&b, "\n)");
    luaL_pushresult(&b);
    size_t slen;
    const char *src = lua_tolstring(L, -1, &slen);
    if (luaL_loadbufferx(L, src, slen, "=when", "t") != LUA_OK) {
      /* the message of the expression as written reads better than one
       * about the parentheses around it */
      lua_pop(L, 1);
      luaL_buffinit(L, &b);
      luaL_addstring(&b, "return ");
      luaL_addlstring(&b, w, len);
      luaL_pushresult(&b);
      const char *plain = lua_tolstring(L, -1, &slen);
      if (luaL_loadbufferx(L, plain, slen, "=when", "t") == LUA_OK) {
        lua_pop(L, 1);
        lua_pushliteral(L, "when:1: not a single expression");
      }
      lua_remove(L, -2);
      const char *msg = lua_tostring(L, -1);
      if (msg && strncmp(msg, "when:", 5) == 0) {
        const char *p = strchr(msg + 5, ':');
        if (p)
          lua_pushstring(L, p[1] == ' ' ? p + 2 : p + 1);
        else
          lua_pushvalue(L, -1);
      } else {
        lua_pushstring(L, msg ? msg : "does not compile");
      }
      lua_remove(L, -2);
    }
    lua_remove(L, -2); /* the source */
    lua_pushvalue(L, text);
    lua_pushvalue(L, -2);
    lua_rawset(L, cache);
    t = lua_type(L, -1);
  }
  lua_replace(L, text);
  lua_settop(L, text);
  if (t == LUA_TFUNCTION)
    return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

/* The value a when expression sees for the answer at a. Pushes it. */
static void push_when_value(lua_State *L, int a) {
  const char *kind = "";
  if (lua_getfield(L, a, "kind") == LUA_TSTRING)
    kind = lua_tostring(L, -1);
  lua_pop(L, 1);
  int has_error = lua_getfield(L, a, "error") != LUA_TNIL;
  lua_pop(L, 1);
  if (!has_error && (strcmp(kind, "option") == 0 ||
                     strcmp(kind, "pairwise") == 0)) {
    lua_getfield(L, a, "items");
    lua_geti(L, -1, 1);
    lua_remove(L, -2);
    return;
  }
  if (!has_error && strcmp(kind, "number") == 0) {
    lua_getfield(L, a, "number");
    return;
  }
  if (!has_error &&
      (strcmp(kind, "options") == 0 || strcmp(kind, "rank") == 0)) {
    /* a fresh list that is also a set: issues[1], issues.tone */
    lua_getfield(L, a, "items");
    int items = lua_gettop(L);
    lua_Integer n = luaL_len(L, items);
    lua_createtable(L, (int)n, (int)n);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, items, i);
      lua_pushvalue(L, -1);
      lua_rawseti(L, -3, i);
      lua_pushboolean(L, 1);
      lua_rawset(L, -3);
    }
    lua_remove(L, items);
    return;
  }
  lua_getfield(L, a, "raw");
}

/* Sets name = value in the table at t, and its alias with '-' and '.'
 * read as '_' (so `over_refusal` names question over-refusal). Pops the
 * value. */
static void set_name(lua_State *L, int t, const char *name) {
  lua_pushvalue(L, -1);
  lua_setfield(L, t, name);
  if (strpbrk(name, "-.")) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const char *p = name; *p; p++)
      luaL_addchar(&b, *p == '-' || *p == '.' ? '_' : *p);
    luaL_pushresult(&b);
    lua_insert(L, -2);
    lua_settable(L, t);
  } else {
    lua_pop(L, 1);
  }
}

static int when_readonly(lua_State *L) {
  return luaL_error(L, "a when expression cannot assign");
}

/* Pushes the environment a when expression sees for the case table at c
 * (answers read through Lua, for tables that are not the model's own):
 * the case-level answers, then those of the response named at r. */
static void push_lua_env(lua_State *L, int c, int r) {
  lua_newtable(L);
  int env = lua_gettop(L);
  lua_getfield(L, c, "answers");
  int answers = lua_gettop(L);
  lua_Integer n = lua_type(L, answers) == LUA_TNIL ? 0 : luaL_len(L, answers);
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1 && lua_isnil(L, r))
      break;
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, answers, i);
      int a = lua_gettop(L);
      lua_getfield(L, a, "response");
      int take = pass == 0 ? lua_isnil(L, -1)
                           : !lua_isnil(L, -1) && lua_rawequal(L, -1, r);
      lua_pop(L, 1);
      if (take) {
        if (lua_getfield(L, a, "question") != LUA_TSTRING) {
          lua_pop(L, 1);
          lua_getfield(L, a, "key");
        }
        if (lua_type(L, -1) == LUA_TSTRING) {
          const char *name = lua_tostring(L, -1);
          push_when_value(L, a);
          set_name(L, env, name);
        }
      }
      lua_settop(L, a - 1);
    }
  }
  lua_settop(L, env);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_MT_KEY);
  lua_setmetatable(L, env);
}

/* The model's case behind the table at idx (a case table or its
 * read-only view), or NULL for any other table. */
static const cb_case *model_case(lua_State *L, const cb_book *bk, int idx) {
  const cb_case *c = NULL;
  if (!bk)
    return NULL;
  int top = lua_gettop(L);
  if (lua_getfield(L, idx, "kind") == LUA_TSTRING &&
      strcmp(lua_tostring(L, -1), "case") == 0 &&
      lua_getfield(L, idx, "index") == LUA_TNUMBER) {
    lua_Integer i = lua_tointeger(L, -1);
    if (i >= 1 && (size_t)i <= bk->n_cases &&
        lua_getfield(L, idx, "id") == LUA_TSTRING &&
        bk->cases[i - 1].id &&
        strcmp(lua_tostring(L, -1), bk->cases[i - 1].id) == 0)
      c = &bk->cases[i - 1];
  }
  lua_settop(L, top);
  return c;
}

/* The name of a case's only response, or NULL unless it has one. */
static const char *only_response(const cb_case *c) {
  const char *name = NULL;
  size_t n = 0;
  for (size_t i = 0; i < c->n_inputs; i++)
    if (c->inputs[i].kind == CB_IN_RESPONSE) {
      name = c->inputs[i].name ? c->inputs[i].name : "";
      n++;
    }
  return n == 1 ? name : NULL;
}

static int answer_taken(const cb_answer *a, int pass, const char *resp) {
  if (pass == 0)
    return a->response == NULL;
  return a->response && strcmp(a->response, resp) == 0;
}

static const char *answer_name(const cb_book *bk, const cb_answer *a) {
  if (a->question >= 0 && (size_t)a->question < bk->n_questions)
    return bk->questions[a->question].id;
  return a->key;
}

/* Pushes the signature of what a when sees in case c (for resp): two
 * cases with the same signature give every when the same result. */
static void push_signature(lua_State *L, const cb_book *bk, const cb_case *c,
                           const char *resp) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int pass = 0; pass < (resp ? 2 : 1); pass++) {
    for (size_t i = 0; i < c->n_answers; i++) {
      const cb_answer *a = &c->answers[i];
      const char *name = answer_name(bk, a);
      if (!name || !answer_taken(a, pass, resp))
        continue;
      luaL_addstring(&b, name);
      luaL_addchar(&b, '\x1f');
      luaL_addstring(&b, a->raw ? a->raw : "");
      luaL_addchar(&b, a->error ? '\x1c' : '\x1e');
    }
    luaL_addchar(&b, '\x1d');
  }
  luaL_pushresult(&b);
}

/* Pushes the environment of a when for case c, from the C model. */
static void push_c_env(lua_State *L, const cb_book *bk, const cb_case *c,
                       const char *resp) {
  lua_createtable(L, 0, (int)c->n_answers * 2);
  int env = lua_gettop(L);
  for (int pass = 0; pass < (resp ? 2 : 1); pass++) {
    for (size_t i = 0; i < c->n_answers; i++) {
      const cb_answer *a = &c->answers[i];
      const char *name = answer_name(bk, a);
      if (!name || !answer_taken(a, pass, resp))
        continue;
      if (a->error || a->kind == CB_V_NONE || a->kind == CB_V_TEXT ||
          a->n_items == 0) {
        if (!a->error && a->kind == CB_V_OPTIONS)
          lua_newtable(L); /* multi "none" */
        else if (!a->error && a->kind == CB_V_NUMBER)
          lua_pushinteger(L, (lua_Integer)a->number);
        else
          lua_pushstring(L, a->raw ? a->raw : "");
      } else if (a->kind == CB_V_NUMBER) {
        lua_pushinteger(L, (lua_Integer)a->number);
      } else if (a->kind == CB_V_OPTION || a->kind == CB_V_PAIRWISE) {
        lua_pushstring(L, a->items[0] ? a->items[0] : "");
      } else {
        /* multi and rank: a list that is also a set */
        lua_createtable(L, (int)a->n_items, (int)a->n_items);
        for (size_t k = 0; k < a->n_items; k++) {
          lua_pushstring(L, a->items[k] ? a->items[k] : "");
          lua_pushvalue(L, -1);
          lua_rawseti(L, -3, (lua_Integer)k + 1);
          lua_pushboolean(L, 1);
          lua_rawset(L, -3);
        }
      }
      set_name(L, env, name);
    }
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_MT_KEY);
  lua_setmetatable(L, env);
}

/* __index of a when's answers: a question that is not answered reads as
 * nil, the few library names as themselves, anything else is an error
 * (a misspelt question id would otherwise read as nil silently). */
static int when_fallback(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_NAMES_KEY);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL) {
    lua_pushnil(L);
    return 1;
  }
  lua_pop(L, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_LIB_KEY);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL)
    return 1;
  if (lua_type(L, 2) != LUA_TSTRING)
    return luaL_error(L, "unknown name");
  const char *name = lua_tostring(L, 2);
  /* did you mean: over the question ids */
  int names = lua_gettop(L) - 2;
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, names)) {
    n++;
    lua_pop(L, 1);
  }
  const char **cands = lua_newuserdatauv(L, (n ? n : 1) * sizeof *cands, 0);
  size_t k = 0;
  lua_pushnil(L);
  while (lua_next(L, names)) {
    if (lua_type(L, -2) == LUA_TSTRING && k < n)
      cands[k++] = lua_tostring(L, -2);
    lua_pop(L, 1);
  }
  /* sorted, so the answer does not depend on the table's order */
  qsort(cands, k, sizeof *cands, cmp_name);
  const char *best = cb_suggest(name, cands, k);
  if (best)
    return luaL_error(L, "'%s' is not a question (did you mean '%s'?)", name,
                      best);
  return luaL_error(L, "'%s' is not a question", name);
}

/* has(x, v): x equals v, or x is a list/set holding v. */
static int l_has(lua_State *L) {
  luaL_checkany(L, 2);
  if (lua_type(L, 1) == LUA_TTABLE) {
    lua_pushvalue(L, 2);
    if (lua_gettable(L, 1) == LUA_TBOOLEAN && lua_toboolean(L, -1)) {
      lua_pushboolean(L, 1);
      return 1;
    }
    lua_Integer n = luaL_len(L, 1);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, 1, i);
      if (lua_compare(L, -1, 2, LUA_OPEQ)) {
        lua_pushboolean(L, 1);
        return 1;
      }
      lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPEQ));
  return 1;
}

/* casebook.compile_when(question): true, or nil and the compiler's
 * message. */
static int l_compile_when(lua_State *L) {
  luaL_checkany(L, 1);
  if (lua_type(L, 1) == LUA_TTABLE) {
    int t = lua_getfield(L, 1, "when");
    lua_pop(L, 1);
    if (t == LUA_TNIL) {
      lua_pushboolean(L, 1);
      return 1;
    }
  }
  if (push_when(L, 1) == 2)
    return 2;
  lua_pushboolean(L, 1);
  return 1;
}

/* Runs the compiled when (below its environment on the stack: fn, env)
 * and pushes true/false, or nil and a message. Returns the number of
 * values pushed. */
static int run_when(lua_State *L, int fn) {
  if (!lua_setupvalue(L, fn, 1))
    lua_pop(L, 1);
  lua_pushvalue(L, fn);
  if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
    lua_pushnil(L);
    if (lua_type(L, -2) == LUA_TSTRING) {
      const char *msg = lua_tostring(L, -2);
      const char *p = strncmp(msg, "when:", 5) == 0 ? strchr(msg + 5, ':')
                                                     : NULL;
      if (p)
        lua_pushstring(L, p[1] == ' ' ? p + 2 : p + 1);
      else
        lua_pushvalue(L, -2);
    } else {
      lua_pushliteral(L, "the expression raised a non-string error");
    }
    lua_remove(L, -3);
    return 2;
  }
  lua_pushboolean(L, lua_toboolean(L, -1));
  lua_remove(L, -2);
  return 1;
}

/* casebook.eval_when(question, case [, response]): true or false, or nil
 * and a message when the expression does not compile or fails. For the
 * model's own cases the result is remembered per `when` text and per
 * signature of the answers it sees. Upvalue: the book (or NULL). */
static int l_eval_when(lua_State *L) {
  const cb_book *bk = lua_touserdata(L, lua_upvalueindex(1));
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 3);
  if (lua_type(L, 3) != LUA_TNIL && lua_type(L, 3) != LUA_TSTRING)
    return luaL_argerror(L, 3, "a response name or nil");
  int t = lua_getfield(L, 1, "when");
  lua_pop(L, 1);
  if (t == LUA_TNIL) {
    lua_pushboolean(L, 1);
    return 1;
  }
  const cb_case *c = model_case(L, bk, 2);
  if (!c) {
    if (lua_isnil(L, 3)) {
      /* a case with one response: its answers are the case's answers */
      if (lua_getfield(L, 2, "responses") == LUA_TTABLE &&
          luaL_len(L, -1) == 1) {
        lua_geti(L, -1, 1);
        lua_replace(L, 3);
      }
      lua_settop(L, 3);
    }
    if (push_when(L, 1) == 2)
      return 2;
    int fn = lua_gettop(L);
    push_lua_env(L, 2, 3);
    return run_when(L, fn);
  }

  const char *resp = lua_isnil(L, 3) ? only_response(c) : lua_tostring(L, 3);
  int explicit = !lua_isnil(L, 3) && resp != only_response(c);
  /* memo[when] = { [case index] = result, ["index\0response"] = result,
   *                [signature] = result } */
  lua_getfield(L, 1, "when"); /* 4: the text */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WHEN_MEMO_KEY);
  lua_pushvalue(L, 4);
  if (lua_rawget(L, -2) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, 4);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
  }
  int memo = lua_gettop(L);
  lua_Integer idx = (lua_Integer)(c - bk->cases) + 1;
  if (explicit)
    lua_pushfstring(L, "%I\x1f%s", idx, resp);
  else
    lua_pushinteger(L, idx);
  int key = lua_gettop(L);
  for (int round = 0; round < 2; round++) {
    if (round == 1)
      push_signature(L, bk, c, resp);
    lua_pushvalue(L, -1);
    switch (lua_rawget(L, memo)) {
    case LUA_TBOOLEAN:
      if (round == 1) {
        lua_pushvalue(L, key);
        lua_pushvalue(L, -2);
        lua_rawset(L, memo);
      }
      return 1;
    case LUA_TSTRING:
      lua_pushnil(L);
      lua_insert(L, -2);
      return 2;
    default:
      lua_pop(L, 1);
    }
  }
  int sig = lua_gettop(L);
  if (push_when(L, 1) == 2)
    return 2;
  int fn = lua_gettop(L);
  push_c_env(L, bk, c, resp);
  int n = run_when(L, fn);
  cb_sandbox *sb = cb_sandbox__of(L);
  if (sb->exhausted == CB_LIMIT_NONE && !sb->mem_refused) {
    lua_pushvalue(L, sig);
    lua_pushvalue(L, -2); /* the result, or the message */
    lua_rawset(L, memo);
    lua_pushvalue(L, key);
    lua_pushvalue(L, -2);
    lua_rawset(L, memo);
  }
  return n;
}

/* Registry state for `when`: compiled cache, per-case environments, the
 * names that are questions, the library a when may use. */
static int init_when(lua_State *L) {
  const cb_book *bk = lua_touserdata(L, 1);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_CACHE_KEY);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_MEMO_KEY);

  lua_newtable(L);
  int names = lua_gettop(L);
  for (size_t i = 0; bk && i < bk->n_questions; i++) {
    if (!bk->questions[i].id)
      continue;
    lua_pushboolean(L, 1);
    set_name(L, names, bk->questions[i].id);
  }
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_NAMES_KEY);

  /* the library: has, and read-only views of string and math */
  lua_newtable(L);
  int lib = lua_gettop(L);
  lua_pushcfunction(L, l_has);
  lua_setfield(L, lib, "has");
  lua_pushglobaltable(L);
  static const char *const copied[] = {"tonumber", "tostring", "type",
                                       "ipairs", "pairs", "select", NULL};
  for (const char *const *c = copied; *c; c++) {
    lua_getfield(L, -1, *c);
    lua_setfield(L, lib, *c);
  }
  static const char *const libs[] = {"string", "math", "utf8", NULL};
  for (const char *const *c = libs; *c; c++) {
    lua_newtable(L);
    lua_getfield(L, -2, *c);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, -3)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -4);
    }
    lua_remove(L, -2);
    lua_createtable(L, 0, 2);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, when_readonly);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
    lua_setfield(L, lib, *c);
  }
  lua_pop(L, 1);
  lua_pushvalue(L, lib);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_LIB_KEY);
  lua_pop(L, 1);

  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, when_fallback);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, when_readonly);
  lua_setfield(L, -2, "__newindex");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WHEN_MT_KEY);
  return 0;
}

/* ---- sandbox setup -------------------------------------------------------- */

/* Sets up the read-only views, `when` and the casebook library, then runs
 * the Lua helpers. Returns 0 or CB_ENOMEM / CB_ERROR with ctx's error. */
static int setup_state(checker *ck) {
  lua_State *L = ck->sb->L;
  lua_pushcfunction(L, init_when);
  lua_pushlightuserdata(L, (void *)ck->book);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    lua_pop(L, 1);
    return cb_ctx__fail(ck->ctx, CB_ENOMEM, "out of memory starting Lua");
  }
  init_ro(L);
  lua_pushglobaltable(L);
  lua_newtable(L);
  static const luaL_Reg fns[] = {{"suggest", l_suggest},
                                 {"hash", l_hash},
                                 {"eval_when", l_eval_when},
                                 {"compile_when", l_compile_when},
                                 {NULL, NULL}};
  lua_pushlightuserdata(L, (void *)ck->book);
  luaL_setfuncs(L, fns, 1);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "casebook");
  /* the helpers written in Lua add to the same table */
  const cb_embedded *h = cb_embed__find(HELPERS_FILE);
  if (!h) {
    lua_pop(L, 2);
    return cb_ctx__fail(ck->ctx, CB_ERROR, "%s is not built in",
                        HELPERS_FILE);
  }
  cb_sandbox_error e;
  cb_sandbox__limit(ck->sb, LOAD_INSTRUCTIONS, CB_RULE_SECONDS, SIZE_MAX);
  if (cb_sandbox__load(ck->sb, (const char *)h->data, h->len,
                       "@" HELPERS_FILE, &e) < 0) {
    lua_pop(L, 2);
    return cb_ctx__fail(ck->ctx, CB_ERROR, "%s:%d: %s", HELPERS_FILE, e.line,
                        e.message);
  }
  lua_insert(L, -2);
  if (cb_sandbox__call(ck->sb, 1, 0, &e) < 0) {
    lua_pop(L, 1);
    return cb_ctx__fail(ck->ctx,
                        e.status == LUA_ERRMEM ? CB_ENOMEM : CB_ERROR,
                        "%s:%d: %s", HELPERS_FILE, e.line, e.message);
  }
  lua_pop(L, 1);
  return 0;
}

/* ---- rules ----------------------------------------------------------------- */

typedef struct loading {
  checker *ck;
  const char *file, *chunk;
  int builtin;
} loading;

static const char *arena_str(checker *ck, const char *s) {
  return s ? cb_arena_strdup(ck->ctx->arena, s) : NULL;
}

static int valid_rule_id(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
      return 0;
  return 1;
}

/* Copies optional string field k of the rule table at t into the arena
 * (NULL if absent). Raises on a wrong type or when out of memory. */
static const char *copy_field(lua_State *L, checker *ck, int t, const char *k,
                              const char *id) {
  int type = lua_getfield(L, t, k);
  if (type == LUA_TNIL) {
    lua_pop(L, 1);
    return NULL;
  }
  if (type != LUA_TSTRING)
    luaL_error(L, "rule '%s': %s must be a string, not %s", id, k,
               luaL_typename(L, -1));
  const char *d = cb_arena_strdup(ck->ctx->arena, lua_tostring(L, -1));
  if (!d)
    luaL_error(L, "not enough memory");
  lua_pop(L, 1);
  return d;
}

/* Adds the rule table at t. Runs protected (errors name the problem). */
static void add_rule(lua_State *L, loading *ld, int t) {
  checker *ck = ld->ck;
  if (lua_type(L, t) != LUA_TTABLE)
    luaL_error(L, "a rule file returns a rule table { id = ..., check = "
                  "function(book, report) ... end }, not %s",
               luaL_typename(L, t));
  if (lua_getfield(L, t, "id") != LUA_TSTRING)
    luaL_error(L, "the rule has no id (a string such as \"my-rule\")");
  const char *id = lua_tostring(L, -1);
  if (!valid_rule_id(id))
    luaL_error(L, "rule id '%s' may hold only letters, digits, '-', '_' and "
                  "'.'",
               id);
  rule r = {0};
  if (!(r.id = cb_arena_strdup(ck->ctx->arena, id)))
    luaL_error(L, "not enough memory");
  lua_pop(L, 1);
  const char *sev = copy_field(L, ck, t, "severity", r.id);
  r.level = CB_DIAG_WARNING;
  if (sev) {
    int ok = 0;
    for (int i = 0; i < 3; i++)
      if (strcmp(sev, level_names[i]) == 0) {
        r.level = (cb_diag_level)i;
        ok = 1;
      }
    if (!ok)
      luaL_error(L, "rule '%s': severity '%s' is not error, warning or note",
                 r.id, sev);
  }
  r.severity = level_names[r.level];
  r.summary = copy_field(L, ck, t, "summary", r.id);
  r.rationale = copy_field(L, ck, t, "rationale", r.id);
  r.example = copy_field(L, ck, t, "example", r.id);
  r.file = ld->file;
  r.chunk = ld->chunk;
  r.builtin = ld->builtin;
  if (lua_getfield(L, t, "check") != LUA_TFUNCTION)
    luaL_error(L, "rule '%s' has no check function", r.id);
  lua_Debug ar;
  lua_pushvalue(L, -1);
  r.line = lua_getinfo(L, ">S", &ar) && ar.linedefined > 0 ? ar.linedefined
                                                           : 1;
  r.check_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  if (CB_VEC_PUSH(ck->rules, ck->n_rules, ck->cap_rules, r) < 0) {
    luaL_unref(L, LUA_REGISTRYINDEX, r.check_ref);
    luaL_error(L, "not enough memory");
  }
}

/* collect(loading, value): the value a rule file returned. */
static int collect(lua_State *L) {
  loading *ld = lua_touserdata(L, 1);
  if (lua_type(L, 2) == LUA_TTABLE) {
    int t = lua_getfield(L, 2, "check");
    lua_pop(L, 1);
    if (t == LUA_TNIL) {
      lua_Integer n = luaL_len(L, 2);
      if (n > 0) {
        for (lua_Integer i = 1; i <= n; i++) {
          lua_geti(L, 2, i);
          add_rule(L, ld, lua_gettop(L));
          lua_pop(L, 1);
        }
        return 0;
      }
    }
  }
  add_rule(L, ld, 2);
  return 0;
}

/* Reports a problem with a rule (loading or running it) at the rule file:
 * a project rule by its path, a built-in one in the message. */
static void rule_problem(checker *ck, const char *file, int builtin, int line,
                         const char *msg) {
  if (!ck->report)
    return;
  if (builtin) {
    char full[MAX_MESSAGE + 300];
    snprintf(full, sizeof full, "built-in rule %s:%d: %s", file, line, msg);
    cb_diag__report_path(ck->ctx, CB_DIAG_ERROR, CB_RULE_ERROR_ID, NULL, 0, 0,
                         full);
  } else {
    cb_diag__report_path(ck->ctx, CB_DIAG_ERROR, CB_RULE_ERROR_ID, file,
                         (uint32_t)(line > 0 ? line : 1), 1, msg);
  }
}

/* The line an error is placed at: where it was raised in the rule file,
 * else fallback. */
static int error_line(const cb_sandbox_error *e, const char *file,
                      int fallback) {
  if (e->line > 0 && strcmp(e->path, file) == 0)
    return e->line;
  return fallback;
}

static void describe_error(const cb_sandbox_error *e, char *out, size_t n) {
  switch (e->limit) {
  case CB_LIMIT_INSTRUCTIONS:
    snprintf(out, n, "stopped: instruction budget exhausted (an endless "
                     "loop, or too much work for one rule)");
    break;
  case CB_LIMIT_TIME:
    snprintf(out, n, "stopped: time limit of %.0f s exceeded",
             CB_RULE_SECONDS);
    break;
  case CB_LIMIT_MEMORY:
    snprintf(out, n, "stopped: memory limit of %zu MiB exceeded",
             CB_RULE_MEMORY >> 20);
    break;
  default:
    if (e->line > 0 && e->path[0] && strcmp(e->path, "casebook.lua") != 0 &&
        strncmp(e->path, "rules/", 6) != 0)
      snprintf(out, n, "%s:%d: %s", e->path, e->line, e->message);
    else
      snprintf(out, n, "%s", e->message);
  }
}

/* Loads one rule file. */
static void load_rule_file(checker *ck, const char *file, const char *text,
                           size_t len, int builtin) {
  lua_State *L = ck->sb->L;
  loading ld = {ck, arena_str(ck, file), NULL, builtin};
  ld.chunk = cb_arena_printf(ck->ctx->arena, "@%s", file);
  if (!ld.file || !ld.chunk)
    return;
  cb_sandbox_error e;
  char what[MAX_MESSAGE], msg[MAX_MESSAGE + 100];
  cb_sandbox__limit(ck->sb, LOAD_INSTRUCTIONS, CB_RULE_SECONDS,
                    CB_RULE_MEMORY);
  ck->sb->focus = ld.chunk;
  if (cb_sandbox__load(ck->sb, text, len, ld.chunk, &e) < 0) {
    describe_error(&e, what, sizeof what);
    snprintf(msg, sizeof msg, "rule file does not compile: %s", what);
    rule_problem(ck, ld.file, builtin, error_line(&e, ld.file, 1), msg);
    return;
  }
  cb_sandbox__push_env(ck->sb);
  cb_sandbox__set_env(L, -2);
  size_t before = ck->n_rules;
  if (cb_sandbox__call(ck->sb, 0, 1, &e) < 0) {
    describe_error(&e, what, sizeof what);
    snprintf(msg, sizeof msg, "rule file fails when loaded: %s", what);
    rule_problem(ck, ld.file, builtin, error_line(&e, ld.file, 1), msg);
    return;
  }
  lua_pushcfunction(L, collect);
  lua_insert(L, -2);
  lua_pushlightuserdata(L, &ld);
  lua_insert(L, -2);
  if (cb_sandbox__call(ck->sb, 2, 0, &e) < 0) {
    /* the rules added before the problem stay */
    describe_error(&e, what, sizeof what);
    rule_problem(ck, ld.file, builtin, error_line(&e, ld.file, 1), what);
  } else if (ck->n_rules == before) {
    rule_problem(ck, ld.file, builtin, 1, "the rule file defines no rule");
  }
}

/* Reads a whole file with stdio into cb_malloc'd memory; NULL if it
 * cannot be read or is larger than max. */
static char *read_file(const char *path, size_t max, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  char *data = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      if (cap >= max) {
        cb_free(data);
        data = NULL;
        break;
      }
      size_t ncap = cap ? cap * 2 : 8192;
      char *p = cb_realloc(data, ncap + 1);
      if (!p) {
        cb_free(data);
        data = NULL;
        break;
      }
      data = p;
      cap = ncap;
    }
    size_t got = fread(data + n, 1, cap - n, fp);
    n += got;
    if (got == 0) {
      if (ferror(fp)) {
        cb_free(data);
        data = NULL;
      }
      break;
    }
  }
  fclose(fp);
  if (data) {
    data[n] = '\0';
    *len = n;
  }
  return data;
}

static int is_lua_name(const char *name) {
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".lua") == 0 && name[0] != '.';
}

/* Loads the built-in rules (name order) and, with a book, the project's
 * rules/ *.lua (name order). Returns 0 or CB_ENOMEM. */
static int load_rules(checker *ck) {
  for (size_t i = 0; i < cb_n_embedded_files; i++) {
    const cb_embedded *f = &cb_embedded_files[i];
    if (strncmp(f->name, "rules/", 6) != 0 || f->name[6] == '_' ||
        !is_lua_name(f->name + 6) || strchr(f->name + 6, '/'))
      continue;
    load_rule_file(ck, f->name, (const char *)f->data, f->len, 1);
  }
  if (!ck->book || !ck->book->root)
    return 0;
  char *dir = cb_arena_printf(ck->ctx->arena, "%s/rules", ck->book->root);
  if (!dir)
    return CB_ENOMEM;
  DIR *d = opendir(dir);
  if (!d)
    return 0; /* no rules/ directory */
  char **names = NULL;
  size_t n = 0, cap = 0;
  int err = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!is_lua_name(de->d_name))
      continue;
    char *s = cb_arena_strdup(ck->ctx->arena, de->d_name);
    if (!s || CB_VEC_PUSH(names, n, cap, s) < 0) {
      err = CB_ENOMEM;
      break;
    }
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof *names, cmp_name);
  size_t n_builtin = ck->n_rules;
  for (size_t i = 0; i < n && !err; i++) {
    char *path = cb_arena_printf(ck->ctx->arena, "%s/%s", dir, names[i]);
    char *file = cb_arena_printf(ck->ctx->arena, "rules/%s", names[i]);
    if (!path || !file) {
      err = CB_ENOMEM;
      break;
    }
    size_t len = 0;
    char *text = read_file(path, CB_RULE_FILE_MAX, &len);
    if (!text) {
      rule_problem(ck, file, 0, 0,
                   "cannot read the rule file (or it is larger than 4 MiB)");
      continue;
    }
    load_rule_file(ck, file, text, len, 0);
    cb_free(text);
  }
  cb_free(names);
  /* a project rule replaces the built-in rule of the same id; two project
   * rules of one id are an error */
  for (size_t i = n_builtin; i < ck->n_rules; i++) {
    rule *r = &ck->rules[i];
    for (size_t j = 0; j < i; j++) {
      rule *o = &ck->rules[j];
      if (o->skip || strcmp(o->id, r->id) != 0)
        continue;
      if (o->builtin) {
        o->skip = 1;
      } else {
        char msg[600];
        snprintf(msg, sizeof msg,
                 "rule id '%.200s' is already defined in %.200s; this one "
                 "is ignored",
                 r->id, o->file);
        rule_problem(ck, r->file, 0, r->line, msg);
        r->skip = 1;
        break;
      }
    }
  }
  return err;
}

/* ---- reporting --------------------------------------------------------------- */

/* Reads an integer field of the table at t, 0 if absent. */
static uint32_t int_field(lua_State *L, int t, const char *k) {
  lua_getfield(L, t, k);
  int ok = 0;
  lua_Integer v = lua_tointegerx(L, -1, &ok);
  if (!ok) {
    lua_Number d = lua_tonumberx(L, -1, &ok);
    v = ok && d >= 0 && d < 4e9 ? (lua_Integer)d : 0;
  }
  lua_pop(L, 1);
  return v > 0 && v < UINT32_MAX ? (uint32_t)v : 0;
}

/* report{at=, message=, suggestion=, severity=, element=} or
 * report(at, message [, suggestion]). Upvalues: checker, rule. */
static int l_report(lua_State *L) {
  checker *ck = lua_touserdata(L, lua_upvalueindex(1));
  rule *r = lua_touserdata(L, lua_upvalueindex(2));
  if (ck->current != r)
    return luaL_error(L, "report called after its rule ended");
  int at, msg_i, sugg_i, sev_i = 0, el_i = 0;
  if (lua_type(L, 2) == LUA_TSTRING) {
    lua_settop(L, 3);
    at = 1;
    msg_i = 2;
    sugg_i = 3;
  } else {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_getfield(L, 1, "at");
    at = lua_gettop(L);
    lua_getfield(L, 1, "message");
    msg_i = lua_gettop(L);
    lua_getfield(L, 1, "suggestion");
    sugg_i = lua_gettop(L);
    lua_getfield(L, 1, "severity");
    sev_i = lua_gettop(L);
    lua_getfield(L, 1, "element");
    el_i = lua_gettop(L);
  }
  if (lua_type(L, msg_i) != LUA_TSTRING && lua_type(L, msg_i) != LUA_TNUMBER)
    return luaL_error(L, "report: message must be a string, not %s",
                      luaL_typename(L, msg_i));
  size_t msg_len;
  const char *msg = lua_tolstring(L, msg_i, &msg_len);
  const char *sugg = NULL;
  if (lua_type(L, sugg_i) == LUA_TSTRING)
    sugg = lua_tostring(L, sugg_i);
  else if (!lua_isnil(L, sugg_i))
    return luaL_error(L, "report: suggestion must be a string");
  cb_diag_level level = r->level;
  if (sev_i && !lua_isnil(L, sev_i)) {
    const char *s = lua_tostring(L, sev_i);
    int ok = 0;
    for (int i = 0; s && i < 3; i++)
      if (strcmp(s, level_names[i]) == 0) {
        level = (cb_diag_level)i;
        ok = 1;
      }
    if (!ok)
      return luaL_error(L, "report: severity must be error, warning or note");
  }
  const char *element = NULL;
  if (el_i && lua_type(L, el_i) == LUA_TSTRING)
    element = lua_tostring(L, el_i);

  /* the position */
  const char *path = NULL;
  uint32_t line = 0, col = 0;
  uint32_t file = UINT32_MAX;
  int t = lua_type(L, at);
  if (t == LUA_TTABLE) {
    if (lua_getfield(L, at, "file") == LUA_TSTRING)
      path = lua_tostring(L, -1); /* stays on the stack */
    line = int_field(L, at, "line");
    col = int_field(L, at, "col");
    if (!element) {
      if (lua_getfield(L, at, "element") == LUA_TSTRING)
        element = lua_tostring(L, -1);
      else if (lua_getfield(L, at, "case") == LUA_TTABLE &&
               lua_getfield(L, -1, "id") == LUA_TSTRING)
        element = lua_tostring(L, -1);
      else if (lua_getfield(L, at, "kind") == LUA_TSTRING &&
               (strcmp(lua_tostring(L, -1), "question") == 0 ||
                strcmp(lua_tostring(L, -1), "criterion") == 0 ||
                strcmp(lua_tostring(L, -1), "case") == 0) &&
               lua_getfield(L, at, "id") == LUA_TSTRING)
        element = lua_tostring(L, -1);
    }
    if (path) {
      lua_rawgetp(L, LUA_REGISTRYINDEX, &PATHS_KEY);
      lua_pushstring(L, path);
      if (lua_rawget(L, -2) == LUA_TNUMBER)
        file = (uint32_t)lua_tointeger(L, -1);
    }
  } else if (t != LUA_TNIL) {
    return luaL_error(L, "report: 'at' must be an element or a position "
                         "table, not %s",
                      luaL_typename(L, at));
  }

  /* nothing below may raise: plain C from here on */
  if (++r->n_reports > CB_RULE_MAX_REPORTS)
    return 0;
  int cut = msg_len > MAX_MESSAGE;
  if (file != UINT32_MAX) {
    cb_loc loc = {file, line, col};
    cb_diag_report(ck->ctx, level, r->id, loc, element, sugg, "%.*s%s",
                   (int)(cut ? MAX_MESSAGE : msg_len), msg, cut ? "..." : "");
  } else if (path) {
    char buf[MAX_MESSAGE + 8];
    snprintf(buf, sizeof buf, "%.*s%s", (int)(cut ? MAX_MESSAGE : msg_len),
             msg, cut ? "..." : "");
    cb_diag__report_path(ck->ctx, level, r->id, path, line, col, buf);
  } else {
    cb_loc none = {UINT32_MAX, 0, 0};
    cb_diag_report(ck->ctx, level, r->id, none, element, sugg, "%.*s%s",
                   (int)(cut ? MAX_MESSAGE : msg_len), msg, cut ? "..." : "");
  }
  return 0;
}

/* ---- running ------------------------------------------------------------------ */

/* Runs the manifest again in the rules' state to keep its rules table:
 * registry[options_ref] = { [rule id] = options table }. */
static void load_options(checker *ck) {
  lua_State *L = ck->sb->L;
  const cb_book *bk = ck->book;
  ck->options_ref = LUA_NOREF;
  if (!bk->manifest.present)
    return;
  const cb_file *mf = NULL;
  for (size_t i = 0; i < bk->n_files; i++)
    if (bk->files[i].path && strcmp(bk->files[i].path, "casebook.lua") == 0)
      mf = &bk->files[i];
  if (!mf || !mf->text)
    return;
  cb_sandbox__limit(ck->sb, CB_MANIFEST_INSTRUCTIONS, CB_MANIFEST_SECONDS,
                    CB_MANIFEST_MEMORY);
  cb_sandbox_error e;
  if (cb_manifest__run(ck->sb, mf->text, mf->len, &e) < 0)
    return; /* reported when the book was loaded */
  int data = lua_gettop(L);
  lua_newtable(L);
  int opts = lua_gettop(L);
  lua_pushliteral(L, "rules");
  if (lua_rawget(L, data) == LUA_TTABLE) {
    int rules = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, rules)) {
      if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TTABLE) {
        char *id = cb_manifest__rule_id(ck->ctx->arena, lua_tostring(L, -2));
        if (id) {
          lua_pushvalue(L, -1);
          lua_setfield(L, opts, id);
        }
      }
      lua_pop(L, 1);
    }
  }
  lua_settop(L, opts);
  ck->options_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);
}

static void run_rule(checker *ck, rule *r, long long budget) {
  lua_State *L = ck->sb->L;
  cb_sandbox *sb = ck->sb;
  lua_rawgeti(L, LUA_REGISTRYINDEX, r->check_ref);
  lua_rawgeti(L, LUA_REGISTRYINDEX, r->builtin ? ck->book_ref
                                               : ck->ro_book_ref);
  lua_pushlightuserdata(L, ck);
  lua_pushlightuserdata(L, r);
  lua_pushcclosure(L, l_report, 2);
  int has_options = 0;
  if (ck->options_ref != LUA_NOREF) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, ck->options_ref);
    has_options = lua_getfield(L, -1, r->id) == LUA_TTABLE;
    lua_remove(L, -2);
    if (!has_options)
      lua_pop(L, 1);
  }
  if (!has_options)
    lua_newtable(L);
  cb_sandbox__limit(sb, budget, CB_RULE_SECONDS, CB_RULE_MEMORY);
  sb->focus = r->chunk;
  ck->current = r;
  r->n_reports = 0;
  cb_sandbox_error e;
  int rc = cb_sandbox__call(sb, 3, 0, &e);
  ck->current = NULL;
  if (rc < 0) {
    char what[MAX_MESSAGE];
    describe_error(&e, what, sizeof what);
    char msg[MAX_MESSAGE + 200];
    snprintf(msg, sizeof msg, "rule '%s' %s%s", r->id,
             e.limit == CB_LIMIT_NONE ? "failed: " : "", what);
    rule_problem(ck, r->file, r->builtin, error_line(&e, r->file, r->line),
                 msg);
  }
  if (r->n_reports > CB_RULE_MAX_REPORTS) {
    char msg[300];
    snprintf(msg, sizeof msg,
             "rule '%.100s' reported %zu findings; only the first %d are "
             "kept",
             r->id, r->n_reports, CB_RULE_MAX_REPORTS);
    if (r->builtin)
      cb_diag__report_path(ck->ctx, CB_DIAG_NOTE, CB_RULE_ERROR_ID, NULL, 0,
                           0, msg);
    else
      cb_diag__report_path(ck->ctx, CB_DIAG_NOTE, CB_RULE_ERROR_ID, r->file,
                           (uint32_t)r->line, 1, msg);
  }
}

/* Rule ids of the diagnostics the compiler reports outside the Lua
 * rules (loading, the manifest, this file). A manifest may configure
 * them too. Keep in step with the cb_diag_report calls of the other
 * modules. */
static const char *const core_rule_ids[] = {
    "bad-element-heading", "empty-project",       "invalid-utf8",
    "manifest-chapters",   "manifest-error",      "manifest-unknown-key",
    "manifest-unknown-rule", "nul-byte",          CB_RULE_ERROR_ID};
#define N_CORE_RULE_IDS (sizeof core_rule_ids / sizeof core_rule_ids[0])

/* A manifest rule setting for a rule that does not exist. */
static void check_manifest_rules(checker *ck) {
  const cb_manifest *m = &ck->book->manifest;
  if (!m->n_rules)
    return;
  size_t n = ck->n_rules + N_CORE_RULE_IDS;
  const char **ids = cb_malloc(n * sizeof *ids);
  if (!ids)
    return;
  for (size_t i = 0; i < ck->n_rules; i++)
    ids[i] = ck->rules[i].id;
  for (size_t i = 0; i < N_CORE_RULE_IDS; i++)
    ids[ck->n_rules + i] = core_rule_ids[i];
  for (size_t k = 0; k < m->n_rules; k++) {
    const cb_rule_config *rc = &m->rules[k];
    int known = 0;
    for (size_t i = 0; i < n && !known; i++)
      known = strcmp(ids[i], rc->id) == 0;
    /* ids the loading stages reported count as known too */
    for (size_t i = 0; i < ck->ctx->n_diags && !known; i++)
      known = ck->ctx->diags[i].rule &&
              strcmp(ck->ctx->diags[i].rule, rc->id) == 0;
    if (known)
      continue;
    const char *best = cb_suggest(rc->id, ids, n);
    cb_diag_report(ck->ctx, CB_DIAG_WARNING, CB_MANIFEST_UNKNOWN_RULE_ID,
                   rc->loc, NULL, best,
                   "manifest: rules: there is no rule '%s', so this "
                   "setting has no effect",
                   rc->id);
  }
  cb_free(ids);
}

/* CASEBOOK_RULE_TIMES=1 in the environment prints how long each phase
 * and each rule takes, on stderr (for tuning rules on large books). */
static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void timing(double *t, const char *what) {
  static int on = -1;
  if (on < 0) {
    const char *v = getenv("CASEBOOK_RULE_TIMES");
    on = v && *v && strcmp(v, "0") != 0;
  }
  double now = seconds_now();
  if (on && what)
    fprintf(stderr, "casebook: %-24s %8.1f ms\n", what, (now - *t) * 1e3);
  *t = now;
}

static void free_checker(checker *ck) {
  cb_sandbox__free(ck->sb);
  cb_free(ck->rules);
}

int cb_book_check(cb_ctx *ctx, const cb_book *book) {
  checker ck = {0};
  int err = 0;
  ck.ctx = ctx;
  ck.book = book;
  ck.report = 1;
  if (!book)
    return cb_ctx__fail(ctx, CB_EUSAGE, "no book to check");
  double t = 0;
  timing(&t, NULL);
  if ((err = cb_sandbox__new(&ck.sb, SIZE_MAX)) < 0) {
    err = cb_ctx__fail(ctx, err, "cannot start Lua for the rules");
    goto done;
  }
  if ((err = setup_state(&ck)) < 0)
    goto done;
  lua_State *L = ck.sb->L;
  timing(&t, "start Lua");

  builder b = {0};
  b.book = book;
  lua_gc(L, LUA_GCSTOP);
  lua_pushcfunction(L, build_book);
  lua_pushlightuserdata(L, &b);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory building the model "
                                       "for the rules");
    goto done;
  }
  push_ro(L, -1);
  ck.ro_book_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  ck.book_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  /* the model is old from now on: generational mode keeps the collector
   * from walking it again for every rule */
  timing(&t, "build the model");
  if (getenv("CASEBOOK_RULE_TIMES"))
    fprintf(stderr, "casebook: model: %zu KiB\n", ck.sb->mem_used >> 10);
  size_t model_bytes = ck.sb->mem_used;

  if ((err = load_rules(&ck)) < 0) {
    err = cb_ctx__fail(ctx, err, "out of memory loading the rules");
    goto done;
  }
  load_options(&ck);
  check_manifest_rules(&ck);
  timing(&t, "load the rules");

  size_t n_elements = book->n_questions + book->n_criteria + book->n_cases +
                      book->n_chapters + book->n_links;
  long long budget = CB_RULE_INSTRUCTIONS;
  if (n_elements < (size_t)(LLONG_MAX / 4 / CB_RULE_INSTRUCTIONS_PER_ELEMENT))
    budget += (long long)n_elements * CB_RULE_INSTRUCTIONS_PER_ELEMENT;
  for (size_t i = 0; i < ck.n_rules; i++) {
    rule *r = &ck.rules[i];
    if (r->skip || cb_ctx__rule_severity(ctx, r->id) == CB_SEV_OFF)
      continue;
    run_rule(&ck, r, budget);
    /* The collector stays stopped: walking the model after every rule
     * would cost more than the rules. Garbage is collected when it grows
     * large, and by Lua itself when a rule reaches its memory cap. */
    if (ck.sb->mem_used - model_bytes > GARBAGE_LIMIT)
      lua_gc(L, LUA_GCCOLLECT);
    timing(&t, r->id);
  }
  if (getenv("CASEBOOK_RULE_TIMES"))
    fprintf(stderr, "casebook: memory at the end: %zu KiB\n",
            ck.sb->mem_used >> 10);
done:
  free_checker(&ck);
  return err;
}

int cb_rules_list(const cb_rule_info **out, size_t *n, cb_ctx *ctx,
                  const cb_book *book) {
  checker ck = {0};
  int err = 0;
  *out = NULL;
  *n = 0;
  ck.ctx = ctx;
  ck.book = book;
  ck.report = 0;
  if ((err = cb_sandbox__new(&ck.sb, SIZE_MAX)) < 0) {
    err = cb_ctx__fail(ctx, err, "cannot start Lua for the rules");
    goto done;
  }
  if ((err = setup_state(&ck)) < 0)
    goto done;
  if ((err = load_rules(&ck)) < 0) {
    err = cb_ctx__fail(ctx, err, "out of memory loading the rules");
    goto done;
  }
  cb_rule_info *info = cb_calloc(ck.n_rules + 1, sizeof *info);
  if (!info) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  size_t k = 0;
  for (size_t i = 0; i < ck.n_rules; i++) {
    const rule *r = &ck.rules[i];
    if (r->skip)
      continue;
    info[k].id = r->id;
    info[k].severity = r->severity;
    info[k].summary = r->summary ? r->summary : "";
    info[k].rationale = r->rationale ? r->rationale : "";
    info[k].example = r->example ? r->example : "";
    info[k].file = r->file;
    k++;
  }
  cb_free(ctx->rules);
  ctx->rules = info;
  ctx->n_rules = k;
  *out = info;
  *n = k;
done:
  free_checker(&ck);
  return err;
}
