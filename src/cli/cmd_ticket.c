/* cmd_ticket.c - `ticketlab ticket open|seal|extract`: tickets outside TLS. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "cli.h"
#include "ticketlab/codec.h"
#include "fileio.h"
#include "json.h"
#include "text.h"
#include "ticketlab/keyfile.h"
#include "ticketlab/keyring.h"
#include "ticketlab/policy.h"
#include "ticketlab/rng.h"
#include "ticketlab/ticket.h"
#include "ticketlab/world.h"

#define CMD "ticket"
#define MAX_KEY_FILES TL_KEYRING_SLOTS
#define TICKET_MAX (1024 * 1024)

static void ticket_help(FILE *f)
{
    fprintf(f,
        "NAME\n"
        "    ticketlab ticket - open, seal or extract a session ticket outside TLS\n\n"
        "SYNOPSIS\n"
        "    ticketlab ticket open --keys FILE [--keys FILE...] --format F TICKET [--json]\n"
        "    ticketlab ticket seal --keys FILE [--keys FILE...] --format F [--tls 1.2|1.3]\n"
        "                          [--appdata HEX] [--sni NAME] [--alpn PROTO]\n"
        "                          [--key-source evp-cb|set-keys] [--seed N] -o TICKET\n"
        "    ticketlab ticket extract --session FILE.pem -o TICKET\n\n"
        "DESCRIPTION\n"
        "    open     checks a ticket (raw bytes; \"-\" reads standard input) the way\n"
        "             OpenSSL's tls_decrypt_ticket does: length, key name, HMAC-SHA256\n"
        "             (before any decryption), AES-CBC padding, the DER SSL_SESSION and\n"
        "             trailing bytes. Prints the verdict and the session's fields.\n"
        "    seal     mints a ticket with a real TLS handshake in the in-process world,\n"
        "             the server using the key file's keys, and writes the first\n"
        "             ticket the client received.\n"
        "    extract  writes the ticket bytes of a PEM SSL_SESSION, as saved by\n"
        "             `openssl s_client -sess_out FILE.pem`.\n"
        "    Key formats (F): nginx, envoy, haproxy, libtls (see ticketlab keygen).\n"
        "    --keys may be repeated for nginx and envoy (one key per file, up to 4);\n"
        "    the first file's key is the one that encrypts, as in the servers.\n"
        "    Any one --keys FILE or TICKET may be \"-\" (standard input), not two.\n"
        "    The server name and ALPN found in a ticket are printed with control\n"
        "    bytes and bytes that are not UTF-8 as \\xNN.\n\n"
        "OPTIONS\n"
        "    --keys FILE        ticket key file\n"
        "    --format F         its format\n"
        "    --json             open: print one JSON object instead of text\n"
        "    --tls 1.2|1.3      seal: protocol version (default 1.3)\n"
        "    --appdata HEX      seal: application data the server attaches\n"
        "    --sni NAME         seal: the client's server name: %s (the default,\n"
        "                       the only name the test certificate has) or \"\" for none\n"
        "    --alpn PROTO       seal: ALPN protocol offered and selected\n"
        "    --key-source S     seal: evp-cb (our key callback, default) or set-keys\n"
        "                       (SSL_CTX_set_tlsext_ticket_keys; AES-256 keys only)\n"
        "    --seed N           seal: the world's RNG seed (default 1): same seed, same ticket\n"
        "    --session FILE     extract: PEM SSL_SESSION\n"
        "    -o FILE            where to write the ticket (mode 0600; \"-\" is stdout)\n\n"
        "EXAMPLES\n"
        "    ticketlab keygen --format nginx -o ticket.key\n"
        "    ticketlab ticket seal --keys ticket.key --format nginx -o t.bin\n"
        "    ticketlab ticket open --keys ticket.key --format nginx t.bin --json\n\n"
        "EXIT STATUS\n"
        "    0 the ticket opens (or was written), 1 it was rejected (or no ticket\n"
        "    was issued), 2 usage or I/O error or a bad key file.\n",
        TL_SERVER_NAME);
}

typedef struct key_args {
    const char *path[MAX_KEY_FILES];
    size_t n;
    const char *format;
} key_args;

/* Every option of the three actions; each action takes its own subset. */
typedef struct ticket_args {
    key_args keys;
    int json;
    const char *tls, *appdata_hex, *sni, *alpn, *source, *seed, *session, *out;
} ticket_args;

