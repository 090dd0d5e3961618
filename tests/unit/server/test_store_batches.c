/*
 * Batches that mix new events, events already stored and repeats of their
 * own events, in every position, against a real engine (SQLite, or
 * PostgreSQL through tests/blackbox/pg.sh).  The SQLite engine inserts 32
 * rows per statement and reads back which were new when a statement
 * skipped some; the collector hands only the new ones to its sinks, and
 * only they are counted.
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
#define N 3000

static json_t *
make(size_t i, long long *ts)
{
    static const char *const types[] = {"connect", "login", "command",
                                        "disconnect"};
    char session[24];
    json_t *ev;

    *ts = T0 + (long long)(i % 48) * HOUR + (long long)i * 1000;
    ev = ap_event_new((enum ap_event_type)ap_event_type_lookup(types[i % 4]),
                      i % 3 ? "s-a" : "s-b", "ssh", *ts);
    ASSERT(ev != NULL);
    ap_event_set_addr(ev, i % 5 ? "203.0.113.9" : "198.51.100.7", 40000,
                      "192.0.2.1", 22);
    snprintf(session, sizeof(session), "s%zu", i / 4);
    ap_event_set_str(ev, "session", session);
    return ev;
}

TEST(mixed_batches_tell_new_rows)
{
    struct ap_store *st = fx_fresh("batches");
    json_t **ev = calloc(N, sizeof(*ev)), **in = calloc(3 * N, sizeof(*in));
    unsigned char *isnew = calloc(3 * N, 1), *stored = calloc(N, 1);
    long long *ts = calloc(N, sizeof(*ts)), c, want_range = 0;
    struct ap_filter f;
    size_t i, j, n = 0, k, want = 0, got = 0;

    ASSERT(ev != NULL && in != NULL && isnew != NULL && stored != NULL &&
           ts != NULL);
    for (i = 0; i < N; i++)
        ev[i] = make(i, &ts[i]);
    /* Every third event stored first, in batches of odd sizes. */
    for (i = 0; i < N; i += 3)
        in[n++] = ev[i];
    for (i = 0; i < n; i += k) {
        k = AP_MIN(n - i, 37 + i % 50);
        ASSERT_EQ(ap_store_put_events_new(st, in + i, k, isnew + i), 0);
    }
    for (i = 0; i < n; i++)
        ASSERT_EQ(isnew[i], 1);
    for (i = 0; i < N; i += 3)
        stored[i] = 1;
    /* Then everything, some twice (next to each other, or five apart),
     * in one call. */
    n = 0;
    for (i = 0; i < N; i++) {
        in[n++] = ev[i];
        if (i % 7 == 0)
            in[n++] = ev[i];
        if (i % 11 == 0 && i >= 5)
            in[n++] = ev[i - 5];
    }
    memset(isnew, 0xff, n);
    ASSERT_EQ(ap_store_put_events_new(st, in, n, isnew), 0);
    /* New: the first occurrence of each event not stored before. */
    for (i = 0; i < n; i++) {
        int first;

        for (j = 0; j < N && ev[j] != in[i]; j++)
            ;
        ASSERT(j < N);
        first = !stored[j];
        stored[j] = 1;
        if (isnew[i] != first)
            TH_FAIL("row %zu (event %zu): new %d, want %d", i, j, isnew[i],
                    first);
        want += (size_t)first;
        got += isnew[i];
    }
    ASSERT_EQ(got, want);
    /* Counted once each, rollups included. */
    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT_EQ(c, N);
    f.since_us = T0 + 5 * HOUR + 1234;
    f.until_us = T0 + 29 * HOUR + 999;
    for (i = 0; i < N; i++)
        want_range += ts[i] >= f.since_us && ts[i] < f.until_us;
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT_EQ(c, want_range);
    for (i = 0; i < N; i++)
        json_decref(ev[i]);
    free(ev);
    free(in);
    free(isnew);
    free(stored);
    free(ts);
    ap_store_close(st);
}

int
main(void)
{
    int rc;

    ap_log_set_level(AP_LOG_ERROR);
    if (fx_init("batches") != 0)
        return 1;
    RUN(mixed_batches_tell_new_rows);
    rc = DONE();
    fx_cleanup();
    return rc;
}
