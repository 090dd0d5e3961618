/* The sh subset parser: every construct, incomplete input, malformed
 * input and the caps. */
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/limits.h"
#include "harness.h"
#include "sh_parse.h"

#include "ap/common.h"

static int
parse(const char *s, struct sh_node **out)
{
    return sh_parse(s, strlen(s), out);
}

/* Parses completely; returns the root (caller frees). */
static struct sh_node *
ok(const char *s)
{
    struct sh_node *n = NULL;
    int rc = parse(s, &n);
    if (rc != (int)strlen(s)) {
        printf("  parse(\"%s\") = %d\n", s, rc);
        return NULL;
    }
    return n;
}

TEST(simple_command)
{
    struct sh_node *n = ok("echo hello   world");
    ASSERT(n != NULL);
    ASSERT_EQ(n->kind, SH_LIST);
    ASSERT_EQ(n->a->kind, SH_CMD);
    ASSERT_EQ(n->a->nwords, 3);
    ASSERT_STR_EQ(n->a->words[2], "world");
    sh_node_free(n);
}

TEST(quotes_keep_words_raw)
{
    struct sh_node *n = ok("echo 'a b' \"c $d\" e\\ f `x y` $(u v) $((1 + 2))");
    ASSERT(n != NULL);
    ASSERT_EQ(n->a->nwords, 7);
    ASSERT_STR_EQ(n->a->words[1], "'a b'");
    ASSERT_STR_EQ(n->a->words[2], "\"c $d\"");
    ASSERT_STR_EQ(n->a->words[3], "e\\ f");
    ASSERT_STR_EQ(n->a->words[4], "`x y`");
    ASSERT_STR_EQ(n->a->words[5], "$(u v)");
    ASSERT_STR_EQ(n->a->words[6], "$((1 + 2))");
    sh_node_free(n);
}

TEST(lists_and_or)
{
    struct sh_node *n = ok("a; b && c || d & e\nf");
    const struct sh_node *c;
    int k = 0;
    ASSERT(n != NULL);
    for (c = n->a; c; c = c->next)
        k++;
    ASSERT_EQ(k, 4);
    ASSERT_EQ(n->a->next->kind, SH_OR);
    ASSERT_EQ(n->a->next->a->kind, SH_AND);
    ASSERT_EQ(n->a->next->bg, 1);
    sh_node_free(n);
}

TEST(pipes_and_not)
{
    struct sh_node *n = ok("! cat /proc/cpuinfo | grep name | head -n 1");
    ASSERT(n != NULL);
    ASSERT_EQ(n->a->kind, SH_NOT);
    ASSERT_EQ(n->a->a->kind, SH_PIPE);
    ASSERT_EQ(n->a->a->a->next->next->nwords, 3);
    sh_node_free(n);
}

TEST(redirections)
{
    struct sh_node *n = ok("echo x >f 2>/dev/null >>g 2>&1 <in 3> h");
    const struct sh_redir *r;
    ASSERT(n != NULL);
    r = n->a->redirs;
    ASSERT_EQ(r->op, SH_R_OUT);
    ASSERT_EQ(r->fd, 1);
    ASSERT_STR_EQ(r->word, "f");
    r = r->next;
    ASSERT_EQ(r->fd, 2);
    r = r->next;
    ASSERT_EQ(r->op, SH_R_APPEND);
    r = r->next;
    ASSERT_EQ(r->op, SH_R_DUP);
    ASSERT_STR_EQ(r->word, "1");
    r = r->next;
    ASSERT_EQ(r->op, SH_R_IN);
    r = r->next;
    ASSERT_EQ(r->fd, 3);
    ASSERT_EQ(n->a->nwords, 2);
    sh_node_free(n);
}

