/* Operator-set sensor tags in server.db; see sensor_tags.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "sensor_tags.h"
#include "alerts/dbver.h"
#include "server.h"
#include "ap/err.h"
#include "ap/escape.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/common.h"

int
ap_sensor_tags_init(sqlite3 *db)
{
    return sqlite3_exec(db,
                        "CREATE TABLE IF NOT EXISTS sensor_tags("
                        " ident TEXT NOT NULL, tag TEXT NOT NULL,"
                        " PRIMARY KEY(ident, tag)) WITHOUT ROWID;",
                        NULL, NULL, NULL) == SQLITE_OK &&
                   ap_dbver_init(db) == 0
               ? 0
               : AP_EDB;
}

static int
tag_ok(const char *t)
{
    size_t n = strlen(t), i;

    if (n == 0 || n > AP_SENSOR_TAG_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') ||
              t[i] == '_' || t[i] == '-' || t[i] == '.'))
            return 0;
    return 1;
}

static int
exec1(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : AP_EDB;
}

/* Run sql with ?1 = ident, ?2 = tag. */
static int
run2(sqlite3 *db, const char *sql, const char *ident, const char *tag)
{
    sqlite3_stmt *st = NULL;
    int r = AP_EDB;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ident, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, tag, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
            r = 0;
    }
    sqlite3_finalize(st);
    return r;
}

static int
count_tags(sqlite3 *db, const char *ident, long long *n)
{
    sqlite3_stmt *st = NULL;
    int r = AP_EDB;

    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sensor_tags WHERE ident = ?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ident, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *n = sqlite3_column_int64(st, 0);
            r = 0;
        }
    }
    sqlite3_finalize(st);
    return r;
}

int
ap_sensor_tags_edit(sqlite3 *db, const char *ident, const char *const *edits,
                    size_t n, char *err, size_t errlen)
{
    const char *t;
    long long count;
    size_t i;
    int r = AP_EDB;

    if (ident == NULL || *ident == '\0' || strlen(ident) > AP_SENSOR_IDENT_MAX) {
        snprintf(err, errlen, "bad sensor ident");
        return AP_EINVAL;
    }
    for (i = 0; i < n; i++) {
        t = edits[i] + (edits[i][0] == '+' || edits[i][0] == '-');
        if (!tag_ok(t)) {
            snprintf(err, errlen, "bad tag '%.40s' (1 to %d of a-z 0-9 _ - .)", t,
                     AP_SENSOR_TAG_MAX);
            return AP_EINVAL;
        }
    }
    if (exec1(db, "BEGIN IMMEDIATE") != 0)
        goto out;
    for (i = 0; i < n; i++) {
        t = edits[i] + (edits[i][0] == '+' || edits[i][0] == '-');
        if (run2(db,
                 edits[i][0] == '-'
                     ? "DELETE FROM sensor_tags WHERE ident = ?1 AND tag = ?2"
                     : "INSERT OR IGNORE INTO sensor_tags(ident, tag) VALUES(?1, ?2)",
                 ident, t) != 0)
            goto out;
    }
    if (count_tags(db, ident, &count) != 0)
        goto out;
    if (count > AP_SENSOR_TAGS_PER_SENSOR) {
        snprintf(err, errlen, "at most %d tags per sensor", AP_SENSOR_TAGS_PER_SENSOR);
        r = AP_ETOOBIG;
        goto out;
    }
    if (ap_dbver_bump(db, "sensor_tags") != 0 || exec1(db, "COMMIT") != 0)
        goto out;
    return 0;
out:
    if (r == AP_EDB)
        snprintf(err, errlen, "server.db: %s", sqlite3_errmsg(db));
    exec1(db, "ROLLBACK");
    return r;
}

/* Rows (ident, tag) of sql, with ?1 bound when ident is set, grouped
 * into an object ident -> [tags]. */
