/* The collector's content_b64 handling (collector_content.c): any event
 * object, and the base64 decoder on raw bytes.  No files directory and no
 * store: nothing is written while fuzzing. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "collector_content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *b = NULL;
    json_t *ev;

    if (ap_b64_decode((const char *)data, size, 1u << 20, &b) >= 0)
        free(b);
    ev = json_loadb((const char *)data, size, 0, NULL);
    if (ev != NULL && json_is_object(ev)) {
        ap_content_take(ev, NULL, NULL);
        if (json_object_get(ev, "content_b64") || json_object_get(ev, "content"))
            abort(); /* content must never survive */
    }
    json_decref(ev);
    return 0;
}
