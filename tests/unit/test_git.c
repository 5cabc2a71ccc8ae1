/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the git source, the stamps and the history walk: a
 * repository is made here with libgit2 (no `git` command needed), then
 * read at two revisions in one process, through the project-file API,
 * and walked for the elements' last changes and a log; every allocation
 * of the walk is made to fail in turn. And which files the index tracks,
 * as the build cache asks (cb_git__tracked).
 */
#define _XOPEN_SOURCE 700 /* mkdtemp */

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casebook/casebook.h"
#include "ctx.h"
#include "book.h"
#include "git.h"
#include "testlib.h"

static char root[256];
static git_repository *repo;
static git_oid commits[4];

static void write_file(const char *rel, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  mkdir(path, 0777);
  *slash = '/';
  FILE *fp = fopen(path, "wb");
  if (!fp)
    return;
  fputs(text, fp);
  fclose(fp);
}

/* Commits the whole working tree on 2026-01-DAY; returns 0 or -1. */
static int commit_all(int k, int day, const char *msg) {
  git_index *idx = NULL;
  git_oid tree_id, parent_id;
  git_tree *tree = NULL;
  git_commit *parent = NULL;
  git_signature *sig = NULL;
  int err = -1;
  if (git_repository_index(&idx, repo) < 0 ||
      git_index_add_all(idx, NULL, 0, NULL, NULL) < 0 ||
      git_index_write(idx) < 0 || git_index_write_tree(&tree_id, idx) < 0 ||
      git_tree_lookup(&tree, repo, &tree_id) < 0)
    goto done;
  int has_parent = git_reference_name_to_id(&parent_id, repo, "HEAD") == 0 &&
                   git_commit_lookup(&parent, repo, &parent_id) == 0;
  if (git_signature_new(&sig, "Ann Author", "ann@example.org",
                        1767229200 + (git_time_t)day * 86400, 60) < 0)
    goto done;
  const git_commit *parents[1] = {parent};
  err = git_commit_create(&commits[k], repo, "HEAD", sig, sig, NULL, msg, tree,
                          has_parent ? 1 : 0, parents);
done:
  git_signature_free(sig);
  git_commit_free(parent);
  git_tree_free(tree);
  git_index_free(idx);
  return err < 0 ? -1 : 0;
}

static const char chapter[] =
    "# Cases\n\n## Question harm: Harmful?\n\n"
    "| Option | Meaning |\n|---|---|\n| safe | Fine. |\n| unsafe | Not. |\n\n"
    "## Case c1: One\n\n~~~prompt\nhi\n~~~\n\n- harm: %s\n\nWhy.\n\n"
    "## Case c2: Two\n\n~~~prompt\nho\n~~~\n\n- harm: unsafe\n\nWhy.\n";

static void write_chapter(const char *gold) {
  char text[1024];
  snprintf(text, sizeof text, chapter, gold);
  write_file("guide/cases.md", text);
}

/* The repository: v1 (c1 safe, a rule file), then c1 unsafe, then the
 * rule goes, then a file outside the project. */
static int make_repo(void) {
  strcpy(root, "/tmp/casebook-test-git.XXXXXX");
  if (!mkdtemp(root) || git_repository_init(&repo, root, 0) < 0)
    return -1;
  write_file("guide/casebook.lua", "title = 'T'\nversion = '2.0.0'\n");
  write_chapter("safe");
  write_file("guide/rules/mine.lua", "-- the first rule\nreturn {}\n");
  if (commit_all(0, 1, "First") < 0)
    return -1;
  git_object *c = NULL;
  git_oid tag;
  if (git_object_lookup(&c, repo, &commits[0], GIT_OBJECT_COMMIT) < 0 ||
      git_tag_create_lightweight(&tag, repo, "v1", c, 0) < 0)
    return -1;
  git_object_free(c);
  write_chapter("unsafe");
  if (commit_all(1, 2, "Flip c1") < 0)
    return -1;
  char path[512];
  snprintf(path, sizeof path, "%s/guide/rules/mine.lua", root);
  unlink(path);
  if (commit_all(2, 3, "No rule") < 0)
    return -1;
  write_file("other.txt", "x\n");
  return commit_all(3, 4, "Elsewhere");
}

