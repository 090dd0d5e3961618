/*
 * Intel feeds from the store, for a time window and minus an exclude list
 * of address ranges (own scanners, test traffic):
 *  - MHN's /api/intel_feed/ JSON and its tab-separated CSV
 *    (mhn-reference.md C3), for the web API and `apiary export`;
 *  - a one-address-per-line blocklist (firewall external dynamic list);
 *  - a CSV of credentials (usernames, passwords, pairs, with counts);
 *  - STIX 2.1 bundles and MISP event JSON (stix.c).
 * Every row count is capped by the store (AP_STORE_MAX_LIMIT).
 */
#ifndef AP_INTEL_H
#define AP_INTEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ap/buf.h"
#include "ap/cidr.h"

struct ap_store;

struct ap_intel_opts {
    int64_t since_us, until_us;          /* 0: no bound */
    const struct ap_cidr_list *exclude;  /* may be NULL */
    size_t limit;                        /* sources / rows; 0 = 1000 */
};

/* {"data": [{source_ip, honeypot, protocol, destination_port, count,
 * meta: []}], "meta": {size, query: "intel_feed", options}} (owned). */
int ap_intel_feed(struct ap_store *st, const struct ap_intel_opts *o,
                  json_t **out);
/* MHN's CSV: "source_ip\tcount\ttags" then one row per source. */
int ap_intel_feed_csv(struct ap_store *st, const struct ap_intel_opts *o,
                      struct ap_buf *out);
/* One address per line, most active first. */
int ap_intel_blocklist(struct ap_store *st, const struct ap_intel_opts *o,
                       struct ap_buf *out);
/* "kind,value,username,password,count" rows (CSV, RFC 4180 quoting,
 * control bytes as \xNN, formula-leading cells prefixed with '). */
int ap_intel_creds_csv(struct ap_store *st, const struct ap_intel_opts *o,
                       struct ap_buf *out);
/* STIX 2.1 bundle (indicators + observed-data + sightings for source
 * addresses, URLs and SHA-256 hashes). */
int ap_intel_stix(struct ap_store *st, const struct ap_intel_opts *o,
                  int64_t now_us, json_t **out);
/* MISP event JSON ({"Event": {..., "Attribute": [...]}}). */
int ap_intel_misp(struct ap_store *st, const struct ap_intel_opts *o,
                  int64_t now_us, json_t **out);

/* Helpers shared with stix.c: the top values of dim (exclusions
 * applied, owned), and the first/last sightings of those rows' values in
 * one store query per 40 values (ap_store_seen): *out maps value ->
 * {"first_seen", "last_seen"} (owned). */
int ap_intel_top(struct ap_store *st, const struct ap_intel_opts *o,
                 const char *dim, json_t **out);
int ap_intel_seen(struct ap_store *st, const struct ap_intel_opts *o,
                  const char *field, const json_t *rows, json_t **out);

#endif
