/*
 * Top-N from the cached per-hour / per-day lists (store_topk.c) must be
 * exactly what counting every event gives: same values, same counts, same
 * order (count, then value), for windows with ragged edges, after late
 * events land in hours whose lists were built, and after retention.
 * Lists are kept tiny (3 per hour, 8 per day) so the bounds matter.
 *
 * Runs on SQLite (temp file) and on a throwaway PostgreSQL (pg.sh sets
 * AP_PG_URL_BASE), like test_store.
 */
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


struct rec {
    long long ts;
    char ip[32], user[16], pass[16], country[3];
    int port, login;
    json_t *ev;
};

/* A heavy head and a long tail: the smallest of three uniform picks. */
static unsigned
skew(unsigned n)
{
    unsigned a = fx_rnd(n), b = fx_rnd(n), c = fx_rnd(n);
    return AP_MIN(a, AP_MIN(b, c));
}

/* Attack data has a head: a few values with halving shares (60 % of
 * picks), then a uniform tail of n. */
static unsigned
head(unsigned n)
{
    unsigned k = 0;

    if (fx_rnd(10) >= 6)
        return 30 + fx_rnd(n);
    while (k < 29 && fx_rnd(2) == 0)
        k++;
    return k;
}

static void
gen_one(struct rec *x, long long ts, const char *ip)
{
    static const int ports[] = {22, 23, 80, 445, 2222, 8080, 3389, 5900};

    memset(x, 0, sizeof(*x));
    x->ts = ts;
    if (ip != NULL) {
        snprintf(x->ip, sizeof(x->ip), "%s", ip);
    } else {
        unsigned k = head(400);
        snprintf(x->ip, sizeof(x->ip), "10.0.%u.%u", k / 200, k % 200);
    }
    x->port = ports[skew(AP_ARRAY_SIZE(ports))];
    x->country[0] = (char)('A' + skew(8));
    x->country[1] = (char)('A' + fx_rnd(2));
    x->login = fx_rnd(3) != 0;
    x->ev = ap_event_new(x->login ? AP_EV_LOGIN : AP_EV_CONNECT, "s1", "ssh",
                         ts);
    ASSERT(x->ev != NULL);
    ap_event_set_addr(x->ev, x->ip, 40000, "192.0.2.1", x->port);
    ap_event_set_str(x->ev, "src_country", x->country);
    if (x->login) {
        /* Letters and digits, so "a" / "a1" order is exercised. */
        snprintf(x->user, sizeof(x->user), "u%u", head(30));
        snprintf(x->pass, sizeof(x->pass), "p%u", head(60));
        ap_event_set_str(x->ev, "username", x->user);
        ap_event_set_str(x->ev, "password", x->pass);
    }
}

/* In batches of 700, as the collector would: a busy address crosses
 * AP_STORE_SRC_HEAVY inside a batch, and later batches add to the
 * summary built then. */
static void
put(struct ap_store *st, struct rec *r, size_t n)
{
    json_t **evs = calloc(n, sizeof(*evs));
    size_t i, ins, done;

    ASSERT(evs != NULL);
    for (i = 0; i < n; i++)
        evs[i] = r[i].ev;
    for (done = 0; done < n; done += ins) {
        size_t k = AP_MIN(n - done, (size_t)700);

        ASSERT_EQ(ap_store_put_events(st, evs + done, k, &ins), 0);
        ASSERT_EQ(ins, k);
    }
    free(evs);
}


struct ent {
    char v[40], v2[16];
    long long n;
};

static int
ent_by_value(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    int r = strcmp(x->v, y->v);
    return r ? r : strcmp(x->v2, y->v2);
}

static int
ent_by_count(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return ent_by_value(a, b);
}

