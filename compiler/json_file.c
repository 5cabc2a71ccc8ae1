/* SPDX-License-Identifier: MIT */
/*
 * json_file.c: whole JSON files of a build: a text from json_out.c's
 * writer, or a jansson tree dumped as jansson would, written atomically
 * through output.c. Out of memory while the text was built is told here,
 * as an error of the context, so that json_out.c stays free of both.
 */
#include "json_file.h"

#include "json_out.h"
#include "output.h"

int cb_json_file__write_text(cb_ctx *ctx, const char *path, cb_buf *text) {
  int err;
  cb_buf_putc(text, '\n');
  if (!path || text->failed)
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  else
    err = cb_output__file(ctx, path, text->data, text->len,
                          CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME);
  cb_buf_free(text);
  return err;
}

int cb_json_file__write(cb_ctx *ctx, const char *path, const json_t *root) {
  cb_buf text = {0};
  if (!root || cb_json__dump(&text, root, 2) < 0)
    text.failed = 1;
  return cb_json_file__write_text(ctx, path, &text);
}
