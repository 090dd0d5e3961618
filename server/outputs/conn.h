/*
 * Blocking client connections for output and alert worker threads (never
 * the event loop): TCP or TLS (OpenSSL, CA file + host name check) with a
 * connect timeout and a send/receive timeout, and connected UDP sockets.
 * A dead or stalled peer costs a worker at most the timeout, never the
 * collector.
 */
#ifndef AP_CONN_H
#define AP_CONN_H

#include <stddef.h>

struct ssl_ctx_st;
struct ssl_st;

struct ap_conn {
    int fd;
    struct ssl_ctx_st *ctx;
    struct ssl_st *ssl;
};

struct ap_conn_opts {
    const char *host;
    int port;
    int udp;          /* datagram socket (no TLS) */
    int tls;
    const char *ca_file;     /* NULL: the system store */
    int verify;              /* check the chain and the name */
    const char *server_name; /* SNI and name check; NULL: host */
    const char *cert_file, *key_file; /* client certificate (optional) */
    int timeout_ms;          /* connect, and each send/receive */
};

/* Connect; on error writes a reason to err.  c->fd is -1 when closed. */
int ap_conn_open(struct ap_conn *c, const struct ap_conn_opts *o, char *err,
                 size_t errlen);
/* Start TLS on an open plain TCP connection (SMTP STARTTLS) with o's TLS
 * settings; on failure c is closed and err says why. */
int ap_conn_starttls(struct ap_conn *c, const struct ap_conn_opts *o, char *err,
                     size_t errlen);
/* Write all n bytes (one datagram for UDP).  0 or AP_EIO/AP_ETIMEDOUT. */
int ap_conn_write(struct ap_conn *c, const void *p, size_t n);
/* Read up to n bytes: count, 0 at EOF, negative on error/timeout. */
long ap_conn_read(struct ap_conn *c, void *p, size_t n);
void ap_conn_close(struct ap_conn *c);

/* Split "http[s]://host[:port]/path" (host may be [v6]).  Returns 0 or
 * AP_EINVAL; path defaults to "/". */
int ap_url_split(const char *url, int *tls, char *host, size_t hostlen,
                 int *port, char *path, size_t pathlen);

/*
 * One HTTP/1.1 POST (Connection: close) and its status code.  extra_hdrs
 * is "Name: value\r\n" lines or NULL.  The reply body is read (at most
 * 64 KiB) and discarded.  Returns 0 with *status, or a negative code with
 * a reason in err.
 */
int ap_http_post(const char *url, const char *ctype, const char *extra_hdrs,
                 const void *body, size_t n, const char *ca_file, int verify,
                 int timeout_ms, int *status, char *err, size_t errlen);

#endif
