/* libFuzzer target for the hpfeeds codec: parse every frame in the input;
 * each decoded frame must re-encode to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "ap/hpfeeds.h"
#include "ap/limits.h"
#include "ap/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
reencode(const struct hpf_msg *m, const uint8_t *orig)
{
    struct ap_buf b;
    int r = -1;

    ap_buf_init(&b, AP_LIMIT_HPF_MSG);
    switch (m->op) {
    case HPF_OP_ERROR:
        r = hpf_put_error(&b, m->data, m->data_len);
        break;
    case HPF_OP_PUBLISH:
        r = hpf_put_publish(&b, m->ident, m->ident_len, m->channel,
                            m->channel_len, m->data, m->data_len);
        break;
    case HPF_OP_SUBSCRIBE:
        r = hpf_put_subscribe(&b, m->ident, m->ident_len, m->channel,
                              m->channel_len);
        break;
    case HPF_OP_UNSUBSCRIBE:
        r = hpf_put_unsubscribe(&b, m->ident, m->ident_len, m->channel,
                                m->channel_len);
        break;
    default:
        break;
    }
    if (r == 0 && (b.len != m->total || memcmp(ap_buf_data(&b), orig, b.len)))
        abort();
    ap_buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hpf_msg m;
    ssize_t n;

    while (size > 0) {
        n = hpf_parse(data, size, AP_LIMIT_HPF_MSG, &m);
        if (n <= 0)
            break;
        if ((size_t)n > size || m.ident_len > 255 || m.channel_len > size)
            abort();
        reencode(&m, data);
        data += n;
        size -= (size_t)n;
    }
    return 0;
}
