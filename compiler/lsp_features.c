/* SPDX-License-Identifier: MIT */
/*
 * lsp_features.c: the language server's answers about a place in a
 * document, from the book of the current texts (cb_lsp__fresh): go to
 * definition and hover on a link (case:, question:, criterion:,
 * option:q/o), on an answer's key or value in a property list or a
 * Response table, and on a case's criteria; completion of question ids
 * as keys, option ids as values and element ids in links; document and
 * workspace symbols; and code actions carrying the fixes `check --fix`
 * applies (fix.c's edits).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "fix.h"
#include "lsp.h"

/* What a place points at: at most one of these is set (an option with
 * its question). */
typedef struct target {
  const cb_question *q;
  const cb_option *o;
  const cb_criterion *cr;
  const cb_case *c;
} target;

/* A place in a document of the book: its file and text, the 1-based line
 * and byte column, the byte offset. */
typedef struct place {
  uint32_t file;
  const cb_file *f;
  size_t at;
  uint32_t line, col;
} place;

/* The index in the book's files of the open document params names
 * (textDocument.uri, in *uri when uri is not NULL), or UINT32_MAX. */
static uint32_t doc_file(cb_lsp *s, json_t *params, const char **uri) {
  json_t *td = json_object_get(params, "textDocument");
  const char *u = json_string_value(json_object_get(td, "uri"));
  lsp_doc *d = u ? cb_lsp__doc(s, u) : NULL;
  if (uri)
    *uri = u;
  return d && s->book ? cb_lsp__file_index(s, d->path) : UINT32_MAX;
}

/* Finds the place of params (textDocument + position). 0, or -1 when the
 * document is not a file of the book. */
static int find_place(cb_lsp *s, json_t *params, place *p) {
  p->file = doc_file(s, params, NULL);
  if (p->file == UINT32_MAX)
    return -1;
  p->f = &s->book->files[p->file];
  json_t *pos = json_object_get(params, "position");
  json_int_t l = json_integer_value(json_object_get(pos, "line")),
             c = json_integer_value(json_object_get(pos, "character"));
  if (l < 0 || c < 0 || l > UINT32_MAX || c > UINT32_MAX)
    return -1;
  p->at = cb_lsp__offset(p->f->text, p->f->len, (uint32_t)l, (uint32_t)c);
  size_t start = cb_lsp__line_start(p->f->text, p->f->len, (uint32_t)l);
  if (start == SIZE_MAX)
    return -1;
  p->line = (uint32_t)l + 1;
  p->col = (uint32_t)(p->at - start) + 1;
  return 0;
}

static int id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         (unsigned char)c >= 0x80;
}

/* Is the place within loc (a range, or the id-like word loc starts)? The
 * column just past the end counts: a cursor after the last character. */
static int within(const cb_loc *loc, const place *p) {
  if (!loc->line || p->line < loc->line)
    return 0;
  if (!loc->end_line) {
    if (p->line != loc->line || p->col < loc->col)
      return 0;
    size_t at = cb_lsp__loc_offset(p->f->text, p->f->len, loc->line, loc->col);
    size_t end = at;
    while (at != SIZE_MAX && end < p->f->len && id_char(p->f->text[end]))
      end++;
    return at != SIZE_MAX && p->col <= loc->col + (end - at);
  }
  if (p->line > loc->end_line)
    return 0;
  if (p->line == loc->line && p->col < loc->col)
    return 0;
  return p->line < loc->end_line || p->col <= loc->end_col + 1;
}

/* The id-like word around the place, cb_malloc'd, or NULL. */
static char *word_at(const place *p) {
  size_t a = p->at, b = p->at;
  while (a > 0 && id_char(p->f->text[a - 1]))
    a--;
  while (b < p->f->len && id_char(p->f->text[b]))
    b++;
  if (a == b)
    return NULL;
  char *w = cb_malloc(b - a + 1);
  if (w) {
    memcpy(w, p->f->text + a, b - a);
    w[b - a] = '\0';
  }
  return w;
}

/* The option of q named by the word at the place, else q itself. */
static target option_or_question(const cb_question *q, const place *p) {
  target t = {q, NULL, NULL, NULL};
  char *w = word_at(p);
  if (w)
    t.o = cb_question_option(q, w);
  cb_free(w);
  return t;
}

/* What the place points at: a link, an answer's key or value, a
 * criterion named by a case, a question named by a criterion's
 * applies-to. */
