/* SPDX-License-Identifier: MIT */
/*
 * test_exports.c: unit tests of the rubric.xml, JSON Schema and judge
 * exports (export_xml.c, export_schema.c, export_judge.c) on a book
 * loaded from memory: rubric.xml validation and its failure as an
 * internal error, the cleaning of text XML cannot hold, and the response
 * names the schema and judge exports use; the guidelines of the tools
 * (export_guidelines.c): links to the site or text, property lists in
 * words, raw HTML as text; each exporter, the Argilla and evals exports
 * (export_argilla.c, export_evals.c) too, with memory running out at each
 * allocation.
 */
#include <jansson.h>
#include <libxml/xmlmemory.h>
#include <stdlib.h>
#include <string.h>

#include "casebook/casebook.h"
#include "ctx.h"
#include "embed.h"
#include "export.h"
#include "export_guidelines.h"
#include "export_schema.h"
#include "export_xml.h"
#include "projtest.h"
#include "testlib.h"

static const char chapter[] =
    "# Tone\n\n"
    "## Question tone: Tone\x01 with a\x0c feed and \xff bytes\n\n"
    "- scope: response\n\n"
    "| Option | Meaning |\n|---|---|\n| calm | Calm & <quiet> |\n"
    "| loud | Loud |\n\n"
    "## Question pick: Which is better?\n\n- type: pairwise\n\n"
    "## Case one: Two replies\n\n"
    "```prompt\nHi\n```\n\n```response A\nHello\n```\n\n"
    "```response B\nHey\n```\n\n"
    "- pick: A\n\n"
    "| Response | tone |\n|---|---|\n| A | calm |\n| B | loud |\n\n"
    "Calm wins.\n";

static void test_validate(cb_ctx *ctx) {
  const cb_embedded *rng = cb_embed__find("schemas/rubric.rng");
  CHECK(rng != NULL);
  if (!rng)
    return;
  const char *rng_text = (const char *)rng->data;
  static const char ok[] =
      "<rubric format=\"1\" casebook-version=\"0\"><title>t</title>"
      "<version dirty=\"false\"/><questions/><criteria/><chapters/></rubric>";
  CHECK_INT(cb_export_xml__validate(ctx, ok, strlen(ok), rng_text, rng->len),
            0);
  /* a document that does not match: an internal error naming the line */
  static const char bad[] =
      "<rubric format=\"1\" casebook-version=\"0\"><title>t</title>\n"
      "<version/><questions/><criteria/><chapters/></rubric>";
  ctx->error[0] = '\0';
  CHECK_INT(cb_export_xml__validate(ctx, bad, strlen(bad), rng_text, rng->len),
            CB_ERROR);
  CHECK(strstr(ctx->error, "internal error: rubric.xml does not match") !=
        NULL);
  CHECK(strstr(ctx->error, "line 2") != NULL);
  CHECK(strstr(ctx->error, "bug of casebook") != NULL);
  /* not well-formed */
  static const char broken[] = "<rubric><title>t</rubric>";
  ctx->error[0] = '\0';
  CHECK_INT(
      cb_export_xml__validate(ctx, broken, strlen(broken), rng_text, rng->len),
      CB_ERROR);
  CHECK(strstr(ctx->error, "not well-formed") != NULL);
  /* a schema that does not load */
  ctx->error[0] = '\0';
  CHECK_INT(cb_export_xml__validate(ctx, ok, strlen(ok), "<grammar/>", 10),
            CB_ERROR);
  CHECK(strstr(ctx->error, "schema") != NULL);
}

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* Reads OUT/name and checks that it holds each of the n texts of want. */
static void check_file(const char *out, const char *name,
                       const char *const *want, size_t n) {
  char path[256];
  size_t len = 0;
  snprintf(path, sizeof path, "%s/%s", out, name);
  char *text = proj_read(path, &len);
  CHECK(text != NULL);
  for (size_t i = 0; text && i < n; i++) {
    int found = strstr(text, want[i]) != NULL;
    if (!found)
      fprintf(stderr, "%s does not hold: %s\n", name, want[i]);
    CHECK(found);
  }
  free(text);
}

/* The book of one chapter, path and text, loaded in a new *ctx (freed by
 * the caller); NULL when it does not load. */
