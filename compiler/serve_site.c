/* SPDX-License-Identifier: MIT */
/*
 * serve_site.c: the site `casebook serve` serves, read whole into memory
 * from the html/ folder of a build (serve_site.h).
 *
 * Holding the site in memory is what makes the server's guarantees
 * simple. The site changes all at once (serve.c swaps one pointer), so a
 * browser never gets a page of one build with the style sheet of the
 * next. No request reaches the file system: a path is looked up among
 * the files read, so no path, link or folder can lead outside the site,
 * and no folder is ever listed. The files are read without following a
 * link, and links are left out.
 *
 * Every HTML page gets the reload client (serve.c serves it) before its
 * </head>, with the site's id, so that an open page can tell whether the
 * site it came from is still the one served; and the site's
 * Content-Security-Policy, which allows no connection, gets
 * connect-src 'self' for the client's event stream. The files of the
 * build are left as they are: only the bytes sent change.
 */
#include "serve_site.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build_record.h"
#include "sha256.h"

/* Folders deeper than this are not read (a build writes two levels). */
#define SITE_DEPTH 32
/* The largest file of a site that is served. */
#define SITE_FILE_MAX (1024ull * 1024 * 1024)

static const char csp_open[] =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"";
static const char csp_connect[] = "connect-src 'self'; ";
static const char client_tag[] = "<script src=\"" CB_SERVE_PREFIX
                                 "reload.js\" data-site=\"%s\" defer>"
                                 "</script>";

const char *cb_site__type(const char *name) {
  static const struct {
    const char *ext, *type;
  } types[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"jsonl", "application/jsonl"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/markdown; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xml", "application/xml"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/vnd.microsoft.icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"pdf", "application/pdf"},
      {"wasm", "application/wasm"},
  };
  const char *slash = strrchr(name, '/');
  const char *dot = strrchr(slash ? slash + 1 : name, '.');
  if (dot && dot[1])
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
      if (strcasecmp(dot + 1, types[i].ext) == 0)
        return types[i].type;
  return "application/octet-stream";
}

static int is_html(const cb_site_file *f) {
  return strncmp(f->type, "text/html", 9) == 0;
}

/* ---- references ------------------------------------------------------- */

void cb_site__hold(cb_site *site) {
  atomic_fetch_add(&site->refs, 1);
}

void cb_site__release(cb_site *site) {
  if (!site || atomic_fetch_sub(&site->refs, 1) != 1)
    return;
  for (size_t i = 0; i < site->n_files; i++) {
    cb_free(site->files[i].path);
    cb_free(site->files[i].data);
  }
  cb_free(site->files);
  cb_free(site);
}

/* ---- reading ---------------------------------------------------------- */

typedef struct loader {
  cb_ctx *ctx;
  const char *dir; /* as given, for messages */
  cb_site *site;
  size_t cap;
} loader;

static void hex(char *out, const unsigned char *bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * n] = '\0';
}

static int add_file(loader *ld, int dfd, const char *name, char *rel) {
  int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    cb_free(rel);
    /* a link swapped in since the listing, or a file gone: left out */
    return errno == ELOOP || errno == ENOENT
               ? 0
               : cb_ctx__fail(ld->ctx, CB_EIO, "cannot read %s/%s: %s",
                              ld->dir, name, strerror(errno));
  }
  unsigned char *data = NULL;
  size_t len = 0;
  int rc = cb_build_record__read_fd(fd, &data, &len, SITE_FILE_MAX);
  if (rc == -1) { /* not a regular file after all, or too large */
    cb_free(rel);
    return 0;
  }
  if (rc < 0 || cb_vec_grow((void **)&ld->site->files, &ld->cap,
                            ld->site->n_files + 1,
                            sizeof *ld->site->files) < 0) {
    cb_free(data);
    cb_free(rel);
    return cb_ctx__fail(ld->ctx, CB_ENOMEM, "out of memory");
  }
  cb_site_file *f = &ld->site->files[ld->site->n_files++];
  memset(f, 0, sizeof *f);
  f->path = rel;
  f->data = data;
  f->size = len;
  f->type = cb_site__type(rel);
  ld->site->bytes += len;
  return 0;
}

