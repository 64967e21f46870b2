/*
 * tlslib_boring.c - the seam (tlslib.h) for BoringSSL and AWS-LC.
 *
 * What differs from OpenSSL 3, as their include/openssl/ssl.h has it:
 *   - no SSL_CTX_set_session_ticket_cb: no generate or decrypt callback, no
 *     SSL_TICKET_STATUS or SSL_TICKET_RETURN, no ticket app data;
 *   - the ticket key callback is only the HMAC_CTX form
 *     (SSL_CTX_set_tlsext_ticket_key_cb), no EVP_MAC form;
 *   - SSL_CTX_set_ticket_aead_method: seal/open, where OpenSSL has neither;
 *   - SSL_CTX_set_current_time_cb: the clock is a callback per context, so
 *     nothing needs time() interposed;
 *   - no RAND provider to plug in: a -DFUZZ=1 build has a deterministic
 *     RAND_bytes, restarted by RAND_reset_for_fuzzing(); a plain build draws
 *     from the kernel (tickets then differ run to run, outcomes do not);
 *   - no SSL_new_session_ticket, no SSL_OP_NO_ANTI_REPLAY, no
 *     SSL_write_early_data (0-RTT goes through SSL_write/SSL_read while
 *     SSL_in_early_data: src/world/early_data.c drives it);
 *     BoringSSL (not AWS-LC) has no SSL_CTX_set_ciphersuites.
 */
#include "ticketlab/tlslib.h"

#include <stdio.h>
#include <sys/time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ticketlab/clock.h"

#if defined(OPENSSL_IS_AWSLC)
#define LIB "AWS-LC"
#define LIB_KEY "aws-lc"
#define LIB_KIND TL_TLSLIB_KIND_AWSLC
#else
#define LIB "BoringSSL"
#define LIB_KEY "boringssl"
#define LIB_KIND TL_TLSLIB_KIND_BORINGSSL
#endif

/* A -DFUZZ=1 library: CMake says so (TICKETLAB_TLSLIB_FUZZ, from the
 * prefix's TICKETLAB_FUZZ marker); its headers declare RAND_reset_for_fuzzing
 * only under the library's own build defines, so declare it here. */
#if defined(TICKETLAB_TLSLIB_FUZZ) || defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) \
    || defined(BORINGSSL_UNSAFE_DETERMINISTIC_MODE)
#define TL_LIB_FUZZ_RAND 1
void RAND_reset_for_fuzzing(void);
#else
#define TL_LIB_FUZZ_RAND 0
#endif

#ifndef TICKETLAB_TLSLIB_SOURCE
#define TICKETLAB_TLSLIB_SOURCE LIB " (commit unknown)"
#endif

tl_tlslib_kind tl_tlslib_which(void)
{
    return LIB_KIND;
}

const char *tl_tlslib_name(void)
{
    return LIB;
}

const char *tl_tlslib_key(void)
{
    return LIB_KEY;
}

const char *tl_tlslib_describe(void)
{
    static char line[160];

    if (line[0] == '\0')
        snprintf(line, sizeof(line), "%s%s", TICKETLAB_TLSLIB_SOURCE,
                 TL_LIB_FUZZ_RAND ? ", FUZZ build (deterministic RAND_bytes)" : "");
    return line;
}

const char *tl_tlslib_lacks(tl_tlslib_api api)
{
    switch (api) {
    case TL_API_DECRYPT_CB:
        return LIB " has no SSL_CTX_set_session_ticket_cb (no generate or decrypt callback)";
    case TL_API_EVP_KEY_CB:
        return LIB " has no SSL_CTX_set_tlsext_ticket_key_evp_cb (its key callback is the HMAC_CTX form)";
    case TL_API_NEW_SESSION_TICKET:
        return LIB " has no SSL_new_session_ticket";
    case TL_API_NO_ANTI_REPLAY:
        return LIB " has no SSL_OP_NO_ANTI_REPLAY";
    case TL_API_EARLY_DATA_RW:
        return LIB " has no SSL_write_early_data/SSL_read_early_data (0-RTT is SSL_write/SSL_read "
                   "while SSL_in_early_data, which the world drives, but not the PSK probe)";
    case TL_API_TLS13_SUITES:
#if defined(OPENSSL_IS_AWSLC)
        return NULL;
#else
        return LIB " has no SSL_CTX_set_ciphersuites (its TLS 1.3 suites are fixed)";
#endif
    default:
        return NULL;
    }
}

/* The library asks the harness clock; `ssl` is always NULL here. */
static void harness_time(const SSL *ssl, struct timeval *out)
{
    (void)ssl;
    out->tv_sec = (time_t)tl_clock_now();
    out->tv_usec = 0;
}

SSL_CTX *tl_tlslib_ctx_new(const SSL_METHOD *method, tl_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(method);

    if (ctx == NULL) {
        tl_error_set_ssl(err, "SSL_CTX_new failed");
        return NULL;
    }
    SSL_CTX_set_current_time_cb(ctx, harness_time);
    return ctx;
}

void tl_tlslib_rng_reset(void)
{
#if TL_LIB_FUZZ_RAND
    RAND_reset_for_fuzzing();
#endif
}

int tl_tlslib_deterministic(void)
{
    return TL_LIB_FUZZ_RAND;
}
