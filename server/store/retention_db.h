/*
 * Retention set by an admin in the web's settings page, kept in server.db
 * (table store_retention, name -> integer).  Values set here override the
 * [store] section of the server config; the store component's retention
 * thread reads them every second and applies them without a restart, and
 * writes back what it applies (the config values, the effective values,
 * when), so the page shows the truth rather than what was asked for.
 *
 * Any sqlite3 handle on server.db works; every statement binds its values.
 */
#ifndef AP_RETENTION_DB_H
#define AP_RETENTION_DB_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* One set of retention values; -1 in an override = not set (config). */
struct ap_retention_values {
    long long days;     /* events older than this many days go; 0 keep */
    long long max_bytes; /* store size cap; 0 none */
    long long raw_days; /* raw payloads; 0 keep */
};

/* Upper bounds (the config's ranges). */
#define AP_RETENTION_MAX_DAYS 36500
#define AP_RETENTION_MAX_BYTES (1LL << 50)

int ap_retention_db_init(sqlite3 *db);
/* The overrides (-1: unset) and the version bumped by every change. */
int ap_retention_db_overrides(sqlite3 *db, struct ap_retention_values *out,
                              long long *version);
/* Set the overrides (-1 clears one).  AP_EINVAL when out of range. */
int ap_retention_db_set(sqlite3 *db, const struct ap_retention_values *v);
/* The store reports the config values and what it applies now. */
int ap_retention_db_report(sqlite3 *db, const struct ap_retention_values *conf,
                           const struct ap_retention_values *eff,
                           int64_t now_us);
/* {"config": {...}, "override": {...}, "effective": {...}, "applied_at"}
 * with keys days, max_bytes, raw_days (override: null when unset;
 * config/effective: absent before the store first reported). */
int ap_retention_db_state(sqlite3 *db, json_t **out);

#endif
