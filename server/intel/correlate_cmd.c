/*
 * `apiary correlate --store URL --fw FILE [--format iptables|nft|csv]
 *  [--top N] [--days M] [--min-duration 30] [--min-bytes 1M]
 *  [--honeypots CIDR,...] [--output table|json|csv]`
 *
 * The top N source addresses of the last M days come from the store; the
 * honeypots' own addresses are the --honeypots ranges plus every
 * destination those sources hit in the store.  Every connection in the
 * firewall/flow log from one of those sources, not to a honeypot, that
 * lasted at least --min-duration seconds or moved --min-bytes is
 * reported.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "correlate.h"
#include "store.h"
#include "ap/conf.h"
#include "ap/err.h"
#include "ap/util.h"
#include "ap/common.h"

/* Longest log line read; longer lines are skipped and counted. */
#define FW_MAX_LINE 65536

int
ap_corr_store_honeypots(struct ap_store *st, const json_t *top, int64_t since,
                        struct ap_cidr_list *hp)
{
    struct ap_filter f;
    json_t *evs, *row, *e;
    size_t i, j;
    char err[128];

    json_array_foreach(top, i, row) {
        memset(&f, 0, sizeof(f));
        f.since_us = since;
        f.src_ip = json_string_value(json_object_get(row, "value"));
        if (f.src_ip == NULL || ap_store_events(st, &f, AP_STORE_MAX_LIMIT, 0, 0, &evs) != 0)
            continue;
        json_array_foreach(evs, j, e) {
            const char *d = json_string_value(json_object_get(e, "dst_ip"));
            if (d && !ap_cidr_list_match(hp, d))
                (void)ap_cidr_list_add(hp, d, err, sizeof(err));
        }
        json_decref(evs);
    }
    return 0;
}

static void
print_csv(const json_t *rep)
{
    const json_t *c;
    size_t i;

    printf("src,dst,proto,sport,dport,start,end,duration,bytes,packets,attacker_events\n");
    json_array_foreach(rep, i, c)
        printf("%s,%s,%s,%lld,%lld,%s,%s,%.3f,%lld,%lld,%lld\n",
               json_string_value(json_object_get(c, "src")),
               json_string_value(json_object_get(c, "dst")),
               json_string_value(json_object_get(c, "proto")),
               (long long)json_integer_value(json_object_get(c, "sport")),
               (long long)json_integer_value(json_object_get(c, "dport")),
               json_string_value(json_object_get(c, "start")),
               json_string_value(json_object_get(c, "end")),
               json_real_value(json_object_get(c, "duration")),
               (long long)json_integer_value(json_object_get(c, "bytes")),
               (long long)json_integer_value(json_object_get(c, "packets")),
               (long long)json_integer_value(json_object_get(c, "attacker_events")));
}

static void
print_table(const json_t *rep)
{
    const json_t *c;
    size_t i;

    printf("%-39s %-39s %-5s %5s %5s %-27s %10s %12s\n", "SOURCE", "DESTINATION",
           "PROTO", "SPORT", "DPORT", "START", "SECONDS", "BYTES");
    json_array_foreach(rep, i, c)
        printf("%-39s %-39s %-5s %5lld %5lld %-27s %10.1f %12lld\n",
               json_string_value(json_object_get(c, "src")),
               json_string_value(json_object_get(c, "dst")),
               json_string_value(json_object_get(c, "proto")),
               (long long)json_integer_value(json_object_get(c, "sport")),
               (long long)json_integer_value(json_object_get(c, "dport")),
               json_string_value(json_object_get(c, "start")),
               json_real_value(json_object_get(c, "duration")),
               (long long)json_integer_value(json_object_get(c, "bytes")));
    printf("%zu connection(s)\n", json_array_size(rep));
}

