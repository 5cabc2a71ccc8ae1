/* SPDX-License-Identifier: MIT */
/*
 * test_check.c: the Lua rules end to end. Every built-in rule has a small
 * casebook under casebooks/tests/rules/RULE-ID/ whose expected.txt holds
 * the exact `path:line:col: level: message [rule]` lines of that rule;
 * this test checks them, then runs hostile project rules (loops, memory,
 * errors of every shape, writes to the book), the rule registry, and the
 * bounds on what rules report (caps, lengths, print, memory refused while
 * findings are recorded).
 * Run from the repository root (tests/run.sh does).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "projtest.h"
#include "testlib.h"

#define RULES_DIR "casebooks/tests/rules"

/* Loads and checks dir; returns the context (caller frees). */
static cb_ctx *check_dir(const char *dir) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  if (cb_ctx_new(&ctx, NULL) < 0)
    return NULL;
  int rc = cb_book_load(&book, ctx, dir);
  CHECK_INT(rc, 0);
  if (rc == 0)
    CHECK_INT(cb_book_check(ctx, book), 0);
  return ctx;
}

static const char *level_name(cb_diag_level l) {
  return l == CB_DIAG_ERROR ? "error" : l == CB_DIAG_WARNING ? "warning"
                                                             : "note";
}

/* The first lines of the diagnostics of rule (all when NULL), as printed
 * by `casebook check`, one per line (cb_malloc'd). */
static char *diag_lines(cb_ctx *ctx, const char *rule) {
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  cb_buf b = {0};
  for (size_t i = 0; i < n; i++) {
    if (rule && strcmp(d[i].rule, rule) != 0)
      continue;
    if (d[i].path)
      cb_buf_printf(&b, "%s:%u:%u: ", d[i].path, d[i].line,
                    d[i].col ? d[i].col : 1);
    else
      cb_buf_puts(&b, "casebook: ");
    cb_buf_printf(&b, "%s: %s [%s]\n", level_name(d[i].level), d[i].message,
                  d[i].rule);
  }
  char *s = cb_strdup(cb_buf_cstr(&b));
  cb_buf_free(&b);
  return s;
}

static char *read_text(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  cb_buf b = {0};
  char chunk[4096];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
    cb_buf_append(&b, chunk, got);
  fclose(fp);
  char *s = cb_strdup(cb_buf_cstr(&b));
  cb_buf_free(&b);
  return s;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every casebooks/tests/rules/ID/: the lines of rule ID are expected.txt. */
static void test_rule_casebooks(void) {
  DIR *d = opendir(RULES_DIR);
  CHECK(d != NULL);
  if (!d)
    return;
  char *names[64];
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < 64)
    if (de->d_name[0] != '.')
      names[n++] = cb_strdup(de->d_name);
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  CHECK(n >= 21);
  for (size_t i = 0; i < n; i++) {
    char dir[256], expected_path[300];
    snprintf(dir, sizeof dir, "%s/%s", RULES_DIR, names[i]);
    snprintf(expected_path, sizeof expected_path, "%s/expected.txt", dir);
    char *expected = read_text(expected_path);
    CHECK(expected != NULL && *expected);
    cb_ctx *ctx = check_dir(dir);
    if (ctx && expected) {
      char *got = diag_lines(ctx, names[i]);
      if (strcmp(got, expected) != 0)
        fprintf(stderr, "rule %s:\n--- expected\n%s--- got\n%s", names[i],
                expected, got);
      CHECK(strcmp(got, expected) == 0);
      /* no rule of the project failed */
      char *failures = diag_lines(ctx, "rule-error");
      CHECK_STR(failures, "");
      cb_free(failures);
      cb_free(got);
    }
    cb_free(expected);
    cb_ctx_free(ctx);
    cb_free(names[i]);
  }
}

