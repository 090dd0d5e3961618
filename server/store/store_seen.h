/*
 * First and last sighting of many values at once, for the intel exports
 * (STIX, MISP): one statement per 40 values instead of two per value.
 * Each value is an index seek on (column, ts) both ways (the ev_src_ip,
 * ev_url, ev_sha256 indexes), so a heavy scanner costs no more than a
 * quiet one.  (Owned by the outputs/intel code; see store_seen.c.)
 */
#ifndef AP_STORE_SEEN_H
#define AP_STORE_SEEN_H

#include <jansson.h>

#include "store.h"

/*
 * field: "src_ip", "url" or "sha256".  values: JSON array of strings (at
 * most AP_STORE_MAX_LIMIT).  Time bounds from f (since/until; 0 = none).
 * *out: owned object value -> {"first_seen": ISO, "last_seen": ISO} for
 * every value seen in the window.  AP_EINVAL for another field.
 */
int ap_store_seen(struct ap_store *st, const char *field, const json_t *values,
                  const struct ap_filter *f, json_t **out);

#endif
