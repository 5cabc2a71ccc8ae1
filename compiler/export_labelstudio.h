/* SPDX-License-Identifier: MIT */
/*
 * export_labelstudio.h: what the two halves of the Label Studio export
 * share: the plan of controls and the task shapes (export_labelstudio.c,
 * which also writes config.xml) and the tasks (export_labelstudio_tasks.c).
 */
#ifndef CB_EXPORT_LABELSTUDIO_H
#define CB_EXPORT_LABELSTUDIO_H
#include "ctx.h"
#include "export_util.h"
#include "model.h"

/* What a control is made of. */
typedef enum ctl_kind {
  CTL_CHOICES = 0, /* choice, multi, scale not starting at 1 */
  CTL_RATING,      /* scale 1..N */
  CTL_PAIRWISE,    /* with a Choices of the strength beside it */
  CTL_RANKER,      /* List + Ranker with one bucket per place */
  CTL_TEXTAREA
} ctl_kind;

/* One control of the config: a question, or a per-response question for
 * one response field. */
typedef struct control {
  const cb_question *q;
  size_t qi;
  ctl_kind kind;
  const char *name;           /* from_name */
  const char *to_name;        /* the object it labels */
  const char *response;       /* per-response: the response name, else NULL */
  const cb_xfield **compared; /* pairwise, rank: the response fields */
  size_t n_compared;
  const char *strength_name; /* pairwise: the strength Choices */
  const char *strength_to;   /* pairwise: what it labels (the left one) */
  const char *list_name;     /* rank: the List */
  const char *list_key;      /* rank: its data key */
  cb_xwhen when;             /* when.on set: shown only when it holds */
  const char *when_tag;      /* the control when.on maps to */
  int hotkeys;               /* keep the options' hotkeys */
} control;

/* One task shape of one set (docs/label-studio.md, "Sets and shapes"):
 * the final cases of one use that have the same inputs, written as
 * label-studio/USE/NAME/{config.xml,tasks.json}, with only the controls
 * that apply to such a case. */
typedef struct ls_shape {
  const char *name; /* "one-reply", "two-replies", "chat-3-replies"... */
  cb_use use;
  int chat;              /* user/assistant turns: a dialogue, else a prompt */
  cb_xfield *fields;     /* the inputs each case of the shape has */
  const char **keys;     /* their data keys */
  size_t n_fields;
  size_t n_responses;    /* response fields */
  const char *main_object; /* what case-level questions label */
  control *controls;       /* the controls that apply, in config order */
  size_t n_controls;
  const cb_case **cases;
  size_t n_cases, cap_cases;
} ls_shape;

typedef struct ls {
  cb_ctx *ctx;
  const cb_book *book;
  cb_xlayout layout;
  const char **keys;       /* data key (and object name) of each layout field */
  const char *main_object; /* what case-level questions label */
  control *controls; /* the plan over every case (`grade` reads it) */
  size_t n_controls;
  ls_shape *shapes;
  size_t n_shapes, cap_shapes;
  const ls_shape *cur_shape; /* the shape being written */
  cb_buf tmp;   /* text being written into the config */
  cb_buf title; /* a field's title */
} ls;

/* Reports a problem of the export: an [export-labelstudio] diagnostic. */
void cb_export_labelstudio__report(ls *x, cb_diag_level level, cb_loc loc,
                                  const char *element, const char *msg);

/* The data key of a layout field: what `$key` in the config reads (in
 * ctx's arena; NULL when out of memory). */
const char *cb_export_labelstudio__field_key(ls *x, const cb_xfield *f);
/* The data key of the response field of name resp, NULL if none. */
const char *cb_export_labelstudio__response_key(const ls *x,
                                               const char *resp);
/* Sorts the final cases of the book into shapes (x->shapes), each with
 * the controls of x's plan that apply to it. Returns 0 or a negative
 * code with ctx's error set. */
int cb_export_labelstudio__shapes(ls *x);
/* Frees what cb_export_labelstudio__shapes allocated outside the arena. */
void cb_export_labelstudio__free_shapes(ls *x);

/* Writes the tasks of shape s to path (atomically). Returns 0 or a
 * negative code with ctx's error set. */
int cb_export_labelstudio__tasks(ls *x, const ls_shape *s, const char *path);

#endif
