/* report.c - conformance reports; see report.h. */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "behaviour.h"
#include "json.h"
#include "release.h"
#include "text.h"
#include "ticketlab/tlslib.h"
#include "ticketlab/version.h"
#include "unexplained.h"
#include "ticketlab/world.h"
#include "xml.h"

static const char *const formats[] = { "table", "json", "junit", "svg" };

/* The matrix grid: statuses down, returns across. */
static const char *const grid_status[] = { "EMPTY", "NO_DECRYPT", "SUCCESS", "SUCCESS_RENEW" };
static const char *const grid_return[] = { "ABORT", "IGNORE", "IGNORE_RENEW", "USE", "USE_RENEW", "99" };
static const char *const grid_tls[] = { "tls12", "tls13" };
static const char *const grid_keys[] = { "evp-cb", "legacy-cb", "builtin", "set-keys" };
#define NSTATUS 4
#define NRETURN 6

int tl_report_format_parse(const char *name, tl_report_format *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, formats[i]) == 0) {
            *out = (tl_report_format)i;
            return 0;
        }
    return -1;
}

const char *tl_report_format_name(tl_report_format fmt)
{
    return (unsigned)fmt < 4 ? formats[fmt] : "unknown";
}

typedef struct counts {
    size_t ran, pass, fail, error, na, gaps;
} counts;

static counts count_rows(const tl_suite *s)
{
    counts c = { 0 };

    for (size_t i = 0; i < s->n; i++) {
        const tl_row *r = &s->rows[i];

        if (r->status == TL_ROW_NOT_RUN)
            continue;
        c.ran++;
        c.pass += r->status == TL_ROW_PASS;
        c.fail += r->status == TL_ROW_FAIL;
        c.error += r->status == TL_ROW_ERROR;
        c.na += r->status == TL_ROW_NA;
        c.gaps += r->documented != NULL;
    }
    return c;
}

/* The matrix rows by grid cell (tls, keys, status, return): found in one
 * pass over the table, so a report costs time linear in the table. */
typedef struct grid {
    const tl_row *cell[2][4][NSTATUS][NRETURN];
} grid;

/* The index of the n-byte word in names[0..count-1], or -1. */
static int grid_word(const char *const *names, int count, const char *word, size_t n)
{
    for (int i = 0; i < count; i++)
        if (strlen(names[i]) == n && memcmp(names[i], word, n) == 0)
            return i;
    return -1;
}

/* Fill g from the rows named matrix.TLS.KEYS.STATUS.RETURN (the first row of a name wins). */
static void grid_index(const tl_suite *s, grid *g)
{
    static const char *const *const words[] = { grid_tls, grid_keys, grid_status, grid_return };
    static const int counts_of[] = { 2, 4, NSTATUS, NRETURN };

    memset(g, 0, sizeof(*g));
    for (size_t i = 0; i < s->n; i++) {
        const char *p = s->rows[i].name;
        int at[4], part = 0;

        if (strncmp(p, "matrix.", 7) != 0)
            continue;
        for (p += 7; part < 4; part++) {
            const char *dot = strchr(p, '.');
            size_t n = dot ? (size_t)(dot - p) : strlen(p);

            if ((at[part] = grid_word(words[part], counts_of[part], p, n)) < 0 || (dot == NULL) != (part == 3))
                break;
            p = dot ? dot + 1 : p + n;
        }
        if (part == 4 && g->cell[at[0]][at[1]][at[2]][at[3]] == NULL)
            g->cell[at[0]][at[1]][at[2]][at[3]] = &s->rows[i];
    }
}

/* The table's row for a grid cell, run or not; NULL when the table has none. */
static const tl_row *grid_row_any(const grid *g, int t, int k, int st, int ret)
{
    return g->cell[t][k][st][ret];
}

static const tl_row *grid_row(const grid *g, int t, int k, int st, int ret)
{
    const tl_row *r = grid_row_any(g, t, k, st, ret);

    return r != NULL && r->status != TL_ROW_NOT_RUN ? r : NULL;
}

static int grid_has_rows(const grid *g, int t, int k)
{
    for (int st = 0; st < NSTATUS; st++)
        for (int ret = 0; ret < NRETURN; ret++)
            if (grid_row(g, t, k, st, ret))
                return 1;
    return 0;
}

