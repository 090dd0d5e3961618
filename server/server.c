/*
 * `apiary server`: load the config, start the components in order, run
 * the loop, stop them in reverse on SIGINT/SIGTERM; SIGHUP reopens logs
 * and calls each component's reload hook.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "commands.h"
#include "server.h"
#include "ap/common.h"

struct server_opts {
    char *log_level;
    char *log_file;
    char *data_dir;
};

static const struct ap_conf_kw server_keywords[] = {
    {"data_dir", AP_CONF_STR, offsetof(struct server_opts, data_dir),
     "/var/lib/apiary", 0, 0, NULL,
     "directory for server.db, captured files and keys"},
    {"log_level", AP_CONF_STR, offsetof(struct server_opts, log_level), "info",
     0, 0, NULL, "error, warn, info or debug"},
    {"log_file", AP_CONF_STR, offsetof(struct server_opts, log_file), NULL, 0,
     0, NULL, "log to this file instead of stderr"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static struct ap_buf port_lines;
static const char *port_file;

void
ap_server_note_port(struct ap_server *srv, const char *name, int port)
{
    (void)srv;
    if (port_lines.max == 0)
        ap_buf_init(&port_lines, 64 * 1024);
    if (ap_buf_printf(&port_lines, "%s %d\n", name, port) != 0)
        ap_log_warn("port file overflow");
    if (port_file != NULL &&
        ap_write_file_atomic(port_file, ap_buf_data(&port_lines),
                             ap_buf_len(&port_lines), 0644) != 0)
        ap_log_warn("cannot write port file %s: %s", port_file,
                    strerror(errno));
}

int
ap_server_port(const char *name)
{
    const char *p = (const char *)ap_buf_data(&port_lines);
    const char *end = p + ap_buf_len(&port_lines);
    size_t n = strlen(name);

    /* Lines are "name port\n"; written once at start-up, read after. */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            break;
        if ((size_t)(nl - p) > n + 1 && memcmp(p, name, n) == 0 && p[n] == ' ')
            return (int)strtol(p + n + 1, NULL, 10);
        p = nl + 1;
    }
    return 0;
}

void
ap_server_shutdown(struct ap_server *srv)
{
    event_base_loopexit(srv->base, NULL);
}

int
ap_server_db_open(const char *data_dir, sqlite3 **out)
{
    char path[4096];
    sqlite3 *db = NULL;

    if ((size_t)snprintf(path, sizeof(path), "%s/server.db", data_dir) >=
        sizeof(path))
        return AP_EINVAL;
    if (sqlite3_open_v2(path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        ap_log_error("cannot open %s: %s", path,
                     db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return AP_EDB;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                     "PRAGMA foreign_keys=ON;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        ap_log_error("%s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return AP_EDB;
    }
    chmod(path, 0600);
    *out = db;
    return 0;
}

/* Instance sections: each "[type NAME]" gets a fresh conf, appended to
 * srv->instances (conf.c applies the defaults). */
struct inst_ctx {
    const struct ap_server_instance_type *type;
    struct ap_server *srv;
};

void *
ap_server_instance_add(struct ap_server *srv,
                       const struct ap_server_instance_type *type,
                       const char *name, char *err, size_t errlen)
{
    struct ap_server_instance *v;
    size_t i;

    for (i = 0; i < srv->ninstances; i++)
        if (srv->instances[i].type == type &&
            strcmp(srv->instances[i].name, name) == 0) {
            snprintf(err, errlen, "defined twice");
            return NULL;
        }
    v = realloc(srv->instances, (srv->ninstances + 1) * sizeof(*v));
    if (v == NULL)
        return NULL;
    srv->instances = v;
    v += srv->ninstances;
    v->type = type;
    v->name = strdup(name);
    v->conf = calloc(1, type->conf_size ? type->conf_size : 1);
    if (v->name == NULL || v->conf == NULL) {
        free(v->name);
        free(v->conf);
        return NULL;
    }
    srv->ninstances++;
    return v->conf;
}

static void *
on_instance(void *arg, const char *name, char *err, size_t errlen)
{
    struct inst_ctx *ic = arg;

    return ap_server_instance_add(ic->srv, ic->type, name, err, errlen);
}

/* --set output.splunk.path=...: the config file's [output splunk]. */
static void *
find_instance(void *arg, const char *type, const char *name)
{
    const struct ap_server *srv = arg;
    size_t i;

    for (i = 0; i < srv->ninstances; i++)
        if (strcmp(srv->instances[i].type->name, type) == 0 &&
            strcmp(srv->instances[i].name, name) == 0)
            return srv->instances[i].conf;
    return NULL;
}

const struct ap_server_instance *
ap_server_instance_next(const struct ap_server *srv, const char *type,
                        size_t *it)
{
    while (*it < srv->ninstances) {
        const struct ap_server_instance *in = &srv->instances[(*it)++];
        if (strcmp(in->type->name, type) == 0)
            return in;
    }
    return NULL;
}

void
ap_server_instances_free(struct ap_server *srv)
{
    size_t i;

    for (i = 0; i < srv->ninstances; i++) {
        ap_conf_release(srv->instances[i].type->keywords, srv->instances[i].conf);
        free(srv->instances[i].conf);
        free(srv->instances[i].name);
    }
    free(srv->instances);
    srv->instances = NULL;
    srv->ninstances = 0;
}

struct sigctx {
    struct ap_server *srv;
    void **confs;
    size_t n;
};

static void
on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
    struct sigctx *c = arg;

    (void)what;
    ap_log_info("signal %d: shutting down", (int)sig);
    ap_server_shutdown(c->srv);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
    const struct ap_server_component *comp;
    struct sigctx *c = arg;
    size_t i;

    (void)sig;
    (void)what;
    ap_log_reopen();
    ap_log_info("SIGHUP: reopening files");
    for (i = 0; i < c->n; i++) {
        comp = ap_server_components[i];
        if (comp->reload)
            comp->reload(c->srv, c->confs[i]);
    }
}

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: apiary server [-c FILE] [--data-dir DIR] "
            "[--set SECTION.KEY=VALUE]...\n"
            "                     [--port-file FILE] [--dump-config] "
            "[--log-level LEVEL]\n"
            "  -c, --config FILE     config file (see conf/server.conf)\n"
            "  --data-dir DIR        where server.db and files are kept\n"
            "  --set S.K=V           override one config keyword (repeatable;\n"
            "                        S is the section, empty for top level)\n"
            "  --port-file FILE      write 'name port' for each listener\n"
            "  --dump-config         print the effective config and exit\n");
}

