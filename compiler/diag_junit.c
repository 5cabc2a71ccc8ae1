/* SPDX-License-Identifier: MIT */
/*
 * diag_junit.c: the diagnostics as a JUnit XML report: a test suite per
 * chapter with a test case per case of it, a failure per error, warnings
 * and notes as system-out. The report is built as a libxml2 tree and
 * serialized, so every value is escaped by libxml2; the first ':' of a
 * line is written as a character reference so that no line starts with a
 * workflow command.
 */
#include <libxml/globals.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "diag_format.h"
#include "strmap.h"
#include "utf8.h"

/* Where each case's section lies, to find the case of a line: per
 * chapter, its cases in document order with the line of their heading
 * and of the next element or heading (exclusive). */
typedef struct case_span {
  uint32_t start, end;
  size_t index; /* into cb_book.cases */
} case_span;

typedef struct junit_index {
  int32_t *chapter_of_file; /* book file -> chapter, -1 when none */
  case_span *spans;         /* every chapter's cases, chapter by chapter */
  size_t *span_start;       /* chapter c's spans: [span_start[c], [c+1]) */
  cb_strmap case_ids;       /* case id -> index of its first case */
} junit_index;

/* The line of item i of a chapter, 0 for prose or an index out of range. */
static uint32_t item_line(const cb_book *b, const cb_chapter *chap,
                          const cb_item *it) {
  switch (it->kind) {
  case CB_ITEM_CASE:
    return it->index < b->n_cases ? b->cases[it->index].loc.line : 0;
  case CB_ITEM_QUESTION:
    return it->index < b->n_questions ? b->questions[it->index].loc.line : 0;
  case CB_ITEM_CRITERION:
    return it->index < b->n_criteria ? b->criteria[it->index].loc.line : 0;
  case CB_ITEM_HEADING:
    return it->index < chap->n_headings ? chap->headings[it->index].loc.line
                                        : 0;
  default:
    return 0;
  }
}

static int junit_index_build(junit_index *x, const cb_book *b) {
  x->chapter_of_file = cb_malloc((b->n_files + 1) * sizeof *x->chapter_of_file);
  x->spans = cb_malloc((b->n_cases + 1) * sizeof *x->spans);
  x->span_start = cb_calloc(b->n_chapters + 1, sizeof *x->span_start);
  if (!x->chapter_of_file || !x->spans || !x->span_start)
    return CB_ENOMEM;
  for (size_t i = 0; i < b->n_files; i++)
    x->chapter_of_file[i] = -1;
  size_t n = 0;
  for (size_t c = 0; c < b->n_chapters; c++) {
    const cb_chapter *chap = &b->chapters[c];
    if (chap->file < b->n_files)
      x->chapter_of_file[chap->file] = (int32_t)c;
    x->span_start[c] = n;
    for (size_t i = 0; i < chap->n_items && n < b->n_cases; i++) {
      const cb_item *it = &chap->items[i];
      if (it->kind != CB_ITEM_CASE || it->index >= b->n_cases)
        continue;
      uint32_t end = UINT32_MAX;
      for (size_t j = i + 1; j < chap->n_items && end == UINT32_MAX; j++) {
        uint32_t l = item_line(b, chap, &chap->items[j]);
        if (l)
          end = l;
      }
      x->spans[n++] = (case_span){b->cases[it->index].loc.line, end, it->index};
    }
  }
  x->span_start[b->n_chapters] = n;
  for (size_t k = 0; k < b->n_cases; k++)
    if (b->cases[k].id &&
        cb_strmap_put(&x->case_ids, b->cases[k].id, k, NULL) < 0)
      return CB_ENOMEM;
  return 0;
}

static void junit_index_free(junit_index *x) {
  cb_free(x->chapter_of_file);
  cb_free(x->spans);
  cb_free(x->span_start);
  cb_strmap_free(&x->case_ids);
}

/* Who a diagnostic belongs to in the report: the case it names, else
 * the case whose section holds its line, else its chapter's own
 * testcase; a case is 0..n_cases, a chapter n_cases + chapter, the
 * project n_cases + n_chapters. */
