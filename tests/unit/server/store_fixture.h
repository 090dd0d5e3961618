/*
 * The store suites' fixture (test_store, test_store_sort, test_store_topk):
 * one engine per run -- SQLite files in a temp directory by default, or
 * databases on the throwaway PostgreSQL server tests/blackbox/pg.sh starts
 * (it sets AP_PG_URL_BASE) -- and a fresh, empty store per call.
 * Include after harness.h and store.h.
 */
#ifndef AP_TEST_STORE_FIXTURE_H
#define AP_TEST_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>
#include <sqlite3.h>

static char fx_tmpdir[256];
static const char *fx_pg_base; /* "postgresql://postgres@127.0.0.1:PORT" */
static char fx_url[512];       /* the store fx_open made last */
/* The suites' test data generator (xorshift64); a suite may seed it. */
static unsigned long long fx_rng = 0x2545f4914f6cdd1dULL;

/* A pseudo-random number in [0, n). */
static inline unsigned
fx_rnd(unsigned n)
{
    fx_rng ^= fx_rng << 13;
    fx_rng ^= fx_rng >> 7;
    fx_rng ^= fx_rng << 17;
    return (unsigned)(fx_rng % n);
}

/* Pick the engine and make the temp directory; prints which engine. */
static inline int
fx_init(const char *tag)
{
    const char *tmp = getenv("TMPDIR");

    fx_pg_base = getenv("AP_PG_URL_BASE");
    if (fx_pg_base != NULL && fx_pg_base[0] == '\0')
        fx_pg_base = NULL;
    snprintf(fx_tmpdir, sizeof(fx_tmpdir), "%s/apiary-%s.XXXXXX",
             tmp ? tmp : "/tmp", tag);
    if (mkdtemp(fx_tmpdir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    printf("engine: %s\n", fx_pg_base ? "postgresql" : "sqlite");
    return 0;
}

/* A new store called name (a file, or a database created for it). */
static inline struct ap_store *
fx_open(const char *name)
{
    struct ap_store *st = NULL;
    char err[512];

    if (fx_pg_base != NULL) {
        char admin[512], sql[128];
        PGconn *c;
        PGresult *r;

        snprintf(admin, sizeof(admin), "%s/postgres", fx_pg_base);
        c = PQconnectdb(admin);
        if (PQstatus(c) != CONNECTION_OK)
            TH_FAIL("postgres: %s", PQerrorMessage(c));
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
        r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            TH_FAIL("create database: %s", PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        snprintf(fx_url, sizeof(fx_url), "%s/%s", fx_pg_base, name);
    } else {
        snprintf(fx_url, sizeof(fx_url), "sqlite:%s/%s.db", fx_tmpdir, name);
    }
    if (ap_store_open(fx_url, &st, err, sizeof(err)) != 0)
        TH_FAIL("open %s: %s", fx_url, err);
    return st;
}

/* The next of a numbered series of fresh stores ("t1", "t2" ...). */
static inline struct ap_store *
fx_fresh(const char *prefix)
{
    static int seq;
    char name[64];

    snprintf(name, sizeof(name), "%s%d", prefix, ++seq);
    return fx_open(name);
}

/* The store fx_open made last, opened again (e.g. to run an upgrade). */
static inline struct ap_store *
fx_reopen(void)
{
    struct ap_store *st = NULL;
    char err[512];

    if (ap_store_open(fx_url, &st, err, sizeof(err)) != 0)
        TH_FAIL("open %s: %s", fx_url, err);
    return st;
}

static inline int
fx_count_row(void *ctx, int ncols, char **vals, char **names)
{
    (void)names;
    if (ncols > 0 && vals[0] != NULL)
        *(long long *)ctx = strtoll(vals[0], NULL, 10);
    return 0;
}

/* Run sql on the store's database behind its back (to fake an old
 * schema, or to look at a table): the first column of its one row, or
 * -1 when it returns none. */
static inline long long
fx_raw_query(const char *sql)
{
    long long n = -1;

    if (fx_pg_base != NULL) {
        PGconn *c = PQconnectdb(fx_url);
        PGresult *r;

        if (PQstatus(c) != CONNECTION_OK)
            TH_FAIL("postgres: %s", PQerrorMessage(c));
        r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK &&
            PQresultStatus(r) != PGRES_TUPLES_OK)
            TH_FAIL("%s: %s", sql, PQerrorMessage(c));
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
            n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        PQfinish(c);
    } else {
        sqlite3 *db = NULL;

        ASSERT_EQ(sqlite3_open(fx_url + 7, &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, sql, fx_count_row, &n, NULL), SQLITE_OK);
        sqlite3_close(db);
    }
    return n;
}

#define fx_raw_sql(sql) ((void)fx_raw_query(sql))

static inline void
fx_cleanup(void)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx_tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", fx_tmpdir);
}

#endif
