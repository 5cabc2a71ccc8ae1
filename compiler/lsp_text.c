/* SPDX-License-Identifier: MIT */
/*
 * lsp_text.c: positions and URIs between the Language Server Protocol
 * and the model. The protocol counts a line's characters in UTF-16 code
 * units; the model counts bytes of UTF-8. A file on disk may hold bytes
 * that are not UTF-8: each ill-formed sequence counts as the one U+FFFD
 * an editor shows for it (cb_utf8__decode's maximal subparts).
 */
#include <stdlib.h>
#include <string.h>

#include "lsp.h"
#include "utf8.h"

size_t cb_lsp__line_start(const char *text, size_t len, uint32_t line) {
  size_t at = 0;
  for (uint32_t k = 0; k < line; k++) {
    const char *nl = memchr(text + at, '\n', len - at);
    if (!nl)
      return SIZE_MAX;
    at = (size_t)(nl - text) + 1;
  }
  return at;
}

uint32_t cb_lsp__units(const char *text, size_t from, size_t at) {
  const unsigned char *p = (const unsigned char *)text;
  uint32_t units = 0;
  while (from < at) {
    uint32_t cp;
    size_t k = cb_utf8__decode(p + from, at - from, &cp);
    units += cp != CB_UTF8_INVALID && cp > 0xFFFF ? 2 : 1;
    from += k;
  }
  return units;
}

/* The end of the line starting at start: its '\n' (or "\r\n"), or len. */
static size_t line_end(const char *text, size_t len, size_t start) {
  const char *nl = memchr(text + start, '\n', len - start);
  size_t end = nl ? (size_t)(nl - text) : len;
  if (end > start && text[end - 1] == '\r')
    end--;
  return end;
}

size_t cb_lsp__offset(const char *text, size_t len, uint32_t line,
                      uint32_t character) {
  size_t at = cb_lsp__line_start(text, len, line);
  if (at == SIZE_MAX)
    return len;
  size_t end = line_end(text, len, at);
  const unsigned char *p = (const unsigned char *)text;
  uint32_t units = 0;
  while (at < end) {
    uint32_t cp;
    size_t k = cb_utf8__decode(p + at, end - at, &cp);
    uint32_t w = cp != CB_UTF8_INVALID && cp > 0xFFFF ? 2 : 1;
    if (units + w > character)
      break; /* character is this code point's start, or inside it */
    units += w;
    at += k;
  }
  return at;
}

json_t *cb_lsp__position(const char *text, size_t len, size_t at) {
  if (at > len)
    at = len;
  uint32_t line = 0;
  size_t start = 0;
  for (const char *nl; (nl = memchr(text + start, '\n', at - start));) {
    line++;
    start = (size_t)(nl - text) + 1;
  }
  return json_pack("{s:i,s:i}", "line", (json_int_t)line, "character",
                   (json_int_t)cb_lsp__units(text, start, at));
}

json_t *cb_lsp__range(const char *text, size_t len, size_t from, size_t to) {
  return json_pack("{s:o,s:o}", "start", cb_lsp__position(text, len, from),
                   "end", cb_lsp__position(text, len, to < from ? from : to));
}

size_t cb_lsp__loc_offset(const char *text, size_t len, uint32_t line,
                          uint32_t col) {
  if (line == 0)
    return 0;
  size_t at = cb_lsp__line_start(text, len, line - 1);
  if (at == SIZE_MAX)
    return SIZE_MAX;
  size_t end = line_end(text, len, at);
  size_t off = col > 1 ? at + col - 1 : at;
  return off > end ? end : off;
}

static int hex(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

char *cb_lsp__uri_path(const char *uri) {
  if (strncmp(uri, "file://", 7) != 0)
    return NULL;
  const char *p = uri + 7;
  /* file://host/path: only the local host is read */
  if (strncmp(p, "localhost/", 10) == 0)
    p += 9;
  if (*p != '/')
    return NULL;
  size_t n = strlen(p);
  char *out = cb_malloc(n + 1), *o = out;
  if (!out)
    return NULL;
  for (; *p && *p != '?' && *p != '#'; p++) {
    if (*p != '%') {
      *o++ = *p;
      continue;
    }
    int h = hex(p[1]), l = h < 0 ? -1 : hex(p[2]);
    if (l < 0 || (h == 0 && l == 0)) {
      cb_free(out);
      return NULL;
    }
    *o++ = (char)(h * 16 + l);
    p += 2;
  }
  *o = '\0';
  return out;
}

void cb_lsp__path_uri(cb_buf *b, const char *path) {
  static const char digits[] = "0123456789ABCDEF";
  cb_buf_puts(b, "file://");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || strchr("/-._~", *p)) {
      cb_buf_putc(b, (char)*p);
      continue;
    }
    cb_buf_putc(b, '%');
    cb_buf_putc(b, digits[*p >> 4]);
    cb_buf_putc(b, digits[*p & 15]);
  }
}

json_t *cb_lsp__string(const char *text, size_t len) {
  if (cb_utf8__text_ok(text, len, CB_TEXT_JSON))
    return json_stringn(text, len);
  cb_buf b = {0};
  cb_utf8__text_fix(&b, text, len, CB_TEXT_JSON);
  json_t *s = b.failed ? NULL : json_stringn(b.data ? b.data : "", b.len);
  cb_buf_free(&b);
  return s;
}
