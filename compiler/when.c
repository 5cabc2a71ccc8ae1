/* SPDX-License-Identifier: MIT */
/*
 * when.c: the `when` language (when.h): a tokenizer and a recursive-
 * descent parser into one relocatable block of nodes, the resolution of
 * names to questions, and the evaluator over a case's answers.
 *
 * The parser refuses everything outside the grammar with a message that
 * names what is not allowed, since authors come from the Lua the rules
 * used to run `when` as (`string.rep(...)`, `a + 1`, `x = 1`). Its
 * recursion is bounded by CB_WHEN_MAX_DEPTH and its input by
 * CB_WHEN_MAX_LEN; chains of `and`/`or` are read in a loop and lean
 * right, so the evaluator walks them in a loop too.
 */
#include "when.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "casebook/casebook.h"
#include "utf8.h"

/* ---- tokens ---------------------------------------------------------- */

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
  T_LC,
  T_RC,
  T_COMMA,
  T_DOT,
  T_MINUS,
  T_HASH,
  T_COLON,
  /* outside the grammar, lexed to say so */
  T_ASSIGN,  /* = */
  T_ARITH,   /* + * / // % ^ & | ~ << >> */
  T_CONCAT,  /* .. and ... */
  T_COMMENT, /* -- */
  T_SEMI,    /* ; */
  T_BAD      /* any other byte; also a malformed literal (error set) */
} tok;

typedef struct parser {
  const char *text;
  size_t len;
  size_t p; /* the cursor: the byte after the current token */
  tok t;    /* the current token, bytes [ts, te) */
  size_t ts, te;
  size_t prev_ts, prev_te; /* the token before it */
  double num;              /* T_NUM */
  cb_when_node *nodes;
  size_t n_nodes, cap_nodes;
  cb_buf pool;
  int depth;
  char frag[128];
  int failed; /* err is set: stop */
  int oom;
  cb_when_error *err;
} parser;

static int is_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}
static int is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_word_char(int c) { return is_alpha(c) || is_digit(c); }

/* The end of the name or option id starting at i: letters, digits, '_',
 * and '-' between two of them (over-refusal; `a--b` is a comment). */
static size_t name_end(const char *s, size_t len, size_t i) {
  while (i < len && (is_word_char((unsigned char)s[i]) ||
                     (s[i] == '-' && i + 1 < len &&
                      is_word_char((unsigned char)s[i + 1]))))
    i++;
  return i;
}

/* Appends text[start, end) to b as it may be shown in a message: at most
 * about 40 bytes (then "..."), printable ASCII and UTF-8 letters as they
 * are, control and bidi characters and invalid bytes escaped. */
static void put_fragment(cb_buf *b, const char *text, size_t start,
                         size_t end) {
  size_t shown = 0;
  const unsigned char *s = (const unsigned char *)text;
  for (size_t i = start; i < end;) {
    if (shown >= 40) {
      cb_buf_puts(b, "...");
      return;
    }
    uint32_t cp;
    size_t n = cb_utf8__seq(s + i, s + end, &cp);
    if (n == 0) {
      cb_buf_printf(b, "\\x%02X", s[i]);
      i++;
    } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
               (cp >= 0x200b && cp <= 0x200f) ||
               (cp >= 0x202a && cp <= 0x202e) ||
               (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff) {
      cb_buf_printf(b, cp < 0x80 ? "\\x%02X" : "\\u{%04X}", (unsigned)cp);
      i += n;
    } else {
      cb_buf_append(b, text + i, n);
      i += n;
    }
    shown++;
  }
}

/* The text [s, e) and then tail, in backticks, as put_fragment shows
 * it, in ps's fragment buffer: valid until the next call. */
static const char *frag_tail(parser *ps, size_t s, size_t e, const char *tail) {
  cb_buf b = {0};
  cb_buf_putc(&b, '`');
  put_fragment(&b, ps->text, s, e);
  cb_buf_puts(&b, tail);
  cb_buf_putc(&b, '`');
  snprintf(ps->frag, sizeof ps->frag, "%s", b.failed ? "``" : cb_buf_cstr(&b));
  cb_buf_free(&b);
  return ps->frag;
}

/* The text [s, e) in backticks (see frag_tail). */
static const char *frag(parser *ps, size_t s, size_t e) {
  return frag_tail(ps, s, e, "");
}

/* Sets the error at byte pos; the first one wins. */
static void fail(parser *ps, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void fail(parser *ps, size_t pos, const char *fmt, ...) {
  if (ps->failed)
    return;
  ps->failed = 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ps->err->msg, sizeof ps->err->msg, fmt, ap);
  va_end(ap);
  ps->err->pos = (uint32_t)pos;
}

/* Reads a number at ps->p (a digit): decimal, optional fraction and
 * exponent. */
static tok lex_number(parser *ps) {
  const char *s = ps->text;
  size_t i = ps->p, start = i;
  if (s[i] == '0' && i + 1 < ps->len && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    i = name_end(s, ps->len, i);
    ps->p = i;
    fail(ps, start, "%s: a when takes decimal numbers only",
         frag(ps, start, i));
    return T_BAD;
  }
  while (i < ps->len && is_digit((unsigned char)s[i]))
    i++;
  if (i + 1 < ps->len && s[i] == '.' && is_digit((unsigned char)s[i + 1])) {
    i++;
    while (i < ps->len && is_digit((unsigned char)s[i]))
      i++;
  }
  if (i < ps->len && (s[i] == 'e' || s[i] == 'E')) {
    size_t k = i + 1;
    if (k < ps->len && (s[k] == '+' || s[k] == '-'))
      k++;
    if (k < ps->len && is_digit((unsigned char)s[k])) {
      i = k;
      while (i < ps->len && is_digit((unsigned char)s[i]))
        i++;
    }
  }
  if (i < ps->len && (is_word_char((unsigned char)s[i]) ||
                      (s[i] == '.' && !(i + 1 < ps->len && s[i + 1] == '.')))) {
    size_t k = i;
    while (k < ps->len && (is_word_char((unsigned char)s[k]) || s[k] == '.'))
      k++;
    ps->p = k;
    fail(ps, start, "%s is not a number", frag(ps, start, k));
    return T_BAD;
  }
  ps->p = i;
  if (i - start > 40) {
    fail(ps, start, "%s: a number of more than 40 characters",
         frag(ps, start, i));
    return T_BAD;
  }
  char buf[48];
  memcpy(buf, s + start, i - start);
  buf[i - start] = '\0';
  ps->num = strtod(buf, NULL);
  return T_NUM;
}

/* Checks a string literal at ps->p (its quote); its value is read again
 * by put_string when the node is made. */
