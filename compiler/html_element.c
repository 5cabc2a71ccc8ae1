/* SPDX-License-Identifier: MIT */
/*
 * html_element.c: question and criterion sections of the annotator site,
 * with the back-links to the cases that use each option and cite each
 * criterion. See html_element.h.
 */
#include "html_element.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Back-link lists longer than this are collapsed. */
#define LONG_BACKLINKS 8

/* ---- the index ------------------------------------------------------- */

size_t cb_html_element__option_index(const cb_question *q, const char *id) {
  if (!id)
    return SIZE_MAX;
  for (size_t i = 0; i < q->n_options; i++)
    if (q->options[i].id && strcmp(q->options[i].id, id) == 0)
      return i;
  return SIZE_MAX;
}

size_t cb_html_element__label_index(const cb_question *q, long long n) {
  for (size_t i = 0; i < q->n_options; i++)
    if (q->options[i].value == n)
      return i;
  return SIZE_MAX;
}

const cb_criterion *cb_html_element__criterion_by_id(const cb_html_index *ix,
                                                     const cb_book *book,
                                                     const char *id) {
  size_t i;
  if (!id || !cb_strmap_get(&ix->criterion_ids, id, &i))
    return NULL;
  return &book->criteria[i];
}

const char *cb_html_element__tag_page(const cb_html_index *ix,
                                      const char *tag) {
  size_t k;
  if (!tag || !cb_strmap_get(&ix->tag_ids, tag, &k) || k >= ix->n_tags)
    return NULL;
  return ix->tag_pages[k];
}

