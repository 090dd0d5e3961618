/*
 * Uploads over SSH: a small SFTP v3 server (what `sftp` and OpenSSH 9's
 * `scp` speak) and the legacy scp sink protocol (`scp -O`, `scp -t`).
 * Files are kept in memory up to max_upload, then stored by SHA-256
 * under state_dir/files with mode 0600; the attacker's file name is
 * recorded in the upload event and never used as a path.
 *
 * Framing is bounded: an SFTP packet is at most SFTP_PACKET_MAX (OpenSSH
 * uses 256 KiB), a scp header line at most SCP_LINE_MAX.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/log.h"
#include "ap/proto.h"
#include "ap/rd.h"
#include "ap/util.h"
#include "ssh_int.h"

#include "ap/common.h"

#define SFTP_PACKET_MAX (256u * 1024u)
#define SFTP_HANDLES 16
#define SCP_LINE_MAX 1024

enum {
    FXP_INIT = 1, FXP_VERSION = 2, FXP_OPEN = 3, FXP_CLOSE = 4, FXP_READ = 5,
    FXP_WRITE = 6, FXP_LSTAT = 7, FXP_FSTAT = 8, FXP_SETSTAT = 9,
    FXP_FSETSTAT = 10, FXP_OPENDIR = 11, FXP_READDIR = 12, FXP_REMOVE = 13,
    FXP_MKDIR = 14, FXP_RMDIR = 15, FXP_REALPATH = 16, FXP_STAT = 17,
    FXP_RENAME = 18, FXP_STATUS = 101, FXP_HANDLE = 102, FXP_NAME = 104,
    FXP_ATTRS = 105,
};
enum { FX_OK = 0, FX_EOF = 1, FX_NO_SUCH_FILE = 2, FX_FAILURE = 4,
       FX_OP_UNSUPPORTED = 8 };
#define FXF_WRITE 0x02

struct upload {
    int used, dir, write;
    char name[256];
    struct ap_buf data;
    int truncated;
};

struct sftp_state {
    struct upload h[SFTP_HANDLES];
};

struct scp_state {
    int phase; /* 0 header, 1 data, 2 trailing NUL */
    char name[256];
    unsigned long long left;
    struct ap_buf data;
    int truncated;
};

/* --- the capture store ---------------------------------------------- */

void
ssh_store_upload(struct ssh_state *st, const char *name, const uint8_t *p,
                 size_t n, int truncated)
{
    char hex[65], path[700];
    const char *sd = ap_session_state_dir(st->s);
    const char *base = strrchr(name, '/');
    json_t *ev;
    int fd, w;

    if (term_sha256_hex(p, n, hex) != 0)
        return;
    if (sd) {
        w = snprintf(path, sizeof(path), "%s/files", sd);
        if (w > 0 && (size_t)w < sizeof(path) &&
            term_mkdirs(path) == 0) {
            w = snprintf(path, sizeof(path), "%s/files/%s", sd, hex);
            /* stored once by content; never executable */
            fd = w > 0 && (size_t)w < sizeof(path)
                     ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
                                      O_NOFOLLOW,
                            0600)
                     : -1;
            if (fd >= 0) {
                size_t off = 0;
                while (off < n) {
                    ssize_t k = write(fd, p + off, n - off);
                    if (k <= 0)
                        break;
                    off += (size_t)k;
                }
                close(fd);
            }
        }
    }
    if ((ev = ap_session_event(st->s, AP_EV_UPLOAD)) == NULL)
        return;
    base = base ? base + 1 : name;
    if (ap_event_set_bytes(ev, "filename", base, strlen(base)) != 0 ||
        ap_event_set_str(ev, "sha256", hex) != 0 ||
        ap_event_set_int(ev, "size", (long long)n) != 0 ||
        (!truncated && term_event_content(st->s, ev, p, n) != 0) ||
        (truncated && json_object_set_new(ev, "tags",
                                          json_pack("[s]", "truncated")) != 0)) {
        json_decref(ev);
        return;
    }
    ap_session_emit(st->s, ev);
}

/* --- SFTP ------------------------------------------------------------ */

