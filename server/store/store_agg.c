/* In-memory aggregation of one batch; see store_agg.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "store_agg.h"
#include "ap/common.h"

#define H_NULL 0x9e3779b97f4a7c15ULL

static uint64_t
mix(uint64_t h, uint64_t x)
{
    h = (h ^ x) * 0x9fb21c651e98df25ULL;
    return h ^ (h >> 28);
}

/* Eight bytes at a time: the values are short (addresses, ports, names)
 * and each is hashed once per row, however many keys it is part of. */
static uint64_t
hash_str(const char *s)
{
    uint64_t h, w;
    size_t n;

    if (s == NULL)
        return H_NULL;
    n = strlen(s);
    h = 0x243f6a8885a308d3ULL ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = mix(h, w);
    }
    w = 0;
    memcpy(&w, s, n);
    return mix(h, w);
}

static int
streq(const char *a, const char *b)
{
    if (a == b)
        return 1;
    if (a == NULL || b == NULL)
        return 0;
    return strcmp(a, b) == 0;
}

void
st_agg_release(struct st_agg *a)
{
    free(a->e);
    free(a->slot);
    memset(a, 0, sizeof(*a));
}

int
st_agg_init(struct st_agg *a, size_t cap)
{
    size_t c = 1024;

    while (c < cap)
        c <<= 1;
    memset(a, 0, sizeof(*a));
    /* malloc: the entries' pages are touched only as they fill */
    a->e = malloc(c / 2 * sizeof(*a->e));
    a->slot = calloc(c, sizeof(*a->slot));
    if (a->e == NULL || a->slot == NULL) {
        st_agg_release(a);
        return AP_ENOMEM;
    }
    a->cap = c;
    return 0;
}

static void
slot_put(struct st_agg *a, uint64_t h, size_t idx)
{
    size_t i;

    for (i = (size_t)h & (a->cap - 1); a->slot[i] != 0;
         i = (i + 1) & (a->cap - 1))
        ;
    a->slot[i] = (h & 0xffffffff00000000ULL) | (uint64_t)(idx + 1);
}

/* Twice the slots; the entries keep their order. */
static int
agg_grow(struct st_agg *a)
{
    struct st_agg n;
    size_t k;

    if (st_agg_init(&n, a->cap * 2) != 0)
        return AP_ENOMEM;
    memcpy(n.e, a->e, a->len * sizeof(*a->e));
    n.len = a->len;
    for (k = 0; k < n.len; k++)
        slot_put(&n, n.e[k].h, k);
    st_agg_release(a);
    *a = n;
    return 0;
}

/* The entry of a key, created (zeroed) if new; NULL when out of memory.
 * hv, hv2, hv3: hash_str of v, v2, v3.  The pointer is good until the
 * next call. */
static struct agg_ent *
agg_get(struct st_agg *a, int kind, long long hour, const char *v,
        const char *v2, const char *v3, uint64_t hv, uint64_t hv2,
        uint64_t hv3)
{
    uint64_t h, tag, s;
    size_t i;
    struct agg_ent *e;

    if (2 * (a->len + 1) > a->cap && agg_grow(a) != 0)
        return NULL;
    h = mix(mix(mix(mix(mix(0x452821e638d01377ULL, (uint64_t)kind),
                        (uint64_t)hour), hv), hv2), hv3);
    tag = h & 0xffffffff00000000ULL;
    for (i = (size_t)h & (a->cap - 1); (s = a->slot[i]) != 0;
         i = (i + 1) & (a->cap - 1)) {
        if ((s & 0xffffffff00000000ULL) != tag)
            continue;
        e = &a->e[(s & 0xffffffffULL) - 1];
        if (e->h == h && e->kind == kind && e->hour == hour &&
            streq(e->v, v) && streq(e->v2, v2) && streq(e->v3, v3))
            return e;
    }
    e = &a->e[a->len];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->hour = hour;
    e->v = v;
    e->v2 = v2;
    e->v3 = v3;
    e->h = h;
    a->slot[i] = tag | (uint64_t)(a->len + 1);
    a->len++;
    return e;
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
    case 16: *v2 = r->type; return r->sensor;
    case 17: *v2 = r->type; return r->honeypot;
    case 18: *v2 = r->type; return r->protocol;
    case 19: *v2 = r->honeypot; return r->honeypot ? r->sensor : NULL;
    }
    return NULL;
}

/*
 * The keys of one dimension in the row before: rows of one payload share
 * their values (the adapters reuse one json_t for sensor, addresses,
 * protocol, type ... across a payload's events), so an equal pointer
 * finds the entry again without hashing or probing.  Entry indexes stay
 * valid while the table grows (entries keep their order).
 */
struct dim_last {
    const char *v, *v2, *src;
    long long hour, num; /* num: the integer of an integer dimension */
    size_t e_dim, e_src, e_conn;
    unsigned char dim_ok, src_ok, conn_ok;
};

static long long
dim_num(int id, const struct st_row *r)
{
    return id == 2 ? r->dst_port : id == 6 ? r->src_asn : 0;
}

/* The session's and the file's entries: first/last time, counts. */
static void
span_add(struct agg_ent *e, const struct st_row *r)
{
    if (e->n++ == 0) {
        e->row = r;
        e->first = e->last = r->ts;
    }
    e->first = AP_MIN(e->first, r->ts);
    e->last = AP_MAX(e->last, r->ts);
}

/* Aggregate the rows (isnew NULL: all of them).  Summary entries are made
 * for every address; the flush keeps those of addresses that have a
 * summary (known only inside the write transaction). */
