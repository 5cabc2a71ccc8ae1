/* SPDX-License-Identifier: MIT */
/*
 * test_diag_format.c: the CI formats of the diagnostics (diag_format.c)
 * on books in memory: the span a suggestion replaces (in bytes for
 * rdjson, in code points for SARIF), fingerprints that survive moved
 * lines, GitHub's limit of annotations, hostile text, and every format
 * under allocation failures: a clean CB_ENOMEM, no leak, and with memory
 * again the same bytes as before. The consumers' own checks of these
 * formats are in tests/layers/ci.sh.
 */
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "diag_format.h"
#include "testlib.h"
#include "utf8.h"

/* A chapter with a misspelt option after multibyte text, a misspelt
 * criterion and a case without rationale. */
static const char chapter[] = "# Chapter\n"
                              "\n"
                              "## Question harm: Is it harmful?\n"
                              "\n"
                              "- scope: response\n"
                              "\n"
                              "| Option | Meaning |\n"
                              "|---|---|\n"
                              "| safe | Fine. |\n"
                              "| harmful | Not fine. |\n"
                              "\n"
                              "## Criterion charity: Read charitably\n"
                              "\n"
                              "Be kind.\n"
                              "\n"
                              "## Case c1: First\n"
                              "\n"
                              "```response \xc3\x84\xc3\xa4\n" /* "Ää" */
                              "fine\n"
                              "```\n"
                              "\n"
                              "| Response | harm |\n"
                              "|---|---|\n"
                              "| \xc3\x84\xc3\xa4 | harmfull |\n" /* line 24 */
                              "\n"
                              "- criteria: charty\n" /* line 26 */
                              "\n"
                              "Because.\n"
                              "\n"
                              "## Case c2: Second\n"
                              "\n"
                              "```response A\n"
                              "ok\n"
                              "```\n"
                              "\n"
                              "| Response | harm |\n"
                              "|---|---|\n"
                              "| A | safe |\n";

/* Loads text as book.md and checks it; the caller frees the context. */
static cb_ctx *load(const char *text) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  if (cb_ctx_new(&ctx, NULL) < 0)
    return NULL;
  cb_source_file f = {"book.md", text, strlen(text)};
  CHECK_INT(cb_book_load_files(&book, ctx, &f, 1), 0);
  CHECK_INT(cb_book_check(ctx, book), 0);
  return ctx;
}

/* What cb_diag_print writes in fmt (malloc'd), its result in *rc. */
static char *print(cb_ctx *ctx, cb_diag_format fmt, int *rc) {
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&buf, &len);
  if (!fp)
    return NULL;
  *rc = cb_diag_print(fp, ctx, fmt, 0);
  fclose(fp);
  return buf;
}

static int count(const char *s, const char *what) {
  int n = 0;
  for (const char *p = s; (p = strstr(p, what)) != NULL; p += strlen(what))
    n++;
  return n;
}

static void test_spans(void) {
  cb_ctx *ctx = load(chapter);
  int rc = -1;
  char *rd = print(ctx, CB_FMT_RDJSON, &rc);
  CHECK_INT(rc, 0);
  /* 'harmfull' starts at byte 8 of "| Ää | harmfull |" (Ä and ä take
   * two bytes each), and is 8 bytes long */
  CHECK(strstr(rd, "\"start\": {\n              \"line\": 24,\n"
                   "              \"column\": 10\n            },\n"
                   "            \"end\": {\n              \"line\": 24,\n"
                   "              \"column\": 18\n") != NULL);
  CHECK(strstr(rd, "\"text\": \"harmful\"") != NULL);
  CHECK(strstr(rd, "\"text\": \"charity\"") != NULL);
  free(rd);
  char *sarif = print(ctx, CB_FMT_SARIF, &rc);
  CHECK_INT(rc, 0);
  /* the same span in code points: columns 8 to 16 */
  CHECK(strstr(sarif, "\"startLine\": 24,\n"
                      "                        \"startColumn\": 8,\n"
                      "                        \"endColumn\": 16\n") != NULL);
  CHECK(strstr(sarif, "\"columnKind\": \"unicodeCodePoints\"") != NULL);
  CHECK(strstr(sarif, "Replace 'harmfull' with 'harmful'") != NULL);
  /* every built-in rule is listed, with its help */
  CHECK(strstr(sarif, "\"id\": \"unknown-option\"") != NULL);
  CHECK(strstr(sarif, "\"id\": \"rule-error\"") != NULL);
  CHECK(count(sarif, "\"defaultConfiguration\"") > 20);
  free(sarif);
  cb_ctx_free(ctx);
}

