/* cmd_conformance.c - `ticketlab conformance`: run the conformance suite. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "datadir.h"
#include "compare.h"
#include "conform_jobs.h"
#include "release.h"
#include "report.h"
#include "suite.h"
#include "text.h"

#define CMD "conformance"
#define TABLE_NAME "conformance/expectations.tl"
#define TABLE_INSTALLED "expectations.tl"

static void conformance_help(FILE *f)
{
    fprintf(f,
        "NAME\n"
        "    ticketlab conformance - check OpenSSL's session ticket behaviour\n\n"
        "SYNOPSIS\n"
        "    ticketlab conformance [--filter GLOB] [--exclude GLOB] [--tls 1.2|1.3]\n"
        "                          [--format table|json|junit|svg] [-o FILE] [-j N]\n"
        "                          [--expectations FILE] [--reference DIR] [--repin]\n"
        "    ticketlab conformance --scenario 'tls=1.3 present=older dret=USE'\n"
        "    ticketlab conformance --compare A.json B.json [--format table|json|svg]\n"
        "    ticketlab conformance --fields [--format table|json]\n"
        "                          [-o FILE]\n"
        "    ticketlab conformance --changes [--format table|json] [-o FILE]\n"
        "    (every form but --compare and --fields also takes\n"
        "     [--expect-change NAME=yes|no]...)\n\n"
        "DESCRIPTION\n"
        "    Runs every row of the expectations table, each in a fresh\n"
        "    deterministic world, and checks that what a user observes (handshake\n"
        "    result and alerts on both sides, session reuse, NewSessionTickets\n"
        "    and their lifetime hints, the ordered ticket callback log, 0-RTT)\n"
        "    equals the pinned expectation, and that the expectation engine\n"
        "    predicts the same. Rows carrying a 'documented' column are\n"
        "    doc/implementation gaps: they are listed in every report. Failed rows\n"
        "    that no named OpenSSL change explains are gathered in one section\n"
        "    (table and JSON): the fields that differ, and what the nearest\n"
        "    release with a reference report observed (see --reference).\n\n"
        "    With --compare it runs nothing: it reads two JSON reports (run the\n"
        "    suite with --format json on OpenSSL release A, then on release B),\n"
        "    matches their rows by name and shows what changed from A to B: rows\n"
        "    whose status changed (pass -> n/a, say), for each outcome field (hs,\n"
        "    reused, alert, tickets, hints, early, log) the rows whose observed\n"
        "    value changed as \"A -> B\", and the rows only one run has.\n\n"
        "    The rows that differ between OpenSSL releases follow the ticket\n"
        "    behaviour changes that small self-tests detect in the library loaded\n"
        "    now, not its version number: a distribution build with a fix\n"
        "    backported (or an upstream change reverted) passes. --changes lists\n"
        "    them with what upstream history says; wherever the two disagree,\n"
        "    every report and `ticketlab --version` say so.\n\n"
        "OPTIONS\n"
        "    --filter GLOB        run only rows whose name matches (fnmatch)\n"
        "    --exclude GLOB       skip rows whose name matches (repeatable, up to 8)\n"
        "    --tls 1.2|1.3        run only rows whose checked handshake is that version\n"
        "    --format F[,F...]    table (default), json, junit or svg; several, comma-\n"
        "                         separated, write each from the one run to -o BASE\n"
        "                         plus .txt, .json, .xml or .svg\n"
        "    -o FILE              write the report to FILE instead of standard output\n"
        "    -j, --jobs N         run the rows in N worker processes (1 to 256; default:\n"
        "                         the processors this process may use). Rows sharing a\n"
        "                         set-up go to one worker; the reports are those of -j 1,\n"
        "                         row order included, timings apart. A worker that\n"
        "                         crashes fails its row (a harness error naming the signal)\n"
        "    --expectations FILE  the table (default: $TICKETLAB_SOURCE_DIR/" TABLE_NAME ",\n"
        "                         else ../share/ticketlab/" TABLE_INSTALLED " next to an\n"
        "                         installed ticketlab, else the source tree's)\n"
        "    --reference DIR      the reference reports (RELEASE.json, one per release, from\n"
        "                         ci/matrix.sh) that failed rows are compared with\n"
        "                         (default: reference/ beside the table)\n"
        "    --allow-empty        a selection (--filter, --exclude, --tls) that matches\n"
        "                         no row, or a --compare of two reports without rows,\n"
        "                         is fine: exit 0 with an empty report. Without it,\n"
        "                         that is a usage error (exit 2): a typo in a pattern\n"
        "                         must not turn a CI job green\n"
        "    --repin              rewrite the table's expected column with what was\n"
        "                         observed (review the diff before committing it)\n"
        "    --scenario TEXT      run one scenario, print observed and predicted outcomes\n"
        "    --fields             list the scenario fields: syntax, default and meaning\n"
        "    --changes            list the ticket behaviour changes: detected, history\n"
        "                         and asserted answers, where each lives, its reference\n"
        "    --expect-change NAME=yes|no\n"
        "                         assert that the library has (yes) or lacks (no) the\n"
        "                         change NAME (repeatable; also TICKETLAB_EXPECT_CHANGES=\n"
        "                         \"NAME=yes,NAME=no\"): the expectations follow the\n"
        "                         assertion, so a row that differs fails (a regression),\n"
        "                         and an assertion detection contradicts is reported\n"
        "    --compare A B        compare two JSON reports instead of running the suite;\n"
        "                         --format table (default), json or svg, and -o FILE\n"
        "                         (written whole or not at all) apply\n"
        "    --help               this text\n\n"
        "EXIT STATUS\n"
        "    0 every row passed, 1 a row failed (each is named in the report),\n"
        "    2 usage or I/O error, or no row selected (see --allow-empty).\n"
        "    With --compare: 0 the two runs agree, 1 they differ (like diff(1)),\n"
        "    2 usage error, a report that cannot be read, or two reports\n"
        "    without rows (see --allow-empty).\n");
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int excluded(const char *name, const char *const *globs, int n)
{
    for (int i = 0; i < n; i++)
        if (fnmatch(globs[i], name, 0) == 0)
            return 1;
    return 0;
}

static int run_one_scenario(const char *text)
{
    tl_scenario sc;
    tl_outcome obs, pred;
    tl_error err = { "" };
    char why[TL_EXPECT_WHY_MAX], line[TL_OUTCOME_LINE_MAX], diff[TL_ROW_DIFF_MAX];
    int modelled;

    if (tl_scenario_parse(text, &sc, &err) != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    if (tl_scenario_run(&sc, &obs, &err) != 0)
        return tl_cli_fail(CMD, "the scenario did not run: %s", err.msg);
    tl_scenario_format(&sc, line, sizeof(line));
    printf("scenario:  %s\n", line);
    tl_outcome_format(&obs, line, sizeof(line));
    printf("observed:  %s\n", line);
    modelled = tl_expect_predict(&sc, &pred, why, sizeof(why)) == 0;
    if (!modelled) {
        printf("predicted: (not modelled: %s)\n", why);
        return TL_EXIT_REJECTED;
    }
    tl_outcome_format(&pred, line, sizeof(line));
    printf("predicted: %s\nwhy:       %s\n", line, why);
    if (tl_outcome_diff(&pred, &obs, diff, sizeof(diff)) != 0) {
        printf("engine differs: %s\n", diff);
        return TL_EXIT_REJECTED;
    }
    return TL_EXIT_OK;
}

/* --compare: read both reports, write what changed to `out` (NULL: stdout), atomically. */
static int run_compare(const char *path_a, const char *path_b, tl_report_format fmt, const char *out,
                       int allow_empty)
{
    tl_compare_run a, b;
    tl_compare cmp;
    tl_error err = { "" };
    tl_cli_report report;
    size_t differ = 0, changed = 0, only_a = 0, only_b = 0;
    int rc;

    if (tl_compare_load(path_a, &a, &err) != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    if (tl_compare_load(path_b, &b, &err) != 0) {
        tl_compare_run_free(&a);
        return tl_cli_fail(CMD, "%s", err.msg);
    }
    if (a.n == 0 && b.n == 0 && !allow_empty) {
        tl_compare_run_free(&a);
        tl_compare_run_free(&b);
        return tl_cli_fail(CMD, "--compare: %s and %s hold no rows: nothing to compare "
                           "(--allow-empty accepts that)", path_a, path_b);
    }
    rc = tl_compare_runs(&a, &b, &cmp, &err);
    if (rc == 0) {
        differ = cmp.n;
        only_a = cmp.n_only_a;
        only_b = cmp.n_only_b;
        changed = cmp.n - only_a - only_b;
        if (tl_cli_report_open(&report) != 0)
            rc = tl_error_set(&err, "out of memory");
        else if ((rc = tl_compare_write(report.f, &cmp, fmt, &err)) != 0)
            tl_cli_report_discard(&report);
        else
            rc = tl_cli_report_save(&report, out, &err);
        tl_compare_free(&cmp);
    }
    if (rc == 0 && differ && (fmt != TL_REPORT_TABLE || out != NULL))
        tl_text_line(stderr, "ticketlab conformance: OpenSSL %s (%s) and OpenSSL %s (%s) differ: %zu row%s changed, "
                "%zu only in A, %zu only in B", a.release, path_a, b.release, path_b, changed,
                changed == 1 ? "" : "s", only_a, only_b);
    tl_compare_run_free(&a);
    tl_compare_run_free(&b);
    if (rc != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    return differ ? TL_EXIT_REJECTED : TL_EXIT_OK;
}

/* What the command line asks for. */
typedef struct conformance_args {
    const char *filter, *tls, *format, *out, *table, *reference, *scenario, *compare_a, *compare_b;
    const char *exclude[8];
    const char *expect[TL_CHANGE_COUNT * 2];
    int n_exclude, n_expect, repin, fields, changes, help, allow_empty, jobs;   /* jobs 0: not given */
} conformance_args;

enum { OPT_FILTER = 256, OPT_EXCLUDE, OPT_TLS, OPT_FORMAT, OPT_EXPECTATIONS, OPT_REFERENCE, OPT_REPIN, OPT_SCENARIO,
       OPT_FIELDS, OPT_COMPARE, OPT_CHANGES, OPT_EXPECT_CHANGE, OPT_ALLOW_EMPTY, OPT_JOBS, OPT_HELP };

/* Read the options. Returns TL_EXIT_OK, or TL_EXIT_USAGE after printing why. */
static int parse_args(int argc, char **argv, conformance_args *a)
{
    static const struct option longopts[] = {
        { "filter", required_argument, NULL, OPT_FILTER },
        { "exclude", required_argument, NULL, OPT_EXCLUDE },
        { "tls", required_argument, NULL, OPT_TLS },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "o", required_argument, NULL, 'o' },
        { "jobs", required_argument, NULL, OPT_JOBS },
        { "j", required_argument, NULL, 'j' },
        { "expectations", required_argument, NULL, OPT_EXPECTATIONS },
        { "reference", required_argument, NULL, OPT_REFERENCE },
        { "repin", no_argument, NULL, OPT_REPIN },
        { "scenario", required_argument, NULL, OPT_SCENARIO },
        { "fields", no_argument, NULL, OPT_FIELDS },
        { "compare", no_argument, NULL, OPT_COMPARE },
        { "changes", no_argument, NULL, OPT_CHANGES },
        { "expect-change", required_argument, NULL, OPT_EXPECT_CHANGE },
        { "allow-empty", no_argument, NULL, OPT_ALLOW_EMPTY },
        { "help", no_argument, NULL, OPT_HELP },
        { "h", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *v;
    int c, compare = 0;

    memset(a, 0, sizeof(*a));
    a->format = "table";
    tl_cli_getopt_reset();
    while ((c = tl_cli_getopt(argc, argv, longopts, &v, CMD)) != -1) {
        switch (c) {
        case OPT_HELP: case 'h': a->help = 1; return TL_EXIT_OK;
        case OPT_FILTER: a->filter = v; break;
        case OPT_EXCLUDE:
            if (a->n_exclude == 8)
                return tl_cli_fail(CMD, "at most 8 --exclude patterns");
            a->exclude[a->n_exclude++] = v;
            break;
        case OPT_TLS: a->tls = v; break;
        case OPT_FORMAT: a->format = v; break;
        case 'o': a->out = v; break;
        case 'j': case OPT_JOBS: {
            unsigned long long n;

            if (tl_cli_uint(v, TL_JOBS_MAX, &n) != 0 || n == 0)
                return tl_cli_fail(CMD, "-j takes a number of worker processes from 1 to %d, not '%s'",
                                   TL_JOBS_MAX, v);
            a->jobs = (int)n;
            break;
        }
        case OPT_EXPECTATIONS: a->table = v; break;
        case OPT_REFERENCE: a->reference = v; break;
        case OPT_REPIN: a->repin = 1; break;
        case OPT_SCENARIO: a->scenario = v; break;
        case OPT_FIELDS: a->fields = 1; break;
        case OPT_COMPARE: compare = 1; break;
        case OPT_CHANGES: a->changes = 1; break;
        case OPT_EXPECT_CHANGE:
            if (a->n_expect == (int)(sizeof(a->expect) / sizeof(a->expect[0])))
                return tl_cli_fail(CMD, "at most %zu --expect-change options",
                                   sizeof(a->expect) / sizeof(a->expect[0]));
            a->expect[a->n_expect++] = v;
            break;
        case OPT_ALLOW_EMPTY: a->allow_empty = 1; break;
        default: return TL_EXIT_USAGE;
        }
    }
    /* --compare A.json B.json: the two operands */
    if (compare && argc - optind != 2)
        return tl_cli_fail(CMD, "--compare needs two JSON reports: --compare A.json B.json");
    if (!compare && optind < argc)
        return tl_cli_fail(CMD, "unexpected argument '%s' (try --help)", argv[optind]);
    if (compare) {
        a->compare_a = argv[optind];
        a->compare_b = argv[optind + 1];
    }
    return TL_EXIT_OK;
}

/* --compare: check what goes with it, then compare. */
static int compare_reports(const conformance_args *a)
{
    tl_report_format fmt;

    if (a->filter != NULL || a->tls != NULL || a->table != NULL || a->reference != NULL || a->scenario != NULL || a->repin
        || a->n_exclude || a->n_expect || a->changes || a->jobs)
        return tl_cli_fail(CMD, "--compare reads two reports and runs nothing: it takes only --format, -o "
                           "and --allow-empty");
    if (strcmp(a->compare_a, "-") == 0 && strcmp(a->compare_b, "-") == 0)
        return tl_cli_fail(CMD, "--compare: only one of the two reports can be standard input");
    if (tl_report_format_parse(a->format, &fmt) != 0 || fmt == TL_REPORT_JUNIT)
        return tl_cli_fail(CMD, "--format %s: a comparison is written as table, json or svg", a->format);
    return run_compare(a->compare_a, a->compare_b, fmt, a->out, a->allow_empty);
}

/* 1 if the options select row r. */
static int selected(const tl_row *r, const conformance_args *a, int want_tls)
{
    return (a->filter == NULL || fnmatch(a->filter, r->name, 0) == 0)
           && (!want_tls || r->scenario.tls == want_tls) && !excluded(r->name, a->exclude, a->n_exclude);
}

/* How many rows the options select. */
static size_t count_selected(const tl_suite *suite, const conformance_args *a, int want_tls)
{
    size_t n = 0;

    for (size_t i = 0; i < suite->n; i++)
        n += selected(&suite->rows[i], a, want_tls);
    return n;
}

/* The options that select rows, as given: "--filter 'x*' --tls 1.3". */
static void selection_text(const conformance_args *a, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    if (a->filter != NULL)
        used += (size_t)snprintf(buf + used, size - used, " --filter '%s'", a->filter);
    for (int i = 0; i < a->n_exclude && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, " --exclude '%s'", a->exclude[i]);
    if (a->tls != NULL && used < size)
        snprintf(buf + used, size - used, " --tls %s", a->tls);
}

/*
 * Run the rows the options select, in a->jobs worker processes (conform_jobs.h).
 * Returns how many failed, or -1 with err when they could not be run; *bad_worker
 * is set when a worker ended badly after its rows (err says how).
 */
static int run_rows(tl_suite *suite, const conformance_args *a, int want_tls, int *bad_worker, tl_error *err)
{
    size_t *rows = malloc((suite->n ? suite->n : 1) * sizeof(*rows)), n = 0;
    int failed = 0, rc;

    *bad_worker = 0;
    if (rows == NULL)
        return tl_error_set(err, "out of memory");
    for (size_t i = 0; i < suite->n; i++) {
        const tl_row *r = &suite->rows[i];

        if (!selected(r, a, want_tls))
            continue;
        rows[n++] = i;
    }
    rc = tl_jobs_run(suite, rows, n, a->jobs ? a->jobs : tl_jobs_default(), err);
    /* A selected row left not run (no memory for its result) fails too. */
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        tl_row_status st = suite->rows[rows[i]].status;

        if (st != TL_ROW_PASS && st != TL_ROW_NA)
            failed++;
    }
    free(rows);
    if (rc < 0)
        return -1;
    *bad_worker = rc > 0;
    return failed;
}

#define MAX_FORMATS 4

/*
 * The --format list: one format, or several comma-separated ones (each
 * once). Returns how many, or -1 after printing why not.
 */
static int parse_formats(const char *list, tl_report_format *fmts)
{
    char buf[64];
    char *save = NULL, *tok;
    int n = 0;

    if (strlen(list) >= sizeof(buf) || strspn(list, ",") == strlen(list)) {
        tl_cli_fail(CMD, "--format %s: use table, json, junit or svg", list);
        return -1;
    }
    strcpy(buf, list);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tl_report_format f;
        int twice = 0;

        if (tl_report_format_parse(tok, &f) != 0) {
            tl_cli_fail(CMD, "--format %s: use table, json, junit or svg", tok);
            return -1;
        }
        for (int i = 0; i < n; i++)
            twice |= fmts[i] == f;
        if (twice) {
            tl_cli_fail(CMD, "--format %s: %s is given twice", list, tok);
            return -1;
        }
        fmts[n++] = f;
    }
    return n;
}

/* Where one format's report goes: out itself, or with several, out plus the format's extension. */
static const char *report_path(const char *out, int n_formats, tl_report_format fmt, char *buf, size_t size)
{
    static const char *const ext[] = { ".txt", ".json", ".xml", ".svg" };

    if (n_formats == 1)
        return out;
    snprintf(buf, size, "%s%s", out, ext[fmt]);
    return buf;
}

/* Write the reports; returns 0 or -1 with err naming the file and the reason. */
static int write_reports(const tl_suite *suite, const tl_report_format *fmts, int n, const char *out,
                         double seconds, tl_error *err)
{
    for (int i = 0; i < n; i++) {
        char path[4096];
        tl_cli_report report;

        /* Made in memory, then written whole (atomically to a file): a full
         * disk or a symlink never leaves a cut or clobbered report. */
        if (tl_cli_report_open(&report) != 0)
            return tl_error_set(err, "out of memory");
        if (tl_report_write(report.f, suite, fmts[i], seconds, err) != 0) {
            tl_cli_report_discard(&report);
            return -1;
        }
        if (tl_cli_report_save(&report, report_path(out, n, fmts[i], path, sizeof(path)), err) != 0)
            return -1;
    }
    return 0;
}

/* Run the suite and write its reports. */
static int run_suite(const conformance_args *a)
{
    const char *table = a->table;
    char found[4096], tried[TL_DATA_TRIED_MAX];
    int want_tls = 0, failed, rc, n_fmts, bad_worker;
    tl_report_format fmts[MAX_FORMATS];
    tl_suite suite;
    tl_error err = { "" };
    double t0;

    if ((n_fmts = parse_formats(a->format, fmts)) < 0)
        return TL_EXIT_USAGE;
    if (n_fmts > 1 && (a->out == NULL || strcmp(a->out, "-") == 0))
        return tl_cli_fail(CMD, "--format %s writes several reports: -o BASE names them (BASE.txt, BASE.json, ...)",
                           a->format);
    if (a->tls != NULL && tl_cli_tls_version("--tls", a->tls, &want_tls, CMD) != 0)
        return TL_EXIT_USAGE;
    if (table == NULL) {
        if (tl_cli_data_file(TABLE_INSTALLED, TABLE_NAME, found, sizeof(found), tried) != 0)
            return tl_cli_fail(CMD, "cannot find the expectations table (looked for %s): "
                               "set TICKETLAB_SOURCE_DIR or pass --expectations FILE", tried);
        table = found;
    }
    if (tl_suite_load(&suite, table, &err) != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    suite.reference_dir = a->reference;
    /* A run that checks nothing is not a pass: a typo in a pattern must
     * not turn a CI job green for ever. */
    if (!a->allow_empty && count_selected(&suite, a, want_tls) == 0) {
        char sel[1024];

        selection_text(a, sel, sizeof(sel));
        tl_suite_free(&suite);
        return tl_cli_fail(CMD, "%s: no row matches%s: nothing would be checked (check the pattern, "
                           "or pass --allow-empty)", table, sel);
    }
    t0 = now_seconds();
    failed = run_rows(&suite, a, want_tls, &bad_worker, &err);
    t0 = now_seconds() - t0;
    if (failed < 0) {
        tl_suite_free(&suite);
        return tl_cli_fail(CMD, "%s", err.msg);
    }
    if (bad_worker) {
        /* The rows have their results: write the reports, then fail. */
        tl_cli_fail(CMD, "%s", err.msg);
        failed++;
    }
    rc = write_reports(&suite, fmts, n_fmts, a->out, t0, &err);
    if (rc == 0 && a->repin && tl_suite_repin(&suite, &err) != 0)
        rc = -1;
    tl_suite_free(&suite);
    if (rc != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    if (failed && (n_fmts > 1 || fmts[0] != TL_REPORT_TABLE))
        fprintf(stderr, "ticketlab conformance: %d row%s failed\n", failed, failed == 1 ? "" : "s");
    return failed && !a->repin ? TL_EXIT_REJECTED : TL_EXIT_OK;
}

int tl_cmd_conformance(int argc, char **argv)
{
    conformance_args a;
    int rc = parse_args(argc, argv, &a);

    if (rc != TL_EXIT_OK)
        return rc;
    if (a.help) {
        conformance_help(stdout);
        return TL_EXIT_OK;
    }
    if (a.compare_a != NULL)
        return compare_reports(&a);
    if (a.fields) {
        if (a.n_expect)
            return tl_cli_fail(CMD, "--fields lists the scenario fields: --expect-change does not go with it");
        tl_scenario_fields_print(stdout, strcmp(a.format, "json") == 0);
        if (fflush(stdout) != 0 || ferror(stdout))
            return tl_cli_fail(CMD, "cannot write the field table to standard output");
        return TL_EXIT_OK;
    }
    /* What the loaded library does, and what the maintainer asserts. */
    if ((rc = tl_cli_expect_changes(CMD, a.expect, a.n_expect)) != TL_EXIT_OK)
        return rc;
    if (a.changes)
        return tl_cli_changes(CMD, a.format, a.out);
    if (a.scenario != NULL)
        return run_one_scenario(a.scenario);
    return run_suite(&a);
}
