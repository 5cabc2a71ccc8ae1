/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cache: libFuzzer target for the decoders of the build cache
 * (compiler/cache.c, docs/cache.md): the chapter payloads of
 * chapters.bin and the record of a build in build.bin.
 *
 * A MAC under the user's key guards both files, so random bytes would
 * never get past it. This target holds the key: it writes one of its own
 * (XDG_CACHE_HOME in a directory of the target's), and signs whatever the
 * fuzzer gives before the cache reads it, so every input reaches the
 * decoder. A fixed project (questions of every type, cases with inputs,
 * answers and links, a criterion, diagnostics) is built once at start-up;
 * its cache supplies the keys the payloads are filed under.
 *
 * An input is:
 *   - a whole chapters.bin ("CBCHAP02"...): its entries are filed under
 *     the project's chapter keys, in order, and signed;
 *   - a whole build.bin ("CBBUILD2"...): its record gets this build's key
 *     and is signed;
 *   - anything else: byte 0 even, the rest is the payload of every
 *     chapter entry (split at "\xff|CB|\xff" into one per chapter); odd,
 *     the record after its version and key.
 * Then the project is loaded through the cache, checked, and the
 * diagnostics printed (to /dev/null). The seeds in tests/fuzz/corpus/cache
 * are the target's own cache files: set FUZZ_CACHE_SEEDS=DIR to have it
 * write them there at start-up.
 *
 * The project lives in $TMPDIR/casebook-fuzz-cache-UID, a fixed path so
 * that the records of the seeds name its files; an instance that finds
 * it locked by another (libFuzzer's -jobs, two campaigns) works in a
 * directory of its own instead, where the records of the seeds are
 * decoded but not replayed.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <sys/file.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casebook/casebook.h"
#include "codec.h"
#include "sha256.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char questions[] =
    "# Questions\n\n## Question harm: Harmful?\n\n- type: choice\n\n"
    "| Option | Meaning |\n|---|---|\n| safe | [ok](cases.md) |\n"
    "| harmful | **bad** |\n\n"
    "## Question sev: Severity\n\n- type: scale 1-5\n- when: harm ~= \"safe\"\n"
    "- scope: response\n\n## Question tags: Tags\n\n- type: multi\n\n"
    "| Option | Meaning |\n|---|---|\n| a | A |\n| b | B |\n\n"
    "## Question pref: Preference\n\n- type: pairwise\n\n"
    "## Question rank: Rank\n\n- type: rank\n\n"
    "## Question note: Note\n\n- type: text\n\n"
    "## Criterion c: Rule\n\n- applies-to: harm\n- severity: major\n\nProse "
    "with a [link](#criterion-c).\n\n## Case !bad heading\n";

static const char cases[] =
    "# Cases\n\nSee [the questions](questions.md) and ![img](x.png).\n\n"
    "## Case c1: One\n\n```prompt\nhello\n```\n\n```response A\nhi\n```\n\n"
    "```response B\nbye\n```\n\n- harm: harmfull\n- sev: 3\n- tags: a, b\n"
    "- pref: A\n- rank: A > B\n- criteria: c\n- tags: x\n\n"
    "| Response | harm |\n|---|---|\n| A | safe |\n| B | harmful |\n\n"
    "Because [c](case:c2).\n\n## Case c2: Two\n\n```prompt\nq\n```\n\n"
    "- harm: safe\n- status: disputed\n\n- a list\n- of items\n";

static char root[200], proj[260], out[260], pack_path[300], record_path[300];
static unsigned char secret[32];
static unsigned char compiler[20];
static unsigned char chapter_keys[8][20];
static size_t n_chapter_keys;
static unsigned char build_key[20];
static int have_build_key;
static FILE *devnull;

static void write_file(const char *path, const void *data, size_t n) {
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    perror(path);
    abort();
  }
  if (n)
    fwrite(data, 1, n, fp);
  fclose(fp);
}

static unsigned char *read_whole(const char *path, size_t *n) {
  FILE *fp = fopen(path, "rb");
  unsigned char *buf = NULL;
  *n = 0;
  if (!fp)
    return NULL;
  fseek(fp, 0, SEEK_END);
  long len = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  if (len >= 0 && (buf = malloc((size_t)len + 1)) &&
      fread(buf, 1, (size_t)len, fp) == (size_t)len)
    *n = (size_t)len;
  fclose(fp);
  return buf;
}

/* Loads the project through the cache and prints what it says; checks
 * the book when a chapter came from the cache (the rules then run on
 * what the decoder made; a book parsed from the Markdown is the other
 * targets' business, and checking costs most of a run). */
static void build(int save) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  size_t chapters = 0, cached = 0;
  if (cb_ctx_new(&ctx, NULL) < 0)
    return;
  if (cb_build_cache_open(ctx, out, NULL) == 0 &&
      cb_book_load(&book, ctx, proj) == 0 && book) {
    cb_build_cache_counts(ctx, &chapters, &cached);
    if (cached || save)
      cb_book_check(ctx, book);
    if (save)
      cb_build_cache_save(ctx, book);
  }
  cb_diag_print(devnull, ctx, CB_FMT_GCC, 0);
  cb_diag_print(devnull, ctx, CB_FMT_JSON, 0);
  cb_ctx_free(ctx);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  remove(path);
  return 0;
}

