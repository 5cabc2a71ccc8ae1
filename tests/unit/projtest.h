/* SPDX-License-Identifier: MIT */
/*
 * projtest.h: writes small projects into temporary directories for the
 * unit tests that load a whole book.
 */
#ifndef CASEBOOK_PROJTEST_H
#define CASEBOOK_PROJTEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casebook/casebook.h"

/* Creates a fresh temporary directory; the path is static storage. */
static inline const char *proj_new(void) {
  static char dir[64];
  snprintf(dir, sizeof dir, "/tmp/cbtest-XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(3);
  }
  return dir;
}

/* Writes len bytes (-1: strlen) to dir/name, creating subdirectories. */
static inline void proj_write(const char *dir, const char *name, const char *text,
                       long len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  for (char *p = path + strlen(dir) + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(path, 0777);
      *p = '/';
    }
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    perror(path);
    exit(3);
  }
  fwrite(text, 1, len < 0 ? strlen(text) : (size_t)len, fp);
  fclose(fp);
}

/* The bytes of the file at path, NUL-terminated (malloc'd), *len of them;
 * NULL when it cannot be read. */
static inline char *proj_read(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *data = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (data && fread(data, 1, (size_t)n, fp) != (size_t)n) {
    free(data);
    data = NULL;
  }
  fclose(fp);
  if (data) {
    data[n] = '\0';
    *len = (size_t)n;
  }
  return data;
}

/* A file read back: data NULL (and len 0) when it cannot be read. */
typedef struct proj_blob {
  char *data;
  size_t len;
} proj_blob;

/* The file name of directory dir, read with proj_read. */
static inline proj_blob proj_slurp(const char *dir, const char *name) {
  proj_blob b = {NULL, 0};
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  if (!path)
    return b;
  snprintf(path, n, "%s/%s", dir, name);
  b.data = proj_read(path, &b.len);
  free(path);
  return b;
}

/* Removes the directory tree (the tests' own temporary directories). */
static inline void proj_remove(const char *dir) {
  char cmd[600];
  if (strncmp(dir, "/tmp/cbtest-", 12) != 0)
    return;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
}

/* Entries of dir other than . and .. whose name starts with a dot (the
 * temporary files of an atomic write), -1 when dir cannot be read. */
static inline int proj_hidden_files(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  if (!d)
    return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
        strcmp(e->d_name, "..") != 0 &&
        strcmp(e->d_name, ".casebook-lock") != 0) /* a build's lock */
      n++;
  closedir(d);
  return n;
}

/* The diagnostic of ctx from rule whose message starts with prefix, or
 * NULL. */
static inline const cb_diag *proj_find_diag(cb_ctx *ctx, const char *rule,
                                            const char *prefix) {
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(d[i].rule, rule) == 0 &&
        strncmp(d[i].message, prefix, strlen(prefix)) == 0)
      return &d[i];
  return NULL;
}

#endif
