/*
 * keyhunt.c - confirm candidate ticket keys against a plug-in's own
 * contexts; see keyhunt.h.
 */
#define OPENSSL_SUPPRESS_DEPRECATED   /* HMAC_CTX copies for the legacy callback */
#include "keyhunt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include "ossl_compat.h"
#if TL_TLSLIB_OPENSSL
#include <openssl/core_names.h>
#endif

#define HUNT_MAX (4u << 20)

static const unsigned char probe_msg[32] = "ticketlab: whose key is this?..";

/* E_k(IV) from a copy of the plug-in's CBC encryption context. */
static int cipher_sample(tl_key_oracle *o, const EVP_CIPHER_CTX *cipher, tl_error *err)
{
    static const unsigned char zero[16];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl = 0, rc = -1;

    if (c == NULL || !EVP_CIPHER_CTX_copy(c, cipher) || !EVP_CIPHER_CTX_set_padding(c, 0)
        || !EVP_EncryptUpdate(c, o->aes_of_iv, &outl, zero, sizeof(zero)) || outl != 16)
        tl_error_set_ssl(err, "cannot copy the plug-in's cipher context");
    else
        rc = 0;
    EVP_CIPHER_CTX_free(c);
    return rc;
}

/* The plug-in's MAC of probe_msg, from a copy of its MAC context. */
static int mac_sample(tl_key_oracle *o, const EVP_MAC_CTX *mac, void *legacy, tl_error *err)
{
    if (mac != NULL) {
#if !TL_TLSLIB_OPENSSL
        return tl_error_set(err, "%s", tl_tlslib_lacks(TL_API_EVP_KEY_CB));
#else
        EVP_MAC_CTX *m = EVP_MAC_CTX_dup(mac);
        size_t outl = 0;
        int ok = m != NULL && EVP_MAC_update(m, probe_msg, sizeof(probe_msg))
                 && EVP_MAC_final(m, o->mac_of_probe, &outl, sizeof(o->mac_of_probe));

        EVP_MAC_CTX_free(m);
        if (!ok)
            return tl_error_set_ssl(err, "cannot copy the plug-in's MAC context");
        o->mac_len = outl;
        return 0;
#endif
    } else {
        HMAC_CTX *h = HMAC_CTX_new();
        unsigned int outl = 0;
        int ok = h != NULL && HMAC_CTX_copy(h, legacy)
                 && HMAC_Update(h, probe_msg, sizeof(probe_msg))
                 && HMAC_Final(h, o->mac_of_probe, &outl);

        HMAC_CTX_free(h);
        if (!ok)
            return tl_error_set_ssl(err, "cannot copy the plug-in's HMAC_CTX");
        o->mac_len = outl;
        return 0;
    }
}

/* Scratch contexts for candidates: HMAC-SHA256 and the cipher's ECB twin. */
static int scratch(tl_key_oracle *o, tl_error *err)
{
#if !TL_TLSLIB_OPENSSL
    /* BoringSSL and AWS-LC: HMAC() one-shots (tl_key_oracle_is_hmac). */
    o->ecb = (EVP_CIPHER *)(o->aes_len == 16 ? EVP_aes_128_ecb()
                            : o->aes_len == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb());
    o->scratch_cipher = EVP_CIPHER_CTX_new();
    if (o->scratch_cipher == NULL)
        return tl_error_set(err, "out of memory");
    return 0;
#else
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    char ecb[32];
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end()
    };

    snprintf(ecb, sizeof(ecb), "AES-%zu-ECB", o->aes_len * 8);
    o->scratch_mac = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    EVP_MAC_free(hmac);
    o->ecb = EVP_CIPHER_fetch(NULL, ecb, NULL);
    o->scratch_cipher = EVP_CIPHER_CTX_new();
    if (o->scratch_mac == NULL || o->ecb == NULL || o->scratch_cipher == NULL
        || !EVP_MAC_CTX_set_params(o->scratch_mac, params))
        return tl_error_set_ssl(err, "OpenSSL has no HMAC-SHA256 or %s", ecb);
    return 0;
#endif
}

int tl_key_oracle_take(tl_key_oracle *o, const EVP_CIPHER_CTX *cipher, const unsigned char *iv,
                       const EVP_MAC_CTX *mac, void *legacy_hmac, tl_error *err)
{
    const EVP_CIPHER *c = EVP_CIPHER_CTX_get0_cipher(cipher);
    int klen = EVP_CIPHER_CTX_get_key_length(cipher), ivlen = EVP_CIPHER_CTX_get_iv_length(cipher);

    memset(o, 0, sizeof(*o));
    snprintf(o->cipher, sizeof(o->cipher), "%s", c ? EVP_CIPHER_get0_name(c) : "unknown");
    if (klen <= 0 || ivlen < 0)
        return tl_error_set(err, "the plug-in's cipher context has no key length");
    o->aes_len = (size_t)klen;
    o->iv_len = (size_t)ivlen;
    if (EVP_CIPHER_CTX_get_mode(cipher) != EVP_CIPH_CBC_MODE || strncmp(o->cipher, "AES", 3) != 0
        || (klen != 16 && klen != 24 && klen != 32) || ivlen != 16)
        return tl_error_set(err, "the plug-in encrypts tickets with %s, not AES-CBC", o->cipher);
    if (!EVP_CIPHER_CTX_is_encrypting(cipher))
        return tl_error_set(err, "the plug-in's cipher context is not set up for encryption");
    memcpy(o->iv, iv, 16);
    if (cipher_sample(o, cipher, err) != 0 || mac_sample(o, mac, legacy_hmac, err) != 0
        || scratch(o, err) != 0) {
        tl_key_oracle_clear(o);
        return -1;
    }
    o->ready = 1;
    return 0;
}

