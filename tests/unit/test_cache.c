/*
 * test_cache.c - the client cache: peer keys, salted hashes, single-use
 * TLS 1.3 tickets, reusable TLS 1.2 sessions, expiry on the harness clock,
 * eviction, export, and resumption through real world handshakes, also in
 * a second process (this binary re-executed with --resume).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ticketlab/cache.h"
#include "ticketlab/clock.h"
#include "ticketlab/sessfile.h"
#include "ticketlab/spack.h"
#include "ticketlab/world.h"
#include "tl_test.h"
#include "tl_test_session.h"

/* --- peer keys -------------------------------------------------------- */

static char *key_of(const tl_peer_config *pc)
{
    char *k = tl_peer_key_make(pc, NULL);

    TL_CHECK(k != NULL);
    return k;
}

static void test_peer_key_layout(void)
{
    tl_peer_config pc = { .host = "example.org", .port = 8443,
                          .min_version = TLS1_2_VERSION, .max_version = TLS1_3_VERSION,
                          .alpn = "h2,http/1.1", .sni = "example.org",
                          .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256",
                          .ciphersuites = "TLS_AES_128_GCM_SHA256", .groups = "X25519" };
    char *k = key_of(&pc);
    char want[512];

    snprintf(want, sizeof(want),
             "example.org:8443:TLSVER-0303-0304:ALPN-h2,http/1.1:SNI-example.org"
             ":CIPHER-ECDHE-ECDSA-AES128-GCM-SHA256:CIPHER13-TLS_AES_128_GCM_SHA256"
             ":CURVES-X25519:IMPL-OpenSSL/%s", OpenSSL_version(OPENSSL_VERSION_STRING));
    TL_CHECK_STR(k ? k : "", want);
    free(k);
}

static void test_peer_key_each_part_matters(void)
{
    const tl_peer_config base = { .host = "a.test", .port = 443,
                                  .min_version = TLS1_2_VERSION, .max_version = TLS1_3_VERSION,
                                  .alpn = "h2", .sni = "a.test", .ciphers = "AES128-SHA",
                                  .ciphersuites = "TLS_AES_128_GCM_SHA256", .groups = "P-256" };
    tl_peer_config v[12];
    char *keys[13];
    int n = 0;

    for (int i = 0; i < 12; i++)
        v[i] = base;
    v[0].host = "b.test";
    v[1].port = 444;
    v[2].min_version = TLS1_3_VERSION;
    v[3].max_version = TLS1_2_VERSION;
    v[4].alpn = "http/1.1";
    v[5].sni = "other.test";
    v[6].ciphers = "AES256-SHA";
    v[7].ciphersuites = "TLS_AES_256_GCM_SHA384";
    v[8].groups = "X25519";
    v[9].client_cert = "client.pem";
    v[10].alpn = NULL;
    v[11].sni = "a.test:ALPN-h2";     /* escaping keeps this apart */
    keys[n++] = key_of(&base);
    for (int i = 0; i < 12; i++)
        keys[n++] = key_of(&v[i]);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (keys[i] && keys[j] && strcmp(keys[i], keys[j]) == 0) {
                fprintf(stderr, "  variants %d and %d share key %s\n", i, j, keys[i]);
                TL_CHECK(0);
            }
    TL_CHECK(keys[12] != NULL && strstr(keys[12], ":SNI-a.test%3AALPN-h2:") != NULL);
    for (int i = 0; i < n; i++)
        free(keys[i]);
}

static void test_peer_key_refusals(void)
{
    tl_peer_config pc = { .host = NULL, .port = 443 };
    tl_error err = { "" };

    TL_CHECK(tl_peer_key_make(&pc, &err) == NULL);
    TL_CHECK(err.msg[0] != '\0');
    pc.host = "x";
    pc.port = 0;
    TL_CHECK(tl_peer_key_make(&pc, &err) == NULL);
    pc.port = 65536;
    TL_CHECK(tl_peer_key_make(&pc, &err) == NULL);
}

