/*
 * seeds.c - the fuzz targets' worlds and seed inputs; see seeds.h.
 *
 * Seeds are made the way the targets see the world: a "genuine" ticket is
 * the very ticket the target's probe captures, so a target's oracle (only
 * the genuine ticket may resume) holds for the seeds too.
 */
#include "seeds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/cache.h"
#include "ticketlab/keyfile.h"
#include "ticketlab/sessfile.h"
#include "ticketlab/rng.h"
#include "scenario_bytes.h"
#include "ticketlab/ticket.h"
#include "ticketlab/tlslib.h"

/* See seeds.h. */
tl_key_source tl_seeds_key_source(tl_key_source src)
{
    if (src == TL_KEYS_EVP_CB && tl_tlslib_lacks(TL_API_EVP_KEY_CB) != NULL)
        return TL_KEYS_LEGACY_CB;
    if (src == TL_KEYS_SET_KEYS && tl_tlslib_which() != TL_TLSLIB_KIND_OPENSSL)
        return TL_KEYS_BUILTIN;
    return src;
}

tl_world *tl_seeds_world_new(int version, tl_key_source src, tl_error *err)
{
    tl_world_config cfg;
    tl_world *w;

    tl_world_config_init(&cfg);
    cfg.tls_version = version;
    cfg.key_source = tl_seeds_key_source(src);
    cfg.seed = TL_FUZZ_SEED;
    cfg.num_tickets = 1;
    w = tl_world_new(&cfg, err);
    if (w != NULL && tl_seeds_world_reset(w, err) != 0) {
        tl_world_free(w);
        return NULL;
    }
    return w;
}

int tl_seeds_world_reset(tl_world *w, tl_error *err)
{
    tl_policy *p = tl_world_policy(w);

    if (tl_world_reset(w, TL_FUZZ_SEED, err) != 0)
        return -1;
    tl_policy_free(p);
    tl_policy_init(p);
    return 0;
}

/* ---- helpers ---------------------------------------------------------- */

typedef struct {
    tl_seed_sink sink;
    void *arg;
    long count;
    int failed;
} emitter;

static void emit(emitter *em, const char *target, const char *name,
                 const unsigned char *data, size_t len)
{
    if (em->failed)
        return;
    if (em->sink(target, name, data, len, em->arg) != 0)
        em->failed = 1;
    else
        em->count++;
}

/* Emit selector byte + ticket under target/name. */
static void emit_with_prefix(emitter *em, const char *target, const char *name,
                             const unsigned char *prefix, size_t plen,
                             const unsigned char *data, size_t len)
{
    unsigned char *buf = malloc(plen + len + 1);

    if (buf == NULL) {
        em->failed = 1;
        return;
    }
    memcpy(buf, prefix, plen);
    if (len)
        memcpy(buf + plen, data, len);
    emit(em, target, name, buf, plen + len);
    free(buf);
}

/* The genuine ticket of the fuzz world (version, src), malloc'd. */
static unsigned char *genuine_ticket(tl_world *w, size_t *len, SSL_SESSION **sess_out,
                                     tl_error *err)
{
    tl_handshake_result r;
    const unsigned char *t;
    unsigned char *copy = NULL;

    if (tl_world_handshake(w, NULL, &r, err) != 0 || r.n_sessions == 0) {
        tl_handshake_result_free(&r);
        tl_error_set(err, "the fuzz world minted no ticket");
        return NULL;
    }
    SSL_SESSION_get0_ticket(r.sessions[0], &t, len);
    copy = malloc(*len ? *len : 1);
    if (copy != NULL)
        memcpy(copy, t, *len);
    if (sess_out != NULL) {
        SSL_SESSION_up_ref(r.sessions[0]);
        *sess_out = r.sessions[0];
    }
    tl_handshake_result_free(&r);
    return copy;
}

