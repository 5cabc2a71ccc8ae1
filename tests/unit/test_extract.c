/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the front of the pipeline: parse.c, extract.c, resolve.c
 * and book.c, through cb_book_load on small projects.
 */
#include <string.h>

#include "casebook/casebook.h"
#include "extract.h"
#include "alloc.h"
#include "projtest.h"
#include "testlib.h"

static const cb_book *load(cb_ctx **ctx, const char *dir) {
  const cb_book *b = NULL;
  CHECK_INT(cb_ctx_new(ctx, NULL), 0);
  CHECK_INT(cb_book_load(&b, *ctx, dir), 0);
  return b;
}

static size_t count_rule(cb_ctx *ctx, const char *rule) {
  size_t n, k = 0;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  for (size_t i = 0; i < n; i++)
    k += strcmp(d[i].rule, rule) == 0;
  return k;
}

static const cb_diag *find_rule(cb_ctx *ctx, const char *rule) {
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(d[i].rule, rule) == 0)
      return &d[i];
  return NULL;
}

static void test_slug(void) {
  cb_arena *a = cb_arena_new();
  CHECK_STR(cb_extract__slug(a, "Hello, World!"), "hello-world");
  CHECK_STR(cb_extract__slug(a, "Case `x-1`: A -- B"), "case-x-1-a----b");
  CHECK_STR(cb_extract__slug(a, "snake_case and 3.14"), "snake_case-and-314");
  CHECK_STR(cb_extract__slug(a, "案例 一：标题"), "案例-一标题");
  CHECK_STR(cb_extract__slug(a, "It\xE2\x80\x99s \xE2\x80\x94 fine"),
            "its--fine");
  /* invisible characters (a bidirectional override, a zero-width space)
   * never reach an anchor */
  CHECK_STR(cb_extract__slug(a, "Bidi \xE2\x80\xAEtitle\xE2\x80\x8B"),
            "bidi-title");
  CHECK_STR(cb_node__norm_key(a, "Harm Type", 9), "harm-type");
  CHECK_STR(cb_node__norm_key(a, "applies_to", 10), "applies-to");
  cb_arena_free(a);
}

static const char *harm_md =
    "# Harm\n"
    "\n"
    "Intro with [a link](#question-harm-is-it-harmful).\n"
    "\n"
    "## Question harm: Is it harmful?\n"
    "\n"
    "- type: choice\n"
    "- **required**: no\n"
    "- hint: Judge the effect\n"
    "\n"
    "| Option  | Meaning            | hotkey |\n"
    "|---------|--------------------|--------|\n"
    "| safe    | *No* harm.         | s      |\n"
    "| harmful | Real [uplift](criterion:uplift). | h |\n"
    "\n"
    "Guidance prose.\n"
    "\n"
    "### Sub heading\n"
    "\n"
    "More guidance.\n"
    "\n"
    "## Question `sev` - Severity\n"
    "\n"
    "- type: scale 1-5\n"
    "- when: harm ~= \"safe\"\n"
    "- scope: response\n"
    "\n"
    "## Question pref — Preference\n"
    "\n"
    "- type: pairwise\n"
    "\n"
    "## Question rank: Ranking\n"
    "\n"
    "- type: rank\n"
    "- responses: A, B, C\n"
    "\n"
    "## Criterion uplift: No uplift\n"
    "\n"
    "- applies-to: harm, sev\n"
    "- severity: major\n"
    "\n"
    "Never give uplift.\n";

