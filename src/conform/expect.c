/*
 * expect.c - the expectation engine; see expect.h (its TLS 1.3 half is
 * expect13.c, what they share expect_sim.h).
 *
 * The model follows the server through the checked handshake: what the
 * client offers, how the server decrypts it (tls_decrypt_ticket), what the
 * decrypt callback's return does, whether the session survives
 * ssl_get_prev_session's checks, how many NewSessionTickets the state
 * machine writes, and what each of them calls. Times are seconds after the
 * set-up handshake, which is when every ticket of a scenario is minted.
 */
#include "expect_sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/policy.h"
#include "detect.h"
#include "ticketlab/tlslib.h"
#include "ticketlab/world.h"

/* Does the running library have change c? (expect_sim.h) */
int tl_sim_has(tl_change c)
{
    tl_detect_ensure();
    return tl_behaviour_has(c);
}

void tl_sim_because(sim *s, const char *fmt, ...)
{
    size_t used;
    va_list ap;

    if (s->why == NULL || s->why_size == 0)
        return;
    used = strlen(s->why);
    if (used && used + 2 < s->why_size) {
        strcpy(s->why + used, "; ");
        used += 2;
    }
    va_start(ap, fmt);
    vsnprintf(s->why + used, s->why_size - used, fmt, ap);
    va_end(ap);
}

/* Predict one callback call: append it to the outcome's callback log (cblog.h). */
static void log_call(sim *s, tl_cb_kind kind, const char *key, int status, const char *app, int ret)
{
    tl_cb_entry e = { .kind = kind, .status = status, .ret = ret };

    snprintf(e.key, sizeof(e.key), "%.*s", (int)sizeof(e.key) - 1, key);
    snprintf(e.app, sizeof(e.app), "%.*s", (int)sizeof(e.app) - 1, app);
    tl_cblog_add(&s->out->log, &e);
}

static int callback_keys(const tl_scenario *sc)
{
    return sc->keys == TL_KEYS_EVP_CB || sc->keys == TL_KEYS_LEGACY_CB;
}

long tl_sim_session_timeout(const tl_scenario *sc)
{
    return sc->timeout ? sc->timeout : DEFAULT_TIMEOUT;
}

/* Fail the server with `alert`; the client fails too unless the handshake
 * was already over for it (TLS 1.3 tickets come after the client's Finished). */
void tl_sim_server_fails(sim *s, int alert, int client_done)
{
    s->failed = 1;
    s->out->server_ok = 0;
    s->out->server_alert = alert;
    if (!client_done)
        s->out->client_ok = 0;
}

/* The name a presented ticket carries, as outcome.h spells it. */
static const char *ticket_name(const tl_scenario *sc)
{
    if (sc->present == TL_PRESENT_UNKNOWN_KEY)
        return "?";
    return sc->keys == TL_KEYS_BUILTIN ? "b" : "r1";
}

static const char *app_of_ticket(const tl_scenario *sc, char *buf, size_t size)
{
    /* SSL_SESSION_set1_ticket_appdata(): len 0 stores NULL, so an empty
     * attachment reads back as none. */
    if (sc->app <= 0)
        return "a-";
    snprintf(buf, size, "a%ld", sc->app);
    return buf;
}

static int scripted(const int *script, size_t n, size_t call)
{
    return call < n ? script[call] : TL_NATURAL;
}

/* ---- tls_decrypt_ticket (ssl/t1_lib.c) ------------------------------------ */

