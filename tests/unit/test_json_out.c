/*
 * test_json_out.c: json_out.c writes the same bytes as jansson.
 *
 * Random values (strings of every byte class that valid UTF-8 allows:
 * ASCII, controls, NUL, quotes, backslashes, multi-byte sequences, at
 * every alignment around the eight-byte fast path; nested arrays and
 * objects, empty ones, integers, reals, booleans, null) are written by
 * cb_json__dump and by json_dumps with JSON_INDENT(n) |
 * JSON_PRESERVE_ORDER, and must be equal byte for byte.
 */
#include <stdlib.h>

#include "json_out.h"
#include "testlib.h"

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
  return test_report("json_out");
}
