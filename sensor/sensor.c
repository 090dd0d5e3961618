/*
 * `apiary sensor`: read the config, bind every enabled module's ports,
 * drop privileges, open the spool, start delivery, apply the sandbox and
 * run the loop.  `--stdio --proto NAME` serves one session over
 * stdin/stdout instead (tests, whole-module fuzzing).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "commands.h"
#include "deliver.h"
#include "fetch.h"
#include "sensor.h"
#include "spool.h"
#include "srclimit.h"
#include "ap/common.h"

/* Bounds the per-source table (about 64 bytes an entry). */
#define SRC_ENTRIES_MAX 100000

struct opts {
    const char *cfg, *port_file, *only, *events, *log_level;
    struct ap_strlist sets;
    int dump, stdio;
};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: apiary sensor [-c FILE] [--set SECTION.KEY=VALUE]...\n"
            "                     [--port-file FILE] [--dump-config]\n"
            "       apiary sensor --proto NAME --stdio [-c FILE] "
            "[--events FILE]\n"
            "  -c, --config FILE   config file (see conf/sensor.conf)\n"
            "  --set S.K=V         override one keyword (S empty = top "
            "level)\n"
            "  --port-file FILE    write 'module port' for each listener\n"
            "  --dump-config       print the effective config and exit\n"
            "  --proto NAME        run only this module\n"
            "  --stdio             serve one session on stdin/stdout; events "
            "go to\n"
            "                      stderr as JSON lines (or --events FILE)\n"
            "  --log-level LEVEL   error, warn, info, debug\n"
            "modules:");
    for (size_t i = 0; ap_protos[i]; i++)
        fprintf(f, " %s", ap_protos[i]->name);
    fprintf(f, "\n");
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 's'},
        {"port-file", required_argument, NULL, 'p'},
        {"dump-config", no_argument, NULL, 'D'},
        {"proto", required_argument, NULL, 'P'},
        {"stdio", no_argument, NULL, 'S'},
        {"events", required_argument, NULL, 'e'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->cfg = optarg;
            break;
        case 's':
            if (ap_strlist_add(&o->sets, optarg) != 0)
                return 1;
            break;
        case 'p':
            o->port_file = optarg;
            break;
        case 'D':
            o->dump = 1;
            break;
        case 'P':
            o->only = optarg;
            break;
        case 'S':
            o->stdio = 1;
            break;
        case 'e':
            o->events = optarg;
            break;
        case 'l':
            o->log_level = optarg;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || (o->stdio && o->only == NULL)) {
        if (o->stdio && o->only == NULL)
            fprintf(stderr, "apiary sensor: --stdio needs --proto NAME\n");
        usage(stderr);
        return 2;
    }
    return 0;
}

/* Load defaults, the file and the overrides into sn. */
static int
load_config(struct ap_sensor *sn, const struct opts *o, char *err,
            size_t errlen)
{
    struct ap_conf_section *secs;
    struct ap_strlist present = {0};
    size_t i, n = sn->nmods + 1;
    int r = AP_ECONF;

    if ((secs = calloc(n, sizeof(*secs))) == NULL)
        return AP_ENOMEM;
    secs[0] = (struct ap_conf_section){"", ap_sensor_keywords, &sn->conf,
                                       NULL, NULL};
    for (i = 0; i < sn->nmods; i++)
        secs[i + 1] = (struct ap_conf_section){sn->mods[i].proto->name,
                                               sn->mods[i].kws,
                                               sn->mods[i].block, NULL, NULL};
    if (o->cfg && ap_conf_parse_file(o->cfg, secs, n, err, errlen) != 0)
        goto out;
    if (o->cfg && ap_conf_file_sections(o->cfg, &present) != 0) {
        snprintf(err, errlen, "%s: %s", o->cfg, strerror(errno));
        goto out;
    }
    for (i = 0; i < o->sets.n; i++) {
        const char *spec = o->sets.v[i], *dot = strchr(spec, '.');
        if (ap_conf_override(spec, secs, n, err, errlen) != 0)
            goto out;
        /* --set ssh.listen=2222 enables [ssh] as a section line would. */
        if (dot != NULL && dot < strchr(spec, '=')) {
            char sec[64];
            snprintf(sec, sizeof(sec), "%.*s", (int)(dot - spec), spec);
            if (ap_strlist_add(&present, sec) != 0)
                goto out;
        }
    }
    for (i = 0; i < sn->nmods; i++)
        sn->mods[i].seen = ap_strlist_has(&present, sn->mods[i].proto->name);
    r = 0;
out:
    ap_strlist_free(&present);
    free(secs);
    return r;
}

