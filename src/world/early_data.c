/*
 * early_data.c - the world's 0-RTT driving; see early_data.h.
 *
 * The OpenSSL block is the world's original early phase, unchanged. The
 * BoringSSL/AWS-LC block follows their ssl/handshake.cc ssl_run_handshake:
 * ssl_hs_early_return makes SSL_do_handshake return 1 mid-handshake with
 * SSL_in_early_data() set (the client after its ClientHello,
 * handshake_client.cc do_early_reverify_server_certificate; the server after
 * its Finished and half-RTT tickets, tls13_server.cc
 * do_read_second_client_flight / ssl_hs_read_end_of_early_data), and
 * ssl_hs_early_data_rejected makes it return -1 with
 * SSL_ERROR_EARLY_DATA_REJECTED (tls13_client.cc: a HelloRetryRequest, or a
 * ServerHello without early_data).
 */
#include "early_data.h"

#include <openssl/err.h>

#include "ticketlab/tlslib.h"
#include "ticketlab/world.h"

int tl_world_classify(SSL *s, int rc)
{
    int e;

    if (rc > 0)
        return 1;
    e = SSL_get_error(s, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
#ifdef SSL_ERROR_PENDING_TICKET
    if (e == SSL_ERROR_PENDING_TICKET)
        return 0;   /* the ticket AEAD method's open said retry: call again */
#endif
#ifdef SSL_ERROR_EARLY_DATA_REJECTED
    if (e == SSL_ERROR_EARLY_DATA_REJECTED) {
        /* BoringSSL, AWS-LC: the client's 0-RTT was rejected; the handshake
         * goes on once the rejection is acknowledged (ssl_lib.cc). */
        SSL_reset_early_data_reject(s);
        return 0;
    }
#endif
    return -1;
}

#if TL_TLSLIB_OPENSSL
/* ---- OpenSSL: SSL_write_early_data / SSL_read_early_data ------------------- */

int tl_early_server_enable(SSL_CTX *ctx, uint32_t max, tl_error *err)
{
    if (max > 0 && !SSL_CTX_set_max_early_data(ctx, max))
        return tl_error_set_ssl(err, "SSL_CTX_set_max_early_data failed");
    return 0;
}

int tl_early_server_set(SSL_CTX *ctx, uint32_t max, tl_error *err)
{
    if (!SSL_CTX_set_max_early_data(ctx, max))
        return tl_error_set_ssl(err, "SSL_CTX_set_max_early_data failed");
    return 0;
}

int tl_early_session_allows(const SSL_SESSION *sess)
{
    return SSL_SESSION_get_max_early_data(sess) > 0;
}

void tl_early_client_offer(SSL *client, int offer)
{
    (void)client;
    (void)offer;
}

int tl_early_step(SSL *s, int is_client, tl_early *e)
{
    if (is_client) {
        size_t written = 0;

        return tl_world_classify(s, SSL_write_early_data(s, e->data, e->len, &written));
    } else {
        unsigned char buf[1024];
        size_t got = 0;
        int rr = SSL_read_early_data(s, buf, sizeof(buf), &got);

        if (rr == SSL_READ_EARLY_DATA_SUCCESS) {
            e->server_bytes += got;
            return 0;
        }
        if (rr == SSL_READ_EARLY_DATA_FINISH)
            return 1;
        return tl_world_classify(s, -1) < 0 ? -1 : 0;
    }
}

int tl_early_status(SSL *client, const tl_early *e)
{
    (void)e;
    switch (SSL_get_early_data_status(client)) {
    case SSL_EARLY_DATA_ACCEPTED: return TL_EARLY_ACCEPTED;
    case SSL_EARLY_DATA_REJECTED: return TL_EARLY_REJECTED;
    default: return TL_EARLY_NOT_SENT;
    }
}

#else
/* ---- BoringSSL, AWS-LC: SSL_write/SSL_read while SSL_in_early_data ---------- */

int tl_early_server_enable(SSL_CTX *ctx, uint32_t max, tl_error *err)
{
    (void)err;
    SSL_CTX_set_early_data_enabled(ctx, max > 0);
    return 0;
}

int tl_early_server_set(SSL_CTX *ctx, uint32_t max, tl_error *err)
{
    return tl_early_server_enable(ctx, max, err);
}

int tl_early_session_allows(const SSL_SESSION *sess)
{
    return SSL_SESSION_early_data_capable(sess);
}

void tl_early_client_offer(SSL *client, int offer)
{
    SSL_set_early_data_enabled(client, offer);
}

/* The client: a handshake that returns early, then the early bytes. */
static int client_step(SSL *s, tl_early *e)
{
    int r = tl_world_classify(s, SSL_do_handshake(s));

    if (r <= 0)
        return r;
    if (!SSL_in_early_data(s))
        return 1;   /* no 0-RTT offered (should_offer_early_data said no) */
    e->entered = 1;
    r = SSL_write(s, e->data, (int)e->len);
    return r > 0 ? 1 : tl_world_classify(s, r);
}

/* The server: a handshake that returns early while 0-RTT is being read. */
static int server_step(SSL *s, tl_early *e)
{
    unsigned char buf[1024];
    int r = tl_world_classify(s, SSL_do_handshake(s));

    if (r <= 0)
        return r;
    if (!SSL_in_early_data(s))
        return 1;
    /* SSL_read takes the early bytes; at EndOfEarlyData it goes on with the
     * handshake (ssl_lib.cc SSL_read: can_early_read is cleared) and waits
     * for the client's Finished or the first application data. */
    r = SSL_read(s, buf, sizeof(buf));
    if (r > 0) {
        e->server_bytes += (size_t)r;
        return 0;
    }
    return tl_world_classify(s, r) < 0 ? -1 : 0;
}

int tl_early_step(SSL *s, int is_client, tl_early *e)
{
    return is_client ? client_step(s, e) : server_step(s, e);
}

int tl_early_status(SSL *client, const tl_early *e)
{
    if (!e->entered)
        return TL_EARLY_NOT_SENT;
    return SSL_early_data_accepted(client) ? TL_EARLY_ACCEPTED : TL_EARLY_REJECTED;
}
#endif
