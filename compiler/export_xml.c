/* SPDX-License-Identifier: MIT */
/*
 * export_xml.c: rubric.xml, the content of rubric.json as XML (see
 * schemas/rubric.rng for the vocabulary and docs/outputs.md).
 *
 * The document is written straight into a buffer, in the layout libxml2's
 * formatted serializer gives (two spaces per level, an element holding
 * text on one line): every text and attribute goes through put_text(),
 * so it is escaped by construction; text from the casebook is first
 * cleaned of what XML 1.0 cannot hold (clean()). The bytes are then
 * parsed again and validated against the schema embedded in the binary
 * before the file is written: what is written is what was checked. A
 * document that does not validate is a bug of this file, never of the
 * casebook, and fails the build as an internal error.
 */
#include "export_xml.h"

#include <assert.h>
#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "embed.h"
#include "escape.h"
#include "json_out.h"
#include "links.h"
#include "model.h"
#include "output.h"
#include "utf8.h"

#define SCHEMA_NAME "schemas/rubric.rng"

typedef struct xw {
  cb_ctx *ctx;
  const cb_book *book;
  cb_buf out;   /* the document */
  cb_buf tmp;   /* scratch for cleaned text */
  cb_buf links; /* scratch for HTML with its links resolved */
  int depth;    /* elements open */
  int in_tag;   /* the start tag of the innermost one is not closed yet */
  int failed;   /* out of memory somewhere */
} xw;

/* s, a string of length len, as XML 1.0 can hold it: as it is, or
 * cleaned into w->tmp (valid until the next call). HTML mode already
 * makes C0 controls visible and replaces C1 controls, noncharacters and
 * invalid UTF-8; XML also refuses the form feed that HTML allows. NULL
 * when out of memory. */
static const char *clean(xw *w, const char *s, size_t len) {
  if (cb_utf8__text_ok(s, len, CB_TEXT_HTML) && !memchr(s, '\f', len))
    return s;
  cb_buf_reset(&w->tmp);
  cb_utf8__text_fix(&w->tmp, s, len, CB_TEXT_HTML);
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
  return w->failed ? NULL : fixed;
}

/* Appends text, cleaned, with the markup characters escaped as libxml2
 * escapes them: in content < > & and the carriage return; in an attribute
 * value (in_attr) also the quote, and tab and newline, which a parser
 * would otherwise normalize to spaces. */
static void put_text(xw *w, const char *text, int in_attr) {
  const char *s = clean(w, text, strlen(text));
  if (!s)
    return;
  /* s is NUL-terminated and holds no other NUL */
  cb_escape__markup(&w->out, s,
                    in_attr ? CB_ESCAPE_XML_ATTR : CB_ESCAPE_XML_TEXT);
}

/* Closes the start tag of the innermost element for a child element. */
static void close_tag(xw *w) {
  if (w->in_tag)
    cb_buf_puts(&w->out, ">\n");
  w->in_tag = 0;
}

static void indent(xw *w, int depth) {
  static const char spaces[] = "                ";
  assert(depth >= 0 && 2 * (size_t)depth < sizeof spaces);
  cb_buf_append(&w->out, spaces, 2 * (size_t)depth);
}

/* Opens <name; attributes may follow, then children or text. */
static void start(xw *w, const char *name) {
  close_tag(w);
  indent(w, w->depth);
  cb_buf_putc(&w->out, '<');
  cb_buf_puts(&w->out, name);
  w->depth++;
  w->in_tag = 1;
}

/* Closes the innermost element: <name/> when it has no child. */
static void end(xw *w, const char *name) {
  w->depth--;
  if (w->in_tag) {
    cb_buf_puts(&w->out, "/>\n");
    w->in_tag = 0;
    return;
  }
  indent(w, w->depth);
  cb_buf_puts(&w->out, "</");
  cb_buf_puts(&w->out, name);
  cb_buf_puts(&w->out, ">\n");
}

/* Closes the innermost element, just opened, with text as its content. */
static void end_text(xw *w, const char *name, const char *text) {
  assert(w->in_tag);
  cb_buf_putc(&w->out, '>');
  put_text(w, text, 0);
  cb_buf_puts(&w->out, "</");
  cb_buf_puts(&w->out, name);
  cb_buf_puts(&w->out, ">\n");
  w->depth--;
  w->in_tag = 0;
}

/* A child element <name>text</name>; nothing when text is NULL. */
static void child(xw *w, const char *name, const char *text) {
  if (!text)
    return;
  start(w, name);
  end_text(w, name, text);
}

/* An attribute of the element just opened; nothing when value is NULL. */
static void attr(xw *w, const char *name, const char *value) {
  if (!value)
    return;
  assert(w->in_tag);
  cb_buf_putc(&w->out, ' ');
  cb_buf_puts(&w->out, name);
  cb_buf_puts(&w->out, "=\"");
  put_text(w, value, 1);
  cb_buf_putc(&w->out, '"');
}

