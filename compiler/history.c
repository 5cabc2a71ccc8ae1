/* SPDX-License-Identifier: MIT */
/*
 * history.c: the history of the elements, by one walk down the first
 * parents (see history.h). The walk compares the project directory's
 * tree of each commit with its parent's, enters only the subtrees whose
 * ids differ, and extracts again only the chapters whose blob changed,
 * each blob once: what a blob holds (its elements as lists of fields) is
 * kept by blob id, and by the manifest's blob id, since the manifest's
 * keywords change what a chapter means.
 *
 * Elements are compared by fields, without positions: moving a case
 * within its chapter is no change. Long texts (inputs, rationale,
 * guidance) are kept as a hash and reported as "changed"; short values
 * are shown old -> new.
 */
#include "history.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "book.h"
#include "diff.h"
#include "git.h"
#include "hash.h"
#include "manifest.h"
#include "strmap.h"
#include "suggest.h"

/* Values longer than this are shown as "changed", without the texts. */
#define SHOWN_MAX 80

typedef struct hfield {
  const char *name;
  const char *value; /* NULL when absent */
  int opaque;        /* value is a hash: show "changed" only */
} hfield;

/* An element of one version of a chapter. */
typedef struct hrec {
  const char *key;  /* what "\x1f" id: unique per element */
  const char *what; /* "case", "question", "option", "criterion" */
  const char *id;
  hfield *fields;
  size_t n_fields;
} hrec;

/* What one blob (under one manifest) holds. */
typedef struct hblob {
  hrec *recs;
  size_t n_recs;
} hblob;

/* A chapter (or the manifest) that differs between a commit and its
 * parent. */
typedef struct hchange {
  const char *path;
  git_oid new_id, old_id;
  int has_new, has_old;
} hchange;

struct hist;
/* Called for an element that differs between commit (new) and its
 * parent (old); one of old and new may be NULL (added, removed). Returns
 * 1 to stop the walk, 0 to go on, negative for an error. */
typedef int (*visit_fn)(struct hist *h, git_commit *commit, const hrec *old,
                        const hrec *new_rec);

typedef struct hist {
  cb_ctx *ctx;     /* reports and errors */
  cb_arena *arena; /* records, cache keys: freed after the walk */
  cb_git *git;
  git_repository *repo;
  cb_strmap cache; /* "manifest-id:blob-id" -> index in blobs */
  cb_strmap manifests; /* manifest blob id ("-": none) -> index */
  cb_ctx **manifest_ctx; /* each holds one loaded manifest in its book */
  size_t n_manifests, cap_manifests;
  hblob *blobs;
  size_t n_blobs, cap_blobs;
  cb_strmap qid_set; /* question ids known to the extraction */
  const char **qids;
  size_t n_qids, cap_qids;
  const char *needle; /* log: skip blobs that do not contain it */
  int boundary; /* the step at a shallow boundary: "added" means "there" */
  visit_fn visit;
  /* when set, an element added or removed that it wants is looked for
   * on the other side under another id with the same content: the
   * visit then finds it in renamed (NULL otherwise) */
  int (*wants)(struct hist *h, const hrec *r);
  const hrec *renamed;
  /* called instead of comparing a root commit (no parent), or the last
   * commit of a shallow clone, with nothing, when set: returns 1 when it
   * settled everything */
  int (*at_root)(struct hist *h, git_commit *commit);
  void *data;
  size_t extracted; /* blobs extracted (for -v and the tests) */
  size_t commits;   /* commits visited */
} hist;

/* ---- records ---------------------------------------------------------- */

typedef struct fieldvec {
  hist *h;
  hfield *items;
  size_t n, cap;
  int failed;
} fieldvec;

static void add_field(fieldvec *v, const char *name, const char *value,
                      int opaque) {
  hfield f = {name, value, opaque};
  if (value && !(f.value = cb_arena_strdup(v->h->arena, value)))
    v->failed = 1;
  if (!v->failed && CB_VEC_PUSH(v->items, v->n, v->cap, f) < 0)
    v->failed = 1;
}

/* A long text as a field: its hash. */
static void add_text(fieldvec *v, const char *name, const char *text,
                     size_t len) {
  char hex[20];
  if (!text) {
    add_field(v, name, NULL, 1);
    return;
  }
  snprintf(hex, sizeof hex, "%016llx",
           (unsigned long long)cb_hash__fnv1a_more(CB_FNV1A_START, text, len));
  add_field(v, name, hex, 1);
}

static void add_list(fieldvec *v, const char *name, const cb_strlist *l) {
  cb_buf b = {0};
  for (size_t i = 0; i < l->n; i++) {
    if (i)
      cb_buf_puts(&b, ", ");
    cb_buf_puts(&b, l->items[i]);
  }
  if (b.failed)
    v->failed = 1;
  add_field(v, name, l->n ? cb_buf_cstr(&b) : NULL, 0);
  cb_buf_free(&b);
}

static void add_int(fieldvec *v, const char *name, long long n) {
  char s[32];
  snprintf(s, sizeof s, "%lld", n);
  add_field(v, name, s, 0);
}

/* Adds the record (what, id) with the fields of v to out. */
static int push_rec(hist *h, hrec **recs, size_t *n, size_t *cap,
                    const char *what, const char *id, fieldvec *v) {
  hrec r = {0};
  r.what = what;
  r.id = cb_arena_strdup(h->arena, id);
  r.key = cb_arena_printf(h->arena, "%s\x1f%s", what, id);
  r.n_fields = v->n;
  r.fields = v->n ? cb_arena_alloc(h->arena, v->n * sizeof *r.fields) : NULL;
  if (v->failed || !r.id || !r.key || (v->n && !r.fields)) {
    cb_free(v->items);
    return CB_ENOMEM;
  }
  if (v->n)
    memcpy(r.fields, v->items, v->n * sizeof *r.fields);
  cb_free(v->items);
  v->items = NULL;
  v->n = v->cap = 0;
  return CB_VEC_PUSH(*recs, *n, *cap, r) < 0 ? CB_ENOMEM : 0;
}