static size_t junit_owner(const cb_diag_run *r, const cb_diag *g,
                          const junit_index *x) {
  const cb_book *b = r->book;
  size_t project = b->n_cases + b->n_chapters, k;
  if (g->element && cb_strmap_get(&x->case_ids, g->element, &k) &&
      b->cases[k].chapter < b->n_chapters)
    return k;
  if (g->file >= b->n_files || x->chapter_of_file[g->file] < 0)
    return project;
  size_t ch = (size_t)x->chapter_of_file[g->file];
  /* the last case starting at or before the line (starts increase) */
  size_t lo = x->span_start[ch], hi = x->span_start[ch + 1];
  while (g->line && lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->spans[mid].start <= g->line)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (g->line && lo > x->span_start[ch] && g->line < x->spans[lo - 1].end)
    return x->spans[lo - 1].index;
  return b->n_cases + ch;
}

/* The text of a failure or a system-out line: "path:line:col: level:
 * message [rule]" and the suggestion, cleaned for XML, in out. NULL when
 * memory ran out. */
static const char *junit_line(cb_buf *out, cb_diag_run *r, const cb_diag *g) {
  cb_buf raw = {0};
  cb_diag_format__place(&raw, r, g);
  cb_buf_printf(&raw, ": %s: %s [%s]", cb_diag_format__level_name(g->level),
                g->message, g->rule ? g->rule : "");
  if (g->suggestion)
    cb_buf_printf(&raw, "\n  help: did you mean '%s'?", g->suggestion);
  const char *s =
      raw.failed ? NULL
                 : cb_diag_format__clean(out, cb_buf_cstr(&raw), CB_TEXT_HTML);
  cb_buf_free(&raw);
  return s && !out->failed ? s : NULL;
}

/* The report is built as a libxml2 tree and then serialized: the tree
 * calls say when memory runs out, where the 2.9 xmlTextWriter leaks its
 * element stack and writes escaped text as nothing. */
typedef struct junit_writer {
  xmlDocPtr doc;
  xmlNodePtr cur; /* the open element, NULL before the root */
  int bad;        /* a call failed or libxml2 reported an error */
} junit_writer;

/* libxml2's error handlers while the report is built and serialized:
 * serializing reports running out of memory only to them, so any error
 * marks the report bad. */
static void jw_error(void *data, xmlErrorPtr e) {
  (void)e;
  ((junit_writer *)data)->bad = 1;
}

static void jw_generic_error(void *data, const char *msg, ...) {
  (void)msg;
  ((junit_writer *)data)->bad = 1;
}

/* Opens element name inside the open one (or as the root). */
static void jw_start(junit_writer *jw, const char *name) {
  if (jw->bad)
    return;
  xmlNodePtr n = jw->cur ? xmlNewChild(jw->cur, NULL, BAD_CAST name, NULL)
                         : xmlNewDocNode(jw->doc, NULL, BAD_CAST name, NULL);
  if (!n) {
    jw->bad = 1;
    return;
  }
  if (!jw->cur)
    xmlDocSetRootElement(jw->doc, n);
  jw->cur = n;
}

static void jw_end(junit_writer *jw) {
  if (!jw->bad)
    jw->cur = jw->cur->parent && jw->cur->parent->type == XML_ELEMENT_NODE
                  ? jw->cur->parent
                  : NULL;
}

/* An attribute of the open element; the value is escaped when saved. */
static void jw_attr(junit_writer *jw, const char *name, const char *value) {
  if (!jw->bad && !xmlNewProp(jw->cur, BAD_CAST name, BAD_CAST value))
    jw->bad = 1;
}

static void jw_attr_n(junit_writer *jw, const char *name, size_t value) {
  char num[32];
  snprintf(num, sizeof num, "%zu", value);
  jw_attr(jw, name, num);
}

