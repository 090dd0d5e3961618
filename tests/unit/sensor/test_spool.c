/* sensor/spool.c and sensor/spool_rec.c: record codec battery, then the
 * file behaviour (append, read, ack, restart, corruption, full). */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ap/buf.h"
#include "ap/err.h"
#include "spool.h"

static char dir[256];

static void
fresh_dir(void)
{
    char cmd[512];

    snprintf(dir, sizeof(dir), "/tmp/apiary-spool-test.%d", (int)getpid());
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        TH_FAIL("rm failed");
}

static void
cleanup(void)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("cleanup failed\n");
}

static struct ap_spool *
open_spool(size_t max, size_t seg)
{
    struct ap_spool *sp = NULL;
    char err[256] = "";

    if (ap_spool_open(dir, max, seg, AP_SPOOL_FSYNC_NEVER, &sp, err,
                      sizeof(err)) != 0)
        TH_FAIL("open: %s", err);
    return sp;
}

TEST(rec_roundtrip_and_truncations)
{
    struct ap_buf b;
    struct ap_spool_rec r;
    size_t n;

    ap_buf_init(&b, 4096);
    ASSERT_EQ(ap_spool_rec_put(&b, 7, "{\"a\":1}", 7), 0);
    ASSERT_EQ(ap_spool_rec_put(&b, 8, "xy", 2), 0);
    ASSERT_EQ(ap_spool_rec_parse(ap_buf_data(&b), ap_buf_len(&b), 1024, &r),
              AP_SPOOL_REC_HDR + 7);
    ASSERT_EQ(r.seq, 7);
    ASSERT_EQ(r.len, 7);
    ASSERT_MEM_EQ(r.data, "{\"a\":1}", 7);
    /* two records in one buffer */
    ASSERT_EQ(ap_spool_rec_parse(ap_buf_data(&b) + AP_SPOOL_REC_HDR + 7,
                                 ap_buf_len(&b) - AP_SPOOL_REC_HDR - 7, 1024,
                                 &r),
              AP_SPOOL_REC_HDR + 2);
    ASSERT_EQ(r.seq, 8);
    /* every truncation needs more */
    for (n = 0; n < AP_SPOOL_REC_HDR + 7; n++)
        ASSERT_EQ(ap_spool_rec_parse(ap_buf_data(&b), n, 1024, &r), 0);
    ap_buf_release(&b);
}

TEST(rec_rejects_bad_lengths_and_crc)
{
    struct ap_buf b;
    struct ap_spool_rec r;
    uint8_t *p;

    ap_buf_init(&b, 4096);
    ASSERT_EQ(ap_spool_rec_put(&b, 1, "hello", 5), 0);
    p = (uint8_t *)ap_buf_data(&b);
    /* flipped payload bit -> CRC mismatch */
    p[AP_SPOOL_REC_HDR] ^= 1;
    ASSERT_EQ(ap_spool_rec_parse(p, ap_buf_len(&b), 1024, &r), AP_EPROTO);
    p[AP_SPOOL_REC_HDR] ^= 1;
    /* flipped sequence bit -> CRC mismatch too */
    p[15] ^= 2;
    ASSERT_EQ(ap_spool_rec_parse(p, ap_buf_len(&b), 1024, &r), AP_EPROTO);
    p[15] ^= 2;
    /* length 0, over max, 0xffffffff */
    memcpy(p, "\0\0\0\0", 4);
    ASSERT_EQ(ap_spool_rec_parse(p, ap_buf_len(&b), 1024, &r), AP_EPROTO);
    memcpy(p, "\0\0\x04\x01", 4);
    ASSERT_EQ(ap_spool_rec_parse(p, ap_buf_len(&b), 1024, &r), AP_EPROTO);
    memcpy(p, "\xff\xff\xff\xff", 4);
    ASSERT_EQ(ap_spool_rec_parse(p, ap_buf_len(&b), (size_t)-1, &r),
              AP_EPROTO);
    /* sequence 0 is never written */
    ap_buf_reset(&b);
    ASSERT_EQ(ap_spool_rec_put(&b, 0, "x", 1), AP_EINVAL);
    ASSERT_EQ(ap_spool_rec_put(&b, 1, "x", 0), AP_EINVAL);
    ap_buf_release(&b);
}

