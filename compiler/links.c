/* SPDX-License-Identifier: MIT */
/*
 * links.c: the links of the book as the outputs write them: the site URL
 * each one points to (or "#" when it is unsafe), URLs percent-encoded as
 * cmark-gfm writes them, and the "cb-link:N" hrefs of pre-rendered HTML
 * replaced by those URLs. It reads the model only, for the HTML site, the
 * JSON and XML rubrics and the printers alike.
 */
#include "links.h"

#include <string.h>

/* 1 when s starts with prefix, ignoring ASCII case. */
static int starts_nocase(const char *s, const char *prefix) {
  for (; *prefix; s++, prefix++) {
    char c = *s;
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != *prefix)
      return 0;
  }
  return 1;
}

/* The schemes a browser would run or that reach the reader's files, as
 * cmark-gfm's own check: the loader marks these links CB_LINK_UNSAFE, and
 * this is the second lock. Images may be data: PNG, GIF, JPEG, WebP. */
static int dangerous(const char *url) {
  while (*url == ' ' || (unsigned char)*url < 0x20)
    url++;
  if (starts_nocase(url, "data:"))
    return !(starts_nocase(url + 5, "image/png") ||
             starts_nocase(url + 5, "image/gif") ||
             starts_nocase(url + 5, "image/jpeg") ||
             starts_nocase(url + 5, "image/webp"));
  return starts_nocase(url, "javascript:") || starts_nocase(url, "vbscript:") ||
         starts_nocase(url, "file:");
}

const char *cb_links__href(const cb_book *book, size_t n) {
  if (n >= book->n_links)
    return "#";
  const cb_link *l = &book->links[n];
  if (l->kind == CB_LINK_UNSAFE || !l->href || !*l->href || dangerous(l->href))
    return "#";
  return l->href;
}

/* 1 for the ASCII bytes a URL may hold as they are: RFC 3986 unreserved,
 * reserved and '%' ('&' is left to the caller). Non-ASCII bytes are kept
 * too (an IRI: browsers encode them). */
/* clang-format off */
static const unsigned char url_ascii_ok[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
};
/* clang-format on */

/* Appends url percent-encoded (see cb_links__url); with in_html, '&' is
 * also written &amp; (the only character left that HTML would read in a
 * quoted attribute: the quote and angle brackets are percent-encoded). */
static void put_url(cb_buf *out, const char *url, int in_html) {
  static const char hex[] = "0123456789ABCDEF";
  const char *run = url, *p = url;
  for (; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c >= 0x80 || url_ascii_ok[c] || (c == '&' && !in_html))
      continue;
    cb_buf_append(out, run, (size_t)(p - run));
    if (c == '&') {
      cb_buf_puts(out, "&amp;");
    } else {
      char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
      cb_buf_append(out, enc, 3);
    }
    run = p + 1;
  }
  cb_buf_append(out, run, (size_t)(p - run));
}

void cb_links__url(cb_buf *out, const char *url) { put_url(out, url, 0); }

void cb_links__html(cb_buf *out, const cb_book *book, const char *html) {
  static const char marker[] = "=\"cb-link:";
  const size_t mlen = sizeof marker - 1;
  const char *p = html;
  const char *hit;
  /* Only inside an attribute value: a quote in text is always written as
   * &quot; by the renderer, so `="cb-link:` cannot occur in text. */
  while ((hit = strstr(p, marker)) != NULL) {
    const char *d = hit + mlen;
    size_t n = 0;
    const char *q = d;
    while (*q >= '0' && *q <= '9' && q - d < 18)
      n = n * 10 + (size_t)(*q++ - '0');
    if (q == d || *q != '"') {
      cb_buf_append(out, p, (size_t)(d - p));
      p = d;
      continue;
    }
    cb_buf_append(out, p, (size_t)(hit - p) + 2); /* up to and with =" */
    put_url(out, cb_links__href(book, n), 1);
    p = q; /* the closing quote */
  }
  cb_buf_puts(out, p);
}
