/*
 * emit_html.c: the annotator site (index.html, one page per chapter,
 * style.css).
 *
 * A page is the template page.html, parsed once per build with libxml2's
 * HTML parser, whose elements marked data-slot="NAME" receive the page's
 * content. That content is built as libxml2 nodes: every piece of text
 * from the casebook is a text node or an attribute value, so it is
 * escaped when written, whatever it holds. Pre-rendered HTML fragments
 * (prose, option meanings) come from cmark-gfm, which already made them
 * safe; they stand in the tree as placeholder elements "cb-fragment"
 * whose _private points to the fragment, and are copied verbatim at
 * serialization, their "cb-link:N" hrefs resolved on the way. Parsing
 * each fragment back into nodes would cost more than the rest of the
 * build.
 *
 * The serializer is ours (serialize() below): it follows the HTML5
 * serialization rules (void elements, raw text elements, the newline
 * after <pre>), writes the template's nodes as they are and puts a
 * newline after the block elements we generate, so that a page is a
 * readable file. No clock is read: pages are byte-identical on reruns,
 * and a page whose bytes did not change is not rewritten.
 *
 * Pages are written by workers (hw) that take the next page from a shared
 * counter; cb_book_emit runs two of them on a big book (see emit.c). All
 * they share (cb_site: the book, the parsed templates, the back-link
 * index) is read-only while they run.
 */
#include "emit_html.h"

#include <assert.h>
#include <errno.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "embed.h"
#include "emit.h"
#include "output.h"
#include "strmap.h"

/* The slots a template may mark with data-slot. */
enum {
  SLOT_TITLE,
  SLOT_BOOK_TITLE,
  SLOT_VERSION,
  SLOT_TOC,
  SLOT_CONTENT,
  N_SLOTS
};
static const char *const slot_names[N_SLOTS] = {"title", "book-title",
                                                "version", "toc", "content"};

/* Inputs longer than this are shown collapsed (<details>). */
#define LONG_INPUT_LINES 40
#define LONG_INPUT_BYTES 4000
/* Back-link lists longer than this are collapsed. */
#define LONG_BACKLINKS 8
/* Books with more chapters than this get a window of the table of
 * contents in the sidebar (the index page lists them all): a full TOC on
 * every page would make the site quadratic in the number of chapters. */
#define TOC_FULL 40
#define TOC_RADIUS 12

#define NO_CHAPTER SIZE_MAX
#define EL_CACHE 251
#define NAME_CACHE 251

typedef struct cb_site cb_site;

/* A worker: builds and writes pages, one at a time. Each has its own
 * document (and dictionary) for the nodes, buffers and caches, so that two
 * can run on two threads; what they share (cb_site) is read-only. */
typedef struct hw {
  const cb_site *site;
  cb_ctx *ctx; /* where errors go: one per thread */
  const cb_book *book;
  xmlDocPtr doc; /* owns the generated nodes (and their names' dict) */
  int failed;    /* a libxml2 allocation failed */
  cb_buf out;    /* the page being written */
  cb_buf tmp;    /* cleaned text */
  cb_buf href;   /* hrefs and ids being built */
  cb_buf path;   /* the output file name */
  cb_buf url;    /* an href being URL-encoded */
  xmlNodePtr slot[N_SLOTS];
  size_t chapter;      /* the page's chapter, NO_CHAPTER on the index */
  cb_strmap ids;       /* ids used on the page: keys in ids_arena */
  cb_arena *ids_arena; /* kept for the whole build: freeing it per page
                          made malloc consolidate its free lists each time */
  /* Interned element names by the address of the literal (see intern). */
  const char *name_keys[NAME_CACHE];
  const xmlChar *name_values[NAME_CACHE];
  /* The serializer's cache of element kinds (see el_class). */
  const xmlChar *el_names[EL_CACHE];
  int el_classes[EL_CACHE];
  /* Per case scratch: the rows and columns of the per-response table. */
  const char **rows;
  size_t n_rows, cap_rows;
  size_t *cols;
  size_t n_cols, cap_cols;
} hw;

#define N_WORKERS 2

/* The site being written: set up once, read-only while the workers run. */
struct cb_site {
  cb_ctx *ctx; /* of the setup and the finish */
  const cb_book *book;
  const char *title; /* the book's */
  const char *dir;
  htmlDocPtr page_tpl;  /* page.html */
  htmlDocPtr index_tpl; /* index.html, or page.html */
  cb_strmap question_ids, criterion_ids;
  cb_strmap slugs; /* page names of the chapters */
  /* Back-links: the cases that use each option (options of all questions
   * numbered one after the other from opt_first[q]) and cite each
   * criterion; [start[k], start[k+1]) in cases. */
  size_t *opt_first;
  size_t *opt_start, *opt_cases;
  size_t *crit_start, *crit_cases;
  atomic_size_t next; /* the next page to write; n_chapters is the index */
  atomic_int stop;    /* a worker failed: the others stop */
  hw workers[N_WORKERS];
};

/* ---- building nodes -------------------------------------------------- */

/* name interned in the document's dictionary, remembered by the address
 * of the (literal) string: creating an element then costs no hashing. */
static const xmlChar *intern(hw *w, const char *name) {
  size_t h = (size_t)(uintptr_t)name % NAME_CACHE;
  if (w->name_keys[h] != name) {
    const xmlChar *v = xmlDictLookup(w->doc->dict, BAD_CAST name, -1);
    if (!v)
      return NULL;
    w->name_keys[h] = name;
    w->name_values[h] = v;
  }
  return w->name_values[h];
}

static xmlNodePtr new_el(hw *w, const char *name) {
  /* The dictionary owns the name: freeing the node leaves it alone. */
  const xmlChar *interned = intern(w, name);
  xmlNodePtr n =
      interned ? xmlNewDocNodeEatName(w->doc, NULL, (xmlChar *)interned, NULL)
               : NULL;
  if (!n)
    w->failed = 1;
  return n;
}

/* xmlNewProp, noticing the failures it keeps to itself: when the value's
 * text node or its copy of the text cannot be made, it returns the
 * attribute without them. */
static void new_prop(hw *w, xmlNodePtr n, const char *name, const char *value) {
  xmlAttrPtr a = xmlNewProp(n, BAD_CAST name, BAD_CAST value);
  if (!a || (*value && (!a->children || !a->children->content)))
    w->failed = 1;
}

/* Appends child to parent. Not xmlAddChild: it merges adjacent text
 * nodes, and loses the text when that merge runs out of memory (our
 * serializer writes adjacent text nodes as they are). */
static void append(xmlNodePtr parent, xmlNodePtr child) {
  child->parent = parent;
  child->prev = parent->last;
  if (parent->last)
    parent->last->next = child;
  else
    parent->children = child;
  parent->last = child;
}

/* Sets attribute name to a value of ours (a class name ...), which needs
 * no cleaning. No-op on a NULL node. */
static void attr_ours(hw *w, xmlNodePtr n, const char *name,
                      const char *value) {
  if (n)
    new_prop(w, n, name, value);
}

/* Sets attribute name to value, which holds text from the casebook
 * (cleaned first). No-op on a NULL node. */
static void attr(hw *w, xmlNodePtr n, const char *name, const char *value) {
  if (!n)
    return;
  size_t len = strlen(value);
  if (!cb_emit__text_ok(value, len, CB_TEXT_HTML)) {
    cb_buf_reset(&w->tmp);
    cb_emit__text_fix(&w->tmp, value, len, CB_TEXT_HTML);
    if (w->tmp.failed) {
      w->failed = 1;
      return;
    }
    value = cb_buf_cstr(&w->tmp);
  }
  new_prop(w, n, name, value);
}

/* Sets the href of n: URL-encoded here, HTML-escaped when written. */
static void set_href(hw *w, xmlNodePtr n, const char *href) {
  if (!n)
    return;
  cb_buf_reset(&w->url);
  cb_emit__url(&w->url, href);
  if (w->url.failed) {
    w->failed = 1;
    return;
  }
  attr(w, n, "href", cb_buf_cstr(&w->url));
}

/* A new element under parent, with a class when cls is not NULL. name
 * must be a string literal (see intern). Returns NULL (and builds nothing
 * under it) when parent is NULL. */
static xmlNodePtr el(hw *w, xmlNodePtr parent, const char *name,
                     const char *cls) {
  if (!parent)
    return NULL;
  xmlNodePtr n = new_el(w, name);
  if (!n)
    return NULL;
  append(parent, n);
  if (cls)
    attr_ours(w, n, "class", cls);
  return n;
}

