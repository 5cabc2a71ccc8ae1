/* SPDX-License-Identifier: MIT */
/*
 * test_diff.c: the semantic diff (cb_book_diff) on books loaded from
 * memory: every kind of change with its category and position, probable
 * renames, answers compared by value, a deterministic order, the history
 * markers of cb_book_set_base, the printers' escaping of hostile text,
 * book.previous and book.changes as the rules see them, and failing
 * allocations.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "casebook/casebook.h"
#include "testlib.h"

static const char old_guide[] =
    "# G\n\nIntro text.\n\n## Scope\n\nOld scope.\n\n## Gone\n\nWill vanish.\n\n"
    "## Question q1: Choice one\n\n- type: choice\n- hint: Pick one\n\n"
    "Guidance one.\n\n"
    "| Option | Meaning | hotkey |\n|---|---|---|\n"
    "| a | Alpha meaning. | 1 |\n| b | Beta meaning. | 2 |\n"
    "| c | Gamma meaning. | 3 |\n\n"
    "## Question q2: Scale\n\n- type: scale 1-5\n\n"
    "| Score | Meaning |\n|---|---|\n| 1 | Bad. |\n| 5 | Good. |\n\n"
    "## Question q3: Old name\n\n- type: choice\n\n"
    "| Option | Meaning |\n|---|---|\n| x | Ex. |\n| y | Why. |\n\n"
    "## Question q4: Will go\n\n- type: text\n- required: no\n\n"
    "## Question q5: Pair\n\n- type: pairwise\n- required: no\n\n"
    "## Criterion k1: Keep\n\nKeep  text.\n\n"
    "## Criterion k2: Renamed crit\n\nCrit text.\n\n"
    "## Criterion k3: Gone crit\n\nBye.\n\n"
    "## Case c1: One\n\n```prompt\nP1\n```\n\n- q1: a\n- q2: 3\n- q3: x\n"
    "- criteria: k1\n- tags: t1\n\nRationale one.\n\n"
    "## Case c2: Draft\n\n```prompt\nP2\n```\n\n- q1: b\n- q3: x\n"
    "- status: draft\n\nDraft rationale.\n\n"
    "## Case c3: Final to rename\n\n```prompt\nP3\n```\n\n- q1: c\n- q3: x\n\nR3.\n\n"
    "## Case c4: Final going\n\n```prompt\nP4\n```\n\n- q1: a\n- q3: x\n\nR4.\n\n"
    "## Case c5: Draft going\n\n```prompt\nP5\n```\n\n- q1: a\n- q3: x\n"
    "- status: draft\n\nR5.\n\n"
    "## Case c6: Becomes draft\n\n```prompt\nP6\n```\n\n- q1: a\n- q3: x\n\nR6.\n\n"
    "## Case c8: Moves\n\n```prompt\nP8\n```\n\n- q1: a\n- q3: x\n\nR8.\n";

static const char new_guide[] =
    "# G\n\nIntro text.\n\n## Scope\n\nNew scope.\n\n## Fresh\n\nNew section.\n\n"
    "## Question q1: Choice one\n\n- type: choice\n- hint: Pick exactly one\n\n"
    "Guidance one, reworded.\n\n"
    "| Option | Meaning | hotkey |\n|---|---|---|\n"
    "| a | Alpha meaning. | 9 |\n| bb | Beta meaning. | 2 |\n"
    "| d | Delta meaning. | 4 |\n\n"
    "## Question q2: Scale\n\n- type: scale 1-7\n\n"
    "| Score | Meaning |\n|---|---|\n| 1 | Very bad. |\n| 7 | Best. |\n\n"
    "## Question q3b: New name\n\n- type: choice\n\n"
    "| Option | Meaning |\n|---|---|\n| x | Ex. |\n| y | Why. |\n\n"
    "## Question q5: Pair\n\n- type: pairwise\n- required: no\n- scope: response\n\n"
    "## Question q6: Added\n\n- type: text\n- required: no\n\n"
    "## Criterion k1: Keep\n\nKeep text.\n\n"
    "## Criterion k2b: Renamed crit\n\nCrit text.\n\n"
    "## Criterion k4: New crit\n\nHello.\n\n"
    "## Case c1: One, retitled\n\n```prompt\nP1\n```\n\n- q1: d\n- q2: 4\n- q3b: x\n"
    "- tags: t2\n\nRationale one, reworded.\n\n"
    "## Case c2: Draft\n\n```prompt\nP2\n```\n\n- q1: bb\n- q3b: x\n"
    "- status: draft\n\nDraft rationale.\n\n"
    "## Case c3b: Final to rename\n\n```prompt\nP3\n```\n\n- q1: a\n- q3b: x\n\nR3.\n\n"
    "## Case c6: Becomes draft\n\n```prompt\nP6\n```\n\n- q1: a\n- q3b: x\n"
    "- status: draft\n\nR6.\n";

static const char new_more[] =
    "# More\n\n## Case c7: Added\n\n```prompt\nP7\n```\n\n- q1: a\n- q3b: x\n\nR7.\n\n"
    "## Case c8: Moves\n\n```prompt\nP8\n```\n\n- q1: a\n- q3b: x\n\nR8.\n";

static const char old_other[] = "# Other\n\nA chapter that goes away.\n";

/* Loads a book from (path, text) pairs ending with NULL. */
static const cb_book *load(cb_ctx **ctx, const char *const *pairs) {
  cb_source_file files[8];
  size_t n = 0;
  for (; pairs[2 * n] && n < 8; n++) {
    files[n].path = pairs[2 * n];
    files[n].text = pairs[2 * n + 1];
    files[n].len = strlen(pairs[2 * n + 1]);
  }
  const cb_book *book = NULL;
  if (cb_ctx_new(ctx, NULL) < 0)
    return NULL;
  CHECK_INT(cb_book_load_files(&book, *ctx, files, n), 0);
  return book;
}

