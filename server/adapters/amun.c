/*
 * amun.events: attackerIP/attackerPort/victimIP/victimPort on every kind;
 * an exploit adds vulnName, shellcodeName (an alert with the vulnerability
 * as signature); a download adds downloadURL, md5hash, filelength.
 */
#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

int
ad_amun_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    enum ap_event_type t = AP_EV_CONNECT;
    const char *vuln;
    long long size;

    if (o == NULL)
        return AP_EINVAL;
    if (ad_ip(o, "attackerIP") == NULL) {
        json_decref(o);
        return ad_fail(c, "amun event without attackerIP");
    }
    vuln = ad_str(o, "vulnName");
    if (ad_str(o, "downloadURL") != NULL || ad_str(o, "md5hash") != NULL)
        t = AP_EV_DOWNLOAD;
    else if (vuln != NULL && *vuln != '\0')
        t = AP_EV_ALERT;
    if ((ev = ad_event(c, t, "amun", ad_time(o, "timestamp"))) != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "attackerIP"), ad_port(o, "attackerPort"),
                    ad_ip(o, "victimIP"), ad_port(o, "victimPort"));
        ad_set_str(c, ev, "transport", "tcp");
        if (t == AP_EV_DOWNLOAD) {
            ad_set_str(c, ev, "url", ad_str(o, "downloadURL"));
            ad_set_str(c, ev, "md5", ad_str(o, "md5hash"));
            if (ad_int(o, "filelength", &size) == 0 && size >= 0)
                ad_set_int(c, ev, "size", size);
        } else if (t == AP_EV_ALERT) {
            ad_set_str(c, ev, "signature", vuln);
            ad_set_str(c, ev, "category", ad_str(o, "shellcodeName"));
        }
    }
    json_decref(o);
    return 0;
}
