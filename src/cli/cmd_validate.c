/* cmd_validate.c - `ticketlab validate`: check a plug-in's ticket callbacks. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "validate.h"

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

int tl_cmd_validate(int argc, char **argv)
{
    const char *plugin = NULL, *arg = NULL, *format = "table", *out_path = NULL;
    tl_validation v;
    tl_error err = { "" };
    const char *head[] = { "plugin", v.plugin, "provides", v.provides, NULL };
    char title[600], summary_json[128], summary_text[128];
    tl_cli_checks report;
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
    if (!tl_cli_check_format(format))
        return tl_cli_fail(CMD, "--format takes table, json or junit, not '%s'", format);
    if (tl_validate_plugin(plugin, arg, &v, &err) != 0) {
        tl_validation_free(&v);
        return tl_cli_fail(CMD, "%s", err.msg);
    }
    snprintf(title, sizeof(title), "ticketlab validate %s (%s)", v.plugin, v.provides);
    snprintf(summary_json, sizeof(summary_json), "\"handshakes\":%zu,\"callback_calls\":%zu",
             v.handshakes, v.callback_calls);
    snprintf(summary_text, sizeof(summary_text), "%zu handshakes, %zu callback calls logged",
             v.handshakes, v.callback_calls);
    report = (tl_cli_checks){ .command = CMD, .title = title, .suite = v.plugin, .head = head,
                              .summary_json = summary_json, .summary_text = summary_text,
                              .seconds = v.seconds, .v = &v };
    rc = tl_validation_failed(&v) ? TL_EXIT_REJECTED : TL_EXIT_OK;
    if (tl_cli_checks_save(&report, format, out_path, &err) != 0)
        rc = tl_cli_fail(CMD, "%s", err.msg);
    tl_validation_free(&v);
    return rc;
}
