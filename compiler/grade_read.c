/* SPDX-License-Identifier: MIT */
/*
 * grade_read.c: the annotation files `grade` reads (docs/grade.md), one
 * task, record or line at a time:
 *
 *   labelstudio  a Label Studio JSON export: a list of tasks, each with
 *                annotations[] of {completed_by, result[], was_cancelled,
 *                ground_truth}; results name controls of the config the
 *                Label Studio export wrote (from_name);
 *   argilla      Argilla v2 records: a list of records with responses
 *                {question: [{value, user_id, status}]};
 *   jsonl        casebook annotations, one object a line: {item,
 *                annotator, answers, per_response, version}.
 *
 * A list is never loaded whole: a small scanner finds where each element
 * of the top-level array ends (strings and nesting followed, nothing
 * else interpreted) and jansson parses that element alone, so memory
 * stays that of one task. Every value is turned into the shape of a
 * gold.jsonl answer and handed to the grade (grade.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade_core.h"
#include "strmap.h"

#define CHUNK 65536

/* ---- Values of the tools as gold.jsonl answers ----------------------------- */

/* The Label Studio result r of control t as an answer (a new reference),
 * or NULL with *why set. Pairwise results are put together apart. */
static json_t *ls_value(const cb_book *book, const cb_export_target *t,
                        const json_t *r, const char **why) {
  const cb_question *q = &book->questions[t->qi];
  const json_t *v = json_object_get(r, "value");
  const char *type = json_string_value(json_object_get(r, "type"));
  *why = NULL;
  if (!json_is_object(v) || !type) {
    *why = "a result without 'type' and 'value'";
    return NULL;
  }
  if (!strcmp(type, "choices")) {
    const json_t *c = json_object_get(v, "choices");
    if (!json_is_array(c)) {
      *why = "a 'choices' result without a list of choices";
      return NULL;
    }
    if (q->type == CB_Q_MULTI)
      return json_deep_copy(c);
    if (json_array_size(c) != 1 || !json_is_string(json_array_get(c, 0))) {
      *why = "a single-choice result with other than one choice";
      return NULL;
    }
    const char *s = json_string_value(json_array_get(c, 0));
    if (q->type == CB_Q_SCALE) {
      char *end;
      errno = 0;
      long n = strtol(s, &end, 10);
      if (!*s || *end || errno) {
        *why = "a scale answer that is not a number";
        return NULL;
      }
      return json_integer(n);
    }
    return json_string(s);
  }
  if (!strcmp(type, "rating")) {
    const json_t *n = json_object_get(v, "rating");
    if (!json_is_number(n)) {
      *why = "a 'rating' result without a number";
      return NULL;
    }
    return json_is_integer(n) ? json_integer(json_integer_value(n))
                              : json_real(json_real_value(n));
  }
  if (!strcmp(type, "textarea")) {
    const json_t *t2 = json_object_get(v, "text");
    if (json_is_string(t2))
      return json_string(json_string_value(t2));
    if (!json_is_array(t2)) {
      *why = "a 'textarea' result without text";
      return NULL;
    }
    cb_buf b = {0};
    size_t i;
    json_t *e;
    json_array_foreach(t2, i, e) {
      if (i)
        cb_buf_putc(&b, '\n');
      if (json_is_string(e))
        cb_buf_puts(&b, json_string_value(e));
    }
    json_t *s = b.failed ? NULL : json_stringn(b.data ? b.data : "", b.len);
    cb_buf_free(&b);
    return s;
  }
  if (!strcmp(type, "ranker")) {
    const json_t *rk = json_object_get(v, "ranker");
    if (!json_is_object(rk)) {
      *why = "a 'ranker' result without buckets";
      return NULL;
    }
    /* buckets rank_1, rank_2 ... in order of their number */
    json_t *out = json_array();
    for (int place = 1; out && place <= 1000; place++) {
      char key[24];
      snprintf(key, sizeof key, "rank_%d", place);
      const json_t *b = json_object_get(rk, key);
      if (!b)
        continue;
      if (!json_is_array(b)) {
        json_decref(out);
        *why = "a ranker bucket that is not a list";
        return NULL;
      }
      if (json_array_size(b) == 1)
        json_array_append_new(out, json_deep_copy(json_array_get(b, 0)));
      else if (json_array_size(b) > 1)
        json_array_append_new(out, json_deep_copy(b));
    }
    return out;
  }
  *why = "a result of a type this control does not give";
  return NULL;
}

