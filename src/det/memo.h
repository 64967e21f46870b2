/*
 * memo.h - the one switch for ticketlab's memos.
 *
 * Several layers remember work that gives the same answer every time in a
 * deterministic world: the parsed test chain (world.c), decoded session
 * DER (cache.c, sessder_memo.c) and worlds kept after their set-up
 * handshake (scenario_memo.c). Each asks this switch before using what it
 * kept. TICKETLAB_NO_MEMO=1 in the environment turns them all off, which is
 * how ci/bench.sh measures what they buy and how the tests show that they
 * change nothing. Single-threaded, like the rest of the harness.
 */
#ifndef TICKETLAB_MEMO_H
#define TICKETLAB_MEMO_H

/* tl_memo_enabled - 1 when memos may be used, 0 when TICKETLAB_NO_MEMO is set or tl_memo_set(0) was called. */
int tl_memo_enabled(void);

/*
 * tl_memo_set - turn the memos on (1) or off (0), whatever the environment
 * says. Returns the previous setting. Memos already kept stay kept; their
 * owners drop them when they see the switch off.
 */
int tl_memo_set(int on);

#endif