/* Text s[0..len) from the casebook, cleaned, as a text node. */
static void textn(hw *w, xmlNodePtr parent, const char *s, size_t len) {
  if (!parent || len == 0)
    return;
  xmlNodePtr t;
  if (cb_emit__text_ok(s, len, CB_TEXT_HTML)) {
    t = xmlNewDocTextLen(w->doc, BAD_CAST s, (int)len);
  } else {
    cb_buf_reset(&w->tmp);
    cb_emit__text_fix(&w->tmp, s, len, CB_TEXT_HTML);
    t = w->tmp.failed ? NULL
                      : xmlNewDocTextLen(w->doc, BAD_CAST cb_buf_cstr(&w->tmp),
                                         (int)w->tmp.len);
  }
  /* libxml2 returns the node without its text when the copy fails. */
  if (!t || !t->content) {
    if (t)
      xmlFreeNode(t);
    w->failed = 1;
    return;
  }
  append(parent, t);
}

static void text(hw *w, xmlNodePtr parent, const char *s) {
  if (s)
    textn(w, parent, s, strlen(s));
}

/* An element holding a text. */
static xmlNodePtr el_text(hw *w, xmlNodePtr parent, const char *name,
                          const char *cls, const char *s) {
  xmlNodePtr n = el(w, parent, name, cls);
  text(w, n, s);
  return n;
}

/* A pre-rendered fragment, copied at serialization. */
static void fragment(hw *w, xmlNodePtr parent, const char *html) {
  if (!parent || !html || !*html)
    return;
  xmlNodePtr n = el(w, parent, "cb-fragment", NULL);
  if (n)
    n->_private = (void *)html;
}

static xmlNodePtr link_to(hw *w, xmlNodePtr parent, const char *href,
                          const char *cls, const char *s) {
  xmlNodePtr a = el(w, parent, "a", cls);
  set_href(w, a, href);
  text(w, a, s);
  return a;
}

/* ---- ids and hrefs --------------------------------------------------- */

/* Appends an id part: whitespace, which an HTML id may not hold, as '-'. */
static void put_id(cb_buf *b, const char *s) {
  for (;;) {
    size_t run = strcspn(s, " \t\n\r\f");
    cb_buf_append(b, s, run);
    if (!s[run])
      return;
    cb_buf_putc(b, '-');
    s += run + 1;
  }
}

/* The anchor "<prefix>-<a>[-<b>]" in w->href. */
static const char *anchor(hw *w, const char *prefix, const char *a,
                          const char *b) {
  cb_buf_reset(&w->href);
  cb_buf_puts(&w->href, prefix);
  cb_buf_putc(&w->href, '-');
  put_id(&w->href, a);
  if (b) {
    cb_buf_putc(&w->href, '-');
    put_id(&w->href, b);
  }
  return cb_buf_cstr(&w->href);
}

/* Ids on a page. Every id is claimed by an owner (the model object it
 * belongs to) before the page is built: the template's ids first, then the
 * anchors of the chapter's elements (the contract of FORMAT.md), then the
 * heading slugs. set_id() gives an element its id when it owns it, and
 * s-2, s-3 ... otherwise (a duplicate id, which a rule reports, or a
 * heading whose slug is some element's anchor), so the page stays valid
 * and element anchors always point to their element. */
#define OWNER_TEMPLATE ((size_t)1)
#define OWNER_PAGE ((size_t)2)

static size_t owner_of(const void *p) { return (size_t)(uintptr_t)p; }

/* Claims s for owner unless it is taken. */
static void claim(hw *w, const char *s, size_t owner) {
  char *id = cb_arena_strdup(w->ids_arena, s);
  if (!id || cb_strmap_put(&w->ids, id, owner, NULL) < 0)
    w->failed = 1;
}

static void set_id(hw *w, xmlNodePtr n, const char *s, size_t owner) {
  if (!n || !s || !*s)
    return;
  size_t have;
  if (!cb_strmap_get(&w->ids, s, &have)) {
    claim(w, s, owner);
  } else if (have != owner) {
    const char *id = NULL;
    for (unsigned k = 2; !id; k++) {
      char *alt = cb_arena_printf(w->ids_arena, "%s-%u", s, k);
      int r = alt ? cb_strmap_put(&w->ids, alt, owner, NULL) : -1;
      if (r < 0) {
        w->failed = 1;
        return;
      }
      if (r == 1)
        id = alt;
    }
    s = id;
  }
  attr(w, n, "id", s);
}

/* The href of anchor "<prefix>-<a>[-<b>]" on the page of chapter: just the
 * fragment on the same page. In w->href. */
static const char *href_to(hw *w, size_t chapter, const char *prefix,
                           const char *a, const char *b) {
  cb_buf_reset(&w->href);
  if (chapter != w->chapter && chapter < w->book->n_chapters) {
    cb_buf_puts(&w->href, w->book->chapters[chapter].slug);
    cb_buf_puts(&w->href, ".html");
  }
  cb_buf_putc(&w->href, '#');
  cb_buf_puts(&w->href, prefix);
  cb_buf_putc(&w->href, '-');
  put_id(&w->href, a);
  if (b) {
    cb_buf_putc(&w->href, '-');
    put_id(&w->href, b);
  }
  return cb_buf_cstr(&w->href);
}

static const char *page_of(hw *w, size_t chapter) {
  cb_buf_reset(&w->href);
  cb_buf_puts(&w->href, w->book->chapters[chapter].slug);
  cb_buf_puts(&w->href, ".html");
  return cb_buf_cstr(&w->href);
}

/* ---- lookups and back-links ------------------------------------------ */

static const cb_question *question_by_id(hw *w, const char *id, size_t *index) {
  size_t i;
  if (!id || !cb_strmap_get(&w->site->question_ids, id, &i))
    return NULL;
  if (index)
    *index = i;
  return &w->book->questions[i];
}

static const cb_criterion *criterion_by_id(hw *w, const char *id) {
  size_t i;
  if (!id || !cb_strmap_get(&w->site->criterion_ids, id, &i))
    return NULL;
  return &w->book->criteria[i];
}

/* The option of q named id, or SIZE_MAX. */
static size_t option_index(const cb_question *q, const char *id) {
  if (!id)
    return SIZE_MAX;
  for (size_t i = 0; i < q->n_options; i++)
    if (q->options[i].id && strcmp(q->options[i].id, id) == 0)
      return i;
  return SIZE_MAX;
}

/* The scale label of q for value n, or SIZE_MAX. */
static size_t label_index(const cb_question *q, long long n) {
  for (size_t i = 0; i < q->n_options; i++)
    if (q->options[i].value == n)
      return i;
  return SIZE_MAX;
}

/* Counts (fill == 0) or records (fill == 1) case c under option k, once
 * per case: last[k] is 1 + the last case recorded there. */
static void note(size_t *start, size_t *cases, size_t *last, size_t k, size_t c,
                 int fill) {
  if (last[k] == c + 1)
    return;
  last[k] = c + 1;
  if (fill)
    cases[start[k]++] = c;
  else
    start[k + 1]++;
}

/* Walks every use of an option and every citation of a criterion. */
static void walk_uses(cb_site *st, size_t *opt_last, size_t *crit_last,
                      int fill) {
  const cb_book *b = st->book;
  for (size_t c = 0; c < b->n_cases; c++) {
    const cb_case *cs = &b->cases[c];
    for (size_t i = 0; i < cs->n_answers; i++) {
      const cb_answer *a = &cs->answers[i];
      if (a->question < 0 || (size_t)a->question >= b->n_questions)
        continue;
      const cb_question *q = &b->questions[a->question];
      size_t base = st->opt_first[a->question], k;
      if (a->kind == CB_V_OPTION || a->kind == CB_V_OPTIONS) {
        for (size_t j = 0; j < a->n_items; j++)
          if ((k = option_index(q, a->items[j])) != SIZE_MAX)
            note(st->opt_start, st->opt_cases, opt_last, base + k, c, fill);
      } else if (a->kind == CB_V_NUMBER) {
        if ((k = label_index(q, a->number)) != SIZE_MAX)
          note(st->opt_start, st->opt_cases, opt_last, base + k, c, fill);
      }
    }
    for (size_t i = 0; i < cs->criteria.n; i++) {
      size_t k;
      if (cs->criteria.items[i] &&
          cb_strmap_get(&st->criterion_ids, cs->criteria.items[i], &k))
        note(st->crit_start, st->crit_cases, crit_last, k, c, fill);
    }
  }
}

