/*
 * Escaping of untrusted bytes for places that must stay one line of
 * printable ASCII (logs, key="value" lines).  Every format that shows
 * attacker bytes escapes them through one function of this family.
 */
#ifndef AP_ESCAPE_H
#define AP_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "ap/buf.h"

/*
 * Append p[0..n) to out with every byte outside printable ASCII, and the
 * backslash and double quote, written as \xNN (or \\ and \").  The result
 * never contains a control byte, a newline or a non-ASCII byte.
 */
int ap_escape_c(struct ap_buf *out, const void *p, size_t n);

/* Same, into a fixed array; truncates (at an escape boundary) and always
 * NUL-terminates.  Returns dst. */
char *ap_escape_cstr(char *dst, size_t dstlen, const void *p, size_t n);

#endif
