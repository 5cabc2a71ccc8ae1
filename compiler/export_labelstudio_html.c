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
#include "links.h"
#include "model.h"
#include "output.h"
#include "strmap.h"

/* ---- instructions.html ------------------------------------------------- */

/* The page being written: its anchors, and where the links that leave it
 * go. An anchor is the site's (question-ID, option-QID-ID, criterion-ID,
 * case-ID), chapter-SLUG for a chapter and SLUG/HEADING for a heading
 * (a chapter's slug never holds '/'), so that a link into the site has
 * one counterpart here. */
typedef struct instr {
  cb_ctx *ctx;
  const cb_book *book;
  cb_html h;
  cb_strmap anchors; /* anchor -> 1, those of the page */
  const char **ids;  /* the anchor of each element, NULL if none */
  cb_buf href;       /* the last href given */
  int failed;
} instr;

/* The anchor a + b [+ c + d] (c, d NULL: none), whitespace (which an id
 * may not hold) written '-' as the site writes its anchors. In ctx's
 * arena; NULL when out of memory. */
static const char *anchor_of(instr *x, const char *a, const char *b,
                             const char *c, const char *d) {
  char *s =
      cb_arena_printf(x->ctx->arena, "%s%s%s%s", a, b, c ? c : "", d ? d : "");
  if (!s) {
    x->failed = 1;
    return NULL;
  }
  for (char *p = s; *p; p++)
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
      *p = '-';
  return s;
}

/* Claims anchor a for the page: a, or NULL when a is NULL or already
 * taken (two ids that clean to one: the second element goes without). */
static const char *claim(instr *x, const char *a) {
  if (!a)
    return NULL;
  int r = cb_strmap_put(&x->anchors, a, 1, NULL);
  if (r < 0)
    x->failed = 1;
  return r == 1 ? a : NULL;
}

/* Is case c on the page? Final training cases only: exam and honeypot
 * cases keep their titles and answers from annotators. */
static int shown_case(const cb_book *book, const cb_case *c) {
  return c->status == CB_STATUS_FINAL &&
         cb_case_use(book, c) == CB_USE_TRAINING;
}

/* Where link n points from the page (cb_links_href_fn): "#anchor" when
 * its target is on the page, else the site's page under the manifest's
 * site_url, else nowhere (NULL: plain text). */
static const char *instr_href(void *ud, const cb_book *book, size_t n) {
  instr *x = ud;
  const char *site = cb_links__href(book, n);
  if (strcmp(site, "#") == 0)
    return NULL; /* unresolved or unsafe */
  const cb_link *l = &book->links[n];
  if (l->kind == CB_LINK_EXTERNAL)
    return site;
  if (l->kind == CB_LINK_CASE && l->target) {
    /* the site's page of an exam or honeypot case shows its answers */
    const cb_case *c = cb_book_case(book, l->target);
    if (c && cb_case_use(book, c) != CB_USE_TRAINING)
      return NULL;
  }
  for (size_t c = 0; c < book->n_chapters && !l->asset; c++) {
    /* the site's href of a chapter: SLUG.html, SLUG.html#ANCHOR */
    const cb_chapter *ch = &book->chapters[c];
    size_t slug_len = strlen(ch->slug);
    const char *rest = site + slug_len;
    if (strncmp(site, ch->slug, slug_len) != 0 ||
        strncmp(rest, ".html", 5) != 0 || (rest[5] && rest[5] != '#'))
      continue;
    const char *frag = rest[5] ? rest + 6 : NULL;
    const char *a = NULL;
    if (!frag) {
      a = anchor_of(x, "chapter-", ch->slug, NULL, NULL);
    } else {
      for (size_t k = 0; k < ch->n_headings && !a; k++)
        if (strcmp(ch->headings[k].slug, frag) == 0)
          a = anchor_of(x, ch->slug, "/", ch->headings[k].slug, NULL);
      if (!a)
        a = anchor_of(x, "", frag, NULL, NULL);
    }
    if (a && cb_strmap_get(&x->anchors, a, NULL)) {
      cb_buf_reset(&x->href);
      cb_buf_putc(&x->href, '#');
      cb_buf_puts(&x->href, a);
      return cb_buf_cstr(&x->href);
    }
    break;
  }
  if (!book->manifest.site_url)
    return NULL;
  cb_buf_reset(&x->href);
  cb_buf_puts(&x->href, book->manifest.site_url);
  cb_buf_puts(&x->href, site);
  return cb_buf_cstr(&x->href);
}

