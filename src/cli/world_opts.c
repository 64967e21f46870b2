/*
 * world_opts.c - the scenario options `handshake` and `serve` share:
 * --tls, --seed, --num-tickets, --key-source, --alpn, --appdata; see cli.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ticketlab/codec.h"

int tl_cli_world_opt(int argc, char **argv, int *i, tl_world_config *cfg, const char **appdata,
                     const char *cmd)
{
    const char *v = NULL;
    unsigned long long n;
    int r;

    if ((r = tl_cli_opt(argc, argv, i, "--tls", &v, cmd)) != 0) {
        if (r < 0)
            return -1;
        if (strcmp(v, "1.2") == 0)
            cfg->tls_version = TLS1_2_VERSION;
        else if (strcmp(v, "1.3") == 0)
            cfg->tls_version = TLS1_3_VERSION;
        else
            return tl_cli_fail(cmd, "--tls takes 1.2 or 1.3, not '%s'", v), -1;
    } else if ((r = tl_cli_opt(argc, argv, i, "--seed", &v, cmd)) != 0) {
        if (r < 0 || tl_cli_uint(v, UINT64_MAX, &n) != 0)
            return r < 0 ? -1 : (tl_cli_fail(cmd, "--seed takes a whole number, not '%s'", v), -1);
        cfg->seed = n;
    } else if ((r = tl_cli_opt(argc, argv, i, "--num-tickets", &v, cmd)) != 0) {
        if (r < 0 || tl_cli_uint(v, 64, &n) != 0)
            return r < 0 ? -1 : (tl_cli_fail(cmd, "--num-tickets takes 0 to 64, not '%s'", v), -1);
        cfg->num_tickets = (int)n;
    } else if ((r = tl_cli_opt(argc, argv, i, "--key-source", &v, cmd)) != 0) {
        if (r < 0 || tl_key_source_parse(v, &cfg->key_source) != 0)
            return r < 0 ? -1 : (tl_cli_fail(cmd, "--key-source takes builtin, set-keys, evp-cb "
                                                  "or legacy-cb, not '%s'", v), -1);
    } else if ((r = tl_cli_opt(argc, argv, i, "--alpn", &cfg->alpn, cmd)) != 0
               || (r = tl_cli_opt(argc, argv, i, "--appdata", appdata, cmd)) != 0) {
        if (r < 0)
            return -1;
    } else {
        return 0;
    }
    return 1;
}

int tl_cli_seconds(const char *s, double *out)
{
    char *end;
    double d = strtod(s, &end);

    if (end == s || *end != '\0' || !(d >= 0.1 && d <= 600))
        return -1;
    *out = d;
    return 0;
}

tl_world *tl_cli_world_new(const tl_world_config *cfg, const char *appdata, const char *cmd)
{
    tl_error err = { "" };
    tl_world *w = tl_world_new(cfg, &err);
    unsigned char *bytes;
    size_t len;

    if (w == NULL)
        return tl_cli_fail(cmd, "%s", err.msg), NULL;
    if (appdata == NULL)
        return w;
    if (tl_hex_decode(appdata, &bytes, &len) != 0) {
        tl_world_free(w);
        return tl_cli_fail(cmd, "--appdata takes hex digits, an even number of them"), NULL;
    }
    if (tl_policy_set_appdata(tl_world_policy(w), bytes, len) != 0) {
        free(bytes);
        tl_world_free(w);
        return tl_cli_fail(cmd, "out of memory"), NULL;
    }
    free(bytes);
    return w;
}