static const cb_question *question_by_id(const cb_html_index *ix,
                                         const cb_book *book, const char *id) {
  size_t i;
  if (!id || !cb_strmap_get(&ix->question_ids, id, &i))
    return NULL;
  return &book->questions[i];
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
static void walk_uses(cb_html_index *ix, const cb_book *b, size_t *opt_last,
                      size_t *crit_last, int fill) {
  for (size_t c = 0; c < b->n_cases; c++) {
    const cb_case *cs = &b->cases[c];
    for (size_t i = 0; i < cs->n_answers; i++) {
      const cb_answer *a = &cs->answers[i];
      if (a->question < 0 || (size_t)a->question >= b->n_questions)
        continue;
      const cb_question *q = &b->questions[a->question];
      size_t base = ix->opt_first[a->question], k;
      if (a->kind == CB_V_OPTION || a->kind == CB_V_OPTIONS) {
        for (size_t j = 0; j < a->n_items; j++)
          if ((k = cb_html_element__option_index(q, a->items[j])) != SIZE_MAX)
            note(ix->opt_start, ix->opt_cases, opt_last, base + k, c, fill);
      } else if (a->kind == CB_V_NUMBER) {
        if ((k = cb_html_element__label_index(q, a->number)) != SIZE_MAX)
          note(ix->opt_start, ix->opt_cases, opt_last, base + k, c, fill);
      }
    }
    for (size_t i = 0; i < cs->criteria.n; i++) {
      size_t k;
      if (cs->criteria.items[i] &&
          cb_strmap_get(&ix->criterion_ids, cs->criteria.items[i], &k))
        note(ix->crit_start, ix->crit_cases, crit_last, k, c, fill);
    }
  }
}

/* Writes ix->links (see html_element.h) as a page of no chapter does. */
static int write_links(cb_html_index *ix, const cb_book *b) {
  size_t n = b->n_questions + ix->opt_first[b->n_questions] + b->n_criteria +
             b->n_cases,
         k = 0;
  cb_html_page page;
  memset(&page, 0, sizeof page);
  page.book = b;
  page.chapter = CB_HTML_INDEX;
  if (!(ix->link_at = cb_calloc(n + 1, sizeof(size_t))))
    return -1;
  for (size_t i = 0; i < b->n_questions; i++) {
    const cb_question *q = &b->questions[i];
    ix->link_at[k++] = cb_html__mark(&ix->links);
    if (q->id)
      cb_html__link(
          &ix->links,
          cb_html_page__href(&page, q->chapter, "question", q->id, NULL), NULL,
          q->id);
  }
  for (size_t i = 0; i < b->n_questions; i++) {
    const cb_question *q = &b->questions[i];
    for (size_t o = 0; o < q->n_options; o++) {
      const char *id = q->options[o].id;
      ix->link_at[k++] = cb_html__mark(&ix->links);
      if (id)
        cb_html__link(
            &ix->links,
            cb_html_page__href(&page, q->chapter, "option", q->id, id), NULL,
            id);
    }
  }
  for (size_t i = 0; i < b->n_criteria; i++) {
    const cb_criterion *c = &b->criteria[i];
    ix->link_at[k++] = cb_html__mark(&ix->links);
    if (c->id)
      cb_html__link(
          &ix->links,
          cb_html_page__href(&page, c->chapter, "criterion", c->id, NULL), NULL,
          c->id);
  }
  for (size_t i = 0; i < b->n_cases; i++) {
    const cb_case *c = &b->cases[i];
    ix->link_at[k++] = cb_html__mark(&ix->links);
    if (c->id)
      cb_html__link(&ix->links,
                    cb_html_page__href(&page, c->chapter, "case", c->id, NULL),
                    NULL, c->id);
  }
  ix->link_at[k] = cb_html__mark(&ix->links);
  int failed = page.failed || cb_html__failed(&ix->links);
  cb_buf_free(&page.href);
  return failed ? -1 : 0;
}

int cb_html_element__index(cb_html_index *ix, cb_ctx *ctx, const cb_book *b) {
  int err = 0;
  size_t *opt_last = NULL, *crit_last = NULL;
  size_t n_opts = 0;

  for (size_t i = 0; i < b->n_questions; i++)
    if (b->questions[i].id &&
        cb_strmap_put(&ix->question_ids, b->questions[i].id, i, NULL) < 0)
      goto oom;
  for (size_t i = 0; i < b->n_criteria; i++)
    if (b->criteria[i].id &&
        cb_strmap_put(&ix->criterion_ids, b->criteria[i].id, i, NULL) < 0)
      goto oom;

  if (!(ix->opt_first = cb_calloc(b->n_questions + 1, sizeof(size_t))))
    goto oom;
  for (size_t i = 0; i < b->n_questions; i++) {
    ix->opt_first[i] = n_opts;
    n_opts += b->questions[i].n_options;
  }
  ix->opt_first[b->n_questions] = n_opts;
  if (write_links(ix, b) < 0)
    goto oom;
  if (!(ix->opt_start = cb_calloc(n_opts + 2, sizeof(size_t))) ||
      !(ix->crit_start = cb_calloc(b->n_criteria + 2, sizeof(size_t))) ||
      !(opt_last = cb_calloc(n_opts + 1, sizeof(size_t))) ||
      !(crit_last = cb_calloc(b->n_criteria + 1, sizeof(size_t))))
    goto oom;

  /* Counting sort: count, turn counts into starts, fill (which moves each
   * start to the next one's), shift back. */
  walk_uses(ix, b, opt_last, crit_last, 0);
  for (size_t k = 0; k < n_opts; k++)
    ix->opt_start[k + 1] += ix->opt_start[k];
  for (size_t k = 0; k < b->n_criteria; k++)
    ix->crit_start[k + 1] += ix->crit_start[k];
  if (!(ix->opt_cases = cb_calloc(ix->opt_start[n_opts] + 1, sizeof(size_t))) ||
      !(ix->crit_cases =
            cb_calloc(ix->crit_start[b->n_criteria] + 1, sizeof(size_t))))
    goto oom;
  memset(opt_last, 0, (n_opts + 1) * sizeof(size_t));
  memset(crit_last, 0, (b->n_criteria + 1) * sizeof(size_t));
  walk_uses(ix, b, opt_last, crit_last, 1);
  memmove(ix->opt_start + 1, ix->opt_start, n_opts * sizeof(size_t));
  ix->opt_start[0] = 0;
  memmove(ix->crit_start + 1, ix->crit_start, b->n_criteria * sizeof(size_t));
  ix->crit_start[0] = 0;
  goto done;
oom:
  err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
done:
  cb_free(opt_last);
  cb_free(crit_last);
  return err;
}

void cb_html_element__index_free(cb_html_index *ix) {
  cb_strmap_free(&ix->question_ids);
  cb_strmap_free(&ix->criterion_ids);
  cb_free(ix->opt_first);
  cb_free(ix->opt_start);
  cb_free(ix->opt_cases);
  cb_free(ix->crit_start);
  cb_free(ix->crit_cases);
  cb_strmap_free(&ix->tag_ids);
  cb_html__free(&ix->links);
  cb_free(ix->link_at);
  cb_free(ix->tags);
  cb_free(ix->tag_pages);
  cb_free(ix->tag_start);
  cb_free(ix->tag_cases);
  memset(ix, 0, sizeof *ix);
}

/* ---- shared pieces --------------------------------------------------- */

cb_tag cb_html_element__heading_tag(const cb_heading *h) {
  static const cb_tag tags[] = {CB_TAG_H1, CB_TAG_H2, CB_TAG_H3,
                                CB_TAG_H4, CB_TAG_H5, CB_TAG_H6};
  return h && h->level >= 1 && h->level <= 6 ? tags[h->level - 1] : CB_TAG_H2;
}

void cb_html_element__heading(cb_html_page *p, const cb_heading *h,
                              const char *keyword, const char *prefix,
                              const char *id, const char *title) {
  cb_html *o = &p->out;
  cb_html__open(o, cb_html_element__heading_tag(h), "element-title");
  /* "## Case c1" slugs to "case-c1", the element's own anchor: the
   * section carries it already. */
  if (h && h->slug &&
      strcmp(h->slug, cb_html_page__anchor(p, prefix, id, NULL)) != 0)
    cb_html_page__set_id(p, h->slug, CB_HTML_OWNER(h));
  cb_html__leaf(o, CB_TAG_SPAN, "kw", keyword);
  cb_html__puts(o, " ");
  cb_html__leaf(o, CB_TAG_CODE, "id", id);
  if (title && *title) {
    cb_html__puts(o, " ");
    cb_html__leaf(o, CB_TAG_SPAN, "title", title);
  }
  cb_html_page__permalink(p, cb_html_page__anchor(p, prefix, id, NULL));
  cb_html__close(o);
}

void cb_html_element__history(cb_html_page *p, const cb_history *h) {
  const cb_book *b = p->book;
  if (!h || h->state == CB_UNCHANGED)
    return;
  const char *since =
      b->since_label && *b->since_label ? b->since_label : b->since;
  int added = h->state == CB_ADDED;
  cb_buf_reset(&p->scratch);
  if (since && *since)
    cb_ui__format(&p->scratch,
                  CB_UI(p, added ? CB_UI_NEW_SINCE : CB_UI_CHANGED_SINCE), 0,
                  since);
  else
    cb_buf_puts(&p->scratch, CB_UI(p, added ? CB_UI_NEW : CB_UI_CHANGED));
  if (p->scratch.failed) {
    p->failed = 1;
    return;
  }
  cb_html__leaf(&p->out, CB_TAG_P,
                h->state == CB_ADDED ? "history added" : "history changed",
                p->scratch.data);
}

void cb_html_element__last_changed(cb_html_page *p, const cb_history *h) {
  if (!h || !h->last_date || !*h->last_date)
    return;
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_P, "last-changed");
  cb_html__leaf(o, CB_TAG_SPAN, "k", CB_UI(p, CB_UI_LAST_CHANGED));
  cb_html__puts(o, " ");
  /* the day of an ISO 8601 date: its first ten bytes */
  size_t n = strlen(h->last_date);
  cb_html__text(o, h->last_date, n > 10 && h->last_date[10] == 'T' ? 10 : n);
  if (h->last_label && *h->last_label) {
    cb_html__puts(o, " (");
    cb_html__puts(o, h->last_label);
    cb_html__puts(o, ")");
  } else if (h->last_commit && *h->last_commit) {
    char short_id[13];
    snprintf(short_id, sizeof short_id, "%.12s", h->last_commit);
    cb_html__puts(o, " (");
    cb_html__leaf(o, CB_TAG_CODE, NULL, short_id);
    cb_html__puts(o, ")");
  }
  cb_html__close(o);
}

