/*
 * test_suite.c - loading the expectations table: a repeated row name is
 * refused with the file and both lines (near and far apart, in a table
 * large enough that the name index has grown), every row of a large table
 * is loaded with nothing run, and a row's `since` lines (many of them)
 * keep "the last one that applies governs".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "behaviour.h"
#include "detect.h"
#include "release.h"
#include "suite.h"
#include "ticketlab/tlslib.h"
#include "tl_test.h"

static char dir[256];

#define SCENARIO "tls=1.3 present=newest"

/* Write a table of n rows r.0 .. r.(n-1) after a one-line comment, then `tail`. Returns its path. */
static const char *write_table(const char *name, size_t n, const char *tail)
{
    const char *path = tl_test_path(dir, name);
    FILE *f = fopen(path, "w");

    TL_CHECK(f != NULL);
    if (f == NULL)
        return path;
    fputs("# a generated table\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "r.%zu | " SCENARIO " | - | generated\n", i);
    fputs(tail, f);
    TL_CHECK(fclose(f) == 0);
    return path;
}

/* Loading path must fail with exactly "PATH:rest". */
static void expect_refused(const char *path, const char *rest)
{
    tl_suite s;
    tl_error err = { "" };
    char want[1024];

    snprintf(want, sizeof(want), "%s:%s", path, rest);
    TL_CHECK_INT(tl_suite_load(&s, path, &err), -1);
    TL_CHECK_STR(err.msg, want);
    TL_CHECK(s.rows == NULL && s.n == 0);    /* nothing half-loaded is left */
}

static void test_duplicate_next_to_each_other(void)
{
    const char *path = write_table("two.tl", 2, "r.1 | " SCENARIO " | - | again\n");

    expect_refused(path, "4: row 'r.1' is already on line 3");
    unlink(path);
}

static void test_duplicate_far_apart(void)
{
    /* 5,000 rows: the name index has been rebuilt several times by then. */
    const char *path = write_table("far.tl", 5000, "r.7 | " SCENARIO " | - | again\n");

    expect_refused(path, "5002: row 'r.7' is already on line 9");
    unlink(path);
}

static void test_duplicate_of_the_last_row(void)
{
    const char *path = write_table("last.tl", 1000, "r.999 | " SCENARIO " | - | again\n");

    expect_refused(path, "1002: row 'r.999' is already on line 1001");
    unlink(path);
}

static void test_a_large_table_loads_whole(void)
{
    const char *path = write_table("large.tl", 5000, "");
    tl_suite s;
    tl_error err = { "" };
    size_t not_run = 0;

    TL_CHECK_INT(tl_suite_load(&s, path, &err), 0);
    TL_CHECK_STR(err.msg, "");
    TL_CHECK_INT(s.n, 5000);
    if (s.n == 5000) {
        TL_CHECK_STR(s.rows[0].name, "r.0");
        TL_CHECK_STR(s.rows[4999].name, "r.4999");
        TL_CHECK_INT(s.rows[4999].line, 5001);
        for (size_t i = 0; i < s.n; i++)
            not_run += s.rows[i].status == TL_ROW_NOT_RUN && s.rows[i].res == NULL;
        TL_CHECK_INT(not_run, 5000);
    }
    tl_suite_free(&s);
    unlink(path);
}

static void test_the_last_applying_since_line_governs(void)
{
    /* 40 since lines under one row, each pinning another hint; the row after them is a row again. */
    char tail[8192];
    size_t off = 0;
    tl_suite s;
    tl_error err = { "" };
    tl_change c;
    int applies;

    TL_CHECK_INT(tl_change_parse("psk-abort-frees-session", &c), 0);
    /* As the loader decides it: OpenSSL's detected behaviour, never on other libraries. */
    applies = 0;
    if (tl_tlslib_which() == TL_TLSLIB_KIND_OPENSSL) {
        tl_detect_ensure();
        applies = tl_behaviour_has(c);
    }
    for (int i = 0; i < 40; i++)
        off += (size_t)snprintf(tail + off, sizeof(tail) - off,
                                "  since psk-abort-frees-session | hs=ok/ok reused=1/1 alert=-/- tickets=1 "
                                "hints=%d early=none log=- | overlay %d\n", 100 + i, i);
    snprintf(tail + off, sizeof(tail) - off, "after | " SCENARIO " | - | a row again\n");
    TL_CHECK_INT(tl_suite_load(&s, write_table("since.tl", 1, tail), &err), 0);
    TL_CHECK_STR(err.msg, "");
    TL_CHECK_INT(s.n, 2);
    if (s.n == 2) {
        TL_CHECK_INT(s.rows[0].n_overlays, 40);
        TL_CHECK_INT(s.rows[1].n_overlays, 0);
        TL_CHECK_STR(s.rows[1].name, "after");
        TL_CHECK_INT(s.rows[1].line, 43);
        if (applies) {
            TL_CHECK(s.rows[0].active == &s.rows[0].overlays[39]);
            TL_CHECK(strstr(tl_row_expected_text(&s.rows[0]), "hints=139 ") != NULL);
            TL_CHECK_INT(s.rows[0].pinned, 1);
        } else {
            TL_CHECK(s.rows[0].active == NULL);
            TL_CHECK_STR(tl_row_expected_text(&s.rows[0]), "-");
            TL_CHECK_INT(s.rows[0].pinned, 0);
        }
    }
    tl_suite_free(&s);
    unlink(tl_test_path(dir, "since.tl"));
}

int main(void)
{
    if (tl_test_tmpdir(dir, sizeof(dir), "suite") != 0)
        return 1;
    TL_RUN(test_duplicate_next_to_each_other);
    TL_RUN(test_duplicate_far_apart);
    TL_RUN(test_duplicate_of_the_last_row);
    TL_RUN(test_a_large_table_loads_whole);
    TL_RUN(test_the_last_applying_since_line_governs);
    if (rmdir(dir) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return TL_DONE();
}
