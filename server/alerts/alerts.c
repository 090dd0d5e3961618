/*
 * The alerts component ("[alerts]" plus "[alert NAME]" rules and
 * "[notify NAME]" destinations) and `apiary alerts list|ack`.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_db.h"
#include "alerts.h"
#include "collector.h"
#include "commands.h"
#include "notify.h"
#include "outq.h"
#include "rules.h"
#include "server.h"
#include "ap/err.h"
#include "ap/escape.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/util.h"
#include "ap/common.h"


const struct ap_server_instance_type ap_alert_instance_type = {
    "alert", ap_alert_rule_keywords, sizeof(struct ap_alert_rule_conf)};
const struct ap_server_instance_type ap_notify_instance_type = {
    "notify", ap_notify_keywords, sizeof(struct ap_notify_conf)};

struct ap_alerts {
    struct ap_alert_engine *eng;
    pthread_mutex_t mu;
    struct ap_notifier **nv;
    size_t nn;
    struct ap_outq *q; /* fired alerts, JSON text */
    char *data_dir;
    pthread_t th;
    atomic_int stop;
    int drain_ms;
};

static void
queue_fired(struct ap_alerts *a, json_t *fired)
{
    json_t *al;
    size_t i;
    char *s;

    json_array_foreach(fired, i, al) {
        if ((s = json_dumps(al, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
            continue;
        if (ap_outq_push(a->q, s, strlen(s)) != 0)
            ap_log_warn("alerts: queue full, alert dropped");
        free(s);
    }
}

void
ap_alerts_sink(void *ctx, const json_t *ev)
{
    struct ap_alerts *a = ctx;
    json_t *fired = json_array();

    if (fired == NULL)
        return;
    pthread_mutex_lock(&a->mu);
    ap_alert_engine_event(a->eng, ev, ap_now_us(), fired);
    pthread_mutex_unlock(&a->mu);
    queue_fired(a, fired);
    json_decref(fired);
}

static void
handle(struct ap_alerts *a, sqlite3 *db, const char *s, size_t n)
{
    json_t *al = json_loadb(s, n, 0, NULL);
    size_t i;

    if (al == NULL)
        return;
    ap_log_info("alert %s [%s] %s", json_string_value(json_object_get(al, "rule")),
                json_string_value(json_object_get(al, "severity")),
                json_string_value(json_object_get(al, "title")));
    if (db != NULL)
        (void)ap_alert_db_put(db, al);
    for (i = 0; i < a->nn; i++)
        if (ap_notifier_wants(a->nv[i], al) &&
            ap_notifier_submit(a->nv[i], al) != 0)
            ap_log_warn("notify %s: queue full, alert dropped",
                        ap_notifier_name(a->nv[i]));
    json_decref(al);
}

static void *
worker(void *arg)
{
    struct ap_alerts *a = arg;
    long long last_tick = 0, now;
    sqlite3 *db = NULL;
    json_t *fired;
    char *s;
    size_t n;
    int r;

    if (a->data_dir != NULL &&
        (ap_server_db_open(a->data_dir, &db) != 0 || ap_alert_db_init(db) != 0)) {
        ap_log_error("alerts: cannot open server.db in %s; alerts not stored",
                     a->data_dir);
        sqlite3_close(db);
        db = NULL;
    }
    for (;;) {
        r = ap_outq_pop(a->q, &s, &n, 200);
        if (r == 0) {
            handle(a, db, s, n);
            free(s);
            continue;
        }
        if (r == AP_ECLOSED)
            break;
        now = ap_mono_us() / 1000;
        if (now - last_tick >= 1000 && !atomic_load(&a->stop)) {
            last_tick = now;
            if ((fired = json_array()) != NULL) {
                pthread_mutex_lock(&a->mu);
                ap_alert_engine_tick(a->eng, ap_now_us(), fired);
                pthread_mutex_unlock(&a->mu);
                queue_fired(a, fired);
                json_decref(fired);
            }
        }
    }
    sqlite3_close(db);
    return NULL;
}

int
ap_alerts_start(const struct ap_server *srv, const char *data_dir,
                struct ap_alerts **out, char *err, size_t errlen)
{
    const struct ap_server_instance *in;
    const char **names = NULL;
    const struct ap_alert_rule_conf **confs = NULL;
    struct ap_alerts *a = NULL;
    struct ap_notifier **nv;
    size_t it = 0, nr = 0;
    int r = AP_ENOMEM;

    *out = NULL;
    names = calloc(srv->ninstances + 1, sizeof(*names));
    confs = calloc(srv->ninstances + 1, sizeof(*confs));
    if (names == NULL || confs == NULL)
        goto fail;
    while ((in = ap_server_instance_next(srv, "alert", &it)) != NULL) {
        names[nr] = in->name;
        confs[nr++] = in->conf;
    }
    if (nr == 0) {
        r = 0;
        goto fail;
    }
    if ((a = calloc(1, sizeof(*a))) == NULL)
        goto fail;
    pthread_mutex_init(&a->mu, NULL);
    if ((r = ap_alert_engine_new(names, confs, nr, ap_now_us(), &a->eng, err,
                                 errlen)) != 0)
        goto fail;
    it = 0;
    while ((in = ap_server_instance_next(srv, "notify", &it)) != NULL) {
        const struct ap_notify_conf *nc = in->conf;
        if (!nc->enabled)
            continue;
        if ((nv = realloc(a->nv, (a->nn + 1) * sizeof(*nv))) == NULL) {
            r = AP_ENOMEM;
            goto fail;
        }
        a->nv = nv;
        if ((r = ap_notifier_new(in->name, nc, &a->nv[a->nn], err, errlen)) != 0)
            goto fail;
        a->nn++;
    }
    if ((a->q = ap_outq_new(10000, 10000u * 4096u)) == NULL ||
        (data_dir && (a->data_dir = strdup(data_dir)) == NULL) ||
        pthread_create(&a->th, NULL, worker, a) != 0) {
        ap_outq_free(a->q);
        a->q = NULL;
        r = AP_ENOMEM;
        goto fail;
    }
    ap_log_info("alerts: %zu rule(s), %zu notifier(s)",
                ap_alert_engine_nrules(a->eng), a->nn);
    free(names);
    free(confs);
    *out = a;
    return 0;
fail:
    if (a != NULL) {
        while (a->nn > 0)
            ap_notifier_free(a->nv[--a->nn], 0);
        free(a->nv);
        ap_alert_engine_free(a->eng);
        pthread_mutex_destroy(&a->mu);
        free(a->data_dir);
        free(a);
    }
    free(names);
    free(confs);
    if (r == AP_ENOMEM && err[0] == '\0')
        snprintf(err, errlen, "alerts: out of memory");
    return r;
}

void
ap_alerts_stop(struct ap_alerts *a, int drain_ms)
{
    size_t i;

    if (a == NULL)
        return;
    atomic_store(&a->stop, 1);
    ap_outq_close(a->q);
    pthread_join(a->th, NULL);
    for (i = 0; i < a->nn; i++)
        ap_notifier_free(a->nv[i], drain_ms);
    free(a->nv);
    ap_outq_free(a->q);
    ap_alert_engine_free(a->eng);
    pthread_mutex_destroy(&a->mu);
    free(a->data_dir);
    free(a);
}

/* ---- the server component ---- */

struct alerts_conf {
    long long drain;
};

static const struct ap_conf_kw alerts_keywords[] = {
    {"drain", AP_CONF_SECS, offsetof(struct alerts_conf, drain), "10s", 0, 600,
     NULL, "at shutdown, how long notifiers may take to deliver"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static struct ap_alerts *running;

static int
alerts_start(struct ap_server *srv, void *conf, char *err, size_t errlen)
{
    (void)conf;
    if (ap_alert_db_init(srv->db) != 0) {
        snprintf(err, errlen, "cannot create the alerts table");
        return AP_EDB;
    }
    if (ap_alerts_start(srv, srv->data_dir, &running, err, errlen) != 0)
        return AP_ECONF;
    if (running == NULL)
        return 0;
    if (srv->collector == NULL) {
        ap_log_warn("alerts: no collector in this server; rules idle");
        return 0;
    }
    return ap_collector_add_sink(srv->collector, ap_alerts_sink, running);
}

static void
alerts_stop(struct ap_server *srv, void *conf)
{
    const struct alerts_conf *c = conf;

    (void)srv;
    ap_alerts_stop(running, (int)c->drain * 1000);
    running = NULL;
}

const struct ap_server_component ap_component_alerts = {
    "alerts", alerts_keywords, sizeof(struct alerts_conf), alerts_start,
    alerts_stop, NULL,
};

/* ---- apiary alerts list|ack ---- */

static void
print_alert(const json_t *a)
{
    const char *acked = json_string_value(json_object_get(a, "acked_at"));
    char title[512];
    const char *t = json_string_value(json_object_get(a, "title"));

    ap_escape_cstr(title, sizeof(title), t ? t : "", t ? strlen(t) : 0);
    printf("%s  %s  %-8s %-16s %s%s\n", json_string_value(json_object_get(a, "id")),
           json_string_value(json_object_get(a, "ts")),
           json_string_value(json_object_get(a, "severity")),
           json_string_value(json_object_get(a, "rule")), title,
           acked ? "  (acked)" : "");
}

int
cmd_alerts(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"all", no_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},
        {"limit", required_argument, NULL, 'n'},
        {"by", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data_dir = "/var/lib/apiary", *by = NULL, *sub;
    long long limit = 100;
    int c, all = 0, asjson = 0, rc = 1, i;
    sqlite3 *db = NULL;
    json_t *list = NULL, *a;
    size_t k;

    optind = 1;
    while ((c = getopt_long(argc, argv, "d:ajn:b:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data_dir = optarg;
            break;
        case 'a':
            all = 1;
            break;
        case 'j':
            asjson = 1;
            break;
        case 'n':
            limit = strtoll(optarg, NULL, 10);
            break;
        case 'b':
            by = optarg;
            break;
        case 'h':
            printf("usage: apiary alerts list [--all] [--json] [--limit N] --data-dir DIR\n"
                   "       apiary alerts ack ID... [--by NAME] --data-dir DIR\n");
            return 0;
        default:
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "apiary alerts: list or ack\n");
        return 2;
    }
    sub = argv[optind++];
    if (ap_server_db_open(data_dir, &db) != 0 || ap_alert_db_init(db) != 0) {
        fprintf(stderr, "apiary alerts: cannot open %s/server.db\n", data_dir);
        goto out;
    }
    if (strcmp(sub, "list") == 0) {
        if (ap_alert_db_list(db, !all, (size_t)(limit > 0 ? limit : 100), 0, &list) != 0)
            goto out;
        if (asjson) {
            char *s = json_dumps(list, JSON_COMPACT);
            if (s)
                printf("%s\n", s);
            free(s);
        } else {
            json_array_foreach(list, k, a) print_alert(a);
        }
        rc = 0;
    } else if (strcmp(sub, "ack") == 0) {
        if (optind >= argc) {
            fprintf(stderr, "apiary alerts ack: which alert ids?\n");
            rc = 2;
            goto out;
        }
        if (by == NULL)
            by = getenv("USER") ? getenv("USER") : "analyst";
        rc = 0;
        for (i = optind; i < argc; i++) {
            int r = ap_alert_db_ack(db, argv[i], by, ap_now_us());
            if (r != 0) {
                fprintf(stderr, "apiary alerts ack: %s: %s\n", argv[i],
                        r == AP_ENOENT ? "no such alert" : ap_strerror(r));
                rc = 1;
            }
        }
    } else {
        fprintf(stderr, "apiary alerts: unknown subcommand '%s'\n", sub);
        rc = 2;
    }
out:
    json_decref(list);
    sqlite3_close(db);
    return rc;
}
