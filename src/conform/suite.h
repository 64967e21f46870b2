/*
 * suite.h - the conformance suite: the expectations table and its rows.
 *
 * The table (conformance/expectations.tl) is plain text, one row a line:
 *
 *     NAME | SCENARIO | EXPECTED OUTCOME | WHY [| DOCUMENTED]
 *
 * SCENARIO is scenario.h's text form, EXPECTED OUTCOME outcome.h's (or "-"
 * while unpinned), WHY the man-page sentence or source function that
 * defines the behaviour, and the optional DOCUMENTED column what the
 * documentation says where OpenSSL 3.0 does otherwise (a doc/implementation
 * gap). Blank lines and lines starting with '#' are comments.
 *
 * Where an OpenSSL release changed the behaviour, a row is followed by
 * overlay lines, one per change (release.h names them):
 *
 *     NAME | SCENARIO | EXPECTED on releases without the change | WHY
 *       since CHANGE | EXPECTED on releases with it | WHY it changed
 *       since CHANGE | n/a | why the row's case cannot occur there
 *
 * On a release that has several of a row's changes, the last such overlay
 * wins. On BoringSSL or AWS-LC no `since` line applies (they are not
 * OpenSSL releases); `on LIB` lines say what the row gives there:
 *
 *       on boringssl | EXPECTED on BoringSSL | WHY it differs from OpenSSL
 *
 * and a row whose scenario needs an API the library lacks (for example the
 * decrypt callback) is n/a there without running, with tl_scenario_lacks()'s
 * sentence as its reason. An "n/a" row still runs: it passes as n/a when the observed outcome
 * is what the expectation engine predicts for that release, and fails
 * otherwise; the reports show it as n/a with its reason.
 *
 * A row passes when the observed outcome equals the pinned one and the
 * expectation engine (expect.h) predicts the same.
 */
#ifndef TICKETLAB_SUITE_H
#define TICKETLAB_SUITE_H

#include <stddef.h>

#include "ticketlab/error.h"
#include "expect.h"
#include "outcome.h"
#include "scenario.h"

#define TL_ROW_DIFF_MAX (2 * TL_OUTCOME_LINE_MAX)

typedef enum tl_row_status {
    TL_ROW_NOT_RUN = 0,
    TL_ROW_PASS,
    TL_ROW_FAIL,       /* observed or predicted differs from the pin */
    TL_ROW_ERROR,      /* the harness could not run the row */
    TL_ROW_NA          /* the row's case cannot occur on this release; the
                          observed outcome is the engine's prediction */
} tl_row_status;

/* One `since CHANGE | EXPECTED | WHY` line under a row, or one
 * `on LIB | EXPECTED | WHY` line: what the row gives on another TLS library
 * (LIB: boringssl or aws-lc, as tl_tlslib_key() spells it). */
typedef struct tl_overlay {
    char *change;             /* the change's name (release.h), or LIB */
    int library;              /* an `on LIB` line */
    char *expected_text;      /* "n/a", "-" while unpinned, or an outcome */
    char *why;
    int line;
    int applies;              /* the running release has the change */
} tl_overlay;

/*
 * What running a row gives (tl_suite_run_row). Kept apart from the row, and
 * made only for the rows that run, so that a loaded table costs memory in
 * proportion to its text, whatever the outcomes' sizes.
 */
typedef struct tl_row_result {
    tl_outcome expected;      /* the pin that governs this release (pinned rows) */
    tl_outcome observed;
    tl_outcome predicted;
    int predicted_ok;         /* the engine modelled the scenario */
    char engine_why[TL_EXPECT_WHY_MAX];
    char diff[TL_ROW_DIFF_MAX];         /* pinned vs observed */
    char engine_diff[TL_ROW_DIFF_MAX];  /* pinned vs predicted */
    char error[TL_ERROR_MAX];
    double seconds;
} tl_row_result;

typedef struct tl_row {
    char *name;
    char *scenario_text;
    char *expected_text;      /* "-" while unpinned */
    char *why;
    char *documented;         /* NULL unless a doc/implementation gap */
    int line;                 /* in the table file */
    tl_overlay *overlays;     /* the row's `since` lines, in table order */
    size_t n_overlays;
    const tl_overlay *active; /* the one that governs this release, or NULL */
    int not_applicable;       /* the active overlay says n/a */
    const char *lib_na;       /* set by tl_suite_run_row: the running TLS
                                 library lacks an API the scenario needs
                                 (tl_scenario_lacks); the row is n/a, not run */
    tl_scenario scenario;
    int pinned;               /* the governing expected text is an outcome */
    /* set by tl_suite_run_row(): res is NULL until the row runs */
    tl_row_status status;
    tl_row_result *res;
} tl_row;

typedef struct tl_suite {
    tl_row *rows;
    size_t n;
    size_t cap;
    char *path;
    const char *reference_dir; /* reference reports (unexplained.h); NULL: "reference" beside the table */
} tl_suite;

/*
 * tl_suite_load - read the table at path, in time and memory linear in its
 * size. Returns 0, or -1 with err saying which line is wrong and how (all
 * rows must have a valid scenario, an outcome or "-", and a why; names must
 * be unique: a repeated name is refused with both lines).
 */
int tl_suite_load(tl_suite *s, const char *path, tl_error *err);

/* tl_suite_free - free everything. */
void tl_suite_free(tl_suite *s);

/*
 * tl_suite_run_row - run the row's scenario, predict it, compare both with
 * the pin, and set status and res (made on the first run: observed,
 * predicted, the diffs). Returns the status; TL_ROW_ERROR with status left
 * TL_ROW_NOT_RUN when res cannot be allocated.
 */
tl_row_status tl_suite_run_row(tl_row *row);

/*
 * tl_suite_repin - rewrite the table at s->path with the observed outcome
 * of every row that ran (others keep their pin), and the engine's why for
 * rows whose why is "-". Comments and order are kept. Returns 0 or -1.
 */
int tl_suite_repin(const tl_suite *s, tl_error *err);

/* tl_row_expected_text - the pinned outcome text that governs the running
 * release: the active overlay's, else the row's own. */
const char *tl_row_expected_text(const tl_row *r);

/* tl_row_why - the why that governs the running release (the active
 * overlay's why after the row's own). Returns a pointer into r or buf. */
const char *tl_row_why(const tl_row *r, char *buf, size_t size);

/* tl_row_status_name - "pass", "fail", "error", "n/a", "not-run". */
const char *tl_row_status_name(tl_row_status st);

#endif
