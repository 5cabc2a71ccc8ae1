/* SPDX-License-Identifier: MIT */
/*
 * export_guidelines.c: the chapters as guidelines for a tool that renders
 * Markdown (Argilla's), read as prose outside the site: each chapter is
 * parsed as the loader parses it, its casebook links pointed at the
 * published site or made text, its property lists said in words, its raw
 * HTML made text, and the tree written back as CommonMark. Writing from
 * the tree, not patching the source, keeps the output's syntax ours:
 * whatever text a chapter holds comes out escaped as text. A chapter
 * whose containers nest absurdly deep is shown as written, in a code
 * block (MAX_NEST).
 */
#include "export_guidelines.h"

#include <stdlib.h>
#include <string.h>

#include "export_util.h"
#include "links.h"
#include "model.h"
#include "parse.h"

/* Containers (quotes, lists, items) nested deeper than this: the chapter
 * is shown as written, in a code block. Markdown repeats a container's
 * marker on each line it holds, so writing a deep tree back would repeat
 * them on every line (a line of 3,000 '>' followed by 3,000 lazy lines
 * is 12 kB of input and 18 MB of output); no guideline nests so deep. */
#define MAX_NEST 16

typedef enum { EL_QUESTION, EL_CRITERION, EL_CASE } el_kind;

/* An element whose heading is in the chapter being written. */
typedef struct el {
  uint32_t line;
  el_kind kind;
  size_t index;
} el;

typedef struct gl {
  cb_ctx *ctx;
  const cb_book *book;
  const unsigned char *hide; /* per case: left out, or NULL */
  cmark_node *doc;           /* the chapter being written */
  const char *site;          /* site_url, or NULL */
  cb_buf scratch;
  int failed;
} gl;

/* ---- Nodes -------------------------------------------------------------- */

static cmark_node *node(gl *g, cmark_node_type type) {
  cmark_node *n = cb_parse__new_node(g->doc, type);
  if (!n)
    g->failed = 1;
  return n;
}

/* Appends a text node holding s to parent. */
static void add_text(gl *g, cmark_node *parent, const char *s) {
  cmark_node *t = node(g, CMARK_NODE_TEXT);
  if (!t)
    return;
  if (!cmark_node_set_literal(t, s) || !cmark_node_append_child(parent, t)) {
    cb_parse__drop(g->doc, t);
    g->failed = 1;
  }
}

/* Puts n's children in its place and drops n. */
static void unwrap(gl *g, cmark_node *n) {
  cmark_node *c;
  while ((c = cmark_node_first_child(n)) != NULL)
    cmark_node_insert_before(n, c);
  cb_parse__drop(g->doc, n);
}

/* Replaces old (a block of the document) with new, or drops it when new
 * is NULL. */
static void replace(gl *g, cmark_node *old, cmark_node *repl) {
  if (repl && !cmark_node_insert_before(old, repl)) {
    cb_parse__drop(g->doc, repl);
    g->failed = 1;
  }
  cb_parse__drop(g->doc, old);
}

/* The absolute URL of site href, in the arena; NULL without site_url. */
static const char *site_url(gl *g, const char *href) {
  if (!g->site || !href)
    return NULL;
  cb_buf_reset(&g->scratch);
  cb_buf_puts(&g->scratch, g->site);
  cb_links__url(&g->scratch, href);
  char *s = cb_arena_strdup(g->ctx->arena, cb_buf_cstr(&g->scratch));
  if (!s || g->scratch.failed)
    g->failed = 1;
  return s;
}

/* Appends to parent a link to the element anchor prefix-id of chapter ch
 * on the site, its text label; only the text without site_url. */
static void add_element(gl *g, cmark_node *parent, uint32_t ch,
                        const char *prefix, const char *id, const char *label) {
  const char *url = NULL;
  if (g->site && ch < g->book->n_chapters) {
    const char *href = cb_arena_printf(g->ctx->arena, "%s.html#%s-%s",
                                       g->book->chapters[ch].slug, prefix, id);
    if (!href)
      g->failed = 1;
    url = site_url(g, href);
  }
  if (!url) {
    add_text(g, parent, label);
    return;
  }
  cmark_node *a = node(g, CMARK_NODE_LINK);
  if (!a)
    return;
  if (!cmark_node_set_url(a, url) || !cmark_node_append_child(parent, a)) {
    cb_parse__drop(g->doc, a);
    g->failed = 1;
    return;
  }
  add_text(g, a, label);
}

