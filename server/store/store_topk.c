/*
 * Exact top-N over long windows without summing every distinct value.
 *
 * The hourly rollup answers "top source addresses over 30 days" exactly,
 * but by summing ~720 hours x thousands of values.  Here each closed hour
 * and each closed UTC day of every dimension gets a cached list of its K
 * largest values (table topk_list) and a bound (table topk_b): every
 * value not in the list counted at most `bound` in that bucket (0: the
 * list is complete).  A query then reads the lists of the buckets inside
 * its window, the rollup rows of the hours no list covers and the events
 * of the partial hours at the edges (all exact), and runs the threshold
 * algorithm:
 *
 *   lower(v) = exact part + the counts of the lists that hold v
 *   upper(v) = lower(v) + the bounds of the lists that miss v
 *   unseen   = sum of all bounds (a value in no list and not in the
 *              exact part counted at most this)
 *
 * The candidate with the largest upper bound is resolved (its counts in
 * the buckets whose list misses it are read from the rollup by primary
 * key) until the largest is exact; it is emitted when it also beats the
 * unseen bound, else the caller falls back to the full sum.  So the
 * answer is always exactly what summing every rollup row would give
 * (same order: count, then value), just cheaper when the data has a head.
 *
 * Lists are built by ap_store_maintain (the store component's background
 * thread) for buckets that closed at least ST_TOPK_SETTLE ago; an event
 * arriving later for a bucket drops its marker (st_topk_invalidate, in the
 * writer's transaction), retention drops the markers of the hours it
 * deletes, and a bucket without a marker is summed from the rollup.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/util.h"
#include "store_query.h"
#include "ap/common.h"

/* Entries kept per bucket list. */
#define K_HOUR 100
#define K_DAY 400
/* A bucket is cached once it ended this long ago (late events). */
#define ST_TOPK_SETTLE (10LL * 60 * 1000000)
/* How far back maintenance looks (hours). */
#define ST_TOPK_HORIZON (400LL * 24)
/* Buckets a window may use (400 days + hours at both ends). */
#define MAX_BUCKETS 1024

/* ---- writer side: invalidation and building lists --------------------- */

