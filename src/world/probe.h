/*
 * probe.h - server-only runs against an edited ClientHello.
 *
 * A probe lets a real client of the world write its ClientHello for a
 * session, keeps that record, and can then feed the server copies of it
 * with the ticket (TLS 1.2: the session_ticket extension; TLS 1.3: the
 * first PSK identity) replaced by any bytes, the length fields fixed up.
 * The server runs alone: its ticket callbacks run exactly as for a real
 * peer (in TLS 1.3 tls_parse_ctos_psk() decrypts the identity before it
 * checks the binder), which reaches inputs no OpenSSL client sends, such
 * as an empty TLS 1.3 identity.
 *
 *     tl_probe *p = tl_probe_new(w, full.sessions[0], &err);
 *     tl_probe_result r;
 *     tl_probe_run(p, NULL, 0, &r, &err);   // the empty ticket
 *     tl_probe_free(p);
 *
 * TLS 1.3 binders: the PSK binder is an HMAC over the ClientHello, the
 * new identity included, keyed from the session's resumption PSK. The
 * captured binder therefore only fits the captured ticket: with any other
 * bytes the server decrypts the ticket, then fails the binder check
 * ("binder does not verify"), and nothing after that check is reached.
 * tl_probe_run_psk() recomputes the binder from a session of the caller's
 * choice, so that a ticket that decrypts into a session with that PSK
 * resumes for real:
 *
 *     tl_probe_run_psk(p, forged, n, tl_probe_session(p), &r, &err);
 *
 * Early data: when the TLS 1.3 session allows it (max_early_data > 0), the
 * client offers 0-RTT as a client with early data does (its ClientHello
 * carries the early_data extension; the 0-RTT records are not kept) and
 * the server reads it as a server that takes early data does
 * (SSL_read_early_data), so a resumption reaches the server's decision on
 * early data (tl_probe_result.early_accepted) and its early traffic keys.
 * The server still runs alone: it stops where it waits for the client's
 * next flight, before any ticket after the resumption. Such a probe makes
 * its server afresh for every run (SSL_clear() keeps the early data state),
 * so settings made on tl_probe_server() last one run.
 */
#ifndef TICKETLAB_PROBE_H
#define TICKETLAB_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "ticketlab/error.h"
#include "ticketlab/world.h"

/* The largest replacement ticket: the edited ClientHello must stay one record. */
#define TL_PROBE_MAX_TICKET 8192

/* The longest PSK (session master key) tl_probe_run_psk() takes: OpenSSL's
 * TLS13_MAX_RESUMPTION_PSK_LENGTH, the most d2i_SSL_SESSION() accepts. */
#define TL_PROBE_MAX_PSK 512

typedef struct tl_probe tl_probe;

typedef struct tl_probe_result {
    int failed;                 /* the server failed fatally on this ClientHello */
    int resumed;                /* SSL_session_reused() on the server */
    int alert_sent;             /* alert the server sent, -1 if none */
    int nst_sent;               /* NewSessionTickets the server wrote */
    int early_accepted;         /* TLS 1.3: the server accepted the offered early data */
    unsigned long err;          /* first OpenSSL error on failure, 0 if none */
    char err_reason[128];       /* its reason string */
    size_t ev_begin, ev_end;    /* this run's events in the world's log */
    size_t flight_len;          /* bytes the server wrote in reply */
    uint64_t flight_hash;       /* FNV-1a of those bytes: equal runs, equal hashes */
} tl_probe_result;

/*
 * tl_probe_new - capture the client's ClientHello offering `session` (of
 * the world's TLS version) and make the probe's server. The probe keeps a
 * reference to session (tl_probe_session). Returns NULL with err on
 * failure (no ticket in the ClientHello, in TLS 1.3 a pre_shared_key
 * extension that does not end the ClientHello or a ClientHello that does
 * not fill its record, OpenSSL refused an SSL).
 */
tl_probe *tl_probe_new(tl_world *w, SSL_SESSION *session, tl_error *err);

/*
 * tl_probe_new_early - tl_probe_new(), with early data forced on in TLS 1.3
 * (early > 0): the client offers it whatever the session says (it writes
 * its ClientHello from a copy of the session whose max_early_data is
 * early; the ticket is the same), and the probe's server takes up to early
 * bytes of it without anti-replay (SSL_set_max_early_data and
 * SSL_OP_NO_ANTI_REPLAY on the probe's own SSL: the world's SSL_CTX, and
 * so the tickets it issues, are untouched). A ticket whose session allows
 * early data then reaches the server's 0-RTT decision. early 0, or a TLS
 * 1.2 world: exactly tl_probe_new(). Fails as tl_probe_new() does.
 */
tl_probe *tl_probe_new_early(tl_world *w, SSL_SESSION *session, uint32_t early, tl_error *err);

/* tl_probe_free - free the probe. NULL is allowed. */
void tl_probe_free(tl_probe *p);

/*
 * tl_probe_run - feed the server the captured ClientHello with `len` bytes
 * of `ticket` (NULL and 0: an empty ticket) in place of the captured ticket,
 * and fill res. Returns 0 when the run happened (whatever the server did),
 * -1 with err when it could not (ticket longer than TL_PROBE_MAX_TICKET).
 */
int tl_probe_run(tl_probe *p, const unsigned char *ticket, size_t len,
                 tl_probe_result *res, tl_error *err);

/*
 * tl_probe_run_psk - tl_probe_run(), but in TLS 1.3 with the first PSK
 * binder recomputed for the edited ClientHello from psk (RFC 8446
 * 4.2.11.2): the resumption PSK is psk's master key (for a session from a
 * NewSessionTicket, or decrypted from a ticket, OpenSSL stores the PSK
 * derived from resumption_master_secret and the ticket nonce there), the
 * hash is its cipher's handshake digest, as in the server's
 * tls_psk_do_binder(). When that hash is not the size of the captured
 * binder, the binder and the lengths around it are resized to match. psk
 * NULL: the captured binder, exactly tl_probe_run(). The record sent is
 * left in tl_probe_last_hello().
 * Returns 0 when the run happened, -1 with err when it could not: ticket
 * too long, psk given to a TLS 1.2 probe, psk without a cipher with a
 * handshake digest or with a master key over TL_PROBE_MAX_PSK bytes,
 * OpenSSL refused the digest or HMAC. On -1 the server did not run.
 */
int tl_probe_run_psk(tl_probe *p, const unsigned char *ticket, size_t len,
                     const SSL_SESSION *psk, tl_probe_result *res, tl_error *err);

/* tl_probe_server - the probe's server SSL, as the last run left it (its
 * protocol version negotiated); a probe offering early data makes a new one
 * for each run. The probe keeps ownership. */
SSL *tl_probe_server(tl_probe *p);

/* tl_probe_ticket - the captured ticket bytes (*len set). */
const unsigned char *tl_probe_ticket(const tl_probe *p, size_t *len);

/* tl_probe_client_hello - the captured ClientHello record (*len set). */
const unsigned char *tl_probe_client_hello(const tl_probe *p, size_t *len);

/* tl_probe_last_hello - the record the last run fed the server (*len
 * set), NULL and 0 before the first run or after a run that returned -1.
 * Valid until the next run. */
const unsigned char *tl_probe_last_hello(const tl_probe *p, size_t *len);

/* tl_probe_session - the session the probe was built from (the genuine
 * one: its master key is the PSK of the captured binder). The probe keeps
 * ownership. */
SSL_SESSION *tl_probe_session(const tl_probe *p);

#endif