/* ---- Inline nodes ------------------------------------------------------- */

static int has_scheme(const char *url, const char *scheme) {
  return strncmp(url, scheme, strlen(scheme)) == 0;
}

/* Link or image n, written as l (NULL when the book has no record of it):
 * a link to the site becomes absolute, or its text. */
static void rewrite_link(gl *g, cmark_node *n, const cb_link *l) {
  const char *url = cmark_node_get_url(n);
  if (!l) {
    if (url && (has_scheme(url, "https://") || has_scheme(url, "http://") ||
                has_scheme(url, "mailto:")))
      return;
    unwrap(g, n);
    return;
  }
  if (l->kind == CB_LINK_EXTERNAL)
    return;
  if (l->kind == CB_LINK_CASE && g->hide) {
    /* the site's page of a hidden case shows its answers */
    const cb_case *c = cb_book_case(g->book, l->target);
    if (c && g->hide[c - g->book->cases]) {
      unwrap(g, n);
      return;
    }
  }
  const char *abs = l->kind == CB_LINK_UNSAFE ? NULL : site_url(g, l->href);
  if (!abs) {
    unwrap(g, n);
    return;
  }
  if (!cmark_node_set_url(n, abs))
    g->failed = 1;
}

static int is_comment(const char *lit) {
  while (lit && (*lit == ' ' || *lit == '\t' || *lit == '\n'))
    lit++;
  return lit && strncmp(lit, "<!--", 4) == 0;
}

/* Replaces raw HTML node n with its text: inline, a text node; a block,
 * a paragraph of its lines. */
static void html_to_text(gl *g, cmark_node *n) {
  const char *lit = cmark_node_get_literal(n);
  cmark_node *repl;
  if (cmark_node_get_type(n) == CMARK_NODE_HTML_INLINE) {
    repl = node(g, CMARK_NODE_TEXT);
    if (repl && !cmark_node_set_literal(repl, lit ? lit : ""))
      g->failed = 1;
  } else {
    repl = node(g, CMARK_NODE_PARAGRAPH);
    for (const char *p = lit ? lit : ""; repl && *p;) {
      size_t n_line = strcspn(p, "\r\n");
      cb_buf_reset(&g->scratch);
      cb_buf_append(&g->scratch, p, n_line);
      if (cmark_node_first_child(repl)) {
        cmark_node *br = node(g, CMARK_NODE_SOFTBREAK);
        if (br && !cmark_node_append_child(repl, br)) {
          cb_parse__drop(g->doc, br);
          g->failed = 1;
        }
      }
      add_text(g, repl, cb_buf_cstr(&g->scratch));
      p += n_line;
      p += *p == '\r' && p[1] == '\n' ? 2 : *p ? 1 : 0;
    }
  }
  replace(g, n, repl);
}

/* Links, images and raw HTML of the chapter. Links are matched with the
 * book's record of them (cb_chapter's range of cb_book.links), which the
 * loader made in the same order from the same tree. */
static void inlines(gl *g, const cb_chapter *ch) {
  cmark_node **found = NULL;
  size_t n_found = 0, cap = 0;
  cmark_iter *it = cmark_iter_new(g->doc);
  cmark_event_type ev;
  if (!it)
    g->failed = 1;
  while (it && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *n = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(n);
    if (ev == CMARK_EVENT_ENTER &&
        (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE ||
         t == CMARK_NODE_HTML_INLINE || t == CMARK_NODE_HTML_BLOCK) &&
        CB_VEC_PUSH(found, n_found, cap, n) < 0) {
      g->failed = 1;
      break;
    }
  }
  cmark_iter_free(it);
  size_t k = ch->first_link, end = ch->first_link + ch->n_links;
  if (end > g->book->n_links)
    end = g->book->n_links;
  /* no node is freed before the loop is done with it: a link's children
   * move out before it goes, raw HTML has none */
  for (size_t i = 0; i < n_found && !g->failed; i++) {
    cmark_node *n = found[i];
    cmark_node_type t = cmark_node_get_type(n);
    if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
      const char *url = cmark_node_get_url(n);
      const cb_link *l = NULL;
      if (k < end && strcmp(g->book->links[k].url, url ? url : "") == 0)
        l = &g->book->links[k++];
      rewrite_link(g, n, l);
    } else if (is_comment(cmark_node_get_literal(n))) {
      cb_parse__drop(g->doc, n);
    } else if (!g->book->manifest.unsafe_html) {
      html_to_text(g, n);
    }
  }
  cb_free(found);
}

