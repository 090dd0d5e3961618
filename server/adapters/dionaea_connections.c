/*
 * dionaea.connections: one message per connection dionaea saw.  Only
 * "accept" (and "reject") are attacks; "connect", "listen" and "pending"
 * are dionaea's own sockets, which MHN counted as attacks (issue #539):
 * they are kept, tagged "outbound"/"listen", with the remote side as the
 * source only for incoming connections.
 */
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

int
ad_dionaea_connections(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const char *type, *transport;

    if (o == NULL)
        return AP_EINVAL;
    type = ad_str(o, "connection_type");
    if (ad_ip(o, "remote_host") == NULL && ad_ip(o, "local_host") == NULL) {
        json_decref(o);
        return ad_fail(c, "connection without remote_host or local_host");
    }
    if ((ev = ad_event(c, AP_EV_CONNECT, "dionaea", 0)) != NULL) {
        if (type != NULL && strcmp(type, "connect") == 0) {
            /* dionaea connected out: local is the source */
            ad_set_addr(c, ev, ad_ip(o, "local_host"),
                        ad_port(o, "local_port"), ad_ip(o, "remote_host"),
                        ad_port(o, "remote_port"));
            ad_add_tag(c, ev, "outbound");
        } else {
            ad_set_addr(c, ev, ad_ip(o, "remote_host"),
                        ad_port(o, "remote_port"), ad_ip(o, "local_host"),
                        ad_port(o, "local_port"));
            if (type != NULL && strcmp(type, "accept") != 0 &&
                strlen(type) < 32)
                ad_add_tag(c, ev, type);
        }
        transport = ad_str(o, "connection_transport");
        if (transport != NULL && strcmp(transport, "tls") == 0)
            ad_add_tag(c, ev, "tls");
        ad_set_str(c, ev, "transport",
                   transport && strcmp(transport, "udp") == 0 ? "udp"
                                                              : "tcp");
        ad_set_str(c, ev, "protocol", ad_str(o, "connection_protocol"));
    }
    json_decref(o);
    return 0;
}
