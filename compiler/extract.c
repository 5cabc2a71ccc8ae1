/* SPDX-License-Identifier: MIT */
/*
 * extract.c: from a chapter's cmark-gfm tree to the model (FORMAT.md).
 *
 * One pass over the top-level blocks of the document. A keyword heading
 * opens an element whose section runs to the next heading of the same or
 * a higher level; inside it, bullet lists, tables and fenced blocks carry
 * data, and the rest is prose, rendered to HTML right away so that the
 * tree can be freed before the next chapter is parsed. Links are recorded
 * in the book's link table and their hrefs replaced by "cb-link:N".
 */
#include "extract.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blocks.h"
#include "parse.h"
#include "utf8.h"

/* ---- small helpers --------------------------------------------------- */

void cb_extract__init(cb_builder *b, cb_ctx *ctx, const cb_manifest *m) {
  memset(b, 0, sizeof *b);
  b->ctx = ctx;
  b->manifest = m;
}

/* Punctuation (multi-byte) that GitHub drops from slugs. */
static size_t unicode_punct(const unsigned char *p) {
  static const char *const punct[] = {
      "\xE2\x80\x94", "\xE2\x80\x93", "\xE2\x80\x98", "\xE2\x80\x99",
      "\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\xA6", "\xE3\x80\x81",
      "\xE3\x80\x82", "\xEF\xBC\x8C", "\xEF\xBC\x9A", "\xEF\xBC\x88",
      "\xEF\xBC\x89", "\xEF\xBC\x9F", "\xEF\xBC\x81", "\xE3\x80\x8C",
      "\xE3\x80\x8D", "\xC2\xAB",     "\xC2\xBB",     "\xC2\xA0"};
  for (size_t i = 0; i < sizeof punct / sizeof *punct; i++) {
    size_t n = strlen(punct[i]);
    if (strncmp((const char *)p, punct[i], n) == 0)
      return n;
  }
  return 0;
}

char *cb_extract__slug(cb_arena *a, const char *text) {
  size_t len = strlen(text);
  char *out = cb_arena_alloc(a, len + 1);
  if (!out)
    return NULL;
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)text; *p;) {
    if (*p >= 0x80) {
      size_t n = unicode_punct(p);
      uint32_t cp;
      if (!n && (n = cb_utf8__decode(p, strlen((const char *)p), &cp)) &&
          (cp == CB_UTF8_INVALID || !cb_utf8__hidden(cp)))
        n = 0; /* kept; invisible characters are dropped, as punctuation */
      if (n) {
        p += n;
        continue;
      }
      out[o++] = (char)*p++;
    } else if (cb_node__is_alnum(*p) || *p == '-' || *p == '_') {
      out[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
      p++;
    } else if (*p == ' ') {
      out[o++] = '-';
      p++;
    } else {
      p++;
    }
  }
  out[o] = '\0';
  return out;
}

static void report(chapter_state *s, cb_diag_level lvl, const char *rule,
                   cb_loc loc, const char *id, const char *msg) {
  cb_diag_report(s->b->ctx, lvl, rule, loc, id, NULL, "%s", msg);
}

/* A chapter-level <!-- casebook-use: VALUE --> (docs/format.md, "What
 * cases are for"): sets ch->use, or reports a value that is not a use at
 * the value, with the closest use suggested. Other HTML is left alone. */
