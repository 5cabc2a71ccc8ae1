/* SPDX-License-Identifier: MIT */
/*
 * test_manifest.c: casebook.lua read as data: every known key, defaults
 * without a manifest, and each kind of problem as a diagnostic at the
 * right line (errors, runaway manifests, os, unknown keys, wrong types),
 * and the bounds on its strings and tables.
 */
#include <string.h>

#include "ctx.h"
#include "manifest.h"
#include "projtest.h"
#include "testlib.h"

/* Loads text as the manifest of a fresh context (file index 0). */
static cb_ctx *load(const char *text, cb_manifest **m) {
  cb_ctx *ctx = NULL;
  if (cb_ctx_new(&ctx, NULL) < 0)
    return NULL;
  /* diagnostics at file 0 need a file to point at */
  ctx->book.files = cb_arena_calloc(ctx->arena, 1, sizeof *ctx->book.files);
  ctx->book.files[0].path = "casebook.lua";
  ctx->book.files[0].text = text ? text : "";
  ctx->book.files[0].len = text ? strlen(text) : 0;
  ctx->book.n_files = 1;
  int rc = cb_manifest__load(ctx, &ctx->book.manifest, 0, text,
                             text ? strlen(text) : 0);
  CHECK_INT(rc, 0);
  *m = &ctx->book.manifest;
  return ctx;
}

/* The first diagnostic of rule (or any when rule is NULL), NULL if none. */
static const cb_diag *find_diag(cb_ctx *ctx, const char *rule) {
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  for (size_t i = 0; i < n; i++)
    if (!rule || strcmp(d[i].rule, rule) == 0)
      return &d[i];
  return NULL;
}

static size_t n_diags(cb_ctx *ctx) {
  size_t n;
  cb_ctx_diags(ctx, &n);
  return n;
}

static void test_absent(void) {
  cb_manifest *m;
  cb_ctx *ctx = load(NULL, &m);
  if (!ctx)
    return;
  CHECK_INT(m->present, 0);
  CHECK(m->title == NULL && m->version == NULL);
  CHECK_INT(m->kw_question.n, 1);
  CHECK_STR(m->kw_question.items[0], "Question");
  CHECK_STR(m->kw_criterion.items[0], "Criterion");
  CHECK_STR(m->kw_case.items[0], "Case");
  CHECK_INT(m->n_rules, 0);
  CHECK_INT(n_diags(ctx), 0);
  cb_ctx_free(ctx);
}

static void test_full(void) {
  const char *text =
      "-- a complete manifest\n"
      "title = \"Chat safety\"\n"
      "version = \"1.4.0\"\n"
      "chapters = { \"intro.md\", \"cases/*.md\" }\n"
      "exclude = \"drafts/*\"\n"
      "rules = {\n"
      "  [\"empty-rationale\"] = \"error\",\n"
      "  undemonstrated = \"off\",\n"
      "  no_inputs = { severity = \"note\", extra = 1 },\n"
      "  [\"bad-when\"] = false,\n"
      "}\n"
      "outputs = { html = true, argilla = false, [\"label-studio\"] = true }\n"
      "keywords = { question = { \"Frage\" }, [\"case\"] = { \"Case\", "
      "\"案例\", \"case\" } }\n"
      "fields = {\n"
      "  { name = \"prompt\", label = \"User prompt\" },\n"
      "  { name = \"answer\", kind = \"response\" },\n"
      "}\n"
      "unsafe_html = true\n"
      "local helper = 3 -- locals are not keys\n";
  cb_manifest *m;
  cb_ctx *ctx = load(text, &m);
  if (!ctx)
    return;
  CHECK_INT(n_diags(ctx), 0);
  if (n_diags(ctx))
    cb_diag_print(stderr, ctx, CB_FMT_GCC, 0);
  CHECK_INT(m->present, 1);
  CHECK_STR(m->title, "Chat safety");
  CHECK_STR(m->version, "1.4.0");
  CHECK_INT(m->chapters.n, 2);
  CHECK_STR(m->chapters.items[1], "cases/*.md");
  CHECK_INT(m->exclude.n, 1);
  CHECK_STR(m->exclude.items[0], "drafts/*");
  CHECK_INT(m->n_rules, 4);
  /* sorted by id, '_' read as '-' */
  CHECK_STR(m->rules[0].id, "bad-when");
  CHECK_INT(m->rules[0].severity, CB_SEV_OFF);
  CHECK_STR(m->rules[1].id, "empty-rationale");
  CHECK_INT(m->rules[1].severity, CB_SEV_ERROR);
  CHECK_INT(m->rules[1].loc.line, 7);
  CHECK_STR(m->rules[2].id, "no-inputs");
  CHECK_INT(m->rules[2].severity, CB_SEV_NOTE);
  CHECK_INT(m->rules[2].options_ref, -1);
  CHECK_INT(m->rules[2].loc.line, 9);
  CHECK_STR(m->rules[3].id, "undemonstrated");
  CHECK_INT(m->rules[3].severity, CB_SEV_OFF);
  CHECK_INT(m->outputs.n, 2);
  CHECK_STR(m->outputs.items[0], "html");
  CHECK_STR(m->outputs.items[1], "label-studio");
  CHECK_INT(m->kw_question.n, 2);
  CHECK_STR(m->kw_question.items[0], "Question");
  CHECK_STR(m->kw_question.items[1], "Frage");
  CHECK_INT(m->kw_case.n, 2); /* "Case" and "case" are one keyword */
  CHECK_STR(m->kw_case.items[1], "案例");
  CHECK_INT(m->kw_criterion.n, 1);
  CHECK_INT(m->n_fields, 2);
  CHECK_STR(m->fields[0].name, "prompt");
  CHECK_STR(m->fields[0].kind, "prompt");
  CHECK_STR(m->fields[0].label, "User prompt");
  CHECK_STR(m->fields[1].kind, "response");
  CHECK_STR(m->fields[1].label, "answer");
  CHECK_INT(m->unsafe_html, 1);
  CHECK_INT(cb_ctx__rule_severity(ctx, "empty-rationale"), CB_SEV_ERROR);
  cb_ctx_free(ctx);
}

