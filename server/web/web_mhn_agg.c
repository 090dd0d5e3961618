/*
 * MHN's aggregate endpoints: /api/top_attackers/, /api/attacker_stats/IP/,
 * /api/intel_feed/ (+ .csv) and /api/sensor/.  MHN grouped sessions in
 * Mongo; here each grouping is a few bounded top-N queries on the store's
 * indexes (at most `limit` rows, limit <= AP_STORE_MAX_LIMIT).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/util.h"
#include "server.h"
#include "store.h"
#include "web.h"
#include "web_handlers.h"
#include "web_query.h"
#include "ap/common.h"

#define MHN_SESSION "connect" /* one MHN session = one connection */

/* hours_ago (default def), limit (default 1000) and MHN's exact-match
 * filters, typed. */
static int
agg_args(struct web_req *r, long long def_hours, struct ap_filter *f,
         size_t *limit, long long *hours)
{
    const char *v;
    long long n;

    memset(f, 0, sizeof(*f));
    *hours = def_hours;
    if ((v = web_param(r, "hours_ago")) != NULL &&
        web_parse_int(v, 1, 24LL * 366 * 10, hours) != 0)
        return web_reply_error(r, 400, "hours_ago: a whole number of hours"),
               AP_EINVAL;
    f->since_us = ap_now_us() - *hours * 3600LL * 1000000;
    *limit = 1000;
    if ((v = web_param(r, "limit")) != NULL) {
        if (web_parse_int(v, 1, AP_STORE_MAX_LIMIT, &n) != 0)
            return web_reply_error(r, 400, "limit: 1 to 1000"), AP_EINVAL;
        *limit = (size_t)n;
    }
    f->type = MHN_SESSION;
    f->honeypot = web_param(r, "honeypot");
    f->protocol = web_param(r, "protocol");
    f->src_ip = web_param(r, "source_ip");
    f->sensor = web_param(r, "identifier");
    if ((v = web_param(r, "destination_port")) != NULL) {
        if (web_parse_int(v, 1, 65535, &n) != 0)
            return web_reply_error(r, 400, "destination_port: 1 to 65535"),
                   AP_EINVAL;
        f->dst_port = (int)n;
    }
    return 0;
}

static int
by_count_desc(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a,
                                                      "count"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b,
                                                      "count"));

    return x < y ? 1 : x > y ? -1 : 0;
}

/* Sort an array of objects by "count", descending, and cut to limit. */
static json_t *
sort_cut(json_t *rows, size_t limit)
{
    size_t n = json_array_size(rows), i;
    json_t **v, *out = json_array();

    if (out == NULL || n == 0)
        return out;
    if ((v = calloc(n, sizeof(*v))) == NULL)
        return out;
    for (i = 0; i < n; i++)
        v[i] = json_array_get(rows, i);
    qsort(v, n, sizeof(*v), by_count_desc);
    for (i = 0; i < n && i < limit; i++)
        json_array_append(out, v[i]);
    free(v);
    return out;
}

static json_t *
options(long long hours, size_t limit)
{
    return json_pack("{s:I, s:I}", "hours_ago", (json_int_t)hours, "limit",
                     (json_int_t)limit);
}

int
web_mhn_top_attackers(struct web_req *r)
{
    struct ap_store *st = r->w->srv->store;
    struct ap_filter f, ff;
    json_t *ips = NULL, *rows, *hp, *data;
    long long hours;
    size_t limit, i, j;

    if (st == NULL)
        return web_reply_error(r, 503, "The event store is not running.");
    if (agg_args(r, 4, &f, &limit, &hours) != 0)
        return 0;
    if (ap_store_top(st, "src_ip", &f, limit, &ips) != 0)
        return web_reply_error(r, 500, "The store query failed.");
    rows = json_array();
    for (i = 0; rows && i < json_array_size(ips); i++) {
        const char *ip =
            json_string_value(json_object_get(json_array_get(ips, i), "value"));
        if (ip == NULL)
            continue;
        ff = f;
        ff.src_ip = ip;
        hp = NULL;
        if (ap_store_top(st, "honeypot", &ff, 20, &hp) != 0)
            continue;
        for (j = 0; j < json_array_size(hp); j++) {
            json_t *h = json_array_get(hp, j);
            json_array_append_new(
                rows, json_pack("{s:s, s:O, s:O}", "source_ip", ip, "honeypot",
                                json_object_get(h, "value"), "count",
                                json_object_get(h, "count")));
        }
        json_decref(hp);
    }
    json_decref(ips);
    data = sort_cut(rows, limit);
    json_decref(rows);
    return web_reply_json(
        r, 200,
        json_pack("{s:o, s:{s:I, s:s, s:o}}", "data", data, "meta", "size",
                  (json_int_t)json_array_size(data), "query", "top_attackers",
                  "options", options(hours, limit)));
}

