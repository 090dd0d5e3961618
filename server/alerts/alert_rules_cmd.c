/*
 * `apiary alerts rules ...`: the server.db alert rules from the command
 * line, through the same API as the web settings page (rule_store.h).
 *
 *   list [--json]                 every rule, config and server.db
 *   show NAME                     one rule as JSON
 *   schema                        the keywords (JSON)
 *   check NAME KEY=VALUE...       validate only
 *   add NAME KEY=VALUE...         create a server.db rule
 *   set NAME KEY=VALUE...         change keywords (KEY= resets one)
 *   delete NAME
 *
 * A keyword given twice (sensors=a sensors=b) makes a list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_rules_cmd.h"
#include "rule_store.h"
#include "ap/err.h"
#include "ap/escape.h"
#include "ap/common.h"

/* KEY=VALUE arguments -> settings; an empty value is null (default). */
static int
parse_pairs(int argc, char **argv, json_t **out)
{
    json_t *o = json_object(), *cur, *arr;
    char key[128];
    const char *eq;
    int i;

    if (o == NULL)
        return AP_ENOMEM;
    for (i = 0; i < argc; i++) {
        if ((eq = strchr(argv[i], '=')) == NULL || eq == argv[i] ||
            (size_t)(eq - argv[i]) >= sizeof(key)) {
            fprintf(stderr, "apiary alerts rules: expected KEY=VALUE, got '%s'\n",
                    argv[i]);
            json_decref(o);
            return AP_EINVAL;
        }
        memcpy(key, argv[i], (size_t)(eq - argv[i]));
        key[eq - argv[i]] = '\0';
        cur = json_object_get(o, key);
        if (eq[1] == '\0')
            json_object_set_new(o, key, json_null());
        else if (cur == NULL || json_is_null(cur))
            json_object_set_new(o, key, json_string(eq + 1));
        else if (json_is_array(cur))
            json_array_append_new(cur, json_string(eq + 1));
        else {
            arr = json_pack("[O, s]", cur, eq + 1);
            json_object_set_new(o, key, arr);
        }
    }
    *out = o;
    return 0;
}

static void
print_json(const json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

    if (s)
        printf("%s\n", s);
    free(s);
}

static void
print_rule_line(const json_t *r)
{
    const json_t *set = json_object_get(r, "settings");
    const char *name = json_string_value(json_object_get(r, "name"));
    const char *type = json_string_value(json_object_get(set, "type"));
    const char *sev = json_string_value(json_object_get(set, "severity"));
    char esc[256];

    ap_escape_cstr(esc, sizeof(esc), name ? name : "", name ? strlen(name) : 0);
    printf("%-24s %-7s %-14s %-9s %s\n", esc,
           json_string_value(json_object_get(r, "source")), type ? type : "?",
           sev ? sev : "?",
           json_is_true(json_object_get(set, "enabled")) ? "enabled" : "disabled");
}

int
ap_alert_rules_cmd(sqlite3 *db, int asjson, int argc, char **argv)
{
    const char *sub = argc > 0 ? argv[0] : "list";
    json_t *j = NULL;
    char err[512] = "";
    size_t i;
    int r;

    if (strcmp(sub, "list") == 0) {
        if ((r = ap_alert_rules_list(db, &j)) != 0)
            goto fail;
        if (asjson)
            print_json(j);
        else
            for (i = 0; i < json_array_size(j); i++)
                print_rule_line(json_array_get(j, i));
        json_decref(j);
        return 0;
    }
    if (strcmp(sub, "schema") == 0) {
        j = ap_alert_rules_schema();
        print_json(j);
        json_decref(j);
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "apiary alerts rules %s: which rule?\n", sub);
        return 2;
    }
    if (strcmp(sub, "show") == 0) {
        if ((r = ap_alert_rules_get(db, argv[1], &j)) != 0)
            goto fail;
        print_json(j);
        json_decref(j);
        return 0;
    }
    if (strcmp(sub, "delete") == 0) {
        if ((r = ap_alert_rules_delete(db, argv[1], err, sizeof(err))) != 0)
            goto fail;
        return 0;
    }
    if (strcmp(sub, "add") != 0 && strcmp(sub, "set") != 0 && strcmp(sub, "check") != 0) {
        fprintf(stderr, "apiary alerts rules: unknown subcommand '%s'\n", sub);
        return 2;
    }
    if (parse_pairs(argc - 2, argv + 2, &j) != 0)
        return 2;
    if (strcmp(sub, "check") == 0)
        r = ap_alert_rules_validate(argv[1], j, err, sizeof(err));
    else if (strcmp(sub, "add") == 0)
        r = ap_alert_rules_create(db, argv[1], j, err, sizeof(err));
    else
        r = ap_alert_rules_update(db, argv[1], j, err, sizeof(err));
    json_decref(j);
    if (r != 0)
        goto fail;
    return 0;
fail:
    if (r == AP_ENOENT && err[0] == '\0')
        snprintf(err, sizeof(err), "no rule named %s", argc > 1 ? argv[1] : "?");
    fprintf(stderr, "apiary alerts rules %s: %s\n", sub, err[0] ? err : ap_strerror(r));
    return 1;
}
