#include <sys/socket.h>
#include <sys/time.h>
#include <netdb.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "http_post.h"
#include "ap/common.h"

int
ap_url_parse(const char *url, struct ap_url *out)
{
    struct ap_url u;
    const char *p, *hend, *pstart;
    char *end;
    long port;

    memset(&u, 0, sizeof(u));
    if (strncmp(url, "https://", 8) == 0) {
        u.tls = 1;
        p = url + 8;
        u.port = 443;
    } else if (strncmp(url, "http://", 7) == 0) {
        p = url + 7;
        u.port = 80;
    } else {
        return AP_EINVAL;
    }
    pstart = p + strcspn(p, "/?#");
    if (*p == '[') {
        if ((hend = memchr(p, ']', (size_t)(pstart - p))) == NULL ||
            (size_t)(hend - p - 1) >= sizeof(u.host))
            return AP_EINVAL;
        memcpy(u.host, p + 1, (size_t)(hend - p - 1));
        hend++;
    } else {
        hend = memchr(p, ':', (size_t)(pstart - p));
        if (hend == NULL)
            hend = pstart;
        if ((size_t)(hend - p) >= sizeof(u.host))
            return AP_EINVAL;
        memcpy(u.host, p, (size_t)(hend - p));
    }
    if (u.host[0] == '\0')
        return AP_EINVAL;
    if (hend < pstart) {
        if (*hend != ':')
            return AP_EINVAL;
        port = strtol(hend + 1, &end, 10);
        if (end != pstart || port < 1 || port > 65535)
            return AP_EINVAL;
        u.port = (int)port;
    }
    if (snprintf(u.path, sizeof(u.path), "%s", *pstart == '/' ? pstart : "/") >=
        (int)sizeof(u.path))
        return AP_EINVAL;
    *out = u;
    return 0;
}

static int
dial(const struct ap_url *u, int timeout, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL, *ai;
    struct timeval tv = {timeout, 0};
    char port[8];
    int fd = -1, r;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%d", u->port);
    if ((r = getaddrinfo(u->host, port, &hints, &res)) != 0) {
        snprintf(err, errlen, "%s: %s", u->host, gai_strerror(r));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        snprintf(err, errlen, "connect to %s:%d: %s", u->host, u->port,
                 strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Split "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"; handles Content-Length
 * and chunked bodies. */
static int
parse_response(struct ap_buf *raw, int *status, struct ap_buf *resp, char *err,
               size_t errlen)
{
    const char *p = ap_buf_cstr(raw), *hdr_end, *body, *te;
    size_t left;
    char *end;

    if (p == NULL || strncmp(p, "HTTP/1.", 7) != 0 || strlen(p) < 12) {
        snprintf(err, errlen, "not an HTTP response");
        return AP_EPROTO;
    }
    *status = (int)strtol(p + 9, NULL, 10);
    if ((hdr_end = strstr(p, "\r\n\r\n")) == NULL) {
        snprintf(err, errlen, "truncated HTTP response");
        return AP_EPROTO;
    }
    body = hdr_end + 4;
    left = ap_buf_len(raw) - (size_t)(body - p);
    te = strcasestr(p, "\r\ntransfer-encoding: chunked");
    if (te == NULL || te > hdr_end)
        return ap_buf_append(resp, body, left);
    while (left > 0) {
        unsigned long n = strtoul(body, &end, 16);
        const char *data = strstr(end, "\r\n");
        if (data == NULL || n > left)
            break;
        data += 2;
        if (n == 0)
            break;
        if ((size_t)(data - body) + n > left)
            break;
        if (ap_buf_append(resp, data, n) != 0)
            return AP_ETOOBIG;
        left -= (size_t)(data - body) + n;
        body = data + n;
        if (left >= 2) {
            body += 2;
            left -= 2;
        }
    }
    return 0;
}

int
ap_http_post_json(const struct ap_url *u, const char *ca_file, int insecure,
                  const char *body, int timeout_secs, int *status,
                  struct ap_buf *resp, char *err, size_t errlen)
{
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    struct ap_buf req, raw;
    char hostport[300];
    uint8_t *w;
    ssize_t n;
    int fd, r = AP_EIO;
    size_t off;

    ap_buf_init(&req, 64 * 1024);
    ap_buf_init(&raw, AP_HTTP_RESPONSE_MAX + 16 * 1024);
    if (strchr(u->host, ':'))
        snprintf(hostport, sizeof(hostport), "[%s]:%d", u->host, u->port);
    else
        snprintf(hostport, sizeof(hostport), "%s:%d", u->host, u->port);
    if (ap_buf_printf(&req,
                      "POST %s HTTP/1.1\r\nHost: %s\r\n"
                      "User-Agent: apiary-enroll\r\n"
                      "Content-Type: application/json\r\n"
                      "Accept: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                      u->path, hostport, strlen(body), body) != 0) {
        snprintf(err, errlen, "request too large");
        goto out;
    }
    if ((fd = dial(u, timeout_secs, err, errlen)) < 0)
        goto out;
    if (u->tls) {
        ctx = SSL_CTX_new(TLS_client_method());
        if (ctx == NULL)
            goto tls_fail;
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        if (!insecure) {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
            if ((ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
                         : SSL_CTX_set_default_verify_paths(ctx)) != 1)
                goto tls_fail;
        }
        if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
            SSL_set_tlsext_host_name(ssl, u->host) != 1 ||
            (!insecure && SSL_set1_host(ssl, u->host) != 1) ||
            SSL_connect(ssl) != 1)
            goto tls_fail;
    }
    for (off = 0; off < ap_buf_len(&req); off += (size_t)n) {
        n = ssl ? SSL_write(ssl, ap_buf_data(&req) + off,
                            (int)(ap_buf_len(&req) - off))
                : write(fd, ap_buf_data(&req) + off, ap_buf_len(&req) - off);
        if (n <= 0) {
            snprintf(err, errlen, "sending the request failed");
            goto close;
        }
    }
    for (;;) {
        if (ap_buf_reserve(&raw, 16384, &w) != 0) {
            snprintf(err, errlen, "response larger than %u bytes",
                     AP_HTTP_RESPONSE_MAX);
            goto close;
        }
        n = ssl ? SSL_read(ssl, w, 16384) : read(fd, w, 16384);
        if (n <= 0)
            break;
        ap_buf_commit(&raw, (size_t)n);
    }
    if (ap_buf_len(&raw) == 0) {
        snprintf(err, errlen, "no response from %s", hostport);
        goto close;
    }
    r = parse_response(&raw, status, resp, err, errlen);
    goto close;
tls_fail:
    snprintf(err, errlen, "TLS with %s: %s", hostport,
             ERR_reason_error_string(ERR_peek_last_error())
                 ? ERR_reason_error_string(ERR_peek_last_error())
                 : "handshake failed");
close:
    if (ssl) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
    }
    SSL_CTX_free(ctx);
    close(fd);
out:
    ap_buf_release(&req);
    ap_buf_release(&raw);
    return r;
}
