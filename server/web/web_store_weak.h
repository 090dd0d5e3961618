/*
 * The store component may not be linked yet in every build of this
 * branch history: its query functions are weak references here, and the
 * handlers never call them unless srv->store is set (which only a linked
 * store does).  Harmless once the store is present: the real definitions
 * win.
 */
#ifndef AP_WEB_STORE_WEAK_H
#define AP_WEB_STORE_WEAK_H

#include "store.h"

#pragma weak ap_store_events
#pragma weak ap_store_count
#pragma weak ap_store_top
#pragma weak ap_store_timeseries

#endif