static const cb_case *find_case(const cb_book *b, const char *id) {
  return b ? cb_book_case(b, id) : NULL;
}

static void hex(char *out, const git_oid *id) {
  git_oid_tostr(out, GIT_OID_HEXSZ + 1, id);
}

/* Two revisions loaded in one process, each in its own context, and the
 * project's other files read from the revision. */
static void test_two_revisions(void) {
  char dir[300], want[GIT_OID_HEXSZ + 1];
  snprintf(dir, sizeof dir, "%s/guide", root);
  cb_options o1 = {0}, o2 = {0};
  o1.rev = "v1";
  cb_ctx *old_ctx = NULL, *new_ctx = NULL;
  const cb_book *old_book = NULL, *new_book = NULL;
  CHECK(cb_ctx_new(&old_ctx, &o1) == 0);
  CHECK(cb_ctx_new(&new_ctx, &o2) == 0);
  CHECK_INT(cb_book_load(&old_book, old_ctx, dir), 0);
  CHECK_INT(cb_book_load(&new_book, new_ctx, dir), 0);
  const cb_case *c_old = find_case(old_book, "c1");
  const cb_case *c_new = find_case(new_book, "c1");
  CHECK(c_old && c_old->n_answers == 1);
  CHECK(c_new && c_new->n_answers == 1);
  if (c_old && c_new && c_old->n_answers && c_new->n_answers) {
    CHECK_STR(c_old->answers[0].raw, "safe");
    CHECK_STR(c_new->answers[0].raw, "unsafe");
  }
  hex(want, &commits[0]);
  CHECK_STR(old_book ? old_book->stamp.commit : NULL, want);
  CHECK_STR(old_book ? old_book->stamp.describe : NULL, "v1");
  CHECK_STR(old_book ? old_book->stamp.version : NULL, "2.0.0");
  CHECK_STR(old_book ? old_book->stamp.date : NULL,
            "2026-01-02T02:00:00+01:00");
  hex(want, &commits[3]);
  CHECK_STR(new_book ? new_book->stamp.commit : NULL, want);
  /* the project's rules: in v1, not in the working tree */
  const char *data = NULL, **names = NULL;
  size_t len = 0, n = 0;
  if (old_book) {
    CHECK_INT(cb_book__project_file(old_ctx, old_book, "rules/mine.lua", 0,
                                    &data, &len),
              0);
    CHECK_STR(data, "-- the first rule\nreturn {}\n");
    CHECK_INT(cb_book__project_file(old_ctx, old_book, "rules/mine.lua", 4,
                                    &data, &len),
              CB_EIO);
    CHECK_INT(cb_book__project_dir(old_ctx, old_book, "rules", &names, &n), 0);
    CHECK_INT(n, 1);
    CHECK_STR(n ? names[0] : NULL, "mine.lua");
    CHECK_INT(cb_book__project_file(old_ctx, old_book, "../other.txt", 0,
                                    &data, &len),
              CB_ENOTFOUND);
    CHECK_INT(cb_book__project_file(old_ctx, old_book, "nothing.md", 0, &data,
                                    &len),
              CB_ENOTFOUND);
  }
  if (new_book) {
    CHECK_INT(cb_book__project_file(new_ctx, new_book, "rules/mine.lua", 0,
                                    &data, &len),
              CB_ENOTFOUND);
    CHECK_INT(cb_book__project_dir(new_ctx, new_book, "rules", &names, &n), 0);
    CHECK_INT(n, 0);
  }
  cb_ctx_free(old_ctx);
  cb_ctx_free(new_ctx);
}

