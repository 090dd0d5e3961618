/*
 * The spool's file handling (record format and guarantees: spool.h and
 * docs/SENSOR.md).  Single-threaded: only the sensor's loop calls it.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "spool.h"
#include "ap/common.h"

#define SEG_NAME_LEN 24 /* 20 digits + ".seg" */

struct seg {
    uint64_t first, last; /* sequence range; last == 0 while empty */
    uint64_t size;        /* bytes of valid data, magic included */
};

struct ap_spool {
    char *dir;
    size_t max_bytes, seg_bytes;
    enum ap_spool_fsync fsync_policy;
    struct seg *segs; /* oldest first; the last one is being written */
    size_t nsegs, cap;
    int wfd;          /* the last segment, O_APPEND */
    uint64_t next_seq, acked, acked_saved;
    uint64_t bytes;
    /* delivery cursor */
    size_t rseg;      /* index into segs */
    uint64_t roff;    /* offset in segs[rseg] */
    uint64_t rlast;   /* sequence of the last record read */
    int rfd;
    struct ap_buf rbuf;
    struct ap_buf wbuf;
    uint64_t refused_full, refused_big, corrupt;
    int64_t last_full_log;
};

static int
seg_path(const struct ap_spool *sp, uint64_t first, const char *suffix,
         char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/%020" PRIu64 ".seg%s", sp->dir, first,
                     suffix);

    return n < 0 || (size_t)n >= len ? AP_EINVAL : 0;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
    ssize_t w;

    while (n > 0) {
        w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return AP_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int
segs_push(struct ap_spool *sp, uint64_t first, uint64_t size)
{
    struct seg *n;

    if (sp->nsegs == sp->cap) {
        size_t cap = sp->cap ? sp->cap * 2 : 16;
        if ((n = realloc(sp->segs, cap * sizeof(*n))) == NULL)
            return AP_ENOMEM;
        sp->segs = n;
        sp->cap = cap;
    }
    sp->segs[sp->nsegs++] = (struct seg){first, 0, size};
    return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Park a file the spool cannot use, so a human can look at it. */
static void
quarantine(struct ap_spool *sp, uint64_t first, const char *why)
{
    char from[4096], to[4096];

    sp->corrupt++;
    if (seg_path(sp, first, "", from, sizeof(from)) != 0 ||
        seg_path(sp, first, ".corrupt", to, sizeof(to)) != 0)
        return;
    ap_log_error("spool: %s: %s; moved aside to %s", from, why, to);
    if (rename(from, to) != 0)
        ap_log_error("spool: rename %s: %s", from, strerror(errno));
}

/* How far past a damaged record the spool looks for the next good one. */
#define RESYNC_WINDOW (2u * (AP_SPOOL_REC_HDR + AP_SPOOL_REC_MAX))

/*
 * After a damaged record at `from`, find the next offset (< end) where a
 * record with a CRC that checks and a sequence above `after` starts.  A
 * CRC-32C plus the sequence order make a false match vanishingly rare.
 * Returns 0 with *found, or AP_ENOENT.
 */
static int
resync(int fd, uint64_t from, uint64_t end, uint64_t after, uint64_t *found)
{
    struct ap_spool_rec rec;
    struct ap_buf b;
    uint64_t want = end - from;
    size_t i;
    uint8_t *w;
    ssize_t n;
    int r = AP_ENOENT;

    if (from + 1 >= end)
        return AP_ENOENT;
    if (want > RESYNC_WINDOW)
        want = RESYNC_WINDOW;
    ap_buf_init(&b, RESYNC_WINDOW);
    if (ap_buf_reserve(&b, (size_t)want, &w) != 0)
        goto out;
    n = pread(fd, w, (size_t)want, (off_t)from);
    if (n <= 0)
        goto out;
    for (i = 1; i + AP_SPOOL_REC_HDR < (size_t)n; i++)
        if (ap_spool_rec_parse(w + i, (size_t)n - i, AP_SPOOL_REC_MAX, &rec) >
                0 &&
            rec.seq > after) {
            *found = from + i;
            r = 0;
            break;
        }
out:
    ap_buf_release(&b);
    return r;
}

/*
 * Validate one segment: returns 0 and fills *sg (first, last, usable
 * size), or AP_EPROTO if it has no valid magic.  Stops at the first bad
 * record (logged); the caller decides whether to truncate there.
 */
static int
scan_segment(struct ap_spool *sp, uint64_t first, struct seg *sg, int *torn)
{
    char path[4096];
    uint8_t hdr[AP_SPOOL_REC_HDR];
    struct ap_spool_rec rec;
    struct ap_buf b;
    uint64_t off = AP_SPOOL_MAGIC_LEN, last = 0, good = off, next;
    struct stat st;
    ssize_t n, r;
    uint8_t *w;
    int fd, rc = 0;

    *torn = 0;
    if (seg_path(sp, first, "", path, sizeof(path)) != 0)
        return AP_EINVAL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        ap_log_error("spool: open %s: %s", path, strerror(errno));
        return AP_EIO;
    }
    ap_buf_init(&b, AP_SPOOL_REC_HDR + AP_SPOOL_REC_MAX);
    if (fstat(fd, &st) != 0 ||
        pread(fd, hdr, AP_SPOOL_MAGIC_LEN, 0) != AP_SPOOL_MAGIC_LEN ||
        memcmp(hdr, AP_SPOOL_MAGIC, AP_SPOOL_MAGIC_LEN) != 0) {
        rc = AP_EPROTO;
        goto out;
    }
    for (;;) {
        n = pread(fd, hdr, sizeof(hdr), (off_t)off);
        if (n == 0)
            break;
        if (n < (ssize_t)sizeof(hdr))
            goto damaged;
        /* Read the whole record: the header names its length. */
        uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
                       (uint32_t)hdr[2] << 8 | hdr[3];
        if (len == 0 || len > AP_SPOOL_REC_MAX)
            goto damaged;
        ap_buf_reset(&b);
        if (ap_buf_reserve(&b, AP_SPOOL_REC_HDR + len, &w) != 0) {
            rc = AP_ENOMEM;
            goto out;
        }
        n = pread(fd, w, AP_SPOOL_REC_HDR + len, (off_t)off);
        if (n < 0 || (size_t)n < AP_SPOOL_REC_HDR + len)
            goto damaged;
        ap_buf_commit(&b, (size_t)n);
        r = ap_spool_rec_parse(ap_buf_data(&b), ap_buf_len(&b),
                               AP_SPOOL_REC_MAX, &rec);
        if (r <= 0 || rec.seq <= last || rec.seq < first)
            goto damaged;
        last = rec.seq;
        off += (uint64_t)r;
        good = off;
        continue;
    damaged:
        *torn = 1;
        if (resync(fd, off, (uint64_t)st.st_size, last, &next) != 0) {
            ap_log_error("spool: %s: corrupt or torn record at offset "
                         "%" PRIu64 " of %lld bytes; the rest of this "
                         "segment is dropped",
                         path, off, (long long)st.st_size);
            break;
        }
        ap_log_error("spool: %s: corrupt record at offset %" PRIu64
                     "; skipped %" PRIu64 " bytes to the next good one",
                     path, off, next - off);
        off = next;
    }
    off = good;
    sg->first = first;
    sg->last = last;
    sg->size = off;
out:
    ap_buf_release(&b);
    close(fd);
    return rc;
}

static int
load_acked(struct ap_spool *sp)
{
    char path[4096], buf[64];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "%s/acked", sp->dir);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return errno == ENOENT ? 0 : AP_EIO;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    sp->acked = sp->acked_saved = strtoull(buf, NULL, 10);
    return 0;
}

