/* SPDX-License-Identifier: MIT */
/*
 * diag_github.c: the diagnostics as GitHub workflow commands (annotations
 * up to GitHub's limit per level, plain lines past it) and, when
 * $GITHUB_STEP_SUMMARY is set, a Markdown table of every diagnostic in
 * the job summary. Every value is escaped as workflow command data; no
 * line printed starts with "::" from a casebook's text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "diag_format.h"
#include "utf8.h"

/* GitHub shows at most this many annotations of each level per step. */
#define GITHUB_MAX_ANNOTATIONS 10

/* Appends s escaped as workflow command data (% CR LF) or, with
 * property set, as a property value (also : and ,). */
static void gh_escape(cb_buf *out, const char *s, int property) {
  for (; *s; s++) {
    switch (*s) {
    case '%':
      cb_buf_puts(out, "%25");
      break;
    case '\r':
      cb_buf_puts(out, "%0D");
      break;
    case '\n':
      cb_buf_puts(out, "%0A");
      break;
    case ':':
      cb_buf_puts(out, property ? "%3A" : ":");
      break;
    case ',':
      cb_buf_puts(out, property ? "%2C" : ",");
      break;
    default:
      cb_buf_putc(out, *s);
      break;
    }
  }
}

/* Appends s for a cell of a GitHub Markdown table: every ASCII
 * punctuation character backslash-escaped (so nothing is markup, a link,
 * a mention or an entity, and '|' does not end the cell), line breaks as
 * <br>, tabs as spaces. s is valid UTF-8 without controls already. */
static void md_cell(cb_buf *out, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\n')
      cb_buf_puts(out, "<br>");
    else if (c == '\r')
      continue;
    else if (c == '\t')
      cb_buf_putc(out, ' ');
    else if (c < 0x80 && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c)) {
      cb_buf_putc(out, '\\');
      cb_buf_putc(out, (char)c);
    } else
      cb_buf_putc(out, (char)c);
  }
}

/* The job summary: a heading with the counts and a table of every
 * diagnostic, appended to the file $GITHUB_STEP_SUMMARY names. */
static int github_summary(cb_diag_run *r, const char *file, size_t e, size_t w,
                          size_t o) {
  cb_buf md = {0}, tmp = {0}, cell = {0};
  cb_buf_printf(
      &md, "### casebook check: %zu error%s, %zu warning%s, %zu note%s\n\n", e,
      e == 1 ? "" : "s", w, w == 1 ? "" : "s", o, o == 1 ? "" : "s");
  if (r->n)
    cb_buf_puts(&md, "| Level | Location | Rule | Message |\n"
                     "|---|---|---|---|\n");
  else
    cb_buf_puts(&md, "No diagnostics.\n");
  for (size_t i = 0; i < r->n; i++) {
    const cb_diag *g = &r->d[i];
    cb_buf_printf(&md, "| %s | ", cb_diag_format__level_name(g->level));
    cb_buf_reset(&cell);
    cb_diag_format__place(&cell, r, g);
    md_cell(&md, cb_diag_format__clean(&tmp, cb_buf_cstr(&cell), CB_TEXT_HTML));
    cb_buf_puts(&md, " | ");
    md_cell(&md, cb_diag_format__clean(&tmp, g->rule, CB_TEXT_HTML));
    cb_buf_puts(&md, " | ");
    md_cell(&md, cb_diag_format__clean(&tmp, g->message, CB_TEXT_HTML));
    if (g->suggestion) {
      cb_buf_puts(&md, " (did you mean \\'");
      md_cell(&md, cb_diag_format__clean(&tmp, g->suggestion, CB_TEXT_HTML));
      cb_buf_puts(&md, "\\'?)");
    }
    cb_buf_puts(&md, " |\n");
  }
  cb_buf_putc(&md, '\n');
  int err = md.failed || tmp.failed || cell.failed ? CB_ENOMEM : 0;
  if (!err) {
    /* appended, never truncated: earlier steps wrote there too */
    FILE *f = fopen(file, "a");
    int ok = f && fwrite(md.data, 1, md.len, f) == md.len;
    int saved = errno;
    if (f && fclose(f) != 0 && ok) {
      ok = 0;
      saved = errno;
    }
    if (!ok)
      fprintf(stderr,
              "casebook: cannot append the summary to GITHUB_STEP_SUMMARY "
              "'%s': %s\n",
              file, strerror(saved));
  }
  cb_buf_free(&md);
  cb_buf_free(&tmp);
  cb_buf_free(&cell);
  return err;
}

