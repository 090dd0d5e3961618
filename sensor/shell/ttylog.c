/* asciicast v2 writer (ttylog.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/limits.h"
#include "ttylog.h"

#include "ap/common.h"

/* Length of the valid UTF-8 sequence at p (0 if invalid). */
static size_t
utf8_len(const uint8_t *p, size_t n)
{
    size_t need, i;
    uint32_t cp;

    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xe0) == 0xc0) {
        need = 2;
        cp = p[0] & 0x1f;
    } else if ((p[0] & 0xf0) == 0xe0) {
        need = 3;
        cp = p[0] & 0x0f;
    } else if ((p[0] & 0xf8) == 0xf0) {
        need = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

int
ttylog_json_escape(struct ap_buf *out, const void *p, size_t n)
{
    const uint8_t *s = p;
    size_t i = 0;
    int rc = 0;

    while (i < n && rc == 0) {
        uint8_t c = s[i];
        size_t l;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            rc = ap_buf_append(out, e, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            rc = ap_buf_printf(out, "\\u%04x", c);
            i++;
        } else if ((l = utf8_len(s + i, n - i)) > 0) {
            rc = ap_buf_append(out, s + i, l);
            i += l;
        } else {
            rc = ap_buf_puts(out, "\\ufffd");
            i++;
        }
    }
    return rc;
}

static int
emit(struct ttylog *t, struct ap_buf *line)
{
    if (t->bytes + ap_buf_len(line) > AP_LIMIT_TTYLOG) {
        /* over the cap: stop recording, keep what we have */
        fclose(t->f);
        t->f = NULL;
        t->truncated = 1;
        return AP_ETOOBIG;
    }
    if (fwrite(ap_buf_data(line), 1, ap_buf_len(line), t->f) !=
        ap_buf_len(line))
        return AP_EIO;
    fflush(t->f);
    t->bytes += ap_buf_len(line);
    return 0;
}

int
ttylog_open(struct ttylog *t, const char *dir, const char *session,
            unsigned width, unsigned height, const char *term,
            int64_t now_us)
{
    struct ap_buf line;
    int fd, rc, w;

    memset(t, 0, sizeof(*t));
    w = snprintf(t->path, sizeof(t->path), "%s/%s.cast", dir, session);
    if (w < 0 || (size_t)w >= sizeof(t->path) || strchr(session, '/'))
        return AP_EINVAL;
    fd = open(t->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
              0600);
    if (fd < 0)
        return AP_EIO;
    if ((t->f = fdopen(fd, "w")) == NULL) {
        close(fd);
        return AP_EIO;
    }
    t->start_us = now_us;
    ap_buf_init(&line, 4096);
    ap_buf_printf(&line,
                  "{\"version\": 2, \"width\": %u, \"height\": %u, "
                  "\"timestamp\": %lld, \"env\": {\"SHELL\": \"/bin/bash\", "
                  "\"TERM\": \"",
                  width ? width : 80, height ? height : 24,
                  (long long)(now_us / 1000000));
    ttylog_json_escape(&line, term ? term : "xterm",
                       strlen(term ? term : "xterm"));
    ap_buf_puts(&line, "\"}}\n");
    rc = emit(t, &line);
    ap_buf_release(&line);
    return rc;
}

static int
event(struct ttylog *t, const char *kind, const void *p, size_t n,
      int64_t now_us)
{
    struct ap_buf line;
    int64_t d = now_us - t->start_us;
    int rc;

    if (t->f == NULL || n == 0)
        return 0;
    if (d < 0)
        d = 0;
    ap_buf_init(&line, 8 * n + 64);
    ap_buf_printf(&line, "[%lld.%06lld, \"%s\", \"", (long long)(d / 1000000),
                  (long long)(d % 1000000), kind);
    ttylog_json_escape(&line, p, n);
    ap_buf_puts(&line, "\"]\n");
    rc = emit(t, &line);
    ap_buf_release(&line);
    return rc;
}

int
ttylog_write(struct ttylog *t, char kind, const void *p, size_t n,
             int64_t now_us)
{
    return event(t, kind == 'i' ? "i" : "o", p, n, now_us);
}

int
ttylog_resize(struct ttylog *t, unsigned w, unsigned h, int64_t now_us)
{
    char s[32];
    int n = snprintf(s, sizeof(s), "%ux%u", w, h);
    return event(t, "r", s, (size_t)n, now_us);
}

void
ttylog_close(struct ttylog *t)
{
    if (t->f)
        fclose(t->f);
    t->f = NULL;
}
