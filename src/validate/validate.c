/*
 * validate.c - validating a plug-in's ticket callbacks: the session, the
 * shim around the key callback, the worlds, and the encrypt and generate
 * checks; see validate.h. The other probes live in vrows.c, vprobes.c,
 * vkeys.c and vrotate.c.
 */
#include "validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "ticketlab/clock.h"
#include "vstate.h"

/* ---- results ---------------------------------------------------------------- */

const char *tl_verdict_name(tl_verdict v)
{
    switch (v) {
    case TL_VERDICT_PASS: return "pass";
    case TL_VERDICT_WARN: return "warn";
    case TL_VERDICT_FAIL: return "fail";
    case TL_VERDICT_SKIP: return "skip";
    }
    return "unknown";
}

void tl_vcheck(tl_vstate *v, const char *name, tl_verdict verdict, const char *expected,
               const char *why, const char *seen_fmt, ...)
{
    tl_validation *out = v->out;
    tl_check *c;
    va_list ap;

    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 32;
        tl_check *grown = realloc(out->checks, cap * sizeof(*grown));

        if (grown == NULL)
            return;
        out->checks = grown;
        out->cap = cap;
    }
    c = &out->checks[out->n++];
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->verdict = verdict;
    snprintf(c->expected, sizeof(c->expected), "%s", expected);
    snprintf(c->why, sizeof(c->why), "%s", why);
    va_start(ap, seen_fmt);
    vsnprintf(c->seen, sizeof(c->seen), seen_fmt, ap);
    va_end(ap);
}

void tl_validation_free(tl_validation *v)
{
    free(v->checks);
    memset(v, 0, sizeof(*v));
}

size_t tl_validation_count(const tl_validation *v, tl_verdict which)
{
    size_t n = 0;

    for (size_t i = 0; i < v->n; i++)
        n += v->checks[i].verdict == which;
    return n;
}

int tl_validation_failed(const tl_validation *v)
{
    return tl_validation_count(v, TL_VERDICT_FAIL) > 0;
}

const tl_check *tl_validation_find(const tl_validation *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->checks[i].name, name) == 0)
            return &v->checks[i];
    return NULL;
}

/* ---- the shim around the plug-in's key callback ------------------------------ */

typedef int (*legacy_key_fn)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *,
                             HMAC_CTX *, int);

static tl_vstate *vstate_of(SSL *s)
{
    tl_issuer *iss = tl_issuer_from_ssl(s);

    return iss != NULL ? (tl_vstate *)(void *)iss->user : NULL;
}

/* What an encryption call did: its return, its IV, and the first contexts. */
static void saw_encrypt(tl_vstate *v, int ret, const unsigned char *iv, EVP_CIPHER_CTX *cctx,
                        EVP_MAC_CTX *mac, HMAC_CTX *legacy)
{
    tl_error err = { "" };

    v->enc_calls++;
    if (ret == 1) {
        v->enc_one++;
    } else if (ret == 0) {
        v->enc_zero++;
    } else if (ret < 0) {
        v->enc_neg++;
    } else {
        v->enc_other++;
        v->enc_other_ret = ret;
    }
    if (ret <= 0)
        return;
    if (!v->oracle_tried) {
        v->oracle_tried = 1;
        if (tl_key_oracle_take(&v->oracle, cctx, iv, mac, legacy, &err) != 0)
            snprintf(v->oracle_error, sizeof(v->oracle_error), "%s", err.msg);
    }
    if (v->collect_ivs && v->ivs != NULL && v->n_ivs < TL_V_IV_TARGET)
        memcpy(v->ivs[v->n_ivs++], iv, 16);
}

static int shim_key_evp(SSL *s, unsigned char key_name[16], unsigned char *iv,
                        EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
    tl_vstate *v = vstate_of(s);
    int ret;

    if (v == NULL)
        return -1;
    ret = v->cbs->key_evp(s, key_name, iv, cctx, hctx, enc);
    if (enc)
        saw_encrypt(v, ret, iv, cctx, hctx, NULL);
    return ret;
}

