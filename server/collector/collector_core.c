/*
 * The collector pipeline: bounded queue -> adapting thread (adapt ->
 * enrich -> rows) -> storing thread (store, batched -> sinks -> acks).
 * Two threads so that the CPU work of a batch overlaps the commit of the
 * one before (the store's writer is one thread by nature).  Used by the
 * "collector" server component (fed by the broker tap) and by `apiary
 * import`.
 *
 * Overflow: the tap runs on the broker loop and cannot wait, and hpfeeds
 * has no way to slow a publisher down.  When the queue is full
 * (queue_bytes or queue_items), payloads are appended to a spill file
 * (sequential buffered writes) and re-ingested by the adapting thread
 * as soon as the queue is empty; without a spill file they are counted
 * as dropped and logged.  Nothing is lost silently.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapters.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/metrics.h"
#include "ap/util.h"
#include "collector.h"
#include "collector_acks.h"
#include "collector_content.h"
#include "geo.h"
#include "store.h"
#include "ap/common.h"

#define MAX_SINKS 16
#define MAX_CHANNELS 128
#define ERR_LOG_EVERY_US (60 * 1000000LL)

struct item {
    struct item *next;
    int64_t rx_us;
    size_t len, size;
    char *ident, *channel;
    uint8_t *payload;
};

enum { M_RECEIVED, M_EVENTS, M_PARSE_ERRORS, M_STORED, M_DUPLICATES, M__N };

static const char *const metric_names[M__N][2] = {
    {"apiary_collector_received_total", "payloads received per channel"},
    {"apiary_collector_events_total", "canonical events made per channel"},
    {"apiary_collector_parse_errors_total",
     "payloads kept raw (no adapter, or unparseable) per channel"},
    {"apiary_collector_stored_total", "new events stored per channel"},
    {"apiary_collector_duplicates_total",
     "events already stored (resent) per channel"},
};

struct chan_stats {
    char name[64];
    long long received, events, parse_errors, stored, duplicates;
    struct ap_series *m[M__N];
    int64_t last_err_log;
    long long err_unlogged;
};

struct sink {
    ap_event_sink_fn fn;
    void *ctx;
};

struct ap_collector {
    struct ap_collector_opts o;
    char *files_dir, *spill_path;

    pthread_mutex_t mu;
    pthread_cond_t work, idle;
    struct item *head, *tail;
    size_t qbytes, qitems;
    unsigned long long submitted, done;
    int stop, started;
    pthread_t th;
    FILE *spill;
    unsigned long long spill_pending; /* submitted into the spill file */
    long long spilled, dropped, store_errors;
    int64_t last_full_log;

    struct sink sinks[MAX_SINKS];
    size_t nsinks;
    struct ap_series *m_spilled, *m_dropped, *m_qitems, *m_qbytes;
    /* file bytes carried in events (collector_content.c); smu */
    long long content_stored, content_mismatch;
    struct ap_series *m_content_stored, *m_content_mismatch;

    struct ap_acks *acks;
    pthread_mutex_t smu; /* stats */
    struct chan_stats ch[MAX_CHANNELS + 1]; /* last: every other channel */
    size_t nch;
    long long batches;

    /* The adapting thread fills cur; full batches wait in a short FIFO
     * (mu, at most MAX_INFLIGHT) for the storing thread. */
    struct cbatch *cur, *sq_head, *sq_tail;
    struct cbatch *spent; /* stored; released by the adapting thread */
    size_t sq_len;
    int adapt_done;
    pthread_cond_t sq_cv;
    pthread_t sth;
    pthread_mutex_t amu; /* acks: both threads ack */
};

/* Batches ready or being stored: enough to keep both threads busy, few
 * enough that a slow store pushes back on the queue (and the spill). */
#define MAX_INFLIGHT 2

struct cbatch {
    struct cbatch *next;
    json_t **evs;
    unsigned char *is_new;
    uint16_t *evch;
    size_t nev, cap;
    struct ap_store_batch *rows;
    /* rows of a stored batch, kept for the next one's (adapting thread) */
    struct ap_store_batch *spare;
    unsigned long long items; /* payloads finished when this is stored */
};

