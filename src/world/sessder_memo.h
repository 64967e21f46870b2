/*
 * sessder_memo.h - d2i_SSL_SESSION, remembered (harness-private).
 *
 * Parsing a DER SSL_SESSION decodes the peer's certificate and key through
 * OpenSSL 3's decoders, which costs more than a resumed handshake, and a
 * scenario run offers the same edited session bytes again and again (the
 * same world configuration mints the same ticket). So the last few parses
 * are kept, keyed by the bytes and the harness clock (d2i_SSL_SESSION reads
 * the clock when the DER has no time; a DER with a time matches at any
 * clock), and each caller gets its own copy.
 * Off when tl_memo_enabled() is 0 (TICKETLAB_NO_MEMO=1).
 */
#ifndef TICKETLAB_SESSDER_MEMO_H
#define TICKETLAB_SESSDER_MEMO_H

#include <stddef.h>
#include <openssl/ssl.h>

/*
 * tl_session_d2i_memo - what d2i_SSL_SESSION(NULL, &p, len) returns for
 * der: a new session the caller frees (an SSL_SESSION_dup() of the
 * remembered parse), or NULL when the bytes do not parse (with OpenSSL's
 * error queue as d2i_SSL_SESSION left it).
 */
SSL_SESSION *tl_session_d2i_memo(const unsigned char *der, size_t len);

/*
 * tl_session_d2i_memo_used - tl_session_d2i_memo(), and *used is set to the
 * number of bytes d2i_SSL_SESSION took (for callers that refuse trailing
 * bytes); *used is meaningless when NULL is returned.
 */
SSL_SESSION *tl_session_d2i_memo_used(const unsigned char *der, size_t len, size_t *used);

/* tl_session_d2i_memo_clear - forget every remembered parse. Never fails. */
void tl_session_d2i_memo_clear(void);

#endif
