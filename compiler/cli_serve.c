/* SPDX-License-Identifier: MIT */
/*
 * cli_serve.c: `casebook serve`, the preview of a casebook while it is
 * written (docs/serve.md). Uses only the public API.
 *
 * The loop: build the project as `build` does (cli_build_into, so the
 * same cache, markers and diagnostics), hand the result to the server
 * (cb_server_publish for a site to serve, cb_server_report for a build
 * with errors, whose site is not), wait for the watcher to see a change,
 * build again. Ctrl-C (SIGINT) or SIGTERM stops the watcher's wait, and
 * the server with it; a second Ctrl-C kills at once.
 */
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#include "cli.h"

extern char **environ;

/* The port when --port does not say. */
#define DEFAULT_PORT 8000

const char cli_serve_usage[] =
    "usage: casebook serve [DIR] [--port N] [--host ADDR] [--open] [-o OUT]\n"
    "\n"
    "Build the project in DIR (default: the current directory) as 'build'\n"
    "does, into OUT (default DIR/_build), and serve its site until Ctrl-C.\n"
    "When a file of the project changes, the project is built again (the\n"
    "chapters that did not change come from the build cache), and the pages\n"
    "open in a browser reload once the whole new site is in place. While\n"
    "the casebook has errors, the last good site stays, with the errors on\n"
    "top of every page and on standard error.\n"
    "\n"
    "  --port N            the TCP port (default 8000; 0: a free one)\n"
    "  --host ADDR         the address to listen on (default 127.0.0.1: this\n"
    "                      machine only)\n"
    "  --open              open the site in a browser ($BROWSER, else\n"
    "                      xdg-open)\n"
    "  -o, --output OUT    output directory\n"
    "  --since REV         mark what changed since REV, as 'build' does\n"
    "\n"
    "The site's URL goes to standard output once the first build is served.\n"
    "Only the files of the site are served: nothing else of DIR or OUT.\n";

/* The watcher that SIGINT and SIGTERM stop. */
static cb_watch *stop_watch;

