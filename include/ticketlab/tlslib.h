/*
 * tlslib.h - the TLS library ticketlab is built on, and the few places where
 * the world depends on which one it is (the seam).
 *
 * ticketlab builds on OpenSSL 3.x, BoringSSL or AWS-LC: CMake finds the
 * library at OPENSSL_ROOT_DIR and tells them apart by the macros their
 * headers define (OPENSSL_IS_BORINGSSL, OPENSSL_IS_AWSLC). Everything else
 * (world, key ring, key files, codec, cache, reports) is shared; what differs
 * is behind this interface, one implementation a library family:
 *
 *   src/det/tlslib_openssl.c  OpenSSL 3.x: the RAND provider's library context,
 *                             time() interposed (clock.c), every ticket API
 *   src/det/tlslib_boring.c   BoringSSL and AWS-LC: SSL_CTX_set_current_time_cb,
 *                             RAND_reset_for_fuzzing() in a -DFUZZ=1 build,
 *                             the HMAC_CTX key callback and the ticket AEAD
 *                             method; no decrypt callback
 *
 *     if (tl_tlslib_lacks(TL_API_DECRYPT_CB) != NULL)
 *         ... the row is n/a, with that sentence as its reason
 *
 * For the libraries without OpenSSL 3's ticket names (SSL_TICKET_STATUS,
 * SSL_TICKET_RETURN, EVP_MAC_CTX) this header declares them with OpenSSL's
 * values, so that the shared code and the public headers compile unchanged;
 * the calls that take them are never made there (tl_tlslib_lacks says so).
 */
#ifndef TICKETLAB_TLSLIB_H
#define TICKETLAB_TLSLIB_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ticketlab/error.h"

#if defined(OPENSSL_IS_BORINGSSL) || defined(OPENSSL_IS_AWSLC)
#define TL_TLSLIB_OPENSSL 0
#else
#define TL_TLSLIB_OPENSSL 1
#endif

#if !TL_TLSLIB_OPENSSL
/* OpenSSL 3's decrypt-callback vocabulary, same values as ssl.h there. */
typedef int SSL_TICKET_STATUS;
typedef int SSL_TICKET_RETURN;
#define SSL_TICKET_FATAL_ERR_MALLOC 0
#define SSL_TICKET_FATAL_ERR_OTHER 1
#define SSL_TICKET_NONE 2
#define SSL_TICKET_EMPTY 3
#define SSL_TICKET_NO_DECRYPT 4
#define SSL_TICKET_SUCCESS 5
#define SSL_TICKET_SUCCESS_RENEW 6
#define SSL_TICKET_RETURN_ABORT 0
#define SSL_TICKET_RETURN_IGNORE 1
#define SSL_TICKET_RETURN_IGNORE_RENEW 2
#define SSL_TICKET_RETURN_USE 3
#define SSL_TICKET_RETURN_USE_RENEW 4
/* The EVP key callback's MAC context: never made here (no evp_cb). */
typedef struct tl_absent_evp_mac_ctx EVP_MAC_CTX;
#endif

/* The library families. */
typedef enum tl_tlslib_kind {
    TL_TLSLIB_KIND_OPENSSL = 0,
    TL_TLSLIB_KIND_BORINGSSL,
    TL_TLSLIB_KIND_AWSLC
} tl_tlslib_kind;

/* tl_tlslib_kind - the library this build links. */
tl_tlslib_kind tl_tlslib_which(void);

/* tl_tlslib_name - "OpenSSL", "BoringSSL" or "AWS-LC". */
const char *tl_tlslib_name(void);

/* tl_tlslib_key - "openssl", "boringssl" or "aws-lc": the spelling the
 * expectations table's `on LIB` lines and the matrix use. */
const char *tl_tlslib_key(void);

/*
 * tl_tlslib_describe - one line naming the library and its version or
 * commit, e.g. "BoringSSL a0689af29e8e (OpenSSL 1.1.1 API), FUZZ build".
 * The commit comes from the build (TICKETLAB_TLSLIB_SOURCE, read from the
 * TICKETLAB_SOURCE file that ci/tlslib.sh leaves in the prefix). Never fails.
 */
const char *tl_tlslib_describe(void);

/* The ticket APIs that not every library has. */
typedef enum tl_tlslib_api {
    TL_API_DECRYPT_CB = 0,    /* SSL_CTX_set_session_ticket_cb (generate + decrypt) */
    TL_API_EVP_KEY_CB,        /* SSL_CTX_set_tlsext_ticket_key_evp_cb */
    TL_API_LEGACY_KEY_CB,     /* SSL_CTX_set_tlsext_ticket_key_cb (HMAC_CTX) */
    TL_API_NEW_SESSION_TICKET,/* SSL_new_session_ticket */
    TL_API_NO_ANTI_REPLAY,    /* SSL_OP_NO_ANTI_REPLAY */
    TL_API_EARLY_DATA_RW,     /* SSL_write_early_data / SSL_read_early_data, max_early_data */
    TL_API_TLS13_SUITES,      /* SSL_CTX_set_ciphersuites (TLS 1.3 suites chosen by the caller) */
    TL_API_TICKET_AEAD,       /* SSL_CTX_set_ticket_aead_method */
    TL_API_TIME_CB,           /* SSL_CTX_set_current_time_cb */
    TL_API_COUNT
} tl_tlslib_api;

/*
 * tl_tlslib_lacks - NULL when the library has `api`, else the sentence a
 * report prints as the n/a reason, e.g. "BoringSSL has no
 * SSL_CTX_set_session_ticket_cb". Never fails.
 */
const char *tl_tlslib_lacks(tl_tlslib_api api);

/* tl_tlslib_api_name - "SSL_CTX_set_session_ticket_cb", ... */
const char *tl_tlslib_api_name(tl_tlslib_api api);

/*
 * tl_tlslib_ctx_new - a new SSL_CTX wired to the harness's determinism:
 * on OpenSSL in ticketlab's library context (the deterministic DRBG); on
 * BoringSSL and AWS-LC with SSL_CTX_set_current_time_cb reading the harness
 * clock. Returns NULL with err on failure.
 */
SSL_CTX *tl_tlslib_ctx_new(const SSL_METHOD *method, tl_error *err);

/*
 * tl_tlslib_rng_reset - make the library's own random draws restart: on
 * OpenSSL nothing more than tl_rng_seed() already does (the provider reads
 * that stream); on a -DFUZZ=1 BoringSSL or AWS-LC RAND_reset_for_fuzzing().
 * Called by tl_world_new/tl_world_reset. Never fails.
 */
void tl_tlslib_rng_reset(void);

/*
 * tl_tlslib_deterministic - 1 when the library's random bytes are
 * reproducible (OpenSSL with our provider; a FUZZ build of the others),
 * 0 when they come from the kernel (a plain BoringSSL or AWS-LC): then
 * tickets differ from run to run, but outcomes do not.
 */
int tl_tlslib_deterministic(void);

#endif
