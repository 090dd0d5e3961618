/* Route matching (server/web/web_match.c); the real table's roles are
 * checked end to end by tests/blackbox/web_auth.sh. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "web.h"
#include "ap/common.h"

static int h_a(struct web_req *r) { (void)r; return 0; }
static int h_b(struct web_req *r) { (void)r; return 1; }

static const struct web_route table[] = {
    {"GET", "/", WEB_ROLE_VIEWER, WEB_PAGE, h_a},
    {"GET", "/api/v1/attacker/<>", WEB_ROLE_VIEWER, 0, h_a},
    {"POST", "/api/v1/users/<>/password", WEB_ROLE_VIEWER, 0, h_b},
    {"DELETE", "/api/v1/users/<>", WEB_ROLE_ADMIN, 0, h_b},
    {"GET", "/api/session/<>/", WEB_ROLE_VIEWER, 0, h_a},
    {NULL, NULL, WEB_ROLE_PUBLIC, 0, NULL},
};

static const struct web_route *
find(const char *m, const char *p, char **args, int *n, int *mm)
{
    return web_route_find(table, m, p, args, n, mm);
}

TEST(root_and_literals)
{
    char *args[WEB_MAX_ARGS];
    int n, mm;

    ASSERT(find("GET", "/", args, &n, &mm) == &table[0]);
    ASSERT_EQ(n, 0);
    ASSERT(find("GET", "", args, &n, &mm) == NULL);
    ASSERT(find("GET", "/nothing", args, &n, &mm) == NULL);
    ASSERT_EQ(mm, 0);
    ASSERT(find("HEAD", "/", args, &n, &mm) == &table[0]);
}

TEST(args_and_trailing_slash)
{
    char *args[WEB_MAX_ARGS];
    int n, mm;

    ASSERT(find("GET", "/api/v1/attacker/1.2.3.4", args, &n, &mm) ==
           &table[1]);
    ASSERT_EQ(n, 1);
    ASSERT_STR_EQ(args[0], "1.2.3.4");
    web_route_args_free(args, n);
    /* MHN paths with and without their trailing slash */
    ASSERT(find("GET", "/api/session/X/", args, &n, &mm) == &table[4]);
    ASSERT_STR_EQ(args[0], "X");
    web_route_args_free(args, n);
    ASSERT(find("GET", "/api/session/X", args, &n, &mm) == &table[4]);
    web_route_args_free(args, n);
    ASSERT(find("POST", "/api/v1/users/bob/password", args, &n, &mm) ==
           &table[2]);
    ASSERT_STR_EQ(args[0], "bob");
    web_route_args_free(args, n);
}

TEST(no_partial_or_extra_segments)
{
    char *args[WEB_MAX_ARGS];
    int n, mm;

    ASSERT(find("GET", "/api/v1/attacker", args, &n, &mm) == NULL);
    ASSERT(find("GET", "/api/v1/attacker/a/b", args, &n, &mm) == NULL);
    ASSERT(find("GET", "/api/v1/attackerx/a", args, &n, &mm) == NULL);
    ASSERT(find("GET", "/api//v1/attacker/a", args, &n, &mm) == NULL);
    ASSERT(find("GET", "/api/v1/../v1/attacker/a", args, &n, &mm) == NULL);
}

TEST(method_mismatch)
{
    char *args[WEB_MAX_ARGS];
    int n, mm;

    ASSERT(find("GET", "/api/v1/users/bob", args, &n, &mm) == NULL);
    ASSERT_EQ(mm, 1);
    ASSERT(find("DELETE", "/api/v1/users/bob", args, &n, &mm) == &table[3]);
    web_route_args_free(args, n);
}

int
main(void)
{
    RUN(root_and_literals);
    RUN(args_and_trailing_slash);
    RUN(no_partial_or_extra_segments);
    RUN(method_mismatch);
    return DONE();
}
