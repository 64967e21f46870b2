/*
 * cmd_serve.c - `ticketlab serve`: the in-process issuer on a loopback
 * socket, for real clients (openssl s_client, Python's ssl, curl).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
"                    [--alpn LIST] [--appdata HEX | --appdata-size N]\n"
"                    [--lifetime SECONDS] [--rotate SECONDS]\n"
"                    [--decrypt-return [STATUS=]RET] [--key-return-enc R[,R...]]\n"
"                    [--key-return-dec R[,R...]]\n"
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
"    --appdata-size N  attach N bytes (1 to 60000) of app data to every ticket:\n"
"                      a huge ticket (the bytes are 00 01 02 ... ff 00 ...)\n"
"    --lifetime S      session lifetime, 1 to 604800 seconds: the tickets' hint,\n"
"                      and the age after which serve no longer resumes them\n"
"                      (default OpenSSL's, 7200). The harness clock follows\n"
"                      the real time while serving.\n"
"    --rotate S        a new ticket key every S seconds (1 to 86400); the last 4\n"
"                      keys still decrypt (key sources evp-cb and legacy-cb)\n"
"    --decrypt-return RET  what the decrypt callback returns for a ticket it\n"
"                      decrypted (SUCCESS, SUCCESS_RENEW): ABORT, IGNORE,\n"
"                      IGNORE_RENEW, USE, USE_RENEW or a number (default: the\n"
"                      documented natural answer)\n"
"    --decrypt-return STATUS=RET  the same for one status: EMPTY, NO_DECRYPT,\n"
"                      SUCCESS or SUCCESS_RENEW (repeat the option for more)\n"
"    --key-return-enc R[,R...]  the key callback's returns while encrypting,\n"
"                      call by call in each connection (n: natural; at most 16)\n"
"    --key-return-dec R[,R...]  the same while decrypting\n"
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

enum { OPT_PORT = 256, OPT_CONNECTIONS, OPT_TIMEOUT, OPT_HELP, OPT_LIFETIME, OPT_ROTATE,
       OPT_APPDATA_SIZE, OPT_DECRYPT_RETURN, OPT_KEY_RETURN_ENC, OPT_KEY_RETURN_DEC };

/* What serve scripts beside the world's configuration. */
typedef struct serve_args {
    const char *appdata;
    unsigned long long port, conns, appdata_size, rotate;
    tl_serve_opts so;
    tl_policy policy;         /* decrypt and key callback returns; copied into the world */
} serve_args;

/* Parse R[,R...] (numbers, n: natural) into the key callback script for enc or dec. Returns 0 or -1. */
static int parse_key_script(const char *opt, const char *v, int enc, tl_policy *p)
{
    const char *s = v;

    if (enc)
        p->n_key_enc = 0;
    else
        p->n_key_dec = 0;
    for (;;) {
        char *end = NULL;
        long r = TL_NATURAL;

        if (*s == 'n')
            end = (char *)s + 1;
        else
            r = strtol(s, &end, 10);
        if (end == s || (*end != ',' && *end != '\0') || r < -1000 || r > 1000
            || tl_policy_script_key(p, enc, (int)r) != 0)
            break;
        if (*end == '\0')
            return 0;
        s = end + 1;
    }
    tl_cli_fail(CMD, "%s takes up to %d returns, numbers from -1000 to 1000 or n, separated by "
                "commas, not '%s'", opt, TL_POLICY_SCRIPT_MAX, v);
    return -1;
}

/*
 * Parse --decrypt-return RET (for a decrypted ticket: SUCCESS and
 * SUCCESS_RENEW) or STATUS=RET (for that status only) into p. Returns 0,
 * or -1 after printing why.
 */
static int parse_decrypt_return(const char *v, tl_policy *p)
{
    const char *eq = strchr(v, '=');
    int ret, status = -1;

    if (eq != NULL) {
        char name[32];
        size_t len = (size_t)(eq - v);

        if (len < sizeof(name)) {
            memcpy(name, v, len);
            name[len] = '\0';
            /* only the statuses a decrypt callback is called with */
            if (tl_ticket_status_parse(name, &status) != 0 || status < SSL_TICKET_EMPTY)
                status = -1;
        }
    }
    if ((eq != NULL && status < 0) || tl_ticket_return_parse(eq ? eq + 1 : v, &ret) != 0) {
        tl_cli_fail(CMD, "--decrypt-return takes RET or STATUS=RET (STATUS: EMPTY, NO_DECRYPT, "
                    "SUCCESS, SUCCESS_RENEW; RET: ABORT, IGNORE, IGNORE_RENEW, USE, USE_RENEW or "
                    "a number), not '%s'", v);
        return -1;
    }
    if (status >= 0)
        return tl_policy_set_decrypt(p, status, ret);
    tl_policy_set_decrypt(p, SSL_TICKET_SUCCESS, ret);
    return tl_policy_set_decrypt(p, SSL_TICKET_SUCCESS_RENEW, ret);
}

/* Parse a whole number from 1 to max for opt. Returns 0, or -1 after printing why. */
static int count_from_one(const char *opt, const char *v, unsigned long long max,
                          unsigned long long *out)
{
    if (tl_cli_uint(v, max, out) == 0 && *out > 0)
        return 0;
    tl_cli_fail(CMD, "%s takes 1 to %llu, not '%s'", opt, max, v);
    return -1;
}