int cb_diag_format__github(FILE *fp, cb_diag_run *r) {
  static const char *const command[] = {"notice", "warning", "error"};
  size_t shown[3] = {0, 0, 0}, hidden[3] = {0, 0, 0};
  cb_buf line = {0}, tmp = {0}, text = {0}, cell = {0};
  for (size_t i = 0; i < r->n; i++) {
    const cb_diag *g = &r->d[i];
    int lv = g->level == CB_DIAG_ERROR ? 2 : g->level == CB_DIAG_WARNING;
    const char *path = cb_diag_format__repo_path(r, g);
    cb_buf_reset(&line);
    cb_buf_reset(&text);
    cb_buf_puts(&text, cb_diag_format__clean(&tmp, g->message, CB_TEXT_HTML));
    if (g->suggestion)
      cb_buf_printf(&text, " (did you mean '%s'?)",
                    cb_diag_format__clean(&tmp, g->suggestion, CB_TEXT_HTML));
    if (shown[lv] < GITHUB_MAX_ANNOTATIONS) {
      shown[lv]++;
      cb_buf_printf(&line, "::%s ", command[lv]);
      if (path) {
        cb_buf_puts(&line, "file=");
        gh_escape(&line, cb_diag_format__clean(&tmp, path, CB_TEXT_HTML), 1);
        if (g->line)
          cb_buf_printf(&line, ",line=%u,col=%u", g->line,
                        cb_diag_format__char_col(r, g));
        cb_buf_putc(&line, ',');
      }
      cb_buf_puts(&line, "title=");
      gh_escape(&line, cb_diag_format__clean(&tmp, g->rule, CB_TEXT_HTML), 1);
      cb_buf_puts(&line, "::");
      gh_escape(&line, cb_buf_cstr(&text), 0);
    } else {
      /* past GitHub's limit: a plain log line, never a command */
      hidden[lv]++;
      cb_buf_reset(&cell);
      cb_diag_format__place(&cell, r, g);
      cb_diag_format__clean(&tmp, cb_buf_cstr(&cell), CB_TEXT_HTML);
      if (cb_diag_format__command_at(cb_buf_cstr(&tmp), tmp.len) != SIZE_MAX)
        cb_buf_puts(&line, "./");
      gh_escape(&line, cb_buf_cstr(&tmp), 0);
      cb_buf_printf(&line, ": %s: ", cb_diag_format__level_name(g->level));
      gh_escape(&line, cb_buf_cstr(&text), 0);
      cb_buf_puts(&line, " [");
      gh_escape(&line, cb_diag_format__clean(&tmp, g->rule, CB_TEXT_HTML), 0);
      cb_buf_putc(&line, ']');
    }
    cb_buf_putc(&line, '\n');
    if (line.failed)
      break;
    fwrite(line.data, 1, line.len, fp);
  }
  int err = line.failed || tmp.failed || text.failed || cell.failed
                ? CB_ENOMEM
                : 0;
  cb_buf_free(&line);
  cb_buf_free(&tmp);
  cb_buf_free(&text);
  cb_buf_free(&cell);
  if (err)
    return err;
  size_t e, w, o;
  cb_ctx_diag_counts(r->ctx, &e, &w, &o);
  const char *summary = getenv("GITHUB_STEP_SUMMARY");
  if (hidden[0] + hidden[1] + hidden[2])
    fprintf(fp,
            "casebook: GitHub shows %d annotations of each level per step: "
            "%zu error%s, %zu warning%s and %zu note%s above are plain "
            "lines%s\n",
            GITHUB_MAX_ANNOTATIONS, hidden[2], hidden[2] == 1 ? "" : "s",
            hidden[1], hidden[1] == 1 ? "" : "s", hidden[0],
            hidden[0] == 1 ? "" : "s",
            summary && *summary ? "; the job summary lists every one" : "");
  fprintf(fp, "%zu error%s, %zu warning%s, %zu note%s\n", e, e == 1 ? "" : "s",
          w, w == 1 ? "" : "s", o, o == 1 ? "" : "s");
  if (summary && *summary)
    err = github_summary(r, summary, e, w, o);
  return ferror(fp) ? CB_EIO : err;
}
