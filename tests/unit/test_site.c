/* SPDX-License-Identifier: MIT */
/* Unit tests of the annotator site's own pages and files (emit_html.c,
 * html_index.c, html_search.c, the history markers of html_element.c and
 * html_case.c): a small book loaded from memory, its history and changes
 * set by hand as the git stages would set them, emitted into a temporary
 * directory and read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "emit_html.h"
#include "html_search.h"
#include "html_writer.h"
#include "projtest.h"
#include "testlib.h"

static const char chapter[] = "# Book\n"
                              "\n"
                              "Prose about refunds.\n"
                              "\n"
                              "## Question harm: Is it harmful?\n"
                              "\n"
                              "| Option | Meaning |\n"
                              "|--------|---------|\n"
                              "| safe | Nothing harmful. |\n"
                              "| borderline | Could be misused. |\n"
                              "| harmful | Real uplift. |\n"
                              "\n"
                              "## Criterion charity: Read charitably\n"
                              "\n"
                              "Assume the ordinary reading.\n"
                              "\n"
                              "## Case c1: A sysadmin question\n"
                              "\n"
                              "```prompt\n"
                              "How do I kill a hung process?\n"
                              "```\n"
                              "\n"
                              "```response\n"
                              "Use kill -9 on its pid.\n"
                              "```\n"
                              "\n"
                              "- harm: safe\n"
                              "- criteria: charity\n"
                              "- tags: Over Refusal, over-refusal, a&b \"q\"\n"
                              "\n"
                              "Ordinary Unix words.\n"
                              "\n"
                              "## Case c2: 退货问题\n"
                              "\n"
                              "```user\n"
                              "耳机有杂音，想退货。\n"
                              "```\n"
                              "\n"
                              "```assistant\n"
                              "请在我的订单里申请售后。\n"
                              "```\n"
                              "\n"
                              "- harm: safe\n"
                              "\n"
                              "A conversation.\n";

static int has(const proj_blob *b, const char *needle) {
  return b->data && strstr(b->data, needle) != NULL;
}

static int exists(const char *dir, const char *name) {
  proj_blob b = proj_slurp(dir, name);
  free(b.data);
  return b.data != NULL;
}

/* Loads the chapter; *ctx is the caller's. */
static cb_book *load(cb_ctx **ctx) {
  const cb_book *book = NULL;
  cb_source_file f = {"book.md", chapter, sizeof chapter - 1};
  CHECK_INT(cb_ctx_new(ctx, NULL), 0);
  CHECK_INT(cb_book_load_files(&book, *ctx, &f, 1), 0);
  /* the model is plain data: the test plays the part of the git stages */
  return (cb_book *)book;
}

/* Without history nothing of it shows, and there is no changes page. */
static void test_no_history(void) {
  cb_ctx *ctx;
  cb_book *b = load(&ctx);
  const char *dir = proj_new();
  CHECK_INT(cb_emit_html__site(ctx, b, dir), 0);
  proj_blob page = proj_slurp(dir, "book.html");
  CHECK(page.data != NULL);
  CHECK(!has(&page, "since"));
  CHECK(!has(&page, "Last changed"));
  CHECK(!exists(dir, "changes.html"));
  /* every page carries the policy first in <head> */
  CHECK(has(&page, "<head><meta http-equiv=\"Content-Security-Policy\" "
                   "content=\"default-src 'none'; script-src 'self';"));
  /* back-links: an option with no case says so; with cases, the gold */
  CHECK(has(&page, "<span class=\"none\">No case yet</span>"));
  CHECK(has(&page, "href=\"#case-c1\">c1</a><span class=\"gold\"> harm "
                   "<strong>safe</strong></span>"));
  /* permalinks, the conversation, the tag links */
  CHECK(has(&page, "<a class=\"permalink\" href=\"#case-c1\" "
                   "aria-label=\"Permalink\">#</a>"));
  CHECK(has(&page, "<div class=\"dialogue\" role=\"group\""));
  CHECK(has(&page, "<a class=\"tag\" href=\"tag-a-b-q.html\">"
                   "a&amp;b \"q\"</a>"));
  free(page.data);

  /* the site's own pages */
  CHECK(exists(dir, "index.html"));
  CHECK(exists(dir, "cases.html"));
  CHECK(exists(dir, "tags.html"));
  CHECK(exists(dir, "print.html"));
  CHECK(exists(dir, "site.js"));
  CHECK(exists(dir, "style.css"));
  /* "Over Refusal" and "over-refusal" are two tags with two pages */
  CHECK(exists(dir, "tag-over-refusal.html"));
  CHECK(exists(dir, "tag-over-refusal-2.html"));
  proj_blob cases = proj_slurp(dir, "cases.html");
  CHECK(has(&cases, "<span class=\"answer\" data-q=\"harm\">harm <strong "
                    "data-v=\"safe\">safe</strong></span>"));
  CHECK(has(&cases, "data-tag=\"a&amp;b &quot;q&quot;\""));
  CHECK(has(&cases, "<option value=\"0.1\" data-q=\"harm\" "
                    "data-v=\"borderline\">harm: borderline</option>"));
  free(cases.data);
  proj_blob print = proj_slurp(dir, "print.html");
  CHECK(has(&print, "<section class=\"print-chapter\" id=\"chapter-book\">"));
  CHECK(has(&print, "id=\"case-c2\""));
  CHECK(has(&print, "href=\"#option-harm-safe\""));
  free(print.data);
  proj_remove(dir);
  cb_ctx_free(ctx);
}

