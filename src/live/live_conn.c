/*
 * live_conn.c - one connection of the probe's client to the server under
 * audit: capture the sessions its NewSessionTickets make, or offer a ticket
 * of our choosing (the session's DER edited by tl_session_with_ticket), and
 * say what happened; see live_state.h.
 */
#include "live_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "ossl_compat.h"

#include "ticketlab/world.h"

static int new_session(SSL *ssl, SSL_SESSION *sess)
{
    tl_lp_conn *c = SSL_get_app_data(ssl);
    tl_lp_ticket *t;

    if (c == NULL || !SSL_SESSION_has_ticket(sess))
        return 0;
    c->n_total++;
    if (c->n >= TL_LP_TICKETS_PER_CONN)
        return 0;
    t = &c->t[c->n++];
    SSL_SESSION_get0_ticket(sess, &t->bytes, &t->len);
    t->hint = (uint32_t)SSL_SESSION_get_ticket_lifetime_hint(sess);
    t->max_early_data = SSL_SESSION_get_max_early_data(sess);
    t->sess = sess;
    t->at = tl_live_now();
    return 1;   /* we keep the reference */
}

void tl_lp_conn_free(tl_lp_conn *c)
{
    for (size_t i = 0; i < c->n; i++)
        SSL_SESSION_free(c->t[i].sess);
    memset(c, 0, sizeof(*c));
}

SSL_CTX *tl_lp_client_ctx(int version, tl_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL)
        return tl_error_set_ssl(err, "cannot make a client SSL_CTX"), NULL;
    if (!SSL_CTX_set_min_proto_version(ctx, version) || !SSL_CTX_set_max_proto_version(ctx, version)) {
        SSL_CTX_free(ctx);
        return tl_error_set_ssl(err, "cannot pin the client to one TLS version"), NULL;
    }
    /* A ticket audit, not a certificate check: any certificate will do. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, new_session);
    return ctx;
}

/*
 * Connect, handshake and (collect) read what the server sends afterwards
 * until it is quiet, for TLS 1.3's tickets. `sni` NULL: none. `offer` may
 * be NULL. A failed connection is an outcome in c, not an error; -1 only
 * when the harness itself fails.
 */
int tl_lp_run_conn(tl_lp_state *s, tl_lp_version *pv, const char *sni, SSL_SESSION *offer,
                    int collect, tl_lp_conn *c, tl_error *err)
{
    const tl_live_opts *o = s->o;
    double deadline = tl_live_now() + o->timeout;
    tl_error cerr = { "" };
    SSL *ssl = NULL;
    int fd;

    memset(c, 0, sizeof(*c));
    s->out->handshakes++;
    fd = tl_live_connect(o->host, o->port, deadline, s->out->v.provides,
                         sizeof(s->out->v.provides), &cerr);
    if (fd < 0) {
        c->io = strstr(cerr.msg, "before the timeout") ? TL_LIVE_IO_TIMEOUT : TL_LIVE_IO_FAILED;
        c->no_tcp = 1;
        snprintf(c->why, sizeof(c->why), "%s", cerr.msg);
        return 0;
    }
    ssl = SSL_new(pv->ctx);
    if (ssl == NULL || !SSL_set_fd(ssl, fd) || !SSL_set_app_data(ssl, c)
        || (sni != NULL && !SSL_set_tlsext_host_name(ssl, sni))
        || (s->alpn_len > 0 && SSL_set_alpn_protos(ssl, s->alpn, (unsigned)s->alpn_len) != 0)
        || (offer != NULL && !SSL_set_session(ssl, offer))) {
        SSL_free(ssl);
        close(fd);
        return tl_error_set_ssl(err, "cannot set up a client connection");
    }
    SSL_set_connect_state(ssl);
    c->io = tl_live_handshake(ssl, fd, deadline, c->why, sizeof(c->why));
    if (c->io == TL_LIVE_IO_OK) {
        c->reused = SSL_session_reused(ssl);
        c->version = SSL_version(ssl);
        /* TLS 1.3 tickets follow the handshake: wait until the server is quiet,
         * longer while none has come yet. */
        if (collect && c->version == TLS1_3_VERSION)
            tl_live_drain(ssl, fd, c->n_total > 0 ? 0.05 : 0.5, deadline);
        if (collect && c->version == TLS1_3_VERSION && c->n_total > 0)
            tl_live_drain(ssl, fd, 0.05, deadline);
        ERR_clear_error();
        SSL_shutdown(ssl);   /* best effort: the close_notify, no wait for the reply */
    }
    SSL_set_app_data(ssl, NULL);
    SSL_free(ssl);
    close(fd);
    ERR_clear_error();
    return 0;
}

/* "resumed", "full handshake", or why it failed. */
const char *tl_lp_outcome(const tl_lp_conn *c)
{
    if (c->io != TL_LIVE_IO_OK)
        return c->why;
    return c->reused ? "resumed" : "full handshake, not resumed";
}

/*
 * Offer `ticket` (with base's session) under sni; c gets the outcome.
 * Always a fresh copy of the session: OpenSSL's client marks a TLS 1.3
 * session it has resumed not resumable, so a session object is never
 * offered twice. Returns 0 or -1.
 */
int tl_lp_offer_ticket(tl_lp_state *s, tl_lp_version *pv, SSL_SESSION *base,
                        const unsigned char *ticket, size_t len, const char *sni, tl_lp_conn *c,
                        tl_error *err)
{
    SSL_SESSION *sess = tl_session_with_ticket(base, ticket, len, err);
    int rc;

    if (sess == NULL)
        return -1;
    rc = tl_lp_run_conn(s, pv, sni, sess, 0, c, err);
    SSL_SESSION_free(sess);
    return rc;
}

tl_verdict tl_lp_must_not_resume(const tl_lp_conn *c)
{
    if (c->io == TL_LIVE_IO_OK)
        return c->reused ? TL_VERDICT_FAIL : TL_VERDICT_PASS;
    if (c->io == TL_LIVE_IO_FAILED)
        return TL_VERDICT_WARN;   /* refused the client outright: no resumption, but no service either */
    return TL_VERDICT_FAIL;       /* hung or dropped the connection */
}