/* An Argilla response value of question t as an answer. */
static json_t *argilla_value(const cb_book *book, const cb_export_target *t,
                             const json_t *v, const char **why) {
  const cb_question *q = &book->questions[t->qi];
  *why = NULL;
  if (q->type == CB_Q_PAIRWISE) {
    const char *s = json_string_value(v);
    if (!s) {
      *why = "a pairwise answer that is not a label";
      return NULL;
    }
    if (!strcmp(s, "tie"))
      return json_pack("{s:s,s:i}", "preferred", "tie", "strength", 0);
    const char *gt = strchr(s, '>');
    if (!gt || gt == s) {
      *why = "a pairwise label other than 'X>>Y', 'X>Y' or 'tie'";
      return NULL;
    }
    int strength = gt[1] == '>' ? 2 : 1;
    json_t *o = json_object();
    json_object_set_new(o, "preferred", json_stringn(s, (size_t)(gt - s)));
    json_object_set_new(o, "strength", json_integer(strength));
    return o; /* a failure on the way fails the read (cb_grade_read) */
  }
  if (q->type == CB_Q_RANK && json_is_array(v) && json_array_size(v) &&
      json_is_object(json_array_get(v, 0))) {
    /* [{value, rank}]: by rank, equal ranks tied */
    size_t n = json_array_size(v);
    json_t *out = json_array();
    for (size_t done = 0, guard = 0; out && done < n && guard <= n; guard++) {
      long long best = 0;
      int any = 0;
      for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(v, i);
        long long r = json_integer_value(json_object_get(e, "rank"));
        if (!json_is_integer(json_object_get(e, "rank")) ||
            !json_is_string(json_object_get(e, "value"))) {
          json_decref(out);
          *why = "a ranking without 'value' and 'rank' in each place";
          return NULL;
        }
        if (json_is_true(json_object_get(e, "done_")))
          continue;
        if (!any || r < best)
          best = r;
        any = 1;
      }
      (void)any;
      json_t *group = json_array();
      for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        if (json_integer_value(json_object_get(e, "rank")) != best ||
            json_object_get(e, "done_"))
          continue;
        json_array_append(group, json_object_get(e, "value"));
        json_object_set_new(e, "done_", json_true());
        done++;
      }
      if (json_array_size(group) == 1)
        json_array_append(out, json_array_get(group, 0));
      else
        json_array_append(out, group);
      json_decref(group);
    }
    return out;
  }
  return json_deep_copy(v);
}

/* ---- Reading ------------------------------------------------------------------ */

typedef struct reader {
  cb_grade *g;
  const cb_book *book;
  cb_grade_input *in;
  uint32_t input;
  cb_strmap reported; /* unknown names already reported */
  const char **reported_keys;
  size_t n_reported, cap_reported;
} reader;

/* 1 the first time name is seen unknown in this file (to report it
 * once), 0 after, -1 out of memory. */
static int first_unknown(reader *rd, const char *name) {
  size_t i;
  if (cb_strmap_get(&rd->reported, name, &i))
    return 0;
  char *copy = cb_arena_strdup(cb_grade__ctx(rd->g)->arena, name);
  if (!copy || cb_strmap_put(&rd->reported, copy, 0, NULL) < 0)
    return -1;
  return 1;
}

static void unknown_name(reader *rd, const cb_grade_pos *pos, const char *name,
                         int argilla) {
  int first = first_unknown(rd, name);
  if (first < 0)
    return;
  rd->in->invalid++;
  if (!first)
    return;
  size_t n;
  const char **names = cb_grade__target_names(rd->g, argilla, &n);
  const char *near = cb_suggest(name, names, n);
  cb_grade__report(rd->g, pos, CB_DIAG_WARNING, 0,
                   "%s '%.100s' is not in the %s export of this guideline%s%s%s; "
                   "its answers are left out (reported once per file)",
                   argilla ? "question" : "from_name", name,
                   argilla ? "Argilla" : "Label Studio",
                   near ? " (did you mean '" : "", near ? near : "",
                   near ? "'?)" : "");
}

