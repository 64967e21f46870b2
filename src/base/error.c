/* error.c - errors as values; see error.h. */
#include "ticketlab/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

static void mark_cut(tl_error *err, int n)
{
    /* vsnprintf reports the length it wanted: if it did not fit, say so. */
    if (n >= TL_ERROR_MAX)
        memcpy(err->msg + TL_ERROR_MAX - 4, "...", 4);
}

int tl_error_set(tl_error *err, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err == NULL)
        return -1;
    va_start(ap, fmt);
    n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    mark_cut(err, n);
    return -1;
}

int tl_error_set_ssl(tl_error *err, const char *fmt, ...)
{
    va_list ap;
    unsigned long e = ERR_peek_last_error();
    char reason[256];
    int n;
    size_t used;

    if (err == NULL) {
        ERR_clear_error();
        return -1;
    }
    va_start(ap, fmt);
    n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    if (n < 0 || n >= TL_ERROR_MAX) {
        mark_cut(err, n);
        ERR_clear_error();
        return -1;
    }
    used = (size_t)n;
    if (e != 0) {
        ERR_error_string_n(e, reason, sizeof(reason));
        n = snprintf(err->msg + used, sizeof(err->msg) - used, ": %s", reason);
        mark_cut(err, n + (int)used);
    }
    ERR_clear_error();
    return -1;
}

void tl_error_clear(tl_error *err)
{
    if (err != NULL)
        err->msg[0] = '\0';
}
