/* The telnet stream parser: data runs, IAC escapes, options,
 * subnegotiations, truncation at every byte, oversize SB. */
#include <string.h>

#include "ap/err.h"
#include "harness.h"
#include "telnet_parse.h"

#include "ap/common.h"

TEST(data_and_escapes)
{
    static const uint8_t in[] = {'a', 'b', TN_IAC, TN_IAC, 'c'};
    struct tn_item it;
    ASSERT_EQ(tn_parse(in, sizeof(in), &it), 2);
    ASSERT_EQ(it.kind, TN_ITEM_DATA);
    ASSERT_MEM_EQ(it.p, "ab", 2);
    ASSERT_EQ(tn_parse(in + 2, 3, &it), 2);
    ASSERT_EQ(it.kind, TN_ITEM_DATA);
    ASSERT_EQ(it.n, 1);
    ASSERT_EQ(it.p[0], 0xff);
    ASSERT_EQ(tn_parse(in + 4, 1, &it), 1);
}

TEST(options_and_commands)
{
    static const uint8_t in[] = {TN_IAC, TN_WILL, TN_OPT_TTYPE, TN_IAC,
                                 TN_DONT, TN_OPT_ECHO, TN_IAC, TN_AYT};
    struct tn_item it;
    ASSERT_EQ(tn_parse(in, sizeof(in), &it), 3);
    ASSERT_EQ(it.kind, TN_ITEM_OPT);
    ASSERT_EQ(it.cmd, TN_WILL);
    ASSERT_EQ(it.opt, TN_OPT_TTYPE);
    ASSERT_EQ(tn_parse(in + 3, 5, &it), 3);
    ASSERT_EQ(it.cmd, TN_DONT);
    ASSERT_EQ(tn_parse(in + 6, 2, &it), 2);
    ASSERT_EQ(it.kind, TN_ITEM_CMD);
    ASSERT_EQ(it.cmd, TN_AYT);
}

TEST(subnegotiation)
{
    static const uint8_t naws[] = {TN_IAC, TN_SB, TN_OPT_NAWS, 0, 200,
                                   0, TN_IAC, TN_IAC, TN_IAC, TN_SE};
    static const uint8_t tt[] = {TN_IAC, TN_SB, TN_OPT_TTYPE, 0, 'X', 'T',
                                 'E', 'R', 'M', TN_IAC, TN_SE};
    struct tn_item it;
    unsigned w, h;
    char name[16];
    ASSERT_EQ(tn_parse(naws, sizeof(naws), &it), (ssize_t)sizeof(naws));
    ASSERT_EQ(it.kind, TN_ITEM_SB);
    ASSERT_EQ(tn_sb_naws(&it, &w, &h), 0);
    ASSERT_EQ(w, 200);
    ASSERT_EQ(h, 255);
    ASSERT_EQ(tn_parse(tt, sizeof(tt), &it), (ssize_t)sizeof(tt));
    ASSERT_EQ(tn_sb_ttype(&it, name, sizeof(name)), 0);
    ASSERT_STR_EQ(name, "XTERM");
    ASSERT(tn_sb_naws(&it, &w, &h) < 0);
}

TEST(truncation_needs_more)
{
    static const uint8_t sb[] = {TN_IAC, TN_SB, TN_OPT_TTYPE, 0, 'a',
                                 TN_IAC, TN_SE};
    struct tn_item it;
    size_t n;
    for (n = 1; n < sizeof(sb); n++)
        ASSERT_EQ(tn_parse(sb, n, &it), 0);
    ASSERT_EQ(tn_parse(sb, 0, &it), 0);
    static const uint8_t opt[] = {TN_IAC, TN_DO};
    ASSERT_EQ(tn_parse(opt, 2, &it), 0);
}

TEST(malformed)
{
    static uint8_t big[TN_SB_MAX + 16];
    static const uint8_t bad[] = {TN_IAC, TN_SB, 1, 'x', TN_IAC, TN_WILL, 1};
    struct tn_item it;
    memset(big, 'a', sizeof(big));
    big[0] = TN_IAC;
    big[1] = TN_SB;
    ASSERT_EQ(tn_parse(big, sizeof(big), &it), AP_EPROTO);
    ASSERT_EQ(tn_parse(bad, sizeof(bad), &it), AP_EPROTO);
}

int
main(void)
{
    RUN(data_and_escapes);
    RUN(options_and_commands);
    RUN(subnegotiation);
    RUN(truncation_needs_more);
    RUN(malformed);
    return DONE();
}
