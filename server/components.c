#include <stddef.h>

#include "server.h"

/* Components in start order (stopped in reverse).  One line each; keep the
 * blank comment lines between groups so parallel additions merge. */
/* store */
#include "store/store_component.h"

/* broker */

/* collector */

/* web */

/* outputs, alerts */

const struct ap_server_component *const ap_server_components[] = {
    /* store */
    &ap_store_component,

    /* broker */

    /* collector */

    /* web */

    /* outputs, alerts */

    NULL,
};
