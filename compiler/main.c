/* SPDX-License-Identifier: MIT */
/*
 * main.c: the casebook command line. Uses only the public API in
 * include/casebook/: everything here is argument handling and output.
 *
 * Exit status: 0 clean, 1 diagnostics at or above --fail-on, 2 usage or
 * input error, 3 internal error.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>

#include "cli.h"

static const char *const usage_main =
    "usage: casebook [--version] [--help] COMMAND [ARGS]\n"
    "\n"
    "Compile annotation guidelines and casebooks written in Markdown.\n"
    "\n"
    "Commands:\n"
    "  init DIR          scaffold a small working project in DIR\n"
    "  build [DIR]       compile DIR (default .) to HTML, rubric.json and\n"
    "                    gold.jsonl in DIR/_build (or -o OUT)\n"
    "  check [DIR]       report diagnostics only (the CI entry point)\n"
    "  rules [ID]        list the rules, or explain one with an example\n"
    "  diff OLD [NEW]    semantic changes between two revisions\n"
    "  log ID [DIR]      the commits that changed an element\n"
    "  grade [DIR] FILE...  grade annotations against the gold cases:\n"
    "                    accuracy, agreement, consensus, feedback pages\n"
    "  serve [DIR]       build DIR, serve its site on this machine and\n"
    "                    rebuild and reload the pages as its files change\n"
    "  lsp               the language server for editors (stdio)\n"
    "\n"
    "Options for every command:\n"
    "  -q, --quiet       print only diagnostics and errors\n"
    "  -v, --verbose     say more about what is done\n"
    "  --color=WHEN      auto (default), always or never; NO_COLOR is honoured\n"
    "  -h, --help        help for the command\n"
    "\n"
    "Exit status: 0 clean, 1 diagnostics at or above --fail-on, 2 usage or\n"
    "input error, 3 internal error.\n"
    "Run 'casebook COMMAND --help' for the options of a command.\n";

static const char *const usage_init =
    "usage: casebook init DIR\n"
    "\n"
    "Create DIR (which must not exist, or be empty) with a small working\n"
    "project: a manifest, a chapter with a question, a criterion and cases.\n"
    "'casebook build DIR' compiles it with no error.\n";

static const char *const usage_check =
    "usage: casebook check [DIR] [--rev REV] [--against REV] [--format FMT]\n"
    "                      [--fail-on error|warning] [--fix [--dry-run]]\n"
    "\n"
    "Check the project in DIR (default: the current directory) and print its\n"
    "diagnostics to standard output, sorted by file, line and column: every\n"
    "rule 'build' runs, the export rules included (nothing is written), so\n"
    "the same diagnostics and exit status as 'build'.\n"
    "\n"
    "  --format FMT        gcc (default: path:line:col, source line, caret),\n"
    "                      json, or for CI: sarif (SARIF 2.1.0), github\n"
    "                      (workflow commands; a job summary when\n"
    "                      GITHUB_STEP_SUMMARY is set), junit (JUnit XML)\n"
    "                      or rdjson (reviewdog)\n"
    "  --rev REV           check the git revision REV instead of the working\n"
    "                      tree\n"
    "  --fail-on LEVEL     exit 1 on diagnostics at or above LEVEL\n"
    "                      (error, the default, or warning)\n"
    "  --against REV       also report the changes since the git revision REV\n"
    "                      that break annotations or gold answers (errors\n"
    "                      unless the manifest's major version went up)\n"
    "  --fix               apply the fixes the diagnostics suggest (each\n"
    "                      'did you mean'), each file whole or not at all,\n"
    "                      then report what is left\n"
    "  --dry-run           with --fix: print the fixes as a unified diff and\n"
    "                      write nothing\n"
    "\n"
    "A finding is silenced where it is with <!-- casebook-ignore RULE: why -->\n"
    "on the line before (docs/rules.md).\n";

static const char *const usage_rules =
    "usage: casebook rules [ID] [--project DIR]\n"
    "\n"
    "Without ID, list the rules with their default severity: the built-in\n"
    "ones, and with --project those of DIR/rules/*.lua too.\n"
    "With ID, explain the rule: what it checks, why, and an example.\n"
    "A project's manifest sets severities: rules = { [\"ID\"] = \"warning\" }\n"
    "(or \"error\", \"note\", \"off\").\n";

/* The diagnostic format named by --format for check. */
static int check_format(const cli *c, cb_diag_format *fmt) {
  if (!c->format || strcmp(c->format, "gcc") == 0)
    *fmt = CB_FMT_GCC;
  else if (strcmp(c->format, "json") == 0)
    *fmt = CB_FMT_JSON;
  else if (strcmp(c->format, "sarif") == 0)
    *fmt = CB_FMT_SARIF;
  else if (strcmp(c->format, "github") == 0)
    *fmt = CB_FMT_GITHUB;
  else if (strcmp(c->format, "junit") == 0)
    *fmt = CB_FMT_JUNIT;
  else if (strcmp(c->format, "rdjson") == 0)
    *fmt = CB_FMT_RDJSON;
  else
    return cli_usage_error("unknown format '%s' (gcc, json, sarif, github, "
                           "junit or rdjson)",
                           c->format);
  return -1;
}

