/*
 * testchain.h - the fixed test chain (testcerts.h) put to use: the server's
 * certificate and key, the client's trusted root. Internal to the world.
 *
 * The PEM is parsed once per process (on OpenSSL in ticketlab's library
 * context) and shared by reference; TICKETLAB_NO_MEMO=1 parses it again for
 * every context.
 */
#ifndef TICKETLAB_TESTCHAIN_H
#define TICKETLAB_TESTCHAIN_H

#include <openssl/ssl.h>

#include "ticketlab/error.h"

/*
 * tl_testchain_use - give the server context ctx the test leaf certificate
 * (server.ticketlab.test) and its key. Returns 0, or -1 with err when the
 * chain does not load or ctx refuses it.
 */
int tl_testchain_use(SSL_CTX *ctx, tl_error *err);

/*
 * tl_testchain_trust - make the client context ctx trust the test root and
 * verify its peer. Returns 0, or -1 with err when the root does not load or
 * the store refuses it.
 */
int tl_testchain_trust(SSL_CTX *ctx, tl_error *err);

#endif
