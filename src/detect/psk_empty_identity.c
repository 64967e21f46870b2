/*
 * psk_empty_identity.c - self-test of psk-empty-identity (release.h).
 *
 * The probe feeds the server a TLS 1.3 ClientHello whose PSK identity is
 * empty. With the change, tls_parse_ctos_psk refuses it with decode_error
 * before any ticket callback; without it, tls_decrypt_ticket reports
 * SSL_TICKET_EMPTY to the decrypt callback (whose natural IGNORE_RENEW
 * still ends in decode_error).
 */
#include "selftest.h"

#include "probe.h"

int tl_selftest_psk_empty_identity(tl_error *err)
{
    tl_handshake_result full;
    tl_world *w = tl_selftest_world(NULL, &full, err);
    tl_probe *p;
    tl_probe_result r;
    const tl_event_log *log;
    int saw_empty = 0, answer = -1;

    if (w == NULL)
        return -1;
    p = tl_probe_new(w, full.sessions[0], err);
    if (p != NULL && tl_probe_run(p, NULL, 0, &r, err) == 0) {
        log = tl_world_events(w);
        for (size_t i = r.ev_begin; i < r.ev_end; i++)
            if (log->ev[i].kind == TL_EV_DECRYPT_CB && log->ev[i].status == SSL_TICKET_EMPTY)
                saw_empty = 1;
        if (saw_empty)
            answer = 0;
        else if (r.failed && r.alert_sent == SSL_AD_DECODE_ERROR)
            answer = 1;
        else
            tl_error_set(err, "an empty TLS 1.3 identity neither reached the decrypt callback nor "
                              "failed with decode_error (alert %d)", r.alert_sent);
    }
    tl_probe_free(p);
    tl_handshake_result_free(&full);
    tl_world_free(w);
    return answer;
}
