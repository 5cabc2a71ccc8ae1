/* SPDX-License-Identifier: MIT */
/*
 * manifest.c: runs casebook.lua sandboxed and reads its data.
 *
 * The chunk runs in an environment table whose reads fall through to a
 * private copy of the safe globals, so everything it assigns lands in that
 * table and nothing else. Reading the result happens inside a protected
 * call and with raw table access only: a hostile manifest cannot run code
 * while we read (no metamethods) and a memory error cannot escape.
 *
 * Every problem is a diagnostic with the line of the offending key, found
 * by scanning the text: Lua does not tell where a global was assigned.
 */
#include "manifest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "ui_strings.h"

#define RULE_ERROR "manifest-error"
#define RULE_UNKNOWN "manifest-unknown-key"
#define RULE_PRINT "manifest-print"
#define RULE_LANGUAGE "manifest-language"

static const char *const known_keys[] = {
    "title",    "version",  "chapters", "exclude",    "rules",
    "outputs",  "keywords", "fields",   "unsafe_html", "changes",
    "site_url", "language", "use",       "strings"};
#define N_KNOWN (sizeof known_keys / sizeof known_keys[0])

static const char *const severities[] = {"note", "warning", "error", "off"};

static const char *const input_kinds[] = {"prompt",  "response", "system",
                                          "context", "user",     "assistant"};

typedef struct mstate {
  cb_ctx *ctx;
  cb_manifest *out;
  uint32_t file;
  const char *text;
  size_t len;
  int nomem;
} mstate;

/* ---- positions -------------------------------------------------------- */

static int ident_char(int c) { return isalnum(c) || c == '_'; }

/* Does text[p..eol) start an assignment of key? */
static int match_key(const char *text, size_t line_start, size_t p,
                     size_t eol, const char *key, size_t klen) {
  size_t q = p;
  if (text[q] == '[') {
    q++;
    while (q < eol && (text[q] == ' ' || text[q] == '\t'))
      q++;
    if (q >= eol || (text[q] != '"' && text[q] != '\''))
      return 0;
    char quote = text[q++];
    if (eol - q < klen + 1 || memcmp(text + q, key, klen) != 0 ||
        text[q + klen] != quote)
      return 0;
    q += klen + 1;
    while (q < eol && (text[q] == ' ' || text[q] == '\t'))
      q++;
    if (q >= eol || text[q] != ']')
      return 0;
    q++;
  } else {
    if (p > line_start && ident_char((unsigned char)text[p - 1]))
      return 0;
    if (eol - q < klen || memcmp(text + q, key, klen) != 0)
      return 0;
    q += klen;
    if (q < eol && ident_char((unsigned char)text[q]))
      return 0;
  }
  while (q < eol && (text[q] == ' ' || text[q] == '\t'))
    q++;
  return q < eol && text[q] == '=' && (q + 1 >= eol || text[q + 1] != '=');
}

uint32_t cb_manifest__key_line(const char *text, size_t len, const char *key,
                               uint32_t from, int at_start, uint32_t *col) {
  size_t klen = strlen(key);
  uint32_t line = 1;
  size_t i = 0;
  if (col)
    *col = 0;
  if (!text || klen == 0)
    return 0;
  while (i < len) {
    size_t eol = i;
    while (eol < len && text[eol] != '\n')
      eol++;
    if (line >= from) {
      size_t p = i;
      while (p < eol && (text[p] == ' ' || text[p] == '\t'))
        p++;
      size_t last = at_start ? p : eol;
      for (; p < eol && p <= last; p++) {
        if (match_key(text, i, p, eol, key, klen)) {
          if (col)
            *col = (uint32_t)(p - i + 1);
          return line;
        }
      }
    }
    i = eol + 1;
    line++;
  }
  return 0;
}

/* Where a top-level key is assigned: at the start of a line, else anywhere,
 * else line 1. */
static cb_loc top_loc(const mstate *m, const char *key) {
  uint32_t col = 0;
  uint32_t line = cb_manifest__key_line(m->text, m->len, key, 1, 1, &col);
  if (!line)
    line = cb_manifest__key_line(m->text, m->len, key, 1, 0, &col);
  cb_loc loc = {m->file, line ? line : 1, line ? col : 1, 0, 0};
  return loc;
}

/* Where a nested key is assigned, searching after its parent. */
static cb_loc sub_loc(const mstate *m, const char *key, cb_loc parent) {
  uint32_t col = 0;
  uint32_t line =
      cb_manifest__key_line(m->text, m->len, key, parent.line, 0, &col);
  if (!line)
    return parent;
  cb_loc loc = {m->file, line, col, 0, 0};
  return loc;
}

char *cb_manifest__rule_id(cb_arena *arena, const char *id) {
  char *d = cb_arena_strdup(arena, id);
  if (d)
    for (char *p = d; *p; p++)
      if (*p == '_')
        *p = '-';
  return d;
}

