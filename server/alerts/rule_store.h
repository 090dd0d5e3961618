/*
 * Alert rules kept in server.db, next to the read-only rules of the
 * server config.  This is the API of the settings page (web) and of
 * `apiary alerts rules`.
 *
 * Two kinds of rule:
 *   - config rules ("[alert NAME]" sections): read-only.  The alerts
 *     component writes a snapshot of them (effective settings) to
 *     server.db when the server starts, so every process that opens
 *     server.db lists the same rules;
 *   - server.db rules: created, updated and deleted here.  Only the
 *     keywords given are stored; the rest take the keyword table's
 *     defaults.
 *
 * Settings are a JSON object keyed by the "[alert NAME]" keywords
 * (rules.h, ap_alert_rule_keywords): a string as it would be written in
 * the config file ("10m", "high"), an integer, true/false, or an array
 * of strings for list keywords (sensors, group_by, usernames, ...).
 * Validation is the config parser's own code: ap_conf_set on every
 * keyword, then the engine's rule check (type, severity, metric, ...).
 *
 * A change bumps a version number in the same transaction; the running
 * server polls it every second and rebuilds its engine, so a change is
 * live within about a second, without a restart.  Rules whose name and
 * settings did not change keep their state (cooldowns, windows).
 *
 * Rule objects returned (owned JSON):
 *   {"name": "scan", "source": "config" | "db", "editable": false | true,
 *    "settings": {every keyword with its effective value},
 *    "created_at": µs, "updated_at": µs}      (the last two: db rules)
 *
 * Return codes, for mapping to HTTP statuses:
 *   0           success
 *   AP_ECONF    invalid name or settings; err says why (400)
 *   AP_ENOENT   no rule with that name (404)
 *   AP_EEXIST   create: the name is taken (db or config rule) (409)
 *   AP_EAUTH    update/delete of a config rule: read-only (403)
 *   AP_EFULL    more than AP_ALERT_DB_RULES_MAX rules (409)
 *   AP_EDB, AP_ENOMEM
 * err (may be NULL when errlen is 0) gets a message on every failure.
 *
 * All statements use bound parameters.  Any sqlite3 handle on server.db
 * works (each thread its own); call ap_alert_rules_init once first.
 */
#ifndef AP_ALERT_RULE_STORE_H
#define AP_ALERT_RULE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "rules.h"

/* Caps: server.db rules, and the stored settings of one rule. */
#define AP_ALERT_DB_RULES_MAX 1000
#define AP_ALERT_RULE_SETTINGS_MAX 65536
#define AP_ALERT_RULE_NAME_MAX 64

/* Create the tables if missing. */
int ap_alert_rules_init(sqlite3 *db);

/* Every rule, config rules first (in config order), then server.db rules
 * by name.  *out: owned JSON array of rule objects. */
int ap_alert_rules_list(sqlite3 *db, json_t **out);
/* One rule object (either source). */
int ap_alert_rules_get(sqlite3 *db, const char *name, json_t **out);

/* Validate without storing: the name ([A-Za-z0-9_.-], 1..64) and the
 * settings, exactly as the server will when it loads the rule. */
int ap_alert_rules_validate(const char *name, const json_t *settings,
                            char *err, size_t errlen);
/* Store a new server.db rule (validated first). */
int ap_alert_rules_create(sqlite3 *db, const char *name, const json_t *settings,
                          char *err, size_t errlen);
/* Merge patch into a server.db rule's stored settings (a key set to null
 * goes back to its default), validate the result, store it. */
int ap_alert_rules_update(sqlite3 *db, const char *name, const json_t *patch,
                          char *err, size_t errlen);
int ap_alert_rules_delete(sqlite3 *db, const char *name, char *err,
                          size_t errlen);

/* The keyword table as JSON, for building forms: [{"name", "type"
 * ("string", "int", "bool", "seconds", "list"), "default", "min", "max",
 * "help"}]. */
json_t *ap_alert_rules_schema(void);

/* ---- for the alerts engine (alerts.c) ---- */

/* The version bumped by every change (0 before the first). */
int ap_alert_rules_version(sqlite3 *db, long long *out);

/* Replace the config snapshot with these rules (the server, at start). */
int ap_alert_rules_snapshot_config(sqlite3 *db, const char *const *names,
                                   const struct ap_alert_rule_conf *const *confs,
                                   size_t n);

/* The server.db rules parsed into confs (owned); rules that no longer
 * validate, or whose name a config rule now takes, are skipped with a
 * warning in the log. */
struct ap_alert_ruleset {
    char **names;
    struct ap_alert_rule_conf **confs;
    size_t n;
};
int ap_alert_rules_load(sqlite3 *db, const char *const *config_names,
                        size_t nconfig, struct ap_alert_ruleset **out);
void ap_alert_ruleset_free(struct ap_alert_ruleset *rs);

/* A conf's settings as JSON (every keyword); owned. */
json_t *ap_alert_rule_conf_json(const struct ap_alert_rule_conf *c);

#endif
