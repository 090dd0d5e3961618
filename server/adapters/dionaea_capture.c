/*
 * dionaea.capture (+ .anon, and the misspelled "caputres" of MHN's ACL):
 * a completed download: saddr/sport/daddr/dport (ports as strings), md5,
 * sha512, url and a local time with zone ("2018-05-06 17:44:05.866769 CET
 * +0100").  MHN stored daddr as a one-element array; here it is a string.
 * CHN's dionaea reuses the channel for many kinds, told apart by
 * "event_type": logins (username/password), commands (cmd), downloads;
 * others become a "request" event tagged with the kind.
 */
#include <string.h>
#include <strings.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

static json_t *
base(struct ad_ctx *c, const json_t *o, enum ap_event_type t)
{
    json_t *ev = ad_event(c, t, "dionaea", ad_time(o, "time"));

    if (ev == NULL)
        return NULL;
    ad_set_addr(c, ev, ad_ip(o, "saddr"), ad_port(o, "sport"),
                ad_ip(o, "daddr"), ad_port(o, "dport"));
    ad_copy_tags(c, ev, o);
    return ev;
}

int
ad_dionaea_capture(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const char *kind, *s;

    if (o == NULL)
        return AP_EINVAL;
    if (ad_ip(o, "saddr") == NULL) {
        json_decref(o);
        return ad_fail(c, "capture without saddr");
    }
    kind = ad_str(o, "event_type");
    if (kind != NULL && strcasestr(kind, "login") != NULL &&
        ad_str(o, "username") != NULL) {
        if ((ev = base(c, o, AP_EV_LOGIN)) != NULL) {
            ad_set_str(c, ev, "username", ad_str(o, "username"));
            if (json_object_get(ev, "username") == NULL &&
                ap_event_set_str(ev, "username", "") != 0)
                c->oom = 1;
            ad_set_str(c, ev, "password", ad_str(o, "password"));
            ad_set_bool(c, ev, "success", 0);
        }
    } else if (kind != NULL && strcasestr(kind, "command") != NULL &&
               (s = ad_str(o, "cmd")) != NULL && *s != '\0') {
        if ((ev = base(c, o, AP_EV_COMMAND)) != NULL)
            ad_set_str(c, ev, "command", s);
    } else if (kind == NULL || strcasestr(kind, "download") != NULL ||
               ad_str(o, "md5") != NULL || ad_str(o, "url") != NULL) {
        if ((ev = base(c, o, AP_EV_DOWNLOAD)) != NULL) {
            ad_set_str(c, ev, "url", ad_str(o, "url"));
            ad_set_str(c, ev, "md5", ad_str(o, "md5"));
            ad_set_str(c, ev, "sha256", ad_str(o, "sha256"));
            ad_set_str(c, ev, "sha512", ad_str(o, "sha512"));
        }
    } else {
        if ((ev = base(c, o, AP_EV_REQUEST)) != NULL && strlen(kind) <= 64)
            ad_add_tag(c, ev, kind);
    }
    json_decref(o);
    return 0;
}