static void chapter_use(chapter_state *s, cmark_node *node) {
  static const char *const uses[] = {"training", "exam", "honeypot"};
  static const char prefix[] = "<!--";
  const char *lit = cmark_node_get_literal(node);
  if (!lit || strncmp(lit, prefix, 4) != 0)
    return;
  const char *p = lit + 4;
  while (*p == ' ' || *p == '\t')
    p++;
  if (strncasecmp(p, "casebook-use:", 13) != 0)
    return;
  p += 13;
  while (*p == ' ' || *p == '\t')
    p++;
  const char *end = p;
  while (*end && *end != ' ' && *end != '\t' && *end != '\n' && *end != '-')
    end++;
  char *value = cb_arena_strndup(s->b->ctx->arena, p, (size_t)(end - p));
  if (!value) {
    s->b->failed = 1;
    return;
  }
  int use = cb_use_parse(value);
  if (use >= 0) {
    s->ch->use = cb_use_name((cb_use)use);
    return;
  }
  cb_loc loc = cb_node__loc(s, node);
  const char *nl = strchr(lit, '\n');
  if (!nl || p < nl) { /* the value is on the comment's first line */
    loc.col += (uint32_t)(p - lit);
    loc.end_line = loc.line;
    loc.end_col = loc.col + (uint32_t)(end - p);
  }
  cb_diag_report(s->b->ctx, CB_DIAG_ERROR, "bad-property", loc, NULL,
                 cb_suggest(value, uses, 3),
                 "chapter: casebook-use is training, exam or honeypot, not "
                 "'%s'; the chapter's cases keep the manifest's use",
                 value);
}

/* Prose blocks are moved into a batch and rendered together: one render
 * and one pass over the text per run of prose, not one per block. */
static void batch_add(chapter_state *s, cmark_node *node) {
  if (!s->batch &&
      !(s->batch = cb_parse__new_node(s->doc, CMARK_NODE_DOCUMENT))) {
    s->b->failed = 1;
    return;
  }
  if (!cmark_node_append_child(s->batch, node))
    s->b->failed = 1;
}

/* Renders the waiting prose into html and its plain text into text. */
static void batch_flush(chapter_state *s, cb_buf *html, cb_buf *text) {
  cmark_node *first = s->batch ? cmark_node_first_child(s->batch) : NULL;
  if (!first)
    return;
  if (text->len && text->data[text->len - 1] != '\n')
    cb_buf_putc(text, '\n');
  cb_node__scan_text(s, s->batch, text);
  if (cb_parse__render_html(html, s->doc, s->batch, s->unsafe_html) < 0)
    s->b->failed = 1;
  cmark_node *c;
  while ((c = cmark_node_first_child(s->batch)))
    cb_parse__drop(s->doc, c);
}

/* ---- headings -------------------------------------------------------- */

static void add_heading(chapter_state *s, cmark_node *node, const char *text,
                        int level, const char **slug_out) {
  cb_arena *a = s->b->ctx->arena;
  char *base = cb_extract__slug(a, text);
  if (!base) {
    s->b->failed = 1;
    return;
  }
  char *slug = base;
  for (int i = 1; cb_strmap_get(&s->slugs, slug, NULL); i++)
    slug = cb_arena_printf(a, "%s-%d", base, i);
  cb_heading h = {level, text, slug, cb_node__loc(s, node)};
  if (!slug || cb_strmap_put(&s->slugs, slug, s->n_headings, NULL) < 0 ||
      CB_VEC_PUSH(s->headings, s->n_headings, s->cap_headings, h) < 0) {
    s->b->failed = 1;
    return;
  }
  if (slug_out)
    *slug_out = slug;
}

/* Does text begin with one of the keywords followed by white space (or
 * the end)? Returns the length of the keyword, or 0. */
static size_t match_keyword(const char *text, const cb_strlist *kws,
                            const char *fallback) {
  size_t nk = kws->n ? kws->n : 1;
  for (size_t i = 0; i < nk; i++) {
    const char *kw = kws->n ? kws->items[i] : fallback;
    size_t n = strlen(kw);
    if (n && strncasecmp(text, kw, n) == 0 &&
        (text[n] == '\0' || cb_node__is_space((unsigned char)text[n]) ||
         text[n] == ':' || strncmp(text + n, "\xEF\xBC\x9A", 3) == 0))
      return n;
  }
  return 0;
}

typedef struct heading_parse {
  el_kind kind;
  const char *id;
  const char *title;
  int bad;
  const char *why;
  const char *hidden_id; /* bad: the id with the invisible characters in
                            and around it (cb_node__hidden_id) */
} heading_parse;

