/* SPDX-License-Identifier: MIT */
/*
 * export_schema.c: the JSON Schemas of a build (export_schema.h).
 *
 * schemas/rubric.schema.json and schemas/gold.schema.json are copied as
 * shipped (embedded from schemas/). annotation.schema.json is generated
 * from the rubric: a draft 2020-12 schema of one annotation of one case,
 * an object keyed by question id whose values have the shapes of
 * gold.jsonl's answers; a per-response question's value is an object
 * keyed by response name (docs/outputs.md has the whole contract).
 *
 * `when` expressions become if/then/else where JSON Schema can say the
 * same thing: comparisons of an answer with a literal, has(), a multi's
 * member (issues.tone), not, and, or, true, false. Lua's rule that
 * reading an unanswered question makes the whole `when` false is kept by
 * building two schemas per subexpression: "completes and is true" (pos)
 * and "completes and is false" (neg). Anything else is listed in the
 * schema's $comment as not expressed.
 */
#include "export_schema.h"
#include "json_file.h"
#include "json_out.h"

#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "model.h"
#include "model_json.h"
#include "output.h"
#include "strmap.h"
#include "when.h"

/* Per-response conditions are written once per known response name; past
 * this many names they are left out (and said so). */
#define MAX_NAMES 64
/* Comparisons of a `when` the translation follows (its nesting is
 * bounded by the parser, when.h). */
#define MAX_ATOMS 64
/* Subschemas one condition may take: "false" of an `and` holds "true" of
 * its left side too, so a long chain grows exponentially. */
#define MAX_COND_NODES 20000

typedef struct sw {
  cb_ctx *ctx;
  const cb_book *book;
  int failed;
  const char **names; /* known response names */
  size_t n_names;
  cb_buf comment; /* what is not expressed, for $comment */
  long budget;    /* cond() calls left for the current condition */
} sw;

/* ---- JSON helpers ---------------------------------------------------- */

static json_t *str(sw *w, const char *s) {
  json_t *v = cb_model_json__str(NULL, s ? s : "", s ? strlen(s) : 0);
  if (!v)
    w->failed = 1;
  return v;
}

static json_t *num(sw *w, long long n) {
  json_t *v = json_integer((json_int_t)n);
  if (!v)
    w->failed = 1;
  return v;
}

static json_t *obj(sw *w) {
  json_t *v = json_object();
  if (!v)
    w->failed = 1;
  return v;
}

static json_t *arr(sw *w) {
  json_t *v = json_array();
  if (!v)
    w->failed = 1;
  return v;
}

/* obj[key] = value, stealing value; key from the casebook is cleaned. */
static void set(sw *w, json_t *o, const char *key, json_t *value) {
  if (cb_model_json__set(o, key, value) < 0)
    w->failed = 1;
}

static void push(sw *w, json_t *a, json_t *value) {
  if (!a) {
    json_decref(value);
    w->failed = 1;
  } else if (!value || json_array_append_new(a, value) < 0) {
    w->failed = 1; /* jansson released value */
  }
}

/* {"k": v} */
static json_t *obj1(sw *w, const char *k, json_t *v) {
  json_t *o = obj(w);
  set(w, o, k, v);
  return o;
}

/* {k: [a, b]} for allOf/anyOf */
static json_t *pair(sw *w, const char *k, json_t *a, json_t *b) {
  json_t *l = arr(w);
  push(w, l, a);
  push(w, l, b);
  return obj1(w, k, l);
}

/* ["id"] */
static json_t *list1(sw *w, const char *s) {
  json_t *a = arr(w);
  push(w, a, str(w, s));
  return a;
}

/* ---- response names -------------------------------------------------- */