int
st_topk_invalidate(struct ap_store *st, const long long *hours, size_t n)
{
    struct sq_val p[2];
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        p[0] = sq_int(hours[i]);
        p[1] = sq_int(1);
        rc = st->eng->exec(st->writer,
                           "DELETE FROM topk_b WHERE b = ? AND len = ?",
                           p, 2, NULL, NULL);
        if (rc < 0)
            return rc;
        p[0] = sq_int(hours[i] / 24 * 24);
        p[1] = sq_int(24);
        rc = st->eng->exec(st->writer,
                           "DELETE FROM topk_b WHERE b = ? AND len = ?",
                           p, 2, NULL, NULL);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int
st_topk_purge(struct ap_store *st, long long before_hour)
{
    struct sq_val p[3];
    size_t d;
    int rc;

    p[0] = sq_int(before_hour);
    rc = st->eng->exec(st->writer, "DELETE FROM topk_b WHERE b < ?", p, 1,
                       NULL, NULL);
    for (d = 1; d < 2 * st_ndims && rc >= 0; d++) {
        if (d == st_ndims || st_dims[d % st_ndims].guide_only)
            continue;
        p[0] = sq_int(st_dims[d % st_ndims].id);
        p[1] = sq_int(d < st_ndims ? 1 : 24);
        p[2] = sq_int(before_hour);
        rc = st->eng->exec(st->writer,
                           "DELETE FROM topk_list WHERE dim = ? AND len = ? "
                           "AND b < ?",
                           p, 3, NULL, NULL);
    }
    return rc < 0 ? rc : 0;
}

struct build {
    int dim;
    long long b, len;
};

/* In the writer's transaction: sum the bucket's rollup rows, keep the K
 * largest and the bound, replace the old list. */
static int
build_txn(struct ap_store *st, void *arg)
{
    const struct build *bu = arg;
    struct topagg a = {NULL, 0, 0};
    struct sq_val p[6];
    size_t i, k, keep;
    long long bound = 0;
    int rc;

    p[0] = sq_int(bu->dim);
    p[1] = sq_int(bu->b);
    p[2] = sq_int(bu->b + bu->len);
    rc = st->eng->exec(st->writer,
                       "SELECT value, value2, n FROM rollup WHERE dim = ? "
                       "AND hour >= ? AND hour < ?",
                       p, 3, st_topagg_row, &a);
    if (rc < 0)
        goto out;
    for (i = 0, k = 0; i < a.cap; i++)
        if (a.e[i].v)
            a.e[k++] = a.e[i];
    for (i = k; i < a.cap; i++)
        a.e[i].v = NULL;
    if (k > 1)
        qsort(a.e, k, sizeof(*a.e), st_topagg_cmp);
    keep = (size_t)(bu->len == 1
                        ? (st->topk_k_hour > 0 ? st->topk_k_hour : K_HOUR)
                        : (st->topk_k_day > 0 ? st->topk_k_day : K_DAY));
    if (k > keep) {
        bound = a.e[keep].n; /* the largest count left out */
    } else {
        keep = k;
    }
    p[0] = sq_int(bu->dim);
    p[1] = sq_int(bu->b);
    p[2] = sq_int(bu->len);
    rc = st->eng->exec(st->writer,
                       "DELETE FROM topk_list WHERE dim = ? AND b = ? "
                       "AND len = ?",
                       p, 3, NULL, NULL);
    for (i = 0; i < keep && rc >= 0; i++) {
        p[3] = sq_text(a.e[i].v);
        p[4] = sq_text(a.e[i].v2);
        p[5] = sq_int(a.e[i].n);
        rc = st->eng->exec(st->writer,
                           "INSERT INTO topk_list (dim, b, len, value, value2, "
                           "n) VALUES (?, ?, ?, ?, ?, ?)",
                           p, 6, NULL, NULL);
    }
    if (rc >= 0) {
        p[0] = sq_int(bu->b);
        p[1] = sq_int(bu->len);
        p[2] = sq_int(bu->dim);
        p[3] = sq_int(bound);
        rc = st->eng->exec(st->writer,
                           "INSERT INTO topk_b (b, len, dim, bound) "
                           "VALUES (?, ?, ?, ?) ON CONFLICT (b, len, dim) "
                           "DO UPDATE SET bound = excluded.bound",
                           p, 4, NULL, NULL);
    }
out:
    st_topagg_free(&a);
    return rc < 0 ? rc : 0;
}

/* Sorted (b, len, dim) markers that exist, for maintenance. */
struct marks {
    long long *k;
    size_t n, cap;
};

static long long
mark_key(long long b, long long len, int dim)
{
    return (b * 2 + (len == 24)) * 64 + dim;
}

static int
mark_row(void *ctx, const struct sq_val *c, int n)
{
    struct marks *m = ctx;
    long long *nk;

    if (n < 3)
        return AP_EDB;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4096;
        if ((nk = realloc(m->k, m->cap * sizeof(*nk))) == NULL)
            return AP_ENOMEM;
        m->k = nk;
    }
    m->k[m->n++] = mark_key(c[0].i, c[1].i, (int)c[2].i);
    return 0;
}

static int
cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static int
int_row(void *ctx, const struct sq_val *c, int n)
{
    if (n > 0 && c[0].t == SQ_INT)
        *(long long *)ctx = c[0].i;
    return 0;
}

