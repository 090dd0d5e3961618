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
#include "alert_rules_cmd.h"
#include "alerts.h"
#include "collector.h"
#include "fwwatch.h"
#include "commands.h"
#include "notify.h"
#include "outq.h"
#include "rule_store.h"
#include "rules.h"
#include "sensors/sensor_tags.h"
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
    /* Config rules (pointees borrowed from the server's instances) and the
     * server.db rules (owned) the engine runs on. */
    const char **cfg_names;
    const struct ap_alert_rule_conf **cfg_confs;
    size_t ncfg;
    struct ap_alert_ruleset *dbrules;
    long long rules_version;
    /* The operator's sensor tags (server.db), shared with the engine. */
    json_t *tags;
    long long tags_version;
    /* One follower per firewall rule; changed only by the start and the
     * worker thread. */
    struct ap_store *store;
    struct ap_fwwatch **fw;
    size_t nfw;
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

/* An engine over the config rules plus rs (NULL: none). */
static int
build_engine(const struct ap_alerts *a, const struct ap_alert_ruleset *rs,
             struct ap_alert_engine **out, char *err, size_t errlen)
{
    size_t n = a->ncfg + (rs ? rs->n : 0), i;
    const char **names = calloc(n + 1, sizeof(*names));
    const struct ap_alert_rule_conf **confs = calloc(n + 1, sizeof(*confs));
    int r = AP_ENOMEM;

    if (names != NULL && confs != NULL) {
        for (i = 0; i < a->ncfg; i++) {
            names[i] = a->cfg_names[i];
            confs[i] = a->cfg_confs[i];
        }
        for (i = 0; rs && i < rs->n; i++) {
            names[a->ncfg + i] = rs->names[i];
            confs[a->ncfg + i] = rs->confs[i];
        }
        r = ap_alert_engine_new(names, confs, n, ap_now_us(), out, err, errlen);
    }
    free(names);
    free(confs);
    return r;
}

static void
fw_fire(void *ctx, const char *rule, const json_t *conn, int64_t ts_us)
{
    struct ap_alerts *a = ctx;
    json_t *fired = json_array();

    if (fired == NULL)
        return;
    pthread_mutex_lock(&a->mu);
    ap_alert_engine_flow(a->eng, rule, conn, ts_us, fired);
    pthread_mutex_unlock(&a->mu);
    queue_fired(a, fired);
    json_decref(fired);
}

/* A follower for each enabled firewall rule among names/confs: running
 * ones whose settings are unchanged are kept, the others (re)started or
 * stopped. */
static void
sync_watchers(struct ap_alerts *a, const char *const *names,
              const struct ap_alert_rule_conf *const *confs, size_t n)
{
    struct ap_fwwatch **nw = calloc(n + 1, sizeof(*nw));
    size_t i, j, nn = 0;
    json_t *js;
    char *set;

    if (nw == NULL)
        return;
    for (i = 0; i < n; i++) {
        if (!confs[i]->enabled || confs[i]->type == NULL ||
            strcmp(confs[i]->type, "firewall") != 0)
            continue;
        js = ap_alert_rule_conf_json(confs[i]);
        set = js ? json_dumps(js, JSON_COMPACT) : NULL;
        json_decref(js);
        for (j = 0; set && j < a->nfw; j++)
            if (a->fw[j] && strcmp(ap_fwwatch_name(a->fw[j]), names[i]) == 0 &&
                strcmp(ap_fwwatch_settings(a->fw[j]), set) == 0) {
                nw[nn++] = a->fw[j]; /* unchanged: keep it running */
                a->fw[j] = NULL;
                break;
            }
        if (set && j == a->nfw &&
            ap_fwwatch_start(names[i], confs[i], a->store, fw_fire, a, &nw[nn]) == 0)
            nn++;
        free(set);
    }
    for (j = 0; j < a->nfw; j++)
        ap_fwwatch_stop(a->fw[j]);
    free(a->fw);
    a->fw = nw;
    a->nfw = nn;
}

static void
sync_all_watchers(struct ap_alerts *a)
{
    size_t n = a->ncfg + (a->dbrules ? a->dbrules->n : 0), i;
    const char **names = calloc(n + 1, sizeof(*names));
    const struct ap_alert_rule_conf **confs = calloc(n + 1, sizeof(*confs));

    if (names != NULL && confs != NULL) {
        for (i = 0; i < a->ncfg; i++) {
            names[i] = a->cfg_names[i];
            confs[i] = a->cfg_confs[i];
        }
        for (i = 0; a->dbrules && i < a->dbrules->n; i++) {
            names[a->ncfg + i] = a->dbrules->names[i];
            confs[a->ncfg + i] = a->dbrules->confs[i];
        }
        sync_watchers(a, names, confs, n);
    }
    free(names);
    free(confs);
}

