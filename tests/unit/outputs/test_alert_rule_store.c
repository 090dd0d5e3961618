/*
 * Alert rules in server.db (rule_store.c) on a real SQLite database:
 * create/get/update/delete with the config parser's validation, config
 * rules read-only, the version that tells the server to reload, loading
 * into confs; and the engine keeping the cooldowns of unchanged rules
 * across a rebuild (ap_alert_engine_adopt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rule_store.h"
#include "rules.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/common.h"

#define S 1000000LL
#define T0 (1700000000LL * S)

static sqlite3 *
opendb(void)
{
    sqlite3 *db = NULL;

    if (sqlite3_open(":memory:", &db) != SQLITE_OK || ap_alert_rules_init(db) != 0)
        exit(1);
    return db;
}

static long long
version(sqlite3 *db)
{
    long long v = -1;

    ASSERT_EQ(ap_alert_rules_version(db, &v), 0);
    return v;
}

TEST(crud_and_validation)
{
    sqlite3 *db = opendb();
    json_t *s, *r = NULL, *list = NULL;
    char err[256];
    long long v0 = version(db);

    s = json_pack("{s:s, s:s, s:i, s:s, s:[s,s]}", "type", "threshold", "metric", "ports",
                  "threshold", 20, "window", "2m", "sensors", "a", "b");
    ASSERT_EQ(ap_alert_rules_create(db, "scan", s, err, sizeof(err)), 0);
    ASSERT(version(db) > v0);
    ASSERT_EQ(ap_alert_rules_create(db, "scan", s, err, sizeof(err)), AP_EEXIST);
    json_decref(s);

    ASSERT_EQ(ap_alert_rules_get(db, "scan", &r), 0);
    ASSERT(json_is_true(json_object_get(r, "editable")));
    ASSERT_EQ(json_integer_value(json_object_get(json_object_get(r, "settings"), "window")), 120);
    ASSERT_EQ(json_array_size(json_object_get(json_object_get(r, "settings"), "sensors")), 2);
    ASSERT(strcmp(json_string_value(json_object_get(json_object_get(r, "settings"), "severity")),
                  "medium") == 0);
    json_decref(r);

    /* the config parser's messages */
    s = json_pack("{s:s, s:s}", "type", "threshold", "window", "soon");
    ASSERT_EQ(ap_alert_rules_create(db, "x", s, err, sizeof(err)), AP_ECONF);
    ASSERT(strstr(err, "window") != NULL);
    json_decref(s);
    s = json_pack("{s:s}", "type", "nope");
    ASSERT_EQ(ap_alert_rules_validate("x", s, err, sizeof(err)), AP_ECONF);
    ASSERT(strstr(err, "unknown type") != NULL);
    json_decref(s);
    s = json_pack("{s:s, s:s}", "type", "download", "colour", "red");
    ASSERT_EQ(ap_alert_rules_validate("x", s, err, sizeof(err)), AP_ECONF);
    ASSERT(strstr(err, "unknown keyword") != NULL);
    json_decref(s);
    s = json_pack("{s:s}", "type", "download");
    ASSERT_EQ(ap_alert_rules_validate("a b", s, err, sizeof(err)), AP_ECONF);
    ASSERT_EQ(ap_alert_rules_validate("<script>", s, err, sizeof(err)), AP_ECONF);
    json_decref(s);
    s = json_pack("{s:s, s:[i]}", "type", "download", "severity", 3);
    ASSERT_EQ(ap_alert_rules_validate("x", s, err, sizeof(err)), AP_ECONF);
    json_decref(s);

    /* update merges; null resets; an invalid result is refused whole */
    s = json_pack("{s:s, s:n}", "severity", "high", "window", NULL);
    ASSERT_EQ(ap_alert_rules_update(db, "scan", s, err, sizeof(err)), 0);
    json_decref(s);
    ASSERT_EQ(ap_alert_rules_get(db, "scan", &r), 0);
    ASSERT_EQ(json_integer_value(json_object_get(json_object_get(r, "settings"), "window")), 60);
    ASSERT(strcmp(json_string_value(json_object_get(json_object_get(r, "settings"), "metric")),
                  "ports") == 0);
    json_decref(r);
    s = json_pack("{s:s}", "metric", "bogus");
    ASSERT_EQ(ap_alert_rules_update(db, "scan", s, err, sizeof(err)), AP_ECONF);
    ASSERT_EQ(ap_alert_rules_update(db, "nosuch", s, err, sizeof(err)), AP_ENOENT);
    json_decref(s);

    ASSERT_EQ(ap_alert_rules_list(db, &list), 0);
    ASSERT_EQ(json_array_size(list), 1);
    json_decref(list);
    ASSERT_EQ(ap_alert_rules_delete(db, "scan", err, sizeof(err)), 0);
    ASSERT_EQ(ap_alert_rules_delete(db, "scan", err, sizeof(err)), AP_ENOENT);
    ASSERT_EQ(ap_alert_rules_get(db, "scan", &r), AP_ENOENT);
    sqlite3_close(db);
}

