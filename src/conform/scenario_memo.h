/*
 * scenario_memo.h - worlds kept after their set-up handshake, so that
 * tl_scenario_run() mints each ticket once per world configuration.
 *
 * A scenario's world is deterministic: the same configuration, seed and
 * set-up give the same keys, tickets and sessions, and leave the RNG and
 * the clock in the same state. So the first run of a configuration keeps
 * its world just after the set-up handshake, with a snapshot of everything
 * the rest of a run can change (RNG stream, clock, key ring, policy,
 * issuer, event log, the server's ticket count and session cache); a later
 * run with the same key gets the world back rewound to that snapshot and
 * goes straight to the checked handshake. It sees exactly what a fresh
 * world would have shown it, byte for byte (test_scenario_memo checks the
 * corpus and the conformance rows both ways).
 *
 * TICKETLAB_NO_MEMO=1 in the environment turns the memo off (ci/bench.sh
 * measures both); tl_scenario_memo_set() overrides it. Single-threaded, like
 * the rest of the harness.
 */
#ifndef TICKETLAB_SCENARIO_MEMO_H
#define TICKETLAB_SCENARIO_MEMO_H

#include <stddef.h>

#include "ticketlab/world.h"

/* The most worlds kept at once; the least recently used one goes first. */
#define TL_SCENARIO_MEMO_MAX 256
#define TL_SCENARIO_MEMO_KEY_MAX 512

/*
 * tl_scenario_memo_set - turn the memos on (1) or off (0) for the runs that
 * follow, whatever TICKETLAB_NO_MEMO says (tl_memo_set, memo.h; whether they
 * are on is tl_memo_enabled). Turning them off frees every kept world.
 * Returns the previous setting.
 */
int tl_scenario_memo_set(int on);

/* tl_scenario_memo_clear - free every kept world. Never fails. */
void tl_scenario_memo_clear(void);

/* tl_scenario_memo_count - how many worlds are kept now. */
size_t tl_scenario_memo_count(void);

/*
 * tl_scenario_memo_key - the key of a world and its set-up: every field of
 * cfg, the set-up's maximum version (0: the world's), the length of the app
 * data the set-up attaches (-1: none) and whether a set-up handshake runs
 * at all. Written into buf (TL_SCENARIO_MEMO_KEY_MAX bytes). Returns 0, or
 * -1 when the configuration cannot be memoised (a borrowed key ring or
 * plug-in callbacks, whose state is not the world's).
 */
int tl_scenario_memo_key(const tl_world_config *cfg, int setup_max_version, long app,
                         int has_setup, char *buf, size_t size);

/*
 * tl_scenario_memo_take - the world kept under key, rewound to just after
 * its set-up, with *setup pointing at the set-up handshake's result (owned
 * by the memo: read it, and SSL_SESSION_dup() a session before offering it).
 * Returns NULL when nothing is kept under key, or when the rewind failed
 * (then the world is dropped). Give the world back with
 * tl_scenario_memo_release(), never tl_world_free().
 */
tl_world *tl_scenario_memo_take(const char *key, const tl_handshake_result **setup);

/*
 * tl_scenario_memo_keep - keep w, which has just run its set-up (result in
 * *setup; a zeroed result when no set-up ran), under key. On success the
 * memo owns w and the contents of *setup (*setup is zeroed), *kept points at
 * the kept result, and the caller gives w back with
 * tl_scenario_memo_release() when its run is over. Returns 0, or -1 when it
 * kept nothing (out of memory): the caller still owns both.
 */
int tl_scenario_memo_keep(const char *key, tl_world *w, tl_handshake_result *setup,
                          const tl_handshake_result **kept);

/*
 * tl_scenario_memo_release - the run that took or kept w is over; the next
 * take rewinds it. Never fails.
 */
void tl_scenario_memo_release(tl_world *w);

#endif
