/*
 * The `firewall` alert rule's worker: follows the rule's firewall/flow
 * log (intel/follow.c: rotation by rename and truncation), parses it with
 * `apiary correlate`'s reader (intel/fwlog.c), merges packets into
 * connections (intel/correlate.c) from the current top-N honeypot
 * sources (store, recomputed every `refresh`) to addresses that are not
 * honeypots, and reports each connection that lasts `min_duration` or
 * moves `min_bytes` through fire() — the engine groups and cools them
 * down like every other rule (ap_alert_engine_flow).
 */
#ifndef AP_FWWATCH_H
#define AP_FWWATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rules.h"

struct ap_store;
struct ap_fwwatch;

typedef void (*ap_fwwatch_fire_fn)(void *ctx, const char *rule, const json_t *conn,
                                   int64_t ts_us);

/* name and c are copied.  st may be NULL (no store: the rule stays idle). */
int ap_fwwatch_start(const char *name, const struct ap_alert_rule_conf *c,
                     struct ap_store *st, ap_fwwatch_fire_fn fire, void *ctx,
                     struct ap_fwwatch **out);
const char *ap_fwwatch_name(const struct ap_fwwatch *w);
/* The settings it runs with, as ap_alert_rule_conf_json text (owned by w). */
const char *ap_fwwatch_settings(const struct ap_fwwatch *w);
void ap_fwwatch_stop(struct ap_fwwatch *w);

#endif
