/*
 * json_out.c: JSON text from jansson values, fast.
 *
 * jansson's json_dump_callback hands its callback a few bytes at a time
 * and decodes every string character by character; on the exports of a
 * large book (tens of megabytes of case text) that was most of the build.
 * These functions write the same bytes as jansson does with
 * JSON_INDENT(n) | JSON_PRESERVE_ORDER, copying the runs of a string that
 * need no escape eight bytes at a time. The unit test test_json_out checks
 * the identity against jansson itself.
 */
#include "json_out.h"

#include "output.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Nonzero when one of the eight bytes of v is zero (exact for the test of
 * "is there any": the classic haszero, which only errs on its position). */
static uint64_t has_zero(uint64_t v) { return (v - ONES) & ~v & HIGHS; }

/* 1 when none of the eight bytes at p needs an escape: none is below
 * 0x20, a quote or a backslash. */
static int plain8(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  /* bytes below 0x20: (b - 0x20) borrows into the high bit for b < 0x20
   * when b < 0x80; high bytes (>= 0x80) are UTF-8 and always plain. */
  uint64_t low = (v - ONES * 0x20) & ~v & HIGHS;
  return !low && !has_zero(v ^ (ONES * '"')) && !has_zero(v ^ (ONES * '\\'));
}

void cb_json__string(cb_buf *out, const char *s, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  cb_buf_putc(out, '"');
  while (p < end) {
    const unsigned char *q = p;
    while (end - q >= 8 && plain8(q))
      q += 8;
    while (q < end && *q >= 0x20 && *q != '"' && *q != '\\')
      q++;
    if (q > p)
      cb_buf_append(out, (const char *)p, (size_t)(q - p));
    if (q >= end)
      break;
    char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
    size_t n = 2;
    switch (*q) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default: /* another control character: \u00XX, as jansson writes it */
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[*q >> 4];
      esc[5] = hex[*q & 15];
      n = 6;
    }
    cb_buf_append(out, esc, n);
    p = q + 1;
  }
  cb_buf_putc(out, '"');
}

/* A newline and indent * depth spaces, in one append when it fits. */
static void newline(cb_buf *out, int indent, int depth) {
  static const char spaces[] = "\n"
                               "                                "
                               "                                ";
  size_t n = (size_t)indent * (size_t)depth;
  if (n < sizeof spaces - 1) {
    cb_buf_append(out, spaces, n + 1);
    return;
  }
  cb_buf_putc(out, '\n');
  for (size_t i = 0; i < n; i++)
    cb_buf_putc(out, ' ');
}

static int dump(cb_buf *out, const json_t *v, int indent, int depth) {
  char num[32];
  switch (json_typeof(v)) {
  case JSON_NULL:
    cb_buf_puts(out, "null");
    break;
  case JSON_TRUE:
    cb_buf_puts(out, "true");
    break;
  case JSON_FALSE:
    cb_buf_puts(out, "false");
    break;
  case JSON_INTEGER:
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    cb_buf_puts(out, num);
    break;
  case JSON_REAL: { /* jansson's own formatting of reals, which is subtle */
    char *text = json_dumps(v, JSON_ENCODE_ANY);
    if (!text)
      return -1;
    cb_buf_puts(out, text);
    free(text);
    break;
  }
  case JSON_STRING:
    cb_json__string(out, json_string_value(v), json_string_length(v));
    break;
  case JSON_ARRAY: {
    size_t n = json_array_size(v);
    cb_buf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
      if (i)
        cb_buf_putc(out, ',');
      newline(out, indent, depth + 1);
      if (dump(out, json_array_get(v, i), indent, depth + 1) < 0)
        return -1;
    }
    if (n)
      newline(out, indent, depth);
    cb_buf_putc(out, ']');
    break;
  }
  case JSON_OBJECT: {
    const char *key;
    json_t *val;
    int first = 1;
    cb_buf_putc(out, '{');
    json_object_foreach((json_t *)v, key, val) {
      if (!first)
        cb_buf_putc(out, ',');
      first = 0;
      newline(out, indent, depth + 1);
      cb_json__string(out, key, strlen(key));
      cb_buf_puts(out, ": ");
      if (dump(out, val, indent, depth + 1) < 0)
        return -1;
    }
    if (!first)
      newline(out, indent, depth);
    cb_buf_putc(out, '}');
    break;
  }
  }
  return out->failed ? -1 : 0;
}

int cb_json__dump(cb_buf *out, const json_t *v, int indent) {
  return cb_json__dump_at(out, v, indent, 0);
}

int cb_json__dump_at(cb_buf *out, const json_t *v, int indent, int depth) {
  if (!v || indent < 1 || depth < 0)
    return -1;
  return dump(out, v, indent, depth);
}

int cb_json__write_file(cb_ctx *ctx, const char *path, const json_t *root) {
  cb_buf text = {0};
  int err;
  if (!path || !root || cb_json__dump(&text, root, 2) < 0 ||
      (cb_buf_putc(&text, '\n'), text.failed)) {
    cb_buf_free(&text);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  err = cb_output__file(ctx, path, text.data, text.len,
                        CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME);
  cb_buf_free(&text);
  return err;
}
