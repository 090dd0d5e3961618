/*
 * mhn_compat: one cowrie.sessions message per ssh/telnet session, the
 * shape cowrie's hpfeeds output publishes when a session closes
 * (../shared/mhn-reference.md Part B), so MHN's mnemosyne and Apiary's own
 * cowrie.sessions adapter accept it.  Pure: built from the canonical
 * events the session emitted, so what MHN sees is what Apiary recorded.
 */
#ifndef AP_SENSOR_MHN_COMPAT_H
#define AP_SENSOR_MHN_COMPAT_H

#include <jansson.h>

#define MHN_COMPAT_CHANNEL "cowrie.sessions"

/* A new accumulator (a JSON object in cowrie's shape); NULL on ENOMEM. */
json_t *mhn_compat_new(void);
/* Fold one canonical event of the session in. */
void mhn_compat_observe(json_t *acc, const json_t *ev);
/* The message: sets endTime (ISO-8601 UTC) and returns acc with a new
 * reference, ready to publish. */
json_t *mhn_compat_finish(json_t *acc, const char *end_ts);

#endif
