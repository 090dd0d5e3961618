/* MHN intel feed, blocklist and credentials CSV; see intel.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel.h"
#include "store/store_seen.h"
#include "store.h"
#include "ap/err.h"
#include "ap/common.h"

static void
base_filter(const struct ap_intel_opts *o, struct ap_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->since_us = o->since_us;
    f->until_us = o->until_us;
}

static size_t
lim(const struct ap_intel_opts *o)
{
    return o->limit == 0 || o->limit > AP_STORE_MAX_LIMIT ? AP_STORE_MAX_LIMIT : o->limit;
}

int
ap_intel_top(struct ap_store *st, const struct ap_intel_opts *o, const char *dim,
             json_t **out)
{
    struct ap_filter f;
    json_t *rows = NULL, *keep, *row;
    size_t i;
    int r;

    base_filter(o, &f);
    /* ask for the cap: excluded rows must not eat the caller's limit */
    if ((r = ap_store_top(st, dim, &f, AP_STORE_MAX_LIMIT, &rows)) != 0)
        return r;
    if ((keep = json_array()) == NULL) {
        json_decref(rows);
        return AP_ENOMEM;
    }
    json_array_foreach(rows, i, row) {
        const char *v = json_string_value(json_object_get(row, "value"));
        if (json_array_size(keep) >= lim(o))
            break;
        if (strcmp(dim, "src_ip") == 0 && (v == NULL || (o->exclude && ap_cidr_list_match(o->exclude, v))))
            continue;
        json_array_append(keep, row);
    }
    json_decref(rows);
    *out = keep;
    return 0;
}

int
ap_intel_seen(struct ap_store *st, const struct ap_intel_opts *o, const char *field,
              const json_t *rows, json_t **out)
{
    struct ap_filter f;
    json_t *values = json_array(), *row;
    size_t i;
    int r;

    if (values == NULL)
        return AP_ENOMEM;
    json_array_foreach(rows, i, row) {
        const json_t *v = json_object_get(row, "value");
        if (json_is_string(v))
            json_array_append(values, (json_t *)v);
    }
    base_filter(o, &f);
    r = ap_store_seen(st, field, values, &f, out);
    json_decref(values);
    return r;
}

/*
 * MHN's row "meta": the p0f metadata document of the address, which MHN
 * upserted per (ip, honeypot 'p0f') from p0f.events, newer fields over
 * older ones and "???" skipped: [{ip, honeypot, timestamp, app, os,
 * link, uptime}] with the fields known, or [] without p0f data.  Here:
 * the newest p0f fingerprint events of the address (one query).
 */
static json_t *
p0f_meta(struct ap_store *st, const struct ap_intel_opts *o, const char *ip)
{
    static const char *const fields[] = {"app", "os", "link", "uptime"};
    struct ap_filter f;
    json_t *evs = NULL, *doc = NULL, *ev, *meta = json_array();
    size_t i, k;

    base_filter(o, &f);
    f.src_ip = ip;
    f.type = "fingerprint";
    f.honeypot = "p0f";
    if (meta == NULL || ap_store_events(st, &f, 20, 0, 0, &evs) != 0)
        return meta;
    json_array_foreach(evs, i, ev) {
        if (doc == NULL)
            doc = json_pack("{s:s, s:s, s:O}", "ip", ip, "honeypot", "p0f", "timestamp",
                            json_object_get(ev, "ts"));
        for (k = 0; doc && k < sizeof(fields) / sizeof(fields[0]); k++)
            if (json_object_get(doc, fields[k]) == NULL &&
                json_is_string(json_object_get(ev, fields[k])))
                json_object_set(doc, fields[k], json_object_get(ev, fields[k]));
    }
    if (doc != NULL)
        json_array_append_new(meta, doc);
    json_decref(evs);
    return meta;
}

