#include "ap/err.h"
#include "ap/rd.h"
#include "harness.h"

TEST(integers)
{
    static const uint8_t in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    struct ap_rd r;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;

    ap_rd_init(&r, in, sizeof(in));
    ASSERT_EQ(ap_rd_u8(&r, &u8), 0);
    ASSERT_EQ(u8, 1);
    ASSERT_EQ(ap_rd_be16(&r, &u16), 0);
    ASSERT_EQ(u16, 0x0203);
    ASSERT_EQ(ap_rd_le16(&r, &u16), 0);
    ASSERT_EQ(u16, 0x0504);
    ASSERT_EQ(ap_rd_be32(&r, &u32), 0);
    ASSERT_EQ(u32, 0x06070809);
    ASSERT_EQ(ap_rd_le32(&r, &u32), 0);
    ASSERT_EQ(u32, 0x0d0c0b0a);
    ASSERT_EQ(r.len, 2);
    ASSERT_EQ(ap_rd_le64(&r, &u64), AP_ESHORT);
    ASSERT_EQ(r.len, 2);
    ASSERT_EQ(ap_rd_be32(&r, &u32), AP_ESHORT);
    ASSERT_EQ(u32, 0x0d0c0b0a);
    ASSERT_EQ(ap_rd_be16(&r, &u16), 0);
    ASSERT_EQ(r.len, 0);
    ASSERT_EQ(ap_rd_u8(&r, &u8), AP_ESHORT);
}

TEST(s8_checks_length_before_use)
{
    /* length byte says 5, only 4 follow: the pwnlandia off-by-two */
    static const uint8_t bad[] = {5, 'a', 'b', 'c', 'd'};
    static const uint8_t good[] = {3, 'a', 'b', 'c', 'z'};
    const uint8_t *s = NULL, *rest;
    size_t n = 99;
    struct ap_rd r;

    ap_rd_init(&r, bad, sizeof(bad));
    ASSERT_EQ(ap_rd_s8(&r, &s, &n), AP_ESHORT);
    ASSERT_EQ(r.len, sizeof(bad));
    ASSERT(s == NULL);
    ASSERT_EQ(n, 99);
    ap_rd_init(&r, good, sizeof(good));
    ASSERT_EQ(ap_rd_s8(&r, &s, &n), 0);
    ASSERT_EQ(n, 3);
    ASSERT_MEM_EQ(s, "abc", 3);
    ap_rd_rest(&r, &rest, &n);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(rest[0], 'z');
    ap_rd_init(&r, good, 0);
    ASSERT_EQ(ap_rd_s8(&r, &s, &n), AP_ESHORT);
}

TEST(bytes_and_skip)
{
    static const uint8_t in[] = "abcdef";
    const uint8_t *v;
    struct ap_rd r;

    ap_rd_init(&r, in, 6);
    ASSERT_EQ(ap_rd_skip(&r, 2), 0);
    ASSERT_EQ(ap_rd_bytes(&r, 5, &v), AP_ESHORT);
    ASSERT_EQ(ap_rd_bytes(&r, 4, &v), 0);
    ASSERT_MEM_EQ(v, "cdef", 4);
    ASSERT_EQ(ap_rd_skip(&r, 1), AP_ESHORT);
    ASSERT_EQ(ap_rd_skip(&r, (size_t)-1), AP_ESHORT);
}

int
main(void)
{
    RUN(integers);
    RUN(s8_checks_length_before_use);
    RUN(bytes_and_skip);
    return DONE();
}
