/*
 * tlslib_openssl.c - the seam (tlslib.h) for OpenSSL 3.x: every ticket API
 * is there; determinism comes from the RAND provider's library context
 * (rng_provider.c) and from time()/gettimeofday() interposed (clock.c).
 */
#include "ticketlab/tlslib.h"

#include <openssl/crypto.h>

#include "ticketlab/rng.h"

tl_tlslib_kind tl_tlslib_which(void)
{
    return TL_TLSLIB_KIND_OPENSSL;
}

const char *tl_tlslib_name(void)
{
    return "OpenSSL";
}

const char *tl_tlslib_key(void)
{
    return "openssl";
}

const char *tl_tlslib_describe(void)
{
    const char *v = OpenSSL_version(OPENSSL_VERSION);

    return v != NULL ? v : "OpenSSL (unknown version)";
}

const char *tl_tlslib_lacks(tl_tlslib_api api)
{
    switch (api) {
    case TL_API_TICKET_AEAD:
        return "OpenSSL has no SSL_CTX_set_ticket_aead_method";
    case TL_API_TIME_CB:
        return "OpenSSL has no SSL_CTX_set_current_time_cb";
    case TL_API_LEGACY_KEY_CB:
#ifdef OPENSSL_NO_DEPRECATED_3_0
        return "this OpenSSL was built without the deprecated SSL_CTX_set_tlsext_ticket_key_cb";
#else
        return NULL;
#endif
    default:
        return NULL;
    }
}

SSL_CTX *tl_tlslib_ctx_new(const SSL_METHOD *method, tl_error *err)
{
    OSSL_LIB_CTX *lib = tl_libctx(err);
    SSL_CTX *ctx;

    if (lib == NULL)
        return NULL;
    ctx = SSL_CTX_new_ex(lib, NULL, method);
    if (ctx == NULL)
        tl_error_set_ssl(err, "SSL_CTX_new_ex failed");
    return ctx;
}

void tl_tlslib_rng_reset(void)
{
}

int tl_tlslib_deterministic(void)
{
    return 1;
}
