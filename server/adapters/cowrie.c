/*
 * cowrie.sessions: one message per closed SSH/telnet session (cowrie's
 * output_hpfeeds3, and the kippo shape it inherited).  It becomes connect,
 * fingerprint (client version, CHN's hassh), one login per failed
 * credential and the successful one, one command per line (known=false for
 * unknownCommands), one download per url and per hash, and disconnect
 * with the duration.  Events inside the session carry startTime plus their
 * index in microseconds, so a timeline keeps the message's order.
 */
#include <string.h>

#include <openssl/evp.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/util.h"
#include "ap/common.h"

struct sess {
    struct ad_ctx *c;
    const json_t *o;
    const char *honeypot, *proto, *session;
    int64_t start, end, step;
    struct ad_tmpl common; /* session, addresses, ..., tags: every event's */
    int have_common;
};

static json_t *
sess_event(struct sess *s, enum ap_event_type t, int64_t ts)
{
    const json_t *o = s->o;
    json_t *ev;
    size_t from;

    if (ts == 0) {
        ts = s->start + s->step++;
        if (s->end > s->start && ts > s->end)
            ts = s->end;
    }
    ev = ad_event(s->c, t, s->honeypot, ts);
    if (ev == NULL)
        return NULL;
    /* the fields below depend on the message only: built once */
    if (s->have_common) {
        ad_tmpl_apply(s->c, &s->common, ev);
        return ev;
    }
    from = json_object_size(ev);
    ad_set_str(s->c, ev, "session", s->session);
    ad_set_addr(s->c, ev, ad_ip(o, "peerIP"), ad_port(o, "peerPort"),
                ad_ip(o, "hostIP"), ad_port(o, "hostPort"));
    ad_set_str(s->c, ev, "transport", "tcp");
    ad_set_str(s->c, ev, "protocol", s->proto);
    ad_copy_tags(s->c, ev, o);
    s->have_common = ad_tmpl_capture(&s->common, ev, from) == 0;
    return ev;
}

static void
login(struct sess *s, const json_t *pair, int success)
{
    const char *u = json_string_value(json_array_get(pair, 0));
    const char *p = json_string_value(json_array_get(pair, 1));
    json_t *ev;

    if (u == NULL)
        return;
    if ((ev = sess_event(s, AP_EV_LOGIN, 0)) == NULL)
        return;
    /* an empty user name is still an attempt */
    if (*u == '\0' && ap_event_set_str(ev, "username", "") != 0)
        s->c->oom = 1;
    ad_set_str(s->c, ev, "username", u);
    if (p != NULL && *p == '\0' && ap_event_set_str(ev, "password", "") != 0)
        s->c->oom = 1;
    ad_set_str(s->c, ev, "password", p);
    ad_set_bool(s->c, ev, "success", success);
}

/* cowrie puts every typed line in "commands" and the unknown ones in
 * "unknownCommands" as well: an unknown line marks its first matching
 * command known=false instead of becoming a second command event. */
static void
commands(struct sess *s)
{
    const json_t *v, *cmds = json_object_get(s->o, "commands");
    size_t i, k, first = json_array_size(s->c->out);
    json_t *ev;

    json_array_foreach(cmds, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0)
            continue;
        if ((ev = sess_event(s, AP_EV_COMMAND, 0)) == NULL)
            return;
        ad_set_strn(s->c, ev, "command", json_string_value(v),
                    json_string_length(v));
        ad_set_bool(s->c, ev, "known", 1);
    }
    json_array_foreach(json_object_get(s->o, "unknownCommands"), i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0)
            continue;
        for (k = first; k < json_array_size(s->c->out); k++) {
            json_t *e = json_array_get(s->c->out, k);
            const char *cmd = json_string_value(json_object_get(e, "command"));
            if (cmd != NULL && json_is_true(json_object_get(e, "known")) &&
                strcmp(cmd, json_string_value(v)) == 0)
                break;
        }
        if (k < json_array_size(s->c->out)) {
            ad_set_bool(s->c, json_array_get(s->c->out, k), "known", 0);
            continue;
        }
        if ((ev = sess_event(s, AP_EV_COMMAND, 0)) == NULL)
            return;
        ad_set_strn(s->c, ev, "command", json_string_value(v),
                    json_string_length(v));
        ad_set_bool(s->c, ev, "known", 0);
    }
}

