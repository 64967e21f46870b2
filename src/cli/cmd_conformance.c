/* cmd_conformance.c - `ticketlab conformance`: run the conformance suite. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "compare.h"
#include "report.h"
#include "suite.h"

#define CMD "conformance"
#define TABLE_NAME "conformance/expectations.tl"

static void conformance_help(FILE *f)
{
    fprintf(f,
        "NAME\n"
        "    ticketlab conformance - check OpenSSL's session ticket behaviour\n\n"
        "SYNOPSIS\n"
        "    ticketlab conformance [--filter GLOB] [--exclude GLOB] [--tls 1.2|1.3]\n"
        "                          [--format table|json|junit|svg] [-o FILE]\n"
        "                          [--expectations FILE] [--repin]\n"
        "    ticketlab conformance --scenario 'tls=1.3 present=older dret=USE'\n"
        "    ticketlab conformance --compare A.json B.json [--format table|json|svg]\n"
        "                          [-o FILE]\n\n"
        "DESCRIPTION\n"
        "    Runs every row of the expectations table, each in a fresh\n"
        "    deterministic world, and checks that what a user observes (handshake\n"
        "    result and alerts on both sides, session reuse, NewSessionTickets\n"
        "    and their lifetime hints, the ordered ticket callback log, 0-RTT)\n"
        "    equals the pinned expectation, and that the expectation engine\n"
        "    predicts the same. Rows carrying a 'documented' column are\n"
        "    doc/implementation gaps: they are listed in every report.\n\n"
        "    With --compare it runs nothing: it reads two JSON reports (run the\n"
        "    suite with --format json on OpenSSL release A, then on release B),\n"
        "    matches their rows by name and shows what changed from A to B: rows\n"
        "    whose status changed (pass -> n/a, say), for each outcome field (hs,\n"
        "    reused, alert, tickets, hints, early, log) the rows whose observed\n"
        "    value changed as \"A -> B\", and the rows only one run has.\n\n"
        "OPTIONS\n"
        "    --filter GLOB        run only rows whose name matches (fnmatch)\n"
        "    --exclude GLOB       skip rows whose name matches (repeatable, up to 8)\n"
        "    --tls 1.2|1.3        run only rows whose checked handshake is that version\n"
        "    --format F           table (default), json, junit or svg\n"
        "    -o FILE              write the report to FILE instead of standard output\n"
        "    --expectations FILE  the table (default: $TICKETLAB_SOURCE_DIR/" TABLE_NAME ",\n"
        "                         else ../../" TABLE_NAME " next to this executable)\n"
        "    --repin              rewrite the table's expected column with what was\n"
        "                         observed (review the diff before committing it)\n"
        "    --scenario TEXT      run one scenario, print observed and predicted outcomes\n"
        "    --compare A B        compare two JSON reports instead of running the suite;\n"
        "                         --format table (default), json or svg, and -o FILE\n"
        "                         (written whole or not at all) apply\n"
        "    --help               this text\n\n"
        "EXIT STATUS\n"
        "    0 every row passed, 1 a row failed (each is named in the report),\n"
        "    2 usage or I/O error. With --compare: 0 the two runs agree, 1 they\n"
        "    differ (like diff(1)), 2 usage error or a report that cannot be read.\n");
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Find the table: env, then relative to the executable (build/bin/ticketlab). */
static int default_table(char *out, size_t size)
{
    const char *src = getenv("TICKETLAB_SOURCE_DIR");
    char exe[2048];
    ssize_t n;

    if (src != NULL && *src) {
        snprintf(out, size, "%s/%s", src, TABLE_NAME);
        if (access(out, R_OK) == 0)
            return 0;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        char *slash;

        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            if ((size_t)snprintf(out, size, "%.2000s/../../%s", exe, TABLE_NAME) >= size)
                return -1;
            if (access(out, R_OK) == 0)
                return 0;
        }
    }
    return -1;
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
static int run_compare(const char *path_a, const char *path_b, tl_report_format fmt, const char *out)
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
        fprintf(stderr, "ticketlab conformance: OpenSSL %s (%s) and OpenSSL %s (%s) differ: %zu row%s changed, "
                "%zu only in A, %zu only in B\n", a.release, path_a, b.release, path_b, changed,
                changed == 1 ? "" : "s", only_a, only_b);
    tl_compare_run_free(&a);
    tl_compare_run_free(&b);
    if (rc != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    return differ ? TL_EXIT_REJECTED : TL_EXIT_OK;
}

