/*
 * Event lists filtered only by low-cardinality dimensions (sensor,
 * honeypot, type, protocol, ASN), which have no events index of their own.
 *
 * Walking the time index and filtering finds the newest events of a busy
 * sensor at once, but for a sensor with few events (or none: one enrolled
 * an hour ago) it reads the whole table -- minutes at 10 million events.
 * Instead the hourly rollup says which hours hold the value at all (one
 * primary-key seek per hour; for two terms of a pair dimension, such as
 * a sensor and a type, the pair says which hours hold an event of both),
 * and only those hours are read through the time index, newest (or
 * oldest) first, until the page is full.  The cost is bounded by the
 * hours in the range plus the events of the hours that match, never by
 * the size of the table.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/util.h"
#include "store_query.h"
#include "ap/common.h"

/* Hours looked up per rollup query. */
#define GUIDE_CHUNK 512

/* The low-cardinality terms of a filter. */
struct terms {
    struct st_one t[5];
    size_t n;
};

static void
term_add(struct terms *ts, const char *dim, const char *value,
         const char *value2, long long iv)
{
    struct st_one *o = &ts->t[ts->n];

    /* A term left out only widens the hours read: each window applies
     * the whole filter. */
    if ((value == NULL && iv == 0) || ts->n == AP_ARRAY_SIZE(ts->t))
        return;
    memset(o, 0, sizeof(*o));
    if ((o->d = st_dim_find(dim)) == NULL)
        return;
    if (value == NULL) {
        snprintf(o->buf, sizeof(o->buf), "%lld", iv);
        value = o->buf;
    }
    o->value = value;
    o->value2 = value2;
    o->ivalue = iv;
    ts->n++;
}

/*
 * Is f a filter on low-cardinality dimensions only (and time)?  A filter
 * with any term that has an events index (session, address, port,
 * country, credential, command, URL, hash, signature) is served by that
 * index instead.
 */
static int
guide_terms(const struct ap_filter *f, struct terms *ts)
{
    struct ap_filter g = *f;
    unsigned covered;

    ts->n = 0;
    g.sensor = g.honeypot = g.type = g.protocol = NULL;
    g.src_asn = 0;
    if (!st_filter_time_only(&g))
        return 0;
    term_add(ts, "src_asn", NULL, NULL, f->src_asn);
    /* Two terms in one pair dimension: hours where they occur in one
     * event, not merely in the same hour. */
    ts->n += st_pair_terms(f, &ts->t[ts->n], AP_ARRAY_SIZE(ts->t) - ts->n,
                           &covered);
    if (!(covered & ST_LOW_SENSOR))
        term_add(ts, "sensor", f->sensor, NULL, 0);
    if (!(covered & ST_LOW_HONEYPOT))
        term_add(ts, "honeypot", f->honeypot, NULL, 0);
    if (!(covered & ST_LOW_PROTOCOL))
        term_add(ts, "protocol", f->protocol, NULL, 0);
    if (!(covered & ST_LOW_TYPE))
        term_add(ts, "type", f->type, NULL, 0);
    return ts->n > 0;
}

struct hours {
    long long h[GUIDE_CHUNK];
    size_t n;
};

static int
hour_row(void *ctx, const struct sq_val *c, int n)
{
    struct hours *hs = ctx;

    if (n < 1 || c[0].t != SQ_INT || hs->n == GUIDE_CHUNK)
        return AP_EDB;
    hs->h[hs->n++] = c[0].i;
    return 0;
}

/*
 * Up to max (at most GUIDE_CHUNK) hours in [lo, hi) whose rollup holds
 * every term's value, in order.  The hours come from the "all"
 * dimension's rows (one per hour that has events), so hours without
 * events cost nothing: a sensor whose clock said 1970 once does not make
 * every later search walk 50 years.
 */
static int
hours_with(struct ap_store *st, const struct terms *ts, long long lo,
           long long hi, int ascending, size_t max, struct hours *hs)
{
    static const char *const join[] = {" JOIN rollup r0 ON r0.dim = ?",
                                       " JOIN rollup r1 ON r1.dim = ?",
                                       " JOIN rollup r2 ON r2.dim = ?",
                                       " JOIN rollup r3 ON r3.dim = ?",
                                       " JOIN rollup r4 ON r4.dim = ?"};
    static const char *const on[] = {
        " AND r0.hour = a.hour AND r0.value = ?", " AND r0.value2 = ?",
        " AND r1.hour = a.hour AND r1.value = ?", " AND r1.value2 = ?",
        " AND r2.hour = a.hour AND r2.value = ?", " AND r2.value2 = ?",
        " AND r3.hour = a.hour AND r3.value = ?", " AND r3.value2 = ?",
        " AND r4.hour = a.hour AND r4.value = ?", " AND r4.value2 = ?"};
    struct qb q;
    size_t i;
    int rc;

    hs->n = 0;
    rc = qb_init(&q, "SELECT a.hour FROM rollup a");
    for (i = 0; i < ts->n && i < AP_ARRAY_SIZE(join) && rc == 0; i++) {
        rc = qb_add(&q, join[i], sq_int(ts->t[i].d->id));
        if (rc == 0)
            rc = qb_add(&q, on[2 * i], sq_text(ts->t[i].value));
        if (rc == 0)
            rc = qb_add(&q, on[2 * i + 1],
                        sq_text(ts->t[i].value2 ? ts->t[i].value2 : ""));
    }
    if (rc == 0)
        rc = qb_add(&q, " WHERE a.dim = 0 AND a.hour >= ?", sq_int(lo));
    if (rc == 0)
        rc = qb_add(&q, " AND a.hour < ?", sq_int(hi));
    if (rc == 0)
        rc = qb_sql(&q, ascending ? " ORDER BY a.hour" : " ORDER BY a.hour DESC");
    if (rc == 0)
        rc = qb_add(&q, " LIMIT ?", sq_int((long long)AP_MIN(max, GUIDE_CHUNK)));
    if (rc == 0)
        rc = st_run(st, &q, hour_row, hs);
    qb_release(&q);
    return rc;
}

