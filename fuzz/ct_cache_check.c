/*
 * ct_cache_check.c - oracles 3 and 4 of fuzz_client_ticket.
 *
 * 3. The cache: a session the client stored is kept unless its DER is over
 *    curl's 65535 bytes; export then import (by peer key or salted hash)
 *    gives the same session data byte for byte, and the DER re-encodes to
 *    itself.
 * 4. The offer: after the clock step, the cache hands out each TLS 1.3
 *    session once, oldest first, and then none; a TLS 1.2 one stays;
 *    nothing expired; the ClientHello for each carries the ticket byte for
 *    byte (fuzz_client_ticket.c gives the details).
 * See client_ticket.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "client_ticket.h"
#include "ct_lib.h"
#include "fuzz_common.h"
#include "sessder_memo.h"
#include "ticketlab/clock.h"
#include "ticketlab/spack.h"


typedef struct {
    tw_bytes sdata[CT_MAX_SESSIONS];
    char *key[CT_MAX_SESSIONS];
    unsigned char shash[CT_MAX_SESSIONS][TL_SHASH_LEN];
    size_t n;
} export_list;

static int collect(void *userp, const char *session_key, const unsigned char *shash,
                   size_t shash_len, const unsigned char *sdata, size_t sdata_len,
                   int64_t valid_until, int ietf_tls_id, const char *alpn, size_t earlydata_max)
{
    export_list *l = userp;

    if (l->n == CT_MAX_SESSIONS || shash_len != TL_SHASH_LEN)
        return 1;
    memset(&l->sdata[l->n], 0, sizeof(l->sdata[l->n]));
    tw_put(&l->sdata[l->n], sdata, sdata_len);
    l->key[l->n] = session_key ? strdup(session_key) : NULL;
    memcpy(l->shash[l->n], shash, TL_SHASH_LEN);
    l->n++;
    return 0;
}

static void export_free(export_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        tw_bytes_free(&l->sdata[i]);
        free(l->key[i]);
    }
}

static void export_all(tl_cache *c, export_list *l)
{
    tl_error err = { "" };

    memset(l, 0, sizeof(*l));
    if (tl_cache_export(c, collect, l, NULL, &err) != 0)
        tl_fuzz_die("the cache does not export what it holds: %s", err.msg);
}

/* The sessions the cache must hold, in order: indexes into R.st. */
static size_t expected_entries(size_t *idx)
{
    size_t n = 0;

    for (size_t i = 0; i < R.n_st && i < CT_MAX_SESSIONS; i++) {
        const tl_ct_stored *st = &R.st[i];

        if (st->put_rc != 0) {
            if (st->der_len <= 0xffff)
                tl_fuzz_die("the cache refused a session of %zu DER bytes: %s", st->der_len,
                            st->put_err);
            tl_fuzz_feedback(TL_FB_VERDICT, 1);
            continue;
        }
        tl_fuzz_feedback(TL_FB_VERDICT, 0);
        if (!R.tls13)
            n = 0;   /* a TLS 1.2 session replaces the peer's others */
        idx[n++] = i;
    }
    return n;
}

/* The parse is remembered (sessder_memo.h): the cache's import and take
 * parse the same bytes next, and each parse decodes the peer's certificate. */
static void check_der_stable(const tl_ct_stored *st)
{
    size_t used = 0;
    SSL_SESSION *s;
    unsigned char *again = NULL;
    int len;

    if (tl_ct_memo_get(CT_MEMO_DER_STABLE, NULL, 0, st->der, st->der_len, NULL, NULL))
        return;   /* these very bytes passed before (ct_memo.c) */
    s = tl_session_d2i_memo_used(st->der, st->der_len, &used);
    if (s == NULL || used != st->der_len)
        tl_fuzz_die("a stored session's DER does not parse back whole");
    len = i2d_SSL_SESSION(s, &again);
    if (len < 0 || (size_t)len != st->der_len || memcmp(again, st->der, st->der_len) != 0)
        tl_fuzz_die("a stored session's DER re-encodes to other bytes (%d vs %zu)", len,
                    st->der_len);
    OPENSSL_free(again);
    SSL_SESSION_free(s);
    tl_ct_memo_put(CT_MEMO_DER_STABLE, NULL, 0, st->der, st->der_len, NULL, 0);
}

