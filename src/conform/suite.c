/* suite.c - the expectations table and its rows; see suite.h. */
#include "suite.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "detect.h"
#include "ticketlab/tlslib.h"

#define LINE_MAX_LEN 8192
#define COLUMNS_MAX 5

const char *tl_row_status_name(tl_row_status st)
{
    switch (st) {
    case TL_ROW_PASS: return "pass";
    case TL_ROW_FAIL: return "fail";
    case TL_ROW_ERROR: return "error";
    case TL_ROW_NA: return "n/a";
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

static int bars(const char *line)
{
    int n = 0;

    for (; *line; line++)
        n += *line == '|';
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
    for (size_t i = 0; i < r->n_overlays; i++) {
        free(r->overlays[i].change);
        free(r->overlays[i].expected_text);
        free(r->overlays[i].why);
    }
    free(r->overlays);
    free(r->name);
    free(r->scenario_text);
    free(r->expected_text);
    free(r->why);
    free(r->documented);
    free(r->res);
}

/* Pin `text` (an outcome, "-" or "n/a") as the row's expectation: checked
 * here, parsed again when the row runs (tl_row_result.expected). */
static int pin(tl_row *r, const char *text, int lineno, const char *path, tl_error *err)
{
    tl_error e = { "" };
    tl_outcome expected;

    r->pinned = 0;
    r->not_applicable = strcmp(text, "n/a") == 0;
    if (r->not_applicable || strcmp(text, "-") == 0)
        return 0;
    if (tl_outcome_parse(text, &expected, &e) != 0)
        return tl_error_set(err, "%s:%d: row %s: %s", path, lineno, r->name, e.msg);
    r->pinned = 1;
    return 0;
}

/* `since CHANGE | EXPECTED | WHY` or `on LIB | EXPECTED | WHY` under the last row. */
static int add_overlay(tl_suite *s, char *cols[], int ncols, int lineno, const char *path, tl_error *err)
{
    int library = strncmp(cols[0], "on ", 3) == 0;
    const char *word = library ? "on" : "since";
    const char *change = cols[0] + strlen(word) + 1;
    tl_row *r = s->n ? &s->rows[s->n - 1] : NULL;
    tl_overlay *o, *bigger;
    tl_change c = TL_CHANGE_COUNT;

    while (*change == ' ')
        change++;
    if (r == NULL)
        return tl_error_set(err, "%s:%d: a '%s' line must follow the row it changes", path, lineno, word);
    if (ncols != 3)
        return tl_error_set(err, "%s:%d: a '%s' line has 3 columns: %s %s | EXPECTED | WHY, not %d",
                            path, lineno, word, word, library ? "LIB" : "CHANGE", ncols);
    if (library && strcmp(change, "boringssl") != 0 && strcmp(change, "aws-lc") != 0)
        return tl_error_set(err, "%s:%d: row %s: unknown TLS library '%s' (boringssl or aws-lc)",
                            path, lineno, r->name, change);
    if (!library && tl_change_parse(change, &c) != 0)
        return tl_error_set(err, "%s:%d: row %s: unknown OpenSSL change '%s' (see src/det/release.c)",
                            path, lineno, r->name, change);
    if (cols[2][0] == '\0')
        return tl_error_set(err, "%s:%d: row %s: the '%s %s' line needs a why", path, lineno, r->name,
                            word, change);
    /* Room doubles at every power of two: linear in the number of lines. */
    if ((r->n_overlays & (r->n_overlays - 1)) == 0) {
        size_t active = r->active ? (size_t)(r->active - r->overlays) : 0;

        bigger = realloc(r->overlays, (r->n_overlays ? 2 * r->n_overlays : 1) * sizeof(*bigger));
        if (bigger == NULL)
            return tl_error_set(err, "out of memory");
        /* realloc may have moved the array: point at the active one afresh. */
        if (r->active)
            r->active = &bigger[active];
        r->overlays = bigger;
    }
    o = &r->overlays[r->n_overlays++];
    memset(o, 0, sizeof(*o));
    o->line = lineno;
    o->library = library;
    if (library) {
        o->applies = strcmp(change, tl_tlslib_key()) == 0;
    } else if (tl_tlslib_which() == TL_TLSLIB_KIND_OPENSSL) {
        tl_detect_ensure();
        o->applies = tl_behaviour_has(c);
    } else {
        o->applies = 0;   /* BoringSSL, AWS-LC: no OpenSSL release change applies */
    }
    o->change = strdup(change);
    o->expected_text = strdup(cols[1]);
    o->why = strdup(cols[2]);
    if (o->change == NULL || o->expected_text == NULL || o->why == NULL)
        return tl_error_set(err, "out of memory");
    /* The last overlay whose change this release has governs. */
    if (!o->applies)
        return 0;
    r->active = o;
    return pin(r, o->expected_text, lineno, path, err);
}

const char *tl_row_expected_text(const tl_row *r)
{
    return r->active ? r->active->expected_text : r->expected_text;
}

const char *tl_row_why(const tl_row *r, char *buf, size_t size)
{
    if (r->lib_na != NULL)
        return r->lib_na;
    if (r->active == NULL)
        return r->why;
    snprintf(buf, size, "%s; %s %s: %s", r->why, r->active->library ? "on" : "since",
             r->active->change, r->active->why);
    return buf;
}

/*
 * The row names read so far, for the duplicate check: an open-addressing
 * table of row numbers plus one (0: a free slot), at most half full, so a
 * look-up is a few string compares whatever the table's length.
 */
typedef struct name_index {
    size_t *slot;
    size_t cap;               /* a power of two */
} name_index;

static size_t name_hash(const char *name)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 32));
}

