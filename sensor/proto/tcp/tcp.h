/*
 * The `tcp` module (dionaea's blackhole, honeytrap): accepts on any port,
 * optionally sends a banner, records the first bytes the attacker sends
 * (bounded) as one `data` event, and closes after the idle timeout.
 */
#ifndef AP_PROTO_TCP_H
#define AP_PROTO_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ap/limits.h"

/* A banner after decoding; config lines are 4 KiB at most anyway. */
#define TCP_BANNER_MAX 1024u

struct tcp_conf {
    char *banner;        /* as written in the config, with \r\n escapes */
    size_t capture;      /* bytes of attacker data kept per session */
    uint8_t banner_bytes[TCP_BANNER_MAX];
    size_t banner_len;
};

/*
 * Decode a banner written with C-style escapes (\r \n \t \\ \0 \xNN) into
 * out[0..max).  Pure.  Returns the decoded length, or AP_EINVAL for a bad
 * escape, AP_ETOOBIG if it does not fit.
 */
ssize_t tcp_banner_decode(const char *s, uint8_t *out, size_t max);

#endif
