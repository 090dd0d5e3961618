/*
 * Accounts in server.db: users (Argon2id hashes), login sessions and API
 * keys (both stored as SHA-256 of a long random token, so a copy of the
 * database does not let anyone in).  Plain SQLite calls with bound
 * parameters; used by the web component and by `apiary user`.
 */
#ifndef AP_WEB_USERS_H
#define AP_WEB_USERS_H

#include <sqlite3.h>

#include <jansson.h>

#define WEB_NAME_MAX 63       /* user names: [A-Za-z0-9._@-], 1..63 */
#define WEB_PASSWORD_MIN 8
#define WEB_PASSWORD_MAX 1024
#define WEB_TOKEN_LEN 43      /* session tokens and API keys, base62 */

/* Create the tables if missing. */
int web_users_schema(sqlite3 *db);
/* Is name an acceptable user name? */
int web_user_name_ok(const char *name);
/* "admin" -> 2, "viewer" -> 1, else -1. */
int web_role_parse(const char *s);
const char *web_role_name(int role);

/* Hash with Argon2id (interactive limits); slow on purpose. */
int web_password_hash(const char *password, char out[128]);
/* 0 if password matches the stored hash, AP_EAUTH if not. */
int web_password_check(const char *hash, const char *password);

int web_user_add(sqlite3 *db, const char *name, const char *password,
                 int role);
int web_user_del(sqlite3 *db, const char *name);
int web_user_set_password(sqlite3 *db, const char *name,
                          const char *password);
/* The stored hash, id and role of a user (AP_ENOENT if none). */
int web_user_lookup(sqlite3 *db, const char *name, char hash[128],
                    long long *id, int *role);
int web_user_count(sqlite3 *db, long long *out);
/* [{name, role, created}] */
int web_user_list(sqlite3 *db, json_t **out);

/* A new session for user id; token (WEB_TOKEN_LEN+1) and csrf
 * (WEB_TOKEN_LEN+1) receive the secrets. */
int web_session_new(sqlite3 *db, long long uid, long long lifetime_s,
                    char *token, char *csrf);
int web_session_del(sqlite3 *db, const char *token);
/* A new API key for user id; key receives "ak_" + token. */
int web_apikey_new(sqlite3 *db, long long uid, const char *label, char *key,
                   size_t keylen, long long *id);
int web_apikey_del(sqlite3 *db, long long uid, int any_user, long long id);
/* [{id, label, created, last_used}] of one user (all users if uid < 0);
 * never the key itself. */
int web_apikey_list(sqlite3 *db, long long uid, json_t **out);

#endif