static tok lex_string(parser *ps) {
  const char *s = ps->text;
  char quote = s[ps->p];
  size_t i = ps->p + 1, start = ps->p;
  while (i < ps->len && s[i] != quote) {
    if (s[i] == '\n' || s[i] == '\r') {
      ps->p = i;
      fail(ps, i, "a string must end on its line");
      return T_BAD;
    }
    if (s[i] == '\\') {
      char e = i + 1 < ps->len ? s[i + 1] : '\0';
      if (e != '\\' && e != '"' && e != '\'' && e != 'n' && e != 't') {
        ps->p = i + 2 <= ps->len ? i + 2 : ps->len;
        fail(ps, i,
             "%s: a string takes only the escapes \\\\, \\\", \\', \\n "
             "and \\t",
             frag(ps, i, ps->p));
        return T_BAD;
      }
      i++;
    }
    i++;
  }
  if (i >= ps->len) {
    ps->p = ps->len;
    fail(ps, start, "a string is not closed");
    return T_BAD;
  }
  ps->p = i + 1;
  return T_STR;
}

/* Moves to the next token. */
static void next(parser *ps) {
  ps->prev_ts = ps->ts;
  ps->prev_te = ps->te;
  const char *s = ps->text;
  size_t i = ps->p;
  while (i < ps->len && is_space((unsigned char)s[i]))
    i++;
  ps->ts = ps->p = i;
  if (ps->failed || i >= ps->len) {
    ps->t = T_END;
    ps->te = i;
    return;
  }
  unsigned char c = (unsigned char)s[i];
  char d = i + 1 < ps->len ? s[i + 1] : '\0';
  tok t;
  size_t n = 1;
  if (is_alpha(c)) {
    n = name_end(s, ps->len, i) - i;
    t = T_NAME;
  } else if (is_digit(c)) {
    t = lex_number(ps);
    n = ps->p - i;
  } else if (c == '"' || c == '\'') {
    t = lex_string(ps);
    n = ps->p - i;
  } else {
    switch (c) {
    case '=':
      t = d == '=' ? (n = 2, T_EQ) : T_ASSIGN;
      break;
    case '~':
      t = d == '=' ? (n = 2, T_NE) : T_ARITH;
      break;
    case '!':
      t = d == '=' ? (n = 2, T_NE) : T_BAD;
      break;
    case '<':
      t = d == '=' ? (n = 2, T_LE) : d == '<' ? (n = 2, T_ARITH) : T_LT;
      break;
    case '>':
      t = d == '=' ? (n = 2, T_GE) : d == '>' ? (n = 2, T_ARITH) : T_GT;
      break;
    case '(':
      t = T_LP;
      break;
    case ')':
      t = T_RP;
      break;
    case '[':
      t = T_LB;
      break;
    case ']':
      t = T_RB;
      break;
    case '{':
      t = T_LC;
      break;
    case '}':
      t = T_RC;
      break;
    case ',':
      t = T_COMMA;
      break;
    case '#':
      t = T_HASH;
      break;
    case ':':
      t = T_COLON;
      break;
    case ';':
      t = T_SEMI;
      break;
    case '.':
      t = d == '.' ? (n = i + 2 < ps->len && s[i + 2] == '.' ? 3 : 2, T_CONCAT)
                   : T_DOT;
      break;
    case '-':
      t = d == '-' ? (n = 2, T_COMMENT) : T_MINUS;
      break;
    case '/':
      t = d == '/' ? (n = 2, T_ARITH) : T_ARITH;
      break;
    case '+':
    case '*':
    case '%':
    case '^':
    case '&':
    case '|':
      t = T_ARITH;
      break;
    default: {
      uint32_t cp;
      size_t k = cb_utf8__seq((const unsigned char *)s + i,
                              (const unsigned char *)s + ps->len, &cp);
      n = k ? k : 1;
      t = T_BAD;
    }
    }
  }
  ps->t = t;
  ps->p = i + n;
  ps->te = ps->p;
}

static int is_name(const parser *ps, const char *word) {
  size_t n = strlen(word);
  return ps->t == T_NAME && ps->te - ps->ts == n &&
         memcmp(ps->text + ps->ts, word, n) == 0;
}

static int is_relop(tok t) { return t >= T_EQ && t <= T_GE; }

/* ---- nodes ----------------------------------------------------------- */

static uint32_t new_node(parser *ps, cb_when_kind kind, size_t pos,
                         size_t end) {
  if (ps->failed)
    return 0;
  cb_when_node n;
  memset(&n, 0, sizeof n);
  n.kind = (uint8_t)kind;
  n.pos = (uint32_t)pos;
  n.end = (uint32_t)end;
  n.question = -1;
  if (CB_VEC_PUSH(ps->nodes, ps->n_nodes, ps->cap_nodes, n) < 0) {
    ps->oom = 1;
    fail(ps, pos, "out of memory");
    return 0;
  }
  return (uint32_t)(ps->n_nodes - 1);
}

/* Puts the value of the string literal [ts, te) of the text (quotes
 * included, escapes checked by lex_string) in the pool of node x. */
static void put_string(parser *ps, uint32_t x, size_t ts, size_t te) {
  size_t off = ps->pool.len;
  for (size_t i = ts + 1; i + 1 < te; i++) {
    char c = ps->text[i];
    if (c == '\\') {
      c = ps->text[++i];
      c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
    }
    cb_buf_putc(&ps->pool, c);
  }
  if (ps->pool.failed) {
    ps->oom = 1;
    fail(ps, ts, "out of memory");
    return;
  }
  ps->nodes[x].str = (uint32_t)off;
  ps->nodes[x].str_len = (uint32_t)(ps->pool.len - off);
}

/* Puts text[s, e) in the pool of node x. */
static void put_text(parser *ps, uint32_t x, size_t s, size_t e) {
  size_t off = ps->pool.len;
  cb_buf_append(&ps->pool, ps->text + s, e - s);
  if (ps->pool.failed) {
    ps->oom = 1;
    fail(ps, s, "out of memory");
    return;
  }
  ps->nodes[x].str = (uint32_t)off;
  ps->nodes[x].str_len = (uint32_t)(e - s);
}

static int is_value_kind(uint8_t k) {
  return k == CB_WN_TRUE || k == CB_WN_FALSE || k == CB_WN_NUM ||
         k == CB_WN_STR || k == CB_WN_ANSWER || k == CB_WN_MEMBER ||
         k == CB_WN_ITEM || k == CB_WN_COUNT;
}

/* ---- errors for tokens outside the grammar ---------------------------- */

static const char *const lua_words[] = {
    "if",  "then", "else",   "elseif", "end",  "local", "return",   "while",
    "for", "do",   "repeat", "until",  "goto", "break", "function", NULL};

