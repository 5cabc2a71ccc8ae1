/* SPDX-License-Identifier: MIT */
/*
 * beneath.h: opening a file below a directory without ever following a
 * symbolic link, for the project's files (source.c) and for the output
 * directory (output.c).
 *
 * A project is untrusted: anyone who can commit can turn a chapter, a
 * template or a folder of the output tree into a link to /etc/shadow or
 * ~/.ssh. Comparing path strings cannot stop that (a link can be swapped
 * in between the check and the open), so every component is resolved
 * relative to a directory descriptor already held: with openat2() and
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it (Linux
 * 5.6), else one openat(O_NOFOLLOW) per component.
 */
#ifndef CB_BENEATH_H
#define CB_BENEATH_H

#include <stddef.h>
#include <sys/types.h>

/* Opens path ('/'-separated, relative, no "." or ".." segment, no empty
 * segment) below the directory dirfd with flags (O_CLOEXEC and O_NOFOLLOW
 * are added; O_CREAT is not allowed). No component may be a symbolic
 * link. Returns the descriptor, or -1 with errno set: ELOOP when a
 * component is a symbolic link, then *stop (when not NULL) is the length
 * of the prefix of path naming that link; for other errors *stop is the
 * length of the prefix naming the component that failed. Thread-safe. */
int cb_beneath__open(int dirfd, const char *path, int flags, size_t *stop);

/* Makes the next calls of this process take the component-by-component
 * walk, as on a kernel without openat2 (for the tests). */
void cb_beneath__no_openat2(void);

#endif
