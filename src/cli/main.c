/* main.c - `ticketlab`: dispatch to a sub-command. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "cli.h"
#include "release.h"
#include "text.h"
#include "ticketlab/version.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "keygen", tl_cmd_keygen, "make a ticket key file (libtls, nginx, envoy, haproxy)" },
    { "ticket", tl_cmd_ticket, "open or seal a session ticket outside TLS" },
    { "handshake", tl_cmd_handshake, "run the in-process world and print its event log" },
    { "cache", tl_cmd_cache, "list, verify, import and export curl-format session caches" },
    { "corpus", tl_cmd_corpus, "write the seed inputs of every fuzz target" },
    { "conformance", tl_cmd_conformance, "check OpenSSL's ticket behaviour against the expectations table" },
    { "validate", tl_cmd_validate, "check your own ticket key and decrypt callbacks (a plug-in)" },
    { "probe", tl_cmd_probe, "audit the session tickets of a running TLS server (live)" },
    { "serve", tl_cmd_serve, "serve the in-process issuer's tickets to real clients (live)" },
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
    if (strcmp(argv[1], "--version") == 0) {
        /* What a CI log needs to say which ticketlab ran against which
         * OpenSSL: the headers it was built with and the library loaded now
         * can differ, and the expectations follow the loaded one. */
        printf("ticketlab %s\n", tl_version());
        printf("built with %s\n", tl_openssl_built());
        printf("running on %s (rules of release line %s)\n", tl_openssl_running(),
               tl_release_series());
        return fflush(stdout) == 0 && !ferror(stdout) ? TL_EXIT_OK : TL_EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    tl_text_line(stderr, "ticketlab: unknown command '%s' (try ticketlab --help)", argv[1]);
    return TL_EXIT_USAGE;
}
