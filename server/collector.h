/*
 * The collector (component "collector"): taps the broker, turns each
 * payload into canonical events with the channel's adapter, enriches them
 * (GeoIP/ASN), stores them in batches, then hands every stored event to
 * the sinks (live stream, alerts, outputs) and tells the ack hook the
 * highest contiguous sequence stored per native sensor.
 *
 * Threads: ap_collector_submit is called from the broker's loop (or the
 * importer) and never blocks on disk: payloads go into a bounded queue;
 * one writer thread adapts, enriches, stores, calls sinks and acks.
 * docs/COLLECTOR.md describes the queue, the spill file and the metrics.
 */
#ifndef AP_COLLECTOR_H
#define AP_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ap_collector;
struct ap_store;
struct ap_geo;

/* Called on the collector thread for every newly stored event (never for
 * duplicates).  Must not block: queue work elsewhere.  ev borrows. */
typedef void (*ap_event_sink_fn)(void *ctx, const json_t *ev);
int ap_collector_add_sink(struct ap_collector *c, ap_event_sink_fn fn,
                          void *ctx);

/* Called on the collector thread when a sensor's ackable seq grew. */
typedef void (*ap_ack_fn)(void *ctx, const char *ident, long long seq);

struct ap_collector_opts {
    struct ap_store *store;   /* required */
    struct ap_geo *geo;       /* may be NULL: no enrichment */
    const char *files_dir;    /* captured files; NULL: not kept */
    const char *spill_path;   /* overflow file; NULL: count and drop */
    size_t batch_max;         /* events per store call (0: 5000) */
    size_t queue_bytes;       /* 0: AP_LIMIT_COLLECTOR_QUEUE_BYTES */
    size_t queue_items;       /* 0: AP_LIMIT_COLLECTOR_QUEUE_ITEMS */
    ap_ack_fn ack;            /* may be NULL */
    void *ack_ctx;
};

/* Create and start the writer thread. */
int ap_collector_new(const struct ap_collector_opts *o,
                     struct ap_collector **out);
/* Drain the queue (and spill), stop the thread, free. */
void ap_collector_free(struct ap_collector *c);

/*
 * Queue one payload (copied).  Never blocks on disk or on the store.
 * Returns 0, or AP_EFULL when the queue was full: the payload then went to
 * the spill file (re-ingested when the queue drains) or, without one, was
 * counted as dropped and logged.
 */
int ap_collector_submit(struct ap_collector *c, const char *ident,
                        const char *channel, const void *payload, size_t len,
                        int64_t rx_us);

/* The same for callers that may wait (the importer): blocks while the
 * queue is full instead of spilling. */
int ap_collector_submit_wait(struct ap_collector *c, const char *ident,
                             const char *channel, const void *payload,
                             size_t len, int64_t rx_us);

/* Wait until everything submitted so far is stored (importer, tests). */
void ap_collector_flush(struct ap_collector *c);

/* Counters: {"queue": {...}, "channels": {"<chan>": {"received",
 * "events", "parse_errors", "stored", "duplicates"}}, ...}.  Owned. */
json_t *ap_collector_stats(struct ap_collector *c);

#endif