static struct ap_alert_rule_conf *
conf_of(const char *type, const char *user)
{
    struct ap_alert_rule_conf *c = calloc(1, sizeof(*c));
    char err[256];

    if (ap_conf_defaults(ap_alert_rule_keywords, c, err, sizeof(err)) != 0 ||
        ap_conf_set(ap_alert_rule_keywords, c, "type", type, err, sizeof(err)) != 0 ||
        (user && ap_conf_set(ap_alert_rule_keywords, c, "usernames", user, err,
                             sizeof(err)) != 0))
        exit(1);
    return c;
}

static void
conf_free(struct ap_alert_rule_conf *c)
{
    ap_conf_release(ap_alert_rule_keywords, c);
    free(c);
}

TEST(config_rules_read_only_and_load)
{
    sqlite3 *db = opendb();
    struct ap_alert_rule_conf *c = conf_of("internal", NULL);
    const struct ap_alert_rule_conf *cs[1] = {c};
    const char *ns[1] = {"cfg"};
    struct ap_alert_ruleset *rs = NULL;
    json_t *s, *list = NULL;
    char err[256];

    ASSERT_EQ(ap_alert_rules_snapshot_config(db, ns, cs, 1), 0);
    s = json_pack("{s:s}", "severity", "low");
    ASSERT_EQ(ap_alert_rules_update(db, "cfg", s, err, sizeof(err)), AP_EAUTH);
    ASSERT_EQ(ap_alert_rules_delete(db, "cfg", err, sizeof(err)), AP_EAUTH);
    json_decref(s);
    s = json_pack("{s:s}", "type", "download");
    ASSERT_EQ(ap_alert_rules_create(db, "cfg", s, err, sizeof(err)), AP_EEXIST);
    ASSERT_EQ(ap_alert_rules_create(db, "dl", s, err, sizeof(err)), 0);
    json_decref(s);
    ASSERT_EQ(ap_alert_rules_list(db, &list), 0);
    ASSERT_EQ(json_array_size(list), 2);
    ASSERT(strcmp(json_string_value(json_object_get(json_array_get(list, 0), "source")),
                  "config") == 0);
    ASSERT(json_is_false(json_object_get(json_array_get(list, 0), "editable")));
    json_decref(list);

    /* a stored rule that a config rule now shadows is skipped */
    ASSERT_EQ(sqlite3_exec(db,
                           "INSERT INTO alert_rules VALUES('cfg','{\"type\":\"download\"}',1,1);"
                           "INSERT INTO alert_rules VALUES('broken','{\"type\":\"x\"}',1,1)",
                           NULL, NULL, NULL),
              SQLITE_OK);
    ASSERT_EQ(ap_alert_rules_load(db, ns, 1, &rs), 0);
    ASSERT_EQ(rs->n, 1);
    ASSERT(strcmp(rs->names[0], "dl") == 0);
    ASSERT(strcmp(rs->confs[0]->type, "download") == 0);
    ap_alert_ruleset_free(rs);
    conf_free(c);
    sqlite3_close(db);
}

static json_t *
login(const char *user, int64_t ts)
{
    json_t *e = ap_event_new(ap_event_type_lookup("login"), "s1", "ssh", ts);

    ap_event_set_addr(e, "198.51.100.1", 40000, "192.0.2.1", 22);
    json_object_set_new(e, "username", json_string(user));
    return e;
}

static struct ap_alert_engine *
engine2(struct ap_alert_rule_conf *a, struct ap_alert_rule_conf *b)
{
    const struct ap_alert_rule_conf *cs[2] = {a, b};
    const char *ns[2] = {"a", "b"};
    struct ap_alert_engine *e = NULL;
    char err[256];

    if (ap_alert_engine_new(ns, cs, 2, T0, &e, err, sizeof(err)) != 0)
        exit(1);
    return e;
}

TEST(adopt_keeps_unchanged_rules_state)
{
    struct ap_alert_rule_conf *a = conf_of("watchlist", "root");
    struct ap_alert_rule_conf *b = conf_of("watchlist", "root");
    struct ap_alert_rule_conf *b2 = conf_of("watchlist", "root,admin");
    struct ap_alert_engine *e1 = engine2(a, b), *e2;
    json_t *fired = json_array(), *ev;

    ev = login("root", T0 + S);
    ASSERT_EQ(ap_alert_engine_event(e1, ev, T0 + S, fired), 2);
    json_decref(ev);
    /* rebuilt with a unchanged and b edited: a stays in its cooldown,
     * b starts fresh */
    e2 = engine2(a, b2);
    ap_alert_engine_adopt(e2, e1);
    ap_alert_engine_free(e1);
    ev = login("root", T0 + 2 * S);
    ASSERT_EQ(ap_alert_engine_event(e2, ev, T0 + 2 * S, fired), 1);
    json_decref(ev);
    ASSERT(strcmp(json_string_value(json_object_get(json_array_get(fired, 2), "rule")), "b") ==
           0);
    ap_alert_engine_free(e2);
    json_decref(fired);
    conf_free(a);
    conf_free(b);
    conf_free(b2);
}

int
main(void)
{
    RUN(crud_and_validation);
    RUN(config_rules_read_only_and_load);
    RUN(adopt_keeps_unchanged_rules_state);
    return DONE();
}
