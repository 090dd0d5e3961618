/*
 * The client state machine against a scripted peer on 127.0.0.1: the peer
 * plays the broker side byte by byte (INFO with nonce 00000000, so the
 * AUTH must be the reference vector of mhn-reference.md 1.5), then drops
 * the connection to check reconnect + resubscribe.  The real broker is
 * exercised by tests/blackbox/broker_*.sh.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/hpf_client.h"
#include "ap/hpfeeds.h"
#include "harness.h"
#include "ap/common.h"

struct peer {
    struct event_base *base;
    struct bufferevent *bev;
    int accepts;
    int auths_ok;
    int subs;        /* SUBSCRIBE frames for "chan1" seen */
    int pubs;        /* PUBLISH frames seen from the client */
    int got_payload; /* last PUBLISH payload matched */
    /* client side */
    int readies, msgs, disconnects, errors;
    char last_msg[64];
    struct hpf_client *c;
};

static void
peer_send(struct peer *p, struct ap_buf *b)
{
    bufferevent_write(p->bev, ap_buf_data(b), ap_buf_len(b));
    ap_buf_reset(b);
}

static void
peer_read(struct bufferevent *bev, void *arg)
{
    static const char auth_hex[] =
        "00000021 02 07 636c69656e7431 afaeae5fc761191be3f9cece5ffb70bc506942a4";
    struct peer *p = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    uint8_t want[64], *d;
    struct hpf_msg m;
    struct ap_buf b;
    ssize_t n;
    size_t wl = th_unhex(auth_hex, want, sizeof(want));

    ap_buf_init(&b, 4096);
    for (;;) {
        size_t len = evbuffer_get_length(in);
        d = evbuffer_pullup(in, -1);
        n = hpf_parse(d, len, 1 << 20, &m);
        if (n <= 0)
            break;
        if (m.op == HPF_OP_AUTH && (size_t)n == wl && memcmp(d, want, wl) == 0) {
            p->auths_ok++;
        } else if (m.op == HPF_OP_SUBSCRIBE && m.channel_len == 5 &&
                   memcmp(m.channel, "chan1", 5) == 0) {
            p->subs++;
            if (p->accepts == 1) {
                /* deliver one message, then expect the client's publish */
                hpf_put_publish(&b, "other", 5, "chan1", 5, "hello", 5);
                peer_send(p, &b);
            }
        } else if (m.op == HPF_OP_PUBLISH) {
            p->pubs++;
            p->got_payload = m.data_len == 4 && memcmp(m.data, "ping", 4) == 0;
            if (p->accepts == 1) {
                /* drop the client: it must come back and resubscribe */
                bufferevent_free(p->bev);
                p->bev = NULL;
                ap_buf_release(&b);
                return;
            }
        }
        evbuffer_drain(in, (size_t)n);
    }
    ap_buf_release(&b);
    if (p->accepts == 2 && p->subs == 2)
        event_base_loopbreak(p->base);
}

static void
peer_event(struct bufferevent *bev, short what, void *arg)
{
    struct peer *p = arg;

    (void)what;
    if (p->bev == bev) {
        bufferevent_free(bev);
        p->bev = NULL;
    }
}

static void
peer_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
            int salen, void *arg)
{
    static const uint8_t nonce[4] = {0, 0, 0, 0};
    struct peer *p = arg;
    struct ap_buf b;

    (void)l;
    (void)sa;
    (void)salen;
    p->accepts++;
    if (p->bev)
        bufferevent_free(p->bev);
    p->bev = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(p->bev, peer_read, NULL, peer_event, p);
    bufferevent_enable(p->bev, EV_READ | EV_WRITE);
    ap_buf_init(&b, 256);
    hpf_put_info(&b, "hpfeeds", 7, nonce);
    peer_send(p, &b);
    ap_buf_release(&b);
}

static void
on_ready(void *ctx, struct hpf_client *c)
{
    struct peer *p = ctx;

    (void)c;
    p->readies++;
}

static void
on_message(void *ctx, const char *ident, size_t ilen, const char *chan,
           size_t clen, const uint8_t *payload, size_t len)
{
    struct peer *p = ctx;

    p->msgs++;
    if (ilen == 5 && memcmp(ident, "other", 5) == 0 && clen == 5 &&
        memcmp(chan, "chan1", 5) == 0 && len < sizeof(p->last_msg)) {
        memcpy(p->last_msg, payload, len);
        p->last_msg[len] = '\0';
    }
    ASSERT_EQ(hpf_client_publish(p->c, "chan1", "ping", 4), 0);
}

static void
on_disconnect(void *ctx, int err)
{
    struct peer *p = ctx;

    (void)err;
    p->disconnects++;
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}

