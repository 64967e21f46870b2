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
        "                       [--format table|json|junit] [-o FILE] [--timeout SECONDS]\n\n"
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
        "    The plug-in runs in a child process. If it crashes, aborts, calls exit()\n"
        "    or a call into it does not return within the timeout, the validation\n"
        "    fails with a check run.complete naming the call and the signal or\n"
        "    status, and the checks made until then are reported.\n\n"
        "OPTIONS\n"
        "    --plugin PATH   the shared object (a bare name means ./NAME)\n"
        "    --arg STRING    passed to tl_plugin_init (a key file, a configuration)\n"
        "    --format F      table (default), json or junit\n"
        "    -o FILE         write the report to FILE instead of standard output\n"
        "    --timeout S     seconds one call into the plug-in may take (default %d)\n"
        "    --help          this text\n\n"
        "EXIT STATUS\n"
        "    0 nothing failed (warnings allowed), 1 a check failed,\n"
        "    2 usage error, or the plug-in could not be loaded (not a whole shared\n"
        "    object for this machine, no key callback) or initialised.\n",
        (int)TL_VALIDATE_TIMEOUT_DEFAULT);
}

enum { OPT_PLUGIN = 256, OPT_ARG, OPT_FORMAT, OPT_TIMEOUT, OPT_HELP };

/* What the command line asks for. */
typedef struct validate_args {
    const char *plugin, *arg, *format, *out;
    unsigned long long timeout;
} validate_args;

/* Read the options. Returns 0, 1 after --help, or -1 after printing why. */
static int parse_args(int argc, char **argv, validate_args *a)
{
    static const struct option longopts[] = {
        { "plugin", required_argument, NULL, OPT_PLUGIN },
        { "arg", required_argument, NULL, OPT_ARG },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "o", required_argument, NULL, 'o' },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "help", no_argument, NULL, OPT_HELP },
        { "h", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *v;
    int c;

    memset(a, 0, sizeof(*a));
    a->format = "table";
    a->timeout = (unsigned long long)TL_VALIDATE_TIMEOUT_DEFAULT;
    tl_cli_getopt_reset();
    while ((c = tl_cli_getopt(argc, argv, longopts, &v, CMD)) != -1) {
        switch (c) {
        case OPT_HELP: case 'h': validate_help(stdout); return 1;
        case OPT_PLUGIN: a->plugin = v; break;
        case OPT_ARG: a->arg = v; break;
        case OPT_FORMAT: a->format = v; break;
        case 'o': a->out = v; break;
        case OPT_TIMEOUT:
            if (tl_cli_uint(v, 3600, &a->timeout) != 0 || a->timeout == 0) {
                tl_cli_fail(CMD, "--timeout takes whole seconds from 1 to 3600, not '%s'", v);
                return -1;
            }
            break;
        default: return -1;
        }
    }
    if (optind < argc) {
        tl_cli_fail(CMD, "unexpected argument '%s' (try --help)", argv[optind]);
        return -1;
    }
    if (a->plugin == NULL) {
        tl_cli_fail(CMD, "--plugin PATH is required (try --help)");
        return -1;
    }
    if (!tl_cli_check_format(a->format)) {
        tl_cli_fail(CMD, "--format takes table, json or junit, not '%s'", a->format);
        return -1;
    }
    return 0;
}

int tl_cmd_validate(int argc, char **argv)
{
    validate_args a;
    tl_validation v;
    tl_error err = { "" };
    const char *head[] = { "plugin", v.plugin, "provides", v.provides, NULL };
    char title[600], summary_json[128], summary_text[128];
    tl_cli_checks report;
    int rc = parse_args(argc, argv, &a);

    if (rc != 0)
        return rc > 0 ? TL_EXIT_OK : TL_EXIT_USAGE;
    /* The plug-in runs in a child: a crash, exit() or hang in it is a failed check. */
    if (tl_validate_contained(a.plugin, a.arg, (double)a.timeout, &v, &err) != 0) {
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
    if (tl_cli_checks_save(&report, a.format, a.out, &err) != 0)
        rc = tl_cli_fail(CMD, "%s", err.msg);
    tl_validation_free(&v);
    return rc;
}
