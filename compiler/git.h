/* SPDX-License-Identifier: MIT */
/*
 * git.h: the project's git repository, through libgit2 (never a `git`
 * subprocess, never a write into the repository).
 *
 * A cb_git is an open repository plus where the project directory lies
 * in it (the prefix, "" at the top). It finds the repository from the
 * project directory upwards, so the project may be any subdirectory of a
 * working tree, or a bare repository (read with a revision only). It
 * resolves revisions with "did you mean" suggestions, and computes the
 * version stamp of a build and the previous tag that is the default base
 * of the changed markers (cb_project_previous_tag in casebook.h). Every
 * libgit2 call on one cb_git goes through its lock (cb_git__lock), so the
 * sources reading a revision may be used from the check and emit threads
 * at once.
 */
#ifndef CB_GIT_H
#define CB_GIT_H

#include <git2.h>

#include "ctx.h"

typedef struct cb_git cb_git;

/* Sets up libgit2's global state once per process; it is released at
 * exit. Setting it up (TLS certificates included) costs more than loading
 * a small project, and one build may open repositories several times, so
 * it is not torn down with each one. Every user of libgit2 calls this. */
void cb_git__init(void);

/* Opens the repository holding dir. With need_dir == 0, dir need not
 * exist (a directory deleted since the revision being read): the nearest
 * existing parent is searched from and the rest is kept in the prefix.
 * Returns 0 with *out set; 0 with *out NULL when dir is in no repository
 * (then nothing is reported); CB_EIO with ctx's error set when a
 * repository is there but cannot be opened (corrupt, not owned). *out is
 * the caller's, freed with cb_git__free. */
int cb_git__open(cb_git **out, cb_ctx *ctx, const char *dir, int need_dir);
void cb_git__free(cb_git *g);

/* Creates a git repository in dir (which exists) unless dir is inside one
 * already. Returns 1 when it created one, 0 when there was one, or CB_EIO
 * with ctx's error set. */
int cb_git__init_repo(cb_ctx *ctx, const char *dir);

/* The project directory relative to the top of the repository, '/'
 * separated, "" when they are the same. Borrowed. */
const char *cb_git__prefix(const cb_git *g);
git_repository *cb_git__repo(cb_git *g);
int cb_git__is_bare(const cb_git *g);

/* The lock around libgit2 calls on g's repository. */
void cb_git__lock(cb_git *g);
void cb_git__unlock(cb_git *g);

/* Resolves rev (any git_revparse_single spec: branch, tag, commit id,
 * HEAD~3, v1.0^{tree}) to its commit (*commit, NULL when rev names a
 * tree) and the tree of the project directory in it (*tree). An unknown
 * revision is CB_ENOTFOUND with one line in ctx's error ("unknown
 * revision 'X'; did you mean 'Y'?", against the branch and tag names);
 * a revision without the project directory CB_ENOTFOUND too; a
 * repository that cannot be read CB_EIO. rev NULL means HEAD (with an
 * unborn HEAD: CB_ENOTFOUND). The objects are the caller's (git_*_free). */
int cb_git__resolve(cb_git *g, cb_ctx *ctx, const char *rev,
                    git_commit **commit, git_tree **tree);

/* The project directory's tree in commit: 0, or CB_ENOTFOUND when it has
 * no such directory (*out NULL, nothing reported), CB_EIO on a read
 * error. Caller frees *out. */
int cb_git__project_tree(cb_git *g, const git_commit *commit, git_tree **out);

/* Fills stamp (commit, describe, date; version is left as it is) for
 * commit, strings in ctx's arena. workdir: also sets dirty when the
 * working tree's project files differ from commit (HEAD). A failure to
 * describe or to read the status leaves those fields unset. */
void cb_git__stamp(cb_git *g, cb_ctx *ctx, const git_commit *commit,
                   int workdir, cb_stamp *stamp);

/* The ISO 8601 date with offset of a git time ("2026-01-02T10:00:00+01:00")
 * into buf (at least 32 bytes). */
void cb_git__iso_date(char *buf, size_t size, git_time_t t, int offset_min);

/* `git describe --tags` of commit, in ctx's arena; NULL when no tag
 * reaches it. */
const char *cb_git__describe(cb_git *g, cb_ctx *ctx, const git_commit *commit);

/* The full hex id of oid, in ctx's arena. */
const char *cb_git__hex(cb_ctx *ctx, const git_oid *oid);

/* Is the file in directory dir named name in the index of the git
 * repository holding dir (tracked, so committed or about to be)? 1 when
 * it is, 0 when it is not or no repository can tell (outside git, a bare
 * repository, an unreadable index). dir must exist. Used by the build
 * cache, which never trusts a file that anyone who can commit could have
 * written. */
int cb_git__tracked(const char *dir, const char *name);

/* libgit2's last error message, or "unknown error" (borrowed). */
const char *cb_git__error(void);

/* ---- the project's place in its working tree (the CI formats) --------- */

/* Directory dir relative to the top of the working tree of the git
 * repository that holds it, found as cb_git__open finds it: "" when dir
 * is the top, else ending in '/', in ctx's arena. NULL when dir is in no
 * repository, in a bare one, cannot be resolved, or memory runs out;
 * nothing is reported and ctx's error is left alone. */
const char *cb_git__workdir_prefix(cb_ctx *ctx, const char *dir);

#endif
