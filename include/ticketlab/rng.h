/*
 * rng.h - deterministic randomness.
 *
 * On OpenSSL 3 (the rest of this comment; BoringSSL and AWS-LC: tlslib.h):
 * ticketlab registers a small RAND provider ("ticketlab-rand", algorithm
 * "TL-DRBG") and makes it the DRBG of a library context of its own. Every
 * SSL_CTX of the world is created in that context, so every random byte
 * OpenSSL draws for a handshake (client random, key shares, ECDSA nonces,
 * session ids, ticket IVs, built-in ticket keys) comes from one stream that
 * tl_rng_seed() resets. The stream is xoshiro256** seeded through splitmix64:
 * fast, exactly reproducible, and of no cryptographic worth.
 */
#ifndef TICKETLAB_RNG_H
#define TICKETLAB_RNG_H

#include <stddef.h>
#include <stdint.h>
#include "ticketlab/error.h"
#include "ticketlab/tlslib.h"

/*
 * tl_libctx - the library context every ticketlab SSL_CTX lives in, created
 * on first use with the default provider and the deterministic DRBG.
 * Returns NULL (and fills err) if OpenSSL refuses the set-up.
 */
#if TL_TLSLIB_OPENSSL
OSSL_LIB_CTX *tl_libctx(tl_error *err);
#endif

/* tl_rng_seed - restart the stream from `seed`. The same seed gives the same bytes. */
void tl_rng_seed(uint64_t seed);

/*
 * tl_rng_bytes - draw n bytes from the stream (the same stream OpenSSL reads).
 * Never fails.
 */
void tl_rng_bytes(unsigned char *out, size_t n);

/* tl_rng_drawn - how many bytes were drawn since the last tl_rng_seed(). */
uint64_t tl_rng_drawn(void);

/* The stream's whole state: what tl_rng_save() keeps and tl_rng_restore() puts back. */
typedef struct tl_rng_state {
    uint64_t words[4];
    uint64_t drawn;
    int seeded;
} tl_rng_state;

/* tl_rng_save - copy the stream's state into *st. Never fails. */
void tl_rng_save(tl_rng_state *st);

/*
 * tl_rng_restore - put back a state tl_rng_save() kept: the next bytes drawn
 * are the ones that followed the save. Never fails.
 */
void tl_rng_restore(const tl_rng_state *st);

#endif
