/* SPDX-License-Identifier: MIT */
/*
 * git.c: finding the project's repository, resolving revisions,
 * stamping builds and finding the previous tag, through libgit2. Nothing here writes into the
 * repository: no index refresh, no reflog, no lock file.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "git.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct cb_git {
  git_repository *repo;
  char *prefix; /* cb_malloc'd, "" at the top */
  int bare;
  pthread_mutex_t lock;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_shutdown(void) { git_libgit2_shutdown(); }

static void global_init(void) {
  if (git_libgit2_init() > 0)
    atexit(global_shutdown);
}

void cb_git__init(void) { pthread_once(&global_once, global_init); }

const char *cb_git__error(void) {
  const git_error *e = git_error_last();
  return e && e->message && *e->message ? e->message : "unknown error";
}

const char *cb_git__prefix(const cb_git *g) { return g->prefix; }
git_repository *cb_git__repo(cb_git *g) { return g->repo; }
int cb_git__is_bare(const cb_git *g) { return g->bare; }
void cb_git__lock(cb_git *g) { pthread_mutex_lock(&g->lock); }
void cb_git__unlock(cb_git *g) { pthread_mutex_unlock(&g->lock); }

void cb_git__free(cb_git *g) {
  if (!g)
    return;
  git_repository_free(g->repo);
  pthread_mutex_destroy(&g->lock);
  cb_free(g->prefix);
  cb_free(g);
}

/* The canonical absolute path of an existing path, cb_malloc'd; NULL if
 * it cannot be resolved or memory runs out. */
static char *real_path(const char *path) {
  char *r = realpath(path, NULL);
  char *copy = r ? cb_strdup(r) : NULL;
  free(r); /* realpath's own malloc */
  return copy;
}

int cb_git__tracked(const char *dir, const char *name) {
  git_repository *repo = NULL;
  git_index *index = NULL;
  char *real = NULL;
  int tracked = 0;
  cb_git__init();
  if (git_repository_open_ext(&repo, dir, 0, NULL) < 0 ||
      git_repository_is_bare(repo) || !git_repository_workdir(repo) ||
      !(real = real_path(dir)) || git_repository_index(&index, repo) < 0)
    goto done;
  /* the working tree's path as libgit2 keeps it ends with '/'; both are
   * real paths, so the one is a prefix of the other */
  char *top = real_path(git_repository_workdir(repo));
  size_t n = top ? strlen(top) : 0;
  if (top && strncmp(real, top, n) == 0 && (real[n] == '/' || !real[n])) {
    const char *rel = real[n] == '/' ? real + n + 1 : "";
    char *path = cb_malloc(strlen(rel) + strlen(name) + 2);
    if (path) {
      snprintf(path, strlen(rel) + strlen(name) + 2, "%s%s%s", rel,
               *rel ? "/" : "", name);
      tracked = git_index_get_bypath(index, path, 0) != NULL;
      cb_free(path);
    }
  }
  cb_free(top);
done:
  cb_free(real);
  git_index_free(index);
  git_repository_free(repo);
  git_error_clear();
  return tracked;
}

/* Splits dir, made absolute, into its nearest existing ancestor (real
 * path, in *existing) and the components below it that do not exist
 * ("a/b", in *rest), "." and ".." read lexically. Returns 0, CB_ENOMEM,
 * or CB_ENOTFOUND when nothing of it exists. */
