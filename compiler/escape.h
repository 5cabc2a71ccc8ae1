/* SPDX-License-Identifier: MIT */
/*
 * escape.h: markup escaping of text for HTML and XML written outside the
 * site's writer (html_writer.c escapes its pages as it cleans them): the
 * template filler of the site and rubric.xml.
 */
#ifndef CB_ESCAPE_H
#define CB_ESCAPE_H

#include "alloc.h"

/* Which characters are written as references. Every mode writes & < >
 * as &amp; &lt; &gt;; the others are as the mode says. */
typedef enum cb_escape_mode {
  /* HTML or XML content: & < > only */
  CB_ESCAPE_TEXT = 0,
  /* an HTML attribute value in double quotes: also " (&quot;) */
  CB_ESCAPE_ATTR,
  /* XML content as libxml2 writes it: also the carriage return (&#13;),
   * which a parser would otherwise turn into a newline */
  CB_ESCAPE_XML_TEXT,
  /* an XML attribute value as libxml2 writes it: also ", tab (&#9;),
   * newline (&#10;) and carriage return, which a parser would otherwise
   * normalize to spaces */
  CB_ESCAPE_XML_ATTR
} cb_escape_mode;

/* Appends the NUL-terminated s to out, escaped for mode. The text is not
 * cleaned: clean it first (cb_utf8__text_fix) when it may hold invalid
 * UTF-8 or controls. */
void cb_escape__markup(cb_buf *out, const char *s, cb_escape_mode mode);

#endif