static const cb_book *load_one(cb_ctx **ctx, const char *path, const char *text,
                               size_t len) {
  *ctx = NULL;
  CHECK_INT(cb_ctx_new(ctx, NULL), 0);
  cb_source_file f = {path, text, len};
  const cb_book *book = NULL;
  CHECK_INT(cb_book_load_files(&book, *ctx, &f, 1), 0);
  return book;
}

static void test_book(void) {
  cb_ctx *ctx;
  const cb_book *book = load_one(&ctx, "tone.md", chapter, sizeof chapter - 1);
  if (!book) {
    cb_ctx_free(ctx);
    return;
  }
  test_validate(ctx);

  const char **names = NULL;
  size_t n = 0;
  CHECK_INT(cb_export_schema__response_names(&names, &n, ctx, book), 0);
  CHECK_INT(n, 2);
  if (n == 2) {
    CHECK_STR(names[0], "A");
    CHECK_STR(names[1], "B");
  }

  const char *out = proj_new();
  CHECK_INT(cb_book_emit(ctx, book, out), 0);
  static const char *const xml_has[] = {
      /* controls as Control Pictures, bad bytes as U+FFFD, markup escaped */
      "Tone\xE2\x90\x81 with a\xE2\x90\x8C feed and \xEF\xBF\xBD bytes",
      "<meaning-html>Calm &amp;amp; &lt;",
      "<question id=\"pick\" type=\"pairwise\""};
  static const char *const schema_has[] = {
      "\"https://json-schema.org/draft/2020-12/schema\"", "\"propertyNames\""};
  static const char *const prompt_has[] = {"### Example 1: case `one`",
                                           "{\"A\":\"calm\",\"B\":\"loud\"}",
                                           "{{case}}\n"};
  check_file(out, "rubric.xml", xml_has, COUNT(xml_has));
  check_file(out, "annotation.schema.json", schema_has, COUNT(schema_has));
  check_file(out, "judge/prompts/tone.md", prompt_has, COUNT(prompt_has));
  proj_remove(out);
  cb_ctx_free(ctx);
}

/* `when` expressions the annotation schema cannot take are named in its
 * $comment, quickly, whatever their size; the ones it can take become
 * conditions. */
static void test_when(void) {
  cb_ctx *ctx = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  cb_buf md = {0};
  cb_buf_puts(&md, "# W\n\n## Question a: A\n\n- type: scale 1-5\n\n"
                   "## Question chain: Chain\n\n- type: text\n- when: a == 1");
  for (int i = 0; i < 200; i++)
    cb_buf_puts(&md, " and a == 1");
  cb_buf_puts(&md, "\n\n## Question deep: Deep\n\n- type: text\n- when: ");
  for (int i = 0; i < 1000; i++)
    cb_buf_puts(&md, "(");
  cb_buf_puts(&md, "a == 1");
  for (int i = 0; i < 1000; i++)
    cb_buf_puts(&md, ")");
  /* ((a == 1 or a == 3) and a == 2 or a == 3) and a == 2 ...: "true"
   * and "false" of each level hold both of the level inside */
  cb_buf_puts(&md, "\n\n## Question blowup: Blowup\n\n- type: text\n- when: ");
  for (int i = 0; i < 25; i++)
    cb_buf_puts(&md, "(");
  cb_buf_puts(&md, "a == 1");
  for (int i = 0; i < 25; i++)
    cb_buf_puts(&md, " or a == 3) and a == 2");
  cb_buf_puts(&md, "\n\n## Question fine: Fine\n\n- type: text\n"
                   "- when: not (a < 3) and has(a, 4) or _ENV[\"a\"] >= -1\n\n"
                   "## Question pair: Pair\n\n- type: text\n- when: a == a\n");
  CHECK(!md.failed);
  cb_source_file f = {"w.md", md.data, md.len};
  const cb_book *book = NULL;
  CHECK_INT(cb_book_load_files(&book, ctx, &f, 1), 0);
  const char *out = proj_new();
  CHECK_INT(cb_export_schema__run(ctx, book, out), 0);
  char path[256];
  size_t len = 0;
  snprintf(path, sizeof path, "%s/annotation.schema.json", out);
  char *text = proj_read(path, &len);
  CHECK(text != NULL);
  json_t *schema = text ? json_loads(text, 0, NULL) : NULL;
  CHECK(schema != NULL);
  const char *comment = json_string_value(json_object_get(schema, "$comment"));
  CHECK(comment != NULL);
  static const char *const refused[][2] = {
      {"Question 'chain'", "too many comparisons"},
      {"Question 'deep'", "nested too deeply"},
      {"Question 'blowup'", "too large"},
      {"Question 'pair'", "compares two answers"}};
  for (size_t i = 0; comment && i < COUNT(refused); i++)
    CHECK(strstr(comment, refused[i][0]) && strstr(comment, refused[i][1]));
  CHECK(!comment || strstr(comment, "'fine'") == NULL);
  /* fine's condition: an if/then/else: required where it holds, no
   * answer elsewhere */
  json_t *all = json_object_get(schema, "allOf");
  CHECK_INT(json_array_size(all), 1);
  json_t *clause = json_array_get(all, 0);
  CHECK(json_object_get(clause, "if") != NULL);
  json_t *then = json_object_get(clause, "then"); /* fine is required */
  CHECK_STR(
      json_string_value(json_array_get(json_object_get(then, "required"), 0)),
      "fine");
  json_t *els = json_object_get(json_object_get(clause, "else"), "not");
  CHECK_STR(
      json_string_value(json_array_get(json_object_get(els, "required"), 0)),
      "fine");
  json_decref(schema);
  free(text);
  cb_buf_free(&md);
  proj_remove(out);
  cb_ctx_free(ctx);
}

