/*
 * wordpot.events: source_ip/source_port, dest_ip (Flask SERVER_NAME, often
 * 0.0.0.0 or a name: kept only if it is an address), dest_port (strings),
 * user_agent, url, plugin (badlogin -> a login event; commonfiles,
 * timthumb, userenumeration -> a request classified by plugin).
 */
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

int
ad_wordpot_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const char *plugin, *user;
    int login;

    if (o == NULL)
        return AP_EINVAL;
    if (ad_ip(o, "source_ip") == NULL) {
        json_decref(o);
        return ad_fail(c, "wordpot event without source_ip");
    }
    plugin = ad_str(o, "plugin");
    user = ad_str(o, "username");
    login = plugin && strcmp(plugin, "badlogin") == 0 && user != NULL;
    ev = ad_event(c, login ? AP_EV_LOGIN : AP_EV_REQUEST, "wordpot", 0);
    if (ev != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "source_ip"), ad_port(o, "source_port"),
                    ad_ip(o, "dest_ip"), ad_port(o, "dest_port"));
        ad_set_str(c, ev, "transport", "tcp");
        ad_set_str(c, ev, "protocol", "http");
        if (login) {
            if (*user == '\0' && ap_event_set_str(ev, "username", "") != 0)
                c->oom = 1;
            ad_set_str(c, ev, "username", user);
            ad_set_str(c, ev, "password", ad_str(o, "password"));
            ad_set_bool(c, ev, "success", 0);
            ad_set_str(c, ev, "method", "http-form");
        } else {
            ad_set_str(c, ev, "path", ad_str(o, "url"));
            ad_set_str(c, ev, "user_agent", ad_str(o, "user_agent"));
            ad_set_str(c, ev, "classification", plugin);
        }
    }
    json_decref(o);
    return 0;
}
