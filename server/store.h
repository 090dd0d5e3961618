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
/* Deepest offset ap_store_events accepts (deeper pages: narrow the time
 * range instead; a deep OFFSET walks every skipped row). */
#define AP_STORE_MAX_OFFSET 100000
/* Most buckets one timeseries may return. */
#define AP_STORE_MAX_BUCKETS 10000

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
 * how many were new.  Returns once the batch is durable.  An event
 * without id, type or a parseable ts cannot be indexed: it is skipped,
 * logged and counted (ap_store_stats.rejected); validate before storing.
 */
int ap_store_put_events(struct ap_store *st, json_t *const *evs, size_t n,
                        size_t *inserted);
/* The same, telling which events were new: is_new[i] = 1 if evs[i] was
 * stored now, 0 if its id was already there (or it was rejected).  The
 * collector hands only new events to its sinks. */
int ap_store_put_events_new(struct ap_store *st, json_t *const *evs,
                            size_t n, unsigned char *is_new);

/*
 * The same in two steps, so that the CPU work and the writing can run on
 * two threads: ap_store_prepare turns events into rows (no store needed,
 * no lock taken; the events must outlive the batch), ap_store_commit
 * writes them in one transaction (it may be called again after a failure).
 */
struct ap_store_batch;
int ap_store_prepare(json_t *const *evs, size_t n,
                     struct ap_store_batch **out);
int ap_store_commit(struct ap_store *st, struct ap_store_batch *b,
                    size_t *inserted, unsigned char *is_new);
void ap_store_batch_free(struct ap_store_batch *b);
/* ap_store_prepare into *b: NULL, or a batch already committed whose
 * memory (rows, serialized JSON, aggregation table) is reused -- freeing
 * and faulting in megabytes per batch cost ~9 % of the adapting thread.
 * On failure *b is freed and NULL. */
int ap_store_prepare_reuse(json_t *const *evs, size_t n,
                           struct ap_store_batch **b);

/* Events after which an address gets a per-source summary (its profile
 * and per-address counts read the summary, not its events). */
#define AP_STORE_SRC_HEAVY 1000

/* Bytes the store takes (what retention_size is compared with). */
int ap_store_size(struct ap_store *st, long long *bytes);

/* "sqlite" or "postgresql". */
const char *ap_store_engine_name(const struct ap_store *st);

/* Keep a payload that no adapter could parse, with the reason.  Channel,
 * ident and error are escaped if they are not valid UTF-8.  Also bumps the
 * per-channel error counter (ap_store_raw_errors). */
int ap_store_put_raw(struct ap_store *st, int64_t rx_us, const char *channel,
                     const char *ident, const void *payload, size_t len,
                     const char *error);

/*
 * Record a captured file (content itself lives on disk, written by the
 * collector, named by sha256: 64 lower-case hex digits, else AP_EINVAL).
 * Download/upload events carrying sha256 update the same table on their
 * own; this is for files that arrive without an event (mwbinary).
 * size < 0: unknown; filetype/src_ip/url may be NULL.
 */
int ap_store_put_file(struct ap_store *st, const char *sha256, long long size,
                      const char *filetype, int64_t ts_us, const char *src_ip,
                      const char *url);

/* Counters since open (for metrics). */
struct ap_store_stats {
    long long inserted;   /* new events stored */
    long long duplicates; /* events whose id was already stored */
    long long rejected;   /* events without id, type or a valid ts */
    long long retention_deleted; /* events removed by retention */
    long long topk_lists;     /* top-N answered from cached lists */
    long long topk_fallbacks; /* lists could not prove it: full sum */
};
void ap_store_stats(struct ap_store *st, struct ap_store_stats *out);

/* Filters for queries; zero/NULL fields do not filter. */
struct ap_filter {
    int64_t since_us, until_us;
    const char *sensor, *honeypot, *type, *session, *src_ip, *src_country,
        *protocol, *username, *password, *command, *url, *sha256;
    int dst_port;  /* 0 = any */
    long long src_asn; /* 0 = any */
    const char *signature; /* IDS signature (alert events) */
};

/* Matching events, newest first unless ascending; a JSON array (owned)
 * of the events exactly as stored.  limit 0 means 100; capped at
 * AP_STORE_MAX_LIMIT.  offset <= AP_STORE_MAX_OFFSET. */
int ap_store_events(struct ap_store *st, const struct ap_filter *f,
                    size_t limit, size_t offset, int ascending, json_t **out);
int ap_store_count(struct ap_store *st, const struct ap_filter *f,
                   long long *out);

/* Orders of ap_store_events_sorted: by one column, then by time. */
enum ap_store_sort {
    AP_SORT_TS = 0,
    AP_SORT_SRC_IP,
    AP_SORT_DST_PORT,
    AP_SORT_SENSOR,
    AP_SORT_HONEYPOT,
    AP_SORT_SRC_COUNTRY,
};
/* Most matching events a sort other than by time may order: the store
 * sorts the matching rows themselves (the filter's index finds them), so
 * the window must be narrow enough; more: AP_ETOOBIG. */
#define AP_STORE_MAX_SORT_ROWS 100000
/*
 * ap_store_events in another order: by sort (events without that field
 * last), then time; descending reverses both.  AP_SORT_TS is exactly
 * ap_store_events.  AP_ETOOBIG when more than AP_STORE_MAX_SORT_ROWS
 * events match a non-time sort.
 */
int ap_store_events_sorted(struct ap_store *st, const struct ap_filter *f,
                           enum ap_store_sort sort, int descending,
                           size_t limit, size_t offset, json_t **out);
