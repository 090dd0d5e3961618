#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <maxminddb.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/log.h"
#include "geo.h"
#include "ap/common.h"

/* 128-bit addresses compare as one integer (gcc/clang extension). */
__extension__ typedef unsigned __int128 u128;

/* One ASN range.  IPv4 ranges use the low 32 bits of lo/hi.  org is an
 * offset into the shared string pool. */
struct range6 {
    u128 lo, hi;
    uint32_t asn, org;
};
struct range4 {
    uint32_t lo, hi, asn, org;
};

struct ap_geo {
    MMDB_s city4, city6;
    int have4, have6;
    struct range4 *r4;
    size_t n4;
    struct range6 *r6;
    size_t n6;
    char *pool; /* NUL-separated org names */
    size_t pool_len, pool_cap, pool_last;
};

static int
open_mmdb(const char *path, MMDB_s *db)
{
    int rc;

    if (path == NULL || *path == '\0')
        return 0;
    rc = MMDB_open(path, MMDB_MODE_MMAP, db);
    if (rc != MMDB_SUCCESS) {
        ap_log_warn("GeoIP city database %s not loaded (%s): events get no "
                    "country/city",
                    path, MMDB_strerror(rc));
        return 0;
    }
    return 1;
}

/* Org names repeat (one org, many ranges): keep the previous one. */
static int
pool_add(struct ap_geo *g, const char *s, size_t n, uint32_t *off)
{
    size_t last = g->pool_last;
    char *p;

    if (g->pool_len > 0 && strncmp(g->pool + last, s, n) == 0 &&
        g->pool[last + n] == '\0') {
        *off = (uint32_t)last;
        return 0;
    }
    if (g->pool_len + n + 1 > g->pool_cap) {
        size_t nc = g->pool_cap ? g->pool_cap * 2 : 1 << 20;
        while (nc < g->pool_len + n + 1)
            nc *= 2;
        if ((p = realloc(g->pool, nc)) == NULL)
            return AP_ENOMEM;
        g->pool = p;
        g->pool_cap = nc;
    }
    memcpy(g->pool + g->pool_len, s, n);
    g->pool[g->pool_len + n] = '\0';
    *off = (uint32_t)g->pool_len;
    g->pool_last = g->pool_len;
    g->pool_len += n + 1;
    return 0;
}

static int
parse_ip(const char *s, int *v6, u128 *out)
{
    unsigned char b[16];
    u128 x = 0;
    int i;

    if (inet_pton(AF_INET, s, b) == 1) {
        *v6 = 0;
        *out = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
               ((uint32_t)b[2] << 8) | b[3];
        return 0;
    }
    if (inet_pton(AF_INET6, s, b) == 1) {
        for (i = 0; i < 16; i++)
            x = (x << 8) | b[i];
        *v6 = 1;
        *out = x;
        return 0;
    }
    return -1;
}

/* Split one CSV line: first,last,asn,"org, with commas" */
static int
csv_fields(char *line, char **f, int max)
{
    int n = 0;
    char *p = line, *w;

    while (n < max) {
        if (*p == '"') {
            f[n++] = w = ++p;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                *w++ = *p++;
            }
            if (*p == '"')
                p++;
            *w = '\0';
            if (*p == ',')
                p++;
            else
                break;
        } else {
            f[n++] = p;
            p += strcspn(p, ",\r\n");
            if (*p != ',') {
                *p = '\0';
                break;
            }
            *p++ = '\0';
        }
    }
    return n;
}