/* The describe of commit 3 is "v1-3-g" + 7 hex digits: checked by prefix. */
static void test_describe_prefix(void) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/guide", root);
  cb_ctx *ctx = NULL;
  const cb_book *b = NULL;
  CHECK(cb_ctx_new(&ctx, NULL) == 0);
  CHECK_INT(cb_book_load(&b, ctx, dir), 0);
  const char *d = b ? b->stamp.describe : NULL;
  CHECK(d && strncmp(d, "v1-3-g", 6) == 0 && strlen(d) == 13);
  CHECK(b && b->stamp.dirty == 0);
  cb_ctx_free(ctx);
}

static void test_history(void) {
  char dir[300], c1[GIT_OID_HEXSZ + 1], c0[GIT_OID_HEXSZ + 1];
  snprintf(dir, sizeof dir, "%s/guide", root);
  hex(c1, &commits[1]);
  hex(c0, &commits[0]);
  cb_ctx *ctx = NULL;
  const cb_book *b = NULL;
  CHECK(cb_ctx_new(&ctx, NULL) == 0);
  CHECK_INT(cb_book_load(&b, ctx, dir), 0);
  CHECK_INT(cb_book_load_history(ctx, b), 0);
  const cb_case *k1 = find_case(b, "c1"), *k2 = find_case(b, "c2");
  CHECK_STR(k1 ? k1->history.last_commit : NULL, c1);
  CHECK_STR(k1 ? k1->history.last_date : NULL, "2026-01-03T02:00:00+01:00");
  CHECK(k1 && k1->history.last_label &&
        strncmp(k1->history.last_label, "v1-1-g", 6) == 0);
  CHECK_STR(k2 ? k2->history.last_commit : NULL, c0);
  CHECK_STR(k2 ? k2->history.last_label : NULL, "v1");
  const cb_question *q = b ? cb_book_question(b, "harm") : NULL;
  CHECK_STR(q ? q->history.last_commit : NULL, c0);
  CHECK_STR(q && q->n_options ? q->options[0].history.last_commit : NULL, c0);

  const cb_log_entry *e = NULL;
  size_t n = 0;
  CHECK_INT(cb_book_log(&e, &n, ctx, b, "c1"), 0);
  CHECK_INT(n, 2);
  if (n == 2) {
    CHECK_STR(e[0].commit, c1);
    CHECK_STR(e[0].change, "changed");
    CHECK_STR(e[0].subject, "Flip c1");
    CHECK_STR(e[0].author, "Ann Author");
    CHECK_INT(e[0].n_fields, 1);
    CHECK_STR(e[0].n_fields ? e[0].fields[0].name : NULL, "gold harm");
    CHECK_STR(e[0].n_fields ? e[0].fields[0].before : NULL, "safe");
    CHECK_STR(e[0].n_fields ? e[0].fields[0].after : NULL, "unsafe");
    CHECK_STR(e[1].change, "added");
  }
  CHECK_INT(cb_book_log(&e, &n, ctx, b, "harm/safe"), 0);
  CHECK_INT(n, 1);
  CHECK_INT(cb_book_log(&e, &n, ctx, b, "c9"), CB_ENOTFOUND);
  CHECK(strstr(cb_ctx_error(ctx), "did you mean 'c1'") != NULL);
  cb_ctx_free(ctx);
}

/* A book from memory has no project files and no history. */
static void test_memory_book(void) {
  cb_source_file f = {"a.md", "# A\n", 4};
  cb_ctx *ctx = NULL;
  const cb_book *b = NULL;
  const char *data = NULL;
  size_t len = 0;
  CHECK(cb_ctx_new(&ctx, NULL) == 0);
  CHECK_INT(cb_book_load_files(&b, ctx, &f, 1), 0);
  CHECK_INT(cb_book__project_file(ctx, b, "a.md", 0, &data, &len),
            CB_ENOTFOUND);
  CHECK_INT(cb_book_load_history(ctx, b), 0);
  const cb_log_entry *e = NULL;
  size_t n = 0;
  CHECK_INT(cb_book_log(&e, &n, ctx, b, "x"), CB_ENOTFOUND);
  cb_ctx_free(ctx);
}

