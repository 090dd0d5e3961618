#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/util.h"
#include "sensor_status.h"
#include "ap/common.h"

/* A sensor that says nothing about its heartbeat gets the default. */
#define DEFAULT_HEARTBEAT 30

int
ap_sensor_status_init(sqlite3 *db)
{
    return sqlite3_exec(db,
                        "CREATE TABLE IF NOT EXISTS sensor_status ("
                        " ident TEXT PRIMARY KEY,"
                        " first_seen INTEGER NOT NULL,"
                        " last_seen INTEGER NOT NULL,"
                        " status TEXT NOT NULL)",
                        NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : AP_EDB;
}

int
ap_sensor_status_update(sqlite3 *db, const char *ident, size_t ident_len,
                        const uint8_t *payload, size_t len, int64_t now_us)
{
    sqlite3_stmt *st = NULL;
    json_t *j = NULL;
    char *text = NULL;
    int r = AP_EINVAL;

    if (len > AP_SENSOR_STATUS_MAX)
        return AP_EINVAL;
    j = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j))
        goto out;
    /* The authenticated ident is the truth, not what the payload claims. */
    json_object_del(j, "sensor");
    json_object_del(j, "ident");
    if ((text = json_dumps(j, JSON_COMPACT)) == NULL) {
        r = AP_ENOMEM;
        goto out;
    }
    r = AP_EDB;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO sensor_status (ident, first_seen,"
                           " last_seen, status) VALUES (?1, ?2, ?2, ?3)"
                           " ON CONFLICT(ident) DO UPDATE SET"
                           " last_seen = ?2, status = ?3",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, ident, (int)ident_len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now_us);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_DONE)
        r = 0;
out:
    sqlite3_finalize(st);
    free(text);
    json_decref(j);
    return r;
}

static json_t *
row_json(sqlite3_stmt *st, int64_t now_us)
{
    const char *ident = (const char *)sqlite3_column_text(st, 0);
    int64_t first = sqlite3_column_int64(st, 1), last = sqlite3_column_int64(st, 2);
    const char *text = (const char *)sqlite3_column_text(st, 3);
    json_t *j = text ? json_loads(text, 0, NULL) : NULL, *hb;
    long long beat = DEFAULT_HEARTBEAT;
    char ts[32];

    if (!json_is_object(j)) {
        json_decref(j);
        j = json_object();
    }
    if (j == NULL || ident == NULL)
        return j;
    hb = json_object_get(j, "heartbeat");
    if (json_is_integer(hb) && json_integer_value(hb) > 0 &&
        json_integer_value(hb) <= 3600)
        beat = (long long)json_integer_value(hb);
    json_object_set_new(j, "ident", json_string(ident));
    ap_format_time_us(first, ts, sizeof(ts));
    json_object_set_new(j, "first_seen", json_string(ts));
    ap_format_time_us(last, ts, sizeof(ts));
    json_object_set_new(j, "last_seen", json_string(ts));
    json_object_set_new(j, "online",
                        json_boolean(now_us - last <= 3 * beat * 1000000LL));
    return j;
}

int
ap_sensor_status_list(sqlite3 *db, int64_t now_us, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *a = json_array(), *row;
    int r = AP_EDB, s;

    if (a == NULL)
        return AP_ENOMEM;
    if (sqlite3_prepare_v2(db,
                           "SELECT ident, first_seen, last_seen, status"
                           " FROM sensor_status ORDER BY ident",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        if ((row = row_json(st, now_us)) != NULL)
            json_array_append_new(a, row);
    if (s != SQLITE_DONE)
        goto out;
    *out = a;
    a = NULL;
    r = 0;
out:
    sqlite3_finalize(st);
    json_decref(a);
    return r;
}

int
ap_sensor_status_get(sqlite3 *db, const char *ident, int64_t now_us,
                     json_t **out)
{
    sqlite3_stmt *st = NULL;
    int r = AP_EDB, s;

    if (sqlite3_prepare_v2(db,
                           "SELECT ident, first_seen, last_seen, status"
                           " FROM sensor_status WHERE ident = ?",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, ident, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *out = row_json(st, now_us);
        r = *out ? 0 : AP_ENOMEM;
    } else if (s == SQLITE_DONE) {
        r = AP_ENOENT;
    }
out:
    sqlite3_finalize(st);
    return r;
}