/* ---- small readers ------------------------------------------------------ */

/* "a number", "a table", "nil": the type of a value for a message. */
static const char *a_type(lua_State *L, int idx) {
  switch (lua_type(L, idx)) {
  case LUA_TNIL: return "nil";
  case LUA_TBOOLEAN: return "a boolean";
  case LUA_TNUMBER: return "a number";
  case LUA_TSTRING: return "a string";
  case LUA_TTABLE: return "a table";
  case LUA_TFUNCTION: return "a function";
  default: return "a userdata";
  }
}

/* The value of a top-level assignment as written in the text (after
 * "key ="), up to a comma, a comment or the end of the line. */
static void written_value(const mstate *m, const char *key, char *out,
                          size_t n) {
  uint32_t col = 0;
  uint32_t line = cb_manifest__key_line(m->text, m->len, key, 1, 0, &col);
  out[0] = '\0';
  if (!line || !n)
    return;
  const char *p = m->text, *end = m->text + m->len;
  for (uint32_t l = 1; l < line && p < end; l++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    p = nl ? nl + 1 : end;
  }
  while (p < end && *p != '=' && *p != '\n')
    p++;
  if (p >= end || *p != '=')
    return;
  p++;
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  size_t k = 0;
  while (p < end && *p != '\n' && *p != ',' && *p != ';' &&
         !(*p == '-' && p + 1 < end && p[1] == '-') && k + 1 < n)
    out[k++] = *p++;
  while (k && (out[k - 1] == ' ' || out[k - 1] == '\t' || out[k - 1] == '\r'))
    k--;
  out[k] = '\0';
}

static const char *copy_str(mstate *m, lua_State *L, int idx) {
  size_t n;
  const char *s = lua_tolstring(L, idx, &n);
  char *d = cb_arena_strndup(m->ctx->arena, s, n);
  if (!d)
    m->nomem = 1;
  return d ? d : "";
}

static void type_error(mstate *m, lua_State *L, int idx, const char *key,
                       const char *want, cb_loc loc) {
  cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                 "manifest: '%s' must be %s, not %s", key, want,
                 a_type(L, idx));
}

/* Appends a string to a list being built in the arena. The capacity is
 * implicit: 4, then doubled each time n reaches a power of two. */
static void list_push(mstate *m, cb_strlist *list, const char *s) {
  size_t n = list->n;
  if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
    size_t cap = n == 0 ? 4 : n * 2;
    const char **items = cb_arena_alloc(m->ctx->arena, cap * sizeof *items);
    if (!items) {
      m->nomem = 1;
      return;
    }
    if (n)
      memcpy(items, list->items, n * sizeof *items);
    list->items = items;
  }
  list->items[list->n++] = s;
}

/* Counts the entries of the table at idx (raw). */
static size_t count_entries(lua_State *L, int idx) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    n++;
    lua_pop(L, 1);
  }
  return n;
}

/* A string or a list of strings. */
static void read_strlist(mstate *m, lua_State *L, int idx, const char *key,
                         cb_loc loc, cb_strlist *out) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    list_push(m, out, copy_str(m, L, idx));
    return;
  }
  if (lua_type(L, idx) != LUA_TTABLE) {
    type_error(m, L, idx, key, "a list of strings", loc);
    return;
  }
  size_t n = lua_rawlen(L, idx);
  if (count_entries(L, idx) != n) {
    cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                   "manifest: '%s' must be a list of strings { \"a\", \"b\" }"
                   ", not a table with named keys",
                   key);
    return;
  }
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, idx, (lua_Integer)i);
    if (lua_type(L, -1) == LUA_TSTRING)
      list_push(m, out, copy_str(m, L, -1));
    else
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                     "manifest: '%s' item %zu must be a string, not %s", key,
                     i, a_type(L, -1));
    lua_pop(L, 1);
  }
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- keys ------------------------------------------------------------- */

static void read_string_key(mstate *m, lua_State *L, int idx, const char *key,
                            const char **out) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    *out = copy_str(m, L, idx);
    return;
  }
  cb_loc loc = top_loc(m, key);
  if (lua_type(L, idx) == LUA_TNUMBER) {
    char written[64];
    written_value(m, key, written, sizeof written);
    if (!written[0])
      snprintf(written, sizeof written, "%s", lua_tostring(L, idx));
    cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                   "manifest: '%s' must be a string, not a number: write "
                   "%s = \"%s\"%s",
                   key, key, written,
                   strcmp(key, "version") == 0
                       ? " (as a number, 1.10 would read as 1.1)"
                       : "");
  } else
    type_error(m, L, idx, key, "a string", loc);
}

