/*
 * sh subset parser: a lexer that finds word boundaries the way sh does
 * (quotes, backslashes, $( ), ` `, ${ } and $(( )) keep a word together)
 * and a recursive-descent parser over its tokens.  Everything is bounded:
 * input length, node count and nesting depth (limits.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/limits.h"
#include "sh_parse.h"

#include "ap/common.h"

#define NEED 1 /* internal: input incomplete */

enum tok {
    T_EOF,
    T_WORD,
    T_NL,
    T_SEMI,
    T_AMP,
    T_PIPE,
    T_AND,
    T_OR,
    T_LPAREN,
    T_RPAREN,
    T_REDIR,
    T_DSEMI, /* ;; ends a case item */
};

/* Here-documents whose bodies start after the current line. */
#define SH_HEREDOCS_PENDING 8

struct lexer {
    const char *s;
    size_t len, pos;
    /* the current token */
    enum tok t;
    size_t ts, te; /* word text */
    int rfd;
    enum sh_redir_op rop;
    size_t nodes;
    unsigned depth;
    struct sh_redir *hd[SH_HEREDOCS_PENDING];
    int hd_strip[SH_HEREDOCS_PENDING]; /* <<- strips leading tabs */
    size_t nhd;
    int strip; /* the current T_REDIR token is <<- */
};

int
sh_name_char(int c, int first)
{
    if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return !first && c >= '0' && c <= '9';
}

static int scan_dquote(const char *s, size_t len, size_t *i, unsigned d);

/* *i at the first byte after "$(" (or "`" when bq); on return just past the
 * closing ")" or "`".  Returns 0, NEED or an error. */
static int
scan_nested(const char *s, size_t len, size_t *i, int bq, unsigned d)
{
    int depth = 1;
    int rc;

    if (d > AP_LIMIT_SH_DEPTH)
        return AP_ETOOBIG;
    while (*i < len) {
        char c = s[*i];
        if (c == '\\') {
            *i += 2;
            continue;
        }
        if (bq) {
            (*i)++;
            if (c == '`')
                return 0;
            continue;
        }
        if (c == '\'') {
            const char *q = memchr(s + *i + 1, '\'', len - *i - 1);
            if (q == NULL)
                return NEED;
            *i = (size_t)(q - s) + 1;
            continue;
        }
        if (c == '"') {
            (*i)++;
            if ((rc = scan_dquote(s, len, i, d + 1)) != 0)
                return rc;
            continue;
        }
        if (c == '`') {
            (*i)++;
            if ((rc = scan_nested(s, len, i, 1, d + 1)) != 0)
                return rc;
            continue;
        }
        (*i)++;
        if (c == '(')
            depth++;
        else if (c == ')' && --depth == 0)
            return 0;
    }
    return NEED;
}

/* *i just past an opening '"'; on return just past the closing one. */
static int
scan_dquote(const char *s, size_t len, size_t *i, unsigned d)
{
    int rc;

    if (d > AP_LIMIT_SH_DEPTH)
        return AP_ETOOBIG;
    while (*i < len) {
        char c = s[*i];
        if (c == '\\') {
            *i += 2;
            continue;
        }
        (*i)++;
        if (c == '"')
            return 0;
        if (c == '`') {
            if ((rc = scan_nested(s, len, i, 1, d + 1)) != 0)
                return rc;
        } else if (c == '$' && *i < len && s[*i] == '(') {
            (*i)++;
            if ((rc = scan_nested(s, len, i, 0, d + 1)) != 0)
                return rc;
        } else if (c == '$' && *i < len && s[*i] == '{') {
            const char *q = memchr(s + *i, '}', len - *i);
            if (q == NULL)
                return NEED;
            *i = (size_t)(q - s) + 1;
        }
    }
    return NEED;
}

int
sh_scan_subst(const char *s, size_t len, size_t *i, int bq)
{
    return scan_nested(s, len, i, bq, 0);
}

static int
is_meta(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' ||
           c == '|' || c == '(' || c == ')' || c == '<' || c == '>' ||
           c == '\r';
}