/* The id of a JSON value that names a task or an annotator: a string as
 * it is, an integer in decimal; NULL otherwise. buf holds the digits. */
static const char *id_text(const json_t *v, char buf[32]) {
  if (json_is_string(v) && json_string_length(v))
    return json_string_value(v);
  if (json_is_integer(v)) {
    snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  return NULL;
}

/* The version stamp a task carries: its commit, else its describe name,
 * else the manifest version. */
static const char *stamp_version(const json_t *stamp) {
  if (json_is_string(stamp))
    return json_string_value(stamp);
  const char *keys[] = {"commit", "describe", "version"};
  for (size_t i = 0; i < 3; i++) {
    const char *s = json_string_value(json_object_get(stamp, keys[i]));
    if (s && *s)
      return s;
  }
  return NULL;
}

/* One Label Studio task. */
static int ls_task(reader *rd, const json_t *task, const cb_grade_pos *pos) {
  cb_grade *g = rd->g;
  char buf[32], abuf[32];
  if (!json_is_object(task)) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                     "a task that is not an object; it is left out");
    return 0;
  }
  const json_t *data = json_object_get(task, "data");
  const json_t *meta = json_object_get(task, "meta");
  const char *item = id_text(json_object_get(data, "case_id"), buf);
  if (!item)
    item = id_text(json_object_get(meta, "case"), buf);
  if (!item)
    item = id_text(json_object_get(task, "id"), buf);
  if (!item) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                     "a task with no id (neither data.case_id nor id); its "
                     "annotations are left out");
    return 0;
  }
  const char *version = stamp_version(json_object_get(meta, "casebook"));
  const json_t *anns = json_object_get(task, "annotations");
  if (anns && !json_is_array(anns)) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                     "task '%s': 'annotations' is not a list; it is left out",
                     item);
    return 0;
  }
  size_t i;
  json_t *a;
  json_array_foreach(anns, i, a) {
    if (json_is_true(json_object_get(a, "was_cancelled"))) {
      rd->in->cancelled++;
      continue;
    }
    const json_t *by = json_object_get(a, "completed_by");
    if (json_is_true(json_object_get(a, "ground_truth"))) {
      /* the reference answers (casebook's export puts the gold in each
       * task as one; Label Studio gives it the importer as completed_by),
       * not an annotator's work */
      rd->in->ground_truth++;
      continue;
    }
    const char *who = NULL;
    if (json_is_object(by)) {
      const char *email = json_string_value(json_object_get(by, "email"));
      who = email && *email ? email : id_text(json_object_get(by, "id"), abuf);
    } else {
      who = id_text(by, abuf);
    }
    if (!who) {
      cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                       "task '%s': annotation %zu has no annotator "
                       "('completed_by' is %s); it is left out",
                       item, i + 1,
                       by ? "neither a number, a name nor {id, email}"
                          : "missing");
      continue;
    }
    const json_t *results = json_object_get(a, "result");
    if (!json_is_array(results)) {
      cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                       "task '%s': annotation %zu has no 'result' list; it "
                       "is left out", item, i + 1);
      continue;
    }
    int err = cb_grade__begin(g, item, who, version, pos);
    if (err < 0)
      return err;
    /* pairwise: the side and the strength come in two results */
    size_t k;
    json_t *r;
    json_array_foreach(results, k, r) {
      const char *from = json_string_value(json_object_get(r, "from_name"));
      if (!from) {
        cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                         "task '%s': a result without from_name; it is left "
                         "out", item);
        continue;
      }
      const cb_export_target *t = cb_grade__ls_target(g, from);
      if (!t) {
        /* the strength of a pairwise question: read with its side */
        size_t slash = strlen(from);
        if (slash > 9 && !strcmp(from + slash - 9, "/strength")) {
          char *base = cb_arena_strndup(cb_grade__ctx(g)->arena, from,
                                        slash - 9);
          const cb_export_target *pt = base ? cb_grade__ls_target(g, base)
                                            : NULL;
          if (pt && pt->strength && !strcmp(pt->strength, from))
            continue;
        }
        unknown_name(rd, pos, from, 0);
        continue;
      }
      const cb_question *q = &rd->book->questions[t->qi];
      json_t *value = NULL;
      const char *why = NULL;
      if (q->type == CB_Q_PAIRWISE) {
        const char *sel = json_string_value(
            json_object_get(json_object_get(r, "value"), "selected"));
        const char *strength = "better";
        size_t m;
        json_t *s;
        json_array_foreach(results, m, s) {
          const char *sf = json_string_value(json_object_get(s, "from_name"));
          if (sf && t->strength && !strcmp(sf, t->strength)) {
            const json_t *c = json_object_get(json_object_get(s, "value"),
                                              "choices");
            if (json_is_string(json_array_get(c, 0)))
              strength = json_string_value(json_array_get(c, 0));
          }
        }
        if (!sel || (strcmp(sel, "left") && strcmp(sel, "right")))
          why = "a pairwise result without 'selected': 'left' or 'right'";
        else if (!strcmp(strength, "tie"))
          value = json_pack("{s:s,s:i}", "preferred", "tie", "strength", 0);
        else
          value = json_pack(
              "{s:s,s:i}", "preferred",
              !strcmp(sel, "left") ? t->compared[0] : t->compared[1],
              "strength", !strcmp(strength, "much-better") ? 2 : 1);
      } else {
        value = ls_value(rd->book, t, r, &why);
      }
      if (!value) {
        cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                         "task '%s', annotator '%s': %s for '%s'; it is "
                         "left out",
                         item, who, why ? why : "out of memory", from);
        continue;
      }
      err = cb_grade__answer(g, t->qi, t->response, value, pos);
      json_decref(value);
      if (err < 0)
        return err;
    }
    /* a tie has no Pairwise result, only the strength */
    json_array_foreach(results, k, r) {
      const char *from = json_string_value(json_object_get(r, "from_name"));
      size_t len = from ? strlen(from) : 0;
      if (len <= 9 || strcmp(from + len - 9, "/strength"))
        continue;
      const json_t *c = json_object_get(json_object_get(r, "value"), "choices");
      const char *s = json_string_value(json_array_get(c, 0));
      if (!s || strcmp(s, "tie"))
        continue;
      char *base = cb_arena_strndup(cb_grade__ctx(g)->arena, from, len - 9);
      const cb_export_target *pt = base ? cb_grade__ls_target(g, base) : NULL;
      if (!pt)
        continue;
      int has_side = 0;
      size_t m;
      json_t *x;
      json_array_foreach(results, m, x) has_side |=
          json_is_string(json_object_get(x, "from_name")) &&
          !strcmp(json_string_value(json_object_get(x, "from_name")), base);
      if (has_side)
        continue;
      json_t *tie = json_pack("{s:s,s:i}", "preferred", "tie", "strength", 0);
      err = tie ? cb_grade__answer(g, pt->qi, NULL, tie, pos) : CB_ENOMEM;
      json_decref(tie);
      if (err < 0)
        return err;
    }
    rd->in->annotations += (size_t)cb_grade__end(g);
  }
  return 0;
}

