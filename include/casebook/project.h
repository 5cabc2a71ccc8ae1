/* SPDX-License-Identifier: MIT */
/*
 * casebook/project.h: project scaffolding (`casebook init`).
 */
#ifndef CASEBOOK_PROJECT_H
#define CASEBOOK_PROJECT_H

#include "casebook/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a small working project in dir (which must not exist or be
 * empty), with a .gitignore for _build/, and a git repository around it
 * unless dir is inside one already. Returns 0, 1 when it created the
 * repository, or a negative code with cb_ctx_error() set. */
CB_EXTERN int cb_project_init(cb_ctx *ctx, const char *dir);

#ifdef __cplusplus
}
#endif
#endif
