/* SPDX-License-Identifier: MIT */
/*
 * check.h: the Lua rules over the model (cb_book_check, cb_rules_list in
 * casebook.h). The Lua API the rules see is documented at the top of
 * check.c and, for rule authors, in docs/rules.md.
 *
 * Limits of one rule run. The instruction budget grows with the size of
 * the book so a linear rule over a large project still fits: the base
 * plus CB_RULE_INSTRUCTIONS_PER_ELEMENT for each question, criterion,
 * case, chapter and link. The deadline holds for the built-in rules too,
 * which run without the count hook (sandbox.h: the watchdog).
 */
#ifndef CB_CHECK_H
#define CB_CHECK_H

#include "ctx.h"

#define CB_RULE_INSTRUCTIONS 50000000LL
#define CB_RULE_INSTRUCTIONS_PER_ELEMENT 2000LL
#define CB_RULE_SECONDS 10.0
#define CB_RULE_MEMORY ((size_t)256 << 20) /* growth during one rule */
#define CB_RULE_FILE_MAX ((size_t)4 << 20) /* largest project rule file */

/* Bounded output. Each rule shows at most CB_RULE_MAX_REPORTS findings
 * and all rules together CB_CHECK_MAX_REPORTS; the findings beyond are
 * counted and summed up in one diagnostic per rule ("N more findings of
 * rule 'x' not shown") at the highest level among them, so the exit
 * status still sees them. A finding's message is cut at
 * CB_RULE_MAX_MESSAGE bytes; a suggestion, element id or path longer
 * than CB_RULE_MAX_NAME bytes is left out. */
#define CB_RULE_MAX_REPORTS 10000
#define CB_CHECK_MAX_REPORTS 50000
#define CB_RULE_MAX_MESSAGE 1000
#define CB_RULE_MAX_NAME 256

/* Rule ids of the diagnostics check.c itself reports. */
#define CB_RULE_ERROR_ID "rule-error"
#define CB_RULE_PRINT_ID "rule-print"
#define CB_MANIFEST_UNKNOWN_RULE_ID "manifest-unknown-rule"

#endif
