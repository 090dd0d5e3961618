/*
 * agave.events and drupot.events (drupot, magenpot via the agave
 * library).  Three key spellings exist (mhn-reference.md C5.3): the
 * library's capitalised SrcIp/SrcPort/DestIp/DestPort/App/AgaveApp/
 * Protocol/Request, hpfeeds-logger's src_ip/src_port/dest_ip/dest_port/
 * agave_app/protocol/request_json, and the mixed field names of
 * credentials (agave_username/agave_password).  A login event for
 * credentials, a request event otherwise; honeypot = the app name.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/limits.h"
#include "ap/common.h"

static const char *const k_src[] = {"src_ip", "SrcIp", "SrcIP", NULL};
static const char *const k_sport[] = {"src_port", "SrcPort", NULL};
static const char *const k_dst[] = {"dest_ip", "DestIp", "DestIP", "dst_ip",
                                    NULL};
static const char *const k_dport[] = {"dest_port", "DestPort", "dst_port",
                                      NULL};
static const char *const k_app[] = {"agave_app", "AgaveApp", "App", "app",
                                    NULL};
static const char *const k_req[] = {"request_json", "Request", "request",
                                    NULL};
static const char *const k_user[] = {"agave_username", "AgaveUsername",
                                     "username", NULL};
static const char *const k_pass[] = {"agave_password", "AgavePassword",
                                     "password", NULL};
static const char *const k_sig[] = {"signature", "Signature", NULL};

static int
port(const json_t *o, const char *const *keys)
{
    long long v;

    if (ad_intv(ad_any(o, keys), &v) != 0 || v < 0 || v > 65535)
        return -1;
    return (int)v;
}

int
ad_agave_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c), *ev;
    const json_t *req, *url;
    const char *src, *app, *user, *sig, *path, *query, *body;
    char hp[33];
    size_t i;

    if (o == NULL)
        return AP_EINVAL;
    src = json_string_value(ad_any(o, k_src));
    if (src == NULL) {
        json_decref(o);
        return ad_fail(c, "agave event without src_ip/SrcIp");
    }
    /* honeypot: "Drupot" -> "drupot"; "agave" is the library, not the app */
    app = json_string_value(ad_any(o, k_app));
    if (app == NULL || *app == '\0' || strlen(app) >= sizeof(hp) ||
        strcmp(app, "agave") == 0)
        app = ad_honeypot(c);
    for (i = 0; app[i]; i++)
        hp[i] = isalnum((unsigned char)app[i]) || app[i] == '-'
                    ? (char)tolower((unsigned char)app[i])
                    : '_';
    hp[i] = '\0';
    user = json_string_value(ad_any(o, k_user));
    ev = ad_event(c, user ? AP_EV_LOGIN : AP_EV_REQUEST, hp, 0);
    if (ev != NULL) {
        ad_set_addr(c, ev, src, port(o, k_sport),
                    json_string_value(ad_any(o, k_dst)), port(o, k_dport));
        ad_set_str(c, ev, "transport", "tcp");
        ad_set_str(c, ev, "protocol", "http");
        if (user != NULL) {
            if (*user == '\0' && ap_event_set_str(ev, "username", "") != 0)
                c->oom = 1;
            ad_set_str(c, ev, "username", user);
            ad_set_str(c, ev, "password",
                       json_string_value(ad_any(o, k_pass)));
            ad_set_bool(c, ev, "success", 0);
            ad_set_str(c, ev, "method", "http-form");
        } else {
            req = ad_any(o, k_req);
            ad_set_str(c, ev, "method", ad_str(req, "Method"));
            url = json_object_get(req, "URL");
            path = json_is_object(url) ? ad_str(url, "Path") : ad_str(req, "URL");
            query = json_is_object(url) ? ad_str(url, "RawQuery") : NULL;
            if (path != NULL && query != NULL && *query != '\0') {
                size_t n = strlen(path) + strlen(query) + 2;
                char *full = malloc(n);
                if (full == NULL) {
                    c->oom = 1;
                } else {
                    snprintf(full, n, "%s?%s", path, query);
                    ad_set_str(c, ev, "path", full);
                    free(full);
                }
            } else {
                ad_set_str(c, ev, "path", path);
            }
            /* Go encodes []byte Body as base64 already */
            body = ad_str(req, "Body");
            if (body != NULL && *body != '\0' &&
                strlen(body) <= AP_LIMIT_EVENT_STR &&
                strspn(body, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                             "0123456789+/=") == strlen(body) &&
                ap_event_set_str(ev, "body", body) != 0)
                c->oom = 1;
            ad_set_str(c, ev, "version", ad_str(req, "Proto"));
            ad_http_headers(c, ev, json_object_get(req, "Header"));
            sig = json_string_value(ad_any(o, k_sig));
            ad_set_str(c, ev, "classification", sig);
        }
    }
    json_decref(o);
    return 0;
}
