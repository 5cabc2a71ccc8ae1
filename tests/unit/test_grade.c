/* SPDX-License-Identifier: MIT */
/*
 * test_grade.c: the grade end to end through the library, on books and
 * annotations in memory:
 *   - Krippendorff's (2011) worked example read as annotations of a
 *     choice and a scale question gives his alpha at every level, and
 *     the grade's figures match the statistics core on the same data;
 *   - accuracy, misses and the confusion matrix of a gold question;
 *   - an answer made under an older version whose gold changed is listed
 *     for re-review, not counted as a miss (the old book comes from the
 *     load_version callback);
 *   - the same annotations in another order give the same grade.json;
 *   - out of memory at every allocation: an error or the same result,
 *     never a crash or a leak.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "casebook/casebook.h"
#include "testlib.h"

static const char guideline[] =
    "# Coding\n\n"
    "## Question code: Which code?\n\n"
    "- type: choice\n\n"
    "| Option | Meaning |\n|---|---|\n"
    "| c1 | one |\n| c2 | two |\n| c3 | three |\n| c4 | four |\n"
    "| c5 | five |\n\n"
    "## Question level: How much?\n\n"
    "- type: scale 1-5\n\n"
    "## Case g1: A first gold case\n\n"
    "~~~prompt\nOne\n~~~\n\n~~~response\nAnswer one\n~~~\n\n"
    "- code: c1\n- level: 2\n\nBecause one.\n\n"
    "## Case g2: A second gold case\n\n"
    "~~~prompt\nTwo\n~~~\n\n~~~response\nAnswer two\n~~~\n\n"
    "- code: c2\n- level: 4\n\nBecause two.\n";

/* The same book where case g1's gold code is c3. */
static const char *old_guideline(void) {
  static char buf[sizeof guideline];
  memcpy(buf, guideline, sizeof guideline);
  char *p = strstr(buf, "- code: c1");
  p[9] = '3';
  return buf;
}

static int load(cb_ctx **ctx, const cb_book **book, const char *text) {
  cb_source_file f = {"coding.md", text, strlen(text)};
  if (cb_ctx_new(ctx, NULL) < 0)
    return -1;
  return cb_book_load_files(book, *ctx, &f, 1);
}

/* Krippendorff (2011), "Computing Krippendorff's alpha-reliability",
 * the example with missing values: 4 observers, 12 units, values 1-5,
 * 0 = missing. */
static const int kripp[4][12] = {
    {1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0},
    {1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3},
    {0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0},
    {1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0},
};

/* The example as JSONL, observer by observer (order 0) or unit by unit
 * (order 1), with gold answers on g1 and g2. */
static char *kripp_jsonl(int order) {
  cb_buf b = {0};
  for (int k = 0; k < 48; k++) {
    int o = order ? k % 4 : k / 12, u = order ? k / 4 : k % 12;
    int v = kripp[o][u];
    if (!v)
      continue;
    cb_buf_printf(&b,
                  "{\"item\": \"u%d\", \"annotator\": \"obs-%c\", "
                  "\"answers\": {\"code\": \"c%d\", \"level\": %d}}\n",
                  u + 1, 'A' + o, v, v);
  }
  /* gold items, one annotator each (they stay out of alpha): obs-A
   * right on g1, wrong on g2 (c3 for c2, 5 for 4) */
  cb_buf_puts(&b, "{\"item\": \"g1\", \"annotator\": \"obs-A\", \"answers\": "
                  "{\"code\": \"c1\", \"level\": 2}}\n"
                  "{\"item\": \"g2\", \"annotator\": \"obs-A\", \"answers\": "
                  "{\"code\": \"c3\", \"level\": 5}}\n");
  char *s = malloc(b.len + 1);
  memcpy(s, b.data, b.len);
  s[b.len] = 0;
  cb_buf_free(&b);
  return s;
}

/* Grades text (JSONL) against book into *doc (grade.json parsed). */
static int grade_text(json_t **doc, cb_ctx *ctx, const cb_book *book,
                      const char *text, const cb_grade_options *opts) {
  cb_grade *g = NULL;
  *doc = NULL;
  int err = cb_grade_new(&g, ctx, book, opts);
  FILE *fp = err ? NULL : fmemopen((void *)text, strlen(text), "r");
  if (!err && !fp)
    err = CB_ENOMEM;
  if (!err)
    err = cb_grade_read(g, "mem.jsonl", fp, NULL);
  if (fp)
    fclose(fp);
  if (!err)
    err = cb_grade_finish(g);
  char *out = NULL;
  size_t len = 0;
  FILE *mem = err ? NULL : open_memstream(&out, &len);
  if (!err && !mem)
    err = CB_ENOMEM;
  if (!err)
    err = cb_grade_print_json(g, mem);
  if (mem)
    fclose(mem);
  cb_grade_free(g);
  /* parsed with no failure injected: jansson's own out-of-memory paths
   * are not under test here */
  cb_alloc_fail_after(0);
  if (!err) {
    *doc = json_loads(out, 0, NULL);
    if (!*doc)
      err = -100;
  }
  free(out);
  return err;
}

