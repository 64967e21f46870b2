/*
 * unexplained.h - the failed rows that no named change explains, in one
 * place: "these 3 rows changed; this may be a new behaviour".
 *
 * Every ticket behaviour change ticketlab knows is named (src/det/release.c)
 * and carried by the rows' `since` lines, so a row whose observed outcome
 * differs from the expectation for the running release is one that no named
 * change explains: a new OpenSSL behaviour (tomorrow's 4.1), a patched
 * distribution build, or a regression. The reports gather those rows into
 * one section with, for each row, the outcome fields that differ (expected
 * -> observed), and compare them with the reference reports kept in the
 * repository (conformance/reference/<release>.json, written by
 * ci/matrix.sh): the nearest release's observed outcome for the row, and
 * which reference releases observed what this library did.
 *
 *     tl_unexplained u;
 *     tl_unexplained_find(suite, "conformance/reference", &u, &err);
 *     if (u.n)
 *         tl_unexplained_table(stdout, &u);   // or _json
 *     tl_unexplained_free(&u);
 *
 * Rows whose only difference is the expectation engine's prediction (a
 * ticketlab bug, not an OpenSSL change) and harness errors are not listed
 * here; the reports show them with the other failures.
 */
#ifndef TICKETLAB_UNEXPLAINED_H
#define TICKETLAB_UNEXPLAINED_H

#include <stddef.h>
#include <stdio.h>

#include "ticketlab/error.h"
#include "compare.h"
#include "suite.h"

#define TL_UNEXPLAINED_MAX_REFS 32   /* reference reports read from the directory */

/* One failed row that no named change explains. */
typedef struct tl_unexplained_row {
    const tl_row *row;
    unsigned fields;              /* bit (1u << tl_compare_field): expected != observed */
    const tl_compare_row *nearest; /* the row in the nearest reference, or NULL */
    unsigned like;                /* bit i: reference i observed what this library did */
} tl_unexplained_row;

typedef struct tl_unexplained {
    tl_unexplained_row *rows;
    size_t n;
    size_t n_field[TL_FIELD_COUNT];         /* rows per differing field */
    tl_compare_run refs[TL_UNEXPLAINED_MAX_REFS]; /* every reference, oldest first */
    size_t n_refs;
    int nearest;                  /* index into refs, or -1 when there is none */
    char dir[1024];               /* where the references were looked for */
} tl_unexplained;

/*
 * tl_unexplained_find - collect the failed rows of s that no named change
 * explains and, when there are any, read the reference reports in `dir`
 * (files named RELEASE.json, e.g. 4.0.2.json; NULL or a missing directory:
 * none). The nearest reference is the running release itself, else the
 * newest older one, else the oldest newer one. Returns 0, or -1 with err
 * when memory runs out or a reference cannot be read (err names the file).
 */
int tl_unexplained_find(const tl_suite *s, const char *dir, tl_unexplained *u, tl_error *err);

/* tl_unexplained_free - free what tl_unexplained_find() allocated. */
void tl_unexplained_free(tl_unexplained *u);

/* tl_unexplained_table - the section of the table report (nothing when u->n is 0). */
void tl_unexplained_table(FILE *f, const tl_unexplained *u);

/* tl_unexplained_json - `"unexplained": {...}` for the JSON report (null rows when none). */
void tl_unexplained_json(FILE *f, const tl_unexplained *u);

#endif
