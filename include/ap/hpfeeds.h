/*
 * hpfeeds wire codec: a pure encoder and decoder, no I/O.  Layouts follow
 * ../shared/mhn-reference.md Part A:
 *
 *   u32 total length (big-endian, header included) | u8 opcode | body
 *   ERROR   rest=text
 *   INFO    s8(name) rest=nonce (4 bytes)
 *   AUTH    s8(ident) rest=SHA1(nonce || secret) (20 bytes)
 *   PUBLISH s8(ident) s8(channel) rest=payload
 *   SUB/UNSUB s8(ident) rest=channel
 */
#ifndef AP_HPFEEDS_H
#define AP_HPFEEDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ap/buf.h"

enum hpf_op {
    HPF_OP_ERROR = 0,
    HPF_OP_INFO = 1,
    HPF_OP_AUTH = 2,
    HPF_OP_PUBLISH = 3,
    HPF_OP_SUBSCRIBE = 4,
    HPF_OP_UNSUBSCRIBE = 5,
};

#define HPF_HDR_LEN 5
#define HPF_NONCE_LEN 4
#define HPF_DIGEST_LEN 20
#define HPF_STR_MAX 255

/* One decoded message.  Every pointer borrows from the parsed input. */
struct hpf_msg {
    uint8_t op;
    uint32_t total;                   /* frame length, header included */
    const uint8_t *ident;             /* AUTH, PUBLISH, SUBSCRIBE, UNSUB */
    size_t ident_len;
    const uint8_t *channel;           /* PUBLISH, SUBSCRIBE, UNSUBSCRIBE */
    size_t channel_len;
    const uint8_t *name;              /* INFO */
    size_t name_len;
    const uint8_t *data;              /* ERROR text, INFO nonce, AUTH digest,
                                         PUBLISH payload */
    size_t data_len;
};

/* The largest frame accepted for op: control frames are small, PUBLISH and
 * ERROR may be up to max_msg. */
size_t hpf_op_max(uint8_t op, size_t max_msg);

/*
 * Look at a frame header.  Returns the total frame length once the 5-byte
 * header is present, 0 if fewer than 5 bytes are there, AP_EPROTO for a
 * length below 5 or an unknown opcode, AP_ETOOBIG for a frame longer than
 * hpf_op_max(op, max_msg).  Lets a reader refuse an oversize frame before
 * buffering it, and stream a big PUBLISH.
 */
ssize_t hpf_frame(const uint8_t *p, size_t len, size_t max_msg);

/*
 * Decode one message from p[0..len).  Returns the bytes consumed (the frame
 * length), 0 if the frame is incomplete, or a negative AP_E* code for a
 * frame that can never be valid (as hpf_frame, plus AP_EPROTO when a string
 * overruns the frame or a required field is missing).  *out is written only
 * on success.
 */
ssize_t hpf_parse(const uint8_t *p, size_t len, size_t max_msg,
                  struct hpf_msg *out);

/* Encoders append one frame to b.  AP_EINVAL if a short string is longer
 * than 255 bytes (never truncated), AP_ETOOBIG past b's cap. */
int hpf_put_error(struct ap_buf *b, const void *text, size_t len);
int hpf_put_info(struct ap_buf *b, const void *name, size_t name_len,
                 const uint8_t nonce[HPF_NONCE_LEN]);
int hpf_put_auth(struct ap_buf *b, const void *ident, size_t ident_len,
                 const uint8_t digest[HPF_DIGEST_LEN]);
int hpf_put_publish(struct ap_buf *b, const void *ident, size_t ident_len,
                    const void *chan, size_t chan_len, const void *payload,
                    size_t payload_len);
int hpf_put_subscribe(struct ap_buf *b, const void *ident, size_t ident_len,
                      const void *chan, size_t chan_len);
int hpf_put_unsubscribe(struct ap_buf *b, const void *ident, size_t ident_len,
                        const void *chan, size_t chan_len);

/* Only the header of a PUBLISH whose payload follows separately (streaming
 * writers such as dionaea send the payload in chunks). */
int hpf_put_publish_head(struct ap_buf *b, const void *ident, size_t ident_len,
                         const void *chan, size_t chan_len, size_t payload_len);

/* SHA1(nonce || secret). */
void hpf_auth_digest(const uint8_t nonce[HPF_NONCE_LEN], const void *secret,
                     size_t secret_len, uint8_t out[HPF_DIGEST_LEN]);

/* Name of an opcode ("PUBLISH"), or "UNKNOWN". */
const char *hpf_op_name(uint8_t op);

#endif
