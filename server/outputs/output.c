/*
 * An output: format on the producer's thread, bounded queue, one worker
 * thread per output that owns the destination (dest_*.c style helpers are
 * small enough to live here: file, syslog, Splunk HEC).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "conn.h"
#include "format.h"
#include "outq.h"
#include "output.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/hpf_client.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/util.h"
#include "ap/common.h"

#define OFF(f) offsetof(struct ap_output_conf, f)
const struct ap_conf_kw ap_output_keywords[] = {
    {"type", AP_CONF_STR, OFF(type), NULL, 0, 0, NULL,
     "file, syslog, splunk_hec or hpfeeds"},
    {"format", AP_CONF_STR, OFF(format), "json", 0, 0, NULL,
     "json, ecs, splunk, cef or cef_mhn"},
    {"enabled", AP_CONF_BOOL, OFF(enabled), "yes", 0, 0, NULL, NULL},
    {"path", AP_CONF_STR, OFF(path), NULL, 0, 0, NULL, "file: where to append"},
    {"host", AP_CONF_STR, OFF(host), NULL, 0, 0, NULL, "syslog: receiver"},
    {"port", AP_CONF_PORT, OFF(port), "0", 0, 0, NULL, "syslog: 514 by default"},
    {"protocol", AP_CONF_STR, OFF(protocol), "udp", 0, 0, NULL,
     "syslog: udp, tcp or tls"},
    {"url", AP_CONF_STR, OFF(url), NULL, 0, 0, NULL,
     "splunk_hec: https://host:8088/services/collector/event"},
    {"token", AP_CONF_STR, OFF(token), NULL, 0, 0, NULL, "splunk_hec token"},
    {"tls_ca", AP_CONF_STR, OFF(tls_ca), NULL, 0, 0, NULL,
     "PEM CA file (default: the system store)"},
    {"tls_verify", AP_CONF_BOOL, OFF(tls_verify), "yes", 0, 0, NULL, NULL},
    {"tls_server_name", AP_CONF_STR, OFF(tls_server_name), NULL, 0, 0, NULL,
     "name to check in the certificate (default: host)"},
    {"tls_cert", AP_CONF_STR, OFF(tls_cert), NULL, 0, 0, NULL,
     "client certificate (PEM)"},
    {"tls_key", AP_CONF_STR, OFF(tls_key), NULL, 0, 0, NULL, "client key (PEM)"},
    {"facility", AP_CONF_INT, OFF(facility), "16", 0, 23, NULL,
     "syslog facility number (16 = local0)"},
    {"hostname", AP_CONF_STR, OFF(hostname), NULL, 0, 0, NULL,
     "syslog HOSTNAME (default: this host's name)"},
    {"queue", AP_CONF_INT, OFF(queue), "100000", 1, 10000000, NULL,
     "records held while the destination is slow or down"},
    {"queue_bytes", AP_CONF_SIZE, OFF(queue_bytes), "64M", 4096,
     AP_LIMIT_OUTPUT_QUEUE_BYTES * 16LL, NULL, NULL},
    {"max_message", AP_CONF_SIZE, OFF(max_message), "8k", 480, 65000, NULL,
     "syslog over UDP: larger messages are dropped (counted)"},
    {"timeout", AP_CONF_SECS, OFF(timeout), "5s", 1, 300, NULL,
     "connect and write timeout"},
    {"reconnect_max", AP_CONF_SECS, OFF(reconnect_max), "60s", 1, 3600, NULL,
     "longest wait between reconnects"},
    {"ident", AP_CONF_STR, OFF(ident), NULL, 0, 0, NULL, "hpfeeds: ident"},
    {"secret", AP_CONF_STR, OFF(secret), NULL, 0, 0, NULL, "hpfeeds: secret"},
    {"channel", AP_CONF_STR, OFF(channel), "apiary.events", 0, 0, NULL,
     "hpfeeds: channel to publish on"},
    {"batch_bytes", AP_CONF_SIZE, OFF(batch_bytes), "256k", 1024, 16 << 20, NULL,
     "splunk_hec: bytes per POST"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

enum dest { D_FILE, D_SYSLOG, D_HEC, D_HPFEEDS };
enum sproto { P_UDP, P_TCP, P_TLS };

struct ap_output {
    char *name;
    const struct ap_output_conf *c;
    enum ap_out_format fmt;
    enum dest dest;
    enum sproto proto;
    char hostname[256];
    int pid;
    struct ap_outq *q;
    pthread_t th;
    atomic_int reopen;
    atomic_llong stop_at_ms; /* 0: run; else give up draining at this time */
    atomic_ullong sent, errors, reconnects, dropped;
    /* worker-only state */
    int open, down_logged;
    int fd;
    dev_t dev;
    ino_t ino;
    struct ap_conn conn;
    struct ap_buf batch;
    size_t batch_n;
    char hec_auth[600];
};

