/*
 * diag_format.c: the diagnostics formats for CI, beside diag.c's gcc and
 * JSON: SARIF 2.1.0 (code scanning), GitHub workflow commands with a job
 * summary, JUnit XML (a test report per chapter and case) and reviewdog's
 * rdjson.
 *
 * Every format reads the sorted diagnostics and the model and changes
 * neither. Everything that comes from a casebook is untrusted text: it
 * is made valid UTF-8 and shown as cb_utf8__show shows text to people
 * (bidirectional controls as "<U+202E>", "##[" as "##<U+005B>") first,
 * then written through jansson or the libxml2 writer, or through the
 * escaping the format defines (workflow command values, Markdown table
 * cells): never pasted. No line of any format can start with "::" (a
 * workflow command, should the report be printed to a CI log): JSON
 * escapes line breaks, the GitHub format escapes them and puts "./"
 * before such a path, and the JUnit report writes that ':' as a
 * character reference.
 *
 * Paths are made relative to the root of the git repository that holds
 * the project (where CI tools resolve them), found by looking for .git
 * upwards from the project directory; outside a repository they are
 * printed as the other formats print them. The output depends on nothing
 * else: no time, no host name.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <jansson.h>
#include <libxml/globals.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctx.h"
#include "diag_format.h"
#include "emit.h"
#include "strmap.h"
#include "utf8.h"

/* GitHub shows at most this many annotations of each level per step. */
#define GITHUB_MAX_ANNOTATIONS 10

#define SARIF_SCHEMA                                                           \
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"        \
  "sarif-schema-2.1.0.json"
#define SARIF_BASE "%SRCROOT%"
#define FINGERPRINT_KEY "casebook/v1"

/* What every format needs: the sorted diagnostics, the model, where the
 * project sits in its repository, and a cursor over source lines (the
 * diagnostics come sorted by file and line, so lines are found walking
 * forward instead of from the top of the file each time). */
typedef struct run {
  cb_ctx *ctx;
  const cb_book *book; /* NULL when no book was loaded */
  const cb_diag *d;
  size_t n;
  const char *prefix; /* the project directory relative to the repository
                         root: "" or ending in '/'; NULL outside git */
  cb_line_cursor cur; /* the last source line looked up */
} run;

static const char *level_name(cb_diag_level l) {
  return l == CB_DIAG_ERROR     ? "error"
         : l == CB_DIAG_WARNING ? "warning"
                                : "note";
}

/* s made valid UTF-8 for mode and shown as cb_utf8__show shows text
 * (CB_TEXT_HTML: controls but line breaks and tabs as Control Pictures;
 * CB_TEXT_JSON: controls kept for jansson to escape), in b (reset first).
 * Borrowed from b; "" for NULL or when memory ran out. */
static const char *clean(cb_buf *b, const char *s, cb_text_mode mode) {
  cb_buf_reset(b);
  if (s)
    cb_utf8__show(b, s, strlen(s),
                  mode == CB_TEXT_JSON ? CB_SHOW_JSON : CB_SHOW_LINES);
  return b->failed ? "" : cb_buf_cstr(b);
}

/* ---- paths ----------------------------------------------------------- */

/* The project directory relative to the root of the git repository that
 * holds it ("" when it is the root, else ending in '/'), in ctx's arena;
 * NULL when the project is in no repository or is not a directory. */
static const char *find_prefix(cb_ctx *ctx, const char *root) {
  if (!root)
    return NULL;
  char *abs = realpath(root, NULL);
  if (!abs)
    return NULL;
  const char *out = NULL;
  size_t len = strlen(abs);
  cb_buf probe = {0};
  for (;;) {
    struct stat st;
    cb_buf_reset(&probe);
    cb_buf_append(&probe, abs, len);
    cb_buf_puts(&probe, len == 1 ? ".git" : "/.git");
    if (probe.failed)
      break;
    if (stat(cb_buf_cstr(&probe), &st) == 0) {
      const char *rest = abs + len;
      if (*rest == '/')
        rest++;
      out = *rest ? cb_arena_printf(ctx->arena, "%s/", rest) : "";
      break;
    }
    if (len <= 1)
      break;
    while (len > 1 && abs[len - 1] != '/')
      len--;
    if (len > 1)
      len--; /* the slash, unless it is the root's */
  }
  cb_buf_free(&probe);
  free(abs); /* realpath's */
  return out;
}

/* g's path relative to the project directory ("" for the directory
 * itself), or NULL when it is not inside it. Borrowed. */
static const char *project_path(const run *r, const cb_diag *g) {
  if (r->book && g->file < r->book->n_files)
    return r->book->files[g->file].path;
  if (!g->path)
    return NULL;
  const char *root = r->book ? r->book->root : NULL;
  if (!root || strcmp(root, ".") == 0)
    return strcmp(g->path, ".") == 0 ? "" : g->path;
  size_t n = strlen(root);
  if (strncmp(g->path, root, n) != 0)
    return NULL;
  const char *rest = g->path + n;
  if (!*rest)
    return "";
  if (n && root[n - 1] == '/')
    return rest;
  return *rest == '/' ? rest + 1 : NULL;
}

/* g's path relative to the repository root when the project is in one,
 * else as the gcc format shows it. NULL when g has no path. Borrowed or
 * in the arena. */
static const char *repo_path(const run *r, const cb_diag *g) {
  if (!g->path)
    return NULL;
  const char *p = r->prefix ? project_path(r, g) : NULL;
  if (!p)
    return g->path;
  if (!*p) {
    size_t n = strlen(r->prefix);
    return n ? cb_arena_strndup(r->ctx->arena, r->prefix, n - 1) : ".";
  }
  const char *s = cb_arena_printf(r->ctx->arena, "%s%s", r->prefix, p);
  return s ? s : g->path;
}

/* Where g is, for the formats whose consumers want a location on every
 * finding (code scanning, reviewdog): g's path, or the project directory
 * for a diagnostic without one. repo: relative to the repository (as
 * repo_path) rather than as displayed. */
static const char *located_path(const run *r, const cb_diag *g, int repo) {
  cb_diag at = *g;
  if (!at.path) {
    const char *root = r->book ? r->book->root : NULL;
    at.path = root && *root ? root : ".";
    at.file = UINT32_MAX;
  }
  return repo ? repo_path(r, &at) : at.path;
}

/* ---- source lines and columns ---------------------------------------- */

/* The text of line g->line of g's file without its end, or NULL when g
 * has no line in a book file. */
static const char *source_line(run *r, const cb_diag *g, size_t *len) {
  return cb_diag__source_line(r->book, &r->cur, g->file, g->line, len);
}

/* The 1-based column in code points of the 1-based byte column col of
 * line (len bytes); an ill-formed sequence counts as one, as its U+FFFD
 * would. */
static uint32_t code_point_col(const char *line, size_t len, uint32_t col) {
  size_t target = col ? col - 1 : 0, i = 0;
  uint32_t count = 0;
  while (i < target && i < len) {
    uint32_t cp;
    i += cb_utf8__decode((const unsigned char *)line + i, len - i, &cp);
    count++;
  }
  if (target > i)
    count += (uint32_t)(target - i);
  return count + 1;
}

/* g's column in code points (SARIF, GitHub), 0 when it has none. */
static uint32_t char_col(run *r, const cb_diag *g) {
  if (!g->line)
    return 0;
  uint32_t col = g->col ? g->col : 1;
  size_t len;
  const char *s = source_line(r, g, &len);
  return s ? code_point_col(s, len, col) : col;
}

