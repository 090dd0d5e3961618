/*
 * `apiary export --store URL --format blocklist|intel|intel_csv|creds|
 *  stix|misp [--since T] [--until T] [--exclude CIDR,...] [--limit N]
 *  [-o FILE]`: intel feeds from the store (intel.h).  T is an ISO-8601
 * time or an age such as 24h or 7d; the default window is the last 24 h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "intel.h"
#include "store.h"
#include "ap/conf.h"
#include "ap/event.h"
#include "ap/util.h"
#include "ap/common.h"

static int
when(const char *s, int64_t *us)
{
    long long secs;

    if (ap_conf_parse_secs(s, &secs) == 0) {
        *us = ap_now_us() - secs * 1000000LL;
        return 0;
    }
    return ap_time_parse_iso(s, us);
}

int
cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"store", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},
        {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"exclude", required_argument, NULL, 'x'},
        {"limit", required_argument, NULL, 'n'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ap_cidr_list ex = {NULL, 0};
    struct ap_intel_opts o;
    struct ap_store *st = NULL;
    struct ap_buf b;
    const char *url = NULL, *fmt = NULL, *outp = NULL;
    json_t *doc = NULL;
    char err[512];
    FILE *out = stdout;
    int c, rc = 1, r;

    memset(&o, 0, sizeof(o));
    o.since_us = ap_now_us() - 86400LL * 1000000;
    ap_buf_init(&b, 256u * 1024 * 1024);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            url = optarg;
            break;
        case 'f':
            fmt = optarg;
            break;
        case 'S':
        case 'U':
            if (when(optarg, c == 'S' ? &o.since_us : &o.until_us) != 0) {
                fprintf(stderr, "apiary export: bad time '%s'\n", optarg);
                goto out;
            }
            break;
        case 'x':
            if (ap_cidr_list_add(&ex, optarg, err, sizeof(err)) != 0) {
                fprintf(stderr, "apiary export: --exclude: %s\n", err);
                goto out;
            }
            break;
        case 'n':
            o.limit = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'o':
            outp = optarg;
            break;
        case 'h':
            printf("usage: apiary export --store URL --format blocklist|intel|intel_csv|"
                   "creds|stix|misp\n"
                   "         [--since T] [--until T] [--exclude CIDR,...] [--limit N] "
                   "[-o FILE]\n");
            rc = 0;
            goto out;
        default:
            rc = 2;
            goto out;
        }
    }
    if (url == NULL || fmt == NULL) {
        fprintf(stderr, "apiary export: --store and --format are required\n");
        rc = 2;
        goto out;
    }
    o.exclude = &ex;
    if (ap_store_open(url, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "apiary export: %s\n", err);
        goto out;
    }
    if (strcmp(fmt, "blocklist") == 0)
        r = ap_intel_blocklist(st, &o, &b);
    else if (strcmp(fmt, "intel_csv") == 0)
        r = ap_intel_feed_csv(st, &o, &b);
    else if (strcmp(fmt, "creds") == 0)
        r = ap_intel_creds_csv(st, &o, &b);
    else if (strcmp(fmt, "intel") == 0)
        r = ap_intel_feed(st, &o, &doc);
    else if (strcmp(fmt, "stix") == 0)
        r = ap_intel_stix(st, &o, ap_now_us(), &doc);
    else if (strcmp(fmt, "misp") == 0)
        r = ap_intel_misp(st, &o, ap_now_us(), &doc);
    else {
        fprintf(stderr, "apiary export: unknown format '%s'\n", fmt);
        rc = 2;
        goto out;
    }
    if (r != 0) {
        fprintf(stderr, "apiary export: query failed (%d)\n", r);
        goto out;
    }
    if (doc != NULL) {
        char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s == NULL || ap_buf_puts(&b, s) != 0 || ap_buf_puts(&b, "\n") != 0) {
            free(s);
            goto out;
        }
        free(s);
    }
    if (outp && (out = fopen(outp, "w")) == NULL) {
        fprintf(stderr, "apiary export: %s: %s\n", outp, strerror(errno));
        goto out;
    }
    if (fwrite(ap_buf_data(&b), 1, ap_buf_len(&b), out) != ap_buf_len(&b) ||
        fflush(out) != 0) {
        fprintf(stderr, "apiary export: write failed\n");
        goto out;
    }
    rc = 0;
out:
    if (out && out != stdout)
        fclose(out);
    json_decref(doc);
    ap_buf_release(&b);
    if (st)
        ap_store_close(st);
    ap_cidr_list_free(&ex);
    return rc;
}