static int split_existing(const char *dir, char **existing, cb_buf *rest) {
  cb_buf abs = {0};
  char **parts = NULL;
  size_t n = 0, cap = 0;
  int err = 0;
  *existing = NULL;
  if (dir[0] != '/') {
    char *cwd = getcwd(NULL, 0);
    if (!cwd)
      return CB_ENOTFOUND;
    cb_buf_puts(&abs, cwd);
    free(cwd); /* getcwd's own malloc */
    cb_buf_putc(&abs, '/');
  }
  cb_buf_puts(&abs, dir);
  if (abs.failed) {
    err = CB_ENOMEM;
    goto done;
  }
  /* the components, with "." dropped and ".." popping one */
  char *save = NULL;
  for (char *p = strtok_r(abs.data, "/", &save); p;
       p = strtok_r(NULL, "/", &save)) {
    if (strcmp(p, ".") == 0)
      continue;
    if (strcmp(p, "..") == 0) {
      if (n)
        n--;
      continue;
    }
    if (CB_VEC_PUSH(parts, n, cap, p) < 0) {
      err = CB_ENOMEM;
      goto done;
    }
  }
  /* the longest prefix that exists */
  for (size_t k = n + 1; k-- > 0;) {
    cb_buf path = {0};
    cb_buf_putc(&path, '/');
    for (size_t i = 0; i < k; i++) {
      if (i)
        cb_buf_putc(&path, '/');
      cb_buf_puts(&path, parts[i]);
    }
    struct stat st;
    if (path.failed) {
      cb_buf_free(&path);
      err = CB_ENOMEM;
      goto done;
    }
    if (stat(cb_buf_cstr(&path), &st) == 0 && S_ISDIR(st.st_mode)) {
      *existing = real_path(path.data);
      cb_buf_free(&path);
      if (!*existing) {
        err = CB_ENOTFOUND;
        goto done;
      }
      for (size_t i = k; i < n; i++) {
        if (i > k)
          cb_buf_putc(rest, '/');
        cb_buf_puts(rest, parts[i]);
      }
      if (rest->failed)
        err = CB_ENOMEM;
      goto done;
    }
    cb_buf_free(&path);
  }
  err = CB_ENOTFOUND;
done:
  cb_free(parts);
  cb_buf_free(&abs);
  return err;
}

int cb_git__init_repo(cb_ctx *ctx, const char *dir) {
  cb_git__init();
  git_repository *repo = NULL;
  int e = git_repository_open_ext(&repo, dir, 0, NULL);
  if (e == 0) {
    git_repository_free(repo);
    return 0; /* inside a repository already */
  }
  if (e != GIT_ENOTFOUND)
    return cb_ctx__fail(ctx, CB_EIO, "cannot look for a git repository "
                        "around '%s': %s", dir, cb_git__error());
  if (git_repository_init(&repo, dir, 0) < 0)
    return cb_ctx__fail(ctx, CB_EIO, "cannot create a git repository in "
                        "'%s': %s", dir, cb_git__error());
  git_repository_free(repo);
  return 1;
}

int cb_git__open(cb_git **out, cb_ctx *ctx, const char *dir, int need_dir) {
  char *existing = NULL, *top = NULL;
  cb_buf rest = {0}, prefix = {0};
  git_repository *repo = NULL;
  cb_git *g = NULL;
  int err = 0;
  *out = NULL;
  cb_git__init();
  err = split_existing(dir, &existing, &rest);
  if (err == CB_ENOMEM) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  if (err < 0 || (need_dir && rest.len)) {
    err = 0; /* no such directory: not in a repository we can name */
    goto done;
  }
  int e = git_repository_open_ext(&repo, existing, 0, NULL);
  if (e == GIT_ENOTFOUND) {
    goto done; /* outside git: no version information, no error */
  }
  if (e < 0) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot open the git repository of '%s': %s",
                       dir, cb_git__error());
    goto done;
  }
  int bare = git_repository_is_bare(repo);
  const char *base = bare ? git_repository_path(repo)
                          : git_repository_workdir(repo);
  if (!base || !(top = real_path(base))) {
    goto done; /* a repository without a usable top: treated as none */
  }
  size_t tn = strlen(top);
  if (strcmp(existing, top) == 0) {
    /* the top itself */
  } else if (strncmp(existing, top, tn) == 0 &&
             (existing[tn] == '/' || tn == 1)) {
    cb_buf_puts(&prefix, existing + tn + (tn > 1));
  } else {
    goto done; /* inside the git directory of a working tree: not a project */
  }
  if (rest.len) {
    if (prefix.len)
      cb_buf_putc(&prefix, '/');
    cb_buf_append(&prefix, rest.data, rest.len);
  }
  if (!bare && (strcmp(prefix.len ? cb_buf_cstr(&prefix) : "", ".git") == 0 ||
                strncmp(prefix.len ? cb_buf_cstr(&prefix) : "", ".git/", 5) == 0))
    goto done;
  g = cb_calloc(1, sizeof *g);
  if (!g || prefix.failed || !(g->prefix = cb_strdup(cb_buf_cstr(&prefix)))) {
    cb_free(g);
    g = NULL;
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  pthread_mutex_init(&g->lock, NULL);
  g->repo = repo;
  g->bare = bare;
  repo = NULL;
  *out = g;
done:
  git_repository_free(repo);
  cb_free(existing);
  cb_free(top);
  cb_buf_free(&rest);
  cb_buf_free(&prefix);
  return err;
}