/* The raw status before the decrypt callback; fills *renew. */
static int decrypt_raw(sim *s)
{
    const tl_scenario *sc = s->sc;
    int renew = 0, key_right = 1;

    if (sc->present == TL_PRESENT_NONE || sc->present == TL_PRESENT_EMPTY) {
        tl_sim_because(s, "tls_decrypt_ticket: an empty ticket is SSL_TICKET_EMPTY");
        return SSL_TICKET_EMPTY;
    }
    if (sc->present == TL_PRESENT_SHORT) {
        tl_sim_because(s, "tls_decrypt_ticket: shorter than key name + IV (32 bytes) is NO_DECRYPT before any key callback");
        return SSL_TICKET_NO_DECRYPT;
    }
    if (callback_keys(sc)) {
        int ret = scripted(sc->kdec, sc->n_kdec, s->kdec_calls++);

        if (ret == TL_NATURAL) {
            /* issuer.c ring_key_cb: 1 newest, 2 older live key, 0 unknown or retired. */
            ret = (sc->present == TL_PRESENT_UNKNOWN_KEY || sc->present == TL_PRESENT_RETIRED) ? 0
                  : sc->present == TL_PRESENT_OLDER ? 2 : 1;
        }
        log_call(s, TL_CB_KDEC, ticket_name(sc), 0, "", ret);
        if (ret < 0) {
            tl_sim_because(s, "tls_decrypt_ticket: key callback < 0 is SSL_TICKET_FATAL_ERR_OTHER, the decrypt callback is not called");
            return ST_FATAL;
        }
        if (ret == 0) {
            tl_sim_because(s, "tls_decrypt_ticket: key callback 0 is NO_DECRYPT");
            return SSL_TICKET_NO_DECRYPT;
        }
        renew = ret == 2;
        /* A callback that claims a key it does not have loads another one. */
        key_right = sc->present != TL_PRESENT_UNKNOWN_KEY && sc->present != TL_PRESENT_RETIRED;
        if (renew)
            tl_sim_because(s, "tls_decrypt_ticket: key callback 2 asks for a renewal");
    } else {
        if (sc->present == TL_PRESENT_UNKNOWN_KEY) {
            tl_sim_because(s, "tls_decrypt_ticket: without a key callback, a key name other than tick_key_name is NO_DECRYPT");
            return SSL_TICKET_NO_DECRYPT;
        }
        renew = s->v13;
        if (renew)
            tl_sim_because(s, "tls_decrypt_ticket: without a key callback TLS 1.3 always renews (SUCCESS_RENEW)");
    }
    switch (sc->present) {
    case TL_PRESENT_TRUNCATED:
        tl_sim_because(s, "tls_decrypt_ticket: not longer than key name + IV + HMAC is NO_DECRYPT");
        return SSL_TICKET_NO_DECRYPT;
    case TL_PRESENT_BAD_HMAC:
        tl_sim_because(s, "tls_decrypt_ticket: HMAC mismatch is NO_DECRYPT");
        return SSL_TICKET_NO_DECRYPT;
    case TL_PRESENT_BAD_PADDING:
        /* This path goes to `end` without ERR_clear_error() (only the
         * d2i_SSL_SESSION failure clears): the provider's "bad decrypt"
         * stays on the thread's error queue. */
        tl_sim_because(s, "tls_decrypt_ticket: EVP_DecryptFinal fails on bad padding: NO_DECRYPT");
        s->bad_decrypt = 1;
        return SSL_TICKET_NO_DECRYPT;
    case TL_PRESENT_TRAILING:
        tl_sim_because(s, "tls_decrypt_ticket: bytes after the DER session (slen != 0) are NO_DECRYPT");
        return SSL_TICKET_NO_DECRYPT;
    case TL_PRESENT_BAD_SESSION:
        tl_sim_because(s, "tls_decrypt_ticket: d2i_SSL_SESSION fails: NO_DECRYPT");
        return SSL_TICKET_NO_DECRYPT;
    default:
        break;
    }
    if (!key_right) {
        tl_sim_because(s, "tls_decrypt_ticket: the key the callback loaded does not match the HMAC: NO_DECRYPT");
        return SSL_TICKET_NO_DECRYPT;
    }
    tl_sim_because(s, "tls_decrypt_ticket: HMAC, decryption and d2i_SSL_SESSION succeed: %s",
                   renew ? "SUCCESS_RENEW" : "SUCCESS");
    return renew ? SSL_TICKET_SUCCESS_RENEW : SSL_TICKET_SUCCESS;
}

