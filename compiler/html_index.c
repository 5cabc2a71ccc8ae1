/* SPDX-License-Identifier: MIT */
/*
 * html_index.c: the index pages of the annotator site: every case in one
 * table that the browser filters (by tag, question, gold answer), the tag
 * pages, and the changes page. See html_index.h.
 *
 * The filters need no markup of their own from the script: each row says
 * what it holds in data-* attributes (data-tag on its tag links, data-q on
 * its answers and data-v on each answered value), written and escaped by
 * the writer like any attribute, and site.js compares them with the
 * selected <option>'s, which the writer made from the same strings.
 */
#include "html_index.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "utf8.h"

/* ---- page names ------------------------------------------------------ */

const char *cb_html_index__page_name(cb_strmap *taken, cb_arena *arena,
                                     const char *base) {
  const char *name = base;
  for (unsigned k = 2; name && cb_strmap_get(taken, name, NULL); k++)
    name = cb_arena_printf(arena, "%s-%u", base, k);
  if (!name || (name == base && !(name = cb_arena_strdup(arena, base))))
    return NULL;
  return cb_strmap_put(taken, name, 0, NULL) < 0 ? NULL : name;
}

/* 1 for a code point that may stand in a file name as it is: letters and
 * digits of any script; not controls, spaces, punctuation of the Latin-1
 * and general punctuation blocks, bidirectional and invisible format
 * characters, or noncharacters. */
static int name_cp_ok(uint32_t cp) {
  if (cp < 0x80)
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 'A' && cp <= 'Z') || cp == '_' || cp == '-';
  if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || cb_utf8__hidden(cp))
    return 0;
  if ((cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF ||
      (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFFF0) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0xFDD0 && cp <= 0xFDEF))
    return 0;
  return 1;
}

/* "tag-" and tag as a file name: ASCII letters lowered, letters of other
 * scripts kept, anything else a single '-', at most about 60 bytes. */
static const char *tag_base(cb_buf *b, const char *tag) {
  const unsigned char *s = (const unsigned char *)tag;
  const unsigned char *end = s + strlen(tag);
  cb_buf_reset(b);
  cb_buf_puts(b, "tag-");
  size_t start = b->len;
  int dash = 1;
  while (s < end && b->len - start < 60) {
    uint32_t cp;
    size_t k = cb_utf8__decode(s, (size_t)(end - s), &cp);
    if (cp != CB_UTF8_INVALID && name_cp_ok(cp) && cp != '-') {
      if (cp >= 'A' && cp <= 'Z') {
        cb_buf_putc(b, (char)(cp - 'A' + 'a'));
      } else {
        cb_buf_append(b, (const char *)s, k);
      }
      dash = 0;
    } else if (!dash) {
      cb_buf_putc(b, '-');
      dash = 1;
    }
    s += k;
  }
  while (b->len > start && b->data[b->len - 1] == '-')
    b->data[--b->len] = '\0';
  if (b->len == start)
    cb_buf_puts(b, "tag");
  return cb_buf_cstr(b);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int cb_html_index__tags(cb_html_index *ix, cb_ctx *ctx, const cb_book *book,
                        cb_strmap *taken, cb_arena *arena) {
  cb_buf name = {0};
  size_t cap = 0, *last = NULL;
  /* the distinct tags, sorted */
  for (size_t c = 0; c < book->n_cases; c++)
    for (size_t i = 0; i < book->cases[c].tags.n; i++) {
      const char *t = book->cases[c].tags.items[i];
      if (!t || !*t)
        continue;
      int r = cb_strmap_put(&ix->tag_ids, t, 0, NULL);
      if (r < 0 || (r == 1 && CB_VEC_PUSH(ix->tags, ix->n_tags, cap, t) < 0))
        goto oom;
    }
  if (ix->n_tags)
    qsort(ix->tags, ix->n_tags, sizeof *ix->tags, by_name);
  cb_strmap_free(&ix->tag_ids);
  memset(&ix->tag_ids, 0, sizeof ix->tag_ids);
  if (!(ix->tag_pages = cb_calloc(ix->n_tags + 1, sizeof *ix->tag_pages)) ||
      !(ix->tag_start = cb_calloc(ix->n_tags + 2, sizeof(size_t))) ||
      !(last = cb_calloc(ix->n_tags + 1, sizeof(size_t))))
    goto oom;
  for (size_t k = 0; k < ix->n_tags; k++) {
    if (cb_strmap_put(&ix->tag_ids, ix->tags[k], k, NULL) < 0 ||
        !(ix->tag_pages[k] = cb_html_index__page_name(
              taken, arena, tag_base(&name, ix->tags[k]))) ||
        name.failed)
      goto oom;
  }
  /* the cases of each tag: count, then fill (a case once per tag) */
  for (int fill = 0; fill < 2; fill++) {
    if (fill) {
      for (size_t k = 0; k < ix->n_tags; k++)
        ix->tag_start[k + 1] += ix->tag_start[k];
      if (!(ix->tag_cases =
                cb_calloc(ix->tag_start[ix->n_tags] + 1, sizeof(size_t))))
        goto oom;
      memset(last, 0, (ix->n_tags + 1) * sizeof(size_t));
    }
    for (size_t c = 0; c < book->n_cases; c++)
      for (size_t i = 0; i < book->cases[c].tags.n; i++) {
        size_t k;
        const char *t = book->cases[c].tags.items[i];
        if (!t || !cb_strmap_get(&ix->tag_ids, t, &k) || last[k] == c + 1)
          continue;
        last[k] = c + 1;
        if (fill)
          ix->tag_cases[ix->tag_start[k]++] = c;
        else
          ix->tag_start[k + 1]++;
      }
  }
  memmove(ix->tag_start + 1, ix->tag_start, ix->n_tags * sizeof(size_t));
  ix->tag_start[0] = 0;
  cb_buf_free(&name);
  cb_free(last);
  return 0;
oom:
  cb_buf_free(&name);
  cb_free(last);
  return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
}

/* Appends s percent-encoded for a query string value: every byte but the
 * unreserved ASCII characters. */
static void url_component(cb_buf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
        *p == '~') {
      cb_buf_putc(b, (char)*p);
    } else {
      char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      cb_buf_append(b, e, 3);
    }
  }
}

