/*
 * html_writer.c: the streaming HTML writer (see html_writer.h).
 *
 * Cleaning and escaping are one pass over the bytes: a table gives each
 * byte its class; runs of plain ASCII are copied as they are, the five
 * characters HTML reads are written as references, and runs of other
 * bytes (non-ASCII, controls) go through cb_emit__text_fix, which keeps
 * valid UTF-8 and makes the rest visible. A run of other bytes always ends
 * at an ASCII byte or at the end, where a UTF-8 sequence ends too, so
 * cleaning it alone gives what cleaning the whole text would.
 */
#include "html_writer.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "emit.h"

static const struct {
  const char *name;
  unsigned char len;
  unsigned char block; /* a newline after the end tag */
} tags[CB_N_TAGS] = {
    [CB_TAG_A] = {"a", 1, 0},
    [CB_TAG_ARTICLE] = {"article", 7, 1},
    [CB_TAG_CODE] = {"code", 4, 0},
    [CB_TAG_DD] = {"dd", 2, 1},
    [CB_TAG_DETAILS] = {"details", 7, 1},
    [CB_TAG_DIV] = {"div", 3, 1},
    [CB_TAG_DL] = {"dl", 2, 1},
    [CB_TAG_DT] = {"dt", 2, 1},
    [CB_TAG_EM] = {"em", 2, 0},
    [CB_TAG_FORM] = {"form", 4, 1},
    [CB_TAG_H1] = {"h1", 2, 1},
    [CB_TAG_H2] = {"h2", 2, 1},
    [CB_TAG_H3] = {"h3", 2, 1},
    [CB_TAG_H4] = {"h4", 2, 1},
    [CB_TAG_H5] = {"h5", 2, 1},
    [CB_TAG_H6] = {"h6", 2, 1},
    [CB_TAG_HEADER] = {"header", 6, 1},
    [CB_TAG_LABEL] = {"label", 5, 0},
    [CB_TAG_LI] = {"li", 2, 1},
    [CB_TAG_NAV] = {"nav", 3, 1},
    [CB_TAG_OL] = {"ol", 2, 1},
    [CB_TAG_OPTGROUP] = {"optgroup", 8, 1},
    [CB_TAG_OPTION] = {"option", 6, 1},
    [CB_TAG_P] = {"p", 1, 1},
    [CB_TAG_PRE] = {"pre", 3, 1},
    [CB_TAG_SECTION] = {"section", 7, 1},
    [CB_TAG_SELECT] = {"select", 6, 1},
    [CB_TAG_SPAN] = {"span", 4, 0},
    [CB_TAG_STRONG] = {"strong", 6, 0},
    [CB_TAG_SUMMARY] = {"summary", 7, 1},
    [CB_TAG_TABLE] = {"table", 5, 1},
    [CB_TAG_TBODY] = {"tbody", 5, 1},
    [CB_TAG_TD] = {"td", 2, 0},
    [CB_TAG_TH] = {"th", 2, 0},
    [CB_TAG_THEAD] = {"thead", 5, 1},
    [CB_TAG_TR] = {"tr", 2, 1},
    [CB_TAG_UL] = {"ul", 2, 1},
};

/* Byte classes. */
enum { PLAIN = 0, AMP, LT, GT, QUOT, PCT, OTHER };

/* Text: &, <, > escaped; tab, newline, carriage return and printable
 * ASCII plain; the rest cleaned. */
/* clang-format off */
static const unsigned char text_class[256] = {
    6, 6, 6, 6, 6, 6, 6, 6, 6, 0, 0, 6, 6, 0, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
};

/* A quoted attribute value: the same, and " escaped. */
static const unsigned char attr_class[256] = {
    6, 6, 6, 6, 6, 6, 6, 6, 6, 0, 0, 6, 6, 0, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
};

/* A URL in an attribute, as cb_emit__url then escaped: RFC 3986
 * unreserved and reserved characters and '%' plain, '&' escaped, other
 * ASCII percent-encoded, non-ASCII (an IRI) cleaned. */
static const unsigned char url_class[256] = {
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 5, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 5, 0,
    5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 0, 5,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
};
/* clang-format on */

/* ---- the buffer ------------------------------------------------------ */

/* Makes room for n more bytes and one spare, as cb_buf_append keeps
 * (the bytes are not NUL-terminated). Returns 0 once an allocation
 * failed. */
static int grow(cb_html *h, size_t n) {
  cb_buf *b = &h->buf;
  if (b->failed)
    return 0;
  size_t ncap = b->cap ? b->cap : 4096;
  while (ncap < b->len + n + 1) {
    if (ncap > SIZE_MAX / 2) {
      b->failed = 1;
      return 0;
    }
    ncap *= 2;
  }
  char *p = cb_realloc(b->data, ncap);
  if (!p) {
    b->failed = 1;
    return 0;
  }
  b->data = p;
  b->cap = ncap;
  return 1;
}

static inline void put(cb_html *h, const void *s, size_t n) {
  cb_buf *b = &h->buf;
  if (b->len + n < b->cap || grow(h, n)) {
    memcpy(b->data + b->len, s, n);
    b->len += n;
  }
}

static inline void putc_(cb_html *h, char c) {
  cb_buf *b = &h->buf;
  if (b->len + 1 < b->cap || grow(h, 1))
    b->data[b->len++] = c;
}

/* Ends a start tag left open for attributes. */
static inline void content(cb_html *h) {
  if (h->in_tag) {
    putc_(h, '>');
    h->in_tag = 0;
  }
}

