/*
 * Elastic Common Schema (ECS 8.x) JSON lines for Filebeat/Logstash:
 * the canonical event's fields under ECS names (source.ip, source.port,
 * destination.*, event.*, user.name, url.original, file.hash.sha256,
 * source.geo.*, source.as.number, ...).  Fields ECS has no name for go
 * under "apiary.*" so nothing is lost.
 */
#include <string.h>

#include "format.h"
#include "ap/err.h"
#include "ap/common.h"

/* Get (creating) the object at key in parent; NULL on ENOMEM. */
static json_t *
obj(json_t *parent, const char *key)
{
    json_t *o = json_object_get(parent, key);

    if (o == NULL) {
        o = json_object();
        if (o == NULL || json_object_set_new(parent, key, o) != 0)
            return NULL;
    }
    return o;
}

/* Copy ev[field] into dst[key] if present (deep copy of the value). */
static int
copy(json_t *dst, const char *key, const json_t *ev, const char *field)
{
    json_t *v = json_object_get(ev, field);

    if (v == NULL || dst == NULL)
        return dst == NULL ? AP_ENOMEM : 0;
    return json_object_set_new(dst, key, json_deep_copy(v)) == 0 ? 0 : AP_ENOMEM;
}

static int
set_str(json_t *dst, const char *key, const char *s)
{
    if (dst == NULL)
        return AP_ENOMEM;
    return json_object_set_new(dst, key, json_string(s)) == 0 ? 0 : AP_ENOMEM;
}

static int
set_arr1(json_t *dst, const char *key, const char *s)
{
    json_t *a = json_array();

    if (dst == NULL || a == NULL || json_array_append_new(a, json_string(s)) != 0) {
        json_decref(a);
        return AP_ENOMEM;
    }
    return json_object_set_new(dst, key, a) == 0 ? 0 : AP_ENOMEM;
}

/* event.category / event.type per canonical type (ECS allowed values). */
static void
ecs_categories(const char *type, const char **cat, const char **etype)
{
    *cat = "network";
    *etype = "connection";
    if (strcmp(type, "login") == 0) {
        *cat = "authentication";
        *etype = "start";
    } else if (strcmp(type, "command") == 0) {
        *cat = "process";
        *etype = "start";
    } else if (strcmp(type, "download") == 0 || strcmp(type, "upload") == 0) {
        *cat = "file";
        *etype = "creation";
    } else if (strcmp(type, "alert") == 0 || strcmp(type, "scan") == 0) {
        *cat = "intrusion_detection";
        *etype = "info";
    } else if (strcmp(type, "request") == 0) {
        *cat = "web";
        *etype = "access";
    } else if (strcmp(type, "disconnect") == 0) {
        *etype = "end";
    } else if (strcmp(type, "fingerprint") == 0 || strcmp(type, "error") == 0 ||
               strcmp(type, "data") == 0) {
        *etype = "info";
    }
}