static const char *BOOK =
    "# Book\n"
    "\n"
    "## Question harm: Is it harmful?\n"
    "\n"
    "| Option | Meaning |\n"
    "|--------|---------|\n"
    "| safe   | Fine.   |\n"
    "| bad    | Not.    |\n"
    "\n"
    "## Question issues: Which issues?\n"
    "\n"
    "- type: multi\n"
    "- required: no\n"
    "\n"
    "| Option | Meaning |\n"
    "|--------|---------|\n"
    "| tone   | Tone.   |\n"
    "| length | Length. |\n"
    "\n"
    "## Question over-refusal: Is it an over-refusal?\n"
    "\n"
    "- required: no\n"
    "- when: has(issues, \"tone\") and issues.length and harm == \"safe\"\n"
    "\n"
    "| Option | Meaning |\n"
    "|--------|---------|\n"
    "| yes    | Yes.    |\n"
    "\n"
    "## Question follow: Follows up?\n"
    "\n"
    "- type: text\n"
    "- required: no\n"
    "- when: over_refusal == \"yes\"\n"
    "\n"
    "## Case c1: A case\n"
    "\n"
    "```prompt\n"
    "Hello.\n"
    "```\n"
    "\n"
    "- harm: safe\n"
    "- issues: tone, length\n"
    "- over-refusal: yes\n"
    "- follow: fine\n"
    "\n"
    "Because.\n"
    "\n"
    "## Question extra: Anything else?\n"
    "\n"
    "- type: text\n"
    "- required: no\n";