/* Writes s[0..n) by the classes of table cls. */
static void put_classed(cb_html *h, const unsigned char *s, size_t n,
                        const unsigned char *cls) {
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *p = s, *end = s + n;
  while (p < end) {
    const unsigned char *run = p;
    while (end - p >= 4 && !(cls[p[0]] | cls[p[1]] | cls[p[2]] | cls[p[3]]))
      p += 4;
    while (p < end && !cls[*p])
      p++;
    if (p > run)
      put(h, run, (size_t)(p - run));
    if (p == end)
      return;
    switch (cls[*p]) {
    case AMP:
      put(h, "&amp;", 5);
      p++;
      break;
    case LT:
      put(h, "&lt;", 4);
      p++;
      break;
    case GT:
      put(h, "&gt;", 4);
      p++;
      break;
    case QUOT:
      put(h, "&quot;", 6);
      p++;
      break;
    case PCT: {
      char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      put(h, enc, 3);
      p++;
      break;
    }
    default: { /* OTHER */
      const unsigned char *q = p + 1;
      while (q < end && cls[*q] == OTHER)
        q++;
      cb_emit__text_fix(&h->buf, (const char *)p, (size_t)(q - p),
                        CB_TEXT_HTML);
      p = q;
      break;
    }
    }
  }
}

/* ---- the API --------------------------------------------------------- */

void cb_html__reset(cb_html *h) {
  h->buf.len = 0;
  h->buf.failed = 0;
  h->depth = 0;
  h->in_tag = 0;
  h->pre_start = 0;
}

void cb_html__free(cb_html *h) {
  cb_buf_free(&h->buf);
  cb_html__reset(h);
}

int cb_html__failed(const cb_html *h) { return h->buf.failed; }

void cb_html__open(cb_html *h, cb_tag tag, const char *cls) {
  assert((unsigned)tag < CB_N_TAGS && h->depth < CB_HTML_DEPTH);
  content(h);
  putc_(h, '<');
  put(h, tags[tag].name, tags[tag].len);
  h->open[h->depth++] = (unsigned char)tag;
  h->in_tag = 1;
  h->pre_start = tag == CB_TAG_PRE;
  if (cls)
    cb_html__attr(h, "class", cls);
}

/* ' name="' */
static void attr_start(cb_html *h, const char *name) {
  size_t n = strlen(name);
  assert(h->in_tag && name[0] >= 'a' && name[0] <= 'z');
  putc_(h, ' ');
  put(h, name, n);
  put(h, "=\"", 2);
}

void cb_html__attr(cb_html *h, const char *name, const char *value) {
  attr_start(h, name);
  put_classed(h, (const unsigned char *)value, strlen(value), attr_class);
  putc_(h, '"');
}

void cb_html__attr_url(cb_html *h, const char *name, const char *url,
                       size_t len) {
  attr_start(h, name);
  put_classed(h, (const unsigned char *)url, len, url_class);
  putc_(h, '"');
}

void cb_html__text(cb_html *h, const char *s, size_t len) {
  if (len == 0)
    return;
  content(h);
  /* HTML drops a newline right after <pre>: one more keeps the text's. */
  if (h->pre_start && s[0] == '\n')
    putc_(h, '\n');
  h->pre_start = 0;
  put_classed(h, (const unsigned char *)s, len, text_class);
}

void cb_html__puts(cb_html *h, const char *s) {
  if (s)
    cb_html__text(h, s, strlen(s));
}

void cb_html__close(cb_html *h) {
  assert(h->depth > 0);
  cb_tag tag = (cb_tag)h->open[--h->depth];
  content(h);
  h->pre_start = 0;
  put(h, "</", 2);
  put(h, tags[tag].name, tags[tag].len);
  if (tags[tag].block)
    put(h, ">\n", 2);
  else
    putc_(h, '>');
}

void cb_html__leaf(cb_html *h, cb_tag tag, const char *cls, const char *s) {
  cb_html__open(h, tag, cls);
  cb_html__puts(h, s);
  cb_html__close(h);
}

void cb_html__open_link(cb_html *h, const char *href, const char *cls) {
  cb_html__open(h, CB_TAG_A, cls);
  cb_html__attr_url(h, "href", href, strlen(href));
}

void cb_html__link(cb_html *h, const char *href, const char *cls,
                   const char *s) {
  cb_html__open_link(h, href, cls);
  cb_html__puts(h, s);
  cb_html__close(h);
}

void cb_html__fragment(cb_html *h, const cb_book *book, const char *html) {
  if (!html || !*html)
    return;
  content(h);
  h->pre_start = 0;
  size_t start = h->buf.len;
  cb_emit__links(&h->buf, book, html);
  if (h->buf.failed ||
      cb_emit__text_ok(h->buf.data + start, h->buf.len - start, CB_TEXT_HTML))
    return;
  /* cmark-gfm passes the source's invalid UTF-8 and control characters
   * through: cleaned like any text (which never adds markup). */
  cb_buf raw = {0};
  cb_buf_append(&raw, h->buf.data + start, h->buf.len - start);
  h->buf.len = start;
  if (raw.failed)
    h->buf.failed = 1;
  else
    cb_emit__text_fix(&h->buf, raw.data, raw.len, CB_TEXT_HTML);
  cb_buf_free(&raw);
}

size_t cb_html__mark(const cb_html *h) {
  assert(h->depth == 0 && !h->in_tag);
  return h->buf.len;
}

void cb_html__splice(cb_html *h, const cb_html *from, size_t start,
                     size_t end) {
  assert(start <= end && end <= from->buf.len);
  if (end > start) {
    content(h);
    h->pre_start = 0;
    put(h, from->buf.data + start, end - start);
  }
}

void cb_html__template(cb_html *h, const char *bytes, size_t len) {
  assert(h->depth == 0 && !h->in_tag);
  h->pre_start = 0;
  put(h, bytes, len);
}

void cb_html__pre_start(cb_html *h) { h->pre_start = 1; }
