/* SPDX-License-Identifier: MIT */
/*
 * grade_html.h: the HTML report of a grade and the feedback page of each
 * annotator, written from the grade.json document (docs/grade.md).
 *
 * The pages are static: tables and SVG charts drawn here, the site's
 * stylesheet written beside them (report.css), no script and nothing
 * from the network, so they open from file://. Every string of the
 * document is untrusted and goes through the HTML writer (html_writer.h);
 * the markup the writer has no element for (the page frame, <figure>,
 * SVG) is written only from literals of this module and numbers.
 */
#ifndef CB_GRADE_HTML_H
#define CB_GRADE_HTML_H

#include <jansson.h>

#include "ctx.h"

/* Writes OUTDIR/report.html, OUTDIR/report.css and OUTDIR/<page> for
 * each annotator (the `page` field of annotators.<name>, which must be
 * "annotators/NAME.html" with NAME of [A-Za-z0-9._-], not starting with
 * a dot), from the grade.json document grade. site_prefix (NULL: "../")
 * is prepended to every "html/..." url of the document so that links
 * reach the annotator site (e.g. "../" when OUTDIR is _build/grade beside
 * _build/html); a url that does not start with "html/" is shown as text,
 * never linked. Each file is written atomically under OUTDIR, opened with
 * cb_output__begin (so never through a symbolic link). Returns 0,
 * CB_ENOMEM, CB_EIO or CB_EUSAGE (a malformed document or page name),
 * with ctx's error set. */
int cb_grade_html__write(cb_ctx *ctx, const json_t *grade, const char *outdir,
                         const char *site_prefix);

#endif
