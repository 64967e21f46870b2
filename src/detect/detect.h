/*
 * detect.h - detect, in the OpenSSL loaded now, each ticket behaviour
 * change that ticketlab knows (release.h), by a small self-test of its own.
 *
 * Each self-test runs the in-process world (or its probe, or the harness
 * clock) with a fixed seed and a frozen clock, so it gives the same answer
 * every time; together they take a few milliseconds (ci/bench.sh prints the
 * figure). They run once per process and their answers are kept in the
 * det layer (behaviour.h), where the engine, the leak excuses and the fuzz
 * oracles read them with tl_behaviour_has().
 *
 *     tl_error err;
 *     if (tl_detect_install(&err) != 0)      // a bad TICKETLAB_EXPECT_CHANGES
 *         ... usage error: err.msg
 *     if (tl_behaviour_has(TL_CHANGE_PSK_EMPTY_IDENTITY)) ...
 *
 * A self-test saves and puts back the RNG and the clock, and leaves no
 * OpenSSL error on the queue, so running it between two worlds changes
 * nothing they do. It must not run inside a handshake (a ticket callback):
 * the leak excuses, which are asked there, only read the kept answers.
 *
 * A new change is one file here (its self-test, declared in selftest.h)
 * plus a row in detect.c's table and one in release.c's history table.
 */
#ifndef TICKETLAB_DETECT_H
#define TICKETLAB_DETECT_H

#include "behaviour.h"
#include "ticketlab/error.h"

/*
 * tl_detect_ensure - run every self-test once per process and keep the
 * answers (tl_behaviour_record), and apply TICKETLAB_EXPECT_CHANGES. Later
 * calls do nothing. Never fails: a self-test that cannot decide leaves its
 * change to history, with the reason kept (tl_behaviour.why_undetected),
 * and a bad environment variable asserts nothing (tl_detect_install says so).
 */
void tl_detect_ensure(void);

/*
 * tl_detect_install - tl_detect_ensure(), for a program's start: returns 0,
 * or -1 with err when TICKETLAB_EXPECT_CHANGES is malformed or names an
 * unknown change (a usage error: the CLI exits 2). Detection ran anyway.
 */
int tl_detect_install(tl_error *err);

/*
 * tl_detect_run - run c's self-test now, uncached, and record nothing.
 * Returns 1 (the library has the change), 0 (it has not), or -1 with err
 * when the self-test could not decide (the world failed, or it saw an
 * outcome neither answer explains).
 */
int tl_detect_run(tl_change c, tl_error *err);

/* tl_detect_cost_ms - how long tl_detect_ensure()'s self-tests took in this
 * process, wall clock, in milliseconds (0 before they ran). */
double tl_detect_cost_ms(void);

/* tl_detect_cost_cpu_ms - the CPU time they took, in milliseconds: all of
 * them (c -1) or change c's alone. A fairer figure than the wall clock on
 * a loaded machine. 0 before they ran. */
double tl_detect_cost_cpu_ms(int c);

#endif