static void
dump_config(struct ap_sensor *sn)
{
    size_t i;

    printf("# top level\n");
    ap_conf_dump(stdout, ap_sensor_keywords, &sn->conf);
    for (i = 0; i < sn->nmods; i++) {
        if (!sn->mods[i].enabled)
            continue;
        printf("\n[%s]\n", sn->mods[i].proto->name);
        ap_conf_dump(stdout, sn->mods[i].kws, sn->mods[i].block);
    }
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
    struct ap_sensor *sn = arg;

    (void)what;
    ap_log_info("signal %d: shutting down", (int)sig);
    event_base_loopexit(sn->base, NULL);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    (void)arg;
    ap_log_reopen();
}

static void
on_fsync(evutil_socket_t fd, short what, void *arg)
{
    struct ap_sensor *sn = arg;

    (void)fd;
    (void)what;
    if (sn->spool && ap_spool_sync(sn->spool) != 0)
        ap_log_error("spool fsync: %s", strerror(errno));
}

static void
on_gc(evutil_socket_t fd, short what, void *arg)
{
    struct ap_sensor *sn = arg;

    (void)fd;
    (void)what;
    if (sn->src)
        ap_srclimit_gc(sn->src, ap_mono_us());
}

static int
parse_fsync(const char *s, enum ap_spool_fsync *out)
{
    if (strcmp(s, "always") == 0)
        *out = AP_SPOOL_FSYNC_ALWAYS;
    else if (strcmp(s, "interval") == 0)
        *out = AP_SPOOL_FSYNC_INTERVAL;
    else if (strcmp(s, "never") == 0)
        *out = AP_SPOOL_FSYNC_NEVER;
    else
        return AP_ECONF;
    return 0;
}

static struct event_base *
new_base(int stdio)
{
    struct event_config *cfg;
    struct event_base *b;

    if (!stdio)
        return event_base_new();
    /* stdin may be a regular file, which epoll refuses; poll accepts it. */
    if ((cfg = event_config_new()) == NULL)
        return NULL;
    event_config_avoid_method(cfg, "epoll");
    b = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return b;
}

static void
emit_fetched(void *ctx, json_t *ev)
{
    ap_sensor_emit(ctx, ev);
}

static int
start_fetcher(struct ap_sensor *sn, char *err, size_t errlen)
{
    struct ap_fetch_conf fc;
    size_t i;
    int r;

    for (i = 0; i < sn->conf.fetch_allow.n; i++)
        if ((r = ap_cidr_list_add(&sn->fetch_allow, sn->conf.fetch_allow.v[i], err,
                                  errlen)) != 0) {
            if (r == AP_EINVAL) {
                char why[256];
                snprintf(why, sizeof(why), "%s", err);
                snprintf(err, errlen, "fetch_allow: %s", why);
            }
            return r == AP_EINVAL ? AP_ECONF : r;
        }
    memset(&fc, 0, sizeof(fc));
    fc.max_size = sn->conf.fetch_max_size;
    fc.timeout = sn->conf.fetch_timeout;
    fc.max_active = sn->conf.fetch_max_active;
    fc.allow = &sn->fetch_allow;
    fc.user_agent = sn->conf.fetch_user_agent;
    fc.state_dir = sn->conf.state_dir;
    fc.content_max = sn->conf.files_max_size;
    if ((r = ap_fetcher_new(sn->base, &fc, emit_fetched, sn, &sn->fetcher, err,
                            errlen)) != 0)
        return r;
    ap_log_warn("fetch_downloads yes: files attackers download are fetched "
                "from this host (%zu extra ranges allowed)",
                sn->fetch_allow.n);
    return 0;
}

/* Timers and signals of the normal (listening) mode. */
static int
add_timers(struct ap_sensor *sn, struct event **sigs)
{
    struct timeval sec = {1, 0}, ten = {10, 0};

    sn->fsync_ev = event_new(sn->base, -1, EV_PERSIST, on_fsync, sn);
    sn->gc_ev = event_new(sn->base, -1, EV_PERSIST, on_gc, sn);
    sigs[0] = evsignal_new(sn->base, SIGINT, on_stop, sn);
    sigs[1] = evsignal_new(sn->base, SIGTERM, on_stop, sn);
    sigs[2] = evsignal_new(sn->base, SIGHUP, on_hup, sn);
    if (!sn->fsync_ev || !sn->gc_ev || !sigs[0] || !sigs[1] || !sigs[2] ||
        event_add(sn->gc_ev, &ten) != 0 || evsignal_add(sigs[0], NULL) != 0 ||
        evsignal_add(sigs[1], NULL) != 0 || evsignal_add(sigs[2], NULL) != 0)
        return AP_ENOMEM;
    if (sn->spool && strcmp(sn->conf.spool_fsync, "interval") == 0 &&
        event_add(sn->fsync_ev, &sec) != 0)
        return AP_ENOMEM;
    return 0;
}