int
ap_collector_add_sink(struct ap_collector *c, ap_event_sink_fn fn, void *ctx)
{
    if (c == NULL || fn == NULL)
        return AP_EINVAL;
    pthread_mutex_lock(&c->mu);
    if (c->nsinks == MAX_SINKS) {
        pthread_mutex_unlock(&c->mu);
        return AP_EFULL;
    }
    c->sinks[c->nsinks].fn = fn;
    c->sinks[c->nsinks].ctx = ctx;
    c->nsinks++;
    pthread_mutex_unlock(&c->mu);
    return 0;
}

static void
series(struct chan_stats *s)
{
    struct ap_metric *m;
    int i;

    for (i = 0; i < M__N; i++) {
        m = ap_metric_new(AP_METRIC_COUNTER, metric_names[i][0],
                          metric_names[i][1], "channel", NULL);
        s->m[i] = m ? ap_metric_series(m, s->name, NULL) : NULL;
    }
}

static struct ap_series *
one_series(enum ap_metric_type t, const char *name, const char *help)
{
    struct ap_metric *m = ap_metric_new(t, name, help, NULL, NULL);

    return m ? ap_metric_series(m, NULL, NULL) : NULL;
}

static void
bump(struct chan_stats *s, int which, long long *field, long long n)
{
    *field += n;
    if (s->m[which] != NULL)
        ap_series_add(s->m[which], n);
}

/* Stats slot of a channel (adapting thread; smu held). */
static size_t
chan_slot(struct ap_collector *c, const char *name)
{
    size_t i;

    for (i = 0; i < c->nch; i++)
        if (strcmp(c->ch[i].name, name) == 0)
            return i;
    if (c->nch < MAX_CHANNELS && strlen(name) < sizeof(c->ch[0].name)) {
        snprintf(c->ch[c->nch].name, sizeof(c->ch[0].name), "%s", name);
        series(&c->ch[c->nch]);
        return c->nch++;
    }
    return MAX_CHANNELS;
}

static void
item_free(struct item *it)
{
    free(it);
}

static struct item *
item_new(const char *ident, const char *channel, const void *p, size_t len,
         int64_t rx_us)
{
    size_t il = strlen(ident), cl = strlen(channel);
    struct item *it = malloc(sizeof(*it) + il + cl + 2 + len);

    if (it == NULL)
        return NULL;
    it->next = NULL;
    it->rx_us = rx_us;
    it->len = len;
    it->size = sizeof(*it) + il + cl + 2 + len;
    it->ident = (char *)(it + 1);
    memcpy(it->ident, ident, il + 1);
    it->channel = it->ident + il + 1;
    memcpy(it->channel, channel, cl + 1);
    it->payload = (uint8_t *)it->channel + cl + 1;
    if (len)
        memcpy(it->payload, p, len);
    return it;
}

/* Spill record: u32 ident len, u32 channel len, u32 payload len, i64 rx,
 * then the three byte strings (host byte order: the file never leaves
 * this machine). */
static int
spill_write(struct ap_collector *c, const char *ident, const char *channel,
            const void *p, size_t len, int64_t rx_us)
{
    uint32_t h[3] = {(uint32_t)strlen(ident), (uint32_t)strlen(channel),
                     (uint32_t)len};

    if (c->spill == NULL &&
        (c->spill = fopen(c->spill_path, "ab")) == NULL)
        return AP_EIO;
    if (fwrite(h, sizeof(h), 1, c->spill) != 1 ||
        fwrite(&rx_us, sizeof(rx_us), 1, c->spill) != 1 ||
        fwrite(ident, 1, h[0], c->spill) != h[0] ||
        fwrite(channel, 1, h[1], c->spill) != h[1] ||
        (len && fwrite(p, 1, len, c->spill) != len))
        return AP_EIO;
    return 0;
}

