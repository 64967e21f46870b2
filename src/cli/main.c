/* main.c - `ticketlab`: dispatch to a sub-command. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "cli.h"
#include "detect.h"
#include "text.h"
#include "ticketlab/tlslib.h"
#include "ticketlab/version.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    int detect;     /* runs worlds: detect the library's ticket behaviour first
                       (the leak excuses and the engine ask it); conformance
                       does it itself, after its --expect-change options */
} commands[] = {
    { "keygen", tl_cmd_keygen, "make a ticket key file (libtls, nginx, envoy, haproxy)", 0 },
    { "ticket", tl_cmd_ticket, "open or seal a session ticket outside TLS", 0 },
    { "handshake", tl_cmd_handshake, "run the in-process world and print its event log", 1 },
    { "cache", tl_cmd_cache, "list, verify, import and export curl-format session caches", 0 },
    { "corpus", tl_cmd_corpus, "write the seed inputs of every fuzz target", 0 },
    { "conformance", tl_cmd_conformance, "check OpenSSL's ticket behaviour against the expectations table", 0 },
    { "validate", tl_cmd_validate, "check your own ticket key and decrypt callbacks (a plug-in)", 1 },
    { "probe", tl_cmd_probe, "audit the session tickets of a running TLS server (live)", 0 },
    { "serve", tl_cmd_serve, "serve the in-process issuer's tickets to real clients (live)", 1 },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: ticketlab COMMAND [ARGS...]\n\n"
               "A fuzzing and conformance harness for TLS session tickets on OpenSSL.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun `ticketlab COMMAND --help` for a command's options.\n"
               "Exit status: 0 ok, 1 rejected or failed, 2 usage or I/O error.\n");
}

int tl_cli_fail(const char *cmd, const char *fmt, ...)
{
    char msg[2048], *full;
    va_list ap;

    va_start(ap, fmt);
    full = tl_text_vformat(fmt, ap);
    va_end(ap);
    if (full == NULL) {
        tl_text_line(stderr, "ticketlab %s: out of memory (while saying what went wrong)", cmd);
        return TL_EXIT_USAGE;
    }
    /* Too long (a path near PATH_MAX): keep the start and the reason whole. */
    tl_text_elide(msg, sizeof(msg), full);
    free(full);
    /* One line, whatever a file name holds: control bytes (a newline, an
     * escape sequence) and bytes that are not UTF-8 are shown as \xNN,
     * never passed to the terminal (text.h). */
    tl_text_line(stderr, "ticketlab %s: %s", cmd, msg);
    return TL_EXIT_USAGE;
}

int tl_cli_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end != '\0' || errno != 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

/*
 * `ticketlab --version`: what a CI log needs to say which ticketlab ran
 * against which OpenSSL: the headers it was built with and the library
 * loaded now can differ, and the expectations follow the loaded one's
 * detected behaviour. Every change where detection and history disagree,
 * or an assertion (TICKETLAB_EXPECT_CHANGES) contradicts detection, is
 * named.
 */
static int print_version(void)
{
    tl_error err = { "" };
    tl_behaviour b;
    char note[400];
    int n;

    /* A bad TICKETLAB_EXPECT_CHANGES is a usage error: nothing on stdout. */
    if (tl_tlslib_which() == TL_TLSLIB_KIND_OPENSSL && tl_detect_install(&err) != 0)
        return tl_cli_fail("--version", "%s", err.msg);
    printf("ticketlab %s\n", tl_version());
    printf("built with %s\n", tl_openssl_built());
    if (tl_tlslib_which() != TL_TLSLIB_KIND_OPENSSL) {
        /* BoringSSL and AWS-LC: the library and its commit; no OpenSSL
         * release change applies to them (docs/libraries.md). */
        printf("running on %s (%s's rules: docs/libraries.md)\n", tl_openssl_running(), tl_tlslib_name());
        return fflush(stdout) == 0 && !ferror(stdout) ? TL_EXIT_OK : TL_EXIT_USAGE;
    }
    n = tl_behaviour_notable_count();
    printf("running on %s (release line %s)\n", tl_openssl_running(), tl_release_series());
    if (n == 0)
        printf("ticket behaviour: %d changes detected, as upstream history has them for %s "
               "(ticketlab conformance --changes)\n", TL_CHANGE_COUNT, tl_release_name());
    else
        printf("ticket behaviour: %d of %d changes differ from upstream history or from what is asserted, "
               "or were not detected (ticketlab conformance --changes):\n", n, TL_CHANGE_COUNT);
    for (int i = 0; (i = tl_behaviour_next_notable(i, &b, note, sizeof(note))) >= 0; i++)
        printf("  %s: %s\n", b.name, note);
    return fflush(stdout) == 0 && !ferror(stdout) ? TL_EXIT_OK : TL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return TL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
        || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return TL_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return print_version();
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            tl_error err = { "" };

            if (commands[i].detect && tl_detect_install(&err) != 0)
                return tl_cli_fail(commands[i].name, "%s", err.msg);
            return commands[i].run(argc - 1, argv + 1);
        }
    tl_text_line(stderr, "ticketlab: unknown command '%s' (try ticketlab --help)", argv[1]);
    return TL_EXIT_USAGE;
}
