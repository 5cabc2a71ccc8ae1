/* SPDX-License-Identifier: MIT */
/*
 * emit_html.c: the annotator site: which pages and files there are, what
 * the chapter pages, the index and the print view hold, and the workers
 * that write them all.
 *
 *   index.html      title, version, chapters, questions and their options
 *   SLUG.html       a chapter
 *   cases.html      every case, filterable (html_index.c)
 *   tags.html, tag-NAME.html   the tags and the cases of each
 *   changes.html    changes since the base revision (only with one)
 *   print.html      every chapter on one page, for paper
 *   search-index.js the search index (html_search.c)
 *   style.css, site.js   assets: the embedded ones or the project's own
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

#include "html_case.h"
#include "html_element.h"
#include "html_index.h"
#include "html_page.h"
#include "html_search.h"
#include "output.h"
#include "strmap.h"

#define N_WORKERS 2

/* Above this many bytes of source, the print view lists the chapters
 * instead of holding them: a page of tens of megabytes is more than a
 * browser can print, and writing it would double the cost of the site. */
#define PRINT_MAX_BYTES (4 * 1024 * 1024)

/* The assets copied into the site: the project's templates/NAME, else the
 * embedded one. */
static const char *const assets[] = {"style.css", "site.js"};

/* The work items after the chapters, in the order the workers take them
 * (the search index and the print view first: they are the longest). */
enum { JOB_SEARCH, JOB_PRINT, N_FIRST_JOBS };
enum { JOB_INDEX, JOB_CASES, JOB_TAGS, JOB_CHANGES, N_LAST_JOBS };

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
  cb_strmap slugs;     /* page names: chapters, then the site's own */
  cb_arena *names;     /* page names made here */
  const char *changes; /* base name of the changes page, NULL: none */
  int print_all;       /* the print view holds every chapter */
  size_t n_jobs;
  atomic_size_t next; /* the next work item (see job()) */
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
    const char *id = cb_html_page__set_id(p, h->slug, CB_HTML_OWNER(h));
    cb_html__puts(&p->out, h->text);
    cb_html_page__permalink(p, id);
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
  cb_html__attr(o, "aria-label", CB_UI(p, CB_UI_CHAPTERS));
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

/* The in-page table of contents, when the chapter has three sections or
 * more. */
static void page_toc(cb_html_page *p, const cb_chapter *ch) {
  if (cb_html_page__outline(p, ch, NULL, 0) < 3)
    return;
  cb_html__open(&p->out, CB_TAG_NAV, "page-toc");
  cb_html__attr(&p->out, "aria-label", CB_UI(p, CB_UI_ON_THIS_PAGE));
  cb_html__leaf(&p->out, CB_TAG_P, "page-toc-title",
                CB_UI(p, CB_UI_ON_THIS_PAGE));
  cb_html_page__outline(p, ch, "page-toc-list", 3);
  cb_html__close(&p->out);
}

/* The items of chapter p->chapter, in an <article>; the in-page table of
 * contents after its title heading. */
static void chapter_article(cb_html_page *p, const cb_site *st) {
  const cb_chapter *ch = &p->book->chapters[p->chapter];
  size_t next = 0, i = 0;
  claim_ids(p, ch);
  cb_html__open(&p->out, CB_TAG_ARTICLE, "chapter");
  if (ch->n_items && ch->items[0].kind == CB_ITEM_HEADING)
    chapter_item(p, &st->index, ch, &ch->items[i++], &next);
  if (!p->print)
    page_toc(p, ch);
  for (; i < ch->n_items; i++)
    chapter_item(p, &st->index, ch, &ch->items[i], &next);
  cb_html__close(&p->out);
}

/* The content slot of a chapter page (data: the site). */
static void chapter_content(cb_html_page *p, void *data) {
  chapter_article(p, data);
  pager(p);
}

/* ---- the print view -------------------------------------------------- */

/* The content slot of print.html: every chapter, one after the other,
 * with hrefs to the elements on the page itself; for a big book, the list
 * of the chapters. */
