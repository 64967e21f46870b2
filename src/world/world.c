/*
 * world.c - a TLS client and server in one process over a BIO pair; see
 * world.h.
 *
 * The handshake driver steps the client, then the server, round after
 * round, until both sides have finished or failed, or a round changes
 * nothing. Every observation comes from OpenSSL's own hooks: the info
 * callback sees alerts, the client's message callback sees each
 * NewSessionTicket and HelloRetryRequest as it was on the wire, and the
 * client's new-session callback hands over the resumable sessions.
 */
#include "ticketlab/world.h"
#include "ossl_compat.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "early_data.h"
#include "ticketlab/clock.h"
#include "ticketlab/rng.h"
#include "nst_record.h"
#include "testchain.h"

#define BIO_PAIR_SIZE (64 * 1024)
#define MAX_ROUNDS 200

struct tl_world {
    tl_world_config cfg;
    char *alpn;               /* owned copies of the config strings */
    char *server_ciphers;
    char *groups;
    char *server_groups;
    char *sid_ctx;
    unsigned char *alpn_wire; /* ALPN in wire format (length-prefixed) */
    size_t alpn_wire_len;
    SSL_CTX *server_ctx;
    SSL_CTX *client_ctx;
    tl_keyring *keyring;
    int owns_keyring;
    tl_policy policy;
    tl_event_log log;
    tl_issuer issuer;
    int handshakes;
    /* during a handshake */
    SSL *client;
    SSL *server;
    tl_handshake_result *cur;
};

static int world_index = -1;
static int clock_checked;      /* 1: OpenSSL reads our clock, -1: it does not */

static void drop_pair(tl_world *w);

void tl_world_config_init(tl_world_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->tls_version = TLS1_3_VERSION;
    cfg->seed = 1;
    /* The library's own key callback and, where it has them, the
     * generate/decrypt callbacks (BoringSSL and AWS-LC: HMAC_CTX key
     * callback only; tlslib.h). */
    cfg->key_source = tl_tlslib_lacks(TL_API_EVP_KEY_CB) == NULL ? TL_KEYS_EVP_CB : TL_KEYS_LEGACY_CB;
    cfg->ticket_cb = tl_tlslib_lacks(TL_API_DECRYPT_CB) == NULL;
    cfg->num_tickets = -1;
}

int tl_world_pin_defaults(SSL_CTX *ctx, const char *groups, int suites, tl_error *err)
{
    const char *g = groups != NULL ? groups : TL_DEFAULT_GROUPS;

    if (!SSL_CTX_set1_groups_list(ctx, g))
        return tl_error_set_ssl(err, "key groups '%s' refused", g);
#if TL_TLSLIB_OPENSSL || defined(OPENSSL_IS_AWSLC)
    if (suites && !SSL_CTX_set_ciphersuites(ctx, TL_DEFAULT_CIPHERSUITES))
        return tl_error_set_ssl(err, "TLS 1.3 suites '%s' refused", TL_DEFAULT_CIPHERSUITES);
#else
    (void)suites;   /* BoringSSL: its TLS 1.3 suites are fixed */
#endif
    return 0;
}

static tl_world *world_of(const SSL *s)
{
    return SSL_get_ex_data(s, world_index);
}

/* ---- observation hooks ---------------------------------------------------- */

static void info_cb(const SSL *s, int where, int ret)
{
    tl_world *w = world_of(s);
    tl_side_result *side;

    if (w == NULL || w->cur == NULL || !(where & SSL_CB_ALERT))
        return;
    side = s == w->client ? &w->cur->client : &w->cur->server;
    if ((where & SSL_CB_WRITE) && side->alert_sent < 0)
        side->alert_sent = ret & 0xff;
    if ((where & SSL_CB_READ) && side->alert_received < 0)
        side->alert_received = ret & 0xff;
}

static const unsigned char hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02,
    0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E,
    0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C
};

