/*
 * The firewall alert rule's hot path: how many iptables LOG lines per
 * second one follower thread takes through follow.c (file reading and
 * line splitting), the shared line reader (fwlog.c) and the connection
 * merger (correlate.c), on a log written here: `--lines` packets from
 * `--sources` addresses (a tenth of them top honeypot sources), to 1000
 * destinations.  Prints lines/s and the connections tracked.
 *
 *   fw_bench [--lines N] [--sources N] [--smoke]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "correlate.h"
#include "follow.h"
#include "ap/util.h"
#include "ap/common.h"

struct ctx {
    struct ap_fw_reader rd;
    struct ap_corr *corr;
    long long lines, recs, kept;
};

static void
on_line(void *arg, const char *line, size_t n)
{
    struct ctx *c = arg;
    struct ap_fw_rec r, flow;
    long long packets;

    c->lines++;
    if (ap_fw_reader_line(&c->rd, line, n, &r) == 1) {
        c->recs++;
        c->kept += ap_corr_add_flow(c->corr, &r, &flow, &packets, NULL);
    }
}

static void
on_file(void *arg)
{
    ap_fw_reader_restart(&((struct ctx *)arg)->rd);
}

int
main(int argc, char **argv)
{
    long long lines = 2000000, sources = 5000, i;
    char path[] = "/tmp/ap_fw_bench_XXXXXX", ip[64];
    struct ap_cidr_list hp = {NULL, 0};
    struct ap_follow *fol = NULL;
    struct ctx c;
    json_t *top = json_array();
    FILE *f;
    int fd, k;
    double t0, t1;

    for (k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--lines") == 0 && k + 1 < argc)
            lines = strtoll(argv[++k], NULL, 10);
        else if (strcmp(argv[k], "--sources") == 0 && k + 1 < argc)
            sources = strtoll(argv[++k], NULL, 10);
        else if (strcmp(argv[k], "--smoke") == 0)
            lines = 20000, sources = 200;
        else {
            fprintf(stderr, "usage: fw_bench [--lines N] [--sources N] [--smoke]\n");
            return 2;
        }
    }
    if (lines < 1 || sources < 10 || top == NULL || (fd = mkstemp(path)) < 0 ||
        (f = fdopen(fd, "w")) == NULL)
        return 1;
    for (i = 0; i < sources / 10; i++) {
        snprintf(ip, sizeof(ip), "10.%lld.%lld.%lld", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        json_array_append_new(top, json_pack("{s:s, s:i}", "value", ip, "count", 100));
    }
    for (i = 0; i < lines; i++) {
        long long s = (i * 7919) % sources, d = (i * 104729) % 1000;
        fprintf(f,
                "2026-11-29T08:%02lld:%02lld.%06lld+00:00 gw kernel: [1.0] FW IN=eth0 OUT=eth1 "
                "SRC=10.%lld.%lld.%lld DST=192.0.%lld.%lld LEN=%lld TOS=0x00 PREC=0x00 TTL=50 "
                "ID=1 DF PROTO=TCP SPT=%lld DPT=443 WINDOW=1 RES=0x00 ACK URGP=0\n",
                (i / 60000) % 60, (i / 1000) % 60, (i % 1000) * 1000, (s >> 16) & 255,
                (s >> 8) & 255, s & 255, d / 250, d % 250 + 1, 40 + i % 1400,
                40000 + (i % 16));
    }
    fclose(f);
    memset(&c, 0, sizeof(c));
    ap_fw_reader_init(&c.rd, "iptables", 2026);
    if ((c.corr = ap_corr_new(top, &hp)) == NULL ||
        ap_follow_open(path, 0, 0, &fol) != 0)
        return 1;
    {
        const struct ap_follow_cb cb = {on_line, on_file, &c};
        t0 = (double)ap_mono_us() / 1e6;
        while (ap_follow_poll(fol, &cb, 4u << 20) > 0)
            ;
        t1 = (double)ap_mono_us() / 1e6;
    }
    printf("fw_bench: %lld lines (%lld records, %lld from top sources) in %.2f s: "
           "%.0f lines/s\n",
           c.lines, c.recs, c.kept, t1 - t0, (double)c.lines / (t1 - t0));
    ap_follow_close(fol);
    ap_corr_free(c.corr);
    json_decref(top);
    unlink(path);
    return c.lines == lines && c.recs == lines ? 0 : 1;
}