/* outputs: a list of names, or a table name -> true/false. */
static void read_outputs(mstate *m, lua_State *L, int idx) {
  cb_loc loc = top_loc(m, "outputs");
  if (lua_type(L, idx) == LUA_TTABLE &&
      count_entries(L, idx) != lua_rawlen(L, idx) && lua_rawlen(L, idx) == 0) {
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TBOOLEAN) {
        cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                       "manifest: 'outputs' must be a list of names or a "
                       "table of name = true/false");
        lua_pop(L, 2);
        return;
      }
      if (lua_toboolean(L, -1))
        list_push(m, &m->out->outputs, copy_str(m, L, -2));
      lua_pop(L, 1);
    }
    if (m->out->outputs.n)
      qsort(m->out->outputs.items, m->out->outputs.n, sizeof(char *), cmp_str);
    return;
  }
  read_strlist(m, L, idx, "outputs", loc, &m->out->outputs);
}

static int parse_severity(const char *s, cb_severity *out) {
  static const cb_severity map[] = {CB_SEV_NOTE, CB_SEV_WARNING, CB_SEV_ERROR,
                                    CB_SEV_OFF};
  for (size_t i = 0; i < 4; i++)
    if (strcmp(s, severities[i]) == 0) {
      *out = map[i];
      return 0;
    }
  return -1;
}

static void bad_severity(mstate *m, const char *id, const char *s,
                         cb_loc loc) {
  const char *hint = cb_suggest(s, severities, 4);
  cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, hint,
                 "manifest: rule '%s': unknown severity '%s' (use error, "
                 "warning, note or off)",
                 id, s);
}

static int cmp_rule(const void *a, const void *b) {
  return strcmp(((const cb_rule_config *)a)->id,
                ((const cb_rule_config *)b)->id);
}

/* rules: id -> "error"|"warning"|"note"|"off"|true|false|{severity=...} */
static void read_rules(mstate *m, lua_State *L, int idx) {
  cb_loc loc = top_loc(m, "rules");
  if (lua_type(L, idx) != LUA_TTABLE) {
    type_error(m, L, idx, "rules", "a table of rule id = severity", loc);
    return;
  }
  size_t n = count_entries(L, idx);
  if (n == 0)
    return;
  cb_rule_config *rules =
      cb_arena_calloc(m->ctx->arena, n, sizeof *rules);
  if (!rules) {
    m->nomem = 1;
    return;
  }
  size_t k = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                     "manifest: 'rules' keys must be rule ids (strings), "
                     "not %s",
                     a_type(L, -2));
      lua_pop(L, 1);
      continue;
    }
    const char *written = lua_tostring(L, -2);
    cb_rule_config *r = &rules[k];
    r->id = cb_manifest__rule_id(m->ctx->arena, written);
    if (!r->id) {
      m->nomem = 1;
      lua_pop(L, 2);
      return;
    }
    r->severity = CB_SEV_DEFAULT;
    r->options_ref = -1;
    r->loc = sub_loc(m, written, loc);
    int ok = 1;
    switch (lua_type(L, -1)) {
    case LUA_TSTRING:
      if (parse_severity(lua_tostring(L, -1), &r->severity) < 0) {
        bad_severity(m, r->id, lua_tostring(L, -1), r->loc);
        ok = 0;
      }
      break;
    case LUA_TBOOLEAN:
      r->severity = lua_toboolean(L, -1) ? CB_SEV_DEFAULT : CB_SEV_OFF;
      break;
    case LUA_TTABLE:
      lua_pushliteral(L, "severity");
      switch (lua_rawget(L, -2)) {
      case LUA_TNIL:
        break;
      case LUA_TSTRING:
        if (parse_severity(lua_tostring(L, -1), &r->severity) < 0) {
          bad_severity(m, r->id, lua_tostring(L, -1), r->loc);
          ok = 0;
        }
        break;
      default:
        cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, r->loc, NULL, NULL,
                       "manifest: rule '%s': severity must be a string, not "
                       "%s",
                       r->id, a_type(L, -1));
        ok = 0;
      }
      lua_pop(L, 1);
      break;
    default:
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, r->loc, NULL, NULL,
                     "manifest: rule '%s' must be set to \"error\", "
                     "\"warning\", \"note\", \"off\" or a table of options, "
                     "not %s",
                     r->id, a_type(L, -1));
      ok = 0;
    }
    if (ok)
      k++;
    lua_pop(L, 1);
  }
  qsort(rules, k, sizeof *rules, cmp_rule);
  m->out->rules = rules;
  m->out->n_rules = k;
}

/* Adds s to list unless it is already there (keywords ignore case). */
static void add_keyword(mstate *m, cb_strlist *list, const char *s) {
  for (size_t i = 0; i < list->n; i++) {
    const char *a = list->items[i], *b = s;
    while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b))
      a++, b++;
    if (!*a && !*b)
      return;
  }
  list_push(m, list, s);
}