int cb_export_schema__response_names(const char ***out, size_t *n, cb_ctx *ctx,
                                     const cb_book *book) {
  cb_strmap seen = {0};
  const char **names = NULL;
  size_t count = 0, cap = 0;
  int err = 0;
  *out = NULL;
  *n = 0;
  for (size_t i = 0; i < book->n_cases + book->n_questions && err == 0; i++) {
    const cb_strlist *declared = NULL;
    const cb_case *c = NULL;
    size_t k_max;
    if (i < book->n_cases) {
      c = &book->cases[i];
      k_max = c->n_inputs;
    } else {
      declared = &book->questions[i - book->n_cases].responses;
      k_max = declared->n;
    }
    for (size_t k = 0; k < k_max && err == 0; k++) {
      const char *name;
      if (c) {
        if (c->inputs[k].kind != CB_IN_RESPONSE)
          continue;
        name = c->inputs[k].name ? c->inputs[k].name : "";
      } else {
        name = declared->items[k] ? declared->items[k] : "";
      }
      int fresh = cb_strmap_put(&seen, name, count, NULL);
      if (fresh < 0 || (fresh > 0 && CB_VEC_PUSH(names, count, cap, name) < 0))
        err = CB_ENOMEM;
    }
  }
  if (err == 0 && count) {
    const char **copy = cb_arena_alloc(ctx->arena, count * sizeof *copy);
    if (!copy)
      err = CB_ENOMEM;
    else
      memcpy(copy, names, count * sizeof *copy);
    *out = copy;
    *n = copy ? count : 0;
  }
  cb_free(names);
  cb_strmap_free(&seen);
  if (err)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  return 0;
}

/* ---- `when` expressions ---------------------------------------------- */

typedef enum nkind { N_TRUE, N_FALSE, N_ATOM, N_NOT, N_AND, N_OR } nkind;

/* An atom: a test of one question's answer. */
typedef enum acmp {
  A_EQ,
  A_NE,
  A_LT,
  A_LE,
  A_GT,
  A_GE,
  A_HAS,    /* lit in q, has(q, lit) */
  A_MEMBER, /* q.name: a multi holds name */
  A_TRUTHY, /* q alone: answered */
  A_ONEOF   /* q in {lit, ...} */
} acmp;

typedef struct wnode {
  nkind kind;
  struct wnode *a, *b;
  int q; /* question index */
  acmp cmp;
  uint32_t lit; /* the literal node of the when (A_ONEOF: the set), or the
                   member node (A_MEMBER) */
} wnode;

/* The translation of one parsed `when` (when.h) into wnodes. */
typedef struct wbuild {
  sw *w;
  const cb_when *when;
  int bad; /* not translatable: why is in `why` */
  const char *why;
  int reads_response; /* some atom reads a per-response question */
  int atoms;
} wbuild;

static void unsupported(wbuild *wb, const char *why) {
  if (!wb->bad)
    wb->why = why;
  wb->bad = 1;
}

static wnode *node(wbuild *wb, nkind kind) {
  wnode *n = cb_arena_calloc(wb->w->ctx->arena, 1, sizeof *n);
  if (!n) {
    wb->w->failed = 1;
    unsupported(wb, "out of memory");
    return NULL;
  }
  n->kind = kind;
  n->q = -1;
  return n;
}

static int is_literal(const cb_when_node *x) {
  return x->kind == CB_WN_STR || x->kind == CB_WN_NUM ||
         x->kind == CB_WN_TRUE || x->kind == CB_WN_FALSE;
}

/* An atom on the answer node x (a question read as it is). */
static wnode *atom(wbuild *wb, uint32_t x, acmp cmp, uint32_t lit) {
  const cb_when_node *an = &wb->when->nodes[x];
  if (++wb->atoms > MAX_ATOMS) {
    unsupported(wb, "it makes too many comparisons");
    return NULL;
  }
  wnode *n = node(wb, N_ATOM);
  if (!n)
    return NULL;
  n->q = an->question;
  n->cmp = cmp;
  n->lit = lit;
  if (wb->w->book->questions[n->q].scope == CB_SCOPE_RESPONSE)
    wb->reads_response = 1;
  return n;
}