static int build_index(cb_site *st) {
  int err = 0;
  const cb_book *b = st->book;
  size_t *opt_last = NULL, *crit_last = NULL;
  size_t n_opts = 0;

  for (size_t i = 0; i < b->n_questions; i++)
    if (b->questions[i].id &&
        cb_strmap_put(&st->question_ids, b->questions[i].id, i, NULL) < 0)
      goto oom;
  for (size_t i = 0; i < b->n_criteria; i++)
    if (b->criteria[i].id &&
        cb_strmap_put(&st->criterion_ids, b->criteria[i].id, i, NULL) < 0)
      goto oom;

  if (!(st->opt_first = cb_calloc(b->n_questions + 1, sizeof(size_t))))
    goto oom;
  for (size_t i = 0; i < b->n_questions; i++) {
    st->opt_first[i] = n_opts;
    n_opts += b->questions[i].n_options;
  }
  st->opt_first[b->n_questions] = n_opts;
  if (!(st->opt_start = cb_calloc(n_opts + 2, sizeof(size_t))) ||
      !(st->crit_start = cb_calloc(b->n_criteria + 2, sizeof(size_t))) ||
      !(opt_last = cb_calloc(n_opts + 1, sizeof(size_t))) ||
      !(crit_last = cb_calloc(b->n_criteria + 1, sizeof(size_t))))
    goto oom;

  /* Counting sort: count, turn counts into starts, fill (which moves each
   * start to the next one's), shift back. */
  walk_uses(st, opt_last, crit_last, 0);
  for (size_t k = 0; k < n_opts; k++)
    st->opt_start[k + 1] += st->opt_start[k];
  for (size_t k = 0; k < b->n_criteria; k++)
    st->crit_start[k + 1] += st->crit_start[k];
  if (!(st->opt_cases = cb_calloc(st->opt_start[n_opts] + 1, sizeof(size_t))) ||
      !(st->crit_cases =
            cb_calloc(st->crit_start[b->n_criteria] + 1, sizeof(size_t))))
    goto oom;
  memset(opt_last, 0, (n_opts + 1) * sizeof(size_t));
  memset(crit_last, 0, (b->n_criteria + 1) * sizeof(size_t));
  walk_uses(st, opt_last, crit_last, 1);
  memmove(st->opt_start + 1, st->opt_start, n_opts * sizeof(size_t));
  st->opt_start[0] = 0;
  memmove(st->crit_start + 1, st->crit_start, b->n_criteria * sizeof(size_t));
  st->crit_start[0] = 0;
  goto done;
oom:
  err = cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory");
done:
  cb_free(opt_last);
  cb_free(crit_last);
  return err;
}

/* "N cases" with links to them, collapsed when long. */
static void backlinks(hw *w, xmlNodePtr parent, const size_t *cases, size_t n) {
  if (!parent || n == 0)
    return;
  xmlNodePtr box = parent;
  if (n > LONG_BACKLINKS) {
    box = el(w, parent, "details", "backlinks");
    char label[48];
    snprintf(label, sizeof label, "%zu cases", n);
    el_text(w, box, "summary", NULL, label);
  }
  /* No class and no separator per link: a popular option has thousands
   * (the stylesheet spaces them). */
  xmlNodePtr list = el(w, box, "span", "cases");
  for (size_t i = 0; i < n; i++) {
    const cb_case *c = &w->book->cases[cases[i]];
    link_to(w, list, href_to(w, c->chapter, "case", c->id, NULL), NULL, c->id);
  }
}

/* ---- the sidebar and the version line -------------------------------- */

static const char *version_label(hw *w) {
  const cb_stamp *s = &w->book->stamp;
  const char *version = s->version ? s->version : w->book->manifest.version;
  cb_buf *b = &w->href;
  cb_buf_reset(b);
  if (version)
    cb_buf_printf(b, "Version %s", version);
  if (s->describe || s->commit) {
    if (b->len)
      cb_buf_puts(b, " \xC2\xB7 ");
    if (s->describe)
      cb_buf_puts(b, s->describe);
    else
      cb_buf_printf(b, "%.12s", s->commit);
  }
  if (s->date) {
    if (b->len)
      cb_buf_puts(b, " \xC2\xB7 ");
    cb_buf_puts(b, s->date);
  }
  if (s->dirty)
    cb_buf_puts(b, b->len ? " (uncommitted changes)" : "uncommitted changes");
  if (!b->len)
    cb_buf_puts(b, "Unversioned");
  return cb_buf_cstr(b);
}

/* The outline of the current chapter: its headings one level below the
 * top one (the top one is the chapter's title). */
static void outline(hw *w, xmlNodePtr parent, const cb_chapter *ch) {
  int top = 7, count_top = 0;
  for (size_t i = 0; i < ch->n_headings; i++) {
    if (ch->headings[i].level < top) {
      top = ch->headings[i].level;
      count_top = 0;
    }
    if (ch->headings[i].level == top)
      count_top++;
  }
  /* One title heading: list the level below it; else the top level. */
  int level = count_top == 1 ? top + 1 : top;
  xmlNodePtr ol = NULL;
  for (size_t i = 0; i < ch->n_headings; i++) {
    const cb_heading *h = &ch->headings[i];
    if (h->level != level || !h->slug)
      continue;
    if (!ol)
      ol = el(w, parent, "ol", "outline");
    xmlNodePtr li = el(w, ol, "li", NULL);
    cb_buf_reset(&w->href);
    cb_buf_putc(&w->href, '#');
    cb_buf_puts(&w->href, h->slug);
    link_to(w, li, cb_buf_cstr(&w->href), NULL, h->text);
  }
}

static void toc(hw *w, xmlNodePtr slot) {
  const cb_book *b = w->book;
  size_t from = 0, to = b->n_chapters;
  if (b->n_chapters > TOC_FULL) {
    size_t cur = w->chapter == NO_CHAPTER ? 0 : w->chapter;
    from = cur > TOC_RADIUS ? cur - TOC_RADIUS : 0;
    to = cur + TOC_RADIUS + 1 < b->n_chapters ? cur + TOC_RADIUS + 1
                                              : b->n_chapters;
  }
  xmlNodePtr ol = el(w, slot, "ol", "toc");
  if (from > 0) {
    xmlNodePtr li = el(w, ol, "li", "more");
    link_to(w, li, "index.html#chapters", NULL, "\xE2\x80\xA6 all chapters");
  }
  for (size_t i = from; i < to; i++) {
    const cb_chapter *ch = &b->chapters[i];
    xmlNodePtr li = el(w, ol, "li", i == w->chapter ? "current" : NULL);
    xmlNodePtr a = link_to(w, li, page_of(w, i), NULL, ch->title);
    if (i == w->chapter) {
      attr_ours(w, a, "aria-current", "page");
      outline(w, li, ch);
    }
  }
  if (to < b->n_chapters) {
    xmlNodePtr li = el(w, ol, "li", "more");
    link_to(w, li, "index.html#chapters", NULL, "\xE2\x80\xA6 all chapters");
  }
}

/* ---- elements -------------------------------------------------------- */

/* "h1" ... "h6" for a heading (h2 when unknown). Literals: element names
 * are cached by address (see intern). */
static const char *heading_name(const cb_heading *h) {
  static const char *const names[] = {"h1", "h2", "h3", "h4", "h5", "h6"};
  return h && h->level >= 1 && h->level <= 6 ? names[h->level - 1] : "h2";
}

/* The heading of an element: <hN id=slug>Keyword <code>id</code> title. */
static void element_heading(hw *w, xmlNodePtr parent, const cb_heading *h,
                            const char *keyword, const char *prefix,
                            const char *id, const char *title) {
  xmlNodePtr hn = el(w, parent, heading_name(h), "element-title");
  /* "## Case c1" slugs to "case-c1", the element's own anchor: the
   * section carries it already. */
  if (h && h->slug && strcmp(h->slug, anchor(w, prefix, id, NULL)) != 0)
    set_id(w, hn, h->slug, owner_of(h));
  el_text(w, hn, "span", "kw", keyword);
  text(w, hn, " ");
  el_text(w, hn, "code", "id", id);
  if (title && *title) {
    text(w, hn, " ");
    el_text(w, hn, "span", "title", title);
  }
}

/* <div><dt>key</dt><dd>…</dd></div> in a <dl>; returns the dd. */
static xmlNodePtr meta(hw *w, xmlNodePtr dl, const char *key) {
  xmlNodePtr div = el(w, dl, "div", NULL);
  el_text(w, div, "dt", NULL, key);
  return el(w, div, "dd", NULL);
}

