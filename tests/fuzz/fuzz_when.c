/* SPDX-License-Identifier: MIT */
/*
 * fuzz_when: libFuzzer target for the `when` language (when.c): the
 * parser on arbitrary bytes, then, for what parses, the resolution of
 * its names and its evaluation on every case and response of a small
 * book holding every answer type. A parsed `when` is also checked for
 * the invariants the other modules rely on (children and spans inside
 * the block and the text).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "casebook/casebook.h"
#include "when.h"

static const char chapter[] =
    "# W\n\n"
    "## Question harm: Harm\n\n"
    "| Option | Meaning |\n|---|---|\n| safe | S |\n| harmful | H |\n\n"
    "## Question issues: Issues\n\n- type: multi\n- required: no\n\n"
    "| Option | Meaning |\n|---|---|\n| tone | T |\n| length | L |\n\n"
    "## Question extent: Extent\n\n- type: scale 1-5\n- required: no\n\n"
    "## Question order: Order\n\n- type: rank\n- required: no\n\n"
    "## Question better: Better\n\n- type: pairwise\n- required: no\n\n"
    "## Question note: Note\n\n- type: text\n- required: no\n\n"
    "## Question over-refusal: Over\n\n- required: no\n\n"
    "| Option | Meaning |\n|---|---|\n| yes | Y |\n| no | N |\n\n"
    "## Question acc: Accurate\n\n- scope: response\n- required: no\n\n"
    "| Option | Meaning |\n|---|---|\n| yes | Y |\n| no | N |\n\n"
    "## Case c1: Every type\n\n"
    "```prompt\nP\n```\n\n```response A\na\n```\n\n```response B\nb\n```\n\n"
    "- harm: harmful\n- issues: tone, length\n- extent: 3\n- order: B > A\n"
    "- better: A\n- note: Too long.\n- over-refusal: no\n\n"
    "| Response | acc |\n|---|---|\n| A | yes |\n| B | no |\n\nWhy.\n\n"
    "## Case c2: Few\n\n```prompt\nP\n```\n\n"
    "- harm: safe\n- issues: none\n- extent: lots\n\nWhy.\n";

static const cb_book *book;
static cb_ctx *book_ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_block(const cb_when *w, size_t len) {
  if (w->text_len != len || w->root == 0 || w->root >= w->n_nodes ||
      w->pool > w->size)
    abort();
  for (uint32_t i = 1; i < w->n_nodes; i++) {
    const cb_when_node *n = &w->nodes[i];
    if (n->a >= w->n_nodes || n->b >= w->n_nodes || n->pos > n->end ||
        n->end > len || w->pool + n->str + n->str_len > w->size)
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!book) {
    cb_source_file f = {"w.md", chapter, sizeof chapter - 1};
    if (cb_ctx_new(&book_ctx, NULL) < 0 ||
        cb_book_load_files(&book, book_ctx, &f, 1) < 0 || !book)
      abort();
  }
  cb_when *w = NULL;
  cb_when_error err;
  int rc = cb_when_parse(&w, (const char *)data, size, &err);
  if (rc == CB_ERROR && (err.pos > size || !err.msg[0]))
    abort();
  if (rc < 0)
    return 0;
  check_block(w, size);
  if (cb_when_resolve(w, book, &err) == 0) {
    char msg[256];
    for (size_t i = 0; i < book->n_cases; i++) {
      const cb_case *c = &book->cases[i];
      if (cb_when_eval_case(w, book, c, NULL, msg, sizeof msg) < 0 && !*msg)
        abort();
      for (size_t k = 0; k < c->n_inputs; k++)
        if (c->inputs[k].kind == CB_IN_RESPONSE)
          cb_when_eval_case(w, book, c, c->inputs[k].name, msg, sizeof msg);
    }
  }
  cb_free(w);
  return 0;
}
