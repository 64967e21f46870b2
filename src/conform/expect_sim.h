/*
 * expect_sim.h - the expectation engine's model of OpenSSL's server, shared
 * by its two halves. Internal to conform/.
 *
 *   expect.c    the entry point, tls_decrypt_ticket, ssl_get_prev_session's
 *               checks, the NewSessionTicket writer, the TLS 1.2 handshake
 *   expect13.c  the TLS 1.3 handshake: the client's PSK offer, the
 *               HelloRetryRequest, tls_parse_ctos_psk, the tickets, 0-RTT
 *
 * A sim follows one checked handshake; every rule it applies is appended to
 * its why text (tl_sim_because), in the order OpenSSL applies them.
 */
#ifndef TICKETLAB_EXPECT_SIM_H
#define TICKETLAB_EXPECT_SIM_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "detect.h"
#include "expect.h"
#include "ticketlab/tlslib.h"

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

/* tl_sim_has - does the running library have change c? The detected answer
 * (or a maintainer's assertion): the self-tests run on the first question. */
int tl_sim_has(tl_change c);

/* tl_sim_because - append one rule (printf-style) to s's why text, "; "
 * between rules; what does not fit is cut at the text's size. */
void tl_sim_because(sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* tl_sim_session_timeout - the scenario's session timeout in seconds (7200 unless set). */
long tl_sim_session_timeout(const tl_scenario *sc);

/* tl_sim_server_fails - the server fails with alert (-1: none); the client
 * fails too unless its handshake was over (TLS 1.3 tickets follow its Finished). */
void tl_sim_server_fails(sim *s, int alert, int client_done);

/* tl_sim_decrypt - the whole of tls_decrypt_ticket, the decrypt callback and
 * ticket_expected included: returns the final status (ST_*), ST_FATAL when
 * the server fails. */
int tl_sim_decrypt(sim *s);

/* tl_sim_session_survives - ssl_get_prev_session's checks on a decrypted
 * session: 1 if it is resumed, 0 if it is dropped. */
int tl_sim_session_survives(sim *s);

/* tl_sim_send_tickets - the server writes n NewSessionTickets under `rule`
 * (each calls the generate and key callbacks as the scenario scripts them);
 * stops at the first that fails the server. */
void tl_sim_send_tickets(sim *s, int n, const char *rule);

/* tl_sim_alpn_blocks_early - 1 when the client cannot send early data: the
 * session's ALPN (h2) is not in its list (tls_construct_ctos_early_data). */
int tl_sim_alpn_blocks_early(const tl_scenario *sc);

/* tl_sim_predict13 - the TLS 1.3 handshake of s's scenario, into s->out. */
void tl_sim_predict13(sim *s);

#endif