static void read_keywords(mstate *m, lua_State *L, int idx) {
  static const char *const kinds[] = {"question", "criterion", "case"};
  cb_loc loc = top_loc(m, "keywords");
  if (lua_type(L, idx) != LUA_TTABLE) {
    type_error(m, L, idx, "keywords",
               "a table { question = {...}, criterion = {...}, case = {...} }",
               loc);
    return;
  }
  cb_strlist *lists[] = {&m->out->kw_question, &m->out->kw_criterion,
                         &m->out->kw_case};
  const char **unknown = NULL;
  size_t n_unknown = 0, n = count_entries(L, idx);
  if (n)
    unknown = cb_arena_calloc(m->ctx->arena, n, sizeof *unknown);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int which = -1;
    if (lua_type(L, -2) == LUA_TSTRING) {
      const char *key = lua_tostring(L, -2);
      for (int i = 0; i < 3; i++) {
        const char *a = kinds[i], *b = key;
        while (*a && *a == tolower((unsigned char)*b))
          a++, b++;
        if (!*a && !*b)
          which = i;
      }
      if (which < 0 && unknown && n_unknown < n)
        unknown[n_unknown++] = copy_str(m, L, -2);
    } else {
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                     "manifest: 'keywords' keys must be question, criterion "
                     "or case, not %s",
                     a_type(L, -2));
    }
    if (which >= 0) {
      char name[32];
      snprintf(name, sizeof name, "keywords.%s", kinds[which]);
      cb_strlist got = {0};
      read_strlist(m, L, lua_gettop(L), name,
                   sub_loc(m, lua_tostring(L, -2), loc), &got);
      for (size_t i = 0; i < got.n; i++)
        if (got.items[i][0])
          add_keyword(m, lists[which], got.items[i]);
    }
    lua_pop(L, 1);
  }
  if (n_unknown)
    qsort(unknown, n_unknown, sizeof *unknown, cmp_str);
  for (size_t i = 0; i < n_unknown; i++) {
    const char *hint = cb_suggest(unknown[i], kinds, 3);
    cb_loc at = sub_loc(m, unknown[i], loc);
    cb_diag_report(m->ctx, CB_DIAG_WARNING, RULE_UNKNOWN, at, NULL, hint,
                   "manifest: unknown key 'keywords.%s' (known: question, "
                   "criterion, case)",
                   unknown[i]);
  }
}

/* fields: a list of { name = ..., kind = ..., label = ... } */
static void read_fields(mstate *m, lua_State *L, int idx) {
  cb_loc loc = top_loc(m, "fields");
  if (lua_type(L, idx) != LUA_TTABLE) {
    type_error(m, L, idx, "fields",
               "a list of { name = ..., kind = ..., label = ... }", loc);
    return;
  }
  size_t n = lua_rawlen(L, idx);
  if (count_entries(L, idx) != n) {
    cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                   "manifest: 'fields' must be a list { {name = ..., kind = "
                   "...}, ... }, not a table with named keys");
    return;
  }
  if (n == 0)
    return;
  cb_field *fields = cb_arena_calloc(m->ctx->arena, n, sizeof *fields);
  if (!fields) {
    m->nomem = 1;
    return;
  }
  size_t k = 0;
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, idx, (lua_Integer)i);
    int t = lua_gettop(L);
    if (lua_type(L, t) != LUA_TTABLE) {
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                     "manifest: 'fields' item %zu must be a table { name = "
                     "..., kind = ..., label = ... }, not %s",
                     i, a_type(L, t));
      lua_pop(L, 1);
      continue;
    }
    static const char *const keys[] = {"name", "kind", "label"};
    const char *vals[3] = {NULL, NULL, NULL};
    int ok = 1;
    for (int j = 0; j < 3; j++) {
      lua_pushstring(L, keys[j]);
      int vt = lua_rawget(L, t);
      if (vt == LUA_TSTRING)
        vals[j] = copy_str(m, L, -1);
      else if (vt != LUA_TNIL) {
        cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                       "manifest: 'fields' item %zu: '%s' must be a string, "
                       "not %s",
                       i, keys[j], a_type(L, -1));
        ok = 0;
      }
      lua_pop(L, 1);
    }
    if (ok && !vals[0]) {
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                     "manifest: 'fields' item %zu has no name", i);
      ok = 0;
    }
    if (ok && !vals[1]) {
      for (size_t j = 0; j < 6; j++)
        if (strcmp(vals[0], input_kinds[j]) == 0)
          vals[1] = input_kinds[j];
      if (!vals[1]) {
        cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                       "manifest: field '%s' has no kind (prompt, response, "
                       "system, context, user or assistant)",
                       vals[0]);
        ok = 0;
      }
    }
    if (ok) {
      int known = 0;
      for (size_t j = 0; j < 6; j++)
        known |= strcmp(vals[1], input_kinds[j]) == 0;
      if (!known) {
        const char *hint = cb_suggest(vals[1], input_kinds, 6);
        cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, hint,
                       "manifest: field '%s': unknown kind '%s' (prompt, "
                       "response, system, context, user or assistant)",
                       vals[0], vals[1]);
        ok = 0;
      }
    }
    if (ok) {
      fields[k].name = vals[0];
      fields[k].kind = vals[1];
      fields[k].label = vals[2] ? vals[2] : vals[0];
      k++;
    }
    lua_pop(L, 1);
  }
  m->out->fields = fields;
  m->out->n_fields = k;
}

