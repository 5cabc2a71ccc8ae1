/* SPDX-License-Identifier: MIT */
/*
 * bench_gen.c: writes the synthetic project that `make bench` compiles.
 *
 *   bench_gen OUTDIR [CHAPTERS [CASES-PER-CHAPTER]]
 *
 * The defaults (2,000 chapters of 5 cases) give about 17 MB of Markdown:
 * prose with paragraphs, lists, tables, links and code, every question
 * type, cases with one to three responses, system prompts, per-response
 * answer tables, and criteria cited by the cases. The output is fully
 * determined by the arguments (a fixed-seed generator), and it compiles
 * without errors. OUTDIR is created; existing files in it are overwritten.
 *
 * Exit status: 0 written, 1 an I/O error, 2 usage error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define N_CRITERIA 60
#define CHAPTERS_PER_DIR 100
#define GEN_VERSION "bench_gen 1"

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;

/* xorshift64*: small, fast, and the same on every platform. */
static unsigned rnd(unsigned n) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (unsigned)((rng_state * 0x2545F4914F6CDD1DULL) >> 33) % n;
}

static const char *const words[] = {
    "annotator", "response",  "prompt",    "guideline", "label",
    "careful",   "reading",   "request",   "evidence",  "harm",
    "helpful",   "accurate",  "context",   "the",       "a",
    "of",        "and",       "to",        "in",        "is",
    "that",      "for",       "it",        "with",      "as",
    "on",        "be",        "this",      "by",        "an",
    "should",    "when",      "user",      "model",     "answer",
    "question",  "judge",     "clear",     "example",   "refusal",
    "policy",    "tone",      "detail",    "safe",      "risk",
    "reply",     "each",      "case",      "review",    "source",
    "consistent", "criteria", "decision",  "explain",   "reason",
    "specific",  "general",   "useful",    "quality",   "instruction",
};
#define N_WORDS (sizeof words / sizeof *words)

static const char *const harm_opts[] = {"safe", "borderline", "harmful"};
static const char *const issue_opts[] = {"factual-error", "tone", "incomplete",
                                         "verbosity", "unsafe-detail"};
static const char *const verdict_opts[] = {"good", "acceptable", "bad"};

static FILE *out;
static const char *out_path;
static int io_failed;

static void emit(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (vfprintf(out, fmt, ap) < 0)
    io_failed = 1;
  va_end(ap);
}

/* A run of n random words; capitalize the first when sentence != 0. */
static void emit_words(unsigned n, int sentence) {
  for (unsigned i = 0; i < n; i++) {
    const char *w = words[rnd(N_WORDS)];
    if (i == 0 && sentence)
      emit("%c%s", w[0] - 'a' + 'A', w + 1);
    else
      emit("%s%s", i ? " " : "", w);
  }
}

static void emit_paragraph(unsigned sentences) {
  for (unsigned s = 0; s < sentences; s++) {
    if (s)
      emit(" ");
    emit_words(8 + rnd(10), 1);
    switch (rnd(6)) {
    case 0:
      emit(", with *emphasis* on ");
      emit_words(2, 0);
      break;
    case 1:
      emit(" and `inline code`");
      break;
    case 2:
      emit(", see [the criterion](criterion:crit-%u)", rnd(N_CRITERIA));
      break;
    case 3:
      emit(" (**important**)");
      break;
    default:
      break;
    }
    emit(".");
  }
  emit("\n\n");
}