static const char *cases_md =
    "# Cases\n"
    "\n"
    "## Case c1: First\n"
    "\n"
    "~~~~system\n"
    "Be nice.\n"
    "~~~~\n"
    "\n"
    "```prompt\n"
    "  two spaces\n"
    "<script>alert(1)</script>\n"
    "```\n"
    "\n"
    "  ~~~response A\n"
    "  indented fence\n"
    "   one more\n"
    "  ~~~\n"
    "\n"
    "```response B\n"
    "b\n"
    "```\n"
    "\n"
    "- harm: safe\n"
    "- pref: A>>B\n"
    "- criteria: uplift, nope\n"
    "- tags: t1, t2\n"
    "\n"
    "| Response | sev |\n"
    "|----------|-----|\n"
    "| A        | 2   |\n"
    "| B        |     |\n"
    "\n"
    "The rationale, see [c2](case:c2) and [opt](option:harm/safe).\n"
    "\n"
    "```python\n"
    "code in rationale\n"
    "```\n"
    "\n"
    "## Case c2: Second\n"
    "\n"
    "```user\n"
    "hi\n"
    "```\n"
    "\n"
    "```assistant\n"
    "hello\n"
    "```\n"
    "\n"
    "```response\n"
    "only one\n"
    "```\n"
    "\n"
    "- status: draft\n"
    "- sev: 3\n"
    "- rank: B > A = C\n"
    "\n"
    "* harm: harmful\n"
    "\n"
    "+ Note: this is prose\n"
    "+ and so is this\n"
    "\n"
    "## Case c3: Mixed\n"
    "\n"
    "- harm: safe\n"
    "- this is not a property\n"
    "\n"
    "* sev: lots\n"
    "* pref: <<\n"
    "\n"
    "[broken](other.md#nowhere) [bad](javascript:alert(1))\n"
    "\n"
    "## Case: missing id\n"
    "\n"
    "## Case c4 oops\n";

