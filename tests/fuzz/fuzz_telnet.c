/* libFuzzer target for the telnet stream parser: walk the whole input
 * item by item; every item must lie inside the input and make progress. */
#include <stdlib.h>

#include "telnet_parse.h"

#include "ap/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        struct tn_item it;
        unsigned w, h;
        char name[32];
        ssize_t n = tn_parse(data + off, size - off, &it);
        if (n <= 0)
            break;
        if ((size_t)n > size - off)
            abort();
        if ((it.kind == TN_ITEM_DATA || it.kind == TN_ITEM_SB) &&
            (it.p < data || it.p + it.n > data + size))
            abort();
        if (it.kind == TN_ITEM_SB) {
            (void)tn_sb_naws(&it, &w, &h);
            (void)tn_sb_ttype(&it, name, sizeof(name));
        }
        off += (size_t)n;
    }
    return 0;
}
