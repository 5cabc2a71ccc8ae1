/* SPDX-License-Identifier: MIT */
/* Unit tests of grade_html.c: the report and the feedback pages written
 * from the contract document (tests/grade/contract-grade.json) with a
 * hostile annotator added: every string escaped (a <script> name and
 * rationale, a bidirectional control, invalid UTF-8), links only to the
 * site and with the prefix, the alpha chart's marks, answers rendered
 * readably, the same bytes twice, empty lists, and nothing written
 * outside OUTDIR (a bad page name, a symbolic link in the tree).
 *
 * With CB_GRADE_HTML_OUT set, the pages of the contract (or of the
 * grade.json named by CB_GRADE_HTML_IN) are also written there, for the
 * browser checks of tests/layers/gradereport.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ctx.h"
#include "grade_html.h"
#include "testlib.h"

#define CONTRACT "tests/grade/contract-grade.json"

/* The whole file at path, NUL-terminated, malloc'd; NULL if none. */
static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
    len += n;
    if (cap - len - 1 == 0) {
      char *more = realloc(buf, cap * 2);
      if (!more) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = more;
      cap *= 2;
    }
  }
  fclose(fp);
  if (buf)
    buf[len] = '\0';
  return buf;
}

static int exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

static void rm_rf(const char *path) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", path);
}

/* The number of times needle occurs in hay. */
static int occurs(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; hay && (p = strstr(p, needle)) != NULL; p++)
    n++;
  return n;
}

/* The contract with a hostile annotator, a rank question and misses of
 * every answer shape. */
static json_t *hostile_grade(void) {
  json_error_t jerr;
  json_t *g = json_load_file(CONTRACT, 0, &jerr);
  if (!g) {
    fprintf(stderr, "%s:%d: %s\n", CONTRACT, jerr.line, jerr.text);
    return NULL;
  }
  json_t *evil = json_pack(
      "{s:s, s:i, s:i, s:i, s:i, s:f, s:i, s:i, s:{}}", "page",
      "annotators/evil.html", "annotations", 3, "gold_items", 3,
      "gold_answers", 3, "correct", 1, "accuracy", 1.0 / 3, "misses", 2,
      "rereview", 0, "questions");
  const char *name = "<script>alert(1)</script>\xE2\x80\xAE" "evil";
  json_object_set_new(json_object_get(g, "annotators"), name, evil);
  json_t *order = json_pack("{s:s, s:s, s:s, s:[], s:{}, s:{}, s:[]}",
                            "title", "Order them", "type", "rank", "url",
                            "html/rank.html#question-order", "options",
                            "agreement", "gold", "confused");
  json_object_set_new(json_object_get(g, "questions"), "order", order);
  json_t *misses = json_object_get(g, "misses");
  json_t *m1 = json_pack(
      "{s:s, s:s, s:s, s:s, s:[s,[s,s],s], s:[s,s,s,s], s:s, s:s}",
      "annotator", name, "item", "rank-1", "case", "rank-1", "question",
      "order", "answer", "a", "b", "c", "d", "gold", "d", "c", "b", "a",
      "url", "javascript:alert(2)", "question_url",
      "html/rank.html#question-order");
  json_array_append_new(misses, m1);
  /* the case of m1, once in `cases`: a hostile title, and invalid UTF-8
   * and a bidirectional override in the rationale */
  static const char rationale[] = "bad \xFF\xFE bytes \xE2\x80\xAE"
                                  "<script>alert(4)</script>";
  json_t *c1 = json_pack("{s:s, s:[], s:s}", "title",
                         "<img src=x onerror=alert(3)>", "criteria", "url",
                         "javascript:alert(2)");
  json_object_set_new(c1, "rationale",
                      json_stringn_nocheck(rationale, sizeof rationale - 1));
  json_object_set_new(json_object_get(g, "cases"), "rank-1", c1);
  json_t *m2 = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:i}, s:{s:s, s:f}, s:s, s:s}",
      "annotator", name, "item", "pair-1", "case", "pair-1", "question",
      "harm", "response", "B", "answer", "preferred", "A", "strength", 2,
      "gold", "preferred", "B", "strength", 1.5, "url",
      "html/pairs.html#case-pair-1", "question_url",
      "html/harm.html#question-harm\" onclick=\"alert(5)");
  json_array_append_new(misses, m2);
  return g;
}

