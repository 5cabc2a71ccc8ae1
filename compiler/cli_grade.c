/* SPDX-License-Identifier: MIT */
/*
 * cli_grade.c: `casebook grade [DIR] FILE...`: annotations back from the
 * annotation tools, graded against the book (docs/grade.md). Uses only
 * the public API (casebook/grade.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char cli_grade_usage[] =
    "usage: casebook grade [DIR] FILE... [-o OUT] [--input FORMAT]\n"
    "                      [--min-alpha [QUESTION=]X] [--min-accuracy [QUESTION=]X]\n"
    "                      [--format FMT] [--partial PART] [--merge] [--rev REV]\n"
    "\n"
    "Grade the annotations in FILE... against the casebook in DIR (default:\n"
    "the current directory): accuracy of every annotator against the gold\n"
    "cases, agreement on every question (Krippendorff's alpha, Fleiss' and\n"
    "Cohen's kappa), a Dawid-Skene consensus, and every miss linked to the\n"
    "case and the guideline. Writes OUT (default DIR/_build/grade):\n"
    "  grade.json        every figure (schemas/grade.schema.json)\n"
    "  report.html       the report, linked into the site in DIR/_build/html\n"
    "  annotators/       one feedback page per annotator\n"
    "  consensus.jsonl   the consensus label of every item of a choice question\n"
    "  summary.md        for a pull request or GITHUB_STEP_SUMMARY\n"
    "\n"
    "FILE is a Label Studio JSON export, Argilla v2 records or casebook\n"
    "annotations JSONL (docs/grade.md), told apart by their content.\n"
    "\n"
    "  -o, --output OUT        output directory\n"
    "  --input FORMAT          labelstudio, argilla or jsonl: do not detect\n"
    "  --min-alpha [Q=]X       exit 1 when the alpha of question Q (of any\n"
    "                          question) is below X; may be repeated\n"
    "  --min-accuracy [Q=]X    exit 1 when the accuracy against gold of\n"
    "                          question Q (of all answers) is below X\n"
    "  --format FMT            text (default), json (grade.json on stdout),\n"
    "                          markdown (summary.md on stdout), or the\n"
    "                          diagnostics as sarif, github, junit or rdjson\n"
    "  --partial PART          write the sufficient statistics of FILE... to\n"
    "                          PART instead of grading, for --merge\n"
    "  --merge                 FILE... are partial grades: grade them as one\n"
    "  --seed N                the seed of the bootstrap intervals (1)\n"
    "  --rev REV               grade against the casebook at revision REV\n"
    "\n"
    "Exit status: 0 graded, 1 a gate failed (or diagnostics at or above\n"
    "--fail-on), 2 usage or input error, 3 internal error.\n";

/* The books of older versions, loaded on demand. */
typedef struct versions {
  const cli *c;
  const char *dir;
  cb_ctx **ctxs;
  size_t n;
} versions;

static const cb_book *load_version(void *data, const char *version) {
  versions *v = data;
  cb_ctx **n = realloc(v->ctxs, (v->n + 1) * sizeof *n);
  if (!n)
    return NULL;
  v->ctxs = n;
  const cb_book *book = NULL;
  cb_ctx *ctx = NULL;
  int rc = cli_load_at(&ctx, &book, v->c, v->dir, version, 1);
  v->ctxs[v->n++] = ctx;
  return rc < 0 ? book : NULL;
}

/* Parses "[QUESTION=]X" of a gate. */
static int parse_gate(cb_grade_gate *g, const char *spec) {
  const char *colon = strchr(spec, ':');
  g->kind = !strncmp(spec, "alpha:", 6) ? CB_GATE_MIN_ALPHA
                                        : CB_GATE_MIN_ACCURACY;
  const char *v = colon + 1;
  const char *eq = strrchr(v, '=');
  g->question = NULL;
  if (eq) {
    size_t n = (size_t)(eq - v);
    char *q = malloc(n + 1);
    if (!q)
      return -1;
    memcpy(q, v, n);
    q[n] = 0;
    g->question = q;
    v = eq + 1;
  }
  char *end;
  errno = 0;
  g->threshold = strtod(v, &end);
  if (!*v || *end || errno || g->threshold < -1 || g->threshold > 1)
    return cli_usage_error("--min-%s takes [QUESTION=]X with X a number "
                           "from -1 to 1, not '%s'",
                           g->kind == CB_GATE_MIN_ALPHA ? "alpha" : "accuracy",
                           colon + 1);
  return 0;
}