static void test_returned_table(void) {
  cb_manifest *m;
  cb_ctx *ctx = load("return { title = 'From a table' }\n", &m);
  if (!ctx)
    return;
  CHECK_STR(m->title, "From a table");
  CHECK_INT(n_diags(ctx), 0);
  cb_ctx_free(ctx);
}

static void test_failures(void) {
  cb_manifest *m;
  cb_ctx *ctx = load("title = 'x'\nerror('on purpose')\n", &m);
  const cb_diag *d = ctx ? find_diag(ctx, "manifest-error") : NULL;
  CHECK(d != NULL);
  if (d) {
    CHECK_INT(d->level, CB_DIAG_ERROR);
    CHECK_INT(d->line, 2);
    CHECK(strstr(d->message, "on purpose") != NULL);
    /* "manifest: error: ..." said error twice on the printed line */
    CHECK(strncmp(d->message, "manifest: error", 15) != 0);
  }
  CHECK_INT(m->present, 1);
  CHECK_STR(m->kw_case.items[0], "Case"); /* defaults stay usable */
  cb_ctx_free(ctx);

  ctx = load("title = 'x'\n\nwhile true do end\n", &m);
  d = ctx ? find_diag(ctx, "manifest-error") : NULL;
  CHECK(d != NULL);
  if (d) {
    CHECK_INT(d->line, 3);
    CHECK(strstr(d->message, "instructions") != NULL);
  }
  cb_ctx_free(ctx);

  ctx = load("os.execute('touch /tmp/casebook-test-manifest-ran')\n", &m);
  d = ctx ? find_diag(ctx, "manifest-error") : NULL;
  CHECK(d != NULL);
  if (d)
    CHECK(strstr(d->message, "os") != NULL);
  cb_ctx_free(ctx);
  FILE *fp = fopen("/tmp/casebook-test-manifest-ran", "r");
  CHECK(fp == NULL);
  if (fp)
    fclose(fp);

  ctx = load("version = \"1.0\nchapters = {}\n", &m);
  d = ctx ? find_diag(ctx, "manifest-error") : NULL;
  CHECK(d != NULL);
  if (d) {
    CHECK_INT(d->line, 1);
    CHECK(strstr(d->message, "syntax error") != NULL);
  }
  cb_ctx_free(ctx);

  ctx = load("local t = {}\nfor i = 1, 1e8 do t[i] = ('x'):rep(100) .. i "
             "end\n",
             &m);
  d = ctx ? find_diag(ctx, "manifest-error") : NULL;
  CHECK(d != NULL);
  if (d)
    CHECK(strstr(d->message, "memory") != NULL ||
          strstr(d->message, "instructions") != NULL);
  cb_ctx_free(ctx);

  ctx = load("require('os')\n", &m);
  CHECK(ctx && find_diag(ctx, "manifest-error") != NULL);
  cb_ctx_free(ctx);
  ctx = load("load('\\27Lua')()\n", &m);
  CHECK(ctx && find_diag(ctx, "manifest-error") != NULL);
  cb_ctx_free(ctx);
}