static const char *const other_form =
    "it uses a form other than comparisons of an answer with a literal, "
    "in, has(), a member, not, and, or";

/* The wnode of the condition at node x of the parsed when. */
static wnode *build(wbuild *wb, uint32_t x) {
  const cb_when_node *n = &wb->when->nodes[x];
  const cb_when_node *a = &wb->when->nodes[n->a], *b = &wb->when->nodes[n->b];
  if (wb->bad)
    return NULL;
  switch ((cb_when_kind)n->kind) {
  case CB_WN_TRUE:
    return node(wb, N_TRUE);
  case CB_WN_FALSE:
    return node(wb, N_FALSE);
  case CB_WN_NOT:
  case CB_WN_AND:
  case CB_WN_OR: {
    wnode *r = node(wb, n->kind == CB_WN_NOT   ? N_NOT
                        : n->kind == CB_WN_AND ? N_AND
                                               : N_OR);
    if (r) {
      r->a = build(wb, n->a);
      if (n->kind != CB_WN_NOT)
        r->b = build(wb, n->b);
    }
    return r;
  }
  case CB_WN_ANSWER:
    return atom(wb, x, A_TRUTHY, 0);
  case CB_WN_MEMBER:
    if (a->kind != CB_WN_ANSWER)
      break;
    return atom(wb, n->a, A_MEMBER, x);
  case CB_WN_IN:
    if (b->kind == CB_WN_SET && a->kind == CB_WN_ANSWER)
      return atom(wb, n->a, A_ONEOF, n->b);
    if (b->kind == CB_WN_ANSWER && is_literal(a))
      return atom(wb, n->b, A_HAS, n->a);
    break;
  case CB_WN_CMP: {
    static const acmp as[] = {A_EQ, A_NE, A_LT, A_LE, A_GT, A_GE};
    static const acmp mirrored[] = {A_EQ, A_NE, A_GT, A_GE, A_LT, A_LE};
    int left = a->kind == CB_WN_ANSWER;
    const cb_when_node *q = left ? a : b, *l = left ? b : a;
    if (q->kind != CB_WN_ANSWER || !is_literal(l)) {
      unsupported(wb, "it compares two answers, or a member or has()");
      return NULL;
    }
    acmp cmp = left ? as[n->op] : mirrored[n->op];
    if (cmp != A_EQ && cmp != A_NE && l->kind != CB_WN_NUM) {
      unsupported(wb, "it orders strings");
      return NULL;
    }
    return atom(wb, left ? n->a : n->b, cmp, left ? n->b : n->a);
  }
  case CB_WN_STR:
  case CB_WN_NUM:
    unsupported(wb, "it tests a literal alone");
    return NULL;
  default:
    break;
  }
  unsupported(wb, other_form);
  return NULL;
}

/* The literal node x of the when as JSON. */
static json_t *lit(sw *w, const cb_when *when, uint32_t x) {
  const cb_when_node *n = &when->nodes[x];
  json_t *v = NULL;
  switch ((cb_when_kind)n->kind) {
  case CB_WN_STR:
    v = cb_model_json__str(NULL, cb_when_str(when, n->str), n->str_len);
    break;
  case CB_WN_NUM:
    /* whole numbers as integers, as they were written */
    if (n->num >= -9007199254740992.0 && n->num <= 9007199254740992.0 &&
        n->num == (double)(long long)n->num)
      v = json_integer((json_int_t)n->num);
    else
      v = json_real(n->num);
    break;
  case CB_WN_TRUE:
  case CB_WN_FALSE:
    v = json_boolean(n->kind == CB_WN_TRUE);
    break;
  default:
    break;
  }
  if (!v)
    w->failed = 1;
  return v;
}

static json_t *number_bound(sw *w, const char *bound, json_t *value) {
  json_t *o = obj1(w, "type", str(w, "number"));
  set(w, o, bound, value);
  return o;
}

