#include <stddef.h>

#include "server.h"

/* Components in start order (stopped in reverse).  One line each; keep the
 * blank comment lines between groups so parallel additions merge. */
/* store */
#include "store/store_component.h"

/* broker */
extern const struct ap_server_component ap_component_hpfeeds;
extern const struct ap_server_component ap_component_metrics;

/* sensors: status, deploy keys, enrollment (engineer: sensor) */
extern const struct ap_server_component ap_component_sensors;

/* collector */
extern const struct ap_server_component ap_component_collector;

/* web */
extern const struct ap_server_component ap_web_component;

/* outputs, alerts */
extern const struct ap_server_component ap_component_outputs;
extern const struct ap_server_instance_type ap_output_instance_type;
extern const struct ap_server_component ap_component_alerts;
extern const struct ap_server_instance_type ap_alert_instance_type;
extern const struct ap_server_instance_type ap_notify_instance_type;

const struct ap_server_component *const ap_server_components[] = {
    /* store */
    &ap_store_component,

    /* broker */
    &ap_component_hpfeeds,
    &ap_component_metrics,

    /* sensors: status, deploy keys, enrollment (engineer: sensor) */
    &ap_component_sensors,

    /* collector */
    &ap_component_collector,

    /* web */
    &ap_web_component,

    /* outputs, alerts */
    &ap_component_outputs,
    &ap_component_alerts,

    NULL,
};

/* Sections with an instance argument ("[output NAME]"), one line each,
 * grouped like the components above. */
const struct ap_server_instance_type *const ap_server_instance_types[] = {
    /* outputs, alerts */
    &ap_output_instance_type,
    &ap_alert_instance_type,
    &ap_notify_instance_type,

    NULL,
};