static void fragment(instr *x, const char *html) {
  cb_html__fragment_by(&x->h, x->book, html, instr_href, x);
}

/* Opens element tag with class cls and id (NULL: none). */
static void open_id(instr *x, cb_tag tag, const char *cls, const char *id) {
  cb_html__open(&x->h, tag, cls);
  if (id)
    cb_html__attr(&x->h, "id", id);
}

/* Writes "Kind `id`: title" into the heading open in h. */
static void element_title(cb_html *h, const char *kind, const char *id,
                          const char *title) {
  cb_html__puts(h, kind);
  cb_html__leaf(h, CB_TAG_CODE, NULL, id);
  if (title && title[0]) {
    cb_html__puts(h, ": ");
    cb_html__puts(h, title);
  }
}

/* The anchors of the page, claimed in the order they are written: the
 * chapters and their headings, questions and their options, criteria and
 * final cases. x->ids gets each one's anchor, in that order. */
static void claim_anchors(instr *x) {
  const cb_book *book = x->book;
  size_t n = 0;
  for (size_t c = 0; c < book->n_chapters; c++)
    n += 1 + book->chapters[c].n_headings;
  for (size_t q = 0; q < book->n_questions; q++)
    n += 1 + book->questions[q].n_options;
  n += book->n_criteria + book->n_cases;
  x->ids = cb_arena_calloc(x->ctx->arena, n + 1, sizeof *x->ids);
  if (!x->ids || cb_strmap_reserve(&x->anchors, n) < 0) {
    x->failed = 1;
    return;
  }
  size_t k = 0;
  for (size_t c = 0; c < book->n_chapters; c++) {
    const cb_chapter *ch = &book->chapters[c];
    x->ids[k++] = claim(x, anchor_of(x, "chapter-", ch->slug, NULL, NULL));
    for (size_t i = 0; i < ch->n_items; i++) {
      const cb_item *it = &ch->items[i];
      if (it->kind == CB_ITEM_HEADING && it->index < ch->n_headings) {
        x->ids[k++] = claim(
            x, anchor_of(x, ch->slug, "/", ch->headings[it->index].slug, NULL));
      } else if (it->kind == CB_ITEM_QUESTION &&
                 it->index < book->n_questions) {
        const cb_question *q = &book->questions[it->index];
        x->ids[k++] = claim(x, anchor_of(x, "question-", q->id, NULL, NULL));
        for (size_t o = 0; o < q->n_options; o++)
          x->ids[k++] =
              claim(x, anchor_of(x, "option-", q->id, "-", q->options[o].id));
      } else if (it->kind == CB_ITEM_CRITERION &&
                 it->index < book->n_criteria) {
        x->ids[k++] =
            claim(x, anchor_of(x, "criterion-", book->criteria[it->index].id,
                               NULL, NULL));
      } else if (it->kind == CB_ITEM_CASE && it->index < book->n_cases &&
                 shown_case(book, &book->cases[it->index])) {
        x->ids[k++] = claim(
            x, anchor_of(x, "case-", book->cases[it->index].id, NULL, NULL));
      }
    }
  }
}

/* The guideline's chapters as one page: prose, questions with their
 * options, criteria, and each case's title and rationale (the inputs stay
 * in the tasks); k walks x->ids as claim_anchors filled it. */