/* ---- case rows ------------------------------------------------------- */

/* A link to the page of tag t (or a plain label when it has none). */
static void tag_link(cb_html_page *p, const cb_html_index *ix, const char *t) {
  const char *page = cb_html_element__tag_page(ix, t);
  cb_html *o = &p->out;
  if (!page) {
    cb_html__leaf(o, CB_TAG_SPAN, "tag", t);
    return;
  }
  cb_buf_reset(&p->scratch);
  cb_buf_puts(&p->scratch, page);
  cb_buf_puts(&p->scratch, ".html");
  cb_html__open_link(o, cb_buf_cstr(&p->scratch), "tag");
  cb_html__attr(o, "data-tag", t);
  cb_html__puts(o, t);
  cb_html__close(o);
}

/* n in decimal into buf (24 bytes). */
static const char *number(char *buf, long long n) {
  cb_json__digits(buf, n);
  return buf;
}

/* An answer of a row: <span class="answer" data-q=Q>Q <strong data-v=V>
 * for each value the filters can select. */
static void row_answer(cb_html_page *p, const cb_answer *a) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  const cb_question *q =
      a->question >= 0 && (size_t)a->question < b->n_questions
          ? &b->questions[a->question]
          : NULL;
  cb_html__open(o, CB_TAG_SPAN, "answer");
  if (q)
    cb_html__attr(o, "data-q", q->id);
  if (a->response) {
    cb_html__leaf(o, CB_TAG_SPAN, "response", a->response);
    cb_html__puts(o, " ");
  }
  cb_html__puts(o, q ? q->id : a->key);
  cb_html__puts(o, " ");
  if (q && (a->kind == CB_V_OPTION || a->kind == CB_V_OPTIONS)) {
    if (a->n_items == 0)
      cb_html__leaf(o, CB_TAG_EM, NULL, "none");
    for (size_t k = 0; k < a->n_items; k++) {
      if (k)
        cb_html__puts(o, ", ");
      cb_html__open(o, CB_TAG_STRONG, NULL);
      cb_html__attr(o, "data-v", a->items[k]);
      cb_html__puts(o, a->items[k]);
      cb_html__close(o);
    }
  } else if (q && a->kind == CB_V_NUMBER) {
    char buf[24];
    cb_html__open(o, CB_TAG_STRONG, NULL);
    cb_html__attr(o, "data-v", number(buf, a->number));
    cb_html__puts(o, buf);
    cb_html__close(o);
  } else {
    cb_html__leaf(o, CB_TAG_STRONG, NULL, a->raw);
  }
  cb_html__close(o);
}

