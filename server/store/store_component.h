/* The server component "store" (server/components.c lists it first). */
#ifndef AP_STORE_COMPONENT_H
#define AP_STORE_COMPONENT_H

#include "server.h"

extern const struct ap_server_component ap_store_component;

#endif