static void print_content(cb_html_page *p, void *data) {
  const cb_site *st = data;
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_ARTICLE, "print-view");
  cb_html__leaf(o, CB_TAG_H1, NULL, cb_html_page__title(st->layout));
  cb_html__leaf(o, CB_TAG_P, "stamp", cb_html_page__version(st->layout));
  if (!st->print_all) {
    cb_html__leaf(o, CB_TAG_P, "note", CB_UI(p, CB_UI_PRINT_TOO_LARGE));
  }
  cb_html__open(o, CB_TAG_OL, "chapters");
  for (size_t i = 0; i < b->n_chapters; i++) {
    cb_html__open(o, CB_TAG_LI, NULL);
    if (st->print_all) {
      cb_buf_reset(&p->scratch);
      cb_buf_puts(&p->scratch, "#chapter-");
      cb_buf_puts(&p->scratch, b->chapters[i].slug);
      cb_html__link(o, cb_buf_cstr(&p->scratch), NULL, b->chapters[i].title);
    } else {
      cb_html__link(o, cb_html_page__page_of(p, i), NULL, b->chapters[i].title);
    }
    cb_html__close(o);
  }
  cb_html__close(o);
  cb_html__close(o);
  if (!st->print_all)
    return;
  p->print = 1;
  for (size_t i = 0; i < b->n_chapters; i++) {
    p->chapter = i;
    cb_html__open(o, CB_TAG_SECTION, "print-chapter");
    cb_html_page__set_id(
        p, cb_html_page__anchor(p, "chapter", b->chapters[i].slug, NULL),
        CB_HTML_OWNER_PAGE);
    chapter_article(p, st);
    cb_html__close(o);
  }
  p->print = 0;
  p->chapter = CB_HTML_INDEX;
}

/* ---- the index pages ------------------------------------------------- */

static void cases_content(cb_html_page *p, void *data) {
  const cb_site *st = data;
  cb_html_index__cases(p, &st->index);
}

static void tags_content(cb_html_page *p, void *data) {
  const cb_site *st = data;
  cb_html_index__tag_list(p, &st->index);
}

static void changes_content(cb_html_page *p, void *data) {
  const cb_site *st = data;
  cb_html_index__changes(p, &st->index);
}

/* A tag page: data is a tag_job. */
typedef struct tag_job {
  const cb_site *st;
  size_t tag;
} tag_job;

static void tag_content(cb_html_page *p, void *data) {
  const tag_job *t = data;
  cb_html_index__tag(p, &t->st->index, t->tag);
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
  static const cb_ui what[3][2] = {{CB_UI_N_QUESTION, CB_UI_N_QUESTIONS},
                                   {CB_UI_N_CRITERION, CB_UI_N_CRITERIA},
                                   {CB_UI_N_CASE, CB_UI_N_CASES}};
  cb_html__open(o, CB_TAG_OL, "chapters");
  for (size_t i = 0; i < b->n_chapters; i++) {
    cb_html__open(o, CB_TAG_LI, NULL);
    cb_html__link(o, cb_html_page__page_of(p, i), NULL, b->chapters[i].title);
    cb_buf_reset(&p->scratch);
    for (int k = 0; k < 3; k++) {
      size_t n = counts[i * 3 + (size_t)k];
      if (!n)
        continue;
      if (p->scratch.len)
        cb_buf_puts(&p->scratch, ", ");
      cb_ui__format(&p->scratch, CB_UI(p, what[k][n != 1]), n, NULL);
    }
    if (p->scratch.failed)
      p->failed = 1;
    else if (p->scratch.len) {
      cb_html__puts(o, " ");
      cb_html__leaf(o, CB_TAG_SPAN, "counts", p->scratch.data);
    }
    cb_html__close(o);
  }
  cb_html__close(o);
  cb_free(counts);
}

