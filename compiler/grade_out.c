/* SPDX-License-Identifier: MIT */
/*
 * grade_out.c: what a grade writes: grade.json, consensus.jsonl,
 * summary.md and the report pages (grade_html.c), each file atomically;
 * and the partial grades, written and merged.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade_html.h"
#include "grade_impl.h"
#include "json_file.h"
#include "json_out.h"
#include "model_json.h"
#include "output.h"

/* ---- Output ---------------------------------------------------------------- */

static void md_text(cb_buf *b, const char *s) {
  /* table cells: no newline, no pipe, no markup that changes the table */
  for (; *s; s++) {
    if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' || *s == '_' ||
        *s == '<' || *s == '>' || *s == '[' || *s == ']')
      cb_buf_putc(b, '\\');
    cb_buf_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
  }
}

static void md_fig(cb_buf *b, const json_t *v) {
  if (json_is_number(v))
    cb_buf_printf(b, "%.3f", json_number_value(v));
  else
    cb_buf_puts(b, "—");
}

static int summary(cb_grade *g, cb_buf *b) {
  json_t *d = g->doc, *t = json_object_get(d, "totals");
  cb_buf_puts(b, "### Annotation quality: ");
  md_text(b, json_string_value(json_object_get(d, "title")));
  cb_buf_puts(b, "\n\n");
  cb_buf_printf(b,
                "%lld annotations by %lld annotators on %lld items (%lld "
                "gold); accuracy against gold ",
                (long long)json_integer_value(json_object_get(t, "annotations")),
                (long long)json_integer_value(json_object_get(t, "annotators")),
                (long long)json_integer_value(json_object_get(t, "items")),
                (long long)json_integer_value(json_object_get(t, "gold_items")));
  md_fig(b, json_object_get(t, "accuracy"));
  cb_buf_printf(b, ", %lld misses, %lld answers to review again.\n\n",
                (long long)json_integer_value(json_object_get(t, "misses")),
                (long long)json_integer_value(json_object_get(t, "rereview")));
  cb_buf_puts(b, "| question | type | items | alpha | 95% interval | "
                 "accuracy |\n|---|---|---:|---:|---|---:|\n");
  const char *key;
  json_t *q;
  json_object_foreach(json_object_get(d, "questions"), key, q) {
    cb_buf_puts(b, "| ");
    md_text(b, key);
    cb_buf_printf(b, " | %s | %lld | ",
                  json_string_value(json_object_get(q, "type")),
                  (long long)json_integer_value(json_object_get(
                      json_object_get(q, "agreement"), "items")));
    json_t *ci = NULL;
    md_fig(b, cb_grade__headline_alpha(q, &ci));
    cb_buf_puts(b, " | ");
    if (json_is_array(ci)) {
      md_fig(b, json_array_get(ci, 0));
      cb_buf_puts(b, " – ");
      md_fig(b, json_array_get(ci, 1));
    } else {
      cb_buf_puts(b, "—");
    }
    cb_buf_puts(b, " | ");
    md_fig(b, json_object_get(json_object_get(q, "gold"), "accuracy"));
    cb_buf_puts(b, " |\n");
  }
  json_t *gs = json_object_get(d, "gates");
  if (json_array_size(gs)) {
    cb_buf_puts(b, "\n");
    size_t i;
    json_t *e;
    json_array_foreach(gs, i, e) {
      cb_buf_printf(b, "- %s %s ",
                    json_is_true(json_object_get(e, "passed")) ? "✅" : "❌",
                    json_string_value(json_object_get(e, "gate")));
      md_text(b, json_string_value(json_object_get(e, "where")));
      cb_buf_puts(b, ": ");
      md_fig(b, json_object_get(e, "value"));
      cb_buf_puts(b, " (at least ");
      md_fig(b, json_object_get(e, "threshold"));
      cb_buf_puts(b, ")\n");
    }
  }
  json_t *nw = json_object_get(d, "needs_work");
  if (json_array_size(nw)) {
    cb_buf_puts(b, "\n**Sections that need work**\n\n");
    size_t i;
    json_t *e;
    json_array_foreach(nw, i, e) {
      if (i == 5)
        break;
      cb_buf_puts(b, "- ");
      md_text(b, json_string_value(json_object_get(e, "question")));
      if (json_is_string(json_object_get(e, "option"))) {
        cb_buf_puts(b, " / ");
        md_text(b, json_string_value(json_object_get(e, "option")));
      }
      cb_buf_puts(b, ": ");
      md_fig(b, json_object_get(e, "disagreement"));
      cb_buf_puts(b, " disagreement\n");
    }
  }
  return b->failed ? -1 : 0;
}

