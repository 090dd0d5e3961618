/*
 * GET /api/v1/stream: server-sent events of every newly stored event.
 *
 * The collector hands each stored event to web_sse_sink on its thread;
 * the sink serialises it once and appends it to each client's bounded
 * queue (WEB_SSE_QUEUE).  A client whose queue is full is a slow client:
 * it is dropped (its stream ends; EventSource reconnects and the page
 * fills the gap from /api/v1/events).  A client with nothing to send is
 * suspended in MHD and resumed by the sink, so idle streams cost no CPU
 * and no worker thread.  A ping every 15 s finds dead peers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "ap/err.h"
#include "ap/log.h"
#include "collector.h"
#include "server.h"
#include "web.h"
#include "web_handlers.h"
#include "ap/common.h"


#define SSE_MAX_EVENT (16u * 1024u) /* larger events are sent trimmed */
#define SSE_PING_SECS 15

struct sse_client {
    struct web_sse *s;
    struct MHD_Connection *conn;
    char *q[WEB_SSE_QUEUE];
    size_t head, count;
    char *cur;           /* message being written */
    size_t cur_off, cur_len;
    int suspended, dropped, ping;
    struct sse_client *next, *prev;
};

struct web_sse {
    pthread_mutex_t mu;
    struct sse_client *clients;
    size_t nclients;
    int closing;
    unsigned long long sent, dropped_clients;
    pthread_t pinger;
    pthread_cond_t ping_cv;
    int pinger_running;
};

/* The collector has no way to remove a sink, and it stops after us: the
 * sink finds the stream through this pointer, cleared at free. */
static pthread_mutex_t sink_mu = PTHREAD_MUTEX_INITIALIZER;
static struct web_sse *sink_target;
static int sink_registered;

static void
wake(struct sse_client *c)
{
    if (c->suspended) {
        c->suspended = 0;
        MHD_resume_connection(c->conn);
    }
}

/* A trimmed copy of a large event: the fields the map and lists show. */
static char *
trimmed(const json_t *ev)
{
    static const char *const keep[] = {
        "id",       "ts",       "type",    "sensor",  "honeypot",
        "session",  "src_ip",   "src_port", "dst_ip", "dst_port",
        "protocol", "src_country", "src_lat", "src_lon", "src_asn",
    };
    json_t *o = json_object();
    char *s;
    size_t i;

    if (o == NULL)
        return NULL;
    for (i = 0; i < AP_ARRAY_SIZE(keep); i++) {
        json_t *v = json_object_get(ev, keep[i]);
        if (v != NULL)
            json_object_set(o, keep[i], v);
    }
    json_object_set_new(o, "trimmed", json_true());
    s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    return s;
}

