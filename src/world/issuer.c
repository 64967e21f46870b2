/*
 * issuer.c - the server's ticket callbacks; see issuer.h.
 *
 * Every callback does three things: decide (from the policy, the key ring,
 * or a plug-in's own callback), act on OpenSSL's contexts the way a correct
 * server callback would for that decision, and log the call.
 */
#define OPENSSL_SUPPRESS_DEPRECATED   /* the legacy HMAC_CTX callback */
#include "ticketlab/issuer.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/hmac.h>

#include "aead_method.h"
#include "leaks.h"
#include "ossl_compat.h"
#include "ticketlab/rng.h"
#if TL_TLSLIB_OPENSSL
#include <openssl/core_names.h>
#endif

static int issuer_index = -1;

const char *tl_key_source_name(tl_key_source src)
{
    switch (src) {
    case TL_KEYS_BUILTIN: return "builtin";
    case TL_KEYS_SET_KEYS: return "set-keys";
    case TL_KEYS_EVP_CB: return "evp-cb";
    case TL_KEYS_LEGACY_CB: return "legacy-cb";
    case TL_KEYS_AEAD: return "aead";
    }
    return "unknown";
}

int tl_key_source_parse(const char *name, tl_key_source *out)
{
    static const tl_key_source all[] = { TL_KEYS_BUILTIN, TL_KEYS_SET_KEYS,
                                         TL_KEYS_EVP_CB, TL_KEYS_LEGACY_CB, TL_KEYS_AEAD };

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(name, tl_key_source_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    return -1;
}

int tl_legacy_cb_available(void)
{
#ifndef OPENSSL_NO_DEPRECATED_3_0
    return 1;
#else
    return 0;
#endif
}

int tl_issuer_bind(SSL *ssl, tl_issuer *iss)
{
    if (issuer_index < 0)
        return -1;
    return SSL_set_ex_data(ssl, issuer_index, iss) == 1 ? 0 : -1;
}

tl_issuer *tl_issuer_from_ssl(SSL *ssl)
{
    return issuer_index < 0 ? NULL : SSL_get_ex_data(ssl, issuer_index);
}

static const EVP_CIPHER *aes_cbc(size_t key_len)
{
    static EVP_CIPHER *aes128, *aes256;
    EVP_CIPHER **slot = key_len == 16 ? &aes128 : &aes256;

#if TL_TLSLIB_OPENSSL
    if (*slot == NULL)
        *slot = EVP_CIPHER_fetch(tl_libctx(NULL), key_len == 16 ? "AES-128-CBC" : "AES-256-CBC", NULL);
    return *slot;
#else
    (void)slot;
    return key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
#endif
}

static void note(tl_issuer *iss, const char *what)
{
    snprintf(iss->last_error, sizeof(iss->last_error), "%s", what);
}

/* Set up the cipher and MAC contexts for `key`, as a server callback must. */
static int load_key(tl_issuer *iss, const tl_key *key, unsigned char *iv,
                    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *mac, void *legacy_hmac,
                    int enc)
{
    const EVP_CIPHER *cipher = aes_cbc(key->aes_len);
    int ok;

    if (cipher == NULL) {
        note(iss, "OpenSSL has no AES-CBC in this library context");
        return -1;
    }
    ok = enc ? EVP_EncryptInit_ex(cctx, cipher, NULL, key->aes, iv)
             : EVP_DecryptInit_ex(cctx, cipher, NULL, key->aes, iv);
    if (!ok) {
        note(iss, "EVP cipher init failed");
        return -1;
    }
    if (mac != NULL) {
#if TL_TLSLIB_OPENSSL
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
            OSSL_PARAM_construct_end()
        };
        if (!EVP_MAC_init(mac, key->hmac, key->hmac_len, params)) {
            note(iss, "EVP_MAC_init failed");
            return -1;
        }
#else
        note(iss, "no EVP_MAC key callback on this library");
        return -1;
#endif
    } else {
#ifndef OPENSSL_NO_DEPRECATED_3_0
        if (!HMAC_Init_ex(legacy_hmac, key->hmac, (int)key->hmac_len, EVP_sha256(), NULL)) {
            note(iss, "HMAC_Init_ex failed");
            return -1;
        }
#else
        (void)legacy_hmac;
        note(iss, "legacy HMAC callback not built");
        return -1;
#endif
    }
    return 0;
}

