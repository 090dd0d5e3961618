/*
 * The alert engine with chosen clocks: each rule type fires exactly once
 * per group and cooldown; thresholds count within their window; the
 * distinct-ports metric; silent sensors alert once per silence; alerts
 * are stored, listed and acknowledged in SQLite; notifier bodies keep
 * attacker text out of mail headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "alert_db.h"
#include "notify.h"
#include "rules.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/util.h"
#include "ap/common.h"

#define S 1000000LL
#define T0 (1700000000LL * S)

static struct ap_alert_rule_conf *
rule(const char *text)
{
    struct ap_alert_rule_conf *c = calloc(1, sizeof(*c));
    struct ap_conf_section sec = {"", ap_alert_rule_keywords, c, NULL, NULL};
    char err[256];

    if (ap_conf_defaults(ap_alert_rule_keywords, c, err, sizeof(err)) != 0 ||
        ap_conf_parse_string("rule", text, &sec, 1, err, sizeof(err)) != 0) {
        printf("rule: %s\n", err);
        exit(1);
    }
    return c;
}

static void
rule_free(struct ap_alert_rule_conf *c)
{
    ap_conf_release(ap_alert_rule_keywords, c);
    free(c);
}

static json_t *
ev(const char *type, const char *sensor, const char *src, int port, int64_t ts)
{
    json_t *e = ap_event_new(ap_event_type_lookup(type), sensor, "ssh", ts);

    ap_event_set_addr(e, src, 40000, "192.0.2.1", port);
    return e;
}

static int
feed(struct ap_alert_engine *e, json_t *evt, json_t *fired)
{
    int n = ap_alert_engine_event(e, evt, ap_event_ts_us(evt), fired);
    json_decref(evt);
    return n;
}

static struct ap_alert_engine *
engine1(struct ap_alert_rule_conf *c, const char *name)
{
    struct ap_alert_engine *e = NULL;
    const struct ap_alert_rule_conf *cs[1] = {c};
    const char *ns[1] = {name};
    char err[256];

    if (ap_alert_engine_new(ns, cs, 1, T0, &e, err, sizeof(err)) != 0) {
        printf("engine: %s\n", err);
        exit(1);
    }
    return e;
}

TEST(threshold_once_per_group_and_cooldown)
{
    struct ap_alert_rule_conf *c =
        rule("type threshold\nmetric connections\nthreshold 10\nwindow 60s\n"
             "cooldown 10m\nseverity high\n");
    struct ap_alert_engine *e = engine1(c, "scan");
    json_t *fired = json_array(), *a;
    int i, n = 0;

    /* 9 connections: nothing; the 10th fires; 1000 more in the cooldown:
     * nothing.  Logins do not count for the connections metric. */
    for (i = 0; i < 9; i++)
        n += feed(e, ev("connect", "s1", "198.51.100.1", 22, T0 + i * S), fired);
    n += feed(e, ev("login", "s1", "198.51.100.1", 22, T0 + 9 * S), fired);
    ASSERT_EQ(n, 0);
    n += feed(e, ev("connect", "s1", "198.51.100.1", 22, T0 + 10 * S), fired);
    ASSERT_EQ(n, 1);
    for (i = 0; i < 1000; i++)
        n += feed(e, ev("connect", "s1", "198.51.100.1", 22, T0 + 11 * S + i * 1000), fired);
    ASSERT_EQ(n, 1);
    /* another source is another group */
    for (i = 0; i < 10; i++)
        n += feed(e, ev("connect", "s1", "198.51.100.2", 22, T0 + 20 * S + i * S), fired);
    ASSERT_EQ(n, 2);
    /* slow source: 10 connections over 10 minutes never cross 10/60s */
    for (i = 0; i < 10; i++)
        n += feed(e, ev("connect", "s1", "198.51.100.3", 22, T0 + i * 61 * S), fired);
    ASSERT_EQ(n, 2);
    /* after the cooldown the first source fires again */
    for (i = 0; i < 10; i++)
        n += feed(e, ev("connect", "s1", "198.51.100.1", 22, T0 + 700 * S + i * S), fired);
    ASSERT_EQ(n, 3);
    a = json_array_get(fired, 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(a, "rule")), "scan");
    ASSERT_STR_EQ(json_string_value(json_object_get(a, "severity")), "high");
    ASSERT_STR_EQ(json_string_value(json_object_get(a, "group")), "src_ip=198.51.100.1");
    ASSERT_EQ(json_integer_value(json_object_get(a, "count")), 10);
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(fired, 2),
                                                 "suppressed_before")),
              1000);
    json_decref(fired);
    ap_alert_engine_free(e);
    rule_free(c);
}