static void
save_acked(struct ap_spool *sp)
{
    char path[4096], buf[32];
    int n;

    if (sp->acked == sp->acked_saved)
        return;
    snprintf(path, sizeof(path), "%s/acked", sp->dir);
    n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", sp->acked);
    if (ap_write_file_atomic(path, buf, (size_t)n, 0600) != 0)
        ap_log_warn("spool: cannot write %s: %s", path, strerror(errno));
    else
        sp->acked_saved = sp->acked;
}

/* Start a new segment whose first record will be next_seq. */
static int
open_new_segment(struct ap_spool *sp)
{
    char path[4096];
    int fd, r;

    if (seg_path(sp, sp->next_seq, "", path, sizeof(path)) != 0)
        return AP_EINVAL;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
              0600);
    if (fd < 0) {
        ap_log_error("spool: create %s: %s", path, strerror(errno));
        return AP_EIO;
    }
    if ((r = write_all(fd, (const uint8_t *)AP_SPOOL_MAGIC,
                       AP_SPOOL_MAGIC_LEN)) != 0 ||
        (r = segs_push(sp, sp->next_seq, AP_SPOOL_MAGIC_LEN)) != 0) {
        close(fd);
        unlink(path);
        return r;
    }
    if (sp->wfd >= 0)
        close(sp->wfd);
    sp->wfd = fd;
    sp->bytes += AP_SPOOL_MAGIC_LEN;
    return 0;
}