/* The schema of an answer value for which the atom completes and is true
 * (pos) or false. */
static json_t *atom_value(sw *w, const cb_when *when, const wnode *n, int pos) {
  switch (n->cmp) {
  case A_EQ:
  case A_NE: {
    json_t *c = obj1(w, "const", lit(w, when, n->lit));
    return (n->cmp == A_EQ) == pos ? c : obj1(w, "not", c);
  }
  case A_LT:
    return number_bound(w, pos ? "exclusiveMaximum" : "minimum",
                        lit(w, when, n->lit));
  case A_LE:
    return number_bound(w, pos ? "maximum" : "exclusiveMinimum",
                        lit(w, when, n->lit));
  case A_GT:
    return number_bound(w, pos ? "exclusiveMinimum" : "maximum",
                        lit(w, when, n->lit));
  case A_GE:
    return number_bound(w, pos ? "minimum" : "exclusiveMaximum",
                        lit(w, when, n->lit));
  case A_HAS: {
    json_t *in_list = obj1(w, "type", str(w, "array"));
    set(w, in_list, "contains", obj1(w, "const", lit(w, when, n->lit)));
    json_t *v =
        pair(w, "anyOf", obj1(w, "const", lit(w, when, n->lit)), in_list);
    return pos ? v : obj1(w, "not", v);
  }
  case A_MEMBER: {
    const cb_when_node *m = &when->nodes[n->lit];
    json_t *v = obj1(w, "type", str(w, "array"));
    json_t *id = cb_model_json__str(NULL, cb_when_str(when, m->str), m->str_len);
    if (!id)
      w->failed = 1;
    set(w, v, "contains", obj1(w, "const", id));
    return pos ? v : obj1(w, "not", v);
  }
  case A_ONEOF: {
    json_t *e = arr(w);
    for (uint32_t k = when->nodes[n->lit].a; k; k = when->nodes[k].b)
      push(w, e, lit(w, when, k));
    json_t *v = obj1(w, "enum", e);
    return pos ? v : obj1(w, "not", v);
  }
  case A_TRUTHY:
    break;
  }
  return pos ? json_true() : json_false();
}

/* Makes object schema o require key. The empty name (an unnamed
 * response) is required as "not every name is non-empty": the same
 * meaning, and Ajv 8 ignores "required": [""]. */
static void require_key(sw *w, json_t *o, const char *key) {
  if (*key)
    set(w, o, "required", list1(w, key));
  else
    set(w, o, "not", obj1(w, "propertyNames", obj1(w, "minLength", num(w, 1))));
}

/* {"type": "object", "required": [key]} */
static json_t *object_with(sw *w, const char *key) {
  json_t *o = obj1(w, "type", str(w, "object"));
  require_key(w, o, key);
  return o;
}

/* "The answer to q (of response resp when q is per-response) exists and
 * matches v". */
static json_t *answered(sw *w, int q, const char *resp, json_t *v) {
  const char *id = w->book->questions[q].id;
  json_t *at = v;
  if (w->book->questions[q].scope == CB_SCOPE_RESPONSE) {
    at = object_with(w, resp);
    set(w, at, "properties", obj1(w, resp, v));
  }
  json_t *o = obj1(w, "required", list1(w, id));
  set(w, o, "properties", obj1(w, id, at));
  return o;
}

/* The schema of "n completes and is true" (pos) or "... false", for the
 * answers of response resp (NULL: a case-scope question's when). */
