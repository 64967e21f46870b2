/*
 * rng_provider.c - OpenSSL 3 only: a deterministic RAND provider and the
 * library context that uses it.
 *
 * The provider offers one RAND algorithm, "TL-DRBG". RAND_set_DRBG_type()
 * makes it the primary, public and private DRBG of our own OSSL_LIB_CTX, so
 * every draw OpenSSL makes inside that context reads the harness's stream
 * (rng.c). BoringSSL and AWS-LC have no providers: see tlslib_boring.c.
 */
#include "ticketlab/rng.h"

#include <string.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#define TL_RAND_ALG "TL-DRBG"
#define TL_RAND_PROVIDER "ticketlab-rand"

/* ---- the provider ------------------------------------------------------ */

/* One context per DRBG instance; all of them read the shared stream. */
typedef struct {
    int state;
} tl_rand_ctx;

static void *rand_newctx(void *provctx, void *parent,
                         const OSSL_DISPATCH *parent_calls)
{
    tl_rand_ctx *c = OPENSSL_zalloc(sizeof(*c));

    if (c != NULL)
        c->state = EVP_RAND_STATE_UNINITIALISED;
    return c;
}

static void rand_freectx(void *vctx)
{
    OPENSSL_free(vctx);
}

static int rand_instantiate(void *vctx, unsigned int strength,
                            int prediction_resistance,
                            const unsigned char *pstr, size_t pstr_len,
                            const OSSL_PARAM params[])
{
    ((tl_rand_ctx *)vctx)->state = EVP_RAND_STATE_READY;
    return 1;
}

static int rand_uninstantiate(void *vctx)
{
    ((tl_rand_ctx *)vctx)->state = EVP_RAND_STATE_UNINITIALISED;
    return 1;
}

static int rand_generate(void *vctx, unsigned char *out, size_t outlen,
                         unsigned int strength, int prediction_resistance,
                         const unsigned char *adin, size_t adin_len)
{
    tl_rng_bytes(out, outlen);
    return 1;
}

static int rand_reseed(void *vctx, int prediction_resistance,
                       const unsigned char *ent, size_t ent_len,
                       const unsigned char *adin, size_t adin_len)
{
    return 1;   /* the stream is reset only by tl_rng_seed() */
}

static int rand_enable_locking(void *vctx)
{
    return 1;
}

static int rand_lock(void *vctx)
{
    return 1;
}

static void rand_unlock(void *vctx)
{
}

static size_t rand_get_seed(void *vctx, unsigned char **pout, int entropy,
                            size_t min_len, size_t max_len,
                            int prediction_resistance,
                            const unsigned char *adin, size_t adin_len)
{
    unsigned char *buf = OPENSSL_malloc(min_len ? min_len : 1);

    if (buf == NULL)
        return 0;
    tl_rng_bytes(buf, min_len);
    *pout = buf;
    return min_len;
}

static void rand_clear_seed(void *vctx, unsigned char *out, size_t outlen)
{
    OPENSSL_free(out);
}

static const OSSL_PARAM *rand_gettable_ctx_params(void *vctx, void *provctx)
{
    static const OSSL_PARAM known[] = {
        OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
        OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
        OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
        OSSL_PARAM_END
    };
    return known;
}

static int rand_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    tl_rand_ctx *c = vctx;
    OSSL_PARAM *p;

    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE);
    if (p != NULL && !OSSL_PARAM_set_int(p, c->state))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH);
    if (p != NULL && !OSSL_PARAM_set_uint(p, 256))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST);
    if (p != NULL && !OSSL_PARAM_set_size_t(p, (size_t)1 << 16))
        return 0;
    return 1;
}

static const OSSL_PARAM *rand_settable_ctx_params(void *vctx, void *provctx)
{
    static const OSSL_PARAM known[] = {
        OSSL_PARAM_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, NULL),
        OSSL_PARAM_uint64(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL, NULL),
        OSSL_PARAM_END
    };
    return known;
}