int
cmd_correlate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"store", required_argument, NULL, 's'},
        {"fw", required_argument, NULL, 'f'},
        {"format", required_argument, NULL, 'F'},
        {"top", required_argument, NULL, 'n'},
        {"days", required_argument, NULL, 'd'},
        {"min-duration", required_argument, NULL, 'D'},
        {"min-bytes", required_argument, NULL, 'B'},
        {"honeypots", required_argument, NULL, 'H'},
        {"output", required_argument, NULL, 'o'},
        {"year", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *store_url = NULL, *fw = NULL, *format = NULL, *output = "table";
    struct ap_cidr_list hp = {NULL, 0};
    struct ap_store *st = NULL;
    struct ap_corr *corr = NULL;
    struct ap_fw_reader rd;
    struct ap_fw_rec rec;
    struct ap_filter f;
    json_t *top = NULL, *rep = NULL;
    long long top_n = 10, days = 7, min_dur = 30;
    size_t min_bytes = 1024 * 1024, cap = 0, badlines = 0;
    char err[512], *line = NULL;
    ssize_t n;
    FILE *in = NULL;
    int c, rc = 1, year, r;
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    year = tm.tm_year + 1900;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            store_url = optarg;
            break;
        case 'f':
            fw = optarg;
            break;
        case 'F':
            format = optarg;
            break;
        case 'n':
            top_n = strtoll(optarg, NULL, 10);
            break;
        case 'd':
            days = strtoll(optarg, NULL, 10);
            break;
        case 'D':
            if (ap_conf_parse_secs(optarg, &min_dur) != 0)
                goto usage;
            break;
        case 'B':
            if (ap_conf_parse_size(optarg, &min_bytes) != 0)
                goto usage;
            break;
        case 'H':
            if (ap_cidr_list_add(&hp, optarg, err, sizeof(err)) != 0) {
                fprintf(stderr, "apiary correlate: --honeypots: %s\n", err);
                goto out;
            }
            break;
        case 'o':
            output = optarg;
            break;
        case 'y':
            year = (int)strtol(optarg, NULL, 10);
            break;
        case 'h':
            printf("usage: apiary correlate --store URL --fw FILE [--format iptables|nft|csv]\n"
                   "         [--top N] [--days M] [--min-duration SECS] [--min-bytes SIZE]\n"
                   "         [--honeypots CIDR,...] [--output table|json|csv] [--year Y]\n");
            rc = 0;
            goto out;
        default:
            goto usage;
        }
    }
    if (store_url == NULL || fw == NULL || top_n < 1 || top_n > AP_STORE_MAX_LIMIT ||
        days < 1 || (format && strcmp(format, "iptables") && strcmp(format, "nft") &&
                     strcmp(format, "csv")) ||
        (strcmp(output, "table") && strcmp(output, "json") && strcmp(output, "csv")))
        goto usage;
    (void)ap_fw_reader_init(&rd, format, year);
    if ((in = strcmp(fw, "-") == 0 ? stdin : fopen(fw, "r")) == NULL) {
        fprintf(stderr, "apiary correlate: %s: %s\n", fw, strerror(errno));
        goto out;
    }
    if (ap_store_open(store_url, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "apiary correlate: %s\n", err);
        goto out;
    }
    memset(&f, 0, sizeof(f));
    f.since_us = ap_now_us() - days * 86400LL * 1000000;
    if (ap_store_top(st, "src_ip", &f, (size_t)top_n, &top) != 0 ||
        ap_corr_store_honeypots(st, top, f.since_us, &hp) != 0 ||
        (corr = ap_corr_new(top, &hp)) == NULL) {
        fprintf(stderr, "apiary correlate: store query failed\n");
        goto out;
    }
    while ((n = getline(&line, &cap, in)) > 0) {
        if (n > FW_MAX_LINE) {
            badlines++;
            continue;
        }
        r = ap_fw_reader_line(&rd, line, (size_t)n, &rec);
        if (r == AP_ECONF) {
            fprintf(stderr, "apiary correlate: %s: the first line must be a CSV "
                    "header naming src and dst\n", fw);
            goto out;
        }
        if (r == 1)
            ap_corr_add(corr, &rec);
        else if (r < 0)
            badlines++;
    }
    rep = ap_corr_report(corr, (double)min_dur, (long long)min_bytes);
    if (rep == NULL)
        goto out;
    if (strcmp(output, "json") == 0) {
        char *s = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s)
            printf("%s\n", s);
        free(s);
    } else if (strcmp(output, "csv") == 0) {
        print_csv(rep);
    } else {
        print_table(rep);
    }
    {
        uint64_t seen, kept, over;
        ap_corr_counts(corr, &seen, &kept, &over);
        fprintf(stderr,
                "correlate: %zu attacker(s), %llu log record(s), %llu from attackers "
                "to non-honeypots, %zu bad line(s)%s\n",
                json_array_size(top), (unsigned long long)seen,
                (unsigned long long)kept, badlines, over ? ", flow cap reached" : "");
    }
    rc = 0;
    goto out;
usage:
    fprintf(stderr, "apiary correlate: bad arguments (see --help)\n");
    rc = 2;
out:
    free(line);
    if (in && in != stdin)
        fclose(in);
    json_decref(rep);
    json_decref(top);
    ap_corr_free(corr);
    if (st)
        ap_store_close(st);
    ap_cidr_list_free(&hp);
    return rc;
}