static void client_msg_cb(int write_p, int version, int content_type,
                          const void *buf, size_t len, SSL *s, void *arg)
{
    tl_world *w = arg;
    const unsigned char *p = buf;

    if (w->cur == NULL || write_p || content_type != SSL3_RT_HANDSHAKE || len < 4)
        return;
    if (p[0] == SSL3_MT_NEWSESSION_TICKET)
        tl_nst_record(w->cur, p + 4, len - 4, SSL_version(s) == TLS1_3_VERSION);
    /* ServerHello: type, 3-byte length, 2-byte version, then the random. */
    if (p[0] == SSL3_MT_SERVER_HELLO && len >= 38 && memcmp(p + 6, hrr_random, 32) == 0)
        w->cur->hrr = 1;
}

static int new_session_cb(SSL *s, SSL_SESSION *sess)
{
    tl_world *w = world_of(s);

    if (w == NULL || w->cur == NULL || w->cur->n_sessions >= TL_MAX_TICKETS)
        return 0;
    w->cur->sessions[w->cur->n_sessions++] = sess;
    return 1;   /* we keep the reference */
}

/* Accept every server name, so that OpenSSL stores it in the session
 * (final_server_name() in ssl/statem/extensions.c keeps the name only when
 * a callback said SSL_TLSEXT_ERR_OK). */
static int servername_cb(SSL *s, int *alert, void *arg)
{
    return SSL_TLSEXT_ERR_OK;
}

static int alpn_select_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg)
{
    tl_world *w = arg;

    if (w->alpn_wire == NULL)
        return SSL_TLSEXT_ERR_NOACK;
    if (SSL_select_next_proto((unsigned char **)out, outlen, w->alpn_wire,
                              (unsigned int)w->alpn_wire_len, in, inlen)
        != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;   /* RFC 7301: no_application_protocol */
    return SSL_TLSEXT_ERR_OK;
}

/* ---- set-up ----------------------------------------------------------------- */

/* "h2,http/1.1" -> "\x02h2\x08http/1.1". Returns 0 or -1. */
static int alpn_to_wire(const char *list, unsigned char **out, size_t *outlen)
{
    size_t n = strlen(list), o = 0;
    unsigned char *buf = malloc(n + 1);
    const char *p = list;

    if (buf == NULL)
        return -1;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);

        if (len == 0 || len > 255) {
            free(buf);
            return -1;
        }
        buf[o++] = (unsigned char)len;
        memcpy(buf + o, p, len);
        o += len;
        p += len + (comma ? 1 : 0);
    }
    *out = buf;
    *outlen = o;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int make_server_ctx(tl_world *w, tl_error *err)
{
    const tl_world_config *c = &w->cfg;
    SSL_CTX *ctx = tl_tlslib_ctx_new(TLS_server_method(), err);
    const char *sid = w->sid_ctx ? w->sid_ctx : "ticketlab";

    if (ctx == NULL)
        return -1;
    w->server_ctx = ctx;
    if (!SSL_CTX_set_min_proto_version(ctx, c->tls_version)
        || !SSL_CTX_set_max_proto_version(ctx, c->tls_version))
        return tl_error_set_ssl(err, "the server refuses protocol version 0x%04x", c->tls_version);
    if (tl_testchain_use(ctx, err) != 0)
        return -1;
    if (!SSL_CTX_set_session_id_context(ctx, (const unsigned char *)sid, (unsigned)strlen(sid)))
        return tl_error_set_ssl(err, "session id context '%s' refused", sid);
    if (c->num_tickets >= 0 && !SSL_CTX_set_num_tickets(ctx, (size_t)c->num_tickets))
        return tl_error_set_ssl(err, "SSL_CTX_set_num_tickets(%d) failed", c->num_tickets);
    if (c->no_ticket)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
#if TL_TLSLIB_OPENSSL
    if (c->no_anti_replay)
        SSL_CTX_set_options(ctx, SSL_OP_NO_ANTI_REPLAY);
#else
    /* BoringSSL, AWS-LC: no SSL_OP_NO_ANTI_REPLAY because no anti-replay to
     * turn off: tls13_server.cc do_select_session accepts 0-RTT on any
     * resumable ticket; replay defence is the application's (ssl.h). */
#endif
    if (tl_early_server_enable(ctx, c->max_early_data, err) != 0)
        return -1;
    if (c->session_timeout > 0)
        SSL_CTX_set_timeout(ctx, c->session_timeout);
    if (w->server_ciphers != NULL) {
        int ok;

#if TL_TLSLIB_OPENSSL || defined(OPENSSL_IS_AWSLC)
        ok = c->tls_version == TLS1_3_VERSION
                 ? SSL_CTX_set_ciphersuites(ctx, w->server_ciphers)
                 : SSL_CTX_set_cipher_list(ctx, w->server_ciphers);
#else
        if (c->tls_version == TLS1_3_VERSION)
            return tl_error_set(err, "%s", tl_tlslib_lacks(TL_API_TLS13_SUITES));
        ok = SSL_CTX_set_cipher_list(ctx, w->server_ciphers);
#endif
        if (!ok)
            return tl_error_set_ssl(err, "server ciphers '%s' refused", w->server_ciphers);
    }
    if (tl_world_pin_defaults(ctx, w->server_groups ? w->server_groups : w->groups,
                              w->server_ciphers == NULL, err) != 0)
        return -1;
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select_cb, w);
    SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
    SSL_CTX_set_info_callback(ctx, info_cb);

    w->issuer.source = c->key_source;
    w->issuer.ticket_cb = c->ticket_cb;
    w->issuer.keyring = w->keyring;
    w->issuer.policy = &w->policy;
    w->issuer.log = &w->log;
    w->issuer.user = c->user;
    return tl_issuer_install(ctx, &w->issuer, err);
}

