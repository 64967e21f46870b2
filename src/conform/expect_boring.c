/*
 * expect_boring.c - the expectation engine's model of BoringSSL and AWS-LC
 * (expect.h: tl_expect_predict calls it when the running library is one of
 * them; docs/libraries.md has the rules side by side with OpenSSL's).
 *
 * Written from BoringSSL a0689af29e8e; every step names the function it
 * follows:
 *
 *   ssl/extensions.cc        ssl_process_ticket, ssl_decrypt_ticket_with_cb,
 *                            decrypt_ticket_with_cipher_ctx,
 *                            ssl_decrypt_ticket_with_method
 *   ssl/ssl_session.cc       ssl_get_prev_session, ssl_session_is_resumable,
 *                            ssl_session_is_time_valid, ssl_encrypt_ticket*
 *   ssl/handshake_server.cc  do_select_parameters, do_send_server_finished
 *   ssl/tls13_server.cc      select_session, do_select_session,
 *                            add_new_session_tickets
 *   ssl/handshake_client.cc, ssl/tls13_client.cc  which session the client offers
 *
 * 0-RTT follows ssl/handshake_client.cc should_offer_early_data (the client)
 * and ssl/tls13_server.cc do_select_session (the server's decision, in its
 * order), do_send_half_rtt_ticket (tickets of an accepted 0-RTT).
 *
 * Only the scenarios these libraries can run are modelled: no decrypt or
 * generate callback, no SSL_new_session_ticket (tl_scenario_lacks() makes
 * the others n/a before they get here).
 */
#include "expect.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/policy.h"
#include "ticketlab/tlslib.h"
#include "ticketlab/world.h"
#include "aead_method.h"

#define ALERT_INTERNAL_ERROR 80
#define TIMEOUT_TLS12 7200L      /* SSL_DEFAULT_SESSION_TIMEOUT */
#define TIMEOUT_TLS13 172800L    /* SSL_DEFAULT_SESSION_PSK_DHE_TIMEOUT: two days */
#define SHORTEST_TICKET 32       /* ssl_process_ticket: key name + EVP_MAX_IV_LENGTH */
#define MAX_AGE_SKEW 60          /* tls13_server.cc kMaxTicketAgeSkewSeconds */

typedef struct bsim {
    const tl_scenario *sc;
    tl_outcome *out;
    char *why;
    size_t why_size, why_used;
    int v13;
    int early_sent;       /* the client went into 0-RTT (SSL_in_early_data) */
    size_t kdec_calls, kenc_calls;
} bsim;