/* The row of case ci. */
static void case_row(cb_html_page *p, const cb_html_index *ix, size_t ci) {
  const cb_book *b = p->book;
  const cb_case *c = &b->cases[ci];
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_TR, NULL);
  cb_html__open(o, CB_TAG_TD, "case-name");
  cb_html__open_link(o, cb_html_page__href(p, c->chapter, "case", c->id, NULL),
                     NULL);
  cb_html__leaf(o, CB_TAG_CODE, NULL, c->id);
  cb_html__close(o);
  if (c->title && *c->title) {
    cb_html__puts(o, " ");
    cb_html__leaf(o, CB_TAG_SPAN, "title", c->title);
  }
  if (c->status != CB_STATUS_FINAL) {
    cb_html__puts(o, " ");
    cb_html__leaf(o, CB_TAG_SPAN, "status", cb_status_name(c->status));
  }
  cb_html__close(o); /* td */
  cb_html__open(o, CB_TAG_TD, "answers-cell");
  for (size_t i = 0; i < c->n_answers; i++) {
    if (i)
      cb_html__puts(o, " ");
    row_answer(p, &c->answers[i]);
  }
  cb_html__close(o);
  cb_html__open(o, CB_TAG_TD, "tags-cell");
  for (size_t i = 0; i < c->tags.n; i++) {
    if (i)
      cb_html__puts(o, " ");
    tag_link(p, ix, c->tags.items[i]);
  }
  cb_html__close(o);
  cb_html__close(o); /* tr */
}

/* The table of cases: all of them (cases == NULL) or cases[0..n). */
static void case_table(cb_html_page *p, const cb_html_index *ix,
                       const size_t *cases, size_t n) {
  cb_html *o = &p->out;
  cb_html_page__table_open(p, "case-list", CB_UI(p, CB_UI_CASES));
  cb_html__open(o, CB_TAG_THEAD, NULL);
  cb_html__open(o, CB_TAG_TR, NULL);
  cb_html__leaf(o, CB_TAG_TH, NULL, CB_UI(p, CB_UI_CASE));
  cb_html__leaf(o, CB_TAG_TH, NULL, CB_UI(p, CB_UI_GOLD_ANSWERS));
  cb_html__leaf(o, CB_TAG_TH, NULL, CB_UI(p, CB_UI_TAGS));
  cb_html__close(o);
  cb_html__close(o);
  cb_html__open(o, CB_TAG_TBODY, NULL);
  /* chapter by chapter, with a row naming each */
  size_t chapter = SIZE_MAX;
  for (size_t i = 0; i < n; i++) {
    size_t ci = cases ? cases[i] : i;
    const cb_case *c = &p->book->cases[ci];
    if (c->chapter != chapter && c->chapter < p->book->n_chapters) {
      chapter = c->chapter;
      cb_html__open(o, CB_TAG_TR, "chapter-row");
      cb_html__open(o, CB_TAG_TH, NULL);
      cb_html__attr(o, "colspan", "3");
      cb_html__attr(o, "scope", "rowgroup");
      cb_html__link(o, cb_html_page__page_of(p, chapter), NULL,
                    p->book->chapters[chapter].title);
      cb_html__close(o);
      cb_html__close(o);
    }
    case_row(p, ix, ci);
  }
  cb_html__close(o); /* tbody */
  cb_html_page__table_close(p);
}

/* <label>text <select id=id>: the caller writes the options. */
static void select_open(cb_html_page *p, cb_ui text, const char *id) {
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_LABEL, NULL);
  cb_html__attr(o, "for", id);
  cb_html__puts(o, CB_UI(p, text));
  cb_html__close(o);
  cb_html__open(o, CB_TAG_SELECT, NULL);
  cb_html__attr(o, "id", id);
  cb_html__open(o, CB_TAG_OPTION, NULL);
  cb_html__attr(o, "value", "");
  cb_html__puts(o, CB_UI(p, CB_UI_ANY));
  cb_html__close(o);
}

/* The options of the answer filter: each value of each choice, multi and
 * labelled scale question, grouped by question. */
