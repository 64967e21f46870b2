/* cmd_validate.c - `ticketlab validate`: check a plug-in's ticket callbacks. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "json.h"
#include "validate.h"
#include "xml.h"

#define CMD "validate"

static void validate_help(FILE *f)
{
    fprintf(f,
        "NAME\n"
        "    ticketlab validate - check your own ticket key and decrypt callbacks\n\n"
        "SYNOPSIS\n"
        "    ticketlab validate --plugin ./libmycb.so [--arg STRING]\n"
        "                       [--format table|json|junit] [-o FILE]\n\n"
        "DESCRIPTION\n"
        "    Loads a plug-in: a shared object exporting tl_plugin_ticket_key_evp_cb\n"
        "    or tl_plugin_ticket_key_cb, and optionally tl_plugin_init,\n"
        "    tl_plugin_decrypt_session_ticket_cb, tl_plugin_generate_session_ticket_cb,\n"
        "    tl_plugin_rotate and tl_plugin_fini (see ticketlab/plugin.h). Installs\n"
        "    its callbacks on the server of the in-process world, where every call\n"
        "    and return is logged, and checks them against OpenSSL's contract: the\n"
        "    conformance rows that apply to the callbacks it provides; tampered\n"
        "    tickets; unknown key names; IVs over 1,000 tickets; zero, constant and\n"
        "    shared keys; key strength; rotation; the encrypt path; the decrypt\n"
        "    callback's returns. Each check says pass, warn, fail or skip (not\n"
        "    checked, and why), with what was seen, what was expected, and why it\n"
        "    matters.\n\n"
        "OPTIONS\n"
        "    --plugin PATH   the shared object (a bare name means ./NAME)\n"
        "    --arg STRING    passed to tl_plugin_init (a key file, a configuration)\n"
        "    --format F      table (default), json or junit\n"
        "    -o FILE         write the report to FILE instead of standard output\n"
        "    --help          this text\n\n"
        "EXIT STATUS\n"
        "    0 nothing failed (warnings allowed), 1 a check failed,\n"
        "    2 usage error, or the plug-in could not be loaded or initialised.\n");
}

/* ---- table -------------------------------------------------------------------- */

static void write_table(FILE *f, const tl_validation *v)
{
    fprintf(f, "ticketlab validate %s (%s) on %s\n\n", v->plugin, v->provides,
            OpenSSL_version(OPENSSL_VERSION));
    for (size_t i = 0; i < v->n; i++) {
        const tl_check *c = &v->checks[i];

        fprintf(f, "%-4s  %s\n", tl_verdict_name(c->verdict), c->name);
        fprintf(f, "      seen:     %s\n", c->seen);
        if (c->expected[0])
            fprintf(f, "      expected: %s\n", c->expected);
        if (c->why[0] && c->verdict != TL_VERDICT_SKIP)
            fprintf(f, "      why:      %s\n", c->why);
    }
    fprintf(f, "\n%zu checks: %zu pass, %zu warn, %zu fail, %zu not checked "
               "(%zu handshakes, %zu callback calls logged, %.2f s)\n",
            v->n, tl_validation_count(v, TL_VERDICT_PASS), tl_validation_count(v, TL_VERDICT_WARN),
            tl_validation_count(v, TL_VERDICT_FAIL), tl_validation_count(v, TL_VERDICT_SKIP),
            v->handshakes, v->callback_calls, v->seconds);
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

static void write_json(FILE *f, const tl_validation *v)
{
    fputc('{', f);
    json_member(f, "plugin", v->plugin, 0);
    json_member(f, "provides", v->provides, 0);
    json_member(f, "openssl", OpenSSL_version(OPENSSL_VERSION), 0);
    fputs("\"checks\":[", f);
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
               "\"skip\":%zu,\"handshakes\":%zu,\"callback_calls\":%zu,\"seconds\":%.3f,"
               "\"ok\":%s}}\n",
            v->n, tl_validation_count(v, TL_VERDICT_PASS), tl_validation_count(v, TL_VERDICT_WARN),
            tl_validation_count(v, TL_VERDICT_FAIL), tl_validation_count(v, TL_VERDICT_SKIP),
            v->handshakes, v->callback_calls, v->seconds,
            tl_validation_failed(v) ? "false" : "true");
}

/* ---- JUnit XML ------------------------------------------------------------------ */

static void write_junit(FILE *f, const tl_validation *v)
{
    size_t fails = tl_validation_count(v, TL_VERDICT_FAIL), skips = tl_validation_count(v, TL_VERDICT_SKIP);

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuites name=\"ticketlab validate\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n"
               "  <testsuite name=\"", v->n, fails, v->seconds);
    tl_xml_text(f, v->plugin);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n",
            v->n, fails, skips, v->seconds);
    for (size_t i = 0; i < v->n; i++) {
        const tl_check *c = &v->checks[i];
        const char *dot = strchr(c->name, '.');
        int group = dot ? (int)(dot - c->name) : (int)strlen(c->name);

        fprintf(f, "    <testcase classname=\"validate.%.*s\" name=\"", group, c->name);
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

int tl_cmd_validate(int argc, char **argv)
{
    const char *plugin = NULL, *arg = NULL, *format = "table", *out_path = NULL;
    tl_validation v;
    tl_error err = { "" };
    tl_cli_report report;
    int rc;

    for (int i = 1; i < argc; i++) {
        int m;

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            validate_help(stdout);
            return TL_EXIT_OK;
        }
        if ((m = tl_cli_opt(argc, argv, &i, "--plugin", &plugin, CMD)) != 0
            || (m = tl_cli_opt(argc, argv, &i, "--arg", &arg, CMD)) != 0
            || (m = tl_cli_opt(argc, argv, &i, "--format", &format, CMD)) != 0
            || (m = tl_cli_opt(argc, argv, &i, "-o", &out_path, CMD)) != 0) {
            if (m < 0)
                return TL_EXIT_USAGE;
            continue;
        }
        return tl_cli_fail(CMD, "unknown argument '%s' (try --help)", argv[i]);
    }
    if (plugin == NULL)
        return tl_cli_fail(CMD, "--plugin PATH is required (try --help)");
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0 && strcmp(format, "junit") != 0)
        return tl_cli_fail(CMD, "--format takes table, json or junit, not '%s'", format);
    if (tl_validate_plugin(plugin, arg, &v, &err) != 0) {
        tl_validation_free(&v);
        return tl_cli_fail(CMD, "%s", err.msg);
    }
    /* Made in memory, then written whole: atomically to a file (never a
     * cut or clobbered report), and a failed write to stdout is an error. */
    if (tl_cli_report_open(&report) != 0) {
        tl_validation_free(&v);
        return tl_cli_fail(CMD, "out of memory");
    }
    if (strcmp(format, "json") == 0)
        write_json(report.f, &v);
    else if (strcmp(format, "junit") == 0)
        write_junit(report.f, &v);
    else
        write_table(report.f, &v);
    rc = tl_validation_failed(&v) ? TL_EXIT_REJECTED : TL_EXIT_OK;
    if (tl_cli_report_save(&report, out_path, &err) != 0)
        rc = tl_cli_fail(CMD, "%s", err.msg);
    tl_validation_free(&v);
    return rc;
}
