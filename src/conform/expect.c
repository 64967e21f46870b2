/*
 * expect.c - the expectation engine; see expect.h.
 *
 * The model follows the server through the checked handshake: what the
 * client offers, how the server decrypts it (tls_decrypt_ticket), what the
 * decrypt callback's return does, whether the session survives
 * ssl_get_prev_session's checks, how many NewSessionTickets the state
 * machine writes, and what each of them calls. Times are seconds after the
 * set-up handshake, which is when every ticket of a scenario is minted.
 */
#include "expect.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/policy.h"
#include "detect.h"
#include "ticketlab/tlslib.h"
#include "ticketlab/world.h"

#define ALERT_UNEXPECTED_MESSAGE 10
#define ALERT_DECODE_ERROR 50
#define ALERT_INTERNAL_ERROR 80
#define ONE_WEEK (7 * 24 * 3600L)
#define DEFAULT_TIMEOUT 7200L          /* tls1_default_timeout(): 2 hours */
#define TICKET_AGE_ALLOWANCE_MS 10000L /* ssl_local.h: 10 seconds */
#define SESSION_DER_MAX 0xFF00         /* construct_stateless_ticket's limit */
#define SESSION_DER_OVERHEAD 300       /* DER of our sessions without app data, roughly */

/* Final statuses after the decrypt callback; FATAL covers both fatal values. */
enum { ST_FATAL = -1, ST_NONE = SSL_TICKET_NONE, ST_EMPTY = SSL_TICKET_EMPTY,
       ST_NO_DECRYPT = SSL_TICKET_NO_DECRYPT, ST_SUCCESS = SSL_TICKET_SUCCESS,
       ST_SUCCESS_RENEW = SSL_TICKET_SUCCESS_RENEW };

typedef struct sim {
    const tl_scenario *sc;
    tl_outcome *out;
    char *why;
    size_t why_size;
    int v13;
    int failed;           /* the server failed: the rest does not happen */
    int ticket_expected;  /* s->ext.ticket_expected */
    int hit;              /* s->hit */
    int early_ok;         /* s->ext.early_data_ok */
    int stateful;         /* TLS 1.3 stateful tickets */
    int replayed;         /* anti-replay already consumed the session */
    size_t kenc_calls;
    size_t kdec_calls;
    int sent_tickets;     /* s->sent_tickets: tickets written or skipped (tls_update_ticket_counts) */
    int bad_decrypt;      /* EVP_DecryptFinal failed: its error is left on the queue */
} sim;

