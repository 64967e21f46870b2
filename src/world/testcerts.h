/*
 * testcerts.h - the fixed ECDSA P-256 test chain, as PEM strings.
 * Internal to the library. Regenerate with src/world/testdata/make-certs.sh.
 */
#ifndef TICKETLAB_TESTCERTS_H
#define TICKETLAB_TESTCERTS_H

extern const char tl_testcert_root_pem[];     /* self-signed root CA */
extern const char tl_testcert_server_pem[];   /* leaf for server.ticketlab.test */
extern const char tl_testcert_server_key[];   /* leaf's private key */

#endif
