/*
 * Delivery (docs/SENSOR.md "Delivery"): the spool is the queue.  On every
 * (re)connection the cursor rewinds to the oldest unacknowledged event and
 * everything after it is published again; the server stores each id once
 * and answers {"seq": N} on apiary.ack.<ident> with the highest contiguous
 * sequence it holds, and the spool drops what that covers.
 *
 * Without server acks (server_acks no: a plain MHN broker) an event counts
 * as delivered ack_grace seconds after the client library handed it to
 * the kernel with nothing queued behind it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/hpf_client.h"
#include "ap/log.h"
#include "ap/util.h"
#include "deliver.h"
#include "sensor.h"
#include "spool.h"
#include "ap/common.h"

#ifndef AP_VERSION
#define AP_VERSION "0.0.0"
#endif

#define CHAN_EVENTS "apiary.events"
#define CHAN_STATUS "apiary.status"
/* Client output buffer: room for several full-size records, so a publish
 * after the pending check below never fails with AP_EFULL. */
#define OUT_MAX (4u * AP_SPOOL_REC_MAX)
/* Events published but not acknowledged before we wait for acks: bounds
 * what a reconnect re-sends and what the server must dedupe. */
#define ACK_WINDOW 20000u
/* Records per loop turn, so sessions keep being served while a backlog
 * drains. */
#define PUMP_BATCH 512
/* Without acks: checkpoints of (sequence, time) waiting out the grace. */
#define GRACE_SLOTS 256

struct grace_slot {
    uint64_t seq;
    int64_t at_us;
};

struct ap_deliver {
    struct ap_sensor *sn;
    struct hpf_client *c;
    char ack_chan[300];
    char host[256];
    int port;
    int ready;
    int pump_scheduled;
    uint64_t sent;         /* highest sequence published this connection */
    uint64_t published;    /* publishes since start (metric) */
    uint64_t acks;         /* ack messages received */
    uint64_t reconnects;
    int64_t last_ack_us;
    struct event *pump_ev, *hb_ev, *tick_ev;
    /* A gap in the spool (records lost to disk damage): the numbers
     * gap_from..gap_to are published as "error" events first, so the
     * server's contiguous ack moves on and the loss is on record; then
     * the held record follows. */
    uint64_t gap_from, gap_to;
    struct ap_spool_rec held;
    int have_held;
    uint64_t lost;
    struct grace_slot grace[GRACE_SLOTS];
    size_t ngrace;
    uint64_t hb_events;    /* sn->m.events at the last heartbeat */
    int64_t hb_at;
};

static void deliver_pump(struct ap_deliver *d);

void
ap_deliver_kick(struct ap_deliver *d)
{
    if (d->ready && !d->pump_scheduled) {
        d->pump_scheduled = 1;
        event_active(d->pump_ev, EV_TIMEOUT, 0);
    }
}

static void
on_pump(evutil_socket_t fd, short what, void *arg)
{
    struct ap_deliver *d = arg;

    (void)fd;
    (void)what;
    d->pump_scheduled = 0;
    deliver_pump(d);
}

/* The stand-in for a sequence number whose record the spool lost. */
static int
publish_lost(struct ap_deliver *d, uint64_t seq)
{
    json_t *ev = ap_event_new(AP_EV_ERROR, d->sn->ident, "sensor", 0);
    char *text = NULL;
    int r = AP_ENOMEM;

    if (ev == NULL ||
        json_object_set_new(ev, "seq", json_integer((json_int_t)seq)) != 0 ||
        ap_event_set_str(ev, "reason", "spool: event lost to disk "
                                       "corruption on the sensor") != 0 ||
        (text = json_dumps(ev, JSON_COMPACT)) == NULL)
        goto out;
    r = hpf_client_publish(d->c, CHAN_EVENTS, text, strlen(text));
out:
    free(text);
    json_decref(ev);
    return r;
}

/* An event goes to apiary.events; a record of ap_sensor_publish to its
 * own channel (mhn_compat). */
static int
publish_rec(struct ap_deliver *d, const struct ap_spool_rec *rec)
{
    const uint8_t *payload;
    const char *chan;
    char name[256];
    size_t cl, pl;

    if (!ap_sensor_rec_channel(rec->data, rec->len, &chan, &cl, &payload,
                               &pl))
        return hpf_client_publish(d->c, CHAN_EVENTS, rec->data, rec->len);
    if (cl >= sizeof(name))
        return 0; /* cannot happen: ap_sensor_publish checked it */
    memcpy(name, chan, cl);
    name[cl] = '\0';
    return hpf_client_publish(d->c, name, payload, pl);
}

