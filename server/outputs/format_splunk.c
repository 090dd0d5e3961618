/*
 * Splunk: MHN hpfeeds-logger's splunk formatter (mhn-reference.md C6):
 * "<time> " then key="value" pairs joined by ", ", only non-empty values,
 * src_ip renamed src and dest_ip dest.  Field names and `type` values are
 * the logger's, so the MHN Splunk app's searches keep working.  Two
 * deliberate differences: the time is the event's (MHN wrote the logger's
 * clock), and values are fully escaped (MHN escaped only quotes).
 */
#include <string.h>

#include "format.h"
#include "ap/common.h"

struct kv {
    struct ap_buf *out;
    int first;
    int err;
};

static void
kv_raw(struct kv *k, const char *key, const char *s, size_t n)
{
    if (k->err)
        return;
    if ((!k->first && (k->err = ap_buf_puts(k->out, ", ")) != 0) ||
        (k->err = ap_buf_puts(k->out, key)) != 0 ||
        (k->err = ap_buf_puts(k->out, "=\"")) != 0 ||
        (k->err = ap_esc_splunk(k->out, s, n)) != 0 ||
        (k->err = ap_buf_puts(k->out, "\"")) != 0)
        return;
    k->first = 0;
}

static void
kv_str(struct kv *k, const char *key, const char *s)
{
    if (s != NULL && *s != '\0')
        kv_raw(k, key, s, strlen(s));
}

/* A string field of the event, with its full length (NUL-safe). */
static void
kv_field(struct kv *k, const char *key, const json_t *ev, const char *field)
{
    const json_t *v = json_object_get(ev, field);
    char num[48];

    if (json_is_string(v) && json_string_length(v) > 0) {
        kv_raw(k, key, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v) && json_integer_value(v) != 0) {
        (void)snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        kv_raw(k, key, num, strnlen(num, sizeof(num)));
    } else if (json_is_real(v) && json_real_value(v) != 0.0) {
        (void)snprintf(num, sizeof(num), "%.6g", json_real_value(v));
        kv_raw(k, key, num, strnlen(num, sizeof(num)));
    } else if (json_is_true(v)) {
        kv_raw(k, key, "true", 4);
    }
}

int
ap_fmt_splunk(const json_t *ev, struct ap_buf *out)
{
    struct ap_mhn_view mv;
    struct kv k = {out, 1, 0};
    const char *type = ap_ev_str(ev, "type"), *ts = ap_ev_str(ev, "ts");
    const char *hp = ap_ev_str(ev, "honeypot"), *proto = ap_ev_str(ev, "protocol");
    int shell;
    int r;

    if (type == NULL)
        type = "";
    ap_mhn_view(ev, &mv);
    if ((r = ap_esc_splunk(out, ts ? ts : "", ts ? strlen(ts) : 0)) != 0 ||
        (r = ap_buf_puts(out, " ")) != 0)
        return r;
    kv_str(&k, "type", mv.type);
    kv_field(&k, "sensor", ev, "sensor");
    kv_field(&k, "src", ev, "src_ip");
    kv_field(&k, "src_port", ev, "src_port");
    kv_field(&k, "dest", ev, "dst_ip");
    kv_field(&k, "dest_port", ev, "dst_port");
    kv_str(&k, "transport", ap_ev_str(ev, "transport") ? ap_ev_str(ev, "transport") : "tcp");
    kv_str(&k, "protocol", proto && *proto ? proto : "ip");
    kv_str(&k, "vendor_product", mv.vendor_product);
    kv_str(&k, "direction", "inbound");
    kv_str(&k, "ids_type", "network");
    kv_str(&k, "severity", mv.severity);
    kv_str(&k, "signature", mv.signature);
    kv_str(&k, "app", mv.app);

    shell = (proto && (strcmp(proto, "ssh") == 0 || strcmp(proto, "telnet") == 0)) ||
            (hp && (strcmp(hp, "cowrie") == 0 || strcmp(hp, "kippo") == 0));
    if (strcmp(type, "login") == 0) {
        kv_field(&k, shell ? "ssh_username" : "username", ev, "username");
        kv_field(&k, shell ? "ssh_password" : "password", ev, "password");
        kv_str(&k, "login_success",
               json_is_true(json_object_get(ev, "success")) ? "true" : "false");
    } else if (strcmp(type, "command") == 0) {
        kv_field(&k, "command", ev, "command");
    } else if (strcmp(type, "download") == 0 || strcmp(type, "upload") == 0) {
        kv_field(&k, "url", ev, "url");
        kv_field(&k, "md5", ev, "md5");
        kv_field(&k, "sha256", ev, "sha256");
        kv_field(&k, "filename", ev, "filename");
        kv_field(&k, "file_size", ev, "size");
    } else if (strcmp(type, "request") == 0) {
        kv_field(&k, "request_url", ev, "path");
        kv_field(&k, "http_method", ev, "method");
        kv_field(&k, "user_agent", ev, "user_agent");
        kv_field(&k, "http_status", ev, "status");
        kv_field(&k, "classification", ev, "classification");
    } else if (strcmp(type, "fingerprint") == 0) {
        kv_field(&k, "ssh_version", ev, "client_version");
        kv_field(&k, "p0f_app", ev, "app");
        kv_field(&k, "p0f_link", ev, "link");
        kv_field(&k, "p0f_os", ev, "os");
        kv_field(&k, "p0f_uptime", ev, "uptime");
        kv_field(&k, "hassh", ev, "hassh");
        kv_field(&k, "ja3", ev, "ja3");
    } else if (strcmp(type, "alert") == 0) {
        kv_field(&k, "signature_id", ev, "signature_id");
        kv_field(&k, "ids_priority", ev, "severity");
        kv_field(&k, "ids_category", ev, "category");
    } else if (strcmp(type, "tunnel") == 0) {
        kv_field(&k, "tunnel_kind", ev, "kind");
        kv_field(&k, "tunnel_host", ev, "target_host");
        kv_field(&k, "tunnel_port", ev, "target_port");
    } else if (strcmp(type, "disconnect") == 0) {
        kv_field(&k, "duration", ev, "duration");
    } else if (strcmp(type, "error") == 0) {
        kv_field(&k, "reason", ev, "reason");
    }
    /* Apiary's own fields, then geo under the collector's MHN names. */
    kv_field(&k, "event_type", ev, "type");
    kv_field(&k, "event_id", ev, "id");
    kv_field(&k, "session", ev, "session");
    kv_field(&k, "src_country_code", ev, "src_country");
    kv_field(&k, "src_city", ev, "src_city");
    kv_field(&k, "src_latitude", ev, "src_lat");
    kv_field(&k, "src_longitude", ev, "src_lon");
    kv_field(&k, "src_asn", ev, "src_asn");
    kv_field(&k, "src_org", ev, "src_org");
    kv_field(&k, "dest_country_code", ev, "dst_country");
    return k.err;
}
