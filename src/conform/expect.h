/*
 * expect.h - the expectation engine: what OpenSSL 3.x does with a scenario.
 *
 * tl_expect_predict() takes a scenario (scenario.h) and predicts, without
 * running it, the outcome a user observes (outcome.h): success or failure
 * on each side and the alerts, SSL_session_reused() on both sides, the
 * NewSessionTickets and their lifetime hints, the ordered ticket callback
 * log, and 0-RTT. It is a small model of the server's decisions, written
 * from OpenSSL 3.0's source, with the later releases' changes (release.h)
 * as the loaded library shows them (detect.h; or as a maintainer asserts);
 * every step names the function it follows:
 *
 *   ssl/t1_lib.c                 tls_get_ticket_from_client, tls_decrypt_ticket
 *   ssl/ssl_sess.c               ssl_get_prev_session, SSL_SESSION_set1_ticket_appdata
 *   ssl/statem/extensions_srvr.c tls_parse_ctos_psk, tls_get_stateful_ticket
 *   ssl/statem/extensions_clnt.c tls_construct_ctos_psk (the client's ticket age)
 *   ssl/statem/statem_srvr.c     ossl_statem_server(13)_write_transition,
 *                                tls_construct_new_session_ticket,
 *                                construct_stateless_ticket
 *
 * The conformance runner checks every row's observation against the
 * pinned expectation and against this prediction; the fuzzer calls it on
 * random scenarios as a semantic oracle; plug-in validation uses it for
 * the natural callbacks.
 */
#ifndef TICKETLAB_EXPECT_H
#define TICKETLAB_EXPECT_H

#include <stddef.h>

#include "outcome.h"
#include "scenario.h"

#define TL_EXPECT_WHY_MAX 1024

/*
 * tl_expect_predict - predict the outcome of sc on the running OpenSSL
 * release: the changes (release.h) its self-tests detected (detect.h),
 * or a maintainer asserted (behaviour.h).
 * `why` (may be NULL) receives the chain of rules that decided it, each
 * with its source function, "; "-separated.
 * Returns 0, or -1 when the scenario is outside the model (the reason is
 * in why), for example an edited ticket under stateful TLS 1.3 tickets.
 */
int tl_expect_predict(const tl_scenario *sc, tl_outcome *out, char *why, size_t why_size);

/*
 * tl_expect_boring_predict - the same prediction on BoringSSL or AWS-LC
 * (expect_boring.c); tl_expect_predict() calls it there. Returns 0, or -1
 * when the scenario is outside that model (why says so).
 */
int tl_expect_boring_predict(const tl_scenario *sc, tl_outcome *out, char *why, size_t why_size);

/* tl_expect_openssl_series - the release line the engine models: the one
 * running (release.h), e.g. "3.5". The model follows its rules. */
const char *tl_expect_openssl_series(void);

#endif