/* Writes link k of ix->links when the page writes it so: not in the
 * print view, nor on the page of chapter, where the element is. Returns
 * 0 when it does not. */
static int shared_link(cb_html_page *p, const cb_html_index *ix, size_t k,
                       size_t chapter) {
  if (p->print || chapter == p->chapter ||
      ix->link_at[k] == ix->link_at[k + 1]) /* an element without an id */
    return 0;
  cb_html__splice(&p->out, &ix->links, ix->link_at[k], ix->link_at[k + 1]);
  return 1;
}

void cb_html_element__option_ref(cb_html_page *p, const cb_html_index *ix,
                                 const cb_question *q, size_t k,
                                 const char *shown) {
  if (k == SIZE_MAX) {
    cb_html__leaf(&p->out, CB_TAG_SPAN, "unknown", shown);
    return;
  }
  const char *id = q->options[k].id;
  size_t qi = (size_t)(q - p->book->questions);
  if (id && strcmp(shown, id) == 0 &&
      shared_link(p, ix, p->book->n_questions + ix->opt_first[qi] + k,
                  q->chapter))
    return;
  cb_html__link(&p->out, cb_html_page__href(p, q->chapter, "option", q->id, id),
                NULL, shown);
}

void cb_html_element__question_ref(cb_html_page *p, const cb_html_index *ix,
                                   const cb_question *q) {
  if (shared_link(p, ix, (size_t)(q - p->book->questions), q->chapter))
    return;
  cb_html__link(&p->out,
                cb_html_page__href(p, q->chapter, "question", q->id, NULL),
                NULL, q->id);
}

