/* SPDX-License-Identifier: MIT */
/*
 * diag_rdjson.c: the diagnostics as reviewdog's rdjson, one object per
 * diagnostic with its range and, for a did-you-mean, the suggested edit.
 */
#include <jansson.h>

#include "ctx.h"
#include "diag_format.h"

static const char *rd_severity(cb_diag_level l) {
  return l == CB_DIAG_ERROR     ? "ERROR"
         : l == CB_DIAG_WARNING ? "WARNING"
                                : "INFO";
}

/* An rdjson range (no end when end_col is 0); NULL when out of memory. */
static json_t *rd_range(uint32_t line, uint32_t col, uint32_t end_col) {
  int oom = 0;
  json_t *o = json_pack("{s:{s:I, s:I}}", "start", "line", (json_int_t)line,
                        "column", (json_int_t)col);
  if (o && end_col)
    cb_diag_format__put(o, "end",
                        json_pack("{s:I, s:I}", "line", (json_int_t)line,
                                  "column", (json_int_t)end_col),
                        &oom);
  if (oom) {
    json_decref(o);
    return NULL;
  }
  return o;
}

int cb_diag_format__rdjson(FILE *fp, cb_diag_run *r) {
  int oom = 0, err = 0;
  cb_buf tmp = {0}, msg = {0};
  json_t *diags = json_array();
  for (size_t i = 0; diags && i < r->n; i++) {
    const cb_diag *g = &r->d[i];
    json_t *o = json_object();
    if (!o) {
      oom = 1;
      break;
    }
    uint32_t start = 0, end = 0;
    int span = g->path && cb_diag_format__fix_span(r, g, &start, &end);
    cb_buf_reset(&msg);
    cb_buf_puts(&msg, g->message);
    if (g->suggestion && !span)
      cb_buf_printf(&msg, " (did you mean '%s'?)", g->suggestion);
    cb_diag_format__put(
        o, "message",
        msg.failed ? NULL : cb_diag_format__jtext(&tmp, cb_buf_cstr(&msg)),
        &oom);
    json_t *loc = json_object();
    cb_diag_format__put(
        loc, "path",
        cb_diag_format__jtext(&tmp, cb_diag_format__located_path(r, g, 0)),
        &oom);
    if (g->line)
      cb_diag_format__put(
          loc, "range", rd_range(g->line, g->col ? g->col : 1, span ? end : 0),
          &oom);
    cb_diag_format__put(o, "location", loc, &oom);
    cb_diag_format__put(o, "severity", json_string(rd_severity(g->level)),
                        &oom);
    cb_diag_format__put(
        o, "code",
        json_pack("{s:o}", "value", cb_diag_format__jtext(&tmp, g->rule)),
        &oom);
    if (span)
      cb_diag_format__put(o, "suggestions",
                          json_pack("[{s:o, s:o}]", "range",
                                    rd_range(g->line, start, end), "text",
                                    cb_diag_format__jtext(&tmp, g->suggestion)),
                          &oom);
    cb_diag_format__push(diags, o, &oom);
  }
  json_t *root = json_pack("{s:{s:s}, s:o}", "source", "name", "casebook",
                           "diagnostics", diags);
  if (!root || oom)
    err = CB_ENOMEM;
  else
    err = cb_diag_format__dump(root, fp);
  json_decref(root);
  cb_buf_free(&tmp);
  cb_buf_free(&msg);
  return err;
}