/* One Argilla record. */
static int argilla_record(reader *rd, const json_t *rec,
                          const cb_grade_pos *pos) {
  cb_grade *g = rd->g;
  char buf[32];
  if (!json_is_object(rec)) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                     "a record that is not an object; it is left out");
    return 0;
  }
  const json_t *meta = json_object_get(rec, "metadata");
  const char *item = id_text(json_object_get(meta, "case"), buf);
  if (!item)
    item = id_text(json_object_get(rec, "id"), buf);
  if (!item) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                     "a record with no id; its responses are left out");
    return 0;
  }
  const char *version =
      stamp_version(json_object_get(meta, "casebook_version"));
  const json_t *resp = json_object_get(rec, "responses");
  if (!resp || (json_is_object(resp) && !json_object_size(resp)))
    return 0;
  if (!json_is_object(resp)) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                     "record '%s': 'responses' is not an object of question "
                     "names; it is left out", item);
    return 0;
  }
  /* the users, in order of first appearance */
  json_t *users = json_array();
  if (!users)
    return CB_ENOMEM;
  const char *qname;
  json_t *list;
  json_object_foreach((json_t *)resp, qname, list) {
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
      char ub[32];
      const char *u = id_text(json_object_get(e, "user_id"), ub);
      if (!u)
        continue;
      int seen = 0;
      for (size_t k = 0; k < json_array_size(users) && !seen; k++)
        seen = !strcmp(json_string_value(json_array_get(users, k)), u);
      if (!seen)
        json_array_append_new(users, json_string(u));
    }
  }
  int err = 0;
  size_t ui;
  json_t *user;
  json_array_foreach(users, ui, user) {
    const char *who = json_string_value(user);
    int begun = 0;
    json_object_foreach((json_t *)resp, qname, list) {
      const cb_export_target *t = cb_grade__argilla_target(g, qname);
      if (!json_is_array(list)) {
        cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                         "record '%s': the responses to '%s' are not a list",
                         item, qname);
        continue;
      }
      size_t i;
      json_t *e;
      json_array_foreach(list, i, e) {
        char ub[32];
        const char *u = id_text(json_object_get(e, "user_id"), ub);
        if (!u || strcmp(u, who))
          continue;
        const char *status = json_string_value(json_object_get(e, "status"));
        if (status && strcmp(status, "submitted")) {
          rd->in->not_submitted++;
          continue;
        }
        if (!t) {
          unknown_name(rd, pos, qname, 1);
          continue;
        }
        if (!begun) {
          if ((err = cb_grade__begin(g, item, who, version, pos)) < 0)
            goto done;
          begun = 1;
        }
        const char *why = NULL;
        json_t *v = json_object_get(e, "value");
        json_t *value = argilla_value(rd->book, t, v, &why);
        if (!value) {
          cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                           "record '%s', user '%s': %s for '%s'; it is left "
                           "out", item, who, why ? why : "out of memory",
                           qname);
          continue;
        }
        err = cb_grade__answer(g, t->qi, t->response, value, pos);
        json_decref(value);
        if (err < 0)
          goto done;
      }
    }
    if (begun)
      rd->in->annotations += (size_t)cb_grade__end(g);
  }
