/*
 * Per-sensor status, from the heartbeats native sensors publish on
 * `apiary.status` (docs/SENSOR.md "Heartbeat"): last seen, version,
 * modules and ports, event rate, spool depth.  Kept in server.db (table
 * sensor_status), so "a dead sensor" and "a quiet sensor" differ (MHN
 * #202).  The web engineer's sensors page and API call the list/get
 * functions; any sqlite3 handle on server.db will do.
 */
#ifndef AP_SENSOR_STATUS_H
#define AP_SENSOR_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* Largest status message kept; a bigger one is refused. */
#define AP_SENSOR_STATUS_MAX (64u * 1024u)

/* CREATE TABLE IF NOT EXISTS.  0 or AP_EDB. */
int ap_sensor_status_init(sqlite3 *db);

/*
 * Record one status message published by `ident` (authenticated by the
 * broker).  payload must be a JSON object; its "sensor" field is ignored
 * in favour of ident.  0, AP_EINVAL (not a JSON object, too big) or
 * AP_EDB.
 */
int ap_sensor_status_update(sqlite3 *db, const char *ident, size_t ident_len,
                            const uint8_t *payload, size_t len,
                            int64_t now_us);

/*
 * Every sensor that ever reported, as a JSON array (owned) of objects:
 * the last status message's fields (name, hostname, version, uptime,
 * modules [{name, ports, sessions}], sessions, events, event_rate
 * (events/minute), spool {pending, bytes, refused_full, corrupt, ...},
 * heartbeat, tags) plus "ident", "first_seen", "last_seen" (ISO times)
 * and "online" (a heartbeat within 3 heartbeat intervals of now_us).
 */
int ap_sensor_status_list(sqlite3 *db, int64_t now_us, json_t **out);
/* One sensor; AP_ENOENT if it never reported. */
int ap_sensor_status_get(sqlite3 *db, const char *ident, int64_t now_us,
                         json_t **out);

#endif
