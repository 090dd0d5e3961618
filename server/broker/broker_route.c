/*
 * Channels, subscriptions and fan-out.
 *
 * Channels are only ever created from names an ACL allows (or by the
 * server itself), so their number is bounded by configuration and they
 * are kept until the broker stops.
 *
 * Fan-out forwards the publisher's frame as received: a PUBLISH carries
 * the publisher's own ident, which the broker has already checked, so
 * the outgoing frame is byte-identical.  Small frames are copied into
 * each subscriber's output buffer (cheaper than a reference); big ones
 * are copied once into a refcounted block that every subscriber's
 * evbuffer references.
 *
 * Slow subscribers (Redis client-output-buffer-limit pubsub): past the
 * hard cap, or over the soft cap for longer than sub_soft_seconds, the
 * subscriber gets "Backpressure deadline timer expired" (hpfeeds3's words)
 * and is closed.  The publisher never waits.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "ap/err.h"
#include "ap/metrics.h"
#include "ap/util.h"
#include "broker_int.h"
#include "ap/common.h"

/* Frames at least this big are shared between subscribers, not copied. */
#define SHARE_MIN (16u * 1024u)

static const char backpressure_msg[] = "Backpressure deadline timer expired";

static uint32_t
fnv1a(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

static int
grow_buckets(struct ap_broker *b)
{
    size_t n = b->nbuckets ? b->nbuckets * 2 : 64, i;
    struct bk_chan **nb = calloc(n, sizeof(*nb)), *ch, *next;

    if (nb == NULL)
        return AP_ENOMEM;
    for (i = 0; i < b->nbuckets; i++) {
        for (ch = b->chans[i]; ch; ch = next) {
            size_t h = fnv1a(ch->name, ch->len) & (n - 1);
            next = ch->hnext;
            ch->hnext = nb[h];
            nb[h] = ch;
        }
    }
    free(b->chans);
    b->chans = nb;
    b->nbuckets = n;
    return 0;
}

struct bk_chan *
bk_chan_get(struct ap_broker *b, const void *name, size_t len, int create)
{
    struct bk_chan *ch;
    size_t h;

    if (b->nbuckets) {
        h = fnv1a(name, len) & (b->nbuckets - 1);
        for (ch = b->chans[h]; ch; ch = ch->hnext)
            if (ch->len == len && memcmp(ch->name, name, len) == 0)
                return ch;
    }
    if (!create)
        return NULL;
    if (b->nchans >= b->nbuckets && grow_buckets(b) != 0)
        return NULL;
    if ((ch = calloc(1, sizeof(*ch) + len + 1)) == NULL)
        return NULL;
    memcpy(ch->name, name, len);
    ch->len = len;
    ch->m_subs = ap_metric_series_n(b->m.subs, ch->name, len, NULL, 0);
    ch->m_sent = ap_metric_series_n(b->m.sent, ch->name, len, NULL, 0);
    ch->m_sent_bytes = ap_metric_series_n(b->m.sent_bytes, ch->name, len, NULL, 0);
    ch->m_dropped = ap_metric_series_n(b->m.dropped, ch->name, len, NULL, 0);
    h = fnv1a(name, len) & (b->nbuckets - 1);
    ch->hnext = b->chans[h];
    b->chans[h] = ch;
    b->nchans++;
    return ch;
}

void
bk_chans_free(struct ap_broker *b)
{
    struct bk_chan *ch, *next;
    size_t i;

    for (i = 0; i < b->nbuckets; i++) {
        for (ch = b->chans[i]; ch; ch = next) {
            next = ch->hnext;
            free(ch->subs);
            free(ch);
        }
    }
    free(b->chans);
    b->chans = NULL;
    b->nbuckets = b->nchans = 0;
}

int
bk_subscribe(struct bk_conn *c, struct bk_chan *ch)
{
    size_t i;
    void *p;

    for (i = 0; i < c->nsubs; i++) {
        if (c->subs[i].chan == ch) {
            c->subs[i].count++;
            return 0;
        }
    }
    if (c->nsubs == c->subcap) {
        size_t n = c->subcap ? c->subcap * 2 : 4;
        if ((p = realloc(c->subs, n * sizeof(*c->subs))) == NULL)
            return AP_ENOMEM;
        c->subs = p;
        c->subcap = n;
    }
    if (ch->nsubs == ch->subcap) {
        size_t n = ch->subcap ? ch->subcap * 2 : 4;
        if ((p = realloc(ch->subs, n * sizeof(*ch->subs))) == NULL)
            return AP_ENOMEM;
        ch->subs = p;
        ch->subcap = n;
    }
    c->subs[c->nsubs++] = (struct bk_sub){ch, 1};
    ch->subs[ch->nsubs++] = c;
    ap_series_add(ch->m_subs, 1);
    return 0;
}

static void
chan_remove(struct bk_chan *ch, struct bk_conn *c)
{
    size_t i;

    for (i = 0; i < ch->nsubs; i++) {
        if (ch->subs[i] == c) {
            ch->subs[i] = ch->subs[--ch->nsubs];
            ap_series_add(ch->m_subs, -1);
            return;
        }
    }
}

void
bk_unsubscribe(struct bk_conn *c, struct bk_chan *ch)
{
    size_t i;

    for (i = 0; i < c->nsubs; i++) {
        if (c->subs[i].chan != ch)
            continue;
        if (--c->subs[i].count == 0) {
            chan_remove(ch, c);
            c->subs[i] = c->subs[--c->nsubs];
        }
        return;
    }
}

void
bk_unsubscribe_all(struct bk_conn *c)
{
    size_t i;

    for (i = 0; i < c->nsubs; i++)
        chan_remove(c->subs[i].chan, c);
    c->nsubs = 0;
}

struct shared {
    unsigned refs;
    uint8_t data[];
};

static void
shared_unref(const void *data, size_t len, void *arg)
{
    struct shared *s = arg;

    (void)data;
    (void)len;
    if (--s->refs == 0)
        free(s);
}

static void
cut_slow(struct bk_conn *c)
{
    struct ap_broker *b = c->b;

    ap_metric_add(b->m.backpressure, c->ident, NULL, 1);
    bk_count_error(b, c->ident, c->ident_len, "deadline-timer-expired");
    bk_conn_close(c, backpressure_msg, sizeof(backpressure_msg) - 1);
}

/* Returns 1 if the subscriber may take len more bytes, 0 if it was cut. */
static int
admit(struct bk_conn *c, size_t queued, size_t len)
{
    const struct broker_conf *cf = c->b->conf;
    int64_t now;

    /* One message alone always fits, so a hard cap below max_message
     * cannot starve every subscriber of big files. */
    if (queued > 0 && queued + len > cf->sub_hard_limit) {
        cut_slow(c);
        return 0;
    }
    if (queued + len <= cf->sub_soft_limit) {
        c->soft_since_us = 0;
        return 1;
    }
    now = ap_mono_us();
    if (c->soft_since_us == 0) {
        c->soft_since_us = now;
    } else if (now - c->soft_since_us >= cf->sub_soft_seconds * 1000000) {
        cut_slow(c);
        return 0;
    }
    return 1;
}

void
bk_fanout(struct ap_broker *b, struct bk_chan *ch, struct bk_conn *from,
          const uint8_t *frame, size_t len)
{
    struct shared *sh = NULL;
    struct evbuffer *out;
    struct bk_conn *c;
    size_t i, sent = 0;

    if (len >= SHARE_MIN && ch->nsubs > 1 &&
        (sh = malloc(sizeof(*sh) + len)) != NULL) {
        memcpy(sh->data, frame, len);
        sh->refs = 1; /* ours, dropped below */
    }
    /* Backwards: cutting subscriber i moves the last (already served)
     * one into slot i. */
    for (i = ch->nsubs; i-- > 0;) {
        c = ch->subs[i];
        if (c == from && !b->conf->self_delivery)
            continue;
        out = bufferevent_get_output(c->bev);
        if (!admit(c, evbuffer_get_length(out), len)) {
            ap_series_add(ch->m_dropped, 1);
            continue;
        }
        if (sh) {
            sh->refs++;
            if (evbuffer_add_reference(out, sh->data, len, shared_unref, sh)) {
                sh->refs--;
                ap_series_add(ch->m_dropped, 1);
                continue;
            }
        } else if (evbuffer_add(out, frame, len) != 0) {
            ap_series_add(ch->m_dropped, 1);
            continue;
        }
        sent++;
    }
    if (sh)
        shared_unref(NULL, 0, sh);
    ap_series_add(ch->m_sent, (int64_t)sent);
    ap_series_add(ch->m_sent_bytes, (int64_t)(sent * len));
}

void
bk_check_deadlines(struct ap_broker *b)
{
    struct bk_conn *c, *next;
    int64_t now = ap_mono_us(), lim = b->conf->sub_soft_seconds * 1000000;

    for (c = b->conns; c; c = next) {
        next = c->next;
        if (c->state != BK_AUTHED || c->soft_since_us == 0)
            continue;
        if (evbuffer_get_length(bufferevent_get_output(c->bev)) <=
            b->conf->sub_soft_limit)
            c->soft_since_us = 0;
        else if (now - c->soft_since_us >= lim)
            cut_slow(c);
    }
}
