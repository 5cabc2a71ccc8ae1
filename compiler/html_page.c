/* SPDX-License-Identifier: MIT */
/*
 * html_page.c: the frame of the pages (templates, slots, the sidebar) and
 * the page being written: its ids and its hrefs. See html_page.h.
 *
 * A template is parsed with libxml2's HTML parser, which recovers from
 * any error in the file, then serialized once by serialize() below, which
 * follows the HTML5 serialization rules (void elements, raw text elements,
 * the newline after <pre>) and writes the template's nodes as they are.
 * Where an element is marked with a known data-slot, its start tag is
 * written without that attribute, its children are left out and a hole is
 * recorded; cb_html_page__write fills the holes through the writer, so a
 * slot's content is escaped wherever it stands (even in a <script>). No
 * clock is read: pages are byte-identical on reruns.
 */
#include "book.h"
#include "html_page.h"

#include <assert.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "embed.h"
#include "escape.h"
#include "model.h"

/* The slots a template may mark with data-slot. */
enum {
  SLOT_TITLE,
  SLOT_BOOK_TITLE,
  SLOT_VERSION,
  SLOT_TOC,
  SLOT_NAV,
  SLOT_CONTENT,
  N_SLOTS
};
static const char *const slot_names[N_SLOTS] = {
    "title", "book-title", "version", "toc", "nav", "content"};

/* The policy every page carries, whatever its template says: scripts and
 * styles only from the site's own files (no inline script, so no script
 * that came from a casebook can run), images from the site or data: (the
 * images prose may embed), nothing from anywhere else. */
static const char csp_meta[] =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
    "'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; media-src 'self'; base-uri 'none'; form-action "
    "'none'\">";

/* The largest template or asset a project may bring. */
#define TEMPLATE_MAX (64u * 1024 * 1024)

/* Books with more chapters than this get a window of the table of
 * contents in the sidebar (the index page lists them all): a full TOC on
 * every page would make the site quadratic in the number of chapters. */
#define TOC_FULL 40
#define TOC_RADIUS 12

/* A slot of a serialized template: filled at byte at. */
typedef struct hole {
  size_t at;
  int slot;
  int pre; /* the slot is a <pre>: see cb_html__pre_start */
} hole;

/* A template, serialized with its slots empty. */
typedef struct tpl {
  const char *const *ui; /* the site's words (ui_strings.h) */
  const char *lang;      /* for <html lang>: the manifest's, or NULL */
  int has_head;          /* the policy went in */
  cb_buf bytes;
  hole *holes;
  size_t n_holes, cap_holes;
  cb_buf ids; /* the ids outside its slots, each NUL-terminated */
} tpl;

struct cb_html_layout {
  cb_ctx *ctx; /* while it is made */
  const cb_book *book;
  const char *ui[CB_UI_N]; /* the site's words: built in, then the
                              manifest's strings */
  const char *title; /* the book's */
  cb_buf version;    /* the version line */
  tpl page, index;   /* page.html; index.html when own_index */
  int own_index;     /* the index page has a template of its own */
  /* The sidebar: chapter i's line is [toc_at[i], toc_at[i + 1]) of toc. */
  cb_html toc;
  size_t *toc_at;
  cb_html nav; /* the site's own pages (see cb_html_page__nav) */
};

/* ---- serializing a template ------------------------------------------ */

enum { EL_VOID = 1, EL_RAW = 2, EL_PRE = 4 };

/* What the HTML5 serializer needs to know about an element name. */
static int el_class(const char *n) {
  static const struct {
    const char *name;
    int cls;
  } table[] = {
      {"area", EL_VOID},   {"base", EL_VOID},    {"br", EL_VOID},
      {"col", EL_VOID},    {"embed", EL_VOID},   {"hr", EL_VOID},
      {"img", EL_VOID},    {"input", EL_VOID},   {"link", EL_VOID},
      {"listing", EL_PRE}, {"meta", EL_VOID},    {"param", EL_VOID},
      {"pre", EL_PRE},     {"script", EL_RAW},   {"source", EL_VOID},
      {"style", EL_RAW},   {"textarea", EL_PRE}, {"track", EL_VOID},
      {"wbr", EL_VOID},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].name, n) == 0)
      return table[i].cls;
  return 0;
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