static void chapter_html(instr *x, const cb_chapter *ch, size_t *k) {
  const cb_book *book = x->book;
  cb_html *h = &x->h;
  open_id(x, CB_TAG_SECTION, "chapter", x->ids[(*k)++]);
  for (size_t i = 0; i < ch->n_items; i++) {
    const cb_item *it = &ch->items[i];
    switch (it->kind) {
    case CB_ITEM_PROSE:
      fragment(x, it->html);
      break;
    case CB_ITEM_HEADING: {
      if (it->index >= ch->n_headings)
        break;
      const cb_heading *hd = &ch->headings[it->index];
      int level = hd->level < 1 ? 1 : hd->level > 6 ? 6 : hd->level;
      open_id(x, (cb_tag)(CB_TAG_H1 + level - 1), NULL, x->ids[(*k)++]);
      cb_html__puts(h, hd->text);
      cb_html__close(h);
      break;
    }
    case CB_ITEM_QUESTION: {
      if (it->index >= book->n_questions)
        break;
      const cb_question *q = &book->questions[it->index];
      open_id(x, CB_TAG_SECTION, "question", x->ids[(*k)++]);
      cb_html__open(h, CB_TAG_H3, NULL);
      element_title(h, "Question ", q->id, q->title);
      cb_html__close(h);
      if (q->hint && q->hint[0] && (!q->title || strcmp(q->hint, q->title)))
        cb_html__leaf(h, CB_TAG_P, "hint", q->hint);
      fragment(x, q->guidance.html);
      if (q->n_options) {
        cb_html__open(h, CB_TAG_DL, "options");
        for (size_t o = 0; o < q->n_options; o++) {
          open_id(x, CB_TAG_DT, NULL, x->ids[(*k)++]);
          cb_html__leaf(h, CB_TAG_CODE, NULL, q->options[o].id);
          cb_html__close(h);
          cb_html__open(h, CB_TAG_DD, NULL);
          fragment(x, q->options[o].meaning_html);
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
      open_id(x, CB_TAG_SECTION, "criterion", x->ids[(*k)++]);
      cb_html__open(h, CB_TAG_H3, NULL);
      element_title(h, "Criterion ", cr->id, cr->title);
      cb_html__close(h);
      fragment(x, cr->prose.html);
      cb_html__close(h);
      break;
    }
    case CB_ITEM_CASE: {
      if (it->index >= book->n_cases)
        break;
      const cb_case *cs = &book->cases[it->index];
      /* exam and honeypot cases keep their answers from annotators */
      if (!shown_case(book, cs))
        break;
      open_id(x, CB_TAG_SECTION, "case", x->ids[(*k)++]);
      cb_html__open(h, CB_TAG_H4, NULL);
      element_title(h, "Example ", cs->id, cs->title);
      cb_html__close(h);
      fragment(x, cs->rationale.html);
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
  instr x = {.ctx = ctx, .book = book};
  cb_html *hp = &x.h;
  claim_anchors(&x);
  if (!x.failed) {
    cb_html__open(hp, CB_TAG_DIV, "casebook-instructions");
    cb_html__leaf(hp, CB_TAG_H1, NULL, cb_model__title(book));
    cb_buf line = {0};
    cb_export__stamp_line(&line, book);
    /* without the spaces that pad it in the XML comment */
    while (line.len && line.data[line.len - 1] == ' ')
      line.data[--line.len] = '\0';
    const char *text = cb_buf_cstr(&line);
    cb_html__leaf(hp, CB_TAG_P, "version", text[0] == ' ' ? text + 1 : text);
    cb_buf_free(&line);
    size_t k = 0;
    for (size_t i = 0; i < book->n_chapters; i++)
      chapter_html(&x, &book->chapters[i], &k);
    cb_html__close(hp);
    cb_html__puts(hp, "\n");
  }
  x.failed |= x.href.failed;
  cb_strmap_free(&x.anchors);
  cb_buf_free(&x.href);
  if (x.failed || cb_html__failed(hp)) {
    cb_html__free(hp);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  cb_html h = x.h;
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