enum { OPT_KEYS = 256, OPT_FORMAT, OPT_JSON, OPT_TLS, OPT_APPDATA, OPT_SNI, OPT_ALPN, OPT_KEY_SOURCE,
       OPT_SEED, OPT_SESSION };

#define KEY_OPTIONS { "keys", required_argument, NULL, OPT_KEYS }, \
                    { "format", required_argument, NULL, OPT_FORMAT }
#define END_OPTIONS { NULL, 0, NULL, 0 }

static const struct option open_options[] = {
    KEY_OPTIONS, { "json", no_argument, NULL, OPT_JSON }, END_OPTIONS
};
static const struct option seal_options[] = {
    KEY_OPTIONS,
    { "tls", required_argument, NULL, OPT_TLS },
    { "appdata", required_argument, NULL, OPT_APPDATA },
    { "sni", required_argument, NULL, OPT_SNI },
    { "alpn", required_argument, NULL, OPT_ALPN },
    { "key-source", required_argument, NULL, OPT_KEY_SOURCE },
    { "seed", required_argument, NULL, OPT_SEED },
    { "o", required_argument, NULL, 'o' },
    END_OPTIONS
};
static const struct option extract_options[] = {
    { "session", required_argument, NULL, OPT_SESSION },
    { "o", required_argument, NULL, 'o' },
    END_OPTIONS
};

/*
 * Read an action's options (longopts: the ones it takes) into a. Returns
 * the index of the first operand, or -1 after printing why not.
 */
static int parse_args(int argc, char **argv, const struct option *longopts, ticket_args *a)
{
    const char *v;
    int c;

    memset(a, 0, sizeof(*a));
    tl_cli_getopt_reset();
    while ((c = tl_cli_getopt(argc, argv, longopts, &v, CMD)) != -1) {
        switch (c) {
        case OPT_KEYS:
            /* --keys may repeat: one key per file for nginx and envoy */
            if (a->keys.n == MAX_KEY_FILES) {
                tl_cli_fail(CMD, "at most %d --keys files (the key ring has %d slots)",
                            MAX_KEY_FILES, TL_KEYRING_SLOTS);
                return -1;
            }
            a->keys.path[a->keys.n++] = v;
            break;
        case OPT_FORMAT: a->keys.format = v; break;
        case OPT_JSON: a->json = 1; break;
        case OPT_TLS: a->tls = v; break;
        case OPT_APPDATA: a->appdata_hex = v; break;
        case OPT_SNI: a->sni = v; break;
        case OPT_ALPN: a->alpn = v; break;
        case OPT_KEY_SOURCE: a->source = v; break;
        case OPT_SEED: a->seed = v; break;
        case OPT_SESSION: a->session = v; break;
        case 'o': a->out = v; break;
        default: return -1;
        }
    }
    return optind;
}

/*
 * Load the key files into kr. The ring is newest first and the newest key
 * encrypts, while servers encrypt with the first file: so load the files
 * last to first.
 */
