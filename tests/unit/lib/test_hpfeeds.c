/*
 * Every byte-exact vector of ../shared/mhn-reference.md A1.5/A1.6, each
 * encoded, decoded, and decoded at every truncation.
 */
#include "ap/err.h"
#include "ap/hpfeeds.h"
#include "ap/limits.h"
#include "harness.h"

#define MAXMSG AP_LIMIT_HPF_MSG

static const uint8_t zero_nonce[4] = {0, 0, 0, 0};

/* Every proper prefix of a valid frame is "need more", never an error. */
static void
check_truncations(const uint8_t *p, size_t n)
{
    struct hpf_msg m;
    size_t i;

    for (i = 0; i < n; i++)
        if (hpf_parse(p, i, MAXMSG, &m) != 0)
            TH_FAIL("prefix of %zu/%zu bytes was not 'need more'", i, n);
}

/* Encode with enc into a buffer and compare with the hex vector. */
static void
check_bytes(struct ap_buf *b, const char *hex)
{
    uint8_t want[256];
    size_t n = th_unhex(hex, want, sizeof(want));

    ASSERT_EQ(ap_buf_len(b), n);
    ASSERT_MEM_EQ(ap_buf_data(b), want, n);
    check_truncations(want, n);
}

TEST(info)
{
    const char *hex = "00000011 01 07 68706665656473 00000000";
    struct ap_buf b;
    struct hpf_msg m;

    ap_buf_init(&b, 1024);
    ASSERT_EQ(hpf_put_info(&b, "hpfeeds", 7, zero_nonce), 0);
    check_bytes(&b, hex);
    ASSERT_EQ(hpf_parse(ap_buf_data(&b), ap_buf_len(&b), MAXMSG, &m), 17);
    ASSERT_EQ(m.op, HPF_OP_INFO);
    ASSERT_EQ(m.name_len, 7);
    ASSERT_MEM_EQ(m.name, "hpfeeds", 7);
    ASSERT_EQ(m.data_len, 4);
    ASSERT_MEM_EQ(m.data, zero_nonce, 4);
    ap_buf_release(&b);
}

TEST(auth_vector)
{
    const char *hex = "00000021 02 07 636c69656e7431 "
                      "afaeae5fc761191be3f9cece5ffb70bc506942a4";
    uint8_t d[20];
    struct ap_buf b;
    struct hpf_msg m;

    hpf_auth_digest(zero_nonce, "password", 8, d);
    ap_buf_init(&b, 1024);
    ASSERT_EQ(hpf_put_auth(&b, "client1", 7, d), 0);
    check_bytes(&b, hex);
    ASSERT_EQ(hpf_parse(ap_buf_data(&b), ap_buf_len(&b), MAXMSG, &m), 33);
    ASSERT_EQ(m.op, HPF_OP_AUTH);
    ASSERT_MEM_EQ(m.ident, "client1", 7);
    ASSERT_EQ(m.data_len, 20);
    ASSERT_MEM_EQ(m.data, d, 20);
    ap_buf_release(&b);
}

TEST(publish_89_bytes)
{
    uint8_t payload[64];
    struct ap_buf b;
    struct hpf_msg m;
    uint8_t want[16];

    memset(payload, 0xab, sizeof(payload));
    ap_buf_init(&b, 1024);
    ASSERT_EQ(hpf_put_publish(&b, "b4aa2@hp1", 9, "mwcapture", 9, payload, 64),
              0);
    ASSERT_EQ(ap_buf_len(&b), 89);
    th_unhex("00000059 03 09 623461613240687031", want, sizeof(want));
    ASSERT_MEM_EQ(ap_buf_data(&b), want, 15);
    ASSERT_EQ(ap_buf_data(&b)[15], 9);
    ASSERT_MEM_EQ(ap_buf_data(&b) + 16, "mwcapture", 9);
    check_truncations(ap_buf_data(&b), ap_buf_len(&b));
    ASSERT_EQ(hpf_parse(ap_buf_data(&b), ap_buf_len(&b), MAXMSG, &m), 89);
    ASSERT_EQ(m.op, HPF_OP_PUBLISH);
    ASSERT_MEM_EQ(m.ident, "b4aa2@hp1", 9);
    ASSERT_MEM_EQ(m.channel, "mwcapture", 9);
    ASSERT_EQ(m.data_len, 64);
    ASSERT_MEM_EQ(m.data, payload, 64);
    ap_buf_release(&b);
}

TEST(subscribe_unsubscribe_error)
{
    struct ap_buf b;
    struct hpf_msg m;

    ap_buf_init(&b, 1024);
    ASSERT_EQ(hpf_put_subscribe(&b, "client1", 7, "mwcapture", 9), 0);
    check_bytes(&b, "00000016 04 07 636c69656e7431 6d7763617074757265");
    ASSERT_EQ(hpf_parse(ap_buf_data(&b), ap_buf_len(&b), MAXMSG, &m), 22);
    ASSERT_EQ(m.op, HPF_OP_SUBSCRIBE);
    ASSERT_MEM_EQ(m.channel, "mwcapture", 9);
    ap_buf_reset(&b);
    ASSERT_EQ(hpf_put_unsubscribe(&b, "client1", 7, "mwcapture", 9), 0);
    check_bytes(&b, "00000016 05 07 636c69656e7431 6d7763617074757265");
    ap_buf_reset(&b);
    ASSERT_EQ(hpf_put_error(&b, "Invalid ident", 13), 0);
    check_bytes(&b, "00000012 00 496e76616c6964206964656e74");
    ASSERT_EQ(hpf_parse(ap_buf_data(&b), ap_buf_len(&b), MAXMSG, &m), 18);
    ASSERT_EQ(m.op, HPF_OP_ERROR);
    ASSERT_EQ(m.data_len, 13);
    ap_buf_release(&b);
}