static void index_questions(cb_html_page *p, const cb_html_index *ix) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  cb_html_page__table_open(p, "summary", CB_UI(p, CB_UI_QUESTIONS));
  cb_html__open(o, CB_TAG_THEAD, NULL);
  cb_html__open(o, CB_TAG_TR, NULL);
  cb_html__leaf(o, CB_TAG_TH, NULL, CB_UI(p, CB_UI_QUESTION));
  cb_html__leaf(o, CB_TAG_TH, NULL, CB_UI(p, CB_UI_TYPE));
  cb_html__leaf(o, CB_TAG_TH, NULL, CB_UI(p, CB_UI_OPTIONS));
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
      cb_html__leaf(o, CB_TAG_TD, NULL, cb_html_element__scale(p, q));
    } else {
      cb_html__leaf(o, CB_TAG_TD, NULL, cb_qtype_name(q->type));
    }
    cb_html__open(o, CB_TAG_TD, "options");
    for (size_t k = 0; k < q->n_options; k++) {
      if (k)
        cb_html__puts(o, " ");
      cb_html_element__option_ref(p, ix, q, k, q->options[k].id);
    }
    cb_html__close(o); /* td */
    cb_html__close(o); /* tr */
  }
  cb_html__close(o); /* tbody */
  cb_html_page__table_close(p);
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

/* The book in figures, with links to the site's own pages. */
static void index_overview(cb_html_page *p, const cb_site *st) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  cb_buf_reset(&p->scratch);
  cb_ui__format(&p->scratch,
                CB_UI(p, b->n_questions == 1 ? CB_UI_N_QUESTION
                                             : CB_UI_N_QUESTIONS),
                b->n_questions, NULL);
  cb_buf_puts(&p->scratch, ", ");
  cb_ui__format(&p->scratch,
                CB_UI(p, b->n_criteria == 1 ? CB_UI_N_CRITERION
                                            : CB_UI_N_CRITERIA),
                b->n_criteria, NULL);
  cb_buf_puts(&p->scratch, ", ");
  cb_ui__format(&p->scratch,
                CB_UI(p, b->n_cases == 1 ? CB_UI_N_CASE : CB_UI_N_CASES),
                b->n_cases, NULL);
  if (p->scratch.failed)
    p->failed = 1;
  cb_html__open(o, CB_TAG_P, "overview");
  cb_html__puts(o, p->scratch.data);
  cb_html__puts(o, " \xC2\xB7 ");
  cb_html__link(o, "cases.html", NULL, CB_UI(p, CB_UI_ALL_CASES));
  cb_html__puts(o, " \xC2\xB7 ");
  cb_html__link(o, "tags.html", NULL, CB_UI(p, CB_UI_TAGS));
  if (st->changes) {
    cb_html__puts(o, " \xC2\xB7 ");
    cb_buf_reset(&p->scratch);
    cb_buf_puts(&p->scratch, st->changes);
    cb_buf_puts(&p->scratch, ".html");
    cb_html__link(o, cb_buf_cstr(&p->scratch), NULL,
                  CB_UI(p, CB_UI_WHAT_CHANGED));
  }
  cb_html__close(o);
}

/* The content slot of the index page (data: the site). */
static void index_content(cb_html_page *p, void *data) {
  const cb_site *st = data;
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_ARTICLE, "index");
  cb_html__leaf(o, CB_TAG_H1, NULL, cb_html_page__title(st->layout));
  cb_html__leaf(o, CB_TAG_P, "stamp", cb_html_page__version(st->layout));
  index_overview(p, st);
  index_heading(p, CB_UI(p, CB_UI_CHAPTERS), "chapters");
  index_chapters(p);
  if (b->n_questions) {
    index_heading(p, CB_UI(p, CB_UI_QUESTIONS), "questions");
    index_questions(p, &st->index);
  }
  if (b->n_criteria) {
    index_heading(p, CB_UI(p, CB_UI_CRITERIA), "criteria");
    index_criteria(p);
  }
  cb_html__close(o);
}

/* ---- the site -------------------------------------------------------- */

/* Writes the bytes of w's page to DIR/NAME.html. */
static int put_page(const cb_site *st, worker *w, const char *name) {
  cb_buf_reset(&w->path);
  cb_buf_printf(&w->path, "%s/%s.html", st->dir, name);
  if (w->path.failed)
    return cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
  const cb_buf *out = &w->page.out.buf;
  return cb_output__file(w->ctx, cb_buf_cstr(&w->path),
                         out->data ? out->data : "", out->len,
                         CB_OUTPUT_KEEP_SAME);
}