int
ap_collector_submit(struct ap_collector *c, const char *ident,
                    const char *channel, const void *payload, size_t len,
                    int64_t rx_us)
{
    struct item *it;
    int r = 0;

    pthread_mutex_lock(&c->mu);
    c->submitted++;
    if (c->qitems >= c->o.queue_items ||
        c->qbytes + len > c->o.queue_bytes) {
        if (c->spill_path != NULL &&
            spill_write(c, ident, channel, payload, len, rx_us) == 0) {
            c->spilled++;
            c->spill_pending++;
            if (c->m_spilled)
                ap_series_add(c->m_spilled, 1);
        } else {
            c->dropped++;
            c->done++;
            if (c->m_dropped)
                ap_series_add(c->m_dropped, 1);
        }
        if (ap_now_us() - c->last_full_log > 10 * 1000000LL) {
            c->last_full_log = ap_now_us();
            ap_log_warn("collector queue full (%zu payloads, %zu bytes): "
                        "%lld spilled to disk, %lld dropped so far",
                        c->qitems, c->qbytes, c->spilled, c->dropped);
        }
        pthread_cond_signal(&c->work);
        pthread_mutex_unlock(&c->mu);
        return AP_EFULL;
    }
    pthread_mutex_unlock(&c->mu);
    /* allocate outside the lock */
    it = item_new(ident, channel, payload, len, rx_us);
    pthread_mutex_lock(&c->mu);
    if (it == NULL) {
        c->dropped++;
        c->done++;
        r = AP_ENOMEM;
    } else {
        if (c->tail)
            c->tail->next = it;
        else
            c->head = it;
        c->tail = it;
        c->qitems++;
        c->qbytes += len;
        if (c->m_qitems) {
            ap_series_set(c->m_qitems, (int64_t)c->qitems);
            ap_series_set(c->m_qbytes, (int64_t)c->qbytes);
        }
        pthread_cond_signal(&c->work);
    }
    pthread_mutex_unlock(&c->mu);
    return r;
}

int
ap_collector_submit_wait(struct ap_collector *c, const char *ident,
                         const char *channel, const void *payload, size_t len,
                         int64_t rx_us)
{
    pthread_mutex_lock(&c->mu);
    while ((c->qitems >= c->o.queue_items ||
            c->qbytes + len > c->o.queue_bytes) &&
           c->qitems > 0)
        pthread_cond_wait(&c->idle, &c->mu);
    pthread_mutex_unlock(&c->mu);
    return ap_collector_submit(c, ident, channel, payload, len, rx_us);
}

static int
batch_grow(struct cbatch *b)
{
    size_t nc = b->cap ? b->cap * 2 : 4096;
    json_t **e = realloc(b->evs, nc * sizeof(*e));
    unsigned char *n;
    uint16_t *ch;

    if (e == NULL)
        return AP_ENOMEM;
    b->evs = e;
    if ((n = realloc(b->is_new, nc)) == NULL)
        return AP_ENOMEM;
    b->is_new = n;
    if ((ch = realloc(b->evch, nc * sizeof(*ch))) == NULL)
        return AP_ENOMEM;
    b->evch = ch;
    b->cap = nc;
    return 0;
}

/* Empty a stored batch for reuse: its arrays stay. */
static void
batch_reset(struct cbatch *b)
{
    size_t i;

    for (i = 0; i < b->nev; i++)
        json_decref(b->evs[i]);
    if (b->spare == NULL)
        b->spare = b->rows;
    else
        ap_store_batch_free(b->rows);
    b->rows = NULL;
    b->nev = 0;
    b->items = 0;
    b->next = NULL;
}

static void
batch_free(struct cbatch *b)
{
    if (b == NULL)
        return;
    batch_reset(b);
    ap_store_batch_free(b->spare);
    free(b->evs);
    free(b->is_new);
    free(b->evch);
    free(b);
}

static struct cbatch *
batch_new(void)
{
    struct cbatch *b = calloc(1, sizeof(*b));

    if (b != NULL && batch_grow(b) != 0) {
        batch_free(b);
        return NULL;
    }
    return b;
}

/* amu held */
static void
ack_seq(struct ap_collector *c, const char *ident, long long seq)
{
    if (c->o.ack != NULL && seq > 0)
        ap_acks_done(c->acks, ident, seq);
}

static void
publish_ack(void *ctx, const char *ident, long long seq)
{
    struct ap_collector *c = ctx;

    c->o.ack(c->o.ack_ctx, ident, seq);
}

/* Store one batch, then sinks and acks (storing thread).  Retries while
 * the store fails (disk full, PostgreSQL restarting): nothing is acked
 * before it is durable. */
