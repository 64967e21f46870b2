/*
 * cache.c - the client's session cache; see cache.h.
 *
 * What we took from curl, checked in lib/vtls/vtls_scache.c:
 * - the peer key (ssl_peer_key_build) is "host:port", then ":TLSVER-",
 *   ":CIPHER-", ":CIPHER13-", ":CURVES-", ... parts for the TLS
 *   configuration, then ":IMPL-<tls_id>"; for OpenSSL the tls_id is
 *   "OpenSSL/<version>" (OSSL_PACKAGE "/" OPENSSL_VERSION_STRING). curl
 *   keeps ALPN out of the key and stores it per session; the issue asks for
 *   ALPN and SNI in the key too, because the world varies them per
 *   handshake. Newer curl appends ":G"/":L" (global/local paths); curl 8.12
 *   did not, and we have no relative paths, so we leave it out.
 * - the salted hash: 32 random bytes (Curl_rand) then HMAC-SHA256(salt,
 *   peer key), made lazily at the first export (cf_ssl_scache_peer_set_hmac);
 *   import without a key needs exactly 64 bytes (Curl_ssl_session_import);
 *   a hash-only peer learns its key at the first lookup whose key HMACs the
 *   same (cf_ssl_find_peer_by_key); an import hash matches a known peer
 *   exactly or by recomputing the HMAC with the given salt
 *   (cf_ssl_find_peer_by_hmac).
 * - expiry: valid_until < now (cf_scache_session_expired); lifetimes capped
 *   per TLS version; a non-1.3 session replaces the peer's others, a 1.3 one
 *   drops expired and non-1.3 ones and appends (cf_scache_peer_add_session);
 *   TLS 1.3 sessions are not put back after use (Curl_ssl_scache_return).
 */
#include "ticketlab/cache.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hmac.h"
#include "memo.h"
#include "ossl_compat.h"
#include "sessder_memo.h"
#include "ticketlab/clock.h"
#include "ticketlab/rng.h"

#define SALT_LEN 32
#define HMAC_LEN 32

typedef struct peer {
    char *key;                   /* NULL while known only by its hash */
    unsigned char salt[SALT_LEN];
    unsigned char hmac[HMAC_LEN];
    int hmac_set;
    size_t refs;                 /* entries that belong to this peer */
} peer;

typedef struct entry {
    peer *peer;
    tl_sdata s;                  /* s.ticket is the DER SSL_SESSION */
    int client_cert;
} entry;

struct tl_cache {
    size_t capacity;
    entry *entries;              /* oldest first */
    size_t n;
    peer **peers;
    size_t npeers, peers_cap;
};

/* --- peer keys -------------------------------------------------------- */

/* value, with ':' and '%' written %3A and %25 so that parts never blur. */
static void put_escaped(FILE *f, const char *value)
{
    for (const char *v = value; *v; v++) {
        if (*v == ':')
            fputs("%3A", f);
        else if (*v == '%')
            fputs("%25", f);
        else
            fputc(*v, f);
    }
}

/* ":NAME-value" when value is set. */
static void put_part(FILE *f, const char *name, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return;
    fprintf(f, ":%s-", name);
    put_escaped(f, value);
}

char *tl_peer_key_make(const tl_peer_config *pc, tl_error *err)
{
    char *key = NULL;
    size_t len = 0;
    FILE *f;
    int bad;

    if (pc == NULL || pc->host == NULL || pc->host[0] == '\0') {
        tl_error_set(err, "a peer key needs a host name");
        return NULL;
    }
    if (pc->port < 1 || pc->port > 65535) {
        tl_error_set(err, "peer port %d is not 1 to 65535", pc->port);
        return NULL;
    }
    f = open_memstream(&key, &len);
    if (f == NULL) {
        tl_error_set(err, "out of memory");
        return NULL;
    }
    /* The host comes first; escaped too (IPv6 literals hold colons). */
    put_escaped(f, pc->host);
    fprintf(f, ":%d", pc->port);
    if (pc->min_version || pc->max_version)
        fprintf(f, ":TLSVER-%04x-%04x", (unsigned)pc->min_version & 0xffff,
                (unsigned)pc->max_version & 0xffff);
    put_part(f, "ALPN", pc->alpn);
    put_part(f, "SNI", pc->sni);
    put_part(f, "CIPHER", pc->ciphers);
    put_part(f, "CIPHER13", pc->ciphersuites);
    put_part(f, "CURVES", pc->groups);
    put_part(f, "CCERT", pc->client_cert);
#if TL_TLSLIB_OPENSSL
    fprintf(f, ":IMPL-OpenSSL/%s", OpenSSL_version(OPENSSL_VERSION_STRING));
#else
    fprintf(f, ":IMPL-%s", tl_tlslib_name());
#endif
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(key);
        tl_error_set(err, "out of memory");
        return NULL;
    }
    return key;
}