int cb_grade_print_summary(cb_grade *g, FILE *fp) {
  cb_buf b = {0};
  int r = summary(g, &b);
  if (r == 0 && fwrite(b.data, 1, b.len, fp) != b.len)
    r = cb_ctx__fail(g->ctx, CB_EIO, "cannot write the summary");
  cb_buf_free(&b);
  return r < 0 && r != CB_EIO ? cb_grade__oom(g) : r;
}

int cb_grade_print_json(cb_grade *g, FILE *fp) {
  cb_buf b = {0};
  if (cb_json__dump(&b, g->doc, 2) < 0) {
    cb_buf_free(&b);
    return cb_grade__oom(g);
  }
  cb_buf_putc(&b, '\n');
  int r = b.failed ? cb_grade__oom(g) : 0;
  if (!r && fwrite(b.data, 1, b.len, fp) != b.len)
    r = cb_ctx__fail(g->ctx, CB_EIO, "cannot write grade.json");
  cb_buf_free(&b);
  return r;
}

int cb_grade_write(cb_grade *g, const char *outdir) {
  cb_ctx *ctx = g->ctx;
  int err = cb_output__begin(ctx, outdir);
  if (err < 0)
    return err;
  cb_buf md = {0};
  const char *p_json = cb_arena_printf(ctx->arena, "%s/grade.json", outdir);
  const char *p_cons = cb_arena_printf(ctx->arena, "%s/consensus.jsonl", outdir);
  const char *p_md = cb_arena_printf(ctx->arena, "%s/summary.md", outdir);
  if (!p_json || !p_cons || !p_md || summary(g, &md) < 0)
    err = cb_grade__oom(g);
  if (!err)
    err = cb_json_file__write(ctx, p_json, g->doc);
  if (!err)
    err = cb_output__file(ctx, p_cons, g->consensus.data ? g->consensus.data : "",
                          g->consensus.len, CB_OUTPUT_SYNC);
  if (!err)
    err = cb_output__file(ctx, p_md, md.data ? md.data : "", md.len, 0);
  if (!err)
    err = cb_grade_html__write(ctx, g->doc, outdir, g->opts.site_prefix);
  cb_buf_free(&md);
  cb_output__end(ctx);
  return err;
}

/* ---- Partial grades --------------------------------------------------------- */

