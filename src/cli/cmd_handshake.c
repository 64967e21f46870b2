/*
 * cmd_handshake.c - `ticketlab handshake`: run the world, print what
 * happened. The quickest way to see the ticket machinery work.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ticketlab/codec.h"
#include "json.h"
#include "ticketlab/world.h"

#define CMD "handshake"

static const char help[] =
"NAME\n"
"    ticketlab handshake - run a full handshake and resumptions in-process\n"
"\n"
"SYNOPSIS\n"
"    ticketlab handshake [--tls 1.2|1.3] [--resume N] [--seed N]\n"
"                        [--key-source builtin|set-keys|evp-cb|legacy-cb|aead]\n"
"                        [--num-tickets N] [--alpn LIST] [--sni NAME]\n"
"                        [--appdata HEX] [--json]\n"
"\n"
"DESCRIPTION\n"
"    Builds a world (a TLS server with a libtls-style key ring, a client,\n"
"    a BIO pair between them, a seeded RNG and a frozen clock), runs one\n"
"    full handshake and then N resumptions, each offering the newest\n"
"    session the client holds, and prints for each handshake: the outcome\n"
"    on both sides, reuse, the NewSessionTickets received, and every ticket\n"
"    callback call in order. The same options print the same bytes.\n"
"\n"
"OPTIONS\n"
"    --tls V          1.2 or 1.3 (default 1.3)\n"
"    --resume N       resumptions after the full handshake (default 1)\n"
"    --seed N         RNG seed (default 1)\n"
"    --key-source S   where ticket keys come from (default evp-cb; legacy-cb on\n"
"                     BoringSSL and AWS-LC, which lack evp-cb); aead is\n"
"                     SSL_CTX_set_ticket_aead_method, on BoringSSL and AWS-LC\n"
"                     only, as evp-cb is on OpenSSL only\n"
"    --num-tickets N  SSL_CTX_set_num_tickets (TLS 1.3)\n"
"    --alpn LIST      ALPN protocols, comma-separated, on both sides\n"
"    --sni NAME       client server name (default server.ticketlab.test)\n"
"    --appdata HEX    app data the generate callback attaches\n"
"    --json           one JSON object instead of text\n"
"\n"
"EXAMPLE\n"
"    ticketlab handshake --tls 1.2 --resume 2\n"
"\n"
"EXIT STATUS\n"
"    0 every handshake completed, 1 one failed, 2 usage error.\n";

static const char *version_name(int v)
{
    return v == TLS1_3_VERSION ? "TLSv1.3" : v == TLS1_2_VERSION ? "TLSv1.2" : "none";
}

static void print_text(const tl_world *w, const tl_handshake_result *r)
{
    const tl_event_log *log = tl_world_events(w);
    char line[512];

    printf("handshake %d: %s, %s %s\n", r->index,
           !(r->client.ok && r->server.ok) ? "FAILED"
           : r->server.reused ? "resumed" : "full",
           version_name(r->version), r->cipher[0] ? r->cipher : "-");
    printf("  client: %s, reused %d, alert sent %s, received %s%s%s\n",
           r->client.ok ? "ok" : "failed", r->client.reused,
           tl_alert_name(r->client.alert_sent), tl_alert_name(r->client.alert_received),
           r->client.err_reason[0] ? ", error: " : "", r->client.err_reason);
    printf("  server: %s, reused %d, alert sent %s, received %s%s%s\n",
           r->server.ok ? "ok" : "failed", r->server.reused,
           tl_alert_name(r->server.alert_sent), tl_alert_name(r->server.alert_received),
           r->server.err_reason[0] ? ", error: " : "", r->server.err_reason);
    printf("  tickets received: %zu\n", r->n_tickets);
    for (size_t i = 0; i < r->n_tickets && i < TL_MAX_TICKETS; i++)
        printf("    #%zu lifetime %us, %zu bytes, key name %.32s\n", i,
               r->tickets[i].lifetime_hint, r->tickets[i].ticket_len,
               r->tickets[i].ticket_len >= 16
                   ? tl_hex_encode(r->tickets[i].ticket, 16, line) : "-");
    printf("  events:\n");
    for (size_t i = r->ev_begin; i < r->ev_end; i++) {
        tl_event_format(&log->ev[i], line, sizeof(line));
        printf("    %s\n", line);
    }
}

static void print_side_json(const char *name, const tl_side_result *s)
{
    printf("\"%s\":{\"ok\":%s,\"reused\":%s,\"alert_sent\":", name,
           s->ok ? "true" : "false", s->reused ? "true" : "false");
    tl_json_string(stdout, tl_alert_name(s->alert_sent));
    printf(",\"alert_received\":");
    tl_json_string(stdout, tl_alert_name(s->alert_received));
    printf(",\"error\":");
    tl_json_string(stdout, s->err_reason);
    printf("}");
}

static void print_json(const tl_world *w, const tl_handshake_result *r)
{
    const tl_event_log *log = tl_world_events(w);

    printf("{\"index\":%d,\"version\":\"%s\",\"cipher\":", r->index, version_name(r->version));
    tl_json_string(stdout, r->cipher);
    printf(",");
    print_side_json("client", &r->client);
    printf(",");
    print_side_json("server", &r->server);
    printf(",\"early_data\":\"%s\",\"tickets\":[",
           r->early_data == TL_EARLY_ACCEPTED ? "accepted"
           : r->early_data == TL_EARLY_REJECTED ? "rejected" : "not_sent");
    for (size_t i = 0; i < r->n_tickets && i < TL_MAX_TICKETS; i++) {
        printf("%s{\"lifetime_hint\":%u,\"length\":%zu,\"ticket\":", i ? "," : "",
               r->tickets[i].lifetime_hint, r->tickets[i].ticket_len);
        tl_json_hex(stdout, r->tickets[i].ticket, r->tickets[i].ticket_len);
        printf("}");
    }
    printf("],\"ticket_count\":%zu,\"events\":[", r->n_tickets);
    for (size_t i = r->ev_begin; i < r->ev_end; i++) {
        if (i > r->ev_begin)
            printf(",");
        tl_event_write_json(stdout, &log->ev[i]);
    }
    printf("]}");
}

/* What the options ask for beyond the world's configuration. */
typedef struct handshake_options {
    const char *sni, *appdata;
    unsigned long long resume;
    int json, help;
} handshake_options;