void tl_key_oracle_clear(tl_key_oracle *o)
{
    EVP_CIPHER_CTX_free(o->scratch_cipher);
#if TL_TLSLIB_OPENSSL
    EVP_MAC_CTX_free(o->scratch_mac);
    EVP_CIPHER_free(o->ecb);
#endif
    memset(o, 0, sizeof(*o));
}

int tl_key_oracle_is_aes(tl_key_oracle *o, const unsigned char *key)
{
    unsigned char out[32];
    int outl = 0;

    if (o->scratch_cipher == NULL
        || !EVP_EncryptInit_ex(o->scratch_cipher, o->ecb, NULL, key, NULL)
        || !EVP_CIPHER_CTX_set_padding(o->scratch_cipher, 0)
        || !EVP_EncryptUpdate(o->scratch_cipher, out, &outl, o->iv, 16) || outl != 16)
        return 0;
    return CRYPTO_memcmp(out, o->aes_of_iv, 16) == 0;
}

int tl_key_oracle_is_hmac(tl_key_oracle *o, const unsigned char *key, size_t len)
{
    unsigned char out[64];
#if !TL_TLSLIB_OPENSSL
    unsigned int outl = 0;

    if (o->mac_len != 32 || HMAC(EVP_sha256(), key, len, probe_msg, sizeof(probe_msg), out, &outl) == NULL
        || outl != 32)
        return 0;
#else
    size_t outl = 0;

    if (o->scratch_mac == NULL || o->mac_len != 32
        || !EVP_MAC_init(o->scratch_mac, key, len, NULL)
        || !EVP_MAC_update(o->scratch_mac, probe_msg, sizeof(probe_msg))
        || !EVP_MAC_final(o->scratch_mac, out, &outl, sizeof(out)) || outl != 32)
        return 0;
#endif
    return CRYPTO_memcmp(out, o->mac_of_probe, 32) == 0;
}

/*
 * Copy a plug-in's segment byte by byte. Under AddressSanitizer the
 * plug-in's globals are separated by poisoned red zones that are still
 * ordinary mapped memory: reading them is fine, but must not be checked.
 */
#if defined(__clang__) || defined(__GNUC__)
__attribute__((no_sanitize_address))
#endif
static void copy_raw(unsigned char *dst, const unsigned char *src, size_t n)
{
    const volatile unsigned char *s = src;

    for (size_t i = 0; i < n; i++)
        dst[i] = s[i];
}

static int all_same(const unsigned char *p, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (p[i] != p[0])
            return 0;
    return 1;
}

static void keep(tl_key_found *f, const unsigned char *p, size_t len, int writable)
{
    f->found = 1;
    memcpy(f->key, p, len);
    f->len = len;
    f->writable = writable;
}

void tl_key_hunt(tl_key_oracle *o, const tl_plugin_segment *segs, size_t n,
                 tl_key_found *aes, tl_key_found *hmac)
{
    size_t budget = HUNT_MAX;

    memset(aes, 0, sizeof(*aes));
    memset(hmac, 0, sizeof(*hmac));
    if (!o->ready)
        return;
    for (size_t s = 0; s < n && !(aes->found && hmac->found); s++) {
        size_t len = segs[s].len < budget ? segs[s].len : budget;
        unsigned char *buf = len >= 16 ? malloc(len) : NULL;

        if (buf == NULL)
            continue;
        budget -= len;
        copy_raw(buf, segs[s].addr, len);
        for (size_t off = 0; off + 16 <= len && !(aes->found && hmac->found); off++) {
            const unsigned char *w = buf + off;
            size_t room = len - off;

            /* Constant keys are the codec check's business (keys.constant). */
            if (all_same(w, 16))
                continue;
            if (!aes->found && room >= o->aes_len && tl_key_oracle_is_aes(o, w))
                keep(aes, w, o->aes_len, segs[s].writable);
            if (!hmac->found && tl_key_oracle_is_hmac(o, w, 16))
                keep(hmac, w, 16, segs[s].writable);
            else if (!hmac->found && room >= 32 && tl_key_oracle_is_hmac(o, w, 32))
                keep(hmac, w, 32, segs[s].writable);
        }
        OPENSSL_cleanse(buf, len);
        free(buf);
    }
}