/* Reopen the newest segment for appending, cut at its last good record. */
static int
reopen_last(struct ap_spool *sp)
{
    struct seg *sg = &sp->segs[sp->nsegs - 1];
    char path[4096];
    int fd;

    if (seg_path(sp, sg->first, "", path, sizeof(path)) != 0)
        return AP_EINVAL;
    if ((fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
        return AP_EIO;
    if (ftruncate(fd, (off_t)sg->size) != 0) {
        close(fd);
        return AP_EIO;
    }
    sp->wfd = fd;
    return 0;
}

static int
list_segments(struct ap_spool *sp, uint64_t **out, size_t *nout)
{
    uint64_t *v = NULL, *nv;
    size_t n = 0, cap = 0, len;
    struct dirent *de;
    char *end;
    DIR *d;

    if ((d = opendir(sp->dir)) == NULL)
        return AP_EIO;
    while ((de = readdir(d)) != NULL) {
        len = strlen(de->d_name);
        if (len != SEG_NAME_LEN || strcmp(de->d_name + 20, ".seg") != 0)
            continue;
        errno = 0;
        uint64_t first = strtoull(de->d_name, &end, 10);
        if (errno != 0 || end != de->d_name + 20 || first == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
                free(v);
                closedir(d);
                return AP_ENOMEM;
            }
            v = nv;
        }
        v[n++] = first;
    }
    closedir(d);
    if (n > 0)
        qsort(v, n, sizeof(*v), cmp_u64);
    *out = v;
    *nout = n;
    return 0;
}

int
ap_spool_open(const char *dir, size_t max_bytes, size_t segment_bytes,
              enum ap_spool_fsync fsync_policy, struct ap_spool **out,
              char *err, size_t errlen)
{
    struct ap_spool *sp;
    uint64_t *firsts = NULL, maxseq = 0;
    size_t nfirst = 0, i;
    struct seg sg;
    int r, torn;

    if ((sp = calloc(1, sizeof(*sp))) == NULL)
        return AP_ENOMEM;
    sp->wfd = sp->rfd = -1;
    sp->max_bytes = max_bytes;
    sp->seg_bytes = segment_bytes < 4096 ? 4096 : segment_bytes;
    sp->fsync_policy = fsync_policy;
    ap_buf_init(&sp->rbuf, AP_SPOOL_REC_HDR + AP_SPOOL_REC_MAX);
    ap_buf_init(&sp->wbuf, AP_SPOOL_REC_HDR + AP_SPOOL_REC_MAX);
    if ((sp->dir = strdup(dir)) == NULL) {
        r = AP_ENOMEM;
        goto fail;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "spool_dir %s: %s", dir, strerror(errno));
        r = AP_EIO;
        goto fail;
    }
    if ((r = load_acked(sp)) != 0 || (r = list_segments(sp, &firsts,
                                                         &nfirst)) != 0) {
        snprintf(err, errlen, "spool_dir %s: %s", dir, strerror(errno));
        goto fail;
    }
    for (i = 0; i < nfirst; i++) {
        r = scan_segment(sp, firsts[i], &sg, &torn);
        if (r == AP_EPROTO) {
            quarantine(sp, firsts[i], "not a spool segment (bad magic)");
            continue;
        }
        if (r != 0) {
            snprintf(err, errlen, "spool_dir %s: cannot read segment", dir);
            goto fail;
        }
        if (torn)
            sp->corrupt++;
        /* Overlapping ranges mean a copied or renamed file: skip it. */
        if (sg.first <= maxseq) {
            quarantine(sp, firsts[i], "overlaps an older segment");
            continue;
        }
        if ((r = segs_push(sp, sg.first, sg.size)) != 0)
            goto fail;
        sp->segs[sp->nsegs - 1].last = sg.last;
        sp->bytes += sg.size;
        /* A segment's name reserves every number below it, even when the
         * segment is empty. */
        if (sg.first - 1 > maxseq)
            maxseq = sg.first - 1;
        if (sg.last > maxseq)
            maxseq = sg.last;
    }
    sp->next_seq = (maxseq > sp->acked ? maxseq : sp->acked) + 1;
    /* Keep appending to the newest segment only if it is intact; after a
     * torn tail it is cut back to its last good record. */
    if (sp->nsegs > 0 && sp->segs[sp->nsegs - 1].size < sp->seg_bytes) {
        if ((r = reopen_last(sp)) != 0) {
            snprintf(err, errlen, "spool_dir %s: cannot reopen segment: %s",
                     dir, strerror(errno));
            goto fail;
        }
    } else if ((r = open_new_segment(sp)) != 0) {
        snprintf(err, errlen, "spool_dir %s: cannot create segment: %s", dir,
                 strerror(errno));
        goto fail;
    }
    free(firsts);
    ap_spool_ack(sp, sp->acked); /* drop segments acked before a crash */
    ap_log_info("spool %s: %zu segment(s), %" PRIu64 " bytes, next seq %" PRIu64
                ", acked %" PRIu64,
                dir, sp->nsegs, sp->bytes, sp->next_seq, sp->acked);
    *out = sp;
    return 0;
fail:
    if (err[0] == '\0')
        snprintf(err, errlen, "spool_dir %s: %s", dir, ap_strerror(r));
    free(firsts);
    ap_spool_free(sp);
    return r;
}

