/* The collector pipeline against a real SQLite store: sinks see new
 * events only, a full queue spills to disk and is re-ingested (nothing
 * lost), raw payloads are counted per channel, acks follow contiguous
 * sequences. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/util.h"
#include "collector.h"
#include "harness.h"
#include "store.h"

static char dir[] = "/tmp/ap-coll-XXXXXX";
static int sunk;
static long long last_ack;

static void
sink(void *ctx, const json_t *ev)
{
    (void)ctx;
    (void)ev;
    __atomic_add_fetch(&sunk, 1, __ATOMIC_SEQ_CST);
}

static void
ack(void *ctx, const char *ident, long long seq)
{
    (void)ctx;
    if (strcmp(ident, "s1") == 0)
        __atomic_store_n(&last_ack, seq, __ATOMIC_SEQ_CST);
}

static struct ap_store *
open_store(const char *name)
{
    char url[256], err[256];
    struct ap_store *st;

    snprintf(url, sizeof(url), "sqlite:%s/%s", dir, name);
    if (ap_store_open(url, &st, err, sizeof(err)) != 0)
        TH_FAIL("store: %s", err);
    return st;
}

static long long
count(struct ap_store *st)
{
    struct ap_filter f;
    long long n = -1;

    memset(&f, 0, sizeof(f));
    ap_store_count(st, &f, &n);
    return n;
}

static json_t *
chan_stats(struct ap_collector *c, const char *chan)
{
    json_t *s = ap_collector_stats(c);
    json_t *v = json_incref(json_object_get(json_object_get(s, "channels"),
                                            chan));

    json_decref(s);
    return v;
}

TEST(spill_when_full_and_nothing_is_lost)
{
    struct ap_store *st = open_store("spill.db");
    struct ap_collector_opts o;
    struct ap_collector *c;
    char spill[300], p[200];
    int i, full = 0, n;
    json_t *s;

    snprintf(spill, sizeof(spill), "%s/collector.spill", dir);
    memset(&o, 0, sizeof(o));
    o.store = st;
    o.spill_path = spill;
    o.queue_items = 2; /* tiny: most payloads spill */
    ASSERT_EQ(ap_collector_new(&o, &c), 0);
    ASSERT_EQ(ap_collector_add_sink(c, sink, NULL), 0);
    sunk = 0;
    for (i = 0; i < 500; i++) {
        n = snprintf(p, sizeof(p),
                     "{\"attackerIP\":\"198.51.100.%d\",\"attackerPort\":%d}",
                     i % 250, i);
        if (ap_collector_submit(c, "s1", "amun.events", p, (size_t)n,
                                1700000000000000LL + i) == AP_EFULL)
            full++;
    }
    ap_collector_flush(c);
    ASSERT(full > 0);
    ASSERT_EQ(count(st), 500);
    ASSERT_EQ(sunk, 500);
    s = ap_collector_stats(c);
    ASSERT_EQ(json_integer_value(json_object_get(
                  json_object_get(s, "queue"), "spilled")),
              full);
    ASSERT_EQ(json_integer_value(json_object_get(
                  json_object_get(s, "queue"), "dropped")),
              0);
    json_decref(s);
    ASSERT(access(spill, F_OK) != 0); /* replayed and removed */
    ap_collector_free(c);
    ap_store_close(st);
}

TEST(sinks_see_new_events_only_and_raw_is_counted)
{
    struct ap_store *st = open_store("sink.db");
    struct ap_collector_opts o;
    struct ap_collector *c;
    const char *p = "{\"attackerIP\":\"198.51.100.1\",\"attackerPort\":1}";
    json_t *v;

    memset(&o, 0, sizeof(o));
    o.store = st;
    ASSERT_EQ(ap_collector_new(&o, &c), 0);
    ASSERT_EQ(ap_collector_add_sink(c, sink, NULL), 0);
    sunk = 0;
    ap_collector_submit(c, "s1", "amun.events", p, strlen(p),
                        1700000000000000LL);
    ap_collector_submit(c, "s1", "amun.events", p, strlen(p),
                        1700000000000000LL);
    ap_collector_submit(c, "s1", "amun.events", "junk", 4,
                        1700000000000000LL);
    ap_collector_submit(c, "s1", "no.such", "{}", 2, 1700000000000000LL);
    ap_collector_flush(c);
    ASSERT_EQ(sunk, 1);
    ASSERT_EQ(count(st), 1);
    v = chan_stats(c, "amun.events");
    ASSERT_EQ(json_integer_value(json_object_get(v, "received")), 3);
    ASSERT_EQ(json_integer_value(json_object_get(v, "stored")), 1);
    ASSERT_EQ(json_integer_value(json_object_get(v, "duplicates")), 1);
    ASSERT_EQ(json_integer_value(json_object_get(v, "parse_errors")), 1);
    json_decref(v);
    v = chan_stats(c, "no.such");
    ASSERT_EQ(json_integer_value(json_object_get(v, "parse_errors")), 1);
    json_decref(v);
    ap_collector_free(c);
    ap_store_close(st);
}

TEST(acks_follow_contiguous_sequences)
{
    struct ap_store *st = open_store("ack.db");
    struct ap_collector_opts o;
    struct ap_collector *c;
    char p[400];
    int seqs[] = {1, 2, 4, 3, 3, 5};
    size_t i;
    int n;

    memset(&o, 0, sizeof(o));
    o.store = st;
    o.ack = ack;
    ASSERT_EQ(ap_collector_new(&o, &c), 0);
    last_ack = 0;
    for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
        char id[AP_EVENT_ID_LEN + 1];
        ap_event_id_derive(id, 1700000000000000LL, &seqs[i],
                           sizeof(seqs[i]));
        n = snprintf(p, sizeof(p),
                     "{\"id\":\"%s\",\"seq\":%d,\"ts\":\"2026-11-29T07:00:"
                     "00Z\",\"sensor\":\"s1\",\"honeypot\":\"ssh\","
                     "\"type\":\"connect\"}",
                     id, seqs[i]);
        ap_collector_submit(c, "s1", "apiary.events", p, (size_t)n,
                            ap_now_us());
        ap_collector_flush(c);
        if (seqs[i] == 2)
            ASSERT_EQ(last_ack, 2);
        if (seqs[i] == 4)
            ASSERT_EQ(last_ack, 2); /* 3 missing */
    }
    ASSERT_EQ(last_ack, 5);
    ASSERT_EQ(count(st), 5);
    ap_collector_free(c);
    ap_store_close(st);
}

int
main(void)
{
    char cmd[300];
    int rc;

    if (mkdtemp(dir) == NULL)
        return 1;
    RUN(spill_when_full_and_nothing_is_lost);
    RUN(sinks_see_new_events_only_and_raw_is_counted);
    RUN(acks_follow_contiguous_sequences);
    rc = DONE();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return rc;
}
