/* cmd_cache.c - `ticketlab cache`: list, verify, import and export session files. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>

#include "cli.h"
#include "ticketlab/cache.h"
#include "ticketlab/clock.h"
#include "ticketlab/codec.h"
#include "json.h"
#include "text.h"
#include "ticketlab/sessfile.h"
#include "ticketlab/spack.h"
#include "ticketlab/world.h"

#define CMD "cache"

static const char help[] =
    "NAME\n"
    "    ticketlab cache - list, verify, import and export TLS session caches\n"
    "\n"
    "SYNOPSIS\n"
    "    ticketlab cache list FILE [--json] [--now EPOCH] [--peer KEY]...\n"
    "    ticketlab cache verify FILE [--json] [--now EPOCH]\n"
    "    ticketlab cache import FILE [SOURCE...] [--json] [--now EPOCH] [--capacity N]\n"
    "    ticketlab cache export FILE [--from SOURCE] [--tls 1.2|1.3|both] [--seed N]\n"
    "                          [--handshakes N] [--alpn LIST] [--early-data N]\n"
    "                          [--json] [--now EPOCH] [--capacity N]\n"
    "\n"
    "DESCRIPTION\n"
    "    Session cache files use the format of curl's --ssl-sessions: '#' comment\n"
    "    lines, then one session per line, base64(salted hash):base64(session data),\n"
    "    the session data packed as curl 8.12 and later pack it. A line that cannot\n"
    "    be read is reported as FILE:LINE and skipped; the others still load.\n"
    "    Session files follow libtls's rules: a regular file (not a symbolic link,\n"
    "    not a directory, one hard link) owned by you. A file ticketlab writes\n"
    "    (FILE of import and export) must have mode exactly 0600 when it exists,\n"
    "    and is written 0600. A file it only reads (FILE of list and verify,\n"
    "    SOURCE of import and export --from) may be 0600 or 0400; one others may\n"
    "    read (0640, 0644: curl writes its file 0666 minus umask) is read with a\n"
    "    warning; any other mode is refused: writable by group or others, any\n"
    "    execute bit, setuid/setgid/sticky, or not readable by you.\n"
    "    An empty file holds no sessions. Every write replaces the file atomically,\n"
    "    and a run that read or made no session writes nothing: FILE is left as it\n"
    "    was. Names and bytes from files are shown with control bytes and bytes\n"
    "    that are not UTF-8 as \\xNN.\n"
    "\n"
    "    list    Show each session: peer (when known), TLS version, ALPN,\n"
    "            valid-until, ticket and session sizes, early-data limit.\n"
    "    verify  Check every line of FILE and report each bad one.\n"
    "    import  Merge the sessions of each SOURCE (default: standard input)\n"
    "            into FILE, creating it if needed. Only one of FILE and the\n"
    "            SOURCEs may be \"-\" (standard input).\n"
    "    export  Write FILE (\"-\" for standard output): the sessions of --from\n"
    "            SOURCE, or, without --from, the sessions a client receives from\n"
    "            the in-process world over real handshakes.\n"
    "\n"
    "OPTIONS\n"
    "    --json           Print the result as one JSON object.\n"
    "    --now EPOCH      Freeze the harness clock at EPOCH (seconds since 1970)\n"
    "                     for expiry checks; the default is the real time, or the\n"
    "                     world's start time (2027-01-01) when export runs handshakes.\n"
    "    --capacity N     Keep at most N sessions, oldest evicted first (64).\n"
    "    --peer KEY       list: a peer key to try on sessions known only by their\n"
    "                     salted hash; a match shows the key. \"world\" tries the\n"
    "                     keys of the in-process world's client (both versions,\n"
    "                     with --alpn if given).\n"
    "    --from SOURCE    export: read the sessions from this file.\n"
    "    --tls V          export: 1.2, 1.3 or both (default both).\n"
    "    --seed N         export: the world's RNG seed (default 1).\n"
    "    --handshakes N   export: handshakes per TLS version (default 1); later\n"
    "                     ones resume from the cache.\n"
    "    --alpn LIST      export: ALPN protocols, comma-separated.\n"
    "    --early-data N   export: max early data the server allows (TLS 1.3).\n"
    "\n"
    "EXAMPLE\n"
    "    ticketlab cache export sessions.txt --tls 1.3 --alpn h2\n"
    "    ticketlab cache list sessions.txt --json\n"
    "    curl --ssl-sessions curl.txt https://example.org/ &&\n"
    "        ticketlab cache import sessions.txt curl.txt\n"
    "\n"
    "EXIT STATUS\n"
    "    0  success\n"
    "    1  verify found bad lines, or import or export had no session to write\n"
    "       (FILE is left as it was)\n"
    "    2  usage, permission or I/O error\n";

typedef struct options {
    const char *action, *file, *from, *tls, *alpn;
    const char *sources[32];
    int nsources;
    const char *peers[16];
    int npeers;
    int json;
    int have_now;
    int64_t now;
    uint64_t seed;
    long handshakes, capacity, early_data;
} options;

/* --- bad lines -------------------------------------------------------- */

