/* release.c - the running OpenSSL release and the upstream history of its ticket changes; see release.h. */
#include "release.h"
#include "ticketlab/tlslib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* First patch release of each line that has a change; {0,0,0} ends a list. */
typedef struct first_release {
    int major, minor, patch;
} first_release;

/* A change: its `since` name, where it lives, what a user sees, the
 * upstream reference, and the first release of each line that has it. */
typedef struct change_def {
    const char *name;
    const char *where;
    const char *what;
    const char *reference;
    first_release first[4];
} change_def;

/*
 * Read in the sources of 3.0.14, 3.0.22, 3.5.7, 3.6.3 and 4.0.2 (and checked against
 * the system 3.0.19 by the conformance suite). 3.0.21, 3.5.7 and 3.6.3 came
 * out together (9 June 2026), so a change first seen in 3.0.21 is listed for
 * 3.5.7 and 3.6.3; 3.1 to 3.4 have no entry and count as not having it.
 */
static const change_def changes[TL_CHANGE_COUNT] = {
    /* Not listed, because no row depends on them yet: the EMS mismatch alert
     * (handshake_failure, was illegal_parameter; 3.0.22+), the TLS 1.2
     * session-id check for external caches (3.6.3), the 7-day hint cap that
     * 3.0.22 computes and then drops. */
    [TL_CHANGE_PSK_EMPTY_IDENTITY] = {
        "psk-empty-identity", "tls_parse_ctos_psk (ssl/statem/extensions_srvr.c)",
        "a zero-length TLS 1.3 PSK identity is decode_error before any ticket callback "
        "(RFC 8446 identity<1..2^16-1>): the decrypt callback never sees EMPTY in TLS 1.3",
        "openssl/openssl pull 31058 (CHANGES.md 3.0.21, 3.5.7, 3.6.3)",
        { { 3, 0, 21 }, { 3, 5, 7 }, { 3, 6, 3 } } },
    [TL_CHANGE_TICKET_AFTER_SUITE_MISMATCH] = {
        "ticket-after-suite-mismatch", "tls_parse_ctos_psk (ssl/statem/extensions_srvr.c)",
        "when the offered session's hash differs from the negotiated suite's, the PSK is dropped "
        "and the full handshake now issues tickets (ticket_expected = 1, was 0)",
        "openssl/openssl pull 30626 (CHANGES.md 3.0.21, 3.5.7, 3.6.3)",
        { { 3, 0, 21 }, { 3, 5, 7 }, { 3, 6, 3 } } },
    [TL_CHANGE_PSK_ABORT_FREES_SESSION] = {
        "psk-abort-frees-session", "tls_parse_ctos_psk (ssl/statem/extensions_srvr.c)",
        "a fatal ticket status in TLS 1.3 (decrypt callback ABORT or an unknown return on "
        "SUCCESS/SUCCESS_RENEW) frees the decrypted session (goto err): the leak is gone",
        "openssl/openssl pull 30464 (merged 2026-05-20; no CHANGES.md entry)",
        { { 3, 0, 21 }, { 3, 5, 7 }, { 3, 6, 3 } } },
    [TL_CHANGE_CLIENT_AGE_NO_WRAP] = {
        "client-age-no-wrap", "tls_construct_ctos_psk (ssl/statem/extensions_clnt.c)",
        "a session stamped in the future gives ticket age 0 (ossl_time_subtract saturates); "
        "3.0 wraps time(NULL) - session->time to a huge uint32 and does not offer the PSK",
        "OpenSSL 3.2: libssl moved to OSSL_TIME (ossl_time_now, ossl_time_subtract)",
        { { 3, 2, 0 } } },
    [TL_CHANGE_CLEAR_DROPS_SESSION] = {
        "clear-drops-session", "ssl_get_prev_session (ssl/ssl_sess.c)",
        "a TLS 1.3 server frees a session left on the SSL (SSL_clear() keeps it after a clean "
        "shutdown) before it looks at the PSK; before, a reused SSL could \"resume\" it",
        "openssl/openssl pull 27584 (merged 2025-05-13; no CHANGES.md entry)",
        { { 3, 0, 17 }, { 3, 5, 1 } } },
    [TL_CHANGE_WALL_CLOCK_GETTIMEOFDAY] = {
        "wall-clock-gettimeofday", "ossl_time_now (crypto/time.c)",
        "libssl reads the wall clock with gettimeofday() through ossl_time_now(), not time()",
        "OpenSSL 3.2: OSSL_TIME in libssl",
        { { 3, 2, 0 } } },
    [TL_CHANGE_GET_ERROR_IGNORES_QUEUE] = {
        "get-error-ignores-queue", "ossl_ssl_get_error (ssl/ssl_lib.c)",
        "SSL_get_error() answers from the connection's own error state, not from the "
        "thread's error queue: the \"bad decrypt\" that tls_decrypt_ticket leaves there "
        "after a ticket with bad padding no longer turns the server's wait for the second "
        "ClientHello of a HelloRetryRequest into SSL_ERROR_SSL, and the handshake completes",
        "openssl/openssl pull 29991 (CHANGES.md 4.0.0)",
        { { 4, 0, 0 } } },
};

