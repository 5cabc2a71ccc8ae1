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
#include "json_out.h"

#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "emit.h"
#include "emit_json.h"
#include "output.h"
#include "strmap.h"

/* Per-response conditions are written once per known response name; past
 * this many names they are left out (and said so). */
#define MAX_NAMES 64
/* Nesting depth and comparisons of a `when` the translation follows. */
#define MAX_DEPTH 64
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
  json_t *v = cb_emit_json__str(NULL, s ? s : "", s ? strlen(s) : 0);
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
  if (cb_emit_json__set(o, key, value) < 0)
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

typedef enum tok {
  T_END = 0,
  T_NAME,
  T_STR,
  T_NUM,
  T_EQ,
  T_NE,
  T_LT,
  T_LE,
  T_GT,
  T_GE,
  T_LP,
  T_RP,
  T_LB,
  T_RB,
  T_COMMA,
  T_DOT,
  T_MINUS,
  T_BAD
} tok;

typedef enum nkind { N_TRUE, N_FALSE, N_ATOM, N_NOT, N_AND, N_OR } nkind;

/* An atom: a test of one question's answer. */
typedef enum acmp {
  A_EQ,
  A_NE,
  A_LT,
  A_LE,
  A_GT,
  A_GE,
  A_HAS,    /* has(q, lit) */
  A_MEMBER, /* q.name: a multi holds name */
  A_TRUTHY  /* q alone: answered */
} acmp;

typedef struct wnode {
  nkind kind;
  struct wnode *a, *b;
  int q; /* question index */
  acmp cmp;
  int lit_is_str;
  const char *lit_str;
  long long lit_num;
} wnode;

typedef struct wparser {
  sw *w;
  const char *p;
  tok t;
  const char *tstart;
  size_t tlen;
  char *tstr; /* the value of a T_STR (arena) */
  long long tnum;
  int depth;
  int bad; /* not translatable: why is in `why` */
  const char *why;
  int reads_response; /* some atom reads a per-response question */
  int atoms;
} wparser;

static int is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

static void unsupported(wparser *ps, const char *why) {
  if (!ps->bad)
    ps->why = why;
  ps->bad = 1;
}

/* Reads the next token. Strings keep simple escapes only. */
static void next(wparser *ps) {
  const char *p = ps->p;
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    p++;
  ps->tstart = p;
  if (!*p) {
    ps->t = T_END;
  } else if (is_name_start(*p)) {
    while (is_name_char(*p))
      p++;
    ps->t = T_NAME;
  } else if (*p >= '0' && *p <= '9') {
    long long n = 0;
    while (*p >= '0' && *p <= '9' && n < 100000000000LL)
      n = n * 10 + (*p++ - '0');
    ps->t = (*p >= '0' && *p <= '9') || *p == '.' || is_name_start(*p) ? T_BAD
                                                                       : T_NUM;
    ps->tnum = n;
  } else if (*p == '"' || *p == '\'') {
    char quote = *p++;
    cb_buf b = {0};
    ps->t = T_STR;
    while (*p && *p != quote) {
      if (*p == '\\') {
        p++;
        if (*p == '\\' || *p == '"' || *p == '\'') {
          cb_buf_putc(&b, *p++);
        } else if (*p == 'n') {
          cb_buf_putc(&b, '\n');
          p++;
        } else {
          ps->t = T_BAD; /* other escapes are not read here */
        }
        continue;
      }
      if (*p == '\n')
        ps->t = T_BAD;
      cb_buf_putc(&b, *p++);
    }
    if (*p != quote)
      ps->t = T_BAD;
    else
      p++;
    ps->tstr =
        b.failed ? NULL : cb_arena_strdup(ps->w->ctx->arena, cb_buf_cstr(&b));
    if (!ps->tstr) {
      ps->w->failed = 1;
      ps->t = T_BAD;
    }
    cb_buf_free(&b);
  } else {
    static const struct {
      const char *s;
      tok t;
    } ops[] = {{"==", T_EQ},  {"~=", T_NE}, {"<=", T_LE},   {">=", T_GE},
               {"<", T_LT},   {">", T_GT},  {"(", T_LP},    {")", T_RP},
               {"[", T_LB},   {"]", T_RB},  {",", T_COMMA}, {".", T_DOT},
               {"-", T_MINUS}};
    ps->t = T_BAD;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
      size_t n = strlen(ops[i].s);
      if (strncmp(p, ops[i].s, n) == 0) {
        ps->t = ops[i].t;
        p += n;
        break;
      }
    }
    if (ps->t == T_BAD)
      p++;
  }
  ps->tlen = (size_t)(p - ps->tstart);
  ps->p = p;
}

