/* SPDX-License-Identifier: MIT */
/*
 * export_evals.c: the guideline as an eval of an LLM judge, under
 * OUTDIR/evals/ (docs/outputs.md describes each file):
 *
 *   promptfooconfig.yaml  a promptfoo config: one test per final case and
 *                         question the case has a gold answer for, the
 *                         question's grader prompt (judge/prompts/) with
 *                         the case filled in, and an assertion that reads
 *                         the judge's JSON answer and compares it with the
 *                         gold;
 *   inspect.jsonl         the same tests as an Inspect AI dataset, one
 *                         sample {id, input, target, metadata} a line.
 *
 * The prompt and the gold are those of export_judge.c (export_judge.h),
 * so an eval asks exactly what judge/prompts/QUESTION.md says.
 *
 * Everything from the casebook is untrusted, and promptfoo reads more
 * into a config than YAML does, so the YAML is safe by construction:
 *   - every string is a double-quoted scalar written by yaml_str, a JSON
 *     string that YAML reads as the same text (line breaks, controls and
 *     the characters YAML does not allow raw are escaped);
 *   - promptfoo renders prompts, vars and assertion values as Nunjucks
 *     templates, whose expressions can reach the environment and run
 *     code, so in the text it renders every '{' that could open a tag
 *     ("{{", "{%", "{#") is written as the expression {{ "{" }}, which
 *     renders back to '{', and the '#' of a "#}" (which Nunjucks refuses
 *     outside a comment) as {{ "#" }}: the rendered prompt is the
 *     original byte for byte;
 *   - promptfoo loads a var that starts with "file://" (or "package:")
 *     from that file, running it when it is a script: every string the
 *     casebook fills starts with casebook's own words, and the gold is
 *     JSON text in the assertion's config, which nothing renders or loads;
 *   - the mapping keys are casebook's own, never the casebook's names.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "export.h"
#include "export_judge.h"
#include "json_file.h"
#include "model.h"
#include "model_json.h"
#include "output.h"
#include "strmap.h"
#include "utf8.h"

/* The assertion every test runs (promptfoo's `javascript` type, a
 * function body of output and context): it reads the first JSON value of
 * the answer (after an optional opening code fence), and compares it with
 * the gold in the assertion's config, as JSON text. Arrays of a multi
 * question and ties of a rank compare as sets, text answers with their
 * white space collapsed. It holds no "{{", "{%" or "{#", since promptfoo
 * renders it as a template. */
static const char ASSERT_JS[] =
    "const c = context.config;\n"
    "const gold = JSON.parse(c.gold);\n"
    "function first(s) {\n"
    "  s = s.replace(/^\\s+/, '');\n"
    "  const fence = /^`{3,}[^\\n]*\\n/.exec(s);\n"
    "  if (fence) s = s.slice(fence[0].length).replace(/^\\s+/, '');\n"
    "  const open = s.charAt(0);\n"
    "  if (open === '[' || open === '{' || open === '\"') {\n"
    "    let depth = 0, str = false, esc = false;\n"
    "    for (let i = 0; i < s.length; i++) {\n"
    "      const ch = s.charAt(i);\n"
    "      if (str) {\n"
    "        if (esc) esc = false;\n"
    "        else if (ch === '\\\\') esc = true;\n"
    "        else if (ch === '\"') {\n"
    "          str = false;\n"
    "          if (depth === 0) return JSON.parse(s.slice(0, i + 1));\n"
    "        }\n"
    "      } else if (ch === '\"') str = true;\n"
    "      else if (ch === '[' || ch === '{') depth++;\n"
    "      else if ((ch === ']' || ch === '}') && --depth === 0)\n"
    "        return JSON.parse(s.slice(0, i + 1));\n"
    "    }\n"
    "    throw new Error('the JSON value of the answer does not end');\n"
    "  }\n"
    "  const m = "
    "/^(-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?|true|false|null)/.exec(s);\n"
    "  if (m) return JSON.parse(m[0]);\n"
    "  throw new Error('the answer does not start with a JSON value');\n"
    "}\n"
    "function canon(v) {\n"
    "  if (c.type === 'multi' && Array.isArray(v)) return v.slice().sort();\n"
    "  if (c.type === 'rank' && Array.isArray(v))\n"
    "    return v.map((x) => (Array.isArray(x) ? x.slice().sort() : x));\n"
    "  if (c.type === 'text' && typeof v === 'string')\n"
    "    return v.trim().replace(/\\s+/g, ' ');\n"
    "  return v;\n"
    "}\n"
    "function same(a, b) {\n"
    "  if (Array.isArray(a) || Array.isArray(b))\n"
    "    return Array.isArray(a) && Array.isArray(b) && a.length === b.length "
    "&&\n"
    "      a.every((x, i) => same(x, b[i]));\n"
    "  if (a && b && typeof a === 'object' && typeof b === 'object') {\n"
    "    const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();\n"
    "    return same(ka, kb) && ka.every((k) => same(a[k], b[k]));\n"
    "  }\n"
    "  return a === b;\n"
    "}\n"
    "function norm(v) {\n"
    "  if (!c.per_response || !v || typeof v !== 'object' || "
    "Array.isArray(v))\n"
    "    return canon(v);\n"
    "  const o = Object.create(null);\n"
    "  for (const k of Object.keys(v)) o[k] = canon(v[k]);\n"
    "  return o;\n"
    "}\n"
    "let answer;\n"
    "try {\n"
    "  answer = first(String(output));\n"
    "} catch (e) {\n"
    "  return { pass: false, score: 0, reason: e.message };\n"
    "}\n"
    "const pass = same(norm(answer), norm(gold));\n"
    "return {\n"
    "  pass: pass,\n"
    "  score: pass ? 1 : 0,\n"
    "  reason: (pass ? 'the gold answer: ' : 'answered ' + "
    "JSON.stringify(answer) + ', gold ') + c.gold,\n"
    "};\n";

