/* libFuzzer target for the emulated shell: the parser on any bytes, and
 * whatever parses is run in a fresh session shell (expansion, arithmetic,
 * commands, the file system), which must stay within its caps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/limits.h"
#include "sh.h"
#include "sh_parse.h"

#include "ap/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sh_host host;
    struct sh_node *n = NULL;
    struct sh *sh;
    int rc;

    rc = sh_parse((const char *)data, size, &n);
    if (rc > 0) {
        if (rc != (int)size)
            abort();
        sh_node_free(n);
    } else if (n != NULL) {
        abort(); /* out set on failure */
    }
    if (rc <= 0 || size > 4096)
        return 0;
    host.p = sh_profile_default();
    snprintf(host.hostname, sizeof(host.hostname), "fuzz");
    snprintf(host.ip, sizeof(host.ip), "10.0.0.2");
    host.boot_time = 1700000000;
    if ((sh = sh_new(&host, "root", 1)) == NULL)
        return 0;
    sh_run(sh, (const char *)data, size);
    if (ap_buf_len(&sh->out) > AP_LIMIT_SH_OUTPUT ||
        sh->fs->bytes > AP_LIMIT_SH_FS_BYTES)
        abort();
    sh_free(sh);
    return 0;
}
