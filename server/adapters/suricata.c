/*
 * suricata.events, three shapes: the flat alert-hpfeeds one (source_ip,
 * destination_ip, source_port, destination_port, proto, action,
 * signature_id, signature_rev, signature), a nested fork (ipv4{}, tcp{},
 * udp{}, alert{action, id, rev, msg}) and EVE JSON (src_ip, dest_ip,
 * src_port, dest_port, proto, alert{signature, signature_id, rev,
 * severity, category, action}).
 */
#include <strings.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

static const char *const src_ip_keys[] = {"source_ip", "src_ip", "src", NULL};
static const char *const dst_ip_keys[] = {"destination_ip", "dest_ip",
                                          "dst_ip", "dst", NULL};
static const char *const sport_keys[] = {"source_port", "src_port", "sport",
                                         NULL};
static const char *const dport_keys[] = {"destination_port", "dest_port",
                                         "dst_port", "dport", NULL};
static const char *const sig_keys[] = {"signature", "msg", NULL};
static const char *const sid_keys[] = {"signature_id", "id", "sid", NULL};
static const char *const rev_keys[] = {"signature_rev", "rev", NULL};

/* Look for keys in o, then in each nested object named in subs. */
static const json_t *
find(const json_t *o, const char *const *keys)
{
    static const char *const subs[] = {"alert", "ipv4", "ipv6", "ip", "tcp",
                                       "udp", NULL};
    const json_t *v = ad_any(o, keys);
    size_t i;

    for (i = 0; v == NULL && subs[i]; i++)
        v = ad_any(json_object_get(o, subs[i]), keys);
    return v;
}

static int
port(const json_t *o, const char *const *keys)
{
    long long v;

    if (ad_intv(find(o, keys), &v) != 0 || v < 0 || v > 65535)
        return -1;
    return (int)v;
}

int
ad_suricata_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const json_t *alert;
    const char *sig, *proto, *act;
    long long v;

    if (o == NULL)
        return AP_EINVAL;
    alert = json_object_get(o, "alert");
    sig = json_string_value(ad_any(alert, sig_keys));
    if (sig == NULL)
        sig = json_string_value(ad_any(o, sig_keys));
    if (sig == NULL || *sig == '\0') {
        json_decref(o);
        return ad_fail(c, "suricata event without signature");
    }
    if ((ev = ad_event(c, AP_EV_ALERT, "suricata",
                       ad_time(o, "timestamp"))) != NULL) {
        ad_set_addr(c, ev, json_string_value(find(o, src_ip_keys)),
                    port(o, sport_keys),
                    json_string_value(find(o, dst_ip_keys)),
                    port(o, dport_keys));
        proto = ad_str(o, "proto");
        if (proto != NULL && (!strcasecmp(proto, "tcp") ||
                              !strcasecmp(proto, "udp") ||
                              !strcasecmp(proto, "icmp")))
            ad_set_str(c, ev, "transport",
                       !strcasecmp(proto, "tcp")   ? "tcp"
                       : !strcasecmp(proto, "udp") ? "udp"
                                                   : "icmp");
        ad_set_str(c, ev, "signature", sig);
        if (ad_intv(alert ? ad_any(alert, sid_keys) : NULL, &v) == 0 ||
            ad_int(o, "signature_id", &v) == 0)
            ad_set_int(c, ev, "signature_id", v);
        if (ad_intv(alert ? ad_any(alert, rev_keys) : NULL, &v) == 0 ||
            ad_int(o, "signature_rev", &v) == 0)
            ad_set_int(c, ev, "signature_rev", v);
        if (ad_intv(json_object_get(alert, "severity"), &v) == 0)
            ad_set_int(c, ev, "severity", v);
        ad_set_str(c, ev, "category", ad_str(alert, "category"));
        act = ad_str(alert, "action");
        ad_set_str(c, ev, "action", act ? act : ad_str(o, "action"));
    }
    json_decref(o);
    return 0;
}