static void test_model(void) {
  const char *dir = proj_new();
  proj_write(dir, "harm.md", harm_md, -1);
  proj_write(dir, "cases.md", cases_md, -1);
  proj_write(dir, "README.md", "# not a chapter\n## Case x: no\n", -1);
  proj_write(dir, "_build/x.md", "# ignored\n", -1);
  proj_write(dir, ".hidden/x.md", "# ignored\n", -1);
  cb_ctx *ctx;
  const cb_book *b = load(&ctx, dir);
  if (!b)
    return;
  CHECK_INT(b->n_chapters, 2);
  CHECK_STR(b->chapters[0].path, "cases.md");
  CHECK_STR(b->chapters[1].slug, "harm");
  CHECK_STR(b->chapters[1].title, "Harm");

  /* questions */
  CHECK_INT(b->n_questions, 4);
  const cb_question *q = cb_book_question(b, "harm");
  CHECK(q != NULL);
  if (q) {
    CHECK_INT(q->type, CB_Q_CHOICE);
    CHECK_INT(q->required, 0);
    CHECK_STR(q->hint, "Judge the effect");
    CHECK_STR(q->title, "Is it harmful?");
    CHECK_INT(q->loc.line, 5);
    CHECK_INT(q->n_options, 2);
    CHECK_STR(q->options[0].id, "safe");
    CHECK_STR(q->options[0].meaning_html, "<em>No</em> harm.");
    CHECK_STR(q->options[0].attrs[0].key, "hotkey");
    CHECK_STR(q->options[0].attrs[0].value, "s");
    CHECK_INT(q->options[1].loc.line, 14);
    CHECK_INT(q->options[1].loc.col, 3);
    CHECK(strstr(q->guidance.html, "Guidance prose.") != NULL);
    CHECK(strstr(q->guidance.html, "<h3 id=\"sub-heading\">") != NULL);
    CHECK(strstr(q->guidance.html, "Option") == NULL); /* table is data */
    CHECK(strstr(q->options[1].meaning_html, "href=\"cb-link:") != NULL);
  }
  q = cb_book_question(b, "sev");
  CHECK(q != NULL);
  if (q) {
    CHECK_INT(q->type, CB_Q_SCALE);
    CHECK_INT(q->scale_min, 1);
    CHECK_INT(q->scale_max, 5);
    CHECK_STR(q->when, "harm ~= \"safe\"");
    CHECK_INT(q->when_loc.line, 25);
    CHECK_INT(q->when_loc.col, 9);
    CHECK_INT(q->scope, CB_SCOPE_RESPONSE);
    CHECK_STR(q->title, "Severity");
  }
  q = cb_book_question(b, "pref");
  CHECK(q && q->type == CB_Q_PAIRWISE && strcmp(q->title, "Preference") == 0);
  q = cb_book_question(b, "rank");
  CHECK(q && q->type == CB_Q_RANK && q->responses.n == 3);
  if (q && q->responses.n == 3) {
    CHECK_STR(q->responses.items[2], "C");
    CHECK_INT(q->responses.locs[1].col, 17);
  }

  /* criteria */
  const cb_criterion *cr = cb_book_criterion(b, "uplift");
  CHECK(cr != NULL);
  if (cr) {
    CHECK_INT(cr->applies_to.n, 2);
    CHECK_STR(cr->severity, "major");
    CHECK_STR(cr->prose.text, "Never give uplift.");
  }

  /* cases */
  CHECK_INT(b->n_cases, 3);
  const cb_case *c = cb_book_case(b, "c1");
  CHECK(c != NULL);
  if (c) {
    CHECK_INT(c->n_inputs, 4);
    CHECK_INT(c->inputs[0].kind, CB_IN_SYSTEM);
    CHECK_INT(c->inputs[1].len, strlen("  two spaces\n<script>alert(1)</script>\n"));
    CHECK(memcmp(c->inputs[1].text, "  two spaces\n<script>", 21) == 0);
    CHECK_INT(c->inputs[2].kind, CB_IN_RESPONSE);
    CHECK_STR(c->inputs[2].name, "A");
    CHECK_INT(c->inputs[2].unnamed, 0);
    /* the fence's indentation is removed, as CommonMark says */
    CHECK_STR(c->inputs[2].text, "indented fence\n one more\n");
    CHECK_STR(c->inputs[3].name, "B");
    CHECK_INT(c->n_answers, 3);
    CHECK_STR(c->answers[0].key, "harm");
    CHECK_INT(c->answers[0].kind, CB_V_OPTION);
    CHECK_INT(c->answers[0].key_loc.line, 23);
    CHECK_INT(c->answers[0].value_loc.col, 9);
    CHECK_INT(c->answers[1].kind, CB_V_PAIRWISE);
    CHECK_INT(c->answers[1].strength, 2);
    CHECK_STR(c->answers[1].items[0], "A");
    CHECK_STR(c->answers[2].key, "sev");
    CHECK_STR(c->answers[2].response, "A");
    CHECK_INT(c->answers[2].number, 2);
    CHECK_INT(c->answers[2].value_loc.line, 30);
    CHECK_INT(c->criteria.n, 2);
    CHECK_STR(c->criteria.items[1], "nope");
    CHECK_INT(c->criteria.locs[1].col, 21);
    CHECK_INT(c->tags.n, 2);
    CHECK(strstr(c->rationale.text, "The rationale") != NULL);
    CHECK(strstr(c->rationale.html, "code in rationale") != NULL);
    CHECK(strstr(c->rationale.html, "harm: safe") == NULL);
    CHECK(c->responses_table_loc.line == 28);
  }
  c = cb_book_case(b, "c2");
  CHECK(c != NULL);
  if (c) {
    CHECK_INT(c->status, CB_STATUS_DRAFT);
    CHECK_INT(c->inputs[0].kind, CB_IN_USER);
    CHECK_INT(c->inputs[1].kind, CB_IN_ASSISTANT);
    /* an unnamed response goes by the one name every output uses */
    CHECK_STR(c->inputs[2].name, "response");
    CHECK_INT(c->inputs[2].unnamed, 1);
    CHECK_INT(c->n_answers, 2);
    /* a single response answers per-response questions in the list */
    CHECK_STR(c->answers[0].response, "response");
    CHECK_INT(c->answers[1].kind, CB_V_RANK);
    CHECK_INT(c->answers[1].n_items, 3);
    CHECK_STR(c->answers[1].items[0], "B");
    CHECK_INT(c->answers[1].tied[2], 1);
    CHECK_INT(c->answers[1].tied[1], 0);
    CHECK_INT(c->n_lists, 1);
    if (c->n_lists)
      CHECK_INT(c->lists[0].issue, CB_LIST_SECOND);
    CHECK(strstr(c->rationale.text, "this is prose") != NULL);
  }
  c = cb_book_case(b, "c3");
  CHECK(c != NULL);
  if (c) {
    CHECK_INT(c->n_lists, 1);
    if (c->n_lists) {
      CHECK_INT(c->lists[0].issue, CB_LIST_MIXED);
      CHECK_INT(c->lists[0].n_items, 2);
      CHECK(c->lists[0].items[1].key == NULL);
    }
    CHECK_INT(c->n_answers, 2);
    CHECK(c->answers[0].error != NULL);
    CHECK(c->answers[1].error != NULL);
  }

  /* links */
  int seen_case = 0, seen_opt = 0, seen_broken = 0, seen_js = 0, seen_self = 0;
  for (size_t i = 0; i < b->n_links; i++) {
    const cb_link *l = &b->links[i];
    if (l->kind == CB_LINK_CASE)
      seen_case = l->href && strcmp(l->href, "cases-chapter.html#case-c2") == 0;
    if (l->kind == CB_LINK_OPTION)
      seen_opt = l->href && strcmp(l->href, "harm.html#option-harm-safe") == 0;
    if (l->kind == CB_LINK_RELATIVE && strcmp(l->url, "other.md#nowhere") == 0)
      seen_broken = l->href == NULL && l->loc.line == 70 && l->loc.col == 1;
    if (l->kind == CB_LINK_UNSAFE)
      seen_js = l->href == NULL;
    if (l->kind == CB_LINK_RELATIVE && l->url[0] == '#')
      seen_self = l->href &&
                  strcmp(l->href, "harm.html#question-harm-is-it-harmful") == 0;
  }
  CHECK(seen_case);
  CHECK(seen_opt);
  CHECK(seen_broken);
  CHECK(seen_js);
  CHECK(seen_self);

  /* extractor diagnostics with their positions */
  CHECK_INT(count_rule(ctx, "bad-element-heading"), 2);
  const cb_diag *d = find_rule(ctx, "bad-element-heading");
  if (d) {
    CHECK_INT(d->line, 72);
    CHECK_INT(d->col, 1);
    CHECK(strstr(d->path, "cases.md") != NULL);
  }
  cb_ctx_free(ctx);
  proj_remove(dir);
}

