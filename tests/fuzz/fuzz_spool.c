/*
 * The spool reader against arbitrary bytes: first the record parser over
 * the input as a stream of records, then the input as a whole segment
 * file that the spool must open, scan, resync through and read without
 * crashing (a disk can hand back anything).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ap/log.h"
#include "spool.h"

static char dir[64];

static void
write_segment(const uint8_t *p, size_t n)
{
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "%s/%020d.seg", dir, 1);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
        abort();
    /* Most inputs get a valid magic so the record scanner is reached. */
    if (n == 0 || p[0] != 'X')
        (void)!write(fd, AP_SPOOL_MAGIC, AP_SPOOL_MAGIC_LEN);
    (void)!write(fd, p, n);
    close(fd);
}

static void
clear_dir(void)
{
    struct dirent *de;
    char path[512];
    DIR *d;

    if ((d = opendir(dir)) == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ap_spool_rec rec;
    struct ap_spool *sp;
    char err[256];
    size_t off = 0;
    ssize_t r;
    int n = 0;

    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "/tmp/fuzz-spool.%d", (int)getpid());
        mkdir(dir, 0700);
        ap_log_set_level(AP_LOG_ERROR);
        ap_log_set_file("/dev/null");
    }
    while (off < size &&
           (r = ap_spool_rec_parse(data + off, size - off, 1 << 20, &rec)) >
               0) {
        if (rec.len == 0 || rec.data < data || rec.data + rec.len > data + size)
            abort();
        off += (size_t)r;
    }
    clear_dir();
    write_segment(data, size);
    if (ap_spool_open(dir, 1 << 20, 4096, AP_SPOOL_FSYNC_NEVER, &sp, err,
                      sizeof(err)) == 0) {
        while (n++ < 10000 && ap_spool_next(sp, &rec) == 0)
            ;
        ap_spool_append(sp, "{}", 2);
        ap_spool_free(sp);
    }
    return 0;
}