static int name_is(const wparser *ps, const char *s) {
  return ps->t == T_NAME && strlen(s) == ps->tlen &&
         strncmp(ps->tstart, s, ps->tlen) == 0;
}

/* The question a name in a `when` reads: its id, or the id with '-' and
 * '.' read as '_'. -1 if none. */
static int find_question(const cb_book *b, const char *s, size_t len) {
  for (size_t i = 0; i < b->n_questions; i++) {
    const char *id = b->questions[i].id;
    if (strlen(id) == len && strncmp(id, s, len) == 0)
      return (int)i;
  }
  for (size_t i = 0; i < b->n_questions; i++) {
    const char *id = b->questions[i].id;
    if (strlen(id) != len)
      continue;
    size_t k = 0;
    while (k < len &&
           (id[k] == s[k] || ((id[k] == '-' || id[k] == '.') && s[k] == '_')))
      k++;
    if (k == len)
      return (int)i;
  }
  return -1;
}

static wnode *node(wparser *ps, nkind kind) {
  wnode *n = cb_arena_calloc(ps->w->ctx->arena, 1, sizeof *n);
  if (!n) {
    ps->w->failed = 1;
    unsupported(ps, "out of memory");
    return NULL;
  }
  n->kind = kind;
  n->q = -1;
  return n;
}

/* An operand: a question reference (with .member or has()), or a
 * literal. Returns 1 for a question (*q, *member, *has_lit set), 2 for a
 * literal (*lit set), 0 when not translatable. */
typedef struct operand {
  int q;
  const char *member;
  int is_has;
  int lit_is_str;
  const char *lit_str;
  long long lit_num;
} operand;

static int read_question(wparser *ps, operand *o) {
  const cb_book *b = ps->w->book;
  if (name_is(ps, "_ENV")) {
    next(ps);
    if (ps->t != T_LB)
      return 0;
    next(ps);
    if (ps->t != T_STR || !ps->tstr)
      return 0;
    o->q = find_question(b, ps->tstr, strlen(ps->tstr));
    next(ps);
    if (ps->t != T_RB)
      return 0;
  } else {
    o->q = find_question(b, ps->tstart, ps->tlen);
  }
  if (o->q < 0) {
    unsupported(ps, "it reads a name that is not a question");
    return 0;
  }
  if (b->questions[o->q].scope == CB_SCOPE_RESPONSE)
    ps->reads_response = 1;
  next(ps);
  return 1;
}

static int read_literal(wparser *ps, operand *o) {
  if (ps->t == T_STR && ps->tstr) {
    o->lit_is_str = 1;
    o->lit_str = ps->tstr;
  } else if (ps->t == T_NUM) {
    o->lit_num = ps->tnum;
  } else if (ps->t == T_MINUS) {
    next(ps);
    if (ps->t != T_NUM)
      return 0;
    o->lit_num = -ps->tnum;
  } else {
    return 0;
  }
  next(ps);
  return 2;
}

static int read_operand(wparser *ps, operand *o) {
  memset(o, 0, sizeof *o);
  o->q = -1;
  if (ps->t == T_NAME) {
    if (name_is(ps, "true") || name_is(ps, "false") || name_is(ps, "nil") ||
        name_is(ps, "and") || name_is(ps, "or") || name_is(ps, "not"))
      return 0;
    if (name_is(ps, "has")) {
      next(ps);
      if (ps->t != T_LP)
        return 0;
      next(ps);
      if (ps->t != T_NAME || !read_question(ps, o) || ps->t != T_COMMA)
        return 0;
      next(ps);
      operand lit;
      memset(&lit, 0, sizeof lit);
      if (read_literal(ps, &lit) != 2 || ps->t != T_RP)
        return 0;
      next(ps);
      o->is_has = 1;
      o->lit_is_str = lit.lit_is_str;
      o->lit_str = lit.lit_str;
      o->lit_num = lit.lit_num;
      return 1;
    }
    if (!read_question(ps, o))
      return 0;
    if (ps->t == T_DOT) {
      next(ps);
      if (ps->t != T_NAME)
        return 0;
      char *m = cb_arena_strndup(ps->w->ctx->arena, ps->tstart, ps->tlen);
      if (!m) {
        ps->w->failed = 1;
        return 0;
      }
      o->member = m;
      next(ps);
    }
    return 1;
  }
  return read_literal(ps, o);
}

static wnode *parse_or(wparser *ps);

