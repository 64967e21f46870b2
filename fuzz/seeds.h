/*
 * seeds.h - the fuzz targets' worlds and their seed inputs.
 *
 * The fuzz targets and the corpus generator (`ticketlab corpus`) must agree
 * on the world a target runs in, or a "genuine ticket" seed would not be
 * genuine. Both take the world's configuration from here.
 */
#ifndef TICKETLAB_SEEDS_H
#define TICKETLAB_SEEDS_H

#include <stddef.h>

#include "ticketlab/error.h"
#include "ticketlab/world.h"

#define TL_FUZZ_SEED 0x7469636bULL   /* "tick" */

/*
 * tl_seeds_key_source - the key source a fuzz world asks for, on the
 * library that runs: src itself on OpenSSL; on BoringSSL and AWS-LC, which
 * have one key callback, the HMAC_CTX form for evp-cb, and for set-keys
 * their own keys (builtin: their SSL_CTX_set_tlsext_ticket_keys takes
 * AES-128 keys where the ring's are AES-256). tlslib.h. Never fails.
 */
tl_key_source tl_seeds_key_source(tl_key_source src);

/*
 * tl_seeds_world_new - the fuzz world for (version, key source), built and
 * reset exactly as the fuzz targets do it. Returns NULL with err.
 */
tl_world *tl_seeds_world_new(int version, tl_key_source src, tl_error *err);

/*
 * tl_seeds_world_reset - back to the state every fuzz input starts from:
 * seed TL_FUZZ_SEED, the clock at its start, an empty log, a natural
 * policy. Returns 0 or -1.
 */
int tl_seeds_world_reset(tl_world *w, tl_error *err);

/*
 * tl_seed_sink - receives one seed: target name ("fuzz_ticket_blob"), a
 * readable name ("tls13-evp-cb-genuine") and the bytes. Returns 0 to go
 * on, non-zero to stop (the generator then fails with -1).
 */
typedef int (*tl_seed_sink)(const char *target, const char *name,
                            const unsigned char *data, size_t len, void *arg);

/*
 * tl_seeds_generate - make every seed of every target this library knows,
 * deterministically (same bytes on every run), and pass each to sink.
 * Returns the number of seeds, or -1 with err.
 */
long tl_seeds_generate(tl_seed_sink sink, void *arg, tl_error *err);

#endif