int
st_agg_rows(struct st_agg *a, const struct st_row *rows, size_t n,
         const unsigned char *isnew)
{
    const uint64_t h_empty = hash_str("");
    const char *v, *v2, *ses_sensor = NULL, *ses_id = NULL, *file = NULL;
    struct dim_last last[64];
    struct dim_last *dl;
    struct agg_ent *e;
    uint64_t hv = 0, hv2 = 0, hsrc;
    unsigned char summ[64];
    size_t i, d, ses_e = 0, file_e = 0;
    int connect, hashed, id;

    if (st_ndims > AP_ARRAY_SIZE(last))
        return AP_EINVAL; /* not reached: 20 dimensions */
    memset(last, 0, sizeof(last));
    for (d = 0; d < st_ndims; d++)
        summ[d] = (unsigned char)st_srcsum_has_dim(st_dims[d].id);
#define AGG_NEW(idx, ...)                                                          do {                                                                               if ((e = agg_get(a, __VA_ARGS__)) == NULL)                                         return AP_ENOMEM;                                                          e->n++;                                                                        (idx) = (size_t)(e - a->e);                                                } while (0)
    for (i = 0; i < n; i++) {
        const struct st_row *r = &rows[i];
        long long hour = r->ts / ST_HOUR_US;

        if (isnew != NULL && !isnew[i])
            continue;
        hsrc = 0;
        connect = strcmp(r->type, "connect") == 0;
        for (d = 0; d < st_ndims; d++) {
            v = dim_value(&st_dims[d], r, &v2);
            if (v == NULL)
                continue;
            id = st_dims[d].id;
            dl = &last[d];
            hashed = 0;
            if (dl->dim_ok && dl->hour == hour && dl->v2 == v2 &&
                (st_dims[d].is_int ? dl->num == dim_num(id, r)
                                   : dl->v == v)) {
                a->e[dl->e_dim].n++;
            } else {
                hv = v[0] == '\0' ? h_empty : hash_str(v);
                hv2 = v2[0] == '\0' ? h_empty : hash_str(v2);
                hashed = 1;
                AGG_NEW(dl->e_dim, id, hour, v, v2, NULL, hv, hv2, H_NULL);
                dl->v = v;
                dl->v2 = v2;
                dl->hour = hour;
                dl->num = dim_num(id, r);
                dl->dim_ok = 1;
                dl->src_ok = dl->conn_ok = 0;
            }
            if (r->src_ip == NULL || !summ[d])
                continue;
            if (!dl->src_ok || dl->src != r->src_ip) {
                if (!hashed) {
                    hv = v[0] == '\0' ? h_empty : hash_str(v);
                    hv2 = v2[0] == '\0' ? h_empty : hash_str(v2);
                    hashed = 1;
                }
                if (hsrc == 0)
                    hsrc = hash_str(r->src_ip);
                AGG_NEW(dl->e_src, AGG_SRC - id, 0, v, v2, r->src_ip, hv,
                        hv2, hsrc);
                dl->src = r->src_ip;
                dl->src_ok = 1;
                dl->conn_ok = 0;
            } else {
                a->e[dl->e_src].n++;
            }
            /* Connections alone, too (MHN's attacker_stats counts
             * sessions = connects): ports, honeypots, sensors. */
            if (id < 2 || id > 4 || !connect)
                continue;
            if (dl->conn_ok) {
                a->e[dl->e_conn].n++;
                continue;
            }
            if (!hashed) {
                hv = v[0] == '\0' ? h_empty : hash_str(v);
                hv2 = v2[0] == '\0' ? h_empty : hash_str(v2);
            }
            if (hsrc == 0)
                hsrc = hash_str(r->src_ip);
            AGG_NEW(dl->e_conn, AGG_SRC - ST_SRC_CONNECT - id, 0, v, v2,
                    r->src_ip, hv, hv2, hsrc);
            dl->conn_ok = 1;
        }
#undef AGG_NEW
        if (r->session != NULL && r->session[0] != '\0') {
            const char *sensor = r->sensor ? r->sensor : "";

            if (ses_id != r->session || ses_sensor != sensor) {
                e = agg_get(a, AGG_SESSION, 0, sensor, r->session, NULL,
                            hash_str(sensor), hash_str(r->session), H_NULL);
                if (e == NULL)
                    return AP_ENOMEM;
                ses_e = (size_t)(e - a->e);
                ses_id = r->session;
                ses_sensor = sensor;
            }
            e = &a->e[ses_e];
            span_add(e, r);
            e->logins += r->username != NULL;
            e->commands += r->command != NULL;
            e->downloads += r->sha256 != NULL || r->url != NULL;
        }
        if (r->sha256 != NULL && r->sha256[0] != '\0') {
            if (file != r->sha256) {
                e = agg_get(a, AGG_FILE, 0, r->sha256, NULL, NULL,
                            hash_str(r->sha256), H_NULL, H_NULL);
                if (e == NULL)
                    return AP_ENOMEM;
                file_e = (size_t)(e - a->e);
                file = r->sha256;
            }
            span_add(&a->e[file_e], r);
        }
    }
    return 0;
}

int
st_agg_prepare(const struct st_row *rows, size_t n, struct st_agg **out)
{
    struct st_agg *a = *out;
    int rc;

    if (a == NULL) {
        if ((a = calloc(1, sizeof(*a))) == NULL)
            return AP_ENOMEM;
        *out = a;
    }
    /* The table of the batch before when it is big enough (it grows as
     * it fills anyway). */
    if (a->cap >= 8 * n) {
        a->len = 0;
        memset(a->slot, 0, a->cap * sizeof(*a->slot));
        rc = 0;
    } else {
        st_agg_release(a);
        rc = st_agg_init(a, 8 * n);
    }
    if (rc != 0 || (rc = st_agg_rows(a, rows, n, NULL)) != 0) {
        st_agg_free(a);
        *out = NULL;
        return rc;
    }
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
