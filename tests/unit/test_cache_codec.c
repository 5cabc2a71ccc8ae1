/* SPDX-License-Identifier: MIT */
/*
 * test_cache_codec.c: the byte format of the build cache (codec.c) on its
 * own: numbers and strings round-trip, the reader stops at the end of
 * its buffer and at values out of range, and a chapter payload that is
 * cut short or of another version is a miss that leaves the builder as
 * it was. test_cache.c covers whole chapters through the cache.
 */
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "testlib.h"

static cb_codec_rd reader(cb_arena *a, const cb_buf *b) {
  cb_codec_rd r;
  memset(&r, 0, sizeof r);
  r.p = (const unsigned char *)b->data;
  r.end = r.p + b->len;
  r.a = a;
  return r;
}

static void test_le64(void) {
  unsigned char p[8];
  cb_codec__put_le64(p, 0x0102030405060708ULL);
  CHECK(p[0] == 0x08 && p[7] == 0x01);
  CHECK(cb_codec__get_le64(p) == 0x0102030405060708ULL);
  cb_codec__put_le64(p, UINT64_MAX);
  CHECK(cb_codec__get_le64(p) == UINT64_MAX);
}

static void test_numbers(void) {
  static const uint64_t us[] = {0, 1, 127, 128, 300, UINT32_MAX, UINT64_MAX};
  static const long long is[] = {0, -1, 1, -64, 64, INT32_MIN, INT64_MAX};
  cb_arena *a = cb_arena_new();
  cb_buf b = {0};
  cb_codec_wr w = {&b, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < sizeof us / sizeof *us; i++)
    cb_codec__put_u(&w, us[i]);
  for (size_t i = 0; i < sizeof is / sizeof *is; i++)
    cb_codec__put_i(&w, is[i]);
  cb_codec__put_s(&w, NULL);
  cb_codec__put_s(&w, "");
  cb_codec__put_s(&w, "chapter");
  cb_codec__put_bytes(&w, "a\0b", 3);
  CHECK(!b.failed);
  /* LEB128: 7 bits a byte, the high bit set on all but the last */
  CHECK((unsigned char)b.data[0] == 0);
  CHECK((unsigned char)b.data[3] == 0x80 && (unsigned char)b.data[4] == 1);

  cb_codec_rd r = reader(a, &b);
  for (size_t i = 0; i < sizeof us / sizeof *us; i++)
    CHECK(cb_codec__get_u(&r) == us[i]);
  for (size_t i = 0; i < sizeof is / sizeof *is; i++)
    CHECK(cb_codec__get_i(&r) == is[i]);
  CHECK(cb_codec__get_s(&r) == NULL);
  CHECK_STR(cb_codec__get_s(&r), "");
  CHECK_STR(cb_codec__get_s(&r), "chapter");
  size_t n = 0;
  const char *s = cb_codec__get_bytes(&r, &n);
  CHECK(s && n == 3 && memcmp(s, "a\0b", 3) == 0);
  CHECK(!r.bad && r.p == r.end);
  /* past the end: zero, and the payload is malformed */
  CHECK(cb_codec__get_u(&r) == 0);
  CHECK(r.bad);
  cb_buf_free(&b);
  cb_arena_free(a);
}

static void test_bounds(void) {
  cb_arena *a = cb_arena_new();
  cb_buf b = {0};
  cb_codec_wr w = {&b, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  cb_codec_rd r;

  /* a number whose continuation bit runs off the end */
  cb_buf_append(&b, "\xff\xff", 2);
  r = reader(a, &b);
  cb_codec__get_u(&r);
  CHECK(r.bad);

  /* more than 64 bits */
  cb_buf_reset(&b);
  cb_buf_append(&b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  r = reader(a, &b);
  cb_codec__get_u(&r);
  CHECK(r.bad);

  /* a string longer than what is left */
  cb_buf_reset(&b);
  cb_codec__put_u(&w, 100);
  cb_buf_append(&b, "short", 5);
  r = reader(a, &b);
  CHECK(cb_codec__get_s(&r) == NULL);
  CHECK(r.bad && !r.oom);

  /* a count larger than the bytes left, an enumeration out of range */
  cb_buf_reset(&b);
  cb_codec__put_u(&w, 3);
  r = reader(a, &b);
  cb_codec__get_count(&r, 2);
  CHECK(r.bad);
  r = reader(a, &b);
  CHECK(cb_codec__get_enum(&r, 2) == 0);
  CHECK(r.bad);
  r = reader(a, &b);
  CHECK(cb_codec__get_enum(&r, 3) == 3);
  CHECK(!r.bad);
  cb_buf_free(&b);
  cb_arena_free(a);
}

/* A chapter payload that is not one: nothing is added to the builder. */
static void test_chapter_miss(void) {
  cb_ctx *ctx = NULL;
  CHECK(cb_ctx_new(&ctx, NULL) == 0);
  if (!ctx)
    return;
  cb_builder b;
  memset(&b, 0, sizeof b);
  cb_chapter ch;
  memset(&ch, 0, sizeof ch);
  cb_file f = {0};
  f.path = "x.md";
  f.text = "";
  static const unsigned char other_version[] = {2, 0, 0, 0, 0, 0};
  static const unsigned char cut[] = {1, 1, 0, 0, 0, 0, 0};
  /* a question is promised, none follows */
  CHECK(cb_codec__get_chapter(ctx, &b, &ch, 0, &f, other_version,
                              sizeof other_version) == 0);
  CHECK(cb_codec__get_chapter(ctx, &b, &ch, 0, &f, cut, sizeof cut) == 0);
  CHECK(cb_codec__get_chapter(ctx, &b, &ch, 0, &f, cut, 0) == 0);
  CHECK(b.n_questions == 0 && b.n_links == 0 && ch.title == NULL);
  CHECK(ctx->n_diags == 0);
  cb_free(b.questions);
  cb_free(b.criteria);
  cb_free(b.cases);
  cb_free(b.links);
  cb_ctx_free(ctx);
}

int main(void) {
  test_le64();
  test_numbers();
  test_bounds();
  test_chapter_miss();
  return test_report("cache_codec");
}