void
ap_spool_free(struct ap_spool *sp)
{
    if (sp == NULL)
        return;
    if (sp->wfd >= 0) {
        if (sp->fsync_policy != AP_SPOOL_FSYNC_NEVER)
            fdatasync(sp->wfd);
        close(sp->wfd);
    }
    if (sp->rfd >= 0)
        close(sp->rfd);
    save_acked(sp);
    ap_buf_release(&sp->rbuf);
    ap_buf_release(&sp->wbuf);
    free(sp->segs);
    free(sp->dir);
    free(sp);
}

uint64_t
ap_spool_next_seq(const struct ap_spool *sp)
{
    return sp->next_seq;
}

uint64_t
ap_spool_acked(const struct ap_spool *sp)
{
    return sp->acked;
}

int
ap_spool_append(struct ap_spool *sp, const void *p, size_t n)
{
    struct seg *sg;
    size_t need = AP_SPOOL_REC_HDR + n;
    int64_t now;
    int r;

    if (n > AP_SPOOL_REC_MAX) {
        sp->refused_big++;
        return AP_ETOOBIG;
    }
    if (sp->bytes + need > sp->max_bytes) {
        sp->refused_full++;
        now = ap_mono_us();
        /* Log at most every 10 s; the count is in the status and metrics. */
        if (now - sp->last_full_log > 10 * 1000000LL) {
            sp->last_full_log = now;
            ap_log_error("spool full (%" PRIu64 " of %zu bytes, %" PRIu64
                         " events unacknowledged): refusing new events, "
                         "%" PRIu64 " refused so far",
                         sp->bytes, sp->max_bytes, sp->next_seq - 1 - sp->acked,
                         sp->refused_full);
        }
        return AP_EFULL;
    }
    sg = &sp->segs[sp->nsegs - 1];
    if (sg->size + need > sp->seg_bytes && sg->last != 0) {
        if (sp->fsync_policy != AP_SPOOL_FSYNC_NEVER)
            fdatasync(sp->wfd);
        if ((r = open_new_segment(sp)) != 0)
            return r;
        sg = &sp->segs[sp->nsegs - 1];
    }
    ap_buf_reset(&sp->wbuf);
    if ((r = ap_spool_rec_put(&sp->wbuf, sp->next_seq, p, n)) != 0)
        return r;
    if ((r = write_all(sp->wfd, ap_buf_data(&sp->wbuf),
                       ap_buf_len(&sp->wbuf))) != 0) {
        ap_log_error("spool: write: %s", strerror(errno));
        /* Cut off whatever part made it, so the segment stays valid. */
        if (ftruncate(sp->wfd, (off_t)sg->size) != 0)
            ap_log_error("spool: truncate: %s", strerror(errno));
        return r;
    }
    if (sp->fsync_policy == AP_SPOOL_FSYNC_ALWAYS)
        fdatasync(sp->wfd);
    sg->size += need;
    sg->last = sp->next_seq;
    sp->bytes += need;
    sp->next_seq++;
    return 0;
}