static void test_keys(void) {
  cb_manifest *m;
  cb_ctx *ctx = load("titel = 'A typo'\n"
                     "version = '1.0'\n"
                     "colour = 'blue'\n"
                     "keywords = { qestion = { 'Frage' } }\n",
                     &m);
  if (!ctx)
    return;
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  CHECK_INT(n, 3);
  if (n == 3) {
    CHECK_STR(d[0].rule, "manifest-unknown-key");
    CHECK_INT(d[0].level, CB_DIAG_WARNING);
    CHECK_INT(d[0].line, 1);
    CHECK_STR(d[0].suggestion, "title");
    CHECK_STR(d[0].message, "manifest: unknown key 'titel'");
    CHECK_INT(d[1].line, 3);
    CHECK(d[1].suggestion == NULL);
    CHECK_INT(d[2].line, 4);
    CHECK_STR(d[2].suggestion, "question");
  }
  CHECK(m->title == NULL);
  CHECK_STR(m->version, "1.0");
  cb_ctx_free(ctx);
}

static void test_types(void) {
  cb_manifest *m;
  cb_ctx *ctx = load("title = 3\n"
                     "version = 1.10\n"
                     "chapters = { 'a.md', 2 }\n"
                     "rules = { ['x'] = 'loud', y = 5 }\n"
                     "unsafe_html = 'yes'\n"
                     "fields = { { name = 'p', kind = 'promt' } }\n"
                     "outputs = 7\n",
                     &m);
  if (!ctx)
    return;
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  int lines[8] = {0};
  for (size_t i = 0; i < n; i++) {
    CHECK_STR(d[i].rule, "manifest-error");
    CHECK_INT(d[i].level, CB_DIAG_ERROR);
    if (d[i].line < 8)
      lines[d[i].line]++;
  }
  for (int l = 1; l <= 7; l++)
    CHECK(lines[l] >= 1);
  const cb_diag *t = find_diag(ctx, NULL);
  CHECK(t && strstr(t->message, "'title'") != NULL);
  CHECK_INT(m->chapters.n, 1);
  CHECK_INT(m->n_rules, 0);
  CHECK_INT(m->n_fields, 0);
  CHECK_INT(m->unsafe_html, 0);
  cb_ctx_free(ctx);
}

static void test_key_line(void) {
  const char *t = "-- title = 'no'\n"
                  "local x = { title = 1 }\n"
                  "  title = 'yes'\n"
                  "rules = {\n"
                  "  [ \"a-b\" ] = 'off',\n"
                  "  c_d = 'note',\n"
                  "}\n"
                  "x == 1\n";
  uint32_t col;
  CHECK_INT(cb_manifest__key_line(t, strlen(t), "title", 1, 1, &col), 3);
  CHECK_INT(col, 3);
  CHECK_INT(cb_manifest__key_line(t, strlen(t), "title", 1, 0, &col), 1);
  CHECK_INT(cb_manifest__key_line(t, strlen(t), "a-b", 4, 0, &col), 5);
  CHECK_INT(col, 3);
  CHECK_INT(cb_manifest__key_line(t, strlen(t), "c_d", 4, 0, &col), 6);
  CHECK_INT(cb_manifest__key_line(t, strlen(t), "x", 1, 1, &col), 0);
  CHECK_INT(cb_manifest__key_line(t, strlen(t), "missing", 1, 0, &col), 0);
}



/* The bounds of manifest.h: each excess an error at its key, the key not
 * read; print a note; the work of one C call stopped by the budget. */
