/*
 * rdphoney.sessions (CHN): session, startTime/endTime ("Y-m-d H:M:S",
 * taken as UTC), peerIP/peerPort, hostIP/hostPort, protocol (rdp),
 * username (from the mstshash= cookie; no password exists at that stage).
 * connect, a fingerprint carrying the cookie user, disconnect.
 */
#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

static json_t *
base(struct ad_ctx *c, const json_t *o, enum ap_event_type t, int64_t ts)
{
    json_t *ev = ad_event(c, t, "rdphoney", ts);

    if (ev == NULL)
        return NULL;
    ad_set_str(c, ev, "session", ad_str(o, "session"));
    ad_set_addr(c, ev, ad_ip(o, "peerIP"), ad_port(o, "peerPort"),
                ad_ip(o, "hostIP"), ad_port(o, "hostPort"));
    ad_set_str(c, ev, "transport", "tcp");
    ad_set_str(c, ev, "protocol", "rdp");
    ad_copy_tags(c, ev, o);
    return ev;
}

int
ad_rdphoney_sessions(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    int64_t start, end;
    const char *u;

    if (o == NULL)
        return AP_EINVAL;
    if (ad_ip(o, "peerIP") == NULL) {
        json_decref(o);
        return ad_fail(c, "rdphoney session without peerIP");
    }
    start = ad_time(o, "startTime");
    end = ad_time(o, "endTime");
    if (start == 0)
        start = end ? end : c->in->rx_us;
    base(c, o, AP_EV_CONNECT, start);
    u = ad_str(o, "username");
    if (u != NULL && *u != '\0' &&
        (ev = base(c, o, AP_EV_LOGIN, start + 1)) != NULL) {
        ad_set_str(c, ev, "username", u);
        ad_set_bool(c, ev, "success", 0);
        ad_set_str(c, ev, "method", "mstshash");
    }
    if ((ev = base(c, o, AP_EV_DISCONNECT, end ? end : start + 2)) != NULL &&
        end >= start && end != 0)
        ad_set_real(c, ev, "duration", (double)(end - start) / 1e6);
    json_decref(o);
    return 0;
}