/* The directory of this process alone, removed when it exits. */
static char own_root[200];
static void remove_own_root(void) {
  nftw(own_root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *tmp = getenv("TMPDIR");
  char path[400];
  snprintf(root, sizeof root, "%s/casebook-fuzz-cache-%ld",
           tmp && *tmp ? tmp : "/tmp", (long)getuid());
  mkdir(root, 0700);
  /* the fixed directory while this process runs (the lock is held until
   * it exits), else one of its own */
  snprintf(path, sizeof path, "%s/lock", root);
  int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
    snprintf(root, sizeof root, "%s/casebook-fuzz-cache-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root))
      abort();
    snprintf(own_root, sizeof own_root, "%s", root);
    atexit(remove_own_root);
  }
  snprintf(proj, sizeof proj, "%s/p", root);
  snprintf(out, sizeof out, "%s/out", root);
  snprintf(pack_path, sizeof pack_path, "%s/.cache/chapters.bin", out);
  snprintf(record_path, sizeof record_path, "%s/.cache/build.bin", out);
  mkdir(root, 0700);
  mkdir(proj, 0700);
  mkdir(out, 0700);
  snprintf(path, sizeof path, "%s/xdg", root);
  mkdir(path, 0700);
  setenv("XDG_CACHE_HOME", path, 1);
  snprintf(path, sizeof path, "%s/xdg/casebook", root);
  mkdir(path, 0700);
  /* the key: fixed bytes, so that the seeds stay valid */
  for (size_t i = 0; i < sizeof secret; i++)
    secret[i] = (unsigned char)(0xA5 ^ i);
  snprintf(path, sizeof path, "%s/xdg/casebook/key", root);
  unlink(path);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || write(fd, secret, sizeof secret) != (ssize_t)sizeof secret) {
    perror(path);
    abort();
  }
  fchmod(fd, 0600);
  close(fd);
  snprintf(path, sizeof path, "%s/questions.md", proj);
  write_file(path, questions, sizeof questions - 1);
  snprintf(path, sizeof path, "%s/cases.md", proj);
  write_file(path, cases, sizeof cases - 1);
  snprintf(path, sizeof path, "%s/casebook.lua", proj);
  write_file(path, "title = \"Fuzz\"\n", 15);
  devnull = fopen("/dev/null", "w");
  if (!devnull)
    abort();

  /* a build that fills the cache: its keys are what inputs are filed
   * under */
  unlink(pack_path);
  unlink(record_path);
  build(1);
  size_t n = 0;
  unsigned char *pack = read_whole(pack_path, &n);
  if (!pack || n < 36 || memcmp(pack, "CBCHAP02", 8) != 0) {
    fprintf(stderr, "fuzz_cache: the setup build wrote no chapter cache\n");
    abort();
  }
  memcpy(compiler, pack + 8, 20);
  uint64_t count = cb_codec__get_le64(pack + 28);
  size_t at = 36;
  for (uint64_t i = 0; i < count && n_chapter_keys < 8 && at + 60 <= n; i++) {
    memcpy(chapter_keys[n_chapter_keys++], pack + at, 20);
    at += 60 + (size_t)cb_codec__get_le64(pack + at + 20);
  }
  size_t rn = 0;
  unsigned char *record = read_whole(record_path, &rn);
  if (record && rn >= 8 + 32 + 21 && record[40] == 1) {
    memcpy(build_key, record + 41, 20);
    have_build_key = 1;
  }
  const char *seeds = getenv("FUZZ_CACHE_SEEDS");
  if (seeds) {
    snprintf(path, sizeof path, "%s/chapters.bin", seeds);
    write_file(path, pack, n);
    if (record) {
      snprintf(path, sizeof path, "%s/build.bin", seeds);
      write_file(path, record, rn);
    }
  }
  free(pack);
  free(record);
  return 0;
}