enum { OPT_JSON = 256, OPT_RESUME, OPT_SNI, OPT_HELP };

/* Read the options into cfg and o. Returns TL_EXIT_OK, or TL_EXIT_USAGE after printing why. */
static int parse_options(int argc, char **argv, tl_world_config *cfg, handshake_options *o)
{
    static const struct option longopts[] = {
        TL_CLI_WORLD_OPTIONS,
        { "json", no_argument, NULL, OPT_JSON },
        { "resume", required_argument, NULL, OPT_RESUME },
        { "sni", required_argument, NULL, OPT_SNI },
        { "help", no_argument, NULL, OPT_HELP },
        { "h", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *v;
    int c, r;

    memset(o, 0, sizeof(*o));
    o->resume = 1;
    tl_cli_getopt_reset();
    while ((c = tl_cli_getopt(argc, argv, longopts, &v, CMD)) != -1) {
        switch (c) {
        case OPT_HELP: case 'h':
            fputs(help, stdout);
            o->help = 1;
            return TL_EXIT_OK;
        case OPT_JSON: o->json = 1; break;
        case OPT_RESUME:
            if (tl_cli_count("--resume", v, 1000, &o->resume, CMD) != 0)
                return TL_EXIT_USAGE;
            break;
        case OPT_SNI: o->sni = v; break;
        default:
            if ((r = tl_cli_world_option(c, v, cfg, &o->appdata, CMD)) <= 0)
                return TL_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return tl_cli_fail(CMD, "unexpected argument '%s' (try --help)", argv[optind]);
    return TL_EXIT_OK;
}

int tl_cmd_handshake(int argc, char **argv)
{
    tl_world_config cfg;
    tl_error err = { "" };
    tl_world *w;
    handshake_options opts;
    int failed = 0, rc;
    tl_handshake_result prev, cur;

    tl_world_config_init(&cfg);
    if ((rc = parse_options(argc, argv, &cfg, &opts)) != TL_EXIT_OK || opts.help)
        return rc;
    w = tl_cli_world_new(&cfg, opts.appdata, CMD);
    if (w == NULL)
        return TL_EXIT_USAGE;
    if (opts.json)
        printf("{\"tls\":\"%s\",\"seed\":%llu,\"key_source\":\"%s\",\"handshakes\":[",
               version_name(cfg.tls_version), (unsigned long long)cfg.seed,
               tl_key_source_name(cfg.key_source));
    memset(&prev, 0, sizeof(prev));
    for (unsigned long long k = 0; k <= opts.resume; k++) {
        tl_handshake_opts o = { .sni = opts.sni };

        if (k > 0 && prev.n_sessions > 0)
            o.session = prev.sessions[prev.n_sessions - 1];
        if (tl_world_handshake(w, &o, &cur, &err) != 0) {
            tl_handshake_result_free(&prev);
            tl_handshake_result_free(&cur);
            tl_world_free(w);
            if (opts.json)
                printf("]}\n");
            return tl_cli_fail(CMD, "%s", err.msg);
        }
        failed |= !(cur.client.ok && cur.server.ok);
        if (opts.json) {
            if (k > 0)
                printf(",");
            print_json(w, &cur);
        } else {
            print_text(w, &cur);
        }
        /* Keep the newest sessions to resume from; a handshake that
         * issued none leaves the previous ones in place. */
        if (cur.n_sessions > 0 || k == 0) {
            tl_handshake_result_free(&prev);
            prev = cur;
        } else {
            tl_handshake_result_free(&cur);
        }
    }
    if (opts.json)
        printf("]}\n");
    tl_handshake_result_free(&prev);
    tl_world_free(w);
    return failed ? TL_EXIT_REJECTED : TL_EXIT_OK;
}