/* ---- table ------------------------------------------------------------------ */

static const char *short_class(const tl_row *r)
{
    static const char *const names[] = { "fail", "full", "res", "res+T" };

    if (r->status == TL_ROW_ERROR)
        return "ERR";
    return names[tl_outcome_classify(&r->res->observed)];
}

static void table_grids(FILE *f, const tl_suite *s)
{
    grid g;

    grid_index(s, &g);
    for (int t = 0; t < 2; t++)
        for (int k = 0; k < 4; k++) {
            if (!grid_has_rows(&g, t, k))
                continue;
            fprintf(f, "\nTLS 1.%c, %s: decrypt-callback status x return\n", t ? '3' : '2', grid_keys[k]);
            fprintf(f, "  %-14s", "");
            for (int ret = 0; ret < NRETURN; ret++)
                fprintf(f, " %-13s", grid_return[ret]);
            fputc('\n', f);
            for (int st = 0; st < NSTATUS; st++) {
                fprintf(f, "  %-14s", grid_status[st]);
                for (int ret = 0; ret < NRETURN; ret++) {
                    const tl_row *r = grid_row(&g, t, k, st, ret);
                    char cell[24];

                    if (r == NULL && grid_row_any(&g, t, k, st, ret) != NULL)
                        snprintf(cell, sizeof(cell), "-");   /* filtered out */
                    else if (r == NULL || r->status == TL_ROW_NA)
                        snprintf(cell, sizeof(cell), "n/a");
                    else
                        snprintf(cell, sizeof(cell), "%s%s", short_class(r),
                                 r->status == TL_ROW_PASS ? "" : " !");
                    fprintf(f, " %-13s", cell);
                }
                fputc('\n', f);
            }
        }
    fprintf(f, "  (fail: handshake failed, full: full handshake, res: resumed, res+T: resumed"
               " with a new ticket, !: row failed, -: not run, n/a: OpenSSL %s cannot produce this status here)\n",
            tl_release_name());
}

static void table_gaps(FILE *f, const tl_suite *s)
{
    int any = 0;

    for (size_t i = 0; i < s->n; i++) {
        const tl_row *r = &s->rows[i];

        if (r->status == TL_ROW_NOT_RUN || r->documented == NULL)
            continue;
        if (!any)
            fprintf(f, "\nDoc/implementation gaps (documented vs observed on OpenSSL %s):\n",
                    tl_expect_openssl_series());
        any = 1;
        fprintf(f, "  %s\n    documented: %s\n    rule:       %s\n", r->name, r->documented, r->why);
    }
}

/* The rows whose case cannot occur on this release, with the reason. */
static void table_not_applicable(FILE *f, const tl_suite *s)
{
    int any = 0;

    for (size_t i = 0; i < s->n; i++) {
        const tl_row *r = &s->rows[i];

        if (r->status != TL_ROW_NA)
            continue;
        if (!any && tl_tlslib_which() == TL_TLSLIB_KIND_OPENSSL)
            fprintf(f, "\nNot applicable on OpenSSL %s (run, and checked against the engine's model of it):\n",
                    tl_release_name());
        else if (!any)
            fprintf(f, "\nNot applicable on %s (the library lacks the API; not run):\n", tl_openssl_running());
        any = 1;
        if (r->lib_na != NULL)
            fprintf(f, "  %s\n    %s\n", r->name, r->lib_na);
        else
            fprintf(f, "  %s\n    since %s: %s\n", r->name, r->active->change, r->active->why);
    }
}

/* Where the loaded library's ticket behaviour differs from upstream
 * history (or from what a maintainer asserted): one line per change. */
static void table_behaviour(FILE *f)
{
    int n = tl_behaviour_disagreements();
    tl_behaviour b;
    char note[400];

    if (tl_behaviour_notable_count() == 0) {
        fprintf(f, "\nTicket behaviour: all %d changes detected as upstream history has them for %s\n",
                TL_CHANGE_COUNT, tl_release_name());
        return;
    }
    fprintf(f, "\nTicket behaviour: %d change%s differ%s from upstream history or from what is asserted%s:\n", n,
            n == 1 ? "" : "s", n == 1 ? "s" : "", tl_behaviour_notable_count() > n ? "; some were not detected" : "");
    for (int i = 0; (i = tl_behaviour_next_notable(i, &b, note, sizeof(note))) >= 0; i++)
        fprintf(f, "  %s: %s\n", b.name, note);
}