TEST(compound_commands)
{
    struct sh_node *n;
    n = ok("if true; then echo a; elif false; then echo b; else echo c; fi");
    ASSERT(n != NULL);
    ASSERT_EQ(n->a->kind, SH_IF);
    ASSERT_EQ(n->a->c->kind, SH_IF);
    ASSERT(n->a->c->c != NULL);
    sh_node_free(n);
    n = ok("for i in 1 2 3; do echo $i; done > out");
    ASSERT(n != NULL);
    ASSERT_EQ(n->a->kind, SH_FOR);
    ASSERT_STR_EQ(n->a->name, "i");
    ASSERT_EQ(n->a->nwords, 3);
    ASSERT(n->a->redirs != NULL);
    sh_node_free(n);
    n = ok("while true\ndo\n  break_me\ndone");
    ASSERT(n != NULL);
    ASSERT_EQ(n->a->kind, SH_WHILE);
    sh_node_free(n);
    n = ok("until false; do :; done; { echo a; echo b; } | wc; (cd /tmp)");
    ASSERT(n != NULL);
    ASSERT_EQ(n->a->kind, SH_UNTIL);
    ASSERT_EQ(n->a->next->kind, SH_PIPE);
    ASSERT_EQ(n->a->next->a->kind, SH_GROUP);
    ASSERT_EQ(n->a->next->next->kind, SH_SUBSHELL);
    sh_node_free(n);
}

TEST(comments_and_blank)
{
    struct sh_node *n = ok("   # nothing here");
    ASSERT(n != NULL);
    ASSERT(n->a == NULL);
    sh_node_free(n);
    n = ok("echo a # b c");
    ASSERT(n != NULL);
    ASSERT_EQ(n->a->nwords, 2);
    sh_node_free(n);
}

TEST(incomplete_needs_more)
{
    static const char *const more[] = {
        "echo 'abc", "echo \"abc", "echo `x", "echo $(ls", "a &&",
        "a |", "if true; then echo", "for i in 1 2", "while true; do x",
        "{ echo a;", "(echo", "echo \\", "echo ${x", "echo > ",
    };
    size_t i;
    for (i = 0; i < AP_ARRAY_SIZE(more); i++) {
        struct sh_node *n = NULL;
        int rc = parse(more[i], &n);
        if (rc != 0)
            TH_FAIL("\"%s\": %d", more[i], rc);
        ASSERT(n == NULL);
    }
}

TEST(syntax_errors)
{
    static const char *const bad[] = {
        ";", "a ;; b", "| a", "&& a", ")", "fi", "a | | b", "then",
        "if true; fi", "for 1x in a; do :; done", "()", ";;", "esac",
        "case a in a) x;; b;", "case a on", "f() echo", "cat << ;",
        "a > |", "done", "{ }",
    };
    size_t i;
    for (i = 0; i < AP_ARRAY_SIZE(bad); i++) {
        struct sh_node *n = NULL;
        int rc = parse(bad[i], &n);
        if (rc >= 0)
            TH_FAIL("\"%s\": %d", bad[i], rc);
    }
}

TEST(caps)
{
    static char big[AP_LIMIT_SH_INPUT + 2];
    struct sh_node *n = NULL;
    char deep[400];
    size_t i;
    memset(big, 'a', sizeof(big) - 1);
    ASSERT_EQ(sh_parse(big, sizeof(big) - 1, &n), AP_ETOOBIG);
    for (i = 0; i < 150; i++)
        deep[i] = '(';
    deep[150] = 'a';
    for (i = 0; i < 150; i++)
        deep[151 + i] = ')';
    deep[301] = '\0';
    ASSERT_EQ(parse(deep, &n), AP_ETOOBIG);
    /* nested $( ) deeper than the cap */
    char sub[600] = "";
    for (i = 0; i < 100; i++)
        memcpy(sub + strlen(sub), "$(", 3);
    ASSERT(parse(sub, &n) <= 0);
    ASSERT_EQ(sh_parse("a\0b", 3, &n), AP_EPROTO);
}

int
main(void)
{
    RUN(simple_command);
    RUN(quotes_keep_words_raw);
    RUN(lists_and_or);
    RUN(pipes_and_not);
    RUN(redirections);
    RUN(compound_commands);
    RUN(comments_and_blank);
    RUN(incomplete_needs_more);
    RUN(syntax_errors);
    RUN(caps);
    return DONE();
}
