/* SPDX-License-Identifier: MIT */
/*
 * html_page.h: the frame of every page of the annotator site, and the
 * page being written.
 *
 * The templates (page.html, index.html) are parsed once per build with
 * libxml2's HTML parser and serialized right away into their bytes with
 * holes at the elements marked data-slot="NAME": a page is those bytes
 * with each hole filled (title, book title, version, table of contents,
 * content). The sidebar's lines are written once per build too; a page
 * copies the window of them around its own chapter.
 */
#ifndef CB_HTML_PAGE_H
#define CB_HTML_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "html_writer.h"
#include "strmap.h"
#include "ui_strings.h"

/* The chapter of the index page. */
#define CB_HTML_INDEX SIZE_MAX

/* Owners of the ids of a page besides model objects (see set_id). */
#define CB_HTML_OWNER_TEMPLATE ((size_t)1)
#define CB_HTML_OWNER_PAGE ((size_t)2)

/* The owner of the ids of a model object: its address. */
#define CB_HTML_OWNER(p) ((size_t)(uintptr_t)(p))

/* What all pages share, read-only once made (cb_html_page__layout). */
typedef struct cb_html_layout cb_html_layout;

/* A page being written; one per worker thread. Zero-initialize it, then
 * cb_html_page__init; cb_html_page__free releases it. */
typedef struct cb_html_page {
  cb_html out; /* the page */
  const cb_book *book;
  const cb_html_layout *layout; /* set by cb_html_page__write */
  size_t chapter;      /* the page's chapter, CB_HTML_INDEX on the index */
  cb_strmap ids;       /* ids used on the page: keys in ids_arena */
  cb_arena *ids_arena; /* kept for the whole build: freeing it per page
                          made malloc consolidate its free lists each time */
  cb_buf href;         /* hrefs, ids and labels being built */
  cb_buf scratch;      /* a second one, for permalinks */
  int failed;          /* an allocation failed (besides out's) */
  const char *title;   /* the title of a page that is not a chapter's */
  int print;           /* the print view: every element is on the page,
                          so hrefs to elements are "#anchor" */
  /* Scratch of html_case.c: the rows and columns of a per-response
   * table. */
  const char **rows;
  size_t n_rows, cap_rows;
  size_t *cols;
  size_t n_cols, cap_cols;
} cb_html_page;

/* Loads and serializes the templates of book (the project's own in
 * <root>/templates/, else the embedded ones) and writes the sidebar's
 * lines. *out is the caller's, freed with cb_html_page__layout_free.
 * Returns 0 or a negative code with ctx's error set. */
int cb_html_page__layout(cb_html_layout **out, cb_ctx *ctx,
                         const cb_book *book);
void cb_html_page__layout_free(cb_html_layout *l);

/* The bytes of template file name: the project's templates/NAME (read
 * through cb_book__project_file, so from the revision being built, into
 * ctx's arena), else the embedded one (see cb_html_page__layout). *owned
 * is set when the caller must free them with cb_free (never, today: kept
 * for callers that free). Returns 0, CB_ENOTFOUND (ctx's error set only
 * when required), CB_EIO or CB_ENOMEM. */
int cb_html_page__template_bytes(cb_ctx *ctx, const cb_book *book,
                                 const char *name, int required,
                                 const char **data, size_t *len, char **owned);

/* Sets up p for pages of book. Returns 0 or CB_ENOMEM. */
int cb_html_page__init(cb_html_page *p, const cb_book *book);
void cb_html_page__free(cb_html_page *p);

/* Writes the page of chapter (CB_HTML_INDEX: the index) into p->out: the
 * template with its slots filled, content(p, data) writing the content
 * slot. Returns 0, or CB_ENOMEM when an allocation failed. */
int cb_html_page__write(cb_html_page *p, const cb_html_layout *l,
                        size_t chapter,
                        void (*content)(cb_html_page *p, void *data),
                        void *data);

/* The site's word for key: the manifest's strings, else the built-in
 * table of its language (ui_strings.h). Borrowed from l. */
const char *cb_html_page__ui(const cb_html_layout *l, cb_ui key);

/* The same on a page being written. */
#define CB_UI(p, key) cb_html_page__ui((p)->layout, (key))

/* The book's title, and its version line, as the pages show them. */
const char *cb_html_page__title(const cb_html_layout *l);
const char *cb_html_page__version(const cb_html_layout *l);

/* The anchor "<prefix>-<a>[-<b>]" (b may be NULL), whitespace as '-'.
 * Borrowed from p until the next call of these three. */
const char *cb_html_page__anchor(cb_html_page *p, const char *prefix,
                                 const char *a, const char *b);

/* The href of that anchor on the page of chapter: only "#anchor" on the
 * page itself. Borrowed as above. */
const char *cb_html_page__href(cb_html_page *p, size_t chapter,
                               const char *prefix, const char *a,
                               const char *b);

/* The href of the page of chapter. Borrowed as above. */
const char *cb_html_page__page_of(cb_html_page *p, size_t chapter);

/* Ids on a page. Every id is claimed by an owner before the page is
 * written: the template's ids first, then the anchors of the chapter's
 * elements (the contract of FORMAT.md), then the heading slugs.
 * cb_html_page__set_id gives the element just opened its id when owner
 * owns it, and s-2, s-3 ... otherwise (a duplicate id, which a rule
 * reports, or a heading whose slug is some element's anchor), so the page
 * stays valid and element anchors always point to their element. */
void cb_html_page__claim(cb_html_page *p, const char *s, size_t owner);
/* Returns the id given (borrowed from p until its next page), NULL when
 * s is NULL or "" or memory ran out. */
const char *cb_html_page__set_id(cb_html_page *p, const char *s, size_t owner);

/* The content of the nav slot (links to the site's own pages: cases,
 * tags, print view, changes), written once by the caller after
 * cb_html_page__layout and before the first page; outside any element
 * when done. */
cb_html *cb_html_page__nav(cb_html_layout *l);

/* Writes the outline of chapter ch as <ol class=cls> of links to its
 * headings one level below its title, when cls is not NULL and there are
 * at least min of them. Returns how many there are. */
size_t cb_html_page__outline(cb_html_page *p, const cb_chapter *ch,
                             const char *cls, size_t min);

/* The site's word one (n == 1) or many for n things, with its "{n}"
 * filled. Borrowed from p's scratch buffer until its next use. */
const char *cb_html_page__count(cb_html_page *p, size_t n, cb_ui one,
                                cb_ui many);

/* Opens a <table class=cls> inside a <div class="table-scroll">, a
 * region named label that the keyboard can focus and scroll sideways on
 * a narrow screen; cb_html_page__table_close closes both. */
void cb_html_page__table_open(cb_html_page *p, const char *cls,
                              const char *label);
void cb_html_page__table_close(cb_html_page *p);

/* A permalink to id at the end of a heading: <a class="permalink"
 * href="#id">. id may be borrowed from p's href buffer. */
void cb_html_page__permalink(cb_html_page *p, const char *id);

#endif