/* Brute force: the top of dim over [since, until) (0 = open). */
static size_t
expect_top(const struct rec *r, size_t n, const char *dim, long long since,
           long long until, struct ent *out)
{
    size_t i, k = 0, m = 0;

    for (i = 0; i < n; i++) {
        const struct rec *x = &r[i];
        struct ent *e = &out[k];

        if (x->ev == NULL || (since && x->ts < since) ||
            (until && x->ts >= until))
            continue;
        memset(e, 0, sizeof(*e));
        if (strcmp(dim, "src_ip") == 0) {
            snprintf(e->v, sizeof(e->v), "%s", x->ip);
        } else if (strcmp(dim, "dst_port") == 0) {
            snprintf(e->v, sizeof(e->v), "%d", x->port);
        } else if (strcmp(dim, "src_country") == 0) {
            snprintf(e->v, sizeof(e->v), "%s", x->country);
        } else if (!x->login) {
            continue;
        } else if (strcmp(dim, "username") == 0) {
            snprintf(e->v, sizeof(e->v), "%s", x->user);
        } else if (strcmp(dim, "password") == 0) {
            snprintf(e->v, sizeof(e->v), "%s", x->pass);
        } else {
            snprintf(e->v, sizeof(e->v), "%s", x->user);
            snprintf(e->v2, sizeof(e->v2), "%s", x->pass);
        }
        e->n = 1;
        k++;
    }
    qsort(out, k, sizeof(*out), ent_by_value);
    for (i = 0; i < k; i++) {
        if (m > 0 && ent_by_value(&out[m - 1], &out[i]) == 0)
            out[m - 1].n++;
        else
            out[m++] = out[i];
    }
    qsort(out, m, sizeof(*out), ent_by_count);
    return m;
}

static void
check_all(struct ap_store *st, const struct rec *r, size_t n, long long now)
{
    static const char *const dims[] = {"src_ip",   "credential", "dst_port",
                                       "username", "password",   "src_country"};
    static const size_t limits[] = {1, 5, 10, 1000};
    const long long win[][2] = {
        {now - 24 * HOUR, 0},
        {now - 48 * HOUR + 17 * 60000000LL, now - 3 * HOUR + 5 * 60000000LL},
        {now - 80 * HOUR, 0},
        {(now - 60 * HOUR) / (24 * HOUR) * (24 * HOUR), now - 2 * HOUR},
        {0, 0},
    };
    struct ent *exp = calloc(n + 1, sizeof(*exp));
    size_t d, w, l, i, ne;
    struct ap_filter f;
    json_t *out;
    char num[32];

    ASSERT(exp != NULL);
    for (d = 0; d < AP_ARRAY_SIZE(dims); d++)
        for (w = 0; w < AP_ARRAY_SIZE(win); w++) {
            ne = expect_top(r, n, dims[d], win[w][0], win[w][1], exp);
            for (l = 0; l < AP_ARRAY_SIZE(limits); l++) {
                memset(&f, 0, sizeof(f));
                f.since_us = win[w][0];
                f.until_us = win[w][1];
                ASSERT_EQ(ap_store_top(st, dims[d], &f, limits[l], &out), 0);
                ASSERT_EQ(json_array_size(out), AP_MIN(ne, limits[l]));
                for (i = 0; i < json_array_size(out); i++) {
                    json_t *o = json_array_get(out, i), *v;
                    const char *got;

                    if (strcmp(dims[d], "credential") == 0) {
                        ASSERT_STR_EQ(json_string_value(json_object_get(
                                          o, "username")),
                                      exp[i].v);
                        ASSERT_STR_EQ(json_string_value(json_object_get(
                                          o, "password")),
                                      exp[i].v2);
                    } else {
                        v = json_object_get(o, "value");
                        if (json_is_integer(v)) {
                            snprintf(num, sizeof(num), "%lld",
                                     (long long)json_integer_value(v));
                            got = num;
                        } else {
                            got = json_string_value(v);
                        }
                        ASSERT_STR_EQ(got, exp[i].v);
                    }
                    ASSERT_EQ(json_integer_value(json_object_get(o, "count")),
                              exp[i].n);
                }
                json_decref(out);
            }
        }
    free(exp);
}

static void
maintain_all(struct ap_store *st)
{
    int more = 1, i;

    for (i = 0; i < 10000 && more; i++)
        ASSERT_EQ(ap_store_maintain(st, ap_now_us(), 500, &more), 0);
    ASSERT_EQ(more, 0);
}

