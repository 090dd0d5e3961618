/*
 * The batch aggregation (server/store/store_agg.c) remembers each
 * dimension's key of the row before by pointer: rows of one payload share
 * their json_t values (the adapters' templates).  Stored twice -- once
 * with values shared across events the way the adapters share them, once
 * as deep copies (no pointer equal) -- the rollup, sessions, files,
 * per-source summary and counters must be identical, and each rollup
 * dimension must count what its events column holds.  SQLite: the
 * aggregation runs before the engine, the same for both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/log.h"
#include "ap/util.h"
#include "harness.h"
#include "store.h"
#include "store_fixture.h"
#include "ap/common.h"

#define HOUR 3600000000LL
#define NEV 6000 /* > AP_STORE_SRC_HEAVY from one address */
#define BATCH 1500

struct text {
    char *s;
    size_t n;
};

static int
append_row(void *ctx, int ncols, char **vals, char **names)
{
    struct text *t = ctx;
    int i;

    (void)names;
    for (i = 0; i < ncols; i++) {
        const char *v = vals[i] ? vals[i] : "NULL";
        size_t l = strlen(v);
        char *ns = realloc(t->s, t->n + l + 2);

        if (ns == NULL)
            return 1;
        t->s = ns;
        memcpy(t->s + t->n, v, l);
        t->n += l;
        t->s[t->n++] = i + 1 < ncols ? '|' : '\n';
        t->s[t->n] = '\0';
    }
    return 0;
}

/* Every row of the aggregate tables, in one order. */
static char *
dump_tables(const char *url)
{
    static const char *const sql[] = {
        "SELECT * FROM rollup ORDER BY dim, hour, value, value2",
        "SELECT * FROM sessions ORDER BY sensor, session",
        "SELECT * FROM files ORDER BY sha256",
        "SELECT * FROM srcsum ORDER BY src_ip, dim, value, value2",
        "SELECT * FROM counters ORDER BY name",
    };
    struct text t = {NULL, 0};
    sqlite3 *db = NULL;
    size_t i;

    ASSERT_EQ(sqlite3_open(url + 7, &db), SQLITE_OK);
    for (i = 0; i < AP_ARRAY_SIZE(sql); i++)
        ASSERT_EQ(sqlite3_exec(db, sql[i], append_row, &t, NULL), SQLITE_OK);
    sqlite3_close(db);
    ASSERT(t.s != NULL);
    return t.s;
}

static char *
dump_one(const char *url, const char *sql)
{
    struct text t = {NULL, 0};
    sqlite3 *db = NULL;

    ASSERT_EQ(sqlite3_open(url + 7, &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, append_row, &t, NULL), SQLITE_OK);
    sqlite3_close(db);
    ASSERT(t.s != NULL);
    return t.s;
}

static long long
one_number(const char *url, const char *sql)
{
    struct text t = {NULL, 0};
    sqlite3 *db = NULL;
    long long n;

    ASSERT_EQ(sqlite3_open(url + 7, &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, append_row, &t, NULL), SQLITE_OK);
    sqlite3_close(db);
    n = t.s != NULL ? strtoll(t.s, NULL, 10) : -1;
    free(t.s);
    return n;
}

static json_t *
str(const char *s)
{
    return json_string(s);
}

/* Events in "payloads" of 8 that share one json_t per common field, like
 * the adapters' templates; the heavy address sends a third of them. */
