/*
 * emit_html.c: the annotator site (index.html, one page per chapter,
 * style.css): which pages there are, what each one holds, and the workers
 * that write them.
 *
 * The pipeline of a page:
 *
 *   html_page.c     the template, parsed once with libxml2 and serialized
 *                   into bytes with holes at its data-slot elements; the
 *                   sidebar; ids and hrefs relative to the page
 *   emit_html.c     the content: the index, or a chapter's items in order
 *   html_element.c  question and criterion sections, back-links
 *   html_case.c     case cards
 *   html_writer.c   the bytes: every text and attribute value escaped as it
 *                   is written, fragments of cmark-gfm with their links
 *                   resolved
 *
 * Pages are written by workers that take the next page from a shared
 * counter; cb_book_emit runs two of them on a big book (see emit.c). All
 * they share (cb_site: the book, the layout, the back-link index) is
 * read-only while they run. A page whose bytes did not change is not
 * rewritten.
 */
#include "emit_html.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "html_case.h"
#include "html_element.h"
#include "html_page.h"
#include "output.h"
#include "strmap.h"

#define N_WORKERS 2

/* A worker: writes pages, one at a time, with buffers of its own. */
typedef struct worker {
  cb_ctx *ctx; /* where errors go: one per thread */
  cb_html_page page;
  cb_buf path; /* the output file name */
} worker;

/* The site being written: set up once, read-only while the workers run. */
struct cb_site {
  cb_ctx *ctx; /* of the setup and the finish */
  const cb_book *book;
  const char *dir;
  cb_html_layout *layout;
  cb_html_index index;
  cb_strmap slugs;    /* page names of the chapters */
  atomic_size_t next; /* the next page to write; n_chapters is the index */
  atomic_int stop;    /* a worker failed: the others stop */
  worker workers[N_WORKERS];
};

/* ---- chapter pages --------------------------------------------------- */

/* Claims the anchors of the chapter's elements and its heading slugs
 * before anything is written (see cb_html_page__set_id). */
static void claim_ids(cb_html_page *p, const cb_chapter *ch) {
  const cb_book *b = p->book;
  for (size_t i = 0; i < ch->n_items; i++) {
    size_t k = ch->items[i].index;
    switch (ch->items[i].kind) {
    case CB_ITEM_QUESTION:
      if (k < b->n_questions) {
        const cb_question *q = &b->questions[k];
        cb_html_page__claim(p, cb_html_page__anchor(p, "question", q->id, NULL),
                            CB_HTML_OWNER(q));
        for (size_t o = 0; o < q->n_options; o++)
          cb_html_page__claim(
              p, cb_html_page__anchor(p, "option", q->id, q->options[o].id),
              CB_HTML_OWNER(&q->options[o]));
      }
      break;
    case CB_ITEM_CRITERION:
      if (k < b->n_criteria)
        cb_html_page__claim(
            p, cb_html_page__anchor(p, "criterion", b->criteria[k].id, NULL),
            CB_HTML_OWNER(&b->criteria[k]));
      break;
    case CB_ITEM_CASE:
      if (k < b->n_cases)
        cb_html_page__claim(
            p, cb_html_page__anchor(p, "case", b->cases[k].id, NULL),
            CB_HTML_OWNER(&b->cases[k]));
      break;
    default:
      break;
    }
  }
  for (size_t i = 0; i < ch->n_headings; i++)
    if (ch->headings[i].slug && *ch->headings[i].slug)
      cb_html_page__claim(p, ch->headings[i].slug,
                          CB_HTML_OWNER(&ch->headings[i]));
}

/* The heading of ch that an element at loc opens, or NULL. *next is the
 * first heading not yet matched (elements come in document order). */
static const cb_heading *heading_at(const cb_chapter *ch, cb_loc loc,
                                    size_t *next) {
  while (*next < ch->n_headings && ch->headings[*next].loc.line < loc.line)
    (*next)++;
  if (*next < ch->n_headings && ch->headings[*next].loc.line == loc.line)
    return &ch->headings[(*next)++];
  return NULL;
}