int
ap_spool_sync(struct ap_spool *sp)
{
    save_acked(sp); /* lazily: a stale value only causes a replay */
    if (sp->wfd >= 0 && fdatasync(sp->wfd) != 0)
        return AP_EIO;
    return 0;
}

static void
close_reader(struct ap_spool *sp)
{
    if (sp->rfd >= 0)
        close(sp->rfd);
    sp->rfd = -1;
}

void
ap_spool_ack(struct ap_spool *sp, uint64_t seq)
{
    char path[4096];
    size_t drop = 0, i;

    if (seq >= sp->next_seq)
        seq = sp->next_seq - 1; /* an ack from the future: a reset server */
    if (seq > sp->acked)
        sp->acked = seq;
    /* Delete whole segments below the ack, never the one being written. */
    while (drop + 1 < sp->nsegs && sp->segs[drop].last <= sp->acked)
        drop++;
    for (i = 0; i < drop; i++) {
        if (seg_path(sp, sp->segs[i].first, "", path, sizeof(path)) == 0 &&
            unlink(path) != 0 && errno != ENOENT)
            ap_log_error("spool: unlink %s: %s", path, strerror(errno));
        sp->bytes -= sp->segs[i].size;
    }
    if (drop > 0) {
        memmove(sp->segs, sp->segs + drop,
                (sp->nsegs - drop) * sizeof(*sp->segs));
        sp->nsegs -= drop;
        if (sp->rseg >= drop) {
            sp->rseg -= drop;
        } else {
            close_reader(sp);
            sp->rseg = 0;
            sp->roff = AP_SPOOL_MAGIC_LEN;
        }
        save_acked(sp);
    }
}

void
ap_spool_rewind(struct ap_spool *sp)
{
    close_reader(sp);
    sp->rseg = 0;
    sp->roff = AP_SPOOL_MAGIC_LEN;
    sp->rlast = 0;
}