typedef struct bad_entry {
    size_t line;
    tl_spack_err why;
    char *msg;
} bad_entry;

typedef struct bad_list {
    const char *path;
    int echo;              /* print "ticketlab cache: PATH:LINE: msg" as they come */
    bad_entry *v;
    size_t n, cap;
} bad_list;

static void on_bad(void *arg, size_t line, tl_spack_err why, const char *msg)
{
    bad_list *b = arg;

    if (b->echo)
        tl_text_line(stderr, "ticketlab " CMD ": %s:%zu: %s", b->path, line, msg);
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        bad_entry *v = realloc(b->v, cap * sizeof(*v));

        if (v == NULL)
            return;   /* still echoed and counted in the stats */
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n].line = line;
    b->v[b->n].why = why;
    b->v[b->n].msg = strdup(msg);
    b->n++;
}

static void bad_free(bad_list *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->v[i].msg);
    free(b->v);
    b->v = NULL;
    b->n = b->cap = 0;
}

static void json_bad_lines(const bad_list *b, size_t nb)
{
    printf("[");
    for (size_t k = 0; k < nb; k++) {
        for (size_t i = 0; i < b[k].n; i++) {
            printf("%s{\"file\":", k + i > 0 ? "," : "");
            tl_json_string(stdout, b[k].path);
            printf(",\"line\":%zu,\"error\":\"%s\",\"message\":", b[k].v[i].line,
                   tl_spack_errname(b[k].v[i].why));
            tl_json_string(stdout, b[k].v[i].msg ? b[k].v[i].msg : "");
            printf("}");
        }
    }
    printf("]");
}

/* --- listing ---------------------------------------------------------- */

static const char *tls_name(int ietf)
{
    switch (ietf) {
    case 0x0301: return "1.0";
    case 0x0302: return "1.1";
    case 0x0303: return "1.2";
    case 0x0304: return "1.3";
    default: return "?";
    }
}

static void iso_time(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "%" PRId64, t);
}

typedef struct lister {
    int json;
    size_t count;
} lister;

static int list_one(void *userp, const char *session_key,
                    const unsigned char *shash, size_t shash_len,
                    const unsigned char *sdata, size_t sdata_len,
                    int64_t valid_until, int ietf_tls_id,
                    const char *alpn, size_t earlydata_max)
{
    lister *l = userp;
    tl_sdata s;
    size_t ticket_len = 0;
    char when[64], hash[2 * TL_SHASH_LEN + 1];

    if (tl_sdata_unpack(sdata, sdata_len, &s, NULL) != TL_SPACK_OK)
        return 1;
    {
        const unsigned char *p = s.ticket, *tick = NULL;
        SSL_SESSION *sess = d2i_SSL_SESSION(NULL, &p, (long)s.ticket_len);

        if (sess != NULL) {
            SSL_SESSION_get0_ticket(sess, &tick, &ticket_len);
            SSL_SESSION_free(sess);
        }
    }
    iso_time(valid_until, when, sizeof(when));
    tl_hex_encode(shash, shash_len < TL_SHASH_LEN ? shash_len : TL_SHASH_LEN, hash);
    if (l->json) {
        printf("%s{\"peer\":", l->count ? "," : "");
        if (session_key)
            tl_json_string(stdout, session_key);
        else
            printf("null");
        printf(",\"shash\":\"%s\",\"tls\":\"%s\",\"ietf_id\":%d,\"alpn\":", hash,
               tls_name(ietf_tls_id), ietf_tls_id);
        if (alpn)
            tl_json_string(stdout, alpn);
        else
            printf("null");
        printf(",\"valid_until\":%" PRId64 ",\"valid_until_iso\":\"%s\","
               "\"ticket_len\":%zu,\"session_len\":%zu,\"early_data_max\":%zu,"
               "\"quic_tp_len\":%zu,\"flag\":%s}",
               valid_until, when, ticket_len, s.ticket_len, earlydata_max,
               s.quic_tp_len, s.flag ? "true" : "false");
    } else {
        char peer[80];

        if (session_key == NULL)
            snprintf(peer, sizeof(peer), "(unknown; salted hash %.16s...)", hash);
        tl_text_line(stdout, "TLSv%s  alpn=%s  valid-until=%s  ticket=%zu  session=%zu  "
                     "early-data=%zu  peer=%s", tls_name(ietf_tls_id),
               alpn ? (alpn[0] ? alpn : "\"\"") : "-", when, ticket_len,
               s.ticket_len, earlydata_max, session_key ? session_key : peer);
    }
    l->count++;
    tl_sdata_clear(&s);
    return 0;
}

