/*
 * STIX 2.1 bundles and MISP events from the store (intel.h).
 *
 * STIX: one identity (this honeynet), then per source address, URL and
 * SHA-256: the cyber-observable (deterministic UUIDv5 id from its value,
 * as STIX 2.1 section 2.9 prescribes), an indicator (UUIDv5 of Apiary's
 * namespace and the value, so re-exports keep the id), an observed-data
 * (first/last seen, count) and a sighting tying them together.
 * Timestamps are RFC 3339 UTC with millisecond precision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "intel.h"
#include "store.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/util.h"
#include "ap/common.h"

/* STIX 2.1 SCO namespace; Apiary's own namespace (random, fixed). */
static const uint8_t ns_sco[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                   0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};
static const uint8_t ns_apiary[16] = {0x6f, 0x1d, 0x2c, 0x3e, 0x8a, 0x4b, 0x4f, 0x0e,
                                      0x9d, 0x55, 0x21, 0x7a, 0xc4, 0x90, 0x3b, 0x18};

static void
uuid_fmt(const uint8_t u[16], const char *type, char *out, size_t len)
{
    char h[33];

    ap_hex(u, 16, h);
    snprintf(out, len, "%s--%.8s-%.4s-%.4s-%.4s-%.12s", type, h, h + 8, h + 12, h + 16,
             h + 20);
}

static void
uuid5(const uint8_t ns[16], const char *name, const char *type, char *out, size_t len)
{
    uint8_t d[EVP_MAX_MD_SIZE], u[16];
    unsigned int dl = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    memset(d, 0, sizeof(d));
    if (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1) {
        EVP_DigestUpdate(ctx, ns, 16);
        EVP_DigestUpdate(ctx, name, strlen(name));
        EVP_DigestFinal_ex(ctx, d, &dl);
    }
    EVP_MD_CTX_free(ctx);
    memcpy(u, d, 16);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x50);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    uuid_fmt(u, type, out, len);
}

static void
uuid4(const char *type, char *out, size_t len)
{
    uint8_t u[16];

    (void)ap_random_bytes(u, sizeof(u));
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    uuid_fmt(u, type, out, len);
}

/* RFC 3339, UTC, milliseconds: "2026-11-29T08:00:01.123Z". */
static void
ts_ms(int64_t us, char *out, size_t len)
{
    char full[40];

    ap_format_time_us(us, full, sizeof(full));
    snprintf(out, len, "%.23sZ", full);
}

static void
iso_to_ms(const char *iso, int64_t dflt, char *out, size_t len)
{
    int64_t us;

    if (iso == NULL || ap_time_parse_iso(iso, &us) != 0)
        us = dflt;
    ts_ms(us, out, len);
}

/* A STIX pattern string literal: ' and \ backslashed. */
static void
pattern_lit(const char *s, char *out, size_t len)
{
    size_t o = 0;

    for (; *s && o + 3 < len; s++) {
        if (*s == '\'' || *s == '\\')
            out[o++] = '\\';
        out[o++] = *s;
    }
    out[o] = '\0';
}

struct kind {
    const char *dim, *field; /* store dimension / filter field */
};

/* first/last of v from an ap_intel_seen map ("" when not seen). */
static void
seen_of(const json_t *seen, const char *v, char *first, char *last, size_t len)
{
    const json_t *s = json_object_get(seen, v);
    const char *a = json_string_value(json_object_get(s, "first_seen"));
    const char *b = json_string_value(json_object_get(s, "last_seen"));

    snprintf(first, len, "%s", a ? a : "");
    snprintf(last, len, "%s", b ? b : "");
}

