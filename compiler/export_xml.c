/*
 * export_xml.c: rubric.xml, the content of rubric.json as XML (see
 * schemas/rubric.rng for the vocabulary and docs/outputs.md).
 *
 * The document is built with libxml2's tree API, so every text and
 * attribute is escaped by construction; text from the casebook is first
 * cleaned of what XML 1.0 cannot hold (clean()). The serialized bytes are
 * then parsed again and validated against the schema embedded in the
 * binary before the file is written: what is written is what was checked.
 * A document that does not validate is a bug of this file, never of the
 * casebook, and fails the build as an internal error.
 */
#include "export_xml.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "embed.h"
#include "emit.h"
#include "output.h"

#define SCHEMA_NAME "schemas/rubric.rng"

typedef struct xw {
  cb_ctx *ctx;
  const cb_book *book;
  cb_buf tmp;   /* scratch for cleaned text */
  cb_buf links; /* scratch for HTML with its links resolved */
  int failed;   /* out of memory somewhere */
} xw;

/* s[0..len) as XML 1.0 can hold it: as it is, or cleaned into w->tmp
 * (valid until the next call). HTML mode already makes C0 controls
 * visible and replaces C1 controls, noncharacters and invalid UTF-8; XML
 * also refuses the form feed that HTML allows. NULL when out of memory. */
static const xmlChar *clean(xw *w, const char *s, size_t len) {
  if (cb_emit__text_ok(s, len, CB_TEXT_HTML) && !memchr(s, '\f', len) &&
      !memchr(s, '\0', len))
    return (const xmlChar *)s;
  cb_buf_reset(&w->tmp);
  cb_emit__text_fix(&w->tmp, s, len, CB_TEXT_HTML);
  const char *fixed = cb_buf_cstr(&w->tmp);
  if (w->tmp.failed) {
    w->failed = 1;
    return NULL;
  }
  /* U+240C SYMBOL FOR FORM FEED, as the other controls */
  if (memchr(fixed, '\f', w->tmp.len)) {
    cb_buf out = {0};
    for (size_t i = 0; i < w->tmp.len; i++) {
      if (fixed[i] == '\f')
        cb_buf_puts(&out, "\xE2\x90\x8C");
      else
        cb_buf_putc(&out, fixed[i]);
    }
    cb_buf_reset(&w->tmp);
    cb_buf_append(&w->tmp, out.data ? out.data : "", out.len);
    if (out.failed)
      w->failed = 1;
    cb_buf_free(&out);
    fixed = cb_buf_cstr(&w->tmp);
    if (w->tmp.failed)
      w->failed = 1;
  }
  return w->failed ? NULL : (const xmlChar *)fixed;
}

/* A child element <name>text</name>; nothing when text is NULL. */
static xmlNodePtr child(xw *w, xmlNodePtr parent, const char *name,
                        const char *text) {
  if (!text || !parent)
    return NULL;
  const xmlChar *t = clean(w, text, strlen(text));
  xmlNodePtr n = t ? xmlNewTextChild(parent, NULL, BAD_CAST name, t) : NULL;
  if (!n)
    w->failed = 1;
  return n;
}

/* An empty child element <name/> for attributes. */
static xmlNodePtr empty(xw *w, xmlNodePtr parent, const char *name) {
  xmlNodePtr n = parent ? xmlNewChild(parent, NULL, BAD_CAST name, NULL) : NULL;
  if (!n)
    w->failed = 1;
  return n;
}

/* An attribute; nothing when value is NULL. */
static void attr(xw *w, xmlNodePtr node, const char *name, const char *value) {
  if (!value || !node)
    return;
  const xmlChar *v = clean(w, value, strlen(value));
  if (!v || !xmlNewProp(node, BAD_CAST name, v))
    w->failed = 1;
}

static void attr_int(xw *w, xmlNodePtr node, const char *name, long long n) {
  char num[32];
  snprintf(num, sizeof num, "%lld", n);
  attr(w, node, name, num);
}

/* A pre-rendered HTML fragment, its "cb-link:N" hrefs resolved as in
 * rubric.json, as the text of <name>. */
static void html_child(xw *w, xmlNodePtr parent, const char *name,
                       const char *html) {
  if (!html)
    return;
  cb_buf_reset(&w->links);
  cb_emit__links(&w->links, w->book, html);
  if (w->links.failed) {
    w->failed = 1;
    return;
  }
  child(w, parent, name, cb_buf_cstr(&w->links));
}

/* chapter, file and line attributes of an element. */
static void source(xw *w, xmlNodePtr node, uint32_t chapter, cb_loc loc) {
  const cb_book *b = w->book;
  attr(w, node, "chapter",
       chapter < b->n_chapters ? b->chapters[chapter].path : NULL);
  attr(w, node, "file", loc.file < b->n_files ? b->files[loc.file].path : NULL);
  attr_int(w, node, "line", loc.line);
}

