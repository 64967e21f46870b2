/*
 * keyring.h - ticket keys, revisions, lifetimes and rotation.
 *
 * A key ring holds up to TL_KEYRING_SLOTS keys, newest first, with the
 * semantics of libtls (tls_config_add_ticket_key and its server callback):
 *
 *  - a libtls key is 48 bytes, AES-256 key (32) then HMAC-SHA256 key (16),
 *    added with a revision; its name is htonl(revision) then 12 zero bytes;
 *  - re-adding a key whose name is known is refused, unless it is the newest
 *    key and its bytes are identical (then it is a no-op);
 *  - with auto-rotation on, a new random key is made current once the newest
 *    key is older than 3/4 of the lifetime;
 *  - a key older than the lifetime is retired: it no longer encrypts or
 *    decrypts;
 *  - decrypting with a key that is not the newest asks for a renewal.
 *
 * Keys from real servers' key files (nginx, envoy, haproxy) carry their own
 * 16-byte names and may be AES-128 or AES-256 with a 16- or 32-byte HMAC key;
 * see keyfile.h. All keys use HMAC-SHA256 and AES-CBC with a 16-byte IV.
 *
 * Ages are read from the harness clock (clock.h).
 */
#ifndef TICKETLAB_KEYRING_H
#define TICKETLAB_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "ticketlab/error.h"

#define TL_KEYRING_SLOTS 4
#define TL_KEY_NAME_LEN 16
#define TL_LIBTLS_KEY_LEN 48
/* libtls's default session lifetime, in seconds. */
#define TL_DEFAULT_LIFETIME 7200

typedef struct tl_key {
    unsigned char name[TL_KEY_NAME_LEN];
    unsigned char aes[32];
    size_t aes_len;             /* 16 (AES-128-CBC) or 32 (AES-256-CBC) */
    unsigned char hmac[32];
    size_t hmac_len;            /* 16 or 32; the MAC is HMAC-SHA256 either way */
    uint32_t revision;          /* libtls revision; 0 for keys from named files */
    int64_t created;            /* harness time the key was added */
} tl_key;

typedef struct tl_keyring tl_keyring;

/*
 * tl_keyring_new - an empty ring whose keys live `lifetime` seconds
 * (0 means keys never retire and never rotate).
 * Returns NULL only when out of memory.
 */
tl_keyring *tl_keyring_new(int64_t lifetime);

/* tl_keyring_free - free the ring and wipe its keys. NULL is allowed. */
void tl_keyring_free(tl_keyring *kr);

/*
 * tl_keyring_assign - make dst an exact copy of src: keys, creation times,
 * lifetime, rotation state and error text. Never fails.
 */
void tl_keyring_assign(tl_keyring *dst, const tl_keyring *src);

/* tl_keyring_error - the sentence the last failing call left, or "". */
const char *tl_keyring_error(const tl_keyring *kr);

/*
 * tl_keyring_add_libtls - add a libtls key: `len` must be 48 (AES-256 then
 * HMAC-16). The key becomes the newest; the oldest of 4 falls off.
 * Returns 0, or -1 with the reason in tl_keyring_error() (wrong length, key
 * name already present and not an identical newest key).
 */
int tl_keyring_add_libtls(tl_keyring *kr, uint32_t revision,
                          const unsigned char *key, size_t len);

/*
 * tl_keyring_add_named - add a key that carries its own name (key files).
 * Same re-add rule as libtls. Returns 0 or -1.
 */
int tl_keyring_add_named(tl_keyring *kr, const tl_key *key);

/*
 * tl_keyring_set_autorotate - turn libtls-style automatic rotation on, with
 * the next key getting `next_revision`. Rotation happens inside
 * tl_keyring_current(). Fresh keys come from tl_rng_bytes().
 */
void tl_keyring_set_autorotate(tl_keyring *kr, uint32_t next_revision);

/*
 * tl_keyring_current - the key to encrypt with: rotates first if due, then
 * returns the newest key that is not retired, or NULL (no usable key; the
 * reason is in tl_keyring_error()).
 */
const tl_key *tl_keyring_current(tl_keyring *kr);

/*
 * tl_keyring_find - the live key called `name`, or NULL if no live key has
 * that name (unknown or retired). *is_newest (if not NULL) is set to 1 when
 * the key found is the newest key in the ring, 0 otherwise. The comparison
 * runs in constant time over every slot. Does not rotate.
 */
const tl_key *tl_keyring_find(const tl_keyring *kr,
                              const unsigned char name[TL_KEY_NAME_LEN],
                              int *is_newest);

/*
 * tl_keyring_find_any - like tl_keyring_find but also returns retired keys;
 * *retired is set to 1 for one. For the offline codec, which wants to say
 * "retired key" rather than "unknown key".
 */
const tl_key *tl_keyring_find_any(const tl_keyring *kr,
                                  const unsigned char name[TL_KEY_NAME_LEN],
                                  int *retired);

/* tl_keyring_count - how many slots hold a key (0..4). */
size_t tl_keyring_count(const tl_keyring *kr);

/* tl_keyring_slot - the key in slot i (0 is newest), or NULL past the end. */
const tl_key *tl_keyring_slot(const tl_keyring *kr, size_t i);

/* tl_keyring_lifetime - the lifetime given to tl_keyring_new(). */
int64_t tl_keyring_lifetime(const tl_keyring *kr);

/* tl_key_libtls_name - write htonl(revision) || 12 zero bytes into name. */
void tl_key_libtls_name(uint32_t revision, unsigned char name[TL_KEY_NAME_LEN]);

#endif