static int make_client_ctx(tl_world *w, tl_error *err)
{
    SSL_CTX *ctx = tl_tlslib_ctx_new(TLS_client_method(), err);

    if (ctx == NULL)
        return -1;
    w->client_ctx = ctx;
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        || !SSL_CTX_set_max_proto_version(ctx, w->cfg.tls_version))
        return tl_error_set_ssl(err, "the client refuses protocol version 0x%04x", w->cfg.tls_version);
    if (tl_testchain_trust(ctx, err) != 0)
        return -1;
    if (tl_world_pin_defaults(ctx, w->groups, 1, err) != 0)
        return -1;
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
    SSL_CTX_set_info_callback(ctx, info_cb);
    if (w->alpn_wire != NULL
        && SSL_CTX_set_alpn_protos(ctx, w->alpn_wire, (unsigned)w->alpn_wire_len) != 0)
        return tl_error_set_ssl(err, "client ALPN refused");
    return 0;
}

static int seed_world(tl_world *w, uint64_t seed)
{
    tl_rng_seed(seed);
    tl_tlslib_rng_reset();
    tl_clock_freeze(w->cfg.clock_start ? w->cfg.clock_start : TL_CLOCK_EPOCH);
    return 0;
}

tl_world *tl_world_new(const tl_world_config *cfg, tl_error *err)
{
    tl_world *w;
    unsigned char key[TL_LIBTLS_KEY_LEN];

    if (cfg->tls_version != TLS1_2_VERSION && cfg->tls_version != TLS1_3_VERSION)
        return tl_error_set(err, "TLS version 0x%04x: only 1.2 (0x0303) and 1.3 (0x0304)",
                            cfg->tls_version), NULL;
    /* Never run on the real time: nothing would reproduce. */
    if (!clock_checked)
        clock_checked = tl_clock_linked() ? 1 : -1;
    if (clock_checked < 0)
        return tl_error_set(err, "the harness clock is not installed: %s reads the system "
                            "clock, not ticketlab's (link libticketlab.a into the executable "
                            "and export its symbols: -rdynamic / ENABLE_EXPORTS)",
                            OpenSSL_version(OPENSSL_VERSION)), NULL;
    if (world_index < 0) {
        world_index = SSL_get_ex_new_index(0, "ticketlab world", NULL, NULL, NULL);
        if (world_index < 0)
            return tl_error_set_ssl(err, "cannot get an SSL ex_data index"), NULL;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL)
        return tl_error_set(err, "out of memory"), NULL;
    w->cfg = *cfg;
    w->alpn = dup_or_null(cfg->alpn);
    w->server_ciphers = dup_or_null(cfg->server_ciphers);
    w->groups = dup_or_null(cfg->groups);
    w->server_groups = dup_or_null(cfg->server_groups);
    w->sid_ctx = dup_or_null(cfg->sid_ctx);
    w->cfg.alpn = w->alpn;
    w->cfg.server_ciphers = w->server_ciphers;
    w->cfg.groups = w->groups;
    w->cfg.server_groups = w->server_groups;
    w->cfg.sid_ctx = w->sid_ctx;
    tl_policy_init(&w->policy);
    tl_event_log_init(&w->log);
    if ((cfg->alpn && !w->alpn) || (cfg->server_ciphers && !w->server_ciphers)
        || (cfg->groups && !w->groups)
        || (cfg->server_groups && !w->server_groups) || (cfg->sid_ctx && !w->sid_ctx)) {
        tl_error_set(err, "out of memory");
        goto fail;
    }
    if (w->alpn != NULL && alpn_to_wire(w->alpn, &w->alpn_wire, &w->alpn_wire_len) != 0) {
        tl_error_set(err, "ALPN list '%s': each protocol needs 1 to 255 bytes", w->alpn);
        goto fail;
    }
    seed_world(w, cfg->seed);
    if (cfg->keyring != NULL) {
        w->keyring = cfg->keyring;
    } else {
        w->keyring = tl_keyring_new(cfg->key_lifetime ? cfg->key_lifetime : TL_DEFAULT_LIFETIME);
        w->owns_keyring = 1;
        if (w->keyring == NULL) {
            tl_error_set(err, "out of memory");
            goto fail;
        }
        tl_rng_bytes(key, sizeof(key));
        if (tl_keyring_add_libtls(w->keyring, 1, key, sizeof(key)) != 0) {
            tl_error_set(err, "key ring: %s", tl_keyring_error(w->keyring));
            goto fail;
        }
        OPENSSL_cleanse(key, sizeof(key));
    }
    if (make_server_ctx(w, err) != 0 || make_client_ctx(w, err) != 0)
        goto fail;
    return w;
fail:
    tl_world_free(w);
    return NULL;
}

