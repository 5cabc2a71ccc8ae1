/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of escape.c: which characters each mode writes as a
 * reference, and the references themselves (those libxml2 writes), since
 * the site's templates and rubric.xml are compared byte for byte.
 */

#include "escape.h"
#include "testlib.h"

static const char *escaped(cb_buf *b, const char *s, cb_escape_mode mode) {
  cb_buf_reset(b);
  cb_escape__markup(b, s, mode);
  return cb_buf_cstr(b);
}

static void test_modes(void) {
  static const char all[] = "a&b<c>d\"e\tf\ng\rh'i";
  cb_buf b = {0};
  CHECK_STR(escaped(&b, all, CB_ESCAPE_TEXT),
            "a&amp;b&lt;c&gt;d\"e\tf\ng\rh'i");
  CHECK_STR(escaped(&b, all, CB_ESCAPE_ATTR),
            "a&amp;b&lt;c&gt;d&quot;e\tf\ng\rh'i");
  CHECK_STR(escaped(&b, all, CB_ESCAPE_XML_TEXT),
            "a&amp;b&lt;c&gt;d\"e\tf\ng&#13;h'i");
  CHECK_STR(escaped(&b, all, CB_ESCAPE_XML_ATTR),
            "a&amp;b&lt;c&gt;d&quot;e&#9;f&#10;g&#13;h'i");
  cb_buf_free(&b);
}

static void test_edges(void) {
  cb_buf b = {0};
  CHECK_STR(escaped(&b, "", CB_ESCAPE_ATTR), "");
  CHECK_STR(escaped(&b, "plain text", CB_ESCAPE_XML_ATTR), "plain text");
  CHECK_STR(escaped(&b, "<<&&>>", CB_ESCAPE_TEXT),
            "&lt;&lt;&amp;&amp;&gt;&gt;");
  /* appends: what out holds already stays */
  cb_buf_reset(&b);
  cb_buf_puts(&b, "x=");
  cb_escape__markup(&b, "\"&\"", CB_ESCAPE_ATTR);
  CHECK_STR(cb_buf_cstr(&b), "x=&quot;&amp;&quot;");
  /* UTF-8 passes through untouched */
  CHECK_STR(escaped(&b, "\xc3\xa9<\xe2\x82\xac", CB_ESCAPE_TEXT),
            "\xc3\xa9&lt;\xe2\x82\xac");
  cb_buf_free(&b);
}

int main(void) {
  test_modes();
  test_edges();
  return test_report("escape");
}