TEST(distinct_ports)
{
    struct ap_alert_rule_conf *c =
        rule("type threshold\nmetric ports\nthreshold 20\nwindow 5m\n");
    struct ap_alert_engine *e = engine1(c, "portscan");
    json_t *fired = json_array();
    int i, n = 0;

    /* the same port 100 times is one port */
    for (i = 0; i < 100; i++)
        n += feed(e, ev("connect", "s1", "203.0.113.5", 23, T0 + i * 1000), fired);
    ASSERT_EQ(n, 0);
    for (i = 1; i <= 19; i++)
        n += feed(e, ev("scan", "s1", "203.0.113.5", 1000 + i, T0 + S + i * 1000), fired);
    ASSERT_EQ(n, 1);
    for (i = 0; i < 5000; i++)
        n += feed(e, ev("scan", "s1", "203.0.113.5", 2000 + i, T0 + 2 * S + i * 100), fired);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(fired, 0), "count")), 20);
    json_decref(fired);
    ap_alert_engine_free(e);
    rule_free(c);
}

TEST(internal_watchlist_download_ids)
{
    struct ap_alert_rule_conf *ci = rule("type internal\nsensors dmz-1, hr-2\nseverity critical\n");
    struct ap_alert_rule_conf *cw = rule("type watchlist\nusernames oracle\ncredentials root:toor\n");
    struct ap_alert_rule_conf *cd = rule("type download\n");
    struct ap_alert_rule_conf *cx = rule("type ids\nmatch ET SCAN\nids_severity 2\n");
    const struct ap_alert_rule_conf *cs[4] = {ci, cw, cd, cx};
    const char *ns[4] = {"internal", "creds", "dl", "ids"};
    struct ap_alert_engine *e = NULL;
    json_t *fired = json_array(), *x;
    char err[256];
    int n = 0;

    ASSERT_EQ(ap_alert_engine_new(ns, cs, 4, T0, &e, err, sizeof(err)), 0);
    n += feed(e, ev("connect", "web-1", "198.51.100.9", 22, T0), fired);
    ASSERT_EQ(n, 0);
    n += feed(e, ev("connect", "hr-2", "198.51.100.9", 22, T0 + S), fired);
    n += feed(e, ev("connect", "hr-2", "198.51.100.9", 22, T0 + 2 * S), fired);
    ASSERT_EQ(n, 1);
    /* a sensor tagged internal by enrollment */
    x = ev("connect", "lab-7", "198.51.100.9", 22, T0 + 3 * S);
    json_object_set_new(x, "tags", json_pack("[s]", "internal"));
    n += feed(e, x, fired);
    ASSERT_EQ(n, 2);

    x = ev("login", "web-1", "198.51.100.10", 22, T0 + 4 * S);
    ap_event_set_str(x, "username", "root");
    ap_event_set_str(x, "password", "123456");
    ap_event_set_bool(x, "success", 0);
    n += feed(e, x, fired);
    ASSERT_EQ(n, 2);
    x = ev("login", "web-1", "198.51.100.10", 22, T0 + 5 * S);
    ap_event_set_str(x, "username", "root");
    ap_event_set_str(x, "password", "toor");
    ap_event_set_bool(x, "success", 1);
    n += feed(e, x, fired);
    ASSERT_EQ(n, 3);
    x = ev("download", "web-1", "198.51.100.10", 22, T0 + 6 * S);
    ap_event_set_str(x, "url", "http://198.51.100.10/x.sh");
    n += feed(e, x, fired);
    ASSERT_EQ(n, 4);
    x = ev("alert", "ids-1", "198.51.100.11", 22, T0 + 7 * S);
    ap_event_set_str(x, "signature", "ET SCAN Nmap");
    ap_event_set_int(x, "severity", 3); /* too low */
    n += feed(e, x, fired);
    ASSERT_EQ(n, 4);
    x = ev("alert", "ids-1", "198.51.100.11", 22, T0 + 8 * S);
    ap_event_set_str(x, "signature", "ET SCAN Nmap");
    ap_event_set_int(x, "severity", 1);
    n += feed(e, x, fired);
    ASSERT_EQ(n, 5);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(fired, 0), "severity")),
                  "critical");
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(fired, 2), "rule")), "creds");
    json_decref(fired);
    ap_alert_engine_free(e);
    rule_free(ci);
    rule_free(cw);
    rule_free(cd);
    rule_free(cx);
}

