/*
 * fuzz_common.h - what every ticketlab fuzz target shares.
 *
 * Determinism: each input runs in a world reset to the same seed and the
 * same frozen clock, so an input gives the same outcome every time and a
 * crash reproduces exactly. Setup is paid once per process: worlds and
 * probes are cached and reset, never rebuilt, per input.
 *
 * Feedback: the system OpenSSL is not instrumented, so the fuzzer cannot
 * see which branch of tls_decrypt_ticket an input reached. The targets
 * report what happened (the status the decrypt callback saw, what it and
 * the key callback returned, the alert, the OpenSSL error reason, the
 * handshake state) through tl_fuzz_feedback(), which turns each distinct
 * value into a distinct edge in instrumented code. Set
 * TICKETLAB_FUZZ_NO_FEEDBACK=1 to switch it off and measure the gain.
 */
#ifndef TICKETLAB_FUZZ_COMMON_H
#define TICKETLAB_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"
#include "seeds.h"
#include "ticketlab/world.h"

/* Feedback channels: one family of edges each. */
enum tl_fuzz_channel {
    TL_FB_STATUS = 0,   /* SSL_TICKET_STATUS seen by the decrypt callback */
    TL_FB_RETURN,       /* (status << 4 | return) pairs */
    TL_FB_KEY_RET,      /* key callback return + 2, by enc */
    TL_FB_ALERT,        /* alert sent */
    TL_FB_REASON,       /* OpenSSL error reason, folded */
    TL_FB_OUTCOME,      /* failed / full / resumed / resumed + tickets / 0-RTT accepted */
    TL_FB_VERDICT,      /* ticket codec verdict, import error class */
    TL_FB_CHANNELS
};

/*
 * tl_fuzz_feedback - make (channel, value) a distinct edge. value is folded
 * into 0..63.
 */
void tl_fuzz_feedback(int channel, unsigned value);

/* tl_fuzz_feedback_events - feed back every event of log[begin..end). */
void tl_fuzz_feedback_events(const tl_event_log *log, size_t begin, size_t end);

/*
 * tl_fuzz_detect - run the behaviour self-tests (detect.h) once per
 * process, before the first world: the oracles and the leak excuses ask
 * what the loaded library does. Dies on a bad TICKETLAB_EXPECT_CHANGES.
 * tl_fuzz_world() calls it; a target that builds its worlds otherwise
 * calls it first.
 */
void tl_fuzz_detect(void);

/*
 * tl_fuzz_world - the cached world for (version, key source), reset for a
 * new input: seed, clock, event log, policy back to natural. Built on the
 * first call; aborts with a message if it cannot be built (a harness bug,
 * not a finding).
 */
tl_world *tl_fuzz_world(int version, tl_key_source src);

/*
 * tl_fuzz_probe - the cached probe of that world (the ClientHello that
 * offers a genuine ticket minted by the world's first handshake), with the
 * world reset for a new input and stored in *w.
 */
tl_probe *tl_fuzz_probe(int version, tl_key_source src, tl_world **w);

/*
 * tl_fuzz_feedback_probe - feed back everything a probe run showed: the
 * events, the alert, the error reason and the outcome.
 */
void tl_fuzz_feedback_probe(const tl_world *w, const tl_probe_result *r);

/* tl_fuzz_die - print "ticketlab oracle: <message>" and abort(). */
void tl_fuzz_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
