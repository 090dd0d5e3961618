/*
 * Sensors: the hpfeeds idents in server.db (owned by the broker; read
 * here without the secret column, ever) joined with what the store saw
 * from each ident (all time, and in the last 24 hours).  Serves GET /api/v1/sensors and
 * MHN's GET /api/sensor/ (which leaked every secret in MHN).
 */
#include <stdio.h>
#include <string.h>

#include "ap/err.h"
#include "ap/util.h"
#include "sensors/sensor_status.h"
#include "server.h"
#include "store.h"
#include "web.h"
#include "web_handlers.h"
#include "ap/common.h"

#define SENSORS_MAX 1000

/* {ident: {ident, owner, publish, created}} from hpfeeds_idents, if the
 * broker's table exists.  The SELECT names its columns: no secret. */
static json_t *
read_idents(struct web *w)
{
    sqlite3_stmt *st = NULL;
    json_t *o = json_object();

    if (o == NULL ||
        sqlite3_prepare_v2(w->db,
                           "SELECT ident, owner, pubchans, created"
                           " FROM hpfeeds_idents ORDER BY ident LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int(st, 1, SENSORS_MAX);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *pub = (const char *)sqlite3_column_text(st, 2);
        json_t *pa = pub ? json_loads(pub, 0, NULL) : NULL;
        if (id == NULL)
            continue;
        json_object_set_new(
            o, id,
            json_pack("{s:s, s:s, s:o, s:s}", "ident", id, "owner",
                      sqlite3_column_text(st, 1)
                          ? (const char *)sqlite3_column_text(st, 1)
                          : "",
                      "publish", json_is_array(pa) ? pa : json_array(),
                      "created",
                      sqlite3_column_text(st, 3)
                          ? (const char *)sqlite3_column_text(st, 3)
                          : ""));
        if (pa && !json_is_array(pa))
            json_decref(pa);
    }
out:
    sqlite3_finalize(st);
    return o;
}

/* The sensor's latest event (one index step back from now), or NULL. */
static json_t *
last_event(struct ap_store *st, const char *sensor)
{
    struct ap_filter f;
    json_t *a = NULL, *ev = NULL;

    memset(&f, 0, sizeof(f));
    f.sensor = sensor;
    if (ap_store_events(st, &f, 1, 0, 0, &a) == 0 && json_array_size(a))
        ev = json_incref(json_array_get(a, 0));
    json_decref(a);
    return ev;
}

/*
 * What the sensor runs: a native sensor's modules from its heartbeat;
 * otherwise (a foreign honeypot) the honeypot of its latest event.  Not a
 * top-N over the sensor's events: no rollup crosses sensor and honeypot,
 * so that read every event of the day (1.5 s at 10 M events).
 */
static json_t *
honeypots_of(json_t *row, json_t *last)
{
    json_t *mods = json_object_get(json_object_get(row, "heartbeat"), "modules");
    json_t *out = json_array(), *m;
    const char *hp;
    size_t i;

    if (out == NULL)
        return NULL;
    json_array_foreach(mods, i, m) {
        const char *name = json_string_value(json_object_get(m, "name"));
        if (name != NULL)
            json_array_append_new(out, json_string(name));
    }
    if (json_array_size(out) == 0 &&
        (hp = json_string_value(json_object_get(last, "honeypot"))) != NULL)
        json_array_append_new(out, json_string(hp));
    return out;
}

/* Heartbeat status (native sensors; server/sensors/sensor_status.c) of
 * each ident into its row, as "heartbeat": {...}; idents that only
 * report heartbeats get a row too. */
static void
merge_status(struct web *w, json_t *idents)
{
    json_t *st = NULL, *row;
    size_t i;

    if (ap_sensor_status_list(w->db, ap_now_us(), &st) != 0)
        return; /* the sensors component may not run */
    for (i = 0; i < json_array_size(st); i++) {
        json_t *h = json_array_get(st, i);
        const char *id = json_string_value(json_object_get(h, "ident"));
        if (id == NULL)
            continue;
        if ((row = json_object_get(idents, id)) == NULL) {
            row = json_pack("{s:s, s:s, s:[], s:n}", "ident", id, "owner", "",
                            "publish", "created");
            json_object_set_new(idents, id, row);
        }
        if (row != NULL)
            json_object_set(row, "heartbeat", h);
    }
    json_decref(st);
}

/* One row per sensor known to the broker or seen in the store. */
static json_t *
sensor_rows(struct web *w)
{
    struct ap_store *st = w->srv->store;
    struct ap_filter f;
    json_t *idents = read_idents(w), *top = NULL, *all = NULL;
    json_t *rows = json_array(), *v;
    struct ap_filter none;
    const char *k;
    size_t i;
    int64_t now = ap_now_us();

    if (idents == NULL || rows == NULL)
        goto out;
    memset(&f, 0, sizeof(f));
    f.since_us = now - 24LL * 3600 * 1000000;
    merge_status(w, idents);
    memset(&none, 0, sizeof(none));
    if (st != NULL) {
        (void)ap_store_top(st, "sensor", &f, SENSORS_MAX, &top);
        (void)ap_store_top(st, "sensor", &none, SENSORS_MAX, &all);
    }
    /* Seen in the store but not (or no longer) an ident: still shown. */
    for (i = 0; i < json_array_size(all); i++) {
        const char *s =
            json_string_value(json_object_get(json_array_get(all, i), "value"));
        if (s && json_object_get(idents, s) == NULL)
            json_object_set_new(idents, s,
                                json_pack("{s:s, s:s, s:[], s:n}", "ident", s,
                                          "owner", "", "publish", "created"));
    }
    json_object_foreach(idents, k, v) {
        json_t *row = json_deep_copy(v), *hp, *last;
        long long n = 0, total = 0;
        size_t j;
        if (row == NULL)
            continue;
        for (j = 0; j < json_array_size(top); j++) {
            json_t *t = json_array_get(top, j);
            const char *tv = json_string_value(json_object_get(t, "value"));
            if (tv != NULL && strcmp(tv, k) == 0)
                n = json_integer_value(json_object_get(t, "count"));
        }
        for (j = 0; j < json_array_size(all); j++) {
            json_t *t = json_array_get(all, j);
            const char *tv = json_string_value(json_object_get(t, "value"));
            if (tv != NULL && strcmp(tv, k) == 0)
                total = json_integer_value(json_object_get(t, "count"));
        }
        json_object_set_new(row, "events_total", json_integer(total));
        json_object_set_new(row, "events_24h", json_integer(n));
        json_object_set_new(row, "events_per_hour",
                            json_real((double)n / 24.0));
        if (st != NULL) {
            last = total > 0 ? last_event(st, k) : NULL;
            json_object_set(row, "last_seen",
                            last ? json_object_get(last, "ts") : json_null());
            if ((hp = honeypots_of(row, last)) != NULL) {
                if (json_array_size(hp))
                    json_object_set(row, "honeypot", json_array_get(hp, 0));
                json_object_set_new(row, "honeypots", hp);
            }
            json_decref(last);
            json_t *hb = json_object_get(row, "heartbeat");
            /* With heartbeats: online/offline; without: active/quiet by
             * what the store saw in 24 h. */
            json_object_set_new(
                row, "status",
                json_string(hb ? (json_is_true(json_object_get(hb, "online"))
                                      ? "online"
                                      : "offline")
                               : n > 0 ? "active" : "quiet"));
            if (hb && json_object_get(hb, "last_seen"))
                json_object_set(row, "heartbeat_seen",
                                json_object_get(hb, "last_seen"));
        }
        json_array_append_new(rows, row);
    }
out:
    json_decref(idents);
    json_decref(top);
    json_decref(all);
    return rows;
}

int
web_api_sensors(struct web_req *r)
{
    json_t *rows = sensor_rows(r->w);

    if (rows == NULL)
        return AP_ENOMEM;
    return web_reply_json(
        r, 200,
        json_pack("{s:o, s:{s:b}}", "data", rows, "meta", "store",
                  r->w->srv->store != NULL));
}

static int
matches(const json_t *o, const char *key, const char *want)
{
    const char *v;

    if (want == NULL)
        return 1;
    v = json_string_value(json_object_get(o, key));
    return v != NULL && strcmp(v, want) == 0;
}

int
web_mhn_sensor(struct web_req *r)
{
    json_t *rows = sensor_rows(r->w), *out = json_array();
    size_t i;

    if (rows == NULL || out == NULL) {
        json_decref(rows);
        json_decref(out);
        return AP_ENOMEM;
    }
    /* MHN's shape, minus the secret MHN returned; Sensor columns work as
     * equality filters as in MHN. */
    for (i = 0; i < json_array_size(rows); i++) {
        json_t *s = json_array_get(rows, i), *m;
        const char *id = json_string_value(json_object_get(s, "ident"));
        const char *owner = json_string_value(json_object_get(s, "owner"));
        m = json_pack("{s:s, s:s, s:O, s:O, s:n, s:n, s:s, s:O, s:O}", "uuid",
                      id, "name", owner && *owner ? owner : id, "honeypot",
                      json_object_get(s, "honeypot") ? json_object_get(s, "honeypot")
                                                    : json_null(),
                      "created_date", json_object_get(s, "created"), "ip",
                      "hostname", "identifier", id, "publish",
                      json_object_get(s, "publish"), "attacks",
                      json_object_get(s, "events_total"));
        if (m && matches(m, "honeypot", web_param(r, "honeypot")) &&
            matches(m, "identifier", web_param(r, "identifier")) &&
            matches(m, "uuid", web_param(r, "uuid")) &&
            matches(m, "name", web_param(r, "name")))
            json_array_append_new(out, m);
        else
            json_decref(m);
    }
    json_decref(rows);
    return web_reply_json(r, 200, out);
}
