/*
 * Server component "hpfeeds": configuration, listeners (plain and TLS),
 * the once-a-second cron, metrics registration, and the in-process API of
 * server/broker.h.  Connection handling is in broker_conn.c, routing in
 * broker_route.c.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "ap/err.h"
#include "ap/hpfeeds.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/metrics.h"
#include "ap/net.h"
#include "broker_int.h"
#include "idents.h"
#include "server.h"
#include "ap/common.h"

#define C(f) offsetof(struct broker_conf, f)
static const struct ap_conf_kw broker_keywords[] = {
    {"listen", AP_CONF_LIST, C(listen), NULL, 0, 0, NULL,
     "address to accept hpfeeds on (repeatable; default 10000 = all IPv4"
     " and IPv6 addresses)"},
    {"tls_listen", AP_CONF_LIST, C(tls_listen), NULL, 0, 0, NULL,
     "address for hpfeeds over TLS (repeatable; needs tls_cert, tls_key)"},
    {"tls_cert", AP_CONF_STR, C(tls_cert), NULL, 0, 0, NULL,
     "PEM certificate chain for tls_listen"},
    {"tls_key", AP_CONF_STR, C(tls_key), NULL, 0, 0, NULL,
     "PEM private key for tls_listen"},
    {"name", AP_CONF_STR, C(name), "hpfeeds", 0, 0, NULL,
     "broker name sent in OP_INFO"},
    {"max_message", AP_CONF_SIZE, C(max_message), "10M", 1024, 256 << 20, NULL,
     "largest message (frame minus its 5-byte header)"},
    {"self_delivery", AP_CONF_BOOL, C(self_delivery), "yes", 0, 0, NULL,
     "deliver a publisher's messages to itself when it is subscribed"},
    {"auth_timeout", AP_CONF_SECS, C(auth_timeout), "30", 1, 3600, NULL,
     "close connections that have not authenticated in this time"},
    {"sub_hard_limit", AP_CONF_SIZE, C(sub_hard_limit), "64M", 4096,
     (long long)4 << 30, NULL,
     "cut a subscriber whose output buffer would pass this"},
    {"sub_soft_limit", AP_CONF_SIZE, C(sub_soft_limit), "16M", 4096,
     (long long)4 << 30, NULL,
     "cut a subscriber above this for sub_soft_seconds"},
    {"sub_soft_seconds", AP_CONF_SECS, C(sub_soft_seconds), "10", 1, 3600, NULL,
     "see sub_soft_limit"},
    {"close_timeout", AP_CONF_SECS, C(close_timeout), "10", 1, 3600, NULL,
     "give up flushing to a closing connection after this long without"
     " progress"},
    {"max_connections", AP_CONF_INT, C(max_connections), "19000", 1, 10000000,
     NULL, "refuse connections beyond this many"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};
#undef C

static void
register_metrics(struct ap_broker *b)
{
    struct ap_metric *g, *c;

#define P "hpfeeds_broker_"
    g = ap_metric_new(AP_METRIC_GAUGE, P "client_connections",
                      "connections open now", NULL, NULL);
    b->m.clients = ap_metric_series(g, NULL, NULL);
    c = ap_metric_new(AP_METRIC_COUNTER, P "connection_made_total",
                      "connections accepted", NULL, NULL);
    b->m.made = ap_metric_series(c, NULL, NULL);
    c = ap_metric_new(AP_METRIC_COUNTER, P "connection_lost_total",
                      "connections closed", NULL, NULL);
    b->m.lost = ap_metric_series(c, NULL, NULL);
    c = ap_metric_new(AP_METRIC_COUNTER, P "connection_refused_total",
                      "connections refused over max_connections", NULL, NULL);
    b->m.refused = ap_metric_series(c, NULL, NULL);
    b->m.ready = ap_metric_new(AP_METRIC_COUNTER, P "connection_ready_total",
                               "successful AUTHs", "ident", NULL);
    b->m.error = ap_metric_new(AP_METRIC_COUNTER, P "connection_error_total",
                               "connections closed for a reason (ident is"
                               " empty when not known)",
                               "ident", "category");
    b->m.auth_fail = ap_metric_new(AP_METRIC_COUNTER, P "auth_failures_total",
                                   "failed AUTHs", "category", NULL);
    b->m.rx_n = ap_metric_new(AP_METRIC_COUNTER, P "receive_publish_count_total",
                              "PUBLISH messages accepted", "ident", "chan");
    b->m.rx_bytes = ap_metric_new(AP_METRIC_COUNTER,
                                  P "receive_publish_bytes_total",
                                  "payload bytes accepted", "ident", "chan");
    b->m.subs = ap_metric_new(AP_METRIC_GAUGE, P "subscriptions",
                              "subscribed connections", "chan", NULL);
    b->m.sent = ap_metric_new(AP_METRIC_COUNTER, P "send_publish_count_total",
                              "messages queued to subscribers", "chan", NULL);
    b->m.sent_bytes = ap_metric_new(AP_METRIC_COUNTER,
                                    P "send_publish_bytes_total",
                                    "frame bytes queued to subscribers", "chan",
                                    NULL);
    b->m.dropped = ap_metric_new(AP_METRIC_COUNTER, P "dropped_messages_total",
                                 "deliveries dropped (subscriber cut)", "chan",
                                 NULL);
    b->m.backpressure = ap_metric_new(AP_METRIC_COUNTER,
                                      P "backpressure_disconnects_total",
                                      "subscribers cut for a full output"
                                      " buffer",
                                      "ident", NULL);
#undef P
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
          int salen, void *arg)
{
    struct ap_broker *b = arg;
    char peer[64];
    SSL *ssl = NULL;
    size_t i;
    int tls = 0;

    (void)salen;
    ap_addr_format(sa, peer, sizeof(peer));
    if ((long long)b->nconns >= b->conf->max_connections) {
        ap_series_add(b->m.refused, 1);
        evutil_closesocket(fd);
        return;
    }
    /* TLS listeners are the ones after the plain ones. */
    for (i = b->conf->listen.n; i < b->nlisteners; i++)
        if (b->listeners[i] == l)
            tls = 1;
    if (tls && (ssl = SSL_new(b->ssl_ctx)) == NULL) {
        evutil_closesocket(fd);
        return;
    }
    bk_conn_accept(b, fd, ssl, peer);
}