static void test_hostile_rules(void) {
  const char *dir = proj_new();
  proj_write(dir, "book.md", BOOK, -1);
  proj_write(dir, "rules/a-loop.lua",
             "return { id = 'a-loop', check = function(book, report)\n"
             "  while true do end\n"
             "end }\n",
             -1);
  proj_write(dir, "rules/b-swallow.lua",
             "return { id = 'b-swallow', check = function(book, report)\n"
             "  while true do\n"
             "    pcall(function() while true do end end)\n"
             "  end\n"
             "end }\n",
             -1);
  proj_write(dir, "rules/c-memory.lua",
             "return { id = 'c-memory', check = function(book, report)\n"
             "  local t = {}\n"
             "  for i = 1, 1e9 do t[i] = string.rep('x', 4096) .. i end\n"
             "end }\n",
             -1);
  proj_write(dir, "rules/d-table-error.lua",
             "return { id = 'd-table-error', check = function(book, report)\n"
             "  local x = 1\n"
             "  error({ 1, 2 })\n"
             "end }\n",
             -1);
  proj_write(dir, "rules/e-garbage.lua", "return 42\n", -1);
  proj_write(dir, "rules/f-syntax.lua", "return {\n  id = = 1\n}\n", -1);
  proj_write(dir, "rules/g-writer.lua",
             "return { id = 'g-writer', severity = 'note',\n"
             "  check = function(book, report)\n"
             "    local c = book.cases[1]\n"
             "    local ok1 = pcall(function() c.id = 'x' end)\n"
             "    local ok2 = pcall(rawset, c, 'id', 'x')\n"
             "    local ok3 = pcall(table.insert, book.cases, {})\n"
             "    local ok4 = pcall(setmetatable, c, {})\n"
             "    local n = 0\n"
             "    for k in pairs(c) do n = n + 1 end\n"
             "    local m = 0\n"
             "    for _ in ipairs(book.questions) do m = m + 1 end\n"
             "    string.upper = nil\n"
             "    report { at = c, message = string.format(\n"
             "      '%s %s %s %s %s %d %d %s', tostring(ok1), tostring(ok2),\n"
             "      tostring(ok3), tostring(ok4), c.id, #book.cases, m,\n"
             "      tostring(n > 10)) }\n"
             "  end }\n",
             -1);
  proj_write(dir, "rules/h-fine.lua",
             "return { id = 'h-fine', severity = 'warning',\n"
             "  check = function(book, report, options)\n"
             "    local q = book.questions_by_id['over-refusal']\n"
             "    local f = book.questions_by_id['follow']\n"
             "    local c = book.cases[1]\n"
             "    report { at = c.answers[1], message = string.format(\n"
             "      'when %s %s upper %s max %s', tostring(casebook.eval_when(q, c)),\n"
             "      tostring(casebook.eval_when(f, c)), ('a'):upper(),\n"
             "      tostring(options.max)), suggestion = 'x' }\n"
             "    report(nil, 'no position')\n"
             "    report({ file = 'rules/h-fine.lua', line = 2, col = 3 }, 'in "
             "the rule file')\n"
             "  end }\n",
             -1);
  proj_write(dir, "rules/i-off.lua",
             "return { id = 'i-off', check = function(book, report)\n"
             "  while true do end\n"
             "end }\n",
             -1);
  proj_write(dir, "rules/j-duplicate.lua",
             "return { id = 'h-fine', check = function() end }\n", -1);
  proj_write(dir, "casebook.lua",
             "rules = { ['i-off'] = 'off', h_fine = { max = 3 },\n"
             "          ['g-writer'] = 'warning' }\n",
             -1);
  cb_ctx *ctx = check_dir(dir);
  if (!ctx) {
    proj_remove(dir);
    return;
  }
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  int seen_loop = 0, seen_swallow = 0, seen_mem = 0, seen_table = 0,
      seen_garbage = 0, seen_syntax = 0, seen_writer = 0, seen_fine = 0,
      seen_nopos = 0, seen_rulefile = 0, seen_dup = 0;
  for (size_t i = 0; i < n; i++) {
    const cb_diag *g = &d[i];
    const char *p = g->path ? g->path : "";
    CHECK(strcmp(g->rule, "i-off") != 0);
    CHECK(!strstr(p, "i-off.lua"));
    if (strcmp(g->rule, "rule-error") == 0) {
      CHECK_INT(g->level, CB_DIAG_ERROR);
      if (strstr(p, "rules/a-loop.lua") && g->line == 2 &&
          strstr(g->message, "instruction budget"))
        seen_loop = 1;
      if (strstr(p, "rules/b-swallow.lua") && g->line >= 2 && g->line <= 4 &&
          strstr(g->message, "instruction budget"))
        seen_swallow = 1;
      if (strstr(p, "rules/c-memory.lua") &&
          strstr(g->message, "memory limit"))
        seen_mem = 1;
      if (strstr(p, "rules/d-table-error.lua") && g->line == 3 &&
          strstr(g->message, "table value"))
        seen_table = 1;
      if (strstr(p, "rules/e-garbage.lua") && g->line == 1)
        seen_garbage = 1;
      if (strstr(p, "rules/f-syntax.lua") && g->line == 2)
        seen_syntax = 1;
      if (strstr(p, "rules/j-duplicate.lua") &&
          strstr(g->message, "already defined"))
        seen_dup = 1;
    }
    if (strcmp(g->rule, "g-writer") == 0) {
      CHECK_INT(g->level, CB_DIAG_WARNING); /* the manifest's severity */
      CHECK_STR(g->message, "false false false false c1 1 5 true");
      seen_writer = 1;
    }
    if (strcmp(g->rule, "h-fine") == 0) {
      if (strstr(g->message, "when ")) {
        CHECK_STR(g->message, "when true true upper A max 3");
        CHECK_STR(g->suggestion, "x");
        CHECK_INT(g->line, 41);
        CHECK_INT(g->col, 3);
        CHECK_STR(g->element, "c1");
        seen_fine = 1;
      }
      if (strcmp(g->message, "no position") == 0 && g->path == NULL)
        seen_nopos = 1;
      if (strstr(p, "rules/h-fine.lua") && g->line == 2 && g->col == 3)
        seen_rulefile = 1;
    }
  }
  CHECK(seen_loop);
  CHECK(seen_swallow);
  CHECK(seen_mem);
  CHECK(seen_table);
  CHECK(seen_garbage);
  CHECK(seen_syntax);
  CHECK(seen_writer);
  CHECK(seen_fine);
  CHECK(seen_nopos);
  CHECK(seen_rulefile);
  CHECK(seen_dup);
  if (!(seen_loop && seen_swallow && seen_mem && seen_table && seen_writer &&
        seen_fine))
    cb_diag_print(stderr, ctx, CB_FMT_GCC, 0);
  cb_ctx_free(ctx);
  proj_remove(dir);
}