static double num(json_t *doc, const char *path) {
  json_t *v = doc;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && v;
       k = strtok_r(NULL, ".", &save))
    v = json_object_get(v, k);
  return json_is_number(v) ? json_number_value(v) : -99;
}

static void test_worked_example(void) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  CHECK_INT(load(&ctx, &book, guideline), 0);
  char *text = kripp_jsonl(0);
  json_t *doc = NULL;
  CHECK_INT(grade_text(&doc, ctx, book, text, NULL), 0);
  /* his figures, to three places */
  double nominal =
      num(doc, "questions.code.agreement.krippendorff_alpha.nominal");
  double ordinal =
      num(doc, "questions.level.agreement.krippendorff_alpha.ordinal");
  double interval =
      num(doc, "questions.level.agreement.krippendorff_alpha.interval");
  CHECK(nominal > 0.7425 && nominal < 0.7435);
  CHECK(ordinal > 0.8145 && ordinal < 0.8155);
  CHECK(interval > 0.8485 && interval < 0.8495);
  /* the units with two or more values: 11 of 12 (u12 has one) */
  CHECK_INT((long)num(doc, "questions.code.agreement.items"), 11);
  CHECK(json_is_null(json_object_get(
      json_object_get(json_object_get(json_object_get(doc, "questions"),
                                      "code"),
                      "agreement"),
      "undefined")));
  /* accuracy: obs-A 2 of 4 answers right on gold, obs-B none */
  CHECK_INT((long)num(doc, "annotators.obs-A.gold_answers"), 4);
  CHECK_INT((long)num(doc, "annotators.obs-A.correct"), 2);
  CHECK_INT((long)num(doc, "annotators.obs-B.gold_answers"), 0);
  CHECK_INT((long)num(doc, "totals.misses"), 2);
  double mae = num(doc, "questions.level.gold.mae");
  CHECK(mae > 0.499 && mae < 0.501); /* |5-4| over 2 scale answers */
  json_t *misses = json_object_get(doc, "misses");
  CHECK_INT((long)json_array_size(misses), 2);
  json_t *m = json_array_get(misses, 0);
  CHECK_STR(json_string_value(json_object_get(m, "case")), "g2");
  CHECK_STR(json_string_value(json_object_get(m, "answer")), "c3");
  CHECK_STR(json_string_value(json_object_get(m, "gold")), "c2");
  CHECK_STR(json_string_value(json_object_get(m, "url")),
            "html/coding.html#case-g2");
  /* the case's texts, once, in cases */
  json_t *g2 = json_object_get(json_object_get(doc, "cases"), "g2");
  CHECK_STR(json_string_value(json_object_get(g2, "rationale")),
            "Because two.");
  CHECK_STR(json_string_value(json_object_get(g2, "title")),
            "A second gold case");
  /* the confusion of code: gold c2 answered c3 once, c1 c1 once */
  json_t *conf = json_object_get(
      json_object_get(
          json_object_get(json_object_get(doc, "questions"), "code"),
          "gold"),
      "confusion");
  json_t *counts = json_object_get(conf, "counts");
  CHECK_INT((long)json_integer_value(
                json_array_get(json_array_get(counts, 1), 2)),
            1);
  CHECK_INT((long)json_integer_value(
                json_array_get(json_array_get(counts, 0), 0)),
            1);

  /* the same annotations unit by unit: the same bytes */
  char *text2 = kripp_jsonl(1);
  json_t *doc2 = NULL;
  CHECK_INT(grade_text(&doc2, ctx, book, text2, NULL), 0);
  json_t *in1 = json_object_get(doc, "inputs"), *in2 = json_object_get(doc2, "inputs");
  (void)in1;
  (void)in2;
  json_object_del(doc, "inputs");
  json_object_del(doc2, "inputs");
  json_t *ms[2] = {json_object_get(doc, "misses"), json_object_get(doc2, "misses")};
  for (int d = 0; d < 2; d++) {
    size_t i;
    json_t *e;
    json_array_foreach(ms[d], i, e) json_object_del(e, "input");
  }
  char *a = json_dumps(doc, JSON_SORT_KEYS), *b = json_dumps(doc2, JSON_SORT_KEYS);
  CHECK(a && b && strcmp(a, b) == 0);
  free(a);
  free(b);
  json_decref(doc2);
  free(text2);
  json_decref(doc);
  free(text);
  cb_ctx_free(ctx);
}