/* A comparison, a question alone, or a parenthesized expression. */
static wnode *parse_primary(wparser *ps) {
  if (ps->t == T_LP) {
    next(ps);
    wnode *n = parse_or(ps);
    if (ps->t != T_RP)
      unsupported(ps, "it is not an expression this translation reads");
    next(ps);
    return n;
  }
  if (name_is(ps, "true") || name_is(ps, "false")) {
    wnode *n = node(ps, name_is(ps, "true") ? N_TRUE : N_FALSE);
    next(ps);
    return n;
  }
  operand l;
  int lk = read_operand(ps, &l);
  if (!lk) {
    unsupported(ps, "it uses a form other than comparisons of an answer "
                    "with a literal, has(), a member, not, and, or");
    return NULL;
  }
  if (++ps->atoms > MAX_ATOMS) {
    unsupported(ps, "it makes too many comparisons");
    return NULL;
  }
  wnode *n = node(ps, N_ATOM);
  if (!n)
    return NULL;
  static const tok cmps[] = {T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE};
  static const acmp as[] = {A_EQ, A_NE, A_LT, A_LE, A_GT, A_GE};
  static const acmp mirrored[] = {A_EQ, A_NE, A_GT, A_GE, A_LT, A_LE};
  size_t c = 0;
  while (c < 6 && ps->t != cmps[c])
    c++;
  if (c == 6) {
    if (lk != 1) {
      unsupported(ps, "it tests a literal alone");
      return NULL;
    }
    n->q = l.q;
    if (l.is_has) {
      n->cmp = A_HAS;
      n->lit_is_str = l.lit_is_str;
      n->lit_str = l.lit_str;
      n->lit_num = l.lit_num;
    } else if (l.member) {
      n->cmp = A_MEMBER;
      n->lit_is_str = 1;
      n->lit_str = l.member;
    } else {
      n->cmp = A_TRUTHY;
    }
    return n;
  }
  next(ps);
  operand r;
  int rk = read_operand(ps, &r);
  const operand *qo = lk == 1 ? &l : &r, *lo = lk == 1 ? &r : &l;
  if (!rk || lk == rk || qo->member || qo->is_has) {
    unsupported(ps, "it compares two answers, or a member or has()");
    return NULL;
  }
  n->q = qo->q;
  n->cmp = lk == 1 ? as[c] : mirrored[c];
  n->lit_is_str = lo->lit_is_str;
  n->lit_str = lo->lit_str;
  n->lit_num = lo->lit_num;
  if (n->cmp != A_EQ && n->cmp != A_NE && n->lit_is_str) {
    unsupported(ps, "it orders strings");
    return NULL;
  }
  return n;
}

static wnode *parse_not(wparser *ps) {
  if (++ps->depth > MAX_DEPTH) {
    unsupported(ps, "it is nested too deeply");
    return NULL;
  }
  wnode *n;
  if (name_is(ps, "not")) {
    next(ps);
    n = node(ps, N_NOT);
    if (n)
      n->a = parse_not(ps);
    /* `not a == b` is `(not a) == b` in Lua */
    if (ps->t >= T_EQ && ps->t <= T_GE)
      unsupported(ps, "it compares the result of not");
  } else {
    n = parse_primary(ps);
  }
  ps->depth--;
  return n;
}

static wnode *parse_and(wparser *ps) {
  wnode *n = parse_not(ps);
  while (!ps->bad && name_is(ps, "and")) {
    next(ps);
    wnode *a = node(ps, N_AND);
    if (!a)
      return NULL;
    a->a = n;
    a->b = parse_not(ps);
    n = a;
  }
  return n;
}

static wnode *parse_or(wparser *ps) {
  if (++ps->depth > MAX_DEPTH) {
    unsupported(ps, "it is nested too deeply");
    return NULL;
  }
  wnode *n = parse_and(ps);
  while (!ps->bad && name_is(ps, "or")) {
    next(ps);
    wnode *o = node(ps, N_OR);
    if (!o)
      return NULL;
    o->a = n;
    o->b = parse_and(ps);
    n = o;
  }
  ps->depth--;
  return n;
}

/* The literal of an atom as JSON. */
static json_t *lit(sw *w, const wnode *n) {
  return n->lit_is_str ? str(w, n->lit_str) : num(w, n->lit_num);
}

static json_t *number_bound(sw *w, const char *bound, long long value) {
  json_t *o = obj1(w, "type", str(w, "number"));
  set(w, o, bound, num(w, value));
  return o;
}

