/*
 * tl_example_nginx.c - a ticketlab plug-in with nginx's ticket keys.
 *
 * The key callback follows ngx_ssl_session_ticket_key_callback() in nginx's
 * src/event/ngx_event_openssl.c: keys come from ssl_session_ticket_key
 * files, the first file's key encrypts, every listed key decrypts, and a
 * ticket under any key but the first is renewed (return 2). A file holds
 * exactly one key:
 *
 *     48 bytes: name (16) | AES-128 key (16) | HMAC-SHA256 key (16)
 *     80 bytes: name (16) | HMAC-SHA256 key (32) | AES-256 key (32)
 *
 * nginx rotates by reloading with a new first file, so this plug-in has no
 * tl_plugin_rotate.
 *
 * --arg: the key files, comma-separated, the encrypting one first.
 *
 *     ticketlab keygen --format nginx -o ticket.key
 *     ticketlab validate --plugin build/lib/libtl_example_nginx.so --arg ticket.key
 */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ticketlab/plugin.h"

#define MAX_KEYS 8

struct nginx_key {
    unsigned char name[16];
    unsigned char hmac[32];
    size_t hmac_len;
    unsigned char aes[32];
    size_t aes_len;
};

static struct nginx_key keys[MAX_KEYS];
static size_t n_keys;

/* One ssl_session_ticket_key file. Returns 0, or the init error code. */
static int load_key(const char *path, struct nginx_key *k)
{
    unsigned char buf[81];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL)
        return 2;   /* cannot open */
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    memcpy(k->name, buf, 16);
    if (n == 48) {
        memcpy(k->aes, buf + 16, 16);
        k->aes_len = 16;
        memcpy(k->hmac, buf + 32, 16);
        k->hmac_len = 16;
    } else if (n == 80) {
        memcpy(k->hmac, buf + 16, 32);
        k->hmac_len = 32;
        memcpy(k->aes, buf + 48, 32);
        k->aes_len = 32;
    } else {
        OPENSSL_cleanse(buf, sizeof(buf));
        return 3;   /* "must be 48 or 80 bytes" */
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    return 0;
}

int tl_plugin_init(const char *arg)
{
    char list[4096], *save = NULL, *path;

    if (arg == NULL || strlen(arg) >= sizeof(list))
        return 1;   /* --arg KEYFILE[,KEYFILE...] is required */
    strcpy(list, arg);
    for (path = strtok_r(list, ",", &save); path; path = strtok_r(NULL, ",", &save)) {
        int rc;

        if (n_keys == MAX_KEYS)
            return 4;
        if ((rc = load_key(path, &keys[n_keys])) != 0)
            return rc;
        n_keys++;
    }
    return n_keys > 0 ? 0 : 1;
}

static const EVP_CIPHER *cipher_of(const struct nginx_key *k)
{
    return k->aes_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
}

static int init_mac(EVP_MAC_CTX *hctx, const struct nginx_key *k)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end()
    };

    return EVP_MAC_init(hctx, k->hmac, k->hmac_len, params);
}

int tl_plugin_ticket_key_evp_cb(SSL *s, unsigned char key_name[16], unsigned char *iv,
                                EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *hctx, int enc)
{
    (void)s;
    if (n_keys == 0)
        return -1;
    if (enc == 1) {
        const EVP_CIPHER *cipher = cipher_of(&keys[0]);

        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(cipher)) != 1
            || EVP_EncryptInit_ex(ctx, cipher, NULL, keys[0].aes, iv) != 1
            || init_mac(hctx, &keys[0]) != 1)
            return -1;
        memcpy(key_name, keys[0].name, 16);
        return 1;
    }
    for (size_t i = 0; i < n_keys; i++) {
        if (CRYPTO_memcmp(key_name, keys[i].name, 16) != 0)
            continue;
        if (init_mac(hctx, &keys[i]) != 1
            || EVP_DecryptInit_ex(ctx, cipher_of(&keys[i]), NULL, keys[i].aes, iv) != 1)
            return -1;
        return i == 0 ? 1 : 2;
    }
    return 0;   /* "ssl session ticket decrypt: key not found": full handshake */
}