int
ap_store_maintain(struct ap_store *st, int64_t now_us, int budget, int *more)
{
    struct marks m = {NULL, 0, 0};
    struct st_conn *c;
    struct sq_val p[1];
    long long closed, first = -1, b, key;
    struct build bu;
    int done = 0, rc, pass;
    size_t d;

    *more = 0;
    closed = (now_us - ST_TOPK_SETTLE) / ST_HOUR_US; /* hours < closed */
    if ((rc = st_reader_get(st, &c)) != 0)
        return rc;
    rc = st->eng->exec(c->c, "SELECT MIN(hour) FROM rollup WHERE dim = 0",
                       NULL, 0, int_row, &first);
    if (rc >= 0 && first >= 0) {
        first = AP_MAX(first, closed - ST_TOPK_HORIZON);
        p[0] = sq_int(first / 24 * 24);
        rc = st->eng->exec(c->c,
                           "SELECT b, len, dim FROM topk_b WHERE b >= ?",
                           p, 1, mark_row, &m);
    }
    st_reader_put(st, c);
    if (rc < 0 || first < 0)
        goto out;
    if (m.n > 1)
        qsort(m.k, m.n, sizeof(*m.k), cmp_ll);
    /* Newest first: recent windows are the ones asked for most.  Days
     * first (a 30-day window needs 30 of them), then hours. */
    for (pass = 0; pass < 2 && rc >= 0; pass++) {
        bu.len = pass == 0 ? 24 : 1;
        for (b = (closed / bu.len - 1) * bu.len; b >= first / bu.len * bu.len;
             b -= bu.len) {
            if (b + bu.len > closed)
                continue;
            for (d = 1; d < st_ndims; d++) {
                if (st_dims[d].guide_only)
                    continue;
                key = mark_key(b, bu.len, st_dims[d].id);
                if (m.n > 0 &&
                    bsearch(&key, m.k, m.n, sizeof(*m.k), cmp_ll) != NULL)
                    continue;
                if (done >= budget) {
                    *more = 1;
                    goto out;
                }
                bu.dim = st_dims[d].id;
                bu.b = b;
                if ((rc = st_write_txn(st, build_txn, &bu)) != 0)
                    goto out;
                done++;
            }
        }
    }
out:
    free(m.k);
    return rc < 0 ? rc : 0;
}

/* ---- reader side: the threshold algorithm ----------------------------- */

struct bucket {
    long long b, len, bound;
    int cached; /* has a marker: its list is used */
};

struct cand {
    char *v, *v2;
    size_t vn, v2n;
    uint64_t h;
    long long lower, listed_bound; /* bounds of buckets holding it */
    long long exact_part;          /* from rollup rows and edges */
    uint64_t *listed;              /* bit per bucket: in its list */
    int resolved, done;
};

struct topk {
    struct ap_store *st;
    struct st_conn *c;
    const struct st_dim *d;
    struct bucket bk[MAX_BUCKETS];
    size_t nb, words;
    long long first_h; /* hour of the first bucket considered */
    long long B;       /* sum of bounds of the used lists */
    struct cand *e;
    size_t cap, len;
    long long resolved_rows;
};

static struct cand *
cand_get(struct topk *t, const char *v, size_t vn, const char *v2,
         size_t v2n, int create)
{
    uint64_t h = st_hash_bytes(st_hash_bytes(1469598103934665603ULL, v, vn),
                               v2, v2n);
    struct cand *ne;
    size_t i, j, ncap;

    if (create && 2 * (t->len + 1) > t->cap) {
        ncap = t->cap ? t->cap * 2 : 4096;
        if ((ne = calloc(ncap, sizeof(*ne))) == NULL)
            return NULL;
        for (i = 0; i < t->cap; i++) {
            if (t->e[i].v == NULL)
                continue;
            for (j = t->e[i].h & (ncap - 1); ne[j].v; j = (j + 1) & (ncap - 1))
                ;
            ne[j] = t->e[i];
        }
        free(t->e);
        t->e = ne;
        t->cap = ncap;
    }
    if (t->cap == 0)
        return NULL;
    for (i = h & (t->cap - 1); t->e[i].v; i = (i + 1) & (t->cap - 1)) {
        struct cand *e = &t->e[i];
        if (e->h == h && e->vn == vn && e->v2n == v2n &&
            memcmp(e->v, v, vn) == 0 && memcmp(e->v2, v2, v2n) == 0)
            return e;
    }
    if (!create || t->len >= TOPAGG_MAX)
        return NULL;
    ne = &t->e[i];
    ne->v = malloc(vn + 1);
    ne->v2 = malloc(v2n + 1);
    if (ne->v == NULL || ne->v2 == NULL) {
        free(ne->v);
        free(ne->v2);
        ne->v = NULL;
        return NULL;
    }
    memcpy(ne->v, v, vn);
    ne->v[vn] = '\0';
    memcpy(ne->v2, v2, v2n);
    ne->v2[v2n] = '\0';
    ne->vn = vn;
    ne->v2n = v2n;
    ne->h = h;
    t->len++;
    return ne;
}

