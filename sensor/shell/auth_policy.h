/*
 * Which credentials open a shell (Cowrie's userdb): an ordered list of
 * rules "USER:PASSWORD", first match wins.  Both sides are shell-style
 * patterns (fnmatch: * ? [..]); a password starting with "!" denies.
 * With allow_after N > 0, the (N+1)th attempt in a session succeeds
 * whatever it is, as if the bot finally guessed right.  No match denies.
 *
 *     auth_rule root:!root        root/root is refused
 *     auth_rule root:*            any other root password works
 *     auth_rule *:!*              everything else is refused
 */
#ifndef AP_AUTH_POLICY_H
#define AP_AUTH_POLICY_H

#include <stddef.h>

#define AUTH_MAX_RULES 64

struct auth_rule {
    char user[64], pass[128];
    int deny;
};

/* Fixed size, no heap: it lives in a module's config for the whole run. */
struct auth_policy {
    struct auth_rule rules[AUTH_MAX_RULES];
    size_t n;
    unsigned allow_after;
};

/* Add one rule written as above.  0, or AP_EINVAL with a message (not
 * USER:PASSWORD, too long, too many rules). */
int auth_policy_add(struct auth_policy *p, const char *text, char *err,
                    size_t errlen);
/* 1: let in, 0: refuse.  failed = earlier failures in this session. */
int auth_policy_check(const struct auth_policy *p, const char *user,
                      const char *pass, unsigned failed);
void auth_policy_free(struct auth_policy *p);

#endif
