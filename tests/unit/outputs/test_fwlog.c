/*
 * Firewall log parsers (iptables/nftables LOG lines, flow CSV), CIDR
 * matching, and the correlation aggregator with known answers.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "ap/cidr.h"
#include "correlate.h"
#include "fwlog.h"
#include "ap/err.h"
#include "ap/common.h"

#define L(s) s, strlen(s)

TEST(nflog_lines)
{
    struct ap_fw_rec r;

    ASSERT_EQ(ap_fw_parse_nflog(L("2026-11-29T08:00:01.500000+00:00 gw kernel: [1234.5] "
                                  "FW-OUT IN=eth1 OUT=eth0 MAC=00:11 SRC=10.0.0.5 "
                                  "DST=198.51.100.7 LEN=1500 TOS=0x00 PREC=0x00 TTL=63 "
                                  "ID=1 DF PROTO=TCP SPT=443 DPT=51234 WINDOW=501 RES=0x00 "
                                  "ACK URGP=0"),
                                2026, &r),
              1);
    ASSERT_STR_EQ(r.src, "10.0.0.5");
    ASSERT_STR_EQ(r.dst, "198.51.100.7");
    ASSERT_STR_EQ(r.proto, "tcp");
    ASSERT_EQ(r.sport, 443);
    ASSERT_EQ(r.dport, 51234);
    ASSERT_EQ(r.bytes, 1500);
    ASSERT_EQ(r.start_us, 1795939201500000LL);
    /* BSD timestamp, nftables prefix, IPv6, UDP with its own LEN later */
    ASSERT_EQ(ap_fw_parse_nflog(L("Nov 29 08:00:02 gw kernel: nft-drop IN=eth0 OUT= "
                                  "SRC=2001:db8::1 DST=2001:db8::2 LEN=80 TC=0 "
                                  "HOPLIMIT=64 FLOWLBL=0 PROTO=UDP SPT=53 DPT=5353 LEN=40\n"),
                                2026, &r),
              1);
    ASSERT_STR_EQ(r.src, "2001:db8::1");
    ASSERT_EQ(r.bytes, 80);
    ASSERT_STR_EQ(r.proto, "udp");
    ASSERT_EQ(r.start_us, 1795939202000000LL);
    /* not packet lines */
    ASSERT_EQ(ap_fw_parse_nflog(L("Nov 29 08:00:02 gw sshd[1]: Accepted password"), 2026, &r), 0);
    ASSERT_EQ(ap_fw_parse_nflog(L("garbage"), 2026, &r), 0);
    ASSERT_EQ(ap_fw_parse_nflog(L(""), 2026, &r), 0);
    /* broken packet lines */
    ASSERT_EQ(ap_fw_parse_nflog(L("Nov 29 08:00:02 gw kernel: SRC=1.2.3.999 DST=1.1.1.1 PROTO=TCP"),
                                2026, &r), AP_EINVAL);
    ASSERT_EQ(ap_fw_parse_nflog(L("Nov 29 08:00:02 gw kernel: SRC=1.2.3.4 DST=1.1.1.1 PROTO=TCP SPT=70000"),
                                2026, &r), AP_EINVAL);
    ASSERT_EQ(ap_fw_parse_nflog(L("Nov 29 08:00:02 gw kernel: SRC=1.2.3.4 PROTO=TCP"), 2026, &r),
              AP_EINVAL);
}

