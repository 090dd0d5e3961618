/*
 * Per-source login budget: a token bucket per client address (burst
 * tokens, refilled evenly over window seconds).  Each failed login takes
 * a token; with none left the login is refused before any hashing.  A
 * fixed table (no allocation per address), so a flood of sources cannot
 * grow memory: when full, the longest-idle entry is reused.
 */
#ifndef AP_WEB_RATELIMIT_H
#define AP_WEB_RATELIMIT_H

#include <stdint.h>

struct web_ratelimit;

struct web_ratelimit *web_ratelimit_new(double burst, double window_s);
void web_ratelimit_free(struct web_ratelimit *rl);
/* 1 if ip may try now (has a whole token), else 0. */
int web_ratelimit_allow(struct web_ratelimit *rl, const char *ip,
                        int64_t now_us);
/* Record a failure: take one token. */
void web_ratelimit_fail(struct web_ratelimit *rl, const char *ip,
                        int64_t now_us);

#endif
