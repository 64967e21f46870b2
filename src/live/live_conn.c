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

#include "ticketlab/tlslib.h"
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

/*
 * What is wrong with one NewSessionTicket message (msg: the handshake
 * header and body, len bytes), written to out; "" when nothing is. Read
 * before OpenSSL's client parses it, which only says "length mismatch".
 */
static void nst_fault(const unsigned char *msg, size_t len, int tls13, char *out, size_t size)
{
    size_t body = len >= 4 ? ((size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3]) : 0;
    size_t pos = 4 + 4, ticket_len;

    out[0] = '\0';
    if (len < 4 || body != len - 4)
        return;   /* OpenSSL frames the message; never seen otherwise */
    if (tls13)
        pos += 4 + (len > pos + 4 ? 1 + (size_t)msg[pos + 4] : 1);
    if (len < pos + 2) {
        snprintf(out, size, "a %zu-byte NewSessionTicket, too short for its fixed fields", body);
        return;
    }
    ticket_len = (size_t)msg[pos] << 8 | msg[pos + 1];
    pos += 2;
    if (tls13 && ticket_len == 0)
        snprintf(out, size, "a NewSessionTicket with a zero-length ticket (RFC 8446 4.6.1: "
                 "ticket<1..2^16-1>)");
    else if (ticket_len > len - pos)
        snprintf(out, size, "a NewSessionTicket whose ticket length (%zu bytes) overruns the "
                 "message (%zu bytes follow)", ticket_len, len - pos);
}

/* Every handshake message the client reads: count the NewSessionTickets, note a malformed one. */
static void on_message(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg)
{
    const unsigned char *msg = buf;
    tl_lp_conn *c = SSL_get_app_data(ssl);

    (void)version;
    (void)arg;
    if (write_p || c == NULL || content_type != SSL3_RT_HANDSHAKE || len < 4
        || msg[0] != SSL3_MT_NEWSESSION_TICKET)
        return;
    if (++c->nst_msgs >= TL_LP_NST_FLOOD && c->guard != NULL) {
        c->flood = 1;
        c->guard->stop = 1;   /* the next read ends: SSL_read() returns */
    }
    if (c->nst_bad[0] == '\0')
        nst_fault(msg, len, SSL_version(ssl) == TLS1_3_VERSION, c->nst_bad, sizeof(c->nst_bad));
}