/* The values of a top list as a plain array. */
static json_t *
values(json_t *top)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a && i < json_array_size(top); i++)
        json_array_append(a, json_object_get(json_array_get(top, i), "value"));
    return a;
}

static json_t *
edge(struct ap_store *st, const struct ap_filter *f, int first)
{
    json_t *a = NULL, *ts = NULL;

    if (ap_store_events(st, f, 1, 0, first, &a) == 0 && json_array_size(a))
        ts = json_incref(json_object_get(json_array_get(a, 0), "ts"));
    json_decref(a);
    return ts ? ts : json_null();
}

int
web_mhn_attacker_stats(struct web_req *r)
{
    struct ap_store *st = r->w->srv->store;
    struct ap_filter f;
    json_t *ports = NULL, *hps = NULL, *sens = NULL, *data;
    long long hours, count = 0;
    size_t limit;

    if (st == NULL)
        return web_reply_error(r, 503, "The event store is not running.");
    if (!web_ip_ok(r->args[0]))
        return web_reply_error(r, 400, "Not an IP address.");
    if (agg_args(r, 720, &f, &limit, &hours) != 0)
        return 0;
    f.src_ip = r->args[0];
    if (ap_store_count(st, &f, &count) != 0 ||
        ap_store_top(st, "dst_port", &f, AP_STORE_MAX_LIMIT, &ports) != 0 ||
        ap_store_top(st, "honeypot", &f, AP_STORE_MAX_LIMIT, &hps) != 0 ||
        ap_store_top(st, "sensor", &f, AP_STORE_MAX_LIMIT, &sens) != 0) {
        json_decref(ports);
        json_decref(hps);
        return web_reply_error(r, 500, "The store query failed.");
    }
    data = json_pack("{s:s, s:I, s:o, s:o, s:I, s:o, s:o}", "ip", r->args[0],
                     "count", (json_int_t)count, "ports", values(ports),
                     "honeypots", values(hps), "num_sensors",
                     (json_int_t)json_array_size(sens), "first_seen",
                     edge(st, &f, 1), "last_seen", edge(st, &f, 0));
    json_decref(ports);
    json_decref(hps);
    json_decref(sens);
    return web_reply_json(r, 200,
                          json_pack("{s:o, s:{s:s, s:{s:I}}}", "data", data,
                                    "meta", "query", "attacker_stats",
                                    "options", "hours_ago",
                                    (json_int_t)hours));
}

/* p0f-style metadata of one IP (fingerprint events), at most 5. */
static json_t *
ip_meta(struct ap_store *st, const char *ip)
{
    struct ap_filter f;
    json_t *evs = NULL, *out = json_array();
    size_t i;

    memset(&f, 0, sizeof(f));
    f.src_ip = ip;
    f.type = "fingerprint";
    if (out == NULL || ap_store_events(st, &f, 5, 0, 0, &evs) != 0)
        return out;
    for (i = 0; i < json_array_size(evs); i++) {
        json_t *e = json_array_get(evs, i), *m = json_object();
        static const char *const keys[] = {"os", "app", "link", "uptime",
                                           "honeypot", "ts"};
        size_t k;
        for (k = 0; m && k < AP_ARRAY_SIZE(keys); k++)
            if (json_object_get(e, keys[k]))
                json_object_set(m, keys[k], json_object_get(e, keys[k]));
        json_array_append_new(out, m);
    }
    json_decref(evs);
    return out;
}