static void attr_int(xw *w, const char *name, long long n) {
  char num[24];
  cb_json__digits(num, n);
  attr(w, name, num);
}

/* A pre-rendered HTML fragment, its "cb-link:N" hrefs resolved as in
 * rubric.json, as the text of <name>. */
static void html_child(xw *w, const char *name, const char *html) {
  if (!html)
    return;
  cb_buf_reset(&w->links);
  cb_links__html(&w->links, w->book, html);
  if (w->links.failed) {
    w->failed = 1;
    return;
  }
  child(w, name, cb_buf_cstr(&w->links));
}

/* chapter, file and line attributes of an element. */
static void source(xw *w, uint32_t chapter, cb_loc loc) {
  const cb_book *b = w->book;
  attr(w, "chapter",
       chapter < b->n_chapters ? b->chapters[chapter].path : NULL);
  attr(w, "file", loc.file < b->n_files ? b->files[loc.file].path : NULL);
  attr_int(w, "line", loc.line);
}

static void stamp(xw *w) {
  const cb_stamp *s = &w->book->stamp;
  start(w, "version");
  attr(w, "version", s->version ? s->version : w->book->manifest.version);
  attr(w, "commit", s->commit);
  attr(w, "describe", s->describe);
  attr(w, "date", s->date);
  attr(w, "dirty", s->dirty ? "true" : "false");
  end(w, "version");
}

static void option(xw *w, const cb_question *q, const cb_option *opt) {
  start(w, "option");
  attr(w, "id", opt->id ? opt->id : "");
  if (q->type == CB_Q_SCALE)
    attr_int(w, "value", opt->value);
  child(w, "meaning", opt->meaning_text);
  html_child(w, "meaning-html", opt->meaning_html);
  for (size_t i = 0; i < opt->n_attrs; i++) {
    start(w, "attr");
    attr(w, "key", opt->attrs[i].key ? opt->attrs[i].key : "");
    end_text(w, "attr", opt->attrs[i].value ? opt->attrs[i].value : "");
  }
  end(w, "option");
}

static void question(xw *w, const cb_question *q) {
  start(w, "question");
  attr(w, "id", q->id);
  attr(w, "type", cb_qtype_name(q->type));
  attr(w, "required", q->required ? "true" : "false");
  attr(w, "scope", q->scope == CB_SCOPE_RESPONSE ? "response" : "case");
  source(w, q->chapter, q->loc);
  child(w, "title", q->title ? q->title : "");
  child(w, "hint", q->hint ? q->hint : q->title);
  child(w, "when", q->when);
  if (q->type == CB_Q_SCALE) {
    start(w, "scale");
    attr_int(w, "min", q->scale_min);
    attr_int(w, "max", q->scale_max);
    end(w, "scale");
  }
  if (q->responses.n) {
    start(w, "responses");
    for (size_t i = 0; i < q->responses.n; i++)
      child(w, "response", q->responses.items[i]);
    end(w, "responses");
  }
  start(w, "options");
  for (size_t i = 0; i < q->n_options; i++)
    option(w, q, &q->options[i]);
  end(w, "options");
  child(w, "guidance", q->guidance.text);
  html_child(w, "guidance-html", q->guidance.html);
  end(w, "question");
}

static void criterion(xw *w, const cb_criterion *c) {
  start(w, "criterion");
  attr(w, "id", c->id);
  attr(w, "severity", c->severity);
  attr(w, "points", c->points);
  source(w, c->chapter, c->loc);
  child(w, "title", c->title ? c->title : "");
  if (c->applies_to.n) {
    start(w, "applies-to");
    for (size_t i = 0; i < c->applies_to.n; i++)
      child(w, "question", c->applies_to.items[i]);
    end(w, "applies-to");
  }
  child(w, "text", c->prose.text);
  html_child(w, "html", c->prose.html);
  end(w, "criterion");
}

static void chapter(xw *w, const cb_chapter *ch) {
  start(w, "chapter");
  attr(w, "path", ch->path ? ch->path : "");
  char *page = cb_arena_printf(w->ctx->arena, "%s.html", ch->slug);
  if (!page)
    w->failed = 1;
  attr(w, "page", page);
  child(w, "title", ch->title);
  for (size_t i = 0; i < ch->n_headings; i++) {
    const cb_heading *h = &ch->headings[i];
    start(w, "heading");
    attr_int(w, "level", h->level);
    attr(w, "slug", h->slug);
    end_text(w, "heading", h->text ? h->text : "");
  }
  end(w, "chapter");
}

