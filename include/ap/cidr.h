/* IPv4/IPv6 address ranges for exclude lists ("own scanners, test
 * traffic") and honeypot address sets.  Pure functions. */
#ifndef AP_CIDR_H
#define AP_CIDR_H

#include <stddef.h>
#include <stdint.h>

struct ap_cidr {
    int family; /* 4 or 6 */
    uint8_t addr[16];
    int bits;
};

/* "192.0.2.0/24", "2001:db8::/32" or a plain address.  0 or AP_EINVAL. */
int ap_cidr_parse(const char *s, struct ap_cidr *out);
/* Is the textual address ip inside c?  (IPv4-mapped IPv6 counts as v4.) */
int ap_cidr_match(const struct ap_cidr *c, const char *ip);

struct ap_cidr_list {
    struct ap_cidr *v;
    size_t n;
};
/* Parse a comma-separated list (appends).  0, or AP_EINVAL naming the bad
 * item in err. */
int ap_cidr_list_add(struct ap_cidr_list *l, const char *csv, char *err,
                     size_t errlen);
int ap_cidr_list_match(const struct ap_cidr_list *l, const char *ip);
void ap_cidr_list_free(struct ap_cidr_list *l);

#endif
