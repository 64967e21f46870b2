/*
 * test_probe.c - server-only runs on an edited ClientHello: the valid
 * ticket resumes, junk gives NO_DECRYPT, and the empty ticket reaches
 * EMPTY in TLS 1.2 and the decode_error path in TLS 1.3. TLS 1.3 binders:
 * recomputed from the genuine session they equal the captured one, and a
 * resealed session with another PSK resumes only with its own binder.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "probe.h"
#include "detect.h"
#include "ticketlab/ticket.h"
#include "tl_test.h"

static tl_world *w;
static tl_handshake_result full;

static tl_probe *probe_with(int version, const char *server_ciphers)
{
    tl_world_config cfg;
    tl_error err = { "" };
    tl_probe *p;

    tl_world_config_init(&cfg);
    cfg.tls_version = version;
    cfg.server_ciphers = server_ciphers;
    w = tl_world_new(&cfg, &err);
    if (w == NULL || tl_world_handshake(w, NULL, &full, &err) != 0 || full.n_sessions == 0) {
        fprintf(stderr, "world: %s\n", err.msg);
        return NULL;
    }
    p = tl_probe_new(w, full.sessions[0], &err);
    if (p == NULL)
        fprintf(stderr, "probe: %s\n", err.msg);
    return p;
}

static tl_probe *probe_for(int version)
{
    return probe_with(version, NULL);
}

static void done(tl_probe *p)
{
    tl_probe_free(p);
    tl_handshake_result_free(&full);
    tl_world_free(w);
    w = NULL;
}

static const tl_event *decrypt_event(const tl_probe_result *r)
{
    const tl_event_log *log = tl_world_events(w);

    for (size_t i = r->ev_begin; i < r->ev_end; i++)
        if (log->ev[i].kind == TL_EV_DECRYPT_CB)
            return &log->ev[i];
    return NULL;
}

static void check_common(int version)
{
    tl_probe *p = probe_for(version);
    tl_probe_result r;
    tl_error err = { "" };
    const unsigned char *t;
    size_t tlen;
    unsigned char junk[120];
    const tl_event *e;

    TL_CHECK(p != NULL);
    if (p == NULL)
        return;
    t = tl_probe_ticket(p, &tlen);
    TL_CHECK(tlen > 64);
    /* The unmodified ticket resumes, twice in a row on the same SSL. */
    for (int i = 0; i < 2; i++) {
        TL_CHECK_INT(tl_probe_run(p, t, tlen, &r, &err), 0);
        TL_CHECK_INT(r.failed, 0);
        TL_CHECK_INT(r.resumed, 1);
        e = decrypt_event(&r);
        TL_CHECK(e && e->status == SSL_TICKET_SUCCESS);
    }
    /* Junk: NO_DECRYPT, full handshake. */
    memset(junk, 0x5a, sizeof(junk));
    TL_CHECK_INT(tl_probe_run(p, junk, sizeof(junk), &r, &err), 0);
    TL_CHECK_INT(r.failed, 0);
    TL_CHECK_INT(r.resumed, 0);
    e = decrypt_event(&r);
    TL_CHECK(e && e->status == SSL_TICKET_NO_DECRYPT);
    /* Too long for one record: refused by the harness, not sent. */
    TL_CHECK_INT(tl_probe_run(p, junk, TL_PROBE_MAX_TICKET + 1, &r, &err), -1);
    done(p);
}

static void test_tls12(void)
{
    check_common(TLS1_2_VERSION);
}

static void test_tls13(void)
{
    check_common(TLS1_3_VERSION);
}