static int make_dir(const char *path) {
  if (mkdir(path, 0777) < 0 && errno != EEXIST) {
    fprintf(stderr, "bench_gen: %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

static int open_out(const char *path) {
  out_path = path;
  out = fopen(path, "w");
  if (!out) {
    fprintf(stderr, "bench_gen: %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

static int close_out(void) {
  int bad = io_failed || ferror(out);
  if (fclose(out) != 0)
    bad = 1;
  if (bad)
    fprintf(stderr, "bench_gen: %s: write error\n", out_path);
  io_failed = 0;
  return bad ? -1 : 0;
}

static void write_questions(void) {
  emit("# Questions\n\nThe questions every case of this benchmark answers.\n\n");
  emit("## Question harm: Is the response harmful?\n\n- type: choice\n"
       "- hint: Judge the real-world effect.\n\n");
  emit("| Option | Meaning | Hotkey |\n|---|---|---|\n");
  for (unsigned i = 0; i < 3; i++)
    emit("| %s | The response is %s. | %u |\n", harm_opts[i], harm_opts[i],
         i + 1);
  emit("\n");
  emit_paragraph(3);
  emit("## Question severity: How severe is the harm?\n\n- type: scale 1-5\n"
       "- when: harm ~= \"safe\"\n\n| Score | Meaning |\n|---|---|\n"
       "| 1 | Minimal. |\n| 3 | Moderate. |\n| 5 | Severe. |\n\n");
  emit_paragraph(2);
  emit("## Question issues: Which problems does it have?\n\n- type: multi\n\n"
       "| Option | Meaning |\n|---|---|\n");
  for (unsigned i = 0; i < 5; i++)
    emit("| %s | The response shows %s. |\n", issue_opts[i], issue_opts[i]);
  emit("\n");
  emit_paragraph(2);
  emit("## Question helpfulness: How helpful is it?\n\n- type: scale 1-7\n\n");
  emit_paragraph(2);
  emit("## Question verdict: Is each response acceptable?\n\n- type: choice\n"
       "- scope: response\n\n| Option | Meaning |\n|---|---|\n");
  for (unsigned i = 0; i < 3; i++)
    emit("| %s | The response is %s. |\n", verdict_opts[i], verdict_opts[i]);
  emit("\n");
  emit("## Question preference: Which of two responses is better?\n\n"
       "- type: pairwise\n\n");
  emit_paragraph(2);
  emit("## Question ranking: Rank the responses\n\n- type: rank\n"
       "- required: no\n\n");
  emit_paragraph(1);
  emit("## Question note: Anything else?\n\n- type: text\n- required: no\n\n");
  emit_paragraph(1);
}

static void write_criteria(void) {
  emit("# Criteria\n\n");
  for (unsigned i = 0; i < N_CRITERIA; i++) {
    emit("## Criterion crit-%u: ", i);
    emit_words(4, 1);
    emit("\n\n");
    emit_paragraph(3);
    emit("- applies-to: harm, helpfulness\n\n");
  }
}

static void write_input(const char *info, unsigned chapter, unsigned k,
                        unsigned lines) {
  emit("```%s\n", info);
  for (unsigned l = 0; l < lines; l++) {
    emit_words(10 + rnd(6), 1);
    emit(l == 0 ? " (item %u.%u)\n" : ".\n", chapter, k);
  }
  emit("```\n\n");
}

static void write_case(unsigned chapter, unsigned k) {
  unsigned n_resp = 1 + (rnd(10) >= 5) + (rnd(10) >= 7);
  unsigned harm = rnd(3);
  emit("## Case c%u-%u: ", chapter, k);
  emit_words(5, 1);
  emit("\n\n");
  if (rnd(4) == 0)
    write_input("system", chapter, k, 2);
  write_input("prompt", chapter, k, 2 + rnd(3));
  if (n_resp == 1) {
    write_input("response", chapter, k, 2 + rnd(4));
  } else {
    for (unsigned r = 0; r < n_resp; r++) {
      char info[16];
      snprintf(info, sizeof info, "response %c", 'A' + r);
      write_input(info, chapter, k, 2 + rnd(4));
    }
  }
  emit("- harm: %s\n", harm_opts[harm]);
  if (harm != 0)
    emit("- severity: %u\n", 1 + rnd(5));
  if (rnd(3) == 0) {
    emit("- issues: none\n");
  } else {
    unsigned a = rnd(5), b = rnd(5);
    if (a == b)
      emit("- issues: %s\n", issue_opts[a]);
    else
      emit("- issues: %s, %s\n", issue_opts[a], issue_opts[b]);
  }
  emit("- helpfulness: %u\n", 1 + rnd(7));
  if (n_resp == 1)
    emit("- verdict: %s\n", verdict_opts[rnd(3)]);
  if (n_resp == 2) {
    static const char *const prefs[] = {"A>B", "A>>B", "B>A", "B>>A", "tie",
                                        "A"};
    emit("- preference: %s\n", prefs[rnd(6)]);
  }
  if (n_resp == 3) {
    static const char *const ranks[] = {"A > B > C", "C > A = B", "B > C > A",
                                        "A = B > C"};
    emit("- ranking: %s\n", ranks[rnd(4)]);
  }
  if (rnd(5) == 0) {
    emit("- note: ");
    emit_words(8, 1);
    emit("\n");
  }
  emit("- criteria: crit-%u, crit-%u\n", (chapter + k) % N_CRITERIA,
       (chapter * 7 + k * 3 + 1) % N_CRITERIA);
  emit("- tags: bench, group-%u\n\n", chapter % 17);
  if (n_resp > 1) {
    emit("| Response | verdict |\n|---|---|\n");
    for (unsigned r = 0; r < n_resp; r++)
      emit("| %c | %s |\n", 'A' + r, verdict_opts[rnd(3)]);
    emit("\n");
  }
  emit_paragraph(2 + rnd(3));
  if (rnd(3) == 0) {
    emit("- ");
    emit_words(6, 1);
    emit("\n- ");
    emit_words(7, 1);
    emit("\n\n");
  }
}

static void write_chapter(unsigned chapter, unsigned n_chapters,
                          unsigned n_cases) {
  unsigned other = (chapter * 31 + 7) % n_chapters;
  emit("# Chapter %u: ", chapter);
  emit_words(3, 1);
  emit("\n\n");
  emit_paragraph(4);
  emit("This chapter builds on [chapter %u](../part-%02u/chapter-%04u.md#background)"
       " and on the [harm question](question:harm), the "
       "[safe option](option:harm/safe) and [case c%u-0](case:c%u-0).\n\n",
       other, other / CHAPTERS_PER_DIR, other, other, other);
  emit("## Background\n\n");
  emit_paragraph(5);
  emit("1. ");
  emit_words(9, 1);
  emit("\n2. ");
  emit_words(11, 1);
  emit("\n3. See <https://example.com/guide/%u> for ", chapter);
  emit_words(4, 0);
  emit("\n\n| Term | Use |\n|---|---|\n");
  for (unsigned i = 0; i < 4; i++) {
    emit("| %s | ", words[rnd(N_WORDS)]);
    emit_words(6, 1);
    emit(" |\n");
  }
  emit("\n```text\n");
  emit_words(12, 0);
  emit("\n```\n\n");
  emit("> ");
  emit_words(20, 1);
  emit(".\n\n");
  emit("## Worked examples\n\n");
  for (unsigned k = 0; k < n_cases; k++)
    write_case(chapter, k);
}

int main(int argc, char **argv) {
  unsigned n_chapters = 2000, n_cases = 5;
  char path[4096];
  if (argc < 2 || argc > 4 || argv[1][0] == '-') {
    fprintf(stderr, "usage: bench_gen OUTDIR [CHAPTERS [CASES-PER-CHAPTER]]\n");
    return 2;
  }
  if (argc > 2)
    n_chapters = (unsigned)strtoul(argv[2], NULL, 10);
  if (argc > 3)
    n_cases = (unsigned)strtoul(argv[3], NULL, 10);
  if (n_chapters == 0 || n_chapters > 100000 || n_cases > 1000) {
    fprintf(stderr, "bench_gen: CHAPTERS must be 1..100000, CASES 0..1000\n");
    return 2;
  }
  const char *dir = argv[1];
  if (make_dir(dir) < 0)
    return 1;

  snprintf(path, sizeof path, "%s/casebook.lua", dir);
  if (open_out(path) < 0)
    return 1;
  emit("-- Generated by %s: %u chapters of %u cases.\n", GEN_VERSION,
       n_chapters, n_cases);
  emit("title = \"Benchmark casebook\"\nversion = \"1.0.0\"\n");
  if (close_out() < 0)
    return 1;

  snprintf(path, sizeof path, "%s/questions.md", dir);
  if (open_out(path) < 0)
    return 1;
  write_questions();
  if (close_out() < 0)
    return 1;

  snprintf(path, sizeof path, "%s/criteria.md", dir);
  if (open_out(path) < 0)
    return 1;
  write_criteria();
  if (close_out() < 0)
    return 1;

  for (unsigned c = 0; c < n_chapters; c++) {
    if (c % CHAPTERS_PER_DIR == 0) {
      snprintf(path, sizeof path, "%s/part-%02u", dir, c / CHAPTERS_PER_DIR);
      if (make_dir(path) < 0)
        return 1;
    }
    snprintf(path, sizeof path, "%s/part-%02u/chapter-%04u.md", dir,
             c / CHAPTERS_PER_DIR, c);
    if (open_out(path) < 0)
      return 1;
    write_chapter(c, n_chapters, n_cases);
    if (close_out() < 0)
      return 1;
  }
  return 0;
}