/* When the server.db rules changed (their version moved), rebuild the
 * engine and swap it in, keeping the state of unchanged rules. */
static void
reload_rules(struct ap_alerts *a, sqlite3 *db)
{
    struct ap_alert_ruleset *rs = NULL, *oldrs;
    struct ap_alert_engine *eng = NULL, *old;
    long long v;
    char err[512] = "";

    if (ap_alert_rules_version(db, &v) != 0 || v == a->rules_version)
        return;
    if (ap_alert_rules_load(db, a->cfg_names, a->ncfg, &rs) != 0 ||
        build_engine(a, rs, &eng, err, sizeof(err)) != 0) {
        ap_log_error("alerts: reloading rules from server.db: %s",
                     err[0] ? err : "failed");
        ap_alert_ruleset_free(rs);
        return;
    }
    a->rules_version = v;
    ap_alert_engine_set_sensor_tags(eng, a->tags);
    pthread_mutex_lock(&a->mu);
    old = a->eng;
    oldrs = a->dbrules;
    ap_alert_engine_adopt(eng, old);
    a->eng = eng;
    a->dbrules = rs;
    pthread_mutex_unlock(&a->mu);
    ap_alert_engine_free(old);
    ap_alert_ruleset_free(oldrs);
    sync_all_watchers(a);
    ap_log_info("alerts: rules reloaded: %zu rule(s), %zu from server.db",
                ap_alert_engine_nrules(eng), rs->n);
}

