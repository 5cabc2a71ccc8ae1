/* SPDX-License-Identifier: MIT */
/*
 * init.c: `casebook init DIR`, a small working project from the files
 * embedded under scaffold/.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "ctx.h"
#include "embed.h"
#include "git.h"
#include "output.h"

/* Is dir missing, or an empty directory? */
static int usable(cb_ctx *ctx, const char *dir) {
  struct stat st;
  if (stat(dir, &st) < 0)
    return errno == ENOENT ? 0
                           : cb_ctx__fail(ctx, CB_EIO, "cannot use '%s': %s",
                                          dir, strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return cb_ctx__fail(ctx, CB_EUSAGE, "'%s' exists and is not a directory",
                        dir);
  DIR *d = opendir(dir);
  if (!d)
    return cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': %s", dir,
                        strerror(errno));
  struct dirent *e;
  int empty = 1;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      empty = 0;
  closedir(d);
  return empty ? 0
               : cb_ctx__fail(ctx, CB_EUSAGE,
                              "'%s' is not empty; init creates a new project",
                              dir);
}

int cb_project_init(cb_ctx *ctx, const char *dir) {
  int err;
  if ((err = usable(ctx, dir)) < 0)
    return err;
  if ((err = cb_output__mkdirs(ctx, dir)) < 0)
    return err;
  for (size_t i = 0; i < cb_n_embedded_files; i++) {
    const cb_embedded *f = &cb_embedded_files[i];
    if (strncmp(f->name, "scaffold/", 9) != 0)
      continue;
    char *path = cb_arena_printf(ctx->arena, "%s/%s", dir, f->name + 9);
    if (!path)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    if ((err = cb_output__file(ctx, path, f->data, f->len, 0)) < 0)
      return err;
  }
  /* the build output is not part of the project's history */
  static const char ignore[] = "_build/\n";
  char *gi = cb_arena_printf(ctx->arena, "%s/.gitignore", dir);
  if (!gi)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  if ((err = cb_output__file(ctx, gi, ignore, sizeof ignore - 1, 0)) < 0)
    return err;
  /* versions, diffs and stamps come from git: a project starts in one */
  return cb_git__init_repo(ctx, dir);
}