/* The closest branch or tag name to rev, in ctx's arena, or NULL. */
static const char *suggest_ref(cb_git *g, cb_ctx *ctx, const char *rev) {
  git_strarray refs = {0};
  const char *best = NULL;
  if (git_reference_list(&refs, g->repo) < 0)
    return NULL;
  const char **names = cb_calloc(refs.count + 2, sizeof *names);
  size_t n = 0;
  if (names) {
    static const char *const strip[] = {"refs/heads/", "refs/tags/",
                                        "refs/remotes/"};
    for (size_t i = 0; i < refs.count; i++)
      for (size_t k = 0; k < 3; k++)
        if (strncmp(refs.strings[i], strip[k], strlen(strip[k])) == 0 &&
            strcmp(refs.strings[i] + strlen(strip[k]), rev) != 0)
          names[n++] = refs.strings[i] + strlen(strip[k]);
    if (strcmp(rev, "HEAD") != 0)
      names[n++] = "HEAD";
    best = cb_suggest(rev, names, n);
    if (best)
      best = cb_arena_strdup(ctx->arena, best);
  }
  cb_free(names);
  git_strarray_dispose(&refs);
  return best;
}

/* The project directory's tree below root, which it takes over (frees
 * or returns): 0, CB_ENOTFOUND (no such directory), CB_EIO. */
static int project_subtree(cb_git *g, git_tree *root, git_tree **out) {
  git_tree_entry *entry = NULL;
  int err = 0;
  *out = NULL;
  if (!*g->prefix) {
    *out = root;
    return 0;
  }
  int e = git_tree_entry_bypath(&entry, root, g->prefix);
  if (e == GIT_ENOTFOUND ||
      (e == 0 && git_tree_entry_type(entry) != GIT_OBJECT_TREE))
    err = CB_ENOTFOUND;
  else if (e < 0 || git_tree_lookup(out, g->repo, git_tree_entry_id(entry)) < 0)
    err = CB_EIO;
  git_tree_entry_free(entry);
  git_tree_free(root);
  return err;
}

int cb_git__project_tree(cb_git *g, const git_commit *commit, git_tree **out) {
  git_tree *root = NULL;
  *out = NULL;
  if (git_commit_tree(&root, commit) < 0)
    return CB_EIO;
  return project_subtree(g, root, out);
}

int cb_git__resolve(cb_git *g, cb_ctx *ctx, const char *rev,
                    git_commit **commit, git_tree **tree) {
  git_object *obj = NULL, *peeled = NULL;
  int err = 0;
  const char *spec = rev ? rev : "HEAD";
  *commit = NULL;
  *tree = NULL;
  int e = git_revparse_single(&obj, g->repo, spec);
  if (e == GIT_ENOTFOUND || e == GIT_EINVALIDSPEC || e == GIT_EAMBIGUOUS ||
      e == GIT_EUNBORNBRANCH) {
    /* a name is compared with the branch and tag names; a spec built on
     * one (HEAD~5, v1^{tree}) is not */
    const char *best =
        rev && !strpbrk(rev, "~^:@{") ? suggest_ref(g, ctx, rev) : NULL;
    if (!rev || git_repository_head_unborn(g->repo) == 1)
      err = cb_ctx__fail(ctx, CB_ENOTFOUND,
                         "unknown revision '%s': the repository has no "
                         "commit yet",
                         spec);
    else if (best)
      err = cb_ctx__fail(ctx, CB_ENOTFOUND,
                         "unknown revision '%s'; did you mean '%s'?", rev, best);
    else
      err = cb_ctx__fail(ctx, CB_ENOTFOUND, "unknown revision '%s'%s", rev,
                         e == GIT_EAMBIGUOUS ? " (ambiguous)" : "");
    goto done;
  }
  if (e < 0) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read revision '%s': %s", spec,
                       cb_git__error());
    goto done;
  }
  if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0) {
    *commit = (git_commit *)peeled;
    peeled = NULL;
    e = cb_git__project_tree(g, *commit, tree);
  } else if (git_object_peel(&peeled, obj, GIT_OBJECT_TREE) == 0) {
    /* a tree spec (v1.0^{tree}): read it, with no commit to stamp */
    git_tree *root = (git_tree *)peeled;
    peeled = NULL;
    e = project_subtree(g, root, tree);
  } else {
    err = cb_ctx__fail(ctx, CB_ENOTFOUND,
                       "revision '%s' names neither a commit nor a tree", spec);
    goto done;
  }
  if (e == CB_ENOTFOUND)
    err = cb_ctx__fail(ctx, CB_ENOTFOUND,
                       "revision '%s' has no directory '%s'", spec, g->prefix);
  else if (e < 0)
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read the tree of revision '%s': %s",
                       spec, cb_git__error());
