/* SPDX-License-Identifier: MIT */
/*
 * casebook/errors.h: the error codes of libcasebook.
 *
 * Functions that can fail return 0 or a negative CB_E* code and leave a
 * message in cb_ctx_error(). Problems in the user's casebook are never
 * errors of this kind: they are diagnostics (casebook/diag.h), collected
 * in the context, and the compilation goes on.
 */
#ifndef CASEBOOK_ERRORS_H
#define CASEBOOK_ERRORS_H

#include "casebook/common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  CB_OK = 0,
  CB_ERROR = -1,    /* generic failure, see cb_ctx_error() */
  CB_ENOMEM = -2,   /* out of memory */
  CB_EIO = -3,      /* a file or directory could not be read or written */
  CB_EUSAGE = -4,   /* bad arguments */
  CB_ENOTFOUND = -5 /* no such file, revision or element */
};

/* The message of the last environment error, or "" (borrowed). */
CB_EXTERN const char *cb_ctx_error(const cb_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
