/* SPDX-License-Identifier: MIT */
/*
 * grade_gen.c: writes the annotations that `make bench` grades.
 *
 *   grade_gen BUILD-OUT OUT.jsonl [LINES [ANNOTATORS]]
 *
 * BUILD-OUT is the output of `casebook build` of a project (the bench
 * project of bench_gen): its rubric.json gives the questions (type,
 * scope, options, scale) and its gold.jsonl the cases. OUT.jsonl gets
 * LINES lines (default 1,000,000) of casebook annotations JSONL
 * (schemas/annotations.schema.json), from ANNOTATORS annotators (default
 * 12, 5..20 is realistic; 1..1000 allowed).
 *
 * Items are the cases (gold items) and tasks of the tool's own ("task-N",
 * each answered like one of the cases, so annotators agree on it as on a
 * case): at least three tasks a case, and enough items that each is
 * answered once by 3 to 5 annotators (the last few items of the order
 * by none; a second round, which may repeat an annotator on an item,
 * only if one round falls short); the items come in a shuffled order,
 * gold and tasks mixed. Each
 * annotator has an accuracy of their own (0.70 to 0.95): an answer is
 * the case's gold answer with that probability, otherwise a plausible
 * error of the question's type (another option, a scale value one off,
 * one option added or left out, two ranks swapped, another preference or
 * strength); 4% of the answers are left out. Questions with a `when`
 * are answered only where the gold answers them.
 *
 * The output is fully determined by the arguments and the inputs (a
 * fixed-seed generator). Exit status: 0 written, 1 an input or I/O
 * error, 2 usage error.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_QUESTIONS 256
#define MAX_OPTIONS 64

typedef enum { Q_CHOICE, Q_MULTI, Q_SCALE, Q_RANK, Q_PAIRWISE, Q_TEXT } qtype;

typedef struct question {
  const char *id;
  qtype type;
  int per_response; /* scope "response" */
  int has_when;
  const char *options[MAX_OPTIONS];
  size_t n_options;
  long long min, max; /* scale */
} question;

static question questions[MAX_QUESTIONS];
static size_t n_questions;

static unsigned long long rng_state = 0x2545F4914F6CDD1DULL;