typedef struct ew {
  cb_ctx *ctx;
  const cb_book *book;
  cb_buf tmp; /* scratch: cleaned text */
  int failed;
} ew;

/* ---- YAML ------------------------------------------------------------ */

/* Decodes the code point of well-formed UTF-8 at s (n bytes left) into
 * *cp; returns its length in bytes. */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp) {
  if (s[0] < 0x80 || n < 2) {
    *cp = s[0];
    return 1;
  }
  if (s[0] < 0xE0) {
    *cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    return 2;
  }
  if (s[0] < 0xF0 && n >= 3) {
    *cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    return 3;
  }
  if (n >= 4) {
    *cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) |
          ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    return 4;
  }
  *cp = s[0];
  return 1;
}

/* s[0..len) as a double-quoted YAML scalar that is also a JSON string:
 * invalid UTF-8 replaced by U+FFFD, '"' and '\' escaped, and escaped as
 * \uXXXX every character YAML does not take raw in a double-quoted scalar
 * or would read as a line break (C0 and C1 controls, DEL, U+2028, U+2029,
 * the byte order mark, U+FFFE and U+FFFF); the rest as it is. */
static void yaml_strn(ew *w, cb_buf *out, const char *s, size_t len) {
  if (!cb_utf8__text_ok(s, len, CB_TEXT_JSON)) {
    cb_buf_reset(&w->tmp);
    cb_utf8__text_fix(&w->tmp, s, len, CB_TEXT_JSON);
    if (w->tmp.failed) {
      w->failed = 1;
      return;
    }
    s = w->tmp.data ? w->tmp.data : "";
    len = w->tmp.len;
  }
  const unsigned char *p = (const unsigned char *)s;
  cb_buf_putc(out, '"');
  for (size_t i = 0; i < len;) {
    unsigned cp;
    size_t n = utf8_next(p + i, len - i, &cp);
    if (cp == '"' || cp == '\\') {
      cb_buf_putc(out, '\\');
      cb_buf_putc(out, (char)cp);
    } else if (cp == '\n') {
      cb_buf_puts(out, "\\n");
    } else if (cp == '\t') {
      cb_buf_puts(out, "\\t");
    } else if (cp == '\r') {
      cb_buf_puts(out, "\\r");
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 ||
               cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF) {
      cb_buf_printf(out, "\\u%04X", cp);
    } else {
      cb_buf_append(out, s + i, n);
    }
    i += n;
  }
  cb_buf_putc(out, '"');
}

static void yaml_str(ew *w, cb_buf *out, const char *s) {
  yaml_strn(w, out, s ? s : "", s ? strlen(s) : 0);
}

/* s[0..len) as promptfoo's Nunjucks renders it back to itself. Outside
 * a tag its lexer stops at "{{", "{%" and "{#", which open one, and at
 * "#}", which it refuses; so the '{' of the first three is written as
 * the expression {{ "{" }} and the '#' of the last as {{ "#" }}, and no
 * other text is special. Appends to out. */