/* Rows grouped by (source_ip, honeypot, protocol, destination_port). */
static int
intel_rows(struct web_req *r, json_t **out, long long *hours, size_t *limit)
{
    struct ap_store *st = r->w->srv->store;
    struct ap_filter f, fi, fh, fp;
    json_t *ips = NULL, *rows, *hps, *ports, *protos, *meta;
    size_t i, j, k, m;

    if (st == NULL)
        return web_reply_error(r, 503, "The event store is not running."),
               AP_EIO;
    if (agg_args(r, 4, &f, limit, hours) != 0)
        return AP_EINVAL;
    if (ap_store_top(st, "src_ip", &f, *limit, &ips) != 0)
        return web_reply_error(r, 500, "The store query failed."), AP_EIO;
    rows = json_array();
    for (i = 0; rows && i < json_array_size(ips); i++) {
        const char *ip =
            json_string_value(json_object_get(json_array_get(ips, i), "value"));
        if (ip == NULL)
            continue;
        fi = f;
        fi.src_ip = ip;
        meta = ip_meta(st, ip);
        hps = NULL;
        (void)ap_store_top(st, "honeypot", &fi, 10, &hps);
        for (j = 0; j < json_array_size(hps); j++) {
            fh = fi;
            fh.honeypot =
                json_string_value(json_object_get(json_array_get(hps, j), "value"));
            ports = NULL;
            (void)ap_store_top(st, "dst_port", &fh, 10, &ports);
            for (k = 0; k < json_array_size(ports); k++) {
                json_t *pv = json_object_get(json_array_get(ports, k), "value");
                json_int_t port = json_integer_value(pv);
                fp = fh;
                fp.dst_port = (int)port;
                protos = NULL;
                (void)ap_store_top(st, "protocol", &fp, 5, &protos);
                if (json_array_size(protos) == 0) {
                    /* MHN: no protocol -> "RDP" on 3389, else "". */
                    json_array_append_new(
                        rows, json_pack("{s:s, s:s, s:s, s:I, s:O, s:O}",
                                        "source_ip", ip, "honeypot",
                                        fh.honeypot ? fh.honeypot : "",
                                        "protocol", port == 3389 ? "RDP" : "",
                                        "destination_port", port, "count",
                                        json_object_get(
                                            json_array_get(ports, k), "count"),
                                        "meta", meta));
                }
                for (m = 0; m < json_array_size(protos); m++) {
                    json_t *pr = json_array_get(protos, m);
                    const char *ps =
                        json_string_value(json_object_get(pr, "value"));
                    /* MHN leaves p0f ("pcap") and ftpdatalisten out. */
                    if (ps && (strcmp(ps, "pcap") == 0 ||
                               strcmp(ps, "ftpdatalisten") == 0))
                        continue;
                    json_array_append_new(
                        rows, json_pack("{s:s, s:s, s:s, s:I, s:O, s:O}",
                                        "source_ip", ip, "honeypot",
                                        fh.honeypot ? fh.honeypot : "",
                                        "protocol", ps ? ps : "",
                                        "destination_port", port, "count",
                                        json_object_get(pr, "count"), "meta",
                                        meta));
                }
                json_decref(protos);
            }
            json_decref(ports);
        }
        json_decref(hps);
        json_decref(meta);
    }
    json_decref(ips);
    *out = sort_cut(rows, *limit);
    json_decref(rows);
    return 0;
}

int
web_mhn_intel_feed(struct web_req *r)
{
    json_t *data = NULL;
    long long hours;
    size_t limit;

    if (intel_rows(r, &data, &hours, &limit) != 0)
        return 0;
    return web_reply_json(
        r, 200,
        json_pack("{s:o, s:{s:I, s:s, s:o}}", "data", data, "meta", "size",
                  (json_int_t)json_array_size(data), "query", "intel_feed",
                  "options", options(hours, limit)));
}

/* A CSV tag: commas removed, tabs and line breaks made spaces (MHN kept
 * newlines, which let a p0f string forge rows). */
static void
put_tag(struct ap_buf *b, const char *s, int *first)
{
    if (s == NULL || *s == '\0')
        return;
    if (!*first)
        (void)ap_buf_put_u8(b, ',');
    *first = 0;
    for (; *s; s++) {
        if (*s == ',')
            continue;
        (void)ap_buf_put_u8(b, (*s == '\t' || *s == '\n' || *s == '\r')
                                   ? ' '
                                   : (uint8_t)*s);
    }
}

int
web_mhn_intel_feed_csv(struct web_req *r)
{
    json_t *data = NULL;
    struct ap_buf b;
    long long hours;
    size_t limit, i;
    char port[32];
    int rc;

    if (intel_rows(r, &data, &hours, &limit) != 0)
        return 0;
    ap_buf_init(&b, WEB_MAX_RESPONSE);
    (void)ap_buf_puts(&b, "source_ip\tcount\ttags\n");
    for (i = 0; i < json_array_size(data); i++) {
        json_t *row = json_array_get(data, i);
        json_t *m0 = json_array_get(json_object_get(row, "meta"), 0);
        int first = 1;
        put_tag(&b, json_string_value(json_object_get(row, "source_ip")),
                &first);
        (void)ap_buf_printf(&b, "\t%lld\t",
                            (long long)json_integer_value(
                                json_object_get(row, "count")));
        first = 1;
        put_tag(&b, json_string_value(json_object_get(row, "honeypot")),
                &first);
        put_tag(&b, json_string_value(json_object_get(row, "protocol")),
                &first);
        snprintf(port, sizeof(port), "port-%lld",
                 (long long)json_integer_value(
                     json_object_get(row, "destination_port")));
        put_tag(&b, port, &first);
        put_tag(&b, json_string_value(json_object_get(m0, "app")), &first);
        put_tag(&b, json_string_value(json_object_get(m0, "os")), &first);
        put_tag(&b, json_string_value(json_object_get(m0, "link")), &first);
        (void)ap_buf_put_u8(&b, '\n');
    }
    json_decref(data);
    rc = web_reply_text(r, 200, "text/plain", ap_buf_data(&b), ap_buf_len(&b));
    ap_buf_release(&b);
    return rc;
}
