#include "ap/err.h"
#include "ap/frame.h"
#include "harness.h"

TEST(lines)
{
    const uint8_t *p = (const uint8_t *)"USER root\r\nPASS x\nrest";
    size_t n = 0;

    ASSERT_EQ(ap_frame_line(p, 22, 100, &n), 11);
    ASSERT_EQ(n, 9);
    ASSERT_EQ(ap_frame_line(p + 11, 11, 100, &n), 7);
    ASSERT_EQ(n, 6);
    ASSERT_EQ(ap_frame_line(p + 18, 4, 100, &n), 0);
    ASSERT_EQ(ap_frame_line(p, 22, 5, &n), AP_ETOOBIG);
    ASSERT_EQ(ap_frame_line(p, 4, 5, &n), 0);
    ASSERT_EQ(ap_frame_line((const uint8_t *)"\n", 1, 5, &n), 1);
    ASSERT_EQ(n, 0);
    ASSERT_EQ(ap_frame_line((const uint8_t *)"\r\n", 2, 5, &n), 2);
    ASSERT_EQ(n, 0);
}

TEST(length_prefixed)
{
    /* NetBIOS-like: 4-byte header, be16 length at 2 not counting header */
    static const uint8_t f[] = {0, 0, 0, 3, 'a', 'b', 'c', 'X'};
    size_t i;

    ASSERT_EQ(ap_frame_len_be(f, sizeof(f), 2, 2, 4, 4, 100), 7);
    for (i = 0; i < 7; i++)
        ASSERT_EQ(ap_frame_len_be(f, i, 2, 2, 4, 4, 100), 0);
    ASSERT_EQ(ap_frame_len_be(f, sizeof(f), 2, 2, 4, 4, 6), AP_ETOOBIG);
    ASSERT_EQ(ap_frame_len_be(f, sizeof(f), 2, 2, 4, 8, 100), AP_EPROTO);
    ASSERT_EQ(ap_frame_len_be(f, sizeof(f), 0, 3, 0, 0, 100), AP_EINVAL);
}

TEST(be32_extremes)
{
    static const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 1};
    static const uint8_t zero[] = {0, 0, 0, 0, 1};

    ASSERT_EQ(ap_frame_len_be(big, 5, 0, 4, 0, 5, 1000), AP_ETOOBIG);
    ASSERT_EQ(ap_frame_len_be(zero, 5, 0, 4, 0, 5, 1000), AP_EPROTO);
}

int
main(void)
{
    RUN(lines);
    RUN(length_prefixed);
    RUN(be32_extremes);
    return DONE();
}
