/*
 * wall_clock_gettimeofday.c - self-test of wall-clock-gettimeofday
 * (release.h).
 *
 * SSL_SESSION_new() stamps a session with libssl's wall clock: time(3) on
 * 3.0 and 3.1, ossl_time_now() (gettimeofday(2)) from 3.2 on. The harness
 * clock answers both; split so that gettimeofday() runs 1000 s ahead of
 * time(), the stamp tells which one libssl read. Needs the harness clock
 * linked in (tl_clock_linked); without it, it cannot tell.
 */
#include "selftest.h"

#include <stdint.h>

#include "ossl_compat.h"
#include "ticketlab/clock.h"

int tl_selftest_wall_clock_gettimeofday(tl_error *err)
{
    const int64_t at = TL_CLOCK_EPOCH, ahead = 1000;
    SSL_SESSION *s;
    int64_t stamp;

    if (!tl_clock_linked())
        return tl_error_set(err, "OpenSSL does not read the harness clock in this program");
    tl_clock_freeze(at);
    tl_clock_split(ahead);
    s = SSL_SESSION_new();
    tl_clock_split(0);
    if (s == NULL)
        return tl_error_set_ssl(err, "SSL_SESSION_new failed");
    stamp = tl_session_get_time(s);
    SSL_SESSION_free(s);
    if (stamp == at + ahead)
        return 1;
    if (stamp == at)
        return 0;
    return tl_error_set(err, "a session was stamped %lld, neither time() (%lld) nor gettimeofday() (%lld)",
                        (long long)stamp, (long long)at, (long long)(at + ahead));
}
