/*
 * scenario.c - conformance scenarios: the runner; see scenario.h (the text
 * form is scenario_text.c).
 *
 * A run is: a fresh world seeded with 1; for every presented ticket a
 * set-up handshake with natural callbacks that mints it; the edits the
 * scenario asks for (clock, key ring, server context, ticket bytes); the
 * scenario's policy; the checked handshake, observed into a tl_outcome.
 */
#include "scenario.h"
#include "ossl_compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ticketlab/clock.h"
#include "ticketlab/events.h"
#include "early_data.h"
#include "probe.h"
#include "ticketlab/rng.h"
#include "memo.h"
#include "scenario_memo.h"
#include "ticketlab/ticket.h"
#include "ticketlab/world.h"

#define SNI_SWITCH "other.ticketlab.test"
#define RETIRED_LIFETIME 3600

static const char *const present_names[TL_PRESENT_COUNT] = {
    "none", "empty", "newest", "older", "retired", "unknown-key", "bad-hmac",
    "bad-padding", "truncated", "short", "trailing", "bad-session"
};

const char *tl_present_name(tl_present p)
{
    return (unsigned)p < TL_PRESENT_COUNT ? present_names[p] : "unknown";
}

int tl_present_parse(const char *name, tl_present *out)
{
    for (int i = 0; i < TL_PRESENT_COUNT; i++)
        if (strcmp(name, present_names[i]) == 0) {
            *out = (tl_present)i;
            return 0;
        }
    return -1;
}

long tl_scenario_key_lifetime(const tl_scenario *sc)
{
    if (sc->key_lifetime)
        return sc->key_lifetime;
    return sc->present == TL_PRESENT_RETIRED ? RETIRED_LIFETIME : TL_DEFAULT_LIFETIME;
}

long tl_scenario_clock_advance(const tl_scenario *sc)
{
    return sc->advance + (sc->present == TL_PRESENT_RETIRED ? tl_scenario_key_lifetime(sc) + 1 : 0);
}

uint32_t tl_scenario_server_early(const tl_scenario *sc)
{
    return sc->early2 >= 0 ? (uint32_t)sc->early2 : sc->early;
}

static void app_pattern(unsigned char *p, size_t len, int which)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(i * 7 + 1 + which * 101);
}

static int app_matches(const unsigned char *p, size_t len, int which)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != (unsigned char)(i * 7 + 1 + which * 101))
            return 0;
    return 1;
}

static int attach_app(tl_policy *pol, long len, int which)
{
    unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
    int rc;

    if (buf == NULL)
        return -1;
    app_pattern(buf, (size_t)len, which);
    rc = tl_policy_set_appdata(pol, buf, (size_t)len);
    free(buf);
    return rc;
}

/* The policy of the checked handshake: scripts start over. */
static int apply_policy(tl_world *w, const tl_scenario *sc, tl_error *err)
{
    tl_policy *pol = tl_world_policy(w);
    tl_issuer *iss = tl_world_issuer(w);

    pol->n_key_dec = pol->n_key_enc = 0;
    for (size_t i = 0; i < sc->n_kdec; i++)
        tl_policy_script_key(pol, 0, sc->kdec[i]);
    for (size_t i = 0; i < sc->n_kenc; i++)
        tl_policy_script_key(pol, 1, sc->kenc[i]);
    for (int st = SSL_TICKET_EMPTY; st <= SSL_TICKET_SUCCESS_RENEW; st++)
        tl_policy_set_decrypt(pol, st, sc->dret);
    pol->generate_ret = sc->gen;
    pol->aead_overhead = sc->aead_overhead;
    if (sc->app2 >= 0 && attach_app(pol, sc->app2, 1) != 0)
        return tl_error_set(err, "out of memory");
    iss->key_enc_calls = iss->key_dec_calls = 0;
    return 0;
}