/* --- helpers ---------------------------------------------------------- */

static int parse_num(const char *opt, const char *v, long long lo, long long hi,
                     long long *out)
{
    char *end;
    long long n;

    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
        tl_cli_fail(CMD, "%s wants a number from %lld to %lld, not '%s'", opt, lo, hi, v);
        return -1;
    }
    *out = n;
    return 0;
}

/*
 * Read the session file at path into c. flags as for tl_sessfile_load():
 * with TL_SESSFILE_SOURCE (a file we only read) a mode that lets others
 * read the sessions is allowed with a warning. Returns 0, or -1 after
 * printing why.
 */
static int load(tl_cache *c, const char *path, unsigned flags, bad_list *bad,
                tl_sessfile_stats *st)
{
    tl_error err = { "" };
    tl_sessfile_stats own;

    bad->path = path;
    if (st == NULL)
        st = &own;
    if (tl_sessfile_load(c, path, flags, on_bad, bad, st, &err) != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    if (st->mode & 0044)
        tl_text_line(stderr, "ticketlab " CMD ": warning: %s has mode %04o: others can read the "
                     "sessions in it (chmod 600 it)", path, st->mode);
    return 0;
}

static void apply_now(const options *o)
{
    if (o->have_now)
        tl_clock_freeze(o->now);
}

/* Try the world client's peer keys (TLS 1.2 and 1.3) on hash-only peers. */
static int recover_world_keys(tl_cache *c, const options *o)
{
    static const int versions[] = { TLS1_2_VERSION, TLS1_3_VERSION };

    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        tl_peer_config pc = { .host = TL_SERVER_NAME, .port = 443,
                              .min_version = versions[i], .max_version = versions[i],
                              .alpn = o->alpn, .sni = TL_SERVER_NAME };
        tl_error err = { "" };
        char *key = tl_peer_key_make(&pc, &err);

        if (key == NULL)
            return tl_cli_fail(CMD, "%s", err.msg);
        (void)tl_cache_count(c, key, NULL, 0);   /* a match records the key */
        free(key);
    }
    return 0;
}

/* Give each --peer KEY a chance to name a peer known only by its hash. */
static int recover_peers(tl_cache *c, const options *o)
{
    for (int i = 0; i < o->npeers; i++) {
        if (strcmp(o->peers[i], "world") == 0) {
            if (recover_world_keys(c, o) != 0)
                return -1;
        } else {
            (void)tl_cache_count(c, o->peers[i], NULL, 0);
        }
    }
    return 0;
}

/* --- actions ---------------------------------------------------------- */

static int do_list(const options *o)
{
    tl_cache *c = tl_cache_new((size_t)o->capacity, NULL);
    bad_list bad = { .echo = 1 };
    lister l = { .json = o->json };
    tl_sessfile_stats st;
    tl_error err = { "" };
    int rc = TL_EXIT_OK;

    if (c == NULL)
        return tl_cli_fail(CMD, "out of memory");
    apply_now(o);
    if (load(c, o->file, TL_SESSFILE_SOURCE, &bad, &st) != 0) {
        rc = TL_EXIT_USAGE;
        goto out;
    }
    if (recover_peers(c, o) != 0) {
        rc = TL_EXIT_USAGE;
        goto out;
    }
    if (o->json) {
        printf("{\"file\":");
        tl_json_string(stdout, o->file);
        printf(",\"sessions\":[");
    }
    if (tl_cache_export(c, list_one, &l, NULL, &err) != 0) {
        if (o->json)
            printf("]}\n");
        rc = tl_cli_fail(CMD, "%s: %s", o->file, err.msg);
        goto out;
    }
    if (o->json) {
        printf("],\"bad_lines\":");
        json_bad_lines(&bad, 1);
        printf("}\n");
    } else if (l.count == 0) {
        tl_text_line(stdout, "%s: no sessions", o->file);
    }
out:
    bad_free(&bad);
    tl_cache_free(c);
    return rc;
}

