/* SPDX-License-Identifier: MIT */
/*
 * spec_render.c: Markdown on stdin, HTML on stdout, rendered exactly as
 * casebook renders prose (cb_markdown_to_html). The spec tests
 * (tests/spec/run.js) feed it every example of the GFM spec.
 *
 *   spec_render [--unsafe] < in.md > out.html
 *
 * Exit status: 0 rendered, 1 out of memory or a read/write error,
 * 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casebook/casebook.h"

/* Reads all of fp into a malloc'd buffer; *out is the caller's to free. */
static int read_all(char **out, size_t *len, FILE *fp) {
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  if (!buf)
    return -1;
  for (;;) {
    if (n == cap) {
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        return -1;
      }
      buf = bigger;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, fp);
    n += got;
    if (got == 0)
      break;
  }
  if (ferror(fp)) {
    free(buf);
    return -1;
  }
  *out = buf;
  *len = n;
  return 0;
}

int main(int argc, char **argv) {
  int unsafe_html = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--unsafe") == 0) {
      unsafe_html = 1;
    } else {
      fprintf(stderr, "usage: spec_render [--unsafe] < in.md > out.html\n");
      return 2;
    }
  }
  char *md = NULL, *html = NULL;
  size_t len = 0;
  int status = 1;
  if (read_all(&md, &len, stdin) < 0) {
    perror("spec_render: stdin");
    goto done;
  }
  if (cb_markdown_to_html(&html, md, len, unsafe_html) < 0) {
    fprintf(stderr, "spec_render: out of memory\n");
    goto done;
  }
  if (fputs(html, stdout) == EOF || fflush(stdout) == EOF) {
    perror("spec_render: stdout");
    goto done;
  }
  status = 0;
done:
  free(html);
  free(md);
  return status;
}