static void stamp(xw *w, xmlNodePtr root) {
  const cb_stamp *s = &w->book->stamp;
  xmlNodePtr v = empty(w, root, "version");
  attr(w, v, "version", s->version ? s->version : w->book->manifest.version);
  attr(w, v, "commit", s->commit);
  attr(w, v, "describe", s->describe);
  attr(w, v, "date", s->date);
  attr(w, v, "dirty", s->dirty ? "true" : "false");
}

static void option(xw *w, xmlNodePtr parent, const cb_question *q,
                   const cb_option *opt) {
  xmlNodePtr o = empty(w, parent, "option");
  attr(w, o, "id", opt->id ? opt->id : "");
  if (q->type == CB_Q_SCALE)
    attr_int(w, o, "value", opt->value);
  child(w, o, "meaning", opt->meaning_text);
  html_child(w, o, "meaning-html", opt->meaning_html);
  for (size_t i = 0; i < opt->n_attrs; i++) {
    xmlNodePtr a =
        child(w, o, "attr", opt->attrs[i].value ? opt->attrs[i].value : "");
    attr(w, a, "key", opt->attrs[i].key ? opt->attrs[i].key : "");
  }
}

static void question(xw *w, xmlNodePtr parent, const cb_question *q) {
  xmlNodePtr e = empty(w, parent, "question");
  attr(w, e, "id", q->id);
  attr(w, e, "type", cb_qtype_name(q->type));
  attr(w, e, "required", q->required ? "true" : "false");
  attr(w, e, "scope", q->scope == CB_SCOPE_RESPONSE ? "response" : "case");
  source(w, e, q->chapter, q->loc);
  child(w, e, "title", q->title ? q->title : "");
  child(w, e, "hint", q->hint ? q->hint : q->title);
  child(w, e, "when", q->when);
  if (q->type == CB_Q_SCALE) {
    xmlNodePtr s = empty(w, e, "scale");
    attr_int(w, s, "min", q->scale_min);
    attr_int(w, s, "max", q->scale_max);
  }
  if (q->responses.n) {
    xmlNodePtr rs = empty(w, e, "responses");
    for (size_t i = 0; i < q->responses.n; i++)
      child(w, rs, "response", q->responses.items[i]);
  }
  xmlNodePtr opts = empty(w, e, "options");
  for (size_t i = 0; i < q->n_options; i++)
    option(w, opts, q, &q->options[i]);
  child(w, e, "guidance", q->guidance.text);
  html_child(w, e, "guidance-html", q->guidance.html);
}

static void criterion(xw *w, xmlNodePtr parent, const cb_criterion *c) {
  xmlNodePtr e = empty(w, parent, "criterion");
  attr(w, e, "id", c->id);
  attr(w, e, "severity", c->severity);
  attr(w, e, "points", c->points);
  source(w, e, c->chapter, c->loc);
  child(w, e, "title", c->title ? c->title : "");
  if (c->applies_to.n) {
    xmlNodePtr at = empty(w, e, "applies-to");
    for (size_t i = 0; i < c->applies_to.n; i++)
      child(w, at, "question", c->applies_to.items[i]);
  }
  child(w, e, "text", c->prose.text);
  html_child(w, e, "html", c->prose.html);
}

static void chapter(xw *w, xmlNodePtr parent, const cb_chapter *ch) {
  xmlNodePtr e = empty(w, parent, "chapter");
  attr(w, e, "path", ch->path ? ch->path : "");
  char *page = cb_arena_printf(w->ctx->arena, "%s.html", ch->slug);
  if (!page)
    w->failed = 1;
  attr(w, e, "page", page);
  child(w, e, "title", ch->title);
  for (size_t i = 0; i < ch->n_headings; i++) {
    const cb_heading *h = &ch->headings[i];
    xmlNodePtr he = child(w, e, "heading", h->text ? h->text : "");
    attr_int(w, he, "level", h->level);
    attr(w, he, "slug", h->slug);
  }
}

/* The whole document; NULL when out of memory. */
static xmlDocPtr build_doc(xw *w) {
  const cb_book *b = w->book;
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  xmlNodePtr root =
      doc ? xmlNewDocNode(doc, NULL, BAD_CAST "rubric", NULL) : NULL;
  if (!root) {
    xmlFreeDoc(doc);
    return NULL;
  }
  xmlDocSetRootElement(doc, root);
  attr_int(w, root, "format", CB_FORMAT_VERSION);
  attr(w, root, "casebook-version", CB_VERSION);
  child(w, root, "title", cb_emit__title(b));
  stamp(w, root);
  xmlNodePtr qs = empty(w, root, "questions");
  for (size_t i = 0; i < b->n_questions; i++)
    question(w, qs, &b->questions[i]);
  xmlNodePtr cs = empty(w, root, "criteria");
  for (size_t i = 0; i < b->n_criteria; i++)
    criterion(w, cs, &b->criteria[i]);
  xmlNodePtr chs = empty(w, root, "chapters");
  for (size_t i = 0; i < b->n_chapters; i++)
    chapter(w, chs, &b->chapters[i]);
  if (w->failed) {
    xmlFreeDoc(doc);
    return NULL;
  }
  return doc;
}