/* The whole of tls_decrypt_ticket, decrypt callback and ticket_expected included. */
int tl_sim_decrypt(sim *s)
{
    const tl_scenario *sc = s->sc;
    int st = decrypt_raw(s), ret;
    char app[24];

    if (st == ST_FATAL)
        return ST_FATAL;
    if (sc->ticket_cb) {
        int has_sess = st == SSL_TICKET_SUCCESS || st == SSL_TICKET_SUCCESS_RENEW;

        ret = sc->dret == TL_NATURAL ? tl_policy_natural_decrypt(st) : sc->dret;
        log_call(s, TL_CB_DCB, st == SSL_TICKET_EMPTY ? "-" : ticket_name(sc), st,
                 has_sess ? app_of_ticket(sc, app, sizeof(app)) : "a-", ret);
        switch (ret) {
        case SSL_TICKET_RETURN_ABORT:
            tl_sim_because(s, "tls_decrypt_ticket: ABORT is SSL_TICKET_FATAL_ERR_OTHER");
            return ST_FATAL;
        case SSL_TICKET_RETURN_IGNORE:
            tl_sim_because(s, "tls_decrypt_ticket: IGNORE is SSL_TICKET_NONE (no ticket_expected)");
            return ST_NONE;
        case SSL_TICKET_RETURN_IGNORE_RENEW:
            if (st != SSL_TICKET_EMPTY && st != SSL_TICKET_NO_DECRYPT) {
                tl_sim_because(s, "tls_decrypt_ticket: IGNORE_RENEW turns %s into NO_DECRYPT", tl_ticket_status_name(st));
                st = SSL_TICKET_NO_DECRYPT;
            }
            break;
        case SSL_TICKET_RETURN_USE:
        case SSL_TICKET_RETURN_USE_RENEW:
            if (st != SSL_TICKET_SUCCESS && st != SSL_TICKET_SUCCESS_RENEW) {
                tl_sim_because(s, "tls_decrypt_ticket: USE or USE_RENEW without a session is SSL_TICKET_FATAL_ERR_OTHER");
                return ST_FATAL;
            }
            st = ret == SSL_TICKET_RETURN_USE ? SSL_TICKET_SUCCESS : SSL_TICKET_SUCCESS_RENEW;
            break;
        default:
            tl_sim_because(s, "tls_decrypt_ticket: an unknown return (%d) is SSL_TICKET_FATAL_ERR_OTHER", ret);
            return ST_FATAL;
        }
    }
    if (st == SSL_TICKET_NO_DECRYPT || st == SSL_TICKET_SUCCESS_RENEW || st == SSL_TICKET_EMPTY) {
        s->ticket_expected = 1;
        tl_sim_because(s, "tls_decrypt_ticket: %s sets ticket_expected", tl_ticket_status_name(st));
    }
    return st;
}

/* ---- ssl_get_prev_session's checks (ssl/ssl_sess.c) ------------------------ */

/* A decrypted session: 1 if it is resumed, 0 if it is dropped (then a
 * session from a ticket sets ticket_expected: "we should issue a ticket"). */
int tl_sim_session_survives(sim *s)
{
    const tl_scenario *sc = s->sc;
    const char *reason = NULL;

    if (sc->sid_other)
        reason = "its session id context differs";
    else if (tl_scenario_clock_advance(sc) > tl_sim_session_timeout(sc))
        reason = "it timed out (sess_timedout)";
    if (reason == NULL)
        return 1;
    s->ticket_expected = 1;
    tl_sim_because(s, "ssl_get_prev_session: the session is dropped because %s, and a ticket session sets ticket_expected", reason);
    return 0;
}

/* ---- NewSessionTicket (ssl/statem/statem_srvr.c) ------------------------- */

static long app_attached(const tl_scenario *sc)
{
    return sc->app2 >= 0 ? sc->app2 : sc->app;
}

