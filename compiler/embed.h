/* SPDX-License-Identifier: MIT */
/*
 * embed.h: files compiled into the binary (built-in rules, templates,
 * the init scaffold, the reload client of `casebook serve`). The table is
 * generated at build time by compiler/embed.sh from compiler/rules/,
 * templates/, schemas/, compiler/scaffold/ and compiler/serve/.
 */
#ifndef CB_EMBED_H
#define CB_EMBED_H

#include <stddef.h>

typedef struct cb_embedded {
  const char *name; /* "rules/unknown-option.lua", "templates/page.html" */
  const unsigned char *data; /* NUL-terminated for convenience */
  size_t len;
} cb_embedded;

extern const cb_embedded cb_embedded_files[];
extern const size_t cb_n_embedded_files;

/* The embedded file by name, NULL if none. */
const cb_embedded *cb_embed__find(const char *name);

#endif
