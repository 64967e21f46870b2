/* probe.c - server-only runs against an edited ClientHello; see probe.h. */
#include "probe.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#if !TL_TLSLIB_OPENSSL
#include <openssl/obj.h>
#endif

#include "bytes.h"
#include "hmac.h"
#include "tlskdf.h"
#include "ossl_compat.h"
#include "ticketlab/rng.h"

#define EXT_SESSION_TICKET 35
#define EXT_PRE_SHARED_KEY 41
#define BINDER_HASHES 2      /* kept at once: TLS 1.3 has SHA-256 and SHA-384 */

/* A binder hash, fetched once with a context kept for it: in OpenSSL 3 a
 * fetch and a new context cost more than the hashing (hmac.h), and a fuzz
 * target computes a binder per input. */
typedef struct binder_hash {
    char name[32];            /* the digest's name; "" unused */
    const EVP_MD *md;
    EVP_MD_CTX *ctx;
    unsigned char empty_hash[EVP_MAX_MD_SIZE];   /* Hash(""), for Derive-Secret */
} binder_hash;

struct tl_probe {
    tl_world *world;
    int tls13;
    unsigned char *hello;     /* the captured record */
    size_t hello_len;
    size_t ticket_off;        /* where the ticket starts in hello */
    size_t ticket_len;
    /* Offsets of the length fields that cover the ticket. */
    size_t record_len_off;    /* u16 */
    size_t hs_len_off;        /* u24 */
    size_t exts_len_off;      /* u16 */
    size_t ext_len_off;       /* u16 */
    size_t ids_len_off;       /* u16, TLS 1.3 only */
    size_t id_len_off;        /* u16, TLS 1.3 only (the ticket's own length) */
    /* TLS 1.3: the binders list (u16 length, then u8 length and bytes of
     * each binder) ends the record; we edit the first binder. TLS 1.2:
     * binder_off = hello_len and binder_len = 0, an empty region. */
    size_t binders_len_off;   /* u16 */
    size_t binder_off;        /* the first binder's bytes (its u8 length just before) */
    size_t binder_len;
    int early;                /* TLS 1.3: the ClientHello offers early data */
    uint32_t server_early;    /* > 0: the probe's server takes this much, no anti-replay */
    SSL_SESSION *session;     /* the session the probe was built from (a reference) */
    unsigned char *buf;       /* the edited record */
    size_t buf_len;           /* its length after the last run, 0 before */
    SSL *server;
    BIO *to_server;           /* our end of the pair */
    BIO *server_end;          /* the server's end (a reference of our own: kept for the next server) */
    tl_probe_result *cur;
    binder_hash hashes[BINDER_HASHES];
};

static void binder_hash_drop(binder_hash *h);

/* get16 / put16 / add16 / add24 edit the length fields of the copy in
 * place, at offsets locate_ticket() checked. */
static size_t get16(const unsigned char *p)
{
    return (size_t)p[0] << 8 | p[1];
}

