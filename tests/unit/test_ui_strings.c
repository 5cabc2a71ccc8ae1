/* SPDX-License-Identifier: MIT */
/*
 * test_ui_strings.c: the site's tables of words (ui_strings.c): every key
 * is a distinct snake_case name; the Chinese and Japanese tables give
 * every key a word of their own with the same placeholders as the
 * English one; the table is chosen by the primary subtag of the
 * language; cb_ui__format fills "{n}" and "{s}"; the words of the
 * script are JSON with no '<'.
 */
#include <string.h>

#include "testlib.h"
#include "ui_strings.h"

/* The placeholders of s in order, as "ns" for "{n} of {s}". */
static void placeholders(const char *s, char *out, size_t cap) {
  size_t k = 0;
  for (const char *p = s; *p && k + 1 < cap; p++)
    if (p[0] == '{' && (p[1] == 'n' || p[1] == 's') && p[2] == '}')
      out[k++] = p[1];
  out[k] = '\0';
}

int main(void) {
  const char *en[CB_UI_N], *zh[CB_UI_N], *ja[CB_UI_N], *t[CB_UI_N];

  for (int k = 0; k < CB_UI_N; k++) {
    const char *key = cb_ui__keys[k];
    int ok = key && *key;
    for (const char *p = key; ok && *p; p++)
      ok = (*p >= 'a' && *p <= 'z') || *p == '_';
    CHECK(ok);
    CHECK_INT(cb_ui__key(key), k);
  }
  CHECK_INT(cb_ui__key("serach_label"), -1);
  CHECK_INT(cb_ui__key(""), -1);

  CHECK_INT(cb_ui__builtin(en, NULL), 1);
  CHECK_INT(cb_ui__builtin(zh, "zh"), 1);
  CHECK_INT(cb_ui__builtin(ja, "ja"), 1);
  for (int k = 0; k < CB_UI_N; k++) {
    char pe[16], pz[16], pj[16];
    placeholders(en[k], pe, sizeof pe);
    placeholders(zh[k], pz, sizeof pz);
    placeholders(ja[k], pj, sizeof pj);
    /* a key missing from a table would fall back to the English word */
    if (strcmp(zh[k], en[k]) == 0 || strcmp(ja[k], en[k]) == 0)
      fprintf(stderr, "untranslated: %s\n", cb_ui__keys[k]);
    CHECK(strcmp(zh[k], en[k]) != 0);
    CHECK(strcmp(ja[k], en[k]) != 0);
    /* the same placeholders, in any order ("{n} / {s}" vs "{s} ... {n}") */
    CHECK_INT((int)strlen(pz), (int)strlen(pe));
    CHECK_INT((int)strlen(pj), (int)strlen(pe));
    CHECK((strchr(pe, 'n') != NULL) == (strchr(pz, 'n') != NULL));
    CHECK((strchr(pe, 's') != NULL) == (strchr(pj, 's') != NULL));
  }

  /* the primary subtag chooses, whatever its case; others are English */
  CHECK_INT(cb_ui__builtin(t, "zh-Hant-TW"), 1);
  CHECK_STR(t[CB_UI_CASES], zh[CB_UI_CASES]);
  CHECK_INT(cb_ui__builtin(t, "JA-jp"), 1);
  CHECK_STR(t[CB_UI_CASES], ja[CB_UI_CASES]);
  CHECK_INT(cb_ui__builtin(t, "en-GB"), 1);
  CHECK_STR(t[CB_UI_CASES], "Cases");
  CHECK_INT(cb_ui__builtin(t, "ko"), 0);
  CHECK_STR(t[CB_UI_CASES], "Cases");
  CHECK_INT(cb_ui__builtin(t, "zhx"), 0);
  CHECK_STR(t[CB_UI_CASES], "Cases");

  cb_buf b = {0};
  cb_ui__format(&b, en[CB_UI_N_OF_CASES], 3, "10");
  CHECK_STR(cb_buf_cstr(&b), "3 of 10 cases");
  cb_buf_reset(&b);
  cb_ui__format(&b, "{x} {n}{s} {", 7, NULL);
  CHECK_STR(cb_buf_cstr(&b), "{x} 7 {");
  cb_buf_reset(&b);
  cb_ui__format(&b, ja[CB_UI_N_OF_CASES], 3, "10");
  CHECK_STR(cb_buf_cstr(&b), "事例 10 件中 3 件");
  /* the words of the script: JSON that no text can end the <script> of */
  cb_buf_reset(&b);
  t[CB_UI_CLOSE_SEARCH] = "</script><script>alert(1)</script> \"x\"";
  cb_ui__script_json(&b, t);
  CHECK(strchr(cb_buf_cstr(&b), '<') == NULL);
  CHECK(strstr(cb_buf_cstr(&b),
               "\"close_search\":\"\\u003c/script>\\u003cscript>alert(1)"
               "\\u003c/script> \\\"x\\\"\"") != NULL);
  CHECK(strncmp(cb_buf_cstr(&b), "{\"question\":\"Cases\"", 10) == 0);
  cb_buf_free(&b);
  return test_report("ui_strings");
}