int cb_grade_write_partial(cb_grade *g, const char *path) {
  unsigned long failures = cb_alloc_failures();
  json_t *d = json_object(), *anns = json_array(), *vers = json_array(),
         *ins = json_array(), *rows = json_array();
  for (size_t i = 0; i < g->n_anns; i++)
    json_array_append_new(anns, json_string(g->anns[i]));
  for (size_t i = 1; i < g->n_versions; i++)
    json_array_append_new(vers, json_string(g->versions[i].name));
  for (size_t i = 0; i < g->n_inputs; i++) {
    const cb_grade_input *in = &g->inputs[i];
    json_array_append_new(
        ins, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "file", in->path,
                       "format", in->format, "records", (json_int_t)in->records,
                       "annotations", (json_int_t)in->annotations, "cancelled",
                       (json_int_t)in->cancelled, "ground_truth",
                       (json_int_t)in->ground_truth, "not_submitted",
                       (json_int_t)in->not_submitted, "invalid",
                       (json_int_t)in->invalid));
  }
  json_t *counts = json_array();
  for (size_t i = 0; i < g->n_anns; i++)
    json_array_append_new(counts,
                          json_integer((json_int_t)g->ann_annotations[i]));
  for (size_t r = 0; r < g->n_rows; r++) {
    const grow *row = &g->rows[r];
    json_t *cells = json_array();
    for (uint32_t i = 0; i < row->n; i++) {
      const gcell *c = &row->cells[i];
      json_t *cell = json_array();
      json_array_append_new(cell, json_string(g->book->questions[c->q].id));
      json_array_append_new(cell, cb_grade__count(c->ann));
      json_array_append_new(cell, cb_grade__decode(g, c->q, c->v));
      json_array_append_new(cell, cb_grade__count(c->input));
      json_array_append_new(cell, cb_grade__count(c->line));
      json_array_append_new(cell, cb_grade__count(c->version));
      json_array_append_new(cells, cell);
    }
    json_t *jr = json_array();
    json_array_append_new(jr, json_string(g->items[row->item].id));
    json_array_append_new(jr, cb_grade__str_or_null(row->response));
    json_array_append_new(jr, cells);
    json_array_append_new(rows, jr);
  }
  json_object_set_new(d, "format", json_string(PARTIAL_FORMAT));
  json_object_set_new(d, "version", json_integer(1));
  json_object_set_new(d, "book", cb_model_json__stamp(g->book));
  json_object_set_new(d, "annotators", anns);
  json_object_set_new(d, "annotations", counts);
  json_object_set_new(d, "versions", vers);
  json_object_set_new(d, "inputs", ins);
  json_object_set_new(d, "rows", rows);
  /* written beside its final name and renamed over it, so a reader
   * never sees half a file; not through output.c, whose directories are
   * build outputs (locked, never read as a project) */
  char *text = failures == cb_alloc_failures() ? json_dumps(d, JSON_COMPACT)
                                                : NULL;
  json_decref(d);
  if (!text)
    return cb_grade__oom(g);
  char *tmp = cb_arena_printf(g->ctx->arena, "%s.tmp-%ld", path, (long)getpid());
  int err = 0;
  FILE *fp = tmp ? fopen(tmp, "wb") : NULL;
  if (!tmp) {
    err = cb_grade__oom(g);
  } else if (!fp) {
    err = cb_ctx__fail(g->ctx, CB_EIO, "cannot write %s: %s", tmp,
                       strerror(errno));
  } else {
    size_t len = strlen(text);
    int bad = fwrite(text, 1, len, fp) != len || fputc('\n', fp) == EOF;
    bad |= fflush(fp) != 0 || fsync(fileno(fp)) != 0;
    bad |= fclose(fp) != 0;
    if (bad || rename(tmp, path) != 0) {
      err = cb_ctx__fail(g->ctx, CB_EIO, "cannot write %s: %s", path,
                         strerror(errno));
      remove(tmp);
    }
  }
  void (*release)(void *) = NULL;
  json_get_alloc_funcs(NULL, &release);
  release(text);
  return err;
}