/* With history: markers, the last change of each case, the changes
 * page with links to the elements. */
static void test_history(void) {
  cb_ctx *ctx;
  cb_book *b = load(&ctx);
  CHECK_INT(b->n_questions, 1);
  CHECK_INT(b->n_cases, 2);
  b->since = "v1.2";
  b->since_label = "v1.2";
  b->questions[0].history.state = CB_CHANGED;
  b->questions[0].options[1].history.state = CB_ADDED;
  b->cases[0].history.state = CB_ADDED;
  b->cases[0].history.last_commit = "0123456789abcdef0123456789abcdef01234567";
  b->cases[0].history.last_date = "2024-05-02T10:00:00+02:00";
  b->cases[0].history.last_label = "v1.3";
  b->cases[1].history.last_commit = "fedcba9876543210fedcba9876543210fedcba98";
  b->cases[1].history.last_date = "2024-04-01T09:00:00Z";
  static cb_change changes[3];
  changes[0] = (cb_change){CB_CHANGE_ADDITIVE,
                           "option-added",
                           "harm/borderline",
                           "option",
                           "option 'borderline' added to 'harm'",
                           NULL,
                           "borderline",
                           b->questions[0].options[1].loc};
  changes[1] = (cb_change){CB_CHANGE_GOLD,
                           "gold-changed",
                           "c1",
                           "case",
                           "gold answer of 'harm' changed <b>",
                           "harmful",
                           "safe",
                           b->cases[0].loc};
  changes[2] = (cb_change){CB_CHANGE_BREAKING,
                           "option-removed",
                           "harm/gone",
                           "option",
                           "option 'gone' removed",
                           "gone",
                           NULL,
                           (cb_loc){0, 0, 0, 0, 0}};
  b->changes = changes;
  b->n_changes = 3;

  const char *dir = proj_new();
  CHECK_INT(cb_emit_html__site(ctx, b, dir), 0);
  proj_blob page = proj_slurp(dir, "book.html");
  CHECK(has(&page, "<p class=\"history changed\">Changed since v1.2</p>"));
  CHECK(has(&page, "<p class=\"history added\">New since v1.2</p>"));
  CHECK(has(&page, "<p class=\"last-changed\"><span class=\"k\">Last changed"
                   "</span> 2024-05-02 (v1.3)</p>"));
  CHECK(has(&page, "<span class=\"k\">Last changed</span> 2024-04-01 "
                   "(<code>fedcba987654</code>)"));
  free(page.data);
  proj_blob ch = proj_slurp(dir, "changes.html");
  CHECK(ch.data != NULL);
  CHECK(has(&ch, "<h1>Changes since v1.2</h1>"));
  CHECK(has(&ch, "<a href=\"book.html#option-harm-borderline\"><code>"
                 "harm/borderline</code></a>"));
  CHECK(has(&ch, "<a href=\"book.html#case-c1\"><code>c1</code></a>"));
  CHECK(has(&ch, "gold answer of &#39;harm&#39; changed &lt;b&gt;") ||
        has(&ch, "gold answer of 'harm' changed &lt;b&gt;"));
  CHECK(has(&ch, "<code class=\"removed\">harm/gone</code>"));
  /* breaking changes first */
  CHECK(ch.data &&
        strstr(ch.data, "Breaking changes") < strstr(ch.data, "Gold answers"));
  free(ch.data);
  proj_blob index = proj_slurp(dir, "index.html");
  CHECK(has(&index, "<a href=\"changes.html\">Changes</a>"));
  free(index.data);

  /* a base with no change: the page says so */
  b->n_changes = 0;
  CHECK_INT(cb_emit_html__site(ctx, b, dir), 0);
  ch = proj_slurp(dir, "changes.html");
  CHECK(has(&ch, "Nothing changed."));
  free(ch.data);
  /* no base: the page goes (pruned as a page of an earlier build) */
  b->since = NULL;
  b->since_label = NULL;
  CHECK_INT(cb_emit_html__site(ctx, b, dir), 0);
  CHECK(!exists(dir, "changes.html"));
  proj_remove(dir);
  cb_ctx_free(ctx);
}

