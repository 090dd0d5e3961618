/* The download fetcher reaches public addresses only, unless allowed. */
#include <string.h>

#include "ap/cidr.h"
#include "fetch.h"
#include "harness.h"
#include "ap/common.h"

TEST(public_addresses_pass)
{
    ASSERT_EQ(ap_fetch_addr_allowed("93.184.216.34", NULL), 1);
    ASSERT_EQ(ap_fetch_addr_allowed("2606:2800:220:1::1", NULL), 1);
    ASSERT_EQ(ap_fetch_addr_allowed("8.8.8.8", NULL), 1);
}

TEST(internal_addresses_refused)
{
    static const char *const no[] = {
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
        "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1",
        "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "192.0.2.1",
        "not an address", "",
    };
    size_t i;

    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        ASSERT_EQ(ap_fetch_addr_allowed(no[i], NULL), 0);
    /* 172.32/12 is public again */
    ASSERT_EQ(ap_fetch_addr_allowed("172.32.0.1", NULL), 1);
}

TEST(allow_list_opens_ranges)
{
    struct ap_cidr_list l;
    char err[128];

    memset(&l, 0, sizeof(l));
    ASSERT_EQ(ap_cidr_list_add(&l, "127.0.0.1/32, 10.0.0.0/8", err,
                               sizeof(err)), 0);
    ASSERT_EQ(ap_fetch_addr_allowed("127.0.0.1", &l), 1);
    ASSERT_EQ(ap_fetch_addr_allowed("127.0.0.2", &l), 0);
    ASSERT_EQ(ap_fetch_addr_allowed("10.9.9.9", &l), 1);
    ASSERT_EQ(ap_fetch_addr_allowed("192.168.0.1", &l), 0);
    ap_cidr_list_free(&l);
}

int
main(void)
{
    RUN(public_addresses_pass);
    RUN(internal_addresses_refused);
    RUN(allow_list_opens_ranges);
    return DONE();
}