/* The length of the code point at p when an id may not hold it. */
static size_t hidden_at(const char *p) {
  uint32_t cp;
  size_t n = (unsigned char)*p >= 0x80
                 ? cb_utf8__decode((const unsigned char *)p, strlen(p), &cp)
                 : 0;
  return n && cp != CB_UTF8_INVALID && cb_utf8__hidden(cp) ? n : 0;
}

/* Parses "Keyword id[: title]" (FORMAT.md, keyword headings). */
static heading_parse parse_keyword_heading(chapter_state *s,
                                           const char *text) {
  heading_parse r = {EL_NONE, NULL, NULL, 0, NULL, NULL};
  const cb_manifest *m = s->b->manifest;
  size_t kw;
  if ((kw = match_keyword(text, &m->kw_question, "Question")))
    r.kind = EL_QUESTION;
  else if ((kw = match_keyword(text, &m->kw_criterion, "Criterion")))
    r.kind = EL_CRITERION;
  else if ((kw = match_keyword(text, &m->kw_case, "Case")))
    r.kind = EL_CASE;
  else
    return r;
  const char *p = text + kw;
  while (cb_node__is_space((unsigned char)*p))
    p++;
  const char *id = p;
  while (cb_node__is_id_char((unsigned char)*p))
    p++;
  size_t id_len = (size_t)(p - id);
  if (hidden_at(p)) {
    /* the id with what hides in it: "harm" U+202E "evil" */
    const char *e = id;
    for (size_t k; *e; e += k)
      if (!(k = cb_node__is_id_char((unsigned char)*e) ? 1 : hidden_at(e)))
        break;
    r.bad = 1;
    r.why = "has an id holding an invisible character";
    r.hidden_id = cb_arena_strndup(s->b->ctx->arena, id, (size_t)(e - id));
    if (!r.hidden_id)
      s->b->failed = 1;
    return r;
  }
  if (!id_len || !cb_node__is_alnum((unsigned char)id[0])) {
    r.bad = 1;
    r.why = "has no valid id (an id is letters, digits, '.', '_' and '-', "
            "starting with a letter or digit)";
    return r;
  }
  const char *rest = p;
  while (cb_node__is_space((unsigned char)*rest))
    rest++;
  const char *title = NULL;
  if (*rest == '\0') {
    title = "";
  } else if (*rest == ':') {
    title = rest + 1;
  } else if (strncmp(rest, "\xEF\xBC\x9A", 3) == 0) {
    title = rest + 3;
  } else if (rest > p && *rest == '-' && (cb_node__is_space((unsigned char)rest[1]))) {
    title = rest + 1;
  } else if (rest > p && (strncmp(rest, "\xE2\x80\x94", 3) == 0 ||
                          strncmp(rest, "\xE2\x80\x93", 3) == 0)) {
    title = rest + 3;
  } else {
    r.bad = 1;
    r.why = "has an id that is not followed by ':', ' - ' or the end of the "
            "heading";
    return r;
  }
  r.id = cb_arena_strndup(s->b->ctx->arena, id, id_len);
  r.title = cb_node__trimmed(s->b, title, strlen(title));
  if (!r.id)
    s->b->failed = 1;
  return r;
}

static void close_element(chapter_state *s) {
  element *el = &s->el;
  cb_builder *b = s->b;
  if (el->kind == EL_NONE)
    return;
  batch_flush(s, &el->html, &el->text);
  if (el->html.failed || el->text.failed)
    b->failed = 1;
  /* trim the trailing newline of the plain text */
  while (el->text.len && el->text.data[el->text.len - 1] == '\n')
    el->text.data[--el->text.len] = '\0';
  switch (el->kind) {
  case EL_QUESTION: cb_blocks__finish_question(s, &b->questions[el->index], el); break;
  case EL_CRITERION: cb_blocks__finish_criterion(s, &b->criteria[el->index], el); break;
  case EL_CASE: cb_blocks__finish_case(s, &b->cases[el->index], el); break;
  default: break;
  }
  cb_buf_free(&el->html);
  cb_buf_free(&el->text);
  memset(el, 0, sizeof *el);
}

