/*
 * check_report.c - the pass/warn/fail/skip report of `validate` and
 * `probe`, as a table, JSON or JUnit XML; see cli.h.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "text.h"
#include "ticketlab/version.h"
#include "xml.h"

int tl_cli_check_format(const char *name)
{
    return strcmp(name, "table") == 0 || strcmp(name, "json") == 0 || strcmp(name, "junit") == 0;
}

static size_t count(const tl_validation *v, tl_verdict which)
{
    return tl_validation_count(v, which);
}

/* ---- table -------------------------------------------------------------------- */

static void write_table(FILE *f, const tl_cli_checks *r)
{
    const tl_validation *v = r->v;

    /* A title, a check's text: a plug-in path, a peer's bytes (text.h). */
    tl_text_line(f, "%s on %s", r->title, tl_openssl_running());
    fprintf(f, "ticketlab %s, built with %s\n\n", tl_version(), tl_openssl_built());
    for (size_t i = 0; i < v->n; i++) {
        const tl_check *c = &v->checks[i];

        tl_text_line(f, "%-4s  %s", tl_verdict_name(c->verdict), c->name);
        tl_text_line(f, "      seen:     %s", c->seen);
        if (c->expected[0])
            tl_text_line(f, "      expected: %s", c->expected);
        if (c->why[0] && c->verdict != TL_VERDICT_SKIP)
            tl_text_line(f, "      why:      %s", c->why);
    }
    fprintf(f, "\n%zu checks: %zu pass, %zu warn, %zu fail, %zu not checked (%s, %.2f s)\n",
            v->n, count(v, TL_VERDICT_PASS), count(v, TL_VERDICT_WARN),
            count(v, TL_VERDICT_FAIL), count(v, TL_VERDICT_SKIP), r->summary_text, r->seconds);
    if (tl_validation_failed(v)) {
        fputs("FAILED:", f);
        for (size_t i = 0; i < v->n; i++)
            if (v->checks[i].verdict == TL_VERDICT_FAIL)
                fprintf(f, " %s", v->checks[i].name);
        fputc('\n', f);
    }
}

/* ---- JSON --------------------------------------------------------------------- */

static void json_member(FILE *f, const char *key, const char *value, int last)
{
    tl_json_string(f, key);
    fputc(':', f);
    tl_json_string(f, value);
    if (!last)
        fputc(',', f);
}

static void write_json(FILE *f, const tl_cli_checks *r)
{
    const tl_validation *v = r->v;

    fputc('{', f);
    for (size_t i = 0; r->head[i] != NULL; i += 2)
        json_member(f, r->head[i], r->head[i + 1], 0);
    tl_version_json(f);
    fputs(",\"checks\":[", f);
    for (size_t i = 0; i < v->n; i++) {
        const tl_check *c = &v->checks[i];

        fputs(i ? ",\n{" : "\n{", f);
        json_member(f, "name", c->name, 0);
        json_member(f, "verdict", tl_verdict_name(c->verdict), 0);
        json_member(f, "seen", c->seen, 0);
        json_member(f, "expected", c->expected, 0);
        json_member(f, "why", c->why, 1);
        fputc('}', f);
    }
    fprintf(f, "],\n\"summary\":{\"checks\":%zu,\"pass\":%zu,\"warn\":%zu,\"fail\":%zu,"
               "\"skip\":%zu,%s,\"seconds\":%.3f,\"ok\":%s}}\n",
            v->n, count(v, TL_VERDICT_PASS), count(v, TL_VERDICT_WARN),
            count(v, TL_VERDICT_FAIL), count(v, TL_VERDICT_SKIP), r->summary_json, r->seconds,
            tl_validation_failed(v) ? "false" : "true");
}

/* ---- JUnit XML ------------------------------------------------------------------ */

static void write_junit(FILE *f, const tl_cli_checks *r)
{
    const tl_validation *v = r->v;
    size_t fails = count(v, TL_VERDICT_FAIL), skips = count(v, TL_VERDICT_SKIP);

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuites name=\"ticketlab %s\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n"
               "  <testsuite name=\"", r->command, v->n, fails, r->seconds);
    tl_xml_text(f, r->suite);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n",
            v->n, fails, skips, r->seconds);
    fputs("    <properties>", f);
    tl_version_junit(f);
    fputs("</properties>\n", f);
    for (size_t i = 0; i < v->n; i++) {
        const tl_check *c = &v->checks[i];
        const char *dot = strchr(c->name, '.');
        int group = dot ? (int)(dot - c->name) : (int)strlen(c->name);

        fprintf(f, "    <testcase classname=\"%s.%.*s\" name=\"", r->command, group, c->name);
        tl_xml_text(f, c->name);
        fputs("\">\n", f);
        if (c->verdict == TL_VERDICT_FAIL || c->verdict == TL_VERDICT_SKIP) {
            fputs(c->verdict == TL_VERDICT_FAIL ? "      <failure message=\"" : "      <skipped message=\"", f);
            tl_xml_text(f, c->seen);
            fputs("\">", f);
            if (c->verdict == TL_VERDICT_FAIL) {
                fputs("expected: ", f);
                tl_xml_text(f, c->expected);
                fputs("\nwhy: ", f);
                tl_xml_text(f, c->why);
            }
            fputs(c->verdict == TL_VERDICT_FAIL ? "</failure>\n" : "</skipped>\n", f);
        } else {
            fprintf(f, "      <system-out>%s: ", tl_verdict_name(c->verdict));
            tl_xml_text(f, c->seen);
            fputs("</system-out>\n", f);
        }
        fputs("    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
}

int tl_cli_checks_save(const tl_cli_checks *r, const char *format, const char *out_path,
                       tl_error *err)
{
    tl_cli_report report;

    /* Made in memory, then written whole: atomically to a file (never a
     * cut or clobbered report), and a failed write to stdout is an error. */
    if (tl_cli_report_open(&report) != 0)
        return tl_error_set(err, "out of memory");
    if (strcmp(format, "json") == 0)
        write_json(report.f, r);
    else if (strcmp(format, "junit") == 0)
        write_junit(report.f, r);
    else
        write_table(report.f, r);
    return tl_cli_report_save(&report, out_path, err);
}
