/* SPDX-License-Identifier: MIT */
/*
 * cache.c: the incremental build cache (cache.h, docs/cache.md): its
 * keys, its files under OUT/.cache and their MACs, and when a chapter or
 * a whole build is taken from it. What a chapter's payload holds is the
 * codec's (codec.c); what the record of a build holds and how it is
 * compared is build_record.c's.
 *
 * OUT/.cache/ holds two files, each written atomically:
 *
 *   chapters.bin  "CBCHAP02", the compiler id, then entries: a 20-byte
 *                 key, the payload length, the payload's MAC and the
 *                 payload (one chapter's extraction result).
 *   build.bin     "CBBUILD2", the MAC of the rest, then the record of the
 *                 last build: its key, every input file with its stat and
 *                 blob id, every output file with its stat, the files the
 *                 diagnostics point at, and the diagnostics.
 *
 * Whoever can commit can put any file into an output directory inside
 * the project, so nothing is read from these files unless it carries an
 * HMAC-SHA256 under the user's own key, kept outside every project
 * ($XDG_CACHE_HOME/casebook/key, made on first use); a file tracked by
 * git is not read at all. A MAC that does not verify makes a note and a
 * miss, and the payload is never decoded.
 *
 * The header numbers of chapters.bin are 64-bit little-endian; the
 * payloads and the record are in the codec's format (codec.h).
 */
#include "cache.h"

#include <cmark-gfm.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <lua.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build_record.h"
#include "codec.h"
#include "embed.h"
#include "git.h"
#include "output.h"
#include "sha256.h"
#include "source.h"
#include "strmap.h"

#define KEY_LEN CB_BLOB_ID_LEN
#define CHAP_MAGIC "CBCHAP02"
#define BUILD_MAGIC "CBBUILD2"
#define MAGIC_LEN 8
#define MAC_LEN CB_SHA256_LEN
/* The user's secret: 32 random bytes in a file of its own. */
#define SECRET_LEN 32

/* ---- hashing ----------------------------------------------------------- */

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

/* A fast 64-bit checksum of the compiler's own bytes, for its identity
 * (not cryptographic; what authenticates the cache is the MAC). */
static uint64_t checksum(const void *data, size_t n) {
  const unsigned char *p = data;
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = rotl(h ^ (w * 0x87c37b91114253d5ULL), 29) * 0x4cf5ad432745937fULL;
    p += 8;
    n -= 8;
  }
  uint64_t t = 0;
  for (size_t i = 0; i < n; i++)
    t |= (uint64_t)p[i] << (8 * i);
  return mix(h ^ t ^ 0x52dce729ULL);
}

/* ---- bytes ------------------------------------------------------------- */

static void put_raw(cb_buf *b, const void *p, size_t n) {
  cb_buf_append(b, p, n);
}

static void put_u64le(cb_buf *b, uint64_t v) {
  unsigned char t[8];
  cb_codec__put_le64(t, v);
  cb_buf_append(b, (const char *)t, 8);
}

/* ---- the cache ----------------------------------------------------------- */

typedef struct entry {
  const unsigned char *key;
  const unsigned char *mac;  /* MAC_LEN bytes */
  const unsigned char *data; /* the payload */
  size_t len;
  int checked; /* 1 authentic, -1 not (or malformed), 0 not checked yet */
} entry;

typedef struct chap {
  unsigned char key[KEY_LEN];
  unsigned char blob[KEY_LEN];
  int planned;   /* the key was found by cb_cache__plan */
  entry *hit;    /* loaded from this entry */
  cb_buf stored; /* or extracted now: the payload to keep */
  int keep;
} chap;

struct cb_cache {
  cb_ctx *ctx;
  char *dir;     /* OUT/.cache */
  char *outdir;  /* OUT */
  char *options; /* the caller's other choices, as text */
  int off;       /* caching disabled */
  int replayed;
  unsigned char secret[SECRET_LEN]; /* the user's key for the MACs */
  size_t n_untrusted;  /* entries of chapters.bin whose MAC failed */
  int untrusted_noted; /* the note about them is made */
  unsigned char compiler[KEY_LEN];
  unsigned char build_key[KEY_LEN];
  /* the chapters of the last build */
  unsigned char *pack;
  size_t pack_len;
  int pack_read;
  entry *entries;
  size_t n_entries;
  /* this build */
  chap *chaps;
  size_t n_chaps, n_cached;
  unsigned char context[KEY_LEN]; /* what extraction reads of the book */
  unsigned char qids[KEY_LEN];    /* the question ids known, hashed */
  size_t qids_n;
  cb_codec_marks mark; /* before an extraction */
  /* the inputs seen by cb_cache__replay, the outputs, for the record */
  cb_build_record rec;
  /* the last record, while it is compared */
  unsigned char *record;
  size_t record_len;
};

static int is_fs(const cb_cache *c) { return c->ctx->opts.rev == NULL; }

/* A file of the system (the compiler's own executable). */
static int read_file(const char *path, unsigned char **out, size_t *len) {
  return cb_build_record__read_fd(open(path, O_RDONLY | O_CLOEXEC), out, len,
                                  UINT64_MAX);
}

