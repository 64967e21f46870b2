/*
 * clock.c - the harness clock, and the wall-clock calls that OpenSSL makes.
 *
 * OpenSSL reads the wall clock to stamp sessions, to check their age and
 * expiry, and to check certificate validity. Which call it uses depends on
 * the release:
 *   - 3.0 and 3.1: time(3) (ssl_session_dup, ssl_get_prev_session, the
 *     client's ticket age in tls_construct_ctos_psk, X509_cmp_time);
 *   - 3.2 and later: ossl_time_now() in crypto/time.c, which calls
 *     gettimeofday(2); time(3) is still used for certificates and a few
 *     others (ssl_lib.c, extensions_srvr.c).
 * Defining time() and gettimeofday() here puts our definitions in the
 * executable that links libticketlab.a; a static libssl binds to them at
 * link time and a shared one through the dynamic linker. The executable
 * must export the symbols (CMake: ENABLE_EXPORTS) so that shared objects
 * loaded later (plug-ins) see them.
 *
 * clock_gettime() is left to the kernel: no 3.x release reads it on a
 * ticket path (only RAND seeding, which our RNG replaces), and fuzzing
 * engines time themselves with it: libFuzzer's clock read as frozen in
 * 2027 ended every campaign after its first pass.
 */
#include "ticketlab/clock.h"
#include "ossl_compat.h"
#include "ticketlab/tlslib.h"

#include <stddef.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/ssl.h>

static int frozen;
static int64_t frozen_now = TL_CLOCK_EPOCH;
static int64_t split;   /* gettimeofday() - time() while frozen; see tl_clock_split */

void tl_clock_freeze(int64_t now)
{
    frozen = 1;
    frozen_now = now;
}

void tl_clock_advance(int64_t seconds)
{
    frozen_now += seconds;
}

void tl_clock_thaw(void)
{
    frozen = 0;
}

void tl_clock_split(int64_t seconds)
{
    split = seconds;
}

int tl_clock_is_frozen(void)
{
    return frozen;
}

int64_t tl_clock_now(void)
{
    struct timespec ts;

    if (frozen)
        return frozen_now;
    /* Not time() or gettimeofday(): those are ourselves. */
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec;
}

time_t time(time_t *out)
{
    time_t now = (time_t)tl_clock_now();

    if (out != NULL)
        *out = now;
    return now;
}

/* The timezone argument is obsolete (always NULL in OpenSSL): ignored. */
int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    struct timespec ts;

    (void)tz;
    if (frozen) {
        tv->tv_sec = (time_t)(frozen_now + split);
        tv->tv_usec = 0;
        return 0;
    }
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -1;
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

int tl_clock_linked(void)
{
#if !TL_TLSLIB_OPENSSL
    /* BoringSSL and AWS-LC ask each SSL_CTX's SSL_CTX_set_current_time_cb,
     * which tl_tlslib_ctx_new() points at tl_clock_now(). */
    return 1;
#else
    /* SSL_SESSION_new() stamps the session with the release's wall clock
     * (time(3) on 3.0/3.1, ossl_time_now() on 3.2+); X509_cmp_time reads
     * time(3) on every release. If a clock frozen at an odd instant shows
     * in the session, libssl reads ours. */
    int was_frozen = frozen;
    int64_t was_now = frozen_now;
    const int64_t probe = INT64_C(1000000007);
    SSL_SESSION *s;
    int linked;

    tl_clock_freeze(probe);
    s = SSL_SESSION_new();
    linked = s != NULL && tl_session_get_time(s) == probe;
    SSL_SESSION_free(s);
    frozen = was_frozen;
    frozen_now = was_now;
    return linked;
#endif
}
