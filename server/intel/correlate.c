/* Firewall correlation aggregator; see correlate.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "ghash.h"
#include "ap/err.h"
#include "ap/util.h"
#include "ap/common.h"

struct flow {
    struct ap_fw_rec r;
    long long packets;
    int reported;
};

struct ap_corr {
    const json_t *attackers;
    const struct ap_cidr_list *honeypots;
    struct ap_ghash *flows;
    struct ap_ghash *watch; /* ip -> long long events */
    uint64_t seen, kept, overflow;
};

/* ip -> event count from an ap_store_top list; NULL on ENOMEM. */
static struct ap_ghash *
watch_table(const json_t *attackers)
{
    struct ap_ghash *w = ap_ghash_new(sizeof(long long));
    const json_t *row;
    long long *cnt;
    size_t i;
    int created;

    json_array_foreach(attackers, i, row) {
        const char *ip = json_string_value(json_object_get(row, "value"));
        if (w && ip && (cnt = ap_ghash_put(w, ip, &created)) != NULL)
            *cnt = json_integer_value(json_object_get(row, "count"));
    }
    return w;
}

struct ap_corr *
ap_corr_new(const json_t *attackers, const struct ap_cidr_list *honeypots)
{
    struct ap_corr *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->attackers = attackers;
    c->honeypots = honeypots;
    c->flows = ap_ghash_new(sizeof(struct flow));
    c->watch = watch_table(attackers);
    if (c->flows == NULL || c->watch == NULL) {
        ap_corr_free(c);
        return NULL;
    }
    return c;
}

int
ap_corr_retarget(struct ap_corr *c, const json_t *attackers,
                 const struct ap_cidr_list *honeypots)
{
    struct ap_ghash *w = watch_table(attackers);

    if (w == NULL)
        return AP_ENOMEM;
    ap_ghash_free(c->watch, NULL);
    c->watch = w;
    c->attackers = attackers;
    c->honeypots = honeypots;
    return 0;
}

static int
flow_stale(void *v, void *arg)
{
    return ((struct flow *)v)->r.end_us < *(int64_t *)arg;
}

void
ap_corr_prune(struct ap_corr *c, int64_t before_us)
{
    ap_ghash_prune(c->flows, flow_stale, &before_us, NULL);
}

long long
ap_corr_attacker_events(const struct ap_corr *c, const char *ip)
{
    long long *ev = ap_ghash_get(c->watch, ip);

    return ev ? *ev : -1;
}

void
ap_corr_free(struct ap_corr *c)
{
    if (c == NULL)
        return;
    ap_ghash_free(c->flows, NULL);
    ap_ghash_free(c->watch, NULL);
    free(c);
}

int
ap_corr_add_flow(struct ap_corr *c, const struct ap_fw_rec *r, struct ap_fw_rec *flow,
                 long long *packets, int **reported)
{
    char key[200];
    struct flow *f;
    int created;

    c->seen++;
    if (ap_ghash_get(c->watch, r->src) == NULL || ap_cidr_list_match(c->honeypots, r->dst))
        return 0;
    c->kept++;
    snprintf(key, sizeof(key), "%s|%s|%s|%d|%d", r->src, r->dst, r->proto, r->sport,
             r->dport);
    if ((f = ap_ghash_get(c->flows, key)) == NULL) {
        if (ap_ghash_count(c->flows) >= AP_CORR_MAX_FLOWS ||
            (f = ap_ghash_put(c->flows, key, &created)) == NULL) {
            c->overflow++;
            return 0;
        }
        f->r = *r;
        f->packets = 1;
    } else {
        if (r->start_us < f->r.start_us)
            f->r.start_us = r->start_us;
        if (r->end_us > f->r.end_us)
            f->r.end_us = r->end_us;
        f->r.bytes += r->bytes;
        f->packets++;
    }
    *flow = f->r;
    *packets = f->packets;
    if (reported)
        *reported = &f->reported;
    return 1;
}

void
ap_corr_add(struct ap_corr *c, const struct ap_fw_rec *r)
{
    struct ap_fw_rec flow;
    long long packets;

    (void)ap_corr_add_flow(c, r, &flow, &packets, NULL);
}

struct collect {
    struct ap_corr *c;
    int64_t min_us;
    long long min_bytes;
    json_t *out;
};

static void
collect_one(const char *key, void *v, void *arg)
{
    struct collect *cl = arg;
    struct flow *f = v;
    char st[40], en[40];
    int64_t dur = f->r.end_us - f->r.start_us;
    long long *ev = ap_ghash_get(cl->c->watch, f->r.src);
    json_t *o;

    (void)key;
    if (dur < cl->min_us && f->r.bytes < cl->min_bytes)
        return;
    ap_format_time_us(f->r.start_us, st, sizeof(st));
    ap_format_time_us(f->r.end_us, en, sizeof(en));
    o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:f, s:I, s:I, s:I}", "src",
                  f->r.src, "dst", f->r.dst, "proto", f->r.proto, "sport", f->r.sport,
                  "dport", f->r.dport, "start", st, "end", en, "duration",
                  (double)dur / 1e6, "bytes", (json_int_t)f->r.bytes, "packets",
                  (json_int_t)f->packets, "attacker_events",
                  (json_int_t)(ev ? *ev : 0));
    if (o)
        json_array_append_new(cl->out, o);
}

static int
cmp_conn(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    int r = strcmp(json_string_value(json_object_get(x, "src")),
                   json_string_value(json_object_get(y, "src")));

    if (r == 0)
        r = strcmp(json_string_value(json_object_get(x, "start")),
                   json_string_value(json_object_get(y, "start")));
    if (r == 0)
        r = strcmp(json_string_value(json_object_get(x, "dst")),
                   json_string_value(json_object_get(y, "dst")));
    if (r == 0)
        r = (int)(json_integer_value(json_object_get(x, "sport")) -
                  json_integer_value(json_object_get(y, "sport")));
    return r;
}

json_t *
ap_corr_report(struct ap_corr *c, double min_duration_s, long long min_bytes)
{
    struct collect cl = {c, (int64_t)(min_duration_s * 1e6), min_bytes, json_array()};
    json_t **v, *sorted;
    size_t i, n;

    if (cl.out == NULL)
        return NULL;
    ap_ghash_each(c->flows, collect_one, &cl);
    n = json_array_size(cl.out);
    if ((v = calloc(n + 1, sizeof(*v))) == NULL || (sorted = json_array()) == NULL) {
        free(v);
        return cl.out;
    }
    for (i = 0; i < n; i++)
        v[i] = json_array_get(cl.out, i);
    qsort(v, n, sizeof(*v), cmp_conn);
    for (i = 0; i < n; i++)
        json_array_append(sorted, v[i]);
    free(v);
    json_decref(cl.out);
    return sorted;
}

void
ap_corr_counts(const struct ap_corr *c, uint64_t *seen, uint64_t *kept,
               uint64_t *overflow)
{
    *seen = c->seen;
    *kept = c->kept;
    *overflow = c->overflow;
}