done:
  json_decref(users);
  return err;
}

/* One line of casebook annotations JSONL. */
static int jsonl_line(reader *rd, const json_t *o, const cb_grade_pos *pos) {
  cb_grade *g = rd->g;
  char buf[32], abuf[32];
  if (!json_is_object(o)) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                     "a line that is not a JSON object; it is left out");
    return 0;
  }
  const char *item = id_text(json_object_get(o, "item"), buf);
  const char *who = id_text(json_object_get(o, "annotator"), abuf);
  if (!item || !who) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                     "a line without %s (a non-empty string); it is left out",
                     !item ? "'item'" : "'annotator'");
    return 0;
  }
  const json_t *ver = json_object_get(o, "version");
  const json_t *answers = json_object_get(o, "answers");
  const json_t *per = json_object_get(o, "per_response");
  if ((answers && !json_is_object(answers)) || (per && !json_is_object(per)) ||
      (ver && !json_is_string(ver) && !json_is_null(ver))) {
    cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                     "'answers' and 'per_response' must be objects and "
                     "'version' a string; the line is left out");
    return 0;
  }
  int err = cb_grade__begin(g, item, who, json_string_value(ver), pos);
  if (err < 0)
    return err;
  const cb_book *book = rd->book;
  for (int pass = 0; pass < 2; pass++) {
    const json_t *outer = pass ? per : answers;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)outer, key, val) {
      const char *resp = pass ? key : NULL;
      const json_t *inner = pass ? val : NULL;
      if (pass && !*key) {
        cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                         "per_response[''] names no response: an unnamed "
                         "response is '" CB_UNNAMED_RESPONSE
                         "'; its answers are left out");
        continue;
      }
      if (pass && !json_is_object(inner)) {
        cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                         "per_response['%s'] is not an object of answers",
                         key);
        continue;
      }
      const char *qid;
      json_t *v;
      void *it = pass ? json_object_iter((json_t *)inner) : NULL;
      for (int once = 1; pass ? it != NULL : once; once = 0) {
        if (pass) {
          qid = json_object_iter_key(it);
          v = json_object_iter_value(it);
          it = json_object_iter_next((json_t *)inner, it);
        } else {
          qid = key;
          v = val;
        }
        long qi = cb_grade__question(g, qid);
        if (qi < 0) {
          const char *cands[256];
          size_t n = book->n_questions < 256 ? book->n_questions : 256;
          for (size_t i = 0; i < n; i++)
            cands[i] = book->questions[i].id;
          const char *near = cb_suggest(qid, cands, n);
          cb_grade__report(g, pos, CB_DIAG_WARNING, 1,
                           "'%.100s' is not a question of this guideline%s%s%s; "
                           "the answer is left out",
                           qid, near ? " (did you mean '" : "",
                           near ? near : "", near ? "'?)" : "");
          if (!pass)
            break;
          continue;
        }
        err = cb_grade__answer(g, (size_t)qi, resp, v, pos);
        if (err < 0)
          return err;
        if (!pass)
          break;
      }
    }
  }
  rd->in->annotations += (size_t)cb_grade__end(g);
  return 0;
}

