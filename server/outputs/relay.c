/*
 * `apiary relay -c FILE [EVENTS.jsonl ...]`: send canonical events (JSON
 * lines, stdin by default) through the outputs configured in FILE's
 * "[output NAME]" sections, exactly as the server would: for backfills,
 * replays, and testing a SIEM pipeline without a server.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "commands.h"
#include "outputs.h"
#include "server.h"
#include "store.h"
#include "ap/conf.h"
#include "ap/event.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/common.h"

struct relay_ctx {
    const struct ap_server_instance_type *type;
    struct ap_server *srv;
};

static void *
relay_instance(void *arg, const char *name, char *err, size_t errlen)
{
    struct relay_ctx *rc = arg;

    return ap_server_instance_add(rc->srv, rc->type, name, err, errlen);
}

/* SIGHUP reopens files, as in the server (logrotate); the handler only
 * sets atomic flags. */
static struct ap_outputs *hup_outputs;

static void
on_hup(int sig)
{
    (void)sig;
    if (hup_outputs)
        ap_outputs_reopen(hup_outputs);
}

/* Where events go: the outputs, and the alert rules when configured. */
struct sinks {
    struct ap_outputs *outs;
    struct ap_alerts *alerts;
    struct ap_store *store; /* events are stored first, as the collector does */
    json_t *batch[256];
    size_t nbatch;
    size_t dups;
};

#define BATCH_MAX (sizeof(((struct sinks *)0)->batch) / sizeof(json_t *))

/* Store the batch (if a store is set), then hand each new event to the
 * sinks, as the collector does. */
static void
flush(struct sinks *sk)
{
    size_t i, ins = 0;

    if (sk->store && ap_store_put_events(sk->store, sk->batch, sk->nbatch, &ins) != 0)
        ap_log_error("storing %zu events failed", sk->nbatch);
    if (sk->store)
        sk->dups += sk->nbatch - ins;
    for (i = 0; i < sk->nbatch; i++) {
        ap_outputs_sink(sk->outs, sk->batch[i]);
        if (sk->alerts)
            ap_alerts_sink(sk->alerts, sk->batch[i]);
        json_decref(sk->batch[i]);
    }
    sk->nbatch = 0;
}

/* Feed one stream of JSON lines; returns the number of bad lines. */
static size_t
feed(FILE *f, const char *fname, struct sinks *sk, size_t *good)
{
    char *line = NULL, verr[256];
    size_t cap = 0, bad = 0, lineno = 0;
    ssize_t n;
    json_error_t je;
    json_t *ev;

    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if ((size_t)n > AP_LIMIT_OUTPUT_RECORD) {
            ap_log_warn("%s:%zu: line too long", fname, lineno);
            bad++;
            continue;
        }
        if ((ev = json_loadb(line, (size_t)n, 0, &je)) == NULL) {
            ap_log_warn("%s:%zu: %s", fname, lineno, je.text);
            bad++;
            continue;
        }
        if (ap_event_validate(ev, verr, sizeof(verr)) != 0) {
            ap_log_warn("%s:%zu: not a canonical event: %s", fname, lineno, verr);
            bad++;
        } else {
            sk->batch[sk->nbatch++] = ev;
            ev = NULL;
            /* a pipe gets its events through at once; a file in batches */
            if (sk->nbatch == BATCH_MAX || sk->store == NULL)
                flush(sk);
            (*good)++;
        }
        json_decref(ev);
    }
    free(line);
    flush(sk);
    return bad;
}

