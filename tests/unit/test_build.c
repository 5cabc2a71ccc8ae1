/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of `build` through the public API on the example
 * casebook: no errors, outputs byte-identical from one run to the next,
 * gold.jsonl carrying every input byte for byte, rubric.json complete.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "casebook/casebook.h"
#include "projtest.h"
#include "testlib.h"

#define EXAMPLE "casebooks/chat-safety"

/* Compares every file of directory a with the same file in b (and the
 * other way round, by count). Returns the number of files compared, -1 on
 * a difference. */
static int same_tree(const char *a, const char *b) {
  DIR *d = opendir(a);
  int n = 0;
  if (!d)
    return -1;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char pa[1024], pb[1024];
    snprintf(pa, sizeof pa, "%s/%s", a, e->d_name);
    snprintf(pb, sizeof pb, "%s/%s", b, e->d_name);
    struct stat st;
    if (stat(pa, &st) < 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      int k = same_tree(pa, pb);
      if (k < 0) {
        n = -1;
        break;
      }
      n += k;
      continue;
    }
    size_t la = 0, lb = 0;
    char *da = proj_read(pa, &la), *db = proj_read(pb, &lb);
    int same = da && db && la == lb && memcmp(da, db, la) == 0;
    free(da);
    free(db);
    if (!same) {
      fprintf(stderr, "differs: %s\n", pa);
      n = -1;
      break;
    }
    n++;
  }
  closedir(d);
  return n;
}

static void test_example(void) {
  cb_ctx *ctx;
  const cb_book *b;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK_INT(cb_book_load(&b, ctx, EXAMPLE), 0);
  if (!b)
    return;
  const char *dir = proj_new();
  char out1[512], out2[512];
  snprintf(out1, sizeof out1, "%s/one", dir);
  snprintf(out2, sizeof out2, "%s/two", dir);
  CHECK_INT(cb_book_check_and_emit(ctx, b, out1), 0);
  size_t errors, warnings, notes;
  cb_ctx_diag_counts(ctx, &errors, &warnings, &notes);
  CHECK_INT(errors, 0);
  CHECK_INT(warnings, 0);
  CHECK(b->n_cases >= 20);

  /* a second, separate compilation gives the same bytes */
  cb_ctx *ctx2;
  const cb_book *b2;
  CHECK_INT(cb_ctx_new(&ctx2, NULL), 0);
  CHECK_INT(cb_book_load(&b2, ctx2, EXAMPLE), 0);
  CHECK_INT(cb_book_check(ctx2, b2), 0);
  CHECK_INT(cb_book_emit(ctx2, b2, out2), 0);
  int files = same_tree(out1, out2);
  CHECK(files >= 10);
  cb_ctx_free(ctx2);

  /* gold.jsonl: one line per final case, inputs byte for byte */
  char path[600];
  snprintf(path, sizeof path, "%s/gold.jsonl", out1);
  size_t len = 0;
  char *gold = proj_read(path, &len);
  CHECK(gold != NULL);
  size_t k = 0, lines = 0, inputs = 0, exact = 0;
  for (char *line = gold; gold && line && *line; lines++) {
    char *nl = strchr(line, '\n');
    if (nl)
      *nl = '\0';
    json_error_t jerr;
    json_t *rec = json_loads(line, 0, &jerr);
    CHECK(rec != NULL);
    while (k < b->n_cases && b->cases[k].status != CB_STATUS_FINAL)
      k++;
    if (rec && k < b->n_cases) {
      const cb_case *c = &b->cases[k];
      CHECK_STR(json_string_value(json_object_get(rec, "id")), c->id);
      json_t *ins = json_object_get(rec, "inputs");
      CHECK_INT(json_array_size(ins), c->n_inputs);
      for (size_t i = 0; i < c->n_inputs && i < json_array_size(ins); i++) {
        json_t *t = json_object_get(json_array_get(ins, i), "text");
        inputs++;
        exact += json_string_length(t) == c->inputs[i].len &&
                 memcmp(json_string_value(t), c->inputs[i].text,
                        c->inputs[i].len) == 0;
      }
      k++;
    }
    json_decref(rec);
    line = nl ? nl + 1 : NULL;
  }
  size_t finals = 0;
  for (size_t i = 0; i < b->n_cases; i++)
    finals += b->cases[i].status == CB_STATUS_FINAL;
  CHECK_INT(lines, finals);
  CHECK(inputs > 40);
  CHECK_INT(exact, inputs);
  free(gold);

  /* rubric.json: every question with its options */
  snprintf(path, sizeof path, "%s/rubric.json", out1);
  json_error_t jerr;
  json_t *rubric = json_load_file(path, 0, &jerr);
  CHECK(rubric != NULL);
  json_t *qs = json_object_get(rubric, "questions");
  CHECK_INT(json_array_size(qs), b->n_questions);
  for (size_t i = 0; i < json_array_size(qs) && i < b->n_questions; i++) {
    json_t *q = json_array_get(qs, i);
    CHECK_STR(json_string_value(json_object_get(q, "id")), b->questions[i].id);
    CHECK_INT(json_array_size(json_object_get(q, "options")),
              b->questions[i].n_options);
  }
  json_decref(rubric);
  cb_ctx_free(ctx);
  proj_remove(dir);
}

/* Builds a one-chapter project (manifest text may be NULL) and returns
 * the chapter page (malloc'd). */
