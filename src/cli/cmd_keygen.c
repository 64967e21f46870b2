/* cmd_keygen.c - `ticketlab keygen`: make a ticket key file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cli.h"
#include "wipe.h"
#include "ticketlab/codec.h"
#include "fileio.h"
#include "ticketlab/keyfile.h"
#include "ticketlab/rng.h"
#include "text.h"

static void keygen_help(FILE *f)
{
    fprintf(f,
        "NAME\n"
        "    ticketlab keygen - make a ticket key file\n\n"
        "SYNOPSIS\n"
        "    ticketlab keygen --format nginx|envoy|haproxy|libtls [--size 48|80]\n"
        "                     [--revision N] [--seed N] -o FILE\n\n"
        "DESCRIPTION\n"
        "    Writes a fresh session ticket key file in the layout a real server\n"
        "    reads, with mode 0600, atomically (a temporary file renamed over FILE).\n"
        "      nginx    ssl_session_ticket_key: 48 bytes (name|AES-128|HMAC) or\n"
        "               80 bytes (name|HMAC-32|AES-256)\n"
        "      envoy    session_ticket_keys: 80 bytes, the nginx 80-byte layout\n"
        "      haproxy  tls-ticket-keys: 3 base64 lines of 48 or 80 bytes\n"
        "               (80 is name|AES-256|HMAC-32); haproxy encrypts with the 2nd\n"
        "      libtls   one 52-byte record: big-endian revision, then 48 key bytes\n"
        "    Key names are the libtls name of the revision: htonl(N) then zeros\n"
        "    (haproxy keys also carry their index in byte 4). On success one line\n"
        "    on stdout says what was written.\n\n"
        "OPTIONS\n"
        "    --format F     key file format (required)\n"
        "    --size 48|80   bytes per key for nginx and haproxy (default 80);\n"
        "                   envoy is always 80, libtls always 52\n"
        "    --revision N   key revision, 0..4294967295 (default 1)\n"
        "    --seed N       draw the key bytes from ticketlab's deterministic RNG\n"
        "                   seeded with N (for reproducible tests; NOT secret).\n"
        "                   Without it the key bytes come from OpenSSL's RAND_bytes.\n"
        "    -o FILE        where to write (\"-\" is standard output)\n"
        "    --help         this text\n\n"
        "EXAMPLE\n"
        "    ticketlab keygen --format nginx --size 48 -o ticket.key\n\n"
        "EXIT STATUS\n"
        "    0 written, 2 usage or I/O error (one line on stderr).\n");
}

/* A decimal number no larger than max; no sign, no trailing junk. */
/*
 * tl_keyfile_generate draws from the harness RNG (xoshiro, reproducible, no
 * cryptographic worth). Unless --seed asked for that, replace every key
 * byte (not the names or revisions) with OpenSSL's RAND_bytes, so a file
 * handed to a real server holds real secrets.
 */
static int rekey_with_openssl(tl_keyfmt fmt, unsigned char *data, size_t len)
{
    if (fmt == TL_KEYFMT_LIBTLS)        /* 4-byte revision, then the key */
        return RAND_bytes(data + 4, (int)(len - 4)) == 1 ? 0 : -1;
    if (fmt != TL_KEYFMT_HAPROXY)       /* 16-byte name, then the keys */
        return RAND_bytes(data + TL_KEY_NAME_LEN, (int)(len - TL_KEY_NAME_LEN)) == 1 ? 0 : -1;
    for (size_t pos = 0; pos < len;) {
        unsigned char *nl = memchr(data + pos, '\n', len - pos);
        size_t linelen = nl ? (size_t)(nl - (data + pos)) : len - pos;
        unsigned char *raw = NULL;
        size_t rawlen = 0;
        char *b64;
        int ok;

        if (tl_base64_decode((const char *)data + pos, linelen, &raw, &rawlen) != 0)
            return -1;
        ok = rawlen > TL_KEY_NAME_LEN
             && RAND_bytes(raw + TL_KEY_NAME_LEN, (int)(rawlen - TL_KEY_NAME_LEN)) == 1;
        b64 = ok ? tl_base64_encode(raw, rawlen) : NULL;
        tl_wipe_free(raw, rawlen);
        if (b64 == NULL || strlen(b64) != linelen) {
            free(b64);
            return -1;
        }
        memcpy(data + pos, b64, linelen);
        tl_wipe_free(b64, linelen);
        pos += linelen + (nl != NULL);
    }
    return 0;
}

enum { OPT_FORMAT = 256, OPT_SIZE, OPT_REVISION, OPT_SEED, OPT_HELP };