static target target_at(const cb_lsp *s, const place *p) {
  const cb_book *b = s->book;
  target t = {0};
  for (size_t i = 0; i < b->n_links; i++) {
    const cb_link *l = &b->links[i];
    if (l->loc.file != p->file || !within(&l->loc, p) || !l->target)
      continue;
    if (l->kind == CB_LINK_CASE)
      t.c = cb_book_case(b, l->target);
    else if (l->kind == CB_LINK_QUESTION)
      t.q = cb_book_question(b, l->target);
    else if (l->kind == CB_LINK_CRITERION)
      t.cr = cb_book_criterion(b, l->target);
    else if (l->kind == CB_LINK_OPTION) {
      const char *slash = strchr(l->target, '/');
      char *qid = slash ? cb_malloc((size_t)(slash - l->target) + 1) : NULL;
      if (qid) {
        memcpy(qid, l->target, (size_t)(slash - l->target));
        qid[slash - l->target] = '\0';
        t.q = cb_book_question(b, qid);
        t.o = t.q ? cb_question_option(t.q, slash + 1) : NULL;
        cb_free(qid);
      }
    }
    if (t.c || t.q || t.cr)
      return t;
  }
  for (size_t i = 0; i < b->n_cases; i++) {
    const cb_case *c = &b->cases[i];
    if (c->loc.file != p->file)
      continue;
    for (size_t k = 0; k < c->n_answers; k++) {
      const cb_answer *a = &c->answers[k];
      if (a->question < 0)
        continue;
      const cb_question *q = &b->questions[a->question];
      if (within(&a->value_loc, p))
        return option_or_question(q, p);
      if (within(&a->key_loc, p))
        return (target){q, NULL, NULL, NULL};
    }
    for (size_t k = 0; c->criteria.locs && k < c->criteria.n; k++)
      if (within(&c->criteria.locs[k], p) &&
          (t.cr = cb_book_criterion(b, c->criteria.items[k])))
        return t;
  }
  for (size_t i = 0; i < b->n_criteria; i++) {
    const cb_strlist *l = &b->criteria[i].applies_to;
    for (size_t k = 0;
         b->criteria[i].loc.file == p->file && l->locs && k < l->n; k++)
      if (within(&l->locs[k], p) && (t.q = cb_book_question(b, l->items[k])))
        return t;
  }
  return t;
}

/* The location (uri + the heading's line) of an element at loc. */
static json_t *location(cb_lsp *s, const cb_loc *loc) {
  if (loc->file >= s->book->n_files)
    return NULL;
  const cb_file *f = &s->book->files[loc->file];
  const char *uri = cb_lsp__uri_of(s, f->path);
  size_t a = cb_lsp__loc_offset(f->text, f->len, loc->line, loc->col);
  size_t e = cb_lsp__loc_offset(f->text, f->len, loc->line, UINT32_MAX);
  if (!uri || a == SIZE_MAX)
    return NULL;
  return json_pack("{s:s,s:o}", "uri", uri, "range",
                   cb_lsp__range(f->text, f->len, a, e));
}

static const cb_loc *target_loc(const target *t) {
  return t->o    ? &t->o->loc
         : t->q  ? &t->q->loc
         : t->cr ? &t->cr->loc
         : t->c  ? &t->c->loc
                 : NULL;
}

static json_t *definition(cb_lsp *s, json_t *params) {
  place p;
  if (find_place(s, params, &p) < 0)
    return json_null();
  target t = target_at(s, &p);
  const cb_loc *loc = target_loc(&t);
  json_t *l = loc ? location(s, loc) : NULL;
  return l ? l : json_null();
}

/* ---- hover --------------------------------------------------------------- */

static void put_text(cb_buf *b, const char *s) {
  /* one line of the model's plain text, as Markdown shows it */
  for (; s && *s; s++)
    cb_buf_putc(b, *s == '\n' ? ' ' : *s);
}

static void hover_question(cb_buf *b, const cb_question *q) {
  cb_buf_printf(b, "**Question `%s`**", q->id);
  if (q->title && *q->title) {
    cb_buf_puts(b, ": ");
    put_text(b, q->title);
  }
  cb_buf_printf(b, "\n\ntype: `%s`", cb_qtype_name(q->type));
  if (q->type == CB_Q_SCALE)
    cb_buf_printf(b, " %d-%d", q->scale_min, q->scale_max);
  cb_buf_printf(b, ", scope: %s%s",
                q->scope == CB_SCOPE_RESPONSE ? "response" : "case",
                q->required ? ", required" : "");
  if (q->when)
    cb_buf_printf(b, ", when: `%s`", q->when);
  if (q->n_options)
    cb_buf_puts(b, "\n\noptions:\n");
  for (size_t i = 0; i < q->n_options; i++) {
    cb_buf_printf(b, "\n- `%s`: ", q->options[i].id);
    put_text(b, q->options[i].meaning_text);
  }
}

