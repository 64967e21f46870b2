/*
 * report.h - conformance reports: a terminal table, JSON, JUnit XML, SVG.
 *
 * All four read a suite whose rows have run (suite.h):
 *
 *   table  one line per row (status, name, outcome class, tickets, alerts),
 *          the diff of every failing row, the status x return grids of the
 *          matrix rows, the doc/implementation gaps, and a summary line
 *   json   every row with its scenario, why, pinned, observed and predicted
 *          outcomes, diffs and timing, then the gaps and a summary
 *   junit  one <testcase> per row; a failing row carries a <failure> whose
 *          text is the diff; harness errors are <error>
 *   svg    one status x return grid per TLS version and key source, built
 *          from the rows named matrix.TLS.KEYS.STATUS.RETURN; each cell is
 *          coloured by outcome class and crossed where the row failed
 */
#ifndef TICKETLAB_REPORT_H
#define TICKETLAB_REPORT_H

#include <stdio.h>

#include "ticketlab/error.h"
#include "suite.h"

typedef enum tl_report_format {
    TL_REPORT_TABLE = 0,
    TL_REPORT_JSON,
    TL_REPORT_JUNIT,
    TL_REPORT_SVG
} tl_report_format;

/* tl_report_format_parse - "table", "json", "junit", "svg". Returns 0 or -1. */
int tl_report_format_parse(const char *name, tl_report_format *out);

/* tl_report_format_name - the reverse. */
const char *tl_report_format_name(tl_report_format fmt);

/*
 * tl_report_write - write the report of the rows of s that ran, in `fmt`,
 * to f. `seconds` is the wall time of the whole run (for the summary).
 * Returns 0, or -1 with err when writing failed.
 */
int tl_report_write(FILE *f, const tl_suite *s, tl_report_format fmt, double seconds,
                    tl_error *err);

#endif
