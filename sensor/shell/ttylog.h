/*
 * TTY recording as asciicast v2 (https://docs.asciinema.org), playable
 * with `asciinema play FILE`: a JSON header line, then one
 * [seconds, "o"|"i", "text"] line per chunk.  Bytes that are not UTF-8
 * become U+FFFD so every line stays valid JSON; the file is capped at
 * AP_LIMIT_TTYLOG bytes (recording stops, the session goes on).
 */
#ifndef AP_TTYLOG_H
#define AP_TTYLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ttylog {
    FILE *f;
    int64_t start_us;
    size_t bytes;
    int truncated;     /* stopped at the cap */
    char path[512];
};

/* Create DIR/SESSION.cast (mode 0600).  0 or AP_EIO. */
int ttylog_open(struct ttylog *t, const char *dir, const char *session,
                unsigned width, unsigned height, const char *term,
                int64_t now_us);
/* Record output ('o') or input ('i'). */
int ttylog_write(struct ttylog *t, char kind, const void *p, size_t n,
                 int64_t now_us);
/* Record a terminal resize ("r" event, "COLSxROWS"). */
int ttylog_resize(struct ttylog *t, unsigned w, unsigned h, int64_t now_us);
void ttylog_close(struct ttylog *t);
/* Append the JSON string form of p[0..n) (without quotes) to out. */
struct ap_buf;
int ttylog_json_escape(struct ap_buf *out, const void *p, size_t n);

#endif