/* Export, import into a new cache, export again. Returns the new cache. */
static tl_cache *check_round_trip(const size_t *idx, size_t n, int by_hash)
{
    export_list first, second;
    tl_error err = { "" };
    tl_cache *again = tl_cache_new(0, &err);

    if (again == NULL)
        tl_fuzz_die("out of memory");
    if (tl_cache_count(R.cache, R.peer_key, NULL, 0) != n)
        tl_fuzz_die("the cache holds %zu sessions for the peer, expected %zu",
                    tl_cache_count(R.cache, R.peer_key, NULL, 0), n);
    export_all(R.cache, &first);
    if (first.n != n)
        tl_fuzz_die("the cache exported %zu sessions, expected %zu", first.n, n);
    for (size_t i = 0; i < n; i++) {
        const tl_ct_stored *st = &R.st[idx[i]];
        tl_sdata s;
        tl_spack_err why = TL_SPACK_OK;
        int64_t life = (int64_t)SSL_SESSION_get_timeout(st->sess);
        int64_t cap = R.tls13 ? TL_CACHE_MAX_13_LIFETIME : TL_CACHE_MAX_12_LIFETIME;

        memset(&s, 0, sizeof(s));
        if (tl_sdata_unpack(first.sdata[i].p, first.sdata[i].n, &s, &err) != TL_SPACK_OK)
            tl_fuzz_die("the cache's own export does not unpack: %s", err.msg);
        if (s.ticket_len != st->der_len || memcmp(s.ticket, st->der, st->der_len) != 0)
            tl_fuzz_die("export %zu: the DER session changed (%zu -> %zu bytes)", i,
                        st->der_len, s.ticket_len);
        if (s.ietf_id != (R.tls13 ? 0x0304 : 0x0303)
            || s.earlydata_max != SSL_SESSION_get_max_early_data(st->sess)
            || s.valid_until != st->put_time + (life < cap ? life : cap))
            tl_fuzz_die("export %zu: version 0x%04x, early data %lu, valid-until %lld do not "
                        "match the session", i, (unsigned)s.ietf_id,
                        (unsigned long)s.earlydata_max, (long long)s.valid_until);
        if (R.tls13 && st->rx >= 0) {
            tl_ct_nst v;

            tl_ct_view_of(idx[i], &v);
            if ((uint64_t)s.valid_until > (uint64_t)st->put_time + v.lifetime) {
                tl_fuzz_feedback(TL_FB_VERDICT, 9);
                if (G.strict)
                    tl_fuzz_die("strict S2: the cache keeps a ticket for %lld s, its lifetime "
                                "hint is %lu s", (long long)(s.valid_until - st->put_time),
                                (unsigned long)v.lifetime);
            }
        }
        tl_sdata_clear(&s);
        check_der_stable(st);
        if (tl_cache_import(again, by_hash ? NULL : first.key[i], first.shash[i], TL_SHASH_LEN,
                            first.sdata[i].p, first.sdata[i].n, &why, &err) != 0)
            tl_fuzz_die("the cache's own export does not import (%s): %s",
                        tl_spack_errname(why), err.msg);
    }
    export_all(again, &second);
    if (second.n != first.n)
        tl_fuzz_die("export, import, export: %zu sessions became %zu", first.n, second.n);
    for (size_t i = 0; i < n; i++)
        if (second.sdata[i].n != first.sdata[i].n
            || memcmp(second.sdata[i].p, first.sdata[i].p, first.sdata[i].n) != 0)
            tl_fuzz_die("export, import, export changed session data %zu", i);
    export_free(&first);
    export_free(&second);
    return again;
}

/* ---- oracle 4: the offer ------------------------------------------------------ */