static void
topk_free(struct topk *t)
{
    size_t i;

    for (i = 0; i < t->cap; i++)
        if (t->e[i].v) {
            free(t->e[i].v);
            free(t->e[i].v2);
            free(t->e[i].listed);
        }
    free(t->e);
}

/* value, value2, n rows of the exact part. */
static int
exact_row(void *ctx, const struct sq_val *c, int n)
{
    struct topk *t = ctx;
    struct cand *e;

    if (n < 3)
        return AP_EDB;
    e = cand_get(t, c[0].s ? c[0].s : "", c[0].s ? c[0].n : 0,
                 c[1].s ? c[1].s : "", c[1].s ? c[1].n : 0, 1);
    if (e == NULL)
        return AP_ENOMEM;
    e->exact_part += c[2].i;
    return 0;
}

static int
bucket_index(const struct topk *t, long long b, long long len, size_t *out)
{
    size_t lo = 0, hi = t->nb;

    while (lo < hi) { /* buckets are sorted by b, and disjoint */
        size_t mid = (lo + hi) / 2;
        if (t->bk[mid].b < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->nb && t->bk[lo].b == b && t->bk[lo].len == len &&
        t->bk[lo].cached) {
        *out = lo;
        return 1;
    }
    return 0;
}

/* b, len, value, value2, n rows of the cached lists. */
static int
list_row(void *ctx, const struct sq_val *c, int n)
{
    struct topk *t = ctx;
    struct cand *e;
    size_t i;

    if (n < 5)
        return AP_EDB;
    if (!bucket_index(t, c[0].i, c[1].i, &i))
        return 0; /* a list the window does not use (e.g. inside a day) */
    e = cand_get(t, c[2].s ? c[2].s : "", c[2].s ? c[2].n : 0,
                 c[3].s ? c[3].s : "", c[3].s ? c[3].n : 0, 1);
    if (e == NULL)
        return AP_ENOMEM;
    if (e->listed == NULL &&
        (e->listed = calloc(t->words, sizeof(*e->listed))) == NULL)
        return AP_ENOMEM;
    e->listed[i / 64] |= 1ULL << (i % 64);
    e->lower += c[4].i;
    e->listed_bound += t->bk[i].bound;
    return 0;
}

/* Markers (b, len, bound) of the window, sorted by b then len. */
struct mk {
    long long b, len, bound;
};
struct mks {
    struct mk *m;
    size_t n, cap;
};

static int
mk_row(void *ctx, const struct sq_val *c, int n)
{
    struct mks *m = ctx;
    struct mk *nm;

    if (n < 3)
        return AP_EDB;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        if ((nm = realloc(m->m, m->cap * sizeof(*nm))) == NULL)
            return AP_ENOMEM;
        m->m = nm;
    }
    m->m[m->n].b = c[0].i;
    m->m[m->n].len = c[1].i;
    m->m[m->n++].bound = c[2].i;
    return 0;
}

