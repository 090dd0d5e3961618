#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ap/err.h"
#include "ap/util.h"
#include "ap/common.h"

int
ap_random_bytes(void *p, size_t n)
{
    uint8_t *d = p;
    ssize_t r;

    while (n > 0) {
        r = getrandom(d, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return AP_EIO;
        }
        d += r;
        n -= (size_t)r;
    }
    return 0;
}

int
ap_random_token(char *out, size_t len)
{
    static const char al[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t b;
    size_t i = 0;
    int r;

    while (i < len) {
        if ((r = ap_random_bytes(&b, 1)) != 0)
            return r;
        /* reject to keep the distribution uniform over 62 symbols */
        if (b >= 248)
            continue;
        out[i++] = al[b % 62];
    }
    out[len] = '\0';
    return 0;
}

int64_t
ap_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
ap_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
put_digits(char *p, unsigned v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
 * civil_from_days). */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    yoe = z - era * 146097;
    yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
    doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void
ap_format_time_us(int64_t us, char *buf, size_t len)
{
    int64_t t = us / 1000000, days, y;
    long frac = (long)(us % 1000000);
    unsigned mon, mday, sod;
    struct tm tm;
    time_t tt;

    if (frac < 0) {
        frac += 1000000;
        t -= 1;
    }
    /* Every event's time goes through here: the date and the digits by
     * hand (gmtime_r takes a lock, snprintf was a large part of adapting
     * an event); libc for years that do not have four digits and for
     * short buffers. */
    days = (t >= 0 ? t : t - 86399) / 86400;
    sod = (unsigned)(t - days * 86400);
    civil_from_days(days, &y, &mon, &mday);
    if (len >= 28 && y >= 0 && y <= 9999) {
        put_digits(buf, (unsigned)y, 4);
        buf[4] = '-';
        put_digits(buf + 5, mon, 2);
        buf[7] = '-';
        put_digits(buf + 8, mday, 2);
        buf[10] = 'T';
        put_digits(buf + 11, sod / 3600, 2);
        buf[13] = ':';
        put_digits(buf + 14, sod / 60 % 60, 2);
        buf[16] = ':';
        put_digits(buf + 17, sod % 60, 2);
        buf[19] = '.';
        put_digits(buf + 20, (unsigned)frac, 6);
        buf[26] = 'Z';
        buf[27] = '\0';
        return;
    }
    tt = (time_t)t;
    gmtime_r(&tt, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, frac);
}

void
ap_hex(const void *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    const uint8_t *s = p;
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = d[s[i] >> 4];
        out[2 * i + 1] = d[s[i] & 15];
    }
    out[2 * n] = '\0';
}

uint64_t
ap_hash64(const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

int
ap_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t acc = 0;
    size_t i;

    for (i = 0; i < n; i++)
        acc |= (uint8_t)(x[i] ^ y[i]);
    return acc == 0;
}

int
ap_write_file_atomic(const char *path, const void *data, size_t len, int mode)
{
    char tmp[4096];
    int fd, saved;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path,
                         (long)getpid()) >= sizeof(tmp))
        return AP_EINVAL;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return AP_EIO;
    if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
        saved = errno;
        close(fd);
        unlink(tmp);
        errno = saved;
        return AP_EIO;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return AP_EIO;
    }
    return 0;
}
