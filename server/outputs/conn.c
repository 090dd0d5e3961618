/*
 * Blocking TCP/TLS/UDP client connections with timeouts, for worker
 * threads.  TLS verification follows curl's defaults: chain against the CA
 * file (or the system store) and the certificate must match the name.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "conn.h"
#include "ap/err.h"
#include "ap/common.h"

static int
connect_timeout(const struct ap_conn_opts *o, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL, *ai;
    struct pollfd pfd;
    char portstr[16];
    int fd = -1, soerr, fl;
    socklen_t sl = sizeof(soerr);

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = o->udp ? SOCK_DGRAM : SOCK_STREAM;
    snprintf(portstr, sizeof(portstr), "%d", o->port);
    if (getaddrinfo(o->host, portstr, &hints, &res) != 0) {
        snprintf(err, errlen, "cannot resolve %s", o->host);
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            pfd.fd = fd;
            pfd.events = POLLOUT;
            if (poll(&pfd, 1, o->timeout_ms) == 1 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
                soerr == 0)
                break;
            snprintf(err, errlen, "connect to %s:%d: %s", o->host, o->port,
                     soerr ? strerror(soerr) : "timed out");
        } else {
            snprintf(err, errlen, "connect to %s:%d: %s", o->host, o->port,
                     strerror(errno));
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return -1;
    /* Blocking from here on, bounded by the send/receive timeouts. */
    fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    {
        struct timeval tv = {o->timeout_ms / 1000, (o->timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    return fd;
}

static void
ssl_reason(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];

    ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "%s: %s", what, e ? buf : "failed");
    ERR_clear_error();
}

int
ap_conn_open(struct ap_conn *c, const struct ap_conn_opts *o, char *err,
             size_t errlen)
{
    c->fd = -1;
    c->ctx = NULL;
    c->ssl = NULL;
    if ((c->fd = connect_timeout(o, err, errlen)) < 0)
        return AP_EIO;
    if (!o->tls || o->udp)
        return 0;
    return ap_conn_starttls(c, o, err, errlen);
}