static int
mk_cmp(const void *x, const void *y)
{
    const struct mk *a = x, *b = y;

    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

static const struct mk *
mk_find(const struct mks *m, long long b, long long len)
{
    struct mk key = {b, len, 0};

    return m->n ? bsearch(&key, m->m, m->n, sizeof(key), mk_cmp) : NULL;
}

static long long
upper(const struct topk *t, const struct cand *e)
{
    if (e->resolved)
        return e->lower;
    return e->lower + e->exact_part + (t->B - e->listed_bound);
}

/* Exact count of e: its rollup rows in the used buckets whose list
 * misses it (primary-key lookups, hour by hour). */
static int
resolve(struct topk *t, struct cand *e)
{
    struct qb q;
    long long sum = 0, h;
    size_t i;
    int rc = 0;

    for (i = 0; i < t->nb && rc == 0; i++) {
        const struct bucket *bk = &t->bk[i];

        if (!bk->cached || bk->bound == 0 ||
            (e->listed && (e->listed[i / 64] >> (i % 64) & 1)))
            continue;
        for (h = bk->b; h < bk->b + bk->len && rc == 0; h++) {
            long long v = 0;

            rc = qb_init(&q, "SELECT n FROM rollup WHERE dim = ?");
            if (rc == 0 && q.np < QB_MAX_PARAMS)
                q.p[q.np++] = sq_int(t->d->id);
            if (rc == 0)
                rc = qb_add(&q, " AND hour = ?", sq_int(h));
            if (rc == 0)
                rc = qb_add(&q, " AND value = ?", sq_text(e->v));
            if (rc == 0)
                rc = qb_add(&q, " AND value2 = ?", sq_text(e->v2));
            if (rc == 0)
                rc = st_run_on(t->st, t->c, &q, int_row, &v);
            qb_release(&q);
            sum += v;
            t->resolved_rows++;
        }
    }
    if (rc == 0) {
        e->lower += e->exact_part + sum;
        e->resolved = 1;
    }
    return rc;
}

/* Heap order: larger upper bound first; on a tie an unresolved entry
 * first (it may still turn out higher), then value, value2 ascending. */
static int
before(const struct topk *t, const struct cand *a, const struct cand *b)
{
    long long ua = upper(t, a), ub = upper(t, b);
    int r;

    if (ua != ub)
        return ua > ub;
    if (a->resolved != b->resolved)
        return !a->resolved;
    if ((r = strcmp(a->v, b->v)) != 0)
        return r < 0;
    return strcmp(a->v2, b->v2) < 0;
}

static void
sift_down(const struct topk *t, struct cand **h, size_t n, size_t i)
{
    struct cand *x;
    size_t c;

    for (;;) {
        c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && before(t, h[c + 1], h[c]))
            c++;
        if (!before(t, h[c], h[i]))
            return;
        x = h[i];
        h[i] = h[c];
        h[c] = x;
        i = c;
    }
}

/* Lay out the buckets of hours [h1, hc): a whole UTC day where its list
 * exists, else its hours (with their lists where those exist). */
static void
layout(struct topk *t, const struct mks *m, long long h1, long long hc)
{
    const struct mk *k;
    long long h = h1;

    t->nb = 0;
    while (h < hc && t->nb < MAX_BUCKETS) {
        struct bucket *bk = &t->bk[t->nb++];

        if (h % 24 == 0 && h + 24 <= hc && (k = mk_find(m, h, 24)) != NULL) {
            bk->len = 24;
        } else {
            k = mk_find(m, h, 1);
            bk->len = 1;
        }
        bk->b = h;
        bk->cached = k != NULL;
        bk->bound = k ? k->bound : 0;
        h += bk->len;
    }
}

/* Exact rows of the rollup for hours [a, b). */
static int
rollup_rows(struct topk *t, long long a, long long b)
{
    struct qb q;
    int rc;

    if (a >= b)
        return 0;
    rc = qb_init(&q, "SELECT value, value2, n FROM rollup WHERE dim = ?");
    if (rc == 0 && q.np < QB_MAX_PARAMS)
        q.p[q.np++] = sq_int(t->d->id);
    if (rc == 0)
        rc = qb_add(&q, " AND hour >= ?", sq_int(a));
    if (rc == 0)
        rc = qb_add(&q, " AND hour < ?", sq_int(b));
    if (rc == 0)
        rc = st_run_on(t->st, t->c, &q, exact_row, t);
    qb_release(&q);
    return rc;
}

/* Events of [a, b) (a partial hour) as exact rows. */
static int
edge_rows(struct topk *t, long long a, long long b)
{
    struct qb q;
    int rc;

    if (a >= b)
        return 0;
    rc = qb_init(&q, "SELECT CAST(");
    if (rc == 0)
        rc = qb_sql(&q, t->d->col);
    if (rc == 0)
        rc = qb_sql(&q, " AS TEXT), ");
    if (rc == 0 && t->d->col2) {
        rc = qb_sql(&q, "COALESCE(");
        if (rc == 0)
            rc = qb_sql(&q, t->d->col2);
        if (rc == 0)
            rc = qb_sql(&q, ", '')");
    } else if (rc == 0) {
        rc = qb_sql(&q, "''");
    }
    if (rc == 0)
        rc = qb_add(&q, ", 1 FROM events WHERE ts >= ?", sq_int(a));
    if (rc == 0)
        rc = qb_add(&q, " AND ts < ?", sq_int(b));
    if (rc == 0)
        rc = qb_sql(&q, " AND ");
    if (rc == 0)
        rc = qb_sql(&q, t->d->col);
    if (rc == 0)
        rc = qb_sql(&q, " IS NOT NULL");
    if (rc == 0)
        rc = st_run_on(t->st, t->c, &q, exact_row, t);
    qb_release(&q);
    return rc;
}