static void test_bytes(void) {
  const char *dir = proj_new();
  const char text[] = "# T\n\n## Case a: x\n\n```prompt\nA\0B\xff\n```\n\n"
                      "Why.\n\n## Case b: later\n\nstill compiled\n";
  proj_write(dir, "t.md", text, (long)sizeof text - 1);
  cb_ctx *ctx;
  const cb_book *b = load(&ctx, dir);
  if (!b)
    return;
  CHECK_INT(b->n_cases, 2);
  if (b->n_cases == 2) {
    CHECK_INT(b->cases[0].inputs[0].len, 5);
    CHECK(memcmp(b->cases[0].inputs[0].text, "A\0B\xff\n", 5) == 0);
  }
  const cb_diag *nul = find_rule(ctx, "nul-byte");
  const cb_diag *bad = find_rule(ctx, "invalid-utf8");
  CHECK(nul && nul->line == 6 && nul->col == 2);
  CHECK(bad && bad->line == 6 && bad->col == 4);
  cb_ctx_free(ctx);
  proj_remove(dir);
}

/* Links to other files of the project are copied with the site. */
static void test_assets(void) {
  const char *dir = proj_new();
  proj_write(dir, "guide/a.md",
             "# A\n\n![x](img/x.png) [pdf](../files/f.pdf#page=2) "
             "[gone](img/none.png) [out](../../etc/passwd)\n",
             -1);
  proj_write(dir, "guide/img/x.png", "PNG", -1);
  proj_write(dir, "files/f.pdf", "PDF", -1);
  cb_ctx *ctx;
  const cb_book *b = load(&ctx, dir);
  if (!b)
    return;
  CHECK_INT(b->n_links, 4);
  if (b->n_links == 4) {
    CHECK_STR(b->links[0].asset, "guide/img/x.png");
    CHECK_STR(b->links[0].href, "assets/guide/img/x.png");
    CHECK_STR(b->links[1].asset, "files/f.pdf");
    CHECK_STR(b->links[1].href, "assets/files/f.pdf#page=2");
    CHECK(b->links[2].href == NULL && b->links[2].asset == NULL);
    CHECK(b->links[3].href == NULL && b->links[3].asset == NULL);
  }
  char out[600];
  snprintf(out, sizeof out, "%s/_build", dir);
  CHECK_INT(cb_book_emit(ctx, b, out), 0);
  char path[700];
  snprintf(path, sizeof path, "%s/html/assets/guide/img/x.png", out);
  FILE *fp = fopen(path, "rb");
  char got[8] = {0};
  CHECK(fp != NULL);
  if (fp) {
    CHECK_INT(fread(got, 1, sizeof got, fp), 3);
    fclose(fp);
  }
  CHECK_STR(got, "PNG");
  cb_ctx_free(ctx);
  proj_remove(dir);
}