static void test_when(void) {
  const char *dir = proj_new();
  proj_write(dir, "book.md", BOOK, -1);
  proj_write(dir, "rules/probe.lua",
             "local function show(v, e) return tostring(v) .. (e and ' ' .. e or '') end\n"
             "return { id = 'probe', severity = 'note',\n"
             "  check = function(book, report)\n"
             "    local c = book.cases[1]\n"
             "    local function ev(w) return show(casebook.eval_when({ when = w }, c)) end\n"
             "    report(c, ev('harm == \"safe\"'))\n"
             "    report(c, ev('issues.tone and #issues == 2'))\n"
             "    report(c, ev('hram == 1'))\n"
             "    report(c, ev('nothing_here'))\n"
             "    report(c, ev('harm ==')) \n"
             "    report(c, ev('(function() zzz = 1 end)()'))\n"
             "    report(c, ev('string.upper(harm) == \"SAFE\"'))\n"
             "    report(c, show(casebook.compile_when({ when = 'a +' })))\n"
             "    report(c, show(casebook.suggest('harmfull', { 'safe', 'harmful' })))\n"
             "    report(c, ev('extra == nil'))\n"
             "    report(c, ev('not (extra ~= \"x\")'))\n"
             "    report(c, ev('harm == \"safe\" or extra == 1'))\n"
             "    report(c, show(casebook.compile_when({ when = 'extra > 1 and hram == 1' })))\n"
             "    report(c, show(casebook.compile_when({ when = '_ENV[\"over-refusal\"] == \"x\" and (function(y) return y end)(extra) and (\"a\" .. over_refusal):len() > 1 -- zzz' })))\n"
             "    local own = { answers = { { question = 'harm', kind = 'option', items = { 'safe' } },\n"
             "      { question = 'issues', kind = 'options', items = { 'tone' } },\n"
             "      { question = 'harm', response = 'B', kind = 'option', items = { 'bad' } } } }\n"
             "    report(c, show(casebook.eval_when({ when = 'harm == \"safe\" and \"tone\" in issues and not issues.length' }, own)))\n"
             "    report(c, show(casebook.eval_when({ when = 'harm == \"bad\"' }, own, 'B')))\n"
             "  end }\n",
             -1);
  cb_ctx *ctx = check_dir(dir);
  if (ctx) {
    char *got = diag_lines(ctx, "probe");
    const char *want_tail[] = {
        "note: true [probe]",
        "note: true [probe]",
        "note: nil 'hram' is not a question (did you mean 'harm'?) [probe]",
        "note: nil 'nothing_here' is not a question [probe]",
        "note: nil the when ends after `==`: a value is missing [probe]",
        "note: nil a when cannot define functions: `function` [probe]",
        "note: nil a when cannot call functions: `string.upper(...)` [probe]",
        "note: nil a when has no arithmetic: `+` [probe]",
        "note: harmful [probe]",
        "note: nil a when cannot use `nil`: reading an unanswered question "
        "makes the when false (write the answer alone for \"answered\") "
        "[probe]",
        "note: false [probe]",
        "note: true [probe]",
        "note: nil 'hram' is not a question (did you mean 'harm'?) [probe]",
        "note: nil a when cannot define functions: `function` [probe]",
        "note: true [probe]",
        "note: true [probe]",
        NULL};
    const char *p = got;
    for (int i = 0; want_tail[i]; i++) {
      const char *nl = strchr(p, '\n');
      if (!nl) {
        CHECK(!"too few probe lines");
        break;
      }
      size_t len = (size_t)(nl - p), wl = strlen(want_tail[i]);
      int ok = len >= wl && memcmp(p + len - wl, want_tail[i], wl) == 0;
      if (!ok)
        fprintf(stderr, "want ...%s\n got %.*s\n", want_tail[i], (int)len, p);
      CHECK(ok);
      p = nl + 1;
    }
    cb_free(got);
  }
  cb_ctx_free(ctx);
  proj_remove(dir);
}

