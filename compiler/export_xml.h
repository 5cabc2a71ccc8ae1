/* SPDX-License-Identifier: MIT */
/*
 * export_xml.h: rubric.xml, the rubric as XML (export_xml.c), valid
 * against schemas/rubric.rng, which is embedded in the binary and
 * installed with it.
 */
#ifndef CB_EXPORT_XML_H
#define CB_EXPORT_XML_H

#include <stddef.h>

#include "ctx.h"

/* The exporter (export.h): writes OUTDIR/rubric.xml after validating it
 * against the embedded schemas/rubric.rng. A document that does not
 * validate is a bug of casebook: CB_ERROR with ctx's error saying so, and
 * no file written. */
int cb_export_xml__run(cb_ctx *ctx, const cb_book *book, const char *outdir);

/* Parses the XML document xml[0..len) and validates it against the RELAX
 * NG schema rng[0..rng_len). Returns 0 when it is valid, else CB_ERROR
 * with ctx's error naming the first problem and its line (CB_ENOMEM when
 * out of memory). */
int cb_export_xml__validate(cb_ctx *ctx, const char *xml, size_t len,
                            const char *rng, size_t rng_len);

#endif