/* One download per url; cowrie appends a hash per completed download (and
 * per upload), so equal counts pair up by position, otherwise each hash
 * gets its own event. */
static void
downloads(struct sess *s)
{
    const json_t *urls = json_object_get(s->o, "urls"),
                 *hashes = json_object_get(s->o, "hashes"), *v;
    int pair = json_array_size(urls) == json_array_size(hashes);
    json_t *ev;
    size_t i;

    json_array_foreach(urls, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0)
            continue;
        if ((ev = sess_event(s, AP_EV_DOWNLOAD, 0)) == NULL)
            return;
        ad_set_str(s->c, ev, "url", json_string_value(v));
        if (pair)
            ad_set_str(s->c, ev, "sha256",
                       json_string_value(json_array_get(hashes, i)));
    }
    if (pair && json_array_size(urls) > 0)
        return;
    json_array_foreach(hashes, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0)
            continue;
        if ((ev = sess_event(s, AP_EV_DOWNLOAD, 0)) == NULL)
            return;
        ad_set_str(s->c, ev, "sha256", json_string_value(v));
    }
}

/* Old kippo messages have no session id: derive a stable one. */
static void
derive_session(const struct ad_ctx *c, char out[25])
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(c->in->payload, c->in->len, h, &n, EVP_sha256(), NULL);
    ap_hex(h, 12, out);
}

int
ad_ssh_session(struct ad_ctx *c, const char *honeypot)
{
    json_t *o = ad_parse_object(c), *ev;
    const json_t *v;
    struct sess s;
    char sid[25];
    const char *str;

    size_t i;

    if (o == NULL)
        return AP_EINVAL;
    memset(&s, 0, sizeof(s));
    s.c = c;
    s.o = o;
    s.honeypot = honeypot;
    s.proto = ad_str(o, "protocol");
    if (s.proto == NULL || (strcmp(s.proto, "ssh") != 0 &&
                            strcmp(s.proto, "telnet") != 0))
        s.proto = "ssh";
    s.session = ad_str(o, "session");
    if (s.session == NULL || *s.session == '\0') {
        derive_session(c, sid);
        s.session = sid;
    }
    s.start = ad_time(o, "startTime");
    s.end = ad_time(o, "endTime");
    if (s.start == 0)
        s.start = s.end ? s.end : c->in->rx_us;
    if (ad_ip(o, "peerIP") == NULL) {
        json_decref(o);
        return ad_fail(c, "session without peerIP");
    }

    sess_event(&s, AP_EV_CONNECT, s.start);
    s.step = 1;
    str = ad_str(o, "version");
    if (str != NULL || ad_str(o, "hassh") != NULL) {
        if ((ev = sess_event(&s, AP_EV_FINGERPRINT, 0)) != NULL) {
            long long w, h;
            ad_set_str(c, ev, "client_version", str);
            ad_set_str(c, ev, "hassh", ad_str(o, "hassh"));
            ad_set_str(c, ev, "hassh_algorithms",
                       ad_str(o, "hasshAlgorithms"));
            if (ad_int(o, "width", &w) == 0)
                ad_set_int(c, ev, "width", w);
            if (ad_int(o, "height", &h) == 0)
                ad_set_int(c, ev, "height", h);
        }
    }
    json_array_foreach(json_object_get(o, "credentials"), i, v)
        login(&s, v, 0);
    if (json_is_array(json_object_get(o, "loggedin")))
        login(&s, json_object_get(o, "loggedin"), 1);
    commands(&s);
    downloads(&s);
    /* the message is sent when the session closes */
    if ((ev = sess_event(&s, AP_EV_DISCONNECT, s.end)) != NULL &&
        s.end >= s.start && s.end != 0)
        ad_set_real(c, ev, "duration", (double)(s.end - s.start) / 1e6);
    ad_tmpl_release(&s.common);
    json_decref(o);
    return 0;
}

int
ad_cowrie_sessions(struct ad_ctx *c)
{
    return ad_ssh_session(c, "cowrie");
}
