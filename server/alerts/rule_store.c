/* Alert rules in server.db; see rule_store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbver.h"
#include "rule_store.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "ap/common.h"

/* The change counter the alerts worker polls (dbver.h). */
#define RULES_VERSION "alert_rules"

#define ERR(...) ((errlen) ? (void)snprintf(err, errlen, __VA_ARGS__) : (void)0)

int
ap_alert_rules_init(sqlite3 *db)
{
    char *msg = NULL;

    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS alert_rules("
                     " name TEXT PRIMARY KEY, settings TEXT NOT NULL,"
                     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
                     "CREATE TABLE IF NOT EXISTS alert_rules_config("
                     " pos INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
                     " settings TEXT NOT NULL);",
                     NULL, NULL, &msg) != SQLITE_OK ||
        ap_dbver_init(db) != 0) {
        ap_log_error("alert rule tables: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return AP_EDB;
    }
    return 0;
}

/* ---- settings <-> conf ---- */

static const char *
kw_type_name(enum ap_conf_type t)
{
    switch (t) {
    case AP_CONF_INT:
    case AP_CONF_PORT:
    case AP_CONF_SIZE:
        return "int";
    case AP_CONF_BOOL:
        return "bool";
    case AP_CONF_SECS:
        return "seconds";
    case AP_CONF_LIST:
        return "list";
    case AP_CONF_STR:
    case AP_CONF_CUSTOM:
        break;
    }
    return "string";
}

json_t *
ap_alert_rule_conf_json(const struct ap_alert_rule_conf *c)
{
    const struct ap_conf_kw *kw;
    const char *field;
    json_t *o = json_object(), *l;
    size_t i;

    for (kw = ap_alert_rule_keywords; o && kw->name; kw++) {
        field = (const char *)c + kw->off;
        switch (kw->type) {
        case AP_CONF_STR: {
            const char *s = *(char *const *)(const void *)field;
            json_object_set_new(o, kw->name, s ? json_string(s) : json_null());
            break;
        }
        case AP_CONF_INT:
        case AP_CONF_SECS:
            json_object_set_new(o, kw->name,
                                json_integer(*(const long long *)(const void *)field));
            break;
        case AP_CONF_BOOL:
            json_object_set_new(o, kw->name,
                                json_boolean(*(const int *)(const void *)field));
            break;
        case AP_CONF_LIST: {
            const struct ap_strlist *sl = (const void *)field;
            if ((l = json_array()) == NULL)
                break;
            for (i = 0; i < sl->n; i++)
                json_array_append_new(l, json_string(sl->v[i]));
            json_object_set_new(o, kw->name, l);
            break;
        }
        case AP_CONF_SIZE:
            json_object_set_new(o, kw->name,
                                json_integer((json_int_t) * (const size_t *)(const void *)field));
            break;
        case AP_CONF_PORT:
        case AP_CONF_CUSTOM:
            break; /* not used by rules */
        }
    }
    return o;
}

json_t *
ap_alert_rules_schema(void)
{
    const struct ap_conf_kw *kw;
    json_t *a = json_array();

    for (kw = ap_alert_rule_keywords; a && kw->name; kw++)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:o, s:I, s:I, s:o}", "name", kw->name, "type",
                         kw_type_name(kw->type), "default",
                         kw->def ? json_string(kw->def) : json_null(), "min",
                         (json_int_t)kw->min, "max", (json_int_t)kw->max, "help",
                         kw->help ? json_string(kw->help) : json_null()));
    return a;
}

static int
name_ok(const char *name, char *err, size_t errlen)
{
    size_t n = name ? strlen(name) : 0, i;

    if (n == 0 || n > AP_ALERT_RULE_NAME_MAX) {
        ERR("rule name must be 1 to %d characters", AP_ALERT_RULE_NAME_MAX);
        return AP_ECONF;
    }
    for (i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
              (name[i] >= '0' && name[i] <= '9') || name[i] == '_' || name[i] == '-' ||
              name[i] == '.')) {
            ERR("rule name may hold only letters, digits, '_', '-' and '.'");
            return AP_ECONF;
        }
    return 0;
}