/* Reads the folder open at dfd (taken: closed here), whose path in the
 * site is prefix ("" for the root). */
static int read_dir(loader *ld, int dfd, const char *prefix, int depth) {
  DIR *d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return cb_ctx__fail(ld->ctx, CB_EIO, "cannot read %s/%s: %s", ld->dir,
                        prefix, strerror(errno));
  }
  int err = 0;
  struct dirent *e;
  while (err == 0 && (errno = 0, e = readdir(d))) {
    /* hidden: ".", "..", the temporary files of a build, dot files */
    if (e->d_name[0] == '.')
      continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
      continue; /* links, and whatever else is not a file */
    size_t n = strlen(prefix) + strlen(e->d_name) + 2;
    char *rel = cb_malloc(n);
    if (!rel) {
      err = cb_ctx__fail(ld->ctx, CB_ENOMEM, "out of memory");
      break;
    }
    snprintf(rel, n, "%s%s%s", prefix, *prefix ? "/" : "", e->d_name);
    if (S_ISREG(st.st_mode)) {
      err = add_file(ld, dirfd(d), e->d_name, rel);
      continue;
    }
    int sub = depth < SITE_DEPTH
                  ? openat(dirfd(d), e->d_name,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                  : -1;
    if (sub >= 0)
      err = read_dir(ld, sub, rel, depth + 1);
    cb_free(rel);
  }
  if (err == 0 && errno != 0)
    err = cb_ctx__fail(ld->ctx, CB_EIO, "cannot read %s/%s: %s", ld->dir,
                       prefix, strerror(errno));
  closedir(d);
  return err;
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const cb_site_file *)a)->path,
                ((const cb_site_file *)b)->path);
}

/* The position just before the first "</head>" of an HTML page (any
 * case), or of its "</body>", or its end. */
static size_t client_spot(const unsigned char *p, size_t n) {
  static const char *const ends[] = {"</head>", "</body>"};
  for (size_t k = 0; k < 2; k++)
    for (size_t i = 0; i + 7 <= n; i++)
      if (p[i] == '<' && strncasecmp((const char *)p + i, ends[k], 7) == 0)
        return i;
  return n;
}

/* Adds the reload client to the page f (and connect-src to its policy,
 * when it has the one a build writes before that point). */
static int add_client(cb_ctx *ctx, cb_site_file *f, const char *id) {
  char tag[sizeof client_tag + CB_ETAG_HEX];
  size_t tag_len = (size_t)snprintf(tag, sizeof tag, client_tag, id);
  size_t at = client_spot(f->data, f->size);
  size_t csp = SIZE_MAX;
  for (size_t i = 0; i + sizeof csp_open - 1 <= at; i++)
    if (memcmp(f->data + i, csp_open, sizeof csp_open - 1) == 0) {
      csp = i + sizeof csp_open - 1;
      break;
    }
  size_t extra = tag_len + (csp != SIZE_MAX ? sizeof csp_connect - 1 : 0);
  unsigned char *out = cb_malloc(f->size + extra + 1);
  if (!out)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  size_t o = 0, from = 0;
  if (csp != SIZE_MAX) {
    memcpy(out, f->data, csp);
    memcpy(out + csp, csp_connect, sizeof csp_connect - 1);
    o = csp + sizeof csp_connect - 1;
    from = csp;
  }
  memcpy(out + o, f->data + from, at - from);
  o += at - from;
  memcpy(out + o, tag, tag_len);
  o += tag_len;
  memcpy(out + o, f->data + at, f->size - at);
  o += f->size - at;
  out[o] = '\0';
  cb_free(f->data);
  f->data = out;
  f->size = o;
  return 0;
}

