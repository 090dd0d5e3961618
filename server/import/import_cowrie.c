/*
 * cowrie's JSON log -> what cowrie's hpfeeds3 output publishes: one
 * cowrie.sessions message per session, built from its events
 * (session.connect: peer/host; login.failed -> credentials; login.success
 * -> loggedin; command.input -> commands; command.failed ->
 * unknownCommands; session.file_download -> urls + hashes;
 * file_upload -> hashes; client.version/kex/size; session.closed ->
 * endTime and the message is sent).  Sessions still open at the end of
 * the file are sent without endTime.
 *
 * cowrie.direct-tcpip.request/.data are not in cowrie.sessions: each
 * request becomes a canonical "tunnel" event (kind direct-tcpip,
 * target_host/target_port, the first data chunk in "data", at most 4 KiB)
 * published on apiary.events, with an id derived from (ident, session,
 * position), so a re-import stores nothing new.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/limits.h"
#include "import.h"
#include "ap/common.h"

/* Sessions held open at once; past this the oldest is sent as is. */
#define MAX_OPEN 100000

struct cw {
    const char *ident;
    imp_emit_fn emit;
    void *ctx;
    json_t *open;  /* session id -> {"msg": {...}, "tunnels": [...]} */
    json_t *order; /* session ids in arrival order (for MAX_OPEN) */
    struct imp_counts *n;
};

static json_t *
new_record(const char *sid, const json_t *line)
{
    json_t *msg = json_pack(
        "{ss s[] s[] s[] s[] s[] sn sn sn ss}", "session", sid, "credentials",
        "commands", "unknownCommands", "urls", "hashes", "loggedin",
        "version", "ttylog", "protocol",
        json_string_value(json_object_get(line, "protocol")) &&
                strcmp(json_string_value(json_object_get(line, "protocol")),
                       "telnet") == 0
            ? "telnet"
            : "ssh");

    if (msg == NULL)
        return NULL;
    return json_pack("{so s[]}", "msg", msg, "tunnels");
}

static void
copy(json_t *msg, const char *to, const json_t *line, const char *from)
{
    json_t *v = json_object_get(line, from);

    if (v != NULL)
        json_object_set(msg, to, v);
}