/* The NO_DECRYPT causes and edge sizes, applied to a genuine ticket. */
static void emit_ticket_variants(emitter *em, const char *target, const char *prefix_name,
                                 const unsigned char *sel, size_t sel_len,
                                 const unsigned char *t, size_t len)
{
    static const struct { const char *name; long pos; } flips[] = {
        { "flip-name", 0 }, { "flip-iv", 16 }, { "flip-body", 40 }, { "flip-mac", -1 },
    };
    unsigned char *buf = malloc(len + 2);
    char name[128];

    if (buf == NULL) {
        em->failed = 1;
        return;
    }
    snprintf(name, sizeof(name), "%s-genuine", prefix_name);
    emit_with_prefix(em, target, name, sel, sel_len, t, len);
    for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
        size_t pos = flips[i].pos < 0 ? len - 1 : (size_t)flips[i].pos;

        memcpy(buf, t, len);
        if (pos < len)
            buf[pos] ^= 0x01;
        snprintf(name, sizeof(name), "%s-%s", prefix_name, flips[i].name);
        emit_with_prefix(em, target, name, sel, sel_len, buf, len);
    }
    snprintf(name, sizeof(name), "%s-truncated-64", prefix_name);
    emit_with_prefix(em, target, name, sel, sel_len, t, len < 64 ? len : 64);
    snprintf(name, sizeof(name), "%s-short-31", prefix_name);
    emit_with_prefix(em, target, name, sel, sel_len, t, len < 31 ? len : 31);
    memcpy(buf, t, len);
    buf[len] = 0xAA;
    buf[len + 1] = 0x55;
    snprintf(name, sizeof(name), "%s-trailing-2", prefix_name);
    emit_with_prefix(em, target, name, sel, sel_len, buf, len + 2);
    snprintf(name, sizeof(name), "%s-empty", prefix_name);
    emit_with_prefix(em, target, name, sel, sel_len, NULL, 0);
    free(buf);
}

/* ---- per target ------------------------------------------------------- */

static const tl_key_source blob_sources[4] = { TL_KEYS_BUILTIN, TL_KEYS_EVP_CB,
                                               TL_KEYS_LEGACY_CB, TL_KEYS_SET_KEYS };

static int seeds_ticket_blob_and_session(emitter *em, tl_error *err)
{
    for (int v = 0; v < 2; v++) {
        int version = v ? TLS1_3_VERSION : TLS1_2_VERSION;

        for (int s = 0; s < 4; s++) {
            tl_world *w = tl_seeds_world_new(version, blob_sources[s], err);
            unsigned char sel = (unsigned char)(v | s << 1), *t;
            size_t len;
            SSL_SESSION *sess = NULL;
            char prefix[64];

            if (w == NULL)
                return -1;
            t = genuine_ticket(w, &len, &sess, err);
            if (t == NULL) {
                tl_world_free(w);
                return -1;
            }
            snprintf(prefix, sizeof(prefix), "tls1%d-%s", v ? 3 : 2,
                     tl_key_source_name(blob_sources[s]));
            emit_ticket_variants(em, "fuzz_ticket_blob", prefix, &sel, 1, t, len);

            /* fuzz_ticket_session: the plaintext behind the genuine ticket. */
            if (blob_sources[s] == TL_KEYS_EVP_CB) {
                tl_ticket_info info;
                unsigned char *der = NULL;
                int der_len;

                memset(&info, 0, sizeof(info));
                if (tl_ticket_open(tl_world_keyring(w), t, len, &info, err) != 0
                    || info.verdict != TL_TICKET_OK
                    || (der_len = i2d_SSL_SESSION(info.session, &der)) <= 0) {
                    tl_ticket_info_clear(&info);
                    free(t);
                    SSL_SESSION_free(sess);
                    tl_world_free(w);
                    return tl_error_set(err, "the genuine TLS 1.%d ticket does not open", v ? 3 : 2);
                }
                unsigned char *buf = malloc((size_t)der_len + 3);
                if (buf != NULL) {
                    memcpy(buf, der, (size_t)der_len);
                    buf[der_len] = 0;
                    buf[der_len + 1] = 0;
                    snprintf(prefix, sizeof(prefix), "tls1%d-session", v ? 3 : 2);
                    emit_with_prefix(em, "fuzz_ticket_session", prefix, &sel, 1, buf, (size_t)der_len);
                    snprintf(prefix, sizeof(prefix), "tls1%d-session-trailing", v ? 3 : 2);
                    emit_with_prefix(em, "fuzz_ticket_session", prefix, &sel, 1, buf, (size_t)der_len + 2);
                    snprintf(prefix, sizeof(prefix), "tls1%d-session-truncated", v ? 3 : 2);
                    emit_with_prefix(em, "fuzz_ticket_session", prefix, &sel, 1, buf, (size_t)der_len / 2);
                    free(buf);
                } else {
                    em->failed = 1;
                }
                OPENSSL_free(der);
                tl_ticket_info_clear(&info);
            }
            free(t);
            SSL_SESSION_free(sess);
            tl_world_free(w);
        }
    }
    return 0;
}