/* Scan one word starting at *i; *i ends just past it. */
static int
scan_word(const char *s, size_t len, size_t *i)
{
    int rc;

    while (*i < len && !is_meta(s[*i])) {
        char c = s[*i];
        if (c == '\\') {
            if (*i + 1 >= len)
                return NEED;
            *i += 2;
            continue;
        }
        (*i)++;
        if (c == '\'') {
            const char *q = memchr(s + *i, '\'', len - *i);
            if (q == NULL)
                return NEED;
            *i = (size_t)(q - s) + 1;
        } else if (c == '"') {
            if ((rc = scan_dquote(s, len, i, 0)) != 0)
                return rc;
        } else if (c == '`') {
            if ((rc = scan_nested(s, len, i, 1, 0)) != 0)
                return rc;
        } else if (c == '$' && *i < len && s[*i] == '(') {
            (*i)++;
            if ((rc = scan_nested(s, len, i, 0, 0)) != 0)
                return rc;
        } else if (c == '$' && *i < len && s[*i] == '{') {
            const char *q = memchr(s + *i, '}', len - *i);
            if (q == NULL)
                return NEED;
            *i = (size_t)(q - s) + 1;
        }
    }
    if (*i > len) /* a backslash escaped past the end */
        return NEED;
    return 0;
}

/* The delimiter of a here-document: quotes removed; *quoted when there
 * were any (the body is then taken literally).  In place. */
static void
heredoc_delim(char *w, int *quoted)
{
    char *o = w, *p = w;

    *quoted = 0;
    for (; *p; p++) {
        if (*p == '\'' || *p == '"') {
            *quoted = 1;
            continue;
        }
        if (*p == '\\' && p[1]) {
            *quoted = 1;
            p++;
        }
        *o++ = *p;
    }
    *o = '\0';
}

/* After a newline: the bodies of the pending here-documents, in order.
 * Each redirection's word (its delimiter) becomes its body.  NEED when
 * the input ends before a delimiter line. */
static int
heredoc_bodies(struct lexer *lx, size_t *pos)
{
    size_t k, i = *pos;

    for (k = 0; k < lx->nhd; k++) {
        struct sh_redir *r = lx->hd[k];
        size_t dl = strlen(r->word), start = i, blen = 0;
        char *body = malloc(lx->len - start + 1);
        int done = 0;

        if (body == NULL)
            return AP_ENOMEM;
        while (i < lx->len) {
            const char *nl = memchr(lx->s + i, '\n', lx->len - i);
            size_t e = nl ? (size_t)(nl - lx->s) : lx->len, b = i;
            if (lx->hd_strip[k])
                while (b < e && lx->s[b] == '\t')
                    b++;
            i = nl ? e + 1 : e;
            if (e - b == dl && memcmp(lx->s + b, r->word, dl) == 0) {
                done = 1;
                break;
            }
            memcpy(body + blen, lx->s + b, i - b);
            blen += i - b;
            if (!nl)
                body[blen++] = '\n'; /* the last line, cut by the end */
        }
        if (!done) {
            free(body);
            return NEED;
        }
        body[blen] = '\0';
        free(r->word);
        r->word = body;
    }
    lx->nhd = 0;
    *pos = i;
    return 0;
}