static int
query(sqlite3 *db, const char *sql, const char *ident, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *o = json_object(), *arr;
    int rc, r = AP_EDB;

    if (o == NULL)
        return AP_ENOMEM;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    if (ident)
        sqlite3_bind_text(st, 1, ident, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *tag = (const char *)sqlite3_column_text(st, 1);
        if (id == NULL || tag == NULL)
            continue;
        if ((arr = json_object_get(o, id)) == NULL) {
            arr = json_array();
            if (arr == NULL || json_object_set_new(o, id, arr) != 0) {
                r = AP_ENOMEM;
                goto out;
            }
        }
        json_array_append_new(arr, json_string(tag));
    }
    if (rc == SQLITE_DONE) {
        *out = o;
        o = NULL;
        r = 0;
    }
out:
    sqlite3_finalize(st);
    json_decref(o);
    return r;
}

int
ap_sensor_tags_get(sqlite3 *db, const char *ident, json_t **out)
{
    json_t *o, *a;
    int r;

    if ((r = query(db, "SELECT ident, tag FROM sensor_tags WHERE ident = ?1 ORDER BY tag",
                   ident, &o)) != 0)
        return r;
    a = json_object_get(o, ident);
    *out = a ? json_incref(a) : json_array();
    json_decref(o);
    return *out ? 0 : AP_ENOMEM;
}

int
ap_sensor_tags_all(sqlite3 *db, json_t **out)
{
    return query(db, "SELECT ident, tag FROM sensor_tags ORDER BY ident, tag", NULL, out);
}

int
ap_sensor_tags_version(sqlite3 *db, long long *out)
{
    return ap_dbver_get(db, "sensor_tags", out);
}

static void
print_tags(const char *ident, const json_t *tags)
{
    char esc[AP_SENSOR_IDENT_MAX * 4 + 1];
    const json_t *t;
    size_t i;

    ap_escape_cstr(esc, sizeof(esc), ident, strlen(ident));
    printf("%s", esc);
    json_array_foreach(tags, i, t) printf("%s%s", i ? "," : " ", json_string_value(t));
    printf("\n");
}

int
cmd_sensor_tag(int argc, char **argv)
{
    const char *data_dir = "/var/lib/apiary", *ident;
    char **pos = calloc((size_t)argc + 1, sizeof(char *));
    sqlite3 *db = NULL;
    json_t *j = NULL, *v;
    char err[256] = "";
    const char *k;
    int i, npos = 0, asjson = 0, rc = 1;

    if (pos == NULL)
        return 1;
    /* By hand, not getopt: "-dmz" is an edit, not an option. */
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc)
            data_dir = argv[++i];
        else if (strncmp(argv[i], "--data-dir=", 11) == 0)
            data_dir = argv[i] + 11;
        else if (strcmp(argv[i], "--json") == 0)
            asjson = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: apiary sensor tag [--data-dir DIR] [--json] [IDENT [+TAG|-TAG]...]\n"
                   "  Without edits, show the tags (of every sensor without IDENT).\n"
                   "  A sensor tagged 'internal' alerts on any event (alert type internal).\n");
            free(pos);
            return 0;
        } else if (strncmp(argv[i], "--", 2) == 0) {
            fprintf(stderr, "apiary sensor tag: unknown option %s\n", argv[i]);
            free(pos);
            return 2;
        } else
            pos[npos++] = argv[i];
    }
    if (ap_server_db_open(data_dir, &db) != 0 || ap_sensor_tags_init(db) != 0) {
        fprintf(stderr, "apiary sensor tag: cannot open %s/server.db\n", data_dir);
        goto out;
    }
    if (npos == 0) {
        if (ap_sensor_tags_all(db, &j) != 0)
            goto out;
        if (!asjson)
            json_object_foreach(j, k, v) print_tags(k, v);
    } else {
        ident = pos[0];
        if (npos > 1 && ap_sensor_tags_edit(db, ident, (const char *const *)pos + 1,
                                            (size_t)(npos - 1), err, sizeof(err)) != 0) {
            fprintf(stderr, "apiary sensor tag: %s\n", err);
            goto out;
        }
        if (ap_sensor_tags_get(db, ident, &j) != 0)
            goto out;
        if (!asjson)
            print_tags(ident, j);
    }
    if (asjson) {
        char *js = json_dumps(j, JSON_COMPACT);
        if (js)
            printf("%s\n", js);
        free(js);
    }
    rc = 0;
out:
    free(pos);
    json_decref(j);
    sqlite3_close(db);
    return rc;
}