static const char *status_word(const tl_row *r)
{
    return r->status == TL_ROW_PASS ? "ok" : r->status == TL_ROW_NA ? "n/a" : "FAIL";
}

static void write_table(FILE *f, const tl_suite *s, const tl_unexplained *u, double seconds)
{
    counts c = count_rows(s);

    fprintf(f, "%-5s %-56s %-6s %-7s %s\n", "", "row", "class", "tickets", "hs (client/server)");
    for (size_t i = 0; i < s->n; i++) {
        const tl_row *r = &s->rows[i];
        char alerts[64];

        if (r->status == TL_ROW_NOT_RUN)
            continue;
        snprintf(alerts, sizeof(alerts), "%s/%s", r->res->observed.client_ok < 0 ? "-" : r->res->observed.client_ok ? "ok" : "fail",
                 r->res->observed.server_ok ? "ok" : "fail");
        fprintf(f, "%-5s %-56s %-6s %-7d %s%s%s\n", status_word(r), r->name,
                short_class(r), r->res->observed.n_tickets, alerts,
                r->res->observed.server_alert >= 0 ? " alert=" : "",
                r->res->observed.server_alert >= 0 ? tl_alert_name(r->res->observed.server_alert) : "");
    }
    for (size_t i = 0; i < s->n; i++) {
        const tl_row *r = &s->rows[i];

        if (r->status != TL_ROW_FAIL && r->status != TL_ROW_ERROR)
            continue;
        /* The table's path is the user's: any bytes (text.h). */
        fputc('\n', f);
        tl_text_line(f, "FAIL %s (%s:%d)", r->name, s->path, r->line);
        tl_text_line(f, "  scenario: %s", r->scenario_text);
        if (r->res->error[0])
            fprintf(f, "  harness error: %s\n", r->res->error);
        if (r->res->diff[0])
            fprintf(f, "  observed differs from the pinned expectation: %s\n", r->res->diff);
        if (r->res->engine_diff[0])
            fprintf(f, "  the engine's prediction differs from the pinned expectation: %s\n", r->res->engine_diff);
    }
    table_grids(f, s);
    table_not_applicable(f, s);
    table_gaps(f, s);
    table_behaviour(f);
    tl_unexplained_table(f, u);
    fprintf(f, "\n%zu rows: %zu passed, %zu failed, %zu errors, %zu n/a; %zu doc/implementation gaps; "
               "%.2f s (%.0f rows/s) on %s (rules of release line %s)\n",
            c.ran, c.pass, c.fail, c.error, c.na, c.gaps, seconds, seconds > 0 ? (double)c.ran / seconds : 0.0,
            tl_openssl_running(), tl_expect_openssl_series());
    fprintf(f, "ticketlab %s, built with %s\n", tl_version(), tl_openssl_built());
}

/* ---- JSON ------------------------------------------------------------------- */

static void json_outcome(FILE *f, const char *key, const tl_outcome *o, int present)
{
    char line[TL_OUTCOME_LINE_MAX];

    fprintf(f, "\"%s\": ", key);
    if (!present) {
        fputs("null", f);
        return;
    }
    tl_outcome_format(o, line, sizeof(line));
    fprintf(f, "{\"line\": ");
    tl_json_string(f, line);
    fprintf(f, ", \"client_ok\": %d, \"server_ok\": %d, \"client_reused\": %d, \"server_reused\": %d, "
               "\"client_alert\": ", o->client_ok, o->server_ok, o->client_reused, o->server_reused);
    tl_json_string(f, o->client_alert < 0 ? "-" : tl_alert_name(o->client_alert));
    fputs(", \"server_alert\": ", f);
    tl_json_string(f, o->server_alert < 0 ? "-" : tl_alert_name(o->server_alert));
    fprintf(f, ", \"tickets\": %d, \"hints\": ", o->n_tickets);
    tl_json_string(f, o->hints);
    fprintf(f, ", \"early\": %d, \"class\": ", o->early);
    tl_json_string(f, tl_outcome_class_name(tl_outcome_classify(o)));
    fputs(", \"log\": ", f);
    tl_json_string(f, tl_outcome_log_text(o, line, sizeof(line)));
    fputc('}', f);
}