/* Writes item it of chapter ch. *next: see heading_at. */
static void chapter_item(cb_html_page *p, const cb_html_index *ix,
                         const cb_chapter *ch, const cb_item *it,
                         size_t *next) {
  const cb_book *b = p->book;
  switch (it->kind) {
  case CB_ITEM_PROSE:
    cb_html__fragment(&p->out, b, it->html);
    break;
  case CB_ITEM_HEADING: {
    if (it->index >= ch->n_headings)
      break;
    const cb_heading *h = &ch->headings[it->index];
    cb_html__open(&p->out, cb_html_element__heading_tag(h), NULL);
    cb_html_page__set_id(p, h->slug, CB_HTML_OWNER(h));
    cb_html__puts(&p->out, h->text);
    cb_html__close(&p->out);
    if (it->index + 1 > *next)
      *next = it->index + 1;
    break;
  }
  case CB_ITEM_QUESTION:
    if (it->index < b->n_questions)
      cb_html_element__question(
          p, ix, it->index, heading_at(ch, b->questions[it->index].loc, next));
    break;
  case CB_ITEM_CRITERION:
    if (it->index < b->n_criteria)
      cb_html_element__criterion(
          p, ix, it->index, heading_at(ch, b->criteria[it->index].loc, next));
    break;
  case CB_ITEM_CASE:
    if (it->index < b->n_cases)
      cb_html_case__card(p, ix, it->index,
                         heading_at(ch, b->cases[it->index].loc, next));
    break;
  }
}

/* Links to the previous and next chapters. */
static void pager(cb_html_page *p) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  size_t chi = p->chapter;
  if (b->n_chapters < 2)
    return;
  cb_html__open(o, CB_TAG_NAV, "pager");
  cb_html__attr(o, "aria-label", "Chapters");
  if (chi > 0) {
    cb_html__open_link(o, cb_html_page__page_of(p, chi - 1), "prev");
    cb_html__attr(o, "rel", "prev");
    cb_html__puts(o, "\xE2\x86\x90 ");
    cb_html__puts(o, b->chapters[chi - 1].title);
    cb_html__close(o);
  }
  if (chi + 1 < b->n_chapters) {
    cb_html__open_link(o, cb_html_page__page_of(p, chi + 1), "next");
    cb_html__attr(o, "rel", "next");
    cb_html__puts(o, b->chapters[chi + 1].title);
    cb_html__puts(o, " \xE2\x86\x92");
    cb_html__close(o);
  }
  cb_html__close(o);
}

/* The content slot of a chapter page (data: the site). */
static void chapter_content(cb_html_page *p, void *data) {
  const cb_site *st = data;
  const cb_chapter *ch = &p->book->chapters[p->chapter];
  size_t next = 0;
  claim_ids(p, ch);
  cb_html__open(&p->out, CB_TAG_ARTICLE, "chapter");
  for (size_t i = 0; i < ch->n_items; i++)
    chapter_item(p, &st->index, ch, &ch->items[i], &next);
  cb_html__close(&p->out);
  pager(p);
}

/* ---- the index page -------------------------------------------------- */

static void index_chapters(cb_html_page *p) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  size_t *counts = cb_calloc(b->n_chapters * 3 + 1, sizeof(size_t));
  if (!counts) {
    p->failed = 1;
    return;
  }
  for (size_t i = 0; i < b->n_questions; i++)
    if (b->questions[i].chapter < b->n_chapters)
      counts[b->questions[i].chapter * 3]++;
  for (size_t i = 0; i < b->n_criteria; i++)
    if (b->criteria[i].chapter < b->n_chapters)
      counts[b->criteria[i].chapter * 3 + 1]++;
  for (size_t i = 0; i < b->n_cases; i++)
    if (b->cases[i].chapter < b->n_chapters)
      counts[b->cases[i].chapter * 3 + 2]++;
  static const char *const what[3][2] = {
      {"question", "questions"}, {"criterion", "criteria"}, {"case", "cases"}};
  cb_html__open(o, CB_TAG_OL, "chapters");
  for (size_t i = 0; i < b->n_chapters; i++) {
    cb_html__open(o, CB_TAG_LI, NULL);
    cb_html__link(o, cb_html_page__page_of(p, i), NULL, b->chapters[i].title);
    char line[128];
    size_t len = 0;
    for (int k = 0; k < 3; k++) {
      size_t n = counts[i * 3 + (size_t)k];
      if (n && len < sizeof line)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%zu %s",
                                len ? ", " : "", n, what[k][n != 1]);
    }
    if (len) {
      cb_html__puts(o, " ");
      cb_html__leaf(o, CB_TAG_SPAN, "counts", line);
    }
    cb_html__close(o);
  }
  cb_html__close(o);
  cb_free(counts);
}

