#include "ap/err.h"

static const char *const ap_errstr[] = {
    "success",
    "out of memory",
    "input too short",
    "protocol error",
    "limit exceeded",
    "I/O error",
    "configuration error",
    "invalid argument",
    "authentication failed",
    "not found",
    "already exists",
    "database error",
    "try again",
    "connection closed",
    "timed out",
    "queue full",
};

const char *
ap_strerror(int err)
{
    if (err > 0 || err <= AP_ELAST)
        return "unknown error";
    return ap_errstr[-err];
}
