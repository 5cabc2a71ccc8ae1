/* SPDX-License-Identifier: MIT */
/*
 * test_export_markdown.c: unit tests of cb_export__markdown_text
 * (export_util.c), the chapters' Markdown with its raw HTML made text, as
 * the Argilla guidelines carry it: every raw HTML node cmark-gfm finds is
 * gone from the result, whatever the blocks around it, and text without
 * raw HTML is kept byte for byte.
 */
#include <cmark-gfm.h>
#include <string.h>

#include "alloc.h"
#include "export_util.h"
#include "parse.h"
#include "testlib.h"

/* The number of raw HTML nodes cmark-gfm (with casebook's extensions)
 * finds in text. */
static int raw_html_nodes(const char *text, size_t len) {
  cmark_node *doc = cb_parse__document(text, len);
  CHECK(doc != NULL);
  if (!doc)
    return -1;
  int n = 0;
  cmark_iter *it = cmark_iter_new(doc);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node_type t = cmark_node_get_type(cmark_iter_get_node(it));
    if (ev == CMARK_EVENT_ENTER &&
        (t == CMARK_NODE_HTML_BLOCK || t == CMARK_NODE_HTML_INLINE))
      n++;
  }
  cmark_iter_free(it);
  cb_parse__release(doc);
  return n;
}

/* Escapes md and checks that no raw HTML is left; returns the result (the
 * caller frees it with cb_buf_free). */
static cb_buf escaped(const char *md, size_t len) {
  cb_buf out = {0};
  CHECK_INT(cb_export__markdown_text(&out, md, len), 0);
  CHECK(raw_html_nodes(md, len) > 0);
  CHECK_INT(raw_html_nodes(out.data ? out.data : "", out.len), 0);
  return out;
}

static void test_exact(void) {
  static const char md[] =
      "Prose with <script>alert(1)</script> and <img src=x onerror=alert(1)>.\n"
      "\n"
      "<div onclick=alert(1)>\n"
      "block <b>bold</b>\n"
      "</div>\n"
      "\n"
      "`code <b>` stays code, \\<i> stays escaped.\n";
  cb_buf out = escaped(md, sizeof md - 1);
  CHECK_STR(cb_buf_cstr(&out),
            "Prose with &lt;script>alert(1)&lt;/script> and &lt;img src=x "
            "onerror=alert(1)>.\n"
            "\n"
            "&lt;div onclick=alert(1)>\n"
            "block &lt;b>bold&lt;/b>\n"
            "&lt;/div>\n"
            "\n"
            "`code <b>` stays code, \\<i> stays escaped.\n");
  cb_buf_free(&out);
}

/* Cases where escaping one tag changes the blocks around it, or where
 * cmark's positions are not plain byte columns. */
static void test_hard(void) {
  static const char *const cases[] = {
      /* an indented line after a script block becomes paragraph text */
      "<script>alert(1)</script>\n    <b>x</b>\n",
      /* a tag across two lines */
      "text <a\nhref=x onclick=1>multi</a> line\n",
      /* in containers */
      "> quote <img src=x onerror=1>\n> <div>\n> in</div>\n",
      "- item\n  <div onclick=1>\n  x\n",
      /* a comment whose inside is a tag */
      "<!-- a\n<img src=x onerror=2>\n-->\n",
      /* CR LF and lone CR line ends */
      "CRLF <i>x</i>\r\nmore <b\r\nonclick=3>\r\n\r\nCR <u>y</u>\rz <s>\r",
      /* processing instructions, CDATA, declarations */
      "<?php x ?> and <![CDATA[ <b> ]]> and <!DOCTYPE html>\n",
      "<?xml x?>\n\n<!X y>\n",
      /* an escaped backslash before a tag */
      "\\\\<u>x</u>\n",
      /* a table cell and emphasis */
      "| a | b |\n|---|---|\n| <em>x</em> | y |\n\n*<span onmouseover=1>*\n",
      /* a NUL byte and a byte order mark shift cmark's columns */
      "\xEF\xBB\xBF<b>bom</b> and <i>it</i>\n",
      "a\0b <img src=x onerror=1> c\n",
      /* a quoted attribute holding a tag */
      "<a title=\"<b onclick=1>\">t</a>\n",
  };
  static const size_t lens[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 27, 0};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    size_t len = lens[i] ? lens[i] : strlen(cases[i]);
    cb_buf out = escaped(cases[i], len);
    CHECK(out.len >= len);
    cb_buf_free(&out);
  }
}

/* A text without raw HTML comes back byte for byte, '<' and all. */
static void test_unchanged(void) {
  static const char md[] =
      "# T\n\n1 < 2 and a <http://example.com> autolink, `<b>`, \\<i>,\n"
      "&lt;script&gt; as an entity.\n\n~~~\n<script>in code</script>\n~~~\n";
  cb_buf out = {0};
  CHECK_INT(raw_html_nodes(md, sizeof md - 1), 0);
  CHECK_INT(cb_export__markdown_text(&out, md, sizeof md - 1), 0);
  CHECK_INT((long long)out.len, (long long)(sizeof md - 1));
  CHECK(out.data && memcmp(out.data, md, sizeof md - 1) == 0);
  cb_buf_free(&out);
  /* an empty chapter's text is NULL: nothing to read, nothing written */
  CHECK_INT(cb_export__markdown_text(&out, NULL, 0), 0);
  CHECK_INT((long long)out.len, 0);
  cb_buf_free(&out);
}

/* Many blocks whose escaping turns the next lines into paragraphs with
 * tags of their own: every one of them is escaped. */
static void test_many_tags(void) {
  cb_buf md = {0};
  for (int i = 0; i < 40; i++)
    cb_buf_puts(&md, "<script>x</script>\n    <b>y</b>\n");
  cb_buf out = escaped(cb_buf_cstr(&md), md.len);
  CHECK(out.data && !memchr(out.data, '<', out.len));
  cb_buf_free(&out);
  cb_buf_free(&md);
}

int main(void) {
  test_exact();
  test_hard();
  test_unchanged();
  test_many_tags();
  return test_report("export markdown");
}