static void
relisten(evutil_socket_t fd, short what, void *arg)
{
    struct ap_broker *b = arg;
    size_t i;

    (void)fd;
    (void)what;
    for (i = 0; i < b->nlisteners; i++)
        evconnlistener_enable(b->listeners[i]);
}

/* accept() failed (EMFILE...): pause accepting instead of spinning. */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
    struct ap_broker *b = arg;
    struct timeval tv = {0, 200000};
    size_t i;

    (void)l;
    ap_log_warn("hpfeeds: accept: %s (pausing 200 ms)", strerror(errno));
    for (i = 0; i < b->nlisteners; i++)
        evconnlistener_disable(b->listeners[i]);
    evtimer_add(b->relisten, &tv);
}

static void
cron(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    bk_check_deadlines(arg);
}

static SSL_CTX *
load_tls(const struct broker_conf *cf, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    char msg[256];

    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cf->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, cf->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ERR_error_string_n(ERR_get_error(), msg, sizeof(msg));
        snprintf(err, errlen, "tls_cert %s / tls_key %s: %s", cf->tls_cert,
                 cf->tls_key, msg);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int
add_listener(struct ap_broker *b, const char *spec, int tls, char *err,
             size_t errlen)
{
    struct evconnlistener *l;
    struct ap_addr a;
    int fd, port;

    if (ap_addr_parse(spec, 10000, &a) != 0) {
        snprintf(err, errlen, "%slisten %s: bad address", tls ? "tls_" : "",
                 spec);
        return AP_ECONF;
    }
    if (ap_listen_tcp(&a, &fd) != 0) {
        snprintf(err, errlen, "%slisten %s: %s", tls ? "tls_" : "", spec,
                 strerror(errno));
        return AP_EIO;
    }
    l = evconnlistener_new(b->base, on_accept, b,
                           LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
                           fd);
    if (l == NULL) {
        close(fd);
        snprintf(err, errlen, "listen %s: out of memory", spec);
        return AP_ENOMEM;
    }
    evconnlistener_set_error_cb(l, on_accept_error);
    b->listeners[b->nlisteners++] = l;
    port = ap_sock_port(fd);
    ap_server_note_port(b->srv, tls ? "hpfeeds-tls" : "hpfeeds", port);
    ap_log_info("hpfeeds: listening on %s%s (port %d)", spec,
                tls ? " (TLS)" : "", port);
    return 0;
}

/* Many connections: raise the soft fd limit to the hard one. */
static void
raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void broker_stop(struct ap_server *srv, void *conf);

static int
broker_start(struct ap_server *srv, void *conf, char *err, size_t errlen)
{
    struct broker_conf *cf = conf;
    struct timeval sec = {1, 0};
    struct ap_broker *b;
    size_t i;
    int r;

    if (strlen(cf->name) > HPF_STR_MAX) {
        snprintf(err, errlen, "name: longer than 255 bytes");
        return AP_ECONF;
    }
    if (cf->sub_soft_limit > cf->sub_hard_limit) {
        snprintf(err, errlen, "sub_soft_limit is above sub_hard_limit");
        return AP_ECONF;
    }
    if (cf->tls_listen.n && (!cf->tls_cert || !cf->tls_key)) {
        snprintf(err, errlen, "tls_listen needs tls_cert and tls_key");
        return AP_ECONF;
    }
    if (cf->listen.n == 0 && ap_strlist_add(&cf->listen, "10000") != 0)
        return AP_ENOMEM;
    if (ap_idents_init(srv->db) != 0) {
        snprintf(err, errlen, "cannot create the idents table");
        return AP_EDB;
    }
    raise_nofile();
    if ((b = calloc(1, sizeof(*b))) == NULL)
        return AP_ENOMEM;
    b->srv = srv;
    b->conf = cf;
    b->base = srv->base;
    b->db = srv->db;
    b->frame_max = cf->max_message + HPF_HDR_LEN;
    b->auth_tv_val.tv_sec = (time_t)cf->auth_timeout;
    b->auth_tv = event_base_init_common_timeout(b->base, &b->auth_tv_val);
    if (b->auth_tv == NULL)
        b->auth_tv = &b->auth_tv_val;
    srv->broker = b;
    register_metrics(b);
    b->listeners = calloc(cf->listen.n + cf->tls_listen.n,
                          sizeof(*b->listeners));
    b->cron = event_new(b->base, -1, EV_PERSIST, cron, b);
    b->relisten = evtimer_new(b->base, relisten, b);
    if (b->listeners == NULL || b->cron == NULL || b->relisten == NULL) {
        r = AP_ENOMEM;
        goto fail;
    }
    event_add(b->cron, &sec);
    if (cf->tls_listen.n && (b->ssl_ctx = load_tls(cf, err, errlen)) == NULL) {
        r = AP_ECONF;
        goto fail;
    }
    for (i = 0; i < cf->listen.n; i++)
        if ((r = add_listener(b, cf->listen.v[i], 0, err, errlen)) != 0)
            goto fail;
    for (i = 0; i < cf->tls_listen.n; i++)
        if ((r = add_listener(b, cf->tls_listen.v[i], 1, err, errlen)) != 0)
            goto fail;
    return 0;
fail:
    broker_stop(srv, conf);
    return r;
}

static void
broker_stop(struct ap_server *srv, void *conf)
{
    struct ap_broker *b = srv->broker;
    size_t i;

    (void)conf;
    if (b == NULL)
        return;
    for (i = 0; i < b->nlisteners; i++)
        evconnlistener_free(b->listeners[i]);
    while (b->conns)
        bk_conn_free(b->conns);
    bk_chans_free(b);
    if (b->cron)
        event_free(b->cron);
    if (b->relisten)
        event_free(b->relisten);
    if (b->ssl_ctx)
        SSL_CTX_free(b->ssl_ctx);
    free(b->listeners);
    free(b);
    srv->broker = NULL;
}

/* SIGHUP: reload the TLS certificate and key (new connections use them;
 * established ones keep theirs through SSL reference counting). */
static void
broker_reload(struct ap_server *srv, void *conf)
{
    struct ap_broker *b = srv->broker;
    char err[512];
    SSL_CTX *ctx;

    if (b == NULL || b->ssl_ctx == NULL)
        return;
    if ((ctx = load_tls(conf, err, sizeof(err))) == NULL) {
        ap_log_error("hpfeeds: keeping the old certificate: %s", err);
        return;
    }
    SSL_CTX_free(b->ssl_ctx);
    b->ssl_ctx = ctx;
    ap_log_info("hpfeeds: TLS certificate reloaded");
}

const struct ap_server_component ap_component_hpfeeds = {
    "hpfeeds", broker_keywords, sizeof(struct broker_conf),
    broker_start, broker_stop, broker_reload,
};

struct ap_broker *
ap_broker_of(struct ap_server *srv)
{
    return srv->broker;
}

int
ap_broker_add_tap(struct ap_broker *b, ap_broker_tap_fn fn, void *ctx)
{

    if (b == NULL || fn == NULL)
        return AP_EINVAL;
    if (b->ntaps >= BK_MAX_TAPS)
        return AP_EFULL;
    b->taps[b->ntaps++] = (struct bk_tap){fn, ctx};
    return 0;
}

int
ap_broker_publish(struct ap_broker *b, const char *ident, const char *chan,
                  const void *payload, size_t len)
{
    struct bk_chan *ch;
    struct ap_buf f;
    int r;

    if (b == NULL)
        return AP_EINVAL;
    if ((ch = bk_chan_get(b, chan, strlen(chan), 0)) == NULL || ch->nsubs == 0)
        return 0; /* nobody listens */
    ap_buf_init(&f, b->frame_max);
    r = hpf_put_publish(&f, ident, strlen(ident), chan, strlen(chan), payload,
                        len);
    if (r == 0)
        bk_fanout(b, ch, NULL, ap_buf_data(&f), ap_buf_len(&f));
    ap_buf_release(&f);
    return r;
}