static int word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-' || c >= 0x80;
}

/* Where word (n bytes) stands in line at or after byte offset from, as a
 * whole word; SIZE_MAX when it does not. */
static size_t find_word(const char *line, size_t len, size_t from,
                        const char *word, size_t n) {
  for (size_t i = from; n && i + n <= len; i++) {
    if (memcmp(line + i, word, n) != 0)
      continue;
    if (word_byte((unsigned char)word[0]) && i > 0 &&
        word_byte((unsigned char)line[i - 1]))
      continue;
    if (word_byte((unsigned char)word[n - 1]) && i + n < len &&
        word_byte((unsigned char)line[i + n]))
      continue;
    return i;
  }
  return SIZE_MAX;
}

/* The text a did-you-mean suggestion replaces. A rule says the suggested
 * word, not the span it replaces; the span is found as the word quoted
 * in the message (or a space-separated part of it) closest to the
 * suggestion by edit distance, within the distance cb_suggest allows,
 * that stands on the diagnostic's line at or after its column. Sets the
 * 1-based byte columns *start and *end (exclusive) and returns 1, or
 * returns 0 when there is no such word. */
static int fix_span(run *r, const cb_diag *g, uint32_t *start, uint32_t *end) {
  if (!g->suggestion || !g->message)
    return 0;
  size_t len;
  const char *line = source_line(r, g, &len);
  if (!line)
    return 0;
  const char *sugg = g->suggestion;
  size_t ls = strlen(sugg), from = g->col ? g->col - 1 : 0;
  size_t best_d = SIZE_MAX, best_at = SIZE_MAX, best_n = 0;
  const char *m = g->message;
  while ((m = strchr(m, '\'')) != NULL) {
    const char *q = strchr(m + 1, '\'');
    if (!q)
      break;
    /* the whole quoted text, then each space-separated part of it */
    const char *w = m + 1;
    for (int whole = 1;; whole = 0) {
      const char *we = whole ? q : w;
      if (!whole)
        while (we < q && *we != ' ')
          we++;
      size_t n = (size_t)(we - w);
      if (n && (n != ls || memcmp(w, sugg, n) != 0)) {
        size_t d = cb_diag__distance(w, n, sugg, ls);
        if (d != SIZE_MAX && d < best_d) {
          size_t at = find_word(line, len, from, w, n);
          if (at != SIZE_MAX) {
            best_d = d;
            best_at = at;
            best_n = n;
          }
        }
      }
      if (!whole) {
        if (we >= q)
          break;
        w = we + 1;
      } else if (!memchr(w, ' ', (size_t)(q - w))) {
        break;
      }
    }
    m = q + 1;
  }
  if (best_at == SIZE_MAX || best_at + best_n + 1 > UINT32_MAX)
    return 0;
  *start = (uint32_t)best_at + 1;
  *end = (uint32_t)(best_at + best_n) + 1;
  return 1;
}

/* ---- message kinds and fingerprints ----------------------------------- */

