/* options.c - the option parsing every sub-command shares; see cli.h. */
#include <getopt.h>
#include <stdint.h>
#include <string.h>

#include <openssl/ssl.h>

#include "cli.h"

int tl_cli_one_stdin(const char *cmd, size_t n, const char *const *paths, const char *const *role)
{
    size_t first = n;

    for (size_t i = 0; i < n; i++) {
        if (paths[i] == NULL || strcmp(paths[i], "-") != 0)
            continue;
        if (first < n) {
            if (strcmp(role[first], role[i]) == 0)
                tl_cli_fail(cmd, "two %s files are standard input (\"-\"): it can be read only "
                            "once (put all but one in files)", role[i]);
            else
                tl_cli_fail(cmd, "%s and %s are both standard input (\"-\"): it can be read only "
                            "once (put one of them in a file)", role[first], role[i]);
            return -1;
        }
        first = i;
    }
    return 0;
}

int tl_cli_getopt(int argc, char **argv, const struct option *longopts, const char **arg,
                  const char *cmd)
{
    char shortopts[64] = ":";   /* leading ':': a missing value is ':', not '?' */
    size_t n = 1;
    int c, index = -1;

    /* The short options are the long ones whose value is a letter (-o). */
    for (const struct option *o = longopts; o->name != NULL && n + 2 < sizeof(shortopts); o++)
        if (o->val > ' ' && o->val < 0x7f && strlen(o->name) == 1 && o->name[0] == (char)o->val) {
            shortopts[n++] = (char)o->val;
            if (o->has_arg == required_argument)
                shortopts[n++] = ':';
        }
    shortopts[n] = '\0';
    opterr = 0;
    c = getopt_long(argc, argv, shortopts, longopts, &index);
    *arg = optarg;
    if (c == ':') {
        /* optopt is the short option, or the long one's val. */
        const char *name = argv[optind - 1];

        for (const struct option *o = longopts; o->name != NULL; o++)
            if (o->val == optopt && o->has_arg == required_argument)
                name = o->name;
        tl_cli_fail(cmd, "%s%s needs a value", name[0] == '-' ? "" : strlen(name) == 1 ? "-" : "--", name);
        return '?';
    }
    if (c == '?') {
        if (optopt > 0 && optopt < 0x7f)
            tl_cli_fail(cmd, "unknown option '-%c' (try --help)", optopt);
        else
            tl_cli_fail(cmd, "unknown option '%s' (try --help)", argv[optind - 1]);
        return '?';
    }
    return c;
}

void tl_cli_getopt_reset(void)
{
    optind = 0;   /* glibc: start over, with its state reset */
}

int tl_cli_tls_version(const char *opt, const char *value, int *version, const char *cmd)
{
    if (strcmp(value, "1.2") == 0)
        *version = TLS1_2_VERSION;
    else if (strcmp(value, "1.3") == 0)
        *version = TLS1_3_VERSION;
    else
        return tl_cli_fail(cmd, "%s takes 1.2 or 1.3, not '%s'", opt, value), -1;
    return 0;
}

int tl_cli_count(const char *opt, const char *value, unsigned long long max, unsigned long long *out,
                 const char *cmd)
{
    if (tl_cli_uint(value, max, out) != 0) {
        if (max == UINT64_MAX)
            tl_cli_fail(cmd, "%s takes a whole number, not '%s'", opt, value);
        else
            tl_cli_fail(cmd, "%s takes 0 to %llu, not '%s'", opt, max, value);
        return -1;
    }
    return 0;
}