static int
add_objects(json_t *objs, struct ap_store *st, const struct ap_intel_opts *o,
            const struct kind *k, const char *ident, const char *now, int64_t now_us)
{
    json_t *rows = NULL, *row, *sco, *seen = NULL;
    char sco_id[128], ind_id[128], od_id[128], sg_id[128], name[2300];
    char lit[4200], pat[4400], first[64], last[64], f_ms[40], l_ms[40];
    size_t i;
    int r;

    if ((r = ap_intel_top(st, o, k->dim, &rows)) != 0)
        return r;
    if ((r = ap_intel_seen(st, o, k->field, rows, &seen)) != 0) {
        json_decref(rows);
        return r;
    }
    json_array_foreach(rows, i, row) {
        const char *v = json_string_value(json_object_get(row, "value"));
        json_int_t count = json_integer_value(json_object_get(row, "count"));
        if (v == NULL || *v == '\0' || strlen(v) > 2048)
            continue;
        seen_of(seen, v, first, last, sizeof(first));
        iso_to_ms(first, o->since_us ? o->since_us : now_us, f_ms, sizeof(f_ms));
        iso_to_ms(last, now_us, l_ms, sizeof(l_ms));
        pattern_lit(v, lit, sizeof(lit));
        if (strcmp(k->dim, "src_ip") == 0) {
            const char *t = strchr(v, ':') ? "ipv6-addr" : "ipv4-addr";
            snprintf(name, sizeof(name), "{\"value\":\"%s\"}", v);
            uuid5(ns_sco, name, t, sco_id, sizeof(sco_id));
            sco = json_pack("{s:s, s:s, s:s, s:s}", "type", t, "spec_version", "2.1",
                            "id", sco_id, "value", v);
            snprintf(pat, sizeof(pat), "[%s:value = '%s']", t, lit);
            snprintf(name, sizeof(name), "Honeypot attacker %s", v);
        } else if (strcmp(k->dim, "url") == 0) {
            json_t *nm = json_pack("{s:s}", "value", v);
            char *cj = json_dumps(nm, JSON_COMPACT);
            uuid5(ns_sco, cj ? cj : v, "url", sco_id, sizeof(sco_id));
            free(cj);
            json_decref(nm);
            sco = json_pack("{s:s, s:s, s:s, s:s}", "type", "url", "spec_version", "2.1",
                            "id", sco_id, "value", v);
            snprintf(pat, sizeof(pat), "[url:value = '%s']", lit);
            snprintf(name, sizeof(name), "URL fetched by honeypot attackers");
        } else {
            snprintf(name, sizeof(name), "{\"hashes\":{\"SHA-256\":\"%s\"}}", v);
            uuid5(ns_sco, name, "file", sco_id, sizeof(sco_id));
            sco = json_pack("{s:s, s:s, s:s, s:{s:s}}", "type", "file", "spec_version",
                            "2.1", "id", sco_id, "hashes", "SHA-256", v);
            snprintf(pat, sizeof(pat), "[file:hashes.'SHA-256' = '%s']", lit);
            snprintf(name, sizeof(name), "File captured by Apiary honeypots");
        }
        {
            char key[2200];
            snprintf(key, sizeof(key), "indicator:%s:%s", k->dim, v);
            uuid5(ns_apiary, key, "indicator", ind_id, sizeof(ind_id));
        }
        uuid4("observed-data", od_id, sizeof(od_id));
        uuid4("sighting", sg_id, sizeof(sg_id));
        json_array_append_new(objs, sco);
        json_array_append_new(
            objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, s:s}",
                            "type", "indicator", "spec_version", "2.1", "id", ind_id,
                            "created", now, "modified", now, "created_by_ref", ident,
                            "name", name, "indicator_types", "malicious-activity",
                            "pattern", pat, "pattern_type", "stix", "valid_from", f_ms));
        json_array_append_new(
            objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:[s]}", "type",
                            "observed-data", "spec_version", "2.1", "id", od_id, "created",
                            now, "modified", now, "created_by_ref", ident,
                            "first_observed", f_ms, "last_observed", l_ms,
                            "number_observed", count > 0 ? count : 1, "object_refs",
                            sco_id));
        json_array_append_new(
            objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:[s], s:[s]}",
                            "type", "sighting", "spec_version", "2.1", "id", sg_id,
                            "created", now, "modified", now, "created_by_ref", ident,
                            "sighting_of_ref", ind_id, "first_seen", f_ms, "last_seen",
                            l_ms, "count", count > 0 ? count : 1, "observed_data_refs",
                            od_id, "where_sighted_refs", ident));
    }
    json_decref(rows);
    json_decref(seen);
    return 0;
}