int
cmd_server(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data-dir", required_argument, NULL, 'd'},
        {"set", required_argument, NULL, 's'},
        {"port-file", required_argument, NULL, 'p'},
        {"dump-config", no_argument, NULL, 'D'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ap_conf_section *secs = NULL;
    struct server_opts opts;
    struct ap_server srv;
    struct ap_strlist sets = {0};
    struct event *ev_int = NULL, *ev_term = NULL, *ev_hup = NULL;
    struct sigctx sc;
    const char *cfg = NULL, *data_dir = NULL, *log_level = NULL;
    void **confs = NULL;
    struct inst_ctx *ictx = NULL;
    size_t ncomp = 0, ntypes = 0, i, started = 0;
    char err[512];
    int c, dump = 0, rc = 1, lvl;

    memset(&srv, 0, sizeof(srv));
    memset(&opts, 0, sizeof(opts));
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg = optarg;
            break;
        case 'd':
            data_dir = optarg;
            break;
        case 's':
            if (ap_strlist_add(&sets, optarg) != 0)
                return 1;
            break;
        case 'p':
            port_file = optarg;
            break;
        case 'D':
            dump = 1;
            break;
        case 'l':
            log_level = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }

    while (ap_server_components[ncomp] != NULL)
        ncomp++;
    while (ap_server_instance_types[ntypes] != NULL)
        ntypes++;
    confs = calloc(ncomp + 1, sizeof(*confs));
    secs = calloc(ncomp + 1 + ntypes, sizeof(*secs));
    ictx = calloc(ntypes + 1, sizeof(*ictx));
    if (confs == NULL || secs == NULL || ictx == NULL)
        goto out;
    secs[0] = (struct ap_conf_section){"", server_keywords, &opts, NULL, NULL};
    if (ap_conf_defaults(server_keywords, &opts, err, sizeof(err)) != 0)
        goto bad;
    for (i = 0; i < ncomp; i++) {
        const struct ap_server_component *comp = ap_server_components[i];
        confs[i] = calloc(1, comp->conf_size ? comp->conf_size : 1);
        if (confs[i] == NULL)
            goto out;
        if (ap_conf_defaults(comp->keywords, confs[i], err, sizeof(err)) != 0)
            goto bad;
        secs[i + 1] = (struct ap_conf_section){comp->name, comp->keywords,
                                               confs[i], NULL, NULL};
    }
    for (i = 0; i < ntypes; i++) {
        ictx[i] = (struct inst_ctx){ap_server_instance_types[i], &srv};
        secs[ncomp + 1 + i] = (struct ap_conf_section){
            ap_server_instance_types[i]->name,
            ap_server_instance_types[i]->keywords, NULL, on_instance, &ictx[i]};
    }
    if (cfg && ap_conf_parse_file(cfg, secs, ncomp + 1 + ntypes, err,
                                  sizeof(err)) != 0)
        goto bad;
    for (i = 0; i < sets.n; i++)
        if (ap_conf_override_find(sets.v[i], secs, ncomp + 1 + ntypes,
                                  find_instance, &srv, err,
                             sizeof(err)) != 0)
            goto bad;
    if (data_dir) {
        free(opts.data_dir);
        opts.data_dir = strdup(data_dir);
    }
    if (log_level) {
        free(opts.log_level);
        opts.log_level = strdup(log_level);
    }
    if (dump) {
        printf("# top level\n");
        ap_conf_dump(stdout, server_keywords, &opts);
        for (i = 0; i < ncomp; i++) {
            printf("\n[%s]\n", ap_server_components[i]->name);
            ap_conf_dump(stdout, ap_server_components[i]->keywords, confs[i]);
        }
        for (i = 0; i < srv.ninstances; i++) {
            printf("\n[%s %s]\n", srv.instances[i].type->name,
                   srv.instances[i].name);
            ap_conf_dump(stdout, srv.instances[i].type->keywords,
                         srv.instances[i].conf);
        }
        rc = 0;
        goto out;
    }
    if ((lvl = ap_log_level_parse(opts.log_level)) < 0) {
        snprintf(err, sizeof(err), "log_level: unknown level '%s'",
                 opts.log_level);
        goto bad;
    }
    ap_log_set_level((enum ap_log_level)lvl);
    if (opts.log_file && ap_log_set_file(opts.log_file) != 0) {
        snprintf(err, sizeof(err), "log_file %s: %s", opts.log_file,
                 strerror(errno));
        goto bad;
    }
    if (mkdir(opts.data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, sizeof(err), "data_dir %s: %s", opts.data_dir,
                 strerror(errno));
        goto bad;
    }
    srv.data_dir = opts.data_dir;
    srv.config_path = cfg;
    if (ap_server_db_open(opts.data_dir, &srv.db) != 0)
        goto out;
    evthread_use_pthreads();
    if ((srv.base = event_base_new()) == NULL)
        goto out;
    for (i = 0; i < ncomp; i++) {
        const struct ap_server_component *comp = ap_server_components[i];
        err[0] = '\0';
        if (comp->start(&srv, confs[i], err, sizeof(err)) != 0) {
            ap_log_error("[%s]: %s", comp->name, err[0] ? err : "start failed");
            goto stop;
        }
        started++;
    }
    sc = (struct sigctx){&srv, confs, ncomp};
    ev_int = evsignal_new(srv.base, SIGINT, on_stop_signal, &sc);
    ev_term = evsignal_new(srv.base, SIGTERM, on_stop_signal, &sc);
    ev_hup = evsignal_new(srv.base, SIGHUP, on_hup, &sc);
    if (!ev_int || !ev_term || !ev_hup || evsignal_add(ev_int, NULL) ||
        evsignal_add(ev_term, NULL) || evsignal_add(ev_hup, NULL))
        goto stop;
    ap_log_info("apiary server running (data in %s)", opts.data_dir);
    event_base_dispatch(srv.base);
    rc = 0;
stop:
    while (started > 0) {
        started--;
        if (ap_server_components[started]->stop)
            ap_server_components[started]->stop(&srv, confs[started]);
    }
    goto out;
bad:
    fprintf(stderr, "apiary server: %s\n", err);
    rc = 1;
out:
    if (ev_int)
        event_free(ev_int);
    if (ev_term)
        event_free(ev_term);
    if (ev_hup)
        event_free(ev_hup);
    if (srv.base)
        event_base_free(srv.base);
    if (srv.db)
        sqlite3_close(srv.db);
    for (i = 0; confs && i < ncomp; i++) {
        if (confs[i])
            ap_conf_release(ap_server_components[i]->keywords, confs[i]);
        free(confs[i]);
    }
    free(confs);
    free(secs);
    free(ictx);
    ap_server_instances_free(&srv);
    ap_conf_release(server_keywords, &opts);
    ap_strlist_free(&sets);
    ap_buf_release(&port_lines);
    return rc;
}