static int
topk_run(struct topk *t, const struct ap_filter *f, int64_t now_us,
         sq_row_fn emit, void *ectx, size_t limit)
{
    struct mks m = {NULL, 0, 0};
    struct cand **heap = NULL, **out = NULL;
    size_t n = 0;
    int proven;
    struct st_span s;
    struct qb q;
    struct sq_val c[3];
    struct cand *e;
    long long hc, run;
    size_t i, emitted = 0, used = 0;

    int rc;

    st_split_hours(f, &s);
    if (f->since_us == 0) {
        /* "All time" starts at the oldest hour stored. */
        long long first = -1;

        rc = qb_init(&q, "SELECT MIN(hour) FROM rollup WHERE dim = 0");
        if (rc == 0)
            rc = st_run_on(t->st, t->c, &q, int_row, &first);
        qb_release(&q);
        if (rc != 0)
            return rc;
        if (first > s.h1 && first < s.h2) {
            s.h1 = first;
            s.e1b = first * ST_HOUR_US;
        }
    }
    hc = AP_MIN(s.h2, (now_us - ST_TOPK_SETTLE) / ST_HOUR_US);
    if (s.h1 >= hc)
        return 0;
    rc = qb_init(&q, "SELECT b, len, bound FROM topk_b WHERE b >= ?");
    if (rc == 0 && q.np < QB_MAX_PARAMS)
        q.p[q.np++] = sq_int(s.h1);
    if (rc == 0)
        rc = qb_add(&q, " AND b < ?", sq_int(hc));
    if (rc == 0)
        rc = qb_add(&q, " AND dim = ?", sq_int(t->d->id));
    if (rc == 0)
        rc = st_run_on(t->st, t->c, &q, mk_row, &m);
    qb_release(&q);
    if (rc == 0 && m.n > 1)
        qsort(m.m, m.n, sizeof(*m.m), mk_cmp);
    if (rc == 0)
        layout(t, &m, s.h1, hc);
    free(m.m);
    if (rc != 0)
        return rc;
    if (t->nb == MAX_BUCKETS && t->bk[t->nb - 1].b + t->bk[t->nb - 1].len < hc)
        return 0; /* a window longer than the lists cover */
    t->words = (t->nb + 63) / 64;
    for (i = 0; i < t->nb; i++)
        if (t->bk[i].cached) {
            used++;
            t->B += t->bk[i].bound;
        }
    if (used == 0 && t->st->explain == NULL)
        return 0; /* nothing cached: the plain sum is as cheap */
    /* The exact part: uncached buckets' rollup rows (in runs), the hours
     * after hc, and the edges. */
    run = -1;
    for (i = 0; i <= t->nb && rc == 0; i++) {
        if (i < t->nb && !t->bk[i].cached) {
            if (run < 0)
                run = t->bk[i].b;
            continue;
        }
        if (run >= 0)
            rc = rollup_rows(t, run, i < t->nb ? t->bk[i].b : hc);
        run = -1;
    }
    if (rc == 0)
        rc = rollup_rows(t, hc, s.h2);
    if (rc == 0)
        rc = edge_rows(t, s.e1a, s.e1b);
    if (rc == 0)
        rc = edge_rows(t, s.e2a, s.e2b);
    /* The lists, one range read per run of used lists of one length
     * (the primary key is (dim, len, b, ...): the hour lists inside a
     * used day are not read). */
    for (i = 0; i < t->nb && rc == 0;) {
        size_t j = i;

        if (!t->bk[i].cached) {
            i++;
            continue;
        }
        while (j + 1 < t->nb && t->bk[j + 1].cached &&
               t->bk[j + 1].len == t->bk[i].len)
            j++;
        rc = qb_init(&q, "SELECT b, len, value, value2, n FROM topk_list "
                         "WHERE dim = ?");
        if (rc == 0 && q.np < QB_MAX_PARAMS)
            q.p[q.np++] = sq_int(t->d->id);
        if (rc == 0)
            rc = qb_add(&q, " AND len = ?", sq_int(t->bk[i].len));
        if (rc == 0)
            rc = qb_add(&q, " AND b >= ?", sq_int(t->bk[i].b));
        if (rc == 0)
            rc = qb_add(&q, " AND b <= ?", sq_int(t->bk[j].b));
        if (rc == 0)
            rc = st_run_on(t->st, t->c, &q, list_row, t);
        qb_release(&q);
        i = j + 1;
    }
    if (rc != 0)
        return rc;
    if (t->st->explain != NULL) {
        /* Plans only: show the primary-key lookup of a resolution too. */
        struct cand probe;

        memset(&probe, 0, sizeof(probe));
        probe.v = probe.v2 = (char *)"";
        t->nb = t->nb > 0 ? 1 : 0;
        if (t->nb) {
            t->bk[0].cached = 1;
            t->bk[0].bound = 1;
            t->bk[0].len = 1;
        }
        rc = resolve(t, &probe);
        return rc != 0 ? rc : 0;
    }
    /* Exact entries when no list is incomplete. */
    for (i = 0; i < t->cap; i++)
        if (t->e[i].v && t->B == 0) {
            t->e[i].lower += t->e[i].exact_part;
            t->e[i].resolved = 1;
        }
    if ((heap = calloc(t->len + 1, sizeof(*heap))) == NULL ||
        (out = calloc(limit + 1, sizeof(*out))) == NULL) {
        free(heap);
        return AP_ENOMEM;
    }
    for (i = 0; i < t->cap; i++)
        if (t->e[i].v)
            heap[n++] = &t->e[i];
    for (i = n / 2; i-- > 0;)
        sift_down(t, heap, n, i);
    /* Pop in answer order: the top is exact and at least every other
     * entry's upper bound; it must also beat any value in no list. */
    while (emitted < limit && n > 0 && rc == 0) {
        e = heap[0];
        if (!e->resolved) {
            if ((rc = resolve(t, e)) == 0)
                sift_down(t, heap, n, 0);
            continue;
        }
        if (e->lower <= t->B)
            break;
        out[emitted++] = e;
        heap[0] = heap[--n];
        sift_down(t, heap, n, 0);
    }
    proven = rc == 0 && (emitted == limit || (n == 0 && t->B == 0));
    for (i = 0; proven && i < emitted && rc >= 0; i++) {
        c[0].t = c[1].t = SQ_TEXT;
        c[0].s = out[i]->v;
        c[0].n = out[i]->vn;
        c[1].s = out[i]->v2;
        c[1].n = out[i]->v2n;
        c[2] = sq_int(out[i]->lower);
        rc = emit(ectx, c, 3);
    }
    free(heap);
    free(out);
    if (rc < 0)
        return rc;
    return proven;
}