void tl_world_free(tl_world *w)
{
    if (w == NULL)
        return;
    drop_pair(w);
    SSL_CTX_free(w->server_ctx);
    SSL_CTX_free(w->client_ctx);
    if (w->owns_keyring)
        tl_keyring_free(w->keyring);
    tl_policy_free(&w->policy);
    tl_event_log_free(&w->log);
    free(w->alpn);
    free(w->server_ciphers);
    free(w->groups);
    free(w->server_groups);
    free(w->sid_ctx);
    free(w->alpn_wire);
    free(w);
}

int tl_world_reset(tl_world *w, uint64_t seed, tl_error *err)
{
    seed_world(w, seed);
    tl_event_log_reset(&w->log);
    w->handshakes = 0;
    w->issuer.key_enc_calls = 0;
    w->issuer.key_dec_calls = 0;
    w->issuer.last_error[0] = '\0';
    /* Stateful tickets and the anti-replay cache live in the server's
     * session cache: drop them, or one input would leak into the next. */
    if (SSL_CTX_sess_number(w->server_ctx) > 0)   /* walking an empty table costs */
        tl_ctx_flush_all_sessions(w->server_ctx);
    ERR_clear_error();
    return 0;
}

void tl_world_get_mark(const tl_world *w, tl_world_mark *m)
{
    m->events = w->log.n;
    m->handshakes = w->handshakes;
}

void tl_world_rewind(tl_world *w, const tl_world_mark *m)
{
    tl_event_log_truncate(&w->log, m->events);
    w->handshakes = m->handshakes;
}

