/* SPDX-License-Identifier: MIT */
/*
 * model.c: lookups and names over a loaded book (cb_book_question,
 * cb_question_option, cb_qtype_name, the book's title, ...). They only
 * read the model, so the resolver, the versions, the rules and every
 * writer can use them without reaching up into the loader (book.c).
 */
#include "model.h"

#include <string.h>
#include <strings.h>

#include "suggest.h"

const char *cb_qtype_name(cb_qtype t) {
  static const char *const names[] = {"choice", "multi", "scale",
                                      "rank",   "pairwise", "text"};
  return (unsigned)t < 6 ? names[t] : "choice";
}

const char *cb_input_kind_name(cb_input_kind k) {
  static const char *const names[] = {"prompt", "response", "system",
                                      "context", "user", "assistant"};
  return (unsigned)k < 6 ? names[k] : "prompt";
}

const char *cb_status_name(cb_status s) {
  static const char *const names[] = {"final", "draft", "disputed"};
  return (unsigned)s < 3 ? names[s] : "final";
}

const cb_question *cb_book_question(const cb_book *book, const char *id) {
  for (size_t i = 0; i < book->n_questions; i++)
    if (strcmp(book->questions[i].id, id) == 0)
      return &book->questions[i];
  return NULL;
}

const cb_criterion *cb_book_criterion(const cb_book *book, const char *id) {
  for (size_t i = 0; i < book->n_criteria; i++)
    if (strcmp(book->criteria[i].id, id) == 0)
      return &book->criteria[i];
  return NULL;
}

const cb_case *cb_book_case(const cb_book *book, const char *id) {
  for (size_t i = 0; i < book->n_cases; i++)
    if (strcmp(book->cases[i].id, id) == 0)
      return &book->cases[i];
  return NULL;
}

const cb_option *cb_question_option(const cb_question *q, const char *id) {
  for (size_t i = 0; i < q->n_options; i++)
    if (strcmp(q->options[i].id, id) == 0)
      return &q->options[i];
  return NULL;
}

const char *cb_model__title(const cb_book *book) {
  if (book->manifest.title && *book->manifest.title)
    return book->manifest.title;
  if (book->n_chapters && book->chapters[0].title && *book->chapters[0].title)
    return book->chapters[0].title;
  return "Casebook";
}

const char *const cb_model__question_keys[] = {
    "type", "required", "when", "hint", "responses", "scope", "min-replies",
    NULL};
const char *const cb_model__criterion_keys[] = {"applies-to", "severity",
                                                "points", NULL};
const char *const cb_model__case_keys[] = {"criteria", "tags", "status",
                                           "source", "use",  NULL};

/* Is key (not "type") one typo from "type"? */
static int near_type(const char *key) {
  return key && strcmp(key, "type") != 0 &&
         cb_suggest__distance(key, strlen(key), "type", 4) <= 1;
}

int cb_model__type_misread(const cb_question *q) {
  static const char *const plain[] = {"choice", "multi", "rank", "pairwise",
                                      "text"};
  if (q->type_raw) {
    if (q->type == CB_Q_SCALE)
      return 0;
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
      if (strcasecmp(q->type_raw, plain[i]) == 0)
        return 0;
    return 1;
  }
  for (size_t i = 0; i < q->n_props; i++)
    if (near_type(q->props[i].key))
      return 1;
  for (size_t i = 0; i < q->n_lists; i++)
    for (size_t j = 0; j < q->lists[i].n_items; j++)
      if (near_type(q->lists[i].items[j].key))
        return 1;
  return 0;
}

const char *cb_model__only_response(const cb_case *c) {
  const char *name = NULL;
  for (size_t i = 0; i < c->n_inputs; i++) {
    if (c->inputs[i].kind != CB_IN_RESPONSE)
      continue;
    if (name)
      return NULL;
    name = c->inputs[i].name ? c->inputs[i].name : "";
  }
  return name;
}

const char *cb_use_name(cb_use u) {
  static const char *const names[] = {"training", "exam", "honeypot"};
  return (unsigned)u < 3 ? names[u] : "training";
}

int cb_use_parse(const char *name) {
  for (int u = CB_USE_TRAINING; name && u <= CB_USE_HONEYPOT; u++)
    if (strcasecmp(name, cb_use_name((cb_use)u)) == 0)
      return u;
  return -1;
}

cb_use cb_case_use(const cb_book *book, const cb_case *c) {
  /* the first `use` of the property list, as for every other key */
  int use = -1;
  for (size_t i = 0; i < c->n_props; i++)
    if (c->props[i].key && strcmp(c->props[i].key, "use") == 0) {
      use = cb_use_parse(c->props[i].value);
      break;
    }
  if (use < 0 && c->chapter < book->n_chapters)
    use = cb_use_parse(book->chapters[c->chapter].use);
  if (use < 0)
    use = cb_use_parse(book->manifest.use);
  return use < 0 ? CB_USE_TRAINING : (cb_use)use;
}