static int do_verify(const options *o)
{
    tl_cache *c = tl_cache_new((size_t)o->capacity, NULL);
    bad_list bad = { .echo = 0 };
    tl_sessfile_stats st;
    int rc;

    if (c == NULL)
        return tl_cli_fail(CMD, "out of memory");
    apply_now(o);
    if (load(c, o->file, TL_SESSFILE_SOURCE, &bad, &st) != 0) {
        bad_free(&bad);
        tl_cache_free(c);
        return TL_EXIT_USAGE;
    }
    if (o->json) {
        printf("{\"file\":");
        tl_json_string(stdout, o->file);
        printf(",\"lines\":%zu,\"sessions\":%zu,\"ok\":%zu,\"bad\":%zu,\"bad_lines\":",
               st.lines, st.sessions, st.imported, st.bad);
        json_bad_lines(&bad, 1);
        printf("}\n");
    } else {
        for (size_t i = 0; i < bad.n; i++)
            tl_text_line(stdout, "%s:%zu: %s", o->file, bad.v[i].line, bad.v[i].msg);
        tl_text_line(stdout, "%s: %zu sessions, %zu ok, %zu bad", o->file, st.sessions,
                     st.imported, st.bad);
    }
    rc = st.bad > 0 ? TL_EXIT_REJECTED : TL_EXIT_OK;
    bad_free(&bad);
    tl_cache_free(c);
    return rc;
}

static int save(tl_cache *c, const char *path, size_t *count)
{
    tl_error err = { "" };

    if (tl_sessfile_save(c, path, count, &err) != 0)
        return tl_cli_fail(CMD, "%s", err.msg);
    return 0;
}

static int do_import(const options *o)
{
    tl_cache *c = tl_cache_new((size_t)o->capacity, NULL);
    bad_list bad[33];
    const char *stdin_only[] = { "-" };
    const char *const *src = o->nsources ? o->sources : stdin_only;
    int nsrc = o->nsources ? o->nsources : 1, nb = 0;
    size_t imported = 0, nbad = 0, count = 0;
    int rc = TL_EXIT_USAGE;

    const char *inputs[33], *role[33];

    memset(bad, 0, sizeof(bad));
    /* FILE is read too ("-": standard input, written back to standard output). */
    inputs[0] = o->file;
    role[0] = "FILE";
    for (int i = 0; i < nsrc; i++) {
        inputs[i + 1] = src[i];
        role[i + 1] = o->nsources ? "SOURCE" : "the SOURCE (standard input, as none is given)";
    }
    if (tl_cli_one_stdin(CMD, (size_t)nsrc + 1, inputs, role) != 0) {
        tl_cache_free(c);
        return TL_EXIT_USAGE;
    }
    if (c == NULL)
        return tl_cli_fail(CMD, "out of memory");
    apply_now(o);
    /* What FILE holds already, if it exists: it must pass the rules too. */
    bad[nb].echo = 1;
    if (load(c, o->file, TL_SESSFILE_MISSING_OK, &bad[nb++], NULL) != 0)
        goto out;
    for (int i = 0; i < nsrc; i++) {
        tl_sessfile_stats st;

        bad[nb].echo = 1;
        /* A source is only read: curl writes its file 0666 minus umask. */
        if (load(c, src[i], TL_SESSFILE_SOURCE, &bad[nb++], &st) != 0)
            goto out;
        imported += st.imported;
        nbad += st.bad;
    }
    if (imported == 0) {
        tl_cli_fail(CMD, "%s: nothing imported (%zu bad lines)", o->file, nbad);
        rc = TL_EXIT_REJECTED;
    } else if (save(c, o->file, &count) != 0) {
        goto out;
    } else {
        rc = TL_EXIT_OK;
    }
    if (o->json) {
        printf("{\"file\":");
        tl_json_string(stdout, o->file);
        printf(",\"imported\":%zu,\"bad\":%zu,\"sessions\":%zu,\"written\":%s,"
               "\"bad_lines\":", imported, nbad, count, rc == TL_EXIT_OK ? "true" : "false");
        json_bad_lines(bad, (size_t)nb);
        printf("}\n");
    } else if (rc == TL_EXIT_OK) {
        tl_text_line(stdout, "%s: imported %zu sessions (%zu bad lines); the file holds %zu",
                     o->file, imported, nbad, count);
    }
out:
    for (int i = 0; i < nb; i++)
        bad_free(&bad[i]);
    tl_cache_free(c);
    return rc;
}