static void flush_prose(chapter_state *s) {
  batch_flush(s, &s->prose, &s->chapter_text);
  if (!s->prose.len)
    return;
  cb_item it = {CB_ITEM_PROSE, 0, NULL};
  it.html = cb_arena_strndup(s->b->ctx->arena, s->prose.data, s->prose.len);
  if (!it.html || CB_VEC_PUSH(s->items, s->n_items, s->cap_items, it) < 0)
    s->b->failed = 1;
  cb_buf_reset(&s->prose);
}

static void push_item(chapter_state *s, cb_item_kind kind, size_t index) {
  flush_prose(s);
  cb_item it = {kind, index, NULL};
  if (CB_VEC_PUSH(s->items, s->n_items, s->cap_items, it) < 0)
    s->b->failed = 1;
}

static void open_element(chapter_state *s, const heading_parse *hp,
                         cmark_node *heading, int level) {
  cb_builder *b = s->b;
  element *el = &s->el;
  el->kind = hp->kind;
  el->level = level;
  cb_loc loc = cb_node__loc(s, heading);
  int rc = 0;
  if (hp->kind == EL_QUESTION) {
    cb_question q = {0};
    q.id = hp->id;
    q.title = hp->title;
    q.loc = loc;
    q.chapter = s->chapter;
    el->index = b->n_questions;
    rc = CB_VEC_PUSH(b->questions, b->n_questions, b->cap_questions, q);
    if (rc == 0 && cb_strmap_put(&b->question_ids, hp->id, el->index, NULL) < 0)
      rc = -1;
    push_item(s, CB_ITEM_QUESTION, el->index);
  } else if (hp->kind == EL_CRITERION) {
    cb_criterion c = {0};
    c.id = hp->id;
    c.title = hp->title;
    c.loc = loc;
    c.chapter = s->chapter;
    el->index = b->n_criteria;
    rc = CB_VEC_PUSH(b->criteria, b->n_criteria, b->cap_criteria, c);
    push_item(s, CB_ITEM_CRITERION, el->index);
  } else {
    cb_case c = {0};
    c.id = hp->id;
    c.title = hp->title;
    c.loc = loc;
    c.chapter = s->chapter;
    el->index = b->n_cases;
    rc = CB_VEC_PUSH(b->cases, b->n_cases, b->cap_cases, c);
    push_item(s, CB_ITEM_CASE, el->index);
  }
  if (rc < 0) {
    b->failed = 1;
    el->kind = EL_NONE; /* not in b's arrays: nothing to finish */
  }
}

/* Appends a prose block to the current element's HTML and text. */
static void element_prose(chapter_state *s, cmark_node *node) {
  batch_add(s, node);
}

/* A sub-heading inside an element: rendered with its slug as id. */
static void element_heading(chapter_state *s, cmark_node *node,
                            const char *slug) {
  batch_flush(s, &s->el.html, &s->el.text);
  cb_buf h = {0};
  cb_node__render_block(s, node, &h);
  const char *html = cb_buf_cstr(&h);
  if (slug && strncmp(html, "<h", 2) == 0 && html[2] && html[3] == '>') {
    cb_buf_append(&s->el.html, html, 3);
    cb_buf_printf(&s->el.html, " id=\"%s\">", slug);
    cb_buf_puts(&s->el.html, html + 4);
  } else {
    cb_buf_puts(&s->el.html, html);
  }
  cb_buf_free(&h);
  if (s->el.text.len)
    cb_buf_putc(&s->el.text, '\n');
  cb_node__scan_text(NULL, node, &s->el.text);
}

