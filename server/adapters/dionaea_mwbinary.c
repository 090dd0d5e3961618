/*
 * mwbinary.dionaea.sensorunique: the raw bytes of a file dionaea captured
 * (not JSON).  The file is kept once by SHA-256 (server/files.h) and a
 * download event records it; the matching dionaea.capture message carries
 * the addresses and URL (joined by md5).
 */
#include <stdio.h>

#include <openssl/evp.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/util.h"
#include "files.h"
#include "ap/common.h"

int
ad_dionaea_mwbinary(struct ad_ctx *c)
{
    unsigned char md5[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    char sha[65], md5hex[33];
    json_t *ev;
    int r;

    if (c->in->len == 0)
        return ad_fail(c, "empty file");
    ap_sha256_hex(c->in->payload, c->in->len, sha);
    EVP_Digest(c->in->payload, c->in->len, md5, &ml, EVP_md5(), NULL);
    ap_hex(md5, 16, md5hex);
    if (c->in->files_dir != NULL &&
        (r = ap_files_put(c->in->files_dir, c->in->payload, c->in->len, sha,
                          NULL)) != 0)
        return ad_fail(c, "cannot store file %s: %s", sha, ap_strerror(r));
    if ((ev = ad_event(c, AP_EV_DOWNLOAD, "dionaea", 0)) == NULL)
        return 0;
    ad_set_str(c, ev, "sha256", sha);
    ad_set_str(c, ev, "md5", md5hex);
    ad_set_int(c, ev, "size", (long long)c->in->len);
    if (c->in->files_dir != NULL)
        ad_add_tag(c, ev, "file_stored");
    return 0;
}
