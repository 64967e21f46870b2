/* aead_method.c - the issuer's ticket AEAD method; see aead_method.h. */
#include "aead_method.h"

#include <string.h>

#include "ticketlab/policy.h"
#include "ticketlab/rng.h"
#include "ticketlab/tlslib.h"

#if TL_TLSLIB_OPENSSL

int tl_aead_install(SSL_CTX *ctx, tl_issuer *iss, tl_error *err)
{
    (void)ctx;
    (void)iss;
    return tl_error_set(err, "%s", tl_tlslib_lacks(TL_API_TICKET_AEAD));
}

#else

#include <openssl/aead.h>
#include <openssl/err.h>

#define NAME_LEN 16
#define NONCE_LEN 12
#define TAG_LEN 16

static void log_call(tl_issuer *iss, tl_event_kind kind, const uint8_t *name, int ret)
{
    tl_event ev = { .kind = kind, .handshake = iss->handshake, .ret = ret, .key_name_len = 16 };

    if (name != NULL)
        memcpy(ev.key_name, name, NAME_LEN);
    if (iss->log != NULL && tl_event_log_add(iss->log, &ev) != 0)
        snprintf(iss->last_error, sizeof(iss->last_error), "event log: out of memory");
}

/* One AES-256-GCM operation under key (32 bytes): seal (enc) or open. */
static int gcm(const tl_key *key, int enc, const uint8_t *nonce, const uint8_t *ad,
               uint8_t *out, size_t *out_len, size_t max_out, const uint8_t *in, size_t in_len)
{
    EVP_AEAD_CTX ctx;
    int ok;

    if (key->aes_len != 32
        || !EVP_AEAD_CTX_init(&ctx, EVP_aead_aes_256_gcm(), key->aes, 32, TAG_LEN, NULL))
        return 0;
    ok = enc ? EVP_AEAD_CTX_seal(&ctx, out, out_len, max_out, nonce, NONCE_LEN, in, in_len, ad, NAME_LEN)
             : EVP_AEAD_CTX_open(&ctx, out, out_len, max_out, nonce, NONCE_LEN, in, in_len, ad, NAME_LEN);
    EVP_AEAD_CTX_cleanup(&ctx);
    return ok;
}

static size_t max_overhead(SSL *ssl)
{
    tl_issuer *iss = tl_issuer_from_ssl(ssl);

    if (iss == NULL || iss->policy == NULL || iss->policy->aead_overhead == TL_NATURAL)
        return TL_AEAD_OVERHEAD;
    return (size_t)iss->policy->aead_overhead;
}

static int seal(SSL *ssl, uint8_t *out, size_t *out_len, size_t max_out, const uint8_t *in, size_t in_len)
{
    tl_issuer *iss = tl_issuer_from_ssl(ssl);
    const tl_key *key;
    int want, ok = 0;
    size_t ct_len = 0;

    if (iss == NULL)
        return 0;
    want = tl_issuer_scripted(iss, 1);
    key = iss->keyring ? tl_keyring_current(iss->keyring) : NULL;
    if (want != 0 && key != NULL && max_out >= in_len + TL_AEAD_OVERHEAD) {
        memcpy(out, key->name, NAME_LEN);
        tl_rng_bytes(out + NAME_LEN, NONCE_LEN);
        ok = gcm(key, 1, out + NAME_LEN, out, out + NAME_LEN + NONCE_LEN, &ct_len,
                 max_out - NAME_LEN - NONCE_LEN, in, in_len);
        *out_len = NAME_LEN + NONCE_LEN + ct_len;
    }
    if (!ok && want != 0)
        snprintf(iss->last_error, sizeof(iss->last_error),
                 key == NULL ? "seal: no live key" : "seal: %zu bytes of room for %zu (max_overhead too small?)",
                 max_out, in_len + TL_AEAD_OVERHEAD);
    log_call(iss, TL_EV_AEAD_SEAL, key ? key->name : NULL, ok);
    return ok;
}

static enum ssl_ticket_aead_result_t open_ticket(SSL *ssl, uint8_t *out, size_t *out_len, size_t max_out,
                                                 const uint8_t *in, size_t in_len)
{
    tl_issuer *iss = tl_issuer_from_ssl(ssl);
    const tl_key *key = NULL;
    int want, ret = TL_AEAD_IGNORE, newest = 0;

    if (iss == NULL)
        return ssl_ticket_aead_error;
    want = tl_issuer_scripted(iss, 0);
    if (in_len >= NAME_LEN && iss->keyring != NULL)
        key = tl_keyring_find(iss->keyring, in, &newest);
    if (want == TL_AEAD_RETRY || want == TL_AEAD_IGNORE || want == TL_AEAD_ERROR)
        ret = want;
    else if (key != NULL && in_len >= NAME_LEN + NONCE_LEN + TAG_LEN
             && gcm(key, 0, in + NAME_LEN, in, out, out_len, max_out, in + NAME_LEN + NONCE_LEN,
                    in_len - NAME_LEN - NONCE_LEN))
        ret = TL_AEAD_SUCCESS;
    else
        ERR_clear_error();   /* a failed tag: the library does not clear it, and
                              * SSL_get_error() would then report SSL_ERROR_SSL */
    log_call(iss, TL_EV_AEAD_OPEN, in_len >= NAME_LEN ? in : NULL, ret);
    switch (ret) {
    case TL_AEAD_SUCCESS: return ssl_ticket_aead_success;
    case TL_AEAD_RETRY: return ssl_ticket_aead_retry;
    case TL_AEAD_ERROR: return ssl_ticket_aead_error;
    default: return ssl_ticket_aead_ignore_ticket;
    }
}

static const SSL_TICKET_AEAD_METHOD method = {
    .max_overhead = max_overhead,
    .seal = seal,
    .open = open_ticket,
};

int tl_aead_install(SSL_CTX *ctx, tl_issuer *iss, tl_error *err)
{
    (void)iss;
    (void)err;
    SSL_CTX_set_ticket_aead_method(ctx, &method);
    return 0;
}

#endif
