/*
 * Small things every Apiary source file uses.  Include this header LAST:
 * it poisons the unbounded libc calls, and a system header included after
 * it could trip over the poison.
 */
#ifndef AP_COMMON_H
#define AP_COMMON_H

#include <stddef.h>

#define AP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define AP_UNUSED(x) ((void)(x))
#define AP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define AP_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Internal invariants only -- never for input validation (Redis
 * serverAssert).  Active in every build. */
void ap__assert_fail(const char *expr, const char *file, int line,
                     const char *func) __attribute__((noreturn));
#define AP_ASSERT(e)                                                           \
    ((e) ? (void)0 : ap__assert_fail(#e, __FILE__, __LINE__, __func__))

#if !defined(AP_NO_POISON) && !defined(__clang__)
/* gcc only: with _FORTIFY_SOURCE clang defines some of these as macros. */
#pragma GCC poison strcpy strcat sprintf vsprintf gets strtok atoi atol
#endif

#endif