int tl_issuer_scripted(tl_issuer *iss, int enc)
{
    const tl_policy *p = iss->policy;
    size_t call = enc ? iss->key_enc_calls++ : iss->key_dec_calls++;

    if (p == NULL)
        return TL_NATURAL;
    if (enc)
        return call < p->n_key_enc ? p->key_enc[call] : TL_NATURAL;
    return call < p->n_key_dec ? p->key_dec[call] : TL_NATURAL;
}

static void log_event(tl_issuer *iss, tl_event *ev)
{
    ev->handshake = iss->handshake;
    if (iss->log != NULL && tl_event_log_add(iss->log, ev) != 0)
        note(iss, "event log: out of memory");
}

/* The key callback of a ring-backed server, for both callback flavours. */
static int ring_key_cb(tl_issuer *iss, unsigned char name[16], unsigned char *iv,
                       EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *mac, void *legacy_hmac,
                       int enc)
{
    tl_event ev = { .kind = TL_EV_KEY_CB, .enc = enc };
    int want = tl_issuer_scripted(iss, enc), ret;
    const tl_key *key;

    if (enc) {
        key = iss->keyring ? tl_keyring_current(iss->keyring) : NULL;
        ev.key_found = key != NULL;
        ret = want == TL_NATURAL ? (key ? 1 : -1) : want;
        if (ret > 0) {
            if (key == NULL) {
                note(iss, "no live ticket key to encrypt with");
                ret = -1;
            } else {
                memcpy(name, key->name, 16);
                tl_rng_bytes(iv, 16);
                if (load_key(iss, key, iv, cctx, mac, legacy_hmac, 1) != 0)
                    ret = -1;
            }
        }
        if (ret > 0)
            memcpy(ev.key_name, name, 16);
    } else {
        int newest = 0;

        memcpy(ev.key_name, name, 16);
        key = iss->keyring ? tl_keyring_find(iss->keyring, name, &newest) : NULL;
        ev.key_found = key != NULL;
        ret = want == TL_NATURAL ? (key == NULL ? 0 : newest ? 1 : 2) : want;
        if (ret > 0) {
            /* A script may claim a key the ring does not have: then load
             * the current key, and the MAC check fails, as it would for a
             * buggy callback that says 1 for an unknown name. */
            const tl_key *use = key ? key : (iss->keyring ? tl_keyring_current(iss->keyring) : NULL);

            if (use == NULL || load_key(iss, use, iv, cctx, mac, legacy_hmac, 0) != 0)
                ret = -1;
        }
    }
    ev.key_name_len = 16;
    ev.ret = ret;
    log_event(iss, &ev);
    return ret;
}

#if TL_TLSLIB_OPENSSL
static int evp_key_cb(SSL *s, unsigned char key_name[16], unsigned char *iv,
                      EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
    tl_issuer *iss = tl_issuer_from_ssl(s);
    tl_event ev = { .kind = TL_EV_KEY_CB, .enc = enc, .key_found = -1, .key_name_len = 16 };

    if (iss == NULL)
        return -1;
    if (iss->user == NULL || iss->user->key_evp == NULL)
        return ring_key_cb(iss, key_name, iv, cctx, hctx, NULL, enc);
    if (!enc)
        memcpy(ev.key_name, key_name, 16);
    ev.ret = iss->user->key_evp(s, key_name, iv, cctx, hctx, enc);
    if (enc && ev.ret > 0)
        memcpy(ev.key_name, key_name, 16);
    log_event(iss, &ev);
    return ev.ret;
}
#endif

#ifndef OPENSSL_NO_DEPRECATED_3_0
typedef int (*legacy_key_fn)(SSL *, unsigned char *, unsigned char *,
                             EVP_CIPHER_CTX *, HMAC_CTX *, int);

static int legacy_key_cb(SSL *s, unsigned char key_name[16], unsigned char *iv,
                         EVP_CIPHER_CTX *cctx, HMAC_CTX *hctx, int enc)
{
    tl_issuer *iss = tl_issuer_from_ssl(s);
    tl_event ev = { .kind = TL_EV_KEY_CB, .enc = enc, .key_found = -1, .key_name_len = 16 };
    legacy_key_fn user;

    if (iss == NULL)
        return -1;
    if (iss->user == NULL || iss->user->key_legacy == NULL)
        return ring_key_cb(iss, key_name, iv, cctx, NULL, hctx, enc);
    user = (legacy_key_fn)iss->user->key_legacy;
    if (!enc)
        memcpy(ev.key_name, key_name, 16);
    ev.ret = user(s, key_name, iv, cctx, hctx, enc);
    if (enc && ev.ret > 0)
        memcpy(ev.key_name, key_name, 16);
    log_event(iss, &ev);
    return ev.ret;
}
#endif

