/* cmd_probe.c - `ticketlab probe HOST:PORT`: audit a running server's session tickets. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "live.h"

#define CMD "probe"

static void probe_help(FILE *f)
{
    fprintf(f,
        "NAME\n"
        "    ticketlab probe - audit the session tickets of a running TLS server\n\n"
        "SYNOPSIS\n"
        "    ticketlab probe HOST:PORT [--sni NAME] [--sni-other NAME]\n"
        "                    [--tls 1.2|1.3|both] [--alpn LIST] [--connections N]\n"
        "                    [--timeout SECONDS] [--deadline SECONDS] [--expire SECONDS]\n"
        "                    [--watch SECONDS] [--no-early-data]\n"
        "                    [--format table|json|junit] [-o FILE]\n\n"
        "DESCRIPTION\n"
        "    Connects to the server with OpenSSL as the client, captures the tickets\n"
        "    it issues and offers them back, unchanged and tampered. Works against\n"
        "    any TLS server. For each TLS version (tls12.*, tls13.*):\n"
        "      tickets       tickets per full handshake, sizes, lifetime hints\n"
        "      resume        the first ticket resumes\n"
        "      replay        (1.3) the same ticket resumes a second time (warn)\n"
        "      0rtt          (1.3, tickets allowing early data) a fresh ticket resumes\n"
        "                    with a small HTTP request as early data: accepted?\n"
        "      0rtt-replay   the first connection's ClientHello and early data\n"
        "                    replayed byte for byte: accepted again fails, naming both\n"
        "                    connections; the same ticket and early data from a new\n"
        "                    ClientHello accepted again warns\n"
        "      0rtt-age      early data on a ticket claiming to be 30 s older than it\n"
        "                    is (past the freshness window) is refused\n"
        "      0rtt-size     early data one byte over max_early_data is not accepted\n"
        "      tamper.*      a flipped MAC byte, a truncated ticket, a flipped key-name\n"
        "                    byte and random bytes never resume\n"
        "      alive         the server still completes a handshake afterwards\n"
        "      key-name      the key name (bytes 0-15) is the same over N connections\n"
        "      ivs           the IVs (bytes 16-31) never repeat over N connections\n"
        "      zero-key      no ticket opens with all-zero keys in the nginx 48/80,\n"
        "                    haproxy 48/80, libtls or OpenSSL built-in layout\n"
        "      cross-vhost   with --sni-other: a ticket made for --sni does not\n"
        "                    resume under the other name\n"
        "      expire        with --expire: a ticket offered after its lifetime hint\n"
        "                    (plus 1 s) does not resume; skipped when the hint is\n"
        "                    longer than the wait allowed\n"
        "      watch.rotation    with --watch: the key name changes between a ticket\n"
        "                    and one taken SECONDS later (warn: the same key)\n"
        "      watch.old-ticket  after a rotation, the first ticket still resumes\n"
        "                    within its hint (warn: the old key was dropped at once)\n"
        "    and, with both versions, version.*: a TLS 1.2 ticket offered in TLS 1.3\n"
        "    and the reverse never resume. Each check says pass, warn, fail or skip\n"
        "    (not checked, and why), with what was seen, what was expected and why\n"
        "    it matters. Early data is sent only to a server whose tickets allow it\n"
        "    (max_early_data > 0). A malformed NewSessionTicket (a zero or overlong\n"
        "    ticket length) fails the tickets check; a ticket larger than %d bytes\n"
        "    is not offered back (a limit of the probe's client): those checks say\n"
        "    \"not checked: ticket larger than %d\".\n\n"
        "OPTIONS\n"
        "    --sni NAME         server name to send (default: HOST if it is a name;\n"
        "                       \"\" sends none)\n"
        "    --sni-other NAME   a name another virtual host of the server answers\n"
        "                       for (another certificate or configuration)\n"
        "    --tls V            1.2, 1.3 or both (default both)\n"
        "    --alpn LIST        ALPN protocols to offer, comma-separated\n"
        "    --connections N    full handshakes per version, 2 to %d (default 8)\n"
        "    --timeout SECONDS  bound on each connection, 0.1 to 600 (default 5)\n"
        "    --deadline SECONDS bound on the whole run, 1 to 3600 (default %.0f plus\n"
        "                       --expire and --watch); checks left when it passes\n"
        "                       say \"not checked: run deadline\"\n"
        "    --no-early-data    send no 0-RTT data (for a production server): the\n"
        "                       0rtt checks are not made\n"
        "    --expire SECONDS   opt in to the expiry check, waiting at most SECONDS\n"
        "                       (0.1 to 600) for a ticket's hint to pass\n"
        "    --watch SECONDS    opt in to the rotation check: tickets SECONDS apart\n"
        "                       (0.1 to 600); with --expire the waits overlap\n"
        "    --format F         table (default), json or junit\n"
        "    -o FILE            write the report to FILE instead of standard output\n"
        "    --help             this text\n\n"
        "EXIT STATUS\n"
        "    0 nothing failed (warnings allowed), 1 a check failed, 2 usage error or\n"
        "    the server cannot be audited (no such name, nothing listening, no\n"
        "    answer, not TLS, the connection closed, or the run deadline passed\n"
        "    before any check was made).\n", TL_LIVE_OFFER_MAX, TL_LIVE_OFFER_MAX,
        TL_LIVE_MAX_CONNECTIONS, TL_LIVE_DEADLINE);
}

/* Split HOST:PORT ([V6]:PORT for IPv6) into host and port. Returns 0 or -1. */
static int split_target(const char *target, char *host, size_t host_size, char *port,
                        size_t port_size)
{
    const char *colon, *h = target;
    size_t hlen;
    unsigned long long n;

    if (target[0] == '[') {
        const char *end = strchr(target, ']');

        if (end == NULL || end[1] != ':')
            return -1;
        h = target + 1;
        hlen = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(target, ':');
        if (colon == NULL)
            return -1;
        hlen = (size_t)(colon - target);
    }
    if (hlen == 0 || hlen >= host_size || strlen(colon + 1) >= port_size
        || tl_cli_uint(colon + 1, 65535, &n) != 0 || n == 0)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    snprintf(port, port_size, "%s", colon + 1);
    return 0;
}