/* One JSON value as the config file would write it. */
static int
value_text(const json_t *v, char *buf, size_t len)
{
    if (json_is_string(v))
        return snprintf(buf, len, "%s", json_string_value(v)) < (int)len ? 0 : AP_ETOOBIG;
    if (json_is_integer(v)) {
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (json_is_boolean(v)) {
        snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
        return 0;
    }
    return AP_EINVAL;
}

/*
 * settings -> a fresh conf (defaults, then every key through the config
 * parser's ap_conf_set), then the engine's rule check.  On success *out
 * owns the conf (ap_conf_release + free).
 */
static int
settings_conf(const char *name, const json_t *settings,
              struct ap_alert_rule_conf **out, char *err, size_t errlen)
{
    struct ap_alert_rule_conf *c = NULL;
    const struct ap_conf_kw *kw;
    const char *key;
    const json_t *v, *item;
    char text[4096], msg[512];
    size_t i;
    int r = AP_ECONF;

    if ((r = name_ok(name, err, errlen)) != 0)
        return r;
    if (!json_is_object(settings)) {
        ERR("rule %s: settings must be a JSON object", name);
        return AP_ECONF;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return AP_ENOMEM;
    if (ap_conf_defaults(ap_alert_rule_keywords, c, msg, sizeof(msg)) != 0) {
        ERR("%s", msg);
        goto fail;
    }
    json_object_foreach((json_t *)settings, key, v) {
        for (kw = ap_alert_rule_keywords; kw->name; kw++)
            if (strcmp(kw->name, key) == 0)
                break;
        if (kw->name == NULL) {
            ERR("rule %s: unknown keyword '%.64s'", name, key);
            goto fail;
        }
        if (json_is_null(v))
            continue;
        if (json_is_array(v) && kw->type != AP_CONF_LIST) {
            ERR("rule %s: %s takes one value", name, kw->name);
            goto fail;
        }
        /* A list keyword given here replaces its default. */
        if (kw->type == AP_CONF_LIST)
            ap_strlist_free((struct ap_strlist *)(void *)((char *)c + kw->off));
        if (json_is_array(v)) {
            json_array_foreach(v, i, item) {
                if (value_text(item, text, sizeof(text)) != 0) {
                    ERR("rule %s: %s: bad list item", name, kw->name);
                    goto fail;
                }
                if (ap_conf_set(ap_alert_rule_keywords, c, key, text, msg,
                                sizeof(msg)) != 0) {
                    ERR("rule %s: %s", name, msg);
                    goto fail;
                }
            }
            continue;
        }
        if (value_text(v, text, sizeof(text)) != 0) {
            ERR("rule %s: %s: bad value", name, kw->name);
            goto fail;
        }
        if (ap_conf_set(ap_alert_rule_keywords, c, key, text, msg, sizeof(msg)) != 0) {
            ERR("rule %s: %s", name, msg);
            goto fail;
        }
    }
    if (ap_alert_rule_check(name, c, msg, sizeof(msg)) != 0) {
        ERR("%s", msg);
        goto fail;
    }
    *out = c;
    return 0;
fail:
    ap_conf_release(ap_alert_rule_keywords, c);
    free(c);
    return AP_ECONF;
}

static void
conf_free(struct ap_alert_rule_conf *c)
{
    if (c != NULL) {
        ap_conf_release(ap_alert_rule_keywords, c);
        free(c);
    }
}

int
ap_alert_rules_validate(const char *name, const json_t *settings, char *err,
                        size_t errlen)
{
    struct ap_alert_rule_conf *c;
    int r;

    if ((r = settings_conf(name, settings, &c, err, errlen)) != 0)
        return r;
    conf_free(c);
    return 0;
}

/* ---- queries ---- */

static int
db_fail(sqlite3 *db, char *err, size_t errlen)
{
    ERR("server.db: %s", sqlite3_errmsg(db));
    return AP_EDB;
}

static json_t *
rule_object(const char *name, const char *source, const json_t *settings,
            long long created, long long updated)
{
    json_t *o = json_pack("{s:s, s:s, s:b, s:O}", "name", name, "source", source,
                          "editable", strcmp(source, "db") == 0, "settings", settings);

    if (o != NULL && created) {
        json_object_set_new(o, "created_at", json_integer(created));
        json_object_set_new(o, "updated_at", json_integer(updated));
    }
    return o;
}

/* A db row's effective settings (stored keys over defaults); NULL when
 * the stored settings no longer validate (then the stored ones). */
static json_t *
effective(const char *name, const char *stored)
{
    struct ap_alert_rule_conf *c;
    json_t *s = json_loads(stored, 0, NULL), *e;

    if (s == NULL)
        return json_object();
    if (settings_conf(name, s, &c, NULL, 0) != 0)
        return s;
    e = ap_alert_rule_conf_json(c);
    conf_free(c);
    json_decref(s);
    return e;
}

/* Append the rows of sql (name, settings, created, updated), with an
 * optional name bound to ?1. */
static int
append_rows(sqlite3 *db, const char *sql, const char *source, const char *name,
            json_t *arr)
{
    sqlite3_stmt *st = NULL;
    json_t *set, *o;
    int rc, r = AP_EDB;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *n = (const char *)sqlite3_column_text(st, 0);
        const char *s = (const char *)sqlite3_column_text(st, 1);
        if (n == NULL || s == NULL)
            continue;
        set = strcmp(source, "db") == 0 ? effective(n, s) : json_loads(s, 0, NULL);
        o = set ? rule_object(n, source, set, sqlite3_column_int64(st, 2),
                              sqlite3_column_int64(st, 3))
                : NULL;
        json_decref(set);
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            r = AP_ENOMEM;
            goto out;
        }
    }
    if (rc == SQLITE_DONE)
        r = 0;
out:
    sqlite3_finalize(st);
    return r;
}