char *tl_peer_key_for_world(const tl_world *w, const tl_handshake_opts *opts,
                            tl_error *err)
{
    const tl_world_config *cfg = tl_world_get_config(w);
    tl_peer_config pc = { 0 };
    int version = cfg->tls_version;

    if (opts != NULL && opts->client_max_version != 0)
        version = opts->client_max_version;
    pc.host = TL_SERVER_NAME;
    pc.port = 443;
    pc.min_version = version;
    pc.max_version = version;
    pc.alpn = opts != NULL && opts->alpn != NULL ? opts->alpn : cfg->alpn;
    pc.sni = opts != NULL && opts->sni != NULL ? opts->sni : TL_SERVER_NAME;
    return tl_peer_key_make(&pc, err);
}


int tl_shash_make(const unsigned char salt[32], const char *peer_key,
                  unsigned char out[TL_SHASH_LEN], tl_error *err)
{
    const EVP_MD *md = tl_hmac_sha256();   /* OpenSSL 3's HMAC() would fetch it per call */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc;

    memcpy(out, salt, SALT_LEN);
    rc = md == NULL || ctx == NULL
         || tl_hmac(ctx, md, salt, SALT_LEN, (const unsigned char *)peer_key,
                    strlen(peer_key), out + SALT_LEN) != 0;
    EVP_MD_CTX_free(ctx);
    if (rc)
        return tl_error_set_ssl(err, "cannot compute HMAC-SHA256 of the peer key");
    return 0;
}

/* 1 if HMAC(salt, key) == hmac, 0 if not or on failure. */
static int hmac_matches(const unsigned char *salt, const unsigned char *hmac,
                        const char *key)
{
    unsigned char mine[TL_SHASH_LEN];

    if (tl_shash_make(salt, key, mine, NULL) != 0)
        return 0;
    return CRYPTO_memcmp(mine + SALT_LEN, hmac, HMAC_LEN) == 0;
}

/* --- cache structure -------------------------------------------------- */

tl_cache *tl_cache_new(size_t capacity, tl_error *err)
{
    tl_cache *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        tl_error_set(err, "out of memory");
        return NULL;
    }
    c->capacity = capacity ? capacity : TL_CACHE_DEFAULT_CAPACITY;
    c->entries = calloc(c->capacity + 1, sizeof(*c->entries));
    if (c->entries == NULL) {
        free(c);
        tl_error_set(err, "out of memory");
        return NULL;
    }
    return c;
}

static void peer_unref(tl_cache *c, peer *p)
{
    if (--p->refs > 0)
        return;
    for (size_t i = 0; i < c->npeers; i++) {
        if (c->peers[i] == p) {
            c->peers[i] = c->peers[--c->npeers];
            break;
        }
    }
    free(p->key);
    free(p);
}

static void remove_entry(tl_cache *c, size_t i)
{
    peer *p = c->entries[i].peer;

    tl_sdata_clear(&c->entries[i].s);
    memmove(&c->entries[i], &c->entries[i + 1], (c->n - i - 1) * sizeof(entry));
    c->n--;
    peer_unref(c, p);
}

