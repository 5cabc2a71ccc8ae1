/* SPDX-License-Identifier: MIT */
/*
 * casebook/version.h: the version of libcasebook and of its output
 * formats.
 *
 * The three numbers below are the one place the version is written: the
 * string, cb_version(), `casebook --version`, the shared library's soname
 * and the pkg-config file (the Makefile reads them from here) all follow.
 */
#ifndef CASEBOOK_VERSION_H
#define CASEBOOK_VERSION_H

#include "casebook/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CB_VERSION_MAJOR 0
#define CB_VERSION_MINOR 1
#define CB_VERSION_PATCH 0

#define CB_VERSION_STR__(x) #x
#define CB_VERSION_STR_(x) CB_VERSION_STR__(x)
/* "MAJOR.MINOR.PATCH", a string literal: the headers' version. */
#define CB_VERSION                                                           \
  CB_VERSION_STR_(CB_VERSION_MAJOR)                                          \
  "." CB_VERSION_STR_(CB_VERSION_MINOR) "." CB_VERSION_STR_(CB_VERSION_PATCH)

/* The version of the layout of rubric.json, gold.jsonl and the exports
 * ("format" in each); it goes up when a consumer must change. */
#define CB_FORMAT_VERSION 1

/* The version of the library actually linked, "MAJOR.MINOR.PATCH"
 * (static; CB_VERSION is that of the headers compiled against). */
CB_EXTERN const char *cb_version(void);

#ifdef __cplusplus
}
#endif
#endif
