/*
 * Alerting: the rules of the "[alert NAME]" sections evaluated on every
 * stored event (on the caller's thread: in-memory work only), fired
 * alerts stored in server.db and handed to the "[notify NAME]" notifiers
 * by a worker thread, which also runs the time-based rules every second.
 *
 * For the web/API: list and acknowledge alerts with alert_db.h on
 * srv->db.
 */
#ifndef AP_ALERTS_H
#define AP_ALERTS_H

#include <stddef.h>

#include <jansson.h>

struct ap_server;
struct ap_alerts;

/*
 * Start from srv's "alert" and "notify" instances; alerts are stored in
 * data_dir/server.db (not stored when data_dir is NULL).  *out is NULL
 * when no rule is configured.
 */
int ap_alerts_start(const struct ap_server *srv, const char *data_dir,
                    struct ap_alerts **out, char *err, size_t errlen);
/* An ap_event_sink_fn. */
void ap_alerts_sink(void *ctx, const json_t *ev);
/* Deliver pending notifications for up to drain_ms, then stop. */
void ap_alerts_stop(struct ap_alerts *a, int drain_ms);

extern const struct ap_server_instance_type ap_alert_instance_type;
extern const struct ap_server_instance_type ap_notify_instance_type;

#endif