static void sign_entry(unsigned char *e, const unsigned char *payload,
                       size_t len) {
  cb_hmac m;
  cb_codec__put_le64(e + 20, len);
  cb_hmac_init(&m, secret, sizeof secret);
  cb_hmac_update(&m, "CBCHAP02", 8);
  cb_hmac_update(&m, compiler, 20);
  cb_hmac_update(&m, e, 28);
  cb_hmac_update(&m, payload, len);
  cb_hmac_final(&m, e + 28);
}

/* Writes chapters.bin with the payloads given, filed under the project's
 * chapter keys in order (the last payload again for the rest). */
static void write_pack(const unsigned char *const *payloads,
                       const size_t *lens, size_t n) {
  size_t total = 36;
  for (size_t i = 0; i < n_chapter_keys; i++)
    total += 60 + lens[i < n ? i : n - 1];
  unsigned char *buf = malloc(total);
  memcpy(buf, "CBCHAP02", 8);
  memcpy(buf + 8, compiler, 20);
  cb_codec__put_le64(buf + 28, n_chapter_keys);
  size_t at = 36;
  for (size_t i = 0; i < n_chapter_keys; i++) {
    const unsigned char *p = payloads[i < n ? i : n - 1];
    size_t len = lens[i < n ? i : n - 1];
    memcpy(buf + at, chapter_keys[i], 20);
    if (len)
      memcpy(buf + at + 60, p, len);
    sign_entry(buf + at, buf + at + 60, len);
    at += 60 + len;
  }
  write_file(pack_path, buf, total);
  free(buf);
}

/* Writes build.bin: the record body, signed. */
static void write_record(const unsigned char *body, size_t len) {
  unsigned char *buf = malloc(40 + len + 1);
  cb_hmac m;
  memcpy(buf, "CBBUILD2", 8);
  if (len)
    memcpy(buf + 40, body, len);
  cb_hmac_init(&m, secret, sizeof secret);
  cb_hmac_update(&m, "CBBUILD2", 8);
  cb_hmac_update(&m, buf + 40, len);
  cb_hmac_final(&m, buf + 8);
  write_file(record_path, buf, 40 + len);
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char sep[] = "\xff|CB|\xff";
  unlink(pack_path);
  unlink(record_path);
  if (size >= 36 && memcmp(data, "CBCHAP02", 8) == 0) {
    /* a whole chapter file: its entries, as they are laid out */
    const unsigned char *payloads[8];
    size_t lens[8], n = 0, at = 36;
    while (n < 8 && at + 60 <= size) {
      uint64_t len = cb_codec__get_le64(data + at + 20);
      if (len > size - at - 60)
        len = size - at - 60;
      payloads[n] = data + at + 60;
      lens[n++] = (size_t)len;
      at += 60 + (size_t)len;
    }
    if (n)
      write_pack(payloads, lens, n);
  } else if (size >= 40 && memcmp(data, "CBBUILD2", 8) == 0) {
    unsigned char *body = malloc(size - 40 + 1);
    memcpy(body, data + 40, size - 40);
    if (size - 40 >= 21 && have_build_key)
      memcpy(body + 1, build_key, 20); /* this build's key */
    write_record(body, size - 40);
    free(body);
  } else if (size >= 1 && data[0] % 2 == 0) {
    const unsigned char *payloads[8];
    size_t lens[8], n = 0;
    const unsigned char *p = data + 1, *end = data + size;
    while (n < 7) {
      const unsigned char *hit = NULL;
      for (const unsigned char *q = p; q + 6 <= end; q++)
        if (memcmp(q, sep, 6) == 0) {
          hit = q;
          break;
        }
      if (!hit)
        break;
      payloads[n] = p;
      lens[n++] = (size_t)(hit - p);
      p = hit + 6;
    }
    payloads[n] = p;
    lens[n++] = (size_t)(end - p);
    write_pack(payloads, lens, n);
  } else if (size >= 1) {
    unsigned char *body = malloc(size + 21);
    body[0] = 1;
    memcpy(body + 1, build_key, 20);
    memcpy(body + 21, data + 1, size - 1);
    write_record(body, size + 20);
    free(body);
  }
  build(0);
  return 0;
}
