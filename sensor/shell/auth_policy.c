/* The credential rules of auth_policy.h. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "auth_policy.h"

#include "ap/common.h"

#define AUTH_MAX_RULES 1024

int
auth_policy_add(struct auth_policy *p, const char *text, char *err,
                size_t errlen)
{
    const char *colon = strchr(text, ':');
    struct auth_rule *v, r;

    if (colon == NULL || colon == text || colon[1] == '\0') {
        snprintf(err, errlen, "auth rule '%s' is not USER:PASSWORD", text);
        return AP_EINVAL;
    }
    if (p->n >= AUTH_MAX_RULES) {
        snprintf(err, errlen, "more than %d auth rules", AUTH_MAX_RULES);
        return AP_EINVAL;
    }
    memset(&r, 0, sizeof(r));
    r.deny = colon[1] == '!';
    r.user = strndup(text, (size_t)(colon - text));
    r.pass = strdup(colon + 1 + r.deny);
    v = realloc(p->rules, (p->n + 1) * sizeof(*v));
    if (r.user == NULL || r.pass == NULL || v == NULL) {
        free(r.user);
        free(r.pass);
        if (v)
            p->rules = v;
        snprintf(err, errlen, "out of memory");
        return AP_ENOMEM;
    }
    p->rules = v;
    p->rules[p->n++] = r;
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
    size_t i;
    for (i = 0; i < p->n; i++) {
        free(p->rules[i].user);
        free(p->rules[i].pass);
    }
    free(p->rules);
    p->rules = NULL;
    p->n = 0;
}