static void put16(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void add16(unsigned char *p, long delta)
{
    put16(p, (size_t)((long)get16(p) + delta));
}

/* The offset of q, a pointer into the captured ClientHello. */
static size_t at(const tl_probe *p, const unsigned char *q)
{
    return (size_t)(q - p->hello);
}

/*
 * TLS 1.3: the pre_shared_key extension whose `len` bytes start at `ext`.
 * Only the first identity and the first binder matter. The binder
 * transcript is the whole handshake message up to the binders, so the
 * extension must end the message (RFC 8446 4.2.11 wants it last anyway):
 * the caller checks that. Returns 0, or -1 when the extension is malformed.
 */
static int locate_psk(tl_probe *p, const unsigned char *ext, size_t len)
{
    tl_bytes x, ids;
    const unsigned char *ids_body, *ticket, *binder;
    size_t ids_len;
    uint16_t binders_len;

    tl_bytes_init(&x, ext, len);
    if (tl_bytes_vec16(&x, &ids_body, &ids_len) != 0)
        return -1;
    p->ids_len_off = at(p, ext);
    p->id_len_off = p->ids_len_off + 2;
    p->binders_len_off = at(p, ids_body) + ids_len;
    tl_bytes_init(&ids, ids_body, ids_len);
    /* the first identity: the ticket, then its 4-byte obfuscated age */
    if (tl_bytes_vec16(&ids, &ticket, &p->ticket_len) != 0 || tl_bytes_left(&ids) < 4)
        return -1;
    p->ticket_off = at(p, ticket);
    if (tl_bytes_u16(&x, &binders_len) != 0 || binders_len != tl_bytes_left(&x)
        || tl_bytes_vec8(&x, &binder, &p->binder_len) != 0 || p->binder_len == 0)
        return -1;
    p->binder_off = at(p, binder);
    return 0;
}

/* Walk the ClientHello and remember where the ticket and its lengths are. */
static int locate_ticket(tl_probe *p, tl_error *err)
{
    const unsigned char *h = p->hello, *exts_body, *ext;
    size_t n = p->hello_len, exts_len, len;
    tl_bytes c, exts;
    uint16_t type;
    uint32_t hs_len;

    if (n < 5 + 4 + 2 + 32 + 1 || h[0] != SSL3_RT_HANDSHAKE || h[5] != SSL3_MT_CLIENT_HELLO)
        return tl_error_set(err, "the captured first flight is not a ClientHello record");
    p->record_len_off = 3;
    p->hs_len_off = 6;
    tl_bytes_init(&c, h, n);
    if (tl_bytes_take(&c, 6, NULL) != 0 || tl_bytes_u24(&c, &hs_len) != 0
        || tl_bytes_take(&c, 2 + 32, NULL) != 0           /* legacy_version, random */
        || tl_bytes_vec8(&c, NULL, NULL) != 0              /* session id */
        || tl_bytes_vec16(&c, NULL, NULL) != 0             /* cipher suites */
        || tl_bytes_vec8(&c, NULL, NULL) != 0)             /* compression methods */
        goto bad;
    p->exts_len_off = c.off;
    if (tl_bytes_vec16(&c, &exts_body, &exts_len) != 0)
        goto bad;
    tl_bytes_init(&exts, exts_body, exts_len);
    while (tl_bytes_left(&exts) >= 4) {
        if (tl_bytes_u16(&exts, &type) != 0 || tl_bytes_vec16(&exts, &ext, &len) != 0)
            goto bad;
        p->ext_len_off = at(p, ext) - 2;
        if (!p->tls13 && type == EXT_SESSION_TICKET) {
            p->ticket_off = at(p, ext);
            p->ticket_len = len;
            p->binder_off = n;
            p->binder_len = 0;
            return 0;
        }
        if (p->tls13 && type == EXT_PRE_SHARED_KEY && len >= 4) {
            /* the extension ends the message and the message the record */
            if (locate_psk(p, ext, len) != 0 || tl_bytes_left(&exts) != 0
                || tl_bytes_left(&c) != 0 || hs_len != n - 9)
                goto bad;
            return 0;
        }
    }
    return tl_error_set(err, "the client offered no ticket: is the session resumable and "
                             "of the world's TLS version?");
bad:
    return tl_error_set(err, "the captured ClientHello is malformed");
}

/*
 * The client writes its first flight. A TLS 1.3 session that allows early
 * data gets it offered, the way a client that has 0-RTT data writes it
 * (SSL_write_early_data): then the ClientHello carries the early_data
 * extension, and the records after it (0-RTT data) are not kept. Returns
 * 1 when the flight is written, 0 when the client did not stop after it.
 */
static int first_flight(tl_probe *p, SSL *c, SSL_SESSION *session)
{
    static const unsigned char zero_rtt[] = "early";
    size_t written = 0;

    p->early = p->tls13 && SSL_SESSION_get_max_early_data(session) > 0;
#if TL_TLSLIB_OPENSSL
    if (p->early)
        return SSL_write_early_data(c, zero_rtt, sizeof(zero_rtt) - 1, &written) == 1;
#else
    (void)zero_rtt;
    (void)written;
#endif
    return SSL_do_handshake(c) <= 0 && SSL_get_error(c, -1) == SSL_ERROR_WANT_READ;
}

/* The size of the first TLS record in len bytes at data, its 5-byte
 * header included; 0 when not even the header is there. */
static size_t first_record_len(const unsigned char *data, size_t len)
{
    tl_bytes c;
    uint16_t n;

    tl_bytes_init(&c, data, len);
    if (tl_bytes_take(&c, 3, NULL) != 0 || tl_bytes_u16(&c, &n) != 0)
        return 0;
    return 5 + (size_t)n;
}

static int capture(tl_probe *p, SSL_SESSION *session, tl_error *err)
{
    SSL *c = SSL_new(tl_world_client_ctx(p->world));
    BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
    char *data;
    long len;
    size_t record;
    int rc = -1;

    if (c == NULL || rbio == NULL || wbio == NULL) {
        BIO_free(rbio);
        BIO_free(wbio);
        tl_error_set_ssl(err, "cannot make the client for the capture");
        goto done;
    }
    SSL_set_bio(c, rbio, wbio);
    SSL_set_connect_state(c);
    if (!SSL_set_tlsext_host_name(c, TL_SERVER_NAME) || SSL_set_session(c, session) != 1) {
        tl_error_set_ssl(err, "the client refuses the session");
        goto done;
    }
    if (!first_flight(p, c, session)) {
        tl_error_set_ssl(err, "the client did not stop after its ClientHello");
        goto done;
    }
    len = BIO_get_mem_data(wbio, &data);
    record = len > 5 ? first_record_len((unsigned char *)data, (size_t)len) : 0;
    if (p->early && len > 5 && (size_t)len > record)
        len = (long)record;   /* the 0-RTT records go */
    if (len <= 5 || (size_t)len != record) {
        tl_error_set(err, "the ClientHello is not exactly one record (%ld bytes)", len);
        goto done;
    }
    p->hello = malloc((size_t)len);
    /* Room for the longest ticket and a binder grown to the longest hash. */
    p->buf = malloc((size_t)len + TL_PROBE_MAX_TICKET + EVP_MAX_MD_SIZE);
    if (p->hello == NULL || p->buf == NULL) {
        tl_error_set(err, "out of memory");
        goto done;
    }
    memcpy(p->hello, data, (size_t)len);
    p->hello_len = (size_t)len;
    rc = locate_ticket(p, err);
done:
    SSL_free(c);
    ERR_clear_error();
    return rc;
}

static void server_msg_cb(int write_p, int version, int content_type,
                          const void *buf, size_t len, SSL *s, void *arg)
{
    tl_probe *p = arg;
    const unsigned char *m = buf;

    if (p->cur != NULL && write_p && content_type == SSL3_RT_HANDSHAKE && len > 0
        && m[0] == SSL3_MT_NEWSESSION_TICKET)
        p->cur->nst_sent++;
}

/* The probe running now: runs are synchronous and single-threaded, and
 * OpenSSL has no getter for the message callback's argument. */
static tl_probe *running;

static void server_info_cb(const SSL *s, int where, int ret)
{
    tl_probe *p = running;

    if (p != NULL && p->cur != NULL && (where & SSL_CB_ALERT) && (where & SSL_CB_WRITE)
        && p->cur->alert_sent < 0)
        p->cur->alert_sent = ret & 0xff;
}

/* Full handshakes stop here, after every ticket decision and before the
 * key share and the signature: -1 suspends the handshake
 * (SSL_ERROR_WANT_X509_LOOKUP). tls_post_process_client_hello() calls the
 * certificate callback only when the session was not resumed. */
static int pause_before_crypto(SSL *s, void *arg)
{
    return -1;
}

/* A fresh server SSL for the probe (the old one, if any, freed) on the
 * probe's BIO pair, emptied both ways (made on the first call: two 64 KB
 * buffers are not worth making again for every fuzz input). Returns 0, or
 * -1 with err. */
static int new_server(tl_probe *p, tl_error *err)
{
    SSL_free(p->server);
    p->server = SSL_new(tl_world_server_ctx(p->world));
    if (p->server == NULL || tl_issuer_bind(p->server, tl_world_issuer(p->world)) != 0)
        return tl_error_set_ssl(err, "cannot make the probe's server");
    if (p->to_server == NULL && !BIO_new_bio_pair(&p->server_end, 64 * 1024, &p->to_server, 64 * 1024))
        return tl_error_set_ssl(err, "cannot make the probe's BIO pair");
    if (BIO_reset(p->to_server) < 0 || BIO_reset(p->server_end) < 0 || !BIO_up_ref(p->server_end))
        return tl_error_set_ssl(err, "cannot reuse the probe's BIO pair");
    /* The SSL takes one reference (the same BIO both ways); ours stays. */
    SSL_set_bio(p->server, p->server_end, p->server_end);
    SSL_set_msg_callback(p->server, server_msg_cb);
    SSL_set_msg_callback_arg(p->server, p);
    SSL_set_info_callback(p->server, server_info_cb);
    SSL_set_cert_cb(p->server, pause_before_crypto, NULL);
#if TL_TLSLIB_OPENSSL
    if (p->server_early > 0) {
        /* Without anti-replay the server still decrypts its tickets
         * (tls_parse_ctos_psk would look them up as stateful ones). */
        SSL_set_options(p->server, SSL_OP_NO_ANTI_REPLAY);
        if (!SSL_set_max_early_data(p->server, p->server_early))
            return tl_error_set_ssl(err, "the probe's server refuses early data");
    }
#endif
    return 0;
}

tl_probe *tl_probe_new(tl_world *w, SSL_SESSION *session, tl_error *err)
{
    return tl_probe_new_early(w, session, 0, err);
}

tl_probe *tl_probe_new_early(tl_world *w, SSL_SESSION *session, uint32_t early, tl_error *err)
{
    tl_probe *p;
    SSL_SESSION *offer = NULL;

    if (session == NULL)
        return tl_error_set(err, "a probe needs a session with a ticket"), NULL;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return tl_error_set(err, "out of memory"), NULL;
    p->world = w;
    p->tls13 = tl_world_get_config(w)->tls_version == TLS1_3_VERSION;
    if (p->tls13 && early > 0 && tl_tlslib_lacks(TL_API_EARLY_DATA_RW) != NULL) {
        tl_error_set(err, "%s", tl_tlslib_lacks(TL_API_EARLY_DATA_RW));
        goto fail;
    }
#if TL_TLSLIB_OPENSSL
    if (p->tls13 && early > 0) {
        /* The client offers early data only for a session that allows it;
         * a copy that does carries the very same ticket. */
        offer = SSL_SESSION_dup(session);
        if (offer == NULL || !SSL_SESSION_set_max_early_data(offer, early)) {
            tl_error_set_ssl(err, "cannot copy the session to offer early data");
            goto fail;
        }
        p->server_early = early;
    }
#endif
    if (capture(p, offer != NULL ? offer : session, err) != 0)
        goto fail;
    SSL_SESSION_free(offer);
    offer = NULL;
    if (SSL_SESSION_up_ref(session) != 1) {
        tl_error_set_ssl(err, "cannot keep a reference to the session");
        goto fail;
    }
    p->session = session;
    if (new_server(p, err) != 0)
        goto fail;
    return p;
fail:
    SSL_SESSION_free(offer);
    tl_probe_free(p);
    return NULL;
}

void tl_probe_free(tl_probe *p)
{
    if (p == NULL)
        return;
    SSL_free(p->server);
    BIO_free(p->server_end);
    BIO_free(p->to_server);
    SSL_SESSION_free(p->session);
    for (int i = 0; i < BINDER_HASHES; i++) {
        binder_hash_drop(&p->hashes[i]);
    }
    free(p->hello);
    free(p->buf);
    free(p);
}

static void add24(unsigned char *p, long delta)
{
    size_t v = ((size_t)p[0] << 16 | get16(p + 1)) + (size_t)delta;

    p[0] = (unsigned char)(v >> 16);
    put16(p + 1, v & 0xffff);
}

/*
 * Copy the ClientHello with `ticket` in place of the captured one and, in
 * TLS 1.3, room for a first binder of `binder_len` bytes (the captured
 * binder when the size is unchanged, zeros otherwise), every length that
 * covers either fixed. Returns the record's length.
 */
static size_t edit_hello(tl_probe *p, const unsigned char *ticket, size_t len, size_t binder_len)
{
    long dt = (long)len - (long)p->ticket_len;
    long db = (long)binder_len - (long)p->binder_len;
    size_t ticket_end = p->ticket_off + p->ticket_len;
    size_t binder_end = p->binder_off + p->binder_len;
    unsigned char *b = p->buf, *o;

    memcpy(b, p->hello, p->ticket_off);
    o = b + p->ticket_off;
    if (len)
        memcpy(o, ticket, len);
    o += len;
    memcpy(o, p->hello + ticket_end, p->binder_off - ticket_end);
    o += p->binder_off - ticket_end;
    if (db == 0)
        memcpy(o, p->hello + p->binder_off, binder_len);
    else
        memset(o, 0, binder_len);
    o += binder_len;
    memcpy(o, p->hello + binder_end, p->hello_len - binder_end);
    add16(b + p->record_len_off, dt + db);
    add24(b + p->hs_len_off, dt + db);
    add16(b + p->exts_len_off, dt + db);
    add16(b + p->ext_len_off, dt + db);
    if (p->tls13) {
        add16(b + p->ids_len_off, dt);
        put16(b + p->id_len_off, len);
        add16(b + (size_t)((long)p->binders_len_off + dt), db);
        b[(size_t)((long)p->binder_off + dt) - 1] = (unsigned char)binder_len;
    }
    return p->hello_len + (size_t)(dt + db);
}

#if TL_TLSLIB_OPENSSL
typedef OSSL_LIB_CTX probe_lib;
#define probe_lib_get(err) tl_libctx(err)
#define probe_md_name EVP_MD_get0_name
#define probe_md_fetch(lib, name) EVP_MD_fetch((lib), (name), NULL)
#define probe_md_free(md) EVP_MD_free((EVP_MD *)(md))
#else
/* BoringSSL and AWS-LC: no library contexts and no fetching; the EVP_MD
 * the name stands for. */
typedef const char probe_lib;
#define probe_lib_get(err) ((void)(err), "")
#define probe_md_fetch(lib, name) ((void)(lib), EVP_get_digestbyname(name))
#define probe_md_free(md) ((void)(md))

/* The digest's name as EVP_get_digestbyname knows it ("SHA256", "SHA384",
 * and "SHA1" for the TLS 1.2 suites a fuzzed session may name). */
static const char *probe_md_name(const EVP_MD *md)
{
    return OBJ_nid2sn(EVP_MD_type(md));
}
#endif

/* Forget binder hash h (its digest and context freed). */
static void binder_hash_drop(binder_hash *h)
{
    probe_md_free(h->md);
    EVP_MD_CTX_free(h->ctx);
    memset(h, 0, sizeof(*h));
}

/* The hash named md and a context for it, made on first use (the older of
 * two others is dropped). Returns NULL when the library has not got it. */
static binder_hash *binder_hash_get(tl_probe *p, probe_lib *lib, const char *md)
{
    binder_hash *h = &p->hashes[BINDER_HASHES - 1];

    for (int i = 0; i < BINDER_HASHES; i++)
        if (strcmp(p->hashes[i].name, md) == 0)
            return &p->hashes[i];
    if (strlen(md) >= sizeof(h->name))
        return NULL;
    binder_hash_drop(h);
    memmove(&p->hashes[1], &p->hashes[0], (BINDER_HASHES - 1) * sizeof(*h));
    h = &p->hashes[0];
    memset(h, 0, sizeof(*h));
    h->md = probe_md_fetch(lib, md);
    h->ctx = EVP_MD_CTX_new();
    if (h->md == NULL || h->ctx == NULL || EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1
        || EVP_DigestFinal_ex(h->ctx, h->empty_hash, NULL) != 1) {
        binder_hash_drop(h);
        return NULL;
    }
    snprintf(h->name, sizeof(h->name), "%s", md);
    return h;
}

/* HMAC-hash(key, data) into out, md_len (the hash size) bytes. */
static int hmac(binder_hash *h, size_t md_len, const unsigned char *key, const unsigned char *data,
                size_t data_len, unsigned char *out)
{
    return tl_hmac(h->ctx, h->md, key, md_len, data, data_len, out);
}

/* Hash(data) into out. */
static int digest(binder_hash *h, const unsigned char *data, size_t len, unsigned char *out)
{
    return EVP_DigestInit_ex(h->ctx, h->md, NULL) && EVP_DigestUpdate(h->ctx, data, len)
           && EVP_DigestFinal_ex(h->ctx, out, NULL) ? 0 : -1;
}

/* HKDF-Expand-Label(secret, label, context, Length = Hash.length), RFC 8446 7.1. */
static int expand_label(binder_hash *h, size_t md_len,
                        const unsigned char *secret, const char *label,
                        const unsigned char *ctx, size_t ctx_len, unsigned char *out)
{
    return tl_hkdf_expand_label(h->ctx, h->md, secret, md_len, label, ctx, ctx_len, out, md_len);
}

/*
 * Write into the edited record the first binder for `psk` (RFC 8446
 * 4.2.11.2), as tls_psk_do_binder() computes it: early_secret =
 * HKDF-Extract(0, master key), binder_key = Derive-Secret(early_secret,
 * "res binder", ""), finished_key = HKDF-Expand-Label(binder_key,
 * "finished", "", Hash.length), binder = HMAC(finished_key,
 * Hash(handshake message up to the binders list)). HKDF-Extract(salt, ikm)
 * is HMAC(salt, ikm), so HMAC and the hash are all it takes.
 */
static int write_binder(tl_probe *p, long dt, const char *md, size_t md_len,
                        const SSL_SESSION *psk, tl_error *err)
{
    probe_lib *lib = probe_lib_get(err);
    binder_hash *h;
    unsigned char mk[TL_PROBE_MAX_PSK], zeros[EVP_MAX_MD_SIZE] = { 0 };
    unsigned char early[EVP_MAX_MD_SIZE];
    unsigned char binder_key[EVP_MAX_MD_SIZE], finished[EVP_MAX_MD_SIZE];
    unsigned char transcript[EVP_MAX_MD_SIZE];
    size_t mk_len = SSL_SESSION_get_master_key(psk, mk, sizeof(mk));
    size_t binders = (size_t)((long)p->binders_len_off + dt);
    int rc = 0;

    if (lib == NULL)
        return -1;
    /* The record header (5 bytes) is not part of the transcript. */
    if ((h = binder_hash_get(p, lib, md)) == NULL
        || digest(h, p->buf + 5, binders - 5, transcript) != 0
        || hmac(h, md_len, zeros, mk, mk_len, early) != 0
        || expand_label(h, md_len, early, "res binder", h->empty_hash, md_len, binder_key) != 0
        || expand_label(h, md_len, binder_key, "finished", NULL, 0, finished) != 0
        || hmac(h, md_len, finished, transcript, md_len, p->buf + binders + 3) != 0)
        rc = tl_error_set_ssl(err, "cannot compute the %s binder", md);
    OPENSSL_cleanse(mk, sizeof(mk));
    OPENSSL_cleanse(early, sizeof(early));
    OPENSSL_cleanse(binder_key, sizeof(binder_key));
    OPENSSL_cleanse(finished, sizeof(finished));
    return rc;
}

/* The record for this run in p->buf: ticket replaced, binder recomputed
 * from psk when given. Returns its length, 0 with err on failure. */
static size_t build_hello(tl_probe *p, const unsigned char *ticket, size_t len,
                          const SSL_SESSION *psk, tl_error *err)
{
    const SSL_CIPHER *c;
    const EVP_MD *md;
    const char *md_name;
    int md_len;
    size_t n;

    if (psk == NULL)
        return edit_hello(p, ticket, len, p->binder_len);
    if (!p->tls13)
        return tl_error_set(err, "a PSK binder exists only in TLS 1.3, this probe is TLS 1.2"), 0;
    c = SSL_SESSION_get0_cipher(psk);
    md = c != NULL ? SSL_CIPHER_get_handshake_digest(c) : NULL;
    md_name = md != NULL ? probe_md_name(md) : NULL;
    md_len = md != NULL ? EVP_MD_get_size(md) : 0;
    if (md_name == NULL || md_len <= 0 || md_len > EVP_MAX_MD_SIZE)
        return tl_error_set(err, "the PSK session has no cipher with a handshake digest (%s)",
                            c != NULL ? SSL_CIPHER_get_name(c) : "no cipher"), 0;
    if (SSL_SESSION_get_master_key(psk, NULL, 0) > TL_PROBE_MAX_PSK)
        return tl_error_set(err, "the PSK session's master key is longer than %d bytes",
                            TL_PROBE_MAX_PSK), 0;
    n = edit_hello(p, ticket, len, (size_t)md_len);
    if (write_binder(p, (long)len - (long)p->ticket_len, md_name, (size_t)md_len, psk, err) != 0)
        return 0;
    return n;
}

/*
 * The server's step on the ClientHello: SSL_do_handshake(), or, when the
 * ClientHello offers early data, SSL_read_early_data() as a server that
 * takes 0-RTT data calls it, so that it decides on the early data
 * (final_early_data in ssl/statem/extensions.c) and, accepting, derives the
 * early traffic keys. No 0-RTT record follows the ClientHello: an accepting
 * server then waits for one. Returns what SSL_do_handshake() would: 1, or
 * <= 0 for SSL_get_error().
 */
static int serve(tl_probe *p)
{
    unsigned char buf[64];
    size_t got = 0;

    if (!p->early)
        return SSL_do_handshake(p->server);
#if !TL_TLSLIB_OPENSSL
    (void)buf;
    (void)got;
    return SSL_do_handshake(p->server);   /* never: no early data here */
#else
    switch (SSL_read_early_data(p->server, buf, sizeof(buf), &got)) {
    case SSL_READ_EARLY_DATA_ERROR:
        return -1;
    case SSL_READ_EARLY_DATA_FINISH:
        /* Rejected, or no 0-RTT offered after all: go on as a server that
         * reads no early data does. */
        return SSL_do_handshake(p->server);
    default:
        return 1;   /* never: no 0-RTT record was sent */
    }
#endif
}

int tl_probe_run(tl_probe *p, const unsigned char *ticket, size_t len,
                 tl_probe_result *res, tl_error *err)
{
    return tl_probe_run_psk(p, ticket, len, NULL, res, err);
}

int tl_probe_run_psk(tl_probe *p, const unsigned char *ticket, size_t len,
                     const SSL_SESSION *psk, tl_probe_result *res, tl_error *err)
{
    unsigned char scratch[4096];
    size_t n;
    int rc, e;
    tl_issuer *iss = tl_world_issuer(p->world);

    if (len > TL_PROBE_MAX_TICKET)
        return tl_error_set(err, "a probe ticket is at most %d bytes, this one is %zu",
                            TL_PROBE_MAX_TICKET, len);
    p->buf_len = 0;
    n = build_hello(p, ticket, len, psk, err);
    if (n == 0)
        return -1;
    p->buf_len = n;
    memset(res, 0, sizeof(*res));
    res->alert_sent = -1;
    res->ev_begin = tl_world_events(p->world)->n;
    if (ERR_peek_error() != 0)   /* clearing an empty queue costs a pass over it */
        ERR_clear_error();
    /* Drop what the last run wrote, then start over on the same SSL. */
    while (BIO_ctrl_pending(p->to_server) > 0)
        if (BIO_read(p->to_server, scratch, sizeof(scratch)) <= 0)
            break;
    /* SSL_clear() keeps the server's session, and before 3.0.17 (openssl
     * pull 27584; release.h: TL_CHANGE_CLEAR_DROPS_SESSION) a TLS 1.3
     * server could take that leftover for a resumption: one input would
     * leak into the next. Dropping it first is right on every release.
     * SSL_clear() also keeps the early data state (no 3.x release resets
     * early_data_state), so a probe that offers early data gets a new
     * server every run. */
    if (p->early) {
        if (new_server(p, err) != 0)
            return -1;
    } else if (!TL_TLSLIB_OPENSSL && (SSL_clear(p->server) != 1 || SSL_set_session(p->server, NULL) != 1)) {
        /* BoringSSL and AWS-LC abort() on SSL_set_session mid-handshake:
         * clear first, then drop the session. */
        return tl_error_set_ssl(err, "SSL_clear failed");
    } else if (TL_TLSLIB_OPENSSL && (SSL_set_session(p->server, NULL) != 1 || SSL_clear(p->server) != 1)) {
        return tl_error_set_ssl(err, "SSL_clear failed");
    }
    SSL_set_accept_state(p->server);
    if (BIO_write(p->to_server, p->buf, (int)n) != (int)n)
        return tl_error_set_ssl(err, "cannot queue the ClientHello");
    p->cur = res;
    running = p;
    iss->key_enc_calls = iss->key_dec_calls = 0;
    rc = serve(p);
    e = SSL_get_error(p->server, rc);
    res->failed = rc <= 0 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE
                  && e != SSL_ERROR_WANT_X509_LOOKUP;
    res->resumed = SSL_session_reused(p->server);
#if TL_TLSLIB_OPENSSL
    res->early_accepted = SSL_get_early_data_status(p->server) == SSL_EARLY_DATA_ACCEPTED;
#else
    res->early_accepted = SSL_early_data_accepted(p->server);
#endif
    if (res->failed) {
        unsigned long code = ERR_peek_error();
        const char *r = code ? ERR_reason_error_string(code) : NULL;

        res->err = code;
        snprintf(res->err_reason, sizeof(res->err_reason), "%s", r ? r : "");
    }
    p->cur = NULL;
    running = NULL;
    res->ev_end = tl_world_events(p->world)->n;
    /* Hash what the server wrote (and drop it): the same input must give
     * the same reply, byte for byte. */
    res->flight_hash = UINT64_C(14695981039346656037);
    for (;;) {
        int got = BIO_read(p->to_server, scratch, sizeof(scratch));

        if (got <= 0)
            break;
        for (int i = 0; i < got; i++)
            res->flight_hash = (res->flight_hash ^ scratch[i]) * UINT64_C(1099511628211);
        res->flight_len += (size_t)got;
    }
    if (ERR_peek_error() != 0)
        ERR_clear_error();
    return 0;
}

SSL *tl_probe_server(tl_probe *p)
{
    return p->server;
}

const unsigned char *tl_probe_ticket(const tl_probe *p, size_t *len)
{
    *len = p->ticket_len;
    return p->hello + p->ticket_off;
}

const unsigned char *tl_probe_client_hello(const tl_probe *p, size_t *len)
{
    *len = p->hello_len;
    return p->hello;
}

const unsigned char *tl_probe_last_hello(const tl_probe *p, size_t *len)
{
    *len = p->buf_len;
    return p->buf_len ? p->buf : NULL;
}

SSL_SESSION *tl_probe_session(const tl_probe *p)
{
    return p->session;
}