static void
deliver_pump(struct ap_deliver *d)
{
    struct ap_spool *sp = d->sn->spool;
    struct ap_spool_rec rec;
    int n, r;

    for (n = 0; d->ready && n < PUMP_BATCH; n++) {
        if (d->sn->conf.server_acks &&
            d->sent >= ap_spool_acked(sp) + ACK_WINDOW)
            return; /* the next ack re-kicks */
        if (hpf_client_pending(d->c) + AP_SPOOL_REC_MAX + 1024 > OUT_MAX)
            return; /* on_drain re-kicks */
        if (d->gap_from != 0 && d->gap_from <= d->gap_to) {
            if ((r = publish_lost(d, d->gap_from)) != 0)
                return;
            d->sent = d->gap_from++;
            d->lost++;
            continue;
        }
        if (d->have_held) {
            rec = d->held; /* still valid: ap_spool_next not called since */
            d->have_held = 0;
        } else {
            if ((r = ap_spool_next(sp, &rec)) == AP_ENOENT)
                return;
            if (r != 0) {
                ap_log_error("spool read: %s", ap_strerror(r));
                return;
            }
            if (rec.seq > d->sent + 1) {
                ap_log_error("spool: events %" PRIu64 "..%" PRIu64
                             " were lost; sending a placeholder for each",
                             d->sent + 1, rec.seq - 1);
                d->gap_from = d->sent + 1;
                d->gap_to = rec.seq - 1;
                d->held = rec;
                d->have_held = 1;
                continue;
            }
        }
        r = publish_rec(d, &rec);
        if (r != 0) {
            /* Not ready any more: the reconnect rewinds and re-sends. */
            ap_log_warn("publish seq %" PRIu64 ": %s", rec.seq,
                        ap_strerror(r));
            return;
        }
        d->sent = rec.seq;
        d->published++;
    }
    if (d->ready)
        ap_deliver_kick(d); /* more to do: next loop turn */
}

static void
on_ready(void *ctx, struct hpf_client *c)
{
    struct ap_deliver *d = ctx;

    (void)c;
    d->ready = 1;
    d->reconnects++;
    /* Replay whatever the server has not acknowledged. */
    ap_spool_rewind(d->sn->spool);
    d->sent = ap_spool_acked(d->sn->spool);
    d->ngrace = 0;
    d->gap_from = d->gap_to = 0;
    d->have_held = 0;
    ap_log_info("connected to %s:%d as %s; %" PRIu64
                " event(s) to (re)send",
                d->host, d->port, d->sn->ident,
                ap_spool_next_seq(d->sn->spool) - 1 - d->sent);
    event_active(d->hb_ev, EV_TIMEOUT, 0); /* status right away */
    ap_deliver_kick(d);
}

static void
on_disconnect(void *ctx, int err)
{
    struct ap_deliver *d = ctx;

    if (d->ready)
        ap_log_warn("lost the connection to %s:%d: %s; reconnecting",
                    d->host, d->port, ap_strerror(err));
    else
        ap_log_debug("connect to %s:%d failed: %s", d->host, d->port,
                     ap_strerror(err));
    d->ready = 0;
}

static void
on_error(void *ctx, const char *text, size_t len)
{
    struct ap_deliver *d = ctx;

    ap_log_error("server %s:%d refused us (ident %s): %.*s", d->host, d->port,
                 d->sn->ident, (int)(len > 200 ? 200 : len), text);
}

static void
on_drain(void *ctx)
{
    ap_deliver_kick(ctx);
}

/* {"seq": N} on apiary.ack.<ident>. */
static void
on_message(void *ctx, const char *ident, size_t ident_len, const char *chan,
           size_t chan_len, const uint8_t *payload, size_t len)
{
    struct ap_deliver *d = ctx;
    json_t *j, *v;

    (void)ident;
    (void)ident_len;
    if (chan_len != strlen(d->ack_chan) ||
        memcmp(chan, d->ack_chan, chan_len) != 0)
        return;
    j = json_loadb((const char *)payload, len, 0, NULL);
    v = j ? json_object_get(j, "seq") : NULL;
    if (v == NULL || !json_is_integer(v) || json_integer_value(v) < 0) {
        ap_log_warn("ignoring a malformed ack on %s", d->ack_chan);
    } else {
        d->acks++;
        d->last_ack_us = ap_now_us();
        if (d->sn->conf.server_acks)
            ap_spool_ack(d->sn->spool, (uint64_t)json_integer_value(v));
        ap_deliver_kick(d);
    }
    json_decref(j);
}

