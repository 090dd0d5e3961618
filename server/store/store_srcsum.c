/*
 * Per-source summary: for every busy source address (store_srcheavy.c),
 * exact counts per event type, port, honeypot, sensor, credential and
 * command (table srcsum, kept by the writer with one upsert per distinct
 * key per batch, and decremented by retention).  An attacker profile then
 * reads a few hundred summary rows instead of the address's events -- the
 * busiest scanner of a large honeypot network has millions.
 *
 * Count and top with a source address and a time window use the summary
 * minus the address's events outside the window (read through the
 * (src_ip, ts) index) when those are the smaller part; otherwise the
 * events inside the window are summed as before.  Exact either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "store_query.h"
#include "ap/common.h"

/* ---- how each dimension is counted from events ----------------------- */

const struct st_src_col st_src_cols[] = {
    {15, "type", "''", "1 = 1"},
    {2, "CAST(dst_port AS TEXT)", "''", "dst_port IS NOT NULL"},
    {3, "honeypot", "''", "honeypot IS NOT NULL"},
    {4, "sensor", "''", "sensor IS NOT NULL"},
    {10, "username", "COALESCE(password, '')", "username IS NOT NULL"},
    {11, "command", "''", "command IS NOT NULL"},
    {ST_SRC_CONNECT + 2, "CAST(dst_port AS TEXT)", "''",
     "type = 'connect' AND dst_port IS NOT NULL"},
    {ST_SRC_CONNECT + 3, "honeypot", "''",
     "type = 'connect' AND honeypot IS NOT NULL"},
    {ST_SRC_CONNECT + 4, "sensor", "''",
     "type = 'connect' AND sensor IS NOT NULL"},
};
const size_t st_src_ncols = AP_ARRAY_SIZE(st_src_cols);

/* The rollup dimensions the summary keeps (ids as in st_dims; the
 * connect-only ones are ST_SRC_CONNECT + a rollup dimension). */
int
st_srcsum_has_dim(int dim)
{
    return dim < ST_SRC_CONNECT && st_src_col_find(dim) != NULL;
}

const struct st_src_col *
st_src_col_find(int dim)
{
    size_t i;

    for (i = 0; i < st_src_ncols; i++)
        if (st_src_cols[i].dim == dim)
            return &st_src_cols[i];
    return NULL;
}

int
st_srcsum_select(struct qb *q, const struct st_src_col *c, int mode)
{
    char dim[24];
    int rc = 0;

    if (mode == ST_SRC_SEL_INSERT) {
        snprintf(dim, sizeof(dim), "%d, ", c->dim);
        rc = qb_sql(q, dim);
    }
    if (rc == 0)
        rc = qb_sql(q, c->value);
    if (rc == 0 && (mode == ST_SRC_SEL_INSERT || c->dim == 10)) {
        rc = qb_sql(q, ", ");
        if (rc == 0)
            rc = qb_sql(q, c->value2);
    }
    if (rc == 0)
        rc = qb_sql(q, ", COUNT(*) FROM events WHERE ");
    if (rc == 0)
        rc = qb_sql(q, c->where);
    return rc;
}

/* ---- schema 1 -> 2 (store_migrate.c) ---------------------------------- */

/* The summary did not exist; build it for every address (a complete
 * summary is valid under later versions too). */
int
st_srcsum_build_all(struct ap_store *st)
{
    struct qb q;
    size_t i;
    int rc = 0;

    if (st->eng->exec(st->writer, "DELETE FROM srcsum", NULL, 0, NULL,
                      NULL) < 0)
        return AP_EDB;
    for (i = 0; i < st_src_ncols && rc >= 0; i++) {
        rc = qb_init(&q, "INSERT INTO srcsum (src_ip, dim, value, value2, "
                         "n) SELECT src_ip, ");
        if (rc == 0)
            rc = st_srcsum_select(&q, &st_src_cols[i], ST_SRC_SEL_INSERT);
        if (rc == 0)
            rc = qb_sql(&q, " AND src_ip IS NOT NULL GROUP BY src_ip, 3, 4");
        if (rc == 0)
            rc = qb_text(&q) ? st->eng->exec(st->writer, qb_text(&q), NULL,
                                             0, NULL, NULL)
                             : AP_ETOOBIG;
        qb_release(&q);
    }
    return rc < 0 ? rc : 0;
}

