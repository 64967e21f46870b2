/*
 * ct_client.c - the client under test in fuzz_client_ticket: its hooks (the
 * key log, every message it reads, the alert it sends, each session it
 * hands over, which goes into a tl_cache at once, as curl does), a client
 * and a server over a BIO pair of their own, and records written to it.
 * See client_ticket.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "client_ticket.h"
#include "ct_lib.h"
#include "fuzz_common.h"
#include "ossl_compat.h"
#include "ticketlab/clock.h"
#include "ticketlab/rng.h"

#define PAIR_SIZE (80 * 1024)   /* any one record fits (5 + 65535 bytes) */

tl_ct_run tl_ct_r;
tl_ct_global tl_ct_g;

/* ---- hooks ---------------------------------------------------------------- */

static void keylog_cb(const SSL *s, const char *line)
{
    static const char tag[] = "SERVER_TRAFFIC_SECRET_0 ";
    const char *p;
    size_t n = 0;

    if (s != R.client || strncmp(line, tag, sizeof(tag) - 1) != 0)
        return;
    p = strchr(line + sizeof(tag) - 1, ' ');   /* past the client random */
    if (p == NULL)
        return;
    for (p++; p[0] != '\0' && p[1] != '\0' && n < sizeof(R.secret); p += 2) {
        char hex[3] = { p[0], p[1], '\0' };

        R.secret[n++] = (unsigned char)strtoul(hex, NULL, 16);
    }
    R.secret_len = n;
}

static void client_msg_cb(int write_p, int version, int content_type,
                          const void *buf, size_t len, SSL *s, void *arg)
{
    const unsigned char *p = buf;
    tl_ct_rx *m;

    (void)version;
    (void)arg;
    if (s != R.client || content_type != SSL3_RT_HANDSHAKE || len < 4)
        return;
    if (R.collect)
        tw_put(&R.transcript, p, len);
    if (!R.watch || write_p)
        return;
    if (R.n_rx < CT_MAX_RX) {
        m = &R.rx[R.n_rx];
        m->msg = malloc(len);
        if (m->msg == NULL)
            tl_fuzz_die("out of memory");
        memcpy(m->msg, p, len);
        m->len = len;
        m->session = -1;
    }
    R.n_rx++;
}

static void client_info_cb(const SSL *s, int where, int ret)
{
    if (s == R.client && (where & SSL_CB_ALERT) && (where & SSL_CB_WRITE) && R.alert_sent < 0)
        R.alert_sent = ret & 0xff;
}

void tl_ct_store(SSL_SESSION *sess)
{
    tl_ct_stored *st;
    tl_error err = { "" };
    int len;
    unsigned char *p;

    if (R.n_st++ >= CT_MAX_SESSIONS) {
        SSL_SESSION_free(sess);
        return;
    }
    st = &R.st[R.n_st - 1];
    memset(st, 0, sizeof(*st));
    st->sess = sess;
    st->rx = -1;
    /* 1.3: the message being processed; 1.2: the last ticket before Finished. */
    for (size_t i = R.n_rx <= CT_MAX_RX ? R.n_rx : 0; i-- > 0;) {
        if (R.rx[i].msg[0] == CT_HS_NST) {
            st->rx = (int)i;
            break;
        }
        if (R.tls13)
            break;
    }
    len = i2d_SSL_SESSION(sess, NULL);
    if (len <= 0 || (st->der = OPENSSL_malloc((size_t)len)) == NULL)
        tl_fuzz_die("cannot encode a session the client stored");
    p = st->der;
    st->der_len = (size_t)i2d_SSL_SESSION(sess, &p);
    st->put_time = tl_clock_now();
    st->put_rc = tl_cache_put(R.cache, R.peer_key, sess, 0, &err);
    snprintf(st->put_err, sizeof(st->put_err), "%s", err.msg);
}

/* The client hands over a session: keep it, and cache it as curl would. */
static int new_session_cb(SSL *s, SSL_SESSION *sess)
{
    if (s != R.client)
        return 0;
    if (R.quiet)
        return tl_ct_lib_quiet_session(sess);
    tl_ct_store(sess);
    return 1;
}

void tl_ct_client_hooks(tl_world *w)
{
    SSL_CTX_set_keylog_callback(tl_world_client_ctx(w), keylog_cb);
    SSL_CTX_sess_set_new_cb(tl_world_client_ctx(w), new_session_cb);
}

/* ---- the pair ------------------------------------------------------------- */

void tl_ct_new_client(tl_world *w, SSL_SESSION *sess)
{
    BIO *cbio = NULL;

    R.client = SSL_new(tl_world_client_ctx(w));
    R.server = NULL;
    R.peer = NULL;
    if (R.client == NULL || !BIO_new_bio_pair(&cbio, PAIR_SIZE, &R.peer, PAIR_SIZE))
        tl_fuzz_die("harness: cannot make the client");
    SSL_set_bio(R.client, cbio, cbio);
    SSL_set_connect_state(R.client);
    SSL_set_msg_callback(R.client, client_msg_cb);
    SSL_set_info_callback(R.client, client_info_cb);
    if (!SSL_set_tlsext_host_name(R.client, TL_SERVER_NAME) || !tl_ssl_set1_host(R.client, TL_SERVER_NAME))
        tl_fuzz_die("harness: the client refuses its server name");
    if (sess != NULL && SSL_set_session(R.client, sess) != 1)
        tl_fuzz_die("harness: the client refuses the session to resume");
}