int
cmd_relay(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"drain", required_argument, NULL, 'd'},
        {"data-dir", required_argument, NULL, 'D'},
        {"store", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ap_conf_section *secs = NULL;
    struct relay_ctx *rctx = NULL;
    struct ap_outputs outs = {NULL, 0};
    struct ap_server srv;
    const char *cfg = NULL, *data_dir = NULL;
    const char *store_url = NULL;
    struct sinks sk;
    long long drain = 30;
    size_t ntypes = 0, i, good = 0, bad = 0;
    char err[512];
    int c, rc = 1;
    FILE *f;

    memset(&srv, 0, sizeof(srv));
    memset(&sk, 0, sizeof(sk));
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg = optarg;
            break;
        case 'd':
            if (ap_conf_parse_secs(optarg, &drain) != 0) {
                fprintf(stderr, "apiary relay: bad --drain '%s'\n", optarg);
                return 2;
            }
            break;
        case 'D':
            data_dir = optarg;
            if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
                fprintf(stderr, "apiary relay: %s: %s\n", data_dir, strerror(errno));
                return 1;
            }
            break;
        case 'S':
            store_url = optarg;
            break;
        case 'h':
            printf("usage: apiary relay -c FILE [--drain SECS] [--data-dir DIR] "
                   "[--store URL] [EVENTS.jsonl...]\n"
                   "  With --store, events are first stored (duplicates skipped),\n"
                   "  as the server's collector does.\n"
                   "  Sends canonical events (JSON lines; stdin by default)\n"
                   "  through the [output NAME] sections of FILE, and the\n"
                   "  [alert NAME] rules ([notify NAME] destinations); alerts\n"
                   "  are stored in DIR/server.db when --data-dir is given.\n");
            return 0;
        default:
            return 2;
        }
    }
    if (cfg == NULL) {
        fprintf(stderr, "apiary relay: -c FILE is required\n");
        return 2;
    }
    while (ap_server_instance_types[ntypes] != NULL)
        ntypes++;
    secs = calloc(ntypes + 1, sizeof(*secs));
    rctx = calloc(ntypes + 1, sizeof(*rctx));
    if (secs == NULL || rctx == NULL)
        goto out;
    for (i = 0; i < ntypes; i++) {
        rctx[i] = (struct relay_ctx){ap_server_instance_types[i], &srv};
        secs[i] = (struct ap_conf_section){ap_server_instance_types[i]->name,
                                           ap_server_instance_types[i]->keywords,
                                           NULL, relay_instance, &rctx[i]};
    }
    err[0] = '\0';
    if (ap_conf_parse_file(cfg, secs, ntypes, err, sizeof(err)) != 0 ||
        ap_outputs_start(&outs, &srv, err, sizeof(err)) != 0 ||
        ap_alerts_start(&srv, data_dir, &sk.alerts, err, sizeof(err)) != 0) {
        fprintf(stderr, "apiary relay: %s\n", err);
        ap_outputs_stop(&outs, 0);
        goto out;
    }
    sk.outs = &outs;
    if (store_url && ap_store_open(store_url, &sk.store, err, sizeof(err)) != 0) {
        fprintf(stderr, "apiary relay: %s\n", err);
        ap_outputs_stop(&outs, 0);
        ap_alerts_stop(sk.alerts, 0);
        goto out;
    }
    hup_outputs = &outs;
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_hup;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGHUP, &sa, NULL);
    }
    if (optind == argc) {
        bad += feed(stdin, "<stdin>", &sk, &good);
    } else {
        for (i = (size_t)optind; i < (size_t)argc; i++) {
            if ((f = fopen(argv[i], "r")) == NULL) {
                fprintf(stderr, "apiary relay: %s: %s\n", argv[i], strerror(errno));
                goto stop;
            }
            bad += feed(f, argv[i], &sk, &good);
            fclose(f);
        }
    }
    rc = bad ? 1 : 0;
stop:
    for (i = 0; i < outs.n; i++) {
        struct ap_output_stats st;
        ap_output_stats(outs.v[i], &st);
        fprintf(stderr, "relay: output %s: %llu queued, %llu dropped\n",
                ap_output_name(outs.v[i]), (unsigned long long)st.queued,
                (unsigned long long)st.dropped);
    }
    fprintf(stderr, "relay: %zu events, %zu bad lines\n", good, bad);
    if (sk.store) {
        fprintf(stderr, "relay: %zu already stored\n", sk.dups);
        ap_store_close(sk.store);
    }
    signal(SIGHUP, SIG_IGN);
    hup_outputs = NULL;
    ap_outputs_stop(&outs, (int)drain * 1000);
    ap_alerts_stop(sk.alerts, (int)drain * 1000);
out:
    ap_server_instances_free(&srv);
    free(secs);
    free(rctx);
    return rc;
}