static int shim_key_legacy(SSL *s, unsigned char key_name[16], unsigned char *iv,
                           EVP_CIPHER_CTX *cctx, HMAC_CTX *hctx, int enc)
{
    tl_vstate *v = vstate_of(s);
    legacy_key_fn user;
    int ret;

    if (v == NULL)
        return -1;
    memcpy(&user, &v->cbs->key_legacy, sizeof(user));
    ret = user(s, key_name, iv, cctx, hctx, enc);
    if (enc)
        saw_encrypt(v, ret, iv, cctx, NULL, hctx);
    return ret;
}

/* ---- worlds ------------------------------------------------------------------ */

tl_world *tl_vworld(tl_vstate *v, int version, int num_tickets, long timeout, tl_error *err)
{
    tl_world_config cfg;

    tl_world_config_init(&cfg);
    cfg.tls_version = version;
    cfg.seed = ++v->seed;
    cfg.clock_start = v->now;
    cfg.key_source = v->cbs->key_evp ? TL_KEYS_EVP_CB : TL_KEYS_LEGACY_CB;
    cfg.num_tickets = num_tickets;
    cfg.session_timeout = timeout;
    cfg.user = &v->shim;
    return tl_world_new(&cfg, err);
}

/* Tally the decrypt and generate callbacks' returns of a finished world. */
static void tally(tl_vstate *v, const tl_event_log *log)
{
    for (size_t i = 0; i < log->n; i++) {
        const tl_event *e = &log->ev[i];

        if (e->kind == TL_EV_DECRYPT_CB && e->status >= SSL_TICKET_EMPTY
            && e->status <= SSL_TICKET_SUCCESS_RENEW) {
            size_t s = (size_t)(e->status - SSL_TICKET_EMPTY), k;

            for (k = 0; k < v->n_dret[s] && v->dret[s][k] != e->ret; k++)
                ;
            if (k == v->n_dret[s] && k < TL_V_RET_MAX)
                v->dret[s][v->n_dret[s]++] = e->ret;
        } else if (e->kind == TL_EV_GENERATE_CB) {
            v->gen_calls++;
            if (e->ret == 0)
                v->gen_zero++;
            else if (e->ret != 1)
                v->gen_other_ret = e->ret;
        }
    }
    v->out->callback_calls += log->n;
}

void tl_vworld_done(tl_vstate *v, tl_world *w)
{
    if (w == NULL)
        return;
    tally(v, tl_world_events(w));
    v->now = tl_clock_now();
    tl_world_free(w);
}

int tl_vhandshake(tl_vstate *v, tl_world *w, SSL_SESSION *sess, const unsigned char *ticket,
                  size_t len, int new_tickets, tl_handshake_result *r, tl_error *err)
{
    tl_handshake_opts o = { 0 };
    SSL_SESSION *copy = NULL;
    int rc;

    /* Offer a copy: a TLS 1.3 client that receives a new ticket after a
     * resumption removes the session it resumed from its cache, which marks
     * that SSL_SESSION not resumable (remove_session_lock), and a probe
     * offers the same ticket again and again. */
    if (sess != NULL && ticket == NULL && (copy = SSL_SESSION_dup(sess)) == NULL)
        return tl_error_set_ssl(err, "cannot copy the session");
    o.session = copy ? copy : sess;
    o.ticket = ticket;
    o.ticket_len = len;
    o.replace_ticket = sess != NULL && ticket != NULL;
    o.new_tickets = new_tickets;
    v->out->handshakes++;
    rc = tl_world_handshake(w, &o, r, err);
    SSL_SESSION_free(copy);
    return rc;
}

const tl_event *tl_vevent(tl_world *w, const tl_handshake_result *r, tl_event_kind kind,
                          int enc, size_t n)
{
    const tl_event_log *log = tl_world_events(w);

    for (size_t i = r->ev_begin; i < r->ev_end && i < log->n; i++) {
        const tl_event *e = &log->ev[i];

        if (e->kind == kind && (kind != TL_EV_KEY_CB || e->enc == enc) && n-- == 0)
            return e;
    }
    return NULL;
}