void tl_cache_free(tl_cache *c)
{
    if (c == NULL)
        return;
    while (c->n > 0)
        remove_entry(c, c->n - 1);
    free(c->entries);
    free(c->peers);
    free(c);
}

size_t tl_cache_size(const tl_cache *c)
{
    return c->n;
}

static int expired(const entry *e, int64_t now)
{
    return e->s.valid_until < now;
}

static void purge_expired(tl_cache *c)
{
    int64_t now = tl_clock_now();

    for (size_t i = c->n; i-- > 0;)
        if (expired(&c->entries[i], now))
            remove_entry(c, i);
}

static peer *new_peer(tl_cache *c, const char *key, tl_error *err)
{
    peer *p;

    if (c->npeers == c->peers_cap) {
        size_t cap = c->peers_cap ? c->peers_cap * 2 : 8;
        peer **q = realloc(c->peers, cap * sizeof(*q));

        if (q == NULL) {
            tl_error_set(err, "out of memory");
            return NULL;
        }
        c->peers = q;
        c->peers_cap = cap;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL || (key != NULL && (p->key = strdup(key)) == NULL)) {
        free(p);
        tl_error_set(err, "out of memory");
        return NULL;
    }
    c->peers[c->npeers++] = p;
    return p;
}

/* The peer with this key, recovering the key of a hash-only peer. */
static peer *find_by_key(tl_cache *c, const char *key)
{
    for (size_t i = 0; i < c->npeers; i++)
        if (c->peers[i]->key != NULL && strcmp(c->peers[i]->key, key) == 0)
            return c->peers[i];
    for (size_t i = 0; i < c->npeers; i++) {
        peer *p = c->peers[i];

        if (p->key == NULL && p->hmac_set && hmac_matches(p->salt, p->hmac, key)) {
            char *k = strdup(key);

            if (k == NULL)
                return NULL;
            p->key = k;
            return p;
        }
    }
    return NULL;
}

static peer *find_by_hash(tl_cache *c, const unsigned char *shash)
{
    const unsigned char *salt = shash, *hmac = shash + SALT_LEN;

    for (size_t i = 0; i < c->npeers; i++) {
        peer *p = c->peers[i];

        if (p->hmac_set && CRYPTO_memcmp(p->salt, salt, SALT_LEN) == 0
            && CRYPTO_memcmp(p->hmac, hmac, HMAC_LEN) == 0)
            return p;
        if (p->key != NULL && hmac_matches(salt, hmac, p->key)) {
            if (!p->hmac_set) {
                memcpy(p->salt, salt, SALT_LEN);
                memcpy(p->hmac, hmac, HMAC_LEN);
                p->hmac_set = 1;
            }
            return p;
        }
    }
    return NULL;
}

/*
 * Add e (its peer already counts it) the way curl does: a pre-1.3 session
 * replaces the peer's others; a 1.3 one drops the peer's expired and
 * pre-1.3 sessions. Then evict the oldest entries beyond capacity.
 */
static void add_entry(tl_cache *c, entry *e)
{
    int64_t now = tl_clock_now();

    for (size_t i = c->n; i-- > 0;) {
        entry *o = &c->entries[i];

        if (o->peer != e->peer)
            continue;
        if (e->s.ietf_id != 0x0304 || o->s.ietf_id != 0x0304 || expired(o, now))
            remove_entry(c, i);
    }
    c->entries[c->n++] = *e;   /* room for capacity + 1 */
    while (c->n > c->capacity)
        remove_entry(c, 0);
}

/* --- put / take ------------------------------------------------------- */