void cb_html_element__criterion_ref(cb_html_page *p, const cb_html_index *ix,
                                    const cb_criterion *c) {
  const cb_book *b = p->book;
  if (shared_link(p, ix,
                  b->n_questions + ix->opt_first[b->n_questions] +
                      (size_t)(c - b->criteria),
                  c->chapter))
    return;
  cb_html__link(&p->out,
                cb_html_page__href(p, c->chapter, "criterion", c->id, NULL),
                NULL, c->id);
}

/* What case c answered to question qi, shown after its back-link from
 * an option of qi: only what the link does not already say (the other
 * options of a multi answer, the response of a per-response answer). */
static void option_gold(cb_html_page *p, const cb_case *c, size_t qi) {
  cb_html *o = &p->out;
  int open = 0;
  for (size_t i = 0; i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    if (a->question < 0 || (size_t)a->question != qi)
      continue;
    int multi = a->kind == CB_V_OPTIONS && a->n_items > 1;
    if (!multi && !a->response)
      continue;
    cb_html__puts(o, open ? "; " : " (");
    if (!open)
      cb_html__open(o, CB_TAG_SPAN, "gold");
    open = 1;
    if (a->response) {
      cb_html__puts(o, a->response);
      cb_html__puts(o, ": ");
    }
    if (a->kind == CB_V_OPTIONS || a->kind == CB_V_OPTION) {
      for (size_t k = 0; k < a->n_items; k++) {
        if (k)
          cb_html__puts(o, ", ");
        cb_html__puts(o, a->items[k]);
      }
    } else {
      cb_html__puts(o, a->raw);
    }
  }
  if (open) {
    cb_html__close(o);
    cb_html__puts(o, ")");
  }
}

