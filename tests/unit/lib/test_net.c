#include <arpa/inet.h>
#include <unistd.h>

#include "ap/err.h"
#include "ap/net.h"
#include "harness.h"

TEST(parse_and_format)
{
    struct ap_addr a;
    char s[64];

    ASSERT_EQ(ap_addr_parse("127.0.0.1:10000", 1, &a), 0);
    ap_addr_format((struct sockaddr *)&a.ss, s, sizeof(s));
    ASSERT_STR_EQ(s, "127.0.0.1:10000");
    ASSERT_EQ(ap_addr_parse("[::1]:20000", 1, &a), 0);
    ap_addr_format((struct sockaddr *)&a.ss, s, sizeof(s));
    ASSERT_STR_EQ(s, "[::1]:20000");
    ASSERT_EQ(ap_addr_parse("10000", 1, &a), 0);
    ap_addr_format((struct sockaddr *)&a.ss, s, sizeof(s));
    ASSERT_STR_EQ(s, "[::]:10000");
    ASSERT_EQ(ap_addr_parse("localhost", 80, &a), 0);
    ap_addr_format((struct sockaddr *)&a.ss, s, sizeof(s));
    ASSERT_STR_EQ(s, "127.0.0.1:80");
    ASSERT_EQ(ap_addr_parse("::1", 22, &a), 0);
    ASSERT_EQ(ap_addr_port((struct sockaddr *)&a.ss), 22);
    ASSERT_EQ(ap_addr_parse("1.2.3.4:99999", 1, &a), AP_EINVAL);
    ASSERT_EQ(ap_addr_parse("example.com:80", 1, &a), AP_EINVAL);
    ASSERT_EQ(ap_addr_parse("[::1", 1, &a), AP_EINVAL);
    ASSERT_EQ(ap_addr_parse("1.2.3.4:", 1, &a), AP_EINVAL);
}

TEST(unmap)
{
    char ip[64] = "::ffff:1.2.3.4", ip2[64] = "::ffff:1:2", ip3[] = "::FFFF:10.0.0.1";

    ap_ip_unmap(ip);
    ASSERT_STR_EQ(ip, "1.2.3.4");
    ap_ip_unmap(ip2);
    ASSERT_STR_EQ(ip2, "::ffff:1:2");
    ap_ip_unmap(ip3);
    ASSERT_STR_EQ(ip3, "10.0.0.1");
}

TEST(listen_on_port_zero)
{
    struct ap_addr a;
    int fd = -1, fd6 = -1;

    ASSERT_EQ(ap_addr_parse("127.0.0.1:0", 0, &a), 0);
    ASSERT_EQ(ap_listen_tcp(&a, &fd), 0);
    ASSERT(ap_sock_port(fd) > 0);
    ASSERT_EQ(ap_addr_parse("[::1]:0", 0, &a), 0);
    if (ap_listen_tcp(&a, &fd6) == 0) {
        ASSERT(ap_sock_port(fd6) > 0);
        close(fd6);
    }
    close(fd);
}

int
main(void)
{
    RUN(parse_and_format);
    RUN(unmap);
    RUN(listen_on_port_zero);
    return DONE();
}
