/*
 * cmd_corpus.c - `ticketlab corpus -o DIR`: write the fuzz targets' seeds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fileio.h"
#include "seeds.h"
#include "text.h"

static const char help[] =
"NAME\n"
"    ticketlab corpus - write the seed inputs of every fuzz target\n"
"\n"
"SYNOPSIS\n"
"    ticketlab corpus -o DIR\n"
"\n"
"DESCRIPTION\n"
"    Writes DIR/<target>/<name> for every seed: genuine tickets of each\n"
"    TLS version and key source, one per NO_DECRYPT cause, the sessions\n"
"    behind them, key files of each format with their tickets, and more as\n"
"    targets are added. The output is deterministic: running it twice gives\n"
"    the same bytes, so the committed corpus can be checked against it.\n"
"    Existing files of the same name are replaced; others are left alone.\n"
"\n"
"EXAMPLE\n"
"    ticketlab corpus -o corpus\n"
"\n"
"EXIT STATUS\n"
"    0 written, 2 usage or I/O error.\n";

typedef struct {
    const char *dir;
    tl_error err;
} sink_state;

static int ensure_dir(const char *path, tl_error *err)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return tl_error_set(err, "%s: cannot create: %s", path, strerror(errno));
    return 0;
}

static int write_seed(const char *target, const char *name, const unsigned char *data,
                      size_t len, void *arg)
{
    sink_state *st = arg;
    char dir[4096], path[4096];

    if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", st->dir, target) >= sizeof(dir)
        || (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return tl_error_set(&st->err, "%s: path too long", st->dir);
    if (ensure_dir(dir, &st->err) != 0)
        return -1;
    return tl_file_write_atomic(path, data, len, 0644, &st->err);
}

int tl_cmd_corpus(int argc, char **argv)
{
    sink_state st = { NULL, { "" } };
    tl_error err = { "" };
    long n;

    static const struct option longopts[] = {
        { "o", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { "h", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *v;
    int c;

    tl_cli_getopt_reset();
    while ((c = tl_cli_getopt(argc, argv, longopts, &v, "corpus")) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return TL_EXIT_OK;
        }
        if (c != 'o')
            return TL_EXIT_USAGE;
        st.dir = v;
    }
    if (optind < argc)
        return tl_cli_fail("corpus", "unexpected argument '%s' (try --help)", argv[optind]);
    if (st.dir == NULL)
        return tl_cli_fail("corpus", "-o DIR is required");
    if (ensure_dir(st.dir, &err) != 0)
        return tl_cli_fail("corpus", "%s", err.msg);
    n = tl_seeds_generate(write_seed, &st, &err);
    if (n < 0)
        return tl_cli_fail("corpus", "%s", st.err.msg[0] ? st.err.msg : err.msg);
    tl_text_line(stdout, "wrote %ld seeds under %s", n, st.dir);
    return TL_EXIT_OK;
}