/* Sets the error for the current token where `wanted` was expected
 * ("a value", "`)`", "`and` or `or`"). */
static void unexpected(parser *ps, const char *wanted) {
  size_t s = ps->ts, e = ps->te;
  switch (ps->t) {
  case T_END:
    if (ps->prev_te == 0)
      fail(ps, s, "the when is empty");
    else
      fail(ps, s,
           "the when ends after %s: %s is "
           "missing",
           frag(ps, ps->prev_ts, ps->prev_te), wanted);
    return;
  case T_ASSIGN:
    fail(ps, s, "a when cannot assign (%s): compare with `==`", frag(ps, s, e));
    return;
  case T_ARITH:
  case T_MINUS:
    fail(ps, s, "a when has no arithmetic: %s", frag(ps, s, e));
    return;
  case T_CONCAT:
    fail(ps, s, "a when cannot join strings: %s", frag(ps, s, e));
    return;
  case T_COMMENT:
    fail(ps, s, "a when cannot have comments: %s", frag(ps, s, e));
    return;
  case T_SEMI:
    fail(ps, s, "a when is one expression: %s", frag(ps, s, e));
    return;
  case T_LC:
    fail(ps, s, "a set in braces (%s) may only follow `in`", frag(ps, s, e));
    return;
  case T_RP:
    if (strcmp(wanted, "a value") != 0) {
      fail(ps, s, "%s has no `(`", frag(ps, s, e));
      return;
    }
    break;
  case T_NAME:
    for (const char *const *w = lua_words; *w; w++)
      if (is_name(ps, *w)) {
        if (strcmp(*w, "function") == 0)
          fail(ps, s, "a when cannot define functions: %s", frag(ps, s, e));
        else
          fail(ps, s,
               "%s is not part of a when, which is one "
               "expression over the answers",
               frag(ps, s, e));
        return;
      }
    if (is_name(ps, "nil")) {
      fail(ps, s,
           "a when cannot use %s: reading an unanswered "
           "question makes the when false (write the answer "
           "alone for \"answered\")",
           frag(ps, s, e));
      return;
    }
    break;
  default:
    break;
  }
  fail(ps, s, "unexpected %s where %s is expected", frag(ps, s, e), wanted);
}

/* ---- the grammar ----------------------------------------------------- */

static uint32_t parse_or(parser *ps);

/* A literal at the current token, or 0 (no error) when it is none. */
static uint32_t parse_literal(parser *ps) {
  size_t s = ps->ts;
  uint32_t x = 0;
  if (ps->t == T_STR) {
    x = new_node(ps, CB_WN_STR, s, ps->te);
    if (x)
      put_string(ps, x, s, ps->te);
  } else if (ps->t == T_NUM) {
    x = new_node(ps, CB_WN_NUM, s, ps->te);
    if (x)
      ps->nodes[x].num = ps->num;
  } else if (ps->t == T_MINUS) {
    /* a negative number: the minus directly before a number */
    size_t save_p = ps->p, save_ts = ps->ts, save_te = ps->te;
    tok save_t = ps->t;
    size_t save_pts = ps->prev_ts, save_pte = ps->prev_te;
    next(ps);
    if (ps->t != T_NUM) {
      if (ps->failed)
        return 0;
      ps->p = save_p, ps->ts = save_ts, ps->te = save_te, ps->t = save_t;
      ps->prev_ts = save_pts, ps->prev_te = save_pte;
      return 0;
    }
    x = new_node(ps, CB_WN_NUM, s, ps->te);
    if (x)
      ps->nodes[x].num = -ps->num;
  } else if (is_name(ps, "true") || is_name(ps, "false")) {
    x = new_node(ps, is_name(ps, "true") ? CB_WN_TRUE : CB_WN_FALSE, s, ps->te);
  } else {
    return 0;
  }
  next(ps);
  return x;
}

/* An answer: a name or _ENV["id"], then at most one .option, [n] or
 * ["option"]. A call after it is refused with what it calls. */
static uint32_t parse_answer(parser *ps) {
  size_t start = ps->ts;
  uint32_t x;
  if (is_name(ps, "_ENV")) {
    next(ps);
    if (ps->t != T_LB) {
      fail(ps, start, "_ENV may only name a question: _ENV[\"over-refusal\"]");
      return 0;
    }
    next(ps);
    if (ps->t != T_STR) {
      if (!ps->failed)
        fail(ps, ps->ts,
             "_ENV may only name a question: _ENV[\"over-refusal\"]");
      return 0;
    }
    size_t ss = ps->ts, se = ps->te;
    next(ps);
    if (ps->t != T_RB) {
      unexpected(ps, "`]`");
      return 0;
    }
    x = new_node(ps, CB_WN_ANSWER, start, ps->te);
    if (x)
      put_string(ps, x, ss, se);
  } else {
    x = new_node(ps, CB_WN_ANSWER, start, ps->te);
    if (x)
      put_text(ps, x, ps->ts, ps->te);
  }
  next(ps);
  int postfixes = 0;
  while (!ps->failed && (ps->t == T_DOT || ps->t == T_LB || ps->t == T_LP ||
                         ps->t == T_COLON)) {
    if (ps->t == T_LP || ps->t == T_COLON) {
      size_t e = ps->ts;
      if (ps->t == T_COLON) {
        next(ps);
        e = ps->te;
      }
      fail(ps, start, "a when cannot call functions: %s",
           frag_tail(ps, start, e, "(...)"));
      return 0;
    }
    if (++postfixes > 1) {
      /* read on: a call after a.b.c is the better message */
      if (ps->t == T_DOT) {
        next(ps);
        if (ps->t == T_NAME)
          next(ps);
      } else {
        int level = 0;
        do {
          level += ps->t == T_LB ? 1 : ps->t == T_RB ? -1 : 0;
          next(ps);
        } while (level > 0 && ps->t != T_END && !ps->failed);
      }
      if (ps->t == T_DOT || ps->t == T_LB || ps->t == T_LP || ps->t == T_COLON)
        continue;
      fail(ps, start, "%s: only one .option or [n] may follow an answer",
           frag(ps, start, ps->prev_te));
      return 0;
    }
    if (ps->t == T_DOT) {
      /* an option id may start with a digit: read it here */
      size_t i = ps->p;
      while (i < ps->len && is_space((unsigned char)ps->text[i]))
        i++;
      size_t os = i;
      i = name_end(ps->text, ps->len, i);
      if (i == os) {
        fail(ps, ps->ts, "an option is missing after %s",
             frag(ps, ps->ts, ps->te));
        return 0;
      }
      uint32_t m = new_node(ps, CB_WN_MEMBER, start, i);
      if (m) {
        ps->nodes[m].a = x;
        put_text(ps, m, os, i);
      }
      x = m;
      ps->p = i;
      ps->te = i;
      next(ps);
      continue;
    }
    /* [n] or ["option"] */
    size_t lb = ps->ts;
    next(ps);
    uint32_t y = 0;
    if (ps->t == T_STR) {
      y = new_node(ps, CB_WN_MEMBER, start, ps->te);
      if (y) {
        ps->nodes[y].a = x;
        put_string(ps, y, ps->ts, ps->te);
      }
      next(ps);
    } else {
      uint32_t lit = parse_literal(ps);
      double k = lit ? ps->nodes[lit].num : 0;
      if (ps->failed)
        return 0;
      if (!lit || ps->nodes[lit].kind != CB_WN_NUM || k < -1e15 || k > 1e15 ||
          k != (double)(long long)k) {
        fail(ps, lb,
             "%s: an answer's [...] takes a whole number (an item) or a "
             "string (an option)",
             frag(ps, lb,
                  ps->t == T_RB ? ps->te
                  : lit         ? ps->prev_te
                                : ps->te));
        return 0;
      }
      y = new_node(ps, CB_WN_ITEM, start, ps->te);
      if (y) {
        ps->nodes[y].a = x;
        ps->nodes[y].num = k;
      }
    }
    x = y;
    if (ps->t != T_RB) {
      unexpected(ps, "`]`");
      return 0;
    }
    if (x)
      ps->nodes[x].end = (uint32_t)ps->te;
    next(ps);
  }
  return ps->failed ? 0 : x;
}

