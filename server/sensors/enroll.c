#include <stdio.h>
#include <string.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "deploykeys.h"
#include "enroll.h"
#include "idents.h"
#include "ap/common.h"

/* MHN server/config.py.template HONEYPOT_CHANNELS (mhn-reference.md 2.3),
 * typos included: dionaea.caputres is what MHN's ACL says. */
struct hp_channels {
    const char *honeypot;
    const char *chans[6];
};

static const struct hp_channels honeypot_channels[] = {
    {"apiary", {"apiary.events", "apiary.status", NULL}},
    {"dionaea",
     {"mwbinary.dionaea.sensorunique", "dionaea.capture",
      "dionaea.capture.anon", "dionaea.caputres", "dionaea.connections",
      NULL}},
    {"conpot", {"conpot.events", NULL}},
    {"snort", {"snort.alerts", NULL}},
    {"kippo", {"kippo.sessions", NULL}},
    {"cowrie", {"cowrie.sessions", NULL}},
    {"thug", {"thug.files", "thug.events", NULL}},
    {"glastopf", {"glastopf.files", "glastopf.events", NULL}},
    {"amun", {"amun.events", NULL}},
    {"wordpot", {"wordpot.events", NULL}},
    {"shockpot", {"shockpot.events", NULL}},
    {"p0f", {"p0f.events", NULL}},
    {"suricata", {"suricata.events", NULL}},
    {"elastichoney", {"elastichoney.events", NULL}},
    {"drupot", {"drupot.events", NULL}},
    {"agave", {"agave.events", NULL}},
};

const char *const *
ap_enroll_channels(const char *honeypot)
{
    size_t i;

    for (i = 0; i < AP_ARRAY_SIZE(honeypot_channels); i++)
        if (strcmp(honeypot_channels[i].honeypot, honeypot) == 0)
            return honeypot_channels[i].chans;
    return NULL;
}

static json_t *
error_json(const char *msg)
{
    return json_pack("{s:s}", "error", msg);
}

/* A random (version 4) UUID; MHN used uuid1, which leaks the MAC. */
static int
uuid4(char out[37])
{
    uint8_t b[16];
    char hex[33];

    if (ap_random_bytes(b, sizeof(b)) != 0)
        return AP_EIO;
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    ap_hex(b, sizeof(b), hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
             hex + 16, hex + 20);
    return 0;
}