static int serialize_children(tpl *t, xmlNodePtr first, int raw);

/* The attributes a template may have translated: data-ui-NAME="KEY"
 * gives attribute NAME the site's word KEY (ui_strings.h). */
static const char *const ui_attrs[] = {"aria-label", "placeholder", "title"};
#define N_UI_ATTRS (sizeof ui_attrs / sizeof ui_attrs[0])

/* The key of ui_strings.h that attribute attr of n names, -1 when n has
 * no such attribute or it names no key. */
static int ui_key(xmlNodePtr n, const char *attr) {
  for (xmlAttrPtr a = n->properties; a; a = a->next)
    if (strcmp((const char *)a->name, attr) == 0)
      return a->children && a->children->content
                 ? cb_ui__key((const char *)a->children->content)
                 : -1;
  return -1;
}

/* Writes attribute a of n as the site's word it names, when it is a
 * data-ui-NAME attribute, or leaves out the attribute NAME that such a
 * one replaces. Returns 1 when a is taken care of, 0 when it is written
 * as it is. */
static int ui_attr_written(tpl *t, xmlNodePtr n, xmlAttrPtr a) {
  const char *name = (const char *)a->name;
  char marker[32];
  for (size_t i = 0; i < N_UI_ATTRS; i++) {
    snprintf(marker, sizeof marker, "data-ui-%s", ui_attrs[i]);
    int key = ui_key(n, marker);
    if (strcmp(name, ui_attrs[i]) == 0)
      return key >= 0; /* replaced by the translated one */
    if (strcmp(name, marker) == 0) {
      if (key >= 0) {
        cb_buf_putc(&t->bytes, ' ');
        cb_buf_puts(&t->bytes, ui_attrs[i]);
        cb_buf_puts(&t->bytes, "=\"");
        cb_escape__markup(&t->bytes, t->ui[key], CB_ESCAPE_ATTR);
        cb_buf_putc(&t->bytes, '"');
      }
      return 1;
    }
  }
  return strcmp(name, "data-ui") == 0 && ui_key(n, "data-ui") >= 0;
}

/* The words site.js shows, as a JSON data block in <head> (not a script:
 * the policy lets none run inline). */
static void script_strings(tpl *t) {
  cb_buf_puts(&t->bytes,
              "<script type=\"application/json\" data-casebook=\"strings\">");
  cb_ui__script_json(&t->bytes, t->ui);
  cb_buf_puts(&t->bytes, "</script>");
}

/* Writes element n: its start tag (without data-slot when it is a known
 * slot), then a hole or its children, then its end tag. */
