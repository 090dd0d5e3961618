/*
 * Sensor tags kept in server.db (table sensor_tags), set by an operator
 * (`apiary sensor tag IDENT +internal`, or the web): what a sensor *is*
 * (internal, dmz, lab), independent of what the sensor's own config
 * puts into its events.  The alert rule `type internal` fires for any
 * event from a sensor tagged `internal` here, as well as for events
 * carrying the tag and for the sensors listed in the rule.
 *
 * Tags: 1..32 characters of [a-z0-9_.-]; at most 32 per sensor.  Every
 * change bumps a version the alerts worker polls once a second, so a new
 * tag applies to events within about a second.  Any sqlite3 handle on
 * server.db works; bound parameters only.
 */
#ifndef AP_SENSOR_TAGS_H
#define AP_SENSOR_TAGS_H

#include <stddef.h>

#include <jansson.h>
#include <sqlite3.h>

#define AP_SENSOR_TAG_MAX 32
/* hpfeeds idents are at most 255 bytes (a one-byte length). */
#define AP_SENSOR_IDENT_MAX 255
#define AP_SENSOR_TAGS_PER_SENSOR 32

/* CREATE TABLE IF NOT EXISTS.  0 or AP_EDB. */
int ap_sensor_tags_init(sqlite3 *db);

/*
 * Apply edits to one sensor's tags: "+tag" or "tag" adds, "-tag"
 * removes (removing a missing tag is fine).  All or nothing: 0, or
 * AP_EINVAL (bad ident or tag; err says which), AP_ETOOBIG (over 32
 * tags), AP_EDB.
 */
int ap_sensor_tags_edit(sqlite3 *db, const char *ident,
                        const char *const *edits, size_t n, char *err,
                        size_t errlen);
/* One sensor's tags, sorted: an owned JSON array (empty if none). */
int ap_sensor_tags_get(sqlite3 *db, const char *ident, json_t **out);
/* Every tagged sensor: an owned JSON object ident -> [tags]. */
int ap_sensor_tags_all(sqlite3 *db, json_t **out);
/* The version bumped by every change (0 before the first). */
int ap_sensor_tags_version(sqlite3 *db, long long *out);

#endif
