/* SPDX-License-Identifier: MIT */
/*
 * emit_json.h: the machine-readable outputs of `casebook build`:
 * rubric.json (the questions, options, criteria and chapters, with the
 * version stamp) and gold.jsonl (one line per final case).
 */
#ifndef CB_EMIT_JSON_H
#define CB_EMIT_JSON_H

#include <jansson.h>

#include "ctx.h"

/* Writes rubric.json at path (atomically, fsync'ed). Returns 0 or a
 * negative code with ctx's error set. */
int cb_emit_json__rubric(cb_ctx *ctx, const cb_book *book, const char *path);

/* Writes gold.jsonl at path (atomically, fsync'ed), and next to it the
 * sidecar gold.meta.json (format, record count, version stamp). Returns 0
 * or a negative code with ctx's error set. */
int cb_emit_json__gold(cb_ctx *ctx, const cb_book *book, const char *path);

#endif