/* ---- the handshake ------------------------------------------------------------ */

enum phase { PH_EARLY, PH_HANDSHAKE, PH_DONE, PH_FAILED };

static void note_failure(tl_side_result *side, SSL *s)
{
    unsigned long e = ERR_peek_error();

    if (side->err == 0 && e != 0) {
        const char *r = ERR_reason_error_string(e);

        side->err = e;
        snprintf(side->err_reason, sizeof(side->err_reason), "%s", r ? r : "unknown");
    }
    ERR_clear_error();
    (void)s;
}

static void step(SSL *s, enum phase *ph, tl_side_result *side, int is_client, tl_early *early)
{
    int r;

    if (*ph == PH_EARLY) {
        /* 0-RTT, the library's way (early_data.c). */
        r = tl_early_step(s, is_client, early);
        if (r > 0)
            *ph = PH_HANDSHAKE;
    } else if (*ph == PH_HANDSHAKE) {
        r = tl_world_classify(s, SSL_do_handshake(s));
        if (r > 0)
            *ph = PH_DONE;
    } else if (*ph == PH_DONE && is_client) {
        /* A finished TLS 1.3 client still reads: the server's tickets may
         * need room in the BIO pair before the server can finish. What it
         * reads here (tickets, or an alert) is recorded by the hooks; the
         * client's handshake stays finished either way. */
        unsigned char scratch[256];

        (void)SSL_read(s, scratch, sizeof(scratch));
        ERR_clear_error();
        return;
    } else {
        return;
    }
    if (r < 0) {
        *ph = PH_FAILED;
        note_failure(side, s);
    }
}

/* A snapshot of everything a round can change, to detect a stalled round. */
static size_t io_mark(BIO *c, BIO *s, enum phase pc, enum phase ps)
{
    return BIO_ctrl_pending(c) * 31 + BIO_ctrl_pending(s) * 17
           + BIO_ctrl_wpending(c) * 7 + BIO_ctrl_wpending(s) * 3 + (size_t)pc * 5 + (size_t)ps;
}

static int exchange_data(tl_world *w, tl_handshake_result *res)
{
    unsigned char buf[256];
    int sent_ping = 0, got_ping = 0, got_pong = 0;

    /* The server's writes may wait for room in the BIO pair (large
     * tickets go first), so every step is retried until it went through. */
    for (int round = 0; round < MAX_ROUNDS && !(got_ping && got_pong); round++) {
        if (!sent_ping) {
            int r = SSL_write(w->server, "ping", 4);

            if (r == 4)
                sent_ping = 1;
            else if (tl_world_classify(w->server, r) < 0)
                return 0;
        }
        if (!got_ping) {
            int r = SSL_read(w->client, buf, sizeof(buf));

            if (r == 4 && memcmp(buf, "ping", 4) == 0) {
                got_ping = 1;
                if (SSL_write(w->client, "pong", 4) != 4)
                    return 0;
            } else if (tl_world_classify(w->client, r) < 0) {
                return 0;
            }
        }
        if (got_ping && !got_pong) {
            int r = SSL_read(w->server, buf, sizeof(buf));

            if (r == 4 && memcmp(buf, "pong", 4) == 0)
                got_pong = 1;
            else if (tl_world_classify(w->server, r) < 0)
                return 0;
        }
    }
    (void)res;
    return got_ping && got_pong;
}

static int offer_session(tl_world *w, const tl_handshake_opts *o, tl_error *err)
{
    SSL_SESSION *offer;
    int ok;

    if (o->session == NULL)
        return 0;
    if (!o->replace_ticket)
        return SSL_set_session(w->client, o->session) == 1 ? 0
               : tl_error_set_ssl(err, "the client refuses the session");
    offer = tl_session_with_ticket(o->session, o->ticket, o->ticket_len, err);
    if (offer == NULL)
        return -1;
    ok = SSL_set_session(w->client, offer);
    SSL_SESSION_free(offer);
    return ok == 1 ? 0 : tl_error_set_ssl(err, "the client refuses the edited session");
}

