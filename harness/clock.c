/*
 * clock.c - the harness clock, and the time(3) that OpenSSL reads.
 *
 * libssl and libcrypto call time(NULL) to stamp sessions, to check their
 * age and expiry, and to check certificate validity. Defining time() here
 * puts our definition in the executable that links libticketlab.a; the
 * dynamic linker then binds libssl's and libcrypto's calls to it. The
 * executable must export the symbol (CMake: ENABLE_EXPORTS) so that shared
 * objects loaded later (plug-ins) see it too.
 */
#include "ticketlab/clock.h"

#include <stddef.h>
#include <time.h>

#include <openssl/ssl.h>

static int frozen;
static int64_t frozen_now = TL_CLOCK_EPOCH;

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

int tl_clock_is_frozen(void)
{
    return frozen;
}

int64_t tl_clock_now(void)
{
    struct timespec ts;

    if (frozen)
        return frozen_now;
    /* Not time(): that would be ourselves. */
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

int tl_clock_linked(void)
{
    /* SSL_SESSION_new() stamps the session with libssl's time(NULL): if
     * that reads a clock frozen at an odd instant, libssl reads ours. */
    int was_frozen = frozen;
    int64_t was_now = frozen_now;
    const int64_t probe = INT64_C(1000000007);
    SSL_SESSION *s;
    int linked;

    tl_clock_freeze(probe);
    s = SSL_SESSION_new();
    linked = s != NULL && (int64_t)SSL_SESSION_get_time(s) == probe;
    SSL_SESSION_free(s);
    frozen = was_frozen;
    frozen_now = was_now;
    return linked;
}