static void nunjucks_text(cb_buf *out, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    char next = i + 1 < len ? s[i + 1] : '\0';
    if (s[i] == '{' && (next == '{' || next == '%' || next == '#'))
      cb_buf_puts(out, "{{ \"{\" }}");
    else if (s[i] == '#' && next == '}')
      cb_buf_puts(out, "{{ \"#\" }}");
    else
      cb_buf_putc(out, s[i]);
  }
}

/* A line "INDENTkey: " then value as a YAML string. */
static void yaml_field(ew *w, cb_buf *out, const char *indent, const char *key,
                       const char *value) {
  cb_buf_printf(out, "%s%s: ", indent, key);
  yaml_str(w, out, value);
  cb_buf_putc(out, '\n');
}

/* ---- the tests ----------------------------------------------------- */

/* The prompt of question qi without its last line "{{case}}\n" into
 * body, once: a prompt already there is kept. */
static int question_prompt(ew *w, cb_buf *body, size_t qi) {
  static const char tail[] = "{{case}}\n";
  if (body->len)
    return 0;
  int err = cb_export_judge__prompt(body, w->ctx, w->book, qi);
  if (err < 0)
    return err;
  size_t n = sizeof tail - 1;
  assert(body->len >= n && memcmp(body->data + body->len - n, tail, n) == 0);
  body->len -= n;
  body->data[body->len] = '\0';
  return 0;
}

/* A string of w's context arena holding v as compact JSON text. */
static const char *json_text(ew *w, json_t *v) {
  char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
  const char *kept = s ? cb_arena_strdup(w->ctx->arena, s) : NULL;
  cb_free(s); /* jansson allocates through cb_malloc */
  if (!kept)
    w->failed = 1;
  return kept;
}

/* The stamp's values as "INDENTkey: value" lines (strings only: the
 * dirty flag as "true" or "false", a missing value left out), for the
 * tags and metadata of the config, which promptfoo wants as strings. */
static void yaml_stamp(ew *w, cb_buf *out, const char *indent, json_t *stamp) {
  const char *key;
  json_t *v;
  yaml_field(w, out, indent, "casebook", CB_VERSION);
  json_object_foreach(stamp, key, v) {
    if (json_is_string(v))
      yaml_field(w, out, indent, key, json_string_value(v));
    else if (json_is_boolean(v))
      yaml_field(w, out, indent, key, json_is_true(v) ? "true" : "false");
  }
}

/* One sample of inspect.jsonl, a line. */
static void inspect_line(ew *w, cb_buf *out, const char *id, const cb_case *c,
                         const cb_question *q, const char *input,
                         size_t input_len, json_t *gold, const char *gold_text,
                         json_t *stamp) {
  json_t *o = json_object(), *meta = json_object();
  if (!o || !meta ||
      cb_model_json__set(o, "id", cb_model_json__str(NULL, id, strlen(id))) <
          0 ||
      cb_model_json__set(o, "input",
                         cb_model_json__str(NULL, input, input_len)) < 0 ||
      cb_model_json__set(
          o, "target", cb_model_json__str(NULL, gold_text, strlen(gold_text))) <
          0 ||
      cb_model_json__set(meta, "case",
                         cb_model_json__str(NULL, c->id, strlen(c->id))) < 0 ||
      cb_model_json__set(meta, "question",
                         cb_model_json__str(NULL, q->id, strlen(q->id))) < 0 ||
      cb_model_json__set(meta, "type", json_string(cb_qtype_name(q->type))) <
          0 ||
      cb_model_json__set(meta, "per_response",
                         json_boolean(q->scope == CB_SCOPE_RESPONSE)) < 0 ||
      cb_model_json__set(meta, "gold", json_incref(gold)) < 0 ||
      cb_model_json__set(meta, "version", json_incref(stamp)) < 0) {
    json_decref(meta);
    w->failed = 1;
    goto done;
  }
  if (cb_model_json__set(o, "metadata", meta) < 0) {
    w->failed = 1;
    goto done;
  }
  char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!s) {
    w->failed = 1;
    goto done;
  }
  cb_buf_puts(out, s);
  cb_buf_putc(out, '\n');
  cb_free(s);
done:
  json_decref(o);
}

