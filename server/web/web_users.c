/* Users, sessions and API keys in server.db (see web_users.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "web.h"
#include "web_users.h"
#include "ap/common.h"

int
web_users_schema(sqlite3 *db)
{
    static const char sql[] =
        "CREATE TABLE IF NOT EXISTS web_users ("
        " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
        " pwhash TEXT NOT NULL, role INTEGER NOT NULL,"
        " created INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS web_sessions ("
        " token_hash TEXT PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES web_users(id) ON DELETE CASCADE,"
        " csrf TEXT NOT NULL, expires INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS web_apikeys ("
        " id INTEGER PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES web_users(id) ON DELETE CASCADE,"
        " key_hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL,"
        " created INTEGER NOT NULL, last_used INTEGER);";
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ap_log_error("web schema: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return AP_EDB;
    }
    return 0;
}

int
web_user_name_ok(const char *name)
{
    size_t i, n = strlen(name);

    if (n == 0 || n > WEB_NAME_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("._@-", name[i]))
            return 0;
    return 1;
}

int
web_role_parse(const char *s)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "admin") == 0)
        return WEB_ROLE_ADMIN;
    if (strcmp(s, "viewer") == 0)
        return WEB_ROLE_VIEWER;
    return -1;
}

const char *
web_role_name(int role)
{
    return role == WEB_ROLE_ADMIN ? "admin" : "viewer";
}

int
web_password_hash(const char *password, char out[128])
{
    AP_ASSERT(crypto_pwhash_STRBYTES <= 128);
    if (crypto_pwhash_str_alg(out, password, strlen(password),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return AP_ENOMEM;
    return 0;
}

int
web_password_check(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0
               ? 0
               : AP_EAUTH;
}

static int
exec1(sqlite3 *db, const char *sql, const char *a, const char *b,
      long long n1, int *changes)
{
    sqlite3_stmt *st = NULL;
    int rc = AP_EDB, i = 1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    if (a)
        sqlite3_bind_text(st, i++, a, -1, SQLITE_TRANSIENT);
    if (b)
        sqlite3_bind_text(st, i++, b, -1, SQLITE_TRANSIENT);
    if (i <= sqlite3_bind_parameter_count(st))
        sqlite3_bind_int64(st, i, n1);
    switch (sqlite3_step(st)) {
    case SQLITE_DONE:
        rc = 0;
        break;
    case SQLITE_CONSTRAINT:
        rc = AP_EEXIST;
        break;
    default:
        ap_log_error("web db: %s", sqlite3_errmsg(db));
    }
    if (changes)
        *changes = sqlite3_changes(db);
out:
    sqlite3_finalize(st);
    return rc;
}

int
web_user_add(sqlite3 *db, const char *name, const char *password, int role)
{
    char hash[128];
    int rc;

    if (!web_user_name_ok(name) || strlen(password) < WEB_PASSWORD_MIN ||
        strlen(password) > WEB_PASSWORD_MAX ||
        (role != WEB_ROLE_ADMIN && role != WEB_ROLE_VIEWER))
        return AP_EINVAL;
    if ((rc = web_password_hash(password, hash)) != 0)
        return rc;
    rc = exec1(db,
               "INSERT INTO web_users(name, pwhash, role, created)"
               " VALUES (?, ?, ?, strftime('%s','now'))",
               name, hash, role, NULL);
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

int
web_user_del(sqlite3 *db, const char *name)
{
    int changes = 0, rc;

    /* Explicit deletes: foreign_keys may be off on this connection. */
    exec1(db,
          "DELETE FROM web_sessions WHERE user_id IN"
          " (SELECT id FROM web_users WHERE name = ?)",
          name, NULL, 0, NULL);
    exec1(db,
          "DELETE FROM web_apikeys WHERE user_id IN"
          " (SELECT id FROM web_users WHERE name = ?)",
          name, NULL, 0, NULL);
    rc = exec1(db, "DELETE FROM web_users WHERE name = ?", name, NULL, 0,
               &changes);
    if (rc == 0 && changes == 0)
        rc = AP_ENOENT;
    return rc;
}

int
web_user_set_password(sqlite3 *db, const char *name, const char *password)
{
    char hash[128];
    int changes = 0, rc;

    if (strlen(password) < WEB_PASSWORD_MIN ||
        strlen(password) > WEB_PASSWORD_MAX)
        return AP_EINVAL;
    if ((rc = web_password_hash(password, hash)) != 0)
        return rc;
    rc = exec1(db, "UPDATE web_users SET pwhash = ? WHERE name = ?", hash,
               name, 0, &changes);
    sodium_memzero(hash, sizeof(hash));
    if (rc == 0 && changes == 0)
        return AP_ENOENT;
    /* A new password ends every existing login of that user. */
    if (rc == 0)
        exec1(db,
              "DELETE FROM web_sessions WHERE user_id IN"
              " (SELECT id FROM web_users WHERE name = ?)",
              name, NULL, 0, NULL);
    return rc;
}