static void test_salted_hash(void)
{
    unsigned char salt[32], out[TL_SHASH_LEN], mac[32];
    unsigned int maclen = 0;
    const char *key = "a.test:443:IMPL-OpenSSL/3";

    for (int i = 0; i < 32; i++)
        salt[i] = (unsigned char)i;
    TL_CHECK_INT(tl_shash_make(salt, key, out, NULL), 0);
    TL_CHECK(memcmp(out, salt, 32) == 0);
    HMAC(EVP_sha256(), salt, 32, (const unsigned char *)key, strlen(key), mac, &maclen);
    TL_CHECK_INT(maclen, 32);
    TL_CHECK(memcmp(out + 32, mac, 32) == 0);
}

/* --- semantics on synthetic sessions ---------------------------------- */

static void put(tl_cache *c, const char *key, int version, long timeout,
                unsigned char fill, unsigned flags)
{
    SSL_SESSION *s = tl_test_session(version, timeout, fill);

    TL_CHECK(s != NULL);
    TL_CHECK_INT(tl_cache_put(c, key, s, flags, NULL), 0);
    SSL_SESSION_free(s);
}

/* The fill byte of a taken session's id, or -1 if none was taken. */
static int take_fill(tl_cache *c, const char *key)
{
    SSL_SESSION *s = NULL;
    unsigned int len = 0;
    const unsigned char *id;
    int fill = -1;

    TL_CHECK_INT(tl_cache_take(c, key, &s, NULL), 0);
    if (s != NULL) {
        id = SSL_SESSION_get_id(s, &len);
        fill = len > 0 ? id[0] : -2;
        SSL_SESSION_free(s);
    }
    return fill;
}

static void test_tls13_single_use(void)
{
    tl_cache *c = tl_cache_new(8, NULL);

    put(c, "p", TLS1_3_VERSION, 3600, 1, 0);
    put(c, "p", TLS1_3_VERSION, 3600, 2, 0);
    TL_CHECK_INT(tl_cache_count(c, "p", NULL, 0), 2);
    TL_CHECK_INT(take_fill(c, "p"), 1);     /* oldest first */
    TL_CHECK_INT(tl_cache_count(c, "p", NULL, 0), 1);
    TL_CHECK_INT(take_fill(c, "p"), 2);
    TL_CHECK_INT(take_fill(c, "p"), -1);    /* never offered twice */
    TL_CHECK_INT(tl_cache_size(c), 0);
    tl_cache_free(c);
}

static void test_tls12_reusable_and_replaced(void)
{
    tl_cache *c = tl_cache_new(8, NULL);

    put(c, "p", TLS1_2_VERSION, 3600, 1, 0);
    TL_CHECK_INT(take_fill(c, "p"), 1);
    TL_CHECK_INT(take_fill(c, "p"), 1);     /* still there */
    put(c, "p", TLS1_2_VERSION, 3600, 2, 0);
    TL_CHECK_INT(tl_cache_count(c, "p", NULL, 0), 1);   /* replaced */
    TL_CHECK_INT(take_fill(c, "p"), 2);
    /* a 1.3 session drops the peer's 1.2 one */
    put(c, "p", TLS1_3_VERSION, 3600, 3, 0);
    TL_CHECK_INT(tl_cache_count(c, "p", NULL, 0), 1);
    TL_CHECK_INT(take_fill(c, "p"), 3);
    tl_cache_free(c);
}

static void test_expiry_follows_harness_clock(void)
{
    tl_cache *c = tl_cache_new(8, NULL);

    tl_clock_freeze(TL_CLOCK_EPOCH);
    put(c, "p", TLS1_3_VERSION, 100, 1, 0);
    put(c, "q", TLS1_2_VERSION, 200, 2, 0);
    tl_clock_advance(100);                   /* valid-until == now: still valid */
    TL_CHECK_INT(tl_cache_count(c, "p", NULL, 0), 1);
    tl_clock_advance(1);
    TL_CHECK_INT(tl_cache_count(c, "p", NULL, 0), 0);
    TL_CHECK_INT(take_fill(c, "p"), -1);
    TL_CHECK_INT(take_fill(c, "q"), 2);
    tl_clock_advance(100);
    TL_CHECK_INT(take_fill(c, "q"), -1);
    TL_CHECK_INT(tl_cache_size(c), 0);
    tl_clock_freeze(TL_CLOCK_EPOCH);
    /* an expired session is not even stored */
    put(c, "p", TLS1_3_VERSION, 0, 1, 0);
    tl_clock_advance(1);
    TL_CHECK_INT(tl_cache_count(c, "p", NULL, 0), 0);
    tl_clock_freeze(TL_CLOCK_EPOCH);
    tl_cache_free(c);
}

