/*
 * File bytes carried inside events ("content_b64", docs/EVENTS.md): the
 * collector checks them against the event's sha256, stores them once
 * under the files directory, registers them with the store and removes
 * them from the event, so the store and the outputs only see the hash.
 */
#ifndef AP_COLLECTOR_CONTENT_H
#define AP_COLLECTOR_CONTENT_H

#include <stddef.h>

#include <jansson.h>

struct ap_store;

enum ap_content_result {
    AP_CONTENT_NONE = 0,     /* the event carried no content */
    AP_CONTENT_STORED = 1,   /* stored (or already there) and registered */
    AP_CONTENT_MISMATCH = 2, /* bytes do not match sha256 (or undecodable) */
    AP_CONTENT_NOT_KEPT = 3, /* no files directory, or the write failed */
};

/*
 * Take the content out of ev (always removed when present).  files_dir
 * may be NULL (content dropped, AP_CONTENT_NOT_KEPT); st may be NULL
 * (file written but not registered).  Returns an ap_content_result.
 */
int ap_content_take(json_t *ev, const char *files_dir, struct ap_store *st);

/* Decode base64 s[0..n) (no whitespace) into out (at most max bytes).
 * Returns the decoded length, or AP_EINVAL (not base64) / AP_ETOOBIG /
 * AP_ENOMEM.  *out is malloc'ed on success. */
long long ap_b64_decode(const char *s, size_t n, size_t max,
                        unsigned char **out);

#endif