/* Move the cursor to the start of the next segment. */
static void
next_segment(struct ap_spool *sp)
{
    close_reader(sp);
    sp->rseg++;
    sp->roff = AP_SPOOL_MAGIC_LEN;
}

int
ap_spool_next(struct ap_spool *sp, struct ap_spool_rec *rec)
{
    uint8_t hdr[AP_SPOOL_REC_HDR], *w;
    char path[4096];
    struct seg *sg;
    uint32_t len;
    ssize_t n, r;

    if (sp->roff == 0)
        sp->roff = AP_SPOOL_MAGIC_LEN;
    for (;;) {
        if (sp->rseg >= sp->nsegs)
            return AP_ENOENT;
        sg = &sp->segs[sp->rseg];
        if (sp->roff >= sg->size) {
            if (sp->rseg + 1 == sp->nsegs)
                return AP_ENOENT; /* caught up with the writer */
            next_segment(sp);
            continue;
        }
        if (sp->rfd < 0) {
            if (seg_path(sp, sg->first, "", path, sizeof(path)) != 0 ||
                (sp->rfd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
                ap_log_error("spool: open %s: %s", path, strerror(errno));
                sp->corrupt++;
                next_segment(sp);
                continue;
            }
        }
        n = pread(sp->rfd, hdr, sizeof(hdr), (off_t)sp->roff);
        if (n != (ssize_t)sizeof(hdr))
            goto bad;
        len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
              (uint32_t)hdr[2] << 8 | hdr[3];
        if (len == 0 || len > AP_SPOOL_REC_MAX ||
            sp->roff + AP_SPOOL_REC_HDR + len > sg->size)
            goto bad;
        ap_buf_reset(&sp->rbuf);
        if (ap_buf_reserve(&sp->rbuf, AP_SPOOL_REC_HDR + len, &w) != 0)
            return AP_ENOMEM;
        n = pread(sp->rfd, w, AP_SPOOL_REC_HDR + len, (off_t)sp->roff);
        if (n != (ssize_t)(AP_SPOOL_REC_HDR + len))
            goto bad;
        ap_buf_commit(&sp->rbuf, (size_t)n);
        r = ap_spool_rec_parse(ap_buf_data(&sp->rbuf), ap_buf_len(&sp->rbuf),
                               AP_SPOOL_REC_MAX, rec);
        if (r <= 0)
            goto bad;
        sp->roff += (uint64_t)r;
        sp->rlast = rec->seq;
        if (rec->seq <= sp->acked)
            continue;
        return 0;
    bad:
        /* Damage: log it, count it, and continue at the next good record
         * (or the next segment).  The sequence numbers in between are
         * lost and show as a gap, which delivery reports to the server. */
        sp->corrupt++;
        {
            uint64_t next;
            if (resync(sp->rfd, sp->roff, sg->size, sp->rlast, &next) == 0) {
                ap_log_error("spool: segment %" PRIu64 ": corrupt record at "
                             "offset %" PRIu64 "; skipped %" PRIu64 " bytes",
                             sg->first, sp->roff, next - sp->roff);
                sp->roff = next;
                continue;
            }
        }
        ap_log_error("spool: segment %" PRIu64 ": corrupt record at offset "
                     "%" PRIu64 "; the rest of the segment is dropped",
                     sg->first, sp->roff);
        if (sp->rseg + 1 == sp->nsegs) {
            sp->roff = sg->size;
            return AP_ENOENT;
        }
        next_segment(sp);
    }
}

void
ap_spool_stats(const struct ap_spool *sp, struct ap_spool_stats *st)
{
    st->next_seq = sp->next_seq;
    st->acked = sp->acked;
    st->pending = sp->next_seq - 1 - sp->acked;
    st->bytes = sp->bytes;
    st->segments = sp->nsegs;
    st->refused_full = sp->refused_full;
    st->refused_big = sp->refused_big;
    st->corrupt = sp->corrupt;
}