static void answer_options(cb_html_page *p) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  char num[24];
  for (size_t qi = 0; qi < b->n_questions; qi++) {
    const cb_question *q = &b->questions[qi];
    if (q->n_options == 0)
      continue;
    cb_html__open(o, CB_TAG_OPTGROUP, NULL);
    cb_html__attr(o, "label", q->id);
    for (size_t k = 0; k < q->n_options; k++) {
      const cb_option *opt = &q->options[k];
      const char *v = q->type == CB_Q_SCALE ? number(num, opt->value) : opt->id;
      cb_html__open(o, CB_TAG_OPTION, NULL);
      cb_buf_reset(&p->scratch);
      cb_buf_printf(&p->scratch, "%zu.%zu", qi, k);
      cb_html__attr(o, "value", cb_buf_cstr(&p->scratch));
      cb_html__attr(o, "data-q", q->id);
      cb_html__attr(o, "data-v", v);
      cb_html__puts(o, q->id);
      cb_html__puts(o, ": ");
      cb_html__puts(o, v);
      cb_html__close(o);
    }
    cb_html__close(o);
  }
}

void cb_html_index__cases(cb_html_page *p, const cb_html_index *ix) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_ARTICLE, "case-index");
  cb_html__leaf(o, CB_TAG_H1, NULL, CB_UI(p, CB_UI_CASES));
  /* The filters work only with the script, which shows them. */
  cb_html__open(o, CB_TAG_FORM, "filters");
  cb_html__attr(o, "hidden", "");
  cb_html__attr(o, "aria-label", CB_UI(p, CB_UI_FILTER_CASES));
  cb_html__open(o, CB_TAG_DIV, "filter");
  select_open(p, CB_UI_TAG, "filter-tag");
  for (size_t k = 0; k < ix->n_tags; k++) {
    cb_html__open(o, CB_TAG_OPTION, NULL);
    cb_html__attr(o, "value", ix->tags[k]);
    cb_html__puts(o, ix->tags[k]);
    cb_html__close(o);
  }
  cb_html__close(o); /* select */
  cb_html__close(o); /* div */
  cb_html__open(o, CB_TAG_DIV, "filter");
  select_open(p, CB_UI_QUESTION, "filter-question");
  for (size_t qi = 0; qi < b->n_questions; qi++) {
    cb_html__open(o, CB_TAG_OPTION, NULL);
    cb_html__attr(o, "value", b->questions[qi].id);
    cb_html__puts(o, b->questions[qi].id);
    cb_html__close(o);
  }
  cb_html__close(o);
  cb_html__close(o);
  cb_html__open(o, CB_TAG_DIV, "filter");
  select_open(p, CB_UI_GOLD_ANSWER, "filter-answer");
  answer_options(p);
  cb_html__close(o);
  cb_html__close(o);
  cb_html__close(o); /* form */
  cb_html__open(o, CB_TAG_P, "filter-count");
  cb_html__attr(o, "id", "filter-count");
  cb_html__attr(o, "aria-live", "polite");
  cb_html__puts(o,
                cb_html_page__count(p, b->n_cases, CB_UI_N_CASE, CB_UI_N_CASES));
  cb_html__close(o);
  if (b->n_cases)
    case_table(p, ix, NULL, b->n_cases);
  cb_html__close(o); /* article */
}

void cb_html_index__tag_list(cb_html_page *p, const cb_html_index *ix) {
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_ARTICLE, "tag-index");
  cb_html__leaf(o, CB_TAG_H1, NULL, CB_UI(p, CB_UI_TAGS));
  if (ix->n_tags == 0)
    cb_html__leaf(o, CB_TAG_P, NULL, CB_UI(p, CB_UI_NO_TAGS));
  else {
    cb_html__open(o, CB_TAG_UL, "tag-list");
    for (size_t k = 0; k < ix->n_tags; k++) {
      size_t n = ix->tag_start[k + 1] - ix->tag_start[k];
      cb_html__open(o, CB_TAG_LI, NULL);
      tag_link(p, ix, ix->tags[k]);
      cb_html__puts(o, " ");
      cb_html__leaf(o, CB_TAG_SPAN, "counts",
                    cb_html_page__count(p, n, CB_UI_N_CASE, CB_UI_N_CASES));
      cb_html__close(o);
    }
    cb_html__close(o);
  }
  cb_html__close(o);
}

