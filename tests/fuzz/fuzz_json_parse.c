/* ap_json_parse_object_fast must make what json_loadb(JSON_REJECT_
 * DUPLICATES) makes -- equal values, members in the same order -- or
 * give up (NULL); never a value where jansson reports an error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ap/json_dump.h"
#include "ap/json_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *fast = ap_json_parse_object_fast((const char *)data, size);
    json_t *slow = json_loadb((const char *)data, size,
                              JSON_REJECT_DUPLICATES, NULL);
    char *a, *b;
    size_t na, nb;

    if (fast != NULL) {
        if (slow == NULL || !json_equal(fast, slow))
            abort();
        /* the order too: the compact dumps are byte-identical */
        na = ap_json_dumpb_compact(fast, NULL, 0);
        nb = ap_json_dumpb_compact(slow, NULL, 0);
        if (na != nb || (a = malloc(na + 1)) == NULL ||
            (b = malloc(nb + 1)) == NULL)
            abort();
        if (ap_json_dumpb_compact(fast, a, na) != na ||
            ap_json_dumpb_compact(slow, b, nb) != nb || memcmp(a, b, na) != 0)
            abort();
        free(a);
        free(b);
    }
    json_decref(fast);
    json_decref(slow);
    return 0;
}