static void test_lifetime_capped(void)
{
    tl_cache *c = tl_cache_new(8, NULL);

    tl_clock_freeze(TL_CLOCK_EPOCH);
    put(c, "p", TLS1_3_VERSION, 30L * 86400, 1, 0);
    tl_clock_advance(TL_CACHE_MAX_13_LIFETIME + 1);
    TL_CHECK_INT(tl_cache_count(c, "p", NULL, 0), 0);
    tl_clock_freeze(TL_CLOCK_EPOCH);
    tl_cache_free(c);
}

static void test_capacity_evicts_oldest(void)
{
    tl_cache *c = tl_cache_new(3, NULL);

    put(c, "p0", TLS1_3_VERSION, 3600, 1, 0);
    put(c, "p1", TLS1_3_VERSION, 3600, 2, 0);
    put(c, "p2", TLS1_3_VERSION, 3600, 3, 0);
    put(c, "p3", TLS1_3_VERSION, 3600, 4, 0);
    TL_CHECK_INT(tl_cache_size(c), 3);
    TL_CHECK_INT(tl_cache_count(c, "p0", NULL, 0), 0);
    TL_CHECK_INT(tl_cache_count(c, "p1", NULL, 0), 1);
    TL_CHECK_INT(tl_cache_count(c, "p3", NULL, 0), 1);
    put(c, "p1", TLS1_3_VERSION, 3600, 5, 0);
    TL_CHECK_INT(tl_cache_count(c, "p1", NULL, 0), 1);  /* its old one was oldest */
    TL_CHECK_INT(take_fill(c, "p1"), 5);
    tl_cache_free(c);
}

typedef struct seen {
    int calls, stop_at, rc;
    char key[256];
    unsigned char shash[TL_SHASH_LEN];
    int64_t valid_until;
    int ietf;
    char alpn[32];
    size_t earlydata;
    tl_sdata last;
} seen;

static int record(void *userp, const char *session_key,
                  const unsigned char *shash, size_t shash_len,
                  const unsigned char *sdata, size_t sdata_len,
                  int64_t valid_until, int ietf_tls_id,
                  const char *alpn, size_t earlydata_max)
{
    seen *s = userp;

    s->calls++;
    snprintf(s->key, sizeof(s->key), "%s", session_key ? session_key : "(null)");
    TL_CHECK_INT(shash_len, TL_SHASH_LEN);
    memcpy(s->shash, shash, TL_SHASH_LEN);
    s->valid_until = valid_until;
    s->ietf = ietf_tls_id;
    snprintf(s->alpn, sizeof(s->alpn), "%s", alpn ? alpn : "(null)");
    s->earlydata = earlydata_max;
    tl_sdata_clear(&s->last);
    TL_CHECK_INT(tl_sdata_unpack(sdata, sdata_len, &s->last, NULL), TL_SPACK_OK);
    return s->calls == s->stop_at ? s->rc : 0;
}

static void test_export_callback_and_stop(void)
{
    tl_cache *c = tl_cache_new(8, NULL);
    seen s = { .stop_at = 2, .rc = 7 };
    int fn_rc = 0;
    tl_error err = { "" };
    unsigned char mine[TL_SHASH_LEN];

    tl_clock_freeze(TL_CLOCK_EPOCH);
    put(c, "p", TLS1_3_VERSION, 600, 1, 0);
    put(c, "q", TLS1_3_VERSION, 600, 2, 0);
    put(c, "r", TLS1_3_VERSION, 600, 3, 0);
    TL_CHECK_INT(tl_cache_export(c, record, &s, &fn_rc, &err), -1);
    TL_CHECK_INT(fn_rc, 7);
    TL_CHECK_INT(s.calls, 2);
    TL_CHECK(strstr(err.msg, "returned 7") != NULL);
    TL_CHECK_STR(s.key, "q");
    TL_CHECK_INT(s.valid_until, TL_CLOCK_EPOCH + 600);
    TL_CHECK_INT(s.ietf, 0x0304);
    TL_CHECK_STR(s.alpn, "(null)");
    TL_CHECK_INT(tl_shash_make(s.shash, "q", mine, NULL), 0);
    TL_CHECK(memcmp(mine, s.shash, TL_SHASH_LEN) == 0);
    /* lookup by salted hash finds the same peer */
    TL_CHECK_INT(tl_cache_count(c, NULL, s.shash, TL_SHASH_LEN), 1);
    tl_sdata_clear(&s.last);
    tl_cache_free(c);
}