static int serialize_element(tpl *t, xmlNodePtr n) {
  cb_buf *b = &t->bytes;
  int cls = el_class((const char *)n->name);
  int slot = slot_of(n);
  int is_html = strcmp((const char *)n->name, "html") == 0;
  int text_key = ui_key(n, "data-ui");
  cb_buf_putc(b, '<');
  cb_buf_puts(b, (const char *)n->name);
  /* the manifest's language, else the template's own, else English */
  if (is_html && (t->lang || !xmlHasProp(n, BAD_CAST "lang"))) {
    cb_buf_puts(b, " lang=\"");
    cb_escape__markup(b, t->lang ? t->lang : "en", CB_ESCAPE_ATTR);
    cb_buf_putc(b, '"');
  }
  for (xmlAttrPtr a = n->properties; a; a = a->next) {
    const char *name = (const char *)a->name;
    if (slot >= 0 && slot < N_SLOTS && strcmp(name, "data-slot") == 0)
      continue;
    if (is_html && t->lang && strcmp(name, "lang") == 0)
      continue;
    if (ui_attr_written(t, n, a))
      continue;
    cb_buf_putc(b, ' ');
    cb_buf_puts(b, (const char *)a->name);
    if (a->children) {
      cb_buf_puts(b, "=\"");
      for (xmlNodePtr v = a->children; v; v = v->next)
        if (v->content)
          cb_escape__markup(b, (const char *)v->content, CB_ESCAPE_ATTR);
      cb_buf_putc(b, '"');
    }
  }
  cb_buf_putc(b, '>');
  if (cls & EL_VOID)
    return 0;
  /* The policy goes first in <head>, before anything it governs. */
  if (strcmp((const char *)n->name, "head") == 0) {
    cb_buf_puts(b, csp_meta);
    t->has_head = 1;
  }
  if (text_key >= 0 && !(slot >= 0 && slot < N_SLOTS)) {
    cb_escape__markup(b, t->ui[text_key], CB_ESCAPE_TEXT);
  } else if (slot >= 0 && slot < N_SLOTS) {
    hole h = {b->len, slot, (cls & EL_PRE) != 0};
    if (CB_VEC_PUSH(t->holes, t->n_holes, t->cap_holes, h) < 0)
      return -1;
  } else {
    xmlNodePtr kids = n->children;
    /* HTML drops a newline right after <pre>: write one more to keep the
     * text's own. */
    if ((cls & EL_PRE) && kids && kids->type == XML_TEXT_NODE &&
        kids->content && kids->content[0] == '\n')
      cb_buf_putc(b, '\n');
    if (serialize_children(t, kids, (cls & EL_RAW) != 0) < 0)
      return -1;
  }
  /* The words of the script go last, after the template's <meta charset>,
   * which must come in the first 1024 bytes. */
  if (strcmp((const char *)n->name, "head") == 0)
    script_strings(t);
  cb_buf_puts(b, "</");
  cb_buf_puts(b, (const char *)n->name);
  cb_buf_putc(b, '>');
  return 0;
}

static int serialize_children(tpl *t, xmlNodePtr first, int raw) {
  cb_buf *b = &t->bytes;
  for (xmlNodePtr n = first; n; n = n->next) {
    switch (n->type) {
    case XML_ELEMENT_NODE:
      if (serialize_element(t, n) < 0)
        return -1;
      break;
    case XML_TEXT_NODE:
      if (n->content) {
        if (raw)
          cb_buf_puts(b, (const char *)n->content);
        else
          cb_escape__markup(b, (const char *)n->content, CB_ESCAPE_TEXT);
      }
      break;
    case XML_CDATA_SECTION_NODE: /* the text of <style> or <script> */
      if (n->content)
        cb_buf_puts(b, (const char *)n->content);
      break;
    case XML_ENTITY_REF_NODE:
      cb_buf_putc(b, '&');
      cb_buf_puts(b, (const char *)n->name);
      cb_buf_putc(b, ';');
      break;
    default: /* the DOCTYPE (always written first), the template's comments
                (notes for its designer), processing instructions */
      break;
    }
  }
  return 0;
}

/* Collects the ids of the template outside its slots (whose content is
 * replaced): every page claims them first. */
static void collect_ids(tpl *t, xmlNodePtr n) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    for (xmlAttrPtr a = n->properties; a; a = a->next)
      if (strcmp((const char *)a->name, "id") == 0 && a->children &&
          a->children->content)
        cb_buf_append(&t->ids, (const char *)a->children->content,
                      strlen((const char *)a->children->content) + 1);
    if (slot_of(n) < 0)
      collect_ids(t, n->children);
  }
}

/* ---- loading a template ---------------------------------------------- */

