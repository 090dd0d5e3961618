/*
 * The one route table: method, path pattern, required role, flags,
 * handler.  A request that matches nothing is a 404; every entry states
 * its role, and the core enforces it before the handler runs.
 * Patterns: literal segments and "<>" (one segment, passed as an arg).
 * A trailing slash is optional (MHN routes carry one, clients vary).
 */
#include "web.h"
#include "web_handlers.h"
#include "ap/common.h"

#define PUB WEB_ROLE_PUBLIC
#define VIEW WEB_ROLE_VIEWER
#define ADMIN WEB_ROLE_ADMIN

const struct web_route web_routes[] = {
    /* pages: one HTML shell, the script draws the page from the path */
    {"GET", "/", VIEW, WEB_PAGE, web_page_app},
    {"GET", "/map", VIEW, WEB_PAGE, web_page_app},
    {"GET", "/search", VIEW, WEB_PAGE, web_page_app},
    {"GET", "/attacker/<>", VIEW, WEB_PAGE, web_page_app},
    {"GET", "/session/<>", VIEW, WEB_PAGE, web_page_session},
    {"GET", "/credentials", VIEW, WEB_PAGE, web_page_app},
    {"GET", "/files", VIEW, WEB_PAGE, web_page_app},
    {"GET", "/sensors", VIEW, WEB_PAGE, web_page_app},
    {"GET", "/deploy", VIEW, WEB_PAGE, web_page_app},
    {"GET", "/settings", VIEW, WEB_PAGE, web_page_app},
    {"GET", "/login", PUB, 0, web_page_login},
    {"GET", "/static/<>", PUB, 0, web_static},

    /* session */
    {"POST", "/api/v1/login", PUB, WEB_NOCSRF, web_api_login},
    {"POST", "/api/v1/logout", VIEW, 0, web_api_logout},
    {"GET", "/api/v1/me", VIEW, 0, web_api_me},

    /* v1 API (docs/API.md) */
    {"GET", "/api/v1/summary", VIEW, 0, web_api_summary},
    {"GET", "/api/v1/events", VIEW, 0, web_api_events},
    {"GET", "/api/v1/top/<>", VIEW, 0, web_api_top},
    {"GET", "/api/v1/timeseries", VIEW, 0, web_api_timeseries},
    {"GET", "/api/v1/attacker/<>", VIEW, 0, web_api_attacker},
    {"GET", "/api/v1/session/<>", VIEW, 0, web_api_session},
    {"GET", "/api/v1/credentials", VIEW, 0, web_api_credentials},
    {"GET", "/api/v1/files", VIEW, 0, web_api_files},
    /* format=raw: admins only, checked in the handler */
    {"GET", "/api/v1/files/<>/download", VIEW, 0, web_api_file_download},
    {"GET", "/api/v1/ttylog/<>", VIEW, 0, web_api_ttylog},
    {"GET", "/api/v1/sensors", VIEW, 0, web_api_sensors},
    {"GET", "/api/v1/deploy", ADMIN, 0, web_api_deploy},
    {"POST", "/api/v1/deploykeys", ADMIN, 0, web_api_deploykey_add},
    {"DELETE", "/api/v1/deploykeys/<>", ADMIN, 0, web_api_deploykey_del},
    {"GET", "/api/v1/stream", VIEW, 0, web_api_stream},
    {"GET", "/api/v1/settings", VIEW, 0, web_api_settings},
    {"GET", "/api/v1/settings/retention", VIEW, 0, web_api_retention},
    {"PUT", "/api/v1/settings/retention", ADMIN, 0, web_api_retention_set},
    {"GET", "/api/v1/alerts/rules", VIEW, 0, web_api_rules},
    {"POST", "/api/v1/alerts/rules", ADMIN, 0, web_api_rule_add},
    {"PUT", "/api/v1/alerts/rules/<>", ADMIN, 0, web_api_rule_update},
    {"DELETE", "/api/v1/alerts/rules/<>", ADMIN, 0, web_api_rule_del},
    {"GET", "/api/v1/sensortags", VIEW, 0, web_api_sensor_tags},
    {"PUT", "/api/v1/sensortags/<>", ADMIN, 0, web_api_sensor_tags_edit},

    /* accounts */
    {"GET", "/api/v1/users", ADMIN, 0, web_api_users},
    {"POST", "/api/v1/users", ADMIN, 0, web_api_user_add},
    {"DELETE", "/api/v1/users/<>", ADMIN, 0, web_api_user_del},
    {"POST", "/api/v1/users/<>/password", VIEW, 0, web_api_user_passwd},
    {"GET", "/api/v1/apikeys", VIEW, 0, web_api_keys},
    {"POST", "/api/v1/apikeys", VIEW, 0, web_api_key_add},
    {"DELETE", "/api/v1/apikeys/<>", VIEW, 0, web_api_key_del},

    /* enrollment and deploy (server/sensors/web_enroll.c) */
    {"POST", "/api/sensor/", PUB, WEB_NOCSRF, web_enroll_sensor},
    {"GET", "/deploy.sh", PUB, 0, web_deploy_script},
    {"GET", "/deploy/apiary", PUB, 0, web_deploy_binary},

    /* MHN-compatible API (mhn-reference.md C3), bugs fixed */
    {"GET", "/api/session/", VIEW, 0, web_mhn_session},
    {"GET", "/api/session/<>/", VIEW, 0, web_mhn_session_one},
    {"GET", "/api/feed/", VIEW, 0, web_mhn_feed},
    {"GET", "/api/top_attackers/", VIEW, 0, web_mhn_top_attackers},
    {"GET", "/api/attacker_stats/<>/", VIEW, 0, web_mhn_attacker_stats},
    {"GET", "/api/intel_feed/", VIEW, 0, web_mhn_intel_feed},
    {"GET", "/api/intel_feed.csv/", VIEW, 0, web_mhn_intel_feed_csv},
    {"GET", "/api/sensor/", VIEW, 0, web_mhn_sensor},
    {"GET", "/api/file/", VIEW, 0, web_mhn_file},
    {"GET", "/api/url/", VIEW, 0, web_mhn_url},
    {"GET", "/api/metadata/", VIEW, 0, web_mhn_metadata},
    {"GET", "/api/dork/", VIEW, 0, web_mhn_dork},
    {NULL, NULL, PUB, 0, NULL},
};