/* The key the server encrypts with now, as a tl_key (built-in keys too). */
static int server_key(tl_world *w, const tl_scenario *sc, tl_key *key, tl_error *err)
{
    unsigned char keys[80];
    const tl_key *cur;

    memset(key, 0, sizeof(*key));
    if (sc->keys != TL_KEYS_BUILTIN) {
        cur = tl_keyring_current(tl_world_keyring(w));
        if (cur == NULL)
            return tl_error_set(err, "the key ring has no live key to reseal with");
        *key = *cur;
        return 0;
    }
    /* SSL_CTX_get_tlsext_ticket_keys: name (16) | HMAC key (32) | AES key (32). */
    if (SSL_CTX_get_tlsext_ticket_keys(tl_world_server_ctx(w), keys, sizeof(keys)) != 1)
        return tl_error_set_ssl(err, "cannot read OpenSSL's built-in ticket keys");
    memcpy(key->name, keys, 16);
    memcpy(key->hmac, keys + 16, 32);
    key->hmac_len = 32;
    memcpy(key->aes, keys + 48, 32);
    key->aes_len = 32;
    OPENSSL_cleanse(keys, sizeof(keys));
    return 0;
}

static int mac_ticket(const tl_key *key, unsigned char *t, size_t body_len, tl_error *err)
{
#if TL_TLSLIB_OPENSSL
    size_t outlen = 0;

    if (EVP_Q_mac(tl_libctx(NULL), "HMAC", NULL, "SHA256", NULL, key->hmac, key->hmac_len,
                  t, body_len, t + body_len, TL_TICKET_MAC_LEN, &outlen) == NULL
        || outlen != TL_TICKET_MAC_LEN)
#else
    unsigned int outlen = 0;

    if (HMAC(EVP_sha256(), key->hmac, key->hmac_len, t, body_len, t + body_len, &outlen) == NULL
        || outlen != TL_TICKET_MAC_LEN)
#endif
        return tl_error_set_ssl(err, "HMAC-SHA256 failed");
    return 0;
}

/* Seal plaintext the way the present= value asks; *out is malloc'd. */
static int reseal(tl_world *w, const tl_scenario *sc, SSL_SESSION *sess,
                  unsigned char **out, size_t *outlen, tl_error *err)
{
    static const char not_der[] = "this is not a DER SSL_SESSION, honestly!";
    unsigned char iv[TL_TICKET_IV_LEN], block[16];
    unsigned char *plain = NULL;
    size_t plain_len = 0;
    tl_key key;
    int rc = -1;

    memset(iv, 0x5c, sizeof(iv));
    if (server_key(w, sc, &key, err) != 0)
        return -1;
    if (sc->present == TL_PRESENT_TRAILING) {
        int n = i2d_SSL_SESSION(sess, NULL);
        unsigned char *p;

        if (n <= 0 || (plain = malloc((size_t)n + 2)) == NULL)
            return tl_error_set_ssl(err, "cannot encode the session");
        p = plain;
        i2d_SSL_SESSION(sess, &p);
        plain[n] = 0x00;
        plain[n + 1] = 0x42;
        plain_len = (size_t)n + 2;
    } else if (sc->present == TL_PRESENT_BAD_SESSION) {
        plain_len = sizeof(not_der) - 1;
        plain = malloc(plain_len);
        if (plain == NULL)
            return tl_error_set(err, "out of memory");
        memcpy(plain, not_der, plain_len);
    } else {
        /* bad-padding: one block whose last byte (0) is no PKCS#7 pad.
         * Seal it (which adds a pad block), drop the pad block, MAC again. */
        memset(block, 0x33, sizeof(block));
        block[15] = 0;
        if (tl_ticket_seal(&key, iv, block, sizeof(block), out, outlen, err) != 0)
            return -1;
        *outlen = TL_KEY_NAME_LEN + TL_TICKET_IV_LEN + 16 + TL_TICKET_MAC_LEN;
        return mac_ticket(&key, *out, *outlen - TL_TICKET_MAC_LEN, err);
    }
    rc = tl_ticket_seal(&key, iv, plain, plain_len, out, outlen, err);
    free(plain);
    OPENSSL_cleanse(&key, sizeof(key));
    return rc;
}