/* The ClientHello body the client writes for sess, into *hello. */
static void client_hello(tl_world *w, SSL_SESSION *sess, tw_bytes *hello)
{
    SSL *c = SSL_new(tl_world_client_ctx(w));
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    char *data;
    long len;
    tl_bytes wire;
    const unsigned char *rec;
    size_t rl;
    int rc;

    if (c == NULL || rb == NULL || wb == NULL)
        tl_fuzz_die("out of memory");
    SSL_set_bio(c, rb, wb);
    SSL_set_connect_state(c);
    /* The key share is what a ClientHello costs; the offer's checks never
     * look at it. P-256's key generation is assembly in OpenSSL, X25519's
     * C (which an instrumented build makes many times slower). */
    if (!SSL_set1_groups_list(c, "P-256"))
        tl_fuzz_die("harness: the client refuses P-256");
    if (!SSL_set_tlsext_host_name(c, TL_SERVER_NAME) || SSL_set_session(c, sess) != 1)
        tl_fuzz_die("harness: the client refuses a session from the cache");
    rc = SSL_do_handshake(c);
    if (rc > 0 || SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) {
        unsigned long e = ERR_peek_error();

        tl_fuzz_die("the client cannot start a handshake with a session the cache holds: %s",
                    e ? ERR_reason_error_string(e) : "no reason");
    }
    len = BIO_get_mem_data(wb, &data);
    tl_bytes_init(&wire, (unsigned char *)data, len > 0 ? (size_t)len : 0);
    while (tw_next_record(&wire, &rec, &rl) == 0) {
        if (rec[0] == SSL3_RT_HANDSHAKE)
            tw_put(hello, rec + 5, rl);
    }
    SSL_free(c);
    ERR_clear_error();
}

/* The extension `type` of a ClientHello message, or NULL; the session id too. */
static const unsigned char *find_ext(const tw_bytes *h, unsigned type, size_t *len,
                                     const unsigned char **sid, size_t *sid_len)
{
    tl_bytes c, exts;
    const unsigned char *body, *ext;
    size_t exts_len;
    uint16_t t;

    if (h->n < 4 + 2 + 32 + 1 || h->p[0] != SSL3_MT_CLIENT_HELLO)
        tl_fuzz_die("the client's first flight is not a ClientHello");
    tl_bytes_init(&c, h->p, h->n);
    if (tl_bytes_take(&c, 4 + 2 + 32, NULL) != 0           /* header, version, random */
        || tl_bytes_vec8(&c, sid, sid_len) != 0             /* session id */
        || tl_bytes_vec16(&c, NULL, NULL) != 0              /* cipher suites */
        || tl_bytes_vec8(&c, NULL, NULL) != 0               /* compression methods */
        || tl_bytes_vec16(&c, &body, &exts_len) != 0)
        goto bad;
    tl_bytes_init(&exts, body, exts_len);
    while (tl_bytes_left(&exts) >= 4) {
        if (tl_bytes_u16(&exts, &t) != 0 || tl_bytes_vec16(&exts, &ext, len) != 0)
            goto bad;
        if (t == type)
            return ext;
    }
    return NULL;
bad:
    tl_fuzz_die("the client wrote a malformed ClientHello");
}

/* The first identity of a pre_shared_key extension (len bytes at ext): the
 * ticket and its obfuscated age. Returns 0, or -1 when it is cut short. */
static int first_identity(const unsigned char *ext, size_t len, const unsigned char **id,
                          size_t *id_len, uint32_t *obfuscated_age)
{
    tl_bytes c;

    tl_bytes_init(&c, ext, len);
    if (ext == NULL || tl_bytes_take(&c, 2, NULL) != 0      /* the identities' length */
        || tl_bytes_vec16(&c, id, id_len) != 0 || tl_bytes_u32(&c, obfuscated_age) != 0)
        return -1;
    return 0;
}

/* Verdicts of the offer (fed back as TL_FB_VERDICT). */
enum { OFFER_UNKNOWN = 0, OFFER_13 = 2, OFFER_WITHHELD = 3, OFFER_12 = 4 };

/* Check the ClientHello the client writes for sess (the session st the
 * cache handed out, stored i-th, after the clock moved `step` seconds).
 * Returns the verdict; ends the process when the offer is wrong. */