/* check --fix: the fixes applied (or shown, --dry-run), then what is
 * left, checked again. Returns -1 to go on with the check of what is
 * left, or the exit status. */
static int check_fix(const cli *c) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  size_t n_fixed = 0, n_files = 0;
  int rc = cli_load_book(&ctx, &book, c, 1);
  if (rc < 0) {
    int err = cb_book_apply_ignores(ctx, book);
    if (err == 0)
      err = cb_book_fix(ctx, book, c->dry_run ? stdout : NULL, &n_fixed,
                        &n_files);
    if (err < 0)
      rc = cli_env_error(ctx, err);
  }
  if (rc < 0 && !c->quiet)
    fprintf(stderr, "casebook: %s %zu fix%s in %zu file%s%s\n",
            c->dry_run ? "would apply" : "applied", n_fixed,
            n_fixed == 1 ? "" : "es", n_files, n_files == 1 ? "" : "s",
            c->dry_run ? " (--dry-run: nothing written)" : "");
  if (rc < 0 && c->dry_run) {
    cb_diag_print(stderr, ctx, CB_FMT_GCC, cli_want_color(c, stderr));
    rc = cli_exit_for(ctx, c);
  }
  cb_ctx_free(ctx);
  return rc;
}

static int cmd_check(const cli *c) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  cb_diag_format fmt = CB_FMT_GCC;
  int rc = check_format(c, &fmt);
  if (rc >= 0 || (rc = cli_max_args(c, 1)) >= 0)
    return rc;
  /* --fix: fixed first, then what is left is checked as usual */
  if (c->fix && (rc = check_fix(c)) >= 0)
    return rc;
  rc = cli_load_book(&ctx, &book, c, 1);
  if (rc < 0 && cb_book_apply_ignores(ctx, book) < 0)
    rc = cli_env_error(ctx, CB_ENOMEM);
  if (rc < 0) {
    FILE *fp = stdout;
    int err = cb_diag_print(fp, ctx, fmt,
                            fmt == CB_FMT_GCC && cli_want_color(c, fp));
    if (err == 0 && fflush(fp) != 0)
      err = CB_EIO;
    if (err < 0) {
      /* a report cut short must not pass for a clean one */
      fprintf(stderr, "casebook: cannot write the diagnostics: %s\n",
              err == CB_ENOMEM ? "out of memory" : "write error");
      cb_ctx_free(ctx);
      return EXIT_INTERNAL;
    }
    rc = cli_exit_for(ctx, c);
    if (c->verbose && fmt == CB_FMT_GCC)
      fprintf(stderr, "checked %zu chapters: %zu questions, %zu criteria, "
                      "%zu cases\n",
              book->n_chapters, book->n_questions, book->n_criteria,
              book->n_cases);
  }
  cb_ctx_free(ctx);
  return rc;
}