/* The right side of `in`, or the list of has(): an answer, [n] of one. */
static int is_container(const parser *ps, uint32_t x) {
  uint8_t k = ps->nodes[x].kind;
  return k == CB_WN_ANSWER || k == CB_WN_ITEM;
}

/* has(x, v): the same as v in x. */
static uint32_t parse_has(parser *ps) {
  size_t start = ps->ts;
  if (++ps->depth > CB_WHEN_MAX_DEPTH) {
    fail(ps, start, "the when is nested too deeply (more than %d levels)",
         CB_WHEN_MAX_DEPTH);
    return 0;
  }
  next(ps); /* has */
  next(ps); /* ( */
  size_t xs = ps->ts;
  uint32_t container = parse_or(ps);
  if (ps->failed)
    return 0;
  if (!is_container(ps, container)) {
    fail(ps, xs, "has() looks in an answer, and %s is not one",
         frag(ps, xs, ps->prev_te));
    return 0;
  }
  if (ps->t != T_COMMA) {
    unexpected(ps, "`,`");
    return 0;
  }
  next(ps);
  size_t vs = ps->ts;
  uint32_t v = parse_or(ps);
  if (ps->failed)
    return 0;
  if (!is_value_kind(ps->nodes[v].kind)) {
    fail(ps, vs, "has() looks for a value, and %s is a condition",
         frag(ps, vs, ps->prev_te));
    return 0;
  }
  if (ps->t != T_RP) {
    unexpected(ps, "`)`");
    return 0;
  }
  uint32_t x = new_node(ps, CB_WN_IN, start, ps->te);
  if (x) {
    ps->nodes[x].a = v;
    ps->nodes[x].b = container;
    ps->nodes[x].op = 1;
  }
  ps->depth--;
  next(ps);
  return x;
}

/* A value, or a parenthesized expression. */
static uint32_t parse_primary(parser *ps) {
  size_t s = ps->ts;
  if (ps->t == T_LP) {
    if (++ps->depth > CB_WHEN_MAX_DEPTH) {
      fail(ps, s,
           "the when is nested too deeply (more than %d "
           "levels)",
           CB_WHEN_MAX_DEPTH);
      return 0;
    }
    next(ps);
    uint32_t x = parse_or(ps);
    if (ps->failed)
      return 0;
    if (ps->t != T_RP) {
      unexpected(ps, "`)`");
      return 0;
    }
    ps->depth--;
    next(ps);
    return x;
  }
  if (ps->t == T_HASH) {
    next(ps);
    if (ps->t != T_NAME || is_name(ps, "has")) {
      if (!ps->failed)
        fail(ps, s, "%s: # takes the length of an answer only",
             frag(ps, s, ps->te));
      return 0;
    }
    uint32_t a = parse_answer(ps);
    if (!a)
      return 0;
    if (!is_container(ps, a)) {
      fail(ps, s, "%s: # takes the length of an answer only",
           frag(ps, s, ps->prev_te));
      return 0;
    }
    uint32_t x = new_node(ps, CB_WN_COUNT, s, ps->prev_te);
    if (x)
      ps->nodes[x].a = a;
    return x;
  }
  uint32_t lit = parse_literal(ps);
  if (lit || ps->failed)
    return lit;
  if (ps->t == T_NAME) {
    static const char *const reserved[] = {"and", "or",  "not",
                                           "in",  "nil", NULL};
    for (const char *const *w = reserved; *w; w++)
      if (is_name(ps, *w)) {
        unexpected(ps, "a value");
        return 0;
      }
    for (const char *const *w = lua_words; *w; w++)
      if (is_name(ps, *w)) {
        unexpected(ps, "a value");
        return 0;
      }
    if (is_name(ps, "has")) {
      size_t i = ps->p;
      while (i < ps->len && is_space((unsigned char)ps->text[i]))
        i++;
      if (i < ps->len && ps->text[i] == '(')
        return parse_has(ps);
    }
    return parse_answer(ps);
  }
  unexpected(ps, "a value");
  return 0;
}

/* {lit, ...} after `in`. */
static uint32_t parse_set(parser *ps) {
  size_t s = ps->ts;
  uint32_t set = new_node(ps, CB_WN_SET, s, s + 1);
  uint32_t last = 0;
  next(ps);
  while (!ps->failed && ps->t != T_RC) {
    size_t ls = ps->ts;
    uint32_t lit = parse_literal(ps);
    if (!lit) {
      if (!ps->failed) {
        if (ps->t == T_END)
          unexpected(ps, "`}`");
        else
          fail(ps, ls, "a set in braces holds strings and numbers only, not %s",
               frag(ps, ls, ps->te));
      }
      return 0;
    }
    if (last)
      ps->nodes[last].b = lit;
    else
      ps->nodes[set].a = lit;
    last = lit;
    if (ps->t == T_COMMA)
      next(ps);
    else if (ps->t != T_RC) {
      unexpected(ps, "`,` or `}`");
      return 0;
    }
  }
  if (ps->failed)
    return 0;
  if (!last) {
    fail(ps, s, "the set %s is empty", frag(ps, s, ps->te));
    return 0;
  }
  ps->nodes[set].end = (uint32_t)ps->te;
  next(ps);
  return set;
}

