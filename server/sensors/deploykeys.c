#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "ap/err.h"
#include "ap/util.h"
#include "deploykeys.h"
#include "ap/common.h"

int
ap_deploykeys_init(sqlite3 *db)
{
    return sqlite3_exec(db,
                        "CREATE TABLE IF NOT EXISTS deploy_keys ("
                        " id TEXT PRIMARY KEY,"
                        " hash TEXT NOT NULL UNIQUE,"
                        " note TEXT NOT NULL DEFAULT '',"
                        " created INTEGER NOT NULL,"
                        " expires INTEGER NOT NULL DEFAULT 0,"
                        " max_uses INTEGER NOT NULL DEFAULT 0,"
                        " uses INTEGER NOT NULL DEFAULT 0,"
                        " revoked INTEGER NOT NULL DEFAULT 0)",
                        NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : AP_EDB;
}

static void
key_hash(const char *key, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;

    EVP_Digest(key, strlen(key), md, &n, EVP_sha256(), NULL);
    ap_hex(md, 32, out);
}

int
ap_deploykey_add(sqlite3 *db, const char *note, long long max_uses,
                 long long lifetime_secs, int64_t now_us,
                 char key_out[AP_DEPLOYKEY_LEN + 1])
{
    char key[AP_DEPLOYKEY_LEN + 1], id[AP_DEPLOYKEY_ID_LEN + 1], hash[65];
    sqlite3_stmt *st = NULL;
    int r = AP_EDB;

    memcpy(key, "apk_", 4);
    if (ap_random_token(key + 4, AP_DEPLOYKEY_LEN - 4) != 0)
        return AP_EIO;
    memcpy(id, key, AP_DEPLOYKEY_ID_LEN);
    id[AP_DEPLOYKEY_ID_LEN] = '\0';
    key_hash(key, hash);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO deploy_keys (id, hash, note, created,"
                           " expires, max_uses) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, note ? note : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, now_us);
    sqlite3_bind_int64(st, 5,
                       lifetime_secs > 0 ? now_us + lifetime_secs * 1000000LL
                                         : 0);
    sqlite3_bind_int64(st, 6, max_uses > 0 ? max_uses : 0);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto out;
    memcpy(key_out, key, sizeof(key));
    r = 0;
out:
    sqlite3_finalize(st);
    return r;
}

int
ap_deploykey_revoke(sqlite3 *db, const char *id)
{
    char short_id[AP_DEPLOYKEY_ID_LEN + 1];
    sqlite3_stmt *st = NULL;
    int r = AP_EDB;

    /* Accept the whole key too: people paste what they have. */
    snprintf(short_id, sizeof(short_id), "%s", id);
    if (sqlite3_prepare_v2(db, "UPDATE deploy_keys SET revoked = 1 WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, short_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto out;
    r = sqlite3_changes(db) > 0 ? 0 : AP_ENOENT;
out:
    sqlite3_finalize(st);
    return r;
}

int
ap_deploykey_list(sqlite3 *db, int64_t now_us, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *a = json_array();
    char created[32], expires[32];
    int r = AP_EDB;

    if (a == NULL)
        return AP_ENOMEM;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, note, created, expires, max_uses, uses,"
                           " revoked FROM deploy_keys ORDER BY created",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t exp = sqlite3_column_int64(st, 3);
        long long max = sqlite3_column_int64(st, 4),
                  uses = sqlite3_column_int64(st, 5);
        int revoked = sqlite3_column_int(st, 6);
        ap_format_time_us(sqlite3_column_int64(st, 2), created,
                          sizeof(created));
        if (exp)
            ap_format_time_us(exp, expires, sizeof(expires));
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:b, s:b}", "id",
                         (const char *)sqlite3_column_text(st, 0), "note",
                         (const char *)sqlite3_column_text(st, 1), "created",
                         created, "expires",
                         exp ? json_string(expires) : json_null(), "max_uses",
                         (json_int_t)max, "uses", (json_int_t)uses, "revoked",
                         revoked, "valid",
                         !revoked && (exp == 0 || exp > now_us) &&
                             (max == 0 || uses < max)));
    }
    *out = a;
    a = NULL;
    r = 0;
out:
    sqlite3_finalize(st);
    json_decref(a);
    return r;
}

int
ap_deploykey_use(sqlite3 *db, const char *key, int64_t now_us,
                 const char **why)
{
    sqlite3_stmt *st = NULL;
    char hash[65];
    int r = AP_EDB, s;

    *why = "unknown deploy key";
    if (key == NULL || strlen(key) != AP_DEPLOYKEY_LEN)
        return AP_EAUTH;
    key_hash(key, hash);
    /* One statement: the checks and the count cannot race with another
     * enrollment using the last use. */
    if (sqlite3_prepare_v2(db,
                           "UPDATE deploy_keys SET uses = uses + 1"
                           " WHERE hash = ?1 AND revoked = 0"
                           " AND (expires = 0 OR expires > ?2)"
                           " AND (max_uses = 0 OR uses < max_uses)",
                           -1, &st, NULL) != SQLITE_OK)
        return AP_EDB;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now_us);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto out;
    if (sqlite3_changes(db) > 0) {
        *why = NULL;
        r = 0;
        goto out;
    }
    /* Refused: find out why, for a message the operator can act on. */
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT revoked, expires, max_uses, uses FROM"
                           " deploy_keys WHERE hash = ?",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    r = AP_EAUTH;
    if ((s = sqlite3_step(st)) != SQLITE_ROW)
        goto out;
    if (sqlite3_column_int(st, 0))
        *why = "deploy key revoked";
    else if (sqlite3_column_int64(st, 1) != 0 &&
             sqlite3_column_int64(st, 1) <= now_us)
        *why = "deploy key expired";
    else
        *why = "deploy key used up";
out:
    sqlite3_finalize(st);
    return r;
}
