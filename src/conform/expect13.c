/*
 * expect13.c - the expectation engine's TLS 1.3 handshake; see expect_sim.h.
 *
 * From the client's ClientHello (tls_construct_ctos_early_data,
 * tls_construct_ctos_psk) through the server's PSK extension
 * (tls_parse_ctos_psk), the HelloRetryRequest, the tickets the state
 * machine writes (ossl_statem_server13_write_transition) and 0-RTT
 * (final_early_data).
 */
#include "expect_sim.h"

#include <string.h>

#include "ticketlab/world.h"

/* ---- TLS 1.3 ---------------------------------------------------------------- */

/* The client's side of the ticket age (tls_construct_ctos_psk): does it offer the PSK? */
static int client_offers_psk(sim *s, long *client_age_ms)
{
    const tl_scenario *sc = s->sc;
    long age = tl_scenario_clock_advance(sc) + sc->skew;
    unsigned long agesec = (unsigned long)(age < 0 ? (unsigned long)(unsigned)(int)age : (unsigned long)age);

    if (age < 0 && tl_sim_has(TL_CHANGE_CLIENT_AGE_NO_WRAP)) {
        tl_sim_because(s, "tls_construct_ctos_psk: a session from the future has age 0 (ossl_time_subtract saturates, 3.2+)");
        agesec = 0;
    } else if (age < 0) {
        tl_sim_because(s, "tls_construct_ctos_psk: time(NULL) - session->time wraps to a huge uint32 age (3.0/3.1)");
    }
    unsigned long hint = (unsigned long)(tl_sim_session_timeout(sc) < ONE_WEEK ? tl_sim_session_timeout(sc) : ONE_WEEK);

    agesec &= 0xffffffffUL;
    if (agesec > 0)
        agesec--;
    *client_age_ms = (long)(agesec * 1000UL);
    if (hint < agesec) {
        tl_sim_because(s, "tls_construct_ctos_psk: the ticket is older than its lifetime hint to the client, which does not offer it");
        return 0;
    }
    return 1;
}

/* tls_construct_ctos_early_data: the session's ALPN (h2, the server's first
 * choice) must be in the client's list, or the client fails. */
int tl_sim_alpn_blocks_early(const tl_scenario *sc)
{
    return sc->world_alpn && sc->alpn[0] && strstr(sc->alpn, "h2") == NULL;
}

static int suite_is_sha384(const char *suites)
{
    /* The client's preference order, which the server follows by default:
     * TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256. */
    if (suites[0] == '\0' || strstr(suites, "TLS_AES_256_GCM_SHA384") != NULL)
        return 1;
    return 0;
}

/* What the TLS 1.3 client put in its ClientHello, as the phases below see it. */
typedef struct hello13 {
    int offered;          /* a PSK identity is offered */
    int early_sent;       /* the early_data extension is sent */
    long client_age_ms;   /* the obfuscated age, de-obfuscated */
} hello13;

/*
 * tls_construct_ctos_early_data and tls_construct_ctos_psk: what the client
 * offers. Returns 0 when the client itself fails before sending anything.
 */
static int construct_ctos13(sim *s, hello13 *h)
{
    const tl_scenario *sc = s->sc;

    h->offered = sc->present != TL_PRESENT_NONE;
    h->client_age_ms = 0;
    if (h->offered && sc->from == TLS1_2_VERSION) {
        tl_sim_because(s, "tls_construct_ctos_psk: a TLS 1.2 session is not offered as a PSK; its ticket extension is not read in TLS 1.3");
        h->offered = 0;
    }
    /* tls_construct_ctos_early_data runs before tls_construct_ctos_psk and
     * looks at the session's max_early_data only: a ticket too old to be
     * offered as a PSK still goes with 0-RTT, which the server then rejects. */
    h->early_sent = h->offered && sc->send_early && sc->early > 0;
    if (h->offered && sc->present != TL_PRESENT_EMPTY && !client_offers_psk(s, &h->client_age_ms))
        h->offered = 0;
    if (h->early_sent && tl_sim_alpn_blocks_early(sc)) {
        /* The session's ALPN is h2 (the server's first choice). */
        tl_sim_because(s, "tls_construct_ctos_early_data: the client's ALPN list lacks the session's ALPN: "
                   "the client fails with internal_error before sending anything");
        s->failed = 1;
        s->out->client_ok = s->out->server_ok = 0;
        s->out->client_alert = ALERT_INTERNAL_ERROR;
        s->out->server_alert = ALERT_UNEXPECTED_MESSAGE;   /* unexpected_message: an alert where a ClientHello was due */
        return 0;
    }
    if (h->early_sent) {
        /* tls_construct_ctos_early_data: once the extension is written the
         * client's status is SSL_EARLY_DATA_REJECTED until the server's
         * EncryptedExtensions accept it, so a server that fails first
         * leaves it rejected. */
        s->out->early = TL_EARLY_REJECTED;
    }
    return 1;
}