/* ---- retention: the deleted events leave the summary ----------------- */

/* Aggregates of the rows being retired: one per summary dimension, in
 * the order of st_src_cols. */
#define NAGG AP_ARRAY_SIZE(st_src_cols)

/* Rows: src_ip, type, dst_port, honeypot, sensor, username, password,
 * command of the events about to be deleted; keyed "ip\x1fvalue". */
static int
sub_row(void *ctx, const struct sq_val *c, int n)
{
    struct topagg *a = ctx;
    struct sq_val k[3];
    size_t i;
    int rc = 0, col;
    char *key;

    if (n < 8 || c[0].t != SQ_TEXT)
        return 0;
    for (i = 0; i < NAGG && rc == 0; i++) {
        int dim = st_src_cols[i].dim % ST_SRC_CONNECT;

        if (st_src_cols[i].dim >= ST_SRC_CONNECT &&
            (c[1].t != SQ_TEXT || strcmp(c[1].s, "connect") != 0))
            continue;
        col = dim == 15 ? 1 : dim == 2 ? 2 : dim == 3 ? 3 : dim == 4 ? 4
              : dim == 10 ? 5 : 7;
        if (c[col].t == SQ_NULL)
            continue;
        /* The agg key is (value, value2); the address goes in front of
         * value, separated by a byte no stored text contains. */
        if ((key = malloc(c[0].n + 1 + c[col].n + 1)) == NULL)
            return AP_ENOMEM;
        memcpy(key, c[0].s, c[0].n);
        key[c[0].n] = '\x1f';
        memcpy(key + c[0].n + 1, c[col].s, c[col].n);
        k[0].t = SQ_TEXT;
        k[0].s = key;
        k[0].n = c[0].n + 1 + c[col].n;
        k[1] = sq_text(dim == 10 && c[6].t == SQ_TEXT ? c[6].s : "");
        k[1].n = k[1].s ? strlen(k[1].s) : 0;
        k[2] = sq_int(1);
        rc = st_topagg_row(&a[i], k, 3);
        free(key);
    }
    return rc;
}

int
st_srcsum_retire(struct ap_store *st, long long before_us, long long batch)
{
    struct topagg a[NAGG];
    struct sq_val p[5];
    char ip[256];
    size_t d, i;
    int rc;

    memset(a, 0, sizeof(a));
    p[0] = sq_int(before_us);
    p[1] = sq_int(batch);
    /* Same rows as the DELETE that follows (same transaction). */
    rc = st->eng->exec(st->writer,
                       "SELECT src_ip, type, CAST(dst_port AS TEXT), "
                       "honeypot, sensor, username, password, command "
                       "FROM events WHERE rid IN (SELECT rid FROM events "
                       "WHERE ts < ? ORDER BY ts LIMIT ?)",
                       p, 2, sub_row, a);
    for (d = 0; d < NAGG && rc >= 0; d++)
        for (i = 0; i < a[d].cap && rc >= 0; i++) {
            const struct topagg_ent *e = &a[d].e[i];
            const char *sep;

            if (e->v == NULL || (sep = memchr(e->v, '\x1f', e->vn)) == NULL)
                continue;
            /* The address, NUL-terminated (PostgreSQL binds C strings). */
            if ((size_t)(sep - e->v) >= sizeof(ip))
                continue;
            memcpy(ip, e->v, (size_t)(sep - e->v));
            ip[sep - e->v] = '\0';
            p[0] = sq_int(e->n);
            p[1] = sq_text(ip);
            p[2] = sq_int(st_src_cols[d].dim);
            p[3] = sq_text(sep + 1);
            p[4] = sq_text(e->v2);
            rc = st->eng->exec(st->writer,
                               "UPDATE srcsum SET n = n - ? WHERE src_ip = ? "
                               "AND dim = ? AND value = ? AND value2 = ?",
                               p, 5, NULL, NULL);
            if (rc >= 0)
                rc = st->eng->exec(st->writer,
                                   "DELETE FROM srcsum WHERE src_ip = ? AND "
                                   "dim = ? AND value = ? AND value2 = ? AND "
                                   "n <= 0",
                                   p + 1, 4, NULL, NULL);
        }
    for (d = 0; d < NAGG; d++)
        st_topagg_free(&a[d]);
    return rc < 0 ? rc : 0;
}