/* path made absolute and normalized lexically ("." and ".." folded),
 * without touching the file system (OUT may not exist yet). */
static char *absolute(const char *path) {
  char cwd[PATH_MAX];
  if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
    return NULL;
  size_t n = (path[0] == '/' ? 0 : strlen(cwd)) + strlen(path) + 3;
  char *joined = malloc(n), *out = malloc(n);
  if (!joined || !out) {
    free(joined);
    free(out);
    return NULL;
  }
  snprintf(joined, n, "%s/%s", path[0] == '/' ? "" : cwd, path);
  size_t len = 0;
  char *save = NULL;
  for (char *part = strtok_r(joined, "/", &save); part;
       part = strtok_r(NULL, "/", &save)) {
    if (!strcmp(part, "."))
      continue;
    if (!strcmp(part, "..")) {
      while (len && out[len - 1] != '/')
        len--;
      if (len)
        len--;
      continue;
    }
    out[len++] = '/';
    memcpy(out + len, part, strlen(part));
    len += strlen(part);
  }
  out[len] = 0;
  if (!len)
    strcpy(out, "/");
  free(joined);
  return out;
}

/* The relative path from directory from to directory to, ending in '/'
 * ("" when they are the same). */
static char *relative(const char *from, const char *to) {
  size_t common = 0, i = 0;
  for (; from[i] && from[i] == to[i]; i++)
    if (from[i] == '/')
      common = i;
  if (!from[i] && (!to[i] || to[i] == '/'))
    common = i;
  else if (!to[i] && from[i] == '/')
    common = i;
  size_t ups = 0;
  for (const char *p = from + common; *p; p++)
    ups += *p == '/';
  const char *down = to + common;
  if (*down == '/')
    down++;
  size_t n = ups * 3 + strlen(down) + 2;
  char *out = malloc(n);
  if (!out)
    return NULL;
  out[0] = 0;
  for (size_t k = 0; k < ups; k++)
    strcat(out, "../");
  if (*down) {
    strcat(out, down);
    strcat(out, "/");
  }
  return out;
}