/*
 * tls_parse_ctos_psk on a zero-length identity, before any ticket callback.
 * Returns 0 when the server fails there.
 */
static int parse_ctos_psk_empty(sim *s, const hello13 *h)
{
    const tl_scenario *sc = s->sc;

    if (!h->offered || sc->present != TL_PRESENT_EMPTY)
        return 1;
    if (tl_sim_has(TL_CHANGE_PSK_EMPTY_IDENTITY)) {
        tl_sim_because(s, "tls_parse_ctos_psk: a zero-length identity is decode_error before any ticket callback "
                   "(OpenSSL %s; since 3.0.21, 3.5.7, 3.6.3)", tl_release_name());
        tl_sim_server_fails(s, ALERT_DECODE_ERROR, 0);
        return 0;
    }
    if (s->stateful) {
        /* tls_get_stateful_ticket: a 0-byte identity is SSL_TICKET_EMPTY before
         * any cache lookup, and no decrypt callback runs that could IGNORE it. */
        tl_sim_because(s, "tls_get_stateful_ticket: %s makes tickets stateful, and an empty identity is SSL_TICKET_EMPTY; "
                   "tls_parse_ctos_psk: SSL_TICKET_EMPTY is decode_error",
                       sc->no_ticket ? "SSL_OP_NO_TICKET" : "early data with anti-replay");
        tl_sim_server_fails(s, ALERT_DECODE_ERROR, 0);
        return 0;
    }
    return 1;
}

/*
 * A HelloRetryRequest: each ClientHello goes through ssl_get_prev_session
 * and tls_parse_ctos_psk, so the first one's ticket is processed too.
 * Returns 0 when the prediction ends there (the server failed, or the
 * probe's server stopped at the HelloRetryRequest).
 */
