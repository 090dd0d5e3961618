/*
 * glastopf.files: the text "<filename> <base64 of the file>" (not JSON):
 * a file an attacker made glastopf fetch (RFI).  Kept once by SHA-256,
 * recorded as a download event.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "adapt.h"
#include "ap/err.h"
#include "files.h"
#include "ap/common.h"

int
ad_glastopf_files(struct ad_ctx *c)
{
    const char *p = (const char *)c->in->payload, *sp;
    size_t n = c->in->len, blen, i;
    unsigned char *bin;
    char sha[65];
    json_t *ev;
    int dl, r = 0;

    sp = memchr(p, ' ', n);
    if (sp == NULL || sp == p)
        return ad_fail(c, "not '<filename> <base64>'");
    blen = n - (size_t)(sp + 1 - p);
    if (blen == 0 || blen % 4 != 0 || blen > 0x7fffffff)
        return ad_fail(c, "file data is not base64");
    for (i = 0; i < blen; i++)
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789+/=",
                   sp[1 + i]) == NULL ||
            sp[1 + i] == '\0')
            return ad_fail(c, "file data is not base64");
    if ((bin = malloc(blen / 4 * 3 + 1)) == NULL)
        return AP_ENOMEM;
    dl = EVP_DecodeBlock(bin, (const unsigned char *)sp + 1, (int)blen);
    if (dl < 0) {
        r = ad_fail(c, "file data is not base64");
        goto out;
    }
    /* EVP_DecodeBlock counts the '=' padding as zero bytes */
    if (sp[blen] == '=')
        dl--;
    if (sp[blen - 1] == '=')
        dl--;
    ap_sha256_hex(bin, (size_t)dl, sha);
    if (c->in->files_dir != NULL &&
        (r = ap_files_put(c->in->files_dir, bin, (size_t)dl, sha, NULL)) != 0) {
        r = ad_fail(c, "cannot store file %s", sha);
        goto out;
    }
    if ((ev = ad_event(c, AP_EV_DOWNLOAD, "glastopf", 0)) != NULL) {
        ad_set_strn(c, ev, "filename", p, (size_t)(sp - p));
        ad_set_str(c, ev, "sha256", sha);
        ad_set_int(c, ev, "size", dl);
        ad_set_str(c, ev, "protocol", "http");
        if (c->in->files_dir != NULL)
            ad_add_tag(c, ev, "file_stored");
    }
out:
    free(bin);
    return r;
}
