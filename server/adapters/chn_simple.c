/*
 * Small CHN channels whose publishers we could only read from the
 * consumer side (CHN hpfeeds-logger processors.py), one function each:
 *   uhp.events         src/dst ip+port, app, action, message, tags
 *   elasticpot.events  src/dst ip+port, eventid, message, url, request,
 *                      user_agent, tags
 *   spylex.events, big-hp.events
 *                      src/dst ip+port, method, path, full_path, args,
 *                      form_data, headers, tags
 */
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

static json_t *
base(struct ad_ctx *c, const json_t *o, enum ap_event_type t)
{
    json_t *ev;

    if ((ev = ad_event(c, t, ad_honeypot(c), ad_time(o, "timestamp"))) ==
        NULL)
        return NULL;
    ad_set_addr(c, ev, ad_ip(o, "src_ip"), ad_port(o, "src_port"),
                ad_ip(o, "dst_ip"), ad_port(o, "dst_port"));
    ad_copy_tags(c, ev, o);
    return ev;
}

static json_t *
open_payload(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c);

    if (o != NULL && ad_ip(o, "src_ip") == NULL) {
        json_decref(o);
        ad_fail(c, "event without src_ip");
        return NULL;
    }
    return o;
}

int
ad_uhp_events(struct ad_ctx *c)
{
    json_t *o = open_payload(c), *ev;
    const char *msg;

    if (o == NULL)
        return AP_EINVAL;
    if ((ev = base(c, o, AP_EV_REQUEST)) != NULL) {
        ad_set_str(c, ev, "transport", "tcp");
        ad_set_str(c, ev, "protocol", ad_str(o, "app"));
        ad_set_str(c, ev, "method", ad_str(o, "action"));
        if ((msg = ad_str(o, "message")) != NULL)
            ad_set_b64(c, ev, "body", msg, strlen(msg));
    }
    json_decref(o);
    return 0;
}

int
ad_elasticpot_events(struct ad_ctx *c)
{
    json_t *o = open_payload(c), *ev;
    const char *msg;

    if (o == NULL)
        return AP_EINVAL;
    if ((ev = base(c, o, AP_EV_REQUEST)) != NULL) {
        ad_set_str(c, ev, "transport", "tcp");
        ad_set_str(c, ev, "protocol", "http");
        ad_set_str(c, ev, "method", ad_str(o, "request"));
        ad_set_str(c, ev, "path", ad_str(o, "url"));
        ad_set_str(c, ev, "user_agent", ad_str(o, "user_agent"));
        ad_set_str(c, ev, "classification", ad_str(o, "eventid"));
        if ((msg = ad_str(o, "message")) != NULL)
            ad_set_b64(c, ev, "body", msg, strlen(msg));
    }
    json_decref(o);
    return 0;
}

int
ad_spylex_events(struct ad_ctx *c)
{
    json_t *o = open_payload(c), *ev;
    const json_t *form;
    const char *path;
    char *dump;

    if (o == NULL)
        return AP_EINVAL;
    if ((ev = base(c, o, AP_EV_REQUEST)) != NULL) {
        ad_set_str(c, ev, "transport", "tcp");
        ad_set_str(c, ev, "protocol", "http");
        ad_set_str(c, ev, "method", ad_str(o, "method"));
        path = ad_str(o, "full_path");
        ad_set_str(c, ev, "path", path ? path : ad_str(o, "path"));
        ad_http_headers(c, ev, json_object_get(o, "headers"));
        form = json_object_get(o, "form_data");
        if (json_is_string(form)) {
            ad_set_b64(c, ev, "body", json_string_value(form),
                       json_string_length(form));
        } else if (form != NULL && !json_is_null(form) &&
                   (dump = json_dumps(form, JSON_COMPACT)) != NULL) {
            ad_set_b64(c, ev, "body", dump, strlen(dump));
            free(dump);
        }
    }
    json_decref(o);
    return 0;
}