static int parse_release(const char *text, int *major, int *minor, int *patch)
{
    char tail;

    return sscanf(text, "%d.%d.%d%c", major, minor, patch, &tail) == 3 ? 0 : -1;
}

/* The running release, read once: the callbacks ask on every handshake. */
static struct {
    int known;
    int major, minor, patch;
    char name[32];      /* "3.0.19" */
    char series[24];    /* "3.0" */
} run;

static void running(void)
{
    const char *override = getenv("TICKETLAB_OPENSSL_VERSION");
    unsigned long v = OpenSSL_version_num();

    if (run.known)
        return;
    if (override == NULL || parse_release(override, &run.major, &run.minor, &run.patch) != 0) {
        /* 3.x: 0xMNN00PP0L (MAJOR, MINOR, PATCH). */
        run.major = (int)((v >> 28) & 0xf);
        run.minor = (int)((v >> 20) & 0xff);
        run.patch = (int)((v >> 4) & 0xff);
    }
    snprintf(run.name, sizeof(run.name), "%d.%d.%d", run.major, run.minor, run.patch);
    snprintf(run.series, sizeof(run.series), "%d.%d", run.major, run.minor);
    if (tl_tlslib_which() != TL_TLSLIB_KIND_OPENSSL) {
        /* BoringSSL and AWS-LC say 1.1.1 (their API level): no OpenSSL 3
         * release rule applies, and reports name the library instead. */
        snprintf(run.name, sizeof(run.name), "%s", tl_tlslib_key());
        snprintf(run.series, sizeof(run.series), "%s", tl_tlslib_key());
    }
    run.known = 1;
}

const char *tl_release_name(void)
{
    running();
    return run.name;
}

const char *tl_release_series(void)
{
    running();
    return run.series;
}

/* The listed release of the running line, or NULL when the line has none. */
static const first_release *first_in_line(tl_change c)
{
    for (const first_release *f = changes[c].first; f < changes[c].first + 4 && f->major; f++)
        if (f->major == run.major && f->minor == run.minor)
            return f;
    return NULL;
}

int tl_history_has(tl_change c)
{
    const first_release *f;
    int newest_major = 0, newest_minor = 0;

    if ((int)c < 0 || c >= TL_CHANGE_COUNT)
        return 0;
    running();
    f = first_in_line(c);
    if (f != NULL)
        return run.patch >= f->patch;
    for (f = changes[c].first; f < changes[c].first + 4 && f->major; f++)
        if (f->major > newest_major || (f->major == newest_major && f->minor > newest_minor)) {
            newest_major = f->major;
            newest_minor = f->minor;
        }
    /* A line newer than every listed one branched after the change. */
    return run.major > newest_major || (run.major == newest_major && run.minor > newest_minor);
}

void tl_history_describe(tl_change c, char *buf, size_t size)
{
    const first_release *f;
    size_t n = 0;

    if (size == 0)
        return;
    buf[0] = '\0';
    if ((int)c < 0 || c >= TL_CHANGE_COUNT)
        return;
    running();
    f = first_in_line(c);
    if (f != NULL) {
        snprintf(buf, size, "upstream from %d.%d.%d", f->major, f->minor, f->patch);
        return;
    }
    n = (size_t)snprintf(buf, size, "upstream in ");
    for (f = changes[c].first; f < changes[c].first + 4 && f->major && n < size; f++)
        n += (size_t)snprintf(buf + n, size - n, "%s%d.%d.%d", f == changes[c].first ? "" : ", ",
                              f->major, f->minor, f->patch);
    if (n < size)
        snprintf(buf + n, size - n, tl_history_has(c) ? "; the newer %s line has it" : "; not in the %s line",
                 run.series);
}

int tl_change_parse(const char *name, tl_change *out)
{
    for (int i = 0; i < TL_CHANGE_COUNT; i++)
        if (strcmp(changes[i].name, name) == 0) {
            *out = (tl_change)i;
            return 0;
        }
    return -1;
}

const char *tl_change_name(tl_change c)
{
    return (int)c >= 0 && c < TL_CHANGE_COUNT ? changes[c].name : "?";
}

const char *tl_change_where(tl_change c)
{
    return (int)c >= 0 && c < TL_CHANGE_COUNT ? changes[c].where : "?";
}

const char *tl_change_what(tl_change c)
{
    return (int)c >= 0 && c < TL_CHANGE_COUNT ? changes[c].what : "?";
}

const char *tl_change_reference(tl_change c)
{
    return (int)c >= 0 && c < TL_CHANGE_COUNT ? changes[c].reference : "?";
}
