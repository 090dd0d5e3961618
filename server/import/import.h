/*
 * `apiary import`: readers turn log files into (channel, payload, time)
 * messages, exactly what a live sensor would have published, so imported
 * and live data go through the same adapters and get the same ids.
 */
#ifndef AP_IMPORT_H
#define AP_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where a reader sends each message.  ident: the sensor the dump names
 * (hpfeeds dumps), or NULL for the importer's own ident. */
typedef int (*imp_emit_fn)(void *ctx, const char *ident, const char *channel,
                           const void *payload, size_t len, int64_t rx_us);

struct imp_counts {
    long long lines, bad_lines, messages;
};

/* cowrie JSON log (one "eventid" object per line), grouped into one
 * cowrie.sessions message per session plus apiary.events tunnel events
 * for cowrie.direct-tcpip.* (which cowrie.sessions cannot carry). */
int imp_cowrie(FILE *f, const char *ident, imp_emit_fn emit, void *ctx,
               struct imp_counts *n);
/* dionaea log_json lines -> dionaea.connections / dionaea.capture. */
int imp_dionaea(FILE *f, imp_emit_fn emit, void *ctx, struct imp_counts *n);
/* `apiary hpfeeds subscribe --json` output: {"ident","channel","payload"}
 * (or "payload_b64") per line. */
int imp_hpfeeds(FILE *f, imp_emit_fn emit, void *ctx, struct imp_counts *n);

/* "cowrie", "dionaea" or "hpfeeds" from the first line; NULL if unknown. */
const char *imp_detect(const char *first_line);

#endif
