/*
 * Server settings an admin edits in the settings page, all kept in
 * server.db and applied live by their owners (no second copy here):
 *   retention        store/retention_db.h (the store's retention thread);
 *   alert rules      alerts/rule_store.h (the alerts engine reloads);
 *   sensor tags      sensors/sensor_tags.h (e.g. `internal`).
 * Viewers read them; every change needs the admin role (route table) and,
 * with a cookie, the CSRF token (web.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/rule_store.h"
#include "ap/err.h"
#include "ap/log.h"
#include "retention_db.h"
#include "sensors/sensor_tags.h"
#include "server.h"
#include "web.h"
#include "web_handlers.h"
#include "ap/common.h"

/* ---- retention -------------------------------------------------------- */

int
web_api_retention(struct web_req *r)
{
    json_t *st = NULL;

    if (ap_retention_db_init(r->w->db) != 0 ||
        ap_retention_db_state(r->w->db, &st) != 0)
        return web_reply_error(r, 500, "Cannot read the retention settings.");
    return web_reply_json(r, 200, st);
}

/* One field of the body: absent = unchanged, null = back to the config,
 * else a whole number in [0, max]. */
static int
retention_field(json_t *b, const char *name, long long max, long long *v,
                char *err, size_t errlen)
{
    json_t *x = json_object_get(b, name);

    if (x == NULL)
        return 0;
    if (json_is_null(x)) {
        *v = -1;
        return 0;
    }
    if (!json_is_integer(x) || json_integer_value(x) < 0 ||
        json_integer_value(x) > max) {
        snprintf(err, errlen, "%s: null or a whole number 0 to %lld", name,
                 max);
        return AP_EINVAL;
    }
    *v = json_integer_value(x);
    return 0;
}

int
web_api_retention_set(struct web_req *r)
{
    struct ap_retention_values v;
    json_t *b = web_body_json(r), *st = NULL;
    char err[128];
    int rc;

    if (b == NULL)
        return web_reply_error(r, 400, "Send a JSON object.");
    if (ap_retention_db_init(r->w->db) != 0 ||
        ap_retention_db_overrides(r->w->db, &v, NULL) != 0) {
        json_decref(b);
        return web_reply_error(r, 500, "Cannot read the retention settings.");
    }
    rc = retention_field(b, "days", AP_RETENTION_MAX_DAYS, &v.days, err,
                         sizeof(err));
    if (rc == 0)
        rc = retention_field(b, "max_bytes", AP_RETENTION_MAX_BYTES,
                             &v.max_bytes, err, sizeof(err));
    if (rc == 0)
        rc = retention_field(b, "raw_days", AP_RETENTION_MAX_DAYS, &v.raw_days,
                             err, sizeof(err));
    json_decref(b);
    if (rc != 0)
        return web_reply_error(r, 400, err);
    if (ap_retention_db_set(r->w->db, &v) != 0 ||
        ap_retention_db_state(r->w->db, &st) != 0)
        return web_reply_error(r, 500, "Cannot store the retention settings.");
    ap_log_info("web: '%s' set retention: days %lld, bytes %lld, raw days "
                "%lld (-1: config)",
                r->user.name, v.days, v.max_bytes, v.raw_days);
    return web_reply_json(r, 200, st);
}

/* ---- alert rules -------------------------------------------------------- */

static int
rules_failed(struct web_req *r, int rc, const char *err)
{
    unsigned status;

    switch (rc) {
    case AP_ECONF:
        status = 400;
        break;
    case AP_ENOENT:
        status = 404;
        break;
    case AP_EEXIST:
    case AP_EFULL:
        status = 409;
        break;
    case AP_EAUTH:
        status = 403;
        break;
    default:
        status = 500;
        err = "The rule store failed.";
    }
    return web_reply_error(r, status, err && *err ? err : "Refused.");
}

int
web_api_rules(struct web_req *r)
{
    json_t *list = NULL, *schema;
    char err[256] = "";
    int rc;

    if ((rc = ap_alert_rules_init(r->w->db)) != 0 ||
        (rc = ap_alert_rules_list(r->w->db, &list)) != 0)
        return rules_failed(r, rc, err);
    if ((schema = ap_alert_rules_schema()) == NULL) {
        json_decref(list);
        return web_reply_error(r, 500, "out of memory");
    }
    return web_reply_json(r, 200,
                          json_pack("{s:o, s:o}", "data", list, "schema",
                                    schema));
}