static int
load_asn(struct ap_geo *g, const char *path, int want_v6)
{
    char line[1024], *f[4], *end;
    size_t cap = 0, bad = 0;
    u128 lo, hi;
    unsigned long asn;
    FILE *fp;
    int v6a, v6b, r = 0;

    if (path == NULL || *path == '\0')
        return 0;
    if ((fp = fopen(path, "r")) == NULL) {
        ap_log_warn("ASN data %s not loaded (%s): events get no ASN", path,
                    strerror(errno));
        return 0;
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
        uint32_t org;
        if (csv_fields(line, f, 4) != 4 || parse_ip(f[0], &v6a, &lo) != 0 ||
            parse_ip(f[1], &v6b, &hi) != 0 || v6a != v6b ||
            v6a != want_v6 || hi < lo) {
            bad++;
            continue;
        }
        errno = 0;
        asn = strtoul(f[2], &end, 10);
        if (*end != '\0' || errno != 0 || asn > UINT32_MAX) {
            bad++;
            continue;
        }
        if ((r = pool_add(g, f[3], strlen(f[3]), &org)) != 0)
            goto out;
        if (want_v6) {
            if (g->n6 == cap) {
                struct range6 *p;
                cap = cap ? cap * 2 : 65536;
                if ((p = realloc(g->r6, cap * sizeof(*p))) == NULL) {
                    r = AP_ENOMEM;
                    goto out;
                }
                g->r6 = p;
            }
            g->r6[g->n6++] = (struct range6){lo, hi, (uint32_t)asn, org};
        } else {
            if (g->n4 == cap) {
                struct range4 *p;
                cap = cap ? cap * 2 : 65536;
                if ((p = realloc(g->r4, cap * sizeof(*p))) == NULL) {
                    r = AP_ENOMEM;
                    goto out;
                }
                g->r4 = p;
            }
            g->r4[g->n4++] = (struct range4){(uint32_t)lo, (uint32_t)hi,
                                             (uint32_t)asn, org};
        }
    }
    if (bad > 0)
        ap_log_warn("%s: %zu lines skipped (not first,last,asn,org)", path,
                    bad);
out:
    fclose(fp);
    return r;
}