/* The schema of an answer value for which the atom completes and is true
 * (pos) or false. */
static json_t *atom_value(sw *w, const wnode *n, int pos) {
  switch (n->cmp) {
  case A_EQ:
  case A_NE: {
    json_t *c = obj1(w, "const", lit(w, n));
    return (n->cmp == A_EQ) == pos ? c : obj1(w, "not", c);
  }
  case A_LT:
    return pos ? number_bound(w, "exclusiveMaximum", n->lit_num)
               : number_bound(w, "minimum", n->lit_num);
  case A_LE:
    return pos ? number_bound(w, "maximum", n->lit_num)
               : number_bound(w, "exclusiveMinimum", n->lit_num);
  case A_GT:
    return pos ? number_bound(w, "exclusiveMinimum", n->lit_num)
               : number_bound(w, "maximum", n->lit_num);
  case A_GE:
    return pos ? number_bound(w, "minimum", n->lit_num)
               : number_bound(w, "exclusiveMaximum", n->lit_num);
  case A_HAS: {
    json_t *in_list = obj1(w, "type", str(w, "array"));
    set(w, in_list, "contains", obj1(w, "const", lit(w, n)));
    json_t *v = pair(w, "anyOf", obj1(w, "const", lit(w, n)), in_list);
    return pos ? v : obj1(w, "not", v);
  }
  case A_MEMBER: {
    json_t *v = obj1(w, "type", str(w, "array"));
    set(w, v, "contains", obj1(w, "const", lit(w, n)));
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
static json_t *cond(sw *w, const wnode *n, const char *resp, int pos) {
  if (--w->budget < 0)
    return json_true(); /* discarded by the caller */
  switch (n->kind) {
  case N_TRUE:
    return pos ? json_true() : json_false();
  case N_FALSE:
    return pos ? json_false() : json_true();
  case N_NOT:
    return cond(w, n->a, resp, !pos);
  case N_AND:
    if (pos)
      return pair(w, "allOf", cond(w, n->a, resp, 1), cond(w, n->b, resp, 1));
    return pair(
        w, "anyOf", cond(w, n->a, resp, 0),
        pair(w, "allOf", cond(w, n->a, resp, 1), cond(w, n->b, resp, 0)));
  case N_OR:
    if (pos)
      return pair(
          w, "anyOf", cond(w, n->a, resp, 1),
          pair(w, "allOf", cond(w, n->a, resp, 0), cond(w, n->b, resp, 1)));
    return pair(w, "allOf", cond(w, n->a, resp, 0), cond(w, n->b, resp, 0));
  case N_ATOM:
    break;
  }
  return answered(w, n->q, resp, atom_value(w, n, pos));
}

/* cond() for a whole `when`, within MAX_COND_NODES; NULL (and *too_big)
 * when it needs more. */
static json_t *whole_cond(sw *w, const wnode *root, const char *resp,
                          int *too_big) {
  w->budget = MAX_COND_NODES;
  json_t *c = cond(w, root, resp, 1);
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

/* The if/then/else clauses of q's when, appended to all. */
static void when_clauses(sw *w, const cb_question *q, json_t *all) {
  wparser ps;
  memset(&ps, 0, sizeof ps);
  ps.w = w;
  ps.p = q->when;
  next(&ps);
  wnode *root = parse_or(&ps);
  if (!ps.bad && ps.t != T_END)
    unsupported(&ps, "it is not an expression this translation reads");
  if (ps.bad || !root) {
    not_expressed(w, q, ps.why ? ps.why : "it does not parse");
    return;
  }
  int need = q->required && always_applies(q);
  int too_big = 0;
  if (q->scope == CB_SCOPE_CASE || !ps.reads_response) {
    if (ps.reads_response) {
      not_expressed(w, q,
                    "a case-scope question's when reads a "
                    "per-response answer");
      return;
    }
    json_t *c = whole_cond(w, root, NULL, &too_big);
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
    json_t *c = whole_cond(w, root, r, &too_big);
    if (!c) {
      not_expressed(w, q, "its translation is too large");
      return;
    }
    push(w, all,
         if_then(w, c, need ? has_answer(w, q, r) : NULL,
                 obj1(w, "not", has_answer(w, q, r))));
  }
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
                                cb_emit__title(b));
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
  json_t *stamp = cb_emit_json__stamp(b);
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
  err = cb_json__write_file(
      ctx, cb_arena_printf(ctx->arena, "%s/annotation.schema.json", outdir),
      schema);
done:
  json_decref(schema);
  cb_buf_free(&w.comment);
  return err;
}