void cb_html_index__tag(cb_html_page *p, const cb_html_index *ix, size_t k) {
  cb_html *o = &p->out;
  size_t n = ix->tag_start[k + 1] - ix->tag_start[k];
  cb_html__open(o, CB_TAG_ARTICLE, "tag-page");
  cb_html__open(o, CB_TAG_H1, NULL);
  cb_html__leaf(o, CB_TAG_SPAN, "kw", CB_UI(p, CB_UI_TAG));
  cb_html__puts(o, " ");
  cb_html__puts(o, ix->tags[k]);
  cb_html__close(o);
  cb_html__open(o, CB_TAG_P, "counts");
  cb_html__puts(o, cb_html_page__count(p, n, CB_UI_N_CASE, CB_UI_N_CASES));
  cb_html__puts(o, " \xC2\xB7 ");
  cb_html__link(o, "tags.html", NULL, CB_UI(p, CB_UI_ALL_TAGS));
  cb_html__puts(o, " \xC2\xB7 ");
  /* the cases index filtered to this tag, with the gold answers */
  cb_buf_reset(&p->scratch);
  cb_buf_puts(&p->scratch, "cases.html?tag=");
  url_component(&p->scratch, ix->tags[k]);
  cb_html__link(o, cb_buf_cstr(&p->scratch), NULL,
                CB_UI(p, CB_UI_WITH_ANSWERS));
  cb_html__close(o);
  /* a plain list: a tag may hold every case of a big book */
  const size_t *cases = ix->tag_cases + ix->tag_start[k];
  size_t chapter = SIZE_MAX;
  int open = 0;
  for (size_t i = 0; i < n; i++) {
    const cb_case *c = &p->book->cases[cases[i]];
    if (c->chapter != chapter && c->chapter < p->book->n_chapters) {
      if (open)
        cb_html__close(o);
      chapter = c->chapter;
      cb_html__open(o, CB_TAG_H2, "tag-chapter");
      cb_html__link(o, cb_html_page__page_of(p, chapter), NULL,
                    p->book->chapters[chapter].title);
      cb_html__close(o);
      cb_html__open(o, CB_TAG_UL, "tag-cases");
      open = 1;
    } else if (!open) {
      cb_html__open(o, CB_TAG_UL, "tag-cases");
      open = 1;
    }
    cb_html__open(o, CB_TAG_LI, NULL);
    cb_html__open_link(
        o, cb_html_page__href(p, c->chapter, "case", c->id, NULL), NULL);
    cb_html__leaf(o, CB_TAG_CODE, NULL, c->id);
    cb_html__close(o);
    if (c->title && *c->title) {
      cb_html__puts(o, " ");
      cb_html__puts(o, c->title);
    }
    cb_html__close(o);
  }
  if (open)
    cb_html__close(o);
  cb_html__close(o);
}

/* ---- changes --------------------------------------------------------- */

static const cb_ui category_titles[] = {CB_UI_BREAKING, CB_UI_GOLD_CHANGES,
                                        CB_UI_SEMANTIC, CB_UI_ADDITIVE,
                                        CB_UI_COSMETIC};
static const cb_ui category_notes[] = {
    CB_UI_BREAKING_NOTE, CB_UI_GOLD_CHANGES_NOTE, CB_UI_SEMANTIC_NOTE,
    CB_UI_ADDITIVE_NOTE, CB_UI_COSMETIC_NOTE};

/* The site's word for what a change is about ("question", ...), or what
 * itself when it has none. */
static const char *what_word(cb_html_page *p, const char *what) {
  static const struct {
    const char *what;
    cb_ui word;
  } words[] = {{"question", CB_UI_QUESTION}, {"option", CB_UI_OPTION},
               {"criterion", CB_UI_CRITERION}, {"case", CB_UI_CASE},
               {"chapter", CB_UI_CHAPTER}, {"section", CB_UI_SECTION}};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strcmp(what, words[i].what) == 0)
      return CB_UI(p, words[i].word);
  return what;
}

/* The link of the element a change is about, or NULL when it has none
 * (removed, or not an element). Borrowed from p. */
static const char *change_href(cb_html_page *p, const cb_change *ch) {
  const cb_book *b = p->book;
  if (!ch->element || !ch->what || ch->loc.line == 0)
    goto by_file;
  if (strcmp(ch->what, "question") == 0) {
    const cb_question *q = cb_book_question(b, ch->element);
    if (q)
      return cb_html_page__href(p, q->chapter, "question", q->id, NULL);
  } else if (strcmp(ch->what, "criterion") == 0) {
    const cb_criterion *c = cb_book_criterion(b, ch->element);
    if (c)
      return cb_html_page__href(p, c->chapter, "criterion", c->id, NULL);
  } else if (strcmp(ch->what, "case") == 0) {
    const cb_case *c = cb_book_case(b, ch->element);
    if (c)
      return cb_html_page__href(p, c->chapter, "case", c->id, NULL);
  } else if (strcmp(ch->what, "option") == 0) {
    /* "question/option" */
    const char *slash = strchr(ch->element, '/');
    if (slash) {
      cb_buf_reset(&p->scratch);
      cb_buf_append(&p->scratch, ch->element, (size_t)(slash - ch->element));
      const cb_question *q = cb_book_question(b, cb_buf_cstr(&p->scratch));
      if (q && cb_question_option(q, slash + 1))
        return cb_html_page__href(p, q->chapter, "option", q->id, slash + 1);
    }
  }
by_file:
  if (ch->loc.line == 0)
    return NULL;
  for (size_t i = 0; i < b->n_chapters; i++)
    if (b->chapters[i].file == ch->loc.file)
      return cb_html_page__page_of(p, i);
  return NULL;
}