done:
  if (err < 0) {
    git_commit_free(*commit);
    git_tree_free(*tree);
    *commit = NULL;
    *tree = NULL;
  }
  git_object_free(peeled);
  git_object_free(obj);
  return err;
}

void cb_git__iso_date(char *buf, size_t size, git_time_t t, int offset_min) {
  time_t local = (time_t)t + (time_t)offset_min * 60;
  struct tm tm;
  int off = offset_min < 0 ? -offset_min : offset_min;
  if (!gmtime_r(&local, &tm)) {
    snprintf(buf, size, "1970-01-01T00:00:00+00:00");
    return;
  }
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec, offset_min < 0 ? '-' : '+', off / 60,
           off % 60);
}

const char *cb_git__hex(cb_ctx *ctx, const git_oid *oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, oid);
  return cb_arena_strdup(ctx->arena, hex);
}

const char *cb_git__describe(cb_git *g, cb_ctx *ctx, const git_commit *commit) {
  git_describe_options opts;
  git_describe_format_options fopts;
  git_describe_result *res = NULL;
  git_buf buf = {0};
  const char *out = NULL;
  (void)g;
  git_describe_options_init(&opts, GIT_DESCRIBE_OPTIONS_VERSION);
  git_describe_format_options_init(&fopts, GIT_DESCRIBE_FORMAT_OPTIONS_VERSION);
  opts.describe_strategy = GIT_DESCRIBE_TAGS;
  if (git_describe_commit(&res, (git_object *)commit, &opts) == 0 &&
      git_describe_format(&buf, res, &fopts) == 0)
    out = cb_arena_strdup(ctx->arena, buf.ptr);
  git_buf_dispose(&buf);
  git_describe_result_free(res);
  return out;
}

/* ---- the previous tag (cb_project_previous_tag) ----------------------- */

int cb_project_previous_tag(char **out, cb_ctx *ctx, const char *dir,
                            const char *rev) {
  cb_git *g = NULL;
  git_commit *commit = NULL, *parent = NULL;
  git_tree *tree = NULL;
  *out = NULL;
  int err = cb_git__open(&g, ctx, dir, 0);
  if (err < 0 || !g)
    return err < 0 ? err : 0; /* outside git: no base, no error */
  cb_git__lock(g);
  if (!rev && git_repository_head_unborn(cb_git__repo(g)) == 1) {
    cb_git__unlock(g);
    cb_git__free(g);
    return 0;
  }
  cb_git__unlock(g);
  if ((err = cb_git__resolve(g, ctx, rev, &commit, &tree)) < 0)
    goto done;
  cb_git__lock(g);
  /* a tag on the build's own commit is not a previous one */
  int rc = commit ? git_commit_parent(&parent, commit, 0) : -1;
  cb_git__unlock(g);
  if (rc == 0) {
    git_describe_options opts;
    git_describe_format_options fopts;
    git_describe_result *res = NULL;
    git_buf buf = {0};
    git_describe_options_init(&opts, GIT_DESCRIBE_OPTIONS_VERSION);
    git_describe_format_options_init(&fopts,
                                     GIT_DESCRIBE_FORMAT_OPTIONS_VERSION);
    opts.describe_strategy = GIT_DESCRIBE_TAGS;
    fopts.abbreviated_size = 0; /* the tag's name alone */
    cb_git__lock(g);
    if (git_describe_commit(&res, (git_object *)parent, &opts) == 0 &&
        git_describe_format(&buf, res, &fopts) == 0 && buf.ptr &&
        !(*out = cb_strdup(buf.ptr)))
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    git_buf_dispose(&buf);
    git_describe_result_free(res);
    cb_git__unlock(g);
  }
done:
  git_commit_free(parent);
  git_commit_free(commit);
  git_tree_free(tree);
  cb_git__free(g);
  return err;
}