/* FNV-1a, 64 bits, from seed. */
static uint64_t fnv(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* The identity of g that survives edits elsewhere: its rule, the element
 * it is about (else its file within the project) and its message with
 * every ":N" (a line or column of another place) made ":#". Appended to
 * key, NUL-separated. */
static void identity(cb_buf *key, const run *r, const cb_diag *g) {
  cb_buf_puts(key, g->rule ? g->rule : "");
  cb_buf_putc(key, '\0');
  if (g->element) {
    cb_buf_puts(key, "element:");
    cb_buf_puts(key, g->element);
  } else {
    const char *p = project_path(r, g);
    cb_buf_puts(key, "file:");
    cb_buf_puts(key, p ? p : g->path ? g->path : "");
  }
  cb_buf_putc(key, '\0');
  for (const char *s = g->message ? g->message : ""; *s; s++) {
    cb_buf_putc(key, *s);
    if (*s == ':' && s[1] >= '0' && s[1] <= '9') {
      cb_buf_putc(key, '#');
      while (s[1] >= '0' && s[1] <= '9')
        s++;
    }
  }
}

/* ---- SARIF ------------------------------------------------------------ */

/* A rule as SARIF lists it. */
typedef struct sarif_rule {
  const char *id, *level, *summary, *rationale, *example;
  size_t seq; /* order of collection: the first of equal ids wins */
} sarif_rule;

/* The rules the compiler itself reports outside the Lua rules (the same
 * ids check.c accepts in a manifest), with their help. */
static const sarif_rule core_rules[] = {
    {"bad-element-heading", "error",
     "A heading starts with an element keyword but is not an element "
     "heading.",
     "A heading such as `## Question ...`, `## Criterion ...` or `## Case "
     "...` opens an element; one that starts with the keyword but lacks an "
     "id, or has an id that is not allowed, would silently be read as "
     "prose.",
     "## Case: no id here", 0},
    {"empty-project", "warning", "The project has no chapter.",
     "A project without any Markdown chapter compiles to an empty site and "
     "rubric, which is almost always a wrong directory.",
     "", 0},
    {"hidden-character", "error",
     "An id holds a bidirectional control or another invisible character.",
     "A bidirectional control (U+202E and the like) reorders how the text "
     "around it is shown, and a zero-width character makes two different "
     "ids look alike: an id holding one would show one thing to the "
     "reviewer and mean another. The element is left out; the diagnostic "
     "points at the character, shown escaped as <U+202E>.",
     "| safe\u202E | Fine. |", 0},
    {"invalid-utf8", "error", "A chapter holds bytes that are not UTF-8.",
     "Chapters are UTF-8 text. Invalid bytes are shown as U+FFFD in every "
     "output, so the text annotators see differs from the file.",
     "", 0},
    {"manifest-chapters", "warning",
     "The manifest's chapters list and the project's files disagree.",
     "An entry of `chapters` that matches no file is likely a typo; a "
     "chapter missing from the list is compiled after the listed ones, "
     "which may not be the intended order.",
     "chapters = { \"intro.md\", \"harm.md\" }", 0},
    {"manifest-error", "error",
     "The manifest casebook.lua fails or gives a value of the wrong kind.",
     "The manifest is run as data in a sandbox; when it fails, or a key has "
     "a value casebook cannot use, the project is compiled with defaults "
     "for what could not be read.",
     "title = 42", 0},
    {"manifest-unknown-key", "warning",
     "The manifest sets a key casebook does not know.",
     "An unknown key has no effect; it is usually a misspelt one.",
     "titel = \"Chat safety\"", 0},
    {"manifest-unknown-rule", "warning",
     "The manifest configures a rule that does not exist.",
     "A severity set for a rule id that no rule has changes nothing; it is "
     "usually a misspelt or removed rule.",
     "rules = { [\"unknown-opton\"] = \"warning\" }", 0},
    {"nul-byte", "error", "A chapter holds a NUL byte.",
     "A NUL byte is not text; it is shown as U+FFFD in the outputs.", "", 0},
    {"rule-error", "error",
     "A rule failed: a Lua error, its budget or memory cap, or too many "
     "findings.",
     "A rule that fails stops reporting; the other rules still run. The "
     "diagnostic names the rule file and line.",
     "", 0},
};
#define N_CORE_RULES (sizeof core_rules / sizeof core_rules[0])

static int cmp_rule(const void *pa, const void *pb) {
  const sarif_rule *a = pa, *b = pb;
  int c = strcmp(a->id, b->id);
  return c ? c : a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Every rule that can fire: the registry (built-in and the project's),
 * the compiler's own, and any other id a diagnostic carries, sorted by
 * id. *out is cb_malloc'd. */
static int collect_rules(sarif_rule **out, size_t *n_out, run *r) {
  const cb_rule_info *info = NULL;
  size_t n_info = 0;
  int err = cb_rules_list(&info, &n_info, r->ctx, r->book);
  if (err < 0)
    return err; /* Lua could not start: out of memory */
  size_t cap = n_info + N_CORE_RULES + r->n, n = 0;
  sarif_rule *rules = cb_calloc(cap ? cap : 1, sizeof *rules);
  if (!rules)
    return CB_ENOMEM;
  for (size_t i = 0; i < n_info; i++)
    rules[n++] =
        (sarif_rule){info[i].id,        info[i].severity, info[i].summary,
                     info[i].rationale, info[i].example,  0};
  for (size_t i = 0; i < N_CORE_RULES; i++)
    rules[n++] = core_rules[i];
  for (size_t i = 0; i < r->n; i++)
    rules[n++] = (sarif_rule){r->d[i].rule ? r->d[i].rule : "",
                              level_name(r->d[i].level),
                              NULL,
                              NULL,
                              NULL,
                              0};
  for (size_t i = 0; i < n; i++)
    rules[i].seq = i;
  size_t k = 0;
  qsort(rules, n, sizeof *rules, cmp_rule);
  for (size_t i = 0; i < n; i++) {
    if (k && strcmp(rules[k - 1].id, rules[i].id) == 0) {
      if (!rules[k - 1].summary && rules[i].summary)
        rules[k - 1] = rules[i];
      continue;
    }
    rules[k++] = rules[i];
  }
  *out = rules;
  *n_out = k;
  return 0;
}

static size_t rule_index(const sarif_rule *rules, size_t n, const char *id) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(rules[mid].id, id ? id : "");
    if (c == 0)
      return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0; /* every id was collected: not reached */
}

/* A JSON string of s made valid UTF-8; NULL on failure (tmp's failure
 * is sticky, so a string lost to memory is never written as ""). */
static json_t *jtext(cb_buf *tmp, const char *s) {
  const char *t = clean(tmp, s, CB_TEXT_JSON);
  return tmp->failed ? NULL : json_string(t);
}

/* o[key] = v, remembering a failure (v NULL, or out of memory). */
static void put(json_t *o, const char *key, json_t *v, int *oom) {
  if (!v || json_object_set_new(o, key, v) < 0)
    *oom = 1;
}

static void push(json_t *a, json_t *v, int *oom) {
  if (!v || json_array_append_new(a, v) < 0)
    *oom = 1;
}

/* Writes root and a newline to fp. json_dumpf fails alike when memory
 * runs out and when the stream does: the stream's error tells which. */
static int dump(json_t *root, FILE *fp) {
  if (json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
    return ferror(fp) ? CB_EIO : CB_ENOMEM;
  return fputc('\n', fp) == EOF ? CB_EIO : 0;
}

/* A path as a URI reference: bytes other than unreserved ones and '/'
 * percent-encoded; an absolute path becomes a file: URI. */
static json_t *juri(cb_buf *tmp, const char *path) {
  static const char hex[] = "0123456789ABCDEF";
  cb_buf_reset(tmp);
  if (path[0] == '/')
    cb_buf_puts(tmp, "file://");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
      cb_buf_putc(tmp, (char)*p);
    } else {
      cb_buf_putc(tmp, '%');
      cb_buf_putc(tmp, hex[*p >> 4]);
      cb_buf_putc(tmp, hex[*p & 15]);
    }
  }
  return tmp->failed ? NULL : json_string(cb_buf_cstr(tmp));
}

/* {"uri": ..., "uriBaseId": "%SRCROOT%"} (no base for absolute paths). */
static json_t *artifact(cb_buf *tmp, const char *path, int *oom) {
  json_t *a = json_object();
  if (!a) {
    *oom = 1;
    return NULL;
  }
  put(a, "uri", juri(tmp, path), oom);
  if (path[0] != '/')
    put(a, "uriBaseId", json_string(SARIF_BASE), oom);
  return a;
}

/* The help of a rule as Markdown: the example in a fence longer than any
 * run of backticks it holds. */
static json_t *help_markdown(cb_buf *tmp, const sarif_rule *ru) {
  size_t run_len = 0, longest = 0;
  for (const char *s = ru->example; *s; s++) {
    run_len = *s == '`' ? run_len + 1 : 0;
    if (run_len > longest)
      longest = run_len;
  }
  size_t fence = longest < 3 ? 3 : longest + 1;
  cb_buf md = {0};
  cb_buf_printf(&md, "%s\n\n%s", ru->summary, ru->rationale);
  if (*ru->example) {
    cb_buf_puts(&md, "\n\nExample:\n\n");
    for (size_t i = 0; i < fence; i++)
      cb_buf_putc(&md, '`');
    cb_buf_printf(&md, "markdown\n%s\n", ru->example);
    for (size_t i = 0; i < fence; i++)
      cb_buf_putc(&md, '`');
  }
  json_t *j = md.failed ? NULL : jtext(tmp, cb_buf_cstr(&md));
  cb_buf_free(&md);
  return j;
}

static json_t *sarif_rule_json(cb_buf *tmp, const sarif_rule *ru, int *oom) {
  json_t *o = json_object();
  if (!o) {
    *oom = 1;
    return NULL;
  }
  const char *summary =
      ru->summary && *ru->summary ? ru->summary : "A diagnostic of casebook.";
  sarif_rule full = *ru;
  full.summary = summary;
  if (!full.rationale)
    full.rationale = "";
  if (!full.example)
    full.example = "";
  put(o, "id", jtext(tmp, ru->id), oom);
  put(o, "shortDescription", json_pack("{s:o}", "text", jtext(tmp, summary)),
      oom);
  put(o, "fullDescription",
      json_pack("{s:o}", "text",
                jtext(tmp, *full.rationale ? full.rationale : summary)),
      oom);
  cb_buf text = {0};
  cb_buf_printf(&text, "%s", summary);
  if (*full.rationale)
    cb_buf_printf(&text, "\n\n%s", full.rationale);
  if (*full.example)
    cb_buf_printf(&text, "\n\nExample:\n%s", full.example);
  put(o, "help",
      json_pack("{s:o, s:o}", "text",
                text.failed ? NULL : jtext(tmp, cb_buf_cstr(&text)), "markdown",
                help_markdown(tmp, &full)),
      oom);
  cb_buf_free(&text);
  const char *lvl = ru->level && (strcmp(ru->level, "error") == 0 ||
                                  strcmp(ru->level, "warning") == 0)
                        ? ru->level
                        : "note";
  put(o, "defaultConfiguration", json_pack("{s:s}", "level", lvl), oom);
  return o;
}

/* A diagnostic's identity hash, for counting equal identities. */
typedef struct ident {
  uint64_t h1, h2;
  size_t index;
} ident;

static int cmp_ident(const void *pa, const void *pb) {
  const ident *a = pa, *b = pb;
  if (a->h1 != b->h1)
    return a->h1 < b->h1 ? -1 : 1;
  if (a->h2 != b->h2)
    return a->h2 < b->h2 ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* The partialFingerprints of every diagnostic, 33 bytes each (32 hex
 * digits and a NUL): a 128-bit hash of its identity and of how many
 * diagnostics before it have the same identity. cb_malloc'd; NULL when
 * out of memory. */
static char *fingerprints(run *r) {
  char *fp = cb_calloc(r->n ? r->n : 1, 33);
  ident *ids = cb_calloc(r->n ? r->n : 1, sizeof *ids);
  cb_buf key = {0};
  if (!fp || !ids) {
    cb_free(fp);
    cb_free(ids);
    return NULL;
  }
  for (size_t i = 0; i < r->n; i++) {
    cb_buf_reset(&key);
    identity(&key, r, &r->d[i]);
    const char *k = key.data ? key.data : "";
    ids[i].h1 = fnv(0xcbf29ce484222325ULL, k, key.len);
    ids[i].h2 = fnv(0x84222325cbf29ce4ULL, k, key.len);
    ids[i].index = i;
  }
  int failed = key.failed;
  cb_buf_free(&key);
  qsort(ids, r->n, sizeof *ids, cmp_ident);
  size_t seen = 0;
  for (size_t i = 0; i < r->n; i++) {
    if (i && ids[i].h1 == ids[i - 1].h1 && ids[i].h2 == ids[i - 1].h2)
      seen++;
    else
      seen = 0;
    char occ[24];
    snprintf(occ, sizeof occ, "#%zu", seen);
    uint64_t a = fnv(ids[i].h1, occ, strlen(occ));
    uint64_t b = fnv(ids[i].h2, occ, strlen(occ));
    snprintf(fp + 33 * ids[i].index, 33, "%016llx%016llx",
             (unsigned long long)a, (unsigned long long)b);
  }
  cb_free(ids);
  if (failed) {
    cb_free(fp);
    return NULL;
  }
  return fp;
}

/* A SARIF region (columns left out when 0); NULL when out of memory. */
static json_t *region(uint32_t line, uint32_t col, uint32_t end_col) {
  int oom = 0;
  json_t *o = json_pack("{s:I}", "startLine", (json_int_t)line);
  if (o && col)
    put(o, "startColumn", json_integer(col), &oom);
  if (o && end_col)
    put(o, "endColumn", json_integer(end_col), &oom);
  if (oom) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* The SARIF fix of g: its suggestion replacing the word fix_span finds. */
static json_t *sarif_fix(run *r, cb_buf *tmp, const cb_diag *g,
                         const char *path, int *oom) {
  uint32_t start, end;
  if (!fix_span(r, g, &start, &end))
    return NULL;
  size_t len;
  const char *line = source_line(r, g, &len);
  uint32_t c0 = code_point_col(line, len, start);
  uint32_t c1 = code_point_col(line, len, end);
  cb_buf desc = {0};
  cb_buf_puts(&desc, "Replace '");
  cb_buf_append(&desc, line + start - 1, end - start);
  cb_buf_printf(&desc, "' with '%s'", g->suggestion);
  json_t *fix =
      json_pack("{s:{s:o}, s:[{s:o, s:[{s:o, s:{s:o}}]}]}", "description",
                "text", desc.failed ? NULL : jtext(tmp, cb_buf_cstr(&desc)),
                "artifactChanges", "artifactLocation", artifact(tmp, path, oom),
                "replacements", "deletedRegion", region(g->line, c0, c1),
                "insertedContent", "text", jtext(tmp, g->suggestion));
  cb_buf_free(&desc);
  if (!fix)
    *oom = 1;
  return fix;
}

static json_t *sarif_result(run *r, cb_buf *tmp, const cb_diag *g, size_t index,
                            const char *fingerprint, int *oom) {
  json_t *o = json_object();
  if (!o) {
    *oom = 1;
    return NULL;
  }
  cb_buf msg = {0};
  cb_buf_puts(&msg, g->message);
  if (g->suggestion)
    cb_buf_printf(&msg, " (did you mean '%s'?)", g->suggestion);
  put(o, "ruleId", jtext(tmp, g->rule), oom);
  put(o, "ruleIndex", json_integer((json_int_t)index), oom);
  put(o, "level", json_string(level_name(g->level)), oom);
  put(o, "message",
      json_pack("{s:o}", "text",
                msg.failed ? NULL : jtext(tmp, cb_buf_cstr(&msg))),
      oom);
  cb_buf_free(&msg);
  const char *path = located_path(r, g, 1);
  if (path) {
    json_t *phys = json_object();
    put(phys, "artifactLocation", artifact(tmp, path, oom), oom);
    /* a finding about a whole file, the project directory or nothing in
     * particular points at the first line: code scanning wants a region */
    put(phys, "region",
        g->line ? region(g->line, char_col(r, g), 0) : region(1, 0, 0), oom);
    put(o, "locations", json_pack("[{s:o}]", "physicalLocation", phys), oom);
  }
  put(o, "partialFingerprints",
      json_pack("{s:s}", FINGERPRINT_KEY, fingerprint), oom);
  if (g->path) {
    json_t *fix = sarif_fix(r, tmp, g, path, oom);
    if (fix)
      put(o, "fixes", json_pack("[o]", fix), oom);
  }
  return o;
}

static int print_sarif(FILE *fp, run *r) {
  int oom = 0, err = 0;
  cb_buf tmp = {0};
  sarif_rule *rules = NULL;
  size_t n_rules = 0;
  char *fps = NULL;
  json_t *root = NULL;
  if ((err = collect_rules(&rules, &n_rules, r)) < 0)
    goto done;
  if (!(fps = fingerprints(r))) {
    err = CB_ENOMEM;
    goto done;
  }
  json_t *jrules = json_array(), *results = json_array();
  for (size_t i = 0; jrules && i < n_rules; i++)
    push(jrules, sarif_rule_json(&tmp, &rules[i], &oom), &oom);
  for (size_t i = 0; results && i < r->n; i++) {
    const cb_diag *g = &r->d[i];
    push(results,
         sarif_result(r, &tmp, g, rule_index(rules, n_rules, g->rule),
                      fps + 33 * i, &oom),
         &oom);
  }
  json_t *driver =
      json_pack("{s:s, s:s, s:s, s:o}", "name", "casebook", "version",
                CB_VERSION, "semanticVersion", CB_VERSION, "rules", jrules);
  root =
      json_pack("{s:s, s:s, s:[{s:{s:o}, s:s, s:o}]}", "$schema", SARIF_SCHEMA,
                "version", "2.1.0", "runs", "tool", "driver", driver,
                "columnKind", "unicodeCodePoints", "results", results);
  if (!root || oom) {
    err = CB_ENOMEM;
    goto done;
  }
  err = dump(root, fp);
done:
  json_decref(root);
  cb_free(fps);
  cb_free(rules);
  cb_buf_free(&tmp);
  return err;
}

/* ---- rdjson ----------------------------------------------------------- */

static const char *rd_severity(cb_diag_level l) {
  return l == CB_DIAG_ERROR     ? "ERROR"
         : l == CB_DIAG_WARNING ? "WARNING"
                                : "INFO";
}

/* An rdjson range (no end when end_col is 0); NULL when out of memory. */
static json_t *rd_range(uint32_t line, uint32_t col, uint32_t end_col) {
  int oom = 0;
  json_t *o = json_pack("{s:{s:I, s:I}}", "start", "line", (json_int_t)line,
                        "column", (json_int_t)col);
  if (o && end_col)
    put(o, "end",
        json_pack("{s:I, s:I}", "line", (json_int_t)line, "column",
                  (json_int_t)end_col),
        &oom);
  if (oom) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static int print_rdjson(FILE *fp, run *r) {
  int oom = 0, err = 0;
  cb_buf tmp = {0}, msg = {0};
  json_t *diags = json_array();
  for (size_t i = 0; diags && i < r->n; i++) {
    const cb_diag *g = &r->d[i];
    json_t *o = json_object();
    if (!o) {
      oom = 1;
      break;
    }
    uint32_t start = 0, end = 0;
    int span = g->path && fix_span(r, g, &start, &end);
    cb_buf_reset(&msg);
    cb_buf_puts(&msg, g->message);
    if (g->suggestion && !span)
      cb_buf_printf(&msg, " (did you mean '%s'?)", g->suggestion);
    put(o, "message", msg.failed ? NULL : jtext(&tmp, cb_buf_cstr(&msg)), &oom);
    json_t *loc = json_object();
    put(loc, "path", jtext(&tmp, located_path(r, g, 0)), &oom);
    if (g->line)
      put(loc, "range", rd_range(g->line, g->col ? g->col : 1, span ? end : 0),
          &oom);
    put(o, "location", loc, &oom);
    put(o, "severity", json_string(rd_severity(g->level)), &oom);
    put(o, "code", json_pack("{s:o}", "value", jtext(&tmp, g->rule)), &oom);
    if (span)
      put(o, "suggestions",
          json_pack("[{s:o, s:o}]", "range", rd_range(g->line, start, end),
                    "text", jtext(&tmp, g->suggestion)),
          &oom);
    push(diags, o, &oom);
  }
  json_t *root = json_pack("{s:{s:s}, s:o}", "source", "name", "casebook",
                           "diagnostics", diags);
  if (!root || oom)
    err = CB_ENOMEM;
  else
    err = dump(root, fp);
  json_decref(root);
  cb_buf_free(&tmp);
  cb_buf_free(&msg);
  return err;
}

/* ---- GitHub ----------------------------------------------------------- */

/* Appends s escaped as workflow command data (% CR LF) or, with
 * property set, as a property value (also : and ,). */
static void gh_escape(cb_buf *out, const char *s, int property) {
  for (; *s; s++) {
    switch (*s) {
    case '%':
      cb_buf_puts(out, "%25");
      break;
    case '\r':
      cb_buf_puts(out, "%0D");
      break;
    case '\n':
      cb_buf_puts(out, "%0A");
      break;
    case ':':
      cb_buf_puts(out, property ? "%3A" : ":");
      break;
    case ',':
      cb_buf_puts(out, property ? "%2C" : ",");
      break;
    default:
      cb_buf_putc(out, *s);
      break;
    }
  }
}

/* Appends s for a cell of a GitHub Markdown table: every ASCII
 * punctuation character backslash-escaped (so nothing is markup, a link,
 * a mention or an entity, and '|' does not end the cell), line breaks as
 * <br>, tabs as spaces. s is valid UTF-8 without controls already. */
static void md_cell(cb_buf *out, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\n')
      cb_buf_puts(out, "<br>");
    else if (c == '\r')
      continue;
    else if (c == '\t')
      cb_buf_putc(out, ' ');
    else if (c < 0x80 && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c)) {
      cb_buf_putc(out, '\\');
      cb_buf_putc(out, (char)c);
    } else
      cb_buf_putc(out, (char)c);
  }
}

/* "path:line:col" of g for people (with the repository-relative path). */
static void place(cb_buf *out, run *r, const cb_diag *g) {
  const char *path = repo_path(r, g);
  if (!path) {
    cb_buf_puts(out, "casebook");
    return;
  }
  cb_buf_puts(out, path);
  if (g->line)
    cb_buf_printf(out, ":%u:%u", g->line, char_col(r, g));
}

/* The job summary: a heading with the counts and a table of every
 * diagnostic, appended to the file $GITHUB_STEP_SUMMARY names. */
static int github_summary(run *r, const char *file, size_t e, size_t w,
                          size_t o) {
  cb_buf md = {0}, tmp = {0}, cell = {0};
  cb_buf_printf(
      &md, "### casebook check: %zu error%s, %zu warning%s, %zu note%s\n\n", e,
      e == 1 ? "" : "s", w, w == 1 ? "" : "s", o, o == 1 ? "" : "s");
  if (r->n)
    cb_buf_puts(&md, "| Level | Location | Rule | Message |\n"
                     "|---|---|---|---|\n");
  else
    cb_buf_puts(&md, "No diagnostics.\n");
  for (size_t i = 0; i < r->n; i++) {
    const cb_diag *g = &r->d[i];
    cb_buf_printf(&md, "| %s | ", level_name(g->level));
    cb_buf_reset(&cell);
    place(&cell, r, g);
    md_cell(&md, clean(&tmp, cb_buf_cstr(&cell), CB_TEXT_HTML));
    cb_buf_puts(&md, " | ");
    md_cell(&md, clean(&tmp, g->rule, CB_TEXT_HTML));
    cb_buf_puts(&md, " | ");
    md_cell(&md, clean(&tmp, g->message, CB_TEXT_HTML));
    if (g->suggestion) {
      cb_buf_puts(&md, " (did you mean \\'");
      md_cell(&md, clean(&tmp, g->suggestion, CB_TEXT_HTML));
      cb_buf_puts(&md, "\\'?)");
    }
    cb_buf_puts(&md, " |\n");
  }
  cb_buf_putc(&md, '\n');
  int err = md.failed || tmp.failed || cell.failed ? CB_ENOMEM : 0;
  if (!err) {
    /* appended, never truncated: earlier steps wrote there too */
    FILE *f = fopen(file, "a");
    int ok = f && fwrite(md.data, 1, md.len, f) == md.len;
    int saved = errno;
    if (f && fclose(f) != 0 && ok) {
      ok = 0;
      saved = errno;
    }
    if (!ok)
      fprintf(stderr,
              "casebook: cannot append the summary to GITHUB_STEP_SUMMARY "
              "'%s': %s\n",
              file, strerror(saved));
  }
  cb_buf_free(&md);
  cb_buf_free(&tmp);
  cb_buf_free(&cell);
  return err;
}

static int print_github(FILE *fp, run *r) {
  static const char *const command[] = {"notice", "warning", "error"};
  size_t shown[3] = {0, 0, 0}, hidden[3] = {0, 0, 0};
  cb_buf line = {0}, tmp = {0}, text = {0}, cell = {0};
  for (size_t i = 0; i < r->n; i++) {
    const cb_diag *g = &r->d[i];
    int lv = g->level == CB_DIAG_ERROR ? 2 : g->level == CB_DIAG_WARNING;
    const char *path = repo_path(r, g);
    cb_buf_reset(&line);
    cb_buf_reset(&text);
    cb_buf_puts(&text, clean(&tmp, g->message, CB_TEXT_HTML));
    if (g->suggestion)
      cb_buf_printf(&text, " (did you mean '%s'?)",
                    clean(&tmp, g->suggestion, CB_TEXT_HTML));
    if (shown[lv] < GITHUB_MAX_ANNOTATIONS) {
      shown[lv]++;
      cb_buf_printf(&line, "::%s ", command[lv]);
      if (path) {
        cb_buf_puts(&line, "file=");
        gh_escape(&line, clean(&tmp, path, CB_TEXT_HTML), 1);
        if (g->line)
          cb_buf_printf(&line, ",line=%u,col=%u", g->line, char_col(r, g));
        cb_buf_putc(&line, ',');
      }
      cb_buf_puts(&line, "title=");
      gh_escape(&line, clean(&tmp, g->rule, CB_TEXT_HTML), 1);
      cb_buf_puts(&line, "::");
      gh_escape(&line, cb_buf_cstr(&text), 0);
    } else {
      /* past GitHub's limit: a plain log line, never a command */
      hidden[lv]++;
      cb_buf_reset(&cell);
      place(&cell, r, g);
      clean(&tmp, cb_buf_cstr(&cell), CB_TEXT_HTML);
      if (cb_diag__command_at(cb_buf_cstr(&tmp), tmp.len) != SIZE_MAX)
        cb_buf_puts(&line, "./");
      gh_escape(&line, cb_buf_cstr(&tmp), 0);
      cb_buf_printf(&line, ": %s: ", level_name(g->level));
      gh_escape(&line, cb_buf_cstr(&text), 0);
      cb_buf_puts(&line, " [");
      gh_escape(&line, clean(&tmp, g->rule, CB_TEXT_HTML), 0);
      cb_buf_putc(&line, ']');
    }
    cb_buf_putc(&line, '\n');
    if (line.failed)
      break;
    fwrite(line.data, 1, line.len, fp);
  }
  int err = line.failed || tmp.failed || text.failed || cell.failed
                ? CB_ENOMEM
                : 0;
  cb_buf_free(&line);
  cb_buf_free(&tmp);
  cb_buf_free(&text);
  cb_buf_free(&cell);
  if (err)
    return err;
  size_t e, w, o;
  cb_ctx_diag_counts(r->ctx, &e, &w, &o);
  const char *summary = getenv("GITHUB_STEP_SUMMARY");
  if (hidden[0] + hidden[1] + hidden[2])
    fprintf(fp,
            "casebook: GitHub shows %d annotations of each level per step: "
            "%zu error%s, %zu warning%s and %zu note%s above are plain "
            "lines%s\n",
            GITHUB_MAX_ANNOTATIONS, hidden[2], hidden[2] == 1 ? "" : "s",
            hidden[1], hidden[1] == 1 ? "" : "s", hidden[0],
            hidden[0] == 1 ? "" : "s",
            summary && *summary ? "; the job summary lists every one" : "");
  fprintf(fp, "%zu error%s, %zu warning%s, %zu note%s\n", e, e == 1 ? "" : "s",
          w, w == 1 ? "" : "s", o, o == 1 ? "" : "s");
  if (summary && *summary)
    err = github_summary(r, summary, e, w, o);
  return ferror(fp) ? CB_EIO : err;
}

/* ---- JUnit ------------------------------------------------------------ */

/* Where each case's section lies, to find the case of a line: per
 * chapter, its cases in document order with the line of their heading
 * and of the next element or heading (exclusive). */
typedef struct case_span {
  uint32_t start, end;
  size_t index; /* into cb_book.cases */
} case_span;

typedef struct junit_index {
  int32_t *chapter_of_file; /* book file -> chapter, -1 when none */
  case_span *spans;         /* every chapter's cases, chapter by chapter */
  size_t *span_start;       /* chapter c's spans: [span_start[c], [c+1]) */
  cb_strmap case_ids;       /* case id -> index of its first case */
} junit_index;

/* The line of item i of a chapter, 0 for prose or an index out of range. */
static uint32_t item_line(const cb_book *b, const cb_chapter *chap,
                          const cb_item *it) {
  switch (it->kind) {
  case CB_ITEM_CASE:
    return it->index < b->n_cases ? b->cases[it->index].loc.line : 0;
  case CB_ITEM_QUESTION:
    return it->index < b->n_questions ? b->questions[it->index].loc.line : 0;
  case CB_ITEM_CRITERION:
    return it->index < b->n_criteria ? b->criteria[it->index].loc.line : 0;
  case CB_ITEM_HEADING:
    return it->index < chap->n_headings ? chap->headings[it->index].loc.line
                                        : 0;
  default:
    return 0;
  }
}

static int junit_index_build(junit_index *x, const cb_book *b) {
  x->chapter_of_file = cb_malloc((b->n_files + 1) * sizeof *x->chapter_of_file);
  x->spans = cb_malloc((b->n_cases + 1) * sizeof *x->spans);
  x->span_start = cb_calloc(b->n_chapters + 1, sizeof *x->span_start);
  if (!x->chapter_of_file || !x->spans || !x->span_start)
    return CB_ENOMEM;
  for (size_t i = 0; i < b->n_files; i++)
    x->chapter_of_file[i] = -1;
  size_t n = 0;
  for (size_t c = 0; c < b->n_chapters; c++) {
    const cb_chapter *chap = &b->chapters[c];
    if (chap->file < b->n_files)
      x->chapter_of_file[chap->file] = (int32_t)c;
    x->span_start[c] = n;
    for (size_t i = 0; i < chap->n_items && n < b->n_cases; i++) {
      const cb_item *it = &chap->items[i];
      if (it->kind != CB_ITEM_CASE || it->index >= b->n_cases)
        continue;
      uint32_t end = UINT32_MAX;
      for (size_t j = i + 1; j < chap->n_items && end == UINT32_MAX; j++) {
        uint32_t l = item_line(b, chap, &chap->items[j]);
        if (l)
          end = l;
      }
      x->spans[n++] = (case_span){b->cases[it->index].loc.line, end, it->index};
    }
  }
  x->span_start[b->n_chapters] = n;
  for (size_t k = 0; k < b->n_cases; k++)
    if (b->cases[k].id &&
        cb_strmap_put(&x->case_ids, b->cases[k].id, k, NULL) < 0)
      return CB_ENOMEM;
  return 0;
}

static void junit_index_free(junit_index *x) {
  cb_free(x->chapter_of_file);
  cb_free(x->spans);
  cb_free(x->span_start);
  cb_strmap_free(&x->case_ids);
}

/* Who a diagnostic belongs to in the report: the case it names, else
 * the case whose section holds its line, else its chapter's own
 * testcase; a case is 0..n_cases, a chapter n_cases + chapter, the
 * project n_cases + n_chapters. */
static size_t junit_owner(const run *r, const cb_diag *g,
                          const junit_index *x) {
  const cb_book *b = r->book;
  size_t project = b->n_cases + b->n_chapters, k;
  if (g->element && cb_strmap_get(&x->case_ids, g->element, &k) &&
      b->cases[k].chapter < b->n_chapters)
    return k;
  if (g->file >= b->n_files || x->chapter_of_file[g->file] < 0)
    return project;
  size_t ch = (size_t)x->chapter_of_file[g->file];
  /* the last case starting at or before the line (starts increase) */
  size_t lo = x->span_start[ch], hi = x->span_start[ch + 1];
  while (g->line && lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->spans[mid].start <= g->line)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (g->line && lo > x->span_start[ch] && g->line < x->spans[lo - 1].end)
    return x->spans[lo - 1].index;
  return b->n_cases + ch;
}

/* The text of a failure or a system-out line: "path:line:col: level:
 * message [rule]" and the suggestion, cleaned for XML, in out. NULL when
 * memory ran out. */
static const char *junit_line(cb_buf *out, run *r, const cb_diag *g) {
  cb_buf raw = {0};
  place(&raw, r, g);
  cb_buf_printf(&raw, ": %s: %s [%s]", level_name(g->level), g->message,
                g->rule ? g->rule : "");
  if (g->suggestion)
    cb_buf_printf(&raw, "\n  help: did you mean '%s'?", g->suggestion);
  const char *s =
      raw.failed ? NULL : clean(out, cb_buf_cstr(&raw), CB_TEXT_HTML);
  cb_buf_free(&raw);
  return s && !out->failed ? s : NULL;
}

/* The report is built as a libxml2 tree and then serialized: the tree
 * calls say when memory runs out, where the 2.9 xmlTextWriter leaks its
 * element stack and writes escaped text as nothing. */
typedef struct junit_writer {
  xmlDocPtr doc;
  xmlNodePtr cur; /* the open element, NULL before the root */
  int bad;        /* a call failed or libxml2 reported an error */
} junit_writer;

/* libxml2's error handlers while the report is built and serialized:
 * serializing reports running out of memory only to them, so any error
 * marks the report bad. */
static void jw_error(void *data, xmlErrorPtr e) {
  (void)e;
  ((junit_writer *)data)->bad = 1;
}

static void jw_generic_error(void *data, const char *msg, ...) {
  (void)msg;
  ((junit_writer *)data)->bad = 1;
}

/* Opens element name inside the open one (or as the root). */
static void jw_start(junit_writer *jw, const char *name) {
  if (jw->bad)
    return;
  xmlNodePtr n = jw->cur ? xmlNewChild(jw->cur, NULL, BAD_CAST name, NULL)
                         : xmlNewDocNode(jw->doc, NULL, BAD_CAST name, NULL);
  if (!n) {
    jw->bad = 1;
    return;
  }
  if (!jw->cur)
    xmlDocSetRootElement(jw->doc, n);
  jw->cur = n;
}

static void jw_end(junit_writer *jw) {
  if (!jw->bad)
    jw->cur = jw->cur->parent && jw->cur->parent->type == XML_ELEMENT_NODE
                  ? jw->cur->parent
                  : NULL;
}

/* An attribute of the open element; the value is escaped when saved. */
static void jw_attr(junit_writer *jw, const char *name, const char *value) {
  if (!jw->bad && !xmlNewProp(jw->cur, BAD_CAST name, BAD_CAST value))
    jw->bad = 1;
}

static void jw_attr_n(junit_writer *jw, const char *name, size_t value) {
  char num[32];
  snprintf(num, sizeof num, "%zu", value);
  jw_attr(jw, name, num);
}

/* Text inside the open element, escaped when saved. */
static void jw_text(junit_writer *jw, const char *text) {
  if (jw->bad)
    return;
  xmlNodePtr t = xmlNewDocText(jw->doc, BAD_CAST text);
  if (!t || !xmlAddChild(jw->cur, t)) {
    xmlFreeNode(t);
    jw->bad = 1;
  }
}

/* One testcase with a failure per error of its diagnostics (idx[0..n)),
 * and the warnings and notes as lines of system-out. */
static void junit_case(junit_writer *jw, run *r, cb_buf *tmp,
                       const char *classname, const char *name,
                       const char *file, uint32_t line, const size_t *idx,
                       size_t n) {
  cb_buf text = {0}, out = {0};
  jw_start(jw, "testcase");
  jw_attr(jw, "classname", clean(tmp, classname, CB_TEXT_HTML));
  jw_attr(jw, "name", clean(tmp, name, CB_TEXT_HTML));
  if (file) {
    jw_attr(jw, "file", clean(tmp, file, CB_TEXT_HTML));
    jw_attr_n(jw, "line", line ? line : 1);
  }
  jw_attr(jw, "time", "0");
  for (size_t i = 0; i < n; i++) {
    const cb_diag *g = &r->d[idx[i]];
    if (g->level != CB_DIAG_ERROR)
      continue;
    jw_start(jw, "failure");
    jw_attr(jw, "message", clean(tmp, g->message, CB_TEXT_HTML));
    jw_attr(jw, "type", clean(tmp, g->rule, CB_TEXT_HTML));
    const char *body = junit_line(&text, r, g);
    if (!body)
      jw->bad = 1;
    jw_text(jw, body ? body : "");
    jw_end(jw);
  }
  for (size_t i = 0; i < n; i++) {
    const cb_diag *g = &r->d[idx[i]];
    if (g->level == CB_DIAG_ERROR)
      continue;
    const char *body = junit_line(&text, r, g);
    if (!body)
      jw->bad = 1;
    cb_buf_puts(&out, body ? body : "");
    cb_buf_putc(&out, '\n');
  }
  if (out.failed)
    jw->bad = 1;
  if (out.len) {
    jw_start(jw, "system-out");
    jw_text(jw, cb_buf_cstr(&out));
    jw_end(jw);
  }
  jw_end(jw);
  if (text.failed)
    jw->bad = 1;
  cb_buf_free(&text);
  cb_buf_free(&out);
}

static int has_error(const run *r, const size_t *idx, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (r->d[idx[i]].level == CB_DIAG_ERROR)
      return 1;
  return 0;
}

/* The repository-relative path of a book file, for classname and file. */
static const char *file_repo_path(run *r, uint32_t file) {
  cb_diag probe = {0};
  probe.file = file;
  probe.path = r->book->files[file].path;
  const char *p = r->prefix ? repo_path(r, &probe) : NULL;
  if (p)
    return p;
  /* outside git: the path as the other formats show it */
  const char *root = r->book->root;
  if (!root || strcmp(root, ".") == 0)
    return probe.path;
  size_t n = strlen(root);
  const char *s =
      cb_arena_printf(r->ctx->arena, "%s%s%s", root,
                      n && root[n - 1] == '/' ? "" : "/", probe.path);
  return s ? s : probe.path;
}

/* Writes the serialized report xml[0..len) to fp with the first ':' of
 * any line that would start a workflow command (text of a message that
 * spans lines, a path) as the character reference "&#58;": the same XML,
 * and no command should the report be printed to a CI log. */
static int write_xml(FILE *fp, const char *xml, size_t len) {
  const char *p = xml, *end = xml + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl + 1 : end;
    size_t at = cb_diag__command_at(p, (size_t)(e - p));
    if (at != SIZE_MAX) {
      fwrite(p, 1, at, fp);
      fputs("&#58;", fp);
      p += at + 1;
    }
    fwrite(p, 1, (size_t)(e - p), fp);
    p = e;
  }
  return ferror(fp) ? CB_EIO : 0;
}

static int print_junit(FILE *fp, run *r) {
  const cb_book *b = r->book;
  cb_book empty = {0};
  if (!b)
    b = r->book = &empty;
  size_t n_owners = b->n_cases + b->n_chapters + 1;
  size_t project = n_owners - 1;
  int err = 0;
  cb_buf tmp = {0};
  junit_index index = {0};
  size_t *owner = cb_malloc((r->n + 1) * sizeof *owner);
  size_t *start = cb_calloc(n_owners + 1, sizeof *start);
  size_t *order = cb_malloc((r->n + 1) * sizeof *order);
  size_t *case_start = cb_calloc(b->n_chapters + 1, sizeof *case_start);
  size_t *cases = cb_malloc((b->n_cases + 1) * sizeof *cases);
  xmlChar *xml = NULL;
  int xml_len = 0;
  junit_writer jw = {0};
  int handler_set = 0;
  xmlStructuredErrorFunc saved_handler = NULL;
  xmlGenericErrorFunc saved_generic = NULL;
  void *saved_context = NULL, *saved_generic_context = NULL;
  if (junit_index_build(&index, b) < 0 || !owner || !start || !order ||
      !case_start || !cases) {
    err = CB_ENOMEM;
    goto done;
  }
  /* diagnostics bucketed by owner, in their sorted order */
  for (size_t i = 0; i < r->n; i++) {
    owner[i] = junit_owner(r, &r->d[i], &index);
    start[owner[i] + 1]++;
  }
  for (size_t k = 0; k < n_owners; k++)
    start[k + 1] += start[k];
  {
    size_t *fill = cb_malloc((n_owners + 1) * sizeof *fill);
    if (!fill) {
      err = CB_ENOMEM;
      goto done;
    }
    memcpy(fill, start, (n_owners + 1) * sizeof *fill);
    for (size_t i = 0; i < r->n; i++)
      order[fill[owner[i]]++] = i;
    cb_free(fill);
  }
  /* cases bucketed by chapter, in book order */
  for (size_t k = 0; k < b->n_cases; k++)
    if (b->cases[k].chapter < b->n_chapters)
      case_start[b->cases[k].chapter + 1]++;
  for (size_t c = 0; c < b->n_chapters; c++)
    case_start[c + 1] += case_start[c];
  {
    size_t *fill = cb_malloc((b->n_chapters + 1) * sizeof *fill);
    if (!fill) {
      err = CB_ENOMEM;
      goto done;
    }
    memcpy(fill, case_start, (b->n_chapters + 1) * sizeof *fill);
    for (size_t k = 0; k < b->n_cases; k++)
      if (b->cases[k].chapter < b->n_chapters)
        cases[fill[b->cases[k].chapter]++] = k;
    cb_free(fill);
  }
#define DIAGS_OF(k) (order + start[k]), (start[(k) + 1] - start[k])
  size_t total_tests = 0, total_failed = 0;
  for (size_t k = 0; k < n_owners; k++) {
    int in_book = k >= b->n_cases || b->cases[k].chapter < b->n_chapters;
    total_tests += in_book;
    total_failed += in_book && has_error(r, DIAGS_OF(k));
  }
  saved_handler = xmlStructuredError;
  saved_context = xmlStructuredErrorContext;
  saved_generic = xmlGenericError;
  saved_generic_context = xmlGenericErrorContext;
  xmlSetStructuredErrorFunc(&jw, jw_error);
  xmlSetGenericErrorFunc(&jw, jw_generic_error);
  handler_set = 1;
  if (!(jw.doc = xmlNewDoc(BAD_CAST "1.0"))) {
    err = CB_ENOMEM;
    goto done;
  }
  jw_start(&jw, "testsuites");
  jw_attr(&jw, "name", "casebook");
  jw_attr_n(&jw, "tests", total_tests);
  jw_attr_n(&jw, "failures", total_failed);
  jw_attr(&jw, "errors", "0");
  jw_attr(&jw, "skipped", "0");
  jw_attr(&jw, "time", "0");
  for (size_t c = 0; c < b->n_chapters && !jw.bad; c++) {
    const cb_chapter *chap = &b->chapters[c];
    const char *path =
        chap->file < b->n_files ? file_repo_path(r, chap->file) : chap->path;
    size_t own = b->n_cases + c;
    size_t n_tests = 1 + case_start[c + 1] - case_start[c];
    size_t n_failed = has_error(r, DIAGS_OF(own));
    for (size_t i = case_start[c]; i < case_start[c + 1]; i++)
      n_failed += has_error(r, DIAGS_OF(cases[i]));
    jw_start(&jw, "testsuite");
    jw_attr(&jw, "name", clean(&tmp, path, CB_TEXT_HTML));
    jw_attr_n(&jw, "tests", n_tests);
    jw_attr_n(&jw, "failures", n_failed);
    jw_attr(&jw, "errors", "0");
    jw_attr(&jw, "skipped", "0");
    jw_attr(&jw, "time", "0");
    jw_attr(&jw, "file", clean(&tmp, path, CB_TEXT_HTML));
    junit_case(&jw, r, &tmp, path, "chapter", path, 1, DIAGS_OF(own));
    for (size_t i = case_start[c]; i < case_start[c + 1]; i++) {
      const cb_case *cs = &b->cases[cases[i]];
      cb_buf name = {0};
      cb_buf_printf(&name, "case %s", cs->id);
      if (name.failed)
        jw.bad = 1;
      junit_case(&jw, r, &tmp, path, name.failed ? "case" : cb_buf_cstr(&name),
                 path, cs->loc.line, DIAGS_OF(cases[i]));
      cb_buf_free(&name);
    }
    jw_end(&jw);
  }
  /* the project: the manifest, rule files, diagnostics without a file */
  const char *proj = r->prefix ? (*r->prefix ? r->prefix : ".")
                     : b->root ? b->root
                               : ".";
  cb_buf pname = {0};
  cb_buf_puts(&pname, proj);
  if (pname.len > 1 && pname.data[pname.len - 1] == '/')
    pname.data[--pname.len] = '\0';
  if (pname.failed)
    jw.bad = 1;
  int proj_failed = has_error(r, DIAGS_OF(project));
  jw_start(&jw, "testsuite");
  jw_attr(&jw, "name", "project");
  jw_attr(&jw, "tests", "1");
  jw_attr(&jw, "failures", proj_failed ? "1" : "0");
  jw_attr(&jw, "errors", "0");
  jw_attr(&jw, "skipped", "0");
  jw_attr(&jw, "time", "0");
  junit_case(&jw, r, &tmp, pname.failed ? "." : cb_buf_cstr(&pname), "project",
             NULL, 0, DIAGS_OF(project));
  jw_end(&jw);
  cb_buf_free(&pname);
#undef DIAGS_OF
  jw_end(&jw);
  if (!jw.bad)
    xmlDocDumpFormatMemoryEnc(jw.doc, &xml, &xml_len, "UTF-8", 1);
  if (jw.bad || tmp.failed || !xml || xml_len < 0) {
    err = CB_ENOMEM;
    goto done;
  }
  err = write_xml(fp, (const char *)xml, (size_t)xml_len);
done:
  if (xml)
    xmlFree(xml);
  xmlFreeDoc(jw.doc);
  if (handler_set) {
    xmlSetStructuredErrorFunc(saved_context, saved_handler);
    xmlSetGenericErrorFunc(saved_generic_context, saved_generic);
  }
  junit_index_free(&index);
  cb_free(owner);
  cb_free(start);
  cb_free(order);
  cb_free(case_start);
  cb_free(cases);
  cb_buf_free(&tmp);
  if (r->book == &empty)
    r->book = NULL;
  return err;
}

/* ---- entry ------------------------------------------------------------ */

int cb_diag__print_ci(FILE *fp, cb_ctx *ctx, cb_diag_format fmt) {
  run r = {0};
  r.ctx = ctx;
  r.book = ctx->book_loaded ? &ctx->book : NULL;
  r.d = cb_ctx_diags(ctx, &r.n);
  r.prefix = r.book ? find_prefix(ctx, r.book->root) : NULL;
  switch (fmt) {
  case CB_FMT_SARIF:
    return print_sarif(fp, &r);
  case CB_FMT_GITHUB:
    return print_github(fp, &r);
  case CB_FMT_JUNIT:
    return print_junit(fp, &r);
  case CB_FMT_RDJSON:
    return print_rdjson(fp, &r);
  default:
    return CB_EUSAGE;
  }
}
