/* Output formatters: any JSON object, formatted in every format, must
 * give one line without CR, LF or NUL (server/outputs/format.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "ap/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *ev = json_loadb((const char *)data, size, 0, NULL);
    struct ap_buf b;
    int f;
    size_t i;

    if (ev == NULL)
        return 0;
    ap_buf_init(&b, 1 << 20);
    for (f = AP_FMT_JSON; f <= AP_FMT_CEF_MHN; f++) {
        ap_buf_reset(&b);
        if (ap_out_format((enum ap_out_format)f, ev, &b) != 0)
            continue;
        for (i = 0; i < ap_buf_len(&b); i++)
            if (ap_buf_data(&b)[i] == '\n' || ap_buf_data(&b)[i] == '\r' ||
                ap_buf_data(&b)[i] == 0)
                abort();
    }
    ap_buf_release(&b);
    json_decref(ev);
    return 0;
}
