/*
 * json_dumpb(json, buf, size, JSON_COMPACT), byte for byte, faster: the
 * collector serializes every event it stores (~350 bytes), and jansson's
 * dumper spends ~3.7 µs on one (a callback per fragment, a UTF-8 decode
 * per character, a loop-check hash table per container).
 */
#ifndef AP_JSON_DUMP_H
#define AP_JSON_DUMP_H

#include <stddef.h>

#include <jansson.h>

/*
 * Same contract as json_dumpb with JSON_COMPACT: writes at most size
 * bytes (no NUL), returns the length of the whole serialization (more
 * than size: buf holds a truncated prefix), or 0 on error.  Output and
 * errors are jansson's in every case: what it does not handle itself
 * (reals, invalid UTF-8, nesting deeper than 32, a top-level scalar) it
 * hands to json_dumpb.
 */
size_t ap_json_dumpb_compact(const json_t *json, char *buf, size_t size);

#endif