static void question_section(hw *w, xmlNodePtr parent, size_t qi,
                             const cb_heading *h) {
  const cb_question *q = &w->book->questions[qi];
  xmlNodePtr sec = el(w, parent, "section", "element question");
  set_id(w, sec, anchor(w, "question", q->id, NULL), owner_of(q));
  element_heading(w, sec, h, "Question", "question", q->id, q->title);

  xmlNodePtr dl = el(w, sec, "dl", "meta");
  xmlNodePtr dd = meta(w, dl, "type");
  if (q->type == CB_Q_SCALE) {
    char range[64];
    snprintf(range, sizeof range, "scale %d\xE2\x80\x93%d", q->scale_min,
             q->scale_max);
    text(w, dd, range);
  } else {
    text(w, dd, cb_qtype_name(q->type));
  }
  text(w, meta(w, dl, "required"), q->required ? "yes" : "no");
  if (q->when)
    el_text(w, meta(w, dl, "when"), "code", NULL, q->when);
  if (q->scope == CB_SCOPE_RESPONSE)
    text(w, meta(w, dl, "scope"), "each response");
  if (q->responses.n) {
    dd = meta(w, dl, "responses");
    for (size_t i = 0; i < q->responses.n; i++) {
      if (i)
        text(w, dd, ", ");
      text(w, dd, q->responses.items[i]);
    }
  }
  if (q->hint && (!q->title || strcmp(q->hint, q->title) != 0))
    text(w, meta(w, dl, "hint"), q->hint);

  if (q->guidance.html && *q->guidance.html)
    fragment(w, el(w, sec, "div", "guidance"), q->guidance.html);

  if (q->n_options == 0)
    return;
  /* Attribute columns: every attribute key, in order of appearance. */
  const char **keys = NULL;
  size_t n_keys = 0, cap_keys = 0;
  for (size_t i = 0; i < q->n_options; i++)
    for (size_t j = 0; j < q->options[i].n_attrs; j++) {
      const char *k = q->options[i].attrs[j].key;
      size_t m = 0;
      while (m < n_keys && strcmp(keys[m], k) != 0)
        m++;
      if (m == n_keys && CB_VEC_PUSH(keys, n_keys, cap_keys, k) < 0)
        w->failed = 1;
    }
  xmlNodePtr table = el(w, sec, "table", "options");
  xmlNodePtr tr = el(w, el(w, table, "thead", NULL), "tr", NULL);
  el_text(w, tr, "th", NULL, q->type == CB_Q_SCALE ? "Score" : "Option");
  el_text(w, tr, "th", NULL, "Meaning");
  for (size_t m = 0; m < n_keys; m++)
    el_text(w, tr, "th", NULL, keys[m]);
  el_text(w, tr, "th", NULL, "Cases");
  xmlNodePtr tbody = el(w, table, "tbody", NULL);
  for (size_t i = 0; i < q->n_options; i++) {
    const cb_option *o = &q->options[i];
    tr = el(w, tbody, "tr", NULL);
    set_id(w, tr, anchor(w, "option", q->id, o->id), owner_of(o));
    xmlNodePtr td = el(w, tr, "td", "option-id");
    xmlNodePtr a = el(w, td, "a", NULL);
    set_href(w, a, href_to(w, w->chapter, "option", q->id, o->id));
    el_text(w, a, "code", NULL, o->id);
    td = el(w, tr, "td", "meaning");
    if (o->meaning_html && *o->meaning_html)
      fragment(w, td, o->meaning_html);
    else
      text(w, td, o->meaning_text);
    for (size_t m = 0; m < n_keys; m++) {
      td = el(w, tr, "td", "attr");
      for (size_t j = 0; j < o->n_attrs; j++)
        if (strcmp(o->attrs[j].key, keys[m]) == 0) {
          text(w, td, o->attrs[j].value);
          break;
        }
    }
    size_t k = w->site->opt_first[qi] + i;
    backlinks(w, el(w, tr, "td", "backlinks"),
              w->site->opt_cases + w->site->opt_start[k],
              w->site->opt_start[k + 1] - w->site->opt_start[k]);
  }
  cb_free(keys);
}

static void criterion_section(hw *w, xmlNodePtr parent, size_t ci,
                              const cb_heading *h) {
  const cb_criterion *c = &w->book->criteria[ci];
  xmlNodePtr sec = el(w, parent, "section", "element criterion");
  set_id(w, sec, anchor(w, "criterion", c->id, NULL), owner_of(c));
  element_heading(w, sec, h, "Criterion", "criterion", c->id, c->title);
  if (c->applies_to.n || c->severity || c->points) {
    xmlNodePtr dl = el(w, sec, "dl", "meta");
    if (c->applies_to.n) {
      xmlNodePtr dd = meta(w, dl, "applies to");
      for (size_t i = 0; i < c->applies_to.n; i++) {
        const char *id = c->applies_to.items[i];
        const cb_question *q = question_by_id(w, id, NULL);
        if (i)
          text(w, dd, ", ");
        if (q)
          link_to(w, dd, href_to(w, q->chapter, "question", q->id, NULL), NULL,
                  id);
        else
          el_text(w, dd, "span", "unknown", id);
      }
    }
    if (c->severity)
      text(w, meta(w, dl, "severity"), c->severity);
    if (c->points)
      text(w, meta(w, dl, "points"), c->points);
  }
  if (c->prose.html && *c->prose.html)
    fragment(w, el(w, sec, "div", "prose"), c->prose.html);
  size_t n = w->site->crit_start[ci + 1] - w->site->crit_start[ci];
  if (n) {
    /* a div: the list may be a <details>, which a <p> cannot hold */
    xmlNodePtr p = el(w, sec, "div", "demonstrated");
    el_text(w, p, "span", "k", "Demonstrated by ");
    backlinks(w, p, w->site->crit_cases + w->site->crit_start[ci], n);
  }
}

/* Line count of an input, for the collapsed label. */
static size_t count_lines(const char *s, size_t len) {
  size_t n = 0;
  const char *end = s + len, *p = s;
  while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    n++;
    p++;
  }
  if (len && s[len - 1] != '\n')
    n++;
  return n;
}

static void input_block(hw *w, xmlNodePtr parent, const cb_input *in) {
  const char *kind = cb_input_kind_name(in->kind);
  cb_buf_reset(&w->href);
  cb_buf_puts(&w->href, "input input-");
  cb_buf_puts(&w->href, kind);
  size_t lines = count_lines(in->text ? in->text : "", in->len);
  int is_long = lines > LONG_INPUT_LINES || in->len > LONG_INPUT_BYTES;
  xmlNodePtr box =
      el(w, parent, is_long ? "details" : "div", cb_buf_cstr(&w->href));
  xmlNodePtr label = el(w, box, is_long ? "summary" : "div", "label");
  text(w, label, kind);
  if (in->kind == CB_IN_RESPONSE && in->name && *in->name) {
    text(w, label, " ");
    el_text(w, label, "span", "name", in->name);
  }
  if (is_long) {
    char size[64];
    snprintf(size, sizeof size, " (%zu line%s)", lines, lines == 1 ? "" : "s");
    el_text(w, label, "span", "size", size);
  }
  xmlNodePtr pre = el(w, box, "pre", NULL);
  if (in->text)
    textn(w, pre, in->text, in->len);
}

/* The other response of a pairwise answer, or NULL. */
static const char *other_response(const cb_case *c, const cb_question *q,
                                  const char *name) {
  if (q->responses.n == 2) {
    for (size_t i = 0; i < 2; i++)
      if (q->responses.items[i] && strcmp(q->responses.items[i], name) != 0)
        return q->responses.items[i];
    return NULL;
  }
  const char *found = NULL;
  size_t n = 0;
  for (size_t i = 0; i < c->n_inputs; i++)
    if (c->inputs[i].kind == CB_IN_RESPONSE) {
      n++;
      if (c->inputs[i].name && strcmp(c->inputs[i].name, name) != 0)
        found = c->inputs[i].name;
    }
  return n == 2 ? found : NULL;
}

/* Writes an option id linked to its definition when it has one. */
static void option_ref(hw *w, xmlNodePtr parent, const cb_question *q, size_t k,
                       const char *shown) {
  if (k == SIZE_MAX) {
    el_text(w, parent, "span", "unknown", shown);
    return;
  }
  link_to(w, parent, href_to(w, q->chapter, "option", q->id, q->options[k].id),
          NULL, shown);
}

