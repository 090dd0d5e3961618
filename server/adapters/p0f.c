/*
 * p0f.events: timestamp ("Y/m/d H:M:S", local: taken as UTC), mod (syn,
 * syn+ack, mtu, uptime, http request ...), client_ip/client_port,
 * server_ip/server_port, subject (cli/srv), os, dist, params, raw_sig,
 * app, link, uptime.  "???" means unknown and is left out.  A fingerprint
 * of the client; a server-side observation is tagged "server".
 */
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

static void
known(struct ad_ctx *c, json_t *ev, const char *field, const char *v)
{
    if (v != NULL && strcmp(v, "???") != 0)
        ad_set_str(c, ev, field, v);
}

int
ad_p0f_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const char *mod, *subj;

    if (o == NULL)
        return AP_EINVAL;
    if (ad_ip(o, "client_ip") == NULL) {
        json_decref(o);
        return ad_fail(c, "p0f event without client_ip");
    }
    ev = ad_event(c, AP_EV_FINGERPRINT, "p0f", ad_time(o, "timestamp"));
    if (ev != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "client_ip"), ad_port(o, "client_port"),
                    ad_ip(o, "server_ip"), ad_port(o, "server_port"));
        ad_set_str(c, ev, "transport", "tcp");
        known(c, ev, "os", ad_str(o, "os"));
        known(c, ev, "app", ad_str(o, "app"));
        known(c, ev, "link", ad_str(o, "link"));
        known(c, ev, "uptime", ad_str(o, "uptime"));
        known(c, ev, "raw_sig", ad_str(o, "raw_sig"));
        known(c, ev, "os_detail", ad_str(o, "params"));
        mod = ad_str(o, "mod");
        if (mod != NULL && strlen(mod) <= 32)
            ad_add_tag(c, ev, mod);
        subj = ad_str(o, "subject");
        if (subj != NULL && strcmp(subj, "srv") == 0)
            ad_add_tag(c, ev, "server");
    }
    json_decref(o);
    return 0;
}