static void json_field(FILE *f, const char *key, const char *v)
{
    fprintf(f, ", \"%s\": ", key);
    if (v == NULL)
        fputs("null", f);
    else
        tl_json_string(f, v);
}

static void write_json(FILE *f, const tl_suite *s, const tl_unexplained *u, double seconds)
{
    counts c = count_rows(s);
    int first = 1;

    fputc('{', f);
    tl_version_json(f);
    fputs(", \"release\": ", f);
    tl_json_string(f, tl_release_name());
    fputs(", \"engine\": ", f);
    tl_json_string(f, tl_expect_openssl_series());
    fputs(", \"table\": ", f);
    tl_json_string(f, s->path);
    fprintf(f, ",\n \"changes_disagree\": %d, ", tl_behaviour_disagreements());
    tl_behaviour_json(f);
    fputs(",\n \"rows\": [\n", f);
    for (size_t i = 0; i < s->n; i++) {
        const tl_row *r = &s->rows[i];
        char why[2048], observed[TL_OUTCOME_LINE_MAX];

        if (r->status == TL_ROW_NOT_RUN)
            continue;
        fputs(first ? "  {" : ",\n  {", f);
        first = 0;
        fputs("\"name\": ", f);
        tl_json_string(f, r->name);
        fprintf(f, ", \"line\": %d", r->line);
        json_field(f, "status", tl_row_status_name(r->status));
        json_field(f, "scenario", r->scenario_text);
        json_field(f, "why", tl_row_why(r, why, sizeof(why)));
        json_field(f, "since", r->active ? r->active->change : NULL);
        json_field(f, "expected_text", tl_row_expected_text(r));
        if (r->status != TL_ROW_ERROR)
            tl_outcome_format(&r->res->observed, observed, sizeof(observed));
        json_field(f, "observed_text", r->status != TL_ROW_ERROR && r->lib_na == NULL ? observed : NULL);
        json_field(f, "documented", r->documented);
        fputs(", ", f);
        json_outcome(f, "expected", &r->res->expected, r->pinned);
        fputs(", ", f);
        json_outcome(f, "observed", &r->res->observed, r->status != TL_ROW_ERROR);
        fputs(", ", f);
        json_outcome(f, "predicted", &r->res->predicted, r->res->predicted_ok);
        json_field(f, "engine_why", r->res->engine_why);
        json_field(f, "diff", r->res->diff[0] ? r->res->diff : NULL);
        json_field(f, "engine_diff", r->res->engine_diff[0] ? r->res->engine_diff : NULL);
        json_field(f, "error", r->res->error[0] ? r->res->error : NULL);
        fprintf(f, ", \"seconds\": %.6f}", r->res->seconds);
    }
    fputs("\n ],\n ", f);
    tl_unexplained_json(f, u);
    fprintf(f, ",\n \"summary\": {\"rows\": %zu, \"passed\": %zu, \"failed\": %zu, \"errors\": %zu, "
               "\"na\": %zu, \"gaps\": %zu, \"seconds\": %.3f}}\n", c.ran, c.pass, c.fail, c.error, c.na, c.gaps,
            seconds);
}

/* ---- JUnit XML ------------------------------------------------------------ */

