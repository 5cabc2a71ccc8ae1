/* SPDX-License-Identifier: MIT */
/*
 * export_schema.h: the JSON Schemas of a build (export_schema.c):
 * schemas/rubric.schema.json and schemas/gold.schema.json as shipped, and
 * annotation.schema.json generated from the rubric. Also the JSON helpers
 * the judge export shares with it.
 */
#ifndef CB_EXPORT_SCHEMA_H
#define CB_EXPORT_SCHEMA_H

#include <jansson.h>

#include "ctx.h"

/* The exporter (export.h): writes OUTDIR/schemas/ and
 * OUTDIR/annotation.schema.json. */
int cb_export_schema__run(cb_ctx *ctx, const cb_book *book, const char *outdir);

/* The response names the book's cases use, in order of first appearance
 * (CB_UNNAMED_RESPONSE for an unnamed response), then those that rank and pairwise
 * questions declare: an array of *n strings in ctx's arena (borrowed
 * from the model). Returns 0 or CB_ENOMEM. */
int cb_export_schema__response_names(const char ***out, size_t *n, cb_ctx *ctx,
                                     const cb_book *book);


#endif