static void index_questions(cb_html_page *p) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_TABLE, "summary");
  cb_html__open(o, CB_TAG_THEAD, NULL);
  cb_html__open(o, CB_TAG_TR, NULL);
  cb_html__leaf(o, CB_TAG_TH, NULL, "Question");
  cb_html__leaf(o, CB_TAG_TH, NULL, "Type");
  cb_html__leaf(o, CB_TAG_TH, NULL, "Options");
  cb_html__close(o); /* tr */
  cb_html__close(o); /* thead */
  cb_html__open(o, CB_TAG_TBODY, NULL);
  for (size_t i = 0; i < b->n_questions; i++) {
    const cb_question *q = &b->questions[i];
    cb_html__open(o, CB_TAG_TR, NULL);
    cb_html__open(o, CB_TAG_TD, NULL);
    cb_html__open_link(
        o, cb_html_page__href(p, q->chapter, "question", q->id, NULL), NULL);
    cb_html__leaf(o, CB_TAG_CODE, NULL, q->id);
    cb_html__close(o); /* a */
    if (q->title && *q->title) {
      cb_html__puts(o, " ");
      cb_html__puts(o, q->title);
    }
    cb_html__close(o); /* td */
    if (q->type == CB_Q_SCALE) {
      char range[64];
      snprintf(range, sizeof range, "scale %d\xE2\x80\x93%d", q->scale_min,
               q->scale_max);
      cb_html__leaf(o, CB_TAG_TD, NULL, range);
    } else {
      cb_html__leaf(o, CB_TAG_TD, NULL, cb_qtype_name(q->type));
    }
    cb_html__open(o, CB_TAG_TD, "options");
    for (size_t k = 0; k < q->n_options; k++) {
      if (k)
        cb_html__puts(o, " ");
      cb_html_element__option_ref(p, q, k, q->options[k].id);
    }
    cb_html__close(o); /* td */
    cb_html__close(o); /* tr */
  }
  cb_html__close(o); /* tbody */
  cb_html__close(o); /* table */
}

static void index_criteria(cb_html_page *p) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_UL, "summary");
  for (size_t i = 0; i < b->n_criteria; i++) {
    const cb_criterion *c = &b->criteria[i];
    cb_html__open(o, CB_TAG_LI, NULL);
    cb_html__open_link(
        o, cb_html_page__href(p, c->chapter, "criterion", c->id, NULL), NULL);
    cb_html__leaf(o, CB_TAG_CODE, NULL, c->id);
    cb_html__close(o); /* a */
    if (c->title && *c->title) {
      cb_html__puts(o, " ");
      cb_html__puts(o, c->title);
    }
    cb_html__close(o); /* li */
  }
  cb_html__close(o);
}

/* An <h2> with a fixed id of the index page. */
static void index_heading(cb_html_page *p, const char *text, const char *id) {
  cb_html__open(&p->out, CB_TAG_H2, NULL);
  cb_html_page__set_id(p, id, CB_HTML_OWNER_PAGE);
  cb_html__puts(&p->out, text);
  cb_html__close(&p->out);
}

/* The content slot of the index page (data: the site). */
static void index_content(cb_html_page *p, void *data) {
  const cb_site *st = data;
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_ARTICLE, "index");
  cb_html__leaf(o, CB_TAG_H1, NULL, cb_html_page__title(st->layout));
  cb_html__leaf(o, CB_TAG_P, "stamp", cb_html_page__version(st->layout));
  index_heading(p, "Chapters", "chapters");
  index_chapters(p);
  if (b->n_questions) {
    index_heading(p, "Questions", "questions");
    index_questions(p);
  }
  if (b->n_criteria) {
    index_heading(p, "Criteria", "criteria");
    index_criteria(p);
  }
  cb_html__close(o);
}

/* ---- the site -------------------------------------------------------- */

/* Writes one page: chapter chi, or the index (CB_HTML_INDEX). */
static int write_page(const cb_site *st, worker *w, size_t chi) {
  int err = cb_html_page__write(
      &w->page, st->layout, chi,
      chi == CB_HTML_INDEX ? index_content : chapter_content, (void *)st);
  if (err < 0)
    return cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
  cb_buf_reset(&w->path);
  cb_buf_printf(&w->path, "%s/%s.html", st->dir,
                chi == CB_HTML_INDEX ? "index" : st->book->chapters[chi].slug);
  if (w->path.failed)
    return cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
  const cb_buf *out = &w->page.out.buf;
  return cb_output__file(w->ctx, cb_buf_cstr(&w->path),
                         out->data ? out->data : "", out->len,
                         CB_OUTPUT_KEEP_SAME);
}

