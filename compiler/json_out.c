/* SPDX-License-Identifier: MIT */
/*
 * json_out.c: JSON text as jansson writes it, fast.
 *
 * jansson's json_dump_callback hands its callback a few bytes at a time
 * and decodes every string character by character; on the exports of a
 * large book (tens of megabytes of case text) that was most of the build.
 * These functions write the same bytes as jansson does with
 * JSON_INDENT(n) | JSON_PRESERVE_ORDER, finding the runs of a string that
 * need no escape sixteen or eight bytes at a time, and cleaning invalid
 * UTF-8 in the same pass. The writer (cb_json_writer) writes a text value
 * by value, for the outputs that would otherwise build a tree per element
 * only to write and free it; jansson trees are written through the same
 * writer, so the two cannot differ. The unit test test_json_out checks
 * the identity against jansson itself.
 */
#include "json_out.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "utf8.h"

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* The index of the lowest flagged byte of a mask of high bits, where the
 * bytes are in memory order (little-endian); elsewhere the bytes of a
 * word with a flag are looked at one by one. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                         \
    defined(__ORDER_LITTLE_ENDIAN__)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FIRST_FLAGGED(m) ((size_t)__builtin_ctzll(m) >> 3)
#endif
#endif

/* Nonzero when one of the eight bytes of v is zero: the classic haszero,
 * exact up to the first zero byte (a borrow only errs above it). */
static uint64_t has_zero(uint64_t v) { return (v - ONES) & ~v & HIGHS; }

/* The high bit of each of the eight bytes at p that is not copied as it
 * is: below 0x20 (such a byte borrows into its own high bit), a quote, a
 * backslash, or from 0x80 on (UTF-8, to be checked). Exact up to the
 * first flagged byte, which is all the callers need. */
static uint64_t special8(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return (((v - ONES * 0x20) | v) & HIGHS) | has_zero(v ^ (ONES * '"')) |
         has_zero(v ^ (ONES * '\\'));
}

/* 1 when byte c is copied as it is (see special8). */
static int plain(unsigned char c) {
  return (unsigned char)(c - 0x20) < 0x60 && c != '"' && c != '\\';
}

/* The first byte from p on that is not copied as it is, or end. */
static const unsigned char *skip_plain(const unsigned char *p,
                                       const unsigned char *end) {
#if defined(__SSE2__) && defined(__GNUC__)
  /* sixteen bytes at a time: as signed bytes, those below 0x20 and those
   * from 0x80 on are less than 0x20 */
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                backslash = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, space),
                             _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                          _mm_cmpeq_epi8(v, backslash)));
    int bits = _mm_movemask_epi8(m);
    if (bits)
      return p + __builtin_ctz((unsigned)bits);
    p += 16;
  }
#endif
  while (end - p >= 8) {
    uint64_t m = special8(p);
    if (m) {
#ifdef FIRST_FLAGGED
      return p + FIRST_FLAGGED(m);
#else
      break;
#endif
    }
    p += 8;
  }
  while (p < end && plain(*p))
    p++;
  return p;
}

void cb_json__string(cb_buf *out, const char *s, size_t len) {
  /* the escapes of one letter, as jansson writes them; other control
   * characters are \u00XX */
  static const char letter[0x20] = {['\b'] = 'b', ['\f'] = 'f',
                                    ['\n'] = 'n', ['\r'] = 'r',
                                    ['\t'] = 't'};
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  const unsigned char *run = p; /* start of the bytes copied as they are */
  cb_buf_putc(out, '"');
  while ((p = skip_plain(p, end)) < end) {
    unsigned char c = *p;
    if (c >= 0x80) {
      uint32_t cp;
      size_t k = cb_utf8__decode(p, (size_t)(end - p), &cp);
      if (cp == CB_UTF8_INVALID) {
        cb_buf_append(out, (const char *)run, (size_t)(p - run));
        cb_buf_append(out, "\xEF\xBF\xBD", 3); /* U+FFFD */
        run = p + k;
      }
      p += k;
      continue;
    }
    cb_buf_append(out, (const char *)run, (size_t)(p - run));
    if (c >= 0x20 || letter[c]) {
      char esc[2] = {'\\', (char)(c >= 0x20 ? c : letter[c])};
      cb_buf_append(out, esc, 2);
    } else {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      cb_buf_append(out, esc, 6);
    }
    run = ++p;
  }
  cb_buf_append(out, (const char *)run, (size_t)(end - run));
  cb_buf_putc(out, '"');
}

