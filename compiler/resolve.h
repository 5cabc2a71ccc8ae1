/* SPDX-License-Identifier: MIT */
/*
 * resolve.h: the model's cross references, once every chapter is
 * extracted. Types every answer against its question (an option, a list
 * of options, a number, a ranking, a preference) and resolves every link
 * to its place in the HTML site. What cannot be resolved is left marked
 * (answer.error, link.href == NULL) for the rules to report.
 */
#ifndef CB_RESOLVE_H
#define CB_RESOLVE_H

#include "ctx.h"

/* Resolves book in place. files lists every file of the project (sorted,
 * project-relative), for links to files that are not chapters. Returns 0
 * or CB_ENOMEM. */
int cb_resolve__book(cb_ctx *ctx, cb_book *book, const char *const *files,
                     size_t n_files);

#endif