TEST(flow_csv)
{
    struct ap_fw_csv h;
    struct ap_fw_rec r;

    ASSERT_EQ(ap_fw_csv_header(L("start,end,src,dst,sport,dport,proto,bytes\n"), &h), 0);
    ASSERT_EQ(ap_fw_parse_csv(&h, L("2026-11-29T08:00:00Z,2026-11-29T08:05:00Z,203.0.113.5,"
                                    "10.1.1.1,40000,22,tcp,5000\r\n"), &r), 1);
    ASSERT_STR_EQ(r.src, "203.0.113.5");
    ASSERT_EQ(r.end_us - r.start_us, 300000000LL);
    ASSERT_EQ(r.bytes, 5000);
    ASSERT_EQ(ap_fw_parse_csv(&h, L("1795507200.25,1795507260,\"203.0.113.5\",10.1.1.1,1,2,udp,0"), &r), 1);
    ASSERT_EQ(r.start_us, 1795507200250000LL);
    ASSERT_EQ(r.end_us, 1795507260000000LL);
    ASSERT_EQ(ap_fw_parse_csv(&h, L("\n"), &r), 0);
    ASSERT_EQ(ap_fw_parse_csv(&h, L("2026-11-29T08:05:00Z,2026-11-29T08:00:00Z,1.2.3.4,5.6.7.8,1,2,tcp,1"), &r),
              AP_EINVAL); /* ends before it starts */
    ASSERT_EQ(ap_fw_parse_csv(&h, L("x,y,1.2.3.4,5.6.7.8,1,2,tcp,1"), &r), AP_EINVAL);
    ASSERT_EQ(ap_fw_csv_header(L("a,b,c"), &h), AP_EINVAL);
    ASSERT_EQ(ap_fw_csv_header(L("src_ip,dst_ip,first,last,octets"), &h), 0);
}

TEST(cidrs)
{
    struct ap_cidr_list l = {NULL, 0};
    char err[128];

    ASSERT_EQ(ap_cidr_list_add(&l, "10.0.0.0/8, 192.0.2.7,2001:db8::/32", err, sizeof(err)), 0);
    ASSERT(ap_cidr_list_match(&l, "10.200.3.4"));
    ASSERT(ap_cidr_list_match(&l, "::ffff:10.0.0.1"));
    ASSERT(ap_cidr_list_match(&l, "192.0.2.7"));
    ASSERT(!ap_cidr_list_match(&l, "192.0.2.8"));
    ASSERT(ap_cidr_list_match(&l, "2001:db8:ffff::1"));
    ASSERT(!ap_cidr_list_match(&l, "2001:db9::1"));
    ASSERT(!ap_cidr_list_match(&l, "not an ip"));
    ASSERT_EQ(ap_cidr_list_add(&l, "10.0.0.0/33", err, sizeof(err)), AP_EINVAL);
    ASSERT(strstr(err, "10.0.0.0/33") != NULL);
    ap_cidr_list_free(&l);
}

TEST(correlation_known_answer)
{
    json_t *top = json_pack("[{s:s,s:i},{s:s,s:i}]", "value", "203.0.113.5", "count", 900,
                            "value", "203.0.113.6", "count", 10);
    struct ap_cidr_list hp = {NULL, 0};
    struct ap_corr *c;
    struct ap_fw_rec r;
    json_t *rep;
    char err[64];
    int i;

    ap_cidr_list_add(&hp, "10.9.9.0/24", err, sizeof(err));
    c = ap_corr_new(top, &hp);
    memset(&r, 0, sizeof(r));
    snprintf(r.proto, sizeof(r.proto), "tcp");
    /* attacker .5 -> real server 10.1.1.1:22, 40 packets over 39 s */
    for (i = 0; i < 40; i++) {
        snprintf(r.src, sizeof(r.src), "203.0.113.5");
        snprintf(r.dst, sizeof(r.dst), "10.1.1.1");
        r.sport = 40000;
        r.dport = 22;
        r.start_us = r.end_us = 1000000000000LL + i * 1000000LL;
        r.bytes = 100;
        ap_corr_add(c, &r);
    }
    /* attacker .5 -> honeypot: ignored */
    snprintf(r.dst, sizeof(r.dst), "10.9.9.9");
    r.start_us = 1000000000000LL;
    r.end_us = r.start_us + 600000000LL;
    ap_corr_add(c, &r);
    /* attacker .6 -> short but big: 2 MB in 1 s */
    snprintf(r.src, sizeof(r.src), "203.0.113.6");
    snprintf(r.dst, sizeof(r.dst), "10.1.1.2");
    r.sport = 5555;
    r.dport = 443;
    r.end_us = r.start_us + 1000000;
    r.bytes = 2 * 1024 * 1024;
    ap_corr_add(c, &r);
    /* attacker .6 -> short and small: not reported */
    r.sport = 5556;
    r.bytes = 10;
    ap_corr_add(c, &r);
    /* not an attacker: ignored */
    snprintf(r.src, sizeof(r.src), "198.51.100.1");
    r.end_us = r.start_us + 3600000000LL;
    ap_corr_add(c, &r);

    rep = ap_corr_report(c, 30, 1024 * 1024);
    ASSERT_EQ(json_array_size(rep), 2);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(rep, 0), "src")), "203.0.113.5");
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(rep, 0), "packets")), 40);
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(rep, 0), "bytes")), 4000);
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(rep, 0), "attacker_events")), 900);
    ASSERT(json_real_value(json_object_get(json_array_get(rep, 0), "duration")) == 39.0);
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(rep, 1), "dport")), 443);
    json_decref(rep);
    /* stricter thresholds: only the long one */
    rep = ap_corr_report(c, 30, 100LL * 1024 * 1024);
    ASSERT_EQ(json_array_size(rep), 1);
    json_decref(rep);
    ap_corr_free(c);
    ap_cidr_list_free(&hp);
    json_decref(top);
}