/*
 * Top values of one dimension: "src_ip", "dst_port", "honeypot", "sensor",
 * "src_country", "src_asn", "protocol", "username", "password",
 * "credential" (username/password pair), "command", "url", "sha256",
 * "signature", "type".  A JSON array of {"value": ..., "count": N}
 * (owned), highest count first (ties by value); value is an integer for
 * dst_port and src_asn.  Credential rows are {"value": "user:pass",
 * "username": ..., "password": ..., "count": N} (a login without password
 * counts under password "").  AP_EINVAL for an unknown dimension.
 */
int ap_store_top(struct ap_store *st, const char *dim,
                 const struct ap_filter *f, size_t limit, json_t **out);
/*
 * Event counts per bucket: [{"t": "ISO time", "count": N}, ...], every
 * bucket from since to until (default: the last 24 h up to now) including
 * empty ones; buckets start at multiples of bucket_us since the epoch.
 * bucket_us >= 1 s; at most AP_STORE_MAX_BUCKETS buckets (AP_ETOOBIG).
 */
int ap_store_timeseries(struct ap_store *st, const struct ap_filter *f,
                        int64_t bucket_us, json_t **out);

/*
 * One source address: {"src_ip", "first_seen", "last_seen", "events",
 * "sessions", "src_country"/"src_asn"/"src_org"/"src_city" (latest known),
 * "sensors", "honeypots", "ports", "types" (top values among its latest
 * "sample" events), "credentials", "commands" (top among its latest
 * "sample" logins / commands),
 * "downloads", "fingerprints", "alerts" (its latest events of that type)}.
 */
int ap_store_profile(struct ap_store *st, const char *ip, json_t **out);

/*
 * Sessions, most recently active first: [{"sensor", "session",
 * "first_seen", "last_seen", "src_ip", "src_port", "dst_ip", "dst_port",
 * "honeypot", "protocol", "events", "logins", "commands", "downloads"}].
 * Filters used: src_ip, sensor, honeypot, since/until (on last activity).
 */
int ap_store_sessions(struct ap_store *st, const struct ap_filter *f,
                      size_t limit, size_t offset, json_t **out);
/* One session (as above) with "timeline": its events, oldest first (at
 * most AP_STORE_MAX_LIMIT).  AP_ENOENT if unknown. */
int ap_store_session(struct ap_store *st, const char *sensor,
                     const char *session, json_t **out);
/* {"usernames": top, "passwords": top, "credentials": top pairs} over f
 * (see ap_store_top). */
int ap_store_credentials(struct ap_store *st, const struct ap_filter *f,
                         size_t limit, json_t **out);
/* Captured files, most recently seen first: [{"sha256", "size",
 * "filetype", "filename", "url", "src_ip", "first_seen", "last_seen",
 * "seen"}].  Filters used: sha256, since/until (on last seen). */
int ap_store_files(struct ap_store *st, const struct ap_filter *f,
                   size_t limit, size_t offset, json_t **out);
/* Raw payloads no adapter could parse, newest first: [{"id", "rx_ts",
 * "channel", "ident", "error", "size", "truncated", "payload_b64" (first
 * 4096 bytes)}].  channel may be NULL; filters used: since/until. */
int ap_store_raw(struct ap_store *st, const char *channel,
                 const struct ap_filter *f, size_t limit, size_t offset,
                 json_t **out);
/* Unparsable payloads per channel since the store was created (retention
 * does not lower these): [{"channel", "count", "last_seen"}]. */
int ap_store_raw_errors(struct ap_store *st, json_t **out);

/*
 * Tests and tuning: while lines is non-NULL, queries do not run; instead
 * each appends its SQL and then its plan lines (SQLite: EXPLAIN QUERY
 * PLAN; PostgreSQL: EXPLAIN with sequential scans disabled) to lines, and
 * returns an empty answer.  Single-threaded use only.
 */
int ap_store_explain(struct ap_store *st, json_t *lines);

/*
 * Background upkeep (the store component calls it on its own thread):
 * builds the cached top-N lists of closed hours and days, at most budget
 * of them per call, each in its own short write transaction.  *more is
 * set when work is left.  Queries are exact with or without the lists;
 * the lists make long windows fast.
 */
int ap_store_maintain(struct ap_store *st, int64_t now_us, int budget,
                      int *more);
/* Tests: entries kept per hour / per day list (0 = the defaults, 100 and
 * 400); small values exercise the bounds with little data. */
void ap_store_set_topk_sizes(struct ap_store *st, int per_hour, int per_day);

/*
 * Retention.  days: events older than this many days go (0 = keep);
 * max_bytes: while the store is bigger, the oldest hour goes (0 = no cap;
 * SQLite: pages in use; PostgreSQL: live rows x their measured size);
 * raw_days: raw payloads older than this go (0 = keep); batch: rows per
 * transaction (default 1000).
 */
struct ap_store_retention {
    long long days, raw_days, max_bytes, batch;
};
/*
 * Delete at most one batch of each kind (events, raw) that retention
 * says must go, each in its own short transaction so ingestion is never
 * held up for long.  *deleted (may be NULL) receives the number of rows
 * removed; call again while it is non-zero.  Events go in whole hours,
 * oldest first, with their hourly rollups and ended sessions.
 */
int ap_store_retention_step(struct ap_store *st,
                            const struct ap_store_retention *ret,
                            int64_t now_us, long long *deleted);

#endif