static int load_keys(tl_keyring *kr, const key_args *ka)
{
    tl_keyfmt fmt;
    tl_error err;

    if (ka->n == 0)
        return tl_cli_fail(CMD, "--keys FILE is required");
    if (ka->format == NULL)
        return tl_cli_fail(CMD, "--format is required: nginx, envoy, haproxy or libtls");
    if (tl_keyfmt_parse(ka->format, &fmt) != 0)
        return tl_cli_fail(CMD, "unknown format '%s': use nginx, envoy, haproxy or libtls",
                           ka->format);
    if (ka->n > 1 && fmt != TL_KEYFMT_NGINX && fmt != TL_KEYFMT_ENVOY)
        return tl_cli_fail(CMD, "only nginx and envoy take several --keys files; "
                           "a %s file holds all its keys", ka->format);
    {
        const char *role[MAX_KEY_FILES];

        for (size_t i = 0; i < ka->n; i++)
            role[i] = "--keys";
        if (tl_cli_one_stdin(CMD, ka->n, ka->path, role) != 0)
            return TL_EXIT_USAGE;
    }
    for (size_t i = ka->n; i-- > 0;)
        if (tl_keyfile_load(kr, ka->path[i], fmt, &err) != 0)
            return tl_cli_fail(CMD, "%s", err.msg);
    return 0;
}

static void print_text(FILE *f, const tl_ticket_info *info)
{
    char hex[2 * TL_KEY_NAME_LEN + 1];

    fprintf(f, "verdict: %s\n", tl_ticket_verdict_name(info->verdict));
    fprintf(f, "key name: %s\n", tl_hex_encode(info->key_name, TL_KEY_NAME_LEN, hex));
    if (info->verdict != TL_TICKET_OK)
        return;
    fprintf(f, "key: %s\n", info->key_is_newest ? "the encrypting key"
                                                : "an older key (the server would renew)");
    fprintf(f, "protocol: %s\n", info->protocol);
    fprintf(f, "cipher: %s (0x%04x)\n", info->cipher, info->cipher_id);
    fprintf(f, "time: %lld\n", (long long)info->time);
    fprintf(f, "timeout: %lld\n", (long long)info->timeout);
    /* The server name and ALPN come from inside the ticket: any bytes. */
    tl_text_line(f, "sni: %s", info->sni[0] ? info->sni : "(none)");
    fputs("alpn: ", f);
    tl_text_put(f, (const char *)info->alpn, info->alpn_len);
    fputc('\n', f);
    fputs("appdata: ", f);
    for (size_t i = 0; i < info->appdata_len; i++)
        fprintf(f, "%02x", info->appdata[i]);
    fputc('\n', f);
    fprintf(f, "max_early_data: %u\n", info->max_early_data);
    fprintf(f, "lifetime_hint: %llu\n", (unsigned long long)info->lifetime_hint);
}

/* ALPN bytes as a JSON string, or hex when they hold a NUL (no silent cut). */
static void json_alpn(FILE *f, const tl_ticket_info *info)
{
    char buf[sizeof(info->alpn) + 1];

    if (memchr(info->alpn, 0, info->alpn_len) != NULL) {
        tl_json_hex(f, info->alpn, info->alpn_len);
        return;
    }
    memcpy(buf, info->alpn, info->alpn_len);
    buf[info->alpn_len] = '\0';
    tl_json_string(f, buf);
}

static void print_json(FILE *f, const tl_ticket_info *info)
{
    fputs("{\"verdict\":", f);
    tl_json_string(f, tl_ticket_verdict_name(info->verdict));
    fputs(",\"reason\":", f);
    tl_json_string(f, tl_ticket_verdict_text(info->verdict));
    fputs(",\"key_name\":", f);
    tl_json_hex(f, info->key_name, TL_KEY_NAME_LEN);
    if (info->verdict == TL_TICKET_OK) {
        fprintf(f, ",\"key_is_newest\":%s,\"protocol\":", info->key_is_newest ? "true" : "false");
        tl_json_string(f, info->protocol);
        fputs(",\"cipher\":", f);
        tl_json_string(f, info->cipher);
        fprintf(f, ",\"cipher_id\":%u", info->cipher_id);
        fputs(",\"sni\":", f);
        tl_json_string(f, info->sni);
        fputs(",\"alpn\":", f);
        json_alpn(f, info);
        fputs(",\"appdata\":", f);
        tl_json_hex(f, info->appdata, info->appdata_len);
        fprintf(f, ",\"time\":%lld,\"timeout\":%lld,\"max_early_data\":%u,"
                   "\"lifetime_hint\":%llu",
                (long long)info->time, (long long)info->timeout, info->max_early_data,
                (unsigned long long)info->lifetime_hint);
    }
    fputs("}\n", f);
}

