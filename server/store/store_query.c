/*
 * The dashboard queries: events, count, top, timeseries.  SQL text is
 * built from fixed fragments only (column names come from the filter
 * table below, never from input); every value is a bound parameter.
 *
 * When the filter is a time range only (the dashboard's "last 24 h"), the
 * answer comes from the hourly rollup for the whole hours inside the
 * range plus the events index for the partial hours at both edges, so
 * the cost does not grow with the number of events stored.  Any other
 * filter goes to the events table through the (column, ts) index of one
 * of its terms.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/util.h"
#include "store_query.h"
#include "ap/common.h"

int
qb_init(struct qb *q, const char *head)
{
    q->np = 0;
    ap_buf_init(&q->sql, 16384);
    return ap_buf_puts(&q->sql, head);
}

void
qb_release(struct qb *q)
{
    ap_buf_release(&q->sql);
}

int
qb_add(struct qb *q, const char *frag, struct sq_val v)
{
    if (q->np >= QB_MAX_PARAMS)
        return AP_ETOOBIG;
    q->p[q->np++] = v;
    return ap_buf_puts(&q->sql, frag);
}

int
qb_sql(struct qb *q, const char *frag)
{
    return ap_buf_puts(&q->sql, frag);
}

const char *
qb_text(struct qb *q)
{
    return ap_buf_cstr(&q->sql);
}

int
st_filter_time_only(const struct ap_filter *f)
{
    return f->sensor == NULL && f->honeypot == NULL && f->type == NULL &&
           f->session == NULL && f->src_ip == NULL && f->src_country == NULL &&
           f->protocol == NULL && f->username == NULL && f->password == NULL &&
           f->command == NULL && f->url == NULL && f->sha256 == NULL &&
           f->dst_port == 0 && f->src_asn == 0 && f->signature == NULL;
}

int
qb_filter(struct qb *q, const struct ap_filter *f)
{
    static const struct {
        const char *frag;
        size_t off;
    } strs[] = {
        {" AND sensor = ?", offsetof(struct ap_filter, sensor)},
        {" AND honeypot = ?", offsetof(struct ap_filter, honeypot)},
        {" AND type = ?", offsetof(struct ap_filter, type)},
        {" AND session = ?", offsetof(struct ap_filter, session)},
        {" AND src_ip = ?", offsetof(struct ap_filter, src_ip)},
        {" AND src_country = ?", offsetof(struct ap_filter, src_country)},
        {" AND protocol = ?", offsetof(struct ap_filter, protocol)},
        {" AND username = ?", offsetof(struct ap_filter, username)},
        {" AND password = ?", offsetof(struct ap_filter, password)},
        {" AND command = ?", offsetof(struct ap_filter, command)},
        {" AND url = ?", offsetof(struct ap_filter, url)},
        {" AND sha256 = ?", offsetof(struct ap_filter, sha256)},
        {" AND signature = ?", offsetof(struct ap_filter, signature)},
    };
    const char *s;
    size_t i;
    int rc = 0;

    for (i = 0; i < AP_ARRAY_SIZE(strs) && rc == 0; i++) {
        memcpy(&s, (const char *)f + strs[i].off, sizeof(s));
        if (s != NULL)
            rc = qb_add(q, strs[i].frag, sq_text(s));
    }
    if (rc == 0 && f->dst_port != 0)
        rc = qb_add(q, " AND dst_port = ?", sq_int(f->dst_port));
    if (rc == 0 && f->src_asn != 0)
        rc = qb_add(q, " AND src_asn = ?", sq_int(f->src_asn));
    if (rc == 0 && f->since_us != 0)
        rc = qb_add(q, " AND ts >= ?", sq_int(f->since_us));
    if (rc == 0 && f->until_us != 0)
        rc = qb_add(q, " AND ts < ?", sq_int(f->until_us));
    return rc;
}

/*
 * Filters on a low-cardinality dimension (sensor, honeypot, type,
 * protocol, ASN) have no events index of their own (each would cost every
 * insert a B-tree update for little selectivity).  Alone with a time
 * range, the rollup answers counts and timeseries for them; otherwise the
 * time index or another term's index serves, with this one as a filter.
 */
