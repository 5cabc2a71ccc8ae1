/* SPDX-License-Identifier: MIT */
/* Unit tests of the emitters (emit.c, emit_json.c, emit_html.c and its
 * html_*.c modules): the HTML writer on its own, then a small book built
 * by hand, full of hostile text, emitted into a temporary directory; the
 * files are then read back and checked. */
#include <dirent.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctx.h"
#include "emit_html.h"
#include "html_writer.h"
#include "links.h"
#include "projtest.h"
#include "testlib.h"
#include "utf8.h"

#define BIG_LEN (1024 * 1024)

static const char hostile[] = "<script>alert(1)</script>";
/* invalid UTF-8 (FF, FE, a truncated C3), then a NUL inside */
static const char bad_bytes[] = "ok \xff\xfe\xc3 end a\0b";
static const char bad_fixed[] =
    "ok \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end a\0b";

/* ---- reading files back ---------------------------------------------- */

static void rm_rf(const char *path) {
  char cmd[1100];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", path);
}

/* ---- the book -------------------------------------------------------- */

static cb_strlist list(cb_arena *a, int n, ...);

#include <stdarg.h>
static cb_strlist list(cb_arena *a, int n, ...) {
  cb_strlist l = {NULL, NULL, 0};
  l.items = cb_arena_calloc(a, (size_t)n + 1, sizeof *l.items);
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++)
    l.items[i] = va_arg(ap, const char *);
  va_end(ap);
  l.n = (size_t)n;
  return l;
}

static cb_loc at(uint32_t file, uint32_t line) {
  cb_loc l = {file, line, 1, 0, 0};
  return l;
}

