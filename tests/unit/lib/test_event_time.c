/*
 * The hand-written fast paths of the event model against the libc code
 * they replaced: ap_format_time_us against gmtime_r + snprintf, ULIDs
 * against known values (ap_time_parse_iso against timegm is in
 * test_event.c).  Every stored event's "ts" and id goes through these.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ap/event.h"
#include "ap/util.h"
#include "harness.h"

/* The formatter as it was: gmtime_r + snprintf.  Truncating into short
 * buffers is what it is checked for, so -O3's -Wformat-truncation
 * (a Release build with -Werror) is off here. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
static void
reference_format(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    long frac = (long)(us % 1000000);
    struct tm tm;

    if (frac < 0) {
        frac += 1000000;
        t -= 1;
    }
    gmtime_r(&t, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, frac);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static void
check_format(int64_t us, int short_buffers)
{
    char got[40], want[40];
    size_t len;

    ap_format_time_us(us, got, sizeof(got));
    reference_format(us, want, sizeof(want));
    if (strcmp(got, want) != 0)
        TH_FAIL("%lld: got %s, want %s", (long long)us, got, want);
    /* short buffers truncate as snprintf does */
    for (len = 1; short_buffers && len < 30; len += 7) {
        memset(got, 'x', sizeof(got));
        ap_format_time_us(us, got, len);
        reference_format(us, want, len);
        if (strcmp(got, want) != 0)
            TH_FAIL("%lld in %zu bytes: got %s, want %s", (long long)us, len,
                    got, want);
    }
}

TEST(format_matches_gmtime_and_snprintf)
{
    /* years 0000 to 9999 (-62167219200 s is 0000-01-01) */
    const int64_t first = -62167219200LL, last = 253402300799LL;
    int64_t s, step = 86400 * 13 + 3607; /* walks through days and hours */
    static const int64_t odd[] = {
        0, 1, -1, 999999, -999999, 1000000, -1000000, -1500001,
        1700000000000000LL, 253402300799999999LL, 253402300800000000LL,
        -62167219200000000LL, -62167219200000001LL, 951782400000000LL,
        4102444800000000LL, 9000000000000000000LL, -9000000000000000000LL,
    };
    size_t i;

    for (s = first; s <= last; s += step)
        check_format(s * 1000000 + (s & 0xfffff) % 1000000, 0);
    for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
        check_format(odd[i], 1);
}

TEST(ulids_are_the_known_values)
{
    char id[AP_EVENT_ID_LEN + 1];

    /* computed independently: ULID(ms, SHA-256("k")[0..10)) */
    ap_event_id_derive(id, 1500000000000000LL, "k", 1);
    ASSERT_STR_EQ(id, "01BMZFF600G9AC6AD9518FDN9S");
    /* before 1970: the low 48 bits of the (negative) milliseconds */
    ap_event_id_derive(id, -1500001LL, "k", 1);
    ASSERT_STR_EQ(id, "7ZZZZZZYH4G9AC6AD9518FDN9S");
}

int
main(void)
{
    RUN(format_matches_gmtime_and_snprintf);
    RUN(ulids_are_the_known_values);
    return DONE();
}
