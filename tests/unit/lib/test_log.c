#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "ap/log.h"
#include "harness.h"

TEST(attacker_bytes_cannot_forge_lines)
{
    char path[] = "/tmp/ap_log_XXXXXX", buf[4096];
    int fd = mkstemp(path), n, lines = 0, i;

    ASSERT(fd >= 0);
    close(fd);
    ASSERT_EQ(ap_log_set_file(path), 0);
    ap_log_info("login user=%s", "root\n2026-01-01 FAKE line\x1b[2J");
    ap_log_debug("hidden %d", 1);
    ap_log_set_file(NULL);
    fd = open(path, O_RDONLY);
    n = (int)read(fd, buf, sizeof(buf) - 1);
    close(fd);
    unlink(path);
    ASSERT(n > 0);
    buf[n] = 0;
    for (i = 0; i < n; i++)
        if (buf[i] == '\n')
            lines++;
    ASSERT_EQ(lines, 1);
    ASSERT(strstr(buf, "info test_attacker_bytes_cannot_forge_lines: login "
                       "user=root\\x0a2026-01-01 FAKE line\\x1b[2J") != NULL);
    ASSERT(strstr(buf, "hidden") == NULL);
}

TEST(levels)
{
    ASSERT_EQ(ap_log_level_parse("debug"), AP_LOG_DEBUG);
    ASSERT_EQ(ap_log_level_parse("warn"), AP_LOG_WARN);
    ASSERT_EQ(ap_log_level_parse("loud"), -1);
}

int
main(void)
{
    RUN(attacker_bytes_cannot_forge_lines);
    RUN(levels);
    return DONE();
}