int
web_user_lookup(sqlite3 *db, const char *name, char hash[128], long long *id,
                int *role)
{
    sqlite3_stmt *st = NULL;
    const unsigned char *h;
    int rc = AP_EDB, s;

    if (sqlite3_prepare_v2(db,
                           "SELECT pwhash, id, role FROM web_users"
                           " WHERE name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    if (s == SQLITE_DONE) {
        rc = AP_ENOENT;
        goto out;
    }
    if (s != SQLITE_ROW)
        goto out;
    h = sqlite3_column_text(st, 0);
    if (h == NULL || strlen((const char *)h) >= 128)
        goto out;
    snprintf(hash, 128, "%s", (const char *)h);
    *id = sqlite3_column_int64(st, 1);
    *role = sqlite3_column_int(st, 2);
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int
web_user_count(sqlite3 *db, long long *out)
{
    sqlite3_stmt *st = NULL;
    int rc = AP_EDB;

    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM web_users", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

int
web_user_list(sqlite3 *db, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *a = json_array();
    int rc = AP_EDB, s;

    if (a == NULL)
        return AP_ENOMEM;
    if (sqlite3_prepare_v2(db,
                           "SELECT name, role, created FROM web_users"
                           " ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I}", "name",
                         (const char *)sqlite3_column_text(st, 0), "role",
                         web_role_name(sqlite3_column_int(st, 1)), "created",
                         (json_int_t)sqlite3_column_int64(st, 2)));
    if (s != SQLITE_DONE)
        goto out;
    *out = a;
    a = NULL;
    rc = 0;
out:
    json_decref(a);
    sqlite3_finalize(st);
    return rc;
}

int
web_session_new(sqlite3 *db, long long uid, long long lifetime_s, char *token,
                char *csrf)
{
    char tok[WEB_TOKEN_LEN + 1], cs[WEB_TOKEN_LEN + 1], h[65];
    sqlite3_stmt *st = NULL;
    int rc = AP_EDB;

    if (ap_random_token(tok, WEB_TOKEN_LEN) != 0 ||
        ap_random_token(cs, WEB_TOKEN_LEN) != 0)
        return AP_EIO;
    web_sha256_hex(tok, h);
    /* Expired sessions go when new ones come. */
    exec1(db, "DELETE FROM web_sessions WHERE expires < strftime('%s','now')",
          NULL, NULL, 0, NULL);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO web_sessions(token_hash, user_id,"
                           " csrf, expires) VALUES (?, ?, ?,"
                           " strftime('%s','now') + ?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, uid);
    sqlite3_bind_text(st, 3, cs, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, lifetime_s);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto out;
    memcpy(token, tok, sizeof(tok));
    memcpy(csrf, cs, sizeof(cs));
    rc = 0;
out:
    sodium_memzero(tok, sizeof(tok));
    sqlite3_finalize(st);
    return rc;
}

int
web_session_del(sqlite3 *db, const char *token)
{
    char h[65];

    web_sha256_hex(token, h);
    return exec1(db, "DELETE FROM web_sessions WHERE token_hash = ?", h, NULL,
                 0, NULL);
}

int
web_apikey_new(sqlite3 *db, long long uid, const char *label, char *key,
               size_t keylen, long long *id)
{
    char tok[WEB_TOKEN_LEN + 1], full[WEB_TOKEN_LEN + 4], h[65];
    sqlite3_stmt *st = NULL;
    int rc = AP_EDB;

    if (keylen < sizeof(full))
        return AP_EINVAL;
    if (ap_random_token(tok, WEB_TOKEN_LEN) != 0)
        return AP_EIO;
    snprintf(full, sizeof(full), "ak_%s", tok);
    web_sha256_hex(full, h);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO web_apikeys(user_id, key_hash, label,"
                           " created) VALUES (?, ?, ?, strftime('%s','now'))",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(st, 1, uid);
    sqlite3_bind_text(st, 2, h, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, label ? label : "", -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto out;
    *id = sqlite3_last_insert_rowid(db);
    memcpy(key, full, sizeof(full));
    rc = 0;
out:
    sodium_memzero(tok, sizeof(tok));
    sodium_memzero(full, sizeof(full));
    sqlite3_finalize(st);
    return rc;
}

int
web_apikey_del(sqlite3 *db, long long uid, int any_user, long long id)
{
    sqlite3_stmt *st = NULL;
    int rc = AP_EDB;

    if (sqlite3_prepare_v2(db,
                           any_user ? "DELETE FROM web_apikeys WHERE id = ?"
                                    : "DELETE FROM web_apikeys WHERE id = ?"
                                      " AND user_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    if (!any_user)
        sqlite3_bind_int64(st, 2, uid);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto out;
    rc = sqlite3_changes(db) > 0 ? 0 : AP_ENOENT;
out:
    sqlite3_finalize(st);
    return rc;
}

int
web_apikey_list(sqlite3 *db, long long uid, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *a = json_array(), *o;
    int rc = AP_EDB, s;

    if (a == NULL)
        return AP_ENOMEM;
    if (sqlite3_prepare_v2(db,
                           "SELECT k.id, k.label, k.created, k.last_used,"
                           " u.name FROM web_apikeys k JOIN web_users u"
                           " ON u.id = k.user_id"
                           " WHERE ? < 0 OR k.user_id = ? ORDER BY k.id",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(st, 1, uid);
    sqlite3_bind_int64(st, 2, uid);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        o = json_pack("{s:I, s:s, s:I, s:s}", "id",
                      (json_int_t)sqlite3_column_int64(st, 0), "label",
                      (const char *)sqlite3_column_text(st, 1), "created",
                      (json_int_t)sqlite3_column_int64(st, 2), "user",
                      (const char *)sqlite3_column_text(st, 4));
        if (o && sqlite3_column_type(st, 3) != SQLITE_NULL)
            json_object_set_new(
                o, "last_used",
                json_integer((json_int_t)sqlite3_column_int64(st, 3)));
        json_array_append_new(a, o);
    }
    if (s != SQLITE_DONE)
        goto out;
    *out = a;
    a = NULL;
    rc = 0;
out:
    json_decref(a);
    sqlite3_finalize(st);
    return rc;
}
