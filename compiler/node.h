/* SPDX-License-Identifier: MIT */
/*
 * node.h: the chapter being extracted, and what the walk over its sections
 * (extract.c) and the reading of an element's data blocks (blocks.c) both
 * ask of a cmark-gfm node: its position, its plain text, its HTML with
 * its links recorded, whether a string is an id. Beneath both, so that
 * neither calls the other's helpers.
 */
#ifndef CB_NODE_H
#define CB_NODE_H

#include <cmark-gfm.h>

#include "ctx.h"
#include "strmap.h"

/* Collects the elements of every chapter. Arrays are cb_malloc'd and
 * moved into the arena by cb_extract__finish. */
typedef struct cb_builder {
  cb_ctx *ctx;
  const cb_manifest *manifest;
  cb_question *questions;
  size_t n_questions, cap_questions;
  cb_criterion *criteria;
  size_t n_criteria, cap_criteria;
  cb_case *cases;
  size_t n_cases, cap_cases;
  cb_link *links;
  size_t n_links, cap_links;
  /* Question ids seen by the prescan and the extraction: a bullet list is
   * a property list when it names one of them (or a reserved key). */
  cb_strmap question_ids;
  int failed; /* out of memory: stop */
} cb_builder;

/* The element being read: its section's rendered prose and the data
 * blocks collected so far. */

typedef enum { EL_NONE = 0, EL_QUESTION, EL_CRITERION, EL_CASE } el_kind;

typedef struct element {
  el_kind kind;
  int level;
  size_t index;
  cb_buf html, text;
  int have_props, have_options, have_resp_table;
  cb_prop *props;
  size_t n_props, cap_props;
  cb_option *options;
  size_t n_options, cap_options;
  cb_input *inputs;
  size_t n_inputs, cap_inputs;
  cb_answer *answers;
  size_t n_answers, cap_answers;
  cb_list *lists;
  size_t n_lists, cap_lists;
  cb_loc options_loc, resp_loc;
  cb_strlist table_rows;
} element;

/* The state of the chapter being extracted. */
typedef struct chapter_state {
  cb_builder *b;
  cmark_node *doc;   /* the chapter's tree */
  cmark_node *batch; /* prose blocks waiting to be rendered together */
  cb_chapter *ch;
  uint32_t chapter;
  const cb_file *file;
  const size_t *line_start; /* byte offset of each line (1-based index) */
  size_t n_lines;
  element el;
  cb_buf prose; /* a run of chapter prose outside elements */
  cb_item *items;
  size_t n_items, cap_items;
  cb_heading *headings;
  size_t n_headings, cap_headings;
  cb_strmap slugs;
  cb_buf chapter_text;
  int unsafe_html;
} chapter_state;

/* The position of node in the chapter. */
cb_loc cb_node__loc(chapter_state *s, cmark_node *n);
/* The bytes of source line (1-based) without its end; "" past the end. */
const char *cb_node__src_line(chapter_state *s, uint32_t line,
                                 size_t *len);
/* Plain text of node, trimmed, in the arena (NULL: out of memory, and
 * b->failed set). */
char *cb_node__node_text(cb_builder *b, cmark_node *node);
/* s[0..len) trimmed, in the arena (NULL: out of memory, b->failed set). */
char *cb_node__trimmed(cb_builder *b, const char *s, size_t len);
/* Renders node as HTML into out, its links recorded first. */
void cb_node__render_block(chapter_state *s, cmark_node *node,
                              cb_buf *out);
/* Copies n elements of vec into the arena and frees vec (NULL if n is 0;
 * b->failed set when out of memory). */
void *cb_node__to_arena(cb_builder *b, void *vec, size_t n, size_t elem);
/* Reports a hidden-character error when id holds a character an id may
 * not (cb_utf8__hidden: a bidirectional control, a zero-width space...),
 * at that character on loc's line (what: "option id"...). Returns 1 when
 * it did, and the caller then drops the element of that id. */
int cb_node__hidden_id(chapter_state *s, cb_loc loc, const char *what,
                          const char *id);
/* Is s[0..len) an id: [A-Za-z0-9][A-Za-z0-9._-]*, at most 128 bytes? */
int cb_node__valid_id(const char *s, size_t len);
int cb_node__is_space(int c);

/* ASCII letters and digits (isalnum's table lookup is a call per byte);
 * the characters of an id. */
static inline int cb_node__is_alnum(int c) {
  return (c >= '0' && c <= '9') || ((unsigned)c | 0x20) - 'a' < 26;
}
static inline int cb_node__is_id_char(int c) {
  return cb_node__is_alnum(c) || c == '.' || c == '_' || c == '-';
}

/* Normalizes a property key: lower case, ' ' and '_' read as '-'. */
char *cb_node__norm_key(cb_arena *a, const char *key, size_t len);

/* Appends the plain text of node's subtree (inline literals, code, breaks
 * as spaces, blocks separated by newlines). With s, also records every
 * link and image in the book's link table, and points its URL at the
 * entry ("cb-link:N") for the emitter (one pass for both). */
void cb_node__scan_text(chapter_state *s, cmark_node *node, cb_buf *out);
/* Records every link and image under node (as cb_node__scan_text). */
void cb_node__record_links(chapter_state *s, cmark_node *node);

#endif
