/*
 * cmd_handshake.c - `ticketlab handshake`: run the world, print what
 * happened. The quickest way to see the ticket machinery work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ticketlab/codec.h"
#include "json.h"
#include "ticketlab/world.h"

static const char help[] =
"NAME\n"
"    ticketlab handshake - run a full handshake and resumptions in-process\n"
"\n"
"SYNOPSIS\n"
"    ticketlab handshake [--tls 1.2|1.3] [--resume N] [--seed N]\n"
"                        [--key-source builtin|set-keys|evp-cb|legacy-cb]\n"
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
"    --key-source S   where ticket keys come from (default evp-cb)\n"
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

int tl_cmd_handshake(int argc, char **argv)
{
    tl_world_config cfg;
    tl_error err = { "" };
    tl_world *w;
    const char *v = NULL, *sni = NULL, *appdata = NULL;
    unsigned long long resume = 1, n;
    int json = 0, failed = 0;
    tl_handshake_result prev, cur;

    tl_world_config_init(&cfg);
    for (int i = 1; i < argc; i++) {
        int r;

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(help, stdout);
            return TL_EXIT_OK;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
            continue;
        }
        if ((r = tl_cli_opt(argc, argv, &i, "--tls", &v, "handshake")) != 0) {
            if (r < 0)
                return TL_EXIT_USAGE;
            if (strcmp(v, "1.2") == 0)
                cfg.tls_version = TLS1_2_VERSION;
            else if (strcmp(v, "1.3") == 0)
                cfg.tls_version = TLS1_3_VERSION;
            else
                return tl_cli_fail("handshake", "--tls takes 1.2 or 1.3, not '%s'", v);
        } else if ((r = tl_cli_opt(argc, argv, &i, "--resume", &v, "handshake")) != 0) {
            if (r < 0 || tl_cli_uint(v, 1000, &resume) != 0)
                return r < 0 ? TL_EXIT_USAGE
                             : tl_cli_fail("handshake", "--resume takes 0 to 1000, not '%s'", v);
        } else if ((r = tl_cli_opt(argc, argv, &i, "--seed", &v, "handshake")) != 0) {
            if (r < 0 || tl_cli_uint(v, UINT64_MAX, &n) != 0)
                return r < 0 ? TL_EXIT_USAGE
                             : tl_cli_fail("handshake", "--seed takes a whole number, not '%s'", v);
            cfg.seed = n;
        } else if ((r = tl_cli_opt(argc, argv, &i, "--num-tickets", &v, "handshake")) != 0) {
            if (r < 0 || tl_cli_uint(v, 64, &n) != 0)
                return r < 0 ? TL_EXIT_USAGE
                             : tl_cli_fail("handshake", "--num-tickets takes 0 to 64, not '%s'", v);
            cfg.num_tickets = (int)n;
        } else if ((r = tl_cli_opt(argc, argv, &i, "--key-source", &v, "handshake")) != 0) {
            if (r < 0 || tl_key_source_parse(v, &cfg.key_source) != 0)
                return r < 0 ? TL_EXIT_USAGE
                             : tl_cli_fail("handshake", "--key-source takes builtin, set-keys, "
                                                        "evp-cb or legacy-cb, not '%s'", v);
        } else if ((r = tl_cli_opt(argc, argv, &i, "--alpn", &cfg.alpn, "handshake")) != 0) {
            if (r < 0)
                return TL_EXIT_USAGE;
        } else if ((r = tl_cli_opt(argc, argv, &i, "--sni", &sni, "handshake")) != 0) {
            if (r < 0)
                return TL_EXIT_USAGE;
        } else if ((r = tl_cli_opt(argc, argv, &i, "--appdata", &appdata, "handshake")) != 0) {
            if (r < 0)
                return TL_EXIT_USAGE;
        } else {
            return tl_cli_fail("handshake", "unknown option '%s' (see --help)", argv[i]);
        }
    }
    w = tl_world_new(&cfg, &err);
    if (w == NULL)
        return tl_cli_fail("handshake", "%s", err.msg);
    if (appdata != NULL) {
        unsigned char *bytes;
        size_t len;

        if (tl_hex_decode(appdata, &bytes, &len) != 0) {
            tl_world_free(w);
            return tl_cli_fail("handshake", "--appdata takes hex digits, an even number of them");
        }
        if (tl_policy_set_appdata(tl_world_policy(w), bytes, len) != 0) {
            free(bytes);
            tl_world_free(w);
            return tl_cli_fail("handshake", "out of memory");
        }
        free(bytes);
    }
    if (json)
        printf("{\"tls\":\"%s\",\"seed\":%llu,\"key_source\":\"%s\",\"handshakes\":[",
               version_name(cfg.tls_version), (unsigned long long)cfg.seed,
               tl_key_source_name(cfg.key_source));
    memset(&prev, 0, sizeof(prev));
    for (unsigned long long k = 0; k <= resume; k++) {
        tl_handshake_opts o = { .sni = sni };

        if (k > 0 && prev.n_sessions > 0)
            o.session = prev.sessions[prev.n_sessions - 1];
        if (tl_world_handshake(w, &o, &cur, &err) != 0) {
            tl_handshake_result_free(&prev);
            tl_handshake_result_free(&cur);
            tl_world_free(w);
            if (json)
                printf("]}\n");
            return tl_cli_fail("handshake", "%s", err.msg);
        }
        failed |= !(cur.client.ok && cur.server.ok);
        if (json) {
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
    if (json)
        printf("]}\n");
    tl_handshake_result_free(&prev);
    tl_world_free(w);
    return failed ? TL_EXIT_REJECTED : TL_EXIT_OK;
}