int cb_html_page__template_bytes(cb_ctx *ctx, const cb_book *book,
                                 const char *name, int required,
                                 const char **data, size_t *len, char **owned) {
  int err = 0;
  cb_buf buf = {0};
  *owned = NULL;
  /* The project's own, from where its chapters come (the working tree or
   * the revision of --rev): see cb_book__project_file. */
  cb_buf_printf(&buf, "templates/%s", name);
  if (buf.failed) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  err = cb_book__project_file(ctx, book, cb_buf_cstr(&buf), TEMPLATE_MAX, data,
                              len);
  if (err != CB_ENOTFOUND)
    goto done; /* found, or an error with ctx's error set */
  err = 0;
  const cb_embedded *e = cb_embed__find(cb_buf_cstr(&buf));
  if (!e) {
    err = required
              ? cb_ctx__fail(ctx, CB_ENOTFOUND, "template %s not found", name)
              : CB_ENOTFOUND;
    goto done;
  }
  *data = (const char *)e->data;
  *len = e->len;
done:
  cb_buf_free(&buf);
  return err;
}

/* 1 when the tree under n has a content slot. */
static int has_content_slot(xmlNodePtr n) {
  while (n) {
    if (n->type == XML_ELEMENT_NODE && slot_of(n) == SLOT_CONTENT)
      return 1;
    if (n->children) {
      n = n->children;
      continue;
    }
    while (n && !n->next)
      n = n->parent;
    if (n)
      n = n->next;
  }
  return 0;
}

/* Parses and serializes template name into t. Returns 0, CB_ENOTFOUND
 * when an optional one is missing (t untouched), or an error. */
static int load_template(cb_html_layout *l, const char *name, int required,
                         tpl *t) {
  cb_ctx *ctx = l->ctx;
  const char *data;
  size_t len;
  char *owned = NULL;
  htmlDocPtr doc = NULL;
  int err = cb_html_page__template_bytes(ctx, l->book, name, required, &data,
                                         &len, &owned);
  if (err < 0)
    return err;
  if (len > INT32_MAX) {
    err = cb_ctx__fail(ctx, CB_ERROR, "template %s is too large", name);
    goto done;
  }
  if (len == 0) {
    err = cb_ctx__fail(ctx, CB_ERROR, "template %s is empty", name);
    goto done;
  }
  /* The HTML parser recovers from any error in the file; running out of
   * memory stops it with what it has, which the context tells. */
  htmlParserCtxtPtr pc = htmlNewParserCtxt();
  if (pc)
    doc = htmlCtxtReadMemory(pc, data, (int)len, name, "UTF-8",
                             HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                 HTML_PARSE_NOWARNING);
  int oom = !pc || !doc || pc->errNo == XML_ERR_NO_MEMORY;
  if (pc)
    htmlFreeParserCtxt(pc);
  if (oom) {
    err = cb_ctx__fail(ctx, CB_ENOMEM,
                       "out of memory while parsing template %s", name);
    goto done;
  }
  /* Without a content slot a page would silently lose everything. */
  if (!has_content_slot(xmlDocGetRootElement(doc))) {
    err = cb_ctx__fail(ctx, CB_ERROR,
                       "template %s has no element with "
                       "data-slot=\"content\"",
                       name);
    goto done;
  }
  t->ui = l->ui;
  t->lang = l->book->manifest.language;
  cb_buf_puts(&t->bytes, "<!DOCTYPE html>\n");
  if (serialize_children(t, doc->children, 0) < 0)
    t->bytes.failed = 1;
  collect_ids(t, doc->children);
  if (t->bytes.failed || t->ids.failed)
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  else if (!t->has_head) /* no page goes out without its policy */
    err = cb_ctx__fail(ctx, CB_ERROR, "template %s has no <head>", name);
done:
  if (doc)
    xmlFreeDoc(doc);
  cb_free(owned);
  return err;
}

static void tpl_free(tpl *t) {
  cb_buf_free(&t->bytes);
  cb_buf_free(&t->ids);
  cb_free(t->holes);
  memset(t, 0, sizeof *t);
}

/* ---- the layout ------------------------------------------------------ */

