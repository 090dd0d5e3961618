/*
 * `apiary user add|del|passwd|list --data-dir DIR`: manage web accounts
 * in server.db without a running server (first admin, lost password).
 * The password is read from the first line of stdin unless --password
 * is given (which leaves it in the process list: for scripts and tests).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ap/err.h"
#include "commands.h"
#include "server.h"
#include "web.h"
#include "web_users.h"
#include "ap/common.h"

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: apiary user add NAME [--role admin|viewer] --data-dir DIR\n"
            "       apiary user passwd NAME --data-dir DIR\n"
            "       apiary user del NAME --data-dir DIR\n"
            "       apiary user list --data-dir DIR\n"
            "  the password is read from stdin (or --password PW)\n");
}

static int
read_password(char *pw, size_t len)
{
    if (fgets(pw, (int)len, stdin) == NULL)
        return AP_EINVAL;
    pw[strcspn(pw, "\r\n")] = '\0';
    return 0;
}

int
cmd_user(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"role", required_argument, NULL, 'r'},
        {"password", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL, *role = "viewer", *verb, *name = NULL;
    char pw[WEB_PASSWORD_MAX + 2] = "";
    sqlite3 *db = NULL;
    json_t *list = NULL;
    size_t i;
    int c, rc = 1, r, ro;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'r':
            role = optarg;
            break;
        case 'p':
            snprintf(pw, sizeof(pw), "%s", optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (dir == NULL || optind >= argc) {
        usage(stderr);
        return 2;
    }
    verb = argv[optind];
    if (strcmp(verb, "list") != 0) {
        if (optind + 1 >= argc) {
            usage(stderr);
            return 2;
        }
        name = argv[optind + 1];
    }
    if ((ro = web_role_parse(role)) < 0) {
        fprintf(stderr, "apiary user: role must be admin or viewer\n");
        return 2;
    }
    if (sodium_init() < 0 || ap_server_db_open(dir, &db) != 0 ||
        web_users_schema(db) != 0) {
        fprintf(stderr, "apiary user: cannot open %s/server.db\n", dir);
        goto out;
    }
    if ((strcmp(verb, "add") == 0 || strcmp(verb, "passwd") == 0) &&
        pw[0] == '\0' && read_password(pw, sizeof(pw)) != 0) {
        fprintf(stderr, "apiary user: no password on stdin\n");
        goto out;
    }
    if (strcmp(verb, "add") == 0)
        r = web_user_add(db, name, pw, ro);
    else if (strcmp(verb, "passwd") == 0)
        r = web_user_set_password(db, name, pw);
    else if (strcmp(verb, "del") == 0)
        r = web_user_del(db, name);
    else if (strcmp(verb, "list") == 0) {
        if ((r = web_user_list(db, &list)) == 0)
            for (i = 0; i < json_array_size(list); i++)
                printf("%s %s\n",
                       json_string_value(
                           json_object_get(json_array_get(list, i), "name")),
                       json_string_value(
                           json_object_get(json_array_get(list, i), "role")));
        json_decref(list);
    } else {
        usage(stderr);
        rc = 2;
        goto out;
    }
    if (r == AP_EINVAL)
        fprintf(stderr, "apiary user: bad name, or password not 8-%d "
                        "characters\n", WEB_PASSWORD_MAX);
    else if (r == AP_EEXIST)
        fprintf(stderr, "apiary user: %s already exists\n", name);
    else if (r == AP_ENOENT)
        fprintf(stderr, "apiary user: no user %s\n", name);
    else if (r != 0)
        fprintf(stderr, "apiary user: %s\n", ap_strerror(r));
    rc = r == 0 ? 0 : 1;
out:
    sodium_memzero(pw, sizeof(pw));
    if (db)
        sqlite3_close(db);
    return rc;
}
