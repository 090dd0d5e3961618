/* Retention settings in server.db (retention_db.h). */
#include <stdio.h>
#include <string.h>

#include "alerts/dbver.h"
#include "ap/err.h"
#include "retention_db.h"
#include "ap/common.h"

static const char *const keys[] = {"days", "max_bytes", "raw_days"};

static long long *
field(struct ap_retention_values *v, size_t i)
{
    return i == 0 ? &v->days : i == 1 ? &v->max_bytes : &v->raw_days;
}

/* the change counter (alerts/dbver.h) the retention thread polls */
#define VERSION_NAME "store_retention"

int
ap_retention_db_init(sqlite3 *db)
{
    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS store_retention ("
                     " name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK)
        return AP_EDB;
    return ap_dbver_init(db);
}

static int
put(sqlite3 *db, const char *name, long long v)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(db,
                           "INSERT INTO store_retention (name, value) VALUES "
                           "(?, ?) ON CONFLICT (name) DO UPDATE SET "
                           "value = excluded.value",
                           -1, &s, NULL) != SQLITE_OK)
        return AP_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, v);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : AP_EDB;
    sqlite3_finalize(s);
    return rc;
}

static int
del(sqlite3 *db, const char *name)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(db, "DELETE FROM store_retention WHERE name = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return AP_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : AP_EDB;
    sqlite3_finalize(s);
    return rc;
}

/* value of name, or def when absent */
static int
get(sqlite3 *db, const char *name, long long def, long long *out)
{
    sqlite3_stmt *s = NULL;
    int rc, st;

    if (sqlite3_prepare_v2(db,
                           "SELECT value FROM store_retention WHERE name = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return AP_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    st = sqlite3_step(s);
    rc = 0;
    if (st == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else if (st == SQLITE_DONE)
        *out = def;
    else
        rc = AP_EDB;
    sqlite3_finalize(s);
    return rc;
}

int
ap_retention_db_overrides(sqlite3 *db, struct ap_retention_values *out,
                          long long *version)
{
    struct ap_retention_values v;
    char name[64];
    size_t i;
    int rc;

    for (i = 0; i < AP_ARRAY_SIZE(keys); i++) {
        snprintf(name, sizeof(name), "override.%s", keys[i]);
        if ((rc = get(db, name, -1, field(&v, i))) != 0)
            return rc;
    }
    if (version != NULL && (rc = ap_dbver_get(db, VERSION_NAME, version)) != 0)
        return rc;
    *out = v;
    return 0;
}

int
ap_retention_db_set(sqlite3 *db, const struct ap_retention_values *v)
{
    struct ap_retention_values c = *v;
    long long x;
    char name[64];
    size_t i;
    int rc = 0;

    for (i = 0; i < AP_ARRAY_SIZE(keys); i++) {
        x = *field(&c, i);
        if (x < -1 || (i != 1 && x > AP_RETENTION_MAX_DAYS) ||
            (i == 1 && x > AP_RETENTION_MAX_BYTES))
            return AP_EINVAL;
    }
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return AP_EDB;
    for (i = 0; i < AP_ARRAY_SIZE(keys) && rc == 0; i++) {
        snprintf(name, sizeof(name), "override.%s", keys[i]);
        x = *field(&c, i);
        rc = x < 0 ? del(db, name) : put(db, name, x);
    }
    if (rc == 0)
        rc = ap_dbver_bump(db, VERSION_NAME);
    if (sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) !=
        SQLITE_OK)
        rc = AP_EDB;
    return rc;
}

int
ap_retention_db_report(sqlite3 *db, const struct ap_retention_values *conf,
                       const struct ap_retention_values *eff, int64_t now_us)
{
    struct ap_retention_values c = *conf, e = *eff;
    char name[64];
    size_t i;
    int rc = 0;

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return AP_EDB;
    for (i = 0; i < AP_ARRAY_SIZE(keys) && rc == 0; i++) {
        snprintf(name, sizeof(name), "config.%s", keys[i]);
        rc = put(db, name, *field(&c, i));
        snprintf(name, sizeof(name), "effective.%s", keys[i]);
        if (rc == 0)
            rc = put(db, name, *field(&e, i));
    }
    if (rc == 0)
        rc = put(db, "applied_at", now_us);
    if (sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) !=
        SQLITE_OK)
        rc = AP_EDB;
    return rc;
}

int
ap_retention_db_state(sqlite3 *db, json_t **out)
{
    static const char *const groups[] = {"config", "override", "effective"};
    json_t *o = json_object(), *g;
    char name[64];
    long long v;
    size_t i, k;
    int rc = 0;

    if (o == NULL)
        return AP_ENOMEM;
    for (k = 0; k < AP_ARRAY_SIZE(groups) && rc == 0; k++) {
        if ((g = json_object()) == NULL || json_object_set_new(o, groups[k], g))
            rc = AP_ENOMEM;
        for (i = 0; i < AP_ARRAY_SIZE(keys) && rc == 0; i++) {
            snprintf(name, sizeof(name), "%s.%s", groups[k], keys[i]);
            if ((rc = get(db, name, -1, &v)) != 0)
                break;
            if (v >= 0)
                json_object_set_new(g, keys[i], json_integer(v));
            else if (k == 1)
                json_object_set_new(g, keys[i], json_null());
        }
    }
    if (rc == 0 && (rc = get(db, "applied_at", -1, &v)) == 0 && v >= 0)
        json_object_set_new(o, "applied_at_us", json_integer(v));
    if (rc != 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}