static void version_line(cb_buf *b, const cb_book *book,
                         const char *const *ui) {
  const cb_stamp *s = &book->stamp;
  const char *version = s->version ? s->version : book->manifest.version;
  if (version)
    cb_ui__format(b, ui[CB_UI_VERSION], 0, version);
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
    /* the day of an ISO 8601 date is enough for a reader */
    size_t n = strlen(s->date);
    cb_buf_append(b, s->date, n > 10 && s->date[10] == 'T' ? 10 : n);
  }
  if (s->dirty) {
    int after = b->len > 0;
    cb_buf_puts(b, after ? " (" : "");
    cb_buf_puts(b, ui[CB_UI_UNCOMMITTED]);
    cb_buf_puts(b, after ? ")" : "");
  }
  if (!b->len)
    cb_buf_puts(b, ui[CB_UI_UNVERSIONED]);
}

/* Writes each chapter's line of the sidebar, as on any page but its own:
 * <li><a href="slug.html">title</a></li>. */
static int toc_lines(cb_html_layout *l) {
  const cb_book *b = l->book;
  cb_buf href = {0};
  l->toc_at = cb_calloc(b->n_chapters + 1, sizeof(size_t));
  if (!l->toc_at)
    return -1;
  for (size_t i = 0; i < b->n_chapters; i++) {
    l->toc_at[i] = cb_html__mark(&l->toc);
    cb_buf_reset(&href);
    cb_buf_puts(&href, b->chapters[i].slug);
    cb_buf_puts(&href, ".html");
    cb_html__open(&l->toc, CB_TAG_LI, NULL);
    cb_html__link(&l->toc, cb_buf_cstr(&href), NULL, b->chapters[i].title);
    cb_html__close(&l->toc);
  }
  l->toc_at[b->n_chapters] = cb_html__mark(&l->toc);
  int failed = href.failed || cb_html__failed(&l->toc);
  cb_buf_free(&href);
  return failed ? -1 : 0;
}

int cb_html_page__layout(cb_html_layout **out, cb_ctx *ctx,
                         const cb_book *book) {
  int err = 0;
  *out = NULL;
  cb_html_layout *l = cb_calloc(1, sizeof *l);
  if (!l)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  l->ctx = ctx;
  l->book = book;
  l->title = cb_model__title(book);
  cb_ui__builtin(l->ui, book->manifest.language);
  for (size_t i = 0; i < book->manifest.ui_keys.n; i++) {
    int key = cb_ui__key(book->manifest.ui_keys.items[i]);
    if (key >= 0)
      l->ui[key] = book->manifest.ui_texts.items[i];
  }
  if ((err = load_template(l, "page.html", 1, &l->page)) < 0)
    goto done;
  err = load_template(l, "index.html", 0, &l->index);
  if (err == CB_ENOTFOUND)
    err = 0;
  else if (err == 0)
    l->own_index = 1;
  else
    goto done;
  version_line(&l->version, book, l->ui);
  if (toc_lines(l) < 0 || l->version.failed)
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
done:
  l->ctx = NULL;
  if (err < 0)
    cb_html_page__layout_free(l);
  else
    *out = l;
  return err;
}

void cb_html_page__layout_free(cb_html_layout *l) {
  if (!l)
    return;
  tpl_free(&l->page);
  tpl_free(&l->index);
  cb_buf_free(&l->version);
  cb_html__free(&l->toc);
  cb_html__free(&l->nav);
  cb_free(l->toc_at);
  cb_free(l);
}

const char *cb_html_page__title(const cb_html_layout *l) { return l->title; }

const char *cb_html_page__ui(const cb_html_layout *l, cb_ui key) {
  return l->ui[key];
}

cb_html *cb_html_page__nav(cb_html_layout *l) { return &l->nav; }

const char *cb_html_page__version(const cb_html_layout *l) {
  return l->version.data ? l->version.data : "";
}

/* ---- hrefs and ids --------------------------------------------------- */

/* Makes room for n more bytes and a NUL in b; 0 when out of memory. */
static int reserve(cb_buf *b, size_t n) {
  if (b->failed)
    return 0;
  if (b->len + n + 1 <= b->cap)
    return 1;
  size_t ncap = b->cap ? b->cap : 256;
  while (ncap < b->len + n + 1) {
    if (ncap > SIZE_MAX / 2) {
      b->failed = 1;
      return 0;
    }
    ncap *= 2;
  }
  char *d = cb_realloc(b->data, ncap);
  if (!d) {
    b->failed = 1;
    return 0;
  }
  b->data = d;
  b->cap = ncap;
  return 1;
}

