/*
 * error.h - errors as values.
 *
 * Every fallible ticketlab function returns 0 on success and -1 on failure
 * and, when it is given a tl_error, leaves one sentence in it that a person
 * can act on ("keys.bin: nginx key files are 48 or 80 bytes, this one is 52").
 * The library never prints and never exits.
 */
#ifndef TICKETLAB_ERROR_H
#define TICKETLAB_ERROR_H

#include <stddef.h>

#define TL_ERROR_MAX 512

typedef struct tl_error {
    char msg[TL_ERROR_MAX];
} tl_error;

/*
 * tl_error_set - format a message into err (which may be NULL).
 * Returns -1 always, so a failing path can say `return tl_error_set(...)`.
 * A message longer than TL_ERROR_MAX - 1 is cut and ends in "...".
 */
int tl_error_set(tl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * tl_error_set_ssl - like tl_error_set, then appends ": " and the reason of the
 * most recent OpenSSL error on this thread (if any) and clears the queue.
 * Returns -1.
 */
int tl_error_set_ssl(tl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* tl_error_clear - empty the message. */
void tl_error_clear(tl_error *err);

#endif
