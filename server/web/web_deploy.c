/*
 * The deploy page's API (admins): the one-line install command and the
 * deploy keys it needs (server/sensors/deploykeys.c owns the table; a
 * key is shown once, when created, and only its id afterwards).
 */
#include <stdio.h>
#include <string.h>

#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "sensors/deploykeys.h"
#include "server.h"
#include "web.h"
#include "web_handlers.h"
#include "ap/common.h"

/* The install command for key (or the placeholder DEPLOY_KEY). */
static void
command(struct web_req *r, const char *key, char *out, size_t len)
{
    const char *url = r->w->conf->public_url;

    snprintf(out, len, "curl -fsS %s/deploy.sh | sh -s -- %s",
             url ? url : "https://SERVER:8080", key ? key : "DEPLOY_KEY");
}

int
web_api_deploy(struct web_req *r)
{
    json_t *keys = NULL;
    char cmd[512];

    command(r, NULL, cmd, sizeof(cmd));
    if (ap_deploykey_list(r->w->db, ap_now_us(), &keys) != 0)
        keys = json_array(); /* the sensors component may not run */
    return web_reply_json(
        r, 200,
        json_pack("{s:s, s:b, s:o}", "command", cmd, "public_url_set",
                  r->w->conf->public_url != NULL, "keys", keys));
}

int
web_api_deploykey_add(struct web_req *r)
{
    json_t *b = web_body_json(r);
    const char *note = "";
    json_int_t uses = 0, life = 0;
    char key[AP_DEPLOYKEY_LEN + 1], cmd[512];
    int rc;

    if (b != NULL && json_unpack(b, "{s?s, s?I, s?I}", "note", &note,
                                 "max_uses", &uses, "lifetime", &life) != 0) {
        json_decref(b);
        return web_reply_error(r, 400,
                               "note: string; max_uses, lifetime: integers");
    }
    if (strlen(note) > 200 || uses < 0 || life < 0 ||
        life > 3650LL * 86400) {
        json_decref(b);
        return web_reply_error(r, 400, "Bad note, max_uses or lifetime.");
    }
    rc = ap_deploykey_add(r->w->db, note, uses, life, ap_now_us(), key);
    json_decref(b);
    if (rc != 0)
        return rc;
    ap_log_info("web: '%s' created a deploy key", r->user.name);
    command(r, key, cmd, sizeof(cmd));
    rc = web_reply_json(r, 201,
                        json_pack("{s:s, s:s, s:s}", "key", key, "command",
                                  cmd, "note", "Shown once."));
    memset(key, 0, sizeof(key));
    memset(cmd, 0, sizeof(cmd));
    return rc;
}

int
web_api_deploykey_del(struct web_req *r)
{
    int rc = ap_deploykey_revoke(r->w->db, r->args[0]);

    if (rc == AP_ENOENT)
        return web_reply_error(r, 404, "Requested resource was not found.");
    if (rc != 0)
        return rc;
    ap_log_info("web: '%s' revoked deploy key %s", r->user.name, r->args[0]);
    return web_reply_json(r, 200, json_object());
}
