/* error.c - errors as values; see error.h. */
#include "ticketlab/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#define ELISION "..."

/* Back up over UTF-8 continuation bytes, so a cut never splits a character. */
static size_t char_start(const char *s, size_t i)
{
    while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
        i--;
    return i;
}

void tl_text_elide(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src), room, head, tail;

    if (size == 0)
        return;
    if (len < size) {
        memmove(dst, src, len + 1);
        return;
    }
    if (size < 2 * sizeof(ELISION)) {
        snprintf(dst, size, "%s", ELISION);
        return;
    }
    /* A third of the room for the start (what failed, the start of the
     * path), the rest for the end (the end of the path and the reason). */
    room = size - sizeof(ELISION);
    head = char_start(src, room / 3);
    tail = len - char_start(src, len - (room - room / 3));
    memmove(dst, src, head);
    memcpy(dst + head, ELISION, sizeof(ELISION) - 1);
    memmove(dst + head + sizeof(ELISION) - 1, src + len - tail, tail);
    dst[head + sizeof(ELISION) - 1 + tail] = '\0';
}

/* Format into err->msg, eliding the middle of a message that does not fit. */
static void format_into(tl_error *err, const char *suffix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void format_into(tl_error *err, const char *suffix, const char *fmt, va_list ap)
{
    va_list again;
    char *full;
    int n;

    va_copy(again, ap);
    n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    if (n >= 0 && (size_t)n + strlen(suffix) < sizeof(err->msg)) {
        strcat(err->msg, suffix);
    } else if (n >= 0 && (full = malloc((size_t)n + strlen(suffix) + 1)) != NULL) {
        vsnprintf(full, (size_t)n + 1, fmt, again);
        strcat(full, suffix);
        tl_text_elide(err->msg, sizeof(err->msg), full);
        free(full);
    } else {
        /* Out of memory: keep the start, and say it was cut. */
        memcpy(err->msg + TL_ERROR_MAX - sizeof(ELISION), ELISION, sizeof(ELISION));
    }
    va_end(again);
}

int tl_error_set(tl_error *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return -1;
    va_start(ap, fmt);
    format_into(err, "", fmt, ap);
    va_end(ap);
    return -1;
}

int tl_error_set_ssl(tl_error *err, const char *fmt, ...)
{
    va_list ap;
    unsigned long e = ERR_peek_last_error();
    char reason[256 + 2] = "";

    if (err == NULL) {
        ERR_clear_error();
        return -1;
    }
    if (e != 0) {
        memcpy(reason, ": ", 2);
        ERR_error_string_n(e, reason + 2, sizeof(reason) - 2);
    }
    va_start(ap, fmt);
    format_into(err, reason, fmt, ap);
    va_end(ap);
    ERR_clear_error();
    return -1;
}

void tl_error_clear(tl_error *err)
{
    if (err != NULL)
        err->msg[0] = '\0';
}
