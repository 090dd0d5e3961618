/*
 * The server component "store" (first in the table): opens the store
 * named by `url` (default sqlite:<data_dir>/events.db), sets srv->store,
 * and runs retention on its own thread in small batches while the
 * collector keeps writing.  Retention values an admin set in the web
 * (server.db, retention_db.h) override the config; the thread checks them
 * every second, so a change applies without a restart.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "retention_db.h"
#include "server.h"
#include "store.h"
#include "store_component.h"
#include "ap/common.h"

struct store_conf {
    char *url;
    long long retention_days;
    size_t retention_size;
    long long raw_retention_days;
    long long retention_batch;
    long long retention_interval;
    /* runtime */
    const char *data_dir;
    struct ap_store *st;
    pthread_t thr;
    int running;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stopping;
};

static const struct ap_conf_kw store_keywords[] = {
    {"url", AP_CONF_STR, offsetof(struct store_conf, url), NULL, 0, 0, NULL,
     "sqlite:/path/events.db, a plain path, or postgresql://user@host/db "
     "(default sqlite:<data_dir>/events.db)"},
    {"retention_days", AP_CONF_INT,
     offsetof(struct store_conf, retention_days), "0", 0, 36500, NULL,
     "delete events older than this many days (0 = keep forever)"},
    {"retention_size", AP_CONF_SIZE,
     offsetof(struct store_conf, retention_size), "0", 0, 0, NULL,
     "delete the oldest events while the store is bigger (0 = no cap)"},
    {"raw_retention_days", AP_CONF_INT,
     offsetof(struct store_conf, raw_retention_days), "30", 0, 36500, NULL,
     "delete unparsed raw payloads older than this many days (0 = keep)"},
    {"retention_batch", AP_CONF_INT,
     offsetof(struct store_conf, retention_batch), "1000", 10, 100000, NULL,
     "rows deleted per retention transaction"},
    {"retention_interval", AP_CONF_SECS,
     offsetof(struct store_conf, retention_interval), "60s", 1, 86400, NULL,
     "pause between retention passes when nothing is due"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

/* Effective values: the web's override where set, else the config. */
static void
effective(const struct store_conf *c, const struct ap_retention_values *ov,
          struct ap_retention_values *conf, struct ap_retention_values *eff)
{
    conf->days = c->retention_days;
    conf->max_bytes = (long long)c->retention_size;
    conf->raw_days = c->raw_retention_days;
    eff->days = ov->days >= 0 ? ov->days : conf->days;
    eff->max_bytes = ov->max_bytes >= 0 ? ov->max_bytes : conf->max_bytes;
    eff->raw_days = ov->raw_days >= 0 ? ov->raw_days : conf->raw_days;
}

/* Re-read the web's overrides; 1 if they changed (r updated). */
static int
reload(struct store_conf *c, sqlite3 *db, long long *ver,
       struct ap_store_retention *r)
{
    struct ap_retention_values ov = {-1, -1, -1}, conf, eff;
    long long v = 0;

    if (db != NULL && ap_retention_db_overrides(db, &ov, &v) != 0)
        return 0;
    if (v == *ver)
        return 0;
    *ver = v;
    effective(c, &ov, &conf, &eff);
    r->days = eff.days;
    r->max_bytes = eff.max_bytes;
    r->raw_days = eff.raw_days;
    if (db != NULL)
        ap_retention_db_report(db, &conf, &eff, ap_now_us());
    ap_log_info("store retention: %lld days, %lld bytes, raw %lld days",
                r->days, r->max_bytes, r->raw_days);
    return 1;
}

static void *
retention_main(void *arg)
{
    struct store_conf *c = arg;
    struct ap_store_retention r;
    struct timespec until;
    long long deleted, ver = -1;
    int64_t now, next = 0, wait;
    sqlite3 *db = NULL;
    int rc;

    if (ap_server_db_open(c->data_dir, &db) != 0 ||
        ap_retention_db_init(db) != 0) {
        ap_log_warn("store retention: server.db unusable; config values only");
        sqlite3_close(db);
        db = NULL;
    }
    memset(&r, 0, sizeof(r));
    r.batch = c->retention_batch;
    pthread_mutex_lock(&c->lock);
    while (!c->stopping) {
        pthread_mutex_unlock(&c->lock);
        if (reload(c, db, &ver, &r))
            next = 0; /* new values: a pass now */
        now = ap_now_us();
        rc = 0;
        deleted = 0;
        if (now >= next) {
            rc = ap_store_retention_step(c->st, &r, now, &deleted);
            if (rc != 0)
                ap_log_warn("store retention: %s", ap_strerror(rc));
            else if (deleted > 0)
                ap_log_debug("store retention: %lld rows deleted", deleted);
            /* More due: pause briefly so the writer gets the lock; else
             * wait for the next pass. */
            next = rc == 0 && deleted > 0
                       ? now + 20 * 1000
                       : now + (int64_t)c->retention_interval * 1000000;
        }
        /* wake at least every second to see the web's changes */
        wait = next - now;
        if (wait > 1000000)
            wait = 1000000;
        if (wait < 0)
            wait = 0;
        pthread_mutex_lock(&c->lock);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)(wait / 1000000);
        until.tv_nsec += (long)(wait % 1000000) * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (!c->stopping)
            pthread_cond_timedwait(&c->cond, &c->lock, &until);
    }
    pthread_mutex_unlock(&c->lock);
    sqlite3_close(db);
    return NULL;
}

static int
store_start(struct ap_server *srv, void *conf, char *err, size_t errlen)
{
    struct store_conf *c = conf;
    char url[4096], msg[512];
    int rc;

    if (c->url != NULL && c->url[0] != '\0') {
        if ((size_t)snprintf(url, sizeof(url), "%s", c->url) >= sizeof(url))
            return AP_ECONF;
    } else if ((size_t)snprintf(url, sizeof(url), "sqlite:%s/events.db",
                                srv->data_dir) >= sizeof(url)) {
        snprintf(err, errlen, "data_dir too long");
        return AP_ECONF;
    }
    if ((rc = ap_store_open(url, &c->st, msg, sizeof(msg))) != 0) {
        snprintf(err, errlen, "store: %s", msg);
        return rc;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->stopping = 0;
    /* always: the web may turn retention on at any time */
    c->data_dir = srv->data_dir;
    if (pthread_create(&c->thr, NULL, retention_main, c) != 0) {
        snprintf(err, errlen, "store: cannot start retention thread");
        ap_store_close(c->st);
        c->st = NULL;
        return AP_ENOMEM;
    }
    c->running = 1;
    srv->store = c->st;
    ap_log_info("store: %s engine", ap_store_engine_name(c->st));
    return 0;
}

static void
store_stop(struct ap_server *srv, void *conf)
{
    struct store_conf *c = conf;

    if (c->running) {
        pthread_mutex_lock(&c->lock);
        c->stopping = 1;
        pthread_cond_signal(&c->cond);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->thr, NULL);
        c->running = 0;
    }
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    ap_store_close(c->st);
    c->st = NULL;
    srv->store = NULL;
}

const struct ap_server_component ap_store_component = {
    "store", store_keywords, sizeof(struct store_conf), store_start,
    store_stop, NULL,
};
