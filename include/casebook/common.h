/* SPDX-License-Identifier: MIT */
/*
 * casebook/common.h: what every public header of libcasebook shares: the
 * export macro, the compiler hints and the opaque compilation context.
 *
 * The library is built with -fvisibility=hidden, so that only what these
 * headers declare is part of its ABI; CB_EXTERN marks each public
 * function so that it stays visible from the shared library.
 */
#ifndef CASEBOOK_COMMON_H
#define CASEBOOK_COMMON_H

#ifdef __cplusplus
extern "C" {
#endif

/* Marks a function of the public API (declared in include/casebook/). */
#if defined(__GNUC__) || defined(__clang__)
#define CB_EXTERN extern __attribute__((visibility("default")))
#else
#define CB_EXTERN extern
#endif

/* Lets the compiler check the printf-style arguments of a function: fmt
 * is the position of the format, args of the first argument after it. */
#if defined(__GNUC__) || defined(__clang__)
#define CB_ATTR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CB_ATTR_PRINTF(fmt, args)
#endif

/* A compilation: the arena that holds the model, the diagnostics sink
 * and the options (casebook/context.h). Opaque. */
typedef struct cb_ctx cb_ctx;

#ifdef __cplusplus
}
#endif
#endif