static void because(sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Does the running library have change c? The detected answer (or a
 * maintainer's assertion): the self-tests run on the first question. */
static int has(tl_change c)
{
    tl_detect_ensure();
    return tl_behaviour_has(c);
}

static void because(sim *s, const char *fmt, ...)
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

static long session_timeout(const tl_scenario *sc)
{
    return sc->timeout ? sc->timeout : DEFAULT_TIMEOUT;
}

/* Fail the server with `alert`; the client fails too unless the handshake
 * was already over for it (TLS 1.3 tickets come after the client's Finished). */
static void server_fails(sim *s, int alert, int client_done)
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
        because(s, "tls_decrypt_ticket: an empty ticket is SSL_TICKET_EMPTY");
        return SSL_TICKET_EMPTY;
    }
    if (sc->present == TL_PRESENT_SHORT) {
        because(s, "tls_decrypt_ticket: shorter than key name + IV (32 bytes) is NO_DECRYPT before any key callback");
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
            because(s, "tls_decrypt_ticket: key callback < 0 is SSL_TICKET_FATAL_ERR_OTHER, the decrypt callback is not called");
            return ST_FATAL;
        }
        if (ret == 0) {
            because(s, "tls_decrypt_ticket: key callback 0 is NO_DECRYPT");
            return SSL_TICKET_NO_DECRYPT;
        }
        renew = ret == 2;
        /* A callback that claims a key it does not have loads another one. */
        key_right = sc->present != TL_PRESENT_UNKNOWN_KEY && sc->present != TL_PRESENT_RETIRED;
        if (renew)
            because(s, "tls_decrypt_ticket: key callback 2 asks for a renewal");
    } else {
        if (sc->present == TL_PRESENT_UNKNOWN_KEY) {
            because(s, "tls_decrypt_ticket: without a key callback, a key name other than tick_key_name is NO_DECRYPT");
            return SSL_TICKET_NO_DECRYPT;
        }
        renew = s->v13;
        if (renew)
            because(s, "tls_decrypt_ticket: without a key callback TLS 1.3 always renews (SUCCESS_RENEW)");
    }
    switch (sc->present) {
    case TL_PRESENT_TRUNCATED:
        because(s, "tls_decrypt_ticket: not longer than key name + IV + HMAC is NO_DECRYPT");
        return SSL_TICKET_NO_DECRYPT;
    case TL_PRESENT_BAD_HMAC:
        because(s, "tls_decrypt_ticket: HMAC mismatch is NO_DECRYPT");
        return SSL_TICKET_NO_DECRYPT;
    case TL_PRESENT_BAD_PADDING:
        /* This path goes to `end` without ERR_clear_error() (only the
         * d2i_SSL_SESSION failure clears): the provider's "bad decrypt"
         * stays on the thread's error queue. */
        because(s, "tls_decrypt_ticket: EVP_DecryptFinal fails on bad padding: NO_DECRYPT");
        s->bad_decrypt = 1;
        return SSL_TICKET_NO_DECRYPT;
    case TL_PRESENT_TRAILING:
        because(s, "tls_decrypt_ticket: bytes after the DER session (slen != 0) are NO_DECRYPT");
        return SSL_TICKET_NO_DECRYPT;
    case TL_PRESENT_BAD_SESSION:
        because(s, "tls_decrypt_ticket: d2i_SSL_SESSION fails: NO_DECRYPT");
        return SSL_TICKET_NO_DECRYPT;
    default:
        break;
    }
    if (!key_right) {
        because(s, "tls_decrypt_ticket: the key the callback loaded does not match the HMAC: NO_DECRYPT");
        return SSL_TICKET_NO_DECRYPT;
    }
    because(s, "tls_decrypt_ticket: HMAC, decryption and d2i_SSL_SESSION succeed: %s",
            renew ? "SUCCESS_RENEW" : "SUCCESS");
    return renew ? SSL_TICKET_SUCCESS_RENEW : SSL_TICKET_SUCCESS;
}

/* The whole of tls_decrypt_ticket, decrypt callback and ticket_expected included. */
static int decrypt(sim *s)
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
            because(s, "tls_decrypt_ticket: ABORT is SSL_TICKET_FATAL_ERR_OTHER");
            return ST_FATAL;
        case SSL_TICKET_RETURN_IGNORE:
            because(s, "tls_decrypt_ticket: IGNORE is SSL_TICKET_NONE (no ticket_expected)");
            return ST_NONE;
        case SSL_TICKET_RETURN_IGNORE_RENEW:
            if (st != SSL_TICKET_EMPTY && st != SSL_TICKET_NO_DECRYPT) {
                because(s, "tls_decrypt_ticket: IGNORE_RENEW turns %s into NO_DECRYPT", tl_ticket_status_name(st));
                st = SSL_TICKET_NO_DECRYPT;
            }
            break;
        case SSL_TICKET_RETURN_USE:
        case SSL_TICKET_RETURN_USE_RENEW:
            if (st != SSL_TICKET_SUCCESS && st != SSL_TICKET_SUCCESS_RENEW) {
                because(s, "tls_decrypt_ticket: USE or USE_RENEW without a session is SSL_TICKET_FATAL_ERR_OTHER");
                return ST_FATAL;
            }
            st = ret == SSL_TICKET_RETURN_USE ? SSL_TICKET_SUCCESS : SSL_TICKET_SUCCESS_RENEW;
            break;
        default:
            because(s, "tls_decrypt_ticket: an unknown return (%d) is SSL_TICKET_FATAL_ERR_OTHER", ret);
            return ST_FATAL;
        }
    }
    if (st == SSL_TICKET_NO_DECRYPT || st == SSL_TICKET_SUCCESS_RENEW || st == SSL_TICKET_EMPTY) {
        s->ticket_expected = 1;
        because(s, "tls_decrypt_ticket: %s sets ticket_expected", tl_ticket_status_name(st));
    }
    return st;
}