TEST(new_country_and_silent_sensor)
{
    struct ap_alert_rule_conf *cc = rule("type new_country\nlearn 1h\n");
    struct ap_alert_rule_conf *cs = rule("type silent_sensor\ninterval 10m\nsensors quiet-1\n");
    const struct ap_alert_rule_conf *v[2] = {cc, cs};
    const char *ns[2] = {"country", "silent"};
    struct ap_alert_engine *e = NULL;
    json_t *fired = json_array(), *x;
    char err[256];
    int n = 0;

    ASSERT_EQ(ap_alert_engine_new(ns, v, 2, T0, &e, err, sizeof(err)), 0);
    x = ev("connect", "s1", "198.51.100.1", 22, T0 + 60 * S);
    ap_event_set_str(x, "src_country", "NL");
    n += feed(e, x, fired); /* learning: no alert */
    x = ev("connect", "s1", "198.51.100.2", 22, T0 + 7200 * S);
    ap_event_set_str(x, "src_country", "NL");
    n += feed(e, x, fired); /* known */
    ASSERT_EQ(n, 0);
    x = ev("connect", "s1", "198.51.100.3", 22, T0 + 7300 * S);
    ap_event_set_str(x, "src_country", "BR");
    n += feed(e, x, fired);
    ASSERT_EQ(n, 1);
    /* silent sensor: never heard, 10 min after start -> one alert, and
     * only one however many ticks follow */
    ASSERT_EQ(ap_alert_engine_tick(e, T0 + 300 * S, fired), 0);
    ASSERT_EQ(ap_alert_engine_tick(e, T0 + 601 * S, fired), 1);
    ASSERT_EQ(ap_alert_engine_tick(e, T0 + 602 * S, fired), 0);
    ASSERT_EQ(ap_alert_engine_tick(e, T0 + 99999 * S, fired), 0);
    /* heard again, then silent again: a new alert */
    x = ev("connect", "quiet-1", "198.51.100.4", 22, T0 + 100000 * S);
    ap_alert_engine_event(e, x, T0 + 100000 * S, fired);
    json_decref(x);
    ASSERT_EQ(ap_alert_engine_tick(e, T0 + 100100 * S, fired), 0);
    ASSERT_EQ(ap_alert_engine_tick(e, T0 + 100700 * S, fired), 1);
    json_decref(fired);
    ap_alert_engine_free(e);
    rule_free(cc);
    rule_free(cs);
}

TEST(bad_rules)
{
    struct ap_alert_rule_conf *c = rule("type nonsense\n");
    const struct ap_alert_rule_conf *cs[1] = {c};
    const char *ns[1] = {"x"};
    struct ap_alert_engine *e = NULL;
    char err[256];

    ASSERT(ap_alert_engine_new(ns, cs, 1, T0, &e, err, sizeof(err)) < 0);
    ASSERT(strstr(err, "unknown type") != NULL);
    rule_free(c);
    c = rule("type watchlist\n");
    cs[0] = c;
    ASSERT(ap_alert_engine_new(ns, cs, 1, T0, &e, err, sizeof(err)) < 0);
    rule_free(c);
}