/* One NewSessionTicket: generate callback, then the key callback. Returns 0, or -1 when fatal. */
static int new_ticket(sim *s)
{
    const tl_scenario *sc = s->sc;
    long app = app_attached(sc);
    int client_done = s->v13;
    unsigned long hint;

    if (sc->ticket_cb) {
        int gen = sc->gen == TL_NATURAL ? 1 : sc->gen;

        char tok[24] = "a-";

        if (app > 0)
            snprintf(tok, sizeof(tok), "a%ld", app);
        log_call(s, TL_CB_GEN, "", 0, tok, gen);
        if (gen == 0) {
            tl_sim_because(s, "tls_construct_new_session_ticket: a generate callback returning 0 is fatal (internal_error)");
            tl_sim_server_fails(s, ALERT_INTERNAL_ERROR, client_done);
            return -1;
        }
    }
    if (s->stateful) {
        tl_sim_because(s, "tls_construct_new_session_ticket: stateful TLS 1.3 ticket, no key callback");
    } else {
        if (app + SESSION_DER_OVERHEAD > SESSION_DER_MAX) {
            tl_sim_because(s, "construct_stateless_ticket: a session DER over 0xFF00 bytes is fatal (internal_error)");
            tl_sim_server_fails(s, ALERT_INTERNAL_ERROR, client_done);
            return -1;
        }
        if (callback_keys(sc)) {
            int ret = scripted(sc->kenc, sc->n_kenc, s->kenc_calls++);

            if (ret == TL_NATURAL)
                ret = 1;
            /* the newest key encrypts: revision 2 once a newer key joined the ring */
            log_call(s, TL_CB_KENC, ret <= 0 ? "-" : sc->present == TL_PRESENT_OLDER
                     || sc->present == TL_PRESENT_RETIRED ? "r2" : "r1", 0, "", ret);
            if (ret < 0) {
                tl_sim_because(s, "construct_stateless_ticket: key callback < 0 while encrypting is fatal (internal_error)");
                tl_sim_server_fails(s, ALERT_INTERNAL_ERROR, client_done);
                return -1;
            }
            if (ret == 0) {
                if (s->v13) {
                    tl_sim_because(s, "construct_stateless_ticket: key callback 0 in TLS 1.3 sends no ticket");
                    return 0;
                }
                tl_sim_because(s, "construct_stateless_ticket: key callback 0 in TLS 1.2 sends an empty NewSessionTicket (hint 0)");
                s->out->n_tickets++;
                tl_outcome_hint_add(s->out, 0, 1);
                return 0;
            }
        }
    }
    /* create_ticket_prequel: TLS 1.3 hints the timeout capped at a week;
     * TLS 1.2 hints 0 on a resumed session. */
    if (s->v13)
        hint = (unsigned long)(tl_sim_session_timeout(sc) < ONE_WEEK ? tl_sim_session_timeout(sc) : ONE_WEEK);
    else
        hint = s->hit ? 0 : (unsigned long)tl_sim_session_timeout(sc);
    s->out->n_tickets++;
    tl_outcome_hint_add(s->out, hint, 0);
    return 0;
}

void tl_sim_send_tickets(sim *s, int n, const char *rule)
{
    if (n > 0)
        tl_sim_because(s, "%s: %d ticket%s", rule, n, n == 1 ? "" : "s");
    for (int i = 0; i < n && !s->failed; i++) {
        if (new_ticket(s) != 0)
            return;
        /* tls_construct_new_session_ticket: a ticket that is sent, and one a
         * key callback's 0 skips ("we count this as a success"), both go
         * through tls_update_ticket_counts: sent_tickets++. */
        s->sent_tickets++;
    }
}

/* ---- TLS 1.2 ---------------------------------------------------------------- */