/* Read the next token into lx.  Returns 0, NEED or an error. */
static int
lex(struct lexer *lx)
{
    const char *s = lx->s;
    size_t len = lx->len, i = lx->pos;
    int rc;

    for (;;) {
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i + 1 < len && s[i] == '\\' && s[i + 1] == '\n') {
            i += 2; /* line continuation */
            continue;
        }
        if (i < len && s[i] == '#') {
            while (i < len && s[i] != '\n')
                i++;
        }
        break;
    }
    if (i >= len) {
        if (lx->nhd > 0)
            return NEED; /* a here-document without its body yet */
        lx->t = T_EOF;
        lx->pos = i;
        return 0;
    }
    char c = s[i];
    char n = i + 1 < len ? s[i + 1] : '\0';
    lx->ts = i;
    switch (c) {
    case '\n':
        lx->t = T_NL;
        i++;
        if (lx->nhd > 0 && (rc = heredoc_bodies(lx, &i)) != 0)
            return rc;
        break;
    case ';':
        lx->t = n == ';' ? T_DSEMI : T_SEMI;
        i += n == ';' ? 2 : 1;
        break;
    case '&':
        lx->t = n == '&' ? T_AND : T_AMP;
        i += n == '&' ? 2 : 1;
        break;
    case '|':
        lx->t = n == '|' ? T_OR : T_PIPE;
        i += n == '|' ? 2 : 1;
        break;
    case '(':
        lx->t = T_LPAREN;
        i++;
        break;
    case ')':
        lx->t = T_RPAREN;
        i++;
        break;
    case '<':
    case '>':
        lx->t = T_REDIR;
        lx->rfd = c == '<' ? 0 : 1;
        goto redir;
    default:
        if (c >= '0' && c <= '9') {
            size_t j = i;
            while (j < len && s[j] >= '0' && s[j] <= '9' && j - i < 3)
                j++;
            if (j < len && (s[j] == '<' || s[j] == '>')) {
                lx->t = T_REDIR;
                lx->rfd = (int)strtol(s + i, NULL, 10);
                i = j;
                c = s[i];
                n = i + 1 < len ? s[i + 1] : '\0';
                goto redir;
            }
        }
        if ((rc = scan_word(s, len, &i)) != 0)
            return rc;
        lx->t = T_WORD;
        lx->te = i;
        break;
    }
    lx->pos = i;
    return 0;

redir:
    i++;
    if (c == '>' && n == '>') {
        lx->rop = SH_R_APPEND;
        i++;
    } else if (n == '&') {
        lx->rop = SH_R_DUP;
        i++;
    } else if (c == '<' && n == '<') {
        lx->rop = SH_R_HEREDOC;
        i++;
        lx->strip = i < len && s[i] == '-';
        if (lx->strip)
            i++;
    } else {
        lx->rop = c == '<' ? SH_R_IN : SH_R_OUT;
        if (c == '>' && n == '|')
            i++;
    }
    lx->pos = i;
    return 0;
}

static int
is_word(const struct lexer *lx, const char *w)
{
    size_t n = strlen(w);
    return lx->t == T_WORD && lx->te - lx->ts == n &&
           memcmp(lx->s + lx->ts, w, n) == 0;
}

/* Reserved words that end a list. */
static int
at_list_end(const struct lexer *lx)
{
    static const char *const stop[] = {"then", "elif", "else", "fi",
                                       "do",   "done", "}",    "esac"};
    size_t k;

    if (lx->t == T_EOF || lx->t == T_RPAREN || lx->t == T_DSEMI)
        return 1;
    for (k = 0; k < AP_ARRAY_SIZE(stop); k++)
        if (is_word(lx, stop[k]))
            return 1;
    return 0;
}

static struct sh_node *
node_new(struct lexer *lx, enum sh_kind k)
{
    struct sh_node *n;

    if (++lx->nodes > AP_LIMIT_SH_NODES)
        return NULL;
    n = calloc(1, sizeof(*n));
    if (n)
        n->kind = k;
    return n;
}

static char *
tok_text(const struct lexer *lx)
{
    size_t n = lx->te - lx->ts;
    char *w = malloc(n + 1);
    if (w) {
        memcpy(w, lx->s + lx->ts, n);
        w[n] = '\0';
    }
    return w;
}

void
sh_node_free(struct sh_node *n)
{
    while (n) {
        struct sh_node *next = n->next;
        struct sh_redir *r = n->redirs;
        size_t k;
        sh_node_free(n->a);
        sh_node_free(n->b);
        sh_node_free(n->c);
        for (k = 0; k < n->nwords; k++)
            free(n->words[k]);
        free(n->words);
        free(n->name);
        while (r) {
            struct sh_redir *rn = r->next;
            free(r->word);
            free(r);
            r = rn;
        }
        free(n);
        n = next;
    }
}

static int parse_list(struct lexer *lx, struct sh_node **out);

static int
skip_newlines(struct lexer *lx)
{
    int rc;
    while (lx->t == T_NL)
        if ((rc = lex(lx)) != 0)
            return rc;
    return 0;
}