static void element_block(chapter_state *s, cmark_node *node) {
  element *el = &s->el;
  cmark_node_type t = cmark_node_get_type(node);
  if (t == CMARK_NODE_LIST && cb_blocks__list(s, node))
    return;
  if (cb_parse__kind(node) == CB_NK_TABLE) {
    const char *h = cb_blocks__first_header(s, node);
    if (h && el->kind == EL_QUESTION && !el->have_options &&
        (strcasecmp(h, "option") == 0 || strcasecmp(h, "label") == 0 ||
         strcasecmp(h, "value") == 0 || strcasecmp(h, "score") == 0)) {
      cb_blocks__option_table(s, node);
      return;
    }
    if (h && el->kind == EL_CASE && !el->have_resp_table &&
        strcasecmp(h, "response") == 0) {
      cb_blocks__response_table(s, node);
      return;
    }
  }
  if (t == CMARK_NODE_CODE_BLOCK && el->kind == EL_CASE && cb_blocks__case_input(s, node))
    return;
  element_prose(s, node);
}

/* ---- the chapter ----------------------------------------------------- */

static int index_lines(chapter_state *s, size_t **out) {
  const char *t = s->file->text;
  size_t len = s->file->len, n = 1;
  for (const char *p = t; (p = memchr(p, '\n', (size_t)(t + len - p)));) {
    p++;
    n++;
  }
  size_t *ls = cb_malloc((n + 2) * sizeof *ls);
  if (!ls)
    return -1;
  size_t i = 1;
  ls[0] = 0;
  ls[i++] = 0;
  for (const char *p = t; (p = memchr(p, '\n', (size_t)(t + len - p)));) {
    p++;
    ls[i++] = (size_t)(p - t);
  }
  s->n_lines = n;
  *out = ls;
  return 0;
}

int cb_extract__chapter(cb_builder *b, cb_chapter *ch, uint32_t chapter,
                        const cb_file *file, cmark_node *doc) {
  chapter_state s = {0};
  size_t *lines = NULL;
  s.b = b;
  s.doc = doc;
  s.ch = ch;
  s.chapter = chapter;
  s.file = file;
  s.unsafe_html = b->manifest->unsafe_html;
  if (index_lines(&s, &lines) < 0)
    return CB_ENOMEM;
  s.line_start = lines;
  ch->first_link = b->n_links;
  /* the page of the chapter is named after its path (its slug) */
  cb_loc whole = {ch->file, 0, 0, 0, 0};
  cb_node__hidden_id(&s, whole, "chapter file name", file->path);

  cmark_node *next;
  for (cmark_node *node = cmark_node_first_child(doc); node && !b->failed;
       node = next) {
    next = cmark_node_next(node); /* prose is moved into the batch */
    cmark_node_type t = cmark_node_get_type(node);
    if (t == CMARK_NODE_HEADING) {
      int level = cmark_node_get_heading_level(node);
      const char *text = cb_node__node_text(b, node);
      if (!text)
        break;
      const char *slug = NULL;
      add_heading(&s, node, text, level, &slug);
      if (!ch->title && *text)
        ch->title = text;
      if (s.el.kind != EL_NONE && level <= s.el.level)
        close_element(&s);
      heading_parse hp = parse_keyword_heading(&s, text);
      if (hp.bad && hp.hidden_id) {
        static const char *const what[] = {"", "question id", "criterion id",
                                           "case id"};
        cb_node__hidden_id(&s, cb_node__loc(&s, node),
                              hp.kind < 4 ? what[hp.kind] : "id",
                              hp.hidden_id);
      } else if (hp.bad) {
        char *msg = cb_arena_printf(b->ctx->arena,
                                    "heading '%s' starts with a keyword but %s",
                                    text, hp.why);
        report(&s, CB_DIAG_ERROR, "bad-element-heading", cb_node__loc(&s, node),
               NULL, msg ? msg : "bad element heading");
      }
      if (hp.kind != EL_NONE && !hp.bad && hp.id) {
        close_element(&s);
        open_element(&s, &hp, node, level);
        s.headings[s.n_headings - 1].text = text;
        cb_buf_puts(&s.chapter_text, text);
        cb_buf_putc(&s.chapter_text, '\n');
        continue;
      }
      if (s.el.kind != EL_NONE) {
        element_heading(&s, node, slug);
        continue;
      }
      cb_node__record_links(&s, node);
      push_item(&s, CB_ITEM_HEADING, s.n_headings - 1);
      cb_buf_puts(&s.chapter_text, text);
      cb_buf_putc(&s.chapter_text, '\n');
      continue;
    }
    if (t == CMARK_NODE_HTML_BLOCK)
      chapter_use(&s, node);
    if (s.el.kind != EL_NONE) {
      element_block(&s, node);
      continue;
    }
    batch_add(&s, node);
  }
  close_element(&s);
  flush_prose(&s);
  if (s.batch)
    cmark_node_free(s.batch);

  cb_arena *a = b->ctx->arena;
  ch->items = cb_node__to_arena(b, s.items, s.n_items, sizeof *s.items);
  ch->n_items = s.n_items;
  ch->headings = cb_node__to_arena(b, s.headings, s.n_headings, sizeof *s.headings);
  ch->n_headings = s.n_headings;
  ch->n_links = b->n_links - ch->first_link;
  ch->prose.html = "";
  ch->prose.text = cb_arena_strdup(a, cb_buf_cstr(&s.chapter_text));
  if (s.prose.failed || s.chapter_text.failed || !ch->prose.text)
    b->failed = 1;
  cb_buf_free(&s.prose);
  cb_buf_free(&s.chapter_text);
  cb_strmap_free(&s.slugs);
  cb_free(lines);
  return b->failed ? CB_ENOMEM : 0;
}

