/* SPDX-License-Identifier: MIT */
/*
 * serve.c: the preview server of `casebook serve` (casebook/serve.h), on
 * libmicrohttpd, which parses HTTP; this file only decides what to answer.
 *
 * The server answers from the site in memory (serve_site.c): GET and HEAD
 * of its files, with ETag and Last-Modified, 304 when the browser's copy
 * is current, Cache-Control: no-cache so that a reload always asks. Under
 * /_casebook/ it serves its own files: the reload client (reload.js), its
 * overlay's style sheet, and the event stream that tells open pages what
 * the caller reported last.
 *
 * That state is one Server-Sent Events message, "state": the id of the
 * site served, and the diagnostics of the last build (the errors and
 * warnings, and the error that stopped it). A page whose site is not the
 * one served any more reloads; one whose site is current shows an
 * overlay while the last build has errors. The message is sent again
 * whenever the caller publishes a site or reports a build, and to every
 * page when it connects, so a page that loaded just before a swap finds
 * out too.
 *
 * libmicrohttpd runs a thread per connection, so an event stream simply
 * waits for the next state on a condition variable (with a comment every
 * few seconds, which also finds clients that went away), and a request
 * that comes before the first site waits for it the same way.
 */
#include "casebook/serve.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "ctx.h"
#include "embed.h"
#include "json_out.h"
#include "serve_site.h"
#include "sha256.h"

/* Connections at once (each has a thread): a few browsers with a few
 * tabs each. */
#define CONNECTIONS_MAX 256
/* An idle keep-alive connection is closed after this many seconds. */
#define IDLE_SECONDS 60
/* An event stream says something at least this often. */
#define KEEPALIVE_SECONDS 10
/* A request waits this long for the first site. */
#define FIRST_SITE_SECONDS 120
/* The overlay lists at most this many diagnostics, each cut to this
 * many bytes. */
#define OVERLAY_DIAGS 200
#define OVERLAY_TEXT 2000

/* A file of the server's own, served as a site's file is. */
typedef struct own_file {
  const char *name; /* below CB_SERVE_PREFIX */
  cb_site_file file;
} own_file;

struct cb_server {
  struct MHD_Daemon *daemon;
  char *url;
  own_file own[2];
  pthread_mutex_t lock;
  pthread_cond_t changed;
  /* under lock: */
  cb_site *site;   /* NULL until the first cb_server_publish */
  char *state;     /* the "state" event, framed */
  unsigned long version; /* counts the states */
  int stopping;
};

/* ---- HTTP dates --------------------------------------------------------- */

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed",
                                    "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                     "May", "Jun", "Jul", "Aug",
                                     "Sep", "Oct", "Nov", "Dec"};

/* IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (no locale involved). */
static void http_date(char out[40], long long t) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (!gmtime_r(&tt, &tm))
    memset(&tm, 0, sizeof tm);
  snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT",
           wdays[(unsigned)tm.tm_wday % 7], tm.tm_mday,
           months[(unsigned)tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
           tm.tm_min, tm.tm_sec);
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static long long days_from_civil(long long y, int m, int d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  long long yoe = y - era * 400;
  long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* Reads an HTTP date in any of the three forms RFC 9110 names (IMF-fixdate,
 * RFC 850, asctime). Returns 0, or -1 for anything else. */
static int parse_http_date(const char *s, long long *t) {
  char wd[16], mon[4];
  int d, y, hh, mm, ss;
  if (sscanf(s, "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d GMT", wd, &d, mon, &y,
             &hh, &mm, &ss) == 7) {
  } else if (sscanf(s, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d GMT", wd, &d,
                    mon, &y, &hh, &mm, &ss) == 7) {
    y += y < 70 ? 2000 : 1900;
  } else if (sscanf(s, "%15[A-Za-z] %3s %2d %2d:%2d:%2d %4d", wd, mon, &d,
                    &hh, &mm, &ss, &y) != 7) {
    return -1;
  }
  int m = 0;
  while (m < 12 && strcmp(mon, months[m]) != 0)
    m++;
  if (m == 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || hh < 0 ||
      mm < 0 || ss < 0)
    return -1;
  *t = days_from_civil(y, m + 1, d) * 86400 + hh * 3600 + mm * 60 + ss;
  return 0;
}

/* 1 when the If-None-Match value lists etag ("*", or the tag, weak or
 * not: the weak comparison RFC 9110 asks for here). */
static int etag_listed(const char *header, const char *etag) {
  size_t n = strlen(etag);
  for (const char *p = header; *p;) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    if (*p == '*')
      return 1;
    if (p[0] == 'W' && p[1] == '/')
      p += 2;
    if (*p != '"') {
      while (*p && *p != ',')
        p++;
      continue;
    }
    const char *close = strchr(p + 1, '"');
    if (!close)
      return 0;
    if ((size_t)(close + 1 - p) == n && memcmp(p, etag, n) == 0)
      return 1;
    p = close + 1;
  }
  return 0;
}

