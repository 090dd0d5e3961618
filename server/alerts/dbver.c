/* Change counters in server.db; see dbver.h. */
#include "dbver.h"
#include "ap/err.h"
#include "ap/common.h"

int
ap_dbver_init(sqlite3 *db)
{
    return sqlite3_exec(db,
                        "CREATE TABLE IF NOT EXISTS versions("
                        " name TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID",
                        NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : AP_EDB;
}

/* Run sql with ?1 = name; the first column of the first row into *out
 * (when out is set). */
static int
run(sqlite3 *db, const char *sql, const char *name, long long *out)
{
    sqlite3_stmt *st = NULL;
    int r = AP_EDB, rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
            if (out)
                *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            r = 0;
        }
    }
    sqlite3_finalize(st);
    return r;
}

int
ap_dbver_get(sqlite3 *db, const char *name, long long *out)
{
    long long v = 0;
    int r = run(db, "SELECT v FROM versions WHERE name = ?1", name, &v);

    if (r == 0)
        *out = v;
    return r;
}

int
ap_dbver_bump(sqlite3 *db, const char *name)
{
    return run(db,
               "INSERT INTO versions(name, v) VALUES(?1, 1)"
               " ON CONFLICT(name) DO UPDATE SET v = v + 1",
               name, NULL);
}