static void test_errors(void) {
  cb_ctx *ctx;
  const cb_book *b = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK_INT(cb_book_load(&b, ctx, "/nonexistent/casebook"), CB_ENOTFOUND);
  CHECK(strstr(cb_ctx_error(ctx), "/nonexistent/casebook") != NULL);
  cb_ctx_free(ctx);

  const char *dir = proj_new();
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK_INT(cb_book_load(&b, ctx, dir), 0);
  CHECK_INT(count_rule(ctx, "empty-project"), 1);
  cb_ctx_free(ctx);
  proj_remove(dir);
}

/* An id holding a bidirectional control or another invisible character
 * is refused at that character: the option left out, the heading not an
 * element, the chapter's page named without it. */
static void test_hidden_ids(void) {
  const char *dir = proj_new();
  proj_write(dir, "a\xE2\x80\xAE" "b.md",
             "# Bidi\n"
             "\n"
             "## Question harm: Is it harmful?\n"
             "\n"
             "| Option | Meaning |\n"
             "|---|---|\n"
             "| sa\xE2\x80\xAE" "fe | Fine. |\n"   /* line 7 */
             "| bad\xE2\x80\x8B | Zero width. |\n" /* line 8 */
             "| good | Good. |\n"
             "\n"
             "## Case c1\xE2\x81\xA6x: A case\n", /* line 11: U+2066 */
             -1);
  cb_ctx *ctx;
  const cb_book *b = load(&ctx, dir);
  CHECK_INT(count_rule(ctx, "hidden-character"), 4);
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  const char *want[] = {
      "chapter file name 'a\xE2\x80\xAE" "b.md' holds U+202E, a "
      "bidirectional control, which reorders the text shown around it; an "
      "id may not hold invisible characters",
      "option id 'sa\xE2\x80\xAE" "fe' holds U+202E, a bidirectional "
      "control, which reorders the text shown around it; an id may not hold "
      "invisible characters",
      "option id 'bad\xE2\x80\x8B' holds U+200B, an invisible character; "
      "an id may not hold invisible characters",
      "case id 'c1\xE2\x81\xA6x' holds U+2066, a bidirectional control, "
      "which reorders the text shown around it; an id may not hold "
      "invisible characters"};
  uint32_t lines[] = {0, 7, 8, 11}, cols[] = {0, 5, 6, 11};
  size_t k = 0;
  for (size_t i = 0; i < n && k < 4; i++) {
    if (strcmp(d[i].rule, "hidden-character") != 0)
      continue;
    CHECK_INT(d[i].level, CB_DIAG_ERROR);
    CHECK_STR(d[i].message, want[k]);
    CHECK_INT(d[i].line, lines[k]);
    CHECK_INT(d[i].col, cols[k]);
    k++;
  }
  CHECK_INT(b->n_questions, 1);
  CHECK_INT(b->questions[0].n_options, 1);
  CHECK_STR(b->questions[0].options[0].id, "good");
  CHECK_INT(b->n_cases, 0);
  CHECK_STR(b->chapters[0].slug, "a-b");
  cb_ctx_free(ctx);
  proj_remove(dir);
}

/* What cases are for: the case's `use` first, then its chapter's
 * <!-- casebook-use: -->, then the manifest's, then training; a chapter
 * value that is no use is reported at the value and skipped; a question's
 * min-replies is read, a bad one left at 0. */
