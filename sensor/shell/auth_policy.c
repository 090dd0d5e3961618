/* The credential rules of auth_policy.h. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "ap/err.h"
#include "auth_policy.h"

#include "ap/common.h"

int
auth_policy_add(struct auth_policy *p, const char *text, char *err,
                size_t errlen)
{
    const char *colon = strchr(text, ':');
    struct auth_rule *r;
    size_t ul;
    int deny;

    if (colon == NULL || colon == text || colon[1] == '\0') {
        snprintf(err, errlen, "auth rule '%s' is not USER:PASSWORD", text);
        return AP_EINVAL;
    }
    if (p->n >= AUTH_MAX_RULES) {
        snprintf(err, errlen, "more than %d auth rules", AUTH_MAX_RULES);
        return AP_EINVAL;
    }
    ul = (size_t)(colon - text);
    deny = colon[1] == '!';
    r = &p->rules[p->n];
    if (ul >= sizeof(r->user) || strlen(colon + 1 + deny) >= sizeof(r->pass)) {
        snprintf(err, errlen, "auth rule '%s' is too long", text);
        return AP_EINVAL;
    }
    memcpy(r->user, text, ul);
    r->user[ul] = '\0';
    snprintf(r->pass, sizeof(r->pass), "%s", colon + 1 + deny);
    r->deny = deny;
    p->n++;
    return 0;
}

int
auth_policy_check(const struct auth_policy *p, const char *user,
                  const char *pass, unsigned failed)
{
    size_t i;

    if (p->allow_after > 0 && failed >= p->allow_after)
        return 1;
    for (i = 0; i < p->n; i++) {
        const struct auth_rule *r = &p->rules[i];
        if (fnmatch(r->user, user, 0) == 0 && fnmatch(r->pass, pass, 0) == 0)
            return !r->deny;
    }
    return 0;
}

void
auth_policy_free(struct auth_policy *p)
{
    p->n = 0;
}
