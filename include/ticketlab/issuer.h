/*
 * issuer.h - the server's ticket callbacks: key callback (EVP or legacy
 * HMAC), generate and decrypt callbacks, all driven by a key ring and a
 * policy, all logged.
 *
 * The issuer can also wrap callbacks written by someone else (a plug-in):
 * then it calls theirs, and logs each call and its return value.
 */
#ifndef TICKETLAB_ISSUER_H
#define TICKETLAB_ISSUER_H

#include <openssl/ssl.h>
#include <openssl/evp.h>

#include "ticketlab/error.h"
#include "ticketlab/events.h"
#include "ticketlab/keyring.h"
#include "ticketlab/policy.h"
#include "ticketlab/tlslib.h"

/* Where the server's ticket keys come from. */
typedef enum tl_key_source {
    TL_KEYS_BUILTIN = 0,  /* OpenSSL's own random keys (no key callback) */
    TL_KEYS_SET_KEYS,     /* SSL_CTX_set_tlsext_ticket_keys with the ring's current key */
    TL_KEYS_EVP_CB,       /* SSL_CTX_set_tlsext_ticket_key_evp_cb over the ring */
    TL_KEYS_LEGACY_CB,    /* SSL_CTX_set_tlsext_ticket_key_cb (HMAC_CTX), where built */
    TL_KEYS_AEAD          /* SSL_CTX_set_ticket_aead_method over the ring (BoringSSL,
                             AWS-LC; src/world/aead_method.h) */
} tl_key_source;

/* tl_key_source_name - "builtin", "set-keys", "evp-cb", "legacy-cb", "aead". */
const char *tl_key_source_name(tl_key_source src);

/* tl_key_source_parse - the reverse. Returns 0 or -1. */
int tl_key_source_parse(const char *name, tl_key_source *out);

/* tl_legacy_cb_available - 1 if this OpenSSL still has the HMAC_CTX callback. */
int tl_legacy_cb_available(void);

/* Someone else's callbacks, in OpenSSL's own signatures; any may be NULL. */
typedef struct tl_user_callbacks {
    int (*key_evp)(SSL *s, unsigned char key_name[16], unsigned char *iv,
                   EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *hctx, int enc);
    void *key_legacy;   /* int (*)(SSL*, unsigned char[16], unsigned char*, EVP_CIPHER_CTX*, HMAC_CTX*, int) */
    SSL_TICKET_RETURN (*decrypt)(SSL *s, SSL_SESSION *ss,
                                 const unsigned char *keyname, size_t keyname_len,
                                 SSL_TICKET_STATUS status, void *arg);
    int (*generate)(SSL *s, void *arg);
    void *arg;          /* passed to decrypt and generate */
} tl_user_callbacks;

typedef struct tl_issuer {
    tl_key_source source;
    int ticket_cb;            /* install the generate/decrypt callbacks */
    tl_keyring *keyring;      /* borrowed */
    tl_policy *policy;        /* borrowed */
    tl_event_log *log;        /* borrowed */
    int handshake;            /* index stamped on events */
    const tl_user_callbacks *user;  /* borrowed; NULL: our own callbacks */
    size_t key_enc_calls;     /* calls so far: index into the policy scripts */
    size_t key_dec_calls;
    char last_error[256];     /* what the last callback that failed hit */
} tl_issuer;

/*
 * tl_issuer_install - install the issuer's callbacks (or keys) on ctx.
 * The issuer must outlive ctx. Each server SSL made from ctx must then be
 * bound with tl_issuer_bind(). Returns 0 or -1 with err (for example: the
 * legacy callback is not built into this OpenSSL, or the ring has no key).
 */
int tl_issuer_install(SSL_CTX *ctx, tl_issuer *iss, tl_error *err);

/* tl_issuer_bind - let the callbacks find iss from ssl. Returns 0 or -1. */
int tl_issuer_bind(SSL *ssl, tl_issuer *iss);

/*
 * tl_issuer_scripted - the policy's answer for the next encrypt (enc 1) or
 * decrypt (enc 0) call of the key source, counting the call; TL_NATURAL when
 * the script is used up or there is no policy. Never fails.
 */
int tl_issuer_scripted(tl_issuer *iss, int enc);

/* tl_issuer_from_ssl - the issuer bound to ssl, or NULL. */
tl_issuer *tl_issuer_from_ssl(SSL *ssl);

#endif