TEST(append_read_ack_restart)
{
    struct ap_spool *sp;
    struct ap_spool_rec r;
    struct ap_spool_stats st;
    char ev[64];
    int i, n;

    fresh_dir();
    sp = open_spool(1 << 20, 4096);
    ASSERT_EQ(ap_spool_next_seq(sp), 1);
    for (i = 1; i <= 300; i++) {
        n = snprintf(ev, sizeof(ev), "{\"n\":%d}", i);
        ASSERT_EQ(ap_spool_append(sp, ev, (size_t)n), 0);
    }
    ap_spool_stats(sp, &st);
    ASSERT_EQ(st.pending, 300);
    ASSERT(st.segments > 1); /* 4 KiB segments rolled */
    for (i = 1; i <= 300; i++) {
        ASSERT_EQ(ap_spool_next(sp, &r), 0);
        ASSERT_EQ(r.seq, (uint64_t)i);
    }
    ASSERT_EQ(ap_spool_next(sp, &r), AP_ENOENT);
    ap_spool_ack(sp, 250);
    ap_spool_stats(sp, &st);
    ASSERT_EQ(st.pending, 50);
    ap_spool_rewind(sp);
    ASSERT_EQ(ap_spool_next(sp, &r), 0);
    ASSERT_EQ(r.seq, 251);
    ap_spool_free(sp);

    /* restart: sequence continues, acked survives, replay starts at 251 */
    sp = open_spool(1 << 20, 4096);
    ASSERT_EQ(ap_spool_next_seq(sp), 301);
    ASSERT_EQ(ap_spool_acked(sp), 250);
    ASSERT_EQ(ap_spool_next(sp, &r), 0);
    ASSERT_EQ(r.seq, 251);
    /* acking everything keeps the sequence across a restart */
    ap_spool_ack(sp, 300);
    ap_spool_free(sp);
    sp = open_spool(1 << 20, 4096);
    ASSERT_EQ(ap_spool_next_seq(sp), 301);
    ASSERT_EQ(ap_spool_next(sp, &r), AP_ENOENT);
    /* an ack beyond what exists (a reset server) is clamped */
    ap_spool_ack(sp, 99999);
    ASSERT_EQ(ap_spool_acked(sp), 300);
    ap_spool_free(sp);
    cleanup();
}

TEST(full_spool_refuses_and_counts)
{
    struct ap_spool *sp;
    struct ap_spool_stats st;
    char ev[1000];
    int i, ok = 0, full = 0, r;

    fresh_dir();
    memset(ev, 'a', sizeof(ev));
    sp = open_spool(65536, 8192);
    for (i = 0; i < 100; i++) {
        r = ap_spool_append(sp, ev, sizeof(ev));
        if (r == 0)
            ok++;
        else if (r == AP_EFULL)
            full++;
        else
            TH_FAIL("append: %d", r);
    }
    ASSERT(ok > 50 && ok < 66);
    ASSERT_EQ(ok + full, 100);
    ap_spool_stats(sp, &st);
    ASSERT_EQ(st.refused_full, (uint64_t)full);
    ASSERT(st.bytes <= 65536);
    /* acknowledging frees room again */
    ap_spool_ack(sp, (uint64_t)ok);
    ASSERT_EQ(ap_spool_append(sp, ev, sizeof(ev)), 0);
    /* oversize events are refused, never truncated */
    ASSERT_EQ(ap_spool_append(sp, ev, AP_SPOOL_REC_MAX + 1), AP_ETOOBIG);
    ap_spool_free(sp);
    cleanup();
}