TEST(auth_subscribe_publish_reconnect)
{
    struct sockaddr_in sin;
    struct peer p;
    struct evconnlistener *l;
    struct hpf_client_opts o;
    struct event *to;
    struct timeval tv = {20, 0};
    socklen_t sl = sizeof(sin);

    memset(&p, 0, sizeof(p));
    p.base = event_base_new();
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(p.base, peer_accept, &p,
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                (struct sockaddr *)&sin, sizeof(sin));
    ASSERT(l != NULL);
    getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &sl);

    memset(&o, 0, sizeof(o));
    o.host = "127.0.0.1";
    o.port = ntohs(sin.sin_port);
    o.ident = "client1";
    o.secret = "password";
    o.reconnect = 1;
    o.backoff_min_ms = 10;
    o.backoff_max_ms = 50;
    o.ctx = &p;
    o.on_ready = on_ready;
    o.on_message = on_message;
    o.on_disconnect = on_disconnect;
    ASSERT_EQ(hpf_client_new(p.base, &o, &p.c), 0);
    /* not connected yet: publishing is refused, not queued */
    ASSERT_EQ(hpf_client_publish(p.c, "chan1", "x", 1), AP_EAGAIN);
    ASSERT_EQ(hpf_client_subscribe(p.c, "chan1"), 0);
    ASSERT_EQ(hpf_client_subscribe(p.c, "chan1"), 0); /* no duplicate */
    to = evtimer_new(p.base, on_timeout, p.base);
    evtimer_add(to, &tv);
    event_base_dispatch(p.base);

    ASSERT_EQ(p.accepts, 2);
    ASSERT_EQ(p.auths_ok, 2);
    ASSERT_EQ(p.subs, 2);
    ASSERT_EQ(p.readies, 2);
    ASSERT_EQ(p.msgs, 1);
    ASSERT_STR_EQ(p.last_msg, "hello");
    ASSERT_EQ(p.pubs, 1);
    ASSERT(p.got_payload);
    ASSERT_EQ(p.disconnects, 1);
    ASSERT(hpf_client_ready(p.c));

    hpf_client_free(p.c);
    if (p.bev)
        bufferevent_free(p.bev);
    event_free(to);
    evconnlistener_free(l);
    event_base_free(p.base);
}

/* A bounded output buffer: publishing past out_max is refused. */
struct full_res {
    struct event_base *base;
    int r, n;
};

static void
full_ready(void *ctx, struct hpf_client *c)
{
    static char big[4096];
    struct full_res *res = ctx;
    int i, r = 0;

    for (i = 0; i < 100 && r == 0; i++)
        r = hpf_client_publish(c, "c", big, sizeof(big));
    res->r = r;
    res->n = i;
    event_base_loopbreak(res->base);
}

TEST(publish_backpressure)
{
    struct sockaddr_in sin;
    struct peer p;
    struct evconnlistener *l;
    struct hpf_client_opts o;
    struct hpf_client *c;
    struct event_base *base = event_base_new();
    struct full_res res = {base, 0, 0};
    socklen_t sl = sizeof(sin);

    memset(&p, 0, sizeof(p));
    p.base = base;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(base, peer_accept, &p,
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                (struct sockaddr *)&sin, sizeof(sin));
    ASSERT(l != NULL);
    getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &sl);
    memset(&o, 0, sizeof(o));
    o.host = "127.0.0.1";
    o.port = ntohs(sin.sin_port);
    o.ident = "client1";
    o.secret = "password";
    o.out_max = 20000;
    o.ctx = &res;
    o.on_ready = full_ready;
    ASSERT_EQ(hpf_client_new(base, &o, &c), 0);
    event_base_dispatch(base);
    /* AUTH (33 B) + 4 frames of ~4.1 KiB fit in 20000, the 5th does not */
    ASSERT_EQ(res.r, AP_EFULL);
    ASSERT_EQ(res.n, 5);
    ASSERT_EQ(hpf_client_publish(c, "c", "", 0) == 0, 1);
    ASSERT_EQ(hpf_client_publish(c, "c", "", 70000), AP_EFULL);
    hpf_client_free(c);
    if (p.bev)
        bufferevent_free(p.bev);
    evconnlistener_free(l);
    event_base_free(base);
}

TEST(backoff)
{
    int i, d, prev = 0;

    ASSERT_EQ(hpf_backoff_ms(0, 100, 1000, 1000), 100);
    ASSERT_EQ(hpf_backoff_ms(0, 100, 1000, 0), 50);
    ASSERT_EQ(hpf_backoff_ms(3, 100, 1000, 1000), 800);
    ASSERT_EQ(hpf_backoff_ms(4, 100, 1000, 1000), 1000);
    ASSERT_EQ(hpf_backoff_ms(60, 100, 1000, 1000), 1000);
    ASSERT_EQ(hpf_backoff_ms(60, 100, 1000, 0), 500);
    for (i = 0; i < 40; i++) {
        d = hpf_backoff_ms(i, 250, 30000, 1000);
        ASSERT(d >= prev && d <= 30000);
        prev = d;
    }
}

int
main(void)
{
    RUN(backoff);
    RUN(auth_subscribe_publish_reconnect);
    RUN(publish_backpressure);
    return DONE();
}
