/* SPDX-License-Identifier: MIT */
/*
 * export_labelstudio.c: the Label Studio export of `build`, in
 * OUT/label-studio/ (docs/label-studio.md is the mapping):
 *
 *   SET/SHAPE/config.xml  the labeling config of one set (training, exam,
 *                      honeypot) and task shape, built as a libxml2 tree
 *                      and serialized by libxml2 (escaped by construction);
 *   SET/SHAPE/tasks.json  the tasks of its cases
 *                      (export_labelstudio_tasks.c, with the shapes);
 *   instructions.html  the guideline for the project's expert
 *                      instruction, without scripts
 *                      (export_labelstudio_html.c).
 *
 * The config and the tasks are built from one plan of the controls (one
 * per question, or one per question and response field for per-response
 * questions), so that every result names a control the config has.
 * Whatever Label Studio cannot show is a diagnostic [export-labelstudio]
 * naming the element, and the rest is written.
 */
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "export.h"
#include "export_labelstudio.h"
#include "output.h"
#include "utf8.h"
#include "when.h"

#define RULE "export-labelstudio"
#define TOOL "Label Studio"
/* A scale with more values is not offered as stars or as choices. */
#define MAX_SCALE_VALUES 100

/* ---- Diagnostics ------------------------------------------------------- */

/* ---- Names ------------------------------------------------------------- */

/* Names the layout fields; two response names that clean to one key are
 * reported and the second is left out (key NULL). */
static int name_fields(ls *x) {
  x->keys =
      cb_arena_calloc(x->ctx->arena, x->layout.n_fields + 1, sizeof *x->keys);
  if (!x->keys)
    return cb_ctx__fail(x->ctx, CB_ENOMEM, "out of memory");
  for (size_t i = 0; i < x->layout.n_fields; i++) {
    const cb_xfield *f = &x->layout.fields[i];
    const char *key = cb_export_labelstudio__field_key(x, f);
    if (!key)
      return cb_ctx__fail(x->ctx, CB_ENOMEM, "out of memory");
    for (size_t j = 0; j < i && key; j++) {
      if (!x->keys[j] || strcmp(x->keys[j], key) != 0)
        continue;
      char *msg = cb_arena_printf(
          x->ctx->arena,
          "responses '%s' and '%s' both become the data field '%s'; the "
          "cases with response '%s' are exported without it",
          x->layout.fields[j].response, f->response, key, f->response);
      cb_loc none = {UINT32_MAX, 0, 0, 0, 0};
      /* positioned at the first case that has the second name */
      for (size_t c = 0; c < x->book->n_cases; c++)
        if (x->book->cases[c].status == CB_STATUS_FINAL &&
            cb_export__case_has(&x->book->cases[c], f)) {
          none = x->book->cases[c].loc;
          break;
        }
      if (!msg)
        return cb_ctx__fail(x->ctx, CB_ENOMEM, "out of memory");
      cb_export_labelstudio__report(x, CB_DIAG_ERROR, none, NULL, msg);
      key = NULL;
    }
    x->keys[i] = key;
  }
  /* case-level questions label the request: the conversation or the
   * prompt, else the first field there is */
  x->main_object = "case";
  for (size_t i = 0; i < x->layout.n_fields; i++)
    if (x->keys[i] && (x->layout.fields[i].kind == CB_XF_DIALOGUE ||
                       x->layout.fields[i].kind == CB_XF_PROMPT)) {
      x->main_object = x->keys[i];
      break;
    }
  for (size_t i = 0; i < x->layout.n_fields && !strcmp(x->main_object, "case");
       i++)
    if (x->keys[i])
      x->main_object = x->keys[i];
  return 0;
}

/* ---- The plan of controls ---------------------------------------------- */

static int add_control(ls *x, const control *c, size_t *cap) {
  if (x->n_controls == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    control *n = cb_arena_calloc(x->ctx->arena, ncap, sizeof *n);
    if (!n)
      return cb_ctx__fail(x->ctx, CB_ENOMEM, "out of memory");
    if (x->n_controls)
      memcpy(n, x->controls, x->n_controls * sizeof *n);
    x->controls = n;
    *cap = ncap;
  }
  x->controls[x->n_controls++] = *c;
  return 0;
}