static json_t *hover(cb_lsp *s, json_t *params) {
  place p;
  if (find_place(s, params, &p) < 0)
    return json_null();
  target t = target_at(s, &p);
  cb_buf b = {0};
  if (t.o) {
    cb_buf_printf(&b, "**Option `%s`** of question `%s`", t.o->id, t.q->id);
    if (t.q->title && *t.q->title) {
      cb_buf_puts(&b, " (");
      put_text(&b, t.q->title);
      cb_buf_putc(&b, ')');
    }
    cb_buf_puts(&b, "\n\n");
    put_text(&b, t.o->meaning_text);
  } else if (t.q) {
    hover_question(&b, t.q);
  } else if (t.cr || t.c) {
    cb_buf_printf(&b, "**%s `%s`**: ", t.cr ? "Criterion" : "Case",
                  t.cr ? t.cr->id : t.c->id);
    put_text(&b, t.cr ? t.cr->title : t.c->title);
  } else {
    return json_null();
  }
  json_t *r = b.failed
                  ? NULL
                  : json_pack("{s:{s:s,s:o*}}", "contents", "kind", "markdown",
                              "value", cb_lsp__string(b.data, b.len));
  cb_buf_free(&b);
  return r ? r : json_null();
}

/* ---- completion ---------------------------------------------------------- */

/* LSP's CompletionItemKind. */
enum {
  K_FIELD = 5,
  K_MODULE = 9,
  K_PROPERTY = 10,
  K_VALUE = 12,
  K_ENUM = 13,
  K_KEYWORD = 14,
  K_REFERENCE = 18,
  K_MEMBER = 20,
  K_STRUCT = 22
};

typedef struct completer {
  cb_lsp *s;
  const place *p;
  size_t from; /* where the word being completed starts */
  json_t *items;
} completer;

static void offer(completer *c, const char *label, int kind,
                  const char *detail) {
  const cb_file *f = c->p->f;
  json_t *edit = json_pack("{s:o,s:s}", "range",
                           cb_lsp__range(f->text, f->len, c->from, c->p->at),
                           "newText", label);
  json_t *it = json_pack("{s:s,s:i,s:o*}", "label", label, "kind", kind,
                         "textEdit", edit);
  if (it && detail)
    json_object_set_new(it, "detail", cb_lsp__string(detail, strlen(detail)));
  if (it)
    json_array_append_new(c->items, it);
}

static void offer_options(completer *c, const cb_question *q) {
  for (size_t i = 0; q && i < q->n_options; i++)
    offer(c, q->options[i].id, K_MEMBER, q->options[i].meaning_text);
  if (q && q->type == CB_Q_MULTI)
    offer(c, "none", K_KEYWORD, "no option");
}

static void offer_questions(completer *c) {
  for (size_t i = 0; i < c->s->book->n_questions; i++)
    offer(c, c->s->book->questions[i].id, K_FIELD,
          c->s->book->questions[i].title);
}

/* A link's target being written: "(case:", "(question:", "(criterion:",
 * "(option:q/". Returns 1 when the place is in one. */
