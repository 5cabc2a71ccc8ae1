/* SPDX-License-Identifier: MIT */
/*
 * test_json_out.c: json_out.c writes the same bytes as jansson.
 *
 * Random values (strings of every byte class that valid UTF-8 allows:
 * ASCII, controls, NUL, quotes, backslashes, multi-byte sequences, at
 * every alignment around the eight- and sixteen-byte fast paths; nested
 * arrays and objects, empty ones, integers, reals, booleans, null) are
 * written by cb_json__dump and by json_dumps with JSON_INDENT(n) |
 * JSON_PRESERVE_ORDER, and must be equal byte for byte. The writer
 * (cb_json_writer) is driven call by call with hostile text (invalid
 * UTF-8 too, which it cleans as cb_utf8__text_fix does) beside a jansson
 * tree of the cleaned text, whole or one element at a time, and must
 * write what jansson writes for the tree.
 */
#include <limits.h>
#include <stdlib.h>

#include "json_out.h"
#include "testlib.h"
#include "utf8.h"

static unsigned long long rng = 0x9E3779B97F4A7C15ull;

static unsigned next(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

/* A random valid UTF-8 string of up to max bytes, into buf. */
static size_t random_text(char *buf, size_t max) {
  static const char *const pieces[] = {
      "a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\b", "\f",
      "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe6\xa1\x88", "\xf0\x9f\x98\x80",
      "<script>", "abcdefgh", "0123456789abcdef"};
  size_t len = 0, want = next((unsigned)max);
  while (len < want) {
    const char *p = pieces[next(sizeof pieces / sizeof *pieces)];
    size_t n = strlen(p);
    if (next(40) == 0) { /* a NUL now and then */
      p = "\0";
      n = 1;
    }
    if (len + n > max)
      break;
    memcpy(buf + len, p, n);
    len += n;
  }
  return len;
}

static json_t *random_value(int depth) {
  char text[200];
  unsigned kind = depth > 3 ? next(6) : next(8);
  switch (kind) {
  case 0: return json_null();
  case 1: return json_boolean(next(2));
  case 2: return json_integer((json_int_t)next(2000000) - 1000000);
  case 3: return json_real((double)next(100000) / 7.0);
  case 4:
  case 5: {
    size_t n = random_text(text, sizeof text);
    return json_stringn(text, n);
  }
  case 6: {
    json_t *a = json_array();
    unsigned n = next(5);
    for (unsigned i = 0; i < n; i++)
      json_array_append_new(a, random_value(depth + 1));
    return a;
  }
  default: {
    json_t *o = json_object();
    unsigned n = next(5);
    for (unsigned i = 0; i < n; i++) {
      size_t k = random_text(text, 20);
      text[k] = '\0'; /* keys are C strings: cut at any NUL */
      json_object_set_new(o, text, random_value(depth + 1));
    }
    return o;
  }
  }
}

/* Random text of up to max bytes, invalid UTF-8 included (truncated and
 * overlong sequences, surrogates, stray continuation bytes), into buf. */
static size_t hostile_text(char *buf, size_t max) {
  static const char *const pieces[] = {
      "a", " ", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "\xc3\xa9",
      "\xe6\xa1\x88", "\xf0\x9f\x98\x80", "\xff", "\x80", "\xc3",
      "\xe6\xa1", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf",
      "abcdefghijklmnop", "<script>"};
  size_t len = 0, want = next((unsigned)max + 1);
  while (len < want) {
    const char *p = pieces[next(sizeof pieces / sizeof *pieces)];
    size_t n = strlen(p);
    if (next(30) == 0) {
      p = "\0";
      n = 1;
    }
    if (len + n > max)
      break;
    memcpy(buf + len, p, n);
    len += n;
  }
  return len;
}

/* A jansson string of s[0..len) cleaned as the writer cleans it. */
static json_t *cleaned(const char *s, size_t len) {
  cb_buf b = {0};
  cb_utf8__text_fix(&b, s, len, CB_TEXT_JSON);
  json_t *v = json_stringn(cb_buf_cstr(&b), b.len);
  cb_buf_free(&b);
  return v;
}

/* Writes a random value with w and returns the jansson tree of what it
 * should be. */
static json_t *write_random(cb_json_writer *w, int depth) {
  char text[300];
  switch (depth > 4 ? next(6) : next(9)) {
  case 0:
    cb_json__put_null(w);
    return json_null();
  case 1: {
    int b = (int)next(2);
    cb_json__put_bool(w, b);
    return json_boolean(b);
  }
  case 2: {
    long long n = (long long)next(2000000) - 1000000;
    if (next(10) == 0)
      n = next(2) ? LLONG_MIN : LLONG_MAX;
    cb_json__put_int(w, n);
    return json_integer((json_int_t)n);
  }
  case 3: {
    size_t n = hostile_text(text, next(3) ? 20 : sizeof text - 1);
    if (next(4) == 0) {
      text[n] = '\0';
      cb_json__put_cstr(w, text);
      return cleaned(text, strlen(text));
    }
    cb_json__put_string(w, text, n);
    return cleaned(text, n);
  }
  case 4:
    if (next(2)) {
      cb_json__put_cstr(w, NULL);
      return json_null();
    }
    /* fall through */
  case 5: {
    json_t *v = json_real((double)next(100000) / 7.0);
    cb_json__put_value(w, v);
    return v;
  }
  case 6:
  case 7: {
    json_t *a = json_array();
    unsigned n = next(5);
    cb_json__begin_array(w);
    for (unsigned i = 0; i < n; i++)
      json_array_append_new(a, write_random(w, depth + 1));
    cb_json__end_array(w);
    return a;
  }
  default: {
    json_t *o = json_object();
    unsigned n = next(5);
    cb_json__begin_object(w);
    for (unsigned i = 0; i < n; i++) {
      /* keys are C strings, cut at a NUL; the index keeps them apart */
      int k = snprintf(text, sizeof text, "%u", i);
      size_t len = (size_t)k + hostile_text(text + k, 20);
      text[len] = '\0';
      cb_json__key(w, text);
      json_t *key = cleaned(text, strlen(text));
      json_object_set_new(o, json_string_value(key), write_random(w, depth + 1));
      json_decref(key);
    }
    cb_json__end_object(w);
    return o;
  }
  }
}

/* The writer against jansson: whole values, and arrays written one
 * element at a time as cb_xarray does. */
static void check_writer(void) {
  int same = 0, runs = 3000;
  for (int i = 0; i < runs; i++) {
    int indent = 1 + (int)next(5), by_element = i % 3 == 0;
    cb_buf got = {0};
    cb_json_writer w;
    json_t *want_v;
    if (!by_element) {
      cb_json__writer_init(&w, &got, indent, 0);
      want_v = write_random(&w, 0);
    } else {
      unsigned n = next(4);
      want_v = json_array();
      for (unsigned k = 0; k < n; k++) {
        cb_buf_puts(&got, k ? ",\n" : "[\n");
        for (int s = 0; s < indent; s++)
          cb_buf_putc(&got, ' ');
        cb_json__writer_init(&w, &got, indent, 1);
        json_array_append_new(want_v, write_random(&w, 1));
      }
      cb_buf_puts(&got, n ? "\n]" : "[]");
    }
    char *want = json_dumps(want_v, JSON_INDENT(indent) |
                                        JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (!got.failed && want && strcmp(cb_buf_cstr(&got), want) == 0)
      same++;
    else if (same + 5 > i)
      fprintf(stderr, "writer differs:\n  got:  %s\n  want: %s\n",
              cb_buf_cstr(&got), want ? want : "(null)");
    cb_buf_free(&got);
    free(want);
    json_decref(want_v);
  }
  CHECK_INT(same, runs);
}

/* Long strings: every byte class at every offset of the fast paths, and
 * megabytes of text. */
static void check_long_strings(void) {
  static char big[1 << 20];
  size_t len = 0;
  while (len + 400 < sizeof big)
    len += hostile_text(big + len, 300);
  for (size_t cut = 0; cut < 64; cut++) {
    size_t n = len - cut * 4099;
    json_t *v = cleaned(big + cut, n);
    char *want = json_dumps(v, JSON_ENCODE_ANY);
    cb_buf got = {0};
    cb_json__string(&got, big + cut, n);
    CHECK(want && strcmp(cb_buf_cstr(&got), want) == 0);
    cb_buf_free(&got);
    free(want);
    json_decref(v);
  }
}

/* Nested empty containers, deep indents, and out of memory. */
static void check_edges(void) {
  cb_buf got = {0};
  cb_json_writer w;
  cb_json__writer_init(&w, &got, 2, 0);
  cb_json__begin_object(&w);
  cb_json__key(&w, "a");
  cb_json__begin_array(&w);
  cb_json__begin_array(&w);
  cb_json__end_array(&w);
  cb_json__begin_object(&w);
  cb_json__end_object(&w);
  cb_json__end_array(&w);
  cb_json__key(&w, "b");
  cb_json__begin_object(&w);
  cb_json__end_object(&w);
  cb_json__end_object(&w);
  CHECK_STR(cb_buf_cstr(&got),
            "{\n  \"a\": [\n    [],\n    {}\n  ],\n  \"b\": {}\n}");
  cb_buf_free(&got);

  /* deeper than a token's run of spaces, at every indent */
  for (int indent = 1; indent <= 5; indent++) {
    json_t *deep = json_string("x");
    cb_json__writer_init(&w, &got, indent, 0);
    for (int i = 0; i < 50; i++)
      cb_json__begin_array(&w);
    cb_json__put_cstr(&w, "x");
    for (int i = 0; i < 50; i++) {
      cb_json__end_array(&w);
      json_t *a = json_array();
      json_array_append_new(a, deep);
      deep = a;
    }
    char *want = json_dumps(deep, JSON_INDENT(indent) | JSON_PRESERVE_ORDER);
    CHECK_STR(cb_buf_cstr(&got), want);
    free(want);
    json_decref(deep);
    cb_buf_free(&got);
  }

  /* digits as printf writes them */
  static const long long numbers[] = {0, 7, -1, 10, -10, 1234567890123LL,
                                      LLONG_MAX, LLONG_MIN};
  for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) {
    char want[32], digits[24];
    snprintf(want, sizeof want, "%lld", numbers[i]);
    CHECK_INT(cb_json__digits(digits, numbers[i]), strlen(want));
    CHECK_STR(digits, want);
  }

  /* out of memory at each allocation: failed is set, nothing breaks */
  for (long n = 1; n <= 3; n++) {
    cb_alloc_fail_after(n);
    cb_json__writer_init(&w, &got, 2, 0);
    cb_json__begin_array(&w);
    for (int i = 0; i < 2000; i++)
      cb_json__put_cstr(&w, "some text that fills the buffer");
    cb_json__end_array(&w);
    cb_alloc_fail_after(0);
    CHECK(got.failed);
    cb_buf_free(&got);
  }
}

int main(void) {
  int same = 0, runs = 2000;
  for (int i = 0; i < runs; i++) {
    json_t *v = random_value(0);
    int indent = 1 + (int)next(4);
    char *want = json_dumps(v, JSON_INDENT(indent) | JSON_PRESERVE_ORDER |
                                   JSON_ENCODE_ANY);
    cb_buf got = {0};
    int rc = cb_json__dump(&got, v, indent);
    if (rc == 0 && want && strcmp(cb_buf_cstr(&got), want) == 0) {
      same++;
    } else if (same + 10 > i) { /* show the first few differences */
      fprintf(stderr, "differs:\n  got:  %s\n  want: %s\n",
              got.data ? got.data : "(null)", want ? want : "(null)");
    }
    cb_buf_free(&got);
    free(want);
    json_decref(v);
  }
  CHECK_INT(same, runs);

  /* strings alone, at every length around the fast path */
  for (size_t n = 0; n < 40; n++) {
    char s[41];
    for (size_t k = 0; k < n; k++)
      s[k] = (char)("ab\"\\\n\x01\xc3\xa9"[k % 8]);
    if (n && (s[n - 1] & 0xC0) == 0xC0) /* keep the UTF-8 whole */
      s[n - 1] = 'x';
    json_t *v = json_stringn(s, n);
    char *want = json_dumps(v, JSON_ENCODE_ANY);
    cb_buf got = {0};
    cb_json__string(&got, s, n);
    CHECK_STR(cb_buf_cstr(&got), want);
    cb_buf_free(&got);
    free(want);
    json_decref(v);
  }

  /* deep nesting: indents longer than the prepared run of spaces */
  json_t *deep = json_string("x");
  for (int i = 0; i < 40; i++) {
    json_t *a = json_array();
    json_array_append_new(a, deep);
    deep = a;
  }
  char *want = json_dumps(deep, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
  cb_buf text = {0};
  CHECK_INT(cb_json__dump(&text, deep, 4), 0);
  CHECK_STR(cb_buf_cstr(&text), want);
  cb_buf_free(&text);
  free(want);
  json_decref(deep);

  /* an empty object and array, and the one invalid indent */
  json_t *o = json_pack("{s:[], s:{}}", "a", "b");
  cb_buf got = {0};
  CHECK_INT(cb_json__dump(&got, o, 2), 0);
  CHECK_STR(cb_buf_cstr(&got), "{\n  \"a\": [],\n  \"b\": {}\n}");
  CHECK_INT(cb_json__dump(&got, o, 0), -1);
  cb_buf_free(&got);
  json_decref(o);

  check_writer();
  check_long_strings();
  check_edges();
  return test_report("json_out");
}