static char *build_page(const char *manifest, const char *chapter) {
  const char *dir = proj_new();
  if (manifest)
    proj_write(dir, "casebook.lua", manifest, -1);
  proj_write(dir, "page.md", chapter, -1);
  cb_ctx *ctx;
  const cb_book *b;
  char *html = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK_INT(cb_book_load(&b, ctx, dir), 0);
  if (b) {
    char out[600], path[700];
    snprintf(out, sizeof out, "%s/_build", dir);
    CHECK_INT(cb_book_check_and_emit(ctx, b, out), 0);
    snprintf(path, sizeof path, "%s/html/page.html", out);
    size_t len;
    html = proj_read(path, &len);
    CHECK(html != NULL);
  }
  cb_ctx_free(ctx);
  proj_remove(dir);
  return html;
}

static const char hostile[] =
    "# Page\n\n"
    "Raw <b>bold</b> and <script>alert('prose')</script> and "
    "<img src=x onerror=alert('img')> <img src=\"x\" onerror=\"alert(1)\">.\n\n"
    "<iframe src=\"https://example.com\"></iframe>\n\n"
    "A [js link](javascript:alert('link')) and [data](data:text/html,x).\n\n"
    "## Question q: Q\n\n| Option | Meaning |\n|---|---|\n"
    "| a | <script>alert('option')</script> |\n\n"
    "## Case c: <script>alert('title')</script>\n\n"
    "```prompt\n<script>alert('prompt')</script>\n```\n\n"
    "- q: a\n\nWhy: <script>alert('rationale')</script>\n";

/* Raw HTML in prose is filtered unless the manifest opts in; case text is
 * always escaped; javascript: links never survive. */
static void test_raw_html(void) {
  char *safe = build_page(NULL, hostile);
  if (safe) {
    CHECK(strstr(safe, "<script>alert") == NULL);
    CHECK(strstr(safe, "<img") == NULL); /* as text: &lt;img ... */
    CHECK(strstr(safe, "<iframe") == NULL);
    CHECK(strstr(safe, "<b>bold</b>") == NULL);
    CHECK(strstr(safe, "javascript:") == NULL);
    CHECK(strstr(safe, "&lt;script&gt;alert('prompt')") != NULL ||
          strstr(safe, "&lt;script&gt;alert(&#39;prompt&#39;)") != NULL);
  }
  free(safe);
  char *opted = build_page("unsafe_html = true\n", hostile);
  if (opted) {
    CHECK(strstr(opted, "<b>bold</b>") != NULL);       /* allowed */
    CHECK(strstr(opted, "<script>alert") == NULL);     /* tag filter */
    CHECK(strstr(opted, "&lt;script>alert('prose')") != NULL);
    CHECK(strstr(opted, "<iframe") == NULL);
    CHECK(strstr(opted, "javascript:") == NULL);
    /* case text stays escaped even then */
    CHECK(strstr(opted, "&lt;script&gt;alert") != NULL);
  }
  free(opted);
}

/* The diagnostics of ctx as one string, one "rule path:line:col level
 * message" line each, in printing order (malloc'd). */
static char *diag_lines(cb_ctx *ctx) {
  size_t n = 0, cap = 1, len = 0;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  for (size_t i = 0; i < n; i++)
    cap += strlen(d[i].message) + strlen(d[i].rule ? d[i].rule : "") +
           strlen(d[i].path ? d[i].path : "") + 64;
  char *s = malloc(cap);
  if (!s)
    return NULL;
  s[0] = '\0';
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(s + len, cap - len, "%s %s:%u:%u %d %s\n",
                            d[i].rule ? d[i].rule : "",
                            d[i].path ? d[i].path : "", (unsigned)d[i].line,
                            (unsigned)d[i].col, (int)d[i].level, d[i].message);
  return s;
}

/* cb_book_check_all reports what cb_book_check_and_emit reports, the
 * exports' diagnostics included, in the same order, and writes
 * nothing. */
static void test_check_all(const char *project, const char *export_rule) {
  cb_ctx *built, *checked;
  const cb_book *b1, *b2;
  const char *dir = proj_new();
  char out[512], none[512];
  snprintf(out, sizeof out, "%s/out", dir);
  snprintf(none, sizeof none, "%s/none", dir);
  CHECK_INT(cb_ctx_new(&built, NULL), 0);
  CHECK_INT(cb_ctx_new(&checked, NULL), 0);
  CHECK_INT(cb_book_load(&b1, built, project), 0);
  CHECK_INT(cb_book_load(&b2, checked, project), 0);
  if (b1 && b2) {
    CHECK_INT(cb_book_check_and_emit(built, b1, out), 0);
    CHECK_INT(cb_book_check_all(checked, b2, NULL), 0);
    char *want = diag_lines(built), *got = diag_lines(checked);
    CHECK(want && got);
    if (want && got) {
      CHECK_STR(got, want);
      CHECK(strstr(got, export_rule) != NULL);
    }
    free(want);
    free(got);
    /* SARIF lists the registry: a rule that reported nothing too */
    char *sarif = NULL;
    size_t sarif_len = 0;
    FILE *fp = open_memstream(&sarif, &sarif_len);
    CHECK(fp != NULL);
    if (fp) {
      CHECK_INT(cb_diag_print(fp, checked, CB_FMT_SARIF, 0), 0);
      fclose(fp);
      CHECK(strstr(sarif, "\"answers-in-two-places\"") != NULL);
    }
    free(sarif);
    struct stat st;
    CHECK(stat(none, &st) < 0);
    CHECK_INT(proj_hidden_files(dir), 0);
  }
  cb_ctx_free(built);
  cb_ctx_free(checked);
  proj_remove(dir);
}

int main(void) {
  test_example();
  test_raw_html();
  test_check_all("casebooks/tests/pairwise-names", "export-argilla");
  test_check_all("casebooks/tests/structure", "export-judge");
  test_check_all(EXAMPLE, "");
  return test_report("build");
}