static json_t *cond(sw *w, const cb_when *when, const wnode *n,
                    const char *resp, int pos) {
  if (--w->budget < 0)
    return json_true(); /* discarded by the caller */
  switch (n->kind) {
  case N_TRUE:
    return pos ? json_true() : json_false();
  case N_FALSE:
    return pos ? json_false() : json_true();
  case N_NOT:
    return cond(w, when, n->a, resp, !pos);
  case N_AND:
    if (pos)
      return pair(w, "allOf", cond(w, when, n->a, resp, 1),
                  cond(w, when, n->b, resp, 1));
    return pair(w, "anyOf", cond(w, when, n->a, resp, 0),
                pair(w, "allOf", cond(w, when, n->a, resp, 1),
                     cond(w, when, n->b, resp, 0)));
  case N_OR:
    if (pos)
      return pair(w, "anyOf", cond(w, when, n->a, resp, 1),
                  pair(w, "allOf", cond(w, when, n->a, resp, 0),
                       cond(w, when, n->b, resp, 1)));
    return pair(w, "allOf", cond(w, when, n->a, resp, 0),
                cond(w, when, n->b, resp, 0));
  case N_ATOM:
    break;
  }
  return answered(w, n->q, resp, atom_value(w, when, n, pos));
}

/* cond() for a whole `when`, within MAX_COND_NODES; NULL (and *too_big)
 * when it needs more. */
static json_t *whole_cond(sw *w, const cb_when *when, const wnode *root,
                          const char *resp, int *too_big) {
  w->budget = MAX_COND_NODES;
  json_t *c = cond(w, when, root, resp, 1);
  if (w->budget < 0) {
    json_decref(c);
    *too_big = 1;
    return NULL;
  }
  return c;
}

/* Records in the $comment that q's when is not expressed, and why. */
static void not_expressed(sw *w, const cb_question *q, const char *why) {
  if (w->comment.len)
    cb_buf_puts(&w->comment, " ");
  cb_buf_printf(&w->comment,
                "Question '%s': its when (%s) is not expressed: %s.", q->id,
                q->when, why);
}

/* 1 when a required question must be answered wherever its when holds,
 * whatever the case's inputs: not rank or pairwise, which apply only to
 * cases with enough responses. */
static int always_applies(const cb_question *q) {
  return q->type != CB_Q_RANK && q->type != CB_Q_PAIRWISE;
}

/* {"if": c, "then": t, "else": e}; t or e may be NULL. */
static json_t *if_then(sw *w, json_t *c, json_t *t, json_t *e) {
  json_t *o = obj1(w, "if", c);
  if (t)
    set(w, o, "then", t);
  if (e)
    set(w, o, "else", e);
  return o;
}

/* "q is answered (for response resp when per-response)". */
static json_t *has_answer(sw *w, const cb_question *q, const char *resp) {
  json_t *o = obj1(w, "required", list1(w, q->id));
  if (resp)
    set(w, o, "properties", obj1(w, q->id, object_with(w, resp)));
  return o;
}

/* The if/then/else clauses of the parsed when of q (root its
 * translation), appended to all. */
static void when_translate(sw *w, const cb_question *q, json_t *all,
                           const cb_when *when, const wnode *root,
                           int reads_response) {
  int need = q->required && always_applies(q);
  int too_big = 0;
  if (q->scope == CB_SCOPE_CASE || !reads_response) {
    if (reads_response) {
      not_expressed(w, q,
                    "a case-scope question's when reads a "
                    "per-response answer");
      return;
    }
    json_t *c = whole_cond(w, when, root, NULL, &too_big);
    if (!c) {
      not_expressed(w, q, "its translation is too large");
      return;
    }
    /* A per-response question whose when reads case answers only: its
     * answers go when the when is false; when it is true, which responses
     * need one is not known. */
    int require = need && q->scope == CB_SCOPE_CASE;
    push(w, all,
         if_then(w, c, require ? obj1(w, "required", list1(w, q->id)) : NULL,
                 obj1(w, "not", has_answer(w, q, NULL))));
    return;
  }
  if (w->n_names > MAX_NAMES) {
    not_expressed(w, q, "the book has too many response names");
    return;
  }
  if (w->n_names == 0)
    not_expressed(w, q, "no case names a response");
  for (size_t i = 0; i < w->n_names; i++) {
    const char *r = w->names[i];
    json_t *c = whole_cond(w, when, root, r, &too_big);
    if (!c) {
      not_expressed(w, q, "its translation is too large");
      return;
    }
    push(w, all,
         if_then(w, c, need ? has_answer(w, q, r) : NULL,
                 obj1(w, "not", has_answer(w, q, r))));
  }
}