/* Narrow g's time range to [a, b); nonzero when nothing is left. */
static int
clip(struct ap_filter *g, long long a, long long b)
{
    if (g->since_us == 0 || g->since_us < a)
        g->since_us = a;
    if (g->until_us == 0 || g->until_us > b)
        g->until_us = b;
    return g->since_us >= g->until_us;
}

struct page {
    const struct ap_filter *f;
    size_t want, skip; /* rows still wanted; rows still to skip */
    int ascending;
    json_t *out;
};

/* Add the events of f in [a, b) to the page. */
static int
window(struct ap_store *st, struct page *pg, long long a, long long b)
{
    struct ap_filter g = *pg->f;
    json_t *part = NULL, *ev;
    long long n = 0;
    struct qb q;
    size_t i;
    int rc;

    if (clip(&g, a, b) != 0 || pg->want == 0)
        return 0;
    if (pg->skip > 0) {
        /* Whole windows inside the offset are counted, not read. */
        if ((rc = qb_init(&q, "SELECT COUNT(*) FROM events WHERE 1 = 1")) == 0 &&
            (rc = qb_filter(&q, &g)) == 0)
            rc = st_run(st, &q, st_int_row, &n);
        qb_release(&q);
        if (rc != 0)
            return rc;
        if ((size_t)n <= pg->skip) {
            pg->skip -= (size_t)n;
            return 0;
        }
    }
    if ((rc = qb_init(&q, "SELECT json FROM events WHERE 1 = 1")) == 0 &&
        (rc = qb_filter(&q, &g)) == 0)
        rc = st_events_where(st, &q, pg->want, pg->skip, pg->ascending, &part);
    qb_release(&q);
    if (rc != 0)
        return rc;
    pg->skip = 0;
    json_array_foreach(part, i, ev) {
        if (pg->want == 0)
            break;
        if (json_array_append(pg->out, ev) != 0) {
            json_decref(part);
            return AP_ENOMEM;
        }
        pg->want--;
    }
    json_decref(part);
    return 0;
}

static long long
floor_div(long long a, long long b)
{
    return a / b - (a % b != 0 && a < 0);
}

/* The hours [lo, hi) that overlap f's time range, partial ones at the
 * edges included (the windows clip them). */
static void
hour_span(const struct ap_filter *f, long long *lo, long long *hi)
{
    *lo = f->since_us ? floor_div(f->since_us, ST_HOUR_US)
                      : LLONG_MIN / ST_HOUR_US;
    *hi = f->until_us ? floor_div(f->until_us - 1, ST_HOUR_US) + 1
                      : LLONG_MAX / ST_HOUR_US;
}

/* The first microsecond of hour h (saturated: hours come from stored
 * timestamps, but those are whatever a sensor said). */
static long long
hour_start(long long h)
{
    if (h >= LLONG_MAX / ST_HOUR_US)
        return LLONG_MAX;
    if (h <= LLONG_MIN / ST_HOUR_US)
        return LLONG_MIN;
    return h * ST_HOUR_US;
}

int
st_events_guided(struct ap_store *st, const struct ap_filter *f,
                 size_t limit, size_t offset, int ascending, json_t **out)
{
    struct page pg = {f, st_clamp_limit(limit), offset, ascending, NULL};
    struct hours *hs = NULL;
    long long lo, hi;
    struct terms ts;
    size_t i;
    int rc = 0;

    if (!guide_terms(f, &ts))
        return 1;
    if (offset > AP_STORE_MAX_OFFSET)
        return AP_EINVAL;
    hour_span(f, &lo, &hi);
    if ((pg.out = json_array()) == NULL || (hs = malloc(sizeof(*hs))) == NULL) {
        rc = AP_ENOMEM;
        goto out;
    }
    while (pg.want > 0 && lo < hi) {
        if ((rc = hours_with(st, &ts, lo, hi, ascending, GUIDE_CHUNK, hs)) != 0)
            goto out;
        for (i = 0; i < hs->n && pg.want > 0 && rc == 0; i++)
            rc = window(st, &pg, hour_start(hs->h[i]),
                        hour_start(hs->h[i] + 1));
        if (rc != 0 || hs->n < GUIDE_CHUNK)
            break;
        if (ascending)
            lo = hs->h[hs->n - 1] + 1;
        else
            hi = hs->h[hs->n - 1];
    }
out:
    free(hs);
    if (rc != 0) {
        json_decref(pg.out);
        return rc;
    }
    *out = pg.out;
    return 0;
}

int
st_guided_narrow(struct ap_store *st, struct ap_filter *f)
{
    long long lo, hi, first, last;
    struct hours *hs;
    struct terms ts;
    int rc;

    if (!guide_terms(f, &ts))
        return 0;
    hour_span(f, &lo, &hi);
    if ((hs = malloc(sizeof(*hs))) == NULL)
        return AP_ENOMEM;
    if ((rc = hours_with(st, &ts, lo, hi, 1, 1, hs)) != 0 || hs->n == 0)
        goto out;
    first = hs->h[0];
    if ((rc = hours_with(st, &ts, lo, hi, 0, 1, hs)) != 0 || hs->n == 0)
        goto out;
    last = hs->h[0];
    clip(f, hour_start(first), hour_start(last + 1));
    rc = 0;
out:
    if (rc == 0 && hs->n == 0)
        rc = 2;
    else if (rc == 0)
        rc = 1;
    free(hs);
    return rc;
}