static void write_junit(FILE *f, const tl_suite *s, double seconds)
{
    counts c = count_rows(s);

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuites name=\"ticketlab conformance\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n"
               "  <testsuite name=\"conformance\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
            c.ran, c.fail, c.error, seconds, c.ran, c.fail, c.error, seconds);
    fputs("    <properties>", f);
    tl_version_junit(f);
    fputs("<property name=\"openssl_release\" value=\"", f);
    tl_xml_text(f, tl_release_name());
    fputs("\"/>", f);
    tl_behaviour_junit(f);
    fputs("</properties>\n", f);
    for (size_t i = 0; i < s->n; i++) {
        const tl_row *r = &s->rows[i];

        if (r->status == TL_ROW_NOT_RUN)
            continue;
        fprintf(f, "    <testcase classname=\"conformance.tls1%c\" name=\"", r->scenario.tls == TLS1_3_VERSION ? '3' : '2');
        tl_xml_text(f, r->name);
        fprintf(f, "\" time=\"%.6f\"", r->res->seconds);
        if (r->status == TL_ROW_PASS) {
            fputs("/>\n", f);
            continue;
        }
        if (r->status == TL_ROW_NA) {
            /* Reported, not hidden: the reason says why the case cannot occur. */
            if (r->lib_na != NULL) {
                fputs(">\n      <skipped message=\"n/a: ", f);
                tl_xml_text(f, r->lib_na);
            } else {
                fprintf(f, ">\n      <skipped message=\"n/a on OpenSSL %s since %s: ", tl_release_name(),
                        r->active->change);
                tl_xml_text(f, r->active->why);
            }
            fputs("\"/>\n    </testcase>\n", f);
            continue;
        }
        fputs(">\n      <", f);
        fputs(r->status == TL_ROW_ERROR ? "error" : "failure", f);
        fputs(" message=\"", f);
        tl_xml_text(f, r->status == TL_ROW_ERROR ? r->res->error : r->res->diff[0] ? r->res->diff : r->res->engine_diff);
        fputs("\">", f);
        fprintf(f, "row %s (line %d)\nscenario: ", r->name, r->line);
        tl_xml_text(f, r->scenario_text);
        if (r->res->error[0]) {
            fputs("\nharness error: ", f);
            tl_xml_text(f, r->res->error);
        }
        if (r->res->diff[0]) {
            fputs("\nobserved vs pinned: ", f);
            tl_xml_text(f, r->res->diff);
        }
        if (r->res->engine_diff[0]) {
            fputs("\nengine vs pinned: ", f);
            tl_xml_text(f, r->res->engine_diff);
        }
        fprintf(f, "</%s>\n    </testcase>\n", r->status == TL_ROW_ERROR ? "error" : "failure");
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
}

/* ---- SVG -------------------------------------------------------------------- */

#define CELL_W 116
#define CELL_H 34
#define LABEL_W 118
#define GRID_W (LABEL_W + NRETURN * CELL_W)
#define GRID_H (44 + 22 + NSTATUS * CELL_H)
#define GAP 36
#define MARGIN 24

static const char *class_colour(tl_outcome_class c)
{
    switch (c) {
    case TL_CLASS_FAILED: return "#e06c5f";
    case TL_CLASS_FULL: return "#6fa8dc";
    case TL_CLASS_RESUMED: return "#8fce74";
    case TL_CLASS_RESUMED_TICKET: return "#2f8f46";
    }
    return "#cccccc";
}

static const char *class_label(tl_outcome_class c)
{
    switch (c) {
    case TL_CLASS_FAILED: return "failed";
    case TL_CLASS_FULL: return "full";
    case TL_CLASS_RESUMED: return "resumed";
    case TL_CLASS_RESUMED_TICKET: return "resumed + ticket";
    }
    return "";
}

