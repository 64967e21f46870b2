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

#include <getopt.h>
#include <stdio.h>

#include "ticketlab/error.h"
#include "validate.h"
#include "ticketlab/world.h"

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
int tl_cmd_probe(int argc, char **argv);
int tl_cmd_serve(int argc, char **argv);

/* tl_cli_fail - print "ticketlab CMD: message" on stderr; returns TL_EXIT_USAGE. */
int tl_cli_fail(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * tl_cli_getopt - the next option of a sub-command, with getopt_long(3):
 * `--name value`, `--name=value` and, for one-letter names whose val is
 * that letter, `-o value`. Call tl_cli_getopt_reset() before the first
 * call. Returns the option's val with *arg its value (NULL for a flag), -1
 * when the options end (the operands are then argv[optind..argc-1]), or
 * '?' after printing one line: an unknown option, or one without its value.
 */
int tl_cli_getopt(int argc, char **argv, const struct option *longopts, const char **arg,
                  const char *cmd);

/* tl_cli_getopt_reset - start option parsing over (each sub-command parses its own argv). */
void tl_cli_getopt_reset(void);

/*
 * tl_cli_one_stdin - standard input can be read once: of the n input
 * files paths[] (role[i] names each as the help does: "--keys", "TICKET"),
 * at most one may be "-". Returns 0, or -1 after printing one line naming
 * the two that are.
 */
int tl_cli_one_stdin(const char *cmd, size_t n, const char *const *paths, const char *const *role);

/*
 * tl_cli_tls_version - "1.2" or "1.3" to TLS1_2_VERSION / TLS1_3_VERSION.
 * Returns 0, or -1 after printing "OPT takes 1.2 or 1.3, not 'VALUE'".
 */
int tl_cli_tls_version(const char *opt, const char *value, int *version, const char *cmd);

/*
 * tl_cli_count - a whole number from 0 to max (tl_cli_uint). Returns 0, or
 * -1 after printing "OPT takes 0 to MAX, not 'VALUE'".
 */
int tl_cli_count(const char *opt, const char *value, unsigned long long max, unsigned long long *out,
                 const char *cmd);

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

/*
 * The scenario options `handshake` and `serve` share (--tls, --seed,
 * --num-tickets, --key-source, --alpn, --appdata), as getopt_long entries
 * to put in a command's option table.
 */
enum { TL_OPT_WORLD_TLS = 200, TL_OPT_WORLD_SEED, TL_OPT_WORLD_NUM_TICKETS, TL_OPT_WORLD_KEY_SOURCE,
       TL_OPT_WORLD_ALPN, TL_OPT_WORLD_APPDATA };
#define TL_CLI_WORLD_OPTIONS \
    { "tls", required_argument, NULL, TL_OPT_WORLD_TLS }, \
    { "seed", required_argument, NULL, TL_OPT_WORLD_SEED }, \
    { "num-tickets", required_argument, NULL, TL_OPT_WORLD_NUM_TICKETS }, \
    { "key-source", required_argument, NULL, TL_OPT_WORLD_KEY_SOURCE }, \
    { "alpn", required_argument, NULL, TL_OPT_WORLD_ALPN }, \
    { "appdata", required_argument, NULL, TL_OPT_WORLD_APPDATA }

/*
 * tl_cli_world_option - take one of those options (opt, as tl_cli_getopt
 * returned it, with its value v) into cfg, or *appdata (hex, checked by
 * tl_cli_world_new). Returns 1 when it was one, 0 when opt is another
 * option, -1 after printing why the value is bad.
 */
int tl_cli_world_option(int opt, const char *v, tl_world_config *cfg, const char **appdata, const char *cmd);

/*
 * tl_cli_seconds - parse a timeout: a decimal number of seconds from 0.1 to
 * 600. Returns 0, or -1 for anything else.
 */
int tl_cli_seconds(const char *s, double *out);

/*
 * tl_cli_world_new - tl_world_new(cfg), then attach the --appdata hex (may
 * be NULL) to its policy. Returns the world, or NULL after printing the error.
 */
tl_world *tl_cli_world_new(const tl_world_config *cfg, const char *appdata, const char *cmd);

/*
 * A report of pass/warn/fail/skip checks (validate.h's tl_check), shared
 * by `validate` and `probe`: a table, JSON or JUnit XML.
 */
typedef struct tl_cli_checks {
    const char *command;          /* "validate": the JUnit suite and class names */
    const char *title;            /* the table's first line, before " on OpenSSL ..." */
    const char *suite;            /* the JUnit testsuite name */
    const char *const *head;      /* JSON members before the checks: key, value, ..., NULL */
    const char *summary_json;     /* extra summary members: "\"handshakes\":3" */
    const char *summary_text;     /* the table summary's parenthesis: "3 handshakes" */
    double seconds;
    const tl_validation *v;
} tl_cli_checks;

/* tl_cli_check_format - 1 if name is table, json or junit, else 0. */
int tl_cli_check_format(const char *name);

/*
 * tl_cli_checks_save - write the report of r in `format` (table, json,
 * junit) to out_path (NULL or "-": stdout) as tl_cli_report_save() does.
 * Returns 0, or -1 with err.
 */
int tl_cli_checks_save(const tl_cli_checks *r, const char *format, const char *out_path,
                       tl_error *err);

/*
 * tl_cli_expect_changes - detect the loaded library's ticket behaviour
 * (detect.h), apply TICKETLAB_EXPECT_CHANGES, then each
 * `--expect-change NAME=yes|no` item (they win over the variable).
 * Returns TL_EXIT_OK, or TL_EXIT_USAGE after printing one line (a bad item
 * or variable, an unknown change name).
 */
int tl_cli_expect_changes(const char *cmd, const char *const *items, int n);

/*
 * tl_cli_changes - `--changes`: write every behaviour change, with its
 * detected, history and asserted answers, where it lives and its upstream
 * reference, as "table" or "json", to out (NULL or "-": stdout), whole or
 * not at all. Call tl_cli_expect_changes() first. Returns an exit status.
 */
int tl_cli_changes(const char *cmd, const char *format, const char *out);

#endif