static void test_registry(void) {
  cb_ctx *ctx = NULL;
  const cb_rule_info *rules = NULL;
  size_t n = 0;
  CHECK(cb_ctx_new(&ctx, NULL) == 0);
  if (!ctx)
    return;
  CHECK_INT(cb_rules_list(&rules, &n, ctx, NULL), 0);
  CHECK(n >= 21);
  static const char *const ids[] = {
      "unknown-question", "unknown-criterion", "unknown-option",
      "scale-out-of-range", "required-unanswered", "not-applicable",
      "bad-when", "duplicate-id", "mixed-property-list",
      "answers-in-two-places", "malformed-rank", "malformed-pairwise",
      "malformed-answer", "bad-property", "no-options", "response-table",
      "broken-link", "empty-rationale", "undemonstrated", "contradiction",
      "no-inputs", NULL};
  for (int k = 0; ids[k]; k++) {
    int found = 0;
    for (size_t i = 0; i < n; i++)
      if (strcmp(rules[i].id, ids[k]) == 0) {
        found = 1;
        CHECK(rules[i].summary && *rules[i].summary);
        CHECK(rules[i].rationale && *rules[i].rationale);
        CHECK(rules[i].example && *rules[i].example);
        CHECK(strncmp(rules[i].file, "rules/", 6) == 0);
        CHECK(!strcmp(rules[i].severity, "error") ||
              !strcmp(rules[i].severity, "warning") ||
              !strcmp(rules[i].severity, "note"));
      }
    if (!found)
      fprintf(stderr, "no built-in rule %s\n", ids[k]);
    CHECK(found);
  }
  cb_ctx_free(ctx);

  /* with a book: the project's rules are listed too */
  const char *dir = proj_new();
  proj_write(dir, "book.md", BOOK, -1);
  proj_write(dir, "rules/mine.lua",
             "return { id = 'mine', severity = 'error', summary = 'Mine.',\n"
             "  check = function() end }\n",
             -1);
  ctx = NULL;
  const cb_book *book = NULL;
  CHECK(cb_ctx_new(&ctx, NULL) == 0);
  if (ctx && cb_book_load(&book, ctx, dir) == 0) {
    CHECK_INT(cb_rules_list(&rules, &n, ctx, book), 0);
    int found = 0;
    for (size_t i = 0; i < n; i++)
      if (strcmp(rules[i].id, "mine") == 0) {
        found = 1;
        CHECK_STR(rules[i].summary, "Mine.");
        CHECK_STR(rules[i].file, "rules/mine.lua");
      }
    CHECK(found);
  }
  cb_ctx_free(ctx);
  proj_remove(dir);
}


/* Counts the diagnostics of rule (and, when level >= 0, of that level). */
static size_t count_rule(cb_ctx *ctx, const char *rule, int level) {
  size_t n, k = 0;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(d[i].rule, rule) == 0 && (level < 0 || (int)d[i].level == level))
      k++;
  return k;
}


/* Bounded output: the caps per rule and in all, with a note that counts
 * what was not shown at the highest level among it; the length of
 * messages, suggestions and element ids; print as an escaped note. */