static int new_pair(tl_world *w, tl_error *err)
{
    BIO *cbio = NULL, *sbio = NULL;

    w->client = SSL_new(w->client_ctx);
    w->server = SSL_new(w->server_ctx);
    if (w->client == NULL || w->server == NULL)
        return tl_error_set_ssl(err, "SSL_new failed");
    if (!SSL_set_ex_data(w->client, world_index, w) || !SSL_set_ex_data(w->server, world_index, w)
        || tl_issuer_bind(w->server, &w->issuer) != 0)
        return tl_error_set_ssl(err, "SSL_set_ex_data failed");
    if (!BIO_new_bio_pair(&cbio, BIO_PAIR_SIZE, &sbio, BIO_PAIR_SIZE))
        return tl_error_set_ssl(err, "BIO_new_bio_pair failed");
    SSL_set_bio(w->client, cbio, cbio);
    SSL_set_bio(w->server, sbio, sbio);
    return 0;
}

/* Drop whatever is still in flight, then SSL_clear() both sides. */
static int reuse_pair(tl_world *w)
{
    unsigned char scratch[4096];
    BIO *ends[2] = { SSL_get_rbio(w->client), SSL_get_rbio(w->server) };

    for (int i = 0; i < 2; i++)
        while (BIO_ctrl_pending(ends[i]) > 0)
            if (BIO_read(ends[i], scratch, sizeof(scratch)) <= 0)
                break;
    /* The server's previous session must not survive SSL_clear(): before
     * 3.0.17 (openssl pull 27584) a TLS 1.3 server could resume it. */
    if (SSL_set_session(w->server, NULL) != 1)
        return -1;
    return SSL_clear(w->client) == 1 && SSL_clear(w->server) == 1 ? 0 : -1;
}

static void drop_pair(tl_world *w)
{
    SSL_free(w->client);
    SSL_free(w->server);
    w->client = w->server = NULL;
}

static int prepare(tl_world *w, const tl_handshake_opts *o, tl_error *err)
{
    const char *sni = o->sni ? o->sni : TL_SERVER_NAME;

    if (w->client != NULL && w->server != NULL) {
        if (reuse_pair(w) != 0)
            return tl_error_set_ssl(err, "SSL_clear failed");
    } else if (new_pair(w, err) != 0) {
        return -1;
    }
    SSL_set_connect_state(w->client);
    SSL_set_accept_state(w->server);
    SSL_set_msg_callback(w->client, client_msg_cb);
    SSL_set_msg_callback_arg(w->client, w);
    /* The name sent and the name checked are separate: any SNI may be
     * offered, and the test certificate is always checked against its own
     * name. */
    if (sni[0] != '\0' && !SSL_set_tlsext_host_name(w->client, sni))
        return tl_error_set_ssl(err, "SNI '%s' refused", sni);
    if (!tl_ssl_set1_host(w->client, TL_SERVER_NAME))
        return tl_error_set_ssl(err, "SSL_set1_host failed");
    /* Per-handshake overrides are set every time, back to the world's
     * values when absent, so that a reused SSL forgets the last ones. */
    if (o->alpn != NULL) {
        unsigned char *wire;
        size_t len;
        int rc;

        if (alpn_to_wire(o->alpn, &wire, &len) != 0)
            return tl_error_set(err, "ALPN list '%s': each protocol needs 1 to 255 bytes", o->alpn);
        rc = SSL_set_alpn_protos(w->client, wire, (unsigned)len);
        free(wire);
        if (rc != 0)
            return tl_error_set_ssl(err, "client ALPN refused");
    } else if (SSL_set_alpn_protos(w->client, w->alpn_wire, (unsigned)w->alpn_wire_len) != 0) {
        return tl_error_set_ssl(err, "client ALPN refused");
    }
    if (!SSL_set_max_proto_version(w->client, o->client_max_version ? o->client_max_version
                                                                    : w->cfg.tls_version))
        return tl_error_set_ssl(err, "client max version refused");
    if (!SSL_set_min_proto_version(w->server, o->server_max_version ? TLS1_2_VERSION
                                                                    : w->cfg.tls_version)
        || !SSL_set_max_proto_version(w->server, o->server_max_version ? o->server_max_version
                                                                       : w->cfg.tls_version))
        return tl_error_set_ssl(err, "server max version refused");
    if (o->session == NULL && SSL_set_session(w->client, NULL) != 1)
        return tl_error_set_ssl(err, "cannot clear the client's session");
    if (offer_session(w, o, err) != 0)
        return -1;
    tl_early_client_offer(w->client, o->early_data != NULL && o->session != NULL);
    if (o->before != NULL && o->before(w->client, w->server, o->before_arg) != 0)
        return tl_error_set(err, "the scenario's set-up hook failed");
    return 0;
}

