/*
 * utf8.h: the few UTF-8 facts several modules need: where a valid
 * sequence ends, and how many terminal cells a code point takes.
 */
#ifndef CB_UTF8_H
#define CB_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define CB_UTF8_INVALID UINT32_MAX

/* Decodes the UTF-8 sequence at s (n > 0 bytes left). Returns its length
 * and sets *cp; for an ill-formed sequence sets *cp to CB_UTF8_INVALID and
 * returns the length of its maximal subpart (at least 1), so that each
 * becomes a single U+FFFD (Unicode's "best practice", as WHATWG decodes). */
size_t cb_utf8__decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Length (1..4) of the valid UTF-8 sequence at p, reading no further
 * than end, with its code point in *cp; 0 when the bytes at p are not
 * valid UTF-8 (overlong forms and surrogates included). */
size_t cb_utf8__seq(const unsigned char *p, const unsigned char *end,
                    uint32_t *cp);

/* Cells a code point takes in a terminal: 2 for East Asian wide and
 * full-width characters, 0 for combining marks, else 1. */
int cb_utf8__width(uint32_t cp);

#endif
