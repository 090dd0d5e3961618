/* ap_json_dumpb_compact must be json_dumpb(JSON_COMPACT), byte for byte
 * and in its length (0 = error), on any value: built from the bytes
 * (tests/unit/lib/json_gen.h), and parsed from them as JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../unit/lib/json_gen.h"
#include "ap/json_dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const json_t *v)
{
    size_t want = json_dumpb(v, NULL, 0, JSON_COMPACT), got;
    char *a, *b;

    got = ap_json_dumpb_compact(v, NULL, 0);
    if (got != want)
        abort();
    if (want == 0)
        return;
    if ((a = malloc(want)) == NULL || (b = malloc(want)) == NULL)
        abort();
    if (json_dumpb(v, a, want, JSON_COMPACT) != want ||
        ap_json_dumpb_compact(v, b, want) != want || memcmp(a, b, want) != 0)
        abort();
    /* one byte short: still the whole length */
    if (ap_json_dumpb_compact(v, b, want - 1) != want)
        abort();
    free(a);
    free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jg g = {data, size};
    json_t *v = jg_value(&g, 0);

    if (v != NULL) {
        check(v);
        json_decref(v);
    }
    v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                   NULL);
    if (v != NULL) {
        check(v);
        json_decref(v);
    }
    return 0;
}
