/* Alerts in server.db; see alert_db.h. */
#include <stdlib.h>
#include <string.h>

#include "alert_db.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "ap/common.h"

int
ap_alert_db_init(sqlite3 *db)
{
    char *msg = NULL;

    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS alerts("
                     " id TEXT PRIMARY KEY, ts TEXT NOT NULL, rule TEXT NOT NULL,"
                     " severity TEXT NOT NULL, grp TEXT NOT NULL,"
                     " title TEXT NOT NULL, body TEXT NOT NULL,"
                     " acked_at TEXT, acked_by TEXT);"
                     "CREATE INDEX IF NOT EXISTS alerts_ts ON alerts(ts);"
                     "CREATE INDEX IF NOT EXISTS alerts_open ON alerts(acked_at, ts);",
                     NULL, NULL, &msg) != SQLITE_OK) {
        ap_log_error("alerts table: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return AP_EDB;
    }
    return 0;
}

static const char *
jstr(const json_t *a, const char *k)
{
    const char *s = json_string_value(json_object_get(a, k));

    return s ? s : "";
}

int
ap_alert_db_put(sqlite3 *db, const json_t *alert)
{
    sqlite3_stmt *st = NULL;
    char *body = json_dumps(alert, JSON_COMPACT | JSON_PRESERVE_ORDER);
    int r = AP_EDB;

    if (body == NULL)
        return AP_ENOMEM;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO alerts(id, ts, rule, severity, grp,"
                           " title, body) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, jstr(alert, "id"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, jstr(alert, "ts"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, jstr(alert, "rule"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, jstr(alert, "severity"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, jstr(alert, "group"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, jstr(alert, "title"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, body, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_DONE)
        r = 0;
out:
    if (r != 0)
        ap_log_error("storing alert: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    free(body);
    return r;
}

int
ap_alert_db_list(sqlite3 *db, int unacked_only, size_t limit, size_t offset,
                 json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array(), *a;
    int rc, r = AP_EDB;

    if (arr == NULL)
        return AP_ENOMEM;
    if (limit == 0 || limit > 1000)
        limit = 1000;
    if (sqlite3_prepare_v2(db,
                           unacked_only
                               ? "SELECT body, acked_at, acked_by FROM alerts WHERE"
                                 " acked_at IS NULL ORDER BY ts DESC, id DESC"
                                 " LIMIT ?1 OFFSET ?2"
                               : "SELECT body, acked_at, acked_by FROM alerts"
                                 " ORDER BY ts DESC, id DESC LIMIT ?1 OFFSET ?2",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)offset);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        a = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        if (a == NULL)
            continue;
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            json_object_set_new(a, "acked_at",
                                json_string((const char *)sqlite3_column_text(st, 1)));
            json_object_set_new(a, "acked_by",
                                json_string((const char *)sqlite3_column_text(st, 2)));
        }
        json_array_append_new(arr, a);
    }
    if (rc == SQLITE_DONE)
        r = 0;
out:
    sqlite3_finalize(st);
    if (r != 0) {
        json_decref(arr);
        return r;
    }
    *out = arr;
    return 0;
}

int
ap_alert_db_ack(sqlite3 *db, const char *id, const char *who, int64_t now_us)
{
    sqlite3_stmt *st = NULL;
    char ts[40];
    int r = AP_EDB;

    ap_format_time_us(now_us, ts, sizeof(ts));
    if (sqlite3_prepare_v2(db,
                           "UPDATE alerts SET acked_at = coalesce(acked_at, ?2),"
                           " acked_by = coalesce(acked_by, ?3) WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, who ? who : "", -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_DONE)
        r = sqlite3_changes(db) > 0 ? 0 : AP_ENOENT;
out:
    sqlite3_finalize(st);
    return r;
}

int
ap_alert_db_open_count(sqlite3 *db, long long *out)
{
    sqlite3_stmt *st = NULL;
    int r = AP_EDB;

    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM alerts WHERE acked_at IS NULL",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        r = 0;
    }
    sqlite3_finalize(st);
    return r;
}
