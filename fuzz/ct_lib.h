/*
 * ct_lib.h - fuzz_client_ticket on each TLS library: what its client does
 * with a NewSessionTicket, where that differs between OpenSSL 3 and
 * BoringSSL / AWS-LC (tlslib.h), so that the oracles (ct_sessions.c,
 * ct_cache_check.c) expect each library's own rules, and the few server
 * calls the target makes that only OpenSSL has. Read from BoringSSL's
 * ssl/tls13_client.cc (tls13_create_session_with_ticket),
 * ssl/handshake_client.cc (do_read_session_ticket, do_start_connect,
 * do_finish_client_handshake), ssl/extensions.cc (the pre_shared_key
 * writer), ssl/ssl_session.cc (ssl_session_is_time_valid,
 * ssl_update_cache) and ssl/tls13_server.cc (add_new_session_tickets);
 * AWS-LC's are the same in all of these.
 *
 * Harness faults end the process with tl_fuzz_die(), as everywhere in the
 * target; a library's broken rule ends it with "ticketlab oracle: ...".
 */
#ifndef TICKETLAB_CT_LIB_H
#define TICKETLAB_CT_LIB_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "client_ticket.h"
#include "ossl_compat.h"   /* OpenSSL 3 names (SSL_SESSION_dup, ...) spelled for the others */
#include "ticketlab/policy.h"
#include "ticketlab/tlslib.h"

/*
 * tl_ct_lib_note - in verbose mode, print once which oracles take another
 * form on this library, or do not apply, and why. Never fails.
 */
void tl_ct_lib_note(void);

/*
 * tl_ct_lib_max_early_data - the session's max_early_data. BoringSSL and
 * AWS-LC have no getter: it is read from the session's DER (field [24]).
 */
uint32_t tl_ct_lib_max_early_data(const SSL_SESSION *s);

/*
 * tl_ct_lib_early_chains - 1 when a TLS 1.3 ticket without early_data
 * keeps the previous ticket's limit (OpenSSL: ssl_session_dup of the
 * connection's latest session), 0 when it keeps the limit of the
 * connection's established session (BoringSSL, AWS-LC: each ticket's
 * session is a copy of s3->established_session, which tickets never change).
 */
int tl_ct_lib_early_chains(void);

/*
 * tl_ct_lib_check_lifetime - oracle 2's lifetime check for the stored
 * session st of NewSessionTicket v: the lifetime hint is the one received
 * (OpenSSL; BoringSSL and AWS-LC in TLS 1.2), or in TLS 1.3 on BoringSSL
 * and AWS-LC, which keep no hint, the session's timeout is the
 * established session's, rebased to now, capped by the ticket's lifetime.
 * Dies with an oracle message when it does not hold.
 */
void tl_ct_lib_check_lifetime(const tl_ct_stored *st, const tl_ct_nst *v);

/*
 * tl_ct_lib_offer_age - whether the client offers the TLS 1.3 session st
 * (ticket v) `step` seconds after storing it, and the age *age it then
 * counts: OpenSSL while the lifetime hint is not past, age in whole seconds
 * less one; BoringSSL and AWS-LC while the session's timeout is more than
 * the age, age in whole seconds. Returns 1 (offered) or 0 (withheld).
 */
int tl_ct_lib_offer_age(const tl_ct_stored *st, const tl_ct_nst *v, int64_t step, uint32_t *age);

/*
 * tl_ct_lib_offers12 - whether the client offers the TLS 1.2 session st
 * `step` seconds after storing it (else its session_ticket extension is
 * empty): always on OpenSSL (the cache already dropped what expired);
 * on BoringSSL and AWS-LC while the session's timeout is more than the
 * age (the cache keeps it through the second the timeout ends).
 */
int tl_ct_lib_offers12(const tl_ct_stored *st, int64_t step);

/*
 * tl_ct_lib_sid_is_session_id - 1 when a TLS 1.2 ClientHello resuming a
 * ticket carries the session's id (OpenSSL: SHA-256 of the ticket), 0 when
 * it carries 32 random bytes (BoringSSL, AWS-LC: do_start_connect's
 * placeholder; the session's own id is still SHA-256 of the ticket).
 */
int tl_ct_lib_sid_is_session_id(void);

/*
 * tl_ct_lib_handshake_tickets - have world w's server send n TLS 1.3
 * tickets: on BoringSSL and AWS-LC with the handshakes from now on
 * (SSL_CTX_set_num_tickets; 0 again after minting); on OpenSSL nothing
 * (tl_ct_lib_new_tickets asks after the handshake).
 */
void tl_ct_lib_handshake_tickets(tl_world *w, size_t n);

