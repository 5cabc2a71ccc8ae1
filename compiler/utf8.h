/* SPDX-License-Identifier: MIT */
/*
 * utf8.h: the few UTF-8 facts several modules need: where a valid
 * sequence ends, how many terminal cells a code point takes, which code
 * points are invisible controls (bidirectional ones above all), and how
 * text from a casebook is shown to people in a terminal, a log or a CI
 * tool (docs/limits.md, "Text shown to people"), and how it is cleaned
 * before it goes into an output file (cb_text_mode).
 */
#ifndef CB_UTF8_H
#define CB_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

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

/* 1 for the bidirectional formatting characters, which reorder the text
 * around them when it is displayed (a "Trojan Source" attack): U+061C,
 * U+200E, U+200F, U+202A..U+202E and U+2066..U+2069. */
int cb_utf8__bidi(uint32_t cp);

/* 1 for a code point an id may not hold: the bidirectional controls and
 * the other invisible format characters that make two ids look alike or
 * hide text (zero-width spaces and joiners, word joiner and invisible
 * operators, soft hyphen, byte order mark, variation selectors, fillers,
 * tag characters, line and paragraph separators). */
int cb_utf8__hidden(uint32_t cp);

/* Writes the escaped form of cp, "<U+XXXX>" (four to six hex digits),
 * to out, which has room for 11 bytes; returns its length, without NUL. */
size_t cb_utf8__escape(char *out, uint32_t cp);

/* How cb_utf8__show treats C0 controls. */
typedef enum cb_show_mode {
  /* one line of a terminal: every C0 control and DEL as its Control
   * Picture (ESC as U+241B), the line breaks and tab too */
  CB_SHOW_LINE = 0,
  /* text that may span lines (a CI annotation, a JUnit report): tab,
   * newline, carriage return and form feed kept, the rest as above */
  CB_SHOW_LINES,
  /* a JSON string: C0 controls kept, since the JSON writer escapes them */
  CB_SHOW_JSON
} cb_show_mode;

/* Appends s[0..len) to out as text shown to people: invalid UTF-8, C1
 * controls and noncharacters as U+FFFD; C0 controls as mode says; the
 * bidirectional controls as "<U+202E>"; and the '[' of "##[" as
 * "<U+005B>", since a GitHub runner reads "##[command]" anywhere in a
 * line of a log as a workflow command. Every printer of diagnostics,
 * diffs and listings goes through this (or, for a source excerpt,
 * through cb_utf8__escape with the same rules). */
void cb_utf8__show(cb_buf *out, const char *s, size_t len, cb_show_mode mode);

/* 1 when s[0..len) holds a bidirectional control. */
int cb_utf8__has_bidi(const char *s, size_t len);

/* How text is cleaned before it goes into an output. */
typedef enum cb_text_mode {
  /* JSON: invalid UTF-8 sequences become U+FFFD, everything else (NUL and
   * control characters included) is kept: JSON escapes it. */
  CB_TEXT_JSON = 0,
  /* HTML: as JSON, and the characters HTML does not allow in a document
   * are made visible instead: C0 controls other than whitespace (NUL
   * included) become their Control Pictures (U+2400 + c, DEL U+2421); C1
   * controls and noncharacters become U+FFFD. */
  CB_TEXT_HTML = 1
} cb_text_mode;

/* 1 when s[0..len) can go into an output of this mode as it is. */
int cb_utf8__text_ok(const char *s, size_t len, cb_text_mode mode);

/* Appends s[0..len) to out, cleaned for mode. Invalid sequences are
 * replaced by one U+FFFD per maximal ill-formed subpart, as the WHATWG
 * decoder does. */
void cb_utf8__text_fix(cb_buf *out, const char *s, size_t len,
                       cb_text_mode mode);

#endif