/* What the command line asks for, beside the probe's own options. */
typedef struct probe_args {
    const char *target, *tls, *conns, *timeout, *format, *out;
} probe_args;

/* Parse the seconds of --expire or --watch into *out. Returns 0, or -1 after printing why. */
static int parse_wait(const char *opt, const char *v, double *out)
{
    if (tl_cli_seconds(v, out) == 0)
        return 0;
    tl_cli_fail(CMD, "%s takes seconds from 0.1 to 600, not '%s'", opt, v);
    return -1;
}

/* Parse --deadline's seconds (1 to 3600) into *out. Returns 0, or -1 after printing why. */
static int parse_deadline(const char *v, double *out)
{
    char *end;
    double d = strtod(v, &end);

    if (end != v && *end == '\0' && d >= 1 && d <= 3600) {
        *out = d;
        return 0;
    }
    tl_cli_fail(CMD, "--deadline takes seconds from 1 to 3600, not '%s'", v);
    return -1;
}

enum { OPT_SNI = 256, OPT_SNI_OTHER, OPT_TLS, OPT_ALPN, OPT_CONNECTIONS, OPT_TIMEOUT, OPT_FORMAT, OPT_HELP,
       OPT_EXPIRE, OPT_WATCH, OPT_DEADLINE, OPT_NO_EARLY_DATA };