/* Step both sides round after round until both have finished or failed,
 * or one has failed and a round changes nothing. */
static void drive(tl_world *w, tl_handshake_result *res, enum phase *pc, enum phase *ps,
                  tl_early *early)
{
    for (int round = 0; round < MAX_ROUNDS; round++) {
        size_t before = io_mark(SSL_get_rbio(w->client), SSL_get_rbio(w->server), *pc, *ps);

        step(w->client, pc, &res->client, 1, early);
        step(w->server, ps, &res->server, 0, early);
        if ((*pc == PH_DONE || *pc == PH_FAILED) && (*ps == PH_DONE || *ps == PH_FAILED)
            && !(*pc == PH_DONE && *ps == PH_FAILED && BIO_ctrl_pending(SSL_get_rbio(w->client)) > 0))
            break;
        /* A finished client still reads what a server that failed after it
         * had flushed: the TLS 1.3 tickets written before the fatal one
         * (ossl_statem_server_post_work flushes each NewSessionTicket), then
         * the alert. Stopping here would lose tickets that were on the wire. */
        if (io_mark(SSL_get_rbio(w->client), SSL_get_rbio(w->server), *pc, *ps) == before
            && (*pc == PH_FAILED || *ps == PH_FAILED))
            break;   /* one side is dead and the other has nothing left to read */
    }
}

static void finish_side(tl_side_result *side, SSL *s, enum phase ph)
{
    side->ok = ph == PH_DONE;
    side->reused = SSL_session_reused(s);
    snprintf(side->state, sizeof(side->state), "%s", SSL_state_string_long(s));
}

