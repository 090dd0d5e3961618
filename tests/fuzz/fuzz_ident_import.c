/* libFuzzer target for `apiary ident import`: any bytes as an hpfeeds3
 * auth file or MHN auth_key JSON, into an in-memory server.db.  Every
 * ident that was imported must read back with a secret. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ap/err.h"
#include "idents.h"
#include "ap/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
check(void *ctx, const struct ap_ident *id)
{
    struct ap_ident full;
    sqlite3 *db = ctx;

    if (ap_ident_get(db, id->name, strlen(id->name), &full) != 0)
        abort();
    if (full.secret == NULL)
        abort();
    ap_ident_release(&full);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sqlite3 *db;
    char err[256];
    int n;

    if (db == NULL) {
        if (sqlite3_open(":memory:", &db) != SQLITE_OK || ap_idents_init(db))
            abort();
    }
    n = ap_ident_import_json(db, (const char *)data, size, err, sizeof(err));
    if (n > 0 && ap_ident_foreach(db, check, db) != 0)
        abort();
    sqlite3_exec(db, "DELETE FROM hpfeeds_idents", NULL, NULL, NULL);
    return 0;
}
