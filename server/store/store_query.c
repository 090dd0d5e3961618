/*
 * The dashboard queries: events, count, timeseries (top-N lives in
 * store_top.c), and the query builder they share.  SQL text is
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
#include <stddef.h>
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

/* The filter's value of a column pair dimensions are made of, and its
 * ST_LOW_ bit; NULL when the filter does not set it. */
static const char *
low_value(const struct ap_filter *f, const char *col, unsigned *bit)
{
    static const struct {
        const char *col;
        size_t off;
        unsigned bit;
    } cols[] = {
        {"sensor", offsetof(struct ap_filter, sensor), ST_LOW_SENSOR},
        {"honeypot", offsetof(struct ap_filter, honeypot), ST_LOW_HONEYPOT},
        {"protocol", offsetof(struct ap_filter, protocol), ST_LOW_PROTOCOL},
        {"type", offsetof(struct ap_filter, type), ST_LOW_TYPE},
    };
    const char *v;
    size_t i;

    for (i = 0; col != NULL && i < AP_ARRAY_SIZE(cols); i++) {
        if (strcmp(cols[i].col, col) != 0)
            continue;
        memcpy(&v, (const char *)f + cols[i].off, sizeof(v));
        *bit = cols[i].bit;
        return v;
    }
    return NULL;
}

size_t
st_pair_terms(const struct ap_filter *f, struct st_one *out, size_t max,
              unsigned *covered)
{
    const char *v, *v2;
    unsigned b, b2;
    size_t d, n = 0;

    *covered = 0;
    for (d = 0; d < st_ndims && n < max; d++) {
        if (!st_dims[d].guide_only ||
            (v = low_value(f, st_dims[d].col, &b)) == NULL ||
            (v2 = low_value(f, st_dims[d].col2, &b2)) == NULL)
            continue;
        memset(&out[n], 0, sizeof(out[n]));
        out[n].d = &st_dims[d];
        out[n].value = v;
        out[n].value2 = v2;
        n++;
        *covered |= b | b2;
    }
    return n;
}

int
st_filter_pair(const struct ap_filter *f, struct st_one *o)
{
    struct ap_filter g = *f;
    unsigned covered;

    g.sensor = g.honeypot = g.protocol = g.type = NULL;
    if ((f->sensor != NULL) + (f->honeypot != NULL) +
                (f->protocol != NULL) + (f->type != NULL) != 2 ||
        !st_filter_time_only(&g))
        return 0;
    return st_pair_terms(f, o, 1, &covered) == 1;
}

/* " AND value = ? AND value2 = ?": o's rows of the rollup. */
int
qb_rollup_value(struct qb *q, const struct st_one *o)
{
    int rc = qb_add(q, " AND value = ?", sq_text(o->value));

    if (rc == 0)
        rc = qb_add(q, " AND value2 = ?",
                    sq_text(o->value2 ? o->value2 : ""));
    return rc;
}