/* Writes a page that is not a chapter's: titled title, named name. */
static int write_other(const cb_site *st, worker *w, const char *name,
                       const char *title,
                       void (*content)(cb_html_page *p, void *data),
                       void *data) {
  w->page.title = title;
  int err =
      cb_html_page__write(&w->page, st->layout, CB_HTML_INDEX, content, data);
  w->page.title = NULL;
  if (err < 0)
    return cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
  return put_page(st, w, name);
}

/* Does work item i: first the long ones (N_FIRST_JOBS), then the chapters,
 * then the index pages (N_LAST_JOBS), then the tag pages. */
static int job(const cb_site *st, worker *w, size_t i) {
  const cb_book *b = st->book;
  if (i < N_FIRST_JOBS) {
    if (i == JOB_SEARCH) {
      cb_buf_reset(&w->path);
      cb_buf_printf(&w->path, "%s/search-index.js", st->dir);
      if (w->path.failed)
        return cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
      return cb_html_search__write(w->ctx, b, cb_buf_cstr(&w->path));
    }
    return write_other(st, w, "print",
                       cb_html_page__ui(st->layout, CB_UI_PRINT_VIEW),
                       print_content, (void *)st);
  }
  i -= N_FIRST_JOBS;
  if (i < b->n_chapters) {
    w->page.title = NULL;
    if (cb_html_page__write(&w->page, st->layout, i, chapter_content,
                            (void *)st) < 0)
      return cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
    return put_page(st, w, b->chapters[i].slug);
  }
  i -= b->n_chapters;
  switch (i) {
  case JOB_INDEX:
    if (cb_html_page__write(&w->page, st->layout, CB_HTML_INDEX, index_content,
                            (void *)st) < 0)
      return cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
    return put_page(st, w, "index");
  case JOB_CASES:
    return write_other(st, w, "cases",
                       cb_html_page__ui(st->layout, CB_UI_CASES), cases_content, (void *)st);
  case JOB_TAGS:
    return write_other(st, w, "tags",
                       cb_html_page__ui(st->layout, CB_UI_TAGS), tags_content, (void *)st);
  case JOB_CHANGES:
    return st->changes ? write_other(st, w, st->changes,
                                     cb_html_page__ui(st->layout,
                                                      CB_UI_CHANGES),
                                     changes_content, (void *)st)
                       : 0;
  default: {
    tag_job t = {st, i - N_LAST_JOBS};
    cb_buf_reset(&w->page.scratch);
    cb_ui__format(&w->page.scratch,
                  cb_html_page__ui(st->layout, CB_UI_TAG_TITLE), 0,
                  st->index.tags[t.tag]);
    char *title = cb_strdup(cb_buf_cstr(&w->page.scratch));
    if (!title || w->page.scratch.failed) {
      cb_free(title);
      return cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
    }
    int err =
        write_other(st, w, st->index.tag_pages[t.tag], title, tag_content, &t);
    cb_free(title);
    return err;
  }
  }
}

/* Page names must be plain file names, distinct, and not the site's own;
 * the site's own pages are then named around them. */
