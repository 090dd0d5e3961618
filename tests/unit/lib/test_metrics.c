#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ap/buf.h"
#include "ap/limits.h"
#include "ap/metrics.h"
#include "harness.h"
#include "ap/common.h"

static const char *
render(struct ap_buf *b)
{
    ap_buf_reset(b);
    ASSERT_EQ(ap_metrics_render(b), 0);
    return ap_buf_cstr(b);
}

TEST(exposition)
{
    struct ap_metric *c, *g, *c2;
    struct ap_buf b;

    ap_buf_init(&b, 1 << 20);
    c = ap_metric_new(AP_METRIC_COUNTER, "x_total", "things", "ident", "chan");
    g = ap_metric_new(AP_METRIC_GAUGE, "y", "level", NULL, NULL);
    ASSERT(c && g);
    /* same name, same shape: the same family; other shape: refused */
    ASSERT(ap_metric_new(AP_METRIC_COUNTER, "x_total", "", "ident", "chan") == c);
    ASSERT(ap_metric_new(AP_METRIC_GAUGE, "x_total", "", "ident", "chan") == NULL);
    ASSERT(ap_metric_new(AP_METRIC_COUNTER, "x_total", "", "ident", NULL) == NULL);
    ASSERT_STR_EQ(render(&b), "# HELP x_total things\n# TYPE x_total counter\n"
                              "# HELP y level\n# TYPE y gauge\ny 0\n");
    ap_metric_add(c, "a", "c1", 2);
    ap_metric_add(c, "a", "c1", 3);
    ap_series_add(ap_metric_series(c, "b\"\\\n\x01", "c2"), 1);
    ap_series_set(ap_metric_series(g, NULL, NULL), -7);
    ASSERT_EQ(ap_series_get(ap_metric_series(c, "a", "c1")), 5);
    ASSERT_STR_EQ(render(&b),
                  "# HELP x_total things\n# TYPE x_total counter\n"
                  "x_total{ident=\"a\",chan=\"c1\"} 5\n"
                  "x_total{ident=\"b\\\"\\\\\\n?\",chan=\"c2\"} 1\n"
                  "# HELP y level\n# TYPE y gauge\ny -7\n");
    /* binary label values with embedded NUL are distinct series */
    c2 = ap_metric_new(AP_METRIC_COUNTER, "z_total", "z", "k", NULL);
    ASSERT(ap_metric_series_n(c2, "a\0b", 3, NULL, 0) !=
           ap_metric_series_n(c2, "a\0c", 3, NULL, 0));
    ap_buf_release(&b);
    ap_metrics_reset();
}

TEST(cardinality_cap)
{
    struct ap_metric *c = ap_metric_new(AP_METRIC_COUNTER, "n_total", "n", "k", NULL);
    struct ap_series *s, *ov = NULL;
    struct ap_buf b;
    char v[32];
    unsigned i;

    for (i = 0; i < AP_LIMIT_METRIC_SERIES + 50; i++) {
        snprintf(v, sizeof(v), "v%u", i);
        s = ap_metric_series(c, v, NULL);
        ap_series_add(s, 1);
        if (i >= AP_LIMIT_METRIC_SERIES) {
            if (ov == NULL)
                ov = s;
            ASSERT(s == ov);
        }
    }
    ASSERT_EQ(ap_series_get(ov), 50);
    ap_buf_init(&b, 8 << 20);
    ASSERT(strstr(render(&b), "n_total{k=\"_overflow\"} 50\n") != NULL);
    ap_buf_release(&b);
    ap_metrics_reset();
}

static struct ap_series *shared;

static void *
adder(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 100000; i++)
        ap_series_add(shared, 1);
    return NULL;
}

TEST(threads)
{
    struct ap_metric *c = ap_metric_new(AP_METRIC_COUNTER, "t_total", "t", NULL, NULL);
    pthread_t th[4];
    int i;

    shared = ap_metric_series(c, NULL, NULL);
    for (i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, adder, NULL);
    for (i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ASSERT_EQ(ap_series_get(shared), 400000);
    ap_metrics_reset();
}

int
main(void)
{
    RUN(exposition);
    RUN(cardinality_cap);
    RUN(threads);
    return DONE();
}
