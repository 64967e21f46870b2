/*
 * behaviour.h - which ticket behaviour changes (release.h) the OpenSSL
 * loaded now has: the answer the engine, the leak excuses and the fuzz
 * oracles use.
 *
 * Three sources, strongest first:
 *   1. asserted: a maintainer says what their build should have
 *      (`--expect-change NAME=yes|no`, TICKETLAB_EXPECT_CHANGES="a=yes,b=no");
 *      the engine then expects that, so a row the library does otherwise
 *      fails: a regression;
 *   2. detected: a small deterministic self-test per change ran against the
 *      library loaded in this process (src/detect/, once per process);
 *   3. history: the upstream release table (release.h), used only where no
 *      self-test has run (a program that never called tl_detect_ensure())
 *      or where one could not decide.
 * Distribution builds backport and revert changes under an old version
 * number, which is why history alone is not enough; where detection and
 * history disagree, or an assertion contradicts detection, every report
 * says so (tl_behaviour_note, the JSON and JUnit writers below).
 *
 *     tl_detect_ensure();                       // detect layer: run the self-tests
 *     if (tl_behaviour_has(TL_CHANGE_TICKET_AFTER_SUITE_MISMATCH)) ...
 *
 * This layer (det) only keeps the answers: it cannot run a self-test,
 * which needs the world above it. The detect layer records them with
 * tl_behaviour_record(). Single-threaded, like the rest of the harness.
 */
#ifndef TICKETLAB_BEHAVIOUR_H
#define TICKETLAB_BEHAVIOUR_H

#include <stddef.h>
#include <stdio.h>

#include "release.h"
#include "ticketlab/error.h"

/* The environment variable of assertions: "NAME=yes|no[,NAME=yes|no...]". */
#define TL_EXPECT_CHANGES_ENV "TICKETLAB_EXPECT_CHANGES"

/* Everything known about one change in this process. */
typedef struct tl_behaviour {
    tl_change change;
    const char *name;       /* tl_change_name() */
    int history;            /* tl_history_has(): 1 or 0 */
    int detected;           /* the self-test's answer: 1, 0, or -1 when none ran or it failed */
    int asserted;           /* 1, 0, or -1 when nobody asserted anything */
    int used;               /* what tl_behaviour_has() answers */
    const char *source;     /* where `used` comes from: "asserted", "detected" or "history" */
    const char *why_undetected; /* when detected is -1: why ("" if no self-test ran) */
} tl_behaviour;

/* tl_behaviour_has - 1 if the running library is to be treated as having
 * change c: asserted, else detected, else history. 0 for a bad c. */
int tl_behaviour_has(tl_change c);

/* tl_behaviour_get - fill b with everything known about c. Never fails;
 * a bad c gives name "?" and every answer 0. */
void tl_behaviour_get(tl_change c, tl_behaviour *b);

/*
 * tl_behaviour_disagrees - 1 when b is worth a user's attention: detection
 * and history differ, or an assertion contradicts detection (or history,
 * when nothing was detected); else 0.
 */
int tl_behaviour_disagrees(const tl_behaviour *b);

/* tl_behaviour_disagreements - how many changes tl_behaviour_disagrees() about now. */
int tl_behaviour_disagreements(void);

/* tl_behaviour_notable - 1 when a report names b: it disagrees, or no
 * self-test decided it (history answers); else 0. */
int tl_behaviour_notable(const tl_behaviour *b);

/* tl_behaviour_notable_count - how many changes are notable now. */
int tl_behaviour_notable_count(void);

/*
 * tl_behaviour_next_notable - the first notable change whose index is
 * `from` or more: fills b and its note (tl_behaviour_note) and returns its
 * index, or -1 when there is none. To list them all:
 *     for (int i = 0; (i = tl_behaviour_next_notable(i, &b, note, sizeof(note))) >= 0; i++)
 */
int tl_behaviour_next_notable(int from, tl_behaviour *b, char *note, size_t size);

/*
 * tl_behaviour_note - one line for a person, e.g.
 *   "absent (upstream from 3.5.7; this is 3.5.7: reverted?)"
 *   "asserted present, detected absent (upstream from 3.0.21; this is 3.0.19)"
 * Always NUL-terminates buf (size > 0).
 */
void tl_behaviour_note(const tl_behaviour *b, char *buf, size_t size);

/*
 * tl_behaviour_record - store the self-test's answer for c: 1, 0, or -1
 * with `why` (copied; may be NULL) when it could not decide. For the
 * detect layer; a later record replaces an earlier one.
 */
void tl_behaviour_record(tl_change c, int detected, const char *why);

/* tl_behaviour_assert - assert c present (yes 1) or absent (0), or drop the
 * assertion (-1). Returns 0, or -1 for a bad c or yes. */
int tl_behaviour_assert(tl_change c, int yes);

/*
 * tl_behaviour_assert_text - apply "NAME=yes|no[,NAME=yes|no...]" (also
 * "1/0", "present/absent"); NAME is a change name (release.h). All or
 * nothing: on -1, err says which item is wrong and nothing was asserted.
 * An empty text asserts nothing and succeeds.
 */
int tl_behaviour_assert_text(const char *text, tl_error *err);

/*
 * tl_behaviour_assert_env - apply TICKETLAB_EXPECT_CHANGES once per process
 * (later calls return the first call's result). Returns 0 (also when it is
 * unset), or -1 with err naming the variable and the bad item.
 */
int tl_behaviour_assert_env(tl_error *err);

/*
 * tl_behaviour_json - write `"changes": [{...}, ...]` (no braces around it),
 * one object per change: name, where, reference, used, source, detected,
 * history, asserted (JSON true/false/null), disagrees, note. For the reports.
 */
void tl_behaviour_json(FILE *f);

/*
 * tl_behaviour_junit - JUnit <property> elements: "changes.disagreements"
 * (a count) and "change.NAME" = the note, for every change.
 */
void tl_behaviour_junit(FILE *f);

#endif