#define SQL_CONFIG "SELECT name, settings, 0, 0 FROM alert_rules_config"
#define SQL_DB "SELECT name, settings, created_at, updated_at FROM alert_rules"

/* Config rules then server.db rules; all, or those named name. */
static int
collect(sqlite3 *db, const char *name, json_t **out)
{
    json_t *arr = json_array();
    int r;

    if (arr == NULL)
        return AP_ENOMEM;
    if ((r = append_rows(db, name ? SQL_CONFIG " WHERE name = ?1" : SQL_CONFIG " ORDER BY pos",
                         "config", name, arr)) != 0 ||
        (r = append_rows(db, name ? SQL_DB " WHERE name = ?1" : SQL_DB " ORDER BY name", "db",
                         name, arr)) != 0) {
        json_decref(arr);
        return r;
    }
    *out = arr;
    return 0;
}

int
ap_alert_rules_list(sqlite3 *db, json_t **out)
{
    return collect(db, NULL, out);
}

int
ap_alert_rules_get(sqlite3 *db, const char *name, json_t **out)
{
    json_t *arr;
    int r;

    if ((r = collect(db, name, &arr)) != 0)
        return r;
    if (json_array_size(arr) == 0) {
        json_decref(arr);
        return AP_ENOENT;
    }
    *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return 0;
}

/* 1 if sql (one ?1) returns a row, 0 if not, negative on error. */
static int
exists(sqlite3 *db, const char *sql, const char *name)
{
    sqlite3_stmt *st = NULL;
    int r = AP_EDB, rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (name)
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        r = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : AP_EDB;
    }
    sqlite3_finalize(st);
    return r;
}

static int
count_rules(sqlite3 *db, long long *n)
{
    sqlite3_stmt *st = NULL;
    int r = AP_EDB;

    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM alert_rules", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        r = 0;
    }
    sqlite3_finalize(st);
    return r;
}

static int
exec1(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : AP_EDB;
}

/* Run one write (name ?1, settings ?2, now ?3) and bump the version, in
 * one transaction.  need: 1 = the statement must change a row. */
static int
write_rule(sqlite3 *db, const char *sql, const char *name, const char *settings,
           char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int r = AP_EDB;

    if (exec1(db, "BEGIN IMMEDIATE") != 0)
        return db_fail(db, err, errlen);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (settings)
        sqlite3_bind_text(st, 2, settings, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ap_now_us());
    if (sqlite3_step(st) != SQLITE_DONE)
        goto out;
    if (sqlite3_changes(db) == 0) {
        r = AP_ENOENT;
        goto out;
    }
    if (ap_dbver_bump(db, RULES_VERSION) != 0 || exec1(db, "COMMIT") != 0)
        goto out;
    r = 0;
out:
    if (r == AP_EDB)
        db_fail(db, err, errlen);
    sqlite3_finalize(st);
    if (r != 0)
        exec1(db, "ROLLBACK");
    return r;
}

