/*
 * tl_example_legacy_hmac.c - a plug-in for servers that still use the
 * deprecated SSL_CTX_set_tlsext_ticket_key_cb(3), whose MAC context is an
 * HMAC_CTX (haproxy, older nginx, many in-house servers).
 *
 * Two keys, as a server that rotates by hand keeps them: the current one
 * encrypts, the previous one still decrypts and asks for a renewal.
 * tl_plugin_rotate() makes a fresh current key and drops the oldest.
 */
#define OPENSSL_SUPPRESS_DEPRECATED   /* HMAC_Init_ex, on purpose */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ticketlab/plugin.h"

#if defined(OPENSSL_IS_BORINGSSL) || defined(OPENSSL_IS_AWSLC)
#define RAND_priv_bytes RAND_bytes   /* one generator there, no private one */
#endif

static struct {
    unsigned char name[16];
    unsigned char cipher_key[32];
    unsigned char mac_key[32];
} slot[2];   /* slot[0] is current, slot[1] the previous key (all zero until a rotation) */

static int have_previous;

static int fresh_current(void)
{
    slot[1] = slot[0];
    have_previous = slot[0].name[0] != 0;
    if (RAND_bytes(slot[0].name, 16) != 1 || RAND_priv_bytes(slot[0].cipher_key, 32) != 1
        || RAND_priv_bytes(slot[0].mac_key, 32) != 1)
        return 1;
    slot[0].name[0] |= 0x80;   /* never all zero: marks the slot as used */
    return 0;
}

int tl_plugin_init(const char *arg)
{
    (void)arg;
    return fresh_current();
}

int tl_plugin_rotate(void)
{
    return fresh_current();
}

int tl_plugin_ticket_key_cb(SSL *s, unsigned char key_name[16], unsigned char *iv,
                            EVP_CIPHER_CTX *ctx, HMAC_CTX *hctx, int enc)
{
    int which;

    (void)s;
    if (enc) {
        if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1)
            return -1;
        memcpy(key_name, slot[0].name, 16);
        return EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, slot[0].cipher_key, iv)
               && HMAC_Init_ex(hctx, slot[0].mac_key, 32, EVP_sha256(), NULL) ? 1 : -1;
    }
    if (CRYPTO_memcmp(key_name, slot[0].name, 16) == 0)
        which = 0;
    else if (have_previous && CRYPTO_memcmp(key_name, slot[1].name, 16) == 0)
        which = 1;
    else
        return 0;   /* unknown: full handshake */
    if (!HMAC_Init_ex(hctx, slot[which].mac_key, 32, EVP_sha256(), NULL)
        || !EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, slot[which].cipher_key, iv))
        return -1;
    return which == 0 ? 1 : 2;
}