static int first_client_hello(sim *s)
{
    const tl_scenario *sc = s->sc;
    tl_scenario first = *sc;
    int st;

    tl_sim_because(s, "HelloRetryRequest: the PSK of the first ClientHello is processed too");
    if (s->stateful) {
        if (sc->early > 0 && !sc->no_anti_replay) {
            tl_sim_because(s, "tls_parse_ctos_psk: anti-replay removed the single-use session at the first ClientHello");
            s->replayed = 1;
        }
        return 1;
    }
    s->sc = &first;
    st = tl_sim_decrypt(s);
    s->sc = sc;
    if (st == ST_FATAL) {
        tl_sim_because(s, "tls_parse_ctos_psk: a fatal ticket status is internal_error");
        tl_sim_server_fails(s, ALERT_INTERNAL_ERROR, 0);
        return 0;
    }
    if (s->bad_decrypt && tl_scenario_server_early(sc) == 0 && tl_behaviour_has(TL_CHANGE_GET_ERROR_IGNORES_QUEUE)) {
        /* OpenSSL 4.0 (pull 29991): SSL_get_error() reads the connection's
         * error state, so the stale error no longer matters: the server
         * waits for the second ClientHello like any other. */
        tl_sim_because(s, "ossl_ssl_get_error: SSL_get_error reads the connection's error state, not the "
                   "queue: the stale 'bad decrypt' is ignored and the server waits for the second "
                   "ClientHello (openssl pull 29991)");
    } else if (s->bad_decrypt && tl_scenario_server_early(sc) == 0) {
        /* OpenSSL 3.0 bug: tls_decrypt_ticket leaves EVP_DecryptFinal's
         * "bad decrypt" on the error queue. The server's
         * SSL_do_handshake() then returns -1 right after writing the
         * HelloRetryRequest (waiting for the second ClientHello), and
         * SSL_get_error() sees the stale error first: SSL_ERROR_SSL.
         * A non-blocking server that follows SSL_get_error(3) drops
         * the connection there, with no alert; the client never gets
         * a ServerHello. Observed, not derived: without a HRR the
         * call goes on through the server's flight and returns with
         * the queue empty, and a server with max_early_data > 0
         * (read with SSL_read_early_data) does not report it either. */
        tl_sim_because(s, "tls_decrypt_ticket: EVP_DecryptFinal's error is left on the queue; "
                   "SSL_get_error after the HelloRetryRequest reports SSL_ERROR_SSL: "
                   "the server drops the handshake without an alert (OpenSSL 3.0 bug)");
        s->failed = 1;
        s->out->client_ok = s->out->server_ok = 0;
        return 0;
    }
    if (sc->present != TL_PRESENT_EMPTY)
        return 1;
    /* The probe runs the server up to its first flight, which is the
     * HelloRetryRequest: only the first ClientHello's tls_parse_ctos_psk runs. */
    if (st == ST_EMPTY) {
        tl_sim_because(s, "tls_parse_ctos_psk: an empty identity that is not ignored is decode_error");
        tl_sim_server_fails(s, ALERT_DECODE_ERROR, 0);
    } else {
        tl_sim_because(s, "tls_parse_ctos_psk: %s: the identity is skipped; the probe's server stops at its "
                   "first flight, the HelloRetryRequest", st == ST_NONE ? "NONE" : "NO_DECRYPT");
    }
    return 0;
}

/* tls_get_stateful_ticket: the session cache instead of the ticket callbacks. */
static int get_stateful_ticket(sim *s)
{
    const tl_scenario *sc = s->sc;

    tl_sim_because(s, "tls_parse_ctos_psk: %s makes tickets stateful: tls_get_stateful_ticket, no key or decrypt callback",
                   sc->no_ticket ? "SSL_OP_NO_TICKET" : "early data with anti-replay");
    s->ticket_expected = 1;
    if ((sc->replay || s->replayed) && sc->early > 0 && !sc->no_anti_replay) {
        tl_sim_because(s, "tls_get_stateful_ticket: anti-replay removed the session at its first use: NO_DECRYPT");
        return ST_NO_DECRYPT;
    }
    return ST_SUCCESS;
}

/*
 * tls_parse_ctos_psk on the offered identity: the ticket status, the age
 * tolerance for early data, the suite's hash, then ssl_get_prev_session's
 * checks (s->hit). Returns 0 when the server fails there.
 */
static int parse_ctos_psk(sim *s, const hello13 *h)
{
    const tl_scenario *sc = s->sc;
    int st, sess = 0;

    s->ticket_expected = 0;
    st = s->stateful ? get_stateful_ticket(s) : tl_sim_decrypt(s);
    if (st == ST_FATAL) {
        tl_sim_because(s, "tls_parse_ctos_psk: a fatal ticket status is internal_error");
        tl_sim_server_fails(s, ALERT_INTERNAL_ERROR, 0);
        return 0;
    }
    if (st == ST_EMPTY) {
        tl_sim_because(s, "tls_parse_ctos_psk: an empty identity that is not ignored is decode_error");
        tl_sim_server_fails(s, ALERT_DECODE_ERROR, 0);
        return 0;
    }
    if (st == ST_SUCCESS || st == ST_SUCCESS_RENEW) {
        long agesec = tl_scenario_clock_advance(sc), agems = agesec * 1000;

        sess = 1;
        /* tls_parse_ctos_psk: early data only within the ticket age tolerance. */
        s->early_ok = tl_sim_session_timeout(sc) >= agesec && h->client_age_ms <= agems + 1000
                      && h->client_age_ms + TICKET_AGE_ALLOWANCE_MS >= agems + 1000;
        if (!suite_is_sha384(sc->cipher)) {
            sess = 0;
            s->early_ok = 0;
            s->ticket_expected = tl_sim_has(TL_CHANGE_TICKET_AFTER_SUITE_MISMATCH);
            tl_sim_because(s, "tls_parse_ctos_psk: the session's hash differs from the new suite's: the PSK is dropped "
                       "and ticket_expected %s", s->ticket_expected ? "set (3.0.21+, 3.5.7+, 3.6.3+)" : "cleared");
        }
    } else {
        tl_sim_because(s, "tls_parse_ctos_psk: %s: the identity is skipped, full handshake",
                       st == ST_NONE ? "NONE" : "NO_DECRYPT");
    }
    if (sess)
        s->hit = tl_sim_session_survives(s);
    return 1;
}