static void
web_sse_sink(void *ctx, const json_t *ev)
{
    struct web_sse *s;
    struct sse_client *c;
    char *js = NULL, *msg = NULL;
    size_t n;

    (void)ctx;
    pthread_mutex_lock(&sink_mu);
    if ((s = sink_target) == NULL)
        goto out;
    pthread_mutex_lock(&s->mu);
    if (s->nclients == 0 || s->closing)
        goto unlock;
    js = json_dumps(ev, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (js != NULL && strlen(js) > SSE_MAX_EVENT) {
        free(js);
        js = trimmed(ev);
    }
    if (js == NULL)
        goto unlock;
    /* ENSURE_ASCII: no raw newline can end the data: line early. */
    n = strlen(js) + 32;
    if ((msg = malloc(n)) == NULL)
        goto unlock;
    snprintf(msg, n, "event: event\ndata: %s\n\n", js);
    for (c = s->clients; c != NULL; c = c->next) {
        char *m;
        if (c->dropped)
            continue;
        if (c->count == WEB_SSE_QUEUE || (m = strdup(msg)) == NULL) {
            c->dropped = 1; /* slow client: end its stream */
            s->dropped_clients++;
            wake(c);
            continue;
        }
        c->q[(c->head + c->count) % WEB_SSE_QUEUE] = m;
        c->count++;
        wake(c);
    }
unlock:
    pthread_mutex_unlock(&s->mu);
out:
    pthread_mutex_unlock(&sink_mu);
    free(js);
    free(msg);
}

static void *
pinger(void *arg)
{
    struct web_sse *s = arg;
    struct sse_client *c;
    struct timespec ts;

    pthread_mutex_lock(&s->mu);
    while (!s->closing) {
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += SSE_PING_SECS;
        if (pthread_cond_timedwait(&s->ping_cv, &s->mu, &ts) == ETIMEDOUT)
            for (c = s->clients; c != NULL; c = c->next) {
                c->ping = 1;
                wake(c);
            }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int
web_sse_start(struct web *w)
{
    struct web_sse *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return AP_ENOMEM;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->ping_cv, NULL);
    if (pthread_create(&s->pinger, NULL, pinger, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->ping_cv);
        free(s);
        return AP_ENOMEM;
    }
    s->pinger_running = 1;
    w->sse = s;
    pthread_mutex_lock(&sink_mu);
    sink_target = s;
    pthread_mutex_unlock(&sink_mu);
    if (w->srv->collector == NULL) {
        ap_log_warn("web: no collector; the live stream stays empty");
    } else if (!sink_registered) {
        if (ap_collector_add_sink(w->srv->collector, web_sse_sink, NULL) != 0)
            ap_log_warn("web: cannot attach the live stream");
        else
            sink_registered = 1;
    }
    return 0;
}

void
web_sse_stop(struct web *w)
{
    struct web_sse *s = w->sse;
    struct sse_client *c;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->closing = 1;
    for (c = s->clients; c != NULL; c = c->next)
        wake(c);
    pthread_cond_broadcast(&s->ping_cv);
    pthread_mutex_unlock(&s->mu);
    if (s->pinger_running) {
        pthread_join(s->pinger, NULL);
        s->pinger_running = 0;
    }
}

void
web_sse_free(struct web *w)
{
    struct web_sse *s = w->sse;

    if (s == NULL)
        return;
    pthread_mutex_lock(&sink_mu);
    sink_target = NULL;
    pthread_mutex_unlock(&sink_mu);
    /* MHD is stopped: every client's free callback has run. */
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->ping_cv);
    free(s);
    w->sse = NULL;
}

static ssize_t
reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct sse_client *c = cls;
    struct web_sse *s = c->s;
    ssize_t n = 0;

    (void)pos;
    pthread_mutex_lock(&s->mu);
    if (c->cur == NULL && c->count > 0) {
        c->cur = c->q[c->head];
        c->q[c->head] = NULL;
        c->head = (c->head + 1) % WEB_SSE_QUEUE;
        c->count--;
        c->cur_off = 0;
        c->cur_len = strlen(c->cur);
    }
    if (c->cur != NULL) {
        n = (ssize_t)AP_MIN(max, c->cur_len - c->cur_off);
        memcpy(buf, c->cur + c->cur_off, (size_t)n);
        c->cur_off += (size_t)n;
        if (c->cur_off == c->cur_len) {
            free(c->cur);
            c->cur = NULL;
            s->sent++;
        }
    } else if (s->closing || c->dropped) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else if (c->ping && max >= 8) {
        c->ping = 0;
        memcpy(buf, ": ping\n\n", 8);
        n = 8;
    } else {
        c->suspended = 1;
        MHD_suspend_connection(c->conn);
        n = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void
client_free(void *cls)
{
    struct sse_client *c = cls;
    struct web_sse *s = c->s;
    size_t i;

    pthread_mutex_lock(&s->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->nclients--;
    pthread_mutex_unlock(&s->mu);
    for (i = 0; i < c->count; i++)
        free(c->q[(c->head + i) % WEB_SSE_QUEUE]);
    free(c->cur);
    free(c);
}

int
web_api_stream(struct web_req *r)
{
    struct web_sse *s = r->w->sse;
    struct sse_client *c;
    static const char hello[] = "retry: 3000\nevent: hello\ndata: {}\n\n";

    if ((c = calloc(1, sizeof(*c))) == NULL)
        return AP_ENOMEM;
    c->s = s;
    c->conn = r->conn;
    if ((c->cur = strdup(hello)) == NULL) {
        free(c);
        return AP_ENOMEM;
    }
    c->cur_len = strlen(hello);
    pthread_mutex_lock(&s->mu);
    if (s->closing || s->nclients >= WEB_SSE_CLIENTS) {
        pthread_mutex_unlock(&s->mu);
        free(c->cur);
        free(c);
        return web_reply_error(r, 503, "Too many live streams.");
    }
    c->next = s->clients;
    if (s->clients)
        s->clients->prev = c;
    s->clients = c;
    s->nclients++;
    pthread_mutex_unlock(&s->mu);
    r->sse_client = c;
    r->status = 200;
    r->ctype = "text/event-stream";
    return 0;
}

struct MHD_Response *
web_sse_response(struct web_req *r)
{
    struct sse_client *c = r->sse_client;
    struct MHD_Response *resp;

    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader,
                                             c, client_free);
    if (resp == NULL)
        client_free(c);
    r->sse_client = NULL;
    return resp;
}
