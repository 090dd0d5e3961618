/*
 * elastichoney.events: source, @timestamp (RFC 3339), url, method, form,
 * payload, payloadCommand, payloadResource, payloadMd5, headers
 * {user_agent, host, content_type, accept_language}, type (attack or
 * recon -> classification), honeypot (the sensor's address).  Port 9200.
 */
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

int
ad_elastichoney_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const json_t *h;
    const char *payload, *cmd;
    int64_t ts;

    if (o == NULL)
        return AP_EINVAL;
    if (ad_ip(o, "source") == NULL) {
        json_decref(o);
        return ad_fail(c, "elastichoney event without source");
    }
    ts = ad_time(o, "@timestamp");
    h = json_object_get(o, "headers");
    if ((ev = ad_event(c, AP_EV_REQUEST, "elastichoney", ts)) != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "source"), -1, ad_str(o, "honeypot"),
                    9200);
        ad_set_str(c, ev, "transport", "tcp");
        ad_set_str(c, ev, "protocol", "http");
        ad_set_str(c, ev, "method", ad_str(o, "method"));
        ad_set_str(c, ev, "path", ad_str(o, "url"));
        ad_set_str(c, ev, "user_agent", ad_str(h, "user_agent"));
        ad_set_str(c, ev, "classification", ad_str(o, "type"));
        payload = ad_str(o, "payload");
        if (payload == NULL)
            payload = ad_str(o, "form");
        if (payload != NULL)
            ad_set_b64(c, ev, "body", payload, strlen(payload));
    }
    cmd = ad_str(o, "payloadCommand");
    if (cmd != NULL && *cmd != '\0' &&
        (ev = ad_event(c, AP_EV_COMMAND, "elastichoney", ts)) != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "source"), -1, ad_str(o, "honeypot"),
                    9200);
        ad_set_str(c, ev, "protocol", "http");
        ad_set_str(c, ev, "command", cmd);
    }
    cmd = ad_str(o, "payloadResource");
    if (cmd != NULL && *cmd != '\0' &&
        (ev = ad_event(c, AP_EV_DOWNLOAD, "elastichoney", ts)) != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "source"), -1, ad_str(o, "honeypot"),
                    9200);
        ad_set_str(c, ev, "protocol", "http");
        ad_set_str(c, ev, "url", cmd);
        ad_set_str(c, ev, "md5", ad_str(o, "payloadMd5"));
    }
    json_decref(o);
    return 0;
}
