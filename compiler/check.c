/* SPDX-License-Identifier: MIT */
/*
 * check.c: runs the Lua rules (built-in and the project's rules/ *.lua)
 * over the model and turns their findings into diagnostics.
 *
 * One sandbox (sandbox.h) per check. The model is built once as Lua tables
 * (lua_model.h); the built-in rules, which are our own code and never
 * write to it, read those tables directly, which is what keeps them fast
 * on a book of ten thousand cases. Project rules get read-only views
 * (lua_view.h). The casebook library is lua_lib.h (C) plus
 * rules/_casebook.lua; `when` is lua_when.h. Every rule file runs in an
 * environment of its own (cb_sandbox__push_env), so a rule cannot change
 * the libraries another rule sees. This file loads the rule files, runs
 * each rule with its budget, turns reports into diagnostics and keeps
 * the rule registry.
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
 *   book: the model as Lua tables, field by field in lua_model.h.
 *
 *   casebook.suggest(word, candidates)   closest candidate or nil
 *   casebook.eval_when(question, case [, response])
 *                                        true/false, or nil and a message
 *   casebook.compile_when(question)      true, or nil and a message (and
 *                                        "name" for a name that is not a
 *                                        question)
 *   casebook.hash(s)                     64-bit FNV-1a of s, as hex
 *   and the Lua helpers of rules/_casebook.lua (applies, compared, ...).
 */
#include "book.h"
#include "check.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "diff.h"
#include "embed.h"
#include "lua_lib.h"
#include "lua_model.h"
#include "lua_view.h"
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
  size_t n_reports; /* findings shown */
  size_t n_hidden;  /* findings beyond the caps */
  cb_diag_level hidden_level; /* the highest level among those */
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
  size_t n_shown; /* findings shown, all rules together */
  int lost;       /* a finding could not be recorded (out of memory) */
} checker;

static const char *const level_names[] = {"note", "warning", "error"};

/* ---- sandbox setup -------------------------------------------------------- */

/* Sets up the read-only views, `when` and the casebook library, then runs
 * the Lua helpers. Returns 0 or CB_ENOMEM / CB_ERROR with ctx's error. */
static int setup_state(checker *ck) {
  lua_State *L = ck->sb->L;
  cb_lua_view__init(L);
  lua_pushglobaltable(L);
  lua_pushcfunction(L, cb_lua_lib__open);
  lua_pushlightuserdata(L, (void *)ck->book);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    lua_pop(L, 2);
    return cb_ctx__fail(ck->ctx, CB_ENOMEM, "out of memory starting Lua");
  }
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
  size_t before = ck->ctx->n_diags;
  if (builtin) {
    char full[MAX_MESSAGE + 300];
    snprintf(full, sizeof full, "built-in rule %s:%d: %s", file, line, msg);
    cb_diag__report_path(ck->ctx, CB_DIAG_ERROR, CB_RULE_ERROR_ID, NULL, 0, 0,
                         full);
  } else {
    cb_diag__report_path(ck->ctx, CB_DIAG_ERROR, CB_RULE_ERROR_ID, file,
                         (uint32_t)(line > 0 ? line : 1), 1, msg);
  }
  if (ck->ctx->n_diags == before &&
      cb_ctx__rule_severity(ck->ctx, CB_RULE_ERROR_ID) != CB_SEV_OFF)
    ck->lost = 1;
}

/* What the rule file or rule (id, NULL for the file's top level) gave
 * print, as one note at the file: escaped and bounded by the sandbox
 * (nothing a rule prints reaches a terminal or a CI log raw). */