/* The control a question's when refers to, seen from a control for
 * response resp (NULL: case level). NULL when there is none. */
static const char *when_target(const ls *x, const cb_question *on,
                               const char *resp) {
  for (size_t i = 0; i < x->n_controls; i++) {
    const control *c = &x->controls[i];
    if (c->q != on)
      continue;
    if (!c->response)
      return c->name;
    if (resp && strcmp(c->response, resp) == 0)
      return c->name;
  }
  return NULL;
}

/* Plans the controls of question q (index qi), reporting what cannot be
 * shown. Questions come in book order, so a when refers to a question
 * planned before it when that question comes first in the book. */
static int plan_question(ls *x, size_t qi, size_t *cap) {
  const cb_question *q = &x->book->questions[qi];
  cb_ctx *ctx = x->ctx;
  control c;
  memset(&c, 0, sizeof c);
  c.q = q;
  c.qi = qi;
  char *msg = NULL;
  int bad = 1; /* cleared by the types Label Studio can show */
  switch (q->type) {
  case CB_Q_CHOICE:
  case CB_Q_MULTI:
    if (!q->n_options && cb_model__type_misread(q))
      return 0; /* left out: its type is bad-property's to report */
    if (!q->n_options) {
      msg = cb_arena_printf(ctx->arena,
                            "question '%s' has no options, and a Choices "
                            "tag needs at least one; it is left out",
                            q->id);
      break;
    }
    c.kind = CTL_CHOICES;
    bad = 0;
    break;
  case CB_Q_SCALE: {
    long long span = (long long)q->scale_max - q->scale_min + 1;
    if (span < 1 || span > MAX_SCALE_VALUES) {
      msg = cb_arena_printf(ctx->arena,
                            "scale %d-%d of question '%s' has %lld values, "
                            "more than the %d a Rating or Choices tag can "
                            "offer; it is left out",
                            q->scale_min, q->scale_max, q->id, span,
                            MAX_SCALE_VALUES);
      break;
    }
    c.kind = q->scale_min == 1 ? CTL_RATING : CTL_CHOICES;
    bad = 0;
    break;
  }
  case CB_Q_PAIRWISE:
  case CB_Q_RANK: {
    size_t n = cb_export__compared(&c.compared, ctx, x->book, &x->layout, q);
    if (n == (size_t)-1)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    c.n_compared = n;
    if (q->type == CB_Q_PAIRWISE && n != 2) {
      msg = cb_arena_printf(
          ctx->arena,
          "pairwise question '%s' compares %zu named response fields, and "
          "a Pairwise tag compares exactly two (name them with "
          "'responses: A, B'); it is left out",
          q->id, n);
      break;
    }
    if (q->type == CB_Q_RANK && n < 2) {
      msg = cb_arena_printf(ctx->arena,
                            "rank question '%s' has %zu named response "
                            "fields to order, and a Ranker needs two; it is "
                            "left out",
                            q->id, n);
      break;
    }
    c.kind = q->type == CB_Q_PAIRWISE ? CTL_PAIRWISE : CTL_RANKER;
    bad = 0;
    break;
  }
  case CB_Q_TEXT:
    c.kind = CTL_TEXTAREA;
    bad = 0;
    break;
  }
  if (bad) {
    if (!msg)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    cb_export_labelstudio__report(x, CB_DIAG_ERROR, q->loc, q->id, msg);
    return 0;
  }

  int wr = cb_export__when(&c.when, ctx, x->book, q);
  if (wr < 0)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  int valid = q->when && wr == 0 ? cb_when_valid(x->book, q->when) : 0;
  if (valid < 0)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  /* a when that is not one is bad-when's to report */
  if (valid) {
    msg = cb_arena_printf(
        ctx->arena,
        "the condition 'when: %s' of question '%s' cannot be expressed "
        "with visibleWhen (which shows a control when one of some options "
        "of an earlier choice or multi question is selected); the question "
        "is always shown",
        q->when, q->id);
    if (!msg)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    cb_export_labelstudio__report(x, CB_DIAG_WARNING, q->when_loc.line ? q->when_loc : q->loc, q->id,
           msg);
  }

  int per_response = q->scope == CB_SCOPE_RESPONSE && c.kind != CTL_PAIRWISE &&
                     c.kind != CTL_RANKER;
  size_t n_resp = 0;
  for (size_t i = 0; i < x->layout.n_fields; i++)
    n_resp += x->layout.fields[i].kind == CB_XF_RESPONSE && x->keys[i];
  if (!per_response) {
    c.name = q->id;
    c.to_name = x->main_object;
    c.hotkeys = 1;
    if (c.kind == CTL_PAIRWISE) {
      const char *a = NULL, *b = NULL;
      for (size_t i = 0; i < x->layout.n_fields; i++) {
        if (&x->layout.fields[i] == c.compared[0])
          a = x->keys[i];
        if (&x->layout.fields[i] == c.compared[1])
          b = x->keys[i];
      }
      if (!a || !b)
        return 0; /* a field left out: reported with the field */
      c.to_name = cb_arena_printf(ctx->arena, "%s,%s", a, b);
      c.strength_to = a;
      c.strength_name = cb_arena_printf(ctx->arena, "%s/strength", q->id);
    } else if (c.kind == CTL_RANKER) {
      c.list_name = cb_arena_printf(ctx->arena, "%s/items", q->id);
      const char *clean = cb_export__name(ctx, q->id, 0);
      c.list_key =
          clean ? cb_arena_printf(ctx->arena, "items_%s", clean) : NULL;
      c.to_name = c.list_name;
    }
    if (!c.to_name || (c.kind == CTL_PAIRWISE && !c.strength_name) ||
        (c.kind == CTL_RANKER && (!c.list_name || !c.list_key)))
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    for (size_t k = 0; c.kind == CTL_RANKER && k < x->n_controls; k++)
      if (x->controls[k].list_key &&
          strcmp(x->controls[k].list_key, c.list_key) == 0) {
        msg = cb_arena_printf(ctx->arena,
                              "rank questions '%s' and '%s' both need the "
                              "data field '%s'; '%s' is left out",
                              x->controls[k].q->id, q->id, c.list_key, q->id);
        if (!msg)
          return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
        cb_export_labelstudio__report(x, CB_DIAG_ERROR, q->loc, q->id, msg);
        return 0;
      }
    if (c.when.on) {
      c.when_tag = when_target(x, c.when.on, NULL);
      if (!c.when_tag)
        c.when.on = NULL;
    }
    return add_control(x, &c, cap);
  }
  for (size_t i = 0; i < x->layout.n_fields; i++) {
    const cb_xfield *f = &x->layout.fields[i];
    if (f->kind != CB_XF_RESPONSE || !x->keys[i])
      continue;
    control r = c;
    r.response = f->response;
    r.to_name = x->keys[i];
    r.name = cb_arena_printf(ctx->arena, "%s/%s", q->id, x->keys[i]);
    r.hotkeys = n_resp == 1;
    if (!r.name)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    if (r.when.on) {
      r.when_tag = when_target(x, r.when.on, f->response);
      if (!r.when_tag)
        r.when.on = NULL;
    }
    int err = add_control(x, &r, cap);
    if (err < 0)
      return err;
  }
  return 0;
}