/* The ticket bytes the client offers in the checked handshake, edited as
 * the scenario says. Returns 1 when *out (malloc'd) replaces the ticket,
 * 0 when the session is offered as it is, -1 on error. */
static int edit_ticket(tl_world *w, const tl_scenario *sc, const tl_nst *nst,
                       SSL_SESSION *sess, unsigned char **out, size_t *outlen, tl_error *err)
{
    size_t len = nst->ticket_len;

    switch (sc->present) {
    case TL_PRESENT_UNKNOWN_KEY:
    case TL_PRESENT_BAD_HMAC:
    case TL_PRESENT_TRUNCATED:
    case TL_PRESENT_SHORT:
        if (len < 64)
            return tl_error_set(err, "the minted ticket is only %zu bytes", len);
        *out = malloc(len);
        if (*out == NULL)
            return tl_error_set(err, "out of memory");
        memcpy(*out, nst->ticket, len);
        *outlen = len;
        if (sc->present == TL_PRESENT_UNKNOWN_KEY)
            (*out)[0] ^= 0x80;
        else if (sc->present == TL_PRESENT_BAD_HMAC)
            (*out)[len - 1] ^= 0x01;
        else if (sc->present == TL_PRESENT_TRUNCATED)
            *outlen = TL_KEY_NAME_LEN + TL_TICKET_IV_LEN + TL_TICKET_MAC_LEN;
        else
            *outlen = TL_KEY_NAME_LEN + TL_TICKET_IV_LEN - 1;
        return 1;
    case TL_PRESENT_BAD_PADDING:
    case TL_PRESENT_TRAILING:
    case TL_PRESENT_BAD_SESSION:
        return reseal(w, sc, sess, out, outlen, err) == 0 ? 1 : -1;
    default:
        return 0;
    }
}

/* ---- SNI: a second server context --------------------------------------- */

static int switch_ctx_cb(SSL *s, int *alert, void *arg)
{
    const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);

    if (name != NULL && strcmp(name, SNI_SWITCH) == 0 && SSL_set_SSL_CTX(s, arg) == NULL)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    return SSL_TLSEXT_ERR_OK;
}

/* A second server SSL_CTX: the same certificate, its own built-in ticket
 * keys, its own session id context. */
static SSL_CTX *second_ctx(tl_world *w, tl_error *err)
{
    SSL_CTX *first = tl_world_server_ctx(w);
    SSL_CTX *ctx = tl_tlslib_ctx_new(TLS_server_method(), err);
    int v = tl_world_get_config(w)->tls_version;

    if (ctx == NULL)
        return NULL;
    if (SSL_CTX_use_certificate(ctx, SSL_CTX_get0_certificate(first)) != 1
        || SSL_CTX_use_PrivateKey(ctx, SSL_CTX_get0_privatekey(first)) != 1
        || !SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"ticketlab-sni", 13)
        || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        || !SSL_CTX_set_max_proto_version(ctx, v)) {
        SSL_CTX_free(ctx);
        return tl_error_set_ssl(err, "the second server SSL_CTX refuses the test chain"), NULL;
    }
    if (tl_world_pin_defaults(ctx, tl_world_get_config(w)->groups, 1, err) != 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_tlsext_servername_callback(first, switch_ctx_cb);
    SSL_CTX_set_tlsext_servername_arg(first, ctx);
    return ctx;
}

/* ---- observing ---------------------------------------------------------------- */

static void name_token(const unsigned char *name, size_t len, const unsigned char builtin[16],
                       char *out, size_t size)
{
    static const unsigned char zero[16];

    if (len == 0 || (len == 16 && memcmp(name, zero, 16) == 0)) {
        snprintf(out, size, "-");
    } else if (len < 16) {
        snprintf(out, size, "?");
    } else if (memcmp(name, zero, 3) == 0 && memcmp(name + 4, zero, 12) == 0) {
        snprintf(out, size, "r%u", name[3]);
    } else if (builtin != NULL && memcmp(name, builtin, 16) == 0) {
        snprintf(out, size, "b");
    } else {
        snprintf(out, size, "?");
    }
}