static void test_client_cert_never_exported(void)
{
    tl_cache *c = tl_cache_new(8, NULL);
    seen s = { 0 };

    put(c, "mtls", TLS1_3_VERSION, 600, 1, TL_CACHE_CLIENT_CERT);
    put(c, "plain", TLS1_3_VERSION, 600, 2, 0);
    TL_CHECK_INT(tl_cache_export(c, record, &s, NULL, NULL), 0);
    TL_CHECK_INT(s.calls, 1);
    TL_CHECK_STR(s.key, "plain");
    TL_CHECK_INT(take_fill(c, "mtls"), 1);   /* usable, just not exported */
    tl_sdata_clear(&s.last);
    tl_cache_free(c);
}

static void test_hash_only_peer_recovers_key(void)
{
    tl_cache *a = tl_cache_new(8, NULL), *b = tl_cache_new(8, NULL);
    char *text = NULL;
    size_t len = 0;
    seen s = { 0 };

    put(a, "secret.test:443", TLS1_3_VERSION, 600, 9, 0);
    TL_CHECK_INT(tl_sessfile_format(a, &text, &len, NULL, NULL), 0);
    TL_CHECK_INT(tl_sessfile_parse(b, text, len, NULL, NULL, NULL, NULL), 0);
    TL_CHECK_INT(tl_cache_export(b, record, &s, NULL, NULL), 0);
    TL_CHECK_STR(s.key, "(null)");             /* known only by its hash */
    TL_CHECK_INT(tl_cache_count(b, "other.test:443", NULL, 0), 0);
    TL_CHECK_INT(tl_cache_count(b, "secret.test:443", NULL, 0), 1);  /* recovered */
    s.calls = 0;
    TL_CHECK_INT(tl_cache_export(b, record, &s, NULL, NULL), 0);
    TL_CHECK_STR(s.key, "secret.test:443");
    TL_CHECK_INT(take_fill(b, "secret.test:443"), 9);
    tl_sdata_clear(&s.last);
    free(text);
    tl_cache_free(a);
    tl_cache_free(b);
}

/* --- real handshakes -------------------------------------------------- */

static tl_world *world(int version, const char *alpn, uint32_t early)
{
    tl_world_config cfg;
    tl_error err = { "" };
    tl_world *w;

    tl_world_config_init(&cfg);
    cfg.tls_version = version;
    cfg.seed = 4242;
    cfg.alpn = alpn;
    cfg.max_early_data = early;
    cfg.key_lifetime = 30 * 86400;   /* the keys outlive the sessions */
    w = tl_world_new(&cfg, &err);
    if (w == NULL)
        fprintf(stderr, "  world: %s\n", err.msg);
    TL_CHECK(w != NULL);
    return w;
}

/* One handshake through the cache; returns server-side reuse (or -1). */
static int cached_handshake(tl_cache *c, tl_world *w)
{
    tl_handshake_result res;
    tl_error err = { "" };
    int reused = -1;

    if (tl_cache_handshake(c, w, NULL, &res, &err) != 0)
        fprintf(stderr, "  handshake: %s\n", err.msg);
    else if (res.client.ok && res.server.ok)
        reused = res.server.reused;
    tl_handshake_result_free(&res);
    return reused;
}

