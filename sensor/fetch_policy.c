/* Which addresses the download fetcher may reach (fetch.h). */
#include <stddef.h>

#include "ap/cidr.h"
#include "fetch.h"
#include "ap/common.h"

/* Addresses that are not the public internet (RFC 6890 and friends). */
static const char *const non_public[] = {
    "0.0.0.0/8",      "10.0.0.0/8",      "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "172.16.0.0/12",   "192.0.0.0/24",  "192.0.2.0/24",
    "192.88.99.0/24", "192.168.0.0/16",  "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4",     "240.0.0.0/4",   "::/128",
    "::1/128",        "64:ff9b::/96",    "100::/64",      "2001:db8::/32",
    "fc00::/7",       "fe80::/10",       "ff00::/8",
};

int
ap_fetch_addr_allowed(const char *ip, const struct ap_cidr_list *allow)
{
    struct ap_cidr c;
    size_t i;

    if (allow != NULL && ap_cidr_list_match(allow, ip))
        return 1;
    for (i = 0; i < AP_ARRAY_SIZE(non_public); i++)
        if (ap_cidr_parse(non_public[i], &c) == 0 && ap_cidr_match(&c, ip))
            return 0;
    return ap_cidr_parse(ip, &c) == 0; /* and it must be an address */
}