/* Is path (repository-relative) a file of the project, as the source
 * reads it: below the prefix, with no segment starting '.' or '_'? */
static int project_path(const cb_git *g, const char *path) {
  size_t n = strlen(g->prefix);
  if (n) {
    if (strncmp(path, g->prefix, n) != 0 || path[n] != '/')
      return 0;
    path += n + 1;
  }
  for (const char *p = path; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
    if (*p == '.' || *p == '_')
      return 0;
  return 1;
}

/* 1 when the working tree or the index holds a change of a project file
 * against HEAD (untracked files included, ignored ones not). Reads the
 * index without taking its lock and without writing it back. */
static int workdir_dirty(cb_git *g) {
  git_status_options opts;
  git_status_list *list = NULL;
  int dirty = 0;
  char *spec = g->prefix;
  git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
               GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
               GIT_STATUS_OPT_EXCLUDE_SUBMODULES |
               GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH; /* a literal prefix */
  if (*spec) {
    opts.pathspec.strings = &spec;
    opts.pathspec.count = 1;
  }
  if (git_status_list_new(&list, g->repo, &opts) < 0)
    return 0;
  size_t n = git_status_list_entrycount(list);
  for (size_t i = 0; i < n && !dirty; i++) {
    const git_status_entry *e = git_status_byindex(list, i);
    if (!e || e->status == GIT_STATUS_CURRENT ||
        (e->status & GIT_STATUS_IGNORED))
      continue;
    const git_diff_delta *d[2] = {e->head_to_index, e->index_to_workdir};
    for (int k = 0; k < 2 && !dirty; k++)
      if (d[k] && ((d[k]->old_file.path && project_path(g, d[k]->old_file.path)) ||
                   (d[k]->new_file.path && project_path(g, d[k]->new_file.path))))
        dirty = 1;
  }
  git_status_list_free(list);
  return dirty;
}

void cb_git__stamp(cb_git *g, cb_ctx *ctx, const git_commit *commit,
                   int workdir, cb_stamp *stamp) {
  char date[40];
  const git_signature *who = git_commit_committer(commit);
  stamp->commit = cb_git__hex(ctx, git_commit_id(commit));
  stamp->describe = cb_git__describe(g, ctx, commit);
  if (who) {
    cb_git__iso_date(date, sizeof date, who->when.time, who->when.offset);
    stamp->date = cb_arena_strdup(ctx->arena, date);
  }
  stamp->dirty = workdir && !g->bare ? workdir_dirty(g) : 0;
}

/* ---- the project's place in its working tree (the CI formats) --------- */

const char *cb_git__workdir_prefix(cb_ctx *ctx, const char *dir) {
  git_repository *repo = NULL;
  char *real = NULL, *top = NULL;
  const char *out = NULL;
  if (!dir)
    return NULL;
  cb_git__init();
  /* found from the real path, as cb_git__open finds the repository of
   * the stamps; both paths real, so the one is a prefix of the other */
  if (!(real = real_path(dir)) ||
      git_repository_open_ext(&repo, real, 0, NULL) < 0 ||
      git_repository_is_bare(repo) || !git_repository_workdir(repo) ||
      !(top = real_path(git_repository_workdir(repo))))
    goto done;
  size_t n = strlen(top);
  if (strncmp(real, top, n) != 0 || (real[n] != '/' && real[n] && n > 1))
    goto done;
  const char *rest = real + n;
  if (*rest == '/')
    rest++;
  out = *rest ? cb_arena_printf(ctx->arena, "%s/", rest) : "";
done:
  cb_free(real);
  cb_free(top);
  git_repository_free(repo);
  git_error_clear();
  return out;
}
