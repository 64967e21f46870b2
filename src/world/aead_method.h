/*
 * aead_method.h - the issuer's SSL_TICKET_AEAD_METHOD (BoringSSL, AWS-LC):
 * tickets sealed with AES-256-GCM under the key ring's current key, opened
 * with whichever ring key their name says, every call logged and scriptable.
 *
 * Ticket: key name (16) | nonce (12) | AES-256-GCM(session) | tag (16), the
 * name as additional data. The policy's scripts decide (policy.h): the
 * decrypt script is open's result (TL_AEAD_SUCCESS, _RETRY, _IGNORE,
 * _ERROR; a retry is answered naturally on the next call), the encrypt
 * script's 0 makes seal fail, and aead_overhead is what max_overhead says
 * (a value below the real 44 bytes makes seal run out of room and fail).
 */
#ifndef TICKETLAB_AEAD_METHOD_H
#define TICKETLAB_AEAD_METHOD_H

#include <openssl/ssl.h>

#include "ticketlab/error.h"
#include "ticketlab/issuer.h"

#define TL_AEAD_OVERHEAD (16 + 12 + 16)   /* name, nonce, tag */

/*
 * tl_aead_install - SSL_CTX_set_ticket_aead_method(ctx, ours), driven by iss
 * (bound to each server SSL with tl_issuer_bind). Returns 0, or -1 with err
 * on a library without the method (OpenSSL).
 */
int tl_aead_install(SSL_CTX *ctx, tl_issuer *iss, tl_error *err);

#endif