/* changes: category -> "error"|"warning"|"note"|"off", the level of the
 * changes of that category under `check --against` (diff.c, the rules
 * of rules/changes.lua). */
static void read_changes(mstate *m, lua_State *L, int idx) {
  static const char *const categories[] = {"breaking", "gold", "semantic",
                                           "additive", "cosmetic"};
  cb_loc loc = top_loc(m, "changes");
  if (lua_type(L, idx) != LUA_TTABLE) {
    type_error(m, L, idx, "changes",
               "a table { breaking = \"error\", gold = \"warning\", ... }",
               loc);
    return;
  }
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int which = -1;
    if (lua_type(L, -2) == LUA_TSTRING)
      for (int i = 0; i < 5; i++)
        if (strcmp(lua_tostring(L, -2), categories[i]) == 0)
          which = i;
    if (which < 0) {
      const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
                                                        : "?";
      cb_diag_report(m->ctx, CB_DIAG_WARNING, RULE_UNKNOWN,
                     sub_loc(m, key, loc), NULL,
                     cb_suggest(key, categories, 5),
                     "manifest: unknown key 'changes.%s' (known: breaking, "
                     "gold, semantic, additive, cosmetic)",
                     key);
    } else if (lua_type(L, -1) != LUA_TSTRING ||
               parse_severity(lua_tostring(L, -1),
                              &m->out->change_levels[which]) < 0) {
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR,
                     sub_loc(m, categories[which], loc), NULL, NULL,
                     "manifest: changes.%s must be \"error\", \"warning\", "
                     "\"note\" or \"off\"",
                     categories[which]);
    }
    lua_pop(L, 1);
  }
}

/* site_url: an http(s) URL with a host, no quotes, spaces or controls
 * (it goes into links of every export); kept with a '/' at the end. */
static void read_site_url(mstate *m, lua_State *L, int idx) {
  const char *url = NULL;
  read_string_key(m, L, idx, "site_url", &url);
  if (!url)
    return;
  size_t scheme = strncmp(url, "https://", 8) == 0  ? 8
                  : strncmp(url, "http://", 7) == 0 ? 7
                                                    : 0;
  const char *bad = NULL;
  for (const char *p = url; *p && !bad; p++)
    if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("\"'<>\\`", *p))
      bad = p;
  if (!scheme || url[scheme] == '\0' || url[scheme] == '/' || bad) {
    cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, top_loc(m, "site_url"),
                   NULL, NULL,
                   "manifest: 'site_url' must be an http:// or https:// URL "
                   "with a host and without spaces or quotes, like "
                   "\"https://example.org/guide/\"");
    return;
  }
  size_t n = strlen(url);
  if (url[n - 1] == '/') {
    m->out->site_url = url;
    return;
  }
  char *with = cb_arena_alloc(m->ctx->arena, n + 2);
  if (!with)
    return;
  memcpy(with, url, n);
  memcpy(with + n, "/", 2);
  m->out->site_url = with;
}

/* language: a BCP 47 tag as HTML's lang takes it: subtags of 1 to 8
 * letters or digits separated by '-', the first of 2 to 8 letters. */
static void read_language(mstate *m, lua_State *L, int idx) {
  const char *tag = NULL;
  read_string_key(m, L, idx, "language", &tag);
  if (!tag)
    return;
  int ok = 1;
  size_t run = 0, first = 0;
  for (const char *p = tag;; p++) {
    if (*p == '-' || *p == '\0') {
      if (run == 0 || run > 8 || (first == 0 && run < 2))
        ok = 0;
      if (first == 0)
        first = run;
      run = 0;
      if (*p == '\0')
        break;
    } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
               (*p >= '0' && *p <= '9' && first))
      run++;
    else
      ok = 0;
  }
  if (!ok) {
    cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, top_loc(m, "language"),
                   NULL, NULL,
                   "manifest: 'language' must be a language tag such as "
                   "\"en\", \"zh\", \"ja\" or \"pt-BR\"");
    return;
  }
  m->out->language = tag;
  const char *table[CB_UI_N];
  if (!cb_ui__builtin(table, tag))
    cb_diag_report(m->ctx, CB_DIAG_NOTE, RULE_LANGUAGE, top_loc(m, "language"),
                   NULL, NULL,
                   "manifest: the site has no built-in words for language "
                   "'%s' (only en, zh and ja): its headings and labels stay "
                   "in English unless 'strings' gives them",
                   tag);
}

