/*
 * glastopf.events: time ("Y-m-d H:M:S", sensor local time: taken as UTC),
 * source [ip, port] (or source_ip/source_port), request_raw (new) or a
 * request object {method, url, header, body, version} (old), request_url,
 * pattern (rfi, lfi, sqli, robots, unknown -> classification), filename,
 * file_sha256, sensor_ip/sensor_port.  One request event; an injected
 * file (RFI) adds a download event.
 */
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

static json_t *
base(struct ad_ctx *c, const json_t *o, enum ap_event_type t)
{
    const json_t *src = json_object_get(o, "source");
    long long sport = -1;
    int dport = ad_port(o, "sensor_port");
    const char *ip = ad_str(o, "source_ip");
    json_t *ev = ad_event(c, t, "glastopf", ad_time(o, "time"));

    if (ev == NULL)
        return NULL;
    if (ip == NULL)
        ip = json_string_value(json_array_get(src, 0));
    if (ad_int(o, "source_port", &sport) != 0 &&
        ad_intv(json_array_get(src, 1), &sport) != 0)
        sport = -1;
    ad_set_addr(c, ev, ip, sport > 65535 ? -1 : (int)sport,
                ad_str(o, "sensor_ip"), dport >= 0 ? dport : 80);
    ad_set_str(c, ev, "transport", "tcp");
    ad_set_str(c, ev, "protocol", "http");
    return ev;
}

int
ad_glastopf_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const json_t *req;
    const char *raw, *sha;

    if (o == NULL)
        return AP_EINVAL;
    if (ad_str(o, "source_ip") == NULL && ad_ip(o, "source") == NULL) {
        json_decref(o);
        return ad_fail(c, "glastopf event without source");
    }
    if ((ev = base(c, o, AP_EV_REQUEST)) != NULL) {
        raw = ad_str(o, "request_raw");
        req = json_object_get(o, "request");
        if (raw != NULL) {
            ad_http_raw(c, ev, raw, strlen(raw));
        } else if (json_is_object(req)) {
            const char *body = ad_str(req, "body");
            ad_set_str(c, ev, "method", ad_str(req, "method"));
            ad_set_str(c, ev, "path", ad_str(req, "url"));
            ad_set_str(c, ev, "version", ad_str(req, "version"));
            ad_http_headers(c, ev, json_object_get(req, "header"));
            if (body != NULL)
                ad_set_b64(c, ev, "body", body, strlen(body));
        }
        if (json_object_get(ev, "path") == NULL)
            ad_set_str(c, ev, "path", ad_str(o, "request_url"));
        ad_set_str(c, ev, "classification", ad_str(o, "pattern"));
    }
    sha = ad_str(o, "file_sha256");
    if ((sha != NULL || ad_str(o, "filename") != NULL) &&
        (ev = base(c, o, AP_EV_DOWNLOAD)) != NULL) {
        ad_set_str(c, ev, "sha256", sha);
        ad_set_str(c, ev, "filename", ad_str(o, "filename"));
        ad_set_str(c, ev, "url", ad_str(o, "request_url"));
    }
    json_decref(o);
    return 0;
}