static int cmd_init(const cli *c) {
  cb_ctx *ctx = NULL;
  if (c->n_args == 0)
    return cli_usage_error("%s needs a directory", "init");
  if (cli_max_args(c, 1) >= 0)
    return EXIT_USAGE;
  if (cb_ctx_new(&ctx, NULL) < 0) {
    fputs("casebook: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  int err = cb_project_init(ctx, c->dir);
  int rc = EXIT_CLEAN;
  if (err < 0)
    rc = cli_env_error(ctx, err);
  else if (!c->quiet)
    printf("created %s%s: run 'casebook build %s'\n", c->dir,
           err == 1 ? " (a new git repository)" : "", c->dir);
  cb_ctx_free(ctx);
  return rc;
}

static void print_wrapped(const char *label, const char *text) {
  if (!text || !*text)
    return;
  printf("%s:\n", label);
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    fputs("  ", stdout);
    char *line = strndup(p, n);
    cb_print_text(stdout, line ? line : "");
    free(line);
    putchar('\n');
    p += n + (nl != NULL);
  }
}

static int cmd_rules(const cli *c) {
  cb_ctx *ctx = NULL;
  const cb_rule_info *rules;
  size_t n;
  int rc = cli_max_args(c, 1);
  if (rc >= 0)
    return rc;
  rc = EXIT_CLEAN;
  if (cb_ctx_new(&ctx, NULL) < 0) {
    fputs("casebook: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  const cb_book *book = NULL;
  int err = 0;
  if (c->project && (err = cb_book_load(&book, ctx, c->project)) < 0) {
    rc = cli_env_error(ctx, err);
    goto done;
  }
  err = cb_rules_list(&rules, &n, ctx, book);
  if (err < 0) {
    rc = cli_env_error(ctx, err);
    goto done;
  }
  if (!c->n_args) {
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
      if (strlen(rules[i].id) > w)
        w = strlen(rules[i].id);
    /* a project rule's text is the project's: shown as diagnostics are */
    for (size_t i = 0; i < n; i++) {
      printf("%-*s  %-7s  ", (int)w, rules[i].id, rules[i].severity);
      cb_print_text(stdout, rules[i].summary);
      putchar('\n');
    }
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    if (strcmp(rules[i].id, c->args[0]) != 0)
      continue;
    printf("%s (%s by default)\n\n", rules[i].id, rules[i].severity);
    if (rules[i].summary) {
      cb_print_text(stdout, rules[i].summary);
      fputs("\n\n", stdout);
    }
    print_wrapped("Why", rules[i].rationale);
    if (rules[i].example && *rules[i].example) {
      putchar('\n');
      print_wrapped("Example", rules[i].example);
    }
    goto done;
  }
  const char **ids = malloc((n + 1) * sizeof *ids);
  const char *best = NULL;
  if (ids) {
    for (size_t i = 0; i < n; i++)
      ids[i] = rules[i].id;
    best = cb_suggest(c->args[0], ids, n);
  }
  fprintf(stderr, "casebook: no rule '%s'", c->args[0]);
  if (best)
    fprintf(stderr, "; did you mean '%s'?", best);
  fputs(" (see 'casebook rules')\n", stderr);
  free(ids);
  rc = EXIT_USAGE;
done:
  cb_ctx_free(ctx);
  return rc;
}

/* The commands, in the order of the usage text. A command kept in a file
 * of its own declares its function and usage here. */

static const cli_command commands[] = {
    {"init", usage_init, cmd_init},
    {"build", cli_build_usage, cli_build},
    {"check", usage_check, cmd_check},
    {"rules", usage_rules, cmd_rules},
    {"diff", cli_diff_usage, cli_diff},
    {"log", cli_log_usage, cli_log},
    {"grade", cli_grade_usage, cli_grade},
    {"serve", cli_serve_usage, cli_serve},
    {"lsp", cli_lsp_usage, cli_lsp},
};
#define N_COMMANDS (sizeof commands / sizeof *commands)

#define FIELD(f) offsetof(cli, f)

/* The options, for getopt_long. Those without a short form get a code
 * above the characters. */
enum {
  OPT_PROJECT = 256,
  OPT_REV,
  OPT_SINCE,
  OPT_AGAINST,
  OPT_FORMAT,
  OPT_COLOR,
  OPT_NO_CACHE,
  OPT_FAIL_ON,
  OPT_INPUT,
  OPT_PARTIAL,
  OPT_MERGE,
  OPT_SEED,
  OPT_MIN_ALPHA,
  OPT_MIN_ACCURACY,
  OPT_FIX,
  OPT_DRY_RUN,
  OPT_PORT,
  OPT_HOST,
  OPT_OPEN
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"project", required_argument, NULL, OPT_PROJECT},
    {"rev", required_argument, NULL, OPT_REV},
    {"since", required_argument, NULL, OPT_SINCE},
    {"against", required_argument, NULL, OPT_AGAINST},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"color", optional_argument, NULL, OPT_COLOR},
    {"colour", optional_argument, NULL, OPT_COLOR},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"input", required_argument, NULL, OPT_INPUT},
    {"partial", required_argument, NULL, OPT_PARTIAL},
    {"merge", no_argument, NULL, OPT_MERGE},
    {"fix", no_argument, NULL, OPT_FIX},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"port", required_argument, NULL, OPT_PORT},
    {"host", required_argument, NULL, OPT_HOST},
    {"open", no_argument, NULL, OPT_OPEN},
    {"seed", required_argument, NULL, OPT_SEED},
    {"min-alpha", required_argument, NULL, OPT_MIN_ALPHA},
    {"min-accuracy", required_argument, NULL, OPT_MIN_ACCURACY},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Options that take a value: where it goes, and what it is. */