static void
make_events(json_t **evs)
{
    static const char *const types[] = {"connect", "login", "login",
                                        "command", "download", "alert",
                                        "login", "disconnect"};
    json_t *sensor = str("s1"), *hp = NULL, *ip = NULL, *ses = NULL,
           *proto = NULL, *tv[8] = {NULL}, *dst = str("10.0.0.1");
    char b[96];
    size_t i, k;

    for (i = 0; i < NEV; i++) {
        json_t *e = json_object();
        size_t p = i / 8, slot = i % 8;

        if (slot == 0) {
            json_decref(hp);
            json_decref(ip);
            json_decref(ses);
            json_decref(proto);
            hp = str(p % 3 ? "cowrie" : "dionaea");
            snprintf(b, sizeof(b), "198.51.100.%zu", p % 3 == 0 ? 7 : p % 97);
            ip = str(b);
            snprintf(b, sizeof(b), "sess%zu", p % 500);
            ses = str(b);
            proto = str(p % 2 ? "ssh" : "telnet");
            for (k = 0; k < 8; k++) {
                json_decref(tv[k]);
                tv[k] = str(types[k]);
            }
        }
        snprintf(b, sizeof(b), "ev%06zu", i);
        json_object_set_new(e, "id", str(b));
        json_object_set(e, "type", tv[slot]);
        /* the hour changes every few payloads, not every event */
        ap_format_time_us(1700000000000000LL + (long long)(i / 37 % 5) * HOUR +
                              (long long)i,
                          b, sizeof(b));
        json_object_set_new(e, "ts", str(b));
        json_object_set(e, "sensor", sensor);
        json_object_set(e, "honeypot", hp);
        json_object_set(e, "session", ses);
        json_object_set(e, "src_ip", ip);
        json_object_set(e, "dst_ip", dst);
        json_object_set(e, "protocol", proto);
        json_object_set_new(e, "src_port", json_integer(40000 + (int)p % 7));
        json_object_set_new(e, "dst_port", json_integer(p % 4 ? 22 : 23));
        if (p % 5)
            json_object_set_new(e, "src_asn", json_integer(64500 + (int)p % 3));
        json_object_set_new(e, "src_country", str(p % 2 ? "NL" : "DE"));
        if (slot == 1 || slot == 2 || slot == 6) {
            snprintf(b, sizeof(b), "user%zu", i % 13);
            json_object_set_new(e, "username", str(b));
            snprintf(b, sizeof(b), "pw%zu", i % 17);
            json_object_set_new(e, "password", str(b));
            json_object_set_new(e, "success", json_boolean(slot == 6));
        } else if (slot == 3) {
            snprintf(b, sizeof(b), "uname -a; cat /proc/%zu", i % 11);
            json_object_set_new(e, "command", str(b));
        } else if (slot == 4) {
            snprintf(b, sizeof(b), "%064zx", p % 9);
            json_object_set_new(e, "sha256", str(b));
            snprintf(b, sizeof(b), "http://x.example/%zu", p % 9);
            json_object_set_new(e, "url", str(b));
            json_object_set_new(e, "size", json_integer((json_int_t)p));
        } else if (slot == 5) {
            json_object_set_new(e, "signature", str(p % 2 ? "ET SCAN" : "X"));
        }
        evs[i] = e;
    }
    json_decref(sensor);
    json_decref(hp);
    json_decref(ip);
    json_decref(ses);
    json_decref(proto);
    json_decref(dst);
    for (k = 0; k < 8; k++)
        json_decref(tv[k]);
}

static void
store_all(struct ap_store *st, json_t **evs)
{
    size_t i, ins, total = 0;

    for (i = 0; i < NEV; i += BATCH) {
        ASSERT_EQ(ap_store_put_events(st, evs + i, BATCH, &ins), 0);
        total += ins;
    }
    ASSERT_EQ(total, NEV);
}

