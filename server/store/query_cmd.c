/*
 * `apiary query`: ask a store from the command line (operators, and the
 * tests of other components).  Prints one JSON document on stdout.
 *
 *   apiary query --store URL [filters] count
 *   apiary query --store URL [filters] top DIM
 *   apiary query --store URL [filters] events
 *   apiary query --store URL [filters] timeseries
 *   apiary query --store URL profile IP | sessions | session SENSOR ID |
 *                credentials | files | raw | raw-errors
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/util.h"
#include "commands.h"
#include "store.h"
#include "ap/common.h"

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: apiary query --store URL [options] COMMAND [ARGS]\n"
        "commands:\n"
        "  count                  number of matching events\n"
        "  top DIM                top values: src_ip dst_port honeypot sensor\n"
        "                         src_country src_asn protocol username\n"
        "                         password credential command url sha256\n"
        "                         signature type\n"
        "  events                 matching events (newest first)\n"
        "  timeseries             counts per --bucket (default 1h)\n"
        "  profile IP             everything about one source address\n"
        "  sessions               sessions (newest first)\n"
        "  session SENSOR ID      one session and its events in order\n"
        "  credentials            top usernames, passwords and pairs\n"
        "  files                  captured files (newest first)\n"
        "  raw                    unparsed payloads (newest first)\n"
        "  raw-errors             unparsed payloads per channel\n"
        "options:\n"
        "  --store URL            sqlite:/path/events.db, a path, or\n"
        "                         postgresql://user@host:port/db\n"
        "  --since T, --until T   ISO-8601 time, or an age such as 24h, 7d\n"
        "  --sensor S --honeypot H --type T --session S --src-ip A\n"
        "  --country CC --asn N --protocol P --port N --username U\n"
        "  --password P --command C --url U --sha256 H --channel C\n"
        "  --limit N (default 100, max %d)  --offset N  --asc\n"
        "  --bucket SECS          timeseries bucket (default 3600)\n",
        AP_STORE_MAX_LIMIT);
}

static int
parse_time(const char *s, long long *out)
{
    int64_t us;
    long long secs;

    if (ap_time_parse_iso(s, &us) == 0) {
        *out = us;
        return 0;
    }
    if (ap_conf_parse_secs(s, &secs) == 0 && secs >= 0) {
        *out = ap_now_us() - secs * 1000000LL;
        return 0;
    }
    return AP_EINVAL;
}

static int
parse_num(const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > max)
        return AP_EINVAL;
    *out = v;
    return 0;
}

int
cmd_query(int argc, char **argv)
{
    enum {
        O_STORE = 256, O_SINCE, O_UNTIL, O_SENSOR, O_HONEYPOT, O_TYPE,
        O_SESSION, O_SRC_IP, O_COUNTRY, O_ASN, O_PROTOCOL, O_PORT,
        O_USERNAME, O_PASSWORD, O_COMMAND, O_URL, O_SHA256, O_LIMIT,
        O_OFFSET, O_ASC, O_BUCKET, O_CHANNEL,
    };
    static const struct option longopts[] = {
        {"store", required_argument, NULL, O_STORE},
        {"since", required_argument, NULL, O_SINCE},
        {"until", required_argument, NULL, O_UNTIL},
        {"sensor", required_argument, NULL, O_SENSOR},
        {"honeypot", required_argument, NULL, O_HONEYPOT},
        {"type", required_argument, NULL, O_TYPE},
        {"session", required_argument, NULL, O_SESSION},
        {"src-ip", required_argument, NULL, O_SRC_IP},
        {"country", required_argument, NULL, O_COUNTRY},
        {"asn", required_argument, NULL, O_ASN},
        {"protocol", required_argument, NULL, O_PROTOCOL},
        {"port", required_argument, NULL, O_PORT},
        {"username", required_argument, NULL, O_USERNAME},
        {"password", required_argument, NULL, O_PASSWORD},
        {"command", required_argument, NULL, O_COMMAND},
        {"url", required_argument, NULL, O_URL},
        {"sha256", required_argument, NULL, O_SHA256},
        {"channel", required_argument, NULL, O_CHANNEL},
        {"limit", required_argument, NULL, O_LIMIT},
        {"offset", required_argument, NULL, O_OFFSET},
        {"asc", no_argument, NULL, O_ASC},
        {"bucket", required_argument, NULL, O_BUCKET},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ap_filter f;
    struct ap_store *st = NULL;
    const char *url = NULL, *cmd, *channel = NULL;
    long long v, limit = 100, offset = 0, bucket = 3600;
    json_t *out = NULL;
    char err[512];
    int c, asc = 0, rc;

    memset(&f, 0, sizeof(f));
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_STORE: url = optarg; break;
        case O_SINCE:
        case O_UNTIL:
            if (parse_time(optarg, &v) != 0) {
                fprintf(stderr, "apiary query: bad time '%s'\n", optarg);
                return 2;
            }
            if (c == O_SINCE)
                f.since_us = v;
            else
                f.until_us = v;
            break;
        case O_SENSOR: f.sensor = optarg; break;
        case O_HONEYPOT: f.honeypot = optarg; break;
        case O_TYPE: f.type = optarg; break;
        case O_SESSION: f.session = optarg; break;
        case O_SRC_IP: f.src_ip = optarg; break;
        case O_COUNTRY: f.src_country = optarg; break;
        case O_PROTOCOL: f.protocol = optarg; break;
        case O_USERNAME: f.username = optarg; break;
        case O_PASSWORD: f.password = optarg; break;
        case O_COMMAND: f.command = optarg; break;
        case O_URL: f.url = optarg; break;
        case O_SHA256: f.sha256 = optarg; break;
        case O_CHANNEL: channel = optarg; break;
        case O_ASC: asc = 1; break;
        case O_ASN:
        case O_PORT:
        case O_LIMIT:
        case O_OFFSET:
        case O_BUCKET:
            if (parse_num(optarg, 1, c == O_PORT ? 65535 : (1LL << 40), &v) !=
                    0 &&
                !(c == O_OFFSET && strcmp(optarg, "0") == 0)) {
                fprintf(stderr, "apiary query: bad number '%s'\n", optarg);
                return 2;
            }
            if (c == O_OFFSET && strcmp(optarg, "0") == 0)
                v = 0;
            if (c == O_ASN)
                f.src_asn = v;
            else if (c == O_PORT)
                f.dst_port = (int)v;
            else if (c == O_LIMIT)
                limit = v;
            else if (c == O_OFFSET)
                offset = v;
            else
                bucket = v;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (url == NULL || optind >= argc) {
        usage(stderr);
        return 2;
    }
    cmd = argv[optind];
    if (limit > AP_STORE_MAX_LIMIT)
        limit = AP_STORE_MAX_LIMIT;
    if ((rc = ap_store_open(url, &st, err, sizeof(err))) != 0) {
        fprintf(stderr, "apiary query: %s\n", err);
        return 1;
    }
    rc = AP_EINVAL;
    if (strcmp(cmd, "count") == 0 && optind + 1 == argc) {
        long long n;
        if ((rc = ap_store_count(st, &f, &n)) == 0)
            out = json_pack("{s:I}", "count", (json_int_t)n);
    } else if (strcmp(cmd, "top") == 0 && optind + 2 == argc) {
        rc = ap_store_top(st, argv[optind + 1], &f, (size_t)limit, &out);
    } else if (strcmp(cmd, "events") == 0 && optind + 1 == argc) {
        rc = ap_store_events(st, &f, (size_t)limit, (size_t)offset, asc,
                             &out);
    } else if (strcmp(cmd, "timeseries") == 0 && optind + 1 == argc) {
        rc = ap_store_timeseries(st, &f, bucket * 1000000LL, &out);
    } else if (strcmp(cmd, "profile") == 0 && optind + 2 == argc) {
        rc = ap_store_profile(st, argv[optind + 1], &out);
    } else if (strcmp(cmd, "sessions") == 0 && optind + 1 == argc) {
        rc = ap_store_sessions(st, &f, (size_t)limit, (size_t)offset, &out);
    } else if (strcmp(cmd, "session") == 0 && optind + 3 == argc) {
        rc = ap_store_session(st, argv[optind + 1], argv[optind + 2], &out);
    } else if (strcmp(cmd, "credentials") == 0 && optind + 1 == argc) {
        rc = ap_store_credentials(st, &f, (size_t)limit, &out);
    } else if (strcmp(cmd, "files") == 0 && optind + 1 == argc) {
        rc = ap_store_files(st, &f, (size_t)limit, (size_t)offset, &out);
    } else if (strcmp(cmd, "raw") == 0 && optind + 1 == argc) {
        rc = ap_store_raw(st, channel, &f, (size_t)limit, (size_t)offset,
                          &out);
    } else if (strcmp(cmd, "raw-errors") == 0 && optind + 1 == argc) {
        rc = ap_store_raw_errors(st, &out);
    } else {
        usage(stderr);
        ap_store_close(st);
        return 2;
    }
    if (rc == 0 && out == NULL)
        rc = AP_ENOMEM;
    if (rc == 0) {
        json_dumpf(out, stdout, JSON_COMPACT);
        fputc('\n', stdout);
    } else {
        fprintf(stderr, "apiary query %s: %s\n", cmd, ap_strerror(rc));
    }
    json_decref(out);
    ap_store_close(st);
    return rc == 0 ? 0 : 1;
}