static void answer_value(hw *w, xmlNodePtr dd, const cb_case *c,
                         const cb_answer *a) {
  const cb_book *b = w->book;
  if (a->question < 0 || (size_t)a->question >= b->n_questions ||
      a->kind == CB_V_NONE) {
    el_text(w, dd, "span", "unparsed", a->raw);
    return;
  }
  const cb_question *q = &b->questions[a->question];
  switch (a->kind) {
  case CB_V_OPTION:
  case CB_V_OPTIONS:
    if (a->n_items == 0)
      el_text(w, dd, "em", NULL, "none");
    for (size_t i = 0; i < a->n_items; i++) {
      if (i)
        text(w, dd, ", ");
      option_ref(w, dd, q, option_index(q, a->items[i]), a->items[i]);
    }
    break;
  case CB_V_NUMBER: {
    char num[32];
    snprintf(num, sizeof num, "%lld", a->number);
    size_t k = label_index(q, a->number);
    if (k == SIZE_MAX)
      text(w, dd, num);
    else
      option_ref(w, dd, q, k, num);
    break;
  }
  case CB_V_RANK:
    for (size_t i = 0; i < a->n_items; i++) {
      if (i)
        text(w, dd, a->tied && a->tied[i] ? " = " : " > ");
      text(w, dd, a->items[i]);
    }
    break;
  case CB_V_PAIRWISE: {
    if (a->strength == 0 || a->n_items == 0) {
      text(w, dd, "tie");
      break;
    }
    text(w, dd, a->items[0]);
    const char *other = other_response(c, q, a->items[0]);
    if (other) {
      text(w, dd, a->strength >= 2 ? " \xE2\x89\xAB " : " > ");
      text(w, dd, other);
    } else {
      text(w, dd, a->strength >= 2 ? " strongly preferred" : " preferred");
    }
    break;
  }
  case CB_V_TEXT:
    text(w, dd, a->raw);
    break;
  case CB_V_NONE:
    break;
  }
}

/* The question name of an answer: linked when the question is known. */
static void answer_key(hw *w, xmlNodePtr parent, const cb_answer *a) {
  const cb_book *b = w->book;
  if (a->question < 0 || (size_t)a->question >= b->n_questions) {
    el_text(w, parent, "span", "unknown", a->key);
    return;
  }
  const cb_question *q = &b->questions[a->question];
  link_to(w, parent, href_to(w, q->chapter, "question", q->id, NULL), NULL,
          q->id);
}

static void per_response_table(hw *w, xmlNodePtr parent, const cb_case *c) {
  w->n_rows = w->n_cols = 0;
  for (size_t i = 0; i < c->n_inputs; i++)
    if (c->inputs[i].kind == CB_IN_RESPONSE &&
        CB_VEC_PUSH(w->rows, w->n_rows, w->cap_rows,
                    c->inputs[i].name ? c->inputs[i].name : "") < 0)
      w->failed = 1;
  for (size_t i = 0; i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    if (!a->response)
      continue;
    size_t r = 0, col = 0;
    while (r < w->n_rows && strcmp(w->rows[r], a->response) != 0)
      r++;
    if (r == w->n_rows &&
        CB_VEC_PUSH(w->rows, w->n_rows, w->cap_rows, a->response) < 0)
      w->failed = 1;
    while (
        col < w->n_cols && w->cols[col] != i &&
        !(a->question >= 0 &&
          c->answers[w->cols[col]].question == a->question) &&
        !(a->question < 0 && strcmp(c->answers[w->cols[col]].key, a->key) == 0))
      col++;
    if (col == w->n_cols && CB_VEC_PUSH(w->cols, w->n_cols, w->cap_cols, i) < 0)
      w->failed = 1;
  }
  if (w->n_cols == 0)
    return;
  xmlNodePtr table = el(w, parent, "table", "per-response");
  xmlNodePtr tr = el(w, el(w, table, "thead", NULL), "tr", NULL);
  el_text(w, tr, "th", NULL, "Response");
  for (size_t col = 0; col < w->n_cols; col++)
    answer_key(w, el(w, tr, "th", NULL), &c->answers[w->cols[col]]);
  xmlNodePtr tbody = el(w, table, "tbody", NULL);
  for (size_t r = 0; r < w->n_rows; r++) {
    tr = el(w, tbody, "tr", NULL);
    /* the one unnamed response of a case */
    if (*w->rows[r])
      el_text(w, tr, "th", NULL, w->rows[r]);
    else
      el_text(w, tr, "th", "unnamed", "response");
    for (size_t col = 0; col < w->n_cols; col++) {
      const cb_answer *head = &c->answers[w->cols[col]];
      const cb_answer *cell = NULL;
      for (size_t i = 0; i < c->n_answers; i++) {
        const cb_answer *a = &c->answers[i];
        if (a->response && strcmp(a->response, w->rows[r]) == 0 &&
            (head->question >= 0 ? a->question == head->question
                                 : strcmp(a->key, head->key) == 0))
          cell = a;
      }
      xmlNodePtr td = el(w, tr, "td", NULL);
      if (cell)
        answer_value(w, td, c, cell);
    }
  }
}

static void case_card(hw *w, xmlNodePtr parent, size_t ci,
                      const cb_heading *h) {
  const cb_case *c = &w->book->cases[ci];
  const char *status = cb_status_name(c->status);
  cb_buf_reset(&w->href);
  cb_buf_puts(&w->href, "element case status-");
  cb_buf_puts(&w->href, status);
  xmlNodePtr card = el(w, parent, "article", cb_buf_cstr(&w->href));
  set_id(w, card, anchor(w, "case", c->id, NULL), owner_of(c));
  element_heading(w, card, h, "Case", "case", c->id, c->title);
  if (c->status != CB_STATUS_FINAL)
    el_text(w, card, "p", "status", status);

  if (c->n_inputs) {
    xmlNodePtr inputs = el(w, card, "div", "inputs");
    for (size_t i = 0; i < c->n_inputs; i++)
      input_block(w, inputs, &c->inputs[i]);
  }

  xmlNodePtr dl = NULL;
  for (size_t i = 0; i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    if (a->response)
      continue;
    if (!dl)
      dl = el(w, card, "dl", "answers");
    xmlNodePtr div = el(w, dl, "div", NULL);
    answer_key(w, el(w, div, "dt", NULL), a);
    answer_value(w, el(w, div, "dd", NULL), c, a);
  }
  per_response_table(w, card, c);

  if (c->criteria.n) {
    xmlNodePtr p = el(w, card, "p", "criteria");
    el_text(w, p, "span", "k", "Criteria ");
    for (size_t i = 0; i < c->criteria.n; i++) {
      const char *id = c->criteria.items[i];
      const cb_criterion *cr = criterion_by_id(w, id);
      if (i)
        text(w, p, ", ");
      if (cr)
        link_to(w, p, href_to(w, cr->chapter, "criterion", cr->id, NULL), NULL,
                id);
      else
        el_text(w, p, "span", "unknown", id);
    }
  }
  if (c->tags.n) {
    xmlNodePtr p = el(w, card, "p", "tags");
    el_text(w, p, "span", "k", "Tags ");
    for (size_t i = 0; i < c->tags.n; i++) {
      if (i)
        text(w, p, " ");
      el_text(w, p, "span", "tag", c->tags.items[i]);
    }
  }
  if (c->source) {
    xmlNodePtr p = el(w, card, "p", "origin");
    el_text(w, p, "span", "k", "Source ");
    text(w, p, c->source);
  }
  if (c->rationale.html && *c->rationale.html)
    fragment(w, el(w, card, "div", "rationale"), c->rationale.html);
}

/* ---- pages ----------------------------------------------------------- */

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

/* Builds item it of chapter ch under parent. *next: see heading_at. */
static void chapter_item(hw *w, xmlNodePtr parent, const cb_chapter *ch,
                         const cb_item *it, size_t *next) {
  const cb_book *b = w->book;
  switch (it->kind) {
  case CB_ITEM_PROSE:
    fragment(w, parent, it->html);
    break;
  case CB_ITEM_HEADING: {
    if (it->index >= ch->n_headings)
      break;
    const cb_heading *h = &ch->headings[it->index];
    xmlNodePtr hn = el(w, parent, heading_name(h), NULL);
    set_id(w, hn, h->slug, owner_of(h));
    text(w, hn, h->text);
    if (it->index + 1 > *next)
      *next = it->index + 1;
    break;
  }
  case CB_ITEM_QUESTION:
    if (it->index < b->n_questions)
      question_section(w, parent, it->index,
                       heading_at(ch, b->questions[it->index].loc, next));
    break;
  case CB_ITEM_CRITERION:
    if (it->index < b->n_criteria)
      criterion_section(w, parent, it->index,
                        heading_at(ch, b->criteria[it->index].loc, next));
    break;
  case CB_ITEM_CASE:
    if (it->index < b->n_cases)
      case_card(w, parent, it->index,
                heading_at(ch, b->cases[it->index].loc, next));
    break;
  }
}