static int seeds_ticket_open(emitter *em, tl_error *err)
{
    static const struct { tl_keyfmt fmt; size_t size; const char *name; } files[] = {
        { TL_KEYFMT_LIBTLS, 0, "libtls" },   { TL_KEYFMT_NGINX, 48, "nginx-48" },
        { TL_KEYFMT_NGINX, 80, "nginx-80" }, { TL_KEYFMT_ENVOY, 80, "envoy-80" },
        { TL_KEYFMT_HAPROXY, 48, "haproxy-48" }, { TL_KEYFMT_HAPROXY, 80, "haproxy-80" },
    };

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        unsigned char *file = NULL, *t = NULL, *prefix;
        size_t flen = 0, tlen = 0;
        tl_keyring *kr = tl_keyring_new(0);
        tl_world_config cfg;
        tl_world *w = NULL;
        char name[64];
        int rc = -1;

        tl_rng_seed(TL_FUZZ_SEED + i);
        if (kr == NULL || tl_keyfile_generate(files[i].fmt, files[i].size, 1, &file, &flen, err) != 0
            || tl_keyfile_decode(kr, file, flen, files[i].fmt, files[i].name, err) != 0)
            goto next;
        tl_world_config_init(&cfg);
        cfg.keyring = kr;
        cfg.seed = TL_FUZZ_SEED;
        cfg.num_tickets = 1;
        if ((w = tl_world_new(&cfg, err)) == NULL || (t = genuine_ticket(w, &tlen, NULL, err)) == NULL)
            goto next;
        prefix = malloc(3 + flen);
        if (prefix == NULL)
            goto next;
        prefix[0] = (unsigned char)files[i].fmt;
        prefix[1] = (unsigned char)(flen >> 8);
        prefix[2] = (unsigned char)flen;
        memcpy(prefix + 3, file, flen);
        snprintf(name, sizeof(name), "%s", files[i].name);
        emit_ticket_variants(em, "fuzz_ticket_open", name, prefix, 3 + flen, t, tlen);
        free(prefix);
        rc = 0;
next:
        free(file);
        free(t);
        tl_world_free(w);
        tl_keyring_free(kr);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* fuzz_cache_import: sdata blobs and session files of real sessions. */
typedef struct {
    emitter *em;
    int n;
} sdata_sink;

static int emit_sdata(void *userp, const char *session_key, const unsigned char *shash,
                      size_t shash_len, const unsigned char *sdata, size_t sdata_len,
                      int64_t valid_until, int ietf_tls_id, const char *alpn,
                      size_t earlydata_max)
{
    sdata_sink *ss = userp;
    static const unsigned char sel = 0;
    unsigned char *buf = malloc(sdata_len + 8);
    char name[64];

    if (buf == NULL)
        return -1;
    snprintf(name, sizeof(name), "sdata-%04x-%d", ietf_tls_id, ss->n);
    emit_with_prefix(ss->em, "fuzz_cache_import", name, &sel, 1, sdata, sdata_len);
    /* curl issue 22323: a repeated tag. The IETF id field (0x02) is 3 bytes. */
    memcpy(buf, sdata, sdata_len);
    buf[sdata_len] = 0x02;
    buf[sdata_len + 1] = (unsigned char)(ietf_tls_id >> 8);
    buf[sdata_len + 2] = (unsigned char)ietf_tls_id;
    snprintf(name, sizeof(name), "sdata-%04x-%d-duplicate-tag", ietf_tls_id, ss->n);
    emit_with_prefix(ss->em, "fuzz_cache_import", name, &sel, 1, buf, sdata_len + 3);
    snprintf(name, sizeof(name), "sdata-%04x-%d-truncated", ietf_tls_id, ss->n);
    emit_with_prefix(ss->em, "fuzz_cache_import", name, &sel, 1, sdata, sdata_len / 2);
    buf[0] = 0x02;
    snprintf(name, sizeof(name), "sdata-%04x-%d-bad-version", ietf_tls_id, ss->n);
    emit_with_prefix(ss->em, "fuzz_cache_import", name, &sel, 1, buf, sdata_len);
    free(buf);
    ss->n++;
    (void)session_key; (void)shash; (void)shash_len; (void)valid_until; (void)alpn;
    (void)earlydata_max;
    return 0;
}

static int seeds_cache_import(emitter *em, tl_error *err)
{
    tl_cache *c = tl_cache_new(0, err);
    sdata_sink ss = { em, 0 };
    char *text = NULL;
    size_t len = 0;
    int rc = -1;

    if (c == NULL)
        return -1;
    for (int v = 0; v < 2; v++) {
        tl_world_config cfg;
        tl_world *w;
        tl_handshake_result r;

        tl_world_config_init(&cfg);
        cfg.tls_version = v ? TLS1_3_VERSION : TLS1_2_VERSION;
        cfg.seed = TL_FUZZ_SEED;
        cfg.alpn = v ? "h2" : NULL;
        cfg.max_early_data = v ? 16384 : 0;
        if ((w = tl_world_new(&cfg, err)) == NULL)
            goto done;
        if (tl_cache_handshake(c, w, NULL, &r, err) != 0) {
            tl_world_free(w);
            goto done;
        }
        tl_handshake_result_free(&r);
        tl_world_free(w);
    }
    tl_rng_seed(TL_FUZZ_SEED);
    if (tl_cache_export(c, emit_sdata, &ss, NULL, err) != 0)
        goto done;
    tl_rng_seed(TL_FUZZ_SEED);
    if (tl_sessfile_format(c, &text, &len, NULL, err) != 0)
        goto done;
    {
        static const unsigned char sel = 1;
        static const char bad[] = "# a bad line follows\nnot-base64:!!!\nAAAA\n";
        char *mixed = malloc(len + sizeof(bad));

        emit_with_prefix(em, "fuzz_cache_import", "sessfile", &sel, 1,
                         (const unsigned char *)text, len);
        if (mixed != NULL) {
            memcpy(mixed, text, len);
            memcpy(mixed + len, bad, sizeof(bad) - 1);
            emit_with_prefix(em, "fuzz_cache_import", "sessfile-bad-lines", &sel, 1,
                             (const unsigned char *)mixed, len + sizeof(bad) - 1);
            free(mixed);
        }
    }
    rc = 0;
done:
    free(text);
    tl_cache_free(c);
    return rc;
}

/* fuzz_decrypt_status: the matrix, as scenario bytes. */
static void emit_scenario(emitter *em, const tl_scenario *sc)
{
    unsigned char bytes[TL_SCENARIO_BYTES_MAX];
    char name[TL_SCENARIO_LINE_MAX];
    size_t n = tl_scenario_to_bytes(sc, bytes);

    if (n == 0)
        return;
    tl_scenario_format(sc, name, sizeof(name));
    for (char *c = name; *c; c++)
        if (*c == ' ' || *c == '=' || *c == ',')
            *c = *c == '=' ? '-' : '_';
    emit(em, "fuzz_decrypt_status", name, bytes, n);
}

static void seeds_decrypt_status(emitter *em)
{
    static const int drets[] = { TL_NATURAL, 0, 1, 2, 3, 4, 7 };
    static const tl_key_source keys[] = { TL_KEYS_EVP_CB, TL_KEYS_LEGACY_CB,
                                          TL_KEYS_BUILTIN, TL_KEYS_SET_KEYS };
    tl_scenario sc;

    for (int v = 0; v < 2; v++) {
        int tls = v ? TLS1_3_VERSION : TLS1_2_VERSION;

        /* every status the decrypt callback can see x every return */
        for (int p = 0; p < TL_PRESENT_COUNT; p++)
            for (size_t d = 0; d < sizeof(drets) / sizeof(drets[0]); d++) {
                tl_scenario_init(&sc);
                sc.tls = tls;
                sc.present = (tl_present)p;
                sc.dret = drets[d];
                emit_scenario(em, &sc);
            }
        /* every key source, with and without a ticket */
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            for (int p = TL_PRESENT_NONE; p <= TL_PRESENT_OLDER; p++) {
                tl_scenario_init(&sc);
                sc.tls = tls;
                sc.keys = keys[k];
                sc.present = (tl_present)p;
                emit_scenario(em, &sc);
            }
        /* key callback returns, decrypting and encrypting */
        for (int r = -1; r <= 2; r++) {
            tl_scenario_init(&sc);
            sc.tls = tls;
            sc.present = TL_PRESENT_NEWEST;
            sc.kdec[0] = r;
            sc.n_kdec = 1;
            emit_scenario(em, &sc);
            tl_scenario_init(&sc);
            sc.tls = tls;
            sc.kenc[0] = r;
            sc.n_kenc = 1;
            emit_scenario(em, &sc);
        }
        /* generate callback, app data, ticket counts */
        for (int nt = 0; nt <= 3; nt++) {
            tl_scenario_init(&sc);
            sc.tls = tls;
            sc.present = nt & 1 ? TL_PRESENT_OLDER : TL_PRESENT_NONE;
            sc.num_tickets = nt;
            sc.app = nt == 0 ? -1 : nt == 1 ? 0 : nt == 2 ? 1 : 16;
            sc.gen = nt == 3 ? 0 : TL_NATURAL;
            emit_scenario(em, &sc);
        }
    }
}

/* fuzz_client_ticket: byte layouts only (the layout is documented in
 * fuzz/fuzz_client_ticket.c); the genuine tickets are made live by the
 * target's server, so these seeds do not depend on any world. */
typedef struct {
    unsigned char b[512];
    size_t n;
} ct_buf;

static void ct_u8(ct_buf *c, unsigned v)
{
    if (c->n < sizeof(c->b))
        c->b[c->n++] = (unsigned char)v;
}

static void ct_u16(ct_buf *c, unsigned v)
{
    ct_u8(c, v >> 8);
    ct_u8(c, v & 0xff);
}

static void ct_u32(ct_buf *c, uint32_t v)
{
    ct_u16(c, v >> 16);
    ct_u16(c, v & 0xffff);
}

static void ct_bytes(ct_buf *c, const void *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ct_u8(c, ((const unsigned char *)d)[i]);
}

/* Header: mode (bit 0 TLS 1.2, bit 1 import by hash), server knobs, record cut, misc. */
static void ct_header(ct_buf *c, unsigned mode, unsigned knobs, unsigned cut, unsigned misc)
{
    c->n = 0;
    ct_u8(c, mode);
    ct_u8(c, knobs);
    ct_u8(c, cut);
    ct_u8(c, misc);
}

/* An item of kind `kind` holding d[0..n). */
static void ct_item(ct_buf *c, unsigned kind, const unsigned char *d, size_t n)
{
    ct_u8(c, kind);
    ct_u16(c, (unsigned)n);
    ct_bytes(c, d, n);
}

/* A structured NewSessionTicket item (kind 0). flags as in the target. */
static void ct_structured(ct_buf *c, uint32_t lifetime, uint32_t age_add, const char *nonce,
                          unsigned ticket_len, const char *pattern, unsigned flags,
                          uint32_t early, unsigned unknown_type, const char *unknown)
{
    ct_buf s = { { 0 }, 0 };

    ct_u32(&s, lifetime);
    ct_u32(&s, age_add);
    ct_u8(&s, (unsigned)strlen(nonce));
    ct_bytes(&s, nonce, strlen(nonce));
    ct_u16(&s, ticket_len);
    ct_u8(&s, (unsigned)strlen(pattern));
    ct_bytes(&s, pattern, strlen(pattern));
    ct_u8(&s, flags);
    if (flags & 0x0d)
        ct_u32(&s, early);
    if (flags & 0x12) {
        ct_u16(&s, unknown_type);
        ct_u8(&s, (unsigned)strlen(unknown));
        ct_bytes(&s, unknown, strlen(unknown));
    }
    ct_item(c, 0, s.b, s.n);
}

/* A plain structured NewSessionTicket whose u24 length lies by `lie` (-8..7). */
static void ct_structured_lie(ct_buf *c, int lie)
{
    ct_buf s = { { 0 }, 0 };

    ct_u32(&s, 7200);
    ct_u32(&s, 0x5eed1e55u);
    ct_u8(&s, 1);
    ct_u8(&s, 'w');
    ct_u16(&s, 64);
    ct_u8(&s, 1);
    ct_u8(&s, 'W');
    ct_u8(&s, 0);
    ct_item(c, 0x08 | (unsigned)(lie + 8) << 4, s.b, s.n);
}

static void ct_genuine(ct_buf *c)
{
    ct_item(c, 2, NULL, 0);
}

/* A plain structured ticket: a 7200 s lifetime, 64 bytes of 'T'. */
static void ct_plain(ct_buf *c, const char *nonce)
{
    ct_structured(c, 7200, 0x5eed1e55u, nonce, 64, "T", 0, 0, 0, "");
}

#define CT_EMIT(name) emit(em, "fuzz_client_ticket", name, c.b, c.n)

/* A raw NewSessionTicket body cut short (1.3), with bytes left over (1.2). */
static const unsigned char ct_raw_short[] = { 0, 0, 0x1c, 0x20, 0, 0, 0, 1, 0 };

/* TLS 1.3: the server's own tickets, shaped by its knobs. */
static void ct_seeds_genuine13(emitter *em)
{
    ct_buf c;

    ct_header(&c, 0, 0, 0, 0); ct_genuine(&c); CT_EMIT("tls13-genuine");
    ct_header(&c, 0, 0, 0, 0); ct_genuine(&c); ct_genuine(&c); ct_genuine(&c);
    CT_EMIT("tls13-genuine-x3");
    ct_header(&c, 0, 1, 0, 0); ct_genuine(&c); CT_EMIT("tls13-genuine-timeout-1");
    ct_header(&c, 0, 6, 0, 0); ct_genuine(&c); CT_EMIT("tls13-genuine-timeout-604801");
    ct_header(&c, 0, 3 << 3, 0, 0); ct_genuine(&c); CT_EMIT("tls13-genuine-appdata-1000");
    ct_header(&c, 0, 6 << 3, 0, 0); ct_genuine(&c); CT_EMIT("tls13-genuine-appdata-60000");
    ct_header(&c, 0, 6 << 3, 0, 0); ct_genuine(&c); ct_genuine(&c); ct_genuine(&c); ct_genuine(&c);
    CT_EMIT("tls13-genuine-x4-appdata-60000");
    ct_header(&c, 0, 7 << 3, 0, 0); ct_genuine(&c); CT_EMIT("tls13-genuine-appdata-too-big");
    ct_header(&c, 0, 1 << 6, 0, 0); ct_genuine(&c); CT_EMIT("tls13-genuine-key-cb-0");
    ct_header(&c, 0, 2 << 6, 0, 0); ct_genuine(&c); CT_EMIT("tls13-genuine-key-cb-fails");
    ct_header(&c, 2, 0, 0, 0); ct_genuine(&c); ct_plain(&c, "a"); CT_EMIT("tls13-import-by-hash");
}

/* TLS 1.3: made-up tickets, well-formed or not. */
static void ct_seeds_made_up13(emitter *em)
{
    ct_buf c;

    ct_header(&c, 0, 0, 0, 0); ct_plain(&c, "a"); CT_EMIT("tls13-structured");
    ct_header(&c, 0, 0, 0, 0); ct_plain(&c, "a"); ct_plain(&c, "b"); ct_plain(&c, "a");
    CT_EMIT("tls13-nonces-a-b-a");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "a", 64, "E", 0x01, 16384, 0, "");
    ct_plain(&c, "b");
    CT_EMIT("tls13-early-data-then-none");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 64, "E", 0x01, 0xffffffffu, 0, "");
    CT_EMIT("tls13-early-data-max");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 64, "E", 0x05, 16384, 0, "");
    CT_EMIT("tls13-early-data-twice");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 64, "E", 0x08, 16384, 0, "");
    CT_EMIT("tls13-early-data-5-bytes");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 64, "U", 0x02 | 0x01, 1024, 0xfafa, "grease");
    CT_EMIT("tls13-unknown-extension");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 64, "U", 0x02 | 0x10, 0, 0xfafa, "");
    CT_EMIT("tls13-unknown-extension-twice");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 64, "S", 0x80, 0, 0, "");
    CT_EMIT("tls13-server-name-extension");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 64, "S", 0x40, 0, 0, "");
    CT_EMIT("tls13-trailing-byte");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 0, "", 0, 0, 0, "");
    CT_EMIT("tls13-empty-ticket");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 1, "", 0, 0, 0, "");
    CT_EMIT("tls13-one-byte-ticket");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 63000, "", 0, 0, 0, "");
    CT_EMIT("tls13-ticket-63000");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 7200, 1, "", 65535, "", 0, 0, 0, "");
    CT_EMIT("tls13-ticket-65535");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 0, 0, "", 64, "0", 0, 0, 0, "");
    CT_EMIT("tls13-lifetime-0");
    ct_header(&c, 0, 0, 0, 0);
    ct_structured(&c, 0xffffffffu, 0xffffffffu, "", 64, "F", 0, 0, 0, "");
    CT_EMIT("tls13-lifetime-and-age-add-max");
    {
        char nonce[256];

        memset(nonce, 'n', 255);
        nonce[255] = '\0';
        ct_header(&c, 0, 0, 0, 0);
        ct_structured(&c, 7200, 1, nonce, 64, "N", 0, 0, 0, "");
        CT_EMIT("tls13-nonce-255");
    }
}

