/* SPDX-License-Identifier: MIT */
/*
 * export_labelstudio_html.c: instructions.html of the Label Studio export
 * (export_labelstudio.c), the guideline as one page for the project's
 * expert instruction, with nothing active left in it.
 */
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "export.h"
#include "export_util.h"
#include "html_writer.h"
#include "model.h"
#include "output.h"

/* ---- instructions.html ------------------------------------------------- */

/* The guideline's chapters as one page: prose, questions with their
 * options, criteria, and each case's title and rationale (the inputs stay
 * in the tasks). */
static void chapter_html(cb_html *h, const cb_book *book,
                         const cb_chapter *ch) {
  cb_html__open(h, CB_TAG_SECTION, "chapter");
  for (size_t i = 0; i < ch->n_items; i++) {
    const cb_item *it = &ch->items[i];
    switch (it->kind) {
    case CB_ITEM_PROSE:
      cb_html__fragment(h, book, it->html);
      break;
    case CB_ITEM_HEADING: {
      if (it->index >= ch->n_headings)
        break;
      const cb_heading *hd = &ch->headings[it->index];
      int level = hd->level < 1 ? 1 : hd->level > 6 ? 6 : hd->level;
      cb_html__leaf(h, (cb_tag)(CB_TAG_H1 + level - 1), NULL, hd->text);
      break;
    }
    case CB_ITEM_QUESTION: {
      if (it->index >= book->n_questions)
        break;
      const cb_question *q = &book->questions[it->index];
      cb_html__open(h, CB_TAG_SECTION, "question");
      cb_html__open(h, CB_TAG_H3, NULL);
      cb_html__puts(h, "Question ");
      cb_html__leaf(h, CB_TAG_CODE, NULL, q->id);
      if (q->title && q->title[0]) {
        cb_html__puts(h, ": ");
        cb_html__puts(h, q->title);
      }
      cb_html__close(h);
      if (q->hint && q->hint[0] && (!q->title || strcmp(q->hint, q->title)))
        cb_html__leaf(h, CB_TAG_P, "hint", q->hint);
      cb_html__fragment(h, book, q->guidance.html);
      if (q->n_options) {
        cb_html__open(h, CB_TAG_DL, "options");
        for (size_t k = 0; k < q->n_options; k++) {
          cb_html__open(h, CB_TAG_DT, NULL);
          cb_html__leaf(h, CB_TAG_CODE, NULL, q->options[k].id);
          cb_html__close(h);
          cb_html__open(h, CB_TAG_DD, NULL);
          cb_html__fragment(h, book, q->options[k].meaning_html);
          cb_html__close(h);
        }
        cb_html__close(h);
      }
      cb_html__close(h);
      break;
    }
    case CB_ITEM_CRITERION: {
      if (it->index >= book->n_criteria)
        break;
      const cb_criterion *cr = &book->criteria[it->index];
      cb_html__open(h, CB_TAG_SECTION, "criterion");
      cb_html__open(h, CB_TAG_H3, NULL);
      cb_html__puts(h, "Criterion ");
      cb_html__leaf(h, CB_TAG_CODE, NULL, cr->id);
      if (cr->title && cr->title[0]) {
        cb_html__puts(h, ": ");
        cb_html__puts(h, cr->title);
      }
      cb_html__close(h);
      cb_html__fragment(h, book, cr->prose.html);
      cb_html__close(h);
      break;
    }
    case CB_ITEM_CASE: {
      if (it->index >= book->n_cases)
        break;
      const cb_case *cs = &book->cases[it->index];
      /* exam and honeypot cases keep their answers from annotators */
      if (cs->status != CB_STATUS_FINAL ||
          cb_case_use(book, cs) != CB_USE_TRAINING)
        break;
      cb_html__open(h, CB_TAG_SECTION, "case");
      cb_html__open(h, CB_TAG_H4, NULL);
      cb_html__puts(h, "Example ");
      cb_html__leaf(h, CB_TAG_CODE, NULL, cs->id);
      if (cs->title && cs->title[0]) {
        cb_html__puts(h, ": ");
        cb_html__puts(h, cs->title);
      }
      cb_html__close(h);
      cb_html__fragment(h, book, cs->rationale.html);
      cb_html__close(h);
      break;
    }
    }
  }
  cb_html__close(h);
}