/* strings: key -> text, the project's words for the site over those of
 * its language (ui_strings.h); a key must be one of the table's. */
static void read_strings(mstate *m, lua_State *L, int idx) {
  cb_loc loc = top_loc(m, "strings");
  if (lua_type(L, idx) != LUA_TTABLE) {
    type_error(m, L, idx, "strings",
               "a table { search_label = \"Find\", ... }", loc);
    return;
  }
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
                                                      : NULL;
    cb_loc at = key ? sub_loc(m, key, loc) : loc;
    if (!key || cb_ui__key(key) < 0) {
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, at, NULL,
                     key ? cb_suggest(key, cb_ui__keys, CB_UI_N) : NULL,
                     "manifest: 'strings' has no key '%s' (the keys are "
                     "listed in docs/site.md, \"Languages\")",
                     key ? key : "?");
    } else if (lua_type(L, -1) != LUA_TSTRING) {
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, at, NULL, NULL,
                     "manifest: strings.%s must be a string, not %s", key,
                     a_type(L, -1));
    } else {
      list_push(m, &m->out->ui_keys, cb_ui__keys[cb_ui__key(key)]);
      list_push(m, &m->out->ui_texts, copy_str(m, L, -1));
    }
    lua_pop(L, 1);
  }
}

/* use: what cases are for where neither the case nor its chapter says. */
static void read_use(mstate *m, lua_State *L, int idx) {
  static const char *const uses[] = {"training", "exam", "honeypot"};
  const char *use = NULL;
  read_string_key(m, L, idx, "use", &use);
  if (!use)
    return;
  for (size_t i = 0; i < 3; i++)
    if (strcmp(use, uses[i]) == 0) {
      m->out->use = uses[i];
      return;
    }
  cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, top_loc(m, "use"), NULL,
                 cb_suggest(use, uses, 3),
                 "manifest: 'use' must be \"training\", \"exam\" or "
                 "\"honeypot\", not \"%s\"",
                 use);
}

/* ---- bounds ------------------------------------------------------------ */

/* The most entries the value of key may have (manifest.h). */
static size_t max_entries(const char *key) {
  if (strcmp(key, "chapters") == 0 || strcmp(key, "exclude") == 0)
    return CB_MANIFEST_MAX_PATHS;
  if (strcmp(key, "rules") == 0)
    return CB_MANIFEST_MAX_RULES;
  if (strcmp(key, "strings") == 0)
    return CB_UI_N;
  return CB_MANIFEST_MAX_ITEMS;
}

/* Is the string at idx longer than the bound? Reports it as part of key. */
static int long_string(mstate *m, lua_State *L, int idx, const char *key,
                       const char *what, cb_loc loc) {
  size_t n = lua_rawlen(L, idx);
  if (lua_type(L, idx) != LUA_TSTRING || n <= CB_MANIFEST_MAX_STRING)
    return 0;
  cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                 "manifest: '%s' %s %zu bytes long; at most %d are allowed",
                 key, what, n, CB_MANIFEST_MAX_STRING);
  return 1;
}

/* Checks the value at idx of key against the bounds of manifest.h,
 * looking depth tables deep (the tables inside the rules table are rule
 * options, which only the rules read: not looked into); reports the first
 * excess. Returns 1 when there
 * is one (the key is then not read), else 0. */
static int oversize(mstate *m, lua_State *L, int idx, const char *key,
                    size_t max, int depth, cb_loc loc) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING)
    return long_string(m, L, idx, key, "is", loc);
  if (lua_type(L, idx) != LUA_TTABLE || depth <= 0)
    return 0;
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (++n > max) {
      lua_pop(L, 2);
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                     "manifest: '%s' has more than %zu entries; at most %zu "
                     "are allowed",
                     key, max, max);
      return 1;
    }
    if (long_string(m, L, -2, key, "has a key", loc) ||
        long_string(m, L, -1, key, "holds a string", loc) ||
        (depth > 1 &&
         oversize(m, L, -1, key, CB_MANIFEST_MAX_ITEMS, depth - 1, loc))) {
      lua_pop(L, 2);
      return 1;
    }
    lua_pop(L, 1);
  }
  return 0;
}

/* Reads the data table (argument 2) into the manifest (argument 1, an
 * mstate). Runs as a protected call. */