/* The fingerprints of the SARIF of text (malloc'd, one per line). */
static char *fingerprints(const char *text) {
  cb_ctx *ctx = load(text);
  int rc = -1;
  char *sarif = print(ctx, CB_FMT_SARIF, &rc);
  CHECK_INT(rc, 0);
  cb_buf b = {0};
  const char *key = "\"casebook/v1\": \"";
  for (const char *p = sarif; (p = strstr(p, key)) != NULL;) {
    p += strlen(key);
    cb_buf_append(&b, p, 32);
    cb_buf_putc(&b, '\n');
  }
  char *out = strdup(cb_buf_cstr(&b));
  cb_buf_free(&b);
  free(sarif);
  cb_ctx_free(ctx);
  return out;
}

static void test_fingerprints(void) {
  char *a = fingerprints(chapter);
  size_t n = strlen(chapter);
  char *moved = malloc(n + 64);
  strcpy(moved, "Some prose.\n\nMore prose.\n\n");
  memcpy(moved + strlen(moved), chapter, n + 1);
  char *b = fingerprints(moved);
  CHECK(strlen(a) > 33 * 3);
  CHECK_STR(a, b);
  /* the same diagnostic twice gets two fingerprints */
  const char *twice =
      "# T\n\n## Question q: Q?\n\n| Option | Meaning |\n|---|---|\n"
      "| yes | Y. |\n\n## Case c: C\n\n```prompt\np\n```\n\n- q: yse\n\n"
      "Why.\n\n## Case d: D\n\n```prompt\np2\n```\n\n- q: yes\n\nWhy.\n"
      "\n## Case e: E\n\n```prompt\np3\n```\n\n- q: yse\n\nWhy.\n";
  char *c = fingerprints(twice);
  CHECK(strlen(c) == 33 * 2);
  CHECK(strncmp(c, c + 33, 32) != 0);
  free(a);
  free(b);
  free(c);
  free(moved);
}

static void test_github(void) {
  unsetenv("GITHUB_STEP_SUMMARY");
  cb_buf text = {0};
  cb_buf_puts(&text, "# T\n\n## Question q: Q?\n\n| Option | Meaning |\n"
                     "|---|---|\n| yes | Y. |\n| no | N. |\n\n");
  for (int i = 0; i < 12; i++)
    cb_buf_printf(&text,
                  "## Case c%d: C\n\n```prompt\np%d\n```\n\n- q: maybe\n\n"
                  "Why.\n\n",
                  i, i);
  cb_ctx *ctx = load(cb_buf_cstr(&text));
  int rc = -1;
  char *out = print(ctx, CB_FMT_GITHUB, &rc);
  CHECK_INT(rc, 0);
  CHECK_INT(count(out, "\n::error "), 10);
  CHECK_INT(count(out, ": error: 'maybe' is not an option"), 2);
  CHECK(strstr(out, "casebook: GitHub shows 10 annotations of each level "
                    "per step: 2 errors, 0 warnings and 0 notes above are "
                    "plain lines\n12 errors, 0 warnings, 2 notes\n") != NULL);
  free(out);
  cb_ctx_free(ctx);
  cb_buf_free(&text);
}

/* Hostile text everywhere a format writes it. */
static void test_hostile(void) {
  const char *text =
      "# T\n\n## Question q: Q?\n\n| Option | Meaning |\n|---|---|\n"
      "| yes | Y. |\n\n## Case c: C\n\n```prompt\np\n```\n\n"
      "- q: ]]><script>%0A\xff\x01\n\nWhy.\n";
  cb_ctx *ctx = load(text);
  int rc = -1;
  char *gh = print(ctx, CB_FMT_GITHUB, &rc);
  CHECK_INT(rc, 0);
  CHECK(strstr(gh, "']]>%250A\xef\xbf\xbd\xe2\x90\x81' is not an option") !=
        NULL);
  CHECK(strstr(gh, "\xff") == NULL && strstr(gh, "\x01") == NULL);
  free(gh);
  char *junit = print(ctx, CB_FMT_JUNIT, &rc);
  CHECK_INT(rc, 0);
  CHECK(strstr(junit, "']]&gt;%0A\xef\xbf\xbd\xe2\x90\x81' is not") != NULL);
  CHECK(strstr(junit, "<script>") == NULL);
  CHECK(strstr(junit, "\x01") == NULL && strstr(junit, "\xff") == NULL);
  free(junit);
  char *sarif = print(ctx, CB_FMT_SARIF, &rc);
  CHECK_INT(rc, 0);
  CHECK(strstr(sarif, "']]>%0A\xef\xbf\xbd\\u0001' is not") != NULL);
  free(sarif);
  cb_ctx_free(ctx);
}