int
ap_conn_starttls(struct ap_conn *c, const struct ap_conn_opts *o, char *err,
                 size_t errlen)
{
    const char *name = o->server_name && *o->server_name ? o->server_name : o->host;

    if (o->udp || c->ssl != NULL) {
        snprintf(err, errlen, "TLS on a datagram or TLS connection");
        goto fail;
    }
    if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
        ssl_reason(err, errlen, "SSL_CTX_new");
        goto fail;
    }
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    if (o->verify) {
        SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
        if ((o->ca_file && *o->ca_file)
                ? SSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL) != 1
                : SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
            ssl_reason(err, errlen, "loading CA certificates");
            goto fail;
        }
    }
    if (o->cert_file && *o->cert_file &&
        (SSL_CTX_use_certificate_chain_file(c->ctx, o->cert_file) != 1 ||
         SSL_CTX_use_PrivateKey_file(c->ctx, o->key_file ? o->key_file : o->cert_file,
                                     SSL_FILETYPE_PEM) != 1)) {
        ssl_reason(err, errlen, "loading client certificate");
        goto fail;
    }
    if ((c->ssl = SSL_new(c->ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
        ssl_reason(err, errlen, "SSL_new");
        goto fail;
    }
    SSL_set_tlsext_host_name(c->ssl, name);
    if (o->verify && SSL_set1_host(c->ssl, name) != 1) {
        ssl_reason(err, errlen, "SSL_set1_host");
        goto fail;
    }
    if (SSL_connect(c->ssl) != 1) {
        long v = SSL_get_verify_result(c->ssl);
        if (v != X509_V_OK)
            snprintf(err, errlen, "TLS handshake with %s:%d: %s", o->host,
                     o->port, X509_verify_cert_error_string(v));
        else
            ssl_reason(err, errlen, "TLS handshake");
        goto fail;
    }
    return 0;
fail:
    ap_conn_close(c);
    return AP_EIO;
}

int
ap_conn_write(struct ap_conn *c, const void *p, size_t n)
{
    const char *s = p;
    ssize_t w;
    int k;

    while (n > 0) {
        if (c->ssl) {
            k = SSL_write(c->ssl, s, n > 1u << 30 ? 1 << 30 : (int)n);
            if (k <= 0) {
                ERR_clear_error();
                return AP_EIO;
            }
            w = k;
        } else {
            w = send(c->fd, s, n, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return (errno == EAGAIN || errno == EWOULDBLOCK) ? AP_ETIMEDOUT
                                                                 : AP_EIO;
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

long
ap_conn_read(struct ap_conn *c, void *p, size_t n)
{
    ssize_t r;
    int k;

    if (c->ssl) {
        k = SSL_read(c->ssl, p, n > 1u << 30 ? 1 << 30 : (int)n);
        if (k > 0)
            return k;
        k = SSL_get_error(c->ssl, k);
        ERR_clear_error();
        return k == SSL_ERROR_ZERO_RETURN ? 0 : AP_EIO;
    }
    do
        r = recv(c->fd, p, n, 0);
    while (r < 0 && errno == EINTR);
    return r < 0 ? AP_EIO : (long)r;
}

/*
 * A graceful close: close_notify, FIN, then read what the peer still has
 * for us (bounded).  Closing with unread bytes in our receive queue (TLS
 * 1.3 session tickets we never asked for) makes the kernel send a RST,
 * and a RST makes the peer discard records it has not read yet.
 */
void
ap_conn_close(struct ap_conn *c)
{
    struct timeval tv = {0, 300000};
    char sink[4096];
    size_t total = 0;
    ssize_t r;

    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    if (c->ctx)
        SSL_CTX_free(c->ctx);
    if (c->fd >= 0) {
        if (shutdown(c->fd, SHUT_WR) == 0) {
            setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
            while (total < 256 * 1024 &&
                   (r = recv(c->fd, sink, sizeof(sink), 0)) > 0)
                total += (size_t)r;
        }
        close(c->fd);
    }
    c->fd = -1;
    c->ssl = NULL;
    c->ctx = NULL;
}

int
ap_url_split(const char *url, int *tls, char *host, size_t hostlen, int *port,
             char *path, size_t pathlen)
{
    const char *p, *h, *he, *slash;
    char *end;
    long v;
    size_t n;

    if (strncmp(url, "http://", 7) == 0) {
        *tls = 0;
        p = url + 7;
        *port = 80;
    } else if (strncmp(url, "https://", 8) == 0) {
        *tls = 1;
        p = url + 8;
        *port = 443;
    } else {
        return AP_EINVAL;
    }
    slash = strchr(p, '/');
    if (slash == NULL)
        slash = p + strlen(p);
    if (*p == '[') {
        h = p + 1;
        he = memchr(h, ']', (size_t)(slash - h));
        if (he == NULL)
            return AP_EINVAL;
        p = he + 1;
    } else {
        h = p;
        for (he = h; he < slash && *he != ':'; he++)
            ;
        p = he;
    }
    n = (size_t)(he - h);
    if (n == 0 || n >= hostlen)
        return AP_EINVAL;
    memcpy(host, h, n);
    host[n] = '\0';
    if (p < slash && *p == ':') {
        v = strtol(p + 1, &end, 10);
        if (end != slash || v < 1 || v > 65535)
            return AP_EINVAL;
        *port = (int)v;
    } else if (p != slash) {
        return AP_EINVAL;
    }
    if ((size_t)snprintf(path, pathlen, "%s", *slash ? slash : "/") >= pathlen)
        return AP_EINVAL;
    /* No CR/LF/space in the request target or host (header injection). */
    if (strpbrk(path, "\r\n \t") || strpbrk(host, "\r\n \t/"))
        return AP_EINVAL;
    return 0;
}

int
ap_http_post(const char *url, const char *ctype, const char *extra_hdrs,
             const void *body, size_t n, const char *ca_file, int verify,
             int timeout_ms, int *status, char *err, size_t errlen)
{
    struct ap_conn c;
    struct ap_conn_opts o;
    char host[256], path[2048], head[4096], resp[1024];
    size_t got = 0;
    long r;
    int tls, port, hl, code;

    if (ap_url_split(url, &tls, host, sizeof(host), &port, path, sizeof(path)) != 0) {
        snprintf(err, errlen, "bad URL");
        return AP_EINVAL;
    }
    memset(&o, 0, sizeof(o));
    o.host = host;
    o.port = port;
    o.tls = tls;
    o.ca_file = ca_file;
    o.verify = verify;
    o.timeout_ms = timeout_ms;
    if (ap_conn_open(&c, &o, err, errlen) != 0)
        return AP_EIO;
    hl = snprintf(head, sizeof(head),
                  "POST %s HTTP/1.1\r\nHost: %s%s%s:%d\r\nUser-Agent: apiary\r\n"
                  "Content-Type: %s\r\nContent-Length: %zu\r\n%s"
                  "Connection: close\r\n\r\n",
                  path, strchr(host, ':') ? "[" : "", host,
                  strchr(host, ':') ? "]" : "", port, ctype, n,
                  extra_hdrs ? extra_hdrs : "");
    if (hl < 0 || (size_t)hl >= sizeof(head)) {
        ap_conn_close(&c);
        snprintf(err, errlen, "request header too long");
        return AP_ETOOBIG;
    }
    if (ap_conn_write(&c, head, (size_t)hl) != 0 || ap_conn_write(&c, body, n) != 0) {
        ap_conn_close(&c);
        snprintf(err, errlen, "sending to %s:%d failed", host, port);
        return AP_EIO;
    }
    while (got + 1 < sizeof(resp) &&
           (r = ap_conn_read(&c, resp + got, sizeof(resp) - 1 - got)) > 0) {
        got += (size_t)r;
        if (memchr(resp, '\n', got))
            break;
    }
    resp[got] = '\0';
    /* Drain (bounded) so the server sees a clean close. */
    {
        char sink[4096];
        size_t total = 0;
        while (total < 65536 && (r = ap_conn_read(&c, sink, sizeof(sink))) > 0)
            total += (size_t)r;
    }
    ap_conn_close(&c);
    if (sscanf(resp, "HTTP/1.%*d %d", &code) != 1) {
        snprintf(err, errlen, "no HTTP status from %s:%d", host, port);
        return AP_EPROTO;
    }
    *status = code;
    return 0;
}