int
st_filter_one_dim(const struct ap_filter *f, struct st_one *o)
{
    struct ap_filter g = *f;
    int n = 0;

    memset(o, 0, sizeof(*o));
    if (g.sensor) {
        o->d = st_dim_find("sensor"), o->value = g.sensor, g.sensor = NULL;
        n++;
    }
    if (g.honeypot) {
        o->d = st_dim_find("honeypot"), o->value = g.honeypot;
        g.honeypot = NULL;
        n++;
    }
    if (g.type) {
        o->d = st_dim_find("type"), o->value = g.type, g.type = NULL;
        n++;
    }
    if (g.protocol) {
        o->d = st_dim_find("protocol"), o->value = g.protocol;
        g.protocol = NULL;
        n++;
    }
    if (g.src_asn) {
        o->d = st_dim_find("src_asn");
        snprintf(o->buf, sizeof(o->buf), "%lld", g.src_asn);
        o->value = o->buf;
        o->ivalue = g.src_asn;
        g.src_asn = 0;
        n++;
    }
    return n == 1 && st_filter_time_only(&g);
}

/* " AND col = ?" for the one dimension of o (edges of a rollup query). */
int
qb_one_dim(struct qb *q, const struct st_one *o)
{
    int rc;

    if (o == NULL || o->d == NULL)
        return 0;
    rc = qb_sql(q, " AND ");
    if (rc == 0)
        rc = qb_sql(q, o->d->col);
    if (rc == 0)
        rc = qb_add(q, " = ?", o->d->is_int ? sq_int(o->ivalue)
                                              : sq_text(o->value));
    return rc;
}

/* Split [since, until) into the whole hours [*h1, *h2) and two edges. */
void
st_split_hours(const struct ap_filter *f, struct st_span *s)
{
    long long since = f->since_us > 0 ? f->since_us : 0;
    long long until = f->until_us > 0 ? f->until_us : LLONG_MAX;

    s->h1 = (since + ST_HOUR_US - 1) / ST_HOUR_US;
    s->h2 = until == LLONG_MAX ? LLONG_MAX / ST_HOUR_US : until / ST_HOUR_US;
    if (s->h1 >= s->h2) {
        /* No whole hour inside: everything is one edge. */
        s->h1 = s->h2 = 0;
        s->e1a = since;
        s->e1b = until;
        s->e2a = s->e2b = 0;
        return;
    }
    s->e1a = since;
    s->e1b = s->h1 * ST_HOUR_US;
    s->e2a = until == LLONG_MAX ? 0 : s->h2 * ST_HOUR_US;
    s->e2b = until == LLONG_MAX ? 0 : until;
}

/* Explain mode: every text column of every plan row becomes a line. */
static int
plan_row(void *ctx, const struct sq_val *c, int n)
{
    json_t *lines = ctx;
    int i;

    for (i = 0; i < n; i++)
        if (c[i].t == SQ_TEXT)
            json_array_append_new(lines, json_stringn(c[i].s, c[i].n));
    return 0;
}

static int
explain(struct ap_store *st, struct st_conn *c, struct qb *q, const char *sql)
{
    struct ap_buf b;
    int rc;

    if (st->eng->explain_setup != NULL)
        st->eng->exec(c->c, st->eng->explain_setup, NULL, 0, NULL, NULL);
    ap_buf_init(&b, 64 * 1024);
    rc = ap_buf_puts(&b, st->eng->explain_prefix);
    if (rc == 0)
        rc = ap_buf_puts(&b, sql);
    if (rc == 0 && ap_buf_cstr(&b) == NULL)
        rc = AP_ENOMEM;
    if (rc == 0) {
        json_array_append_new(st->explain, json_string(sql));
        rc = st->eng->exec(c->c, (const char *)ap_buf_data(&b), q->p, q->np,
                           plan_row, st->explain);
    }
    ap_buf_release(&b);
    return rc;
}

int
st_run(struct ap_store *st, struct qb *q, sq_row_fn fn, void *ctx)
{
    struct st_conn *c;
    const char *sql;
    int rc;

    if ((sql = qb_text(q)) == NULL)
        return AP_ETOOBIG;
    if ((rc = st_reader_get(st, &c)) != 0)
        return rc;
    if (st->explain != NULL)
        rc = explain(st, c, q, sql);
    else
        rc = st->eng->exec(c->c, sql, q->p, q->np, fn, ctx);
    st_reader_put(st, c);
    return rc < 0 ? rc : 0;
}

int
ap_store_explain(struct ap_store *st, json_t *lines)
{
    st->explain = lines;
    return 0;
}

