/* SPDX-License-Identifier: MIT */
/*
 * html_writer.c: the streaming HTML writer (see html_writer.h).
 *
 * Cleaning and escaping are one pass over the bytes: a table gives each
 * byte its class; runs of plain ASCII are copied as they are, the five
 * characters HTML reads are written as references, and runs of other
 * bytes (non-ASCII, controls) go through cb_utf8__text_fix, which keeps
 * valid UTF-8 and makes the rest visible. A run of other bytes always ends
 * at an ASCII byte or at the end, where a UTF-8 sequence ends too, so
 * cleaning it alone gives what cleaning the whole text would.
 *
 * Pages are millions of short pieces, so the common case is made cheap:
 * with SSE2 the plain runs are found sixteen bytes at a time, a short
 * plain string is checked and copied at once, and tags are copied from
 * padded tables into spare bytes the buffer keeps.
 */
#include "html_writer.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "links.h"
#include "utf8.h"

/* The start tag without its '>' and the end tag (with a newline after a
 * block element), padded to 16 bytes: they are copied whole into the
 * SLACK bytes the buffer keeps spare (see room()), then the length
 * counted. */
typedef struct tag_bytes {
  char start[16], end[16];
  unsigned char start_len, end_len;
} tag_bytes;

#define INLINE(name)                                                           \
  { "<" name, "</" name ">", sizeof name, sizeof name + 2 }
#define BLOCK(name)                                                            \
  { "<" name, "</" name ">\n", sizeof name, sizeof name + 3 }

static const tag_bytes tags[CB_N_TAGS] = {
    [CB_TAG_A] = INLINE("a"),
    [CB_TAG_ARTICLE] = BLOCK("article"),
    [CB_TAG_BDI] = INLINE("bdi"),
    [CB_TAG_CODE] = INLINE("code"),
    [CB_TAG_DD] = BLOCK("dd"),
    [CB_TAG_DETAILS] = BLOCK("details"),
    [CB_TAG_DIV] = BLOCK("div"),
    [CB_TAG_DL] = BLOCK("dl"),
    [CB_TAG_DT] = BLOCK("dt"),
    [CB_TAG_EM] = INLINE("em"),
    [CB_TAG_FORM] = BLOCK("form"),
    [CB_TAG_H1] = BLOCK("h1"),
    [CB_TAG_H2] = BLOCK("h2"),
    [CB_TAG_H3] = BLOCK("h3"),
    [CB_TAG_H4] = BLOCK("h4"),
    [CB_TAG_H5] = BLOCK("h5"),
    [CB_TAG_H6] = BLOCK("h6"),
    [CB_TAG_HEADER] = BLOCK("header"),
    [CB_TAG_LABEL] = INLINE("label"),
    [CB_TAG_LI] = BLOCK("li"),
    [CB_TAG_NAV] = BLOCK("nav"),
    [CB_TAG_OL] = BLOCK("ol"),
    [CB_TAG_OPTGROUP] = BLOCK("optgroup"),
    [CB_TAG_OPTION] = BLOCK("option"),
    [CB_TAG_P] = BLOCK("p"),
    [CB_TAG_PRE] = BLOCK("pre"),
    [CB_TAG_SECTION] = BLOCK("section"),
    [CB_TAG_SELECT] = BLOCK("select"),
    [CB_TAG_SPAN] = INLINE("span"),
    [CB_TAG_STRONG] = INLINE("strong"),
    [CB_TAG_SUMMARY] = BLOCK("summary"),
    [CB_TAG_TABLE] = BLOCK("table"),
    [CB_TAG_TBODY] = BLOCK("tbody"),
    [CB_TAG_TD] = INLINE("td"),
    [CB_TAG_TH] = INLINE("th"),
    [CB_TAG_THEAD] = BLOCK("thead"),
    [CB_TAG_TR] = BLOCK("tr"),
    [CB_TAG_UL] = BLOCK("ul"),
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

/* A URL in an attribute, as cb_links__url then escaped: RFC 3986
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

/* Spare bytes kept past the end of the bytes written, for fixed-size
 * copies. */
#define SLACK 16

/* Makes room for n more bytes and SLACK spare ones (the bytes are not
 * NUL-terminated). Returns 0 once an allocation failed. */
static int grow(cb_html *h, size_t n) {
  cb_buf *b = &h->buf;
  if (b->failed)
    return 0;
  size_t ncap = b->cap ? b->cap : 4096;
  while (ncap <= b->len + n + SLACK) {
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

static inline int room(cb_html *h, size_t n) {
  return h->buf.cap - h->buf.len > n + SLACK || grow(h, n);
}

static inline void put(cb_html *h, const void *s, size_t n) {
  cb_buf *b = &h->buf;
  if (room(h, n)) {
    memcpy(b->data + b->len, s, n);
    b->len += n;
  }
}

static inline void putc_(cb_html *h, char c) {
  cb_buf *b = &h->buf;
  if (room(h, 1))
    b->data[b->len++] = c;
}

/* Ends a start tag left open for attributes. */
static inline void content(cb_html *h) {
  if (h->in_tag) {
    putc_(h, '>');
    h->in_tag = 0;
  }
}

#if defined(__SSE2__) && defined(__GNUC__)
/* The mask of the bytes of v in lo..hi: adding 0x80 - lo maps them, and
 * only them, to the signed bytes below -128 + (hi - lo + 1). */
static __m128i in_range(__m128i v, int lo, int hi) {
  return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))),
                        _mm_set1_epi8((char)(-128 + hi - lo + 1)));
}