/* The whole document into w->out; 0, or -1 when out of memory. */
static int write_doc(xw *w) {
  const cb_book *b = w->book;
  cb_buf_puts(&w->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  start(w, "rubric");
  attr_int(w, "format", CB_FORMAT_VERSION);
  attr(w, "casebook-version", CB_VERSION);
  child(w, "title", cb_model__title(b));
  stamp(w);
  start(w, "questions");
  for (size_t i = 0; i < b->n_questions; i++)
    question(w, &b->questions[i]);
  end(w, "questions");
  start(w, "criteria");
  for (size_t i = 0; i < b->n_criteria; i++)
    criterion(w, &b->criteria[i]);
  end(w, "criteria");
  start(w, "chapters");
  for (size_t i = 0; i < b->n_chapters; i++)
    chapter(w, &b->chapters[i]);
  end(w, "chapters");
  end(w, "rubric");
  assert(w->depth == 0);
  return w->failed || w->out.failed ? -1 : 0;
}

/* ---- validation ------------------------------------------------------ */

/* The first error libxml2 reports, kept for the message: a validity
 * error (invalid) or any other, of the parser (not well-formed). */
typedef struct first_error {
  cb_buf msg;
  int line;
  int set;
  int invalid;
  int no_memory;
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
  fe->invalid = e->domain == XML_FROM_RELAXNGV;
  fe->no_memory = e->code == XML_ERR_NO_MEMORY;
  const char *m = e->message ? e->message : "unknown error";
  size_t n = strlen(m);
  while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
    n--;
  cb_buf_append(&fe->msg, m, n);
}

/* The document is validated as it is parsed (xmlTextReader): libxml2
 * checks the elements whose content model it can compile as they stream
 * by, and expands only the others (a question, a heading) into a subtree,
 * freed once checked, so that no tree of the whole document is built.
 * Reading stops at the first problem. Blank text between elements is
 * dropped (XML_PARSE_NOBLANKS): RELAX NG ignores it there anyway, and it
 * saves a node per line. */
int cb_export_xml__validate(cb_ctx *ctx, const char *xml, size_t len,
                            const char *rng, size_t rng_len) {
  int err = 0, rc = 0;
  first_error fe = {{0}, 0, 0, 0, 0};
  xmlRelaxNGParserCtxtPtr sp = NULL;
  xmlRelaxNGPtr schema = NULL;
  xmlTextReaderPtr reader = NULL;

  if (len > INT_MAX || rng_len > INT_MAX) {
    err = cb_ctx__fail(ctx, CB_ERROR, "rubric.xml: document too large");
    goto done;
  }
  if (!(sp = xmlRelaxNGNewMemParserCtxt(rng, (int)rng_len)))
    goto nomem;
  xmlRelaxNGSetParserStructuredErrors(sp, on_error, &fe);
  if (!(schema = xmlRelaxNGParse(sp))) {
    if (fe.no_memory)
      goto nomem;
    err = cb_ctx__fail(ctx, CB_ERROR,
                       "internal error: the RELAX NG schema of rubric.xml "
                       "does not load (line %d: %s)",
                       fe.line, fe.set ? cb_buf_cstr(&fe.msg) : "?");
    goto done;
  }
  cb_buf_reset(&fe.msg); /* a warning on a schema that loads */
  fe.set = fe.invalid = fe.no_memory = 0;
  reader = xmlReaderForMemory(xml, (int)len, "rubric.xml", "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR |
                                  XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
  if (!reader)
    goto nomem;
  /* before the schema: the validation context takes the handler from it */
  xmlTextReaderSetStructuredErrorHandler(reader, on_error, &fe);
  if (xmlTextReaderRelaxNGSetSchema(reader, schema) < 0)
    goto nomem;
  while (!fe.set && (rc = xmlTextReaderRead(reader)) == 1)
    ;
  if (fe.no_memory)
    goto nomem;
  if (rc < 0 && !fe.invalid) {
    err = cb_ctx__fail(ctx, CB_ERROR,
                       "internal error: rubric.xml is not well-formed XML "
                       "(line %d: %s); this is a bug of casebook",
                       fe.line, fe.set ? cb_buf_cstr(&fe.msg) : "?");
    goto done;
  }
  if (fe.set || xmlTextReaderIsValid(reader) != 1) {
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
  xmlFreeTextReader(reader);
  xmlRelaxNGFree(schema);
  xmlRelaxNGFreeParserCtxt(sp);
  if (fe.msg.failed && err == 0)
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  cb_buf_free(&fe.msg);
  return err;
}

int cb_export_xml__run(cb_ctx *ctx, const cb_book *book, const char *outdir) {
  int err = 0;
  xw w = {ctx, book, {0}, {0}, {0}, 0, 0, 0};
  const cb_embedded *rng = cb_embed__find(SCHEMA_NAME);
  const char *path = cb_arena_printf(ctx->arena, "%s/rubric.xml", outdir);

  if (!rng) {
    err = cb_ctx__fail(ctx, CB_ERROR, "internal error: %s is not built in",
                       SCHEMA_NAME);
    goto done;
  }
  if (!path || write_doc(&w) < 0) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  if ((err = cb_export_xml__validate(ctx, w.out.data, w.out.len,
                                     (const char *)rng->data, rng->len)) < 0)
    goto done;
  err = cb_output__file(ctx, path, w.out.data, w.out.len,
                        CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME);
done:
  cb_buf_free(&w.out);
  cb_buf_free(&w.tmp);
  cb_buf_free(&w.links);
  return err;
}