/* ---- Property lists ----------------------------------------------------- */

static const char *q_title(const cb_question *q) {
  return q->title && *q->title ? q->title : q->id;
}

/* A paragraph, or emphasis in a new paragraph when em. */
static cmark_node *para(gl *g, cmark_node **inner, int em) {
  cmark_node *p = node(g, CMARK_NODE_PARAGRAPH);
  *inner = p;
  if (p && em) {
    cmark_node *e = node(g, CMARK_NODE_EMPH);
    if (e && !cmark_node_append_child(p, e)) {
      cb_parse__drop(g->doc, e);
      e = NULL;
      g->failed = 1;
    }
    *inner = e;
  }
  return *inner ? p : NULL;
}

/* A question's properties: whether it must be answered, and when. */
static cmark_node *question_props(gl *g, const cb_question *q) {
  cmark_node *in, *p = para(g, &in, 1);
  if (!p)
    return NULL;
  cb_buf b = {0};
  cb_buf_puts(&b, q->required ? "Required" : "Optional");
  if (q->when) {
    cb_buf_puts(&b, q->required ? " where it applies: asked only when "
                                : "; asked only when ");
    if (cb_export__when_words(&b, g->ctx, g->book, q) < 0)
      g->failed = 1;
  }
  cb_buf_putc(&b, '.');
  add_text(g, in, cb_buf_cstr(&b));
  if (b.failed)
    g->failed = 1;
  cb_buf_free(&b);
  return p;
}

/* A criterion's: the questions it applies to, linked. */
static cmark_node *criterion_props(gl *g, const cb_criterion *c) {
  if (!c->applies_to.n)
    return NULL;
  cmark_node *in, *p = para(g, &in, 1);
  if (!p)
    return NULL;
  add_text(g, in, "Applies to ");
  for (size_t i = 0; i < c->applies_to.n; i++) {
    const char *id = c->applies_to.items[i];
    const cb_question *q = cb_book_question(g->book, id);
    if (i)
      add_text(g, in, i + 1 == c->applies_to.n ? " and " : ", ");
    add_text(g, in, "\xe2\x80\x9c");
    if (q)
      add_element(g, in, q->chapter, "question", q->id, q_title(q));
    else
      add_text(g, in, id);
    add_text(g, in, "\xe2\x80\x9d");
  }
  add_text(g, in, ".");
  return p;
}

/* An item of a bullet list holding one paragraph; the paragraph. */
static cmark_node *item(gl *g, cmark_node *list) {
  cmark_node *it = node(g, CMARK_NODE_ITEM);
  cmark_node *p = it ? node(g, CMARK_NODE_PARAGRAPH) : NULL;
  if (!p || !cmark_node_append_child(it, p) ||
      !cmark_node_append_child(list, it)) {
    if (p && !cmark_node_parent(p))
      cb_parse__drop(g->doc, p);
    if (it && !cmark_node_parent(it))
      cb_parse__drop(g->doc, it);
    g->failed = 1;
    return NULL;
  }
  return p;
}

/* A case's: its answers under the questions' titles, the criteria it
 * demonstrates ("Demonstrates ..."); tags, status and source are for
 * the tools. */