static void svg_cell(FILE *f, const tl_row *r, int x, int y)
{
    tl_outcome_class c;
    char log[TL_OUTCOME_LOG_MAX];

    if (r == NULL || r->status == TL_ROW_NA) {
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"url(#na)\" stroke=\"#ffffff\" stroke-width=\"2\"/>"
                   "<text x=\"%d\" y=\"%d\" class=\"na\">n/a</text>\n",
                x, y, CELL_W, CELL_H, x + CELL_W / 2, y + CELL_H / 2 + 4);
        return;
    }
    c = r->status == TL_ROW_ERROR ? TL_CLASS_FAILED : tl_outcome_classify(&r->res->observed);
    fputs("<g><title>", f);
    tl_xml_text(f, r->name);
    fputs(": ", f);
    tl_xml_text(f, r->status == TL_ROW_PASS ? "pass" : r->res->diff[0] ? r->res->diff : r->res->engine_diff[0] ? r->res->engine_diff : r->res->error);
    fputs("\n", f);
    tl_xml_text(f, tl_outcome_log_text(&r->res->observed, log, sizeof(log)));
    fprintf(f, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"2\"/>",
            x, y, CELL_W, CELL_H, class_colour(c));
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"cell%s\">%s</text>", x + CELL_W / 2, y + CELL_H / 2 + 4,
            c == TL_CLASS_RESUMED_TICKET || c == TL_CLASS_FAILED ? " light" : "", class_label(c));
    if (r->status != TL_ROW_PASS)
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#b00020\" stroke-width=\"4\"/>"
                   "<path d=\"M%d %d L%d %d M%d %d L%d %d\" stroke=\"#b00020\" stroke-width=\"3\"/>",
                x + 2, y + 2, CELL_W - 4, CELL_H - 4, x + CELL_W - 20, y + 6, x + CELL_W - 8, y + 18,
                x + CELL_W - 8, y + 6, x + CELL_W - 20, y + 18);
    fputs("</g>\n", f);
}

static void svg_grid(FILE *f, const grid *g, int t, int k, int gx, int gy)
{
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"title\">TLS 1.%c &#183; %s</text>\n", gx, gy + 20,
            t ? '3' : '2', grid_keys[k]);
    for (int ret = 0; ret < NRETURN; ret++)
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"head\">%s</text>\n", gx + LABEL_W + ret * CELL_W + CELL_W / 2,
                gy + 58, grid_return[ret]);
    for (int st = 0; st < NSTATUS; st++) {
        int y = gy + 66 + st * CELL_H;

        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"row\">%s</text>\n", gx + LABEL_W - 8, y + CELL_H / 2 + 4,
                grid_status[st]);
        for (int ret = 0; ret < NRETURN; ret++)
            svg_cell(f, grid_row(g, t, k, st, ret), gx + LABEL_W + ret * CELL_W, y);
    }
}

/* The notable behaviour changes (behaviour.h), one text line each, from y. */
static void svg_behaviour(FILE *f, int x, int y)
{
    tl_behaviour b;
    char note[400];

    for (int i = 0; (i = tl_behaviour_next_notable(i, &b, note, sizeof(note))) >= 0; i++) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"sub\">ticket behaviour: ", x, y);
        tl_xml_text(f, b.name);
        fputs(": ", f);
        tl_xml_text(f, note);
        fputs("</text>\n", f);
        y += 18;
    }
}

