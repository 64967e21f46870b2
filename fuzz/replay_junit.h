/*
 * replay_junit.h - replay inputs in child processes and report each one
 * as a JUnit <testcase>. Internal to the replay drivers (replay_main.c).
 *
 * A finding aborts the process that meets it, so an in-process replay can
 * say only that some input failed. Here the inputs first run together in
 * one child (the usual case: all pass, one set-up); only if that child
 * fails does each input run alone in a child of its own, to say which fail
 * and why: the first line of its output that names a finding ("ticketlab
 * oracle:", a sanitizer's "ERROR:", "runtime error:" or "SUMMARY:"), and
 * the last 4000 bytes of that output.
 *
 *   char *paths[] = { "corpus/fuzz_ticket_open/a", "corpus/fuzz_ticket_open/b" };
 *   long failed = tl_replay_junit("fuzz_ticket_open", paths, 2, replay_one,
 *                                 "reports/open.xml", &err);
 */
#ifndef TICKETLAB_REPLAY_JUNIT_H
#define TICKETLAB_REPLAY_JUNIT_H

#include <stddef.h>

#include "ticketlab/error.h"

/* Replays one input in the calling process. Returns 0, or -1 when the
 * input cannot be read (after saying why on stderr). */
typedef int (*tl_replay_fn)(const char *path);

/*
 * tl_replay_junit - run paths[0..n) through `run` in child processes (600 s
 * for all together, 120 s for one alone) and write `junit_path`: one
 * <testsuite name=suite> with a <testcase classname=suite name=PATH> per
 * input, a <failure> in those that fail. Every name and message goes
 * through tl_xml_text, so the file always parses. Prints "FAIL PATH:
 * MESSAGE" on stderr for each failing input. The file is replaced whole or
 * not at all.
 * Returns the number of failing inputs (0..n), or -1 with err set when no
 * child could be started or the report could not be written.
 */
long tl_replay_junit(const char *suite, char *const *paths, size_t n, tl_replay_fn run,
                     const char *junit_path, tl_error *err);

#endif
