#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ap/err.h"
#include "ap/escape.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/common.h"

static enum ap_log_level log_level = AP_LOG_INFO;
static int log_fd = 2;
static char log_path[1024];
static char log_tag[32] = "apiary";
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void
ap_log_set_level(enum ap_log_level level)
{
    log_level = level;
}

enum ap_log_level
ap_log_get_level(void)
{
    return log_level;
}

int
ap_log_level_parse(const char *s)
{
    size_t i;

    for (i = 0; i < AP_ARRAY_SIZE(level_names); i++)
        if (strcmp(s, level_names[i]) == 0)
            return (int)i;
    return -1;
}

void
ap_log_set_tag(const char *tag)
{
    snprintf(log_tag, sizeof(log_tag), "%s", tag);
}

static int
log_open(void)
{
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

    if (fd < 0)
        return AP_EIO;
    pthread_mutex_lock(&log_mu);
    if (log_fd > 2)
        close(log_fd);
    log_fd = fd;
    pthread_mutex_unlock(&log_mu);
    return 0;
}

int
ap_log_set_file(const char *path)
{
    if (path == NULL) {
        pthread_mutex_lock(&log_mu);
        if (log_fd > 2)
            close(log_fd);
        log_fd = 2;
        log_path[0] = '\0';
        pthread_mutex_unlock(&log_mu);
        return 0;
    }
    snprintf(log_path, sizeof(log_path), "%s", path);
    return log_open();
}

int
ap_log_reopen(void)
{
    return log_path[0] ? log_open() : 0;
}

static void
log_vwrite(enum ap_log_level level, const char *func, const char *fmt,
           va_list ap)
{
    char raw[AP_LIMIT_LOG_LINE], esc[AP_LIMIT_LOG_LINE], line[AP_LIMIT_LOG_LINE + 128];
    struct timeval tv;
    struct tm tm;
    int n;

    vsnprintf(raw, sizeof(raw), fmt, ap);
    ap_escape_cstr(esc, sizeof(esc), raw, strlen(raw));
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = snprintf(line, sizeof(line),
                 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld] %s %s: %s\n",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000), log_tag,
                 (long)getpid(), level_names[level], func, esc);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    pthread_mutex_lock(&log_mu);
    /* One write per line keeps lines whole with O_APPEND. */
    if (write(log_fd, line, (size_t)n) < 0)
        errno = 0;
    pthread_mutex_unlock(&log_mu);
}

void
ap_log_write(enum ap_log_level level, const char *func, const char *file,
             int line, const char *fmt, ...)
{
    va_list ap;

    AP_UNUSED(file);
    AP_UNUSED(line);
    if (level > log_level)
        return;
    va_start(ap, fmt);
    log_vwrite(level, func, fmt, ap);
    va_end(ap);
}

void
ap_fatal_at(const char *func, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    AP_UNUSED(file);
    AP_UNUSED(line);
    va_start(ap, fmt);
    log_vwrite(AP_LOG_ERROR, func, fmt, ap);
    va_end(ap);
    exit(1);
}

void
ap__assert_fail(const char *expr, const char *file, int line, const char *func)
{
    ap_log_write(AP_LOG_ERROR, func, file, line, "assertion failed: %s (%s:%d)",
                 expr, file, line);
    abort();
}