static const struct {
  int code;
  const char *name;
  size_t offset; /* of the const char * field in cli */
  const char *what;
} value_opts[] = {
    {'o', "--output", FIELD(out), "a directory"},
    {OPT_PROJECT, "--project", FIELD(project), "a directory"},
    {OPT_REV, "--rev", FIELD(rev), "a revision"},
    {OPT_SINCE, "--since", FIELD(since), "a revision"},
    {OPT_AGAINST, "--against", FIELD(against), "a revision"},
    {OPT_FORMAT, "--format", FIELD(format), "a value"},
    {OPT_FAIL_ON, "--fail-on", 0, "a value"},
    {OPT_INPUT, "--input", FIELD(input), "a format"},
    {OPT_PARTIAL, "--partial", FIELD(partial), "a file"},
    {OPT_SEED, "--seed", FIELD(seed), "a number"},
    {OPT_PORT, "--port", FIELD(port), "a number"},
    {OPT_HOST, "--host", FIELD(host), "an address"},
    {OPT_MIN_ALPHA, "--min-alpha", 0, "a value ([QUESTION=]X)"},
    {OPT_MIN_ACCURACY, "--min-accuracy", 0, "a value ([QUESTION=]X)"},
};
#define N_VALUE_OPTS (sizeof value_opts / sizeof *value_opts)

/* The usage error for what getopt_long refused: arg is the argument it
 * stopped at, code the option's code (0 for an unknown long option),
 * missing whether its value is missing. */
static int bad_option(const char *arg, int code, int missing) {
  if (missing) {
    for (size_t k = 0; k < N_VALUE_OPTS; k++)
      if (value_opts[k].code == code)
        return cli_usage_error("%s needs %s", value_opts[k].name,
                               value_opts[k].what);
  }
  if (code && arg && arg[0] == '-' && arg[1] == '-' && strchr(arg, '='))
    return cli_usage_error("'%.*s' takes no value",
                           (int)(strchr(arg, '=') - arg), arg);
  if (code && code < 256 && !(arg && arg[0] == '-' && arg[1] == '-'))
    return cli_usage_error("unknown option '-%c'", code);
  return cli_usage_error("unknown option '%s'", arg ? arg : "?");
}

