/* SPDX-License-Identifier: MIT */
/*
 * escape.c: the one markup escaper of the outputs that are not written
 * through html_writer.c: the characters of each mode are found a run at
 * a time (strcspn) and written as the references libxml2 writes.
 */
#include "escape.h"

#include <assert.h>
#include <string.h>

/* The characters each cb_escape_mode writes as references. */
static const char *const specials[] = {
    [CB_ESCAPE_TEXT] = "&<>",
    [CB_ESCAPE_ATTR] = "&<>\"",
    [CB_ESCAPE_XML_TEXT] = "<>&\r",
    [CB_ESCAPE_XML_ATTR] = "<>&\r\"\t\n",
};

/* The character reference or entity that stands for c. */
static const char *reference(char c) {
  switch (c) {
  case '<':
    return "&lt;";
  case '>':
    return "&gt;";
  case '&':
    return "&amp;";
  case '"':
    return "&quot;";
  case '\t':
    return "&#9;";
  case '\n':
    return "&#10;";
  default:
    assert(c == '\r');
    return "&#13;";
  }
}

void cb_escape__markup(cb_buf *out, const char *s, cb_escape_mode mode) {
  const char *special = specials[mode];
  for (;;) {
    size_t n = strcspn(s, special);
    cb_buf_append(out, s, n);
    if (!s[n])
      return;
    cb_buf_puts(out, reference(s[n]));
    s += n + 1;
  }
}