/* MHN grouping: (source_ip, honeypot, protocol, destination_port). */
static int
feed_rows(struct ap_store *st, const struct ap_intel_opts *o, json_t *data)
{
    struct ap_filter f;
    json_t *ips = NULL, *hps = NULL, *ports = NULL, *protos = NULL, *ip, *hp, *pt;
    size_t i, j, k;
    int r;

    if ((r = ap_intel_top(st, o, "src_ip", &ips)) != 0)
        return r;
    json_array_foreach(ips, i, ip) {
        json_t *meta;
        base_filter(o, &f);
        f.src_ip = json_string_value(json_object_get(ip, "value"));
        if (ap_store_top(st, "honeypot", &f, 20, &hps) != 0)
            continue;
        if ((meta = p0f_meta(st, o, f.src_ip)) == NULL) {
            json_decref(hps);
            hps = NULL;
            continue;
        }
        json_array_foreach(hps, j, hp) {
            f.honeypot = json_string_value(json_object_get(hp, "value"));
            /* MHN left out p0f's sessions (protocol "pcap"): they are
             * the metadata, not attacks */
            if (f.honeypot == NULL || strcmp(f.honeypot, "p0f") == 0)
                continue;
            f.dst_port = 0;
            if (ap_store_top(st, "dst_port", &f, 50, &ports) != 0)
                continue;
            json_array_foreach(ports, k, pt) {
                const char *proto = "";
                f.dst_port = (int)json_integer_value(json_object_get(pt, "value"));
                if (ap_store_top(st, "protocol", &f, 1, &protos) == 0 &&
                    json_string_value(json_object_get(json_array_get(protos, 0), "value")))
                    proto = json_string_value(json_object_get(json_array_get(protos, 0), "value"));
                if (*proto == '\0' && f.dst_port == 3389)
                    proto = "RDP"; /* as MHN did */
                if (strcmp(proto, "pcap") != 0 && strcmp(proto, "ftpdatalisten") != 0)
                    json_array_append_new(
                        data, json_pack("{s:s, s:s, s:s, s:i, s:O, s:O}", "source_ip",
                                        f.src_ip, "honeypot", f.honeypot, "protocol",
                                        proto, "destination_port", f.dst_port, "count",
                                        json_object_get(pt, "count"), "meta", meta));
                json_decref(protos);
                protos = NULL;
            }
            json_decref(ports);
            ports = NULL;
        }
        json_decref(hps);
        json_decref(meta);
        hps = NULL;
    }
    json_decref(ips);
    return 0;
}

int
ap_intel_feed(struct ap_store *st, const struct ap_intel_opts *o, json_t **out)
{
    json_t *data = json_array(), *doc;
    int r;

    if (data == NULL)
        return AP_ENOMEM;
    if ((r = feed_rows(st, o, data)) != 0) {
        json_decref(data);
        return r;
    }
    doc = json_pack("{s:o, s:{s:I, s:s, s:{s:I}}}", "data", data, "meta", "size",
                    (json_int_t)json_array_size(data), "query", "intel_feed",
                    "options", "limit", (json_int_t)lim(o));
    if (doc == NULL)
        return AP_ENOMEM;
    *out = doc;
    return 0;
}

/* A tag for MHN's CSV: commas removed, tabs and control bytes as spaces. */
static int
put_tag(struct ap_buf *out, const char *s)
{
    int r = 0;

    for (; *s && r == 0; s++)
        if (*s != ',')
            r = ap_buf_append(out, (unsigned char)*s < 0x20 || *s == 0x7f ? " " : s, 1);
    return r;
}

/* MHN's CSV tags end with p0f's app, os and link of the first metadata
 * record. */
static int
p0f_tags(struct ap_buf *tags, const json_t *meta)
{
    static const char *const fields[] = {"app", "os", "link"};
    const json_t *doc = json_array_get(meta, 0);
    const char *v;
    size_t k;
    int r = 0;

    for (k = 0; doc && k < sizeof(fields) / sizeof(fields[0]); k++)
        if ((v = json_string_value(json_object_get(doc, fields[k]))) != NULL) {
            r |= ap_buf_puts(tags, ",");
            r |= put_tag(tags, v);
        }
    return r;
}

