/*
 * A bump allocator for memory that lives exactly as long as one object
 * (a sensor session: nginx pool, h2o mem pool).  Everything is freed at
 * once by ap_arena_release, so modules have no per-allocation free and no
 * leak class.  The total is capped: an attacker cannot make one session
 * grow without bound.
 */
#ifndef AP_ARENA_H
#define AP_ARENA_H

#include <stddef.h>

struct ap_arena_block;

struct ap_arena {
    struct ap_arena_block *head; /* newest block first */
    size_t used;                 /* bytes handed out + block overhead */
    size_t max;                  /* hard cap on used */
};

void ap_arena_init(struct ap_arena *a, size_t max);
/* n zeroed bytes aligned for any type, or NULL (ENOMEM or over the cap). */
void *ap_arena_alloc(struct ap_arena *a, size_t n);
/* A copy of s[0..n) plus a NUL, or NULL. */
char *ap_arena_strndup(struct ap_arena *a, const char *s, size_t n);
/* Free every block; the arena is empty and reusable. */
void ap_arena_release(struct ap_arena *a);

#endif