/* ---- Files ---------------------------------------------------------------------- */

/* A reader of bytes: JSON lines or the elements of a top-level list.
 * The file is fed to it a chunk at a time. */
typedef struct feeder {
  reader *rd;
  int argilla, jsonl;
  cb_buf buf;     /* the current line or element */
  uint32_t line;  /* the current line */
  uint32_t start; /* the line where buf began */
  uint32_t index; /* elements so far */
  int depth;      /* list: 0 before it, 1 in it, >1 in an element */
  int in_string, escape, done, stop;
} feeder;

/* Parses len bytes as JSON; NULL with *oom set when it failed for want
 * of memory (jansson says so as a syntax error: the allocations that
 * failed meanwhile tell), else NULL with je set for bad input. */
static json_t *parse(const char *s, size_t len, json_error_t *je, int *oom) {
  unsigned long before = cb_alloc_failures();
  json_t *o = json_loadb(s, len, 0, je);
  *oom = !o && (cb_alloc_failures() != before ||
                json_error_code(je) == json_error_out_of_memory);
  return o;
}

static int jsonl_flush(feeder *f) {
  reader *rd = f->rd;
  cb_buf *b = &f->buf;
  size_t len = b->len, start = 0;
  while (len && (b->data[len - 1] == '\r' || b->data[len - 1] == ' ' ||
                 b->data[len - 1] == '\t'))
    len--;
  while (start < len && (b->data[start] == ' ' || b->data[start] == '\t'))
    start++;
  int err = 0;
  if (start < len) {
    rd->in->records++;
    cb_grade_pos pos = {rd->input, f->line, 0};
    json_error_t je;
    int oom = 0;
    json_t *o = parse(b->data + start, len - start, &je, &oom);
    if (oom) {
      err = CB_ENOMEM;
    } else if (!o) {
      rd->in->invalid++;
      cb_diag__report_file(
          cb_grade__ctx(rd->g), CB_DIAG_WARNING, "grade-input", rd->in->path,
          f->line, (uint32_t)(je.column > 0 ? (size_t)je.column + start : 1),
          cb_arena_printf(cb_grade__ctx(rd->g)->arena,
                          "not a JSON object: %s; the line is left out",
                          je.text));
    } else {
      err = jsonl_line(rd, o, &pos);
      json_decref(o);
    }
  }
  cb_buf_reset(b);
  return err;
}

