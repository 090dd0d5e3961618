/* sensor/proto/tcp/tcp_parse.c: banner escapes. */
#include <string.h>

#include "harness.h"
#include "ap/err.h"
#include "tcp.h"

TEST(escapes)
{
    uint8_t out[64];

    ASSERT_EQ(tcp_banner_decode("220 ready\\r\\n", out, sizeof(out)), 11);
    ASSERT_MEM_EQ(out, "220 ready\r\n", 11);
    ASSERT_EQ(tcp_banner_decode("a\\x00\\xFFb\\\\\\t", out, sizeof(out)), 6);
    ASSERT_MEM_EQ(out, "a\0\xff" "b\\\t", 6);
    ASSERT_EQ(tcp_banner_decode("", out, sizeof(out)), 0);
}

TEST(bad_escapes_and_overflow)
{
    uint8_t out[4];

    ASSERT_EQ(tcp_banner_decode("\\q", out, sizeof(out)), AP_EINVAL);
    ASSERT_EQ(tcp_banner_decode("x\\", out, sizeof(out)), AP_EINVAL);
    ASSERT_EQ(tcp_banner_decode("\\x4", out, sizeof(out)), AP_EINVAL);
    ASSERT_EQ(tcp_banner_decode("\\xg0", out, sizeof(out)), AP_EINVAL);
    ASSERT_EQ(tcp_banner_decode("abcd", out, sizeof(out)), 4);
    ASSERT_EQ(tcp_banner_decode("abcde", out, sizeof(out)), AP_ETOOBIG);
}

int
main(void)
{
    RUN(escapes);
    RUN(bad_escapes_and_overflow);
    return DONE();
}