/* Links to the previous and next chapters. */
static void pager(hw *w, xmlNodePtr parent, size_t chi) {
  const cb_book *b = w->book;
  if (b->n_chapters < 2)
    return;
  xmlNodePtr nav = el(w, parent, "nav", "pager");
  attr_ours(w, nav, "aria-label", "Chapters");
  if (chi > 0) {
    xmlNodePtr a =
        link_to(w, nav, page_of(w, chi - 1), "prev", "\xE2\x86\x90 ");
    attr_ours(w, a, "rel", "prev");
    text(w, a, b->chapters[chi - 1].title);
  }
  if (chi + 1 < b->n_chapters) {
    xmlNodePtr a = link_to(w, nav, page_of(w, chi + 1), "next", NULL);
    attr_ours(w, a, "rel", "next");
    text(w, a, b->chapters[chi + 1].title);
    text(w, a, " \xE2\x86\x92");
  }
}

static void index_content(hw *w, xmlNodePtr slot) {
  const cb_book *b = w->book;
  xmlNodePtr art = el(w, slot, "article", "index");
  el_text(w, art, "h1", NULL, w->site->title);
  el_text(w, art, "p", "stamp", version_label(w));

  xmlNodePtr h = el_text(w, art, "h2", NULL, "Chapters");
  set_id(w, h, "chapters", OWNER_PAGE);
  size_t *counts = cb_calloc(b->n_chapters * 3 + 1, sizeof(size_t));
  if (!counts) {
    w->failed = 1;
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
  xmlNodePtr ol = el(w, art, "ol", "chapters");
  static const char *const what[3][2] = {
      {"question", "questions"}, {"criterion", "criteria"}, {"case", "cases"}};
  for (size_t i = 0; i < b->n_chapters; i++) {
    xmlNodePtr li = el(w, ol, "li", NULL);
    link_to(w, li, page_of(w, i), NULL, b->chapters[i].title);
    char line[128];
    size_t len = 0;
    for (int k = 0; k < 3; k++) {
      size_t n = counts[i * 3 + (size_t)k];
      if (n && len < sizeof line)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%zu %s",
                                len ? ", " : "", n, what[k][n != 1]);
    }
    if (len) {
      text(w, li, " ");
      el_text(w, li, "span", "counts", line);
    }
  }
  cb_free(counts);

  if (b->n_questions) {
    h = el_text(w, art, "h2", NULL, "Questions");
    set_id(w, h, "questions", OWNER_PAGE);
    xmlNodePtr table = el(w, art, "table", "summary");
    xmlNodePtr tr = el(w, el(w, table, "thead", NULL), "tr", NULL);
    el_text(w, tr, "th", NULL, "Question");
    el_text(w, tr, "th", NULL, "Type");
    el_text(w, tr, "th", NULL, "Options");
    xmlNodePtr tbody = el(w, table, "tbody", NULL);
    for (size_t i = 0; i < b->n_questions; i++) {
      const cb_question *q = &b->questions[i];
      tr = el(w, tbody, "tr", NULL);
      xmlNodePtr td = el(w, tr, "td", NULL);
      xmlNodePtr a = el(w, td, "a", NULL);
      set_href(w, a, href_to(w, q->chapter, "question", q->id, NULL));
      el_text(w, a, "code", NULL, q->id);
      if (q->title && *q->title) {
        text(w, td, " ");
        text(w, td, q->title);
      }
      if (q->type == CB_Q_SCALE) {
        char range[64];
        snprintf(range, sizeof range, "scale %d\xE2\x80\x93%d", q->scale_min,
                 q->scale_max);
        el_text(w, tr, "td", NULL, range);
      } else {
        el_text(w, tr, "td", NULL, cb_qtype_name(q->type));
      }
      td = el(w, tr, "td", "options");
      for (size_t k = 0; k < q->n_options; k++) {
        if (k)
          text(w, td, " ");
        option_ref(w, td, q, k, q->options[k].id);
      }
    }
  }
  if (b->n_criteria) {
    h = el_text(w, art, "h2", NULL, "Criteria");
    set_id(w, h, "criteria", OWNER_PAGE);
    xmlNodePtr ul = el(w, art, "ul", "summary");
    for (size_t i = 0; i < b->n_criteria; i++) {
      const cb_criterion *c = &b->criteria[i];
      xmlNodePtr li = el(w, ul, "li", NULL);
      xmlNodePtr a = el(w, li, "a", NULL);
      set_href(w, a, href_to(w, c->chapter, "criterion", c->id, NULL));
      el_text(w, a, "code", NULL, c->id);
      if (c->title && *c->title) {
        text(w, li, " ");
        text(w, li, c->title);
      }
    }
  }
}

/* ---- serialization --------------------------------------------------- */

/* Appending to the page: the common case inline, cb_buf for growth. */
static inline void put(cb_buf *b, const char *s, size_t n) {
  if (b->len + n < b->cap) {
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
  } else {
    cb_buf_append(b, s, n);
  }
}

static inline void puts_(cb_buf *b, const char *s) { put(b, s, strlen(s)); }

static inline void putc_(cb_buf *b, char c) {
  if (b->len + 1 < b->cap) {
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
  } else {
    cb_buf_append(b, &c, 1);
  }
}

enum { EL_VOID = 1, EL_RAW = 2, EL_PRE = 4, EL_BLOCK = 8 };

