/*
 * A tiny unit-test harness (h2o t/00unit, libuv task.h).  Each test file is
 * its own executable:
 *
 *     TEST(name) { ASSERT_EQ(1, 1); }
 *     int main(void) { RUN(name); return DONE(); }
 *
 * A failed assertion reports both values and ends that test; the program
 * ends with "N passed, N failed" and exits non-zero on any failure.
 */
#ifndef AP_TEST_HARNESS_H
#define AP_TEST_HARNESS_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int th_passed, th_failed;
static jmp_buf th_jmp;
static const char *th_current;

#define TEST(name) static void test_##name(void)

#define RUN(name)                                                              \
    do {                                                                       \
        th_current = #name;                                                    \
        if (setjmp(th_jmp) == 0) {                                             \
            test_##name();                                                     \
            th_passed++;                                                       \
            printf("ok   %s\n", #name);                                        \
        } else {                                                               \
            th_failed++;                                                       \
            printf("FAIL %s\n", #name);                                        \
        }                                                                      \
        fflush(stdout);                                                        \
    } while (0)

#define DONE()                                                                 \
    (printf("%d passed, %d failed\n", th_passed, th_failed), th_failed ? 1 : 0)

#define TH_FAIL(...)                                                           \
    do {                                                                       \
        printf("  %s:%d: ", __FILE__, __LINE__);                               \
        printf(__VA_ARGS__);                                                   \
        printf("\n");                                                          \
        longjmp(th_jmp, 1);                                                    \
    } while (0)

#define ASSERT(c)                                                              \
    do {                                                                       \
        if (!(c))                                                              \
            TH_FAIL("assertion failed: %s", #c);                               \
    } while (0)

#define ASSERT_EQ(a, b)                                                        \
    do {                                                                       \
        intmax_t th_a = (intmax_t)(a), th_b = (intmax_t)(b);                   \
        if (th_a != th_b)                                                      \
            TH_FAIL("%s == %s: %jd != %jd", #a, #b, th_a, th_b);               \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
    do {                                                                       \
        const char *th_a = (a), *th_b = (b);                                   \
        if (th_a == NULL || th_b == NULL || strcmp(th_a, th_b) != 0)           \
            TH_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,                      \
                    th_a ? th_a : "(null)", th_b ? th_b : "(null)");           \
    } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                 \
    do {                                                                       \
        if (memcmp((a), (b), (n)) != 0)                                        \
            TH_FAIL("%s == %s: %zu bytes differ", #a, #b, (size_t)(n));        \
    } while (0)

/* Decode a hex string (spaces ignored) into out; returns the byte count. */
static inline size_t
th_unhex(const char *hex, uint8_t *out, size_t max)
{
    size_t n = 0;
    int hi = -1, v;

    for (; *hex; hex++) {
        if (*hex == ' ')
            continue;
        if (*hex >= '0' && *hex <= '9')
            v = *hex - '0';
        else if (*hex >= 'a' && *hex <= 'f')
            v = *hex - 'a' + 10;
        else if (*hex >= 'A' && *hex <= 'F')
            v = *hex - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            if (n < max)
                out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

#endif