static void test_uses(void) {
  const char *dir = proj_new();
  proj_write(dir, "casebook.lua",
             "chapters = { \"q.md\", \"a.md\", \"b.md\", \"c.md\" }\n"
             "use = \"honeypot\"\n",
             -1);
  proj_write(dir, "q.md",
             "# Q\n\n## Question r: Order\n\n- type: rank\n- min-replies: 3\n\n"
             "## Question p: Pick\n\n- type: pairwise\n- min-replies: x\n",
             -1);
  proj_write(dir, "a.md",
             "# A\n\n<!-- casebook-use: exam -->\n\n"
             "## Case a1: A case\n\n```prompt\nHi.\n```\n\n- use: training\n\n"
             "Why.\n\n"
             "## Case a2: A case\n\n```prompt\nHi.\n```\n\n- tags: x\n\n"
             "Why.\n",
             -1);
  proj_write(dir, "b.md",
             "# B\n\n## Case b1: A case\n\n```prompt\nHi.\n```\n\n- tags: x\n\n"
             "Why.\n",
             -1);
  proj_write(dir, "c.md",
             "# C\n\n<!-- casebook-use: examm -->\n\n"
             "## Case c1: A case\n\n```prompt\nHi.\n```\n\n- tags: x\n\n"
             "Why.\n",
             -1);
  cb_ctx *ctx;
  const cb_book *b = load(&ctx, dir);
  const cb_case *a1 = cb_book_case(b, "a1"), *a2 = cb_book_case(b, "a2");
  const cb_case *b1 = cb_book_case(b, "b1"), *c1 = cb_book_case(b, "c1");
  CHECK(a1 && a2 && b1 && c1);
  if (a1 && a2 && b1 && c1) {
    CHECK_INT(cb_case_use(b, a1), CB_USE_TRAINING); /* its own */
    CHECK_INT(cb_case_use(b, a2), CB_USE_EXAM);     /* its chapter's */
    CHECK_INT(cb_case_use(b, b1), CB_USE_HONEYPOT); /* the manifest's */
    CHECK_INT(cb_case_use(b, c1), CB_USE_HONEYPOT); /* a bad chapter value */
  }
  const cb_diag *d = find_rule(ctx, "bad-property");
  CHECK(d != NULL);
  if (d) {
    CHECK_INT(d->line, 3);
    CHECK_INT(d->col, 20);
    CHECK_STR(d->suggestion, "exam");
  }
  CHECK_INT(cb_book_question(b, "r")->min_replies, 3);
  CHECK_INT(cb_book_question(b, "p")->min_replies, 0);
  CHECK_STR(cb_use_name(CB_USE_HONEYPOT), "honeypot");
  CHECK_INT(cb_use_parse("Exam"), CB_USE_EXAM);
  CHECK_INT(cb_use_parse("exams"), -1);
  CHECK_INT(cb_use_parse(NULL), -1);
  cb_ctx_free(ctx);
  proj_remove(dir);
}

/* Ranges (cb_loc's end, inclusive byte columns): a heading, a property's
 * key and value, the items of a list value, a table cell, a case's answer
 * in the Response table; and a diagnostic carries the range of what it
 * reports, while one with only a start has end_line 0. */
static int range_is(cb_loc l, uint32_t line, uint32_t col, uint32_t end_line,
                    uint32_t end_col) {
  return l.line == line && l.col == col && l.end_line == end_line &&
         l.end_col == end_col;
}

static const cb_answer *answer_of(const cb_case *c, const char *key,
                                  const char *response) {
  for (size_t i = 0; i < c->n_answers; i++)
    if (strcmp(c->answers[i].key, key) == 0 &&
        (!response || (c->answers[i].response &&
                       strcmp(c->answers[i].response, response) == 0)))
      return &c->answers[i];
  return NULL;
}