/* Parses argv into c (getopt_long: options anywhere, "--" ends them,
 * short flags combine as in -qv). Returns -1 to go on, or the exit
 * status. *help is set by -h. */
static int parse_args(cli *c, int *help, int argc, char **argv) {
  /* '-': positional arguments come back in order as code 1, whatever
   * POSIXLY_CORRECT says; ':': a missing value is told from an unknown
   * option. */
  static const char short_opts[] = "-:o:hqvV";
  opterr = 0;
  optind = 1;
  for (;;) {
    int prev = optind;
    int code = getopt_long(argc, argv, short_opts, long_opts, NULL);
    if (code == -1)
      break;
    /* the argument getopt stopped at, for messages */
    const char *at = prev < argc ? argv[prev] : NULL;
    const char *v = optarg;
    switch (code) {
    case 1:
      if (!c->cmd)
        c->cmd = v;
      else
        c->args[c->n_args++] = v;
      break;
    case OPT_MERGE:
      c->merge = 1;
      break;
    case OPT_FIX:
      c->fix = 1;
      break;
    case OPT_DRY_RUN:
      c->dry_run = 1;
      break;
    case OPT_OPEN:
      c->open = 1;
      break;
    case OPT_MIN_ALPHA:
    case OPT_MIN_ACCURACY:
      /* kept with their kind, in order: "alpha:VALUE", "accuracy:VALUE" */
      {
        size_t n = strlen(v) + sizeof "accuracy:";
        char *g = malloc(n);
        if (!g) {
          fputs("casebook: out of memory\n", stderr);
          return EXIT_INTERNAL;
        }
        snprintf(g, n, "%s:%s", code == OPT_MIN_ALPHA ? "alpha" : "accuracy",
                 v);
        c->gates[c->n_gates++] = g;
      }
      break;
    case 'V':
      printf("casebook %s (format %d)\n", cb_version(), CB_FORMAT_VERSION);
      return EXIT_CLEAN;
    case 'h':
      *help = 1;
      break;
    case 'q':
      c->quiet = 1;
      break;
    case 'v':
      c->verbose = 1;
      break;
    case OPT_NO_CACHE:
      c->no_cache = 1;
      break;
    case OPT_COLOR:
      if (!v || strcmp(v, "always") == 0)
        c->color = 1;
      else if (strcmp(v, "auto") == 0)
        c->color = -1;
      else if (strcmp(v, "never") == 0)
        c->color = 0;
      else
        return cli_usage_error("--color takes auto, always or never, not '%s'",
                               v);
      break;
    case OPT_FAIL_ON:
      if (strcmp(v, "error") == 0)
        c->fail_on = CB_DIAG_ERROR;
      else if (strcmp(v, "warning") == 0)
        c->fail_on = CB_DIAG_WARNING;
      else
        return cli_usage_error("--fail-on takes error or warning, not '%s'",
                               v);
      break;
    case ':':
      return bad_option(at, optopt, 1);
    case '?':
      return bad_option(at, optopt, 0);
    default:
      for (size_t k = 0; k < N_VALUE_OPTS; k++)
        if (value_opts[k].code == code && value_opts[k].offset)
          *(const char **)((char *)c + value_opts[k].offset) = v;
      break;
    }
  }
  /* what follows "--" is positional */
  for (int i = optind; i < argc; i++) {
    if (!c->cmd)
      c->cmd = argv[i];
    else
      c->args[c->n_args++] = argv[i];
  }
  return -1;
}

static int run(cli *c, int argc, char **argv);

