/*
 * $(( )) arithmetic: integers, + - * / % << >> < <= > >= == != & ^ | && ||
 * ! ~ unary -, parentheses, ?: and variable names.  64-bit wrapping
 * arithmetic done in unsigned so no input is undefined behaviour;
 * division by zero is an error as in bash.  Recursion is bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/limits.h"
#include "sh.h"

#include "ap/common.h"

struct ar {
    struct sh *sh;
    const char *p;
    int err;
    unsigned depth;
};

typedef unsigned long long u64;

static long long expr(struct ar *a);

static void
ws(struct ar *a)
{
    while (*a->p == ' ' || *a->p == '\t' || *a->p == '\n')
        a->p++;
}

static int
eat(struct ar *a, const char *op)
{
    size_t n = strlen(op);
    ws(a);
    if (strncmp(a->p, op, n) != 0)
        return 0;
    /* do not take "<" out of "<<" or "<=", "&" out of "&&" ... */
    if (n == 1 && a->p[1] != '\0' && strchr("<>&|=!", op[0]) &&
        (a->p[1] == op[0] || a->p[1] == '=') && op[0] != '!')
        return 0;
    if (n == 1 && op[0] == '!' && a->p[1] == '=')
        return 0;
    a->p += n;
    return 1;
}

static long long
primary(struct ar *a)
{
    long long v = 0;

    ws(a);
    if (++a->depth > AP_LIMIT_SH_DEPTH) {
        a->err = 1;
        return 0;
    }
    if (eat(a, "(")) {
        v = expr(a);
        if (!eat(a, ")"))
            a->err = 1;
    } else if (eat(a, "-")) {
        v = (long long)(0 - (u64)primary(a));
    } else if (eat(a, "+")) {
        v = primary(a);
    } else if (eat(a, "!")) {
        v = !primary(a);
    } else if (eat(a, "~")) {
        v = (long long)~(u64)primary(a);
    } else if (*a->p >= '0' && *a->p <= '9') {
        char *end;
        v = (long long)strtoull(a->p, &end, 0);
        a->p = end;
    } else if (sh_name_char((unsigned char)*a->p, 1)) {
        char name[128];
        size_t n = 0;
        const char *val;
        while (sh_name_char((unsigned char)*a->p, 0)) {
            if (n < sizeof(name) - 1)
                name[n++] = *a->p;
            a->p++;
        }
        name[n] = '\0';
        val = sh_getvar(a->sh, name);
        v = val ? strtoll(val, NULL, 0) : 0;
    } else {
        a->err = 1;
    }
    a->depth--;
    return v;
}

static long long
mul(struct ar *a)
{
    long long v = primary(a);
    for (;;) {
        if (eat(a, "*")) {
            v = (long long)((u64)v * (u64)primary(a));
        } else if (eat(a, "/") || eat(a, "%")) {
            char op = a->p[-1];
            long long r = primary(a);
            if (r == 0) {
                a->err = 1;
                return 0;
            }
            if (r == -1) /* LLONG_MIN / -1 overflows */
                v = op == '/' ? (long long)(0 - (u64)v) : 0;
            else
                v = op == '/' ? v / r : v % r;
        } else {
            return v;
        }
    }
}

static long long
add(struct ar *a)
{
    long long v = mul(a);
    for (;;) {
        if (eat(a, "+"))
            v = (long long)((u64)v + (u64)mul(a));
        else if (eat(a, "-"))
            v = (long long)((u64)v - (u64)mul(a));
        else
            return v;
    }
}

static long long
shift(struct ar *a)
{
    long long v = add(a);
    for (;;) {
        if (eat(a, "<<"))
            v = (long long)((u64)v << ((u64)add(a) & 63));
        else if (eat(a, ">>"))
            v = v >> ((u64)add(a) & 63);
        else
            return v;
    }
}

static long long
rel(struct ar *a)
{
    long long v = shift(a);
    for (;;) {
        if (eat(a, "<="))
            v = v <= shift(a);
        else if (eat(a, ">="))
            v = v >= shift(a);
        else if (eat(a, "<"))
            v = v < shift(a);
        else if (eat(a, ">"))
            v = v > shift(a);
        else if (eat(a, "=="))
            v = v == shift(a);
        else if (eat(a, "!="))
            v = v != shift(a);
        else
            return v;
    }
}

static long long
bits(struct ar *a)
{
    long long v = rel(a);
    for (;;) {
        if (eat(a, "&"))
            v &= rel(a);
        else if (eat(a, "^"))
            v ^= rel(a);
        else if (eat(a, "|"))
            v |= rel(a);
        else
            return v;
    }
}

static long long
logic(struct ar *a)
{
    long long v = bits(a);
    for (;;) {
        if (eat(a, "&&")) {
            long long r = bits(a);
            v = v && r;
        } else if (eat(a, "||")) {
            long long r = bits(a);
            v = v || r;
        } else {
            return v;
        }
    }
}

static long long
expr(struct ar *a)
{
    long long v;
    if (++a->depth > AP_LIMIT_SH_DEPTH) {
        a->err = 1;
        return 0;
    }
    v = logic(a);
    if (eat(a, "?")) {
        long long t = expr(a);
        long long f = 0;
        if (!eat(a, ":"))
            a->err = 1;
        else
            f = expr(a);
        v = v ? t : f;
    }
    a->depth--;
    return v;
}

int
sh_arith(struct sh *sh, const char *s, long long *out)
{
    struct ar a = {sh, s, 0, 0};
    long long v;

    ws(&a);
    if (*a.p == '\0') {
        *out = 0;
        return 0;
    }
    v = expr(&a);
    ws(&a);
    if (a.err || *a.p != '\0')
        return AP_EINVAL;
    *out = v;
    return 0;
}
