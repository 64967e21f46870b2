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
#include "live_serve.h"
#include "text.h"

#define CMD "serve"

static const char help[] =
"NAME\n"
"    ticketlab serve - serve the in-process issuer's tickets to real clients\n"
"\n"
"SYNOPSIS\n"
"    ticketlab serve --port N [--connections N] [--timeout SECONDS]\n"
"                    [--tls 1.2|1.3] [--seed N] [--num-tickets N]\n"
"                    [--key-source builtin|set-keys|evp-cb|legacy-cb|aead]\n"
"                    [--alpn LIST] [--appdata HEX | --appdata-size N]\n"
"                    [--lifetime SECONDS] [--rotate SECONDS]\n"
"                    [--decrypt-return [STATUS=]RET] [--key-return-enc R[,R...]]\n"
"                    [--key-return-dec R[,R...]]\n"
"                    [--audit [--format table|json|junit] [-o FILE]] [--nst KIND[,KIND...]]\n"
"                    [--max-early-data N]\n"
"\n"
"DESCRIPTION\n"
"    Listens on 127.0.0.1:N with the server of the world `ticketlab handshake`\n"
"    runs (the fixed test chain for server.ticketlab.test, signed by\n"
"    src/world/testdata/root.pem; the key ring, the policy, the frozen clock),\n"
"    and serves many connections at once, each with its own --timeout: the\n"
"    handshake, then, if the client sends an HTTP request, a \"200 ok\"\n"
"    answer, then a close_notify. When a connection ends it prints its\n"
"    outcome and its ticket callback calls, one line each, as `handshake`\n"
"    does (at most 32 a connection; the rest are counted). Bytes from the\n"
"    client (its server name, its ALPN) are printed with control bytes as\n"
"    \\xNN. Stops after --connections N, or on SIGINT/SIGTERM.\n"
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
"    --max-early-data N  tickets allow N bytes (1 to 1048576) of early data;\n"
"                      serve refuses the early data itself (it is skipped, so\n"
"                      nothing is ever run twice) but counts it for the audit\n"
"    --audit           judge what the client does with its tickets, over all the\n"
"                      connections, and write the checks when serve stops:\n"
"                      tls13.ticket-reuse (warn: RFC 8446 C.4), ticket.cross-name\n"
"                      (fail: serve answers for server.ticketlab.test and\n"
"                      other.ticketlab.test), ticket.expired (fail; use a short\n"
"                      --lifetime), tls13.early-data (fail), ticket.ignored\n"
"                      (warn), ticket.retired-key (with --rotate), nst.KIND\n"
"    --format F        the audit as table (default), json or junit\n"
"    -o, --out FILE    write the audit there (default: stdout; json and junit\n"
"                      need a file, as stdout carries the connection lines)\n"
"    --nst KIND[,...]  send crafted NewSessionTickets instead of OpenSSL's, one\n"
"                      kind per round of 3 connections (the crafted ticket on\n"
"                      the first; the next two show whether the client offers\n"
"                      it, and after its lifetime). KIND: lifetime-0,\n"
"                      lifetime-8d (691200 s), empty (zero-length ticket), huge\n"
"                      (65,535 bytes), unknown-ext, dup-early-data,\n"
"                      max-early-data (0xFFFFFFFF), flood (100 tickets in one\n"
"                      flight): TLS 1.3; tls12-unasked (a NewSessionTicket the\n"
"                      ServerHello did not announce): --tls 1.2. Implies --audit.\n"
"\n"
"EXAMPLE\n"
"    ticketlab serve --port 8443 --connections 2 &\n"
"    openssl s_client -connect 127.0.0.1:8443 -CAfile src/world/testdata/root.pem \\\n"
"        -servername server.ticketlab.test -sess_out s.pem < /dev/null\n"
"    openssl s_client -connect 127.0.0.1:8443 -CAfile src/world/testdata/root.pem \\\n"
"        -servername server.ticketlab.test -sess_in s.pem < /dev/null\n"
"\n"
"EXIT STATUS\n"
"    0 every handshake completed (with --audit: no check failed), 1 one\n"
"    failed, 2 usage error or the port cannot be listened on (in use, say).\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct serve_tally {
    size_t failed;
    tl_audit *audit;          /* --audit: every connection is noted */
} serve_tally;