static const struct kind kinds[] = {
    {"src_ip", "src_ip"},
    {"url", "url"},
    {"sha256", "sha256"},
};

int
ap_intel_stix(struct ap_store *st, const struct ap_intel_opts *o, int64_t now_us,
              json_t **out)
{
    json_t *objs = json_array(), *bundle;
    char now[40], ident[128], bid[128];
    size_t i;
    int r;

    if (objs == NULL)
        return AP_ENOMEM;
    ts_ms(now_us, now, sizeof(now));
    uuid5(ns_apiary, "identity:apiary", "identity", ident, sizeof(ident));
    json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type",
                                          "identity", "spec_version", "2.1", "id", ident,
                                          "created", "2026-01-01T00:00:00.000Z", "modified",
                                          "2026-01-01T00:00:00.000Z", "name",
                                          "Apiary honeynet", "identity_class", "system"));
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if ((r = add_objects(objs, st, o, &kinds[i], ident, now, now_us)) != 0) {
            json_decref(objs);
            return r;
        }
    uuid4("bundle", bid, sizeof(bid));
    if ((bundle = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", bid, "objects",
                            objs)) == NULL)
        return AP_ENOMEM;
    *out = bundle;
    return 0;
}

int
ap_intel_misp(struct ap_store *st, const struct ap_intel_opts *o, int64_t now_us,
              json_t **out)
{
    static const char *const types[] = {"ip-src", "url", "sha256"};
    static const char *const cats[] = {"Network activity", "Network activity",
                                       "Payload delivery"};
    json_t *attrs = json_array(), *rows = NULL, *row, *ev, *seen = NULL;
    char u[128], first[64], last[64], comment[200], date[16], stamp[24];
    size_t i, k;
    int r;

    if (attrs == NULL)
        return AP_ENOMEM;
    snprintf(stamp, sizeof(stamp), "%lld", (long long)(now_us / 1000000));
    ts_ms(now_us, first, sizeof(first));
    snprintf(date, sizeof(date), "%.10s", first);
    for (k = 0; k < 3; k++) {
        if ((r = ap_intel_top(st, o, kinds[k].dim, &rows)) != 0 ||
            (r = ap_intel_seen(st, o, kinds[k].field, rows, &seen)) != 0) {
            json_decref(rows);
            json_decref(attrs);
            return r;
        }
        json_array_foreach(rows, i, row) {
            const char *v = json_string_value(json_object_get(row, "value"));
            json_t *a;
            if (v == NULL || *v == '\0')
                continue;
            seen_of(seen, v, first, last, sizeof(first));
            uuid4("x", u, sizeof(u));
            snprintf(comment, sizeof(comment), "%lld honeypot events",
                     (long long)json_integer_value(json_object_get(row, "count")));
            a = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "uuid", u + 3, "type",
                          types[k], "category", cats[k], "value", v, "to_ids", 1,
                          "comment", comment, "timestamp", stamp);
            if (a && first[0])
                json_object_set_new(a, "first_seen", json_string(first));
            if (a && last[0])
                json_object_set_new(a, "last_seen", json_string(last));
            if (a)
                json_array_append_new(attrs, a);
        }
        json_decref(rows);
        json_decref(seen);
        rows = seen = NULL;
    }
    uuid4("x", u, sizeof(u));
    ev = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s}, s:[{s:s}], s:o}}",
                   "Event", "uuid", u + 3, "info", "Apiary honeypot activity", "date",
                   date, "timestamp", stamp, "threat_level_id", "3", "analysis", "2",
                   "distribution", "0", "published", 0, "Orgc", "name", "Apiary", "Tag",
                   "name", "apiary:honeypot", "Attribute", attrs);
    if (ev == NULL)
        return AP_ENOMEM;
    *out = ev;
    return 0;
}