/* An old and a new book, each in its own context. */
typedef struct pair {
  cb_ctx *octx, *nctx;
  const cb_book *ob, *nb;
} pair;

/* Loads the two books from (path, text) lists; 1 when both loaded.
 * pair_free frees the contexts either way. */
static int pair_load(pair *p, const char *const *old_files,
                     const char *const *new_files) {
  p->octx = p->nctx = NULL;
  p->ob = load(&p->octx, old_files);
  p->nb = load(&p->nctx, new_files);
  return p->ob && p->nb;
}

static void pair_free(pair *p) {
  cb_ctx_free(p->octx);
  cb_ctx_free(p->nctx);
}

/* The changes from the old book to the new (in the new one's context),
 * *n of them. */
static const cb_change *pair_diff(pair *p, size_t *n) {
  const cb_change *ch = NULL;
  *n = 0;
  CHECK_INT(cb_book_diff(&ch, n, p->nctx, p->ob, p->nb), 0);
  return ch;
}

/* One line per change: "category kind element where: message". */
static char *lines(const cb_book *nb, const cb_change *ch, size_t n) {
  cb_buf b = {0};
  for (size_t i = 0; i < n; i++) {
    cb_buf_printf(&b, "%s %s %s ", cb_change_category_name(ch[i].category),
                  ch[i].kind, ch[i].element ? ch[i].element : "-");
    if (ch[i].loc.file < nb->n_files)
      cb_buf_printf(&b, "%s:%u", nb->files[ch[i].loc.file].path,
                    ch[i].loc.line);
    else
      cb_buf_puts(&b, "-");
    cb_buf_printf(&b, ": %s\n", ch[i].message);
  }
  char *s = cb_strdup(cb_buf_cstr(&b));
  cb_buf_free(&b);
  return s;
}