/* The gold answers of case c in one line, after its back-link from a
 * criterion: "harm safe, helpfulness 4". */
static void case_gold(cb_html_page *p, const cb_case *c) {
  cb_html *o = &p->out;
  size_t shown = 0;
  for (size_t i = 0; i < c->n_answers && shown < 6; i++) {
    const cb_answer *a = &c->answers[i];
    if (a->question < 0 || a->kind == CB_V_NONE || a->kind == CB_V_TEXT)
      continue;
    if (!shown)
      cb_html__open(o, CB_TAG_SPAN, "gold");
    cb_html__puts(o, shown ? ", " : " ");
    if (a->response) {
      cb_html__puts(o, a->response);
      cb_html__puts(o, " ");
    }
    cb_html__puts(o, a->key);
    cb_html__puts(o, " ");
    cb_html__leaf(o, CB_TAG_STRONG, NULL, a->raw);
    shown++;
  }
  if (shown)
    cb_html__close(o);
}

/* "N cases" with links to them, collapsed when long. qi: the question
 * of the option they use (the option's back-links), SIZE_MAX for a
 * criterion's. */
static void backlinks(cb_html_page *p, const cb_html_index *ix,
                      const size_t *cases, size_t n, size_t qi) {
  const cb_book *b = p->book;
  cb_html *o = &p->out;
  if (n == 0) {
    cb_html__leaf(o, CB_TAG_SPAN, "none", CB_UI(p, CB_UI_NO_CASE_YET));
    return;
  }
  if (n > LONG_BACKLINKS) {
    cb_buf_reset(&p->scratch);
    cb_ui__format(&p->scratch, CB_UI(p, CB_UI_N_CASES), n, NULL);
    if (p->scratch.failed)
      p->failed = 1;
    cb_html__open(o, CB_TAG_DETAILS, "backlinks");
    cb_html__leaf(o, CB_TAG_SUMMARY, NULL, p->scratch.data);
  }
  /* No class and no separator per link: a popular option has thousands
   * (the stylesheet spaces them). */
  cb_html__open(o, CB_TAG_SPAN, "cases");
  for (size_t i = 0; i < n; i++) {
    const cb_case *c = &b->cases[cases[i]];
    cb_html__open(o, CB_TAG_SPAN, NULL);
    if (!shared_link(p, ix,
                     b->n_questions + ix->opt_first[b->n_questions] +
                         b->n_criteria + cases[i],
                     c->chapter))
      cb_html__link(o, cb_html_page__href(p, c->chapter, "case", c->id, NULL),
                    NULL, c->id);
    if (qi == SIZE_MAX)
      case_gold(p, c);
    else
      option_gold(p, c, qi);
    cb_html__close(o);
  }
  cb_html__close(o);
  if (n > LONG_BACKLINKS)
    cb_html__close(o);
}

/* <div><dt>key</dt><dd>… in a <dl>: the caller writes the dd's content,
 * then meta_end. */
static void meta(cb_html *o, const char *key) {
  cb_html__open(o, CB_TAG_DIV, NULL);
  cb_html__leaf(o, CB_TAG_DT, NULL, key);
  cb_html__open(o, CB_TAG_DD, NULL);
}

static void meta_end(cb_html *o) {
  cb_html__close(o); /* dd */
  cb_html__close(o); /* div */
}

/* A <dt>key</dt><dd>text</dd> pair. */
static void meta_text(cb_html *o, const char *key, const char *s) {
  meta(o, key);
  cb_html__puts(o, s);
  meta_end(o);
}

/* ---- questions ------------------------------------------------------- */

const char *cb_html_element__scale(cb_html_page *p, const cb_question *q) {
  char range[64];
  snprintf(range, sizeof range, "%d\xE2\x80\x93%d", q->scale_min,
           q->scale_max);
  cb_buf_reset(&p->scratch);
  cb_ui__format(&p->scratch, CB_UI(p, CB_UI_SCALE), 0, range);
  if (p->scratch.failed)
    p->failed = 1;
  return p->scratch.failed ? "" : p->scratch.data;
}