static cmark_node *case_props(gl *g, const cb_case *c) {
  cmark_node *list = node(g, CMARK_NODE_LIST);
  if (!list)
    return NULL;
  cmark_node_set_list_type(list, CMARK_BULLET_LIST);
  cmark_node_set_list_tight(list, 1);
  for (size_t i = 0; i < c->n_props && !g->failed; i++) {
    const cb_prop *pr = &c->props[i];
    const cb_answer *a = NULL;
    for (size_t k = 0; k < c->n_answers && !a; k++)
      if (c->answers[k].key_loc.line == pr->key_loc.line &&
          c->answers[k].key_loc.col == pr->key_loc.col &&
          c->answers[k].question >= 0)
        a = &c->answers[k];
    cmark_node *p;
    if (a) {
      const cb_question *q = &g->book->questions[a->question];
      if (!(p = item(g, list)))
        break;
      add_element(g, p, q->chapter, "question", q->id, q_title(q));
      /* "Is it safe? yes", "Tone: warm" */
      const char *t = q_title(q);
      size_t n_t = strlen(t);
      int asks = n_t && (t[n_t - 1] == '?' || t[n_t - 1] == ':');
      cb_buf_reset(&g->scratch);
      cb_buf_puts(&g->scratch, asks ? " " : ": ");
      cb_buf_puts(&g->scratch, a->raw ? a->raw : "");
      add_text(g, p, cb_buf_cstr(&g->scratch));
    } else if (strcmp(pr->key, "criteria") == 0 && c->criteria.n) {
      if (!(p = item(g, list)))
        break;
      add_text(g, p, "Demonstrates ");
      for (size_t k = 0; k < c->criteria.n; k++) {
        const char *id = c->criteria.items[k];
        const cb_criterion *cr = cb_book_criterion(g->book, id);
        if (k)
          add_text(g, p, ", ");
        if (cr)
          add_element(g, p, cr->chapter, "criterion", cr->id,
                      cr->title && *cr->title ? cr->title : cr->id);
        else
          add_text(g, p, id);
      }
    }
  }
  if (!cmark_node_first_child(list)) {
    cb_parse__drop(g->doc, list);
    return NULL;
  }
  return list;
}

static int el_cmp(const void *x, const void *y) {
  const el *a = x, *b = y;
  return a->line < b->line ? -1 : a->line > b->line;
}

/* The elements of chapter ci, by line. Returns the count, (size_t)-1 when
 * out of memory. */
static size_t elements(el **out, const cb_book *b, uint32_t ci) {
  el *v = NULL;
  size_t n = 0, cap = 0;
  int bad = 0;
  for (size_t i = 0; i < b->n_questions && !bad; i++)
    if (b->questions[i].chapter == ci)
      bad = CB_VEC_PUSH(v, n, cap,
                        ((el){b->questions[i].loc.line, EL_QUESTION, i}));
  for (size_t i = 0; i < b->n_criteria && !bad; i++)
    if (b->criteria[i].chapter == ci)
      bad = CB_VEC_PUSH(v, n, cap,
                        ((el){b->criteria[i].loc.line, EL_CRITERION, i}));
  for (size_t i = 0; i < b->n_cases && !bad; i++)
    if (b->cases[i].chapter == ci)
      bad = CB_VEC_PUSH(v, n, cap, ((el){b->cases[i].loc.line, EL_CASE, i}));
  if (bad) {
    cb_free(v);
    return (size_t)-1;
  }
  if (n)
    qsort(v, n, sizeof *v, el_cmp);
  *out = v;
  return n;
}

/* The line of the first property of element e, 0 when it has none. */
static uint32_t props_line(const cb_book *b, const el *e) {
  const cb_prop *p = NULL;
  size_t n = 0;
  switch (e->kind) {
  case EL_QUESTION:
    p = b->questions[e->index].props, n = b->questions[e->index].n_props;
    break;
  case EL_CRITERION:
    p = b->criteria[e->index].props, n = b->criteria[e->index].n_props;
    break;
  case EL_CASE:
    p = b->cases[e->index].props, n = b->cases[e->index].n_props;
    break;
  }
  return n ? p[0].key_loc.line : 0;
}

/* Says the property list of each element of chapter ci in words: the
 * elements' headings are found by line among the top-level blocks, and an
 * element's property list is the list holding its first property. */
static void blocks(gl *g, uint32_t ci) {
  el *els = NULL;
  size_t n_els = elements(&els, g->book, ci);
  if (n_els == (size_t)-1) {
    g->failed = 1;
    return;
  }
  size_t next = 0;
  const el *cur = NULL;
  int level = 0, hiding = 0;
  uint32_t want = 0; /* the current element's property line, 0: done */
  cmark_node *n = cmark_node_first_child(g->doc);
  while (n && !g->failed) {
    cmark_node *after = cmark_node_next(n);
    uint32_t line = (uint32_t)cmark_node_get_start_line(n);
    cmark_node_type t = cmark_node_get_type(n);
    if (t == CMARK_NODE_HEADING) {
      int lv = cmark_node_get_heading_level(n);
      if (cur && lv <= level)
        cur = NULL, want = 0, hiding = 0;
      while (next < n_els && els[next].line < line)
        next++;
      if (next < n_els && els[next].line == line) {
        cur = &els[next++];
        level = lv;
        want = props_line(g->book, cur);
        hiding = cur->kind == EL_CASE && g->hide && g->hide[cur->index];
      }
    }
    if (hiding) {
      cb_parse__drop(g->doc, n); /* the whole section of a hidden case */
    } else if (t == CMARK_NODE_LIST && want && line <= want &&
               want <= (uint32_t)cmark_node_get_end_line(n)) {
      const cb_book *b = g->book;
      replace(g, n,
              cur->kind == EL_QUESTION
                  ? question_props(g, &b->questions[cur->index])
              : cur->kind == EL_CRITERION
                  ? criterion_props(g, &b->criteria[cur->index])
                  : case_props(g, &b->cases[cur->index]));
      want = 0;
    }
    n = after;
  }
  cb_free(els);
}

