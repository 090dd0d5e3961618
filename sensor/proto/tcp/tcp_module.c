/*
 * The tcp module's session logic and vtable.  What it records: the
 * connection (core connect/disconnect events) and, when the session ends,
 * one `data` event with the first `capture` bytes (base64) and the total
 * length received.
 */
#include <stdio.h>
#include <string.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/proto.h"
#include "tcp.h"
#include "ap/common.h"

struct tcp_state {
    uint8_t *cap;  /* capture buffer, from the session arena */
    size_t cap_len;
    unsigned long long total;
    int reported;
};

static const struct ap_conf_kw tcp_keywords[] = {
    {"banner", AP_CONF_STR, offsetof(struct tcp_conf, banner), NULL, 0, 0,
     NULL, "sent on connect; \\r \\n \\t \\\\ \\xNN escapes"},
    {"capture", AP_CONF_SIZE, offsetof(struct tcp_conf, capture), "4096", 1,
     65536, NULL, "bytes of attacker data recorded per session"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static int
tcp_init(void *conf, char *err, size_t errlen)
{
    struct tcp_conf *c = conf;
    ssize_t n;

    if (c->banner == NULL)
        return 0;
    n = tcp_banner_decode(c->banner, c->banner_bytes,
                          sizeof(c->banner_bytes));
    if (n < 0) {
        snprintf(err, errlen, "banner: %s",
                 n == AP_ETOOBIG ? "longer than 1024 bytes"
                                 : "bad escape (use \\r \\n \\t \\\\ \\xNN)");
        return AP_ECONF;
    }
    c->banner_len = (size_t)n;
    return 0;
}

static int
tcp_start(struct ap_session *s)
{
    const struct tcp_conf *c = ap_session_conf(s);
    struct tcp_state *st = ap_session_state(s);

    if ((st->cap = ap_session_alloc(s, c->capture)) == NULL)
        return AP_ENOMEM;
    if (c->banner_len > 0)
        return ap_session_write(s, c->banner_bytes, c->banner_len);
    return 0;
}

static void
tcp_report(struct ap_session *s)
{
    struct tcp_state *st = ap_session_state(s);
    json_t *ev;

    if (st->reported || st->total == 0)
        return;
    st->reported = 1;
    if ((ev = ap_session_event(s, AP_EV_DATA)) == NULL)
        return;
    if (ap_event_set_b64(ev, "data", st->cap, st->cap_len, st->cap_len) != 0 ||
        ap_event_set_int(ev, "length", (long long)st->total) != 0) {
        json_decref(ev);
        return;
    }
    ap_session_emit(s, ev);
}

static ssize_t
tcp_input(struct ap_session *s, const uint8_t *p, size_t len)
{
    const struct tcp_conf *c = ap_session_conf(s);
    struct tcp_state *st = ap_session_state(s);
    size_t room = c->capture - st->cap_len, n = len < room ? len : room;

    if (st->cap != NULL && n > 0) {
        memcpy(st->cap + st->cap_len, p, n);
        st->cap_len += n;
    }
    st->total += len;
    return (ssize_t)len; /* everything is data; nothing is ever framed */
}

static void
tcp_close(struct ap_session *s)
{
    tcp_report(s);
}

const struct ap_proto ap_proto_tcp = {
    .name = "tcp",
    .default_port = 8000,
    .transport = AP_PROTO_TCP,
    .max_frame = 1, /* input() consumes everything it is given */
    .state_size = sizeof(struct tcp_state),
    .conf_size = sizeof(struct tcp_conf),
    .keywords = tcp_keywords,
    .init = tcp_init,
    .start = tcp_start,
    .input = tcp_input,
    .close = tcp_close,
    .try_it = "printf 'hello\\r\\n' | nc -q 2 127.0.0.1 {port}",
};