/* 1 when the request's copy of f is current (If-None-Match, or without
 * it If-Modified-Since). */
static int not_modified(struct MHD_Connection *conn, const cb_site_file *f) {
  const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_IF_NONE_MATCH);
  if (inm)
    return etag_listed(inm, f->etag);
  const char *ims = MHD_lookup_connection_value(
      conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
  long long t;
  return ims && parse_http_date(ims, &t) == 0 && f->modified <= t;
}

/* ---- responses -------------------------------------------------------- */

static void common_headers(struct MHD_Response *r) {
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status,
                             struct MHD_Response *r) {
  if (!r)
    return MHD_NO;
  enum MHD_Result ret = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return ret;
}

/* A short text answer (text is static). */
static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status,
                                  const char *text) {
  struct MHD_Response *r = MHD_create_response_from_buffer(
      strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
  if (r) {
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain; charset=utf-8");
    common_headers(r);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
      MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  }
  return queue(conn, status, r);
}

static void release_site(void *site) {
  cb_site__release(site);
}

/* f, from site (held for as long as the response lives; NULL for the
 * server's own files), or 304. */
static enum MHD_Result send_file(struct MHD_Connection *conn, cb_site *site,
                                 const cb_site_file *f) {
  char date[40];
  http_date(date, f->modified);
  int current = not_modified(conn, f);
  struct MHD_Response *r;
  if (current) {
    r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
  } else {
    if (site)
      cb_site__hold(site);
    r = MHD_create_response_from_buffer_with_free_callback_cls(
        f->size, f->data, site ? release_site : NULL, site);
    if (!r && site)
      cb_site__release(site);
    if (r)
      MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, f->type);
  }
  if (r) {
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, f->etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
    common_headers(r);
  }
  return queue(conn, current ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
}

/* A 301 to path + '/', the path percent-encoded again. */
static enum MHD_Result redirect_to_folder(struct MHD_Connection *conn,
                                          const char *path) {
  static const char digits[] = "0123456789ABCDEF";
  size_t n = strlen(path);
  char *loc = n < SIZE_MAX / 3 - 2 ? cb_malloc(3 * n + 2) : NULL;
  if (!loc)
    return MHD_NO;
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || strchr("/-._~", *p)) {
      loc[o++] = (char)*p;
    } else {
      loc[o++] = '%';
      loc[o++] = digits[*p >> 4];
      loc[o++] = digits[*p & 15];
    }
  }
  memcpy(loc + o, "/", 2);
  struct MHD_Response *r = MHD_create_response_from_buffer(
      0, NULL, MHD_RESPMEM_PERSISTENT);
  if (r) {
    MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, loc);
    common_headers(r);
  }
  cb_free(loc);
  return queue(conn, MHD_HTTP_MOVED_PERMANENTLY, r);
}

/* The site served, held for the caller; waits for the first one. NULL
 * when the server stops first (or the first build takes too long). */
static cb_site *hold_site(cb_server *srv) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += FIRST_SITE_SECONDS;
  pthread_mutex_lock(&srv->lock);
  while (!srv->site && !srv->stopping)
    if (pthread_cond_timedwait(&srv->changed, &srv->lock, &until) ==
        ETIMEDOUT)
      break;
  cb_site *site = srv->stopping ? NULL : srv->site;
  if (site)
    cb_site__hold(site);
  pthread_mutex_unlock(&srv->lock);
  return site;
}

/* 1 when rel is a folder of the site with an index.html (a folder
 * without one is not listed: 404). */
