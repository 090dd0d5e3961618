/* Ack bookkeeping: the ackable seq is the top of the contiguous run. */
#include <stdlib.h>

#include "collector_acks.h"
#include "harness.h"

TEST(contiguous_runs_and_gaps)
{
    struct ap_acks *a = ap_acks_new();
    int changed;

    ASSERT(a != NULL);
    ASSERT_EQ(ap_acks_done(a, "s1", 1), 1);
    ASSERT_EQ(ap_acks_done(a, "s1", 2), 1);
    ASSERT_EQ(ap_acks_done(a, "s1", 4), 0); /* gap at 3 */
    ASSERT_EQ(ap_acks_done(a, "s1", 5), 0);
    ASSERT_EQ(ap_acks_take(a, "s1", &changed), 2);
    ASSERT_EQ(changed, 1);
    ASSERT_EQ(ap_acks_take(a, "s1", &changed), 2);
    ASSERT_EQ(changed, 0);
    ASSERT_EQ(ap_acks_done(a, "s1", 4), 0); /* duplicate */
    ASSERT_EQ(ap_acks_done(a, "s1", 3), 1); /* fills: run to 5 */
    ASSERT_EQ(ap_acks_take(a, "s1", &changed), 5);
    ASSERT_EQ(ap_acks_done(a, "s1", 2), 0); /* resend of acked */
    ASSERT_EQ(ap_acks_take(a, "s1", &changed), 5);
    ASSERT_EQ(changed, 0);
    /* another sensor, starting (after a server restart) at 100 */
    ASSERT_EQ(ap_acks_done(a, "s2", 100), 1);
    ASSERT_EQ(ap_acks_take(a, "s2", &changed), 100);
    ASSERT_EQ(ap_acks_take(a, "s1", &changed), 5);
    ap_acks_free(a);
}

static long long seen_seq;
static int seen_n;

static void
collect(void *ctx, const char *ident, long long seq)
{
    (void)ctx;
    (void)ident;
    seen_seq = seq;
    seen_n++;
}

TEST(changed_sensors_are_reported_once)
{
    struct ap_acks *a = ap_acks_new();
    long long i;

    for (i = 1; i <= 1000; i++)
        ap_acks_done(a, "s", i);
    ap_acks_each_changed(a, collect, NULL);
    ASSERT_EQ(seen_n, 1);
    ASSERT_EQ(seen_seq, 1000);
    ap_acks_each_changed(a, collect, NULL);
    ASSERT_EQ(seen_n, 1);
    ap_acks_free(a);
}

TEST(pending_is_bounded)
{
    struct ap_acks *a = ap_acks_new();
    long long i;
    int changed;

    ap_acks_done(a, "s", 1);
    /* seq 2 never comes */
    for (i = 3; i < 3 + AP_ACKS_MAX_PENDING + 10; i++)
        ap_acks_done(a, "s", i);
    ASSERT(ap_acks_take(a, "s", &changed) > 2);
    ap_acks_free(a);
}

int
main(void)
{
    RUN(contiguous_runs_and_gaps);
    RUN(changed_sensors_are_reported_once);
    RUN(pending_is_bounded);
    return DONE();
}
