/*
 * One JSON POST for `apiary enroll` (libcurl), and the URL parser it and
 * the config writer share.
 */
#ifndef AP_SENSOR_HTTP_POST_H
#define AP_SENSOR_HTTP_POST_H

#include <stddef.h>

#include "ap/buf.h"

/* Largest response body accepted. */
#define AP_HTTP_RESPONSE_MAX (1024u * 1024u)

struct ap_url {
    int tls;
    char host[256];
    int port;
    char path[1024];
};

/* Parse "http[s]://host[:port][/path]" ([v6] hosts allowed).  Pure. */
int ap_url_parse(const char *url, struct ap_url *out);

/*
 * POST body (application/json) to u; on success *status is the HTTP
 * status and resp holds the body.  ca_file NULL = the system CAs;
 * insecure skips verification (tests with self-signed servers only).
 * Gives up after timeout_secs in all.  Errors: a message in err.
 */
int ap_http_post_json(const struct ap_url *u, const char *ca_file,
                      int insecure, const char *body, int timeout_secs,
                      int *status, struct ap_buf *resp, char *err,
                      size_t errlen);

#endif
