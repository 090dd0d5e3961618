/*
 * Alerts kept in server.db (table "alerts"): stored when they fire,
 * listed for the API and the CLI, acknowledged by an analyst.  All
 * statements use bound parameters.
 */
#ifndef AP_ALERT_DB_H
#define AP_ALERT_DB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* Create the table and indexes if missing. */
int ap_alert_db_init(sqlite3 *db);
/* Store one alert object (as fired by the engine); a known id is ignored. */
int ap_alert_db_put(sqlite3 *db, const json_t *alert);
/*
 * Alerts newest first, at most limit (capped at 1000) after offset;
 * unacked_only skips acknowledged ones.  *out: owned JSON array of the
 * alert objects, each with "acked_at"/"acked_by" when acknowledged.
 */
int ap_alert_db_list(sqlite3 *db, int unacked_only, size_t limit, size_t offset,
                     json_t **out);
/* Acknowledge: 0, or AP_ENOENT when no alert has that id.  Acknowledging
 * twice keeps the first acknowledgement. */
int ap_alert_db_ack(sqlite3 *db, const char *id, const char *who,
                    int64_t now_us);
/* Count of unacknowledged alerts. */
int ap_alert_db_open_count(sqlite3 *db, long long *out);

#endif