/* The if/then/else clauses of q's when, appended to all. */
static void when_clauses(sw *w, const cb_question *q, json_t *all) {
  cb_when *when = NULL;
  cb_when_error err;
  int rc = cb_when_parse(&when, q->when, strlen(q->when), &err);
  if (rc == 0)
    rc = cb_when_resolve(when, w->book, &err);
  if (rc < 0) {
    if (rc == CB_ENOMEM)
      w->failed = 1;
    else
      not_expressed(w, q, err.msg);
    cb_free(when);
    return;
  }
  wbuild wb;
  memset(&wb, 0, sizeof wb);
  wb.w = w;
  wb.when = when;
  wnode *root = build(&wb, when->root);
  if (wb.bad || !root) {
    not_expressed(w, q, wb.why ? wb.why : "it does not parse");
    cb_free(when);
    return;
  }
  when_translate(w, q, all, when, root, wb.reads_response);
  cb_free(when);
}

/* ---- value schemas --------------------------------------------------- */

static json_t *enum_of_options(sw *w, const cb_question *q) {
  if (!q->n_options)
    return obj1(w, "type", str(w, "string"));
  json_t *e = arr(w);
  for (size_t i = 0; i < q->n_options; i++)
    push(w, e, str(w, q->options[i].id));
  return obj1(w, "enum", e);
}

/* The response names a rank or pairwise answer may use: the question's
 * own list, else every known name; NULL items = any string. */
static json_t *name_schema(sw *w, const cb_question *q, int with_tie) {
  const char *const *names = q->responses.n ? q->responses.items : w->names;
  size_t n = q->responses.n ? q->responses.n : w->n_names;
  if (!n)
    return obj1(w, "type", str(w, "string"));
  json_t *e = arr(w);
  for (size_t i = 0; i < n; i++)
    push(w, e, str(w, names[i]));
  if (with_tie)
    push(w, e, str(w, "tie"));
  return obj1(w, "enum", e);
}

static json_t *rank_schema(sw *w, const cb_question *q) {
  json_t *group = obj1(w, "type", str(w, "array"));
  set(w, group, "minItems", num(w, 2));
  set(w, group, "uniqueItems", json_true());
  set(w, group, "items", name_schema(w, q, 0));
  json_t *s = obj1(w, "type", str(w, "array"));
  set(w, s, "minItems", num(w, 1));
  set(w, s, "uniqueItems", json_true());
  set(w, s, "items", pair(w, "anyOf", name_schema(w, q, 0), group));
  if (q->responses.n) {
    /* every compared response is ranked, alone or in a tie */
    set(w, s, "maxItems", num(w, (long long)q->responses.n));
    json_t *all = arr(w);
    for (size_t i = 0; i < q->responses.n; i++) {
      json_t *in_group = obj1(w, "type", str(w, "array"));
      set(w, in_group, "contains",
          obj1(w, "const", str(w, q->responses.items[i])));
      push(
          w, all,
          obj1(w, "contains",
               pair(w, "anyOf", obj1(w, "const", str(w, q->responses.items[i])),
                    in_group)));
    }
    set(w, s, "allOf", all);
  }
  return s;
}