/* Appends n bytes (room made). */
static inline void put(cb_buf *b, const char *s, size_t n) {
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

/* Appends an id part (room made): whitespace, which an HTML id may not
 * hold, as '-'. */
static void put_id(cb_buf *b, const char *s, size_t n) {
  char *d = b->data + b->len;
  memcpy(d, s, n);
  for (size_t i = 0; i < n; i++)
    if (d[i] <= ' ' && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' ||
                        d[i] == '\r' || d[i] == '\f'))
      d[i] = '-';
  b->len += n;
}

/* Sets b to [page.html]#<prefix>-<a>[-<c>] (page NULL: no page, hash 0:
 * no '#'). */
static const char *put_href(cb_buf *b, const char *page, int hash,
                            const char *prefix, const char *a, const char *c) {
  size_t n_page = page ? strlen(page) : 0, n_prefix = strlen(prefix);
  size_t n_a = strlen(a), n_c = c ? strlen(c) : 0;
  b->len = 0;
  if (!reserve(b, n_page + 6 + n_prefix + n_a + n_c + 2)) {
    cb_buf_reset(b); /* the failure shows in b->failed */
    return "";
  }
  if (page) {
    put(b, page, n_page);
    put(b, ".html", 5);
  }
  if (hash)
    put(b, "#", 1);
  put(b, prefix, n_prefix);
  put(b, "-", 1);
  put_id(b, a, n_a);
  if (c) {
    put(b, "-", 1);
    put_id(b, c, n_c);
  }
  b->data[b->len] = '\0';
  return b->data;
}

const char *cb_html_page__anchor(cb_html_page *p, const char *prefix,
                                 const char *a, const char *b) {
  const char *s = put_href(&p->href, NULL, 0, prefix, a, b);
  if (p->href.failed)
    p->failed = 1;
  return s;
}

const char *cb_html_page__href(cb_html_page *p, size_t chapter,
                               const char *prefix, const char *a,
                               const char *b) {
  const char *page =
      !p->print && chapter != p->chapter && chapter < p->book->n_chapters
          ? p->book->chapters[chapter].slug
          : NULL;
  const char *s = put_href(&p->href, page, 1, prefix, a, b);
  if (p->href.failed)
    p->failed = 1;
  return s;
}

const char *cb_html_page__page_of(cb_html_page *p, size_t chapter) {
  cb_buf_reset(&p->href);
  cb_buf_puts(&p->href, p->book->chapters[chapter].slug);
  cb_buf_puts(&p->href, ".html");
  return cb_buf_cstr(&p->href);
}

void cb_html_page__claim(cb_html_page *p, const char *s, size_t owner) {
  if (cb_strmap_get(&p->ids, s, NULL))
    return;
  char *id = cb_arena_strdup(p->ids_arena, s);
  if (!id || cb_strmap_put(&p->ids, id, owner, NULL) < 0)
    p->failed = 1;
}

const char *cb_html_page__set_id(cb_html_page *p, const char *s, size_t owner) {
  if (!s || !*s)
    return NULL;
  size_t have;
  if (!cb_strmap_get(&p->ids, s, &have)) {
    cb_html_page__claim(p, s, owner);
  } else if (have != owner) {
    const char *id = NULL;
    for (unsigned k = 2; !id; k++) {
      char *alt = cb_arena_printf(p->ids_arena, "%s-%u", s, k);
      int r = alt ? cb_strmap_put(&p->ids, alt, owner, NULL) : -1;
      if (r < 0) {
        p->failed = 1;
        return NULL;
      }
      if (r == 1)
        id = alt;
    }
    s = id;
  }
  cb_html__attr(&p->out, "id", s);
  return s;
}

