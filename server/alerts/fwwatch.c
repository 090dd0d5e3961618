/* The firewall alert rule's follower thread; see fwwatch.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fwwatch.h"
#include "rule_store.h"
#include "store.h"
#include "intel/correlate.h"
#include "intel/follow.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "ap/common.h"

/* Bytes read per poll, polls per second: bounded work on a huge log. */
#define FW_POLL_BYTES (4u << 20)
#define FW_POLL_MS 200
/* Connections idle (in log time) this long are forgotten. */
#define FW_IDLE_US (15 * 60 * 1000000LL)

struct ap_fwwatch {
    char *name, *settings;
    /* own copies of the settings used: the rule may be replaced meanwhile */
    struct {
        char *fw_log, *fw_format;
        long long top, days, min_duration, refresh;
        size_t min_bytes;
        struct ap_strlist honeypots;
    } c;
    struct ap_store *st;
    ap_fwwatch_fire_fn fire;
    void *ctx;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    /* thread state */
    struct ap_follow *fol;
    struct ap_fw_reader rd;
    struct ap_corr *corr;
    json_t *top;
    struct ap_cidr_list hp;
    int64_t last_end;
    uint64_t bad;
};

const char *
ap_fwwatch_name(const struct ap_fwwatch *w)
{
    return w->name;
}

const char *
ap_fwwatch_settings(const struct ap_fwwatch *w)
{
    return w->settings;
}

/* The top sources and the honeypot addresses, from the store. */
static void
refresh(struct ap_fwwatch *w)
{
    struct ap_cidr_list hp = {NULL, 0};
    struct ap_filter f;
    json_t *top = NULL;
    char err[256];
    size_t i;

    if (w->st == NULL)
        return;
    memset(&f, 0, sizeof(f));
    f.since_us = ap_now_us() - w->c.days * 86400LL * 1000000LL;
    for (i = 0; i < w->c.honeypots.n; i++)
        if (ap_cidr_list_add(&hp, w->c.honeypots.v[i], err, sizeof(err)) != 0)
            ap_log_warn("alert %s: honeypots: %s", w->name, err);
    if (ap_store_top(w->st, "src_ip", &f, (size_t)w->c.top, &top) != 0 ||
        ap_corr_store_honeypots(w->st, top, f.since_us, &hp) != 0) {
        ap_log_warn("alert %s: cannot read the top sources from the store", w->name);
        json_decref(top);
        ap_cidr_list_free(&hp);
        return;
    }
    if (json_array_size(top) != json_array_size(w->top))
        ap_log_info("alert %s: watching %zu top source(s), %zu honeypot range(s)", w->name,
                    json_array_size(top), hp.n);
    /* the aggregator borrows w->top and w->hp: swap them in, then point
     * it at them */
    json_decref(w->top);
    ap_cidr_list_free(&w->hp);
    w->top = top;
    w->hp = hp;
    if (w->corr == NULL)
        w->corr = ap_corr_new(w->top, &w->hp);
    else if (ap_corr_retarget(w->corr, w->top, &w->hp) != 0) {
        ap_corr_free(w->corr);
        w->corr = NULL;
    }
}

static void
on_newfile(void *arg)
{
    struct ap_fwwatch *w = arg;

    ap_fw_reader_restart(&w->rd);
}

static void
on_line(void *arg, const char *line, size_t n)
{
    struct ap_fwwatch *w = arg;
    struct ap_fw_rec r, flow;
    long long packets;
    char st[40], en[40];
    int64_t dur;
    json_t *conn;
    int *reported = NULL;
    int k = ap_fw_reader_line(&w->rd, line, n, &r);

    if (k < 0) {
        if (w->bad++ == 0 || k == AP_ECONF)
            ap_log_warn("alert %s: %s: %s", w->name, w->c.fw_log,
                        k == AP_ECONF ? "a CSV log must start with a header naming src and dst"
                                      : "malformed line(s) skipped");
        return;
    }
    if (k == 0 || w->corr == NULL ||
        !ap_corr_add_flow(w->corr, &r, &flow, &packets, &reported))
        return;
    if (flow.end_us > w->last_end)
        w->last_end = flow.end_us;
    dur = flow.end_us - flow.start_us;
    /* each connection once, when it crosses a threshold; the engine
     * groups connections (src, dst) within the cooldown */
    if (*reported ||
        (dur < w->c.min_duration * 1000000LL && flow.bytes < (long long)w->c.min_bytes))
        return;
    *reported = 1;
    ap_format_time_us(flow.start_us, st, sizeof(st));
    ap_format_time_us(flow.end_us, en, sizeof(en));
    conn = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:f, s:I, s:I, s:I, s:s}", "src_ip",
                     flow.src, "dst_ip", flow.dst, "proto", flow.proto, "src_port", flow.sport,
                     "dst_port", flow.dport, "start", st, "end", en, "duration",
                     (double)dur / 1e6, "bytes", (json_int_t)flow.bytes, "packets",
                     (json_int_t)packets, "attacker_events",
                     (json_int_t)ap_corr_attacker_events(w->corr, flow.src), "fw_log",
                     w->c.fw_log);
    if (conn != NULL)
        w->fire(w->ctx, w->name, conn, flow.end_us);
    json_decref(conn);
}