TEST(malformed_frames)
{
    static const uint8_t len0[] = {0, 0, 0, 0, 5, 1, 'a'};
    static const uint8_t len4[] = {0, 0, 0, 4, 3};
    static const uint8_t badop[] = {0, 0, 0, 5, 6};
    /* PUBLISH whose channel length overruns the frame */
    static const uint8_t overrun[] = {0, 0, 0, 9, 3, 1, 'a', 9, 'b'};
    /* AUTH with empty body */
    static const uint8_t noident[] = {0, 0, 0, 5, 2};
    /* SUBSCRIBE whose ident length overruns */
    static const uint8_t suboverrun[] = {0, 0, 0, 7, 4, 5, 'a'};
    /* a 2 GiB PUBLISH is refused from the header alone */
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 3};
    /* an oversize control frame (AUTH of 64 KiB) */
    static const uint8_t bigauth[] = {0, 1, 0, 0, 2};
    struct hpf_msg m;

    ASSERT_EQ(hpf_parse(len0, sizeof(len0), MAXMSG, &m), AP_EPROTO);
    ASSERT_EQ(hpf_parse(len4, sizeof(len4), MAXMSG, &m), AP_EPROTO);
    ASSERT_EQ(hpf_parse(badop, sizeof(badop), MAXMSG, &m), AP_EPROTO);
    ASSERT_EQ(hpf_parse(overrun, sizeof(overrun), MAXMSG, &m), AP_EPROTO);
    ASSERT_EQ(hpf_parse(noident, sizeof(noident), MAXMSG, &m), AP_EPROTO);
    ASSERT_EQ(hpf_parse(suboverrun, sizeof(suboverrun), MAXMSG, &m), AP_EPROTO);
    ASSERT_EQ(hpf_parse(huge, sizeof(huge), MAXMSG, &m), AP_ETOOBIG);
    ASSERT_EQ(hpf_frame(huge, sizeof(huge), MAXMSG), AP_ETOOBIG);
    ASSERT_EQ(hpf_parse(bigauth, sizeof(bigauth), MAXMSG, &m), AP_ETOOBIG);
}

TEST(limits_are_exact)
{
    uint8_t hdr[5] = {0, 0, 0, 0, 3};
    uint32_t max = AP_LIMIT_HPF_MSG;

    hdr[0] = (uint8_t)(max >> 24);
    hdr[1] = (uint8_t)(max >> 16);
    hdr[2] = (uint8_t)(max >> 8);
    hdr[3] = (uint8_t)max;
    ASSERT_EQ(hpf_frame(hdr, 5, AP_LIMIT_HPF_MSG), (ssize_t)max);
    max++;
    hdr[3] = (uint8_t)max;
    ASSERT_EQ(hpf_frame(hdr, 5, AP_LIMIT_HPF_MSG), AP_ETOOBIG);
}

TEST(two_frames_and_empty_payload)
{
    struct ap_buf b;
    struct hpf_msg m;
    ssize_t n;

    ap_buf_init(&b, 1024);
    ASSERT_EQ(hpf_put_publish(&b, "a", 1, "c", 1, "", 0), 0);
    ASSERT_EQ(hpf_put_subscribe(&b, "a", 1, "c", 1), 0);
    n = hpf_parse(ap_buf_data(&b), ap_buf_len(&b), MAXMSG, &m);
    ASSERT_EQ(n, 9);
    ASSERT_EQ(m.data_len, 0);
    ASSERT_EQ(hpf_parse(ap_buf_data(&b) + n, ap_buf_len(&b) - (size_t)n,
                        MAXMSG, &m),
              8);
    ASSERT_EQ(m.op, HPF_OP_SUBSCRIBE);
    ap_buf_release(&b);
}

TEST(strings_over_255_are_refused_not_truncated)
{
    char longname[300];
    struct ap_buf b;

    memset(longname, 'x', sizeof(longname));
    ap_buf_init(&b, 4096);
    ASSERT_EQ(hpf_put_publish(&b, longname, 256, "c", 1, "p", 1), AP_EINVAL);
    ASSERT_EQ(hpf_put_publish(&b, "i", 1, longname, 256, "p", 1), AP_EINVAL);
    ASSERT_EQ(ap_buf_len(&b), 0);
    ASSERT_EQ(hpf_put_publish(&b, longname, 255, longname, 255, "p", 1), 0);
    ASSERT_EQ(ap_buf_len(&b), 5 + 1 + 255 + 1 + 255 + 1);
    ap_buf_release(&b);
}

TEST(streaming_head)
{
    struct ap_buf b;
    struct hpf_msg m;

    ap_buf_init(&b, 1024);
    ASSERT_EQ(hpf_put_publish_head(&b, "id", 2, "ch", 2, 3), 0);
    ASSERT_EQ(ap_buf_append(&b, "abc", 3), 0);
    ASSERT_EQ(hpf_parse(ap_buf_data(&b), ap_buf_len(&b), MAXMSG, &m), 14);
    ASSERT_MEM_EQ(m.data, "abc", 3);
    ap_buf_release(&b);
}

int
main(void)
{
    RUN(info);
    RUN(auth_vector);
    RUN(publish_89_bytes);
    RUN(subscribe_unsubscribe_error);
    RUN(malformed_frames);
    RUN(limits_are_exact);
    RUN(two_frames_and_empty_payload);
    RUN(strings_over_255_are_refused_not_truncated);
    RUN(streaming_head);
    return DONE();
}
