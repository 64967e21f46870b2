/*
 * release.h - the OpenSSL release running here, and the ticket behaviour
 * changes between releases (3.x and 4.x) that ticketlab knows about.
 *
 * Each change (src/det/release.c) has a short name, used in
 * expectations.tl as `since NAME`, the function it lives in, what it does to
 * a user, the upstream reference, and the first patch release of each
 * release line that has it. A release
 * line newer than every listed line has the change too.
 *
 *     if (tl_release_has(TL_CHANGE_PSK_EMPTY_IDENTITY))
 *         ... a zero-length TLS 1.3 identity is decode_error before any callback
 *
 * Everything is decided by the OpenSSL loaded at run time
 * (OpenSSL_version_num(), read once per process), which can differ from the
 * headers the program was built with; TICKETLAB_OPENSSL_VERSION (e.g.
 * "3.0.22") overrides it for tests.
 */
#ifndef TICKETLAB_RELEASE_H
#define TICKETLAB_RELEASE_H

#include <stddef.h>

typedef enum tl_change {
    TL_CHANGE_PSK_EMPTY_IDENTITY = 0,  /* empty TLS 1.3 identity: decode_error first */
    TL_CHANGE_TICKET_AFTER_SUITE_MISMATCH, /* a dropped PSK (hash differs) still gets tickets */
    TL_CHANGE_PSK_ABORT_FREES_SESSION, /* the TLS 1.3 fatal-return session leak is fixed */
    TL_CHANGE_CLIENT_AGE_NO_WRAP,      /* the client sends age 0 for a session from the future */
    TL_CHANGE_CLEAR_DROPS_SESSION,     /* SSL_clear() on a server forgets its session */
    TL_CHANGE_WALL_CLOCK_GETTIMEOFDAY, /* libssl reads ossl_time_now() (gettimeofday) */
    TL_CHANGE_GET_ERROR_IGNORES_QUEUE, /* SSL_get_error() reads the connection, not the queue */
    TL_CHANGE_COUNT
} tl_change;

/* tl_release_name - "3.0.19": the running release's number. */
const char *tl_release_name(void);

/* tl_release_series - "3.0", "3.5": the release line. */
const char *tl_release_series(void);

/* tl_release_has - 1 if the running release has the change, else 0. */
int tl_release_has(tl_change c);

/* tl_change_parse - the change named `name`. Returns 0, or -1 when unknown. */
int tl_change_parse(const char *name, tl_change *out);

#endif