static void
reply(struct ssh_chan *c, struct ap_buf *b)
{
    uint8_t len[4];
    size_t n = ap_buf_len(b);
    len[0] = (uint8_t)(n >> 24);
    len[1] = (uint8_t)(n >> 16);
    len[2] = (uint8_t)(n >> 8);
    len[3] = (uint8_t)n;
    ssh_channel_write(c->ch, len, 4);
    ssh_channel_write(c->ch, ap_buf_data(b), (uint32_t)n);
}

static void
put_str(struct ap_buf *b, const char *s)
{
    ap_buf_put_be32(b, (uint32_t)strlen(s));
    ap_buf_puts(b, s);
}

static void
status(struct ssh_chan *c, uint32_t id, uint32_t code, const char *msg)
{
    struct ap_buf b;
    ap_buf_init(&b, 1024);
    ap_buf_put_u8(&b, FXP_STATUS);
    ap_buf_put_be32(&b, id);
    ap_buf_put_be32(&b, code);
    put_str(&b, msg);
    put_str(&b, "");
    reply(c, &b);
    ap_buf_release(&b);
}

/* ATTRS: size, uid/gid, permissions, times */
static void
put_attrs(struct ap_buf *b, int dir, uint64_t size)
{
    uint32_t t = (uint32_t)(ap_now_us() / 1000000);
    ap_buf_put_be32(b, 0x1 | 0x2 | 0x4 | 0x8);
    ap_buf_put_be32(b, (uint32_t)(size >> 32));
    ap_buf_put_be32(b, (uint32_t)size);
    ap_buf_put_be32(b, 0);
    ap_buf_put_be32(b, 0);
    ap_buf_put_be32(b, dir ? 040755u : 0100644u);
    ap_buf_put_be32(b, t);
    ap_buf_put_be32(b, t);
}

