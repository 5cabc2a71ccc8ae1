/* SPDX-License-Identifier: MIT */
/*
 * html_search.c: the search index of the annotator site (see
 * html_search.h for what is indexed and the format).
 *
 * One pass over the book: each document's title, then its body, is cut
 * into terms; a hash table maps each term to its postings, which are
 * encoded as they come (documents arrive in increasing order, so a gap
 * and a flag are all a posting needs). A term met again in the same
 * document is skipped: its first occurrence, in the title when it is
 * there, decides its flag.
 *
 * Most words are short runs of ASCII letters and digits: one look at the
 * next 16 bytes (with SSE2) finds such a word and the separators after
 * it, and the word, lowered, is its own key in one or two 8-byte chunks.
 */
#include "html_search.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "json_out.h"
#include "output.h"
#include "utf8.h"

/* Snippets shown under a result: the start of the body. */
#define SNIPPET_BYTES 140

typedef struct term {
  uint64_t key0;      /* the first chunk of key: a short term whole */
  unsigned char *key; /* in the arena, padded (see CHUNKS) */
  uint32_t len;
  uint32_t hash;
  uint32_t last_doc; /* 1 + the last document that got a posting */
  cb_buf postings;
} term;

typedef struct search_index {
  cb_arena *arena;
  term *terms; /* in order of first occurrence */
  size_t n_terms, cap_terms;
  uint32_t *slots; /* 1 + term number, 0 when empty */
  size_t n_slots;  /* a power of two */
  uint32_t doc;    /* the current document */
  int in_title;
  cb_buf docs; /* the "docs" array's entries, comma-separated */
  size_t n_docs;
  cb_buf snippet;   /* of the current document */
  cb_buf href;      /* of the current document */
  int snippet_full; /* nothing more goes in it */
  int failed;
} search_index;

/* ---- terms ----------------------------------------------------------- */

/* A term is handled as 8-byte chunks: its bytes, zero-padded to the chunk
 * after the last one (so a NUL always ends it). Keys are stored so, and a
 * word is built so in a buffer with WORD_ROOM bytes. As no term holds a
 * NUL, the first chunk of a term shorter than 8 bytes is the whole term. */
#define CHUNKS(n) ((n) / 8 + 1)
#define WORD_ROOM (CB_SEARCH_MAX_WORD + 8)