static int folder_index(const cb_site *site, const char *rel) {
  size_t n = strlen(rel) + sizeof "/index.html";
  char *index = cb_malloc(n);
  if (!index)
    return 0;
  snprintf(index, n, "%s/index.html", rel);
  int found = cb_site__find(site, index) != NULL;
  cb_free(index);
  return found;
}

static enum MHD_Result serve_path(cb_server *srv,
                                  struct MHD_Connection *conn,
                                  const char *url) {
  char *rel = NULL;
  int status = cb_site__resolve(&rel, url);
  if (status == 403)
    return reply_text(conn, MHD_HTTP_FORBIDDEN, "forbidden\n");
  if (status == 400)
    return reply_text(conn, MHD_HTTP_BAD_REQUEST, "bad request\n");
  if (status)
    return status == 500 ? MHD_NO
                         : reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
  cb_site *site = hold_site(srv);
  if (!site) {
    cb_free(rel);
    return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                      "the site is not built yet\n");
  }
  enum MHD_Result ret;
  const cb_site_file *f = cb_site__find(site, rel);
  if (f)
    ret = send_file(conn, site, f);
  else if (url[strlen(url) - 1] != '/' && folder_index(site, rel))
    ret = redirect_to_folder(conn, url);
  else
    ret = reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
  cb_site__release(site);
  cb_free(rel);
  return ret;
}

/* ---- the event stream --------------------------------------------------- */

typedef struct sse_client {
  cb_server *srv;
  unsigned long seen; /* the version of the last state sent */
  char *pending;      /* what is left to send of the last message */
  size_t len, off;
} sse_client;

/* The next message: the state when it changed, else a comment after a
 * while; -1 when the server stops. Takes the lock. */
static int sse_next(sse_client *c) {
  cb_server *srv = c->srv;
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += KEEPALIVE_SECONDS;
  const char *msg = ": still here\n\n";
  pthread_mutex_lock(&srv->lock);
  while (!srv->stopping && (c->seen == srv->version || !srv->state))
    if (pthread_cond_timedwait(&srv->changed, &srv->lock, &until) ==
        ETIMEDOUT)
      break;
  if (srv->stopping) {
    pthread_mutex_unlock(&srv->lock);
    return -1;
  }
  if (c->seen != srv->version && srv->state) {
    msg = srv->state;
    c->seen = srv->version;
  }
  cb_free(c->pending);
  c->pending = cb_strdup(msg);
  pthread_mutex_unlock(&srv->lock);
  c->off = 0;
  c->len = c->pending ? strlen(c->pending) : 0;
  return c->pending ? 0 : -1;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max) {
  sse_client *c = cls;
  (void)pos;
  if (c->off == c->len && sse_next(c) < 0)
    return MHD_CONTENT_READER_END_OF_STREAM;
  size_t n = c->len - c->off < max ? c->len - c->off : max;
  memcpy(buf, c->pending + c->off, n);
  c->off += n;
  return (ssize_t)n;
}

static void sse_free(void *cls) {
  sse_client *c = cls;
  cb_free(c->pending);
  cb_free(c);
}

/* The event stream (for HEAD, its headers alone). */
static enum MHD_Result serve_events(cb_server *srv,
                                    struct MHD_Connection *conn, int head) {
  if (head) {
    struct MHD_Response *r = MHD_create_response_from_buffer(
        0, NULL, MHD_RESPMEM_PERSISTENT);
    if (r) {
      MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                              "text/event-stream");
      common_headers(r);
    }
    return queue(conn, MHD_HTTP_OK, r);
  }
  sse_client *c = cb_calloc(1, sizeof *c);
  if (!c)
    return MHD_NO;
  c->srv = srv;
  /* first a reconnection delay shorter than the browser's own */
  c->pending = cb_strdup("retry: 500\n\n");
  c->len = c->pending ? strlen(c->pending) : 0;
  struct MHD_Response *r = MHD_create_response_from_callback(
      MHD_SIZE_UNKNOWN, 4096, sse_read, c, sse_free);
  if (!r) {
    sse_free(c);
    return MHD_NO;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                          "text/event-stream");
  common_headers(r);
  return queue(conn, MHD_HTTP_OK, r);
}

