/*
 * live_serve.c - the in-process issuer on a real socket; see live.h.
 *
 * The world's server SSL_CTX, with the issuer's callbacks logging every
 * call, serves one connection at a time: a handshake, an optional HTTP
 * exchange (so that curl and browsers-in-a-script get an answer), and a
 * close_notify, each bounded by the timeout.
 */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include "ticketlab/clock.h"
#include "ticketlab/rng.h"

static const char http_answer[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
    "Connection: close\r\n\r\nok\n";

/* Write all of buf, bounded by the deadline. Returns 0 or -1. */
static int write_all(SSL *ssl, int fd, const char *buf, size_t len, double deadline)
{
    while (len > 0) {
        int r = SSL_write(ssl, buf, (int)len), e;

        if (r > 0) {
            buf += r;
            len -= (size_t)r;
            continue;
        }
        e = SSL_get_error(ssl, r);
        if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            || tl_live_wait(fd, e == SSL_ERROR_WANT_WRITE, deadline) != 1)
            return -1;
    }
    return 0;
}

/* Read until an HTTP request head, the peer's close, or the deadline. Returns 1 for a request. */
static int read_request(SSL *ssl, int fd, double deadline)
{
    char buf[8192];
    size_t n = 0;

    for (;;) {
        int r, e;

        ERR_clear_error();
        r = SSL_read(ssl, buf + n, (int)(sizeof(buf) - 1 - n));
        if (r > 0) {
            n += (size_t)r;
            buf[n] = '\0';
            if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
                return 1;
            if (n == sizeof(buf) - 1)
                return 0;   /* not a request we answer */
            continue;
        }
        e = SSL_get_error(ssl, r);
        if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            || tl_live_wait(fd, e == SSL_ERROR_WANT_WRITE, deadline) != 1)
            return 0;
    }
}

static void describe(SSL *ssl, tl_serve_conn *c)
{
    const unsigned char *alpn = NULL;
    unsigned alpn_len = 0;
    const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

    c->reused = SSL_session_reused(ssl);
    snprintf(c->version, sizeof(c->version), "%s", SSL_get_version(ssl));
    snprintf(c->cipher, sizeof(c->cipher), "%s", SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
    snprintf(c->sni, sizeof(c->sni), "%s", sni ? sni : "");
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    snprintf(c->alpn, sizeof(c->alpn), "%.*s", (int)alpn_len, alpn ? (const char *)alpn : "");
}

/* One connection on fd (non-blocking). Returns 0, or -1 with err when the harness fails. */
static int serve_one(tl_world *w, int fd, tl_serve_conn *c, double timeout, tl_error *err)
{
    double deadline = tl_live_now() + timeout;
    SSL *ssl = SSL_new(tl_world_server_ctx(w));

    if (ssl == NULL || !SSL_set_fd(ssl, fd) || tl_issuer_bind(ssl, tl_world_issuer(w)) != 0) {
        SSL_free(ssl);
        return tl_error_set_ssl(err, "cannot set up a server connection");
    }
    SSL_set_accept_state(ssl);
    tl_world_issuer(w)->handshake = c->index;
    c->io = tl_live_handshake(ssl, fd, deadline, c->why, sizeof(c->why));
    if (c->io == TL_LIVE_IO_OK) {
        describe(ssl, c);
        if (read_request(ssl, fd, deadline)) {
            c->http = 1;
            write_all(ssl, fd, http_answer, sizeof(http_answer) - 1, deadline);
        }
        ERR_clear_error();
        /* Sent or not, the session stays resumable: what was issued is the client's. */
        if (SSL_shutdown(ssl) < 0)
            SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    SSL_free(ssl);
    ERR_clear_error();
    return 0;
}

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        snprintf(out, size, "%s:%u", host, ntohs(in->sin_port));
    } else {
        snprintf(out, size, "?");
    }
}

/*
 * Bring the harness clock to the real time passed since `start` (clock0
 * then), and with o->rotate, add the libtls keys due by now. *rev is the
 * newest revision. Returns 0, or -1 with err.
 */
static int follow_time(tl_world *w, const tl_serve_opts *o, int64_t clock0, double start,
                       uint32_t *rev, tl_error *err)
{
    int64_t elapsed = (int64_t)(tl_live_now() - start);

    tl_clock_freeze(clock0 + elapsed);
    while (o->rotate > 0 && *rev < 1 + (uint64_t)elapsed / o->rotate) {
        unsigned char key[TL_LIBTLS_KEY_LEN];
        tl_keyring *kr = tl_world_keyring(w);

        tl_rng_bytes(key, sizeof(key));
        if (tl_keyring_add_libtls(kr, *rev + 1, key, sizeof(key)) != 0)
            return tl_error_set(err, "rotating the key ring: %s", tl_keyring_error(kr));
        (*rev)++;
    }
    return 0;
}

int tl_live_serve(tl_world *w, int listen_fd, const tl_serve_opts *o,
                  volatile sig_atomic_t *stop, tl_serve_fn fn, void *arg, tl_error *err)
{
    int64_t clock0 = tl_clock_now();
    double start = tl_live_now();
    uint32_t rev = 1;   /* the world's key */

    for (unsigned n = 0; (o->connections == 0 || n < o->connections) && !*stop;) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        tl_serve_conn c;
        int fd, rc;

        if (tl_live_wait(listen_fd, 0, tl_live_now() + 0.2) != 1)
            continue;   /* a tick: look at *stop again */
        fd = accept(listen_fd, (struct sockaddr *)&ss, &len);
        if (fd >= 0 && fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
            close(fd);
            return tl_error_set(err, "cannot make a socket non-blocking: %s", strerror(errno));
        }
        if (fd < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
                continue;
            return tl_error_set(err, "accept failed: %s", strerror(errno));
        }
        if (follow_time(w, o, clock0, start, &rev, err) != 0) {
            close(fd);
            return -1;
        }
        memset(&c, 0, sizeof(c));
        c.index = (int)n++;
        peer_text(&ss, c.peer, sizeof(c.peer));
        c.ev_begin = tl_world_events(w)->n;
        tl_world_issuer(w)->key_enc_calls = tl_world_issuer(w)->key_dec_calls = 0;
        rc = serve_one(w, fd, &c, o->timeout, err);
        close(fd);
        c.ev_end = tl_world_events(w)->n;
        if (rc != 0)
            return -1;
        fn(w, &c, arg);
    }
    return 0;
}