/* Text inside the open element, escaped when saved. */
static void jw_text(junit_writer *jw, const char *text) {
  if (jw->bad)
    return;
  xmlNodePtr t = xmlNewDocText(jw->doc, BAD_CAST text);
  if (!t || !xmlAddChild(jw->cur, t)) {
    xmlFreeNode(t);
    jw->bad = 1;
  }
}

/* One testcase with a failure per error of its diagnostics (idx[0..n)),
 * and the warnings and notes as lines of system-out. */
static void junit_case(junit_writer *jw, cb_diag_run *r, cb_buf *tmp,
                       const char *classname, const char *name,
                       const char *file, uint32_t line, const size_t *idx,
                       size_t n) {
  cb_buf text = {0}, out = {0};
  jw_start(jw, "testcase");
  jw_attr(jw, "classname", cb_diag_format__clean(tmp, classname, CB_TEXT_HTML));
  jw_attr(jw, "name", cb_diag_format__clean(tmp, name, CB_TEXT_HTML));
  if (file) {
    jw_attr(jw, "file", cb_diag_format__clean(tmp, file, CB_TEXT_HTML));
    jw_attr_n(jw, "line", line ? line : 1);
  }
  jw_attr(jw, "time", "0");
  for (size_t i = 0; i < n; i++) {
    const cb_diag *g = &r->d[idx[i]];
    if (g->level != CB_DIAG_ERROR)
      continue;
    jw_start(jw, "failure");
    jw_attr(jw, "message",
            cb_diag_format__clean(tmp, g->message, CB_TEXT_HTML));
    jw_attr(jw, "type", cb_diag_format__clean(tmp, g->rule, CB_TEXT_HTML));
    const char *body = junit_line(&text, r, g);
    if (!body)
      jw->bad = 1;
    jw_text(jw, body ? body : "");
    jw_end(jw);
  }
  for (size_t i = 0; i < n; i++) {
    const cb_diag *g = &r->d[idx[i]];
    if (g->level == CB_DIAG_ERROR)
      continue;
    const char *body = junit_line(&text, r, g);
    if (!body)
      jw->bad = 1;
    cb_buf_puts(&out, body ? body : "");
    cb_buf_putc(&out, '\n');
  }
  if (out.failed)
    jw->bad = 1;
  if (out.len) {
    jw_start(jw, "system-out");
    jw_text(jw, cb_buf_cstr(&out));
    jw_end(jw);
  }
  jw_end(jw);
  if (text.failed)
    jw->bad = 1;
  cb_buf_free(&text);
  cb_buf_free(&out);
}

static int has_error(const cb_diag_run *r, const size_t *idx, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (r->d[idx[i]].level == CB_DIAG_ERROR)
      return 1;
  return 0;
}

/* The repository-relative path of a book file, for classname and file. */
static const char *file_repo_path(cb_diag_run *r, uint32_t file) {
  cb_diag probe = {0};
  probe.file = file;
  probe.path = r->book->files[file].path;
  const char *p = r->prefix ? cb_diag_format__repo_path(r, &probe) : NULL;
  if (p)
    return p;
  /* outside git: the path as the other formats show it */
  const char *root = r->book->root;
  if (!root || strcmp(root, ".") == 0)
    return probe.path;
  size_t n = strlen(root);
  const char *s =
      cb_arena_printf(r->ctx->arena, "%s%s%s", root,
                      n && root[n - 1] == '/' ? "" : "/", probe.path);
  return s ? s : probe.path;
}

/* Writes the serialized report xml[0..len) to fp with the first ':' of
 * any line that would start a workflow command (text of a message that
 * spans lines, a path) as the character reference "&#58;": the same XML,
 * and no command should the report be printed to a CI log. */
static int write_xml(FILE *fp, const char *xml, size_t len) {
  const char *p = xml, *end = xml + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl + 1 : end;
    size_t at = cb_diag_format__command_at(p, (size_t)(e - p));
    if (at != SIZE_MAX) {
      fwrite(p, 1, at, fp);
      fputs("&#58;", fp);
      p += at + 1;
    }
    fwrite(p, 1, (size_t)(e - p), fp);
    p = e;
  }
  return ferror(fp) ? CB_EIO : 0;
}

