/*
 * The on-disk spool: every event a sensor emits is appended here before
 * anything tries to deliver it, and stays until the server acknowledges
 * it (docs/SENSOR.md "Spool").
 *
 * Layout: a directory of segment files named after the first sequence
 * number they hold ("00000000000000000001.seg"), each starting with the
 * 8-byte magic "APSPOOL1" and followed by records:
 *
 *   u32 payload length (big-endian) | u32 CRC-32C of (seq || payload)
 *   | u64 sequence number (big-endian) | payload (one JSON event)
 *
 * The record codec is pure (ap_spool_rec_parse) so the fuzzer and unit
 * tests call it directly; the rest of this file does the I/O.
 */
#ifndef AP_SENSOR_SPOOL_H
#define AP_SENSOR_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ap/buf.h"

#define AP_SPOOL_MAGIC "APSPOOL1"
#define AP_SPOOL_MAGIC_LEN 8
#define AP_SPOOL_REC_HDR 16
/* One event; a bigger one is refused (AP_ETOOBIG), never truncated.
 * Room for a file of files_max_size (at most 6 MiB) in base64 plus the
 * event around it, and below the broker's 10 MiB message cap. */
#define AP_SPOOL_REC_MAX (9u * 1024u * 1024u)

struct ap_spool_rec {
    uint64_t seq;
    const uint8_t *data; /* borrows from the parsed input */
    size_t len;
};

/*
 * Parse one record from p[0..len).  Returns the bytes it occupies, 0 if p
 * holds only part of it, AP_EPROTO for a length of 0 or above max, and
 * AP_EPROTO when the CRC does not match.  *out is set only on success.
 */
ssize_t ap_spool_rec_parse(const uint8_t *p, size_t len, size_t max,
                           struct ap_spool_rec *out);
/* Append one record to b.  AP_ETOOBIG past AP_SPOOL_REC_MAX or b's cap. */
int ap_spool_rec_put(struct ap_buf *b, uint64_t seq, const void *p, size_t n);

struct ap_spool;

enum ap_spool_fsync {
    AP_SPOOL_FSYNC_NEVER,    /* leave it to the kernel */
    AP_SPOOL_FSYNC_INTERVAL, /* ap_spool_sync() from a timer (default 1 s) */
    AP_SPOOL_FSYNC_ALWAYS,   /* fdatasync after every record */
};

/*
 * Open (creating) the spool in dir.  Scans every segment: a segment with a
 * bad magic is renamed "*.corrupt" and skipped; a corrupt or torn record
 * ends the usable part of its segment (the newest segment is truncated
 * there so appends continue cleanly).  Each problem is logged, none is
 * fatal.  On error writes a message to err.
 */
int ap_spool_open(const char *dir, size_t max_bytes, size_t segment_bytes,
                  enum ap_spool_fsync fsync_policy, struct ap_spool **out,
                  char *err, size_t errlen);
void ap_spool_free(struct ap_spool *sp);

/* The sequence number the next appended record will get (starts at 1,
 * never reused, survives restarts). */
uint64_t ap_spool_next_seq(const struct ap_spool *sp);

/*
 * Append a payload with sequence ap_spool_next_seq() and advance it.
 * AP_EFULL when the spool is at max_bytes (nothing written; the caller
 * counts and logs it), AP_ETOOBIG for an oversize payload, AP_EIO on a
 * write error (the segment is truncated back, nothing half-written stays).
 */
int ap_spool_append(struct ap_spool *sp, const void *p, size_t n);
/* fdatasync the segment being written (the fsync timer). */
int ap_spool_sync(struct ap_spool *sp);

/*
 * The server has durably stored every sequence <= seq: delete the
 * segments that hold nothing newer, remember seq (persisted in "acked",
 * so a restart does not replay them).  Older or equal acks are ignored.
 */
void ap_spool_ack(struct ap_spool *sp, uint64_t seq);
uint64_t ap_spool_acked(const struct ap_spool *sp);

/*
 * The delivery cursor.  ap_spool_next returns the next record after the
 * cursor that is not yet acknowledged: 0 with *rec set (its data valid
 * until the next call), AP_ENOENT when the cursor has caught up.  Corrupt
 * records are logged, counted and skipped.  ap_spool_rewind puts the
 * cursor back to the oldest unacknowledged record (after a reconnect).
 */
int ap_spool_next(struct ap_spool *sp, struct ap_spool_rec *rec);
void ap_spool_rewind(struct ap_spool *sp);

struct ap_spool_stats {
    uint64_t next_seq, acked;
    uint64_t pending;       /* events appended but not acknowledged */
    uint64_t bytes;         /* on disk, all segments */
    uint64_t segments;
    uint64_t refused_full;  /* appends refused because the spool was full */
    uint64_t refused_big;   /* appends refused as oversize */
    uint64_t corrupt;       /* corrupt records or segments skipped */
};
void ap_spool_stats(const struct ap_spool *sp, struct ap_spool_stats *st);

#endif