/* The text of s from the first from up to the first to after it
 * (malloc'd; "" when either is missing). */
static char *between(const char *s, const char *from, const char *to) {
  const char *a = s ? strstr(s, from) : NULL;
  const char *b = a ? strstr(a, to) : NULL;
  return a && b ? strndup(a, (size_t)(b - a)) : strdup("");
}

/* SARIF lists the rules the check left in the context (ctx->rules);
 * printed from a context that was never checked, the same rules, the
 * registry listed by cb_diag_print itself. */
static void test_rules_without_check(void) {
  cb_ctx *checked = load(chapter), *loaded = NULL;
  const cb_book *book = NULL;
  CHECK_INT(cb_ctx_new(&loaded, NULL), 0);
  cb_source_file f = {"book.md", chapter, strlen(chapter)};
  CHECK_INT(cb_book_load_files(&book, loaded, &f, 1), 0);
  CHECK(checked->rules != NULL && checked->n_rules > 20);
  CHECK(loaded->rules == NULL);
  int rc = -1;
  char *a = print(checked, CB_FMT_SARIF, &rc);
  CHECK_INT(rc, 0);
  char *b = print(loaded, CB_FMT_SARIF, &rc);
  CHECK_INT(rc, 0);
  CHECK_INT((int)loaded->n_rules, (int)checked->n_rules);
  char *ra = between(a, "\"rules\": [", "\"columnKind\""),
       *rb = between(b, "\"rules\": [", "\"columnKind\"");
  CHECK(strlen(ra) > 1000);
  CHECK_STR(ra, rb);
  free(ra);
  free(rb);
  free(a);
  free(b);
  cb_ctx_free(checked);
  cb_ctx_free(loaded);
}

/* Runs fmt with allocation n failing: 0 when the result is right
 * (CB_ENOMEM, or the complete output), 1 when not; *failed when it
 * failed. */
static int fail_at(cb_ctx *ctx, cb_diag_format fmt, const char *want, long n,
                   int *failed) {
  int rc = -1, wrong = 0;
  cb_alloc_fail_after(n);
  char *got = print(ctx, fmt, &rc);
  cb_alloc_fail_after(0);
  *failed = rc != 0;
  if (rc == 0) {
    wrong = !got || strcmp(got, want) != 0;
  } else {
    wrong = rc != CB_ENOMEM;
  }
  if (wrong)
    fprintf(stderr, "format %d: allocation %ld failed: result %d%s\n", (int)fmt,
            n, rc, rc == 0 ? ", other output" : "");
  free(got);
  return wrong;
}

/* Each allocation of a format fails in turn: the result is CB_ENOMEM or
 * the complete output, never something else, and nothing leaks. SARIF
 * lists the rules the check left in the context: printing it starts no
 * Lua, so it is swept like the others. */
static void test_out_of_memory(void) {
  static const cb_diag_format formats[] = {CB_FMT_SARIF, CB_FMT_GITHUB,
                                           CB_FMT_JUNIT, CB_FMT_RDJSON};
  cb_ctx *ctx = load(chapter);
  for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
    cb_diag_format fmt = formats[f];
    int rc = -1, failed = 0, failures = 0, wrong = 0;
    char *want = print(ctx, fmt, &rc);
    CHECK_INT(rc, 0);
    long n = 1, step = 1, settle = 400;
    /* past the last allocation every run succeeds: stop after 3 */
    long successes = 0, seen = 0;
    for (test_sweep s = test_sweep_start(n, step);
         (successes < 3 || !seen || s.n < settle) && s.n < 200000;
         test_sweep_next(&s)) {
      wrong += fail_at(ctx, fmt, want, s.n, &failed);
      failures += (int)s.weight * failed;
      seen |= failed;
      successes = failed ? 0 : successes + 1;
    }
    /* github reuses three buffers; the others allocate as they go */
    CHECK(failures >= (fmt == CB_FMT_GITHUB ? 3 : 15));
    CHECK_INT(wrong, 0);
    char *again = print(ctx, fmt, &rc);
    CHECK_STR(again, want);
    free(again);
    free(want);
  }
  cb_ctx_free(ctx);
}

