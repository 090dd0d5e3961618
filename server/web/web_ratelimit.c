/* Token buckets per client address (see web_ratelimit.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_ratelimit.h"
#include "ap/common.h"

#define RL_SLOTS 4096u
#define RL_PROBE 16u

struct rl_slot {
    char ip[48];
    double tokens;
    int64_t last_us;
};

struct web_ratelimit {
    pthread_mutex_t mu;
    double burst, per_us; /* tokens, tokens per microsecond */
    struct rl_slot slots[RL_SLOTS];
};

struct web_ratelimit *
web_ratelimit_new(double burst, double window_s)
{
    struct web_ratelimit *rl = calloc(1, sizeof(*rl));

    if (rl == NULL)
        return NULL;
    pthread_mutex_init(&rl->mu, NULL);
    rl->burst = burst;
    rl->per_us = burst / (window_s * 1e6);
    return rl;
}

void
web_ratelimit_free(struct web_ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

static uint32_t
hash_ip(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

/* The slot of ip, refilled to now; a new or reused slot starts full. */
static struct rl_slot *
find(struct web_ratelimit *rl, const char *ip, int64_t now_us)
{
    struct rl_slot *s, *oldest = NULL;
    uint32_t h = hash_ip(ip), i;

    for (i = 0; i < RL_PROBE; i++) {
        s = &rl->slots[(h + i) % RL_SLOTS];
        if (strcmp(s->ip, ip) == 0)
            goto refill;
        if (oldest == NULL || s->last_us < oldest->last_us)
            oldest = s;
    }
    s = oldest;
    snprintf(s->ip, sizeof(s->ip), "%s", ip);
    s->tokens = rl->burst;
    s->last_us = now_us;
refill:
    if (now_us > s->last_us) {
        s->tokens += (double)(now_us - s->last_us) * rl->per_us;
        if (s->tokens > rl->burst)
            s->tokens = rl->burst;
    }
    s->last_us = now_us;
    return s;
}

int
web_ratelimit_allow(struct web_ratelimit *rl, const char *ip, int64_t now_us)
{
    int ok;

    pthread_mutex_lock(&rl->mu);
    ok = find(rl, ip, now_us)->tokens >= 1.0;
    pthread_mutex_unlock(&rl->mu);
    return ok;
}

void
web_ratelimit_fail(struct web_ratelimit *rl, const char *ip, int64_t now_us)
{
    struct rl_slot *s;

    pthread_mutex_lock(&rl->mu);
    s = find(rl, ip, now_us);
    s->tokens = s->tokens >= 1.0 ? s->tokens - 1.0 : 0.0;
    pthread_mutex_unlock(&rl->mu);
}