/* The mask of the bytes of v that cls leaves as they are, or most of
 * them (the few others take the slow way). For text and quoted attribute
 * values: printable ASCII but what HTML reads, and the newline; for
 * URLs: letters, digits and the punctuation of ids and paths. */
static unsigned plain_mask(__m128i v, const unsigned char *cls) {
  __m128i plain;
  if (cls == url_class) {
    plain = _mm_or_si128(
        _mm_or_si128(in_range(v, '#', '%'), in_range(v, '\'', ';')),
        _mm_or_si128(in_range(v, '?', 'Z'), in_range(v, 'a', 'z')));
    plain = _mm_or_si128(plain,
                         _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('_')),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('='))));
  } else {
    __m128i markup =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('>'))));
    if (cls == attr_class)
      markup = _mm_or_si128(markup, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
    plain = _mm_or_si128(_mm_andnot_si128(markup, in_range(v, ' ', '~')),
                         _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
  }
  return (unsigned)_mm_movemask_epi8(plain);
}

static __m128i load8(const unsigned char *p) {
  return _mm_loadl_epi64((const __m128i *)(const void *)p);
}

static __m128i load4(const unsigned char *p) {
  int v;
  memcpy(&v, p, 4);
  return _mm_cvtsi32_si128(v);
}
#endif

/* Copies s[0..n) to d and returns 1 when it is short (n < 16) and all of
 * it plain (of class 0 in cls); else returns 0, d left to be written
 * over. Most strings are: with SSE2, in one vector of their first and
 * last eight or four bytes, which overlap. */
static inline int copy_short(unsigned char *d, const unsigned char *s, size_t n,
                             const unsigned char *cls) {
  if (n >= 16)
    return 0;
#if defined(__SSE2__) && defined(__GNUC__)
  if (n >= 4) {
    if (n >= 8) {
      __m128i head = load8(s), tail = load8(s + n - 8);
      if (plain_mask(_mm_unpacklo_epi64(head, tail), cls) != 0xFFFF)
        return 0;
      _mm_storel_epi64((__m128i *)(void *)d, head);
      _mm_storel_epi64((__m128i *)(void *)(d + n - 8), tail);
    } else {
      if ((plain_mask(_mm_unpacklo_epi32(load4(s), load4(s + n - 4)), cls) &
           0xFF) != 0xFF)
        return 0;
      memcpy(d, s, 4);
      memcpy(d + n - 4, s + n - 4, 4);
    }
    return 1;
  }
#endif
  for (size_t i = 0; i < n; i++) {
    if (cls[s[i]])
      return 0;
    d[i] = s[i];
  }
  return 1;
}

/* Copies to d the run of plain bytes (of class 0 in cls) that s[0..n)
 * starts with; returns its length. Writes no further than d + n. */
