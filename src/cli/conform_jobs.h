/*
 * conform_jobs.h - `ticketlab conformance -j N`: the selected rows of the
 * suite run in N worker processes, and their results come back into the
 * suite's rows, so the reports are written exactly as after a run in one
 * process (same rows, same order, same bytes apart from the timings).
 *
 * Processes, not threads: the harness clock, RNG and memos are per process.
 * The workers are forked after the table is loaded. Rows whose worlds share
 * a set-up (tl_scenario_world_key) go to the same worker, so each set-up
 * handshake runs once per run as in one process. Groups are handed out in
 * the order of their first row to whichever worker is free, and each row's
 * result comes back through a pipe.
 *
 * A worker that dies (a crash, a signal) while running a row leaves that
 * row a harness error naming the signal or exit status; the rest of its
 * rows go to a new worker. A worker that exits non-zero after its rows (a
 * sanitizer's leak report, say) is a failure of the run.
 */
#ifndef TICKETLAB_CONFORM_JOBS_H
#define TICKETLAB_CONFORM_JOBS_H

#include <stddef.h>

#include "ticketlab/error.h"
#include "suite.h"

#define TL_JOBS_MAX 256

/* tl_jobs_default - the number of processors this process may run on (at least 1). */
int tl_jobs_default(void);

/*
 * tl_jobs_run - run the rows s->rows[rows[0..n-1]] (in table order) in at
 * most `jobs` worker processes (fewer when there are fewer groups of rows
 * sharing a set-up; none, in this process, when one is enough). Fills each
 * row as tl_suite_run_row() does. Returns 0 when every row has a result;
 * 1 with err when every row has a result but a worker ended badly after
 * its rows (err names it and its last row; the reports can be written);
 * -1 with err when the rows could not be run (no worker process started).
 */
int tl_jobs_run(tl_suite *s, const size_t *rows, size_t n, int jobs, tl_error *err);

#endif