static json_t *pairwise_schema(sw *w, const cb_question *q) {
  json_t *s = obj1(w, "type", str(w, "object"));
  json_t *props = obj(w);
  set(w, props, "preferred", name_schema(w, q, 1));
  json_t *strength = arr(w);
  for (int i = 0; i <= 2; i++)
    push(w, strength, num(w, i));
  set(w, props, "strength", obj1(w, "enum", strength));
  set(w, s, "properties", props);
  json_t *req = arr(w);
  push(w, req, str(w, "preferred"));
  push(w, req, str(w, "strength"));
  set(w, s, "required", req);
  set(w, s, "additionalProperties", json_false());
  /* a tie has strength 0, a preference 1 or 2 */
  json_t *strong = arr(w);
  push(w, strong, num(w, 1));
  push(w, strong, num(w, 2));
  set(w, s, "if",
      obj1(w, "properties",
           obj1(w, "preferred", obj1(w, "const", str(w, "tie")))));
  set(w, s, "then",
      obj1(w, "properties", obj1(w, "strength", obj1(w, "const", num(w, 0)))));
  set(w, s, "else",
      obj1(w, "properties", obj1(w, "strength", obj1(w, "enum", strong))));
  return s;
}

/* The schema of one answer to q. */
static json_t *value_schema(sw *w, const cb_question *q) {
  json_t *s = NULL;
  switch (q->type) {
  case CB_Q_CHOICE:
    s = enum_of_options(w, q);
    break;
  case CB_Q_MULTI:
    s = obj1(w, "type", str(w, "array"));
    set(w, s, "uniqueItems", json_true());
    set(w, s, "items", enum_of_options(w, q));
    break;
  case CB_Q_SCALE:
    s = obj1(w, "type", str(w, "integer"));
    set(w, s, "minimum", num(w, q->scale_min));
    set(w, s, "maximum", num(w, q->scale_max));
    break;
  case CB_Q_RANK:
    s = rank_schema(w, q);
    break;
  case CB_Q_PAIRWISE:
    s = pairwise_schema(w, q);
    break;
  case CB_Q_TEXT:
    s = obj1(w, "type", str(w, "string"));
    break;
  }
  return s;
}

/* The property of q in the annotation: its value schema, or for a
 * per-response question an object of them keyed by response name. */
static json_t *question_schema(sw *w, const cb_question *q) {
  json_t *v = value_schema(w, q);
  json_t *s;
  if (q->scope == CB_SCOPE_RESPONSE) {
    s = obj1(w, "type", str(w, "object"));
    if (w->n_names && w->n_names <= MAX_NAMES) {
      json_t *e = arr(w);
      for (size_t i = 0; i < w->n_names; i++)
        push(w, e, str(w, w->names[i]));
      set(w, s, "propertyNames", obj1(w, "enum", e));
    }
    set(w, s, "additionalProperties", v);
  } else {
    s = v;
  }
  if (s && json_is_object(s)) {
    set(w, s, "title", str(w, q->title && *q->title ? q->title : q->id));
    const char *hint = q->hint ? q->hint : q->title;
    if (hint && *hint)
      set(w, s, "description", str(w, hint));
  }
  return s;
}

