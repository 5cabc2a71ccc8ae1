/* SPDX-License-Identifier: MIT */
/*
 * casebook/model.h: the compiled model of a casebook project.
 *
 * The model is plain C data. Every string and array below lives in the
 * arena of the cb_ctx that loaded the book and is freed with it; nothing
 * here is ever freed on its own. Consumers (the Lua rules, the emitters,
 * an editor plugin) only read it. The functions at the end find an
 * element by id and name the values of the enumerations.
 *
 * Strings are NUL-terminated UTF-8 unless a length is given next to them;
 * input texts carry a length because they are taken byte for byte, may
 * hold anything and are not NUL-terminated.
 */
#ifndef CASEBOOK_MODEL_H
#define CASEBOOK_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "casebook/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A position in a source file: index into cb_book.files, 1-based line and
 * 1-based byte column. line == 0 means "the whole file". A range when
 * end_line is set: end_line and end_col are the line and byte column of
 * its last byte (inclusive, as cmark-gfm counts), so a one-byte range has
 * end_col == col; end_line == 0 when only the start is known. */
typedef struct cb_loc {
  uint32_t file;
  uint32_t line;
  uint32_t col;
  uint32_t end_line;
  uint32_t end_col;
} cb_loc;

/* A source file of the project (chapters and the manifest). */
/* What is known of an element's history when the book comes from git:
 * whether it changed since the base revision of the build (--since, the
 * previous tag by default) and the last commit that changed it. All NULL
 * or 0 outside git. */
typedef enum cb_change_state {
  CB_UNCHANGED = 0,
  CB_ADDED,  /* not in the base revision */
  CB_CHANGED /* in the base revision, different */
} cb_change_state;

typedef struct cb_history {
  cb_change_state state; /* since book->since */
  const char *last_commit; /* full id of the last commit that changed it */
  const char *last_date;   /* its ISO 8601 date */
  const char *last_label;  /* its tag or `git describe` name, or NULL */
} cb_history;

typedef struct cb_file {
  const char *path; /* relative to the project root, '/' separated */
  const char *text; /* the bytes as read (may hold NUL), NUL-terminated */
  size_t len;
} cb_file;

/* A list of strings with their positions (ids in a property value ...). */
typedef struct cb_strlist {
  const char **items;
  cb_loc *locs; /* may be NULL when positions are not known */
  size_t n;
} cb_strlist;

/* A free-form attribute: an extra column of an option table, or a key of a
 * property list the compiler does not interpret. */
typedef struct cb_attr {
  const char *key;
  const char *value;
} cb_attr;

typedef enum cb_qtype {
  CB_Q_CHOICE = 0,
  CB_Q_MULTI,
  CB_Q_SCALE,
  CB_Q_RANK,
  CB_Q_PAIRWISE,
  CB_Q_TEXT
} cb_qtype;

typedef enum cb_scope { CB_SCOPE_CASE = 0, CB_SCOPE_RESPONSE } cb_scope;

/* What a final case is for (docs/format.md, "What cases are for"):
 * training (gold and rationale shown to the annotator), exam (a
 * qualification set: nothing of the gold in what the annotator sees),
 * honeypot (gold tasks mixed into production, looking like any other). */
typedef enum cb_use { CB_USE_TRAINING = 0, CB_USE_EXAM, CB_USE_HONEYPOT } cb_use;

/* An option of a choice/multi question, or a labelled value of a scale. */
typedef struct cb_option {
  const char *id;           /* option id, or the score as written */
  int value;                /* for scale labels: the integer value */
  const char *meaning_html; /* rendered Markdown of the meaning cell */
  const char *meaning_text; /* the same as plain text */
  cb_attr *attrs;           /* further columns: header -> cell text */
  size_t n_attrs;
  cb_loc loc;
  cb_history history;
} cb_option;

/* A property as written: key as written, value text, positions. */
typedef struct cb_prop {
  const char *key;  /* normalized: lower case, ' ' and '_' read as '-' */
  const char *raw_key;
  const char *value;
  cb_loc key_loc;
  cb_loc value_loc;
} cb_prop;

/* A bullet list of an element's section that looks like properties but
 * was not taken as the property list (see cb_list_issue). The rules
 * report these ("mixed property list", "answers in two places",
 * "misspelt property"). */
typedef enum cb_list_issue {
  CB_LIST_MIXED = 0, /* some items are key: value, some are not */
  CB_LIST_SECOND,    /* a second property list in the same element */
  CB_LIST_UNCLAIMED  /* every item is key: value, but no key names a
                        question or a reserved key: read as prose (a rule
                        looks for misspelt keys) */
} cb_list_issue;

