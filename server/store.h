/*
 * The event store: one interface, two engines (SQLite, the embedded
 * default; PostgreSQL).  Every function is safe to call from any thread:
 * the engine keeps one writer and per-thread readers.
 *
 * Events are canonical JSON objects (ap/event.h).  Queries never scan the
 * whole table: each filter and each top-N dimension is backed by an index
 * or a rollup (see docs/STORE.md).
 */
#ifndef AP_STORE_H
#define AP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ap_store;

/* Hard cap on rows any query returns (MHN returned unbounded results). */
#define AP_STORE_MAX_LIMIT 1000

/*
 * Open a store.  url: "sqlite:/path/events.db" (or a plain path) or
 * "postgresql://user@host:port/db" / "postgres://...".  Creates the schema
 * if missing.  On error writes a message to err.
 */
int ap_store_open(const char *url, struct ap_store **out, char *err,
                  size_t errlen);
void ap_store_close(struct ap_store *st);

/*
 * Store events in one transaction.  An id already stored is ignored
 * (sensors resend after a reconnect).  *inserted (may be NULL) receives
 * how many were new.  Returns once the batch is durable.
 */
int ap_store_put_events(struct ap_store *st, json_t *const *evs, size_t n,
                        size_t *inserted);

/* Keep a payload that no adapter could parse, with the reason. */
int ap_store_put_raw(struct ap_store *st, int64_t rx_us, const char *channel,
                     const char *ident, const void *payload, size_t len,
                     const char *error);

/* Filters for queries; zero/NULL fields do not filter. */
struct ap_filter {
    int64_t since_us, until_us;
    const char *sensor, *honeypot, *type, *session, *src_ip, *src_country,
        *protocol, *username, *password, *command, *url, *sha256;
    int dst_port;  /* 0 = any */
    long long src_asn; /* 0 = any */
};

/* Matching events, newest first unless ascending; a JSON array (owned). */
int ap_store_events(struct ap_store *st, const struct ap_filter *f,
                    size_t limit, size_t offset, int ascending, json_t **out);
int ap_store_count(struct ap_store *st, const struct ap_filter *f,
                   long long *out);
/*
 * Top values of one dimension: "src_ip", "dst_port", "honeypot", "sensor",
 * "src_country", "src_asn", "protocol", "username", "password",
 * "credential" (username/password pair), "command", "url", "sha256",
 * "signature".  A JSON array of {"value": ..., "count": N} (owned).
 */
int ap_store_top(struct ap_store *st, const char *dim,
                 const struct ap_filter *f, size_t limit, json_t **out);
/* Event counts per bucket: [{"t": "ISO time", "count": N}, ...]. */
int ap_store_timeseries(struct ap_store *st, const struct ap_filter *f,
                        int64_t bucket_us, json_t **out);

#endif
