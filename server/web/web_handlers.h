/* Every route handler, grouped by the file that implements it. */
#ifndef AP_WEB_HANDLERS_H
#define AP_WEB_HANDLERS_H

#include "web.h"

/* web_pages.c: HTML shell, login page, embedded assets */
int web_page_app(struct web_req *r);
int web_page_session(struct web_req *r);
int web_page_login(struct web_req *r);
int web_static(struct web_req *r);

/* web_login.c: login, logout, who am I */
int web_api_login(struct web_req *r);
int web_api_logout(struct web_req *r);
int web_api_me(struct web_req *r);

/* web_api.c: the v1 API the pages use */
int web_api_summary(struct web_req *r);
int web_api_events(struct web_req *r);
int web_api_top(struct web_req *r);
int web_api_timeseries(struct web_req *r);
int web_api_attacker(struct web_req *r);
int web_api_session(struct web_req *r);
int web_api_credentials(struct web_req *r);
int web_api_files(struct web_req *r);

/* web_files.c: captured files (encrypted ZIP, raw for admins), TTY logs */
int web_api_file_download(struct web_req *r);
int web_api_ttylog(struct web_req *r);

/* web_settings.c: retention, alert rules, sensor tags (server.db) */
int web_api_retention(struct web_req *r);
int web_api_retention_set(struct web_req *r);
int web_api_rules(struct web_req *r);
int web_api_rule_add(struct web_req *r);
int web_api_rule_update(struct web_req *r);
int web_api_rule_del(struct web_req *r);
int web_api_sensor_tags(struct web_req *r);
int web_api_sensor_tags_edit(struct web_req *r);

/* web_deploy.c: the deploy page (install command, deploy keys) */
int web_api_deploy(struct web_req *r);
int web_api_deploykey_add(struct web_req *r);
int web_api_deploykey_del(struct web_req *r);

/* web_admin.c: users, API keys, settings */
int web_api_users(struct web_req *r);
int web_api_user_add(struct web_req *r);
int web_api_user_del(struct web_req *r);
int web_api_user_passwd(struct web_req *r);
int web_api_keys(struct web_req *r);
int web_api_key_add(struct web_req *r);
int web_api_key_del(struct web_req *r);
int web_api_settings(struct web_req *r);

/* web_sse.c: the live stream */
int web_api_stream(struct web_req *r);

/* web_sensors.c: sensors (broker idents + store activity) */
int web_api_sensors(struct web_req *r);

/* server/sensors/web_enroll.c: enrollment, deploy script */
int web_enroll_sensor(struct web_req *r);
int web_deploy_script(struct web_req *r);
int web_deploy_binary(struct web_req *r);

/* web_mhn.c, web_mhn_agg.c: the MHN-compatible API */
int web_mhn_session(struct web_req *r);
int web_mhn_session_one(struct web_req *r);
int web_mhn_feed(struct web_req *r);
int web_mhn_top_attackers(struct web_req *r);
int web_mhn_attacker_stats(struct web_req *r);
int web_mhn_intel_feed(struct web_req *r);
int web_mhn_intel_feed_csv(struct web_req *r);
int web_mhn_sensor(struct web_req *r);
int web_mhn_file(struct web_req *r);
int web_mhn_url(struct web_req *r);
int web_mhn_metadata(struct web_req *r);
int web_mhn_dork(struct web_req *r);

#endif
