/* SPDX-License-Identifier: MIT */
/*
 * utf8.c: validation of one UTF-8 sequence, terminal cell widths, the
 * invisible and bidirectional controls, and the one way text from a
 * casebook is shown to people (cb_utf8__show).
 */
#include "utf8.h"

#include <string.h>

size_t cb_utf8__decode(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned char c = s[0];
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  uint32_t v;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    v = c & 0x0F;
    if (c == 0xE0)
      lo = 0xA0;
    else if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    v = c & 0x07;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F;
  } else {
    *cp = CB_UTF8_INVALID;
    return 1;
  }
  size_t i = 1;
  for (; i <= need; i++) {
    if (i >= n || s[i] < lo || s[i] > hi) {
      *cp = CB_UTF8_INVALID;
      return i;
    }
    v = (v << 6) | (s[i] & 0x3F);
    lo = 0x80;
    hi = 0xBF;
  }
  *cp = v;
  return i;
}

size_t cb_utf8__seq(const unsigned char *p, const unsigned char *end,
                    uint32_t *cp) {
  size_t n = cb_utf8__decode(p, (size_t)(end - p), cp);
  return *cp == CB_UTF8_INVALID ? 0 : n;
}

int cb_utf8__width(uint32_t cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F))
    return 0;
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
      (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

int cb_utf8__bidi(uint32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

int cb_utf8__hidden(uint32_t cp) {
  if (cp < 0xAD)
    return 0;
  return cb_utf8__bidi(cp) || cp == 0x00AD || cp == 0x034F ||
         cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5 ||
         (cp >= 0x180B && cp <= 0x180F) || (cp >= 0x200B && cp <= 0x200D) ||
         cp == 0x2028 || cp == 0x2029 || (cp >= 0x2060 && cp <= 0x2064) ||
         (cp >= 0x206A && cp <= 0x206F) || cp == 0x3164 ||
         (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF || cp == 0xFFA0 ||
         (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0x1D173 && cp <= 0x1D17A) ||
         (cp >= 0xE0000 && cp <= 0xE007F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

size_t cb_utf8__escape(char *out, uint32_t cp) {
  static const char hex[] = "0123456789ABCDEF";
  int digits = cp > 0xFFFFF ? 6 : cp > 0xFFFF ? 5 : 4;
  size_t n = 0;
  out[n++] = '<';
  out[n++] = 'U';
  out[n++] = '+';
  for (int d = digits - 1; d >= 0; d--)
    out[n++] = hex[(cp >> (4 * d)) & 15];
  out[n++] = '>';
  return n;
}

static void put_cp(cb_buf *out, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  }
  cb_buf_append(out, u, n);
}

void cb_utf8__show(cb_buf *out, const char *s, size_t len, cb_show_mode mode) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  const unsigned char *run = p; /* the bytes kept as they are start here */
  while (p < end) {
    unsigned char c = *p;
    if (c >= 0x20 && c < 0x7F && c != '[') {
      p++;
      continue;
    }
    uint32_t cp;
    size_t n = cb_utf8__decode(p, (size_t)(end - p), &cp);
    int keep;
    if (cp == CB_UTF8_INVALID)
      keep = 0;
    else if (cp == '[')
      keep = !(p - (const unsigned char *)s >= 2 && p[-1] == '#' &&
               p[-2] == '#');
    else if (cp < 0x20)
      keep = mode == CB_SHOW_JSON ||
             (mode == CB_SHOW_LINES &&
              (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f'));
    else if (cp == 0x7F)
      keep = mode == CB_SHOW_JSON;
    else
      keep = !(cp >= 0x80 && cp < 0xA0) && !cb_utf8__bidi(cp) &&
             !(cp >= 0xFDD0 && cp <= 0xFDEF) && (cp & 0xFFFE) != 0xFFFE;
    if (keep) {
      p += n;
      continue;
    }
    cb_buf_append(out, (const char *)run, (size_t)(p - run));
    if (cp == '[' || (cp != CB_UTF8_INVALID && cb_utf8__bidi(cp))) {
      char esc[11];
      cb_buf_append(out, esc, cb_utf8__escape(esc, cp));
    } else if (cp < 0x20) {
      put_cp(out, 0x2400 + cp); /* Control Pictures: ESC shows as U+241B */
    } else if (cp == 0x7F) {
      put_cp(out, 0x2421);
    } else {
      put_cp(out, 0xFFFD);
    }
    p += n;
    run = p;
  }
  cb_buf_append(out, (const char *)run, (size_t)(p - run));
}

int cb_utf8__has_bidi(const char *s, size_t len) {
  /* every bidirectional control starts with the byte 0xD8 (U+061C) or
   * 0xE2 (U+20xx): memchr finds those fast, and most text has none */
  static const unsigned char lead[2] = {0xD8, 0xE2};
  for (int i = 0; i < 2; i++) {
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while ((p = memchr(p, lead[i], (size_t)(end - p))) != NULL) {
      uint32_t cp;
      size_t n = cb_utf8__decode(p, (size_t)(end - p), &cp);
      if (cp != CB_UTF8_INVALID && cb_utf8__bidi(cp))
        return 1;
      p += n;
    }
  }
  return 0;
}