/* ---- The guidelines ----------------------------------------------------- */

/* 1 when containers of doc nest deeper than MAX_NEST. */
static int too_deep(cmark_node *doc) {
  int depth = 0, over = 0;
  cmark_iter *it = cmark_iter_new(doc);
  cmark_event_type ev;
  while (it && !over && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node_type t = cmark_node_get_type(cmark_iter_get_node(it));
    if (t != CMARK_NODE_BLOCK_QUOTE && t != CMARK_NODE_LIST &&
        t != CMARK_NODE_ITEM)
      continue;
    depth += ev == CMARK_EVENT_ENTER ? 1 : -1;
    over = depth > MAX_NEST;
  }
  cmark_iter_free(it);
  return over || !it;
}

/* 1 when a case of chapter ci is hidden. */
static int hides_some(const gl *g, uint32_t ci) {
  for (size_t i = 0; g->hide && i < g->book->n_cases; i++)
    if (g->hide[i] && g->book->cases[i].chapter == ci)
      return 1;
  return 0;
}

int cb_export__guidelines(cb_buf *out, cb_ctx *ctx, const cb_book *book,
                          const unsigned char *hide) {
  gl g;
  memset(&g, 0, sizeof g);
  g.ctx = ctx;
  g.book = book;
  g.hide = hide;
  g.site = book->manifest.site_url;
  for (size_t i = 0; i < book->n_chapters && !g.failed; i++) {
    const cb_chapter *ch = &book->chapters[i];
    if (ch->file >= book->n_files)
      continue;
    const cb_file *f = &book->files[ch->file];
    g.doc = cb_parse__document(f->text ? f->text : "", f->len);
    if (!g.doc) {
      g.failed = 1;
      break;
    }
    if (out->len)
      cb_buf_puts(out, "\n");
    if (too_deep(g.doc)) {
      /* as written, in a code block: unless it holds a hidden case */
      if (!hides_some(&g, (uint32_t)i))
        cb_export__fenced(out, "", f->text ? f->text : "", f->len);
    } else {
      inlines(&g, ch);
      blocks(&g, (uint32_t)i);
      if (!g.failed && cb_parse__render_markdown(out, g.doc) < 0)
        g.failed = 1;
    }
    cb_parse__release(g.doc);
    g.doc = NULL;
  }
  cb_buf_free(&g.scratch);
  if (g.failed || out->failed)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  return 0;
}

int cb_export__when_words(cb_buf *out, cb_ctx *ctx, const cb_book *book,
                          const cb_question *q) {
  if (!q->when)
    return 0;
  cb_xwhen w;
  int r = cb_export__when(&w, ctx, book, q);
  if (r < 0)
    return -1;
  if (r == 0 || !w.n_values) {
    cb_buf_puts(out, "this holds: ");
    cb_buf_puts(out, q->when);
    return out->failed ? -1 : 0;
  }
  cb_buf_puts(out, "the answer to \xe2\x80\x9c");
  cb_buf_puts(out, q_title(w.on));
  cb_buf_puts(out, w.on->type == CB_Q_MULTI ? "\xe2\x80\x9d includes "
                                            : "\xe2\x80\x9d is ");
  for (size_t i = 0; i < w.n_values; i++) {
    if (i)
      cb_buf_puts(out, i + 1 == w.n_values ? " or " : ", ");
    cb_buf_puts(out, "\xe2\x80\x9c");
    cb_buf_puts(out, w.values[i]);
    cb_buf_puts(out, "\xe2\x80\x9d");
  }
  return out->failed ? -1 : 0;
}
