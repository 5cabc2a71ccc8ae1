/* SPDX-License-Identifier: MIT */
/*
 * fuzz_lsp: libFuzzer target for `casebook lsp`: the input is what a
 * client writes (framed messages, or anything), served by cb_lsp_serve
 * from a temporary file to /dev/null. The seed is a whole session on a
 * document outside any project (checked from memory: no directory read).
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "casebook/casebook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int null_fd = -1;
  if (null_fd < 0)
    null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  FILE *in = tmpfile();
  if (!in)
    return 0;
  if (fwrite(data, 1, size, in) == size && fflush(in) == 0 &&
      lseek(fileno(in), 0, SEEK_SET) == 0)
    cb_lsp_serve(fileno(in), null_fd, NULL);
  fclose(in);
  return 0;
}