int cli_grade(const cli *c) {
  int rc = -1;
  cb_diag_format dfmt = CB_FMT_GCC;
  int print_json = 0, print_md = 0;
  if (c->format) {
    if (!strcmp(c->format, "json"))
      print_json = 1;
    else if (!strcmp(c->format, "markdown"))
      print_md = 1;
    else if (!strcmp(c->format, "sarif"))
      dfmt = CB_FMT_SARIF;
    else if (!strcmp(c->format, "github"))
      dfmt = CB_FMT_GITHUB;
    else if (!strcmp(c->format, "junit"))
      dfmt = CB_FMT_JUNIT;
    else if (!strcmp(c->format, "rdjson"))
      dfmt = CB_FMT_RDJSON;
    else if (strcmp(c->format, "text"))
      return cli_usage_error("unknown format '%s' (text, json, markdown, "
                             "sarif, github, junit or rdjson)",
                             c->format);
  }
  /* [DIR] FILE...: the first argument is the project when it is a
   * directory */
  const char *dir = ".";
  size_t first = 0;
  struct stat st;
  if (c->n_args && stat(c->args[0], &st) == 0 && S_ISDIR(st.st_mode)) {
    dir = c->args[0];
    first = 1;
  }
  if (first >= c->n_args)
    return cli_usage_error("grade needs the annotation files to grade");
  if (c->partial && c->merge)
    return cli_usage_error("--partial and --merge do not go together");

  cb_grade_gate *gates = calloc(c->n_gates + 1, sizeof *gates);
  char *out = NULL, *site = NULL, *build = NULL, *rout = NULL, *rbuild = NULL;
  versions vs = {c, dir, NULL, 0};
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  cb_grade *g = NULL;
  if (!gates) {
    fputs("casebook: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  for (size_t i = 0; i < c->n_gates; i++)
    if ((rc = parse_gate(&gates[i], c->gates[i])) != 0) {
      rc = rc < 0 ? EXIT_INTERNAL : rc;
      goto done;
    }
  rc = -1;
  cb_grade_options opts = {0};
  opts.load_version = load_version;
  opts.load_data = &vs;
  opts.gates = gates;
  opts.n_gates = c->n_gates;
  if (c->seed) {
    char *end;
    errno = 0;
    unsigned long long s = strtoull(c->seed, &end, 10);
    if (!*c->seed || *end || errno || !s) {
      rc = cli_usage_error("--seed takes a positive number, not '%s'",
                           c->seed);
      goto done;
    }
    opts.seed = s;
  }

  size_t n = strlen(dir) + sizeof "/_build/grade";
  build = malloc(n);
  out = c->out ? strdup(c->out) : malloc(n);
  if (!build || !out) {
    fputs("casebook: out of memory\n", stderr);
    rc = EXIT_INTERNAL;
    goto done;
  }
  snprintf(build, n, "%s/_build", dir);
  if (!c->out)
    snprintf(out, n, "%s/_build/grade", dir);

  /* the report links into the site: the one beside OUT when there is
   * one (build -o X, grade -o X/grade), else DIR/_build/html */
  rout = absolute(out);
  rbuild = absolute(build);
  if (rout && c->out) {
    size_t len = strlen(rout) + sizeof "/../html/index.html";
    char *beside = malloc(len);
    if (beside) {
      snprintf(beside, len, "%s/../html/index.html", rout);
      char *b = absolute(beside);
      if (b && access(b, F_OK) == 0)
        site = strdup("../");
      free(b);
      free(beside);
    }
  }
  if (!site && rout && rbuild)
    site = relative(rout, rbuild);
  if (!site) {
    fputs("casebook: out of memory\n", stderr);
    rc = EXIT_INTERNAL;
    goto done;
  }
  opts.site_prefix = site;
  cli tmp = *c;
  tmp.dir = dir;
  if ((rc = cli_load_at(&ctx, &book, &tmp, dir, c->rev, 0)) >= 0)
    goto done;
  vs.c = &tmp;
  if (cb_grade_new(&g, ctx, book, &opts) < 0) {
    rc = cli_env_error(ctx, CB_ENOMEM);
    goto done;
  }
  for (size_t i = first; i < c->n_args; i++) {
    const char *path = c->args[i];
    int stdin_ = !strcmp(path, "-");
    int err = c->merge ? cb_grade_merge(g, path)
                       : cb_grade_read(g, stdin_ ? "(stdin)" : path,
                                       stdin_ ? stdin : NULL, c->input);
    if (err < 0) {
      rc = cli_env_error(ctx, err);
      goto done;
    }
  }
  if (c->partial) {
    int err = cb_grade_write_partial(g, c->partial);
    if (err < 0) {
      rc = cli_env_error(ctx, err);
      goto done;
    }
  } else {
    int err = cb_grade_finish(g);
    if (err == 0)
      err = cb_grade_write(g, out);
    if (err == 0 && print_json)
      err = cb_grade_print_json(g, stdout);
    else if (err == 0 && print_md)
      err = cb_grade_print_summary(g, stdout);
    if (err < 0) {
      rc = cli_env_error(ctx, err);
      goto done;
    }
  }
  if (!print_json && !print_md) {
    int err = cb_diag_print(dfmt == CB_FMT_GCC ? stderr : stdout, ctx, dfmt,
                            dfmt == CB_FMT_GCC && cli_want_color(c, stderr));
    if (err < 0) {
      rc = EXIT_INTERNAL;
      goto done;
    }
  } else {
    cb_diag_print(stderr, ctx, CB_FMT_GCC, cli_want_color(c, stderr));
  }
  if (!c->quiet && !print_json && !print_md && dfmt == CB_FMT_GCC &&
      !c->partial)
    fprintf(stderr, "graded: %s/report.html\n", out);
  rc = cli_exit_for(ctx, c);
done:
  cb_grade_free(g);
  cb_ctx_free(ctx);
  for (size_t i = 0; i < vs.n; i++)
    cb_ctx_free(vs.ctxs[i]);
  free(vs.ctxs);
  for (size_t i = 0; i < c->n_gates; i++)
    free((char *)gates[i].question);
  free(gates);
  free(out);
  free(build);
  free(site);
  free(rout);
  free(rbuild);
  return rc;
}
