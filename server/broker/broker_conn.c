/*
 * One hpfeeds client connection: INFO on accept, AUTH, then PUBLISH /
 * SUBSCRIBE / UNSUBSCRIBE until the client leaves or breaks a rule.
 *
 * Error handling follows hpfeeds3 (reference A1.7): refusals are an
 * OP_ERROR with hpfeeds3's exact text and then a close; frames that can
 * never be valid (length < 5, unknown opcode, a string overrunning the
 * frame, oversize) close the connection without an OP_ERROR.  Frames are
 * handled strictly in order, so AUTH + SUBSCRIBE + PUBLISH pipelined in
 * one segment work (the ident lookup is synchronous).
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/hpfeeds.h"
#include "ap/log.h"
#include "ap/metrics.h"
#include "ap/net.h"
#include "ap/util.h"
#include "broker_int.h"
#include "idents.h"
#include "ap/common.h"

/* After an error: how long to wait for the peer to close. */
#define LINGER_SECS 2

/* Publishers stream big frames; read in large bites. */
#define READ_BITE (256u * 1024u)

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

void
bk_count_error(struct ap_broker *b, const char *ident, size_t ilen,
               const char *category)
{
    ap_series_add(ap_metric_series_n(b->m.error, ident, ilen, category,
                                     strlen(category)),
                  1);
}

static void
acl_free(struct bk_conn *c)
{
    free(c->pub);
    free(c->suballow);
    c->pub = NULL;
    c->suballow = NULL;
    c->npub = c->nsuballow = 0;
    c->last_pub = NULL;
    c->last_acl = NULL;
}

void
bk_conn_free(struct bk_conn *c)
{
    struct ap_broker *b = c->b;

    if (c->deadline)
        event_free(c->deadline);
    bk_unsubscribe_all(c);
    acl_free(c);
    free(c->subs);
    if (c->prev)
        c->prev->next = c->next;
    else
        b->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    b->nconns--;
    ap_series_add(b->m.clients, -1);
    ap_series_add(b->m.lost, 1);
    bufferevent_free(c->bev);
    free(c);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    struct bk_conn *c = arg;

    (void)fd;
    (void)what;
    if (c->state == BK_WAIT_AUTH) {
        bk_count_error(c->b, "", 0, "auth-timeout");
        ap_log_debug("hpfeeds %s: no AUTH in time", c->peer);
    }
    bk_conn_free(c);
}

static void
linger_read_cb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    evbuffer_drain(bufferevent_get_input(bev),
                   evbuffer_get_length(bufferevent_get_input(bev)));
}

/*
 * Output flushed.  Closing a socket with unread input makes the kernel
 * send RST, which can destroy the OP_ERROR we just sent before the peer
 * reads it; so (plain TCP) shut our side and discard input until the
 * peer closes or LINGER_SECS pass (nginx's lingering close).
 */
static void
closing_write_cb(struct bufferevent *bev, void *arg)
{
    struct timeval tv = {LINGER_SECS, 0};
    struct bk_conn *c = arg;

    if (evbuffer_get_length(bufferevent_get_output(bev)) != 0)
        return;
    if (c->tls || shutdown(bufferevent_getfd(bev), SHUT_WR) != 0) {
        bk_conn_free(c);
        return;
    }
    bufferevent_setcb(bev, linger_read_cb, NULL, conn_event_cb, c);
    if (c->deadline == NULL &&
        (c->deadline = evtimer_new(c->b->base, deadline_cb, c)) == NULL) {
        bk_conn_free(c);
        return;
    }
    evtimer_add(c->deadline, &tv);
    bufferevent_disable(bev, EV_WRITE);
    bufferevent_enable(bev, EV_READ);
}