/* Each enabled module's ready hook (host keys), before any session. */
static int
modules_ready(struct ap_sensor *sn, char *err, size_t errlen)
{
    char msg[256];
    size_t i;
    int r;

    for (i = 0; i < sn->nmods; i++) {
        const struct ap_module *m = &sn->mods[i];
        if (!m->enabled || m->proto->ready == NULL)
            continue;
        msg[0] = '\0';
        if ((r = m->proto->ready(m->conf, sn->conf.state_dir, msg,
                                 sizeof(msg))) != 0) {
            snprintf(err, errlen, "[%s]: %s", m->proto->name,
                     msg[0] ? msg : ap_strerror(r));
            return r;
        }
    }
    return 0;
}

static int
run_listening(struct ap_sensor *sn, const struct opts *o, char *err,
              size_t errlen)
{
    struct event *sigs[3] = {NULL, NULL, NULL};
    enum ap_spool_fsync fs;
    size_t i;
    int r;

    if (parse_fsync(sn->conf.spool_fsync, &fs) != 0) {
        snprintf(err, errlen, "spool_fsync: expected always, interval or "
                              "never");
        return AP_ECONF;
    }
    /* An Apiary server acks contiguous apiary.events sequences: a record
     * sent on cowrie.sessions would hold its acks back forever (and it
     * stores the native events already). */
    if (sn->conf.mhn_compat && sn->conf.server && sn->conf.server_acks) {
        snprintf(err, errlen, "mhn_compat needs server_acks no (an MHN "
                              "broker)");
        return AP_ECONF;
    }
    /* Host keys before the port file says we are up (and still with the
     * privileges that may read keys kept from an earlier start). */
    if ((r = ap_sensor_listen(sn, err, errlen)) != 0 ||
        (r = modules_ready(sn, err, errlen)) != 0)
        goto out;
    if (o->port_file && ap_sensor_write_ports(sn, o->port_file) != 0) {
        snprintf(err, errlen, "--port-file %s: %s", o->port_file,
                 strerror(errno));
        r = AP_EIO;
        goto out;
    }
    if (sn->conf.events_file &&
        (sn->events_out = fopen(sn->conf.events_file, "ae")) == NULL) {
        snprintf(err, errlen, "events_file %s: %s", sn->conf.events_file,
                 strerror(errno));
        r = AP_EIO;
        goto out;
    }
    if ((r = ap_sensor_drop_privileges(sn, err, errlen)) != 0)
        goto out;
    if (sn->conf.server != NULL) {
        if ((r = ap_spool_open(sn->conf.spool_dir, sn->conf.spool_max,
                               sn->conf.spool_segment, fs, &sn->spool, err,
                               errlen)) != 0)
            goto out;
        if ((r = ap_deliver_new(sn, &sn->deliver, err, errlen)) != 0)
            goto out;
    } else {
        ap_log_info("no 'server' configured: events stay local%s",
                    sn->events_out ? " (events_file)" : " (log only)");
    }
    if (sn->conf.fetch_downloads && (r = start_fetcher(sn, err, errlen)) != 0)
        goto out;
    sn->src = ap_srclimit_new(sn->conf.source_max_conns, sn->conf.source_rate,
                              sn->conf.source_burst, SRC_ENTRIES_MAX);
    if (sn->src == NULL || (r = add_timers(sn, sigs)) != 0 ||
        (r = ap_sensor_listen_start(sn)) != 0) {
        r = r ? r : AP_ENOMEM;
        goto out;
    }
    if ((r = ap_sensor_sandbox(sn, err, errlen)) != 0)
        goto out;
    ap_log_info("apiary sensor %s running", sn->ident);
    event_base_dispatch(sn->base);
    r = 0;
out:
    ap_sensor_listen_close(sn);
    ap_session_close_all(sn);
    ap_fetcher_free(sn->fetcher);
    sn->fetcher = NULL;
    ap_cidr_list_free(&sn->fetch_allow);
    ap_deliver_free(sn->deliver);
    sn->deliver = NULL;
    ap_spool_free(sn->spool);
    sn->spool = NULL;
    ap_srclimit_free(sn->src);
    sn->src = NULL;
    for (i = 0; i < AP_ARRAY_SIZE(sigs); i++)
        if (sigs[i])
            event_free(sigs[i]);
    return r;
}