/* " AND col = ?" (and " AND col2 = ?" for a pair) for the one dimension
 * of o (edges of a rollup query). */
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
    if (rc == 0 && o->d->col2 != NULL && o->value2 != NULL) {
        rc = qb_sql(q, " AND ");
        if (rc == 0)
            rc = qb_sql(q, o->d->col2);
        if (rc == 0)
            rc = qb_add(q, " = ?", sq_text(o->value2));
    }
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
st_run_on(struct ap_store *st, struct st_conn *c, struct qb *q, sq_row_fn fn,
          void *ctx)
{
    const char *sql;
    int rc;

    if ((sql = qb_text(q)) == NULL)
        return AP_ETOOBIG;
    if (st->explain != NULL)
        rc = explain(st, c, q, sql);
    else
        rc = st->eng->exec(c->c, sql, q->p, q->np, fn, ctx);
    return rc < 0 ? rc : 0;
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

    if ((rc = st_events_guided(st, f, limit, offset, ascending, out)) != 1)
        return rc;
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
    struct ap_filter g;
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
    /* Low-cardinality terms only: read the span of hours that hold the
     * value, not the whole table. */
    g = *f;
    if ((rc = st_guided_narrow(st, &g)) < 0)
        return rc;
    f = &g;
    if (n > AP_STORE_MAX_SORT_ROWS)
        return AP_ETOOBIG;
    if (n == 0 || rc == 2) {
        *out = json_array();
        return *out != NULL ? 0 : AP_ENOMEM;
    }
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

int
st_int_row(void *ctx, const struct sq_val *c, int n)
{
    if (n < 1)
        return AP_EDB;
    *(long long *)ctx = c[0].t == SQ_INT ? c[0].i : 0;
    return 0;
}

/*
 * A filter on exactly one rollup dimension (sensor, port, country,
 * username, source address ...) plus time: the rollup row of that value
 * in each whole hour, read by primary key (an hour-by-hour join against
 * a generated list of hours), plus the edges from the events.  A count
 * over 30 days is ~720 index seeks, however many events match.
 */
static int
filter_single(const struct ap_filter *f, struct st_one *o)
{
    static const struct {
        size_t off;
        const char *dim;
    } strs[] = {
        {offsetof(struct ap_filter, sensor), "sensor"},
        {offsetof(struct ap_filter, honeypot), "honeypot"},
        {offsetof(struct ap_filter, type), "type"},
        {offsetof(struct ap_filter, src_ip), "src_ip"},
        {offsetof(struct ap_filter, src_country), "src_country"},
        {offsetof(struct ap_filter, protocol), "protocol"},
        {offsetof(struct ap_filter, username), "username"},
        {offsetof(struct ap_filter, password), "password"},
        {offsetof(struct ap_filter, command), "command"},
        {offsetof(struct ap_filter, url), "url"},
        {offsetof(struct ap_filter, sha256), "sha256"},
    };
    const char *s;
    size_t i;
    int n = 0;

    memset(o, 0, sizeof(*o));
    if (f->session != NULL)
        return 0;
    for (i = 0; i < AP_ARRAY_SIZE(strs); i++) {
        memcpy(&s, (const char *)f + strs[i].off, sizeof(s));
        if (s != NULL) {
            o->d = st_dim_find(strs[i].dim);
            o->value = s;
            n++;
        }
    }
    if (f->dst_port != 0) {
        o->d = st_dim_find("dst_port");
        snprintf(o->buf, sizeof(o->buf), "%d", f->dst_port);
        o->value = o->buf;
        o->ivalue = f->dst_port;
        n++;
    }
    if (f->src_asn != 0) {
        o->d = st_dim_find("src_asn");
        snprintf(o->buf, sizeof(o->buf), "%lld", f->src_asn);
        o->value = o->buf;
        o->ivalue = f->src_asn;
        n++;
    }
    return n == 1 && o->d != NULL;
}

/* " + (SELECT COUNT(*) FROM events ...)" for both partial hours of s, each
 * restricted to o's value (o NULL: time only). */
static int
qb_edge_counts(struct qb *q, const struct st_span *s, const struct st_one *o)
{
    long long a[2] = {s->e1a, s->e2a}, b[2] = {s->e1b, s->e2b};
    int i, rc = 0;

    for (i = 0; i < 2 && rc == 0; i++) {
        rc = qb_add(q, " + (SELECT COUNT(*) FROM events WHERE ts >= ?",
                    sq_int(a[i]));
        if (rc == 0)
            rc = qb_add(q, " AND ts < ?", sq_int(b[i]));
        if (rc == 0)
            rc = qb_one_dim(q, o);
        if (rc == 0)
            rc = qb_sql(q, ")");
    }
    return rc;
}

/* Longest run of hours counted by seeks (else the index count is used). */
#define SEEK_HOURS_MAX (400LL * 24)

static int
count_by_seeks(struct ap_store *st, const struct ap_filter *f,
               const struct st_one *o, long long *out)
{
    long long first = -1, nowh = ap_now_us() / ST_HOUR_US + 1, v = 0;
    struct st_span s;
    struct qb q;
    int rc;

    st_split_hours(f, &s);
    if (f->since_us == 0) {
        /* From the oldest hour stored. */
        rc = qb_init(&q, "SELECT MIN(hour) FROM rollup WHERE dim = 0");
        if (rc == 0)
            rc = st_run(st, &q, st_int_row, &first);
        qb_release(&q);
        if (rc != 0)
            return rc;
        s.h1 = first > 0 ? first : 0;
        s.e1a = s.e1b = 0;
    }
    if (f->until_us == 0 || s.h2 > nowh) {
        /* Hours after now: the events index (future timestamps). */
        if (s.h2 > nowh) {
            s.e2a = nowh * ST_HOUR_US;
            s.e2b = f->until_us ? f->until_us : LLONG_MAX;
            s.h2 = nowh;
        }
    }
    if (s.h2 - s.h1 > SEEK_HOURS_MAX)
        return 1; /* not this way */
    rc = qb_init(&q, "WITH RECURSIVE h(x) AS (SELECT CAST(? AS BIGINT) "
                     "UNION ALL SELECT x + 1 FROM h WHERE x + 1 < ?) "
                     "SELECT CAST((SELECT COALESCE(SUM(r.n), 0) FROM h "
                     "JOIN rollup r ON r.dim = ? AND r.hour = h.x AND "
                     "r.value = ? AND r.value2 = ? WHERE h.x < ?)");
    if (rc == 0 && q.np + 6 <= QB_MAX_PARAMS) {
        q.p[q.np++] = sq_int(s.h1);
        q.p[q.np++] = sq_int(s.h2);
        q.p[q.np++] = sq_int(o->d->id);
        q.p[q.np++] = sq_text(o->value);
        q.p[q.np++] = sq_text(o->value2 ? o->value2 : "");
        q.p[q.np++] = sq_int(s.h2);
    }
    if (rc == 0)
        rc = qb_edge_counts(&q, &s, o);
    if (rc == 0)
        rc = qb_sql(&q, " AS BIGINT)");
    if (rc == 0)
        rc = st_run(st, &q, st_int_row, &v);
    qb_release(&q);
    if (rc == 0)
        *out = v;
    return rc;
}

int
ap_store_count(struct ap_store *st, const struct ap_filter *f,
               long long *out)
{
    struct st_one one1;
    struct st_one one, *o = NULL;
    struct ap_filter g;
    struct st_span s;
    long long v = 0;
    struct qb q;
    int rc;

    if ((rc = st_srcsum_answer(st, f, NULL, 0, NULL, NULL, &v)) != 0) {
        if (rc == 1)
            *out = v;
        return rc < 0 ? rc : 0;
    }
    if ((filter_single(f, &one1) || st_filter_pair(f, &one1)) &&
        (rc = count_by_seeks(st, f, &one1, &v)) != 1) {
        if (rc == 0)
            *out = v;
        return rc;
    }
    if (st_filter_time_only(f) ||
        (o = &one, st_filter_one_dim(f, o) || st_filter_pair(f, o))) {
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
            rc = qb_rollup_value(&q, o);
        if (rc == 0)
            rc = qb_sql(&q, ")");
        if (rc == 0)
            rc = qb_edge_counts(&q, &s, o);
        if (rc == 0)
            rc = qb_sql(&q, " AS BIGINT)");
    } else {
        /* Low-cardinality terms only: count in the span of hours that
         * hold the value. */
        g = *f;
        if ((rc = st_guided_narrow(st, &g)) < 0)
            return rc;
        if (rc == 2) {
            *out = 0;
            return 0;
        }
        rc = qb_init(&q, "SELECT COUNT(*) FROM events WHERE 1 = 1");
        if (rc == 0)
            rc = qb_filter(&q, &g);
    }
    if (rc == 0)
        rc = st_run(st, &q, st_int_row, &v);
    qb_release(&q);
    if (rc == 0)
        *out = v;
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
        (st_filter_time_only(&g) ||
         (od = &one, st_filter_one_dim(&g, od) || st_filter_pair(&g, od)))) {
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
            rc = qb_rollup_value(&q, od);
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