static int
push_word(struct lexer *lx, struct sh_node *n)
{
    char **v;
    char *w;

    if (n->nwords >= AP_LIMIT_SH_WORDS)
        return AP_ETOOBIG;
    v = realloc(n->words, (n->nwords + 1) * sizeof(*v));
    if (v == NULL)
        return AP_ENOMEM;
    n->words = v;
    if ((w = tok_text(lx)) == NULL)
        return AP_ENOMEM;
    n->words[n->nwords++] = w;
    return 0;
}

/* Redirections after a command or compound command. */
static int
parse_redirs(struct lexer *lx, struct sh_node *n, int words_too)
{
    struct sh_redir **tail = &n->redirs;
    int rc;

    while (*tail)
        tail = &(*tail)->next;
    for (;;) {
        if (lx->t == T_REDIR) {
            struct sh_redir *r = calloc(1, sizeof(*r));
            if (r == NULL)
                return AP_ENOMEM;
            r->fd = lx->rfd;
            r->op = lx->rop;
            *tail = r;
            tail = &r->next;
            if ((rc = lex(lx)) != 0)
                return rc;
            if (lx->t == T_EOF)
                return NEED;
            if (lx->t != T_WORD)
                return AP_EPROTO;
            if ((r->word = tok_text(lx)) == NULL)
                return AP_ENOMEM;
            if (r->op == SH_R_HEREDOC) {
                if (lx->nhd == SH_HEREDOCS_PENDING)
                    return AP_ETOOBIG;
                heredoc_delim(r->word, &r->quoted);
                lx->hd_strip[lx->nhd] = lx->strip;
                lx->hd[lx->nhd++] = r;
            }
        } else if (words_too && lx->t == T_WORD) {
            if ((rc = push_word(lx, n)) != 0)
                return rc;
        } else {
            return 0;
        }
        if ((rc = lex(lx)) != 0)
            return rc;
    }
}

/* Expect reserved word w (after optional newlines). */
static int
expect(struct lexer *lx, const char *w)
{
    int rc;
    if ((rc = skip_newlines(lx)) != 0)
        return rc;
    if (lx->t == T_EOF)
        return NEED;
    if (!is_word(lx, w))
        return AP_EPROTO;
    return lex(lx);
}

static int
parse_if(struct lexer *lx, struct sh_node *n)
{
    int rc;

    /* "if" or "elif" was consumed by the caller */
    if ((rc = parse_list(lx, &n->a)) != 0)
        return rc;
    if ((rc = expect(lx, "then")) != 0)
        return rc;
    if ((rc = parse_list(lx, &n->b)) != 0)
        return rc;
    if (lx->t == T_EOF)
        return NEED;
    if (is_word(lx, "elif")) {
        if ((n->c = node_new(lx, SH_IF)) == NULL)
            return AP_ETOOBIG;
        if ((rc = lex(lx)) != 0)
            return rc;
        return parse_if(lx, n->c);
    }
    if (is_word(lx, "else")) {
        if ((rc = lex(lx)) != 0)
            return rc;
        if ((rc = parse_list(lx, &n->c)) != 0)
            return rc;
    }
    return expect(lx, "fi");
}

static int
parse_do_done(struct lexer *lx, struct sh_node **body)
{
    int rc;
    if ((rc = expect(lx, "do")) != 0)
        return rc;
    if ((rc = parse_list(lx, body)) != 0)
        return rc;
    return expect(lx, "done");
}

static int
parse_for(struct lexer *lx, struct sh_node *n)
{
    int rc;
    size_t k;

    if (lx->t == T_EOF)
        return NEED;
    if (lx->t != T_WORD)
        return AP_EPROTO;
    if ((n->name = tok_text(lx)) == NULL)
        return AP_ENOMEM;
    for (k = 0; n->name[k]; k++)
        if (!sh_name_char((unsigned char)n->name[k], k == 0))
            return AP_EPROTO;
    if ((rc = lex(lx)) != 0 || (rc = skip_newlines(lx)) != 0)
        return rc;
    if (is_word(lx, "in")) {
        if ((rc = lex(lx)) != 0)
            return rc;
        while (lx->t == T_WORD) {
            if ((rc = push_word(lx, n)) != 0 || (rc = lex(lx)) != 0)
                return rc;
        }
        if (lx->t == T_EOF)
            return NEED;
        if (lx->t != T_SEMI && lx->t != T_NL)
            return AP_EPROTO;
        if ((rc = lex(lx)) != 0)
            return rc;
    } else {
        /* "for x; do" iterates over "$@"; we have no arguments */
        n->words = NULL;
        if (lx->t == T_SEMI && (rc = lex(lx)) != 0)
            return rc;
    }
    return parse_do_done(lx, &n->a);
}