/* TLS 1.3: the clock moves before the cache hands the tickets out
 * (OpenSSL counts the age in whole seconds less one: 61 s is "60"). */
static void ct_seeds_clock13(emitter *em)
{
    ct_buf c;

    ct_header(&c, 0, 0, 0, 4 << 4);
    ct_structured(&c, 60, 7, "", 64, "C", 0, 0, 0, ""); CT_EMIT("tls13-age-61-lifetime-60");
    ct_header(&c, 0, 0, 0, 5 << 4);
    ct_structured(&c, 60, 7, "", 64, "C", 0, 0, 0, ""); CT_EMIT("tls13-age-62-lifetime-60");
    ct_header(&c, 0, 0, 0, 2 << 4);
    ct_structured(&c, 0, 7, "", 64, "C", 0, 0, 0, ""); CT_EMIT("tls13-age-2-lifetime-0");
    ct_header(&c, 0, 0, 0, 8 << 4); ct_genuine(&c); CT_EMIT("tls13-age-7200");
    ct_header(&c, 0, 0, 0, 9 << 4); ct_genuine(&c); CT_EMIT("tls13-age-7201-expired");
}

/* TLS 1.3: raw and other messages, records. */
static void ct_seeds_messages13(emitter *em)
{
    static const unsigned char key_update[] = { 24, 0 }, key_update_req[] = { 24, 1 };
    static const unsigned char key_update_bad[] = { 24, 2 }, cert_request[] = { 13, 0, 0, 0, 0 };
    ct_buf c;

    ct_header(&c, 0, 0, 0, 0); ct_item(&c, 1, ct_raw_short, sizeof(ct_raw_short));
    CT_EMIT("tls13-raw-cut-short");
    ct_header(&c, 0, 0, 0, 0); ct_item(&c, 0x08 | 7 << 4, NULL, 0); ct_plain(&c, "a");
    CT_EMIT("tls13-length-lies");
    ct_header(&c, 0, 0, 0, 0); ct_item(&c, 3, key_update, 2); ct_plain(&c, "a");
    CT_EMIT("tls13-key-update-then-ticket");
    ct_header(&c, 0, 0, 0, 0); ct_item(&c, 3, key_update_req, 2); ct_genuine(&c);
    CT_EMIT("tls13-key-update-requested");
    ct_header(&c, 0, 0, 0, 0); ct_item(&c, 3, key_update_bad, 2); CT_EMIT("tls13-key-update-bad");
    ct_header(&c, 0, 0, 200, 0); ct_item(&c, 3, key_update, 2); ct_plain(&c, "a");
    CT_EMIT("tls13-key-update-not-on-record-boundary");
    ct_header(&c, 0, 0, 0, 0); ct_item(&c, 3, cert_request, sizeof(cert_request));
    CT_EMIT("tls13-certificate-request");
    ct_header(&c, 0, 0, 1, 0); ct_genuine(&c); ct_plain(&c, "a");
    CT_EMIT("tls13-records-of-1-byte");
    ct_header(&c, 0, 0, 200, 0); ct_genuine(&c); ct_plain(&c, "a"); ct_plain(&c, "b");
    CT_EMIT("tls13-coalesced");
    ct_header(&c, 0, 0, 0, 3); ct_plain(&c, "a"); CT_EMIT("tls13-padding-255");
    ct_header(&c, 0, 0, 0, 5); ct_plain(&c, "a"); CT_EMIT("tls13-padding-to-limit");
    ct_header(&c, 0, 0, 0, 6); ct_plain(&c, "a"); CT_EMIT("tls13-padding-over-limit");
    ct_header(&c, 0, 0, 0, 7); ct_plain(&c, "a"); CT_EMIT("tls13-padding-40000");
    /* The length says one byte more than comes: the client waits for it
     * (the kept connection cannot serve the next input). */
    ct_header(&c, 0, 0, 0, 0); ct_structured_lie(&c, 1); CT_EMIT("tls13-waits-for-more");
    /* Header bit 2: a full handshake on a connection of its own. */
    ct_header(&c, 4, 0, 0, 0); ct_genuine(&c); ct_plain(&c, "a");
    CT_EMIT("tls13-full-handshake");
}