void cb_html_page__permalink(cb_html_page *p, const char *id) {
  if (!id || !*id)
    return;
  cb_buf_reset(&p->scratch);
  cb_buf_putc(&p->scratch, '#');
  cb_buf_puts(&p->scratch, id);
  if (p->scratch.failed) {
    p->failed = 1;
    return;
  }
  cb_html__open_link(&p->out, p->scratch.data, "permalink");
  cb_html__attr(&p->out, "aria-label", CB_UI(p, CB_UI_PERMALINK));
  cb_html__puts(&p->out, "#");
  cb_html__close(&p->out);
}

const char *cb_html_page__count(cb_html_page *p, size_t n, cb_ui one,
                                cb_ui many) {
  cb_buf_reset(&p->scratch);
  cb_ui__format(&p->scratch, CB_UI(p, n == 1 ? one : many), n, NULL);
  if (p->scratch.failed)
    p->failed = 1;
  return p->scratch.failed ? "" : p->scratch.data;
}

void cb_html_page__table_open(cb_html_page *p, const char *cls,
                              const char *label) {
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_DIV, "table-scroll");
  cb_html__attr(o, "role", "region");
  cb_html__attr(o, "tabindex", "0");
  cb_html__attr(o, "aria-label", label);
  cb_html__open(o, CB_TAG_TABLE, cls);
}

void cb_html_page__table_close(cb_html_page *p) {
  cb_html__close(&p->out); /* table */
  cb_html__close(&p->out); /* div */
}

/* ---- pages ----------------------------------------------------------- */

int cb_html_page__init(cb_html_page *p, const cb_book *book) {
  p->book = book;
  p->chapter = CB_HTML_INDEX;
  p->ids_arena = cb_arena_new();
  return p->ids_arena ? 0 : CB_ENOMEM;
}

void cb_html_page__free(cb_html_page *p) {
  cb_html__free(&p->out);
  cb_arena_free(p->ids_arena);
  p->ids_arena = NULL;
  cb_strmap_free(&p->ids);
  memset(&p->ids, 0, sizeof p->ids);
  cb_buf_free(&p->href);
  cb_buf_free(&p->scratch);
  cb_free(p->rows);
  p->rows = NULL;
  p->n_rows = p->cap_rows = 0;
  cb_free(p->cols);
  p->cols = NULL;
  p->n_cols = p->cap_cols = 0;
}

/* The outline of the current chapter: its headings one level below the
 * top one (the top one is the chapter's title). */
static void outline(cb_html_page *p, const cb_chapter *ch) {
  cb_html_page__outline(p, ch, "outline", 1);
}

size_t cb_html_page__outline(cb_html_page *p, const cb_chapter *ch,
                             const char *cls, size_t min) {
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
  int open = 0;
  size_t n = 0;
  for (size_t i = 0; i < ch->n_headings; i++)
    n += ch->headings[i].level == level && ch->headings[i].slug;
  if (n < min || !cls)
    return n;
  for (size_t i = 0; i < ch->n_headings; i++) {
    const cb_heading *h = &ch->headings[i];
    if (h->level != level || !h->slug)
      continue;
    if (!open) {
      cb_html__open(&p->out, CB_TAG_OL, cls);
      open = 1;
    }
    cb_html__open(&p->out, CB_TAG_LI, NULL);
    cb_buf_reset(&p->href);
    cb_buf_putc(&p->href, '#');
    cb_buf_puts(&p->href, h->slug);
    cb_html__link(&p->out, cb_buf_cstr(&p->href), NULL, h->text);
    cb_html__close(&p->out);
  }
  if (open)
    cb_html__close(&p->out);
  return n;
}

static void more_chapters(cb_html *h, const cb_html_layout *l) {
  cb_html__open(h, CB_TAG_LI, "more");
  cb_html__link(h, "index.html#chapters", NULL, l->ui[CB_UI_ALL_CHAPTERS]);
  cb_html__close(h);
}