static void report_printed(checker *ck, const char *file, int builtin,
                           int line, const char *id) {
  size_t lost = 0;
  const char *text = cb_sandbox__printed(ck->sb, &lost);
  if (!ck->report || (!*text && !lost))
    return;
  size_t n = strlen(text);
  if (n >= 2 && text[n - 2] == '\\' && text[n - 1] == 'n')
    n -= 2; /* the newline print ends with */
  char msg[CB_SANDBOX_PRINT_MAX + 400];
  char more[64] = "";
  if (lost)
    snprintf(more, sizeof more, " ... (%zu more bytes not shown)", lost);
  if (id)
    snprintf(msg, sizeof msg, "rule '%.100s' printed: %.*s%s", id, (int)n,
             text, more);
  else
    snprintf(msg, sizeof msg, "the rule file printed: %.*s%s", (int)n, text,
             more);
  size_t before = ck->ctx->n_diags;
  cb_diag__report_path(ck->ctx, CB_DIAG_NOTE, CB_RULE_PRINT_ID,
                       builtin ? NULL : file,
                       builtin ? 0 : (uint32_t)(line > 0 ? line : 1),
                       builtin ? 0 : 1, msg);
  if (ck->ctx->n_diags == before &&
      cb_ctx__rule_severity(ck->ctx, CB_RULE_PRINT_ID) != CB_SEV_OFF)
    ck->lost = 1;
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
    report_printed(ck, ld.file, builtin, 1, NULL);
    describe_error(&e, what, sizeof what);
    snprintf(msg, sizeof msg, "rule file fails when loaded: %s", what);
    rule_problem(ck, ld.file, builtin, error_line(&e, ld.file, 1), msg);
    return;
  }
  report_printed(ck, ld.file, builtin, 1, NULL);
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
  /* the project's rules come from where its chapters came from: the
   * working tree or the revision being built (book.c) */
  const char **names = NULL;
  size_t n = 0;
  int err = cb_book__project_dir(ck->ctx, ck->book, "rules", &names, &n);
  if (err < 0)
    return err == CB_ENOMEM ? CB_ENOMEM : 0;
  size_t n_builtin = ck->n_rules;
  for (size_t i = 0; i < n && !err; i++) {
    if (!is_lua_name(names[i]))
      continue;
    char *file = cb_arena_printf(ck->ctx->arena, "rules/%s", names[i]);
    if (!file) {
      err = CB_ENOMEM;
      break;
    }
    const char *text = NULL;
    size_t len = 0;
    int rerr = cb_book__project_file(ck->ctx, ck->book, file,
                                     CB_RULE_FILE_MAX, &text, &len);
    if (rerr == CB_ENOMEM) {
      err = CB_ENOMEM;
      break;
    }
    if (rerr < 0) {
      rule_problem(ck, file, 0, 0,
                   "cannot read the rule file (or it is larger than 4 MiB)");
      continue;
    }
    load_rule_file(ck, file, text, len, 0);
  }
  /* a project rule replaces the built-in rule of the same id; two project
   * rules of one id are an error */
  for (size_t i = n_builtin; i < ck->n_rules; i++) {
    rule *r = &ck->rules[i];
    for (size_t j = 0; j < i; j++) {
      rule *o = &ck->rules[j];
      if (o->skip || strcmp(o->id, r->id) != 0)
        continue;
      if (o->builtin && strcmp(o->id, CB_TRUST_RULE) == 0) {
        /* the gate on what the build trusts stays the built-in one */
        rule_problem(ck, r->file, 0, r->line,
                     "rule id '" CB_TRUST_RULE "' is built in and cannot be "
                     "replaced by a project rule; this one is ignored");
        r->skip = 1;
        break;
      } else if (o->builtin) {
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
      cb_lua_model__push_paths(L);
      lua_pushstring(L, path);
      if (lua_rawget(L, -2) == LUA_TNUMBER)
        file = (uint32_t)lua_tointeger(L, -1);
    }
  } else if (t != LUA_TNIL) {
    return luaL_error(L, "report: 'at' must be an element or a position "
                         "table, not %s",
                      luaL_typename(L, at));
  }

  /* bounded output: the caps, then the lengths */
  if (r->n_reports >= CB_RULE_MAX_REPORTS ||
      ck->n_shown >= CB_CHECK_MAX_REPORTS) {
    if (r->n_hidden++ == 0 || level > r->hidden_level)
      r->hidden_level = level;
    return 0;
  }
  if (sugg && strlen(sugg) > CB_RULE_MAX_NAME)
    sugg = NULL;
  if (element && strlen(element) > CB_RULE_MAX_NAME)
    element = NULL;
  if (path && file == UINT32_MAX && strlen(path) > CB_RULE_MAX_NAME)
    path = NULL, line = col = 0;
  size_t keep = msg_len;
  if (keep > CB_RULE_MAX_MESSAGE) {
    keep = CB_RULE_MAX_MESSAGE;
    /* not inside a UTF-8 sequence */
    while (keep > 0 && ((unsigned char)msg[keep] & 0xc0) == 0x80)
      keep--;
  }
  const char *more = keep < msg_len ? "..." : "";
  size_t before = ck->ctx->n_diags;
  if (file != UINT32_MAX) {
    cb_loc loc = {file, line, col, 0, 0};
    cb_diag_report(ck->ctx, level, r->id, loc, element, sugg, "%.*s%s",
                   (int)keep, msg, more);
  } else if (path) {
    char buf[CB_RULE_MAX_MESSAGE + 8];
    snprintf(buf, sizeof buf, "%.*s%s", (int)keep, msg, more);
    cb_diag__report_path(ck->ctx, level, r->id, path, line, col, buf);
  } else {
    cb_loc none = {UINT32_MAX, 0, 0, 0, 0};
    cb_diag_report(ck->ctx, level, r->id, none, element, sugg, "%.*s%s",
                   (int)keep, msg, more);
  }
  if (ck->ctx->n_diags == before &&
      cb_ctx__rule_severity(ck->ctx, r->id) != CB_SEV_OFF) {
    /* the sink refused it: never a silent loss */
    ck->lost = 1;
    return luaL_error(L, "not enough memory to record a finding");
  }
  r->n_reports++;
  ck->n_shown++;
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
  /* a built-in rule is our own code: no count hook, which would stop Lua
   * at every instruction (the `when` expressions it runs are charged) */
  if (r->builtin)
    cb_sandbox__suspend(sb);
  sb->focus = r->chunk;
  ck->current = r;
  r->n_reports = r->n_hidden = 0;
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
  report_printed(ck, r->file, r->builtin, r->line, r->id);
  if (r->n_hidden) {
    char msg[300];
    snprintf(msg, sizeof msg,
             "%zu more finding%s of rule '%.100s' not shown (at most %d "
             "of a rule and %d in all are)",
             r->n_hidden, r->n_hidden == 1 ? "" : "s", r->id,
             CB_RULE_MAX_REPORTS, CB_CHECK_MAX_REPORTS);
    size_t before = ck->ctx->n_diags;
    cb_diag__report_path(ck->ctx, r->hidden_level, r->id,
                         r->builtin ? NULL : r->file,
                         r->builtin ? 0 : (uint32_t)r->line, r->builtin ? 0 : 1,
                         msg);
    if (ck->ctx->n_diags == before &&
        cb_ctx__rule_severity(ck->ctx, r->id) != CB_SEV_OFF)
      ck->lost = 1;
  }
}

