/* SPDX-License-Identifier: MIT */
/*
 * test_lsp.c: the language server's pieces (lsp_text.c, lsp.c) and the
 * loading it stands on (cb_book_load_overlay): UTF-16 positions both
 * ways around characters outside the BMP, ill-formed UTF-8 and CRLF;
 * file URIs; a working tree with unsaved buffers laid over it (a changed
 * chapter, a new one, a project rule only in memory); and cb_lsp_serve
 * on files: its exit status and its answers. The session with a real
 * client is tests/layers/lsp.sh.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casebook/lsp.h"
#include "lsp.h"
#include "testlib.h"

/* "a", U+1F600, "b", a lone 0xFF, "c"; then "é" and a CRLF line. */
static const char text[] = "a\xf0\x9f\x98\x80"
                           "b\xff"
                           "c\n\xc3\xa9\nx\r\ny";

static void position_is(size_t at, int line, int character) {
  json_t *p = cb_lsp__position(text, sizeof text - 1, at);
  CHECK_INT(json_integer_value(json_object_get(p, "line")), line);
  CHECK_INT(json_integer_value(json_object_get(p, "character")), character);
  json_decref(p);
}

static void test_positions(void) {
  size_t len = sizeof text - 1;
  /* UTF-16 -> bytes */
  CHECK_INT(cb_lsp__offset(text, len, 0, 0), 0);
  CHECK_INT(cb_lsp__offset(text, len, 0, 1), 1);
  CHECK_INT(cb_lsp__offset(text, len, 0, 2), 1); /* inside the pair */
  CHECK_INT(cb_lsp__offset(text, len, 0, 3), 5);
  CHECK_INT(cb_lsp__offset(text, len, 0, 4), 6); /* the 0xFF */
  CHECK_INT(cb_lsp__offset(text, len, 0, 5), 7);
  CHECK_INT(cb_lsp__offset(text, len, 0, 6), 8);   /* the line's end */
  CHECK_INT(cb_lsp__offset(text, len, 0, 999), 8); /* past it */
  CHECK_INT(cb_lsp__offset(text, len, 1, 1), 11);  /* after é */
  CHECK_INT(cb_lsp__offset(text, len, 2, 5), 13);  /* before the CR */
  CHECK_INT(cb_lsp__offset(text, len, 3, 1), len);
  CHECK_INT(cb_lsp__offset(text, len, 99, 0), len); /* no such line */
  /* bytes -> UTF-16 */
  position_is(0, 0, 0);
  position_is(5, 0, 3);
  position_is(7, 0, 5);
  position_is(8, 0, 6);
  position_is(11, 1, 1);
  position_is(len, 3, 1);
  position_is(len + 100, 3, 1);
  CHECK_INT(cb_lsp__units(text, 0, 8), 6);
  /* the model's 1-based line and byte column */
  CHECK_INT(cb_lsp__loc_offset(text, len, 1, 6), 5);
  CHECK_INT(cb_lsp__loc_offset(text, len, 1, 999), 8);
  CHECK_INT(cb_lsp__loc_offset(text, len, 9, 1), SIZE_MAX);
  CHECK_INT(cb_lsp__line_start(text, len, 2), 12);
  /* a string for JSON: the 0xFF as U+FFFD */
  json_t *s = cb_lsp__string(text, 8);
  CHECK_STR(json_string_value(s), "a\xf0\x9f\x98\x80"
                                  "b\xef\xbf\xbd"
                                  "c");
  json_decref(s);
}

static void test_uris(void) {
  char *p = cb_lsp__uri_path("file:///a%20b/c%C3%A9.md");
  CHECK_STR(p, "/a b/c\xc3\xa9.md");
  cb_free(p);
  p = cb_lsp__uri_path("file://localhost/x/y.md");
  CHECK_STR(p, "/x/y.md");
  cb_free(p);
  CHECK(cb_lsp__uri_path("file:///x%00y") == NULL);
  CHECK(cb_lsp__uri_path("file:///x%zz") == NULL);
  CHECK(cb_lsp__uri_path("file:///x%4") == NULL);
  CHECK(cb_lsp__uri_path("https://example.org/x.md") == NULL);
  CHECK(cb_lsp__uri_path("file://host/x.md") == NULL);
  cb_buf b = {0};
  cb_lsp__path_uri(&b, "/a b/\xc3\xa9#?%.md");
  CHECK_STR(cb_buf_cstr(&b), "file:///a%20b/%C3%A9%23%3F%25.md");
  cb_buf_free(&b);
}

static void write_file(const char *dir, const char *name, const char *s) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "w");
  CHECK(fp != NULL);
  if (fp) {
    fputs(s, fp);
    fclose(fp);
  }
}

static const char question[] = "# Q\n\n## Question harm: Harmful?\n\n"
                               "| Option | Meaning |\n|---|---|\n"
                               "| safe | Fine. |\n| harmful | Not. |\n";

