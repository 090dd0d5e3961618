/*
 * honeydb-agent.events (CHN): remote_host/remote_port, local_host/
 * local_port, service, bytes, event (RX: received from the attacker, TX:
 * sent by the agent), data (hex), tags.  A data event with the decoded
 * bytes (bounded); TX events are tagged "tx".
 */
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/limits.h"
#include "ap/common.h"

int
ad_honeydb_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const char *hex, *dir;
    uint8_t *bin = NULL;
    long n = 0;
    long long total;

    if (o == NULL)
        return AP_EINVAL;
    if (ad_ip(o, "remote_host") == NULL) {
        json_decref(o);
        return ad_fail(c, "honeydb event without remote_host");
    }
    hex = ad_str(o, "data");
    if (hex == NULL)
        hex = "";
    if ((bin = malloc(strlen(hex) + 1)) == NULL) {
        json_decref(o);
        return AP_ENOMEM;
    }
    if ((n = ad_unhex(hex, bin, strlen(hex) / 2 + 1)) < 0) {
        /* not hex: keep the text as it came */
        n = (long)strlen(hex);
        memcpy(bin, hex, (size_t)n);
    }
    if ((ev = ad_event(c, AP_EV_DATA, "honeydb-agent",
                       ad_time(o, "timestamp"))) != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "remote_host"), ad_port(o, "remote_port"),
                    ad_ip(o, "local_host"), ad_port(o, "local_port"));
        ad_set_str(c, ev, "protocol", ad_str(o, "service"));
        if (ap_event_set_b64(ev, "data", bin, (size_t)n,
                             AP_LIMIT_CAPTURE_BYTES) != 0)
            c->oom = 1;
        if (ad_int(o, "bytes", &total) != 0)
            total = n;
        ad_set_int(c, ev, "length", total);
        dir = ad_str(o, "event");
        if (dir != NULL && strcmp(dir, "TX") == 0)
            ad_add_tag(c, ev, "tx");
        ad_copy_tags(c, ev, o);
    }
    free(bin);
    json_decref(o);
    return 0;
}
