/*
 * The hpfeeds broker inside `apiary server` (component "hpfeeds").
 * Besides routing between TCP clients it offers two in-process hooks:
 * a tap that sees every accepted PUBLISH (the collector uses it), and a
 * publish call for messages the server itself originates (acks to
 * sensors, re-publish).  Both run on the server's main loop thread.
 */
#ifndef AP_BROKER_H
#define AP_BROKER_H

#include <stddef.h>
#include <stdint.h>

struct ap_broker;
struct ap_server;

/* The running broker (srv->broker), or NULL if the component is not
 * started.  For components that start after it (the collector). */
struct ap_broker *ap_broker_of(struct ap_server *srv);

/* Called for every PUBLISH the broker accepted (after auth and ACL), on
 * every channel, after the message was queued to subscribers.  Pointers
 * borrow; copy what you keep.  At most 8 taps (AP_EFULL). */
typedef void (*ap_broker_tap_fn)(void *ctx, const char *ident,
                                 size_t ident_len, const char *chan,
                                 size_t chan_len, const uint8_t *payload,
                                 size_t len);

int ap_broker_add_tap(struct ap_broker *b, ap_broker_tap_fn fn, void *ctx);

/* Deliver a message to the subscribers of chan as if `ident` had
 * published it (no ACL check: the server is trusted).  0 or AP_E*.
 * Taps do not see these messages (they are the server's own), and
 * self_delivery does not apply. */
int ap_broker_publish(struct ap_broker *b, const char *ident, const char *chan,
                      const void *payload, size_t len);

#endif
