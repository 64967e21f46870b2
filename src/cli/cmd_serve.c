/*
 * cmd_serve.c - `ticketlab serve`: the in-process issuer on a loopback
 * socket, for real clients (openssl s_client, Python's ssl, curl).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "live.h"

#define CMD "serve"

static const char help[] =
"NAME\n"
"    ticketlab serve - serve the in-process issuer's tickets to real clients\n"
"\n"
"SYNOPSIS\n"
"    ticketlab serve --port N [--connections N] [--timeout SECONDS]\n"
"                    [--tls 1.2|1.3] [--seed N] [--num-tickets N]\n"
"                    [--key-source builtin|set-keys|evp-cb|legacy-cb]\n"
"                    [--alpn LIST] [--appdata HEX]\n"
"\n"
"DESCRIPTION\n"
"    Listens on 127.0.0.1:N with the server of the world `ticketlab handshake`\n"
"    runs (the fixed test chain for server.ticketlab.test, signed by\n"
"    src/world/testdata/root.pem; the key ring, the policy, the frozen clock),\n"
"    and serves one connection at a time: the handshake, then, if the client\n"
"    sends an HTTP request, a \"200 ok\" answer, then a close_notify. After\n"
"    each connection it prints the outcome and every ticket callback call,\n"
"    as `handshake` does. Stops after --connections N, or on SIGINT/SIGTERM.\n"
"\n"
"OPTIONS\n"
"    --port N          the port, 0 to 65535 (0: any free one; the first line\n"
"                      printed says which)\n"
"    --connections N   stop after N connections (default 0: until a signal)\n"
"    --timeout S       bound on each connection, 0.1 to 600 seconds (default 5)\n"
"    --tls ... --appdata   the scenario, as for `ticketlab handshake`\n"
"\n"
"EXAMPLE\n"
"    ticketlab serve --port 8443 --connections 2 &\n"
"    openssl s_client -connect 127.0.0.1:8443 -CAfile src/world/testdata/root.pem \\\n"
"        -servername server.ticketlab.test -sess_out s.pem < /dev/null\n"
"    openssl s_client -connect 127.0.0.1:8443 -CAfile src/world/testdata/root.pem \\\n"
"        -servername server.ticketlab.test -sess_in s.pem < /dev/null\n"
"\n"
"EXIT STATUS\n"
"    0 every handshake completed, 1 one failed, 2 usage error or the port\n"
"    cannot be listened on (in use, say).\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct serve_tally {
    size_t failed;
} serve_tally;

static void print_conn(tl_world *w, const tl_serve_conn *c, void *arg)
{
    const tl_event_log *log = tl_world_events(w);
    serve_tally *t = arg;
    char line[512];

    if (c->io != TL_LIVE_IO_OK) {
        t->failed++;
        printf("connection %d from %s: FAILED, %s\n", c->index, c->peer, c->why);
    } else {
        printf("connection %d from %s: %s, %s %s, SNI %s, ALPN %s%s\n", c->index, c->peer,
               c->reused ? "resumed" : "full", c->version, c->cipher, c->sni[0] ? c->sni : "-",
               c->alpn[0] ? c->alpn : "-", c->http ? ", HTTP request answered" : "");
    }
    printf("  events:\n");
    for (size_t i = c->ev_begin; i < c->ev_end; i++) {
        tl_event_format(&log->ev[i], line, sizeof(line));
        printf("    %s\n", line);
    }
    fflush(stdout);
}

enum { OPT_PORT = 256, OPT_CONNECTIONS, OPT_TIMEOUT, OPT_HELP };

/* Read the options. Returns 0, 1 after --help, or -1 after printing why. */
static int parse_serve_opts(int argc, char **argv, tl_world_config *cfg, const char **appdata,
                            unsigned long long *port, unsigned long long *conns, double *timeout)
{
    static const struct option longopts[] = {
        TL_CLI_WORLD_OPTIONS,
        { "port", required_argument, NULL, OPT_PORT },
        { "connections", required_argument, NULL, OPT_CONNECTIONS },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "help", no_argument, NULL, OPT_HELP },
        { "h", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *v;
    int c, have_port = 0;

    tl_cli_getopt_reset();
    while ((c = tl_cli_getopt(argc, argv, longopts, &v, CMD)) != -1) {
        switch (c) {
        case OPT_HELP: case 'h':
            fputs(help, stdout);
            return 1;
        case OPT_PORT:
            if (tl_cli_count("--port", v, 65535, port, CMD) != 0)
                return -1;
            have_port = 1;
            break;
        case OPT_CONNECTIONS:
            if (tl_cli_count("--connections", v, 1000000, conns, CMD) != 0)
                return -1;
            break;
        case OPT_TIMEOUT:
            if (tl_cli_seconds(v, timeout) != 0) {
                tl_cli_fail(CMD, "--timeout takes seconds from 0.1 to 600, not '%s'", v);
                return -1;
            }
            break;
        default:
            if (tl_cli_world_option(c, v, cfg, appdata, CMD) <= 0)
                return -1;
        }
    }
    if (optind < argc) {
        tl_cli_fail(CMD, "unexpected argument '%s' (try --help)", argv[optind]);
        return -1;
    }
    if (!have_port) {
        tl_cli_fail(CMD, "--port N is required (0 for any free port; try --help)");
        return -1;
    }
    return 0;
}

int tl_cmd_serve(int argc, char **argv)
{
    tl_world_config cfg;
    const char *appdata = NULL;
    unsigned long long port = 0, conns = 0;
    double timeout = 5.0;
    unsigned bound = 0;
    tl_error err = { "" };
    serve_tally tally = { 0 };
    struct sigaction sa;
    tl_world *w;
    int fd, rc;

    tl_world_config_init(&cfg);
    if ((rc = parse_serve_opts(argc, argv, &cfg, &appdata, &port, &conns, &timeout)) != 0)
        return rc > 0 ? TL_EXIT_OK : TL_EXIT_USAGE;
    fd = tl_live_listen("127.0.0.1", (unsigned)port, &bound, &err);
    if (fd < 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    w = tl_cli_world_new(&cfg, appdata, CMD);
    if (w == NULL) {
        close(fd);
        return TL_EXIT_USAGE;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;   /* no SA_RESTART: poll() returns, the loop sees the flag */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);    /* a client that hangs up is an outcome, not a crash */
    printf("listening on 127.0.0.1:%u (%s, key source %s, seed %llu)\n", bound,
           cfg.tls_version == TLS1_2_VERSION ? "TLSv1.2" : "TLSv1.3",
           tl_key_source_name(cfg.key_source), (unsigned long long)cfg.seed);
    fflush(stdout);
    rc = tl_live_serve(w, fd, (unsigned)conns, timeout, &stop_flag, print_conn, &tally, &err);
    close(fd);
    tl_world_free(w);
    if (rc != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    if (stop_flag)
        printf("stopped by a signal\n");
    return fflush(stdout) != 0 ? TL_EXIT_USAGE : tally.failed ? TL_EXIT_REJECTED : TL_EXIT_OK;
}