static void on_signal(int sig) {
  (void)sig;
  cb_watch_stop(stop_watch);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "casebook: MESSAGE" on stderr, unless --quiet. */
static void say(const cli *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void say(const cli *c, const char *fmt, ...) {
  if (c->quiet)
    return;
  va_list ap;
  va_start(ap, fmt);
  fputs("casebook: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static int parse_port(const char *s, unsigned *port) {
  char *end = NULL;
  if (*s < '0' || *s > '9')
    return -1;
  unsigned long v = strtoul(s, &end, 10);
  if (*end || v > 65535)
    return -1;
  *port = (unsigned)v;
  return 0;
}

/* Starts $BROWSER (its first choice, when it lists several), else
 * xdg-open, on url, in a process group of its own (Ctrl-C here is not
 * for it) with its output dropped. Returns its pid, or 0. */
static pid_t open_browser(const cli *c, const char *url) {
  const char *env = getenv("BROWSER");
  char *prog = strdup(env && *env ? env : "xdg-open");
  pid_t pid = 0;
  if (!prog)
    return 0;
  prog[strcspn(prog, ":")] = '\0';
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t defaults;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", 0, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  char *argv[] = {prog, (char *)url, NULL};
  int err = posix_spawnp(&pid, prog, &fa, &attr, argv, environ);
  if (err != 0) {
    fprintf(stderr, "casebook: cannot open a browser with %s: %s\n", prog,
            strerror(err));
    pid = 0;
  } else if (c->verbose) {
    fprintf(stderr, "casebook: opened %s with %s\n", url, prog);
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  free(prog);
  return pid;
}

/* Collects the browser's launcher once it exited (it usually hands the
 * page to a browser that runs on, which is not ours to wait for). */
static void reap(pid_t *pid) {
  if (*pid > 0 && waitpid(*pid, NULL, WNOHANG) == *pid)
    *pid = 0;
}

/* Makes OUT (and its parents) exist before the watcher starts, so that
 * the watcher knows it, and leaves it unlocked. Returns -1 or the exit
 * status. */
static int make_out(const cli *c, const char *out) {
  cb_options opts = cli_options(c);
  cb_ctx *ctx = NULL;
  int rc = -1;
  if (cb_ctx_new(&ctx, &opts) < 0) {
    fputs("casebook: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  int err = cb_build_lock(ctx, c->dir, out);
  if (err < 0)
    rc = cli_env_error(ctx, err);
  cb_ctx_free(ctx);
  return rc;
}

/* One build, handed to the server. *served says whether a site was ever
 * published (the first build is served whatever its errors: there is no
 * other). Returns -1 to go on, or the exit status. */
static int build_once(cb_server *srv, const cli *c, const char *out,
                      const char *html, int *served) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  long long t0 = now_ms();
  int rc = cli_build_into(&ctx, &book, c, out);
  if (!ctx)
    return EXIT_INTERNAL;
  const char *what = *served ? "rebuilt" : "built";
  size_t errors = 0, warnings = 0, notes = 0;
  cb_ctx_diag_counts(ctx, &errors, &warnings, &notes);
  int err = 0;
  if (rc >= 0 && *served) {
    /* the error is on stderr already; the pages say it too */
    err = cb_server_report(srv, ctx, CB_ERROR);
    if (err == 0)
      say(c, "the build failed: still serving the last good site");
    rc = -1;
  } else if (rc < 0 && errors && *served) {
    err = cb_server_report(srv, ctx, 0);
    if (err == 0)
      say(c, "%s in %lld ms: %zu error%s: still serving the last good site",
          what, now_ms() - t0, errors, errors == 1 ? "" : "s");
  } else if (rc < 0) {
    long long t1 = now_ms();
    err = cb_server_publish(srv, ctx, html);
    if (err >= 0) {
      say(c, "%s in %lld ms%s", what, now_ms() - t0,
          err == 0 && *served ? ": the site is the same" : "");
      if (c->verbose) {
        size_t n_chapters = 0, n_cached = 0;
        cb_build_cache_counts(ctx, &n_chapters, &n_cached);
        fprintf(stderr, "casebook: the build took %lld ms (%zu of %zu "
                        "chapters from the build cache), reading the site "
                        "%lld ms\n",
                t1 - t0, n_cached, n_chapters, now_ms() - t1);
      }
      *served = 1;
    }
  }
  if (err < 0) {
    int status = cli_env_error(ctx, err);
    if (!*served)
      rc = status;
  }
  cb_ctx_free(ctx);
  return rc;
}

int cli_serve(const cli *c) {
  unsigned port = DEFAULT_PORT;
  int rc = cli_max_args(c, 1);
  if (rc >= 0)
    return rc;
  if (c->port && parse_port(c->port, &port) < 0)
    return cli_usage_error("--port takes a number from 0 to 65535, not '%s'",
                           c->port);
  char *out = cli_build_out(c);
  size_t n = out ? strlen(out) + sizeof "/html" : 0;
  char *html = out ? malloc(n) : NULL;
  cb_options opts = cli_options(c);
  cb_ctx *ctx = NULL;
  cb_server *srv = NULL;
  cb_watch *watch = NULL;
  pid_t browser = 0;
  struct sigaction sa, old_int, old_term, old_pipe;
  int signals = 0, served = 0;
  if (!html || cb_ctx_new(&ctx, &opts) < 0) {
    fputs("casebook: out of memory\n", stderr);
    rc = EXIT_INTERNAL;
    goto done;
  }
  snprintf(html, n, "%s/html", out);
  cb_serve_options so = {c->host, port};
  int err = cb_server_new(&srv, ctx, &so);
  if (err == 0 && (rc = make_out(c, out)) >= 0)
    goto done;
  /* watching starts before the first build: a save meanwhile counts */
  if (err == 0)
    err = cb_watch_new(&watch, ctx, c->dir, out);
  if (err < 0) {
    rc = cli_env_error(ctx, err);
    goto done;
  }
  stop_watch = watch;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C is the default: quit */
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  /* a terminal or pipe gone is no reason to stop serving */
  sa.sa_handler = SIG_IGN;
  sa.sa_flags = 0;
  sigaction(SIGPIPE, &sa, &old_pipe);
  signals = 1;
  for (;;) {
    int first = !served;
    if ((rc = build_once(srv, c, out, html, &served)) >= 0)
      goto done;
    if (first) {
      printf("%s\n", cb_server_url(srv));
      fflush(stdout);
      say(c, "serving %s at %s (Ctrl-C to stop)", c->dir,
          cb_server_url(srv));
      if (c->open)
        browser = open_browser(c, cb_server_url(srv));
    }
    int got = cb_watch_wait(watch, ctx);
    reap(&browser);
    if (got == 0)
      break;
    if (got < 0) {
      rc = cli_env_error(ctx, got);
      goto done;
    }
  }
  rc = EXIT_CLEAN;
done:
  if (signals) {
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
  }
  stop_watch = NULL;
  cb_watch_free(watch);
  cb_server_free(srv);
  reap(&browser);
  cb_ctx_free(ctx);
  free(html);
  free(out);
  return rc;
}
