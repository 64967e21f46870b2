/*
 * world_opts.c - the scenario options `handshake` and `serve` share:
 * --tls, --seed, --num-tickets, --key-source, --alpn, --appdata; see cli.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ticketlab/codec.h"

int tl_cli_world_option(int opt, const char *v, tl_world_config *cfg, const char **appdata, const char *cmd)
{
    unsigned long long n;

    switch (opt) {
    case TL_OPT_WORLD_TLS:
        return tl_cli_tls_version("--tls", v, &cfg->tls_version, cmd) == 0 ? 1 : -1;
    case TL_OPT_WORLD_SEED:
        if (tl_cli_count("--seed", v, UINT64_MAX, &n, cmd) != 0)
            return -1;
        cfg->seed = n;
        return 1;
    case TL_OPT_WORLD_NUM_TICKETS:
        if (tl_cli_count("--num-tickets", v, 64, &n, cmd) != 0)
            return -1;
        cfg->num_tickets = (int)n;
        return 1;
    case TL_OPT_WORLD_KEY_SOURCE:
        if (tl_key_source_parse(v, &cfg->key_source) != 0) {
            tl_cli_fail(cmd, "--key-source takes builtin, set-keys, evp-cb, legacy-cb or aead, not '%s'", v);
            return -1;
        }
        return 1;
    case TL_OPT_WORLD_ALPN: cfg->alpn = v; return 1;
    case TL_OPT_WORLD_APPDATA: *appdata = v; return 1;
    default: return 0;
    }
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