size_t cb_json__digits(char buf[24], long long n) {
  char rev[24];
  size_t k = 0, len = 0;
  unsigned long long u =
      n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n;
  do {
    rev[k++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (n < 0)
    buf[len++] = '-';
  while (k)
    buf[len++] = rev[--k];
  buf[len] = '\0';
  return len;
}

/* ---- The writer -------------------------------------------------------- */

/* Each call of the writer puts its bytes together as one token
 * (separator, short key or string, bracket), in place at the end of the
 * buffer when there is room: most of the text of an export is such small
 * pieces. */
#define TOKEN_MAX 256
/* The deepest indent a token holds (deeper ones are appended at once). */
#define INDENT_MAX 64
/* Keys and strings up to this long go into a token when they need no
 * escape. */
#define SHORT_MAX 128

/* ",", a newline and INDENT_MAX spaces, and eight more for the copies
 * eight bytes at a time. */
static const char separators[] = ",\n"
                                 "                                "
                                 "                                "
                                 "        ";

typedef struct token {
  char *at; /* the end of out's text, or stack */
  size_t n;
  char stack[TOKEN_MAX];
} token;

static void token_begin(token *t, const cb_buf *out) {
  int room = !out->failed && out->cap - out->len > TOKEN_MAX;
  t->at = room ? out->data + out->len : t->stack;
  t->n = 0;
}

static void token_end(token *t, cb_buf *out) {
  if (t->at == t->stack) {
    cb_buf_append(out, t->stack, t->n);
    return;
  }
  out->len += t->n;
  out->data[out->len] = '\0';
}

/* Kept out of line: the rare path would cost every call its registers. */
#if defined(__GNUC__)
#define COLD __attribute__((noinline, cold))
#else
#define COLD
#endif

/* The newline of a token deeper than INDENT_MAX: appended to out, and t
 * starts again after it. */
COLD static void deep_newline(token *t, cb_buf *out, int comma, size_t n) {
  token_end(t, out);
  cb_buf_append(out, separators + !comma, (size_t)(comma + 1));
  for (; n > INDENT_MAX; n -= INDENT_MAX)
    cb_buf_append(out, separators + 2, INDENT_MAX);
  cb_buf_append(out, separators + 2, n);
  token_begin(t, out);
}

/* A newline and indent * depth spaces, after a comma when comma is set,
 * into the empty token t. */
static void newline(token *t, cb_buf *out, int comma, int indent, int depth) {
  size_t n = (size_t)indent * (size_t)depth;
  if (n > INDENT_MAX) {
    deep_newline(t, out, comma, n);
    return;
  }
  /* eight bytes at a time, a few more than needed: the token has room */
  char *to = t->at + t->n;
  const char *from = separators + !comma;
  size_t len = n + 1 + (size_t)comma;
  for (size_t i = 0; i < len; i += 8)
    memcpy(to + i, from + i, 8);
  t->n += len;
}

void cb_json__writer_init(cb_json_writer *w, cb_buf *out, int indent,
                          int depth) {
  assert(indent >= 1 && depth >= 0);
  w->out = out;
  w->indent = indent;
  w->depth = depth;
  w->first = 1;
  w->keyed = 1;
}

/* Starts t with what comes before a value or a key: nothing after a key
 * (or at the start), else a comma after an earlier element and a new
 * line. */
static void before(cb_json_writer *w, token *t) {
  token_begin(t, w->out);
  if (w->keyed) {
    w->keyed = 0;
    return;
  }
  int comma = !w->first;
  w->first = 0;
  newline(t, w->out, comma, w->indent, w->depth);
}

/* Puts s[0..len) into tok as a JSON string when it is short and needs no
 * escape; returns the length, or 0 when it does not fit. */
static size_t short_string(char *tok, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  if (len > SHORT_MAX)
    return 0;
  tok[0] = '"';
  if (len >= 8) {
    size_t i = 0;
    for (; i + 8 < len; i += 8) {
      if (special8(p + i))
        return 0;
      memcpy(tok + 1 + i, p + i, 8);
    }
    /* the last eight bytes, over some already copied */
    if (special8(p + len - 8))
      return 0;
    memcpy(tok + 1 + len - 8, p + len - 8, 8);
  } else {
    for (size_t i = 0; i < len; i++) {
      if (!plain(p[i]))
        return 0;
      tok[1 + i] = (char)p[i];
    }
  }
  tok[1 + len] = '"';
  return len + 2;
}

/* Ends t with s[0..len) as a JSON string, followed by ": " for a key. */
static void string_end(token *t, cb_buf *out, const char *s, size_t len,
                       int key) {
  size_t q = short_string(t->at + t->n, s, len);
  if (q) {
    t->n += q;
    if (key) {
      t->at[t->n++] = ':';
      t->at[t->n++] = ' ';
    }
    token_end(t, out);
    return;
  }
  token_end(t, out);
  cb_json__string(out, s, len);
  if (key)
    cb_buf_append(out, ": ", 2);
}

static void begin(cb_json_writer *w, char bracket) {
  token t;
  before(w, &t);
  t.at[t.n++] = bracket;
  token_end(&t, w->out);
  w->depth++;
  w->first = 1;
}

/* An empty container stays on one line: "[]", "{}". Its parent has an
 * element now. */
static void end(cb_json_writer *w, char bracket) {
  token t;
  assert(w->depth > 0 && !w->keyed);
  w->depth--;
  token_begin(&t, w->out);
  if (!w->first)
    newline(&t, w->out, 0, w->indent, w->depth);
  t.at[t.n++] = bracket;
  token_end(&t, w->out);
  w->first = 0;
}

void cb_json__begin_object(cb_json_writer *w) { begin(w, '{'); }
void cb_json__end_object(cb_json_writer *w) { end(w, '}'); }
void cb_json__begin_array(cb_json_writer *w) { begin(w, '['); }
void cb_json__end_array(cb_json_writer *w) { end(w, ']'); }

void cb_json__key(cb_json_writer *w, const char *key) {
  token t;
  before(w, &t);
  string_end(&t, w->out, key, strlen(key), 1);
  w->keyed = 1;
}

void cb_json__put_string(cb_json_writer *w, const char *s, size_t len) {
  token t;
  before(w, &t);
  string_end(&t, w->out, s, len, 0);
}

void cb_json__put_cstr(cb_json_writer *w, const char *s) {
  if (s)
    cb_json__put_string(w, s, strlen(s));
  else
    cb_json__put_null(w);
}

/* A value written as it is (a number or a literal). */
static void put_raw(cb_json_writer *w, const char *text, size_t len) {
  token t;
  before(w, &t);
  if (len > TOKEN_MAX - t.n) {
    token_end(&t, w->out);
    cb_buf_append(w->out, text, len);
    return;
  }
  memcpy(t.at + t.n, text, len);
  t.n += len;
  token_end(&t, w->out);
}

void cb_json__put_int(cb_json_writer *w, long long n) {
  char digits[24];
  put_raw(w, digits, cb_json__digits(digits, n));
}

void cb_json__put_bool(cb_json_writer *w, int b) {
  put_raw(w, b ? "true" : "false", b ? 4 : 5);
}

void cb_json__put_null(cb_json_writer *w) { put_raw(w, "null", 4); }

void cb_json__put_value(cb_json_writer *w, const json_t *v) {
  if (!v) {
    /* a value still goes where one was expected, so that the writer's
     * state stays whole; the output is marked failed */
    cb_json__put_null(w);
    w->out->failed = 1;
    return;
  }
  switch (json_typeof(v)) {
  case JSON_NULL:
    cb_json__put_null(w);
    break;
  case JSON_TRUE:
  case JSON_FALSE:
    cb_json__put_bool(w, json_is_true(v));
    break;
  case JSON_INTEGER:
    cb_json__put_int(w, (long long)json_integer_value(v));
    break;
  case JSON_REAL: { /* jansson's own formatting of reals, which is subtle */
    char *text = json_dumps(v, JSON_ENCODE_ANY);
    if (!text) {
      cb_json__put_null(w);
      w->out->failed = 1;
      return;
    }
    put_raw(w, text, strlen(text));
    free(text);
    break;
  }
  case JSON_STRING:
    cb_json__put_string(w, json_string_value(v), json_string_length(v));
    break;
  case JSON_ARRAY: {
    size_t n = json_array_size(v);
    cb_json__begin_array(w);
    for (size_t i = 0; i < n; i++)
      cb_json__put_value(w, json_array_get(v, i));
    cb_json__end_array(w);
    break;
  }
  case JSON_OBJECT: {
    const char *key;
    json_t *val;
    cb_json__begin_object(w);
    json_object_foreach((json_t *)v, key, val) {
      cb_json__key(w, key);
      cb_json__put_value(w, val);
    }
    cb_json__end_object(w);
    break;
  }
  }
}

/* ---- Whole texts ------------------------------------------------------- */

int cb_json__dump(cb_buf *out, const json_t *v, int indent) {
  cb_json_writer w;
  if (!v || indent < 1)
    return -1;
  cb_json__writer_init(&w, out, indent, 0);
  cb_json__put_value(&w, v);
  return out->failed ? -1 : 0;
}