static int sdata_from_session(const SSL_SESSION *sess, tl_sdata *s, tl_error *err)
{
    const unsigned char *alpn = NULL;
    size_t alpn_len = 0;
    unsigned char *p;
    int der_len = i2d_SSL_SESSION((SSL_SESSION *)sess, NULL);
    int64_t lifetime, cap;

    memset(s, 0, sizeof(*s));
    if (der_len <= 0)
        return tl_error_set_ssl(err, "cannot encode the session");
    if (der_len > 0xffff)
        return tl_error_set(err, "the session encodes to %d bytes, over curl's 65535",
                            der_len);
    s->ticket = malloc((size_t)der_len);
    if (s->ticket == NULL)
        return tl_error_set(err, "out of memory");
    p = s->ticket;
    if (i2d_SSL_SESSION((SSL_SESSION *)sess, &p) != der_len) {
        tl_sdata_clear(s);
        return tl_error_set_ssl(err, "cannot encode the session");
    }
    s->ticket_len = (size_t)der_len;
    s->ietf_id = (uint16_t)SSL_SESSION_get_protocol_version(sess);
    lifetime = (int64_t)SSL_SESSION_get_timeout(sess);
    cap = s->ietf_id == 0x0304 ? TL_CACHE_MAX_13_LIFETIME : TL_CACHE_MAX_12_LIFETIME;
    if (lifetime > cap)
        lifetime = cap;
    s->valid_until = tl_clock_now() + lifetime;
    SSL_SESSION_get0_alpn_selected(sess, &alpn, &alpn_len);
    if (alpn != NULL && alpn_len > 0) {
        s->alpn = malloc(alpn_len + 1);
        if (s->alpn == NULL) {
            tl_sdata_clear(s);
            return tl_error_set(err, "out of memory");
        }
        memcpy(s->alpn, alpn, alpn_len);
        s->alpn[alpn_len] = '\0';
    }
    s->earlydata_max = SSL_SESSION_get_max_early_data(sess);
    return 0;
}

/* Take ownership of s (cleared on every path) into a new entry of key/hash. */
static int store(tl_cache *c, const char *key, const unsigned char *shash,
                 tl_sdata *s, int client_cert, tl_error *err)
{
    entry e = { 0 };
    peer *p = key != NULL ? find_by_key(c, key) : find_by_hash(c, shash);

    if (p == NULL) {
        p = new_peer(c, key, err);
        if (p == NULL) {
            tl_sdata_clear(s);
            return -1;
        }
        if (key == NULL) {
            memcpy(p->salt, shash, SALT_LEN);
            memcpy(p->hmac, shash + SALT_LEN, HMAC_LEN);
            p->hmac_set = 1;
        }
    }
    p->refs++;
    e.peer = p;
    e.s = *s;
    e.client_cert = client_cert;
    memset(s, 0, sizeof(*s));
    add_entry(c, &e);
    return 0;
}

int tl_cache_put(tl_cache *c, const char *peer_key, const SSL_SESSION *sess,
                 unsigned flags, tl_error *err)
{
    tl_sdata s;

    if (peer_key == NULL || sess == NULL)
        return tl_error_set(err, "tl_cache_put needs a peer key and a session");
    if (!SSL_SESSION_is_resumable(sess))
        return 0;
    if (sdata_from_session(sess, &s, err) != 0)
        return -1;
    if (s.valid_until < tl_clock_now()) {
        tl_sdata_clear(&s);
        return 0;
    }
    return store(c, peer_key, NULL, &s, (flags & TL_CACHE_CLIENT_CERT) != 0, err);
}

/* d2i the whole of der into a session, or NULL. The parse is remembered
 * (sessder_memo.h): a client stores a session, exports it, imports it and
 * takes it back, and each step would otherwise decode the peer's
 * certificate again. */
static SSL_SESSION *parse_der(const unsigned char *der, size_t len)
{
    size_t used = 0;
    SSL_SESSION *sess;

    if (len == 0 || len > 0xffff)
        return NULL;
    sess = tl_session_d2i_memo_used(der, len, &used);
    if (sess != NULL && used != len) {
        SSL_SESSION_free(sess);
        sess = NULL;
    }
    return sess;
}

/*
 * The protocol version of the session in der, or -1 when der is not exactly
 * one DER SSL_SESSION. d2i_SSL_SESSION is a pure function of the bytes and
 * costs far more than the rest of an import (it decodes the peer's
 * certificate and key through OpenSSL 3's decoders), and a fuzzer or a
 * session file offers the same session bytes again and again: the last few
 * answers are remembered, keyed by the bytes themselves.
 * TICKETLAB_NO_MEMO=1 turns the memory off (ci/bench.sh measures both).
 */
