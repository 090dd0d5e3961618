/* Auth policy rules and the asciicast writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ap/err.h"
#include "auth_policy.h"
#include "ap/limits.h"
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

/* Past AP_LIMIT_TTYLOG the recording stops at a line boundary and says
 * so (the ttylog event's "truncated"); every line on disk stays JSON. */
TEST(asciicast_cap)
{
    char dir[] = "/tmp/ttylog-cap.XXXXXX";
    static char chunk[60000];
    struct ttylog t;
    struct stat st;
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    int i, bad = 0;

    ASSERT(mkdtemp(dir) != NULL);
    memset(chunk, 'x', sizeof(chunk));
    ASSERT_EQ(ttylog_open(&t, dir, "01CAP", 80, 24, "xterm", 0), 0);
    ASSERT_EQ(t.truncated, 0);
    for (i = 0; i < 100 && t.f != NULL; i++)
        ttylog_write(&t, 'o', chunk, sizeof(chunk), (int64_t)i * 1000);
    ASSERT(t.f == NULL);
    ASSERT_EQ(t.truncated, 1);
    ASSERT_EQ(stat(t.path, &st), 0);
    ASSERT((size_t)st.st_size <= AP_LIMIT_TTYLOG);
    ASSERT((size_t)st.st_size > AP_LIMIT_TTYLOG - sizeof(chunk) - 64);
    f = fopen(t.path, "r");
    ASSERT(f != NULL);
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        bad += j == NULL || line[strlen(line) - 1] != '\n';
        json_decref(j);
    }
    free(line);
    fclose(f);
    ASSERT_EQ(bad, 0);
    unlink(t.path);
    rmdir(dir);
}

int
main(void)
{
    RUN(rules_first_match);
    RUN(allow_after);
    RUN(asciicast);
    RUN(asciicast_cap);
    return DONE();
}