static long long
mono_ms(void)
{
    return ap_mono_us() / 1000;
}

const char *
ap_output_name(const struct ap_output *o)
{
    return o->name;
}

/* ---- destinations (worker thread) ---- */

static int
dest_open(struct ap_output *o, char *err, size_t errlen)
{
    struct ap_conn_opts co;
    struct stat st;

    switch (o->dest) {
    case D_FILE:
        o->fd = open(o->c->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (o->fd < 0 || fstat(o->fd, &st) != 0) {
            snprintf(err, errlen, "%s: %s", o->c->path, strerror(errno));
            if (o->fd >= 0)
                close(o->fd);
            o->fd = -1;
            return AP_EIO;
        }
        o->dev = st.st_dev;
        o->ino = st.st_ino;
        return 0;
    case D_SYSLOG:
        memset(&co, 0, sizeof(co));
        co.host = o->c->host;
        co.port = o->c->port ? o->c->port : 514;
        co.udp = o->proto == P_UDP;
        co.tls = o->proto == P_TLS;
        co.ca_file = o->c->tls_ca;
        co.verify = o->c->tls_verify;
        co.server_name = o->c->tls_server_name;
        co.cert_file = o->c->tls_cert;
        co.key_file = o->c->tls_key;
        co.timeout_ms = (int)o->c->timeout * 1000;
        return ap_conn_open(&o->conn, &co, err, errlen);
    case D_HEC:
        return 0; /* one connection per POST */
    case D_HPFEEDS:
        break; /* hpf_worker */
    }
    return AP_EINVAL;
}

static void
dest_close(struct ap_output *o)
{
    if (o->dest == D_FILE && o->fd >= 0) {
        close(o->fd);
        o->fd = -1;
    } else if (o->dest == D_SYSLOG) {
        ap_conn_close(&o->conn);
    }
    o->open = 0;
}

/* Files: reopen when the path now names another file (logrotate moved
 * ours away) or nothing. */
static void
dest_tick(struct ap_output *o)
{
    struct stat st;

    if (o->dest != D_FILE || !o->open)
        return;
    if (stat(o->c->path, &st) != 0 || st.st_ino != o->ino || st.st_dev != o->dev) {
        ap_log_info("output %s: %s was moved, reopening", o->name, o->c->path);
        dest_close(o);
    }
}

static int
hec_flush(struct ap_output *o)
{
    char err[256];
    int status = 0, r;

    if (o->batch_n == 0)
        return 0;
    r = ap_http_post(o->c->url, "application/json", o->hec_auth,
                     ap_buf_data(&o->batch), ap_buf_len(&o->batch), o->c->tls_ca,
                     o->c->tls_verify, (int)o->c->timeout * 1000, &status, err,
                     sizeof(err));
    if (r == 0 && status / 100 == 2) {
        atomic_fetch_add(&o->sent, o->batch_n);
        ap_buf_reset(&o->batch);
        o->batch_n = 0;
        return 0;
    }
    if (r == 0)
        snprintf(err, sizeof(err), "HTTP status %d", status);
    if (!o->down_logged)
        ap_log_warn("output %s: POST %s: %s", o->name, o->c->url, err);
    o->down_logged = 1;
    return AP_EIO;
}

/* Deliver one record.  0 (sent), 1 (batched), or an error after which
 * the destination is closed and the record retried once on the next
 * connection. */
static int
dest_send(struct ap_output *o, const char *rec, size_t n)
{
    struct ap_buf fr;
    ssize_t w;
    int r;

    switch (o->dest) {
    case D_FILE:
        w = write(o->fd, rec, n);
        return w == (ssize_t)n ? 0 : AP_EIO;
    case D_SYSLOG:
        if (o->proto == P_UDP)
            return ap_conn_write(&o->conn, rec, n);
        ap_buf_init(&fr, n + 32);
        r = ap_syslog_octet_frame(&fr, rec, n);
        if (r == 0)
            r = ap_conn_write(&o->conn, ap_buf_data(&fr), ap_buf_len(&fr));
        ap_buf_release(&fr);
        return r;
    case D_HPFEEDS:
        return AP_EINVAL; /* hpf_worker */
    case D_HEC:
        if (ap_buf_len(&o->batch) + n > o->c->batch_bytes && hec_flush(o) != 0)
            return AP_EIO;
        if (ap_buf_append(&o->batch, rec, n) != 0)
            return AP_ETOOBIG;
        o->batch_n++;
        return 1; /* counted as sent when the batch goes out */
    }
    return AP_EINVAL;
}

static void *
worker(void *arg)
{
    struct ap_output *o = arg;
    long long next_try = 0, backoff = 250, last_tick = 0, now, stop_at;
    char *rec = NULL, err[256];
    size_t n = 0;
    int tries = 0, r;

    for (;;) {
        now = mono_ms();
        stop_at = atomic_load(&o->stop_at_ms);
        if (stop_at && now >= stop_at)
            break;
        if (atomic_exchange(&o->reopen, 0) && o->open) {
            dest_close(o);
            next_try = 0;
        }
        if (!o->open && now >= next_try) {
            err[0] = '\0';
            if (dest_open(o, err, sizeof(err)) == 0) {
                if (o->down_logged)
                    ap_log_info("output %s: connected again", o->name);
                o->open = 1;
                o->down_logged = 0;
                backoff = 250;
                atomic_fetch_add(&o->reconnects, 1);
            } else {
                if (!o->down_logged)
                    ap_log_warn("output %s: %s (retrying)", o->name, err);
                o->down_logged = 1;
                next_try = now + backoff;
                backoff = backoff * 2 > o->c->reconnect_max * 1000
                              ? o->c->reconnect_max * 1000
                              : backoff * 2;
            }
        }
        if (now - last_tick >= 1000) {
            dest_tick(o);
            last_tick = now;
        }
        if (rec == NULL) {
            r = ap_outq_pop(o->q, &rec, &n, 200);
            if (r == AP_EAGAIN || r == AP_ECLOSED) {
                if (o->dest == D_HEC && o->open && o->batch_n && hec_flush(o) != 0) {
                    next_try = mono_ms() + backoff;
                    o->open = 0;
                }
                if (r == AP_ECLOSED && (o->batch_n == 0 || stop_at))
                    break;
                if (r == AP_ECLOSED)
                    (void)poll(NULL, 0, 100);
                continue;
            }
            tries = 0;
        }
        if (!o->open) {
            (void)poll(NULL, 0, 50);
            continue;
        }
        if ((r = dest_send(o, rec, n)) >= 0) {
            if (r == 0)
                atomic_fetch_add(&o->sent, 1);
            free(rec);
            rec = NULL;
            continue;
        }
        atomic_fetch_add(&o->errors, 1);
        if (!o->down_logged)
            ap_log_warn("output %s: write failed, reconnecting", o->name);
        o->down_logged = 1;
        dest_close(o);
        next_try = mono_ms() + backoff;
        if (++tries >= 2) { /* one retry on a fresh connection, then drop */
            atomic_fetch_add(&o->dropped, 1);
            free(rec);
            rec = NULL;
        }
    }
    if (rec) {
        atomic_fetch_add(&o->dropped, 1);
        free(rec);
    }
    atomic_fetch_add(&o->dropped, o->batch_n);
    dest_close(o);
    return NULL;
}

/*
 * hpfeeds re-publish (MHN's collector shared normalized events with a
 * community broker): the worker runs the async hpfeeds client on its own
 * event loop; a timer moves records from the queue into the client's
 * bounded buffer while it is connected.
 */
struct hpf_run {
    struct ap_output *o;
    struct hpf_client *c;
    struct event_base *base;
    struct event *tick;
    char *rec;
    size_t n;
    int finishing;
};

static void
hpf_finished(void *ctx, int err)
{
    struct hpf_run *h = ctx;

    (void)err;
    event_base_loopbreak(h->base);
}

static void
hpf_tick(evutil_socket_t fd, short what, void *arg)
{
    struct hpf_run *h = arg;
    struct ap_output *o = h->o;
    long long stop_at = atomic_load(&o->stop_at_ms);
    int r;

    (void)fd;
    (void)what;
    if (stop_at && mono_ms() >= stop_at) {
        event_base_loopbreak(h->base);
        return;
    }
    while (!h->finishing && hpf_client_ready(h->c)) {
        if (h->rec == NULL) {
            r = ap_outq_pop(o->q, &h->rec, &h->n, 0);
            if (r == AP_ECLOSED) {
                h->finishing = 1;
                hpf_client_finish(h->c, 2000);
                return;
            }
            if (r != 0)
                return;
        }
        r = hpf_client_publish(h->c, o->c->channel, h->rec, h->n);
        if (r == AP_EFULL || r == AP_EAGAIN)
            return; /* retry on the next tick */
        if (r == 0)
            atomic_fetch_add(&o->sent, 1);
        else
            atomic_fetch_add(&o->dropped, 1);
        free(h->rec);
        h->rec = NULL;
    }
}

static void *
hpf_worker(void *arg)
{
    struct hpf_run h;
    struct hpf_client_opts ho;
    struct timeval tv = {0, 20000};

    memset(&h, 0, sizeof(h));
    h.o = arg;
    memset(&ho, 0, sizeof(ho));
    ho.host = h.o->c->host;
    ho.port = h.o->c->port ? h.o->c->port : 10000;
    ho.ident = h.o->c->ident;
    ho.secret = h.o->c->secret;
    ho.tls = h.o->c->tls_ca != NULL;
    ho.tls_ca = h.o->c->tls_ca;
    ho.tls_hostname = h.o->c->tls_server_name;
    ho.reconnect = 1;
    ho.backoff_max_ms = (int)h.o->c->reconnect_max * 1000;
    ho.connect_timeout_ms = (int)h.o->c->timeout * 1000;
    ho.ctx = &h;
    ho.on_finished = hpf_finished;
    if ((h.base = event_base_new()) == NULL ||
        hpf_client_new(h.base, &ho, &h.c) != 0 ||
        (h.tick = event_new(h.base, -1, EV_PERSIST, hpf_tick, &h)) == NULL ||
        event_add(h.tick, &tv) != 0) {
        ap_log_error("output %s: cannot start the hpfeeds client", h.o->name);
    } else {
        event_base_dispatch(h.base);
    }
    if (h.rec) {
        atomic_fetch_add(&h.o->dropped, 1);
        free(h.rec);
    }
    if (h.tick)
        event_free(h.tick);
    if (h.c)
        hpf_client_free(h.c);
    if (h.base)
        event_base_free(h.base);
    return NULL;
}

/* ---- producer side ---- */

static int
hec_record(struct ap_output *o, const json_t *ev, struct ap_buf *out)
{
    json_t *w = json_object(), *body;
    int64_t us = ap_event_ts_us(ev);
    struct ap_buf line;
    char *s;
    int r = AP_ENOMEM;

    if (w == NULL)
        return AP_ENOMEM;
    if (o->fmt == AP_FMT_ECS)
        body = ap_fmt_ecs_object(ev);
    else if (o->fmt == AP_FMT_JSON)
        body = json_deep_copy(ev);
    else {
        ap_buf_init(&line, AP_LIMIT_OUTPUT_RECORD);
        body = ap_out_format(o->fmt, ev, &line) == 0 && ap_buf_cstr(&line)
                   ? json_stringn((const char *)ap_buf_data(&line), ap_buf_len(&line))
                   : NULL;
        ap_buf_release(&line);
    }
    if (body == NULL ||
        json_object_set_new(w, "time", json_real((double)us / 1e6)) != 0 ||
        json_object_set_new(w, "host", json_string(ap_ev_str(ev, "sensor") ? ap_ev_str(ev, "sensor") : "apiary")) != 0 ||
        json_object_set_new(w, "source", json_string("apiary")) != 0 ||
        json_object_set_new(w, "sourcetype",
                            json_string(o->fmt == AP_FMT_ECS || o->fmt == AP_FMT_JSON ? "_json" : "apiary")) != 0 ||
        json_object_set_new(w, "event", body) != 0) {
        json_decref(w);
        return AP_ENOMEM;
    }
    if ((s = json_dumps(w, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL) {
        r = ap_buf_puts(out, s);
        free(s);
    }
    json_decref(w);
    return r;
}

int
ap_output_submit(struct ap_output *o, const json_t *ev)
{
    struct ap_buf rec, line;
    const char *type = ap_ev_str(ev, "type");
    int r;

    ap_buf_init(&rec, AP_LIMIT_OUTPUT_RECORD);
    switch (o->dest) {
    case D_FILE:
        if ((r = ap_out_format(o->fmt, ev, &rec)) == 0)
            r = ap_buf_puts(&rec, "\n");
        break;
    case D_SYSLOG:
        ap_buf_init(&line, AP_LIMIT_OUTPUT_RECORD);
        r = ap_out_format(o->fmt, ev, &line);
        if (r == 0)
            r = ap_syslog_5424(&rec, (int)o->c->facility,
                               ap_event_syslog_severity(ev), ap_event_ts_us(ev),
                               o->hostname, "apiary", o->pid, type,
                               ap_buf_data(&line), ap_buf_len(&line));
        ap_buf_release(&line);
        if (r == 0 && o->proto == P_UDP && ap_buf_len(&rec) > o->c->max_message)
            r = AP_ETOOBIG;
        break;
    case D_HEC:
        r = hec_record(o, ev, &rec);
        break;
    case D_HPFEEDS: /* the canonical event, whatever the format */
        r = ap_fmt_json(ev, &rec);
        break;
    default:
        r = AP_EINVAL;
    }
    if (r == 0)
        r = ap_outq_push(o->q, ap_buf_data(&rec), ap_buf_len(&rec));
    else
        atomic_fetch_add(&o->dropped, 1);
    ap_buf_release(&rec);
    return r;
}

void
ap_output_reopen(struct ap_output *o)
{
    atomic_store(&o->reopen, 1);
}

void
ap_output_stats(struct ap_output *o, struct ap_output_stats *st)
{
    struct ap_outq_stats qs;

    ap_outq_stats(o->q, &qs);
    st->queued = qs.pushed;
    st->pending = qs.records;
    st->sent = atomic_load(&o->sent);
    st->dropped = qs.dropped + atomic_load(&o->dropped);
    st->errors = atomic_load(&o->errors);
    st->reconnects = atomic_load(&o->reconnects);
}

static int
check_conf(const char *name, const struct ap_output_conf *c, struct ap_output *o,
           char *err, size_t errlen)
{
    int f;

    if (c->type == NULL) {
        snprintf(err, errlen, "[output %s]: 'type' is required", name);
        return AP_ECONF;
    }
    if ((f = ap_out_format_lookup(c->format)) < 0) {
        snprintf(err, errlen, "[output %s]: unknown format '%s'", name, c->format);
        return AP_ECONF;
    }
    o->fmt = (enum ap_out_format)f;
    if (strcmp(c->type, "file") == 0) {
        o->dest = D_FILE;
        if (c->path == NULL) {
            snprintf(err, errlen, "[output %s]: type file needs 'path'", name);
            return AP_ECONF;
        }
    } else if (strcmp(c->type, "syslog") == 0) {
        o->dest = D_SYSLOG;
        if (c->host == NULL) {
            snprintf(err, errlen, "[output %s]: type syslog needs 'host'", name);
            return AP_ECONF;
        }
        if (strcmp(c->protocol, "udp") == 0)
            o->proto = P_UDP;
        else if (strcmp(c->protocol, "tcp") == 0)
            o->proto = P_TCP;
        else if (strcmp(c->protocol, "tls") == 0)
            o->proto = P_TLS;
        else {
            snprintf(err, errlen, "[output %s]: protocol must be udp, tcp or tls",
                     name);
            return AP_ECONF;
        }
    } else if (strcmp(c->type, "splunk_hec") == 0) {
        char host[256], path[2048];
        int tls, port;
        o->dest = D_HEC;
        if (c->url == NULL || c->token == NULL ||
            ap_url_split(c->url, &tls, host, sizeof(host), &port, path,
                         sizeof(path)) != 0) {
            snprintf(err, errlen,
                     "[output %s]: splunk_hec needs 'url' (http[s]://host:port/path) "
                     "and 'token'", name);
            return AP_ECONF;
        }
        if (strpbrk(c->token, "\r\n") ||
            (size_t)snprintf(o->hec_auth, sizeof(o->hec_auth),
                             "Authorization: Splunk %s\r\n", c->token) >=
                sizeof(o->hec_auth)) {
            snprintf(err, errlen, "[output %s]: bad token", name);
            return AP_ECONF;
        }
    } else if (strcmp(c->type, "hpfeeds") == 0) {
        o->dest = D_HPFEEDS;
        if (c->host == NULL || c->ident == NULL || c->secret == NULL ||
            strlen(c->channel) > 255) {
            snprintf(err, errlen, "[output %s]: hpfeeds needs host, ident and secret",
                     name);
            return AP_ECONF;
        }
    } else {
        snprintf(err, errlen,
                 "[output %s]: unknown type '%s' (file, syslog, splunk_hec, hpfeeds)",
                 name, c->type);
        return AP_ECONF;
    }
    return 0;
}

int
ap_output_new(const char *name, const struct ap_output_conf *c,
              struct ap_output **out, char *err, size_t errlen)
{
    struct ap_output *o = calloc(1, sizeof(*o));

    if (o == NULL)
        return AP_ENOMEM;
    o->fd = -1;
    o->conn.fd = -1;
    o->c = c;
    if (check_conf(name, c, o, err, errlen) != 0) {
        free(o);
        return AP_ECONF;
    }
    if (c->hostname)
        snprintf(o->hostname, sizeof(o->hostname), "%s", c->hostname);
    else if (gethostname(o->hostname, sizeof(o->hostname) - 1) != 0)
        snprintf(o->hostname, sizeof(o->hostname), "apiary");
    o->pid = (int)getpid();
    ap_buf_init(&o->batch, c->batch_bytes + AP_LIMIT_OUTPUT_RECORD);
    o->name = strdup(name);
    o->q = ap_outq_new((size_t)c->queue, c->queue_bytes);
    if (o->name == NULL || o->q == NULL ||
        pthread_create(&o->th, NULL, o->dest == D_HPFEEDS ? hpf_worker : worker, o) != 0) {
        snprintf(err, errlen, "[output %s]: cannot start", name);
        ap_outq_free(o->q);
        free(o->name);
        free(o);
        return AP_ENOMEM;
    }
    *out = o;
    return 0;
}

void
ap_output_free(struct ap_output *o, int drain_ms)
{
    struct ap_output_stats st;

    if (o == NULL)
        return;
    atomic_store(&o->stop_at_ms, mono_ms() + (drain_ms > 0 ? drain_ms : 1));
    ap_outq_close(o->q);
    pthread_join(o->th, NULL);
    ap_output_stats(o, &st);
    ap_log_info("output %s: %llu sent, %llu dropped, %zu undelivered", o->name,
                (unsigned long long)st.sent, (unsigned long long)st.dropped,
                st.pending);
    ap_outq_free(o->q);
    ap_buf_release(&o->batch);
    free(o->name);
    free(o);
}
