/*
 * hpfeeds idents in server.db (see server/idents.h).  Channel lists are
 * stored as JSON arrays, like hpfeeds3's sqlite backend.  Every statement
 * uses bound parameters.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/hpfeeds.h"
#include "ap/log.h"
#include "ap/util.h"
#include "idents.h"
#include "ap/common.h"

int
ap_idents_init(sqlite3 *db)
{
    static const char sql[] =
        "CREATE TABLE IF NOT EXISTS hpfeeds_idents ("
        " ident TEXT PRIMARY KEY,"
        " secret TEXT NOT NULL,"
        " owner TEXT NOT NULL DEFAULT '',"
        " pubchans TEXT NOT NULL DEFAULT '[]',"
        " subchans TEXT NOT NULL DEFAULT '[]',"
        " created TEXT NOT NULL)";

    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        ap_log_error("hpfeeds_idents: %s", sqlite3_errmsg(db));
        return AP_EDB;
    }
    return 0;
}

static char *
list_to_json(const struct ap_strlist *l)
{
    json_t *a = json_array();
    char *s;
    size_t i;

    if (a == NULL)
        return NULL;
    for (i = 0; l && i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

static int
list_from_json(const char *text, struct ap_strlist *out)
{
    json_t *a = json_loads(text ? text : "[]", 0, NULL), *v;
    size_t i;
    int r = 0;

    if (!json_is_array(a)) {
        json_decref(a);
        return AP_EDB;
    }
    json_array_foreach(a, i, v) {
        if (json_is_string(v) && (r = ap_strlist_add(out, json_string_value(v))))
            break;
    }
    json_decref(a);
    return r;
}

static int
check_ident(const struct ap_ident *id)
{
    size_t i;

    if (id->name == NULL || id->name[0] == '\0' ||
        strlen(id->name) > HPF_STR_MAX || id->secret == NULL)
        return AP_EINVAL;
    for (i = 0; i < id->pub.n; i++)
        if (id->pub.v[i][0] == '\0' || strlen(id->pub.v[i]) > HPF_STR_MAX)
            return AP_EINVAL;
    for (i = 0; i < id->sub.n; i++)
        if (id->sub.v[i][0] == '\0' || strlen(id->sub.v[i]) > HPF_STR_MAX)
            return AP_EINVAL;
    return 0;
}

static int
store(sqlite3 *db, const struct ap_ident *id, int replace)
{
    static const char ins[] =
        "INSERT INTO hpfeeds_idents(ident, secret, owner, pubchans, subchans,"
        " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    static const char rep[] =
        "INSERT OR REPLACE INTO hpfeeds_idents(ident, secret, owner, pubchans,"
        " subchans, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    sqlite3_stmt *st = NULL;
    char *pub = NULL, *sub = NULL, now[32];
    int r = AP_EDB, rc;

    if ((r = check_ident(id)) != 0)
        return r;
    r = AP_ENOMEM;
    if ((pub = list_to_json(&id->pub)) == NULL ||
        (sub = list_to_json(&id->sub)) == NULL)
        goto out;
    ap_format_time_us(ap_now_us(), now, sizeof(now));
    r = AP_EDB;
    if (sqlite3_prepare_v2(db, replace ? rep : ins, -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, id->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id->secret, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, id->owner ? id->owner : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, pub, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, sub, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        r = 0;
    else if (rc == SQLITE_CONSTRAINT)
        r = AP_EEXIST;
    else
        ap_log_error("hpfeeds_idents: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    free(pub);
    free(sub);
    return r;
}

int
ap_ident_put(sqlite3 *db, const struct ap_ident *id)
{
    return store(db, id, 1);
}

int
ap_ident_create(sqlite3 *db, const char *name, const char *secret,
                const struct ap_strlist *pub, const struct ap_strlist *sub,
                const char *owner, char **secret_out)
{
    char gen[AP_IDENT_SECRET_LEN + 1];
    struct ap_ident id;
    int r;

    memset(&id, 0, sizeof(id));
    if (secret == NULL) {
        if ((r = ap_random_token(gen, AP_IDENT_SECRET_LEN)) != 0)
            return r;
        secret = gen;
    }
    id.name = (char *)name;
    id.secret = (char *)secret;
    id.owner = (char *)(owner ? owner : "");
    if (pub)
        id.pub = *pub;
    if (sub)
        id.sub = *sub;
    if ((r = store(db, &id, 0)) != 0)
        return r;
    if (secret_out && (*secret_out = strdup(secret)) == NULL)
        return AP_ENOMEM;
    return 0;
}

void
ap_ident_release(struct ap_ident *id)
{
    free(id->name);
    free(id->secret);
    free(id->owner);
    ap_strlist_free(&id->pub);
    ap_strlist_free(&id->sub);
    memset(id, 0, sizeof(*id));
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);
    char *d = malloc((size_t)n + 1);

    if (d == NULL)
        return NULL;
    if (t && n > 0)
        memcpy(d, t, (size_t)n);
    d[n] = '\0';
    return d;
}

/* Row: ident, secret, owner, pubchans, subchans. */
static int
row_to_ident(sqlite3_stmt *st, int with_secret, struct ap_ident *out)
{
    struct ap_ident id;

    memset(&id, 0, sizeof(id));
    if ((id.name = col_dup(st, 0)) == NULL ||
        (with_secret && (id.secret = col_dup(st, 1)) == NULL) ||
        (id.owner = col_dup(st, 2)) == NULL ||
        list_from_json((const char *)sqlite3_column_text(st, 3), &id.pub) ||
        list_from_json((const char *)sqlite3_column_text(st, 4), &id.sub)) {
        ap_ident_release(&id);
        return AP_ENOMEM;
    }
    *out = id;
    return 0;
}

int
ap_ident_get(sqlite3 *db, const char *name, size_t n, struct ap_ident *out)
{
    static const char sql[] = "SELECT ident, secret, owner, pubchans, subchans"
                              " FROM hpfeeds_idents WHERE ident = ?1";
    sqlite3_stmt *st = NULL;
    int r = AP_EDB, rc;

    if (n > HPF_STR_MAX)
        return AP_ENOENT;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, name, (int)n, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        r = row_to_ident(st, 1, out);
    else if (rc == SQLITE_DONE)
        r = AP_ENOENT;
    else
        ap_log_error("hpfeeds_idents: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    return r;
}

int
ap_ident_delete(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    int r = AP_EDB;

    if (sqlite3_prepare_v2(db, "DELETE FROM hpfeeds_idents WHERE ident = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_DONE)
        r = sqlite3_changes(db) > 0 ? 0 : AP_ENOENT;
out:
    sqlite3_finalize(st);
    return r;
}

int
ap_ident_foreach(sqlite3 *db, int (*fn)(void *ctx, const struct ap_ident *id),
                 void *ctx)
{
    static const char sql[] = "SELECT ident, NULL, owner, pubchans, subchans"
                              " FROM hpfeeds_idents ORDER BY ident";
    struct ap_ident id;
    sqlite3_stmt *st = NULL;
    int r = AP_EDB, rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((r = row_to_ident(st, 0, &id)) != 0)
            goto out;
        r = fn(ctx, &id);
        ap_ident_release(&id);
        if (r != 0)
            goto out;
    }
    r = rc == SQLITE_DONE ? 0 : AP_EDB;
out:
    sqlite3_finalize(st);
    return r;
}
