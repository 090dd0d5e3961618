/* Firewall log parsers (server/intel/fwlog.h): each input line through
 * the LOG-line parser and, with the first line as header, the CSV one;
 * and the whole input through the line reader (format detection) that
 * `apiary correlate` and the firewall alert rule use. */
#include <stdint.h>
#include <string.h>

#include "fwlog.h"
#include "ap/err.h"
#include "ap/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size, *nl;
    struct ap_fw_csv h;
    struct ap_fw_rec r;
    struct ap_fw_reader rd;
    int have_hdr = -1;

    (void)ap_fw_reader_init(&rd, NULL, 2026);
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        (void)ap_fw_parse_nflog(p, n, 2026, &r);
        if (have_hdr < 0)
            have_hdr = ap_fw_csv_header(p, n, &h) == 0;
        else if (have_hdr)
            (void)ap_fw_parse_csv(&h, p, n, &r);
        if (ap_fw_reader_line(&rd, p, n, &r) == AP_ECONF)
            ap_fw_reader_restart(&rd);
        p += n;
    }
    return 0;
}