/* The cache's own files, in OUT/.cache: read below the output directory
 * without following any link (a contributor may have committed links
 * there), as output.c opens everything it writes. */
static int read_cache_file(cb_cache *c, const char *path, unsigned char **out,
                           size_t *len) {
  int fd = cb_output__read_fd(c->ctx, path);
  return cb_build_record__read_fd(fd < 0 ? -1 : fd, out, len, UINT64_MAX);
}

static char *join(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  char *s = cb_malloc(na + nb + 2);
  if (!s)
    return NULL;
  memcpy(s, a, na);
  s[na] = '/';
  memcpy(s + na + 1, b, nb + 1);
  return s;
}

/* The compiler's identity: its version, the bytes of the running binary,
 * the embedded files, and the versions of the libraries it runs on (a
 * newer cmark-gfm may parse differently). Computed once. */
static pthread_mutex_t compiler_id_lock = PTHREAD_MUTEX_INITIALIZER;

static int compiler_id(unsigned char out[KEY_LEN]) {
  static unsigned char id[KEY_LEN];
  static int state; /* 0 not yet, 1 done, -1 cannot be known */
  /* A lock, not pthread_once: out of memory leaves state 0, to try again
   * on the next build. */
  pthread_mutex_lock(&compiler_id_lock);
  if (state == 0) {
    cb_buf m = {0};
    unsigned char *exe = NULL;
    size_t n = 0;
    int rc = read_file("/proc/self/exe", &exe, &n);
    if (rc == -1)
      state = -1;
    if (rc < 0) {
      pthread_mutex_unlock(&compiler_id_lock);
      return -1; /* out of memory: no cache this time */
    }
    cb_buf_printf(&m, "casebook %s format %d exe %zu %016llx\n", CB_VERSION,
                  CB_FORMAT_VERSION, n, (unsigned long long)checksum(exe, n));
    cb_free(exe);
    for (size_t i = 0; i < cb_n_embedded_files; i++)
      cb_buf_printf(&m, "%s %zu %016llx\n", cb_embedded_files[i].name,
                    cb_embedded_files[i].len,
                    (unsigned long long)checksum(cb_embedded_files[i].data,
                                                 cb_embedded_files[i].len));
    int maj = 0, min = 0, rev = 0;
    git_libgit2_version(&maj, &min, &rev);
    cb_buf_printf(&m, "cmark %s libxml2 %s jansson %s %s libgit2 %d.%d.%d\n",
                  cmark_version_string(), xmlParserVersion, JANSSON_VERSION,
                  LUA_RELEASE, maj, min, rev);
    if (!m.failed) {
      cb_build_record__blob_id(id, m.data, m.len);
      state = 1;
    }
    cb_buf_free(&m);
  }
  int ok = state == 1;
  pthread_mutex_unlock(&compiler_id_lock);
  if (!ok)
    return -1;
  memcpy(out, id, KEY_LEN);
  return 0;
}

/* ---- the user's key ------------------------------------------------------
 *
 * $XDG_CACHE_HOME/casebook/key (else $HOME/.cache/casebook/key): 32 bytes
 * from getrandom(), in a directory of mode 0700, a file of mode 0600,
 * both the user's. Made once, race-free: written to a temporary file, then
 * linked to its name, which fails rather than replace a key another build
 * made meanwhile; whichever key is there then is the one used. A key that
 * is not a regular file of the user's with mode 0600 and 32 bytes is not
 * used (nor replaced): no cache then.
 */

/* 32 random bytes: 0, or -1. */
static int random_bytes(unsigned char *out, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t k = getrandom(out + got, n - got, 0);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    got += (size_t)k;
  }
  return 0;
}

/* Reads the key from the open file fd, after checking what it is. */
static int read_secret(int fd, unsigned char *out, const char **why) {
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    *why = "the key is not a regular file";
    return -1;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 07777) != 0600) {
    *why = "the key file is not the user's own with mode 0600";
    return -1;
  }
  if (st.st_size != SECRET_LEN) {
    *why = "the key file does not hold 32 bytes";
    return -1;
  }
  size_t got = 0;
  while (got < SECRET_LEN) {
    ssize_t k = read(fd, out + got, SECRET_LEN - got);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      *why = "the key file cannot be read";
      return -1;
    }
    got += (size_t)k;
  }
  return 0;
}

/* Makes a key in the directory dfd unless one is there: 0 when there is
 * one now (made here or by another build), -1 otherwise. */
static int make_secret(int dfd, const char **why) {
  unsigned char secret[SECRET_LEN], nonce[8];
  char tmp[64];
  int rc = -1;
  if (random_bytes(secret, sizeof secret) < 0 ||
      random_bytes(nonce, sizeof nonce) < 0) {
    *why = "no random bytes (getrandom failed)";
    return -1;
  }
  snprintf(tmp, sizeof tmp, "key.tmp-%ld-%02x%02x%02x%02x%02x%02x%02x%02x",
           (long)getpid(), nonce[0], nonce[1], nonce[2], nonce[3], nonce[4],
           nonce[5], nonce[6], nonce[7]);
  int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
  if (fd < 0) {
    *why = "the key cannot be written (the directory is not writable)";
    goto done;
  }
  int ok = fchmod(fd, 0600) == 0 &&
           write(fd, secret, sizeof secret) == (ssize_t)sizeof secret &&
           fsync(fd) == 0;
  if (close(fd) < 0)
    ok = 0;
  if (!ok) {
    *why = "the key cannot be written";
  } else if (linkat(dfd, tmp, dfd, "key", 0) == 0 || errno == EEXIST) {
    rc = 0; /* ours, or the one another build made first */
  } else {
    *why = "the key cannot be linked to its name";
  }
  unlinkat(dfd, tmp, 0);
done:
  memset(secret, 0, sizeof secret);
  return rc;
}