/*
 * ossl_statem_server13_write_transition: the tickets of the handshake, then
 * those of SSL_new_session_ticket (new_tickets).
 */
static void server13_write_tickets(sim *s, int nt)
{
    const tl_scenario *sc = s->sc;

    tl_sim_send_tickets(s, s->ticket_expected ? (s->hit ? (nt > 0 ? 1 : 0) : nt) : 0,
                        s->hit ? "ossl_statem_server13_write_transition: at most one ticket after a resumption"
                        : "ossl_statem_server13_write_transition: num_tickets after a full handshake");
    if (!s->failed && sc->new_tickets > 0) {
        int n = sc->new_tickets;

        /* TLS_ST_SW_SESSION_TICKET: while extra_tickets_expected > 0 it
         * writes another; after that, on a handshake that did not resume
         * (!s->hit), it goes on until sent_tickets reaches num_tickets. So
         * the extra tickets top up the num_tickets that the handshake itself
         * did not send (none after an IGNORE: ticket_expected was 0). */
        if (!s->hit && nt - s->sent_tickets > n) {
            tl_sim_because(s, "ossl_statem_server13_write_transition: not resumed and only %d of num_tickets (%d) sent: "
                       "the SSL_new_session_ticket flight tops up to num_tickets",
                           s->sent_tickets, nt);
            n = nt - s->sent_tickets;
        }
        tl_sim_send_tickets(s, n, "SSL_new_session_ticket");
    }
}

/* final_early_data: whether the 0-RTT the client sent is accepted. */
static void final_early_data(sim *s)
{
    const tl_scenario *sc = s->sc;
    int alpn_same = sc->alpn[0] == '\0' || (sc->world_alpn && strncmp(sc->alpn, "h2", 2) == 0);

    if (tl_scenario_server_early(sc) == 0) {
        tl_sim_because(s, "final_early_data: 0-RTT rejected (the server's max_early_data is 0)");
        s->out->early = TL_EARLY_REJECTED;
    } else if (s->hit && s->early_ok && alpn_same && !sc->hrr) {
        tl_sim_because(s, "final_early_data: 0-RTT accepted");
        s->out->early = TL_EARLY_ACCEPTED;
    } else {
        tl_sim_because(s, "final_early_data: 0-RTT rejected (%s)",
                       !s->hit ? "no resumption" : !s->early_ok ? "ticket age out of tolerance"
                       : !alpn_same ? "the ALPN differs from the session's" : "HelloRetryRequest");
        s->out->early = TL_EARLY_REJECTED;
    }
}

/* The TLS 1.3 handshake, phase by phase, in the order the server runs them. */
void tl_sim_predict13(sim *s)
{
    const tl_scenario *sc = s->sc;
    hello13 h;

    s->ticket_expected = 1;
    tl_sim_because(s, "ssl_get_prev_session: TLS 1.3 sends a new ticket by default");
    s->stateful = sc->no_ticket || (sc->early > 0 && !sc->no_anti_replay);
    if (!construct_ctos13(s, &h) || !parse_ctos_psk_empty(s, &h))
        return;
    if (h.offered && sc->hrr && !first_client_hello(s))
        return;
    if (h.offered && !parse_ctos_psk(s, &h))
        return;
    if (sc->present == TL_PRESENT_EMPTY)
        return;   /* the probe's server stops after its first flight */
    if (s->hit)
        tl_sim_because(s, "tls_parse_ctos_psk: PSK accepted: resumed");
    server13_write_tickets(s, sc->num_tickets < 0 ? 2 : sc->num_tickets);
    if (h.early_sent)
        final_early_data(s);
}

