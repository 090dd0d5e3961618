/*
 * Adapters: one pure function per hpfeeds channel that turns a payload
 * into canonical events (docs/EVENTS.md).  The table lives in registry.c;
 * ap_adapt() is the one entry point the collector, the importer, the
 * tests and the fuzzer call.
 */
#ifndef AP_ADAPTERS_H
#define AP_ADAPTERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ap_adapt_in {
    const char *channel;
    const char *ident;      /* authenticated hpfeeds ident = "sensor" */
    const uint8_t *payload;
    size_t len;
    int64_t rx_us;          /* receive time; event time when none given */
    /* Where mwbinary.dionaea.sensorunique files go (files/ab/cd/<sha256>);
     * NULL: the event is made, the file is not kept. */
    const char *files_dir;
};

/*
 * Adapt one payload.  Returns 0 and *out = a JSON array of validated
 * canonical events (owned; may be empty), or:
 *   AP_ENOENT  no adapter for this channel (err says so),
 *   AP_EINVAL  the payload cannot be understood (err says why),
 *   AP_ENOMEM.
 * Never crashes on any input.  Ids of events from foreign payloads are
 * derived from (ident, channel, payload, index), so a payload sent twice
 * yields the same ids; apiary.events keeps the sensor's ids.
 */
int ap_adapt(const struct ap_adapt_in *in, json_t **out, char *err,
             size_t errlen);

/* The i-th channel that has an adapter; NULL past the end. */
const char *ap_adapter_channel(size_t i);

/* The honeypot name an adapter reports for a channel, or NULL. */
const char *ap_adapter_honeypot(const char *channel);

#endif