static int name_pages(cb_site *st) {
  static const char *const own[] = {"index", "print", "search",
                                    "cases", "tags",  "style"};
  for (size_t i = 0; i < st->book->n_chapters; i++) {
    const cb_chapter *ch = &st->book->chapters[i];
    const char *s = ch->slug;
    int reserved = 0;
    for (size_t k = 0; k < sizeof own / sizeof *own; k++)
      reserved |= s && strcmp(s, own[k]) == 0;
    if (!s || !*s || *s == '.' || strchr(s, '/') || strchr(s, '\\') || reserved)
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
  for (size_t k = 0; k < sizeof own / sizeof *own; k++)
    if (cb_strmap_put(&st->slugs, own[k], SIZE_MAX, NULL) < 0)
      return cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory");
  if (st->book->since && !(st->changes = cb_html_index__page_name(
                               &st->slugs, st->names, "changes")))
    return cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory");
  return 0;
}

/* 1 when name is a page of this build (for cb_output__prune). */
static int is_page(const char *name, void *data) {
  const cb_site *st = data;
  char base[512];
  size_t len = strlen(name) - 5; /* without ".html" */
  if (len >= sizeof base)
    return 1; /* not a name we make: leave it alone */
  memcpy(base, name, len);
  base[len] = '\0';
  return cb_strmap_get(&st->slugs, base, NULL);
}

/* The links of the nav slot: the site's own pages. */
static int write_nav(cb_site *st) {
  cb_html *h = cb_html_page__nav(st->layout);
  cb_buf href = {0};
  cb_html__open(h, CB_TAG_UL, "site-nav");
  cb_html__open(h, CB_TAG_LI, NULL);
  cb_html__link(h, "cases.html", NULL,
                cb_html_page__ui(st->layout, CB_UI_ALL_CASES));
  cb_html__close(h);
  cb_html__open(h, CB_TAG_LI, NULL);
  cb_html__link(h, "tags.html", NULL,
                cb_html_page__ui(st->layout, CB_UI_TAGS));
  cb_html__close(h);
  if (st->changes) {
    cb_buf_puts(&href, st->changes);
    cb_buf_puts(&href, ".html");
    cb_html__open(h, CB_TAG_LI, NULL);
    cb_html__link(h, cb_buf_cstr(&href), NULL,
                  cb_html_page__ui(st->layout, CB_UI_CHANGES));
    cb_html__close(h);
  }
  cb_html__open(h, CB_TAG_LI, NULL);
  cb_html__link(h, "print.html", NULL,
                cb_html_page__ui(st->layout, CB_UI_PRINT_VIEW));
  cb_html__close(h);
  cb_html__close(h);
  int failed = href.failed || cb_html__failed(h);
  cb_buf_free(&href);
  return failed ? cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory") : 0;
}

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
  cb_arena_free(st->names);
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
  if (!(st->names = cb_arena_new())) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  if ((err = name_pages(st)) < 0)
    goto done;
  if ((err = cb_html_page__layout(&st->layout, ctx, book)) < 0)
    goto done;
  if ((err = cb_html_element__index(&st->index, ctx, book)) < 0)
    goto done;
  if ((err = cb_html_index__tags(&st->index, ctx, book, &st->slugs,
                                 st->names)) < 0)
    goto done;
  if ((err = write_nav(st)) < 0)
    goto done;
  size_t bytes = 0;
  for (size_t i = 0; i < book->n_files; i++)
    bytes += book->files[i].len;
  st->print_all = bytes <= PRINT_MAX_BYTES;
  st->n_jobs = N_FIRST_JOBS + book->n_chapters + N_LAST_JOBS + st->index.n_tags;
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
    if (i >= st->n_jobs)
      break;
    if ((err = job(st, w, i)) < 0) {
      atomic_store(&st->stop, 1);
      break;
    }
  }
  worker_free(w); /* its memory goes as soon as it is done */
  return err;
}

int cb_emit_html__finish(cb_site *st) {
  int err = 0;
  cb_buf path = {0};

  if ((err = cb_output__prune(st->ctx, st->dir, ".html", is_page, st)) < 0)
    goto done;
  for (size_t i = 0; i < sizeof assets / sizeof *assets && err == 0; i++) {
    const char *data;
    size_t len;
    char *owned = NULL;
    if ((err = cb_html_page__template_bytes(st->ctx, st->book, assets[i], 1,
                                            &data, &len, &owned)) < 0)
      goto done;
    cb_buf_reset(&path);
    cb_buf_printf(&path, "%s/%s", st->dir, assets[i]);
    if (path.failed)
      err = cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory");
    else
      err = cb_output__file(st->ctx, cb_buf_cstr(&path), data, len,
                            CB_OUTPUT_KEEP_SAME);
    cb_free(owned);
  }
done:
  cb_buf_free(&path);
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