/* Rule ids of the diagnostics the compiler reports outside the Lua
 * rules (loading, the manifest, this file). A manifest may configure
 * them too. Keep in step with the cb_diag_report calls of the other
 * modules. */
static const char *const core_rule_ids[] = {
    "bad-element-heading", "empty-project",       "invalid-utf8",
    "manifest-chapters",   "manifest-error",      "manifest-unknown-key",
    "manifest-unknown-rule", "manifest-language", "nul-byte",
    CB_RULE_ERROR_ID,
    CB_RULE_PRINT_ID,        "manifest-print",
    /* extract.c, blocks.c */
    "hidden-character",
    /* git.c, source.c, history.c, book.c */
    "git-repository", "git-shallow", "git-submodule", "symlink",
    /* source.c */
    "file-too-large",
    /* cache.c */
    "cache-tracked", "cache-untrusted"};
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

/* The registry as data in ctx (ctx->rules, replacing any list there):
 * every rule loaded but those a project rule replaced, strings in ctx's
 * arena. What the SARIF printer lists, so that printing starts no Lua.
 * Returns 0 or CB_ENOMEM with ctx's error set. */
static int keep_rules(checker *ck) {
  cb_ctx *ctx = ck->ctx;
  cb_rule_info *info = cb_calloc(ck->n_rules + 1, sizeof *info);
  if (!info)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  size_t k = 0;
  for (size_t i = 0; i < ck->n_rules; i++) {
    const rule *r = &ck->rules[i];
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
  return 0;
}

static void free_checker(checker *ck) {
  cb_sandbox__free(ck->sb);
  cb_free(ck->rules);
}

int cb_book_check(cb_ctx *ctx, const cb_book *book) {
  return cb_book_check_against(ctx, book, NULL);
}

int cb_book_check_against(cb_ctx *ctx, const cb_book *book,
                          const cb_book *previous) {
  checker ck = {0};
  int err = 0;
  const cb_change *changes = NULL;
  size_t n_changes = 0;
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

  lua_gc(L, LUA_GCSTOP);
  /* with --against, the rules see book.previous and book.changes */
  if (previous && (err = cb_diff__books(&changes, NULL, &n_changes, ctx,
                                        previous, book)) < 0)
    goto done;
  if (cb_lua_model__push_with_previous(L, book, previous, changes,
                                       n_changes) < 0) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory building the model "
                                       "for the rules");
    goto done;
  }
  cb_lua_view__push(L, -1);
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
  if ((err = keep_rules(&ck)) < 0)
    goto done;
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
  if (ck.lost)
    err = cb_ctx__fail(ctx, CB_ENOMEM,
                       "out of memory recording the findings of the rules "
                       "(some were lost, so the check cannot pass)");
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
  if ((err = keep_rules(&ck)) < 0)
    goto done;
  *out = ctx->rules;
  *n = ctx->n_rules;
done:
  free_checker(&ck);
  return err;
}
