/* SPDX-License-Identifier: MIT */
/*
 * grade_html.c: the HTML report of a grade and the feedback pages of the
 * annotators (see grade_html.h), from the grade.json document.
 *
 * Every string of the document (annotator names, rationales, option ids,
 * urls) is untrusted: it only ever reaches a page through the HTML writer
 * (text, attribute values and hrefs cleaned and escaped there), or
 * through cb_html__plain inside SVG, where a <bdi> cannot go. The writer
 * has no element for the page frame, <figure> or SVG: those are written
 * with lit() from literals of this file, and with litf() from formats
 * that hold numbers only, always outside any element the writer has open
 * (cb_html__template asserts it). Links go to the site only for urls of
 * the form "html/...", prefixed with the site prefix.
 *
 * Figures are printed with three decimals and counts as integers, so the
 * same document gives the same bytes.
 */
#include "grade_html.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "embed.h"
#include "html_writer.h"
#include "output.h"

/* A page being written. */
typedef struct page {
  cb_ctx *ctx;
  const json_t *grade;
  cb_html h;
  const char *site_prefix;
  int nested;     /* the page is in annotators/: one level down */
  cb_buf href;    /* the href being built */
  cb_buf scratch; /* answers and labels being built */
  unsigned n_charts; /* for the ids of the charts of the page */
} page;

/* ---- writing --------------------------------------------------------- */

/* Markup from a literal of this file, outside any element of the writer. */
static void lit(page *p, const char *markup) {
  cb_html__template(&p->h, markup, strlen(markup));
}

/* Markup from a format of this file holding numbers only (no %s: no
 * string of the document can reach the markup this way). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void litf(page *p, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  assert(!strstr(fmt, "%s"));
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  assert(n >= 0 && (size_t)n < sizeof buf);
  if (n > 0)
    cb_html__template(&p->h, buf, (size_t)n);
}

static void text(page *p, const char *s) { cb_html__puts(&p->h, s); }

static void tag_open(page *p, cb_tag tag, const char *cls) {
  cb_html__open(&p->h, tag, cls);
}

static void close_(page *p) { cb_html__close(&p->h); }

static void leaf(page *p, cb_tag tag, const char *cls, const char *s) {
  cb_html__leaf(&p->h, tag, cls, s);
}

/* ---- reading the document ---------------------------------------------- */

/* The member key of o (NULL when o is not an object or has none). Not
 * const: jansson's iterators take a json_t *; nothing here writes. */
static json_t *get(const json_t *o, const char *key) {
  return json_is_object(o) ? json_object_get(o, key) : NULL;
}

static const char *str(const json_t *o, const char *key) {
  return json_string_value(get(o, key));
}

/* A figure: three decimals, or NULL when v is not a number. buf holds
 * 32 bytes. */
static const char *fig(char *buf, const json_t *v) {
  if (!json_is_number(v))
    return NULL;
  double x = json_number_value(v);
  if (!isfinite(x))
    return NULL;
  snprintf(buf, 32, "%.3f", x == 0 ? 0.0 : x); /* no "-0.000" */
  return buf;
}

