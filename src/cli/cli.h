/*
 * cli.h - the ticketlab command's sub-commands.
 *
 * Each sub-command is `int tl_cmd_NAME(int argc, char **argv)` in its own
 * file cmd_NAME.c, with argv[0] the sub-command's name. Exit codes, for
 * every sub-command: 0 success, 1 the thing checked was rejected or failed
 * (a ticket that does not open, a failing conformance row), 2 usage or I/O
 * errors. Errors are one line on stderr: "ticketlab NAME: what went wrong".
 */
#ifndef TICKETLAB_CLI_H
#define TICKETLAB_CLI_H

#include <stdio.h>

#include "ticketlab/error.h"

#define TL_EXIT_OK 0
#define TL_EXIT_REJECTED 1
#define TL_EXIT_USAGE 2

int tl_cmd_keygen(int argc, char **argv);
int tl_cmd_ticket(int argc, char **argv);
int tl_cmd_handshake(int argc, char **argv);
int tl_cmd_cache(int argc, char **argv);
int tl_cmd_corpus(int argc, char **argv);
int tl_cmd_conformance(int argc, char **argv);
int tl_cmd_validate(int argc, char **argv);

/* tl_cli_fail - print "ticketlab CMD: message" on stderr; returns TL_EXIT_USAGE. */
int tl_cli_fail(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * tl_cli_opt - getopt-free option matching: if argv[*i] is `name`, store
 * the next argument in *value, advance *i and return 1; if `name` has no
 * value left, print an error and return -1; otherwise return 0.
 */
int tl_cli_opt(int argc, char **argv, int *i, const char *name,
               const char **value, const char *cmd);

/*
 * tl_cli_uint - parse a decimal whole number no larger than max.
 * Returns 0, or -1 for anything else (sign, spaces, junk, overflow).
 */
int tl_cli_uint(const char *s, unsigned long long max, unsigned long long *out);

/*
 * A report made in memory and then written whole, so that a full disk, a
 * symlink or a failing stdout never leaves a cut or clobbered file.
 *
 *     tl_cli_report r;
 *     if (tl_cli_report_open(&r) != 0) ...out of memory...
 *     fprintf(r.f, ...);
 *     if (tl_cli_report_save(&r, out_path, &err) != 0) ...err.msg...
 */
typedef struct tl_cli_report {
    FILE *f;        /* write the report here */
    char *text;
    size_t len;
} tl_cli_report;

/* tl_cli_report_open - start a report in memory. Returns 0, or -1 (out of memory). */
int tl_cli_report_open(tl_cli_report *r);

/*
 * tl_cli_report_save - finish r and write it to path (NULL or "-": stdout),
 * atomically to a file (fileio.h), then free it. Returns 0, or -1 with err
 * naming the path and the reason.
 */
int tl_cli_report_save(tl_cli_report *r, const char *path, tl_error *err);

/* tl_cli_report_discard - free r without writing it. */
void tl_cli_report_discard(tl_cli_report *r);

#endif