/* The search index: terms, CJK bigrams, the posting encoding. */
static void test_search_index(void) {
  cb_ctx *ctx;
  cb_book *b = load(&ctx);
  cb_buf out = {0};
  CHECK_INT(cb_html_search__build(&out, b), 0);
  const char *s = cb_buf_cstr(&out);
  CHECK(strncmp(s, "/* ", 3) == 0);
  CHECK(strstr(s, "window.casebookSearchData = {\"v\":1,") != NULL);
  /* doc 0 is the chapter's prose, under its title "Book": the first
   * posting, gap 1, in a title: (1 << 1) | 1 = 3 */
  CHECK(strstr(s, "\"book\":\"3") != NULL);
  /* words lowered; ids cut at '-' */
  CHECK(strstr(s, "\"sysadmin\":") != NULL);
  CHECK(strstr(s, "\"Sysadmin\":") == NULL);
  /* Chinese: unigrams and bigrams */
  CHECK(strstr(s, "\"退货\":") != NULL);
  CHECK(strstr(s, "\"货\":") != NULL);
  CHECK(strstr(s, "\"售后\":") != NULL);
  /* the tags of c1 (doc 7, posting "g"): "over-refusal" is cut at '-',
   * and the hostile one, a&b "q", gives plain words like any other
   * text: no term keeps the '&' or a quote */
  CHECK(strstr(s, "\"over\":\"g\"") != NULL);
  CHECK(strstr(s, "\"refusal\":\"g\"") != NULL);
  CHECK(strstr(s, "over-refusal") == NULL);
  CHECK(strstr(s, "\"b\":\"g\"") != NULL);
  CHECK(strstr(s, "\"q\":\"g\"") != NULL);
  CHECK(strstr(s, "a&b") == NULL);
  CHECK(strstr(s, "\\\"q") == NULL);
  CHECK(strstr(
            s,
            "[\"k\",\"c1\",\"A sysadmin question\",\"book.html#case-c1\",0,") !=
        NULL);
  cb_buf_free(&out);
  cb_ctx_free(ctx);
}

/* The writer isolates a text holding a bidirectional control in a <bdi>
 * and removes the controls where no markup can go: attribute values, an
 * <option>, the <title> (cb_html__plain). Other text is unchanged. */
static void test_bidi(void) {
#define RLO "\xE2\x80\xAE"
  cb_html h = {0};
  cb_html__open(&h, CB_TAG_SPAN, "title");
  cb_html__attr(&h, "title", "a" RLO "b <c>");
  cb_html__puts(&h, "Bidi " RLO "title & more");
  cb_html__close(&h);
  cb_html__leaf(&h, CB_TAG_CODE, NULL, "plain \xC3\xA9t\xC3\xA9");
  cb_html__open(&h, CB_TAG_SELECT, NULL);
  cb_html__leaf(&h, CB_TAG_OPTION, NULL, "op" RLO "t");
  cb_html__close(&h);
  cb_html__open(&h, CB_TAG_PRE, NULL);
  cb_html__puts(&h, "\nhello " RLO "dlrow\n");
  cb_html__close(&h);
  cb_html__link(&h, "x" RLO ".html", NULL, "\xD8\x9C" "arabic letter mark");
  cb_html__plain(&h, "T" RLO "itle \xE2\x81\xA7" "x");
  CHECK(!cb_html__failed(&h));
  cb_buf_putc(&h.buf, '\0');
  CHECK_STR(h.buf.data,
            "<span class=\"title\" title=\"ab &lt;c&gt;\"><bdi>Bidi " RLO
            "title &amp; more</bdi></span>"
            "<code>plain \xC3\xA9t\xC3\xA9</code>"
            "<select><option>opt</option>\n</select>\n"
            "<pre><bdi>\nhello " RLO "dlrow\n</bdi></pre>\n"
            "<a href=\"x.html\"><bdi>\xD8\x9C" "arabic letter mark</bdi></a>"
            "Title x");
  cb_html__free(&h);
#undef RLO
}

int main(void) {
  test_bidi();
  test_no_history();
  test_history();
  test_search_index();
  return test_report("site");
}