typedef struct cb_list_item {
  const char *key;  /* normalized key, NULL if the item is not key: value */
  const char *text; /* the item's plain text */
  cb_loc loc;
} cb_list_item;

typedef struct cb_list {
  cb_list_issue issue;
  cb_list_item *items;
  size_t n_items;
  cb_loc loc;
} cb_list;

/* Prose of an element or chapter: rendered HTML and plain text. In the
 * HTML every link's href is "cb-link:N", N an index into cb_book.links; an
 * emitter replaces it with the resolved target (cb_link.href). */
typedef struct cb_prose {
  const char *html;
  const char *text;
} cb_prose;

typedef struct cb_question {
  const char *id;
  const char *title; /* may be "" */
  cb_loc loc;        /* the heading */
  uint32_t chapter;
  cb_qtype type;
  const char *type_raw;   /* the type value as written, NULL if defaulted */
  int scale_min, scale_max; /* for CB_Q_SCALE */
  int required;
  const char *when;   /* Lua expression, NULL if none */
  cb_loc when_loc;
  const char *hint;   /* defaults to the title */
  cb_strlist responses; /* for rank/pairwise: compared response names */
  cb_scope scope;
  /* min-replies: N: asked only of cases with at least N responses (rank
   * and pairwise questions); 0 when not given. */
  int min_replies;
  cb_option *options;
  size_t n_options;
  cb_loc options_loc; /* the options table, line 0 if none */
  cb_prop *props;     /* the property list as written */
  size_t n_props;
  cb_prose guidance;
  cb_list *lists; /* suspect lists, see cb_list */
  size_t n_lists;
  cb_history history;
} cb_question;

typedef struct cb_criterion {
  const char *id;
  const char *title;
  cb_loc loc;
  uint32_t chapter;
  cb_strlist applies_to;
  const char *severity; /* NULL if not given */
  const char *points;   /* NULL if not given (for judge rubrics) */
  cb_prop *props;
  size_t n_props;
  cb_prose prose;
  cb_list *lists;
  size_t n_lists;
  cb_history history;
} cb_criterion;

typedef enum cb_input_kind {
  CB_IN_PROMPT = 0,
  CB_IN_RESPONSE,
  CB_IN_SYSTEM,
  CB_IN_CONTEXT,
  CB_IN_USER,
  CB_IN_ASSISTANT
} cb_input_kind;

/* The name an unnamed response (a fence of just ```response) goes by in
 * the model and in every output: answers, Response tables, annotation
 * files and judge answers refer to it by this name. A case with two or
 * more responses must name each (rule response-names), so it never
 * meets a response of the same name in a valid book. */
#define CB_UNNAMED_RESPONSE "response"

/* A verbatim input of a case, byte for byte from the fenced block. */
typedef struct cb_input {
  cb_input_kind kind;
  const char *name; /* response name ("A", "1"; CB_UNNAMED_RESPONSE if
                       unnamed), else NULL */
  const char *info; /* the whole info string */
  const char *text; /* len bytes, not NUL-terminated: often a slice of
                       the chapter's source */
  size_t len;
  cb_loc loc; /* the opening fence */
  char fence; /* the fence's character: '`' or '~' */
  int unnamed; /* 1 for a response whose fence gives no name */
} cb_input;

typedef enum cb_value_kind {
  CB_V_NONE = 0, /* not parsed: unknown question, or text not understood */
  CB_V_OPTION,   /* choice: items[0] */
  CB_V_OPTIONS,  /* multi: items[] (empty for "none") */
  CB_V_NUMBER,   /* scale: number */
  CB_V_RANK,     /* rank: items[] best first, tied[i] = item i ties i-1 */
  CB_V_PAIRWISE, /* pairwise: items[0] preferred (or "tie"), strength */
  CB_V_TEXT      /* text: the value */
} cb_value_kind;

/* One gold answer: a question id given a value in a case. */
typedef struct cb_answer {
  const char *key;      /* as normalized from the property key */
  const char *raw;      /* the value as written, trimmed */
  const char *response; /* per-response answer: the response name, or NULL */
  int question;         /* index into cb_book.questions, -1 if unknown */
  cb_value_kind kind;
  const char **items;
  unsigned char *tied;
  size_t n_items;
  long long number;
  int strength; /* pairwise: 0 for tie, 1 for "A" or "A>B", 2 for "A>>B" */
  const char *error; /* why the value could not be parsed, or NULL */
  cb_loc key_loc;
  cb_loc value_loc;
} cb_answer;