static cb_book *make_book(cb_arena *a, const char *root) {
  cb_book *b = cb_arena_calloc(a, 1, sizeof *b);
  b->root = root;
  b->files = cb_arena_calloc(a, 2, sizeof *b->files);
  b->files[0].path = "intro.md";
  b->files[1].path = "harm.md";
  b->n_files = 2;
  b->manifest.title = "Chat <safety> & \"guide\"";
  b->stamp.version = "1.2";

  /* links: 0 case, 1 relative, 2 unsafe, 3 external with & and " */
  b->links = cb_arena_calloc(a, 6, sizeof *b->links);
  b->n_links = 6;
  b->links[0].kind = CB_LINK_CASE;
  b->links[0].href = "harm.html#case-c1";
  b->links[1].kind = CB_LINK_RELATIVE;
  b->links[1].href = "harm.html#harm";
  b->links[2].kind = CB_LINK_UNSAFE;
  b->links[2].url = "javascript:alert(1)";
  b->links[2].href = "javascript:alert(1)";
  b->links[3].kind = CB_LINK_EXTERNAL;
  b->links[3].href = "https://example.com/?a=1&b=\"2\"";
  /* not marked unsafe by the loader: the emitter still refuses it */
  b->links[4].kind = CB_LINK_EXTERNAL;
  b->links[4].href = " JavaScript:alert(1)";
  b->links[5].kind = CB_LINK_EXTERNAL;
  b->links[5].is_image = 1;
  b->links[5].href = "data:image/png;base64,AAAA";

  b->chapters = cb_arena_calloc(a, 2, sizeof *b->chapters);
  b->n_chapters = 2;
  cb_chapter *intro = &b->chapters[0];
  intro->file = 0;
  intro->path = "intro.md";
  intro->title = "Introduction";
  intro->slug = "intro";
  intro->headings = cb_arena_calloc(a, 1, sizeof(cb_heading));
  intro->headings[0] =
      (cb_heading){1, "Introduction", "introduction", at(0, 1)};
  intro->n_headings = 1;
  intro->items = cb_arena_calloc(a, 2, sizeof(cb_item));
  intro->items[0] = (cb_item){CB_ITEM_HEADING, 0, NULL};
  intro->items[1] =
      (cb_item){CB_ITEM_PROSE, 0,
                "<p>See <a href=\"cb-link:0\">the case</a>, "
                "<a href=\"cb-link:1\">harm</a>, "
                "<a href=\"cb-link:2\">bad</a> and "
                "<a href=\"cb-link:3\">out</a>. Text cb-link:0 stays.</p>\n"};
  intro->n_items = 2;

  cb_chapter *harm = &b->chapters[1];
  harm->file = 1;
  harm->path = "harm.md";
  harm->title = "Harm <b>&amp;";
  harm->slug = "harm";
  static const struct {
    int level;
    const char *text, *slug;
    uint32_t line;
  } hs[] = {
      {1, "Harm", "harm", 1},
      {2, "Question harm: Is it harmful?", "question-harm-is-it-harmful", 3},
      {2, "Question severity", "question-severity", 10},
      {2, "Question ranking", "question-ranking", 14},
      {2, "Question pref", "question-pref", 16},
      {2, "Question verdict", "question-verdict", 18},
      {2, "Question issues", "question-issues", 19},
      {2, "Criterion benign", "criterion-benign", 20},
      {2, "Case c1", "case-c1-hostile", 30},
      {2, "Case c2", "case-c2", 50},
      {3, "Case c3", "case-c3", 60},
      {2, "Duplicate", "case-c1", 70}, /* collides with an element id */
  };
  size_t nh = sizeof hs / sizeof hs[0];
  harm->headings = cb_arena_calloc(a, nh, sizeof(cb_heading));
  for (size_t i = 0; i < nh; i++)
    harm->headings[i] =
        (cb_heading){hs[i].level, hs[i].text, hs[i].slug, at(1, hs[i].line)};
  harm->n_headings = nh;
  harm->items = cb_arena_calloc(a, 12, sizeof(cb_item));
  cb_item *it = harm->items;
  size_t n = 0;
  it[n++] = (cb_item){CB_ITEM_HEADING, 0, NULL};
  for (size_t q = 0; q < 6; q++)
    it[n++] = (cb_item){CB_ITEM_QUESTION, q, NULL};
  it[n++] = (cb_item){CB_ITEM_CRITERION, 0, NULL};
  for (size_t c = 0; c < 3; c++)
    it[n++] = (cb_item){CB_ITEM_CASE, c, NULL};
  it[n++] = (cb_item){CB_ITEM_HEADING, 11, NULL};
  harm->n_items = n;

  /* questions */
  b->questions = cb_arena_calloc(a, 6, sizeof(cb_question));
  b->n_questions = 6;
  cb_question *q = &b->questions[0];
  q->id = "harm";
  q->title = "Is it harmful?";
  q->hint = q->title;
  q->loc = at(1, 3);
  q->chapter = 1;
  q->type = CB_Q_CHOICE;
  q->required = 1;
  q->guidance = (cb_prose){"<p>Judge the <em>response</em>.</p>\n",
                           "Judge the response."};
  q->options = cb_arena_calloc(a, 2, sizeof(cb_option));
  q->n_options = 2;
  q->options[0].id = "safe";
  q->options[0].meaning_html =
      "<p>Nothing <a href=\"cb-link:0\">harmful</a></p>";
  q->options[0].meaning_text = "Nothing harmful";
  q->options[0].attrs = cb_arena_calloc(a, 1, sizeof(cb_attr));
  q->options[0].attrs[0] = (cb_attr){"hotkey", "1"};
  q->options[0].n_attrs = 1;
  q->options[1].id = "harmful";
  q->options[1].meaning_html = "<p>Real uplift</p>";
  q->options[1].meaning_text = "Real uplift";
  q->options[1].attrs = cb_arena_calloc(a, 1, sizeof(cb_attr));
  q->options[1].attrs[0] = (cb_attr){"hotkey", "2"};
  q->options[1].n_attrs = 1;

  q = &b->questions[1];
  q->id = "severity";
  q->title = "";
  q->loc = at(1, 10);
  q->chapter = 1;
  q->type = CB_Q_SCALE;
  q->scale_min = 1;
  q->scale_max = 5;
  q->when = "harm ~= \"safe\"";
  q->options = cb_arena_calloc(a, 2, sizeof(cb_option));
  q->n_options = 2;
  q->options[0] =
      (cb_option){"1", 1, "<p>Minor</p>", "Minor", NULL, 0, at(1, 12), {0}};
  q->options[1] =
      (cb_option){"5", 5, "<p>Severe</p>", "Severe", NULL, 0, at(1, 13), {0}};

  q = &b->questions[2];
  q->id = "ranking";
  q->title = "Rank them";
  q->loc = at(1, 14);
  q->chapter = 1;
  q->type = CB_Q_RANK;
  q->responses = list(a, 3, "A", "B", "C");

  q = &b->questions[3];
  q->id = "pref";
  q->title = "Which is better?";
  q->loc = at(1, 16);
  q->chapter = 1;
  q->type = CB_Q_PAIRWISE;
  q->responses = list(a, 2, "A", "B");

  q = &b->questions[4];
  q->id = "verdict";
  q->title = "Verdict";
  q->loc = at(1, 18);
  q->chapter = 1;
  q->type = CB_Q_CHOICE;
  q->scope = CB_SCOPE_RESPONSE;
  q->options = cb_arena_calloc(a, 2, sizeof(cb_option));
  q->n_options = 2;
  q->options[0].id = "good";
  q->options[1].id = "bad";

  q = &b->questions[5];
  q->id = "issues";
  q->title = "Issues";
  q->loc = at(1, 19);
  q->chapter = 1;
  q->type = CB_Q_MULTI;
  q->options = cb_arena_calloc(a, 1, sizeof(cb_option));
  q->n_options = 1;
  q->options[0].id = "tone";

  /* criteria */
  b->criteria = cb_arena_calloc(a, 1, sizeof(cb_criterion));
  b->n_criteria = 1;
  cb_criterion *cr = &b->criteria[0];
  cr->id = "benign";
  cr->title = "Read charitably";
  cr->loc = at(1, 20);
  cr->chapter = 1;
  cr->applies_to = list(a, 2, "harm", "nosuch");
  cr->severity = "major";
  cr->points = "3";
  cr->prose = (cb_prose){"<p>A <a href=\"cb-link:3\">rule</a>.</p>", "A rule."};

  /* cases */
  b->cases = cb_arena_calloc(a, 3, sizeof(cb_case));
  b->n_cases = 3;
  cb_case *c = &b->cases[0];
  c->id = "c1";
  c->title = "<img src=x onerror=alert(1)>";
  c->loc = at(1, 30);
  c->chapter = 1;
  char *big = cb_arena_alloc(a, BIG_LEN + 1);
  for (size_t i = 0; i < BIG_LEN; i++)
    big[i] = (char)('a' + i % 26);
  for (size_t i = 99; i < BIG_LEN; i += 100)
    big[i] = '\n';
  big[BIG_LEN] = '\0';
  c->inputs = cb_arena_calloc(a, 4, sizeof(cb_input));
  c->n_inputs = 4;
  c->inputs[0] = (cb_input){CB_IN_PROMPT,       NULL,     "prompt", hostile,
                            sizeof hostile - 1, at(1, 31), '`'};
  c->inputs[1] =
      (cb_input){CB_IN_RESPONSE,       "A",      "response A", bad_bytes,
                 sizeof bad_bytes - 1, at(1, 34), '`'};
  c->inputs[2] =
      (cb_input){CB_IN_RESPONSE, "B",       "response B", big,
                 BIG_LEN,        at(1, 37), '`'};
  c->inputs[3] = (cb_input){
      CB_IN_RESPONSE, "C", "response C", "\nstarts with a newline", 22,
      at(1, 40), '`'};
  c->answers = cb_arena_calloc(a, 8, sizeof(cb_answer));
  cb_answer *an = c->answers;
  const char **one = cb_arena_calloc(a, 1, sizeof(char *));
  one[0] = "safe";
  an[0] = (cb_answer){.key = "harm",
                      .raw = "safe",
                      .question = 0,
                      .kind = CB_V_OPTION,
                      .items = one,
                      .n_items = 1};
  an[1] = (cb_answer){.key = "severity",
                      .raw = "5",
                      .question = 1,
                      .kind = CB_V_NUMBER,
                      .number = 5};
  const char **rk = cb_arena_calloc(a, 3, sizeof(char *));
  rk[0] = "B";
  rk[1] = "A";
  rk[2] = "C";
  unsigned char *tied = cb_arena_calloc(a, 3, 1);
  tied[2] = 1;
  an[2] = (cb_answer){.key = "ranking",
                      .raw = "B > A = C",
                      .question = 2,
                      .kind = CB_V_RANK,
                      .items = rk,
                      .tied = tied,
                      .n_items = 3};
  const char **pa = cb_arena_calloc(a, 1, sizeof(char *));
  pa[0] = "A";
  an[3] = (cb_answer){.key = "pref",
                      .raw = "A>>B",
                      .question = 3,
                      .kind = CB_V_PAIRWISE,
                      .items = pa,
                      .n_items = 1,
                      .strength = 2};
  an[4] = (cb_answer){.key = "bogus",
                      .raw = "<b>whatever</b>",
                      .question = -1,
                      .kind = CB_V_NONE};
  const char **good = cb_arena_calloc(a, 1, sizeof(char *));
  good[0] = "good";
  const char **bad = cb_arena_calloc(a, 1, sizeof(char *));
  bad[0] = "bad";
  an[5] = (cb_answer){.key = "verdict",
                      .raw = "good",
                      .response = "A",
                      .question = 4,
                      .kind = CB_V_OPTION,
                      .items = good,
                      .n_items = 1};
  an[6] = (cb_answer){.key = "verdict",
                      .raw = "bad",
                      .response = "B",
                      .question = 4,
                      .kind = CB_V_OPTION,
                      .items = bad,
                      .n_items = 1};
  an[7] = (cb_answer){.key = "harm",
                      .raw = "oops",
                      .question = 0,
                      .kind = CB_V_NONE,
                      .error = "not an option"};
  c->n_answers = 8;
  c->criteria = list(a, 2, "benign", "nope");
  c->tags = list(a, 2, "over-refusal", "<script>");
  c->source = "red team, round 2";
  c->rationale =
      (cb_prose){"<p>Because <a href=\"cb-link:0\">x</a>.</p>", "Because x."};

  c = &b->cases[1];
  c->id = "c2";
  c->title = "Draft";
  c->loc = at(1, 50);
  c->chapter = 1;
  c->status = CB_STATUS_DRAFT;
  c->inputs = cb_arena_calloc(a, 1, sizeof(cb_input));
  c->n_inputs = 1;
  c->inputs[0] =
      (cb_input){CB_IN_PROMPT, NULL, "prompt", "draft", 5, at(1, 51), '`'};

  c = &b->cases[2];
  c->id = "c3";
  c->title = "Single response";
  c->loc = at(1, 60);
  c->chapter = 1;
  c->inputs = cb_arena_calloc(a, 2, sizeof(cb_input));
  c->n_inputs = 2;
  c->inputs[0] =
      (cb_input){CB_IN_SYSTEM, NULL, "system", "sys", 3, at(1, 61), '`'};
  c->inputs[1] =
      (cb_input){CB_IN_RESPONSE, "", "response", "r", 1, at(1, 63), '`'};
  c->answers = cb_arena_calloc(a, 2, sizeof(cb_answer));
  c->answers[0] = (cb_answer){.key = "verdict",
                              .raw = "good",
                              .question = 4,
                              .kind = CB_V_OPTION,
                              .items = good,
                              .n_items = 1};
  c->answers[1] = (cb_answer){
      .key = "issues", .raw = "none", .question = 5, .kind = CB_V_OPTIONS};
  c->n_answers = 2;
  c->criteria = list(a, 1, "benign");
  return b;
}