static void test_output_caps(void) {
  const char *dir = proj_new();
  proj_write(dir, "book.md", BOOK, -1);
  proj_write(dir, "rules/flood.lua",
             "return { id = 'flood', check = function(book, report)\n"
             "  for i = 1, 10200 do report(nil, 'w' .. i) end\n"
             "  for i = 1, 300 do\n"
             "    report { message = 'e' .. i, severity = 'error' }\n"
             "  end\n"
             "end }\n",
             -1);
  proj_write(dir, "rules/long.lua",
             "return { id = 'long', check = function(book, report)\n"
             "  report { at = book.cases[1], message = ('\\u{e9}'):rep(3000),\n"
             "           suggestion = ('s'):rep(300),\n"
             "           element = ('e'):rep(300) }\n"
             "  report({ file = ('d/'):rep(200), line = 1 }, 'far')\n"
             "  print('x\\27[31m', 1) print('::stop-commands::')\n"
             "end }\n",
             -1);
  /* six rules of 10,000 findings: the last one is past the total */
  char name[64], text[300];
  for (int i = 0; i < 6; i++) {
    snprintf(name, sizeof name, "rules/z%02d.lua", i);
    snprintf(text, sizeof text,
             "return { id = 'z%02d', check = function(book, report)\n"
             "  for i = 1, 10000 do report(nil, 'n' .. i) end\n"
             "end }\n",
             i);
    proj_write(dir, name, text, -1);
  }
  cb_ctx *ctx = check_dir(dir);
  if (!ctx) {
    proj_remove(dir);
    return;
  }
  CHECK_INT(count_rule(ctx, "flood", CB_DIAG_WARNING), 10000);
  CHECK_INT(count_rule(ctx, "flood", CB_DIAG_ERROR), 1);
  const cb_diag *more = proj_find_diag(ctx, "flood", "500 more");
  CHECK(more != NULL);
  if (more) {
    CHECK_STR(more->message, "500 more findings of rule 'flood' not shown "
                             "(at most 10000 of a rule and 50000 in all "
                             "are)");
    CHECK_INT(more->level, CB_DIAG_ERROR); /* so the build still fails */
    CHECK(more->path && strstr(more->path, "rules/flood.lua"));
    CHECK_INT(more->line, 1);
  }
  const cb_diag *lg = proj_find_diag(ctx, "long", "\xc3\xa9");
  CHECK(lg != NULL);
  if (lg) {
    CHECK_INT(strlen(lg->message), 1000 + 3);
    CHECK(strcmp(lg->message + 1000, "...") == 0);
    CHECK(lg->suggestion == NULL);
    CHECK(lg->element == NULL);
  }
  const cb_diag *far = proj_find_diag(ctx, "long", "far");
  CHECK(far != NULL && far->path == NULL);
  const cb_diag *printed = proj_find_diag(ctx, "rule-print", "rule 'long'");
  CHECK(printed != NULL);
  if (printed) {
    CHECK_STR(printed->message, "rule 'long' printed: x\\x1B[31m\\t1\\n"
                                "::stop-commands::");
    CHECK_INT(printed->level, CB_DIAG_NOTE);
    CHECK_INT(printed->line, 1);
  }
  /* 50,000 shown in all: the first z rules show all of theirs, the last
   * one none, and what each did not show is counted */
  size_t all = 0, n_diags;
  const cb_diag *d = cb_ctx_diags(ctx, &n_diags);
  for (size_t i = 0; i < n_diags; i++)
    if (!strstr(d[i].message, " more finding") &&
        strcmp(d[i].rule, "rule-print") != 0)
      all++;
  CHECK(all >= 50000 && all < 50000 + 20); /* + the loader's own */
  CHECK_INT(count_rule(ctx, "z00", -1), 10000);
  CHECK_INT(count_rule(ctx, "z05", -1), 1);
  CHECK(proj_find_diag(ctx, "z05", "10000 more findings of rule 'z05'") != NULL);
  size_t z_total = 0;
  for (int i = 0; i < 6; i++) {
    snprintf(name, sizeof name, "z%02d", i);
    for (size_t k = 0; k < n_diags; k++) {
      if (strcmp(d[k].rule, name) != 0)
        continue;
      if (strstr(d[k].message, " more finding"))
        z_total += strtoul(d[k].message, NULL, 10);
      else
        z_total++;
    }
  }
  CHECK_INT(z_total, 60000);
  cb_ctx_free(ctx);
  proj_remove(dir);
}

/* Memory refused while findings are recorded: the check fails, or every
 * finding is there (or the rule's failure is), never a quiet loss. */