int tl_world_handshake(tl_world *w, const tl_handshake_opts *opts,
                       tl_handshake_result *res, tl_error *err)
{
    static const tl_handshake_opts none;
    const tl_handshake_opts *o = opts ? opts : &none;
    enum phase pc, ps;
    tl_early early = { .data = o->early_data, .len = o->early_data_len };
    int rc = -1;

    memset(res, 0, sizeof(*res));
    res->index = w->handshakes++;
    res->client.alert_sent = res->client.alert_received = -1;
    res->server.alert_sent = res->server.alert_received = -1;
    res->ev_begin = w->log.n;
    w->issuer.handshake = res->index;
    w->cur = res;
    ERR_clear_error();

    if (prepare(w, o, err) != 0)
        goto done;
#if !TL_TLSLIB_OPENSSL
    if (o->new_tickets > 0) {
        tl_error_set(err, "%s", tl_tlslib_lacks(TL_API_NEW_SESSION_TICKET));
        goto done;
    }
#endif
    pc = (o->early_data != NULL && o->session != NULL) ? PH_EARLY : PH_HANDSHAKE;
    ps = w->cfg.max_early_data > 0 ? PH_EARLY : PH_HANDSHAKE;
    drive(w, res, &pc, &ps, &early);
    if (pc == PH_DONE && ps == PH_DONE) {
#if TL_TLSLIB_OPENSSL
        for (int i = 0; i < o->new_tickets; i++)
            if (SSL_new_session_ticket(w->server) != 1) {
                tl_error_set_ssl(err, "SSL_new_session_ticket failed");
                goto done;
            }
        if (o->new_tickets > 0) {
            /* SSL_new_session_ticket() only puts the server back in init;
             * its handshake function writes the tickets, through the same
             * state machine as the num_tickets ones
             * (ossl_statem_server13_write_transition, TLS_ST_SW_SESSION_TICKET),
             * on the next SSL_do_handshake() or SSL_write(). Drive it with
             * SSL_do_handshake(), so that a fatal error there (a generate
             * or key callback failing) is the server's handshake failing,
             * exactly as for the num_tickets tickets. */
            ps = PH_HANDSHAKE;
            drive(w, res, &pc, &ps, &early);
        }
#endif
        if (ps == PH_DONE)
            res->data_ok = exchange_data(w, res);
        ERR_clear_error();
    }
    finish_side(&res->client, w->client, pc);
    finish_side(&res->server, w->server, ps);
    if (pc == PH_DONE) {
        res->version = SSL_version(w->client);
        snprintf(res->cipher, sizeof(res->cipher), "%s",
                 SSL_CIPHER_get_name(SSL_get_current_cipher(w->client)));
    }
    res->early_data = tl_early_status(w->client, &early);
    rc = 0;
done:
    res->ev_end = w->log.n;
    w->cur = NULL;
    /* A clean close keeps the sessions resumable: SSL_free() after an
     * unfinished shutdown removes the session and marks it not resumable
     * (ssl_clear_bad_session). A failed handshake keeps that fate. */
    if (w->client != NULL && res->client.ok)
        SSL_set_shutdown(w->client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    if (w->server != NULL && res->server.ok)
        SSL_set_shutdown(w->server, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    if (!w->cfg.reuse_ssl || rc != 0)
        drop_pair(w);
    ERR_clear_error();
    return rc;
}

void tl_handshake_result_free(tl_handshake_result *res)
{
    size_t kept = res->n_tickets < TL_MAX_TICKETS ? res->n_tickets : TL_MAX_TICKETS;

    for (size_t i = 0; i < kept; i++)
        free(res->tickets[i].ticket);
    for (size_t i = 0; i < res->n_sessions; i++)
        SSL_SESSION_free(res->sessions[i]);
    memset(res, 0, sizeof(*res));
}

tl_keyring *tl_world_keyring(tl_world *w) { return w->keyring; }
tl_policy *tl_world_policy(tl_world *w) { return &w->policy; }
const tl_event_log *tl_world_events(const tl_world *w) { return &w->log; }
tl_issuer *tl_world_issuer(tl_world *w) { return &w->issuer; }
SSL_CTX *tl_world_server_ctx(tl_world *w) { return w->server_ctx; }
SSL_CTX *tl_world_client_ctx(tl_world *w) { return w->client_ctx; }

int tl_world_set_server_early(tl_world *w, uint32_t max, tl_error *err)
{
    w->cfg.max_early_data = max;
    return tl_early_server_set(w->server_ctx, max, err);
}
const tl_world_config *tl_world_get_config(const tl_world *w) { return &w->cfg; }

const char *tl_alert_name(int alert)
{
    static const struct { int code; const char *name; } names[] = {
        { 0, "close_notify" }, { 10, "unexpected_message" }, { 20, "bad_record_mac" },
        { 22, "record_overflow" }, { 40, "handshake_failure" }, { 42, "bad_certificate" },
        { 45, "certificate_expired" }, { 47, "illegal_parameter" }, { 48, "unknown_ca" },
        { 50, "decode_error" }, { 51, "decrypt_error" }, { 70, "protocol_version" },
        { 71, "insufficient_security" }, { 80, "internal_error" },
        { 86, "inappropriate_fallback" }, { 90, "user_canceled" },
        { 109, "missing_extension" }, { 110, "unsupported_extension" },
        { 112, "unrecognized_name" }, { 116, "certificate_required" },
        { 120, "no_application_protocol" },
    };

    if (alert < 0)
        return "none";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].code == alert)
            return names[i].name;
    return "unknown_alert";
}
