/*
 * checklist.c - the list of checks a validation makes: verdicts, adding a
 * check (and streaming it to a sink), counting and finding; see validate.h
 * and state.h.
 */
#include "validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

const char *tl_verdict_name(tl_verdict v)
{
    switch (v) {
    case TL_VERDICT_PASS: return "pass";
    case TL_VERDICT_WARN: return "warn";
    case TL_VERDICT_FAIL: return "fail";
    case TL_VERDICT_SKIP: return "skip";
    }
    return "unknown";
}

tl_check *tl_validation_addv(tl_validation *out, const char *name, tl_verdict verdict,
                             const char *expected, const char *why, const char *seen_fmt, va_list ap)
{
    tl_check *c = tl_validation_add(out);

    if (c == NULL)
        return NULL;
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->verdict = verdict;
    snprintf(c->expected, sizeof(c->expected), "%s", expected);
    snprintf(c->why, sizeof(c->why), "%s", why);
    vsnprintf(c->seen, sizeof(c->seen), seen_fmt, ap);
    return c;
}

void tl_vcheck(tl_vstate *v, const char *name, tl_verdict verdict, const char *expected,
               const char *why, const char *seen_fmt, ...)
{
    va_list ap;
    tl_check *c;

    va_start(ap, seen_fmt);
    c = tl_validation_addv(v->out, name, verdict, expected, why, seen_fmt, ap);
    va_end(ap);
    if (c != NULL && v->sink != NULL && v->sink->check != NULL)
        v->sink->check(c, v->sink->arg);
}

tl_check *tl_validation_add(tl_validation *out)
{
    tl_check *c;

    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 32;
        tl_check *grown = realloc(out->checks, cap * sizeof(*grown));

        if (grown == NULL)
            return NULL;
        out->checks = grown;
        out->cap = cap;
    }
    c = &out->checks[out->n++];
    memset(c, 0, sizeof(*c));
    return c;
}

void tl_validation_free(tl_validation *v)
{
    free(v->checks);
    memset(v, 0, sizeof(*v));
}

size_t tl_validation_count(const tl_validation *v, tl_verdict which)
{
    size_t n = 0;

    for (size_t i = 0; i < v->n; i++)
        n += v->checks[i].verdict == which;
    return n;
}

int tl_validation_failed(const tl_validation *v)
{
    return tl_validation_count(v, TL_VERDICT_FAIL) > 0;
}

const tl_check *tl_validation_find(const tl_validation *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->checks[i].name, name) == 0)
            return &v->checks[i];
    return NULL;
}