void tl_vhandshake_text(const tl_handshake_result *r, char *buf, size_t size)
{
    if (!r->client.ok || !r->server.ok)
        snprintf(buf, size, "handshake failed (server alert %s%s%s)",
                 tl_alert_name(r->server.alert_sent), r->server.err_reason[0] ? ": " : "",
                 r->server.err_reason);
    else if (r->server.reused)
        snprintf(buf, size, "resumed");
    else
        snprintf(buf, size, "full handshake");
}

void tl_vticket_free(tl_vticket *t)
{
    free(t->bytes);
    SSL_SESSION_free(t->sess);
    memset(t, 0, sizeof(*t));
}

int tl_vmint(tl_vstate *v, tl_world *w, tl_vticket *t, char *why, size_t why_size, tl_error *err)
{
    tl_handshake_result r;
    const tl_nst *nst = &r.tickets[0];
    int rc = 0;

    memset(t, 0, sizeof(*t));
    if (tl_vhandshake(v, w, NULL, NULL, 0, 0, &r, err) != 0)
        return -1;
    if (r.n_tickets > 0 && nst->ticket_len > 0 && r.n_sessions > 0) {
        if ((t->bytes = malloc(nst->ticket_len)) == NULL) {
            rc = tl_error_set(err, "out of memory");
        } else {
            memcpy(t->bytes, nst->ticket, nst->ticket_len);
            t->len = nst->ticket_len;
            t->sess = r.sessions[0];
            SSL_SESSION_up_ref(t->sess);
            rc = 1;
        }
    } else {
        char hs[192];

        tl_vhandshake_text(&r, hs, sizeof(hs));
        snprintf(why, why_size, "the plug-in issued no ticket (%s, %zu NewSessionTicket%s, "
                                "key callback returned 1 on %zu of %zu encryption calls)",
                 hs, r.n_tickets, r.n_tickets == 1 ? "" : "s", v->enc_one, v->enc_calls);
    }
    if (r.version == TLS1_3_VERSION && v->suite[0] == '\0')
        snprintf(v->suite, sizeof(v->suite), "%s", r.cipher);
    tl_handshake_result_free(&r);
    return rc;
}

/* ---- the encrypt path and the generate callback -------------------------------- */

static void check_encrypt(tl_vstate *v)
{
    static const char expected[] = "1 on every call that issues a ticket (0 only when no key is usable)";
    size_t n = v->enc_calls;

    if (n == 0) {
        tl_vcheck(v, "encrypt", TL_VERDICT_SKIP, expected, "",
                  "not checked: OpenSSL never asked the key callback to encrypt");
    } else if (v->enc_neg == n) {
        tl_vcheck(v, "encrypt", TL_VERDICT_FAIL, expected,
                  "Below 0 while encrypting is fatal: OpenSSL aborts the connection with an "
                  "internal_error alert when it builds the NewSessionTicket, so every handshake fails.",
                  "the key callback returned a negative value on all %zu encryption calls", n);
    } else if (v->enc_zero == n) {
        tl_vcheck(v, "encrypt", TL_VERDICT_FAIL, expected,
                  "0 means \"no ticket\": TLS 1.3 clients get no NewSessionTicket and TLS 1.2 "
                  "clients an empty one, so no client can ever resume and every connection pays "
                  "for a full handshake. A callback that set up its contexts and then returns 0 "
                  "is the classic mistake.",
                  "the key callback returned 0 on all %zu encryption calls: no ticket was issued", n);
    } else if (v->enc_neg > 0) {
        tl_vcheck(v, "encrypt", TL_VERDICT_FAIL, expected,
                  "Each negative return kills that connection with internal_error.",
                  "the key callback returned 1 on %zu, 0 on %zu and a negative value on %zu of "
                  "%zu encryption calls", v->enc_one, v->enc_zero, v->enc_neg, n);
    } else if (v->enc_other > 0 || v->enc_zero > 0) {
        tl_vcheck(v, "encrypt", TL_VERDICT_WARN, expected,
                  "OpenSSL treats any positive value as 1 when encrypting, but 2 only means "
                  "something when decrypting; each 0 leaves a client without a ticket.",
                  "the key callback returned 1 on %zu, 0 on %zu and %d on %zu of %zu encryption calls",
                  v->enc_one, v->enc_zero, v->enc_other_ret, v->enc_other, n);
    } else {
        tl_vcheck(v, "encrypt", TL_VERDICT_PASS, expected,
                  "A ticket is issued exactly when the callback says 1.",
                  "the key callback returned 1 on all %zu encryption calls", n);
    }
}