json_t *
ap_fmt_ecs_object(const json_t *ev)
{
    const char *type = ap_ev_str(ev, "type"), *cat, *etype;
    json_t *d = json_object(), *e, *src, *ap;
    struct ap_mhn_view mv;
    char dataset[64];
    int r = 0;

    if (d == NULL)
        return NULL;
    if (type == NULL)
        type = "";
    ap_mhn_view(ev, &mv);
    ecs_categories(type, &cat, &etype);
    snprintf(dataset, sizeof(dataset), "apiary.%s", type);
    r |= copy(d, "@timestamp", ev, "ts");
    r |= set_str(obj(d, "ecs"), "version", "8.11.0");
    e = obj(d, "event");
    r |= copy(e, "id", ev, "id");
    r |= set_str(e, "kind", strcmp(type, "alert") == 0 ? "alert" : "event");
    r |= set_arr1(e, "category", cat);
    r |= set_arr1(e, "type", etype);
    r |= set_str(e, "action", type);
    r |= set_str(e, "dataset", dataset);
    r |= set_str(e, "module", "apiary");
    r |= json_object_set_new(e, "severity",
                             json_integer(ap_event_severity10(ev))) ? AP_ENOMEM : 0;
    r |= copy(e, "ingested", ev, "rx_ts");
    if (strcmp(type, "login") == 0)
        r |= set_str(e, "outcome",
                     json_is_true(json_object_get(ev, "success")) ? "success"
                                                                  : "failure");
    r |= set_str(d, "message", mv.signature);
    r |= copy(obj(d, "observer"), "name", ev, "sensor");
    r |= set_str(obj(d, "observer"), "type", "honeypot");
    r |= copy(obj(d, "observer"), "product", ev, "honeypot");

    if (json_object_get(ev, "src_ip") || json_object_get(ev, "src_port")) {
        src = obj(d, "source");
        r |= copy(src, "ip", ev, "src_ip");
        r |= copy(src, "port", ev, "src_port");
        if (json_object_get(ev, "src_country") || json_object_get(ev, "src_city")) {
            json_t *g = obj(src, "geo");
            r |= copy(g, "country_iso_code", ev, "src_country");
            r |= copy(g, "city_name", ev, "src_city");
            if (json_object_get(ev, "src_lat") && json_object_get(ev, "src_lon")) {
                r |= copy(obj(g, "location"), "lat", ev, "src_lat");
                r |= copy(obj(g, "location"), "lon", ev, "src_lon");
            }
        }
        if (json_object_get(ev, "src_asn"))
            r |= copy(obj(src, "as"), "number", ev, "src_asn");
        if (json_object_get(ev, "src_org"))
            r |= copy(obj(obj(src, "as"), "organization"), "name", ev, "src_org");
    }
    if (json_object_get(ev, "dst_ip") || json_object_get(ev, "dst_port")) {
        json_t *dst = obj(d, "destination");
        r |= copy(dst, "ip", ev, "dst_ip");
        r |= copy(dst, "port", ev, "dst_port");
        if (json_object_get(ev, "dst_country"))
            r |= copy(obj(dst, "geo"), "country_iso_code", ev, "dst_country");
        if (json_object_get(ev, "dst_asn"))
            r |= copy(obj(dst, "as"), "number", ev, "dst_asn");
    }
    if (json_object_get(ev, "transport") || json_object_get(ev, "protocol")) {
        r |= copy(obj(d, "network"), "transport", ev, "transport");
        r |= copy(obj(d, "network"), "protocol", ev, "protocol");
    }
    if (json_object_get(ev, "username"))
        r |= copy(obj(d, "user"), "name", ev, "username");
    if (json_object_get(ev, "command"))
        r |= copy(obj(d, "process"), "command_line", ev, "command");
    if (json_object_get(ev, "url"))
        r |= copy(obj(d, "url"), "original", ev, "url");
    else if (json_object_get(ev, "path"))
        r |= copy(obj(d, "url"), "original", ev, "path");
    if (json_object_get(ev, "sha256") || json_object_get(ev, "md5") ||
        json_object_get(ev, "filename") || json_object_get(ev, "size")) {
        json_t *f = obj(d, "file");
        if (json_object_get(ev, "sha256") || json_object_get(ev, "md5")) {
            r |= copy(obj(f, "hash"), "sha256", ev, "sha256");
            r |= copy(obj(f, "hash"), "md5", ev, "md5");
        }
        r |= copy(f, "name", ev, "filename");
        r |= copy(f, "size", ev, "size");
    }
    if (json_object_get(ev, "method") && strcmp(type, "request") == 0)
        r |= copy(obj(obj(d, "http"), "request"), "method", ev, "method");
    if (json_object_get(ev, "status"))
        r |= copy(obj(obj(d, "http"), "response"), "status_code", ev, "status");
    if (json_object_get(ev, "user_agent"))
        r |= copy(obj(d, "user_agent"), "original", ev, "user_agent");
    if (json_object_get(ev, "signature")) {
        r |= copy(obj(d, "rule"), "name", ev, "signature");
        r |= copy(obj(d, "rule"), "id", ev, "signature_id");
        r |= copy(obj(d, "rule"), "category", ev, "category");
    }
    if (json_object_get(ev, "ja3"))
        r |= copy(obj(obj(d, "tls"), "client"), "ja3", ev, "ja3");
    if (json_object_get(ev, "os"))
        r |= copy(obj(obj(d, "host"), "os"), "full", ev, "os");
    if (json_is_number(json_object_get(ev, "duration")))
        r |= json_object_set_new(e, "duration",
                                 json_integer((json_int_t)(json_number_value(
                                     json_object_get(ev, "duration")) * 1e9)))
                 ? AP_ENOMEM
                 : 0;
    if (json_object_get(ev, "tags"))
        r |= copy(d, "tags", ev, "tags");

    /* Everything ECS has no name for, under apiary.* */
    ap = obj(d, "apiary");
    r |= copy(ap, "type", ev, "type");
    r |= copy(ap, "sensor", ev, "sensor");
    r |= copy(ap, "honeypot", ev, "honeypot");
    r |= copy(ap, "channel", ev, "channel");
    r |= copy(ap, "session", ev, "session");
    r |= copy(ap, "seq", ev, "seq");
    r |= set_str(ap, "mhn_type", mv.type);
    {
        static const char *const extra[] = {
            "password", "success", "method", "key_type", "key_fp", "known",
            "version", "headers", "body", "classification", "client_version",
            "hassh", "hassh_algorithms", "os_detail", "link", "uptime", "app",
            "terminal", "width", "height", "env", "severity", "kind",
            "target_host", "target_port", "data", "length", "ports", "reason",
            "bytes_in", "bytes_out", "password_b64", "username_b64",
            "command_b64",
        };
        size_t i;

        for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
            r |= copy(ap, extra[i], ev, extra[i]);
    }
    if (r != 0 || e == NULL || ap == NULL) {
        json_decref(d);
        return NULL;
    }
    return d;
}

static int
dump_cb(const char *buf, size_t n, void *data)
{
    return ap_buf_append(data, buf, n) == 0 ? 0 : -1;
}

int
ap_fmt_ecs(const json_t *ev, struct ap_buf *out)
{
    json_t *d = ap_fmt_ecs_object(ev);
    int r = 0;

    if (d == NULL)
        return AP_ENOMEM;
    if (json_dump_callback(d, dump_cb, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
        r = AP_ETOOBIG;
    json_decref(d);
    return r;
}
