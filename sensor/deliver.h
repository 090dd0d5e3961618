/*
 * Delivery: publishes spooled events on `apiary.events` over hpfeeds,
 * deletes them from the spool when the server acknowledges them on
 * `apiary.ack.<ident>`, replays the rest after a reconnect, and sends a
 * status heartbeat on `apiary.status` (docs/SENSOR.md).
 */
#ifndef AP_SENSOR_DELIVER_H
#define AP_SENSOR_DELIVER_H

#include <stddef.h>

struct ap_sensor;
struct ap_deliver;

/* Connects in the background; never blocks.  Returns 0 or AP_E* with a
 * message in err (bad config). */
int ap_deliver_new(struct ap_sensor *sn, struct ap_deliver **out, char *err,
                   size_t errlen);
void ap_deliver_free(struct ap_deliver *d);
/* New events are in the spool. */
void ap_deliver_kick(struct ap_deliver *d);

#endif