/* Where name is in the index, or the free slot where it would go. */
static size_t name_slot(const name_index *ix, const tl_suite *s, const char *name)
{
    size_t at = name_hash(name) & (ix->cap - 1);

    while (ix->slot[at] != 0 && strcmp(s->rows[ix->slot[at] - 1].name, name) != 0)
        at = (at + 1) & (ix->cap - 1);
    return at;
}

/* Record row i (s->rows[i].name not yet in the index). Returns 0 or -1 (memory). */
static int name_add(name_index *ix, const tl_suite *s, size_t i)
{
    if (2 * (i + 1) > ix->cap) {
        name_index bigger = { NULL, ix->cap ? 2 * ix->cap : 256 };

        if ((bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot))) == NULL)
            return -1;
        for (size_t k = 0; k < i; k++)
            bigger.slot[name_slot(&bigger, s, s->rows[k].name)] = k + 1;
        free(ix->slot);
        *ix = bigger;
    }
    ix->slot[name_slot(ix, s, s->rows[i].name)] = i + 1;
    return 0;
}

static int add_row(tl_suite *s, name_index *ix, char *cols[], int ncols, int lineno, const char *path,
                   tl_error *err)
{
    tl_row *r;
    tl_error e = { "" };

    if (strncmp(cols[0], "since ", 6) == 0 || strncmp(cols[0], "on ", 3) == 0)
        return add_overlay(s, cols, ncols, lineno, path, err);
    if (ncols < 4)
        return tl_error_set(err, "%s:%d: a row needs 4 columns: NAME | SCENARIO | EXPECTED | WHY", path, lineno);
    if (cols[0][0] == '\0' || strchr(cols[0], ' ') != NULL)
        return tl_error_set(err, "%s:%d: a row name is one word, not '%s'", path, lineno, cols[0]);
    if (ix->cap) {
        size_t at = name_slot(ix, s, cols[0]);

        if (ix->slot[at] != 0)
            return tl_error_set(err, "%s:%d: row '%s' is already on line %d", path, lineno, cols[0],
                                s->rows[ix->slot[at] - 1].line);
    }
    if (s->n == s->cap) {
        /* Grow geometrically: a row is a few KB, and growing by one row
         * at a time made loading quadratic. */
        size_t cap = s->cap ? 2 * s->cap : 64;
        tl_row *bigger = realloc(s->rows, cap * sizeof(*bigger));

        if (bigger == NULL)
            return tl_error_set(err, "out of memory");
        s->rows = bigger;
        s->cap = cap;
    }
    r = &s->rows[s->n];
    memset(r, 0, sizeof(*r));
    r->line = lineno;
    r->name = strdup(cols[0]);
    r->scenario_text = strdup(cols[1]);
    r->expected_text = strdup(cols[2]);
    r->why = strdup(cols[3]);
    r->documented = ncols > 4 && cols[4][0] ? strdup(cols[4]) : NULL;
    s->n++;
    if (!r->name || !r->scenario_text || !r->expected_text || !r->why || (ncols > 4 && cols[4][0] && !r->documented)
        || name_add(ix, s, s->n - 1) != 0)
        return tl_error_set(err, "out of memory");
    if (tl_scenario_parse(r->scenario_text, &r->scenario, &e) != 0)
        return tl_error_set(err, "%s:%d: row %s: %s", path, lineno, r->name, e.msg);
    if (strcmp(r->expected_text, "n/a") == 0)
        return tl_error_set(err, "%s:%d: row %s: only a 'since' line can say n/a", path, lineno, r->name);
    return pin(r, r->expected_text, lineno, path, err);
}

