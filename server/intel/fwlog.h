/*
 * Firewall and flow log parsers for `apiary correlate`: pure functions
 * over (bytes, length) of one line, fuzzed (tests/fuzz/fuzz_fwlog.c).
 *
 *  - iptables/nftables LOG lines (the kernel's nf_log format, the same
 *    for both: "... IN=eth0 OUT= SRC=a DST=b LEN=60 ... PROTO=TCP SPT=x
 *    DPT=y ..."), after an RFC 3339 ("2026-11-29T08:00:01.123+00:00") or
 *    BSD syslog ("Nov 29 08:00:01") timestamp.  One line is one packet.
 *  - CSV flow records with a header naming the columns: src, dst, sport,
 *    dport, proto, start, end, bytes (aliases: src_ip, dst_ip, src_port,
 *    dst_port, protocol, first, last, octets); times ISO 8601 or epoch
 *    seconds.
 */
#ifndef AP_FWLOG_H
#define AP_FWLOG_H

#include <stddef.h>
#include <stdint.h>

struct ap_fw_rec {
    char src[64], dst[64];
    int sport, dport;
    char proto[8];
    int64_t start_us, end_us;
    long long bytes;
};

/*
 * One LOG line.  year: for BSD timestamps, which have none.  Returns 1
 * with *r filled (start = end = the packet's time, bytes = LEN), 0 when
 * the line is not a packet log line, AP_EINVAL when it is one but broken.
 */
int ap_fw_parse_nflog(const char *line, size_t n, int year, struct ap_fw_rec *r);

struct ap_fw_csv {
    int col[8]; /* src dst sport dport proto start end bytes; -1 = absent */
};
/* Map the header's columns.  0, or AP_EINVAL if src or dst is missing. */
int ap_fw_csv_header(const char *line, size_t n, struct ap_fw_csv *h);
/* One data row: 1 with *r, 0 for an empty line, AP_EINVAL if malformed. */
int ap_fw_parse_csv(const struct ap_fw_csv *h, const char *line, size_t n,
                    struct ap_fw_rec *r);

/*
 * A whole log, line by line, as `apiary correlate` and the firewall alert
 * rule read it: the format given ("iptables", "nft", "csv") or detected on
 * the first line (a CSV header naming src and dst, else LOG lines).
 */
struct ap_fw_reader {
    int csv;    /* -1: not known yet; 0: LOG lines; 1: CSV */
    int fixed;  /* the format was given, not detected */
    int year;   /* for BSD syslog timestamps */
    int have_header;
    struct ap_fw_csv hdr;
};
/* format NULL: detect.  AP_EINVAL for an unknown format name. */
int ap_fw_reader_init(struct ap_fw_reader *rd, const char *format, int year);
/* A new file begins (rotation): a CSV file starts with its header again. */
void ap_fw_reader_restart(struct ap_fw_reader *rd);
/*
 * One line (without or with its newline): 1 with *r, 0 for nothing (a
 * header, a blank or non-packet line), AP_EINVAL for a malformed record,
 * AP_ECONF when a CSV file does not start with a usable header.
 */
int ap_fw_reader_line(struct ap_fw_reader *rd, const char *line, size_t n,
                      struct ap_fw_rec *r);

#endif
