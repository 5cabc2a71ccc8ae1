/* SPDX-License-Identifier: MIT */
/*
 * test_when.c: unit tests of the `when` language (when.c): the forms the
 * grammar takes, the forms it refuses with their message and byte, the
 * limits, the evaluation on every answer type, and out of memory.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "casebook/casebook.h"
#include "ctx.h"
#include "export_util.h"
#include "testlib.h"
#include "when.h"

static const char chapter[] =
    "# W\n\n"
    "## Question harm: Harm\n\n"
    "| Option | Meaning |\n|---|---|\n| safe | S |\n| harmful | H |\n\n"
    "## Question issues: Issues\n\n- type: multi\n- required: no\n\n"
    "| Option | Meaning |\n|---|---|\n| tone | T |\n| length | L |\n"
    "| 2x | Twice |\n\n"
    "## Question extent: Extent\n\n- type: scale 1-5\n- required: no\n\n"
    "## Question order: Order\n\n- type: rank\n- required: no\n\n"
    "## Question better: Better\n\n- type: pairwise\n- required: no\n\n"
    "## Question note: Note\n\n- type: text\n- required: no\n\n"
    "## Question over-refusal: Over-refusal\n\n- required: no\n\n"
    "| Option | Meaning |\n|---|---|\n| yes | Y |\n| no | N |\n\n"
    "## Question acc: Accurate\n\n- scope: response\n- required: no\n\n"
    "| Option | Meaning |\n|---|---|\n| yes | Y |\n| no | N |\n\n"
    "## Case c1: Every type answered\n\n"
    "```prompt\nP\n```\n\n```response A\na\n```\n\n```response B\nb\n```\n\n"
    "- harm: harmful\n- issues: tone, 2x\n- extent: 3\n- order: B > A\n"
    "- better: A\n- note: Too long.\n- over-refusal: no\n\n"
    "| Response | acc |\n|---|---|\n| A | yes |\n| B | no |\n\nWhy.\n\n"
    "## Case c2: Few answers\n\n"
    "```prompt\nP\n```\n\n```response\nr\n```\n\n"
    "- harm: safe\n- issues: none\n- extent: lots\n- acc: yes\n\nWhy.\n";

static const cb_book *book;

/* Parses and resolves text against the book: 0, or the code with err. */
static int compile(cb_when **w, const char *text, cb_when_error *err) {
  int rc = cb_when_parse(w, text, strlen(text), err);
  if (rc == 0 && (rc = cb_when_resolve(*w, book, err)) < 0) {
    cb_free(*w);
    *w = NULL;
  }
  return rc;
}

/* The when text on case id (for response resp): 1, 0, -1 (msg set), or
 * -2 when it does not compile. */
static int eval(const char *text, const char *id, const char *resp, char *msg,
                size_t size) {
  cb_when *w = NULL;
  cb_when_error err;
  if (compile(&w, text, &err) < 0) {
    snprintf(msg, size, "%s", err.msg);
    return -2;
  }
  int r = cb_when_eval_case(w, book, cb_book_case(book, id), resp, msg, size);
  cb_free(w);
  return r;
}

#define EVAL(text, id, resp, want)                                             \
  do {                                                                         \
    char msg_[256] = "";                                                       \
    int got_ = eval(text, id, resp, msg_, sizeof msg_);                        \
    if (got_ != (want))                                                        \
      fprintf(stderr, "  when %s on %s: got %d (%s)\n", text, id, got_, msg_); \
    CHECK_INT(got_, want);                                                     \
  } while (0)

static void test_accepted(void) {
  static const char *const ok[] = {
      "harm ~= \"safe\"",
      "harm != 'safe'",
      "note == \"a\\\"b\\\\c\\n\\t\\'\"",
      "not (harm == \"safe\") and extent >= 2 or issues.tone",
      "harm in {\"safe\", \"harmful\",}",
      "extent in {1, 2.5, -3, 1e2}",
      "\"tone\" in issues",
      "has(issues, \"tone\") and has(extent, 4)",
      "issues[\"2x\"] and issues.2x and #issues > 0 and issues[1] == \"x\"",
      "over-refusal == \"no\" or over_refusal == \"no\"",
      "_ENV[\"over-refusal\"] == \"no\"",
      "true",
      "not not false",
      "(harm)== \"safe\"",
      "3 < extent",
      NULL};
  for (int i = 0; ok[i]; i++) {
    cb_when *w = NULL;
    cb_when_error err;
    int rc = compile(&w, ok[i], &err);
    if (rc != 0)
      fprintf(stderr, "  refused: %s: %s\n", ok[i], err.msg);
    CHECK_INT(rc, 0);
    cb_free(w);
  }
}