/* Run handshakes for one TLS version through the cache. */
static int world_fill(tl_cache *c, const options *o, int version)
{
    tl_world_config cfg;
    tl_world *w;
    tl_error err = { "" };

    tl_world_config_init(&cfg);
    cfg.tls_version = version;
    cfg.seed = o->seed;
    cfg.alpn = o->alpn;
    cfg.max_early_data = (uint32_t)o->early_data;
    if (o->have_now)
        cfg.clock_start = o->now;
    w = tl_world_new(&cfg, &err);
    if (w == NULL)
        return tl_cli_fail(CMD, "cannot build the world: %s", err.msg);
    for (long i = 0; i < o->handshakes; i++) {
        tl_handshake_result res;
        int rc = tl_cache_handshake(c, w, NULL, &res, &err);
        int ok = rc == 0 && res.client.ok && res.server.ok;

        if (rc == 0 && !ok)
            snprintf(err.msg, sizeof(err.msg), "client: %s; server: %s",
                     res.client.err_reason[0] ? res.client.err_reason : "ok",
                     res.server.err_reason[0] ? res.server.err_reason : "ok");
        tl_handshake_result_free(&res);
        if (!ok) {
            tl_world_free(w);
            return tl_cli_fail(CMD, "TLS %s handshake %ld failed: %s",
                               version == TLS1_3_VERSION ? "1.3" : "1.2", i + 1, err.msg);
        }
    }
    tl_world_free(w);
    return 0;
}

static int do_export(const options *o)
{
    tl_cache *c = tl_cache_new((size_t)o->capacity, NULL);
    bad_list bad = { .echo = 1 };
    tl_sessfile_stats st = { 0 };
    size_t count = 0;
    int rc = TL_EXIT_USAGE;

    if (c == NULL)
        return tl_cli_fail(CMD, "out of memory");
    if (o->from != NULL) {
        apply_now(o);
        if (load(c, o->from, TL_SESSFILE_SOURCE, &bad, &st) != 0)
            goto out;
    } else {
        int both = strcmp(o->tls, "both") == 0;

        if (!both && strcmp(o->tls, "1.2") != 0 && strcmp(o->tls, "1.3") != 0) {
            tl_cli_fail(CMD, "--tls is 1.2, 1.3 or both, not '%s'", o->tls);
            goto out;
        }
        if ((both || strcmp(o->tls, "1.2") == 0) && world_fill(c, o, TLS1_2_VERSION) != 0)
            goto out;
        if ((both || strcmp(o->tls, "1.3") == 0) && world_fill(c, o, TLS1_3_VERSION) != 0)
            goto out;
    }
    /* Nothing read or made: writing would empty FILE, so leave it alone. */
    if (tl_cache_size(c) == 0) {
        const char *kept = strcmp(o->file, "-") == 0 ? "nothing written"
                                                     : "the file is left as it was";

        if (o->from != NULL)
            tl_cli_fail(CMD, "%s: no session read from %s (%zu bad line%s): %s", o->file,
                        o->from, st.bad, st.bad == 1 ? "" : "s", kept);
        else
            tl_cli_fail(CMD, "%s: the handshakes left no session to export: %s", o->file, kept);
        rc = TL_EXIT_REJECTED;
        goto out;
    }
    if (save(c, o->file, &count) != 0)
        goto out;
    rc = TL_EXIT_OK;
    if (strcmp(o->file, "-") == 0)
        goto out;   /* standard output holds the file itself */
    if (o->json) {
        printf("{\"file\":");
        tl_json_string(stdout, o->file);
        printf(",\"sessions\":%zu,\"bad_lines\":", count);
        json_bad_lines(&bad, 1);
        printf("}\n");
    } else {
        tl_text_line(stdout, "%s: wrote %zu sessions", o->file, count);
    }
out:
    bad_free(&bad);
    tl_cache_free(c);
    return rc;
}

enum { OPT_JSON = 256, OPT_NOW, OPT_CAPACITY, OPT_PEER, OPT_FROM, OPT_TLS, OPT_SEED, OPT_HANDSHAKES,
       OPT_ALPN, OPT_EARLY_DATA, OPT_HELP };

