/*
 * Deploy keys: what a new sensor host presents to enroll itself
 * (POST /api/sensor/, `apiary enroll`).  Unlike MHN's single DEPLOY_KEY in
 * a config file, each key is long and random, revocable, and optionally
 * limited in uses and lifetime.  Only a SHA-256 of the key is stored, so
 * reading server.db does not give working keys.  Table deploy_keys.
 */
#ifndef AP_DEPLOYKEYS_H
#define AP_DEPLOYKEYS_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* "apk_" + 40 characters of [A-Za-z0-9] (about 238 bits). */
#define AP_DEPLOYKEY_LEN 44
/* The public handle of a key (list, revoke): its first 12 characters. */
#define AP_DEPLOYKEY_ID_LEN 12

int ap_deploykeys_init(sqlite3 *db);

/*
 * Create a key.  max_uses 0 = unlimited; lifetime_secs 0 = never expires.
 * key_out receives AP_DEPLOYKEY_LEN + 1 bytes: the only time the key is
 * shown.  0, AP_EDB or AP_EIO (no randomness).
 */
int ap_deploykey_add(sqlite3 *db, const char *note, long long max_uses,
                     long long lifetime_secs, int64_t now_us,
                     char key_out[AP_DEPLOYKEY_LEN + 1]);

/* Revoke by id (or the whole key).  AP_ENOENT if unknown. */
int ap_deploykey_revoke(sqlite3 *db, const char *id);

/* All keys (never the key itself): [{id, note, created, expires, max_uses,
 * uses, revoked, valid}] (owned). */
int ap_deploykey_list(sqlite3 *db, int64_t now_us, json_t **out);

/*
 * Check a presented key and count one use, atomically.  0, or AP_EAUTH
 * with *why set to a static message: "unknown deploy key", "deploy key
 * revoked", "deploy key expired", "deploy key used up".
 */
int ap_deploykey_use(sqlite3 *db, const char *key, int64_t now_us,
                     const char **why);

#endif
