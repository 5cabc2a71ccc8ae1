/* SPDX-License-Identifier: MIT */
/*
 * casebook/serve.h: a local preview server for a casebook's site, and the
 * watcher of a project's files, the two halves of `casebook serve`
 * (docs/serve.md).
 *
 * The server holds one built site in memory at a time, whole, and
 * replaces it whole: a page never sees half a build. It serves that site
 * and nothing else, and it adds to every page it serves a small script
 * that listens (Server-Sent Events) for the next site, to reload the
 * page, and for the diagnostics of the last build, to show its errors on
 * top of the page. The files of a build are never changed: the script is
 * added to the bytes sent. The caller builds (cb_build_lock,
 * cb_book_load, cb_book_check_and_emit...) and hands each result over
 * with cb_server_publish or cb_server_report.
 *
 * The watcher tells when the project's files changed: once for a burst
 * of changes (an editor's save that writes, renames and deletes counts
 * once), without the files a build never reads (hidden ones, the output
 * directory, editors' swap and backup files).
 *
 * Threads: the server answers requests on threads of its own and never
 * touches a context; the functions below are called from one thread,
 * except cb_watch_stop, which may be called from anywhere, a signal
 * handler included.
 */
#ifndef CASEBOOK_SERVE_H
#define CASEBOOK_SERVE_H

#include "casebook/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A running server (opaque). */
typedef struct cb_server cb_server;

typedef struct cb_serve_options {
  const char *host; /* the address to listen on, numeric or a name; NULL
                       for 127.0.0.1 (this machine only) */
  unsigned port;    /* the TCP port; 0 for a free one the system picks */
} cb_serve_options;

/* Listens on opts' address and port (opts NULL: 127.0.0.1, a free port)
 * and answers requests from then on, on threads of its own. A request
 * that comes before the first cb_server_publish waits for it. *out is the
 * caller's, stopped and freed with cb_server_free. Returns 0, CB_ENOMEM,
 * CB_EUSAGE (an address that does not resolve) or CB_EIO (the port is in
 * use, or the address is not this machine's), with cb_ctx_error() set:
 * one line naming the address. */
CB_EXTERN int cb_server_new(cb_server **out, cb_ctx *ctx,
                            const cb_serve_options *opts);

/* The address the server listens on, as a URL ("http://127.0.0.1:8000/",
 * "http://[::1]:8000/"), with the port the system chose for port 0.
 * Borrowed from srv. */
CB_EXTERN const char *cb_server_url(const cb_server *srv);

/* Reads the site in site_dir (the html/ folder of a build), whole, into
 * memory, and serves it from now on in place of the one before; the
 * pages open in a browser reload. Regular files only: symbolic links,
 * hidden files (a name starting with '.') and anything else in site_dir
 * are left out. The diagnostics of ctx are those shown with the site (an
 * overlay on every page when they hold an error). Returns 1 when the site
 * changed (the open pages reload), 0 when its files are those of the site
 * served already (the pages only show the new diagnostics), or CB_ENOMEM
 * or CB_EIO with cb_ctx_error() set, and the site served before stays. */
CB_EXTERN int cb_server_publish(cb_server *srv, cb_ctx *ctx,
                                const char *site_dir);

/* Keeps the site served and shows the diagnostics of ctx with it instead
 * (a build that failed, or has errors, whose site is not to be served):
 * the open pages show its errors in an overlay, and take it away when
 * there is none. err is the negative code that stopped the build
 * (cb_ctx_error() of ctx then says why, shown above the diagnostics), 0
 * when none did. Returns 0 or CB_ENOMEM (ctx's error set). */
CB_EXTERN int cb_server_report(cb_server *srv, cb_ctx *ctx, int err);

/* Stops the server: the open event streams end, the threads that answer
 * requests are joined, the site is freed. NULL is ok. */
CB_EXTERN void cb_server_free(cb_server *srv);

/* A watcher of a project's files (opaque). */
typedef struct cb_watch cb_watch;

/* Watches the project in dir, its folders included as they come and go,
 * with inotify: every file a build may read. Left out: names starting
 * with '.' or '_' (as the project itself leaves them out), outdir (when
 * it is inside dir; NULL for none), symbolic links, and editors' swap,
 * backup and temporary files (NAME~, #NAME#, vim's 4913, *.swp,
 * *___jb_tmp___...). *out is the caller's, freed with cb_watch_free.
 * Returns 0, CB_ENOMEM, CB_ENOTFOUND (no such directory) or CB_EIO (no
 * inotify, or its limit of watches reached), with cb_ctx_error() set. */
CB_EXTERN int cb_watch_new(cb_watch **out, cb_ctx *ctx, const char *dir,
                           const char *outdir);

/* Waits until a watched file changed, then until the changes stop for a
 * moment (a few tens of milliseconds, longer after a file went away, in
 * case it comes back: an editor's save), and drains them all. Returns 1
 * (something changed), 0 (cb_watch_stop was called) or CB_EIO (ctx's
 * error set). */
CB_EXTERN int cb_watch_wait(cb_watch *w, cb_ctx *ctx);

/* Makes the current or next cb_watch_wait return 0. Async-signal-safe:
 * for a SIGINT handler. */
CB_EXTERN void cb_watch_stop(cb_watch *w);

/* Stops watching and frees w. NULL is ok. */
CB_EXTERN void cb_watch_free(cb_watch *w);

#ifdef __cplusplus
}
#endif
#endif
