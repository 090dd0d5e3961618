/*
 * snort.alerts (libhpfeeds output plugin, and pwnlandia/snort_hpfeeds):
 * sensor, timestamp ("Y/m/d H:M:S.usec", local: taken as UTC) or date,
 * header "gid:sid:rev", classification, priority (-> severity),
 * signature, proto (TCP/UDP/ICMP), source/destination ip and port.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

/* "TCP" -> "tcp"; anything else ("???") -> NULL */
static const char *
transport(const char *p)
{
    if (p == NULL)
        return NULL;
    if (strcasecmp(p, "tcp") == 0)
        return "tcp";
    if (strcasecmp(p, "udp") == 0)
        return "udp";
    if (strcasecmp(p, "icmp") == 0)
        return "icmp";
    return NULL;
}

int
ad_snort_alerts(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const char *sig, *hdr;
    long long v, gid, sid, rev;
    int64_t ts;
    char cls[32];

    if (o == NULL)
        return AP_EINVAL;
    sig = ad_str(o, "signature");
    if (sig == NULL || *sig == '\0') {
        json_decref(o);
        return ad_fail(c, "snort alert without signature");
    }
    ts = ad_time(o, "timestamp");
    if (ts == 0)
        ts = ad_time(o, "date");
    if ((ev = ad_event(c, AP_EV_ALERT, "snort", ts)) != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "source_ip"), ad_port(o, "source_port"),
                    ad_ip(o, "destination_ip"),
                    ad_port(o, "destination_port"));
        ad_set_str(c, ev, "transport", transport(ad_str(o, "proto")));
        ad_set_str(c, ev, "signature", sig);
        hdr = ad_str(o, "header");
        if (hdr != NULL &&
            sscanf(hdr, "%lld:%lld:%lld", &gid, &sid, &rev) == 3) {
            ad_set_int(c, ev, "signature_id", sid);
            ad_set_int(c, ev, "signature_rev", rev);
        }
        if (ad_int(o, "priority", &v) == 0)
            ad_set_int(c, ev, "severity", v);
        if (ad_int(o, "classification", &v) == 0) {
            snprintf(cls, sizeof(cls), "%lld", v);
            ad_set_str(c, ev, "category", cls);
        } else {
            ad_set_str(c, ev, "category", ad_str(o, "classification"));
        }
    }
    json_decref(o);
    return 0;
}
