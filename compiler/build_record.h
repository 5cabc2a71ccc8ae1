/* SPDX-License-Identifier: MIT */
/*
 * build_record.h: the record of a build (docs/cache.md): which input
 * files it read, with their stats and blob ids, which output files it
 * left, with their stats, and the diagnostics it gave. The next build
 * into the same directory compares itself with the record and, when
 * nothing changed, rewrites nothing and replays the diagnostics.
 *
 * This file lists, stats, hashes, encodes and compares; the key of a
 * build, the MAC and the file the record is kept in (OUT/.cache/build.bin)
 * are the cache's (cache.c).
 */
#ifndef CB_BUILD_RECORD_H
#define CB_BUILD_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "codec.h"
#include "ctx.h"
#include "source.h"

/* The length of a git blob id (SHA-1), the hash of the record's files and
 * of the cache's keys. */
#define CB_BLOB_ID_LEN 20

/* The rule ids of the cache's own notes. They are about this build's
 * cache files, not the project: never recorded, never replayed. */
#define CB_NOTE_UNTRUSTED "cache-untrusted"
#define CB_NOTE_TRACKED "cache-tracked"

/* A file as the record of a build keeps it. */
typedef struct cb_filestat {
  const char *path;
  uint64_t size, ino, dev;
  int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
  unsigned char blob[CB_BLOB_ID_LEN];
  int racy;  /* the stat is not to be trusted: hash the bytes */
  int known; /* blob is known */
} cb_filestat;

/* This build, as far as its record goes. The cache fills ctx, outdir,
 * start and root (borrowed) and sets root_fd to -1; the rest is this
 * file's, released by cb_build_record__free. */
typedef struct cb_build_record {
  cb_ctx *ctx;
  const char *outdir; /* OUT */
  const char *root;   /* the project directory as given (the book's) */
  int root_fd;        /* root, opened by open_input; -1 until then */
  struct timespec start;
  /* inputs seen by cb_build_record__list_inputs, kept for the record */
  cb_filestat *inputs;
  size_t n_inputs, n_hashed;
  int inputs_ok;
} cb_build_record;

void cb_build_record__free(cb_build_record *rec);

/* The git blob id of data (SHA-1 of "blob LEN\0" + data); zeros when it
 * cannot be computed. */
void cb_build_record__blob_id(unsigned char out[CB_BLOB_ID_LEN],
                              const void *data, size_t n);

/* Reads the whole regular file open at fd into a cb_malloc'd buffer
 * (with a NUL after it) and closes fd; a file larger than max is not
 * read. Returns 0, -1 when it cannot be read, -2 when out of memory. */
int cb_build_record__read_fd(int fd, unsigned char **out, size_t *len,
                             uint64_t max);

/* Notes the stats of paths (every file of the project) as this build's
 * inputs (in git, their blob ids instead). Returns 0 or CB_ENOMEM. */
int cb_build_record__list_inputs(cb_build_record *rec, cb_source *src,
                                 const char *const *paths, size_t n_paths);

/* Reading a record, from r past its key, in this order: the inputs (1
 * when they are the same files with the same bytes, 0 if not;
 * rec->n_hashed counts the files hashed to tell), the outputs (1 when
 * they are as the record left them), the diagnostics (1 when they and the
 * files they point at are in ctx and ctx->book again, 0 when the record
 * cannot be replayed). Each returns CB_ENOMEM when out of memory. */
int cb_build_record__same_inputs(cb_build_record *rec, cb_codec_rd *r,
                                 cb_source *src);
int cb_build_record__same_outputs(cb_build_record *rec, cb_codec_rd *r);
int cb_build_record__replay_diags(cb_build_record *rec, cb_codec_rd *r,
                                  cb_source *src);

/* Fills in the blob ids of the inputs not known yet, after the build:
 * planned[k] (when planned and it is not NULL) is the blob of book file
 * k, hashed already; the other files the build read are hashed from its
 * bytes, the rest from the disk unless they changed since the build
 * started. */
void cb_build_record__input_blobs(cb_build_record *rec, const cb_book *book,
                                  const unsigned char *const *planned);

/* Writes the record of book's build (inputs, outputs, the files the
 * diagnostics point at, the diagnostics in ctx but the cache's notes)
 * with w. Returns 0, or -1 when there is no record to write (no inputs
 * listed, or the outputs cannot be listed). */
int cb_build_record__put(cb_build_record *rec, cb_codec_wr *w,
                         const cb_book *book);

#endif
