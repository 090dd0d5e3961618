/* Following a rotated log file; see follow.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "follow.h"
#include "ap/err.h"
#include "ap/common.h"

struct ap_follow {
    char *path;
    int fd;
    dev_t dev;
    ino_t ino;
    off_t off;
    int first_open, from_end, keep_first;
    char *buf;
    size_t blen;
    int skipping; /* inside an over-long line: drop up to its newline */
    uint64_t toolong, files;
};

int
ap_follow_open(const char *path, int from_end, int keep_first, struct ap_follow **out)
{
    struct ap_follow *f = calloc(1, sizeof(*f));

    if (f == NULL || (f->path = strdup(path)) == NULL ||
        (f->buf = malloc(AP_FOLLOW_MAX_LINE)) == NULL) {
        if (f)
            free(f->path);
        free(f);
        return AP_ENOMEM;
    }
    f->fd = -1;
    f->first_open = 1;
    f->from_end = from_end;
    f->keep_first = keep_first;
    *out = f;
    return 0;
}

void
ap_follow_close(struct ap_follow *f)
{
    if (f == NULL)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->buf);
    free(f->path);
    free(f);
}

void
ap_follow_counts(const struct ap_follow *f, uint64_t *toolong, uint64_t *files)
{
    *toolong = f->toolong;
    *files = f->files;
}

/* The first line of the file (a CSV header) when starting at its end. */
static void
first_line(struct ap_follow *f, const struct ap_follow_cb *cb)
{
    ssize_t n = pread(f->fd, f->buf, AP_FOLLOW_MAX_LINE, 0);
    char *nl;

    if (n > 0 && (nl = memchr(f->buf, '\n', (size_t)n)) != NULL)
        cb->line(cb->ctx, f->buf, (size_t)(nl - f->buf));
}

static int
reopen(struct ap_follow *f, const struct ap_follow_cb *cb)
{
    struct stat st;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0)
        return 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0;
    }
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->off = 0;
    f->blen = 0;
    f->skipping = 0;
    f->files++;
    cb->newfile(cb->ctx);
    if (f->first_open && f->from_end) {
        if (f->keep_first)
            first_line(f, cb);
        f->off = st.st_size;
    }
    f->first_open = 0;
    return 1;
}

/* Split buf into lines; keep the unfinished tail. */
static int
deliver(struct ap_follow *f, const struct ap_follow_cb *cb, int flush)
{
    size_t start = 0, i;
    int lines = 0;

    for (i = 0; i < f->blen; i++) {
        if (f->buf[i] != '\n')
            continue;
        if (!f->skipping) {
            cb->line(cb->ctx, f->buf + start, i - start);
            lines++;
        }
        f->skipping = 0;
        start = i + 1;
    }
    memmove(f->buf, f->buf + start, f->blen - start);
    f->blen -= start;
    if (f->blen == AP_FOLLOW_MAX_LINE) { /* no newline in a full buffer */
        if (!f->skipping)
            f->toolong++;
        f->skipping = 1;
        f->blen = 0;
    }
    if (flush && f->blen > 0) { /* the old file's last line had no newline */
        if (!f->skipping) {
            cb->line(cb->ctx, f->buf, f->blen);
            lines++;
        }
        f->blen = 0;
        f->skipping = 0;
    }
    return lines;
}

int
ap_follow_poll(struct ap_follow *f, const struct ap_follow_cb *cb, size_t max_bytes)
{
    struct stat st, cur;
    size_t done = 0;
    ssize_t n;
    int lines = 0, rounds;

    for (rounds = 0; rounds < 4; rounds++) {
        if (f->fd < 0 && !reopen(f, cb))
            return lines;
        if (fstat(f->fd, &cur) == 0 && cur.st_size < f->off) {
            /* truncated in place (copytruncate): from the start again */
            f->off = 0;
            f->blen = 0;
            f->skipping = 0;
            f->files++;
            cb->newfile(cb->ctx);
        }
        while (done < max_bytes) {
            n = pread(f->fd, f->buf + f->blen, AP_FOLLOW_MAX_LINE - f->blen, f->off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            f->off += n;
            f->blen += (size_t)n;
            done += (size_t)n;
            lines += deliver(f, cb, 0);
        }
        if (done >= max_bytes)
            return lines;
        /* At the end of this file: has the path moved on to a new one? */
        if (stat(f->path, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino)
            return lines;
        if (fstat(f->fd, &cur) == 0 && cur.st_size > f->off)
            continue; /* the renamed file still grew: read it out first */
        lines += deliver(f, cb, 1);
        close(f->fd);
        f->fd = -1;
    }
    return lines;
}