static int
cmp4(const void *a, const void *b)
{
    const struct range4 *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int
cmp6(const void *a, const void *b)
{
    const struct range6 *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

int
ap_geo_open(const struct ap_geo_paths *p, struct ap_geo **out)
{
    struct ap_geo *g = calloc(1, sizeof(*g));
    int r;

    if (g == NULL)
        return AP_ENOMEM;
    g->have4 = open_mmdb(p->city4, &g->city4);
    g->have6 = open_mmdb(p->city6, &g->city6);
    if ((r = load_asn(g, p->asn4, 0)) != 0 ||
        (r = load_asn(g, p->asn6, 1)) != 0) {
        ap_geo_close(g);
        return r;
    }
    /* the files come sorted; sort anyway, bisection depends on it */
    if (g->n4 > 1)
        qsort(g->r4, g->n4, sizeof(*g->r4), cmp4);
    if (g->n6 > 1)
        qsort(g->r6, g->n6, sizeof(*g->r6), cmp6);
    if (!g->have4 && !g->have6 && g->n4 == 0 && g->n6 == 0)
        ap_log_warn("no GeoIP/ASN data: events are stored without "
                    "country, city or ASN (run scripts/geodata.sh)");
    *out = g;
    return 0;
}

void
ap_geo_close(struct ap_geo *g)
{
    if (g == NULL)
        return;
    if (g->have4)
        MMDB_close(&g->city4);
    if (g->have6)
        MMDB_close(&g->city6);
    free(g->r4);
    free(g->r6);
    free(g->pool);
    free(g);
}

size_t
ap_geo_asn_ranges(const struct ap_geo *g)
{
    return g->n4 + g->n6;
}

int
ap_geo_has_city(const struct ap_geo *g)
{
    return g->have4 || g->have6;
}

size_t
ap_geo_asn_bytes(const struct ap_geo *g)
{
    return g->n4 * sizeof(*g->r4) + g->n6 * sizeof(*g->r6) + g->pool_len;
}

static void
mmdb_str(MMDB_lookup_result_s *res, const char *key, char *out, size_t len)
{
    MMDB_entry_data_s d;

    if (MMDB_get_value(&res->entry, &d, key, NULL) == MMDB_SUCCESS &&
        d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING) {
        size_t n = AP_MIN((size_t)d.data_size, len - 1);
        memcpy(out, d.utf8_string, n);
        out[n] = '\0';
    }
}

static int
mmdb_num(MMDB_lookup_result_s *res, const char *key, double *v)
{
    MMDB_entry_data_s d;

    if (MMDB_get_value(&res->entry, &d, key, NULL) != MMDB_SUCCESS ||
        !d.has_data)
        return -1;
    if (d.type == MMDB_DATA_TYPE_DOUBLE)
        *v = d.double_value;
    else if (d.type == MMDB_DATA_TYPE_FLOAT)
        *v = d.float_value;
    else
        return -1;
    return 0;
}

int
ap_geo_lookup(const struct ap_geo *g, const char *ip, struct ap_geo_result *r)
{
    u128 a;
    MMDB_lookup_result_s res;
    const MMDB_s *db;
    int v6, gai, mm, found = 0;
    size_t lo, hi, mid;

    memset(r, 0, sizeof(*r));
    if (parse_ip(ip, &v6, &a) != 0)
        return AP_EINVAL;
    db = v6 ? (g->have6 ? &g->city6 : NULL) : (g->have4 ? &g->city4 : NULL);
    if (db != NULL) {
        res = MMDB_lookup_string((MMDB_s *)db, ip, &gai, &mm);
        if (gai == 0 && mm == MMDB_SUCCESS && res.found_entry) {
            mmdb_str(&res, "country_code", r->country, sizeof(r->country));
            mmdb_str(&res, "city", r->city, sizeof(r->city));
            if (mmdb_num(&res, "latitude", &r->lat) == 0 &&
                mmdb_num(&res, "longitude", &r->lon) == 0)
                r->has_loc = 1;
            found = r->country[0] || r->city[0] || r->has_loc;
        }
    }
    /* last range starting at or below a */
    lo = 0;
    hi = v6 ? g->n6 : g->n4;
    while (lo < hi) {
        mid = (lo + hi) / 2;
        if ((v6 ? g->r6[mid].lo : (u128)g->r4[mid].lo) <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0) {
        if (v6 && a <= g->r6[lo - 1].hi && g->r6[lo - 1].asn != 0) {
            r->asn = g->r6[lo - 1].asn;
            r->org = g->pool + g->r6[lo - 1].org;
        } else if (!v6 && a <= g->r4[lo - 1].hi && g->r4[lo - 1].asn != 0) {
            r->asn = g->r4[lo - 1].asn;
            r->org = g->pool + g->r4[lo - 1].org;
        }
        found |= r->asn != 0;
    }
    return found ? 0 : AP_ENOENT;
}

static int
set_s(json_t *ev, const char *k, const char *v)
{
    if (v == NULL || *v == '\0')
        return 0;
    return ap_event_set_bytes(ev, k, v, strlen(v));
}

int
ap_geo_enrich(const struct ap_geo *g, json_t *ev)
{
    struct ap_geo_result r;
    const char *ip;

    if (g == NULL)
        return 0;
    ip = json_string_value(json_object_get(ev, "src_ip"));
    if (ip != NULL && ap_geo_lookup(g, ip, &r) == 0) {
        if (set_s(ev, "src_country", r.country) != 0 ||
            set_s(ev, "src_city", r.city) != 0 ||
            (r.has_loc && (ap_event_set_real(ev, "src_lat", r.lat) != 0 ||
                           ap_event_set_real(ev, "src_lon", r.lon) != 0)) ||
            (r.asn && ap_event_set_int(ev, "src_asn", r.asn) != 0) ||
            set_s(ev, "src_org", r.org) != 0)
            return AP_ENOMEM;
    }
    ip = json_string_value(json_object_get(ev, "dst_ip"));
    if (ip != NULL && ap_geo_lookup(g, ip, &r) == 0) {
        if (set_s(ev, "dst_country", r.country) != 0 ||
            (r.asn && ap_event_set_int(ev, "dst_asn", r.asn) != 0))
            return AP_ENOMEM;
    }
    return 0;
}
