/*
 * Following a log file (server/intel/follow.c) on a real file: lines as
 * they are appended, a partial line held until its newline, an existing
 * file started at its end (with its first line handed over for a CSV
 * header), rotation by rename (the old file read to its end first, the
 * new one from its start), truncation, and over-long lines skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "follow.h"
#include "ap/common.h"

struct got {
    char lines[64][128];
    int n, files;
};

static void
on_line(void *ctx, const char *line, size_t n)
{
    struct got *g = ctx;

    if (g->n < 64)
        snprintf(g->lines[g->n++], sizeof(g->lines[0]), "%.*s", (int)(n > 120 ? 120 : n), line);
}

static void
on_file(void *ctx)
{
    ((struct got *)ctx)->files++;
}

static void
append(const char *path, const char *s)
{
    FILE *f = fopen(path, "a");

    ASSERT(f != NULL);
    fputs(s, f);
    fclose(f);
}

TEST(follow_rotation_truncation)
{
    char dir[] = "/tmp/ap_follow_XXXXXX", path[200], old[200], *big;
    struct got g;
    struct ap_follow_cb cb = {on_line, on_file, &g};
    struct ap_follow *f = NULL;
    uint64_t toolong, files;

    memset(&g, 0, sizeof(g));
    ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/fw.log", dir);
    snprintf(old, sizeof(old), "%s/fw.log.1", dir);
    append(path, "src,dst\nold1\nold2\n");
    ASSERT_EQ(ap_follow_open(path, 1, 1, &f), 0);
    /* at the end of the existing file: only its first line (the header) */
    ASSERT_EQ(ap_follow_poll(f, &cb, 1 << 20), 0);
    ASSERT_EQ(g.n, 1);
    ASSERT_STR_EQ(g.lines[0], "src,dst");
    ASSERT_EQ(g.files, 1);
    append(path, "a1\na2\npart");
    ASSERT_EQ(ap_follow_poll(f, &cb, 1 << 20), 2);
    append(path, "ial\n");
    ASSERT_EQ(ap_follow_poll(f, &cb, 1 << 20), 1);
    ASSERT_STR_EQ(g.lines[3], "partial");
    /* rename: the old file's tail (no newline) first, then the new file */
    append(path, "a3\ntail");
    ASSERT_EQ(rename(path, old), 0);
    append(path, "b1\n");
    ASSERT_EQ(ap_follow_poll(f, &cb, 1 << 20), 3);
    ASSERT_STR_EQ(g.lines[4], "a3");
    ASSERT_STR_EQ(g.lines[5], "tail");
    ASSERT_STR_EQ(g.lines[6], "b1");
    ASSERT_EQ(g.files, 2);
    /* truncation in place: from the start again */
    ASSERT_EQ(truncate(path, 0), 0);
    ASSERT_EQ(ap_follow_poll(f, &cb, 1 << 20), 0);
    ASSERT_EQ(g.files, 3);
    append(path, "c1\n");
    ASSERT_EQ(ap_follow_poll(f, &cb, 1 << 20), 1);
    ASSERT_STR_EQ(g.lines[7], "c1");
    /* an over-long line is skipped whole; the next one arrives */
    big = malloc(AP_FOLLOW_MAX_LINE * 2 + 2);
    ASSERT(big != NULL);
    memset(big, 'x', AP_FOLLOW_MAX_LINE * 2);
    big[AP_FOLLOW_MAX_LINE * 2] = '\n';
    big[AP_FOLLOW_MAX_LINE * 2 + 1] = '\0';
    append(path, big);
    free(big);
    append(path, "c2\n");
    ASSERT_EQ(ap_follow_poll(f, &cb, 1 << 22), 1);
    ASSERT_STR_EQ(g.lines[8], "c2");
    ap_follow_counts(f, &toolong, &files);
    ASSERT_EQ(toolong, 1);
    ASSERT_EQ(files, 3);
    /* the file gone: nothing, no error; it comes back: read from its start */
    ASSERT_EQ(unlink(path), 0);
    ASSERT_EQ(ap_follow_poll(f, &cb, 1 << 20), 0);
    append(path, "d1\n");
    ASSERT_EQ(ap_follow_poll(f, &cb, 1 << 20), 1);
    ASSERT_STR_EQ(g.lines[9], "d1");
    ap_follow_close(f);
    unlink(path);
    unlink(old);
    rmdir(dir);
}

int
main(void)
{
    RUN(follow_rotation_truncation);
    return DONE();
}
