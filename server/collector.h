/*
 * The collector (component "collector"): taps the broker, turns each
 * payload into canonical events with the channel's adapter, enriches them
 * (GeoIP/ASN), stores them in batches, then hands every stored event to
 * the sinks (live stream, alerts, outputs) and tells the ack hook the
 * highest contiguous sequence stored per native sensor.
 */
#ifndef AP_COLLECTOR_H
#define AP_COLLECTOR_H

#include <jansson.h>

struct ap_collector;

/* Called on the collector thread for every newly stored event (never for
 * duplicates).  Must not block: queue work elsewhere.  ev borrows. */
typedef void (*ap_event_sink_fn)(void *ctx, const json_t *ev);
int ap_collector_add_sink(struct ap_collector *c, ap_event_sink_fn fn,
                          void *ctx);

#endif