#define DER_MEMO_SLOTS 8

static struct der_memo {
    unsigned char *der;
    size_t len;
    int version;
} der_memo[DER_MEMO_SLOTS];
static size_t der_memo_next;

static int der_session_version(const unsigned char *der, size_t len)
{
    int memo_off = !tl_memo_enabled();
    SSL_SESSION *sess;
    struct der_memo *m;
    int version;

    for (size_t i = 0; i < DER_MEMO_SLOTS && !memo_off; i++)
        if (der_memo[i].der != NULL && der_memo[i].len == len && memcmp(der_memo[i].der, der, len) == 0)
            return der_memo[i].version;
    sess = parse_der(der, len);
    version = sess != NULL ? SSL_SESSION_get_protocol_version(sess) : -1;
    SSL_SESSION_free(sess);
    if (len == 0 || memo_off)
        return version;
    m = &der_memo[der_memo_next];
    free(m->der);
    m->der = malloc(len);
    m->len = len;
    m->version = version;
    if (m->der != NULL) {
        memcpy(m->der, der, len);
        der_memo_next = (der_memo_next + 1) % DER_MEMO_SLOTS;
    }
    return version;
}

int tl_cache_take(tl_cache *c, const char *peer_key, SSL_SESSION **out,
                  tl_error *err)
{
    peer *p;

    *out = NULL;
    purge_expired(c);
    p = find_by_key(c, peer_key);
    if (p == NULL)
        return 0;
    for (size_t i = 0; i < c->n; i++) {
        entry *e = &c->entries[i];
        SSL_SESSION *sess;

        if (e->peer != p)
            continue;
        sess = parse_der(e->s.ticket, e->s.ticket_len);
        if (sess == NULL) {
            remove_entry(c, i);
            return tl_error_set_ssl(err, "%s: a cached session no longer parses",
                                    peer_key);
        }
        if (e->s.ietf_id == 0x0304)
            remove_entry(c, i);   /* one use only (RFC 8446 C.4) */
        *out = sess;
        return 0;
    }
    return 0;
}

size_t tl_cache_count(tl_cache *c, const char *peer_key,
                      const unsigned char *shash, size_t shash_len)
{
    peer *p = NULL;
    size_t n = 0;

    purge_expired(c);
    if (peer_key != NULL)
        p = find_by_key(c, peer_key);
    else if (shash != NULL && shash_len == TL_SHASH_LEN)
        p = find_by_hash(c, shash);
    if (p == NULL)
        return 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->entries[i].peer == p;
    return n;
}

/* --- import / export -------------------------------------------------- */

