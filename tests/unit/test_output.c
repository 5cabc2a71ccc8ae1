/* SPDX-License-Identifier: MIT */
/* Unit tests of output.c: atomic writes, mkdir -p, and that a failed write
 * leaves neither a temporary file nor a half-written target; the output
 * directory of a build: nothing written, created or removed through a
 * symbolic link below it (with openat2 and with the walk of kernels
 * without it), the lock, the removal of stale temporary files. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/file.h>

#include "beneath.h"
#include "ctx.h"
#include "output.h"
#include "projtest.h"
#include "testlib.h"

/* The whole file at path in a static buffer (NUL-terminated), or NULL. */
static const char *slurp(const char *path, size_t *len) {
  static char buf[1 << 19];
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  fclose(fp);
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static void rm_rf(const char *path) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", path);
}

static int keep_keep(const char *name, void *data) {
  (void)data;
  return strcmp(name, "keep.html") == 0;
}

static int is_link(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* The attacks on an output directory under root/NAME, with a victim
 * directory beside it: every one fails with the link named, and the
 * victim keeps its bytes. */
static void test_rooted(const char *root, const char *name) {
  cb_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  char out[400], victim[400], path[700], link[600];
  snprintf(out, sizeof out, "%s/%s", root, name);
  snprintf(victim, sizeof victim, "%s/%s-victim", root, name);
  CHECK_INT(cb_output__mkdirs(&ctx, victim), 0);
  snprintf(path, sizeof path, "%s/secret.md", victim);
  CHECK_INT(cb_output__file(&ctx, path, "victim", 6, 0), 0);

  /* the output directory itself as a link: refused, nothing created */
  snprintf(link, sizeof link, "%s-link", out);
  CHECK(symlink(victim, link) == 0);
  ctx.error[0] = '\0';
  CHECK_INT(cb_output__begin(&ctx, link), CB_EIO);
  CHECK(strstr(ctx.error, "is a symbolic link") != NULL);
  snprintf(path, sizeof path, "%s/" CB_OUTPUT_LOCK_NAME, victim);
  CHECK(!exists(path));
  /* also with a trailing '/', which would make open() follow it */
  snprintf(path, sizeof path, "%s/", link);
  CHECK_INT(cb_output__begin(&ctx, path), CB_EIO);

  CHECK_INT(cb_output__begin(&ctx, out), 0);
  CHECK_INT(cb_output__begin(&ctx, out), 0); /* again: nothing done */
  dev_t dev;
  ino_t ino;
  struct stat st;
  CHECK_INT(cb_output__root_id(&ctx, &dev, &ino), 0);
  CHECK(stat(out, &st) == 0 && st.st_dev == dev && st.st_ino == ino);

  /* below it, files and directories as usual */
  snprintf(path, sizeof path, "%s/html/assets/a", out);
  CHECK_INT(cb_output__mkdirs(&ctx, path), 0);
  snprintf(path, sizeof path, "%s/html/assets/a/b.txt", out);
  CHECK_INT(cb_output__file(&ctx, path, "b", 1, CB_OUTPUT_KEEP_SAME), 0);
  CHECK_STR(slurp(path, NULL), "b");

  /* html/assets/x -> victim: neither mkdir nor a file through it */
  snprintf(link, sizeof link, "%s/html/assets/x", out);
  CHECK(symlink(victim, link) == 0);
  snprintf(path, sizeof path, "%s/html/assets/x/sub", out);
  ctx.error[0] = '\0';
  CHECK_INT(cb_output__mkdirs(&ctx, path), CB_EIO);
  CHECK(strstr(ctx.error, link) != NULL &&
        strstr(ctx.error, "is a symbolic link") != NULL);
  snprintf(path, sizeof path, "%s/html/assets/x/secret.md", out);
  ctx.error[0] = '\0';
  CHECK_INT(cb_output__file(&ctx, path, "evil", 4, 0), CB_EIO);
  CHECK(strstr(ctx.error, link) != NULL);
  CHECK_INT(cb_output__file(&ctx, path, "evil", 4, CB_OUTPUT_KEEP_SAME),
            CB_EIO);
  CHECK_INT(cb_output__remove(&ctx, path), CB_EIO);
  CHECK_INT(cb_output__read_fd(&ctx, path), CB_EIO);
  /* the prune of a directory reached through it */
  snprintf(path, sizeof path, "%s/html/assets/x", out);
  CHECK_INT(cb_output__prune(&ctx, path, ".md", keep_keep, NULL), CB_EIO);
  snprintf(path, sizeof path, "%s/secret.md", victim);
  CHECK_STR(slurp(path, NULL), "victim");
  CHECK_INT(proj_hidden_files(victim), 0);

  /* a link in place of a file: not replaced, not written through */
  snprintf(link, sizeof link, "%s/rubric.json", out);
  CHECK(symlink(path, link) == 0);
  ctx.error[0] = '\0';
  CHECK_INT(cb_output__file(&ctx, link, "evil", 4, 0), CB_EIO);
  CHECK(strstr(ctx.error, "it is a symbolic link") != NULL);
  CHECK(is_link(link));
  CHECK_STR(slurp(path, NULL), "victim");
  CHECK_INT(cb_output__remove(&ctx, link), 0); /* a link is not removed */
  CHECK(is_link(link));

  /* the prune removes regular files only: not a link named like a page,
   * not a directory */
  snprintf(path, sizeof path, "%s/p", out);
  CHECK_INT(cb_output__mkdirs(&ctx, path), 0);
  snprintf(path, sizeof path, "%s/p/stale.md", out);
  CHECK_INT(cb_output__file(&ctx, path, "x", 1, 0), 0);
  snprintf(link, sizeof link, "%s/p/linked.md", out);
  snprintf(path, sizeof path, "%s/secret.md", victim);
  CHECK(symlink(path, link) == 0);
  snprintf(path, sizeof path, "%s/p/dir.md", out);
  CHECK_INT(cb_output__mkdirs(&ctx, path), 0);
  snprintf(path, sizeof path, "%s/p", out);
  CHECK_INT(cb_output__prune(&ctx, path, ".md", keep_keep, NULL), 0);
  snprintf(path, sizeof path, "%s/p/stale.md", out);
  CHECK(!exists(path));
  CHECK(is_link(link));
  snprintf(path, sizeof path, "%s/p/dir.md", out);
  CHECK(exists(path));
  snprintf(path, sizeof path, "%s/secret.md", victim);
  CHECK_STR(slurp(path, NULL), "victim");

  /* read and remove of the cache's own files */
  snprintf(path, sizeof path, "%s/html/assets/a/b.txt", out);
  int fd = cb_output__read_fd(&ctx, path);
  CHECK(fd >= 0);
  if (fd >= 0)
    close(fd);
  CHECK_INT(cb_output__remove(&ctx, path), 0);
  CHECK(!exists(path));
  CHECK_INT(cb_output__read_fd(&ctx, path), CB_ENOTFOUND);

  /* the same directory by another name, for the same context: no second
   * lock (which would wait for the first forever), writes under it too */
  snprintf(path, sizeof path, "%s/./", out);
  CHECK_INT(cb_output__begin(&ctx, path), 0);
  snprintf(path, sizeof path, "%s/./html/alias.txt", out);
  CHECK_INT(cb_output__file(&ctx, path, "a", 1, 0), 0);
  snprintf(path, sizeof path, "%s/html/alias.txt", out);
  CHECK_STR(slurp(path, NULL), "a");

  /* another context of this process: an error, not a wait forever */
  cb_ctx other_ctx;
  memset(&other_ctx, 0, sizeof other_ctx);
  CHECK_INT(cb_output__begin(&other_ctx, out), CB_EIO);
  CHECK(strstr(other_ctx.error, "another build of this process") != NULL);

  /* the lock is held: another open file description cannot take it */
  snprintf(path, sizeof path, "%s/" CB_OUTPUT_LOCK_NAME, out);
  int other = open(path, O_RDONLY);
  CHECK(other >= 0);
  CHECK(flock(other, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK);
  cb_output__end(&ctx);
  CHECK_INT(cb_output__root_id(&ctx, &dev, &ino), CB_ENOTFOUND);
  /* released with the context */
  CHECK(flock(other, LOCK_EX | LOCK_NB) == 0);
  close(other);

  /* stale temporary files: the next begin removes regular files of our
   * name, at any depth, and nothing else */
  const char *stale[] = {"/.index.html.tmp-4242-1", "/html/.a.tmp-1-2",
                         "/html/assets/a/.b.txt.tmp-99-100"};
  const char *kept[] = {"/.tmp-1-2", "/html/.a.tmp-1-", "/html/.a.tmp-x-1",
                        "/html/a.tmp-1-2", "/html/.notes.tmp"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s%s", out, stale[i]);
    CHECK(close(open(path, O_WRONLY | O_CREAT, 0644)) == 0);
  }
  for (size_t i = 0; i < 5; i++) {
    snprintf(path, sizeof path, "%s%s", out, kept[i]);
    CHECK(close(open(path, O_WRONLY | O_CREAT, 0644)) == 0);
  }
  snprintf(link, sizeof link, "%s/html/.secret.md.tmp-5-5", out);
  snprintf(path, sizeof path, "%s/secret.md", victim);
  CHECK(symlink(path, link) == 0);
  CHECK_INT(cb_output__begin(&ctx, out), 0);
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s%s", out, stale[i]);
    CHECK(!exists(path));
  }
  for (size_t i = 0; i < 5; i++) {
    snprintf(path, sizeof path, "%s%s", out, kept[i]);
    CHECK(exists(path));
  }
  CHECK(is_link(link));
  snprintf(path, sizeof path, "%s/secret.md", victim);
  CHECK_STR(slurp(path, NULL), "victim");
  cb_output__end(&ctx);
}

int main(void) {
  cb_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  char root[] = "/tmp/cb-test-output-XXXXXX";
  CHECK(mkdtemp(root) != NULL);
  char path[512], path2[512];

  /* mkdir -p, twice (existing directories are fine), trailing slash */
  snprintf(path, sizeof path, "%s/a/b/c/", root);
  CHECK_INT(cb_output__mkdirs(&ctx, path), 0);
  CHECK_INT(cb_output__mkdirs(&ctx, path), 0);
  snprintf(path, sizeof path, "%s/a/b/c", root);
  CHECK(exists(path));

  /* a whole file, then replaced */
  snprintf(path, sizeof path, "%s/a/out.txt", root);
  CHECK_INT(cb_output__file(&ctx, path, "hello\n", 6, CB_OUTPUT_SYNC), 0);
  CHECK_STR(slurp(path, NULL), "hello\n");
  CHECK_INT(cb_output__file(&ctx, path, "bye", 3, 0), 0);
  CHECK_STR(slurp(path, NULL), "bye");
  CHECK_INT(proj_hidden_files(path), -1);
  snprintf(path2, sizeof path2, "%s/a", root);
  CHECK_INT(proj_hidden_files(path2), 0);

  /* the umask's permissions, not mkstemp's 0600 */
  mode_t old = umask(022);
  CHECK_INT(cb_output__file(&ctx, path, "x", 1, 0), 0);
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
  umask(old);

  /* streaming, with a write larger than the buffer and an empty one */
  cb_output *f = NULL;
  CHECK_INT(cb_output__open(&f, &ctx, path, 0), 0);
  static char big[200000];
  memset(big, 'z', sizeof big);
  CHECK_INT(cb_output__write(f, "ab", 2), 0);
  CHECK_INT(cb_output__write(f, big, sizeof big), 0);
  CHECK_INT(cb_output__write(f, "", 0), 0);
  CHECK_INT(cb_output__write(f, "cd", 2), 0);
  /* until the commit, the old file is what readers see */
  CHECK_STR(slurp(path, NULL), "x");
  CHECK_INT(proj_hidden_files(path2), 1);
  CHECK_INT(cb_output__commit(f), 0);
  size_t len = 0;
  const char *got = slurp(path, &len);
  CHECK_INT(len, sizeof big + 4);
  CHECK(got && memcmp(got, "ab", 2) == 0 && got[2] == 'z' &&
        memcmp(got + len - 2, "cd", 2) == 0);
  CHECK_INT(proj_hidden_files(path2), 0);

  /* discard: the temporary file goes, the old file stays */
  CHECK_INT(cb_output__open(&f, &ctx, path, 0), 0);
  CHECK_INT(cb_output__write(f, "new", 3), 0);
  cb_output__discard(f);
  cb_output__discard(NULL);
  CHECK_INT(proj_hidden_files(path2), 0);
  CHECK_INT(len, sizeof big + 4);

  /* no_output (`check` runs the exporters so): everything succeeds and
   * nothing is created, written or removed, not even in a directory that
   * does not exist */
  {
    cb_ctx dry;
    memset(&dry, 0, sizeof dry);
    dry.no_output = 1;
    snprintf(path, sizeof path, "%s/dry/x/y", root);
    CHECK_INT(cb_output__mkdirs(&dry, path), 0);
    snprintf(path2, sizeof path2, "%s/dry", root);
    CHECK(!exists(path2));
    snprintf(path, sizeof path, "%s/dry/out.txt", root);
    CHECK_INT(cb_output__file(&dry, path, "x", 1, CB_OUTPUT_SYNC), 0);
    CHECK_INT(cb_output__open(&f, &dry, path, CB_OUTPUT_KEEP_SAME), 0);
    CHECK_INT(cb_output__write(f, big, sizeof big), 0);
    CHECK_INT(cb_output__commit(f), 0);
    CHECK_INT(cb_output__open(&f, &dry, path, 0), 0);
    cb_output__discard(f);
    CHECK(!exists(path2));
    /* an existing file stays as it is: not replaced, pruned or removed */
    snprintf(path, sizeof path, "%s/a/out.txt", root);
    CHECK_INT(cb_output__file(&dry, path, "dry", 3, 0), 0);
    CHECK_INT(cb_output__remove(&dry, path), 0);
    snprintf(path2, sizeof path2, "%s/a", root);
    CHECK_INT(cb_output__prune(&dry, path2, ".txt", keep_keep, NULL), 0);
    got = slurp(path, &len);
    CHECK(got && len == sizeof big + 4 && memcmp(got, "ab", 2) == 0);
    CHECK_INT(proj_hidden_files(path2), 0);
  }

  /* a directory that does not exist: CB_EIO with a message */
  snprintf(path, sizeof path, "%s/missing/out.txt", root);
  ctx.error[0] = '\0';
  CHECK_INT(cb_output__file(&ctx, path, "x", 1, 0), CB_EIO);
  CHECK(strstr(ctx.error, "missing") != NULL);
  CHECK(!exists(path));

  /* a file in the way of mkdir -p */
  snprintf(path, sizeof path, "%s/a/out.txt/sub", root);
  ctx.error[0] = '\0';
  CHECK_INT(cb_output__mkdirs(&ctx, path), CB_EIO);
  CHECK(ctx.error[0] != '\0');

  /* the disk fills up mid-write (a file size limit makes write() fail):
   * the target keeps its old content and no temporary file remains */
  snprintf(path, sizeof path, "%s/a/full.txt", root);
  CHECK_INT(cb_output__file(&ctx, path, "old", 3, 0), 0);
  struct rlimit saved, lim;
  getrlimit(RLIMIT_FSIZE, &saved);
  lim = saved;
  lim.rlim_cur = 100000;
  signal(SIGXFSZ, SIG_IGN);
  CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
  ctx.error[0] = '\0';
  CHECK_INT(cb_output__file(&ctx, path, big, sizeof big, CB_OUTPUT_SYNC),
            CB_EIO);
  setrlimit(RLIMIT_FSIZE, &saved);
  CHECK(strstr(ctx.error, "full.txt") != NULL);
  CHECK_STR(slurp(path, NULL), "old");
  CHECK_INT(proj_hidden_files(path2), 0);

  /* out of memory at each allocation: clean failure, nothing left */
  for (long n = 1; n <= 3; n++) {
    cb_alloc_fail_after(n);
    int err = cb_output__file(&ctx, path, "new", 3, 0);
    cb_alloc_fail_after(0);
    CHECK(err == 0 || err == CB_ENOMEM);
    CHECK_INT(proj_hidden_files(path2), 0);
  }

  /* KEEP_SAME: an identical file is left alone (same inode), a different
   * one is replaced */
  snprintf(path, sizeof path, "%s/a/same.txt", root);
  CHECK_INT(cb_output__file(&ctx, path, "same", 4, 0), 0);
  struct stat st1, st2;
  CHECK(stat(path, &st1) == 0);
  CHECK_INT(cb_output__file(&ctx, path, "same", 4, CB_OUTPUT_KEEP_SAME), 0);
  CHECK(stat(path, &st2) == 0 && st1.st_ino == st2.st_ino);
  CHECK_INT(cb_output__file(&ctx, path, "diff", 4, CB_OUTPUT_KEEP_SAME), 0);
  CHECK_STR(slurp(path, NULL), "diff");
  CHECK_INT(cb_output__file(&ctx, path, "longer", 6, CB_OUTPUT_KEEP_SAME), 0);
  CHECK_STR(slurp(path, NULL), "longer");

  /* KEEP_SAME streaming: equal over several buffers, then a difference
   * late (the matched prefix is copied), an old file longer or shorter */
  snprintf(path, sizeof path, "%s/a/stream.txt", root);
  CHECK_INT(cb_output__file(&ctx, path, big, sizeof big, 0), 0);
  CHECK(stat(path, &st1) == 0);
  for (int round = 0; round < 4; round++) {
    CHECK_INT(cb_output__open(&f, &ctx, path, CB_OUTPUT_KEEP_SAME), 0);
    for (size_t off = 0; off < sizeof big; off += 7000) {
      size_t n = sizeof big - off < 7000 ? sizeof big - off : 7000;
      CHECK_INT(cb_output__write(f, big + off, n), 0);
    }
    if (round == 1)
      CHECK_INT(cb_output__write(f, "tail", 4), 0);
    CHECK_INT(proj_hidden_files(path2), 0); /* nothing created while equal */
    CHECK_INT(cb_output__commit(f), 0);
    got = slurp(path, &len);
    CHECK_INT(len, sizeof big + (round == 1 ? 4 : 0));
    CHECK(stat(path, &st2) == 0);
    CHECK((st1.st_ino == st2.st_ino) == (round == 0 || round == 3));
    st1 = st2;
  }
  big[150000] = 'y';
  CHECK_INT(cb_output__file(&ctx, path, big, sizeof big, CB_OUTPUT_KEEP_SAME),
            0);
  got = slurp(path, &len);
  CHECK(len == sizeof big && memcmp(got, big, len) == 0);
  CHECK_INT(cb_output__file(&ctx, path, big, 1000, CB_OUTPUT_KEEP_SAME), 0);
  got = slurp(path, &len);
  CHECK(len == 1000 && memcmp(got, big, len) == 0);
  big[150000] = 'z';
  CHECK_INT(proj_hidden_files(path2), 0);

  /* prune: files with the suffix that keep() refuses go */
  snprintf(path, sizeof path, "%s/p", root);
  CHECK_INT(cb_output__mkdirs(&ctx, path), 0);
  const char *names[] = {"keep.html", "stale.html", "other.css", ".x.html"};
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/p/%s", root, names[i]);
    CHECK_INT(cb_output__file(&ctx, path, "x", 1, 0), 0);
  }
  snprintf(path, sizeof path, "%s/p/sub.html", root);
  CHECK_INT(cb_output__mkdirs(&ctx, path), 0);
  snprintf(path, sizeof path, "%s/p", root);
  CHECK_INT(cb_output__prune(&ctx, path, ".html", keep_keep, NULL), 0);
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/p/%s", root, names[i]);
    CHECK_INT(exists(path), i != 1);
  }
  snprintf(path, sizeof path, "%s/p/sub.html", root);
  CHECK(exists(path));
  snprintf(path, sizeof path, "%s/nosuch", root);
  CHECK_INT(cb_output__prune(&ctx, path, ".html", keep_keep, NULL), CB_EIO);

  /* our temporary files' names */
  CHECK(cb_output__is_tmp_name(".a.tmp-1-2"));
  CHECK(cb_output__is_tmp_name(".x.tmp-1.tmp-33-4"));
  CHECK(!cb_output__is_tmp_name(".tmp-1-2"));
  CHECK(!cb_output__is_tmp_name("a.tmp-1-2"));
  CHECK(!cb_output__is_tmp_name(".a.tmp-1-2x"));
  CHECK(!cb_output__is_tmp_name(".a.tmp--2"));

  /* the output directory of a build, with openat2, then with the walk
   * of a kernel without it */
  test_rooted(root, "out-openat2");
  cb_beneath__no_openat2();
  test_rooted(root, "out-walk");

  rm_rf(root);
  return test_report("output");
}
