/* docs/EVENTS.md documents every type and field of event_types.def:
 * each name must appear in backquotes in the doc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/event.h"
#include "harness.h"

TEST(every_type_and_field_is_documented)
{
    FILE *f = fopen(AP_DOC, "rb");
    char *doc, name[160];
    long n;
    size_t i;
    int t;

    ASSERT(f != NULL);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    doc = calloc(1, (size_t)n + 1);
    ASSERT(doc != NULL);
    ASSERT_EQ(fread(doc, 1, (size_t)n, f), n);
    fclose(f);
    for (i = 0; i < ap_event_nfields; i++) {
        snprintf(name, sizeof(name), "| `%s` |", ap_event_fields[i].name);
        if (strstr(doc, name) == NULL)
            TH_FAIL("field %s is not in docs/EVENTS.md", name);
    }
    for (t = 1; t < AP_EV__COUNT; t++) {
        snprintf(name, sizeof(name), "### `%s`", ap_event_type_name(t));
        if (strstr(doc, name) == NULL)
            TH_FAIL("type %s is not in docs/EVENTS.md", name);
    }
    free(doc);
}

int
main(void)
{
    RUN(every_type_and_field_is_documented);
    return DONE();
}