static void test_bounds(void) {
  cb_manifest *m;
  cb_ctx *ctx = load("version = '1'\n"
                     "title = string.rep('T', 7e6)\n"
                     "print('hi\\27]0;x', ('p'):rep(3000))\n",
                     &m);
  const cb_diag *d = ctx ? find_diag(ctx, "manifest-error") : NULL;
  CHECK(d != NULL);
  if (d) {
    CHECK_STR(d->message, "manifest: 'title' is 7000000 bytes long; at most "
                          "1000 are allowed");
    CHECK_INT(d->line, 2);
  }
  if (ctx) {
    CHECK(m->title == NULL);
    CHECK_STR(m->version, "1");
    d = find_diag(ctx, "manifest-print");
    CHECK(d != NULL);
    if (d) {
      CHECK_INT(d->level, CB_DIAG_NOTE);
      CHECK(strncmp(d->message, "manifest printed: hi\\x1B]0;x\\tppp", 32) ==
            0);
      CHECK(strstr(d->message, "ppp ... (") != NULL &&
            strstr(d->message, " more bytes not shown)") != NULL);
    }
  }
  cb_ctx_free(ctx);

  ctx = load("chapters = {}\nfor i = 1, 10001 do chapters[i] = 'c' .. i end\n"
             "exclude = { ('x'):rep(1001) }\n"
             "keywords = { question = { 'Q', ('k'):rep(2000) } }\n"
             "fields = {}\nfor i = 1, 101 do fields[i] = { name = 'f' .. i } "
             "end\n"
             "rules = { [('r'):rep(1001)] = 'off' }\n",
             &m);
  if (ctx) {
    CHECK(proj_find_diag(ctx, "manifest-error",
                       "manifest: 'chapters' has more than 10000 entries; at "
                       "most 10000 are allowed") != NULL);
    CHECK(proj_find_diag(ctx, "manifest-error",
                       "manifest: 'exclude' holds a string 1001 bytes long; "
                       "at most 1000 are allowed") != NULL);
    CHECK(proj_find_diag(ctx, "manifest-error",
                       "manifest: 'keywords' holds a string 2000 bytes "
                       "long") != NULL);
    CHECK(proj_find_diag(ctx, "manifest-error",
                       "manifest: 'fields' has more than 100 entries") !=
          NULL);
    CHECK(proj_find_diag(ctx, "manifest-error",
                       "manifest: 'rules' has a key 1001 bytes long") !=
          NULL);
    CHECK_INT(m->chapters.n, 0);
    CHECK_INT(m->exclude.n, 0);
    CHECK_INT(m->n_fields, 0);
    CHECK_INT(m->n_rules, 0);
    CHECK_STR(m->kw_question.items[0], "Question");
  }
  cb_ctx_free(ctx);

  /* many unknown keys: the first hundred, then a count */
  ctx = load("for i = 1, 5000 do _ENV['k' .. i] = i end\n", &m);
  if (ctx) {
    size_t n, unknown = 0;
    const cb_diag *all = cb_ctx_diags(ctx, &n);
    for (size_t i = 0; i < n; i++)
      unknown += strcmp(all[i].rule, "manifest-unknown-key") == 0;
    CHECK_INT(unknown, 101);
    CHECK(proj_find_diag(ctx, "manifest-unknown-key",
                       "manifest: 4900 more unknown keys not shown") != NULL);
  }
  cb_ctx_free(ctx);

  /* work inside one C call: the budget stops it */
  static const char *const attacks[] = {
      "title = string.find(('a'):rep(3e4), ('a*'):rep(30) .. 'b')\n",
      "title = string.rep('', 2^50)\nversion = table.move({}, 1, 2^50, 2)\n",
  };
  for (size_t i = 0; i < 2; i++) {
    ctx = load(attacks[i], &m);
    d = ctx ? find_diag(ctx, "manifest-error") : NULL;
    CHECK(d != NULL);
    if (d)
      CHECK(strstr(d->message, "stopped after 1000000 instructions") != NULL);
    cb_ctx_free(ctx);
  }
}

static void test_alloc_failures(void) {
  const char *text = "title = 'T'\nrules = { a = 'off', b = { severity = "
                     "'note' } }\nkeywords = { case = { 'Fall' } }\n";
  int done = 0;
  for (test_sweep s = test_sweep_start(1, 1); s.n < 600;
       test_sweep_next(&s)) {
    cb_ctx *ctx = NULL;
    if (cb_ctx_new(&ctx, NULL) < 0)
      continue;
    cb_alloc_fail_after(s.n);
    int rc = cb_manifest__load(ctx, &ctx->book.manifest, UINT32_MAX, text,
                               strlen(text));
    cb_alloc_fail_after(0);
    CHECK(rc == 0 || rc == CB_ENOMEM);
    if (rc == 0)
      done++;
    cb_ctx_free(ctx);
  }
  CHECK(done > 0);
}

int main(void) {
  test_bounds();
  test_absent();
  test_full();
  test_returned_table();
  test_failures();
  test_keys();
  test_types();
  test_key_line();
  test_alloc_failures();
  return test_report("manifest");
}