/* ---- prescan --------------------------------------------------------- */

void cb_extract__prescan(cb_builder *b, const char *text, size_t len) {
  const cb_strlist *kws = &b->manifest->kw_question;
  const char *p = text, *end = text + len;
  /* from one '#' to the next rather than line by line: a heading is a
   * '#' after at most three spaces at the start of a line */
  while (p < end && !b->failed) {
    const char *q = memchr(p, '#', (size_t)(end - p));
    if (!q)
      break;
    const char *start = q;
    while (start > text && start[-1] == ' ' && q - start < 3)
      start--;
    if (start > text && start[-1] != '\n') {
      p = q + 1;
      continue;
    }
    const char *nl = memchr(q, '\n', (size_t)(end - q));
    const char *e = nl ? nl : end;
    int hashes = 0;
    while (q < e && *q == '#') {
      q++;
      hashes++;
    }
    if (hashes <= 6 && q < e && cb_node__is_space((unsigned char)*q)) {
      while (q < e && cb_node__is_space((unsigned char)*q))
        q++;
      char line[256];
      size_t n = (size_t)(e - q) < sizeof line - 1 ? (size_t)(e - q)
                                                    : sizeof line - 1;
      memcpy(line, q, n);
      line[n] = '\0';
      size_t kw = match_keyword(line, kws, "Question");
      if (kw) {
        const char *id = line + kw;
        while (cb_node__is_space((unsigned char)*id) || *id == '`')
          id++;
        const char *ie = id;
        while (cb_node__is_id_char((unsigned char)*ie))
          ie++;
        if (ie > id && cb_node__is_alnum((unsigned char)*id)) {
          char *s = cb_arena_strndup(b->ctx->arena, id, (size_t)(ie - id));
          if (!s || cb_strmap_put(&b->question_ids, s, (size_t)-1, NULL) < 0)
            b->failed = 1;
        }
      }
    }
    p = nl ? nl + 1 : end;
  }
}

int cb_extract__finish(cb_builder *b, cb_book *book) {
  book->questions = cb_node__to_arena(b, b->questions, b->n_questions,
                             sizeof *b->questions);
  book->n_questions = b->n_questions;
  book->criteria = cb_node__to_arena(b, b->criteria, b->n_criteria, sizeof *b->criteria);
  book->n_criteria = b->n_criteria;
  book->cases = cb_node__to_arena(b, b->cases, b->n_cases, sizeof *b->cases);
  book->n_cases = b->n_cases;
  book->links = cb_node__to_arena(b, b->links, b->n_links, sizeof *b->links);
  book->n_links = b->n_links;
  cb_strmap_free(&b->question_ids);
  int failed = b->failed;
  memset(b, 0, sizeof *b);
  return failed ? CB_ENOMEM : 0;
}