#if TL_TLSLIB_OPENSSL
/* Point ev at the ticket app data sess carries (the log copies it). */
static void note_appdata(tl_event *ev, SSL_SESSION *sess)
{
    void *data = NULL;
    size_t len = 0;

    if (sess != NULL && SSL_SESSION_get0_ticket_appdata(sess, &data, &len) && data != NULL) {
        ev->has_appdata = 1;
        ev->appdata = data;
        ev->appdata_len = len;
    }
}

/* The issuer bound to s (a server that gives each connection its own), else the context's. */
static tl_issuer *issuer_of(SSL *s, void *arg)
{
    tl_issuer *bound = tl_issuer_from_ssl(s);

    return bound != NULL ? bound : arg;
}

static int generate_cb(SSL *s, void *arg)
{
    tl_issuer *iss = issuer_of(s, arg);
    tl_event ev = { .kind = TL_EV_GENERATE_CB };
    SSL_SESSION *sess = SSL_get_session(s);

    if (iss->user != NULL && iss->user->generate != NULL) {
        ev.ret = iss->user->generate(s, iss->user->arg);
    } else {
        const tl_policy *p = iss->policy;

        ev.ret = (p == NULL || p->generate_ret == TL_NATURAL) ? 1 : p->generate_ret;
        if (p != NULL && p->set_appdata) {
            if (sess == NULL
                || !SSL_SESSION_set1_ticket_appdata(sess, p->appdata, p->appdata_len)) {
                note(iss, "SSL_SESSION_set1_ticket_appdata failed");
                ev.ret = 0;
            }
        }
    }
    /* Log what is attached now, whoever attached it. */
    note_appdata(&ev, sess);
    log_event(iss, &ev);
    return ev.ret;
}

static SSL_TICKET_RETURN decrypt_cb(SSL *s, SSL_SESSION *ss,
                                    const unsigned char *keyname,
                                    size_t keyname_len,
                                    SSL_TICKET_STATUS status, void *arg)
{
    tl_issuer *iss = issuer_of(s, arg);
    tl_event ev = { .kind = TL_EV_DECRYPT_CB, .status = status, .key_found = -1 };

    ev.has_session = ss != NULL;
    ev.key_name_len = keyname_len;
    if (keyname != NULL)
        memcpy(ev.key_name, keyname, keyname_len < 16 ? keyname_len : 16);
    note_appdata(&ev, ss);
    if (iss->user != NULL && iss->user->decrypt != NULL) {
        ev.ret = iss->user->decrypt(s, ss, keyname, keyname_len, status, iss->user->arg);
    } else {
        int want = TL_NATURAL;

        if (iss->policy != NULL && status >= SSL_TICKET_EMPTY && status <= SSL_TICKET_SUCCESS_RENEW)
            want = iss->policy->decrypt_ret[status - SSL_TICKET_EMPTY];
        ev.ret = want == TL_NATURAL ? tl_policy_natural_decrypt(status) : want;
    }
    tl_leak_note_decrypt(s, ss, status, ev.ret);
    log_event(iss, &ev);
    return ev.ret;
}

#endif

/*
 * The keys SSL_CTX_set_tlsext_ticket_keys takes. OpenSSL: 80 bytes, name |
 * HMAC 32 | AES 32 (AES-256-CBC). BoringSSL and AWS-LC: 48 bytes, name |
 * HMAC 16 | AES 16 (AES-128-CBC, ssl/ssl_lib.cc): the ring's key must be
 * AES-128 there.
 */