static void test_world_tls13_resumes_and_tickets_single_use(void)
{
    tl_world *w = world(TLS1_3_VERSION, NULL, 0);
    tl_cache *c = tl_cache_new(16, NULL);
    char *key = w ? tl_peer_key_for_world(w, NULL, NULL) : NULL;
    SSL_SESSION *s1 = NULL, *s2 = NULL, *s3 = NULL;
    const unsigned char *t1 = NULL, *t2 = NULL;
    size_t l1 = 0, l2 = 0;

    if (w == NULL || key == NULL)
        goto out;
    TL_CHECK_INT(cached_handshake(c, w), 0);          /* full */
    TL_CHECK_INT(tl_cache_count(c, key, NULL, 0), 2); /* two NewSessionTickets */
    TL_CHECK_INT(cached_handshake(c, w), 1);          /* resumed with the first */
    /* The used ticket is gone. (OpenSSL sends no new ticket after a TLS 1.3
     * resumption unless the key callback asks to renew.) */
    TL_CHECK_INT(tl_cache_count(c, key, NULL, 0), 1);
    TL_CHECK_INT(tl_cache_take(c, key, &s1, NULL), 0);
    TL_CHECK_INT(tl_cache_take(c, key, &s2, NULL), 0);
    TL_CHECK(s1 != NULL && s2 == NULL);               /* never offered twice */
    TL_CHECK_INT(cached_handshake(c, w), 0);          /* cache empty: full again */
    TL_CHECK_INT(tl_cache_count(c, key, NULL, 0), 2);
    TL_CHECK_INT(tl_cache_take(c, key, &s2, NULL), 0);
    TL_CHECK_INT(tl_cache_take(c, key, &s3, NULL), 0);
    TL_CHECK(s2 != NULL && s3 != NULL);
    if (s2 && s3) {
        SSL_SESSION_get0_ticket(s2, &t1, &l1);
        SSL_SESSION_get0_ticket(s3, &t2, &l2);
        TL_CHECK(l1 > 0 && l2 > 0);
        TL_CHECK(l1 != l2 || memcmp(t1, t2, l1) != 0);   /* two different tickets */
    }
out:
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    free(key);
    tl_cache_free(c);
    tl_world_free(w);
}

static void test_world_tls12_reused(void)
{
    tl_world *w = world(TLS1_2_VERSION, NULL, 0);
    tl_cache *c = tl_cache_new(16, NULL);
    char *key = w ? tl_peer_key_for_world(w, NULL, NULL) : NULL;

    if (w == NULL || key == NULL)
        goto out;
    TL_CHECK_INT(cached_handshake(c, w), 0);
    TL_CHECK_INT(tl_cache_count(c, key, NULL, 0), 1);
    TL_CHECK_INT(cached_handshake(c, w), 1);
    TL_CHECK_INT(cached_handshake(c, w), 1);
    TL_CHECK_INT(tl_cache_count(c, key, NULL, 0), 1);
out:
    free(key);
    tl_cache_free(c);
    tl_world_free(w);
}

static void test_world_expiry(void)
{
    tl_world *w = world(TLS1_3_VERSION, NULL, 0);
    tl_cache *c = tl_cache_new(16, NULL);
    char *key = w ? tl_peer_key_for_world(w, NULL, NULL) : NULL;
    seen s = { 0 };

    if (w == NULL || key == NULL)
        goto out;
    TL_CHECK_INT(cached_handshake(c, w), 0);
    TL_CHECK_INT(tl_cache_export(c, record, &s, NULL, NULL), 0);
    TL_CHECK(s.valid_until > tl_clock_now());
    tl_clock_advance(s.valid_until - tl_clock_now());
    TL_CHECK_INT(tl_cache_count(c, key, NULL, 0), 2);
    tl_clock_advance(1);
    TL_CHECK_INT(tl_cache_count(c, key, NULL, 0), 0);
    s.calls = 0;
    TL_CHECK_INT(tl_cache_export(c, record, &s, NULL, NULL), 0);
    TL_CHECK_INT(s.calls, 0);
    TL_CHECK_INT(cached_handshake(c, w), 0);          /* nothing offered */
out:
    tl_sdata_clear(&s.last);
    free(key);
    tl_cache_free(c);
    tl_world_free(w);
}

/* Fill one cache from a 1.2 world and a 1.3 world with ALPN and early data. */
static tl_cache *world_filled(void)
{
    tl_cache *c = tl_cache_new(16, NULL);
    tl_world *w12 = world(TLS1_2_VERSION, "h2,http/1.1", 0);
    tl_world *w13 = world(TLS1_3_VERSION, "h2,http/1.1", 16384);

    if (w12 != NULL && w13 != NULL) {
        TL_CHECK_INT(cached_handshake(c, w12), 0);
        TL_CHECK_INT(cached_handshake(c, w13), 0);
    }
    tl_world_free(w12);
    tl_world_free(w13);
    return c;
}

