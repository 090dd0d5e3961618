/*
 * Asynchronous hpfeeds client (see ap/hpf_client.h).  One bufferevent per
 * connection attempt; the client object outlives them and carries the
 * subscription list and the backoff state across reconnects.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "ap/err.h"
#include "ap/hpf_client.h"
#include "ap/hpfeeds.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/net.h"
#include "ap/util.h"
#include "ap/common.h"

enum hc_state {
    HC_DOWN,      /* waiting for the backoff timer (or stopped) */
    HC_CONNECTING,
    HC_WAIT_INFO,
    HC_READY,
};

struct hpf_client {
    struct event_base *base;
    struct hpf_client_opts o; /* strings below are our copies */
    char *host, *ident, *secret, *tls_ca, *tls_hostname;
    SSL_CTX *ssl_ctx;
    struct bufferevent *bev;
    struct event *timer; /* backoff and TLS finish grace */
    enum hc_state state;
    struct ap_strlist subs;
    struct ap_buf frame; /* scratch for encoding control frames */
    int attempt;
    int64_t ready_at_us;
    int full;        /* a publish was refused: report the drain */
    int finishing;   /* hpf_client_finish was called */
    int half_closed; /* finish: our side is shut */
    int finish_grace_ms;
    int busy;  /* inside a callback: defer free */
    int freed; /* hpf_client_free was called from a callback */
};

int
hpf_backoff_ms(int attempt, int min_ms, int max_ms, uint32_t rnd)
{
    long long d = min_ms;
    int i;

    for (i = 0; i < attempt && d < max_ms; i++)
        d *= 2;
    if (d > max_ms)
        d = max_ms;
    /* jitter: factor 0.5 .. 1.0 */
    d = d / 2 + (long long)((uint64_t)(d / 2) * (rnd % 1001u) / 1000u);
    return d < 1 ? 1 : (int)d;
}

static void hc_connect(struct hpf_client *c);

static void
hc_free_now(struct hpf_client *c)
{
    if (c->bev)
        bufferevent_free(c->bev);
    if (c->timer)
        event_free(c->timer);
    if (c->ssl_ctx)
        SSL_CTX_free(c->ssl_ctx);
    ap_strlist_free(&c->subs);
    ap_buf_release(&c->frame);
    free(c->host);
    free(c->ident);
    free(c->secret);
    free(c->tls_ca);
    free(c->tls_hostname);
    free(c);
}

void
hpf_client_free(struct hpf_client *c)
{
    if (c == NULL)
        return;
    if (c->busy) {
        c->freed = 1;
        return;
    }
    hc_free_now(c);
}

/* Callbacks may free the client; these wrappers say whether it is gone. */
#define HC_CALL(c, cb, ...)                                                    \
    do {                                                                       \
        if ((c)->o.cb) {                                                       \
            (c)->busy++;                                                       \
            (c)->o.cb((c)->o.ctx, __VA_ARGS__);                                \
            (c)->busy--;                                                       \
        }                                                                      \
    } while (0)

static int
hc_gone(struct hpf_client *c)
{
    if (c->freed && c->busy == 0) {
        hc_free_now(c);
        return 1;
    }
    return c->freed;
}

static void
hc_schedule(struct hpf_client *c, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

    evtimer_add(c->timer, &tv);
}

/* The connection ended.  Returns 1 if the client was freed meanwhile. */
static int
hc_drop(struct hpf_client *c, int err)
{
    uint32_t rnd = 0;
    int was_finishing = c->finishing;

    if (c->bev) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    c->state = HC_DOWN;
    c->full = 0;
    /* A connection that stayed up a while resets the backoff. */
    if (c->ready_at_us && ap_mono_us() - c->ready_at_us > 5000000)
        c->attempt = 0;
    c->ready_at_us = 0;
    HC_CALL(c, on_disconnect, err);
    if (hc_gone(c))
        return 1;
    if (was_finishing) {
        c->finishing = 0;
        HC_CALL(c, on_finished, c->half_closed && err == AP_ECLOSED ? 0 : err);
        return hc_gone(c);
    }
    if (c->o.reconnect) {
        ap_random_bytes(&rnd, sizeof(rnd));
        hc_schedule(c, hpf_backoff_ms(c->attempt++, c->o.backoff_min_ms,
                                      c->o.backoff_max_ms, rnd));
    }
    return 0;
}

static int
hc_send_ctrl(struct hpf_client *c, uint8_t op, const char *chan)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    int r;

    ap_buf_reset(&c->frame);
    if (op == HPF_OP_SUBSCRIBE)
        r = hpf_put_subscribe(&c->frame, c->ident, strlen(c->ident), chan,
                              strlen(chan));
    else
        r = hpf_put_unsubscribe(&c->frame, c->ident, strlen(c->ident), chan,
                                strlen(chan));
    if (r != 0)
        return r;
    return evbuffer_add(out, ap_buf_data(&c->frame), ap_buf_len(&c->frame))
               ? AP_ENOMEM
               : 0;
}