static size_t copy_plain(unsigned char *d, const unsigned char *s, size_t n,
                         const unsigned char *cls) {
  size_t i = 0;
#if defined(__SSE2__) && defined(__GNUC__)
  for (; n - i >= 16; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
    unsigned plain = plain_mask(v, cls);
    _mm_storeu_si128((__m128i *)(void *)(d + i), v);
    if (plain != 0xFFFF)
      return i + (unsigned)__builtin_ctz(~plain);
  }
#endif
  if (copy_short(d + i, s + i, n - i, cls))
    return n;
  while (n - i >= 4 &&
         !(cls[s[i]] | cls[s[i + 1]] | cls[s[i + 2]] | cls[s[i + 3]]))
    i += 4;
  while (i < n && !cls[s[i]])
    i++;
  memcpy(d, s, i);
  return i;
}

/* Writes s[0..n) by the classes of table cls: the runs of plain bytes
 * copied as they are, with room made for all of them first. See
 * put_value for the usual way in. */
static void put_classed(cb_html *h, const unsigned char *s, size_t n,
                        const unsigned char *cls) {
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *p = s, *end = s + n;
  while (p < end) {
    if (!room(h, (size_t)(end - p)))
      return;
    size_t k = copy_plain((unsigned char *)h->buf.data + h->buf.len, p,
                          (size_t)(end - p), cls);
    h->buf.len += k;
    p += k;
    if (p == end)
      return;
    switch (cls[*p]) {
    case PLAIN: /* one that copy_plain leaves to the slow way */
      putc_(h, (char)*p);
      p++;
      break;
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
      cb_utf8__text_fix(&h->buf, (const char *)p, (size_t)(q - p),
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

/* put_classed, with a short plain string (most are) copied at once. */
static inline void put_value(cb_html *h, const char *s, size_t n,
                             const unsigned char *cls) {
  cb_buf *b = &h->buf;
  if (room(h, n) && copy_short((unsigned char *)b->data + b->len,
                               (const unsigned char *)s, n, cls))
    b->len += n;
  else
    put_classed(h, (const unsigned char *)s, n, cls);
}

/* Appends the first len of the 16 bytes at bytes, copied whole into the
 * spare ones. */
static inline void put16(cb_html *h, const char *bytes, size_t len) {
  if (room(h, 16)) {
    memcpy(h->buf.data + h->buf.len, bytes, 16);
    h->buf.len += len;
  }
}

/* Writes the fixed bytes of a tag, 16 of them (see tag_bytes), after
 * the '>' of a start tag left open. */
static void put_tag(cb_html *h, const char *bytes, size_t len) {
  cb_buf *b = &h->buf;
  if (room(h, 1 + 16)) {
    char *d = b->data + b->len;
    if (h->in_tag)
      *d++ = '>';
    memcpy(d, bytes, 16);
    b->len += (size_t)h->in_tag + len;
  }
  h->in_tag = 0;
}

/* The start of the attributes the writer names itself, padded for
 * put16: ' class="' and ' href="'. */
static const char class_start[16] = " class=\"", href_start[16] = " href=\"";

void cb_html__open(cb_html *h, cb_tag tag, const char *cls) {
  assert((unsigned)tag < CB_N_TAGS && h->depth < CB_HTML_DEPTH);
  put_tag(h, tags[tag].start, tags[tag].start_len);
  h->open[h->depth++] = (unsigned char)tag;
  h->in_tag = 1;
  h->pre_start = tag == CB_TAG_PRE;
  if (!cls)
    return;
  /* ' class="', the class and '"' at once when it is short and plain */
  size_t n = strlen(cls);
  cb_buf *b = &h->buf;
  if (room(h, 8 + n + 1)) {
    unsigned char *d = (unsigned char *)b->data + b->len;
    memcpy(d, class_start, 16);
    if (copy_short(d + 8, (const unsigned char *)cls, n, attr_class)) {
      d[8 + n] = '"';
      b->len += 8 + n + 1;
      return;
    }
    b->len += 8;
    put_classed(h, (const unsigned char *)cls, n, attr_class);
    putc_(h, '"');
  }
}

/* s[0..n) by the classes of cls, without its bidirectional controls
 * (where no <bdi> can isolate them). */
static void put_unbidi(cb_html *h, const char *s, size_t n,
                       const unsigned char *cls) {
  if (!cb_utf8__has_bidi(s, n)) {
    put_value(h, s, n, cls);
    return;
  }
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  const unsigned char *run = p;
  while (p < end) {
    uint32_t cp;
    size_t k = cb_utf8__decode(p, (size_t)(end - p), &cp);
    if (cp != CB_UTF8_INVALID && cb_utf8__bidi(cp)) {
      put_classed(h, run, (size_t)(p - run), cls);
      run = p + k;
    }
    p += k;
  }
  put_classed(h, run, (size_t)(end - run), cls);
}

/* Attribute name (a literal of ours: [a-z-]) with value s[0..n) by the
 * classes of cls. */
static void named_attr(cb_html *h, const char *name, const char *s, size_t n,
                       const unsigned char *cls) {
  size_t len = strlen(name);
  assert(h->in_tag && name[0] >= 'a' && name[0] <= 'z');
  putc_(h, ' ');
  put(h, name, len);
  put(h, "=\"", 2);
  put_unbidi(h, s, n, cls);
  putc_(h, '"');
}

void cb_html__attr(cb_html *h, const char *name, const char *value) {
  named_attr(h, name, value, strlen(value), attr_class);
}

void cb_html__attr_url(cb_html *h, const char *name, const char *url,
                       size_t len) {
  named_attr(h, name, url, len, url_class);
}

void cb_html__text(cb_html *h, const char *s, size_t len) {
  if (len == 0)
    return;
  content(h);
  if (cb_utf8__has_bidi(s, len)) {
    if (h->depth && h->open[h->depth - 1] == CB_TAG_OPTION) {
      h->pre_start = 0; /* an <option> holds text only */
      put_unbidi(h, s, len, text_class);
      return;
    }
    /* isolated: an override or embedding it opens ends with the <bdi>
     * (and the newline after a <pre> is no longer the first) */
    cb_html__open(h, CB_TAG_BDI, NULL);
    content(h);
    put_value(h, s, len, text_class);
    cb_html__close(h);
    return;
  }
  /* HTML drops a newline right after <pre>: one more keeps the text's. */
  if (h->pre_start && s[0] == '\n')
    putc_(h, '\n');
  h->pre_start = 0;
  put_value(h, s, len, text_class);
}

void cb_html__plain(cb_html *h, const char *s) {
  if (!s || !*s)
    return;
  content(h);
  h->pre_start = 0;
  put_unbidi(h, s, strlen(s), text_class);
}

void cb_html__puts(cb_html *h, const char *s) {
  if (s)
    cb_html__text(h, s, strlen(s));
}

void cb_html__close(cb_html *h) {
  assert(h->depth > 0);
  cb_tag tag = (cb_tag)h->open[--h->depth];
  h->pre_start = 0;
  put_tag(h, tags[tag].end, tags[tag].end_len);
}

void cb_html__leaf(cb_html *h, cb_tag tag, const char *cls, const char *s) {
  cb_html__open(h, tag, cls);
  cb_html__puts(h, s);
  cb_html__close(h);
}

void cb_html__open_link(cb_html *h, const char *href, const char *cls) {
  cb_html__open(h, CB_TAG_A, cls);
  put16(h, href_start, 7);
  put_unbidi(h, href, strlen(href), url_class);
  putc_(h, '"');
}

void cb_html__link(cb_html *h, const char *href, const char *cls,
                   const char *s) {
  cb_html__open_link(h, href, cls);
  cb_html__puts(h, s);
  cb_html__close(h);
}

void cb_html__fragment(cb_html *h, const cb_book *book, const char *html) {
  cb_html__fragment_by(h, book, html, NULL, NULL);
}

void cb_html__fragment_by(cb_html *h, const cb_book *book, const char *html,
                          cb_links_href_fn href, void *ud) {
  if (!html || !*html)
    return;
  content(h);
  h->pre_start = 0;
  size_t start = h->buf.len;
  if (href)
    cb_links__html_by(&h->buf, book, html, href, ud);
  else
    cb_links__html(&h->buf, book, html);
  if (h->buf.failed ||
      cb_utf8__text_ok(h->buf.data + start, h->buf.len - start, CB_TEXT_HTML))
    return;
  /* cmark-gfm passes the source's invalid UTF-8 and control characters
   * through: cleaned like any text (which never adds markup). */
  cb_buf raw = {0};
  cb_buf_append(&raw, h->buf.data + start, h->buf.len - start);
  h->buf.len = start;
  if (raw.failed)
    h->buf.failed = 1;
  else
    cb_utf8__text_fix(&h->buf, raw.data, raw.len, CB_TEXT_HTML);
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