/* ---- ssl_get_prev_session's checks (ssl/ssl_sess.c) ------------------------ */

/* A decrypted session: 1 if it is resumed, 0 if it is dropped (then a
 * session from a ticket sets ticket_expected: "we should issue a ticket"). */
static int session_survives(sim *s)
{
    const tl_scenario *sc = s->sc;
    const char *reason = NULL;

    if (sc->sid_other)
        reason = "its session id context differs";
    else if (tl_scenario_clock_advance(sc) > session_timeout(sc))
        reason = "it timed out (sess_timedout)";
    if (reason == NULL)
        return 1;
    s->ticket_expected = 1;
    because(s, "ssl_get_prev_session: the session is dropped because %s, and a ticket session sets ticket_expected", reason);
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
            because(s, "tls_construct_new_session_ticket: a generate callback returning 0 is fatal (internal_error)");
            server_fails(s, ALERT_INTERNAL_ERROR, client_done);
            return -1;
        }
    }
    if (s->stateful) {
        because(s, "tls_construct_new_session_ticket: stateful TLS 1.3 ticket, no key callback");
    } else {
        if (app + SESSION_DER_OVERHEAD > SESSION_DER_MAX) {
            because(s, "construct_stateless_ticket: a session DER over 0xFF00 bytes is fatal (internal_error)");
            server_fails(s, ALERT_INTERNAL_ERROR, client_done);
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
                because(s, "construct_stateless_ticket: key callback < 0 while encrypting is fatal (internal_error)");
                server_fails(s, ALERT_INTERNAL_ERROR, client_done);
                return -1;
            }
            if (ret == 0) {
                if (s->v13) {
                    because(s, "construct_stateless_ticket: key callback 0 in TLS 1.3 sends no ticket");
                    return 0;
                }
                because(s, "construct_stateless_ticket: key callback 0 in TLS 1.2 sends an empty NewSessionTicket (hint 0)");
                s->out->n_tickets++;
                tl_outcome_hint_add(s->out, 0, 1);
                return 0;
            }
        }
    }
    /* create_ticket_prequel: TLS 1.3 hints the timeout capped at a week;
     * TLS 1.2 hints 0 on a resumed session. */
    if (s->v13)
        hint = (unsigned long)(session_timeout(sc) < ONE_WEEK ? session_timeout(sc) : ONE_WEEK);
    else
        hint = s->hit ? 0 : (unsigned long)session_timeout(sc);
    s->out->n_tickets++;
    tl_outcome_hint_add(s->out, hint, 0);
    return 0;
}