static const char guide[] =
    "# Guide\n\n"
    "See [the harm question](question:harm), [safe](option:harm/safe), "
    "[a case](case:c1), [nowhere](case:nope), [web](https://example.com/x), "
    "[js](javascript:alert(1)) and ![chart](img.png).\n\n"
    "<!-- casebook-ignore some-rule: a reason -->\n\n"
    "Text <b>bold</b>.\n\n"
    "## Question harm: Is it harmful?\n\n"
    "- required: no\n- when: tone == \"calm\"\n\n"
    "| Option | Meaning |\n|---|---|\n| safe | Safe |\n| harmful | Bad |\n\n"
    "## Question tone: Tone\n\n"
    "| Option | Meaning |\n|---|---|\n| calm | Calm |\n| loud | Loud |\n\n"
    "## Criterion crit: Be careful\n\n- applies-to: harm\n\nRule text.\n\n"
    "## Case c1: One\n\n```prompt\nHi\n```\n\n```response\nHello\n```\n\n"
    "- harm: safe\n- tone: calm\n- criteria: crit\n- tags: x\n\nWhy.\n";

/* Checks that s holds part (want 1) or not (want 0). */
static void holds(const char *s, const char *part, int want) {
  int got = strstr(s, part) != NULL;
  CHECK(got == want);
  if (got != want)
    fprintf(stderr, "%s '%s' in:\n%s\n", want ? "no" : "unexpected", part, s);
}

/* The guidelines of a chapter with each kind of link, raw HTML, a comment
 * and the property lists of a question, a criterion and a case; without
 * site_url, then with it. */