typedef enum cb_status {
  CB_STATUS_FINAL = 0,
  CB_STATUS_DRAFT,
  CB_STATUS_DISPUTED
} cb_status;

typedef struct cb_case {
  const char *id;
  const char *title;
  cb_loc loc;
  uint32_t chapter;
  cb_input *inputs; /* in source order */
  size_t n_inputs;
  cb_answer *answers; /* property list answers, then table answers */
  size_t n_answers;
  cb_strlist criteria;
  cb_strlist tags;
  cb_status status;
  const char *status_raw; /* NULL if defaulted */
  const char *source;     /* NULL if not given */
  cb_prop *props;
  size_t n_props;
  cb_loc responses_table_loc; /* the Response table, line 0 if none */
  cb_strlist table_rows;      /* its rows' response names, in order */
  cb_prose rationale;
  cb_list *lists;
  size_t n_lists;
  cb_history history;
} cb_case;

typedef struct cb_heading {
  int level;
  const char *text; /* plain text */
  const char *slug; /* GitHub-style anchor, unique within the chapter */
  cb_loc loc;
} cb_heading;

typedef enum cb_link_kind {
  CB_LINK_EXTERNAL = 0, /* a URL with a scheme, or mailto: */
  CB_LINK_RELATIVE,     /* other.md#anchor, #anchor, images/x.png */
  CB_LINK_CASE,
  CB_LINK_QUESTION,
  CB_LINK_CRITERION,
  CB_LINK_OPTION,
  CB_LINK_UNSAFE /* javascript:, vbscript:, data: (but images): neutralised */
} cb_link_kind;

typedef struct cb_link {
  cb_link_kind kind;
  const char *url;    /* as written */
  const char *target; /* element id, "question/option", or path */
  const char *anchor; /* for relative links: the part after '#', or NULL */
  const char *text;   /* the link text, plain */
  int is_image;
  uint32_t chapter; /* chapter containing the link */
  cb_loc loc;
  /* Filled by resolution (cb_book_load): where the link points in the
   * HTML site, e.g. "chapter.html#case-x"; NULL if it could not be
   * resolved (a rule reports it). */
  const char *href;
  /* For a link to another file of the project (an image, a PDF): its
   * project-relative path; the site copies it to html/assets/<asset>. */
  const char *asset;
} cb_link;

/* Items of a chapter in document order, for rendering. */
typedef enum cb_item_kind {
  CB_ITEM_PROSE = 0, /* html: a run of prose blocks outside elements */
  CB_ITEM_HEADING,   /* index: into the chapter's headings */
  CB_ITEM_QUESTION,  /* index: into cb_book.questions */
  CB_ITEM_CRITERION,
  CB_ITEM_CASE
} cb_item_kind;

typedef struct cb_item {
  cb_item_kind kind;
  size_t index;
  const char *html; /* CB_ITEM_PROSE only */
} cb_item;

typedef struct cb_chapter {
  uint32_t file; /* index into cb_book.files */
  const char *path;
  const char *title; /* the first heading's text, else the file name */
  const char *slug;  /* output page base name, e.g. "harm" for harm.md */
  cb_heading *headings;
  size_t n_headings;
  cb_item *items;
  size_t n_items;
  size_t first_link, n_links; /* range in cb_book.links */
  cb_prose prose; /* the text outside elements (html unused: see items) */
  /* <!-- casebook-use: exam -->: what the chapter's cases are for, NULL
   * when the chapter does not say (or says something invalid, reported). */
  const char *use;
} cb_chapter;

/* Severity a manifest gives a rule. */
typedef enum cb_severity {
  CB_SEV_NOTE = 0,
  CB_SEV_WARNING,
  CB_SEV_ERROR,
  CB_SEV_OFF,
  CB_SEV_DEFAULT /* not set by the manifest */
} cb_severity;

typedef struct cb_rule_config {
  const char *id;
  cb_severity severity;
  int options_ref; /* Lua registry reference of an options table, or -1 */
  cb_loc loc;
} cb_rule_config;

typedef struct cb_field {
  const char *name;
  const char *kind;  /* input kind: "prompt", "response", ... */
  const char *label; /* display label */
} cb_field;