static int read_data(lua_State *L) {
  mstate *m = lua_touserdata(L, 1);
  cb_manifest *out = m->out;
  int data = 2;
  const char **unknown = NULL;
  size_t n_unknown = 0, n = count_entries(L, data);
  if (n)
    unknown = cb_arena_calloc(m->ctx->arena, n, sizeof *unknown);

  lua_pushnil(L);
  while (lua_next(L, data)) {
    int v = lua_gettop(L);
    if (lua_type(L, -2) != LUA_TSTRING) {
      cb_diag_report(m->ctx, CB_DIAG_WARNING, RULE_UNKNOWN,
                     (cb_loc){m->file, 1, 1, 0, 0}, NULL, NULL,
                     "manifest: a value is stored under a %s key; only named "
                     "keys are read",
                     a_type(L, -2));
      lua_pop(L, 1);
      continue;
    }
    const char *key = lua_tostring(L, -2);
    if (lua_rawlen(L, -2) > CB_MANIFEST_MAX_STRING) {
      cb_diag_report(m->ctx, CB_DIAG_ERROR, RULE_ERROR,
                     (cb_loc){m->file, 1, 1, 0, 0}, NULL, NULL,
                     "manifest: a key of %zu bytes; at most %d are allowed",
                     (size_t)lua_rawlen(L, -2), CB_MANIFEST_MAX_STRING);
      lua_settop(L, v - 1);
      continue;
    }
    int known = 0;
    for (size_t i = 0; i < N_KNOWN && !known; i++)
      known = strcmp(key, known_keys[i]) == 0;
    if (known && oversize(m, L, v, key, max_entries(key),
                          strcmp(key, "rules") == 0 ? 1 : 2,
                          top_loc(m, key))) {
      lua_settop(L, v - 1);
      continue;
    }
    if (strcmp(key, "title") == 0)
      read_string_key(m, L, v, "title", &out->title);
    else if (strcmp(key, "version") == 0)
      read_string_key(m, L, v, "version", &out->version);
    else if (strcmp(key, "chapters") == 0)
      read_strlist(m, L, v, "chapters", top_loc(m, "chapters"),
                   &out->chapters);
    else if (strcmp(key, "exclude") == 0)
      read_strlist(m, L, v, "exclude", top_loc(m, "exclude"), &out->exclude);
    else if (strcmp(key, "rules") == 0)
      read_rules(m, L, v);
    else if (strcmp(key, "outputs") == 0)
      read_outputs(m, L, v);
    else if (strcmp(key, "keywords") == 0)
      read_keywords(m, L, v);
    else if (strcmp(key, "fields") == 0)
      read_fields(m, L, v);
    else if (strcmp(key, "changes") == 0)
      read_changes(m, L, v);
    else if (strcmp(key, "site_url") == 0)
      read_site_url(m, L, v);
    else if (strcmp(key, "language") == 0)
      read_language(m, L, v);
    else if (strcmp(key, "use") == 0)
      read_use(m, L, v);
    else if (strcmp(key, "strings") == 0)
      read_strings(m, L, v);
    else if (strcmp(key, "unsafe_html") == 0) {
      if (lua_type(L, v) == LUA_TBOOLEAN)
        out->unsafe_html = lua_toboolean(L, v);
      else
        type_error(m, L, v, "unsafe_html", "true or false",
                   top_loc(m, "unsafe_html"));
    } else if (unknown && n_unknown < n) {
      unknown[n_unknown++] = copy_str(m, L, -2);
    }
    lua_settop(L, v - 1);
  }

  if (n_unknown)
    qsort(unknown, n_unknown, sizeof *unknown, cmp_str);
  for (size_t i = 0; i < n_unknown && i < CB_MANIFEST_MAX_ITEMS; i++) {
    const char *hint = cb_suggest(unknown[i], known_keys, N_KNOWN);
    cb_loc loc = top_loc(m, unknown[i]);
    cb_diag_report(m->ctx, CB_DIAG_WARNING, RULE_UNKNOWN, loc, NULL, hint,
                   "manifest: unknown key '%s'", unknown[i]);
  }
  if (n_unknown > CB_MANIFEST_MAX_ITEMS)
    cb_diag_report(m->ctx, CB_DIAG_WARNING, RULE_UNKNOWN,
                   (cb_loc){m->file, 1, 1, 0, 0}, NULL, NULL,
                   "manifest: %zu more unknown keys not shown",
                   n_unknown - CB_MANIFEST_MAX_ITEMS);
  return 0;
}

/* ---- running ---------------------------------------------------------- */