/* ---- validation ------------------------------------------------------ */

/* The first error libxml2 reports, kept for the message. */
typedef struct first_error {
  cb_buf msg;
  int line;
  int set;
} first_error;

#if LIBXML_VERSION >= 21200
static void on_error(void *data, const xmlError *e) {
#else
static void on_error(void *data, xmlErrorPtr e) {
#endif
  first_error *fe = data;
  if (fe->set || !e)
    return;
  fe->set = 1;
  fe->line = e->line;
  const char *m = e->message ? e->message : "unknown error";
  size_t n = strlen(m);
  while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
    n--;
  cb_buf_append(&fe->msg, m, n);
}

int cb_export_xml__validate(cb_ctx *ctx, const char *xml, size_t len,
                            const char *rng, size_t rng_len) {
  int err = 0;
  first_error fe = {{0}, 0, 0};
  xmlParserCtxtPtr pc = NULL;
  xmlDocPtr doc = NULL;
  xmlRelaxNGParserCtxtPtr sp = NULL;
  xmlRelaxNGPtr schema = NULL;
  xmlRelaxNGValidCtxtPtr vc = NULL;

  if (len > INT_MAX || rng_len > INT_MAX) {
    err = cb_ctx__fail(ctx, CB_ERROR, "rubric.xml: document too large");
    goto done;
  }
  if (!(pc = xmlNewParserCtxt()))
    goto nomem;
  doc = xmlCtxtReadMemory(pc, xml, (int)len, "rubric.xml", "UTF-8",
                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                              XML_PARSE_NOWARNING);
  if (!doc) {
#if LIBXML_VERSION >= 21200
    const xmlError *e = xmlCtxtGetLastError(pc);
#else
    xmlErrorPtr e = xmlCtxtGetLastError(pc);
#endif
    if (e && e->code == XML_ERR_NO_MEMORY)
      goto nomem;
    on_error(&fe, e);
    err = cb_ctx__fail(ctx, CB_ERROR,
                       "internal error: rubric.xml is not well-formed XML "
                       "(line %d: %s); this is a bug of casebook",
                       fe.line, fe.set ? cb_buf_cstr(&fe.msg) : "?");
    goto done;
  }
  if (!(sp = xmlRelaxNGNewMemParserCtxt(rng, (int)rng_len)))
    goto nomem;
  xmlRelaxNGSetParserStructuredErrors(sp, on_error, &fe);
  if (!(schema = xmlRelaxNGParse(sp))) {
    err = cb_ctx__fail(ctx, CB_ERROR,
                       "internal error: the RELAX NG schema of rubric.xml "
                       "does not load (line %d: %s)",
                       fe.line, fe.set ? cb_buf_cstr(&fe.msg) : "?");
    goto done;
  }
  if (!(vc = xmlRelaxNGNewValidCtxt(schema)))
    goto nomem;
  xmlRelaxNGSetValidStructuredErrors(vc, on_error, &fe);
  int rc = xmlRelaxNGValidateDoc(vc, doc);
  if (rc != 0) {
    err = cb_ctx__fail(ctx, CB_ERROR,
                       "internal error: rubric.xml does not match its RELAX "
                       "NG schema %s (line %d: %s); this is a bug of "
                       "casebook, not of the casebook project",
                       SCHEMA_NAME, fe.line,
                       fe.set ? cb_buf_cstr(&fe.msg) : "validation failed");
  }
  goto done;
nomem:
  err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
done:
  xmlRelaxNGFreeValidCtxt(vc);
  xmlRelaxNGFree(schema);
  xmlRelaxNGFreeParserCtxt(sp);
  xmlFreeDoc(doc);
  xmlFreeParserCtxt(pc);
  if (fe.msg.failed && err == 0)
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  cb_buf_free(&fe.msg);
  return err;
}

int cb_export_xml__run(cb_ctx *ctx, const cb_book *book, const char *outdir) {
  int err = 0;
  xw w = {ctx, book, {0}, {0}, 0};
  xmlChar *mem = NULL;
  int size = 0;
  const cb_embedded *rng = cb_embed__find(SCHEMA_NAME);
  const char *path = cb_arena_printf(ctx->arena, "%s/rubric.xml", outdir);
  xmlDocPtr doc = NULL;

  if (!rng) {
    err = cb_ctx__fail(ctx, CB_ERROR, "internal error: %s is not built in",
                       SCHEMA_NAME);
    goto done;
  }
  if (!path || !(doc = build_doc(&w)))
    goto nomem;
  xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
  if (!mem || size <= 0)
    goto nomem;
  if ((err = cb_export_xml__validate(ctx, (const char *)mem, (size_t)size,
                                     (const char *)rng->data, rng->len)) < 0)
    goto done;
  err = cb_output__file(ctx, path, mem, (size_t)size,
                        CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME);
  goto done;
nomem:
  err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
done:
  if (mem)
    xmlFree(mem);
  xmlFreeDoc(doc);
  cb_buf_free(&w.tmp);
  cb_buf_free(&w.links);
  return err;
}
