/*
 * Per-source connection limits: how many sessions one address may hold at
 * once, and a token bucket for how fast it may open new ones (nginx
 * limit_conn + limit_req).  The table is bounded; idle entries are
 * collected by ap_srclimit_gc.
 */
#ifndef AP_SENSOR_SRCLIMIT_H
#define AP_SENSOR_SRCLIMIT_H

#include <stddef.h>
#include <stdint.h>

/* A token bucket: `rate` tokens per second, at most `burst` stored. */
struct ap_tbucket {
    double tokens;
    int64_t last_us;
};

/* Start full. */
void ap_tbucket_init(struct ap_tbucket *b, double burst, int64_t now_us);
/* Take one token: 1 if allowed, 0 if the bucket is empty. */
int ap_tbucket_take(struct ap_tbucket *b, double rate, double burst,
                    int64_t now_us);

struct ap_srclimit;

/* max_conns 0 = no concurrency limit; per_minute 0 = no rate limit.
 * max_entries bounds memory: past it new sources are not tracked (and so
 * not limited) until gc frees entries -- the global max_sessions still
 * applies. */
struct ap_srclimit *ap_srclimit_new(long long max_conns, long long per_minute,
                                    long long burst, size_t max_entries);
void ap_srclimit_free(struct ap_srclimit *l);

enum ap_src_verdict {
    AP_SRC_OK = 0,
    AP_SRC_TOO_MANY = 1, /* max_conns sessions already open */
    AP_SRC_TOO_FAST = 2, /* rate exceeded */
};

/*
 * A new connection from addr (16 bytes: IPv6 or IPv4-mapped).  On
 * AP_SRC_OK the connection counts until ap_srclimit_release.
 */
enum ap_src_verdict ap_srclimit_acquire(struct ap_srclimit *l,
                                        const uint8_t addr[16],
                                        int64_t now_us);
void ap_srclimit_release(struct ap_srclimit *l, const uint8_t addr[16]);
/* Drop entries with no open session whose bucket has refilled. */
void ap_srclimit_gc(struct ap_srclimit *l, int64_t now_us);
size_t ap_srclimit_count(const struct ap_srclimit *l);

#endif
