/*
 * A small string-keyed hash table (chained, FNV-1a, doubling) holding one
 * fixed-size value per key: the per-group state of alert rules.  Bounded
 * by the caller (ap_ghash_count) so hostile keys cannot grow it forever.
 */
#ifndef AP_GHASH_H
#define AP_GHASH_H

#include <stddef.h>

struct ap_ghash;

/* Values are vsize bytes, zeroed when created.  NULL on ENOMEM. */
struct ap_ghash *ap_ghash_new(size_t vsize);
/* Also calls fini(value) for each entry when fini is set. */
void ap_ghash_free(struct ap_ghash *h, void (*fini)(void *v));

/* The value for key, or NULL. */
void *ap_ghash_get(struct ap_ghash *h, const char *key);
/* The value for key, created (zeroed) if missing; *created tells which.
 * NULL on ENOMEM. */
void *ap_ghash_put(struct ap_ghash *h, const char *key, int *created);
size_t ap_ghash_count(const struct ap_ghash *h);

/* Remove every entry for which drop(value, arg) returns non-zero. */
void ap_ghash_prune(struct ap_ghash *h, int (*drop)(void *v, void *arg),
                    void *arg, void (*fini)(void *v));

/* Visit every entry (read-only iteration; no insertions meanwhile). */
void ap_ghash_each(struct ap_ghash *h,
                   void (*fn)(const char *key, void *v, void *arg), void *arg);

#endif