static void case_fields(fieldvec *v, const cb_case *c) {
  add_field(v, "title", c->title, 0);
  add_field(v, "status", cb_status_name(c->status), 0);
  for (size_t i = 0; i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    char *name = a->response
                     ? cb_arena_printf(v->h->arena, "gold %s (%s)", a->key,
                                       a->response)
                     : cb_arena_printf(v->h->arena, "gold %s", a->key);
    if (!name) {
      v->failed = 1;
      return;
    }
    add_field(v, name, a->raw, 0);
  }
  add_list(v, "criteria", &c->criteria);
  add_list(v, "tags", &c->tags);
  add_field(v, "source", c->source, 0);
  uint64_t hash = CB_FNV1A_START;
  for (size_t i = 0; i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    hash = cb_hash__fnv1a_more(hash, in->info ? in->info : "",
                               in->info ? strlen(in->info) + 1 : 1);
    hash = cb_hash__fnv1a_more(hash, in->text, in->len);
    hash = cb_hash__fnv1a_more(hash, "\0", 1);
  }
  char hex[20];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
  add_field(v, "inputs", hex, 1);
  add_text(v, "rationale", c->rationale.text,
           c->rationale.text ? strlen(c->rationale.text) : 0);
}

static void question_fields(fieldvec *v, const cb_question *q) {
  add_field(v, "title", q->title, 0);
  add_field(v, "type", cb_qtype_name(q->type), 0);
  if (q->type == CB_Q_SCALE) {
    char s[48];
    snprintf(s, sizeof s, "%d..%d", q->scale_min, q->scale_max);
    add_field(v, "scale", s, 0);
  }
  add_field(v, "required", q->required ? "yes" : "no", 0);
  add_field(v, "when", q->when, 0);
  add_field(v, "scope", q->scope == CB_SCOPE_RESPONSE ? "response" : "case",
            0);
  add_list(v, "responses", &q->responses);
  cb_strlist ids = {0};
  const char **items = q->n_options
                           ? cb_arena_alloc(v->h->arena,
                                            q->n_options * sizeof *items)
                           : NULL;
  if (q->n_options && !items) {
    v->failed = 1;
    return;
  }
  for (size_t i = 0; i < q->n_options; i++)
    items[i] = q->options[i].id;
  ids.items = items;
  ids.n = q->n_options;
  add_list(v, "options", &ids);
  add_text(v, "guidance", q->guidance.text,
           q->guidance.text ? strlen(q->guidance.text) : 0);
}

static void option_fields(fieldvec *v, const cb_question *q,
                          const cb_option *o) {
  const char *m = o->meaning_text ? o->meaning_text : "";
  if (strlen(m) <= SHOWN_MAX && !strchr(m, '\n'))
    add_field(v, "meaning", m, 0);
  else
    add_text(v, "meaning", m, strlen(m));
  if (q->type == CB_Q_SCALE)
    add_int(v, "value", o->value);
  uint64_t hash = CB_FNV1A_START;
  for (size_t i = 0; i < o->n_attrs; i++) {
    hash =
        cb_hash__fnv1a_more(hash, o->attrs[i].key, strlen(o->attrs[i].key) + 1);
    hash = cb_hash__fnv1a_more(hash, o->attrs[i].value ? o->attrs[i].value : "",
                               o->attrs[i].value ? strlen(o->attrs[i].value) + 1
                                                 : 1);
  }
  char hex[20];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
  add_field(v, "columns", hex, 1);
}

static void criterion_fields(fieldvec *v, const cb_criterion *c) {
  add_field(v, "title", c->title, 0);
  add_list(v, "applies-to", &c->applies_to);
  add_field(v, "severity", c->severity, 0);
  add_field(v, "points", c->points, 0);
  add_text(v, "text", c->prose.text, c->prose.text ? strlen(c->prose.text) : 0);
}

/* The records of a book of one chapter. */
static int book_records(hist *h, const cb_book *b, hblob *out) {
  hrec *recs = NULL;
  size_t n = 0, cap = 0;
  int err = 0;
  for (size_t i = 0; i < b->n_questions && !err; i++) {
    const cb_question *q = &b->questions[i];
    fieldvec v = {h, NULL, 0, 0, 0};
    question_fields(&v, q);
    err = push_rec(h, &recs, &n, &cap, "question", q->id, &v);
    for (size_t k = 0; k < q->n_options && !err; k++) {
      fieldvec ov = {h, NULL, 0, 0, 0};
      char *id = cb_arena_printf(h->arena, "%s.%s", q->id, q->options[k].id);
      option_fields(&ov, q, &q->options[k]);
      err = id ? push_rec(h, &recs, &n, &cap, "option", id, &ov) : CB_ENOMEM;
      if (!id)
        cb_free(ov.items);
    }
  }
  for (size_t i = 0; i < b->n_criteria && !err; i++) {
    fieldvec v = {h, NULL, 0, 0, 0};
    criterion_fields(&v, &b->criteria[i]);
    err = push_rec(h, &recs, &n, &cap, "criterion", b->criteria[i].id, &v);
  }
  for (size_t i = 0; i < b->n_cases && !err; i++) {
    fieldvec v = {h, NULL, 0, 0, 0};
    case_fields(&v, &b->cases[i]);
    err = push_rec(h, &recs, &n, &cap, "case", b->cases[i].id, &v);
  }
  if (!err && n) {
    out->recs = cb_arena_alloc(h->arena, n * sizeof *out->recs);
    if (!out->recs)
      err = CB_ENOMEM;
    else
      memcpy(out->recs, recs, n * sizeof *recs);
    out->n_recs = n;
  }
  cb_free(recs);
  return err;
}

static int add_qid(hist *h, const char *id) {
  if (cb_strmap_get(&h->qid_set, id, NULL))
    return 0;
  char *copy = cb_arena_strdup(h->arena, id);
  if (!copy || CB_VEC_PUSH(h->qids, h->n_qids, h->cap_qids, copy) < 0 ||
      cb_strmap_put(&h->qid_set, copy, 0, NULL) < 0)
    return CB_ENOMEM;
  return 0;
}

/* A blob's bytes, copied NUL-terminated into arena; NULL on error. */
static char *blob_text(hist *h, cb_arena *arena, const git_oid *id,
                       size_t *len) {
  git_blob *blob = NULL;
  char *text = NULL;
  if (git_blob_lookup(&blob, h->repo, id) < 0)
    return NULL;
  git_object_size_t size = git_blob_rawsize(blob);
  if (size < (git_object_size_t)(SIZE_MAX / 2) &&
      (text = cb_arena_alloc(arena, (size_t)size + 1))) {
    if (size)
      memcpy(text, git_blob_rawcontent(blob), (size_t)size);
    text[size] = '\0';
    *len = (size_t)size;
  }
  git_blob_free(blob);
  return text;
}

/* Does text[0..len) contain needle? */
static int contains(const char *text, size_t len, const char *needle) {
  size_t n = strlen(needle);
  if (n == 0)
    return 1;
  for (const char *p = text; p + n <= text + len; p++) {
    p = memchr(p, needle[0], (size_t)(text + len - p));
    if (!p || p + n > text + len)
      return 0;
    if (memcmp(p, needle, n) == 0)
      return 1;
  }
  return 0;
}