/* The config's head: what it is, the version stamp, the one prompt and
 * the assertion every test shares (a YAML anchor). */
static void config_head(ew *w, cb_buf *yaml, json_t *stamp) {
  const cb_book *b = w->book;
  cb_buf_puts(yaml,
              "# promptfoo config written by casebook " CB_VERSION
              " (docs/outputs.md, evals/).\n"
              "# One test per final case and question with a gold answer: "
              "the question's grader\n"
              "# prompt (judge/prompts/) is each test's options.prefix, the "
              "case its var `case`,\n"
              "# and the assertion compares the judge's JSON answer with "
              "the gold.\n"
              "# Run: promptfoo eval -c promptfooconfig.yaml --providers "
              "PROVIDER\n");
  cb_buf_puts(yaml, "description: ");
  const char *title = cb_model__title(b);
  const char *d =
      cb_arena_printf(w->ctx->arena, "casebook evals: %s", title ? title : "");
  if (!d)
    w->failed = 1;
  yaml_str(w, yaml, d);
  cb_buf_puts(yaml, "\ntags:\n");
  yaml_stamp(w, yaml, "  ", stamp);
  cb_buf_puts(yaml, "prompts:\n"
                    "  - label: \"casebook grader prompt\"\n"
                    "    raw: \"{{case}}\\n\"\n"
                    "defaultTest:\n"
                    "  metadata:\n");
  yaml_stamp(w, yaml, "    ", stamp);
  cb_buf_puts(yaml, "tests:\n");
}

/* One test of the config. The prompt of question qi is written at its
 * first test under the anchor qN, and named by it after. */
static void config_test(ew *w, cb_buf *yaml, const cb_case *c, size_t qi,
                        const char *prompt, size_t prompt_len, int first_of_q,
                        int first_test, const char *case_text, size_t case_len,
                        const char *gold_text) {
  const cb_question *q = &w->book->questions[qi];
  cb_buf esc = {0};
  const char *d =
      cb_arena_printf(w->ctx->arena, "case %s, question %s", c->id, q->id);
  if (!d)
    w->failed = 1;
  cb_buf_puts(yaml, "  - description: ");
  yaml_str(w, yaml, d);
  cb_buf_puts(yaml, "\n    vars:\n      case: ");
  nunjucks_text(&esc, case_text, case_len);
  yaml_strn(w, yaml, esc.data ? esc.data : "", esc.len);
  cb_buf_puts(yaml, "\n    options:\n");
  if (first_of_q) {
    cb_buf_reset(&esc);
    nunjucks_text(&esc, prompt, prompt_len);
    cb_buf_printf(yaml, "      prefix: &q%zu ", qi);
    yaml_strn(w, yaml, esc.data ? esc.data : "", esc.len);
    cb_buf_putc(yaml, '\n');
  } else {
    cb_buf_printf(yaml, "      prefix: *q%zu\n", qi);
  }
  cb_buf_puts(yaml, "    metadata:\n");
  yaml_field(w, yaml, "      ", "case", c->id);
  yaml_field(w, yaml, "      ", "question", q->id);
  cb_buf_puts(yaml, "    assert:\n"
                    "      - type: \"javascript\"\n");
  if (first_test) {
    cb_buf_puts(yaml, "        value: &check ");
    yaml_strn(w, yaml, ASSERT_JS, sizeof ASSERT_JS - 1);
    cb_buf_putc(yaml, '\n');
  } else {
    cb_buf_puts(yaml, "        value: *check\n");
  }
  cb_buf_puts(yaml, "        config:\n");
  yaml_field(w, yaml, "          ", "question", q->id);
  yaml_field(w, yaml, "          ", "type", cb_qtype_name(q->type));
  cb_buf_printf(yaml, "          per_response: %s\n",
                q->scope == CB_SCOPE_RESPONSE ? "true" : "false");
  yaml_field(w, yaml, "          ", "gold", gold_text);
  if (esc.failed)
    w->failed = 1;
  cb_buf_free(&esc);
}

