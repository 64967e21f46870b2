/*
 * tl_test_session.h - synthetic client sessions for the cache tests.
 *
 * tl_test_session() makes an SSL_SESSION that encodes, decodes and counts
 * as resumable without any handshake: a protocol version, a real cipher,
 * a master key and a session id filled with `fill`. tl_test_sdata() packs
 * one into curl's session data. Used by test_spack, test_sessfile and
 * test_cache; the handshake-made sessions come from the world instead.
 */
#ifndef TL_TEST_SESSION_H
#define TL_TEST_SESSION_H

#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "ossl_compat.h"

#include "ticketlab/clock.h"
#include "ticketlab/spack.h"

static inline SSL_SESSION *tl_test_session(int version, long timeout, unsigned char fill)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    STACK_OF(SSL_CIPHER) *sk = ctx ? SSL_CTX_get_ciphers(ctx) : NULL;
    const SSL_CIPHER *cipher = NULL;
    uint16_t want = version == TLS1_3_VERSION ? 0x1301 : 0xc02b;
    unsigned char bytes[48];
    SSL_SESSION *s;

    for (int i = 0; sk != NULL && i < sk_SSL_CIPHER_num(sk); i++)
        if (SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(sk, i)) == want)
            cipher = sk_SSL_CIPHER_value(sk, i);
    s = cipher ? SSL_SESSION_new() : NULL;
    memset(bytes, fill, sizeof(bytes));
    if (s == NULL || !SSL_SESSION_set_protocol_version(s, version)
        || !SSL_SESSION_set_cipher(s, cipher)
        || !SSL_SESSION_set1_master_key(s, bytes, version == TLS1_3_VERSION ? 32 : 48)
        || !SSL_SESSION_set1_id(s, bytes, 32)) {
        SSL_SESSION_free(s);
        s = NULL;
    } else {
        tl_session_set_time(s, tl_clock_now());
        SSL_SESSION_set_timeout(s, timeout);
    }
    SSL_CTX_free(ctx);
    return s;
}

/* The DER of a synthetic session, malloc'd; NULL on failure. */
static inline unsigned char *tl_test_der(int version, unsigned char fill, size_t *len)
{
    SSL_SESSION *s = tl_test_session(version, 3600, fill);
    int n = s ? i2d_SSL_SESSION(s, NULL) : 0;
    unsigned char *der = n > 0 ? malloc((size_t)n) : NULL, *p = der;

    if (der != NULL && i2d_SSL_SESSION(s, &p) != n) {
        free(der);
        der = NULL;
    }
    SSL_SESSION_free(s);
    *len = der ? (size_t)n : 0;
    return der;
}

/* curl session data for a synthetic session; malloc'd, NULL on failure. */
static inline unsigned char *tl_test_sdata(int version, unsigned char fill,
                                    int64_t valid_until, const char *alpn,
                                    size_t *len)
{
    tl_sdata s;
    unsigned char *out = NULL;

    memset(&s, 0, sizeof(s));
    s.ticket = tl_test_der(version, fill, &s.ticket_len);
    s.ietf_id = (uint16_t)version;
    s.valid_until = valid_until;
    s.alpn = alpn ? strdup(alpn) : NULL;
    if (s.ticket == NULL || tl_sdata_pack(&s, &out, len, NULL) != 0)
        out = NULL;
    tl_sdata_clear(&s);
    return out;
}

#endif