static int
send_session(struct cw *w, const char *sid)
{
    json_t *rec = json_object_get(w->open, sid), *msg, *t;
    const char *end;
    char *s;
    int64_t rx = 0;
    size_t i;
    int r = 0;

    if (rec == NULL)
        return 0;
    msg = json_object_get(rec, "msg");
    /* sent when the session closed, as cowrie does */
    end = json_string_value(json_object_get(msg, "endTime"));
    if (end == NULL)
        end = json_string_value(json_object_get(msg, "startTime"));
    if (end == NULL || ap_time_parse_iso(end, &rx) != 0)
        rx = 0;
    /* sorted keys: the same session always gives the same bytes */
    if ((s = json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
        return AP_ENOMEM;
    r = w->emit(w->ctx, NULL, "cowrie.sessions", s, strlen(s), rx);
    free(s);
    w->n->messages++;
    json_array_foreach(json_object_get(rec, "tunnels"), i, t)
    {
        if (r != 0)
            break;
        if ((s = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
            return AP_ENOMEM;
        r = w->emit(w->ctx, NULL, "apiary.events", s, strlen(s),
                    ap_event_ts_us(t));
        free(s);
        w->n->messages++;
    }
    json_object_del(w->open, sid);
    return r;
}

static void
tunnel(struct cw *w, json_t *rec, const json_t *line, const char *sid,
       int64_t ts)
{
    json_t *tun = json_object_get(rec, "tunnels"), *msg, *ev;
    const char *host = json_string_value(json_object_get(line, "dst_ip"));
    json_int_t port = json_integer_value(json_object_get(line, "dst_port"));
    char key[600], id[AP_EVENT_ID_LEN + 1];
    int kl;

    if (host == NULL)
        return;
    msg = json_object_get(rec, "msg");
    kl = snprintf(key, sizeof(key), "cowrie-log%c%s%c%s%c%zu", 0, w->ident,
                  0, sid, 0, json_array_size(tun));
    if ((ev = ap_event_new(AP_EV_TUNNEL, w->ident, "cowrie", ts)) == NULL)
        return;
    ap_event_id_derive(id, ts, key, (size_t)AP_MIN(kl, (int)sizeof(key)));
    ap_event_set_str(ev, "id", id);
    ap_event_set_str(ev, "session", sid);
    ap_event_set_addr(
        ev, json_string_value(json_object_get(msg, "peerIP")),
        json_is_integer(json_object_get(msg, "peerPort"))
            ? (int)json_integer_value(json_object_get(msg, "peerPort"))
            : -1,
        json_string_value(json_object_get(msg, "hostIP")),
        json_is_integer(json_object_get(msg, "hostPort"))
            ? (int)json_integer_value(json_object_get(msg, "hostPort"))
            : -1);
    if (json_object_get(ev, "src_ip") == NULL &&
        json_string_value(json_object_get(line, "src_ip")))
        ap_event_set_addr(ev, json_string_value(json_object_get(line, "src_ip")),
                          -1, NULL, -1);
    ap_event_set_str(ev, "transport", "tcp");
    ap_event_set_str(ev, "protocol", "ssh");
    ap_event_set_str(ev, "kind", "direct-tcpip");
    ap_event_set_bytes(ev, "target_host", host, strlen(host));
    if (port > 0 && port <= 65535)
        ap_event_set_int(ev, "target_port", port);
    json_array_append_new(tun, ev);
}

/* The first data chunk of the latest request to the same target. */
static void
tunnel_data(json_t *rec, const json_t *line)
{
    json_t *tun = json_object_get(rec, "tunnels"), *ev;
    const char *host = json_string_value(json_object_get(line, "dst_ip"));
    const char *data = json_string_value(json_object_get(line, "data"));
    json_t *port = json_object_get(line, "dst_port");
    size_t i = json_array_size(tun);

    if (host == NULL || data == NULL)
        return;
    while (i-- > 0) {
        ev = json_array_get(tun, i);
        if (strcmp(json_string_value(json_object_get(ev, "target_host")),
                   host) == 0 &&
            json_integer_value(json_object_get(ev, "target_port")) ==
                json_integer_value(port)) {
            if (json_object_get(ev, "data") == NULL)
                ap_event_set_b64(ev, "data", data, strlen(data),
                                 AP_LIMIT_CAPTURE_BYTES);
            return;
        }
    }
}

static int
line_event(struct cw *w, json_t *line)
{
    const char *eid = json_string_value(json_object_get(line, "eventid"));
    const char *sid = json_string_value(json_object_get(line, "session"));
    const char *tstr = json_string_value(json_object_get(line, "timestamp"));
    json_t *rec, *msg, *pair;
    int64_t ts = 0;

    if (eid == NULL || sid == NULL || *sid == '\0' || tstr == NULL ||
        ap_time_parse_iso(tstr, &ts) != 0)
        return 1; /* not a cowrie session event */
    rec = json_object_get(w->open, sid);
    if (rec == NULL) {
        if (strcmp(eid, "cowrie.session.closed") == 0)
            return 0; /* closed without anything we kept */
        while (json_object_size(w->open) >= MAX_OPEN &&
               json_array_size(w->order) > 0) {
            int r = send_session(
                w, json_string_value(json_array_get(w->order, 0)));
            json_array_remove(w->order, 0);
            if (r != 0)
                return r;
        }
        if ((rec = new_record(sid, line)) == NULL ||
            json_object_set_new(w->open, sid, rec) != 0)
            return AP_ENOMEM;
        json_array_append_new(w->order, json_string(sid));
        msg = json_object_get(rec, "msg");
        json_object_set_new(msg, "startTime", json_string(tstr));
        copy(msg, "peerIP", line, "src_ip");
    }
    msg = json_object_get(rec, "msg");
    if (strcmp(eid, "cowrie.session.connect") == 0) {
        json_object_set_new(msg, "startTime", json_string(tstr));
        copy(msg, "peerIP", line, "src_ip");
        copy(msg, "peerPort", line, "src_port");
        copy(msg, "hostIP", line, "dst_ip");
        copy(msg, "hostPort", line, "dst_port");
        copy(msg, "protocol", line, "protocol");
    } else if (strcmp(eid, "cowrie.login.failed") == 0 ||
               strcmp(eid, "cowrie.login.success") == 0) {
        pair = json_pack("[OO]",
                         json_object_get(line, "username")
                             ? json_object_get(line, "username")
                             : json_null(),
                         json_object_get(line, "password")
                             ? json_object_get(line, "password")
                             : json_null());
        if (pair == NULL)
            return AP_ENOMEM;
        if (eid[13] == 'f')
            json_array_append_new(json_object_get(msg, "credentials"), pair);
        else
            json_object_set_new(msg, "loggedin", pair);
    } else if (strcmp(eid, "cowrie.command.input") == 0) {
        json_array_append(json_object_get(msg, "commands"),
                          json_object_get(line, "input"));
    } else if (strcmp(eid, "cowrie.command.failed") == 0) {
        json_array_append(json_object_get(msg, "unknownCommands"),
                          json_object_get(line, "input"));
    } else if (strcmp(eid, "cowrie.session.file_download") == 0) {
        if (json_object_get(line, "url"))
            json_array_append(json_object_get(msg, "urls"),
                              json_object_get(line, "url"));
        if (json_object_get(line, "shasum"))
            json_array_append(json_object_get(msg, "hashes"),
                              json_object_get(line, "shasum"));
    } else if (strcmp(eid, "cowrie.session.file_upload") == 0) {
        if (json_object_get(line, "shasum"))
            json_array_append(json_object_get(msg, "hashes"),
                              json_object_get(line, "shasum"));
    } else if (strcmp(eid, "cowrie.client.version") == 0) {
        copy(msg, "version", line, "version");
    } else if (strcmp(eid, "cowrie.client.kex") == 0) {
        copy(msg, "hassh", line, "hassh");
        copy(msg, "hasshAlgorithms", line, "hasshAlgorithms");
    } else if (strcmp(eid, "cowrie.client.size") == 0) {
        copy(msg, "width", line, "width");
        copy(msg, "height", line, "height");
    } else if (strcmp(eid, "cowrie.direct-tcpip.request") == 0) {
        tunnel(w, rec, line, sid, ts);
    } else if (strcmp(eid, "cowrie.direct-tcpip.data") == 0) {
        tunnel_data(rec, line);
    } else if (strcmp(eid, "cowrie.session.closed") == 0) {
        json_object_set_new(msg, "endTime", json_string(tstr));
        return send_session(w, sid);
    }
    return 0;
}

int
imp_cowrie(FILE *f, const char *ident, imp_emit_fn emit, void *ctx,
           struct imp_counts *n)
{
    struct cw w = {ident, emit, ctx, json_object(), json_array(), n};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    json_t *o;
    const char *sid;
    void *tmp;
    int r = 0;

    if (w.open == NULL || w.order == NULL) {
        r = AP_ENOMEM;
        goto out;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        n->lines++;
        o = json_loadb(line, (size_t)len, 0, NULL);
        r = o != NULL ? line_event(&w, o) : 1;
        json_decref(o);
        if (r > 0) {
            n->bad_lines++;
            r = 0;
        }
        if (r < 0)
            goto out;
    }
    /* sessions never closed in this file */
    json_object_foreach_safe(w.open, tmp, sid, o)
    {
        if ((r = send_session(&w, sid)) != 0)
            break;
    }
out:
    free(line);
    json_decref(w.open);
    json_decref(w.order);
    return r;
}