static int complete_link(completer *c, const char *line, size_t n) {
  size_t k = n;
  while (k > 0 && line[k - 1] != '(' && line[k - 1] != ')' &&
         line[k - 1] != ' ')
    k--;
  if (k == 0 || line[k - 1] != '(')
    return 0;
  const char *t = line + k;
  size_t tn = n - k;
  const cb_book *b = c->s->book;
  static const char *const schemes[] = {
      "case:", "question:", "criterion:", "option:"};
  int which = -1;
  for (int i = 0; i < 4; i++)
    if (tn >= strlen(schemes[i]) &&
        strncmp(t, schemes[i], strlen(schemes[i])) == 0)
      which = i;
  if (which < 0)
    return 0;
  size_t skip = strlen(schemes[which]);
  c->from = c->p->at - (tn - skip);
  if (which == 0)
    for (size_t i = 0; i < b->n_cases; i++)
      offer(c, b->cases[i].id, K_STRUCT, b->cases[i].title);
  else if (which == 1)
    offer_questions(c);
  else if (which == 2)
    for (size_t i = 0; i < b->n_criteria; i++)
      offer(c, b->criteria[i].id, K_ENUM, b->criteria[i].title);
  else {
    const char *slash = memchr(t + skip, '/', tn - skip);
    if (!slash) {
      offer_questions(c);
      return 1;
    }
    char *qid = cb_malloc((size_t)(slash - (t + skip)) + 1);
    if (!qid)
      return 1;
    memcpy(qid, t + skip, (size_t)(slash - (t + skip)));
    qid[slash - (t + skip)] = '\0';
    c->from = c->p->at - (size_t)(t + tn - slash - 1);
    offer_options(c, cb_book_question(b, qid));
    cb_free(qid);
  }
  return 1;
}

/* The key as the compiler reads it: lower case, ' ' and '_' as '-',
 * trimmed; cb_malloc'd. */
static char *norm_key(const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t'))
    s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  char *k = cb_malloc(n + 1);
  if (!k)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    k[i] = ch == ' ' || ch == '_'   ? '-'
           : ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a')
                                    : ch;
  }
  k[n] = '\0';
  return k;
}

/* The kind of the element whose section holds the place: 'q', 'r'
 * (criterion), 'c' (case), or 0. */
static int section_kind(const cb_lsp *s, const place *p) {
  const cb_book *b = s->book;
  uint32_t best = 0;
  int kind = 0;
  for (size_t i = 0; i < b->n_questions; i++)
    if (b->questions[i].loc.file == p->file &&
        b->questions[i].loc.line <= p->line && b->questions[i].loc.line > best)
      best = b->questions[i].loc.line, kind = 'q';
  for (size_t i = 0; i < b->n_criteria; i++)
    if (b->criteria[i].loc.file == p->file &&
        b->criteria[i].loc.line <= p->line && b->criteria[i].loc.line > best)
      best = b->criteria[i].loc.line, kind = 'r';
  for (size_t i = 0; i < b->n_cases; i++)
    if (b->cases[i].loc.file == p->file && b->cases[i].loc.line <= p->line &&
        b->cases[i].loc.line > best)
      best = b->cases[i].loc.line, kind = 'c';
  return kind;
}

/* The value of key being written after "key: ". */
static void complete_value(completer *c, const char *key) {
  const cb_book *b = c->s->book;
  if (strcmp(key, "applies-to") == 0) {
    offer_questions(c);
  } else if (strcmp(key, "criteria") == 0) {
    for (size_t i = 0; i < b->n_criteria; i++)
      offer(c, b->criteria[i].id, K_ENUM, b->criteria[i].title);
  } else if (strcmp(key, "status") == 0) {
    for (int i = CB_STATUS_FINAL; i <= CB_STATUS_DISPUTED; i++)
      offer(c, cb_status_name((cb_status)i), K_VALUE, NULL);
  } else if (strcmp(key, "type") == 0) {
    for (int i = CB_Q_CHOICE; i <= CB_Q_TEXT; i++)
      offer(c, cb_qtype_name((cb_qtype)i), K_VALUE, NULL);
  } else if (strcmp(key, "scope") == 0) {
    offer(c, "case", K_VALUE, NULL);
    offer(c, "response", K_VALUE, NULL);
  } else {
    offer_options(c, cb_book_question(b, key));
  }
}

/* A property list item: "- key" (a key) or "- key: va" (a value). */
static int complete_property(completer *c, const char *line, size_t n) {
  size_t k = 0;
  while (k < n && (line[k] == ' ' || line[k] == '\t'))
    k++;
  if (k + 1 >= n || (line[k] != '-' && line[k] != '*' && line[k] != '+') ||
      line[k + 1] != ' ')
    return 0;
  k += 2;
  const char *colon = memchr(line + k, ':', n - k);
  int kind = section_kind(c->s, c->p);
  if (!colon) {
    c->from = c->p->at - (n - k);
    const char *const *keys = kind == 'q'   ? cb_model__question_keys
                              : kind == 'r' ? cb_model__criterion_keys
                                            : cb_model__case_keys;
    if (kind == 'c' || kind == 0)
      offer_questions(c);
    for (size_t i = 0; keys[i]; i++)
      offer(c, keys[i], K_PROPERTY, NULL);
    return 1;
  }
  char *key = norm_key(line + k, (size_t)(colon - (line + k)));
  if (!key)
    return 1;
  size_t w = n;
  while (w > (size_t)(colon - line) + 1 && line[w - 1] != ' ' &&
         line[w - 1] != ',' && line[w - 1] != ':')
    w--;
  c->from = c->p->at - (n - w);
  complete_value(c, key);
  cb_free(key);
  return 1;
}