static void
store_batch(struct ap_collector *c, struct cbatch *b)
{
    size_t i, nsinks;
    int r, tries = 0;
    struct sink sinks[MAX_SINKS];

    if (b->nev == 0)
        return;
    for (;;) {
        r = b->rows == NULL ? ap_store_prepare(b->evs, b->nev, &b->rows)
                            : 0;
        if (r == 0 &&
            (r = ap_store_commit(c->o.store, b->rows, NULL, b->is_new)) == 0)
            break;
        c->store_errors++;
        if (tries++ % 10 == 0)
            ap_log_error("storing %zu events failed: %s; retrying", b->nev,
                         ap_strerror(r));
        if (c->stop && tries > 3) {
            ap_log_error("shutting down: %zu events not stored (native "
                         "sensors resend them: they were not acked)",
                         b->nev);
            return;
        }
        sleep(1);
    }
    pthread_mutex_lock(&c->smu);
    for (i = 0; i < b->nev; i++) {
        struct chan_stats *s = &c->ch[b->evch[i]];
        if (b->is_new[i])
            bump(s, M_STORED, &s->stored, 1);
        else
            bump(s, M_DUPLICATES, &s->duplicates, 1);
    }
    c->batches++;
    pthread_mutex_unlock(&c->smu);
    pthread_mutex_lock(&c->mu);
    nsinks = c->nsinks;
    memcpy(sinks, c->sinks, sizeof(sinks));
    pthread_mutex_unlock(&c->mu);
    pthread_mutex_lock(&c->amu);
    for (i = 0; i < b->nev; i++) {
        const json_t *seq;
        size_t k;
        if (b->is_new[i])
            for (k = 0; k < nsinks; k++)
                sinks[k].fn(sinks[k].ctx, b->evs[i]);
        if ((seq = json_object_get(b->evs[i], "seq")) != NULL)
            ack_seq(c, json_string_value(json_object_get(b->evs[i],
                                                         "sensor")),
                    json_integer_value(seq));
    }
    if (c->o.ack != NULL)
        ap_acks_each_changed(c->acks, publish_ack, c);
    pthread_mutex_unlock(&c->amu);
}

/* The stored batches (mu held): the adapting thread frees them (the
 * events' memory was mostly allocated there), which keeps that work off
 * the storing thread, the one that limits ingest. */
static struct cbatch *
take_spent(struct ap_collector *c)
{
    struct cbatch *l = c->spent;

    c->spent = NULL;
    return l;
}

/* Free stored batches; the current batch (adapting thread) takes the
 * rows memory of one if it has none, so that a pause in the traffic does
 * not cost the next batch megabytes of fresh allocations. */
static void
free_spent(struct ap_collector *c, struct cbatch *l)
{
    struct cbatch *next;

    for (; l != NULL; l = next) {
        next = l->next;
        if (c->cur != NULL && c->cur->spare == NULL) {
            batch_reset(l);
            c->cur->spare = l->spare;
            l->spare = NULL;
        }
        batch_free(l);
    }
}

/* Hand the current batch to the storing thread (adapting thread): its
 * rows are made here, so that this CPU work overlaps the commit of the
 * batch before.  Waits while MAX_INFLIGHT batches are ahead. */
static void
ship_batch(struct ap_collector *c)
{
    struct cbatch *b = c->cur, *fresh, *spent;

    if (b->nev == 0 && b->items == 0)
        return;
    /* on failure the storing thread prepares it again */
    if (b->nev > 0 &&
        ap_store_prepare_reuse(b->evs, b->nev, &b->spare) == 0) {
        b->rows = b->spare;
        b->spare = NULL;
    }
    pthread_mutex_lock(&c->mu);
    while (c->sq_len >= MAX_INFLIGHT)
        pthread_cond_wait(&c->sq_cv, &c->mu);
    if (c->sq_tail)
        c->sq_tail->next = b;
    else
        c->sq_head = b;
    c->sq_tail = b;
    c->sq_len++;
    pthread_cond_broadcast(&c->sq_cv);
    spent = take_spent(c);
    pthread_mutex_unlock(&c->mu);
    /* The next batch is a stored one when there is one (its arrays are
     * already the size batches grow to). */
    if ((fresh = spent) != NULL) {
        spent = spent->next;
        batch_reset(fresh);
    }
    while (fresh == NULL && (fresh = batch_new()) == NULL) {
        ap_log_error("out of memory for the next batch; retrying");
        sleep(1);
    }
    c->cur = fresh;
    free_spent(c, spent);
}