static void app_token(const tl_event *e, char *out, size_t size)
{
    if (!e->has_appdata)
        snprintf(out, size, "a-");
    else
        snprintf(out, size, "a%zu%s", e->appdata_len,
                 app_matches(e->appdata, e->appdata_len, 0)
                     || app_matches(e->appdata, e->appdata_len, 1) ? "" : "!");
}

/* One event as a callback log entry (cblog.h). */
static void event_entry(const tl_event *e, const unsigned char builtin[16], tl_cb_entry *out)
{
    memset(out, 0, sizeof(*out));
    out->ret = e->ret;
    switch (e->kind) {
    case TL_EV_KEY_CB:
        out->kind = e->enc ? TL_CB_KENC : TL_CB_KDEC;
        name_token(e->key_name, 16, builtin, out->key, sizeof(out->key));
        break;
    case TL_EV_DECRYPT_CB:
        out->kind = TL_CB_DCB;
        out->status = e->status;
        name_token(e->key_name, e->key_name_len, builtin, out->key, sizeof(out->key));
        app_token(e, out->app, sizeof(out->app));
        break;
    case TL_EV_GENERATE_CB:
        out->kind = TL_CB_GEN;
        app_token(e, out->app, sizeof(out->app));
        break;
    case TL_EV_AEAD_OPEN:
    case TL_EV_AEAD_SEAL:
        out->kind = e->kind == TL_EV_AEAD_OPEN ? TL_CB_OPEN : TL_CB_SEAL;
        name_token(e->key_name, 16, builtin, out->key, sizeof(out->key));
        break;
    }
}

static void observe_events(tl_world *w, const tl_scenario *sc, size_t from, size_t to,
                           tl_outcome *obs)
{
    const tl_event_log *log = tl_world_events(w);
    unsigned char keys[80], *builtin = NULL;
    tl_cb_entry entry;

    if (sc->keys == TL_KEYS_BUILTIN
        && SSL_CTX_get_tlsext_ticket_keys(tl_world_server_ctx(w), keys, sizeof(keys)) == 1)
        builtin = keys;
    for (size_t i = from; i < to && i < log->n; i++) {
        event_entry(&log->ev[i], builtin, &entry);
        tl_cblog_add(&obs->log, &entry);
    }
    OPENSSL_cleanse(keys, sizeof(keys));
}

static void observe(tl_world *w, const tl_scenario *sc, const tl_handshake_result *r, tl_outcome *obs)
{
    tl_outcome_observe(obs, r);
    observe_events(w, sc, r->ev_begin, r->ev_end, obs);
}

/* TLS 1.3 empty identity: no client sends one, so the probe does. */
static int run_probe(tl_world *w, const tl_scenario *sc, SSL_SESSION *sess, tl_outcome *obs,
                     tl_error *err)
{
    tl_probe *p = tl_probe_new(w, sess, err);
    tl_probe_result r;
    int rc = -1;

    if (p == NULL)
        return -1;
    if (apply_policy(w, sc, err) != 0 || tl_probe_run(p, NULL, 0, &r, err) != 0)
        goto done;
    tl_outcome_init(obs);
    obs->client_ok = obs->client_reused = -1;
    obs->server_ok = !r.failed;
    obs->server_reused = r.resumed;
    obs->server_alert = r.alert_sent;
    obs->n_tickets = r.nst_sent;
    observe_events(w, sc, r.ev_begin, r.ev_end, obs);
    rc = 0;
done:
    tl_probe_free(p);
    return rc;
}

static void world_config(const tl_scenario *sc, tl_world_config *cfg)
{
    tl_world_config_init(cfg);
    cfg->tls_version = sc->tls > sc->from ? sc->tls : sc->from;
    cfg->seed = 1;
    cfg->key_source = sc->keys;
    cfg->ticket_cb = sc->ticket_cb;
    /* The set-up handshake mints OpenSSL's default number of tickets, or
     * the scenario's when that is more than 0 (then both handshakes use it). */
    cfg->num_tickets = sc->num_tickets > 0 ? sc->num_tickets : -1;
    cfg->no_ticket = sc->no_ticket;
    cfg->max_early_data = sc->early;
    cfg->no_anti_replay = sc->no_anti_replay;
    cfg->alpn = sc->world_alpn ? "h2,http/1.1" : NULL;
    cfg->session_timeout = sc->timeout;
    cfg->key_lifetime = tl_scenario_key_lifetime(sc);
    cfg->groups = sc->groups[0] ? sc->groups : NULL;
    cfg->server_groups = sc->hrr ? "P-256" : NULL;
}

