/*
 * release.h - the OpenSSL release running here, the ticket behaviour
 * changes between releases that ticketlab knows about, and their upstream
 * history.
 *
 * Each change (src/det/release.c) has a short name, used in
 * expectations.tl as `since NAME`, the function it lives in, what it does to
 * a user, the upstream reference, and the first patch release of each
 * release line that has it. A release line newer than every listed line has
 * the change too.
 *
 * This is history only: what upstream shipped when. Whether the library
 * loaded now has a change is detected by a self-test (src/detect/), and
 * the answer the engine, the leak excuses and the fuzz oracles use is
 * tl_behaviour_has() (behaviour.h), never tl_history_has():
 *
 *     if (tl_behaviour_has(TL_CHANGE_PSK_EMPTY_IDENTITY))
 *         ... a zero-length TLS 1.3 identity is decode_error before any callback
 *
 * The release number is OpenSSL_version_num() of the library loaded at run
 * time (read once per process), which can differ from the headers the
 * program was built with. TICKETLAB_OPENSSL_VERSION (e.g. "3.0.22")
 * replaces that number for the history lookups and the release name in
 * reports; it changes no detected answer.
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

/* tl_history_has - 1 if upstream shipped the running release number with the change, else 0. */
int tl_history_has(tl_change c);

/*
 * tl_history_describe - what history says of c for the running release, in
 * words: "upstream from 3.5.7" (its line has the change from that patch
 * release), or "upstream in 3.0.21, 3.5.7, 3.6.3; not in the 3.1 line" /
 * "...; the newer 4.0 line has it". Always NUL-terminates buf (size > 0).
 */
void tl_history_describe(tl_change c, char *buf, size_t size);

/* tl_change_parse - the change named `name`. Returns 0, or -1 when unknown. */
int tl_change_parse(const char *name, tl_change *out);

/* The change's short name ("psk-empty-identity"), the function and file it
 * lives in, what a user sees, and the upstream reference; "?" for a value
 * that is not a change. */
const char *tl_change_name(tl_change c);
const char *tl_change_where(tl_change c);
const char *tl_change_what(tl_change c);
const char *tl_change_reference(tl_change c);

#endif