static void test_world_round_trip_identical(void)
{
    tl_cache *c = world_filled(), *d = tl_cache_new(16, NULL);
    char *t1 = NULL, *t2 = NULL;
    size_t l1 = 0, l2 = 0, n1 = 0, n2 = 0;
    seen s = { 0 };

    tl_clock_freeze(TL_CLOCK_EPOCH);
    TL_CHECK_INT(tl_sessfile_format(c, &t1, &l1, &n1, NULL), 0);
    TL_CHECK_INT(n1, 3);   /* one 1.2 session, two 1.3 tickets */
    TL_CHECK_INT(tl_sessfile_parse(d, t1, l1, NULL, NULL, NULL, NULL), 0);
    TL_CHECK_INT(tl_sessfile_format(d, &t2, &l2, &n2, NULL), 0);
    TL_CHECK_INT(n2, n1);
    TL_CHECK(l1 == l2 && t1 && t2 && memcmp(t1, t2, l1) == 0);
    /* the last exported is a TLS 1.3 ticket with ALPN and early data */
    TL_CHECK_INT(tl_cache_export(d, record, &s, NULL, NULL), 0);
    TL_CHECK_INT(s.ietf, 0x0304);
    TL_CHECK_STR(s.alpn, "h2");
    TL_CHECK_INT(s.earlydata, 16384);
    tl_sdata_clear(&s.last);
    free(t1);
    free(t2);
    tl_cache_free(c);
    tl_cache_free(d);
}

/* --- a second process ------------------------------------------------- */

/* Child: import `path` into a fresh cache, then resume with `version`. */
static int resume_child(const char *path, int version)
{
    tl_world *w = world(version, NULL, 0);
    tl_cache *c = tl_cache_new(16, NULL);
    tl_sessfile_stats st;
    tl_error err = { "" };
    int reused = -1;

    if (w != NULL && tl_sessfile_load(c, path, 0, NULL, NULL, &st, &err) == 0
        && st.imported > 0)
        reused = cached_handshake(c, w);
    else
        fprintf(stderr, "  child: %s\n", err.msg);
    tl_cache_free(c);
    tl_world_free(w);
    return reused == 1 ? 0 : 1;
}

static void resume_in_new_process(int version)
{
    char path[] = "/tmp/tl-cache-XXXXXX";
    int fd = mkstemp(path);
    tl_world *w = world(version, NULL, 0);
    tl_cache *c = tl_cache_new(16, NULL);
    tl_error err = { "" };
    char vs[16];
    pid_t pid;
    int status = -1;

    TL_CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    if (w == NULL || fd < 0)
        goto out;
    TL_CHECK_INT(cached_handshake(c, w), 0);
    TL_CHECK_INT(tl_sessfile_save(c, path, NULL, &err), 0);
    snprintf(vs, sizeof(vs), "%d", version);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", "test_cache", "--resume", path, vs, (char *)NULL);
        _exit(127);
    }
    TL_CHECK(pid > 0);
    if (pid > 0)
        TL_CHECK(waitpid(pid, &status, 0) == pid);
    TL_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
out:
    unlink(path);
    tl_cache_free(c);
    tl_world_free(w);
}

static void test_tls13_resumes_in_new_process(void)
{
    resume_in_new_process(TLS1_3_VERSION);
}

static void test_tls12_resumes_in_new_process(void)
{
    resume_in_new_process(TLS1_2_VERSION);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--resume") == 0)
        return resume_child(argv[2], atoi(argv[3]));
    tl_clock_freeze(TL_CLOCK_EPOCH);
    TL_RUN(test_peer_key_layout);
    TL_RUN(test_peer_key_each_part_matters);
    TL_RUN(test_peer_key_refusals);
    TL_RUN(test_salted_hash);
    TL_RUN(test_tls13_single_use);
    TL_RUN(test_tls12_reusable_and_replaced);
    TL_RUN(test_expiry_follows_harness_clock);
    TL_RUN(test_lifetime_capped);
    TL_RUN(test_capacity_evicts_oldest);
    TL_RUN(test_export_callback_and_stop);
    TL_RUN(test_client_cert_never_exported);
    TL_RUN(test_hash_only_peer_recovers_key);
    TL_RUN(test_world_tls13_resumes_and_tickets_single_use);
    TL_RUN(test_world_tls12_reused);
    TL_RUN(test_world_expiry);
    TL_RUN(test_world_round_trip_identical);
    TL_RUN(test_tls13_resumes_in_new_process);
    TL_RUN(test_tls12_resumes_in_new_process);
    return TL_DONE();
}
