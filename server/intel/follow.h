/*
 * Follow a growing log file (tail -F): new complete lines as they are
 * appended, across rotation by rename (the old file is read to its end,
 * then the new one from its start) and by truncation (copytruncate: read
 * again from the start).  Polled, no threads of its own.  Lines longer
 * than AP_FOLLOW_MAX_LINE are skipped (counted).
 */
#ifndef AP_FOLLOW_H
#define AP_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#define AP_FOLLOW_MAX_LINE 65536

struct ap_follow;

struct ap_follow_cb {
    /* one line, without its newline */
    void (*line)(void *ctx, const char *line, size_t n);
    /* a new file begins (first open, rotation, truncation) */
    void (*newfile)(void *ctx);
    void *ctx;
};

/*
 * Follow path (it need not exist yet).  from_end: when the file exists
 * now, start at its end (only new lines), but first hand over its first
 * line when keep_first (a CSV header).
 */
int ap_follow_open(const char *path, int from_end, int keep_first,
                   struct ap_follow **out);
/* Read what is new, at most max_bytes; returns the lines delivered (>= 0). */
int ap_follow_poll(struct ap_follow *f, const struct ap_follow_cb *cb,
                   size_t max_bytes);
/* Lines skipped for length, files opened (1 + rotations/truncations). */
void ap_follow_counts(const struct ap_follow *f, uint64_t *toolong,
                      uint64_t *files);
void ap_follow_close(struct ap_follow *f);

#endif
