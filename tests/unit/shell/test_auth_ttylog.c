/* Auth policy rules and the asciicast writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ap/err.h"
#include "auth_policy.h"
#include "harness.h"
#include "ttylog.h"

#include "ap/common.h"

TEST(rules_first_match)
{
    struct auth_policy p = {0};
    char err[128];
    ASSERT_EQ(auth_policy_add(&p, "root:!root", err, sizeof(err)), 0);
    ASSERT_EQ(auth_policy_add(&p, "root:*", err, sizeof(err)), 0);
    ASSERT_EQ(auth_policy_add(&p, "*:!123456", err, sizeof(err)), 0);
    ASSERT_EQ(auth_policy_add(&p, "adm?n:pass[0-9]", err, sizeof(err)), 0);
    ASSERT_EQ(auth_policy_check(&p, "root", "root", 0), 0);
    ASSERT_EQ(auth_policy_check(&p, "root", "x", 0), 1);
    ASSERT_EQ(auth_policy_check(&p, "admin", "123456", 0), 0);
    ASSERT_EQ(auth_policy_check(&p, "admin", "pass7", 0), 1);
    ASSERT_EQ(auth_policy_check(&p, "admin", "pass", 0), 0);
    ASSERT_EQ(auth_policy_check(&p, "nobody", "x", 0), 0);
    ASSERT(auth_policy_add(&p, "nocolon", err, sizeof(err)) < 0);
    ASSERT(strstr(err, "nocolon") != NULL);
    ASSERT(auth_policy_add(&p, ":x", err, sizeof(err)) < 0);
    auth_policy_free(&p);
}

TEST(allow_after)
{
    struct auth_policy p = {0};
    p.allow_after = 3;
    ASSERT_EQ(auth_policy_check(&p, "a", "b", 0), 0);
    ASSERT_EQ(auth_policy_check(&p, "a", "b", 2), 0);
    ASSERT_EQ(auth_policy_check(&p, "a", "b", 3), 1);
    auth_policy_free(&p);
}

TEST(asciicast)
{
    char dir[] = "/tmp/ttylog-test.XXXXXX";
    struct ttylog t;
    char line[512];
    FILE *f;
    json_t *j;
    json_error_t je;
    int lines = 0;

    ASSERT(mkdtemp(dir) != NULL);
    ASSERT_EQ(ttylog_open(&t, dir, "01SESSION", 100, 30, "xterm\"x", 1000000),
              0);
    ASSERT_EQ(ttylog_write(&t, 'o', "root@h:~# ", 10, 1500000), 0);
    ASSERT_EQ(ttylog_write(&t, 'i', "l\xffs\r\n\x1b", 6, 2000000), 0);
    ASSERT_EQ(ttylog_write(&t, 'o', "caf\xc3\xa9\n", 6, 2250000), 0);
    ASSERT_EQ(ttylog_resize(&t, 120, 40, 3000000), 0);
    ttylog_close(&t);
    ASSERT(strstr(t.path, "/01SESSION.cast") != NULL);
    {
        struct ttylog bad;
        ASSERT_EQ(ttylog_open(&bad, dir, "../x", 80, 24, NULL, 0), AP_EINVAL);
    }
    f = fopen(t.path, "r");
    ASSERT(f != NULL);
    while (fgets(line, sizeof(line), f)) {
        j = json_loads(line, 0, &je);
        if (j == NULL)
            TH_FAIL("line %d is not JSON: %s", lines, line);
        if (lines == 0) {
            ASSERT_EQ(json_integer_value(json_object_get(j, "version")), 2);
            ASSERT_EQ(json_integer_value(json_object_get(j, "width")), 100);
        } else if (lines == 1) {
            ASSERT(json_real_value(json_array_get(j, 0)) == 0.5);
            ASSERT_STR_EQ(json_string_value(json_array_get(j, 2)),
                          "root@h:~# ");
        } else if (lines == 2) {
            ASSERT_STR_EQ(json_string_value(json_array_get(j, 1)), "i");
            ASSERT_STR_EQ(json_string_value(json_array_get(j, 2)),
                          "l\xef\xbf\xbds\r\n\x1b");
        } else if (lines == 3) {
            ASSERT_STR_EQ(json_string_value(json_array_get(j, 2)),
                          "caf\xc3\xa9\n");
        }
        json_decref(j);
        lines++;
    }
    fclose(f);
    ASSERT_EQ(lines, 5);
    unlink(t.path);
    rmdir(dir);
}

int
main(void)
{
    RUN(rules_first_match);
    RUN(allow_after);
    RUN(asciicast);
    return DONE();
}
