/*
 * ssh-auth-logger.events (CHN): src, spt, dst, dpt, duser, and password or
 * fingerprint + keytype, tags.  One login event (never successful: the
 * logger refuses every attempt).
 */
#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

int
ad_ssh_auth_logger_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const char *user, *pw, *fp;

    if (o == NULL)
        return AP_EINVAL;
    user = ad_str(o, "duser");
    if (ad_ip(o, "src") == NULL || user == NULL) {
        json_decref(o);
        return ad_fail(c, "ssh-auth-logger event without src or duser");
    }
    if ((ev = ad_event(c, AP_EV_LOGIN, "ssh-auth-logger",
                       ad_time(o, "timestamp"))) != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "src"), ad_port(o, "spt"), ad_ip(o, "dst"),
                    ad_port(o, "dpt"));
        ad_set_str(c, ev, "transport", "tcp");
        ad_set_str(c, ev, "protocol", "ssh");
        if (*user == '\0' && ap_event_set_str(ev, "username", "") != 0)
            c->oom = 1;
        ad_set_str(c, ev, "username", user);
        pw = ad_str(o, "password");
        fp = ad_str(o, "fingerprint");
        if (fp != NULL) {
            ad_set_str(c, ev, "method", "publickey");
            ad_set_str(c, ev, "key_fp", fp);
            ad_set_str(c, ev, "key_type", ad_str(o, "keytype"));
        } else {
            ad_set_str(c, ev, "method", "password");
            ad_set_str(c, ev, "password", pw);
        }
        ad_set_bool(c, ev, "success", 0);
        ad_copy_tags(c, ev, o);
    }
    json_decref(o);
    return 0;
}
