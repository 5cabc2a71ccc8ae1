/* SPDX-License-Identifier: MIT */
/* Unit tests of source.c's working tree: no symbolic link is listed or
 * read (out of the project, inside it, to a directory, a loop), the
 * listing is the gate of later reads, the output directory and folders
 * holding a build's lock are left out, files over the limit are an error
 * and not read; once with openat2 and once with the walk of kernels
 * without it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "ctx.h"
#include "output.h"
#include "source.h"
#include "testlib.h"

static void put(const char *dir, const char *name, const char *text) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "cannot write %s\n", path);
    return;
  }
  fputs(text, f);
  fclose(f);
}

static void sub(char *out, size_t cap, const char *dir, const char *name) {
  snprintf(out, cap, "%s/%s", dir, name);
}

/* How many diagnostics of rule ctx holds, and whether one is at path. */
static size_t count_rule(cb_ctx *ctx, const char *rule, const char *path,
                         int *at) {
  size_t n = 0, k = 0;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  *at = 0;
  for (size_t i = 0; i < n; i++)
    if (strcmp(d[i].rule, rule) == 0) {
      k++;
      if (path && d[i].path && strstr(d[i].path, path))
        *at = 1;
    }
  return k;
}

static int listed(const char **paths, size_t n, const char *path) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(paths[i], path) == 0)
      return 1;
  return 0;
}