static int
read_str(struct ap_rd *r, char *out, size_t len)
{
    uint32_t n;
    const uint8_t *p;
    if (ap_rd_be32(r, &n) != 0 || ap_rd_bytes(r, n, &p) != 0)
        return AP_EPROTO;
    n = (uint32_t)AP_MIN((size_t)n, len - 1);
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

/* A directory as far as this host admits: the usual writable ones. */
static int
known_dir(const char *p)
{
    static const char *const dirs[] = {"/", "/root", "/tmp", "/var/tmp",
                                       "/dev/shm", "/home", "/var", "/etc",
                                       "/usr", "/opt"};
    size_t i, n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    for (i = 0; i < AP_ARRAY_SIZE(dirs); i++)
        if (strlen(dirs[i]) == n && strncmp(dirs[i], p, n) == 0)
            return 1;
    return 0;
}

static void
abs_path(const struct ssh_state *st, const char *in, char *out, size_t len)
{
    const char *home = strcmp(st->user, "root") == 0 ? "/root" : "/tmp";
    if (in[0] == '/')
        snprintf(out, len, "%s", in);
    else if (in[0] == '\0' || strcmp(in, ".") == 0)
        snprintf(out, len, "%s", home);
    else
        snprintf(out, len, "%s/%s", home, in);
}

static void
sftp_packet(struct ssh_chan *c, const uint8_t *p, size_t n)
{
    struct sftp_state *ss = c->sftpst;
    struct ap_rd r;
    uint8_t type;
    uint32_t id = 0, h;
    char path[512], full[600];
    struct ap_buf b;

    ap_rd_init(&r, p, n);
    if (ap_rd_u8(&r, &type) != 0)
        return;
    ap_buf_init(&b, SFTP_PACKET_MAX);
    if (type == FXP_INIT) {
        ap_buf_put_u8(&b, FXP_VERSION);
        ap_buf_put_be32(&b, 3);
        reply(c, &b);
        goto out;
    }
    if (ap_rd_be32(&r, &id) != 0)
        goto out;
    switch (type) {
    case FXP_REALPATH:
    case FXP_STAT:
    case FXP_LSTAT:
        if (read_str(&r, path, sizeof(path)) != 0)
            break;
        abs_path(c->st, path, full, sizeof(full));
        if (type == FXP_REALPATH) {
            ap_buf_put_u8(&b, FXP_NAME);
            ap_buf_put_be32(&b, id);
            ap_buf_put_be32(&b, 1);
            put_str(&b, full);
            put_str(&b, full);
            ap_buf_put_be32(&b, 0);
            reply(c, &b);
        } else if (known_dir(full)) {
            ap_buf_put_u8(&b, FXP_ATTRS);
            ap_buf_put_be32(&b, id);
            put_attrs(&b, 1, 4096);
            reply(c, &b);
        } else {
            status(c, id, FX_NO_SUCH_FILE, "No such file");
        }
        goto out;
    case FXP_OPEN:
    case FXP_OPENDIR: {
        uint32_t pflags = 0;
        if (read_str(&r, path, sizeof(path)) != 0)
            break;
        if (type == FXP_OPEN && ap_rd_be32(&r, &pflags) != 0)
            break;
        for (h = 0; h < SFTP_HANDLES && ss->h[h].used; h++)
            ;
        if (h == SFTP_HANDLES) {
            status(c, id, FX_FAILURE, "Failure");
            goto out;
        }
        if (type == FXP_OPEN && !(pflags & FXF_WRITE)) {
            status(c, id, FX_NO_SUCH_FILE, "No such file");
            goto out;
        }
        memset(&ss->h[h], 0, sizeof(ss->h[h]));
        ss->h[h].used = 1;
        ss->h[h].dir = type == FXP_OPENDIR;
        ss->h[h].write = type == FXP_OPEN;
        abs_path(c->st, path, ss->h[h].name, sizeof(ss->h[h].name));
        ap_buf_init(&ss->h[h].data, c->st->conf->max_upload);
        ap_buf_put_u8(&b, FXP_HANDLE);
        ap_buf_put_be32(&b, id);
        ap_buf_put_be32(&b, 4);
        ap_buf_put_be32(&b, h);
        reply(c, &b);
        goto out;
    }
    case FXP_WRITE:
    case FXP_CLOSE:
    case FXP_FSTAT:
    case FXP_READDIR:
    case FXP_READ:
    case FXP_FSETSTAT: {
        uint32_t hl;
        const uint8_t *hp;
        struct upload *u;
        if (ap_rd_be32(&r, &hl) != 0 || hl != 4 || ap_rd_be32(&r, &h) != 0 ||
            h >= SFTP_HANDLES || !ss->h[h].used) {
            status(c, id, FX_FAILURE, "Bad handle");
            goto out;
        }
        AP_UNUSED(hp);
        u = &ss->h[h];
        if (type == FXP_WRITE) {
            uint32_t hi, lo, dl;
            const uint8_t *d;
            if (ap_rd_be32(&r, &hi) != 0 || ap_rd_be32(&r, &lo) != 0 ||
                ap_rd_be32(&r, &dl) != 0 || ap_rd_bytes(&r, dl, &d) != 0)
                break;
            uint64_t off = (uint64_t)hi << 32 | lo;
            /* sequential writes append; a gap or overlap is recorded as
             * far as the cap allows */
            if (off == ap_buf_len(&u->data)) {
                if (ap_buf_append(&u->data, d, dl) != 0)
                    u->truncated = 1;
            } else {
                u->truncated = 1;
            }
            status(c, id, FX_OK, "Success");
        } else if (type == FXP_CLOSE) {
            if (u->write)
                ssh_store_upload(c->st, u->name, ap_buf_data(&u->data),
                                 ap_buf_len(&u->data), u->truncated);
            ap_buf_release(&u->data);
            u->used = 0;
            status(c, id, FX_OK, "Success");
        } else if (type == FXP_FSTAT) {
            ap_buf_put_u8(&b, FXP_ATTRS);
            ap_buf_put_be32(&b, id);
            put_attrs(&b, u->dir, ap_buf_len(&u->data));
            reply(c, &b);
        } else if (type == FXP_FSETSTAT) {
            status(c, id, FX_OK, "Success");
        } else {
            status(c, id, FX_EOF, "End of file");
        }
        goto out;
    }
    case FXP_SETSTAT:
    case FXP_MKDIR:
    case FXP_REMOVE:
    case FXP_RMDIR:
    case FXP_RENAME:
        status(c, id, FX_OK, "Success");
        goto out;
    default:
        status(c, id, FX_OP_UNSUPPORTED, "Operation unsupported");
        goto out;
    }
    status(c, id, FX_FAILURE, "Bad message");
out:
    ap_buf_release(&b);
}

int
ssh_sftp_input(struct ssh_chan *c, const uint8_t *p, size_t n)
{
    if (c->sftpst == NULL && (c->sftpst = calloc(1, sizeof(*c->sftpst))) ==
                                 NULL)
        return AP_ENOMEM;
    if (ap_buf_append(&c->in, p, n) != 0)
        return AP_ETOOBIG;
    for (;;) {
        const uint8_t *d = ap_buf_data(&c->in);
        size_t len = ap_buf_len(&c->in);
        uint32_t plen;
        if (len < 4)
            return 0;
        plen = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
               (uint32_t)d[2] << 8 | d[3];
        if (plen == 0 || plen > SFTP_PACKET_MAX)
            return AP_EPROTO;
        if (len - 4 < plen)
            return 0;
        sftp_packet(c, d + 4, plen);
        ap_buf_consume(&c->in, 4 + (size_t)plen);
    }
}

void
ssh_sftp_free(struct ssh_chan *c)
{
    size_t i;
    if (c->sftpst) {
        for (i = 0; i < SFTP_HANDLES; i++) {
            struct upload *u = &c->sftpst->h[i];
            if (!u->used)
                continue;
            /* the client went away mid-upload: keep what arrived */
            if (u->write && ap_buf_len(&u->data) > 0)
                ssh_store_upload(c->st, u->name, ap_buf_data(&u->data),
                                 ap_buf_len(&u->data), 1);
            ap_buf_release(&u->data);
        }
        free(c->sftpst);
        c->sftpst = NULL;
    }
    if (c->scpst) {
        ap_buf_release(&c->scpst->data);
        free(c->scpst);
        c->scpst = NULL;
    }
}

/* --- scp -t ------------------------------------------------------------ */

int
ssh_scp_start(struct ssh_chan *c, const char *cmd)
{
    AP_UNUSED(cmd);
    if ((c->scpst = calloc(1, sizeof(*c->scpst))) == NULL)
        return AP_ENOMEM;
    ap_buf_init(&c->scpst->data, c->st->conf->max_upload);
    ssh_channel_write(c->ch, "", 1); /* ready */
    return 0;
}

int
ssh_scp_input(struct ssh_chan *c, const uint8_t *p, size_t n)
{
    struct scp_state *sc = c->scpst;
    size_t i = 0;

    if (sc == NULL)
        return AP_EINVAL;
    while (i < n) {
        if (sc->phase == 1) {
            size_t k = (size_t)AP_MIN((unsigned long long)(n - i), sc->left);
            if (ap_buf_append(&sc->data, p + i, k) != 0)
                sc->truncated = 1;
            sc->left -= k;
            i += k;
            if (sc->left == 0)
                sc->phase = 2;
            continue;
        }
        if (sc->phase == 2) {
            /* the NUL after the file data */
            i++;
            ssh_store_upload(c->st, sc->name, ap_buf_data(&sc->data),
                             ap_buf_len(&sc->data), sc->truncated);
            ap_buf_reset(&sc->data);
            sc->truncated = 0;
            sc->phase = 0;
            ssh_channel_write(c->ch, "", 1);
            continue;
        }
        /* a header line: C0644 SIZE NAME, D..., E, T... */
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t k = nl ? (size_t)(nl - (p + i)) + 1 : n - i;
        if (ap_buf_append(&c->in, p + i, k) != 0 ||
            ap_buf_len(&c->in) > SCP_LINE_MAX)
            return AP_EPROTO;
        i += k;
        if (nl == NULL)
            break;
        const char *line = ap_buf_cstr(&c->in);
        if (line == NULL)
            return AP_ENOMEM;
        if (line[0] == 'C') {
            unsigned mode;
            unsigned long long size;
            char name[256];
            if (sscanf(line, "C%o %llu %255[^\n]", &mode, &size, name) != 3) {
                ssh_channel_write(c->ch, "\x01scp: protocol error\n", 21);
                return AP_EPROTO;
            }
            snprintf(sc->name, sizeof(sc->name), "%s", name);
            sc->left = size;
            sc->phase = size ? 1 : 2;
        }
        ap_buf_reset(&c->in);
        ssh_channel_write(c->ch, "", 1);
    }
    return 0;
}
