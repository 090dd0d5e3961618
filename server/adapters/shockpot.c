/*
 * shockpot.events: one Shellshock request: method, url, path,
 * query_string, headers [[name, value]], source_ip (no source port),
 * dest_host, dest_port (string), is_shellshock, command, command_data,
 * timestamp (str(datetime.now()): local, taken as UTC).  A request event,
 * plus a command event for the injected command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

int
ad_shockpot_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const char *path, *qs, *cmd;
    int64_t ts;

    if (o == NULL)
        return AP_EINVAL;
    if (ad_ip(o, "source_ip") == NULL) {
        json_decref(o);
        return ad_fail(c, "shockpot event without source_ip");
    }
    ts = ad_time(o, "timestamp");
    if ((ev = ad_event(c, AP_EV_REQUEST, "shockpot", ts)) != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "source_ip"), -1, ad_str(o, "dest_host"),
                    ad_port(o, "dest_port"));
        ad_set_str(c, ev, "transport", "tcp");
        ad_set_str(c, ev, "protocol", "http");
        ad_set_str(c, ev, "method", ad_str(o, "method"));
        path = ad_str(o, "path");
        qs = ad_str(o, "query_string");
        if (path != NULL && qs != NULL && *qs != '\0') {
            size_t n = strlen(path) + strlen(qs) + 2;
            char *full = malloc(n);
            if (full == NULL) {
                c->oom = 1;
            } else {
                snprintf(full, n, "%s?%s", path, qs);
                ad_set_str(c, ev, "path", full);
                free(full);
            }
        } else {
            ad_set_str(c, ev, "path", path);
        }
        ad_http_headers(c, ev, json_object_get(o, "headers"));
        if (json_is_true(json_object_get(o, "is_shellshock")))
            ad_set_str(c, ev, "classification", "shellshock");
    }
    cmd = ad_str(o, "command");
    if (cmd != NULL && *cmd != '\0' &&
        (ev = ad_event(c, AP_EV_COMMAND, "shockpot", ts)) != NULL) {
        ad_set_addr(c, ev, ad_ip(o, "source_ip"), -1, ad_str(o, "dest_host"),
                    ad_port(o, "dest_port"));
        ad_set_str(c, ev, "protocol", "http");
        ad_set_str(c, ev, "command", cmd);
    }
    json_decref(o);
    return 0;
}