static int set_builtin_keys(SSL_CTX *ctx, tl_issuer *iss, tl_error *err)
{
    const tl_key *key = iss->keyring ? tl_keyring_current(iss->keyring) : NULL;
    unsigned char keys[80] = { 0 };
#if TL_TLSLIB_OPENSSL
    const size_t aes_len = 32, hmac_slot = 32;
#else
    const size_t aes_len = 16, hmac_slot = 16;
#endif

    if (key == NULL)
        return tl_error_set(err, "set-keys: the key ring has no live key");
    if (key->aes_len != aes_len || key->hmac_len > hmac_slot)
        return tl_error_set(err, "set-keys: %s's built-in ticket keys are AES-%zu, "
                                 "this key is AES-%zu", tl_tlslib_name(), aes_len * 8,
                                 key->aes_len * 8);
    /* A shorter HMAC key padded with zeros gives the same HMAC (RFC 2104
     * pads keys to the block size with zeros), so 16-byte libtls HMAC keys
     * fit the 32-byte slot unchanged. */
    memcpy(keys, key->name, 16);
    memcpy(keys + 16, key->hmac, key->hmac_len);
    memcpy(keys + 16 + hmac_slot, key->aes, aes_len);
    if (SSL_CTX_set_tlsext_ticket_keys(ctx, keys, 16 + hmac_slot + aes_len) != 1) {
        OPENSSL_cleanse(keys, sizeof(keys));
        return tl_error_set_ssl(err, "SSL_CTX_set_tlsext_ticket_keys failed");
    }
    OPENSSL_cleanse(keys, sizeof(keys));
    return 0;
}

/* On a library without `api`: fail with the sentence that says so. */
static int need_api(tl_tlslib_api api, tl_error *err)
{
    const char *lacks = tl_tlslib_lacks(api);

    return lacks == NULL ? 0 : tl_error_set(err, "%s", lacks);
}

int tl_issuer_install(SSL_CTX *ctx, tl_issuer *iss, tl_error *err)
{
    if (issuer_index < 0) {
        issuer_index = SSL_get_ex_new_index(0, "ticketlab issuer", NULL, NULL, NULL);
        if (issuer_index < 0)
            return tl_error_set_ssl(err, "cannot get an SSL ex_data index");
    }
    if (iss->user != NULL && iss->user->key_evp != NULL) {
        if (need_api(TL_API_EVP_KEY_CB, err) != 0)
            return -1;
#if TL_TLSLIB_OPENSSL
        if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, evp_key_cb) != 1)
            return tl_error_set_ssl(err, "SSL_CTX_set_tlsext_ticket_key_evp_cb failed");
#endif
    } else if (iss->user != NULL && iss->user->key_legacy != NULL) {
#ifndef OPENSSL_NO_DEPRECATED_3_0
        if (SSL_CTX_set_tlsext_ticket_key_cb(ctx, legacy_key_cb) != 1)
            return tl_error_set_ssl(err, "SSL_CTX_set_tlsext_ticket_key_cb failed");
#else
        return tl_error_set(err, "this OpenSSL was built without the legacy ticket key callback");
#endif
    } else {
        switch (iss->source) {
        case TL_KEYS_BUILTIN:
            break;
        case TL_KEYS_SET_KEYS:
            if (set_builtin_keys(ctx, iss, err) != 0)
                return -1;
            break;
        case TL_KEYS_EVP_CB:
            if (need_api(TL_API_EVP_KEY_CB, err) != 0)
                return -1;
#if TL_TLSLIB_OPENSSL
            if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, evp_key_cb) != 1)
                return tl_error_set_ssl(err, "SSL_CTX_set_tlsext_ticket_key_evp_cb failed");
#endif
            break;
        case TL_KEYS_LEGACY_CB:
#ifndef OPENSSL_NO_DEPRECATED_3_0
            if (SSL_CTX_set_tlsext_ticket_key_cb(ctx, legacy_key_cb) != 1)
                return tl_error_set_ssl(err, "SSL_CTX_set_tlsext_ticket_key_cb failed");
            break;
#else
            return tl_error_set(err, "this OpenSSL was built without the legacy ticket key callback");
#endif
        case TL_KEYS_AEAD:
            if (need_api(TL_API_TICKET_AEAD, err) != 0 || tl_aead_install(ctx, iss, err) != 0)
                return -1;
            break;
        }
    }
    if (iss->ticket_cb) {
        if (need_api(TL_API_DECRYPT_CB, err) != 0)
            return -1;
#if TL_TLSLIB_OPENSSL
        if (SSL_CTX_set_session_ticket_cb(ctx, generate_cb, decrypt_cb, iss) != 1)
            return tl_error_set_ssl(err, "SSL_CTX_set_session_ticket_cb failed");
#endif
    }
    return 0;
}