static int offer_verdict(tl_world *w, SSL_SESSION *sess, const tl_ct_stored *st, size_t i,
                         int64_t step)
{
    tw_bytes hello = { 0 };
    const unsigned char *ext, *sid;
    size_t len = 0, sid_len = 0;
    const unsigned char *t;
    size_t tlen;
    int verdict;

    SSL_SESSION_get0_ticket(st->sess, &t, &tlen);
    client_hello(w, sess, &hello);
    if (R.tls13) {
        tl_ct_nst v;
        uint32_t age, obfuscated_age;
        const unsigned char *id;
        size_t id_len;

        ext = find_ext(&hello, CT_EXT_PSK, &len, &sid, &sid_len);
        if (tl_ct_view_of(i, &v) == NULL) {
            tw_bytes_free(&hello);
            return OFFER_UNKNOWN;
        }
        if (!tl_ct_lib_offer_age(st, &v, step, &age)) {
            if (ext != NULL)
                tl_fuzz_die("the client offers a ticket %lu s old, its lifetime hint is %lu s",
                            (unsigned long)age, (unsigned long)v.lifetime);
            verdict = OFFER_WITHHELD;
        } else {
            if (first_identity(ext, len, &id, &id_len, &obfuscated_age) != 0
                || id_len != tlen || memcmp(id, t, tlen) != 0)
                tl_fuzz_die("the ClientHello does not offer the %zu-byte ticket as its first "
                            "PSK identity", tlen);
            if (obfuscated_age != age * 1000u + v.age_add)
                tl_fuzz_die("obfuscated_ticket_age %lu, expected %lu (age %lu s, age_add %lu)",
                            (unsigned long)obfuscated_age,
                            (unsigned long)(age * 1000u + v.age_add), (unsigned long)age,
                            (unsigned long)v.age_add);
            verdict = OFFER_13;
        }
    } else {
        unsigned char id[32];
        unsigned int idlen = 0;
        const unsigned char *sess_id = SSL_SESSION_get_id(st->sess, &idlen);

        ext = find_ext(&hello, CT_EXT_SESSION_TICKET, &len, &sid, &sid_len);
        if (!tl_ct_lib_offers12(st, step)) {   /* expired for the client: an empty extension */
            if (ext == NULL || len != 0)
                tl_fuzz_die("the client offers a TLS 1.2 session whose timeout is past");
            tw_bytes_free(&hello);
            return OFFER_WITHHELD;
        }
        if (!tl_ct_lib_sid_is_session_id()) {   /* a random placeholder: the session's own id */
            sid = sess_id;
            sid_len = idlen;
        }
        if (ext == NULL || len != tlen || (tlen && memcmp(ext, t, tlen) != 0))
            tl_fuzz_die("the ClientHello's session_ticket extension is not the %zu-byte ticket",
                        tlen);
        if (sid_len != idlen || memcmp(sid, sess_id, idlen) != 0)
            tl_fuzz_die("the ClientHello's session id is not the session's");
        if (tlen && (EVP_Digest(t, tlen, id, NULL, G.sha256, NULL) != 1 || sid_len != 32
                     || memcmp(sid, id, 32) != 0))
            tl_fuzz_die("the session id is not SHA-256 of the ticket");
        verdict = OFFER_12;
    }
    tw_bytes_free(&hello);
    return verdict;
}

/*
 * Oracle 4 for one session the cache handed out. The ClientHello is a
 * function of the session's DER (the cache handed out exactly st->der:
 * check_take compared), the clock and the client's fixed configuration;
 * the expectations add the view's lifetime and age_add. So a verdict
 * reached on these bytes holds for them again (ct_memo.c), and only a
 * session not seen before costs a ClientHello.
 */