static const char expected_all[] =
    "cosmetic version-changed - casebook.lua:2: the manifest's version changed from 1.0 to 1.1\n"
    "additive chapter-added more.md more.md:0: chapter more.md was added\n"
    "semantic chapter-removed other.md -: chapter other.md was removed\n"
    "semantic question-hint-changed q1 guide.md:13: the hint of question 'q1' was reworded\n"
    "semantic question-guidance-changed q1 guide.md:13: the guidance of question 'q1' was reworded\n"
    "cosmetic option-attrs-changed q1/a guide.md:22: the extra columns of option 'a' of question 'q1' changed\n"
    "breaking option-renamed q1/bb guide.md:23: option 'b' of question 'q1' was probably renamed to 'bb' (same meaning)\n"
    "additive option-added q1/d guide.md:24: option 'd' was added to question 'q1'\n"
    "breaking option-removed q1/c guide.md:20: option 'c' was removed from question 'q1'\n"
    "semantic scale-widened q2 guide.md:26: the scale of question 'q2' widened from 1-5 to 1-7\n"
    "semantic scale-label-changed q2/1 guide.md:32: the label of value 1 of question 'q2' was reworded\n"
    "additive scale-label-added q2/7 guide.md:33: value 7 of scale question 'q2' got a label\n"
    "semantic scale-label-removed q2/5 guide.md:30: value 5 of scale question 'q2' lost its label\n"
    "breaking question-renamed q3b guide.md:35: question 'q3' was probably renamed to 'q3b' (same type, options and guidance)\n"
    "breaking question-scope-changed q5 guide.md:44: question 'q5' is now answered once per response\n"
    "additive question-added q6 guide.md:50: question 'q6' (text) was added\n"
    "breaking question-removed q4 guide.md:0: question 'q4' was removed\n"
    "cosmetic criterion-reformatted k1 guide.md:55: criterion 'k1' changed only in spacing or markup\n"
    "semantic criterion-renamed k2b guide.md:59: criterion 'k2' was probably renamed to 'k2b' (same title and text)\n"
    "additive criterion-added k4 guide.md:63: criterion 'k4' was added\n"
    "semantic criterion-removed k3 guide.md:0: criterion 'k3' was removed\n"
    "gold gold-changed c1 guide.md:73: gold answer of case 'c1' to 'q1' changed from a to d\n"
    "gold gold-changed c1 guide.md:74: gold answer of case 'c1' to 'q2' changed from 3 to 4\n"
    "semantic case-rationale-changed c1 guide.md:67: the rationale of case 'c1' was reworded\n"
    "semantic case-criteria-changed c1 guide.md:67: the criteria case 'c1' cites changed\n"
    "cosmetic case-tags-changed c1 guide.md:67: the tags of case 'c1' changed\n"
    "cosmetic case-title-changed c1 guide.md:67: the title of case 'c1' changed\n"
    "cosmetic draft-case-changed c2 guide.md:80: the inputs or answers of draft case 'c2' changed\n"
    "gold case-renamed c3b guide.md:92: case 'c3' was probably renamed to 'c3b' (same inputs)\n"
    "gold case-unfinalized c6 guide.md:103: case 'c6' is now draft: its gold answers leave the gold set\n"
    "additive case-added c7 more.md:3: case 'c7' was added\n"
    "cosmetic element-moved c8 more.md:14: case 'c8' moved from guide.md to more.md\n"
    "gold case-removed c4 guide.md:0: final case 'c4' was removed\n"
    "cosmetic draft-case-removed c5 guide.md:0: draft case 'c5' was removed\n"
    "semantic section-changed guide.md#scope guide.md:5: section 'Scope' was reworded\n"
    "additive section-added guide.md#fresh guide.md:9: section 'Fresh' was added to guide.md\n"
    "semantic section-removed guide.md#gone guide.md:0: section 'Gone' was removed from guide.md\n";

static void test_all_kinds(void) {
  const char *const old_files[] = {"casebook.lua", "version = \"1.0\"\n",
                                   "guide.md",     old_guide,
                                   "other.md",     old_other,
                                   NULL};
  const char *const new_files[] = {"casebook.lua", "title = \"G\"\nversion = \"1.1\"\n",
                                   "guide.md",     new_guide,
                                   "more.md",      new_more,
                                   NULL};
  pair p;
  int loaded = pair_load(&p, old_files, new_files);
  CHECK(loaded);
  if (!loaded)
    goto done;
  cb_ctx *nctx = p.nctx;
  const cb_book *ob = p.ob, *nb = p.nb;
  size_t n, n2;
  const cb_change *ch = pair_diff(&p, &n);
  char *got = lines(nb, ch, n);
  CHECK_STR(got, expected_all);
  /* the same twice: the order is deterministic */
  const cb_change *ch2 = pair_diff(&p, &n2);
  char *again = lines(nb, ch2, n2);
  CHECK_STR(again, got);
  free(again);
  free(got);
  /* before and after of a gold change are the values */
  for (size_t i = 0; i < n; i++)
    if (strcmp(ch[i].kind, "gold-changed") == 0 &&
        strstr(ch[i].message, "'q2'")) {
      CHECK_STR(ch[i].before, "3");
      CHECK_STR(ch[i].after, "4");
      CHECK_STR(ch[i].what, "case");
    }
  /* nothing changes against itself */
  CHECK_INT(cb_book_diff(&ch, &n, nctx, nb, nb), 0);
  CHECK_INT(n, 0);

  /* history markers */
  CHECK_INT(cb_book_set_base(nctx, ob, "v1", "v1.0"), 0);
  CHECK_STR(nb->since, "v1");
  CHECK_STR(nb->since_label, "v1.0");
  CHECK(nb->n_changes > 30);
  const cb_question *q1 = cb_book_question(nb, "q1");
  const cb_question *q2 = cb_book_question(nb, "q2");
  const cb_question *q3b = cb_book_question(nb, "q3b");
  const cb_question *q6 = cb_book_question(nb, "q6");
  CHECK(q1 && q2 && q3b && q6);
  if (q1 && q2 && q3b && q6) {
    CHECK_INT(q1->history.state, CB_CHANGED);
    /* a new hotkey is cosmetic: no marker */
    CHECK_INT(cb_question_option(q1, "a")->history.state, CB_UNCHANGED);
    CHECK_INT(cb_question_option(q1, "bb")->history.state, CB_ADDED);
    CHECK_INT(cb_question_option(q1, "d")->history.state, CB_ADDED);
    CHECK_INT(q3b->history.state, CB_ADDED);
    CHECK_INT(q3b->options[0].history.state, CB_ADDED);
    CHECK_INT(q6->history.state, CB_ADDED);
  }
  CHECK_INT(cb_book_criterion(nb, "k1")->history.state, CB_UNCHANGED);
  CHECK_INT(cb_book_criterion(nb, "k4")->history.state, CB_ADDED);
  CHECK_INT(cb_book_case(nb, "c1")->history.state, CB_CHANGED);
  CHECK_INT(cb_book_case(nb, "c7")->history.state, CB_ADDED);
  CHECK_INT(cb_book_case(nb, "c8")->history.state, CB_CHANGED);
done:
  pair_free(&p);
}

