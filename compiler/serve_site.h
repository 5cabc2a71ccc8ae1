/* SPDX-License-Identifier: MIT */
/*
 * serve_site.h: a built site held in memory as `casebook serve` serves
 * it (serve_site.c), and the mapping of a request's path onto it.
 *
 * A site is read whole from the html/ folder of a build, then never
 * changed: the server swaps one site for the next, and a response still
 * being sent holds the site it came from (cb_site__hold) until it is
 * done. The HTML pages are kept as they are sent, with the reload client
 * added (serve.c's script, the site's id in it).
 */
#ifndef CB_SERVE_SITE_H
#define CB_SERVE_SITE_H

#include <stdatomic.h>
#include <stddef.h>

#include "ctx.h"

/* The path prefix of what the server itself serves (the reload client,
 * its style sheet, the event stream); a site's file of that name is
 * never reached. */
#define CB_SERVE_PREFIX "/_casebook/"

/* The length of an ETag as sent, quotes included, and of a site's id. */
#define CB_ETAG_HEX 32
#define CB_ETAG_SIZE (CB_ETAG_HEX + 3)

typedef struct cb_site_file {
  char *path;          /* relative to the site, '/'-separated */
  unsigned char *data; /* the bytes sent (an HTML page with the client) */
  size_t size;
  const char *type;    /* the Content-Type (static) */
  char etag[CB_ETAG_SIZE];  /* "\"hex\"", of the bytes sent */
  long long modified;  /* Last-Modified, seconds since the epoch */
} cb_site_file;

typedef struct cb_site {
  atomic_int refs;
  cb_site_file *files; /* sorted by path (strcmp) */
  size_t n_files;
  size_t bytes;        /* the sum of the sizes */
  char id[CB_ETAG_HEX + 1]; /* of every path and raw byte: same files,
                               same id */
} cb_site;

/* Reads the site in dir (regular files only, hidden names and links left
 * out) into *out, with a reference held by the caller (cb_site__release).
 * previous (NULL: none) is the site served until now: a file that has the
 * same bytes keeps its Last-Modified; the others get now. Returns 0,
 * CB_ENOMEM or CB_EIO with ctx's error set. */
int cb_site__load(cb_site **out, cb_ctx *ctx, const char *dir,
                  const cb_site *previous);

/* One more holder of site. */
void cb_site__hold(cb_site *site);

/* Drops a reference; the last one frees the site. NULL is ok. */
void cb_site__release(cb_site *site);

/* The file at path (relative, as cb_site__resolve gives it), NULL when
 * the site has none. */
const cb_site_file *cb_site__find(const cb_site *site, const char *path);

/* How the server answers the (percent-decoded) path of a request: 0 and
 * *rel the file it names (path without its leading '/', "index.html"
 * added to a path that ends in '/'; the caller's to free with cb_free),
 * or the HTTP status of the refusal: 403 for a path that would climb out
 * of the site (a ".." segment), 404 for one the site cannot hold (an
 * empty or "." segment, a backslash, a control character), 400 for one
 * that does not start with '/', 500 out of memory. */
int cb_site__resolve(char **rel, const char *path);

/* The Content-Type for a file name, by its extension
 * ("application/octet-stream" when unknown). */
const char *cb_site__type(const char *name);

#endif