static int
record_sensor(sqlite3 *db, const char *uuid, const char *name,
              const char *hostname, const char *honeypot, const char *ip,
              int64_t now_us)
{
    sqlite3_stmt *st = NULL;
    int r = AP_EDB;

    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS enrolled_sensors ("
                     " uuid TEXT PRIMARY KEY, name TEXT NOT NULL,"
                     " hostname TEXT NOT NULL, honeypot TEXT NOT NULL,"
                     " ip TEXT NOT NULL, created INTEGER NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO enrolled_sensors VALUES (?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, hostname, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, honeypot, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, ip ? ip : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, now_us);
    r = sqlite3_step(st) == SQLITE_DONE ? 0 : AP_EDB;
out:
    sqlite3_finalize(st);
    return r;
}

/* A field MHN requires: a non-empty string of sane length. */
static const char *
field(json_t *req, const char *k)
{
    const char *s = json_string_value(json_object_get(req, k));

    return s && *s && strlen(s) <= 255 ? s : NULL;
}

int
ap_enroll_handle(const struct ap_enroll_ctx *c, const char *body, size_t len,
                 const char *remote_ip, int64_t now_us, json_t **resp)
{
    struct ap_strlist pub = {0}, sub = {0};
    const char *name, *hostname, *honeypot, *key, *why;
    const char *const *chans;
    json_t *req = NULL, *pa = NULL;
    char uuid[37], created[32], missing[128] = "", ack[300];
    char *secret = NULL;
    int status = 500, r;
    size_t i;

    req = json_loadb(body, len, 0, NULL);
    if (!json_is_object(req)) {
        *resp = error_json("Request body must be a JSON object.");
        status = 400;
        goto out;
    }
    name = field(req, "name");
    hostname = field(req, "hostname");
    honeypot = field(req, "honeypot");
    key = json_string_value(json_object_get(req, "deploy_key"));
    if (!name || !hostname || !honeypot) {
        snprintf(missing, sizeof(missing), "Missing required fields: [");
        for (i = 0; i < 3; i++) {
            const char *k = i == 0 ? "name" : i == 1 ? "hostname" : "honeypot";
            const char *v = i == 0 ? name : i == 1 ? hostname : honeypot;
            size_t ml = strlen(missing);
            if (v == NULL)
                snprintf(missing + ml, sizeof(missing) - ml, "%s'%s'",
                         missing[ml - 1] == '[' ? "" : ", ", k);
        }
        strncat(missing, "]", sizeof(missing) - strlen(missing) - 1);
        *resp = error_json(missing);
        status = 400;
        goto out;
    }
    if ((chans = ap_enroll_channels(honeypot)) == NULL) {
        *resp = error_json("\"honeypot\" invalid field.");
        status = 400;
        goto out;
    }
    /* The key is checked (and a use counted) before anything is created,
     * and the refusal says why so the operator can fix it. */
    if ((r = ap_deploykey_use(c->db, key, now_us, &why)) != 0) {
        if (r == AP_EAUTH) {
            char msg[128];
            snprintf(msg, sizeof(msg),
                     "Not authorized to perform this request: %s.", why);
            *resp = error_json(msg);
            status = 401;
            ap_log_warn("enrollment of %s from %s refused: %s", name,
                        remote_ip ? remote_ip : "?", why);
        } else {
            *resp = error_json("Server error.");
        }
        goto out;
    }
    if (uuid4(uuid) != 0)
        goto fail;
    for (i = 0; chans[i]; i++)
        if (ap_strlist_add(&pub, chans[i]) != 0)
            goto fail;
    if (strcmp(honeypot, "apiary") == 0) {
        snprintf(ack, sizeof(ack), "apiary.ack.%s", uuid);
        if (ap_strlist_add(&sub, ack) != 0)
            goto fail;
    }
    if (ap_ident_create(c->db, uuid, NULL, &pub, &sub, name, &secret) != 0 ||
        record_sensor(c->db, uuid, name, hostname, honeypot, remote_ip,
                      now_us) != 0)
        goto fail;
    ap_format_time_us(now_us, created, sizeof(created));
    pa = json_array();
    for (i = 0; pa && i < pub.n; i++)
        json_array_append_new(pa, json_string(pub.v[i]));
    *resp = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:[]}",
                      "uuid", uuid, "name", name, "hostname", hostname,
                      "honeypot", honeypot, "ip", remote_ip ? remote_ip : "",
                      "created_date", created, "identifier", uuid, "secret",
                      secret, "publish", pa, "subscribe");
    pa = NULL;
    if (*resp == NULL)
        goto fail;
    for (i = 0; i < sub.n; i++)
        json_array_append_new(json_object_get(*resp, "subscribe"),
                              json_string(sub.v[i]));
    if (c->hpfeeds_port > 0)
        json_object_set_new(*resp, "hpfeeds",
                            json_pack("{s:s?, s:i, s:b}", "host",
                                      c->hpfeeds_host, "port",
                                      c->hpfeeds_port, "tls",
                                      c->hpfeeds_tls));
    ap_log_info("enrolled sensor %s (%s, %s) from %s as ident %s", name,
                hostname, honeypot, remote_ip ? remote_ip : "?", uuid);
    status = 200;
    goto out;
fail:
    *resp = error_json("Server error.");
    status = 500;
out:
    json_decref(pa);
    json_decref(req);
    free(secret);
    ap_strlist_free(&pub);
    ap_strlist_free(&sub);
    return status;
}
