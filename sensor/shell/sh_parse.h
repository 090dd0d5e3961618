/*
 * A POSIX sh subset parser (pure: bytes in, syntax tree out, no I/O).
 * Covers what bots type: pipes, ; & && ||, ! , redirections (N> N>> N< N>&M),
 * here-documents (<< and <<-, quoted delimiters), quotes, variables, `...`
 * and $(...), $((...)), if/elif/else, for, while, until, case, { } and
 * ( ) groups, function definitions (name() and `function name`),
 * comments.  Words are kept raw (quotes and
 * substitutions intact); sh_expand.c expands them when the command runs.
 *
 * sh_parse returns len (everything consumed) with *out set, 0 when the
 * input is incomplete (open quote, `if` without `fi`, trailing `&&`: the
 * shell prompts "> " for more), or a negative AP_E* on a syntax error or
 * when a cap from limits.h is exceeded.
 */
#ifndef AP_SH_PARSE_H
#define AP_SH_PARSE_H

#include <stddef.h>

enum sh_kind {
    SH_LIST,     /* kids: a chain of and-or items (next), bg flag per item */
    SH_AND,      /* a && b */
    SH_OR,       /* a || b */
    SH_PIPE,     /* kids: a chain of commands */
    SH_NOT,      /* ! a */
    SH_CMD,      /* words + redirections (+ leading assignments in words) */
    SH_IF,       /* if a then b else c (c may be another SH_IF for elif) */
    SH_FOR,      /* for name in words; do a; done */
    SH_WHILE,    /* while a; do b; done */
    SH_UNTIL,    /* until a; do b; done */
    SH_GROUP,    /* { a; } */
    SH_SUBSHELL, /* ( a ) */
    SH_CASE,     /* case words[0] in: a = chain of SH_CASE_ITEM */
    SH_CASE_ITEM, /* words = patterns, a = body (may be NULL) */
    SH_FUNC,     /* name() a: defines the function when run */
};

enum sh_redir_op {
    SH_R_OUT,    /* >  */
    SH_R_APPEND, /* >> */
    SH_R_IN,     /* <  */
    SH_R_DUP,    /* >& or <& (target is an fd number or "-") */
    SH_R_HEREDOC, /* << or <<-: word is the body; quoted: no expansion */
};

struct sh_redir {
    int fd;
    enum sh_redir_op op;
    char *word; /* raw, expanded at run time */
    int quoted; /* here-document with a quoted delimiter */
    struct sh_redir *next;
};

struct sh_node {
    enum sh_kind kind;
    struct sh_node *a, *b, *c; /* children, see enum sh_kind */
    struct sh_node *next;      /* sibling in a SH_LIST or SH_PIPE chain */
    int bg;                    /* list item ended with & */
    char **words;              /* SH_CMD words, SH_FOR items (raw) */
    size_t nwords;
    char *name;                /* SH_FOR variable */
    struct sh_redir *redirs;
};

int sh_parse(const char *src, size_t len, struct sh_node **out);
void sh_node_free(struct sh_node *n);

/* Is c a valid character of a variable name (first: !digit)? */
int sh_name_char(int c, int first);

/* With *i just past "$(" (bq 0) or "`" (bq 1), move *i just past the
 * matching ")" or "`".  0 on success, nonzero when there is none. */
int sh_scan_subst(const char *s, size_t len, size_t *i, int bq);

#endif