static int
run_stdio(struct ap_sensor *sn, const struct opts *o, char *err,
          size_t errlen)
{
    struct ap_module *m = NULL;
    size_t i;
    int r;

    for (i = 0; i < sn->nmods; i++)
        if (sn->mods[i].enabled)
            m = &sn->mods[i];
    if (o->events) {
        sn->events_out = fopen(o->events, "ae");
        if (sn->events_out == NULL) {
            snprintf(err, errlen, "--events %s: %s", o->events,
                     strerror(errno));
            return AP_EIO;
        }
    } else {
        sn->events_out = stderr;
    }
    if ((r = modules_ready(sn, err, errlen)) != 0)
        return r;
    if ((r = ap_session_stdio(m, STDIN_FILENO, STDOUT_FILENO)) != 0) {
        snprintf(err, errlen, "cannot start the session: %s",
                 ap_strerror(r));
        return r;
    }
    event_base_dispatch(sn->base);
    ap_session_close_all(sn);
    return 0;
}

int
cmd_sensor(int argc, char **argv)
{
    struct ap_sensor sn;
    struct opts o;
    char err[512] = "";
    int rc = 1, r, lvl;

    /* `apiary sensor tag IDENT +internal` edits server.db (server side) */
    if (argc > 1 && strcmp(argv[1], "tag") == 0)
        return cmd_sensor_tag(argc - 1, argv + 1);
    memset(&sn, 0, sizeof(sn));
    memset(&o, 0, sizeof(o));
    if ((r = parse_opts(argc, argv, &o)) != 0) {
        ap_strlist_free(&o.sets);
        return r < 0 ? 0 : r;
    }
    sn.stdio = o.stdio;
    sn.start_us = ap_now_us();
    if (ap_conf_defaults(ap_sensor_keywords, &sn.conf, err, sizeof(err)) != 0 ||
        ap_sensor_modules_init(&sn, err, sizeof(err)) != 0 ||
        load_config(&sn, &o, err, sizeof(err)) != 0 ||
        ap_sensor_modules_select(&sn, o.only, err, sizeof(err)) != 0)
        goto bad;
    if (o.dump) {
        dump_config(&sn);
        rc = 0;
        goto out;
    }
    if ((lvl = ap_log_level_parse(o.log_level ? o.log_level
                                              : sn.conf.log_level)) < 0) {
        snprintf(err, sizeof(err), "log_level: unknown level");
        goto bad;
    }
    ap_log_set_level((enum ap_log_level)lvl);
    if (sn.conf.log_file && ap_log_set_file(sn.conf.log_file) != 0) {
        snprintf(err, sizeof(err), "log_file %s: %s", sn.conf.log_file,
                 strerror(errno));
        goto bad;
    }
    sn.ident = sn.conf.ident ? sn.conf.ident : sn.conf.name;
    /* the fetcher's worker thread wakes the loop (fetch.h) */
    if (sn.conf.fetch_downloads && !o.stdio &&
        (evthread_use_pthreads() != 0 ||
         curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)) {
        snprintf(err, sizeof(err), "fetch_downloads: cannot initialise "
                                   "threads or libcurl");
        goto bad;
    }
    if ((sn.base = new_base(o.stdio)) == NULL) {
        snprintf(err, sizeof(err), "cannot create the event loop");
        goto bad;
    }
    r = o.stdio ? run_stdio(&sn, &o, err, sizeof(err))
                : run_listening(&sn, &o, err, sizeof(err));
    if (r != 0)
        goto bad;
    rc = 0;
    goto out;
bad:
    fprintf(stderr, "apiary sensor: %s\n", err[0] ? err : ap_strerror(r));
    rc = 1;
out:
    if (sn.events_out && sn.events_out != stderr)
        fclose(sn.events_out);
    if (sn.fsync_ev)
        event_free(sn.fsync_ev);
    if (sn.gc_ev)
        event_free(sn.gc_ev);
    if (sn.base)
        event_base_free(sn.base);
    ap_sensor_modules_release(&sn);
    if (sn.conf.fetch_downloads && !o.stdio)
        curl_global_cleanup();
    ap_conf_release(ap_sensor_keywords, &sn.conf);
    ap_strlist_free(&o.sets);
    return rc;
}