static void test_empty_ticket(void)
{
    tl_probe *p = probe_for(TLS1_2_VERSION);
    tl_probe_result r;
    tl_error err = { "" };
    const tl_event *e;

    if (p == NULL)
        return;
    TL_CHECK_INT(tl_probe_run(p, NULL, 0, &r, &err), 0);
    TL_CHECK_INT(r.failed, 0);
    e = decrypt_event(&r);
    TL_CHECK(e && e->status == SSL_TICKET_EMPTY && !e->has_session);
    done(p);

    /* TLS 1.3 before 3.0.21/3.5.7: an empty identity is EMPTY too;
     * IGNORE_RENEW keeps it a decode_error (tls_parse_ctos_psk), IGNORE
     * turns it into no ticket. From then on: decode_error, no callback. */
    p = probe_for(TLS1_3_VERSION);
    if (p == NULL)
        return;
    TL_CHECK_INT(tl_probe_run(p, NULL, 0, &r, &err), 0);
    TL_CHECK_INT(r.failed, 1);
    TL_CHECK_INT(r.alert_sent, 50);
    e = decrypt_event(&r);
    if (tl_behaviour_has(TL_CHANGE_PSK_EMPTY_IDENTITY))
        TL_CHECK(e == NULL);
    else
        TL_CHECK(e && e->status == SSL_TICKET_EMPTY && e->ret == SSL_TICKET_RETURN_IGNORE_RENEW);
    TL_CHECK_INT(tl_policy_set_decrypt(tl_world_policy(w), SSL_TICKET_EMPTY, SSL_TICKET_RETURN_IGNORE), 0);
    TL_CHECK_INT(tl_probe_run(p, NULL, 0, &r, &err), 0);
    TL_CHECK_INT(r.failed, tl_behaviour_has(TL_CHANGE_PSK_EMPTY_IDENTITY) ? 1 : 0);
    TL_CHECK_INT(r.resumed, 0);
    done(p);
}

/*
 * The plaintext session behind the probe's genuine ticket, with its master
 * key (the PSK) replaced by 48 bytes of `fill` and, when cipher_id is not
 * 0, its cipher by that TLS 1.3 suite; sealed again under the world's key
 * into *ticket (malloc'd). Returns the edited session (caller frees).
 */
static SSL_SESSION *reseal(tl_probe *p, unsigned char fill, unsigned char cipher_id,
                           unsigned char **ticket, size_t *ticket_len)
{
    static const unsigned char iv[TL_TICKET_IV_LEN] = { 0x70, 0x73, 0x6b };
    const unsigned char *t;
    unsigned char mk[48], *der = NULL;
    size_t tlen;
    int der_len;
    tl_ticket_info info;
    tl_error err = { "" };
    SSL_SESSION *s = NULL;

    memset(&info, 0, sizeof(info));
    memset(mk, fill, sizeof(mk));
    t = tl_probe_ticket(p, &tlen);
    TL_CHECK_INT(tl_ticket_open(tl_world_keyring(w), t, tlen, &info, &err), 0);
    TL_CHECK_INT(info.verdict, TL_TICKET_OK);
    if (info.session != NULL && SSL_SESSION_set1_master_key(info.session, mk, sizeof(mk)) == 1) {
        const unsigned char id[2] = { 0x13, cipher_id };
        const SSL_CIPHER *c = cipher_id ? SSL_CIPHER_find(tl_probe_server(p), id) : NULL;

        TL_CHECK(cipher_id == 0 || (c != NULL && SSL_SESSION_set_cipher(info.session, c) == 1));
        der_len = i2d_SSL_SESSION(info.session, &der);
        TL_CHECK(der_len > 0);
        if (der_len > 0
            && tl_ticket_seal(tl_keyring_current(tl_world_keyring(w)), iv, der, (size_t)der_len,
                              ticket, ticket_len, &err) == 0) {
            s = info.session;
            info.session = NULL;
        }
        OPENSSL_free(der);
    }
    tl_ticket_info_clear(&info);
    TL_CHECK(s != NULL);
    return s;
}

/* The master key of the session the probe's server runs with now. */
static size_t server_master_key(tl_probe *p, unsigned char *out, size_t max)
{
    SSL_SESSION *s = SSL_get_session(tl_probe_server(p));

    return s != NULL ? SSL_SESSION_get_master_key(s, out, max) : 0;
}

/* The server's binder check failed: illegal_parameter up to 3.0,
 * decrypt_error in 3.5 and later, the same reason in both. */