/* A comparison or membership test, or a primary alone. */
static uint32_t parse_test(parser *ps) {
  size_t s = ps->ts;
  uint32_t l = parse_primary(ps);
  if (ps->failed)
    return 0;
  if (!is_relop(ps->t) && !is_name(ps, "in"))
    return l;
  size_t os = ps->ts, oe = ps->te;
  if (!is_value_kind(ps->nodes[l].kind)) {
    fail(ps, os, "%s compares answers and literals, not conditions",
         frag(ps, os, oe));
    return 0;
  }
  uint32_t x;
  if (is_name(ps, "in")) {
    next(ps);
    uint32_t r;
    size_t rs = ps->ts;
    if (ps->t == T_LC) {
      r = parse_set(ps);
    } else {
      r = parse_primary(ps);
      if (r && !is_container(ps, r)) {
        fail(ps, rs,
             "`in` looks in an answer or a set in braces, and %s is "
             "neither",
             frag(ps, rs, ps->prev_te));
        return 0;
      }
    }
    if (ps->failed)
      return 0;
    x = new_node(ps, CB_WN_IN, s, ps->prev_te);
    if (x) {
      ps->nodes[x].a = l;
      ps->nodes[x].b = r;
    }
  } else {
    static const cb_when_relop ops[] = {CB_WR_EQ, CB_WR_NE, CB_WR_LT,
                                        CB_WR_LE, CB_WR_GT, CB_WR_GE};
    cb_when_relop op = ops[ps->t - T_EQ];
    next(ps);
    size_t rs = ps->ts;
    uint32_t r = parse_primary(ps);
    if (ps->failed)
      return 0;
    if (!is_value_kind(ps->nodes[r].kind)) {
      fail(ps, rs,
           "`%.*s` compares answers and literals, not conditions like %s",
           (int)(oe - os), ps->text + os, frag(ps, rs, ps->prev_te));
      return 0;
    }
    x = new_node(ps, CB_WN_CMP, s, ps->prev_te);
    if (x) {
      ps->nodes[x].op = (uint8_t)op;
      ps->nodes[x].a = l;
      ps->nodes[x].b = r;
    }
  }
  if (is_relop(ps->t) || is_name(ps, "in")) {
    fail(ps, ps->ts, "comparisons do not chain: %s; join them with `and`",
         frag(ps, s, ps->te));
    return 0;
  }
  return x;
}

/* `not` then a primary (or another `not`); a comparison after it would
 * compare the result of `not`, as in Lua: refused. */
static uint32_t parse_negated(parser *ps) {
  if (!is_name(ps, "not"))
    return parse_primary(ps);
  size_t s = ps->ts;
  if (++ps->depth > CB_WHEN_MAX_DEPTH) {
    fail(ps, s, "the when is nested too deeply (more than %d levels)",
         CB_WHEN_MAX_DEPTH);
    return 0;
  }
  next(ps);
  uint32_t a = parse_negated(ps);
  ps->depth--;
  if (ps->failed)
    return 0;
  uint32_t x = new_node(ps, CB_WN_NOT, s, ps->prev_te);
  if (x)
    ps->nodes[x].a = a;
  return x;
}

static uint32_t parse_unary(parser *ps) {
  if (!is_name(ps, "not"))
    return parse_test(ps);
  size_t s = ps->ts;
  uint32_t x = parse_negated(ps);
  if (!ps->failed && (is_relop(ps->t) || is_name(ps, "in")))
    fail(ps, ps->ts,
         "%s: `not` applies before the comparison; write not (a == b)",
         frag(ps, s, ps->te));
  return ps->failed ? 0 : x;
}

/* A chain of `sub` joined by `word`, as nodes of kind leaning right. */
static uint32_t parse_chain(parser *ps, const char *word, cb_when_kind kind,
                            uint32_t (*sub)(parser *)) {
  uint32_t first = sub(ps);
  if (ps->failed || !is_name(ps, word))
    return first;
  uint32_t *items = NULL;
  size_t n = 0, cap = 0;
  if (CB_VEC_PUSH(items, n, cap, first) < 0)
    goto oom;
  while (!ps->failed && is_name(ps, word)) {
    next(ps);
    uint32_t x = sub(ps);
    if (ps->failed)
      break;
    if (CB_VEC_PUSH(items, n, cap, x) < 0)
      goto oom;
  }
  uint32_t right = ps->failed ? 0 : items[n - 1];
  for (size_t i = n - 1; !ps->failed && i-- > 0;) {
    uint32_t x =
        new_node(ps, kind, ps->nodes[items[i]].pos, ps->nodes[right].end);
    if (x) {
      ps->nodes[x].a = items[i];
      ps->nodes[x].b = right;
    }
    right = x;
  }
  cb_free(items);
  return ps->failed ? 0 : right;
oom:
  cb_free(items);
  ps->oom = 1;
  fail(ps, ps->ts, "out of memory");
  return 0;
}

static uint32_t parse_and(parser *ps) {
  return parse_chain(ps, "and", CB_WN_AND, parse_unary);
}

static uint32_t parse_or(parser *ps) {
  return parse_chain(ps, "or", CB_WN_OR, parse_and);
}

int cb_when_parse(cb_when **out, const char *text, size_t len,
                  cb_when_error *err) {
  *out = NULL;
  memset(err, 0, sizeof *err);
  parser ps;
  memset(&ps, 0, sizeof ps);
  ps.text = text;
  ps.len = len;
  ps.err = err;
  int rc = 0;
  if (len > CB_WHEN_MAX_LEN) {
    ps.len = 0;
    fail(&ps, CB_WHEN_MAX_LEN, "the when is longer than %d bytes",
         CB_WHEN_MAX_LEN);
    return CB_ERROR;
  }
  /* the text first in the pool, for the messages of the evaluator */
  cb_buf_append(&ps.pool, text, len);
  new_node(&ps, CB_WN_NONE, 0, 0);
  if (ps.oom || ps.pool.failed) {
    rc = CB_ENOMEM;
    goto done;
  }
  next(&ps);
  uint32_t root = parse_or(&ps);
  if (!ps.failed && ps.t != T_END)
    unexpected(&ps, "`and` or `or`");
  if (ps.oom) {
    rc = CB_ENOMEM;
    goto done;
  }
  if (ps.failed) {
    rc = CB_ERROR;
    goto done;
  }
  size_t nodes_size = ps.n_nodes * sizeof(cb_when_node);
  size_t size = sizeof(cb_when) + nodes_size + ps.pool.len + 1;
  cb_when *w = cb_malloc(size);
  if (!w) {
    rc = CB_ENOMEM;
    goto done;
  }
  w->size = (uint32_t)size;
  w->n_nodes = (uint32_t)ps.n_nodes;
  w->root = root;
  w->pool = (uint32_t)(sizeof(cb_when) + nodes_size);
  w->text_len = (uint32_t)len;
  memcpy(w->nodes, ps.nodes, nodes_size);
  memcpy((char *)w + w->pool, ps.pool.data ? ps.pool.data : "", ps.pool.len);
  ((char *)w)[size - 1] = '\0';
  *out = w;
done:
  cb_free(ps.nodes);
  cb_buf_free(&ps.pool);
  return rc;
}

