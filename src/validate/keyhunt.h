/*
 * keyhunt.h - ask a plug-in's own contexts which bytes are its ticket keys.
 *
 * Internal to the validator. Right after a plug-in's key callback has set
 * up a ticket's encryption, a copy of its cipher context encrypts with its
 * AES key and a copy of its MAC context MACs with its HMAC key. Neither
 * key can be read back, but a candidate can be confirmed: it is the AES key
 * if AES(candidate, IV) equals what the copied context makes of a zero
 * block, and the HMAC key if HMAC(candidate, m) equals the copied context's
 * MAC of m. A confirmation is exact; a candidate that is not found proves
 * nothing, and the validator says "not checked" then.
 *
 * Candidates come from the plug-in's own memory image: every 16- and
 * 32-byte window of its data, bss and read-only data.
 */
#ifndef TICKETLAB_KEYHUNT_H
#define TICKETLAB_KEYHUNT_H

#include <stddef.h>

#include <openssl/evp.h>

#include "ticketlab/error.h"
#include "ticketlab/plugin.h"

typedef struct tl_key_oracle {
    int ready;
    char cipher[48];              /* "AES-256-CBC" */
    size_t aes_len;               /* the cipher's key length */
    size_t iv_len;
    unsigned char aes_of_iv[16];  /* the plug-in's cipher on a zero block: E_k(IV) for CBC */
    unsigned char iv[16];
    size_t mac_len;               /* bytes of the plug-in's MAC */
    unsigned char mac_of_probe[64];   /* its MAC of the fixed probe message */
    EVP_MAC_CTX *scratch_mac;     /* for candidates */
    EVP_CIPHER_CTX *scratch_cipher;
    EVP_CIPHER *ecb;
} tl_key_oracle;

typedef struct tl_key_found {
    int found;
    unsigned char key[32];
    size_t len;
    int writable;                 /* found in writable data (0: compiled-in constant) */
} tl_key_found;

/*
 * tl_key_oracle_take - fill o from the plug-in's freshly initialised
 * encryption contexts (one of mac / legacy_hmac is NULL) and the IV it
 * chose. The contexts are copied, never advanced. Returns 0, or -1 with
 * err when the contexts cannot be copied or the cipher is not AES-CBC.
 */
int tl_key_oracle_take(tl_key_oracle *o, const EVP_CIPHER_CTX *cipher, const unsigned char *iv,
                       const EVP_MAC_CTX *mac, void *legacy_hmac, tl_error *err);

/* tl_key_oracle_clear - free what o holds. */
void tl_key_oracle_clear(tl_key_oracle *o);

/* tl_key_oracle_is_aes - 1 if `key` (o->aes_len bytes) is the AES key, else 0. */
int tl_key_oracle_is_aes(tl_key_oracle *o, const unsigned char *key);

/* tl_key_oracle_is_hmac - 1 if `key` (len bytes) is the HMAC-SHA256 key, else 0. */
int tl_key_oracle_is_hmac(tl_key_oracle *o, const unsigned char *key, size_t len);

/*
 * tl_key_hunt - try every 16- and 32-byte window of the segments as the AES
 * and the HMAC key (at most 4 MiB in all). Fills aes and hmac (found = 0
 * when not found).
 */
void tl_key_hunt(tl_key_oracle *o, const tl_plugin_segment *segs, size_t n,
                 tl_key_found *aes, tl_key_found *hmac);

#endif
