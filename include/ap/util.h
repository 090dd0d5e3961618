/* Small helpers with one job each: randomness, time, hex, constant-time
 * comparison, port files. */
#ifndef AP_UTIL_H
#define AP_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Fill p with n bytes from the kernel CSPRNG (getrandom).  0 or AP_EIO. */
int ap_random_bytes(void *p, size_t n);
/* Random printable token of len characters from [A-Za-z0-9] (+ NUL). */
int ap_random_token(char *out, size_t len);

/* Wall clock, microseconds since the Unix epoch. */
int64_t ap_now_us(void);
/* Monotonic clock, microseconds. */
int64_t ap_mono_us(void);
/* ISO-8601 UTC with microseconds: "2026-11-29T07:48:45.123456Z".
 * buf must hold 28 bytes. */
void ap_format_time_us(int64_t us, char *buf, size_t len);

/* Lower-case hex of p[0..n) into out (2n+1 bytes). */
void ap_hex(const void *p, size_t n, char *out);

/* 64-bit FNV-1a of a NUL-terminated string, for in-memory hash tables
 * (not for anything an attacker could use to collide on purpose where
 * that would matter: the tables it serves are bounded). */
uint64_t ap_hash64(const char *s);

/* Constant-time equality of two n-byte strings. */
int ap_ct_equal(const void *a, const void *b, size_t n);

/* Write "name port\n" lines to path atomically (tests read the bound
 * ports of a server started on port 0).  Returns 0 or AP_EIO. */
int ap_write_file_atomic(const char *path, const void *data, size_t len,
                         int mode);

#endif