int tl_cmd_conformance(int argc, char **argv)
{
    const char *filter = NULL, *tls = NULL, *format = "table", *out = NULL, *table = NULL,
               *scenario = NULL, *compare_a = NULL, *compare_b = NULL;
    char found[4096];
    const char *exclude[8];
    int repin = 0, want_tls = 0, failed = 0, rc, n_exclude = 0;
    tl_report_format fmt;
    tl_suite suite;
    tl_error err = { "" };
    double t0;
    tl_cli_report report;

    for (int i = 1; i < argc; i++) {
        int r;

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            conformance_help(stdout);
            return TL_EXIT_OK;
        }
        if (strcmp(argv[i], "--repin") == 0) {
            repin = 1;
            continue;
        }
        if (strcmp(argv[i], "--compare") == 0) {
            if (i + 2 >= argc || (argv[i + 1][0] == '-' && argv[i + 1][1])
                || (argv[i + 2][0] == '-' && argv[i + 2][1]))
                return tl_cli_fail(CMD, "--compare needs two JSON reports: --compare A.json B.json");
            compare_a = argv[++i];
            compare_b = argv[++i];
            continue;
        }
        if ((r = tl_cli_opt(argc, argv, &i, "--exclude", &exclude[n_exclude < 7 ? n_exclude : 7], CMD)) != 0) {
            if (r < 0)
                return TL_EXIT_USAGE;
            if (++n_exclude > 8)
                return tl_cli_fail(CMD, "at most 8 --exclude patterns");
            continue;
        }
        if ((r = tl_cli_opt(argc, argv, &i, "--filter", &filter, CMD)) != 0
            || (r = tl_cli_opt(argc, argv, &i, "--tls", &tls, CMD)) != 0
            || (r = tl_cli_opt(argc, argv, &i, "--format", &format, CMD)) != 0
            || (r = tl_cli_opt(argc, argv, &i, "-o", &out, CMD)) != 0
            || (r = tl_cli_opt(argc, argv, &i, "--expectations", &table, CMD)) != 0
            || (r = tl_cli_opt(argc, argv, &i, "--scenario", &scenario, CMD)) != 0) {
            if (r < 0)
                return TL_EXIT_USAGE;
            continue;
        }
        return tl_cli_fail(CMD, "unknown option '%s' (try --help)", argv[i]);
    }
    if (compare_a != NULL) {
        if (filter != NULL || tls != NULL || table != NULL || scenario != NULL || repin || n_exclude)
            return tl_cli_fail(CMD, "--compare reads two reports and runs nothing: it takes only --format and -o");
        if (strcmp(compare_a, "-") == 0 && strcmp(compare_b, "-") == 0)
            return tl_cli_fail(CMD, "--compare: only one of the two reports can be standard input");
        if (tl_report_format_parse(format, &fmt) != 0 || fmt == TL_REPORT_JUNIT)
            return tl_cli_fail(CMD, "--format %s: a comparison is written as table, json or svg", format);
        return run_compare(compare_a, compare_b, fmt, out);
    }
    if (scenario != NULL)
        return run_one_scenario(scenario);
    if (tl_report_format_parse(format, &fmt) != 0)
        return tl_cli_fail(CMD, "--format %s: use table, json, junit or svg", format);
    if (tls != NULL) {
        if (strcmp(tls, "1.2") == 0)
            want_tls = 0x0303;
        else if (strcmp(tls, "1.3") == 0)
            want_tls = 0x0304;
        else
            return tl_cli_fail(CMD, "--tls %s: use 1.2 or 1.3", tls);
    }
    if (table == NULL) {
        if (default_table(found, sizeof(found)) != 0)
            return tl_cli_fail(CMD, "cannot find %s: set TICKETLAB_SOURCE_DIR or pass --expectations FILE",
                               TABLE_NAME);
        table = found;
    }
    if (tl_suite_load(&suite, table, &err) != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    t0 = now_seconds();
    for (size_t i = 0; i < suite.n; i++) {
        tl_row *r = &suite.rows[i];

        if ((filter != NULL && fnmatch(filter, r->name, 0) != 0)
            || (want_tls && r->scenario.tls != want_tls) || excluded(r->name, exclude, n_exclude))
            continue;
        tl_row_status st = tl_suite_run_row(r);

        if (st != TL_ROW_PASS && st != TL_ROW_NA)
            failed++;
    }
    t0 = now_seconds() - t0;
    /* The report is made in memory, then written whole (atomically to a
     * file): a full disk or a symlink never leaves a cut or clobbered one. */
    if (tl_cli_report_open(&report) != 0) {
        tl_suite_free(&suite);
        return tl_cli_fail(CMD, "out of memory");
    }
    if ((rc = tl_report_write(report.f, &suite, fmt, t0, &err)) != 0)
        tl_cli_report_discard(&report);
    else
        rc = tl_cli_report_save(&report, out, &err);
    if (rc == 0 && repin && tl_suite_repin(&suite, &err) != 0)
        rc = -1;
    tl_suite_free(&suite);
    if (rc != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    if (failed && fmt != TL_REPORT_TABLE)
        fprintf(stderr, "ticketlab conformance: %d row%s failed\n", failed, failed == 1 ? "" : "s");
    return failed && !repin ? TL_EXIT_REJECTED : TL_EXIT_OK;
}