static void test_refused(void) {
  static const struct {
    const char *text;
    unsigned pos;
    const char *msg;
  } bad[] = {
      {"string.rep(\"\", 2^50) == \"\"", 0,
       "a when cannot call functions: `string.rep(...)`"},
      {"harm:upper() == \"X\"", 0,
       "a when cannot call functions: `harm:upper(...)`"},
      {"tostring(extent) == \"3\"", 0,
       "a when cannot call functions: `tostring(...)`"},
      {"extent + 1 > 2", 7, "a when has no arithmetic: `+`"},
      {"extent - 1 > 2", 7, "a when has no arithmetic: `-`"},
      {"extent > 2 ^ 3", 11, "a when has no arithmetic: `^`"},
      {"harm = \"safe\"", 5, "a when cannot assign (`=`): compare with `==`"},
      {"harm .. \"x\" == \"safex\"", 5, "a when cannot join strings: `..`"},
      {"harm == \"safe\" -- why", 15, "a when cannot have comments: `--`"},
      {"harm == \"safe\"; x", 14, "a when is one expression: `;`"},
      {"nil == harm", 0,
       "a when cannot use `nil`: reading an unanswered question makes the "
       "when false (write the answer alone for \"answered\")"},
      {"(function() return true end)()", 1,
       "a when cannot define functions: `function`"},
      {"if harm then", 0,
       "`if` is not part of a when, which is one expression over the "
       "answers"},
      {"harm == \"a\" == \"b\"", 12,
       "comparisons do not chain: `harm == \"a\" ==`; join them with `and`"},
      {"not harm == \"safe\"", 9,
       "`not harm ==`: `not` applies before the comparison; write not (a "
       "== b)"},
      {"(harm == \"a\") == true", 14,
       "`==` compares answers and literals, not conditions"},
      {"harm == (extent > 1)", 8,
       "`==` compares answers and literals, not conditions like "
       "`(extent > 1)`"},
      {"harm ==", 7, "the when ends after `==`: a value is missing"},
      {"", 0, "the when is empty"},
      {"   ", 3, "the when is empty"},
      {"(harm == \"safe\"", 15,
       "the when ends after `\"safe\"`: `)` is missing"},
      {"harm == \"safe\")", 14, "`)` has no `(`"},
      {"harm == \"safe", 8, "a string is not closed"},
      {"harm == \"a\nb\"", 10, "a string must end on its line"},
      {"harm == \"a\\qb\"", 10,
       "`\\q`: a string takes only the escapes \\\\, \\\", \\', \\n and \\t"},
      {"extent == 0x10", 10, "`0x10`: a when takes decimal numbers only"},
      {"extent == 12ab", 10, "`12ab` is not a number"},
      {"harm in {}", 8, "the set `{}` is empty"},
      {"harm in {extent}", 9,
       "a set in braces holds strings and numbers only, not `extent`"},
      {"{1} == harm", 0, "a set in braces (`{`) may only follow `in`"},
      {"harm in extent > 1", 15,
       "comparisons do not chain: `harm in extent >`; join them with `and`"},
      {"\"a\" in \"b\"", 7,
       "`in` looks in an answer or a set in braces, and `\"b\"` is neither"},
      {"issues.tone.x", 0,
       "`issues.tone.x`: only one .option or [n] may follow an answer"},
      {"issues.tone.x(1)", 0,
       "a when cannot call functions: `issues.tone.x(...)`"},
      {"issues[1.5]", 6,
       "`[1.5]`: an answer's [...] takes a whole number (an item) or a "
       "string (an option)"},
      {"issues[extent]", 6,
       "`[extent`: an answer's [...] takes a whole number (an item) or a "
       "string (an option)"},
      {"issues. == 1", 6, "an option is missing after `.`"},
      {"_ENV.harm", 0, "_ENV may only name a question: _ENV[\"over-refusal\"]"},
      {"#\"abc\" > 1", 0, "`#\"abc\"`: # takes the length of an answer only"},
      {"has(\"x\", harm)", 4,
       "has() looks in an answer, and `\"x\"` is not one"},
      {"harm @ 1", 5, "unexpected `@` where `and` or `or` is expected"},
      {"harm == \"safe\" extent", 15,
       "unexpected `extent` where `and` or `or` is expected"},
      {"\xe2\x80\xae harm", 0,
       "unexpected `\\u{202E}` where a value is expected"},
      {"harm == \x01", 8, "unexpected `\\x01` where a value is expected"},
      {"hram == \"x\"", 0, "'hram' is not a question (did you mean 'harm'?)"},
      {"issues.tone or zzzzzzzzzzz", 15, "'zzzzzzzzzzz' is not a question"},
      {"extent-1 > 2", 0,
       "'extent-1' is not a question, and a when has no arithmetic"},
      {"over_refusl == \"no\"", 0,
       "'over_refusl' is not a question (did you mean 'over_refusal'?)"},
      {"_ENV[\"Harm\"]", 0, "'Harm' is not a question (did you mean 'harm'?)"},
      /* strings tested against a choice or multi answer are its options */
      {"harm == \"Harmful\"", 8,
       "'Harmful' is not an option of question 'harm' (did you mean "
       "'harmful'?)"},
      {"\"safe \" ~= harm", 0,
       "'safe ' is not an option of question 'harm' (did you mean 'safe'?)"},
      {"harm in {\"safe\", \"harmfull\"}", 17,
       "'harmfull' is not an option of question 'harm' (did you mean "
       "'harmful'?)"},
      {"\"tones\" in issues", 0,
       "'tones' is not an option of question 'issues' (did you mean 'tone'?)"},
      {"has(issues, \"lenght\")", 12,
       "'lenght' is not an option of question 'issues' (did you mean "
       "'length'?)"},
      {"issues.lenght", 0,
       "'lenght' is not an option of question 'issues' (did you mean "
       "'length'?)"},
      {"extent > 1 and issues[\"zzzz\"]", 15,
       "'zzzz' is not an option of question 'issues' (its options are "
       "'tone', 'length', '2x')"},
      {"over_refusal ~= \"maybe\"", 16,
       "'maybe' is not an option of question 'over-refusal' (its options "
       "are 'yes', 'no')"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cb_when *w = NULL;
    cb_when_error err;
    int rc = compile(&w, bad[i].text, &err);
    CHECK_INT(rc, CB_ERROR);
    CHECK(w == NULL);
    if (rc == CB_ERROR) {
      CHECK_STR(err.msg, bad[i].msg);
      if (err.pos != bad[i].pos)
        fprintf(stderr, "  %s: at %u\n", bad[i].text, err.pos);
      CHECK_INT(err.pos, bad[i].pos);
    }
    cb_free(w);
  }
}

/* The length and nesting limits, at and past them. */
static void test_limits(void) {
  char *text = cb_malloc(CB_WHEN_MAX_LEN + 2);
  CHECK(text != NULL);
  if (!text)
    return;
  /* "harm == 'x' or harm == 'x' or ..." to exactly the limit */
  size_t n = 0;
  strcpy(text, "true");
  n = 4;
  while (n + 8 <= CB_WHEN_MAX_LEN) {
    memcpy(text + n, " or true", 8);
    n += 8;
  }
  while (n < CB_WHEN_MAX_LEN)
    text[n++] = ' ';
  text[n] = '\0';
  cb_when *w = NULL;
  cb_when_error err;
  CHECK_INT(cb_when_parse(&w, text, n, &err), 0);
  CHECK(w && cb_when_eval(w, NULL, NULL, NULL, 0) == 1);
  cb_free(w);
  text[n++] = ' ';
  text[n] = '\0';
  CHECK_INT(cb_when_parse(&w, text, n, &err), CB_ERROR);
  CHECK_STR(err.msg, "the when is longer than 4096 bytes");
  CHECK_INT(err.pos, 4096);

  cb_buf b = {0};
  for (int i = 0; i < CB_WHEN_MAX_DEPTH; i++)
    cb_buf_puts(&b, "(");
  cb_buf_puts(&b, "true");
  for (int i = 0; i < CB_WHEN_MAX_DEPTH; i++)
    cb_buf_puts(&b, ")");
  CHECK_INT(cb_when_parse(&w, b.data, b.len, &err), 0);
  cb_free(w);
  cb_buf_reset(&b);
  for (int i = 0; i <= CB_WHEN_MAX_DEPTH; i++)
    cb_buf_puts(&b, "(");
  cb_buf_puts(&b, "true");
  CHECK_INT(cb_when_parse(&w, b.data, b.len, &err), CB_ERROR);
  CHECK_STR(err.msg, "the when is nested too deeply (more than 32 levels)");
  CHECK_INT(err.pos, 32);
  cb_buf_reset(&b);
  for (int i = 0; i <= CB_WHEN_MAX_DEPTH; i++)
    cb_buf_puts(&b, "not ");
  cb_buf_puts(&b, "true");
  CHECK_INT(cb_when_parse(&w, b.data, b.len, &err), CB_ERROR);
  CHECK_STR(err.msg, "the when is nested too deeply (more than 32 levels)");
  cb_buf_reset(&b);
  for (int i = 0; i <= CB_WHEN_MAX_DEPTH; i++)
    cb_buf_puts(&b, "has(");
  CHECK_INT(cb_when_parse(&w, b.data, b.len, &err), CB_ERROR);
  CHECK_STR(err.msg, "the when is nested too deeply (more than 32 levels)");
  cb_buf_free(&b);

  /* a long chain is read in a loop and evaluated in one: a when at the
   * limit of `a or a or ...` parses and runs at once */
  static const char piece[] = "\"length\" in issues or extent < 1 or ";
  n = 0;
  while (n + sizeof piece - 1 + 4 <= CB_WHEN_MAX_LEN) {
    memcpy(text + n, piece, sizeof piece - 1);
    n += sizeof piece - 1;
  }
  memcpy(text + n, "true", 5);
  clock_t t0 = clock();
  char msg[256];
  CHECK_INT(eval(text, "c1", NULL, msg, sizeof msg), 1);
  CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
  cb_free(text);
}

static void test_eval(void) {
  /* choice, multi, scale, rank, pairwise, text */
  EVAL("harm == \"harmful\"", "c1", NULL, 1);
  EVAL("harm ~= \"safe\"", "c1", NULL, 1);
  EVAL("harm != \"harmful\"", "c1", NULL, 0);
  EVAL("harm in {\"safe\"}", "c1", NULL, 0);
  EVAL("harm in {\"harmful\"}", "c1", NULL, 1);
  EVAL("harm < \"i\" and harm > \"h\"", "c1", NULL, 1);
  EVAL("#harm == 7", "c1", NULL, 1);
  EVAL("harm == 1", "c1", NULL, 0);
  EVAL("has(harm, \"harmful\")", "c1", NULL, 1);
  EVAL("\"tone\" in issues", "c1", NULL, 1);
  EVAL("has(issues, \"length\")", "c1", NULL, 0);
  EVAL("issues.tone and issues.2x and issues[\"2x\"]", "c1", NULL, 1);
  EVAL("issues.length", "c1", NULL, 0);
  EVAL("issues.tone == true", "c1", NULL, 1);
  EVAL("#issues == 2 and issues[1] == \"tone\" and issues[2] == \"2x\"", "c1",
       NULL, 1);
  EVAL("issues[3]", "c1", NULL, 0);
  EVAL("issues in {\"tone\"}", "c1", NULL, 0);
  EVAL("issues == issues", "c1", NULL, 1);
  EVAL("issues == order", "c1", NULL, 0);
  EVAL("extent >= 3 and extent < 4 and extent == 3.0", "c1", NULL, 1);
  EVAL("extent > 2.5 and -1 < extent and extent in {1, 3}", "c1", NULL, 1);
  EVAL("extent == \"3\"", "c1", NULL, 0);
  EVAL("order[1] == \"B\" and \"A\" in order and #order == 2", "c1", NULL, 1);
  EVAL("better == \"A\"", "c1", NULL, 1);
  EVAL("note == \"Too long.\" and #note == 9", "c1", NULL, 1);
  EVAL("over-refusal == \"no\" and over_refusal == \"no\" and "
       "_ENV[\"over-refusal\"] == \"no\"",
       "c1", NULL, 1);
  EVAL("true and not false", "c1", NULL, 1);
  EVAL("not (harm == \"safe\")", "c1", NULL, 1);
  /* a per-response answer: seen with its response only */
  EVAL("acc == \"yes\"", "c1", NULL, 0);
  EVAL("acc == \"yes\"", "c1", "A", 1);
  EVAL("acc == \"yes\"", "c1", "B", 0);
  EVAL("acc == \"yes\"", "c2", "", 1);
  /* unanswered: the whole when is false, even under not; only what is
   * read counts */
  EVAL("note", "c2", NULL, 0);
  EVAL("not note", "c2", NULL, 0);
  EVAL("not (note == \"x\")", "c2", NULL, 0);
  EVAL("harm == \"safe\" or note == \"x\"", "c2", NULL, 1);
  EVAL("note == \"x\" or harm == \"safe\"", "c2", NULL, 0);
  EVAL("harm == \"harmful\" and note == \"x\"", "c2", NULL, 0);
  EVAL("\"a\" in order", "c2", NULL, 0);
  /* multi "none" is an empty list, answered */
  EVAL("issues and #issues == 0 and not issues.tone", "c2", NULL, 1);
  /* an answer that does not parse is its text */
  EVAL("extent == \"lots\"", "c2", NULL, 1);
  EVAL("extent > 1", "c2", NULL, -1);
  EVAL("#extent > 1", "c1", NULL, -1);
  char msg[256];
  CHECK_INT(
      eval("harm == \"safe\" and extent > 1", "c2", NULL, msg, sizeof msg), -1);
  CHECK_STR(msg, "cannot order a string and a number: `extent > 1`");
  CHECK_INT(eval("#extent", "c1", NULL, msg, sizeof msg), -1);
  CHECK_STR(msg, "# takes the length of a list or a string, not of a "
                 "number: `#extent`");
  CHECK_INT(eval("issues < 1", "c1", NULL, msg, sizeof msg), -1);
  CHECK_STR(msg, "cannot order a list and a number: `issues < 1`");
}

/* Every allocation failing in turn: a clean CB_ENOMEM, nothing leaked
 * (ASan says so), then success. */
static void test_out_of_memory(void) {
  static const char *const texts[] = {
      "not (harm == \"safe\") and \"tone\" in issues or extent in {1, 2}",
      "hram == \"x\""};
  for (size_t t = 0; t < 2; t++) {
    int done = 0;
    for (test_sweep s = test_sweep_start(1, 1); s.n < 200 && !done;
         test_sweep_next(&s)) {
      cb_when *w = NULL;
      cb_when_error err;
      cb_alloc_fail_after(s.n);
      int rc = compile(&w, texts[t], &err);
      cb_alloc_fail_after(0);
      CHECK(rc == (t == 0 ? 0 : CB_ERROR) || rc == CB_ENOMEM);
      done = rc != CB_ENOMEM;
      cb_free(w);
    }
    CHECK(done);
  }
}

/* The conditions the annotation tools can show (cb_export__when): "q
 * has one of these options", read from the parsed when. */
static void test_tool_conditions(void) {
  static const char tools[] =
      "# T\n\n## Question pick: Pick\n\n"
      "| Option | Meaning |\n|---|---|\n| a | A |\n| b | B |\n| c | C |\n\n"
      "## Question many: Many\n\n- type: multi\n\n"
      "| Option | Meaning |\n|---|---|\n| x | X |\n| y | Y |\n\n"
      "## Question w1: W\n\n- type: text\n- when: pick == \"a\" or pick == "
      "\"b\"\n\n"
      "## Question w2: W\n\n- type: text\n- when: pick ~= \"a\"\n\n"
      "## Question w3: W\n\n- type: text\n- when: pick in {\"c\", \"a\"}\n\n"
      "## Question w4: W\n\n- type: text\n- when: \"x\" in many or many.y\n\n"
      "## Question w5: W\n\n- type: text\n- when: many == \"x\"\n\n"
      "## Question w6: W\n\n- type: text\n- when: pick ~= \"a\" or pick == "
      "\"b\"\n\n"
      "## Question w7: W\n\n- type: text\n- when: pick == \"a\" and many.x\n\n"
      "## Question w8: W\n\n- type: text\n- when: has(pick, \"b\") or "
      "(\"c\" == pick)\n\n"
      "## Question w9: W\n\n- type: text\n- when: pick == \"zz\"\n\n"
      "## Question w10: W\n\n- type: text\n- when: pick == \"a\" or many.x\n";
  static const char *const want[] = {
      "pick a,b", "pick b,c", "pick a,c", "many x,y", "",
      "",         "",         "pick b,c", "",         ""};
  cb_ctx *ctx = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  cb_source_file f = {"t.md", tools, sizeof tools - 1};
  const cb_book *b = NULL;
  CHECK_INT(cb_book_load_files(&b, ctx, &f, 1), 0);
  for (int i = 0; b && i < 10; i++) {
    char id[16];
    snprintf(id, sizeof id, "w%d", i + 1);
    cb_xwhen x;
    int r = cb_export__when(&x, ctx, b, cb_book_question(b, id));
    char got[64] = "";
    if (r == 1) {
      snprintf(got, sizeof got, "%s ", x.on->id);
      for (size_t k = 0; k < x.n_values; k++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s",
                 k ? "," : "", x.values[k]);
    }
    CHECK_INT(r, *want[i] ? 1 : 0);
    CHECK_STR(got, want[i]);
  }
  cb_ctx_free(ctx);
}

int main(void) {
  cb_ctx *ctx = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  cb_source_file f = {"w.md", chapter, sizeof chapter - 1};
  CHECK_INT(cb_book_load_files(&book, ctx, &f, 1), 0);
  if (book) {
    test_accepted();
    test_refused();
    test_limits();
    test_eval();
    test_out_of_memory();
    test_tool_conditions();
  }
  cb_ctx_free(ctx);
  return test_report("when");
}
