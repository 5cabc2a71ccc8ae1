/* SPDX-License-Identifier: MIT */
/*
 * model_dump: prints the model of a project in a stable text form, for
 * the extraction tests (tests/extract/). Uses only the public API.
 *
 *   model_dump DIR
 */
#include <stdio.h>
#include <string.h>

#include "casebook/casebook.h"

static void loc(const cb_book *b, cb_loc l) {
  printf("@%s:%u:%u", l.file < b->n_files ? b->files[l.file].path : "?",
         l.line, l.col);
}

/* Prints bytes with C-style escapes so that whitespace and control bytes
 * are visible. */
static void bytes(const char *s, size_t n) {
  putchar('"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\n')
      fputs("\\n", stdout);
    else if (c == '\r')
      fputs("\\r", stdout);
    else if (c == '\t')
      fputs("\\t", stdout);
    else if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      printf("\\x%02x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void str(const char *s) {
  if (s)
    bytes(s, strlen(s));
  else
    fputs("nil", stdout);
}

static void strlist(const char *name, const cb_strlist *l) {
  if (!l->n)
    return;
  printf("    %s:", name);
  for (size_t i = 0; i < l->n; i++) {
    putchar(' ');
    str(l->items[i]);
  }
  putchar('\n');
}

static void lists(const cb_book *b, const cb_list *ls, size_t n) {
  for (size_t i = 0; i < n; i++) {
    printf("    list %s ", ls[i].issue == CB_LIST_MIXED    ? "mixed"
                           : ls[i].issue == CB_LIST_SECOND ? "second"
                                                           : "unclaimed");
    loc(b, ls[i].loc);
    for (size_t k = 0; k < ls[i].n_items; k++) {
      putchar(' ');
      str(ls[i].items[k].key);
    }
    putchar('\n');
  }
}

int main(int argc, char **argv) {
  cb_ctx *ctx;
  const cb_book *b;
  if (argc != 2) {
    fputs("usage: model_dump DIR\n", stderr);
    return 2;
  }
  if (cb_ctx_new(&ctx, NULL) < 0)
    return 3;
  if (cb_book_load(&b, ctx, argv[1]) < 0) {
    fprintf(stderr, "model_dump: %s\n", cb_ctx_error(ctx));
    cb_ctx_free(ctx);
    return 2;
  }
  for (size_t c = 0; c < b->n_chapters; c++) {
    const cb_chapter *ch = &b->chapters[c];
    printf("chapter %s slug=%s title=", ch->path, ch->slug);
    str(ch->title);
    putchar('\n');
    for (size_t h = 0; h < ch->n_headings; h++) {
      printf("  heading %d %s ", ch->headings[h].level, ch->headings[h].slug);
      loc(b, ch->headings[h].loc);
      putchar('\n');
    }
    for (size_t i = 0; i < ch->n_items; i++)
      printf("  item %d %zu\n", (int)ch->items[i].kind, ch->items[i].index);
  }
  for (size_t i = 0; i < b->n_questions; i++) {
    const cb_question *q = &b->questions[i];
    printf("question %s ", q->id);
    loc(b, q->loc);
    printf(" type=%s", cb_qtype_name(q->type));
    if (q->type == CB_Q_SCALE)
      printf(" %d-%d", q->scale_min, q->scale_max);
    printf(" required=%d scope=%s title=", q->required,
           q->scope == CB_SCOPE_RESPONSE ? "response" : "case");
    str(q->title);
    printf(" hint=");
    str(q->hint);
    putchar('\n');
    if (q->when) {
      printf("    when=");
      str(q->when);
      loc(b, q->when_loc);
      putchar('\n');
    }
    strlist("responses", &q->responses);
    for (size_t k = 0; k < q->n_options; k++) {
      const cb_option *o = &q->options[k];
      printf("    option %s ", o->id);
      loc(b, o->loc);
      printf(" meaning=");
      str(o->meaning_html);
      for (size_t a = 0; a < o->n_attrs; a++)
        printf(" %s=%s", o->attrs[a].key, o->attrs[a].value);
      putchar('\n');
    }
    printf("    guidance=");
    str(q->guidance.html);
    putchar('\n');
    lists(b, q->lists, q->n_lists);
  }
  for (size_t i = 0; i < b->n_criteria; i++) {
    const cb_criterion *c = &b->criteria[i];
    printf("criterion %s ", c->id);
    loc(b, c->loc);
    printf(" title=");
    str(c->title);
    printf(" severity=");
    str(c->severity);
    putchar('\n');
    strlist("applies-to", &c->applies_to);
    printf("    text=");
    str(c->prose.text);
    putchar('\n');
  }
  for (size_t i = 0; i < b->n_cases; i++) {
    const cb_case *c = &b->cases[i];
    printf("case %s ", c->id);
    loc(b, c->loc);
    printf(" status=%s title=", cb_status_name(c->status));
    str(c->title);
    putchar('\n');
    for (size_t k = 0; k < c->n_inputs; k++) {
      const cb_input *in = &c->inputs[k];
      printf("    input %s", cb_input_kind_name(in->kind));
      if (in->name)
        printf("[%s]", in->name);
      putchar(' ');
      loc(b, in->loc);
      putchar(' ');
      bytes(in->text, in->len);
      putchar('\n');
    }
    for (size_t k = 0; k < c->n_answers; k++) {
      const cb_answer *a = &c->answers[k];
      printf("    answer %s", a->key);
      if (a->response)
        printf("[%s]", a->response);
      printf(" = ");
      str(a->raw);
      printf(" kind=%d", (int)a->kind);
      for (size_t j = 0; j < a->n_items; j++)
        printf(" %s%s", a->tied && a->tied[j] ? "=" : "", a->items[j]);
      if (a->kind == CB_V_NUMBER)
        printf(" number=%lld", a->number);
      if (a->kind == CB_V_PAIRWISE)
        printf(" strength=%d", a->strength);
      if (a->error)
        printf(" error=\"%s\"", a->error);
      putchar(' ');
      loc(b, a->key_loc);
      loc(b, a->value_loc);
      putchar('\n');
    }
    strlist("criteria", &c->criteria);
    strlist("tags", &c->tags);
    printf("    rationale=");
    str(c->rationale.text);
    putchar('\n');
    lists(b, c->lists, c->n_lists);
  }
  for (size_t i = 0; i < b->n_links; i++) {
    const cb_link *l = &b->links[i];
    printf("link %d ", (int)l->kind);
    str(l->url);
    printf(" -> ");
    str(l->href);
    putchar(' ');
    loc(b, l->loc);
    putchar('\n');
  }
  cb_diag_print(stdout, ctx, CB_FMT_GCC, 0);
  cb_ctx_free(ctx);
  return 0;
}
