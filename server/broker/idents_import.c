/*
 * `apiary ident import`: idents from the two JSON shapes in the wild
 * (reference A2.2/A2.3):
 *
 *   hpfeeds3 auth file   {"<ident>": {"owner", "secret", "pubchans",
 *                         "subchans"}, ...}   (all four keys required)
 *   MHN auth_key docs    {"identifier", "secret", "publish", "subscribe"
 *                         [, "owner"] [, "_id": {"$oid": ...}]}
 *                        as a JSON array, or one document per line
 *                        (mongoexport).
 *
 * The whole import is one transaction: a bad record imports nothing.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "idents.h"
#include "ap/common.h"

static int
chan_list(json_t *a, struct ap_strlist *out)
{
    json_t *v;
    size_t i;
    int r;

    if (a == NULL)
        return 0;
    if (!json_is_array(a))
        return AP_EINVAL;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v))
            return AP_EINVAL;
        if ((r = ap_strlist_add(out, json_string_value(v))) != 0)
            return r;
    }
    return 0;
}

static int
put_one(sqlite3 *db, const char *name, json_t *secret, json_t *owner,
        json_t *pub, json_t *sub, char *err, size_t errlen)
{
    struct ap_ident id;
    int r;

    memset(&id, 0, sizeof(id));
    if (!json_is_string(secret)) {
        snprintf(err, errlen, "%s: no secret", name);
        return AP_EINVAL;
    }
    id.name = (char *)name;
    id.secret = (char *)json_string_value(secret);
    id.owner = (char *)(json_is_string(owner) ? json_string_value(owner) : name);
    if (chan_list(pub, &id.pub) != 0 || chan_list(sub, &id.sub) != 0) {
        snprintf(err, errlen, "%s: channel lists must be arrays of strings",
                 name);
        r = AP_EINVAL;
        goto out;
    }
    if ((r = ap_ident_put(db, &id)) != 0)
        snprintf(err, errlen, "%s: %s", name, ap_strerror(r));
out:
    ap_strlist_free(&id.pub);
    ap_strlist_free(&id.sub);
    return r;
}

/* One MHN/CHN auth_key document. */
static int
import_mhn(sqlite3 *db, json_t *doc, char *err, size_t errlen)
{
    json_t *name = json_object_get(doc, "identifier");

    if (!json_is_string(name))
        name = json_object_get(doc, "ident"); /* CHN add_user.py */
    if (!json_is_string(name)) {
        snprintf(err, errlen, "auth_key document without identifier");
        return AP_EINVAL;
    }
    return put_one(db, json_string_value(name), json_object_get(doc, "secret"),
                   json_object_get(doc, "owner"),
                   json_object_get(doc, "publish"),
                   json_object_get(doc, "subscribe"), err, errlen);
}

/* An hpfeeds3 {"ident": {...}} map. */
static int
import_hpfeeds3(sqlite3 *db, json_t *map, int *count, char *err, size_t errlen)
{
    const char *name;
    json_t *v;
    int r;

    json_object_foreach(map, name, v) {
        if (!json_is_object(v) || !json_object_get(v, "owner") ||
            !json_object_get(v, "pubchans") || !json_object_get(v, "subchans")) {
            snprintf(err, errlen,
                     "%s: needs owner, secret, pubchans and subchans", name);
            return AP_EINVAL;
        }
        if ((r = put_one(db, name, json_object_get(v, "secret"),
                         json_object_get(v, "owner"),
                         json_object_get(v, "pubchans"),
                         json_object_get(v, "subchans"), err, errlen)) != 0)
            return r;
        (*count)++;
    }
    return 0;
}

static int
is_mhn_doc(json_t *o)
{
    return json_is_string(json_object_get(o, "identifier")) ||
           (json_is_string(json_object_get(o, "ident")) &&
            json_is_string(json_object_get(o, "secret")));
}

static int
import_value(sqlite3 *db, json_t *v, int *count, char *err, size_t errlen)
{
    json_t *e;
    size_t i;
    int r;

    if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            if (!json_is_object(e) || !is_mhn_doc(e)) {
                snprintf(err, errlen, "array element %zu is not an auth_key"
                                      " document", i);
                return AP_EINVAL;
            }
            if ((r = import_mhn(db, e, err, errlen)) != 0)
                return r;
            (*count)++;
        }
        return 0;
    }
    if (!json_is_object(v)) {
        snprintf(err, errlen, "expected a JSON object or array");
        return AP_EINVAL;
    }
    if (is_mhn_doc(v)) {
        if ((r = import_mhn(db, v, err, errlen)) != 0)
            return r;
        (*count)++;
        return 0;
    }
    return import_hpfeeds3(db, v, count, err, errlen);
}

int
ap_ident_import_json(sqlite3 *db, const char *text, size_t len, char *err,
                     size_t errlen)
{
    json_error_t je;
    json_t *v;
    size_t off = 0;
    int count = 0, r = 0;

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
        return AP_EDB;
    }
    for (;;) {
        while (off < len && strchr(" \t\r\n", text[off]) && text[off] != '\0')
            off++;
        if (off >= len)
            break;
        /* One value at a time: a whole file or one document per line. */
        v = json_loadb(text + off, len - off,
                       JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
        if (v == NULL) {
            snprintf(err, errlen, "line %d: %s", je.line, je.text);
            r = AP_EINVAL;
            break;
        }
        off += je.position;
        r = import_value(db, v, &count, err, errlen);
        json_decref(v);
        if (r != 0)
            break;
    }
    if (r == 0 && count == 0) {
        snprintf(err, errlen, "no idents found");
        r = AP_EINVAL;
    }
    sqlite3_exec(db, r == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    return r == 0 ? count : r;
}
