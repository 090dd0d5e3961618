/*
 * Who is asking: a session cookie (browser; CSRF token required on
 * state-changing requests) or an API key (Authorization: Bearer KEY,
 * X-Api-Key: KEY, or ?api_key=KEY as MHN scripts send it).  Both are
 * looked up by their SHA-256, never stored in clear.
 */
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>
#include <sodium.h>

#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "server.h"
#include "web.h"
#include "web_ratelimit.h"
#include "web_users.h"
#include "ap/common.h"

void
web_sha256_hex(const char *s, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    ap_hex(h, sizeof(h), out);
}

int
web_auth_open(struct web *w, char *err, size_t errlen)
{
    int rc;

    if ((rc = ap_server_db_open(w->srv->data_dir, &w->db)) != 0) {
        snprintf(err, errlen, "cannot open server.db");
        return rc;
    }
    if ((rc = web_users_schema(w->db)) != 0) {
        snprintf(err, errlen, "cannot create the account tables");
        return rc;
    }
    {
        char pw[33];
        if (ap_random_token(pw, 32) != 0 ||
            web_password_hash(pw, w->dummy_hash) != 0)
            return AP_EIO;
    }
    w->rl = web_ratelimit_new((double)w->conf->login_burst,
                              (double)w->conf->login_window);
    if (w->rl == NULL)
        return AP_ENOMEM;
    return 0;
}

void
web_auth_close(struct web *w)
{
    if (w->db)
        sqlite3_close(w->db);
    w->db = NULL;
    web_ratelimit_free(w->rl);
    w->rl = NULL;
}

int
web_auth_bootstrap(struct web *w, const char *password, char *err,
                   size_t errlen)
{
    char pw[25];
    long long n = 0;
    int rc;

    if ((rc = web_user_count(w->db, &n)) != 0) {
        snprintf(err, errlen, "cannot read the user table");
        return rc;
    }
    if (n > 0)
        return 0;
    if (password == NULL) {
        if (ap_random_token(pw, 24) != 0)
            return AP_EIO;
        password = pw;
    }
    if ((rc = web_user_add(w->db, "admin", password, WEB_ROLE_ADMIN)) != 0) {
        snprintf(err, errlen, "cannot create the admin account: %s",
                 rc == AP_EINVAL ? "admin_password needs at least 8 characters"
                                 : ap_strerror(rc));
        return rc;
    }
    if (password == pw) {
        /* Shown once, on the terminal only (never in the log file). */
        fprintf(stderr,
                "apiary: created web user 'admin' with password %s\n"
                "apiary: (shown once; change it under Settings or with "
                "`apiary user passwd admin`)\n",
                pw);
        sodium_memzero(pw, sizeof(pw));
    }
    ap_log_info("web: created the first admin account 'admin'");
    return 0;
}

/* Fill r->user from a row (id, name, role[, csrf]). */
static int
user_from(struct web_req *r, sqlite3_stmt *st, int with_csrf)
{
    const unsigned char *name = sqlite3_column_text(st, 1);
    const unsigned char *csrf = with_csrf ? sqlite3_column_text(st, 3) : NULL;

    r->user.id = sqlite3_column_int64(st, 0);
    snprintf(r->user.name, sizeof(r->user.name), "%s",
             name ? (const char *)name : "");
    r->user.role = sqlite3_column_int(st, 2) == WEB_ROLE_ADMIN
                       ? WEB_ROLE_ADMIN
                       : WEB_ROLE_VIEWER;
    r->user.via_session = with_csrf;
    snprintf(r->user.csrf, sizeof(r->user.csrf), "%s",
             csrf ? (const char *)csrf : "");
    return 0;
}

static int
auth_cookie(struct web_req *r, const char *token)
{
    sqlite3_stmt *st = NULL;
    char h[65];
    int rc = AP_EAUTH;

    if (strlen(token) != WEB_TOKEN_LEN)
        return AP_EAUTH;
    web_sha256_hex(token, h);
    if (sqlite3_prepare_v2(r->w->db,
                           "SELECT u.id, u.name, u.role, s.csrf"
                           " FROM web_sessions s JOIN web_users u"
                           " ON u.id = s.user_id WHERE s.token_hash = ?"
                           " AND s.expires > strftime('%s','now')",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        rc = user_from(r, st, 1);
out:
    sqlite3_finalize(st);
    return rc;
}

static int
auth_key(struct web_req *r, const char *key)
{
    sqlite3_stmt *st = NULL;
    char h[65];
    int rc = AP_EAUTH;

    if (strlen(key) < 16 || strlen(key) > 128)
        return AP_EAUTH;
    web_sha256_hex(key, h);
    if (sqlite3_prepare_v2(r->w->db,
                           "SELECT u.id, u.name, u.role, k.id"
                           " FROM web_apikeys k JOIN web_users u"
                           " ON u.id = k.user_id WHERE k.key_hash = ?",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        long long kid = sqlite3_column_int64(st, 3);
        rc = user_from(r, st, 0);
        sqlite3_finalize(st);
        st = NULL;
        /* Coarse last-use stamp for the settings page. */
        if (sqlite3_prepare_v2(r->w->db,
                               "UPDATE web_apikeys SET last_used ="
                               " strftime('%s','now') WHERE id = ?",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, kid);
            (void)sqlite3_step(st);
        }
    }
out:
    sqlite3_finalize(st);
    return rc;
}

int
web_auth_request(struct web_req *r)
{
    const char *v;

    memset(&r->user, 0, sizeof(r->user));
    v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
                                    "apiary_session");
    if (v != NULL && auth_cookie(r, v) == 0)
        return 0;
    v = web_header(r, "Authorization");
    if (v != NULL && strncasecmp(v, "Bearer ", 7) == 0)
        return auth_key(r, v + 7);
    v = web_header(r, "X-Api-Key");
    if (v != NULL)
        return auth_key(r, v);
    v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
                                    "api_key");
    if (v != NULL)
        return auth_key(r, v);
    return AP_EAUTH;
}

int
web_auth_csrf_ok(struct web_req *r)
{
    const char *t = web_header(r, "X-CSRF-Token");

    if (t == NULL || r->user.csrf[0] == '\0' ||
        strlen(t) != strlen(r->user.csrf))
        return 0;
    return ap_ct_equal(t, r->user.csrf, strlen(t));
}