static void test_overlay(const char *dir) {
  write_file(dir, "casebook.lua", "title = \"T\"\n");
  write_file(dir, "q.md", question);
  write_file(dir, "cases.md", "# Cases\n\n## Case c1: One\n\n- harm: safe\n");
  /* the buffer of cases.md (a misspelt answer), a chapter that exists
   * only in the editor, and a project rule that exists only there too */
  const char *buf = "# Cases\n\n## Case c1: One\n\n- harm: saef\n";
  const char *fresh = "# New\n\n## Case c2: Two\n\n- harm: harmful\n";
  const char *rule =
      "return { id = \"no-c2\", severity = \"warning\", summary = \"x\",\n"
      "  check = function(book, report)\n"
      "    for _, c in ipairs(book.cases) do\n"
      "      if c.id == \"c2\" then report({ at = c, message = \"c2\" }) end\n"
      "    end\n  end }\n";
  cb_source_file files[] = {{"cases.md", buf, strlen(buf)},
                            {"new.md", fresh, strlen(fresh)},
                            {"rules/no-c2.lua", rule, strlen(rule)}};
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK_INT(cb_book_load_overlay(&book, ctx, dir, files, 3), 0);
  CHECK(book != NULL);
  if (!book) {
    cb_ctx_free(ctx);
    return;
  }
  CHECK_INT(book->n_chapters, 3);
  const cb_case *c1 = cb_book_case(book, "c1");
  CHECK(c1 && c1->n_answers == 1 && strcmp(c1->answers[0].raw, "saef") == 0);
  CHECK(cb_book_case(book, "c2") != NULL);
  CHECK_INT(cb_book_check(ctx, book), 0);
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  int unknown = 0, project_rule = 0;
  for (size_t i = 0; i < n; i++) {
    unknown += strcmp(d[i].rule, "unknown-option") == 0;
    project_rule += strcmp(d[i].rule, "no-c2") == 0;
  }
  CHECK_INT(unknown, 1);
  CHECK_INT(project_rule, 1);
  cb_ctx_free(ctx);
  /* the disk is as it was: nothing of the overlay was written */
  ctx = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  CHECK_INT(cb_book_load(&book, ctx, dir), 0);
  CHECK(book && book->n_chapters == 2 && cb_book_case(book, "c2") == NULL);
  cb_ctx_free(ctx);
}

/* Runs cb_lsp_serve on the bytes in, framed; the output in out (a
 * file). Returns the exit status. */
static int serve(const char *dir, const char *const *msgs, size_t n, char *out,
                 size_t cap) {
  char in_path[512], out_path[512];
  snprintf(in_path, sizeof in_path, "%s/in", dir);
  snprintf(out_path, sizeof out_path, "%s/out", dir);
  FILE *fp = fopen(in_path, "w");
  for (size_t i = 0; fp && i < n; i++)
    fprintf(fp, "Content-Length: %zu\r\n\r\n%s", strlen(msgs[i]), msgs[i]);
  if (fp)
    fclose(fp);
  int in_fd = open(in_path, O_RDONLY);
  int out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int rc = cb_lsp_serve(in_fd, out_fd, NULL);
  close(in_fd);
  close(out_fd);
  fp = fopen(out_path, "r");
  size_t k = fp ? fread(out, 1, cap - 1, fp) : 0;
  out[k] = '\0';
  if (fp)
    fclose(fp);
  return rc;
}

static void test_serve(const char *dir) {
  static char out[1 << 16];
  char init[700];
  snprintf(init, sizeof init,
           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
           "\"params\":{\"rootUri\":\"file://%s\"}}",
           dir);
  const char *clean[] = {
      init,
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"workspace/symbol\","
      "\"params\":{\"query\":\"harm\"}}",
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"shutdown\"}",
      "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"shutdown\"}"};
  CHECK_INT(serve(dir, clean, 5, out, sizeof out), 0);
  CHECK(strstr(out, "{\"id\":1,\"result\":{\"capabilities\"") != NULL);
  CHECK(strstr(out, "{\"id\":2,\"result\":[{\"name\":\"harm\"") != NULL);
  CHECK(strstr(out, "{\"id\":3,\"result\":null") != NULL);
  CHECK(strstr(out, "\"id\":4") == NULL); /* nothing read after exit */
  /* the diagnostics of the project, published before the answer */
  CHECK(strstr(out, "textDocument/publishDiagnostics") != NULL);
  const char *rude[] = {init, "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}"};
  CHECK_INT(serve(dir, rude, 2, out, sizeof out), 1);
  CHECK_INT(serve(dir, rude, 1, out, sizeof out), 1); /* end of input */
}

int main(void) {
  char dir[] = "/tmp/casebook-test-lsp.XXXXXX";
  test_positions();
  test_uris();
  if (!mkdtemp(dir)) {
    CHECK(0);
    return test_report("lsp");
  }
  test_overlay(dir);
  test_serve(dir);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK_INT(system(cmd), 0);
  return test_report("lsp");
}