/* When the operator's sensor tags changed, hand them to the engine. */
static void
reload_tags(struct ap_alerts *a, sqlite3 *db)
{
    long long v;
    json_t *t;

    if (ap_sensor_tags_version(db, &v) != 0 || v == a->tags_version ||
        ap_sensor_tags_all(db, &t) != 0)
        return;
    a->tags_version = v;
    pthread_mutex_lock(&a->mu);
    ap_alert_engine_set_sensor_tags(a->eng, t);
    pthread_mutex_unlock(&a->mu);
    json_decref(a->tags);
    a->tags = t;
    ap_log_info("alerts: sensor tags reloaded (%zu tagged sensor(s))", json_object_size(t));
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
        (ap_server_db_open(a->data_dir, &db) != 0 || ap_alert_db_init(db) != 0 ||
         ap_alert_rules_init(db) != 0 || ap_sensor_tags_init(db) != 0)) {
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
            if (db != NULL) {
                reload_tags(a, db);
                reload_rules(a, db);
            }
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

/* The server.db rules at start (so the first events see them) and their
 * version; the worker follows changes from there. */
static int
load_db_rules(struct ap_alerts *a, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int r = AP_EDB;

    if (ap_server_db_open(a->data_dir, &db) != 0 || ap_alert_rules_init(db) != 0 ||
        ap_alert_rules_version(db, &a->rules_version) != 0 ||
        ap_alert_rules_load(db, a->cfg_names, a->ncfg, &a->dbrules) != 0 ||
        ap_sensor_tags_init(db) != 0 || ap_sensor_tags_version(db, &a->tags_version) != 0 ||
        ap_sensor_tags_all(db, &a->tags) != 0)
        snprintf(err, errlen, "alerts: cannot read the rules in %s/server.db",
                 a->data_dir);
    else
        r = 0;
    sqlite3_close(db);
    return r;
}

static void
alerts_free(struct ap_alerts *a)
{
    while (a->nn > 0)
        ap_notifier_free(a->nv[--a->nn], 0);
    free(a->nv);
    ap_alert_engine_free(a->eng);
    ap_alert_ruleset_free(a->dbrules);
    json_decref(a->tags);
    pthread_mutex_destroy(&a->mu);
    free(a->cfg_names);
    free(a->cfg_confs);
    free(a->data_dir);
    free(a);
}

int
ap_alerts_start(const struct ap_server *srv, const char *data_dir,
                struct ap_alerts **out, char *err, size_t errlen)
{
    const struct ap_server_instance *in;
    struct ap_alerts *a = NULL;
    struct ap_notifier **nv;
    size_t it = 0;
    int r = AP_ENOMEM;

    *out = NULL;
    if ((a = calloc(1, sizeof(*a))) == NULL)
        goto fail;
    pthread_mutex_init(&a->mu, NULL);
    a->cfg_names = calloc(srv->ninstances + 1, sizeof(*a->cfg_names));
    a->cfg_confs = calloc(srv->ninstances + 1, sizeof(*a->cfg_confs));
    if (a->cfg_names == NULL || a->cfg_confs == NULL)
        goto fail;
    while ((in = ap_server_instance_next(srv, "alert", &it)) != NULL) {
        a->cfg_names[a->ncfg] = in->name;
        a->cfg_confs[a->ncfg++] = in->conf;
    }
    /* Without server.db there are only the config rules; none, no work. */
    if (a->ncfg == 0 && data_dir == NULL) {
        alerts_free(a);
        return 0;
    }
    if (data_dir && (a->data_dir = strdup(data_dir)) == NULL)
        goto fail;
    if (data_dir && (r = load_db_rules(a, err, errlen)) != 0)
        goto fail;
    if ((r = build_engine(a, a->dbrules, &a->eng, err, errlen)) != 0)
        goto fail;
    ap_alert_engine_set_sensor_tags(a->eng, a->tags);
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
    if ((a->q = ap_outq_new(10000, 10000u * 4096u)) == NULL) {
        r = AP_ENOMEM;
        goto fail;
    }
    /* followers before the worker: from then on only it changes them */
    a->store = srv->store;
    sync_all_watchers(a);
    if (pthread_create(&a->th, NULL, worker, a) != 0) {
        for (it = 0; it < a->nfw; it++)
            ap_fwwatch_stop(a->fw[it]);
        free(a->fw);
        ap_outq_free(a->q);
        a->q = NULL;
        r = AP_ENOMEM;
        goto fail;
    }
    ap_log_info("alerts: %zu rule(s) (%zu from server.db), %zu notifier(s)",
                ap_alert_engine_nrules(a->eng), a->dbrules ? a->dbrules->n : 0,
                a->nn);
    *out = a;
    return 0;
fail:
    if (a != NULL)
        alerts_free(a);
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
    for (i = 0; i < a->nfw; i++)
        ap_fwwatch_stop(a->fw[i]);
    free(a->fw);
    a->fw = NULL;
    a->nfw = 0;
    for (i = 0; i < a->nn; i++)
        ap_notifier_free(a->nv[i], drain_ms);
    a->nn = 0;
    ap_outq_free(a->q);
    alerts_free(a);
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
    const struct ap_server_instance *in;
    const char *names[256];
    const struct ap_alert_rule_conf *confs[256];
    size_t it = 0, n = 0;

    (void)conf;
    if (ap_alert_db_init(srv->db) != 0 || ap_alert_rules_init(srv->db) != 0) {
        snprintf(err, errlen, "cannot create the alerts tables");
        return AP_EDB;
    }
    /* Config rules are listed (read-only) beside the server.db rules by
     * every process that opens server.db: keep a snapshot there. */
    while ((in = ap_server_instance_next(srv, "alert", &it)) != NULL) {
        if (n == sizeof(names) / sizeof(names[0])) {
            snprintf(err, errlen, "more than %zu [alert] sections", n);
            return AP_ECONF;
        }
        names[n] = in->name;
        confs[n++] = in->conf;
    }
    if (ap_alert_rules_snapshot_config(srv->db, names, confs, n) != 0) {
        snprintf(err, errlen, "cannot store the config rules in server.db");
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
                   "       apiary alerts ack ID... [--by NAME] --data-dir DIR\n"
                   "       apiary alerts rules list|schema [--json] --data-dir DIR\n"
                   "       apiary alerts rules show|delete NAME --data-dir DIR\n"
                   "       apiary alerts rules add|set|check NAME KEY=VALUE... "
                   "--data-dir DIR\n"
                   "  (rules from the server config are listed but read-only;\n"
                   "   KEY= puts a keyword back to its default)\n");
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
    if (ap_server_db_open(data_dir, &db) != 0 || ap_alert_db_init(db) != 0 ||
        ap_alert_rules_init(db) != 0) {
        fprintf(stderr, "apiary alerts: cannot open %s/server.db\n", data_dir);
        goto out;
    }
    if (strcmp(sub, "rules") == 0) {
        rc = ap_alert_rules_cmd(db, asjson, argc - optind, argv + optind);
    } else if (strcmp(sub, "list") == 0) {
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
