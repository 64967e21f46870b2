/*
 * rng.c - the harness's deterministic stream, on every TLS library.
 *
 * The stream is xoshiro256** seeded through splitmix64: fast (the fuzzers
 * draw for every input) and exactly reproducible, and of no cryptographic
 * worth, which is the point. On OpenSSL a RAND provider makes it the
 * library's own DRBG too (rng_provider.c).
 */
#include "ticketlab/rng.h"

#include <string.h>


static uint64_t stream[4];
static uint64_t drawn;
static int seeded;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_word(void)
{
    uint64_t result = rotl(stream[1] * 5, 7) * 9;
    uint64_t t = stream[1] << 17;

    stream[2] ^= stream[0];
    stream[3] ^= stream[1];
    stream[1] ^= stream[2];
    stream[0] ^= stream[3];
    stream[2] ^= t;
    stream[3] = rotl(stream[3], 45);
    return result;
}

void tl_rng_seed(uint64_t seed)
{
    uint64_t x = seed;

    for (int i = 0; i < 4; i++)
        stream[i] = splitmix64(&x);
    drawn = 0;
    seeded = 1;
}

void tl_rng_bytes(unsigned char *out, size_t n)
{
    if (!seeded)
        tl_rng_seed(0);
    drawn += n;
    while (n > 0) {
        uint64_t w = next_word();
        size_t take = n < sizeof(w) ? n : sizeof(w);

        memcpy(out, &w, take);
        out += take;
        n -= take;
    }
}

uint64_t tl_rng_drawn(void)
{
    return drawn;
}

void tl_rng_save(tl_rng_state *st)
{
    memcpy(st->words, stream, sizeof(stream));
    st->drawn = drawn;
    st->seeded = seeded;
}

void tl_rng_restore(const tl_rng_state *st)
{
    memcpy(stream, st->words, sizeof(stream));
    drawn = st->drawn;
    seeded = st->seeded;
}