static void *
storer(void *arg)
{
    struct ap_collector *c = arg;
    struct cbatch *b;

    pthread_setname_np(pthread_self(), "ap-store");
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (c->sq_head == NULL && !c->adapt_done)
            pthread_cond_wait(&c->sq_cv, &c->mu);
        if ((b = c->sq_head) == NULL)
            break;
        pthread_mutex_unlock(&c->mu);
        store_batch(c, b);
        pthread_mutex_lock(&c->mu);
        /* leaves the FIFO only now: MAX_INFLIGHT counts it while stored */
        if ((c->sq_head = b->next) == NULL)
            c->sq_tail = NULL;
        c->sq_len--;
        c->done += b->items;
        b->next = c->spent;
        c->spent = b;
        pthread_cond_broadcast(&c->sq_cv);
        pthread_cond_broadcast(&c->idle);
        pthread_cond_signal(&c->work); /* the adapting thread frees it */
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static void
parse_error(struct ap_collector *c, const struct item *it, size_t slot,
            const char *why)
{
    struct chan_stats *s = &c->ch[slot];
    json_t *o;
    int r;

    r = ap_store_put_raw(c->o.store, it->rx_us, it->channel, it->ident,
                         it->payload, it->len, why);
    if (r != 0)
        ap_log_error("cannot keep raw payload from %s on %s: %s", it->ident,
                     it->channel, ap_strerror(r));
    pthread_mutex_lock(&c->smu);
    bump(s, M_PARSE_ERRORS, &s->parse_errors, 1);
    if (it->rx_us - s->last_err_log >= ERR_LOG_EVERY_US) {
        ap_log_warn("channel %s from %s: payload kept raw: %s (%lld more "
                    "since the last message)",
                    it->channel, it->ident, why, s->err_unlogged);
        s->last_err_log = it->rx_us;
        s->err_unlogged = 0;
    } else {
        s->err_unlogged++;
    }
    pthread_mutex_unlock(&c->smu);
    /* a refused native event is durable (raw): ack its seq if readable */
    if (strcmp(it->channel, "apiary.events") == 0 &&
        (o = json_loadb((const char *)it->payload, it->len, 0, NULL)) !=
            NULL) {
        json_t *seq = json_object_get(o, "seq");
        if (json_is_integer(seq)) {
            pthread_mutex_lock(&c->amu);
            ack_seq(c, it->ident, json_integer_value(seq));
            if (c->o.ack != NULL)
                ap_acks_each_changed(c->acks, publish_ack, c);
            pthread_mutex_unlock(&c->amu);
        }
        json_decref(o);
    }
}

/* File bytes in the event go to disk, never to the store or outputs. */
static void
take_content(struct ap_collector *c, json_t *ev)
{
    int res = ap_content_take(ev, c->files_dir, c->o.store);

    if (res == AP_CONTENT_NONE)
        return;
    pthread_mutex_lock(&c->smu);
    if (res == AP_CONTENT_STORED) {
        c->content_stored++;
        if (c->m_content_stored)
            ap_series_add(c->m_content_stored, 1);
    } else if (res == AP_CONTENT_MISMATCH) {
        c->content_mismatch++;
        if (c->m_content_mismatch)
            ap_series_add(c->m_content_mismatch, 1);
    }
    pthread_mutex_unlock(&c->smu);
}

static void
process_item(struct ap_collector *c, const struct item *it)
{
    struct ap_adapt_in in;
    char err[512], ts[40];
    json_t *out, *ev, *rx = NULL;
    size_t slot, i;
    int r;

    pthread_mutex_lock(&c->smu);
    slot = chan_slot(c, it->channel);
    bump(&c->ch[slot], M_RECEIVED, &c->ch[slot].received, 1);
    pthread_mutex_unlock(&c->smu);
    memset(&in, 0, sizeof(in));
    in.channel = it->channel;
    in.ident = it->ident;
    in.payload = it->payload;
    in.len = it->len;
    in.rx_us = it->rx_us;
    in.files_dir = c->files_dir;
    err[0] = '\0';
    if ((r = ap_adapt(&in, &out, err, sizeof(err))) != 0) {
        parse_error(c, it, slot, err[0] ? err : ap_strerror(r));
        return;
    }
    ap_format_time_us(it->rx_us, ts, sizeof(ts));
    /* one value for the payload's events (ours, ASCII: not checked) */
    rx = json_stringn_nocheck(ts, strlen(ts));
    json_array_foreach(out, i, ev)
    {
        struct cbatch *b = c->cur;

        take_content(c, ev);
        if (b->nev == b->cap && batch_grow(b) != 0) {
            ap_log_error("out of memory: storing the batch early");
            ship_batch(c);
            b = c->cur;
        }
        if (rx == NULL ||
            json_object_set_new_nocheck(ev, "rx_ts", json_incref(rx)) != 0 ||
            ap_geo_enrich(c->o.geo, ev) != 0)
            ap_log_warn("out of memory enriching an event");
        b->evs[b->nev] = json_incref(ev);
        b->evch[b->nev] = (uint16_t)slot;
        b->nev++;
        if (b->nev >= c->o.batch_max)
            ship_batch(c);
    }
    pthread_mutex_lock(&c->smu);
    bump(&c->ch[slot], M_EVENTS, &c->ch[slot].events,
         (long long)json_array_size(out));
    pthread_mutex_unlock(&c->smu);
    json_decref(rx);
    json_decref(out);
}

/* Re-ingest a spill file, then delete it. */
static void
replay(struct ap_collector *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    uint32_t h[3];
    int64_t rx;
    struct item *it;
    long long n = 0;

    if (f == NULL)
        return;
    ap_log_info("re-ingesting spilled payloads from %s", path);
    while (fread(h, sizeof(h), 1, f) == 1 && fread(&rx, sizeof(rx), 1, f) == 1) {
        if (h[0] > 255 || h[1] > 255 || h[2] > AP_LIMIT_HPF_MSG)
            break;
        if ((it = malloc(sizeof(*it) + h[0] + h[1] + 2 + h[2])) == NULL)
            break;
        it->ident = (char *)(it + 1);
        it->channel = it->ident + h[0] + 1;
        it->payload = (uint8_t *)it->channel + h[1] + 1;
        it->len = h[2];
        it->rx_us = rx;
        if (fread(it->ident, 1, h[0], f) != h[0] ||
            fread(it->channel, 1, h[1], f) != h[1] ||
            (h[2] && fread(it->payload, 1, h[2], f) != h[2])) {
            free(it);
            break;
        }
        it->ident[h[0]] = '\0';
        it->channel[h[1]] = '\0';
        process_item(c, it);
        free(it);
        n++;
    }
    fclose(f);
    unlink(path);
    ap_log_info("re-ingested %lld spilled payloads", n);
}

static void *
adapter_main(void *arg)
{
    struct ap_collector *c = arg;
    struct item *list, *it, *next;
    unsigned long long replayed;
    char rp[4200];

    pthread_setname_np(pthread_self(), "ap-adapt");
    if (c->spill_path != NULL) {
        /* left over from a crash (ap_collector_new moved the live name
         * aside before anything could be submitted) */
        snprintf(rp, sizeof(rp), "%s.replay", c->spill_path);
        replay(c, rp);
        snprintf(rp, sizeof(rp), "%s.old", c->spill_path);
        replay(c, rp);
        ship_batch(c);
    }
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (c->head == NULL && c->spill_pending == 0 && !c->stop) {
            struct cbatch *spent = take_spent(c);

            if (spent == NULL) {
                pthread_cond_wait(&c->work, &c->mu);
                continue;
            }
            pthread_mutex_unlock(&c->mu);
            free_spent(c, spent);
            pthread_mutex_lock(&c->mu);
        }
        if (c->head == NULL && c->spill_pending > 0) {
            /* the queue drained: take the spill file as it is */
            replayed = c->spill_pending;
            c->spill_pending = 0;
            if (c->spill != NULL)
                fclose(c->spill);
            c->spill = NULL;
            snprintf(rp, sizeof(rp), "%s.replay", c->spill_path);
            rename(c->spill_path, rp);
            pthread_mutex_unlock(&c->mu);
            replay(c, rp);
            c->cur->items += replayed; /* done once stored */
            ship_batch(c);
            pthread_mutex_lock(&c->mu);
            continue;
        }
        if (c->head == NULL && c->stop)
            break;
        /* take everything queued: group commit */
        list = c->head;
        c->head = c->tail = NULL;
        c->qitems = 0;
        c->qbytes = 0;
        if (c->m_qitems) {
            ap_series_set(c->m_qitems, 0);
            ap_series_set(c->m_qbytes, 0);
        }
        pthread_mutex_unlock(&c->mu);
        pthread_cond_broadcast(&c->idle); /* room in the queue */
        for (it = list; it; it = next) {
            next = it->next;
            process_item(c, it);
            item_free(it);
            c->cur->items++;
        }
        ship_batch(c);
        pthread_mutex_lock(&c->mu);
    }
    c->adapt_done = 1;
    pthread_cond_broadcast(&c->sq_cv);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/*
 * glibc's fastbins off, for the whole process.  The adapting thread makes
 * a batch's events (~40 small jansson allocations each) and frees a
 * stored batch of 5,000 at once: the frees filled the fastbins, every
 * coalesced free of 64 KiB or more then ran malloc_consolidate over them,
 * and the next allocations went the slow way through the unsorted bin --
 * a quarter of the thread's CPU.  Without fastbins small blocks are
 * coalesced as they are freed and tcache still serves the hot sizes:
 * measured 1.6-1.8 s -> 1.2-1.35 s of adapting-thread CPU per 200,000
 * events, the storing thread unchanged (docs/PERFORMANCE.md).  A setting,
 * not a correctness matter: under ASan (its own allocator) it does
 * nothing.
 */
static void
malloc_tune(void)
{
    mallopt(M_MXFAST, 0);
}

int
ap_collector_new(const struct ap_collector_opts *o, struct ap_collector **out)
{
    static pthread_once_t tuned = PTHREAD_ONCE_INIT;
    struct ap_collector *c;

    if (o->store == NULL)
        return AP_EINVAL;
    pthread_once(&tuned, malloc_tune);
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return AP_ENOMEM;
    c->o = *o;
    if (c->o.batch_max == 0)
        c->o.batch_max = 5000;
    if (c->o.queue_bytes == 0)
        c->o.queue_bytes = AP_LIMIT_COLLECTOR_QUEUE_BYTES;
    if (c->o.queue_items == 0)
        c->o.queue_items = AP_LIMIT_COLLECTOR_QUEUE_ITEMS;
    c->m_spilled = one_series(AP_METRIC_COUNTER,
                              "apiary_collector_spilled_total",
                              "payloads written to the spill file (queue full)");
    c->m_dropped = one_series(AP_METRIC_COUNTER,
                              "apiary_collector_dropped_total",
                              "payloads lost (queue full, no spill file)");
    c->m_qitems = one_series(AP_METRIC_GAUGE, "apiary_collector_queue_items",
                             "payloads waiting for the writer");
    c->m_qbytes = one_series(AP_METRIC_GAUGE, "apiary_collector_queue_bytes",
                             "payload bytes waiting for the writer");
    if (c->m_qbytes == NULL)
        c->m_qitems = NULL;
    c->m_content_stored = one_series(
        AP_METRIC_COUNTER, "apiary_collector_content_stored_total",
        "file contents carried in events and stored under files/");
    c->m_content_mismatch = one_series(
        AP_METRIC_COUNTER, "apiary_collector_content_mismatch_total",
        "file contents dropped: bytes did not match the event's sha256");
    snprintf(c->ch[MAX_CHANNELS].name, sizeof(c->ch[0].name), "_other");
    series(&c->ch[MAX_CHANNELS]);
    if ((o->files_dir && (c->files_dir = strdup(o->files_dir)) == NULL) ||
        (o->spill_path && (c->spill_path = strdup(o->spill_path)) == NULL) ||
        (c->acks = ap_acks_new()) == NULL || (c->cur = batch_new()) == NULL)
        goto fail;
    if (c->spill_path != NULL) {
        char old[4200];
        snprintf(old, sizeof(old), "%s.old", c->spill_path);
        if (access(c->spill_path, F_OK) == 0 && access(old, F_OK) != 0)
            rename(c->spill_path, old);
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->smu, NULL);
    pthread_mutex_init(&c->amu, NULL);
    pthread_cond_init(&c->work, NULL);
    pthread_cond_init(&c->idle, NULL);
    pthread_cond_init(&c->sq_cv, NULL);
    if (pthread_create(&c->sth, NULL, storer, c) != 0)
        goto fail_sync;
    if (pthread_create(&c->th, NULL, adapter_main, c) != 0) {
        pthread_mutex_lock(&c->mu);
        c->adapt_done = 1;
        pthread_cond_broadcast(&c->sq_cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->sth, NULL);
        goto fail_sync;
    }
    c->started = 1;
    *out = c;
    return 0;
fail_sync:
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->smu);
    pthread_mutex_destroy(&c->amu);
    pthread_cond_destroy(&c->work);
    pthread_cond_destroy(&c->idle);
    pthread_cond_destroy(&c->sq_cv);
fail:
    ap_acks_free(c->acks);
    batch_free(c->cur);
    free(c->files_dir);
    free(c->spill_path);
    free(c);
    return AP_ENOMEM;
}

