/* SPDX-License-Identifier: MIT */
/*
 * cli_log.c: `casebook log ID [DIR]`: the commits that changed one
 * element (a case, a question, an option as QUESTION.OPTION, a
 * criterion), newest first, with what changed in each. Uses only the
 * public API (cb_book_log does the walk, see compiler/history.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cli_log_usage[] =
    "usage: casebook log ID [DIR] [--rev REV] [--format text|json]\n"
    "\n"
    "List the commits that changed the element ID of the project in DIR\n"
    "(default: the current directory), newest first: date, short commit id,\n"
    "author and subject, then what changed (for a case, its gold answers\n"
    "old -> new). ID is a case, question or criterion id, or an option as\n"
    "QUESTION.OPTION. The history is read from git, following first parents\n"
    "from HEAD; only the chapters a commit changed are read again.\n"
    "\n"
    "  --rev REV           start from the revision REV instead of HEAD\n"
    "  --format FMT        text (default) or json\n";

/* Writes s as every printer shows text (cb_print_text): an escape
 * sequence or a bidirectional control in a commit subject or an answer
 * cannot drive the terminal or reorder the line. */
static void put_clean(FILE *fp, const char *s) { cb_print_text(fp, s); }

static void put_field(FILE *fp, const cb_log_field *f) {
  put_clean(fp, f->name);
  if (!f->before && !f->after) {
    fputs(" changed", fp);
    return;
  }
  fputs(": ", fp);
  put_clean(fp, f->before ? f->before : "(none)");
  fputs(" \xe2\x86\x92 ", fp); /* → */
  put_clean(fp, f->after ? f->after : "(none)");
}

static void print_text(const cb_log_entry *e, size_t n) {
  int several = 0; /* the id names more than one element */
  for (size_t i = 1; i < n; i++)
    if (strcmp(e[i].what, e[0].what) != 0 || strcmp(e[i].id, e[0].id) != 0)
      several = 1;
  for (size_t i = 0; i < n; i++) {
    printf("%.10s  %s  ", e[i].date, e[i].short_id);
    put_clean(stdout, e[i].author);
    fputs("  ", stdout);
    put_clean(stdout, e[i].subject);
    putchar('\n');
    const char *who = several ? e[i].what : NULL;
    if (strcmp(e[i].change, "changed") != 0 || e[i].n_fields == 0) {
      fputs("    ", stdout);
      if (who) {
        printf("%s ", who);
        put_clean(stdout, e[i].id);
        putchar(' ');
      }
      fputs(e[i].change, stdout);
      if (e[i].renamed_to || e[i].renamed_from) {
        fputs(e[i].renamed_to ? " to " : " from ", stdout);
        put_clean(stdout,
                  e[i].renamed_to ? e[i].renamed_to : e[i].renamed_from);
      }
      putchar('\n');
      continue;
    }
    for (size_t k = 0; k < e[i].n_fields; k++) {
      fputs("    ", stdout);
      if (who) {
        printf("%s ", who);
        put_clean(stdout, e[i].id);
        fputs(": ", stdout);
      }
      put_field(stdout, &e[i].fields[k]);
      putchar('\n');
    }
  }
}

/* A JSON string of s, or null; bytes that are not UTF-8 become '?'. */
static json_t *jstr(const char *s) {
  if (!s)
    return json_null();
  json_t *v = json_string(s);
  if (v)
    return v;
  char *copy = strdup(s);
  if (!copy)
    return NULL;
  for (char *p = copy; *p; p++)
    if ((unsigned char)*p >= 0x80)
      *p = '?';
  v = json_string(copy);
  free(copy);
  return v;
}

static int print_json(const char *id, const cb_log_entry *e, size_t n) {
  json_t *root = json_object(), *commits = json_array();
  json_object_set_new(root, "id", jstr(id));
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_object(), *fields = json_array();
    json_object_set_new(o, "commit", jstr(e[i].commit));
    json_object_set_new(o, "short", jstr(e[i].short_id));
    json_object_set_new(o, "date", jstr(e[i].date));
    json_object_set_new(o, "author", jstr(e[i].author));
    json_object_set_new(o, "email", jstr(e[i].email));
    json_object_set_new(o, "subject", jstr(e[i].subject));
    json_object_set_new(o, "what", jstr(e[i].what));
    json_object_set_new(o, "element", jstr(e[i].id));
    json_object_set_new(o, "change", jstr(e[i].change));
    if (e[i].renamed_to)
      json_object_set_new(o, "renamed_to", jstr(e[i].renamed_to));
    if (e[i].renamed_from)
      json_object_set_new(o, "renamed_from", jstr(e[i].renamed_from));
    for (size_t k = 0; k < e[i].n_fields; k++) {
      json_t *f = json_object();
      json_object_set_new(f, "name", jstr(e[i].fields[k].name));
      json_object_set_new(f, "before", jstr(e[i].fields[k].before));
      json_object_set_new(f, "after", jstr(e[i].fields[k].after));
      json_array_append_new(fields, f);
    }
    json_object_set_new(o, "fields", fields);
    json_array_append_new(commits, o);
  }
  json_object_set_new(root, "commits", commits);
  int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (rc < 0 || !root || !commits) {
    fputs("casebook: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  putchar('\n');
  return EXIT_CLEAN;
}

int cli_log(const cli *c) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  const cb_log_entry *entries = NULL;
  size_t n = 0;
  int json = 0, rc;
  if (c->n_args == 0)
    return cli_usage_error("log needs an element id");
  if ((rc = cli_max_args(c, 2)) >= 0)
    return rc;
  if (c->format && strcmp(c->format, "json") == 0)
    json = 1;
  else if (c->format && strcmp(c->format, "text") != 0)
    return cli_usage_error("unknown format '%s' (text or json)", c->format);
  const char *dir = c->n_args > 1 ? c->args[1] : ".";
  cb_options opts = cli_options(c);
  if (cb_ctx_new(&ctx, &opts) < 0) {
    fputs("casebook: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  int err = cb_book_load(&book, ctx, dir);
  if (err == 0)
    err = cb_book_log(&entries, &n, ctx, book, c->args[0]);
  if (err < 0) {
    rc = cli_env_error(ctx, err);
    goto done;
  }
  /* the notes of the walk (a history cut short); the book's own
   * diagnostics belong to `check` */
  size_t nd = 0;
  const cb_diag *d = cb_ctx_diags(ctx, &nd);
  for (size_t i = 0; i < nd; i++)
    if (d[i].rule && strcmp(d[i].rule, "git-shallow") == 0 && !c->quiet)
      fprintf(stderr, "casebook: note: %s\n", d[i].message);
  if (json) {
    rc = print_json(c->args[0], entries, n);
  } else {
    print_text(entries, n);
    rc = EXIT_CLEAN;
  }
done:
  cb_ctx_free(ctx);
  return rc;
}
