/*
 * ossl_compat.h - one spelling for the OpenSSL calls whose names changed
 * between the 3.x release lines (internal to libticketlab and its tests).
 *
 * OpenSSL 3.3 added 64-bit time forms of the session time calls
 * (SSL_SESSION_get_time_ex, SSL_SESSION_set_time_ex, SSL_CTX_flush_sessions_ex)
 * and 3.4 deprecated the `long` forms (Y2038); 4.0 deprecated SSL_set1_host
 * for SSL_set1_dnsname (openssl pull 29612). With -Werror a build must use
 * the newest form each release offers; these wrappers pick it at compile time.
 */
#ifndef TICKETLAB_OSSL_COMPAT_H
#define TICKETLAB_OSSL_COMPAT_H

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include <openssl/opensslv.h>
#include <openssl/ssl.h>

#include "ticketlab/tlslib.h"

#if OPENSSL_VERSION_NUMBER >= 0x30300000L
#define TL_HAVE_TIME_EX 1
#else
#define TL_HAVE_TIME_EX 0
#endif

/* tl_session_get_time - the session's creation time, seconds since the epoch. */
static inline int64_t tl_session_get_time(const SSL_SESSION *s)
{
#if TL_HAVE_TIME_EX
    return (int64_t)SSL_SESSION_get_time_ex(s);
#else
    return (int64_t)SSL_SESSION_get_time(s);
#endif
}

/* tl_session_set_time - set the creation time; returns 1, or 0 on failure
 * (also when `t` does not fit the release's time type). */
static inline int tl_session_set_time(SSL_SESSION *s, int64_t t)
{
#if TL_HAVE_TIME_EX
    return SSL_SESSION_set_time_ex(s, (time_t)t) != 0;
#else
    if (t > (int64_t)LONG_MAX || t < (int64_t)LONG_MIN)
        return 0;
    return SSL_SESSION_set_time(s, (long)t) != 0;
#endif
}

/* tl_ctx_flush_all_sessions - drop every session from ctx's cache, whatever
 * its age. A flush time of 0 means "all" in every 3.x release
 * (SSL_CTX_flush_sessions in ssl/ssl_sess.c: `t == 0 || sess_timedout(...)`). */
static inline void tl_ctx_flush_all_sessions(SSL_CTX *ctx)
{
#if TL_HAVE_TIME_EX
    SSL_CTX_flush_sessions_ex(ctx, 0);
#else
    SSL_CTX_flush_sessions(ctx, 0);
#endif
}

/* tl_ssl_set1_host - the DNS name the client checks the server's certificate
 * against (SSL_set1_dnsname from 4.0, SSL_set1_host before). Returns 1 or 0. */
static inline int tl_ssl_set1_host(SSL *s, const char *dnsname)
{
#if OPENSSL_VERSION_NUMBER >= 0x40000000L
    return SSL_set1_dnsname(s, dnsname);
#else
    return SSL_set1_host(s, dnsname);
#endif
}

#if !TL_TLSLIB_OPENSSL
/*
 * BoringSSL and AWS-LC (tlslib.h): the OpenSSL 3 calls the shared code makes
 * that they spell differently or lack. Where they lack a session field, the
 * answer is "none" (no ALPN, no host name, no app data, no 0-RTT limit),
 * which is what their sessions can tell.
 */
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/bio.h>
#include <openssl/obj.h>
#include <openssl/hmac.h>

/* No SSL_SESSION_dup: a copy through its DER form (ticket included). */
static inline SSL_SESSION *tl_compat_session_dup(const SSL_SESSION *s)
{
    int len = i2d_SSL_SESSION((SSL_SESSION *)s, NULL);
    unsigned char *der, *w;
    const unsigned char *r;
    SSL_SESSION *copy = NULL;

    if (len <= 0 || (der = malloc((size_t)len)) == NULL)
        return NULL;
    w = der;
    r = der;
    if (i2d_SSL_SESSION((SSL_SESSION *)s, &w) == len)
        copy = d2i_SSL_SESSION(NULL, &r, len);
    free(der);
    return copy;
}
#define SSL_SESSION_dup(s) tl_compat_session_dup(s)

static inline int tl_compat_no_appdata(const SSL_SESSION *s, void **data, size_t *len)
{
    (void)s;
    *data = NULL;
    *len = 0;
    return 0;
}
#define SSL_SESSION_get0_ticket_appdata(s, d, l) tl_compat_no_appdata((s), (d), (l))
#define SSL_SESSION_get0_hostname(s) ((void)(s), (const char *)NULL)
static inline void tl_compat_no_alpn(const SSL_SESSION *s, const unsigned char **alpn, size_t *len)
{
    (void)s;
    *alpn = NULL;
    *len = 0;
}
#define SSL_SESSION_get0_alpn_selected(s, a, l) tl_compat_no_alpn((s), (a), (l))
#define SSL_SESSION_get_max_early_data(s) ((void)(s), (uint32_t)0)
#define BIO_ctrl_wpending(b) BIO_wpending(b)
#define EVP_EncryptInit_ex2(c, ci, k, iv, p) EVP_EncryptInit_ex((c), (ci), NULL, (k), (iv))
#define EVP_DecryptInit_ex2(c, ci, k, iv, p) EVP_DecryptInit_ex((c), (ci), NULL, (k), (iv))
#define EVP_CipherInit_ex2(c, ci, k, iv, e, p) EVP_CipherInit_ex((c), (ci), NULL, (k), (iv), (e))
#define EVP_MD_get_type(m) EVP_MD_type(m)
#define EVP_MD_get_size(m) EVP_MD_size(m)
#define EVP_CIPHER_CTX_get0_cipher(c) EVP_CIPHER_CTX_cipher(c)
#define EVP_CIPHER_CTX_get_iv_length(c) EVP_CIPHER_CTX_iv_length(c)
#define EVP_CIPHER_CTX_get_key_length(c) EVP_CIPHER_CTX_key_length(c)
#define EVP_CIPHER_CTX_get_mode(c) EVP_CIPHER_CTX_mode(c)
#define EVP_CIPHER_CTX_is_encrypting(c) EVP_CIPHER_CTX_encrypting(c)
#define EVP_CIPHER_get0_name(c) OBJ_nid2sn(EVP_CIPHER_nid(c))
#define EVP_CIPHER_get_key_length(c) EVP_CIPHER_key_length(c)
/* Their names for the same two failures (ssl/tls_record.cc, ssl/s3_pkt.cc). */
#ifndef SSL_R_UNEXPECTED_EOF_WHILE_READING
#define SSL_R_UNEXPECTED_EOF_WHILE_READING SSL_R_UNEXPECTED_RECORD
#endif
#ifndef SSL_R_PACKET_LENGTH_TOO_LONG
#define SSL_R_PACKET_LENGTH_TOO_LONG SSL_R_DATA_LENGTH_TOO_LONG
#endif

/* EVP_Q_mac(lib, "HMAC", NULL, digest, NULL, ...): the HMAC one-shot, for the
 * digests the shared code asks for (SHA256, SHA384). */
static inline unsigned char *tl_compat_q_hmac(const char *digest, const void *key, size_t key_len,
                                              const unsigned char *data, size_t data_len,
                                              unsigned char *out, size_t out_size, size_t *out_len)
{
    const EVP_MD *md = EVP_get_digestbyname(digest);
    unsigned int n = 0;

    if (md == NULL || out_size < (size_t)EVP_MD_size(md)
        || HMAC(md, key, key_len, data, data_len, out, &n) == NULL)
        return NULL;
    if (out_len != NULL)
        *out_len = n;
    return out;
}
#define EVP_Q_mac(lib, mac, pq, digest, params, key, klen, data, dlen, out, osize, olen) \
    ((void)(lib), (void)(mac), (void)(pq), (void)(params), \
     tl_compat_q_hmac((digest), (key), (klen), (data), (dlen), (out), (osize), (olen)))
#endif

#endif