/* case WORD in [(]pat[|pat]...) list ;; ... esac */
static int
parse_case(struct lexer *lx, struct sh_node *n)
{
    struct sh_node **tail = &n->a;
    int rc;

    if (lx->t == T_EOF)
        return NEED;
    if (lx->t != T_WORD)
        return AP_EPROTO;
    if ((rc = push_word(lx, n)) != 0 || (rc = lex(lx)) != 0 ||
        (rc = skip_newlines(lx)) != 0)
        return rc;
    if (lx->t == T_EOF)
        return NEED;
    if (!is_word(lx, "in"))
        return AP_EPROTO;
    if ((rc = lex(lx)) != 0)
        return rc;
    for (;;) {
        struct sh_node *it;
        if ((rc = skip_newlines(lx)) != 0)
            return rc;
        if (lx->t == T_EOF)
            return NEED;
        if (is_word(lx, "esac"))
            return lex(lx);
        if ((it = *tail = node_new(lx, SH_CASE_ITEM)) == NULL)
            return AP_ETOOBIG;
        tail = &it->next;
        if (lx->t == T_LPAREN && (rc = lex(lx)) != 0)
            return rc;
        for (;;) { /* patterns */
            if (lx->t == T_EOF)
                return NEED;
            if (lx->t != T_WORD)
                return AP_EPROTO;
            if ((rc = push_word(lx, it)) != 0 || (rc = lex(lx)) != 0)
                return rc;
            if (lx->t != T_PIPE)
                break;
            if ((rc = lex(lx)) != 0)
                return rc;
        }
        if (lx->t == T_EOF)
            return NEED;
        if (lx->t != T_RPAREN)
            return AP_EPROTO;
        if ((rc = lex(lx)) != 0 || (rc = parse_list(lx, &it->a)) != 0)
            return rc;
        if (lx->t == T_DSEMI) {
            if ((rc = lex(lx)) != 0)
                return rc;
        } else if (lx->t == T_EOF) {
            return NEED;
        } else if (!is_word(lx, "esac")) {
            return AP_EPROTO;
        }
    }
}

/* Is the current word followed by "()" (a function definition)? */
static int
before_parens(const struct lexer *lx)
{
    size_t i = lx->pos;
    while (i < lx->len && (lx->s[i] == ' ' || lx->s[i] == '\t'))
        i++;
    if (i >= lx->len || lx->s[i] != '(')
        return 0;
    for (i++; i < lx->len && (lx->s[i] == ' ' || lx->s[i] == '\t'); i++)
        ;
    return i < lx->len && lx->s[i] == ')';
}

static int parse_command(struct lexer *lx, struct sh_node **out);

/* name() body, or function name [()] body: the name is the current
 * token (after "function" when kw). */
static int
parse_function(struct lexer *lx, struct sh_node *n)
{
    size_t k;
    int rc;

    if (lx->t == T_EOF)
        return NEED;
    if (lx->t != T_WORD || (n->name = tok_text(lx)) == NULL)
        return lx->t != T_WORD ? AP_EPROTO : AP_ENOMEM;
    for (k = 0; n->name[k]; k++)
        if (strchr("\"'`$<>|&;(){}", n->name[k]))
            return AP_EPROTO;
    if (before_parens(lx)) {
        if ((rc = lex(lx)) != 0 || (rc = lex(lx)) != 0)
            return rc;
    }
    if ((rc = lex(lx)) != 0 || (rc = skip_newlines(lx)) != 0)
        return rc;
    if (lx->t == T_EOF)
        return NEED;
    /* the body is a compound command */
    if (lx->t != T_LPAREN && !is_word(lx, "{") && !is_word(lx, "if") &&
        !is_word(lx, "for") && !is_word(lx, "while") &&
        !is_word(lx, "until") && !is_word(lx, "case"))
        return AP_EPROTO;
    return parse_command(lx, &n->a);
}

