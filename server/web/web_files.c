/*
 * Captured files out of the web (docs/API.md "Files"):
 *   GET /api/v1/files/<sha256>/download?format=zip   any user: a ZIP with
 *       the file encrypted with AES-256, password "infected" (what malware
 *       analysts expect: nothing on the way or on the desktop can run or
 *       scan-quarantine it by accident);
 *   GET /api/v1/files/<sha256>/download?format=raw   admins only: the
 *       bytes as application/octet-stream, attachment, never inline;
 *   GET /api/v1/ttylog/<sha256>                       any user: a TTY
 *       recording for the player, only for files the store registered
 *       as "asciicast" (so this cannot hand out raw malware).
 * Files live in data_dir/files/ab/cd/<sha256> (server/files.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "ap/err.h"
#include "ap/event.h"
#include "server.h"
#include "store.h"
#include "web.h"
#include "web_handlers.h"
#include "ap/common.h"

#define ZIP_PASSWORD "infected"

static int
sha_ok(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int
file_path(struct web_req *r, const char *sha, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s/files/%.2s/%.2s/%s",
                     r->w->srv->data_dir, sha, sha + 2, sha);

    return n > 0 && (size_t)n < outlen ? 0 : AP_EINVAL;
}

/* Open the stored file read-only: 0 (fd and size set), or a reply was made. */
static int
open_file(struct web_req *r, const char *sha, int *fd, uint64_t *size)
{
    char path[4096];
    struct stat sb;
    int f;

    if (!sha_ok(sha) || file_path(r, sha, path, sizeof(path)) != 0) {
        web_reply_error(r, 400, "Not a SHA-256 (64 lower-case hex digits).");
        return AP_EINVAL;
    }
    f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (f < 0) {
        web_reply_error(r, 404, "The server has no copy of this file.");
        return AP_ENOENT;
    }
    if (fstat(f, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(f);
        web_reply_error(r, 404, "The server has no copy of this file.");
        return AP_ENOENT;
    }
    *fd = f;
    *size = (uint64_t)sb.st_size;
    return 0;
}

static int
set_disposition(struct web_req *r, const char *sha, const char *ext)
{
    char d[160];

    snprintf(d, sizeof(d), "attachment; filename=\"%s%s\"", sha, ext);
    free(r->disposition);
    if ((r->disposition = strdup(d)) == NULL)
        return AP_ENOMEM;
    return 0;
}

/*
 * p[0..n) as the one entry <sha256> of an AES-256 ZIP, into r->out.
 * libzip builds the archive in memory (files are bounded by the hpfeeds
 * message cap, far below WEB_MAX_RESPONSE).
 */
static int
reply_zip(struct web_req *r, const char *sha, const void *p, size_t n)
{
    zip_source_t *mem = NULL, *in;
    zip_error_t ze;
    zip_t *za = NULL;
    zip_int64_t idx, len;
    zip_stat_t zs;
    void *buf = NULL;
    int rc = AP_EIO;

    zip_error_init(&ze);
    if ((mem = zip_source_buffer_create(NULL, 0, 0, &ze)) == NULL)
        goto out;
    zip_source_keep(mem); /* survives zip_close: the archive is read back */
    if ((za = zip_open_from_source(mem, ZIP_TRUNCATE, &ze)) == NULL)
        goto out;
    if ((in = zip_source_buffer(za, p, n, 0)) == NULL)
        goto out;
    if ((idx = zip_file_add(za, sha, in, ZIP_FL_ENC_UTF_8)) < 0) {
        zip_source_free(in);
        goto out;
    }
    if (zip_file_set_encryption(za, (zip_uint64_t)idx, ZIP_EM_AES_256,
                                ZIP_PASSWORD) != 0)
        goto out;
    if (zip_close(za) != 0)
        goto out;
    za = NULL;
    if (zip_source_stat(mem, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE) ||
        zs.size > WEB_MAX_RESPONSE || zip_source_open(mem) != 0)
        goto out;
    if ((buf = malloc(zs.size ? zs.size : 1)) == NULL) {
        zip_source_close(mem);
        rc = AP_ENOMEM;
        goto out;
    }
    len = zip_source_read(mem, buf, zs.size);
    zip_source_close(mem);
    if (len < 0 || (zip_uint64_t)len != zs.size)
        goto out;
    if ((rc = web_reply_text(r, 200, "application/zip", buf,
                             (size_t)len)) == 0)
        rc = set_disposition(r, sha, ".zip");
out:
    if (za != NULL)
        zip_discard(za);
    zip_source_free(mem);
    free(buf);
    zip_error_fini(&ze);
    return rc;
}

/* Read the whole stored file (bounded by WEB_MAX_RESPONSE). */
static int
slurp(int fd, uint64_t size, unsigned char **out)
{
    unsigned char *b;
    size_t off = 0;
    ssize_t n;

    if (size > WEB_MAX_RESPONSE)
        return AP_ETOOBIG;
    if ((b = malloc(size ? size : 1)) == NULL)
        return AP_ENOMEM;
    while (off < size) {
        n = read(fd, b + off, size - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(b);
            return AP_EIO;
        }
        off += (size_t)n;
    }
    *out = b;
    return 0;
}

int
web_api_file_download(struct web_req *r)
{
    const char *fmt = web_param(r, "format");
    const char *sha = r->args[0];
    unsigned char *bytes = NULL;
    uint64_t size;
    int fd, rc;

    if (fmt == NULL)
        fmt = "zip";
    if (strcmp(fmt, "zip") != 0 && strcmp(fmt, "raw") != 0)
        return web_reply_error(r, 400, "format is zip or raw.");
    if (strcmp(fmt, "raw") == 0 && r->user.role != WEB_ROLE_ADMIN)
        return web_reply_error(r, 403, "Raw samples are for admins only; "
                                       "download the encrypted ZIP.");
    if (open_file(r, sha, &fd, &size) != 0)
        return 0;
    if (strcmp(fmt, "raw") == 0) {
        /* streamed from the fd; never rendered: attachment + nosniff */
        r->has_file = 1;
        r->file_fd = fd;
        r->file_size = size;
        r->status = 200;
        r->ctype = "application/octet-stream";
        return set_disposition(r, sha, ".bin");
    }
    /* Debian 12's libzip 1.7.3 (linked with OpenSSL libcrypto) has WinZip AES;
     * a build without it must refuse rather than send an open archive */
    if (!zip_encryption_method_supported(ZIP_EM_AES_256, 1)) {
        close(fd);
        return web_reply_error(r, 501, "This libzip cannot encrypt with "
                                       "AES-256; no archive is sent.");
    }
    rc = slurp(fd, size, &bytes);
    close(fd);
    if (rc != 0)
        return web_reply_error(r, 500, "Cannot read the stored file.");
    rc = reply_zip(r, sha, bytes, (size_t)size);
    free(bytes);
    if (rc != 0)
        return web_reply_error(r, 500, "Cannot build the archive.");
    return 0;
}

/* Is sha registered as an asciicast recording in the store? */
static int
is_recording(struct ap_store *st, const char *sha)
{
    struct ap_filter f;
    json_t *rows = NULL;
    const char *ft;
    int yes = 0;

    memset(&f, 0, sizeof(f));
    f.sha256 = sha;
    if (ap_store_files(st, &f, 1, 0, &rows) != 0)
        return 0;
    ft = json_string_value(json_object_get(json_array_get(rows, 0),
                                           "filetype"));
    yes = ft != NULL && strcmp(ft, "asciicast") == 0;
    json_decref(rows);
    return yes;
}

int
web_api_ttylog(struct web_req *r)
{
    struct ap_store *st = r->w->srv->store;
    const char *sha = r->args[0];
    unsigned char *bytes = NULL;
    uint64_t size;
    int fd, rc;

    if (st == NULL)
        return web_reply_error(r, 503, "The event store is not running.");
    if (!sha_ok(sha))
        return web_reply_error(r, 400,
                               "Not a SHA-256 (64 lower-case hex digits).");
    if (!is_recording(st, sha))
        return web_reply_error(r, 404, "No such recording.");
    if (open_file(r, sha, &fd, &size) != 0)
        return 0;
    rc = slurp(fd, size, &bytes);
    close(fd);
    if (rc != 0)
        return web_reply_error(r, 500, "Cannot read the recording.");
    /* a sensor said "asciicast": serve only what looks like one (UTF-8
     * text opening with the JSON header), never arbitrary bytes */
    if (size == 0 || bytes[0] != '{' || !ap_utf8_valid(bytes, size)) {
        free(bytes);
        return web_reply_error(r, 404, "No such recording.");
    }
    /* text for the player's fetch(); nosniff and the CSP keep it inert */
    rc = web_reply_text(r, 200, "application/x-asciicast", bytes,
                        (size_t)size);
    free(bytes);
    return rc;
}
