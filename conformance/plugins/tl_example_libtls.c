/*
 * tl_example_libtls.c - a ticketlab plug-in with libtls's ticket key rules.
 *
 * The key callback follows OpenBSD libtls (tls_server_ticket_cb in
 * lib/libtls/tls_server.c, and tls_config_ticket_autorekey):
 *
 *   - 4 key slots, newest first; a key is AES-256 (32 bytes) then an
 *     HMAC-SHA256 key (16 bytes), named htonl(revision) then 12 zero bytes;
 *   - the newest key encrypts; a new random key is made once the newest is
 *     older than 3/4 of the session lifetime (and on tl_plugin_rotate());
 *   - a key older than the session lifetime is retired: it neither
 *     encrypts nor decrypts;
 *   - decrypting with a key that is not the newest returns 2 (renew).
 *
 * On top of that, the way an application would: the generate callback tags
 * every ticket with app data naming the ticket format, and the decrypt
 * callback only resumes tickets that carry the tag.
 *
 * --arg: the session lifetime in seconds (default 7200, libtls's default).
 *
 *     ticketlab validate --plugin build/lib/libtl_example_libtls.so --arg 7200
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ticketlab/plugin.h"

#define SLOTS 4
#define AES_LEN 32
#define HMAC_LEN 16
#define DEFAULT_LIFETIME 7200

struct ticket_key {
    unsigned char name[16];
    unsigned char aes[AES_LEN];
    unsigned char hmac[HMAC_LEN];
    time_t created;
    int used;
};

static struct ticket_key keys[SLOTS];   /* keys[0] is the newest */
static uint32_t next_revision = 1;
static long lifetime = DEFAULT_LIFETIME;

static const unsigned char app_tag[] = "example-libtls/1";

/* A fresh random key becomes the newest; the oldest falls off. */
static int add_key(void)
{
    struct ticket_key k;

    memset(&k, 0, sizeof(k));
    k.name[0] = (unsigned char)(next_revision >> 24);
    k.name[1] = (unsigned char)(next_revision >> 16);
    k.name[2] = (unsigned char)(next_revision >> 8);
    k.name[3] = (unsigned char)next_revision;
    if (RAND_priv_bytes(k.aes, sizeof(k.aes)) != 1 || RAND_priv_bytes(k.hmac, sizeof(k.hmac)) != 1)
        return -1;
    k.created = time(NULL);
    k.used = 1;
    OPENSSL_cleanse(&keys[SLOTS - 1], sizeof(keys[SLOTS - 1]));
    memmove(&keys[1], &keys[0], sizeof(keys[0]) * (SLOTS - 1));
    keys[0] = k;
    OPENSSL_cleanse(&k, sizeof(k));
    next_revision++;
    return 0;
}

static int retired(const struct ticket_key *k, time_t now)
{
    return !k->used || now - lifetime > k->created;
}

int tl_plugin_init(const char *arg)
{
    if (arg != NULL) {
        char *end;

        lifetime = strtol(arg, &end, 10);
        if (*arg == '\0' || *end != '\0' || lifetime <= 0)
            return 1;   /* not a number of seconds */
    }
    return add_key() == 0 ? 0 : 2;
}

int tl_plugin_rotate(void)
{
    return add_key();
}

/* HMAC-SHA256 with the key's 16-byte HMAC key. */
static int init_mac(EVP_MAC_CTX *hctx, const struct ticket_key *k)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end()
    };

    return EVP_MAC_init(hctx, k->hmac, sizeof(k->hmac), params);
}

int tl_plugin_ticket_key_evp_cb(SSL *s, unsigned char key_name[16], unsigned char *iv,
                                EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *hctx, int enc)
{
    time_t now = time(NULL);

    (void)s;
    if (enc) {
        /* libtls rekeys when the newest key is 3/4 of a lifetime old. */
        if (now - 3 * (lifetime / 4) > keys[0].created && add_key() != 0)
            return -1;
        if (retired(&keys[0], now) || RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1)
            return -1;
        memcpy(key_name, keys[0].name, 16);
        if (!EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, keys[0].aes, iv)
            || !init_mac(hctx, &keys[0]))
            return -1;
        return 1;
    }
    for (int i = 0; i < SLOTS; i++) {
        if (retired(&keys[i], now) || CRYPTO_memcmp(key_name, keys[i].name, 16) != 0)
            continue;
        if (!EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, keys[i].aes, iv)
            || !init_mac(hctx, &keys[i]))
            return -1;
        return i == 0 ? 1 : 2;
    }
    return 0;   /* unknown or retired: a full handshake, never an error */
}

int tl_plugin_generate_session_ticket_cb(SSL *s, void *arg)
{
    SSL_SESSION *sess = SSL_get0_session(s);

    (void)arg;
    return sess != NULL && SSL_SESSION_set1_ticket_appdata(sess, app_tag, sizeof(app_tag));
}

SSL_TICKET_RETURN tl_plugin_decrypt_session_ticket_cb(SSL *s, SSL_SESSION *ss,
                                                      const unsigned char *keyname,
                                                      size_t keyname_length,
                                                      SSL_TICKET_STATUS status, void *arg)
{
    void *data = NULL;
    size_t len = 0;

    (void)s, (void)keyname, (void)keyname_length, (void)arg;
    if (status != SSL_TICKET_SUCCESS && status != SSL_TICKET_SUCCESS_RENEW)
        return SSL_TICKET_RETURN_IGNORE_RENEW;   /* EMPTY, NO_DECRYPT: OpenSSL's defaults */
    if (!SSL_SESSION_get0_ticket_appdata(ss, &data, &len) || len != sizeof(app_tag)
        || memcmp(data, app_tag, len) != 0)
        return SSL_TICKET_RETURN_IGNORE_RENEW;   /* not one of ours: full handshake, new ticket */
    return status == SSL_TICKET_SUCCESS_RENEW ? SSL_TICKET_RETURN_USE_RENEW : SSL_TICKET_RETURN_USE;
}
