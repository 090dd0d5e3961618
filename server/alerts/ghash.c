/* Chained hash table with string keys; see ghash.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ghash.h"
#include "ap/util.h"
#include "ap/common.h"

struct node {
    struct node *next;
    uint64_t hash;
    char *key;
    /* value follows, max-aligned */
    max_align_t val[];
};

struct ap_ghash {
    struct node **b;
    size_t nb, n, vsize;
};

struct ap_ghash *
ap_ghash_new(size_t vsize)
{
    struct ap_ghash *h = calloc(1, sizeof(*h));

    if (h == NULL)
        return NULL;
    h->nb = 64;
    h->vsize = vsize;
    if ((h->b = calloc(h->nb, sizeof(*h->b))) == NULL) {
        free(h);
        return NULL;
    }
    return h;
}

void
ap_ghash_free(struct ap_ghash *h, void (*fini)(void *v))
{
    struct node *n, *next;
    size_t i;

    if (h == NULL)
        return;
    for (i = 0; i < h->nb; i++)
        for (n = h->b[i]; n; n = next) {
            next = n->next;
            if (fini)
                fini(n->val);
            free(n->key);
            free(n);
        }
    free(h->b);
    free(h);
}

void *
ap_ghash_get(struct ap_ghash *h, const char *key)
{
    uint64_t hv = ap_hash64(key);
    struct node *n;

    for (n = h->b[hv % h->nb]; n; n = n->next)
        if (n->hash == hv && strcmp(n->key, key) == 0)
            return n->val;
    return NULL;
}

static void
grow(struct ap_ghash *h)
{
    size_t nb = h->nb * 2, i;
    struct node **b = calloc(nb, sizeof(*b)), *n, *next;

    if (b == NULL)
        return; /* keep working with longer chains */
    for (i = 0; i < h->nb; i++)
        for (n = h->b[i]; n; n = next) {
            next = n->next;
            n->next = b[n->hash % nb];
            b[n->hash % nb] = n;
        }
    free(h->b);
    h->b = b;
    h->nb = nb;
}

void *
ap_ghash_put(struct ap_ghash *h, const char *key, int *created)
{
    uint64_t hv = ap_hash64(key);
    struct node *n;
    void *v = ap_ghash_get(h, key);

    *created = 0;
    if (v != NULL)
        return v;
    if ((n = calloc(1, sizeof(*n) + h->vsize)) == NULL)
        return NULL;
    if ((n->key = strdup(key)) == NULL) {
        free(n);
        return NULL;
    }
    n->hash = hv;
    n->next = h->b[hv % h->nb];
    h->b[hv % h->nb] = n;
    h->n++;
    *created = 1;
    if (h->n > h->nb * 2)
        grow(h);
    return n->val;
}

size_t
ap_ghash_count(const struct ap_ghash *h)
{
    return h->n;
}

void
ap_ghash_prune(struct ap_ghash *h, int (*drop)(void *v, void *arg), void *arg,
               void (*fini)(void *v))
{
    struct node **pp, *n;
    size_t i;

    for (i = 0; i < h->nb; i++) {
        pp = &h->b[i];
        while ((n = *pp) != NULL) {
            if (drop(n->val, arg)) {
                *pp = n->next;
                if (fini)
                    fini(n->val);
                free(n->key);
                free(n);
                h->n--;
            } else {
                pp = &n->next;
            }
        }
    }
}

void
ap_ghash_each(struct ap_ghash *h, void (*fn)(const char *key, void *v, void *arg),
              void *arg)
{
    struct node *n;
    size_t i;

    for (i = 0; i < h->nb; i++)
        for (n = h->b[i]; n; n = n->next)
            fn(n->key, n->val, arg);
}