static int element(feeder *f) {
  reader *rd = f->rd;
  f->index++;
  rd->in->records++;
  cb_grade_pos pos = {rd->input, f->start, f->index};
  json_error_t je;
  int oom = 0;
  json_t *o = parse(f->buf.data, f->buf.len, &je, &oom);
  cb_buf_reset(&f->buf);
  if (oom)
    return CB_ENOMEM;
  if (!o) {
    cb_grade__report(rd->g, &pos, CB_DIAG_WARNING, 1,
                     "not valid JSON: %s; it is left out", je.text);
    return 0;
  }
  int err = f->argilla ? argilla_record(rd, o, &pos) : ls_task(rd, o, &pos);
  json_decref(o);
  return err;
}

static int is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Feeds p[0..n) to f. */
static int feed(feeder *f, const char *p, size_t n) {
  reader *rd = f->rd;
  int err = 0;
  if (f->jsonl) {
    while (n && !err) {
      const char *nl = memchr(p, '\n', n);
      size_t len = nl ? (size_t)(nl - p) : n;
      cb_buf_append(&f->buf, p, len);
      if (f->buf.failed)
        return CB_ENOMEM;
      if (!nl)
        break;
      f->line++;
      err = jsonl_flush(f);
      p += len + 1;
      n -= len + 1;
    }
    return err;
  }
  for (size_t i = 0; i < n && !err && !f->stop; i++) {
    char c = p[i];
    if (c == '\n')
      f->line++;
    if (f->depth >= 2) {
      cb_buf_putc(&f->buf, c);
      if (f->in_string) {
        if (f->escape)
          f->escape = 0;
        else if (c == '\\')
          f->escape = 1;
        else if (c == '"')
          f->in_string = 0;
      } else if (c == '"') {
        f->in_string = 1;
      } else if (c == '{' || c == '[') {
        f->depth++;
      } else if ((c == '}' || c == ']') && --f->depth == 1) {
        err = element(f);
      }
      continue;
    }
    if (is_space(c))
      continue;
    cb_grade_pos at = {rd->input, f->line, 0};
    if (f->done) {
      cb_grade__report(rd->g, &at, CB_DIAG_WARNING, 0,
                       "text after the end of the list is left out");
      f->stop = 1;
    } else if (f->depth == 0) {
      if (c != '[') {
        cb_grade__report(rd->g, &at, CB_DIAG_ERROR, 1,
                         "expected a JSON list of %s",
                         f->argilla ? "records" : "tasks");
        f->stop = 1;
      }
      f->depth = 1;
    } else if (c == ']') {
      f->done = 1;
    } else if (c == '{' || c == '[') {
      f->depth = 2;
      f->start = f->line;
      cb_buf_putc(&f->buf, c);
    } else if (c != ',') {
      /* a scalar element: reported at its first byte, then skipped */
      at.task = ++f->index;
      rd->in->records++;
      cb_grade__report(rd->g, &at, CB_DIAG_WARNING, 1,
                       "an element that is not an object; it is left out");
      while (i + 1 < n && p[i + 1] != ',' && p[i + 1] != ']')
        i++;
    }
  }
  return err || f->buf.failed ? (err ? err : CB_ENOMEM) : 0;
}