int cb_export_evals__run(cb_ctx *ctx, const cb_book *book, const char *outdir) {
  int err = 0;
  ew w = {ctx, book, {0}, 0};
  cb_buf yaml = {0}, jsonl = {0}, case_text = {0}, input = {0};
  cb_strmap qids = {0}, ids = {0};
  json_t *stamp = cb_model_json__stamp(book);
  char *written = cb_calloc(book->n_questions ? book->n_questions : 1, 1);
  /* each question's prompt, made at its first test */
  cb_buf *prompts =
      cb_calloc(book->n_questions ? book->n_questions : 1, sizeof *prompts);
  const char *dir = cb_arena_printf(ctx->arena, "%s/evals", outdir);
  const char *yaml_path =
      cb_arena_printf(ctx->arena, "%s/promptfooconfig.yaml", dir);
  const char *jsonl_path = cb_arena_printf(ctx->arena, "%s/inspect.jsonl", dir);
  int n_tests = 0;
  if (!stamp || !written || !prompts || !dir || !yaml_path || !jsonl_path)
    goto nomem;
  if ((err = cb_output__mkdirs(ctx, dir)) < 0)
    goto done;
  /* a duplicate question id: the first question has the tests, as it has
   * the prompt file of judge/ */
  for (size_t qi = 0; qi < book->n_questions; qi++)
    if (cb_strmap_put(&qids, book->questions[qi].id, qi, NULL) < 0)
      goto nomem;
  config_head(&w, &yaml, stamp);
  for (size_t ci = 0; ci < book->n_cases; ci++) {
    const cb_case *c = &book->cases[ci];
    if (c->status != CB_STATUS_FINAL)
      continue;
    int fresh = cb_strmap_put(&ids, c->id, ci, NULL);
    if (fresh < 0)
      goto nomem;
    if (fresh == 0)
      continue; /* a duplicate case id: the first case has the tests */
    cb_buf_reset(&case_text);
    cb_export_judge__case(&case_text, c);
    if (case_text.failed)
      goto nomem;
    for (size_t qi = 0; qi < book->n_questions; qi++) {
      const cb_question *q = &book->questions[qi];
      size_t first_qi = qi;
      if (cb_strmap_get(&qids, q->id, &first_qi) && first_qi != qi)
        continue;
      json_t *gold = cb_export_judge__gold(book, c, qi, &w.failed);
      if (!gold) {
        if (w.failed)
          goto nomem;
        continue;
      }
      const char *gold_text = json_text(&w, gold);
      const char *id = cb_arena_printf(ctx->arena, "%s/%s", c->id, q->id);
      cb_buf *prompt = &prompts[qi];
      if ((err = question_prompt(&w, prompt, qi)) < 0) {
        json_decref(gold);
        goto done;
      }
      if (!gold_text || !id) {
        json_decref(gold);
        goto nomem;
      }
      config_test(&w, &yaml, c, qi, prompt->data, prompt->len, !written[qi],
                  n_tests == 0, case_text.data ? case_text.data : "",
                  case_text.len, gold_text);
      written[qi] = 1;
      n_tests++;
      /* the prompt as promptfoo renders it: the prefix, then the case
       * var without its last line break */
      cb_buf_reset(&input);
      cb_buf_append(&input, prompt->data, prompt->len);
      cb_buf_append(&input, case_text.data ? case_text.data : "",
                    case_text.len && case_text.data[case_text.len - 1] == '\n'
                        ? case_text.len - 1
                        : case_text.len);
      cb_buf_putc(&input, '\n');
      inspect_line(&w, &jsonl, id, c, q, input.data, input.len, gold, gold_text,
                   stamp);
      json_decref(gold);
      if (w.failed || yaml.failed || jsonl.failed || input.failed)
        goto nomem;
    }
  }
  if (n_tests == 0)
    cb_buf_puts(&yaml, "  []\n");
  if (w.failed || yaml.failed || jsonl.failed)
    goto nomem;
  if ((err = cb_output__file(ctx, yaml_path, yaml.data, yaml.len,
                             CB_OUTPUT_KEEP_SAME)) < 0 ||
      (err = cb_output__file(ctx, jsonl_path, jsonl.data ? jsonl.data : "",
                             jsonl.len, CB_OUTPUT_KEEP_SAME)) < 0)
    goto done;
  goto done;
nomem:
  err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
done:
  json_decref(stamp);
  cb_free(written);
  cb_buf_free(&w.tmp);
  cb_buf_free(&yaml);
  cb_buf_free(&jsonl);
  for (size_t qi = 0; prompts && qi < book->n_questions; qi++)
    cb_buf_free(&prompts[qi]);
  cb_free(prompts);
  cb_buf_free(&case_text);
  cb_buf_free(&input);
  cb_strmap_free(&qids);
  cb_strmap_free(&ids);
  return err;
}