static void test_tree(const char *root, const char *name) {
  char p[600], victim[600], path[700], target[700];
  snprintf(p, sizeof p, "%s/%s", root, name);
  snprintf(victim, sizeof victim, "%s/%s-victim", root, name);
  CHECK(mkdir(p, 0777) == 0 && mkdir(victim, 0777) == 0);
  put(victim, "shadow", "root:SECRET:1:0:::\n");
  put(p, "a.md", "# A\n");
  sub(path, sizeof path, p, "d");
  CHECK(mkdir(path, 0777) == 0);
  put(path, "e.md", "# E\n");
  sub(target, sizeof target, victim, "shadow");
  sub(path, sizeof path, p, "out.md");
  CHECK(symlink(target, path) == 0);        /* out of the project */
  sub(path, sizeof path, p, "inside.md");
  CHECK(symlink("a.md", path) == 0);        /* inside: not followed either */
  sub(path, sizeof path, p, "pics");
  CHECK(symlink(victim, path) == 0);        /* a directory */
  sub(path, sizeof path, p, "loop");
  CHECK(symlink(".", path) == 0);           /* a loop */
  sub(path, sizeof path, p, "d/link.md");
  CHECK(symlink(target, path) == 0);
  sub(path, sizeof path, p, "_hidden");
  CHECK(symlink(victim, path) == 0);        /* read by name, not listed */
  sub(path, sizeof path, p, "big.md");      /* sparse, over the limit */
  int fd = open(path, O_WRONLY | O_CREAT, 0644);
  CHECK(fd >= 0 && ftruncate(fd, (off_t)CB_SOURCE_FILE_MAX + 1) == 0);
  close(fd);
  /* an output directory of another build, and the one of this build */
  sub(path, sizeof path, p, "old-out");
  CHECK(mkdir(path, 0777) == 0);
  put(path, "x.md", "# X\n");
  put(path, CB_OUTPUT_LOCK_NAME, "");
  sub(path, sizeof path, p, "out");
  CHECK(mkdir(path, 0777) == 0);
  put(path, "prompt.md", "# P\n");

  cb_ctx *ctx = NULL;
  CHECK_INT(cb_ctx_new(&ctx, NULL), 0);
  cb_source *src = NULL;
  CHECK_INT(cb_source__open_fs(&src, ctx, p), 0);
  if (!src) {
    cb_ctx_free(ctx);
    return;
  }
  struct stat st;
  CHECK(stat(p, &st) == 0);
  CHECK_INT(cb_source__exclude_dir(src, st.st_dev, st.st_ino), CB_EUSAGE);
  CHECK(strstr(cb_ctx_error(ctx), "is the project directory") != NULL);
  sub(path, sizeof path, p, "out");
  CHECK(stat(path, &st) == 0);
  CHECK_INT(cb_source__exclude_dir(src, st.st_dev, st.st_ino), 0);

  const char **paths = NULL;
  size_t n = 0;
  int at = 0;
  CHECK_INT(cb_source__list(src, &paths, &n), 0);
  CHECK_INT(n, 2);
  CHECK(listed(paths, n, "a.md") && listed(paths, n, "d/e.md"));
  CHECK_INT(count_rule(ctx, "symlink", "out.md", &at), 5);
  CHECK(at);
  count_rule(ctx, "symlink", "d/link.md", &at);
  CHECK(at);
  count_rule(ctx, "symlink", "loop", &at);
  CHECK(at);
  CHECK_INT(count_rule(ctx, "file-too-large", "big.md", &at), 1);
  CHECK(at);

  /* reads: what the listing left out is not there */
  const char *text = NULL;
  size_t len = 0;
  CHECK_INT(cb_source__read(src, "a.md", &text, &len), 0);
  CHECK_STR(text, "# A\n");
  CHECK_INT(cb_source__read_in(src, ctx, "out.md", 0, &text, &len),
            CB_ENOTFOUND);
  CHECK_INT(cb_source__read_in(src, ctx, "inside.md", 0, &text, &len),
            CB_ENOTFOUND);
  CHECK_INT(cb_source__read_in(src, ctx, "pics/shadow", 0, &text, &len),
            CB_ENOTFOUND);
  CHECK_INT(cb_source__read_in(src, ctx, "big.md", 0, &text, &len),
            CB_ENOTFOUND);
  CHECK_INT(cb_source__read_in(src, ctx, "out/prompt.md", 0, &text, &len),
            CB_ENOTFOUND);
  CHECK_INT(cb_source__read_in(src, ctx, "old-out/x.md", 0, &text, &len),
            CB_ENOTFOUND);
  /* a path the listing never shows is read below the root, links
   * refused in every component */
  CHECK_INT(cb_source__read_in(src, ctx, "_hidden/shadow", 0, &text, &len),
            CB_EIO);
  CHECK(strstr(cb_ctx_error(ctx), "_hidden' is a symbolic link") != NULL);
  CHECK(text == NULL);
  /* a link swapped in after the listing */
  sub(path, sizeof path, p, "a.md");
  CHECK(unlink(path) == 0 && symlink(target, path) == 0);
  CHECK_INT(cb_source__read_in(src, ctx, "a.md", 0, &text, &len), CB_EIO);
  CHECK(strstr(cb_ctx_error(ctx), "a.md' is a symbolic link") != NULL);
  /* a directory swapped for a link */
  sub(path, sizeof path, p, "d/e.md");
  CHECK(unlink(path) == 0);
  sub(path, sizeof path, p, "d/link.md");
  CHECK(unlink(path) == 0);
  sub(path, sizeof path, p, "d");
  CHECK(rmdir(path) == 0 && symlink(victim, path) == 0);
  put(victim, "e.md", "SECRET\n");
  CHECK_INT(cb_source__read_in(src, ctx, "d/e.md", 0, &text, &len), CB_EIO);
  CHECK(strstr(cb_ctx_error(ctx), "/d' is a symbolic link") != NULL);
  CHECK(text == NULL);
  /* the caller's limit, below the project's */
  sub(path, sizeof path, p, "_small.md");
  put(p, "_small.md", "0123456789");
  CHECK_INT(cb_source__read_in(src, ctx, "_small.md", 4, &text, &len), CB_EIO);
  CHECK(strstr(cb_ctx_error(ctx), "10 bytes, larger than 4 bytes") != NULL);

  /* the files of a folder: links and folders left out, a linked folder
   * is no folder */
  CHECK_INT(cb_source__list_dir_in(src, ctx, "pics", &paths, &n), 0);
  CHECK_INT(n, 0);
  CHECK_INT(cb_source__list_dir_in(src, ctx, "d", &paths, &n), 0);
  CHECK_INT(n, 0);
  CHECK_INT(cb_source__list_dir_in(src, ctx, "out", &paths, &n), 0);
  CHECK_INT(n, 0);
  CHECK_INT(cb_source__list_dir_in(src, ctx, "", &paths, &n), 0);
  CHECK(listed(paths, n, "big.md") && !listed(paths, n, "out.md") &&
        !listed(paths, n, "a.md") && !listed(paths, n, "pics"));

  cb_source__free(src);
  cb_ctx_free(ctx);
}

int main(void) {
  char root[] = "/tmp/cb-test-source-XXXXXX";
  CHECK(mkdtemp(root) != NULL);
  test_tree(root, "openat2");
  cb_beneath__no_openat2();
  test_tree(root, "walk");
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", root);
  return test_report("source");
}
