#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ap/arena.h"
#include "ap/common.h"

/* Small sessions (the tcp module, a scanner) fit in the first block. */
#define ARENA_BLOCK 4096u
#define ARENA_ALIGN 16u

struct ap_arena_block {
    struct ap_arena_block *next;
    size_t size; /* usable bytes after the header */
    size_t pos;
    _Alignas(16) unsigned char data[];
};

void
ap_arena_init(struct ap_arena *a, size_t max)
{
    a->head = NULL;
    a->used = 0;
    a->max = max;
}

void *
ap_arena_alloc(struct ap_arena *a, size_t n)
{
    struct ap_arena_block *b = a->head;
    size_t need, size;
    void *p;

    if (n == 0)
        n = 1;
    if (n > a->max)
        return NULL;
    need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (b == NULL || b->size - b->pos < need) {
        /* Big requests get a block of their own; small ones share. */
        size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        if (a->used + size + sizeof(*b) > a->max)
            return NULL;
        if ((b = malloc(sizeof(*b) + size)) == NULL)
            return NULL;
        b->size = size;
        b->pos = 0;
        b->next = a->head;
        a->head = b;
        a->used += size + sizeof(*b);
    }
    p = b->data + b->pos;
    b->pos += need;
    memset(p, 0, n);
    return p;
}

char *
ap_arena_strndup(struct ap_arena *a, const char *s, size_t n)
{
    char *p;

    if (n == SIZE_MAX || (p = ap_arena_alloc(a, n + 1)) == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void
ap_arena_release(struct ap_arena *a)
{
    struct ap_arena_block *b, *next;

    for (b = a->head; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
    a->used = 0;
}