/* The manifest of blob id (NULL: the project has none), loaded once per
 * walk into a context of its own; hex is its id as text. */
static int load_manifest(hist *h, const git_oid *id, const char *hex,
                         const cb_manifest **out) {
  size_t at;
  if (cb_strmap_get(&h->manifests, hex, &at)) {
    *out = &h->manifest_ctx[at]->book.manifest;
    return 0;
  }
  cb_ctx *mc = NULL;
  char *key = cb_arena_strdup(h->arena, hex);
  if (!key || cb_ctx_new(&mc, NULL) < 0 ||
      CB_VEC_PUSH(h->manifest_ctx, h->n_manifests, h->cap_manifests, mc) < 0) {
    cb_ctx_free(mc);
    return cb_ctx__fail(h->ctx, CB_ENOMEM, "out of memory");
  }
  if (cb_strmap_put(&h->manifests, key, h->n_manifests - 1, NULL) < 0)
    return cb_ctx__fail(h->ctx, CB_ENOMEM, "out of memory");
  size_t len = 0;
  const char *text = id ? blob_text(h, mc->arena, id, &len) : NULL;
  if (id && !text)
    return cb_ctx__fail(h->ctx, CB_EIO, "cannot read casebook.lua at %.7s: %s",
                        hex, cb_git__error());
  /* its diagnostics stay in mc: they belong to `check` at that revision */
  if (cb_manifest__load(mc, &mc->book.manifest, UINT32_MAX, text, len) < 0)
    return cb_ctx__fail(h->ctx, CB_ENOMEM, "out of memory");
  *out = &mc->book.manifest;
  return 0;
}

/* What blob holds under the manifest blob (NULL: none): from the cache,
 * or extracted now. *out is borrowed from h; NULL when the blob does not
 * contain h->needle (nothing of interest). */
