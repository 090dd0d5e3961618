/*
 * Byte tests of the compact JSON writer (json_dump.c):
 * jansson's rules for what ends a plain run in a string and what UTF-8
 * it accepts.
 */
#ifndef AP_LIB_JSON_BYTES_H
#define AP_LIB_JSON_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* Whether any of the 8 bytes in x stops a run: below 0x20, '"', '\\'
 * or 0x80 and above (the "has less"/"has zero" byte tricks). */
static inline int
json_word_stops(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

    return (((x - ones * 0x20) | (q - ones) | (b - ones) | x) & high) != 0;
}

/* Length of the UTF-8 sequence at p (n bytes left), 0 if invalid:
 * jansson's utf8_check_first/utf8_check_full (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static inline size_t
json_utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];

    if (c < 0xC2 || c > 0xF4)
        return 0;
    if (c < 0xE0)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
        (p[3] & 0xC0) != 0x80)
        return 0;
    if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
        return 0;
    return 4;
}

#endif