/* The settings as stored: compact JSON, capped. */
static char *
stored_text(const json_t *settings, char *err, size_t errlen)
{
    char *s = json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS);

    if (s != NULL && strlen(s) > AP_ALERT_RULE_SETTINGS_MAX) {
        ERR("rule settings over %d bytes", AP_ALERT_RULE_SETTINGS_MAX);
        free(s);
        return NULL;
    }
    return s;
}

/* Drop null values (they mean "the default"). */
static json_t *
without_nulls(const json_t *in)
{
    json_t *o = json_deep_copy(in), *v;
    const char *k;
    void *tmp;

    if (o != NULL)
        json_object_foreach_safe(o, tmp, k, v) if (json_is_null(v))
            json_object_del(o, k);
    return o;
}

int
ap_alert_rules_create(sqlite3 *db, const char *name, const json_t *settings,
                      char *err, size_t errlen)
{
    json_t *clean = NULL;
    char *text = NULL;
    long long n;
    int r;

    if ((r = ap_alert_rules_validate(name, settings, err, errlen)) != 0)
        return r;
    if ((r = exists(db, "SELECT 1 FROM alert_rules_config WHERE name = ?1", name)) != 0 ||
        (r = exists(db, "SELECT 1 FROM alert_rules WHERE name = ?1", name)) != 0) {
        if (r > 0) {
            ERR("a rule named %s exists", name);
            return AP_EEXIST;
        }
        return db_fail(db, err, errlen);
    }
    if (count_rules(db, &n) != 0)
        return db_fail(db, err, errlen);
    if (n >= AP_ALERT_DB_RULES_MAX) {
        ERR("at most %d rules in server.db", AP_ALERT_DB_RULES_MAX);
        return AP_EFULL;
    }
    if ((clean = without_nulls(settings)) == NULL ||
        (text = stored_text(clean, err, errlen)) == NULL) {
        json_decref(clean);
        return clean ? AP_ETOOBIG : AP_ENOMEM;
    }
    r = write_rule(db,
                   "INSERT OR IGNORE INTO alert_rules(name, settings, created_at,"
                   " updated_at) VALUES(?1, ?2, ?3, ?3)",
                   name, text, err, errlen);
    if (r == AP_ENOENT) { /* raced with another writer */
        ERR("a rule named %s exists", name);
        r = AP_EEXIST;
    }
    free(text);
    json_decref(clean);
    return r;
}

/* A config rule named name? Then AP_EAUTH; else 0. */
static int
refuse_config(sqlite3 *db, const char *name, char *err, size_t errlen)
{
    int r = exists(db, "SELECT 1 FROM alert_rules_config WHERE name = ?1", name);

    if (r < 0)
        return db_fail(db, err, errlen);
    if (r > 0) {
        ERR("rule %s comes from the server config and is read-only", name);
        return AP_EAUTH;
    }
    return 0;
}

