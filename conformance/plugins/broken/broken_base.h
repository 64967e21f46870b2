/*
 * broken_base.h - the plug-in every broken_*.c is made of: a correct,
 * rotating key callback and decrypt callback, with exactly one flaw turned
 * on by the including file. `ticketlab validate` must fail each of them on
 * the check named in its file (two flaws are warnings by the rules).
 *
 *   FLAW_ENC_RETURNS_0       returns 0 instead of 1 after setting up encryption
 *   FLAW_NEVER_RENEW         returns 1 instead of 2 for tickets under old keys
 *   FLAW_NEVER_RETIRE        keeps every key it ever had
 *   FLAW_ZERO_KEY            AES and HMAC keys are all zeros
 *   FLAW_CONSTANT_IV         the same IV for every ticket
 *   FLAW_UNKNOWN_MINUS1      returns -1 for an unknown key name
 *   FLAW_UNKNOWN_ACCEPTS     returns 1 for an unknown key name (uses the current key)
 *   FLAW_SAME_AES_HMAC       the HMAC key is the AES key
 *   FLAW_USE_ON_NO_DECRYPT   the decrypt callback returns USE on NO_DECRYPT
 *   FLAW_IGNORE_ON_EMPTY     the decrypt callback returns IGNORE on EMPTY
 *
 * Test fixtures, not examples: never copy them.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ticketlab/plugin.h"

#ifdef FLAW_NEVER_RETIRE
#define KEPT 64            /* "we'll never need more" */
#else
#define KEPT 3
#endif

struct bkey {
    unsigned char name[16];
    unsigned char aes[32];
    unsigned char hmac[32];
};

static struct bkey ring[KEPT];  /* ring[0] encrypts */
static int n_ring;
static unsigned int revision;

static int new_key(void)
{
    struct bkey k;

    memset(&k, 0, sizeof(k));
    memcpy(k.name, "broken-key-rev", 14);
    k.name[14] = (unsigned char)(revision >> 8);
    k.name[15] = (unsigned char)revision;
    revision++;
#ifndef FLAW_ZERO_KEY
    if (RAND_priv_bytes(k.aes, 32) != 1 || RAND_priv_bytes(k.hmac, 32) != 1)
        return 1;
#endif
#ifdef FLAW_SAME_AES_HMAC
    memcpy(k.hmac, k.aes, 32);
#endif
    memmove(&ring[1], &ring[0], sizeof(ring[0]) * (KEPT - 1));
    ring[0] = k;
    if (n_ring < KEPT)
        n_ring++;
    return 0;
}

int tl_plugin_init(const char *arg)
{
    (void)arg;
    return new_key();
}

int tl_plugin_rotate(void)
{
    return new_key();
}

static int keys_into(const struct bkey *k, EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *hctx,
                     const unsigned char *iv, int enc)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end()
    };

    if (!EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, k->aes, iv, enc))
        return 0;
    return EVP_MAC_init(hctx, k->hmac, 32, params);
}

int tl_plugin_ticket_key_evp_cb(SSL *s, unsigned char key_name[16], unsigned char *iv,
                                EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *hctx, int enc)
{
    (void)s;
    if (enc) {
#ifdef FLAW_CONSTANT_IV
        memcpy(iv, "0123456789abcdef", 16);
#else
        if (RAND_bytes(iv, 16) != 1)
            return -1;
#endif
        memcpy(key_name, ring[0].name, 16);
        if (!keys_into(&ring[0], ctx, hctx, iv, 1))
            return -1;
#ifdef FLAW_ENC_RETURNS_0
        return 0;
#else
        return 1;
#endif
    }
    for (int i = 0; i < n_ring; i++) {
        if (CRYPTO_memcmp(key_name, ring[i].name, 16) != 0)
            continue;
        if (!keys_into(&ring[i], ctx, hctx, iv, 0))
            return -1;
#ifdef FLAW_NEVER_RENEW
        return 1;
#else
        return i == 0 ? 1 : 2;
#endif
    }
#if defined(FLAW_UNKNOWN_MINUS1)
    return -1;
#elif defined(FLAW_UNKNOWN_ACCEPTS)
    return keys_into(&ring[0], ctx, hctx, iv, 0) ? 1 : -1;
#else
    return 0;
#endif
}

SSL_TICKET_RETURN tl_plugin_decrypt_session_ticket_cb(SSL *s, SSL_SESSION *ss,
                                                      const unsigned char *keyname,
                                                      size_t keyname_length,
                                                      SSL_TICKET_STATUS status, void *arg)
{
    (void)s, (void)ss, (void)keyname, (void)keyname_length, (void)arg;
    switch (status) {
    case SSL_TICKET_SUCCESS:
        return SSL_TICKET_RETURN_USE;
    case SSL_TICKET_SUCCESS_RENEW:
        return SSL_TICKET_RETURN_USE_RENEW;
#ifdef FLAW_USE_ON_NO_DECRYPT
    case SSL_TICKET_NO_DECRYPT:
        return SSL_TICKET_RETURN_USE;
#endif
#ifdef FLAW_IGNORE_ON_EMPTY
    case SSL_TICKET_EMPTY:
        return SSL_TICKET_RETURN_IGNORE;
#endif
    default:
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    }
}