/* Everything between the set-up handshake and the checked one. */
static int prepare_checked(tl_world *w, const tl_scenario *sc, SSL_CTX **ctx2, tl_error *err)
{
    SSL_CTX *sctx = tl_world_server_ctx(w);
    long adv = tl_scenario_clock_advance(sc);

    if (adv)
        tl_clock_advance(adv);
    if (sc->present == TL_PRESENT_OLDER || sc->present == TL_PRESENT_RETIRED) {
        unsigned char key[TL_LIBTLS_KEY_LEN];

        tl_rng_bytes(key, sizeof(key));
        if (tl_keyring_add_libtls(tl_world_keyring(w), 2, key, sizeof(key)) != 0)
            return tl_error_set(err, "key ring: %s", tl_keyring_error(tl_world_keyring(w)));
    }
    if (sc->num_tickets >= 0 && !SSL_CTX_set_num_tickets(sctx, (size_t)sc->num_tickets))
        return tl_error_set_ssl(err, "SSL_CTX_set_num_tickets(%d) failed", sc->num_tickets);
    if (sc->sid_other && !SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"other", 5))
        return tl_error_set_ssl(err, "cannot change the session id context");
    if (sc->cipher[0]) {
#if TL_TLSLIB_OPENSSL || defined(OPENSSL_IS_AWSLC)
        int ok = sc->tls == TLS1_3_VERSION ? SSL_CTX_set_ciphersuites(sctx, sc->cipher)
                                           : SSL_CTX_set_cipher_list(sctx, sc->cipher);
#else
        int ok = sc->tls == TLS1_3_VERSION ? 0 : SSL_CTX_set_cipher_list(sctx, sc->cipher);

        if (sc->tls == TLS1_3_VERSION)
            return tl_error_set(err, "%s", tl_tlslib_lacks(TL_API_TLS13_SUITES));
#endif
        if (!ok)
            return tl_error_set_ssl(err, "server ciphers '%s' refused", sc->cipher);
    }
    if (sc->sni_switch && (*ctx2 = second_ctx(w, err)) == NULL)
        return -1;
    if (sc->early2 >= 0 && tl_world_set_server_early(w, (uint32_t)sc->early2, err) != 0)
        return -1;
    return apply_policy(w, sc, err);
}

/* The memo (scenario_memo.h) rewinds everything a run changes except the
 * SSL_CTX settings these scenarios change: they always get a fresh world. */
static int memo_fits(const tl_scenario *sc)
{
    return tl_memo_enabled() && !sc->sni_switch && !sc->sid_other && !sc->cipher[0] && sc->early2 < 0;
}

/* A fresh world with the scenario's set-up app data, after the set-up
 * handshake (so) when has_setup. Returns 0, or -1 with err (*w freed). */
static int build_world(const tl_scenario *sc, const tl_world_config *cfg, int has_setup,
                       const tl_handshake_opts *so, tl_world **w, tl_handshake_result *setup,
                       tl_error *err)
{
    *w = tl_world_new(cfg, err);
    if (*w == NULL)
        return -1;
    if (sc->app >= 0 && attach_app(tl_world_policy(*w), sc->app, 0) != 0) {
        tl_error_set(err, "out of memory");
        goto fail;
    }
    if (!has_setup)
        return 0;
    if (tl_world_handshake(*w, so, setup, err) != 0)
        goto fail;
    if (setup->n_sessions == 0 || !setup->client.ok) {
        tl_error_set(err, "the set-up handshake gave the client no session (%s)",
                     setup->client.err_reason[0] ? setup->client.err_reason : "no error");
        goto fail;
    }
    return 0;
fail:
    tl_handshake_result_free(setup);
    tl_world_free(*w);
    *w = NULL;
    return -1;
}