static void check_offer(tl_world *w, SSL_SESSION *sess, const tl_ct_stored *st, size_t i,
                        int64_t step)
{
    unsigned char key[1 + 8 + 8 + 1 + 4 + 4];
    unsigned char verdict = OFFER_UNKNOWN;
    tl_ct_nst v;
    int has_view = R.tls13 && tl_ct_view_of(i, &v) != NULL;
    uint64_t now = (uint64_t)tl_clock_now(), st8 = (uint64_t)step;
    uint32_t life = has_view ? v.lifetime : 0, add = has_view ? v.age_add : 0;

    memset(key, 0, sizeof(key));
    key[0] = (unsigned char)R.tls13;
    for (int k = 0; k < 8; k++) {
        key[1 + k] = (unsigned char)(now >> (8 * k));
        key[9 + k] = (unsigned char)(st8 >> (8 * k));
    }
    key[17] = (unsigned char)has_view;
    for (int k = 0; k < 4; k++) {
        key[18 + k] = (unsigned char)(life >> (8 * k));
        key[22 + k] = (unsigned char)(add >> (8 * k));
    }
    if (!tl_ct_memo_get(CT_MEMO_OFFER, key, sizeof(key), st->der, st->der_len, &verdict, NULL)) {
        verdict = (unsigned char)offer_verdict(w, sess, st, i, step);
        tl_ct_memo_put(CT_MEMO_OFFER, key, sizeof(key), st->der, st->der_len, &verdict, 1);
    }
    if (verdict == OFFER_UNKNOWN)
        return;
    tl_fuzz_feedback(TL_FB_VERDICT, verdict);
    if (verdict == OFFER_WITHHELD)
        R.withheld++;
    else
        R.offered++;
}

/* The cache's rule: expired once put time + the session's timeout (capped) is past. */
static int expired(const tl_ct_stored *st, int64_t now)
{
    int64_t life = (int64_t)SSL_SESSION_get_timeout(st->sess);
    int64_t cap = R.tls13 ? TL_CACHE_MAX_13_LIFETIME : TL_CACHE_MAX_12_LIFETIME;

    return st->put_time + (life < cap ? life : cap) < now;
}

static void check_take(tl_world *w, tl_cache *c, const size_t *idx, size_t n, int64_t step)
{
    int64_t now;
    size_t takes = R.tls13 ? n + 1 : 2, next = 0;

    tl_clock_advance(step);
    now = tl_clock_now();
    for (size_t k = 0; k < takes; k++) {
        SSL_SESSION *s = NULL;
        tl_error err = { "" };
        const tl_ct_stored *want_st = NULL;
        size_t want_i = 0;
        unsigned char *der = NULL;
        int len;

        /* 1.3: the next stored that has not expired, once each (their
         * timeouts differ on BoringSSL and AWS-LC: an older one may expire
         * first); 1.2: the one, every time, unless expired. */
        while (R.tls13 && next < n && expired(&R.st[idx[next]], now))
            next++;
        if (n > 0 && (!R.tls13 || next < n)) {
            want_i = idx[R.tls13 ? next++ : 0];
            want_st = expired(&R.st[want_i], now) ? NULL : &R.st[want_i];
        }
        if (tl_cache_take(c, R.peer_key, &s, &err) != 0)
            tl_fuzz_die("the cache cannot hand out a re-imported session: %s", err.msg);
        if (s == NULL && want_st != NULL)
            tl_fuzz_die("take %zu: the cache lost a live session", k);
        if (s != NULL && want_st == NULL)
            tl_fuzz_die("take %zu: the cache hands out %s", k,
                        R.tls13 ? "a TLS 1.3 ticket a second time, or an expired one"
                                : "an expired session");
        if (s == NULL) {
            tl_fuzz_feedback(TL_FB_VERDICT, 5);
            break;
        }
        len = i2d_SSL_SESSION(s, &der);
        if (len < 0 || (size_t)len != want_st->der_len || memcmp(der, want_st->der, want_st->der_len) != 0)
            tl_fuzz_die("take %zu: the cache hands out another session than it was given", k);
        OPENSSL_free(der);
        R.taken++;
        check_offer(w, s, want_st, want_i, step);
        SSL_SESSION_free(s);
    }
}

void tl_ct_check_cache(tl_world *w, int by_hash, int64_t step)
{
    size_t idx[CT_MAX_SESSIONS] = { 0 };   /* filled by expected_entries; gcc -O2 cannot tell */
    size_t n = expected_entries(idx);
    tl_cache *again;

    R.cached = n;
    again = check_round_trip(idx, n, by_hash);
    check_take(w, again, idx, n, step);
    tl_cache_free(again);
}