/* 1 when an element of this name may run or load code. */
static int active_element(const char *name) {
  static const char *const names[] = {
      "script", "iframe", "object", "embed", "frame", "frameset", "applet",
      "base",   "link",   "meta",   "style", "form",  "noscript", "template"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (xmlStrcasecmp(BAD_CAST name, BAD_CAST names[i]) == 0)
      return 1;
  return 0;
}

/* 1 when an attribute's value starts with a scheme that runs code. */
static int active_url(const xmlChar *v) {
  while (v && *v && (*v <= ' '))
    v++;
  return v && (xmlStrncasecmp(v, BAD_CAST "javascript:", 11) == 0 ||
               xmlStrncasecmp(v, BAD_CAST "vbscript:", 9) == 0 ||
               xmlStrncasecmp(v, BAD_CAST "data:text", 9) == 0);
}

/* Removes from the tree under node what could run a script: the page is
 * meant to be pasted into a tool, whatever the manifest's unsafe_html. */
static void defuse(xmlNodePtr node) {
  xmlNodePtr next;
  for (xmlNodePtr n = node->children; n; n = next) {
    next = n->next;
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (active_element((const char *)n->name)) {
      xmlUnlinkNode(n);
      xmlFreeNode(n);
      continue;
    }
    xmlAttrPtr an;
    for (xmlAttrPtr a = n->properties; a; a = an) {
      an = a->next;
      xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
      int drop = (a->name[0] == 'o' || a->name[0] == 'O') &&
                 (a->name[1] == 'n' || a->name[1] == 'N');
      drop |= active_url(v);
      xmlFree(v);
      if (drop)
        xmlRemoveProp(a);
    }
    defuse(n);
  }
}

int cb_export_labelstudio__instructions(cb_ctx *ctx, const cb_book *book,
                                        const char *path) {
  cb_html h = {0};
  cb_html__open(&h, CB_TAG_DIV, "casebook-instructions");
  cb_html__leaf(&h, CB_TAG_H1, NULL, cb_model__title(book));
  {
    cb_buf line = {0};
    cb_export__stamp_line(&line, book);
    /* without the spaces that pad it in the XML comment */
    while (line.len && line.data[line.len - 1] == ' ')
      line.data[--line.len] = '\0';
    const char *text = cb_buf_cstr(&line);
    cb_html__leaf(&h, CB_TAG_P, "version", text[0] == ' ' ? text + 1 : text);
    cb_buf_free(&line);
  }
  for (size_t i = 0; i < book->n_chapters; i++)
    chapter_html(&h, book, &book->chapters[i]);
  cb_html__close(&h);
  cb_html__puts(&h, "\n");
  if (cb_html__failed(&h)) {
    cb_html__free(&h);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  int err;
  if (!book->manifest.unsafe_html) {
    /* cmark-gfm left out every raw HTML: the writer's output is safe */
    err = cb_output__file(ctx, path, h.buf.data, h.buf.len,
                          CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME);
    cb_html__free(&h);
    return err;
  }
  /* The manifest lets raw HTML through to the site: the page is parsed
   * again and what could run is taken out. */
  htmlDocPtr doc = htmlReadMemory(
      h.buf.data, (int)(h.buf.len > 0x7fffffff ? 0x7fffffff : h.buf.len), NULL,
      "UTF-8",
      HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
          HTML_PARSE_NOIMPLIED);
  cb_html__free(&h);
  if (!doc)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  defuse((xmlNodePtr)doc);
  xmlBufferPtr buf = xmlBufferCreate();
  int failed = !buf;
  for (xmlNodePtr n = doc->children; n && !failed; n = n->next)
    if (n->type == XML_ELEMENT_NODE)
      failed = htmlNodeDump(buf, doc, n) < 0 || xmlBufferCCat(buf, "\n") != 0;
  xmlFreeDoc(doc);
  if (failed) {
    if (buf)
      xmlBufferFree(buf);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  err = cb_output__file(ctx, path, xmlBufferContent(buf),
                        (size_t)xmlBufferLength(buf),
                        CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME);
  xmlBufferFree(buf);
  return err;
}