static int refuse(tl_spack_err *why, tl_spack_err e, tl_error *err,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int refuse(tl_spack_err *why, tl_spack_err e, tl_error *err,
                  const char *fmt, ...)
{
    va_list ap;

    if (why != NULL)
        *why = e;
    if (err != NULL) {
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return -1;
}

int tl_cache_import(tl_cache *c, const char *peer_key,
                    const unsigned char *shash, size_t shash_len,
                    const unsigned char *sdata, size_t sdata_len,
                    tl_spack_err *why, tl_error *err)
{
    tl_sdata s;
    tl_spack_err e;
    int version;

    if (why != NULL)
        *why = TL_SPACK_OK;
    if (peer_key == NULL && shash == NULL)
        return refuse(why, TL_SPACK_ERR_NO_PEER, err,
                      "an import needs a peer key or a salted hash");
    if (peer_key == NULL && shash_len != TL_SHASH_LEN)
        return refuse(why, TL_SPACK_ERR_BAD_SHASH_SIZE, err,
                      "the salted hash is %zu bytes, expected 64 (32 salt, 32 HMAC)",
                      shash_len);
    e = tl_sdata_unpack(sdata, sdata_len, &s, err);
    if (e != TL_SPACK_OK) {
        if (why != NULL)
            *why = e;
        return -1;
    }
    version = der_session_version(s.ticket, s.ticket_len);
    if (version < 0) {
        ERR_clear_error();
        tl_sdata_clear(&s);
        return refuse(why, TL_SPACK_ERR_BAD_SESSION, err,
                      "the ticket field is not a DER SSL_SESSION");
    }
    if (version != s.ietf_id) {
        unsigned id = s.ietf_id;

        tl_sdata_clear(&s);
        return refuse(why, TL_SPACK_ERR_VERSION_MISMATCH, err,
                      "the TLS version id is 0x%04x but the session is 0x%04x",
                      id, (unsigned)version);
    }
    if (s.valid_until < tl_clock_now()) {
        long long vu = (long long)s.valid_until;

        tl_sdata_clear(&s);
        return refuse(why, TL_SPACK_ERR_EXPIRED, err,
                      "valid-until %lld is in the past (now %lld)", vu,
                      (long long)tl_clock_now());
    }
    if (store(c, peer_key, peer_key ? NULL : shash, &s, 0, err) != 0) {
        if (why != NULL)
            *why = TL_SPACK_ERR_NOMEM;
        return -1;
    }
    return 0;
}

static int peer_hash(peer *p, tl_error *err)
{
    unsigned char shash[TL_SHASH_LEN];

    if (p->hmac_set)
        return 0;
    tl_rng_bytes(p->salt, SALT_LEN);
    if (tl_shash_make(p->salt, p->key, shash, err) != 0)
        return -1;
    memcpy(p->hmac, shash + SALT_LEN, HMAC_LEN);
    p->hmac_set = 1;
    return 0;
}

int tl_cache_export(tl_cache *c, tl_cache_export_fn fn, void *userp,
                    int *fn_rc, tl_error *err)
{
    if (fn_rc != NULL)
        *fn_rc = 0;
    if (fn == NULL)
        return tl_error_set(err, "tl_cache_export needs a callback");
    purge_expired(c);
    for (size_t i = 0; i < c->n; i++) {
        entry *e = &c->entries[i];
        unsigned char shash[TL_SHASH_LEN], *sdata;
        size_t sdata_len;
        int rc;

        if (e->client_cert)
            continue;
        if (peer_hash(e->peer, err) != 0)
            return -1;
        memcpy(shash, e->peer->salt, SALT_LEN);
        memcpy(shash + SALT_LEN, e->peer->hmac, HMAC_LEN);
        if (tl_sdata_pack(&e->s, &sdata, &sdata_len, err) != 0)
            return -1;
        rc = fn(userp, e->peer->key, shash, sizeof(shash), sdata, sdata_len,
                e->s.valid_until, e->s.ietf_id, e->s.alpn, e->s.earlydata_max);
        free(sdata);
        if (rc != 0) {
            if (fn_rc != NULL)
                *fn_rc = rc;
            return tl_error_set(err, "export stopped at entry %zu: the callback returned %d",
                                i + 1, rc);
        }
    }
    return 0;
}

/* --- the world's client, with a cache --------------------------------- */

int tl_cache_handshake(tl_cache *c, tl_world *w, const tl_handshake_opts *opts,
                       tl_handshake_result *res, tl_error *err)
{
    tl_handshake_opts o;
    SSL_SESSION *taken = NULL;
    char *key = tl_peer_key_for_world(w, opts, err);
    int rc;

    memset(res, 0, sizeof(*res));
    if (key == NULL)
        return -1;
    if (opts != NULL)
        o = *opts;
    else
        memset(&o, 0, sizeof(o));
    if (o.session == NULL) {
        if (tl_cache_take(c, key, &taken, err) != 0) {
            free(key);
            return -1;
        }
        o.session = taken;
    }
    rc = tl_world_handshake(w, &o, res, err);
    SSL_SESSION_free(taken);
    for (size_t i = 0; rc == 0 && i < res->n_sessions && i < TL_MAX_TICKETS; i++)
        if (res->sessions[i] != NULL)
            rc = tl_cache_put(c, key, res->sessions[i], 0, err);
    free(key);
    return rc;
}