/* Answers are compared by value: the order of a multi answer, spacing
 * and per-response answers. */
static void test_answers(void) {
  const char *q =
      "# Q\n\n## Question m: Multi\n\n- type: multi\n\n"
      "| Option | Meaning |\n|---|---|\n| a | A. |\n| b | B. |\n\n"
      "## Question r: Rank\n\n- type: rank\n- required: no\n\n"
      "## Question v: Per response\n\n- type: choice\n- scope: response\n\n"
      "| Option | Meaning |\n|---|---|\n| good | Good. |\n| bad | Bad. |\n\n";
  char old_text[2048], new_text[2048];
  snprintf(old_text, sizeof old_text,
           "%s## Case c: C\n\n```prompt\nP\n```\n\n```response A\nx\n```\n\n"
           "```response B\ny\n```\n\n- m: a, b\n- r: A > B\n\n"
           "| Response | v |\n|---|---|\n| A | good |\n| B | bad |\n\nWhy.\n",
           q);
  snprintf(new_text, sizeof new_text,
           "%s## Case c: C\n\n```prompt\nP\n```\n\n```response A\nx\n```\n\n"
           "```response B\ny\n```\n\n- m: b,a\n- r: A = B\n\n"
           "| Response | v |\n|---|---|\n| A | good |\n| B | good |\n\nWhy.\n",
           q);
  const char *const of[] = {"q.md", old_text, NULL};
  const char *const nf[] = {"q.md", new_text, NULL};
  pair p;
  if (pair_load(&p, of, nf)) {
    size_t n;
    const cb_change *ch = pair_diff(&p, &n);
    char *got = lines(p.nb, ch, n);
    CHECK_STR(got,
              "gold gold-changed c q.md:42: gold answer of case 'c' to 'r' "
              "changed from A > B to A = B\n"
              "gold gold-changed c q.md:47: gold answer of case 'c' to 'v' "
              "(response B) changed from bad to good\n");
    free(got);
  }
  pair_free(&p);
}

