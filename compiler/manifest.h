/* SPDX-License-Identifier: MIT */
/*
 * manifest.h: the project manifest casebook.lua, run sandboxed as data.
 *
 * The manifest is a Lua chunk that assigns globals (title = "...", rules =
 * {...}) or returns a table of them. It runs in a fresh small sandbox
 * (MANIFEST_INSTRUCTIONS, MANIFEST_MEMORY), then the assigned values are
 * read into a cb_manifest with every string copied into the ctx arena.
 *
 * Rule options: cb_rule_config.options_ref is always -1. A rule that has
 * options in the manifest (rules = { ["x"] = { severity = "warning",
 * max = 3 } }) gets them from check.c, which runs the manifest again in
 * the rules' own state (cb_manifest__run) and passes the table to the
 * rule's check function.
 */
#ifndef CB_MANIFEST_H
#define CB_MANIFEST_H

#include <stdint.h>

#include "ctx.h"
#include "sandbox.h"

#define CB_MANIFEST_INSTRUCTIONS 1000000LL
#define CB_MANIFEST_MEMORY ((size_t)16 << 20)
#define CB_MANIFEST_SECONDS 2.0

/* Bounds on what the manifest holds, so that what it puts into every page
 * and export stays small: no string (value or key) longer than
 * CB_MANIFEST_MAX_STRING bytes, no list of chapters or excluded paths
 * longer than CB_MANIFEST_MAX_PATHS, no rules table of more than
 * CB_MANIFEST_MAX_RULES entries, no other table (outputs, keywords,
 * fields, changes and the tables inside them) of more than
 * CB_MANIFEST_MAX_ITEMS. A key past a bound is an error
 * ("manifest-error") and is not read. Unknown top-level keys are warned
 * about up to CB_MANIFEST_MAX_ITEMS times, then counted in one more. */
#define CB_MANIFEST_MAX_STRING 1000
#define CB_MANIFEST_MAX_PATHS 10000
#define CB_MANIFEST_MAX_RULES 1000
#define CB_MANIFEST_MAX_ITEMS 100

/* Reads the manifest text (len bytes; text NULL when the project has
 * none) into *out, reporting problems as diagnostics at file (the index of
 * casebook.lua in the book's files): "manifest-error" (a Lua error, a
 * runaway manifest, a value of the wrong type or past the bounds above)
 * and "manifest-unknown-key" (a warning, with a did-you-mean); what the
 * manifest gave print is a note, "manifest-print" (escaped and cut as the
 * sandbox keeps it). Without a manifest *out gets the
 * defaults (present = 0, English keywords). Strings live in ctx's arena.
 * Returns 0, or CB_ENOMEM (with ctx's error set) when memory runs out. */
int cb_manifest__load(cb_ctx *ctx, cb_manifest *out, uint32_t file,
                      const char *text, size_t len);

/* Runs the manifest text in sb (the caller sets the limits first) in a
 * fresh environment and pushes the table of its data: the table the
 * chunk returned, else the globals it assigned. Returns 0, or -1 with err
 * filled and nothing pushed. */
int cb_manifest__run(cb_sandbox *sb, const char *text, size_t len,
                     cb_sandbox_error *err);

/* The 1-based line and column where key is assigned in text ("key =",
 * ["key"] =), searching from line from (1-based); 0 when not found. With
 * at_start, only an assignment at the start of a line counts. */
uint32_t cb_manifest__key_line(const char *text, size_t len, const char *key,
                               uint32_t from, int at_start, uint32_t *col);

/* Normalizes a rule id as the manifest may spell it: '_' read as '-'.
 * Returns a copy in the arena, NULL when out of memory. */
char *cb_manifest__rule_id(cb_arena *arena, const char *id);

#endif
