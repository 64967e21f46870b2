/*
 * selftest.h - one self-test per ticket behaviour change (internal to the
 * detect layer; detect.c's table lists them).
 *
 * Each returns 1 when the loaded library has the change, 0 when it has
 * not, and -1 with err when it cannot tell. It builds what it needs from
 * scratch with a fixed seed and clock (detect.c saves and restores the RNG
 * and the clock around it) and frees all of it.
 */
#ifndef TICKETLAB_SELFTEST_H
#define TICKETLAB_SELFTEST_H

#include "ticketlab/error.h"
#include "ticketlab/world.h"

/*
 * tl_selftest_world - a TLS 1.3 world from cfg (NULL: the defaults; seed 1,
 * the frozen TL_CLOCK_EPOCH) that has run its first, full handshake into
 * *full, with at least one resumable session. Returns the world (free it
 * and tl_handshake_result_free(full)), or NULL with err (nothing to free).
 */
tl_world *tl_selftest_world(const tl_world_config *cfg, tl_handshake_result *full, tl_error *err);

/* Called between the two handshakes of tl_selftest_resume(): adjust the
 * world and the options (o->session is the full handshake's first
 * session, which the caller may change in place). Returns 0, or -1 with err. */
typedef int (*tl_selftest_prepare)(tl_world *w, tl_handshake_opts *o, void *arg, tl_error *err);

/*
 * tl_selftest_resume - tl_selftest_world(cfg), then prepare (may be NULL),
 * then a second handshake offering the first session, into *again; frees
 * the world. Returns 0 (free *again with tl_handshake_result_free()), or
 * -1 with err (nothing to free).
 */
int tl_selftest_resume(const tl_world_config *cfg, tl_selftest_prepare prepare, void *arg,
                       tl_handshake_result *again, tl_error *err);

int tl_selftest_psk_empty_identity(tl_error *err);
int tl_selftest_ticket_after_suite_mismatch(tl_error *err);
int tl_selftest_psk_abort_frees_session(tl_error *err);
int tl_selftest_client_age_no_wrap(tl_error *err);
int tl_selftest_clear_drops_session(tl_error *err);
int tl_selftest_wall_clock_gettimeofday(tl_error *err);
int tl_selftest_get_error_ignores_queue(tl_error *err);

#endif