/* The table of contents: the lines written once, around the page's own. */
static void toc(cb_html_page *p, const cb_html_layout *l) {
  const cb_book *b = p->book;
  cb_html *h = &p->out;
  size_t from = 0, to = b->n_chapters;
  if (b->n_chapters > TOC_FULL) {
    size_t cur = p->chapter == CB_HTML_INDEX ? 0 : p->chapter;
    from = cur > TOC_RADIUS ? cur - TOC_RADIUS : 0;
    to = cur + TOC_RADIUS + 1 < b->n_chapters ? cur + TOC_RADIUS + 1
                                              : b->n_chapters;
  }
  cb_html__open(h, CB_TAG_OL, "toc");
  if (from > 0)
    more_chapters(h, l);
  size_t cur = p->chapter;
  if (cur >= from && cur < to) {
    const cb_chapter *ch = &b->chapters[cur];
    cb_html__splice(h, &l->toc, l->toc_at[from], l->toc_at[cur]);
    cb_html__open(h, CB_TAG_LI, "current");
    cb_html__open_link(h, cb_html_page__page_of(p, cur), NULL);
    cb_html__attr(h, "aria-current", "page");
    cb_html__puts(h, ch->title);
    cb_html__close(h);
    outline(p, ch);
    cb_html__close(h);
    cb_html__splice(h, &l->toc, l->toc_at[cur + 1], l->toc_at[to]);
  } else {
    cb_html__splice(h, &l->toc, l->toc_at[from], l->toc_at[to]);
  }
  if (to < b->n_chapters)
    more_chapters(h, l);
  cb_html__close(h);
}

static void fill(cb_html_page *p, const cb_html_layout *l, int slot,
                 void (*content)(cb_html_page *p, void *data), void *data) {
  switch (slot) {
  case SLOT_TITLE: {
    const char *page_title = p->chapter == CB_HTML_INDEX
                                 ? p->title
                                 : p->book->chapters[p->chapter].title;
    /* the <title>: text only, no <bdi> */
    if (page_title && *page_title && strcmp(page_title, l->title) != 0) {
      cb_html__plain(&p->out, page_title);
      cb_html__plain(&p->out, " \xC2\xB7 ");
    }
    cb_html__plain(&p->out, l->title);
    break;
  }
  case SLOT_BOOK_TITLE:
    cb_html__puts(&p->out, l->title);
    break;
  case SLOT_VERSION:
    cb_html__puts(&p->out, cb_html_page__version(l));
    break;
  case SLOT_TOC:
    toc(p, l);
    break;
  case SLOT_NAV:
    if (l->nav.buf.len)
      cb_html__splice(&p->out, &l->nav, 0, l->nav.buf.len);
    break;
  default:
    content(p, data);
    break;
  }
}

int cb_html_page__write(cb_html_page *p, const cb_html_layout *l,
                        size_t chapter,
                        void (*content)(cb_html_page *p, void *data),
                        void *data) {
  const tpl *t =
      chapter == CB_HTML_INDEX && l->own_index ? &l->index : &l->page;
  p->chapter = chapter;
  p->layout = l;
  cb_html__reset(&p->out);
  cb_strmap_free(&p->ids);
  memset(&p->ids, 0, sizeof p->ids);
  for (size_t at = 0; at < t->ids.len; at += strlen(t->ids.data + at) + 1)
    cb_html_page__claim(p, t->ids.data + at, CB_HTML_OWNER_TEMPLATE);

  size_t done = 0;
  for (size_t i = 0; i < t->n_holes && !p->failed; i++) {
    const hole *h = &t->holes[i];
    cb_html__template(&p->out, t->bytes.data + done, h->at - done);
    done = h->at;
    if (h->pre)
      cb_html__pre_start(&p->out);
    fill(p, l, h->slot, content, data);
  }
  cb_html__template(&p->out, t->bytes.data + done, t->bytes.len - done);
  const cb_buf *b = &p->out.buf;
  if (b->len && b->data[b->len - 1] != '\n')
    cb_html__template(&p->out, "\n", 1);
  return p->failed || cb_html__failed(&p->out) ? CB_ENOMEM : 0;
}