#define N_MAIN 9000
#define N_LATE 600

TEST(topk_lists_are_exact)
{
    struct ap_store *st = fx_open("topk");
    struct rec *r = calloc(N_MAIN + N_LATE, sizeof(*r));
    struct ap_store_stats s0, s1;
    struct ap_store_retention ret = {2, 0, 0, 500};
    long long now = ap_now_us(), deleted = 1, cut;
    size_t i, n = N_MAIN;
    int k;

    ASSERT(r != NULL);
    ap_store_set_topk_sizes(st, 3, 8);
    for (i = 0; i < N_MAIN; i++)
        gen_one(&r[i], now - 75 * HOUR + (long long)i * (74 * HOUR / N_MAIN),
                NULL);
    put(st, r, N_MAIN);
    /* Without lists: the plain sum. */
    check_all(st, r, n, now);
    maintain_all(st);
    ap_store_stats(st, &s0);
    check_all(st, r, n, now);
    ap_store_stats(st, &s1);
    /* The lists answered most of those (else this tests nothing). */
    printf("  lists %lld, fallbacks %lld\n", s1.topk_lists - s0.topk_lists,
           s1.topk_fallbacks - s0.topk_fallbacks);
    ASSERT(s1.topk_lists - s0.topk_lists > 30);
    ASSERT(s1.topk_fallbacks - s0.topk_fallbacks > 0); /* both paths */

    /* Late events into hours (and days) whose lists exist: a new heavy
     * source that must now lead the windows it falls in. */
    for (i = 0; i < N_LATE; i++)
        gen_one(&r[n + i], now - 50 * HOUR + (long long)i * (10 * HOUR / N_LATE),
                "192.0.2.99");
    put(st, &r[n], N_LATE);
    n += N_LATE;
    check_all(st, r, n, now);
    maintain_all(st);
    check_all(st, r, n, now);

    /* Retention by age (2 days) drops hours and their lists. */
    for (k = 0; k < 1000 && deleted > 0; k++)
        ASSERT_EQ(ap_store_retention_step(st, &ret, now, &deleted), 0);
    cut = (now - 48 * HOUR) / HOUR * HOUR;
    for (i = 0; i < n; i++)
        if (r[i].ts < cut) {
            json_decref(r[i].ev);
            r[i].ev = NULL;
        }
    check_all(st, r, n, now);
    maintain_all(st);
    check_all(st, r, n, now);
    for (i = 0; i < n; i++)
        json_decref(r[i].ev);
    free(r);
    ap_store_close(st);
}

/* Brute force: dim values of ip's events in [since, until), as the
 * profile and the API order them. */
static int only_connects; /* expect_ip: connect events only */

static size_t
expect_ip(const struct rec *r, size_t n, const char *ip, const char *dim,
          long long since, long long until, struct ent *out)
{
    size_t i, k = 0, m = 0;

    for (i = 0; i < n; i++) {
        const struct rec *x = &r[i];

        if (x->ev == NULL || strcmp(x->ip, ip) != 0 ||
            (since && x->ts < since) || (until && x->ts >= until) ||
            (only_connects && x->login))
            continue;
        memset(&out[k], 0, sizeof(out[k]));
        if (strcmp(dim, "dst_port") == 0)
            snprintf(out[k].v, sizeof(out[k].v), "%d", x->port);
        else if (strcmp(dim, "type") == 0)
            snprintf(out[k].v, sizeof(out[k].v), "%s",
                     x->login ? "login" : "connect");
        else if (!x->login)
            continue;
        else {
            snprintf(out[k].v, sizeof(out[k].v), "%s", x->user);
            snprintf(out[k].v2, sizeof(out[k].v2), "%s", x->pass);
        }
        out[k++].n = 1;
    }
    qsort(out, k, sizeof(*out), ent_by_value);
    for (i = 0; i < k; i++) {
        if (m > 0 && ent_by_value(&out[m - 1], &out[i]) == 0)
            out[m - 1].n++;
        else
            out[m++] = out[i];
    }
    qsort(out, m, sizeof(*out), ent_by_count);
    return m;
}