/* One run's world and everything it allocates (run_free frees it). */
typedef struct run {
    const tl_scenario *sc;
    tl_world *w;
    int memo_world;                   /* w belongs to the memo (scenario_memo.h) */
    tl_handshake_result setup, res;
    const tl_handshake_result *su;    /* the set-up: &setup, or the memo's */
    tl_handshake_opts o;              /* the checked handshake */
    SSL_SESSION *skewed, *replay_copy, *offered;
    SSL_CTX *ctx2;
    unsigned char *edited;
} run;

static void run_free(run *r)
{
    tl_handshake_result_free(&r->setup);
    tl_handshake_result_free(&r->res);
    SSL_SESSION_free(r->skewed);
    SSL_SESSION_free(r->replay_copy);
    SSL_SESSION_free(r->offered);
    free(r->edited);
    if (r->memo_world)
        tl_scenario_memo_release(r->w);
    else
        tl_world_free(r->w);
    SSL_CTX_free(r->ctx2);
}

/* Whether the scenario's checked handshake follows a set-up handshake that mints its ticket. */
static int scenario_has_setup(const tl_scenario *sc)
{
    return !(sc->present == TL_PRESENT_NONE || (sc->present == TL_PRESENT_EMPTY && sc->tls == TLS1_2_VERSION));
}

/* The world's configuration and the set-up handshake's options. */
static void setup_config(const tl_scenario *sc, int has_setup, tl_world_config *cfg, tl_handshake_opts *so)
{
    world_config(sc, cfg);
    memset(so, 0, sizeof(*so));
    if (has_setup && sc->from < cfg->tls_version)
        so->client_max_version = so->server_max_version = sc->from;
}

int tl_scenario_world_key(const tl_scenario *sc, char *buf, size_t size)
{
    tl_world_config cfg;
    tl_handshake_opts so;
    int has_setup = scenario_has_setup(sc);

    setup_config(sc, has_setup, &cfg, &so);
    if (!memo_fits(sc))
        return -1;
    return tl_scenario_memo_key(&cfg, so.client_max_version, sc->app, has_setup, buf, size);
}

/* The world after its set-up handshake: the memo's, or a new one. Returns 0 or -1 with err. */
static int world_after_setup(run *r, int has_setup, tl_error *err)
{
    const tl_scenario *sc = r->sc;
    tl_world_config cfg;
    tl_handshake_opts so;
    char key[TL_SCENARIO_MEMO_KEY_MAX];
    int memo;

    setup_config(sc, has_setup, &cfg, &so);
    memo = memo_fits(sc)
           && tl_scenario_memo_key(&cfg, so.client_max_version, sc->app, has_setup, key, sizeof(key)) == 0;
    r->su = &r->setup;
    if (memo && (r->w = tl_scenario_memo_take(key, &r->su)) != NULL) {
        r->memo_world = 1;
        return 0;
    }
    if (build_world(sc, &cfg, has_setup, &so, &r->w, &r->setup, err) != 0)
        return -1;
    r->memo_world = memo && tl_scenario_memo_keep(key, r->w, &r->setup, &r->su) == 0;
    return 0;
}

/* The set-up's session, with its ticket edited and its time skewed as the scenario says. */
static int offer_setup_session(run *r, tl_error *err)
{
    const tl_scenario *sc = r->sc;
    const tl_handshake_result *su = r->su;

    /* A kept set-up session stays as it was: the run offers a copy. */
    if (r->memo_world && (r->offered = SSL_SESSION_dup(su->sessions[0])) == NULL)
        return tl_error_set_ssl(err, "cannot copy the set-up session");
    r->o.session = r->memo_world ? r->offered : su->sessions[0];
    if (su->n_tickets > 0) {
        int e = edit_ticket(r->w, sc, &su->tickets[0], r->o.session, &r->edited, &r->o.ticket_len, err);

        if (e < 0)
            return -1;
        r->o.replace_ticket = e;
        r->o.ticket = r->edited;
    } else if (sc->present != TL_PRESENT_NEWEST && sc->present != TL_PRESENT_OLDER
               && sc->present != TL_PRESENT_RETIRED) {
        return tl_error_set(err, "present=%s needs a ticket, and the set-up handshake sent none",
                            tl_present_name(sc->present));
    }
    if (sc->skew) {
        r->skewed = SSL_SESSION_dup(r->o.session);
        if (r->skewed == NULL
            || !tl_session_set_time(r->skewed, tl_session_get_time(r->o.session) - sc->skew))
            return tl_error_set_ssl(err, "cannot skew the session's time");
        r->o.session = r->skewed;
    }
    return 0;
}

