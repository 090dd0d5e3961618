/*
 * Event lists, counts and sorted searches filtered only by low-cardinality
 * dimensions (sensor, honeypot, type, protocol, ASN), which the store
 * reads hour by hour as the rollup guides (store_guided.c), against brute
 * force on a real engine (SQLite, or PostgreSQL through
 * tests/blackbox/pg.sh): rare, common and absent values, time ranges that
 * cut hours, both directions, offsets that skip whole hours, an event
 * dated years back and one dated years ahead; a term with the event type
 * (the pair dimensions), also for two common values never in one event;
 * hourly and daily series of each filter;
 * and all of it again after a schema-3 store is upgraded on open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/log.h"
#include "harness.h"
#include "store.h"
#include "store_fixture.h"
#include "ap/common.h"

#define HOUR 3600000000LL
#define T0 (1700000000000000LL / HOUR * HOUR)
#define YEAR (8766 * HOUR)
#define N 2000

struct rec {
    long long ts, asn;
    const char *sensor, *honeypot, *type;
    char id[AP_EVENT_ID_LEN + 1];
};

static struct rec recs[N];

static json_t *
make(struct rec *r, size_t i)
{
    static const char *const sensors[] = {"s-a", "s-a", "s-a", "s-b", "s-c"};
    static const char *const pots[] = {"ssh", "telnet", "http"};
    static const char *const types[] = {"connect", "login", "command"};
    json_t *ev;

    /* Distinct times (the order is total), over 72 hours. */
    r->ts = T0 + (long long)fx_rnd(72) * HOUR + (long long)i * 1000;
    r->sensor = sensors[fx_rnd(AP_ARRAY_SIZE(sensors))];
    r->honeypot = pots[fx_rnd(AP_ARRAY_SIZE(pots))];
    r->type = types[fx_rnd(AP_ARRAY_SIZE(types))];
    /* Both common, never together: every hour holds http events and
     * logins, none an http login. */
    if (strcmp(r->honeypot, "http") == 0 && strcmp(r->type, "login") == 0)
        r->type = "command";
    /* Likewise sensor s-c never runs telnet. */
    if (strcmp(r->sensor, "s-c") == 0 && strcmp(r->honeypot, "telnet") == 0)
        r->honeypot = "ssh";
    r->asn = 1 + fx_rnd(3);
    if (i % 400 == 7)
        r->sensor = "s-rare";
    if (i == 11) /* a clock years behind */
        r->ts = T0 - 6 * YEAR + 5;
    if (i == 12) { /* and one years ahead */
        r->ts = T0 + 3 * YEAR + 5;
        r->sensor = "s-rare";
    }
    ev = ap_event_new((enum ap_event_type)ap_event_type_lookup(r->type),
                      r->sensor, r->honeypot, r->ts);
    ASSERT(ev != NULL);
    ap_event_set_addr(ev, "203.0.113.9", 40000, "192.0.2.1", 22);
    ap_event_set_str(ev, "protocol", r->honeypot);
    ap_event_set_int(ev, "src_asn", r->asn);
    snprintf(r->id, sizeof(r->id), "%s",
             json_string_value(json_object_get(ev, "id")));
    return ev;
}

static int
matches(const struct rec *r, const struct ap_filter *f)
{
    return (f->since_us == 0 || r->ts >= f->since_us) &&
           (f->until_us == 0 || r->ts < f->until_us) &&
           (f->sensor == NULL || strcmp(r->sensor, f->sensor) == 0) &&
           (f->honeypot == NULL || strcmp(r->honeypot, f->honeypot) == 0) &&
           (f->protocol == NULL || strcmp(r->honeypot, f->protocol) == 0) &&
           (f->type == NULL || strcmp(r->type, f->type) == 0) &&
           (f->src_asn == 0 || r->asn == f->src_asn);
}

static int
by_ts(const void *a, const void *b)
{
    const struct rec *x = *(const struct rec *const *)a,
                     *y = *(const struct rec *const *)b;

    return (x->ts > y->ts) - (x->ts < y->ts);
}

/* ap_store_events(f, limit, offset, ascending) is exactly brute force. */
static void
check_list(struct ap_store *st, const struct ap_filter *f, size_t limit,
           size_t offset, int ascending, const char *what)
{
    const struct rec *m[N];
    size_t n = 0, i, want;
    json_t *got = NULL;
    long long c = -1;

    for (i = 0; i < N; i++)
        if (matches(&recs[i], f))
            m[n++] = &recs[i];
    qsort(m, n, sizeof(m[0]), by_ts);
    ASSERT_EQ(ap_store_count(st, f, &c), 0);
    if (c != (long long)n)
        TH_FAIL("%s: count %lld, want %zu", what, c, n);
    ASSERT_EQ(ap_store_events(st, f, limit, offset, ascending, &got), 0);
    want = offset < n ? AP_MIN(n - offset, limit) : 0;
    if (json_array_size(got) != want)
        TH_FAIL("%s (limit %zu offset %zu %s): %zu events, want %zu", what,
                limit, offset, ascending ? "asc" : "desc",
                json_array_size(got), want);
    for (i = 0; i < want; i++) {
        const struct rec *r = m[ascending ? offset + i : n - 1 - offset - i];
        const char *id = json_string_value(
            json_object_get(json_array_get(got, i), "id"));

        if (id == NULL || strcmp(id, r->id) != 0)
            TH_FAIL("%s (limit %zu offset %zu %s): event %zu is %s, want %s",
                    what, limit, offset, ascending ? "asc" : "desc", i,
                    id ? id : "(none)", r->id);
    }
    json_decref(got);
    /* Sorted by another key: the same set. */
    got = NULL;
    ASSERT_EQ(ap_store_events_sorted(st, f, AP_SORT_SRC_IP, 0, AP_STORE_MAX_LIMIT,
                                     0, &got),
              0);
    if (json_array_size(got) != AP_MIN(n, (size_t)AP_STORE_MAX_LIMIT))
        TH_FAIL("%s sorted: %zu events, want %zu", what,
                json_array_size(got), AP_MIN(n, (size_t)AP_STORE_MAX_LIMIT));
    json_decref(got);
}