void
ap_collector_flush(struct ap_collector *c)
{
    unsigned long long target;

    pthread_mutex_lock(&c->mu);
    target = c->submitted;
    pthread_cond_signal(&c->work);
    while (c->done < target)
        pthread_cond_wait(&c->idle, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

void
ap_collector_free(struct ap_collector *c)
{
    if (c == NULL)
        return;
    ap_collector_flush(c);
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->work);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL); /* ships its last batch, then adapt_done */
    pthread_join(c->sth, NULL);
    free_spent(c, c->spent);
    if (c->spill)
        fclose(c->spill);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->smu);
    pthread_mutex_destroy(&c->amu);
    pthread_cond_destroy(&c->work);
    pthread_cond_destroy(&c->idle);
    pthread_cond_destroy(&c->sq_cv);
    ap_acks_free(c->acks);
    batch_free(c->cur);
    free(c->files_dir);
    free(c->spill_path);
    free(c);
}

json_t *
ap_collector_stats(struct ap_collector *c)
{
    json_t *o = json_object(), *chans = json_object(), *q;
    size_t i;

    if (o == NULL || chans == NULL) {
        json_decref(o);
        json_decref(chans);
        return NULL;
    }
    pthread_mutex_lock(&c->mu);
    q = json_pack("{sIsIsIsIsIsI}", "items", (json_int_t)c->qitems, "bytes",
                  (json_int_t)c->qbytes, "submitted",
                  (json_int_t)c->submitted, "done", (json_int_t)c->done,
                  "spilled", (json_int_t)c->spilled, "dropped",
                  (json_int_t)c->dropped);
    pthread_mutex_unlock(&c->mu);
    json_object_set_new(o, "queue", q);
    pthread_mutex_lock(&c->smu);
    for (i = 0; i <= MAX_CHANNELS; i++) {
        struct chan_stats *s = &c->ch[i];
        if (i >= c->nch && i != MAX_CHANNELS)
            continue;
        if (i == MAX_CHANNELS && s->received == 0)
            continue;
        json_object_set_new(
            chans, s->name,
            json_pack("{sIsIsIsIsI}", "received", (json_int_t)s->received,
                      "events", (json_int_t)s->events, "parse_errors",
                      (json_int_t)s->parse_errors, "stored",
                      (json_int_t)s->stored, "duplicates",
                      (json_int_t)s->duplicates));
    }
    json_object_set_new(o, "batches", json_integer(c->batches));
    json_object_set_new(o, "store_errors", json_integer(c->store_errors));
    json_object_set_new(o, "content_stored", json_integer(c->content_stored));
    json_object_set_new(o, "content_mismatch",
                        json_integer(c->content_mismatch));
    pthread_mutex_unlock(&c->smu);
    json_object_set_new(o, "channels", chans);
    return o;
}
