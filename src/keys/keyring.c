/*
 * keyring.c - ticket keys, revisions, lifetimes and rotation; see keyring.h.
 *
 * The rules follow OpenBSD libtls: tls_config_add_ticket_key() for adding,
 * tls_server_ticket_key() for rotation and retirement, and the server
 * ticket callback's "not slot 0 means renew".
 */
#include "ticketlab/keyring.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ticketlab/clock.h"
#include "ticketlab/codec.h"
#include "ticketlab/rng.h"

struct tl_keyring {
    tl_key slot[TL_KEYRING_SLOTS];   /* slot[0] is the newest */
    size_t count;
    int64_t lifetime;
    int autorotate;
    uint32_t next_revision;
    char error[TL_ERROR_MAX];
};

static int ring_fail(tl_keyring *kr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int ring_fail(tl_keyring *kr, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(kr->error, sizeof(kr->error), fmt, ap);
    va_end(ap);
    return -1;
}

tl_keyring *tl_keyring_new(int64_t lifetime)
{
    tl_keyring *kr = calloc(1, sizeof(*kr));

    if (kr == NULL)
        return NULL;
    kr->lifetime = lifetime < 0 ? 0 : lifetime;
    return kr;
}

void tl_keyring_free(tl_keyring *kr)
{
    if (kr == NULL)
        return;
    OPENSSL_cleanse(kr, sizeof(*kr));
    free(kr);
}

void tl_keyring_assign(tl_keyring *dst, const tl_keyring *src)
{
    if (dst != src)
        *dst = *src;
}

const char *tl_keyring_error(const tl_keyring *kr)
{
    return kr == NULL ? "no key ring" : kr->error;
}

void tl_key_libtls_name(uint32_t revision, unsigned char name[TL_KEY_NAME_LEN])
{
    memset(name, 0, TL_KEY_NAME_LEN);
    name[0] = (unsigned char)(revision >> 24);
    name[1] = (unsigned char)(revision >> 16);
    name[2] = (unsigned char)(revision >> 8);
    name[3] = (unsigned char)revision;
}

/* libtls: retired when now - lifetime > created (lifetime 0: never). */
static int key_retired(const tl_keyring *kr, const tl_key *k, int64_t now)
{
    return kr->lifetime > 0 && now - kr->lifetime > k->created;
}

static int same_material(const tl_key *a, const tl_key *b)
{
    return a->aes_len == b->aes_len && a->hmac_len == b->hmac_len
        && CRYPTO_memcmp(a->aes, b->aes, a->aes_len) == 0
        && CRYPTO_memcmp(a->hmac, b->hmac, a->hmac_len) == 0;
}

/*
 * The libtls re-add rule. Unlike libtls, only occupied slots are compared:
 * libtls compares all 4, so a revision-0 key (name all zeros) matches an
 * empty slot and is refused as "already present".
 */
static int ring_insert(tl_keyring *kr, const tl_key *key)
{
    char hex[2 * TL_KEY_NAME_LEN + 1];

    if ((key->aes_len != 16 && key->aes_len != 32)
        || (key->hmac_len != 16 && key->hmac_len != 32))
        return ring_fail(kr, "ticket key has an AES key of %zu bytes and an HMAC "
                         "key of %zu bytes; each must be 16 or 32",
                         key->aes_len, key->hmac_len);
    for (size_t i = 0; i < kr->count; i++) {
        if (memcmp(kr->slot[i].name, key->name, TL_KEY_NAME_LEN) != 0)
            continue;
        /* libtls allows re-entry of the most recent key, as a no-op */
        if (i == 0 && same_material(&kr->slot[0], key))
            return 0;
        return ring_fail(kr, "ticket key already present: name %s is in slot %zu%s",
                         tl_hex_encode(key->name, TL_KEY_NAME_LEN, hex), i,
                         i == 0 ? " with different key bytes"
                                : " and only the newest key may be re-added");
    }
    /* newest first: shift everything down; the oldest of 4 falls off */
    if (kr->count == TL_KEYRING_SLOTS)
        OPENSSL_cleanse(&kr->slot[TL_KEYRING_SLOTS - 1], sizeof(tl_key));
    memmove(&kr->slot[1], &kr->slot[0],
            sizeof(tl_key) * (TL_KEYRING_SLOTS - 1));
    kr->slot[0] = *key;
    kr->slot[0].created = tl_clock_now();
    if (kr->count < TL_KEYRING_SLOTS)
        kr->count++;
    kr->error[0] = '\0';
    return 0;
}

int tl_keyring_add_libtls(tl_keyring *kr, uint32_t revision,
                          const unsigned char *key, size_t len)
{
    tl_key k;
    int rc;

    if (len != TL_LIBTLS_KEY_LEN)
        return ring_fail(kr, "wrong amount of ticket key data: a libtls key is "
                         "%d bytes, this one is %zu", TL_LIBTLS_KEY_LEN, len);
    memset(&k, 0, sizeof(k));
    tl_key_libtls_name(revision, k.name);
    memcpy(k.aes, key, 32);
    k.aes_len = 32;
    memcpy(k.hmac, key + 32, 16);
    k.hmac_len = 16;
    k.revision = revision;
    rc = ring_insert(kr, &k);
    OPENSSL_cleanse(&k, sizeof(k));
    return rc;
}

int tl_keyring_add_named(tl_keyring *kr, const tl_key *key)
{
    return ring_insert(kr, key);
}

void tl_keyring_set_autorotate(tl_keyring *kr, uint32_t next_revision)
{
    kr->autorotate = 1;
    kr->next_revision = next_revision;
}

/* libtls tls_config_ticket_autorekey(): a random 48-byte key, next revision. */
static int ring_rotate(tl_keyring *kr)
{
    unsigned char fresh[TL_LIBTLS_KEY_LEN];
    int rc;

    tl_rng_bytes(fresh, sizeof(fresh));
    rc = tl_keyring_add_libtls(kr, kr->next_revision, fresh, sizeof(fresh));
    OPENSSL_cleanse(fresh, sizeof(fresh));
    if (rc == 0)
        kr->next_revision++;
    return rc;
}

const tl_key *tl_keyring_current(tl_keyring *kr)
{
    int64_t now = tl_clock_now();

    /*
     * libtls rotates when now - 3 * (lifetime / 4) > newest.created
     * (integer division, strict comparison). An empty ring with rotation on
     * gets its first key the same way.
     */
    if (kr->autorotate
        && (kr->count == 0
            || (kr->lifetime > 0
                && now - 3 * (kr->lifetime / 4) > kr->slot[0].created))) {
        if (ring_rotate(kr) != 0)
            return NULL;
    }
    for (size_t i = 0; i < kr->count; i++)
        if (!key_retired(kr, &kr->slot[i], now))
            return &kr->slot[i];
    if (kr->count == 0)
        ring_fail(kr, "no ticket key: the key ring is empty");
    else
        ring_fail(kr, "no ticket key: all %zu keys are older than the lifetime "
                  "of %lld seconds", kr->count, (long long)kr->lifetime);
    return NULL;
}

/*
 * Constant-time search: every occupied slot is compared with CRYPTO_memcmp
 * and the result is selected without branching on the key bytes, so the
 * time does not tell which slot (if any) matched.
 */
static size_t ring_lookup(const tl_keyring *kr,
                          const unsigned char name[TL_KEY_NAME_LEN])
{
    size_t found = TL_KEYRING_SLOTS;

    for (size_t i = 0; i < kr->count; i++) {
        size_t hit = (size_t)(CRYPTO_memcmp(kr->slot[i].name, name,
                                            TL_KEY_NAME_LEN) == 0);
        size_t mask = (size_t)0 - (hit & (size_t)(found == TL_KEYRING_SLOTS));

        found = (found & ~mask) | (i & mask);
    }
    return found;
}

const tl_key *tl_keyring_find(const tl_keyring *kr,
                              const unsigned char name[TL_KEY_NAME_LEN],
                              int *is_newest)
{
    int retired = 0;
    const tl_key *k = tl_keyring_find_any(kr, name, &retired);

    if (k == NULL || retired) {
        if (is_newest != NULL)
            *is_newest = 0;
        return NULL;
    }
    /* libtls: a ticket under any key but slot 0 is renewed */
    if (is_newest != NULL)
        *is_newest = k == &kr->slot[0];
    return k;
}

const tl_key *tl_keyring_find_any(const tl_keyring *kr,
                                  const unsigned char name[TL_KEY_NAME_LEN],
                                  int *retired)
{
    size_t i = ring_lookup(kr, name);

    if (retired != NULL)
        *retired = 0;
    if (i >= kr->count)
        return NULL;
    if (retired != NULL)
        *retired = key_retired(kr, &kr->slot[i], tl_clock_now());
    return &kr->slot[i];
}

size_t tl_keyring_count(const tl_keyring *kr)
{
    return kr->count;
}

const tl_key *tl_keyring_slot(const tl_keyring *kr, size_t i)
{
    return i < kr->count ? &kr->slot[i] : NULL;
}

int64_t tl_keyring_lifetime(const tl_keyring *kr)
{
    return kr->lifetime;
}
