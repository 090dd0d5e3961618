/*
 * conpot.events.  New shape (every session event): src_ip/src_port,
 * dst_ip/dst_port (or remote/local [ip, port]), data_type (the protocol),
 * timestamp (naive UTC), public_ip, data {type: NEW_CONNECTION, ...}.
 * Old shape (MHN's conpot 0.5.2): data_type, data [ {request_pdu ...} ],
 * remote [ip, port], session_id.  The real destination port is kept; only
 * when the payload has none does the protocol's standard port stand in
 * (MHN stored 502 for everything, issue #11).
 */
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

static int
default_port(const char *proto)
{
    static const struct {
        const char *name;
        int port;
    } map[] = {
        {"modbus", 502},  {"s7comm", 102},  {"http", 80},
        {"snmp", 161},    {"bacnet", 47808}, {"ipmi", 623},
        {"enip", 44818},  {"ftp", 21},      {"tftp", 69},
        {"IEC104", 2404}, {"guardian_ast", 10001},
    };
    size_t i;

    for (i = 0; proto != NULL && i < AP_ARRAY_SIZE(map); i++)
        if (strcmp(map[i].name, proto) == 0)
            return map[i].port;
    return -1;
}

/* Port from "src_port" or the second element of a [ip, port] array. */
static int
port_of(const json_t *o, const char *key, const char *arr)
{
    int p = ad_port(o, key);
    long long v;
    json_t *a = json_object_get(o, arr);

    if (p >= 0)
        return p;
    if (ad_intv(json_array_get(a, 1), &v) == 0 && v >= 0 && v <= 65535)
        return (int)v;
    return -1;
}

int
ad_conpot_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev, *data;
    const char *src, *dst, *proto, *kind = NULL, *sess;
    enum ap_event_type t = AP_EV_REQUEST;
    char *dump;
    int dport;

    if (o == NULL)
        return AP_EINVAL;
    src = ad_str(o, "src_ip");
    if (src == NULL)
        src = ad_ip(o, "remote");
    if (src == NULL) {
        json_decref(o);
        return ad_fail(c, "conpot event without src_ip or remote");
    }
    dst = ad_str(o, "dst_ip");
    if (dst == NULL)
        dst = ad_str(o, "public_ip");
    if (dst == NULL)
        dst = ad_ip(o, "local");
    proto = ad_str(o, "data_type");
    dport = port_of(o, "dst_port", "local");
    if (dport < 0)
        dport = default_port(proto);
    data = json_object_get(o, "data");
    if (json_is_object(data)) {
        kind = ad_str(data, "type");
        if (kind != NULL && strcmp(kind, "NEW_CONNECTION") == 0)
            t = AP_EV_CONNECT;
        else if (kind != NULL && strcmp(kind, "CONNECTION_LOST") == 0)
            t = AP_EV_DISCONNECT;
    }
    ev = ad_event(c, t, "conpot", ad_time(o, "timestamp"));
    if (ev != NULL) {
        ad_set_addr(c, ev, src, port_of(o, "src_port", "remote"), dst, dport);
        ad_set_str(c, ev, "transport",
                   proto && (!strcmp(proto, "snmp") || !strcmp(proto, "tftp") ||
                             !strcmp(proto, "bacnet") || !strcmp(proto, "ipmi"))
                       ? "udp"
                       : "tcp");
        ad_set_str(c, ev, "protocol", proto);
        sess = ad_str(o, "id");
        ad_set_str(c, ev, "session", sess ? sess : ad_str(o, "session_id"));
        if (t == AP_EV_REQUEST) {
            ad_set_str(c, ev, "method", kind);
            if (data != NULL &&
                (dump = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS)) !=
                    NULL) {
                ad_set_b64(c, ev, "body", dump, strlen(dump));
                free(dump);
            }
        }
    }
    json_decref(o);
    return 0;
}