/* Read the options into a and o. Returns 0, 1 after --help, or -1 after printing why. */
static int parse_args(int argc, char **argv, probe_args *a, tl_live_opts *o)
{
    static const struct option longopts[] = {
        { "sni", required_argument, NULL, OPT_SNI },
        { "sni-other", required_argument, NULL, OPT_SNI_OTHER },
        { "tls", required_argument, NULL, OPT_TLS },
        { "alpn", required_argument, NULL, OPT_ALPN },
        { "connections", required_argument, NULL, OPT_CONNECTIONS },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "expire", required_argument, NULL, OPT_EXPIRE },
        { "watch", required_argument, NULL, OPT_WATCH },
        { "deadline", required_argument, NULL, OPT_DEADLINE },
        { "no-early-data", no_argument, NULL, OPT_NO_EARLY_DATA },
        { "o", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, OPT_HELP },
        { "h", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *v;
    int c;

    memset(a, 0, sizeof(*a));
    a->tls = "both";
    a->format = "table";
    tl_cli_getopt_reset();
    while ((c = tl_cli_getopt(argc, argv, longopts, &v, CMD)) != -1) {
        switch (c) {
        case OPT_HELP: case 'h': probe_help(stdout); return 1;
        case OPT_SNI: o->sni = v; break;
        case OPT_SNI_OTHER: o->sni_other = v; break;
        case OPT_TLS: a->tls = v; break;
        case OPT_ALPN: o->alpn = v; break;
        case OPT_CONNECTIONS: a->conns = v; break;
        case OPT_TIMEOUT: a->timeout = v; break;
        case OPT_FORMAT: a->format = v; break;
        case OPT_EXPIRE:
            if (parse_wait("--expire", v, &o->expire) != 0)
                return -1;
            break;
        case OPT_WATCH:
            if (parse_wait("--watch", v, &o->watch) != 0)
                return -1;
            break;
        case OPT_DEADLINE:
            if (parse_deadline(v, &o->deadline) != 0)
                return -1;
            break;
        case OPT_NO_EARLY_DATA: o->no_early_data = 1; break;
        case 'o': a->out = v; break;
        default: return -1;
        }
    }
    if (optind + 1 < argc) {
        tl_cli_fail(CMD, "unexpected argument '%s' (try --help)", argv[optind + 1]);
        return -1;
    }
    a->target = optind < argc ? argv[optind] : NULL;
    return 0;
}

int tl_cmd_probe(int argc, char **argv)
{
    probe_args a;
    const char *target, *tls, *conns, *timeout, *format, *out_path;
    char host[256], port[8], title[700], summary_json[64], summary_text[64];
    unsigned long long n;
    tl_live_opts o;
    tl_live_report rep;
    tl_error err = { "" };
    tl_cli_checks report;
    int rc;

    tl_live_opts_init(&o);
    if ((rc = parse_args(argc, argv, &a, &o)) != 0)
        return rc > 0 ? TL_EXIT_OK : TL_EXIT_USAGE;
    target = a.target;
    tls = a.tls;
    conns = a.conns;
    timeout = a.timeout;
    format = a.format;
    out_path = a.out;
    if (target == NULL)
        return tl_cli_fail(CMD, "HOST:PORT is required (try --help)");
    if (split_target(target, host, sizeof(host), port, sizeof(port)) != 0)
        return tl_cli_fail(CMD, "'%s' is not HOST:PORT (a port from 1 to 65535; [ADDRESS]:PORT "
                                "for IPv6)", target);
    if (strcmp(tls, "1.2") == 0)
        o.tls13 = 0;
    else if (strcmp(tls, "1.3") == 0)
        o.tls12 = 0;
    else if (strcmp(tls, "both") != 0)
        return tl_cli_fail(CMD, "--tls takes 1.2, 1.3 or both, not '%s'", tls);
    if (conns != NULL) {
        if (tl_cli_uint(conns, TL_LIVE_MAX_CONNECTIONS, &n) != 0 || n < 2)
            return tl_cli_fail(CMD, "--connections takes 2 to %d, not '%s'",
                               TL_LIVE_MAX_CONNECTIONS, conns);
        o.connections = (unsigned)n;
    }
    if (timeout != NULL && tl_cli_seconds(timeout, &o.timeout) != 0)
        return tl_cli_fail(CMD, "--timeout takes seconds from 0.1 to 600, not '%s'", timeout);
    if (!tl_cli_check_format(format))
        return tl_cli_fail(CMD, "--format takes table, json or junit, not '%s'", format);
    o.host = host;
    o.port = port;
    signal(SIGPIPE, SIG_IGN);   /* a server that hangs up is an outcome, not a crash */
    if (tl_live_probe(&o, &rep, &err) != 0) {
        tl_live_report_free(&rep);
        return tl_cli_fail(CMD, "%s", err.msg);
    }
    {
        const char *sni = rep.sni;
        const char *head[] = { "target", rep.v.plugin, "address", rep.v.provides, "sni", sni,
                               "sni_other", o.sni_other ? o.sni_other : "", "tls", tls, NULL };

        snprintf(title, sizeof(title), "ticketlab probe %s (%s%s%s)", rep.v.plugin, rep.v.provides,
                 sni[0] ? ", SNI " : "", sni);
        snprintf(summary_json, sizeof(summary_json), "\"handshakes\":%zu", rep.handshakes);
        snprintf(summary_text, sizeof(summary_text), "%zu handshakes", rep.handshakes);
        report = (tl_cli_checks){ .command = CMD, .title = title, .suite = rep.v.plugin,
                                  .head = head, .summary_json = summary_json,
                                  .summary_text = summary_text, .seconds = rep.seconds,
                                  .v = &rep.v };
        rc = tl_validation_failed(&rep.v) ? TL_EXIT_REJECTED : TL_EXIT_OK;
        if (tl_cli_checks_save(&report, format, out_path, &err) != 0)
            rc = tl_cli_fail(CMD, "%s", err.msg);
    }
    tl_live_report_free(&rep);
    return rc;
}