static const struct option longopts[] = {
    { "format", required_argument, NULL, OPT_FORMAT },
    { "size", required_argument, NULL, OPT_SIZE },
    { "revision", required_argument, NULL, OPT_REVISION },
    { "seed", required_argument, NULL, OPT_SEED },
    { "o", required_argument, NULL, 'o' },
    { "help", no_argument, NULL, OPT_HELP },
    { "h", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

/* Write what was written: on stdout, or on stderr when stdout is the file. */
static void report_written(const char *out_path, tl_keyfmt fmt, size_t size, size_t len, uint32_t revision)
{
    unsigned char name[TL_KEY_NAME_LEN];
    char hex[2 * TL_KEY_NAME_LEN + 1];
    size_t nkeys = fmt == TL_KEYFMT_HAPROXY ? 3 : 1;
    size_t per_key = fmt == TL_KEYFMT_LIBTLS ? 52 : size ? size : 80;
    FILE *f = strcmp(out_path, "-") == 0 ? stderr : stdout;

    tl_key_libtls_name(revision, name);
    tl_text_line(f, "wrote %s: %s, %zu bytes, %zu key%s of %zu bytes, name %s%s",
            out_path, tl_keyfmt_name(fmt), len, nkeys, nkeys == 1 ? "" : "s",
            per_key, tl_hex_encode(name, sizeof(name), hex),
            nkeys > 1 ? " (+ index in byte 4)" : "");
}

int tl_cmd_keygen(int argc, char **argv)
{
    const char *cmd = "keygen", *format = NULL, *size_s = NULL, *rev_s = NULL;
    const char *seed_s = NULL, *out_path = NULL;
    tl_keyfmt fmt;
    size_t size = 0, len = 0;
    uint32_t revision = 1;
    unsigned long long seed = 0;
    unsigned char *data = NULL;
    tl_error err;
    const char *v;
    int rc, c;

    tl_cli_getopt_reset();
    while ((c = tl_cli_getopt(argc, argv, longopts, &v, cmd)) != -1) {
        switch (c) {
        case OPT_HELP: case 'h':
            keygen_help(stdout);
            return TL_EXIT_OK;
        case OPT_FORMAT: format = v; break;
        case OPT_SIZE: size_s = v; break;
        case OPT_REVISION: rev_s = v; break;
        case OPT_SEED: seed_s = v; break;
        case 'o': out_path = v; break;
        default: return TL_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return tl_cli_fail(cmd, "unexpected argument '%s' (try --help)", argv[optind]);
    if (format == NULL)
        return tl_cli_fail(cmd, "--format is required: nginx, envoy, haproxy or libtls");
    if (tl_keyfmt_parse(format, &fmt) != 0)
        return tl_cli_fail(cmd, "unknown format '%s': use nginx, envoy, haproxy or libtls",
                           format);
    if (out_path == NULL)
        return tl_cli_fail(cmd, "-o FILE is required");
    if (size_s != NULL) {
        if (strcmp(size_s, "48") == 0)
            size = 48;
        else if (strcmp(size_s, "80") == 0)
            size = 80;
        else
            return tl_cli_fail(cmd, "--size must be 48 or 80, not '%s'", size_s);
        if (fmt == TL_KEYFMT_LIBTLS)
            return tl_cli_fail(cmd, "--size does not apply to libtls (records are 52 bytes)");
    }
    if (rev_s != NULL) {
        unsigned long long r;

        if (tl_cli_uint(rev_s, UINT32_MAX, &r) != 0)
            return tl_cli_fail(cmd, "--revision must be a number from 0 to 4294967295, "
                               "not '%s'", rev_s);
        revision = (uint32_t)r;
    }
    if (seed_s != NULL && tl_cli_uint(seed_s, UINT64_MAX, &seed) != 0)
        return tl_cli_fail(cmd, "--seed must be a non-negative number, not '%s'", seed_s);
    tl_rng_seed(seed_s != NULL ? seed : (uint64_t)time(NULL));
    if (tl_keyfile_generate(fmt, size, revision, &data, &len, &err) != 0)
        return tl_cli_fail(cmd, "%s", err.msg);
    if (seed_s == NULL && rekey_with_openssl(fmt, data, len) != 0) {
        tl_wipe_free(data, len);
        return tl_cli_fail(cmd, "cannot get random bytes from OpenSSL");
    }
    rc = tl_file_write_atomic(out_path, data, len, 0600, &err);
    tl_wipe_free(data, len);
    if (rc != 0)
        return tl_cli_fail(cmd, "%s", err.msg);
    report_written(out_path, fmt, size, len, revision);
    return TL_EXIT_OK;
}