/* Everything flushed during finish: half-close (TCP) or start the grace
 * timer (TLS has no half-close that brokers honour). */
static void
hc_finish_flushed(struct hpf_client *c)
{
    if (c->half_closed)
        return;
    c->half_closed = 1;
    if (c->ssl_ctx) {
        hc_schedule(c, c->finish_grace_ms);
        return;
    }
    shutdown(bufferevent_getfd(c->bev), SHUT_WR);
}

static int
hc_on_info(struct hpf_client *c, const struct hpf_msg *m)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    uint8_t digest[HPF_DIGEST_LEN];
    size_t i;
    int r;

    /* Every broker sends exactly 4 nonce bytes (reference A1.4). */
    if (m->data_len != HPF_NONCE_LEN)
        return AP_EPROTO;
    hpf_auth_digest(m->data, c->secret, strlen(c->secret), digest);
    ap_buf_reset(&c->frame);
    if ((r = hpf_put_auth(&c->frame, c->ident, strlen(c->ident), digest)) != 0)
        return r;
    if (evbuffer_add(out, ap_buf_data(&c->frame), ap_buf_len(&c->frame)))
        return AP_ENOMEM;
    for (i = 0; i < c->subs.n; i++)
        if ((r = hc_send_ctrl(c, HPF_OP_SUBSCRIBE, c->subs.v[i])) != 0)
            return r;
    c->state = HC_READY;
    c->ready_at_us = ap_mono_us();
    /* Subscribers may be idle for ever: no read timeout once ready. */
    bufferevent_set_timeouts(c->bev, NULL, NULL);
    HC_CALL(c, on_ready, c);
    return 0;
}

/* Handle one frame.  Returns 0, a negative error (drop the connection),
 * or 1 if the client was freed by a callback. */
static int
hc_on_frame(struct hpf_client *c, const struct hpf_msg *m)
{
    switch (m->op) {
    case HPF_OP_INFO:
        if (c->state != HC_WAIT_INFO)
            return AP_EPROTO;
        if (hc_on_info(c, m) != 0)
            return AP_EPROTO;
        break;
    case HPF_OP_ERROR:
        HC_CALL(c, on_error, (const char *)m->data, m->data_len);
        break;
    case HPF_OP_PUBLISH:
        if (c->state != HC_READY)
            return AP_EPROTO;
        HC_CALL(c, on_message, (const char *)m->ident, m->ident_len,
                (const char *)m->channel, m->channel_len, m->data,
                m->data_len);
        break;
    default:
        return AP_EPROTO; /* brokers never send AUTH/SUB/UNSUB */
    }
    return hc_gone(c) ? 1 : 0;
}

static void
hc_read_cb(struct bufferevent *bev, void *arg)
{
    struct hpf_client *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    struct hpf_msg m;
    uint8_t hdr[HPF_HDR_LEN];
    ssize_t total;
    size_t len;
    uint8_t *p;
    int r;

    for (;;) {
        len = evbuffer_get_length(in);
        if (len < HPF_HDR_LEN)
            return;
        evbuffer_copyout(in, hdr, sizeof(hdr));
        if ((total = hpf_frame(hdr, sizeof(hdr), c->o.max_msg)) < 0)
            goto bad;
        if (len < (size_t)total)
            return;
        if ((p = evbuffer_pullup(in, total)) == NULL) {
            hc_drop(c, AP_ENOMEM);
            return;
        }
        if (hpf_parse(p, (size_t)total, c->o.max_msg, &m) != total)
            goto bad;
        r = hc_on_frame(c, &m);
        if (r == 1)
            return;
        if (r < 0)
            goto bad;
        if (c->bev != bev)
            return; /* dropped by a callback */
        evbuffer_drain(in, (size_t)total);
    }
bad:
    ap_log_warn("hpfeeds %s:%d: malformed frame from broker", c->host,
                c->o.port);
    hc_drop(c, AP_EPROTO);
}