static void send_tickets(sim *s, int n, const char *rule)
{
    if (n > 0)
        because(s, "%s: %d ticket%s", rule, n, n == 1 ? "" : "s");
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

static int alpn_blocks_early(const tl_scenario *sc);

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
        if (early_to_12 && alpn_blocks_early(sc)) {
            because(s, "tls_construct_ctos_early_data: the client's ALPN list lacks the session's ALPN: "
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
        because(s, "tls_construct_ctos_session_ticket: a TLS 1.3 session is offered as an empty ticket extension");
        offered = 0;
    }
    if (sc->no_ticket) {
        because(s, "tls_get_ticket_from_client: SSL_OP_NO_TICKET is SSL_TICKET_NONE, no callbacks");
        if (offered && !sc->sid_other && tl_scenario_clock_advance(sc) <= session_timeout(sc)) {
            because(s, "ssl_get_prev_session: the session id is found in the server's cache");
            s->hit = 1;
        }
    } else {
        tl_scenario empty = *sc;
        int st;

        if (!offered)
            empty.present = TL_PRESENT_EMPTY;
        s->sc = &empty;
        st = decrypt(s);
        s->sc = sc;
        if (st == ST_FATAL) {
            because(s, "ssl_get_prev_session: a fatal ticket status is internal_error");
            server_fails(s, ALERT_INTERNAL_ERROR, 0);
            return;
        }
        if (st == ST_SUCCESS || st == ST_SUCCESS_RENEW) {
            s->hit = session_survives(s);
            if (s->hit)
                because(s, "ssl_get_prev_session: the ticket's session is resumed");
        } else if (offered)
            because(s, "ssl_get_prev_session: no session from the ticket, and the session id is not cached: full handshake");
    }
    if (early_to_12) {
        /* The 1.2 server has answered the ClientHello (its ticket callbacks
         * above ran in tls_early_post_process_client_hello) and expects the
         * client's next handshake message; the 0-RTT record is application
         * data during the handshake: ssl3_read_bytes, SSL_R_UNEXPECTED_RECORD.
         * The client marked early data rejected when it sent the extension
         * (tls_construct_ctos_early_data) and dies on the alert. No ticket:
         * a 1.2 NewSessionTicket would come after the client's Finished. */
        because(s, "ssl3_read_bytes: the TLS 1.2 server reads the client's 0-RTT record as application data "
                   "in the handshake: unexpected_message; the client's early data stays rejected");
        server_fails(s, ALERT_UNEXPECTED_MESSAGE, 0);
        s->out->client_reused = s->out->server_reused = 0;
        return;
    }
    if (s->ticket_expected)
        send_tickets(s, 1, "ossl_statem_server_write_transition: ticket_expected");
    if (s->failed)
        s->out->client_reused = s->out->server_reused = s->hit;
}

/* ---- TLS 1.3 ---------------------------------------------------------------- */

/* The client's side of the ticket age (tls_construct_ctos_psk): does it offer the PSK? */
static int client_offers_psk(sim *s, long *client_age_ms)
{
    const tl_scenario *sc = s->sc;
    long age = tl_scenario_clock_advance(sc) + sc->skew;
    unsigned long agesec = (unsigned long)(age < 0 ? (unsigned long)(unsigned)(int)age : (unsigned long)age);

    if (age < 0 && has(TL_CHANGE_CLIENT_AGE_NO_WRAP)) {
        because(s, "tls_construct_ctos_psk: a session from the future has age 0 (ossl_time_subtract saturates, 3.2+)");
        agesec = 0;
    } else if (age < 0) {
        because(s, "tls_construct_ctos_psk: time(NULL) - session->time wraps to a huge uint32 age (3.0/3.1)");
    }
    unsigned long hint = (unsigned long)(session_timeout(sc) < ONE_WEEK ? session_timeout(sc) : ONE_WEEK);

    agesec &= 0xffffffffUL;
    if (agesec > 0)
        agesec--;
    *client_age_ms = (long)(agesec * 1000UL);
    if (hint < agesec) {
        because(s, "tls_construct_ctos_psk: the ticket is older than its lifetime hint to the client, which does not offer it");
        return 0;
    }
    return 1;
}

/* tls_construct_ctos_early_data: the session's ALPN (h2, the server's first
 * choice) must be in the client's list, or the client fails. */
static int alpn_blocks_early(const tl_scenario *sc)
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
        because(s, "tls_construct_ctos_psk: a TLS 1.2 session is not offered as a PSK; its ticket extension is not read in TLS 1.3");
        h->offered = 0;
    }
    /* tls_construct_ctos_early_data runs before tls_construct_ctos_psk and
     * looks at the session's max_early_data only: a ticket too old to be
     * offered as a PSK still goes with 0-RTT, which the server then rejects. */
    h->early_sent = h->offered && sc->send_early && sc->early > 0;
    if (h->offered && sc->present != TL_PRESENT_EMPTY && !client_offers_psk(s, &h->client_age_ms))
        h->offered = 0;
    if (h->early_sent && alpn_blocks_early(sc)) {
        /* The session's ALPN is h2 (the server's first choice). */
        because(s, "tls_construct_ctos_early_data: the client's ALPN list lacks the session's ALPN: "
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
    if (has(TL_CHANGE_PSK_EMPTY_IDENTITY)) {
        because(s, "tls_parse_ctos_psk: a zero-length identity is decode_error before any ticket callback "
                   "(OpenSSL %s; since 3.0.21, 3.5.7, 3.6.3)", tl_release_name());
        server_fails(s, ALERT_DECODE_ERROR, 0);
        return 0;
    }
    if (s->stateful) {
        /* tls_get_stateful_ticket: a 0-byte identity is SSL_TICKET_EMPTY before
         * any cache lookup, and no decrypt callback runs that could IGNORE it. */
        because(s, "tls_get_stateful_ticket: %s makes tickets stateful, and an empty identity is SSL_TICKET_EMPTY; "
                   "tls_parse_ctos_psk: SSL_TICKET_EMPTY is decode_error",
                sc->no_ticket ? "SSL_OP_NO_TICKET" : "early data with anti-replay");
        server_fails(s, ALERT_DECODE_ERROR, 0);
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

    because(s, "HelloRetryRequest: the PSK of the first ClientHello is processed too");
    if (s->stateful) {
        if (sc->early > 0 && !sc->no_anti_replay) {
            because(s, "tls_parse_ctos_psk: anti-replay removed the single-use session at the first ClientHello");
            s->replayed = 1;
        }
        return 1;
    }
    s->sc = &first;
    st = decrypt(s);
    s->sc = sc;
    if (st == ST_FATAL) {
        because(s, "tls_parse_ctos_psk: a fatal ticket status is internal_error");
        server_fails(s, ALERT_INTERNAL_ERROR, 0);
        return 0;
    }
    if (s->bad_decrypt && tl_scenario_server_early(sc) == 0 && tl_behaviour_has(TL_CHANGE_GET_ERROR_IGNORES_QUEUE)) {
        /* OpenSSL 4.0 (pull 29991): SSL_get_error() reads the connection's
         * error state, so the stale error no longer matters: the server
         * waits for the second ClientHello like any other. */
        because(s, "ossl_ssl_get_error: SSL_get_error reads the connection's error state, not the "
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
        because(s, "tls_decrypt_ticket: EVP_DecryptFinal's error is left on the queue; "
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
        because(s, "tls_parse_ctos_psk: an empty identity that is not ignored is decode_error");
        server_fails(s, ALERT_DECODE_ERROR, 0);
    } else {
        because(s, "tls_parse_ctos_psk: %s: the identity is skipped; the probe's server stops at its "
                   "first flight, the HelloRetryRequest", st == ST_NONE ? "NONE" : "NO_DECRYPT");
    }
    return 0;
}

/* tls_get_stateful_ticket: the session cache instead of the ticket callbacks. */
static int get_stateful_ticket(sim *s)
{
    const tl_scenario *sc = s->sc;

    because(s, "tls_parse_ctos_psk: %s makes tickets stateful: tls_get_stateful_ticket, no key or decrypt callback",
            sc->no_ticket ? "SSL_OP_NO_TICKET" : "early data with anti-replay");
    s->ticket_expected = 1;
    if ((sc->replay || s->replayed) && sc->early > 0 && !sc->no_anti_replay) {
        because(s, "tls_get_stateful_ticket: anti-replay removed the session at its first use: NO_DECRYPT");
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
    st = s->stateful ? get_stateful_ticket(s) : decrypt(s);
    if (st == ST_FATAL) {
        because(s, "tls_parse_ctos_psk: a fatal ticket status is internal_error");
        server_fails(s, ALERT_INTERNAL_ERROR, 0);
        return 0;
    }
    if (st == ST_EMPTY) {
        because(s, "tls_parse_ctos_psk: an empty identity that is not ignored is decode_error");
        server_fails(s, ALERT_DECODE_ERROR, 0);
        return 0;
    }
    if (st == ST_SUCCESS || st == ST_SUCCESS_RENEW) {
        long agesec = tl_scenario_clock_advance(sc), agems = agesec * 1000;

        sess = 1;
        /* tls_parse_ctos_psk: early data only within the ticket age tolerance. */
        s->early_ok = session_timeout(sc) >= agesec && h->client_age_ms <= agems + 1000
                      && h->client_age_ms + TICKET_AGE_ALLOWANCE_MS >= agems + 1000;
        if (!suite_is_sha384(sc->cipher)) {
            sess = 0;
            s->early_ok = 0;
            s->ticket_expected = has(TL_CHANGE_TICKET_AFTER_SUITE_MISMATCH);
            because(s, "tls_parse_ctos_psk: the session's hash differs from the new suite's: the PSK is dropped "
                       "and ticket_expected %s", s->ticket_expected ? "set (3.0.21+, 3.5.7+, 3.6.3+)" : "cleared");
        }
    } else {
        because(s, "tls_parse_ctos_psk: %s: the identity is skipped, full handshake",
                st == ST_NONE ? "NONE" : "NO_DECRYPT");
    }
    if (sess)
        s->hit = session_survives(s);
    return 1;
}

/*
 * ossl_statem_server13_write_transition: the tickets of the handshake, then
 * those of SSL_new_session_ticket (new_tickets).
 */
static void server13_write_tickets(sim *s, int nt)
{
    const tl_scenario *sc = s->sc;

    send_tickets(s, s->ticket_expected ? (s->hit ? (nt > 0 ? 1 : 0) : nt) : 0,
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
            because(s, "ossl_statem_server13_write_transition: not resumed and only %d of num_tickets (%d) sent: "
                       "the SSL_new_session_ticket flight tops up to num_tickets",
                    s->sent_tickets, nt);
            n = nt - s->sent_tickets;
        }
        send_tickets(s, n, "SSL_new_session_ticket");
    }
}

/* final_early_data: whether the 0-RTT the client sent is accepted. */
static void final_early_data(sim *s)
{
    const tl_scenario *sc = s->sc;
    int alpn_same = sc->alpn[0] == '\0' || (sc->world_alpn && strncmp(sc->alpn, "h2", 2) == 0);

    if (tl_scenario_server_early(sc) == 0) {
        because(s, "final_early_data: 0-RTT rejected (the server's max_early_data is 0)");
        s->out->early = TL_EARLY_REJECTED;
    } else if (s->hit && s->early_ok && alpn_same && !sc->hrr) {
        because(s, "final_early_data: 0-RTT accepted");
        s->out->early = TL_EARLY_ACCEPTED;
    } else {
        because(s, "final_early_data: 0-RTT rejected (%s)",
                !s->hit ? "no resumption" : !s->early_ok ? "ticket age out of tolerance"
                : !alpn_same ? "the ALPN differs from the session's" : "HelloRetryRequest");
        s->out->early = TL_EARLY_REJECTED;
    }
}

/* The TLS 1.3 handshake, phase by phase, in the order the server runs them. */
static void predict13(sim *s)
{
    const tl_scenario *sc = s->sc;
    hello13 h;

    s->ticket_expected = 1;
    because(s, "ssl_get_prev_session: TLS 1.3 sends a new ticket by default");
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
        because(s, "tls_parse_ctos_psk: PSK accepted: resumed");
    server13_write_tickets(s, sc->num_tickets < 0 ? 2 : sc->num_tickets);
    if (h.early_sent)
        final_early_data(s);
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
        because(&s, "outside the model: early2 with anti-replay (the ticket is stateful, the checked "
                    "server may not treat it so)");
        return -1;
    }
    if (s.v13 && (sc->no_ticket || (sc->early > 0 && !sc->no_anti_replay))
        && sc->present >= TL_PRESENT_UNKNOWN_KEY) {
        because(&s, "outside the model: edited bytes of a stateful TLS 1.3 ticket");
        return -1;
    }
    if (s.v13)
        predict13(&s);
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
