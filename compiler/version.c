/* SPDX-License-Identifier: MIT */
/*
 * version.c: the version of the library as linked, which a program built
 * against other headers (a shared library upgraded under it) can compare
 * with the CB_VERSION it was compiled with.
 */
#include "casebook/version.h"

const char *cb_version(void) { return CB_VERSION; }
