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

/* The site's href of link n (cb_links_href_fn). */
static const char *site_href(void *ud, const cb_book *book, size_t n) {
  (void)ud;
  return cb_links__href(book, n);
}

void cb_links__html(cb_buf *out, const cb_book *book, const char *html) {
  cb_links__html_by(out, book, html, site_href, NULL);
}

/* Appends the alt text of the <img> start tag tag[0..len) (escaped as an
 * attribute value, so fit for text as it is). */
static void put_alt(cb_buf *out, const char *tag, size_t len) {
  static const char alt[] = " alt=\"";
  for (size_t i = 0; i + sizeof alt - 1 < len; i++)
    if (memcmp(tag + i, alt, sizeof alt - 1) == 0) {
      const char *v = tag + i + sizeof alt - 1;
      const char *e = memchr(v, '"', len - (size_t)(v - tag));
      if (e)
        cb_buf_append(out, v, (size_t)(e - v));
      return;
    }
}

/* The start of the tag whose attribute begins at hit: the last '<' of
 * html[from..hit), or NULL. cmark-gfm writes '<' in an attribute value
 * as &lt;, so it is the tag's own. */
static const char *tag_start(const char *from, const char *hit) {
  for (const char *t = hit; t > from;)
    if (*--t == '<')
      return t;
  return NULL;
}

/* 1 when the tag at t is named name (followed by a space). */
static int tag_is(const char *t, const char *name) {
  size_t n = strlen(name);
  return strncmp(t + 1, name, n) == 0 && t[1 + n] == ' ';
}

void cb_links__html_by(cb_buf *out, const cb_book *book, const char *html,
                       cb_links_href_fn href, void *ud) {
  static const char marker[] = "=\"cb-link:";
  const size_t mlen = sizeof marker - 1;
  const char *p = html;
  size_t unlinked = 0; /* </a> to leave out, of links written as text */
  for (;;) {
    /* Only inside an attribute value: a quote in text is always written
     * as &quot; by the renderer, so `="cb-link:` cannot occur in text. */
    const char *hit = strstr(p, marker);
    const char *close = unlinked ? strstr(p, "</a>") : NULL;
    if (close && (!hit || close < hit)) {
      cb_buf_append(out, p, (size_t)(close - p));
      p = close + 4;
      unlinked--;
      continue;
    }
    if (!hit)
      break;
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
    const char *to = href(ud, book, n);
    const char *t = to ? NULL : tag_start(p, hit);
    const char *end = t ? strchr(q, '>') : NULL;
    if (end && (tag_is(t, "a") || tag_is(t, "img"))) {
      /* nowhere to go: the link's content, the image's alt text */
      cb_buf_append(out, p, (size_t)(t - p));
      if (tag_is(t, "a"))
        unlinked++;
      else
        put_alt(out, t, (size_t)(end - t));
      p = end + 1;
      continue;
    }
    cb_buf_append(out, p, (size_t)(hit - p) + 2); /* up to and with =" */
    put_url(out, to ? to : "#", 1);
    p = q; /* the closing quote */
  }
  cb_buf_puts(out, p);
}
