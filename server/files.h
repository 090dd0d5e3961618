/*
 * Captured files, content-addressed: DIR/ab/cd/<sha256> (ab, cd = the
 * first two byte pairs of the hex digest), mode 0440, never executable,
 * written once (a second copy of the same bytes is not rewritten).
 */
#ifndef AP_FILES_H
#define AP_FILES_H

#include <stddef.h>

/* SHA-256 of p[0..n) as 64 hex characters + NUL. */
void ap_sha256_hex(const void *p, size_t n, char out[65]);

/*
 * Store p[0..n) under dir.  *created (may be NULL) = 1 if the file is new.
 * Atomic: written to a temporary name, then linked into place.  0 or
 * AP_EIO / AP_EINVAL.
 */
int ap_files_put(const char *dir, const void *p, size_t n,
                 const char sha256_hex[65], int *created);

#endif