static int
parse_command(struct lexer *lx, struct sh_node **out)
{
    struct sh_node *n = NULL;
    int rc;

    if (++lx->depth > AP_LIMIT_SH_DEPTH)
        return AP_ETOOBIG;
    if (lx->t == T_EOF) {
        rc = NEED;
        goto out;
    }
    if (lx->t == T_LPAREN || is_word(lx, "{")) {
        int paren = lx->t == T_LPAREN;
        if ((n = node_new(lx, paren ? SH_SUBSHELL : SH_GROUP)) == NULL) {
            rc = AP_ETOOBIG;
            goto out;
        }
        if ((rc = lex(lx)) != 0 || (rc = parse_list(lx, &n->a)) != 0)
            goto out;
        if (lx->t == T_EOF) {
            rc = NEED;
            goto out;
        }
        if (paren ? lx->t != T_RPAREN : !is_word(lx, "}")) {
            rc = AP_EPROTO;
            goto out;
        }
        if (n->a == NULL) {
            rc = AP_EPROTO;
            goto out;
        }
        if ((rc = lex(lx)) != 0)
            goto out;
    } else if (is_word(lx, "if")) {
        if ((n = node_new(lx, SH_IF)) == NULL) {
            rc = AP_ETOOBIG;
            goto out;
        }
        if ((rc = lex(lx)) != 0 || (rc = parse_if(lx, n)) != 0)
            goto out;
    } else if (is_word(lx, "for")) {
        if ((n = node_new(lx, SH_FOR)) == NULL) {
            rc = AP_ETOOBIG;
            goto out;
        }
        if ((rc = lex(lx)) != 0 || (rc = parse_for(lx, n)) != 0)
            goto out;
    } else if (is_word(lx, "case")) {
        if ((n = node_new(lx, SH_CASE)) == NULL) {
            rc = AP_ETOOBIG;
            goto out;
        }
        if ((rc = lex(lx)) != 0 || (rc = parse_case(lx, n)) != 0)
            goto out;
    } else if (is_word(lx, "function") ||
               (lx->t == T_WORD && !at_list_end(lx) && before_parens(lx))) {
        if ((n = node_new(lx, SH_FUNC)) == NULL) {
            rc = AP_ETOOBIG;
            goto out;
        }
        if (is_word(lx, "function") && (rc = lex(lx)) != 0)
            goto out;
        if ((rc = parse_function(lx, n)) != 0)
            goto out;
    } else if (is_word(lx, "while") || is_word(lx, "until")) {
        if ((n = node_new(lx, is_word(lx, "while") ? SH_WHILE : SH_UNTIL)) ==
            NULL) {
            rc = AP_ETOOBIG;
            goto out;
        }
        if ((rc = lex(lx)) != 0 || (rc = parse_list(lx, &n->a)) != 0 ||
            (rc = parse_do_done(lx, &n->b)) != 0)
            goto out;
    } else if (lx->t == T_WORD || lx->t == T_REDIR) {
        if (at_list_end(lx)) {
            rc = AP_EPROTO;
            goto out;
        }
        if ((n = node_new(lx, SH_CMD)) == NULL) {
            rc = AP_ETOOBIG;
            goto out;
        }
        rc = parse_redirs(lx, n, 1);
        goto out;
    } else {
        rc = AP_EPROTO;
        goto out;
    }
    rc = parse_redirs(lx, n, 0);
out:
    lx->depth--;
    if (rc != 0) {
        sh_node_free(n);
        return rc;
    }
    *out = n;
    return 0;
}

