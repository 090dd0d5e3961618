/*
 * Logging with the call site (OpenSSH debug_f/error_fr).  The whole
 * formatted message is escaped before it is written, so attacker bytes
 * passed through %s can never forge a line, a field or a terminal escape.
 */
#ifndef AP_LOG_H
#define AP_LOG_H

enum ap_log_level {
    AP_LOG_ERROR = 0,
    AP_LOG_WARN,
    AP_LOG_INFO,
    AP_LOG_DEBUG,
};

/* Messages above level are discarded.  Default AP_LOG_INFO. */
void ap_log_set_level(enum ap_log_level level);
enum ap_log_level ap_log_get_level(void);
/* Parse "error", "warn", "info", "debug"; returns -1 if unknown. */
int ap_log_level_parse(const char *s);
/* Log to a file (appended) instead of stderr; NULL means stderr.  The file
 * is reopened by ap_log_reopen (SIGHUP, logrotate).  Returns 0 or AP_EIO. */
int ap_log_set_file(const char *path);
int ap_log_reopen(void);
/* A short tag written on every line ("server", "sensor"). */
void ap_log_set_tag(const char *tag);

void ap_log_write(enum ap_log_level level, const char *func, const char *file,
                  int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#define ap_log_error(...)                                                      \
    ap_log_write(AP_LOG_ERROR, __func__, __FILE__, __LINE__, __VA_ARGS__)
#define ap_log_warn(...)                                                       \
    ap_log_write(AP_LOG_WARN, __func__, __FILE__, __LINE__, __VA_ARGS__)
#define ap_log_info(...)                                                       \
    ap_log_write(AP_LOG_INFO, __func__, __FILE__, __LINE__, __VA_ARGS__)
#define ap_log_debug(...)                                                      \
    do {                                                                       \
        if (ap_log_get_level() >= AP_LOG_DEBUG)                                \
            ap_log_write(AP_LOG_DEBUG, __func__, __FILE__, __LINE__,           \
                         __VA_ARGS__);                                         \
    } while (0)

/* Startup-only: log and exit(1).  Never reachable from network input. */
void ap_fatal_at(const char *func, const char *file, int line, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5), noreturn));
#define ap_fatal(...) ap_fatal_at(__func__, __FILE__, __LINE__, __VA_ARGS__)

#endif