int
st_topk_top(struct ap_store *st, const struct st_dim *d,
            const struct ap_filter *f, size_t limit, sq_row_fn emit,
            void *ectx)
{
    struct topk *t;
    int rc, rc2;

    if ((t = calloc(1, sizeof(*t))) == NULL)
        return AP_ENOMEM;
    t->st = st;
    t->d = d;
    if ((rc = st_reader_get(st, &t->c)) != 0) {
        free(t);
        return rc;
    }
    /* One snapshot for the lists, the rollup and the edges. */
    rc = st->eng->exec(t->c->c, st->eng->snapshot_begin, NULL, 0, NULL, NULL);
    if (rc >= 0)
        rc = topk_run(t, f, ap_now_us(), emit, ectx, limit);
    rc2 = st->eng->exec(t->c->c, "COMMIT", NULL, 0, NULL, NULL);
    st_reader_put(st, t->c);
    if (rc >= 0 && st->explain == NULL) {
        pthread_mutex_lock(&st->plock);
        if (rc == 1)
            st->topk_lists++;
        else
            st->topk_fallbacks++;
        pthread_mutex_unlock(&st->plock);
    }
    topk_free(t);
    free(t);
    if (rc >= 0 && rc2 < 0)
        rc = rc2;
    return rc;
}

void
ap_store_set_topk_sizes(struct ap_store *st, int per_hour, int per_day)
{
    pthread_mutex_lock(&st->wlock);
    st->topk_k_hour = per_hour;
    st->topk_k_day = per_day;
    pthread_mutex_unlock(&st->wlock);
}