static void test_guidelines(void) {
  cb_ctx *ctx;
  const cb_book *book = load_one(&ctx, "guide.md", guide, sizeof guide - 1);
  if (!book) {
    cb_ctx_free(ctx);
    return;
  }
  cb_buf md = {0};
  CHECK_INT(cb_export__guidelines(&md, ctx, book, NULL), 0);
  const char *s = cb_buf_cstr(&md);
  static const char *const plain[] = {
      "See the harm question, safe, a case, nowhere, "
      "[web](https://example.com/x), js and chart.",
      "Text \\<b\\>bold\\</b\\>.",
      "*Optional; asked only when the answer to \u201cTone\u201d is "
      "\u201ccalm\u201d.*",
      "*Applies to \u201cIs it harmful?\u201d.*",
      "- Is it harmful? safe\n",
      "- Tone: calm\n",
      "- Demonstrates Be careful\n",
      "Why.\n"};
  for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
    holds(s, plain[i], 1);
  static const char *const never[] = {
      "question:",  "option:",         "case:", "javascript",
      "img.png",    "casebook-ignore", "<b>",   "when:",
      "applies-to", "required:",       "tags",  "criteria:"};
  for (size_t i = 0; i < sizeof never / sizeof *never; i++)
    holds(s, never[i], 0);

  /* with site_url: the same links, absolute, to the site's anchors */
  ((cb_book *)book)->manifest.site_url = "https://example.org/g/";
  cb_buf_reset(&md);
  CHECK_INT(cb_export__guidelines(&md, ctx, book, NULL), 0);
  s = cb_buf_cstr(&md);
  static const char *const linked[] = {
      "See [the harm "
      "question](https://example.org/g/guide.html#question-harm), "
      "[safe](https://example.org/g/guide.html#option-harm-safe), "
      "[a case](https://example.org/g/guide.html#case-c1), nowhere, "
      "[web](https://example.com/x), js and chart.",
      "*Applies to \u201c[Is it harmful?](https://example.org/g/"
      "guide.html#question-harm)\u201d.*",
      "- [Is it harmful?](https://example.org/g/guide.html#question-harm) "
      "safe\n",
      "- Demonstrates [Be careful](https://example.org/g/"
      "guide.html#criterion-crit)\n"};
  for (size_t i = 0; i < sizeof linked / sizeof *linked; i++)
    holds(s, linked[i], 1);

  /* a hidden case: its whole section is left out, the rest kept */
  unsigned char hide[1] = {1};
  CHECK_INT((long long)book->n_cases, 1);
  cb_buf_reset(&md);
  CHECK_INT(cb_export__guidelines(&md, ctx, book, hide), 0);
  s = cb_buf_cstr(&md);
  holds(s, "Case c1", 0);
  holds(s, "Hello", 0);
  holds(s, "Why.", 0);
  holds(s, "Rule text.", 1);
  holds(s, "a case, nowhere", 1); /* the link to it is text */
  holds(s, "#case-c1", 0);
  cb_buf_free(&md);
  cb_ctx_free(ctx);
}

/* Out of memory at each allocation in turn, in each exporter: a clean
 * CB_ENOMEM with a message, no temporary file left, until one succeeds.
 * libxml2 allocates with plain malloc here, as in test_emit (its 2.9
 * parsers are not all safe against a failed allocation). */
static void test_out_of_memory(void) {
  static const struct {
    const char *name;
    int (*run)(cb_ctx *, const cb_book *, const char *);
  } exporters[] = {{"xml", cb_export_xml__run},
                   {"schema", cb_export_schema__run},
                   {"judge", cb_export_judge__run},
                   {"evals", cb_export_evals__run},
                   {"argilla", cb_export_argilla__run}};
  cb_ctx *ctx = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  xmlMemSetup(free, malloc, realloc, strdup);
  cb_source_file f = {"tone.md", chapter, sizeof chapter - 1};
  const cb_book *book = NULL;
  CHECK_INT(cb_book_load_files(&book, ctx, &f, 1), 0);
  const char *out = proj_new();
  for (size_t e = 0; book && e < sizeof exporters / sizeof exporters[0]; e++) {
    int clean = 1, failures = 0, err = -1;
    for (test_sweep s = test_sweep_start(1, 1); s.n < 100000 && err != 0;
         test_sweep_next(&s)) {
      long n = s.n;
      ctx->error[0] = '\0';
      cb_alloc_fail_after(n);
      err = exporters[e].run(ctx, book, out);
      cb_alloc_fail_after(0);
      if (err != 0 && (err != CB_ENOMEM || !ctx->error[0])) {
        fprintf(stderr, "%s: allocation %ld: %d %s\n", exporters[e].name, n,
                err, ctx->error);
        clean = 0;
      }
      if (proj_hidden_files(out) != 0) {
        fprintf(stderr, "%s: allocation %ld: temporary files left\n",
                exporters[e].name, n);
        clean = 0;
      }
      failures += (int)s.weight * (err != 0);
    }
    CHECK(clean);
    CHECK_INT(err, 0);
    CHECK(failures > 5);
  }
  proj_remove(out);
  cb_ctx_free(ctx);
}

int main(void) {
  test_book();
  test_when();
  test_guidelines();
  test_out_of_memory();
  return test_report("exports");
}