static int plan(ls *x) {
  size_t cap = 0;
  for (size_t qi = 0; qi < x->book->n_questions; qi++) {
    int err = plan_question(x, qi, &cap);
    if (err < 0)
      return err;
  }
  return 0;
}

/* ---- config.xml -------------------------------------------------------- */

/* Text shown by the config, cleaned for XML. Label Studio replaces
 * `$name` in displayed values by task data, so a '$' before a name
 * character is written as U+FF04 (a full-width dollar sign). */
static const char *shown(ls *x, const char *s) {
  cb_buf *b = &x->tmp;
  cb_buf_reset(b);
  size_t len = strlen(s);
  cb_buf clean = {0};
  cb_utf8__text_fix(&clean, s, len, CB_TEXT_HTML);
  const char *p = cb_buf_cstr(&clean);
  for (size_t i = 0; i < clean.len; i++) {
    char n = p[i + 1];
    if (p[i] == '$' && ((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') ||
                        (n >= '0' && n <= '9') || n == '_' || n == '.'))
      cb_buf_puts(b, "\xEF\xBC\x84");
    else
      cb_buf_putc(b, p[i]);
  }
  cb_buf_free(&clean);
  return cb_buf_cstr(b);
}

/* The config being built: a libxml2 tree (whose calls fail cleanly when
 * memory runs out, where the text writer of libxml2 2.9 leaks), the
 * element being filled, and whether something failed: then every later
 * call does nothing. */
typedef struct xw {
  ls *x;
  xmlDocPtr doc;
  xmlNodePtr cur; /* NULL: at the document level */
  int failed;
} xw;

static void open_el(xw *o, const char *name) {
  if (o->failed)
    return;
  xmlNodePtr n = xmlNewDocNode(o->doc, NULL, BAD_CAST name, NULL);
  if (!n) {
    o->failed = 1;
    return;
  }
  if (!(o->cur ? xmlAddChild(o->cur, n) : xmlAddChild((xmlNodePtr)o->doc, n))) {
    xmlFreeNode(n);
    o->failed = 1;
    return;
  }
  o->cur = n;
}

static void close_el(xw *o) {
  if (o->failed)
    return;
  o->cur = o->cur->parent && o->cur->parent->type == XML_ELEMENT_NODE
               ? o->cur->parent
               : NULL;
}

/* An attribute of ours (name and value known to be clean). */
static void attr(xw *o, const char *name, const char *value) {
  if (o->failed)
    return;
  if (!value || !o->cur || !xmlNewProp(o->cur, BAD_CAST name, BAD_CAST value))
    o->failed = 1;
}

/* An attribute holding text of the casebook. */
static void attr_text(xw *o, const char *name, const char *value) {
  attr(o, name, shown(o->x, value ? value : ""));
}

/* An attribute holding an id of the casebook (an option id, a name): only
 * cleaned, never altered, since results must repeat it exactly. */
static void attr_id(xw *o, const char *name, const char *value) {
  cb_buf *b = &o->x->tmp;
  cb_buf_reset(b);
  cb_utf8__text_fix(b, value, strlen(value), CB_TEXT_HTML);
  attr(o, name, b->failed ? NULL : cb_buf_cstr(b));
}

static void header(xw *o, const char *text, const char *size) {
  open_el(o, "Header");
  attr_text(o, "value", text);
  if (size)
    attr(o, "size", size);
  close_el(o);
}

static void when_attrs(xw *o, const control *c) {
  if (!c->when.on)
    return;
  cb_buf list = {0};
  for (size_t k = 0; k < c->when.n_values; k++) {
    if (k)
      cb_buf_putc(&list, ',');
    cb_buf_puts(&list, c->when.values[k]);
  }
  attr(o, "visibleWhen", "choice-selected");
  attr_id(o, "whenTagName", c->when_tag);
  attr_id(o, "whenChoiceValue", cb_buf_cstr(&list));
  if (list.failed)
    o->failed = 1;
  cb_buf_free(&list);
}

/* The label of scale value v: the option labelling it, if any. */
static const cb_option *scale_label(const cb_question *q, int v) {
  for (size_t k = 0; k < q->n_options; k++)
    if (q->options[k].value == v)
      return &q->options[k];
  return NULL;
}

static const char *option_attr(const cb_option *opt, const char *key) {
  for (size_t i = 0; i < opt->n_attrs; i++)
    if (opt->attrs[i].key && strcmp(opt->attrs[i].key, key) == 0)
      return opt->attrs[i].value;
  return NULL;
}

static void write_control(xw *o, const control *c) {
  const cb_question *q = c->q;
  ls *x = o->x;
  char num[32];
  open_el(o, "View");
  when_attrs(o, c);
  {
    cb_buf title = {0};
    cb_buf_puts(&title, q->title && q->title[0] ? q->title : q->id);
    if (cb_export__shown_name(c->response) && x->cur_shape &&
        x->cur_shape->n_responses > 1) {
      cb_buf_puts(&title, " (response ");
      cb_buf_puts(&title, c->response);
      cb_buf_putc(&title, ')');
    }
    header(o, cb_buf_cstr(&title), "5");
    cb_buf_free(&title);
  }
  if (q->hint && q->hint[0] && (!q->title || strcmp(q->hint, q->title) != 0))
    header(o, q->hint, "6");
  switch (c->kind) {
  case CTL_CHOICES:
    open_el(o, "Choices");
    attr_id(o, "name", c->name);
    attr_id(o, "toName", c->to_name);
    attr(o, "choice", q->type == CB_Q_MULTI ? "multiple" : "single");
    attr(o, "showInline", q->type == CB_Q_SCALE ? "true" : "false");
    if (q->required && !q->when && q->scope == CB_SCOPE_CASE)
      attr(o, "required", "true");
    when_attrs(o, c);
    if (q->type == CB_Q_SCALE) {
      for (int v = q->scale_min; v <= q->scale_max; v++) {
        snprintf(num, sizeof num, "%d", v);
        const cb_option *label = scale_label(q, v);
        open_el(o, "Choice");
        attr(o, "alias", num);
        if (label && label->meaning_text && label->meaning_text[0]) {
          cb_buf shown_value = {0};
          cb_buf_printf(&shown_value, "%d: %s", v, label->meaning_text);
          attr_text(o, "value", cb_buf_cstr(&shown_value));
          cb_buf_free(&shown_value);
        } else {
          attr(o, "value", num);
        }
        close_el(o);
      }
    } else {
      for (size_t k = 0; k < q->n_options; k++) {
        const cb_option *opt = &q->options[k];
        open_el(o, "Choice");
        attr_id(o, "alias", opt->id);
        attr_text(o, "value", opt->id);
        if (opt->meaning_text && opt->meaning_text[0])
          attr_text(o, "hint", opt->meaning_text);
        const char *hotkey = option_attr(opt, "hotkey");
        if (hotkey && c->hotkeys)
          attr_text(o, "hotkey", hotkey);
        close_el(o);
      }
    }
    close_el(o);
    break;
  case CTL_RATING:
    open_el(o, "Rating");
    attr_id(o, "name", c->name);
    attr_id(o, "toName", c->to_name);
    snprintf(num, sizeof num, "%d", q->scale_max);
    attr(o, "maxRating", num);
    if (q->required && !q->when && q->scope == CB_SCOPE_CASE)
      attr(o, "required", "true");
    close_el(o);
    break;
  case CTL_TEXTAREA:
    open_el(o, "TextArea");
    attr_id(o, "name", c->name);
    attr_id(o, "toName", c->to_name);
    attr(o, "rows", "3");
    attr(o, "maxSubmissions", "1");
    attr(o, "editable", "true");
    close_el(o);
    break;
  case CTL_PAIRWISE:
    open_el(o, "Pairwise");
    attr_id(o, "name", c->name);
    attr_id(o, "toName", c->to_name);
    close_el(o);
    open_el(o, "Choices");
    attr_id(o, "name", c->strength_name);
    attr_id(o, "toName", c->strength_to);
    attr(o, "choice", "single");
    attr(o, "showInline", "true");
    {
      static const char *const strengths[][2] = {
          {"tie", "Tie: neither is better"},
          {"better", "The selected response is better"},
          {"much-better", "The selected response is much better"}};
      for (size_t k = 0; k < 3; k++) {
        open_el(o, "Choice");
        attr(o, "alias", strengths[k][0]);
        attr(o, "value", strengths[k][1]);
        close_el(o);
      }
    }
    close_el(o);
    break;
  case CTL_RANKER:
    open_el(o, "List");
    attr_id(o, "name", c->list_name);
    cb_buf_reset(&x->tmp);
    {
      char *value = cb_arena_printf(x->ctx->arena, "$%s", c->list_key);
      attr(o, "value", value);
    }
    attr_text(o, "title", "Responses");
    close_el(o);
    open_el(o, "Ranker");
    attr_id(o, "name", c->name);
    attr_id(o, "toName", c->list_name);
    for (size_t k = 0; k < c->n_compared; k++) {
      snprintf(num, sizeof num, "rank_%zu", k + 1);
      open_el(o, "Bucket");
      attr(o, "name", num);
      snprintf(num, sizeof num, "Place %zu", k + 1);
      attr(o, "title", num);
      close_el(o);
    }
    close_el(o);
    break;
  }
  close_el(o);
}

/* A comment may not hold "--": such a run is broken up with spaces. */
static void comment(xw *o, const char *text) {
  cb_buf b = {0};
  cb_utf8__text_fix(&b, text, strlen(text), CB_TEXT_HTML);
  cb_buf safe = {0};
  const char *p = cb_buf_cstr(&b);
  for (size_t i = 0; i < b.len; i++) {
    cb_buf_putc(&safe, p[i]);
    if (p[i] == '-' && (p[i + 1] == '-' || p[i + 1] == '\0'))
      cb_buf_putc(&safe, ' ');
  }
  xmlNodePtr c = NULL;
  if (!o->failed && !safe.failed && !b.failed)
    c = xmlNewDocComment(o->doc, BAD_CAST cb_buf_cstr(&safe));
  if (!c || !xmlAddChild((xmlNodePtr)o->doc, c)) {
    if (c)
      xmlFreeNode(c);
    o->failed = 1;
  }
  cb_buf_free(&b);
  cb_buf_free(&safe);
}

/* The input objects of shape s: the inputs other than responses, then
 * each response with its own questions. */
static void write_inputs(xw *o, const ls_shape *s) {
  ls *x = o->x;
  for (size_t i = 0; i < s->n_fields; i++) {
    const cb_xfield *f = &s->fields[i];
    if (f->kind == CB_XF_RESPONSE)
      continue;
    header(o, cb_export__field_title(&x->title, f), "5");
    char *value = cb_arena_printf(x->ctx->arena, "$%s", s->keys[i]);
    if (f->kind == CB_XF_DIALOGUE) {
      open_el(o, "Paragraphs");
      attr(o, "name", s->keys[i]);
      attr(o, "value", value);
      attr(o, "layout", "dialogue");
      attr(o, "nameKey", "author");
      attr(o, "textKey", "text");
    } else {
      open_el(o, "Text");
      attr(o, "name", s->keys[i]);
      attr(o, "value", value);
    }
    close_el(o);
  }
  for (size_t i = 0; i < s->n_fields; i++) {
    const cb_xfield *f = &s->fields[i];
    if (f->kind != CB_XF_RESPONSE)
      continue;
    open_el(o, "View");
    attr(o, "style", "border-top: 1px solid #ccc; margin-top: 1em;");
    header(o, cb_export__field_title(&x->title, f), "4");
    open_el(o, "Text");
    attr(o, "name", s->keys[i]);
    attr(o, "value", cb_arena_printf(x->ctx->arena, "$%s", s->keys[i]));
    close_el(o);
    for (size_t k = 0; k < s->n_controls; k++)
      if (s->controls[k].response &&
          strcmp(s->controls[k].response, f->response) == 0)
        write_control(o, &s->controls[k]);
    close_el(o);
  }
}

/* The config of shape s: no case title (it can give the answer away),
 * only the inputs and the controls of the shape; the training set shows
 * the rationale too. */
static int write_config(ls *x, const ls_shape *s, const char *path) {
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  xw o = {x, doc, NULL, doc == NULL};
  int err = 0;
  x->cur_shape = s;
  {
    cb_buf line = {0};
    cb_export__stamp_line(&line, x->book);
    comment(&o, cb_buf_cstr(&line));
    cb_buf_free(&line);
  }
  open_el(&o, "View");
  header(&o, cb_model__title(x->book), "3");
  write_inputs(&o, s);
  for (size_t k = 0; k < s->n_controls; k++)
    if (!s->controls[k].response)
      write_control(&o, &s->controls[k]);
  if (s->use == CB_USE_TRAINING) {
    open_el(&o, "View");
    attr(&o, "style", "border-top: 1px solid #ccc; margin-top: 1em;");
    header(&o, "Why: the guideline's answer", "4");
    open_el(&o, "Text");
    attr(&o, "name", "rationale");
    attr(&o, "value", "$rationale");
    close_el(&o);
    close_el(&o);
  }
  close_el(&o);
  x->cur_shape = NULL;
  xmlChar *bytes = NULL;
  int len = 0;
  if (!o.failed) {
    xmlDocDumpFormatMemoryEnc(doc, &bytes, &len, "UTF-8", 1);
    if (!bytes)
      o.failed = 1;
  }
  xmlFreeDoc(doc);
  if (o.failed)
    err = cb_ctx__fail(x->ctx, CB_ENOMEM, "out of memory");
  else
    err = cb_output__file(x->ctx, path, bytes, (size_t)len,
                          CB_OUTPUT_SYNC | CB_OUTPUT_KEEP_SAME);
  xmlFree(bytes);
  return err;
}

/* ---- The exporter ------------------------------------------------------ */

int cb_export_labelstudio__targets(cb_export_target **out, size_t *n,
                                   cb_ctx *ctx, const cb_book *book) {
  ls x;
  memset(&x, 0, sizeof x);
  x.ctx = ctx;
  x.book = book;
  *out = NULL;
  *n = 0;
  int err;
  if ((err = cb_export__layout(&x.layout, ctx, book)) < 0 ||
      (err = name_fields(&x)) < 0 || (err = plan(&x)) < 0)
    return err;
  cb_export_target *t =
      cb_arena_calloc(ctx->arena, x.n_controls + 1, sizeof *t);
  if (!t)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  for (size_t i = 0; i < x.n_controls; i++) {
    const control *c = &x.controls[i];
    t[i].name = c->name;
    t[i].qi = c->qi;
    t[i].response = c->response;
    t[i].n_compared = c->n_compared;
    for (size_t k = 0; k < c->n_compared && k < 2; k++)
      t[i].compared[k] = c->compared[k]->response;
    t[i].strength = c->strength_name;
  }
  *out = t;
  *n = x.n_controls;
  return 0;
}

int cb_export_labelstudio__run(cb_ctx *ctx, const cb_book *book,
                               const char *outdir) {
  ls x;
  memset(&x, 0, sizeof x);
  x.ctx = ctx;
  x.book = book;
  int err;
  const char *dir = cb_arena_printf(ctx->arena, "%s/label-studio", outdir);
  if (!dir)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  if ((err = cb_export__layout(&x.layout, ctx, book)) < 0 ||
      (err = name_fields(&x)) < 0 || (err = plan(&x)) < 0 ||
      (err = cb_export_labelstudio__shapes(&x)) < 0)
    goto done;
  if ((err = cb_output__mkdirs(ctx, dir)) < 0)
    goto done;
  for (size_t i = 0; i < x.n_shapes; i++) {
    const ls_shape *s = &x.shapes[i];
    const char *sub = cb_arena_printf(ctx->arena, "%s/%s/%s", dir,
                                      cb_use_name(s->use), s->name);
    const char *config = cb_arena_printf(ctx->arena, "%s/config.xml", sub);
    const char *tasks = cb_arena_printf(ctx->arena, "%s/tasks.json", sub);
    if (!sub || !config || !tasks) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    if ((err = cb_output__mkdirs(ctx, sub)) < 0 ||
        (err = write_config(&x, s, config)) < 0 ||
        (err = cb_export_labelstudio__tasks(&x, s, tasks)) < 0)
      goto done;
  }
  const char *instr = cb_arena_printf(ctx->arena, "%s/instructions.html", dir);
  if (!instr)
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  else
    err = cb_export_labelstudio__instructions(ctx, book, instr);
done:
  cb_export_labelstudio__free_shapes(&x);
  cb_buf_free(&x.tmp);
  cb_buf_free(&x.title);
  return err;
}