int cb_site__load(cb_site **out, cb_ctx *ctx, const char *dir,
                  const cb_site *previous) {
  *out = NULL;
  loader ld = {ctx, dir, cb_calloc(1, sizeof *ld.site), 0};
  if (!ld.site)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  atomic_init(&ld.site->refs, 1);
  int err = 0;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    err = cb_ctx__fail(ctx, CB_EIO, "cannot open the site %s: %s", dir,
                       strerror(errno));
  else
    err = read_dir(&ld, fd, "", 0);
  if (err < 0)
    goto done;
  cb_site *site = ld.site;
  if (site->n_files)
    qsort(site->files, site->n_files, sizeof *site->files, by_path);
  /* the id: every path and the hash of its bytes, as built */
  cb_sha256 all;
  cb_sha256_init(&all);
  for (size_t i = 0; i < site->n_files; i++) {
    unsigned char digest[CB_SHA256_LEN];
    cb_sha256_digest(digest, site->files[i].data, site->files[i].size);
    cb_sha256_update(&all, site->files[i].path,
                     strlen(site->files[i].path) + 1);
    cb_sha256_update(&all, digest, sizeof digest);
  }
  unsigned char digest[CB_SHA256_LEN];
  cb_sha256_final(&all, digest);
  hex(site->id, digest, CB_ETAG_HEX / 2);
  long long now = (long long)time(NULL);
  for (size_t i = 0; i < site->n_files && err == 0; i++) {
    cb_site_file *f = &site->files[i];
    if (is_html(f) && (err = add_client(ctx, f, site->id)) < 0)
      break;
    cb_sha256_digest(digest, f->data, f->size);
    f->etag[0] = '"';
    hex(f->etag + 1, digest, CB_ETAG_HEX / 2);
    memcpy(f->etag + 1 + CB_ETAG_HEX, "\"", 2);
    const cb_site_file *old = previous ? cb_site__find(previous, f->path)
                                       : NULL;
    f->modified = old && strcmp(old->etag, f->etag) == 0 ? old->modified
                                                        : now;
  }
done:
  if (err < 0) {
    cb_site__release(ld.site);
    return err;
  }
  *out = ld.site;
  return 0;
}

/* ---- lookups ---------------------------------------------------------- */

/* The first file whose path is not below key in strcmp order. */
static size_t lower_bound(const cb_site *site, const char *key) {
  size_t lo = 0, hi = site->n_files;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(site->files[mid].path, key) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const cb_site_file *cb_site__find(const cb_site *site, const char *path) {
  size_t i = lower_bound(site, path);
  return i < site->n_files && strcmp(site->files[i].path, path) == 0
             ? &site->files[i]
             : NULL;
}

int cb_site__resolve(char **rel, const char *path) {
  *rel = NULL;
  if (path[0] != '/')
    return 400;
  const char *p = path + 1;
  int status = 0;
  /* each segment between slashes; the last one may be empty (a folder) */
  for (const char *seg = p;;) {
    const char *end = strchr(seg, '/');
    size_t n = end ? (size_t)(end - seg) : strlen(seg);
    if (n == 2 && seg[0] == '.' && seg[1] == '.')
      return 403; /* climbs out: refused whatever follows */
    if ((n == 0 && end) || (n == 1 && seg[0] == '.'))
      status = 404;
    for (size_t i = 0; i < n; i++)
      if ((unsigned char)seg[i] < 0x20 || seg[i] == 0x7f || seg[i] == '\\')
        status = 404;
    if (!end)
      break;
    seg = end + 1;
  }
  if (status)
    return status;
  size_t n = strlen(p);
  int folder = n == 0 || p[n - 1] == '/';
  char *out = cb_malloc(n + sizeof "index.html");
  if (!out)
    return 500;
  memcpy(out, p, n);
  memcpy(out + n, folder ? "index.html" : "", folder ? sizeof "index.html" : 1);
  *rel = out;
  return 0;
}