/* The table of the options of question qi. */
static void options_table(cb_html_page *p, const cb_html_index *ix, size_t qi) {
  const cb_question *q = &p->book->questions[qi];
  cb_html *o = &p->out;
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
        p->failed = 1;
    }
  cb_html_page__table_open(p, "options", CB_UI(p, CB_UI_OPTIONS));
  cb_html__open(o, CB_TAG_THEAD, NULL);
  cb_html__open(o, CB_TAG_TR, NULL);
  cb_html__leaf(o, CB_TAG_TH, NULL,
                CB_UI(p, q->type == CB_Q_SCALE ? CB_UI_SCORE : CB_UI_OPTION));
  cb_html__leaf(o, CB_TAG_TH, NULL, CB_UI(p, CB_UI_MEANING));
  for (size_t m = 0; m < n_keys; m++)
    cb_html__leaf(o, CB_TAG_TH, NULL, keys[m]);
  cb_html__leaf(o, CB_TAG_TH, NULL, CB_UI(p, CB_UI_CASES));
  cb_html__close(o); /* tr */
  cb_html__close(o); /* thead */
  cb_html__open(o, CB_TAG_TBODY, NULL);
  for (size_t i = 0; i < q->n_options; i++) {
    const cb_option *opt = &q->options[i];
    cb_html__open(o, CB_TAG_TR, NULL);
    cb_html_page__set_id(p, cb_html_page__anchor(p, "option", q->id, opt->id),
                         CB_HTML_OWNER(opt));
    cb_html__open(o, CB_TAG_TD, "option-id");
    cb_html__open_link(
        o, cb_html_page__href(p, p->chapter, "option", q->id, opt->id), NULL);
    cb_html__leaf(o, CB_TAG_CODE, NULL, opt->id);
    cb_html__close(o); /* a */
    cb_html_element__history(p, &opt->history);
    cb_html__close(o); /* td */
    cb_html__open(o, CB_TAG_TD, "meaning");
    if (opt->meaning_html && *opt->meaning_html)
      cb_html__fragment(o, p->book, opt->meaning_html);
    else
      cb_html__puts(o, opt->meaning_text);
    cb_html__close(o);
    for (size_t m = 0; m < n_keys; m++) {
      cb_html__open(o, CB_TAG_TD, "attr");
      for (size_t j = 0; j < opt->n_attrs; j++)
        if (strcmp(opt->attrs[j].key, keys[m]) == 0) {
          cb_html__puts(o, opt->attrs[j].value);
          break;
        }
      cb_html__close(o);
    }
    size_t k = ix->opt_first[qi] + i;
    cb_html__open(o, CB_TAG_TD, "backlinks");
    backlinks(p, ix, ix->opt_cases + ix->opt_start[k],
              ix->opt_start[k + 1] - ix->opt_start[k], qi);
    cb_html__close(o); /* td */
    cb_html__close(o); /* tr */
  }
  cb_html__close(o); /* tbody */
  cb_html_page__table_close(p);
  cb_free(keys);
}