/* ---- queries ----------------------------------------------------------- */

static int
int_row(void *ctx, const struct sq_val *c, int n)
{
    if (n > 0 && c[0].t == SQ_INT)
        *(long long *)ctx = c[0].i;
    return 0;
}

/* Events of ip outside [since, until): their count, and (if a is set)
 * their dim values subtracted from a. */
struct out_ctx {
    struct topagg *a;
};

static int
minus_row(void *ctx, const struct sq_val *c, int n)
{
    struct sq_val k[3];

    if (n < 2)
        return AP_EDB;
    k[0] = c[0];
    k[1] = c[1];
    k[2] = sq_int(-1);
    return st_topagg_row(ctx, k, 3);
}

/* The outside part: ts < since, then ts >= until. */
static int
outside(struct ap_store *st, struct st_conn *c, const struct ap_filter *f,
        const struct st_dim *d, long long *count, struct topagg *a,
        int connects)
{
    struct qb q;
    int side, rc = 0;
    long long n;

    *count = 0;
    for (side = 0; side < 2 && rc == 0; side++) {
        long long t = side == 0 ? f->since_us : f->until_us;

        if (t == 0)
            continue;
        n = 0;
        if (a == NULL) {
            rc = qb_init(&q, "SELECT COUNT(*) FROM events WHERE src_ip = ?");
        } else {
            rc = qb_init(&q, "SELECT ");
            if (rc == 0)
                rc = qb_dim_cols(&q, d);
            if (rc == 0)
                rc = qb_sql(&q, " FROM events WHERE src_ip = ?");
        }
        if (rc == 0 && q.np < QB_MAX_PARAMS)
            q.p[q.np++] = sq_text(f->src_ip);
        if (rc == 0)
            rc = qb_add(&q, side == 0 ? " AND ts < ?" : " AND ts >= ?",
                        sq_int(t));
        if (rc == 0 && connects)
            rc = qb_sql(&q, " AND type = 'connect'");
        if (rc == 0 && a != NULL) {
            rc = qb_sql(&q, " AND ");
            if (rc == 0)
                rc = qb_sql(&q, d->col);
            if (rc == 0)
                rc = qb_sql(&q, " IS NOT NULL");
        }
        if (rc == 0)
            rc = st_run_on(st, c, &q, a ? minus_row : int_row,
                           a ? (void *)a : (void *)&n);
        qb_release(&q);
        *count += n;
    }
    return rc;
}

static int
sum_row(void *ctx, const struct sq_val *c, int n)
{
    if (n > 0 && c[0].t == SQ_INT)
        *(long long *)ctx += c[0].i;
    return 0;
}

/* Most events outside the window the summary route accepts: past this
 * the inside events are the cheaper read. */
#define OUTSIDE_MAX 200000