/* A cell of a Response table: the header cell of its column names the
 * question (the header row itself gets question ids). */
static int complete_table(completer *c, const char *line, size_t n) {
  if (!n || line[0] != '|')
    return 0;
  size_t column = 0, w = n;
  for (size_t i = 0; i < n; i++)
    column += line[i] == '|';
  while (w > 0 && line[w - 1] != '|' && line[w - 1] != ' ' &&
         line[w - 1] != ',')
    w--;
  c->from = c->p->at - (n - w);
  /* the table's first line: up while the lines start with '|' */
  const char *text = c->p->f->text;
  size_t start = (size_t)(line - text);
  while (start > 0) {
    size_t prev = start - 1;
    while (prev > 0 && text[prev - 1] != '\n')
      prev--;
    if (text[prev] != '|')
      break;
    start = prev;
  }
  if (start == (size_t)(line - text) || column < 2) {
    if (column >= 2)
      offer_questions(c);
    return 1;
  }
  /* the header cell number `column` (1 is the first, Response) */
  size_t at = start, seen = 0;
  while (at < c->p->f->len && text[at] != '\n' && seen < column)
    seen += text[at++] == '|';
  size_t end = at;
  while (end < c->p->f->len && text[end] != '|' && text[end] != '\n')
    end++;
  char *key = norm_key(text + at, end - at);
  if (key)
    offer_options(c, cb_book_question(c->s->book, key));
  cb_free(key);
  return 1;
}

static json_t *completion(cb_lsp *s, json_t *params) {
  place p;
  if (find_place(s, params, &p) < 0)
    return json_null();
  completer c = {s, &p, p.at, json_array()};
  if (!c.items)
    return NULL;
  size_t start = p.at - (p.col - 1);
  const char *line = p.f->text + start;
  size_t n = p.col - 1;
  if (!complete_link(&c, line, n) && !complete_property(&c, line, n))
    complete_table(&c, line, n);
  return json_pack("{s:b,s:o}", "isIncomplete", 0, "items", c.items);
}

/* ---- symbols ------------------------------------------------------------- */

/* LSP's SymbolKind. */
enum {
  S_MODULE = 2,
  S_ENUM = 10,
  S_INTERFACE = 11,
  S_STRUCT = 23,
  S_MEMBER = 22
};

typedef struct elem {
  const char *id, *title;
  const cb_loc *loc;
  int kind;
  const cb_question *q;
} elem;

static int cmp_element(const void *a, const void *b) {
  const elem *x = a, *y = b;
  return x->loc->line < y->loc->line ? -1 : x->loc->line > y->loc->line;
}

/* The elements of the book in file, or in every file (UINT32_MAX), in
 * *out (cb_malloc'd), sorted by line. */
static size_t elements(const cb_book *b, uint32_t file, elem **out) {
  size_t n = b->n_questions + b->n_criteria + b->n_cases, k = 0;
  elem *e = cb_calloc(n + 1, sizeof *e);
  *out = e;
  if (!e)
    return 0;
  for (size_t i = 0; i < b->n_questions; i++)
    if (file == UINT32_MAX || b->questions[i].loc.file == file)
      e[k++] = (elem){b->questions[i].id, b->questions[i].title,
                      &b->questions[i].loc, S_ENUM, &b->questions[i]};
  for (size_t i = 0; i < b->n_criteria; i++)
    if (file == UINT32_MAX || b->criteria[i].loc.file == file)
      e[k++] = (elem){b->criteria[i].id, b->criteria[i].title,
                      &b->criteria[i].loc, S_INTERFACE, NULL};
  for (size_t i = 0; i < b->n_cases; i++)
    if (file == UINT32_MAX || b->cases[i].loc.file == file)
      e[k++] = (elem){b->cases[i].id, b->cases[i].title, &b->cases[i].loc,
                      S_STRUCT, NULL};
  if (file != UINT32_MAX && k > 1)
    qsort(e, k, sizeof *e, cmp_element);
  return k;
}