/* What the client of the checked handshake asks for. */
static void client_options(run *r, int world_version)
{
    static const unsigned char zero_rtt[] = "early bytes";
    const tl_scenario *sc = r->sc;

    if (sc->tls < world_version)
        r->o.server_max_version = sc->tls;
    r->o.new_tickets = sc->new_tickets;
    /* send0rtt=1 is a client that sends 0-RTT data when it can: like any
     * real client (s_client, curl) it asks SSL_SESSION_get_max_early_data()
     * first, because SSL_write_early_data() (ssl/ssl_lib.c) on a session
     * whose max_early_data is 0, without a psk_use_session_cb, refuses with
     * ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED before the ClientHello is written.
     * The engine models that client (expect.c predict13: early_sent).
     * BoringSSL and AWS-LC: SSL_SESSION_early_data_capable (early_data.c). */
    if (sc->send_early && r->o.session != NULL && tl_early_session_allows(r->o.session)) {
        r->o.early_data = zero_rtt;
        r->o.early_data_len = sizeof(zero_rtt) - 1;
    }
    if (sc->sni_switch)
        r->o.sni = SNI_SWITCH;
    if (sc->alpn[0])
        r->o.alpn = sc->alpn;
}

/* The checked handshake (after a first use, for replay=1), observed into obs. */
static int checked_handshake(run *r, tl_outcome *obs, tl_error *err)
{
    if (r->sc->replay) {
        /* The first use gets a copy, so the client's own state cannot
         * differ between the two uses: only the server sees a replay. */
        tl_handshake_opts first = r->o;

        first.session = r->replay_copy = SSL_SESSION_dup(r->o.session);
        if (r->replay_copy == NULL)
            return tl_error_set_ssl(err, "cannot copy the session");
        if (tl_world_handshake(r->w, &first, &r->res, err) != 0)
            return -1;
        tl_handshake_result_free(&r->res);
        if (apply_policy(r->w, r->sc, err) != 0)
            return -1;
    }
    if (tl_world_handshake(r->w, &r->o, &r->res, err) != 0)
        return -1;
    observe(r->w, r->sc, &r->res, obs);
    return 0;
}

int tl_scenario_run(const tl_scenario *sc, tl_outcome *obs, tl_error *err)
{
    run r;
    int has_setup = scenario_has_setup(sc);
    int world_version = sc->tls > sc->from ? sc->tls : sc->from, rc = -1;

    memset(&r, 0, sizeof(r));
    r.sc = sc;
    if (world_after_setup(&r, has_setup, err) != 0)
        goto done;
    if (has_setup && sc->present == TL_PRESENT_EMPTY) {
        /* TLS 1.3's empty identity: no client sends it; the probe does. */
        r.o.session = r.memo_world ? (r.offered = SSL_SESSION_dup(r.su->sessions[0])) : r.su->sessions[0];
        if (r.o.session == NULL) {
            tl_error_set_ssl(err, "cannot copy the set-up session");
            goto done;
        }
        rc = run_probe(r.w, sc, r.o.session, obs, err);
        goto done;
    }
    if ((has_setup && offer_setup_session(&r, err) != 0) || prepare_checked(r.w, sc, &r.ctx2, err) != 0)
        goto done;
    client_options(&r, world_version);
    rc = checked_handshake(&r, obs, err);
done:
    run_free(&r);
    return rc;
}