static int ticket_open(int argc, char **argv)
{
    ticket_args args;
    const key_args *ka = &args.keys;
    const char *ticket_path = NULL;
    int rc, first;
    unsigned char *ticket = NULL;
    size_t len = 0;
    tl_keyring *kr;
    tl_ticket_info info;
    tl_error err;

    if ((first = parse_args(argc, argv, open_options, &args)) < 0)
        return TL_EXIT_USAGE;
    if (first < argc)
        ticket_path = argv[first];
    if (first + 1 < argc)
        return tl_cli_fail(CMD, "open: one TICKET file, not '%s' and '%s'", ticket_path, argv[first + 1]);
    if (ticket_path == NULL)
        return tl_cli_fail(CMD, "open: TICKET file missing (\"-\" reads standard input)");
    {
        const char *paths[MAX_KEY_FILES + 1], *role[MAX_KEY_FILES + 1];

        for (size_t i = 0; i < ka->n; i++) {
            paths[i] = ka->path[i];
            role[i] = "--keys";
        }
        paths[ka->n] = ticket_path;
        role[ka->n] = "TICKET";
        if (tl_cli_one_stdin(CMD ": open", ka->n + 1, paths, role) != 0)
            return TL_EXIT_USAGE;
    }
    /* offline, the keys' ages are unknown: a lifetime of 0 never retires them */
    kr = tl_keyring_new(0);
    if (kr == NULL)
        return tl_cli_fail(CMD, "out of memory");
    if (load_keys(kr, ka) != 0) {
        tl_keyring_free(kr);
        return TL_EXIT_USAGE;
    }
    if (tl_file_read(ticket_path, TICKET_MAX, &ticket, &len, &err) != 0) {
        tl_keyring_free(kr);
        return tl_cli_fail(CMD, "%s", err.msg);
    }
    if (tl_ticket_open(kr, ticket, len, &info, &err) != 0) {
        rc = tl_cli_fail(CMD, "%s: %s", ticket_path, err.msg);
    } else {
        if (args.json)
            print_json(stdout, &info);
        else
            print_text(stdout, &info);
        rc = TL_EXIT_OK;
        if (info.verdict != TL_TICKET_OK) {
            tl_cli_fail(CMD, "%s: rejected: %s: %s (%zu bytes)", ticket_path,
                        tl_ticket_verdict_name(info.verdict),
                        tl_ticket_verdict_text(info.verdict), len);
            rc = TL_EXIT_REJECTED;
        }
    }
    tl_ticket_info_clear(&info);
    free(ticket);
    tl_keyring_free(kr);
    return rc;
}

/*
 * Replace the world's keys (one libtls key, revision 1) by the file's.
 * world.h has no way to hand it a ring, and keyring.h cannot remove keys,
 * so 4 random filler keys push the world's key out first; the file's keys
 * then push out as many fillers as they need. Fillers have random names
 * and never match a ticket.
 */
/* The world configuration seal's options ask for. Returns 0, or -1 after printing why. */
static int seal_config(const ticket_args *a, tl_world_config *cfg)
{
    if (a->out == NULL) {
        tl_cli_fail(CMD, "seal: -o TICKET is required");
        return -1;
    }
    if (a->tls != NULL && tl_cli_tls_version("seal: --tls", a->tls, &cfg->tls_version, CMD) != 0)
        return -1;
    if (a->source != NULL && strcmp(a->source, "evp-cb") == 0) {
        cfg->key_source = TL_KEYS_EVP_CB;
    } else if (a->source != NULL && strcmp(a->source, "set-keys") == 0) {
        cfg->key_source = TL_KEYS_SET_KEYS;
    } else if (a->source != NULL) {
        tl_cli_fail(CMD, "seal: --key-source must be evp-cb or set-keys, not '%s'", a->source);
        return -1;
    }
    if (a->seed != NULL) {
        unsigned long long seed;

        if (tl_cli_count("seal: --seed", a->seed, UINT64_MAX, &seed, CMD) != 0)
            return -1;
        cfg->seed = seed;
    }
    cfg->alpn = a->alpn;
    return 0;
}

