/* SPDX-License-Identifier: MIT */
/*
 * grade_impl.h: what the files of the grade share (grade.c, the state,
 * reading and values; grade_finish.c, the figures; grade_agreement.c;
 * grade_doc.c, the parts of grade.json; grade_out.c, the files and the
 * partial grades). Nothing outside them includes it: the readers see
 * grade_core.h, everything else casebook/grade.h.
 */
#ifndef CB_GRADE_IMPL_H
#define CB_GRADE_IMPL_H

#include <jansson.h>
#include <stdint.h>

#include "agree.h"
#include "grade_core.h"
#include "strmap.h"

#define RULE_INPUT "grade-input"
#define RULE_GATE "grade-gate"
#define PARTIAL_FORMAT "casebook-grade-partial"


/* One answer. v is the code of the value: an option's index (choice), the
 * value (scale, as int32), the preference + 2 (pairwise: 0 is "second
 * much better" .. 4 "first much better"), an index into the interned
 * sets (multi) or rankings (rank), 0 (text). */
typedef struct gcell {
  uint32_t v;
  uint32_t ann;
  uint32_t line;
  uint16_t q;
  uint16_t input;
  uint16_t version; /* 0: the current book, else versions[version] */
  uint16_t flags;
} gcell;

enum { CELL_REREVIEW = 1, CELL_DUPLICATE = 2 };

typedef struct grow {
  uint32_t item;        /* index into items */
  const char *response; /* NULL: case level */
  gcell *cells;         /* cb_malloc'd */
  uint32_t n, cap;
} grow;

typedef struct gitem {
  const char *id;
  int32_t case_idx; /* a final case of the book, else -1 */
} gitem;

typedef struct gversion {
  const char *name;
  const cb_book *book; /* NULL: could not be read */
  const cb_change *changes;
  size_t n_changes;
} gversion;

/* An interned string (a set of options as a mask, a ranking). */
typedef struct gintern {
  cb_strmap map;
  const char **strs;
  uint64_t *masks;
  size_t n, cap;
} gintern;

struct cb_grade {
  cb_ctx *ctx;
  const cb_book *book;
  cb_grade_options opts;
  cb_ctx *plan_ctx; /* the export plans, their diagnostics apart */
  cb_export_target *ls, *ag;
  size_t n_ls, n_ag;
  cb_strmap ls_map, ag_map;
  const char **ls_names, **ag_names;
  /* per question: the pair a pairwise question compares */
  const char *(*pairs)[2];

  cb_grade_input *inputs;
  size_t n_inputs, cap_inputs;

  cb_strmap case_map; /* final case id -> index in book->cases */
  cb_strmap task_map; /* opaque task id of exam and honeypot tasks
                         (cb_export__task_id) -> index in book->cases */
  cb_strmap question_map; /* question id -> index in book->questions */
  cb_strmap item_map;
  gitem *items;
  size_t n_items, cap_items;
  cb_strmap row_map;
  grow *rows;
  size_t n_rows, cap_rows;
  cb_strmap ann_map;
  const char **anns;
  size_t n_anns, cap_anns;
  size_t *ann_annotations;
  size_t cap_ann_annotations;
  cb_strmap version_map;
  gversion *versions; /* [0] is the current book */
  size_t n_versions, cap_versions;
  gintern sets, ranks;
  cb_buf key; /* scratch */

  /* the annotation being read */
  size_t last_row; /* the row of the last answer + 1, 0 none */
  uint32_t cur_item, cur_ann;
  uint16_t cur_version;
  int cur_open, cur_answers;

  json_t *doc;      /* grade.json, after finish */
  cb_buf consensus; /* consensus.jsonl, after finish */
  int passed;
  int finished;
};

/* Per annotator and question. */
typedef struct aq_stat {
  uint64_t answers, correct;
  cb_agree_confusion *conf; /* choice */
} aq_stat;

typedef struct a_stat {
  uint64_t gold_answers, correct, misses, rereview, gold_items;
  uint32_t last_item; /* for gold_items: the last gold item counted + 1 */
} a_stat;

/* Per question. */
typedef struct q_stat {
  uint64_t items, answers, correct, rereview, gold_items;
  uint32_t last_item;
  cb_agree_error err;
  cb_agree_sets sets;
  double tau_sum;
  uint64_t tau_n;
  cb_agree_confusion *conf; /* choice */
} q_stat;

typedef struct finish {
  cb_grade *g;
  q_stat *qs;
  a_stat *as;
  aq_stat *aqs; /* n_anns * n_questions */
  json_t *misses, *rereview;
  json_t *cases; /* the cases misses and re-reviews name, once each */
  int failed;
} finish;

static inline aq_stat *cb_grade__aq_of(finish *f, uint32_t ann, uint16_t q) {
  return &f->aqs[(size_t)ann * f->g->book->n_questions + q];
}

/* grade.c */
int cb_grade__oom(cb_grade *g);
long cb_grade__name_index(cb_grade *g, cb_strmap *map, const char ***names,
                          size_t *n, size_t *cap, const char *name);
const char *cb_grade__encode(cb_grade *g, size_t qi, const json_t *value,
                             uint32_t *v, char *msg, size_t size);
json_t *cb_grade__decode(const cb_grade *g, size_t qi, uint32_t v);
json_t *cb_grade__fig(double x, int defined);
json_t *cb_grade__figure(cb_agree_figure f);
json_t *cb_grade__ratio(uint64_t num, uint64_t den);
json_t *cb_grade__object_of(const char *key, ...);
json_t *cb_grade__str_or_null(const char *s);
json_t *cb_grade__count(uint64_t n);
const char *cb_grade__site_url(cb_grade *g, uint32_t ch, const char *prefix,
                               const char *id);
const char *cb_grade__option_url(cb_grade *g, const cb_question *q,
                                 const char *opt);

/* grade_agreement.c: the agreement object of question qi (NULL out of
 * memory, f->failed set); a choice question's consensus lines go to
 * g->consensus and its summary to *cons. */
json_t *cb_grade__agreement(finish *f, size_t qi, json_t **cons);

/* grade_doc.c: the parts of grade.json. */
json_t *cb_grade__question_gold(finish *f, size_t qi);
json_t *cb_grade__confused(finish *f, size_t qi);
json_t *cb_grade__needs_work(finish *f, json_t *questions);
json_t *cb_grade__annotators(finish *f);
/* A question's headline alpha (nominal for choice, interval for scale,
 * ordinal for pairwise, MASI for multi), NULL when it has none; its 95%
 * interval into *ci95 when ci95 is not NULL. Borrowed from question. */
json_t *cb_grade__headline_alpha(json_t *question, json_t **ci95);
json_t *cb_grade__gates(cb_grade *g, json_t *questions, json_t *totals);

#endif
