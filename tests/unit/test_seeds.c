/*
 * test_seeds.c - the corpus generator: deterministic, and its "genuine"
 * tickets are exactly the ones the fuzz targets' probes resume with.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "probe.h"
#include "seeds.h"
#include "tl_test.h"

typedef struct {
    long n;
    unsigned long hash;
    int genuine_resumed;
    int genuine_seen;
    int forged_resumed;
} tally;

static int count_seed(const char *target, const char *name, const unsigned char *d,
                      size_t len, void *arg)
{
    tally *t = arg;

    t->n++;
    for (size_t i = 0; i < len; i++)
        t->hash = t->hash * 31 + d[i];
    for (const char *c = name; *c; c++)
        t->hash = t->hash * 31 + (unsigned char)*c;
    (void)target;
    return 0;
}

static void test_generator_is_deterministic(void)
{
    tally a = { 0 }, b = { 0 };
    tl_error err = { "" };

    TL_CHECK(tl_seeds_generate(count_seed, &a, &err) > 100);
    TL_CHECK(tl_seeds_generate(count_seed, &b, &err) > 100);
    TL_CHECK_INT(a.n, b.n);
    TL_CHECK(a.hash == b.hash);
}

/* Replays each fuzz_ticket_blob seed through a probe built as the target builds it. */
static int probe_seed(const char *target, const char *name, const unsigned char *d,
                      size_t len, void *arg)
{
    static const tl_key_source sources[4] = { TL_KEYS_BUILTIN, TL_KEYS_EVP_CB,
                                              TL_KEYS_LEGACY_CB, TL_KEYS_SET_KEYS };
    tally *t = arg;
    tl_error err = { "" };
    tl_world *w;
    tl_handshake_result r;
    tl_probe *p = NULL;
    tl_probe_result pr;
    int version;

    if (strcmp(target, "fuzz_ticket_blob") != 0 || len < 1)
        return 0;
    version = (d[0] & 1) ? TLS1_3_VERSION : TLS1_2_VERSION;
    w = tl_seeds_world_new(version, sources[(d[0] >> 1) & 3], &err);
    if (w == NULL || tl_world_handshake(w, NULL, &r, &err) != 0)
        return -1;
    p = r.n_sessions ? tl_probe_new(w, r.sessions[0], &err) : NULL;
    tl_handshake_result_free(&r);
    if (p != NULL && tl_seeds_world_reset(w, &err) == 0
        && tl_probe_run(p, d + 1, len - 1, &pr, &err) == 0) {
        if (strstr(name, "-genuine") != NULL) {
            t->genuine_seen++;
            t->genuine_resumed += pr.resumed;
        } else {
            t->forged_resumed += pr.resumed;
        }
    }
    tl_probe_free(p);
    tl_world_free(w);
    return 0;
}

static void test_genuine_seeds_resume_and_others_do_not(void)
{
    tally t = { 0 };
    tl_error err = { "" };

    TL_CHECK(tl_seeds_generate(probe_seed, &t, &err) > 0);
    TL_CHECK_INT(t.genuine_seen, 8);      /* 2 versions x 4 key sources */
    TL_CHECK_INT(t.genuine_resumed, 8);
    TL_CHECK_INT(t.forged_resumed, 0);
}

int main(void)
{
    TL_RUN(test_generator_is_deterministic);
    TL_RUN(test_genuine_seeds_resume_and_others_do_not);
    return TL_DONE();
}