/* Page names must be plain file names, distinct, and not the index. */
static int check_slugs(cb_site *st) {
  for (size_t i = 0; i < st->book->n_chapters; i++) {
    const cb_chapter *ch = &st->book->chapters[i];
    const char *s = ch->slug;
    if (!s || !*s || *s == '.' || strchr(s, '/') || strchr(s, '\\') ||
        strcmp(s, "index") == 0 || strcmp(s, "style") == 0)
      return cb_ctx__fail(st->ctx, CB_ERROR,
                          "chapter %s: \"%s\" cannot be the name of a page",
                          ch->path ? ch->path : "?", s ? s : "");
    size_t other;
    int r = cb_strmap_put(&st->slugs, s, i, &other);
    if (r < 0)
      return cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory");
    if (r == 0)
      return cb_ctx__fail(st->ctx, CB_ERROR,
                          "chapters %s and %s would both be %s.html",
                          st->book->chapters[other].path, ch->path, s);
  }
  return 0;
}

/* 1 when name is a page of this build (for cb_output__prune). */
static int is_page(const char *name, void *data) {
  const cb_site *st = data;
  char base[256];
  size_t len = strlen(name) - 5; /* without ".html" */
  if (strcmp(name, "index.html") == 0)
    return 1;
  if (len >= sizeof base)
    return 1; /* not a name we make: leave it alone */
  memcpy(base, name, len);
  base[len] = '\0';
  return cb_strmap_get(&st->slugs, base, NULL);
}

/* Frees what worker w holds; it can be called again. */
static void worker_free(worker *w) {
  cb_html_page__free(&w->page);
  cb_buf_free(&w->path);
}

void cb_emit_html__free(cb_site *st) {
  if (!st)
    return;
  for (int k = 0; k < N_WORKERS; k++)
    worker_free(&st->workers[k]);
  cb_html_page__layout_free(st->layout);
  cb_html_element__index_free(&st->index);
  cb_strmap_free(&st->slugs);
  cb_free(st);
}

int cb_emit_html__begin(cb_site **out, cb_ctx *ctx, const cb_book *book,
                        const char *dir) {
  int err = 0;
  *out = NULL;
  cb_site *st = cb_calloc(1, sizeof *st);
  if (!st)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  st->ctx = ctx;
  st->book = book;
  st->dir = dir;
  atomic_init(&st->next, 0);
  atomic_init(&st->stop, 0);
  if ((err = check_slugs(st)) < 0)
    goto done;
  if ((err = cb_html_page__layout(&st->layout, ctx, book)) < 0)
    goto done;
  if ((err = cb_html_element__index(&st->index, ctx, book)) < 0)
    goto done;
  for (int k = 0; k < N_WORKERS; k++) {
    st->workers[k].ctx = ctx;
    if (cb_html_page__init(&st->workers[k].page, book) < 0) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
  }
  err = cb_output__mkdirs(ctx, dir);
done:
  if (err < 0)
    cb_emit_html__free(st);
  else
    *out = st;
  return err;
}

int cb_emit_html__work(cb_site *st, int worker_id, cb_ctx *ctx) {
  int err = 0;
  assert(worker_id >= 0 && worker_id < N_WORKERS);
  worker *w = &st->workers[worker_id];
  w->ctx = ctx;
  while (!atomic_load(&st->stop)) {
    size_t i = atomic_fetch_add(&st->next, 1);
    if (i > st->book->n_chapters)
      break;
    if ((err = write_page(st, w,
                          i == st->book->n_chapters ? CB_HTML_INDEX : i)) < 0) {
      atomic_store(&st->stop, 1);
      break;
    }
  }
  worker_free(w); /* its memory goes as soon as it is done */
  return err;
}

int cb_emit_html__finish(cb_site *st) {
  int err = 0;
  const char *css;
  size_t css_len;
  char *css_owned = NULL;
  cb_buf path = {0};

  if ((err = cb_output__prune(st->ctx, st->dir, ".html", is_page, st)) < 0)
    goto done;
  if ((err = cb_html_page__template_bytes(st->ctx, st->book, "style.css", 1,
                                          &css, &css_len, &css_owned)) < 0)
    goto done;
  cb_buf_printf(&path, "%s/style.css", st->dir);
  if (path.failed) {
    err = cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  err = cb_output__file(st->ctx, cb_buf_cstr(&path), css, css_len,
                        CB_OUTPUT_KEEP_SAME);
done:
  cb_buf_free(&path);
  cb_free(css_owned);
  return err;
}

int cb_emit_html__site(cb_ctx *ctx, const cb_book *book, const char *dir) {
  cb_site *st = NULL;
  int err = cb_emit_html__begin(&st, ctx, book, dir);
  if (err == 0)
    err = cb_emit_html__work(st, 0, ctx);
  if (err == 0)
    err = cb_emit_html__finish(st);
  cb_emit_html__free(st);
  return err;
}