/* ap_store_timeseries(f, bucket) is exactly brute force. */
static void
check_series(struct ap_store *st, const struct ap_filter *f, long long bucket,
             const char *what)
{
    long long first = f->since_us / bucket,
              nb = (f->until_us - 1) / bucket - first + 1, *want, b;
    json_t *got = NULL;
    size_t i;

    want = calloc((size_t)nb, sizeof(*want));
    ASSERT(want != NULL);
    for (i = 0; i < N; i++)
        if (matches(&recs[i], f))
            want[recs[i].ts / bucket - first]++;
    ASSERT_EQ(ap_store_timeseries(st, f, bucket, &got), 0);
    ASSERT_EQ(json_array_size(got), (size_t)nb);
    for (b = 0; b < nb; b++) {
        json_int_t c = json_integer_value(
            json_object_get(json_array_get(got, (size_t)b), "count"));

        if (c != want[b])
            TH_FAIL("%s: series bucket %lld has %lld, want %lld", what, b,
                    (long long)c, want[b]);
    }
    json_decref(got);
    free(want);
}

/* Every filter, range and page against brute force. */
static void
check_filters(struct ap_store *st)
{
    static const struct {
        size_t limit, offset;
    } pages[] = {{5, 0}, {50, 0}, {10, 7}, {20, 300}, {100, 1990}};
    const long long ranges[][2] = {
        {0, 0},
        {T0 + 5 * HOUR + 123, T0 + 40 * HOUR + 77},
        {T0 - 10 * YEAR, T0 + HOUR},
        {T0 + 30 * HOUR + 5, T0 + 30 * HOUR + 900000},
        {T0 + 2 * YEAR, 0},
    };
    struct ap_filter f;
    size_t k, t, p;
    char what[96];

    for (k = 0; k < 15; k++) {
        for (t = 0; t < AP_ARRAY_SIZE(ranges); t++) {
            memset(&f, 0, sizeof(f));
            switch (k) {
            case 0: f.sensor = "s-rare"; break;
            case 1: f.sensor = "s-a"; break;
            case 2: f.sensor = "never-seen"; break;
            case 3: f.honeypot = "telnet", f.type = "login"; break;
            case 4: f.protocol = "http"; break;
            case 5: f.src_asn = 2; break;
            case 6: f.sensor = "s-rare", f.type = "command"; break;
            case 7: f.src_asn = 3, f.sensor = "s-b", f.honeypot = "ssh"; break;
            case 8: f.honeypot = "http", f.type = "login"; break;
            case 9: f.protocol = "ssh", f.type = "connect"; break;
            case 10:
                f.sensor = "s-a", f.honeypot = "http", f.type = "login";
                break;
            case 11:
                f.sensor = "s-b", f.protocol = "telnet", f.type = "command";
                f.src_asn = 1;
                break;
            case 12: f.sensor = "s-c", f.honeypot = "telnet"; break;
            case 13: f.sensor = "s-a", f.honeypot = "ssh"; break;
            case 14:
                f.sensor = "s-a", f.honeypot = "ssh", f.protocol = "ssh";
                f.type = "login", f.src_asn = 2;
                break;
            }
            f.since_us = ranges[t][0];
            f.until_us = ranges[t][1];
            snprintf(what, sizeof(what), "filter %zu range %zu", k, t);
            if (f.since_us != 0 && f.until_us != 0)
                check_series(st, &f, t == 2 ? 24 * HOUR : HOUR, what);
            for (p = 0; p < AP_ARRAY_SIZE(pages); p++) {
                check_list(st, &f, pages[p].limit, pages[p].offset, 0, what);
                check_list(st, &f, pages[p].limit, pages[p].offset, 1, what);
            }
        }
    }
}

TEST(low_cardinality_filters_match_brute_force)
{
    struct ap_store *st = fx_fresh("guided");
    json_t *evs[N];
    size_t i, ins;

    for (i = 0; i < N; i++)
        evs[i] = make(&recs[i], i);
    ASSERT_EQ(ap_store_put_events(st, evs, N, &ins), 0);
    ASSERT_EQ(ins, N);
    check_filters(st);
    {
        /* The pairs guide searches; they are not top-N dimensions. */
        struct ap_filter all;
        json_t *top = NULL;

        memset(&all, 0, sizeof(all));
        ASSERT_EQ(ap_store_top(st, "sensor_type", &all, 10, &top), AP_EINVAL);
        ASSERT(top == NULL);
    }

    /* A schema-3 store (no pair dimensions) gets them on open. */
    ap_store_close(st);
    fx_raw_sql("DELETE FROM rollup WHERE dim >= 16");
    fx_raw_sql("UPDATE meta SET value = '3' WHERE key = 'schema'");
    st = fx_reopen();
    ASSERT_EQ(fx_raw_query("SELECT value FROM meta WHERE key = 'schema'"), 4);
    ASSERT(fx_raw_query("SELECT COUNT(*) FROM rollup WHERE dim = 16") > 0);
    check_filters(st);
    for (i = 0; i < N; i++)
        json_decref(evs[i]);
    ap_store_close(st);
}

int
main(void)
{
    int rc;

    ap_log_set_level(AP_LOG_ERROR);
    if (fx_init("guided") != 0)
        return 1;
    RUN(low_cardinality_filters_match_brute_force);
    rc = DONE();
    fx_cleanup();
    return rc;
}
