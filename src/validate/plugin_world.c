/*
 * plugin_world.c - the worlds a plug-in runs in during a validation: the
 * shims around its callbacks (which tally what they see), worlds whose
 * server calls them, handshakes, and minting a ticket; see state.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ossl_compat.h"
#include "ticketlab/clock.h"
#include "pcall.h"
#include "state.h"

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
    tl_pcall_begin("tl_plugin_ticket_key_evp_cb (enc=%d: %s)", enc, enc ? "issuing a ticket"
                   : "opening a ticket a client offered");
    ret = v->cbs->key_evp(s, key_name, iv, cctx, hctx, enc);
    tl_pcall_end();
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
    tl_pcall_begin("tl_plugin_ticket_key_cb (enc=%d: %s)", enc, enc ? "issuing a ticket"
                   : "opening a ticket a client offered");
    ret = user(s, key_name, iv, cctx, hctx, enc);
    tl_pcall_end();
    if (enc)
        saw_encrypt(v, ret, iv, cctx, NULL, hctx);
    return ret;
}

static SSL_TICKET_RETURN shim_decrypt(SSL *s, SSL_SESSION *ss, const unsigned char *keyname,
                                      size_t keyname_len, SSL_TICKET_STATUS status, void *arg)
{
    tl_vstate *v = vstate_of(s);
    SSL_TICKET_RETURN ret;

    (void)arg;
    if (v == NULL)
        return SSL_TICKET_RETURN_ABORT;
    tl_pcall_begin("tl_plugin_decrypt_session_ticket_cb (status %s)", tl_ticket_status_name((int)status));
    ret = v->cbs->decrypt(s, ss, keyname, keyname_len, status, NULL);
    tl_pcall_end();
    return ret;
}

static int shim_generate(SSL *s, void *arg)
{
    tl_vstate *v = vstate_of(s);
    int ret;

    (void)arg;
    if (v == NULL)
        return 0;
    tl_pcall_begin("tl_plugin_generate_session_ticket_cb");
    ret = v->cbs->generate(s, NULL);
    tl_pcall_end();
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

void tl_vshim_install(tl_vstate *v)
{
    if (v->cbs->key_evp != NULL) {
        v->shim.key_evp = shim_key_evp;
    } else {
        legacy_key_fn fn = shim_key_legacy;

        memcpy(&v->shim.key_legacy, &fn, sizeof(v->shim.key_legacy));
    }
    v->shim.decrypt = v->cbs->decrypt ? shim_decrypt : NULL;
    v->shim.generate = v->cbs->generate ? shim_generate : NULL;
    v->shim.arg = NULL;
}