static const struct option longopts[] = {
    { "json", no_argument, NULL, OPT_JSON },
    { "now", required_argument, NULL, OPT_NOW },
    { "capacity", required_argument, NULL, OPT_CAPACITY },
    { "peer", required_argument, NULL, OPT_PEER },
    { "from", required_argument, NULL, OPT_FROM },
    { "tls", required_argument, NULL, OPT_TLS },
    { "seed", required_argument, NULL, OPT_SEED },
    { "handshakes", required_argument, NULL, OPT_HANDSHAKES },
    { "alpn", required_argument, NULL, OPT_ALPN },
    { "early-data", required_argument, NULL, OPT_EARLY_DATA },
    { "help", no_argument, NULL, OPT_HELP },
    { "h", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

/* One option's value into o. Returns 0, or -1 after printing why not. */
static int take_option(options *o, int opt, const char *v)
{
    long long n;

    switch (opt) {
    case OPT_JSON: o->json = 1; return 0;
    case OPT_NOW:
        if (parse_num("--now", v, 0, INT64_C(253402300799), &n) != 0)
            return -1;
        o->have_now = 1;
        o->now = n;
        return 0;
    case OPT_CAPACITY:
        if (parse_num("--capacity", v, 1, 1000000, &n) != 0)
            return -1;
        o->capacity = (long)n;
        return 0;
    case OPT_PEER:
        if (o->npeers == (int)(sizeof(o->peers) / sizeof(o->peers[0]))) {
            tl_cli_fail(CMD, "too many --peer options");
            return -1;
        }
        o->peers[o->npeers++] = v;
        return 0;
    case OPT_FROM: o->from = v; return 0;
    case OPT_TLS: o->tls = v; return 0;
    case OPT_SEED:
        if (parse_num("--seed", v, 0, INT64_MAX, &n) != 0)
            return -1;
        o->seed = (uint64_t)n;
        return 0;
    case OPT_HANDSHAKES:
        if (parse_num("--handshakes", v, 1, 1000, &n) != 0)
            return -1;
        o->handshakes = (long)n;
        return 0;
    case OPT_ALPN: o->alpn = v; return 0;
    case OPT_EARLY_DATA:
        if (parse_num("--early-data", v, 0, UINT32_MAX, &n) != 0)
            return -1;
        o->early_data = (long)n;
        return 0;
    default:
        return -1;
    }
}

/* The options, then ACTION FILE [SOURCE...]. Returns 0, 1 after --help, or -1 after printing why. */
static int parse_args(int argc, char **argv, options *o)
{
    const char *v;
    int c;

    tl_cli_getopt_reset();
    while ((c = tl_cli_getopt(argc, argv, longopts, &v, CMD)) != -1) {
        if (c == OPT_HELP || c == 'h') {
            fputs(help, stdout);
            return 1;
        }
        if (take_option(o, c, v) != 0)
            return -1;
    }
    for (int i = optind; i < argc; i++) {
        if (o->action == NULL) {
            o->action = argv[i];
        } else if (o->file == NULL) {
            o->file = argv[i];
        } else if (o->nsources < (int)(sizeof(o->sources) / sizeof(o->sources[0]))) {
            o->sources[o->nsources++] = argv[i];
        } else {
            tl_cli_fail(CMD, "too many files");
            return -1;
        }
    }
    return 0;
}

int tl_cmd_cache(int argc, char **argv)
{
    options o = { .tls = "both", .seed = 1, .handshakes = 1,
                  .capacity = TL_CACHE_DEFAULT_CAPACITY };

    int rc = parse_args(argc, argv, &o);

    if (rc != 0)
        return rc > 0 ? TL_EXIT_OK : TL_EXIT_USAGE;
    if (o.action == NULL || o.file == NULL)
        return tl_cli_fail(CMD, "usage: ticketlab cache list|verify|import|export FILE "
                           "[options] (try --help)");
    if (o.nsources > 0 && strcmp(o.action, "import") != 0)
        return tl_cli_fail(CMD, "%s takes one FILE, not '%s'", o.action, o.sources[0]);
    if (strcmp(o.action, "list") == 0)
        return do_list(&o);
    if (strcmp(o.action, "verify") == 0)
        return do_verify(&o);
    if (strcmp(o.action, "import") == 0)
        return do_import(&o);
    if (strcmp(o.action, "export") == 0)
        return do_export(&o);
    return tl_cli_fail(CMD, "unknown action '%s': list, verify, import or export", o.action);
}
