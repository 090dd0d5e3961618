/*
 * Broker internals shared by broker.c (component, listeners),
 * broker_conn.c (one client connection's protocol) and broker_route.c
 * (channels, subscriptions, fan-out, backpressure).  Everything runs on
 * the server's main loop thread.
 */
#ifndef AP_BROKER_INT_H
#define AP_BROKER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include <openssl/ssl.h>
#include <sqlite3.h>

#include "ap/conf.h"
#include "ap/hpfeeds.h"
#include "broker.h"

struct event_base;
struct event;
struct bufferevent;
struct evconnlistener;
struct ap_series;
struct ap_metric;

struct broker_conf {
    struct ap_strlist listen;
    struct ap_strlist tls_listen;
    char *tls_cert;
    char *tls_key;
    char *name;
    size_t max_message; /* largest PUBLISH body + strings (frame - 5) */
    int self_delivery;
    long long auth_timeout;
    size_t sub_hard_limit;
    size_t sub_soft_limit;
    long long sub_soft_seconds;
    long long close_timeout;
    long long max_connections;
};

struct bk_conn;

struct bk_chan {
    struct bk_chan *hnext;
    struct bk_conn **subs; /* distinct subscribers */
    size_t nsubs, subcap;
    struct ap_series *m_subs, *m_sent, *m_sent_bytes, *m_dropped;
    size_t len;
    char name[]; /* NUL-terminated, may contain NULs before len */
};

struct bk_pub {
    struct bk_chan *chan;
    struct ap_series *m_n, *m_bytes; /* receive_publish{ident,chan} */
};

struct bk_sub {
    struct bk_chan *chan;
    unsigned count; /* duplicate SUBSCRIBEs need as many UNSUBSCRIBEs */
};

enum bk_state {
    BK_WAIT_AUTH,
    BK_AUTHED,
    BK_CLOSING, /* error queued, flushing, then free */
};

struct bk_conn {
    struct ap_broker *b;
    struct bk_conn *prev, *next; /* all connections */
    struct bufferevent *bev;
    enum bk_state state;
    uint8_t nonce[HPF_NONCE_LEN];
    char ident[HPF_STR_MAX + 1];
    size_t ident_len;
    struct bk_pub *pub;
    size_t npub;
    struct bk_chan **suballow;
    size_t nsuballow;
    struct bk_sub *subs;
    size_t nsubs, subcap;
    struct bk_chan *last_pub; /* cache: last channel published to */
    struct bk_pub *last_acl;
    int64_t soft_since_us; /* 0 = output below the soft cap */
    /* Absolute deadlines (a read timeout would restart with every byte a
     * slow-loris peer trickles): AUTH within auth_timeout, and the
     * lingering close.  NULL when not armed. */
    struct event *deadline;
    int tls;
    char peer[64];
};

struct bk_tap {
    ap_broker_tap_fn fn;
    void *ctx;
};

#define BK_MAX_TAPS 8

struct ap_broker {
    struct ap_server *srv;
    const struct broker_conf *conf;
    struct event_base *base;
    sqlite3 *db;
    struct evconnlistener **listeners;
    size_t nlisteners;
    SSL_CTX *ssl_ctx;
    struct event *cron; /* 1 s: soft-limit deadlines */
    struct event *relisten; /* re-enable accepting after EMFILE */
    struct bk_conn *conns;
    size_t nconns;
    struct bk_chan **chans; /* hash buckets */
    size_t nchans, nbuckets;
    struct bk_tap taps[BK_MAX_TAPS];
    size_t ntaps;
    size_t frame_max; /* max_message + 5 */
    struct timeval auth_tv_val;
    const struct timeval *auth_tv; /* common timeout: O(1) per connection */
    struct {
        struct ap_series *clients, *made, *lost, *refused;
        struct ap_metric *ready, *error, *auth_fail, *rx_n, *rx_bytes;
        struct ap_metric *subs, *sent, *sent_bytes, *dropped, *backpressure;
    } m;
};

/* broker_conn.c */
void bk_conn_accept(struct ap_broker *b, int fd, SSL *ssl, const char *peer);
/* Queue OP_ERROR text (if any), stop reading, drop subscriptions, and
 * free the connection once the output is flushed (or close_timeout). */
void bk_conn_close(struct bk_conn *c, const char *errtext, size_t len);
void bk_conn_free(struct bk_conn *c);
/* Record a refused connection: hpfeeds_broker_connection_error. */
void bk_count_error(struct ap_broker *b, const char *ident, size_t ilen,
                    const char *category);

/* broker_route.c */
struct bk_chan *bk_chan_get(struct ap_broker *b, const void *name, size_t len,
                            int create);
void bk_chans_free(struct ap_broker *b);
int bk_subscribe(struct bk_conn *c, struct bk_chan *ch);
void bk_unsubscribe(struct bk_conn *c, struct bk_chan *ch);
void bk_unsubscribe_all(struct bk_conn *c);
/* Send one complete PUBLISH frame to every subscriber of ch (except
 * `from` when self_delivery is off). */
void bk_fanout(struct ap_broker *b, struct bk_chan *ch, struct bk_conn *from,
               const uint8_t *frame, size_t len);
/* Cut subscribers whose output stayed over the soft cap too long. */
void bk_check_deadlines(struct ap_broker *b);

#endif