static void
check_list(json_t *arr, const struct ent *exp, size_t ne, size_t limit,
           int pair)
{
    char num[32];
    size_t i;

    ASSERT_EQ(json_array_size(arr), AP_MIN(ne, limit));
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i), *v = json_object_get(o, "value");

        if (pair) {
            ASSERT_STR_EQ(json_string_value(json_object_get(o, "username")),
                          exp[i].v);
            ASSERT_STR_EQ(json_string_value(json_object_get(o, "password")),
                          exp[i].v2);
        } else if (json_is_integer(v)) {
            snprintf(num, sizeof(num), "%lld",
                     (long long)json_integer_value(v));
            ASSERT_STR_EQ(num, exp[i].v);
        } else {
            ASSERT_STR_EQ(json_string_value(v), exp[i].v);
        }
        ASSERT_EQ(json_integer_value(json_object_get(o, "count")), exp[i].n);
    }
}

static void
check_sources(struct ap_store *st, const struct rec *r, size_t n,
              long long now)
{
    static const char *const ips[] = {"10.0.0.0", "10.0.0.1", "10.0.0.5",
                                      "10.0.1.100", "192.0.2.99", "10.9.9.9"};
    const long long win[][2] = {{0, 0},
                                {now - 24 * HOUR, 0},
                                {now - 74 * HOUR, now - 1 * HOUR},
                                {now - 30 * HOUR, now - 20 * HOUR}};
    struct ent *exp = calloc(n + 1, sizeof(*exp));
    struct ap_filter f;
    size_t i, w, ne;
    json_t *prof, *top;
    long long c;

    ASSERT(exp != NULL);
    for (i = 0; i < AP_ARRAY_SIZE(ips); i++) {
        ASSERT_EQ(ap_store_profile(st, ips[i], &prof), 0);
        ne = expect_ip(r, n, ips[i], "type", 0, 0, exp);
        for (c = 0, w = 0; w < ne; w++)
            c += exp[w].n;
        ASSERT_EQ(json_integer_value(json_object_get(prof, "events")), c);
        check_list(json_object_get(prof, "types"), exp, ne, 20, 0);
        ne = expect_ip(r, n, ips[i], "dst_port", 0, 0, exp);
        check_list(json_object_get(prof, "ports"), exp, ne, 20, 0);
        ne = expect_ip(r, n, ips[i], "credential", 0, 0, exp);
        check_list(json_object_get(prof, "credentials"), exp, ne, 20, 1);
        json_decref(prof);
        /* attacker_stats: count and top ports of one address in a
         * window (summary minus outside, or the events inside). */
        for (w = 0; w < AP_ARRAY_SIZE(win); w++) {
            memset(&f, 0, sizeof(f));
            f.src_ip = ips[i];
            f.since_us = win[w][0];
            f.until_us = win[w][1];
            ne = expect_ip(r, n, ips[i], "type", win[w][0], win[w][1], exp);
            for (c = 0; ne > 0; ne--)
                c += exp[ne - 1].n;
            {
                long long got = -1;
                ASSERT_EQ(ap_store_count(st, &f, &got), 0);
                ASSERT_EQ(got, c);
            }
            ne = expect_ip(r, n, ips[i], "dst_port", win[w][0], win[w][1],
                           exp);
            ASSERT_EQ(ap_store_top(st, "dst_port", &f, 5, &top), 0);
            check_list(top, exp, ne, 5, 0);
            json_decref(top);
            ne = expect_ip(r, n, ips[i], "credential", win[w][0], win[w][1],
                           exp);
            ASSERT_EQ(ap_store_top(st, "credential", &f, 1000, &top), 0);
            check_list(top, exp, ne, 1000, 1);
            json_decref(top);
            /* MHN's attacker_stats: connections only. */
            only_connects = 1;
            f.type = "connect";
            ne = expect_ip(r, n, ips[i], "type", win[w][0], win[w][1], exp);
            {
                long long got = -1, want = ne ? exp[0].n : 0;
                ASSERT_EQ(ap_store_count(st, &f, &got), 0);
                ASSERT_EQ(got, want);
            }
            ne = expect_ip(r, n, ips[i], "dst_port", win[w][0], win[w][1],
                           exp);
            ASSERT_EQ(ap_store_top(st, "dst_port", &f, 1000, &top), 0);
            check_list(top, exp, ne, 1000, 0);
            json_decref(top);
            only_connects = 0;
        }
    }
    free(exp);
}