int cb_manifest__run(cb_sandbox *sb, const char *text, size_t len,
                     cb_sandbox_error *err) {
  lua_State *L = sb->L;
  int top = lua_gettop(L);
  const char *saved_focus = sb->focus;
  sb->focus = "@casebook.lua";
  if (!lua_checkstack(L, 8) ||
      cb_sandbox__load(sb, text, len, "@casebook.lua", err) < 0) {
    sb->focus = saved_focus;
    lua_settop(L, top);
    return -1;
  }
  /* env: assignments land here, reads fall through to private globals */
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  cb_sandbox__push_env(sb);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  cb_sandbox__set_env(L, top + 1); /* env stays at top + 2 */
  lua_pushvalue(L, top + 1);
  int rc = cb_sandbox__call(sb, 0, 1, err);
  sb->focus = saved_focus;
  if (rc < 0) {
    lua_settop(L, top);
    return -1;
  }
  if (lua_type(L, -1) == LUA_TTABLE) {
    lua_replace(L, top + 1);
  } else {
    lua_pop(L, 1);
    lua_pushvalue(L, top + 2);
    lua_replace(L, top + 1);
  }
  lua_settop(L, top + 1);
  return 0;
}

/* What the manifest gave print, as one note at its first line. */
static void report_printed(cb_ctx *ctx, const cb_sandbox *sb, uint32_t file) {
  size_t lost = 0;
  const char *text = cb_sandbox__printed(sb, &lost);
  size_t n = strlen(text);
  if (!n && !lost)
    return;
  if (n >= 2 && text[n - 2] == '\\' && text[n - 1] == 'n')
    n -= 2; /* the newline print ends with */
  char more[64] = "";
  if (lost)
    snprintf(more, sizeof more, " ... (%zu more bytes not shown)", lost);
  cb_diag_report(ctx, CB_DIAG_NOTE, RULE_PRINT, (cb_loc){file, 1, 1, 0, 0}, NULL,
                 NULL, "manifest printed: %.*s%s", (int)n, text, more);
}

static void set_default_keywords(mstate *m) {
  static const char *const english[] = {"Question", "Criterion", "Case"};
  cb_strlist *lists[] = {&m->out->kw_question, &m->out->kw_criterion,
                         &m->out->kw_case};
  for (int i = 0; i < 3; i++)
    list_push(m, lists[i], english[i]);
}

int cb_manifest__load(cb_ctx *ctx, cb_manifest *out, uint32_t file,
                      const char *text, size_t len) {
  cb_sandbox *sb = NULL;
  int err = 0;
  mstate m = {ctx, out, file, text, len, 0};
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < 5; i++)
    out->change_levels[i] = CB_SEV_DEFAULT;
  set_default_keywords(&m);
  if (!text)
    goto done;
  out->present = 1;

  if ((err = cb_sandbox__new(&sb, SIZE_MAX)) < 0) {
    cb_ctx__fail(ctx, err, "cannot start Lua for the manifest");
    goto done;
  }
  cb_sandbox__limit(sb, CB_MANIFEST_INSTRUCTIONS, CB_MANIFEST_SECONDS,
                    CB_MANIFEST_MEMORY);
  cb_sandbox_error e;
  int run = cb_manifest__run(sb, text, len, &e);
  report_printed(ctx, sb, file);
  if (run < 0) {
    cb_loc loc = {file, e.line > 0 ? (uint32_t)e.line : 1, 1, 0, 0};
    /* a syntax error says so; a runtime error's message speaks for itself
     * ("manifest: error: ..." would say "error" twice on the line) */
    const char *what = e.status == LUA_ERRSYNTAX ? "syntax error: " : "";
    if (e.limit == CB_LIMIT_INSTRUCTIONS)
      cb_diag_report(ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                     "manifest: stopped after %lld instructions: a manifest "
                     "only assigns data (an endless loop?)",
                     (long long)CB_MANIFEST_INSTRUCTIONS);
    else if (e.limit == CB_LIMIT_MEMORY)
      cb_diag_report(ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                     "manifest: uses more than %zu MiB of memory",
                     CB_MANIFEST_MEMORY >> 20);
    else
      cb_diag_report(ctx, CB_DIAG_ERROR, RULE_ERROR, loc, NULL, NULL,
                     "manifest: %s%s", what, e.message);
    goto done;
  }
  lua_State *L = sb->L;
  lua_pushcfunction(L, read_data);
  lua_pushlightuserdata(L, &m);
  lua_pushvalue(L, -3);
  /* reading needs a little memory of its own (keys pushed for rawget) */
  sb->mem_cap = SIZE_MAX;
  if (lua_pcall(L, 2, 0, 0) != LUA_OK)
    cb_diag_report(ctx, CB_DIAG_ERROR, RULE_ERROR, (cb_loc){file, 1, 1, 0, 0}, NULL,
                   NULL, "manifest: cannot be read: %s",
                   lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
  lua_settop(L, 0);

done:
  /* the English keywords are always accepted */
  if (out->kw_question.n == 0 || out->kw_criterion.n == 0 ||
      out->kw_case.n == 0) {
    m.nomem = 1;
  }
  cb_sandbox__free(sb);
  if (m.nomem && err == 0)
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory reading the manifest");
  return err;
}