/* Every allocation of a load at a revision and of the walk fails in
 * turn: an error code, never a crash (ASan checks the leaks). */
static void test_alloc_failures(void) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/guide", root);
  cb_options o = {0};
  o.rev = "HEAD~1";
  int done = 0, in_a_row = 0;
  /* a failure may be absorbed (a stamp field left out): the loop goes on
   * until many runs in a row had no allocation left to fail */
  test_sweep s = test_sweep_start(1, 1);
  for (; s.n < 20000 && in_a_row < 50; test_sweep_next(&s)) {
    long k = s.n;
    cb_ctx *ctx = NULL;
    const cb_book *b = NULL;
    const cb_log_entry *e = NULL;
    size_t n = 0;
    cb_alloc_fail_after(k);
    int err = cb_ctx_new(&ctx, &o);
    if (err == 0)
      err = cb_book_load(&b, ctx, dir);
    if (err == 0)
      err = cb_book_load_history(ctx, b);
    if (err == 0)
      err = cb_book_log(&e, &n, ctx, b, "c1");
    cb_alloc_fail_after(0);
    in_a_row = err == 0 ? in_a_row + 1 : 0;
    if (err == 0 && in_a_row == 50) {
      done = 1;
      CHECK_INT(n, 2);
    }
    cb_ctx_free(ctx);
  }
  CHECK(done);
  CHECK(s.n > 100); /* the walk allocates: failures were injected */
}

static void remove_tree(const char *path) {
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", path);
}

/* A file of the index is tracked, from the top or a subdirectory and
 * through a path with "..", an untracked file beside it is not, and
 * outside any repository nothing is. */
static void test_tracked(void) {
  char dir[600], out[600];
  snprintf(dir, sizeof dir, "%s/guide/_build", root);
  mkdir(dir, 0777);
  write_file("guide/_build/.cache/chapters.bin", "committed\n");
  git_index *idx = NULL;
  CHECK(git_repository_index(&idx, repo) == 0 &&
        git_index_add_bypath(idx, "guide/_build/.cache/chapters.bin") == 0 &&
        git_index_write(idx) == 0);
  git_index_free(idx);
  write_file("guide/_build/.cache/build.bin", "not committed\n");
  snprintf(dir, sizeof dir, "%s/guide/_build/.cache", root);
  CHECK_INT(cb_git__tracked(dir, "chapters.bin"), 1);
  CHECK_INT(cb_git__tracked(dir, "build.bin"), 0);
  snprintf(dir, sizeof dir, "%s/guide/_build/../_build/.cache", root);
  CHECK_INT(cb_git__tracked(dir, "chapters.bin"), 1);
  snprintf(dir, sizeof dir, "%s/guide", root);
  CHECK_INT(cb_git__tracked(dir, "cases.md"), 1);
  CHECK_INT(cb_git__tracked(root, "other.txt"), 1);
  CHECK_INT(cb_git__tracked(root, "missing.txt"), 0);
  strcpy(out, "/tmp/casebook-test-nogit.XXXXXX");
  if (mkdtemp(out)) {
    CHECK_INT(cb_git__tracked(out, "chapters.bin"), 0);
    rmdir(out);
  }
}

int main(void) {
  git_libgit2_init();
  int ok = make_repo() == 0;
  CHECK(ok);
  if (ok) {
    test_two_revisions();
    test_describe_prefix();
    test_history();
    test_memory_book();
    test_alloc_failures();
    test_tracked();
  }
  git_repository_free(repo);
  git_libgit2_shutdown();
  if (root[0])
    remove_tree(root);
  return test_report("git");
}