int cb_diag_format__junit(FILE *fp, cb_diag_run *r) {
  const cb_book *b = r->book;
  cb_book empty = {0};
  if (!b)
    b = r->book = &empty;
  size_t n_owners = b->n_cases + b->n_chapters + 1;
  size_t project = n_owners - 1;
  int err = 0;
  cb_buf tmp = {0};
  junit_index index = {0};
  size_t *owner = cb_malloc((r->n + 1) * sizeof *owner);
  size_t *start = cb_calloc(n_owners + 1, sizeof *start);
  size_t *order = cb_malloc((r->n + 1) * sizeof *order);
  size_t *case_start = cb_calloc(b->n_chapters + 1, sizeof *case_start);
  size_t *cases = cb_malloc((b->n_cases + 1) * sizeof *cases);
  xmlChar *xml = NULL;
  int xml_len = 0;
  junit_writer jw = {0};
  int handler_set = 0;
  xmlStructuredErrorFunc saved_handler = NULL;
  xmlGenericErrorFunc saved_generic = NULL;
  void *saved_context = NULL, *saved_generic_context = NULL;
  if (junit_index_build(&index, b) < 0 || !owner || !start || !order ||
      !case_start || !cases) {
    err = CB_ENOMEM;
    goto done;
  }
  /* diagnostics bucketed by owner, in their sorted order */
  for (size_t i = 0; i < r->n; i++) {
    owner[i] = junit_owner(r, &r->d[i], &index);
    start[owner[i] + 1]++;
  }
  for (size_t k = 0; k < n_owners; k++)
    start[k + 1] += start[k];
  {
    size_t *fill = cb_malloc((n_owners + 1) * sizeof *fill);
    if (!fill) {
      err = CB_ENOMEM;
      goto done;
    }
    memcpy(fill, start, (n_owners + 1) * sizeof *fill);
    for (size_t i = 0; i < r->n; i++)
      order[fill[owner[i]]++] = i;
    cb_free(fill);
  }
  /* cases bucketed by chapter, in book order */
  for (size_t k = 0; k < b->n_cases; k++)
    if (b->cases[k].chapter < b->n_chapters)
      case_start[b->cases[k].chapter + 1]++;
  for (size_t c = 0; c < b->n_chapters; c++)
    case_start[c + 1] += case_start[c];
  {
    size_t *fill = cb_malloc((b->n_chapters + 1) * sizeof *fill);
    if (!fill) {
      err = CB_ENOMEM;
      goto done;
    }
    memcpy(fill, case_start, (b->n_chapters + 1) * sizeof *fill);
    for (size_t k = 0; k < b->n_cases; k++)
      if (b->cases[k].chapter < b->n_chapters)
        cases[fill[b->cases[k].chapter]++] = k;
    cb_free(fill);
  }
#define DIAGS_OF(k) (order + start[k]), (start[(k) + 1] - start[k])
  size_t total_tests = 0, total_failed = 0;
  for (size_t k = 0; k < n_owners; k++) {
    int in_book = k >= b->n_cases || b->cases[k].chapter < b->n_chapters;
    total_tests += in_book;
    total_failed += in_book && has_error(r, DIAGS_OF(k));
  }
  saved_handler = xmlStructuredError;
  saved_context = xmlStructuredErrorContext;
  saved_generic = xmlGenericError;
  saved_generic_context = xmlGenericErrorContext;
  xmlSetStructuredErrorFunc(&jw, jw_error);
  xmlSetGenericErrorFunc(&jw, jw_generic_error);
  handler_set = 1;
  if (!(jw.doc = xmlNewDoc(BAD_CAST "1.0"))) {
    err = CB_ENOMEM;
    goto done;
  }
  jw_start(&jw, "testsuites");
  jw_attr(&jw, "name", "casebook");
  jw_attr_n(&jw, "tests", total_tests);
  jw_attr_n(&jw, "failures", total_failed);
  jw_attr(&jw, "errors", "0");
  jw_attr(&jw, "skipped", "0");
  jw_attr(&jw, "time", "0");
  for (size_t c = 0; c < b->n_chapters && !jw.bad; c++) {
    const cb_chapter *chap = &b->chapters[c];
    const char *path =
        chap->file < b->n_files ? file_repo_path(r, chap->file) : chap->path;
    size_t own = b->n_cases + c;
    size_t n_tests = 1 + case_start[c + 1] - case_start[c];
    size_t n_failed = has_error(r, DIAGS_OF(own));
    for (size_t i = case_start[c]; i < case_start[c + 1]; i++)
      n_failed += has_error(r, DIAGS_OF(cases[i]));
    jw_start(&jw, "testsuite");
    jw_attr(&jw, "name", cb_diag_format__clean(&tmp, path, CB_TEXT_HTML));
    jw_attr_n(&jw, "tests", n_tests);
    jw_attr_n(&jw, "failures", n_failed);
    jw_attr(&jw, "errors", "0");
    jw_attr(&jw, "skipped", "0");
    jw_attr(&jw, "time", "0");
    jw_attr(&jw, "file", cb_diag_format__clean(&tmp, path, CB_TEXT_HTML));
    junit_case(&jw, r, &tmp, path, "chapter", path, 1, DIAGS_OF(own));
    for (size_t i = case_start[c]; i < case_start[c + 1]; i++) {
      const cb_case *cs = &b->cases[cases[i]];
      cb_buf name = {0};
      cb_buf_printf(&name, "case %s", cs->id);
      if (name.failed)
        jw.bad = 1;
      junit_case(&jw, r, &tmp, path, name.failed ? "case" : cb_buf_cstr(&name),
                 path, cs->loc.line, DIAGS_OF(cases[i]));
      cb_buf_free(&name);
    }
    jw_end(&jw);
  }
  /* the project: the manifest, rule files, diagnostics without a file */
  const char *proj = r->prefix ? (*r->prefix ? r->prefix : ".")
                     : b->root ? b->root
                               : ".";
  cb_buf pname = {0};
  cb_buf_puts(&pname, proj);
  if (pname.len > 1 && pname.data[pname.len - 1] == '/')
    pname.data[--pname.len] = '\0';
  if (pname.failed)
    jw.bad = 1;
  int proj_failed = has_error(r, DIAGS_OF(project));
  jw_start(&jw, "testsuite");
  jw_attr(&jw, "name", "project");
  jw_attr(&jw, "tests", "1");
  jw_attr(&jw, "failures", proj_failed ? "1" : "0");
  jw_attr(&jw, "errors", "0");
  jw_attr(&jw, "skipped", "0");
  jw_attr(&jw, "time", "0");
  junit_case(&jw, r, &tmp, pname.failed ? "." : cb_buf_cstr(&pname), "project",
             NULL, 0, DIAGS_OF(project));
  jw_end(&jw);
  cb_buf_free(&pname);
#undef DIAGS_OF
  jw_end(&jw);
  if (!jw.bad)
    xmlDocDumpFormatMemoryEnc(jw.doc, &xml, &xml_len, "UTF-8", 1);
  if (jw.bad || tmp.failed || !xml || xml_len < 0) {
    err = CB_ENOMEM;
    goto done;
  }
  err = write_xml(fp, (const char *)xml, (size_t)xml_len);
done:
  if (xml)
    xmlFree(xml);
  xmlFreeDoc(jw.doc);
  if (handler_set) {
    xmlSetStructuredErrorFunc(saved_context, saved_handler);
    xmlSetGenericErrorFunc(saved_generic_context, saved_generic);
  }
  junit_index_free(&index);
  cb_free(owner);
  cb_free(start);
  cb_free(order);
  cb_free(case_start);
  cb_free(cases);
  cb_buf_free(&tmp);
  if (r->book == &empty)
    r->book = NULL;
  return err;
}