static json_t *symbol(const cb_file *f, const char *name, const char *detail,
                      int kind, size_t from, size_t to, size_t sel_from,
                      size_t sel_to) {
  json_t *sym = json_pack(
      "{s:o*,s:i,s:o,s:o}", "name", cb_lsp__string(name, strlen(name)), "kind",
      kind, "range", cb_lsp__range(f->text, f->len, from, to), "selectionRange",
      cb_lsp__range(f->text, f->len, sel_from, sel_to));
  if (sym && detail && *detail)
    json_object_set_new(sym, "detail", cb_lsp__string(detail, strlen(detail)));
  return sym;
}

static json_t *document_symbols(cb_lsp *s, json_t *params) {
  uint32_t file = doc_file(s, params, NULL);
  if (file == UINT32_MAX)
    return json_null();
  const cb_book *b = s->book;
  const cb_file *f = &b->files[file];
  const cb_chapter *ch = NULL;
  for (size_t i = 0; i < b->n_chapters; i++)
    if (b->chapters[i].file == file)
      ch = &b->chapters[i];
  json_t *out = json_array();
  if (!ch || !out)
    return out ? out : json_null();
  elem *e;
  size_t n = elements(b, file, &e);
  json_t *children = json_array();
  for (size_t i = 0; i < n && children; i++) {
    size_t from = cb_lsp__loc_offset(f->text, f->len, e[i].loc->line, 1);
    size_t head =
        cb_lsp__loc_offset(f->text, f->len, e[i].loc->line, UINT32_MAX);
    size_t to = i + 1 < n
                    ? cb_lsp__loc_offset(f->text, f->len, e[i + 1].loc->line, 1)
                    : f->len;
    if (from == SIZE_MAX || head == SIZE_MAX || to == SIZE_MAX)
      continue;
    json_t *sym =
        symbol(f, e[i].id, e[i].title, e[i].kind, from, to, from, head);
    if (sym && e[i].q && e[i].q->n_options) {
      json_t *opts = json_array();
      for (size_t k = 0; opts && k < e[i].q->n_options; k++) {
        const cb_option *o = &e[i].q->options[k];
        size_t oa = cb_lsp__loc_offset(f->text, f->len, o->loc.line, 1);
        size_t oe =
            cb_lsp__loc_offset(f->text, f->len, o->loc.line, UINT32_MAX);
        if (o->loc.file == file && oa != SIZE_MAX && oa >= from && oe <= to)
          json_array_append_new(opts, symbol(f, o->id, o->meaning_text,
                                             S_MEMBER, oa, oe, oa, oe));
      }
      json_object_set_new(sym, "children", opts);
    }
    if (sym)
      json_array_append_new(children, sym);
  }
  cb_free(e);
  size_t head = cb_lsp__loc_offset(f->text, f->len, 1, UINT32_MAX);
  json_t *chapter = symbol(f, ch->title, ch->path, S_MODULE, 0, f->len, 0,
                           head == SIZE_MAX ? 0 : head);
  if (chapter) {
    json_object_set_new(chapter, "children", children);
    json_array_append_new(out, chapter);
  } else {
    json_decref(children);
  }
  return out;
}

/* Does text hold query, ASCII case folded? */
static int matches(const char *text, const char *query) {
  size_t n = strlen(query);
  for (; text && *text; text++)
    if (strncasecmp(text, query, n) == 0)
      return 1;
  return !*query;
}

static json_t *workspace_symbols(cb_lsp *s, json_t *params) {
  const char *query = json_string_value(json_object_get(params, "query"));
  const cb_book *b = s->book;
  json_t *out = json_array();
  elem *e;
  size_t n = elements(b, UINT32_MAX, &e);
  for (size_t i = 0; i < n && out; i++) {
    if (query && !matches(e[i].id, query) && !matches(e[i].title, query))
      continue;
    json_t *loc = location(s, e[i].loc);
    const cb_file *f = &b->files[e[i].loc->file];
    const char *container = f->path;
    for (size_t k = 0; k < b->n_chapters; k++)
      if (b->chapters[k].file == e[i].loc->file)
        container = b->chapters[k].title;
    if (loc)
      json_array_append_new(
          out, json_pack("{s:o*,s:i,s:o,s:o*}", "name",
                         cb_lsp__string(e[i].id, strlen(e[i].id)), "kind",
                         e[i].kind, "location", loc, "containerName",
                         cb_lsp__string(container, strlen(container))));
  }
  cb_free(e);
  return out ? out : json_null();
}