static void check_bad_binder(const tl_probe_result *r)
{
    TL_CHECK_INT(r->resumed, 0);
    TL_CHECK_INT(r->failed, 1);
    TL_CHECK(r->alert_sent == SSL_AD_ILLEGAL_PARAMETER || r->alert_sent == SSL_AD_DECRYPT_ERROR);
    TL_CHECK_STR(r->err_reason, "binder does not verify");
}

static void test_tls13_binder(void)
{
    tl_probe *p = probe_for(TLS1_3_VERSION);
    tl_probe_result r;
    tl_error err = { "" };
    const unsigned char *t, *hello, *sent;
    size_t tlen, hello_len, sent_len, mk_len;
    unsigned char *forged = NULL, mk[64], want[48];
    size_t forged_len = 0;
    SSL_SESSION *other;
    const tl_event *e;

    if (p == NULL)
        return;
    TL_CHECK(tl_probe_session(p) == full.sessions[0]);
    t = tl_probe_ticket(p, &tlen);
    hello = tl_probe_client_hello(p, &hello_len);
    TL_CHECK(tl_probe_last_hello(p, &sent_len) == NULL && sent_len == 0);

    /* The genuine ticket resumes with the captured binder... */
    TL_CHECK_INT(tl_probe_run_psk(p, t, tlen, NULL, &r, &err), 0);
    TL_CHECK_INT(r.failed, 0);
    TL_CHECK_INT(r.resumed, 1);
    sent = tl_probe_last_hello(p, &sent_len);
    TL_CHECK(sent_len == hello_len && memcmp(sent, hello, hello_len) == 0);
    /* ...and with the binder recomputed from its session, which is the
     * captured binder byte for byte (the binder ends the record). */
    TL_CHECK_INT(tl_probe_run_psk(p, t, tlen, tl_probe_session(p), &r, &err), 0);
    TL_CHECK_INT(r.failed, 0);
    TL_CHECK_INT(r.resumed, 1);
    sent = tl_probe_last_hello(p, &sent_len);
    TL_CHECK_INT(sent_len, hello_len);
    TL_CHECK(sent != NULL && hello_len > 48
             && memcmp(sent + hello_len - 48, hello + hello_len - 48, 48) == 0);
    TL_CHECK(sent != NULL && memcmp(sent, hello, hello_len) == 0);

    /* The same session under another PSK, sealed under the server's key:
     * it decrypts, but resumes only with its own binder. */
    other = reseal(p, 0xa5, 0, &forged, &forged_len);
    if (other == NULL) {
        done(p);
        return;
    }
    TL_CHECK_INT(tl_probe_run_psk(p, forged, forged_len, NULL, &r, &err), 0);
    check_bad_binder(&r);
    e = decrypt_event(&r);
    TL_CHECK(e && e->status == SSL_TICKET_SUCCESS);
    TL_CHECK_INT(tl_probe_run_psk(p, forged, forged_len, tl_probe_session(p), &r, &err), 0);
    check_bad_binder(&r);
    TL_CHECK_INT(tl_probe_run_psk(p, forged, forged_len, other, &r, &err), 0);
    TL_CHECK_INT(r.failed, 0);
    TL_CHECK_INT(r.resumed, 1);
    memset(want, 0xa5, sizeof(want));
    mk_len = server_master_key(p, mk, sizeof(mk));
    TL_CHECK(mk_len == sizeof(want) && memcmp(mk, want, sizeof(want)) == 0);
    /* And the genuine ticket no longer passes with that other binder. */
    TL_CHECK_INT(tl_probe_run_psk(p, t, tlen, other, &r, &err), 0);
    check_bad_binder(&r);
    free(forged);
    SSL_SESSION_free(other);
    done(p);

    /* A binder is TLS 1.3's: a TLS 1.2 probe refuses a PSK, sends nothing. */
    p = probe_for(TLS1_2_VERSION);
    if (p == NULL)
        return;
    t = tl_probe_ticket(p, &tlen);
    TL_CHECK_INT(tl_probe_run_psk(p, t, tlen, full.sessions[0], &r, &err), -1);
    TL_CHECK(strstr(err.msg, "TLS 1.3") != NULL);
    TL_CHECK(tl_probe_last_hello(p, &sent_len) == NULL);
    done(p);
}