int main(int argc, char **argv) {
  cli c = {0};
  /* room for every argument: positional ones and gates are fewer */
  c.args = calloc((size_t)argc + 1, sizeof *c.args);
  c.gates = calloc((size_t)argc + 1, sizeof *c.gates);
  int rc = EXIT_INTERNAL;
  if (c.args && c.gates)
    rc = run(&c, argc, argv);
  else
    fputs("casebook: out of memory\n", stderr);
  for (size_t i = 0; c.gates && i < c.n_gates; i++)
    free((char *)c.gates[i]);
  free(c.gates);
  free(c.args);
  return rc;
}

/* main, once the arrays of c are there. */
static int run(cli *cp, int argc, char **argv) {
  cp->color = -1;
  cp->fail_on = CB_DIAG_ERROR;
  int help = 0;
  int rc = parse_args(cp, &help, argc, argv); /* main frees what it keeps */
  cli c = *cp;
  if (rc >= 0)
    return rc;
  if (!c.cmd) {
    fputs(usage_main, help ? stdout : stderr);
    return help ? EXIT_CLEAN : EXIT_USAGE;
  }
  const cli_command *cmd = NULL;
  const char *names[N_COMMANDS];
  for (size_t i = 0; i < N_COMMANDS; i++) {
    names[i] = commands[i].name;
    if (strcmp(c.cmd, commands[i].name) == 0)
      cmd = &commands[i];
  }
  if (!cmd) {
    const char *best = cb_suggest(c.cmd, names, N_COMMANDS);
    fprintf(stderr, "casebook: unknown command '%s'", c.cmd);
    if (best)
      fprintf(stderr, "; did you mean '%s'?", best);
    fputs(" (see 'casebook --help')\n", stderr);
    return EXIT_USAGE;
  }
  if (help) {
    fputs(cmd->usage, stdout);
    return EXIT_CLEAN;
  }
  /* Options that only some commands take. */
  static const struct {
    size_t offset;
    const char *name, *cmds;
  } owned[] = {
      {FIELD(project), "--project", " rules "},
      {FIELD(format), "--format", " check diff log grade "},
      {FIELD(out), "--output", " build grade serve "},
      {FIELD(rev), "--rev", " build check log grade "},
      {FIELD(input), "--input", " grade "},
      {FIELD(partial), "--partial", " grade "},
      {FIELD(seed), "--seed", " grade "},
      {FIELD(since), "--since", " build serve "},
      {FIELD(port), "--port", " serve "},
      {FIELD(host), "--host", " serve "},
      {FIELD(against), "--against", " check "},
  };
  for (size_t k = 0; k < sizeof owned / sizeof *owned; k++) {
    const char *val = *(const char *const *)((const char *)&c + owned[k].offset);
    char key[32];
    snprintf(key, sizeof key, " %s ", cmd->name);
    if (val && !strstr(owned[k].cmds, key))
      return cli_usage_error("%s is not an option of '%s'", owned[k].name,
                             cmd->name);
  }
  if (c.no_cache && strcmp(cmd->name, "build") != 0)
    return cli_usage_error("--no-cache is not an option of '%s'", cmd->name);
  if ((c.fix || c.dry_run) && strcmp(cmd->name, "check") != 0)
    return cli_usage_error("%s is not an option of '%s'",
                           c.fix ? "--fix" : "--dry-run", cmd->name);
  if (c.dry_run && !c.fix)
    return cli_usage_error("--dry-run goes with --fix");
  if (c.fix && (c.rev || c.against))
    return cli_usage_error("--fix changes the files of the working tree: "
                           "not with %s", c.rev ? "--rev" : "--against");
  if (c.open && strcmp(cmd->name, "serve") != 0)
    return cli_usage_error("--open is not an option of '%s'", cmd->name);
  if ((c.merge || c.n_gates) && strcmp(cmd->name, "grade") != 0)
    return cli_usage_error("%s is not an option of '%s'",
                           c.merge ? "--merge" : "--min-alpha/--min-accuracy",
                           cmd->name);
  c.dir = c.n_args ? c.args[0] : ".";
  return cmd->run(&c);
}