static void test_findings_memory(void) {
  const char *dir = proj_new();
  proj_write(dir, "book.md", BOOK, -1);
  proj_write(dir, "rules/some.lua",
             "return { id = 'some', check = function(book, report)\n"
             "  for i = 1, 40 do report(nil, 'finding ' .. i) end\n"
             "end }\n",
             -1);
  int failed = 0, complete = 0, quiet_loss = 0;
  for (test_sweep s = test_sweep_start(1, 3); s.n < 400;
       test_sweep_next(&s)) {
    long n = s.n;
    cb_ctx *ctx = NULL;
    const cb_book *book = NULL;
    if (cb_ctx_new(&ctx, NULL) < 0)
      continue;
    if (cb_book_load(&book, ctx, dir) == 0) {
      cb_alloc_fail_after(n);
      int rc = cb_book_check(ctx, book);
      cb_alloc_fail_after(0);
      size_t got = count_rule(ctx, "some", -1);
      if (rc < 0)
        failed++;
      else if (got == 40 || count_rule(ctx, "rule-error", -1) > 0)
        complete++;
      else
        quiet_loss++;
    }
    cb_ctx_free(ctx);
  }
  CHECK_INT(quiet_loss, 0);
  CHECK(failed > 0);
  CHECK(complete > 0);
  proj_remove(dir);
}


/* Suggestions: casebook.suggest and casebook.suggester agree with
 * cb_suggest; a suggestion among 4,000 long candidates takes a bounded
 * time. The distance itself is tested in test_suggest.c. */
static void test_suggest(void) {
  static const char *const opts[] = {"harmful", "harmless", "safe",
                                     "borderline", "Harmful", "harm", NULL};
  static const char *const words[] = {"harmfull", "harmles", "saf", "sfe",
                                      "borderlin", "HARM", "xyz", "harm",
                                      "harmfu", ""};
  const char *dir = proj_new();
  proj_write(dir, "book.md", BOOK, -1);
  char rule[2048];
  size_t k = (size_t)snprintf(
      rule, sizeof rule,
      "local opts = {'harmful', 'harmless', 'safe', 'borderline', "
      "'Harmful', 'harm'}\n"
      "return { id = 'sugg', check = function(book, report)\n"
      "  local s = casebook.suggester(opts)\n"
      "  for _, w in ipairs({");
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    k += (size_t)snprintf(rule + k, sizeof rule - k, "'%s', ", words[i]);
  snprintf(rule + k, sizeof rule - k,
           "}) do\n"
           "    report(nil, w .. '=' .. tostring(casebook.suggest(w, opts)) "
           ".. '/' .. tostring(s(w)))\n"
           "  end\n"
           "  local many, big = {}, {}\n"
           "  for i = 1, 4000 do\n"
           "    many[i] = ('o%%04d-abcdefghijklmnopqrstuvwxyz-abcdefghijklmnop')"
           ":format(i)\n"
           "  end\n"
           "  local s2 = casebook.suggester(many)\n"
           "  for i = 1, 4000 do\n"
           "    big[i] = tostring(s2(('u%%04d-abcdefghijklmnopqrstuvwxyz-"
           "abcdefghijklmnop'):format(i)))\n"
           "  end\n"
           "  report(nil, 'big ' .. #big .. ' ' .. big[1] .. ' ' .. big[2])\n"
           "end }\n");
  proj_write(dir, "rules/sugg.lua", rule, -1);
  cb_ctx *ctx = check_dir(dir);
  if (ctx) {
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
      const char *want = cb_suggest(words[i], opts, 6);
      char line[200];
      snprintf(line, sizeof line, "%s=%s/%s", words[i], want ? want : "nil",
               want ? want : "nil");
      CHECK(proj_find_diag(ctx, "sugg", line) != NULL);
      if (!proj_find_diag(ctx, "sugg", line))
        fprintf(stderr, "  missing: %s\n", line);
    }
    /* the nearest of the first 200 of one length: a suggestion compares a
     * bounded number of candidates */
    CHECK(proj_find_diag(ctx, "sugg", "big 4000 o0001-abcdefghijklmnopqrstuvwxyz-"
                                 "abcdefghijklmnop o0002-") != NULL);
    CHECK_INT(count_rule(ctx, "rule-error", -1), 0);
  }
  cb_ctx_free(ctx);
  proj_remove(dir);
}

int main(void) {
  test_rule_casebooks();
  test_hostile_rules();
  test_when();
  test_registry();
  test_output_caps();
  test_findings_memory();
  test_suggest();
  return test_report("check");
}