static void predict12(sim *s)
{
    const tl_scenario *sc = s->sc;
    int offered = sc->present != TL_PRESENT_NONE && sc->present != TL_PRESENT_EMPTY;
    int early_to_12 = 0;

    if (offered && sc->from == TLS1_3_VERSION) {
        /* The client still speaks TLS 1.3 (the world's version); only the
         * server is held to 1.2. A 1.3 session that allows early data, from
         * a client that sends it (scenario.c asks SSL_SESSION_get_max_early_data
         * first), goes out as 0-RTT right after the ClientHello:
         * SSL_write_early_data -> tls_construct_ctos_early_data, which looks
         * at the session's max_early_data only, not at the ticket's age. */
        early_to_12 = sc->send_early && sc->early > 0;
        if (early_to_12 && tl_sim_alpn_blocks_early(sc)) {
            tl_sim_because(s, "tls_construct_ctos_early_data: the client's ALPN list lacks the session's ALPN: "
                       "the client fails with internal_error before sending anything");
            s->failed = 1;
            s->out->client_ok = s->out->server_ok = 0;
            s->out->client_alert = ALERT_INTERNAL_ERROR;
            s->out->server_alert = ALERT_UNEXPECTED_MESSAGE;
            return;
        }
        if (early_to_12) {
            /* tls_construct_ctos_early_data: the client's status is rejected
             * from the moment it writes the extension. */
            s->out->early = TL_EARLY_REJECTED;
        }
        /* tls_construct_ctos_session_ticket sends a 1.3 session's ticket as an empty extension. */
        tl_sim_because(s, "tls_construct_ctos_session_ticket: a TLS 1.3 session is offered as an empty ticket extension");
        offered = 0;
    }
    if (sc->no_ticket) {
        tl_sim_because(s, "tls_get_ticket_from_client: SSL_OP_NO_TICKET is SSL_TICKET_NONE, no callbacks");
        if (offered && !sc->sid_other && tl_scenario_clock_advance(sc) <= tl_sim_session_timeout(sc)) {
            tl_sim_because(s, "ssl_get_prev_session: the session id is found in the server's cache");
            s->hit = 1;
        }
    } else {
        tl_scenario empty = *sc;
        int st;

        if (!offered)
            empty.present = TL_PRESENT_EMPTY;
        s->sc = &empty;
        st = tl_sim_decrypt(s);
        s->sc = sc;
        if (st == ST_FATAL) {
            tl_sim_because(s, "ssl_get_prev_session: a fatal ticket status is internal_error");
            tl_sim_server_fails(s, ALERT_INTERNAL_ERROR, 0);
            return;
        }
        if (st == ST_SUCCESS || st == ST_SUCCESS_RENEW) {
            s->hit = tl_sim_session_survives(s);
            if (s->hit)
                tl_sim_because(s, "ssl_get_prev_session: the ticket's session is resumed");
        } else if (offered)
            tl_sim_because(s, "ssl_get_prev_session: no session from the ticket, and the session id is not cached: full handshake");
    }
    if (early_to_12) {
        /* The 1.2 server has answered the ClientHello (its ticket callbacks
         * above ran in tls_early_post_process_client_hello) and expects the
         * client's next handshake message; the 0-RTT record is application
         * data during the handshake: ssl3_read_bytes, SSL_R_UNEXPECTED_RECORD.
         * The client marked early data rejected when it sent the extension
         * (tls_construct_ctos_early_data) and dies on the alert. No ticket:
         * a 1.2 NewSessionTicket would come after the client's Finished. */
        tl_sim_because(s, "ssl3_read_bytes: the TLS 1.2 server reads the client's 0-RTT record as application data "
                   "in the handshake: unexpected_message; the client's early data stays rejected");
        tl_sim_server_fails(s, ALERT_UNEXPECTED_MESSAGE, 0);
        s->out->client_reused = s->out->server_reused = 0;
        return;
    }
    if (s->ticket_expected)
        tl_sim_send_tickets(s, 1, "ossl_statem_server_write_transition: ticket_expected");
    if (s->failed)
        s->out->client_reused = s->out->server_reused = s->hit;
}

int tl_expect_predict(const tl_scenario *sc, tl_outcome *out, char *why, size_t why_size)
{
    sim s = { 0 };

    if (tl_tlslib_which() != TL_TLSLIB_KIND_OPENSSL)
        return tl_expect_boring_predict(sc, out, why, why_size);
    tl_outcome_init(out);
    if (why != NULL && why_size > 0)
        why[0] = '\0';
    s.sc = sc;
    s.out = out;
    s.why = why;
    s.why_size = why_size;
    s.v13 = sc->tls == TLS1_3_VERSION;
    if (sc->early2 >= 0 && sc->early > 0 && !sc->no_anti_replay) {
        tl_sim_because(&s, "outside the model: early2 with anti-replay (the ticket is stateful, the checked "
                    "server may not treat it so)");
        return -1;
    }
    if (s.v13 && (sc->no_ticket || (sc->early > 0 && !sc->no_anti_replay))
        && sc->present >= TL_PRESENT_UNKNOWN_KEY) {
        tl_sim_because(&s, "outside the model: edited bytes of a stateful TLS 1.3 ticket");
        return -1;
    }
    if (s.v13)
        tl_sim_predict13(&s);
    else
        predict12(&s);
    out->client_reused = out->server_reused = s.hit;
    if (s.v13 && sc->present == TL_PRESENT_EMPTY) {
        /* The probe runs the server alone, up to its first flight. */
        out->client_ok = out->client_reused = -1;
        out->client_alert = -1;
        out->early = TL_EARLY_NOT_SENT;
        out->n_tickets = 0;
        strcpy(out->hints, "-");
    }
    return 0;
}

const char *tl_expect_openssl_series(void)
{
    return tl_release_series();
}
