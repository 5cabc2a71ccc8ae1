/* SPDX-License-Identifier: MIT */
/*
 * codec.h: the byte format of the build cache's payloads (docs/cache.md):
 * unsigned LEB128 numbers, zigzag signed numbers, length-prefixed strings,
 * and on top of them one chapter's extraction result (its elements,
 * prose, links, headings and extraction diagnostics).
 *
 * The writer never fails on its own (cb_buf notes out of memory); it
 * marks what the cache must not keep in `doubt`. The reader is bounded:
 * every length, count, offset and index is checked against the end of
 * the buffer or what it refers to, and a malformed payload only sets
 * `bad`. What authenticates a payload (the MAC) and where it is kept are
 * the cache's (cache.c); this file knows neither.
 */
#ifndef CB_CODEC_H
#define CB_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "extract.h"

/* The 64-bit little-endian numbers of the cache files' headers (the
 * payloads themselves use LEB128). Shared with the tests that build or
 * damage those files by hand. */
static inline void cb_codec__put_le64(unsigned char p[8], uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t cb_codec__get_le64(const unsigned char p[8]) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/* A payload being written into b. The fields after b place a chapter:
 * positions in its own file are stored bare, element indexes relative to
 * its first question, criterion and case. */
typedef struct cb_codec_wr {
  cb_buf *b;
  uint32_t file;     /* the chapter's file: positions there are stored bare */
  uint32_t chapter;  /* the chapter's index */
  size_t q0, c0, k0; /* its first question, criterion, case */
  size_t nq, nc, nk;
  int doubt; /* something the cache does not keep: do not store */
} cb_codec_wr;

/* A payload being read from p to end; strings are copied into a. The
 * fields after f place the chapter being decoded in this build. */
typedef struct cb_codec_rd {
  const unsigned char *p, *end;
  cb_arena *a;
  const cb_file *f;
  uint32_t file, chapter;
  size_t q0, c0, k0, nq, nc, nk, n_headings;
  /* renumbering of "cb-link:N" in HTML: old first link, count, new first */
  size_t old_first, n_links, new_first;
  int bad; /* malformed: a miss */
  int oom;
  cb_buf tmp;
} cb_codec_rd;

/* Where the builder and the diagnostics stood before a chapter was
 * extracted: what follows is that chapter's. */
typedef struct cb_codec_marks {
  size_t q, c, k, l, d; /* questions, criteria, cases, links, diagnostics */
} cb_codec_marks;

/* The primitives, for the record of a build (build_record.c) and the
 * headers of the cache's files. A string is 0 for NULL, else its length
 * + 1 and its bytes. */
void cb_codec__put_u(cb_codec_wr *w, uint64_t v);
void cb_codec__put_i(cb_codec_wr *w, long long v);
void cb_codec__put_bytes(cb_codec_wr *w, const char *s, size_t n);
void cb_codec__put_s(cb_codec_wr *w, const char *s);

/* Readers return 0 or NULL and set r->bad past the end or on a value out
 * of range; get_s copies into r->a (r->oom when that fails). */
uint64_t cb_codec__get_u(cb_codec_rd *r);
unsigned cb_codec__get_enum(cb_codec_rd *r, unsigned max);
long long cb_codec__get_i(cb_codec_rd *r);
size_t cb_codec__get_count(cb_codec_rd *r, uint64_t v);
const char *cb_codec__get_bytes(cb_codec_rd *r, size_t *len);
const char *cb_codec__get_s(cb_codec_rd *r);

/* Encodes chapter i (file f, the chapter ch), just extracted into b and
 * ctx after the marks m, into out (reset first). Returns 1 when out may
 * be kept, 0 when the chapter holds something the cache does not keep or
 * out of memory struck (then out is to be dropped). */
int cb_codec__put_chapter(cb_buf *out, const cb_ctx *ctx, const cb_builder *b,
                          const cb_chapter *ch, uint32_t i, const cb_file *f,
                          const cb_codec_marks *m);

/* Decodes the payload data[0..len) of chapter i (file f) into b and ch,
 * and reports its extraction diagnostics into ctx; nothing is changed in
 * b unless the whole payload reads well. Returns 1, 0 (malformed) or
 * CB_ENOMEM. */
int cb_codec__get_chapter(cb_ctx *ctx, cb_builder *b, cb_chapter *ch,
                          uint32_t i, const cb_file *f,
                          const unsigned char *data, size_t len);

#endif