int
ap_alert_rules_update(sqlite3 *db, const char *name, const json_t *patch,
                      char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    json_t *cur = NULL, *merged = NULL;
    char *text = NULL;
    int r;

    if ((r = name_ok(name, err, errlen)) != 0 ||
        (r = refuse_config(db, name, err, errlen)) != 0)
        return r;
    if (!json_is_object(patch)) {
        ERR("rule %s: settings must be a JSON object", name);
        return AP_ECONF;
    }
    r = AP_EDB;
    if (sqlite3_prepare_v2(db, "SELECT settings FROM alert_rules WHERE name = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if ((r = sqlite3_step(st)) != SQLITE_ROW) {
        r = r == SQLITE_DONE ? AP_ENOENT : AP_EDB;
        goto out;
    }
    cur = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    if (cur == NULL)
        cur = json_object();
    r = AP_ENOMEM;
    if (cur == NULL || json_object_update(cur, (json_t *)patch) != 0 ||
        (merged = without_nulls(cur)) == NULL)
        goto out;
    if ((r = ap_alert_rules_validate(name, merged, err, errlen)) != 0)
        goto out;
    if ((text = stored_text(merged, err, errlen)) == NULL) {
        r = AP_ETOOBIG;
        goto out;
    }
    r = write_rule(db, "UPDATE alert_rules SET settings = ?2, updated_at = ?3 WHERE name = ?1",
                   name, text, err, errlen);
out:
    if (r == AP_ENOENT)
        ERR("no rule named %s", name);
    else if (r == AP_EDB)
        db_fail(db, err, errlen);
    else if (r == AP_ENOMEM)
        ERR("out of memory");
    sqlite3_finalize(st);
    json_decref(cur);
    json_decref(merged);
    free(text);
    return r;
}

int
ap_alert_rules_delete(sqlite3 *db, const char *name, char *err, size_t errlen)
{
    int r;

    if ((r = refuse_config(db, name, err, errlen)) != 0)
        return r;
    r = write_rule(db, "DELETE FROM alert_rules WHERE name = ?1",
                   name, NULL, err, errlen);
    if (r == AP_ENOENT)
        ERR("no rule named %s", name);
    return r;
}

int
ap_alert_rules_version(sqlite3 *db, long long *out)
{
    return ap_dbver_get(db, RULES_VERSION, out);
}

int
ap_alert_rules_snapshot_config(sqlite3 *db, const char *const *names,
                               const struct ap_alert_rule_conf *const *confs,
                               size_t n)
{
    sqlite3_stmt *st = NULL;
    json_t *j;
    char *s;
    size_t i;
    int r = AP_EDB;

    if (exec1(db, "BEGIN IMMEDIATE") != 0)
        return AP_EDB;
    if (exec1(db, "DELETE FROM alert_rules_config") != 0 ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO alert_rules_config(pos, name, settings)"
                           " VALUES(?1, ?2, ?3)",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    for (i = 0; i < n; i++) {
        j = ap_alert_rule_conf_json(confs[i]);
        s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(j);
        if (s == NULL) {
            r = AP_ENOMEM;
            goto out;
        }
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, s, -1, SQLITE_TRANSIENT);
        free(s);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto out;
    }
    if (ap_dbver_bump(db, RULES_VERSION) != 0 || exec1(db, "COMMIT") != 0)
        goto out;
    r = 0;
out:
    if (r != 0) {
        ap_log_error("alert rules snapshot: %s", sqlite3_errmsg(db));
        exec1(db, "ROLLBACK");
    }
    sqlite3_finalize(st);
    return r;
}

void
ap_alert_ruleset_free(struct ap_alert_ruleset *rs)
{
    size_t i;

    if (rs == NULL)
        return;
    for (i = 0; i < rs->n; i++) {
        free(rs->names[i]);
        conf_free(rs->confs[i]);
    }
    free(rs->names);
    free(rs->confs);
    free(rs);
}

static int
name_in(const char *name, const char *const *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return 1;
    return 0;
}

int
ap_alert_rules_load(sqlite3 *db, const char *const *config_names, size_t nconfig,
                    struct ap_alert_ruleset **out)
{
    struct ap_alert_ruleset *rs = calloc(1, sizeof(*rs));
    struct ap_alert_rule_conf *c;
    sqlite3_stmt *st = NULL;
    char msg[512];
    json_t *s;
    int rc, r = AP_ENOMEM;

    if (rs == NULL || (rs->names = calloc(AP_ALERT_DB_RULES_MAX, sizeof(char *))) == NULL ||
        (rs->confs = calloc(AP_ALERT_DB_RULES_MAX, sizeof(*rs->confs))) == NULL)
        goto out;
    r = AP_EDB;
    if (sqlite3_prepare_v2(db, "SELECT name, settings FROM alert_rules ORDER BY name", -1,
                           &st, NULL) != SQLITE_OK)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && rs->n < AP_ALERT_DB_RULES_MAX) {
        const char *n = (const char *)sqlite3_column_text(st, 0);
        const char *t = (const char *)sqlite3_column_text(st, 1);
        if (n == NULL || t == NULL)
            continue;
        if (name_in(n, config_names, nconfig)) {
            ap_log_warn("alert rule %s in server.db: a config rule has this name; "
                        "the config rule wins", n);
            continue;
        }
        s = json_loads(t, 0, NULL);
        if (settings_conf(n, s, &c, msg, sizeof(msg)) != 0) {
            ap_log_warn("alert rule %s in server.db skipped: %s", n, msg);
            json_decref(s);
            continue;
        }
        json_decref(s);
        if ((rs->names[rs->n] = strdup(n)) == NULL) {
            conf_free(c);
            r = AP_ENOMEM;
            goto out;
        }
        rs->confs[rs->n++] = c;
    }
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        r = 0;
out:
    sqlite3_finalize(st);
    if (r != 0) {
        ap_alert_ruleset_free(rs);
        return r;
    }
    *out = rs;
    return 0;
}