static void write_svg(FILE *f, const tl_suite *s, double seconds)
{
    int grids[8][2], n = 0, width, height, rows, extra = 18 * tl_behaviour_notable_count();
    counts c = count_rows(s);
    grid g;

    grid_index(s, &g);
    for (int k = 0; k < 4; k++)
        for (int t = 0; t < 2; t++)
            if (grid_has_rows(&g, t, k)) {
                grids[n][0] = t;
                grids[n][1] = k;
                n++;
            }
    rows = (n + 1) / 2;
    width = 2 * MARGIN + 2 * GRID_W + GAP;
    height = 2 * MARGIN + 64 + rows * (GRID_H + GAP) + 40 + extra;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\">\n", width, height, width, height);
    /* The title names what made the picture: a viewer shows it on hover. */
    fputs("<title>ticketlab ", f);
    tl_xml_text(f, tl_version());
    fputs(" conformance on ", f);
    tl_xml_text(f, tl_openssl_running());
    fputs(" (built with ", f);
    tl_xml_text(f, tl_openssl_built());
    fputs(")</title>\n", f);
    fputs("<defs><pattern id=\"na\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
          "<rect width=\"8\" height=\"8\" fill=\"#eeeeee\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#d6d6d6\" stroke-width=\"4\"/>"
          "</pattern>\n<style>\n"
          ".title{font-size:16px;font-weight:600;fill:#222}\n"
          ".head{font-size:11px;fill:#444;text-anchor:middle;font-weight:600}\n"
          ".row{font-size:11px;fill:#444;text-anchor:end;font-weight:600}\n"
          ".cell{font-size:12px;fill:#102a12;text-anchor:middle}\n"
          ".cell.light{fill:#ffffff}\n"
          ".na{font-size:11px;fill:#999;text-anchor:middle}\n"
          ".h1{font-size:20px;font-weight:700;fill:#111}\n"
          ".sub{font-size:12px;fill:#555}\n"
          ".legend{font-size:12px;fill:#333}\n"
          "</style></defs>\n", f);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height);
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"h1\">ticketlab conformance: decrypt callback status &#215; return</text>\n",
            MARGIN, MARGIN + 20);
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"sub\">", MARGIN, MARGIN + 42);
    tl_xml_text(f, tl_openssl_running());
    fputs(" (built with ", f);
    tl_xml_text(f, tl_openssl_built());
    fputs(") &#183; ticketlab ", f);
    tl_xml_text(f, tl_version());
    fprintf(f, " &#183; %zu rows, %zu passed, %zu failed, %zu errors, %zu n/a &#183; %.2f s</text>\n",
            c.ran, c.pass, c.fail, c.error, c.na, seconds);
    for (int i = 0; i < n; i++)
        svg_grid(f, &g, grids[i][0], grids[i][1], MARGIN + (i % 2) * (GRID_W + GAP),
                 MARGIN + 56 + (i / 2) * (GRID_H + GAP));
    svg_behaviour(f, MARGIN, height - MARGIN - 14 - extra);
    {
        int ly = height - MARGIN - 14, lx = MARGIN;
        static const tl_outcome_class all[] = { TL_CLASS_FAILED, TL_CLASS_FULL, TL_CLASS_RESUMED,
                                                TL_CLASS_RESUMED_TICKET };

        for (int i = 0; i < 4; i++) {
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"16\" rx=\"2\" fill=\"%s\"/>"
                       "<text x=\"%d\" y=\"%d\" class=\"legend\">%s</text>\n",
                    lx, ly, class_colour(all[i]), lx + 22, ly + 13,
                    all[i] == TL_CLASS_FAILED ? "handshake failed" : all[i] == TL_CLASS_FULL ? "full handshake"
                    : all[i] == TL_CLASS_RESUMED ? "resumed" : "resumed + new ticket");
            lx += 190;
        }
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"16\" fill=\"url(#na)\"/>"
                   "<text x=\"%d\" y=\"%d\" class=\"legend\">status unreachable on this release</text>\n", lx, ly, lx + 22, ly + 13);
        lx += 190;
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"16\" fill=\"none\" stroke=\"#b00020\" stroke-width=\"3\"/>"
                   "<text x=\"%d\" y=\"%d\" class=\"legend\">row failed its check</text>\n", lx, ly, lx + 22, ly + 13);
    }
    fputs("</svg>\n", f);
}

/* Where the reference reports are: the suite's choice, else "reference" beside the table. */
static const char *reference_dir(const tl_suite *s, char *buf, size_t size)
{
    const char *slash;

    if (s->reference_dir != NULL)
        return s->reference_dir;
    if (s->path == NULL)
        return NULL;
    slash = strrchr(s->path, '/');
    if (slash == NULL)
        snprintf(buf, size, "reference");
    else
        snprintf(buf, size, "%.*s/reference", (int)(slash - s->path), s->path);
    return buf;
}

int tl_report_write(FILE *f, const tl_suite *s, tl_report_format fmt, double seconds, tl_error *err)
{
    tl_unexplained u;
    char dir[1024];

    if ((fmt == TL_REPORT_TABLE || fmt == TL_REPORT_JSON)
        && tl_unexplained_find(s, reference_dir(s, dir, sizeof(dir)), &u, err) != 0)
        return -1;
    switch (fmt) {
    case TL_REPORT_TABLE: write_table(f, s, &u, seconds); tl_unexplained_free(&u); break;
    case TL_REPORT_JSON: write_json(f, s, &u, seconds); tl_unexplained_free(&u); break;
    case TL_REPORT_JUNIT: write_junit(f, s, seconds); break;
    case TL_REPORT_SVG: write_svg(f, s, seconds); break;
    }
    if (fflush(f) != 0 || ferror(f))
        return tl_error_set(err, "cannot write the %s report", tl_report_format_name(fmt));
    return 0;
}