void cb_html_element__question(cb_html_page *p, const cb_html_index *ix,
                               size_t qi, const cb_heading *h) {
  const cb_question *q = &p->book->questions[qi];
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_SECTION, "element question");
  cb_html_page__set_id(p, cb_html_page__anchor(p, "question", q->id, NULL),
                       CB_HTML_OWNER(q));
  cb_html_element__heading(p, h, CB_UI(p, CB_UI_QUESTION), "question", q->id,
                           q->title);
  cb_html_element__history(p, &q->history);

  cb_html__open(o, CB_TAG_DL, "meta");
  meta(o, CB_UI(p, CB_UI_TYPE));
  if (q->type == CB_Q_SCALE) {
    cb_html__puts(o, cb_html_element__scale(p, q));
  } else {
    cb_html__puts(o, cb_qtype_name(q->type));
  }
  meta_end(o);
  meta_text(o, CB_UI(p, CB_UI_REQUIRED),
            CB_UI(p, q->required ? CB_UI_YES : CB_UI_NO));
  if (q->when) {
    meta(o, CB_UI(p, CB_UI_WHEN));
    cb_html__leaf(o, CB_TAG_CODE, NULL, q->when);
    meta_end(o);
  }
  if (q->scope == CB_SCOPE_RESPONSE)
    meta_text(o, CB_UI(p, CB_UI_SCOPE), CB_UI(p, CB_UI_EACH_RESPONSE));
  if (q->responses.n) {
    meta(o, CB_UI(p, CB_UI_RESPONSES));
    for (size_t i = 0; i < q->responses.n; i++) {
      if (i)
        cb_html__puts(o, ", ");
      cb_html__puts(o, q->responses.items[i]);
    }
    meta_end(o);
  }
  if (q->hint && (!q->title || strcmp(q->hint, q->title) != 0))
    meta_text(o, CB_UI(p, CB_UI_HINT), q->hint);
  cb_html__close(o); /* dl */

  if (q->guidance.html && *q->guidance.html) {
    cb_html__open(o, CB_TAG_DIV, "guidance");
    cb_html__fragment(o, p->book, q->guidance.html);
    cb_html__close(o);
  }
  if (q->n_options)
    options_table(p, ix, qi);
  cb_html__close(o); /* section */
}

/* ---- criteria -------------------------------------------------------- */

void cb_html_element__criterion(cb_html_page *p, const cb_html_index *ix,
                                size_t ci, const cb_heading *h) {
  const cb_book *b = p->book;
  const cb_criterion *c = &b->criteria[ci];
  cb_html *o = &p->out;
  cb_html__open(o, CB_TAG_SECTION, "element criterion");
  cb_html_page__set_id(p, cb_html_page__anchor(p, "criterion", c->id, NULL),
                       CB_HTML_OWNER(c));
  cb_html_element__heading(p, h, CB_UI(p, CB_UI_CRITERION), "criterion",
                           c->id, c->title);
  cb_html_element__history(p, &c->history);
  if (c->applies_to.n || c->severity || c->points) {
    cb_html__open(o, CB_TAG_DL, "meta");
    if (c->applies_to.n) {
      meta(o, CB_UI(p, CB_UI_APPLIES_TO));
      for (size_t i = 0; i < c->applies_to.n; i++) {
        const char *id = c->applies_to.items[i];
        const cb_question *q = question_by_id(ix, b, id);
        if (i)
          cb_html__puts(o, ", ");
        if (q)
          cb_html__link(
              o, cb_html_page__href(p, q->chapter, "question", q->id, NULL),
              NULL, id);
        else
          cb_html__leaf(o, CB_TAG_SPAN, "unknown", id);
      }
      meta_end(o);
    }
    if (c->severity)
      meta_text(o, CB_UI(p, CB_UI_SEVERITY), c->severity);
    if (c->points)
      meta_text(o, CB_UI(p, CB_UI_POINTS), c->points);
    cb_html__close(o); /* dl */
  }
  if (c->prose.html && *c->prose.html) {
    cb_html__open(o, CB_TAG_DIV, "prose");
    cb_html__fragment(o, b, c->prose.html);
    cb_html__close(o);
  }
  size_t n = ix->crit_start[ci + 1] - ix->crit_start[ci];
  /* a div: the list may be a <details>, which a <p> cannot hold */
  cb_html__open(o, CB_TAG_DIV, "demonstrated");
  cb_html__leaf(o, CB_TAG_SPAN, "k", CB_UI(p, CB_UI_DEMONSTRATED_BY));
  cb_html__puts(o, " ");
  backlinks(p, ix, ix->crit_cases + ix->crit_start[ci], n, SIZE_MAX);
  cb_html__close(o);
  cb_html__close(o); /* section */
}