/* Makes path a directory (mode 0700) unless it is one: 0 or -1. */
static int make_dir(const char *path) {
  if (mkdir(path, 0700) == 0 || errno == EEXIST)
    return 0;
  return -1;
}

/* The user's key into out: 0, or -1 with *why saying what is missing. */
static int load_secret(unsigned char *out, const char **why) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  cb_buf base = {0};
  int dfd = -1, fd = -1, rc = -1;
  /* the XDG base directory spec: a relative path is to be ignored */
  if (xdg && xdg[0] == '/') {
    cb_buf_puts(&base, xdg);
  } else if (home && home[0] == '/') {
    cb_buf_puts(&base, home);
    cb_buf_puts(&base, "/.cache");
  } else {
    *why = "neither XDG_CACHE_HOME nor HOME is set to an absolute path";
    return -1;
  }
  if (base.failed || make_dir(cb_buf_cstr(&base)) < 0) {
    *why = "the user's cache directory cannot be made";
    goto done;
  }
  cb_buf_puts(&base, "/casebook");
  if (base.failed || make_dir(cb_buf_cstr(&base)) < 0) {
    *why = "the directory of the key cannot be made";
    goto done;
  }
  dfd = open(cb_buf_cstr(&base), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (dfd < 0 || fstat(dfd, &st) < 0) {
    *why = "the directory of the key cannot be opened";
    goto done;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 0022)) {
    /* someone else could replace the key there */
    *why = "the directory of the key is not the user's own, or others may "
           "write to it";
    goto done;
  }
  fd = openat(dfd, "key", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT) {
    if (make_secret(dfd, why) < 0)
      goto done;
    fd = openat(dfd, "key", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  }
  if (fd < 0) {
    *why = "the key cannot be opened (or is a symbolic link)";
    goto done;
  }
  rc = read_secret(fd, out, why);
done:
  if (fd >= 0)
    close(fd);
  if (dfd >= 0)
    close(dfd);
  cb_buf_free(&base);
  return rc;
}

/* The MAC of one entry of chapters.bin: the file's magic, the compiler,
 * the entry's key and length, and its payload. */
static void entry_mac(const cb_cache *c, unsigned char out[MAC_LEN],
                      const unsigned char *key, const unsigned char *data,
                      size_t len) {
  unsigned char n[8];
  cb_hmac m;
  for (int i = 0; i < 8; i++)
    n[i] = (unsigned char)((uint64_t)len >> (8 * i));
  cb_hmac_init(&m, c->secret, sizeof c->secret);
  cb_hmac_update(&m, CHAP_MAGIC, MAGIC_LEN);
  cb_hmac_update(&m, c->compiler, KEY_LEN);
  cb_hmac_update(&m, key, KEY_LEN);
  cb_hmac_update(&m, n, sizeof n);
  cb_hmac_update(&m, data, len);
  cb_hmac_final(&m, out);
}

/* The MAC of build.bin: its magic and the record. */
static void record_mac(const cb_cache *c, unsigned char out[MAC_LEN],
                       const void *body, size_t len) {
  cb_hmac m;
  cb_hmac_init(&m, c->secret, sizeof c->secret);
  cb_hmac_update(&m, BUILD_MAGIC, MAGIC_LEN);
  cb_hmac_update(&m, body, len);
  cb_hmac_final(&m, out);
}

/* A note about a cache file of this build (never recorded, see
 * CB_NOTE_UNTRUSTED). */
static void cache_note(cb_cache *c, const char *rule, const char *msg) {
  cb_diag__report_path(c->ctx, CB_DIAG_NOTE, rule, NULL, 0, 0, msg);
}

/* Is OUT/.cache/name in the index of a git repository? Then anyone who
 * can commit may have written it: noted, and not read. */
static int tracked(cb_cache *c, const char *name, const char *path) {
  char msg[1200];
  if (!cb_git__tracked(c->dir, name))
    return 0;
  snprintf(msg, sizeof msg,
           "%s is tracked by git, so anyone who can commit could have "
           "written it: it is not used (remove it from the repository with "
           "git rm --cached, and keep the output directory out of git)",
           path);
  cache_note(c, CB_NOTE_TRACKED, msg);
  return 1;
}