/* Without acks: checkpoint what the kernel has, release what aged out. */
static void
grace_tick(struct ap_deliver *d)
{
    int64_t now = ap_mono_us(), grace = d->sn->conf.ack_grace * 1000000LL;
    size_t drop = 0;

    if (d->ready && hpf_client_pending(d->c) == 0 && d->sent > 0 &&
        (d->ngrace == 0 || d->grace[d->ngrace - 1].seq < d->sent)) {
        if (d->ngrace == GRACE_SLOTS) {
            memmove(d->grace, d->grace + 1,
                    (GRACE_SLOTS - 1) * sizeof(*d->grace));
            d->ngrace--;
        }
        d->grace[d->ngrace++] = (struct grace_slot){d->sent, now};
    }
    while (drop < d->ngrace && now - d->grace[drop].at_us >= grace)
        drop++;
    if (drop > 0) {
        ap_spool_ack(d->sn->spool, d->grace[drop - 1].seq);
        memmove(d->grace, d->grace + drop,
                (d->ngrace - drop) * sizeof(*d->grace));
        d->ngrace -= drop;
    }
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct ap_deliver *d = arg;

    (void)fd;
    (void)what;
    if (!d->sn->conf.server_acks)
        grace_tick(d);
}

/* The status message the server keeps per sensor (docs/SENSOR.md). */
static json_t *
status_json(struct ap_deliver *d)
{
    struct ap_sensor *sn = d->sn;
    struct ap_spool_stats st;
    json_t *j, *mods, *ports, *m;
    int64_t now = ap_mono_us();
    double mins;
    char host[256];
    char ts[32];
    size_t i, k;

    ap_spool_stats(sn->spool, &st);
    mins = d->hb_at ? (double)(now - d->hb_at) / 60e6 : 0;
    ap_format_time_us(ap_now_us(), ts, sizeof(ts));
    if (gethostname(host, sizeof(host)) != 0)
        host[0] = '\0';
    host[sizeof(host) - 1] = '\0';
    j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:{s:I, "
                  "s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I}}",
                  "sensor", sn->ident, "name", sn->conf.name, "hostname", host,
                  "version", AP_VERSION, "ts", ts, "uptime",
                  (json_int_t)((ap_now_us() - sn->start_us) / 1000000),
                  "sessions", (json_int_t)sn->nsessions, "events",
                  (json_int_t)sn->m.events, "event_rate",
                  mins > 0 ? (double)(sn->m.events - d->hb_events) / mins : 0.0,
                  "spool", "pending", (json_int_t)st.pending, "bytes",
                  (json_int_t)st.bytes, "acked", (json_int_t)st.acked,
                  "refused_full", (json_int_t)st.refused_full, "refused_big",
                  (json_int_t)st.refused_big, "corrupt",
                  (json_int_t)st.corrupt, "refused", "limit",
                  (json_int_t)sn->m.refused_limit, "rate",
                  (json_int_t)sn->m.refused_rate);
    if (j == NULL)
        return NULL;
    d->hb_events = sn->m.events;
    d->hb_at = now;
    json_object_set_new(j, "heartbeat", json_integer(sn->conf.heartbeat));
    json_object_set_new(j, "lost", json_integer((json_int_t)d->lost));
    mods = json_array();
    json_object_set_new(j, "modules", mods);
    for (i = 0; mods && i < sn->nmods; i++) {
        if (!sn->mods[i].enabled)
            continue;
        m = json_pack("{s:s, s:I}", "name", sn->mods[i].proto->name,
                      "sessions", (json_int_t)sn->mods[i].sessions_total);
        ports = json_array();
        for (k = 0; ports && k < sn->mods[i].nls; k++)
            json_array_append_new(ports, json_integer(sn->mods[i].ls[k].port));
        if (m && ports)
            json_object_set_new(m, "ports", ports);
        else
            json_decref(ports);
        if (m)
            json_array_append_new(mods, m);
    }
    if (sn->conf.tags.n > 0) {
        json_t *tags = json_array();
        for (i = 0; tags && i < sn->conf.tags.n; i++)
            json_array_append_new(tags, json_string(sn->conf.tags.v[i]));
        json_object_set_new(j, "tags", tags);
    }
    return j;
}

