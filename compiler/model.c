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
