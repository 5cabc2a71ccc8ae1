/* SPDX-License-Identifier: MIT */
/*
 * casebook/lsp.h: the language server (`casebook lsp`, docs/editors.md).
 *
 * It speaks the Language Server Protocol (JSON-RPC with Content-Length
 * framing) over two file descriptors: diagnostics of the whole project
 * as the documents change (the open buffers read in place of the disk,
 * cb_book_load_overlay), go to definition, hover, completion, document
 * and workspace symbols, and code actions that apply the fixes `check
 * --fix` applies.
 */
#ifndef CASEBOOK_LSP_H
#define CASEBOOK_LSP_H

#include <stdio.h>

#include "casebook/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Serves one client: reads messages from in_fd and writes to out_fd
 * until `exit` or the end of the input. Messages for people (a framing
 * error skipped, a project that cannot be read) go to log (NULL: none).
 * Returns the exit status the protocol asks for: 0 after `shutdown` then
 * `exit`, 1 when the input ended or `exit` came without `shutdown`. */
CB_EXTERN int cb_lsp_serve(int in_fd, int out_fd, FILE *log);

#ifdef __cplusplus
}
#endif
#endif
