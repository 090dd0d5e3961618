/*
 * An asynchronous hpfeeds client on a libevent loop (sensors, the CLI, the
 * bench).  It connects, reads INFO, answers with AUTH, (re)sends the
 * subscription list, and then publishes and delivers messages until it is
 * freed.  With `reconnect` set it comes back after any failure with a
 * jittered exponential backoff and subscribes again.
 *
 * hpfeeds has no acknowledgements and a broker says nothing after a good
 * AUTH (reference A1.5), so "ready" means "AUTH and SUBSCRIBEs are queued
 * behind the INFO exchange", not "the broker agreed".  A refusal arrives
 * as an OP_ERROR (on_error) followed by a close.  Delivery guarantees are
 * built above this (the sensor spool + apiary.ack.<ident>).
 *
 * Publishing goes into a bounded output buffer: hpf_client_publish returns
 * AP_EFULL instead of growing past out_max, and on_drain tells the caller
 * when the buffer fell below half of it again.
 */
#ifndef AP_HPF_CLIENT_H
#define AP_HPF_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct hpf_client;

struct hpf_client_opts {
    const char *host; /* name or address; resolved with getaddrinfo */
    int port;
    const char *ident;
    const char *secret;
    /* TLS: on when tls is set or tls_ca is given.  tls_ca = PEM file of
     * trusted CAs (NULL = system store); the certificate must match
     * tls_hostname (default: host). */
    int tls;
    const char *tls_ca;
    const char *tls_hostname;
    size_t max_msg;   /* largest frame accepted; 0 = AP_LIMIT_HPF_MSG */
    size_t out_max;   /* output buffer cap; 0 = 2 * AP_LIMIT_HPF_MSG */
    int reconnect;    /* 1 = reconnect after any failure */
    int backoff_min_ms;   /* first retry delay; 0 = 250 */
    int backoff_max_ms;   /* cap; 0 = 30000 */
    int connect_timeout_ms; /* connect + INFO; 0 = 10000 */

    /* Callbacks (all optional), run on the loop thread. */
    void *ctx;
    /* AUTH and the subscriptions are queued: publishing makes sense now. */
    void (*on_ready)(void *ctx, struct hpf_client *c);
    void (*on_message)(void *ctx, const char *ident, size_t ident_len,
                       const char *chan, size_t chan_len,
                       const uint8_t *payload, size_t len);
    /* An OP_ERROR from the broker (the broker closes right after). */
    void (*on_error)(void *ctx, const char *text, size_t len);
    /* The connection is gone (err = AP_E* reason).  With reconnect the
     * client retries on its own; otherwise it stays down. */
    void (*on_disconnect)(void *ctx, int err);
    /* After a publish returned AP_EFULL, the buffer fell below out_max/2. */
    void (*on_drain)(void *ctx);
    /* After hpf_client_finish: everything was written and the broker
     * closed its side (err = 0) or an error ended it. */
    void (*on_finished)(void *ctx, int err);
};

/* Create and start connecting.  Strings in o are copied. */
int hpf_client_new(struct event_base *base, const struct hpf_client_opts *o,
                   struct hpf_client **out);
/* Close the connection now (queued output is lost) and free. */
void hpf_client_free(struct hpf_client *c);

/* Remember chan and subscribe now if connected; re-sent after every
 * reconnect.  Subscribing twice to one channel is a no-op here. */
int hpf_client_subscribe(struct hpf_client *c, const char *chan);
int hpf_client_unsubscribe(struct hpf_client *c, const char *chan);

/*
 * Queue one PUBLISH under our ident.  0, AP_EAGAIN when not ready
 * (connecting or backing off), AP_EFULL when the output buffer would pass
 * out_max (nothing queued; wait for on_drain), AP_EINVAL for a channel
 * over 255 bytes, AP_ETOOBIG over max_msg.
 */
int hpf_client_publish(struct hpf_client *c, const char *chan,
                       const void *payload, size_t len);

/* 1 once AUTH is queued on the current connection. */
int hpf_client_ready(const struct hpf_client *c);
/* Bytes queued and not yet handed to the kernel. */
size_t hpf_client_pending(const struct hpf_client *c);

/*
 * Graceful end: stop reconnecting, write out everything queued, then
 * half-close (plain TCP) so that the broker processes our frames, reports
 * any refusal with OP_ERROR and closes; on_finished runs at that point.
 * Over TLS the client waits grace_ms after the flush instead.
 */
int hpf_client_finish(struct hpf_client *c, int grace_ms);

/* Backoff for attempt n (0-based): min * 2^n capped at max, then a random
 * factor in [0.5, 1.0] so that a fleet of sensors does not reconnect in
 * lock step.  Exposed for unit tests. */
int hpf_backoff_ms(int attempt, int min_ms, int max_ms, uint32_t rnd);

#endif