/* ---- checks ---------------------------------------------------------- */

static void test_text(void) {
  cb_buf b = {0};
  struct {
    const char *in;
    size_t len;
    cb_text_mode mode;
    const char *out;
  } cases[] = {
      {"plain", 5, CB_TEXT_JSON, "plain"},
      {"\xe2\x82\xac \xf0\x9f\x98\x80", 8, CB_TEXT_JSON,
       "\xe2\x82\xac \xf0\x9f\x98\x80"},
      {"\xc0\xaf", 2, CB_TEXT_JSON, "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\xe0\x80\x80", 3, CB_TEXT_JSON, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"x\xe2\x82", 3, CB_TEXT_JSON, "x\xEF\xBF\xBD"},
      {"\xed\xa0\x80", 3, CB_TEXT_JSON, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\xf4\x90\x80\x80", 4, CB_TEXT_JSON,
       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\xf0\x9f\x98", 3, CB_TEXT_JSON, "\xEF\xBF\xBD"},
      {"a\x01\x7f", 3, CB_TEXT_JSON, "a\x01\x7f"},
      {"a\x01\x7f\tb\n", 6, CB_TEXT_HTML, "a\xE2\x90\x81\xE2\x90\xA1\tb\n"},
      {"\xc2\x85|\xef\xb7\x90|\xef\xbf\xbe", 9, CB_TEXT_HTML,
       "\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cb_buf_reset(&b);
    cb_utf8__text_fix(&b, cases[i].in, cases[i].len, cases[i].mode);
    CHECK_STR(cb_buf_cstr(&b), cases[i].out);
    CHECK_INT(cb_utf8__text_ok(cases[i].in, cases[i].len, cases[i].mode),
              strlen(cases[i].out) == cases[i].len &&
                  memcmp(cases[i].out, cases[i].in, cases[i].len) == 0);
  }
  /* The eight-bytes-at-a-time path agrees with the byte-wise one: random
   * strings over bytes at the edges of every class. */
  static const unsigned char alphabet[] = {
      0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x3C, 0x7E, 0x7F, 0x80,
      0xBF, 0xC2, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 'a',  'z'};
  unsigned seed = 12345;
  int agree = 1;
  for (int round = 0; round < 20000; round++) {
    unsigned char str[40];
    size_t n = (size_t)(round % 40);
    for (size_t k = 0; k < n; k++) {
      seed = seed * 1103515245u + 12345u;
      /* mostly plain letters, so that whole words take the fast path */
      str[k] = (seed >> 16) % 4 ? (unsigned char)('a' + (seed >> 8) % 26)
                                : alphabet[(seed >> 20) % sizeof alphabet];
    }
    for (int mode = 0; mode < 2; mode++) {
      cb_buf_reset(&b);
      cb_utf8__text_fix(&b, (const char *)str, n, (cb_text_mode)mode);
      int same = b.len == n && (n == 0 || memcmp(b.data, str, n) == 0);
      if (cb_utf8__text_ok((const char *)str, n, (cb_text_mode)mode) != same)
        agree = 0;
    }
  }
  CHECK(agree);

  /* NUL: kept for JSON, a visible U+2400 in HTML */
  cb_buf_reset(&b);
  cb_utf8__text_fix(&b, "a\0b", 3, CB_TEXT_JSON);
  CHECK(b.len == 3 && memcmp(b.data, "a\0b", 3) == 0);
  cb_buf_reset(&b);
  cb_utf8__text_fix(&b, "a\0b", 3, CB_TEXT_HTML);
  CHECK_STR(cb_buf_cstr(&b), "a\xE2\x90\x80"
                             "b");
  cb_buf_free(&b);
}

/* What the writer must write for text (in_attr == 0), an attribute value
 * or a URL: the steps of the DOM-building emitter it replaced, one after
 * the other (URL-encode, clean, escape). */
static void reference(cb_buf *out, const char *s, size_t len, int mode) {
  cb_buf url = {0}, clean = {0};
  if (mode == 2) {
    char *z = calloc(1, len + 1);
    memcpy(z, s, len);
    cb_links__url(&url, z);
    free(z);
    s = cb_buf_cstr(&url);
    len = url.len;
  }
  cb_utf8__text_fix(&clean, s, len, CB_TEXT_HTML);
  for (size_t i = 0; i < clean.len; i++) {
    char c = clean.data[i];
    if (c == '&')
      cb_buf_puts(out, "&amp;");
    else if (c == '<')
      cb_buf_puts(out, "&lt;");
    else if (c == '>')
      cb_buf_puts(out, "&gt;");
    else if (c == '"' && mode)
      cb_buf_puts(out, "&quot;");
    else
      cb_buf_putc(out, c);
  }
  cb_buf_free(&url);
  cb_buf_free(&clean);
}

static void test_writer(cb_book *book) {
  cb_html h = {0};
  cb_html__open(&h, CB_TAG_DIV, "a\"b<c>&");
  cb_html__attr(&h, "title", "x\x01y\xff");
  cb_html__text(&h, "<script>&\"'\0z", 13);
  cb_html__open(&h, CB_TAG_PRE, NULL);
  cb_html__text(&h, "\nline", 5);
  cb_html__close(&h);
  cb_html__link(&h, "a b\"<>&\\^`{|}\x7f\xc3\xa9\xff", "c", "t");
  cb_html__fragment(&h, book, "<a href=\"cb-link:2\">bad</a>\xff\x01");
  cb_html__leaf(&h, CB_TAG_SPAN, NULL, NULL);
  cb_html__close(&h);
  CHECK_INT(h.depth, 0);
  cb_buf_putc(&h.buf, '\0');
  CHECK_STR(h.buf.data,
            "<div class=\"a&quot;b&lt;c&gt;&amp;\" title=\"x\xE2\x90\x81y"
            "\xEF\xBF\xBD\">&lt;script&gt;&amp;\"'\xE2\x90\x80z<pre>\n\nline"
            "</pre>\n<a class=\"c\" href=\"a%20b%22%3C%3E&amp;%5C%5E%60%7B%7C"
            "%7D%7F\xc3\xa9\xEF\xBF\xBD\">t</a><a "
            "href=\"#\">bad</a>\xEF\xBF\xBD\xE2\x90\x81"
            "<span></span></div>\n");

  /* pieces written once, copied */
  cb_html piece = {0};
  size_t from = cb_html__mark(&piece);
  cb_html__leaf(&piece, CB_TAG_LI, NULL, "one");
  size_t to = cb_html__mark(&piece);
  cb_html__reset(&h);
  cb_html__open(&h, CB_TAG_OL, NULL);
  cb_html__splice(&h, &piece, from, to);
  cb_html__splice(&h, &piece, from, to);
  cb_html__close(&h);
  cb_buf_putc(&h.buf, '\0');
  CHECK_STR(h.buf.data, "<ol><li>one</li>\n<li>one</li>\n</ol>\n");
  cb_html__free(&piece);

  /* text, attribute values and URLs agree with the reference on random
   * strings over bytes at the edges of every class */
  static const unsigned char alphabet[] = {
      0x00, 0x01, 0x09, 0x0A, 0x0C, 0x0D, 0x1F, 0x20, 0x22, 0x26,
      0x3C, 0x3E, 0x5C, 0x7E, 0x7F, 0x80, 0xBF, 0xC2, 0xC3, 0xA9,
      0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0xFF, '%',  '#',  'a',  'z'};
  unsigned seed = 54321;
  int agree = 1;
  cb_buf want = {0};
  for (int round = 0; round < 20000 && agree; round++) {
    char str[40];
    size_t n = (size_t)(round % 40);
    for (size_t k = 0; k < n; k++) {
      seed = seed * 1103515245u + 12345u;
      str[k] = (seed >> 16) % 3
                   ? (char)('a' + (seed >> 8) % 26)
                   : (char)alphabet[(seed >> 20) % sizeof alphabet];
    }
    for (int mode = 0; mode < 3; mode++) {
      /* attribute values and URLs are C strings */
      size_t len = mode ? strnlen(str, n) : n;
      cb_html__reset(&h);
      cb_buf_reset(&want);
      if (mode == 0) {
        cb_html__open(&h, CB_TAG_P, NULL);
        cb_buf_puts(&want, "<p>");
        cb_html__text(&h, str, len);
        reference(&want, str, len, 0);
        cb_html__close(&h);
        cb_buf_puts(&want, "</p>\n");
      } else {
        char *z = calloc(1, len + 1);
        memcpy(z, str, len);
        cb_html__open(&h, CB_TAG_SPAN, NULL);
        cb_buf_puts(&want, mode == 1 ? "<span title=\"" : "<span href=\"");
        if (mode == 1)
          cb_html__attr(&h, "title", z);
        else
          cb_html__attr_url(&h, "href", z, len);
        reference(&want, z, len, mode);
        cb_html__close(&h);
        cb_buf_puts(&want, "\"></span>");
        free(z);
      }
      if (h.buf.len != want.len || memcmp(h.buf.data, want.data, want.len)) {
        fprintf(stderr, "writer and reference differ (mode %d, round %d)\n",
                mode, round);
        agree = 0;
      }
    }
  }
  CHECK(agree);
  cb_buf_free(&want);
  cb_html__free(&h);
}

static void test_links(cb_book *book) {
  cb_buf b = {0};
  cb_links__html(&b, book,
                 "<a href=\"cb-link:3\">x</a><img src=\"cb-link:2\" alt=\"\">"
                 "<a href=\"cb-link:99\">y</a> cb-link:1 <a title=\"cb-link:\">"
                 "<a href=\"cb-link:4\"><img src=\"cb-link:5\">"
                 "<a href=\"cb-link:0");
  CHECK_STR(cb_buf_cstr(&b),
            "<a href=\"https://example.com/?a=1&amp;b=%222%22\">x</a>"
            "<img src=\"#\" alt=\"\"><a href=\"#\">y</a> cb-link:1 "
            "<a title=\"cb-link:\"><a href=\"#\">"
            "<img src=\"data:image/png;base64,AAAA\"><a href=\"cb-link:0");
  cb_buf_free(&b);
}

static int has_id(xmlNodePtr n, const char *id, int *dups, int *scripts) {
  int found = 0;
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (strcmp((const char *)n->name, "script") == 0) {
      /* the site's own script is the one allowed, besides the JSON data
       * block of its words, which never runs */
      xmlChar *src = xmlGetProp(n, BAD_CAST "src");
      xmlChar *type = xmlGetProp(n, BAD_CAST "type");
      int words = !src && type &&
                  strcmp((const char *)type, "application/json") == 0;
      if (!words &&
          (!src || strcmp((const char *)src, "site.js") != 0 || n->children))
        (*scripts)++;
      xmlFree(src);
      xmlFree(type);
    }
    xmlChar *v = xmlGetProp(n, BAD_CAST "id");
    if (v && strcmp((const char *)v, id) == 0)
      found++;
    xmlFree(v);
    found += has_id(n->children, id, dups, scripts);
  }
  return found;
}

/* Each id is on exactly one element, and no <script> is anywhere but
 * the site's own site.js. */
static void check_ids(const proj_blob *page, const char *const *ids) {
  htmlDocPtr doc = htmlReadMemory(
      page->data, (int)page->len, "page.html", "UTF-8",
      HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
  CHECK(doc != NULL);
  if (!doc)
    return;
  for (size_t i = 0; ids[i]; i++) {
    int dups = 0, scripts = 0;
    int n = has_id(doc->children, ids[i], &dups, &scripts);
    if (n != 1)
      fprintf(stderr, "id %s found %d times\n", ids[i], n);
    CHECK_INT(n, 1);
    CHECK_INT(scripts, 0);
  }
  xmlFreeDoc(doc);
}

static void check_json(const char *out) {
  json_error_t jerr;
  char path[1024];
  snprintf(path, sizeof path, "%s/rubric.json", out);
  json_t *r = json_load_file(path, 0, &jerr);
  CHECK(r != NULL);
  if (!r) {
    fprintf(stderr, "rubric.json: %s\n", jerr.text);
    return;
  }
  CHECK_INT(json_integer_value(json_object_get(r, "format")), 1);
  CHECK_STR(json_string_value(json_object_get(r, "title")),
            "Chat <safety> & \"guide\"");
  json_t *v = json_object_get(r, "version");
  CHECK_STR(json_string_value(json_object_get(v, "version")), "1.2");
  CHECK(json_is_null(json_object_get(v, "commit")));
  CHECK(json_is_false(json_object_get(v, "dirty")));
  json_t *qs = json_object_get(r, "questions");
  CHECK_INT(json_array_size(qs), 6);
  json_t *q0 = json_array_get(qs, 0);
  CHECK_STR(json_string_value(json_object_get(q0, "id")), "harm");
  CHECK_STR(json_string_value(json_object_get(q0, "type")), "choice");
  CHECK(json_is_null(json_object_get(q0, "scale")));
  CHECK(json_is_true(json_object_get(q0, "required")));
  json_t *o0 = json_array_get(json_object_get(q0, "options"), 0);
  CHECK_STR(json_string_value(json_object_get(o0, "meaning")),
            "<p>Nothing <a href=\"harm.html#case-c1\">harmful</a></p>");
  CHECK_STR(json_string_value(
                json_object_get(json_object_get(o0, "attrs"), "hotkey")),
            "1");
  json_t *q1 = json_array_get(qs, 1);
  CHECK_INT(
      json_integer_value(json_object_get(json_object_get(q1, "scale"), "max")),
      5);
  CHECK_INT(json_integer_value(json_object_get(
                json_array_get(json_object_get(q1, "options"), 1), "value")),
            5);
  CHECK_STR(json_string_value(json_object_get(q1, "when")), "harm ~= \"safe\"");
  json_t *src = json_object_get(q0, "source");
  CHECK_STR(json_string_value(json_object_get(src, "file")), "harm.md");
  CHECK_INT(json_integer_value(json_object_get(src, "line")), 3);
  json_t *c0 = json_array_get(json_object_get(r, "criteria"), 0);
  CHECK_INT(json_integer_value(json_object_get(c0, "points")), 3);
  CHECK_STR(json_string_value(json_object_get(c0, "html")),
            "<p>A <a href=\"https://example.com/?a=1&amp;b=%222%22\">"
            "rule</a>.</p>");
  json_t *ch = json_array_get(json_object_get(r, "chapters"), 1);
  CHECK_STR(json_string_value(json_object_get(ch, "page")), "harm.html");
  CHECK_INT(json_array_size(json_object_get(ch, "headings")), 12);
  json_decref(r);

  /* gold.jsonl: c1 and c3, not the draft */
  snprintf(path, sizeof path, "%s/gold.jsonl", out);
  FILE *fp = fopen(path, "rb");
  CHECK(fp != NULL);
  if (!fp)
    return;
  json_t *lines[3] = {NULL, NULL, NULL};
  size_t n = 0;
  while (n < 3 &&
         (lines[n] = json_loadf(fp, JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL,
                                &jerr)) != NULL)
    n++;
  fclose(fp);
  CHECK_INT(n, 2);
  json_t *g = lines[0];
  CHECK_STR(json_string_value(json_object_get(g, "id")), "c1");
  json_t *in = json_object_get(g, "inputs");
  CHECK_INT(json_array_size(in), 4);
  CHECK_STR(json_string_value(json_object_get(json_array_get(in, 0), "text")),
            hostile);
  json_t *t1 = json_object_get(json_array_get(in, 1), "text");
  CHECK_INT(json_string_length(t1), sizeof bad_fixed - 1);
  CHECK(memcmp(json_string_value(t1), bad_fixed, sizeof bad_fixed - 1) == 0);
  CHECK_STR(json_string_value(json_object_get(json_array_get(in, 1), "name")),
            "A");
  CHECK(json_is_null(json_object_get(json_array_get(in, 0), "name")));
  CHECK_INT(json_string_length(json_object_get(json_array_get(in, 2), "text")),
            BIG_LEN);
  json_t *ans = json_object_get(g, "answers");
  CHECK_STR(json_string_value(json_object_get(ans, "harm")), "safe");
  CHECK_INT(json_integer_value(json_object_get(ans, "severity")), 5);
  char *rank = json_dumps(json_object_get(ans, "ranking"), JSON_COMPACT);
  CHECK_STR(rank, "[\"B\",[\"A\",\"C\"]]");
  free(rank);
  char *pref = json_dumps(json_object_get(ans, "pref"),
                          JSON_COMPACT | JSON_PRESERVE_ORDER);
  CHECK_STR(pref, "{\"preferred\":\"A\",\"strength\":2}");
  free(pref);
  CHECK(json_object_get(ans, "bogus") == NULL);
  CHECK(json_object_get(ans, "verdict") == NULL);
  char *per = json_dumps(json_object_get(g, "per_response"),
                         JSON_COMPACT | JSON_PRESERVE_ORDER);
  CHECK_STR(per, "{\"A\":{\"verdict\":\"good\"},\"B\":{\"verdict\":\"bad\"}}");
  free(per);
  CHECK_INT(json_array_size(json_object_get(g, "criteria")), 2);
  CHECK_STR(json_string_value(json_array_get(json_object_get(g, "tags"), 1)),
            "<script>");
  CHECK_STR(json_string_value(json_object_get(g, "chapter")), "harm.md");
  CHECK_INT(
      json_integer_value(json_object_get(json_object_get(g, "source"), "line")),
      30);
  CHECK_STR(json_string_value(json_object_get(g, "origin")),
            "red team, round 2");
  g = lines[1];
  CHECK_STR(json_string_value(json_object_get(g, "id")), "c3");
  per = json_dumps(json_object_get(g, "per_response"), JSON_COMPACT);
  CHECK_STR(per, "{\"\":{\"verdict\":\"good\"}}");
  free(per);
  char *issues = json_dumps(json_object_get(g, "answers"), JSON_COMPACT);
  CHECK_STR(issues, "{\"issues\":[]}");
  free(issues);
  for (size_t i = 0; i < 3; i++)
    json_decref(lines[i]);
}

static void check_html(const char *out) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/html", out);
  proj_blob harm = proj_slurp(dir, "harm.html"), intro = proj_slurp(dir, "intro.html");
  proj_blob index = proj_slurp(dir, "index.html"), css = proj_slurp(dir, "style.css");
  CHECK(harm.data && intro.data && index.data && css.data);
  if (!harm.data || !intro.data || !index.data || !css.data)
    return;
  const proj_blob *pages[] = {&harm, &intro, &index};
  for (size_t i = 0; i < 3; i++) {
    const proj_blob *p = pages[i];
    CHECK(strncmp(p->data, "<!DOCTYPE html>\n<html lang=\"en\">", 31) == 0);
    CHECK(strlen(p->data) == p->len); /* no NUL byte */
    CHECK(cb_utf8__text_ok(p->data, p->len, CB_TEXT_HTML));
    /* one script: the site's own, empty, at the end of <head>, then the
     * JSON data block of the site's words (which never runs), last */
    const char *sc = strstr(p->data, "<script");
    CHECK(sc && strncmp(sc, "<script src=\"site.js\" defer=\"defer\"></script>"
                        "\n<script type=\"application/json\" "
                        "data-casebook=\"strings\">{\"question\":",
                        104) == 0);
    const char *words = sc ? strstr(sc + 1, "<script") : NULL;
    CHECK(words && strstr(words, "}</script></head>") != NULL &&
          strstr(words + 1, "<script") == NULL);
    CHECK(strstr(p->data, "<head><meta http-equiv=\"Content-Security-Policy\"")
          != NULL);
    CHECK(strstr(p->data, "cb-link:") == NULL || p == &intro);
    CHECK(strstr(p->data, "data-slot") == NULL);
    CHECK(strstr(p->data, "<meta charset=\"utf-8\">") != NULL);
    CHECK(strstr(p->data, "<title>") != NULL);
  }
  /* escaped case text, titles, tags; the NUL shown as U+2400 */
  CHECK(strstr(harm.data, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
  CHECK(strstr(harm.data, "&lt;img src=x onerror=alert(1)&gt;") != NULL);
  CHECK(strstr(harm.data, "<img") == NULL);
  CHECK(strstr(harm.data, "a\xE2\x90\x80"
                          "b") != NULL);
  CHECK(strstr(harm.data, "ok \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end") !=
        NULL);
  CHECK(strstr(harm.data, "&lt;b&gt;whatever&lt;/b&gt;") != NULL);
  CHECK(strstr(harm.data,
               "<title>Harm &lt;b&gt;&amp;amp; \xC2\xB7 "
               "Chat &lt;safety&gt; &amp; \"guide\"</title>") != NULL);
  /* the newline that starts an input survives the <pre> rule */
  CHECK(strstr(harm.data, "<pre>\n\nstarts with a newline</pre>") != NULL);
  /* long inputs collapse */
  CHECK(strstr(harm.data, "<details class=\"input input-response\">") != NULL);
  /* links: resolved, unsafe neutralised, attribute-escaped */
  CHECK(strstr(intro.data, "<a href=\"harm.html#case-c1\">the case</a>") !=
        NULL);
  CHECK(strstr(intro.data, "<a href=\"#\">bad</a>") != NULL);
  CHECK(strstr(intro.data, "javascript:") == NULL);
  CHECK(strstr(intro.data, "href=\"https://example.com/?a=1&amp;b=%222%22\"") !=
        NULL);
  CHECK(strstr(intro.data, "Text cb-link:0 stays.") != NULL);
  CHECK(strstr(harm.data, "<a href=\"harm.html#case-c1\">harmful</a>") != NULL);
  /* gold answers link to option definitions */
  CHECK(strstr(harm.data, "href=\"#option-harm-safe\"") != NULL);
  CHECK(strstr(harm.data, "href=\"#option-severity-5\"") != NULL);
  CHECK(strstr(index.data, "href=\"harm.html#option-harm-safe\"") != NULL);
  CHECK(strstr(index.data, "href=\"harm.html#question-harm\"") != NULL);
  CHECK(strstr(harm.data, "href=\"#criterion-benign\"") != NULL);
  /* back-links from options and criteria to cases */
  CHECK(strstr(harm.data, "<span class=\"cases\"><span><a href=\"#case-c1\">"
                          "c1</a> (<span class=\"gold\">A: good; B: bad</span>)"
                          "</span><span><a href=\"#case-c3\">c3</a>"
                          "</span></span>") != NULL);
  static const char *const harm_ids[] = {"harm",
                                         "question-harm",
                                         "question-harm-is-it-harmful",
                                         "option-harm-safe",
                                         "option-harm-harmful",
                                         "option-severity-5",
                                         "question-severity",
                                         "criterion-benign",
                                         "case-c1",
                                         "case-c1-hostile",
                                         "case-c2",
                                         "case-c3",
                                         "case-c1-2",
                                         NULL};
  check_ids(&harm, harm_ids);
  static const char *const index_ids[] = {"chapters", "questions", "criteria",
                                          NULL};
  check_ids(&index, index_ids);
  free(harm.data);
  free(intro.data);
  free(index.data);
  free(css.data);
}

/* Every output file, concatenated with its name: for the rerun check. */
static proj_blob all_outputs(const char *out) {
  static const char *const names[] = {"rubric.json",     "gold.jsonl",
                                      "html/index.html", "html/intro.html",
                                      "html/harm.html",  "html/style.css"};
  cb_buf b = {0};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    proj_blob f = proj_slurp(out, names[i]);
    cb_buf_puts(&b, names[i]);
    cb_buf_append(&b, f.data ? f.data : "(missing)", f.data ? f.len : 9);
    free(f.data);
  }
  proj_blob r = {b.data, b.len};
  return r;
}

/* A project's own templates/page.html replaces the embedded one. The
 * project is loaded from disk, as `casebook build` does: its other files
 * are read through the book (cb_book__project_file). */
static void test_templates(const char *tmp) {
  char root[600], out[700], dir[800], path[900];
  snprintf(root, sizeof root, "%s/own", tmp);
  snprintf(out, sizeof out, "%s/_build", root);
  snprintf(dir, sizeof dir, "%s/html", out);
  mkdir(root, 0777);
  proj_write(root, "harm.md", "# Harm\n\nSome prose.\n", -1);
  proj_write(root, "templates/page.html",
             "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
             "<title data-slot=\"title\">x</title><style>p > a { color: red }"
             "</style></head><body><div id=\"mine\" data-slot=\"content\">"
             "sample</div><p data-slot=\"nosuch\">kept &amp; escaped</p>"
             "</body></html>",
             -1);
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK_INT(cb_book_load(&book, ctx, root), 0);
  CHECK_INT(cb_book_emit(ctx, book, out), 0);
  proj_blob p = proj_slurp(dir, "harm.html");
  CHECK(p.data && strstr(p.data, "<html lang=\"fr\">") != NULL);
  CHECK(p.data && strstr(p.data, "<div id=\"mine\"><article") != NULL);
  CHECK(p.data && strstr(p.data, "<style>p > a { color: red }</style>"));
  CHECK(p.data && strstr(p.data, "kept &amp; escaped") != NULL);
  CHECK(p.data && strstr(p.data, "sample") == NULL);
  /* the policy goes in whatever the template says */
  CHECK(p.data && strstr(p.data, "<head><meta http-equiv=\"Content-Security-"
                                 "Policy\"") != NULL);
  free(p.data);
  cb_ctx_free(ctx);

  /* a template without a content slot is an error, not an empty site */
  proj_write(root, "templates/page.html",
             "<!DOCTYPE html><html><body><p>nothing</p></body></html>", -1);
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK_INT(cb_book_load(&book, ctx, root), 0);
  CHECK_INT(cb_book_emit(ctx, book, out), CB_ERROR);
  CHECK(strstr(cb_ctx_error(ctx), "data-slot") != NULL);
  cb_ctx_free(ctx);
  snprintf(path, sizeof path, "%s/templates/page.html", root);
  remove(path);
}

/* A book over the threading threshold (4 MB of inputs): the JSON files
 * and half of the pages are written on a second thread. */
static void test_big(cb_ctx *ctx, const char *out) {
  enum { CHAPTERS = 120, CASES = 900, INPUT = 5000 };
  cb_arena *a = ctx->arena;
  cb_book *b = cb_arena_calloc(a, 1, sizeof *b);
  b->chapters = cb_arena_calloc(a, CHAPTERS, sizeof(cb_chapter));
  b->n_chapters = CHAPTERS;
  b->files = cb_arena_calloc(a, CHAPTERS, sizeof(cb_file));
  b->n_files = CHAPTERS;
  b->questions = cb_arena_calloc(a, 1, sizeof(cb_question));
  b->n_questions = 1;
  b->questions[0].id = "q";
  b->questions[0].options = cb_arena_calloc(a, 1, sizeof(cb_option));
  b->questions[0].n_options = 1;
  b->questions[0].options[0].id = "yes";
  b->cases = cb_arena_calloc(a, CASES, sizeof(cb_case));
  b->n_cases = CASES;
  char *text = cb_arena_alloc(a, INPUT);
  for (size_t i = 0; i < INPUT; i++)
    text[i] = i % 61 == 60 ? '\n' : (char)('a' + i % 26);
  const char **yes = cb_arena_calloc(a, 1, sizeof(char *));
  yes[0] = "yes";
  for (size_t i = 0; i < CHAPTERS; i++) {
    cb_chapter *ch = &b->chapters[i];
    ch->path = b->files[i].path = cb_arena_printf(a, "ch%zu.md", i);
    ch->file = (uint32_t)i;
    ch->title = cb_arena_printf(a, "Chapter %zu", i);
    ch->slug = cb_arena_printf(a, "ch%zu", i);
    ch->items = cb_arena_calloc(a, CASES / CHAPTERS + 2, sizeof(cb_item));
  }
  b->chapters[0].items[b->chapters[0].n_items++] =
      (cb_item){CB_ITEM_QUESTION, 0, NULL};
  for (size_t i = 0; i < CASES; i++) {
    cb_case *c = &b->cases[i];
    c->id = cb_arena_printf(a, "case%zu", i);
    c->title = "t";
    c->chapter = (uint32_t)(i % CHAPTERS);
    c->loc = at(c->chapter, (uint32_t)(i + 1));
    c->inputs = cb_arena_calloc(a, 1, sizeof(cb_input));
    c->inputs[0] = (cb_input){CB_IN_PROMPT, NULL,  "prompt",
                              text,         INPUT, at(c->chapter, 1), '`'};
    c->n_inputs = 1;
    c->answers = cb_arena_calloc(a, 1, sizeof(cb_answer));
    c->answers[0] = (cb_answer){.key = "q",
                                .raw = "yes",
                                .question = 0,
                                .kind = CB_V_OPTION,
                                .items = yes,
                                .n_items = 1};
    c->n_answers = 1;
    cb_chapter *ch = &b->chapters[c->chapter];
    ch->items[ch->n_items++] = (cb_item){CB_ITEM_CASE, i, NULL};
  }
  int err = cb_book_emit(ctx, b, out);
  if (err)
    fprintf(stderr, "emit: %s\n", ctx->error);
  CHECK_INT(err, 0);
  proj_blob gold = proj_slurp(out, "gold.jsonl");
  size_t lines = 0;
  for (size_t i = 0; gold.data && i < gold.len; i++)
    lines += gold.data[i] == '\n';
  CHECK_INT(lines, CASES);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/html", out);
  int pages_ok = 1;
  for (size_t i = 0; i < CHAPTERS; i++) {
    char name[32];
    snprintf(name, sizeof name, "ch%zu.html", i);
    proj_blob p = proj_slurp(dir, name);
    char want[64];
    snprintf(want, sizeof want, "id=\"case-case%zu\"", i);
    if (!p.data || !strstr(p.data, want) || !strstr(p.data, "</html>"))
      pages_ok = 0;
    free(p.data);
  }
  CHECK(pages_ok);
  /* the back-links of the one option list every case, in order */
  proj_blob ch0 = proj_slurp(dir, "ch0.html");
  CHECK(ch0.data && strstr(ch0.data, "900 cases") != NULL);
  CHECK(ch0.data &&
        strstr(ch0.data, "<span><a href=\"ch1.html#case-case1\">case1</a>"
                         "</span><span><a href=\"ch2.html#case-case2\">"
                         "case2</a></span>") != NULL);
  free(ch0.data);
  /* the same bytes again, and old pages (the small book's) pruned */
  proj_blob index = proj_slurp(dir, "index.html");
  CHECK_INT(cb_book_emit(ctx, b, out), 0);
  proj_blob again = proj_slurp(dir, "index.html");
  CHECK(index.data && again.data && index.len == again.len &&
        memcmp(index.data, again.data, index.len) == 0);
  proj_blob gold2 = proj_slurp(out, "gold.jsonl");
  CHECK(gold.data && gold2.data && gold.len == gold2.len &&
        memcmp(gold.data, gold2.data, gold.len) == 0);
  proj_blob old = proj_slurp(dir, "harm.html");
  CHECK(old.data == NULL);
  CHECK_INT(proj_hidden_files(out), 0);
  CHECK_INT(proj_hidden_files(dir), 0);
  free(gold.data);
  free(gold2.data);
  free(index.data);
  free(again.data);
}

/* libxml2 allocates through these: malloc, counted (see main). */
static atomic_long xml_allocs; /* two threads could allocate */

static void *xml_malloc(size_t n) {
  atomic_fetch_add(&xml_allocs, 1);
  return malloc(n);
}

static void *xml_realloc(void *p, size_t n) {
  atomic_fetch_add(&xml_allocs, 1);
  return realloc(p, n);
}

static char *xml_strdup(const char *s) {
  atomic_fetch_add(&xml_allocs, 1);
  char *d = malloc(strlen(s) + 1);
  if (d)
    strcpy(d, s);
  return d;
}

/* After an allocation failure: an error with a message (or success, when
 * the failure hit something optional), and no temporary file left. */
static void check_failed_emit(cb_ctx *ctx, int err, long n, const char *out,
                              const char *html, int *clean) {
  if (err != 0 && (err != CB_ENOMEM || !ctx->error[0])) {
    fprintf(stderr, "allocation %ld: %d %s\n", n, err, ctx->error);
    *clean = 0;
  }
  if (proj_hidden_files(out) != 0 || proj_hidden_files(html) != 0) {
    fprintf(stderr, "allocation %ld: temporary files left\n", n);
    *clean = 0;
  }
}

static void quiet(void *data, const char *fmt, ...) {
  (void)data;
  (void)fmt;
}

int main(void) {
  /* jansson allocates through cb_malloc, so that the failure injection
   * below reaches every allocation of the emitters; libxml2 through
   * counting wrappers. */
  xmlMemSetup(free, xml_malloc, xml_realloc, xml_strdup);
  json_set_alloc_funcs(cb_malloc, cb_free);
  xmlSetGenericErrorFunc(NULL, quiet); /* its "Memory allocation failed" */
  cb_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.arena = cb_arena_new();
  char tmp[] = "/tmp/cb-test-emit-XXXXXX";
  CHECK(mkdtemp(tmp) != NULL);
  char out[512], root[512], html[600];
  snprintf(out, sizeof out, "%s/out/build", tmp);
  snprintf(root, sizeof root, "%s/project", tmp);
  snprintf(html, sizeof html, "%s/html", out);
  mkdir(root, 0777);

  /* the book lives in its context, as cb_book_load leaves it: the
   * project's files are looked up through it (cb_book__project_file) */
  ctx.book = *make_book(ctx.arena, root);
  cb_book *book = &ctx.book;
  test_text();
  test_links(book);
  test_writer(book);

  int err = cb_book_emit(&ctx, book, out);
  if (err)
    fprintf(stderr, "emit: %s\n", ctx.error);
  CHECK_INT(err, 0);
  check_json(out);
  check_html(out);
  CHECK_INT(proj_hidden_files(out), 0);
  CHECK_INT(proj_hidden_files(html), 0);

  /* a page of an earlier build that no chapter makes any more goes */
  char stale[700];
  snprintf(stale, sizeof stale, "%s/stale.html", html);
  FILE *sf = fopen(stale, "w");
  if (sf)
    fclose(sf);
  CHECK(sf != NULL);

  /* byte-identical on a second run */
  proj_blob first = all_outputs(out);
  CHECK_INT(cb_book_emit(&ctx, book, out), 0);
  proj_blob second = all_outputs(out);
  struct stat st;
  CHECK(stat(stale, &st) < 0);
  CHECK_INT(proj_hidden_files(out), 0);
  CHECK(first.len == second.len &&
        memcmp(first.data, second.data, first.len) == 0);
  cb_free(second.data);

  if (getenv("CB_TEST_KEEP")) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s/first'", out, tmp);
    CHECK(system(cmd) == 0);
  }
  test_templates(tmp);
  /* cb_ctx_new routed libxml2 through cb_malloc (book.c): back to the
   * counting wrappers, which the failure injection below does not reach */
  xmlMemSetup(free, xml_malloc, xml_realloc, xml_strdup);

  /* an output directory that cannot be made */
  char file[600];
  snprintf(file, sizeof file, "%s/rubric.json/x", out);
  ctx.error[0] = '\0';
  CHECK_INT(cb_book_emit(&ctx, book, file), CB_EIO);
  CHECK(ctx.error[0] != '\0');

  test_big(&ctx, out);

  /* out of memory anywhere: a clean error, no temporary file left */
  /* Each allocation of the emitters and of jansson fails in turn, until
   * the emit gets past the last one. */
  int clean = 1, failures = 0;
  long successes = 0;
  for (test_sweep s = test_sweep_start(1, 1); successes < 3;
       test_sweep_next(&s)) {
    cb_alloc_fail_after(s.n);
    err = cb_book_emit(&ctx, book, out);
    cb_alloc_fail_after(0);
    check_failed_emit(&ctx, err, s.n, out, html, &clean);
    successes = err == 0 ? successes + 1 : 0;
    failures += (int)s.weight * (err != 0);
  }
  CHECK(failures > 50);

  /* libxml2 only parses the templates, in cb_emit_html__begin: writing
   * the pages makes no libxml2 allocation. (Its HTML parser can loop
   * forever when an allocation fails, libxml2 2.9, so no failure is
   * injected into it.) */
  cb_site *site = NULL;
  xml_allocs = 0;
  CHECK_INT(cb_emit_html__begin(&site, &ctx, book, html), 0);
  CHECK(xml_allocs > 0);
  xml_allocs = 0;
  CHECK_INT(cb_emit_html__work(site, 0, &ctx), 0);
  CHECK_INT(cb_emit_html__finish(site), 0);
  CHECK_INT(xml_allocs, 0);
  cb_emit_html__free(site);
  CHECK(clean);
  /* and the next build, with memory, writes the complete output again */
  CHECK_INT(cb_book_emit(&ctx, book, out), 0);
  proj_blob third = all_outputs(out);
  CHECK(third.len == first.len &&
        memcmp(third.data, first.data, first.len) == 0);
  cb_free(third.data);

  cb_free(first.data);
  /* CB_TEST_KEEP=1 keeps the files, to look at them */
  if (getenv("CB_TEST_KEEP"))
    fprintf(stderr, "kept %s\n", tmp);
  else
    rm_rf(tmp);
  cb_free(ctx.diags); /* the exporters' diagnostics (strings in the arena) */
  cb_arena_free(ctx.arena);
  return test_report("emit");
}