/* Take one of serve's own scripting options. Returns 0, or -1 after printing why. */
static int serve_option(int c, const char *v, tl_world_config *cfg, serve_args *a)
{
    unsigned long long n;

    switch (c) {
    case OPT_LIFETIME:
        if (count_from_one("--lifetime", v, 604800, &n) != 0)
            return -1;
        cfg->session_timeout = (long)n;
        return 0;
    case OPT_ROTATE:
        return count_from_one("--rotate", v, 86400, &a->rotate);
    case OPT_APPDATA_SIZE:
        return count_from_one("--appdata-size", v, 60000, &a->appdata_size);
    case OPT_DECRYPT_RETURN:
        return parse_decrypt_return(v, &a->policy);
    case OPT_KEY_RETURN_ENC:
    case OPT_KEY_RETURN_DEC:
        return parse_key_script(c == OPT_KEY_RETURN_ENC ? "--key-return-enc" : "--key-return-dec",
                                v, c == OPT_KEY_RETURN_ENC, &a->policy);
    default:
        return tl_cli_world_option(c, v, cfg, &a->appdata, CMD) > 0 ? 0 : -1;
    }
}

/* Read the options. Returns 0, 1 after --help, or -1 after printing why. */
static int parse_serve_opts(int argc, char **argv, tl_world_config *cfg, serve_args *a)
{
    static const struct option longopts[] = {
        TL_CLI_WORLD_OPTIONS,
        { "port", required_argument, NULL, OPT_PORT },
        { "connections", required_argument, NULL, OPT_CONNECTIONS },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "lifetime", required_argument, NULL, OPT_LIFETIME },
        { "rotate", required_argument, NULL, OPT_ROTATE },
        { "appdata-size", required_argument, NULL, OPT_APPDATA_SIZE },
        { "decrypt-return", required_argument, NULL, OPT_DECRYPT_RETURN },
        { "key-return-enc", required_argument, NULL, OPT_KEY_RETURN_ENC },
        { "key-return-dec", required_argument, NULL, OPT_KEY_RETURN_DEC },
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
            if (tl_cli_count("--port", v, 65535, &a->port, CMD) != 0)
                return -1;
            have_port = 1;
            break;
        case OPT_CONNECTIONS:
            if (tl_cli_count("--connections", v, 1000000, &a->conns, CMD) != 0)
                return -1;
            break;
        case OPT_TIMEOUT:
            if (tl_cli_seconds(v, &a->so.timeout) != 0) {
                tl_cli_fail(CMD, "--timeout takes seconds from 0.1 to 600, not '%s'", v);
                return -1;
            }
            break;
        default:
            if (serve_option(c, v, cfg, a) != 0)
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
    if (a->appdata != NULL && a->appdata_size > 0) {
        tl_cli_fail(CMD, "--appdata and --appdata-size say the same thing twice: give one");
        return -1;
    }
    if (a->rotate > 0 && cfg->key_source != TL_KEYS_EVP_CB && cfg->key_source != TL_KEYS_LEGACY_CB) {
        tl_cli_fail(CMD, "--rotate needs the key ring: --key-source evp-cb or legacy-cb");
        return -1;
    }
    return 0;
}

/* Put a's scripted returns and the --appdata-size bytes into w's policy. Returns 0, or -1 after printing why. */
static int script_world(tl_world *w, const serve_args *a)
{
    tl_policy *p = tl_world_policy(w);
    unsigned char *bytes;
    int rc;

    memcpy(p->decrypt_ret, a->policy.decrypt_ret, sizeof(p->decrypt_ret));
    memcpy(p->key_enc, a->policy.key_enc, sizeof(p->key_enc));
    memcpy(p->key_dec, a->policy.key_dec, sizeof(p->key_dec));
    p->n_key_enc = a->policy.n_key_enc;
    p->n_key_dec = a->policy.n_key_dec;
    if (a->appdata_size == 0)
        return 0;
    if ((bytes = malloc(a->appdata_size)) == NULL)
        return tl_cli_fail(CMD, "out of memory"), -1;
    for (size_t i = 0; i < a->appdata_size; i++)
        bytes[i] = (unsigned char)i;
    rc = tl_policy_set_appdata(p, bytes, a->appdata_size);
    free(bytes);
    if (rc != 0)
        tl_cli_fail(CMD, "out of memory");
    return rc;
}

int tl_cmd_serve(int argc, char **argv)
{
    tl_world_config cfg;
    serve_args a;
    unsigned bound = 0;
    tl_error err = { "" };
    serve_tally tally = { 0 };
    struct sigaction sa;
    tl_world *w;
    int fd, rc;

    tl_world_config_init(&cfg);
    memset(&a, 0, sizeof(a));
    a.so.timeout = 5.0;
    tl_policy_init(&a.policy);
    if ((rc = parse_serve_opts(argc, argv, &cfg, &a)) != 0)
        return rc > 0 ? TL_EXIT_OK : TL_EXIT_USAGE;
    a.so.connections = (unsigned)a.conns;
    a.so.rotate = (unsigned)a.rotate;
    fd = tl_live_listen("127.0.0.1", (unsigned)a.port, &bound, &err);
    if (fd < 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    w = tl_cli_world_new(&cfg, a.appdata, CMD);
    if (w == NULL || script_world(w, &a) != 0) {
        tl_world_free(w);
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
    rc = tl_live_serve(w, fd, &a.so, &stop_flag, print_conn, &tally, &err);
    close(fd);
    tl_world_free(w);
    if (rc != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    if (stop_flag)
        printf("stopped by a signal\n");
    return fflush(stdout) != 0 ? TL_EXIT_USAGE : tally.failed ? TL_EXIT_REJECTED : TL_EXIT_OK;
}