/* A binder of another size: the genuine session is SHA-256 (32-byte
 * binder), the server then allows only a SHA-384 suite, and a SHA-384
 * session resumes with its 48-byte binder in place of the 32 bytes. */
static void test_tls13_binder_resized(void)
{
    tl_probe *p = probe_with(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
    tl_probe_result r;
    tl_error err = { "" };
    const unsigned char *t;
    size_t tlen, hello_len, sent_len;
    unsigned char *forged = NULL;
    size_t forged_len = 0;
    SSL_SESSION *other;

    if (p == NULL)
        return;
    t = tl_probe_ticket(p, &tlen);
    tl_probe_client_hello(p, &hello_len);
    TL_CHECK_INT(tl_probe_run_psk(p, t, tlen, tl_probe_session(p), &r, &err), 0);
    TL_CHECK_INT(r.resumed, 1);
    other = reseal(p, 0x3c, 0x02, &forged, &forged_len);   /* TLS_AES_256_GCM_SHA384 */
    TL_CHECK_INT(SSL_set_ciphersuites(tl_probe_server(p), "TLS_AES_256_GCM_SHA384"), 1);
    if (other != NULL) {
        /* The genuine session's hash is not the suite's: a full handshake. */
        TL_CHECK_INT(tl_probe_run_psk(p, t, tlen, tl_probe_session(p), &r, &err), 0);
        TL_CHECK_INT(r.failed, 0);
        TL_CHECK_INT(r.resumed, 0);
        TL_CHECK_INT(tl_probe_run_psk(p, forged, forged_len, other, &r, &err), 0);
        TL_CHECK_INT(r.failed, 0);
        TL_CHECK_INT(r.resumed, 1);
        tl_probe_last_hello(p, &sent_len);
        TL_CHECK_INT(sent_len, hello_len + forged_len - tlen + 16);
    }
    free(forged);
    SSL_SESSION_free(other);
    done(p);
}

/* Does the ClientHello record h (n bytes) carry extension `type`? */
static int has_extension(const unsigned char *h, size_t n, unsigned type)
{
    size_t off = 9 + 2 + 32, end;

    if (n < off + 1)
        return 0;
    off += 1 + h[off];                                  /* session id */
    if (off + 2 > n)
        return 0;
    off += 2 + ((size_t)h[off] << 8 | h[off + 1]);      /* cipher suites */
    if (off + 1 > n)
        return 0;
    off += 1 + h[off];                                  /* compression */
    if (off + 2 > n)
        return 0;
    end = off + 2 + ((size_t)h[off] << 8 | h[off + 1]);
    for (off += 2; off + 4 <= end && end <= n; off += 4 + ((size_t)h[off + 2] << 8 | h[off + 3]))
        if (((unsigned)h[off] << 8 | h[off + 1]) == type)
            return 1;
    return 0;
}

/* A TLS 1.3 world (max_early_data `early`, anti-replay off when no_replay)
 * and a probe for its first session, made with tl_probe_new_early(forced);
 * its ClientHello must offer early data. NULL after a failed check. */
static tl_probe *early_probe(uint32_t early, int no_replay, uint32_t forced)
{
    tl_world_config cfg;
    tl_error err = { "" };
    tl_probe *p = NULL;
    const unsigned char *hello;
    size_t hello_len;

    tl_world_config_init(&cfg);
    cfg.tls_version = TLS1_3_VERSION;
    cfg.max_early_data = early;
    cfg.no_anti_replay = no_replay;
    w = tl_world_new(&cfg, &err);
    if (w != NULL && tl_world_handshake(w, NULL, &full, &err) == 0 && full.n_sessions > 0)
        p = tl_probe_new_early(w, full.sessions[0], forced, &err);
    TL_CHECK(p != NULL);
    if (p == NULL) {
        fprintf(stderr, "early data probe: %s\n", err.msg);
        done(p);
        return NULL;
    }
    hello = tl_probe_client_hello(p, &hello_len);
    TL_CHECK(has_extension(hello, hello_len, 42));   /* early_data */
    return p;
}

/* A ticket that does not decrypt: no resumption, no early data. */
static void check_junk_gets_no_early_data(tl_probe *p)
{
    tl_probe_result r;
    tl_error err = { "" };
    unsigned char junk[64];

    memset(junk, 0x41, sizeof(junk));
    TL_CHECK_INT(tl_probe_run_psk(p, junk, sizeof(junk), tl_probe_session(p), &r, &err), 0);
    TL_CHECK_INT(r.resumed, 0);
    TL_CHECK_INT(r.early_accepted, 0);
}

/* A session that allows early data: the probe offers it, and a resumption
 * reaches the server's 0-RTT decision. With anti-replay (OpenSSL's default)
 * the server's TLS 1.3 tickets are stateful and single-use: the first use
 * resumes with early data, a replay gets a full handshake. Without it every
 * use resumes with early data, run after run (no state left in the server). */
static void test_tls13_early_data(void)
{
    for (int no_replay = 0; no_replay < 2; no_replay++) {
        tl_probe *p = early_probe(16384, no_replay, 0);
        tl_probe_result r;
        tl_error err = { "" };
        const unsigned char *t;
        size_t tlen;

        if (p == NULL)
            continue;
        t = tl_probe_ticket(p, &tlen);
        TL_CHECK_INT(tl_probe_run_psk(p, t, tlen, tl_probe_session(p), &r, &err), 0);
        TL_CHECK_INT(r.failed, 0);
        TL_CHECK_INT(r.resumed, 1);
        TL_CHECK_INT(r.early_accepted, 1);
        for (int run = 0; run < 2; run++) {
            TL_CHECK_INT(tl_probe_run_psk(p, t, tlen, tl_probe_session(p), &r, &err), 0);
            TL_CHECK_INT(r.failed, 0);
            TL_CHECK_INT(r.resumed, no_replay);
            TL_CHECK_INT(r.early_accepted, no_replay);
        }
        check_junk_gets_no_early_data(p);
        done(p);
    }
}

/* tl_probe_new_early on a world without early data: the ClientHello
 * offers it anyway, the world's tickets are unchanged, and the probe's
 * server takes it (OpenSSL's server does not check the session's own
 * max_early_data), run after run, byte for byte. */
static void test_tls13_early_forced(void)
{
    tl_probe *p = early_probe(0, 0, 16384);
    tl_probe_result r;
    tl_error err = { "" };
    const unsigned char *t;
    size_t tlen;
    uint64_t first_hash = 0;

    if (p == NULL)
        return;
    TL_CHECK_INT(SSL_SESSION_get_max_early_data(full.sessions[0]), 0);
    t = tl_probe_ticket(p, &tlen);
    TL_CHECK_INT(tlen, full.tickets[0].ticket_len);
    for (int run = 0; run < 3; run++) {
        TL_CHECK_INT(tl_world_reset(w, 1, &err), 0);   /* the same RNG stream each run */
        TL_CHECK_INT(tl_probe_run_psk(p, t, tlen, tl_probe_session(p), &r, &err), 0);
        TL_CHECK_INT(r.failed, 0);
        TL_CHECK_INT(r.resumed, 1);
        TL_CHECK_INT(r.early_accepted, 1);
        if (run == 0)
            first_hash = r.flight_hash;
        TL_CHECK(r.flight_hash == first_hash);
    }
    check_junk_gets_no_early_data(p);
    done(p);
}

/* Without early data in the session the ClientHello offers none. */
static void test_tls13_no_early_data(void)
{
    tl_probe *p = probe_for(TLS1_3_VERSION);
    const unsigned char *hello;
    size_t hello_len;

    if (p == NULL)
        return;
    hello = tl_probe_client_hello(p, &hello_len);
    TL_CHECK(!has_extension(hello, hello_len, 42));
    done(p);
}

int main(void)
{
    tl_detect_ensure();
    TL_RUN(test_tls12);
    TL_RUN(test_tls13);
    TL_RUN(test_empty_ticket);
    TL_RUN(test_tls13_binder);
    TL_RUN(test_tls13_binder_resized);
    TL_RUN(test_tls13_early_data);
    TL_RUN(test_tls13_early_forced);
    TL_RUN(test_tls13_no_early_data);
    return TL_DONE();
}