void tl_ct_new_pair(tl_world *w, SSL_SESSION *sess)
{
    tl_ct_new_client(w, sess);
    R.server = SSL_new(tl_world_server_ctx(w));
    if (R.server == NULL || tl_issuer_bind(R.server, tl_world_issuer(w)) != 0)
        tl_fuzz_die("harness: cannot make the server");
    SSL_set_bio(R.server, R.peer, R.peer);   /* the server owns its end now */
    SSL_set_accept_state(R.server);
}

void tl_ct_free_pair(void)
{
    if (R.client != NULL)
        SSL_set_shutdown(R.client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    if (R.server != NULL)
        SSL_set_shutdown(R.server, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    else
        BIO_free(R.peer);
    SSL_free(R.client);
    SSL_free(R.server);
    R.client = R.server = NULL;
    R.peer = NULL;
}

static int want(SSL *s, int rc)
{
    int e = SSL_get_error(s, rc);

    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

int tl_ct_handshake(void)
{
    return tl_ct_handshake_rec(NULL, NULL, NULL, 0, NULL);
}

int tl_ct_handshake_rec(tw_bytes *cflight, tw_bytes *sflight, tl_rng_state *rng, size_t max,
                        size_t *rounds)
{
    int cdone = 0, sdone = 0;

    R.collect = !R.tls13;
    for (int round = 0; round < 32; round++) {
        int rc;

        if (!cdone) {
            rc = SSL_do_handshake(R.client);
            if (rc == 1)
                cdone = 1;
            else if (!want(R.client, rc))
                return -1;
        }
        if ((size_t)round < max)
            (void)tl_ct_peek(R.peer, &cflight[round]);
        if (!sdone) {
            rc = SSL_do_handshake(R.server);
            if (rc == 1)
                sdone = 1;
            else if (!want(R.server, rc))
                return -1;
        }
        if ((size_t)round < max) {
            (void)tl_ct_peek(SSL_get_rbio(R.client), &sflight[round]);
            tl_rng_save(&rng[round]);
        }
        if (sdone && (cdone || !R.tls13)) {
            R.collect = 0;
            if (rounds != NULL)
                *rounds = (size_t)round + 1;
            return 0;
        }
    }
    return -1;
}

/* ---- records to the client ------------------------------------------------ */

void tl_ct_drain(BIO *from, tw_bytes *out)
{
    unsigned char buf[4096];
    int n;

    while ((n = BIO_read(from, buf, sizeof(buf))) > 0)
        if (out != NULL)
            tw_put(out, buf, (size_t)n);
}

static void note_failure(void)
{
    unsigned long e = ERR_peek_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;

    R.failed = 1;
    if (R.reason[0] == '\0')
        snprintf(R.reason, sizeof(R.reason), "%s", r ? r : "no reason");
    ERR_clear_error();
}

/* Let the client read what it has. Returns 0 while it lives, -1 once dead. */
static int step_client(void)
{
    unsigned char buf[512];

    for (int i = 0; i < 1000; i++) {
        int rc, e;

        if (R.failed)
            return -1;
        if (!R.tls13 && !R.client_done) {
            rc = SSL_do_handshake(R.client);
            if (rc == 1) {
                R.client_done = 1;
                return 0;
            }
        } else {
            rc = SSL_read(R.client, buf, sizeof(buf));
            if (rc > 0)
                continue;   /* never: the target sends no application data */
        }
        e = SSL_get_error(R.client, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return 0;
        note_failure();
        return -1;
    }
    return 0;
}

int tl_ct_deliver(const unsigned char *rec, size_t n)
{
    if (R.failed)
        return -1;
    if (BIO_write(R.peer, rec, (int)n) != (int)n)
        tl_fuzz_die("harness: a %zu-byte record does not fit in the pair", n);
    return step_client();
}

void tl_ct_run_clear(void)
{
    for (size_t i = 0; i < R.n_rx && i < CT_MAX_RX; i++)
        free(R.rx[i].msg);
    for (size_t i = 0; i < R.n_st && i < CT_MAX_SESSIONS; i++) {
        SSL_SESSION_free(R.st[i].sess);
        OPENSSL_free(R.st[i].der);
    }
    for (size_t i = 0; i < R.n_genuine; i++)
        tw_bytes_free(&R.genuine[i]);
    tw_bytes_free(&R.transcript);
    tl_cache_free(R.cache);
    memset(&R, 0, sizeof(R));
}

int tl_ct_peek(BIO *from, tw_bytes *out)
{
#if TL_TLSLIB_OPENSSL
    char *p = NULL;
    long n = BIO_nread0(from, &p);

    if (n <= 0 || (size_t)n != BIO_ctrl_pending(from))
        return -1;
    tw_put(out, p, (size_t)n);
    return 0;
#else
    /* BoringSSL and AWS-LC have no BIO_nread0: take the bytes, and write
     * them again into the other end of the pair for `from`'s reader. The
     * write clears that end's retry flag, which its SSL's SSL_get_error
     * may be about to read: it is put back. */
    BIO *other = from == R.peer ? SSL_get_wbio(R.client) : R.peer;
    int waiting = BIO_should_read(other);
    size_t start = out->n, n;

    tl_ct_drain(from, out);
    n = out->n - start;
    if (n == 0)
        return -1;
    if (BIO_write(other, out->p + start, (int)n) != (int)n)
        tl_fuzz_die("harness: a flight does not go back into its pair");
    if (waiting)
        BIO_set_retry_read(other);
    return 0;
#endif
}
