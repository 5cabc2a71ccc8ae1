/* SPDX-License-Identifier: MIT */
/*
 * diag_sarif.c: the diagnostics as SARIF 2.1.0 for code scanning: every
 * rule that can fire with its help, each result with its location, the
 * did-you-mean fix, and partialFingerprints that survive edits elsewhere
 * in the book (a hash of the rule, the element and the message with its
 * line numbers left out), so a code scanning alert follows its finding.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "diag_format.h"
#include "hash.h"

#define SARIF_SCHEMA                                                           \
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"        \
  "sarif-schema-2.1.0.json"
#define SARIF_BASE "%SRCROOT%"
#define FINGERPRINT_KEY "casebook/v1"

/* ---- message kinds and fingerprints ----------------------------------- */

/* The identity of g that survives edits elsewhere: its rule, the element
 * it is about (else its file within the project) and its message with
 * every ":N" (a line or column of another place) made ":#". Appended to
 * key, NUL-separated. */
static void identity(cb_buf *key, const cb_diag_run *r, const cb_diag *g) {
  cb_buf_puts(key, g->rule ? g->rule : "");
  cb_buf_putc(key, '\0');
  if (g->element) {
    cb_buf_puts(key, "element:");
    cb_buf_puts(key, g->element);
  } else {
    const char *p = cb_diag_format__project_path(r, g);
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
    {"manifest-language", "note",
     "The manifest's language has no built-in words for the site.",
     "The site's headings, labels and search messages are built in for "
     "English, Chinese and Japanese; for another language they stay in "
     "English unless the manifest's strings table gives them.",
     "language = \"ko\"", 0},
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

/* Every rule that can fire: the registry (built-in and the project's, as
 * the check left it in ctx->rules), the compiler's own, and any other id
 * a diagnostic carries, sorted by id. *out is cb_malloc'd. */
static int collect_rules(sarif_rule **out, size_t *n_out, cb_diag_run *r) {
  const cb_rule_info *info = r->ctx->rules;
  size_t n_info = r->ctx->n_rules;
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
                              cb_diag_format__level_name(r->d[i].level),
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
  cb_diag_format__put(a, "uri", juri(tmp, path), oom);
  if (path[0] != '/')
    cb_diag_format__put(a, "uriBaseId", json_string(SARIF_BASE), oom);
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
  json_t *j = md.failed ? NULL : cb_diag_format__jtext(tmp, cb_buf_cstr(&md));
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
  cb_diag_format__put(o, "id", cb_diag_format__jtext(tmp, ru->id), oom);
  cb_diag_format__put(
      o, "shortDescription",
      json_pack("{s:o}", "text", cb_diag_format__jtext(tmp, summary)), oom);
  cb_diag_format__put(
      o, "fullDescription",
      json_pack("{s:o}", "text",
                cb_diag_format__jtext(tmp, *full.rationale ? full.rationale
                                                           : summary)),
      oom);
  cb_buf text = {0};
  cb_buf_printf(&text, "%s", summary);
  if (*full.rationale)
    cb_buf_printf(&text, "\n\n%s", full.rationale);
  if (*full.example)
    cb_buf_printf(&text, "\n\nExample:\n%s", full.example);
  cb_diag_format__put(
      o, "help",
      json_pack("{s:o, s:o}", "text",
                text.failed ? NULL
                            : cb_diag_format__jtext(tmp, cb_buf_cstr(&text)),
                "markdown", help_markdown(tmp, &full)),
      oom);
  cb_buf_free(&text);
  const char *lvl = ru->level && (strcmp(ru->level, "error") == 0 ||
                                  strcmp(ru->level, "warning") == 0)
                        ? ru->level
                        : "note";
  cb_diag_format__put(o, "defaultConfiguration",
                      json_pack("{s:s}", "level", lvl), oom);
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
static char *fingerprints(cb_diag_run *r) {
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
    ids[i].h1 = cb_hash__fnv1a_more(CB_FNV1A_START, k, key.len);
    ids[i].h2 = cb_hash__fnv1a_more(0x84222325cbf29ce4ULL, k, key.len);
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
    uint64_t a = cb_hash__fnv1a_more(ids[i].h1, occ, strlen(occ));
    uint64_t b = cb_hash__fnv1a_more(ids[i].h2, occ, strlen(occ));
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
    cb_diag_format__put(o, "startColumn", json_integer(col), &oom);
  if (o && end_col)
    cb_diag_format__put(o, "endColumn", json_integer(end_col), &oom);
  if (oom) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* The SARIF fix of g: its suggestion replacing the word fix_span finds. */
static json_t *sarif_fix(cb_diag_run *r, cb_buf *tmp, const cb_diag *g,
                         const char *path, int *oom) {
  uint32_t start, end;
  if (!cb_diag_format__fix_span(r, g, &start, &end))
    return NULL;
  size_t len;
  const char *line = cb_diag_format__source_line(r, g, &len);
  uint32_t c0 = cb_diag_format__code_point_col(line, len, start);
  uint32_t c1 = cb_diag_format__code_point_col(line, len, end);
  cb_buf desc = {0};
  cb_buf_puts(&desc, "Replace '");
  cb_buf_append(&desc, line + start - 1, end - start);
  cb_buf_printf(&desc, "' with '%s'", g->suggestion);
  json_t *fix = json_pack(
      "{s:{s:o}, s:[{s:o, s:[{s:o, s:{s:o}}]}]}", "description", "text",
      desc.failed ? NULL : cb_diag_format__jtext(tmp, cb_buf_cstr(&desc)),
      "artifactChanges", "artifactLocation", artifact(tmp, path, oom),
      "replacements", "deletedRegion", region(g->line, c0, c1),
      "insertedContent", "text", cb_diag_format__jtext(tmp, g->suggestion));
  cb_buf_free(&desc);
  if (!fix)
    *oom = 1;
  return fix;
}

static json_t *sarif_result(cb_diag_run *r, cb_buf *tmp, const cb_diag *g,
                            size_t index, const char *fingerprint, int *oom) {
  json_t *o = json_object();
  if (!o) {
    *oom = 1;
    return NULL;
  }
  cb_buf msg = {0};
  cb_buf_puts(&msg, g->message);
  if (g->suggestion)
    cb_buf_printf(&msg, " (did you mean '%s'?)", g->suggestion);
  cb_diag_format__put(o, "ruleId", cb_diag_format__jtext(tmp, g->rule), oom);
  cb_diag_format__put(o, "ruleIndex", json_integer((json_int_t)index), oom);
  cb_diag_format__put(o, "level",
                      json_string(cb_diag_format__level_name(g->level)), oom);
  cb_diag_format__put(
      o, "message",
      json_pack("{s:o}", "text",
                msg.failed ? NULL
                           : cb_diag_format__jtext(tmp, cb_buf_cstr(&msg))),
      oom);
  cb_buf_free(&msg);
  const char *path = cb_diag_format__located_path(r, g, 1);
  if (path) {
    json_t *phys = json_object();
    cb_diag_format__put(phys, "artifactLocation", artifact(tmp, path, oom),
                        oom);
    /* a finding about a whole file, the project directory or nothing in
     * particular points at the first line: code scanning wants a region */
    cb_diag_format__put(phys, "region",
                        g->line
                            ? region(g->line, cb_diag_format__char_col(r, g), 0)
                            : region(1, 0, 0),
                        oom);
    cb_diag_format__put(o, "locations",
                        json_pack("[{s:o}]", "physicalLocation", phys), oom);
  }
  cb_diag_format__put(o, "partialFingerprints",
                      json_pack("{s:s}", FINGERPRINT_KEY, fingerprint), oom);
  if (g->path) {
    json_t *fix = sarif_fix(r, tmp, g, path, oom);
    if (fix)
      cb_diag_format__put(o, "fixes", json_pack("[o]", fix), oom);
  }
  if (g->suppressed) /* a casebook-ignore with its reason */
    cb_diag_format__put(
        o, "suppressions",
        json_pack("[{s:s,s:o}]", "kind", "inSource", "justification",
                  cb_diag_format__jtext(tmp, g->suppressed)),
        oom);
  return o;
}

int cb_diag_format__sarif(FILE *fp, cb_diag_run *r) {
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
    cb_diag_format__push(jrules, sarif_rule_json(&tmp, &rules[i], &oom), &oom);
  for (size_t i = 0; results && i < r->n; i++) {
    const cb_diag *g = &r->d[i];
    cb_diag_format__push(results,
                         sarif_result(r, &tmp, g,
                                      rule_index(rules, n_rules, g->rule),
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
  err = cb_diag_format__dump(root, fp);
done:
  json_decref(root);
  cb_free(fps);
  cb_free(rules);
  cb_buf_free(&tmp);
  return err;
}