static void
on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
    struct ap_deliver *d = arg;
    json_t *j;
    char *s;

    (void)fd;
    (void)what;
    if (!d->ready || (j = status_json(d)) == NULL)
        return;
    if ((s = json_dumps(j, JSON_COMPACT)) != NULL) {
        hpf_client_publish(d->c, CHAN_STATUS, s, strlen(s));
        free(s);
    }
    json_decref(j);
}

static int
split_server(const char *spec, char *host, size_t hostlen, int *port)
{
    const char *colon;
    char *end;
    long p;

    if (spec[0] == '[') {
        const char *rb = strchr(spec, ']');
        if (rb == NULL || rb[1] != ':')
            return AP_EINVAL;
        if ((size_t)(rb - spec - 1) >= hostlen)
            return AP_EINVAL;
        memcpy(host, spec + 1, (size_t)(rb - spec - 1));
        host[rb - spec - 1] = '\0';
        colon = rb + 1;
    } else {
        if ((colon = strrchr(spec, ':')) == NULL ||
            (size_t)(colon - spec) >= hostlen || colon == spec)
            return AP_EINVAL;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
    }
    p = strtol(colon + 1, &end, 10);
    if (*end != '\0' || p < 1 || p > 65535)
        return AP_EINVAL;
    *port = (int)p;
    return 0;
}

int
ap_deliver_new(struct ap_sensor *sn, struct ap_deliver **out, char *err,
               size_t errlen)
{
    struct hpf_client_opts o;
    struct ap_deliver *d;
    struct timeval hb = {(time_t)sn->conf.heartbeat, 0}, sec = {1, 0};
    int r;

    if (sn->conf.ident == NULL || sn->conf.secret == NULL) {
        snprintf(err, errlen, "server %s: 'ident' and 'secret' are required",
                 sn->conf.server);
        return AP_ECONF;
    }
    if ((d = calloc(1, sizeof(*d))) == NULL)
        return AP_ENOMEM;
    d->sn = sn;
    if (split_server(sn->conf.server, d->host, sizeof(d->host), &d->port) !=
        0) {
        snprintf(err, errlen, "server %s: expected host:port",
                 sn->conf.server);
        free(d);
        return AP_ECONF;
    }
    snprintf(d->ack_chan, sizeof(d->ack_chan), "apiary.ack.%s",
             sn->conf.ident);
    d->pump_ev = event_new(sn->base, -1, 0, on_pump, d);
    d->hb_ev = event_new(sn->base, -1, EV_PERSIST, on_heartbeat, d);
    d->tick_ev = event_new(sn->base, -1, EV_PERSIST, on_tick, d);
    if (!d->pump_ev || !d->hb_ev || !d->tick_ev ||
        event_add(d->hb_ev, &hb) != 0 || event_add(d->tick_ev, &sec) != 0) {
        ap_deliver_free(d);
        return AP_ENOMEM;
    }
    memset(&o, 0, sizeof(o));
    o.host = d->host;
    o.port = d->port;
    o.ident = sn->conf.ident;
    o.secret = sn->conf.secret;
    o.tls = sn->conf.tls;
    o.tls_ca = sn->conf.tls_ca;
    o.tls_hostname = sn->conf.tls_name;
    o.out_max = OUT_MAX;
    o.reconnect = 1;
    o.ctx = d;
    o.on_ready = on_ready;
    o.on_message = on_message;
    o.on_error = on_error;
    o.on_disconnect = on_disconnect;
    o.on_drain = on_drain;
    /* An MHN broker's ACL would refuse the ack channel and drop us. */
    if ((r = hpf_client_new(sn->base, &o, &d->c)) != 0 ||
        (sn->conf.server_acks &&
         (r = hpf_client_subscribe(d->c, d->ack_chan)) != 0)) {
        snprintf(err, errlen, "server %s: %s", sn->conf.server,
                 ap_strerror(r));
        ap_deliver_free(d);
        return r;
    }
    *out = d;
    return 0;
}

void
ap_deliver_free(struct ap_deliver *d)
{
    if (d == NULL)
        return;
    if (d->c)
        hpf_client_free(d->c);
    if (d->pump_ev)
        event_free(d->pump_ev);
    if (d->hb_ev)
        event_free(d->hb_ev);
    if (d->tick_ev)
        event_free(d->tick_ev);
    free(d);
}
