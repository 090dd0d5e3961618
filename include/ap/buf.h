/*
 * A growable byte buffer with a hard cap (curl's dynbuf.toobig, OpenSSH's
 * sshbuf.max_size).  There is no way to create one without a cap.
 *
 * Bytes live in data[off .. off+len).  Consuming from the front is O(1);
 * the gap is reclaimed when the buffer next grows.
 */
#ifndef AP_BUF_H
#define AP_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct ap_buf {
    uint8_t *data;
    size_t off;   /* start of valid bytes */
    size_t len;   /* number of valid bytes */
    size_t alloc; /* bytes allocated at data */
    size_t max;   /* hard cap on len */
};

/* Initialise an empty buffer that may never hold more than max bytes. */
void ap_buf_init(struct ap_buf *b, size_t max);
/* Free the storage; the buffer is empty and reusable afterwards. */
void ap_buf_release(struct ap_buf *b);
/* Drop all bytes but keep the storage. */
void ap_buf_reset(struct ap_buf *b);

static inline const uint8_t *
ap_buf_data(const struct ap_buf *b)
{
    return b->data ? b->data + b->off : (const uint8_t *)"";
}
static inline size_t
ap_buf_len(const struct ap_buf *b)
{
    return b->len;
}

/* Append n bytes.  AP_ETOOBIG if the cap would be exceeded (nothing is
 * appended), AP_ENOMEM on allocation failure. */
int ap_buf_append(struct ap_buf *b, const void *p, size_t n);
int ap_buf_put_u8(struct ap_buf *b, uint8_t v);
int ap_buf_put_be16(struct ap_buf *b, uint16_t v);
int ap_buf_put_be32(struct ap_buf *b, uint32_t v);
/* Append a NUL-terminated string without its NUL. */
int ap_buf_puts(struct ap_buf *b, const char *s);
/* Append formatted text (vsnprintf; no NUL is kept). */
int ap_buf_printf(struct ap_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ap_buf_vprintf(struct ap_buf *b, const char *fmt, va_list ap);

/* Make room for n more bytes and return where to write them in *out; the
 * caller then calls ap_buf_commit with the number actually written. */
int ap_buf_reserve(struct ap_buf *b, size_t n, uint8_t **out);
void ap_buf_commit(struct ap_buf *b, size_t n);

/* Drop n bytes from the front (n is clamped to len). */
void ap_buf_consume(struct ap_buf *b, size_t n);

/* Return a NUL-terminated view of the contents (a NUL is placed after the
 * last byte; it is not counted in len).  Returns NULL on ENOMEM/ETOOBIG. */
const char *ap_buf_cstr(struct ap_buf *b);

#endif
