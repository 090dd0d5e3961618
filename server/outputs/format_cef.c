/*
 * ArcSight CEF (Common Event Format, rev. 25):
 *   CEF:Version|Device Vendor|Device Product|Device Version|
 *       Device Event Class ID|Name|Severity|Extension
 * Header fields escape \ and |; extension values escape \ and =; newlines
 * become \n and \r (the spec's escapes), other control bytes a space.
 *
 * Apiary's header (default): vendor Apiary, product Apiary, device version
 * "1.0" (the version of this field mapping, not of the software, so a
 * parser keyed on it does not change with every release), class = the
 * canonical event type, severity from ap_event_severity10.
 *
 * cef_mhn: MHN hpfeeds-logger's arcsight formatter, field for field
 * (mhn-reference.md C6): "<time> CEF:0|ThreatStream|MHN|1.0|<type>|
 * <signature>|<10/5/3/1>|" and its extension keys, but escaped.
 */
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "ap/event.h"
#include "ap/common.h"

struct ext {
    struct ap_buf *out;
    int first;
    int err;
};

static void
ext_raw(struct ext *x, const char *key, const char *s, size_t n)
{
    if (x->err)
        return;
    if ((!x->first && (x->err = ap_buf_puts(x->out, " ")) != 0) ||
        (x->err = ap_buf_puts(x->out, key)) != 0 ||
        (x->err = ap_buf_puts(x->out, "=")) != 0 ||
        (x->err = ap_esc_cef_ext(x->out, s, n)) != 0)
        return;
    x->first = 0;
}

static void
ext_str(struct ext *x, const char *key, const char *s)
{
    if (s != NULL && *s != '\0')
        ext_raw(x, key, s, strlen(s));
}

/* An event field: strings with their full length, non-zero numbers. */
static void
ext_field(struct ext *x, const char *key, const json_t *ev, const char *field)
{
    const json_t *v = json_object_get(ev, field);
    char num[48];

    if (json_is_string(v) && json_string_length(v) > 0) {
        ext_raw(x, key, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v) && json_integer_value(v) != 0) {
        (void)snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        ext_raw(x, key, num, strnlen(num, sizeof(num)));
    } else if (json_is_real(v) && json_real_value(v) != 0.0) {
        (void)snprintf(num, sizeof(num), "%.6f", json_real_value(v));
        ext_raw(x, key, num, strnlen(num, sizeof(num)));
    }
}

/* A custom string pair: csNLabel=label csN=value, only if value is set. */
static void
ext_custom(struct ext *x, int i, const char *label, const json_t *ev,
           const char *field)
{
    char k[16], kl[24];

    if (!json_is_string(json_object_get(ev, field)) ||
        json_string_length(json_object_get(ev, field)) == 0)
        return;
    snprintf(k, sizeof(k), "cs%d", i);
    snprintf(kl, sizeof(kl), "cs%dLabel", i);
    ext_str(x, kl, label);
    ext_field(x, k, ev, field);
}

static int
header_field(struct ap_buf *out, const char *s)
{
    int r;

    if ((r = ap_esc_cef_header(out, s ? s : "", s ? strlen(s) : 0)) != 0)
        return r;
    return ap_buf_puts(out, "|");
}

