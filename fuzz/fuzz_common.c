/* fuzz_common.c - shared determinism, caching and feedback; see fuzz_common.h. */
#include "fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>

#include "detect.h"
#include "ticketlab/tlslib.h"
#include "ticketlab/clock.h"
#include "ticketlab/rng.h"

static volatile unsigned sink;

#define EDGE(n) case n: sink += n + 1; break;
#define EDGES8(b) EDGE(b) EDGE(b + 1) EDGE(b + 2) EDGE(b + 3) EDGE(b + 4) EDGE(b + 5) EDGE(b + 6) EDGE(b + 7)

/* One switch per channel: 64 cases, 64 separate basic blocks, 64 edges.
 * noinline keeps each channel's blocks apart from the others'. */
#define CHANNEL_FN(name)                                                      \
    __attribute__((noinline)) static void name(unsigned v)                    \
    {                                                                         \
        switch (v & 63) {                                                     \
            EDGES8(0) EDGES8(8) EDGES8(16) EDGES8(24)                         \
            EDGES8(32) EDGES8(40) EDGES8(48) EDGES8(56)                       \
        }                                                                     \
    }

CHANNEL_FN(edge_status)
CHANNEL_FN(edge_return)
CHANNEL_FN(edge_key_ret)
CHANNEL_FN(edge_alert)
CHANNEL_FN(edge_reason)
CHANNEL_FN(edge_outcome)
CHANNEL_FN(edge_verdict)

static int feedback_off = -1;

void tl_fuzz_feedback(int channel, unsigned value)
{
    static void (*const channels[TL_FB_CHANNELS])(unsigned) = {
        edge_status, edge_return, edge_key_ret, edge_alert,
        edge_reason, edge_outcome, edge_verdict
    };

    if (feedback_off < 0) {
        const char *env = getenv("TICKETLAB_FUZZ_NO_FEEDBACK");
        feedback_off = env != NULL && env[0] == '1';
    }
    if (feedback_off || channel < 0 || channel >= TL_FB_CHANNELS)
        return;
    /* Spread values over 64 slots: small values stay distinct. */
    channels[channel](value < 64 ? value : (value * 2654435761u) >> 26);
}

void tl_fuzz_feedback_events(const tl_event_log *log, size_t begin, size_t end)
{
    for (size_t i = begin; i < end && i < log->n; i++) {
        const tl_event *e = &log->ev[i];

        if (e->kind == TL_EV_DECRYPT_CB) {
            tl_fuzz_feedback(TL_FB_STATUS, (unsigned)e->status);
            tl_fuzz_feedback(TL_FB_RETURN, (unsigned)(e->status << 3 | (e->ret & 7)));
        } else if (e->kind == TL_EV_KEY_CB) {
            tl_fuzz_feedback(TL_FB_KEY_RET, (unsigned)((e->ret + 2) & 7) | (e->enc ? 8u : 0u));
        }
    }
}

void tl_fuzz_die(const char *fmt, ...)
{
    va_list ap;

    fputs("ticketlab oracle: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* ---- cached worlds and probes ------------------------------------------- */

#define N_SOURCES 4

static tl_world *worlds[2][N_SOURCES];
static tl_probe *probes[2][N_SOURCES];

static int slot(int version)
{
    return version == TLS1_3_VERSION ? 1 : 0;
}

static void reset_world(tl_world *w)
{
    tl_error err = { "" };

    if (tl_seeds_world_reset(w, &err) != 0)
        tl_fuzz_die("world reset failed: %s", err.msg);
}

void tl_fuzz_detect(void)
{
    tl_error err = { "" };

    if (tl_detect_install(&err) != 0)
        tl_fuzz_die("%s", err.msg);
}

tl_world *tl_fuzz_world(int version, tl_key_source src)
{
    tl_world **w = &worlds[slot(version)][src % N_SOURCES];

    if (*w == NULL) {
        tl_error err = { "" };

        tl_fuzz_detect();
        *w = tl_seeds_world_new(version, src, &err);
        if (*w == NULL)
            tl_fuzz_die("cannot build the %s world: %s", tl_key_source_name(src), err.msg);
    }
    reset_world(*w);
    return *w;
}

tl_probe *tl_fuzz_probe(int version, tl_key_source src, tl_world **wout)
{
    tl_probe **p = &probes[slot(version)][src % N_SOURCES];
    tl_world *w = tl_fuzz_world(version, src);

    if (*p == NULL) {
        tl_handshake_result r;
        tl_error err = { "" };

        if (tl_world_handshake(w, NULL, &r, &err) != 0 || r.n_sessions == 0)
            tl_fuzz_die("the %s world minted no ticket: %s", tl_key_source_name(src), err.msg);
        /* TLS 1.3: the ClientHello offers early data and the probe's server
         * takes it, so resumptions reach the 0-RTT decision and the early
         * keys (OpenSSL's server checks its own max_early_data and the
         * ticket age, not the session's, so genuine tickets get there too). */
        *p = tl_probe_new_early(w, r.sessions[0],
                                version == TLS1_3_VERSION && tl_tlslib_lacks(TL_API_EARLY_DATA_RW) == NULL
                                    ? 16384 : 0, &err);   /* no 0-RTT on BoringSSL, AWS-LC (tlslib.h) */
        tl_handshake_result_free(&r);
        if (*p == NULL)
            tl_fuzz_die("cannot build the probe: %s", err.msg);
        reset_world(w);
    }
    *wout = w;
    return *p;
}

/* Fold a string into 0..63 (FNV-1a), for error reasons. */
static unsigned fold(const char *s)
{
    unsigned h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

void tl_fuzz_feedback_probe(const tl_world *w, const tl_probe_result *r)
{
    const tl_event_log *log = tl_world_events(w);

    tl_fuzz_feedback_events(log, r->ev_begin, r->ev_end);
    tl_fuzz_feedback(TL_FB_ALERT, (unsigned)(r->alert_sent + 1));
    if (r->err_reason[0])
        tl_fuzz_feedback(TL_FB_REASON, fold(r->err_reason));
    tl_fuzz_feedback(TL_FB_OUTCOME, (unsigned)(r->failed ? 0 : r->resumed ? 2 + (r->nst_sent > 0) : 1));
    if (r->early_accepted)
        tl_fuzz_feedback(TL_FB_OUTCOME, 4);
}