int
st_srcsum_answer(struct ap_store *st, const struct ap_filter *f,
                 const struct st_dim *d, size_t limit, sq_row_fn emit,
                 void *ectx, long long *count)
{
    struct ap_filter g = *f;
    struct topagg a = {NULL, 0, 0};
    struct st_conn *c;
    struct qb q;
    long long total = 0, out = 0;
    size_t i, k;
    int rc, rc2, answered = 0;

    int connects, sdim;

    /* One address, a window, and either every event or connections only
     * (MHN's attacker_stats: a session is a connect). */
    g.src_ip = NULL;
    g.since_us = g.until_us = 0;
    connects = g.type != NULL && strcmp(g.type, "connect") == 0;
    if (connects)
        g.type = NULL;
    if (f->src_ip == NULL || !st_filter_time_only(&g))
        return 0;
    sdim = d == NULL ? 0 : d->id;
    if (d != NULL && connects)
        sdim = d->id >= 2 && d->id <= 4 ? ST_SRC_CONNECT + d->id : -1;
    if (d != NULL && (sdim < 0 || !st_srcsum_has_dim(d->id)))
        return 0;
    if ((rc = st_reader_get(st, &c)) != 0)
        return rc;
    rc = st->eng->exec(c->c, st->eng->snapshot_begin, NULL, 0, NULL, NULL);
    if (rc >= 0) {
        rc = qb_init(&q, "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM "
                         "srcsum WHERE src_ip = ?");
        if (rc == 0 && q.np < QB_MAX_PARAMS)
            q.p[q.np++] = sq_text(f->src_ip);
        if (rc == 0)
            rc = qb_add(&q, " AND dim = ?", sq_int(15));
        if (rc == 0 && connects)
            rc = qb_sql(&q, " AND value = 'connect'");
        if (rc == 0)
            rc = st_run_on(st, c, &q, sum_row, &total);
        qb_release(&q);
    }
    /* No rows: the address has no summary (store_srcheavy.c), or no
     * event of this kind; its events answer. */
    if (rc >= 0 && total > 0)
        rc = outside(st, c, f, d, &out, NULL, connects);
    if (rc >= 0 && total > 0 && out <= OUTSIDE_MAX &&
        2 * out <= total + 1) {
        answered = 1;
        if (d == NULL) {
            *count = total - out;
        } else {
            rc = qb_init(&q, "SELECT value, value2, n FROM srcsum WHERE "
                             "src_ip = ?");
            if (rc == 0 && q.np < QB_MAX_PARAMS)
                q.p[q.np++] = sq_text(f->src_ip);
            if (rc == 0)
                rc = qb_add(&q, " AND dim = ?", sq_int(sdim));
            if (rc == 0)
                rc = st_run_on(st, c, &q, st_topagg_row, &a);
            qb_release(&q);
            if (rc >= 0 && out > 0)
                rc = outside(st, c, f, d, &out, &a, connects);
        }
    }
    rc2 = st->eng->exec(c->c, "COMMIT", NULL, 0, NULL, NULL);
    st_reader_put(st, c);
    if (rc >= 0 && rc2 < 0)
        rc = rc2;
    if (rc >= 0 && answered && d != NULL && st->explain == NULL) {
        for (i = 0, k = 0; i < a.cap; i++)
            if (a.e[i].v && a.e[i].n > 0)
                a.e[k++] = a.e[i];
            else if (a.e[i].v) {
                free(a.e[i].v);
                free(a.e[i].v2);
                a.e[i].v = NULL;
            }
        for (i = k; i < a.cap; i++)
            a.e[i].v = NULL;
        if (k > 1)
            qsort(a.e, k, sizeof(*a.e), st_topagg_cmp);
        for (i = 0; i < k && i < limit && rc >= 0; i++) {
            struct sq_val col[3];

            col[0].t = col[1].t = SQ_TEXT;
            col[0].s = a.e[i].v;
            col[0].n = a.e[i].vn;
            col[1].s = a.e[i].v2;
            col[1].n = a.e[i].v2n;
            col[2] = sq_int(a.e[i].n);
            rc = emit(ectx, col, 3);
        }
    }
    st_topagg_free(&a);
    if (rc < 0)
        return rc;
    return answered && st->explain == NULL;
}
