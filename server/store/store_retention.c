/*
 * Retention: by age (days), by total size, and a separate age for raw
 * payloads.  Each call deletes at most one small batch in its own short
 * transaction, so ingestion (which takes the same writer lock) waits for
 * one batch at most, never for a whole purge.
 *
 * Events go in whole hours, oldest first: the hourly rollup rows of an
 * hour are removed in the same transaction as the first batch of that
 * hour's events, so rollups never count events that are gone (until the
 * rest of that hour is deleted a few batches later, counts of that hour
 * are briefly low, never high).
 */
#include <stdlib.h>

#include "ap/err.h"
#include "ap/log.h"
#include "store_int.h"
#include "ap/common.h"

struct ret_ctx {
    long long before_us; /* delete events with ts < this */
    long long batch;
    long long deleted;
};

static int
one_int(void *ctx, const struct sq_val *c, int n)
{
    if (n > 0 && c[0].t == SQ_INT)
        *(long long *)ctx = c[0].i;
    return 0;
}

/* One batch of events older than before_us (hour-aligned), with the
 * rollup rows of their hours and the sessions that ended before it. */
static int
purge_events_txn(struct ap_store *st, void *arg)
{
    struct ret_ctx *r = arg;
    struct sq_val p[2];
    size_t d;
    int rc;

    for (d = 0; d < st_ndims; d++) {
        p[0] = sq_int(st_dims[d].id);
        p[1] = sq_int(r->before_us / ST_HOUR_US);
        rc = st->eng->exec(st->writer,
                           "DELETE FROM rollup WHERE dim = ? AND hour < ?", p,
                           2, NULL, NULL);
        if (rc < 0)
            return rc;
    }
    if ((rc = st_topk_purge(st, r->before_us / ST_HOUR_US)) != 0 ||
        (rc = st_srcsum_retire(st, r->before_us, r->batch)) != 0)
        return rc;
    p[0] = sq_int(r->before_us);
    p[1] = sq_int(r->batch);
    rc = st->eng->exec(st->writer,
                       "DELETE FROM events WHERE rid IN (SELECT rid FROM "
                       "events WHERE ts < ? ORDER BY ts LIMIT ?)",
                       p, 2, NULL, NULL);
    if (rc < 0)
        return rc;
    r->deleted = rc;
    p[1] = sq_int(r->deleted);
    rc = st->eng->exec(st->writer,
                       "UPDATE counters SET n = n - ? WHERE name = 'events'",
                       &p[1], 1, NULL, NULL);
    if (rc < 0)
        return rc;
    rc = st->eng->exec(st->writer, "DELETE FROM sessions WHERE last_ts < ?", p,
                       1, NULL, NULL);
    return rc < 0 ? rc : 0;
}

static int
purge_raw_txn(struct ap_store *st, void *arg)
{
    struct ret_ctx *r = arg;
    struct sq_val p[2];
    int rc;

    p[0] = sq_int(r->before_us);
    p[1] = sq_int(r->batch);
    rc = st->eng->exec(st->writer,
                       "DELETE FROM raw WHERE rid IN (SELECT rid FROM raw "
                       "WHERE rx_ts < ? ORDER BY rx_ts LIMIT ?)",
                       p, 2, NULL, NULL);
    if (rc < 0)
        return rc;
    r->deleted = rc;
    return 0;
}

static int
oldest_ts(struct ap_store *st, long long *out)
{
    struct st_conn *c;
    long long v = -1;
    int rc;

    if ((rc = st_reader_get(st, &c)) != 0)
        return rc;
    rc = st->eng->exec(c->c, "SELECT MIN(ts) FROM events", NULL, 0, one_int,
                       &v);
    st_reader_put(st, c);
    if (rc < 0)
        return rc;
    *out = v;
    return 0;
}

int
ap_store_retention_step(struct ap_store *st,
                        const struct ap_store_retention *ret, int64_t now_us,
                        long long *deleted)
{
    struct ret_ctx r = {0, 0, 0};
    long long total = 0, oldest = -1, size = 0;
    int rc;

    r.batch = ret->batch > 0 ? ret->batch : 1000;
    if (ret->raw_days > 0) {
        r.before_us = now_us - ret->raw_days * 24 * ST_HOUR_US;
        if ((rc = st_write_txn(st, purge_raw_txn, &r)) != 0)
            return rc;
        total += r.deleted;
    }
    r.deleted = 0;
    r.before_us = 0;
    if (ret->days > 0)
        r.before_us = (now_us - ret->days * 24 * ST_HOUR_US) / ST_HOUR_US *
                      ST_HOUR_US;
    if ((rc = oldest_ts(st, &oldest)) != 0)
        return rc;
    if (oldest >= 0 && ret->max_bytes > 0) {
        pthread_mutex_lock(&st->wlock);
        rc = st->eng->size(st->writer, &size);
        pthread_mutex_unlock(&st->wlock);
        if (rc < 0)
            return rc;
        /* Over the size budget: the oldest hour goes, whatever its age. */
        if (size > ret->max_bytes)
            r.before_us = AP_MAX(r.before_us,
                                 (oldest / ST_HOUR_US + 1) * ST_HOUR_US);
    }
    if (oldest >= 0 && oldest < r.before_us) {
        if ((rc = st_write_txn(st, purge_events_txn, &r)) != 0)
            return rc;
        total += r.deleted;
        pthread_mutex_lock(&st->wlock);
        st->retention_deleted += r.deleted;
        pthread_mutex_unlock(&st->wlock);
    }
    if (deleted)
        *deleted = total;
    return 0;
}