int
ap_intel_feed_csv(struct ap_store *st, const struct ap_intel_opts *o, struct ap_buf *out)
{
    json_t *data = json_array(), *row, *meta = NULL;
    struct ap_buf tags;
    const char *last = NULL;
    size_t i;
    long long total = 0;
    int r;

    if (data == NULL)
        return AP_ENOMEM;
    ap_buf_init(&tags, 1 << 20);
    if ((r = feed_rows(st, o, data)) != 0)
        goto out;
    r = ap_buf_puts(out, "source_ip\tcount\ttags\n");
    /* MHN: one row per source with the summed count and the tags
     * (honeypot, protocol, port-N) of its groups, comma-joined. Rows of
     * one source are adjacent (feed_rows walks source by source). */
    json_array_foreach(data, i, row) {
        const char *ip = json_string_value(json_object_get(row, "source_ip"));
        if (last != NULL && strcmp(last, ip) != 0) {
            r |= p0f_tags(&tags, meta);
            r |= ap_buf_printf(out, "%s\t%lld\t%s\n", last, total, ap_buf_cstr(&tags));
            ap_buf_reset(&tags);
            total = 0;
        }
        last = ip;
        meta = json_object_get(row, "meta");
        total += json_integer_value(json_object_get(row, "count"));
        if (ap_buf_len(&tags))
            r |= ap_buf_puts(&tags, ",");
        r |= put_tag(&tags, json_string_value(json_object_get(row, "honeypot")));
        r |= ap_buf_puts(&tags, ",");
        r |= put_tag(&tags, json_string_value(json_object_get(row, "protocol")));
        r |= ap_buf_printf(&tags, ",port-%lld",
                           (long long)json_integer_value(json_object_get(row, "destination_port")));
    }
    if (last != NULL) {
        r |= p0f_tags(&tags, meta);
        r |= ap_buf_printf(out, "%s\t%lld\t%s\n", last, total, ap_buf_cstr(&tags));
    }
    r = r ? AP_ETOOBIG : 0;
out:
    ap_buf_release(&tags);
    json_decref(data);
    return r;
}

int
ap_intel_blocklist(struct ap_store *st, const struct ap_intel_opts *o, struct ap_buf *out)
{
    json_t *ips = NULL, *row;
    size_t i;
    int r;

    if ((r = ap_intel_top(st, o, "src_ip", &ips)) != 0)
        return r;
    json_array_foreach(ips, i, row) {
        if ((r = ap_buf_printf(out, "%s\n",
                               json_string_value(json_object_get(row, "value")))) != 0)
            break;
    }
    json_decref(ips);
    return r;
}

/* One CSV cell: always quoted, quotes doubled, backslash and control
 * bytes escaped (\\, \xNN) so a row stays one line, and a leading = + -
 * @ gets a ' so spreadsheets do not run attacker formulas. */
static int
csv_cell(struct ap_buf *out, const char *s)
{
    static const char hexd[] = "0123456789abcdef";
    int r = ap_buf_puts(out, "\"");

    if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
        r |= ap_buf_puts(out, "'");
    for (; s && *s && r == 0; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"')
            r = ap_buf_puts(out, "\"\"");
        else if (c == '\\')
            r = ap_buf_puts(out, "\\\\");
        else if (c < 0x20 || c == 0x7f) {
            char e[4] = {'\\', 'x', hexd[c >> 4], hexd[c & 15]};
            r = ap_buf_append(out, e, 4);
        } else
            r = ap_buf_append(out, s, 1);
    }
    return r | ap_buf_puts(out, "\"");
}

int
ap_intel_creds_csv(struct ap_store *st, const struct ap_intel_opts *o, struct ap_buf *out)
{
    struct ap_filter f;
    json_t *c = NULL, *row;
    static const char *const kinds[][2] = {
        {"usernames", "username"}, {"passwords", "password"}, {"credentials", "pair"}};
    size_t i, k;
    int r;

    base_filter(o, &f);
    if ((r = ap_store_credentials(st, &f, lim(o), &c)) != 0)
        return r;
    r = ap_buf_puts(out, "kind,value,username,password,count\n");
    for (k = 0; k < 3 && r == 0; k++) {
        json_array_foreach(json_object_get(c, kinds[k][0]), i, row) {
            const char *v = json_string_value(json_object_get(row, "value"));
            r |= ap_buf_printf(out, "%s,", kinds[k][1]);
            r |= csv_cell(out, v);
            r |= ap_buf_puts(out, ",");
            r |= csv_cell(out, k == 2 ? json_string_value(json_object_get(row, "username")) : "");
            r |= ap_buf_puts(out, ",");
            r |= csv_cell(out, k == 2 ? json_string_value(json_object_get(row, "password")) : "");
            r |= ap_buf_printf(out, ",%lld\n",
                               (long long)json_integer_value(json_object_get(row, "count")));
        }
    }
    json_decref(c);
    return r ? AP_ETOOBIG : 0;
}