static int rand_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    return 1;   /* reseed intervals mean nothing to a fixed stream */
}

static const OSSL_DISPATCH rand_functions[] = {
    { OSSL_FUNC_RAND_NEWCTX, (void (*)(void))rand_newctx },
    { OSSL_FUNC_RAND_FREECTX, (void (*)(void))rand_freectx },
    { OSSL_FUNC_RAND_INSTANTIATE, (void (*)(void))rand_instantiate },
    { OSSL_FUNC_RAND_UNINSTANTIATE, (void (*)(void))rand_uninstantiate },
    { OSSL_FUNC_RAND_GENERATE, (void (*)(void))rand_generate },
    { OSSL_FUNC_RAND_RESEED, (void (*)(void))rand_reseed },
    { OSSL_FUNC_RAND_ENABLE_LOCKING, (void (*)(void))rand_enable_locking },
    { OSSL_FUNC_RAND_LOCK, (void (*)(void))rand_lock },
    { OSSL_FUNC_RAND_UNLOCK, (void (*)(void))rand_unlock },
    { OSSL_FUNC_RAND_GET_SEED, (void (*)(void))rand_get_seed },
    { OSSL_FUNC_RAND_CLEAR_SEED, (void (*)(void))rand_clear_seed },
    { OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (void (*)(void))rand_gettable_ctx_params },
    { OSSL_FUNC_RAND_GET_CTX_PARAMS, (void (*)(void))rand_get_ctx_params },
    { OSSL_FUNC_RAND_SETTABLE_CTX_PARAMS, (void (*)(void))rand_settable_ctx_params },
    { OSSL_FUNC_RAND_SET_CTX_PARAMS, (void (*)(void))rand_set_ctx_params },
    { 0, NULL }
};

static const OSSL_ALGORITHM rand_algorithms[] = {
    { TL_RAND_ALG, "provider=" TL_RAND_PROVIDER, rand_functions,
      "ticketlab deterministic stream" },
    { NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *prov_query(void *provctx, int operation_id,
                                        int *no_cache)
{
    *no_cache = 0;
    return operation_id == OSSL_OP_RAND ? rand_algorithms : NULL;
}

static const OSSL_DISPATCH prov_functions[] = {
    { OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))prov_query },
    { 0, NULL }
};

static int prov_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                     const OSSL_DISPATCH **out, void **provctx)
{
    *out = prov_functions;
    *provctx = (void *)handle;
    return 1;
}

/* ---- the library context ------------------------------------------------ */

static OSSL_LIB_CTX *libctx;

OSSL_LIB_CTX *tl_libctx(tl_error *err)
{
    OSSL_LIB_CTX *ctx;

    if (libctx != NULL)
        return libctx;
    if (tl_rng_drawn() == 0)
        tl_rng_bytes(NULL, 0);   /* seeds the stream (seed 0) if nobody has */
    ctx = OSSL_LIB_CTX_new();
    if (ctx == NULL)
        return tl_error_set_ssl(err, "cannot create an OpenSSL library context"), NULL;
    if (!OSSL_PROVIDER_add_builtin(ctx, TL_RAND_PROVIDER, prov_init)
        || OSSL_PROVIDER_load(ctx, TL_RAND_PROVIDER) == NULL
        || OSSL_PROVIDER_load(ctx, "default") == NULL) {
        tl_error_set_ssl(err, "cannot load the default and ticketlab-rand providers");
        OSSL_LIB_CTX_free(ctx);
        return NULL;
    }
    /* Must happen before anything draws from this context. */
    if (!RAND_set_DRBG_type(ctx, TL_RAND_ALG, "provider=" TL_RAND_PROVIDER,
                            NULL, NULL)) {
        tl_error_set_ssl(err, "OpenSSL refused the deterministic DRBG");
        OSSL_LIB_CTX_free(ctx);
        return NULL;
    }
    libctx = ctx;
    return libctx;
}