/* One line for the connection, one per callback call (at most TL_SERVE_EVENTS_MAX). */
static void print_conn(tl_world *w, const tl_serve_conn *c, void *arg)
{
    const tl_event_log *log = c->events;
    serve_tally *t = arg;
    char line[512];

    (void)w;
    if (c->io != TL_LIVE_IO_OK) {
        t->failed++;
        printf("connection %d from %s: FAILED, %s\n", c->index, c->peer, c->why);
    } else {
        /* the SNI and ALPN are the client's bytes: text.h escapes them */
        tl_text_line(stdout, "connection %d from %s: %s, %s %s, SNI %s, ALPN %s%s", c->index,
                     c->peer, c->reused ? "resumed" : "full", c->version, c->cipher,
                     c->sni[0] ? c->sni : "-", c->alpn[0] ? c->alpn : "-",
                     c->http ? ", HTTP request answered" : "");
    }
    printf("  events:\n");
    for (size_t i = 0; i < log->n; i++) {
        tl_event_format(&log->ev[i], line, sizeof(line));
        printf("    %s\n", line);
    }
    if (c->nst != TL_NST_NONE)
        printf("  crafted: %s, %zu tickets sent%s%s\n", tl_nst_kind_name(c->nst), c->n_tickets,
               c->nst_why[0] ? "; not sent: " : "", c->nst_why);
    if (c->client_closed)
        tl_text_line(stdout, "  after the handshake: %s", c->after);
    if (t->audit != NULL)
        tl_audit_note(t->audit, c);
    if (c->events_dropped > 0)
        printf("    ... %zu more callback calls, not shown (at most %d a connection)\n",
               c->events_dropped, TL_SERVE_EVENTS_MAX);
    fflush(stdout);
}

enum { OPT_PORT = 256, OPT_CONNECTIONS, OPT_TIMEOUT, OPT_HELP, OPT_LIFETIME, OPT_ROTATE,
       OPT_APPDATA_SIZE, OPT_DECRYPT_RETURN, OPT_KEY_RETURN_ENC, OPT_KEY_RETURN_DEC,
       OPT_AUDIT, OPT_FORMAT, OPT_NST, OPT_MAX_EARLY };

#define NST_ROUND 3   /* connections per crafted kind */
#define NST_LIST_MAX 32

/* What serve scripts beside the world's configuration. */
typedef struct serve_args {
    const char *appdata;
    unsigned long long port, conns, appdata_size, rotate;
    tl_serve_opts so;
    tl_policy policy;         /* decrypt and key callback returns; copied into the world */
    int audit;
    const char *format, *out;
    tl_nst_kind nst[NST_LIST_MAX];
    size_t n_nst;
} serve_args;

/* --nst: connection i gets kind i / NST_ROUND on the first of its round, nothing after the list. */
static tl_nst_kind nst_for(int index, void *arg)
{
    const serve_args *a = arg;
    size_t k = (size_t)index / NST_ROUND;

    return index % NST_ROUND == 0 && k < a->n_nst ? a->nst[k] : TL_NST_NONE;
}

