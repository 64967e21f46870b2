/*
 * decrypt_direct.h - call libssl's own ticket decryption on an exact-size
 * copy of the ticket, so that AddressSanitizer sees any read past its end.
 *
 * Inside a handshake the ticket sits in the middle of the ClientHello, in
 * a record buffer much larger than the message: a read past the ticket's
 * end (the CVE-2016-6302 class) reads valid memory and nothing notices.
 * With a static libssl the internal tls_decrypt_ticket() (ssl/t1_lib.c) is
 * linkable; it takes an SSL* on 3.0/3.1 and an SSL_CONNECTION* from 3.2 on,
 * and for a TLS connection the two are the same pointer (struct
 * ssl_connection_st starts with its struct ssl_st), so one shim serves
 * every 3.x release. With a shared libssl the symbol is not exported and
 * the direct call is unavailable: the targets then only run the handshake.
 */
#ifndef TICKETLAB_FUZZ_DECRYPT_DIRECT_H
#define TICKETLAB_FUZZ_DECRYPT_DIRECT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

/* tl_fuzz_direct_available - 1 when libssl's tls_decrypt_ticket is linked in. */
int tl_fuzz_direct_available(void);

/*
 * tl_fuzz_decrypt_direct - run tls_decrypt_ticket(server, copy, len, ...) on
 * a heap copy of exactly `len` bytes. `server` must have negotiated its
 * version (a probe's server after a run): TLS 1.2 passes a 32-byte session
 * id as tls_get_ticket_from_client does, TLS 1.3 none, as tls_parse_ctos_psk.
 * The server's key and decrypt callbacks run as in a handshake. Returns the
 * SSL_TICKET_STATUS, or -1 when the direct call is unavailable. Any session
 * it decrypted is freed.
 */
int tl_fuzz_decrypt_direct(SSL *server, const uint8_t *ticket, size_t len);

#endif
