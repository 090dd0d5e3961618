/*
 * Change counters in server.db (table "versions": name -> v): a writer
 * bumps its counter in the same transaction as its change; a process that
 * caches the data (the alerts worker: rules, sensor tags) polls the
 * counter and reloads when it moved.  Names are fixed strings of the
 * caller, bound as parameters.
 */
#ifndef AP_DBVER_H
#define AP_DBVER_H

#include <sqlite3.h>

/* CREATE TABLE IF NOT EXISTS.  0 or AP_EDB. */
int ap_dbver_init(sqlite3 *db);
/* The counter (0 before the first bump).  0 or AP_EDB. */
int ap_dbver_get(sqlite3 *db, const char *name, long long *out);
/* Add one (inside the caller's transaction).  0 or AP_EDB. */
int ap_dbver_bump(sqlite3 *db, const char *name);

#endif