/* xorshift64*: small, fast, and the same on every platform. */
static unsigned long long rnd64(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned rnd(unsigned n) { return (unsigned)((rnd64() >> 33) % n); }

/* A uniform double in [0, 1). */
static double rnd_unit(void) { return (double)(rnd64() >> 11) / 9007199254740992.0; }

static int read_rubric(const char *path) {
  json_error_t err;
  json_t *root = json_load_file(path, 0, &err);
  if (!root) {
    fprintf(stderr, "grade_gen: %s:%d: %s\n", path, err.line, err.text);
    return -1;
  }
  json_t *qs = json_object_get(root, "questions");
  size_t i;
  json_t *q;
  json_array_foreach(qs, i, q) {
    if (n_questions == MAX_QUESTIONS)
      break;
    question *x = &questions[n_questions];
    const char *type = json_string_value(json_object_get(q, "type"));
    const char *id = json_string_value(json_object_get(q, "id"));
    if (!type || !id)
      continue;
    x->id = strdup(id);
    if (!x->id)
      goto oom;
    if (strcmp(type, "choice") == 0)
      x->type = Q_CHOICE;
    else if (strcmp(type, "multi") == 0)
      x->type = Q_MULTI;
    else if (strcmp(type, "scale") == 0)
      x->type = Q_SCALE;
    else if (strcmp(type, "rank") == 0)
      x->type = Q_RANK;
    else if (strcmp(type, "pairwise") == 0)
      x->type = Q_PAIRWISE;
    else
      x->type = Q_TEXT;
    const char *scope = json_string_value(json_object_get(q, "scope"));
    x->per_response = scope && strcmp(scope, "response") == 0;
    x->has_when = json_is_string(json_object_get(q, "when"));
    json_t *scale = json_object_get(q, "scale");
    x->min = json_integer_value(json_object_get(scale, "min"));
    x->max = json_integer_value(json_object_get(scale, "max"));
    size_t j;
    json_t *o;
    json_array_foreach(json_object_get(q, "options"), j, o) {
      const char *oid = json_string_value(json_object_get(o, "id"));
      if (!oid || x->n_options == MAX_OPTIONS)
        continue;
      if (!(x->options[x->n_options++] = strdup(oid)))
        goto oom;
    }
    n_questions++;
  }
  json_decref(root);
  if (n_questions == 0) {
    fprintf(stderr, "grade_gen: %s: no questions\n", path);
    return -1;
  }
  return 0;
oom:
  json_decref(root);
  fprintf(stderr, "grade_gen: out of memory\n");
  return -1;
}

/* The gold records, each kept whole (answers and per_response). */
static json_t **cases;
static size_t n_cases, cap_cases;

static int read_gold(const char *path) {
  FILE *fp = fopen(path, "r");
  if (!fp) {
    fprintf(stderr, "grade_gen: %s: %s\n", path, strerror(errno));
    return -1;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  size_t lineno = 0;
  int rc = 0;
  while ((len = getline(&line, &cap, fp)) > 0) {
    lineno++;
    json_error_t err;
    json_t *rec = json_loadb(line, (size_t)len, 0, &err);
    if (!rec || !json_is_string(json_object_get(rec, "id"))) {
      fprintf(stderr, "grade_gen: %s:%zu: not a gold record\n", path, lineno);
      json_decref(rec);
      rc = -1;
      break;
    }
    if (n_cases == cap_cases) {
      size_t n = cap_cases ? 2 * cap_cases : 1024;
      json_t **p = realloc(cases, n * sizeof *p);
      if (!p) {
        json_decref(rec);
        fprintf(stderr, "grade_gen: out of memory\n");
        rc = -1;
        break;
      }
      cases = p;
      cap_cases = n;
    }
    cases[n_cases++] = rec;
  }
  free(line);
  fclose(fp);
  if (rc == 0 && n_cases == 0) {
    fprintf(stderr, "grade_gen: %s: no cases\n", path);
    rc = -1;
  }
  return rc;
}

static const question *find_question(const char *id) {
  for (size_t i = 0; i < n_questions; i++)
    if (strcmp(questions[i].id, id) == 0)
      return &questions[i];
  return NULL;
}

/* A plausible wrong answer to q, given the right one (a new reference). */
static json_t *wrong_answer(const question *q, json_t *right) {
  switch (q->type) {
  case Q_CHOICE:
    if (q->n_options > 1 && json_is_string(right)) {
      const char *r = json_string_value(right);
      for (;;) {
        const char *o = q->options[rnd((unsigned)q->n_options)];
        if (strcmp(o, r) != 0)
          return json_string(o);
      }
    }
    break;
  case Q_SCALE:
    if (json_is_integer(right) && q->max > q->min) {
      long long v = json_integer_value(right);
      v += (v == q->min) ? 1 : (v == q->max) ? -1 : (rnd(2) ? 1 : -1);
      return json_integer(v);
    }
    break;
  case Q_MULTI:
    if (json_is_array(right) && q->n_options > 0) {
      /* toggle one option */
      const char *o = q->options[rnd((unsigned)q->n_options)];
      json_t *a = json_array();
      int found = 0;
      size_t i;
      json_t *v;
      json_array_foreach(right, i, v) {
        if (strcmp(json_string_value(v), o) == 0)
          found = 1;
        else
          json_array_append(a, v);
      }
      if (!found)
        json_array_append_new(a, json_string(o));
      return a;
    }
    break;
  case Q_RANK:
    if (json_is_array(right) && json_array_size(right) >= 2) {
      json_t *a = json_deep_copy(right);
      size_t i = rnd((unsigned)json_array_size(a) - 1);
      json_t *x = json_incref(json_array_get(a, i));
      json_array_set(a, i, json_array_get(a, i + 1));
      json_array_set_new(a, i + 1, x);
      return a;
    }
    break;
  case Q_PAIRWISE:
    if (json_is_object(right)) {
      static const char *const prefs[] = {"A", "B", "tie"};
      const char *p = json_string_value(json_object_get(right, "preferred"));
      json_int_t s = json_integer_value(json_object_get(right, "strength"));
      if (p && strcmp(p, "tie") != 0 && rnd(2))
        return json_pack("{s:s, s:I}", "preferred", p, "strength",
                         (json_int_t)(s == 1 ? 2 : 1));
      const char *np;
      do
        np = prefs[rnd(3)];
      while (p && strcmp(np, p) == 0);
      return json_pack("{s:s, s:I}", "preferred", np, "strength",
                       (json_int_t)(strcmp(np, "tie") == 0 ? 0 : 1 + rnd(2)));
    }
    break;
  case Q_TEXT:
    return json_string("A different note.");
  }
  return json_incref(right);
}

/* The answers of one annotator of the given accuracy to the gold answers
 * in truth (question id -> answer): a new object. */
static json_t *answer_all(json_t *truth, double accuracy) {
  json_t *out = json_object();
  const char *qid;
  json_t *right;
  json_object_foreach(truth, qid, right) {
    const question *q = find_question(qid);
    if (!q || rnd(100) < 4)
      continue;
    if (rnd_unit() < accuracy)
      json_object_set(out, qid, right);
    else
      json_object_set_new(out, qid, wrong_answer(q, right));
  }
  return out;
}

static void usage(void) {
  fprintf(stderr, "usage: grade_gen BUILD-OUT OUT.jsonl [LINES [ANNOTATORS]]\n");
}

int main(int argc, char **argv) {
  unsigned long long n_lines = 1000000;
  unsigned n_annotators = 12;
  char path[4096];
  if (argc < 3 || argc > 5 || argv[1][0] == '-') {
    usage();
    return 2;
  }
  if (argc > 3)
    n_lines = strtoull(argv[3], NULL, 10);
  if (argc > 4)
    n_annotators = (unsigned)strtoul(argv[4], NULL, 10);
  if (n_lines == 0 || n_annotators < 3 || n_annotators > 1000) {
    fprintf(stderr, "grade_gen: LINES must be > 0, ANNOTATORS 3..1000\n");
    return 2;
  }
  snprintf(path, sizeof path, "%s/rubric.json", argv[1]);
  if (read_rubric(path) < 0)
    return 1;
  snprintf(path, sizeof path, "%s/gold.jsonl", argv[1]);
  if (read_gold(path) < 0)
    return 1;

  double accuracy[1000];
  for (unsigned a = 0; a < n_annotators; a++)
    accuracy[a] = 0.70 + 0.25 * rnd_unit();

  /* At least four items a case (one gold, three tasks); four lines an
   * item on average, and 2% more items, so that one round of annotators
   * covers n_lines. A
   * permutation (a step coprime with n_items) mixes them. */
  unsigned long long n_items = 4 * (unsigned long long)n_cases;
  if (n_items < n_lines / 4 + n_lines / 50 + 1)
    n_items = n_lines / 4 + n_lines / 50 + 1; /* 2% spare: one round */
  unsigned long long step = 7919; /* a prime */
  while (n_items % step == 0)
    step += 2;

  FILE *out = fopen(argv[2], "w");
  if (!out) {
    fprintf(stderr, "grade_gen: %s: %s\n", argv[2], strerror(errno));
    return 1;
  }
  static char buf[1 << 20];
  setvbuf(out, buf, _IOFBF, sizeof buf);

  unsigned long long written = 0;
  unsigned pass = 0;
  int failed = 0;
  while (written < n_lines && !failed) {
    for (unsigned long long j = 0; j < n_items && written < n_lines; j++) {
      unsigned long long item = (j * step) % n_items;
      json_t *gold = cases[item % n_cases];
      char item_id[64];
      const char *id;
      if (item < n_cases) {
        id = json_string_value(json_object_get(gold, "id"));
      } else {
        snprintf(item_id, sizeof item_id, "task-%llu", item - n_cases);
        id = item_id;
      }
      unsigned k = 3 + rnd(3);
      unsigned first = rnd(n_annotators) + pass * 5;
      for (unsigned i = 0; i < k && written < n_lines; i++) {
        unsigned a = (first + i) % n_annotators;
        char name[32];
        snprintf(name, sizeof name, "annotator-%02u", a + 1);
        json_t *line = json_pack("{s:s, s:s}", "item", id, "annotator", name);
        json_t *answers = answer_all(json_object_get(gold, "answers"), accuracy[a]);
        /* questions with a when: only with the answer they depend on
         * as in the gold (an approximation: any changed answer drops
         * them) */
        for (size_t qi = 0; qi < n_questions; qi++) {
          const question *q = &questions[qi];
          if (!q->has_when || q->per_response)
            continue;
          json_t *mine = json_object_get(answers, q->id);
          if (!mine)
            continue;
          const char *qid;
          json_t *v;
          json_object_foreach(json_object_get(gold, "answers"), qid, v) {
            const question *other = find_question(qid);
            if (other && other != q && !other->has_when &&
                other->type == Q_CHOICE &&
                !json_equal(json_object_get(answers, qid), v)) {
              json_object_del(answers, q->id);
              break;
            }
          }
        }
        json_object_set_new(line, "answers", answers);
        json_t *per = json_object();
        const char *resp;
        json_t *truth;
        json_object_foreach(json_object_get(gold, "per_response"), resp, truth)
          json_object_set_new(per, resp, answer_all(truth, accuracy[a]));
        json_object_set_new(line, "per_response", per);
        if (json_dumpf(line, out, JSON_COMPACT) < 0 || fputc('\n', out) == EOF)
          failed = 1;
        json_decref(line);
        written++;
      }
    }
    pass++;
  }
  if (fclose(out) != 0 || failed) {
    fprintf(stderr, "grade_gen: %s: write error\n", argv[2]);
    return 1;
  }
  for (size_t i = 0; i < n_cases; i++)
    json_decref(cases[i]);
  free(cases);
  for (size_t i = 0; i < n_questions; i++) {
    free((void *)questions[i].id);
    for (size_t j = 0; j < questions[i].n_options; j++)
      free((void *)questions[i].options[j]);
  }
  return 0;
}
