/*
 * early_data.h - the world's 0-RTT driving, one implementation a library
 * family (the seam of tlslib.h, for early data):
 *
 *   OpenSSL 3          the client writes with SSL_write_early_data before its
 *                      handshake; the server reads with SSL_read_early_data
 *                      until SSL_READ_EARLY_DATA_FINISH; the client's status
 *                      is SSL_get_early_data_status.
 *   BoringSSL, AWS-LC  early data is switched on per context or connection
 *                      (SSL_set_early_data_enabled); the client's
 *                      SSL_do_handshake returns early with SSL_in_early_data
 *                      set, and the early bytes go through SSL_write; the
 *                      server's SSL_do_handshake returns early the same way
 *                      and the early bytes come through SSL_read; a rejection
 *                      stops the client with SSL_ERROR_EARLY_DATA_REJECTED
 *                      until SSL_reset_early_data_reject; the client's status
 *                      is SSL_early_data_accepted.
 *
 * The world keeps a side in its early phase until tl_early_step says it is
 * over, then drives SSL_do_handshake as for any handshake.
 */
#ifndef TICKETLAB_EARLY_DATA_H
#define TICKETLAB_EARLY_DATA_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ticketlab/error.h"

/* One handshake's 0-RTT. */
typedef struct tl_early {
    const unsigned char *data;  /* the client's 0-RTT payload */
    size_t len;
    int entered;                /* BoringSSL/AWS-LC: the client went into early data */
    size_t server_bytes;        /* early bytes the server read */
} tl_early;

/*
 * tl_early_server_enable - the server context takes early data: OpenSSL
 * SSL_CTX_set_max_early_data(max); BoringSSL and AWS-LC
 * SSL_CTX_set_early_data_enabled (their tickets always allow
 * kMaxEarlyDataAccepted, 14336 bytes: `max` only switches it on or off).
 * Returns 0, or -1 with err.
 */
int tl_early_server_enable(SSL_CTX *ctx, uint32_t max, tl_error *err);

/*
 * tl_early_server_set - as tl_early_server_enable, and `max` 0 turns early
 * data off (SSL_CTX_set_max_early_data(ctx, 0); SSL_CTX_set_early_data_enabled
 * (ctx, 0)). Returns 0, or -1 with err.
 */
int tl_early_server_set(SSL_CTX *ctx, uint32_t max, tl_error *err);

/*
 * tl_early_client_offer - before a handshake: whether the client may offer
 * 0-RTT (BoringSSL, AWS-LC: SSL_set_early_data_enabled; OpenSSL decides by
 * calling SSL_write_early_data or not, so nothing here). Never fails.
 */
void tl_early_client_offer(SSL *client, int offer);

/*
 * tl_world_classify - the result `rc` of an SSL call on `s`: 1 progress
 * made or finished, 0 wants I/O (or a retry: the ticket AEAD method's
 * pending ticket; BoringSSL's and AWS-LC's rejected early data, after
 * SSL_reset_early_data_reject), -1 fatal.
 */
int tl_world_classify(SSL *s, int rc);

/*
 * tl_early_session_allows - 1 when a client would offer 0-RTT on `sess`:
 * OpenSSL SSL_SESSION_get_max_early_data() > 0; BoringSSL and AWS-LC
 * SSL_SESSION_early_data_capable() (a TLS 1.3 session whose ticket allowed
 * early data; they have no getter for the amount). Never fails.
 */
int tl_early_session_allows(const SSL_SESSION *sess);

/*
 * tl_early_step - one step of a side in its early phase. Returns 1 when the
 * early phase is over (go on with SSL_do_handshake), 0 when it waits for
 * the peer or made progress, -1 on a fatal error (left on the error queue).
 */
int tl_early_step(SSL *s, int is_client, tl_early *e);

/*
 * tl_early_status - TL_EARLY_NOT_SENT, _ACCEPTED or _REJECTED as the client
 * saw it after the handshake. Never fails.
 */
int tl_early_status(SSL *client, const tl_early *e);

#endif
