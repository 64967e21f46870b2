/*
 * test_determinism.c - the same input gives the same outcome, 100 runs out
 * of 100: the server's reply byte for byte, the callback log, the verdict.
 * This is what makes a fuzz finding or a conformance row reproduce.
 */
#include <string.h>

#include <openssl/ssl.h>

#include "probe.h"
#include "seeds.h"
#include "tl_test.h"

#define RUNS 100

/* Everything a run shows, folded into one number. */
static uint64_t fingerprint(const tl_world *w, const tl_probe_result *r)
{
    const tl_event_log *log = tl_world_events(w);
    uint64_t h = r->flight_hash ^ (uint64_t)r->flight_len << 1;

    h = h * 31 + (uint64_t)(r->failed * 4 + r->resumed * 2) + (uint64_t)(r->alert_sent + 1) * 97;
    for (size_t i = r->ev_begin; i < r->ev_end; i++) {
        const tl_event *e = &log->ev[i];

        h = h * 1000003 + (uint64_t)(e->kind * 131 + e->ret * 17 + e->status * 7 + e->enc);
        for (size_t k = 0; k < 16; k++)
            h = h * 31 + e->key_name[k];
    }
    return h;
}

static void check_version_source(int version, tl_key_source src)
{
    tl_error err = { "" };
    tl_world *w = tl_seeds_world_new(version, src, &err);
    tl_handshake_result r;
    tl_probe *p = NULL;
    const unsigned char *t;
    size_t tlen;
    unsigned char edited[512];

    TL_CHECK(w != NULL);
    if (w == NULL || tl_world_handshake(w, NULL, &r, &err) != 0) {
        tl_world_free(w);
        return;
    }
    p = tl_probe_new(w, r.sessions[0], &err);
    tl_handshake_result_free(&r);
    TL_CHECK(p != NULL);
    if (p == NULL) {
        tl_world_free(w);
        return;
    }
    t = tl_probe_ticket(p, &tlen);
    TL_CHECK(tlen <= sizeof(edited));
    for (int variant = 0; variant < 3 && tlen <= sizeof(edited); variant++) {
        uint64_t first = 0;
        int same = 0;

        memcpy(edited, t, tlen);
        if (variant == 1)
            edited[tlen - 1] ^= 1;    /* bad MAC */
        for (int run = 0; run < RUNS; run++) {
            tl_probe_result pr;
            uint64_t fp;

            TL_CHECK_INT(tl_seeds_world_reset(w, &err), 0);
            TL_CHECK_INT(tl_probe_run(p, edited, variant == 2 ? 0 : tlen, &pr, &err), 0);
            fp = fingerprint(w, &pr);
            if (run == 0)
                first = fp;
            same += fp == first;
            TL_CHECK(!pr.resumed || pr.flight_len > 0);
        }
        if (same != RUNS)
            fprintf(stderr, "TLS 0x%04x %s variant %d: %d of %d runs alike\n", version,
                    tl_key_source_name(src), variant, same, RUNS);
        TL_CHECK_INT(same, RUNS);
    }
    tl_probe_free(p);
    tl_world_free(w);
}

static void test_probe_runs_repeat_exactly(void)
{
    static const tl_key_source sources[] = { TL_KEYS_BUILTIN, TL_KEYS_EVP_CB,
                                             TL_KEYS_LEGACY_CB, TL_KEYS_SET_KEYS };

    for (size_t s = 0; s < sizeof(sources) / sizeof(sources[0]); s++) {
        check_version_source(TLS1_2_VERSION, sources[s]);
        check_version_source(TLS1_3_VERSION, sources[s]);
    }
}

static void test_full_handshakes_repeat_exactly(void)
{
    unsigned char first[512];
    size_t first_len = 0;

    for (int run = 0; run < RUNS; run++) {
        tl_error err = { "" };
        tl_world *w = tl_seeds_world_new(TLS1_3_VERSION, TL_KEYS_EVP_CB, &err);
        tl_handshake_result r;

        if (w == NULL || tl_world_handshake(w, NULL, &r, &err) != 0 || r.n_tickets == 0) {
            TL_CHECK(0);
            tl_world_free(w);
            return;
        }
        if (run == 0) {
            first_len = r.tickets[0].ticket_len < sizeof(first) ? r.tickets[0].ticket_len : 0;
            memcpy(first, r.tickets[0].ticket, first_len);
        } else {
            TL_CHECK(r.tickets[0].ticket_len == first_len
                     && memcmp(r.tickets[0].ticket, first, first_len) == 0);
        }
        tl_handshake_result_free(&r);
        tl_world_free(w);
    }
}

int main(void)
{
    TL_RUN(test_probe_runs_repeat_exactly);
    TL_RUN(test_full_handshakes_repeat_exactly);
    return TL_DONE();
}
