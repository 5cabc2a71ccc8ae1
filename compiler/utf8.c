/* SPDX-License-Identifier: MIT */
/*
 * utf8.c: validation of one UTF-8 sequence, terminal cell widths, the
 * invisible and bidirectional controls, and the one way text from a
 * casebook is shown to people (cb_utf8__show) or cleaned for an output
 * file (cb_utf8__text_fix: JSON, HTML, XML).
 */
#include "utf8.h"

#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

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

/* ---- text cleaned for an output -------------------------------------- */

/* 1 when code point cp may stand as it is in an output of this mode. */
static int cp_ok(uint32_t cp, cb_text_mode mode) {
  if (cp == CB_UTF8_INVALID)
    return 0;
  if (mode == CB_TEXT_JSON)
    return 1;
  if (cp < 0x20)
    return cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f';
  if (cp >= 0x7F && cp <= 0x9F)
    return 0;
  if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
    return 0;
  return 1;
}

/* 1 for printable ASCII and the newline: the bytes most text is made of,
 * which may stand as they are in any mode. */
static int plain(unsigned char c) {
  return (c >= 0x20 && c < 0x7F) || c == '\n';
}

#if defined(__SSE2__) && defined(__GNUC__)
/* Sixteen bytes at a time: the mask of the plain ones. Adding 0x60 maps
 * 0x20..0x7E, and only them, to the signed bytes below -33. */
static unsigned plain_mask(const unsigned char *p) {
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
  __m128i printable =
      _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8(0x60)), _mm_set1_epi8(-33));
  __m128i nl = _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'));
  return (unsigned)_mm_movemask_epi8(_mm_or_si128(printable, nl));
}
#else
/* Eight bytes at a time: 1 when each of the eight bytes is plain (exact
 * per byte: no carries cross bytes, as every sum is done on the low seven
 * bits). */
#define ONES UINT64_C(0x0101010101010101)
#define LOW7 UINT64_C(0x7F7F7F7F7F7F7F7F)
#define HIGHS UINT64_C(0x8080808080808080)

static int all_plain(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  uint64_t low = v & LOW7;
  uint64_t below_space = ~((low + ONES * (0x80 - 0x20)) | v) & HIGHS;
  uint64_t nl = v ^ (ONES * '\n');
  uint64_t is_nl = ~(((nl & LOW7) + LOW7) | nl) & HIGHS;
  uint64_t del = v ^ (ONES * 0x7F);
  uint64_t is_del = ~(((del & LOW7) + LOW7) | del) & HIGHS;
  return ((v & HIGHS) | (below_space & ~is_nl) | is_del) == 0;
}
#endif

/* The length of the run of plain bytes that p[0..len) starts with: most
 * text is one run, scanned many bytes at a time. */
static size_t plain_run(const unsigned char *p, size_t len) {
  size_t i = 0;
#if defined(__SSE2__) && defined(__GNUC__)
  for (; i + 32 <= len; i += 32)
    if ((plain_mask(p + i) & plain_mask(p + i + 16)) != 0xFFFF)
      break;
  for (; i + 16 <= len; i += 16) {
    unsigned other = ~plain_mask(p + i) & 0xFFFF;
    if (other)
      return i + (size_t)__builtin_ctz(other);
  }
#else
  while (i + 8 <= len && all_plain(p + i))
    i += 8;
#endif
  while (i < len && plain(p[i]))
    i++;
  return i;
}

int cb_utf8__text_ok(const char *s, size_t len, cb_text_mode mode) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while ((i += plain_run(p + i, len - i)) < len) {
    if (p[i] == '\t' || p[i] == '\r') {
      i++;
      continue;
    }
    uint32_t cp;
    size_t k = cb_utf8__decode(p + i, len - i, &cp);
    if (!cp_ok(cp, mode))
      return 0;
    i += k;
  }
  return 1;
}

void cb_utf8__text_fix(cb_buf *out, const char *s, size_t len,
                       cb_text_mode mode) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, run = 0; /* run: start of the bytes kept as they are */
  while ((i += plain_run(p + i, len - i)) < len) {
    uint32_t cp;
    size_t k = cb_utf8__decode(p + i, len - i, &cp);
    if (cp_ok(cp, mode)) {
      i += k;
      continue;
    }
    cb_buf_append(out, s + run, i - run);
    if (cp != CB_UTF8_INVALID && cp < 0x20)
      put_cp(out, 0x2400 + cp); /* Control Pictures: NUL shows as ␀ */
    else if (cp == 0x7F)
      put_cp(out, 0x2421);
    else
      put_cp(out, 0xFFFD);
    i += k;
    run = i;
  }
  cb_buf_append(out, s + run, len - run);
}
