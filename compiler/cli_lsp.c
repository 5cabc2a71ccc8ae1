/* SPDX-License-Identifier: MIT */
/*
 * cli_lsp.c: `casebook lsp`, the language server on standard input and
 * output (casebook/lsp.h, docs/editors.md). Uses only the public API.
 */
#include <signal.h>
#include <stdio.h>

#include "cli.h"

const char cli_lsp_usage[] =
    "usage: casebook lsp\n"
    "\n"
    "Serve the Language Server Protocol on standard input and output, for\n"
    "an editor: diagnostics of the whole project as you type (the unsaved\n"
    "buffers read in place of the files), go to definition and hover on\n"
    "links and answers, completion of question, option and element ids,\n"
    "document and workspace symbols, and code actions that apply the fixes\n"
    "of 'check --fix'. The project is the nearest directory above the\n"
    "open file that holds casebook.lua, or the client's workspace folder\n"
    "when it holds one. Messages for people go to standard error (-q:\n"
    "none).\n"
    "The setup of VS Code, Neovim, Helix and Emacs is in docs/editors.md.\n"
    "\n"
    "Exit status: 0 after 'shutdown' then 'exit', 1 when the input ends or\n"
    "'exit' comes without 'shutdown'.\n";

int cli_lsp(const cli *c) {
  int rc = cli_max_args(c, 0);
  if (rc >= 0)
    return rc;
  /* a client that goes away is seen as a failed write, not a signal */
  signal(SIGPIPE, SIG_IGN);
  return cb_lsp_serve(0, 1, c->quiet ? NULL : stderr);
}
