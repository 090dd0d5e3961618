/*
 * The server component "store" (first in the table): opens the store
 * named by `url` (default sqlite:<data_dir>/events.db), sets srv->store,
 * and runs retention on its own thread in small batches while the
 * collector keeps writing.
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

static void *
retention_main(void *arg)
{
    struct store_conf *c = arg;
    struct ap_store_retention r;
    struct timespec until;
    long long deleted;
    int rc, more;

    r.days = c->retention_days;
    r.raw_days = c->raw_retention_days;
    r.max_bytes = (long long)c->retention_size;
    r.batch = c->retention_batch;
    pthread_mutex_lock(&c->lock);
    while (!c->stopping) {
        pthread_mutex_unlock(&c->lock);
        deleted = 0;
        rc = ap_store_retention_step(c->st, &r, ap_now_us(), &deleted);
        if (rc != 0)
            ap_log_warn("store retention: %s", ap_strerror(rc));
        else if (deleted > 0)
            ap_log_debug("store retention: %lld rows deleted", deleted);
        /* Then a few cached top lists (each its own short transaction);
         * more left counts as "more due" for the pause below. */
        if (rc == 0 && (rc = ap_store_maintain(c->st, ap_now_us(), 32,
                                               &more)) != 0)
            ap_log_warn("store upkeep: %s", ap_strerror(rc));
        else if (more)
            deleted++;
        pthread_mutex_lock(&c->lock);
        clock_gettime(CLOCK_REALTIME, &until);
        /* More due: pause briefly so the writer gets the lock; else wait
         * for the next pass. */
        if (rc == 0 && deleted > 0) {
            until.tv_nsec += 20 * 1000 * 1000;
        } else {
            until.tv_sec += (time_t)c->retention_interval;
        }
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (!c->stopping)
            pthread_cond_timedwait(&c->cond, &c->lock, &until);
    }
    pthread_mutex_unlock(&c->lock);
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
    if (c->retention_days > 0 || c->retention_size > 0 ||
        c->raw_retention_days > 0) {
        if (pthread_create(&c->thr, NULL, retention_main, c) != 0) {
            snprintf(err, errlen, "store: cannot start retention thread");
            ap_store_close(c->st);
            c->st = NULL;
            return AP_ENOMEM;
        }
        c->running = 1;
    }
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
