/* SPDX-License-Identifier: MIT */
/*
 * fuzz_chapter: libFuzzer target for Markdown -> model -> rules. The input
 * is one chapter of a project with a small fixed chapter of questions
 * beside it, so the fuzzed text can answer them, link to them and collide
 * with their ids.
 */
#include <stddef.h>
#include <stdint.h>

#include "casebook/casebook.h"

static const char questions[] =
    "# Q\n\n## Question harm: Harmful?\n\n- type: choice\n\n"
    "| Option | Meaning |\n|---|---|\n| safe | ok |\n| harmful | bad |\n\n"
    "## Question sev: Severity\n\n- type: scale 1-5\n- when: harm ~= \"safe\"\n"
    "- scope: response\n\n## Question pref: Preference\n\n- type: pairwise\n\n"
    "## Question rank: Rank\n\n- type: rank\n\n## Criterion c: Rule\n\nProse.\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cb_source_file files[2] = {
      {"fuzz.md", (const char *)data, size},
      {"questions.md", questions, sizeof questions - 1},
  };
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  if (cb_ctx_new(&ctx, NULL) < 0)
    return 0;
  if (cb_book_load_files(&book, ctx, files, 2) == 0)
    cb_book_check(ctx, book);
  size_t n;
  cb_ctx_diags(ctx, &n);
  cb_ctx_free(ctx);
  return 0;
}
