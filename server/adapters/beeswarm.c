/*
 * beeswarm.hive: attacker_ip, attacker_source_port, honey_ip, honey_port,
 * protocol, timestamp ("%Y-%m-%dT%H:%M:%S.%f"), login_attempts
 * [{username, password}] -> connect + one login per attempt.
 */
#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

int
ad_beeswarm_hive(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const json_t *a;
    const char *u;
    int64_t ts;
    size_t i;

    if (o == NULL)
        return AP_EINVAL;
    if (ad_ip(o, "attacker_ip") == NULL) {
        json_decref(o);
        return ad_fail(c, "beeswarm event without attacker_ip");
    }
    ts = ad_time(o, "timestamp");
    if ((ev = ad_event(c, AP_EV_CONNECT, "beeswarm", ts)) != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "attacker_ip"),
                    ad_port(o, "attacker_source_port"), ad_ip(o, "honey_ip"),
                    ad_port(o, "honey_port"));
        ad_set_str(c, ev, "protocol", ad_str(o, "protocol"));
    }
    json_array_foreach(json_object_get(o, "login_attempts"), i, a)
    {
        if ((u = ad_str(a, "username")) == NULL)
            continue;
        if ((ev = ad_event(c, AP_EV_LOGIN, "beeswarm",
                           ts ? ts + (int64_t)i + 1 : 0)) == NULL)
            break;
        ad_set_addr(c, ev, ad_ip(o, "attacker_ip"),
                    ad_port(o, "attacker_source_port"), ad_ip(o, "honey_ip"),
                    ad_port(o, "honey_port"));
        ad_set_str(c, ev, "protocol", ad_str(o, "protocol"));
        if (*u == '\0' && ap_event_set_str(ev, "username", "") != 0)
            c->oom = 1;
        ad_set_str(c, ev, "username", u);
        ad_set_str(c, ev, "password", ad_str(a, "password"));
        ad_set_bool(c, ev, "success", 0);
    }
    json_decref(o);
    return 0;
}
