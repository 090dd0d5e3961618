/*
 * Server component "sensors": taps the broker for `apiary.status`
 * heartbeats, keeps them in server.db (sensor_status.c) and exports
 * per-sensor gauges.  Enrollment (deploy keys, POST /api/sensor/) is in
 * enroll.c; the web component routes the HTTP endpoint to it.
 */
#include <string.h>

#include <jansson.h>

#include "ap/err.h"
#include "ap/log.h"
#include "ap/metrics.h"
#include "ap/util.h"
#include "broker.h"
#include "deploykeys.h"
#include "sensor_status.h"
#include "sensor_tags.h"
#include "server.h"
#include "ap/common.h"

#define CHAN_STATUS "apiary.status"

static struct {
    struct ap_server *srv;
    struct ap_metric *last_seen, *pending, *rate, *refused;
} g;

static int64_t
num(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    return 0;
}

static void
export_metrics(const char *ident, size_t ident_len, const uint8_t *p,
               size_t len, int64_t now_us)
{
    json_t *j = json_loadb((const char *)p, len, 0, NULL), *sp;

    ap_series_set(ap_metric_series_n(g.last_seen, ident, ident_len, NULL, 0),
                  now_us / 1000000);
    if (json_is_object(j)) {
        sp = json_object_get(j, "spool");
        ap_series_set(ap_metric_series_n(g.pending, ident, ident_len, NULL, 0),
                      num(sp, "pending"));
        ap_series_set(ap_metric_series_n(g.refused, ident, ident_len, NULL, 0),
                      num(sp, "refused_full"));
        ap_series_set(ap_metric_series_n(g.rate, ident, ident_len, NULL, 0),
                      num(j, "event_rate"));
    }
    json_decref(j);
}

static void
tap(void *ctx, const char *ident, size_t ident_len, const char *chan,
    size_t chan_len, const uint8_t *payload, size_t len)
{
    int64_t now = ap_now_us();
    int r;

    (void)ctx;
    if (chan_len != sizeof(CHAN_STATUS) - 1 ||
        memcmp(chan, CHAN_STATUS, chan_len) != 0)
        return;
    r = ap_sensor_status_update(g.srv->db, ident, ident_len, payload, len,
                                now);
    if (r != 0) {
        ap_log_warn("sensor %.*s: status message refused: %s",
                    (int)(ident_len > 64 ? 64 : ident_len), ident,
                    ap_strerror(r));
        return;
    }
    export_metrics(ident, ident_len, payload, len, now);
}

static int
sensors_start(struct ap_server *srv, void *conf, char *err, size_t errlen)
{
    int r;

    (void)conf;
    g.srv = srv;
    if (ap_sensor_status_init(srv->db) != 0 ||
        ap_deploykeys_init(srv->db) != 0 || ap_sensor_tags_init(srv->db) != 0) {
        snprintf(err, errlen, "sensors: server.db: %s",
                 sqlite3_errmsg(srv->db));
        return AP_EDB;
    }
    g.last_seen = ap_metric_new(AP_METRIC_GAUGE,
                                "apiary_sensor_last_seen_seconds",
                                "Unix time of the last heartbeat", "sensor",
                                NULL);
    g.pending = ap_metric_new(AP_METRIC_GAUGE, "apiary_sensor_spool_pending",
                              "Events spooled on the sensor, not yet "
                              "acknowledged",
                              "sensor", NULL);
    g.refused = ap_metric_new(AP_METRIC_GAUGE,
                              "apiary_sensor_spool_refused",
                              "Events the sensor refused because its spool "
                              "was full",
                              "sensor", NULL);
    g.rate = ap_metric_new(AP_METRIC_GAUGE, "apiary_sensor_event_rate",
                           "Events per minute at the last heartbeat",
                           "sensor", NULL);
    if (srv->broker == NULL) {
        ap_log_warn("sensors: no hpfeeds broker; no sensor status");
        return 0;
    }
    if ((r = ap_broker_add_tap(srv->broker, tap, NULL)) != 0) {
        snprintf(err, errlen, "sensors: cannot tap the broker: %s",
                 ap_strerror(r));
        return r;
    }
    return 0;
}

const struct ap_server_component ap_component_sensors = {
    .name = "sensors",
    .start = sensors_start,
};