/* Parse --nst KIND[,KIND...]. Returns 0, or -1 after printing why. */
static int parse_nst(const char *v, serve_args *a)
{
    char buf[512], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", v);
    a->n_nst = 0;
    for (char *k = strtok_r(buf, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save)) {
        if (a->n_nst == NST_LIST_MAX || tl_nst_kind_parse(k, &a->nst[a->n_nst]) != 0) {
            tl_cli_fail(CMD, "--nst takes up to %d of lifetime-0, lifetime-8d, empty, huge, "
                        "unknown-ext, dup-early-data, max-early-data, flood, tls12-unasked, "
                        "separated by commas, not '%s'", NST_LIST_MAX, v);
            return -1;
        }
        a->n_nst++;
    }
    if (a->n_nst == 0) {
        tl_cli_fail(CMD, "--nst needs at least one kind (try --help)");
        return -1;
    }
    a->audit = 1;
    return 0;
}

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
    case OPT_AUDIT:
        a->audit = 1;
        return 0;
    case OPT_MAX_EARLY:
        if (count_from_one("--max-early-data", v, 1048576, &n) != 0)
            return -1;
        cfg->max_early_data = (uint32_t)n;
        cfg->no_anti_replay = 1;   /* stateless tickets still: serve never accepts the data */
        return 0;
    case OPT_FORMAT:
        a->format = v;
        if (!tl_cli_check_format(v)) {
            tl_cli_fail(CMD, "--format takes table, json or junit, not '%s'", v);
            return -1;
        }
        return 0;
    case 'o':
        a->out = v;
        return 0;
    case OPT_NST:
        return parse_nst(v, a);
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
        { "audit", no_argument, NULL, OPT_AUDIT },
        { "max-early-data", required_argument, NULL, OPT_MAX_EARLY },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "out", required_argument, NULL, 'o' },
        { "o", required_argument, NULL, 'o' },
        { "nst", required_argument, NULL, OPT_NST },
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
    if (!a->audit && (a->format != NULL || a->out != NULL)) {
        tl_cli_fail(CMD, "--format and --out are for the audit report: add --audit");
        return -1;
    }
    if (a->format != NULL && strcmp(a->format, "table") != 0
        && (a->out == NULL || strcmp(a->out, "-") == 0)) {
        tl_cli_fail(CMD, "--format %s needs -o FILE: stdout carries the connection lines", a->format);
        return -1;
    }
    for (size_t i = 0; i < a->n_nst; i++)
        if (tl_nst_kind_tls12(a->nst[i]) != (cfg->tls_version == TLS1_2_VERSION)) {
            tl_cli_fail(CMD, "--nst %s needs --tls %s: run the TLS 1.2 and TLS 1.3 kinds in two "
                        "runs", tl_nst_kind_name(a->nst[i]),
                        tl_nst_kind_tls12(a->nst[i]) ? "1.2" : "1.3 (the default)");
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

/*
 * Write the audit of t's connections to a->out in a->format. Returns the
 * exit status: 1 when a check failed, 2 when the report cannot be written.
 */
static int write_audit(const serve_args *a, const serve_tally *t, unsigned port, double seconds)
{
    tl_validation v;
    tl_cli_checks report;
    tl_error err = { "" };
    char title[128], port_text[16], summary_json[64], summary_text[64];
    int rc;

    memset(&v, 0, sizeof(v));
    tl_audit_checks(t->audit, &v);
    snprintf(port_text, sizeof(port_text), "%u", port);
    snprintf(title, sizeof(title), "ticketlab serve --audit (127.0.0.1:%u)", port);
    snprintf(summary_json, sizeof(summary_json), "\"connections\":%zu", tl_audit_connections(t->audit));
    snprintf(summary_text, sizeof(summary_text), "%zu connections", tl_audit_connections(t->audit));
    {
        const char *head[] = { "listen", "127.0.0.1", "port", port_text, NULL };

        report = (tl_cli_checks){ .command = CMD, .title = title, .suite = "serve.audit",
                                  .head = head, .summary_json = summary_json,
                                  .summary_text = summary_text, .seconds = seconds, .v = &v };
        rc = tl_validation_failed(&v) ? TL_EXIT_REJECTED : TL_EXIT_OK;
        if (tl_cli_checks_save(&report, a->format ? a->format : "table", a->out, &err) != 0)
            rc = tl_cli_fail(CMD, "%s", err.msg);
    }
    tl_validation_free(&v);
    return rc;
}

int tl_cmd_serve(int argc, char **argv)
{
    tl_world_config cfg;
    serve_args a;
    unsigned bound = 0;
    tl_error err = { "" };
    serve_tally tally = { 0, NULL };
    struct sigaction sa;
    tl_world *w;
    int fd, rc;
    double start;

    tl_world_config_init(&cfg);
    memset(&a, 0, sizeof(a));
    a.so.timeout = 5.0;
    tl_policy_init(&a.policy);
    if ((rc = parse_serve_opts(argc, argv, &cfg, &a)) != 0)
        return rc > 0 ? TL_EXIT_OK : TL_EXIT_USAGE;
    a.so.connections = (unsigned)a.conns;
    a.so.rotate = (unsigned)a.rotate;
    if (a.n_nst > 0) {
        a.so.nst = nst_for;
        a.so.nst_arg = &a;
    }
    if (a.audit && (tally.audit = tl_audit_new()) == NULL)
        return tl_cli_fail(CMD, "out of memory");
    fd = tl_live_listen("127.0.0.1", (unsigned)a.port, &bound, &err);
    if (fd < 0) {
        tl_audit_free(tally.audit);
        return tl_cli_fail(CMD, "%s", err.msg);
    }
    w = tl_cli_world_new(&cfg, a.appdata, CMD);
    if (w == NULL || script_world(w, &a) != 0) {
        tl_world_free(w);
        tl_audit_free(tally.audit);
        close(fd);
        return TL_EXIT_USAGE;
    }
    if (a.n_nst > 0)
        tl_nst_setup_ctx(tl_world_server_ctx(w));
    /* TLS 1.2 sessions stay in the server's cache: bound it (OpenSSL's default is 20,480). */
    SSL_CTX_sess_set_cache_size(tl_world_server_ctx(w), 256);
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
    start = tl_live_now();
    rc = tl_live_serve(w, fd, &a.so, &stop_flag, print_conn, &tally, &err);
    close(fd);
    tl_world_free(w);
    if (rc != 0) {
        tl_audit_free(tally.audit);
        return tl_cli_fail(CMD, "%s", err.msg);
    }
    if (stop_flag)
        printf("stopped by a signal\n");
    if (fflush(stdout) != 0)
        rc = TL_EXIT_USAGE;
    else if (tally.audit != NULL)
        rc = write_audit(&a, &tally, bound, tl_live_now() - start);
    else
        rc = tally.failed ? TL_EXIT_REJECTED : TL_EXIT_OK;
    tl_audit_free(tally.audit);
    return rc;
}