int tl_suite_load(tl_suite *s, const char *path, tl_error *err)
{
    FILE *f;
    char line[LINE_MAX_LEN];
    int lineno = 0, rc = 0, fd;
    tl_error e = { "" };
    name_index ix = { NULL, 0 };

    memset(s, 0, sizeof(*s));
    if ((fd = tl_file_open_regular(path, &e)) < 0)
        return tl_error_set(err, "%s (the expectations table)", e.msg);
    if ((f = fdopen(fd, "r")) == NULL) {
        close(fd);
        return tl_error_set(err, "%s: cannot read the expectations table: %s", path, strerror(errno));
    }
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
        /* Too many bars would otherwise be folded into the last column. */
        if (bars(line) >= COLUMNS_MAX) {
            rc = tl_error_set(err, "%s:%d: %d columns; a row has 4 or 5 (NAME | SCENARIO | EXPECTED | WHY "
                              "[| DOCUMENTED]), a since line 3", path, lineno, bars(line) + 1);
            break;
        }
        n = split(line, cols);
        rc = add_row(s, &ix, cols, n, lineno, path, err);
    }
    fclose(f);
    free(ix.slot);
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
    tl_row_result *res = row->res;
    double t0 = now_seconds();
    int nd = 0, ne = 0;

    if (res == NULL && (res = row->res = malloc(sizeof(*res))) == NULL)
        return TL_ROW_ERROR;
    memset(res, 0, sizeof(*res));
    if (row->pinned && tl_outcome_parse(tl_row_expected_text(row), &res->expected, &err) != 0) {
        snprintf(res->error, sizeof(res->error), "the pinned outcome no longer parses: %s", err.msg);
        return row->status = TL_ROW_ERROR;
    }
    row->lib_na = tl_scenario_lacks(&row->scenario);
    if (row->lib_na != NULL) {
        /* The library has no API for it: nothing to run (suite.h). */
        row->status = TL_ROW_NA;
        return row->status;
    }
    res->predicted_ok = tl_expect_predict(&row->scenario, &res->predicted, res->engine_why,
                                          sizeof(res->engine_why)) == 0;
    if (tl_scenario_run(&row->scenario, &res->observed, &err) != 0) {
        snprintf(res->error, sizeof(res->error), "%s", err.msg);
        row->status = TL_ROW_ERROR;
        res->seconds = now_seconds() - t0;
        return row->status;
    }
    res->seconds = now_seconds() - t0;
    if (row->not_applicable) {
        /* Nothing is pinned: the release's model is the expectation. */
        if (!res->predicted_ok) {
            snprintf(res->engine_diff, sizeof(res->engine_diff), "the engine does not model this scenario: %s",
                     res->engine_why);
            ne = 1;
        } else if (tl_outcome_diff(&res->predicted, &res->observed, res->diff, sizeof(res->diff))) {
            nd = 1;
        }
        row->status = nd || ne ? TL_ROW_FAIL : TL_ROW_NA;
        return row->status;
    }
    if (!row->pinned) {
        snprintf(res->diff, sizeof(res->diff), "no pinned expectation (run with --repin to pin the observed outcome)");
        nd = 1;
    } else {
        nd = tl_outcome_diff(&res->expected, &res->observed, res->diff, sizeof(res->diff));
        if (!res->predicted_ok) {
            snprintf(res->engine_diff, sizeof(res->engine_diff), "the engine does not model this scenario: %s",
                     res->engine_why);
            ne = 1;
        } else {
            ne = tl_outcome_diff(&res->expected, &res->predicted, res->engine_diff, sizeof(res->engine_diff));
        }
    }
    row->status = nd || ne ? TL_ROW_FAIL : TL_ROW_PASS;
    return row->status;
}