static void
hc_write_cb(struct bufferevent *bev, void *arg)
{
    struct hpf_client *c = arg;
    size_t len = evbuffer_get_length(bufferevent_get_output(bev));

    if (c->full && len <= c->o.out_max / 2) {
        c->full = 0;
        if (c->o.on_drain) {
            c->busy++;
            c->o.on_drain(c->o.ctx);
            c->busy--;
        }
        if (hc_gone(c))
            return;
    }
    if (c->finishing && c->state == HC_READY && c->bev == bev &&
        evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        hc_finish_flushed(c);
}

static void
hc_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct hpf_client *c = arg;
    unsigned long e;
    int fd;

    (void)bev;
    if (what & BEV_EVENT_CONNECTED) {
        fd = bufferevent_getfd(bev);
        if (fd >= 0) {
            ap_sock_keepalive(fd, 10, 5, 3);
            ap_sock_nodelay(fd);
        }
        c->state = HC_WAIT_INFO;
        return;
    }
    if (what & BEV_EVENT_EOF) {
        hc_drop(c, AP_ECLOSED);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT) {
        ap_log_warn("hpfeeds %s:%d: timed out", c->host, c->o.port);
        hc_drop(c, AP_ETIMEDOUT);
        return;
    }
    if (c->ssl_ctx && (e = bufferevent_get_openssl_error(bev)) != 0) {
        char msg[256];
        ERR_error_string_n(e, msg, sizeof(msg));
        ap_log_warn("hpfeeds %s:%d: TLS: %s", c->host, c->o.port, msg);
    } else if (!(c->finishing && c->half_closed)) {
        ap_log_warn("hpfeeds %s:%d: connection failed", c->host, c->o.port);
    }
    hc_drop(c, c->finishing && c->half_closed ? AP_ECLOSED : AP_EIO);
}

static int
is_ip_literal(const char *s)
{
    struct in6_addr a6;
    struct in_addr a4;

    return inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1;
}

static struct bufferevent *
hc_new_bev(struct hpf_client *c)
{
    const char *name = c->tls_hostname ? c->tls_hostname : c->host;
    SSL *ssl;

    if (c->ssl_ctx == NULL)
        return bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if ((ssl = SSL_new(c->ssl_ctx)) == NULL)
        return NULL;
    if (is_ip_literal(name)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name);
    } else {
        SSL_set_tlsext_host_name(ssl, name);
        SSL_set1_host(ssl, name);
    }
    return bufferevent_openssl_socket_new(c->base, -1, ssl,
                                          BUFFEREVENT_SSL_CONNECTING,
                                          BEV_OPT_CLOSE_ON_FREE);
}

static void
hc_connect(struct hpf_client *c)
{
    struct timeval tv = {c->o.connect_timeout_ms / 1000,
                         (c->o.connect_timeout_ms % 1000) * 1000};

    c->half_closed = 0;
    if ((c->bev = hc_new_bev(c)) == NULL) {
        hc_drop(c, AP_ENOMEM);
        return;
    }
    c->state = HC_CONNECTING;
    bufferevent_setcb(c->bev, hc_read_cb, hc_write_cb, hc_event_cb, c);
    bufferevent_set_timeouts(c->bev, &tv, &tv);
    /* The write callback runs whenever output is at or below half the
     * cap: that is both the drain report and the finish check. */
    bufferevent_setwatermark(c->bev, EV_WRITE, c->o.out_max / 2, 0);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    /* Blocking name resolution (NULL evdns base); numeric hosts never
     * block. */
    if (bufferevent_socket_connect_hostname(c->bev, NULL, AF_UNSPEC, c->host,
                                            c->o.port) != 0) {
        ap_log_warn("hpfeeds %s:%d: cannot connect", c->host, c->o.port);
        hc_drop(c, AP_EIO);
    }
}

static void
hc_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct hpf_client *c = arg;

    (void)fd;
    (void)what;
    if (c->finishing && c->half_closed) {
        /* TLS finish: the grace period for a late OP_ERROR is over. */
        c->finishing = 0;
        if (c->bev) {
            bufferevent_free(c->bev);
            c->bev = NULL;
        }
        c->state = HC_DOWN;
        HC_CALL(c, on_finished, 0);
        hc_gone(c);
        return;
    }
    if (c->state == HC_DOWN)
        hc_connect(c);
}