static void *
run(void *arg)
{
    struct ap_fwwatch *w = arg;
    const struct ap_follow_cb cb = {on_line, on_newfile, w};
    int64_t next_refresh = 0, next_prune = 0, now;
    struct timespec ts;

    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        pthread_mutex_unlock(&w->mu);
        now = ap_mono_us();
        if (now >= next_refresh) {
            refresh(w);
            next_refresh = now + w->c.refresh * 1000000LL;
        }
        if (w->corr != NULL)
            (void)ap_follow_poll(w->fol, &cb, FW_POLL_BYTES);
        if (now >= next_prune && w->corr != NULL && w->last_end > FW_IDLE_US) {
            ap_corr_prune(w->corr, w->last_end - FW_IDLE_US -
                                       w->c.min_duration * 1000000LL);
            next_prune = now + 60 * 1000000LL;
        }
        pthread_mutex_lock(&w->mu);
        if (w->stop)
            break;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += FW_POLL_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void
fw_free(struct ap_fwwatch *w)
{
    ap_follow_close(w->fol);
    ap_corr_free(w->corr);
    json_decref(w->top);
    ap_cidr_list_free(&w->hp);
    free(w->c.fw_log);
    free(w->c.fw_format);
    ap_strlist_free(&w->c.honeypots);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w->settings);
    free(w->name);
    free(w);
}

int
ap_fwwatch_start(const char *name, const struct ap_alert_rule_conf *c,
                 struct ap_store *st, ap_fwwatch_fire_fn fire, void *ctx,
                 struct ap_fwwatch **out)
{
    struct ap_fwwatch *w = calloc(1, sizeof(*w));
    json_t *j = NULL;
    time_t now = time(NULL);
    struct tm tm;
    size_t i;

    if (w == NULL)
        return AP_ENOMEM;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->st = st;
    w->fire = fire;
    w->ctx = ctx;
    if ((w->name = strdup(name)) == NULL ||
        (w->c.fw_log = strdup(c->fw_log ? c->fw_log : "")) == NULL ||
        (c->fw_format && (w->c.fw_format = strdup(c->fw_format)) == NULL))
        goto fail;
    w->c.top = c->top;
    w->c.days = c->days;
    w->c.min_duration = c->min_duration;
    w->c.min_bytes = c->min_bytes;
    w->c.refresh = c->refresh;
    for (i = 0; i < c->honeypots.n; i++)
        if (ap_strlist_add(&w->c.honeypots, c->honeypots.v[i]) != 0)
            goto fail;
    if ((j = ap_alert_rule_conf_json(c)) == NULL ||
        (w->settings = json_dumps(j, JSON_COMPACT)) == NULL)
        goto fail;
    json_decref(j);
    j = NULL;
    gmtime_r(&now, &tm);
    if (ap_fw_reader_init(&w->rd, w->c.fw_format, tm.tm_year + 1900) != 0 ||
        ap_follow_open(w->c.fw_log, !c->fw_from_start,
                       w->c.fw_format == NULL || strcmp(w->c.fw_format, "csv") == 0,
                       &w->fol) != 0)
        goto fail;
    if (st == NULL)
        ap_log_warn("alert %s: no event store in this process; firewall rule idle", name);
    if (pthread_create(&w->th, NULL, run, w) != 0)
        goto fail;
    ap_log_info("alert %s: following %s", name, w->c.fw_log);
    *out = w;
    return 0;
fail:
    json_decref(j);
    fw_free(w);
    return AP_ENOMEM;
}

void
ap_fwwatch_stop(struct ap_fwwatch *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    fw_free(w);
}