/* Hostile text stays inert in every format. */
static void test_print_escaping(void) {
#define HOSTILE_BASE                                                         \
  "# H\n\n## Question t: Text\n\n- type: text\n\n## Case c: C\n\n"          \
  "```prompt\nP\n```\n\n- t: %s\n\nWhy.\n"
  char old_text[512], new_text[512];
  snprintf(old_text, sizeof old_text, HOSTILE_BASE, "plain");
  snprintf(new_text, sizeof new_text, HOSTILE_BASE,
           "a | b `<script>alert(1)</script>` \033[31mred \xff");
  const char *const of[] = {"h.md", old_text, NULL};
  const char *const nf[] = {"h.md", new_text, NULL};
  pair p;
  if (pair_load(&p, of, nf)) {
    size_t n;
    const cb_change *ch = pair_diff(&p, &n);
    CHECK_INT(n, 1);
    for (int fmt = 0; fmt < 3; fmt++) {
      FILE *fp = tmpfile();
      CHECK(fp != NULL);
      if (!fp)
        continue;
      CHECK_INT(cb_diff_print(fp, p.nctx, ch, n, p.ob, "old <b>", p.nb,
                              "new|x", (cb_diff_format)fmt, 0),
                0);
      long len = ftell(fp);
      rewind(fp);
      char *s = calloc(1, (size_t)len + 1);
      if (s && fread(s, 1, (size_t)len, fp) == (size_t)len) {
        CHECK(strchr(s, '\033') == NULL); /* no terminal escape */
        CHECK(strstr(s, "\xff") == NULL); /* no invalid UTF-8 */
        if (fmt == CB_DIFF_MARKDOWN) {
          CHECK(strstr(s, "<script>") == NULL);
          CHECK(strstr(s, "\\<script\\>") != NULL);
          CHECK(strstr(s, "a \\| b") != NULL);
          CHECK(strstr(s, "new\\|x") != NULL);
        } else if (fmt == CB_DIFF_JSON) {
          CHECK(strstr(s, "\"after\": \"a | b <script>alert(1)</script>") !=
                NULL);
          CHECK(strstr(s, "\\u001B[31mred \xEF\xBF\xBD") != NULL);
        } else {
          CHECK(strstr(s, "[31mred \xEF\xBF\xBD") != NULL);
        }
      } else {
        CHECK(0);
      }
      free(s);
      fclose(fp);
    }
  }
  pair_free(&p);
}

/* book.previous and book.changes as the rules get them; the major bump
 * turns breaking changes into notes; the manifest's levels. */
static void test_check_against(void) {
  const char *guide_old =
      "# G\n\n## Question h: H\n\n| Option | Meaning |\n|---|---|\n"
      "| a | A. |\n| b | B. |\n\n## Case c: C\n\n```prompt\nP\n```\n\n"
      "- h: a\n\nWhy.\n";
  const char *guide_new =
      "# G\n\n## Question h: H\n\n| Option | Meaning |\n|---|---|\n"
      "| a | A. |\n\n## Case c: C\n\n```prompt\nP\n```\n\n"
      "- h: a\n\nWhy.\n";
  static const struct {
    const char *old_manifest, *new_manifest, *want;
  } cases[] = {
      /* the first breaking error says what would announce it, and how
       * to acknowledge one */
      {"version = \"1.0\"\n", "version = \"1.1\"\n",
       "error breaking-change 5 breaking change [option-removed]: option 'b' "
       "was removed from question 'h'; version = \"2.0\" in the manifest (a "
       "major version change) turns breaking changes into notes, and <!-- "
       "casebook-ignore breaking-change: why --> before a case's heading (or "
       "an element's) acknowledges one\n"},
      {"", "",
       "error breaking-change 5 breaking change [option-removed]: option 'b' "
       "was removed from question 'h'; a major version change of the "
       "manifest's version turns breaking changes into notes, and <!-- "
       "casebook-ignore breaking-change: why --> before a case's heading (or "
       "an element's) acknowledges one\n"},
      {"version = \"1.0\"\n", "version = \"2.0\"\n",
       "note breaking-change 5 breaking change [option-removed]: option 'b' "
       "was removed from question 'h' (announced by the major version "
       "change 1.0 -> 2.0)\n"},
      {"version = \"1.0\"\n",
       "version = \"1.1\"\nchanges = { breaking = \"warning\" }\n",
       "warning breaking-change 5 breaking change [option-removed]: option "
       "'b' was removed from question 'h'\n"},
      {"", "changes = { breaking = \"off\" }\n", ""},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    const char *const of[] = {"casebook.lua", cases[k].old_manifest, "g.md",
                              guide_old, NULL};
    const char *const nf[] = {"casebook.lua", cases[k].new_manifest, "g.md",
                              guide_new, NULL};
    pair p;
    if (pair_load(&p, of, nf)) {
      CHECK_INT(cb_book_check_against(p.nctx, p.nb, p.ob), 0);
      size_t n;
      const cb_diag *d = cb_ctx_diags(p.nctx, &n);
      cb_buf b = {0};
      cb_buf_puts(&b, "");
      for (size_t i = 0; i < n; i++) {
        if (!strstr(d[i].rule, "-change"))
          continue;
        cb_buf_printf(&b, "%s %s %u %s\n",
                      d[i].level == CB_DIAG_ERROR     ? "error"
                      : d[i].level == CB_DIAG_WARNING ? "warning"
                                                      : "note",
                      d[i].rule, d[i].line, d[i].message);
      }
      CHECK_STR(cb_buf_cstr(&b), cases[k].want);
      cb_buf_free(&b);
    }
    pair_free(&p);
  }
}