static void check_generate(tl_vstate *v)
{
    static const char expected[] = "1 (0 is fatal)";

    if (v->cbs->generate == NULL)
        return;
    if (v->gen_calls == 0)
        tl_vcheck(v, "generate-cb", TL_VERDICT_SKIP, expected, "",
                  "not checked: the generate callback was never called");
    else if (v->gen_zero > 0)
        tl_vcheck(v, "generate-cb", TL_VERDICT_FAIL, expected,
                  "A generate callback that returns 0 makes OpenSSL fail the handshake with "
                  "internal_error instead of skipping the ticket.",
                  "the generate callback returned 0 on %zu of %zu calls", v->gen_zero, v->gen_calls);
    else if (v->gen_other_ret != 0)
        tl_vcheck(v, "generate-cb", TL_VERDICT_WARN, expected,
                  "OpenSSL only tests for 0; other values work today but are not in the contract.",
                  "the generate callback returned %d", v->gen_other_ret);
    else
        tl_vcheck(v, "generate-cb", TL_VERDICT_PASS, expected, "Tickets are issued.",
                  "the generate callback returned 1 on all %zu calls", v->gen_calls);
}

/* ---- the whole run ------------------------------------------------------------ */

static void describe(tl_vstate *v)
{
    const tl_user_callbacks *c = v->cbs;
    char *p = v->out->provides;
    size_t size = sizeof(v->out->provides);

    snprintf(p, size, "%s%s%s%s", c->key_evp ? "key_evp" : "key_legacy",
             c->decrypt ? " decrypt" : "", c->generate ? " generate" : "",
             tl_plugin_can_rotate(v->plugin) ? " rotate" : "");
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tl_validate_plugin(const char *path, const char *arg, tl_validation *out, tl_error *err)
{
    tl_vstate v;
    double start = now_seconds();
    int rc = -1;

    memset(out, 0, sizeof(*out));
    memset(&v, 0, sizeof(v));
    snprintf(out->plugin, sizeof(out->plugin), "%s", path);
    v.out = out;
    v.now = TL_CLOCK_EPOCH;
    /* The plug-in's init reads the harness clock, like every later call. */
    tl_clock_freeze(v.now);
    v.plugin = tl_plugin_load(path, arg, err);
    if (v.plugin == NULL)
        return -1;
    v.cbs = tl_plugin_callbacks(v.plugin);
    describe(&v);
    if (v.cbs->key_evp != NULL) {
        v.shim.key_evp = shim_key_evp;
    } else {
        legacy_key_fn fn = shim_key_legacy;

        memcpy(&v.shim.key_legacy, &fn, sizeof(v.shim.key_legacy));
    }
    v.shim.decrypt = v.cbs->decrypt;
    v.shim.generate = v.cbs->generate;
    v.shim.arg = NULL;

    if (tl_vprobe_rows(&v, err) != 0)
        goto done;
    check_encrypt(&v);
    if (tl_vprobe_tamper(&v, err) != 0 || tl_vprobe_ivs(&v, err) != 0
        || tl_vprobe_keys(&v, err) != 0 || tl_vprobe_rotation(&v, err) != 0)
        goto done;
    /* Last, so that every status any probe reached is judged (rotation
     * is where SUCCESS_RENEW comes from). */
    tl_vcheck_decrypt_cb(&v);
    check_generate(&v);
    rc = 0;
done:
    tl_key_oracle_clear(&v.oracle);
    free(v.ivs);
    tl_plugin_unload(v.plugin);
    ERR_clear_error();
    out->seconds = now_seconds() - start;
    return rc;
}