static int blob_records(hist *h, const git_oid *manifest, const char *path,
                        const git_oid *blob, const hblob **out) {
  char mhex[GIT_OID_HEXSZ + 1] = "-", bhex[GIT_OID_HEXSZ + 1];
  size_t at;
  int err = 0;
  *out = NULL;
  if (manifest)
    git_oid_tostr(mhex, sizeof mhex, manifest);
  git_oid_tostr(bhex, sizeof bhex, blob);
  /* what a walk with a needle skips is not what a walk without one (a
   * rename's other side) reads: separate entries */
  char *key =
      cb_arena_printf(h->arena, "%s%s:%s", h->needle ? "n:" : "", mhex, bhex);
  if (!key)
    return cb_ctx__fail(h->ctx, CB_ENOMEM, "out of memory");
  if (cb_strmap_get(&h->cache, key, &at)) {
    *out = at == (size_t)-1 ? NULL : &h->blobs[at];
    return 0;
  }
  const cb_manifest *m = NULL;
  if ((err = load_manifest(h, manifest, mhex, &m)) < 0)
    return err;
  cb_ctx *sub = NULL;
  if (cb_ctx_new(&sub, NULL) < 0)
    return cb_ctx__fail(h->ctx, CB_ENOMEM, "out of memory");
  size_t len = 0;
  const char *text = blob_text(h, sub->arena, blob, &len);
  if (!text) {
    err = cb_ctx__fail(h->ctx, CB_EIO, "cannot read '%s' at %.7s: %s", path,
                       bhex, cb_git__error());
    goto done;
  }
  if (h->needle && !contains(text, len, h->needle)) {
    if (cb_strmap_put(&h->cache, key, (size_t)-1, NULL) < 0)
      err = cb_ctx__fail(h->ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  const cb_book *b = NULL;
  hblob hb = {NULL, 0};
  if ((err = cb_book__load_chapter(&b, sub, m, path, text, len, h->qids,
                                   h->n_qids)) < 0) {
    err = cb_ctx__fail(h->ctx, err, "%s", cb_ctx_error(sub));
    goto done;
  }
  h->extracted++;
  if ((err = book_records(h, b, &hb)) < 0)
    goto oom;
  for (size_t i = 0; i < b->n_questions; i++)
    if ((err = add_qid(h, b->questions[i].id)) < 0)
      goto oom;
  if (CB_VEC_PUSH(h->blobs, h->n_blobs, h->cap_blobs, hb) < 0 ||
      cb_strmap_put(&h->cache, key, h->n_blobs - 1, NULL) < 0)
    goto oom;
  *out = &h->blobs[h->n_blobs - 1];
  goto done;
oom:
  err = cb_ctx__fail(h->ctx, CB_ENOMEM, "out of memory");
done:
  cb_ctx_free(sub);
  return err;
}

/* ---- comparing trees ------------------------------------------------- */

typedef struct changes {
  hchange *items;
  size_t n, cap;
} changes;

static int add_change(hist *h, changes *out, const char *path,
                      const git_tree_entry *a, const git_tree_entry *b) {
  hchange c = {0};
  c.path = path;
  if (a && git_tree_entry_type(a) == GIT_OBJECT_BLOB) {
    git_oid_cpy(&c.new_id, git_tree_entry_id(a));
    c.has_new = 1;
  }
  if (b && git_tree_entry_type(b) == GIT_OBJECT_BLOB) {
    git_oid_cpy(&c.old_id, git_tree_entry_id(b));
    c.has_old = 1;
  }
  if (!c.has_new && !c.has_old)
    return 0;
  if (CB_VEC_PUSH(out->items, out->n, out->cap, c) < 0)
    return cb_ctx__fail(h->ctx, CB_ENOMEM, "out of memory");
  return 0;
}

static int diff_trees(hist *h, const git_tree *a, const git_tree *b,
                      const char *rel, int all, changes *out, int depth);

/* Compares the entries ea (in the new tree, may be NULL) and eb (old). */
static int diff_entry(hist *h, const git_tree_entry *ea,
                      const git_tree_entry *eb, const char *rel, int all,
                      changes *out, int depth) {
  const char *name = git_tree_entry_name(ea ? ea : eb);
  if (name[0] == '.' || name[0] == '_')
    return 0;
  if (!all && ea && eb && git_oid_equal(git_tree_entry_id(ea),
                                        git_tree_entry_id(eb)) &&
      git_tree_entry_filemode(ea) == git_tree_entry_filemode(eb))
    return 0;
  char *path = *rel ? cb_arena_printf(h->arena, "%s/%s", rel, name)
                    : cb_arena_strdup(h->arena, name);
  if (!path)
    return cb_ctx__fail(h->ctx, CB_ENOMEM, "out of memory");
  git_tree *ta = NULL, *tb = NULL;
  int err = 0;
  if (ea && git_tree_entry_type(ea) == GIT_OBJECT_TREE &&
      git_tree_lookup(&ta, h->repo, git_tree_entry_id(ea)) < 0)
    err = CB_EIO;
  if (!err && eb && git_tree_entry_type(eb) == GIT_OBJECT_TREE &&
      git_tree_lookup(&tb, h->repo, git_tree_entry_id(eb)) < 0)
    err = CB_EIO;
  if (err) {
    err = cb_ctx__fail(h->ctx, CB_EIO, "cannot read directory '%s': %s", path,
                       cb_git__error());
  } else if (ta || tb) {
    err = diff_trees(h, ta, tb, path, all, out, depth + 1);
  }
  if (!err && cb_book__is_chapter(path) &&
      ((ea && git_tree_entry_filemode(ea) != GIT_FILEMODE_LINK) ||
       (eb && git_tree_entry_filemode(eb) != GIT_FILEMODE_LINK)))
    err = add_change(h, out, path,
                     ea && git_tree_entry_filemode(ea) != GIT_FILEMODE_LINK
                         ? ea : NULL,
                     eb && git_tree_entry_filemode(eb) != GIT_FILEMODE_LINK
                         ? eb : NULL);
  git_tree_free(ta);
  git_tree_free(tb);
  return err;
}

/* The chapters that differ between tree a (new) and b (old), either
 * NULL for none; with all, every chapter of both. */
static int diff_trees(hist *h, const git_tree *a, const git_tree *b,
                      const char *rel, int all, changes *out, int depth) {
  int err = 0;
  if (depth > 64)
    return 0;
  size_t na = a ? git_tree_entrycount(a) : 0;
  size_t nb = b ? git_tree_entrycount(b) : 0;
  for (size_t i = 0; i < na && !err; i++) {
    const git_tree_entry *ea = git_tree_entry_byindex(a, i);
    const git_tree_entry *eb =
        b ? git_tree_entry_byname(b, git_tree_entry_name(ea)) : NULL;
    err = diff_entry(h, ea, eb, rel, all, out, depth);
  }
  for (size_t i = 0; i < nb && !err; i++) {
    const git_tree_entry *eb = git_tree_entry_byindex(b, i);
    if (a && git_tree_entry_byname(a, git_tree_entry_name(eb)))
      continue;
    err = diff_entry(h, NULL, eb, rel, all, out, depth);
  }
  return err;
}

/* The manifest's blob id in tree, 0 when it has none. */
static int manifest_id(const git_tree *tree, git_oid *out) {
  const git_tree_entry *e =
      tree ? git_tree_entry_byname(tree, "casebook.lua") : NULL;
  if (!e || git_tree_entry_type(e) != GIT_OBJECT_BLOB)
    return 0;
  git_oid_cpy(out, git_tree_entry_id(e));
  return 1;
}

/* ---- the walk --------------------------------------------------------- */

static int same_rec(const hrec *a, const hrec *b) {
  if (a->n_fields != b->n_fields)
    return 0;
  for (size_t i = 0; i < a->n_fields; i++) {
    const hfield *x = &a->fields[i], *y = &b->fields[i];
    if (strcmp(x->name, y->name) != 0)
      return 0;
    if ((x->value == NULL) != (y->value == NULL) ||
        (x->value && strcmp(x->value, y->value) != 0))
      return 0;
  }
  return 1;
}

/* Puts the records of the changed chapters on one side (new or old) in
 * map (key -> index in list). */
static int side_records(hist *h, const changes *ch, int new_side,
                        const git_oid *manifest, cb_strmap *map,
                        const hrec ***list, size_t *n, size_t *cap);

/* The element of the other side of a step that r (added when new_side
 * is 0, else removed) was renamed from or to: of the same kind, with
 * the same fields, and an id the side of r does not have; NULL if none.
 * Both sides are read whole (not only the chapters holding h's needle). */
static int rename_partner(hist *h, const changes *ch, const git_oid *m_new,
                          const git_oid *m_old, const hrec *r, int r_new,
                          const hrec **out) {
  cb_strmap map_r = {0}, map_o = {0};
  const hrec **list_r = NULL, **list_o = NULL;
  size_t n_r = 0, cap_r = 0, n_o = 0, cap_o = 0;
  const char *needle = h->needle;
  *out = NULL;
  h->needle = NULL;
  int err = side_records(h, ch, r_new, r_new ? m_new : m_old, &map_r, &list_r,
                         &n_r, &cap_r);
  if (err == 0)
    err = side_records(h, ch, !r_new, r_new ? m_old : m_new, &map_o, &list_o,
                       &n_o, &cap_o);
  h->needle = needle;
  for (size_t i = 0; err == 0 && i < n_o && !*out; i++) {
    const hrec *p = list_o[i];
    if (strcmp(p->what, r->what) == 0 && p->n_fields > 0 &&
        !cb_strmap_get(&map_r, p->key, NULL) && same_rec(p, r))
      *out = p;
  }
  cb_free(list_r);
  cb_free(list_o);
  cb_strmap_free(&map_r);
  cb_strmap_free(&map_o);
  return err;
}

/* Puts the records of the changed chapters on one side (new or old) in
 * map (key -> index in list). */
static int side_records(hist *h, const changes *ch, int new_side,
                        const git_oid *manifest, cb_strmap *map,
                        const hrec ***list, size_t *n, size_t *cap) {
  for (size_t i = 0; i < ch->n; i++) {
    const hchange *c = &ch->items[i];
    if (!(new_side ? c->has_new : c->has_old))
      continue;
    const hblob *hb = NULL;
    int err = blob_records(h, manifest, c->path,
                           new_side ? &c->new_id : &c->old_id, &hb);
    if (err < 0)
      return err;
    for (size_t k = 0; hb && k < hb->n_recs; k++) {
      const hrec *r = &hb->recs[k];
      int fresh = cb_strmap_put(map, r->key, *n, NULL);
      if (fresh < 0 || (fresh && CB_VEC_PUSH(*list, *n, *cap, r) < 0))
        return cb_ctx__fail(h->ctx, CB_ENOMEM, "out of memory");
    }
  }
  return 0;
}

/* Compares commit's project tree a with its parent's b and visits every
 * element that differs. Returns 1 when the visitor stops the walk. */
static int step(hist *h, git_commit *commit, const git_tree *a,
                const git_tree *b) {
  changes ch = {0};
  cb_strmap map_new = {0}, map_old = {0};
  const hrec **list_new = NULL, **list_old = NULL;
  size_t n_new = 0, cap_new = 0, n_old = 0, cap_old = 0;
  git_oid ma, mb;
  int has_ma = manifest_id(a, &ma), has_mb = manifest_id(b, &mb);
  int manifest_changed =
      has_ma != has_mb || (has_ma && !git_oid_equal(&ma, &mb));
  int err = diff_trees(h, a, b, "", manifest_changed, &ch, 0);
  if (err < 0)
    goto done;
  if ((err = side_records(h, &ch, 1, has_ma ? &ma : NULL, &map_new,
                          &list_new, &n_new, &cap_new)) < 0 ||
      (err = side_records(h, &ch, 0, has_mb ? &mb : NULL, &map_old,
                          &list_old, &n_old, &cap_old)) < 0)
    goto done;
  /* element order: as in the new version, then the removed ones */
  for (size_t i = 0; i < n_new && err == 0; i++) {
    size_t k;
    const hrec *old = cb_strmap_get(&map_old, list_new[i]->key, &k)
                          ? list_old[k]
                          : NULL;
    if (old && same_rec(old, list_new[i]))
      continue;
    h->renamed = NULL;
    if (!old && h->wants && h->wants(h, list_new[i]))
      err = rename_partner(h, &ch, has_ma ? &ma : NULL, has_mb ? &mb : NULL,
                           list_new[i], 1, &h->renamed);
    if (err == 0)
      err = h->visit(h, commit, old, list_new[i]);
  }
  for (size_t i = 0; i < n_old && err == 0; i++) {
    if (cb_strmap_get(&map_new, list_old[i]->key, NULL))
      continue;
    h->renamed = NULL;
    if (h->wants && h->wants(h, list_old[i]))
      err = rename_partner(h, &ch, has_ma ? &ma : NULL, has_mb ? &mb : NULL,
                           list_old[i], 0, &h->renamed);
    if (err == 0)
      err = h->visit(h, commit, list_old[i], NULL);
  }
  h->renamed = NULL;
done:
  cb_free(ch.items);
  cb_free(list_new);
  cb_free(list_old);
  cb_strmap_free(&map_new);
  cb_strmap_free(&map_old);
  return err;
}

/* The project's tree in commit, NULL (and 0) when it has none. */
static int tree_of(hist *h, git_commit *commit, git_tree **out) {
  int err = cb_git__project_tree(h->git, commit, out);
  if (err == CB_ENOTFOUND)
    return 0;
  if (err < 0)
    return cb_ctx__fail(h->ctx, CB_EIO, "cannot read the tree of %.7s: %s",
                        git_oid_tostr_s(git_commit_id(commit)),
                        cb_git__error());
  return 0;
}

/* Is commit a boundary of a shallow clone: the repository is shallow and
 * lists the commit in its "shallow" file (the commits whose parents
 * were left out)? Only then is a parent that cannot be read expected;
 * anywhere else it is a damaged repository. */
static int shallow_boundary(hist *h, git_commit *commit) {
  if (git_repository_is_shallow(h->repo) != 1)
    return 0;
  const char *dir = git_repository_commondir(h->repo);
  char hex[GIT_OID_HEXSZ + 1], line[128];
  char *path = dir ? cb_arena_printf(h->arena, "%sshallow", dir) : NULL;
  FILE *fp = path ? fopen(path, "r") : NULL;
  int found = 0;
  git_oid_tostr(hex, sizeof hex, git_commit_id(commit));
  while (fp && !found && fgets(line, sizeof line, fp))
    found = strncmp(line, hex, GIT_OID_HEXSZ) == 0 &&
            (line[GIT_OID_HEXSZ] == '\n' || line[GIT_OID_HEXSZ] == '\0');
  if (fp)
    fclose(fp);
  return found;
}

/* Walks the first parents from start, calling step for each commit.
 * Returns 0 or a negative code with h->ctx's error set: an object that
 * cannot be read is CB_EIO with libgit2's message; only the boundary of
 * a shallow clone ends the walk early, with a note. */
static int walk(hist *h, const git_oid *start) {
  git_commit *commit = NULL, *parent = NULL;
  git_tree *tree = NULL, *ptree = NULL;
  int err = 0;
  if (git_commit_lookup(&commit, h->repo, start) < 0)
    return cb_ctx__fail(h->ctx, CB_EIO, "cannot read commit %s: %s",
                        git_oid_tostr_s(start), cb_git__error());
  if ((err = tree_of(h, commit, &tree)) < 0)
    goto done;
  while (commit) {
    h->commits++;
    if (git_commit_parentcount(commit) > 0 &&
        git_commit_parent(&parent, commit, 0) < 0) {
      char msg[200], id[GIT_OID_HEXSZ + 1], why[400];
      /* libgit2's message, before another call replaces it */
      snprintf(why, sizeof why, "%s", cb_git__error());
      git_oid_tostr(id, sizeof id, git_commit_id(commit));
      if (!shallow_boundary(h, commit)) {
        /* a damaged repository (a corrupt pack, a lost object): an
         * error, not a history that silently ends here */
        const git_oid *pid = git_commit_parent_id(commit, 0);
        char phex[GIT_OID_HEXSZ + 1] = "?";
        if (pid)
          git_oid_tostr(phex, sizeof phex, pid);
        err = cb_ctx__fail(h->ctx, CB_EIO,
                           "cannot read commit %s, the parent of %.7s: %s",
                           phex, id, why);
        goto done;
      }
      /* a shallow clone: the history stops here */
      snprintf(msg, sizeof msg,
               "the history stops at commit %.7s, whose parent is not in "
               "this shallow clone",
               id);
      cb_diag__report_path(h->ctx, CB_DIAG_NOTE, "git-shallow", "", 0, 0, msg);
      parent = NULL;
      /* what the boundary commit holds is all that is known: compared
       * with nothing, with the visitors told */
      h->boundary = 1;
      if (h->at_root)
        err = h->at_root(h, commit);
      else
        err = tree ? step(h, commit, tree, NULL) : 0;
      goto done;
    }
    if (parent && (err = tree_of(h, parent, &ptree)) < 0)
      goto done;
    if (!parent && h->at_root && (err = h->at_root(h, commit)) != 0)
      goto done;
    int same = tree && ptree &&
               git_oid_equal(git_tree_id(tree), git_tree_id(ptree));
    if (!same && (tree || ptree) && (err = step(h, commit, tree, ptree)) != 0)
      goto done;
    git_tree_free(tree);
    git_commit_free(commit);
    tree = ptree;
    commit = parent;
    ptree = NULL;
    parent = NULL;
  }
done:
  git_tree_free(tree);
  git_commit_free(commit);
  git_tree_free(ptree);
  git_commit_free(parent);
  return err == 1 ? 0 : err;
}

static int hist_init(hist *h, cb_ctx *ctx, cb_git *git, const cb_book *book) {
  memset(h, 0, sizeof *h);
  h->ctx = ctx;
  h->git = git;
  h->repo = cb_git__repo(git);
  if (!(h->arena = cb_arena_new()))
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  for (size_t i = 0; i < book->n_questions; i++)
    if (add_qid(h, book->questions[i].id) < 0)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  return 0;
}

static void hist_free(hist *h) {
  for (size_t i = 0; i < h->n_manifests; i++)
    cb_ctx_free(h->manifest_ctx[i]);
  cb_free(h->manifest_ctx);
  cb_strmap_free(&h->manifests);
  cb_strmap_free(&h->cache);
  cb_strmap_free(&h->qid_set);
  cb_free(h->blobs);
  cb_free(h->qids);
  cb_arena_free(h->arena);
}

/* Called for each element of a book by each_element: what it is, its id
 * and its history. Returns 0 to go on, nonzero to stop. */
typedef int (*element_fn)(hist *h, void *data, const char *what,
                          const char *id, const cb_history *t);

/* Calls fn for every element of book: questions, each followed by its
 * options (an option's id as "question.option", in h's arena), criteria,
 * cases. Returns the first nonzero return of fn, CB_ENOMEM, or 0. */
static int each_element(hist *h, const cb_book *book, element_fn fn,
                        void *data) {
  int err = 0;
  for (size_t i = 0; i < book->n_questions && !err; i++) {
    const cb_question *q = &book->questions[i];
    err = fn(h, data, "question", q->id, &q->history);
    for (size_t k = 0; k < q->n_options && !err; k++) {
      char *id = cb_arena_printf(h->arena, "%s.%s", q->id, q->options[k].id);
      err = id ? fn(h, data, "option", id, &q->options[k].history)
               : CB_ENOMEM;
    }
  }
  for (size_t i = 0; i < book->n_criteria && !err; i++)
    err = fn(h, data, "criterion", book->criteria[i].id,
             &book->criteria[i].history);
  for (size_t i = 0; i < book->n_cases && !err; i++)
    err = fn(h, data, "case", book->cases[i].id, &book->cases[i].history);
  return err;
}

/* ---- last changes (cb_book_load_history) ------------------------------ */

typedef struct last_state {
  cb_strmap pending; /* key -> index in targets */
  cb_history **targets;
  size_t n_targets, cap_targets;
  size_t left;
  cb_strmap labels; /* commit hex -> index in label_values */
  const char **label_values;
  size_t n_labels, cap_labels;
} last_state;

/* Sets target at of st to commit; 1 when none is left. */
static int settle(hist *h, last_state *st, size_t at, git_commit *commit) {
  cb_history *t = st->targets[at];
  if (!t || t->last_commit)
    return 0;
  cb_ctx *ctx = h->ctx;
  const char *hex = cb_git__hex(ctx, git_commit_id(commit));
  if (!hex)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  size_t li;
  if (!cb_strmap_get(&st->labels, hex, &li)) {
    char date[40];
    const git_signature *who = git_commit_committer(commit);
    cb_git__iso_date(date, sizeof date, who ? who->when.time : 0,
                     who ? who->when.offset : 0);
    const char *d = cb_arena_strdup(ctx->arena, date);
    const char *label = cb_git__describe(h->git, ctx, commit);
    if (!d || CB_VEC_PUSH(st->label_values, st->n_labels, st->cap_labels, d) < 0 ||
        CB_VEC_PUSH(st->label_values, st->n_labels, st->cap_labels, label) < 0 ||
        cb_strmap_put(&st->labels, hex, st->n_labels - 2, NULL) < 0)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    li = st->n_labels - 2;
  }
  t->last_commit = hex;
  t->last_date = st->label_values[li];
  t->last_label = st->label_values[li + 1];
  return --st->left == 0 ? 1 : 0;
}

static int last_visit(hist *h, git_commit *commit, const hrec *old,
                      const hrec *new_rec) {
  last_state *st = h->data;
  size_t at;
  (void)old;
  if (!new_rec || !cb_strmap_get(&st->pending, new_rec->key, &at))
    return 0;
  return settle(h, st, at, commit);
}

/* At the root commit, when the book is that of the walk's first commit
 * (not dirty): an element not settled yet was never changed by a later
 * commit, so it was there unchanged since the root, which added it. No
 * need to extract every chapter of the root to see it. */
static int last_at_root(hist *h, git_commit *commit) {
  last_state *st = h->data;
  int err = 0;
  for (size_t i = 0; i < st->n_targets && err == 0; i++)
    err = settle(h, st, i, commit);
  return err < 0 ? err : 1;
}

/* Asks for the last change of an element (an element_fn): t belongs to
 * the context's own book, which the walk fills in place. */
static int add_target(hist *h, void *data, const char *what, const char *id,
                      const cb_history *t) {
  last_state *st = data;
  char *key = cb_arena_printf(h->arena, "%s\x1f%s", what, id);
  if (!key)
    return CB_ENOMEM;
  int fresh = cb_strmap_put(&st->pending, key, st->n_targets, NULL);
  if (fresh < 0)
    return CB_ENOMEM;
  if (!fresh)
    return 0; /* a duplicate id: the first element gets the history */
  cb_history *target = (cb_history *)t;
  if (CB_VEC_PUSH(st->targets, st->n_targets, st->cap_targets, target) < 0)
    return CB_ENOMEM;
  st->left++;
  return 0;
}

int cb_book_load_history(cb_ctx *ctx, const cb_book *book) {
  cb_git *git = NULL;
  git_oid start;
  hist h;
  last_state st;
  int err = 0;
  memset(&st, 0, sizeof st);
  if (book != &ctx->book || cb_book__git(ctx, &git, &start) < 0)
    return 0; /* not from git: nothing to fill */
  cb_git__lock(git);
  if ((err = hist_init(&h, ctx, git, book)) < 0)
    goto done;
  h.visit = last_visit;
  h.at_root = book->stamp.dirty ? NULL : last_at_root;
  h.data = &st;
  if ((err = each_element(&h, book, add_target, &st)) < 0) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  if (st.left)
    err = walk(&h, &start);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  /* an object of the history that cannot be read is an error (the
   * "last changed" of the site would be wrong), with libgit2's message
   * in ctx; a shallow clone's boundary is a note, made by the walk */
  if (ctx->opts.verbose)
    fprintf(stderr,
            "history: %zu commits, %zu chapter versions read in %.0f ms "
            "(%.0f ms CPU)\n",
            h.commits, h.extracted,
            (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
            (double)(c1.tv_sec - c0.tv_sec) * 1e3 +
                (double)(c1.tv_nsec - c0.tv_nsec) / 1e6);
done:
  hist_free(&h);
  cb_git__unlock(git);
  cb_strmap_free(&st.pending);
  cb_strmap_free(&st.labels);
  cb_free(st.targets);
  cb_free(st.label_values);
  return err;
}

/* ---- the log of one element (cb_book_log) ----------------------------- */

typedef struct log_state {
  cb_strmap keys; /* the keys asked for */
  int seen;       /* the element is at the shallow boundary */
  cb_log_entry *entries;
  size_t n, cap;
} log_state;

static int log_visit(hist *h, git_commit *commit, const hrec *old,
                     const hrec *new_rec) {
  log_state *st = h->data;
  const hrec *r = new_rec ? new_rec : old;
  if (!cb_strmap_get(&st->keys, r->key, NULL))
    return 0;
  if (h->boundary) {
    st->seen = 1; /* there, but when it came is not in this clone */
    return 0;
  }
  cb_ctx *ctx = h->ctx;
  cb_arena *a = ctx->arena;
  cb_log_entry e;
  memset(&e, 0, sizeof e);
  const git_signature *who = git_commit_author(commit);
  char date[40], hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, git_commit_id(commit));
  cb_git__iso_date(date, sizeof date, who ? who->when.time : 0,
                   who ? who->when.offset : 0);
  const char *subject = git_commit_summary(commit);
  e.commit = cb_arena_strdup(a, hex);
  e.short_id = cb_arena_strndup(a, hex, 7);
  e.date = cb_arena_strdup(a, date);
  e.author = cb_arena_strdup(a, who && who->name ? who->name : "");
  e.email = cb_arena_strdup(a, who && who->email ? who->email : "");
  e.subject = cb_arena_strdup(a, subject ? subject : "");
  e.what = r->what;
  e.id = cb_arena_strdup(a, r->id);
  e.change = !old ? "added" : !new_rec ? "removed" : "changed";
  if (h->renamed) {
    /* the same content under another id in this commit */
    e.change = "renamed";
    const char *other = cb_arena_strdup(a, h->renamed->id);
    if (!other)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    if (new_rec)
      e.renamed_from = other;
    else
      e.renamed_to = other;
  }
  if (!e.commit || !e.short_id || !e.date || !e.author || !e.email ||
      !e.subject || !e.id)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  if (old && new_rec) {
    /* the fields of either side, in the new side's order, then the
     * fields only the old side has */
    size_t max = old->n_fields + new_rec->n_fields;
    e.fields = cb_arena_calloc(a, max + 1, sizeof *e.fields);
    if (!e.fields)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    for (int side = 0; side < 2; side++) {
      const hrec *x = side ? old : new_rec, *y = side ? new_rec : old;
      for (size_t i = 0; i < x->n_fields; i++) {
        const hfield *fx = &x->fields[i], *fy = NULL;
        for (size_t k = 0; k < y->n_fields && !fy; k++)
          if (strcmp(y->fields[k].name, fx->name) == 0)
            fy = &y->fields[k];
        if (side && fy)
          continue; /* already compared */
        const hfield *fo = side ? fx : fy, *fn = side ? fy : fx;
        const char *ov = fo ? fo->value : NULL, *nv = fn ? fn->value : NULL;
        if ((ov == NULL && nv == NULL) || (ov && nv && strcmp(ov, nv) == 0))
          continue;
        cb_log_field *f = &e.fields[e.n_fields++];
        f->name = cb_arena_strdup(a, fx->name);
        int opaque = fx->opaque || (fy && fy->opaque);
        f->before = opaque || !ov ? NULL : cb_arena_strdup(a, ov);
        f->after = opaque || !nv ? NULL : cb_arena_strdup(a, nv);
        if (!f->name)
          return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      }
    }
  }
  if (CB_VEC_PUSH(st->entries, st->n, st->cap, e) < 0)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  return 0;
}

/* Is r an element the log is of (hist.wants)? */
static int log_wants(hist *h, const hrec *r) {
  const log_state *st = h->data;
  return cb_strmap_get(&st->keys, r->key, NULL);
}

/* Adds to keys the element keys id may name: a case, question or
 * criterion, and an option for each split of id at '.' or '/'. */
static int log_keys(hist *h, log_state *st, const char *id) {
  static const char *const whats[] = {"case", "question", "criterion"};
  for (size_t i = 0; i < 3; i++) {
    char *k = cb_arena_printf(h->arena, "%s\x1f%s", whats[i], id);
    if (!k || cb_strmap_put(&st->keys, k, 0, NULL) < 0)
      return CB_ENOMEM;
  }
  for (const char *p = id; *p; p++) {
    if ((*p != '.' && *p != '/') || p == id || !p[1])
      continue;
    char *k = cb_arena_printf(h->arena, "option\x1f%.*s.%s", (int)(p - id), id,
                              p + 1);
    if (!k || cb_strmap_put(&st->keys, k, 0, NULL) < 0)
      return CB_ENOMEM;
  }
  return 0;
}

typedef struct id_list {
  const char **ids;
  size_t n, cap;
} id_list;

/* Adds an element's id to an id_list (an element_fn). */
static int push_id(hist *h, void *data, const char *what, const char *id,
                   const cb_history *t) {
  id_list *l = data;
  (void)h, (void)what, (void)t;
  return CB_VEC_PUSH(l->ids, l->n, l->cap, id) < 0 ? CB_ENOMEM : 0;
}

/* The closest element id to id among the book's and those seen in the
 * history, in ctx's arena; NULL when none is close. */
static const char *log_suggest(hist *h, const cb_book *book, const char *id) {
  id_list l = {NULL, 0, 0};
  const char *best = NULL;
  int failed = each_element(h, book, push_id, &l) < 0;
  for (size_t b = 0; b < h->n_blobs; b++)
    for (size_t k = 0; k < h->blobs[b].n_recs; k++)
      failed |= push_id(h, &l, NULL, h->blobs[b].recs[k].id, NULL) < 0;
  if (!failed && l.n)
    best = cb_suggest(id, l.ids, l.n);
  /* an option asked for by its own id (pii for flags.pii): the first
   * QUESTION.ID whose option part is id, or one typo from it */
  size_t len = strlen(id);
  for (size_t i = 0; !failed && !best && i < l.n; i++) {
    const char *dot = strrchr(l.ids[i], '.');
    if (dot && strcmp(dot + 1, id) == 0)
      best = l.ids[i];
  }
  for (size_t i = 0; !failed && !best && len > 3 && i < l.n; i++) {
    const char *dot = strrchr(l.ids[i], '.');
    if (dot && cb_suggest__distance(id, len, dot + 1, strlen(dot + 1)) <= 1)
      best = l.ids[i];
  }
  if (best)
    best = cb_arena_strdup(h->ctx->arena, best);
  cb_free(l.ids);
  return best;
}

/* Does book have an element that id names (see log_keys)? */
static int in_book(const cb_book *book, const char *id) {
  if (cb_book_case(book, id) || cb_book_question(book, id) ||
      cb_book_criterion(book, id))
    return 1;
  for (size_t i = 0; i < book->n_questions; i++) {
    const cb_question *q = &book->questions[i];
    size_t n = strlen(q->id);
    if (strncmp(id, q->id, n) == 0 && (id[n] == '.' || id[n] == '/') &&
        cb_question_option(q, id + n + 1))
      return 1;
  }
  return 0;
}

int cb_book_log(const cb_log_entry **out, size_t *n, cb_ctx *ctx,
                const cb_book *book, const char *id) {
  cb_git *git = NULL;
  git_oid start;
  hist h;
  log_state st;
  int err = 0;
  *out = NULL;
  *n = 0;
  memset(&st, 0, sizeof st);
  if (cb_book__git(ctx, &git, &start) < 0)
    return cb_ctx__fail(ctx, CB_ENOTFOUND,
                        "'%s' is not in a git repository with commits: no "
                        "history to show",
                        book->root ? book->root : ".");
  cb_git__lock(git);
  if ((err = hist_init(&h, ctx, git, book)) < 0)
    goto done;
  h.visit = log_visit;
  h.wants = log_wants;
  h.data = &st;
  /* a chapter that never contains the id (the question's, for an option)
   * cannot hold the element: such blobs are not extracted */
  const char *dot = id;
  while (*dot && *dot != '.' && *dot != '/')
    dot++;
  h.needle = cb_arena_strndup(h.arena, id, (size_t)(dot - id));
  if (!h.needle || log_keys(&h, &st, id) < 0) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  if ((err = walk(&h, &start)) < 0)
    goto done;
  if (st.n == 0 && !st.seen && !in_book(book, id)) {
    /* unknown here and in the history: a typo? */
    const char *best = log_suggest(&h, book, id);
    if (best)
      err = cb_ctx__fail(ctx, CB_ENOTFOUND,
                         "no element '%s' in the book or its history; did you "
                         "mean '%s'?",
                         id, best);
    else
      err = cb_ctx__fail(ctx, CB_ENOTFOUND,
                         "no element '%s' in the book or its history", id);
    goto done;
  }
  *out = cb_arena_alloc(ctx->arena, (st.n + 1) * sizeof **out);
  if (!*out) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  memcpy((cb_log_entry *)*out, st.entries, st.n * sizeof *st.entries);
  *n = st.n;
done:
  hist_free(&h);
  cb_git__unlock(git);
  cb_strmap_free(&st.keys);
  cb_free(st.entries);
  return err;
}

/* ---- changed markers since a base (cb_book_set_base) ----------------- */

/* Raises an element's state: added stays added. */
static void mark(cb_history *h, cb_change_state s) {
  if (h->state != CB_ADDED)
    h->state = s;
}

int cb_book_set_base(cb_ctx *ctx, const cb_book *base, const char *since,
                     const char *label) {
  cb_book *book = &ctx->book;
  if (!ctx->book_loaded || !base)
    return cb_ctx__fail(ctx, CB_EUSAGE, "no book to compare");
  const cb_change *found = NULL;
  const cb_diff_target *t = NULL;
  size_t n = 0;
  int err = cb_diff__books(&found, &t, &n, ctx, base, book);
  if (err < 0)
    return err;
  book->since = since ? cb_arena_strdup(ctx->arena, since) : NULL;
  book->since_label = label ? cb_arena_strdup(ctx->arena, label) : NULL;
  if ((since && !book->since) || (label && !book->since_label))
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  book->changes = (cb_change *)found;
  book->n_changes = n;
  for (size_t i = 0; i < book->n_questions; i++)
    for (size_t k = 0; k < book->questions[i].n_options; k++)
      book->questions[i].options[k].history.state = CB_UNCHANGED;
  for (size_t i = 0; i < book->n_questions; i++)
    book->questions[i].history.state = CB_UNCHANGED;
  for (size_t i = 0; i < book->n_criteria; i++)
    book->criteria[i].history.state = CB_UNCHANGED;
  for (size_t i = 0; i < book->n_cases; i++)
    book->cases[i].history.state = CB_UNCHANGED;
  for (size_t i = 0; i < n; i++) {
    const char *k = found[i].kind;
    /* spacing and markup are not a change a reader needs pointed out */
    if (found[i].category == CB_CHANGE_COSMETIC &&
        strcmp(k, "element-moved") != 0)
      continue;
    cb_change_state s =
        strstr(k, "-added") || strstr(k, "-renamed") ? CB_ADDED : CB_CHANGED;
    if ((strcmp(k, "question-added") == 0 ||
         strcmp(k, "question-renamed") == 0) &&
        t[i].question >= 0 && (size_t)t[i].question < book->n_questions) {
      cb_question *q = &book->questions[t[i].question];
      for (size_t o = 0; o < q->n_options; o++)
        q->options[o].history.state = CB_ADDED;
    }
    if (strcmp(k, "option-added") == 0 || strcmp(k, "scale-label-added") == 0 ||
        strcmp(k, "option-renamed") == 0) {
      /* new in its question: the question changed, the option is new */
      if (t[i].question >= 0 && (size_t)t[i].question < book->n_questions) {
        cb_question *q = &book->questions[t[i].question];
        mark(&q->history, CB_CHANGED);
        if (t[i].option >= 0 && (size_t)t[i].option < q->n_options)
          mark(&q->options[t[i].option].history, CB_ADDED);
      }
      continue;
    }
    if (t[i].question >= 0 && (size_t)t[i].question < book->n_questions) {
      cb_question *q = &book->questions[t[i].question];
      if (t[i].option >= 0 && (size_t)t[i].option < q->n_options) {
        mark(&q->options[t[i].option].history, CB_CHANGED);
        mark(&q->history, CB_CHANGED);
      } else {
        mark(&q->history, s);
      }
    }
    if (t[i].criterion >= 0 && (size_t)t[i].criterion < book->n_criteria)
      mark(&book->criteria[t[i].criterion].history, s);
    if (t[i].kase >= 0 && (size_t)t[i].kase < book->n_cases)
      mark(&book->cases[t[i].kase].history, s);
  }
  return 0;
}
