/* suite.c - the expectations table and its rows; see suite.h. */
#include "ticketlab/suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_LEN 8192
#define COLUMNS_MAX 5

const char *tl_row_status_name(tl_row_status st)
{
    switch (st) {
    case TL_ROW_PASS: return "pass";
    case TL_ROW_FAIL: return "fail";
    case TL_ROW_ERROR: return "error";
    case TL_ROW_NOT_RUN: break;
    }
    return "not-run";
}

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

/* Split on '|' into at most COLUMNS_MAX trimmed columns. Returns the count. */
static int split(char *line, char *cols[COLUMNS_MAX])
{
    int n = 0;
    char *p = line;

    while (n < COLUMNS_MAX) {
        char *bar = strchr(p, '|');

        if (bar != NULL && n < COLUMNS_MAX - 1)
            *bar = '\0';
        cols[n++] = trim(p);
        if (bar == NULL || n == COLUMNS_MAX)
            break;
        p = bar + 1;
    }
    return n;
}

static int is_comment(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return *line == '\0' || *line == '#' || *line == '\n' || *line == '\r';
}

static void row_free(tl_row *r)
{
    free(r->name);
    free(r->scenario_text);
    free(r->expected_text);
    free(r->why);
    free(r->documented);
}

static int add_row(tl_suite *s, char *cols[], int ncols, int lineno, const char *path, tl_error *err)
{
    tl_row *r, *bigger;
    tl_error e = { "" };

    if (ncols < 4)
        return tl_error_set(err, "%s:%d: a row needs 4 columns: NAME | SCENARIO | EXPECTED | WHY", path, lineno);
    if (cols[0][0] == '\0' || strchr(cols[0], ' ') != NULL)
        return tl_error_set(err, "%s:%d: a row name is one word, not '%s'", path, lineno, cols[0]);
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rows[i].name, cols[0]) == 0)
            return tl_error_set(err, "%s:%d: row '%s' is already on line %d", path, lineno, cols[0],
                                s->rows[i].line);
    bigger = realloc(s->rows, (s->n + 1) * sizeof(*bigger));
    if (bigger == NULL)
        return tl_error_set(err, "out of memory");
    s->rows = bigger;
    r = &s->rows[s->n];
    memset(r, 0, sizeof(*r));
    r->line = lineno;
    r->name = strdup(cols[0]);
    r->scenario_text = strdup(cols[1]);
    r->expected_text = strdup(cols[2]);
    r->why = strdup(cols[3]);
    r->documented = ncols > 4 && cols[4][0] ? strdup(cols[4]) : NULL;
    s->n++;
    if (!r->name || !r->scenario_text || !r->expected_text || !r->why || (ncols > 4 && cols[4][0] && !r->documented))
        return tl_error_set(err, "out of memory");
    if (tl_scenario_parse(r->scenario_text, &r->scenario, &e) != 0)
        return tl_error_set(err, "%s:%d: row %s: %s", path, lineno, r->name, e.msg);
    if (strcmp(r->expected_text, "-") != 0) {
        if (tl_outcome_parse(r->expected_text, &r->expected, &e) != 0)
            return tl_error_set(err, "%s:%d: row %s: %s", path, lineno, r->name, e.msg);
        r->pinned = 1;
    }
    return 0;
}

int tl_suite_load(tl_suite *s, const char *path, tl_error *err)
{
    FILE *f = fopen(path, "r");
    char line[LINE_MAX_LEN];
    int lineno = 0, rc = 0;

    memset(s, 0, sizeof(*s));
    if (f == NULL)
        return tl_error_set(err, "%s: cannot open the expectations table", path);
    s->path = strdup(path);
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        char *cols[COLUMNS_MAX];
        int n;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            rc = tl_error_set(err, "%s:%d: line longer than %d characters", path, lineno, LINE_MAX_LEN - 1);
            break;
        }
        if (is_comment(line))
            continue;
        n = split(line, cols);
        rc = add_row(s, cols, n, lineno, path, err);
    }
    fclose(f);
    if (rc == 0 && s->n == 0)
        rc = tl_error_set(err, "%s: no rows", path);
    if (rc != 0)
        tl_suite_free(s);
    return rc;
}

void tl_suite_free(tl_suite *s)
{
    for (size_t i = 0; i < s->n; i++)
        row_free(&s->rows[i]);
    free(s->rows);
    free(s->path);
    memset(s, 0, sizeof(*s));
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

tl_row_status tl_suite_run_row(tl_row *row)
{
    tl_error err = { "" };
    double t0 = now_seconds();
    int nd = 0, ne = 0;

    row->diff[0] = row->engine_diff[0] = row->error[0] = '\0';
    row->predicted_ok = tl_expect_predict(&row->scenario, &row->predicted, row->engine_why,
                                          sizeof(row->engine_why)) == 0;
    if (tl_scenario_run(&row->scenario, &row->observed, &err) != 0) {
        snprintf(row->error, sizeof(row->error), "%s", err.msg);
        row->status = TL_ROW_ERROR;
        row->seconds = now_seconds() - t0;
        return row->status;
    }
    row->seconds = now_seconds() - t0;
    if (!row->pinned) {
        snprintf(row->diff, sizeof(row->diff), "no pinned expectation (run with --repin to pin the observed outcome)");
        nd = 1;
    } else {
        nd = tl_outcome_diff(&row->expected, &row->observed, row->diff, sizeof(row->diff));
        if (!row->predicted_ok) {
            snprintf(row->engine_diff, sizeof(row->engine_diff), "the engine does not model this scenario: %s",
                     row->engine_why);
            ne = 1;
        } else {
            ne = tl_outcome_diff(&row->expected, &row->predicted, row->engine_diff, sizeof(row->engine_diff));
        }
    }
    row->status = nd || ne ? TL_ROW_FAIL : TL_ROW_PASS;
    return row->status;
}

static int write_row(FILE *f, const tl_row *r)
{
    char out[TL_OUTCOME_LINE_MAX];
    const char *why = r->why;

    if (r->status == TL_ROW_PASS || r->status == TL_ROW_FAIL)
        tl_outcome_format(&r->observed, out, sizeof(out));
    else
        snprintf(out, sizeof(out), "%s", r->expected_text);
    if (strcmp(why, "-") == 0 && r->predicted_ok && r->engine_why[0])
        why = r->engine_why;
    fprintf(f, "%s | %s | %s | %s", r->name, r->scenario_text, out, why);
    if (r->documented)
        fprintf(f, " | %s", r->documented);
    return fputc('\n', f) == EOF ? -1 : 0;
}

int tl_suite_repin(const tl_suite *s, tl_error *err)
{
    char tmp[4096], line[LINE_MAX_LEN];
    FILE *in, *out;
    int lineno = 0, rc = 0;
    size_t next = 0;

    snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
    in = fopen(s->path, "r");
    if (in == NULL)
        return tl_error_set(err, "%s: cannot open", s->path);
    out = fopen(tmp, "w");
    if (out == NULL) {
        fclose(in);
        return tl_error_set(err, "%s: cannot write", tmp);
    }
    while (fgets(line, sizeof(line), in) != NULL) {
        lineno++;
        while (next < s->n && s->rows[next].line < lineno)
            next++;
        if (next < s->n && s->rows[next].line == lineno)
            rc |= write_row(out, &s->rows[next]);
        else
            rc |= fputs(line, out) == EOF ? -1 : 0;
    }
    fclose(in);
    if (fclose(out) != 0 || rc != 0 || rename(tmp, s->path) != 0) {
        remove(tmp);
        return tl_error_set(err, "%s: cannot rewrite the table", s->path);
    }
    return 0;
}
