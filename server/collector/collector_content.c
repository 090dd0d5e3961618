/* File bytes carried inside events (collector_content.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "collector_content.h"
#include "files.h"
#include "store.h"
#include "ap/common.h"

long long
ap_b64_decode(const char *s, size_t n, size_t max, unsigned char **out)
{
    unsigned char *b;
    size_t pad = 0;
    int dl;

    if (n % 4 != 0)
        return AP_EINVAL;
    if (n / 4 * 3 > max + 2 || n > (size_t)0x7fffffff)
        return AP_ETOOBIG;
    if ((b = malloc(n / 4 * 3 + 1)) == NULL)
        return AP_ENOMEM;
    dl = n ? EVP_DecodeBlock(b, (const unsigned char *)s, (int)n) : 0;
    if (dl < 0) {
        free(b);
        return AP_EINVAL;
    }
    /* EVP_DecodeBlock counts the '=' padding as zero bytes */
    if (n >= 1 && s[n - 1] == '=')
        pad++;
    if (n >= 2 && s[n - 2] == '=')
        pad++;
    if ((size_t)dl - pad > max) {
        free(b);
        return AP_ETOOBIG;
    }
    *out = b;
    return (long long)((size_t)dl - pad);
}

/* Do p[0..n) hash to want (hex, any case)?  hex gets the lower-case form. */
static int
hash_ok(const void *p, size_t n, const char *want, char hex[65])
{
    ap_sha256_hex(p, n, hex);
    return want != NULL && strlen(want) == 64 && strcasecmp(hex, want) == 0;
}

/*
 * The bytes of the content, whichever way the sensor set it: content_b64
 * (base64, the contract) or a content string (ap_event_set_bytes on text,
 * or base64 put under the plain name).  The hash decides; *bytes is
 * malloc'ed.  Returns the length, or a negative code (no match).
 */
static long long
content_bytes(json_t *ev, const char *want, char hex[65],
              unsigned char **bytes)
{
    const char *b64 = json_string_value(json_object_get(ev, "content_b64"));
    const char *txt = json_string_value(json_object_get(ev, "content"));
    unsigned char *b = NULL;
    long long n;

    if (b64 != NULL) {
        n = ap_b64_decode(b64, strlen(b64), AP_LIMIT_FILE_CONTENT, &b);
        if (n >= 0 && hash_ok(b, (size_t)n, want, hex)) {
            *bytes = b;
            return n;
        }
        free(b);
        return n < 0 ? n : AP_EINVAL;
    }
    if (txt != NULL) {
        size_t tl = json_string_length(json_object_get(ev, "content"));
        if (tl <= AP_LIMIT_FILE_CONTENT && hash_ok(txt, tl, want, hex) &&
            (b = malloc(tl + 1)) != NULL) {
            memcpy(b, txt, tl);
            *bytes = b;
            return (long long)tl;
        }
        n = ap_b64_decode(txt, tl, AP_LIMIT_FILE_CONTENT, &b);
        if (n >= 0 && hash_ok(b, (size_t)n, want, hex)) {
            *bytes = b;
            return n;
        }
        free(b);
        return n < 0 ? n : AP_EINVAL;
    }
    return AP_ENOENT;
}

int
ap_content_take(json_t *ev, const char *files_dir, struct ap_store *st)
{
    const char *want = json_string_value(json_object_get(ev, "sha256"));
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *sensor = json_string_value(json_object_get(ev, "sensor"));
    const char *ftype = NULL;
    unsigned char *bytes = NULL;
    char hex[65];
    long long n;
    int r, res;

    if (json_object_get(ev, "content_b64") == NULL &&
        json_object_get(ev, "content") == NULL)
        return AP_CONTENT_NONE;
    n = content_bytes(ev, want, hex, &bytes);
    json_object_del(ev, "content_b64");
    json_object_del(ev, "content");
    if (n < 0) {
        ap_log_warn("%s event from %s: content does not match its sha256 "
                    "(%s); kept without it",
                    type ? type : "?", sensor ? sensor : "?",
                    ap_strerror((int)n));
        return AP_CONTENT_MISMATCH;
    }
    res = AP_CONTENT_NOT_KEPT;
    if (files_dir == NULL)
        goto out;
    if ((r = ap_files_put(files_dir, bytes, (size_t)n, hex, NULL)) != 0) {
        ap_log_error("cannot store file %s: %s", hex, ap_strerror(r));
        goto out;
    }
    /* the event's sha256 names the file as stored (lower case) */
    json_object_set_new(ev, "sha256", json_string(hex));
    if (type != NULL && strcmp(type, "ttylog") == 0)
        ftype = "asciicast";
    /* download and upload events register their file in the store as
     * they are stored; registering them here too would count them twice */
    if (st != NULL && type != NULL && strcmp(type, "download") != 0 &&
        strcmp(type, "upload") != 0 &&
        (r = ap_store_put_file(
             st, hex, n, ftype, ap_event_ts_us(ev),
             json_string_value(json_object_get(ev, "src_ip")),
             json_string_value(json_object_get(ev, "url")))) != 0)
        ap_log_error("cannot register file %s: %s", hex, ap_strerror(r));
    res = AP_CONTENT_STORED;
out:
    free(bytes);
    return res;
}
