/*
 * `apiary ident add|list|del|import`: manage hpfeeds idents in server.db
 * while the server runs or not (SQLite WAL + busy timeout; the broker
 * reads idents on every AUTH, so changes apply to the next connection).
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "ap/err.h"
#include "ap/escape.h"
#include "commands.h"
#include "idents.h"
#include "server.h"
#include "ap/common.h"

/* Import files are small (one record per sensor); refuse huge ones. */
#define IMPORT_MAX (64u * 1024u * 1024u)

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: apiary ident add NAME [--secret S] [--publish a,b]"
            " [--subscribe c] [--owner O]\n"
            "       apiary ident list\n"
            "       apiary ident del NAME\n"
            "       apiary ident import FILE   (hpfeeds3 JSON auth file or MHN"
            " auth_key JSON)\n"
            "  every form takes --data-dir DIR (default /var/lib/apiary)\n"
            "  add prints the secret once; list never shows secrets\n");
}

static int
open_db(const char *dir, sqlite3 **db)
{
    /* server.db and its -wal/-shm files hold secrets: owner only. */
    umask(077);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "apiary ident: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    if (ap_server_db_open(dir, db) != 0 || ap_idents_init(*db) != 0) {
        fprintf(stderr, "apiary ident: cannot open %s/server.db\n", dir);
        return 1;
    }
    return 0;
}

static void
print_list(const char *key, const struct ap_strlist *l)
{
    char esc[1024];
    size_t i;

    printf("\t%s=", key);
    for (i = 0; i < l->n; i++)
        printf("%s%s", i ? "," : "",
               ap_escape_cstr(esc, sizeof(esc), l->v[i], strlen(l->v[i])));
}

static int
list_one(void *ctx, const struct ap_ident *id)
{
    char esc[1024];

    (void)ctx;
    printf("%s", ap_escape_cstr(esc, sizeof(esc), id->name, strlen(id->name)));
    printf("\towner=%s",
           ap_escape_cstr(esc, sizeof(esc), id->owner, strlen(id->owner)));
    print_list("publish", &id->pub);
    print_list("subscribe", &id->sub);
    printf("\n");
    return 0;
}

static int
read_file(const char *path, struct ap_buf *b)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    uint8_t *p;
    size_t n;
    int r = 0;

    if (f == NULL)
        return AP_EIO;
    for (;;) {
        if ((r = ap_buf_reserve(b, 65536, &p)) != 0)
            break;
        n = fread(p, 1, 65536, f);
        ap_buf_commit(b, n);
        if (n == 0) {
            r = ferror(f) ? AP_EIO : 0;
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    return r;
}

int
cmd_ident(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"secret", required_argument, NULL, 's'},
        {"publish", required_argument, NULL, 'p'},
        {"subscribe", required_argument, NULL, 'u'},
        {"owner", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ap_strlist pub = {0}, sub = {0};
    const char *dir = "/var/lib/apiary", *secret = NULL, *owner = NULL, *verb;
    struct ap_buf text;
    sqlite3 *db = NULL;
    char *made = NULL, err[512];
    int c, rc = 2, r;

    ap_buf_init(&text, IMPORT_MAX);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 's':
            secret = optarg;
            break;
        case 'p':
            if (ap_strlist_split(&pub, optarg) != 0)
                goto out;
            break;
        case 'u':
            if (ap_strlist_split(&sub, optarg) != 0)
                goto out;
            break;
        case 'o':
            owner = optarg;
            break;
        case 'h':
            usage(stdout);
            rc = 0;
            goto out;
        default:
            usage(stderr);
            goto out;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        goto out;
    }
    verb = argv[optind++];
    if ((strcmp(verb, "list") == 0) != (optind == argc)) {
        usage(stderr);
        goto out;
    }
    if (strcmp(verb, "list") != 0 && optind + 1 != argc) {
        usage(stderr);
        goto out;
    }
    if (strcmp(verb, "add") && strcmp(verb, "list") && strcmp(verb, "del") &&
        strcmp(verb, "import")) {
        usage(stderr);
        goto out;
    }
    rc = 1;
    if (open_db(dir, &db) != 0)
        goto out;
    if (strcmp(verb, "add") == 0) {
        r = ap_ident_create(db, argv[optind], secret, &pub, &sub, owner, &made);
        if (r == AP_EEXIST)
            fprintf(stderr, "apiary ident: %s already exists\n", argv[optind]);
        else if (r == AP_EINVAL)
            fprintf(stderr, "apiary ident: names and channels must be 1..255"
                            " bytes\n");
        else if (r != 0)
            fprintf(stderr, "apiary ident: %s\n", ap_strerror(r));
        if (r != 0)
            goto out;
        /* The only time the secret is shown. */
        printf("ident: %s\nsecret: %s\n", argv[optind], made);
    } else if (strcmp(verb, "list") == 0) {
        if (ap_ident_foreach(db, list_one, NULL) != 0)
            goto out;
    } else if (strcmp(verb, "del") == 0) {
        if ((r = ap_ident_delete(db, argv[optind])) != 0) {
            fprintf(stderr, "apiary ident: %s: %s\n", argv[optind],
                    r == AP_ENOENT ? "no such ident" : ap_strerror(r));
            goto out;
        }
    } else {
        if (read_file(argv[optind], &text) != 0) {
            fprintf(stderr, "apiary ident: cannot read %s: %s\n", argv[optind],
                    strerror(errno));
            goto out;
        }
        r = ap_ident_import_json(db, (const char *)ap_buf_data(&text),
                                 ap_buf_len(&text), err, sizeof(err));
        if (r < 0) {
            fprintf(stderr, "apiary ident: %s: %s\n", argv[optind], err);
            goto out;
        }
        printf("imported %d idents\n", r);
    }
    rc = 0;
out:
    if (made) {
        memset(made, 0, strlen(made));
        free(made);
    }
    if (db)
        sqlite3_close(db);
    ap_strlist_free(&pub);
    ap_strlist_free(&sub);
    ap_buf_release(&text);
    return rc;
}