/* The active overlay line, repinned. */
static int write_overlay(FILE *f, const tl_row *r)
{
    const tl_overlay *o = r->active;
    char out[TL_OUTCOME_LINE_MAX];

    if (!r->not_applicable && (r->status == TL_ROW_PASS || r->status == TL_ROW_FAIL))
        tl_outcome_format(&r->res->observed, out, sizeof(out));
    else
        snprintf(out, sizeof(out), "%s", o->expected_text);
    fprintf(f, "  %s %s | %s | %s", o->library ? "on" : "since", o->change, out, o->why);
    return fputc('\n', f) == EOF ? -1 : 0;
}

static int write_row(FILE *f, const tl_row *r)
{
    char out[TL_OUTCOME_LINE_MAX];
    const char *why = r->why;

    int openssl = tl_tlslib_which() == TL_TLSLIB_KIND_OPENSSL;

    if (openssl && r->active == NULL && (r->status == TL_ROW_PASS || r->status == TL_ROW_FAIL))
        tl_outcome_format(&r->res->observed, out, sizeof(out));
    else
        snprintf(out, sizeof(out), "%s", r->expected_text);
    if (strcmp(why, "-") == 0 && r->res != NULL && r->res->predicted_ok && r->res->engine_why[0])
        why = r->res->engine_why;
    fprintf(f, "%s | %s | %s | %s", r->name, r->scenario_text, out, why);
    if (r->documented)
        fprintf(f, " | %s", r->documented);
    if (fputc('\n', f) == EOF)
        return -1;
    if (!openssl && r->active == NULL && r->status == TL_ROW_FAIL) {
        /* Another library gives something else: pin it on an `on LIB`
         * line, with the library engine's reasons (review them). */
        tl_outcome_format(&r->res->observed, out, sizeof(out));
        fprintf(f, "  on %s | %s | %s\n", tl_tlslib_key(), out,
                r->res->predicted_ok && r->res->engine_why[0] ? r->res->engine_why : "-");
    }
    return 0;
}

int tl_suite_repin(const tl_suite *s, tl_error *err)
{
    char line[LINE_MAX_LEN], *text = NULL;
    size_t len = 0;
    FILE *in, *out;
    int lineno = 0, rc = 0;
    size_t next = 0;

    in = fopen(s->path, "r");
    if (in == NULL)
        return tl_error_set(err, "%s: cannot open", s->path);
    /* Made in memory, then written atomically (fileio.h): a kill or a
     * full disk leaves the old table whole, and no temporary file. */
    out = open_memstream(&text, &len);
    if (out == NULL) {
        fclose(in);
        return tl_error_set(err, "%s: out of memory rewriting the table", s->path);
    }
    while (fgets(line, sizeof(line), in) != NULL) {
        lineno++;
        /* A row's overlay lines come before the next row's line. */
        while (next + 1 < s->n && s->rows[next + 1].line <= lineno)
            next++;
        if (next < s->n && s->rows[next].line == lineno)
            rc |= write_row(out, &s->rows[next]);
        else if (next < s->n && s->rows[next].active && s->rows[next].active->line == lineno)
            rc |= write_overlay(out, &s->rows[next]);
        else
            rc |= fputs(line, out) == EOF ? -1 : 0;
    }
    fclose(in);
    if (fclose(out) != 0 || rc != 0)
        rc = tl_error_set(err, "%s: out of memory rewriting the table", s->path);
    else if (tl_file_write_atomic(s->path, text, len, 0644, err) != 0)
        rc = -1;
    free(text);
    return rc;
}