/* ---- names ----------------------------------------------------------- */

int cb_when_find_question(const cb_book *book, const char *name, size_t len) {
  if (!book)
    return -1;
  for (size_t i = 0; i < book->n_questions; i++) {
    const char *id = book->questions[i].id;
    if (id && strlen(id) == len && memcmp(id, name, len) == 0)
      return (int)i;
  }
  if (!memchr(name, '_', len))
    return -1;
  for (size_t i = 0; i < book->n_questions; i++) {
    const char *id = book->questions[i].id;
    if (!id || strlen(id) != len)
      continue;
    size_t k = 0;
    while (k < len && (id[k] == name[k] ||
                       ((id[k] == '-' || id[k] == '.') && name[k] == '_')))
      k++;
    if (k == len)
      return (int)i;
  }
  return -1;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "'name' is not a question (did you mean 'x'?)" in err. */
static int not_a_question(const cb_book *book, const char *name, size_t len,
                          uint32_t pos, cb_when_error *err) {
  size_t n = book ? book->n_questions : 0;
  /* the ids and their '_' forms, sorted: the suggestion does not depend
   * on the order of the book */
  const char **cands = cb_calloc(2 * n + 1, sizeof *cands);
  char *aliases = NULL;
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += book->questions[i].id ? strlen(book->questions[i].id) + 1 : 0;
  aliases = cb_malloc(total + 1);
  char *word = cb_malloc(len + 1);
  if (!cands || !aliases || !word) {
    cb_free(cands);
    cb_free(aliases);
    cb_free(word);
    return CB_ENOMEM;
  }
  memcpy(word, name, len);
  word[len] = '\0';
  size_t k = 0;
  char *p = aliases;
  for (size_t i = 0; i < n; i++) {
    const char *id = book->questions[i].id;
    if (!id)
      continue;
    cands[k++] = id;
    if (strpbrk(id, "-.")) {
      size_t m = strlen(id);
      for (size_t j = 0; j <= m; j++)
        p[j] = id[j] == '-' || id[j] == '.' ? '_' : id[j];
      cands[k++] = p;
      p += m + 1;
    }
  }
  qsort(cands, k, sizeof *cands, cmp_str);
  const char *best = cb_suggest(word, cands, k);
  cb_buf b = {0};
  cb_buf_puts(&b, "'");
  put_fragment(&b, name, 0, len);
  cb_buf_puts(&b, "' is not a question");
  const char *dash = memchr(name, '-', len);
  if (dash && cb_when_find_question(book, name, (size_t)(dash - name)) >= 0)
    cb_buf_puts(&b, ", and a when has no arithmetic");
  else if (best)
    cb_buf_printf(&b, " (did you mean '%s'?)", best);
  err->pos = pos;
  snprintf(err->msg, sizeof err->msg, "%s",
           b.failed ? "out of memory" : cb_buf_cstr(&b));
  int rc = b.failed ? CB_ENOMEM : CB_ERROR;
  cb_buf_free(&b);
  cb_free(cands);
  cb_free(aliases);
  cb_free(word);
  return rc;
}

/* The question whose options the answer node x holds (a choice or multi
 * question with options), or NULL. */
static const cb_question *with_options(const cb_when *w, const cb_book *book,
                                       uint32_t x) {
  const cb_when_node *n = &w->nodes[x];
  if (!x || n->kind != CB_WN_ANSWER || n->question < 0)
    return NULL;
  const cb_question *q = &book->questions[n->question];
  if ((q->type != CB_Q_CHOICE && q->type != CB_Q_MULTI) || !q->n_options)
    return NULL;
  return q;
}

/* "'No' is not an option of question 'spam' (did you mean 'no'?)" in err
 * when the string of node lit is none of q's options: such a test is
 * false (or true) for every case. Returns 0, CB_ERROR or CB_ENOMEM. */
static int check_option(const cb_when *w, const cb_question *q, uint32_t lit,
                        cb_when_error *err) {
  const cb_when_node *n = &w->nodes[lit];
  if (!q || (n->kind != CB_WN_STR && n->kind != CB_WN_MEMBER))
    return 0;
  const char *s = cb_when_str(w, n->str);
  const char **ids = cb_calloc(q->n_options + 1, sizeof *ids);
  char *word = cb_malloc(n->str_len + 1);
  if (!ids || !word) {
    cb_free(ids);
    cb_free(word);
    return CB_ENOMEM;
  }
  memcpy(word, s, n->str_len);
  word[n->str_len] = '\0';
  int found = 0;
  for (size_t i = 0; i < q->n_options; i++) {
    ids[i] = q->options[i].id ? q->options[i].id : "";
    found |= strlen(ids[i]) == n->str_len && !memcmp(ids[i], s, n->str_len);
  }
  int rc = 0;
  if (!found) {
    const char *best = cb_suggest(word, ids, q->n_options);
    cb_buf b = {0};
    cb_buf_puts(&b, "'");
    put_fragment(&b, s, 0, n->str_len);
    cb_buf_printf(&b, "' is not an option of question '%s'", q->id);
    if (best)
      cb_buf_printf(&b, " (did you mean '%s'?)", best);
    else {
      cb_buf_puts(&b, " (its options are");
      for (size_t i = 0; i < q->n_options && i < 8; i++)
        cb_buf_printf(&b, "%s '%s'", i ? "," : "", ids[i]);
      cb_buf_puts(&b, q->n_options > 8 ? ", ...)" : ")");
    }
    err->pos = n->pos;
    snprintf(err->msg, sizeof err->msg, "%s",
             b.failed ? "out of memory" : cb_buf_cstr(&b));
    rc = b.failed ? CB_ENOMEM : CB_ERROR;
    cb_buf_free(&b);
  }
  cb_free(ids);
  cb_free(word);
  return rc;
}

/* x when it is a string literal, else 0 (the empty node). */
static uint32_t str_node(const cb_when *w, uint32_t x) {
  return w->nodes[x].kind == CB_WN_STR ? x : 0;
}

/* The strings a resolved w tests answers against, each checked against
 * the options of the question it meets: a == "x", a ~= "x", a in {...},
 * "x" in a, a.x, a["x"]. */
static int check_options(const cb_when *w, const cb_book *book,
                         cb_when_error *err) {
  int rc = 0;
  for (uint32_t i = 1; i < w->n_nodes && !rc; i++) {
    const cb_when_node *n = &w->nodes[i];
    if (n->kind == CB_WN_MEMBER) {
      rc = check_option(w, with_options(w, book, n->a), i, err);
    } else if (n->kind == CB_WN_CMP &&
               (n->op == CB_WR_EQ || n->op == CB_WR_NE)) {
      rc = check_option(w, with_options(w, book, n->a), str_node(w, n->b), err);
      if (!rc)
        rc = check_option(w, with_options(w, book, n->b), str_node(w, n->a),
                          err);
    } else if (n->kind == CB_WN_IN) {
      const cb_question *q = with_options(w, book, n->a);
      if (q && w->nodes[n->b].kind == CB_WN_SET) {
        for (uint32_t k = w->nodes[n->b].a; k && !rc; k = w->nodes[k].b)
          rc = check_option(w, q, k, err);
      } else {
        rc = check_option(w, with_options(w, book, n->b), str_node(w, n->a),
                          err);
      }
    }
  }
  return rc;
}

int cb_when_resolve(cb_when *w, const cb_book *book, cb_when_error *err) {
  memset(err, 0, sizeof *err);
  /* nodes are made in the order of the text: the first unknown name is
   * the one reported */
  for (uint32_t i = 1; i < w->n_nodes; i++) {
    cb_when_node *n = &w->nodes[i];
    if (n->kind != CB_WN_ANSWER)
      continue;
    const char *name = cb_when_str(w, n->str);
    n->question = cb_when_find_question(book, name, n->str_len);
    if (n->question < 0)
      return not_a_question(book, name, n->str_len, n->pos, err);
  }
  return check_options(w, book, err);
}

int cb_when_valid(const cb_book *book, const char *text) {
  cb_when *w = NULL;
  cb_when_error err;
  int rc = cb_when_parse(&w, text, strlen(text), &err);
  if (rc == 0)
    rc = cb_when_resolve(w, book, &err);
  cb_free(w);
  return rc == CB_ENOMEM ? CB_ENOMEM : rc == 0;
}

/* ---- evaluation ------------------------------------------------------ */

enum { EV_OK = 0, EV_UNANSWERED, EV_FAIL };

typedef struct ev {
  const cb_when *w;
  cb_when_reader read;
  void *ud;
  char *msg;
  size_t msg_size;
} ev;

static const char *kind_name(cb_when_vkind k) {
  switch (k) {
  case CB_WV_NIL:
    return "nothing";
  case CB_WV_BOOL:
    return "a boolean";
  case CB_WV_NUM:
    return "a number";
  case CB_WV_STR:
    return "a string";
  case CB_WV_LIST:
    return "a list";
  }
  return "a value";
}

/* Sets the failure message: what, then the text of node x. */
static int ev_fail(ev *e, uint32_t x, const char *what) {
  if (e->msg_size) {
    const cb_when_node *n = &e->w->nodes[x];
    cb_buf b = {0};
    cb_buf_puts(&b, what);
    cb_buf_puts(&b, ": `");
    put_fragment(&b, cb_when_str(e->w, 0), n->pos, n->end);
    cb_buf_puts(&b, "`");
    snprintf(e->msg, e->msg_size, "%s", b.failed ? what : cb_buf_cstr(&b));
    cb_buf_free(&b);
  }
  return EV_FAIL;
}

static int str_eq(const char *a, size_t an, const char *b, size_t bn) {
  return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* Lua's ==: values of different kinds are different; lists are equal
 * only to themselves. */
static int equal(const cb_when_value *a, const cb_when_value *b) {
  if (a->kind != b->kind)
    return 0;
  switch (a->kind) {
  case CB_WV_NIL:
    return 1;
  case CB_WV_BOOL:
    return !a->boolean == !b->boolean;
  case CB_WV_NUM:
    return a->num == b->num;
  case CB_WV_STR:
    return str_eq(a->str, a->len, b->str, b->len);
  case CB_WV_LIST:
    return a->list_id == b->list_id;
  }
  return 0;
}

static int truthy(const cb_when_value *v) {
  return v->kind == CB_WV_BOOL ? v->boolean : v->kind != CB_WV_NIL;
}

/* Does list l hold the string v? */
static int holds(const cb_when_value *l, const char *s, size_t n) {
  for (size_t i = 0; i < l->n_items; i++) {
    const char *it = l->items[i] ? l->items[i] : "";
    if (str_eq(it, strlen(it), s, n))
      return 1;
  }
  return 0;
}

static int value(ev *e, uint32_t x, cb_when_value *out) {
  const cb_when_node *n = &e->w->nodes[x];
  memset(out, 0, sizeof *out);
  switch ((cb_when_kind)n->kind) {
  case CB_WN_TRUE:
  case CB_WN_FALSE:
    out->kind = CB_WV_BOOL;
    out->boolean = n->kind == CB_WN_TRUE;
    return EV_OK;
  case CB_WN_NUM:
    out->kind = CB_WV_NUM;
    out->num = n->num;
    return EV_OK;
  case CB_WN_STR:
    out->kind = CB_WV_STR;
    out->str = cb_when_str(e->w, n->str);
    out->len = n->str_len;
    return EV_OK;
  case CB_WN_ANSWER:
    if (n->question < 0)
      return ev_fail(e, x, "not a question");
    if (!e->read(e->ud, n->question, out))
      return EV_UNANSWERED;
    return EV_OK;
  case CB_WN_MEMBER:
  case CB_WN_ITEM:
  case CB_WN_COUNT: {
    cb_when_value a;
    int rc = value(e, n->a, &a);
    if (rc != EV_OK)
      return rc;
    if (n->kind == CB_WN_MEMBER) {
      /* true when the list holds the option, else nothing (as x.opt of
       * a Lua set) */
      if (a.kind == CB_WV_LIST &&
          holds(&a, cb_when_str(e->w, n->str), n->str_len)) {
        out->kind = CB_WV_BOOL;
        out->boolean = 1;
      }
      return EV_OK;
    }
    if (n->kind == CB_WN_ITEM) {
      if (a.kind == CB_WV_LIST && n->num >= 1 && n->num <= (double)a.n_items) {
        const char *it = a.items[(size_t)n->num - 1];
        out->kind = CB_WV_STR;
        out->str = it ? it : "";
        out->len = strlen(out->str);
      }
      return EV_OK;
    }
    if (a.kind == CB_WV_LIST) {
      out->kind = CB_WV_NUM;
      out->num = (double)a.n_items;
    } else if (a.kind == CB_WV_STR) {
      out->kind = CB_WV_NUM;
      out->num = (double)a.len;
    } else {
      char what[80];
      snprintf(what, sizeof what,
               "# takes the length of a list or a "
               "string, not of %s",
               kind_name(a.kind));
      return ev_fail(e, x, what);
    }
    return EV_OK;
  }
  default:
    break;
  }
  /* a condition used as a value cannot be written: the parser keeps
   * them apart */
  return ev_fail(e, x, "not a value");
}

static int cond(ev *e, uint32_t x, int *truth);

static int compare(ev *e, uint32_t x, int *truth) {
  const cb_when_node *n = &e->w->nodes[x];
  cb_when_value l, r;
  int rc = value(e, n->a, &l);
  if (rc == EV_OK)
    rc = value(e, n->b, &r);
  if (rc != EV_OK)
    return rc;
  if (n->op == CB_WR_EQ || n->op == CB_WR_NE) {
    *truth = equal(&l, &r) == (n->op == CB_WR_EQ);
    return EV_OK;
  }
  int c;
  if (l.kind == CB_WV_NUM && r.kind == CB_WV_NUM) {
    c = l.num < r.num ? -1 : l.num > r.num ? 1 : 0;
  } else if (l.kind == CB_WV_STR && r.kind == CB_WV_STR) {
    size_t m = l.len < r.len ? l.len : r.len;
    c = m ? memcmp(l.str, r.str, m) : 0;
    if (c == 0)
      c = l.len < r.len ? -1 : l.len > r.len ? 1 : 0;
  } else {
    char what[96];
    snprintf(what, sizeof what, "cannot order %s and %s", kind_name(l.kind),
             kind_name(r.kind));
    return ev_fail(e, x, what);
  }
  switch (n->op) {
  case CB_WR_LT:
    *truth = c < 0;
    break;
  case CB_WR_LE:
    *truth = c <= 0;
    break;
  case CB_WR_GT:
    *truth = c > 0;
    break;
  default:
    *truth = c >= 0;
    break;
  }
  return EV_OK;
}

/* v in x: x a set of literals (v equals one), or an answer: a list that
 * holds the string v, or a value equal to v (has() of the Lua days). */
static int member_test(ev *e, uint32_t x, int *truth) {
  const cb_when_node *n = &e->w->nodes[x];
  cb_when_value v, c;
  int rc;
  if (e->w->nodes[n->b].kind == CB_WN_SET) {
    if ((rc = value(e, n->a, &v)) != EV_OK)
      return rc;
    *truth = 0;
    for (uint32_t k = e->w->nodes[n->b].a; k && !*truth; k = e->w->nodes[k].b) {
      cb_when_value lit;
      if ((rc = value(e, k, &lit)) != EV_OK)
        return rc;
      *truth = equal(&v, &lit);
    }
    return EV_OK;
  }
  /* has(x, v) reads x first */
  if ((rc = value(e, n->b, &c)) != EV_OK || (rc = value(e, n->a, &v)) != EV_OK)
    return rc;
  if (c.kind == CB_WV_LIST)
    *truth = v.kind == CB_WV_STR && holds(&c, v.str, v.len);
  else
    *truth = equal(&c, &v);
  return EV_OK;
}

static int cond(ev *e, uint32_t x, int *truth) {
  for (;;) {
    const cb_when_node *n = &e->w->nodes[x];
    switch ((cb_when_kind)n->kind) {
    case CB_WN_AND:
    case CB_WN_OR: {
      int rc = cond(e, n->a, truth);
      if (rc != EV_OK)
        return rc;
      if (*truth == (n->kind == CB_WN_OR))
        return EV_OK;
      x = n->b; /* the rest of the chain, in this loop */
      continue;
    }
    case CB_WN_NOT: {
      int rc = cond(e, n->a, truth);
      *truth = !*truth;
      return rc;
    }
    case CB_WN_CMP:
      return compare(e, x, truth);
    case CB_WN_IN:
      return member_test(e, x, truth);
    default: {
      cb_when_value v;
      int rc = value(e, x, &v);
      *truth = rc == EV_OK && truthy(&v);
      return rc;
    }
    }
  }
}

int cb_when_eval(const cb_when *w, cb_when_reader read, void *ud, char *msg,
                 size_t msg_size) {
  ev e = {w, read, ud, msg, msg_size};
  if (msg_size)
    msg[0] = '\0';
  int truth = 0;
  int rc = cond(&e, w->root, &truth);
  if (rc == EV_FAIL)
    return -1;
  return rc == EV_OK && truth;
}

void cb_when_answer_value(const cb_answer *a, cb_when_value *out) {
  memset(out, 0, sizeof *out);
  if (!a->error && a->kind == CB_V_NUMBER) {
    out->kind = CB_WV_NUM;
    out->num = (double)a->number;
  } else if (!a->error && a->kind == CB_V_OPTIONS && a->n_items == 0) {
    out->kind = CB_WV_LIST; /* multi "none" */
    out->list_id = a;
  } else if (a->error || a->kind == CB_V_NONE || a->kind == CB_V_TEXT ||
             a->n_items == 0) {
    out->kind = CB_WV_STR;
    out->str = a->raw ? a->raw : "";
    out->len = strlen(out->str);
  } else if (a->kind == CB_V_OPTION || a->kind == CB_V_PAIRWISE) {
    out->kind = CB_WV_STR;
    out->str = a->items[0] ? a->items[0] : "";
    out->len = strlen(out->str);
  } else {
    /* multi and rank */
    out->kind = CB_WV_LIST;
    out->items = a->items;
    out->n_items = a->n_items;
    out->list_id = a;
  }
}

typedef struct case_reader {
  const cb_case *c;
  const char *resp;
} case_reader;

static int read_case(void *ud, int q, cb_when_value *out) {
  const case_reader *r = ud;
  const cb_answer *own = NULL, *per_response = NULL;
  for (size_t i = 0; i < r->c->n_answers; i++) {
    const cb_answer *a = &r->c->answers[i];
    if (a->question != q)
      continue;
    if (!a->response)
      own = a;
    else if (r->resp && strcmp(a->response, r->resp) == 0)
      per_response = a;
  }
  const cb_answer *a = per_response ? per_response : own;
  if (!a)
    return 0;
  cb_when_answer_value(a, out);
  return 1;
}

int cb_when_eval_case(const cb_when *w, const cb_book *book, const cb_case *c,
                      const char *resp, char *msg, size_t msg_size) {
  (void)book;
  case_reader r = {c, resp};
  return cb_when_eval(w, read_case, &r, msg, msg_size);
}