/* A count: an integer as it is, any other number as a figure. */
static const char *count(char *buf, const json_t *v) {
  if (json_is_integer(v)) {
    snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  return fig(buf, v);
}

/* 1 and the number when v is a finite number. */
static int num(const json_t *v, double *out) {
  if (!json_is_number(v) || !isfinite(json_number_value(v)))
    return 0;
  *out = json_number_value(v);
  return 1;
}

/* ---- links ------------------------------------------------------------- */

/* The href of a url of the document: the site prefix joined to an
 * "html/..." url (one level up more on an annotator page, unless the
 * prefix is absolute), NULL for anything else. Borrowed from p until the
 * next call. */
static const char *site_href(page *p, const json_t *url) {
  const char *u = json_string_value(url);
  if (!u || strncmp(u, "html/", 5) != 0 || strlen(u) != json_string_length(url))
    return NULL;
  const char *pre = p->site_prefix;
  int absolute = pre[0] == '/' || strstr(pre, "://") != NULL;
  cb_buf_reset(&p->href);
  if (p->nested && !absolute)
    cb_buf_puts(&p->href, "../");
  cb_buf_puts(&p->href, pre);
  cb_buf_puts(&p->href, u);
  return p->href.failed ? NULL : cb_buf_cstr(&p->href);
}

/* label as a link to url (see site_href), or as text when url is none. */
static void site_link(page *p, const json_t *url, const char *cls,
                      const char *label) {
  const char *href = site_href(p, url);
  if (href)
    cb_html__link(&p->h, href, cls, label);
  else
    text(p, label);
}

/* The same with the label in <code>. */
static void site_code_link(page *p, const json_t *url, const char *label) {
  const char *href = site_href(p, url);
  if (href)
    cb_html__open_link(&p->h, href, NULL);
  leaf(p, CB_TAG_CODE, NULL, label);
  if (href)
    close_(p);
}

/* 1 when page is "annotators/NAME.html", NAME of [A-Za-z0-9._-] and not
 * starting with a dot: a file right under OUTDIR/annotators/. */
static int page_name_ok(const char *name) {
  static const char dir[] = "annotators/";
  if (!name || strncmp(name, dir, sizeof dir - 1) != 0)
    return 0;
  const char *base = name + sizeof dir - 1;
  size_t n = strlen(base);
  if (n <= 5 || n > 200 || base[0] == '.' || strcmp(base + n - 5, ".html"))
    return 0;
  for (const char *c = base; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
          (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
      return 0;
  return 1;
}

/* ---- answers ------------------------------------------------------------- */

static void answer_into(cb_buf *b, const json_t *v, const char *type);

/* A list: a ranking as "a > b = c" (a nested list is a tie), anything
 * else as "a, b". */
static void list_into(cb_buf *b, const json_t *v, const char *type) {
  int rank = type && strcmp(type, "rank") == 0;
  size_t i;
  const json_t *e;
  if (json_array_size(v) == 0) {
    cb_buf_puts(b, "(none)");
    return;
  }
  json_array_foreach(v, i, e) {
    if (i)
      cb_buf_puts(b, rank ? " > " : ", ");
    if (json_is_array(e)) {
      size_t j;
      const json_t *t;
      json_array_foreach(e, j, t) {
        if (j)
          cb_buf_puts(b, " = ");
        answer_into(b, t, NULL);
      }
    } else {
      answer_into(b, e, type);
    }
  }
}

/* An answer in gold.jsonl shape, readably: a string as it is, a number
 * (an integer as such), a list, a preference {preferred, strength}. */
static void answer_into(cb_buf *b, const json_t *v, const char *type) {
  char buf[32];
  if (json_is_string(v)) {
    cb_buf_append(b, json_string_value(v), json_string_length(v));
  } else if (json_is_integer(v) || json_is_real(v)) {
    double x = json_number_value(v);
    if (json_is_integer(v))
      cb_buf_puts(b, count(buf, v));
    else if (x == floor(x) && fabs(x) < 1e15)
      cb_buf_printf(b, "%.0f", x);
    else
      cb_buf_puts(b, fig(buf, v) ? buf : "?");
  } else if (json_is_array(v)) {
    list_into(b, v, type);
  } else if (json_is_object(v) && get(v, "preferred")) {
    answer_into(b, get(v, "preferred"), NULL);
    const json_t *s = get(v, "strength");
    if (s && !json_is_null(s)) {
      cb_buf_puts(b, " (strength ");
      answer_into(b, s, NULL);
      cb_buf_puts(b, ")");
    }
  } else if (json_is_true(v)) {
    cb_buf_puts(b, "yes");
  } else if (json_is_false(v)) {
    cb_buf_puts(b, "no");
  } else if (!v || json_is_null(v)) {
    cb_buf_puts(b, "(no answer)");
  } else {
    char *dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    cb_buf_puts(b, dump ? dump : "?");
    free(dump);
  }
}

/* Writes an answer as text, linked to its option when url is one. */
static void answer(page *p, const json_t *v, const char *type,
                   const json_t *url) {
  cb_buf_reset(&p->scratch);
  answer_into(&p->scratch, v, type);
  if (p->scratch.failed)
    return;
  /* the text is copied: site_link reuses p->href, not p->scratch */
  site_link(p, json_is_string(v) ? url : NULL, NULL,
            cb_buf_cstr(&p->scratch));
}

static const char *question_type(page *p, const char *qid) {
  return qid ? str(get(get(p->grade, "questions"), qid), "type") : NULL;
}

/* ---- tables -------------------------------------------------------------- */

/* Opens a table labelled label inside a scrolling box, with a header row
 * of the n column names cols. */
static void table_open(page *p, const char *cls, const char *label,
                       const char *const *cols, size_t n) {
  lit(p, "<div class=\"table-wrap\" tabindex=\"0\">");
  tag_open(p, CB_TAG_TABLE, cls);
  cb_html__attr(&p->h, "aria-label", label);
  tag_open(p, CB_TAG_THEAD, NULL);
  tag_open(p, CB_TAG_TR, NULL);
  for (size_t i = 0; i < n; i++) {
    tag_open(p, CB_TAG_TH, NULL);
    cb_html__attr(&p->h, "scope", "col");
    text(p, cols[i]);
    close_(p);
  }
  close_(p);
  close_(p);
  tag_open(p, CB_TAG_TBODY, NULL);
}

static void table_close(page *p) {
  close_(p); /* tbody */
  close_(p); /* table */
  lit(p, "</div>\n");
}

/* A row header cell. */
static void th_row_open(page *p, const char *cls) {
  tag_open(p, CB_TAG_TH, cls);
  cb_html__attr(&p->h, "scope", "row");
}

/* A cell of text, "—" when s is NULL. */
static void td(page *p, const char *s) {
  if (s)
    leaf(p, CB_TAG_TD, "num", s);
  else
    leaf(p, CB_TAG_TD, "na", "—");
}

static void td_fig(page *p, const json_t *v) {
  char buf[32];
  td(p, fig(buf, v));
}

static void td_count(page *p, const json_t *v) {
  char buf[32];
  td(p, count(buf, v));
}

/* A cell with a figure and its interval "0.712 [0.601, 0.805]". */
static void td_interval(page *p, const json_t *v, const json_t *ci) {
  char a[32], lo[32], hi[32];
  if (!fig(a, v)) {
    td(p, NULL);
    return;
  }
  tag_open(p, CB_TAG_TD, "num");
  text(p, a);
  if (fig(lo, json_array_get(ci, 0)) && fig(hi, json_array_get(ci, 1))) {
    tag_open(p, CB_TAG_SPAN, "ci");
    text(p, " [");
    text(p, lo);
    text(p, ", ");
    text(p, hi);
    text(p, "]");
    close_(p);
  }
  close_(p);
}

static void para(page *p, const char *cls, const char *s) {
  leaf(p, CB_TAG_P, cls, s);
}

/* A section with a heading h2 of id id (a literal). */
static void section_open(page *p, const char *id, const char *title) {
  lit(p, "<section class=\"grade-section\">\n");
  tag_open(p, CB_TAG_H2, NULL);
  cb_html__attr(&p->h, "id", id);
  text(p, title);
  close_(p);
}

static void section_close(page *p) { lit(p, "</section>\n"); }

/* ---- charts -------------------------------------------------------------- */

/* Text inside SVG: at most max characters (a longer one is cut at a
 * character and ends with "…"), cleaned and escaped, without
 * bidirectional controls. */
static void svg_text(page *p, const char *s, size_t max) {
  if (!s)
    return;
  size_t chars = 0, i = 0, n = strlen(s);
  while (i < n && chars < max) {
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
      i++;
    chars++;
  }
  if (i >= n) {
    cb_html__plain(&p->h, s);
    return;
  }
  cb_buf_reset(&p->scratch);
  cb_buf_append(&p->scratch, s, i);
  cb_buf_puts(&p->scratch, "…");
  if (!p->scratch.failed)
    cb_html__plain(&p->h, cb_buf_cstr(&p->scratch));
}

/* Opens a chart: <figure>, the <svg> of width w and height hgt with its
 * <title> title (a literal) and the start of its <desc>, which the caller
 * writes on and ends with chart_desc_end. */
static void chart_open(page *p, int w, int hgt, const char *title) {
  unsigned id = ++p->n_charts;
  lit(p, "<figure class=\"chart\">\n");
  litf(p,
       "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
       "width=\"%d\" height=\"%d\" role=\"img\" "
       "aria-labelledby=\"chart-%u-title chart-%u-desc\">\n"
       "<title id=\"chart-%u-title\">",
       w, hgt, w, hgt, id, id, id);
  cb_html__plain(&p->h, title);
  litf(p, "</title>\n<desc id=\"chart-%u-desc\">", id);
}

static void chart_desc_end(page *p) { lit(p, "</desc>\n"); }

/* Ends a chart with its caption (a literal: the same numbers are in the
 * table after it). */
static void chart_close(page *p, const char *caption) {
  lit(p, "</svg>\n<figcaption>");
  cb_html__plain(&p->h, caption);
  lit(p, "</figcaption>\n</figure>\n");
}

/* Layout of the horizontal charts. */
#define CHART_W 640
#define ROW_H 26
#define TOP 30

/* Accuracy per annotator: one bar each, on a scale of 0 to 1. */
static void accuracy_chart(page *p, json_t *annotators) {
  const char *name;
  const json_t *a;
  int n = 0;
  json_object_foreach(annotators, name, a) {
    double x;
    if (num(get(a, "accuracy"), &x))
      n++;
  }
  if (n == 0) {
    para(p, "none", "No annotator answered a gold item: no accuracy to chart.");
    return;
  }
  const int left = 180, span = 380;
  int hgt = TOP + n * ROW_H + 8;
  chart_open(p, CHART_W, hgt, "Accuracy per annotator");
  int first = 1;
  json_object_foreach(annotators, name, a) {
    double x;
    char buf[32];
    if (!num(get(a, "accuracy"), &x))
      continue;
    if (!first)
      lit(p, "; ");
    first = 0;
    cb_html__plain(&p->h, name);
    lit(p, ": ");
    lit(p, fig(buf, get(a, "accuracy")));
  }
  chart_desc_end(p);
  for (int t = 0; t <= 4; t++) {
    double x = left + span * t / 4.0;
    litf(p,
         "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
         "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
         "%.2f</text>\n",
         x, TOP - 8, x, hgt - 4, x, TOP - 12, t / 4.0);
  }
  int row = 0;
  json_object_foreach(annotators, name, a) {
    double x;
    char buf[32];
    if (!num(get(a, "accuracy"), &x))
      continue;
    double v = x < 0 ? 0 : x > 1 ? 1 : x;
    int y = TOP + row * ROW_H;
    litf(p, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">",
         left - 8, y + 17);
    svg_text(p, name, 24);
    litf(p,
         "</text><rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" "
         "height=\"18\"/><text class=\"value\" x=\"%.1f\" y=\"%d\">",
         left, y + 4, span * v, left + span * v + 6, y + 17);
    lit(p, fig(buf, get(a, "accuracy")));
    lit(p, "</text>\n");
    row++;
  }
  chart_close(p, "Accuracy of each annotator on gold items (0 to 1). The "
                 "table below holds the same numbers.");
}

static const char *const levels[] = {"nominal", "ordinal", "interval"};

/* Calls row(p, qid, level, alpha, ci, data) for each alpha of the
 * document: every level that is not null, then the MASI alpha. */
static int each_alpha(page *p,
                      void (*row)(page *p, const char *qid, const char *level,
                                  const json_t *alpha, const json_t *ci,
                                  void *data),
                      void *data) {
  const char *qid;
  const json_t *q;
  int n = 0;
  json_object_foreach(get(p->grade, "questions"), qid, q) {
    const json_t *ag = get(q, "agreement");
    double x;
    for (size_t l = 0; l < sizeof levels / sizeof *levels; l++) {
      const json_t *v = get(get(ag, "krippendorff_alpha"), levels[l]);
      if (num(v, &x)) {
        if (row)
          row(p, qid, levels[l], v, get(get(ag, "alpha_ci95"), levels[l]),
              data);
        n++;
      }
    }
    if (num(get(ag, "alpha_masi"), &x)) {
      if (row)
        row(p, qid, "MASI", get(ag, "alpha_masi"), NULL, data);
      n++;
    }
  }
  return n;
}

/* The scale of the alpha chart: lo to 1. */
typedef struct alpha_scale {
  double lo;
  int left, span, row;
} alpha_scale;

static void alpha_low(page *p, const char *qid, const char *level,
                      const json_t *alpha, const json_t *ci, void *data) {
  alpha_scale *s = data;
  double x;
  (void)p, (void)qid, (void)level;
  if (num(alpha, &x) && x < s->lo)
    s->lo = x;
  if (num(json_array_get(ci, 0), &x) && x < s->lo)
    s->lo = x;
}

static double alpha_x(const alpha_scale *s, double v) {
  if (v < s->lo)
    v = s->lo;
  if (v > 1)
    v = 1;
  return s->left + s->span * (v - s->lo) / (1 - s->lo);
}

static void alpha_desc(page *p, const char *qid, const char *level,
                       const json_t *alpha, const json_t *ci, void *data) {
  char a[32], lo[32], hi[32];
  int *first = data;
  if (!*first)
    lit(p, "; ");
  *first = 0;
  cb_html__plain(&p->h, qid);
  lit(p, " ");
  lit(p, level);
  lit(p, ": ");
  lit(p, fig(a, alpha));
  if (fig(lo, json_array_get(ci, 0)) && fig(hi, json_array_get(ci, 1))) {
    lit(p, " (95% interval ");
    lit(p, lo);
    lit(p, " to ");
    lit(p, hi);
    lit(p, ")");
  }
}

static void alpha_row(page *p, const char *qid, const char *level,
                      const json_t *alpha, const json_t *ci, void *data) {
  alpha_scale *s = data;
  double v = 0, lo, hi;
  char buf[32];
  int y = TOP + s->row++ * ROW_H + 13;
  num(alpha, &v);
  litf(p, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">",
       s->left - 8, y + 4);
  svg_text(p, qid, 16);
  lit(p, " · ");
  lit(p, level);
  lit(p, "</text>");
  if (num(json_array_get(ci, 0), &lo) && num(json_array_get(ci, 1), &hi)) {
    double x0 = alpha_x(s, lo), x1 = alpha_x(s, hi);
    litf(p,
         "<line class=\"ci\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
         "<line class=\"ci\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
         "<line class=\"ci\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
         x0, y, x1, y, x0, y - 6, x0, y + 6, x1, y - 6, x1, y + 6);
  }
  litf(p,
       "<circle class=\"dot\" cx=\"%.1f\" cy=\"%d\" r=\"5\"/>"
       "<text class=\"value\" x=\"%d\" y=\"%d\">",
       alpha_x(s, v), y, s->left + s->span + 12, y + 4);
  lit(p, fig(buf, alpha));
  lit(p, "</text>\n");
}

/* Krippendorff's alpha per question and level, with the 95% interval as
 * an error bar and the marks at 0.667 and 0.8. */
static void alpha_chart(page *p) {
  int n = each_alpha(p, NULL, NULL);
  if (n == 0) {
    para(p, "none", "No question has an alpha to chart.");
    return;
  }
  alpha_scale s = {0, 200, 340, 0};
  each_alpha(p, alpha_low, &s);
  s.lo = floor(s.lo * 10) / 10;
  if (s.lo < -1)
    s.lo = -1;
  int axis = TOP + n * ROW_H, hgt = axis + 24;
  chart_open(p, CHART_W, hgt, "Krippendorff's alpha per question");
  int first = 1;
  each_alpha(p, alpha_desc, &first);
  lit(p, ". Marks at 0.667 (lowest for tentative conclusions) and 0.8.");
  chart_desc_end(p);
  double ticks[] = {s.lo, 0, 0.5, 1};
  for (size_t t = 0; t < sizeof ticks / sizeof *ticks; t++) {
    if (t > 0 && ticks[t] <= s.lo)
      continue;
    double x = alpha_x(&s, ticks[t]);
    litf(p,
         "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
         "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
         "%.1f</text>\n",
         x, TOP - 6, x, axis, x, axis + 16, ticks[t]);
  }
  static const double marks[] = {0.667, 0.8};
  for (size_t m = 0; m < 2; m++) {
    double x = alpha_x(&s, marks[m]);
    litf(p,
         "<line class=\"mark\" data-mark=\"%.3f\" x1=\"%.1f\" y1=\"%d\" "
         "x2=\"%.1f\" y2=\"%d\"/><text class=\"tick mark-label\" "
         "x=\"%.1f\" y=\"%d\" text-anchor=\"",
         marks[m], x, TOP - 6, x, axis, x, TOP - 12);
    lit(p, m == 0 ? "end" : "start");
    litf(p, "\">%g</text>\n", marks[m]);
  }
  each_alpha(p, alpha_row, &s);
  chart_close(p, "Krippendorff's alpha of each question at each level, the "
                 "bar its 95% bootstrap interval; dashed marks at 0.667 and "
                 "0.8. The table below holds the same numbers.");
}

/* The label of a confusion matrix. */
static const char *label_at(const json_t *labels, size_t i) {
  const char *s = json_string_value(json_array_get(labels, i));
  return s ? s : "?";
}

/* A confusion matrix {labels, counts} as a heatmap (gold rows, answer
 * columns, the shade of a cell its share of its row) and as a table. */
static void confusion(page *p, const json_t *c, const char *qid) {
  const json_t *labels = get(c, "labels"), *counts = get(c, "counts");
  size_t n = json_array_size(labels);
  char buf[32];
  if (n == 0 || json_array_size(counts) != n) {
    para(p, "none", "No confusion matrix.");
    return;
  }
  if (n <= 24) {
    const int left = 120, top = 56, cw = 72, chh = 34;
    int w = left + (int)n * cw + 8, hgt = top + (int)n * chh + 8;
    chart_open(p, w, hgt, "Confusion matrix, gold by answer");
    lit(p, "Question ");
    cb_html__plain(&p->h, qid);
    lit(p, ": rows are the gold answers, columns the answers given.");
    for (size_t r = 0; r < n; r++) {
      const json_t *row = json_array_get(counts, r);
      lit(p, " Gold ");
      cb_html__plain(&p->h, label_at(labels, r));
      lit(p, ":");
      for (size_t k = 0; k < n; k++) {
        lit(p, k ? ", " : " ");
        cb_html__plain(&p->h, label_at(labels, k));
        lit(p, " ");
        const char *v = count(buf, json_array_get(row, k));
        lit(p, v ? v : "0");
      }
      lit(p, ".");
    }
    chart_desc_end(p);
    litf(p, "<text class=\"axis\" x=\"%d\" y=\"14\">", left);
    lit(p, "answer →</text><text class=\"axis\" x=\"4\" y=\"");
    litf(p, "%d\">gold ↓</text>\n", top - 8);
    for (size_t k = 0; k < n; k++) {
      litf(p,
           "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
           left + (int)k * cw + cw / 2, top - 8);
      svg_text(p, label_at(labels, k), 9);
      lit(p, "</text>");
    }
    for (size_t r = 0; r < n; r++) {
      const json_t *row = json_array_get(counts, r);
      double total = 0, x;
      for (size_t k = 0; k < n; k++)
        if (num(json_array_get(row, k), &x) && x > 0)
          total += x;
      int y = top + (int)r * chh;
      litf(p, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">",
           left - 8, y + chh / 2 + 5);
      svg_text(p, label_at(labels, r), 14);
      lit(p, "</text>\n");
      for (size_t k = 0; k < n; k++) {
        const json_t *v = json_array_get(row, k);
        int shade = 0;
        if (num(v, &x) && x > 0 && total > 0)
          shade = 1 + (int)(x / total * 4.999);
        litf(p, "<rect class=\"cell shade-%d", shade);
        lit(p, r == k ? " diagonal" : "");
        litf(p,
             "\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
             "<text class=\"count",
             left + (int)k * cw, y, cw - 2, chh - 2);
        lit(p, shade >= 4 ? " on-dark" : "");
        litf(p, "\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
             left + (int)k * cw + cw / 2, y + chh / 2 + 4);
        const char *s = count(buf, v);
        lit(p, s ? s : "0");
        lit(p, "</text>\n");
      }
    }
    chart_close(p, "Gold answers (rows) against the answers given "
                   "(columns); the darker a cell, the larger its share of "
                   "its row. The table below holds the same numbers.");
  }
  cb_buf_reset(&p->scratch);
  cb_buf_puts(&p->scratch, "Confusion matrix of ");
  cb_buf_puts(&p->scratch, qid);
  if (p->scratch.failed)
    return;
  lit(p, "<div class=\"table-wrap\" tabindex=\"0\">");
  tag_open(p, CB_TAG_TABLE, "confusion");
  cb_html__attr(&p->h, "aria-label", cb_buf_cstr(&p->scratch));
  tag_open(p, CB_TAG_THEAD, NULL);
  tag_open(p, CB_TAG_TR, NULL);
  tag_open(p, CB_TAG_TH, NULL);
  cb_html__attr(&p->h, "scope", "col");
  text(p, "gold \\ answer");
  close_(p);
  for (size_t k = 0; k < n; k++) {
    tag_open(p, CB_TAG_TH, NULL);
    cb_html__attr(&p->h, "scope", "col");
    leaf(p, CB_TAG_CODE, NULL, label_at(labels, k));
    close_(p);
  }
  close_(p);
  close_(p);
  tag_open(p, CB_TAG_TBODY, NULL);
  for (size_t r = 0; r < n; r++) {
    const json_t *row = json_array_get(counts, r);
    tag_open(p, CB_TAG_TR, NULL);
    th_row_open(p, NULL);
    leaf(p, CB_TAG_CODE, NULL, label_at(labels, r));
    close_(p);
    for (size_t k = 0; k < n; k++)
      td_count(p, json_array_get(row, k));
    close_(p);
  }
  table_close(p);
}

/* ---- the frame ----------------------------------------------------------- */

/* The policy of the site's pages (html_page.c), less script: the report
 * has none. */
static const char head_start[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
    "'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'\">\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "<meta name=\"generator\" content=\"casebook\">\n<title>";

static void frame_open(page *p, const char *title, const char *book_title) {
  lit(p, head_start);
  cb_html__plain(&p->h, title);
  if (book_title) {
    lit(p, " · ");
    cb_html__plain(&p->h, book_title);
  }
  lit(p, "</title>\n");
  lit(p, p->nested ? "<link rel=\"stylesheet\" href=\"../report.css\">\n"
                   : "<link rel=\"stylesheet\" href=\"report.css\">\n");
  lit(p, "</head>\n<body class=\"grade-page\">\n"
         "<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
         "<main id=\"main\" class=\"grade\">\n");
}

static void frame_close(page *p) {
  lit(p, "</main>\n</body>\n</html>\n");
}

/* The version line: "Version 1.0.0 · 99db5684 · 2026-12-06". */
static void version_line(page *p) {
  const json_t *v = get(p->grade, "version");
  const char *version = str(v, "version"), *commit = str(v, "commit"),
             *date = str(v, "date"), *describe = str(v, "describe");
  int any = 0;
  tag_open(p, CB_TAG_P, "version");
  if (version) {
    text(p, "Version ");
    text(p, version);
    any = 1;
  }
  if (describe || commit) {
    if (any)
      text(p, " · ");
    if (describe) {
      text(p, describe);
    } else {
      char shortc[13];
      snprintf(shortc, sizeof shortc, "%.12s", commit);
      leaf(p, CB_TAG_CODE, NULL, shortc);
    }
    any = 1;
  }
  if (date) {
    if (any)
      text(p, " · ");
    char day[11];
    snprintf(day, sizeof day, "%.10s", date);
    text(p, day);
    any = 1;
  }
  if (json_is_true(get(v, "dirty")))
    text(p, " (uncommitted changes)");
  if (!any)
    text(p, "Unversioned");
  close_(p);
}

/* ---- the report: sections ---------------------------------------------- */

/* A term and its value in a <dl> (inside a <div>, as the site does). */
static void term(page *p, const char *name, const char *value) {
  tag_open(p, CB_TAG_DIV, NULL);
  leaf(p, CB_TAG_DT, NULL, name);
  leaf(p, CB_TAG_DD, NULL, value ? value : "—");
  close_(p);
}

static void summary(page *p) {
  const json_t *t = get(p->grade, "totals");
  char buf[32];
  static const struct {
    const char *key, *name;
    int is_fig;
  } rows[] = {
      {"items", "Items", 0},
      {"gold_items", "Gold items", 0},
      {"annotators", "Annotators", 0},
      {"annotations", "Annotations", 0},
      {"answers", "Answers", 0},
      {"gold_answers", "Answers on gold items", 0},
      {"correct", "Correct", 0},
      {"accuracy", "Accuracy", 1},
      {"misses", "Misses", 0},
      {"rereview", "To re-review", 0},
  };
  section_open(p, "summary", "Summary");
  const json_t *passed = get(p->grade, "passed");
  if (json_is_boolean(passed))
    para(p, json_is_true(passed) ? "status passed" : "status failed",
         json_is_true(passed) ? "Every gate passed." : "A gate failed.");
  tag_open(p, CB_TAG_DL, "totals");
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    const json_t *v = get(t, rows[i].key);
    term(p, rows[i].name, rows[i].is_fig ? fig(buf, v) : count(buf, v));
  }
  close_(p);

  const json_t *inputs = get(p->grade, "inputs");
  if (json_array_size(inputs) > 0) {
    static const char *const cols[] = {"File", "Format", "Records",
                                       "Annotations", "Skipped"};
    table_open(p, "inputs", "Annotation files read", cols, 5);
    size_t i;
    const json_t *in;
    json_array_foreach(inputs, i, in) {
      tag_open(p, CB_TAG_TR, NULL);
      th_row_open(p, NULL);
      text(p, str(in, "file"));
      close_(p);
      leaf(p, CB_TAG_TD, NULL, str(in, "format"));
      td_count(p, get(in, "records"));
      td_count(p, get(in, "annotations"));
      tag_open(p, CB_TAG_TD, NULL);
      const char *k;
      const json_t *v;
      int first = 1;
      json_object_foreach(get(in, "skipped"), k, v) {
        if (!first)
          text(p, ", ");
        first = 0;
        text(p, k);
        text(p, " ");
        text(p, count(buf, v));
      }
      close_(p);
      close_(p);
    }
    table_close(p);
  }

  leaf(p, CB_TAG_H3, NULL, "Gates");
  const json_t *gates = get(p->grade, "gates");
  if (json_array_size(gates) == 0) {
    para(p, "none", "No gate was set.");
  } else {
    static const char *const cols[] = {"Gate", "Question", "Threshold",
                                       "Value", "Where", "Result"};
    table_open(p, "gates", "Gates", cols, 6);
    size_t i;
    const json_t *g;
    json_array_foreach(gates, i, g) {
      tag_open(p, CB_TAG_TR, json_is_true(get(g, "passed")) ? "passed" : "failed");
      th_row_open(p, NULL);
      text(p, str(g, "gate"));
      close_(p);
      leaf(p, CB_TAG_TD, NULL, str(g, "question") ? str(g, "question") : "all");
      td_fig(p, get(g, "threshold"));
      td_fig(p, get(g, "value"));
      leaf(p, CB_TAG_TD, NULL, str(g, "where"));
      leaf(p, CB_TAG_TD, "result",
           json_is_true(get(g, "passed")) ? "passed" : "failed");
      close_(p);
    }
    table_close(p);
  }
  section_close(p);
}

/* The question qid, linked to its definition in the site. */
static void question_link(page *p, const char *qid) {
  const json_t *q = get(get(p->grade, "questions"), qid);
  site_code_link(p, get(q, "url"), qid);
}

static void agreement(page *p) {
  json_t *questions = get(p->grade, "questions");
  const char *qid;
  const json_t *q;
  section_open(p, "agreement", "Agreement per question");
  alpha_chart(p);
  if (json_object_size(questions) == 0) {
    para(p, "none", "No question.");
    section_close(p);
    return;
  }
  static const char *const cols[] = {
      "Question", "Type",     "Items",  "Pairable", "Percent",   "α nominal",
      "α ordinal", "α interval", "α MASI", "Fleiss κ"};
  table_open(p, "agreement", "Agreement per question", cols, 10);
  json_object_foreach(questions, qid, q) {
    const json_t *ag = get(q, "agreement");
    const json_t *alpha = get(ag, "krippendorff_alpha"),
                 *ci = get(ag, "alpha_ci95");
    tag_open(p, CB_TAG_TR, NULL);
    th_row_open(p, NULL);
    question_link(p, qid);
    close_(p);
    leaf(p, CB_TAG_TD, NULL, str(q, "type"));
    td_count(p, get(ag, "items"));
    td_count(p, get(ag, "pairable_values"));
    if (str(ag, "undefined")) {
      /* the figures have no meaning: say why, once, across them */
      tag_open(p, CB_TAG_TD, "undefined");
      cb_html__attr(&p->h, "colspan", "6");
      text(p, str(ag, "undefined"));
      close_(p);
    } else {
      td_fig(p, get(ag, "percent"));
      for (size_t l = 0; l < 3; l++)
        td_interval(p, get(alpha, levels[l]), get(ci, levels[l]));
      td_fig(p, get(ag, "alpha_masi"));
      td_fig(p, get(ag, "fleiss_kappa"));
    }
    close_(p);
  }
  table_close(p);

  /* per option and per pair, where there are any */
  json_object_foreach(questions, qid, q) {
    const json_t *ag = get(q, "agreement");
    json_t *per = get(ag, "alpha_per_option");
    const json_t *pairs = get(ag, "cohen_kappa");
    if (json_object_size(per) == 0 && json_array_size(pairs) == 0)
      continue;
    tag_open(p, CB_TAG_H3, NULL);
    text(p, "Question ");
    question_link(p, qid);
    close_(p);
    if (json_object_size(per) > 0) {
      static const char *const c2[] = {"Option", "α (nominal, per option)"};
      cb_buf_reset(&p->scratch);
      cb_buf_puts(&p->scratch, "Alpha per option of ");
      cb_buf_puts(&p->scratch, qid);
      table_open(p, "per-option", cb_buf_cstr(&p->scratch), c2, 2);
      const char *oid;
      const json_t *v;
      json_object_foreach(per, oid, v) {
        tag_open(p, CB_TAG_TR, NULL);
        th_row_open(p, NULL);
        leaf(p, CB_TAG_CODE, NULL, oid);
        close_(p);
        td_fig(p, v);
        close_(p);
      }
      table_close(p);
    }
    if (json_array_size(pairs) > 0) {
      static const char *const c3[] = {"Annotator", "Annotator", "Items",
                                       "Cohen κ", "Weighted κ"};
      cb_buf_reset(&p->scratch);
      cb_buf_puts(&p->scratch, "Cohen's kappa per pair of annotators, ");
      cb_buf_puts(&p->scratch, qid);
      table_open(p, "pairs", cb_buf_cstr(&p->scratch), c3, 5);
      size_t i;
      const json_t *pr;
      json_array_foreach(pairs, i, pr) {
        tag_open(p, CB_TAG_TR, NULL);
        leaf(p, CB_TAG_TD, NULL, str(pr, "a"));
        leaf(p, CB_TAG_TD, NULL, str(pr, "b"));
        td_count(p, get(pr, "items"));
        td_fig(p, get(pr, "kappa"));
        td_fig(p, get(pr, "weighted_kappa"));
        close_(p);
      }
      table_close(p);
    }
  }
  section_close(p);
}

static void gold(page *p) {
  json_t *questions = get(p->grade, "questions");
  const char *qid;
  const json_t *q;
  section_open(p, "gold", "Accuracy against gold per question");
  if (json_object_size(questions) == 0) {
    para(p, "none", "No question.");
    section_close(p);
    return;
  }
  static const char *const cols[] = {"Question", "Items",   "Answers",
                                     "Correct",  "Accuracy", "MAE",
                                     "RMSE",     "Jaccard", "Kendall τ"};
  table_open(p, "gold", "Accuracy against gold per question", cols, 9);
  json_object_foreach(questions, qid, q) {
    const json_t *g = get(q, "gold");
    tag_open(p, CB_TAG_TR, NULL);
    th_row_open(p, NULL);
    question_link(p, qid);
    close_(p);
    td_count(p, get(g, "items"));
    td_count(p, get(g, "answers"));
    td_count(p, get(g, "correct"));
    td_fig(p, get(g, "accuracy"));
    td_fig(p, get(g, "mae"));
    td_fig(p, get(g, "rmse"));
    td_fig(p, get(g, "jaccard"));
    td_fig(p, get(g, "kendall_tau"));
    close_(p);
  }
  table_close(p);

  json_object_foreach(questions, qid, q) {
    const json_t *g = get(q, "gold");
    json_t *per = get(g, "per_option");
    const json_t *c = get(g, "confusion");
    if (json_object_size(per) == 0 && !json_is_object(c))
      continue;
    tag_open(p, CB_TAG_H3, NULL);
    text(p, "Question ");
    question_link(p, qid);
    const char *title = str(q, "title");
    if (title) {
      text(p, " ");
      leaf(p, CB_TAG_SPAN, "title", title);
    }
    close_(p);
    if (json_object_size(per) > 0) {
      static const char *const c2[] = {"Option", "Precision", "Recall"};
      cb_buf_reset(&p->scratch);
      cb_buf_puts(&p->scratch, "Precision and recall per option of ");
      cb_buf_puts(&p->scratch, qid);
      table_open(p, "per-option", cb_buf_cstr(&p->scratch), c2, 3);
      const char *oid;
      const json_t *v;
      json_object_foreach(per, oid, v) {
        tag_open(p, CB_TAG_TR, NULL);
        th_row_open(p, NULL);
        leaf(p, CB_TAG_CODE, NULL, oid);
        close_(p);
        td_fig(p, get(v, "precision"));
        td_fig(p, get(v, "recall"));
        close_(p);
      }
      table_close(p);
    }
    if (json_is_object(c))
      confusion(p, c, qid);
  }
  section_close(p);
}

static void needs_work(page *p) {
  const json_t *list = get(p->grade, "needs_work");
  char buf[32];
  section_open(p, "needs-work", "Sections that need work");
  if (json_array_size(list) == 0) {
    para(p, "none", "Nothing stands out: no question or option is ranked by "
                    "disagreement.");
    section_close(p);
    return;
  }
  para(p, "overview", "Questions and options ranked by disagreement with "
                      "gold, most first: read their definitions again.");
  static const char *const cols[] = {"Question or option", "Disagreement",
                                     "Answers"};
  table_open(p, "needs-work", "Sections that need work", cols, 3);
  size_t i;
  const json_t *w;
  json_array_foreach(list, i, w) {
    const char *qid = str(w, "question"), *oid = str(w, "option");
    tag_open(p, CB_TAG_TR, NULL);
    th_row_open(p, NULL);
    cb_buf_reset(&p->scratch);
    cb_buf_puts(&p->scratch, qid ? qid : "?");
    if (oid) {
      cb_buf_puts(&p->scratch, " / ");
      cb_buf_puts(&p->scratch, oid);
    }
    if (!p->scratch.failed) {
      /* the label is copied before site_href builds the link */
      const char *href = site_href(p, get(w, "url"));
      if (href)
        cb_html__open_link(&p->h, href, NULL);
      leaf(p, CB_TAG_CODE, NULL, cb_buf_cstr(&p->scratch));
      if (href)
        close_(p);
    }
    close_(p);
    td(p, fig(buf, get(w, "disagreement")));
    td_count(p, get(w, "answers"));
    close_(p);
  }
  table_close(p);
  section_close(p);
}

static void confused_pairs(page *p) {
  json_t *questions = get(p->grade, "questions");
  const char *qid;
  const json_t *q;
  int any = 0;
  section_open(p, "confused", "Most confused pairs of options");
  json_object_foreach(questions, qid, q) {
    const json_t *list = get(q, "confused");
    if (json_array_size(list) == 0)
      continue;
    if (!any) {
      static const char *const cols[] = {"Question", "Gold", "Answered",
                                         "Times"};
      table_open(p, "confused", "Most confused pairs of options", cols, 4);
    }
    any = 1;
    size_t i;
    const json_t *c;
    json_array_foreach(list, i, c) {
      tag_open(p, CB_TAG_TR, NULL);
      th_row_open(p, NULL);
      question_link(p, qid);
      close_(p);
      tag_open(p, CB_TAG_TD, NULL);
      site_code_link(p, get(c, "gold_url"), str(c, "gold"));
      close_(p);
      tag_open(p, CB_TAG_TD, NULL);
      site_code_link(p, get(c, "answer_url"), str(c, "answer"));
      close_(p);
      td_count(p, get(c, "count"));
      close_(p);
    }
  }
  if (any)
    table_close(p);
  else
    para(p, "none", "No pair of options was confused.");
  section_close(p);
}

/* The case of an item, linked to the site. */
static void case_link(page *p, const json_t *m) {
  const char *item = str(m, "case") ? str(m, "case") : str(m, "item");
  site_code_link(p, get(m, "url"), item ? item : "?");
}

/* The re-review list of annotator (NULL: every one). */
static void rereview_table(page *p, const char *annotator) {
  const json_t *list = get(p->grade, "rereview");
  size_t i;
  const json_t *r;
  int any = 0;
  json_array_foreach(list, i, r) {
    const char *who = str(r, "annotator");
    if (annotator && (!who || strcmp(who, annotator) != 0))
      continue;
    if (!any) {
      static const char *const cols[] = {"Annotator", "Case",  "Question",
                                         "Response",  "Answer", "Gold",
                                         "Version",   "What changed"};
      table_open(p, "rereview", "Answers to re-review", cols, 8);
    }
    any = 1;
    const char *qid = str(r, "question");
    const char *type = question_type(p, qid);
    tag_open(p, CB_TAG_TR, NULL);
    leaf(p, CB_TAG_TD, NULL, who);
    tag_open(p, CB_TAG_TD, NULL);
    case_link(p, r);
    close_(p);
    tag_open(p, CB_TAG_TD, NULL);
    if (qid)
      question_link(p, qid);
    close_(p);
    leaf(p, CB_TAG_TD, NULL, str(r, "response") ? str(r, "response") : "—");
    tag_open(p, CB_TAG_TD, "answer");
    answer(p, get(r, "answer"), type, NULL);
    close_(p);
    tag_open(p, CB_TAG_TD, "answer");
    answer(p, get(r, "gold"), type, NULL);
    close_(p);
    tag_open(p, CB_TAG_TD, NULL);
    if (str(r, "version"))
      leaf(p, CB_TAG_CODE, NULL, str(r, "version"));
    close_(p);
    tag_open(p, CB_TAG_TD, NULL);
    size_t j;
    const json_t *c;
    json_array_foreach(get(r, "changes"), j, c) {
      if (j)
        text(p, "; ");
      text(p, str(c, "message") ? str(c, "message") : str(c, "kind"));
    }
    close_(p);
    close_(p);
  }
  if (any)
    table_close(p);
  else
    para(p, "none", "Nothing to re-review.");
}

static void annotators(page *p) {
  json_t *list = get(p->grade, "annotators");
  section_open(p, "annotators", "Annotators");
  accuracy_chart(p, list);
  if (json_object_size(list) == 0) {
    para(p, "none", "No annotator.");
    section_close(p);
    return;
  }
  static const char *const cols[] = {
      "Annotator", "Annotations", "Gold items", "Gold answers", "Correct",
      "Accuracy",  "Misses",      "Re-review"};
  table_open(p, "annotators", "Annotators", cols, 8);
  const char *name;
  const json_t *a;
  json_object_foreach(list, name, a) {
    const char *pg = str(a, "page");
    tag_open(p, CB_TAG_TR, NULL);
    th_row_open(p, NULL);
    if (page_name_ok(pg))
      cb_html__link(&p->h, pg, NULL, name);
    else
      text(p, name);
    close_(p);
    td_count(p, get(a, "annotations"));
    td_count(p, get(a, "gold_items"));
    td_count(p, get(a, "gold_answers"));
    td_count(p, get(a, "correct"));
    td_fig(p, get(a, "accuracy"));
    td_count(p, get(a, "misses"));
    td_count(p, get(a, "rereview"));
    close_(p);
  }
  table_close(p);
  section_close(p);
}

static void report(page *p) {
  const char *title = str(p->grade, "title");
  frame_open(p, "Grade", title);
  tag_open(p, CB_TAG_HEADER, "grade-head");
  tag_open(p, CB_TAG_H1, NULL);
  text(p, "Grade");
  if (title) {
    text(p, ": ");
    text(p, title);
  }
  close_(p);
  version_line(p);
  tag_open(p, CB_TAG_NAV, "grade-nav");
  cb_html__attr(&p->h, "aria-label", "Sections of the report");
  tag_open(p, CB_TAG_UL, NULL);
  static const char *const nav[][2] = {
      {"#summary", "Summary"},           {"#annotators", "Annotators"},
      {"#agreement", "Agreement"},       {"#gold", "Accuracy"},
      {"#needs-work", "Needs work"},     {"#confused", "Confused pairs"},
      {"#rereview", "Re-review"}};
  for (size_t i = 0; i < sizeof nav / sizeof *nav; i++) {
    tag_open(p, CB_TAG_LI, NULL);
    cb_html__link(&p->h, nav[i][0], NULL, nav[i][1]);
    close_(p);
  }
  close_(p);
  close_(p);
  close_(p);
  summary(p);
  annotators(p);
  agreement(p);
  gold(p);
  needs_work(p);
  confused_pairs(p);
  section_open(p, "rereview", "Re-review");
  para(p, "overview", "Answers made under an older version of the guideline "
                      "whose question, option or gold answer has changed "
                      "since: not counted as misses.");
  rereview_table(p, NULL);
  section_close(p);
  frame_close(p);
}

/* ---- a feedback page ----------------------------------------------------- */

/* One miss, as a lead would explain it. */
static void miss(page *p, const json_t *m) {
  const char *qid = str(m, "question");
  const char *type = question_type(p, qid);
  /* the case's title, rationale and criteria are in grade.json's
   * `cases`, once per case */
  const json_t *cs = str(m, "case") ? get(get(p->grade, "cases"), str(m, "case"))
                                    : NULL;
  tag_open(p, CB_TAG_ARTICLE, "miss");
  tag_open(p, CB_TAG_H3, NULL);
  text(p, str(cs, "title") ? str(cs, "title")
                           : str(m, "item") ? str(m, "item") : "?");
  close_(p);
  tag_open(p, CB_TAG_DL, "miss-facts");
  tag_open(p, CB_TAG_DIV, NULL);
  leaf(p, CB_TAG_DT, NULL, "Item");
  tag_open(p, CB_TAG_DD, NULL);
  leaf(p, CB_TAG_CODE, NULL, str(m, "item"));
  close_(p);
  close_(p);
  tag_open(p, CB_TAG_DIV, NULL);
  leaf(p, CB_TAG_DT, NULL, "Question");
  tag_open(p, CB_TAG_DD, NULL);
  if (qid) {
    const json_t *q = get(get(p->grade, "questions"), qid);
    const json_t *url = get(m, "question_url") ? get(m, "question_url")
                                               : get(q, "url");
    site_code_link(p, url, qid);
    if (str(q, "title")) {
      text(p, " ");
      text(p, str(q, "title"));
    }
  }
  close_(p);
  close_(p);
  if (str(m, "response")) {
    tag_open(p, CB_TAG_DIV, NULL);
    leaf(p, CB_TAG_DT, NULL, "Response");
    leaf(p, CB_TAG_DD, NULL, str(m, "response"));
    close_(p);
  }
  tag_open(p, CB_TAG_DIV, "their-answer");
  leaf(p, CB_TAG_DT, NULL, "Answer given");
  tag_open(p, CB_TAG_DD, NULL);
  answer(p, get(m, "answer"), type, get(m, "answer_url"));
  close_(p);
  close_(p);
  tag_open(p, CB_TAG_DIV, "gold-answer");
  leaf(p, CB_TAG_DT, NULL, "Gold answer");
  tag_open(p, CB_TAG_DD, NULL);
  answer(p, get(m, "gold"), type, get(m, "gold_url"));
  close_(p);
  close_(p);
  const json_t *criteria = get(cs, "criteria");
  if (json_array_size(criteria) > 0) {
    tag_open(p, CB_TAG_DIV, NULL);
    leaf(p, CB_TAG_DT, NULL, "Criteria");
    tag_open(p, CB_TAG_DD, NULL);
    size_t i;
    const json_t *c;
    json_array_foreach(criteria, i, c) {
      if (i)
        text(p, ", ");
      const char *label = str(c, "title") ? str(c, "title") : str(c, "id");
      site_link(p, get(c, "url"), NULL, label ? label : "?");
    }
    close_(p);
    close_(p);
  }
  close_(p); /* dl */
  if (str(cs, "rationale")) {
    tag_open(p, CB_TAG_DIV, "rationale");
    leaf(p, CB_TAG_P, NULL, str(cs, "rationale"));
    close_(p);
  }
  const char *href = site_href(p, get(m, "url"));
  if (href) {
    tag_open(p, CB_TAG_P, "case-link");
    cb_html__open_link(&p->h, href, NULL);
    text(p, "Read case ");
    leaf(p, CB_TAG_CODE, NULL,
         str(m, "case") ? str(m, "case") : str(m, "item"));
    text(p, " in the guideline");
    close_(p);
    close_(p);
  }
  close_(p); /* article */
}

static void feedback(page *p, const char *name, const json_t *a) {
  const char *title = str(p->grade, "title");
  char buf[32];
  cb_buf_reset(&p->scratch);
  cb_buf_puts(&p->scratch, "Feedback for ");
  cb_buf_puts(&p->scratch, name);
  frame_open(p, p->scratch.failed ? "Feedback" : cb_buf_cstr(&p->scratch),
             title);
  tag_open(p, CB_TAG_HEADER, "grade-head");
  tag_open(p, CB_TAG_P, "back");
  cb_html__link(&p->h, "../report.html", NULL, "← The grade report");
  close_(p);
  tag_open(p, CB_TAG_H1, NULL);
  text(p, "Feedback for ");
  leaf(p, CB_TAG_SPAN, "annotator", name);
  close_(p);
  if (title) {
    tag_open(p, CB_TAG_P, "book");
    text(p, "Guideline: ");
    text(p, title);
    close_(p);
  }
  version_line(p);
  close_(p);

  section_open(p, "figures", "Figures");
  tag_open(p, CB_TAG_DL, "totals");
  term(p, "Annotations", count(buf, get(a, "annotations")));
  term(p, "Gold items", count(buf, get(a, "gold_items")));
  term(p, "Answers on gold items", count(buf, get(a, "gold_answers")));
  term(p, "Correct", count(buf, get(a, "correct")));
  term(p, "Accuracy", fig(buf, get(a, "accuracy")));
  term(p, "Misses", count(buf, get(a, "misses")));
  term(p, "To re-review", count(buf, get(a, "rereview")));
  close_(p);
  json_t *qs = get(a, "questions");
  if (json_object_size(qs) > 0) {
    static const char *const cols[] = {"Question", "Answers", "Correct",
                                       "Accuracy", "Estimated accuracy"};
    table_open(p, "per-question", "Figures per question", cols, 5);
    const char *qid;
    const json_t *q;
    json_object_foreach(qs, qid, q) {
      tag_open(p, CB_TAG_TR, NULL);
      th_row_open(p, NULL);
      question_link(p, qid);
      close_(p);
      td_count(p, get(q, "answers"));
      td_count(p, get(q, "correct"));
      td_fig(p, get(q, "accuracy"));
      td_fig(p, get(q, "estimated_accuracy"));
      close_(p);
    }
    table_close(p);
    json_object_foreach(qs, qid, q) {
      if (!json_is_object(get(q, "confusion")))
        continue;
      tag_open(p, CB_TAG_H3, NULL);
      text(p, "Confusions on ");
      question_link(p, qid);
      close_(p);
      confusion(p, get(q, "confusion"), qid);
    }
  }
  section_close(p);

  section_open(p, "misses", "Misses");
  const json_t *misses = get(p->grade, "misses");
  size_t i, n = 0;
  const json_t *m;
  json_array_foreach(misses, i, m) {
    const char *who = str(m, "annotator");
    if (who && strcmp(who, name) == 0) {
      if (n == 0)
        para(p, "overview", "Each answer on a gold item that differs from "
                            "the gold answer, with the case that decides "
                            "it and the parts of the guideline to read.");
      miss(p, m);
      n++;
    }
  }
  if (n == 0)
    para(p, "none", "No misses: every answer on a gold item matched the gold "
                    "answer.");
  section_close(p);

  section_open(p, "rereview", "To re-review");
  rereview_table(p, name);
  section_close(p);
  frame_close(p);
}

/* ---- files --------------------------------------------------------------- */

static int write_page(page *p, const char *outdir, const char *name) {
  cb_buf path = {0};
  int err;
  if (cb_html__failed(&p->h) || p->href.failed || p->scratch.failed)
    return cb_ctx__fail(p->ctx, CB_ENOMEM, "out of memory");
  cb_buf_printf(&path, "%s/%s", outdir, name);
  if (path.failed)
    err = cb_ctx__fail(p->ctx, CB_ENOMEM, "out of memory");
  else
    err = cb_output__file(p->ctx, cb_buf_cstr(&path), p->h.buf.data,
                          p->h.buf.len, CB_OUTPUT_KEEP_SAME);
  cb_buf_free(&path);
  return err;
}

/* report.css: the site's stylesheet, then the report's own. */
static int write_css(cb_ctx *ctx, const char *outdir) {
  static const char *const names[] = {"templates/style.css",
                                      "templates/grade.css"};
  cb_buf css = {0}, path = {0};
  int err = 0;
  for (size_t i = 0; i < 2; i++) {
    const cb_embedded *e = cb_embed__find(names[i]);
    if (!e) {
      err = cb_ctx__fail(ctx, CB_ENOTFOUND, "%s is not embedded", names[i]);
      goto done;
    }
    cb_buf_append(&css, (const char *)e->data, e->len);
    cb_buf_puts(&css, "\n");
  }
  cb_buf_printf(&path, "%s/report.css", outdir);
  if (css.failed || path.failed) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  err = cb_output__file(ctx, cb_buf_cstr(&path), css.data, css.len,
                        CB_OUTPUT_KEEP_SAME);
done:
  cb_buf_free(&css);
  cb_buf_free(&path);
  return err;
}

int cb_grade_html__write(cb_ctx *ctx, const json_t *grade, const char *outdir,
                         const char *site_prefix) {
  page p;
  int err;
  cb_buf dir = {0};
  memset(&p, 0, sizeof p);
  p.ctx = ctx;
  p.grade = grade;
  p.site_prefix = site_prefix ? site_prefix : "../";
  if (!json_is_object(grade))
    return cb_ctx__fail(ctx, CB_EUSAGE, "grade.json: not an object");
  const char *name;
  const json_t *a;
  json_object_foreach(get(grade, "annotators"), name, a) {
    if (!page_name_ok(str(a, "page"))) {
      return cb_ctx__fail(ctx, CB_EUSAGE,
                          "grade.json: the page of an annotator is not "
                          "\"annotators/NAME.html\" with NAME of "
                          "[A-Za-z0-9._-]");
    }
  }
  if ((err = cb_output__begin(ctx, outdir)) < 0)
    goto done;
  cb_buf_printf(&dir, "%s/annotators", outdir);
  if (dir.failed) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  if ((err = cb_output__mkdirs(ctx, cb_buf_cstr(&dir))) < 0)
    goto done;
  if ((err = write_css(ctx, outdir)) < 0)
    goto done;
  report(&p);
  if ((err = write_page(&p, outdir, "report.html")) < 0)
    goto done;
  p.nested = 1;
  json_object_foreach(get(grade, "annotators"), name, a) {
    cb_html__reset(&p.h);
    p.n_charts = 0;
    feedback(&p, name, a);
    if ((err = write_page(&p, outdir, str(a, "page"))) < 0)
      goto done;
  }
done:
  cb_html__free(&p.h);
  cb_buf_free(&p.href);
  cb_buf_free(&p.scratch);
  cb_buf_free(&dir);
  return err;
}