/* The line reader shared by `apiary correlate` and the firewall rule:
 * format detection on line 1, a CSV header again after rotation, a CSV
 * file without a header refused. */
TEST(reader)
{
    static const char nf[] =
        "2026-11-29T08:00:01.000000+00:00 gw kernel: FW IN=eth0 OUT= SRC=203.0.113.5 "
        "DST=10.1.1.1 LEN=60 PROTO=TCP SPT=5000 DPT=22";
    struct ap_fw_reader rd;
    struct ap_fw_rec r;

    ASSERT_EQ(ap_fw_reader_init(&rd, "pcap", 2026), AP_EINVAL);
    ASSERT_EQ(ap_fw_reader_init(&rd, NULL, 2026), 0);
    ASSERT_EQ(ap_fw_reader_line(&rd, "src,dst,bytes", 13, &r), 0);
    ASSERT_EQ(ap_fw_reader_line(&rd, "203.0.113.5,10.1.1.1,500", 24, &r), 1);
    ASSERT_EQ(r.bytes, 500);
    ap_fw_reader_restart(&rd); /* detected again: now LOG lines */
    ASSERT_EQ(ap_fw_reader_line(&rd, nf, sizeof(nf) - 1, &r), 1);
    ASSERT_EQ(r.dport, 22);
    ASSERT_EQ(ap_fw_reader_init(&rd, "csv", 2026), 0);
    ASSERT_EQ(ap_fw_reader_line(&rd, "203.0.113.5,10.1.1.1", 20, &r), AP_ECONF);
    ASSERT_EQ(ap_fw_reader_line(&rd, "dst,src", 7, &r), 0);
    ASSERT_EQ(ap_fw_reader_line(&rd, "10.1.1.1,203.0.113.5", 20, &r), 1);
    ASSERT_STR_EQ(r.src, "203.0.113.5");
    ap_fw_reader_restart(&rd); /* a rotated CSV starts with its header */
    ASSERT_EQ(ap_fw_reader_line(&rd, "src,dst", 7, &r), 0);
    ASSERT_EQ(ap_fw_reader_line(&rd, "10.1.1.1,203.0.113.5", 20, &r), 1);
    ASSERT_STR_EQ(r.src, "10.1.1.1");
}

int
main(void)
{
    RUN(nflog_lines);
    RUN(flow_csv);
    RUN(cidrs);
    RUN(correlation_known_answer);
    RUN(reader);
    return DONE();
}
