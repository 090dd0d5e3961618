/*
 * Top-N of one dimension over a filter (ap_store_top): the cached
 * per-hour/per-day lists when they can prove the answer (store_topk.c),
 * else the hourly rollup summed in a hash table plus the events of the
 * partial hours at both edges, else the events themselves.  Split from
 * store_query.c, whose query builder it uses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/util.h"
#include "store_query.h"
#include "ap/common.h"

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
uint64_t
st_hash_bytes(uint64_t h, const char *s, size_t n)
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

int
st_topagg_row(void *ctx, const struct sq_val *c, int n)
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
    h = st_hash_bytes(st_hash_bytes(1469598103934665603ULL, v, vn), v2, v2n);
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

int
st_topagg_cmp(const void *x, const void *y)
{
    const struct topagg_ent *a = x, *b = y;
    int r;

    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    if ((r = strcmp(a->v, b->v)) != 0)
        return r;
    return strcmp(a->v2, b->v2);
}

void
st_topagg_free(struct topagg *a)
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
        qsort(a->e, k, sizeof(*a->e), st_topagg_cmp);
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

int
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

    if ((t.d = st_dim_find(dim)) == NULL || t.d->guide_only)
        return AP_EINVAL;
    if (st_filter_time_only(f)) {
        if ((t.arr = json_array()) == NULL)
            return AP_ENOMEM;
        rc = st_topk_top(st, t.d, f, st_clamp_limit(limit), top_row, &t);
        if (rc == 1 && st->explain == NULL) {
            *out = t.arr;
            return 0;
        }
        json_decref(t.arr);
        if (rc < 0)
            return rc;
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

            rc = st_run(st, &q, st_topagg_row, &a);
            if (rc == 0 && st->explain == NULL)
                rc = topagg_emit(&a, &t, st_clamp_limit(limit));
            st_topagg_free(&a);
            if (rc != 0)
                json_decref(t.arr);
        }
        qb_release(&q);
        if (rc == 0)
            *out = t.arr;
        return rc;
    } else {
        if ((t.arr = json_array()) == NULL)
            return AP_ENOMEM;
        rc = st_srcsum_answer(st, f, t.d, st_clamp_limit(limit), top_row, &t,
                              NULL);
        if (rc == 1) {
            *out = t.arr;
            return 0;
        }
        json_decref(t.arr);
        if (rc < 0)
            return rc;
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
