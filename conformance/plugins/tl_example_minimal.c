/*
 * tl_example_minimal.c - the smallest correct ticket key callback.
 *
 * One random key, made at load time: AES-256-CBC and an independent 32-byte
 * HMAC-SHA256 key, under a random name. Unknown names return 0. No
 * rotation: the key lives as long as the process, which is what a server
 * that never rotates does (validate reports rotation as not checked).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ticketlab/plugin.h"

static unsigned char name[16], aes_key[32], hmac_key[32];

int tl_plugin_init(const char *arg)
{
    (void)arg;
    return RAND_bytes(name, 16) == 1 && RAND_priv_bytes(aes_key, 32) == 1
           && RAND_priv_bytes(hmac_key, 32) == 1 ? 0 : 1;
}

int tl_plugin_ticket_key_evp_cb(SSL *s, unsigned char key_name[16], unsigned char *iv,
                                EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *hctx, int enc)
{
    OSSL_PARAM sha256[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                            OSSL_PARAM_construct_end() };

    if (enc) {
        memcpy(key_name, name, 16);
        if (RAND_bytes(iv, 16) != 1 || !EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, aes_key, iv))
            return -1;
    } else {
        if (CRYPTO_memcmp(key_name, name, 16) != 0)
            return 0;                          /* not our key: a full handshake */
        if (!EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, aes_key, iv))
            return -1;
    }
    return EVP_MAC_init(hctx, hmac_key, 32, sha256) ? 1 : -1;
}