/* Reads fp through a feeder, head (n bytes) first. */
static int read_all(reader *rd, FILE *fp, const char *head, size_t n,
                    const char *format) {
  feeder f;
  memset(&f, 0, sizeof f);
  f.rd = rd;
  f.jsonl = !strcmp(format, "jsonl");
  f.argilla = !strcmp(format, "argilla");
  f.line = f.jsonl ? 0 : 1;
  int err = feed(&f, head, n);
  char chunk[CHUNK];
  while (!err && !f.stop && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
    err = feed(&f, chunk, n);
  if (!err && ferror(fp))
    err = cb_ctx__fail(cb_grade__ctx(rd->g), CB_EIO, "%s: %s", rd->in->path,
                       strerror(errno));
  if (!err && f.jsonl && f.buf.len) {
    f.line++;
    err = jsonl_flush(&f); /* a last line without a newline */
  }
  if (!err && !f.jsonl && !f.done && !f.stop)
    cb_grade__report(rd->g, &(cb_grade_pos){rd->input, f.line, 0},
                     CB_DIAG_WARNING, 1,
                     "the file ends inside the list (cut short?)%s",
                     f.depth >= 2 ? ": the last element is left out" : "");
  cb_buf_free(&f.buf);
  return err;
}

/* The format of a file from its first bytes: a list whose first element
 * has "annotations" or "data" is Label Studio, one with "responses",
 * "fields" or "suggestions" Argilla; an object is a JSONL line. */
static const char *detect(const char *head, size_t n) {
  size_t i = 0;
  while (i < n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' ||
                   head[i] == '\t'))
    i++;
  if (i == n)
    return NULL;
  if (head[i] == '{')
    return "jsonl";
  if (head[i] != '[')
    return NULL;
  const char *ls = NULL, *ag = NULL;
  for (const char *k = head + i; k < head + n; k++) {
    if (*k != '"')
      continue;
    size_t rest = (size_t)(head + n - k);
    if (!ls && ((rest > 13 && !memcmp(k, "\"annotations\"", 13)) ||
                (rest > 6 && !memcmp(k, "\"data\"", 6))))
      ls = k;
    if (!ag && ((rest > 11 && !memcmp(k, "\"responses\"", 11)) ||
                (rest > 8 && !memcmp(k, "\"fields\"", 8)) ||
                (rest > 13 && !memcmp(k, "\"suggestions\"", 13))))
      ag = k;
  }
  if (ls && (!ag || ls < ag))
    return "labelstudio";
  if (ag)
    return "argilla";
  return "labelstudio"; /* an empty list */
}

int cb_grade__read_file(cb_grade *g, const char *path, FILE *fp,
                        const char *fmt) {
  cb_ctx *ctx = cb_grade__ctx(g);
  if (fmt && strcmp(fmt, "labelstudio") && strcmp(fmt, "argilla") &&
      strcmp(fmt, "jsonl"))
    return cb_ctx__fail(ctx, CB_EUSAGE,
                        "unknown input format '%s' (labelstudio, argilla or "
                        "jsonl)", fmt);
  FILE *own = NULL;
  if (!fp) {
    own = fopen(path, "rb");
    if (!own)
      return cb_ctx__fail(ctx, CB_EIO, "cannot read %s: %s", path,
                          strerror(errno));
    fp = own;
  }
  char head[CHUNK];
  size_t n = fread(head, 1, sizeof head, fp);
  const char *format = fmt ? fmt : detect(head, n);
  int err = 0;
  if (!format) {
    long k = cb_grade__input(g, path, "jsonl");
    if (k < 0) {
      err = CB_ENOMEM;
    } else {
      cb_grade__report(g, &(cb_grade_pos){(uint32_t)k, 1, 0}, CB_DIAG_ERROR,
                       0,
                       n ? "not an annotation file: neither a JSON list "
                           "(Label Studio, Argilla) nor JSON lines"
                         : "an empty file: no annotation to grade");
    }
    if (own)
      fclose(own);
    return err;
  }
  long k = cb_grade__input(g, path, format);
  if (k < 0) {
    if (own)
      fclose(own);
    return CB_ENOMEM;
  }
  size_t n_in;
  reader rd;
  memset(&rd, 0, sizeof rd);
  rd.g = g;
  rd.book = cb_grade__book(g);
  rd.in = &cb_grade__inputs(g, &n_in)[k];
  rd.input = (uint32_t)k;
  err = read_all(&rd, fp, head, n, format);
  cb_strmap_free(&rd.reported);
  if (own)
    fclose(own);
  return err;
}

int cb_grade_read(cb_grade *g, const char *path, FILE *fp,
                  const char *format) {
  /* an allocation that failed on the way (a value built for an answer)
   * fails the read: nothing is silently left out */
  unsigned long failures = cb_alloc_failures();
  int err = cb_grade__read_file(g, path, fp, format);
  if (!err && failures != cb_alloc_failures())
    err = cb_ctx__fail(cb_grade__ctx(g), CB_ENOMEM, "out of memory");
  return err;
}