/* What the HTML5 serializer needs to know about an element name. */
static int el_class_of(const char *n) {
  static const struct {
    const char *name;
    int cls;
  } table[] = {
      {"a", 0},
      {"area", EL_VOID},
      {"article", EL_BLOCK},
      {"aside", EL_BLOCK},
      {"base", EL_VOID},
      {"br", EL_VOID},
      {"col", EL_VOID},
      {"details", EL_BLOCK},
      {"div", EL_BLOCK},
      {"dl", EL_BLOCK},
      {"dd", EL_BLOCK},
      {"dt", EL_BLOCK},
      {"embed", EL_VOID},
      {"figure", EL_BLOCK},
      {"footer", EL_BLOCK},
      {"h1", EL_BLOCK},
      {"h2", EL_BLOCK},
      {"h3", EL_BLOCK},
      {"h4", EL_BLOCK},
      {"h5", EL_BLOCK},
      {"h6", EL_BLOCK},
      {"header", EL_BLOCK},
      {"hr", EL_VOID},
      {"img", EL_VOID},
      {"input", EL_VOID},
      {"li", EL_BLOCK},
      {"link", EL_VOID},
      {"listing", EL_PRE},
      {"main", EL_BLOCK},
      {"meta", EL_VOID},
      {"nav", EL_BLOCK},
      {"ol", EL_BLOCK},
      {"p", EL_BLOCK},
      {"param", EL_VOID},
      {"pre", EL_PRE | EL_BLOCK},
      {"script", EL_RAW},
      {"section", EL_BLOCK},
      {"source", EL_VOID},
      {"style", EL_RAW},
      {"summary", EL_BLOCK},
      {"table", EL_BLOCK},
      {"tbody", EL_BLOCK},
      {"textarea", EL_PRE},
      {"thead", EL_BLOCK},
      {"tr", EL_BLOCK},
      {"track", EL_VOID},
      {"ul", EL_BLOCK},
      {"wbr", EL_VOID},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (table[i].name[0] == n[0] && strcmp(table[i].name, n) == 0)
      return table[i].cls;
  return 0;
}

/* el_class_of, remembered by name pointer: element names are interned in
 * their document's dictionary, so a page has only a few dozen of them. */
static int el_class(hw *w, const xmlChar *name) {
  /* Short names sit a few bytes apart in the dictionary's pool: the
   * address modulo a prime keeps them in different slots. */
  size_t h = (size_t)(uintptr_t)name % EL_CACHE;
  if (w->el_names[h] != name) {
    w->el_names[h] = name;
    w->el_classes[h] = el_class_of((const char *)name);
  }
  return w->el_classes[h];
}

/* Appends s, escaped for text (in_attr == 0) or a quoted attribute.
 * strcspn finds the next character to escape (vectorized in glibc). */
static void put_escaped(cb_buf *b, const char *s, int in_attr) {
  const char *stop = in_attr ? "&<>\"" : "&<>";
  for (;;) {
    size_t run = strcspn(s, stop);
    put(b, s, run);
    s += run;
    switch (*s) {
    case '\0':
      return;
    case '&':
      put(b, "&amp;", 5);
      break;
    case '<':
      put(b, "&lt;", 4);
      break;
    case '>':
      put(b, "&gt;", 4);
      break;
    default:
      put(b, "&quot;", 6);
      break;
    }
    s++;
  }
}

/* The value of attribute a as text (libxml2 keeps it as child nodes). */
static void put_attr_value(cb_buf *b, xmlAttrPtr a) {
  for (xmlNodePtr t = a->children; t; t = t->next)
    if (t->content)
      put_escaped(b, (const char *)t->content, 1);
}

/* The slot a template element is marked as, N_SLOTS if unknown, -1 if
 * none. */
static int slot_of(xmlNodePtr n) {
  for (xmlAttrPtr a = n->properties; a; a = a->next) {
    if (strcmp((const char *)a->name, "data-slot") != 0)
      continue;
    const char *v = a->children && a->children->content
                        ? (const char *)a->children->content
                        : "";
    for (int s = 0; s < N_SLOTS; s++)
      if (strcmp(v, slot_names[s]) == 0)
        return s;
    return N_SLOTS;
  }
  return -1;
}

static void serialize(hw *w, xmlNodePtr n, int raw);

static void serialize_children(hw *w, xmlNodePtr first, int raw) {
  for (xmlNodePtr c = first; c; c = c->next)
    serialize(w, c, raw);
}

static void stream_chapter(hw *w);

/* Writes the start tag of n (without data-slot when it is a slot). */
static void start_tag(hw *w, xmlNodePtr n, int slot) {
  cb_buf *b = &w->out;
  putc_(b, '<');
  puts_(b, (const char *)n->name);
  for (xmlAttrPtr a = n->properties; a; a = a->next) {
    if (slot >= 0 && slot < N_SLOTS &&
        strcmp((const char *)a->name, "data-slot") == 0)
      continue;
    putc_(b, ' ');
    puts_(b, (const char *)a->name);
    if (a->children) {
      puts_(b, "=\"");
      put_attr_value(b, a);
      putc_(b, '"');
    }
  }
  putc_(b, '>');
}

static void end_tag(hw *w, xmlNodePtr n, int cls) {
  cb_buf *b = &w->out;
  puts_(b, "</");
  puts_(b, (const char *)n->name);
  putc_(b, '>');
  if ((cls & EL_BLOCK) && n->doc == w->doc)
    putc_(b, '\n');
}

static void serialize_element(hw *w, xmlNodePtr n) {
  cb_buf *b = &w->out;
  const char *name = (const char *)n->name;
  if (n->_private && strcmp(name, "cb-fragment") == 0) {
    cb_emit__links(b, w->book, n->_private);
    return;
  }
  int cls = el_class(w, n->name);
  int slot = n->doc == w->doc ? -1 : slot_of(n);
  start_tag(w, n, slot);
  if (cls & EL_VOID)
    return;
  if (slot == SLOT_CONTENT && w->chapter != NO_CHAPTER) {
    stream_chapter(w);
    end_tag(w, n, cls);
    return;
  }
  xmlNodePtr kids =
      slot >= 0 && slot < N_SLOTS ? w->slot[slot]->children : n->children;
  /* HTML drops a newline right after <pre>: write one more to keep the
   * text's own. */
  if ((cls & EL_PRE) && kids && kids->type == XML_TEXT_NODE && kids->content &&
      kids->content[0] == '\n')
    putc_(b, '\n');
  serialize_children(w, kids, (cls & EL_RAW) != 0);
  end_tag(w, n, cls);
}

/* The content of a chapter page, built and written one item at a time:
 * the tree of the whole page of a big chapter (thousands of back-links)
 * would take tens of megabytes. */
static void stream_chapter(hw *w) {
  const cb_chapter *ch = &w->book->chapters[w->chapter];
  xmlNodePtr box = NULL, art = new_el(w, "article");
  size_t next = 0;
  attr_ours(w, art, "class", "chapter");
  if (!art)
    return;
  start_tag(w, art, -1);
  for (size_t i = 0; i < ch->n_items && !w->failed; i++) {
    if (!(box = new_el(w, "cb-slot")))
      break;
    chapter_item(w, box, ch, &ch->items[i], &next);
    serialize_children(w, box->children, 0);
    xmlFreeNode(box);
  }
  end_tag(w, art, el_class(w, art->name));
  xmlFreeNode(art);
  if ((box = new_el(w, "cb-slot")) != NULL) {
    pager(w, box, w->chapter);
    serialize_children(w, box->children, 0);
    xmlFreeNode(box);
  }
}

static void serialize(hw *w, xmlNodePtr n, int raw) {
  cb_buf *b = &w->out;
  switch (n->type) {
  case XML_ELEMENT_NODE:
    serialize_element(w, n);
    break;
  case XML_TEXT_NODE:
    if (n->content) {
      if (raw)
        puts_(b, (const char *)n->content);
      else
        put_escaped(b, (const char *)n->content, 0);
    }
    break;
  case XML_CDATA_SECTION_NODE: /* the text of <style> or <script> */
    if (n->content)
      puts_(b, (const char *)n->content);
    break;
  case XML_ENTITY_REF_NODE:
    putc_(b, '&');
    puts_(b, (const char *)n->name);
    putc_(b, ';');
    break;
  default: /* the DOCTYPE (always written first), the template's comments
              (notes for its designer), processing instructions */
    break;
  }
}

/* Serializes template tpl with the current slots into w->out. */
static void serialize_page(hw *w, htmlDocPtr tpl) {
  cb_buf_reset(&w->out);
  puts_(&w->out, "<!DOCTYPE html>\n");
  serialize_children(w, tpl->children, 0);
  if (w->out.len && w->out.data[w->out.len - 1] != '\n')
    putc_(&w->out, '\n');
}

/* ---- templates ------------------------------------------------------- */

/* The bytes of template file name: <root>/templates/name if the project
 * has it, else the embedded one. *owned is set when the bytes were read
 * (the caller frees it with cb_free). Returns 0, CB_ENOTFOUND (ctx's error
 * set only when required), CB_EIO or CB_ENOMEM. */
static int template_bytes(cb_site *st, const char *name, int required,
                          const char **data, size_t *len, char **owned) {
  int err = 0;
  FILE *fp = NULL;
  cb_buf buf = {0};
  *owned = NULL;
  if (st->book->root) {
    cb_buf_printf(&buf, "%s/templates/%s", st->book->root, name);
    if (buf.failed) {
      err = cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    char *path = cb_strdup(cb_buf_cstr(&buf));
    if (!path) {
      err = cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    cb_buf_reset(&buf);
    fp = fopen(path, "rb");
    if (!fp && errno != ENOENT) {
      err = cb_ctx__fail(st->ctx, CB_EIO, "cannot read %s: %s", path,
                         strerror(errno));
      cb_free(path);
      goto done;
    }
    if (fp) {
      char chunk[8192];
      size_t n;
      while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        cb_buf_append(&buf, chunk, n);
      if (ferror(fp) || buf.failed) {
        err = ferror(fp) ? cb_ctx__fail(st->ctx, CB_EIO, "cannot read %s", path)
                         : cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory");
        cb_free(path);
        goto done;
      }
      cb_buf_cstr(&buf);
      *owned = buf.data ? buf.data : cb_strdup("");
      *data = *owned;
      *len = buf.len;
      buf.data = NULL;
      cb_free(path);
      if (!*owned)
        err = cb_ctx__fail(st->ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    cb_free(path);
  }
  cb_buf_reset(&buf);
  cb_buf_printf(&buf, "templates/%s", name);
  const cb_embedded *e = buf.failed ? NULL : cb_embed__find(cb_buf_cstr(&buf));
  if (!e) {
    err = required ? cb_ctx__fail(st->ctx, CB_ENOTFOUND,
                                  "template %s not found", name)
                   : CB_ENOTFOUND;
    goto done;
  }
  *data = (const char *)e->data;
  *len = e->len;
done:
  if (fp)
    fclose(fp);
  cb_buf_free(&buf);
  return err;
}

/* Parses template name; *out is NULL (and 0 returned) when an optional one
 * is missing. */
static int load_template(cb_site *st, const char *name, int required,
                         htmlDocPtr *out) {
  const char *data;
  size_t len;
  char *owned = NULL;
  *out = NULL;
  int err = template_bytes(st, name, required, &data, &len, &owned);
  if (err == CB_ENOTFOUND && !required)
    return 0;
  if (err < 0)
    return err;
  htmlDocPtr doc = NULL;
  if (len > INT32_MAX) {
    err = cb_ctx__fail(st->ctx, CB_ERROR, "template %s is too large", name);
    goto done;
  }
  if (len == 0) {
    err = cb_ctx__fail(st->ctx, CB_ERROR, "template %s is empty", name);
    goto done;
  }
  /* The HTML parser recovers from any error in the file; running out of
   * memory stops it with what it has, which the context tells. */
  htmlParserCtxtPtr pc = htmlNewParserCtxt();
  if (pc)
    doc = htmlCtxtReadMemory(pc, data, (int)len, name, "UTF-8",
                             HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                 HTML_PARSE_NOWARNING);
  if (!pc || !doc || pc->errNo == XML_ERR_NO_MEMORY) {
    err = cb_ctx__fail(st->ctx, CB_ENOMEM,
                       "out of memory while parsing template %s", name);
    if (doc)
      xmlFreeDoc(doc);
    doc = NULL;
    if (pc)
      htmlFreeParserCtxt(pc);
    goto done;
  }
  htmlFreeParserCtxt(pc);
  /* Without a content slot a page would silently lose everything. */
  int has_content = 0;
  xmlNodePtr n = xmlDocGetRootElement(doc);
  while (n && !has_content) {
    if (n->type == XML_ELEMENT_NODE && slot_of(n) == SLOT_CONTENT)
      has_content = 1;
    if (n->children) {
      n = n->children;
      continue;
    }
    while (n && !n->next)
      n = n->parent;
    if (n)
      n = n->next;
  }
  if (!has_content) {
    err = cb_ctx__fail(st->ctx, CB_ERROR,
                       "template %s has no element with "
                       "data-slot=\"content\"",
                       name);
    xmlFreeDoc(doc);
    doc = NULL;
    goto done;
  }
  *out = doc;
done:
  cb_free(owned);
  return err;
}

/* ---- the site -------------------------------------------------------- */

static void free_slots(hw *w) {
  for (int s = 0; s < N_SLOTS; s++) {
    if (w->slot[s])
      xmlFreeNode(w->slot[s]);
    w->slot[s] = NULL;
  }
}

/* Claims the ids of the template outside its slots (whose content is
 * replaced). */
static void claim_template_ids(hw *w, xmlNodePtr n) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    for (xmlAttrPtr a = n->properties; a; a = a->next)
      if (strcmp((const char *)a->name, "id") == 0 && a->children &&
          a->children->content)
        claim(w, (const char *)a->children->content, OWNER_TEMPLATE);
    if (slot_of(n) < 0)
      claim_template_ids(w, n->children);
  }
}

/* Claims the ids of the page before it is built (see set_id). */
static void claim_ids(hw *w, htmlDocPtr tpl, size_t chi) {
  const cb_book *b = w->book;
  claim_template_ids(w, tpl->children);
  if (chi == NO_CHAPTER)
    return;
  const cb_chapter *ch = &b->chapters[chi];
  for (size_t i = 0; i < ch->n_items; i++) {
    size_t k = ch->items[i].index;
    switch (ch->items[i].kind) {
    case CB_ITEM_QUESTION:
      if (k < b->n_questions) {
        const cb_question *q = &b->questions[k];
        claim(w, anchor(w, "question", q->id, NULL), owner_of(q));
        for (size_t o = 0; o < q->n_options; o++)
          claim(w, anchor(w, "option", q->id, q->options[o].id),
                owner_of(&q->options[o]));
      }
      break;
    case CB_ITEM_CRITERION:
      if (k < b->n_criteria)
        claim(w, anchor(w, "criterion", b->criteria[k].id, NULL),
              owner_of(&b->criteria[k]));
      break;
    case CB_ITEM_CASE:
      if (k < b->n_cases)
        claim(w, anchor(w, "case", b->cases[k].id, NULL),
              owner_of(&b->cases[k]));
      break;
    default:
      break;
    }
  }
  for (size_t i = 0; i < ch->n_headings; i++)
    if (ch->headings[i].slug && *ch->headings[i].slug)
      claim(w, ch->headings[i].slug, owner_of(&ch->headings[i]));
}

/* Builds and writes one page: chapter chi, or the index (NO_CHAPTER),
 * into dir (a cb_outdir being built). */
static int write_page(hw *w, const char *dir, size_t chi) {
  int err = 0;
  const cb_book *b = w->book;
  w->chapter = chi;
  cb_strmap_free(&w->ids);
  memset(&w->ids, 0, sizeof w->ids);
  for (int s = 0; s < N_SLOTS; s++)
    if (!(w->slot[s] = new_el(w, "cb-slot"))) {
      err = cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
      goto done;
    }

  htmlDocPtr tpl = chi == NO_CHAPTER ? w->site->index_tpl : w->site->page_tpl;
  claim_ids(w, tpl, chi);
  const char *page_title = chi == NO_CHAPTER ? NULL : b->chapters[chi].title;
  if (page_title && *page_title && strcmp(page_title, w->site->title) != 0) {
    text(w, w->slot[SLOT_TITLE], page_title);
    text(w, w->slot[SLOT_TITLE], " \xC2\xB7 ");
  }
  text(w, w->slot[SLOT_TITLE], w->site->title);
  text(w, w->slot[SLOT_BOOK_TITLE], w->site->title);
  text(w, w->slot[SLOT_VERSION], version_label(w));
  toc(w, w->slot[SLOT_TOC]);
  if (chi == NO_CHAPTER)
    index_content(w, w->slot[SLOT_CONTENT]); /* a chapter's is streamed */
  if (w->failed) {
    err = cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
    goto done;
  }

  serialize_page(w, tpl);
  if (w->failed) {
    err = cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  cb_buf_reset(&w->path);
  cb_buf_printf(&w->path, "%s/%s.html", dir,
                chi == NO_CHAPTER ? "index" : b->chapters[chi].slug);
  if (w->out.failed || w->path.failed) {
    err = cb_ctx__fail(w->ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  err = cb_output__file(w->ctx, cb_buf_cstr(&w->path), w->out.data, w->out.len,
                        CB_OUTPUT_KEEP_SAME);
done:
  free_slots(w);
  return err;
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
static void worker_free(hw *w) {
  free_slots(w);
  if (w->doc)
    xmlFreeDoc(w->doc);
  w->doc = NULL;
  cb_arena_free(w->ids_arena);
  w->ids_arena = NULL;
  cb_strmap_free(&w->ids);
  memset(&w->ids, 0, sizeof w->ids);
  cb_free(w->rows);
  w->rows = NULL;
  w->n_rows = w->cap_rows = 0;
  cb_free(w->cols);
  w->cols = NULL;
  w->n_cols = w->cap_cols = 0;
  cb_buf_free(&w->out);
  cb_buf_free(&w->tmp);
  cb_buf_free(&w->href);
  cb_buf_free(&w->path);
  cb_buf_free(&w->url);
}

void cb_emit_html__free(cb_site *st) {
  if (!st)
    return;
  for (int k = 0; k < N_WORKERS; k++)
    worker_free(&st->workers[k]);
  if (st->index_tpl && st->index_tpl != st->page_tpl)
    xmlFreeDoc(st->index_tpl);
  if (st->page_tpl)
    xmlFreeDoc(st->page_tpl);
  cb_strmap_free(&st->question_ids);
  cb_strmap_free(&st->criterion_ids);
  cb_strmap_free(&st->slugs);
  cb_free(st->opt_first);
  cb_free(st->opt_start);
  cb_free(st->opt_cases);
  cb_free(st->crit_start);
  cb_free(st->crit_cases);
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
  st->title = cb_emit__title(book);
  st->dir = dir;
  atomic_init(&st->next, 0);
  atomic_init(&st->stop, 0);
  if ((err = check_slugs(st)) < 0)
    goto done;
  if ((err = load_template(st, "page.html", 1, &st->page_tpl)) < 0 ||
      (err = load_template(st, "index.html", 0, &st->index_tpl)) < 0)
    goto done;
  if (!st->index_tpl)
    st->index_tpl = st->page_tpl;
  if ((err = build_index(st)) < 0)
    goto done;
  /* The workers' documents are made here, on one thread: libxml2 sets up
   * its dictionaries' lock on first use. */
  for (int k = 0; k < N_WORKERS; k++) {
    hw *w = &st->workers[k];
    w->site = st;
    w->book = book;
    w->ctx = ctx;
    w->doc = xmlNewDoc(BAD_CAST "1.0");
    if (w->doc)
      w->doc->dict = xmlDictCreate();
    if (!w->doc || !w->doc->dict || !(w->ids_arena = cb_arena_new())) {
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

int cb_emit_html__work(cb_site *st, int worker, cb_ctx *ctx) {
  int err = 0;
  assert(worker >= 0 && worker < N_WORKERS);
  hw *w = &st->workers[worker];
  w->ctx = ctx;
  while (!atomic_load(&st->stop)) {
    size_t i = atomic_fetch_add(&st->next, 1);
    if (i > st->book->n_chapters)
      break;
    if ((err = write_page(w, st->dir,
                          i == st->book->n_chapters ? NO_CHAPTER : i)) < 0) {
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
  if ((err = template_bytes(st, "style.css", 1, &css, &css_len, &css_owned)) <
      0)
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
