/*
 * ticket_after_suite_mismatch.c - self-test of ticket-after-suite-mismatch
 * (release.h).
 *
 * A TLS 1.3 session minted with TLS_AES_256_GCM_SHA384 is offered to the
 * same server once it allows only TLS_AES_128_GCM_SHA256: the session's
 * hash differs from the new suite's, so tls_parse_ctos_psk drops the PSK
 * and the handshake is a full one. With the change it keeps
 * ticket_expected set and the server sends its num_tickets (2) tickets;
 * without it, none.
 */
#include "selftest.h"

static int sha256_only(tl_world *w, tl_handshake_opts *o, void *arg, tl_error *err)
{
    (void)o; (void)arg;
    if (SSL_CTX_set_ciphersuites(tl_world_server_ctx(w), "TLS_AES_128_GCM_SHA256") != 1)
        return tl_error_set_ssl(err, "the server refuses TLS_AES_128_GCM_SHA256");
    return 0;
}

int tl_selftest_ticket_after_suite_mismatch(tl_error *err)
{
    tl_handshake_result again;
    int answer = -1;

    if (tl_selftest_resume(NULL, sha256_only, NULL, &again, err) != 0)
        return -1;
    if (!again.client.ok || !again.server.ok || again.server.reused)
        tl_error_set(err, "a session of another hash did not give a full handshake "
                          "(client %s, server %s, reused %d)", again.client.ok ? "ok" : "failed",
                     again.server.ok ? "ok" : "failed", again.server.reused);
    else if (again.n_tickets == 2)
        answer = 1;
    else if (again.n_tickets == 0)
        answer = 0;
    else
        tl_error_set(err, "the full handshake after a dropped PSK sent %zu tickets, "
                          "neither 0 nor num_tickets (2)", again.n_tickets);
    tl_handshake_result_free(&again);
    return answer;
}