void cb_html_index__changes(cb_html_page *p, const cb_html_index *ix) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  const char *since =
      b->since_label && *b->since_label ? b->since_label : b->since;
  (void)ix;
  cb_html__open(o, CB_TAG_ARTICLE, "changes");
  cb_buf_reset(&p->scratch);
  if (since)
    cb_ui__format(&p->scratch, CB_UI(p, CB_UI_CHANGES_SINCE), 0, since);
  else
    cb_buf_puts(&p->scratch, CB_UI(p, CB_UI_CHANGES));
  cb_html__leaf(o, CB_TAG_H1, NULL, cb_buf_cstr(&p->scratch));
  if (!since) {
    cb_html__leaf(o, CB_TAG_P, NULL, CB_UI(p, CB_UI_NO_BASE));
    cb_html__close(o);
    return;
  }
  if (b->n_changes == 0) {
    cb_html__leaf(o, CB_TAG_P, NULL, CB_UI(p, CB_UI_NOTHING_CHANGED));
    cb_html__close(o);
    return;
  }
  for (int cat = CB_CHANGE_BREAKING; cat <= CB_CHANGE_COSMETIC; cat++) {
    size_t n = 0;
    for (size_t i = 0; i < b->n_changes; i++)
      n += (int)b->changes[i].category == cat;
    if (!n)
      continue;
    static const char *const ids[] = {"breaking", "gold", "semantic",
                                      "additive", "cosmetic"};
    cb_html__open(o, CB_TAG_SECTION, "change-group");
    cb_html__open(o, CB_TAG_H2, NULL);
    cb_html_page__set_id(p, ids[cat], CB_HTML_OWNER_PAGE);
    cb_html__puts(o, CB_UI(p, category_titles[cat]));
    cb_html_page__permalink(p, ids[cat]);
    cb_html__close(o);
    cb_html__leaf(o, CB_TAG_P, "note", CB_UI(p, category_notes[cat]));
    cb_html__open(o, CB_TAG_UL, "change-list");
    for (size_t i = 0; i < b->n_changes; i++) {
      const cb_change *ch = &b->changes[i];
      if ((int)ch->category != cat)
        continue;
      cb_html__open(o, CB_TAG_LI, NULL);
      if (ch->what) {
        cb_html__leaf(o, CB_TAG_SPAN, "kw", what_word(p, ch->what));
        cb_html__puts(o, " ");
      }
      if (ch->element) {
        const char *href = change_href(p, ch);
        if (href) {
          cb_html__open_link(o, href, NULL);
          cb_html__leaf(o, CB_TAG_CODE, NULL, ch->element);
          cb_html__close(o);
        } else {
          cb_html__leaf(o, CB_TAG_CODE, "removed", ch->element);
        }
        cb_html__puts(o, " ");
      }
      cb_html__leaf(o, CB_TAG_SPAN, "message", ch->message);
      if (ch->before || ch->after) {
        cb_html__open(o, CB_TAG_DIV, "before-after");
        if (ch->before) {
          cb_html__leaf(o, CB_TAG_SPAN, "k", CB_UI(p, CB_UI_BEFORE));
          cb_html__puts(o, " ");
          cb_html__leaf(o, CB_TAG_CODE, "before", ch->before);
        }
        if (ch->after) {
          if (ch->before)
            cb_html__puts(o, " ");
          cb_html__leaf(o, CB_TAG_SPAN, "k", CB_UI(p, CB_UI_AFTER));
          cb_html__puts(o, " ");
          cb_html__leaf(o, CB_TAG_CODE, "after", ch->after);
        }
        cb_html__close(o);
      }
      cb_html__close(o); /* li */
    }
    cb_html__close(o); /* ul */
    cb_html__close(o); /* section */
  }
  cb_html__close(o); /* article */
}