/*
 * The handshake that mints the ticket. Returns TL_EXIT_OK when the server
 * issued one, else the exit code after printing why. res is always the
 * caller's to free.
 */
static int seal_handshake(tl_world *w, const char *sni, tl_handshake_result *res)
{
    tl_handshake_opts opts;
    tl_error err;

    memset(&opts, 0, sizeof(opts));
    opts.sni = sni;
    if (tl_world_handshake(w, &opts, res, &err) != 0)
        return tl_cli_fail(CMD, "seal: %s", err.msg);
    if (!res->client.ok || !res->server.ok) {
        tl_cli_fail(CMD, "seal: the handshake failed: %s",
                    res->server.err_reason[0] ? res->server.err_reason
                    : res->client.err_reason[0] ? res->client.err_reason : "no reason given");
        return TL_EXIT_REJECTED;
    }
    if (res->n_tickets == 0 || res->tickets[0].ticket_len == 0) {
        tl_cli_fail(CMD, "seal: the server issued no ticket (%zu NewSessionTicket messages)", res->n_tickets);
        return TL_EXIT_REJECTED;
    }
    return TL_EXIT_OK;
}

static int ticket_seal(int argc, char **argv)
{
    ticket_args args;
    const key_args *ka = &args.keys;
    const char *appdata_hex, *sni, *out_path;
    unsigned char *appdata = NULL;
    size_t appdata_len = 0;
    tl_world_config cfg;
    tl_world *w = NULL;
    tl_keyring *kr = NULL;
    tl_handshake_result res;
    int have_res = 0, rc = TL_EXIT_USAGE, first;
    tl_error err;
    char hex[2 * TL_KEY_NAME_LEN + 1];

    tl_world_config_init(&cfg);
    if ((first = parse_args(argc, argv, seal_options, &args)) < 0)
        return TL_EXIT_USAGE;
    if (first < argc)
        return tl_cli_fail(CMD, "seal: unexpected argument '%s' (try --help)", argv[first]);
    if (seal_config(&args, &cfg) != 0)
        return TL_EXIT_USAGE;
    appdata_hex = args.appdata_hex;
    sni = args.sni;
    out_path = args.out;
    if (appdata_hex != NULL && tl_hex_decode(appdata_hex, &appdata, &appdata_len) != 0)
        return tl_cli_fail(CMD, "seal: --appdata must be hex digits, an even count of them");

    kr = tl_keyring_new(0);
    if (kr == NULL) {
        rc = tl_cli_fail(CMD, "out of memory");
        goto out;
    }
    if (load_keys(kr, ka) != 0)
        goto out;
    if (cfg.key_source == TL_KEYS_SET_KEYS && tl_keyring_slot(kr, 0)->aes_len != 32) {
        rc = tl_cli_fail(CMD, "seal: set-keys: OpenSSL's built-in ticket keys are AES-256, "
                         "%s holds an AES-128 key (use --key-source evp-cb)", ka->path[0]);
        goto out;
    }
    cfg.keyring = kr;   /* the world issues from the file's keys */
    if ((w = tl_world_new(&cfg, &err)) == NULL
        || (appdata != NULL
            && tl_policy_set_appdata(tl_world_policy(w), appdata, appdata_len) != 0)) {
        rc = tl_cli_fail(CMD, "seal: %s", err.msg[0] ? err.msg : "cannot set up the world");
        goto out;
    }
    have_res = 1;
    if ((rc = seal_handshake(w, sni, &res)) != TL_EXIT_OK)
        goto out;
    if (tl_file_write_atomic(out_path, res.tickets[0].ticket, res.tickets[0].ticket_len,
                             0600, &err) != 0) {
        rc = tl_cli_fail(CMD, "%s", err.msg);
        goto out;
    }
    tl_text_line(strcmp(out_path, "-") == 0 ? stderr : stdout,
            "wrote %s: %zu bytes, a %s ticket under key %s (%s)", out_path,
            res.tickets[0].ticket_len, res.version == TLS1_2_VERSION ? "TLSv1.2" : "TLSv1.3",
            tl_hex_encode(res.tickets[0].ticket, TL_KEY_NAME_LEN <= res.tickets[0].ticket_len
                          ? TL_KEY_NAME_LEN : res.tickets[0].ticket_len, hex),
            tl_key_source_name(cfg.key_source));
    rc = TL_EXIT_OK;
out:
    if (have_res)
        tl_handshake_result_free(&res);
    tl_world_free(w);
    tl_keyring_free(kr);
    free(appdata);
    return rc;
}