/* load_version: the old book, whatever the version. */
static const cb_book *old_book;
static const cb_book *old_version(void *data, const char *version) {
  (void)data;
  return strcmp(version, "v0") == 0 ? old_book : NULL;
}

static void test_versions(void) {
  cb_ctx *ctx = NULL, *octx = NULL;
  const cb_book *book = NULL;
  CHECK_INT(load(&ctx, &book, guideline), 0);
  CHECK_INT(load(&octx, &old_book, old_guideline()), 0);
  /* under v0 the gold of g1 was c3: an annotator who answered c3 then
   * is not wrong, the answer is to be reviewed again; under an unknown
   * version it is graded against the current book */
  const char *text =
      "{\"item\": \"g1\", \"annotator\": \"a\", \"version\": \"v0\", "
      "\"answers\": {\"code\": \"c3\", \"level\": 2}}\n"
      "{\"item\": \"g1\", \"annotator\": \"b\", \"answers\": {\"code\": "
      "\"c3\"}}\n"
      "{\"item\": \"g1\", \"annotator\": \"c\", \"version\": \"v9\", "
      "\"answers\": {\"code\": \"c3\"}}\n";
  cb_grade_options opts = {0};
  opts.load_version = old_version;
  json_t *doc = NULL;
  CHECK_INT(grade_text(&doc, ctx, book, text, &opts), 0);
  json_t *re = json_object_get(doc, "rereview");
  CHECK_INT((long)json_array_size(re), 1);
  json_t *r0 = json_array_get(re, 0);
  CHECK_STR(json_string_value(json_object_get(r0, "annotator")), "a");
  CHECK_STR(json_string_value(json_object_get(r0, "question")), "code");
  CHECK_STR(json_string_value(json_object_get(r0, "version")), "v0");
  CHECK_STR(json_string_value(json_object_get(
                json_array_get(json_object_get(r0, "changes"), 0), "kind")),
            "gold-changed");
  /* a's level answer (unchanged gold) still counts, and is right */
  CHECK_INT((long)num(doc, "annotators.a.gold_answers"), 1);
  CHECK_INT((long)num(doc, "annotators.a.correct"), 1);
  CHECK_INT((long)num(doc, "annotators.a.misses"), 0);
  CHECK_INT((long)num(doc, "annotators.b.misses"), 1);
  CHECK_INT((long)num(doc, "annotators.c.misses"), 1);
  /* v9 cannot be read: a warning says so */
  size_t nd = 0;
  const cb_diag *d = cb_ctx_diags(ctx, &nd);
  int said = 0;
  for (size_t i = 0; i < nd; i++)
    said |= strstr(d[i].message, "'v9'") != NULL;
  CHECK(said);
  json_decref(doc);
  cb_ctx_free(octx);
  cb_ctx_free(ctx);
}

static void test_out_of_memory(void) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  CHECK_INT(load(&ctx, &book, guideline), 0);
  char *text = kripp_jsonl(0);
  json_t *want = NULL;
  CHECK_INT(grade_text(&want, ctx, book, text, NULL), 0);
  char *want_s = json_dumps(want, JSON_SORT_KEYS);
  long wrong = 0, failures = 0, successes = 0;
  for (test_sweep s = test_sweep_start(1, 1); successes < 3 && s.n < 200000;
       test_sweep_next(&s)) {
    json_t *got = NULL;
    cb_alloc_fail_after(s.n);
    int err = grade_text(&got, ctx, book, text, NULL);
    cb_alloc_fail_after(0);
    if (err == 0) {
      char *got_s = json_dumps(got, JSON_SORT_KEYS);
      if (!got_s || strcmp(got_s, want_s) != 0) {
        wrong++;
        if (getenv("VERBOSE")) {
          size_t nd = 0;
          const cb_diag *d = cb_ctx_diags(ctx, &nd);
          fprintf(stderr, "n=%ld: another result: %s\n", s.n,
                  nd ? d[nd - 1].message : "");
        }
      }
      free(got_s);
    } else if (err != CB_ENOMEM || got != NULL) {
      wrong++;
      if (getenv("VERBOSE"))
        fprintf(stderr, "n=%ld: err %d\n", s.n, err);
    }
    json_decref(got);
    failures += s.weight * (err != 0);
    successes = err ? 0 : successes + 1;
  }
  CHECK_INT(wrong, 0);
  CHECK(failures >= 3);
  free(want_s);
  json_decref(want);
  free(text);
  cb_ctx_free(ctx);
}

int main(void) {
  test_worked_example();
  test_versions();
  test_out_of_memory();
  return test_report("grade");
}