/* ---- requests ----------------------------------------------------------- */

static int hex_digit(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* Decodes the %HH of a request's path in place, as libmicrohttpd would,
 * except %00, which is left as it is written: a NUL would end the path
 * early ("/%00x" read as "/"). Returns the new length. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s) {
  (void)cls;
  (void)conn;
  char *o = s;
  for (const char *p = s; *p; p++) {
    int hi = *p == '%' ? hex_digit(p[1]) : -1;
    int lo = hi >= 0 ? hex_digit(p[2]) : -1;
    if (lo >= 0 && (hi | lo)) {
      *o++ = (char)(hi * 16 + lo);
      p += 2;
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
  return (size_t)(o - s);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **req_cls) {
  static int seen_headers;
  cb_server *srv = cls;
  (void)version;
  (void)upload_data;
  /* the first call has the headers; the answer goes with the second,
   * once any body is read, so that the connection can stay open */
  if (!*req_cls) {
    *req_cls = &seen_headers;
    return MHD_YES;
  }
  int head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
  if (!head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
    return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                      "only GET and HEAD\n");
  if (*upload_data_size) { /* a GET with a body: read and dropped */
    *upload_data_size = 0;
    return MHD_YES;
  }
  const size_t np = sizeof CB_SERVE_PREFIX - 1;
  if (strncmp(url, CB_SERVE_PREFIX, np) != 0)
    return serve_path(srv, conn, url);
  if (strcmp(url + np, "events") == 0)
    return serve_events(srv, conn, head);
  for (size_t i = 0; i < sizeof srv->own / sizeof *srv->own; i++)
    if (strcmp(url + np, srv->own[i].name) == 0)
      return send_file(conn, NULL, &srv->own[i].file);
  return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

/* ---- the state ------------------------------------------------------------ */

/* The "state" event for the site of id site_id (NULL: none) and the
 * diagnostics of ctx, err the code that stopped its build (0: none),
 * framed for the event stream into *out (cb_malloc'd). kept: the site is
 * an earlier build's, not the one the diagnostics are about. */
static int state_event(char **out, cb_ctx *ctx, const char *site_id,
                       int err, int kept) {
  cb_buf json = {0}, ev = {0};
  cb_json_writer w;
  size_t n_diags = 0, errors = 0, warnings = 0, notes = 0, listed = 0;
  const cb_diag *diags = cb_ctx_diags(ctx, &n_diags);
  cb_ctx_diag_counts(ctx, &errors, &warnings, &notes);
  cb_json__writer_init(&w, &json, 1, 0);
  cb_json__begin_object(&w);
  cb_json__key(&w, "site");
  cb_json__put_cstr(&w, site_id);
  cb_json__key(&w, "kept");
  cb_json__put_bool(&w, kept);
  cb_json__key(&w, "errors");
  cb_json__put_int(&w, (long long)errors);
  cb_json__key(&w, "warnings");
  cb_json__put_int(&w, (long long)warnings);
  cb_json__key(&w, "failure");
  if (err < 0) {
    const char *why = *cb_ctx_error(ctx) ? cb_ctx_error(ctx)
                                         : "the build failed";
    cb_json__put_string(&w, why, strnlen(why, OVERLAY_TEXT));
  } else {
    cb_json__put_null(&w);
  }
  cb_json__key(&w, "diagnostics");
  cb_json__begin_array(&w);
  for (size_t i = 0; i < n_diags; i++) {
    const cb_diag *d = &diags[i];
    if (d->suppressed || d->level == CB_DIAG_NOTE)
      continue;
    if (++listed > OVERLAY_DIAGS)
      continue;
    cb_json__begin_object(&w);
    cb_json__key(&w, "level");
    cb_json__put_cstr(&w, d->level == CB_DIAG_ERROR ? "error" : "warning");
    cb_json__key(&w, "where");
    if (d->path) {
      cb_buf where = {0};
      cb_buf_printf(&where, "%.*s", OVERLAY_TEXT, d->path);
      if (d->line)
        cb_buf_printf(&where, ":%u", (unsigned)d->line);
      if (d->line && d->col)
        cb_buf_printf(&where, ":%u", (unsigned)d->col);
      cb_json__put_string(&w, cb_buf_cstr(&where), where.len);
      json.failed |= where.failed;
      cb_buf_free(&where);
    } else {
      cb_json__put_null(&w);
    }
    cb_json__key(&w, "message");
    cb_json__put_string(&w, d->message, strnlen(d->message, OVERLAY_TEXT));
    cb_json__key(&w, "rule");
    cb_json__put_cstr(&w, d->rule);
    cb_json__end_object(&w);
  }
  cb_json__end_array(&w);
  cb_json__key(&w, "more");
  cb_json__put_int(&w, (long long)(listed > OVERLAY_DIAGS
                                       ? listed - OVERLAY_DIAGS
                                       : 0));
  cb_json__end_object(&w);
  /* a field per line: JSON keeps its line breaks between tokens */
  cb_buf_puts(&ev, "event: state\n");
  for (const char *p = cb_buf_cstr(&json); *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    cb_buf_puts(&ev, "data: ");
    cb_buf_append(&ev, p, n);
    cb_buf_putc(&ev, '\n');
    p += n + (nl != NULL);
  }
  cb_buf_putc(&ev, '\n');
  int failed = json.failed || ev.failed;
  cb_buf_free(&json);
  if (failed) {
    cb_buf_free(&ev);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  *out = ev.data;
  return 0;
}

/* Makes event (taken) the state, and site (taken; NULL: the same) the
 * site served; wakes the streams. */
static void set_state(cb_server *srv, char *event, cb_site *site) {
  cb_site *old = NULL;
  pthread_mutex_lock(&srv->lock);
  char *old_event = srv->state;
  srv->state = event;
  if (site) {
    old = srv->site;
    srv->site = site;
  }
  srv->version++;
  pthread_cond_broadcast(&srv->changed);
  pthread_mutex_unlock(&srv->lock);
  cb_free(old_event);
  cb_site__release(old);
}

int cb_server_publish(cb_server *srv, cb_ctx *ctx, const char *site_dir) {
  cb_site *site = NULL;
  char *event = NULL;
  /* only this thread changes srv->site: read without the lock */
  int err = cb_site__load(&site, ctx, site_dir, srv->site);
  if (err == 0 && (err = state_event(&event, ctx, site->id, 0, 0)) < 0)
    cb_site__release(site);
  if (err < 0)
    return err;
  int changed = !srv->site || strcmp(srv->site->id, site->id) != 0;
  set_state(srv, event, site);
  return changed;
}

int cb_server_report(cb_server *srv, cb_ctx *ctx, int err) {
  char *event = NULL;
  int rc = state_event(&event, ctx, srv->site ? srv->site->id : NULL, err,
                       srv->site != NULL);
  if (rc == 0)
    set_state(srv, event, NULL);
  return rc;
}

/* ---- the server ------------------------------------------------------------ */

/* Binds and listens on host:port: *fd, and the URL of where it listens. */
static int listen_on(cb_ctx *ctx, const char *host, unsigned port, int *fd,
                     char **url) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  char service[16];
  snprintf(service, sizeof service, "%u", port);
  int v6 = strchr(host, ':') != NULL;
  int rc = getaddrinfo(host, service, &hints, &res);
  if (rc != 0)
    return cb_ctx__fail(ctx, CB_EUSAGE, "cannot listen on %s%s%s:%u: %s",
                        v6 ? "[" : "", host, v6 ? "]" : "", port,
                        gai_strerror(rc));
  int saved = 0;
  *fd = -1;
  for (struct addrinfo *ai = res; ai && *fd < 0; ai = ai->ai_next) {
    int s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s < 0) {
      saved = errno;
      continue;
    }
    int one = 1;
    fcntl(s, F_SETFD, FD_CLOEXEC);
    /* a port of a server just stopped can be taken again at once; one
     * that something listens on still cannot */
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, ai->ai_addr, ai->ai_addrlen) == 0 && listen(s, 64) == 0) {
      *fd = s;
      break;
    }
    saved = errno;
    close(s);
  }
  freeaddrinfo(res);
  if (*fd < 0)
    return cb_ctx__fail(ctx, CB_EIO, "cannot listen on %s%s%s:%u: %s",
                        v6 ? "[" : "", host, v6 ? "]" : "", port,
                        strerror(saved));
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  char addr[96], num[16];
  if (getsockname(*fd, (struct sockaddr *)&sa, &len) < 0 ||
      getnameinfo((struct sockaddr *)&sa, len, addr, sizeof addr, num,
                  sizeof num, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    saved = errno;
    close(*fd);
    *fd = -1;
    return cb_ctx__fail(ctx, CB_EIO, "cannot read the address of %s: %s",
                        host, strerror(saved));
  }
  v6 = sa.ss_family == AF_INET6;
  size_t n = strlen(addr) + strlen(num) + sizeof "http://[]:/";
  if (!(*url = cb_malloc(n))) {
    close(*fd);
    *fd = -1;
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  snprintf(*url, n, "http://%s%s%s:%s/", v6 ? "[" : "", addr, v6 ? "]" : "",
           num);
  return 0;
}

/* The server's own file name, from the embedded serve/NAME. */
static int own_file_init(own_file *o, const char *name, long long started) {
  char path[64];
  snprintf(path, sizeof path, "serve/%s", name);
  const cb_embedded *e = cb_embed__find(path);
  if (!e)
    return -1;
  unsigned char digest[CB_SHA256_LEN];
  static const char digits[] = "0123456789abcdef";
  o->name = name;
  o->file.path = NULL;
  o->file.data = (unsigned char *)e->data;
  o->file.size = e->len;
  o->file.type = cb_site__type(name);
  o->file.modified = started;
  cb_sha256_digest(digest, e->data, e->len);
  o->file.etag[0] = '"';
  for (size_t i = 0; i < CB_ETAG_HEX / 2; i++) {
    o->file.etag[1 + 2 * i] = digits[digest[i] >> 4];
    o->file.etag[2 + 2 * i] = digits[digest[i] & 15];
  }
  memcpy(o->file.etag + 1 + CB_ETAG_HEX, "\"", 2);
  return 0;
}

int cb_server_new(cb_server **out, cb_ctx *ctx,
                  const cb_serve_options *opts) {
  *out = NULL;
  const char *host = opts && opts->host ? opts->host : "127.0.0.1";
  unsigned port = opts ? opts->port : 0;
  if (port > 65535)
    return cb_ctx__fail(ctx, CB_EUSAGE, "no port %u (0 to 65535)", port);
  cb_server *srv = cb_calloc(1, sizeof *srv);
  if (!srv)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  long long started = (long long)time(NULL);
  if (own_file_init(&srv->own[0], "reload.js", started) < 0 ||
      own_file_init(&srv->own[1], "overlay.css", started) < 0) {
    cb_free(srv);
    return cb_ctx__fail(ctx, CB_ERROR, "the reload client is missing");
  }
  /* the waits time out by the monotonic clock: a clock set back does
   * not hold a stream silent */
  pthread_condattr_t ca;
  pthread_mutex_init(&srv->lock, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&srv->changed, &ca);
  pthread_condattr_destroy(&ca);
  int fd = -1;
  int err = listen_on(ctx, host, port, &fd, &srv->url);
  if (err < 0) {
    cb_server_free(srv);
    return err;
  }
  int v6 = strchr(srv->url, '[') != NULL;
  srv->daemon = MHD_start_daemon(
      MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
          MHD_USE_POLL | (v6 ? MHD_USE_IPv6 : 0),
      0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_SECONDS,
      MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
  if (!srv->daemon) {
    close(fd);
    err = cb_ctx__fail(ctx, CB_EIO, "cannot start the server on %s",
                       srv->url);
    cb_server_free(srv);
    return err;
  }
  *out = srv;
  return 0;
}

const char *cb_server_url(const cb_server *srv) {
  return srv->url;
}

void cb_server_free(cb_server *srv) {
  if (!srv)
    return;
  pthread_mutex_lock(&srv->lock);
  srv->stopping = 1;
  pthread_cond_broadcast(&srv->changed);
  pthread_mutex_unlock(&srv->lock);
  /* joins every connection's thread: the streams end as they wake */
  if (srv->daemon)
    MHD_stop_daemon(srv->daemon);
  cb_site__release(srv->site);
  cb_free(srv->state);
  cb_free(srv->url);
  pthread_cond_destroy(&srv->changed);
  pthread_mutex_destroy(&srv->lock);
  cb_free(srv);
}
