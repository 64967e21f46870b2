/*
 * client_age_no_wrap.c - self-test of client-age-no-wrap (release.h).
 *
 * The client offers a TLS 1.3 session stamped 5 seconds in the future (a
 * clock that stepped back). With the change, tls_construct_ctos_psk's
 * ossl_time_subtract saturates the age to 0: the client offers the PSK and
 * the server resumes. Without it, time(NULL) - session->time wraps to a
 * huge uint32 age, older than the lifetime hint, and the client does not
 * offer it: a full handshake.
 */
#include "selftest.h"

#include "ossl_compat.h"
#include "ticketlab/clock.h"

static int from_the_future(tl_world *w, tl_handshake_opts *o, void *arg, tl_error *err)
{
    (void)w; (void)arg;
    if (!tl_session_set_time(o->session, tl_clock_now() + 5))
        return tl_error_set_ssl(err, "cannot stamp the session 5 s in the future");
    return 0;
}

int tl_selftest_client_age_no_wrap(tl_error *err)
{
    tl_handshake_result again;
    int answer = -1;

    if (tl_selftest_resume(NULL, from_the_future, NULL, &again, err) != 0)
        return -1;
    if (!again.client.ok || !again.server.ok)
        tl_error_set(err, "the handshake with a session from the future failed (client %s, server %s)",
                     again.client.ok ? "ok" : again.client.err_reason,
                     again.server.ok ? "ok" : again.server.err_reason);
    else
        answer = again.server.reused ? 1 : 0;
    tl_handshake_result_free(&again);
    return answer;
}
