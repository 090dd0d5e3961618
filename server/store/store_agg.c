/* In-memory aggregation of one batch; see store_agg.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "store_agg.h"
#include "ap/common.h"

static uint64_t
hash_str(uint64_t h, const char *s)
{
    if (s == NULL)
        return h * 1099511628211ULL + 0x9e;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

static int
streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static uint64_t
agg_hash(int kind, long long hour, const char *v, const char *v2,
         const char *v3)
{
    uint64_t h = 1469598103934665603ULL;

    h = (h ^ (uint64_t)(kind + 3)) * 1099511628211ULL;
    h = (h ^ (uint64_t)hour) * 1099511628211ULL;
    return hash_str(hash_str(hash_str(h, v), v2), v3);
}

void
st_agg_release(struct st_agg *a)
{
    free(a->e);
    free(a->used);
    memset(a, 0, sizeof(*a));
}

int
st_agg_init(struct st_agg *a, size_t cap)
{
    size_t c = 1024;

    while (c < cap)
        c <<= 1;
    a->len = 0;
    a->cap = c;
    a->e = calloc(c, sizeof(*a->e));
    a->used = calloc(c / 2 + 1, sizeof(*a->used));
    if (a->e == NULL || a->used == NULL) {
        st_agg_release(a);
        return AP_ENOMEM;
    }
    return 0;
}

/* Twice the slots; the entries keep their insertion order. */
static int
agg_grow(struct st_agg *a)
{
    struct st_agg n;
    size_t k, i;

    if (st_agg_init(&n, a->cap * 2) != 0)
        return AP_ENOMEM;
    for (k = 0; k < a->len; k++) {
        const struct agg_ent *o = &a->e[a->used[k]];

        for (i = (size_t)agg_hash(o->kind, o->hour, o->v, o->v2, o->v3) &
                 (n.cap - 1);
             n.e[i].used; i = (i + 1) & (n.cap - 1))
            ;
        n.e[i] = *o;
        n.used[n.len++] = i;
    }
    st_agg_release(a);
    *a = n;
    return 0;
}

/* The entry of a key, created (zeroed) if new; NULL when out of memory.
 * The pointer is good until the next call. */
static struct agg_ent *
agg_get(struct st_agg *a, int kind, long long hour, const char *v,
        const char *v2, const char *v3)
{
    uint64_t h;
    size_t i;
    struct agg_ent *e;

    if (2 * (a->len + 1) > a->cap && agg_grow(a) != 0)
        return NULL;
    h = agg_hash(kind, hour, v, v2, v3);
    for (i = (size_t)h & (a->cap - 1);; i = (i + 1) & (a->cap - 1)) {
        e = &a->e[i];
        if (!e->used) {
            memset(e, 0, sizeof(*e));
            e->used = 1;
            e->kind = kind;
            e->hour = hour;
            e->v = v;
            e->v2 = v2;
            e->v3 = v3;
            a->used[a->len++] = i;
            return e;
        }
        if (e->kind == kind && e->hour == hour && streq(e->v, v) &&
            streq(e->v2, v2) && streq(e->v3, v3))
            return e;
    }
}

/* The value of one dimension in a row, or NULL when the row has none. */
static const char *
dim_value(const struct st_dim *d, const struct st_row *r, const char **v2)
{
    *v2 = "";
    switch (d->id) {
    case 0: return "";
    case 1: return r->src_ip;
    case 2: return r->dst_port >= 0 ? r->dst_port_s : NULL;
    case 3: return r->honeypot;
    case 4: return r->sensor;
    case 5: return r->src_country;
    case 6: return r->src_asn >= 0 ? r->src_asn_s : NULL;
    case 7: return r->protocol;
    case 8: return r->username;
    case 9: return r->password;
    case 10:
        *v2 = r->password ? r->password : "";
        return r->username;
    case 11: return r->command;
    case 12: return r->url;
    case 13: return r->sha256;
    case 14: return r->signature;
    case 15: return r->type;
    }
    return NULL;
}

/* Aggregate the rows (isnew NULL: all of them).  Summary entries are made
 * for every address; the flush keeps those of addresses that have a
 * summary (known only inside the write transaction). */
int
st_agg_rows(struct st_agg *a, const struct st_row *rows, size_t n,
         const unsigned char *isnew)
{
    const char *v, *v2;
    struct agg_ent *e;
    size_t i, d;

#define AGG_ADD(...)                                                           \
    do {                                                                       \
        if ((e = agg_get(a, __VA_ARGS__)) == NULL)                             \
            return AP_ENOMEM;                                                  \
        e->n++;                                                                \
    } while (0)
    for (i = 0; i < n; i++) {
        const struct st_row *r = &rows[i];
        long long hour = r->ts / ST_HOUR_US;

        if (isnew != NULL && !isnew[i])
            continue;
        for (d = 0; d < st_ndims; d++) {
            v = dim_value(&st_dims[d], r, &v2);
            if (v == NULL)
                continue;
            AGG_ADD(st_dims[d].id, hour, v, v2, NULL);
            if (r->src_ip == NULL || !st_srcsum_has_dim(st_dims[d].id))
                continue;
            AGG_ADD(AGG_SRC - st_dims[d].id, 0, v, v2, r->src_ip);
            /* Connections alone, too (MHN's attacker_stats counts
             * sessions = connects): ports, honeypots, sensors. */
            if (st_dims[d].id >= 2 && st_dims[d].id <= 4 &&
                strcmp(r->type, "connect") == 0)
                AGG_ADD(AGG_SRC - ST_SRC_CONNECT - st_dims[d].id, 0, v, v2,
                        r->src_ip);
        }
#undef AGG_ADD
        if (r->session != NULL && r->session[0] != '\0') {
            e = agg_get(a, AGG_SESSION, 0, r->sensor ? r->sensor : "",
                        r->session, NULL);
            if (e == NULL)
                return AP_ENOMEM;
            if (e->n++ == 0) {
                e->row = r;
                e->first = e->last = r->ts;
            }
            e->first = AP_MIN(e->first, r->ts);
            e->last = AP_MAX(e->last, r->ts);
            e->logins += r->username != NULL;
            e->commands += r->command != NULL;
            e->downloads += r->sha256 != NULL || r->url != NULL;
        }
        if (r->sha256 != NULL && r->sha256[0] != '\0') {
            e = agg_get(a, AGG_FILE, 0, r->sha256, NULL, NULL);
            if (e == NULL)
                return AP_ENOMEM;
            if (e->n++ == 0) {
                e->row = r;
                e->first = e->last = r->ts;
            }
            e->first = AP_MIN(e->first, r->ts);
            e->last = AP_MAX(e->last, r->ts);
        }
    }
    return 0;
}

int
st_agg_prepare(const struct st_row *rows, size_t n, struct st_agg **out)
{
    struct st_agg *a = calloc(1, sizeof(*a));
    int rc;

    if (a == NULL)
        return AP_ENOMEM;
    if ((rc = st_agg_init(a, 8 * n)) != 0 ||
        (rc = st_agg_rows(a, rows, n, NULL)) != 0) {
        st_agg_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void
st_agg_free(struct st_agg *a)
{
    if (a == NULL)
        return;
    st_agg_release(a);
    free(a);
}