void
bk_conn_close(struct bk_conn *c, const char *errtext, size_t len)
{
    struct timeval tv = {(time_t)c->b->conf->close_timeout, 0};
    struct ap_buf e;

    if (c->state == BK_CLOSING)
        return;
    c->state = BK_CLOSING;
    if (c->deadline)
        evtimer_del(c->deadline); /* re-armed for the lingering close */
    bk_unsubscribe_all(c);
    bufferevent_disable(c->bev, EV_READ);
    if (errtext) {
        ap_buf_init(&e, c->b->frame_max);
        if (hpf_put_error(&e, errtext, len) == 0)
            bufferevent_write(c->bev, ap_buf_data(&e), ap_buf_len(&e));
        ap_buf_release(&e);
    }
    /* Free once flushed; a peer that never reads is dropped after
     * close_timeout without progress.  Never free here: callers may be
     * iterating over connections. */
    bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
    bufferevent_setcb(c->bev, NULL, closing_write_cb, conn_event_cb, c);
    bufferevent_set_timeouts(c->bev, NULL, &tv);
    bufferevent_enable(c->bev, EV_WRITE);
    bufferevent_trigger(c->bev, EV_WRITE,
                        BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/* hpfeeds3's error texts embed ident and channel as received. */
static void
refuse(struct bk_conn *c, const char *fmt1, const void *a, size_t alen,
       const char *fmt2, const void *b2, size_t blen)
{
    struct ap_buf t;

    ap_buf_init(&t, 1024);
    ap_buf_puts(&t, fmt1);
    ap_buf_append(&t, a, alen);
    if (fmt2) {
        ap_buf_puts(&t, fmt2);
        ap_buf_append(&t, b2, blen);
    }
    bk_conn_close(c, (const char *)ap_buf_data(&t), ap_buf_len(&t));
    ap_buf_release(&t);
}

static int
load_acl(struct bk_conn *c, const struct ap_ident *id)
{
    struct ap_broker *b = c->b;
    size_t i;

    acl_free(c);
    if ((c->pub = calloc(id->pub.n + 1, sizeof(*c->pub))) == NULL ||
        (c->suballow = calloc(id->sub.n + 1, sizeof(*c->suballow))) == NULL)
        return AP_ENOMEM;
    for (i = 0; i < id->pub.n; i++) {
        const char *n = id->pub.v[i];
        struct bk_pub *p = &c->pub[c->npub];
        if ((p->chan = bk_chan_get(b, n, strlen(n), 1)) == NULL)
            return AP_ENOMEM;
        p->m_n = ap_metric_series(b->m.rx_n, id->name, n);
        p->m_bytes = ap_metric_series(b->m.rx_bytes, id->name, n);
        c->npub++;
    }
    for (i = 0; i < id->sub.n; i++) {
        const char *n = id->sub.v[i];
        if ((c->suballow[c->nsuballow] = bk_chan_get(b, n, strlen(n), 1)) == NULL)
            return AP_ENOMEM;
        c->nsuballow++;
    }
    return 0;
}

/* Drop subscriptions the (new) ACL no longer allows (second AUTH). */
static void
prune_subs(struct bk_conn *c)
{
    size_t i = 0, j;

    while (i < c->nsubs) {
        struct bk_chan *ch = c->subs[i].chan;
        for (j = 0; j < c->nsuballow && c->suballow[j] != ch; j++)
            ;
        if (j == c->nsuballow) {
            c->subs[i].count = 1;
            bk_unsubscribe(c, ch); /* moves the last entry into i */
        } else {
            i++;
        }
    }
}

static void
on_auth(struct bk_conn *c, const struct hpf_msg *m)
{
    struct ap_broker *b = c->b;
    uint8_t want[HPF_DIGEST_LEN];
    struct ap_ident id;
    int r, ok;

    r = ap_ident_get(b->db, (const char *)m->ident, m->ident_len, &id);
    if (r != 0) {
        ap_series_add(ap_metric_series(b->m.auth_fail,
                                       r == AP_ENOENT ? "invalid-ident"
                                                      : "error-checking-ident",
                                       NULL),
                      1);
        /* The ident is attacker-chosen: no per-ident series for it. */
        bk_count_error(b, "", 0,
                       r == AP_ENOENT ? "invalid-ident" : "error-checking-ident");
        ap_log_info("hpfeeds %s: unknown ident '%.*s'", c->peer,
                    (int)m->ident_len, (const char *)m->ident);
        refuse(c, "Authentication failed for ", m->ident, m->ident_len, NULL,
               NULL, 0);
        return;
    }
    hpf_auth_digest(c->nonce, id.secret, strlen(id.secret), want);
    ok = m->data_len == HPF_DIGEST_LEN &&
         ap_ct_equal(want, m->data, HPF_DIGEST_LEN);
    if (!ok) {
        ap_metric_add(b->m.auth_fail, "invalid-secret", NULL, 1);
        bk_count_error(b, id.name, strlen(id.name), "invalid-secret");
        ap_log_info("hpfeeds %s: bad secret for '%s'", c->peer, id.name);
        refuse(c, "Authentication failed for ", m->ident, m->ident_len, NULL,
               NULL, 0);
        goto out;
    }
    if (load_acl(c, &id) != 0) {
        bk_conn_close(c, NULL, 0);
        goto out;
    }
    memcpy(c->ident, m->ident, m->ident_len);
    c->ident[m->ident_len] = '\0';
    c->ident_len = m->ident_len;
    if (c->state == BK_AUTHED)
        prune_subs(c);
    c->state = BK_AUTHED;
    /* Authenticated clients may be idle for ever (subscribers). */
    if (c->deadline) {
        event_free(c->deadline);
        c->deadline = NULL;
    }
    ap_metric_add(b->m.ready, id.name, NULL, 1);
    ap_log_debug("hpfeeds %s: authenticated as '%s'", c->peer, id.name);
out:
    memset(want, 0, sizeof(want));
    if (id.secret)
        memset(id.secret, 0, strlen(id.secret));
    ap_ident_release(&id);
}

static struct bk_pub *
pub_acl(struct bk_conn *c, struct bk_chan *ch)
{
    size_t i;

    if (ch == NULL)
        return NULL;
    if (ch == c->last_pub)
        return c->last_acl;
    for (i = 0; i < c->npub; i++) {
        if (c->pub[i].chan == ch) {
            c->last_pub = ch;
            c->last_acl = &c->pub[i];
            return c->last_acl;
        }
    }
    return NULL;
}

static void
on_publish(struct bk_conn *c, const struct hpf_msg *m, const uint8_t *frame)
{
    struct ap_broker *b = c->b;
    struct bk_chan *ch;
    struct bk_pub *acl;
    size_t i;

    if (m->ident_len != c->ident_len ||
        memcmp(m->ident, c->ident, c->ident_len) != 0) {
        bk_count_error(b, c->ident, c->ident_len, "ident-mismatch-pub");
        refuse(c, "Invalid authkey in message, ident=", m->ident, m->ident_len,
               NULL, NULL, 0);
        return;
    }
    ch = bk_chan_get(b, m->channel, m->channel_len, 0);
    if ((acl = pub_acl(c, ch)) == NULL) {
        bk_count_error(b, c->ident, c->ident_len, "no-pub-permission");
        refuse(c, "Authkey not allowed to pub here. ident=", c->ident,
               c->ident_len, ", chan=", m->channel, m->channel_len);
        return;
    }
    ap_series_add(acl->m_n, 1);
    ap_series_add(acl->m_bytes, (int64_t)m->data_len);
    bk_fanout(b, ch, c, frame, m->total);
    for (i = 0; i < b->ntaps; i++)
        b->taps[i].fn(b->taps[i].ctx, c->ident, c->ident_len, ch->name,
                      ch->len, m->data, m->data_len);
}

static void
on_subscribe(struct bk_conn *c, const struct hpf_msg *m)
{
    struct bk_chan *ch = bk_chan_get(c->b, m->channel, m->channel_len, 0);
    size_t i;

    for (i = 0; ch && i < c->nsuballow; i++) {
        if (c->suballow[i] == ch) {
            if (bk_subscribe(c, ch) != 0)
                bk_conn_close(c, NULL, 0);
            return;
        }
    }
    bk_count_error(c->b, c->ident, c->ident_len, "no-sub-permission");
    refuse(c, "Authkey not allowed to sub here. ident=", c->ident, c->ident_len,
           ", chan=", m->channel, m->channel_len);
}

/* One complete, well-formed frame. */
static void
on_frame(struct bk_conn *c, const struct hpf_msg *m, const uint8_t *frame)
{
    struct bk_chan *ch;

    if (c->state == BK_WAIT_AUTH && m->op != HPF_OP_AUTH) {
        bk_count_error(c->b, "", 0, "invalid-first-message");
        bk_conn_close(c, "First message was not AUTH",
                      sizeof("First message was not AUTH") - 1);
        return;
    }
    switch (m->op) {
    case HPF_OP_AUTH:
        on_auth(c, m);
        break;
    case HPF_OP_PUBLISH:
        on_publish(c, m, frame);
        break;
    case HPF_OP_SUBSCRIBE:
        on_subscribe(c, m);
        break;
    case HPF_OP_UNSUBSCRIBE:
        /* Never permission-checked; unknown channels are ignored. */
        if ((ch = bk_chan_get(c->b, m->channel, m->channel_len, 0)) != NULL)
            bk_unsubscribe(c, ch);
        break;
    default:
        /* INFO or ERROR from a client: hpfeeds3 drops it silently. */
        bk_count_error(c->b, c->ident, c->ident_len, "unexpected-opcode");
        bk_conn_close(c, NULL, 0);
        break;
    }
}

/*
 * One frame at p (avail contiguous bytes).  Returns the bytes consumed,
 * 0 with *need = the contiguous bytes required (header or whole frame),
 * or -1 once the connection is closing.
 */
static ssize_t
handle_one(struct bk_conn *c, const uint8_t *p, size_t avail, size_t *need)
{
    struct ap_broker *b = c->b;
    struct hpf_msg m;
    ssize_t total;

    if (avail < HPF_HDR_LEN) {
        *need = HPF_HDR_LEN;
        return 0;
    }
    total = hpf_frame(p, HPF_HDR_LEN, b->frame_max);
    if (total < 0) {
        /* Never valid: close without OP_ERROR, like hpfeeds3. */
        bk_count_error(b, c->ident, c->ident_len,
                       total == AP_ETOOBIG ? "oversize-frame"
                                           : "malformed-frame");
        bk_conn_close(c, NULL, 0);
        return -1;
    }
    /* Before AUTH only AUTH is acceptable: do not buffer a big body just
     * to refuse it. */
    if (c->state == BK_WAIT_AUTH && p[4] != HPF_OP_AUTH) {
        bk_count_error(b, "", 0, "invalid-first-message");
        bk_conn_close(c, "First message was not AUTH",
                      sizeof("First message was not AUTH") - 1);
        return -1;
    }
    if (avail < (size_t)total) {
        *need = (size_t)total;
        return 0;
    }
    if (hpf_parse(p, (size_t)total, b->frame_max, &m) != total) {
        bk_count_error(b, c->ident, c->ident_len, "malformed-frame");
        bk_conn_close(c, NULL, 0);
        return -1;
    }
    on_frame(c, &m, p);
    return c->state == BK_CLOSING ? -1 : total;
}

/*
 * Frames are handled in place in the input buffer's first chunk (a read
 * brings many small frames at once); only a frame that straddles two
 * chunks is made contiguous first.  A frame still arriving (streaming
 * publishers) simply waits for more reads, up to max_message.
 */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
    struct bk_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    struct evbuffer_iovec v;
    size_t len, off, need;
    ssize_t r;

    while (c->state != BK_CLOSING) {
        len = evbuffer_get_length(in);
        if (len < HPF_HDR_LEN)
            return;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
            v.iov_len = 0;
        off = 0;
        need = HPF_HDR_LEN;
        while ((r = handle_one(c, (const uint8_t *)v.iov_base + off,
                               v.iov_len - off, &need)) > 0)
            off += (size_t)r;
        if (off)
            evbuffer_drain(in, off);
        if (r < 0)
            return;
        if (off)
            continue;
        if (len < need)
            return; /* the rest comes in later reads */
        if (evbuffer_pullup(in, (ssize_t)need) == NULL) {
            bk_conn_close(c, NULL, 0);
            return;
        }
    }
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct bk_conn *c = arg;

    (void)bev;
    if (what & BEV_EVENT_CONNECTED)
        return; /* TLS handshake done */
    /* EOF, error, or a timeout: the peer is gone or too slow.  Frames
     * that arrived before EOF have been handled by the read callback. */
    bk_conn_free(c);
}

void
bk_conn_accept(struct ap_broker *b, int fd, SSL *ssl, const char *peer)
{
    struct bk_conn *c;
    struct ap_buf info;

    ap_series_add(b->m.made, 1);
    if ((c = calloc(1, sizeof(*c))) == NULL)
        goto fail;
    if (ssl)
        c->bev = bufferevent_openssl_socket_new(b->base, fd, ssl,
                                                BUFFEREVENT_SSL_ACCEPTING,
                                                BEV_OPT_CLOSE_ON_FREE);
    else
        c->bev = bufferevent_socket_new(b->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL)
        goto fail;
    if (ssl)
        bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
    c->b = b;
    c->tls = ssl != NULL;
    c->state = BK_WAIT_AUTH;
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    ap_random_bytes(c->nonce, sizeof(c->nonce));
    c->next = b->conns;
    if (b->conns)
        b->conns->prev = c;
    b->conns = c;
    b->nconns++;
    ap_series_add(b->m.clients, 1);
    ap_sock_keepalive(fd, 10, 5, 3);
    ap_sock_nodelay(fd);
    bufferevent_set_max_single_read(c->bev, READ_BITE);
    bufferevent_set_max_single_write(c->bev, READ_BITE);
    bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
    if ((c->deadline = evtimer_new(b->base, deadline_cb, c)) == NULL) {
        bk_conn_free(c);
        return;
    }
    evtimer_add(c->deadline, b->auth_tv);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    ap_buf_init(&info, 512);
    hpf_put_info(&info, b->conf->name, strlen(b->conf->name), c->nonce);
    bufferevent_write(c->bev, ap_buf_data(&info), ap_buf_len(&info));
    ap_buf_release(&info);
    return;
fail:
    ap_log_warn("hpfeeds %s: out of memory", peer);
    if (c && c->bev) {
        bufferevent_free(c->bev);
    } else {
        if (ssl)
            SSL_free(ssl);
        evutil_closesocket(fd);
    }
    free(c);
}
