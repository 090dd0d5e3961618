/*
 * Checked readers over untrusted bytes (OpenSSH sshbuf_get_*).  Every read
 * either succeeds and advances, or returns AP_ESHORT and leaves the cursor
 * and the output untouched.  Nobody casts a struct over wire bytes.
 */
#ifndef AP_RD_H
#define AP_RD_H

#include <stddef.h>
#include <stdint.h>

struct ap_rd {
    const uint8_t *p; /* borrows */
    size_t len;
};

static inline void
ap_rd_init(struct ap_rd *r, const void *p, size_t len)
{
    r->p = (const uint8_t *)p;
    r->len = len;
}

int ap_rd_u8(struct ap_rd *r, uint8_t *v);
int ap_rd_be16(struct ap_rd *r, uint16_t *v);
int ap_rd_be32(struct ap_rd *r, uint32_t *v);
int ap_rd_le16(struct ap_rd *r, uint16_t *v);
int ap_rd_le32(struct ap_rd *r, uint32_t *v);
int ap_rd_le64(struct ap_rd *r, uint64_t *v);
/* Borrow n bytes: *v points into the input. */
int ap_rd_bytes(struct ap_rd *r, size_t n, const uint8_t **v);
/* A string with a 1-byte length prefix (hpfeeds s8). Borrows. */
int ap_rd_s8(struct ap_rd *r, const uint8_t **v, size_t *n);
/* Skip n bytes. */
int ap_rd_skip(struct ap_rd *r, size_t n);
/* Take everything that is left (may be 0 bytes). Borrows. */
void ap_rd_rest(struct ap_rd *r, const uint8_t **v, size_t *n);

#endif
