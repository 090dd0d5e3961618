#include <stdlib.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "harness.h"

TEST(append_and_consume)
{
    struct ap_buf b;

    ap_buf_init(&b, 16);
    ASSERT_EQ(ap_buf_append(&b, "hello", 5), 0);
    ASSERT_EQ(ap_buf_len(&b), 5);
    ap_buf_consume(&b, 2);
    ASSERT_MEM_EQ(ap_buf_data(&b), "llo", 3);
    ASSERT_EQ(ap_buf_append(&b, " world", 6), 0);
    ASSERT_STR_EQ(ap_buf_cstr(&b), "llo world");
    ap_buf_consume(&b, 100);
    ASSERT_EQ(ap_buf_len(&b), 0);
    ap_buf_release(&b);
}

TEST(cap_is_hard)
{
    struct ap_buf b;
    int i;

    ap_buf_init(&b, 10);
    ASSERT_EQ(ap_buf_append(&b, "0123456789", 10), 0);
    ASSERT_EQ(ap_buf_append(&b, "x", 1), AP_ETOOBIG);
    ASSERT_EQ(ap_buf_len(&b), 10);
    ap_buf_consume(&b, 5);
    for (i = 0; i < 5; i++)
        ASSERT_EQ(ap_buf_put_u8(&b, 'a'), 0);
    ASSERT_EQ(ap_buf_put_u8(&b, 'a'), AP_ETOOBIG);
    ASSERT_MEM_EQ(ap_buf_data(&b), "56789aaaaa", 10);
    ASSERT(ap_buf_cstr(&b) != NULL);
    ASSERT_EQ(ap_buf_append(&b, "x", (size_t)-1), AP_ETOOBIG);
    ap_buf_release(&b);
}

TEST(integers_and_printf)
{
    struct ap_buf b;

    ap_buf_init(&b, 64);
    ASSERT_EQ(ap_buf_put_be16(&b, 0x0102), 0);
    ASSERT_EQ(ap_buf_put_be32(&b, 0x03040506), 0);
    ASSERT_MEM_EQ(ap_buf_data(&b), "\x01\x02\x03\x04\x05\x06", 6);
    ap_buf_reset(&b);
    ASSERT_EQ(ap_buf_printf(&b, "%s=%d", "a", 42), 0);
    ASSERT_STR_EQ(ap_buf_cstr(&b), "a=42");
    ASSERT_EQ(ap_buf_printf(&b, "%0100d", 1), AP_ETOOBIG);
    ASSERT_STR_EQ(ap_buf_cstr(&b), "a=42");
    ap_buf_release(&b);
}

TEST(grows_across_many_appends)
{
    struct ap_buf b;
    char chunk[1000];
    int i;

    memset(chunk, 'z', sizeof(chunk));
    ap_buf_init(&b, 1 << 20);
    for (i = 0; i < 1000; i++) {
        ASSERT_EQ(ap_buf_append(&b, chunk, sizeof(chunk)), 0);
        if (i % 3 == 0)
            ap_buf_consume(&b, 500);
    }
    ASSERT_EQ(ap_buf_len(&b), 1000 * 1000 - 334 * 500);
    ap_buf_release(&b);
}

int
main(void)
{
    RUN(append_and_consume);
    RUN(cap_is_hard);
    RUN(integers_and_printf);
    RUN(grows_across_many_appends);
    return DONE();
}
