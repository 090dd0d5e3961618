/*
 * POST /api/v1/login, /api/v1/logout, GET /api/v1/me.
 *
 * Argon2id takes ~0.1 s and 64 MiB on purpose, so it must not run on an
 * HTTP worker thread (every other connection on that worker would wait).
 * The login handler suspends its connection, hashes on a thread of its
 * own (at most WEB_MAX_HASHING at once, else 503) and is called again
 * when the thread resumes the connection.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <sodium.h>

#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "web.h"
#include "web_handlers.h"
#include "web_ratelimit.h"
#include "web_users.h"
#include "ap/common.h"

struct login_job {
    struct web *w;
    struct MHD_Connection *conn;
    char hash[128];
    char password[WEB_PASSWORD_MAX + 1];
    int ok;
};

static void
job_free(void *p)
{
    struct login_job *j = p;

    sodium_memzero(j, sizeof(*j));
    free(j);
}

static void *
hash_thread(void *arg)
{
    struct login_job *j = arg;
    struct web *w = j->w;

    j->ok = web_password_check(j->hash, j->password) == 0;
    sodium_memzero(j->password, sizeof(j->password));
    pthread_mutex_lock(&w->hash_mu);
    MHD_resume_connection(j->conn);
    w->hashing--;
    pthread_cond_broadcast(&w->hash_cv);
    pthread_mutex_unlock(&w->hash_mu);
    return NULL;
}

static int
start_login(struct web_req *r)
{
    struct login_job *j = NULL;
    const char *ct = web_header(r, "Content-Type");
    json_t *body = NULL;
    const char *user, *pass;
    long long uid;
    int role = WEB_ROLE_VIEWER, rc;
    pthread_attr_t attr;
    pthread_t th;

    /* JSON only: a cross-site form cannot send it without a preflight,
     * which closes login CSRF. */
    if (ct == NULL || strncmp(ct, "application/json", 16) != 0)
        return web_reply_error(r, 415, "Send JSON.");
    body = web_body_json(r);
    if (body == NULL || json_unpack(body, "{s:s, s:s}", "username", &user,
                                    "password", &pass) != 0) {
        json_decref(body);
        return web_reply_error(r, 400, "Missing fields.");
    }
    if (!web_ratelimit_allow(r->w->rl, r->client_ip, ap_mono_us())) {
        json_decref(body);
        ap_log_warn("web: login rate limit for %s", r->client_ip);
        return web_reply_error(r, 429, "Too many failed logins; wait.");
    }
    if ((j = calloc(1, sizeof(*j))) == NULL) {
        json_decref(body);
        return AP_ENOMEM;
    }
    j->w = r->w;
    j->conn = r->conn;
    if (strlen(pass) > WEB_PASSWORD_MAX ||
        web_user_lookup(r->w->db, user, j->hash, &uid, &role) != 0) {
        /* Unknown users cost the same time as known ones. */
        snprintf(j->hash, sizeof(j->hash), "%s", r->w->dummy_hash);
        uid = -1;
    }
    snprintf(j->password, sizeof(j->password), "%s", pass);
    r->user.id = uid;
    snprintf(r->user.name, sizeof(r->user.name), "%s", user);
    r->user.role = role == WEB_ROLE_ADMIN ? WEB_ROLE_ADMIN : WEB_ROLE_VIEWER;
    json_decref(body);
    r->async = j;
    r->async_free = job_free;

    pthread_mutex_lock(&r->w->hash_mu);
    if (r->w->hashing >= WEB_MAX_HASHING) {
        pthread_mutex_unlock(&r->w->hash_mu);
        return web_reply_error(r, 503, "Busy; try again.");
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* Suspend before the thread exists: it resumes the connection. */
    MHD_suspend_connection(r->conn);
    rc = pthread_create(&th, &attr, hash_thread, j);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pthread_mutex_unlock(&r->w->hash_mu);
        MHD_resume_connection(r->conn);
        return web_reply_error(r, 503, "Busy; try again.");
    }
    r->w->hashing++;
    pthread_mutex_unlock(&r->w->hash_mu);
    return WEB_SUSPENDED;
}

static int
finish_login(struct web_req *r)
{
    struct login_job *j = r->async;
    char token[WEB_TOKEN_LEN + 1], csrf[WEB_TOKEN_LEN + 1], cookie[192];
    int rc;

    if (!j->ok || r->user.id < 0) {
        web_ratelimit_fail(r->w->rl, r->client_ip, ap_mono_us());
        ap_log_info("web: failed login for '%s' from %s", r->user.name,
                    r->client_ip);
        return web_reply_error(r, 401, "Incorrect username or password.");
    }
    rc = web_session_new(r->w->db, r->user.id, r->w->conf->session_secs,
                         token, csrf);
    if (rc != 0)
        return rc;
    snprintf(cookie, sizeof(cookie),
             "apiary_session=%s; Path=/; HttpOnly; SameSite=Strict; "
             "Max-Age=%lld%s",
             token, r->w->conf->session_secs, r->w->tls ? "; Secure" : "");
    sodium_memzero(token, sizeof(token));
    r->set_cookie = strdup(cookie);
    sodium_memzero(cookie, sizeof(cookie));
    ap_log_info("web: '%s' logged in from %s", r->user.name, r->client_ip);
    return web_reply_json(r, 200,
                          json_pack("{s:s, s:s, s:s}", "user", r->user.name,
                                    "role", web_role_name((int)r->user.role),
                                    "csrf", csrf));
}

int
web_api_login(struct web_req *r)
{
    if (r->async == NULL)
        return start_login(r);
    return finish_login(r);
}

int
web_api_logout(struct web_req *r)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
                                                "apiary_session");

    if (v != NULL)
        web_session_del(r->w->db, v);
    r->set_cookie = strdup("apiary_session=; Path=/; HttpOnly; "
                           "SameSite=Strict; Max-Age=0");
    return web_reply_json(r, 200, json_object());
}

int
web_api_me(struct web_req *r)
{
    json_t *j = json_pack("{s:s, s:s}", "user", r->user.name, "role",
                          web_role_name((int)r->user.role));

    /* The CSRF token goes to the page that holds the session cookie; an
     * API-key client has no use for one. */
    if (j && r->user.via_session)
        json_object_set_new(j, "csrf", json_string(r->user.csrf));
    return web_reply_json(r, 200, j);
}
