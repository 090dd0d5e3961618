/*
 * `apiary deploykey add|list|revoke`: manage the deploy keys new sensor
 * hosts enroll with (deploykeys.h).  Works on server.db directly, so it
 * runs with or without the server started.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/util.h"
#include "commands.h"
#include "deploykeys.h"
#include "server.h"
#include "ap/common.h"

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: apiary deploykey add [--uses N] [--expires DURATION] "
            "[--note TEXT]\n"
            "       apiary deploykey list [--json]\n"
            "       apiary deploykey revoke ID\n"
            "  every form takes --data-dir DIR (default /var/lib/apiary)\n"
            "  --uses N          enrollments allowed (default unlimited)\n"
            "  --expires D       lifetime: 3600, 30m, 12h, 7d (default never)"
            "\n");
}

static int
open_db(const char *dir, sqlite3 **db)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "apiary deploykey: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    if (ap_server_db_open(dir, db) != 0 || ap_deploykeys_init(*db) != 0) {
        fprintf(stderr, "apiary deploykey: cannot open server.db in %s\n",
                dir);
        return 1;
    }
    return 0;
}

static int
do_list(sqlite3 *db, int as_json)
{
    json_t *a = NULL, *k;
    size_t i;
    char *s;

    if (ap_deploykey_list(db, ap_now_us(), &a) != 0) {
        fprintf(stderr, "apiary deploykey: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    if (as_json) {
        s = json_dumps(a, JSON_INDENT(2));
        if (s)
            printf("%s\n", s);
        free(s);
    } else {
        json_array_foreach(a, i, k) {
            printf("%s\t%s\tuses=%lld/%s\texpires=%s\t%s\n",
                   json_string_value(json_object_get(k, "id")),
                   json_is_true(json_object_get(k, "valid"))
                       ? "valid"
                       : json_is_true(json_object_get(k, "revoked"))
                             ? "revoked"
                             : "invalid",
                   (long long)json_integer_value(json_object_get(k, "uses")),
                   json_integer_value(json_object_get(k, "max_uses"))
                       ? "max"
                       : "unlimited",
                   json_is_string(json_object_get(k, "expires"))
                       ? json_string_value(json_object_get(k, "expires"))
                       : "never",
                   json_string_value(json_object_get(k, "note")));
        }
    }
    json_decref(a);
    return 0;
}

int
cmd_deploykey(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"uses", required_argument, NULL, 'u'},
        {"expires", required_argument, NULL, 'e'},
        {"note", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = "/var/lib/apiary", *note = "", *verb;
    char key[AP_DEPLOYKEY_LEN + 1], *end;
    long long uses = 0, life = 0;
    sqlite3 *db = NULL;
    int c, rc = 1, as_json = 0, r;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'u':
            uses = strtoll(optarg, &end, 10);
            if (*end || uses < 1) {
                fprintf(stderr, "apiary deploykey: --uses: a number >= 1\n");
                return 2;
            }
            break;
        case 'e':
            if (ap_conf_parse_secs(optarg, &life) != 0 || life < 1) {
                fprintf(stderr, "apiary deploykey: --expires: a duration "
                                "such as 3600, 30m, 12h or 7d\n");
                return 2;
            }
            break;
        case 'n':
            note = optarg;
            break;
        case 'j':
            as_json = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    verb = argv[optind];
    if (open_db(dir, &db) != 0)
        goto out;
    if (strcmp(verb, "add") == 0 && optind + 1 == argc) {
        if (ap_deploykey_add(db, note, uses, life, ap_now_us(), key) != 0) {
            fprintf(stderr, "apiary deploykey: %s\n", sqlite3_errmsg(db));
            goto out;
        }
        /* The key is shown once; only its hash is kept. */
        printf("%s\n", key);
        rc = 0;
    } else if (strcmp(verb, "list") == 0 && optind + 1 == argc) {
        rc = do_list(db, as_json);
    } else if (strcmp(verb, "revoke") == 0 && optind + 2 == argc) {
        r = ap_deploykey_revoke(db, argv[optind + 1]);
        if (r == AP_ENOENT)
            fprintf(stderr, "apiary deploykey: no key %s\n", argv[optind + 1]);
        else if (r != 0)
            fprintf(stderr, "apiary deploykey: %s\n", sqlite3_errmsg(db));
        else
            printf("revoked %.*s\n", AP_DEPLOYKEY_ID_LEN, argv[optind + 1]);
        rc = r == 0 ? 0 : 1;
    } else {
        usage(stderr);
        rc = 2;
    }
out:
    sqlite3_close(db);
    return rc;
}
