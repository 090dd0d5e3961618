#include <stddef.h>

#include "server.h"

/* Components in start order (stopped in reverse).  One line each; keep the
 * blank comment lines between groups so parallel additions merge. */
/* store */

/* broker */
extern const struct ap_server_component ap_component_hpfeeds;
extern const struct ap_server_component ap_component_metrics;

/* collector */

/* web */

/* outputs, alerts */

const struct ap_server_component *const ap_server_components[] = {
    /* store */

    /* broker */
    &ap_component_hpfeeds,
    &ap_component_metrics,

    /* collector */

    /* web */

    /* outputs, alerts */

    NULL,
};
