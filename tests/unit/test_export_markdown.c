/* SPDX-License-Identifier: MIT */
/*
 * test_export_markdown.c: unit tests of the raw HTML of the tools'
 * guidelines (cb_export__guidelines, export_guidelines.c), the chapters
 * written back as Markdown: every raw HTML node cmark-gfm finds in a
 * chapter is text in the result, whatever the blocks around it, and a
 * chapter without raw HTML, links or elements renders to the same HTML as
 * the chapter itself; a chapter nested too deep to write back is shown as
 * written, in a code block.
 */
#include <cmark-gfm.h>
#include <string.h>

#include "alloc.h"
#include "casebook/casebook.h"
#include "ctx.h"
#include "export_guidelines.h"
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

/* The guidelines of a book of one chapter, md (the caller frees them with
 * cb_buf_free). */
static cb_buf guidelines(const char *md, size_t len) {
  cb_buf out = {0};
  cb_ctx *ctx = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  cb_source_file f = {"c.md", md, len};
  const cb_book *book = NULL;
  CHECK_INT(cb_book_load_files(&book, ctx, &f, 1), 0);
  if (book)
    CHECK_INT(cb_export__guidelines(&out, ctx, book, NULL), 0);
  cb_ctx_free(ctx);
  return out;
}

/* The guidelines of md, checked to hold no raw HTML where md had some. */
static cb_buf escaped(const char *md, size_t len) {
  cb_buf out = guidelines(md, len);
  CHECK(raw_html_nodes(md, len) > 0);
  CHECK_INT(raw_html_nodes(out.data ? out.data : "", out.len), 0);
  return out;
}

/* md as HTML, with casebook's parser (the caller frees it). */
static cb_buf html_of(const char *md, size_t len) {
  cb_buf out = {0};
  cmark_node *doc = cb_parse__document(md, len);
  CHECK(doc != NULL);
  if (doc)
    CHECK_INT(cb_parse__render_html(&out, doc, doc, 1), 0);
  cb_parse__release(doc);
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
            "Prose with \\<script\\>alert(1)\\</script\\> and \\<img src=x "
            "onerror=alert(1)\\>.\n"
            "\n"
            "\\<div onclick=alert(1)\\>\n"
            "block \\<b\\>bold\\</b\\>\n"
            "\\</div\\>\n"
            "\n"
            "`code <b>` stays code, \\<i\\> stays escaped.\n");
  cb_buf html = html_of(out.data, out.len);
  CHECK(strstr(cb_buf_cstr(&html),
               "<p>Prose with &lt;script&gt;alert(1)&lt;/script&gt; and") !=
        NULL);
  cb_buf_free(&html);
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
    CHECK(out.len > 0);
    cb_buf_free(&out);
  }
}

/* A chapter without raw HTML, links or elements reads the same: its
 * guidelines render to the HTML the chapter renders to, '<' and all. */
static void test_unchanged(void) {
  static const char md[] =
      "# T\n\n1 < 2 and a <http://example.com> autolink, `<b>`, \\<i>,\n"
      "&lt;script&gt; as an entity, *em* and **strong**, a_b_c, 2. x\n\n"
      "~~~\n<script>in code</script>\n~~~\n\n"
      "1. one\n2. two\n   - nested\n\n> quote # not a heading\n\n"
      "| a | b |\n|---|---|\n| `|` | x \\| y |\n\n- [ ] task\n\n"
      "Line  \nbreak and ~~strike~~.\n";
  CHECK_INT(raw_html_nodes(md, sizeof md - 1), 0);
  cb_buf out = guidelines(md, sizeof md - 1);
  cb_buf want = html_of(md, sizeof md - 1);
  cb_buf got = html_of(out.data ? out.data : "", out.len);
  CHECK_STR(cb_buf_cstr(&got), cb_buf_cstr(&want));
  cb_buf_free(&out);
  cb_buf_free(&want);
  cb_buf_free(&got);
  /* an empty chapter: nothing written but its line end */
  out = guidelines("", 0);
  CHECK(out.len <= 1);
  cb_buf_free(&out);
}

/* Many script blocks, each followed by an indented line: every block is
 * text, every indented line stays code. */
static void test_many_tags(void) {
  cb_buf md = {0};
  for (int i = 0; i < 40; i++)
    cb_buf_puts(&md, "<script>x</script>\n    <b>y</b>\n");
  cb_buf out = escaped(cb_buf_cstr(&md), md.len);
  /* each script block is text, each indented line code */
  int scripts = 0, code = 0;
  for (const char *p = cb_buf_cstr(&out); (p = strstr(p, "\\<script\\>")); p++)
    scripts++;
  for (const char *p = cb_buf_cstr(&out); (p = strstr(p, "    <b>y</b>")); p++)
    code++;
  CHECK_INT(scripts, 40);
  CHECK_INT(code, 40);
  cb_buf_free(&out);
  cb_buf_free(&md);
}

/* Quotes nested past the limit, with lazy lines that would each repeat
 * every '>': the chapter comes out as written, in one code block whose
 * fence no run of '`' in it can close, about the size of the input. */
static void test_deep(void) {
  cb_buf md = {0};
  cb_buf_puts(&md, "# T\n\n");
  for (int i = 0; i < 500; i++)
    cb_buf_puts(&md, "> ");
  cb_buf_puts(&md, "x <script>y</script>\n");
  for (int i = 0; i < 500; i++)
    cb_buf_puts(&md, "lazy ```` line\n");
  cb_buf out = guidelines(md.data, md.len);
  CHECK(out.len < md.len + 64);
  CHECK(strncmp(cb_buf_cstr(&out), "`````\n# T\n", 10) == 0);
  cmark_node *doc = cb_parse__document(out.data ? out.data : "", out.len);
  CHECK(doc != NULL);
  if (doc) {
    cmark_node *code = cmark_node_first_child(doc);
    CHECK(code && cmark_node_get_type(code) == CMARK_NODE_CODE_BLOCK &&
          !cmark_node_next(code));
    CHECK(code && strlen(cmark_node_get_literal(code)) == md.len);
  }
  cb_parse__release(doc);
  cb_buf_free(&out);
  cb_buf_free(&md);
}

int main(void) {
  test_exact();
  test_hard();
  test_unchanged();
  test_many_tags();
  test_deep();
  return test_report("export markdown");
}