/* TLS 1.2: the ticket in the handshake, Finished recomputed. */
static void ct_seeds_tls12(emitter *em)
{
    ct_buf c;

    ct_header(&c, 1, 0, 0, 0); ct_genuine(&c); CT_EMIT("tls12-genuine");
    ct_header(&c, 1, 1 << 6, 0, 0); ct_genuine(&c); CT_EMIT("tls12-genuine-key-cb-0-empty");
    ct_header(&c, 1, 2 << 6, 0, 0); ct_genuine(&c); CT_EMIT("tls12-genuine-key-cb-fails");
    ct_header(&c, 1, 6 << 3 | 4, 0, 0); ct_genuine(&c); CT_EMIT("tls12-genuine-appdata-60000");
    ct_header(&c, 3, 7, 0, 0); ct_genuine(&c); CT_EMIT("tls12-import-by-hash-timeout-max");
    ct_header(&c, 1, 0, 0, 0); ct_plain(&c, ""); CT_EMIT("tls12-structured");
    ct_header(&c, 1, 0, 0, 0);
    ct_structured(&c, 7200, 0, "", 0, "", 0, 0, 0, ""); CT_EMIT("tls12-empty-ticket");
    ct_header(&c, 1, 0, 0, 0);
    ct_structured(&c, 7200, 0, "", 64, "T", 0x40, 0, 0, ""); CT_EMIT("tls12-trailing-byte");
    ct_header(&c, 1, 0, 0, 0);
    ct_structured(&c, 7200, 0, "", 65535, "", 0, 0, 0, ""); CT_EMIT("tls12-ticket-65535");
    ct_header(&c, 1, 0, 0, 0); CT_EMIT("tls12-no-ticket");
    ct_header(&c, 1, 0, 0, 0); ct_genuine(&c); ct_plain(&c, ""); CT_EMIT("tls12-two-tickets");
    ct_header(&c, 1, 0, 3, 0); ct_genuine(&c); CT_EMIT("tls12-records-of-3-bytes");
    ct_header(&c, 1, 0, 0, 8 << 4); ct_plain(&c, ""); CT_EMIT("tls12-age-7200");
    ct_header(&c, 1, 0, 0, 0); ct_item(&c, 1, ct_raw_short, sizeof(ct_raw_short));
    CT_EMIT("tls12-raw-trailing");
    /* Header bit 2: a full handshake instead of an abbreviated one. */
    ct_header(&c, 5, 0, 0, 0); ct_genuine(&c); CT_EMIT("tls12-full-handshake-genuine");
}

#undef CT_EMIT

static void seeds_client_ticket(emitter *em)
{
    ct_seeds_genuine13(em);
    ct_seeds_made_up13(em);
    ct_seeds_clock13(em);
    ct_seeds_messages13(em);
    ct_seeds_tls12(em);
}

long tl_seeds_generate(tl_seed_sink sink, void *arg, tl_error *err)
{
    emitter em = { sink, arg, 0, 0 };

    if (seeds_ticket_blob_and_session(&em, err) != 0 || seeds_ticket_open(&em, err) != 0
        || seeds_cache_import(&em, err) != 0)
        return -1;
    seeds_decrypt_status(&em);
    seeds_client_ticket(&em);
    if (em.failed)
        return tl_error_set(err, "could not store a seed (see the message above)");
    return em.count;
}
