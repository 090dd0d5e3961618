/*
 * File contents that travel to the server inside events (docs/EVENTS.md,
 * "File contents"): uploads carry their bytes as content_b64 when they fit
 * files_max_size, and every interactive session's asciicast recording is
 * published once at its end as a ttylog event, before the disconnect.
 * Events go through the spool like any other, so nothing is lost when the
 * server is away.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/proto.h"
#include "ap/util.h"
#include "term.h"

#include "ap/common.h"

int
term_sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return AP_EINVAL;
    ap_hex(md, mdlen, out);
    return 0;
}

int
term_event_content(struct ap_session *s, json_t *ev, const void *p, size_t n)
{
    if (n == 0 || n > ap_session_files_max(s))
        return 0; /* sha256 and size still describe it */
    return ap_event_set_b64(ev, "content_b64", p, n, n);
}

/* Read the whole recording (the writer keeps it under AP_LIMIT_TTYLOG and
 * stops at a line boundary when it would pass it). */
static int
read_cast(const char *path, struct ap_buf *b)
{
    uint8_t *w;
    ssize_t k;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r = 0;

    if (fd < 0)
        return AP_EIO;
    for (;;) {
        size_t room = AP_MIN(b->max - ap_buf_len(b), (size_t)65536);
        if (room == 0)
            break; /* at the cap: the writer never went past it */
        if ((r = ap_buf_reserve(b, room, &w)) != 0)
            break;
        if ((k = read(fd, w, room)) <= 0) {
            r = k < 0 ? AP_EIO : 0;
            break;
        }
        ap_buf_commit(b, (size_t)k);
    }
    close(fd);
    return r;
}

void
term_publish_ttylog(struct term *t)
{
    struct ap_buf b;
    char hex[65];
    json_t *ev = NULL;
    int64_t dur;

    if (t->log.path[0] == '\0' || t->log.start_us == 0)
        return;
    dur = ap_now_us() - t->log.start_us;
    ap_buf_init(&b, AP_LIMIT_TTYLOG);
    if (read_cast(t->log.path, &b) != 0 || ap_buf_len(&b) == 0) {
        ap_log_warn("cannot read back %s", t->log.path);
        goto out;
    }
    if (term_sha256_hex(ap_buf_data(&b), ap_buf_len(&b), hex) != 0 ||
        (ev = ap_session_event(t->s, AP_EV_TTYLOG)) == NULL)
        goto out;
    if (ap_event_set_str(ev, "sha256", hex) != 0 ||
        ap_event_set_int(ev, "size", (long long)ap_buf_len(&b)) != 0 ||
        ap_event_set_b64(ev, "content_b64", ap_buf_data(&b), ap_buf_len(&b),
                         ap_buf_len(&b)) != 0 ||
        (t->log.truncated && ap_event_set_bool(ev, "truncated", 1) != 0) ||
        ap_event_set_real(ev, "duration", dur > 0 ? (double)dur / 1e6 : 0) !=
            0 ||
        ap_event_set_int(ev, "width", t->width) != 0 ||
        ap_event_set_int(ev, "height", t->height) != 0) {
        json_decref(ev);
        goto out;
    }
    ap_session_emit(t->s, ev);
out:
    ap_buf_release(&b);
    t->log.start_us = 0; /* once */
}
