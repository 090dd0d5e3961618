/*
 * Firewall correlation: which connections did the top honeypot attackers
 * make to addresses that are not honeypots, and which of those lasted
 * long or moved a lot of data (the seed's use case: "did the scanner that
 * hammers our honeypots also get a session on a real server?").
 *
 * Pure: records in (fwlog.h), a report out; the CLI (correlate_cmd.c)
 * reads the store and the log files.
 */
#ifndef AP_CORRELATE_H
#define AP_CORRELATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ap/cidr.h"
#include "fwlog.h"

struct ap_corr;
struct ap_store;

/* (correlate_cmd.c, in the binary: it queries the store) Add to hp every
 * destination the sources of top (an ap_store_top list) hit since
 * `since`: those are honeypots. */
int ap_corr_store_honeypots(struct ap_store *st, const json_t *top, int64_t since,
                            struct ap_cidr_list *hp);

/* Flows tracked at most (later new flows are counted, not kept). */
#define AP_CORR_MAX_FLOWS 1000000u

/* attackers: JSON array of {"value": ip, "count": events} (ap_store_top
 * "src_ip"), borrowed for the aggregator's lifetime; honeypots: addresses
 * that are honeypots (borrowed). */
struct ap_corr *ap_corr_new(const json_t *attackers,
                            const struct ap_cidr_list *honeypots);
void ap_corr_free(struct ap_corr *c);

/* Add one record; packets of the same (src, dst, proto, sport, dport)
 * merge into one connection: first start, last end, bytes summed.
 * Records not from an attacker or to a honeypot are ignored. */
void ap_corr_add(struct ap_corr *c, const struct ap_fw_rec *r);

/* The same, and when the record was kept, its connection so far (the
 * merged record and its packet count): 1, else 0.  *reported (when
 * reported is set) points at a flag kept with the connection, for a
 * caller that reports each connection once; valid until the next call. */
int ap_corr_add_flow(struct ap_corr *c, const struct ap_fw_rec *r,
                     struct ap_fw_rec *flow, long long *packets, int **reported);
/* Continuous use: a new attacker list and honeypot list (borrowed, as in
 * ap_corr_new; connections tracked so far are kept), and forgetting the
 * connections not seen since before_us.  0 or AP_ENOMEM. */
int ap_corr_retarget(struct ap_corr *c, const json_t *attackers,
                     const struct ap_cidr_list *honeypots);
void ap_corr_prune(struct ap_corr *c, int64_t before_us);
/* The attacker's event count from the list, or -1 when not an attacker. */
long long ap_corr_attacker_events(const struct ap_corr *c, const char *ip);

/* Connections lasting at least min_duration_s or moving at least
 * min_bytes, sorted by source then start: a JSON array (owned) of {src,
 * dst, proto, sport, dport, start, end, duration, bytes, packets,
 * attacker_events}. */
json_t *ap_corr_report(struct ap_corr *c, double min_duration_s,
                       long long min_bytes);

/* Counters: records seen, kept (from attackers, not to honeypots), flows
 * dropped for the cap. */
void ap_corr_counts(const struct ap_corr *c, uint64_t *seen, uint64_t *kept,
                    uint64_t *overflow);

#endif