static void rule(bsim *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append one rule to the why text, "; "-separated. */
static void rule(bsim *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->why == NULL || b->why_used + 3 >= b->why_size)
        return;
    if (b->why_used > 0) {
        memcpy(b->why + b->why_used, "; ", 3);
        b->why_used += 2;
    }
    va_start(ap, fmt);
    n = vsnprintf(b->why + b->why_used, b->why_size - b->why_used, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->why_used += (size_t)n < b->why_size - b->why_used ? (size_t)n : b->why_size - b->why_used - 1;
}

static void record(bsim *b, tl_cb_kind kind, const char *key, int ret)
{
    tl_cb_entry e = { .kind = kind, .ret = ret };

    snprintf(e.key, sizeof(e.key), "%s", key);
    tl_cblog_add(&b->out->log, &e);
}

static int script_at(const int *script, size_t n, size_t call)
{
    return call < n ? script[call] : TL_NATURAL;
}

/* The key ring revision that encrypts new tickets: 2 once a newer key joined. */
static const char *encrypting_key(const tl_scenario *sc)
{
    return sc->present == TL_PRESENT_OLDER || sc->present == TL_PRESENT_RETIRED ? "r2" : "r1";
}

/* The server's session timeout, which TLS 1.3 does not use (its tickets
 * live session_psk_dhe_timeout, two days, whatever SSL_CTX_set_timeout says). */
static long server_timeout(const bsim *b)
{
    if (b->v13)
        return TIMEOUT_TLS13;
    return b->sc->timeout ? b->sc->timeout : TIMEOUT_TLS12;
}

/* The client side: does it put the ticket in its ClientHello? */
static int client_offers(bsim *b)
{
    const tl_scenario *sc = b->sc;
    long age = tl_scenario_clock_advance(sc) + sc->skew;
    int from = sc->from ? sc->from : sc->tls;   /* 0: as tls */
    long life = from == TLS1_3_VERSION ? TIMEOUT_TLS13 : TIMEOUT_TLS12;

    if (sc->present == TL_PRESENT_NONE || sc->present == TL_PRESENT_EMPTY)
        return 0;
    if (from != sc->tls) {
        rule(b, sc->tls == TLS1_3_VERSION
                    ? "ssl_get_prev_session: a TLS 1.2 session goes in the session_ticket extension, "
                      "which a TLS 1.3 server does not read: full handshake"
                    : "handshake_client.cc: a TLS 1.3 session is offered as a PSK only; the TLS 1.2 "
                      "server sees an empty session_ticket extension: full handshake");
        return 0;
    }
    if (age < 0 || age >= life) {
        rule(b, "ssl_session_is_time_valid (client): a session %s is not offered: full handshake",
             age < 0 ? "from the future" : "past the client's timeout");
        return 0;
    }
    return 1;
}

/* ssl_decrypt_ticket_with_method: the ticket AEAD method's open, whatever
 * the ticket's length. Returns 1 success, 0 ignore, -1 error. */
static int aead_open(bsim *b)
{
    const tl_scenario *sc = b->sc;
    int natural = sc->present == TL_PRESENT_NEWEST || sc->present == TL_PRESENT_OLDER
                  ? TL_AEAD_SUCCESS : TL_AEAD_IGNORE;
    int ret = script_at(sc->kdec, sc->n_kdec, b->kdec_calls++);
    const char *key = sc->present == TL_PRESENT_UNKNOWN_KEY ? "?" : "r1";   /* short: 31 bytes, the name is whole */

    if (ret == TL_NATURAL || ret == TL_AEAD_SUCCESS)
        ret = natural;
    record(b, TL_CB_OPEN, key, ret);
    if (ret == TL_AEAD_RETRY) {
        rule(b, "ssl_get_prev_session: open's retry is ssl_hs_pending_ticket; SSL_do_handshake is called "
                "again (SSL_ERROR_PENDING_TICKET) and open runs again");
        ret = natural;
        b->kdec_calls++;
        record(b, TL_CB_OPEN, key, ret);
    }
    if (ret == TL_AEAD_ERROR) {
        rule(b, "ssl_decrypt_ticket_with_method: open's error is ssl_ticket_aead_error");
        return -1;
    }
    rule(b, ret == TL_AEAD_SUCCESS ? "ssl_decrypt_ticket_with_method: open succeeds: the plaintext is the session"
                                   : "ssl_decrypt_ticket_with_method: open ignores the ticket (an unknown name or a "
                                     "failed tag in the method, or its own ignore)");
    return ret == TL_AEAD_SUCCESS;
}

/* ssl_process_ticket for the offered ticket. Returns 1 success (renew in
 * *renew), 0 ignore, -1 error. */
static int process_ticket(bsim *b, int *renew)
{
    const tl_scenario *sc = b->sc;
    int cb = sc->keys == TL_KEYS_LEGACY_CB, ret;

    *renew = 0;
    if (sc->keys == TL_KEYS_AEAD)
        return aead_open(b);
    if (sc->present == TL_PRESENT_SHORT) {
        rule(b, "ssl_process_ticket: shorter than key name + EVP_MAX_IV_LENGTH (%d bytes): ignored, "
                "no key callback", SHORTEST_TICKET);
        return 0;
    }
    if (!cb) {
        if (sc->present == TL_PRESENT_UNKNOWN_KEY) {
            rule(b, "ssl_decrypt_ticket_with_ticket_keys: neither the current nor the previous key's name: ignored");
            return 0;
        }
    } else {
        ret = script_at(sc->kdec, sc->n_kdec, b->kdec_calls++);
        if (ret == TL_NATURAL)
            ret = sc->present == TL_PRESENT_UNKNOWN_KEY || sc->present == TL_PRESENT_RETIRED ? 0
                  : sc->present == TL_PRESENT_OLDER ? 2 : 1;
        record(b, TL_CB_KDEC, sc->present == TL_PRESENT_UNKNOWN_KEY ? "?" : "r1", ret);
        if (ret < 0) {
            rule(b, "ssl_decrypt_ticket_with_cb: key callback < 0 is ssl_ticket_aead_error");
            return -1;
        }
        if (ret == 0) {
            rule(b, "ssl_decrypt_ticket_with_cb: key callback 0 ignores the ticket");
            return 0;
        }
        if (ret == 2) {
            *renew = 1;
            rule(b, "ssl_decrypt_ticket_with_cb: key callback 2 asks for a renewal%s",
                 b->v13 ? " (select_session ignores it in TLS 1.3)" : "");
        } else if (ret != 1) {
            rule(b, "ssl_decrypt_ticket_with_cb: key callback %d is taken as 1 (an assert in debug builds only)", ret);
        }
    }
    switch (sc->present) {
    case TL_PRESENT_TRUNCATED:
        rule(b, "decrypt_ticket_with_cipher_ctx: not longer than key name + IV + 1 + MAC: ignored");
        return 0;
    case TL_PRESENT_BAD_HMAC:
        rule(b, "decrypt_ticket_with_cipher_ctx: HMAC mismatch: ignored");
        return 0;
    case TL_PRESENT_BAD_PADDING:
        rule(b, "decrypt_ticket_with_cipher_ctx: EVP_DecryptFinal_ex2 fails: ignored (error queue cleared)");
        return 0;
    case TL_PRESENT_TRAILING:
    case TL_PRESENT_BAD_SESSION:
        rule(b, "ssl_process_ticket: SSL_SESSION_from_bytes refuses the plaintext%s: ignored",
             sc->present == TL_PRESENT_TRAILING ? " (bytes after the session)" : "");
        return 0;
    default:
        return 1;
    }
}

/* ssl_session_is_resumable (server): is the decrypted session usable? */
static int resumable(bsim *b)
{
    const tl_scenario *sc = b->sc;

    if (sc->sid_other || sc->sni_switch) {
        rule(b, "ssl_session_is_resumable: the session's sid_ctx differs from the %s: full handshake",
             sc->sni_switch ? "context the servername callback moved to" : "server's");
        return 0;
    }
    if (tl_scenario_clock_advance(sc) >= server_timeout(b)) {
        rule(b, "ssl_session_is_time_valid: past the server's timeout (%ld s): full handshake", server_timeout(b));
        return 0;
    }
    return 1;
}

/* The server fails: no alert when the failure is a key callback's (ssl_hs_error
 * without ssl_send_alert), the client too unless it was done. */
static void server_fails(bsim *b, int alert, int client_done)
{
    b->out->server_ok = 0;
    b->out->server_alert = alert;
    if (!client_done)
        b->out->client_ok = 0;
}

/* One ticket: the key callback (or the library's key) seals it. Returns
 * 1 sent, 0 skipped (callback 0), -1 fatal. */
static int seal_ticket(bsim *b, int *empty)
{
    const tl_scenario *sc = b->sc;
    int ret;

    *empty = 0;
    if (sc->keys == TL_KEYS_AEAD) {
        int ok = script_at(sc->kenc, sc->n_kenc, b->kenc_calls++) != 0
                 && (sc->aead_overhead == TL_NATURAL || sc->aead_overhead >= TL_AEAD_OVERHEAD);

        record(b, TL_CB_SEAL, encrypting_key(sc), ok);
        if (!ok)
            rule(b, "ssl_encrypt_ticket_with_method: seal fails (%s): SSL_R_TICKET_ENCRYPTION_FAILED, fatal",
                 sc->aead_overhead != TL_NATURAL && sc->aead_overhead < TL_AEAD_OVERHEAD
                     ? "max_overhead said too little: no room for the sealed ticket" : "the method's own 0");
        return ok ? 1 : -1;
    }
    if (sc->keys != TL_KEYS_LEGACY_CB)
        return 1;
    ret = script_at(sc->kenc, sc->n_kenc, b->kenc_calls++);
    if (ret == TL_NATURAL)
        ret = 1;
    record(b, TL_CB_KENC, ret > 0 ? encrypting_key(sc) : "-", ret);
    if (ret < 0)
        return -1;
    if (ret == 0)
        *empty = 1;
    return ret == 0 ? 0 : 1;
}

static void predict12(bsim *b, int offered)
{
    const tl_scenario *sc = b->sc;
    int hit = 0, renew = 0, ticket_expected = !sc->no_ticket, empty;
    unsigned long hint;

    if (sc->no_ticket) {
        rule(b, "ssl_get_prev_session: SSL_OP_NO_TICKET: tickets unsupported, the session id is looked up");
        hit = offered && resumable(b);
        if (hit)
            rule(b, "ssl_lookup_session: the session id is in the server's cache: resumed");
    } else if (offered) {
        int r = process_ticket(b, &renew);

        if (r < 0) {
            rule(b, "ssl_get_prev_session: ssl_hs_error, no alert: the handshake stops");
            server_fails(b, -1, 0);
            return;
        }
        hit = r > 0 && resumable(b);
    }
    if (hit) {
        ticket_expected = renew;
        rule(b, "do_select_parameters: resumed; ticket_expected = the renewal flag (%d)", renew);
    } else if (!sc->no_ticket) {
        rule(b, "do_select_parameters: full handshake; ticket_expected = tickets supported");
    }
    b->out->client_reused = b->out->server_reused = hit;
    if (!ticket_expected)
        return;
    if (seal_ticket(b, &empty) < 0) {
        rule(b, "ssl_encrypt_ticket_with_cipher_ctx: key callback < 0 fails do_send_server_finished, "
                "no alert; the client never sees the server's flight");
        server_fails(b, -1, 0);
        b->out->client_reused = 0;
        return;
    }
    if (empty)
        rule(b, "ssl_encrypt_ticket_with_cipher_ctx: key callback 0 writes no ticket: an empty "
                "NewSessionTicket, with its lifetime hint");
    /* do_send_server_finished: the hint is the session's timeout, rebased
     * to now (ssl_session_rebase_time), for new and renewed sessions alike. */
    hint = (unsigned long)(server_timeout(b) - (hit ? tl_scenario_clock_advance(sc) : 0));
    rule(b, "do_send_server_finished: one NewSessionTicket, lifetime hint = the session's timeout (%lu)", hint);
    b->out->n_tickets = 1;
    tl_outcome_hint_add(b->out, hint, empty);
}

/* do_select_session: is the 0-RTT the client sent accepted? `hit` is
 * the PSK's resumption; the checks in the function's order. */
static void early_decision(bsim *b, int hit)
{
    const tl_scenario *sc = b->sc;
    const char *why = NULL;

    if (tl_scenario_server_early(sc) == 0)
        why = "ssl_early_data_disabled (SSL_CTX_set_early_data_enabled(ctx, 0) since the ticket was issued)";
    else if (!hit)
        why = "ssl_early_data_session_not_resumed";
    else if (sc->skew < -MAX_AGE_SKEW || sc->skew > MAX_AGE_SKEW)
        why = "ssl_early_data_ticket_age_skew (more than kMaxTicketAgeSkewSeconds, 60 s)";
    else if (sc->hrr)
        why = "ssl_early_data_hello_retry_request (the client's key share is not the server's group)";
    if (why != NULL) {
        rule(b, "do_select_session: 0-RTT rejected: %s; the client's SSL_do_handshake fails with "
                "SSL_ERROR_EARLY_DATA_REJECTED until SSL_reset_early_data_reject", why);
        return;
    }
    rule(b, "do_select_session: 0-RTT accepted (no anti-replay: any resumable ticket's early data is "
            "taken, replays included); do_send_half_rtt_ticket sends the tickets with the server's Finished");
    b->out->early = TL_EARLY_ACCEPTED;
}

static void predict13(bsim *b, int offered)
{
    const tl_scenario *sc = b->sc;
    int nt = sc->num_tickets < 0 ? 2 : sc->num_tickets, hit = 0, renew = 0, sent = 0;

    if (sc->present == TL_PRESENT_EMPTY) {
        rule(b, "ssl_ext_pre_shared_key_parse_clienthello: a zero-length identity parses; "
                "ssl_process_ticket: too short: ignored, the server goes on (no decode_error)");
        return;
    }
    if (offered && sc->no_ticket) {
        rule(b, "ssl_process_ticket: SSL_OP_NO_TICKET ignores the PSK");
        offered = 0;
    }
    if (offered) {
        int r;

        if (sc->hrr)
            rule(b, "do_select_session: the PSK is decrypted once; after the HelloRetryRequest "
                    "the second ClientHello's PSK is matched against the saved ticket");
        r = process_ticket(b, &renew);
        if (r < 0) {
            rule(b, "do_select_session: ssl_ticket_aead_error is fatal with internal_error%s",
                 b->early_sent ? " (before the 0-RTT decision: the client's 0-RTT is not accepted)" : "");
            server_fails(b, ALERT_INTERNAL_ERROR, 0);
            if (b->early_sent) {
                rule(b, "SSL_session_reused: session_reused, or SSL_in_early_data: the client, still in "
                        "its 0-RTT when the alert comes, says reused");
                b->out->client_reused = 1;
            }
            return;
        }
        hit = r > 0 && resumable(b);
        if (hit)
            rule(b, "select_session: PSK accepted: resumed");
    }
    b->out->client_reused = b->out->server_reused = hit;
    if (b->early_sent)
        early_decision(b, hit);
    if (sc->no_ticket) {
        rule(b, "add_new_session_tickets: SSL_OP_NO_TICKET: no tickets (no stateful TLS 1.3 resumption)");
        return;
    }
    rule(b, "add_new_session_tickets: num_tickets (%d) tickets after every handshake, resumed or not, "
            "lifetime hint %ld", nt, TIMEOUT_TLS13);
    for (int i = 0; i < nt; i++) {
        int empty;

        switch (seal_ticket(b, &empty)) {
        case -1:
            rule(b, "add_new_session_tickets: key callback < 0 fails the flight before it is flushed: "
                    "no ticket at all, no alert%s",
                 b->out->early == TL_EARLY_ACCEPTED ? " (half-RTT: the server's Finished is lost with it)" : "");
            server_fails(b, -1, b->out->early != TL_EARLY_ACCEPTED);
            b->out->n_tickets = 0;
            strcpy(b->out->hints, "-");
            return;
        case 0:
            rule(b, "add_new_session_tickets: key callback 0 skips that ticket");
            continue;
        default:
            sent++;
            tl_outcome_hint_add(b->out, (unsigned long)TIMEOUT_TLS13, 0);
        }
    }
    b->out->n_tickets = sent;
}

int tl_expect_boring_predict(const tl_scenario *sc, tl_outcome *out, char *why, size_t why_size)
{
    bsim b = { .sc = sc, .out = out, .why = why, .why_size = why_size };
    const char *lacks = tl_scenario_lacks(sc);
    int offered;

    tl_outcome_init(out);
    if (why != NULL && why_size > 0)
        why[0] = '\0';
    if (lacks != NULL) {
        rule(&b, "outside the model: %s", lacks);
        return -1;
    }
    b.v13 = sc->tls == TLS1_3_VERSION;
    if (sc->send_early && sc->early > 0 && !b.v13 && sc->from == TLS1_3_VERSION) {
        rule(&b, "outside the model: 0-RTT on a TLS 1.3 session to a server held to TLS 1.2");
        return -1;
    }
    if (sc->send_early && sc->early > 0 && sc->world_alpn) {
        rule(&b, "outside the model: 0-RTT with ALPN (should_offer_early_data, ssl_early_data_alpn_mismatch)");
        return -1;
    }
    offered = client_offers(&b);
    /* should_offer_early_data: early data enabled on the client (send0rtt,
     * scenario.c: only on a session that is early_data_capable), a TLS 1.3
     * session whose ticket said max_early_data (the server had early data
     * enabled when it issued it: early > 0). */
    b.early_sent = b.v13 && offered && sc->send_early && sc->early > 0
                   && (sc->from == 0 || sc->from == TLS1_3_VERSION);
    if (b.early_sent) {
        rule(&b, "should_offer_early_data: the session allows 0-RTT (ticket_max_early_data = "
                 "kMaxEarlyDataAccepted, 14336): SSL_do_handshake returns after the ClientHello "
                 "(SSL_in_early_data), the early bytes go with SSL_write");
        out->early = TL_EARLY_REJECTED;
    }
    if (b.v13)
        predict13(&b, offered);
    else
        predict12(&b, offered);
    if (b.v13 && sc->present == TL_PRESENT_EMPTY) {
        /* The probe runs the server alone, up to its first flight. */
        out->client_ok = out->client_reused = -1;
        out->client_alert = -1;
        out->n_tickets = 0;
        strcpy(out->hints, "-");
    }
    return 0;
}
