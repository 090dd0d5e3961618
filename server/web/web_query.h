/*
 * Query parameters -> store filters.  The parsers are pure functions over
 * strings (unit-tested and fuzzed); web_filter_from_req applies them to a
 * request.  Numbers are typed here: "port=22" filters on the integer 22
 * (MHN compared strings, so numeric filters never matched).
 */
#ifndef AP_WEB_QUERY_H
#define AP_WEB_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct web_req;

/* Decimal integer in [min, max], whole string.  0 or AP_EINVAL. */
int web_parse_int(const char *s, long long min, long long max,
                  long long *out);
/* A time: ISO-8601, or seconds since the epoch (digits, optional
 * fraction).  0 or AP_EINVAL. */
int web_parse_time(const char *s, int64_t *us);
/* The time encoded in an event id (a ULID: the first 10 characters are
 * milliseconds).  0 or AP_EINVAL. */
int web_ulid_time_us(const char *id, int64_t *us);
/* Is s an IPv4 or IPv6 address in text form? */
int web_ip_ok(const char *s);

/*
 * Fill f from since/until/hours (or MHN hours_ago), sensor, honeypot,
 * type, session, src_ip (or ip), country, protocol, username, password,
 * command, url, sha256, signature, port, asn.  def_hours (0 = none) applies when no
 * time bound is given.  On a bad value writes a message to err and
 * returns AP_EINVAL.
 */
int web_filter_from_req(struct web_req *r, struct ap_filter *f,
                        int def_hours, char *err, size_t errlen);
/* sort=ts|src_ip|port|sensor|honeypot|country (default ts).  0 or
 * AP_EINVAL; web_sort_name gives the parameter value back. */
#define WEB_SORT_KEYS "ts, src_ip, port, sensor, honeypot, country"
int web_sort_from_req(struct web_req *r, enum ap_store_sort *out);
int web_sort_parse(const char *s, enum ap_store_sort *out);
const char *web_sort_name(enum ap_store_sort s);
/* limit/offset parameters, bounded by AP_STORE_MAX_LIMIT. */
int web_page_from_req(struct web_req *r, size_t def_limit, size_t *limit,
                      size_t *offset, char *err, size_t errlen);

#endif