int cb_cache__open(cb_cache **out, cb_ctx *ctx, const char *outdir,
                   const char *options) {
  *out = NULL;
  cb_cache *c = cb_calloc(1, sizeof *c);
  if (!c)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  c->ctx = ctx;
  c->rec.ctx = ctx;
  c->rec.root_fd = -1;
  clock_gettime(CLOCK_REALTIME, &c->rec.start);
  c->dir = join(outdir, ".cache");
  c->outdir = cb_strdup(outdir);
  c->rec.outdir = c->outdir;
  c->options = cb_strdup(options ? options : "");
  if (!c->dir || !c->outdir || !c->options) {
    cb_cache__free(c);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  cb_git__init();
  const char *why = NULL;
  struct stat st;
  if (lstat(c->dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
    /* a file, or a symbolic link someone committed: the cache would be
     * read from, and build.bin removed in, a directory elsewhere */
    c->off = 1;
    why = "OUT/.cache is not a directory";
  } else if (compiler_id(c->compiler) < 0) {
    c->off = 1; /* the compiler cannot be told apart: no cache */
    why = "the compiler's own bytes cannot be read";
  } else if (load_secret(c->secret, &why) < 0) {
    c->off = 1; /* nothing to authenticate the cache with */
  }
  if (c->off && ctx->opts.verbose)
    fprintf(stderr, "build cache off: %s\n", why);
  *out = c;
  return 0;
}

void cb_cache__free(cb_cache *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n_chaps; i++)
    cb_buf_free(&c->chaps[i].stored);
  cb_free(c->chaps);
  cb_free(c->entries);
  cb_free(c->pack);
  cb_build_record__free(&c->rec);
  cb_free(c->record);
  cb_free(c->dir);
  cb_free(c->outdir);
  cb_free(c->options);
  memset(c->secret, 0, sizeof c->secret);
  cb_free(c);
}

int cb_cache__replayed(const cb_cache *c) { return c && c->replayed; }

void cb_cache__counts(const cb_cache *c, size_t *chapters, size_t *cached) {
  *chapters = c ? c->n_chaps : 0;
  *cached = c ? c->n_cached : 0;
}

/* ---- the chapters file -----------------------------------------------------
 */

static int cmp_entry(const void *a, const void *b) {
  return memcmp(((const entry *)a)->key, ((const entry *)b)->key, KEY_LEN);
}

/* Reads chapters.bin once: its entries, sorted by key. A damaged or
 * foreign file gives no entries (or those before the damage). */
static int read_pack(cb_cache *c) {
  if (c->pack_read)
    return 0;
  c->pack_read = 1;
  char *path = join(c->dir, "chapters.bin");
  if (!path)
    return CB_ENOMEM;
  int rc = read_cache_file(c, path, &c->pack, &c->pack_len);
  if (rc == 0 && tracked(c, "chapters.bin", path)) {
    cb_free(c->pack);
    c->pack = NULL;
    c->pack_len = 0;
    rc = -1;
  }
  cb_free(path);
  if (rc == -2)
    return CB_ENOMEM;
  if (rc < 0 || c->pack_len < MAGIC_LEN + KEY_LEN + 8 ||
      memcmp(c->pack, CHAP_MAGIC, MAGIC_LEN) != 0 ||
      memcmp(c->pack + MAGIC_LEN, c->compiler, KEY_LEN) != 0)
    return 0;
  const unsigned char *p = c->pack, *end = c->pack + c->pack_len;
  p += MAGIC_LEN + KEY_LEN;
  uint64_t n = cb_codec__get_le64(p);
  p += 8;
  if (n > c->pack_len / (KEY_LEN + 8 + MAC_LEN))
    return 0;
  if (!(c->entries = cb_calloc((size_t)n + 1, sizeof *c->entries)))
    return CB_ENOMEM;
  for (uint64_t i = 0; i < n; i++) {
    if ((size_t)(end - p) < KEY_LEN + 8 + MAC_LEN)
      break;
    entry e = {p, NULL, NULL, 0, 0};
    uint64_t len = cb_codec__get_le64(p + KEY_LEN);
    e.mac = p + KEY_LEN + 8;
    p += KEY_LEN + 8 + MAC_LEN;
    if (len > (uint64_t)(end - p))
      break; /* truncated */
    e.data = p;
    e.len = (size_t)len;
    p += len;
    c->entries[c->n_entries++] = e;
  }
  if (c->n_entries > 1)
    qsort(c->entries, c->n_entries, sizeof *c->entries, cmp_entry);
  return 0;
}

static entry *find_entry(cb_cache *c, const unsigned char *key) {
  size_t lo = 0, hi = c->n_entries;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int r = memcmp(c->entries[mid].key, key, KEY_LEN);
    if (r == 0) {
      entry *e = &c->entries[mid];
      if (e->checked == 0) {
        /* not one byte of a payload is decoded before its MAC holds */
        unsigned char mac[MAC_LEN];
        entry_mac(c, mac, e->key, e->data, e->len);
        e->checked = cb_sha256_equal(mac, e->mac, MAC_LEN) ? 1 : -1;
        c->n_untrusted += e->checked < 0;
      }
      return e->checked > 0 ? e : NULL;
    }
    if (r < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* ---- chapter keys ----------------------------------------------------------
 */

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void put_strs(cb_buf *m, const cb_strlist *l) {
  cb_buf_printf(m, "%zu", l->n);
  for (size_t i = 0; i < l->n; i++) {
    cb_buf_printf(m, " %zu:", strlen(l->items[i]));
    cb_buf_puts(m, l->items[i]);
  }
  cb_buf_putc(m, '\n');
}

/* What extraction reads of the book besides the chapter: the keywords,
 * the raw HTML switch, and the rule settings (they decide the level of
 * the extraction's diagnostics, or drop them). */
static int context_key(cb_cache *c, const cb_builder *b) {
  cb_buf m = {0};
  const cb_manifest *mf = b->manifest;
  cb_buf_puts(&m, "casebook chapter context\n");
  put_strs(&m, &mf->kw_question);
  put_strs(&m, &mf->kw_criterion);
  put_strs(&m, &mf->kw_case);
  cb_buf_printf(&m, "unsafe-html %d\n", mf->unsafe_html);
  const cb_manifest *bm = &c->ctx->book.manifest;
  for (size_t i = 0; i < bm->n_rules; i++)
    cb_buf_printf(
        &m, "rule %zu:%s %d\n", bm->rules[i].id ? strlen(bm->rules[i].id) : 0,
        bm->rules[i].id ? bm->rules[i].id : "", (int)bm->rules[i].severity);
  if (m.failed) {
    cb_buf_free(&m);
    return CB_ENOMEM;
  }
  cb_build_record__blob_id(c->context, m.data, m.len);
  cb_buf_free(&m);
  return 0;
}

/* The hash of the set of question ids known to b: a bullet list of a case
 * is a property list when it names one of them. */
static int qids_key(cb_cache *c, const cb_builder *b) {
  const cb_strmap *m = &b->question_ids;
  const char **ids = cb_malloc((m->n + 1) * sizeof *ids);
  cb_buf h = {0};
  size_t n = 0;
  if (!ids)
    return CB_ENOMEM;
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys && m->keys[i])
      ids[n++] = m->keys[i];
  qsort(ids, n, sizeof *ids, cmp_cstr);
  cb_buf_puts(&h, "casebook question ids\n");
  for (size_t i = 0; i < n; i++) {
    cb_buf_puts(&h, ids[i]);
    cb_buf_putc(&h, '\n');
  }
  cb_free(ids);
  if (h.failed) {
    cb_buf_free(&h);
    return CB_ENOMEM;
  }
  cb_build_record__blob_id(c->qids, h.data, h.len);
  c->qids_n = m->n;
  cb_buf_free(&h);
  return 0;
}

/* The key of a chapter: compiler, the chapter's blob id, the context, the
 * question ids. (With raw HTML allowed, chapters are not cached at all:
 * the author's HTML may hold what looks like a link number.) */
static void chapter_key(cb_cache *c, chap *ch) {
  unsigned char m[32 + 4 * KEY_LEN];
  size_t n = 0;
  memcpy(m, "casebook chapter cache 1\n", 25);
  n = 25;
  memcpy(m + n, c->compiler, KEY_LEN);
  n += KEY_LEN;
  memcpy(m + n, ch->blob, KEY_LEN);
  n += KEY_LEN;
  memcpy(m + n, c->context, KEY_LEN);
  n += KEY_LEN;
  memcpy(m + n, c->qids, KEY_LEN);
  n += KEY_LEN;
  cb_build_record__blob_id(ch->key, m, n);
}

/* Chapters hashed on a second thread when they are this large together:
 * SHA-1 costs about 35 instructions a byte. */
#define HASH_THREAD_MIN_BYTES (1024 * 1024)

typedef struct hash_job {
  cb_cache *c;
  const cb_book *book;
  size_t from, to; /* chapters */
} hash_job;

static void *hash_chapters(void *data) {
  hash_job *j = data;
  for (size_t i = j->from; i < j->to; i++) {
    const cb_file *f = &j->book->files[j->book->chapters[i].file];
    cb_build_record__blob_id(j->c->chaps[i].blob, f->text, f->len);
  }
  return NULL;
}

/* The blob id of every chapter into c->chaps, on two threads for a large
 * book (each file is hashed once, by one of them). */
static void chapter_blobs(cb_cache *c, const cb_book *book) {
  size_t bytes = 0, half = 0;
  for (size_t i = 0; i < book->n_chapters; i++)
    bytes += book->files[book->chapters[i].file].len;
  for (size_t acc = 0; half < book->n_chapters && acc < bytes / 2; half++)
    acc += book->files[book->chapters[half].file].len;
  hash_job first = {c, book, 0, half}, second = {c, book, half, book->n_chapters};
  pthread_t thread;
  if (bytes >= HASH_THREAD_MIN_BYTES &&
      pthread_create(&thread, NULL, hash_chapters, &second) == 0) {
    hash_chapters(&first);
    pthread_join(thread, NULL);
    return;
  }
  first.to = book->n_chapters;
  hash_chapters(&first);
}

int cb_cache__plan(cb_cache *c, cb_builder *b, const cb_book *book) {
  int err;
  if (!c || c->off)
    return 0;
  if ((err = read_pack(c)) < 0 || (err = context_key(c, b)) < 0 ||
      (err = qids_key(c, b)) < 0)
    goto fail;
  if (!(c->chaps = cb_calloc(book->n_chapters + 1, sizeof *c->chaps))) {
    err = CB_ENOMEM;
    goto fail;
  }
  c->n_chaps = book->n_chapters;
  chapter_blobs(c, book);
  for (size_t i = 0; i < book->n_chapters; i++) {
    chap *ch = &c->chaps[i];
    chapter_key(c, ch);
    ch->planned = !b->manifest->unsafe_html && find_entry(c, ch->key);
  }
  if (c->n_untrusted && !c->untrusted_noted) {
    char msg[1200];
    c->untrusted_noted = 1;
    snprintf(msg, sizeof msg,
             "%s/chapters.bin: %zu %s not authenticated by this user's cache "
             "key (written by someone else, or altered): not used",
             c->dir, c->n_untrusted,
             c->n_untrusted == 1 ? "entry is" : "entries are");
    cache_note(c, CB_NOTE_UNTRUSTED, msg);
  }
  return 0;
fail:
  return cb_ctx__fail(c->ctx, err, "out of memory");
}

int cb_cache__planned(const cb_cache *c, size_t i) {
  return c && !c->off && i < c->n_chaps && c->chaps[i].planned;
}

/* Loads payload e into b and ch (nothing is changed in b unless the whole
 * entry reads well). Returns 1, 0 (malformed) or CB_ENOMEM. */
int cb_cache__load_chapter(cb_cache *c, cb_builder *b, cb_chapter *ch,
                           uint32_t i, const cb_file *f) {
  if (!c || c->off || i >= c->n_chaps)
    return 0;
  chap *cp = &c->chaps[i];
  /* marks for cb_cache__store_chapter */
  c->mark.q = b->n_questions;
  c->mark.c = b->n_criteria;
  c->mark.k = b->n_cases;
  c->mark.l = b->n_links;
  c->mark.d = c->ctx->n_diags;
  int changed = b->question_ids.n != c->qids_n;
  if (changed && qids_key(c, b) < 0)
    return cb_ctx__fail(c->ctx, CB_ENOMEM, "out of memory");
  if (changed)
    chapter_key(c, cp); /* the key to store under, too */
  /* only a planned chapter: the others are being parsed ahead */
  if (!cp->planned)
    return 0;
  entry *e = find_entry(c, cp->key);
  if (!e)
    return 0;
  int rc = cb_codec__get_chapter(c->ctx, b, ch, i, f, e->data, e->len);
  if (rc < 0)
    return cb_ctx__fail(c->ctx, rc, "out of memory");
  if (rc == 0) {
    e->checked = -1; /* malformed: never again in this build */
    return 0;
  }
  cp->hit = e;
  c->n_cached++;
  return 1;
}

void cb_cache__store_chapter(cb_cache *c, cb_builder *b, const cb_chapter *ch,
                             uint32_t i, const cb_file *f) {
  if (!c || c->off || i >= c->n_chaps || c->chaps[i].hit ||
      b->manifest->unsafe_html)
    return;
  chap *cp = &c->chaps[i];
  cp->keep = cb_codec__put_chapter(&cp->stored, c->ctx, b, ch, i, f, &c->mark);
  if (!cp->keep)
    cb_buf_free(&cp->stored);
}

/* ---- the record of a build -------------------------------------------------
 */

/* The state of the git repository around the project, as far as the
 * outputs depend on it (stamps, "changed since" markers): HEAD, every
 * reference and the entries of the index (a staged change makes the
 * build dirty). Nothing outside git. */
static void git_state(cb_cache *c, cb_buf *m) {
  git_repository *repo = NULL;
  git_reference_iterator *it = NULL;
  git_reference *ref;
  git_oid oid;
  char hex[GIT_OID_HEXSZ + 1];
  if (git_repository_open_ext(&repo, *c->rec.root ? c->rec.root : ".", 0,
                              NULL) < 0) {
    cb_buf_puts(m, "no git\n");
    git_error_clear();
    return;
  }
  if (git_reference_name_to_id(&oid, repo, "HEAD") == 0)
    cb_buf_printf(m, "HEAD %s\n", git_oid_tostr(hex, sizeof hex, &oid));
  else
    cb_buf_puts(m, "HEAD unborn\n");
  if (git_reference_iterator_new(&it, repo) == 0) {
    while (git_reference_next(&ref, it) == 0) {
      const git_oid *t = git_reference_target(ref);
      const char *sym = git_reference_symbolic_target(ref);
      cb_buf_printf(m, "ref %s %s\n", git_reference_name(ref),
                    t     ? git_oid_tostr(hex, sizeof hex, t)
                    : sym ? sym
                          : "");
      git_reference_free(ref);
    }
    git_reference_iterator_free(it);
  }
  /* the index's entries, not its file: `git status` rewrites the file */
  git_index *index = NULL;
  if (git_repository_index(&index, repo) == 0) {
    size_t n = git_index_entrycount(index);
    cb_buf_printf(m, "index %zu\n", n);
    for (size_t i = 0; i < n; i++) {
      const git_index_entry *e = git_index_get_byindex(index, i);
      if (e)
        cb_buf_printf(m, "%s %o %d %s\n",
                      git_oid_tostr(hex, sizeof hex, &e->id), (unsigned)e->mode,
                      git_index_entry_stage(e), e->path);
    }
    git_index_free(index);
  }
  git_repository_free(repo);
  git_error_clear();
}

/* The key of the whole build: the compiler, where the project and the
 * outputs are as given, the options that change the outputs, git. */
static int build_key(cb_cache *c) {
  cb_buf m = {0};
  cb_buf_puts(&m, "casebook build cache 1\n");
  put_raw(&m, c->compiler, KEY_LEN);
  cb_buf_printf(&m, "\nroot %zu:%s\nout %zu:%s\n", strlen(c->rec.root),
                c->rec.root, strlen(c->outdir), c->outdir);
  const char *rev = c->ctx->opts.rev;
  cb_buf_printf(&m, "rev %d %zu:%s\noptions %zu:%s\n", rev != NULL,
                rev ? strlen(rev) : 0, rev ? rev : "", strlen(c->options),
                c->options);
  git_state(c, &m);
  if (m.failed) {
    cb_buf_free(&m);
    return CB_ENOMEM;
  }
  cb_build_record__blob_id(c->build_key, m.data, m.len);
  cb_buf_free(&m);
  return 0;
}

static char *cache_path(const cb_cache *c, const char *name) {
  return join(c->dir, name);
}

/* Reads build.bin: 1 with c->record set when it is whole and ours. */
static int read_record(cb_cache *c, cb_codec_rd *r) {
  char *path = cache_path(c, "build.bin");
  if (!path)
    return CB_ENOMEM;
  int rc = read_cache_file(c, path, &c->record, &c->record_len);
  if (rc == 0 && tracked(c, "build.bin", path))
    rc = -1;
  if (rc < 0 || rc == -2 || c->record_len < MAGIC_LEN ||
      memcmp(c->record, BUILD_MAGIC, MAGIC_LEN) != 0) {
    cb_free(path);
    return rc == -2 ? CB_ENOMEM : 0; /* none, tracked, or foreign */
  }
  const unsigned char *p = c->record + MAGIC_LEN + MAC_LEN;
  unsigned char mac[MAC_LEN];
  size_t n = c->record_len >= MAGIC_LEN + MAC_LEN
                 ? c->record_len - MAGIC_LEN - MAC_LEN
                 : 0;
  if (n)
    record_mac(c, mac, p, n);
  if (!n || !cb_sha256_equal(mac, c->record + MAGIC_LEN, MAC_LEN)) {
    char msg[1200];
    snprintf(msg, sizeof msg,
             "%s is not authenticated by this user's cache key (written by "
             "someone else, or altered): not used",
             path);
    cache_note(c, CB_NOTE_UNTRUSTED, msg);
    cb_free(path);
    return 0;
  }
  cb_free(path);
  memset(r, 0, sizeof *r);
  r->p = p;
  r->end = p + n;
  r->a = c->ctx->arena;
  if (cb_codec__get_u(r) != 1 || (size_t)(r->end - r->p) < KEY_LEN ||
      memcmp(r->p, c->build_key, KEY_LEN) != 0)
    return 0;
  r->p += KEY_LEN;
  return 1;
}

static void write_record(cb_cache *c, const cb_book *book);

int cb_cache__replay(cb_cache *c, cb_source *src, const char *const *paths,
                     size_t n_paths) {
  int err, touched = 0;
  cb_codec_rd r;
  if (!c || c->off)
    return 0;
  if (!(c->rec.root = c->ctx->book.root)) {
    c->off = 1; /* files from memory: nothing to compare with */
    return 0;
  }
  if ((err = build_key(c)) < 0)
    goto fail;
  if ((err = cb_build_record__list_inputs(&c->rec, src, paths, n_paths)) < 0)
    goto fail;
  err = read_record(c, &r);
  if (err <= 0)
    goto miss;
  if ((err = cb_build_record__same_inputs(&c->rec, &r, src)) <= 0)
    goto miss;
  /* files hashed because their stat changed: record the new stats */
  touched = is_fs(c) && c->rec.n_hashed > 0;
  if ((err = cb_build_record__same_outputs(&c->rec, &r)) <= 0)
    goto miss;
  if ((err = cb_build_record__replay_diags(&c->rec, &r, src)) < 0)
    goto fail;
  if (!err)
    goto miss;
  c->replayed = 1;
  if (touched) {
    /* same bytes, new stats: remember them, so that the next build
     * need not hash these files again */
    write_record(c, &c->ctx->book);
  }
  cb_free(c->record);
  c->record = NULL;
  return 1;
miss:
  cb_free(c->record);
  c->record = NULL;
  if (err < 0)
    goto fail;
  {
    /* a build runs: the old record must not outlive an interrupted one */
    char *path = cache_path(c, "build.bin");
    if (path)
      cb_output__remove(c->ctx, path);
    cb_free(path);
  }
  return 0;
fail:
  return cb_ctx__fail(c->ctx, err, "out of memory");
}

/* ---- saving ----------------------------------------------------------------
 */

/* Writes buf to OUT/.cache/name atomically; 0 or -1. */
static int write_cache_file(cb_cache *c, const char *name, const cb_buf *buf,
                            int flags) {
  char *path = cache_path(c, name);
  int rc = -1;
  if (path && !buf->failed &&
      cb_output__file(c->ctx, path, buf->data ? buf->data : "", buf->len,
                      flags) == 0)
    rc = 0;
  cb_free(path);
  return rc;
}
static void write_record(cb_cache *c, const cb_book *book) {
  cb_buf body = {0}, file = {0};
  cb_codec_wr w = {&body, UINT32_MAX, 0, 0, 0, 0, 0, 0, 0, 0};
  cb_codec__put_u(&w, 1);
  put_raw(&body, c->build_key, KEY_LEN);
  if (cb_build_record__put(&c->rec, &w, book) < 0) {
    cb_buf_free(&body);
    return;
  }
  if (!body.failed) {
    unsigned char mac[MAC_LEN];
    record_mac(c, mac, body.data, body.len);
    put_raw(&file, BUILD_MAGIC, MAGIC_LEN);
    put_raw(&file, mac, MAC_LEN);
    put_raw(&file, body.data, body.len);
    write_cache_file(c, "build.bin", &file, 0);
  }
  cb_buf_free(&body);
  cb_buf_free(&file);
}

/* The blobs of the inputs for the record: a chapter's file takes the
 * blob cb_cache__plan hashed (the bytes the build used); the record
 * hashes the rest. */
static void input_blobs(cb_cache *c, const cb_book *book) {
  /* file -> its chapter's blob, when planned (else hashed again) */
  const unsigned char **planned = cb_calloc(book->n_files + 1, sizeof *planned);
  for (size_t i = 0; planned && i < c->n_chaps && i < book->n_chapters; i++)
    if (book->chapters[i].file < book->n_files)
      planned[book->chapters[i].file] = c->chaps[i].blob;
  cb_build_record__input_blobs(&c->rec, book, planned);
  cb_free(planned);
}

/* chapters.bin: the entries of this build's chapters, the ones loaded
 * copied as they were. Streamed: it may be large. */
static int write_pack(cb_cache *c) {
  cb_buf head = {0};
  cb_output *out = NULL;
  size_t n = 0;
  int rc = -1;
  for (size_t i = 0; i < c->n_chaps; i++)
    n += c->chaps[i].hit || c->chaps[i].keep;
  char *path = cache_path(c, "chapters.bin");
  if (!path || cb_output__open(&out, c->ctx, path, CB_OUTPUT_KEEP_SAME) < 0)
    goto done;
  put_raw(&head, CHAP_MAGIC, MAGIC_LEN);
  put_raw(&head, c->compiler, KEY_LEN);
  put_u64le(&head, n);
  if (head.failed || cb_output__write(out, head.data, head.len) < 0)
    goto done;
  for (size_t i = 0; i < c->n_chaps; i++) {
    const chap *ch = &c->chaps[i];
    const unsigned char *data;
    size_t len;
    unsigned char mac[MAC_LEN];
    if (ch->hit) {
      data = ch->hit->data;
      len = ch->hit->len;
      memcpy(mac, ch->hit->mac, MAC_LEN); /* verified, same key */
    } else if (ch->keep) {
      data = (const unsigned char *)ch->stored.data;
      len = ch->stored.len;
      entry_mac(c, mac, ch->key, data ? data : (const unsigned char *)"",
                len);
    } else {
      continue;
    }
    cb_buf_reset(&head);
    put_raw(&head, ch->key, KEY_LEN);
    put_u64le(&head, len);
    put_raw(&head, mac, MAC_LEN);
    if (head.failed || cb_output__write(out, head.data, head.len) < 0 ||
        cb_output__write(out, data, len) < 0)
      goto done;
  }
  rc = cb_output__commit(out);
  out = NULL;
done:
  cb_output__discard(out);
  cb_buf_free(&head);
  cb_free(path);
  return rc;
}

void cb_cache__save(cb_cache *c, const cb_book *book) {
  if (!c || c->off || c->replayed || !book)
    return;
  cb_ctx *ctx = c->ctx;
  char saved[sizeof ctx->error];
  memcpy(saved, ctx->error, sizeof saved);
  /* a cache that cannot be written is no error of the build */
  if (cb_output__mkdirs(ctx, c->dir) == 0 && write_pack(c) == 0) {
    input_blobs(c, book);
    write_record(c, book);
  }
  memcpy(ctx->error, saved, sizeof saved);
}

/* ---- the public entry points
 * -------------------------------------------------- */

int cb_build_cache_open(cb_ctx *ctx, const char *outdir, const char *options) {
  cb_cache__free(ctx->cache);
  ctx->cache = NULL;
  return cb_cache__open(&ctx->cache, ctx, outdir, options);
}

void cb_build_cache_save(cb_ctx *ctx, const cb_book *book) {
  cb_cache__save(ctx->cache, book);
}

void cb_build_cache_counts(const cb_ctx *ctx, size_t *chapters,
                           size_t *cached) {
  cb_cache__counts(ctx->cache, chapters, cached);
}
