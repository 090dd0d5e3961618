/*
 * Every protocol module built into the sensor, in one explicit table
 * (STYLE.md 3.3: OpenSSH authmethods[]).  Adding a module is one line
 * here plus its directory under sensor/proto/ (docs/PROTOCOL-MODULE.md).
 */
#include <stddef.h>
#include <string.h>

#include "ap/proto.h"
#include "sensor.h"
#include "ap/common.h"

extern const struct ap_proto ap_proto_tcp;
extern const struct ap_proto ap_proto_ssh;
extern const struct ap_proto ap_proto_telnet;

const struct ap_proto *const ap_protos[] = {
    &ap_proto_tcp,
    &ap_proto_ssh,
    &ap_proto_telnet,
    NULL,
};

const struct ap_proto *
ap_proto_find(const char *name)
{
    size_t i;

    for (i = 0; ap_protos[i] != NULL; i++)
        if (strcmp(ap_protos[i]->name, name) == 0)
            return ap_protos[i];
    return NULL;
}
