/*
 * ap_store_events_sorted against a real engine (SQLite, or PostgreSQL
 * through tests/blackbox/pg.sh like test_store): every sort key in both
 * directions returns exactly the order computed here by brute force
 * (events without the column last, then time), pages included; bad keys
 * are refused.  (The AP_STORE_MAX_SORT_ROWS cap is not exercised here:
 * 100 001 inserts take most of a minute on a loaded machine.)
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

#define T0 1700000000000000LL
#define N 1500

struct rec {
    long long ts;
    char ip[32], sensor[16], honeypot[16], country[4];
    int port; /* 0: none */
};

static struct rec recs[N];
static const struct {
    enum ap_store_sort sort;
    const char *name;
} keys[] = {
    {AP_SORT_SRC_IP, "src_ip"},     {AP_SORT_DST_PORT, "dst_port"},
    {AP_SORT_SENSOR, "sensor"},     {AP_SORT_HONEYPOT, "honeypot"},
    {AP_SORT_SRC_COUNTRY, "src_country"},
};

static json_t *
make(struct rec *r, long long i)
{
    json_t *ev;

    r->ts = T0 + i * 1000; /* distinct times: the order is total */
    snprintf(r->ip, sizeof(r->ip), "198.51.100.%u", fx_rnd(60));
    snprintf(r->sensor, sizeof(r->sensor), "sens-%c", 'a' + fx_rnd(4));
    snprintf(r->honeypot, sizeof(r->honeypot), "%s",
             fx_rnd(2) ? "ssh" : "telnet");
    r->country[0] = '\0';
    if (fx_rnd(5) != 0) /* some without a country */
        snprintf(r->country, sizeof(r->country), "%c%c", 'A' + fx_rnd(5),
                 'A' + fx_rnd(3));
    r->port = fx_rnd(6) ? 20 + (int)fx_rnd(200) : 0;
    ev = ap_event_new(AP_EV_CONNECT, r->sensor, r->honeypot, r->ts);
    ASSERT(ev != NULL);
    ap_event_set_addr(ev, r->ip, 40000, NULL, r->port ? r->port : -1);
    if (r->country[0])
        ap_event_set_str(ev, "src_country", r->country);
    return ev;
}

/* the key of r for sort k as text (NULL: none); ports compare as ints */
static const char *
key_of(const struct rec *r, enum ap_store_sort k)
{
    switch (k) {
    case AP_SORT_SRC_IP:
        return r->ip;
    case AP_SORT_SENSOR:
        return r->sensor;
    case AP_SORT_HONEYPOT:
        return r->honeypot;
    case AP_SORT_SRC_COUNTRY:
        return r->country[0] ? r->country : NULL;
    default:
        return NULL;
    }
}

static enum ap_store_sort cur;
static int cur_desc;

static int
cmp(const void *pa, const void *pb)
{
    const struct rec *a = pa, *b = pb;
    int c = 0, an, bn;

    if (cur == AP_SORT_DST_PORT) {
        an = a->port == 0, bn = b->port == 0;
        if (an != bn)
            return an - bn; /* without the column: last, both orders */
        c = a->port < b->port ? -1 : a->port > b->port;
    } else {
        const char *ka = key_of(a, cur), *kb = key_of(b, cur);
        an = ka == NULL, bn = kb == NULL;
        if (an != bn)
            return an - bn;
        c = an ? 0 : strcmp(ka, kb);
    }
    if (c == 0)
        c = a->ts < b->ts ? -1 : a->ts > b->ts;
    return cur_desc ? -c : c;
}

TEST(every_key_both_directions)
{
    struct ap_store *st = fx_fresh("sort");
    static struct rec want[N];
    json_t *evs[N], *got = NULL, *e;
    struct ap_filter f;
    size_t i, k, off;
    int d;

    for (i = 0; i < N; i++)
        evs[i] = make(&recs[i], (long long)i);
    ASSERT_EQ(ap_store_put_events(st, evs, N, NULL), 0);
    for (i = 0; i < N; i++)
        json_decref(evs[i]);
    memset(&f, 0, sizeof(f));
    for (k = 0; k < AP_ARRAY_SIZE(keys); k++)
        for (d = 0; d < 2; d++) {
            cur = keys[k].sort, cur_desc = d;
            memcpy(want, recs, sizeof(want));
            qsort(want, N, sizeof(want[0]), cmp);
            for (off = 0; off < N; off += 700) {
                ASSERT_EQ(ap_store_events_sorted(st, &f, keys[k].sort, d, 700,
                                                 off, &got),
                          0);
                ASSERT_EQ(json_array_size(got), AP_MIN(700, N - off));
                json_array_foreach(got, i, e)
                {
                    if (ap_event_ts_us(e) != want[off + i].ts)
                        TH_FAIL("sort %s %s: row %zu has ts %lld, want %lld",
                                keys[k].name, d ? "desc" : "asc", off + i,
                                (long long)ap_event_ts_us(e),
                                want[off + i].ts);
                }
                json_decref(got);
            }
        }
    /* time order is ap_store_events itself */
    ASSERT_EQ(ap_store_events_sorted(st, &f, AP_SORT_TS, 1, 5, 0, &got), 0);
    ASSERT_EQ(ap_event_ts_us(json_array_get(got, 0)), recs[N - 1].ts);
    json_decref(got);
    ASSERT_EQ(ap_store_events_sorted(st, &f, (enum ap_store_sort)99, 0, 5, 0,
                                     &got),
              AP_EINVAL);
    ap_store_close(st);
}

int
main(void)
{
    int rc;

    ap_log_set_level(AP_LOG_ERROR);
    fx_rng = 0x9e3779b97f4a7c15ULL; /* this suite's own seed */
    if (fx_init("sort") != 0)
        return 1;
    RUN(every_key_both_directions);
    rc = DONE();
    fx_cleanup();
    return rc;
}