static void test_ranges(void) {
  const char *dir = proj_new();
  proj_write(dir, "harm.md", harm_md, -1);
  proj_write(dir, "cases.md", cases_md, -1);
  cb_ctx *ctx;
  const cb_book *b = load(&ctx, dir);
  if (!b)
    return;
  const cb_question *q = cb_book_question(b, "harm");
  CHECK(q != NULL);
  if (q) {
    /* "## Question harm: Is it harmful?" on line 5 */
    CHECK(range_is(q->loc, 5, 1, 5, 32));
    /* "- type: choice": the key "type", the value "choice" */
    CHECK(q->n_props >= 2);
    if (q->n_props >= 2) {
      CHECK_STR(q->props[0].key, "type");
      CHECK(range_is(q->props[0].key_loc, 7, 3, 7, 6));
      CHECK(range_is(q->props[0].value_loc, 7, 9, 7, 14));
      /* "- **required**: no": the key as written, emphasis and all */
      CHECK(range_is(q->props[1].key_loc, 8, 3, 8, 14));
      CHECK(range_is(q->props[1].value_loc, 8, 17, 8, 18));
    }
    /* "| safe    | ..." on line 13: the option id's cell text */
    CHECK(q->n_options == 2);
    if (q->n_options == 2)
      CHECK(range_is(q->options[0].loc, 13, 3, 13, 6));
  }
  const cb_criterion *cr = NULL;
  for (size_t i = 0; i < b->n_criteria; i++)
    if (strcmp(b->criteria[i].id, "uplift") == 0)
      cr = &b->criteria[i];
  CHECK(cr != NULL);
  if (cr && cr->applies_to.n == 2 && cr->applies_to.locs) {
    /* "- applies-to: harm, sev" on line 39: each item's own range */
    CHECK(range_is(cr->applies_to.locs[0], 39, 15, 39, 18));
    CHECK(range_is(cr->applies_to.locs[1], 39, 21, 39, 23));
  } else {
    CHECK(0 && "applies-to has two located items");
  }
  const cb_case *c = NULL;
  for (size_t i = 0; i < b->n_cases; i++)
    if (strcmp(b->cases[i].id, "c1") == 0)
      c = &b->cases[i];
  CHECK(c != NULL);
  if (c) {
    const cb_answer *a = answer_of(c, "pref", NULL);
    CHECK(a != NULL); /* "- pref: A>>B" on line 24 */
    if (a) {
      CHECK(range_is(a->key_loc, 24, 3, 24, 6));
      CHECK(range_is(a->value_loc, 24, 9, 24, 12));
    }
    a = answer_of(c, "sev", "A"); /* "| A        | 2   |" on line 30 */
    CHECK(a != NULL);
    if (a)
      CHECK(range_is(a->value_loc, 30, 14, 30, 14));
  }
  /* the heading "## Case: missing id" (line 72, the first of the two bad
   * headings): the diagnostic spans it */
  const cb_diag *d = find_rule(ctx, "bad-element-heading");
  CHECK(d != NULL);
  if (d)
    CHECK(range_is((cb_loc){0, d->line, d->col, d->end_line, d->end_col}, 72,
                   1, 72, 19));
  cb_ctx_free(ctx);

  /* reported in a file with a start only: no end */
  proj_write(dir, "harm.md", harm_md, -1);
  b = load(&ctx, dir);
  if (!b)
    return;
  cb_loc at = {0, 3, 4, 0, 0};
  cb_diag_report(ctx, CB_DIAG_WARNING, "x", at, NULL, NULL, "m");
  d = find_rule(ctx, "x");
  CHECK(d != NULL);
  if (d)
    CHECK(range_is((cb_loc){0, d->line, d->col, d->end_line, d->end_col}, 3,
                   4, 0, 0));
  cb_ctx_free(ctx);
  proj_remove(dir);
}

/* Every allocation failure on the way is reported, never a crash. */
static void test_out_of_memory(void) {
  const char *dir = proj_new();
  proj_write(dir, "harm.md", harm_md, -1);
  proj_write(dir, "cases.md", cases_md, -1);
  int failures = 0, ok = 0;
  for (test_sweep s = test_sweep_start(1, 7); s.n < 4000;
       test_sweep_next(&s)) {
    cb_ctx *ctx = NULL;
    const cb_book *b = NULL;
    cb_alloc_fail_after(s.n);
    int rc = cb_ctx_new(&ctx, NULL);
    if (rc == 0)
      rc = cb_book_load(&b, ctx, dir);
    cb_alloc_fail_after(0);
    if (rc < 0)
      failures++;
    else
      ok++;
    cb_ctx_free(ctx);
  }
  CHECK(failures > 0);
  CHECK(ok > 0);
  proj_remove(dir);
}

int main(void) {
  test_slug();
  test_model();
  test_bytes();
  test_assets();
  test_errors();
  test_hidden_ids();
  test_uses();
  test_ranges();
  test_out_of_memory();
  return test_report("extract");
}