TEST(shared_values_aggregate_like_copies)
{
    static json_t *shared[NEV], *copies[NEV];
    static const struct {
        int dim;
        const char *col;
    } dims[] = {{1, "src_ip"},    {2, "dst_port"}, {3, "honeypot"},
                {4, "sensor"},    {5, "src_country"}, {6, "src_asn"},
                {7, "protocol"},  {8, "username"}, {9, "password"},
                {11, "command"},  {12, "url"},     {13, "sha256"},
                {14, "signature"}, {15, "type"}};
#define HEAVY "src_ip = '198.51.100.7'"
    /* {aggregate, the same counted from the events} */
    static const char *const brute[][2] = {
        {"SELECT SUM(n) FROM rollup WHERE dim = 0",
         "SELECT COUNT(*) FROM events"},
        {"SELECT COUNT(*) FROM sessions",
         "SELECT COUNT(DISTINCT session) FROM events"},
        {"SELECT SUM(events) FROM sessions", "SELECT COUNT(*) FROM events"},
        {"SELECT SUM(logins) FROM sessions",
         "SELECT COUNT(*) FROM events WHERE username IS NOT NULL"},
        {"SELECT COUNT(*) FROM files",
         "SELECT COUNT(DISTINCT sha256) FROM events"},
        {"SELECT SUM(n) FROM srcsum WHERE " HEAVY " AND dim = 4",
         "SELECT COUNT(*) FROM events WHERE " HEAVY},
        {"SELECT SUM(n) FROM srcsum WHERE " HEAVY " AND dim = 10",
         "SELECT COUNT(*) FROM events WHERE " HEAVY
         " AND username IS NOT NULL"},
        {"SELECT SUM(n) FROM srcsum WHERE " HEAVY " AND dim = 102",
         "SELECT COUNT(*) FROM events WHERE " HEAVY " AND type = 'connect'"},
        {"SELECT SUM(n) FROM srcsum WHERE " HEAVY " AND dim = 104",
         "SELECT COUNT(*) FROM events WHERE " HEAVY " AND type = 'connect'"},
    };
#undef HEAVY
    struct ap_store *a, *b;
    char *ta2, *tb2;
    char url_a[512], url_b[512], sql[256];
    char *ta, *tb;
    size_t i;

    make_events(shared);
    for (i = 0; i < NEV; i++)
        ASSERT((copies[i] = json_deep_copy(shared[i])) != NULL);
    a = fx_fresh("shared");
    snprintf(url_a, sizeof(url_a), "%s", fx_url);
    store_all(a, shared);
    b = fx_fresh("copies");
    snprintf(url_b, sizeof(url_b), "%s", fx_url);
    store_all(b, copies);
    ap_store_close(a);
    ap_store_close(b);
    ta = dump_tables(url_a);
    tb = dump_tables(url_b);
    if (strcmp(ta, tb) != 0) {
        free(ta);
        free(tb);
        TH_FAIL("aggregates differ between shared and copied values");
    }
    /* the heavy address got its summary */
    ASSERT(one_number(url_a, "SELECT COUNT(*) FROM srcsum WHERE src_ip = "
                             "'198.51.100.7'") > 10);
    /* each dimension counts its column (login pairs: the username's) */
    for (i = 0; i < AP_ARRAY_SIZE(dims); i++) {
        snprintf(sql, sizeof(sql),
                 "SELECT COUNT(*) FROM events WHERE %s IS NOT NULL",
                 dims[i].col);
        long long want = one_number(url_a, sql);
        snprintf(sql, sizeof(sql),
                 "SELECT SUM(n) FROM rollup WHERE dim = %d", dims[i].dim);
        if (one_number(url_a, sql) != want)
            TH_FAIL("dimension %s: rollup %lld, events %lld", dims[i].col,
                    one_number(url_a, sql), want);
    }
    /* and the rest against the events themselves */
    for (i = 0; i < AP_ARRAY_SIZE(brute); i++) {
        long long want = one_number(url_a, brute[i][1]);
        long long got = one_number(url_a, brute[i][0]);

        if (got != want || want <= 0)
            TH_FAIL("%s: %lld, events say %lld", brute[i][0], got, want);
    }
    ta2 = dump_one(url_a, "SELECT value, n FROM srcsum WHERE src_ip = "
                          "'198.51.100.7' AND dim = 15 ORDER BY value");
    tb2 = dump_one(url_a, "SELECT type, COUNT(*) FROM events WHERE src_ip = "
                          "'198.51.100.7' GROUP BY type ORDER BY type");
    ASSERT_STR_EQ(ta2, tb2);
    free(ta2);
    free(tb2);
    free(ta);
    free(tb);
    for (i = 0; i < NEV; i++) {
        json_decref(shared[i]);
        json_decref(copies[i]);
    }
}

int
main(void)
{
    ap_log_set_level(AP_LOG_ERROR);
    if (fx_init("agg") != 0)
        return 1;
    RUN(shared_values_aggregate_like_copies);
    fx_cleanup();
    return DONE();
}