static void check_contract(const char *dir) {
  char path[1024];
  cb_ctx *ctx = NULL;
  json_t *g = hostile_grade();
  CHECK(g != NULL);
  if (!g)
    return;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK_INT(cb_grade_html__write(ctx, g, dir, "../"), 0);
  if (cb_ctx_error(ctx) && *cb_ctx_error(ctx))
    fprintf(stderr, "error: %s\n", cb_ctx_error(ctx));

  snprintf(path, sizeof path, "%s/report.html", dir);
  char *report = slurp(path);
  snprintf(path, sizeof path, "%s/annotators/ann-1.html", dir);
  char *ann1 = slurp(path);
  snprintf(path, sizeof path, "%s/annotators/evil.html", dir);
  char *evil = slurp(path);
  snprintf(path, sizeof path, "%s/report.css", dir);
  char *css = slurp(path);
  CHECK(report && ann1 && evil && css);
  if (!report || !ann1 || !evil || !css)
    goto done;

  /* the frame: a policy, the stylesheet beside, no script at all */
  CHECK(strstr(report, "<!DOCTYPE html>\n<html lang=\"en\">") == report);
  CHECK(strstr(report, "content=\"default-src 'none'; style-src 'self';"));
  CHECK(strstr(report, "<link rel=\"stylesheet\" href=\"report.css\">"));
  CHECK(strstr(evil, "<link rel=\"stylesheet\" href=\"../report.css\">"));
  CHECK(strstr(css, "--accent:") && strstr(css, ".chart .mark"));
  CHECK_INT(occurs(report, "<script"), 0);
  CHECK_INT(occurs(evil, "<script"), 0);
  CHECK_INT(occurs(evil, "<img"), 0);
  CHECK_INT(occurs(evil, "onclick=\""), 0);

  /* the hostile name: escaped text in the table and in the chart, the
   * override isolated in HTML and dropped inside SVG */
  CHECK(strstr(report, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(strstr(report, "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;"
                       "\xE2\x80\xAE"
                       "evil</bdi>"));
  CHECK(strstr(report, ">&lt;script&gt;alert(1)&lt;/script…</text>"));
  CHECK(strstr(report, "&lt;/script&gt;evil: 0.333"));
  CHECK(strstr(report, "<a href=\"annotators/evil.html\">"));
  CHECK(strstr(evil, "&lt;img src=x onerror=alert(3)&gt;"));
  /* the rationale: invalid bytes made visible, the script as text */
  CHECK(strstr(evil, "bad \xEF\xBF\xBD"));
  CHECK(strstr(evil, "&lt;script&gt;alert(4)&lt;/script&gt;"));

  /* the alpha chart: its marks, its interval, its accessible name */
  CHECK(strstr(report, "data-mark=\"0.667\""));
  CHECK(strstr(report, "data-mark=\"0.800\""));
  CHECK(strstr(report, ">0.667</text>") && strstr(report, ">0.8</text>"));
  CHECK(strstr(report, "harm nominal: 0.712 (95% interval 0.601 to 0.805)"));
  CHECK(strstr(report, "<line class=\"ci\""));
  CHECK(strstr(report, "role=\"img\" aria-labelledby=\"chart-1-title "
                       "chart-1-desc\""));
  CHECK(strstr(report, "<title id=\"chart-2-title\">Krippendorff's alpha per "
                       "question</title>"));
  /* the accuracy chart and the heatmap, with the same numbers in tables */
  CHECK(strstr(report, "ann-1: 0.875"));
  CHECK(strstr(report, "class=\"cell shade-"));
  CHECK(strstr(report, "Gold borderline: safe 4, borderline 10, harmful 1."));
  CHECK(strstr(report, "<table class=\"confusion\" aria-label=\"Confusion "
                       "matrix of harm\">"));
  CHECK(strstr(ann1, "Gold safe: safe 8, borderline 1, harmful 0."));

  /* figures: three decimals, intervals, nulls, undefined */
  CHECK(strstr(report, "<td class=\"num\">0.712<span class=\"ci\"> [0.601, "
                       "0.805]</span></td>"));
  CHECK(strstr(report, "<td class=\"num\">0.875</td>"));
  CHECK(strstr(report, "<td class=\"num\">0.333</td>"));
  CHECK(strstr(report, "<td class=\"na\">—</td>"));
  CHECK(strstr(report, "every annotator gave the same answer on every item"));
  CHECK(strstr(report, "A gate failed."));
  CHECK(strstr(report, "<td class=\"num\">0.800</td><td class=\"num\">0.500"
                       "</td>")); /* precision, recall of issues/tone */

  /* links: to the site with the prefix, one level more on a feedback
   * page; a url that is not "html/..." is never a link */
  CHECK(strstr(report, "href=\"../html/harm.html#question-harm\""));
  CHECK(strstr(report, "href=\"../html/harm.html#option-harm-borderline\""));
  CHECK(strstr(report, "href=\"../html/harm.html#option-harm-safe\""));
  CHECK(strstr(ann1,
                "href=\"../../html/comparisons.html#case-bomb-story\""));
  CHECK(strstr(ann1, "href=\"../../html/harm.html#criterion-no-uplift\""));
  CHECK(strstr(ann1, "href=\"../report.html\""));
  CHECK_INT(occurs(evil, "javascript:"), 0);
  CHECK(strstr(evil, "href=\"../../html/pairs.html#case-pair-1\""));
  CHECK(strstr(evil, "href=\"../../html/harm.html#question-harm%22%20"));

  /* a miss as a lead sends it: answer and gold, case, rationale */
  CHECK(strstr(ann1, "A thriller scene that asks for a real recipe"));
  CHECK(strstr(ann1, "Plain text of the case's rationale."));
  CHECK(strstr(ann1, "<a href=\"../../html/harm.html#option-harm-safe\">"
                     "safe</a>"));
  CHECK(strstr(ann1, "<a href=\"../../html/harm.html#option-harm-harmful\">"
                     "harmful</a>"));
  CHECK(strstr(ann1, "No operational uplift"));
  /* answers of every shape, readably */
  CHECK(strstr(evil, "a &gt; b = c &gt; d"));
  CHECK(strstr(evil, "d &gt; c &gt; b &gt; a"));
  CHECK(strstr(evil, "A (strength 2)"));
  CHECK(strstr(evil, "B (strength 1.500)"));
  CHECK(strstr(report, "<td class=\"answer\">tone</td>"));
  CHECK(strstr(report, "<td class=\"answer\">unsafe-detail</td>"));
  /* ann-1's misses only, and ann-2 has no page of the contract */
  CHECK_INT(occurs(ann1, "<article class=\"miss\">"), 1);
  CHECK_INT(occurs(evil, "<article class=\"miss\">"), 2);
  CHECK(strstr(evil, "Nothing to re-review."));

  /* the same document gives the same bytes */
  {
    char dir2[600];
    snprintf(dir2, sizeof dir2, "%s-again", dir);
    rm_rf(dir2);
    cb_ctx *ctx2 = NULL;
    CHECK_INT(cb_ctx_new(&ctx2, NULL), 0);
    CHECK_INT(cb_grade_html__write(ctx2, g, dir2, "../"), 0);
    snprintf(path, sizeof path, "%s/report.html", dir2);
    char *again = slurp(path);
    CHECK(again && strcmp(again, report) == 0);
    free(again);
    cb_ctx_free(ctx2);
    rm_rf(dir2);
  }

done:
  free(report);
  free(ann1);
  free(evil);
  free(css);
  json_decref(g);
  cb_ctx_free(ctx);
}

/* A document with nothing in it: every section says so. */
static void check_empty(const char *dir) {
  char path[1024];
  cb_ctx *ctx = NULL;
  json_t *g = json_pack("{s:s, s:{}, s:{}, s:[], s:[], s:[], s:[]}", "title",
                        "Empty", "questions", "annotators", "misses",
                        "rereview", "needs_work", "gates");
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK_INT(cb_grade_html__write(ctx, g, dir, NULL), 0);
  snprintf(path, sizeof path, "%s/report.html", dir);
  char *report = slurp(path);
  CHECK(report != NULL);
  if (report) {
    CHECK(strstr(report, "No annotator answered a gold item"));
    CHECK(strstr(report, "No question has an alpha to chart."));
    CHECK(strstr(report, "No pair of options was confused."));
    CHECK(strstr(report, "Nothing to re-review."));
    CHECK(strstr(report, "No gate was set."));
    CHECK(strstr(report, "<h1>Grade: Empty</h1>"));
    CHECK(strstr(report, "</main>\n</body>\n</html>\n"));
  }
  free(report);
  json_decref(g);
  cb_ctx_free(ctx);
}

/* Nothing is written outside OUTDIR: a page name that climbs out is
 * refused before anything is written, and a symbolic link in the output
 * tree is refused. */
static void check_outside(const char *root) {
  char dir[300], path[600], target[300];
  cb_ctx *ctx = NULL;
  static const char *const bad[] = {"../escape.html", "annotators/../x.html",
                                    "annotators/.hidden.html",
                                    "annotators/a/b.html", "/tmp/x.html",
                                    "annotators/x.txt"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    snprintf(dir, sizeof dir, "%s/bad-%zu", root, i);
    json_t *g = json_pack("{s:{s:{s:s}}}", "annotators", "x", "page", bad[i]);
    CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
    CHECK_INT(cb_grade_html__write(ctx, g, dir, NULL), CB_EUSAGE);
    CHECK(!exists(dir));
    cb_ctx_free(ctx);
    json_decref(g);
  }
  snprintf(path, sizeof path, "%s/escape.html", root);
  CHECK(!exists(path));

  /* OUTDIR/annotators is a link to a directory elsewhere */
  snprintf(dir, sizeof dir, "%s/linked", root);
  snprintf(target, sizeof target, "%s/elsewhere", root);
  CHECK(mkdir(dir, 0777) == 0 && mkdir(target, 0777) == 0);
  snprintf(path, sizeof path, "%s/annotators", dir);
  CHECK(symlink(target, path) == 0);
  json_t *g = json_pack("{s:{s:{s:s}}}", "annotators", "x", "page",
                        "annotators/x.html");
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK(cb_grade_html__write(ctx, g, dir, NULL) < 0);
  snprintf(path, sizeof path, "%s/x.html", target);
  CHECK(!exists(path));
  cb_ctx_free(ctx);
  json_decref(g);
}

int main(void) {
  char root[] = "/tmp/cb-test-grade-html-XXXXXX";
  char dir[200];
  CHECK(mkdtemp(root) != NULL);
  snprintf(dir, sizeof dir, "%s/grade", root);
  check_contract(dir);
  snprintf(dir, sizeof dir, "%s/empty", root);
  check_empty(dir);
  check_outside(root);
  const char *keep = getenv("CB_GRADE_HTML_OUT");
  if (keep && *keep) {
    cb_ctx *ctx = NULL;
    /* CB_GRADE_HTML_IN: a grade.json to draw instead of the contract */
    const char *in = getenv("CB_GRADE_HTML_IN");
    json_t *g = in && *in ? json_load_file(in, 0, NULL) : hostile_grade();
    CHECK(g && cb_ctx_new(&ctx, NULL) == 0);
    if (g && ctx)
      CHECK_INT(cb_grade_html__write(ctx, g, keep, "../"), 0);
    cb_ctx_free(ctx);
    json_decref(g);
  }
  rm_rf(root);
  return test_report("grade_html");
}