TEST(db_store_list_ack)
{
    sqlite3 *db = NULL;
    json_t *a1 = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", "01A", "ts",
                           "2026-01-01T00:00:00Z", "rule", "r", "severity", "high",
                           "group", "src_ip=1.2.3.4", "title", "t'; DROP TABLE alerts;--");
    json_t *a2 = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", "01B", "ts",
                           "2026-01-02T00:00:00Z", "rule", "r", "severity", "low",
                           "group", "g", "title", "second");
    json_t *list = NULL;
    long long open = 0;

    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    ASSERT_EQ(ap_alert_db_init(db), 0);
    ASSERT_EQ(ap_alert_db_put(db, a1), 0);
    ASSERT_EQ(ap_alert_db_put(db, a2), 0);
    ASSERT_EQ(ap_alert_db_put(db, a2), 0); /* same id: ignored */
    ASSERT_EQ(ap_alert_db_list(db, 1, 10, 0, &list), 0);
    ASSERT_EQ(json_array_size(list), 2);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(list, 0), "id")), "01B");
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(list, 1), "title")),
                  "t'; DROP TABLE alerts;--");
    json_decref(list);
    ASSERT_EQ(ap_alert_db_ack(db, "01A", "alice", T0), 0);
    ASSERT_EQ(ap_alert_db_ack(db, "01A", "bob", T0 + S), 0);
    ASSERT_EQ(ap_alert_db_ack(db, "nope", "bob", T0), AP_ENOENT);
    ASSERT_EQ(ap_alert_db_open_count(db, &open), 0);
    ASSERT_EQ(open, 1);
    ASSERT_EQ(ap_alert_db_list(db, 0, 10, 0, &list), 0);
    ASSERT_EQ(json_array_size(list), 2);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(list, 1), "acked_by")),
                  "alice");
    json_decref(list);
    json_decref(a1);
    json_decref(a2);
    sqlite3_close(db);
}

TEST(notifier_bodies)
{
    json_t *a = json_pack("{s:s, s:s, s:s, s:s}", "id", "01C", "rule", "creds",
                          "severity", "high", "title",
                          "Watched username x\r\nBcc: victim@example.com\r\n\r\nhi");
    struct ap_strlist to = {0};
    struct ap_buf b;
    json_t *body;
    const char *s, *hdr_end;

    ap_strlist_add(&to, "soc@example.org");
    ap_buf_init(&b, 1 << 20);
    ASSERT_EQ(ap_notify_email_message(&b, "apiary@example.org", &to, a, T0), 0);
    s = ap_buf_cstr(&b);
    hdr_end = strstr(s, "\r\n\r\n");
    ASSERT(hdr_end != NULL);
    /* the injected header stays inside the Subject line */
    ASSERT(strstr(s, "\r\nBcc:") == NULL);
    ASSERT(strstr(s, "Subject: [apiary high] Watched username x??Bcc: victim@example.com????hi\r\n") != NULL);
    body = ap_notify_webhook_body("slack", a);
    ASSERT(json_is_string(json_object_get(body, "text")));
    json_decref(body);
    body = ap_notify_webhook_body("teams", a);
    ASSERT_STR_EQ(json_string_value(json_object_get(body, "@type")), "MessageCard");
    json_decref(body);
    body = ap_notify_webhook_body("json", a);
    ASSERT(json_equal(body, a));
    json_decref(body);
    ap_buf_release(&b);
    ap_strlist_free(&to);
    json_decref(a);
}

int
main(void)
{
    RUN(threshold_once_per_group_and_cooldown);
    RUN(distinct_ports);
    RUN(internal_watchlist_download_ids);
    RUN(new_country_and_silent_sensor);
    RUN(bad_rules);
    RUN(db_store_list_ack);
    RUN(notifier_bodies);
    return DONE();
}