static int ticket_extract(int argc, char **argv)
{
    ticket_args args;
    const char *sess_path, *out_path;
    unsigned char *pem = NULL;
    size_t pem_len = 0, tick_len = 0;
    const unsigned char *tick = NULL;
    SSL_SESSION *sess = NULL;
    BIO *bio;
    tl_error err;
    int rc, first;

    if ((first = parse_args(argc, argv, extract_options, &args)) < 0)
        return TL_EXIT_USAGE;
    if (first < argc)
        return tl_cli_fail(CMD, "extract: unexpected argument '%s' (try --help)", argv[first]);
    sess_path = args.session;
    out_path = args.out;
    if (sess_path == NULL || out_path == NULL)
        return tl_cli_fail(CMD, "extract: --session FILE.pem and -o TICKET are required");
    if (tl_file_read(sess_path, TICKET_MAX, &pem, &pem_len, &err) != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    bio = BIO_new_mem_buf(pem, (int)pem_len);
    if (bio != NULL)
        sess = PEM_read_bio_SSL_SESSION(bio, NULL, NULL, NULL);
    BIO_free(bio);
    free(pem);
    ERR_clear_error();
    if (sess == NULL)
        return tl_cli_fail(CMD, "%s: not a PEM SSL SESSION PARAMETERS block", sess_path);
    SSL_SESSION_get0_ticket(sess, &tick, &tick_len);
    if (tick == NULL || tick_len == 0) {
        SSL_SESSION_free(sess);
        tl_cli_fail(CMD, "%s: the session carries no ticket (a session-id session?)",
                    sess_path);
        return TL_EXIT_REJECTED;
    }
    rc = tl_file_write_atomic(out_path, tick, tick_len, 0600, &err);
    if (rc != 0)
        rc = tl_cli_fail(CMD, "%s", err.msg);
    else
        tl_text_line(strcmp(out_path, "-") == 0 ? stderr : stdout,
                "wrote %s: %zu bytes of ticket", out_path, tick_len);
    SSL_SESSION_free(sess);
    return rc;
}

int tl_cmd_ticket(int argc, char **argv)
{
    if (argc < 2)
        return tl_cli_fail(CMD, "missing action: open, seal or extract (try --help)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
        || strcmp(argv[1], "help") == 0) {
        ticket_help(stdout);
        return TL_EXIT_OK;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            ticket_help(stdout);
            return TL_EXIT_OK;
        }
    if (strcmp(argv[1], "open") == 0)
        return ticket_open(argc - 1, argv + 1);
    if (strcmp(argv[1], "seal") == 0)
        return ticket_seal(argc - 1, argv + 1);
    if (strcmp(argv[1], "extract") == 0)
        return ticket_extract(argc - 1, argv + 1);
    return tl_cli_fail(CMD, "unknown action '%s': use open, seal or extract", argv[1]);
}