static uint64_t chunk(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* The hash of a padded term of n bytes (it only places terms in the
 * table: the output does not depend on it). */
static uint64_t mix(uint64_t h) {
  return (h ^ (h >> 29)) * UINT64_C(0x9E3779B97F4A7C15);
}

static uint32_t hash_term(const unsigned char *w, size_t n) {
  uint64_t h = mix(chunk(w));
  for (size_t i = 1; i < CHUNKS(n); i++)
    h = mix(h ^ chunk(w + 8 * i));
  return (uint32_t)(h >> 32);
}

/* 1 when padded terms a and b, both of n bytes, are equal. */
static int same_term(const unsigned char *a, const unsigned char *b, size_t n) {
  for (size_t i = 0; i < CHUNKS(n); i++)
    if (chunk(a + 8 * i) != chunk(b + 8 * i))
      return 0;
  return 1;
}

static int grow_slots(search_index *ix) {
  size_t n = ix->n_slots ? ix->n_slots * 2 : 1024;
  uint32_t *slots = cb_calloc(n, sizeof *slots);
  if (!slots)
    return -1;
  for (size_t i = 0; i < ix->n_terms; i++) {
    size_t at = ix->terms[i].hash & (n - 1);
    while (slots[at])
      at = (at + 1) & (n - 1);
    slots[at] = (uint32_t)i + 1;
  }
  cb_free(ix->slots);
  ix->slots = slots;
  ix->n_slots = n;
  return 0;
}

/* Appends the posting of the current document to t. */
static void post(search_index *ix, term *t) {
  static const char digits[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-";
  uint64_t v = ((uint64_t)(ix->doc + 1 - t->last_doc) << 1) | ix->in_title;
  t->last_doc = ix->doc + 1;
  if (v < 32) { /* most gaps */
    cb_buf_putc(&t->postings, digits[v]);
  } else {
    char enc[16];
    size_t n = 0;
    do {
      unsigned d = (unsigned)(v & 31);
      v >>= 5;
      enc[n++] = digits[v ? d + 32 : d];
    } while (v);
    cb_buf_append(&t->postings, enc, n);
  }
  if (t->postings.failed)
    ix->failed = 1;
}

/* Adds a term first met at slot at, and posts it. */
static void new_term(search_index *ix, const unsigned char *w, size_t n,
                     uint32_t h, size_t at) {
  term t = {0};
  t.key0 = chunk(w);
  t.key = cb_arena_alloc(ix->arena, 8 * CHUNKS(n));
  if (t.key)
    memcpy(t.key, w, 8 * CHUNKS(n));
  t.len = (uint32_t)n;
  t.hash = h;
  if (!t.key || CB_VEC_PUSH(ix->terms, ix->n_terms, ix->cap_terms, t) < 0) {
    ix->failed = 1;
    return;
  }
  ix->slots[at] = (uint32_t)ix->n_terms;
  post(ix, &ix->terms[ix->n_terms - 1]);
  /* at most half full, so that probes stay short */
  if (ix->n_terms * 2 > ix->n_slots && grow_slots(ix) < 0)
    ix->failed = 1;
}

/* Records term w[0..n), padded, in the current document. */
static void add_padded(search_index *ix, const unsigned char *w, size_t n) {
  if (ix->failed)
    return;
  uint32_t h = hash_term(w, n), k;
  size_t mask = ix->n_slots - 1, at = h & mask;
  while ((k = ix->slots[at]) != 0) {
    term *t = &ix->terms[k - 1];
    if (t->key0 == chunk(w) && t->len == n && same_term(t->key, w, n)) {
      if (t->last_doc != ix->doc + 1)
        post(ix, t);
      return;
    }
    at = (at + 1) & mask;
  }
  new_term(ix, w, n, h, at);
}

/* Records a term of n < 16 bytes given as its two chunks (key1 is not
 * read when n < 8): most words. The quick way finds it in its home
 * slot. */
static inline void add_chunks(search_index *ix, uint64_t key0, uint64_t key1,
                              size_t n) {
  uint64_t h = mix(key0);
  if (n >= 8)
    h = mix(h ^ key1);
  uint32_t k = ix->slots[(uint32_t)(h >> 32) & (ix->n_slots - 1)];
  if (k && ix->terms[k - 1].key0 == key0) {
    term *t = &ix->terms[k - 1];
    if (n < 8 || (t->len == n && chunk(t->key + 8) == key1)) {
      if (t->last_doc != ix->doc + 1)
        post(ix, t);
      return;
    }
  }
  unsigned char w[16];
  memcpy(w, &key0, 8);
  memcpy(w + 8, &key1, 8);
  add_padded(ix, w, n);
}

/* Records term w[0..n) in the current document. w has WORD_ROOM bytes:
 * it is padded here. */
static void add_term(search_index *ix, unsigned char *w, size_t n) {
  if (n == 0)
    return;
  memset(w + n, 0, 8);
  add_padded(ix, w, n);
}

/* ---- cutting text into terms ----------------------------------------- */

/* 1 for Han, Kana and Hangul: scripts written without spaces. */
static int is_cjk(uint32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) || /* Hiragana, Katakana */
         (cp >= 0x3131 && cp <= 0x318E) || /* Hangul compatibility jamo */
         (cp >= 0x31F0 && cp <= 0x31FF) || /* Katakana extensions */
         (cp >= 0x3400 && cp <= 0x4DBF) || /* Han extension A */
         (cp >= 0x4E00 && cp <= 0x9FFF) || /* Han */
         (cp >= 0xAC00 && cp <= 0xD7A3) || /* Hangul syllables */
         (cp >= 0xF900 && cp <= 0xFAFF) || /* Han compatibility */
         (cp >= 0xFF66 && cp <= 0xFF9D) || /* half-width Katakana */
         (cp >= 0x20000 && cp <= 0x3FFFF); /* Han extensions B... */
}

/* 1 for a non-ASCII code point that separates words: spaces,
 * punctuation and symbols of the common blocks, format characters. */
static int is_separator(uint32_t cp) {
  return cp < 0xC0 || cp == 0xD7 || cp == 0xF7 ||
         (cp >= 0x2000 && cp <= 0x2BFF) || /* punctuation, symbols */
         (cp >= 0x3000 && cp <= 0x303F) || /* CJK punctuation */
         (cp >= 0xFE10 && cp <= 0xFE6F) || /* vertical, small forms */
         (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
         (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
         cp == 0xFEFF || cp >= 0xFFF0 || cp == CB_UTF8_INVALID;
}

/* The lower case of the letters whose case the index folds; site.js
 * folds the same ones. */
static uint32_t fold(uint32_t cp) {
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
    return cp + 0x20;
  if (cp >= 0x100 && cp <= 0x17F) {
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
      return cp & 1 ? cp + 1 : cp;
    if (cp == 0x178)
      return 0xFF;
    if (cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F)
      return cp;
    return cp & 1 ? cp : cp + 1;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2)
    return cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42F)
    return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F)
    return cp + 0x50;
  return cp;
}

static size_t put_utf8(unsigned char *d, uint32_t cp) {
  if (cp < 0x80) {
    d[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    d[0] = (unsigned char)(0xC0 | (cp >> 6));
    d[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    d[0] = (unsigned char)(0xE0 | (cp >> 12));
    d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    d[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  d[0] = (unsigned char)(0xF0 | (cp >> 18));
  d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  d[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

/* ASCII letters and digits (as their lower case), 0 for any other byte
 * (non-ASCII bytes included, so one lookup tells a word byte). */
static const unsigned char ascii_word[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
    ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
    ['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j',
    ['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o',
    ['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't',
    ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y',
    ['z'] = 'z', ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd',
    ['E'] = 'e', ['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i',
    ['J'] = 'j', ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n',
    ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's',
    ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x',
    ['Y'] = 'y', ['Z'] = 'z',
};

#if defined(__SSE2__) && defined(__GNUC__)
static __m128i load16(const unsigned char *p) {
  return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* The mask of the ASCII letters and digits among 16 bytes: adding 0x1F to
 * a byte with 0x20 set maps 'a'..'z', and only them, to the signed bytes
 * below -102; adding 0x50 maps '0'..'9' below -118. */
static unsigned word_mask(__m128i v) {
  __m128i letter = _mm_cmplt_epi8(
      _mm_add_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8(0x1F)),
      _mm_set1_epi8(-102));
  __m128i digit =
      _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8(0x50)), _mm_set1_epi8(-118));
  return (unsigned)_mm_movemask_epi8(_mm_or_si128(letter, digit));
}

/* The mask of the non-ASCII bytes among 16. */
static unsigned high_mask(__m128i v) { return (unsigned)_mm_movemask_epi8(v); }
#endif

/* The end of the run of ASCII letters and digits at p. */
static const unsigned char *word_end(const unsigned char *p,
                                     const unsigned char *end) {
#if defined(__SSE2__) && defined(__GNUC__)
  for (; end - p >= 16; p += 16) {
    unsigned other = ~word_mask(load16(p)) & 0xFFFF;
    if (other)
      return p + __builtin_ctz(other);
  }
#endif
  while (p < end && ascii_word[*p])
    p++;
  return p;
}

/* The end of the run of other ASCII bytes (which separate words) at p. */
static const unsigned char *separators_end(const unsigned char *p,
                                           const unsigned char *end) {
#if defined(__SSE2__) && defined(__GNUC__)
  for (; end - p >= 16; p += 16) {
    __m128i v = load16(p);
    unsigned stop = word_mask(v) | high_mask(v);
    if (stop)
      return p + __builtin_ctz(stop);
  }
#endif
  while (p < end && *p < 0x80 && !ascii_word[*p])
    p++;
  return p;
}

/* '|' 0x20 lowers an ASCII letter and keeps a digit. */
static const uint64_t lower = UINT64_C(0x2020202020202020);

/* The mask of the first n bytes of a chunk (n <= 8): chunk(prefix_ones +
 * 8 - n); of its first n - 8 bytes (n <= 16; none when n < 8):
 * chunk(prefix_ones + 16 - n). */
static const unsigned char prefix_ones[24] = {255, 255, 255, 255,
                                              255, 255, 255, 255};

/* Appends the ASCII letters and digits s[0..n), lowered, to the word
 * w[0..*wlen), as many as fit. Eight at a time while the text goes on
 * (end: its end): the bytes past the word's end that a chunk copies are
 * overwritten later. */
static void append_lower(unsigned char *w, size_t *wlen, const unsigned char *s,
                         size_t n, const unsigned char *end) {
  size_t room = CB_SEARCH_MAX_WORD - *wlen, i = 0;
  unsigned char *d = w + *wlen;
  if (n > room)
    n = room;
  for (; i < n && end - (s + i) >= 8; i += 8) {
    uint64_t v = chunk(s + i) | lower;
    memcpy(d + i, &v, 8);
  }
  for (; i < n; i++)
    d[i] = s[i] | 0x20;
  *wlen += n;
}

/* Cuts s[0..n) (any bytes) into terms of the current document. */
static void add_text(search_index *ix, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  unsigned char word[WORD_ROOM];
  size_t wlen = 0;
  unsigned char prev[4]; /* the previous CJK character, for bigrams */
  size_t plen = 0;
  while (p < end) {
#if defined(__SSE2__) && defined(__GNUC__)
    /* A whole word of less than 16 bytes (most are) and the separators
     * after it, from one look at the next 16 bytes. */
    if (wlen == 0 && end - p >= 16) {
      __m128i v = load16(p);
      unsigned letters = word_mask(v), high = high_mask(v);
      unsigned len = (unsigned)__builtin_ctz(~letters);
      if (len > 0 && len < 16 && !(high >> len & 1)) {
        uint64_t key0 = chunk(p) | lower;
        uint64_t key1 = (chunk(p + 8) | lower) & chunk(prefix_ones + 16 - len);
        if (len < 8)
          key0 &= chunk(prefix_ones + 8 - len);
        add_chunks(ix, key0, key1, len);
        plen = 0;
        unsigned stop = (letters | high) >> (len + 1);
        p += stop ? len + 1 + (unsigned)__builtin_ctz(stop) : 16;
        continue;
      }
    }
#endif
    unsigned char c = *p;
    if (c < 0x80) {
      if (ascii_word[c]) {
        /* a run of ASCII letters and digits */
        const unsigned char *run = p;
        p = word_end(p + 1, end);
        size_t len = (size_t)(p - run);
        plen = 0;
        if (wlen == 0 && len < 8 && end - run >= 8 && *p < 0x80) {
          /* a whole short word: its chunk, lowered, cut */
          add_chunks(ix, (chunk(run) | lower) & chunk(prefix_ones + 8 - len), 0,
                     len);
        } else {
          append_lower(word, &wlen, run, len, end);
        }
        continue;
      }
      add_term(ix, word, wlen);
      wlen = plen = 0;
      /* and the ASCII that separates words */
      p = separators_end(p + 1, end);
      continue;
    }
    uint32_t cp;
    size_t k = cb_utf8__decode(p, (size_t)(end - p), &cp);
    p += k;
    if (is_cjk(cp)) {
      add_term(ix, word, wlen);
      wlen = 0;
      unsigned char ch[WORD_ROOM];
      size_t clen = put_utf8(ch, cp);
      add_term(ix, ch, clen);
      if (plen) {
        unsigned char pair[WORD_ROOM];
        memcpy(pair, prev, plen);
        memcpy(pair + plen, ch, clen);
        add_term(ix, pair, plen + clen);
      }
      memcpy(prev, ch, clen);
      plen = clen;
    } else if (is_separator(cp)) {
      add_term(ix, word, wlen);
      wlen = plen = 0;
    } else {
      unsigned char ch[4];
      size_t clen = put_utf8(ch, fold(cp));
      if (wlen + clen <= CB_SEARCH_MAX_WORD) {
        memcpy(word + wlen, ch, clen);
        wlen += clen;
      }
      plen = 0;
    }
  }
  add_term(ix, word, wlen);
}

static void add_str(search_index *ix, const char *s) {
  if (s)
    add_text(ix, s, strlen(s));
}

/* ---- documents ------------------------------------------------------- */

/* 1 for the bytes a JSON string holds as they are: all but control
 * characters, the quote and the backslash. */
/* clang-format off */
static const unsigned char json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};
/* clang-format on */

/* Appends s[0..n) as a JSON string: cleaned of invalid UTF-8, with the
 * quote, the backslash and control characters escaped. */
/* The first byte from p on that a JSON string escapes, or end. */
static const unsigned char *json_run(const unsigned char *p,
                                     const unsigned char *end) {
#if defined(__SSE2__) && defined(__GNUC__)
  /* sixteen at a time: a byte is a control character when the unsigned
   * maximum of it and 0x1F is 0x1F */
  for (; end - p >= 16; p += 16) {
    __m128i v = load16(p);
    __m128i escaped =
        _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1F)),
                                    _mm_set1_epi8(0x1F)),
                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
    unsigned bits = (unsigned)_mm_movemask_epi8(escaped);
    if (bits)
      return p + __builtin_ctz(bits);
  }
#endif
  while (p < end && json_plain[*p])
    p++;
  return p;
}

static void json_str(cb_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (!cb_utf8__text_ok(s, n, CB_TEXT_JSON)) {
    cb_buf clean = {0};
    cb_utf8__text_fix(&clean, s, n, CB_TEXT_JSON);
    if (clean.failed)
      b->failed = 1;
    else /* clean now */
      json_str(b, clean.data, clean.len);
    cb_buf_free(&clean);
    return;
  }
  const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
  cb_buf_putc(b, '"');
  while ((p = json_run(p, end)) < end) {
    unsigned char c = *p;
    cb_buf_append(b, (const char *)run, (size_t)(p - run));
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      cb_buf_append(b, e, 2);
    } else {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      cb_buf_append(b, e, 6);
    }
    run = ++p;
  }
  cb_buf_append(b, (const char *)run, (size_t)(end - run));
  cb_buf_putc(b, '"');
}

static void json_cstr(cb_buf *b, const char *s) {
  json_str(b, s ? s : "", s ? strlen(s) : 0);
}

/* Adds s to the snippet of the current document, whitespace collapsed,
 * until it is full (cut at a character boundary). */
static void snip(search_index *ix, const char *s, size_t n) {
  cb_buf *b = &ix->snippet;
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  /* built here, then appended at once: at most SNIPPET_BYTES in all */
  char out[SNIPPET_BYTES + 8];
  size_t len = b->len, o = 0;
  if (len && len < SNIPPET_BYTES)
    out[o++] = ' ', len++;
  int space = 1;
  while (p < end && len < SNIPPET_BYTES) {
    unsigned char c = *p;
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      if (!space)
        out[o++] = ' ', len++;
      space = 1;
      p++;
      continue;
    }
    space = 0;
    if (c < 0x80) {
      out[o++] = (char)c;
      len++;
      p++;
      continue;
    }
    uint32_t cp;
    size_t k = cb_utf8__decode(p, (size_t)(end - p), &cp);
    if (len + k > SNIPPET_BYTES)
      break;
    memcpy(out + o, p, k);
    o += k;
    len += k;
    p += k;
  }
  cb_buf_append(b, out, o);
  /* cut short: say so (once; a full snippet takes no more) */
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
    p++;
  if (p < end) {
    cb_buf_puts(b, "\xE2\x80\xA6");
    ix->snippet_full = 1;
  }
  if (b->failed)
    ix->failed = 1;
}

static void body(search_index *ix, const char *s, size_t n) {
  ix->in_title = 0;
  add_text(ix, s, n);
  if (!ix->snippet_full && ix->snippet.len < SNIPPET_BYTES)
    snip(ix, s, n);
}

static void body_str(search_index *ix, const char *s) {
  if (s)
    body(ix, s, strlen(s));
}

/* Starts document kind: its title terms are id and title. */
static void doc_begin(search_index *ix, const char *kind, const char *id,
                      const char *title) {
  ix->doc = (uint32_t)ix->n_docs;
  ix->in_title = 1;
  add_str(ix, id);
  add_str(ix, title);
  cb_buf_reset(&ix->snippet);
  ix->snippet_full = 0;
  cb_buf *d = &ix->docs;
  if (ix->n_docs)
    cb_buf_puts(d, ",\n");
  cb_buf_putc(d, '[');
  json_cstr(d, kind);
  cb_buf_putc(d, ',');
  json_cstr(d, id);
  cb_buf_putc(d, ',');
  json_cstr(d, title);
  cb_buf_putc(d, ',');
}

/* Ends the document: its href (page, '#', prefix-a[-b]), chapter and
 * snippet. */
static void doc_end(search_index *ix, const cb_book *b, size_t chapter,
                    const char *prefix, const char *a, const char *c) {
  cb_buf *d = &ix->docs;
  cb_buf *href = &ix->href;
  cb_buf_reset(href);
  if (chapter < b->n_chapters) {
    cb_buf_puts(href, b->chapters[chapter].slug);
    cb_buf_puts(href, ".html");
  }
  if (prefix) {
    cb_buf_putc(href, '#');
    size_t at = href->len;
    if (*prefix) {
      cb_buf_puts(href, prefix);
      cb_buf_putc(href, '-');
    }
    cb_buf_puts(href, a);
    if (c) {
      cb_buf_putc(href, '-');
      cb_buf_puts(href, c);
    }
    /* whitespace in an anchor is '-' (see cb_html_page__anchor) */
    for (size_t i = at; i < href->len; i++)
      if (href->data[i] == ' ' || href->data[i] == '\t' ||
          href->data[i] == '\n' || href->data[i] == '\r' ||
          href->data[i] == '\f')
        href->data[i] = '-';
  }
  json_str(d, href->data ? href->data : "", href->len);
  char number[24];
  cb_buf_putc(d, ',');
  cb_buf_append(d, number,
                cb_json__digits(
                    number, chapter < b->n_chapters ? (long long)chapter : 0));
  cb_buf_putc(d, ',');
  json_str(d, ix->snippet.data ? ix->snippet.data : "", ix->snippet.len);
  cb_buf_putc(d, ']');
  if (href->failed || d->failed)
    ix->failed = 1;
  ix->n_docs++;
}

static void index_question(search_index *ix, const cb_book *b,
                           const cb_question *q) {
  doc_begin(ix, "q", q->id, q->title);
  body_str(ix, q->guidance.text);
  if (q->hint && (!q->title || strcmp(q->hint, q->title) != 0))
    body_str(ix, q->hint);
  for (size_t k = 0; k < q->n_options; k++) {
    body_str(ix, q->options[k].id);
    body_str(ix, q->options[k].meaning_text);
  }
  doc_end(ix, b, q->chapter, "question", q->id, NULL);
  for (size_t k = 0; k < q->n_options; k++) {
    const cb_option *o = &q->options[k];
    doc_begin(ix, "o", q->id, o->id);
    body_str(ix, o->meaning_text);
    doc_end(ix, b, q->chapter, "option", q->id, o->id);
  }
}

static void index_case(search_index *ix, const cb_book *b, const cb_case *c) {
  doc_begin(ix, "k", c->id, c->title);
  for (size_t i = 0; i < c->n_inputs; i++)
    if (c->inputs[i].text)
      body(ix, c->inputs[i].text, c->inputs[i].len);
  body_str(ix, c->rationale.text);
  ix->in_title = 0;
  for (size_t i = 0; i < c->n_answers; i++) {
    add_str(ix, c->answers[i].key);
    add_str(ix, c->answers[i].raw);
  }
  for (size_t i = 0; i < c->tags.n; i++)
    add_str(ix, c->tags.items[i]);
  add_str(ix, c->source);
  doc_end(ix, b, c->chapter, "case", c->id, NULL);
}

/* The index of book into ix. */
static void build(search_index *ix, const cb_book *b) {
  for (size_t ci = 0; ci < b->n_chapters && !ix->failed; ci++) {
    const cb_chapter *ch = &b->chapters[ci];
    /* the chapter's prose, under its title */
    doc_begin(ix, "p", "", ch->title);
    body_str(ix, ch->prose.text);
    doc_end(ix, b, ci, NULL, NULL, NULL);
    for (size_t i = 0; i < ch->n_items && !ix->failed; i++) {
      const cb_item *it = &ch->items[i];
      switch (it->kind) {
      case CB_ITEM_HEADING:
        if (it->index < ch->n_headings) {
          const cb_heading *h = &ch->headings[it->index];
          doc_begin(ix, "h", "", h->text);
          doc_end(ix, b, ci, h->slug ? "" : NULL, h->slug ? h->slug : "", NULL);
        }
        break;
      case CB_ITEM_QUESTION:
        if (it->index < b->n_questions)
          index_question(ix, b, &b->questions[it->index]);
        break;
      case CB_ITEM_CRITERION:
        if (it->index < b->n_criteria) {
          const cb_criterion *c = &b->criteria[it->index];
          doc_begin(ix, "c", c->id, c->title);
          body_str(ix, c->prose.text);
          doc_end(ix, b, c->chapter, "criterion", c->id, NULL);
        }
        break;
      case CB_ITEM_CASE:
        if (it->index < b->n_cases)
          index_case(ix, b, &b->cases[it->index]);
        break;
      default:
        break;
      }
    }
  }
}

static void index_free(search_index *ix) {
  for (size_t i = 0; i < ix->n_terms; i++)
    cb_buf_free(&ix->terms[i].postings);
  cb_free(ix->terms);
  cb_free(ix->slots);
  cb_buf_free(&ix->docs);
  cb_buf_free(&ix->snippet);
  cb_buf_free(&ix->href);
  cb_arena_free(ix->arena);
}

int cb_html_search__build(cb_buf *out, const cb_book *b) {
  search_index ix;
  memset(&ix, 0, sizeof ix);
  if (!(ix.arena = cb_arena_new()) || grow_slots(&ix) < 0) {
    index_free(&ix);
    return CB_ENOMEM;
  }
  build(&ix, b);
  cb_buf_puts(out, "/* The search index of the casebook site: see site.js. */\n"
                   "window.casebookSearchData = {\"v\":1,\n\"chapters\":[");
  for (size_t i = 0; i < b->n_chapters; i++) {
    if (i)
      cb_buf_putc(out, ',');
    json_cstr(out, b->chapters[i].title);
  }
  cb_buf_puts(out, "],\n\"docs\":[\n");
  cb_buf_append(out, ix.docs.data ? ix.docs.data : "", ix.docs.len);
  cb_buf_puts(out, "],\n\"terms\":{");
  for (size_t i = 0; i < ix.n_terms; i++) {
    const term *t = &ix.terms[i];
    if (i)
      cb_buf_puts(out, i % 64 ? "," : ",\n");
    json_str(out, (const char *)t->key, t->len);
    cb_buf_putc(out, ':');
    cb_buf_putc(out, '"');
    cb_buf_append(out, t->postings.data ? t->postings.data : "",
                  t->postings.len);
    cb_buf_putc(out, '"');
  }
  cb_buf_puts(out, "}};\n");
  int failed = ix.failed || out->failed;
  index_free(&ix);
  return failed ? CB_ENOMEM : 0;
}

int cb_html_search__write(cb_ctx *ctx, const cb_book *book, const char *path) {
  cb_buf out = {0};
  int err = cb_html_search__build(&out, book);
  if (err < 0)
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  else
    err = cb_output__file(ctx, path, out.data ? out.data : "", out.len,
                          CB_OUTPUT_KEEP_SAME);
  cb_buf_free(&out);
  return err;
}
