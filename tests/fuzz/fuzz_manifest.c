/* SPDX-License-Identifier: MIT */
/*
 * fuzz_manifest: libFuzzer target for casebook.lua, the manifest run as
 * data in the Lua sandbox, and its effect on loading and checking.
 */
#include <stddef.h>
#include <stdint.h>

#include "casebook/casebook.h"

static const char chapter[] =
    "# T\n\n## Question q: Q\n\n| Option | Meaning |\n|---|---|\n| a | A |\n\n"
    "## Case x: X\n\n```prompt\nhi\n```\n\n- q: a\n\nWhy.\n\n"
    "## 案例 y: Y\n\n- q: b\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cb_source_file files[2] = {
      {"casebook.lua", (const char *)data, size},
      {"a.md", chapter, sizeof chapter - 1},
  };
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  if (cb_ctx_new(&ctx, NULL) < 0)
    return 0;
  if (cb_book_load_files(&book, ctx, files, 2) == 0)
    cb_book_check(ctx, book);
  cb_ctx_free(ctx);
  return 0;
}