/* The manifest casebook.lua, as data. */
typedef struct cb_manifest {
  int present;
  const char *title;   /* NULL if not given */
  const char *version; /* NULL if not given */
  cb_strlist chapters; /* paths or globs */
  cb_strlist exclude;
  cb_rule_config *rules;
  size_t n_rules;
  cb_strlist outputs;
  /* Localized keywords: each list holds all accepted words (the English
   * keyword is always included). */
  cb_strlist kw_question, kw_criterion, kw_case;
  cb_field *fields;
  size_t n_fields;
  int unsafe_html;
  /* changes = { breaking = "error", ... }: the level of the changes of
   * each category under `check --against` (indexed by
   * cb_change_category), CB_SEV_DEFAULT where not set. */
  cb_severity change_levels[5];
  /* site_url = "https://...": where the site is published, so that what
   * is read outside it (tool guidelines, instructions) can link to it;
   * NULL if not given. Always an http(s) URL ending in '/'. */
  const char *site_url;
  /* language = "zh": the language of the guideline, a BCP 47 tag; NULL
   * if not given (English). */
  const char *language;
  /* strings = { search_label = "Find", ... }: the project's words for the
   * site, over the built-in ones of its language: ui_keys[i] (a key of
   * compiler/ui_strings.h) is shown as ui_texts[i]. */
  cb_strlist ui_keys, ui_texts;
  /* use = "training" | "exam" | "honeypot": what the cases are for when
   * neither the case nor its chapter says; NULL if not given. */
  const char *use;
} cb_manifest;

/* One change between two books (casebook diff, the changes page). */
typedef enum cb_change_category {
  CB_CHANGE_BREAKING = 0, /* invalidates existing annotations */
  CB_CHANGE_GOLD,         /* a gold answer changed, a final case removed */
  CB_CHANGE_SEMANTIC,     /* the meaning of a definition was reworded */
  CB_CHANGE_ADDITIVE,     /* something new */
  CB_CHANGE_COSMETIC,     /* no change of meaning */
  CB_CHANGE_TRUST         /* the build trusts more code or markup: raw
                             HTML allowed, a project template or rule
                             added or changed */
} cb_change_category;

typedef struct cb_change {
  cb_change_category category;
  const char *kind;    /* stable id: "option-removed", "gold-changed"... */
  const char *element; /* id of the element (the new one when both) */
  const char *what;    /* "question", "option", "criterion", "case",
                          "section", "chapter", "manifest" */
  const char *message; /* one line of plain text */
  const char *before;  /* the old value shown, or NULL */
  const char *after;   /* the new value shown, or NULL */
  cb_loc loc;          /* in the new book, line 0 when removed */
} cb_change;

/* The version stamp of a build. */
typedef struct cb_stamp {
  const char *commit;   /* NULL outside git */
  const char *describe; /* NULL if no tag */
  const char *date;     /* ISO 8601 commit date, NULL outside git */
  int dirty;
  const char *version; /* the manifest's version, or NULL */
} cb_stamp;

typedef struct cb_book {
  const char *root; /* the project directory as given */
  cb_file *files;
  size_t n_files;
  cb_manifest manifest;
  cb_chapter *chapters;
  size_t n_chapters;
  cb_question *questions;
  size_t n_questions;
  cb_criterion *criteria;
  size_t n_criteria;
  cb_case *cases;
  size_t n_cases;
  cb_link *links;
  size_t n_links;
  cb_stamp stamp;
  /* History (git only): the base revision of the changed markers as
   * given, its label, and the changes since it; NULL and 0 otherwise. */
  const char *since;
  const char *since_label;
  cb_change *changes;
  size_t n_changes;
} cb_book;

/* ---- Lookups ----------------------------------------------------------- */

/* Finds an element by id; NULL if none (borrowed). */
CB_EXTERN const cb_question *cb_book_question(const cb_book *book,
                                              const char *id);
CB_EXTERN const cb_criterion *cb_book_criterion(const cb_book *book,
                                                const char *id);
CB_EXTERN const cb_case *cb_book_case(const cb_book *book, const char *id);
/* The option of a question by id, NULL if none. */
CB_EXTERN const cb_option *cb_question_option(const cb_question *q,
                                              const char *id);

/* Names used in outputs. Static strings. */
CB_EXTERN const char *cb_qtype_name(cb_qtype t);
CB_EXTERN const char *cb_input_kind_name(cb_input_kind k);
CB_EXTERN const char *cb_status_name(cb_status s);
CB_EXTERN const char *cb_use_name(cb_use u);

/* What case c is for: its `use` property, else its chapter's
 * <!-- casebook-use: ... -->, else the manifest's `use`, else training.
 * An invalid value is reported where it is written and skipped. */
CB_EXTERN cb_use cb_case_use(const cb_book *book, const cb_case *c);
/* The cb_use of a name ("training", "exam", "honeypot"); -1 if none. */
CB_EXTERN int cb_use_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif
