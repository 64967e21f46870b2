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

#endif
