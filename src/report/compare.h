/*
 * compare.h - what changed between two conformance runs (two OpenSSL
 * releases, say): `ticketlab conformance --compare A.json B.json`.
 *
 * Each run is a JSON report (report.h) written by `ticketlab conformance
 * --format json`. Rows are matched by name. For a row in both runs the
 * comparison records whether its status changed (pass -> n/a, say) and
 * which fields of its observed outcome changed, with outcome.h's field
 * names: hs, reused, alert, tickets, hints, early, log. Rows in only one
 * run are listed as such.
 *
 *     tl_compare_run a, b;
 *     tl_compare cmp;
 *     if (tl_compare_load("3.0.json", &a, &err) != 0 || ...)
 *         ... err.msg names the file and the problem
 *     tl_compare_runs(&a, &b, &cmp, &err);
 *     tl_compare_write(stdout, &cmp, TL_REPORT_TABLE, &err);
 *     ... cmp.n == 0: the runs agree
 *     tl_compare_free(&cmp); tl_compare_run_free(&a); tl_compare_run_free(&b);
 *
 * The reports:
 *
 *   table  the versions, the rows whose status changed, then one group per
 *          outcome field listing the rows whose field changed as "A -> B",
 *          the rows in only one run, and a summary line
 *   json   both runs, every differing row with its status and changed
 *          fields (each {"a": ..., "b": ...}), the rows in only one run,
 *          and counts
 *   svg    a grid: differing rows down, status and the outcome fields
 *          across; a changed cell is coloured, shows "A → B" and carries
 *          the full values in its <title>
 */
#ifndef TICKETLAB_COMPARE_H
#define TICKETLAB_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "ticketlab/error.h"
#include "outcome.h"
#include "report.h"

#define TL_COMPARE_MAX_ROWS 20000  /* rows in one report; the table has ~600 */

/* The observed outcome's fields, in outcome.h's order. */
typedef enum tl_compare_field {
    TL_FIELD_HS = 0,
    TL_FIELD_REUSED,
    TL_FIELD_ALERT,
    TL_FIELD_TICKETS,
    TL_FIELD_HINTS,
    TL_FIELD_EARLY,
    TL_FIELD_LOG,
    TL_FIELD_COUNT
} tl_compare_field;

/* One row of a report. */
typedef struct tl_compare_row {
    char *name;
    char *status;          /* "pass", "fail", "error" or "n/a" */
    int has_observed;      /* 0 for a harness error: no outcome was observed */
    tl_outcome observed;
} tl_compare_row;

/* One report. */
typedef struct tl_compare_run {
    char *path;
    char *release;         /* "3.5.7" */
    char *openssl;         /* "OpenSSL 3.5.7 1 Jul 2025" */
    tl_compare_row *rows;  /* in the report's order */
    size_t n;
} tl_compare_run;

/* One row that differs between the runs. */
typedef struct tl_compare_entry {
    const tl_compare_row *a;   /* NULL: the row is only in run B */
    const tl_compare_row *b;   /* NULL: the row is only in run A */
    int status_changed;
    unsigned fields;           /* bit (1u << tl_compare_field) per changed outcome field */
} tl_compare_entry;

typedef struct tl_compare {
    const tl_compare_run *a, *b;
    tl_compare_entry *entries; /* rows of A in A's order, then the rows only in B */
    size_t n;                  /* 0: the runs agree */
    size_t in_both;            /* rows present in both runs */
    size_t n_status, n_outcome, n_only_a, n_only_b;
    size_t n_field[TL_FIELD_COUNT];  /* rows whose field changed */
} tl_compare;

/*
 * tl_compare_load - read the JSON report at path: its "release" and
 * "openssl" strings and, per row, "name", "status" and "observed_text"
 * (parsed with tl_outcome_parse; null only when the status is "error").
 * Returns 0, or -1 with err naming the file and the problem ("a.json: byte
 * 120 (line 2): ...", "a.json: row 3 (matrix.x): status is \"maybe\"", or
 * "a.json: rows have no observed_text: ..."); *run is then empty.
 */
int tl_compare_load(const char *path, tl_compare_run *run, tl_error *err);

/* tl_compare_run_free - free what tl_compare_load() allocated. */
void tl_compare_run_free(tl_compare_run *run);

/*
 * tl_compare_runs - compare run a with run b. *out keeps pointers into
 * both runs, which must outlive it. Returns 0, or -1 with err when memory
 * runs out.
 */
int tl_compare_runs(const tl_compare_run *a, const tl_compare_run *b,
                    tl_compare *out, tl_error *err);

/* tl_compare_free - free what tl_compare_runs() allocated. */
void tl_compare_free(tl_compare *c);

/* tl_compare_field_name - "hs", "reused", "alert", "tickets", "hints", "early", "log". */
const char *tl_compare_field_name(tl_compare_field f);

/*
 * tl_compare_field_text - one field of o as it reads in the one-line form
 * ("ok/fail" for hs, "2" for tickets, ...), into buf (always NUL-terminated).
 * Returns buf.
 */
const char *tl_compare_field_text(const tl_outcome *o, tl_compare_field f,
                                  char *buf, size_t size);

/*
 * tl_compare_write - write the comparison to f as a table, JSON or SVG
 * (TL_REPORT_JUNIT has no comparison form). Returns 0, or -1 with err
 * when the format is junit or writing failed.
 */
int tl_compare_write(FILE *f, const tl_compare *c, tl_report_format fmt, tl_error *err);

#endif