/* Text shown to people: one way for every printer (cb_utf8__show). */
static void test_show(void) {
  static const struct {
    cb_show_mode mode;
    const char *in, *out;
  } cases[] = {
      {CB_SHOW_LINE, "a\xE2\x80\xAE" "b\xE2\x81\xA9" "c\xD8\x9C",
       "a<U+202E>b<U+2069>c<U+061C>"},
      {CB_SHOW_LINE, "\x1b[31m\n\t",
       "\xE2\x90\x9B[31m\xE2\x90\x8A\xE2\x90\x89"},
      {CB_SHOW_LINES, "x\ny\t\x1b", "x\ny\t\xE2\x90\x9B"},
      {CB_SHOW_JSON, "x\n\x1b\xE2\x80\x8F", "x\n\x1b<U+200F>"},
      {CB_SHOW_LINE, "##[error]x #[y] ##z [", "##<U+005B>error]x #[y] ##z ["},
      {CB_SHOW_LINE, "\xC2\x85\xFF\xEF\xB7\x90 ok \xE2\x80\x8B",
       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD ok \xE2\x80\x8B"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cb_buf b = {0};
    cb_utf8__show(&b, cases[i].in, strlen(cases[i].in), cases[i].mode);
    CHECK_STR(cb_buf_cstr(&b), cases[i].out);
    cb_buf_free(&b);
  }
  char esc[11];
  CHECK_INT(cb_utf8__escape(esc, 0xE0100), 9);
  CHECK(memcmp(esc, "<U+E0100>", 9) == 0);
  CHECK(cb_utf8__hidden(0x200B) && cb_utf8__hidden(0xFEFF) &&
        cb_utf8__hidden(0x202E) && !cb_utf8__hidden(0xE9) &&
        !cb_utf8__bidi(0x200B));
  /* lines a GitHub runner would read as workflow commands */
  CHECK_INT(cb_diag_format__command_at("::error::x", 10), 0);
  CHECK_INT(cb_diag_format__command_at(" \t::x", 5), 2);
  CHECK_INT(cb_diag_format__command_at("\xC2\xA0\xE3\x80\x80::x", 8), 5);
  CHECK(cb_diag_format__command_at("a::x", 4) == SIZE_MAX);
  CHECK(cb_diag_format__command_at(" :x", 3) == SIZE_MAX);
}

/* A bidirectional control in an id and in a rule's message: escaped in
 * every format, never written raw. */
static void test_bidi(void) {
  unsetenv("GITHUB_STEP_SUMMARY");
  cb_ctx *ctx = load("# T\n\n## Question q: Q?\n\n| Option | Meaning |\n"
                     "|---|---|\n| y\xE2\x80\xAEs | Y. |\n| no | N. |\n");
  static const cb_diag_format fmts[] = {CB_FMT_GCC,    CB_FMT_JSON,
                                        CB_FMT_SARIF,  CB_FMT_GITHUB,
                                        CB_FMT_JUNIT,  CB_FMT_RDJSON};
  for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
    int rc = -1;
    char *out = print(ctx, fmts[i], &rc);
    CHECK_INT(rc, 0);
    CHECK(out && strstr(out, "\xE2\x80\xAE") == NULL);
    CHECK(out && (strstr(out, "option id 'y<U+202E>s' holds U+202E") ||
                  strstr(out, "option id 'y&lt;U+202E&gt;s' holds U+202E")));
    free(out);
  }
  int rc = -1;
  char *out = print(ctx, CB_FMT_GCC, &rc);
  CHECK(out && strstr(out, "book.md:7:4: error: option id 'y<U+202E>s' "
                           "holds U+202E, a bidirectional control, which "
                           "reorders the text shown around it; an id may "
                           "not hold invisible characters "
                           "[hidden-character]\n"
                           "   7 | | y<U+202E>s | Y. |\n"
                           "     |    ^\n") != NULL);
  free(out);
  cb_ctx_free(ctx);
}

int main(void) {
  test_show();
  test_bidi();
  test_spans();
  test_fingerprints();
  test_github();
  test_hostile();
  test_rules_without_check();
  test_out_of_memory();
  return test_report("diag_format");
}