/* The whole annotation schema; NULL when out of memory. */
static json_t *annotation_schema(sw *w) {
  const cb_book *b = w->book;
  json_t *root = obj1(w, "$schema",
                      str(w, "https://json-schema.org/draft/2020-12/schema"));
  char *title = cb_arena_printf(w->ctx->arena, "Annotation of one case: %s",
                                cb_model__title(b));
  if (!title)
    w->failed = 1;
  set(w, root, "title", str(w, title));
  set(w, root, "description",
      str(w, "One annotation of one case, generated by casebook from the "
             "rubric: an object keyed by question id. A case-scope "
             "question's value has the shape of its gold answer in "
             "gold.jsonl; a per-response question's value is an object "
             "keyed by response name. A gold record becomes an annotation "
             "by merging its answers with its per_response answers "
             "regrouped by question (docs/outputs.md)."));
  set(w, root, "type", str(w, "object"));
  json_t *props = obj(w);
  json_t *req = arr(w);
  json_t *all = arr(w);
  json_t *per_response_required = arr(w);
  for (size_t i = 0; i < b->n_questions; i++) {
    const cb_question *q = &b->questions[i];
    if (json_object_get(props, q->id))
      continue; /* a duplicate id: the first one counts, as in the rules */
    set(w, props, q->id, question_schema(w, q));
    if (q->when) {
      when_clauses(w, q, all);
    } else if (q->required && q->scope == CB_SCOPE_CASE && always_applies(q)) {
      push(w, req, str(w, q->id));
    } else if (q->required && q->scope == CB_SCOPE_RESPONSE) {
      push(w, per_response_required, str(w, q->id));
    }
  }
  /* A response that has an answer to any per-response question has one to
   * every required per-response question without a when. */
  if (json_array_size(per_response_required) && w->n_names <= MAX_NAMES) {
    for (size_t k = 0; k < w->n_names; k++) {
      const char *r = w->names[k];
      json_t *any = arr(w);
      json_t *then_props = obj(w);
      for (size_t i = 0; i < b->n_questions; i++) {
        const cb_question *q = &b->questions[i];
        if (q->scope == CB_SCOPE_RESPONSE)
          push(w, any, has_answer(w, q, r));
      }
      size_t j;
      json_t *id;
      json_array_foreach(per_response_required, j, id) {
        set(w, then_props, json_string_value(id), object_with(w, r));
      }
      json_t *then = obj1(w, "required", json_deep_copy(per_response_required));
      set(w, then, "properties", then_props);
      push(w, all, if_then(w, obj1(w, "anyOf", any), then, NULL));
    }
  }
  json_decref(per_response_required);
  set(w, root, "properties", props);
  set(w, root, "required", req);
  set(w, root, "additionalProperties", json_false());
  if (json_array_size(all))
    set(w, root, "allOf", all);
  else
    json_decref(all);
  if (w->comment.len)
    set(w, root, "$comment", str(w, cb_buf_cstr(&w->comment)));
  if (w->comment.failed)
    w->failed = 1;
  json_t *stamp = cb_model_json__stamp(b);
  if (!stamp)
    w->failed = 1;
  json_t *version = obj1(
      w, "description",
      str(w, "The version stamp of the build that wrote this schema, as in "
             "rubric.json (for reference; not a constraint on annotations)."));
  set(w, version, "const", stamp);
  set(w, root, "$defs", obj1(w, "version", version));
  if (w->failed) {
    json_decref(root);
    return NULL;
  }
  return root;
}

/* ---- the exporter ---------------------------------------------------- */

static const char *const shipped[] = {"rubric.schema.json", "gold.schema.json"};

int cb_export_schema__run(cb_ctx *ctx, const cb_book *book,
                          const char *outdir) {
  int err = 0;
  sw w;
  memset(&w, 0, sizeof w);
  w.ctx = ctx;
  w.book = book;
  json_t *schema = NULL;
  const char *dir = cb_arena_printf(ctx->arena, "%s/schemas", outdir);
  if (!dir) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  if ((err = cb_output__mkdirs(ctx, dir)) < 0)
    goto done;
  for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
    const char *name = cb_arena_printf(ctx->arena, "schemas/%s", shipped[i]);
    const char *path = cb_arena_printf(ctx->arena, "%s/%s", dir, shipped[i]);
    if (!name || !path) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    const cb_embedded *e = cb_embed__find(name);
    if (!e) {
      err = cb_ctx__fail(ctx, CB_ERROR, "internal error: %s is not built in",
                         name);
      goto done;
    }
    if ((err = cb_output__file(ctx, path, e->data, e->len,
                               CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME)) < 0)
      goto done;
  }
  if ((err = cb_export_schema__response_names(&w.names, &w.n_names, ctx,
                                              book)) < 0)
    goto done;
  if (!(schema = annotation_schema(&w))) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  err = cb_json_file__write(
      ctx, cb_arena_printf(ctx->arena, "%s/annotation.schema.json", outdir),
      schema);
done:
  json_decref(schema);
  cb_buf_free(&w.comment);
  return err;
}
