/* sensor/srclimit.c: token bucket arithmetic and per-source limits. */
#include <string.h>

#include "harness.h"
#include "srclimit.h"

TEST(bucket_burst_then_rate)
{
    struct ap_tbucket b;
    int64_t t = 1000000;
    int i, ok = 0;

    ap_tbucket_init(&b, 5, t);
    for (i = 0; i < 10; i++)
        ok += ap_tbucket_take(&b, 2.0, 5, t);
    ASSERT_EQ(ok, 5); /* the burst, nothing more at the same instant */
    ASSERT_EQ(ap_tbucket_take(&b, 2.0, 5, t + 400000), 0); /* 0.8 token */
    ASSERT_EQ(ap_tbucket_take(&b, 2.0, 5, t + 500000), 1); /* 1.0 token */
    /* a long pause refills to the burst, never beyond */
    ok = 0;
    for (i = 0; i < 10; i++)
        ok += ap_tbucket_take(&b, 2.0, 5, t + 100000000);
    ASSERT_EQ(ok, 5);
    /* time going backwards adds nothing */
    ASSERT_EQ(ap_tbucket_take(&b, 2.0, 5, t), 0);
}

static void
v4(uint8_t a[16], int last)
{
    memset(a, 0, 16);
    a[10] = a[11] = 0xff;
    a[12] = 10;
    a[15] = (uint8_t)last;
}

TEST(concurrency_limit_per_source)
{
    struct ap_srclimit *l = ap_srclimit_new(2, 0, 1, 100);
    uint8_t a[16], b[16];

    v4(a, 1);
    v4(b, 2);
    ASSERT_EQ(ap_srclimit_acquire(l, a, 0), AP_SRC_OK);
    ASSERT_EQ(ap_srclimit_acquire(l, a, 0), AP_SRC_OK);
    ASSERT_EQ(ap_srclimit_acquire(l, a, 0), AP_SRC_TOO_MANY);
    ASSERT_EQ(ap_srclimit_acquire(l, b, 0), AP_SRC_OK); /* others unaffected */
    ap_srclimit_release(l, a);
    ASSERT_EQ(ap_srclimit_acquire(l, a, 0), AP_SRC_OK);
    ap_srclimit_free(l);
}

TEST(rate_limit_per_source_and_gc)
{
    /* 60 per minute = 1 per second, burst 3 */
    struct ap_srclimit *l = ap_srclimit_new(0, 60, 3, 100);
    uint8_t a[16];
    int i, ok = 0;

    v4(a, 1);
    for (i = 0; i < 5; i++)
        if (ap_srclimit_acquire(l, a, 0) == AP_SRC_OK) {
            ok++;
            ap_srclimit_release(l, a);
        }
    ASSERT_EQ(ok, 3);
    ASSERT_EQ(ap_srclimit_acquire(l, a, 0), AP_SRC_TOO_FAST);
    ASSERT_EQ(ap_srclimit_acquire(l, a, 1000000), AP_SRC_OK);
    ap_srclimit_release(l, a);
    ASSERT_EQ(ap_srclimit_count(l), 1);
    ap_srclimit_gc(l, 2000000); /* not refilled yet: kept */
    ASSERT_EQ(ap_srclimit_count(l), 1);
    ap_srclimit_gc(l, 60000000); /* refilled and idle: dropped */
    ASSERT_EQ(ap_srclimit_count(l), 0);
    ap_srclimit_free(l);
}

TEST(table_is_bounded)
{
    struct ap_srclimit *l = ap_srclimit_new(1, 0, 1, 10);
    uint8_t a[16];
    int i;

    for (i = 0; i < 50; i++) {
        v4(a, i);
        ASSERT_EQ(ap_srclimit_acquire(l, a, 0), AP_SRC_OK);
    }
    ASSERT_EQ(ap_srclimit_count(l), 10);
    ap_srclimit_free(l);
}

int
main(void)
{
    RUN(bucket_burst_then_rate);
    RUN(concurrency_limit_per_source);
    RUN(rate_limit_per_source_and_gc);
    RUN(table_is_bounded);
    return DONE();
}