int
web_api_rule_add(struct web_req *r)
{
    json_t *b = web_body_json(r), *settings, *rule = NULL;
    const char *name;
    char err[256] = "";
    int rc;

    if (b == NULL || !json_is_string(json_object_get(b, "name")) ||
        !json_is_object(settings = json_object_get(b, "settings"))) {
        json_decref(b);
        return web_reply_error(r, 400, "Send {\"name\": ..., \"settings\": "
                                       "{...}}.");
    }
    name = json_string_value(json_object_get(b, "name"));
    if ((rc = ap_alert_rules_init(r->w->db)) == 0)
        rc = ap_alert_rules_create(r->w->db, name, settings, err,
                                   sizeof(err));
    if (rc == 0)
        rc = ap_alert_rules_get(r->w->db, name, &rule);
    if (rc == 0)
        ap_log_info("web: '%s' created alert rule '%s'", r->user.name, name);
    json_decref(b);
    if (rc != 0)
        return rules_failed(r, rc, err);
    return web_reply_json(r, 201, rule);
}

int
web_api_rule_update(struct web_req *r)
{
    json_t *b = web_body_json(r), *patch, *rule = NULL;
    char err[256] = "";
    int rc;

    if (b == NULL || !json_is_object(patch = json_object_get(b, "settings"))) {
        json_decref(b);
        return web_reply_error(r, 400, "Send {\"settings\": {...}} (a key "
                                       "set to null returns to its "
                                       "default).");
    }
    if ((rc = ap_alert_rules_init(r->w->db)) == 0)
        rc = ap_alert_rules_update(r->w->db, r->args[0], patch, err,
                                   sizeof(err));
    if (rc == 0)
        rc = ap_alert_rules_get(r->w->db, r->args[0], &rule);
    if (rc == 0)
        ap_log_info("web: '%s' changed alert rule '%s'", r->user.name,
                    r->args[0]);
    json_decref(b);
    if (rc != 0)
        return rules_failed(r, rc, err);
    return web_reply_json(r, 200, rule);
}

int
web_api_rule_del(struct web_req *r)
{
    char err[256] = "";
    int rc;

    if ((rc = ap_alert_rules_init(r->w->db)) == 0)
        rc = ap_alert_rules_delete(r->w->db, r->args[0], err, sizeof(err));
    if (rc != 0)
        return rules_failed(r, rc, err);
    ap_log_info("web: '%s' deleted alert rule '%s'", r->user.name,
                r->args[0]);
    return web_reply_json(r, 200, json_object());
}

/* ---- sensor tags ---------------------------------------------------------- */

int
web_api_sensor_tags(struct web_req *r)
{
    json_t *all = NULL;

    if (ap_sensor_tags_init(r->w->db) != 0 ||
        ap_sensor_tags_all(r->w->db, &all) != 0)
        return web_reply_error(r, 500, "Cannot read the sensor tags.");
    return web_reply_json(r, 200, json_pack("{s:o}", "data", all));
}

/* Body {"edits": ["+internal", "-dmz"]}: all or nothing. */
int
web_api_sensor_tags_edit(struct web_req *r)
{
    const char *edits[AP_SENSOR_TAGS_PER_SENSOR * 2];
    json_t *b = web_body_json(r), *a, *x, *tags = NULL;
    char err[256] = "";
    size_t i, n;
    int rc;

    if (b == NULL || !json_is_array(a = json_object_get(b, "edits")) ||
        (n = json_array_size(a)) == 0 || n > AP_ARRAY_SIZE(edits)) {
        json_decref(b);
        return web_reply_error(r, 400, "Send {\"edits\": [\"+tag\", "
                                       "\"-tag\"]} (1 to 64 edits).");
    }
    json_array_foreach(a, i, x)
    {
        if (!json_is_string(x)) {
            json_decref(b);
            return web_reply_error(r, 400, "edits: strings only.");
        }
        edits[i] = json_string_value(x);
    }
    if ((rc = ap_sensor_tags_init(r->w->db)) == 0)
        rc = ap_sensor_tags_edit(r->w->db, r->args[0], edits, n, err,
                                 sizeof(err));
    json_decref(b);
    if (rc == AP_EINVAL || rc == AP_ETOOBIG)
        return web_reply_error(r, 400, err[0] ? err : "Bad tag.");
    if (rc != 0 || ap_sensor_tags_get(r->w->db, r->args[0], &tags) != 0)
        return web_reply_error(r, 500, "Cannot store the sensor tags.");
    ap_log_info("web: '%s' edited the tags of sensor '%s'", r->user.name,
                r->args[0]);
    return web_reply_json(r, 200, json_pack("{s:s, s:o}", "ident", r->args[0],
                                            "tags", tags));
}