SSL_CTX *tl_lp_client_ctx_det(int version, int deterministic, tl_error *err)
{
    SSL_CTX *ctx = deterministic ? tl_tlslib_ctx_new(TLS_client_method(), err)
                                 : SSL_CTX_new(TLS_client_method());

    if (ctx == NULL)
        return tl_error_set_ssl(err, "cannot make a client SSL_CTX"), NULL;
    if (!SSL_CTX_set_min_proto_version(ctx, version) || !SSL_CTX_set_max_proto_version(ctx, version)) {
        SSL_CTX_free(ctx);
        return tl_error_set_ssl(err, "cannot pin the client to one TLS version"), NULL;
    }
    /* A ticket audit, not a certificate check: any certificate will do. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}

SSL_CTX *tl_lp_client_ctx(int version, tl_error *err)
{
    SSL_CTX *ctx = tl_lp_client_ctx_det(version, 0, err);

    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, new_session);
    SSL_CTX_set_msg_callback(ctx, on_message);
    return ctx;
}

int tl_lp_conn_deadline(tl_lp_state *s, double *deadline)
{
    double now = tl_live_now();

    if (s->out_of_time || now >= s->deadline) {
        s->out_of_time = 1;
        return -1;
    }
    if (now + s->o->timeout <= s->deadline) {
        *deadline = now + s->o->timeout;
        return 0;
    }
    *deadline = s->deadline;
    return 1;
}

const char *tl_lp_too_big(const tl_lp_ticket *t)
{
    static char why[160];

    if (t->len <= TL_LIVE_OFFER_MAX)
        return NULL;
    snprintf(why, sizeof(why), "not checked: ticket larger than %d bytes (%zu bytes; the largest "
             "the probe's client can offer back in a ClientHello)", TL_LIVE_OFFER_MAX, t->len);
    return why;
}

/* The sentence for a connection that failed after its handshake (SSL_get_error() gave e). */
static void after_failure(SSL *ssl, int e, char *why, size_t size)
{
    unsigned long code = ERR_peek_error();
    const char *reason = code ? ERR_reason_error_string(code) : NULL;

    (void)ssl;
    if (e == SSL_ERROR_SSL && code != 0 && ERR_GET_REASON(code) >= SSL_AD_REASON_OFFSET)
        snprintf(why, size, "the server sent an alert after the handshake (%s)", reason ? reason : "?");
    else if (e == SSL_ERROR_SSL)
        snprintf(why, size, "the probe's client refused what the server sent after the handshake "
                 "(OpenSSL: %s)", reason ? reason : "TLS error");
    ERR_clear_error();
}

/*
 * TLS 1.3 tickets follow the handshake: read until the server is quiet
 * (longer while no ticket has come yet), it closes, it sends
 * TL_LP_NST_FLOOD tickets (c->flood), or the deadline; a failure on the
 * way (a malformed ticket ends the connection) goes to c->after_why.
 */
static void collect(SSL *ssl, int fd, tl_lp_conn *c, double deadline)
{
    unsigned char buf[4096];

    for (;;) {
        double until = tl_live_now() + (c->nst_msgs > 0 ? 0.05 : 0.5);
        int r, e;

        if (c->flood)
            return;
        if (SSL_pending(ssl) == 0 && tl_live_wait(fd, 0, until < deadline ? until : deadline) != 1)
            return;
        ERR_clear_error();
        r = SSL_read(ssl, buf, sizeof(buf));
        if (r > 0)
            continue;
        e = SSL_get_error(ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            continue;
        if (!c->flood && tl_live_now() < deadline)
            after_failure(ssl, e, c->after_why, sizeof(c->after_why));
        ERR_clear_error();
        return;
    }
}

/*
 * Connect, handshake and (collect) read what the server sends afterwards
 * until it is quiet, for TLS 1.3's tickets. `sni` NULL: none. `offer` may
 * be NULL. A failed connection is an outcome in c, not an error; -1 only
 * when the harness itself fails.
 */
int tl_lp_run_conn(tl_lp_state *s, tl_lp_version *pv, const char *sni, SSL_SESSION *offer,
                    int collect_tickets, tl_lp_conn *c, tl_error *err)
{
    const tl_live_opts *o = s->o;
    double deadline;
    int cut;   /* the run deadline, not o->timeout, bounds this connection */
    tl_error cerr = { "" };
    tl_live_guard guard;
    SSL *ssl = NULL;
    BIO *bio = NULL;
    int fd;

    memset(c, 0, sizeof(*c));
    if ((cut = tl_lp_conn_deadline(s, &deadline)) < 0) {
        c->io = TL_LIVE_IO_TIMEOUT;
        c->out_of_time = 1;
        snprintf(c->why, sizeof(c->why), "not made: the run deadline had passed");
        return 0;
    }
    s->out->handshakes++;
    fd = tl_live_connect(o->host, o->port, deadline, s->out->v.provides,
                         sizeof(s->out->v.provides), &cerr);
    if (fd < 0) {
        c->io = strstr(cerr.msg, "before the timeout") ? TL_LIVE_IO_TIMEOUT : TL_LIVE_IO_FAILED;
        c->no_tcp = 1;
        c->out_of_time = cut && c->io == TL_LIVE_IO_TIMEOUT;
        s->out_of_time |= c->out_of_time;
        snprintf(c->why, sizeof(c->why), "%s", cerr.msg);
        return 0;
    }
    memset(&guard, 0, sizeof(guard));
    guard.fd = fd;
    guard.until = deadline;
    ssl = SSL_new(pv->ctx);
    if (ssl != NULL && (bio = tl_live_guard_bio(&guard, &cerr)) != NULL)
        SSL_set_bio(ssl, bio, bio);   /* the SSL owns it */
    if (ssl == NULL || bio == NULL || !SSL_set_app_data(ssl, c)
        || (sni != NULL && !SSL_set_tlsext_host_name(ssl, sni))
        || (s->alpn_len > 0 && SSL_set_alpn_protos(ssl, s->alpn, (unsigned)s->alpn_len) != 0)
        || (offer != NULL && !SSL_set_session(ssl, offer))) {
        SSL_free(ssl);
        close(fd);
        return tl_error_set_ssl(err, "cannot set up a client connection");
    }
    c->guard = &guard;
    SSL_set_connect_state(ssl);
    c->io = tl_live_handshake(ssl, fd, deadline, c->why, sizeof(c->why));
    if (c->io == TL_LIVE_IO_OK) {
        c->reused = SSL_session_reused(ssl);
        c->version = SSL_version(ssl);
        if (collect_tickets && c->version == TLS1_3_VERSION)
            collect(ssl, fd, c, deadline);
        ERR_clear_error();
        SSL_shutdown(ssl);   /* best effort: the close_notify, no wait for the reply */
    }
    if (cut && tl_live_now() >= deadline && (c->io == TL_LIVE_IO_TIMEOUT || collect_tickets))
        s->out_of_time = c->out_of_time = 1;
    c->guard = NULL;
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
    SSL_SESSION *sess;
    int rc;

    if (len > TL_LIVE_OFFER_MAX) {   /* callers check tl_lp_too_big(); never blame the server */
        memset(c, 0, sizeof(*c));
        c->io = TL_LIVE_IO_FAILED;
        snprintf(c->why, sizeof(c->why), "not offered: larger than %d bytes", TL_LIVE_OFFER_MAX);
        return 0;
    }
    if ((sess = tl_session_with_ticket(base, ticket, len, err)) == NULL)
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
