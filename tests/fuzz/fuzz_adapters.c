/* libFuzzer target for the adapter dispatcher: the first byte picks the
 * channel, the rest is the payload.  Whatever comes in, ap_adapt must not
 * crash or leak, and every event it returns must validate. */
#include <stdlib.h>
#include <string.h>

#include "adapters.h"
#include "ap/event.h"
#include "ap/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ap_adapt_in in;
    size_t nchan = 0, i;
    char err[512], verr[256];
    json_t *out, *ev;

    if (size < 1)
        return 0;
    while (ap_adapter_channel(nchan) != NULL)
        nchan++;
    memset(&in, 0, sizeof(in));
    in.channel = ap_adapter_channel(data[0] % nchan);
    in.ident = "fuzz";
    in.payload = data + 1;
    in.len = size - 1;
    in.rx_us = 1700000000000000LL;
    in.files_dir = NULL; /* mwbinary: no disk writes while fuzzing */
    if (ap_adapt(&in, &out, err, sizeof(err)) != 0)
        return 0;
    json_array_foreach(out, i, ev)
    {
        if (ap_event_validate(ev, verr, sizeof(verr)) != 0)
            abort();
    }
    json_decref(out);
    return 0;
}
