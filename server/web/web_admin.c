/*
 * Settings: users (admin only), API keys (each user their own; admins
 * see and revoke all), and the settings summary.  A new API key is shown
 * once, in the response that creates it; lists never contain keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/log.h"
#include "server.h"
#include "web.h"
#include "web_handlers.h"
#include "web_query.h"
#include "web_users.h"
#include "ap/common.h"

int
web_api_users(struct web_req *r)
{
    json_t *a = NULL;
    int rc;

    if ((rc = web_user_list(r->w->db, &a)) != 0)
        return rc;
    return web_reply_json(r, 200, json_pack("{s:o}", "data", a));
}

int
web_api_user_add(struct web_req *r)
{
    json_t *b = web_body_json(r);
    const char *name, *pw, *role = "viewer";
    int rc, ro;

    if (b == NULL || json_unpack(b, "{s:s, s:s, s?s}", "name", &name,
                                 "password", &pw, "role", &role) != 0) {
        json_decref(b);
        return web_reply_error(r, 400, "Missing fields: name, password.");
    }
    if ((ro = web_role_parse(role)) < 0) {
        json_decref(b);
        return web_reply_error(r, 400, "role: admin or viewer");
    }
    if (!web_user_name_ok(name)) {
        json_decref(b);
        return web_reply_error(r, 400,
                               "name: 1-63 of letters, digits, . _ @ -");
    }
    rc = web_user_add(r->w->db, name, pw, ro);
    if (rc == 0)
        ap_log_info("web: '%s' added user '%s' (%s)", r->user.name, name,
                    role);
    json_decref(b);
    if (rc == AP_EEXIST)
        return web_reply_error(r, 409, "That user exists.");
    if (rc == AP_EINVAL)
        return web_reply_error(r, 400, "password: 8 to 1024 characters");
    if (rc != 0)
        return rc;
    return web_reply_json(r, 201, json_object());
}

int
web_api_user_del(struct web_req *r)
{
    int rc;

    if (strcmp(r->args[0], r->user.name) == 0)
        return web_reply_error(r, 400, "You cannot delete yourself.");
    rc = web_user_del(r->w->db, r->args[0]);
    if (rc == AP_ENOENT)
        return web_reply_error(r, 404, "Requested resource was not found.");
    if (rc != 0)
        return rc;
    ap_log_info("web: '%s' deleted user '%s'", r->user.name, r->args[0]);
    return web_reply_json(r, 200, json_object());
}

int
web_api_user_passwd(struct web_req *r)
{
    json_t *b;
    const char *pw;
    int rc;

    /* Viewers may change their own password only. */
    if (strcmp(r->args[0], r->user.name) != 0 &&
        r->user.role != WEB_ROLE_ADMIN)
        return web_reply_error(r, 403, "This needs the admin role.");
    b = web_body_json(r);
    if (b == NULL || json_unpack(b, "{s:s}", "password", &pw) != 0) {
        json_decref(b);
        return web_reply_error(r, 400, "Missing fields: password.");
    }
    rc = web_user_set_password(r->w->db, r->args[0], pw);
    json_decref(b);
    if (rc == AP_ENOENT)
        return web_reply_error(r, 404, "Requested resource was not found.");
    if (rc == AP_EINVAL)
        return web_reply_error(r, 400, "password: 8 to 1024 characters");
    if (rc != 0)
        return rc;
    return web_reply_json(r, 200, json_object());
}

int
web_api_keys(struct web_req *r)
{
    json_t *a = NULL;
    int rc;

    rc = web_apikey_list(r->w->db,
                         r->user.role == WEB_ROLE_ADMIN ? -1 : r->user.id,
                         &a);
    if (rc != 0)
        return rc;
    return web_reply_json(r, 200, json_pack("{s:o}", "data", a));
}

int
web_api_key_add(struct web_req *r)
{
    json_t *b = web_body_json(r);
    const char *label = "";
    char key[64];
    long long id;
    int rc;

    if (b != NULL && json_unpack(b, "{s?s}", "label", &label) != 0) {
        json_decref(b);
        return web_reply_error(r, 400, "label: a string");
    }
    if (strlen(label) > 100) {
        json_decref(b);
        return web_reply_error(r, 400, "label: at most 100 characters");
    }
    rc = web_apikey_new(r->w->db, r->user.id, label, key, sizeof(key), &id);
    json_decref(b);
    if (rc != 0)
        return rc;
    ap_log_info("web: '%s' created API key %lld", r->user.name, id);
    rc = web_reply_json(r, 201,
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
                                  "key", key, "note",
                                  "Shown once. Store it now."));
    memset(key, 0, sizeof(key));
    return rc;
}

int
web_api_key_del(struct web_req *r)
{
    long long id;
    int rc;

    if (web_parse_int(r->args[0], 1, (long long)1 << 62, &id) != 0)
        return web_reply_error(r, 400, "Not a key id.");
    rc = web_apikey_del(r->w->db, r->user.id, r->user.role == WEB_ROLE_ADMIN,
                        id);
    if (rc == AP_ENOENT)
        return web_reply_error(r, 404, "Requested resource was not found.");
    if (rc != 0)
        return rc;
    ap_log_info("web: '%s' revoked API key %lld", r->user.name, id);
    return web_reply_json(r, 200, json_object());
}

int
web_api_settings(struct web_req *r)
{
    struct web_conf *c = r->w->conf;

    return web_reply_json(
        r, 200,
        json_pack("{s:s, s:b, s:I, s:I, s:I, s:s, s:s}", "listen",
                  c->listen ? c->listen : "127.0.0.1:8080",
                  "tls", r->w->tls, "session_lifetime",
                  (json_int_t)c->session_secs, "login_burst",
                  (json_int_t)c->login_burst, "login_window",
                  (json_int_t)c->login_window, "retention",
                  "[store] config, overridden by /api/v1/settings/retention",
                  "store", r->w->srv->store ? "running" : "not running"));
}