TEST(source_summary_is_exact)
{
    struct ap_store *st = fx_open("srcsum");
    struct rec *r = calloc(N_MAIN + N_LATE, sizeof(*r));
    struct ap_store_retention ret = {2, 0, 0, 300};
    long long now = ap_now_us(), deleted = 1, cut;
    size_t i, n = N_MAIN;
    int k;

    ASSERT(r != NULL);
    for (i = 0; i < N_MAIN; i++)
        gen_one(&r[i], now - 75 * HOUR + (long long)i * (74 * HOUR / N_MAIN),
                NULL);
    put(st, r, N_MAIN);
    /* The summary is kept for the busy addresses only (and a query about
     * any other reads its events): both kinds are checked below. */
    {
        long long busy = 0, addrs = 0, k2;
        size_t j;

        for (i = 0; i < N_MAIN; i++) {
            for (j = 0; j < i && strcmp(r[j].ip, r[i].ip) != 0; j++)
                ;
            if (j < i)
                continue;
            addrs++;
            for (k2 = 0, j = i; j < N_MAIN; j++)
                k2 += strcmp(r[j].ip, r[i].ip) == 0;
            busy += k2 >= AP_STORE_SRC_HEAVY;
        }
        ASSERT(busy >= 1 && busy < addrs);
        ASSERT_EQ(fx_raw_query("SELECT COUNT(DISTINCT src_ip) FROM srcsum"),
                  busy);
    }
    /* Resent events change nothing. */
    {
        json_t *evs[50];
        size_t ins;

        for (i = 0; i < 50; i++)
            evs[i] = r[i * 7].ev;
        ASSERT_EQ(ap_store_put_events(st, evs, 50, &ins), 0);
        ASSERT_EQ(ins, 0);
    }
    for (i = 0; i < N_LATE; i++)
        gen_one(&r[n + i], now - 50 * HOUR + (long long)i * (10 * HOUR / N_LATE),
                "192.0.2.99");
    put(st, &r[n], N_LATE);
    n += N_LATE;
    check_sources(st, r, n, now);

    /* A schema-1 database (no summary) is upgraded on open. */
    ap_store_close(st);
    fx_raw_sql("DELETE FROM srcsum");
    fx_raw_sql("UPDATE meta SET value = '1' WHERE key = 'schema'");
    st = fx_reopen();
    check_sources(st, r, n, now);

    /* Retention takes deleted events out of the summary. */
    for (k = 0; k < 1000 && deleted > 0; k++)
        ASSERT_EQ(ap_store_retention_step(st, &ret, now, &deleted), 0);
    cut = (now - 48 * HOUR) / HOUR * HOUR;
    for (i = 0; i < n; i++)
        if (r[i].ts < cut) {
            json_decref(r[i].ev);
            r[i].ev = NULL;
        }
    check_sources(st, r, n, now);

    /* A schema this build does not know is refused with a message. */
    ap_store_close(st);
    fx_raw_sql("UPDATE meta SET value = '9' WHERE key = 'schema'");
    {
        struct ap_store *st2 = NULL;
        char err[512] = "";

        ASSERT(ap_store_open(fx_url, &st2, err, sizeof(err)) != 0);
        ASSERT(strstr(err, "schema version '9'") != NULL);
    }
    for (i = 0; i < n; i++)
        json_decref(r[i].ev);
    free(r);
}

int
main(void)
{
    int rc;

    ap_log_set_level(AP_LOG_ERROR);
    if (fx_init("topk") != 0)
        return 1;
    RUN(topk_lists_are_exact);
    RUN(source_summary_is_exact);
    rc = DONE();
    fx_cleanup();
    return rc;
}