static void
upper(char *dst, size_t len, const char *s)
{
    size_t i;

    for (i = 0; s && s[i] && i + 1 < len; i++)
        dst[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    dst[len ? (i < len ? i : len - 1) : 0] = '\0';
}

static int
cef_mhn(const json_t *ev, struct ap_buf *out)
{
    struct ap_mhn_view mv;
    struct ext x = {out, 1, 0};
    const char *ts = ap_ev_str(ev, "ts"), *tr = ap_ev_str(ev, "transport");
    const char *type = ap_ev_str(ev, "type");
    char sev[8];
    int r;

    ap_mhn_view(ev, &mv);
    snprintf(sev, sizeof(sev), "%d",
             strcmp(mv.severity, "high") == 0     ? 10
             : strcmp(mv.severity, "medium") == 0 ? 5
             : strcmp(mv.severity, "low") == 0    ? 3
                                                  : 1);
    if ((r = ap_esc_cef_header(out, ts ? ts : "", ts ? strlen(ts) : 0)) != 0 ||
        (r = ap_buf_puts(out, " CEF:0|ThreatStream|MHN|1.0|")) != 0 ||
        (r = header_field(out, mv.type)) != 0 ||
        (r = header_field(out, mv.signature)) != 0 ||
        (r = header_field(out, sev)) != 0)
        return r;
    ext_field(&x, "src", ev, "src_ip");
    ext_field(&x, "spt", ev, "src_port");
    ext_field(&x, "dst", ev, "dst_ip");
    ext_field(&x, "dpt", ev, "dst_port");
    if (tr && *tr)
        ext_str(&x, "proto", tr);
    else
        ext_field(&x, "proto", ev, "protocol");
    ext_str(&x, "deviceDirection", "0");
    ext_str(&x, "cs1", mv.vendor_product);
    ext_str(&x, "cs1Label", "vendor_product");
    ext_str(&x, "cs2", "network");
    ext_str(&x, "cs2Label", "ids_type");
    ext_str(&x, "cs3", mv.app);
    ext_str(&x, "cs3Label", "app");
    if (type && strcmp(type, "request") == 0)
        ext_field(&x, "request", ev, "path");
    return x.err;
}

static int
cef_apiary(const json_t *ev, struct ap_buf *out)
{
    struct ap_mhn_view mv;
    struct ext x = {out, 1, 0};
    const char *type = ap_ev_str(ev, "type");
    char sev[8], num[32], proto[16];
    int64_t us = ap_event_ts_us(ev);
    int r;

    if (type == NULL)
        type = "";
    ap_mhn_view(ev, &mv);
    snprintf(sev, sizeof(sev), "%d", ap_event_severity10(ev));
    if ((r = ap_buf_puts(out, "CEF:0|Apiary|Apiary|1.0|")) != 0 ||
        (r = header_field(out, type)) != 0 ||
        (r = header_field(out, mv.signature)) != 0 ||
        (r = header_field(out, sev)) != 0)
        return r;
    if (us > 0) {
        snprintf(num, sizeof(num), "%lld", (long long)(us / 1000));
        ext_str(&x, "rt", num);
    }
    ext_field(&x, "cat", ev, "type");
    ext_field(&x, "externalId", ev, "id");
    ext_field(&x, "dvchost", ev, "sensor");
    ext_field(&x, "src", ev, "src_ip");
    ext_field(&x, "spt", ev, "src_port");
    ext_field(&x, "dst", ev, "dst_ip");
    ext_field(&x, "dpt", ev, "dst_port");
    upper(proto, sizeof(proto), ap_ev_str(ev, "transport"));
    ext_str(&x, "proto", proto);
    ext_field(&x, "app", ev, "protocol");
    ext_custom(&x, 1, "honeypot", ev, "honeypot");
    ext_custom(&x, 2, "session", ev, "session");
    if (strcmp(type, "login") == 0) {
        ext_field(&x, "suser", ev, "username");
        ext_custom(&x, 3, "password", ev, "password");
        ext_str(&x, "outcome",
                json_is_true(json_object_get(ev, "success")) ? "success" : "failure");
    } else if (strcmp(type, "command") == 0) {
        ext_custom(&x, 3, "command", ev, "command");
    } else if (strcmp(type, "download") == 0 || strcmp(type, "upload") == 0) {
        ext_field(&x, "request", ev, "url");
        ext_field(&x, "fileHash", ev, "sha256");
        ext_field(&x, "fname", ev, "filename");
        ext_field(&x, "fsize", ev, "size");
    } else if (strcmp(type, "request") == 0) {
        ext_field(&x, "request", ev, "path");
        ext_field(&x, "requestMethod", ev, "method");
        ext_field(&x, "requestClientApplication", ev, "user_agent");
    } else if (strcmp(type, "fingerprint") == 0) {
        ext_custom(&x, 3, "clientVersion", ev, "client_version");
        ext_custom(&x, 4, "os", ev, "os");
        ext_custom(&x, 6, "hassh", ev, "hassh");
    } else if (strcmp(type, "alert") == 0) {
        ext_field(&x, "cn2", ev, "signature_id");
        if (json_object_get(ev, "signature_id"))
            ext_str(&x, "cn2Label", "signatureId");
        ext_custom(&x, 3, "category", ev, "category");
    } else if (strcmp(type, "tunnel") == 0) {
        ext_custom(&x, 3, "tunnelTarget", ev, "target_host");
        ext_field(&x, "cn2", ev, "target_port");
        if (json_object_get(ev, "target_port"))
            ext_str(&x, "cn2Label", "tunnelPort");
    } else if (strcmp(type, "error") == 0) {
        ext_field(&x, "msg", ev, "reason");
    }
    ext_custom(&x, 5, "srcCountry", ev, "src_country");
    ext_field(&x, "cn1", ev, "src_asn");
    if (ap_ev_int(ev, "src_asn") != 0)
        ext_str(&x, "cn1Label", "srcAsn");
    ext_field(&x, "slat", ev, "src_lat");
    ext_field(&x, "slong", ev, "src_lon");
    return x.err;
}

int
ap_fmt_cef(const json_t *ev, int mhn, struct ap_buf *out)
{
    return mhn ? cef_mhn(ev, out) : cef_apiary(ev, out);
}
