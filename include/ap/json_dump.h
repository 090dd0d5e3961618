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

/*
 * The same, and fn is called with each member of json (an object), in
 * order (some twice when jansson writes it after all), whether or not
 * the output fits or succeeds: a caller that needs some of the members
 * (the store's columns) gets them without a second pass.
 */
typedef void ap_json_member_fn(void *ctx, const char *key, size_t key_len,
                               json_t *value);
size_t ap_json_dumpb_compact_each(const json_t *json, char *buf, size_t size,
                                  ap_json_member_fn *fn, void *ctx);

#endif
