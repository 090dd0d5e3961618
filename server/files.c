#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ap/err.h"
#include "ap/util.h"
#include "files.h"
#include "ap/common.h"

void
ap_sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;

    EVP_Digest(p, n, h, &hl, EVP_sha256(), NULL);
    ap_hex(h, 32, out);
}

static int
mkdir_one(const char *path)
{
    if (mkdir(path, 0750) == 0 || errno == EEXIST)
        return 0;
    return AP_EIO;
}

int
ap_files_put(const char *dir, const void *p, size_t n,
             const char sha256_hex[65], int *created)
{
    char path[4096], tmp[4200], sub[4096];
    const unsigned char *b = p;
    size_t off = 0;
    ssize_t w;
    int fd, r = AP_EIO;

    if (strlen(sha256_hex) != 64 || strspn(sha256_hex, "0123456789abcdef") != 64)
        return AP_EINVAL;
    if ((size_t)snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", dir,
                         sha256_hex, sha256_hex + 2, sha256_hex) >= sizeof(path))
        return AP_EINVAL;
    if (access(path, F_OK) == 0) {
        if (created)
            *created = 0;
        return 0;
    }
    if (mkdir_one(dir) != 0)
        return AP_EIO;
    snprintf(sub, sizeof(sub), "%s/%.2s", dir, sha256_hex);
    if (mkdir_one(sub) != 0)
        return AP_EIO;
    snprintf(sub, sizeof(sub), "%s/%.2s/%.2s", dir, sha256_hex, sha256_hex + 2);
    if (mkdir_one(sub) != 0)
        return AP_EIO;
    snprintf(tmp, sizeof(tmp), "%s/.tmp.%s.%ld", sub, sha256_hex,
             (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0440);
    if (fd < 0)
        return AP_EIO;
    while (off < n) {
        w = write(fd, b + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto out;
        off += (size_t)w;
    }
    if (fchmod(fd, 0440) != 0 || fsync(fd) != 0)
        goto out;
    /* link() fails if another writer won the race: same bytes, fine */
    if (link(tmp, path) != 0 && errno != EEXIST)
        goto out;
    r = 0;
    if (created)
        *created = 1;
out:
    close(fd);
    unlink(tmp);
    return r;
}