static SSL_CTX *
hc_ssl_ctx(const char *ca)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if ((ca ? SSL_CTX_load_verify_locations(ctx, ca, NULL)
            : SSL_CTX_set_default_verify_paths(ctx)) != 1) {
        ap_log_error("hpfeeds: cannot load CA file %s", ca ? ca : "(system)");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static char *
dup_or_null(const char *s, int *bad)
{
    char *d;

    if (s == NULL)
        return NULL;
    if ((d = strdup(s)) == NULL)
        *bad = 1;
    return d;
}

int
hpf_client_new(struct event_base *base, const struct hpf_client_opts *o,
               struct hpf_client **out)
{
    struct hpf_client *c;
    int bad = 0;

    if (o->host == NULL || o->ident == NULL || o->secret == NULL ||
        strlen(o->ident) > HPF_STR_MAX || o->port <= 0 || o->port > 65535)
        return AP_EINVAL;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return AP_ENOMEM;
    c->base = base;
    c->o = *o;
    c->host = dup_or_null(o->host, &bad);
    c->ident = dup_or_null(o->ident, &bad);
    c->secret = dup_or_null(o->secret, &bad);
    c->tls_ca = dup_or_null(o->tls_ca, &bad);
    c->tls_hostname = dup_or_null(o->tls_hostname, &bad);
    if (!c->o.max_msg)
        c->o.max_msg = AP_LIMIT_HPF_MSG;
    if (!c->o.out_max)
        c->o.out_max = 2 * (size_t)AP_LIMIT_HPF_MSG;
    if (c->o.backoff_min_ms <= 0)
        c->o.backoff_min_ms = 250;
    if (c->o.backoff_max_ms < c->o.backoff_min_ms)
        c->o.backoff_max_ms = AP_MAX(30000, c->o.backoff_min_ms);
    if (c->o.connect_timeout_ms <= 0)
        c->o.connect_timeout_ms = 10000;
    ap_buf_init(&c->frame, AP_LIMIT_HPF_CTRL);
    c->timer = evtimer_new(base, hc_timer_cb, c);
    if (bad || c->timer == NULL)
        goto fail;
    if ((o->tls || o->tls_ca) && (c->ssl_ctx = hc_ssl_ctx(o->tls_ca)) == NULL) {
        hc_free_now(c);
        return AP_EINVAL;
    }
    hc_connect(c);
    *out = c;
    return 0;
fail:
    hc_free_now(c);
    return AP_ENOMEM;
}

int
hpf_client_subscribe(struct hpf_client *c, const char *chan)
{
    int r;

    if (strlen(chan) > AP_LIMIT_HPF_CTRL - 5 - 1 - HPF_STR_MAX)
        return AP_EINVAL;
    if (ap_strlist_has(&c->subs, chan))
        return 0;
    if ((r = ap_strlist_add(&c->subs, chan)) != 0)
        return r;
    if (c->state == HC_READY)
        return hc_send_ctrl(c, HPF_OP_SUBSCRIBE, chan);
    return 0;
}

int
hpf_client_unsubscribe(struct hpf_client *c, const char *chan)
{
    size_t i;

    for (i = 0; i < c->subs.n; i++) {
        if (strcmp(c->subs.v[i], chan) != 0)
            continue;
        free(c->subs.v[i]);
        c->subs.v[i] = c->subs.v[--c->subs.n];
        if (c->state == HC_READY)
            return hc_send_ctrl(c, HPF_OP_UNSUBSCRIBE, chan);
        return 0;
    }
    return AP_ENOENT;
}

int
hpf_client_publish(struct hpf_client *c, const char *chan,
                   const void *payload, size_t len)
{
    struct evbuffer *out;
    size_t clen = strlen(chan), ilen = strlen(c->ident), total;
    int r;

    if (clen > HPF_STR_MAX)
        return AP_EINVAL;
    total = HPF_HDR_LEN + 1 + ilen + 1 + clen + len;
    if (total > c->o.max_msg)
        return AP_ETOOBIG;
    if (c->state != HC_READY || c->finishing)
        return AP_EAGAIN;
    out = bufferevent_get_output(c->bev);
    if (evbuffer_get_length(out) + total > c->o.out_max) {
        c->full = 1;
        return AP_EFULL;
    }
    ap_buf_reset(&c->frame);
    if ((r = hpf_put_publish_head(&c->frame, c->ident, ilen, chan, clen,
                                  len)) != 0)
        return r;
    if (evbuffer_add(out, ap_buf_data(&c->frame), ap_buf_len(&c->frame)) ||
        (len && evbuffer_add(out, payload, len)))
        return AP_ENOMEM;
    return 0;
}

int
hpf_client_ready(const struct hpf_client *c)
{
    return c->state == HC_READY;
}

size_t
hpf_client_pending(const struct hpf_client *c)
{
    return c->bev ? evbuffer_get_length(bufferevent_get_output(c->bev)) : 0;
}

int
hpf_client_finish(struct hpf_client *c, int grace_ms)
{
    c->o.reconnect = 0;
    c->finishing = 1;
    c->finish_grace_ms = grace_ms > 0 ? grace_ms : 1;
    if (c->state == HC_DOWN) {
        evtimer_del(c->timer);
        c->finishing = 0;
        HC_CALL(c, on_finished, AP_ECLOSED);
        hc_gone(c);
        return 0;
    }
    if (c->state == HC_READY && hpf_client_pending(c) == 0)
        hc_finish_flushed(c);
    return 0;
}