static int
parse_pipeline(struct lexer *lx, struct sh_node **out)
{
    struct sh_node *first = NULL, **tail = &first, *p = NULL;
    int neg = 0, count = 0, rc;

    if (is_word(lx, "!")) {
        neg = 1;
        if ((rc = lex(lx)) != 0)
            return rc;
    }
    for (;;) {
        if ((rc = parse_command(lx, tail)) != 0)
            goto fail;
        tail = &(*tail)->next;
        count++;
        if (lx->t != T_PIPE)
            break;
        if ((rc = lex(lx)) != 0 || (rc = skip_newlines(lx)) != 0)
            goto fail;
    }
    if (count > 1) {
        if ((p = node_new(lx, SH_PIPE)) == NULL) {
            rc = AP_ETOOBIG;
            goto fail;
        }
        p->a = first;
        first = p;
    }
    if (neg) {
        if ((p = node_new(lx, SH_NOT)) == NULL) {
            rc = AP_ETOOBIG;
            goto fail;
        }
        p->a = first;
        first = p;
    }
    *out = first;
    return 0;
fail:
    sh_node_free(first);
    return rc;
}

static int
parse_andor(struct lexer *lx, struct sh_node **out)
{
    struct sh_node *left = NULL, *n;
    int rc;

    if ((rc = parse_pipeline(lx, &left)) != 0)
        return rc;
    while (lx->t == T_AND || lx->t == T_OR) {
        if ((n = node_new(lx, lx->t == T_AND ? SH_AND : SH_OR)) == NULL) {
            rc = AP_ETOOBIG;
            goto fail;
        }
        n->a = left;
        left = n;
        if ((rc = lex(lx)) != 0 || (rc = skip_newlines(lx)) != 0 ||
            (rc = parse_pipeline(lx, &n->b)) != 0)
            goto fail;
    }
    *out = left;
    return 0;
fail:
    sh_node_free(left);
    return rc;
}

/* A list; *out is NULL when the list is empty. */
static int
parse_list(struct lexer *lx, struct sh_node **out)
{
    struct sh_node *list = NULL, **tail;
    int rc;

    if (++lx->depth > AP_LIMIT_SH_DEPTH)
        return AP_ETOOBIG;
    if ((list = node_new(lx, SH_LIST)) == NULL) {
        rc = AP_ETOOBIG;
        goto fail;
    }
    tail = &list->a;
    for (;;) {
        if ((rc = skip_newlines(lx)) != 0)
            goto fail;
        if (at_list_end(lx))
            break;
        if ((rc = parse_andor(lx, tail)) != 0)
            goto fail;
        if (lx->t == T_AMP)
            (*tail)->bg = 1;
        tail = &(*tail)->next;
        if (lx->t == T_SEMI || lx->t == T_AMP || lx->t == T_NL) {
            if ((rc = lex(lx)) != 0)
                goto fail;
            continue;
        }
        if (at_list_end(lx))
            break;
        rc = AP_EPROTO;
        goto fail;
    }
    lx->depth--;
    if (list->a == NULL) {
        sh_node_free(list);
        list = NULL;
    }
    *out = list;
    return 0;
fail:
    lx->depth--;
    sh_node_free(list);
    return rc;
}

int
sh_parse(const char *src, size_t len, struct sh_node **out)
{
    struct lexer lx;
    struct sh_node *root = NULL;
    int rc;

    if (len == 0)
        return 0;
    if (len > AP_LIMIT_SH_INPUT)
        return AP_ETOOBIG;
    if (memchr(src, '\0', len) != NULL)
        return AP_EPROTO;
    memset(&lx, 0, sizeof(lx));
    lx.s = src;
    lx.len = len;
    if ((rc = lex(&lx)) != 0)
        goto out;
    if ((rc = parse_list(&lx, &root)) != 0)
        goto out;
    if (lx.t != T_EOF)
        rc = AP_EPROTO; /* a stray ")" or "fi" */
out:
    if (rc != 0) {
        sh_node_free(root);
        return rc == NEED ? 0 : rc;
    }
    if (root == NULL) {
        /* only blanks/comments: an empty list is still a valid parse */
        if ((root = calloc(1, sizeof(*root))) == NULL)
            return AP_ENOMEM;
        root->kind = SH_LIST;
    }
    *out = root;
    return (int)len;
}