/* ---- code actions -------------------------------------------------------- */

static json_t *text_edit(const cb_file *f, const cb_fix_edit *e) {
  return json_pack(
      "{s:o,s:o*}", "range",
      cb_lsp__range(f->text, f->len, e->at, e->at + (e->end - e->start)),
      "newText", cb_lsp__string(e->text, strlen(e->text)));
}

static json_t *action(const char *title, const char *kind, const char *uri,
                      json_t *edits) {
  return json_pack("{s:o*,s:s,s:{s:{s:o}}}", "title",
                   cb_lsp__string(title, strlen(title)), "kind", kind, "edit",
                   "changes", uri, edits);
}

static json_t *code_actions(cb_lsp *s, json_t *params) {
  const char *uri;
  uint32_t file = doc_file(s, params, &uri);
  if (file == UINT32_MAX)
    return json_null();
  const cb_file *f = &s->book->files[file];
  json_t *range = json_object_get(params, "range");
  json_int_t l0 = json_integer_value(
                 json_object_get(json_object_get(range, "start"), "line")),
             l1 = json_integer_value(
                 json_object_get(json_object_get(range, "end"), "line"));
  cb_fix_edit *e = NULL;
  size_t n = 0;
  if (cb_fix__edits(s->ctx, s->book, 1, &e, &n) < 0)
    return NULL;
  json_t *out = json_array();
  json_t *all = json_array();
  size_t n_all = 0, last_end = 0;
  for (size_t i = 0; i < n && out && all; i++) {
    if (e[i].file != file)
      continue;
    if (!n_all || e[i].at >= last_end) {
      json_array_append_new(all, text_edit(f, &e[i]));
      last_end = e[i].at + (e[i].end - e[i].start);
      n_all++;
    }
    if ((json_int_t)e[i].line - 1 < l0 || (json_int_t)e[i].line - 1 > l1)
      continue;
    cb_buf title = {0};
    cb_buf_printf(&title, "Replace '%.*s' with '%s' [%s]",
                  (int)(e[i].end - e[i].start), f->text + e[i].at, e[i].text,
                  e[i].diag->rule ? e[i].diag->rule : "");
    json_t *edits = json_array();
    json_array_append_new(edits, text_edit(f, &e[i]));
    json_t *a = title.failed
                    ? NULL
                    : action(cb_buf_cstr(&title), "quickfix", uri, edits);
    cb_buf_free(&title);
    if (a) {
      json_t *d = cb_lsp__diag_json(e[i].diag, f->text, f->len);
      json_object_set_new(a, "diagnostics", d ? json_pack("[o]", d) : NULL);
      json_object_set_new(a, "isPreferred", json_true());
      json_array_append_new(out, a);
    }
  }
  cb_free(e);
  if (out && n_all > 1) {
    json_t *a = action("Apply every suggested fix in this file",
                       "source.fixAll", uri, all);
    if (a)
      json_array_append_new(out, a);
  } else {
    json_decref(all);
  }
  return out ? out : json_null();
}

/* ---- dispatch ------------------------------------------------------------ */

int cb_lsp__request(cb_lsp *s, const char *method, json_t *params,
                    json_t **result, const char **message) {
  static const struct {
    const char *method;
    json_t *(*run)(cb_lsp *s, json_t *params);
  } requests[] = {
      {"textDocument/definition", definition},
      {"textDocument/hover", hover},
      {"textDocument/completion", completion},
      {"textDocument/documentSymbol", document_symbols},
      {"workspace/symbol", workspace_symbols},
      {"textDocument/codeAction", code_actions},
  };
  *result = NULL;
  *message = NULL;
  for (size_t i = 0; i < sizeof requests / sizeof *requests; i++) {
    if (strcmp(method, requests[i].method) != 0)
      continue;
    if (!params) {
      *message = "the request has no params object";
      return LSP_INVALID_PARAMS;
    }
    if (cb_lsp__fresh(s) < 0 && s->root) {
      *message = "the project cannot be read (see the server's log)";
      return LSP_REQUEST_FAILED;
    }
    if (!s->book) { /* no project yet: nothing is known */
      *result = json_null();
      return 0;
    }
    if (!(*result = requests[i].run(s, params))) {
      *message = "out of memory";
      return LSP_INTERNAL_ERROR;
    }
    return 0;
  }
  return 1;
}
