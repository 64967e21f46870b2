/* probe.c - server-only runs against an edited ClientHello; see probe.h. */
#include "ticketlab/probe.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#define EXT_SESSION_TICKET 35
#define EXT_PRE_SHARED_KEY 41

struct tl_probe {
    tl_world *world;
    int tls13;
    unsigned char *hello;     /* the captured record */
    size_t hello_len;
    size_t ticket_off;        /* where the ticket starts in hello */
    size_t ticket_len;
    /* Offsets of the length fields that cover the ticket. */
    size_t record_len_off;    /* u16 */
    size_t hs_len_off;        /* u24 */
    size_t exts_len_off;      /* u16 */
    size_t ext_len_off;       /* u16 */
    size_t ids_len_off;       /* u16, TLS 1.3 only */
    size_t id_len_off;        /* u16, TLS 1.3 only (the ticket's own length) */
    unsigned char *buf;       /* the edited record */
    SSL *server;
    BIO *to_server;           /* our end of the pair */
    tl_probe_result *cur;
};

static size_t get16(const unsigned char *p)
{
    return (size_t)p[0] << 8 | p[1];
}

static void put16(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void add16(unsigned char *p, long delta)
{
    put16(p, (size_t)((long)get16(p) + delta));
}

/* Walk the ClientHello and remember where the ticket and its lengths are. */
static int locate_ticket(tl_probe *p, tl_error *err)
{
    const unsigned char *h = p->hello;
    size_t n = p->hello_len, off, end;

    if (n < 5 + 4 + 2 + 32 + 1 || h[0] != SSL3_RT_HANDSHAKE || h[5] != SSL3_MT_CLIENT_HELLO)
        return tl_error_set(err, "the captured first flight is not a ClientHello record");
    p->record_len_off = 3;
    p->hs_len_off = 6;
    off = 9 + 2 + 32;                    /* legacy_version, random */
    off += 1 + h[off];                   /* session id */
    if (off + 2 > n)
        goto bad;
    off += 2 + get16(h + off);           /* cipher suites */
    if (off + 1 > n)
        goto bad;
    off += 1 + h[off];                   /* compression methods */
    if (off + 2 > n)
        goto bad;
    p->exts_len_off = off;
    end = off + 2 + get16(h + off);
    if (end > n)
        goto bad;
    for (off += 2; off + 4 <= end;) {
        unsigned type = (unsigned)get16(h + off);
        size_t len = get16(h + off + 2);

        if (off + 4 + len > end)
            goto bad;
        if (!p->tls13 && type == EXT_SESSION_TICKET) {
            p->ext_len_off = off + 2;
            p->ticket_off = off + 4;
            p->ticket_len = len;
            return 0;
        }
        if (p->tls13 && type == EXT_PRE_SHARED_KEY && len >= 4) {
            p->ext_len_off = off + 2;
            p->ids_len_off = off + 4;
            p->id_len_off = off + 6;
            p->ticket_off = off + 8;
            p->ticket_len = get16(h + off + 6);
            if (p->ticket_off + p->ticket_len > off + 4 + len)
                goto bad;
            return 0;
        }
        off += 4 + len;
    }
    return tl_error_set(err, "the client offered no ticket: is the session resumable and "
                             "of the world's TLS version?");
bad:
    return tl_error_set(err, "the captured ClientHello is malformed");
}

static int capture(tl_probe *p, SSL_SESSION *session, tl_error *err)
{
    SSL *c = SSL_new(tl_world_client_ctx(p->world));
    BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
    char *data;
    long len;
    int rc = -1;

    if (c == NULL || rbio == NULL || wbio == NULL) {
        BIO_free(rbio);
        BIO_free(wbio);
        tl_error_set_ssl(err, "cannot make the client for the capture");
        goto done;
    }
    SSL_set_bio(c, rbio, wbio);
    SSL_set_connect_state(c);
    if (!SSL_set_tlsext_host_name(c, TL_SERVER_NAME) || SSL_set_session(c, session) != 1) {
        tl_error_set_ssl(err, "the client refuses the session");
        goto done;
    }
    if (SSL_do_handshake(c) > 0 || SSL_get_error(c, -1) != SSL_ERROR_WANT_READ) {
        tl_error_set_ssl(err, "the client did not stop after its ClientHello");
        goto done;
    }
    len = BIO_get_mem_data(wbio, &data);
    if (len <= 5 || (size_t)len != 5 + get16((unsigned char *)data + 3)) {
        tl_error_set(err, "the ClientHello is not exactly one record (%ld bytes)", len);
        goto done;
    }
    p->hello = malloc((size_t)len);
    p->buf = malloc((size_t)len + TL_PROBE_MAX_TICKET);
    if (p->hello == NULL || p->buf == NULL) {
        tl_error_set(err, "out of memory");
        goto done;
    }
    memcpy(p->hello, data, (size_t)len);
    p->hello_len = (size_t)len;
    rc = locate_ticket(p, err);
done:
    SSL_free(c);
    ERR_clear_error();
    return rc;
}

static void server_msg_cb(int write_p, int version, int content_type,
                          const void *buf, size_t len, SSL *s, void *arg)
{
    tl_probe *p = arg;
    const unsigned char *m = buf;

    if (p->cur != NULL && write_p && content_type == SSL3_RT_HANDSHAKE && len > 0
        && m[0] == SSL3_MT_NEWSESSION_TICKET)
        p->cur->nst_sent++;
}

/* The probe running now: runs are synchronous and single-threaded, and
 * OpenSSL has no getter for the message callback's argument. */
static tl_probe *running;

static void server_info_cb(const SSL *s, int where, int ret)
{
    tl_probe *p = running;

    if (p != NULL && p->cur != NULL && (where & SSL_CB_ALERT) && (where & SSL_CB_WRITE)
        && p->cur->alert_sent < 0)
        p->cur->alert_sent = ret & 0xff;
}

/* Full handshakes stop here, after every ticket decision and before the
 * key share and the signature: -1 suspends the handshake
 * (SSL_ERROR_WANT_X509_LOOKUP). tls_post_process_client_hello() calls the
 * certificate callback only when the session was not resumed. */
static int pause_before_crypto(SSL *s, void *arg)
{
    return -1;
}

tl_probe *tl_probe_new(tl_world *w, SSL_SESSION *session, tl_error *err)
{
    tl_probe *p;
    BIO *sbio = NULL;

    if (session == NULL)
        return tl_error_set(err, "a probe needs a session with a ticket"), NULL;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return tl_error_set(err, "out of memory"), NULL;
    p->world = w;
    p->tls13 = tl_world_get_config(w)->tls_version == TLS1_3_VERSION;
    if (capture(p, session, err) != 0)
        goto fail;
    p->server = SSL_new(tl_world_server_ctx(w));
    if (p->server == NULL || tl_issuer_bind(p->server, tl_world_issuer(w)) != 0
        || !BIO_new_bio_pair(&sbio, 64 * 1024, &p->to_server, 64 * 1024)) {
        tl_error_set_ssl(err, "cannot make the probe's server");
        goto fail;
    }
    SSL_set_bio(p->server, sbio, sbio);
    SSL_set_msg_callback(p->server, server_msg_cb);
    SSL_set_msg_callback_arg(p->server, p);
    SSL_set_info_callback(p->server, server_info_cb);
    SSL_set_cert_cb(p->server, pause_before_crypto, NULL);
    return p;
fail:
    tl_probe_free(p);
    return NULL;
}

void tl_probe_free(tl_probe *p)
{
    if (p == NULL)
        return;
    SSL_free(p->server);
    BIO_free(p->to_server);
    free(p->hello);
    free(p->buf);
    free(p);
}

/* Copy the ClientHello with `ticket` in place of the captured one. */
static size_t edit_hello(tl_probe *p, const unsigned char *ticket, size_t len)
{
    long delta = (long)len - (long)p->ticket_len;
    size_t tail = p->hello_len - p->ticket_off - p->ticket_len;
    unsigned char *b = p->buf;
    size_t hs;

    memcpy(b, p->hello, p->ticket_off);
    if (len)
        memcpy(b + p->ticket_off, ticket, len);
    memcpy(b + p->ticket_off + len, p->hello + p->ticket_off + p->ticket_len, tail);
    add16(b + p->record_len_off, delta);
    hs = ((size_t)b[p->hs_len_off] << 16 | get16(b + p->hs_len_off + 1)) + (size_t)delta;
    b[p->hs_len_off] = (unsigned char)(hs >> 16);
    put16(b + p->hs_len_off + 1, hs & 0xffff);
    add16(b + p->exts_len_off, delta);
    add16(b + p->ext_len_off, delta);
    if (p->tls13) {
        add16(b + p->ids_len_off, delta);
        put16(b + p->id_len_off, len);
    }
    return p->hello_len + (size_t)delta;
}

int tl_probe_run(tl_probe *p, const unsigned char *ticket, size_t len,
                 tl_probe_result *res, tl_error *err)
{
    unsigned char scratch[4096];
    size_t n;
    int rc, e;
    tl_issuer *iss = tl_world_issuer(p->world);

    if (len > TL_PROBE_MAX_TICKET)
        return tl_error_set(err, "a probe ticket is at most %d bytes, this one is %zu",
                            TL_PROBE_MAX_TICKET, len);
    memset(res, 0, sizeof(*res));
    res->alert_sent = -1;
    res->ev_begin = tl_world_events(p->world)->n;
    ERR_clear_error();
    /* Drop what the last run wrote, then start over on the same SSL. */
    while (BIO_ctrl_pending(p->to_server) > 0)
        if (BIO_read(p->to_server, scratch, sizeof(scratch)) <= 0)
            break;
    /* SSL_clear() keeps the server's session, and before 3.0.17 (openssl
     * pull 27584; release.h: TL_CHANGE_CLEAR_DROPS_SESSION) a TLS 1.3
     * server could take that leftover for a resumption: one input would
     * leak into the next. Dropping it first is right on every release. */
    if (SSL_set_session(p->server, NULL) != 1 || SSL_clear(p->server) != 1)
        return tl_error_set_ssl(err, "SSL_clear failed");
    SSL_set_accept_state(p->server);
    n = edit_hello(p, ticket, len);
    if (BIO_write(p->to_server, p->buf, (int)n) != (int)n)
        return tl_error_set_ssl(err, "cannot queue the ClientHello");
    p->cur = res;
    running = p;
    iss->key_enc_calls = iss->key_dec_calls = 0;
    rc = SSL_do_handshake(p->server);
    e = SSL_get_error(p->server, rc);
    res->failed = rc <= 0 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE
                  && e != SSL_ERROR_WANT_X509_LOOKUP;
    res->resumed = SSL_session_reused(p->server);
    if (res->failed) {
        unsigned long code = ERR_peek_error();
        const char *r = code ? ERR_reason_error_string(code) : NULL;

        res->err = code;
        snprintf(res->err_reason, sizeof(res->err_reason), "%s", r ? r : "");
    }
    p->cur = NULL;
    running = NULL;
    res->ev_end = tl_world_events(p->world)->n;
    /* Hash what the server wrote (and drop it): the same input must give
     * the same reply, byte for byte. */
    res->flight_hash = UINT64_C(14695981039346656037);
    for (;;) {
        int got = BIO_read(p->to_server, scratch, sizeof(scratch));

        if (got <= 0)
            break;
        for (int i = 0; i < got; i++)
            res->flight_hash = (res->flight_hash ^ scratch[i]) * UINT64_C(1099511628211);
        res->flight_len += (size_t)got;
    }
    ERR_clear_error();
    return 0;
}

SSL *tl_probe_server(tl_probe *p)
{
    return p->server;
}

const unsigned char *tl_probe_ticket(const tl_probe *p, size_t *len)
{
    *len = p->ticket_len;
    return p->hello + p->ticket_off;
}

const unsigned char *tl_probe_client_hello(const tl_probe *p, size_t *len)
{
    *len = p->hello_len;
    return p->hello;
}