/*
 * tl_ct_lib_new_tickets - ask the established server for n more TLS 1.3
 * tickets (OpenSSL: SSL_new_session_ticket); on BoringSSL and AWS-LC the
 * handshake already made them (tl_ct_lib_handshake_tickets) and a
 * zero-byte write sends them. Returns 0, or -1 when the library refuses.
 */
int tl_ct_lib_new_tickets(SSL *server, size_t n);

/*
 * tl_ct_lib_quiet_session - what the client's new-session callback does
 * with a TLS 1.3 session it is told to drop (R.quiet): on OpenSSL nothing
 * (returns 0: not taken); on BoringSSL and AWS-LC it is kept (returns 1),
 * for tl_ct_lib_session_after_ticket, the one previously kept freed.
 */
int tl_ct_lib_quiet_session(SSL_SESSION *sess);

/*
 * tl_ct_lib_session_after_ticket - the session a TLS 1.3 client holds once
 * it read a ticket, owned by the caller: OpenSSL's SSL_get1_session (each
 * ticket replaces the connection's session); on BoringSSL and AWS-LC, where
 * SSL_get1_session stays the handshake's session, the ticket's session the
 * new-session callback was handed while quiet. NULL if none.
 */
SSL_SESSION *tl_ct_lib_session_after_ticket(SSL *client);

/*
 * tl_ct_lib_genuine_checkable - 1 when a genuine ticket the client read
 * must open to the client's own resumption secret: always on OpenSSL, and
 * on a connection of the input's own (R.full); on BoringSSL and AWS-LC
 * the genuine tickets of the kept connection come from another one, whose
 * secrets are its own, since their RAND_bytes does not restart within a
 * process (RAND_reset_for_fuzzing resets the seed source, not the
 * thread's CTR-DRBG: crypto/fipsmodule/rand/rand.cc.inc). Says so once in
 * verbose mode when it returns 0.
 */
int tl_ct_lib_genuine_checkable(void);

/*
 * tl_ct_lib_lean_client - make the target's client offer only what its
 * server takes: CT_SUITE13, CT_CIPHER12 and ecdsa_secp256r1_sha256 (the
 * test chain's). Every ClientHello is then short to build: with the
 * default lists an instrumented 4.0.2 spent about a sixth of a campaign
 * building ClientHellos, mostly filtering ciphers and signature schemes
 * the server never takes. A NewSessionTicket is read the
 * same way whatever the client offered. OpenSSL only (BoringSSL and
 * AWS-LC: unchanged). Dies when the library refuses a list.
 */
void tl_ct_lib_lean_client(SSL_CTX *client_ctx);

/*
 * tl_ct_lib_resume_without_dhe - set a resumed TLS 1.3 pair (server may be
 * NULL: a replayed one) to resume by PSK alone (psk_ke), without the key
 * exchange: on OpenSSL the client offers psk_ke (SSL_OP_ALLOW_NO_DHE_KEX)
 * with a P-256 key share, and the server, which knows X25519 only, has no
 * group to share or to ask for and so resumes without one
 * (final_key_share). What a NewSessionTicket does to a client does not
 * depend on how its handshake got its keys; the two X25519 operations were
 * almost half of a resumption (12.5 of 27.5% of a plain run on 4.0.2).
 * BoringSSL and AWS-LC offer psk_dhe_ke only: nothing changes there.
 * Dies when a library refuses a setting.
 */
void tl_ct_lib_resume_without_dhe(SSL *client, SSL *server);

/*
 * tl_ct_lib_mints_in_handshake - 1 when TLS 1.3 tickets go out inside the
 * server's handshake (BoringSSL, AWS-LC), so that server knobs which break
 * minting (a key callback's -1 on encrypt) break that handshake too; 0 on
 * OpenSSL, which mints after it.
 */
int tl_ct_lib_mints_in_handshake(void);

/*
 * tl_ct_lib_key_enc - the key callback's scripted result on encrypt that
 * the server knobs ask for (TL_NATURAL, 0, -1 or 2), as run on this
 * library: on AWS-LC a 0 is run as TL_NATURAL, since AWS-LC crashes on it
 * (ssl_encrypt_ticket_with_cipher_ctx checks for a negative result only and
 * reads the IV length of the cipher context the callback left empty; the
 * conformance rows kenc0.* are n/a there for it). Says so once in verbose mode.
 */
int tl_ct_lib_key_enc(int want);

/*
 * tl_ct_lib_renew - script world policy p so that the server renews the
 * ticket it resumes: the decrypt callback's USE_RENEW on OpenSSL, the key
 * callback's 2 on decrypt on BoringSSL and AWS-LC (no decrypt callback).
 * Returns 0, or -1 when the policy refuses.
 */
int tl_ct_lib_renew(tl_policy *p);

#endif