size_t
st_clamp_limit(size_t limit)
{
    if (limit == 0)
        return 100;
    return AP_MIN(limit, (size_t)AP_STORE_MAX_LIMIT);
}

/* ---- events ----------------------------------------------------------- */

int
st_json_row(void *ctx, const struct sq_val *c, int n)
{
    json_t *arr = ctx, *ev;

    if (n < 1 || c[0].t != SQ_TEXT)
        return AP_EDB;
    ev = json_loadb(c[0].s, c[0].n, JSON_ALLOW_NUL, NULL);
    if (ev == NULL)
        return AP_EDB;
    return json_array_append_new(arr, ev) == 0 ? 0 : AP_ENOMEM;
}

int
st_events_where(struct ap_store *st, struct qb *q, size_t limit,
                size_t offset, int ascending, json_t **out)
{
    json_t *arr;
    int rc;

    if (offset > AP_STORE_MAX_OFFSET)
        return AP_EINVAL;
    if ((rc = qb_sql(q, ascending ? " ORDER BY ts, rid" :
                                    " ORDER BY ts DESC, rid DESC")) != 0 ||
        (rc = qb_add(q, " LIMIT ?", sq_int((long long)st_clamp_limit(limit)))) != 0 ||
        (rc = qb_add(q, " OFFSET ?", sq_int((long long)offset))) != 0)
        return rc;
    if ((arr = json_array()) == NULL)
        return AP_ENOMEM;
    if ((rc = st_run(st, q, st_json_row, arr)) != 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int
ap_store_events(struct ap_store *st, const struct ap_filter *f, size_t limit,
                size_t offset, int ascending, json_t **out)
{
    struct qb q;
    int rc;

    if ((rc = qb_init(&q, "SELECT json FROM events WHERE 1 = 1")) == 0 &&
        (rc = qb_filter(&q, f)) == 0)
        rc = st_events_where(st, &q, limit, offset, ascending, out);
    qb_release(&q);
    return rc;
}

int
ap_store_events_sorted(struct ap_store *st, const struct ap_filter *f,
                       enum ap_store_sort sort, int descending, size_t limit,
                       size_t offset, json_t **out)
{
    /* Fixed fragments: events without the column sort last either way;
     * the leading expression also keeps the planner from walking a whole
     * (column, ts) index in order: the filter's index finds the rows and
     * the bounded set is sorted. */
    static const char *const order[][2] = {
        [AP_SORT_SRC_IP] = {" ORDER BY (src_ip IS NULL), src_ip, ts, rid",
                            " ORDER BY (src_ip IS NULL), src_ip DESC, "
                            "ts DESC, rid DESC"},
        [AP_SORT_DST_PORT] = {" ORDER BY (dst_port IS NULL), dst_port, ts, rid",
                              " ORDER BY (dst_port IS NULL), dst_port DESC, "
                              "ts DESC, rid DESC"},
        [AP_SORT_SENSOR] = {" ORDER BY sensor, ts, rid",
                            " ORDER BY sensor DESC, ts DESC, rid DESC"},
        [AP_SORT_HONEYPOT] = {" ORDER BY honeypot, ts, rid",
                              " ORDER BY honeypot DESC, ts DESC, rid DESC"},
        [AP_SORT_SRC_COUNTRY] = {" ORDER BY (src_country IS NULL), "
                                 "src_country, ts, rid",
                                 " ORDER BY (src_country IS NULL), "
                                 "src_country DESC, ts DESC, rid DESC"},
    };
    long long n = 0;
    json_t *arr;
    struct qb q;
    int rc;

    if (sort == AP_SORT_TS)
        return ap_store_events(st, f, limit, offset, !descending, out);
    if ((unsigned)sort >= AP_ARRAY_SIZE(order) || offset > AP_STORE_MAX_OFFSET)
        return AP_EINVAL;
    if ((rc = ap_store_count(st, f, &n)) != 0)
        return rc;
    if (n > AP_STORE_MAX_SORT_ROWS)
        return AP_ETOOBIG;
    if ((rc = qb_init(&q, "SELECT json FROM events WHERE 1 = 1")) == 0 &&
        (rc = qb_filter(&q, f)) == 0 &&
        (rc = qb_sql(&q, order[sort][descending ? 1 : 0])) == 0 &&
        (rc = qb_add(&q, " LIMIT ?",
                     sq_int((long long)st_clamp_limit(limit)))) == 0)
        rc = qb_add(&q, " OFFSET ?", sq_int((long long)offset));
    if (rc == 0 && (arr = json_array()) == NULL)
        rc = AP_ENOMEM;
    if (rc == 0) {
        if ((rc = st_run(st, &q, st_json_row, arr)) != 0)
            json_decref(arr);
        else
            *out = arr;
    }
    qb_release(&q);
    return rc;
}

/* ---- count -------------------------------------------------------------- */

static int
int_row(void *ctx, const struct sq_val *c, int n)
{
    if (n < 1)
        return AP_EDB;
    *(long long *)ctx = c[0].t == SQ_INT ? c[0].i : 0;
    return 0;
}

int
ap_store_count(struct ap_store *st, const struct ap_filter *f,
               long long *out)
{
    struct st_one one, *o = NULL;
    struct st_span s;
    long long v = 0;
    struct qb q;
    int rc;

    if (st_filter_time_only(f) || (o = &one, st_filter_one_dim(f, o))) {
        st_split_hours(f, &s);
        rc = qb_init(&q, "SELECT CAST((SELECT COALESCE(SUM(n), 0) FROM rollup "
                         "WHERE dim = ?");
        if (rc == 0 && q.np < QB_MAX_PARAMS)
            q.p[q.np++] = sq_int(o ? o->d->id : 0);
        if (rc == 0)
            rc = qb_add(&q, " AND hour >= ?", sq_int(s.h1));
        if (rc == 0)
            rc = qb_add(&q, " AND hour < ?", sq_int(s.h2));
        if (rc == 0 && o)
            rc = qb_add(&q, " AND value = ?", sq_text(o->value));
        if (rc == 0)
            rc = qb_add(&q, ") + (SELECT COUNT(*) FROM events WHERE ts >= ?",
                        sq_int(s.e1a));
        if (rc == 0)
            rc = qb_add(&q, " AND ts < ?", sq_int(s.e1b));
        if (rc == 0)
            rc = qb_one_dim(&q, o);
        if (rc == 0)
            rc = qb_add(&q, ") + (SELECT COUNT(*) FROM events WHERE ts >= ?",
                        sq_int(s.e2a));
        if (rc == 0)
            rc = qb_add(&q, " AND ts < ?", sq_int(s.e2b));
        if (rc == 0)
            rc = qb_one_dim(&q, o);
        if (rc == 0)
            rc = qb_sql(&q, ") AS BIGINT)");
    } else {
        rc = qb_init(&q, "SELECT COUNT(*) FROM events WHERE 1 = 1");
        if (rc == 0)
            rc = qb_filter(&q, f);
    }
    if (rc == 0)
        rc = st_run(st, &q, int_row, &v);
    qb_release(&q);
    if (rc == 0)
        *out = v;
    return rc;
}

/* ---- top ---------------------------------------------------------------- */

struct top_ctx {
    const struct st_dim *d;
    json_t *arr;
};

static int
top_row(void *ctx, const struct sq_val *c, int n)
{
    struct top_ctx *t = ctx;
    json_t *o, *v;
    char *end;

    if (n < 3)
        return AP_EDB;
    if (t->d->is_int)
        v = json_integer(c[0].t == SQ_INT ? c[0].i
                                          : strtoll(c[0].s ? c[0].s : "0",
                                                    &end, 10));
    else if (t->d->col2 != NULL)
        v = json_sprintf("%s:%s", c[0].s ? c[0].s : "", c[1].s ? c[1].s : "");
    else
        v = json_stringn(c[0].s ? c[0].s : "", c[0].n);
    if ((o = json_object()) == NULL || v == NULL) {
        json_decref(o);
        json_decref(v);
        return AP_ENOMEM;
    }
    json_object_set_new(o, "value", v);
    if (t->d->col2 != NULL) {
        json_object_set_new(o, "username", json_stringn(c[0].s ? c[0].s : "",
                                                        c[0].n));
        json_object_set_new(o, "password", json_stringn(c[1].s ? c[1].s : "",
                                                        c[1].n));
    }
    json_object_set_new(o, "count", json_integer(c[2].i));
    return json_array_append_new(t->arr, o) == 0 ? 0 : AP_ENOMEM;
}

/*
 * Summing rollup rows here instead of in SQL: a GROUP BY over the tens of
 * thousands of (hour, value) rows of a busy day costs a temp B-tree in
 * SQLite (several us a row); a hash table costs a fraction of that, the
 * same on both engines.  Distinct values are capped (TOPAGG_MAX).
 */
#define TOPAGG_MAX (4u * 1024u * 1024u)

struct topagg_ent {
    char *v, *v2;
    size_t vn, v2n;
    uint64_t h;
    long long n;
};

struct topagg {
    struct topagg_ent *e;
    size_t cap, len;
};

static uint64_t
hash_bytes(uint64_t h, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

static int
topagg_grow(struct topagg *a)
{
    struct topagg_ent *ne;
    size_t ncap = a->cap ? a->cap * 2 : 4096, i, j;

    if ((ne = calloc(ncap, sizeof(*ne))) == NULL)
        return AP_ENOMEM;
    for (i = 0; i < a->cap; i++) {
        if (a->e[i].v == NULL)
            continue;
        for (j = a->e[i].h & (ncap - 1); ne[j].v; j = (j + 1) & (ncap - 1))
            ;
        ne[j] = a->e[i];
    }
    free(a->e);
    a->e = ne;
    a->cap = ncap;
    return 0;
}

static char *
dup_bytes(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static int
topagg_row(void *ctx, const struct sq_val *c, int n)
{
    struct topagg *a = ctx;
    const char *v, *v2;
    size_t vn, v2n, i;
    uint64_t h;
    int rc;

    if (n < 3)
        return AP_EDB;
    v = c[0].s ? c[0].s : "";
    vn = c[0].s ? c[0].n : 0;
    v2 = c[1].s ? c[1].s : "";
    v2n = c[1].s ? c[1].n : 0;
    h = hash_bytes(hash_bytes(1469598103934665603ULL, v, vn), v2, v2n);
    if (2 * (a->len + 1) > a->cap && (rc = topagg_grow(a)) != 0)
        return rc;
    for (i = h & (a->cap - 1); a->e[i].v; i = (i + 1) & (a->cap - 1)) {
        struct topagg_ent *e = &a->e[i];
        if (e->h == h && e->vn == vn && e->v2n == v2n &&
            memcmp(e->v, v, vn) == 0 && memcmp(e->v2, v2, v2n) == 0) {
            e->n += c[2].i;
            return 0;
        }
    }
    if (a->len >= TOPAGG_MAX)
        return AP_ETOOBIG;
    a->e[i].v = dup_bytes(v, vn);
    a->e[i].v2 = dup_bytes(v2, v2n);
    if (a->e[i].v == NULL || a->e[i].v2 == NULL) {
        free(a->e[i].v);
        free(a->e[i].v2);
        a->e[i].v = NULL;
        return AP_ENOMEM;
    }
    a->e[i].vn = vn;
    a->e[i].v2n = v2n;
    a->e[i].h = h;
    a->e[i].n = c[2].i;
    a->len++;
    return 0;
}

static int
topagg_cmp(const void *x, const void *y)
{
    const struct topagg_ent *a = x, *b = y;
    int r;

    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    if ((r = strcmp(a->v, b->v)) != 0)
        return r;
    return strcmp(a->v2, b->v2);
}

static void
topagg_free(struct topagg *a)
{
    size_t i;

    for (i = 0; i < a->cap; i++)
        if (a->e[i].v) {
            free(a->e[i].v);
            free(a->e[i].v2);
        }
    free(a->e);
}

/* The limit largest entries, as top rows, into t->arr. */
static int
topagg_emit(struct topagg *a, struct top_ctx *t, size_t limit)
{
    struct sq_val c[3];
    size_t i, k = 0;
    int rc = 0;

    for (i = 0; i < a->cap; i++)
        if (a->e[i].v)
            a->e[k++] = a->e[i]; /* compact (the table is not used again) */
    for (i = k; i < a->cap; i++)
        a->e[i].v = NULL;
    if (k > 1)
        qsort(a->e, k, sizeof(*a->e), topagg_cmp);
    for (i = 0; i < k && i < limit && rc == 0; i++) {
        c[0].t = c[1].t = SQ_TEXT;
        c[0].s = a->e[i].v;
        c[0].n = a->e[i].vn;
        c[1].s = a->e[i].v2;
        c[1].n = a->e[i].v2n;
        c[2] = sq_int(a->e[i].n);
        rc = top_row(t, c, 3);
    }
    return rc;
}

/* "CAST(col AS TEXT), COALESCE(col2, '')" for one dimension. */
static int
qb_dim_cols(struct qb *q, const struct st_dim *d)
{
    int rc;

    rc = qb_sql(q, "CAST(");
    if (rc == 0)
        rc = qb_sql(q, d->col);
    if (rc == 0)
        rc = qb_sql(q, " AS TEXT), ");
    if (rc == 0 && d->col2) {
        rc = qb_sql(q, "COALESCE(");
        if (rc == 0)
            rc = qb_sql(q, d->col2);
        if (rc == 0)
            rc = qb_sql(q, ", '')");
    } else if (rc == 0) {
        rc = qb_sql(q, "''");
    }
    return rc;
}

static int
qb_edge(struct qb *q, const struct st_dim *d, long long a, long long b)
{
    int rc;

    rc = qb_sql(q, " UNION ALL SELECT ");
    if (rc == 0)
        rc = qb_dim_cols(q, d);
    if (rc == 0)
        rc = qb_add(q, ", 1 FROM events WHERE ts >= ?", sq_int(a));
    if (rc == 0)
        rc = qb_add(q, " AND ts < ?", sq_int(b));
    if (rc == 0)
        rc = qb_sql(q, " AND ");
    if (rc == 0)
        rc = qb_sql(q, d->col);
    if (rc == 0)
        rc = qb_sql(q, " IS NOT NULL");
    return rc;
}

int
ap_store_top(struct ap_store *st, const char *dim, const struct ap_filter *f,
             size_t limit, json_t **out)
{
    struct top_ctx t;
    struct st_span s;
    struct qb q;
    int rc;

    if ((t.d = st_dim_find(dim)) == NULL)
        return AP_EINVAL;
    if (st_filter_time_only(f)) {
        st_split_hours(f, &s);
        rc = qb_init(&q, "SELECT value, value2, n FROM rollup WHERE dim = ?");
        /* qb_init wrote SQL only; the first parameter goes in now. */
        if (rc == 0 && q.np < QB_MAX_PARAMS)
            q.p[q.np++] = sq_int(t.d->id);
        if (rc == 0)
            rc = qb_add(&q, " AND hour >= ?", sq_int(s.h1));
        if (rc == 0)
            rc = qb_add(&q, " AND hour < ?", sq_int(s.h2));
        if (rc == 0)
            rc = qb_edge(&q, t.d, s.e1a, s.e1b);
        if (rc == 0)
            rc = qb_edge(&q, t.d, s.e2a, s.e2b);
        if (rc == 0 && (t.arr = json_array()) == NULL)
            rc = AP_ENOMEM;
        if (rc == 0) {
            struct topagg a = {NULL, 0, 0};

            rc = st_run(st, &q, topagg_row, &a);
            if (rc == 0 && st->explain == NULL)
                rc = topagg_emit(&a, &t, st_clamp_limit(limit));
            topagg_free(&a);
            if (rc != 0)
                json_decref(t.arr);
        }
        qb_release(&q);
        if (rc == 0)
            *out = t.arr;
        return rc;
    } else {
        rc = qb_init(&q, "SELECT ");
        if (rc == 0)
            rc = qb_dim_cols(&q, t.d);
        if (rc == 0)
            rc = qb_sql(&q, ", COUNT(*) AS cnt FROM events WHERE ");
        if (rc == 0)
            rc = qb_sql(&q, t.d->col);
        if (rc == 0)
            rc = qb_sql(&q, " IS NOT NULL");
        if (rc == 0)
            rc = qb_filter(&q, f);
        if (rc == 0)
            rc = qb_sql(&q, " GROUP BY 1, 2 ORDER BY cnt DESC, 1, 2");
    }
    if (rc == 0)
        rc = qb_add(&q, " LIMIT ?", sq_int((long long)st_clamp_limit(limit)));
    if (rc == 0 && (t.arr = json_array()) == NULL)
        rc = AP_ENOMEM;
    if (rc == 0 && (rc = st_run(st, &q, top_row, &t)) != 0)
        json_decref(t.arr);
    qb_release(&q);
    if (rc == 0)
        *out = t.arr;
    return rc;
}

/* ---- timeseries --------------------------------------------------------- */

struct ts_ctx {
    long long bucket, first, nb;
    long long *counts;
};

static int
ts_row(void *ctx, const struct sq_val *c, int n)
{
    struct ts_ctx *t = ctx;
    long long i;

    if (n < 2)
        return AP_EDB;
    i = c[0].i - t->first;
    if (i >= 0 && i < t->nb)
        t->counts[i] += c[1].i;
    return 0;
}

int
ap_store_timeseries(struct ap_store *st, const struct ap_filter *f,
                    int64_t bucket_us, json_t **out)
{
    struct ap_filter g = *f;
    struct st_one one, *od = NULL;
    struct ts_ctx t = {0, 0, 0, NULL};
    struct st_span s;
    char iso[40];
    json_t *arr = NULL, *o;
    struct qb q;
    long long i;
    int rc;

    if (bucket_us < 1000000)
        return AP_EINVAL;
    if (g.until_us == 0)
        g.until_us = ap_now_us();
    if (g.since_us == 0)
        g.since_us = g.until_us - 24 * ST_HOUR_US;
    if (g.until_us <= g.since_us)
        return AP_EINVAL;
    t.bucket = bucket_us;
    t.first = g.since_us / bucket_us;
    t.nb = (g.until_us - 1) / bucket_us - t.first + 1;
    if (t.nb > AP_STORE_MAX_BUCKETS)
        return AP_ETOOBIG;
    if ((t.counts = calloc((size_t)t.nb, sizeof(*t.counts))) == NULL)
        return AP_ENOMEM;
    if (bucket_us % ST_HOUR_US == 0 &&
        (st_filter_time_only(&g) || (od = &one, st_filter_one_dim(&g, od)))) {
        st_split_hours(&g, &s);
        rc = qb_init(&q, "SELECT b, CAST(SUM(c) AS BIGINT) FROM ("
                         "SELECT (hour * 3600000000) / ? AS b, n AS c "
                         "FROM rollup WHERE dim = ?");
        if (rc == 0 && q.np + 1 < QB_MAX_PARAMS) {
            q.p[q.np++] = sq_int(bucket_us);
            q.p[q.np++] = sq_int(od ? od->d->id : 0);
        }
        if (rc == 0)
            rc = qb_add(&q, " AND hour >= ?", sq_int(s.h1));
        if (rc == 0)
            rc = qb_add(&q, " AND hour < ?", sq_int(s.h2));
        if (rc == 0 && od)
            rc = qb_add(&q, " AND value = ?", sq_text(od->value));
        if (rc == 0)
            rc = qb_add(&q, " UNION ALL SELECT ts / ?, 1 FROM events",
                        sq_int(bucket_us));
        if (rc == 0)
            rc = qb_add(&q, " WHERE ts >= ?", sq_int(s.e1a));
        if (rc == 0)
            rc = qb_add(&q, " AND ts < ?", sq_int(s.e1b));
        if (rc == 0)
            rc = qb_one_dim(&q, od);
        if (rc == 0)
            rc = qb_add(&q, " UNION ALL SELECT ts / ?, 1 FROM events",
                        sq_int(bucket_us));
        if (rc == 0)
            rc = qb_add(&q, " WHERE ts >= ?", sq_int(s.e2a));
        if (rc == 0)
            rc = qb_add(&q, " AND ts < ?", sq_int(s.e2b));
        if (rc == 0)
            rc = qb_one_dim(&q, od);
        if (rc == 0)
            rc = qb_sql(&q, ") t GROUP BY b");
    } else {
        rc = qb_init(&q, "SELECT ts / ? AS b, COUNT(*) FROM events WHERE 1 = 1");
        if (rc == 0 && q.np < QB_MAX_PARAMS)
            q.p[q.np++] = sq_int(bucket_us);
        if (rc == 0)
            rc = qb_filter(&q, &g);
        if (rc == 0)
            rc = qb_sql(&q, " GROUP BY b");
    }
    if (rc == 0)
        rc = st_run(st, &q, ts_row, &t);
    qb_release(&q);
    if (rc == 0 && (arr = json_array()) == NULL)
        rc = AP_ENOMEM;
    for (i = 0; rc == 0 && i < t.nb; i++) {
        ap_format_time_us((t.first + i) * bucket_us, iso, sizeof(iso));
        o = json_pack("{s:s, s:I}", "t", iso, "count",
                      (json_int_t)t.counts[i]);
        if (o == NULL || json_array_append_new(arr, o) != 0)
            rc = AP_ENOMEM;
    }
    free(t.counts);
    if (rc != 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}