static void
corrupt_byte(const char *path, off_t off)
{
    int fd = open(path, O_RDWR);
    uint8_t c;

    if (fd < 0 || pread(fd, &c, 1, off) != 1)
        TH_FAIL("open %s", path);
    c ^= 0x40;
    if (pwrite(fd, &c, 1, off) != 1)
        TH_FAIL("pwrite");
    close(fd);
}

TEST(corrupt_and_torn_segments_survive)
{
    struct ap_spool *sp;
    struct ap_spool_rec r;
    struct ap_spool_stats st;
    char path[512], ev[64];
    uint64_t seen = 0, last = 0;
    int i, n, fd;

    fresh_dir();
    sp = open_spool(1 << 20, 4096);
    for (i = 1; i <= 200; i++) {
        n = snprintf(ev, sizeof(ev), "{\"n\":%d}", i);
        ASSERT_EQ(ap_spool_append(sp, ev, (size_t)n), 0);
    }
    ap_spool_free(sp);
    /* damage the middle of the first segment, tear the tail of the last,
     * and drop a foreign file with a segment name */
    snprintf(path, sizeof(path), "%s/%020d.seg", dir, 1);
    corrupt_byte(path, 8 + 3 * (AP_SPOOL_REC_HDR + 8) + 20);
    snprintf(path, sizeof(path), "%s/%020d.seg", dir, 999999);
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    ASSERT(fd >= 0);
    ASSERT_EQ(write(fd, "garbage!", 8), 8);
    close(fd);
    sp = open_spool(1 << 20, 4096);
    ap_spool_stats(sp, &st);
    ASSERT(st.corrupt >= 2);
    while (ap_spool_next(sp, &r) == 0) {
        ASSERT(r.seq > last);
        last = r.seq;
        seen++;
    }
    ASSERT_EQ(seen, 199); /* only the damaged record is lost */
    ASSERT_EQ(last, 200);
    /* the foreign file was moved aside, not deleted */
    snprintf(path, sizeof(path), "%s/%020d.seg.corrupt", dir, 999999);
    ASSERT_EQ(access(path, F_OK), 0);
    /* appends continue after the damage */
    ASSERT_EQ(ap_spool_append(sp, "{}", 2), 0);
    ASSERT_EQ(ap_spool_next(sp, &r), 0);
    ASSERT_EQ(r.seq, 201);
    ap_spool_free(sp);
    cleanup();
}

TEST(torn_tail_is_cut)
{
    struct ap_spool *sp;
    struct ap_spool_rec r;
    char path[512];
    uint64_t n = 0;
    int fd, i;

    fresh_dir();
    sp = open_spool(1 << 20, 1 << 20);
    for (i = 0; i < 10; i++)
        ASSERT_EQ(ap_spool_append(sp, "{\"x\":1}", 7), 0);
    ap_spool_free(sp);
    /* a crash in the middle of a write leaves half a record */
    snprintf(path, sizeof(path), "%s/%020d.seg", dir, 1);
    fd = open(path, O_WRONLY | O_APPEND);
    ASSERT(fd >= 0);
    ASSERT_EQ(write(fd, "\0\0\0\x07\x12\x34", 6), 6);
    close(fd);
    sp = open_spool(1 << 20, 1 << 20);
    ASSERT_EQ(ap_spool_next_seq(sp), 11);
    ASSERT_EQ(ap_spool_append(sp, "{\"y\":2}", 7), 0);
    while (ap_spool_next(sp, &r) == 0)
        n++;
    ASSERT_EQ(n, 11);
    ap_spool_free(sp);
    cleanup();
}

int
main(void)
{
    RUN(rec_roundtrip_and_truncations);
    RUN(rec_rejects_bad_lengths_and_crc);
    RUN(append_read_ack_restart);
    RUN(full_spool_refuses_and_counts);
    RUN(corrupt_and_torn_segments_survive);
    RUN(torn_tail_is_cut);
    return DONE();
}