/* Every allocation failing in turn: an error code or success, never a
 * crash (ASan reports leaks). */
static void test_alloc_failures(void) {
  const char *const of[] = {"casebook.lua", "version = \"1.0\"\n", "guide.md",
                            old_guide, NULL};
  const char *const nf[] = {"casebook.lua", "version = \"1.1\"\n", "guide.md",
                            new_guide, "more.md", new_more, NULL};
  pair p;
  int loaded = pair_load(&p, of, nf), failures = 0, successes = 0;
  for (test_sweep s = test_sweep_start(1, 1); s.n < 4000 && loaded;
       test_sweep_next(&s)) {
    long k = s.n;
    const cb_change *ch = NULL;
    size_t n = 0;
    cb_alloc_fail_after(k);
    int rc = cb_book_diff(&ch, &n, p.nctx, p.ob, p.nb);
    cb_alloc_fail_after(0);
    if (rc == 0) {
      successes++;
      break;
    }
    CHECK_INT(rc, CB_ENOMEM);
    failures += (int)s.weight;
  }
  CHECK(failures > 10);
  CHECK_INT(successes, 1);
  pair_free(&p);
}

/* A fixed-seed generator for the mutations. */
static unsigned long long rng = 0x2545F4914F6CDD1DULL;
static unsigned rnd(unsigned n) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (unsigned)((rng * 0x2545F4914F6CDD1DULL) >> 33) % n;
}

/* text with a few lines dropped, doubled or cut, and a few bytes set to
 * anything (malloc'd). */
static char *mutate(const char *text) {
  size_t len = strlen(text);
  char *out = malloc(2 * len + 64);
  size_t k = 0;
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
    unsigned r = rnd(40);
    if (r == 0) { /* drop */
    } else if (r == 1) { /* twice */
      memcpy(out + k, p, n);
      k += n;
      memcpy(out + k, p, n);
      k += n;
    } else if (r == 2 && n > 2) { /* cut */
      memcpy(out + k, p, n / 2);
      k += n / 2;
      out[k++] = '\n';
    } else {
      memcpy(out + k, p, n);
      k += n;
    }
    p += n;
  }
  for (unsigned i = rnd(4); i > 0 && k; i--)
    out[rnd((unsigned)k)] = (char)rnd(256);
  out[k] = '\0';
  /* a NUL set above shortens the text: fine */
  return out;
}

/* Random edits of the two books: every diff, print and marking runs
 * without a crash or a leak (the ASan build checks), and a book compared
 * with itself has no change. */
static void test_mutations(void) {
  int ok = 1;
  for (int round = 0; round < 150; round++) {
    char *a = mutate(old_guide), *b = mutate(round % 3 ? new_guide : old_guide);
    const char *const of[] = {"guide.md", a, "casebook.lua",
                              round % 2 ? "version = \"1\"\n" : "x = (", NULL};
    const char *const nf[] = {"guide.md", b, "more.md", new_more, NULL};
    pair p;
    if (pair_load(&p, of, nf)) {
      cb_ctx *octx = p.octx, *nctx = p.nctx;
      const cb_book *ob = p.ob, *nb = p.nb;
      const cb_change *ch = NULL;
      size_t n = 0;
      ok &= cb_book_diff(&ch, &n, nctx, ob, nb) == 0;
      for (int fmt = 0; fmt < 3; fmt++) {
        FILE *fp = fopen("/dev/null", "w");
        if (fp) {
          ok &= cb_diff_print(fp, nctx, ch, n, ob, "a", nb, "b",
                              (cb_diff_format)fmt, fmt == 0) == 0;
          fclose(fp);
        }
      }
      ok &= cb_book_diff(&ch, &n, octx, nb, ob) == 0;
      ok &= cb_book_diff(&ch, &n, nctx, nb, nb) == 0 && n == 0;
      ok &= cb_book_set_base(nctx, ob, "a", NULL) == 0;
      ok &= cb_book_check_against(nctx, nb, ob) == 0;
    } else {
      ok = 0;
    }
    pair_free(&p);
    free(a);
    free(b);
  }
  CHECK(ok);
}

int main(void) {
  test_all_kinds();
  test_answers();
  test_print_escaping();
  test_check_against();
  test_alloc_failures();
  test_mutations();
  return test_report("diff");
}