int cb_grade_merge(cb_grade *g, const char *path) {
  json_error_t je;
  unsigned long failures = cb_alloc_failures();
  json_t *d = json_load_file(path, 0, &je);
  if (!d && (failures != cb_alloc_failures() ||
             json_error_code(&je) == json_error_out_of_memory))
    return cb_grade__oom(g);
  if (!d) {
    cb_diag__report_file(g->ctx, CB_DIAG_ERROR, RULE_INPUT, path, (uint32_t)je.line,
                         (uint32_t)je.column,
                         cb_arena_printf(g->ctx->arena,
                                         "not a partial grade: %s", je.text));
    return 0;
  }
  const char *fmt = json_string_value(json_object_get(d, "format"));
  if (!fmt || strcmp(fmt, PARTIAL_FORMAT) != 0) {
    cb_diag__report_file(g->ctx, CB_DIAG_ERROR, RULE_INPUT, path, 1, 1,
                         "not a partial grade written by 'casebook grade "
                         "--partial'");
    json_decref(d);
    return 0;
  }
  int err = 0;
  json_t *anns = json_object_get(d, "annotators");
  json_t *counts = json_object_get(d, "annotations");
  json_t *vers = json_object_get(d, "versions");
  size_t base = g->n_inputs, i;
  json_t *e;
  json_array_foreach(json_object_get(d, "inputs"), i, e) {
    const char *file = json_string_value(json_object_get(e, "file"));
    const char *format = json_string_value(json_object_get(e, "format"));
    long k = cb_grade__input(g, file ? file : path, format ? format : "jsonl");
    if (k < 0) {
      json_decref(d);
      return cb_grade__oom(g);
    }
    cb_grade_input *in = &g->inputs[k];
    /* the format string must outlive d */
    in->format = !strcmp(in->format, "labelstudio") ? "labelstudio"
                 : !strcmp(in->format, "argilla")   ? "argilla"
                                                    : "jsonl";
    in->records = (size_t)json_integer_value(json_object_get(e, "records"));
    in->annotations =
        (size_t)json_integer_value(json_object_get(e, "annotations"));
    in->cancelled = (size_t)json_integer_value(json_object_get(e, "cancelled"));
    in->ground_truth =
        (size_t)json_integer_value(json_object_get(e, "ground_truth"));
    in->not_submitted =
        (size_t)json_integer_value(json_object_get(e, "not_submitted"));
    in->invalid = (size_t)json_integer_value(json_object_get(e, "invalid"));
  }
  size_t r;
  json_t *row;
  json_array_foreach(json_object_get(d, "rows"), r, row) {
    const char *item = json_string_value(json_array_get(row, 0));
    json_t *resp = json_array_get(row, 1);
    json_t *cells = json_array_get(row, 2);
    if (!item || !json_is_array(cells))
      continue;
    size_t c;
    json_t *cell;
    json_array_foreach(cells, c, cell) {
      const char *qid = json_string_value(json_array_get(cell, 0));
      size_t ann = (size_t)json_integer_value(json_array_get(cell, 1));
      size_t ver = (size_t)json_integer_value(json_array_get(cell, 5));
      const char *aname = json_string_value(json_array_get(anns, ann));
      const cb_question *q = qid ? cb_book_question(g->book, qid) : NULL;
      cb_grade_pos pos = {(uint32_t)(base + (size_t)json_integer_value(
                                                json_array_get(cell, 3))),
                          0, 0};
      if (pos.input < g->n_inputs &&
          strcmp(g->inputs[pos.input].format, "jsonl"))
        pos.task = (uint32_t)json_integer_value(json_array_get(cell, 4));
      else
        pos.line = (uint32_t)json_integer_value(json_array_get(cell, 4));
      if (pos.input >= g->n_inputs)
        pos.input = 0;
      if (!aname || !q) {
        cb_diag__report_file(
            g->ctx, CB_DIAG_WARNING, RULE_INPUT, path, 0, 0,
            cb_arena_printf(g->ctx->arena,
                            "an answer of item '%s' names %s '%s' that %s; "
                            "it is left out",
                            item, q ? "annotator" : "question",
                            q ? "#" : (qid ? qid : "?"),
                            q ? "the partial grade does not list"
                              : "the book does not have"));
        continue;
      }
      const char *vname = ver ? json_string_value(json_array_get(vers, ver - 1))
                              : NULL;
      if ((err = cb_grade__begin(g, item, aname, vname, &pos)) < 0 ||
          (err = cb_grade__answer(g, (size_t)(q - g->book->questions),
                                  json_is_string(resp) ? json_string_value(resp)
                                                       : NULL,
                                  json_array_get(cell, 2), &pos)) < 0)
        break;
      g->cur_open = 0; /* annotations are counted from the partial's own */
    }
    if (err)
      break;
  }
  json_array_foreach(anns, i, e) {
    if (err || !json_is_string(e))
      break;
    long a = cb_grade__name_index(g, &g->ann_map, &g->anns, &g->n_anns, &g->cap_anns,
                        json_string_value(e));
    if (a < 0 || cb_grade__begin(g, "", json_string_value(e), NULL, NULL) < 0) {
      err = cb_grade__oom(g);
      break;
    }
    g->cur_open = 0;
    g->ann_annotations[a] += (size_t)json_integer_value(json_array_get(counts, i));
  }
  json_decref(d);
  return err;
}
